//! The conformance set: small feed documents in tests/fixtures/conformance/
//! (one folder per kind of problem), each beside `NAME.expect.json` that
//! says what a liberal reader (feedparser's documented behaviour) finds.
//!
//! Expectation keys: `content_type` (as served), `feed_title`, `error` (a
//! phrase of the expected error), `warnings` (phrases), `count` (the exact
//! number of articles), `note` (where and why tidings deliberately reads a
//! document differently from feedparser) and `entries`, in order, each with
//! any of `title`, `title_derived` (tidings made the title: the source gave
//! none), `link`, `author`, `date` (RFC 3339, UTC), `guid`, `body` (a phrase
//! of the stored HTML), `body_not` and `content` (a phrase of the content
//! alone). A key that is present with `null` means "absent".

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tidings::fetch::parse::parse_document;
use tidings::model::{ParsedArticle, ParsedFeed};

/// Documents we knowingly read differently from feedparser, and why.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conformance")
}

/// Every (category, name, document path, expectation).
fn documents() -> Vec<(String, String, PathBuf, Value)> {
    let mut out = Vec::new();
    let mut cats: Vec<_> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cats.sort();
    for cat in cats {
        let mut files: Vec<_> = std::fs::read_dir(&cat)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.to_string_lossy().ends_with(".expect.json"))
            .collect();
        files.sort();
        for doc in files {
            let stem = doc.file_stem().unwrap().to_string_lossy().to_string();
            let expect = cat.join(format!("{stem}.expect.json"));
            let expect: Value =
                serde_json::from_str(&std::fs::read_to_string(&expect).unwrap()).unwrap();
            let name = cat.file_name().unwrap().to_string_lossy().to_string();
            out.push((name, stem, doc, expect));
        }
    }
    out
}

fn opt(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

fn check_entry(a: &ParsedArticle, want: &Value, problems: &mut Vec<String>, i: usize) {
    let Some(want) = want.as_object() else { return };
    let body = a.content.as_deref().or(a.summary.as_deref()).unwrap_or("");
    for (key, w) in want {
        let got = match key.as_str() {
            "title" => Value::String(a.title.clone()),
            "title_derived" => Value::Bool(a.title_derived),
            "content" => {
                let content = a.content.as_deref().unwrap_or("");
                if !content.contains(w.as_str().unwrap_or("")) {
                    problems.push(format!("entry {i}: content {content:?} lacks {w}"));
                }
                continue;
            }
            "link" => opt(&a.link),
            "author" => opt(&a.author),
            "guid" => Value::String(a.guid.clone()),
            "date" => opt(&a.published.map(|d| d.to_rfc3339().replace("+00:00", "Z"))),
            "body" => {
                if !body.contains(w.as_str().unwrap_or("")) {
                    problems.push(format!("entry {i}: body {body:?} lacks {w}"));
                }
                continue;
            }
            "body_not" => {
                if body.contains(w.as_str().unwrap_or("")) {
                    problems.push(format!("entry {i}: body {body:?} holds {w}"));
                }
                continue;
            }
            other => panic!("unknown expectation key {other}"),
        };
        if &got != w {
            problems.push(format!("entry {i}: {key} {got} , expected {w}"));
        }
    }
}

fn check(result: &Result<ParsedFeed, String>, expect: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let feed = match (result, expect.get("error")) {
        (Err(e), Some(want)) => {
            let want = want.as_str().unwrap_or("").to_lowercase();
            if !e.to_lowercase().contains(&want) {
                problems.push(format!("error {e:?} lacks {want:?}"));
            }
            return problems;
        }
        (Ok(_), Some(want)) => {
            problems.push(format!("parsed, but an error with {want} was expected"));
            return problems;
        }
        (Err(e), None) => {
            problems.push(format!("failed: {e}"));
            return problems;
        }
        (Ok(feed), None) => feed,
    };
    if let Some(want) = expect.get("feed_title") {
        if &opt(&feed.title) != want {
            problems.push(format!("feed title {:?}, expected {want}", feed.title));
        }
    }
    for w in expect
        .get("warnings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let w = w.as_str().unwrap_or("");
        if !feed.warnings.iter().any(|x| x.contains(w)) {
            problems.push(format!("no warning with {w:?} in {:?}", feed.warnings));
        }
    }
    if let Some(n) = expect.get("count").and_then(Value::as_u64) {
        if feed.articles.len() as u64 != n {
            problems.push(format!("{} articles, expected {n}", feed.articles.len()));
        }
    }
    if let Some(entries) = expect.get("entries").and_then(Value::as_array) {
        if entries.len() > feed.articles.len() {
            problems.push(format!(
                "{} entries, expected at least {}",
                feed.articles.len(),
                entries.len()
            ));
        }
        for (i, (a, w)) in feed.articles.iter().zip(entries).enumerate() {
            check_entry(a, w, &mut problems, i);
        }
    }
    problems
}

#[test]
fn conformance_set() {
    let docs = documents();
    let mut by_cat: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (cat, name, path, expect) in &docs {
        let body = std::fs::read(path).unwrap();
        let base = url::Url::parse(&format!("http://example.test/feeds/{name}")).unwrap();
        let ct = expect.get("content_type").and_then(Value::as_str);
        let result = parse_document(&body, ct, &base).map_err(|e| e.to_string());
        let problems = check(&result, expect);
        let tally = by_cat.entry(cat.clone()).or_default();
        tally.1 += 1;
        let id = format!("{cat}/{name}");
        if problems.is_empty() {
            tally.0 += 1;
        } else if !KNOWN_DIFFERENCES.iter().any(|(n, _)| *n == id) {
            failures.push(format!("{id}: {}", problems.join("; ")));
        }
    }
    for (cat, (pass, total)) in &by_cat {
        eprintln!("{cat:<24} {pass:>3}/{total:<3}");
    }
    assert!(docs.len() >= 80, "the set has {} documents", docs.len());
    assert!(
        by_cat.values().all(|(_, total)| *total >= 10),
        "each category needs 10 documents: {by_cat:?}"
    );
    assert!(
        failures.is_empty(),
        "{} documents read wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Documents whose encoding comes from the HTTP header, fetched and stored
/// by the real binary.
#[test]
fn encodings_served_end_to_end() {
    let server = TestServer::start();
    let enc = dir().join("encodings");
    let cases = [
        ("http-cp1252-no-decl.xml", "text/xml; charset=windows-1252"),
        (
            "http-koi8r-atom.xml",
            "application/atom+xml; charset=koi8-r",
        ),
        ("undeclared-big5.xml", "application/rss+xml"),
    ];
    let mut feeds = Vec::new();
    for (file, ct) in cases {
        server.route(
            &format!("/{file}"),
            Route::file(std::fs::read(enc.join(file)).unwrap(), ct),
        );
        feeds.push((file, server.url(&format!("/{file}"))));
    }
    let sandbox = Sandbox::new();
    let pairs: Vec<(&str, &str)> = feeds.iter().map(|(n, u)| (*n, u.as_str())).collect();
    // The same items in several encodings: each copy is listed.
    sandbox.write_config("group_stories = false", &pairs);
    let out = sandbox.cmd().arg("fetch").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let articles = sandbox.list_json(&[]);
    for (file, _) in cases {
        let stem = file.trim_end_matches(".xml");
        let expect: Value = serde_json::from_str(
            &std::fs::read_to_string(enc.join(format!("{stem}.expect.json"))).unwrap(),
        )
        .unwrap();
        let want = expect["entries"][0]["title"].as_str().unwrap();
        assert!(
            articles
                .iter()
                .any(|a| a["feed"] == file && a["title"] == want),
            "{file}: no article titled {want:?} in {articles:?}"
        );
    }
}

/// Items with no guid, link or date that share a title stay distinct by
/// their text, an unchanged item fetched again is recognised, and a parse
/// warning reaches `tidings feeds`.
#[test]
fn identity_and_warnings_end_to_end() {
    let item = |body: &str| {
        format!("<item><title>Service update</title><description>{body}</description></item>")
    };
    let doc = format!(
        "<rss version=\"2.0\"><channel><title>Status</title>{}{}{}</channel></rss>",
        item("Mail is slow."),
        item("Mail is back."),
        item("Planned work tonight.")
    );
    let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>Odd</title>
        <entry><id>urn:1</id><title>One</title><content type="">Kept as text</content></entry></feed>"#;
    let server = TestServer::start();
    server.route(
        "/status.xml",
        Route::file(doc.clone(), "application/rss+xml"),
    );
    server.route("/odd.xml", Route::file(atom, "application/atom+xml"));
    let sandbox = Sandbox::new();
    let status = server.url("/status.xml");
    let odd = server.url("/odd.xml");
    sandbox.write_config("", &[("status", &status), ("odd", &odd)]);
    let fetch = || {
        let out = sandbox.cmd().args(["fetch", "--force"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    fetch();
    let feeds = sandbox.cmd().args(["feeds", "--json"]).output().unwrap();
    let feeds: Vec<Value> = serde_json::from_slice(&feeds.stdout).unwrap();
    let odd = feeds.iter().find(|f| f["name"] == "odd").unwrap();
    assert!(
        odd["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("unknown content type")),
        "{odd}"
    );
    // Changed on the server (no 304), the same three items again.
    server.route(
        "/status.xml",
        Route::file(format!("{doc}\n"), "application/rss+xml"),
    );
    fetch();
    let articles = sandbox.list_json(&[]);
    let updates = articles.iter().filter(|a| a["feed"] == "status").count();
    assert_eq!(updates, 3, "{articles:?}");
    assert_eq!(odd["total"], 1);
}
