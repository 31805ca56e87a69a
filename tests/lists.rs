//! Shared lists of sources, end to end through the binary, against lists
//! and feeds served on 127.0.0.1 inside each test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;
use serde_json::Value;

fn rss(prefix: &str, n: usize) -> String {
    let mut s =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>");
    for i in 0..n {
        s.push_str(&format!(
            "<item><guid>{prefix}-{i}</guid><title>{prefix} item {i}</title>\
             <link>/{prefix}/{i}</link><description>About {prefix} {i}</description>\
             <pubDate>Fri, 26 May 2023 09:0{i}:00 GMT</pubDate></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s
}

fn serve_feeds(server: &TestServer, names: &[&str]) {
    for n in names {
        server.route(
            &format!("/{n}.xml"),
            Route::file(rss(n, 3), "application/rss+xml"),
        );
    }
}

fn list_route(text: &str) -> Route {
    Route::file(text.as_bytes().to_vec(), "application/toml")
}

fn config_with_list(sb: &Sandbox, list_url: &str, extra: &str) {
    std::fs::write(
        sb.config(),
        format!("{extra}\n[[list]]\nname = \"Team\"\nurl = \"{list_url}\"\n"),
    )
    .unwrap();
}

fn fetch(sb: &Sandbox) -> (bool, String, String) {
    let out = sb.cmd().arg("fetch").output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn feeds_json(sb: &Sandbox) -> Vec<Value> {
    let out = sb.cmd().args(["feeds", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn names(feeds: &[Value]) -> Vec<String> {
    let mut n: Vec<String> = feeds
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    n.sort();
    n
}

#[test]
fn a_list_adds_feeds_and_a_view_then_304_then_offline_loses_nothing() {
    let server = TestServer::start();
    serve_feeds(&server, &["alpha", "beta"]);
    let list = format!(
        "[[feed]]\nname = \"Alpha\"\nurl = \"{}\"\ntags = [\"policy\"]\n\
         [[feed]]\nname = \"Beta\"\nurl = \"{}\"\n\
         [[view]]\nname = \"Team policy\"\nquery = \"tag:policy\"\n",
        server.url("/alpha.xml"),
        server.url("/beta.xml")
    );
    server.route("/team.toml", list_route(&list));
    let sb = Sandbox::new();
    config_with_list(&sb, &server.url("/team.toml"), "");

    let (ok, _, err) = fetch(&sb);
    assert!(ok, "{err}");
    let feeds = feeds_json(&sb);
    assert_eq!(names(&feeds), ["Alpha", "Beta"]);
    for f in &feeds {
        assert_eq!(f["origin"], "list", "{f}");
        assert_eq!(f["list"], "Team", "{f}");
        assert!(
            f["tags"].as_array().unwrap().contains(&"Team".into()),
            "{f}"
        );
        assert_eq!(f["total"], 3, "{f}");
    }
    let text = sb.cmd().arg("feeds").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("list: Team"), "{text}");
    let view = sb.list_json(&["--view", "Team policy"]);
    assert_eq!(view.len(), 3);
    assert!(view.iter().all(|a| a["feed"] == "Alpha"));

    // The second fetch is conditional and answered 304.
    let (ok, _, err) = fetch(&sb);
    assert!(ok, "{err}");
    assert_eq!(server.statuses("/team.toml"), [200, 304]);
    let second = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/team.toml")
        .nth(1)
        .unwrap();
    assert!(second.header("if-none-match").is_some(), "{second:?}");

    // Server gone: feeds, view and articles stay; the warning says which
    // list and why.
    let before = sb.list_json(&[]).len();
    drop(server);
    let (_, _, err) = fetch(&sb);
    assert!(
        err.contains("list \"Team\"") && err.contains("not updated") && err.contains("is kept"),
        "{err}"
    );
    assert_eq!(names(&feeds_json(&sb)), ["Alpha", "Beta"]);
    assert_eq!(sb.list_json(&["--view", "Team policy"]).len(), 3);
    assert_eq!(sb.list_json(&[]).len(), before);
}

#[test]
fn a_hostile_list_is_cleaned_and_cannot_reach_elsewhere() {
    let server = TestServer::start();
    let elsewhere = TestServer::start();
    let sb = Sandbox::new();
    let marker = sb.dir.path().join("ran");
    // Entries link to pages on another host: full_text must not read them.
    let mut feed =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>");
    for i in 0..2 {
        feed.push_str(&format!(
            "<item><guid>g{i}</guid><title>Item {i}</title><link>{}</link></item>",
            elsewhere.url(&format!("/page/{i}"))
        ));
    }
    feed.push_str("</channel></rss>");
    server.route("/feed.xml", Route::file(feed, "application/rss+xml"));
    elsewhere.route(
        "/page/0",
        Route::file(
            "<html><body><article><p>x</p></article></body></html>",
            "text/html",
        ),
    );
    let list = format!(
        "browser = \"firefox\"\n\
         [settings]\nnotify_command = [\"touch\", \"{}\"]\n\
         [sync]\nkind = \"fever\"\nurl = \"https://evil.test/\"\nusername = \"x\"\n\
         [keys]\nq = \"none\"\n\
         [[feed]]\nname = \"Good\\u001b]0;pwned\\u0007 \\u202efeed\"\nurl = \"{}\"\ntags = [\"a\\u0000b\"]\n\
         full_text = \"auto\"\nlocal = true\nsparkle = 1\n\
         [[feed]]\nname = \"Secret\"\nurl = \"file:///etc/passwd\"\n\
         [[view]]\nname = \"All\"\nquery = \"\"\nnotify = true\n",
        marker.display().to_string().replace('\\', "\\\\"),
        server.url("/feed.xml")
    );
    server.route("/team.toml", list_route(&list));
    config_with_list(&sb, &server.url("/team.toml"), "");

    let (_, _, err) = fetch(&sb);
    for refused in ["`settings`", "`sync`", "`keys`", "`browser`", "`local`"] {
        assert!(
            err.contains(&format!("cannot set {refused}")),
            "{refused}: {err}"
        );
    }
    assert!(err.contains("unknown key `sparkle`"), "{err}");
    assert!(err.contains("scheme \"file\""), "{err}");
    assert!(!err.chars().any(|c| c.is_control() && c != '\n'), "{err:?}");
    let feeds = feeds_json(&sb);
    assert_eq!(names(&feeds), ["Good feed"]);
    assert_eq!(feeds[0]["tags"], serde_json::json!(["Team", "ab"]));
    assert_eq!(feeds[0]["total"], 2);
    assert_eq!(elsewhere.hits("/page/0") + elsewhere.hits("/page/1"), 0);
    assert!(!marker.exists(), "the list ran a command");

    // Oversized: refused, the last good copy stays.
    let mut big = list.clone();
    big.push_str(&format!("# {}\n", "x".repeat(1024 * 1024)));
    server.route("/team.toml", list_route(&big));
    let (_, _, err) = fetch(&sb);
    assert!(err.contains("at most 1048576"), "{err}");
    assert_eq!(names(&feeds_json(&sb)), ["Good feed"]);
    // Not a list at all: the same.
    server.route("/team.toml", list_route("[[feed]\nname ="));
    let (_, _, err) = fetch(&sb);
    assert!(err.contains("not a list"), "{err}");
    assert_eq!(names(&feeds_json(&sb)), ["Good feed"]);
}

#[test]
fn local_rename_and_skip_and_a_dropped_feed_keeps_its_articles() {
    let server = TestServer::start();
    serve_feeds(&server, &["a", "b", "c"]);
    let entry = |name: &str, path: &str| {
        format!(
            "[[feed]]\nname = \"{name}\"\nurl = \"{}\"\n",
            server.url(path)
        )
    };
    let list = format!(
        "{}{}{}[[view]]\nname = \"Noise\"\nquery = \"item\"\n",
        entry("A", "/a.xml"),
        entry("B", "/b.xml"),
        entry("C", "/c.xml")
    );
    server.route("/team.toml", list_route(&list));
    let sb = Sandbox::new();
    let local = format!(
        "[[feed]]\nname = \"My B\"\nurl = \"{}\"\ntags = [\"mine\"]\n",
        server.url("/b.xml")
    );
    std::fs::write(
        sb.config(),
        format!(
            "{local}\n[[list]]\nname = \"Team\"\nurl = \"{}\"\nskip = [\"{}\", \"Noise\"]\n",
            server.url("/team.toml"),
            server.url("/c.xml")
        ),
    )
    .unwrap();
    let (ok, _, err) = fetch(&sb);
    assert!(ok, "{err}");
    let feeds = feeds_json(&sb);
    assert_eq!(names(&feeds), ["A", "My B"]);
    let b = feeds.iter().find(|f| f["name"] == "My B").unwrap();
    assert_eq!(
        (b["origin"].as_str(), b["tags"].clone()),
        (Some("config"), serde_json::json!(["mine"]))
    );
    assert_eq!(server.hits("/c.xml"), 0);
    let out = sb.cmd().args(["list", "--view", "Noise"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));

    // A is dropped from the list: it is no longer fetched; its articles stay.
    let a_articles = sb.list_json(&["feed:A"]).len();
    assert_eq!(a_articles, 3);
    server.route(
        "/team.toml",
        list_route(&format!("{}{}", entry("B", "/b.xml"), entry("C", "/c.xml"))),
    );
    let hits = server.hits("/a.xml");
    let (ok, _, err) = fetch(&sb);
    assert!(ok, "{err}");
    assert_eq!(server.hits("/a.xml"), hits);
    assert_eq!(names(&feeds_json(&sb)), ["My B"]);
    let text = sb.cmd().arg("feeds").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("No longer subscribed") && text.contains("3 articles"),
        "{text}"
    );
    assert_eq!(sb.list_json(&["feed:A"]).len(), a_articles);
}

#[test]
fn a_list_from_a_file_and_in_opml() {
    let server = TestServer::start();
    serve_feeds(&server, &["a", "b"]);
    let sb = Sandbox::new();
    let path = sb.dir.path().join("team.opml");
    std::fs::write(
        &path,
        format!(
            "<?xml version=\"1.0\"?><opml version=\"2.0\"><body>\
             <outline text=\"news\"><outline text=\"A\" type=\"rss\" xmlUrl=\"{}\"/></outline>\
             <outline text=\"B\" type=\"rss\" xmlUrl=\"{}\"/></body></opml>",
            server.url("/a.xml"),
            server.url("/b.xml")
        ),
    )
    .unwrap();
    let url = format!("file://{}", path.display());
    config_with_list(&sb, &url, "");
    let (ok, _, err) = fetch(&sb);
    assert!(ok, "{err}");
    let feeds = feeds_json(&sb);
    assert_eq!(names(&feeds), ["A", "B"]);
    let a = feeds.iter().find(|f| f["name"] == "A").unwrap();
    assert_eq!(a["tags"], serde_json::json!(["Team", "news"]));
    // The file is gone: the copy in the cache serves.
    std::fs::remove_file(&path).unwrap();
    let (_, _, err) = fetch(&sb);
    assert!(
        err.contains("list \"Team\"") && err.contains("cannot read"),
        "{err}"
    );
    assert_eq!(names(&feeds_json(&sb)), ["A", "B"]);
}

/// What a list holds, in a form to compare.
fn contents(text: &str) -> Vec<String> {
    let doc = tidings::lists::parse(text, "").unwrap();
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    let mut out: Vec<String> = doc
        .feeds
        .iter()
        .zip(&doc.extra)
        .map(|(f, extra)| format!("feed {} {} {:?} {extra}", f.name, f.url, f.tags))
        .collect();
    out.extend(
        doc.views
            .iter()
            .map(|v| format!("view {} {} {}", v.name, v.text, v.notify)),
    );
    out
}

#[test]
fn export_a_list_and_import_it_back_unchanged() {
    let a = Sandbox::new();
    std::fs::write(
        a.config(),
        "[settings]\nnotify_command = [\"notify-send\", \"{title}\"]\n\
         [[feed]]\nname = \"NHS\"\nurl = \"https://nhs.test/feed\"\ntags = [\"nhs\", \"team\"]\n\
         full_text = \"article .body\"\nrefresh_minutes = 60\nlocal = true\n\
         [[feed]]\nname = \"Page «news»\"\nurl = \"https://page.test/news\"\ntags = [\"team\"]\nkind = \"html\"\n\
         [feed.html]\nitem = \"article\"\ntitle = \"h2\"\ndate = \"time@datetime\"\nnext = \"a.next\"\nmax_pages = 3\n\
         date_format = [\"%d %b %Y\", \"%Y\"]\n\
         [[feed]]\nname = \"Private\"\nurl = \"https://mine.test/feed\"\n\
         [[view]]\nname = \"Team week\"\nquery = \"tag:team since:7d\"\nnotify = true\n\
         [[view]]\nname = \"Mine\"\nquery = \"feed:Private\"\n",
    )
    .unwrap();
    let file = a.dir.path().join("team.toml");
    let out = a
        .cmd()
        .args(["export", "--tag", "team", "--list"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("wrote 2 feeds and 1 views to {}", file.display())
    );
    let exported = std::fs::read_to_string(&file).unwrap();
    assert!(
        !exported.contains("notify-send") && !exported.contains("local"),
        "{exported}"
    );
    let expected = contents(&exported);
    assert_eq!(expected.len(), 3);

    let b = Sandbox::new();
    let out = b.cmd().arg("import").arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = b.dir.path().join("again.toml");
    let out = b
        .cmd()
        .args(["export", "--list"])
        .arg(&again)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        contents(&std::fs::read_to_string(&again).unwrap()),
        expected
    );
}

/// `doctor` reports a failing feed that a shared list brings, as it does
/// the config's own, and forgets it once the list no longer has it.
#[test]
fn doctor_reports_a_listed_feed_that_fails() {
    let server = TestServer::start();
    serve_feeds(&server, &["ok"]);
    server.route("/gone.xml", Route::status(404));
    let entry = |name: &str, path: &str| {
        format!(
            "[[feed]]\nname = \"{name}\"\nurl = \"{}\"\n",
            server.url(path)
        )
    };
    server.route(
        "/team.toml",
        list_route(&format!(
            "{}{}",
            entry("Fine", "/ok.xml"),
            entry("Gone", "/gone.xml")
        )),
    );
    let sb = Sandbox::new();
    config_with_list(&sb, &server.url("/team.toml"), "");
    let doctor = |sb: &Sandbox| {
        let out = sb.cmd().arg("doctor").output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    // Before the first fetch the list is not read yet: a warning only.
    sb.cmd().args(["count", "x"]).output().unwrap();
    let (_, out) = doctor(&sb);
    let team = format!("list \"Team\" {}", server.url("/team.toml"));
    assert!(
        out.contains(&format!("warn  {team}: not read yet")),
        "{out}"
    );
    let (ok, _, _) = fetch(&sb);
    assert!(!ok);
    let (code, out) = doctor(&sb);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!("ok    {team}: 2 feeds, 0 views, copy from ")),
        "{out}"
    );
    assert!(
        out.contains("FAIL  feed \"Gone\": the last fetch") && out.contains("404"),
        "{out}"
    );
    assert!(!out.contains("\"Fine\""), "{out}");
    assert!(out.ends_with("1 problem found\n"), "{out}");

    // The list drops it: no longer the user's concern.
    server.route("/team.toml", list_route(&entry("Fine", "/ok.xml")));
    let (ok, _, err) = fetch(&sb);
    assert!(ok, "{err}");
    let (code, out) = doctor(&sb);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.ends_with("no problems found\n"), "{out}");
}
