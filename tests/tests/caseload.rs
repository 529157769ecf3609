//! The caseload in the real window: a few thousand generated clients, found by reference,
//! initials or date of birth with the keyboard only ("/", typing, arrows, Enter), filtered, and
//! the time from a search keystroke to the list updated, measured in the window (printed, not
//! asserted).

use std::time::Duration;

use ndtms_dataset::{Dataset, ReportingPeriod};
use ndtms_e2e::App;
use serde_json::Value;
use support::PASSWORD;

mod support;

const WAIT: Duration = Duration::from_secs(30);
const PASSPHRASE: &str = "lantern meadow pebble frost";
/// Clients generated: 2,000 in the test command; `NDTMS_E2E_CLIENTS=10000` with
/// `NDTMS_APP_BINARY=target/release/ndtms-desk` gives the figures for the closing note.
fn clients() -> usize {
    std::env::var("NDTMS_E2E_CLIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000)
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn click(app: &App, css: &str) {
    app.click(css)
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Presses a key on the element focused now, as a person would.
fn press(app: &App, key: &str) {
    app.execute(
        "const el = document.activeElement || document.body;
         for (const type of ['keydown', 'keyup']) {
           el.dispatchEvent(new KeyboardEvent(type, { key: arguments[0], bubbles: true, cancelable: true }));
         }",
        &[Value::from(key)],
    )
    .expect("key");
}

fn focused_id(app: &App) -> String {
    app.execute(
        "return document.activeElement ? document.activeElement.id : '';",
        &[],
    )
    .expect("focus")
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

#[test]
fn a_keyworker_finds_a_client_with_the_keyboard_among_thousands() {
    let tmp = tempfile::tempdir().expect("temp");
    let data = tmp.path().join("data");
    let mut store = support::passphrase_database(&data, PASSPHRASE, Dataset::AD);
    let period = ReportingPeriod::for_data_month(2026, 10).expect("month");
    let g = support::generated(Dataset::AD, clients(), 21, 0.0, period);
    support::import(&mut store, &g);
    // The client to find, by its initials and date of birth as the generator wrote them.
    let col = |h: &str| g.headers.iter().position(|x| x == h).expect(h);
    let (cid, fi, si, dob) = (
        col("CLIENTID"),
        col("FINITIAL"),
        col("SINITIAL"),
        col("DOB"),
    );
    let target = &g.rows[g.rows.len() / 2];
    let (target_ref, initials, born) = (
        target[cid].clone(),
        format!("{}{}", target[fi], target[si]),
        target[dob].clone(),
    );
    drop(store);

    let app = support::launch_and_unlock(&data, PASSPHRASE);
    support::type_log_in(&app, "ada", PASSWORD);
    let started = std::time::Instant::now();
    click(&app, "[data-testid=login] button[type=submit]");
    app.wait_for_text("#caseload-title", "Caseload", WAIT)
        .expect("the caseload is home after log-in");
    let all = format!("of {} clients", thousands(clients()));
    let count = app
        .wait_for_text("[data-testid=caseload-count]", &all, WAIT)
        .expect("count");
    // Includes WebDriver's polling, so an upper bound on what a person waits.
    println!(
        "log-in to the caseload shown ({} clients): {} ms",
        clients(),
        started.elapsed().as_millis()
    );
    assert!(count.ends_with(&all), "{count}");
    // Virtualised: a few dozen rows in the page, not thousands.
    let in_page = app
        .execute(
            "return document.querySelectorAll('[data-testid=caseload-row]').length;",
            &[],
        )
        .expect("rows")
        .as_u64()
        .unwrap_or(0);
    assert!((1..100).contains(&in_page), "{in_page} rows in the page");
    app.screenshot("caseload").expect("screenshot");
    let v = app.accessibility_violations().expect("axe");
    assert!(v.is_empty(), "caseload: {v:?}");

    // "/" brings the search back from anywhere; the search is by initials as typed.
    click(&app, "#caseload-title");
    press(&app, "/");
    assert_eq!(focused_id(&app), "caseload-search");
    click(&app, "input[name=caseload-filter][value=all]");
    app.execute("document.getElementById('caseload-search').focus();", &[])
        .expect("focus");
    app.type_text("#caseload-search", &initials)
        .expect("initials");
    app.wait_for_text("[data-testid=caseload-count]", &all, WAIT)
        .expect("count");
    // The date of birth narrows it to the one (or few) born that day.
    app.retype("#caseload-search", &born)
        .expect("date of birth");
    let mut found = false;
    for _ in 0..150 {
        let refs = app
            .execute(
                "return Array.from(document.querySelectorAll('[data-testid=caseload-row] .ref')).map(e => e.textContent);",
                &[],
            )
            .expect("refs");
        if refs
            .as_array()
            .is_some_and(|a| a.iter().any(|r| r == &Value::from(target_ref.as_str())))
        {
            found = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if !found {
        let shown = app
            .execute(
                "return [document.getElementById('caseload-search').value,
                         document.querySelector('[data-testid=caseload-count]').textContent,
                         Array.from(document.querySelectorAll('[data-testid=caseload-row] .ref')).map(e => e.textContent).join(',')];",
                &[],
            )
            .expect("what is shown");
        panic!("{target_ref} not listed for {born}: the page shows {shown}");
    }
    // Arrows move to the client, Enter opens them.
    let position = app
        .execute(
            "return Array.from(document.querySelectorAll('[data-testid=caseload-row] .ref')).findIndex(e => e.textContent === arguments[0]);",
            &[Value::from(target_ref.as_str())],
        )
        .expect("position")
        .as_u64()
        .expect("index");
    for _ in 0..position {
        press(&app, "ArrowDown");
    }
    // Enter to the record shown (attributors and consent), timed in the page.
    let opened = app
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const t0 = performance.now();
             const el = document.activeElement || document.body;
             el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
             const seen = () => document.querySelector('[data-testid=consent-ndtms]');
             const wait = () => seen() ? requestAnimationFrame(() => done(performance.now() - t0))
                                       : setTimeout(wait, 1);
             wait();",
            &[],
        )
        .expect("open timing");
    println!(
        "opening a client from the caseload: {:.0} ms",
        opened.as_f64().unwrap_or(0.0)
    );
    app.wait_for_text("#client-title", &target_ref, WAIT)
        .expect("the client opened");
    app.wait_for_text("[data-testid=consent-ndtms]", "Given", WAIT)
        .expect("consent from the record");

    // Recording a refusal is its own step that says what it means first.
    support::record_ndtms_refusal(&app);
    app.wait_for_text("[data-testid=consent-history]", "ada", WAIT)
        .expect("who recorded it");
    let v = app.accessibility_violations().expect("axe");
    assert!(v.is_empty(), "client record: {v:?}");
    app.screenshot("client-record").expect("screenshot");
    click(&app, "[data-testid=nav-caseload]");
    app.wait_for_text("#caseload-title", "Caseload", WAIT)
        .expect("back to the caseload");
    click(&app, "input[name=caseload-filter][value=all]");
    app.retype("#caseload-search", &target_ref)
        .expect("reference");
    let mut shown = Value::Null;
    for _ in 0..100 {
        shown = app
            .execute(
                "const row = Array.from(document.querySelectorAll('[data-testid=caseload-row]'))
                   .find(r => r.querySelector('.ref').textContent === arguments[0]);
                 return row ? row.textContent : null;",
                &[Value::from(target_ref.as_str())],
            )
            .expect("row");
        if shown.as_str().is_some_and(|t| t.contains("Refused")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        shown.as_str().is_some_and(|t| t.contains("Refused")),
        "the caseload shows the refusal: {shown}"
    );
    // "n" starts a new client (when not typing in a field).
    click(&app, "#caseload-title");
    press(&app, "n");
    app.wait_for_text("#new-client-title", "New client", WAIT)
        .expect("new client");
    click(&app, "[data-testid=nav-caseload]");
    app.wait_for_text("#caseload-title", "Caseload", WAIT)
        .expect("caseload again");

    // Keystroke to list updated, in this window: the search alternates between everyone and a
    // reference prefix, so every keystroke changes what is shown.
    let timing = app
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const input = document.getElementById('caseload-search');
             const count = document.querySelector('[data-testid=caseload-count]');
             const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
             const times = [], dom = [], free = [];
             const once = (i) => new Promise((resolve) => {
               const before = count.textContent;
               const text = i % 2 ? '' : 'c000' + (i % 10);
               const t0 = performance.now();
               const seen = new MutationObserver(() => {
                 if (count.textContent !== before) {
                   seen.disconnect();
                   dom.push(performance.now() - t0);
                   setTimeout(() => free.push(performance.now() - t0), 0);
                   requestAnimationFrame(() => { times.push(performance.now() - t0); resolve(); });
                 }
               });
               seen.observe(count, { childList: true, characterData: true, subtree: true });
               set.call(input, text);
               input.dispatchEvent(new Event('input', { bubbles: true }));
               setTimeout(() => { seen.disconnect(); resolve(); }, 2000);
             });
             (async () => {
               for (let i = 0; i < 120; i++) await once(i);
               const at = (t, q) => { t.sort((a, b) => a - b); return t[Math.floor(t.length * q)]; };
               done({ n: times.length, median: at(times, 0.5), p95: at(times, 0.95),
                      dom: [at(dom, 0.5), at(dom, 0.95)], free: [at(free, 0.5), at(free, 0.95)] });
             })();",
            &[],
        )
        .expect("timing");
    let n = timing["n"].as_u64().unwrap_or(0);
    assert!(n >= 100, "only {n} keystrokes changed the list: {timing}");
    println!(
        "caseload of {}: keystroke to list updated, median {:.1} ms, 95th percentile {:.1} ms over {n} keystrokes (this build)",
        clients(),
        timing["median"].as_f64().unwrap_or(0.0),
        timing["p95"].as_f64().unwrap_or(0.0)
    );
    // Where the time goes: the list in the page (DOM), the page's work done (main thread free),
    // the rest is the browser's style, layout and paint up to the frame that shows it.
    println!(
        "  of which: DOM updated median {:.0} / p95 {:.0} ms; main thread free median {:.0} / p95 {:.0} ms",
        timing["dom"][0].as_f64().unwrap_or(0.0),
        timing["dom"][1].as_f64().unwrap_or(0.0),
        timing["free"][0].as_f64().unwrap_or(0.0),
        timing["free"][1].as_f64().unwrap_or(0.0)
    );
    // Where the time goes: the command's round trip alone, without the page's rendering.
    let ipc = app
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const ipc = window.__TAURI_INTERNALS__;
             const median = async (f) => {
               const t = [];
               for (let i = 0; i < 40; i++) { const t0 = performance.now(); await f(i); t.push(performance.now() - t0); }
               t.sort((a, b) => a - b);
               return t[20];
             };
             (async () => done({
               status: await median(() => ipc.invoke('store_status', {})),
               caseload: await median((i) => ipc.invoke('caseload', { query: {
                 text: i % 2 ? '' : 'c000' + (i % 10), filter: 'all', mine: false, offset: 0, limit: 100 } })),
               flags: await (async () => { const t0 = performance.now(); await ipc.invoke('caseload_flags', {}); return performance.now() - t0; })(),
             }))().catch((e) => done({ error: e }));",
            &[],
        )
        .expect("ipc timing");
    assert!(ipc.get("error").is_none(), "a command failed: {ipc}");
    println!(
        "round trip alone, median: store_status {:.1} ms, caseload (100 rows) {:.1} ms; the caseload's flags (every client checked) {:.0} ms",
        ipc["status"].as_f64().unwrap_or(0.0),
        ipc["caseload"].as_f64().unwrap_or(0.0),
        ipc["flags"].as_f64().unwrap_or(0.0)
    );
}
