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
    /// marks unread or unstars. Changes to articles from the sync server go
    /// to its outbox. One transaction; with `dry_run` nothing is
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
            // Articles from the sync server also queue the change for it,
            // as marking them here does.
            let mut outbox = tx.prepare_cached(
                "INSERT OR REPLACE INTO sync_outbox (remote_id, flag, value, changed_at)
                 SELECT remote_id, ?2, 1, ?3 FROM articles
                 WHERE id = ?1 AND remote_id IS NOT NULL",
            )?;
            let now = super::to_ts(chrono::Utc::now());
            let mut mark = tx.prepare_cached("UPDATE articles SET read = 1 WHERE id = ?1")?;
            for id in &to_read {
                mark.execute([id])?;
                outbox.execute(params![id, "read", now])?;
            }
            let mut star = tx.prepare_cached("UPDATE articles SET starred = 1 WHERE id = ?1")?;
            for id in &to_star {
                star.execute([id])?;
                outbox.execute(params![id, "starred", now])?;
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
    fn state_of_server_articles_reaches_the_outbox() {
        use crate::model::ParsedArticle;
        use crate::store::{Flag, RemoteFeed, RemoteItem};
        let mut s = Store::open_in_memory().unwrap();
        let feeds = s
            .replace_remote_feeds(
                &[RemoteFeed {
                    remote_id: "feed/1".into(),
                    title: "A".into(),
                    url: "http://a.test/feed".into(),
                    site_url: None,
                    tags: vec![],
                }],
                &[],
            )
            .unwrap();
        let item = |id: &str| RemoteItem {
            remote_id: id.into(),
            feed: "feed/1".into(),
            article: ParsedArticle {
                guid: id.into(),
                title: format!("item {id}"),
                link: Some(format!("http://a.test/{id}")),
                ..Default::default()
            },
            read: false,
            starred: false,
        };
        s.store_remote_items(&[item("71"), item("72")], &feeds, &[])
            .unwrap();
        let carried = CarriedState {
            feed_url: "http://a.test/feed".into(),
            guid: "newsboat-guid".into(),
            link: Some("http://a.test/72".into()),
            read: true,
            starred: true,
        };
        let dry = s.carry_state(std::slice::from_ref(&carried), true).unwrap();
        assert_eq!((dry.marked_read, dry.starred), (1, 1));
        assert!(s.outbox(10).unwrap().is_empty());
        let st = s.carry_state(&[carried], false).unwrap();
        assert_eq!((st.marked_read, st.starred, st.unmatched), (1, 1, 0));
        let mut out: Vec<(String, Flag, bool)> = s
            .outbox(10)
            .unwrap()
            .into_iter()
            .map(|c| (c.remote_id, c.flag, c.value))
            .collect();
        out.sort_by_key(|c| c.1 == Flag::Starred);
        assert_eq!(
            out,
            [
                ("72".to_string(), Flag::Read, true),
                ("72".to_string(), Flag::Starred, true)
            ]
        );
    }

    #[test]
    fn normalizes_feed_urls() {
        assert_eq!(normalize(" http://a.test "), "http://a.test/");
        assert_eq!(normalize("http://a.test/"), "http://a.test/");
        assert_eq!(normalize("query:x"), "query:x");
    }
}
