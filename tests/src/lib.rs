//! Harness for end-to-end tests: Xvfb, tauri-driver, a small WebDriver client and screenshots.
//!
//! Each test gets its own X display and its own tauri-driver on free ports, so tests can run in
//! parallel and leave nothing behind: every process is killed when its guard drops.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub type Result<T> = std::result::Result<T, String>;

/// The repository root (this crate lives in `tests/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The app binary under test: `NDTMS_APP_BINARY`, or the workspace's debug build.
pub fn app_binary() -> PathBuf {
    std::env::var_os("NDTMS_APP_BINARY").map_or_else(
        || {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| repo_root().join("target"), PathBuf::from);
            target.join("debug/ndtms-desk")
        },
        PathBuf::from,
    )
}

/// A log file under `target/e2e-logs/` for a helper process's output.
fn log_file(name: &str) -> Result<Stdio> {
    let dir = repo_root().join("target/e2e-logs");
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let file = std::fs::File::create(dir.join(format!("{name}.log")))
        .map_err(|e| format!("create log: {e}"))?;
    Ok(Stdio::from(file))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if ready() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("timed out after {timeout:?} waiting for {what}"))
}

/// A child process killed on drop.
#[derive(Debug)]
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private X display served by Xvfb.
#[derive(Debug)]
pub struct Display {
    pub number: u32,
    _xvfb: Guard,
}

impl Display {
    pub fn start() -> Result<Self> {
        use std::io::BufRead as _;
        // `-displayfd 1` makes Xvfb choose a free display itself and print its number once it
        // is ready, so parallel tests never race for the same display.
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start Xvfb (is the xvfb package installed?): {e}"))?;
        let stdout = child.stdout.take().ok_or("Xvfb has no stdout")?;
        let guard = Guard(child);
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading Xvfb's display number: {e}"))?;
        let number = line
            .trim()
            .parse()
            .map_err(|_| format!("Xvfb did not report a display number (said {line:?})"))?;
        Ok(Self {
            number,
            _xvfb: guard,
        })
    }

    pub fn name(&self) -> String {
        format!(":{}", self.number)
    }

    /// Captures the whole display as PNG. (WebDriver screenshots hang with WebKitWebDriver under
    /// Xvfb, so the X server's own pixels are taken instead.)
    pub fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let dir = repo_root().join("target/e2e-screenshots");
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let path = dir.join(format!("{name}.png"));
        let xwd = Command::new("xwd")
            .args(["-root", "-silent", "-display", &self.name()])
            .output()
            .map_err(|e| format!("cannot run xwd (package x11-apps): {e}"))?;
        if !xwd.status.success() || xwd.stdout.is_empty() {
            return Err(format!(
                "xwd failed: {}",
                String::from_utf8_lossy(&xwd.stderr)
            ));
        }
        let mut convert = Command::new("convert")
            .args(["xwd:-", &format!("png:{}", path.display())])
            .stdin(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run convert (package imagemagick): {e}"))?;
        {
            use std::io::Write as _;
            let mut stdin = convert.stdin.take().ok_or("convert has no stdin")?;
            stdin
                .write_all(&xwd.stdout)
                .map_err(|e| format!("write to convert: {e}"))?;
        }
        let status = convert.wait().map_err(|e| format!("convert: {e}"))?;
        if !status.success() {
            return Err(format!("convert exited with {status}"));
        }
        Ok(path)
    }
}

/// tauri-driver, proxying to WebKitWebDriver, on the given display.
#[derive(Debug)]
pub struct Driver {
    pub url: String,
    _process: Guard,
}

impl Driver {
    /// Starts tauri-driver; `env` reaches the app, which WebKitWebDriver starts as its child.
    pub fn start(display: &Display, env: &[(&str, &str)]) -> Result<Self> {
        let port = free_port();
        let native_port = free_port();
        let binary = std::env::var_os("TAURI_DRIVER").map_or_else(
            || {
                let home = std::env::var_os("CARGO_HOME").map_or_else(
                    || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
                    PathBuf::from,
                );
                let installed = home.join("bin/tauri-driver");
                if installed.exists() {
                    installed
                } else {
                    PathBuf::from("tauri-driver")
                }
            },
            PathBuf::from,
        );
        let child = Command::new(&binary)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
            .env("DISPLAY", display.name())
            .envs(env.iter().copied())
            .stdout(log_file(&format!("tauri-driver-{port}.out"))?)
            .stderr(log_file(&format!("tauri-driver-{port}"))?)
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start {} (cargo install tauri-driver --version 2.1.0): {e}",
                    binary.display()
                )
            })?;
        let guard = Guard(child);
        let url = format!("http://127.0.0.1:{port}");
        wait_until("tauri-driver to listen", Duration::from_secs(15), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        })?;
        Ok(Self {
            url,
            _process: guard,
        })
    }
}

/// Everything one test needs: a display, a driver and a WebDriver session on the real app.
#[derive(Debug)]
pub struct App {
    pub display: Display,
    driver: Driver,
    session: String,
    agent: ureq::Agent,
    /// When the session was asked for, which starts the app's process: a start's clock.
    pub started: Instant,
}

impl App {
    /// Starts the built app with `env` added to its environment.
    pub fn launch(env: &[(&str, &str)]) -> Result<Self> {
        let binary = app_binary();
        if !binary.exists() {
            return Err(format!(
                "the app binary {} does not exist: build it first (npm run ui:build && cargo build -p ndtms-desk)",
                binary.display()
            ));
        }
        let display = Display::start()?;
        let driver = Driver::start(&display, env)?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            // A fresh connection per command: a pooled one can be closed by tauri-driver while idle.
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .build()
            .into();
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "tauri:options": { "application": binary.to_string_lossy() }
                }
            }
        });
        // tauri-driver listens before its WebKitWebDriver does, so the first requests can be cut off.
        let start = Instant::now();
        let (body, started) = loop {
            let asked = Instant::now();
            match post(&agent, &format!("{}/session", driver.url), &caps) {
                Ok(b) => break (b, asked),
                Err(e) if start.elapsed() < Duration::from_secs(20) && e.contains("io:") => {
                    std::thread::sleep(Duration::from_millis(250));
                }
                Err(e) => return Err(e),
            }
        };
        let session = body["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {body}"))?
            .to_owned();
        Ok(Self {
            display,
            driver,
            session,
            agent,
            started,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{}", self.driver.url, self.session, path)
    }

    fn post(&self, path: &str, body: &Value) -> Result<Value> {
        post(&self.agent, &self.url(path), body)
    }

    fn get(&self, path: &str) -> Result<Value> {
        let mut resp = self
            .agent
            .get(&self.url(path))
            .call()
            .map_err(|e| format!("GET {path}: {e}"))?;
        let v: Value = resp
            .body_mut()
            .read_json()
            .map_err(|e| format!("GET {path}: {e}"))?;
        check(v)
    }

    /// Runs a script in the page and returns its value.
    pub fn execute(&self, script: &str, args: &[Value]) -> Result<Value> {
        Ok(self.post("/execute/sync", &json!({"script": script, "args": args}))?["value"].take())
    }

    /// Runs an asynchronous script; it must call `arguments[arguments.length - 1](result)`.
    pub fn execute_async(&self, script: &str, args: &[Value]) -> Result<Value> {
        Ok(self.post("/execute/async", &json!({"script": script, "args": args}))?["value"].take())
    }

    pub fn find(&self, css: &str) -> Result<String> {
        let v = self.post("/element", &json!({"using": "css selector", "value": css}))?;
        v["value"]
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("no element matches {css}"))
    }

    pub fn text(&self, css: &str) -> Result<String> {
        let id = self.find(css)?;
        Ok(self.get(&format!("/element/{id}/text"))?["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    pub fn click(&self, css: &str) -> Result<()> {
        let id = self.find(css)?;
        self.post(&format!("/element/{id}/click"), &json!({}))
            .map(drop)
    }

    pub fn type_text(&self, css: &str, text: &str) -> Result<()> {
        let id = self.find(css)?;
        self.post(&format!("/element/{id}/value"), &json!({"text": text}))
            .map(drop)
    }

    /// Presses keys on whatever has focus, as a person would: real key events through WebDriver
    /// actions, not events made up in the page. Special keys are WebDriver's code points
    /// ([`keys::ENTER`], [`keys::ARROW_DOWN`], …).
    pub fn press_keys(&self, keys: &str) -> Result<()> {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                let k = c.to_string();
                [
                    json!({"type": "keyDown", "value": k}),
                    json!({"type": "keyUp", "value": k}),
                ]
            })
            .collect();
        self.post(
            "/actions",
            &json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )
        .map(drop)
    }

    /// Kills the app's process with SIGKILL, as a crash or a power cut would: nothing is
    /// flushed, closed or saved on the way out. Answers with its process id.
    pub fn kill_app(&self) -> Result<u32> {
        let pid = self.app_pid()?;
        let status = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .map_err(|e| format!("kill: {e}"))?;
        if status.success() {
            Ok(pid)
        } else {
            Err(format!("kill -KILL {pid} failed"))
        }
    }

    /// The process id of the app under test: the app binary's process on this test's display.
    pub fn app_pid(&self) -> Result<u32> {
        let binary = app_binary()
            .canonicalize()
            .map_err(|e| format!("the app binary: {e}"))?;
        let display = format!("DISPLAY={}", self.display.name());
        for (pid, dir) in processes()? {
            let exe = std::fs::read_link(dir.join("exe")).ok();
            if exe.as_deref() != Some(binary.as_path()) {
                continue;
            }
            let environ = std::fs::read(dir.join("environ")).unwrap_or_default();
            if environ.split(|&b| b == 0).any(|v| v == display.as_bytes()) {
                return Ok(pid);
            }
        }
        Err(format!("no app process on display {}", self.display.name()))
    }

    /// The resident memory of the app and every process it started (WebKit's web and network
    /// processes), in bytes, each with its command name.
    pub fn memory(&self) -> Result<Vec<(String, u64)>> {
        let app = self.app_pid()?;
        let all = processes()?;
        let parent_of = |dir: &Path| -> Option<u32> {
            let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
            // The name may hold spaces: the fields after its closing parenthesis are fixed.
            stat.rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        };
        let parents: Vec<(u32, Option<u32>)> = all
            .iter()
            .map(|(pid, dir)| (*pid, parent_of(dir)))
            .collect();
        let mut tree = vec![app];
        let mut i = 0;
        while i < tree.len() {
            let p = tree[i];
            tree.extend(
                parents
                    .iter()
                    .filter(|(_, parent)| *parent == Some(p))
                    .map(|(pid, _)| *pid),
            );
            i += 1;
        }
        let mut out = Vec::new();
        for pid in tree {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            let field = |name: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_owned())
            };
            let kb: u64 = field("VmRSS:")
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
                .unwrap_or(0);
            out.push((field("Name:").unwrap_or_default(), kb * 1024));
        }
        Ok(out)
    }

    /// Moves the keyboard focus to an element, as Tab would, without a pointer (a click lands
    /// where the element was, which a message appearing above it can move).
    pub fn focus(&self, css: &str) -> Result<()> {
        let found = self.execute(
            "const el = document.querySelector(arguments[0]);
             if (!el) return false;
             el.scrollIntoView({ block: 'center' });
             el.focus();
             return document.activeElement === el;",
            &[Value::String(css.to_owned())],
        )?;
        if found == Value::Bool(true) {
            Ok(())
        } else {
            Err(format!("cannot focus {css}"))
        }
    }

    /// The id of the element that has focus ("" for none).
    pub fn focused_id(&self) -> Result<String> {
        Ok(self
            .execute(
                "return document.activeElement ? document.activeElement.id : '';",
                &[],
            )?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// Replaces the text of an input: clears it in the page, then types as a person would.
    pub fn retype(&self, css: &str, text: &str) -> Result<()> {
        // Cleared as an edit the page hears of (an input event), so a controlled input's state
        // is empty too and a re-render in between cannot put the old text back.
        self.execute(
            "const el = document.querySelector(arguments[0]);
             if (el) {
               const set = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'value').set;
               set.call(el, '');
               el.dispatchEvent(new Event('input', { bubbles: true }));
             }",
            &[Value::String(css.to_owned())],
        )?;
        self.type_text(css, text)
    }

    /// Waits until the element exists and its text contains `expected`; the error says what it showed.
    pub fn wait_for_text(&self, css: &str, expected: &str, timeout: Duration) -> Result<String> {
        let start = Instant::now();
        let mut last = String::from("(element not found)");
        while start.elapsed() < timeout {
            if let Ok(t) = self.text(css) {
                if t.contains(expected) {
                    return Ok(t);
                }
                last = t;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "{css} should contain {expected:?} but shows {last:?}"
        ))
    }

    /// Waits until no element matches `css` (a message or a warning that should go away).
    pub fn wait_until_gone(&self, css: &str, timeout: Duration) -> Result<()> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.find(css).is_err() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("{css} is still shown after {timeout:?}"))
    }

    /// Saves a screenshot of the window under `target/e2e-screenshots/`.
    pub fn screenshot(&self, name: &str) -> Result<PathBuf> {
        // The DOM can be ahead of the pixels: wait for two animation frames and a moment for
        // WebKit to composite what the test has just seen.
        self.execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            &[],
        )?;
        std::thread::sleep(Duration::from_millis(400));
        self.display.screenshot(name)
    }

    /// Runs axe-core in the page and returns the serious and critical violations, described.
    pub fn accessibility_violations(&self) -> Result<Vec<String>> {
        let axe_path = repo_root().join("node_modules/axe-core/axe.min.js");
        let axe = std::fs::read_to_string(&axe_path)
            .map_err(|e| format!("cannot read {} (run npm ci): {e}", axe_path.display()))?;
        self.execute(&format!("{axe}\nreturn typeof window.axe;"), &[])?;
        let result = self.execute_async(
            "const done = arguments[arguments.length - 1];
             window.axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.map(n => n.target.join(' ')) }))))
               .catch(e => done({ error: String(e) }));",
            &[],
        )?;
        if let Some(err) = result.get("error") {
            return Err(format!("axe-core failed: {err}"));
        }
        let list = result
            .as_array()
            .ok_or_else(|| format!("unexpected axe result {result}"))?;
        Ok(list
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v| {
                format!(
                    "{} ({}): {} at {}",
                    v["id"], v["impact"], v["help"], v["nodes"]
                )
            })
            .collect())
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.agent.delete(&self.url("")).call();
    }
}

fn post(agent: &ureq::Agent, url: &str, body: &Value) -> Result<Value> {
    let mut resp = agent
        .post(url)
        .send_json(body)
        .map_err(|e| format!("POST {url}: {e}"))?;
    let v: Value = resp
        .body_mut()
        .read_json()
        .map_err(|e| format!("POST {url}: {e}"))?;
    check(v)
}

/// WebDriver reports failures as `{"value": {"error": ..., "message": ...}}`.
fn check(v: Value) -> Result<Value> {
    if let Some(err) = v["value"].get("error").and_then(Value::as_str) {
        return Err(format!("WebDriver error {err}: {}", v["value"]["message"]));
    }
    Ok(v)
}

/// WebDriver's code points for keys that are not characters, for [`App::press_keys`].
pub mod keys {
    pub const ENTER: &str = "\u{E007}";
    pub const TAB: &str = "\u{E004}";
    pub const ARROW_DOWN: &str = "\u{E015}";
    pub const ARROW_UP: &str = "\u{E013}";
    pub const BACKSPACE: &str = "\u{E003}";
}

/// The portal stand-in (`crates/portal-standin`) running on 127.0.0.1, killed on drop.
#[derive(Debug)]
pub struct PortalStandin {
    pub url: String,
    _process: Guard,
}

impl PortalStandin {
    /// Starts the stand-in with `args` (users and faults, as its `--help` gives them); built
    /// first if this checkout has not built it yet.
    pub fn start(args: &[&str]) -> Result<Self> {
        use std::io::{BufRead, BufReader};
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| repo_root().join("target"), PathBuf::from);
        let bin = target.join("debug/ndtms-portal-standin");
        if !bin.exists() {
            let built = Command::new(env!("CARGO"))
                .args(["build", "-q", "-p", "ndtms-portal-standin"])
                .current_dir(repo_root())
                .status()
                .map_err(|e| format!("build the stand-in: {e}"))?;
            if !built.success() {
                return Err("the portal stand-in did not build".into());
            }
        }
        let mut child = Command::new(&bin)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(log_file("portal-standin")?)
            .spawn()
            .map_err(|e| format!("start {}: {e}", bin.display()))?;
        let out = child.stdout.take().ok_or("no stdout")?;
        let guard = Guard(child);
        let mut line = String::new();
        BufReader::new(out)
            .read_line(&mut line)
            .map_err(|e| format!("read the stand-in's address: {e}"))?;
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("the stand-in said {line:?}"))?
            .to_owned();
        Ok(Self {
            url,
            _process: guard,
        })
    }
}

/// A fresh YubiKey-style one-time code for the key `key_id` (12 modhex characters): the key id
/// then 32 modhex characters, different on every call.
pub fn one_time_code(key_id: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed) + u64::from(std::process::id()) * 1000;
    let tail: String = format!("{n:032}")
        .bytes()
        .map(|d| b"cbdefghijklnrtuv"[usize::from(d - b'0')] as char)
        .collect();
    format!("{key_id}{tail}")
}

/// Every process's id and `/proc` folder.
fn processes() -> Result<Vec<(u32, PathBuf)>> {
    let entries = std::fs::read_dir("/proc").map_err(|e| format!("/proc: {e}"))?;
    Ok(entries
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((pid, e.path()))
        })
        .collect())
}
