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

#[test]
fn processes_opening_a_new_cache_at_once_all_succeed() {
    for round in 0..25 {
        let sb = Sandbox::new();
        sb.write_config("", &[("A", "http://127.0.0.1:9/a.xml")]);
        let children: Vec<Child> = (0..3).map(|_| spawn(&sb, &["feeds"])).collect();
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
