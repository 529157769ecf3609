//! Unit tests of the validation engine.

use super::*;

#[test]
fn filled_bits_of_any_columns_match_the_blanks() {
    // 150 values, blank where the column number is a multiple of 3 or 7.
    let spans: Vec<(u32, u32)> = (0..150u32)
        .map(|c| {
            if c % 3 == 0 || c % 7 == 0 {
                (c, c)
            } else {
                (c, c + 1)
            }
        })
        .collect();
    let mut filled = vec![0u64; 3];
    for (i, &(s, e)) in spans.iter().enumerate() {
        filled[i / 64] |= u64::from(s != e) << (i % 64);
    }
    let rec = RowValues {
        text: "",
        spans: &spans,
        filled: &filled,
    };
    for (lo, hi) in [
        (0, 64),
        (64, 128),
        (128, 150),
        (5, 69),
        (100, 150),
        (70, 71),
    ] {
        let want = (lo..hi).fold(0u64, |b, c| b | u64::from(!rec.is_blank(c)) << (c - lo));
        assert_eq!(rec.filled(lo, hi), want, "columns {lo}..{hi}");
    }
}

#[test]
fn short_values_are_read_into_a_word_byte_for_byte() {
    let bytes: Vec<u8> = (0..7u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(0x81))
        .collect();
    for n in 0..=7 {
        let b = &bytes[..n];
        let by_byte = b.iter().rev().fold(0u64, |acc, &x| acc << 8 | u64::from(x));
        assert_eq!(short_word(b), by_byte, "{n} bytes");
    }
    // Values that differ only in one byte, or only in length, key differently.
    let k = |v: &[&[u8]]| key_of(v.iter().copied());
    assert_ne!(k(&[b"AB12"]), k(&[b"AB13"]));
    assert_ne!(k(&[b"AB1"]), k(&[b"AB1\0"]));
    assert_ne!(k(&[b"A", b"B"]), k(&[b"AB", b""]));
}

#[test]
fn overlapping_episodes_are_the_same_whether_clients_come_together_or_not() {
    let day = |d: u32| NaiveDate::from_ymd_opt(2025, 1, d);
    let mut list = Vec::new();
    let mut line = 2;
    // Clients with their rows together (in file order, not key order); episodes repeated
    // on later rows, overlapping, touching, open, and without a start.
    // Episode id, start day, end day.
    type Episode = (u64, Option<u32>, Option<u32>);
    let episodes: [&[Episode]; 4] = [
        &[
            (1, Some(1), Some(10)),
            (2, Some(5), Some(20)),
            (1, Some(1), Some(10)),
        ],
        &[
            (3, Some(1), Some(5)),
            (4, Some(5), None),
            (5, Some(6), Some(7)),
            (4, Some(5), None),
        ],
        &[(6, None, None), (7, Some(2), Some(3))],
        &[
            (8, Some(9), None),
            (9, Some(3), Some(12)),
            (10, Some(1), Some(2)),
        ],
    ];
    for (c, eps) in episodes.iter().enumerate() {
        let client = (900 - c as u64, c as u64);
        for &(e, start, end) in *eps {
            list.push(EpisodeSeen {
                client,
                pair: (e, c as u64),
                client_text: 0,
                id_text: 0,
                line,
                row: line as usize - 2,
                start: start.and_then(day),
                end: end.and_then(day),
            });
            line += 1;
        }
    }
    let lines = |found: Vec<(EpisodeSeen, EpisodeSeen)>| {
        let mut l: Vec<(u64, u64)> = found.iter().map(|(a, b)| (a.line, b.line)).collect();
        l.sort_unstable();
        l
    };
    let grouped = lines(overlapping_episodes(list.clone(), true));
    // Episode 2 (line 3) starts inside episode 1 (line 2); episode 5 (line 7) inside the
    // open episode 4 (line 6; episode 3 ends the day 4 starts: no overlap); episode 8
    // (line 11) inside episode 9 (line 12).
    assert_eq!(grouped, vec![(3, 2), (7, 6), (11, 12)]);
    list.reverse();
    assert_eq!(lines(overlapping_episodes(list, false)), grouped);
}

#[test]
fn key_table_keeps_the_first_number_of_every_key_through_growth_and_collisions() {
    let mut table = KeyTable::default();
    // Keys sharing their low bits land on one slot and probe past each other; others
    // spread out. Enough of both to grow the table several times.
    let key = |i: u64| {
        if i.is_multiple_of(3) {
            (i << 20, i)
        } else {
            (std::hash::Hasher::finish(&FxHasher(i)), i)
        }
    };
    for i in 0..20_000u64 {
        assert_eq!(table.get_or_insert(key(i), i as u32), i as u32);
    }
    for i in 0..20_000u64 {
        assert_eq!(table.get_or_insert(key(i), 99_999), i as u32, "key {i}");
    }
    // Same first half, different second: different keys.
    assert_eq!(table.get_or_insert((3 << 20, 7), 5), 5);
    assert_eq!(table.len, 20_001);
    assert!(table.slots.len() >= 2 * table.len);
}

/// The fast pass/fail of a value and its explanation read the same definitions: a value passes
/// exactly when explaining it finds nothing, for every field of every dataset and values of
/// every kind (valid and retired codes, bad and future dates, out-of-range and malformed
/// numbers, flags, long text, off-pattern text).
#[test]
fn a_value_passes_exactly_when_its_explanation_finds_nothing() {
    let data = crate::ReferenceData::shipped().expect("reference data");
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    let cat = &data.version_on(as_of).expect("version").catalogue;
    let mut candidates: Vec<String> = [
        "",
        "Y",
        "N",
        "y",
        "YES",
        "0",
        "1",
        "-1",
        "7",
        "99",
        "100",
        "999999",
        "1.5",
        "x",
        "N0852",
        "n0852",
        "AB123",
        "31/12/2025",
        "30/11/2026",
        "01/12/2026",
        "31/02/2025",
        "2025-01-01",
        "01/01/1900",
        "ÄÖÜ",
        "a long piece of text that goes on well past any short field's limit",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for list in cat.codelists.values() {
        candidates.extend(list.codes.iter().map(|c| c.code.clone()));
    }
    let mut checked = 0;
    for dataset in Dataset::ALL {
        let v = Validator::new(cat, dataset, as_of);
        for (col, field) in cat.fields.iter().enumerate() {
            if !field.requirement(dataset).in_dataset() {
                continue;
            }
            for value in &candidates {
                let bytes = value.as_bytes();
                if bytes.is_empty() {
                    continue;
                }
                let rec = OneValue { column: col, value };
                let passes = match v.plan[col].kind {
                    FieldType::Date => v.date_passes(col, bytes, &no_dates()),
                    FieldType::Integer => v.integer_passes(col, bytes),
                    FieldType::Flag => flag_passes(bytes),
                    FieldType::Code => v.code_passes(col, bytes),
                    FieldType::Text => true,
                } && v.shape_passes(col, &rec, bytes);
                let mut found = Vec::new();
                v.value_findings(&rec, None, col, value, &mut found);
                assert_eq!(
                    passes,
                    found.is_empty(),
                    "{dataset:?} {}: '{value}' passes={passes} but explained as {found:?}",
                    field.header
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}
