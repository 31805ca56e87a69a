//! `tidings sync` against a real FreshRSS 1.24.3 (tests/common/freshrss.rs),
//! once with `kind = "greader"` and once with `kind = "fever"` on the same
//! kind of server, subscribed to feeds served by the test on 127.0.0.1.
//!
//! Without PHP or the archive the tests are skipped with a message naming
//! scripts/freshrss-setup.sh, except in CI (`CI=true`), where they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::freshrss::{self, FreshRss, Sub, API_PASSWORD, USER};
use common::server::{Route, TestServer};
use common::Sandbox;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const READ: &str = "user/-/state/com.google/read";
const NEW_PASSWORD: &str = "freshrss-api-pw-rotated-5521";

fn rss(title: &str, items: &[String]) -> String {
    let now = chrono::Utc::now();
    let mut s = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>\
         <link>http://127.0.0.1/</link><description>d</description>"
    );
    for (i, t) in items.iter().enumerate() {
        let at = (now - chrono::Duration::minutes(i as i64 + 1)).to_rfc2822();
        let slug = t.replace(' ', "-");
        s.push_str(&format!(
            "<item><guid>{slug}</guid><title>{t}</title><link>http://127.0.0.1/{slug}</link>\
             <description>Body of {t}</description><pubDate>{at}</pubDate></item>"
        ));
    }
    s + "</channel></rss>"
}

fn titles(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix} {i:03}")).collect()
}

/// Runs tidings, keeping everything it printed for the secret check.
struct Runner {
    sandbox: Sandbox,
    state: PathBuf,
    log: PathBuf,
    seen: String,
}

impl Runner {
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

    /// Runs and returns (exit code, stdout, stderr); bounded at 60 s.
    fn run(&mut self, args: &[&str]) -> (i32, String, String) {
        let mut child = self
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("tidings {args:?} took over 60 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let (o, e) = (
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        );
        self.seen.push_str(&o);
        self.seen.push_str(&e);
        (out.status.code().unwrap_or(-1), o, e)
    }

    fn ok(&mut self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "tidings {args:?} failed:\n{out}\n{err}");
        out
    }

    fn sync(&mut self) -> Value {
        serde_json::from_str(&self.ok(&["sync", "--json"])).unwrap()
    }

    fn list(&mut self, query: &[&str]) -> Vec<Value> {
        let mut args = vec!["list", "--json"];
        args.extend_from_slice(query);
        serde_json::from_str(&self.ok(&args)).unwrap()
    }

    fn titles(&mut self, query: &[&str]) -> Vec<String> {
        let mut t: Vec<String> = self
            .list(query)
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_string())
            .collect();
        t.sort();
        t
    }

    fn id_of(&mut self, title: &str) -> String {
        let list = self.list(&[]);
        let a = list
            .iter()
            .find(|a| a["title"] == title)
            .unwrap_or_else(|| panic!("no article {title}"));
        a["id"].to_string()
    }

    fn feeds(&mut self) -> Vec<Value> {
        serde_json::from_str(&self.ok(&["feeds", "--json"])).unwrap()
    }

    fn token_file(&self) -> PathBuf {
        self.state.join("tidings/sync-token")
    }
}

/// API requests the server has answered so far (from its access log).
fn served(fr: &FreshRss) -> Vec<String> {
    fr.logs()
        .lines()
        .filter_map(|l| {
            let (_, req) = l.split_once("]: ")?;
            req.contains(" /api/").then(|| req.to_string())
        })
        .collect()
}

/// The requests since `before`.
fn since(fr: &FreshRss, before: usize) -> Vec<String> {
    served(fr).split_off(before)
}

fn write_private(path: &std::path::Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// A newsboat cache holding one read and starred item of `feed`, known to
/// newsboat by another guid but the same link.
fn newsboat_cache(path: &std::path::Path, feed: &str, link: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE rss_feed (rssurl TEXT PRIMARY KEY NOT NULL, url TEXT NOT NULL,
             title TEXT NOT NULL);
         CREATE TABLE rss_item (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
             guid TEXT NOT NULL, title TEXT NOT NULL, url TEXT NOT NULL,
             feedurl TEXT NOT NULL, unread INTEGER NOT NULL, flags TEXT);",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO rss_feed (rssurl, url, title) VALUES (?1, '', 'feed')",
        [feed],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO rss_item (guid, title, url, feedurl, unread, flags)
         VALUES ('newsboat-guid-3', 't', ?1, ?2, 0, 's')",
        [link, feed],
    )
    .unwrap();
}

#[test]
fn greader_against_freshrss() {
    scenario("greader");
}

#[test]
fn fever_against_freshrss() {
    scenario("fever");
}

fn scenario(kind: &str) {
    if !freshrss::available(&format!("sync_freshrss ({kind})")) {
        return;
    }
    let greader = kind == "greader";
    let started = Instant::now();
    let feeds = TestServer::start();
    // 120 items fetched in the same second: more than a page, and the
    // newest second of the first pull.
    let tech = titles("Tech", 120);
    feeds.route(
        "/tech.xml",
        Route::file(rss("Tech Feed", &tech), "application/rss+xml"),
    );
    let mut world = vec!["World A".to_string(), "World B".to_string()];
    feeds.route(
        "/world.xml",
        Route::file(rss("World Feed", &world), "application/rss+xml"),
    );
    feeds.route(
        "/extra.xml",
        Route::file(
            rss("Extra Feed", &["Extra 1".into()]),
            "application/rss+xml",
        ),
    );
    let mut fr = FreshRss::start();
    let (tech_url, world_url) = (feeds.url("/tech.xml"), feeds.url("/world.xml"));
    fr.subscribe(&[
        Sub {
            category: "Tech",
            title: "Tech Feed",
            url: &tech_url,
        },
        Sub {
            category: "World",
            title: "World Feed",
            url: &world_url,
        },
    ]);
    fr.actualize();
    assert_eq!(fr.unread_ids().len(), 122);

    let sandbox = Sandbox::new();
    let pw_file = sandbox.dir.path().join("password");
    write_private(&pw_file, &format!("{API_PASSWORD}\n"));
    let (url, password) = if greader {
        (
            fr.greader_url(),
            format!(
                "password_command = [\"cat\", {:?}]",
                pw_file.display().to_string()
            ),
        )
    } else {
        (
            fr.fever_url(),
            format!("password_file = {:?}", pw_file.display().to_string()),
        )
    };
    std::fs::write(
        sandbox.config(),
        format!(
            "[settings]\ntimeout_seconds = 20\n\n[sync]\nkind = \"{kind}\"\nurl = \"{url}\"\nusername = \"{USER}\"\n{password}\n"
        ),
    )
    .unwrap();
    let mut t = Runner {
        state: sandbox.dir.path().join("state"),
        log: sandbox.dir.path().join("tidings.log"),
        sandbox,
        seen: String::new(),
    };

    // First sync: both subscriptions with their categories as tags, every
    // item, and as many requests as the server answered (sign-in included).
    let before = served(&fr).len();
    let r = t.sync();
    let calls = since(&fr, before);
    assert_eq!(
        (r["feeds"].as_u64(), r["new"].as_u64()),
        (Some(2), Some(122)),
        "{r}"
    );
    assert_eq!(
        r["requests"].as_u64(),
        Some(calls.len() as u64),
        "{r}\n{calls:#?}"
    );
    if greader {
        assert!(calls[0].contains("accounts/ClientLogin"), "{calls:#?}");
        let pages: Vec<&String> = calls
            .iter()
            .filter(|c| c.contains("stream/contents"))
            .collect();
        assert_eq!(pages.len(), 2, "{calls:#?}");
        assert!(pages[1].contains("c="), "{calls:#?}");
    }
    let mut tags: Vec<(String, Value)> = t
        .feeds()
        .iter()
        .map(|f| (f["title"].as_str().unwrap().to_string(), f["tags"].clone()))
        .collect();
    tags.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        tags,
        [
            ("Tech Feed".to_string(), serde_json::json!(["Tech"])),
            ("World Feed".to_string(), serde_json::json!(["World"]))
        ]
    );
    assert_eq!(t.list(&["is:unread"]).len(), 122);

    // Idle: nothing pulled again, at most three requests.
    for _ in 0..2 {
        let before = served(&fr).len();
        let r = t.sync();
        let calls = since(&fr, before);
        assert_eq!(
            (r["new"].as_u64(), r["updated"].as_u64()),
            (Some(0), Some(0)),
            "{r}"
        );
        assert_eq!(
            r["requests"].as_u64(),
            Some(calls.len() as u64),
            "{calls:#?}"
        );
        assert!(
            calls.len() <= 3,
            "idle sync made {} requests: {calls:#?}",
            calls.len()
        );
    }

    // Read and starred here reach the server: one edit-tag per state with
    // every item of it (greader), one mark per item (fever).
    let (a, b, c) = (t.id_of("Tech 001"), t.id_of("Tech 002"), t.id_of("World B"));
    let (sa, sb, sc) = (
        fr.item_id("Tech 001"),
        fr.item_id("Tech 002"),
        fr.item_id("World B"),
    );
    t.ok(&["mark-read", &a, &b]);
    t.ok(&["star", &c]);
    let before = served(&fr).len();
    let r = t.sync();
    let calls = since(&fr, before);
    assert_eq!(
        (r["pushed"].as_u64(), r["waiting"].as_u64()),
        (Some(3), Some(0)),
        "{r}"
    );
    let unread = fr.unread_ids();
    assert!(!unread.contains(&sa) && !unread.contains(&sb) && unread.contains(&sc));
    assert_eq!(fr.starred_ids(), std::slice::from_ref(&sc));
    if greader {
        let edits = calls.iter().filter(|c| c.contains("edit-tag")).count();
        assert_eq!(edits, 2, "{calls:#?}");
    }

    // Read and starred flags brought in from newsboat's cache reach the
    // server too.
    let nb = t.sandbox.dir.path().join("newsboat-cache.db");
    newsboat_cache(&nb, &tech_url, "http://127.0.0.1/Tech-003");
    let out = t.ok(&["import", "--newsboat-cache", nb.to_str().unwrap()]);
    assert!(out.contains("1 marked read, 1 starred"), "{out}");
    let r = t.sync();
    assert_eq!(r["pushed"], 2, "{r}");
    let s3 = fr.item_id("Tech 003");
    assert!(!fr.unread_ids().contains(&s3));
    assert!(fr.starred_ids().contains(&s3));
    let d = t.id_of("Tech 003");
    t.ok(&["unstar", &d]);
    assert_eq!(t.sync()["pushed"], 1);
    assert_eq!(fr.starred_ids(), std::slice::from_ref(&sc));

    // Read on the server shows here after the next sync.
    let sw = fr.item_id("World A");
    fr.edit_tag("a", READ, &[&sw]);
    let r = t.sync();
    assert_eq!(r["from_server"]["marked_read"], 1, "{r}");
    assert!(!t.titles(&["is:unread"]).contains(&"World A".to_string()));

    // A new item: only it is pulled.
    world.insert(0, "World C".into());
    feeds.route(
        "/world.xml",
        Route::file(rss("World Feed", &world), "application/rss+xml"),
    );
    fr.actualize();
    let r = t.sync();
    assert_eq!(
        (r["new"].as_u64(), r["updated"].as_u64()),
        (Some(1), Some(0)),
        "{r}"
    );
    assert!(t.titles(&["is:unread"]).contains(&"World C".to_string()));

    // Subscribing from tidings goes through the server (greader); the
    // Fever API cannot, and nothing changes.
    let extra = feeds.url("/extra.xml");
    let subs_before = fr.subscription_urls();
    if greader {
        // A URL the server cannot read as a feed: a clear error.
        let missing = feeds.url("/missing.xml");
        let (code, _, err) = t.run(&["feeds", "--add", &missing]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("could not subscribe to"), "{err}");
        assert_eq!(fr.subscription_urls(), subs_before);
        let out = t.ok(&["feeds", "--add", &extra]);
        assert!(out.contains("subscribed to"), "{out}");
        assert!(fr.subscription_urls().contains(&extra));
        fr.actualize();
        let r = t.sync();
        assert_eq!(r["feeds"], 3, "{r}");
        assert!(t.titles(&[]).contains(&"Extra 1".to_string()));
        // Unsubscribing: gone from the server, articles kept here.
        let out = t.ok(&["feeds", "--remove", &world_url]);
        assert!(out.contains("unsubscribed from"), "{out}");
        assert!(!fr.subscription_urls().contains(&world_url));
    } else {
        let (code, _, err) = t.run(&["feeds", "--add", &extra]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("the Fever API cannot subscribe"), "{err}");
        let (code, _, err) = t.run(&["feeds", "--remove", &world_url]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("the Fever API cannot subscribe"), "{err}");
        assert_eq!(fr.subscription_urls(), subs_before);
        // Removed on the server by another client instead.
        let world_id = fr.greader("GET", "subscription/list?output=json", &[]).1;
        let v: Value = serde_json::from_str(&world_id).unwrap();
        let sid = v["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["url"] == world_url.as_str())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (status, body) = fr.greader(
            "POST",
            "subscription/edit",
            &[("ac", "unsubscribe"), ("s", &sid)],
        );
        assert_eq!(status, 200, "{body}");
    }
    // The server no longer has World's articles; they stay here.
    let r = t.sync();
    assert!(r["feeds"].as_u64().unwrap() >= 1, "{r}");
    assert!(!t.feeds().iter().any(|f| f["title"] == "World Feed"));
    let kept = t.titles(&[]);
    for w in ["World A", "World B", "World C"] {
        assert!(kept.contains(&w.to_string()), "{w} lost: {kept:?}");
    }
    let listed = t.ok(&["feeds"]);
    assert!(listed.contains("No longer subscribed"), "{listed}");

    // An expired sign-in (the API password changed on the server): signed
    // in again once with the new password.
    fr.php_update_api_password(NEW_PASSWORD);
    write_private(&pw_file, &format!("{NEW_PASSWORD}\n"));
    let before = served(&fr).len();
    let r = t.sync();
    let calls = since(&fr, before);
    assert_eq!(
        r["requests"].as_u64(),
        Some(calls.len() as u64),
        "{calls:#?}"
    );
    if greader {
        let logins = calls.iter().filter(|c| c.contains("ClientLogin")).count();
        assert_eq!(logins, 1, "{calls:#?}");
    }
    // A token the server never gave: the same.
    let account = std::fs::read_to_string(t.token_file()).unwrap();
    let account = account.lines().next().unwrap().to_string();
    write_private(
        &t.token_file(),
        &format!("{account}\n{USER}/0123456789abcdef\n"),
    );
    t.sync();
    assert!(!std::fs::read_to_string(t.token_file())
        .unwrap()
        .contains("0123456789abcdef"));
    // A wrong password is a clear error without it.
    write_private(
        &t.token_file(),
        &format!("{account}\n{USER}/0123456789abcdef\n"),
    );
    write_private(&pw_file, "wrong-password-4410\n");
    let (code, _, err) = t.run(&["sync"]);
    assert_ne!(code, 0);
    assert!(err.contains("refused the user name or password"), "{err}");
    assert!(!err.contains("wrong-password-4410"), "{err}");
    assert!(!t.token_file().exists(), "a refused token is forgotten");
    write_private(&pw_file, &format!("{NEW_PASSWORD}\n"));

    // Server down: the change waits, the cache still works, and it is
    // pushed once the server is back.
    fr.stop();
    t.ok(&["mark-unread", &a]);
    let (code, _, err) = t.run(&["sync"]);
    assert_ne!(code, 0);
    assert!(err.contains("1 change waits for the next sync"), "{err}");
    assert!(t.titles(&["is:unread"]).contains(&"Tech 001".to_string()));
    fr.serve();
    let r = t.sync();
    assert_eq!(r["pushed"], 1, "{r}");
    assert!(fr.unread_ids().contains(&sa));

    // kill -9 while a sync waits on a frozen server: the change made before
    // it is still queued and the next sync pushes it.
    t.ok(&["unstar", &c]);
    let pid = fr.server_pid().to_string();
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
    let (_, out, _) = t.run(&["doctor"]);
    assert!(out.contains("sync outbox: 1 change waits"), "{out}");
    let r = t.sync();
    assert_eq!(r["pushed"], 1, "{r}");
    assert!(fr.starred_ids().is_empty());

    // The secrets never show in output or the log.
    let token = std::fs::read_to_string(t.token_file()).unwrap();
    let token = token.lines().nth(1).unwrap().to_string();
    let log = std::fs::read_to_string(&t.log).unwrap_or_default();
    assert!(
        log.contains("sync") || !log.is_empty(),
        "tidings logged nothing"
    );
    for (what, text) in [("output", &t.seen), ("log", &log)] {
        for secret in [API_PASSWORD, NEW_PASSWORD, &token] {
            assert!(!text.contains(secret), "a secret in the {what}");
        }
        let hash = token.rsplit('/').next().unwrap();
        assert!(!text.contains(hash), "the token in the {what}");
    }
    eprintln!(
        "{kind} against FreshRSS: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
