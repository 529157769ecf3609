//! Validation speed: one field as it is typed, one full record, and a 200,000-row file in memory
//! (on one core, the target's terms, and with the worker threads files are checked with).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndtms_dataset::{
    Dataset, GenerateOptions, ReferenceData, ReportingPeriod, Validator, generate,
};

fn benches(c: &mut Criterion) {
    let data = ReferenceData::shipped().expect("shipped reference data");
    let period = ReportingPeriod::for_data_month(2025, 10).expect("valid month");
    let cat = &data.version_on(period.end).expect("version").catalogue;
    let v = Validator::new(cat, Dataset::AD, period.end);

    c.bench_function("field edit (DOB)", |b| {
        b.iter(|| black_box(v.check_field("DOB", black_box("14/03/1987"))))
    });
    c.bench_function("field edit (code, wrong)", |b| {
        b.iter(|| black_box(v.check_field("ETHNIC", black_box("Q"))))
    });

    let small = generate(
        cat,
        &GenerateOptions {
            dataset: Dataset::AD,
            clients: 20,
            seed: 1,
            error_rate: 0.0,
            period,
        },
    );
    let row = small
        .rows
        .iter()
        .max_by_key(|r| r.iter().filter(|x| !x.is_empty()).count())
        .expect("a row")
        .clone();
    let mut out = Vec::new();
    c.bench_function("full record", |b| {
        b.iter(|| {
            out.clear();
            v.check_record(black_box(&row), Some(2), &mut out);
            black_box(out.len())
        })
    });

    // About 200,000 rows: the generator gives roughly 2.6 rows per client.
    let mut clients = 76_000;
    let big = loop {
        let g = generate(
            cat,
            &GenerateOptions {
                dataset: Dataset::AD,
                clients,
                seed: 9,
                error_rate: 0.0,
                period,
            },
        );
        if g.rows.len() >= 200_000 {
            break g;
        }
        clients += 4_000;
    };
    let rows = big.rows.len();
    let mut csv = Vec::new();
    big.write_csv(&mut csv).expect("write");
    // The generated rows as strings (about 3 KB a row) are not needed again: freed, so the
    // file is checked in a process the size `ndtms validate` would be.
    drop(big);
    let mut group = c.benchmark_group("file");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows as u64));
    let mb = csv.len() / 1_000_000;
    // The target is for one core: the file's rows all checked on the reading thread.
    group.bench_function(format!("{rows} rows ({mb} MB), one core"), |b| {
        b.iter(|| {
            let report = v
                .check_csv_with(black_box(csv.as_slice()), |c| c.threads(0, 1))
                .expect("readable");
            assert_eq!(report.errors, 0);
            black_box(report.rows)
        })
    });
    // As `ndtms validate` and the pre-transfer check run it: with worker threads.
    group.bench_function(format!("{rows} rows ({mb} MB), worker threads"), |b| {
        b.iter(|| {
            let report = v.check_csv(black_box(csv.as_slice())).expect("readable");
            assert_eq!(report.errors, 0);
            black_box(report.rows)
        })
    });
    group.finish();
}

criterion_group!(validate, benches);
criterion_main!(validate);
