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
