//! `tidings import` on files written the way other readers write them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;
use std::path::{Path, PathBuf};
use tidings::config::Config;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn import(sb: &Sandbox, file: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = sb
        .cmd()
        .arg("import")
        .arg(file)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn feed<'a>(c: &'a Config, name: &str) -> &'a tidings::config::FeedConfig {
    c.feeds
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no feed {name}"))
}

#[test]
fn newsboat_urls_every_form() {
    let sb = Sandbox::new();
    let (code, out, err) = import(&sb, &fixture("newsboat-urls"), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("added 8 feeds and 6 views to "), "{out}");
    let c = Config::load(&sb.config()).unwrap();
    assert_eq!(c.feeds.len(), 8);
    let nhs = feed(&c, "NHS England news");
    assert_eq!(nhs.url.as_str(), "https://www.england.nhs.uk/feed/");
    // The second line for the same URL adds its tag.
    assert_eq!(nhs.tags, ["nhs", "duplicate"]);
    assert_eq!(feed(&c, "Digital Health").tags, ["digital-health"]);
    assert_eq!(feed(&c, "nihr.ac.uk").tags, ["research", "hidden"]);
    assert_eq!(feed(&c, "Le Monde — Santé").tags, ["actualités"]);
    assert_eq!(feed(&c, "A \"quoted\" title").tags, ["tabbed"]);
    // Untitled feeds are named by host, and the names stay unique.
    assert_eq!(
        feed(&c, "bmj.com (2)").url.as_str(),
        "http://www.bmj.com/rss/recent.xml"
    );
    let views: Vec<_> = c
        .views
        .iter()
        .map(|v| (v.name.as_str(), v.text.as_str()))
        .collect();
    assert_eq!(
        views,
        [
            ("Unread NHS", "is:unread tag:nhs"),
            ("This week", "since:7d"),
            (
                "Starred research",
                "is:starred (tag:research OR feed:=\"NIHR\")"
            ),
            ("Budget news", "title:budget author:smith"),
            ("Not digital", "-tag:digital is:unread"),
            ("Old ones", "since:61d before:30d"),
        ]
    );
    assert!(out.contains("skipped 5:"), "{out}");
    assert!(out.contains("- exec:~/bin/fetch-intranet-news.sh: exec: runs a command"));
    assert!(out.contains("add https://www.example.com/broken-feed.xml itself"));
    assert!(out.contains("scheme \"ftp\" is not supported"));
    assert!(out.contains("warning: 2 queries were not added"), "{out}");
    assert!(out.contains("\"Regex titles\"") && out.contains("regular expression"));
    assert!(out.contains("\"Long reads\": content_length > 5000"));
    // A new config starts with a pointer to the docs.
    let text = std::fs::read_to_string(sb.config()).unwrap();
    assert!(text.starts_with("# tidings configuration"), "{text}");
    // Importing again adds nothing and leaves the file as it was.
    let (code, out, _) = import(&sb, &fixture("newsboat-urls"), &[]);
    assert_eq!(code, 0);
    assert!(out.starts_with("added 0 feeds and 0 views"), "{out}");
    assert_eq!(std::fs::read_to_string(sb.config()).unwrap(), text);
}

#[test]
fn opml_into_the_example_config_keeps_its_comments() {
    let sb = Sandbox::new();
    std::fs::write(sb.config(), tidings::config::EXAMPLE).unwrap();
    let (code, out, err) = import(&sb, &fixture("feedly.opml"), &[]);
    assert_eq!(code, 0, "{err}");
    // NHS England, DHSC, Digital Health, NIHR and BMJ are in the example.
    assert!(out.starts_with("added 1 feed and 0 views"), "{out}");
    assert_eq!(out.matches("already in the config").count(), 5, "{out}");
    let text = std::fs::read_to_string(sb.config()).unwrap();
    let mut lines = text.lines();
    for line in tidings::config::EXAMPLE.lines() {
        assert!(lines.any(|l| l == line), "lost {line:?}:\n{text}");
    }
    let c = Config::load(&sb.config()).unwrap();
    let kf = feed(&c, "The King's Fund & friends");
    assert_eq!(kf.tags, ["Digital-Health"]);
    assert!(text.contains(
        "# Imported from feedly.opml (OPML)\n[[feed]]\nname = \"The King's Fund & friends\""
    ));
    let (_, out, _) = import(&sb, &fixture("feedly.opml"), &[]);
    assert!(out.starts_with("added 0 feeds and 0 views"), "{out}");
    assert_eq!(std::fs::read_to_string(sb.config()).unwrap(), text);
}

#[test]
fn nested_opml_with_odd_entries() {
    let sb = Sandbox::new();
    let (code, out, err) = import(&sb, &fixture("netnewswire-nested.opml"), &[]);
    assert_eq!(code, 0, "{err}");
    let c = Config::load(&sb.config()).unwrap();
    let names: Vec<_> = c.feeds.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Health Innovation Network",
            "Health Innovation Yorkshire & Humber",
            "blog.example.org",
            "news.example.net",
            "Le Monde — Santé",
            "NHS England",
            "厚生労働省 新着情報",
            "Scottish Government",
            "HIN North East (web page only)",
        ]
    );
    assert_eq!(
        feed(&c, "Health Innovation Yorkshire & Humber").tags,
        ["Health-&-Care", "Innovation-networks", "Regional"]
    );
    assert_eq!(feed(&c, "厚生労働省 新着情報").tags, ["日本語ニュース"]);
    // Listed three times: in a folder, at the top, and as a copy.
    assert_eq!(feed(&c, "NHS England").tags, ["Actualités-santé"]);
    assert_eq!(out.matches("listed again in the file").count(), 2, "{out}");
    assert_eq!(feed(&c, "Scottish Government").tags, ["gov", "scotland"]);
    assert_eq!(
        feed(&c, "news.example.net").url.as_str(),
        "http://news.example.net/rss?lang=fr&section=sant%C3%A9"
    );
    assert!(out.contains("note: a web page (no xmlUrl)"), "{out}");
    assert!(out.contains("- Old gopher feed: invalid URL"), "{out}");
}

#[test]
fn invalid_opml_is_an_error_with_its_position() {
    let sb = Sandbox::new();
    std::fs::write(sb.config(), "# mine\n").unwrap();
    let (code, out, err) = import(&sb, &fixture("invalid.opml"), &[]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(
        err.contains(
            "invalid.opml:9:5: </outlin> does not close <outline> (opened on line 7, column 5)"
        ),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(sb.config()).unwrap(), "# mine\n");
    let (code, _, err) = import(&sb, &fixture("missing.opml"), &[]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn dry_run_prints_toml_and_changes_nothing() {
    let sb = Sandbox::new();
    std::fs::write(sb.config(), "[settings]\nconcurrency = 4\n").unwrap();
    let out = sb
        .cmd()
        .args(["import", "--dry-run"])
        .arg(fixture("feedly.opml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let toml = String::from_utf8(out.stdout).unwrap();
    let c = Config::parse(Path::new("dry.toml"), &toml).unwrap();
    assert_eq!(c.feeds.len(), 6);
    assert_eq!(feed(&c, "NHS England » News").tags, ["NHS"]);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("would add 6 feeds"));
    assert_eq!(
        std::fs::read_to_string(sb.config()).unwrap(),
        "[settings]\nconcurrency = 4\n"
    );
}

#[test]
fn an_invalid_config_is_not_touched() {
    let sb = Sandbox::new();
    std::fs::write(sb.config(), "[settings]\nconcurency = 4\n").unwrap();
    let (code, _, err) = import(&sb, &fixture("feedly.opml"), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `concurency`"), "{err}");
}

#[test]
fn imported_feeds_fetch() {
    let server = TestServer::start();
    let rss = |title: &str| {
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>\
             <item><guid>{title}-1</guid><title>{title} first</title>\
             <link>https://example.test/{title}</link></item></channel></rss>"
        )
    };
    server.route("/a.xml", Route::file(rss("Alpha"), "application/rss+xml"));
    server.route("/b.xml", Route::file(rss("Beta"), "application/rss+xml"));
    let sb = Sandbox::new();
    let opml = sb.dir.path().join("subs.opml");
    std::fs::write(
        &opml,
        format!(
            "<?xml version=\"1.0\"?><opml version=\"2.0\"><head><title>s</title></head><body>\
             <outline text=\"News\"><outline text=\"Alpha\" type=\"rss\" xmlUrl=\"{}\"/></outline>\
             <outline text=\"Beta\" type=\"rss\" xmlUrl=\"{}\"/></body></opml>",
            server.url("/a.xml"),
            server.url("/b.xml")
        ),
    )
    .unwrap();
    let (code, _, err) = import(&sb, &opml, &[]);
    assert_eq!(code, 0, "{err}");
    sb.cmd().args(["fetch", "--quiet"]).assert().success();
    let list = sb.list_json(&["tag:News"]);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["title"], "Alpha first");
    assert_eq!(sb.list_json(&[]).len(), 2);
}

/// The tables newsboat's cache.db has (as newsboat's cache.cpp creates and
/// migrates them), with its items as (feedurl, guid, url, unread, flags).
fn newsboat_cache(path: &Path, items: &[(&str, &str, &str, i64, Option<&str>)]) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE rss_feed (
             rssurl VARCHAR(1024) PRIMARY KEY NOT NULL, url VARCHAR(1024) NOT NULL,
             title VARCHAR(1024) NOT NULL, lastmodified INTEGER(11) NOT NULL DEFAULT 0,
             is_rtl INTEGER(1) NOT NULL DEFAULT 0, etag VARCHAR(128) NOT NULL DEFAULT \"\");
         CREATE TABLE rss_item (
             id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, guid VARCHAR(64) NOT NULL,
             title VARCHAR(1024) NOT NULL, author VARCHAR(1024) NOT NULL,
             url VARCHAR(1024) NOT NULL, feedurl VARCHAR(1024) NOT NULL,
             pubDate INTEGER NOT NULL, content VARCHAR(65535) NOT NULL,
             unread INTEGER(1) NOT NULL, enclosure_url VARCHAR(1024),
             enclosure_type VARCHAR(1024), enqueued INTEGER(1) NOT NULL DEFAULT 0,
             flags VARCHAR(52), deleted INTEGER(1) NOT NULL DEFAULT 0,
             base VARCHAR(128) NOT NULL DEFAULT \"\");
         CREATE TABLE metadata (db_schema_version_major INTEGER NOT NULL,
             db_schema_version_minor INTEGER NOT NULL);
         INSERT INTO metadata VALUES (2, 38);",
    )
    .unwrap();
    for (feedurl, guid, url, unread, flags) in items {
        conn.execute(
            "INSERT OR IGNORE INTO rss_feed (rssurl, url, title) VALUES (?1, '', 'feed')",
            [feedurl],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO rss_item (guid, title, author, url, feedurl, pubDate, content, unread, flags)
             VALUES (?1, 't', '', ?2, ?3, 0, '', ?4, ?5)",
            rusqlite::params![guid, url, feedurl, unread, flags],
        )
        .unwrap();
    }
}

/// (title, read, starred) of every cached article, by title.
fn states(sb: &Sandbox) -> Vec<(String, bool, bool)> {
    let mut v: Vec<_> = sb
        .list_json(&[])
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap().to_string(),
                a["read"].as_bool().unwrap(),
                a["starred"].as_bool().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn newsboat_cache_carries_read_and_starred() {
    let server = TestServer::start();
    let rss = |items: &[&str]| {
        let mut s =
            String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>");
        for g in items {
            s.push_str(&format!(
                "<item><guid>{g}</guid><title>{g}</title><link>http://example.test/{g}</link></item>"
            ));
        }
        s + "</channel></rss>"
    };
    server.route(
        "/a.xml",
        Route::file(rss(&["a1", "a2", "a3", "a4"]), "application/rss+xml"),
    );
    server.route("/b.xml", Route::file(rss(&["b1"]), "application/rss+xml"));
    let (a, b) = (server.url("/a.xml"), server.url("/b.xml"));
    let sb = Sandbox::new();
    sb.write_config("", &[("A", &a), ("B", &b)]);
    sb.cmd().args(["fetch", "--quiet"]).assert().success();
    // a4 is read and starred here; newsboat's "unread, unstarred" must not undo that.
    let a4 = sb.list_json(&["title:a4"])[0]["id"].as_i64().unwrap();
    sb.cmd()
        .args(["mark-read", &a4.to_string()])
        .assert()
        .success();
    sb.cmd().args(["star", &a4.to_string()]).assert().success();

    let nb = sb.dir.path().join("newsboat-cache.db");
    newsboat_cache(
        &nb,
        &[
            (&a, "a1", "http://example.test/a1", 0, None),
            // Another guid: matched by its link within the feed.
            (&a, "urn:other", "http://example.test/a2", 1, Some("s")),
            (&a, "a3", "http://example.test/a3", 1, Some("")),
            (&a, "a4", "http://example.test/a4", 1, None),
            (&b, "b1", "http://example.test/b1", 0, Some("as")),
            // The right guid under another feed does not match.
            (&b, "a3", "http://example.test/x", 0, None),
            (&a, "gone", "http://example.test/gone", 0, None),
            (
                "http://elsewhere.test/feed",
                "z",
                "http://z.test/",
                0,
                Some("s"),
            ),
        ],
    );
    let before = std::fs::read(&nb).unwrap();
    let untouched = vec![
        ("a1".to_string(), false, false),
        ("a2".to_string(), false, false),
        ("a3".to_string(), false, false),
        ("a4".to_string(), true, true),
        ("b1".to_string(), false, false),
    ];
    assert_eq!(states(&sb), untouched);

    let run = |extra: &[&str]| {
        let out = sb
            .cmd()
            .args(["import", "--newsboat-cache"])
            .arg(&nb)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let out = run(&["--dry-run"]);
    assert!(
        out.starts_with(
            "2 would be marked read, 2 would be starred, 3 newsboat articles had no match \
             (fetch first: articles must be in the cache)"
        ),
        "{out}"
    );
    assert_eq!(states(&sb), untouched);

    let out = run(&[]);
    assert_eq!(
        out,
        "2 marked read, 2 starred, 3 newsboat articles had no match \
         (fetch first: articles must be in the cache)\n"
    );
    assert_eq!(
        states(&sb),
        [
            ("a1".to_string(), true, false),
            ("a2".to_string(), false, true),
            ("a3".to_string(), false, false),
            ("a4".to_string(), true, true),
            ("b1".to_string(), true, true),
        ]
    );
    // Again: nothing left to change. The newsboat file is never written.
    let out = run(&[]);
    assert!(
        out.starts_with("0 marked read, 0 starred, 3 newsboat"),
        "{out}"
    );
    assert_eq!(std::fs::read(&nb).unwrap(), before);
}

#[test]
fn not_a_newsboat_cache_is_an_error() {
    let sb = Sandbox::new();
    sb.write_config("", &[]);
    let run = |path: &Path| {
        let out = sb
            .cmd()
            .args(["import", "--newsboat-cache"])
            .arg(path)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let text = sb.dir.path().join("urls");
    std::fs::write(&text, "https://example.test/feed.xml\n".repeat(50)).unwrap();
    let (code, err) = run(&text);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("urls is not a newsboat cache"), "{err}");

    let other = sb.dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE rss_feed (rssurl TEXT); CREATE TABLE items (x);")
        .unwrap();
    drop(conn);
    let (code, err) = run(&other);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("other.db is not a newsboat cache (no rss_item table)"),
        "{err}"
    );

    let (code, err) = run(&sb.dir.path().join("missing.db"));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cannot open"), "{err}");
    assert!(!sb.dir.path().join("missing.db").exists());

    // Neither a FILE nor --newsboat-cache is a usage error.
    let out = sb.cmd().arg("import").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn file_and_newsboat_cache_together() {
    let sb = Sandbox::new();
    sb.write_config("", &[]);
    let nb = sb.dir.path().join("cache.db.newsboat");
    newsboat_cache(
        &nb,
        &[("http://a.test/feed", "g", "http://a.test/g", 0, None)],
    );
    // A dry run keeps stdout to the TOML; the state report goes to stderr.
    let out = sb
        .cmd()
        .args(["import", "--dry-run", "--newsboat-cache"])
        .arg(&nb)
        .arg(fixture("feedly.opml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let toml = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        Config::parse(Path::new("dry.toml"), &toml)
            .unwrap()
            .feeds
            .len(),
        6
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("would add 6 feeds"), "{err}");
    assert!(
        err.contains("0 would be marked read, 0 would be starred, 1 newsboat article had no match"),
        "{err}"
    );
    assert!(Config::load(&sb.config()).unwrap().feeds.is_empty());
    // For real: the feeds are added, and the unfetched article matches nothing.
    let out = sb
        .cmd()
        .args(["import", "--newsboat-cache"])
        .arg(&nb)
        .arg(fixture("feedly.opml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(out.starts_with("added 6 feeds"), "{out}");
    assert!(
        out.contains("\n0 marked read, 0 starred, 1 newsboat article had no match"),
        "{out}"
    );
    assert_eq!(Config::load(&sb.config()).unwrap().feeds.len(), 6);
}
