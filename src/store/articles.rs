//! The one article writer. Articles from a feed document and items pulled
//! from a sync server are stored by the same statements: the row, the
//! bodies and the full-text entry, with what [`prepare`] derives (the
//! change hash, the indexed text, and the link key and SimHash stories
//! compare). The two paths differ only in how they find an article's row,
//! which is theirs, and in what a server item adds ([`Via::Server`]).

use super::bodies::Codec;
use super::fts::{fts_insert_text, fts_upsert_text};
use super::{to_ts, Result};
use crate::model::{FeedId, ParsedArticle, Prepared, WriteStats};
use crate::query::{body_text, html_to_text, initials, join_body};
use chrono::{DateTime, Utc};
use rusqlite::{params, CachedStatement, Connection};
use std::borrow::Cow;

/// What an article came through: a feed document or a sync server.
#[derive(Debug, Clone, Copy)]
pub(super) enum Via<'a> {
    /// A feed document: the article's guid is its identity in the feed.
    Feed,
    /// A sync server: its id there (the guid is `remote:{id}`), and its
    /// flags there, which a new article takes.
    Server {
        remote_id: &'a str,
        read: bool,
        starred: bool,
    },
}

/// An article already in the cache: its row id and content hash.
pub(super) type Found = (i64, i64);

/// An article to index.
pub(super) struct ToIndex<'a> {
    id: i64,
    title: &'a str,
    /// The body as text, and its words' initials when worked out already.
    body: Cow<'a, str>,
    initials: Option<&'a str>,
    /// Whether it is new, so has no entry to replace.
    new: bool,
}

/// Stores articles inside one transaction. Full-text entries are kept for
/// [`index`], which the caller runs last.
pub(super) struct Writer<'t, 'a> {
    tx: &'t Connection,
    bodies: &'t Codec,
    insert: CachedStatement<'t>,
    update: CachedStatement<'t>,
    /// When new articles are first seen.
    now: i64,
    stats: WriteStats,
    to_index: Vec<ToIndex<'a>>,
}

impl<'t, 'a> Writer<'t, 'a> {
    /// A writer for articles first seen at `now`.
    pub(super) fn new(tx: &'t Connection, bodies: &'t Codec, now: DateTime<Utc>) -> Result<Self> {
        let insert = tx.prepare_cached(
            "INSERT INTO articles (feed_id, guid, title, link, author, published, updated,
               first_seen, sort_time, content_hash, link_key, simhash, title_derived,
               read, starred, remote_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, COALESCE(?6, ?8), ?9, ?10, ?11, ?12,
               ?13, ?14, ?15)",
        )?;
        // The feed is set too: a server item may move to another feed.
        let update = tx.prepare_cached(
            "UPDATE articles SET feed_id = ?2, title = ?3, link = ?4, author = ?5,
               published = ?6, updated = ?7, sort_time = COALESCE(?6, first_seen),
               content_hash = ?8, title_derived = ?9
             WHERE id = ?1",
        )?;
        Ok(Writer {
            tx,
            bodies,
            insert,
            update,
            now: to_ts(now),
            stats: WriteStats::default(),
            to_index: Vec::new(),
        })
    }

    /// Stores `a` as an article of `feed`. `found` is its row when the
    /// cache has it: an unchanged one is left as it is, a changed one is
    /// updated in place (its flags kept). Returns the article's id.
    pub(super) fn write(
        &mut self,
        feed: FeedId,
        a: &'a ParsedArticle,
        via: Via,
        found: Option<Found>,
    ) -> Result<i64> {
        let hash = a
            .prepared
            .as_ref()
            .map_or_else(|| content_hash(a), |p| p.content_hash);
        let published = a.published.map(to_ts);
        let updated = a.updated.map(to_ts);
        match found {
            Some((id, old)) if old == hash => {
                self.stats.unchanged += 1;
                Ok(id)
            }
            Some((id, _)) => {
                self.update.execute(params![
                    id,
                    feed.0,
                    a.title,
                    a.link,
                    a.author,
                    published,
                    updated,
                    hash,
                    a.title_derived
                ])?;
                // A body from the article's own page is fetched once: an
                // absent one keeps what is cached.
                let kept = if a.content_from_page && a.content.is_none() {
                    self.bodies.get(self.tx, id)?.and_then(|(_, c)| c)
                } else {
                    None
                };
                let content = a.content.as_deref().or(kept.as_deref());
                let packed = a.prepared.as_ref().and_then(|p| p.packed.as_ref());
                let packed = packed.filter(|_| kept.is_none());
                self.bodies
                    .put_packed(self.tx, id, a.summary.as_deref(), content, packed)?;
                self.to_index.push(ToIndex {
                    id,
                    title: &a.title,
                    body: Cow::Owned(body_text(a.summary.as_deref(), content)),
                    initials: None,
                    new: false,
                });
                self.stats.updated += 1;
                Ok(id)
            }
            None => {
                let worked_out;
                let p = match &a.prepared {
                    Some(p) => p,
                    None => {
                        worked_out = prepare(a);
                        &worked_out
                    }
                };
                let (guid, read, starred, remote_id) = match via {
                    Via::Feed => (a.guid.clone(), false, false, None),
                    Via::Server {
                        remote_id,
                        read,
                        starred,
                    } => (
                        format!("remote:{remote_id}"),
                        read,
                        starred,
                        Some(remote_id),
                    ),
                };
                self.insert.execute(params![
                    feed.0,
                    guid,
                    a.title,
                    a.link,
                    a.author,
                    published,
                    updated,
                    self.now,
                    hash,
                    p.link_key,
                    p.simhash,
                    a.title_derived,
                    read,
                    starred,
                    remote_id
                ])?;
                let id = self.tx.last_insert_rowid();
                self.bodies.put_packed(
                    self.tx,
                    id,
                    a.summary.as_deref(),
                    a.content.as_deref(),
                    p.packed.as_ref(),
                )?;
                // Borrowed when the fetcher prepared it, as it does in bulk.
                let (body, initials) = match &a.prepared {
                    Some(p) => (
                        Cow::Borrowed(p.index_body.as_str()),
                        Some(p.index_initials.as_str()),
                    ),
                    None => (Cow::Owned(p.index_body.clone()), None),
                };
                self.to_index.push(ToIndex {
                    id,
                    title: &a.title,
                    body,
                    initials,
                    new: true,
                });
                self.stats.new += 1;
                Ok(id)
            }
        }
    }

    /// What was written, and the full-text entries for [`index`].
    pub(super) fn finish(self) -> (WriteStats, Vec<ToIndex<'a>>) {
        (self.stats, self.to_index)
    }
}

/// Writes the full-text entries of what a [`Writer`] stored. It runs last
/// in the transaction: FTS5 flushes its pending terms at every statement
/// savepoint taken after it joins the transaction, so writing it between
/// the other statements made bulk fetches twice as slow.
pub(super) fn index(tx: &Connection, to_index: &[ToIndex]) -> Result<()> {
    for e in to_index {
        if e.new {
            fts_insert_text(tx, e.id, e.title, &e.body, e.initials)?;
        } else {
            fts_upsert_text(tx, e.id, e.title, &e.body, e.initials)?;
        }
    }
    Ok(())
}

/// What storing `a` derives from it. The fetcher calls this on its own
/// threads (see [`ParsedArticle::prepared`]); the writer only when it did not.
pub fn prepare(a: &ParsedArticle) -> Prepared {
    // Each body is made text once, for the index and for stories (which
    // compare the summary, or the content when there is none).
    let text = |html: &Option<String>| html.as_deref().map(html_to_text).unwrap_or_default();
    let (summary, content) = (text(&a.summary), text(&a.content));
    let opening = if crate::story::compares_summary(a.summary.as_deref()) {
        &summary
    } else {
        &content
    };
    let simhash = crate::story::simhash(opening);
    let index_body = join_body(summary, content);
    Prepared {
        index_initials: initials(&index_body),
        content_hash: content_hash(a),
        index_body,
        link_key: a.link.as_deref().and_then(crate::story::link_key),
        simhash,
        packed: None,
    }
}

/// Works out what storing an article derives from it, bodies compressed
/// included, on any thread: the runner has the fetcher call it, so that
/// the cache's one writer does not.
#[derive(Clone)]
pub struct Preparer(super::bodies::Packer);

impl Preparer {
    pub fn prepare(&self, a: &mut ParsedArticle) {
        let mut p = prepare(a);
        p.packed = self.0.pack(a.summary.as_deref(), a.content.as_deref());
        a.prepared = Some(p);
    }
}

impl super::Store {
    /// A [`Preparer`] for this cache.
    pub fn preparer(&self) -> Result<Preparer> {
        Ok(Preparer(self.bodies.packer(&self.conn)?))
    }
}

/// A stable 64-bit FNV-1a hash of everything shown of an article.
pub(super) fn content_hash(a: &ParsedArticle) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes.iter().chain(std::iter::once(&0xff)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(a.title.as_bytes());
    // A page-fetched body is not part of the listing's identity of content.
    let content = if a.content_from_page {
        &None
    } else {
        &a.content
    };
    for s in [&a.link, &a.author, &a.summary, content] {
        feed(s.as_deref().unwrap_or("").as_bytes());
    }
    for t in [a.published, a.updated] {
        feed(&t.map_or(i64::MIN, to_ts).to_le_bytes());
    }
    h as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepared_fields_are_what_the_writer_would_work_out() {
        let bodies = [
            (Some("<p>Virtual wards &amp; beds reach 10,000</p>"), None),
            (Some("  "), Some("<p>Only the content: wards at home</p>")),
            (None, Some("<div>Content <b>only</b> here today</div>")),
            (
                Some("<p>Summary words</p>"),
                Some("<p>Summary words and more</p>"),
            ),
            (None, None),
        ];
        for (summary, content) in bodies {
            let a = ParsedArticle {
                title: "Virtual wards news".into(),
                link: Some("https://www.example.org/a/?utm_source=x".into()),
                summary: summary.map(str::to_string),
                content: content.map(str::to_string),
                ..Default::default()
            };
            let p = prepare(&a);
            assert_eq!(p.index_body, body_text(summary, content));
            assert_eq!(p.simhash, crate::story::fingerprint(summary, content));
            assert_eq!(p.link_key.as_deref(), Some("example.org/a"));
            assert_eq!(p.content_hash, content_hash(&a));
        }
    }
}
