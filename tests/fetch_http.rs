//! How the fetcher treats servers: conditional requests, updates, timeouts,
//! size caps, redirects, retries and polite intervals. Every server runs on
//! 127.0.0.1 inside the test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;
use serde_json::Value;

/// An RSS document with (guid, title, description, day-of-May-2023) items.
fn rss(items: &[(&str, &str, &str, u32)]) -> Vec<u8> {
    let mut s = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><link>http://example.test/</link>");
    for (guid, title, desc, day) in items {
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>http://example.test/{guid}</link>\
             <description>{desc}</description><pubDate>{day:02} May 2023 10:00:00 GMT</pubDate></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s.into_bytes()
}

fn xml(body: Vec<u8>) -> Route {
    Route::file(body, "application/rss+xml")
}

fn fetch(sb: &Sandbox, extra: &[&str]) -> (bool, String, String) {
    let out = sb.cmd().arg("fetch").args(extra).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn titles(list: &[Value]) -> Vec<&str> {
    list.iter().map(|a| a["title"].as_str().unwrap()).collect()
}

#[test]
fn second_fetch_is_conditional_and_changes_nothing() {
    let server = TestServer::start();
    server.route(
        "/a.xml",
        xml(rss(&[("1", "One", "x", 1), ("2", "Two", "y", 2)])),
    );
    server.route("/b.xml", xml(rss(&[("3", "Three", "z", 3)])));
    let sb = Sandbox::new();
    sb.write_config(
        "",
        &[("A", &server.url("/a.xml")), ("B", &server.url("/b.xml"))],
    );
    let (ok, out, err) = fetch(&sb, &[]);
    assert!(ok, "{err}");
    assert!(out.contains("3 new"), "{out}");
    let before = sb.list_json(&[]);
    assert_eq!(titles(&before), ["Three", "Two", "One"]);

    let (ok, out, _) = fetch(&sb, &[]);
    assert!(ok);
    assert!(
        out.contains("0 new") && out.contains("2 unchanged (304)"),
        "{out}"
    );
    assert_eq!(server.statuses("/a.xml"), [200, 304]);
    assert_eq!(server.statuses("/b.xml"), [200, 304]);
    let second = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/a.xml")
        .nth(1)
        .unwrap();
    assert!(second.header("if-none-match").is_some());
    assert!(second.header("if-modified-since").is_some());
    let ua = second.header("user-agent").unwrap();
    assert!(ua.starts_with("tidings/"), "{ua}");
    assert_eq!(sb.list_json(&[]), before);
}

#[test]
fn changed_item_updates_content_and_keeps_read_state() {
    let server = TestServer::start();
    server.route(
        "/a.xml",
        xml(rss(&[("1", "One", "old text", 1), ("2", "Two", "y", 2)])),
    );
    let sb = Sandbox::new();
    sb.write_config("", &[("A", &server.url("/a.xml"))]);
    assert!(fetch(&sb, &[]).0);
    let one = sb
        .list_json(&[])
        .into_iter()
        .find(|a| a["title"] == "One")
        .unwrap();
    let id = one["id"].as_i64().unwrap().to_string();
    sb.cmd().args(["mark-read", &id]).assert().success();
    sb.cmd().args(["star", &id]).assert().success();

    server.route(
        "/a.xml",
        xml(rss(&[
            ("1", "One (corrected)", "new text", 1),
            ("2", "Two", "y", 2),
        ])),
    );
    let (ok, out, err) = fetch(&sb, &[]);
    assert!(ok, "{err}");
    assert!(out.contains("0 new, 1 updated"), "{out}");
    let list = sb.list_json(&[]);
    assert_eq!(list.len(), 2);
    let one = list
        .iter()
        .find(|a| a["id"].as_i64().unwrap().to_string() == id)
        .unwrap();
    assert_eq!(one["title"], "One (corrected)");
    assert_eq!(one["read"], true);
    assert_eq!(one["starred"], true);
    let shown = sb.cmd().args(["show", &id]).output().unwrap();
    assert!(String::from_utf8_lossy(&shown.stdout).contains("new text"));
    assert_eq!(sb.list_json(&["--unread"]).len(), 1);
    // The full-text index follows the update.
    assert_eq!(sb.list_json(&["\"new text\""]).len(), 1);
    assert_eq!(sb.list_json(&["\"old text\""]).len(), 0);
}

#[test]
fn a_server_that_never_answers_times_out_without_stopping_others() {
    let server = TestServer::start();
    server.route("/hang.xml", Route::Hang);
    server.route("/ok.xml", xml(rss(&[("1", "One", "x", 1)])));
    let sb = Sandbox::new();
    sb.write_config(
        "timeout_seconds = 1\nretries = 0",
        &[
            ("Hang", &server.url("/hang.xml")),
            ("Ok", &server.url("/ok.xml")),
        ],
    );
    let started = std::time::Instant::now();
    let (ok, _, err) = fetch(&sb, &[]);
    assert!(!ok);
    assert!(started.elapsed().as_secs() < 20);
    assert!(
        err.contains("failed: Hang (") && err.contains("timed out after 1 s"),
        "{err}"
    );
    assert_eq!(titles(&sb.list_json(&[])), ["One"]);
    let feeds = sb.cmd().args(["feeds", "--json"]).output().unwrap();
    let feeds: Vec<Value> = serde_json::from_slice(&feeds.stdout).unwrap();
    let hang = feeds.iter().find(|f| f["name"] == "Hang").unwrap();
    assert!(hang["last_error"].as_str().unwrap().contains("timed out"));
    assert_eq!(hang["last_success"], Value::Null);
}

#[test]
fn retries_never_stretch_a_hung_server_past_the_timeout() {
    let server = TestServer::start();
    server.route("/hang.xml", Route::Hang);
    server.route("/ok.xml", xml(rss(&[("1", "One", "x", 1)])));
    let sb = Sandbox::new();
    // Four retries after each 1 s timeout, with backoff, would take 12.5 s.
    sb.write_config(
        "timeout_seconds = 1\nretries = 4",
        &[
            ("Hang", &server.url("/hang.xml")),
            ("Ok", &server.url("/ok.xml")),
        ],
    );
    let started = std::time::Instant::now();
    let (ok, _, err) = fetch(&sb, &[]);
    let took = started.elapsed();
    assert!(!ok);
    assert!(
        err.contains("failed: Hang (") && err.contains("timed out"),
        "{err}"
    );
    // The timeout plus a generous margin for a loaded machine.
    assert!(
        took < std::time::Duration::from_secs(7),
        "fetch took {took:?}"
    );
    assert_eq!(server.hits("/hang.xml"), 1, "no retry after a full timeout");
    assert_eq!(titles(&sb.list_json(&[])), ["One"]);
}

#[test]
fn an_oversized_body_is_refused_while_streaming() {
    let server = TestServer::start();
    server.route("/huge.xml", Route::Huge(50 * 1024 * 1024));
    let sb = Sandbox::new();
    sb.write_config(
        "max_response_bytes = 100000",
        &[("Huge", &server.url("/huge.xml"))],
    );
    let (ok, _, err) = fetch(&sb, &[]);
    assert!(!ok);
    assert!(
        err.contains("larger than the limit of 100000 bytes"),
        "{err}"
    );
}

#[test]
fn a_redirect_loop_is_bounded() {
    let server = TestServer::start();
    server.route("/a", Route::Redirect("/b".into()));
    server.route("/b", Route::Redirect("/a".into()));
    server.route("/moved", Route::Redirect("/final.xml".into()));
    server.route("/final.xml", xml(rss(&[("1", "Moved", "x", 1)])));
    let sb = Sandbox::new();
    sb.write_config(
        "",
        &[
            ("Loop", &server.url("/a")),
            ("Moved", &server.url("/moved")),
        ],
    );
    let (ok, _, err) = fetch(&sb, &[]);
    assert!(!ok);
    assert!(
        err.contains("failed: Loop (") && err.contains("too many redirects"),
        "{err}"
    );
    assert!(server.hits("/a") + server.hits("/b") <= 6);
    assert_eq!(titles(&sb.list_json(&[])), ["Moved"]);
}

#[test]
fn server_errors_and_429_are_retried() {
    let server = TestServer::start();
    server.route(
        "/flaky.xml",
        Route::Sequence(vec![
            Route::status(500),
            xml(rss(&[("1", "Flaky", "x", 1)])),
        ]),
    );
    let busy = Route::Raw {
        status: 429,
        headers: vec![("Retry-After".into(), "1".into())],
        body: vec![],
    };
    server.route(
        "/busy.xml",
        Route::Sequence(vec![busy, xml(rss(&[("2", "Busy", "x", 2)]))]),
    );
    let sb = Sandbox::new();
    sb.write_config(
        "",
        &[
            ("Flaky", &server.url("/flaky.xml")),
            ("Busy", &server.url("/busy.xml")),
        ],
    );
    let (ok, _, err) = fetch(&sb, &[]);
    assert!(ok, "{err}");
    assert_eq!(server.statuses("/flaky.xml"), [500, 200]);
    assert_eq!(server.statuses("/busy.xml"), [429, 200]);
    assert_eq!(titles(&sb.list_json(&[])), ["Busy", "Flaky"]);
}

#[test]
fn a_long_retry_after_postpones_the_feed_until_forced() {
    let server = TestServer::start();
    let busy = Route::Raw {
        status: 429,
        headers: vec![("Retry-After".into(), "3600".into())],
        body: vec![],
    };
    server.route(
        "/busy.xml",
        Route::Sequence(vec![busy, xml(rss(&[("1", "Later", "x", 1)]))]),
    );
    let sb = Sandbox::new();
    sb.write_config("", &[("Busy", &server.url("/busy.xml"))]);
    let (ok, _, err) = fetch(&sb, &[]);
    assert!(!ok && err.contains("HTTP 429"), "{err}");
    assert_eq!(
        server.hits("/busy.xml"),
        1,
        "no retry within the hour asked for"
    );
    let (ok, out, _) = fetch(&sb, &[]);
    assert!(ok && out.contains("1 skipped"), "{out}");
    assert_eq!(server.hits("/busy.xml"), 1);
    let (ok, _, _) = fetch(&sb, &["--force"]);
    assert!(ok);
    assert_eq!(titles(&sb.list_json(&[])), ["Later"]);
}

#[test]
fn freshness_hints_and_ttl_set_the_polite_interval() {
    let server = TestServer::start();
    let fresh = Route::Raw {
        status: 200,
        headers: vec![
            ("Cache-Control".into(), "max-age=600".into()),
            ("Content-Type".into(), "application/rss+xml".into()),
        ],
        body: rss(&[("1", "Fresh", "x", 1)]),
    };
    server.route("/fresh.xml", fresh);
    let ttl = String::from_utf8(rss(&[("2", "Ttl", "x", 2)]))
        .unwrap()
        .replace("<title>T</title>", "<title>T</title><ttl>60</ttl>");
    server.route("/ttl.xml", xml(ttl.into_bytes()));
    server.route("/plain.xml", xml(rss(&[("3", "Plain", "x", 3)])));
    let sb = Sandbox::new();
    sb.write_config(
        "",
        &[
            ("Fresh", &server.url("/fresh.xml")),
            ("Ttl", &server.url("/ttl.xml")),
            ("Plain", &server.url("/plain.xml")),
        ],
    );
    assert!(fetch(&sb, &[]).0);
    let (ok, out, _) = fetch(&sb, &[]);
    assert!(ok && out.contains("1 unchanged (304), 2 skipped"), "{out}");
    assert_eq!(server.hits("/fresh.xml"), 1);
    assert_eq!(server.hits("/ttl.xml"), 1);
    let (ok, out, _) = fetch(&sb, &["--force", "--feed", "ttl"]);
    assert!(ok && out.contains("1 unchanged (304)"), "{out}");
    assert_eq!(server.statuses("/ttl.xml"), [200, 304]);
}

#[test]
fn a_failing_feed_keeps_its_articles() {
    let server = TestServer::start();
    server.route("/a.xml", xml(rss(&[("1", "Kept", "x", 1)])));
    let sb = Sandbox::new();
    sb.write_config("retries = 0", &[("A", &server.url("/a.xml"))]);
    assert!(fetch(&sb, &[]).0);
    server.route(
        "/a.xml",
        Route::Raw {
            status: 200,
            headers: vec![],
            body: b"<rss version=\"2.0\"><channel><item>".to_vec(),
        },
    );
    let (ok, _, err) = fetch(&sb, &[]);
    assert!(!ok && err.contains("not a valid feed"), "{err}");
    server.route("/a.xml", Route::status(503));
    let (ok, _, err) = fetch(&sb, &[]);
    assert!(!ok && err.contains("HTTP 503"), "{err}");
    assert_eq!(titles(&sb.list_json(&[])), ["Kept"]);
}

#[test]
fn retention_purges_old_articles_but_never_starred_ones() {
    let server = TestServer::start();
    server.route(
        "/a.xml",
        xml(rss(&[
            ("3", "C", "x", 3),
            ("2", "B", "x", 2),
            ("1", "A", "x", 1),
        ])),
    );
    let sb = Sandbox::new();
    sb.write_config("max_articles_per_feed = 2", &[("A", &server.url("/a.xml"))]);
    assert!(fetch(&sb, &[]).0);
    // The document's first two items are kept.
    assert_eq!(titles(&sb.list_json(&[])), ["C", "B"]);
    let b = sb
        .list_json(&[])
        .into_iter()
        .find(|a| a["title"] == "B")
        .unwrap();
    sb.cmd()
        .args(["star", &b["id"].to_string()])
        .assert()
        .success();
    server.route(
        "/a.xml",
        xml(rss(&[("5", "E", "x", 5), ("4", "D", "x", 4)])),
    );
    let (ok, out, _) = fetch(&sb, &[]);
    assert!(ok && out.contains("1 old articles purged"), "{out}");
    assert_eq!(titles(&sb.list_json(&[])), ["E", "D", "B"]);
}
