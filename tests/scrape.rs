//! HTML news pages as feeds: fixture pages in the shapes real sites use,
//! served on 127.0.0.1 (their absolute links rewritten to the test server).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/html")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// Serves a fixture page at `path`, its links to `host` pointing here.
fn serve(server: &TestServer, path: &str, name: &str, host: &str) {
    let body = fixture(name).replace(host, &server.base());
    server.route(path, Route::file(body, "text/html; charset=utf-8"));
}

const HIN: &str = "https://healthinnovationnetwork.com";

const HIN_RULES: &str = r#"
[feed.html]
item = "article.post"
title = "h2.entry-title"
link = "h2.entry-title a@href"
date = "time.entry-date@datetime"
summary = ".entry-summary"
content = ".entry-content"
next = "a.next.page-numbers@href"
max_pages = 2
"#;

fn hin_server() -> TestServer {
    let server = TestServer::start();
    serve(&server, "/news/", "wordpress-news.html", HIN);
    serve(&server, "/news/page/2/", "wordpress-news-page2.html", HIN);
    serve(
        &server,
        "/news/relicensing-of-ahsns-confirmed/",
        "relicensing-of-ahsns-confirmed.html",
        HIN,
    );
    server
}

fn html_feed(sb: &Sandbox, name: &str, url: &str, rules: &str) {
    let text = format!(
        "[settings]\nretries = 0\n\n[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\nkind = \"html\"\n{rules}"
    );
    std::fs::write(sb.config(), text).unwrap();
}

fn fetch(sb: &Sandbox, args: &[&str]) -> (Option<i32>, String, String) {
    let out = sb.cmd().arg("fetch").args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_relicensing_announcement_is_read_from_its_news_page() {
    let server = hin_server();
    let sb = Sandbox::new();
    html_feed(&sb, "HIN South London", &server.url("/news/"), HIN_RULES);
    let (code, _, err) = fetch(&sb, &[]);
    // Other article pages are not served: each is a warning, not a failure.
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("warning: HIN South London: article page") && err.contains("HTTP 404"),
        "{err}"
    );

    let list = sb.list_json(&[]);
    assert!(list.len() > 10, "two listing pages: {}", list.len());
    let a = list
        .iter()
        .find(|a| a["title"] == "Relicensing of AHSNs confirmed")
        .expect("found");
    assert_eq!(
        a["published"].as_str().unwrap().get(..10),
        Some("2023-05-26")
    );
    assert_eq!(
        a["link"],
        server.url("/news/relicensing-of-ahsns-confirmed/")
    );

    let out = sb
        .cmd()
        .args(["show", &a["id"].to_string()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let body = text.split_once("\n\n").map(|(_, b)| b).unwrap_or("");
    assert!(
        body.starts_with("Today the Government has confirmed"),
        "{text}"
    );
    assert!(
        !body.contains("Share:") && !body.contains("Cookie") && !body.contains("About us"),
        "{body}"
    );

    // An article whose page failed keeps its summary, and the error is recorded.
    let other = list
        .iter()
        .find(|a| a["title"] != "Relicensing of AHSNs confirmed")
        .unwrap();
    let shown = sb
        .cmd()
        .args(["show", &other["id"].to_string(), "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert!(v["summary_html"].as_str().is_some_and(|s| !s.is_empty()));
    let feeds: Vec<Value> =
        serde_json::from_slice(&sb.cmd().args(["feeds", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert!(feeds[0]["last_error"]
        .as_str()
        .unwrap()
        .contains("HTTP 404"));
    assert!(feeds[0]["last_success"].is_string());
}

#[test]
fn article_pages_are_fetched_once() {
    let server = hin_server();
    let sb = Sandbox::new();
    html_feed(&sb, "HIN", &server.url("/news/"), HIN_RULES);
    fetch(&sb, &[]);
    let article = "/news/relicensing-of-ahsns-confirmed/";
    assert_eq!(server.hits(article), 1);
    let before = server.requests().len();
    // Unchanged listing: one 304 for each listing page fetched first, nothing else.
    let (code, out, _) = fetch(&sb, &[]);
    assert_eq!(code, Some(0));
    assert!(out.contains("1 unchanged (304)"), "{out}");
    let after: Vec<_> = server
        .requests()
        .into_iter()
        .skip(before)
        .map(|r| r.path)
        .collect();
    assert_eq!(after, ["/news/"]);
    // A changed listing: the known article's page is not fetched again, and
    // its body is kept.
    let changed = fixture("wordpress-news.html")
        .replace(HIN, &server.base())
        .replace("</body>", "<!-- v2 --></body>");
    server.route("/news/", Route::file(changed, "text/html"));
    fetch(&sb, &[]);
    assert_eq!(server.hits(article), 1);
    let a = sb.list_json(&["title:relicensing"]);
    let out = sb
        .cmd()
        .args(["show", &a[0]["id"].to_string()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Today the Government has confirmed"));
}

#[test]
fn a_selector_that_matches_nothing_is_a_clear_error() {
    let server = hin_server();
    let sb = Sandbox::new();
    html_feed(
        &sb,
        "HIN",
        &server.url("/news/"),
        "[feed.html]\nitem = \"article.news\"\n",
    );
    let (code, _, err) = fetch(&sb, &[]);
    assert_eq!(code, Some(1));
    let expected = format!(
        "item selector 'article.news' matched 0 elements on {}",
        server.url("/news/")
    );
    assert!(err.contains(&expected), "{err}");
}

#[test]
fn malformed_pages_and_huge_listings_are_handled() {
    let server = TestServer::start();
    server.route(
        "/broken",
        Route::file(
            "<html><body><div class=n><a href='/x'>X</a><p>unclosed <b>tags",
            "text/html",
        ),
    );
    let mut big = String::from("<html><body><ul>");
    for i in 0..10_000 {
        big.push_str(&format!(
            "<li class=n><a href='/a/{i}'>Item {i}</a> <span>26/05/2023</span></li>"
        ));
    }
    big.push_str("</ul></body></html>");
    server.route("/big", Route::file(big, "text/html"));
    let sb = Sandbox::new();
    let text = format!(
        "[settings]\nmax_articles_per_feed = 50\n\n\
         [[feed]]\nname = \"Broken\"\nurl = \"{}\"\nkind = \"html\"\n[feed.html]\nitem = \"div.n\"\n\n\
         [[feed]]\nname = \"Big\"\nurl = \"{}\"\nkind = \"html\"\n[feed.html]\nitem = \"li.n\"\ndate = \"span\"\n",
        server.url("/broken"),
        server.url("/big")
    );
    std::fs::write(sb.config(), text).unwrap();
    let (code, _, err) = fetch(&sb, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(sb.list_json(&["feed:=Broken"]).len(), 1);
    let big = sb.list_json(&["feed:=Big"]);
    assert_eq!(big.len(), 50, "bounded by retention");
    assert_eq!(big[0]["published"], "2023-05-26T00:00:00Z");
}

#[test]
fn auto_follows_an_advertised_feed_and_explains_otherwise() {
    let server = TestServer::start();
    server.route(
        "/page",
        Route::file(fixture("with-feed-link.html"), "text/html"),
    );
    let rss = "<rss version=\"2.0\"><channel><title>Lab</title><item><guid>1</guid><title>From the feed</title></item></channel></rss>";
    server.route("/feed/", Route::file(rss, "application/rss+xml"));
    server.route(
        "/plain",
        Route::file(fixture("plain-list.html"), "text/html"),
    );
    let sb = Sandbox::new();
    sb.write_config(
        "retries = 0",
        &[
            ("Lab", &server.url("/page")),
            ("Plain", &server.url("/plain")),
        ],
    );
    let (code, _, err) = fetch(&sb, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(sb.list_json(&[])[0]["title"], "From the feed");
    assert!(
        err.contains("failed: Plain (")
            && err.contains("no advertised feed")
            && err.contains("tidings discover"),
        "{err}"
    );

    let out = sb
        .cmd()
        .args(["discover", &server.url("/plain")])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("item = \"table.announcements tr\""), "{text}");
    let out = sb
        .cmd()
        .args(["discover", &server.url("/page")])
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains(&server.url("/feed/")));
}

#[test]
fn the_example_configs_html_sources_work_on_pages_of_their_shape() {
    let server = TestServer::start();
    let sources = [
        (
            "https://healthinnovationnetwork.com/news/",
            "/hin/news/",
            "wordpress-news.html",
            HIN,
        ),
        (
            "https://healthinnovationnenc.org.uk/news/",
            "/nenc/news/",
            "nenc-news.html",
            "https://healthinnovationnenc.org.uk",
        ),
        (
            "https://www.healthinnovationyh.org.uk/news/",
            "/yh/news/",
            "yh-news.html",
            "https://www.healthinnovationyh.org.uk",
        ),
    ];
    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/tidings.toml"),
    )
    .unwrap();
    // Only the HTML feeds, pointed at this server: tests never leave 127.0.0.1.
    let mut text = String::from("[settings]\nretries = 0\n");
    for block in example.split("[[feed]]").skip(1) {
        let block = block.split("\n[[view]]").next().unwrap();
        if !block.contains("kind = \"html\"") {
            continue;
        }
        let (real, local, page, host) = sources
            .iter()
            .find(|s| block.contains(s.0))
            .expect("a fixture for every HTML source");
        serve(&server, local, page, host);
        text.push_str(&format!(
            "\n[[feed]]{}",
            block.replace(real, &server.url(local))
        ));
    }
    let sb = Sandbox::new();
    std::fs::write(sb.config(), &text).unwrap();
    let (code, out, err) = fetch(&sb, &[]);
    assert_eq!(code, Some(0), "{out}{err}");
    for name in [
        "HIN South London",
        "HIN North East and North Cumbria",
        "HIN Yorkshire and Humber",
    ] {
        let list = sb.list_json(&["--feed", name]);
        assert!(list.len() >= 8, "{name}: {}", list.len());
        assert!(
            list.iter().all(|a| a["published"].is_string()),
            "{name}: every item dated"
        );
        assert!(list
            .iter()
            .all(|a| a["link"].as_str().unwrap().starts_with(&server.base())));
    }
}

#[test]
fn a_hung_article_server_costs_one_timeout_not_one_per_page() {
    let server = TestServer::start();
    let listing: String = (1..=4)
        .map(|i| format!("<article><h2><a href=\"/a/{i}\">Story {i}</a></h2></article>"))
        .collect();
    server.route(
        "/news/",
        Route::file(format!("<html><body>{listing}</body></html>"), "text/html"),
    );
    for i in 1..=4 {
        server.route(&format!("/a/{i}"), Route::Hang);
    }
    let sb = Sandbox::new();
    let text = format!(
        "[settings]\ntimeout_seconds = 1\nretries = 2\n\n[[feed]]\nname = \"Hung\"\nurl = \"{}\"\n\
         kind = \"html\"\n[feed.html]\nitem = \"article\"\ncontent = \"auto\"\n",
        server.url("/news/")
    );
    std::fs::write(sb.config(), text).unwrap();
    let (code, _, err) = fetch(&sb, &[]);
    assert_eq!(code, Some(0), "{err}");
    let hits: usize = (1..=4).map(|i| server.hits(&format!("/a/{i}"))).sum();
    assert_eq!(
        hits, 1,
        "one timed-out page; the others wait for the next fetch"
    );
    assert!(
        err.contains("3 more article pages left for the next fetch"),
        "{err}"
    );
    assert_eq!(sb.list_json(&[]).len(), 4);
}
