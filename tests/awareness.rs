//! Current awareness from the command line: bulletins and alerts, on
//! feeds served from 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, Utc};
use common::server::{Route, TestServer};
use common::Sandbox;

fn item(guid: &str, title: &str, body: &str, days_ago: i64) -> String {
    let date = (Utc::now() - Duration::days(days_ago)).to_rfc2822();
    format!(
        "<item><guid>{guid}</guid><title><![CDATA[{title}]]></title>\
         <link>http://example.test/{guid}</link>\
         <description><![CDATA[{body}]]></description><pubDate>{date}</pubDate></item>"
    )
}

fn rss(items: &[String]) -> Route {
    let body = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{}</channel></rss>",
        items.concat()
    );
    Route::file(body, "application/rss+xml")
}

fn fetch(sb: &Sandbox) -> String {
    let out = sb.cmd().arg("fetch").arg("--force").assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn html_bulletin_of_hostile_feed_is_inert() {
    let server = TestServer::start();
    server.route(
        "/evil.xml",
        rss(&[
            item(
                "e1",
                "<script>alert(1)</script> \u{1b}[31mred\u{1b}[0m \u{1b}]0;owned\u{7}title",
                "<p><script>alert(2)</script>Body \u{1b}[2J text</p>",
                1,
            ),
            item("e2", "Plain news", "<p>Calm.</p>", 2),
        ]),
    );
    let sb = Sandbox::new();
    sb.write_config("", &[("Evil", &server.url("/evil.xml"))]);
    fetch(&sb);
    let file = sb.dir.path().join("b.html");
    sb.cmd()
        .args(["bulletin", "--since", "7d", "--format", "html", "--output"])
        .arg(&file)
        .assert()
        .success();
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.contains("Plain news"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.to_lowercase().contains("<script"), "{html}");
    assert!(
        !html.contains('\u{1b}') && !html.contains('\u{7}'),
        "{html}"
    );
    assert!(!html.contains("owned"), "{html}");
    assert!(html.contains(">Body text</p>"), "{html}");
}

#[test]
fn since_last_is_remembered_per_view() {
    let server = TestServer::start();
    server.route(
        "/a.xml",
        rss(&[
            item("a1", "Triage pilot opens", "<p>First.</p>", 1),
            item("a2", "Budget news", "<p>Second.</p>", 1),
        ]),
    );
    let sb = Sandbox::new();
    sb.write_config("", &[("A", &server.url("/a.xml"))]);
    let mut config = std::fs::read_to_string(sb.config()).unwrap();
    config.push_str("\n[[view]]\nname = \"Pilots\"\nquery = \"pilot\"\n");
    std::fs::write(sb.config(), config).unwrap();
    fetch(&sb);
    let bulletin = |args: &[&str]| {
        let out = sb.cmd().arg("bulletin").args(args).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let first = bulletin(&["--view", "pilots", "--since-last"]);
    assert!(first.starts_with("# Pilots\n"), "{first}");
    assert!(first.contains("Triage pilot opens") && !first.contains("Budget"));
    let again = bulletin(&["--view", "Pilots", "--since-last"]);
    assert!(again.contains("Nothing new."), "{again}");
    // Another view (none) has its own mark.
    let all = bulletin(&["--since-last", "--format", "text"]);
    assert!(all.contains("Budget news") && all.contains("Triage pilot opens"));
    // New articles after the mark appear in the next one.
    server.route(
        "/a.xml",
        rss(&[
            item("a3", "Second pilot", "<p>Third.</p>", 0),
            item("a1", "Triage pilot opens", "<p>First.</p>", 1),
        ]),
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    fetch(&sb);
    let next = bulletin(&["--view", "Pilots", "--since-last"]);
    assert!(next.contains("Second pilot"), "{next}");
    assert!(!next.contains("Triage pilot opens"), "{next}");
    sb.cmd()
        .args(["bulletin", "--since", "7y"])
        .assert()
        .code(2);
}
