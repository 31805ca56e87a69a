//! `tidings --demo`: the interface on a temporary cache, fed by sample
//! sources shipped inside the binary and served on 127.0.0.1, so fetching,
//! scraping, the cache and the interface all run without a network.

mod server;

pub use server::{Reply, Server};

use std::path::{Path, PathBuf};

const RSS: &str = include_str!("samples/nhs.rss");
const ATOM: &str = include_str!("samples/digital.atom");
// The HTML news page and article are the ones the scraping tests use.
const NEWS_PAGE: &str = include_str!("../../tests/fixtures/html/wordpress-news.html");
const RELICENSING: &str =
    include_str!("../../tests/fixtures/html/relicensing-of-ahsns-confirmed.html");
/// The site the HTML samples were saved from; its links are pointed here.
const HIN_SITE: &str = "https://healthinnovationnetwork.com";

/// The demo's config, for a server at `base`.
pub fn config_text(base: &str) -> String {
    format!(
        r#"# The tidings demo: sample sources served on this machine.
[settings]
refresh_on_start = true
refresh_minutes = 0
timeout_seconds = 10
retries = 0

[[feed]]
name = "NHS announcements"
url = "{base}/feeds/nhs.rss"
tags = ["nhs"]

[[feed]]
name = "Digital health notes"
url = "{base}/feeds/digital.atom"
tags = ["digital"]

[[feed]]
name = "HIN South London"
url = "{base}/hin/news/"
kind = "html"
tags = ["hin", "innovation"]
[feed.html]
item = "article.post"
title = "h2.entry-title"
link = "h2.entry-title a@href"
date = "time.entry-date@datetime"
summary = ".entry-summary"
content = ".entry-content"

[[view]]
name = "Relicensing"
query = "relicens*"

[[view]]
name = "Innovation, unread"
query = "tag:innovation is:unread"
"#
    )
}

/// What the demo server answers for `path`, its links pointing at `base`.
pub fn route(base: &str, path: &str) -> Reply {
    let hin = format!("{base}/hin");
    let ok = |content_type, body: String| Reply {
        status: 200,
        content_type,
        body: body.into_bytes(),
    };
    match path {
        "/feeds/nhs.rss" => ok("application/rss+xml", RSS.replace("{base}", base)),
        "/feeds/digital.atom" => ok("application/atom+xml", ATOM.replace("{base}", base)),
        "/hin/news/" => ok(
            "text/html; charset=utf-8",
            NEWS_PAGE.replace(HIN_SITE, &hin),
        ),
        "/hin/news/relicensing-of-ahsns-confirmed/" => ok(
            "text/html; charset=utf-8",
            RELICENSING.replace(HIN_SITE, &hin),
        ),
        p if p.starts_with("/hin/news/") && p.len() > "/hin/news/".len() => {
            ok("text/html; charset=utf-8", article_page(p))
        }
        _ => Reply {
            status: 404,
            content_type: "text/plain",
            body: b"not found".to_vec(),
        },
    }
}

/// A plain article page for the news items other than the relicensing one.
fn article_page(path: &str) -> String {
    let slug = path
        .trim_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .replace('-', " ");
    let slug: String = slug
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ')
        .collect();
    format!(
        "<!doctype html><html><head><title>{slug}</title></head><body><article>\
         <div class=\"entry-content\"><p>This is a sample page in the tidings demo, standing \
         in for the article \u{201c}{slug}\u{201d}.</p></div></article></body></html>"
    )
}

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> std::io::Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("tidings-demo-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: the directory is under the system's temporary files.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_is_valid_and_local() {
        let text = config_text("http://127.0.0.1:1");
        let c = crate::config::Config::parse(Path::new("demo.toml"), &text).unwrap();
        assert_eq!(c.feeds.len(), 3);
        assert!(c
            .feeds
            .iter()
            .all(|f| f.url.host_str() == Some("127.0.0.1")));
    }

    #[test]
    fn routes_point_links_home() {
        let base = "http://127.0.0.1:9";
        let page = route(base, "/hin/news/");
        let body = String::from_utf8(page.body).unwrap();
        assert!(!body.contains(HIN_SITE));
        assert!(body.contains("http://127.0.0.1:9/hin/news/relicensing-of-ahsns-confirmed/"));
        let rss = String::from_utf8(route(base, "/feeds/nhs.rss").body).unwrap();
        assert!(!rss.contains("{base}") && rss.contains("http://127.0.0.1:9/nhs/"));
        assert_eq!(route(base, "/nope").status, 404);
        let other = String::from_utf8(route(base, "/hin/news/nhs-at-75/").body).unwrap();
        assert!(other.contains("nhs at 75"));
        let dir = TempDir::new().unwrap();
        let p = dir.path().to_path_buf();
        assert!(p.exists());
        drop(dir);
        assert!(!p.exists());
    }

    #[test]
    fn server_answers_and_stops() {
        let server = Server::start(|_, p| route("http://x", p)).unwrap();
        let addr = server.base().trim_start_matches("http://").to_string();
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        use std::io::{Read, Write};
        s.write_all(b"GET /feeds/digital.atom HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        s.read_to_string(&mut out).unwrap();
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
        assert!(out.contains("Digital health notes"));
        drop(server);
        assert!(std::net::TcpStream::connect(&addr).is_err());
    }
}
