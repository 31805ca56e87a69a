//! `tidings sync` against a real FreshRSS (tests/common/freshrss.rs), with
//! `kind = "greader"` and with `kind = "fever"`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::freshrss::{self, FreshRss, Sub};
use common::server::{Route, TestServer};

#[test]
fn helper_starts() {
    if !freshrss::available("sync_freshrss") {
        return;
    }
    let feed = TestServer::start();
    feed.route("/a.xml", Route::file("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>A</title><link>http://127.0.0.1/</link><description>d</description><item><guid>a1</guid><title>One</title><link>http://127.0.0.1/a1</link></item></channel></rss>", "application/rss+xml"));
    let fr = FreshRss::start();
    fr.subscribe(&[Sub {
        category: "Tech",
        url: &feed.url("/a.xml"),
    }]);
    fr.actualize();
    eprintln!("{:?}", fr.items());
    eprintln!("{:?}", fr.unread_ids());
}
