//! The feed table: making it match the config, moving a feed to a new
//! address, purging feeds the config dropped, and each feed's validators.

use super::{Result, Store, StoreError};
use crate::config::FeedConfig;
use crate::model::{FeedId, FetchState, Origin, Subscription};
use rusqlite::{params, OptionalExtension};
use std::collections::{HashMap, HashSet};
use url::Url;

/// What purging unsubscribed feeds deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PurgeStats {
    pub articles: usize,
    pub feeds: usize,
}

impl Store {
    /// Makes the cache's feed table match the config, and returns each
    /// configured feed's id. A feed is matched by URL: a new name in the
    /// config renames the row and keeps its articles. Feeds no longer in
    /// the config keep their articles but are marked unsubscribed (not
    /// fetched, not listed, no tags).
    pub fn sync_feeds(&mut self, feeds: &[FeedConfig]) -> Result<Vec<FeedId>> {
        // Every start syncs: when nothing changed, it only reads.
        match self.feeds_in_sync(feeds)? {
            Some(ids) => Ok(ids),
            None => self.write_feeds(feeds),
        }
    }

    /// The configured feeds as subscriptions, in the config's order, after
    /// [`Store::sync_feeds`].
    pub fn subscriptions(&mut self, feeds: &[FeedConfig]) -> Result<Vec<Subscription>> {
        let ids = self.sync_feeds(feeds)?;
        Ok(feeds
            .iter()
            .zip(ids)
            .map(|(f, id)| Subscription {
                id,
                origin: f.list.clone().map_or(Origin::Config, Origin::List),
            })
            .collect())
    }

    /// What [`Store::sync_feeds`] writes when the table differs.
    pub(super) fn write_feeds(&mut self, feeds: &[FeedConfig]) -> Result<Vec<FeedId>> {
        let tx = self.conn.transaction()?;
        let mut ids = Vec::with_capacity(feeds.len());
        {
            tx.prepare_cached(
                "UPDATE feeds SET subscribed = 0 WHERE subscribed AND remote_id IS NULL",
            )?
            .execute([])?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO feeds (url, name, list) VALUES (?1, ?2, ?3)
                 ON CONFLICT(url) WHERE remote_id IS NULL
                 DO UPDATE SET name = excluded.name, subscribed = 1, list = excluded.list
                 RETURNING id",
            )?;
            let mut clear_tags = tx.prepare_cached("DELETE FROM feed_tags WHERE feed_id = ?1")?;
            let mut add_tag = tx
                .prepare_cached("INSERT OR IGNORE INTO feed_tags (tag, feed_id) VALUES (?1, ?2)")?;
            // A server feed that holds a name now in the config moves aside
            // (the next sync names it anew).
            let mut move_aside = tx.prepare_cached(
                "UPDATE feeds SET name = name || ' (server ' || id || ')'
                 WHERE remote_id IS NOT NULL AND name = ?1",
            )?;
            for f in feeds {
                move_aside.execute([&f.name])?;
                let id: i64 =
                    upsert.query_row(params![f.url.as_str(), f.name, f.list], |r| r.get(0))?;
                clear_tags.execute([id])?;
                for t in &f.tags {
                    add_tag.execute(params![t, id])?;
                }
                ids.push(FeedId(id));
            }
            tx.prepare_cached(
                "DELETE FROM feed_tags WHERE feed_id IN (SELECT id FROM feeds WHERE NOT subscribed)",
            )?
            .execute([])?;
        }
        tx.commit()?;
        Ok(ids)
    }

    /// The configured feeds' ids when the feed table already matches
    /// `feeds` (what [`Store::sync_feeds`] would write is there), else None.
    fn feeds_in_sync(&self, feeds: &[FeedConfig]) -> Result<Option<Vec<FeedId>>> {
        struct Row {
            id: i64,
            name: String,
            list: Option<String>,
            subscribed: bool,
            tags: HashSet<String>,
        }
        let mut local: HashMap<String, Row> = HashMap::new();
        let mut by_id: HashMap<i64, String> = HashMap::new();
        let mut remote_names: HashSet<String> = HashSet::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id, url, name, list, subscribed, remote_id FROM feeds")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let name: String = r.get(2)?;
                if r.get::<_, Option<String>>(5)?.is_some() {
                    remote_names.insert(name);
                    continue;
                }
                let (id, url): (i64, String) = (r.get(0)?, r.get(1)?);
                by_id.insert(id, url.clone());
                let row = Row {
                    id,
                    name,
                    list: r.get(3)?,
                    subscribed: r.get::<_, i64>(4)? != 0,
                    tags: HashSet::new(),
                };
                local.insert(url, row);
            }
            let mut stmt = self
                .conn
                .prepare_cached("SELECT feed_id, tag FROM feed_tags")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let Some(url) = by_id.get(&r.get::<_, i64>(0)?) else {
                    return Ok(None);
                };
                if let Some(row) = local.get_mut(url) {
                    row.tags.insert(r.get(1)?);
                }
            }
        }
        let mut ids = Vec::with_capacity(feeds.len());
        let mut seen = HashSet::with_capacity(feeds.len());
        for f in feeds {
            let Some(row) = local.get(f.url.as_str()) else {
                return Ok(None);
            };
            let tags: HashSet<&str> = f.tags.iter().map(String::as_str).collect();
            let same = row.name == f.name
                && row.list == f.list
                && row.subscribed
                && !remote_names.contains(&f.name)
                && row.tags.len() == tags.len()
                && row.tags.iter().all(|t| tags.contains(t.as_str()))
                && seen.insert(row.id);
            if !same {
                return Ok(None);
            }
            ids.push(FeedId(row.id));
        }
        // Feeds the config no longer lists must be unsubscribed, untagged.
        let stale = local
            .values()
            .any(|r| !seen.contains(&r.id) && (r.subscribed || !r.tags.is_empty()));
        Ok((!stale).then_some(ids))
    }

    /// Moves the feed at `old` to `new` (the site moved), keeping its name,
    /// articles and flags and forgetting its validators. `new` may already
    /// be a feed only if it holds no articles (the config was edited first).
    /// Returns the feed's name.
    pub fn rename_url(&mut self, old: &Url, new: &Url) -> Result<String> {
        let tx = self.conn.transaction()?;
        let (id, name): (i64, String) = tx
            .query_row(
                "SELECT id, name FROM feeds WHERE url = ?1 AND remote_id IS NULL",
                [old.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NoFeedUrl(old.to_string()))?;
        let taken: Option<(i64, u64)> = tx
            .query_row(
                "SELECT id, (SELECT COUNT(*) FROM articles WHERE feed_id = feeds.id)
                 FROM feeds WHERE url = ?1 AND remote_id IS NULL",
                [new.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match taken {
            Some((other, _)) if other == id => {}
            Some((_, 0)) => {
                tx.execute(
                    "DELETE FROM feeds WHERE url = ?1 AND remote_id IS NULL",
                    [new.as_str()],
                )?;
            }
            Some((_, articles)) => {
                return Err(StoreError::FeedUrlTaken {
                    url: new.to_string(),
                    articles,
                })
            }
            None => {}
        }
        tx.execute(
            "UPDATE feeds SET url = ?2, etag = NULL, last_modified = NULL,
               next_fetch_after = NULL WHERE id = ?1",
            params![id, new.as_str()],
        )?;
        tx.commit()?;
        Ok(name)
    }

    /// Deletes the articles of feeds the config no longer lists (starred
    /// ones only with `with_starred`), then such feeds left empty.
    pub fn purge_unsubscribed(&mut self, with_starred: bool) -> Result<PurgeStats> {
        let tx = self.conn.transaction()?;
        let articles = tx.execute(
            "DELETE FROM articles
             WHERE feed_id IN (SELECT id FROM feeds WHERE NOT subscribed)
               AND (NOT starred OR ?1)",
            [with_starred],
        )?;
        let feeds = tx.execute(
            "DELETE FROM feeds WHERE NOT subscribed
               AND NOT EXISTS (SELECT 1 FROM articles WHERE feed_id = feeds.id)",
            [],
        )?;
        tx.commit()?;
        Ok(PurgeStats { articles, feeds })
    }

    /// Validators and the polite-interval deadline for one feed.
    pub fn fetch_state(&self, feed: FeedId) -> Result<FetchState> {
        let state = self
            .conn
            .prepare_cached(
                "SELECT etag, last_modified, next_fetch_after FROM feeds WHERE id = ?1",
            )?
            .query_row([feed.0], |r| {
                Ok(FetchState {
                    etag: r.get(0)?,
                    last_modified: r.get(1)?,
                    next_fetch_after: r.get::<_, Option<i64>>(2)?.map(super::from_ts),
                })
            })
            .optional()?;
        Ok(state.unwrap_or_default())
    }
}
