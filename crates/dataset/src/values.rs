//! Parsing of CSV values: dates as dd/mm/yyyy and whole numbers, without allocation.

use chrono::NaiveDate;

/// Parses `dd/mm/yyyy` (the CSV date form, an assumption recorded in `reference-data/README.md`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[2] != b'/' || b[5] != b'/' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let day = num(0..2)?;
    let month = num(3..5)?;
    let year = num(6..10)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// Formats a date the way the CSV carries it.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Parses an optionally signed whole number of at most 18 digits.
pub fn parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let n = digits.bytes().try_fold(0i64, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })?;
    Some(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            parse_date("29/02/2024"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(parse_date("29/02/2023"), None);
        assert_eq!(parse_date("2024-02-01"), None);
        assert_eq!(parse_date("1/2/2024"), None);
        assert_eq!(parse_date("aa/bb/cccc"), None);
    }

    #[test]
    fn ints() {
        assert_eq!(parse_int("28"), Some(28));
        assert_eq!(parse_int("-3"), Some(-3));
        assert_eq!(parse_int("2.5"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("-"), None);
    }

    proptest::proptest! {
        #[test]
        fn date_round_trip(days in 0i64..80_000) {
            let d = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid") + chrono::Duration::days(days);
            proptest::prop_assert_eq!(parse_date(&format_date(d)), Some(d));
        }
    }
}
