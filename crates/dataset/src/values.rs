//! Parsing of CSV values: dates as dd/mm/yyyy and whole numbers, without allocation.

use chrono::NaiveDate;

/// Parses `dd/mm/yyyy` (the CSV date form, an assumption recorded in `reference-data/README.md`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    date_of_key(date_key(s)?)
}

/// A `dd/mm/yyyy` date checked to be real, as a number that orders as the dates do (year,
/// month and day in bit fields): the validator compares dates many times a row, and this
/// needs no calendar arithmetic.
pub fn date_key(s: impl AsRef<[u8]>) -> Option<u32> {
    let &[a, b, c, d, e, f, g, h, y2, y3] = s.as_ref() else {
        return None;
    };
    // The first eight bytes at once: each must lie in its range (a digit, or the slash at 2
    // and 5). A byte below its range borrows into its top bit, one above it carries into it;
    // the lowest byte out of range is always flagged (no borrow reaches it from below).
    const LOW: u64 = u64::from_le_bytes(*b"00/00/00");
    const OVER: u64 = u64::from_le_bytes([0x46, 0x46, 0x50, 0x46, 0x46, 0x50, 0x46, 0x46]);
    let w = u64::from_le_bytes([a, b, c, d, e, f, g, h]);
    if (w | w.wrapping_sub(LOW) | w.wrapping_add(OVER)) & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    let (y2, y3) = (y2.wrapping_sub(b'0'), y3.wrapping_sub(b'0'));
    if y2 > 9 || y3 > 9 {
        return None;
    }
    let n = w - LOW;
    let at = |i: u32| (n >> (8 * i)) as u32 & 0xff;
    let day = at(0) * 10 + at(1);
    let month = at(3) * 10 + at(4);
    let year = at(6) * 1000 + at(7) * 100 + u32::from(y2) * 10 + u32::from(y3);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        // Leap years worked out only for February.
        2 => 28 + u32::from(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)),
        _ => return None,
    };
    (1..=days)
        .contains(&day)
        .then_some(year << 9 | month << 5 | day)
}

/// The key of a date (see [`date_key`]).
pub fn key_of_date(d: NaiveDate) -> u32 {
    use chrono::Datelike as _;
    (d.year().max(0) as u32) << 9 | d.month() << 5 | d.day()
}

/// The date a key stands for.
pub fn date_of_key(k: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(k >> 9).ok()?, (k >> 5) & 15, k & 31)
}

/// Formats a date the way the CSV carries it.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Parses an optionally signed whole number of at most 18 digits.
pub fn parse_int(s: impl AsRef<[u8]>) -> Option<i64> {
    let (neg, digits) = match s.as_ref() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let n = digits.iter().try_fold(0i64, |acc, &c| {
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

    /// The reading `date_key` does a word at a time, a byte at a time.
    fn bytewise_date_key(s: &str) -> Option<u32> {
        let b = s.as_bytes();
        if b.len() != 10 || b[2] != b'/' || b[5] != b'/' {
            return None;
        }
        let digit = |i: usize| {
            let d = b[i].wrapping_sub(b'0');
            (d < 10).then_some(u32::from(d))
        };
        let day = digit(0)? * 10 + digit(1)?;
        let month = digit(3)? * 10 + digit(4)?;
        let year = digit(6)? * 1000 + digit(7)? * 100 + digit(8)? * 10 + digit(9)?;
        let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
        Some(key_of_date(date))
    }

    proptest::proptest! {
        #[test]
        fn date_keys_order_as_dates(a in 0i64..80_000, b in 0i64..80_000) {
            let base = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid");
            let (da, db) = (base + chrono::Duration::days(a), base + chrono::Duration::days(b));
            let (ka, kb) = (date_key(format_date(da)), date_key(format_date(db)));
            proptest::prop_assert_eq!(ka.cmp(&kb), Some(da).cmp(&Some(db)));
            proptest::prop_assert_eq!(ka, Some(key_of_date(da)));
            proptest::prop_assert_eq!(ka.and_then(date_of_key), Some(da));
        }

        #[test]
        fn date_key_accepts_exactly_the_real_dates(d in 0u32..40, m in 0u32..14, y in 0u32..10_000) {
            let text = format!("{d:02}/{m:02}/{y:04}");
            let real = NaiveDate::from_ymd_opt(y as i32, m, d);
            proptest::prop_assert_eq!(date_key(&text).is_some(), real.is_some(), "{}", text);
            proptest::prop_assert_eq!(parse_date(&text), real);
        }

        #[test]
        fn date_key_reads_any_ten_bytes_as_the_byte_by_byte_reading(s in "[0-9/:.\\-a ]{10}|[0-9/]{2,12}|[0-3:/.][0-9:/.][/.:0-9][01:/.][0-9:/.][/.:0-9][0-9:/.]{4}|[0-9é/]{4,9}") {
            proptest::prop_assert_eq!(date_key(&s), bytewise_date_key(&s), "{}", s);
        }

        #[test]
        fn date_key_reads_a_date_with_any_one_byte_changed_as_the_byte_by_byte_reading(
            d in 0u32..33,
            m in 0u32..14,
            y in 0u32..10_000,
            at in 0usize..10,
            c in proptest::sample::select(vec!['/', '.', ':', '0', '1', '9', ' ', 'a', '\u{7f}', 'é']),
        ) {
            let mut s: Vec<char> = format!("{d:02}/{m:02}/{y:04}").chars().collect();
            s[at] = c;
            let s: String = s.into_iter().collect();
            proptest::prop_assert_eq!(date_key(&s), bytewise_date_key(&s), "{}", s);
        }

        #[test]
        fn date_round_trip(days in 0i64..80_000) {
            let d = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid") + chrono::Duration::days(days);
            proptest::prop_assert_eq!(parse_date(&format_date(d)), Some(d));
        }
    }
}
