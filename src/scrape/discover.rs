//! Helpers for adding a site: the feeds a page advertises, and sniffing
//! whether a body is a feed or an HTML page. Rules for a page without a
//! feed are suggested by `suggest`.

use std::collections::HashSet;
use std::fmt;

use scraper::Html;
use url::Url;

use super::dom;

/// The format a page advertises for a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedKind {
    Rss,
    Atom,
    Json,
}

impl FeedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rss => "rss",
            Self::Atom => "atom",
            Self::Json => "json",
        }
    }
}

impl fmt::Display for FeedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A feed advertised with `<link rel="alternate">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredFeed {
    pub url: Url,
    pub title: Option<String>,
    pub kind: FeedKind,
}

/// Feeds a page advertises, in page order, without duplicates.
///
/// `application/json` links are included except WordPress REST and oEmbed
/// endpoints, which are not feeds.
pub fn feed_links(html: &str, page_url: &Url) -> Vec<DiscoveredFeed> {
    let doc = Html::parse_document(html);
    let base = dom::base_url(&doc, page_url);
    let Some(sel) = dom::sel("link[href]") else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    let mut feeds = Vec::new();
    for link in doc.select(&sel) {
        let v = link.value();
        let rel = v.attr("rel").unwrap_or("").to_ascii_lowercase();
        if !rel.split_whitespace().any(|r| r == "alternate") {
            continue;
        }
        let ty = v.attr("type").unwrap_or("").to_ascii_lowercase();
        let href = v.attr("href").unwrap_or("");
        let kind = match ty.split(';').next().unwrap_or("").trim() {
            "application/rss+xml" | "application/rdf+xml" => FeedKind::Rss,
            "application/atom+xml" => FeedKind::Atom,
            "application/feed+json" => FeedKind::Json,
            "application/json" if !href.contains("/wp-json/") && !href.contains("oembed") => {
                FeedKind::Json
            }
            _ => continue,
        };
        let Some(url) = dom::resolve(&base, href) else {
            continue;
        };
        if seen.insert(url.clone()) {
            let title = v.attr("title").map(dom::collapse).filter(|t| !t.is_empty());
            feeds.push(DiscoveredFeed { url, title, kind });
        }
    }
    feeds
}

/// The first bytes after a UTF-8 BOM and whitespace, lower-cased.
fn head(body: &[u8]) -> Vec<u8> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body[start..body.len().min(start + 4096)].to_ascii_lowercase()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Does the body look like RSS, Atom, RDF or JSON Feed?
pub fn looks_like_feed(body: &[u8]) -> bool {
    let h = head(body);
    if h.starts_with(b"{") {
        return contains(&h, b"\"version\"") && contains(&h, b"jsonfeed");
    }
    // The first element, skipping the XML declaration, comments, doctype
    // and processing instructions.
    let mut rest = h.as_slice();
    while let Some(i) = rest.iter().position(|&b| b == b'<') {
        rest = &rest[i + 1..];
        if rest.starts_with(b"!--") {
            match rest.windows(3).position(|w| w == b"-->") {
                Some(end) => rest = &rest[end..],
                None => return false,
            }
        } else if rest.starts_with(b"?") || rest.starts_with(b"!") {
            continue;
        } else {
            let name: Vec<u8> = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_'))
                .copied()
                .collect();
            return matches!(name.as_slice(), b"rss" | b"feed" | b"rdf:rdf");
        }
    }
    false
}

/// Does the body look like an HTML page (and not a feed)?
pub fn looks_like_html(body: &[u8]) -> bool {
    let h = head(body);
    h.starts_with(b"<")
        && !looks_like_feed(body)
        && [
            "<!doctype html",
            "<html",
            "<head",
            "<body",
            "<title",
            "<meta",
        ]
        .iter()
        .any(|tag| contains(&h, tag.as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::scrape::fixtures::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn finds_feed_links() {
        let feeds = feed_links(
            FEED_LINK,
            &url("https://digitalhealthlab.example.org/blog/"),
        );
        let got: Vec<_> = feeds
            .iter()
            .map(|f| (f.kind.as_str(), f.url.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("rss", "https://digitalhealthlab.example.org/feed/"),
                ("atom", "https://digitalhealthlab.example.org/feed/atom/"),
                ("json", "https://digitalhealthlab.example.org/feed.json"),
            ]
        );
        assert_eq!(feeds[0].title.as_deref(), Some("Digital Health Lab blog"));

        let wp = feed_links(WP, &url("https://healthinnovationnetwork.com/news/"));
        assert_eq!(wp.len(), 3, "{wp:?}");
        assert!(wp.iter().all(|f| f.kind == FeedKind::Rss));
        assert_eq!(
            wp[0].title.as_deref(),
            Some("Health Innovation Network » Feed")
        );
        assert!(feed_links(PLAIN, &url("https://ex.org/")).is_empty());
    }

    #[test]
    fn sniffs_bodies() {
        assert!(looks_like_html(WP.as_bytes()));
        assert!(looks_like_html(PLAIN.as_bytes()));
        assert!(looks_like_html(
            b"\xEF\xBB\xBF\n  <html><body>x</body></html>"
        ));
        assert!(looks_like_html(b"<!-- generated -->\n<html>"));
        assert!(!looks_like_html(
            b"<?xml version=\"1.0\"?><rss version=\"2.0\"></rss>"
        ));
        assert!(!looks_like_html(b"{\"a\": 1}"));
        assert!(!looks_like_html(b""));
        assert!(!looks_like_html(b"plain text mentioning <html> later"));
        assert!(looks_like_html(
            b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>"
        ));

        assert!(looks_like_feed(
            b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>"
        ));
        assert!(looks_like_feed(
            b"\xEF\xBB\xBF<?xml version='1.0'?><?xml-stylesheet href='s.xsl'?><!-- c --><feed xmlns='http://www.w3.org/2005/Atom'>"
        ));
        assert!(looks_like_feed(b"<rdf:RDF xmlns:rdf='x'>"));
        assert!(looks_like_feed(
            br#"  {"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": []}"#
        ));
        assert!(!looks_like_feed(br#"{"version": 2, "items": []}"#));
        assert!(!looks_like_feed(WP.as_bytes()));
        assert!(!looks_like_feed(b"<!-- unterminated"));
        assert!(!looks_like_feed(b"<rssfeed>"));
        assert!(!looks_like_feed(b""));
        assert!(!looks_like_feed("ünïcödé <feed".as_bytes()) || looks_like_feed(b"<feed"));
    }
}
