//! Feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into articles.

use crate::model::{ParsedArticle, ParsedFeed};
use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Link};
use url::Url;

/// Parses a feed document; relative links are resolved against `base`.
pub fn parse_feed(body: &[u8], base: &Url) -> Result<ParsedFeed, String> {
    // An empty id marks "none in the document": identity is then chosen here.
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .id_generator(|_, _, _| String::new())
        .build();
    let body = utf16_to_utf8(body);
    let body = strip_leading_space(&body);
    let feed = parser
        .parse(body)
        .or_else(|e| match rss_without_version(body) {
            Some(fixed) => parser.parse(fixed.as_slice()),
            None => Err(e),
        })
        .map_err(|e| match e {
            feed_rs::parser::ParseFeedError::ParseError(kind) => {
                format!("not a valid feed: {kind}")
            }
            other => format!("not a valid feed: {other}"),
        })?;
    let site_url = pick_link(&feed.links).map(|l| resolve(base, &l.href));
    let articles = feed.entries.into_iter().map(|e| article(e, base)).collect();
    Ok(ParsedFeed {
        title: feed
            .title
            .map(|t| t.content.trim().to_string())
            .filter(|t| !t.is_empty()),
        site_url,
        ttl_minutes: feed.ttl,
        articles,
        warnings: Vec::new(),
    })
}

/// Real servers send whitespace before `<?xml`, which XML forbids; skip it
/// (and a UTF-8 byte-order mark) so such feeds still parse.
fn strip_leading_space(body: &[u8]) -> &[u8] {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    &body[start..]
}

/// `<rss>` with no version attribute is read as RSS 2.0, as browsers and
/// other readers do.
fn rss_without_version(body: &[u8]) -> Option<Vec<u8>> {
    let at = body.windows(4).position(|w| w == b"<rss")?;
    let tag_end = at + body[at..].iter().position(|&b| b == b'>')?;
    let tag = &body[at..tag_end];
    if tag.windows(8).any(|w| w == b"version=")
        || !matches!(tag.get(4), None | Some(b' ' | b'\n' | b'\t' | b'\r'))
    {
        return None;
    }
    let mut fixed = Vec::with_capacity(body.len() + 16);
    fixed.extend_from_slice(&body[..at + 4]);
    fixed.extend_from_slice(b" version=\"2.0\"");
    fixed.extend_from_slice(&body[at + 4..]);
    Some(fixed)
}

/// The XML reader handles 8-bit encodings but not UTF-16: a document with a
/// UTF-16 byte-order mark is re-encoded as UTF-8 (and its declaration fixed).
fn utf16_to_utf8(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let units = |le: bool| {
        body[2..].chunks_exact(2).map(move |p| {
            let pair = [p[0], p[1]];
            if le {
                u16::from_le_bytes(pair)
            } else {
                u16::from_be_bytes(pair)
            }
        })
    };
    let text: String = match body {
        [0xFF, 0xFE, ..] => char::decode_utf16(units(true))
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
        [0xFE, 0xFF, ..] => char::decode_utf16(units(false))
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
        _ => return std::borrow::Cow::Borrowed(body),
    };
    let fixed = match text.find("?>") {
        Some(end) if text.starts_with("<?xml") => {
            let decl = text[..end]
                .replacen("utf-16", "utf-8", 1)
                .replacen("UTF-16", "utf-8", 1);
            decl + &text[end..]
        }
        _ => text,
    };
    std::borrow::Cow::Owned(fixed.into_bytes())
}

fn article(e: Entry, base: &Url) -> ParsedArticle {
    let entry_base = e
        .base
        .as_deref()
        .and_then(|b| base.join(b).ok())
        .unwrap_or_else(|| base.clone());
    // No link: an id that is a web address is the link (RSS permalink guids).
    let link = pick_link(&e.links)
        .map(|l| resolve(&entry_base, &l.href))
        .or_else(|| {
            let id = e.id.trim();
            (id.starts_with("http://") || id.starts_with("https://")).then(|| id.to_string())
        });
    let title = e
        .title
        .map(|t| t.content.trim().to_string())
        .unwrap_or_default();
    let summary = e
        .summary
        .map(|t| t.content)
        .filter(|s| !s.trim().is_empty());
    let content = e
        .content
        .and_then(|c| c.body)
        .filter(|s| !s.trim().is_empty())
        .or_else(|| media_description(&e.media));
    let author = Some(
        e.authors
            .iter()
            .map(|p| p.name.trim())
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
    )
    .filter(|a| !a.is_empty());
    let published = e.published.or(e.updated);
    let body = content.as_deref().or(summary.as_deref()).unwrap_or("");
    let guid = identity(&e.id, link.as_deref(), &title, published, body);
    ParsedArticle {
        guid,
        title,
        link,
        author,
        published,
        updated: e.updated,
        summary,
        content,
        content_from_page: false,
    }
}

/// guid, else the link, else a hash of title and date (and of the text, so
/// that untitled, undated items stay distinct).
fn identity(
    id: &str,
    link: Option<&str>,
    title: &str,
    date: Option<DateTime<Utc>>,
    body: &str,
) -> String {
    let id = id.trim();
    if !id.is_empty() {
        return id.to_string();
    }
    if let Some(link) = link {
        return link.to_string();
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let date = date.map(|d| d.timestamp().to_string()).unwrap_or_default();
    let text = if title.is_empty() { body } else { "" };
    for b in title
        .bytes()
        .chain([0])
        .chain(date.bytes())
        .chain([0])
        .chain(text.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("hash:{h:016x}")
}

/// The article's page: rel="alternate" (or no rel), else any other link,
/// but never an enclosure or attachment (a podcast or zip file is not the
/// article).
fn pick_link(links: &[Link]) -> Option<&Link> {
    let page = |l: &&Link| {
        l.rel.as_deref() != Some("enclosure")
            && l.media_type.as_deref().is_none_or(|t| t.contains("html"))
    };
    links
        .iter()
        .filter(page)
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or_else(|| links.iter().find(page))
}

fn resolve(base: &Url, href: &str) -> String {
    base.join(href.trim())
        .map(String::from)
        .unwrap_or_else(|_| href.trim().to_string())
}

fn media_description(media: &[feed_rs::model::MediaObject]) -> Option<String> {
    media
        .iter()
        .find_map(|m| m.description.as_ref())
        .map(|t| t.content.clone())
        .filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://example.test/feeds/news.xml").unwrap()
    }

    #[test]
    fn rss_with_relative_links_and_missing_guids() {
        let xml = br#"
        <?xml version="1.0"?>
        <rss version="2.0"><channel><title> News </title><link>/</link><ttl>60</ttl>
          <item><title>One</title><link>/a/1</link><guid>g1</guid><pubDate>Fri, 26 May 2023 09:00:00 GMT</pubDate></item>
          <item><title>Two</title><link>b/2</link><description>&lt;p&gt;hi&lt;/p&gt;</description></item>
          <item><title>Three</title></item>
        </channel></rss>"#;
        let f = parse_feed(xml, &base()).unwrap();
        assert_eq!(f.title.as_deref(), Some("News"));
        assert_eq!(f.ttl_minutes, Some(60));
        assert_eq!(f.site_url.as_deref(), Some("http://example.test/"));
        let a = &f.articles;
        assert_eq!(a[0].guid, "g1");
        assert_eq!(a[0].link.as_deref(), Some("http://example.test/a/1"));
        assert_eq!(
            a[0].published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2023-05-26T09:00:00+00:00")
        );
        assert_eq!(a[1].guid, "http://example.test/feeds/b/2");
        assert_eq!(a[1].summary.as_deref(), Some("<p>hi</p>"));
        assert!(a[2].guid.starts_with("hash:"));
        assert_eq!(a[2].published, None);
    }

    #[test]
    fn atom_and_json_feed() {
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
          <entry><id>urn:1</id><title>E</title><link href="/e1"/><updated>2024-01-02T03:04:05Z</updated>
          <author><name>Ann</name></author><content type="html">&lt;b&gt;x&lt;/b&gt;</content></entry></feed>"#;
        let f = parse_feed(atom, &base()).unwrap();
        assert_eq!(f.articles[0].author.as_deref(), Some("Ann"));
        assert_eq!(
            f.articles[0].link.as_deref(),
            Some("http://example.test/e1")
        );
        assert_eq!(f.articles[0].content.as_deref(), Some("<b>x</b>"));
        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"J",
          "items":[{"id":"1","url":"https://j.test/1","title":"T","content_html":"<p>c</p>"}]}"#;
        let f = parse_feed(json, &base()).unwrap();
        assert_eq!(f.title.as_deref(), Some("J"));
        assert_eq!(f.articles[0].guid, "1");
    }

    #[test]
    fn utf16_documents_are_read() {
        let xml = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss version=\"2.0\"><channel><title>Ünï</title></channel></rss>";
        let mut le = vec![0xFF, 0xFE];
        le.extend(xml.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(
            parse_feed(&le, &base()).unwrap().title.as_deref(),
            Some("Ünï")
        );
        let mut be = vec![0xFE, 0xFF];
        be.extend(xml.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(
            parse_feed(&be, &base()).unwrap().title.as_deref(),
            Some("Ünï")
        );
        assert!(parse_feed(&[0xFF, 0xFE, 0x3C], &base()).is_err());
        let unversioned = b"<!-- note --><rss><channel><title>T</title></channel></rss>";
        assert_eq!(
            parse_feed(unversioned, &base()).unwrap().title.as_deref(),
            Some("T")
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_feed(b"<html><body>hi</body></html>", &base()).is_err());
        assert!(parse_feed(b"", &base()).is_err());
        assert!(parse_feed(b"\x00\xff\xfe<rss", &base()).is_err());
        assert!(parse_feed(b"{not json", &base()).is_err());
    }
}
