//! Read and starred state carried over from another reader's cache, matched
//! to cached articles by feed URL and guid, or by link within the feed.

use super::{Result, Store};
use rusqlite::{params, OptionalExtension};
use std::collections::{HashMap, HashSet};

/// One article of another reader, with the state to carry over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedState {
    /// The URL of the feed it came from.
    pub feed_url: String,
    pub guid: String,
    pub link: Option<String>,
    pub read: bool,
    pub starred: bool,
}

/// What carrying state over did (or would do).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CarryStats {
    /// Unread articles that were marked read.
    pub marked_read: usize,
    /// Unstarred articles that were starred.
    pub starred: usize,
    /// Items that matched no cached article.
    pub unmatched: usize,
}

/// A URL in the form the config stores it, so `http://a.test` and
/// `http://a.test/` are the same feed.
fn normalize(url: &str) -> String {
    let url = url.trim();
    url::Url::parse(url).map_or_else(|_| url.to_string(), String::from)
}

impl Store {
    /// Marks read and stars the cached articles that match `items`. Never
    /// marks unread or unstars. One transaction; with `dry_run` nothing is
    /// written and only the counts are returned.
    pub fn carry_state(&mut self, items: &[CarriedState], dry_run: bool) -> Result<CarryStats> {
        let tx = self.conn.transaction()?;
        let mut stats = CarryStats::default();
        {
            let mut feeds: HashMap<String, Vec<i64>> = HashMap::new();
            let mut stmt = tx.prepare("SELECT id, url FROM feeds")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (id, url) = row?;
                feeds.entry(normalize(&url)).or_default().push(id);
            }
            let mut by_guid = tx.prepare_cached(
                "SELECT id, read, starred FROM articles WHERE feed_id = ?1 AND guid = ?2",
            )?;
            let mut by_link = tx.prepare_cached(
                "SELECT id, read, starred FROM articles WHERE feed_id = ?1 AND link = ?2",
            )?;
            let mut to_read = HashSet::new();
            let mut to_star = HashSet::new();
            for item in items {
                let mut matched = Vec::new();
                for &feed in feeds.get(&normalize(&item.feed_url)).into_iter().flatten() {
                    let row = |r: &rusqlite::Row<'_>| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, bool>(1)?,
                            r.get::<_, bool>(2)?,
                        ))
                    };
                    let hit = by_guid
                        .query_row(params![feed, item.guid], row)
                        .optional()?;
                    match hit {
                        Some(hit) => matched.push(hit),
                        None => {
                            if let Some(link) = &item.link {
                                let rows = by_link.query_map(params![feed, link], row)?;
                                for r in rows {
                                    matched.push(r?);
                                }
                            }
                        }
                    }
                }
                if matched.is_empty() {
                    stats.unmatched += 1;
                }
                for (id, read, starred) in matched {
                    if item.read && !read {
                        to_read.insert(id);
                    }
                    if item.starred && !starred {
                        to_star.insert(id);
                    }
                }
            }
            stats.marked_read = to_read.len();
            stats.starred = to_star.len();
            if dry_run {
                return Ok(stats);
            }
            let mut mark = tx.prepare_cached("UPDATE articles SET read = 1 WHERE id = ?1")?;
            for id in &to_read {
                mark.execute([id])?;
            }
            let mut star = tx.prepare_cached("UPDATE articles SET starred = 1 WHERE id = ?1")?;
            for id in &to_star {
                star.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn normalizes_feed_urls() {
        assert_eq!(normalize(" http://a.test "), "http://a.test/");
        assert_eq!(normalize("http://a.test/"), "http://a.test/");
        assert_eq!(normalize("query:x"), "query:x");
    }
}
