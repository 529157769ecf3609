//! First run in the real window: the set-up wizard, the recovery key, log-in, and reopening with
//! the passphrase and with the recovery key.

use std::time::Duration;

use ndtms_e2e::App;

const WAIT: Duration = Duration::from_secs(20);

fn launch(dir: &std::path::Path) -> App {
    App::launch(&[("NDTMS_DESK_DATA_DIR", dir.to_str().expect("utf8"))]).expect("launch the app")
}

fn fill(app: &App, css: &str, text: &str) {
    app.type_text(css, text)
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

fn click(app: &App, css: &str) {
    app.click(css)
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

fn log_in(app: &App, user: &str, password: &str) {
    app.wait_for_text("#login-title", "Log in", WAIT)
        .expect("log-in screen");
    app.retype("#login-user", user).expect("user name");
    app.retype("#login-password", password).expect("password");
    click(app, "[data-testid=login] button[type=submit]");
}

#[test]
fn first_run_wizard_then_log_in_then_reopen_with_passphrase_and_recovery_key() {
    let data = tempfile::tempdir().expect("temp");
    let recovery_key;
    {
        let app = launch(data.path());
        app.wait_for_text("#wizard-title", "Your service", WAIT)
            .expect("wizard step 1");
        fill(&app, "#agency-code", "n0852");
        click(&app, "input[name=dataset][value=YP]");
        app.screenshot("setup-1-service").expect("screenshot");
        let violations = app.accessibility_violations().expect("axe");
        assert!(violations.is_empty(), "wizard step 1: {violations:?}");
        click(&app, "[data-testid=setup-wizard] button[type=submit]");

        app.wait_for_text("#wizard-title", "The first administrator", WAIT)
            .expect("step 2");
        fill(&app, "#display-name", "Ada Admin");
        fill(&app, "#username", "ada");
        fill(&app, "#password", "a long password 1");
        fill(&app, "#password2", "a long password 2");
        click(&app, "[data-testid=setup-wizard] button.primary");
        app.wait_for_text(
            "[data-testid=form-error]",
            "The two passwords are not the same",
            WAIT,
        )
        .expect("mismatch shown");
        app.retype("#password2", "a long password 1")
            .expect("retype");
        click(&app, "[data-testid=setup-wizard] button.primary");

        app.wait_for_text("#wizard-title", "Protecting the data", WAIT)
            .expect("step 3");
        click(&app, "[data-testid=route-passphrase]");
        fill(&app, "#passphrase", "river stone lantern moss");
        fill(&app, "#passphrase2", "river stone lantern moss");
        app.screenshot("setup-3-key").expect("screenshot");
        click(&app, "[data-testid=setup-wizard] button.primary");

        let key = app
            .wait_for_text("[data-testid=recovery-key]", "-", WAIT)
            .expect("recovery key shown");
        assert_eq!(key.len(), 64, "{key}");
        recovery_key = key;
        app.screenshot("setup-4-recovery-key").expect("screenshot");
        click(&app, "[data-testid=setup-wizard] input[type=checkbox]");
        click(&app, "[data-testid=setup-wizard] .actions button.primary");

        log_in(&app, "ada", "wrong password here");
        app.wait_for_text(
            "[data-testid=form-error]",
            "wrong user name or password",
            WAIT,
        )
        .expect("bad log-in refused");
        log_in(&app, "ada", "a long password 1");
        app.wait_for_text("#caseload-title", "Caseload", WAIT)
            .expect("the caseload after log-in");
        app.click("[data-testid=nav-home]").expect("home");
        app.wait_for_text("[data-testid=home-title]", "Welcome, Ada Admin", WAIT)
            .expect("home");
        let agency = app.text("[data-testid=agency]").expect("agency");
        assert!(
            agency.contains("N0852") && agency.contains("(YP)"),
            "{agency}"
        );
        assert!(
            app.text("[data-testid=who]")
                .expect("who")
                .contains("administrator")
        );
        app.screenshot("home-logged-in").expect("screenshot");
        let violations = app.accessibility_violations().expect("axe");
        assert!(violations.is_empty(), "home: {violations:?}");
    }
    // The database is encrypted: nothing readable in it.
    let bytes = std::fs::read(data.path().join("ndtms-desk.db")).expect("db file");
    assert!(
        !bytes.windows(5).any(|w| w == b"N0852"),
        "agency code in plain text"
    );

    // Reopen: the passphrase is asked for first.
    {
        let app = launch(data.path());
        app.wait_for_text("#unlock-title", "Open the database", WAIT)
            .expect("unlock screen");
        fill(&app, "#unlock-secret", "not the passphrase");
        click(&app, "[data-testid=unlock] button[type=submit]");
        // The keyworker's wording, not the core's (which names the database folder).
        app.wait_for_text(
            "[data-testid=form-error]",
            "That passphrase is not right. Check it",
            WAIT,
        )
        .expect("wrong passphrase refused in plain words");
        app.screenshot("unlock-wrong-passphrase")
            .expect("screenshot");
        app.retype("#unlock-secret", "river stone lantern moss")
            .expect("retype");
        click(&app, "[data-testid=unlock] button[type=submit]");
        log_in(&app, "ada", "a long password 1");
        app.wait_for_text("#caseload-title", "Caseload", WAIT)
            .expect("the caseload after log-in");
        app.click("[data-testid=nav-home]").expect("home");
        app.wait_for_text("[data-testid=home-title]", "Welcome, Ada Admin", WAIT)
            .expect("home again");
        click(&app, ".topbar-button");
        app.wait_for_text("#login-title", "Log in", WAIT)
            .expect("logged out");
    }
    // Reopen with the recovery key instead.
    {
        let app = launch(data.path());
        app.wait_for_text("#unlock-title", "Open the database", WAIT)
            .expect("unlock screen");
        click(&app, "[data-testid=unlock] .actions button[type=button]");
        app.wait_for_text("label[for=unlock-secret]", "Recovery key", WAIT)
            .expect("recovery field");
        fill(&app, "#unlock-secret", &recovery_key.to_lowercase());
        click(&app, "[data-testid=unlock] button[type=submit]");
        log_in(&app, "ada", "a long password 1");
        app.wait_for_text("#caseload-title", "Caseload", WAIT)
            .expect("the caseload after log-in");
        app.click("[data-testid=nav-home]").expect("home");
        app.wait_for_text("[data-testid=home-title]", "Welcome, Ada Admin", WAIT)
            .expect("home via recovery key");
    }
}
