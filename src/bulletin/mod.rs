//! Current-awareness bulletins: the articles of a period, grouped by tag or
//! by saved view, written as Markdown, self-contained HTML or plain text.
//!
//! [`build`] reads the cache and cleans every text from feeds once
//! ([`crate::sanitize`]); the writers then only escape for their format.

mod html;
pub mod mail;
mod markdown;
mod text;

use crate::model::{ArticleId, ArticleSummary};
use crate::query::{Query, SqlOptions};
use crate::render::Zone;
use crate::sanitize;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashSet};

pub use html::write as html;
pub use markdown::write as markdown;
pub use text::write as text;

/// A bulletin, ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Bulletin {
    pub title: String,
    /// Start of the period (None: everything up to `to`).
    pub from: Option<DateTime<Utc>>,
    pub to: DateTime<Utc>,
    pub zone: Zone,
    pub sections: Vec<Section>,
}

impl Bulletin {
    pub fn len(&self) -> usize {
        self.sections.iter().map(|s| s.entries.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// "2026-11-22 to 2026-11-29", or "up to 2026-11-29".
    pub fn period(&self) -> String {
        let day = |t: DateTime<Utc>| self.zone.at(t).format("%Y-%m-%d").to_string();
        match self.from {
            Some(f) => format!("{} to {}", day(f), day(self.to)),
            None => format!("up to {}", day(self.to)),
        }
    }

    /// "3 articles", "1 article".
    pub fn count(&self) -> String {
        match self.len() {
            1 => "1 article".into(),
            n => format!("{n} articles"),
        }
    }
}

/// A tag's or a view's articles.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub name: String,
    pub entries: Vec<Entry>,
}

/// One story: every text sanitised to one line.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: ArticleId,
    /// The story's id: copies from several feeds are one entry.
    pub story: i64,
    pub title: String,
    /// The feeds it came from.
    pub sources: Vec<String>,
    pub date: Option<DateTime<Utc>>,
    /// Only http and https links are kept.
    pub link: Option<String>,
    /// The body's first paragraph as text, shortened.
    pub paragraph: String,
}

impl Entry {
    /// The entry's date as a day in `zone`, or "undated".
    pub fn day(&self, zone: Zone) -> String {
        self.date.map_or_else(
            || "undated".to_string(),
            |d| zone.at(d).format("%Y-%m-%d").to_string(),
        )
    }
}

/// How articles are grouped into sections.
#[derive(Debug, Clone)]
pub enum Grouping {
    /// By their feed's first tag (alphabetically); untagged ones last.
    Tag,
    /// One section per view, in order; an article goes in the first view
    /// it matches, and articles matching none are left out.
    Views(Vec<(String, Query)>),
}

/// What to put in a bulletin.
#[derive(Debug, Clone)]
pub struct Request {
    pub title: String,
    pub query: Query,
    pub grouping: Grouping,
    /// Articles dated from here on.
    pub dated_from: Option<DateTime<Utc>>,
    /// Articles first stored after this (the last bulletin).
    pub seen_after: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    pub zone: Zone,
    /// At most this many articles in all.
    pub limit: usize,
}

/// Section name for articles whose feed has no tag.
pub const UNTAGGED: &str = "Other";

/// Longest first paragraph kept, in characters.
const PARAGRAPH_CHARS: usize = 300;

/// Reads the bulletin's articles from the cache.
pub fn build(store: &Store, req: &Request, opts: &SqlOptions) -> Result<Bulletin, StoreError> {
    let window = (req.dated_from, req.seen_after);
    let mut sections = Vec::new();
    match &req.grouping {
        Grouping::Tag => {
            let rows = store.bulletin_articles(&req.query, opts, req.now, window, req.limit)?;
            let tags = store.feed_tags()?;
            let mut by_tag: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
            let mut untagged = Vec::new();
            for (a, sources) in stories(rows) {
                let e = entry(store, &a, sources)?;
                match tags.get(&a.feed_id).and_then(|t| t.first()) {
                    Some(t) => by_tag.entry(sanitize::line(t)).or_default().push(e),
                    None => untagged.push(e),
                }
            }
            sections.extend(
                by_tag
                    .into_iter()
                    .map(|(name, entries)| Section { name, entries }),
            );
            if !untagged.is_empty() {
                sections.push(Section {
                    name: UNTAGGED.into(),
                    entries: untagged,
                });
            }
        }
        Grouping::Views(views) => {
            let mut seen = HashSet::new();
            let mut left = req.limit;
            let mut seen_stories = HashSet::new();
            for (name, view) in views {
                let q = and_view(req.query.clone(), view);
                let rows = store.bulletin_articles(&q, opts, req.now, window, req.limit)?;
                let rows = rows
                    .into_iter()
                    .filter(|(_, story)| !seen_stories.contains(story))
                    .collect::<Vec<_>>();
                let mut entries = Vec::new();
                for (a, sources) in stories(rows) {
                    if left == 0 {
                        break;
                    }
                    if seen.insert(a.id) {
                        entries.push(entry(store, &a, sources)?);
                        left -= 1;
                    }
                }
                seen_stories.extend(entries.iter().map(|e| e.story));
                if !entries.is_empty() {
                    sections.push(Section {
                        name: sanitize::line(name),
                        entries,
                    });
                }
            }
        }
    }
    Ok(Bulletin {
        title: sanitize::line(&req.title),
        from: req.dated_from.max(req.seen_after),
        to: req.now,
        zone: req.zone,
        sections,
    })
}

/// The query `q` restricted to `view`'s query, keeping `q`'s order.
pub fn and_view(q: Query, view: &Query) -> Query {
    match view.expr.clone() {
        Some(e) => q.and(e),
        None => q,
    }
}

/// One entry per story where its first copy in order stands, showing the
/// copy published first (as lists do) with its source first, then the
/// feeds of the other copies.
fn stories(rows: Vec<(ArticleSummary, i64)>) -> Vec<(ArticleSummary, (i64, Vec<String>))> {
    let mut out: Vec<(ArticleSummary, (i64, Vec<String>))> = Vec::new();
    let mut at: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for (a, story) in rows {
        let feed = sanitize::line(&a.feed);
        match at.get(&story) {
            Some(&i) => {
                let (shown, (_, sources)) = &mut out[i];
                if (a.sort_time, a.id) < (shown.sort_time, shown.id) {
                    *shown = a;
                    sources.retain(|s| s != &feed);
                    sources.insert(0, feed);
                } else if !sources.contains(&feed) {
                    sources.push(feed);
                }
            }
            None => {
                at.insert(story, out.len());
                out.push((a, (story, vec![feed])));
            }
        }
    }
    out
}

fn entry(
    store: &Store,
    a: &ArticleSummary,
    (story, sources): (i64, Vec<String>),
) -> Result<Entry, StoreError> {
    let body = store.article(a.id)?;
    let html = body
        .content_html
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .or(body.summary_html.as_deref())
        .unwrap_or("");
    Ok(Entry {
        id: a.id,
        title: match sanitize::line(&a.title) {
            t if t.is_empty() => "(untitled)".into(),
            t => t,
        },
        story,
        sources,
        date: a.published,
        link: a.link.as_deref().and_then(web_link),
        paragraph: first_paragraph(html),
    })
}

/// `s` as an http or https URL (normalised), else None.
pub fn web_link(s: &str) -> Option<String> {
    let u = url::Url::parse(s.trim()).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.to_string())
}

/// The first paragraph with words in it of an HTML (or text) body, as one
/// clean line of at most [`PARAGRAPH_CHARS`] characters.
pub fn first_paragraph(html: &str) -> String {
    if html.trim().is_empty() {
        return String::new();
    }
    // Escape sequences go before conversion, which would drop only their
    // ESC and leave the rest as text.
    let html = sanitize::text(html);
    let text = html2text::config::plain_no_decorate()
        .link_footnotes(false)
        .string_from_read(html.as_bytes(), 10_000)
        .unwrap_or_else(|_| html.clone());
    let para = text
        .split("\n\n")
        .map(sanitize::line)
        .find(|p| p.chars().filter(|c| c.is_alphanumeric()).count() >= 3)
        .unwrap_or_default();
    shorten(&para, PARAGRAPH_CHARS)
}

/// At most `max` characters, cut at a word boundary with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([' ', ',', ';', ':', '.']))
}

#[cfg(test)]
mod tests;
