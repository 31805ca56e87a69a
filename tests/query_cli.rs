//! The filter language from the command line, on a small cache filled by a
//! real fetch from 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, Utc};
use common::server::{Route, TestServer};
use common::Sandbox;

fn item(guid: &str, title: &str, body: &str, days_ago: i64) -> String {
    let date = (Utc::now() - Duration::days(days_ago)).to_rfc2822();
    format!(
        "<item><guid>{guid}</guid><title>{title}</title><link>http://example.test/{guid}</link>\
         <description>{body}</description><pubDate>{date}</pubDate></item>"
    )
}

fn rss(items: &[String]) -> Route {
    let body = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{}</channel></rss>",
        items.concat()
    );
    Route::file(body, "application/rss+xml")
}

fn setup() -> (TestServer, Sandbox) {
    let server = TestServer::start();
    server.route(
        "/nhs.xml",
        rss(&[
            item(
                "n1",
                "New diagnostic centres open",
                "Community diagnostics in three regions.",
                2,
            ),
            item(
                "n2",
                "Diagnosis waiting times fall",
                "Figures for the month.",
                3,
            ),
            item("n3", "Old diagnostics news", "From last month.", 30),
            item(
                "n4",
                "Winter plan published",
                "Health innovation in urgent care.",
                1,
            ),
            item("n5", "Café culture in hospitals", "Staff wellbeing.", 4),
        ]),
    );
    server.route(
        "/hin.xml",
        rss(&[
            item(
                "h1",
                "Relicensing of AHSNs confirmed",
                "Health innovation networks relicensed.",
                5,
            ),
            item(
                "h2",
                "Health innovation awards",
                "Winners in health innovation announced.",
                6,
            ),
            item("h3", "Diagnostics accelerator", "Diagnostic innovation.", 2),
        ]),
    );
    let sb = Sandbox::new();
    let text = format!(
        "[[feed]]\nname = \"NHS England\"\nurl = \"{}\"\ntags = [\"nhs\"]\n\n\
         [[feed]]\nname = \"HIN South London\"\nurl = \"{}\"\ntags = [\"hin\"]\n\n\
         [[view]]\nname = \"NHS this week\"\nquery = \"tag:nhs since:7d\"\n\n\
         [[ignore]]\nquery = \"winter\"\nfeed = \"NHS England\"\n",
        server.url("/nhs.xml"),
        server.url("/hin.xml")
    );
    std::fs::write(sb.config(), text).unwrap();
    sb.cmd().arg("fetch").assert().success();
    (server, sb)
}

fn titles(sb: &Sandbox, args: &[&str]) -> Vec<String> {
    sb.list_json(args)
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect()
}

fn count(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.cmd().arg("count").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn the_issue_examples() {
    let (_server, sb) = setup();
    let n2 = sb.list_json(&["Diagnosis waiting"])[0]["id"].to_string();
    sb.cmd().args(["mark-read", &n2]).assert().success();
    // Unread NHS items from this week that mention diagnos*: n1 only (n2 is
    // read, n3 is a month old, h3 is not tagged nhs).
    assert_eq!(
        titles(&sb, &["tag:nhs is:unread since:7d diagnos*"]),
        ["New diagnostic centres open"]
    );
    // "health innovation" without relicens*: h2 only (h1 mentions
    // relicensing; n4 matches but is hidden by the ignore rule).
    assert_eq!(count(&sb, &["\"health innovation\" -relicens*"]), "1");
    assert_eq!(
        count(&sb, &["\"health innovation\" -relicens* is:ignored"]),
        "1"
    );
    assert_eq!(titles(&sb, &["is:ignored"]), ["Winter plan published"]);
}

#[test]
fn views_shorthands_sorting_and_diacritics() {
    let (_server, sb) = setup();
    assert_eq!(count(&sb, &["--view", "nhs this week"]), "3");
    assert_eq!(count(&sb, &["--feed", "hin south london"]), "3");
    assert_eq!(count(&sb, &["--unread", "--feed", "NHS England"]), "4");
    assert_eq!(titles(&sb, &["cafe"]), ["Café culture in hospitals"]);
    assert_eq!(
        titles(&sb, &["feed:HIN", "sort:title"]),
        [
            "Diagnostics accelerator",
            "Health innovation awards",
            "Relicensing of AHSNs confirmed"
        ]
    );
    // AND binds tighter than OR.
    assert_eq!(
        titles(&sb, &["diagnostics", "OR", "awards", "tag:hin"]).len(),
        4
    );
    assert_eq!(
        titles(&sb, &["(diagnostics", "OR", "awards)", "tag:hin"]).len(),
        2
    );
    let out = sb
        .cmd()
        .args(["search", "title:relicensing"])
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn a_bad_query_is_a_usage_error_with_its_position() {
    let (_server, sb) = setup();
    let out = sb
        .cmd()
        .args(["list", "tag:nhs (diagnostics"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid query: unclosed parenthesis"), "{err}");
    assert!(err.contains("tag:nhs (diagnostics\n          ^"), "{err}");
    let out = sb.cmd().args(["list", "--view", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
