//! `full_text`: feeds that carry only summaries are read in full from each
//! entry's page, once, and stay readable offline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;
use serde_json::Value;

fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html><head><title>{title}</title></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/about\">About us</a></nav>\
         <main><h1>{title}</h1><p>{text}</p>\
         <p>A second paragraph with more of the announcement, so the page holds \
         more prose than its furniture does.</p></main>\
         <footer>Cookie settings</footer></body></html>"
    )
}

fn summary_feed(server: &TestServer) -> String {
    let item = |n: u32, day: u32| {
        format!(
            "<item><title>Announcement {n}</title><link>{}</link><guid>a{n}</guid>\
             <pubDate>{day:02} May 2024 09:00:00 GMT</pubDate>\
             <description>One-line summary {n}.</description></item>",
            server.url(&format!("/news/{n}"))
        )
    };
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Summaries</title>\
         <link>{}</link>{}{}{}</channel></rss>",
        server.base(),
        item(1, 1),
        item(2, 2),
        item(3, 3),
    )
}

fn show(sb: &Sandbox, id: &Value) -> String {
    let out = sb.cmd().args(["show", &id.to_string()]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn summary_only_feed_is_read_in_full_once_and_offline() {
    let server = TestServer::start();
    server.route(
        "/feed.xml",
        Route::file(summary_feed(&server), "application/rss+xml"),
    );
    for n in [1, 2] {
        server.route(
            &format!("/news/{n}"),
            Route::file(
                page(
                    &format!("Announcement {n}"),
                    &format!("The whole text of announcement {n} starts here."),
                ),
                "text/html; charset=utf-8",
            ),
        );
    }
    // /news/3 is not served: a 404.
    let sb = Sandbox::new();
    std::fs::write(
        sb.config(),
        format!(
            "[settings]\nretries = 0\n\n[[feed]]\nname = \"Summaries\"\nurl = \"{}\"\nfull_text = \"auto\"\n",
            server.url("/feed.xml")
        ),
    )
    .unwrap();
    let out = sb.cmd().arg("fetch").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("article page") && err.contains("/news/3") && err.contains("404"),
        "{err}"
    );
    assert_eq!(server.hits("/news/1"), 1);
    assert_eq!(server.hits("/news/3"), 1);

    let list = sb.list_json(&[]);
    assert_eq!(list.len(), 3);
    let by_title = |t: &str| list.iter().find(|a| a["title"] == t).unwrap()["id"].clone();
    let one = by_title("Announcement 1");
    let three = by_title("Announcement 3");

    // The failure is recorded as the feed's warning, and it is not failing.
    let feeds: Vec<Value> =
        serde_json::from_slice(&sb.cmd().args(["feeds", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert!(feeds[0]["last_error"].as_str().unwrap().contains("404"));

    // A second fetch of the changed feed reads no stored article page again;
    // the failed one is tried again.
    server.route(
        "/feed.xml",
        Route::file(
            summary_feed(&server).replace("<title>Summaries", "<title>Summaries, changed"),
            "application/rss+xml",
        ),
    );
    let out = sb.cmd().args(["fetch", "--force"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(server.hits("/news/1"), 1);
    assert_eq!(server.hits("/news/2"), 1);
    assert_eq!(server.hits("/news/3"), 2);

    // Offline: the whole text is in the cache.
    drop(server);
    let text = show(&sb, &one);
    assert!(
        text.contains("The whole text of announcement 1 starts here."),
        "{text}"
    );
    assert!(text.contains("A second paragraph"), "{text}");
    assert!(
        !text.contains("About us") && !text.contains("Cookie"),
        "{text}"
    );
    // The page that failed keeps the feed's summary.
    let text = show(&sb, &three);
    assert!(text.contains("One-line summary 3."), "{text}");
    let v: Value = serde_json::from_slice(
        &sb.cmd()
            .args(["show", &one.to_string(), "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(v["summary_html"]
        .as_str()
        .is_some_and(|s| s.contains("One-line summary 1.")));
}

#[test]
fn full_text_settings_are_checked_at_load() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.config(),
        "[[feed]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/f\"\nfull_text = \"div[\"\n",
    )
    .unwrap();
    let out = sb.cmd().arg("feeds").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(":4:13:") && err.contains("full_text: invalid CSS selector 'div['"),
        "{err}"
    );
    std::fs::write(
        sb.config(),
        "[[feed]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/f\"\nfull_text = \"main@href\"\n",
    )
    .unwrap();
    let out = sb.cmd().arg("feeds").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected a CSS selector or \"auto\""));
}

#[test]
fn discover_suggests_full_text_for_summary_feeds() {
    let server = TestServer::start();
    server.route(
        "/feed.xml",
        Route::file(summary_feed(&server), "application/rss+xml"),
    );
    let long = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Full</title>\
         <item><title>A</title><link>{0}/a</link><description>{1}</description></item>\
         <item><title>B</title><link>{0}/b</link><description>{1}</description></item>\
         </channel></rss>",
        server.base(),
        "&lt;p&gt;Long text. &lt;/p&gt;".repeat(60)
    );
    server.route("/full.xml", Route::file(long, "application/rss+xml"));
    server.route(
        "/page",
        Route::file(
            format!(
                "<html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"{}\">\
                 </head><body></body></html>",
                server.url("/feed.xml")
            ),
            "text/html",
        ),
    );
    let sb = Sandbox::new();
    let discover = |path: &str| {
        let out = sb
            .cmd()
            .args(["discover", &server.url(path)])
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(discover("/feed.xml").contains("full_text = \"auto\""));
    assert!(discover("/page").contains("full_text = \"auto\""));
    assert!(!discover("/full.xml").contains("full_text"));
}
