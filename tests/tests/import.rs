//! Import in the real window: bad files (not UTF-8, a ragged row, a wrong header, 200 MB of
//! random bytes) are each refused with a message naming the line, and change nothing; a good
//! file's dry run says what it would add, the row passed over and the possible duplicate;
//! importing it works, and importing it again changes nothing.

use std::io::Write;
use std::time::Duration;

use ndtms_dataset::{Dataset, ReportingPeriod};
use support::{PASSWORD, no_axe_violations};

mod support;

const WAIT: Duration = Duration::from_secs(60);
const PASSPHRASE: &str = "copper heron lantern mist";

#[test]
fn bad_files_are_refused_and_a_good_one_is_imported_once() {
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    let period = ReportingPeriod::last_complete_month(ndtms_dataset::model::today());
    let here = support::generated(Dataset::AD, 10, 3, 0.0, period);
    {
        let mut store = support::passphrase_database(&data, PASSPHRASE, Dataset::AD);
        support::import(&mut store, &here);
    }

    // The file to import: 20 other clients; one row with no client ID; one new client with the
    // identifying details of a client already here.
    let mut file = support::generated(Dataset::AD, 20, 4, 0.0, period);
    let col = |h: &str| file.headers.iter().position(|x| x == h).expect(h);
    let cid = col("CLIENTID");
    for r in &mut file.rows {
        r[cid] = format!("IMP{}", r[cid]);
    }
    let twin = file.rows[0][cid].clone();
    for h in ["FINITIAL", "SINITIAL", "DOB", "SEX"] {
        let c = col(h);
        for r in file.rows.iter_mut().filter(|r| r[cid] == twin) {
            r[c] = here.rows[0][c].clone();
        }
    }
    let gone = file.rows[file.rows.len() - 1][cid].clone();
    let mut first_gone = None;
    for (i, r) in file.rows.iter_mut().enumerate() {
        if r[cid] == gone {
            r[cid].clear();
            first_gone.get_or_insert(i);
        }
    }
    let first_gone = first_gone.expect("a row without an ID");
    let good = tmp.path().join("det-export.csv");
    file.write_csv(std::fs::File::create(&good).expect("create"))
        .expect("write");

    let mut header_and_first = Vec::new();
    file.write_csv(&mut header_and_first).expect("write");
    let text = String::from_utf8(header_and_first).expect("utf8");
    let mut lines = text.lines();
    let header = lines.next().expect("header").to_owned();
    let row = lines.next().expect("a row").to_owned();
    let bad = |name: &str, bytes: &[u8]| {
        let p = tmp.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    };
    let not_utf8 = bad(
        "latin1.csv",
        &[header.as_bytes(), b"\r\n", row.as_bytes(), b"\xff\xfe\r\n"].concat(),
    );
    let ragged = bad(
        "ragged.csv",
        format!("{header}\r\n{row}\r\n{row},extra\r\n").as_bytes(),
    );
    let wrong_header = bad(
        "wrong-header.csv",
        format!(
            "{}\r\n{row}\r\n",
            header.replacen("CLIENTID", "CLIENT_REF", 1)
        )
        .as_bytes(),
    );
    let random = tmp.path().join("random.bin");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&random).expect("create"));
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..200 {
            for chunk in block.chunks_mut(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                chunk.copy_from_slice(&x.to_le_bytes());
            }
            f.write_all(&block).expect("write");
        }
    }

    let app = support::launch_and_unlock(&data, PASSPHRASE);
    support::log_in(&app, "ada", PASSWORD);
    app.click("[data-testid=nav-history]").expect("history");
    app.click("[data-testid=go-import]").expect("import");
    app.wait_for_text("#import-title", "Import", WAIT)
        .expect("the import page");

    for (path, said) in [
        (&not_utf8, "line 2, column"),
        (&ragged, "line 3"),
        (&wrong_header, "CLIENT_REF"),
        (&random, "line 1"),
    ] {
        app.retype("#import-file", path.to_str().expect("utf8"))
            .expect("file");
        app.click("[data-testid=import-check]").expect("check");
        let shown = app
            .wait_for_text("[data-testid=error-summary]", said, WAIT)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            shown.contains(path.file_name().and_then(|n| n.to_str()).expect("name")),
            "the message names the file: {shown}"
        );
        assert!(app.find("[data-testid=import-plan]").is_err());
    }
    app.screenshot("import-refused").expect("screenshot");

    // The dry run of the good file: nothing here changed by the bad ones.
    app.retype("#import-file", good.to_str().expect("utf8"))
        .expect("file");
    app.click("[data-testid=import-check]").expect("check");
    app.wait_for_text(
        "[data-testid=import-plan]",
        "What importing it would do",
        WAIT,
    )
    .expect("the plan");
    let plan = app.text("[data-testid=import-plan]").expect("plan");
    assert!(
        plan.contains("0 already here"),
        "nothing imported yet: {plan}"
    );
    assert!(plan.contains("19 new"), "{plan}");
    let passed = app
        .text("[data-testid=import-passed-over]")
        .expect("passed over");
    assert!(
        passed.contains(&(first_gone as u64 + 2).to_string()),
        "the line of the row without an ID: {passed}"
    );
    let twins = app
        .text("[data-testid=import-duplicates]")
        .expect("duplicates");
    assert!(twins.contains(&twin), "{twins}");
    assert_ne!(
        app.text("[data-testid=import-create]").expect("create"),
        "0"
    );
    no_axe_violations(&app, "import plan");
    app.screenshot("import-plan").expect("screenshot");

    app.click("[data-testid=import-apply]").expect("import");
    app.wait_for_text("[data-testid=import-done]", "Imported", WAIT)
        .expect("imported");

    // Again: nothing would change.
    app.click("[data-testid=import-check]")
        .expect("check again");
    app.wait_for_text("[data-testid=import-plan]", "19 already here", WAIT)
        .expect("every client already here");
    assert_eq!(
        app.text("[data-testid=import-create]").expect("create"),
        "0"
    );
    assert_eq!(
        app.text("[data-testid=import-change]").expect("change"),
        "0"
    );
    app.wait_for_text("[data-testid=import-apply]", "Nothing to import", WAIT)
        .expect("nothing to import");
}
