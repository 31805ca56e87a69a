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

/// Runs tidings with `args` and returns (exit code, stdout, stderr).
fn run(sb: &Sandbox, args: &[&str]) -> (Option<i32>, String, String) {
    let out = sb.cmd().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_len(sb: &Sandbox, args: &[&str]) -> usize {
    let (code, out, err) = run(sb, args);
    assert_eq!(code, Some(0), "{args:?}: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    v.as_array().unwrap().len()
}

#[test]
fn options_are_recognised_anywhere_on_the_line() {
    let server = TestServer::start();
    let mut gov = Vec::new();
    for i in 1..=8 {
        let body = if i > 6 {
            "Pharmacy pilots."
        } else {
            "Sequencing."
        };
        gov.push(item(
            &format!("g{i}"),
            &format!("Genomics update {i}"),
            body,
            i,
        ));
    }
    server.route("/gov.xml", rss(&gov));
    server.route(
        "/pharm.xml",
        rss(&[item("p1", "Pharmacy opening hours", "Weekends.", 1)]),
    );
    let sb = Sandbox::new();
    let text = format!(
        "[[feed]]\nname = \"Gov\"\nurl = \"{}\"\ntags = [\"gov\"]\n\n\
         [[feed]]\nname = \"Pharm\"\nurl = \"{}\"\n",
        server.url("/gov.xml"),
        server.url("/pharm.xml")
    );
    std::fs::write(sb.config(), text).unwrap();
    sb.cmd().arg("fetch").assert().success();

    // After the query, before it, between its words, and with values.
    assert_eq!(
        json_len(&sb, &["list", "genomics", "--json", "--limit", "5"]),
        5
    );
    assert_eq!(json_len(&sb, &["list", "--json", "genomics", "-n", "3"]), 3);
    assert_eq!(json_len(&sb, &["search", "genomics", "-n2", "--json"]), 2);
    assert_eq!(
        json_len(&sb, &["list", "genomics", "--limit=4", "--json"]),
        4
    );
    assert_eq!(json_len(&sb, &["list", "genomics", "--json", "update"]), 8);
    assert_eq!(count(&sb, &["genomics", "--feed", "gov", "update"]), "8");
    assert_eq!(count(&sb, &["pharmacy", "--unread"]), "3");
    // A single-dash word that is not a short option negates, wherever it is.
    assert_eq!(
        json_len(&sb, &["list", "genomics", "-pharmacy", "--json"]),
        6
    );
    assert_eq!(
        json_len(&sb, &["list", "-pharmacy", "--json", "genomics"]),
        6
    );
    assert_eq!(count(&sb, &["-tag:gov"]), "1");
    assert_eq!(count(&sb, &["-nhs", "pharmacy"]), "3");
    // `--` ends the options: what follows is query text.
    assert_eq!(count(&sb, &["--", "-tag:gov"]), "1");
    assert_eq!(json_len(&sb, &["list", "--json", "--", "-tag:gov"]), 1);
    assert_eq!(
        json_len(&sb, &["list", "--json", "genomics", "--", "-pharmacy"]),
        6
    );
    // An unknown long option is an error that names it.
    for args in [
        &["list", "genomics", "--jsn"][..],
        &["count", "--wat", "genomics"],
        &["list", "genomics", "--wat=1"],
    ] {
        let (code, out, err) = run(&sb, args);
        assert_eq!(code, Some(2), "{args:?}: {out}");
        let bad = args.iter().find(|a| a.starts_with("--")).unwrap();
        let name = bad.split('=').next().unwrap();
        assert!(err.contains(name), "{args:?}: {err}");
        assert!(out.is_empty(), "{out}");
    }
    // An option's value is not taken for a query word, nor the reverse.
    let (code, _, err) = run(&sb, &["list", "genomics", "--limit"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--limit"), "{err}");
}
