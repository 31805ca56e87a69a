//! The command line as a user meets it: first run, bad configs, exit codes,
//! list/show output.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;

#[test]
fn first_run_writes_the_example_config() {
    let home = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("tidings")
        .unwrap()
        .args(["feeds"])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("cfg"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env_remove("TIDINGS_CONFIG")
        .env_remove("TIDINGS_CACHE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = home.path().join("cfg/tidings/config.toml");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("wrote an example config to") && err.contains(path.to_str().unwrap()),
        "{err}"
    );
    assert!(path.exists());
    assert!(home.path().join("cache/tidings/cache.db").exists());
    assert!(String::from_utf8_lossy(&out.stdout).contains("NHS England"));
}

#[test]
fn a_bad_config_is_exit_2_with_file_line_and_column() {
    let sb = Sandbox::new();
    std::fs::write(sb.config(), "[settings]\nconcurrency = 4\ncolour = true\n").unwrap();
    let out = sb.cmd().arg("fetch").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let expected = format!("{}:3:1: unknown field `colour`", sb.config().display());
    assert!(err.contains(&expected), "{err}");

    std::fs::write(
        sb.config(),
        "[[feed]]\nname = \"a\"\nurl = \"ftp://x.test/\"\n",
    )
    .unwrap();
    let out = sb.cmd().arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":3:7: invalid URL"));

    let missing = sb.dir.path().join("none.toml");
    let out = assert_cmd::Command::cargo_bin("tidings")
        .unwrap()
        .arg("--config")
        .arg(&missing)
        .arg("--cache")
        .arg(sb.cache())
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config"));
}

#[test]
fn usage_errors_are_exit_2() {
    let sb = Sandbox::new();
    sb.write_config("", &[("A", "http://127.0.0.1:9/a.xml")]);
    let out = sb.cmd().args(["fetch", "--feed", "Nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no feed named \"Nope\""));
    assert_eq!(
        sb.cmd()
            .args(["list", "--limit", "x"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        sb.cmd()
            .args(["show", "12345"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        sb.cmd()
            .args(["mark-read", "12345"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn list_json_show_and_hostile_text() {
    let server = TestServer::start();
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>\
        <item><guid>1</guid><title>Evil \u{1b}]0;pwned\u{7}title\u{1b}[2J</title><link>/a/1</link>\
        <author>ann@example.test (Ann)</author><pubDate>Fri, 26 May 2023 09:00:00 GMT</pubDate>\
        <description>&lt;p&gt;Read &lt;a href=\"https://example.test/more\"&gt;more&lt;/a&gt; here.&lt;/p&gt;</description></item>\
        <item><guid>2</guid><title>Undated</title></item></channel></rss>";
    server.route("/f.xml", Route::file(feed, "application/rss+xml"));
    let sb = Sandbox::new();
    sb.write_config("", &[("Feed", &server.url("/f.xml"))]);
    sb.cmd().arg("fetch").assert().success();
    let list = sb.list_json(&[]);
    assert_eq!(list.len(), 2);
    let a = list.iter().find(|a| a["published"].is_string()).unwrap();
    assert_eq!(a["published"], "2023-05-26T09:00:00Z");
    assert_eq!(a["feed"], "Feed");
    assert_eq!(a["link"], server.url("/a/1"));
    assert_eq!(a["read"], false);
    assert_eq!(a["starred"], false);
    for key in ["id", "title", "author"] {
        assert!(a.get(key).is_some(), "{key}");
    }
    let undated = list.iter().find(|a| a["title"] == "Undated").unwrap();
    assert!(undated["published"].is_null());

    let id = a["id"].to_string();
    let out = sb.cmd().args(["show", &id]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(text.contains("Title: Evil title"), "{text}");
    assert!(
        text.contains("[more][1]") && text.contains("[1]: https://example.test/more"),
        "{text}"
    );
    let out = sb.cmd().arg("list").output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
    let json = sb.cmd().args(["show", &id, "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(v["summary_html"].as_str().unwrap().contains("<a href"));
}

#[test]
fn show_wraps_to_a_width_and_json_has_the_body_twice() {
    let server = TestServer::start();
    let para = "Genomic medicine services expand across regions this year. ".repeat(6);
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>\
         <item><guid>1</guid><title>Long</title>\
         <description>&lt;p&gt;{para}&lt;/p&gt;&lt;p&gt;Second &lt;b&gt;one&lt;/b&gt;.&lt;/p&gt;</description>\
         </item></channel></rss>"
    );
    server.route("/f.xml", Route::file(feed, "application/rss+xml"));
    let sb = Sandbox::new();
    sb.write_config("", &[("Feed", &server.url("/f.xml"))]);
    sb.cmd().arg("fetch").assert().success();
    let id = sb.list_json(&[])[0]["id"].to_string();
    let show = |extra: &[&str]| {
        let out = sb.cmd().arg("show").arg(&id).args(extra).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let body_lines = |text: &str| -> Vec<String> {
        let body = text.split_once("\n\n").unwrap().1;
        body.lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    };
    // Not a terminal: 80 columns.
    let text = show(&[]);
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    assert!(body_lines(&text).len() > 3, "{text}");
    let text = show(&["--width", "40"]);
    assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
    assert!(body_lines(&text).len() > 8, "{text}");
    // 0: one line per paragraph, for piping.
    let text = show(&["--width", "0"]);
    let lines = body_lines(&text);
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("Genomic medicine") && lines[0].len() > 300,
        "{text}"
    );
    assert_eq!(lines[1], "Second **one**.");
    let out = sb
        .cmd()
        .args(["show", &id, "--width", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    let v: serde_json::Value = serde_json::from_str(&show(&["--json"])).unwrap();
    let body_text = v["body_text"].as_str().unwrap();
    assert_eq!(
        body_text.lines().filter(|l| !l.is_empty()).count(),
        2,
        "{v}"
    );
    assert!(body_text.contains("Second **one**."), "{v}");
    let body_html = v["body_html"].as_str().unwrap();
    assert!(body_html.contains("<b>one</b>"), "{v}");
    let v: serde_json::Value = serde_json::from_str(&show(&["--json", "--width", "30"])).unwrap();
    let body_text = v["body_text"].as_str().unwrap();
    assert!(body_text.lines().all(|l| l.chars().count() <= 30), "{v}");
}

/// One feed item per (guid, title, description), escaped for XML.
fn rss_items(items: &[(&str, &str, &str)]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut s =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>");
    for (guid, title, desc) in items {
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>{}</title><link>/a/{guid}</link>\
             <description>{}</description><pubDate>Fri, 26 May 2023 09:00:00 GMT</pubDate></item>",
            esc(title),
            esc(desc)
        ));
    }
    s.push_str("</channel></rss>");
    s
}

/// Characters that must not reach a terminal: controls (but newline),
/// bidi controls, invisibles (but the joiners in emoji sequences).
fn assert_no_hidden(s: &str) {
    for c in s.chars() {
        assert!(
            c == '\n' || c == '\u{200d}' || !tidings::sanitize::is_hidden(c),
            "{c:?} in output:\n{s}"
        );
    }
}

/// JSON escapes them all.
fn assert_json_escaped(s: &str) {
    assert!(
        !s.chars()
            .any(|c| c != '\n' && tidings::sanitize::is_hidden(c)),
        "{s}"
    );
}

#[test]
fn feed_text_reaches_list_show_and_json_safely() {
    let server = TestServer::start();
    // UTF-8 quotes read as windows-1252: the closing one ends in U+009D.
    let mojibake = "He said \u{e2}\u{20ac}\u{153}hello\u{e2}\u{20ac}\u{9d} and left end";
    let invisible = "pay\u{200b}pal\u{200d}\u{2060}\u{feff}\u{ad}\u{200e}\u{200f}\u{61c}\u{e0041} \
                     evil\u{202e}gpj.exe \u{1b}[31mred\u{7f}\u{9b}2J \u{1f3f3}\u{fe0f}\u{200d}\u{1f308}";
    let long = format!("Long {} tail", "x".repeat(200_000));
    let cjk = "日本語のニュース".repeat(10);
    let feed = rss_items(&[
        ("1", mojibake, "plain"),
        ("2", invisible, "one\u{2028}two\u{2029}three"),
        ("3", &long, "body"),
        ("4", &cjk, "body"),
    ]);
    server.route("/f.xml", Route::file(feed, "application/rss+xml"));
    let sb = Sandbox::new();
    sb.write_config("", &[("Feed", &server.url("/f.xml"))]);
    sb.cmd().arg("fetch").assert().success();

    // list: cleaned, nothing hidden, every line within 80 columns.
    let out = sb.cmd().arg("list").output().unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    assert_no_hidden(&list);
    assert!(
        list.contains("He said \u{e2}\u{20ac}\u{153}hello\u{e2}\u{20ac} and left end"),
        "{list}"
    );
    assert!(
        list.contains("paypal evilgpj.exe red2J \u{1f3f3}\u{fe0f}\u{200d}\u{1f308}"),
        "{list}"
    );
    for line in list.lines() {
        let w = tidings::text::width(line);
        assert!(w <= 80, "{w} columns: {line}");
    }
    let cjk_line = list.lines().find(|l| l.contains("日本語")).unwrap();
    assert!(tidings::text::width(cjk_line) >= 78, "{cjk_line}");

    // JSON: every hidden character escaped, the text itself unchanged.
    let out = sb.cmd().args(["list", "--json"]).output().unwrap();
    let raw = String::from_utf8(out.stdout).unwrap();
    assert_json_escaped(&raw);
    for esc in [
        "\\u009d",
        "\\u202e",
        "\\u200b",
        "\\u007f",
        "\\u009b",
        "\\u001b",
        "\\udb40\\udc41",
    ] {
        assert!(raw.contains(esc), "{esc} not escaped");
    }
    let rows: Vec<serde_json::Value> = serde_json::from_str(&raw).unwrap();
    let titles: Vec<&str> = rows.iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&mojibake) && titles.contains(&invisible));
    let id = |title: &str| rows.iter().find(|r| r["title"] == title).unwrap()["id"].to_string();
    let out = sb.cmd().args(["feeds", "--json"]).output().unwrap();
    assert_json_escaped(&String::from_utf8(out.stdout).unwrap());
    let out = sb
        .cmd()
        .args(["show", &id(invisible), "--json"])
        .output()
        .unwrap();
    let raw = String::from_utf8(out.stdout).unwrap();
    assert_json_escaped(&raw);
    assert!(raw.contains("\\u2028") && raw.contains("\\u2029"), "{raw}");

    // show: the body's separators break lines; nothing hidden.
    let out = sb.cmd().args(["show", &id(invisible)]).output().unwrap();
    let show = String::from_utf8(out.stdout).unwrap();
    assert_no_hidden(&show);
    assert!(show.contains("one\ntwo\n\nthree"), "{show}");

    // show: the 200,000-column title is wrapped at the width.
    let out = sb.cmd().args(["show", &id(&long)]).output().unwrap();
    let show = String::from_utf8(out.stdout).unwrap();
    assert!(
        show.starts_with("Title: Long\n       xxx"),
        "{}",
        &show[..200]
    );
    assert!(show.lines().all(|l| tidings::text::width(l) <= 80));
    assert_eq!(show.matches('x').count(), 200_000);
}

/// A cache as the tidings before compressed bodies left it: plain TEXT.
fn cache_with_plain_bodies(path: &std::path::Path, articles: i64) {
    use tidings::store::schema::MIGRATIONS;
    let conn = rusqlite::Connection::open(path).unwrap();
    let before = MIGRATIONS
        .iter()
        .position(|m| *m == tidings::store::BODIES_MIGRATION)
        .unwrap();
    for sql in &MIGRATIONS[..before] {
        conn.execute_batch(sql).unwrap();
    }
    conn.pragma_update(None, "user_version", before as i64)
        .unwrap();
    conn.execute(
        "INSERT INTO feeds (id, name, url) VALUES (1, 'A', 'http://127.0.0.1:9/a.xml')",
        [],
    )
    .unwrap();
    let words = ["wards", "beds", "nurse", "care", "home", "trust", "digital"];
    let tx = conn.unchecked_transaction().unwrap();
    for id in 1..=articles {
        let text: Vec<&str> = (0..80)
            .map(|k| words[((id + k * k) % 7) as usize])
            .collect();
        tx.execute(
            "INSERT INTO articles (id, feed_id, guid, title, first_seen, sort_time, content_hash)
             VALUES (?1, 1, ?1, ?2, 0, ?1, 0)",
            rusqlite::params![id, format!("Item {id}")],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO article_bodies (article_id, summary, content) VALUES (?1, ?2, ?3)",
            rusqlite::params![
                id,
                format!("<p>Summary of item {id}</p>"),
                format!("<p>Item {id} says {}</p>", text.join(" "))
            ],
        )
        .unwrap();
    }
    // Indexed as that schema's index was: the upgrade indexes them again.
    tx.execute_batch(
        "INSERT INTO articles_fts(rowid, title, body) SELECT id, title, '' FROM articles",
    )
    .unwrap();
    tx.commit().unwrap();
}

#[test]
fn an_old_cache_is_upgraded_once_saying_how_far_it_is() {
    let sb = Sandbox::new();
    sb.write_config("", &[("A", "http://127.0.0.1:9/a.xml")]);
    cache_with_plain_bodies(&sb.cache(), 1_500);
    let out = sb.cmd().args(["count", "wards"]).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("upgrading the cache: 0%"), "{err}");
    assert!(err.contains("upgrading the cache: 100%"), "{err}");
    let found = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(found.parse::<u32>().unwrap() > 0);
    // Once: the next run says nothing and finds the same.
    let out = sb.cmd().args(["count", "wards"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), found);
    let out = sb
        .cmd()
        .args(["show", "1234", "--width", "0"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("Item 1234 says"), "{shown}");
    let conn = rusqlite::Connection::open(sb.cache()).unwrap();
    let plain: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM article_bodies WHERE typeof(content) = 'text'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(plain, 0);
}
