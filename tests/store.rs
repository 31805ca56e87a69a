//! The cache as several processes and config changes meet it: concurrent
//! first opens, retention order, and feeds keyed by URL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Starts the real binary on a sandbox without waiting for it.
fn spawn(sb: &Sandbox, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tidings"))
        .arg("--config")
        .arg(sb.config())
        .arg("--cache")
        .arg(sb.cache())
        .args(args)
        .env_remove("TIDINGS_CONFIG")
        .env_remove("TIDINGS_CACHE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a child at most until `deadline`, killing it after that.
fn finish(mut child: Child, deadline: Instant) -> Output {
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().unwrap()
}

/// Runs `tidings feeds` in three processes at once; all must succeed.
fn open_at_once(sb: &Sandbox, round: usize) {
    let children: Vec<Child> = (0..3).map(|_| spawn(sb, &["feeds"])).collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    for child in children {
        let out = finish(child, deadline);
        assert!(
            out.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("never fetched"));
    }
}

#[test]
fn processes_opening_a_new_cache_at_once_all_succeed() {
    for round in 0..25 {
        let sb = Sandbox::new();
        sb.write_config("", &[("A", "http://127.0.0.1:9/a.xml")]);
        open_at_once(&sb, round);
    }
}

/// An RSS document whose items are (guid, day of May 2023), in this order.
fn rss(items: &[(&str, u32)]) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>\
         <link>http://example.test/</link>",
    );
    for (guid, day) in items {
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>Day {day}</title>\
             <link>http://example.test/{guid}</link>\
             <pubDate>{day:02} May 2023 10:00:00 GMT</pubDate></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s.into_bytes()
}

fn xml(items: &[(&str, u32)]) -> Route {
    Route::file(rss(items), "application/rss+xml")
}

fn titles(sb: &Sandbox) -> Vec<String> {
    sb.list_json(&[])
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect()
}

fn fetch_ok(sb: &Sandbox) -> String {
    let out = sb.cmd().arg("fetch").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn retention_keeps_the_newest_of_an_oldest_first_feed() {
    let server = TestServer::start();
    server.route(
        "/a.xml",
        xml(&[("1", 1), ("2", 2), ("3", 3), ("4", 4), ("5", 5)]),
    );
    let sb = Sandbox::new();
    sb.write_config("max_articles_per_feed = 3", &[("A", &server.url("/a.xml"))]);
    fetch_ok(&sb);
    assert_eq!(titles(&sb), ["Day 5", "Day 4", "Day 3"]);

    server.route(
        "/a.xml",
        xml(&[("1", 1), ("2", 2), ("3", 3), ("4", 4), ("5", 5), ("6", 6)]),
    );
    let out = fetch_ok(&sb);
    assert!(out.contains("1 new"), "{out}");
    assert_eq!(titles(&sb), ["Day 6", "Day 5", "Day 4"]);
}

/// (id, feed, title, read, starred) of every article, newest first.
fn articles(sb: &Sandbox) -> Vec<(i64, String, String, bool, bool)> {
    sb.list_json(&[])
        .iter()
        .map(|a| {
            (
                a["id"].as_i64().unwrap(),
                a["feed"].as_str().unwrap().to_string(),
                a["title"].as_str().unwrap().to_string(),
                a["read"].as_bool().unwrap(),
                a["starred"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn run_ok(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.cmd().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A sandbox with feed "A" fetched from `/a.xml`: Day 2 read, Day 1 starred.
fn read_and_starred(server: &TestServer) -> Sandbox {
    server.route("/a.xml", xml(&[("2", 2), ("1", 1)]));
    let sb = Sandbox::new();
    sb.write_config("", &[("A", &server.url("/a.xml"))]);
    fetch_ok(&sb);
    let arts = articles(&sb);
    run_ok(&sb, &["mark-read", &arts[0].0.to_string()]);
    run_ok(&sb, &["star", &arts[1].0.to_string()]);
    sb
}

#[test]
fn renaming_a_feed_in_the_config_keeps_its_articles_and_flags() {
    let server = TestServer::start();
    let sb = read_and_starred(&server);
    let before = articles(&sb);
    sb.write_config("", &[("Renamed", &server.url("/a.xml"))]);
    let out = run_ok(&sb, &["fetch", "--force"]);
    assert!(out.contains("0 new"), "{out}");
    let after = articles(&sb);
    assert_eq!(after.len(), 2);
    for (a, b) in before.iter().zip(&after) {
        assert_eq!((a.0, &a.2, a.3, a.4), (b.0, &b.2, b.3, b.4));
        assert_eq!(b.1, "Renamed");
    }
    assert_eq!(sb.list_json(&["is:unread"]).len(), 1);
    let feeds = run_ok(&sb, &["feeds"]);
    assert!(
        feeds.contains("Renamed") && !feeds.contains("No longer"),
        "{feeds}"
    );
}

#[test]
fn rename_url_moves_a_feed_with_its_flags() {
    let server = TestServer::start();
    let sb = read_and_starred(&server);
    let before = articles(&sb);
    server.route("/moved.xml", xml(&[("3", 3), ("2", 2), ("1", 1)]));
    let (old, new) = (server.url("/a.xml"), server.url("/moved.xml"));

    let out = sb
        .cmd()
        .args(["feeds", "--rename-url", "http://127.0.0.1:9/none.xml", &new])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no feed with the URL"));

    // The config is edited first; any command then sees the new URL.
    sb.write_config("", &[("A", &new)]);
    run_ok(&sb, &["feeds"]);
    let out = run_ok(&sb, &["feeds", "--rename-url", &old, &new]);
    assert!(out.contains("moved \"A\""), "{out}");
    let out = run_ok(&sb, &["fetch"]);
    assert!(out.contains("1 new"), "{out}");
    let after = articles(&sb);
    assert_eq!(after.len(), 3);
    assert_eq!(after[1..], before[..]);
    assert!(!run_ok(&sb, &["feeds"]).contains("No longer"));

    // A URL that already holds articles is refused.
    sb.write_config("", &[("A", &new), ("B", &old)]);
    run_ok(&sb, &["fetch"]);
    let out = sb
        .cmd()
        .args(["feeds", "--rename-url", &new, &old])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is already a feed with 2 articles"), "{err}");
}

#[test]
fn a_removed_feed_keeps_its_articles_until_purged_and_starred_ones_after() {
    let server = TestServer::start();
    let sb = read_and_starred(&server);
    server.route("/b.xml", xml(&[("9", 9)]));
    sb.write_config("", &[("B", &server.url("/b.xml"))]);
    fetch_ok(&sb);
    assert_eq!(server.hits("/a.xml"), 1, "a removed feed is not fetched");
    assert_eq!(articles(&sb).len(), 3);
    assert_eq!(sb.list_json(&["is:starred"]).len(), 1);

    let feeds = run_ok(&sb, &["feeds"]);
    assert!(feeds.contains("No longer subscribed"), "{feeds}");
    assert!(feeds.contains("2 articles, 1 starred"), "{feeds}");
    assert!(feeds.contains("--purge-unsubscribed"), "{feeds}");
    let json: serde_json::Value = serde_json::from_str(&run_ok(&sb, &["feeds", "--json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);

    let out = run_ok(&sb, &["feeds", "--purge-unsubscribed"]);
    assert!(out.contains("deleted 1 articles"), "{out}");
    assert!(out.contains("kept 1 starred"), "{out}");
    let left = articles(&sb);
    assert_eq!(left.len(), 2);
    assert!(left.iter().any(|a| a.2 == "Day 1" && a.4));
    assert!(run_ok(&sb, &["feeds"]).contains("1 articles, 1 starred"));

    run_ok(&sb, &["feeds", "--purge-unsubscribed", "--include-starred"]);
    assert_eq!(articles(&sb).len(), 1);
    assert!(!run_ok(&sb, &["feeds"]).contains("No longer"));
}

#[test]
fn processes_opening_an_old_cache_at_once_all_succeed() {
    for round in 0..10 {
        let sb = Sandbox::new();
        sb.write_config("", &[("A", "http://127.0.0.1:9/a.xml")]);
        {
            let conn = rusqlite::Connection::open(sb.cache()).unwrap();
            conn.execute_batch(tidings::store::schema::MIGRATIONS[0])
                .unwrap();
            conn.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO feeds (name, url) VALUES ('A', 'http://127.0.0.1:9/a.xml');",
            )
            .unwrap();
        }
        open_at_once(&sb, round);
    }
}
