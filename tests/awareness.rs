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
    // An RSS title is HTML: read as text, the script and what it holds go.
    assert!(!html.contains("alert(1)"), "{html}");
    assert!(html.contains(">red title</a>"), "{html}");
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

#[cfg(unix)]
#[test]
fn alerts_report_new_matches_once() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start();
    server.route(
        "/a.xml",
        rss(&[
            item("a1", "Triage pilot opens", "<p>First.</p>", 1),
            item("a2", "Budget news", "<p>Second.</p>", 1),
        ]),
    );
    let sb = Sandbox::new();
    let argv_file = sb.dir.path().join("argv.txt");
    let script = sb.dir.path().join("notify.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '{}'; done\n",
            argv_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let pwned = sb.dir.path().join("pwned");
    sb.write_config(
        &format!(
            "notify_command = [{:?}, \"{{view}}\", \"{{title}}\"]",
            script.display().to_string()
        ),
        &[("A", &server.url("/a.xml"))],
    );
    let mut config = std::fs::read_to_string(sb.config()).unwrap();
    config.push_str(
        "\n[[view]]\nname = \"Pilots\"\nquery = \"pilot\"\nnotify = true\n\
         \n[[view]]\nname = \"Quiet\"\nquery = \"news\"\n",
    );
    std::fs::write(sb.config(), config).unwrap();
    let fetch_json = || {
        let out = sb
            .cmd()
            .args(["fetch", "--force", "--json"])
            .assert()
            .success();
        let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        v["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                assert_eq!(a["view"], "Pilots");
                a["title"].as_str().unwrap().to_string()
            })
            .collect::<Vec<_>>()
    };
    // A new subscription's backlog does not alert.
    assert!(fetch_json().is_empty());
    assert!(!argv_file.exists());

    let hostile = format!(
        "Second pilot $(touch {}) `touch {}`; \u{1b}[31mred\u{1b}]0;x\u{7} | rm -rf ~",
        pwned.display(),
        pwned.display()
    );
    server.route(
        "/a.xml",
        rss(&[
            item("a3", &hostile, "<p>Third.</p>", 0),
            item("a4", "Weather news", "<p>Rain.</p>", 0),
            item("a1", "Triage pilot opens, updated", "<p>First.</p>", 1),
            item("a2", "Budget news", "<p>Second.</p>", 1),
        ]),
    );
    let got = fetch_json();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].starts_with("Second pilot $(touch"), "{got:?}");
    assert!(
        !got[0].contains('\u{1b}') && got[0].contains(" red "),
        "{got:?}"
    );

    let argv = std::fs::read_to_string(&argv_file).unwrap();
    let lines: Vec<&str> = argv.lines().collect();
    assert_eq!(lines.len(), 2, "{argv:?}");
    assert_eq!(lines[0], "Pilots");
    assert_eq!(lines[1], got[0]);
    assert!(
        !argv.contains('\u{1b}') && !argv.contains('\u{7}'),
        "{argv:?}"
    );
    assert!(!pwned.exists(), "the title was run by a shell");

    // A later run (another process) reports nothing again, and the text
    // summary lists alerts only when there are some.
    assert!(fetch_json().is_empty());
    let text = fetch(&sb);
    assert!(!text.contains("alerting"), "{text}");
    assert_eq!(std::fs::read_to_string(&argv_file).unwrap(), argv);
}

#[test]
fn failing_notify_command_is_a_warning() {
    let server = TestServer::start();
    server.route("/a.xml", rss(&[item("a1", "Old pilot", "<p>x</p>", 1)]));
    let sb = Sandbox::new();
    sb.write_config(
        "notify_command = [\"/nonexistent/tidings-notify\", \"{title}\"]",
        &[("A", &server.url("/a.xml"))],
    );
    let mut config = std::fs::read_to_string(sb.config()).unwrap();
    config.push_str("\n[[view]]\nname = \"Pilots\"\nquery = \"pilot\"\nnotify = true\n");
    std::fs::write(sb.config(), config).unwrap();
    fetch(&sb);
    server.route(
        "/a.xml",
        rss(&[
            item("a2", "New pilot", "<p>y</p>", 0),
            item("a1", "Old pilot", "<p>x</p>", 1),
        ]),
    );
    let out = sb.cmd().args(["fetch", "--force"]).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stdout.contains("1 new in alerting views:"), "{stdout}");
    assert!(stdout.contains("[Pilots] New pilot (A)"), "{stdout}");
    assert!(
        stderr.contains("warning: notify_command /nonexistent/tidings-notify"),
        "{stderr}"
    );
}

#[test]
fn the_demo_relicensing_announcements_are_one_story() {
    let http = tidings::demo::Server::start(tidings::demo::route).unwrap();
    let sb = Sandbox::new();
    std::fs::write(sb.config(), tidings::demo::config_text(&http.base())).unwrap();
    fetch(&sb);
    let store = tidings::store::Store::open(&sb.cache()).unwrap();
    let q = tidings::query::parse("relicens*").unwrap();
    let opts = tidings::query::SqlOptions::default();
    let found = store.query(&q, &opts, Utc::now(), None).unwrap();
    let feeds: std::collections::HashSet<_> = found.iter().map(|a| a.feed.clone()).collect();
    assert!(feeds.len() >= 2, "{found:?}");
    let copies = store.story_copies(found[0].id).unwrap();
    assert_eq!(copies.len(), found.len() - 1, "{found:?} {copies:?}");

    // Starring one copy stars the story; the bulletin shows it once with
    // every source.
    let mut store = store;
    store.set_starred(&[found[0].id], true).unwrap();
    let starred = store
        .query(
            &tidings::query::parse("is:starred").unwrap(),
            &opts,
            Utc::now(),
            None,
        )
        .unwrap();
    assert_eq!(starred.len(), found.len());
    drop(store);
    let out = sb
        .cmd()
        .args([
            "bulletin",
            "--starred",
            "--since",
            "100000d",
            "--format",
            "text",
        ])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("· 1 article\n"), "{text}");
    for f in &feeds {
        assert!(text.contains(f.as_str()), "{f} in {text}");
    }
}

#[test]
fn list_shows_a_story_once_with_its_other_feeds() {
    let http = tidings::demo::Server::start(tidings::demo::route).unwrap();
    let sb = Sandbox::new();
    let config = tidings::demo::config_text(&http.base());
    std::fs::write(sb.config(), &config).unwrap();
    fetch(&sb);
    let list_json = |sb: &Sandbox| -> Vec<serde_json::Value> {
        let out = sb
            .cmd()
            .args(["list", "--json", "relicens*"])
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    };
    let count = |sb: &Sandbox| -> String {
        let out = sb.cmd().args(["count", "relicens*"]).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let rows = list_json(&sb);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let also: Vec<&serde_json::Value> = rows[0]["also_in"].as_array().unwrap().iter().collect();
    assert!(!also.is_empty(), "{rows:?}");
    for c in &also {
        assert!(c["id"].as_i64().is_some(), "{c}");
        assert_ne!(c["feed"], rows[0]["feed"], "{rows:?}");
    }
    assert_eq!(count(&sb), "1\n");
    let out = sb.cmd().args(["list", "relicens*"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    // Cut at 80 columns when piped.
    assert!(text.contains("(also i"), "{text}");

    // Without grouping every copy is listed, none with also_in.
    let flat = config.replace("[settings]", "[settings]\ngroup_stories = false");
    assert_ne!(flat, config);
    std::fs::write(sb.config(), flat).unwrap();
    let rows = list_json(&sb);
    assert_eq!(rows.len(), also.len() + 1, "{rows:?}");
    assert!(rows.iter().all(|r| r.get("also_in").is_none()), "{rows:?}");
    assert_eq!(count(&sb), format!("{}\n", rows.len()));
}
