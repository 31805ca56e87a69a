//! feed-rs's model (of the rewritten document) and the pass's extras into
//! ours: plain-text titles, authors' names, dates, links and identity.

use super::rewrite::{Extra, NO_LINK};
use super::text::{collapse, escape, html_to_text, parse_date};
use crate::model::{ParsedArticle, ParsedFeed};
use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Feed, Link, Person};
use url::Url;

/// The feed, and how many of its entries held nothing at all (no title,
/// link, id, text, date or author) and were left out.
pub fn feed(
    feed: Feed,
    extras: &[Option<&Extra>],
    feed_extra: &Extra,
    base: &Url,
) -> (ParsedFeed, usize) {
    let feed_author = join_authors(&feed_extra.authors)
        .or_else(|| join_authors(&feed.authors.iter().map(display).collect::<Vec<_>>()));
    let site_url = pick_link(&feed.links).map(|l| resolve(base, &l.href));
    let mut empty = 0;
    let articles = feed
        .entries
        .into_iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let a = article(
                e,
                extras.get(i).copied().flatten(),
                base,
                feed_author.as_deref(),
            );
            if a.is_none() {
                empty += 1;
            }
            a
        })
        .collect();
    let title = feed
        .title
        .map(|t| html_to_text(&t.content))
        .filter(|t| !t.is_empty())
        .or_else(|| feed_extra.dc_title.as_deref().map(collapse))
        .filter(|t| !t.is_empty());
    let parsed = ParsedFeed {
        title,
        site_url,
        ttl_minutes: feed.ttl,
        articles,
        warnings: Vec::new(),
    };
    (parsed, empty)
}

/// The entry as an article; None when it holds nothing at all.
fn article(
    mut e: Entry,
    x: Option<&Extra>,
    base: &Url,
    feed_author: Option<&str>,
) -> Option<ParsedArticle> {
    e.links.retain(|l| l.href != NO_LINK);
    let entry_base = e
        .base
        .as_deref()
        .and_then(|b| base.join(b).ok())
        .unwrap_or_else(|| base.clone());
    // No link: rdf:about, else a guid that is a web address (unless it
    // says it is not a permalink).
    let permalink = x.and_then(|x| x.permalink) != Some(false);
    let link = pick_link(&e.links)
        .map(|l| resolve(&entry_base, &l.href))
        .or_else(|| x.and_then(|x| x.about.clone()))
        .or_else(|| {
            let id = e.id.trim();
            (permalink && (id.starts_with("http://") || id.starts_with("https://")))
                .then(|| id.to_string())
        });
    let title = e
        .title
        .map(|t| html_to_text(&t.content))
        .filter(|t| !t.is_empty())
        .or_else(|| x.and_then(|x| x.dc_title.as_deref()).map(collapse))
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
    let own_author = x
        .and_then(|x| join_authors(&x.authors))
        .or_else(|| join_authors(&e.authors.iter().map(display).collect::<Vec<_>>()));
    let empty = title.is_empty()
        && link.is_none()
        && summary.is_none()
        && content.is_none()
        && own_author.is_none()
        && e.id.trim().is_empty()
        && e.published.is_none()
        && e.updated.is_none()
        && x.is_none_or(|x| !x.filled);
    if empty {
        return None;
    }
    let author = own_author.or_else(|| feed_author.map(str::to_string));
    let date = |s: Option<&String>| s.and_then(|s| parse_date(s));
    let updated = date(x.and_then(|x| x.updated.as_ref())).or(e.updated);
    let published = date(x.and_then(|x| x.published.as_ref()))
        .or(e.published)
        .or(updated);
    let body = content.as_deref().or(summary.as_deref()).unwrap_or("");
    let guid = identity(&e.id, link.as_deref(), &title, published, body);
    Some(ParsedArticle {
        guid,
        title,
        title_derived: false,
        link,
        author,
        published,
        updated,
        summary,
        content,
        content_from_page: false,
        prepared: None,
    })
}

/// Words of a title made from the text, at most.
const DERIVED_WORDS: usize = 12;
const DERIVED_CHARS: usize = 80;

/// A title for an article whose source gave none: the first words of its
/// summary or body, else its link's host and path, else "(untitled)" with
/// its date. The article's identity was settled before and does not change.
pub fn derive_title(a: &mut ParsedArticle) {
    if !a.title.trim().is_empty() {
        return;
    }
    let text = [a.summary.as_deref(), a.content.as_deref()]
        .into_iter()
        .flatten()
        .map(html_to_text)
        .find(|t| !t.trim().is_empty());
    let title = if let Some(text) = text {
        first_words(&text)
    } else if let Some(url) = a.link.as_deref().and_then(|l| Url::parse(l).ok()) {
        let host = url.host_str().unwrap_or("");
        let path = url.path().trim_end_matches('/');
        let place = format!("{host}{path}");
        if place.is_empty() {
            url.to_string()
        } else {
            place
        }
    } else if let Some(date) = a.published.or(a.updated) {
        format!("(untitled, {})", date.format("%-d %b %Y"))
    } else {
        "(untitled)".to_string()
    };
    a.title = title;
    a.title_derived = true;
}

/// The opening words of `text`, on one line, cut at a word with "…".
fn first_words(text: &str) -> String {
    let text = collapse(text);
    let mut out = String::new();
    for (i, word) in text.split(' ').enumerate() {
        let long = out.chars().count() + 1 + word.chars().count() > DERIVED_CHARS;
        if i == DERIVED_WORDS || (long && !out.is_empty()) {
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if long {
            // One word longer than a title.
            out.extend(word.chars().take(DERIVED_CHARS));
            out.push('…');
            return out;
        }
        out.push_str(word);
    }
    out
}

/// A person as written in a feed, as a name: the e-mail address is taken
/// out and what is left, without brackets, is the name ("jo@example.org
/// (Jo Bloggs)", "Jo Bloggs <jo@example.org>", "Jo Bloggs (jo@example.org)"
/// all give "Jo Bloggs"); with no name left, the address.
pub fn person_name(s: &str) -> String {
    let s = collapse(s);
    let email = s
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | '"'))
        .map(|w| w.strip_prefix("mailto:").unwrap_or(w))
        .find(|w| {
            w.split_once('@')
                .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
        });
    let Some(email) = email else {
        return s;
    };
    let rest = s
        .replacen(&format!("mailto:{email}"), "", 1)
        .replacen(email, "", 1);
    let name = collapse(
        &rest
            .replace("()", " ")
            .replace("<>", " ")
            .replace(['(', ')', '<', '>', '"'], " "),
    );
    if name.is_empty() {
        email.to_string()
    } else {
        name
    }
}

/// feed-rs keeps RSS `<author>` text as the e-mail of a person named after
/// the element.
fn display(p: &Person) -> String {
    let name = p.name.trim();
    let email = p.email.as_deref().map(str::trim).unwrap_or("");
    match name {
        "author" | "managingEditor" | "webMaster" if !email.is_empty() => person_name(email),
        "" => email.to_string(),
        n => person_name(n),
    }
}

fn join_authors(names: &[String]) -> Option<String> {
    let mut kept: Vec<&str> = Vec::new();
    for n in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if !kept.contains(&n) {
            kept.push(n);
        }
    }
    (!kept.is_empty()).then(|| kept.join(", "))
}

/// guid, else the link, else a hash of title, date and text: items that
/// differ only in their text stay distinct, and an unchanged item keeps
/// its identity.
pub fn identity(
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
    for b in title
        .bytes()
        .chain([0])
        .chain(date.bytes())
        .chain([0])
        .chain(body.trim().bytes())
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

pub fn resolve(base: &Url, href: &str) -> String {
    base.join(href.trim())
        .map(String::from)
        .unwrap_or_else(|_| href.trim().to_string())
}

/// Media descriptions are plain text.
fn media_description(media: &[feed_rs::model::MediaObject]) -> Option<String> {
    media
        .iter()
        .find_map(|m| m.description.as_ref())
        .filter(|t| !t.content.trim().is_empty())
        .map(|t| text_as_html(&t.content))
}

/// Plain text as HTML: escaped, line breaks kept.
pub fn text_as_html(s: &str) -> String {
    escape(s.trim()).replace('\n', "<br>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_people() {
        assert_eq!(person_name("jo@example.org (Jo Bloggs)"), "Jo Bloggs");
        assert_eq!(person_name("Jo Bloggs <jo@example.org>"), "Jo Bloggs");
        assert_eq!(person_name("<jo@example.org>"), "jo@example.org");
        assert_eq!(person_name(" Example\n editor "), "Example editor");
        assert_eq!(person_name("jo@example.org"), "jo@example.org");
        assert_eq!(person_name("Jo Bloggs (jo@example.org)"), "Jo Bloggs");
        assert_eq!(person_name("mailto:jo@example.org"), "jo@example.org");
        assert_eq!(person_name("Jo (the editor)"), "Jo (the editor)");
    }

    #[test]
    fn titles_are_derived_from_text_link_or_date() {
        let mut a = ParsedArticle {
            summary: Some("<p>Flu <b>clinics</b>\n open</p>".into()),
            link: Some("https://a.example/news/1".into()),
            ..Default::default()
        };
        derive_title(&mut a);
        assert_eq!(
            (a.title.as_str(), a.title_derived),
            ("Flu clinics open", true)
        );
        let words = "one two three four five six seven eight nine ten eleven twelve thirteen";
        let mut a = ParsedArticle {
            content: Some(words.into()),
            ..Default::default()
        };
        derive_title(&mut a);
        assert_eq!(
            a.title,
            "one two three four five six seven eight nine ten eleven twelve…"
        );
        let mut a = ParsedArticle {
            content: Some("x".repeat(200)),
            ..Default::default()
        };
        derive_title(&mut a);
        assert_eq!(a.title.chars().count(), DERIVED_CHARS + 1);
        let mut a = ParsedArticle {
            summary: Some("<img src=x>".into()),
            link: Some("https://a.example/news/1/".into()),
            ..Default::default()
        };
        derive_title(&mut a);
        assert_eq!(a.title, "a.example/news/1");
        let mut a = ParsedArticle {
            published: DateTime::from_timestamp(1_700_000_000, 0),
            ..Default::default()
        };
        derive_title(&mut a);
        assert_eq!(a.title, "(untitled, 14 Nov 2023)");
        let mut a = ParsedArticle::default();
        derive_title(&mut a);
        assert_eq!(a.title, "(untitled)");
        let mut a = ParsedArticle {
            title: "Given".into(),
            summary: Some("text".into()),
            ..Default::default()
        };
        derive_title(&mut a);
        assert_eq!((a.title.as_str(), a.title_derived), ("Given", false));
    }

    #[test]
    fn identity_uses_the_text() {
        let a = identity("", None, "Service update", None, "<p>one</p>");
        let b = identity("", None, "Service update", None, "<p>two</p>");
        assert_ne!(a, b);
        assert_eq!(a, identity("", None, "Service update", None, "<p>one</p>"));
        assert_eq!(identity(" g ", Some("l"), "", None, ""), "g");
        assert_eq!(identity("", Some("l"), "", None, ""), "l");
    }
}
