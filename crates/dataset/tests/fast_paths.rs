//! The validator's fast paths give exactly the findings of its plain path.
//!
//! A file read from CSV takes shortcuts: plain lines are split eight bytes at a time, runs of
//! columns written as on the row before are not checked again, and first rows are compared as
//! whole slices. A row handed over value by value (`FileCheck::row`) takes none of them. Every
//! report here is checked both ways, on data full of injected errors, with padded values,
//! quoted values, LF or CRLF line ends, input that arrives a few bytes at a time, and rows
//! checked on worker threads in batches of every size (batch edges fall on every kind of row).

use std::io::Read;

use ndtms_dataset::rows::Row;
use ndtms_dataset::{
    Catalogue, Dataset, FileReport, GenerateOptions, Generated, ReferenceData, ReportingPeriod,
    Validator, generate,
};

fn period() -> ReportingPeriod {
    ReportingPeriod::for_data_month(2025, 10).expect("valid month")
}

fn generated(cat: &Catalogue, ds: Dataset, seed: u64, error_rate: f64) -> Generated {
    generate(
        cat,
        &GenerateOptions {
            dataset: ds,
            clients: 150,
            seed,
            error_rate,
            period: period(),
        },
    )
}

/// The plain path: each row handed over as values, in the file's column order.
fn value_by_value(v: &Validator<'_>, headers: &[String], rows: &[Vec<String>]) -> FileReport {
    let mut check = v.file(headers.iter().map(String::as_str));
    for (i, r) in rows.iter().enumerate() {
        let values: Vec<&str> = r.iter().map(String::as_str).collect();
        check.row(&values, i as u64 + 2);
    }
    check.finish()
}

/// Writes the rows as CSV: quoting only where needed, or every value; LF or CRLF.
fn csv_text(headers: &[String], rows: &[Vec<String>], quote_all: bool, crlf: bool) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .quote_style(if quote_all {
            csv::QuoteStyle::Always
        } else {
            csv::QuoteStyle::Necessary
        })
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(Vec::new());
    w.write_record(headers).expect("header");
    for r in rows {
        w.write_record(r).expect("row");
    }
    w.into_inner().expect("flush")
}

/// A reader that hands over at most `n` bytes at a time, so lines straddle every read.
struct Trickle<'a> {
    data: &'a [u8],
    n: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.n.min(buf.len()).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}

fn assert_same(what: &str, fast: &FileReport, plain: &FileReport) {
    assert!(
        !plain.findings.is_empty() || what.contains("clean"),
        "{what}: the case has no findings to compare"
    );
    for (i, (a, b)) in fast.findings.iter().zip(&plain.findings).enumerate() {
        assert_eq!(a, b, "{what}: finding {i} differs");
    }
    assert_eq!(fast.findings.len(), plain.findings.len(), "{what}: count");
    assert_eq!(fast, plain, "{what}: totals");
}

#[test]
fn reading_a_file_finds_what_checking_row_by_row_finds() {
    let data = ReferenceData::shipped().expect("reference data");
    let cat = &data.version_on(period().end).expect("version").catalogue;
    for ds in Dataset::ALL {
        let v = Validator::new(cat, ds, period().end);
        for (seed, rate) in [(1, 0.0), (2, 0.05), (3, 0.3), (4, 0.9)] {
            let g = generated(cat, ds, seed, rate);
            let plain = value_by_value(&v, &g.headers, &g.rows);
            for (quote_all, crlf) in [(false, false), (false, true), (true, false), (true, true)] {
                let text = csv_text(&g.headers, &g.rows, quote_all, crlf);
                let what = format!(
                    "{ds} seed {seed} rate {rate} quoted {quote_all} crlf {crlf}{}",
                    if rate == 0.0 { " clean" } else { "" }
                );
                for (threads, batch) in [(0, 1), (2, 7), (3, 64), (1, 1)] {
                    let fast = v
                        .check_csv_with(text.as_slice(), |c| c.threads(threads, batch))
                        .expect("readable");
                    let what = format!("{what} threads {threads} batch {batch}");
                    assert_same(&what, &fast, &plain);
                }
            }
            // Rows handed over already split (as the extract hands its rows), in batches.
            let packed: Vec<(String, Vec<u32>)> = g
                .rows
                .iter()
                .map(|r| {
                    let mut ends = Vec::new();
                    let text = r.iter().fold(String::new(), |t, x| {
                        let t = t + x;
                        ends.push(t.len() as u32);
                        t
                    });
                    (text, ends)
                })
                .collect();
            for (threads, batch) in [(0, 1), (2, 7)] {
                let mut check = v
                    .file(g.headers.iter().map(String::as_str))
                    .threads(threads, batch);
                check.rows_of(
                    packed
                        .iter()
                        .enumerate()
                        .map(|(i, (t, e))| Row::packed(t, e, i as u64 + 2)),
                );
                let what = format!("{ds} seed {seed} rate {rate} rows_of threads {threads}");
                assert_same(
                    &(what + if rate == 0.0 { " clean" } else { "" }),
                    &check.finish(),
                    &plain,
                );
            }
            let text = csv_text(&g.headers, &g.rows, false, true);
            let trickled = v
                .check_csv(Trickle { data: &text, n: 37 })
                .expect("readable");
            let what = format!("{ds} seed {seed} rate {rate} trickled");
            assert_same(
                &(what + if rate == 0.0 { " clean" } else { "" }),
                &trickled,
                &plain,
            );
        }
    }
}

#[test]
fn rows_that_repeat_with_a_change_in_one_place_are_still_checked() {
    // Rows that repeat the row before but for one value, in every column in turn: the run the
    // value is in must be checked again, and rules reading it must run again.
    let data = ReferenceData::shipped().expect("reference data");
    let cat = &data.version_on(period().end).expect("version").catalogue;
    let ds = Dataset::AD;
    let v = Validator::new(cat, ds, period().end);
    let g = generated(cat, ds, 5, 0.0);
    let row = g.rows[0].clone();
    let bad = [
        "X",
        "99/99/9999",
        "01/01/2099",
        "",
        "-1",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    ];
    let mut rows = Vec::new();
    for c in 0..row.len() {
        for b in bad {
            rows.push(row.clone());
            let mut changed = row.clone();
            changed[c] = b.to_owned();
            rows.push(changed.clone());
            rows.push(changed);
            rows.push(row.clone());
        }
    }
    let plain = value_by_value(&v, &g.headers, &rows);
    for quote_all in [false, true] {
        let text = csv_text(&g.headers, &rows, quote_all, false);
        let fast = v.check_csv(text.as_slice()).expect("readable");
        assert_same(
            &format!("one value changed, quoted {quote_all}"),
            &fast,
            &plain,
        );
    }
}

#[test]
fn padded_values_are_trimmed_on_every_path() {
    let data = ReferenceData::shipped().expect("reference data");
    let cat = &data.version_on(period().end).expect("version").catalogue;
    let ds = Dataset::YP;
    let v = Validator::new(cat, ds, period().end);
    let g = generated(cat, ds, 6, 0.2);
    let padded: Vec<Vec<String>> = g
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.iter()
                .enumerate()
                .map(|(c, x)| match (i + c) % 5 {
                    0 => format!(" {x}"),
                    1 => format!("{x}\t"),
                    _ => x.clone(),
                })
                .collect()
        })
        .collect();
    let plain = value_by_value(&v, &g.headers, &g.rows);
    for quote_all in [false, true] {
        let text = csv_text(&g.headers, &padded, quote_all, false);
        let fast = v.check_csv(text.as_slice()).expect("readable");
        // Findings quote values trimmed, so padding changes nothing.
        assert_same(&format!("padded, quoted {quote_all}"), &fast, &plain);
    }
}

#[test]
fn bad_input_is_reported_the_same_on_worker_threads() {
    // Worker threads read blocks of lines themselves; a block one cannot read is read again
    // by one reader, so every error names the same line, column and cause as a one-thread
    // read, wherever in the file it lies; and odd but readable files give the same report.
    let data = ReferenceData::shipped().expect("reference data");
    let cat = &data.version_on(period().end).expect("version").catalogue;
    let v = Validator::new(cat, Dataset::AD, period().end);
    let g = generated(cat, Dataset::AD, 7, 0.1);
    let text = csv_text(&g.headers, &g.rows, false, false);
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    let with_line = |n: usize, f: &dyn Fn(&[u8]) -> Vec<u8>| -> Vec<u8> {
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            out.extend(if i + 1 == n { f(l) } else { l.to_vec() });
        }
        out
    };
    // A quote at the start of the line's fourth value.
    let open_quote = |l: &[u8]| {
        let at = l
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b',')
            .nth(2)
            .expect("values")
            .0;
        [&l[..=at], b"\"", &l[at + 1..]].concat()
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "bad UTF-8 on line 100",
            with_line(100, &|l| [&l[..5], b"\xff", &l[6..]].concat()),
        ),
        (
            "a quote never closed from line 50",
            with_line(50, &open_quote),
        ),
        (
            "a quoted value from line 50 over three line breaks",
            with_line(53, &|l| [b"\"".as_slice(), l].concat())
                .split_inclusive(|&b| b == b'\n')
                .enumerate()
                .flat_map(|(i, l)| {
                    if i + 1 == 50 {
                        open_quote(l)
                    } else {
                        l.to_vec()
                    }
                })
                .collect(),
        ),
        (
            "5,000 values on line 120",
            with_line(120, &|_| [vec![b','; 5000], b"\n".to_vec()].concat()),
        ),
        (
            "a line of over 2 MiB at line 10",
            with_line(10, &|l| {
                [&l[..4], vec![b'x'; 2_200_000].as_slice(), &l[4..]].concat()
            }),
        ),
        (
            "CR line ends",
            text.iter()
                .map(|&b| if b == b'\n' { b'\r' } else { b })
                .collect(),
        ),
        (
            "blank lines between rows and no line break at the end",
            lines
                .iter()
                .enumerate()
                .flat_map(|(i, l)| {
                    if i % 9 == 4 {
                        [*l, b"\n\r\n"].concat()
                    } else {
                        l.to_vec()
                    }
                })
                .collect::<Vec<u8>>()
                .trim_ascii_end()
                .to_vec(),
        ),
        (
            "the header and blank lines only",
            [lines[0], b"\n\n\r\n\n"].concat(),
        ),
    ];
    for (what, input) in &cases {
        let outcome = |threads, batch| {
            v.check_csv_with(input.as_slice(), |c| c.threads(threads, batch))
                .map_err(|e| format!("{} {e}", e.code()))
        };
        let one = outcome(0, 1);
        if what.starts_with("CR") || what.starts_with("blank") {
            assert!(one.is_ok(), "{what}: should be readable, got {one:?}");
        } else {
            assert!(one.is_err(), "{what}: should be refused");
        }
        for (threads, batch) in [(2, 7), (3, 64), (1, 1), (2, 256)] {
            let what = format!("{what}, threads {threads} batch {batch}");
            match (&one, outcome(threads, batch)) {
                (Ok(a), Ok(b)) => assert_same(&what, &b, a),
                (Err(a), Err(b)) => assert_eq!(&b, a, "{what}"),
                (a, b) => panic!("{what}: one thread gave {a:?}, several {b:?}"),
            }
        }
    }
}
