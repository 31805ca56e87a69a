//! Feed documents (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed) into
//! articles: bytes and headers in, our model out.
//!
//! 1. The bytes are decoded to UTF-8 (`fetch::charset::decode_xml`).
//! 2. JSON Feed is read by `json`; XML goes through one lenient pass
//!    (`rewrite`) that repairs and canonicalises what feed-rs misreads.
//! 3. feed-rs parses the rewritten document; when it still fails, each item
//!    is parsed alone and only the broken ones are lost.
//! 4. `normalize` turns the result into our model.

mod json;
mod normalize;
mod rewrite;
mod text;

pub use crate::model::{ParseError, ParseProblem};
pub use normalize::derive_title;
pub use text::html_to_text;

use crate::model::ParsedFeed;
use feed_rs::parser::{ParseFeedError, Parser};
use rewrite::{Extra, Rewritten};
use std::fmt;
use url::Url;

/// Something read differently from how it was written, that did not stop
/// the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseWarning {
    /// No usable encoding was declared; this one was guessed.
    GuessedEncoding(&'static str),
    /// Syntax errors read past (unclosed tags, stray `&` or `<`, ...).
    Repaired(usize),
    /// Text constructs with an empty or unknown `type`, read as text.
    UnknownType(usize),
    /// Base64 constructs decoded.
    Base64(usize),
    /// Entries that could not be read and were left out.
    SkippedEntries(usize),
}

impl fmt::Display for ParseWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: &usize| if *n == 1 { "" } else { "s" };
        match self {
            ParseWarning::GuessedEncoding(e) => {
                write!(f, "no encoding declared; read as {e}")
            }
            ParseWarning::Repaired(n) => {
                write!(f, "not well-formed XML: {n} error{} read past", plural(n))
            }
            ParseWarning::UnknownType(n) => write!(
                f,
                "{n} element{} had an unknown content type, read as text",
                plural(n)
            ),
            ParseWarning::Base64(n) => {
                write!(f, "{n} element{} in base64, decoded", plural(n))
            }
            ParseWarning::SkippedEntries(n) => write!(
                f,
                "{n} entr{} could not be read and {} left out",
                if *n == 1 { "y" } else { "ies" },
                if *n == 1 { "was" } else { "were" }
            ),
        }
    }
}

/// Parses a feed document of unknown media type; relative links are
/// resolved against `base`.
pub fn parse_feed(body: &[u8], base: &Url) -> Result<ParsedFeed, ParseError> {
    parse_document(body, None, base)
}

/// Parses a feed document served with `content_type` (its charset
/// parameter decides the encoding, as RFC 7303 says).
pub fn parse_document(
    body: &[u8],
    content_type: Option<&str>,
    base: &Url,
) -> Result<ParsedFeed, ParseError> {
    let decoded = super::charset::decode_xml(body, content_type);
    let doc = decoded
        .text
        .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let mut warnings = Vec::new();
    if decoded.guessed {
        warnings.push(ParseWarning::GuessedEncoding(decoded.encoding.name()));
    }
    let mut feed = if doc.starts_with('{') {
        json::parse(doc, base)?
    } else {
        parse_xml(doc, base, &mut warnings)?
    };
    feed.articles.iter_mut().for_each(normalize::derive_title);
    feed.warnings = warnings.iter().map(ToString::to_string).collect();
    Ok(feed)
}

fn parse_xml(
    doc: &str,
    base: &Url,
    warnings: &mut Vec<ParseWarning>,
) -> Result<ParsedFeed, ParseError> {
    if doc.is_empty() {
        return Err(ParseProblem::Empty.into());
    }
    let rw = rewrite::rewrite(doc, base)?;
    // An empty id marks "none in the document": identity is then chosen here.
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .id_generator(|_, _, _| String::new())
        .build();
    let (feed, extras) = match parser.parse(rw.xml.as_bytes()) {
        Ok(feed) => {
            // Extras are matched to entries by position, when they agree.
            let aligned = feed.entries.len() == rw.entries.len();
            let extras: Vec<Option<&Extra>> = (0..feed.entries.len())
                .map(|i| rw.entries.get(i).filter(|_| aligned))
                .collect();
            (feed, extras)
        }
        Err(e) => match salvage(&parser, &rw) {
            Some((feed, extras, skipped)) => {
                if skipped > 0 {
                    warnings.push(ParseWarning::SkippedEntries(skipped));
                }
                (feed, extras)
            }
            None => return Err(xml_error(e)),
        },
    };
    if rw.repairs > 0 {
        warnings.push(ParseWarning::Repaired(rw.repairs));
    }
    if rw.unknown_types > 0 {
        warnings.push(ParseWarning::UnknownType(rw.unknown_types));
    }
    if rw.base64 > 0 {
        warnings.push(ParseWarning::Base64(rw.base64));
    }
    // An item holding nothing (say, cut off by a truncated download) is not
    // an article; one with only an id, a date or an author is.
    let (parsed, empty) = normalize::feed(feed, &extras, &rw.feed, base);
    if empty > 0 && !parsed.articles.is_empty() {
        warnings.push(ParseWarning::SkippedEntries(empty));
    }
    if parsed.articles.is_empty() && !rw.items.is_empty() {
        return Err(ParseProblem::NoReadableItems {
            items: rw.items.len(),
        }
        .into());
    }
    Ok(parsed)
}

/// The feed parsed item by item: the document without its items, then
/// each item alone in it. None when even the rest of the document fails.
fn salvage<'r>(
    parser: &Parser,
    rw: &'r Rewritten,
) -> Option<(feed_rs::model::Feed, Vec<Option<&'r Extra>>, usize)> {
    let first = rw.items.first()?;
    let last = rw.items.last()?;
    let head = rw.xml.get(..first.start)?;
    let tail = rw.xml.get(last.end..)?;
    let mut shell = parser.parse(format!("{head}{tail}").as_bytes()).ok()?;
    let mut extras = Vec::new();
    let mut skipped = 0;
    for (i, range) in rw.items.iter().enumerate() {
        let one = rw
            .xml
            .get(range.clone())
            .and_then(|item| parser.parse(format!("{head}{item}{tail}").as_bytes()).ok());
        match one.map(|f| f.entries) {
            Some(mut entries) if entries.len() == 1 => {
                shell.entries.append(&mut entries);
                extras.push(rw.entries.get(i));
            }
            _ => skipped += 1,
        }
    }
    Some((shell, extras, skipped))
}

fn xml_error(e: ParseFeedError) -> ParseError {
    let words = match e {
        ParseFeedError::ParseError(kind) => kind.to_string(),
        other => other.to_string(),
    };
    ParseProblem::Xml(words).into()
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
        // Cut off after an item's start tag: nothing to read.
        let cut = parse_feed(b"<rss version=\"2.0\"><channel><item>", &base());
        assert!(cut.is_err_and(|e| e.0 == ParseProblem::NoReadableItems { items: 1 }));
    }
}
