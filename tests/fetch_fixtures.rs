//! Every shared fixture feed, served on 127.0.0.1 and fetched by the real
//! binary, compared with what an independent parser (feedparser) found.

mod common;

use common::server::TestServer;
use common::Sandbox;
use serde_json::Value;
use std::collections::BTreeMap;

/// Feeds where we rightly differ from feedparser, and why.
const EXPECTED_DIFFERENCES: &[(&str, &str)] = &[
    (
        "feedrs-atom_example_7.xml",
        "the entry has no link; feedparser offers its tag: id as the link, \
         which no browser can open, so we leave the link empty",
    ),
    (
        "feedparser-encoding_utf-16le-bom.xml",
        "after decoding UTF-16 the document is `<rss></rss>` with no channel; \
         feedparser calls that an empty feed, we report it as not a feed \
         (UTF-16 decoding itself is tested in fetch::parse)",
    ),
    (
        "rsparser-scriptingNews.rss",
        "two guids appear twice in the document; an article's identity is \
         (feed, guid), so each is stored once: 48 articles, not 50",
    ),
];

/// feedparser keeps HTML titles as HTML; we show every title as one line
/// of plain text (tags dropped, references decoded, spaces collapsed).
fn plain(title: &str) -> String {
    tidings::fetch::parse::html_to_text(title)
}

/// Links compare as URLs: feedparser leaves relative links unresolved (it
/// parsed a file, not a URL) and does not normalise case or trailing slashes.
fn normalise(link: &str, base: &str) -> String {
    url::Url::parse(base)
        .and_then(|b| b.join(link))
        .map(String::from)
        .unwrap_or_else(|_| link.to_string())
}

#[test]
fn fixtures_match_the_oracle() {
    let dir = common::shared().join("fixtures/feeds");
    let oracle: BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ORACLE.json")).unwrap()).unwrap();
    let server = TestServer::start();
    server.serve_dir("/f", &dir);
    let sandbox = Sandbox::new();
    let names: Vec<String> = oracle.keys().cloned().collect();
    let urls: Vec<String> = names
        .iter()
        .map(|n| server.url(&format!("/f/{n}")))
        .collect();
    let feeds: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(urls.iter().map(String::as_str))
        .collect();
    // Each feed is compared whole: copies of one story stay listed.
    sandbox.write_config("group_stories = false", &feeds);
    let out = sandbox.cmd().arg("fetch").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();

    assert!(!stderr.contains("panicked"), "{stderr}");
    let articles = sandbox.list_json(&[]);
    let feeds_out = sandbox.cmd().args(["feeds", "--json"]).output().unwrap();
    let feeds: Vec<Value> = serde_json::from_slice(&feeds_out.stdout).unwrap();
    let mut problems = Vec::new();
    for (name, o) in &oracle {
        let ours: Vec<&Value> = articles
            .iter()
            .filter(|a| a["feed"] == name.as_str())
            .collect();
        let failed = stderr
            .lines()
            .find(|l| l.starts_with(&format!("failed: {name} ")));
        let well_formed = o["bozo"] == false;
        let expected = o["entries"].as_array().map_or(0, Vec::len);
        if let Some(line) = failed {
            if well_formed {
                problems.push(format!("{name}: failed: {line}"));
            }
            continue;
        }
        if !well_formed {
            continue;
        }
        let title = feeds
            .iter()
            .find(|f| f["name"] == name.as_str())
            .map(|f| &f["title"]);
        let their_title = o["feed_title"].as_str().map(plain);
        if title.and_then(Value::as_str).map(str::to_string) != their_title {
            problems.push(format!(
                "{name}: feed title {title:?} vs oracle {their_title:?}"
            ));
        }
        if ours.len() != expected {
            problems.push(format!("{name}: {} entries, oracle {expected}", ours.len()));
            continue;
        }
        let mut their: Vec<(String, String)> = o["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    plain(e["title"].as_str().unwrap_or("")),
                    e["link"]
                        .as_str()
                        .map(|l| {
                            if l.is_empty() {
                                String::new()
                            } else {
                                normalise(l, &server.url(&format!("/f/{name}")))
                            }
                        })
                        .unwrap_or_default(),
                )
            })
            .collect();
        let mut mine: Vec<(String, String)> = ours
            .iter()
            .map(|a| {
                // Where feedparser finds no title, tidings makes one and
                // marks it derived: that stands for feedparser's none.
                let title = if a["title_derived"] == true {
                    ""
                } else {
                    a["title"].as_str().unwrap_or("")
                };
                (
                    title.to_string(),
                    a["link"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        their.sort();
        mine.sort();
        for (t, m) in their.iter().zip(&mine) {
            if t.0 != m.0 {
                problems.push(format!("{name}: title {:?} vs oracle {:?}", m.0, t.0));
            }
            if t.1 != m.1 {
                problems.push(format!("{name}: link {:?} vs oracle {:?}", m.1, t.1));
            }
        }
    }
    // Malformed documents fail alone, each with its own error line.
    for line in stderr.lines().filter(|l| l.starts_with("failed: ")) {
        eprintln!("{line}");
    }
    // A listed difference that no longer occurs must leave the list.
    let stale: Vec<&str> = EXPECTED_DIFFERENCES
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !problems.iter().any(|p| p.starts_with(&format!("{n}:"))))
        .collect();
    assert!(stale.is_empty(), "now agree with the oracle on {stale:?}");
    let unexplained: Vec<&String> = problems
        .iter()
        .filter(|p| {
            !EXPECTED_DIFFERENCES
                .iter()
                .any(|(n, _)| p.starts_with(&format!("{n}:")))
        })
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} differences:\n{}",
        unexplained.len(),
        unexplained
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
