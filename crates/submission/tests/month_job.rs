//! The month's job shared by the dashboard and "Build": one file made from the same records,
//! period and day is made once; a change to the records makes it again; a file the data lead
//! is looking at for another month is left alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ndtms_dataset::ReportingPeriod;
use ndtms_store::records::{Entity, RecordKey};
use ndtms_store::{Permission, Store};
use ndtms_submission::job::{JobStatus, MadeFrom, MonthJob};
use ndtms_submission::{DEFAULT_FILE_PATTERN, Result, Source, read_source};

mod common;
use common::*;

fn made_from(s: &mut Store, period: ReportingPeriod) -> MadeFrom {
    MadeFrom {
        period,
        stamp: s.extract_stamp().unwrap(),
        day: now().date_naive(),
    }
}

/// A read on a handle of its own, as the app gives the job, counting how often it runs.
fn reader(
    s: &mut Store,
    period: ReportingPeriod,
    reads: &Arc<AtomicUsize>,
) -> impl FnOnce() -> Result<Source> + Send + 'static {
    let mut r = s.beside(Permission::Submit).unwrap();
    let reads = reads.clone();
    move || {
        reads.fetch_add(1, Ordering::SeqCst);
        read_source(&mut r, &period, DEFAULT_FILE_PATTERN, now())
    }
}

fn wait_ready(job: &MonthJob) {
    let t = Instant::now();
    while job.status() != JobStatus::Ready {
        assert!(t.elapsed() < Duration::from_secs(60), "{:?}", job.status());
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_dashboard_and_build_share_one_file_made_from_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, g) = filled(dir.path(), 30);
    let job = MonthJob::default();
    let reads = Arc::new(AtomicUsize::new(0));

    // The dashboard, with the job idle: the job makes the month's file and the dashboard waits.
    let first = made_from(&mut s, period());
    let checked = job
        .checked(first, reader(&mut s, period(), &reads), now())
        .expect("the job makes it");
    assert_eq!(job.status(), JobStatus::Ready);
    assert_eq!(reads.load(Ordering::SeqCst), 1);
    assert!(checked.extract.clients > 0);

    // "Build" pressed for the same month with nothing changed: the same file, not read again.
    assert!(job.start_from(
        made_from(&mut s, period()),
        reader(&mut s, period(), &reads),
        now()
    ));
    assert_eq!(reads.load(Ordering::SeqCst), 1);
    assert!(Arc::ptr_eq(&job.ready().unwrap(), &checked));

    // A client changed: the stamp moves and the file is made again, with the change in it.
    let col = g.headers.iter().position(|h| h == "CLIENTID").unwrap();
    let text = String::from_utf8_lossy(&checked.bytes).into_owned();
    let id = &g
        .rows
        .iter()
        .map(|r| &r[col])
        .find(|id| text.contains(id.as_str()))
        .expect("a client in the file")
        .clone();
    let key = RecordKey::client(id);
    let mut fields = s.client(id).unwrap().fields;
    fields.insert("FINITIAL".into(), "Q".into());
    s.save(Entity::Client, &key, &fields).unwrap();
    let changed = made_from(&mut s, period());
    assert_ne!(changed.stamp, first.stamp, "a saved record moves the stamp");
    assert!(!job.start_from(changed, reader(&mut s, period(), &reads), now()));
    wait_ready(&job);
    assert_eq!(reads.load(Ordering::SeqCst), 2);
    let rebuilt = job.ready().unwrap();
    assert!(!Arc::ptr_eq(&rebuilt, &checked));
    assert_ne!(
        rebuilt.sha256, checked.sha256,
        "the change is in the new file"
    );

    // An audited view or a log-in is not a change to what the file is made from.
    s.client(id).unwrap();
    assert_eq!(made_from(&mut s, period()).stamp, changed.stamp);

    // The data lead is looking at another month's file: the dashboard leaves it alone (the
    // app then makes its own), and nothing is read for it here.
    let earlier = ReportingPeriod::for_data_month(2026, 9).unwrap();
    assert!(
        job.checked(
            made_from(&mut s, earlier),
            reader(&mut s, earlier, &reads),
            now()
        )
        .is_none()
    );
    assert_eq!(reads.load(Ordering::SeqCst), 2);
    assert!(Arc::ptr_eq(&job.ready().unwrap(), &rebuilt));
}
