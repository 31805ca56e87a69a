//! `tidings sync` against a real Fever server: coldsweat, installed in a venv
//! by scripts/test-server-setup.sh, run on 127.0.0.1 with its own database,
//! subscribed to a feed served by the test.
//!
//! Without the venv the test is skipped with a message, except in CI
//! (`CI=true`), where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EMAIL: &str = "reader@example.org";
const PASSWORD: &str = "tidings-secret-pw-0451";

fn venv() -> Option<PathBuf> {
    let dir = std::env::var_os("TIDINGS_COLDSWEAT_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/coldsweat-venv"));
    if dir.join("bin/coldsweat").exists() {
        return Some(dir);
    }
    let msg = format!(
        "coldsweat venv not found at {}: run scripts/test-server-setup.sh",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("SKIPPED sync_fever: {msg}");
    None
}

/// A coldsweat instance with its own database; killed on drop.
struct Coldsweat {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

impl Coldsweat {
    fn new(venv: &Path) -> Coldsweat {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        Coldsweat {
            bin: venv.join("bin/coldsweat"),
            dir: tempfile::tempdir().unwrap(),
            port,
            child: None,
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("FLASK_") {
                cmd.env_remove(k);
            }
        }
        let db = self.dir.path().join("coldsweat.db");
        cmd.env("FLASK_DATABASE_URL", format!("sqlite:///{}", db.display()))
            .env("FLASK_SECRET_KEY", "test-only-key")
            // Favicons are looked up on the internet: send that nowhere.
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    /// Runs a coldsweat command; it exits 0 even on errors, so its output
    /// is checked.
    fn run(&self, args: &[&str]) -> String {
        let out = self.command().args(args).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let bad = text
            .lines()
            .filter(|l| !l.contains("favicon"))
            .any(|l| l.contains("Error") || l.contains("error") || l.contains("Traceback"));
        assert!(out.status.success() && !bad, "coldsweat {args:?}:\n{text}");
        text
    }

    fn start(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("server.log")).unwrap();
        let child = self
            .command()
            .args(["run", "-h", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.try_api("", &[]).is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("coldsweat did not answer on port {} within 20 s", self.port);
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/fever/", self.port)
    }

    /// A Fever call from the test: commands in the query, the key and
    /// `form` in the body.
    fn try_api(&self, commands: &str, form: &[(&str, &str)]) -> Option<Value> {
        let key = format!("{:x}", md5_hex(&format!("{EMAIL}:{PASSWORD}")));
        let mut body = format!("api_key={key}");
        for (k, v) in form {
            body.push_str(&format!("&{k}={v}"));
        }
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        let q = if commands.is_empty() {
            "api".to_string()
        } else {
            format!("api&{commands}")
        };
        write!(
            s,
            "POST /fever/?{q} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .ok()?;
        let mut resp = String::new();
        s.read_to_string(&mut resp).ok()?;
        let (_, json) = resp.split_once("\r\n\r\n")?;
        serde_json::from_str(json).ok()
    }

    fn api(&self, commands: &str, form: &[(&str, &str)]) -> Value {
        let v = self
            .try_api(commands, form)
            .unwrap_or_else(|| panic!("Fever call {commands} failed"));
        assert_eq!(v["auth"], 1, "{v}");
        v
    }

    fn ids(&self, key: &str) -> Vec<String> {
        let v = self.api(key, &[]);
        v[key]
            .as_str()
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for Coldsweat {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The md5 digest, through the same crate tidings uses.
fn md5_hex(s: &str) -> Hex {
    use md5::Digest;
    Hex(md5::Md5::digest(s.as_bytes()).to_vec())
}

struct Hex(Vec<u8>);

impl std::fmt::LowerHex for Hex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

fn rss(items: &[(&str, &str)]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Loopback News</title>\
         <link>http://127.0.0.1/</link><description>d</description>",
    );
    for (i, (guid, title)) in items.iter().enumerate() {
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>http://127.0.0.1/{guid}</link>\
             <description>Body of {title}</description>\
             <pubDate>Mon, 0{} Jan 2024 10:00:00 GMT</pubDate></item>",
            i + 1
        ));
    }
    s + "</channel></rss>"
}

/// Runs tidings, keeping everything it printed for the secret check.
struct Runner<'a> {
    sandbox: &'a Sandbox,
    state: PathBuf,
    log: PathBuf,
    seen: String,
}

impl Runner<'_> {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("tidings"));
        cmd.arg("--config")
            .arg(self.sandbox.config())
            .arg("--cache")
            .arg(self.sandbox.cache())
            .arg("--log-file")
            .arg(&self.log)
            .args(args)
            .env("XDG_STATE_HOME", &self.state)
            .env("TIDINGS_LOG", "debug")
            .env_remove("TIDINGS_SYNC_PASSWORD")
            .env_remove("TIDINGS_CONFIG")
            .env_remove("TIDINGS_CACHE")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs and returns (success, stdout, stderr); bounded at 30 s.
    fn run(&mut self, args: &[&str]) -> (bool, String, String) {
        let mut child = self
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "tidings {args:?} took over 30 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let (o, e) = (
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        );
        self.seen.push_str(&o);
        self.seen.push_str(&e);
        (out.status.success(), o, e)
    }

    fn ok(&mut self, args: &[&str]) -> String {
        let (ok, out, err) = self.run(args);
        assert!(ok, "tidings {args:?} failed:\n{out}\n{err}");
        out
    }

    fn sync(&mut self) -> Value {
        serde_json::from_str(&self.ok(&["sync", "--json"])).unwrap()
    }

    /// Local article id by title.
    fn id_of(&mut self, title: &str) -> String {
        let list: Vec<Value> = serde_json::from_str(&self.ok(&["list", "--json"])).unwrap();
        let a = list
            .iter()
            .find(|a| a["title"] == title)
            .unwrap_or_else(|| panic!("no article {title} in {list:?}"));
        a["id"].to_string()
    }

    fn unread_titles(&mut self) -> Vec<String> {
        let list: Vec<Value> =
            serde_json::from_str(&self.ok(&["list", "--json", "is:unread"])).unwrap();
        let mut t: Vec<String> = list
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_string())
            .collect();
        t.sort();
        t
    }
}

#[test]
fn sync_with_coldsweat() {
    let Some(venv) = venv() else { return };
    let started = Instant::now();
    let feed = TestServer::start();
    feed.route(
        "/news.xml",
        Route::file(
            rss(&[("a1", "First"), ("a2", "Second"), ("a3", "Third")]),
            "application/rss+xml",
        ),
    );
    let mut cs = Coldsweat::new(&venv);
    cs.run(&["setup", EMAIL, "-p", PASSWORD]);
    let opml = cs.dir.path().join("feeds.opml");
    std::fs::write(
        &opml,
        format!(
            "<?xml version=\"1.0\"?><opml version=\"2.0\"><head><title>t</title></head><body>\
             <outline text=\"Loopback News\" type=\"rss\" xmlUrl=\"{}\"/></body></opml>",
            feed.url("/news.xml")
        ),
    )
    .unwrap();
    cs.run(&["import", opml.to_str().unwrap(), EMAIL, "--fetch"]);
    cs.start();
    let items = cs.api("items&since_id=0", &[]);
    let item_id = |title: &str| -> String {
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["title"] == title)
            .unwrap_or_else(|| panic!("coldsweat has no item {title}: {items}"))["id"]
            .to_string()
    };
    let (first, second, third) = (item_id("First"), item_id("Second"), item_id("Third"));

    let sandbox = Sandbox::new();
    let pw_file = sandbox.dir.path().join("password");
    std::fs::write(&pw_file, format!("{PASSWORD}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pw_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::write(
        sandbox.config(),
        format!(
            "[settings]\ntimeout_seconds = 20\n\n[sync]\nkind = \"fever\"\nurl = \"{}\"\nusername = \"{EMAIL}\"\npassword_file = {:?}\n",
            cs.url(),
            pw_file.display().to_string()
        ),
    )
    .unwrap();
    let mut t = Runner {
        sandbox: &sandbox,
        state: sandbox.dir.path().join("state"),
        log: sandbox.dir.path().join("tidings.log"),
        seen: String::new(),
    };

    // First sync: the subscription and its items arrive.
    let r = t.sync();
    assert_eq!(
        (r["feeds"].as_u64(), r["new"].as_u64()),
        (Some(1), Some(3)),
        "{r}"
    );
    let feeds: Vec<Value> = serde_json::from_str(&t.ok(&["feeds", "--json"])).unwrap();
    assert_eq!(feeds.len(), 1);
    assert_eq!(feeds[0]["title"], "Loopback News");
    assert_eq!(t.unread_titles(), ["First", "Second", "Third"]);
    let token = t.state.join("tidings/sync-token");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Nothing new: at most three requests.
    let r = t.sync();
    assert_eq!(r["new"], 0, "{r}");
    assert!(r["requests"].as_u64().unwrap() <= 3, "{r}");

    // Read and starred here reach the server.
    let (a1, a2) = (t.id_of("First"), t.id_of("Second"));
    t.ok(&["mark-read", &a1]);
    t.ok(&["star", &a2]);
    let r = t.sync();
    assert_eq!(r["pushed"], 2, "{r}");
    assert_eq!(r["waiting"], 0, "{r}");
    assert!(!cs.ids("unread_item_ids").contains(&first));
    assert_eq!(cs.ids("saved_item_ids"), std::slice::from_ref(&second));

    // Read on the server shows here after the next sync.
    cs.api("", &[("mark", "item"), ("as", "read"), ("id", &third)]);
    let r = t.sync();
    assert_eq!(r["from_server"]["marked_read"], 1, "{r}");
    assert_eq!(t.unread_titles(), ["Second"]);

    // Offline: the change waits, the cache still works, and it is pushed
    // once the server is back.
    cs.stop();
    t.ok(&["mark-unread", &a1]);
    let (ok, _, err) = t.run(&["sync"]);
    assert!(
        !ok && err.contains("1 change waits for the next sync"),
        "{err}"
    );
    assert_eq!(t.unread_titles(), ["First", "Second"]);
    let (ok, out, _) = t.run(&["doctor"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("sync outbox: 1 change waits for the server"),
        "{out}"
    );
    assert!(out.contains("FAIL  sync server"), "{out}");
    cs.start();
    let out = t.ok(&["doctor"]);
    assert!(
        out.contains("signed in as reader@example.org, 1 subscription"),
        "{out}"
    );
    let r = t.sync();
    assert_eq!(r["pushed"], 1, "{r}");
    assert!(cs.ids("unread_item_ids").contains(&first));
    // The server's state stands once the change is acknowledged.
    assert_eq!(t.unread_titles(), ["First", "Second"]);

    // kill -9 while a sync waits on a frozen server: the change made before
    // it is still queued and is pushed by the next sync.
    t.ok(&["unstar", &a2]);
    let pid = cs.pid().to_string();
    assert!(Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap()
        .success());
    let mut hung = t
        .cmd(&["sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    hung.kill().unwrap();
    let _ = hung.wait();
    assert!(Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap()
        .success());
    let r = t.sync();
    assert_eq!(r["pushed"], 1, "{r}");
    assert!(cs.ids("saved_item_ids").is_empty());

    // A wrong cached token is forgotten and the password used again.
    std::fs::write(
        &token,
        format!("fever {} {EMAIL}\n0123456789abcdef\n", cs.url()),
    )
    .unwrap();
    t.sync();

    // `tidings fetch` syncs too, unless told not to.
    cs.api("", &[("mark", "item"), ("as", "read"), ("id", &second)]);
    let r: Value = serde_json::from_str(&t.ok(&["fetch", "--json", "--no-sync"])).unwrap();
    assert!(r["sync"].is_null(), "{r}");
    assert_eq!(t.unread_titles(), ["First", "Second"]);
    let r: Value = serde_json::from_str(&t.ok(&["fetch", "--json"])).unwrap();
    assert_eq!(r["sync"]["from_server"]["marked_read"], 1, "{r}");
    assert_eq!(t.unread_titles(), ["First"]);
    let out = t.ok(&["fetch"]);
    assert!(
        out.starts_with(&format!("synced with {}", cs.url())),
        "{out}"
    );

    // The secret and the key never show in output or logs.
    let key = format!("{:x}", md5_hex(&format!("{EMAIL}:{PASSWORD}")));
    let log = std::fs::read_to_string(&t.log).unwrap_or_default();
    for (what, text) in [("output", &t.seen), ("log", &log)] {
        assert!(!text.contains(PASSWORD), "password in {what}");
        assert!(!text.contains(&key), "API key in {what}");
    }
    assert!(
        cs.log().contains("POST /fever/"),
        "coldsweat logged no requests"
    );
    eprintln!(
        "sync_with_coldsweat: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
