//! What the sync server provides: its subscriptions and items (with its
//! ids), its read and starred state, and the outbox of local flag changes
//! waiting to be pushed.
//!
//! The conflict rule lives here: a change still in the outbox wins over the
//! server; once the server has acknowledged it, the server is the truth.

use super::articles::{index, Found, Via, Writer};
use super::{to_ts, Result, Store};
use crate::model::{FeedId, ParsedArticle, WriteStats};
use chrono::Utc;
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::{HashMap, HashSet};

/// A subscription on the server.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteFeed {
    pub remote_id: String,
    pub title: String,
    pub url: String,
    pub site_url: Option<String>,
    /// The server's groups, folders or labels.
    pub tags: Vec<String>,
}

/// A server feed found in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFeedRef {
    pub remote_id: String,
    pub name: String,
}

/// An item from the server, with its flags there.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteItem {
    pub remote_id: String,
    /// The server's id of the item's feed.
    pub feed: String,
    pub article: ParsedArticle,
    pub read: bool,
    pub starred: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Read,
    Starred,
}

impl Flag {
    fn column(self) -> &'static str {
        match self {
            Flag::Read => "read",
            Flag::Starred => "starred",
        }
    }
}

/// A local flag change waiting for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Acknowledging removes the change only if it was not replaced since.
    pub seq: i64,
    pub remote_id: String,
    pub flag: Flag,
    pub value: bool,
}

/// What applying the server's flags changed here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FlagStats {
    pub marked_read: usize,
    pub marked_unread: usize,
    pub starred: usize,
    pub unstarred: usize,
}

impl Store {
    /// A value kept for the sync (`account`, the last item id seen).
    pub fn sync_state(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM sync_state WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_sync_state(&mut self, key: &str, value: &str) -> Result<()> {
        set_state(&self.conn, key, value)
    }

    /// Starts syncing with `account`. When the cache was syncing with
    /// another account (a changed server or user), that account's feeds,
    /// articles, outbox and state are dropped first: their ids mean nothing
    /// to the new one. Returns whether anything was dropped.
    pub fn begin_account(&mut self, account: &str) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let old: Option<String> = tx
            .query_row(
                "SELECT value FROM sync_state WHERE key = 'account'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let reset = old.as_deref().is_some_and(|o| o != account);
        if reset {
            tx.execute_batch(
                "DELETE FROM feeds WHERE remote_id IS NOT NULL;
                 DELETE FROM sync_outbox; DELETE FROM sync_state;",
            )?;
        }
        set_state(&tx, "account", account)?;
        tx.commit()?;
        Ok(reset)
    }

    /// Makes the cache's server feeds match `feeds` (feeds gone from the
    /// server are unsubscribed, their articles kept) and returns the cache id of
    /// each server feed id. Names are the server's titles, made unique
    /// against every other feed and against `reserved` (the config's names).
    pub fn replace_remote_feeds(
        &mut self,
        feeds: &[RemoteFeed],
        reserved: &[String],
    ) -> Result<HashMap<String, FeedId>> {
        let reserved: HashSet<String> = reserved.iter().map(|n| n.to_lowercase()).collect();
        // Listed by the server now: shown as its last success.
        let now = to_ts(Utc::now());
        let tx = self.conn.transaction()?;
        let mut known: HashMap<String, (i64, String)> = HashMap::new();
        {
            let mut stmt = tx.prepare_cached(
                "SELECT remote_id, id, name FROM feeds WHERE remote_id IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
            for row in rows {
                let (rid, v) = row?;
                known.insert(rid, v);
            }
        }
        let mut ids = HashMap::with_capacity(feeds.len());
        for f in feeds {
            let title = crate::sanitize::line(&f.title);
            let wanted = if title.is_empty() {
                crate::sanitize::line(&f.url)
            } else {
                title.clone()
            };
            let id =
                match known.get(&f.remote_id) {
                    Some((id, name)) => {
                        let name = if base_name(name) == wanted {
                            name.clone()
                        } else {
                            unique_name(&tx, &wanted, &reserved, Some(*id))?
                        };
                        tx.prepare_cached(
                            "UPDATE feeds SET name = ?2, url = ?3, title = ?4, site_url = ?5,
                           last_attempt = ?6, last_success = ?6, subscribed = 1 WHERE id = ?1",
                        )?
                        .execute(params![id, name, f.url, title, f.site_url, now])?;
                        *id
                    }
                    None => {
                        let name = unique_name(&tx, &wanted, &reserved, None)?;
                        tx.prepare_cached(
                        "INSERT INTO feeds (name, url, title, site_url, remote_id, last_attempt,
                           last_success)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                    )?
                    .execute(params![name, f.url, title, f.site_url, f.remote_id, now])?;
                        tx.last_insert_rowid()
                    }
                };
            tx.prepare_cached("DELETE FROM feed_tags WHERE feed_id = ?1")?
                .execute([id])?;
            for t in &f.tags {
                let tag: String = crate::sanitize::line(t).replace(' ', "-");
                if !tag.is_empty() {
                    tx.prepare_cached(
                        "INSERT OR IGNORE INTO feed_tags (tag, feed_id) VALUES (?1, ?2)",
                    )?
                    .execute(params![tag, id])?;
                }
            }
            ids.insert(f.remote_id.clone(), FeedId(id));
        }
        {
            // Gone from the server: no longer subscribed, articles kept, as
            // for a feed removed from the config.
            let mut gone = tx.prepare_cached("UPDATE feeds SET subscribed = 0 WHERE id = ?1")?;
            let mut untag = tx.prepare_cached("DELETE FROM feed_tags WHERE feed_id = ?1")?;
            for (rid, (id, _)) in &known {
                if !ids.contains_key(rid) {
                    gone.execute([id])?;
                    untag.execute([id])?;
                }
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// The cache id of each server feed id.
    pub fn remote_feeds(&self) -> Result<HashMap<String, FeedId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT remote_id, id FROM feeds WHERE remote_id IS NOT NULL AND subscribed",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, FeedId(r.get(1)?))))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A subscribed server feed by its URL or name.
    pub fn remote_feed(&self, url_or_name: &str) -> Result<Option<RemoteFeedRef>> {
        let url = url::Url::parse(url_or_name.trim()).map(String::from).ok();
        Ok(self
            .conn
            .prepare_cached(
                "SELECT remote_id, name FROM feeds
                 WHERE remote_id IS NOT NULL AND subscribed
                   AND (url = ?1 OR url = ?2 OR name = ?1 COLLATE NOCASE)
                 ORDER BY url = ?1 DESC LIMIT 1",
            )?
            .query_row(params![url_or_name.trim(), url], |r| {
                Ok(RemoteFeedRef {
                    remote_id: r.get(0)?,
                    name: r.get(1)?,
                })
            })
            .optional()?)
    }

    /// Marks a server feed unsubscribed now (its articles kept), before the
    /// next sync reads the server's list.
    pub fn unsubscribe_remote(&mut self, remote_id: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE feeds SET subscribed = 0 WHERE remote_id = ?1")?
            .execute([remote_id])?;
        Ok(())
    }

    /// Addresses of the feeds the server fetches (local copies skip them).
    pub fn remote_feed_urls(&self) -> Result<HashSet<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT url FROM feeds WHERE remote_id IS NOT NULL AND subscribed")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many articles came from the server.
    pub fn remote_article_count(&self) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM articles WHERE remote_id IS NOT NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// Stores one page of server items in one transaction, together with
    /// the sync state that says the page was seen (`state`), so that an
    /// interrupted first sync resumes where it stopped. Items of feeds not
    /// in `feeds` are skipped. New items take the server's flags.
    pub fn store_remote_items(
        &mut self,
        items: &[RemoteItem],
        feeds: &HashMap<String, FeedId>,
        state: &[(&str, &str)],
    ) -> Result<WriteStats> {
        let tx = self.conn.transaction()?;
        let (stats, to_index) = {
            let mut find =
                tx.prepare_cached("SELECT id, content_hash FROM articles WHERE remote_id = ?1")?;
            let mut writer = Writer::new(&tx, &self.bodies, Utc::now())?;
            for item in items {
                let Some(feed) = feeds.get(&item.feed) else {
                    continue;
                };
                // Found by its server id in whichever feed: an item may
                // move to another feed, and the update moves it.
                let found: Option<Found> = find
                    .query_row([&item.remote_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                let via = Via::Server {
                    remote_id: &item.remote_id,
                    read: item.read,
                    starred: item.starred,
                };
                writer.write(*feed, &item.article, via, found)?;
            }
            writer.finish()
        };
        for (key, value) in state {
            set_state(&tx, key, value)?;
        }
        // Written last, as in `record`: see the note on `index`.
        index(&tx, &to_index)?;
        tx.commit()?;
        self.committed();
        // As after a fetch: failing leaves bodies plain for the next try.
        if let Err(e) = self.bodies.maintain(&mut self.conn) {
            tracing::warn!("cannot compress the cached bodies: {e}");
        }
        Ok(stats)
    }

    /// Takes the server's read and starred state: articles in `unread` are
    /// unread and all other server articles read; those in `starred` are
    /// starred and the rest not. A flag with a change still in the outbox
    /// keeps its local value.
    pub fn apply_remote_flags(
        &mut self,
        unread: &[String],
        starred: &[String],
    ) -> Result<FlagStats> {
        let tx = self.conn.transaction()?;
        let mut stats = FlagStats::default();
        let (marked_read, marked_unread) = apply_flag(&tx, Flag::Read, unread, true)?;
        stats.marked_read = marked_read;
        stats.marked_unread = marked_unread;
        let (unstarred, now_starred) = apply_flag(&tx, Flag::Starred, starred, false)?;
        stats.starred = now_starred;
        stats.unstarred = unstarred;
        tx.commit()?;
        Ok(stats)
    }

    /// The oldest `limit` changes waiting for the server.
    pub fn outbox(&self, limit: usize) -> Result<Vec<Change>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, remote_id, flag, value FROM sync_outbox ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            let flag: String = r.get(2)?;
            Ok(Change {
                seq: r.get(0)?,
                remote_id: r.get(1)?,
                flag: if flag == "read" {
                    Flag::Read
                } else {
                    Flag::Starred
                },
                value: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many changes wait for the server.
    pub fn outbox_len(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM sync_outbox", [], |r| r.get(0))?)
    }

    /// Forgets changes the server has taken. A change replaced since it was
    /// read from the outbox has a new `seq` and stays.
    pub fn outbox_ack(&mut self, seqs: &[i64]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached("DELETE FROM sync_outbox WHERE seq = ?1")?;
            for s in seqs {
                stmt.execute([s])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// Changes waiting in the outbox and the time of the last sync, read from
/// the cache at `path` without changing it (an older cache has neither).
pub fn outbox_status(path: &std::path::Path) -> Result<(u64, Option<i64>)> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let has_outbox: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'sync_outbox'",
        [],
        |r| r.get(0),
    )?;
    if !has_outbox {
        return Ok((0, None));
    }
    let waiting = conn.query_row("SELECT COUNT(*) FROM sync_outbox", [], |r| r.get(0))?;
    let last: Option<String> = conn
        .query_row(
            "SELECT value FROM sync_state WHERE key = 'last_sync'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok((waiting, last.and_then(|t| t.parse().ok())))
}

fn set_state(conn: &rusqlite::Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

/// Sets one flag of every server article from the server's list of ids
/// having it (`listed_means_clear`: the list is of unread ids, so being
/// listed clears the read flag). Returns (flags cleared... set, cleared) as
/// (set to 1, set to 0).
fn apply_flag(
    tx: &Transaction,
    flag: Flag,
    listed: &[String],
    listed_means_clear: bool,
) -> Result<(usize, usize)> {
    let col = flag.column();
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS remote_listed (remote_id TEXT PRIMARY KEY) WITHOUT ROWID;
         DELETE FROM temp.remote_listed;",
    )?;
    {
        let mut add =
            tx.prepare_cached("INSERT OR IGNORE INTO temp.remote_listed (remote_id) VALUES (?1)")?;
        for id in listed {
            add.execute([id])?;
        }
    }
    let (when_listed, otherwise) = if listed_means_clear { (0, 1) } else { (1, 0) };
    let pending =
        format!("remote_id NOT IN (SELECT remote_id FROM sync_outbox WHERE flag = '{col}')");
    let set_to = |value: i32, listed: bool| -> Result<usize> {
        let membership = if listed { "IN" } else { "NOT IN" };
        Ok(tx.execute(
            &format!(
                "UPDATE articles SET {col} = {value}
                 WHERE remote_id IS NOT NULL AND {col} != {value}
                   AND feed_id IN (SELECT id FROM feeds WHERE subscribed)
                   AND remote_id {membership} (SELECT remote_id FROM temp.remote_listed)
                   AND {pending}"
            ),
            [],
        )?)
    };
    let mut ones = 0;
    let mut zeros = 0;
    for (value, listed) in [(when_listed, true), (otherwise, false)] {
        let n = set_to(value, listed)?;
        if value == 1 {
            ones += n;
        } else {
            zeros += n;
        }
    }
    tx.execute_batch("DELETE FROM temp.remote_listed;")?;
    Ok((ones, zeros))
}

/// A name without the " (2)" that made it unique.
fn base_name(name: &str) -> &str {
    match name.rsplit_once(" (") {
        Some((base, n)) if n.ends_with(')') && n[..n.len() - 1].parse::<u32>().is_ok() => base,
        _ => name,
    }
}

fn unique_name(
    tx: &Transaction,
    wanted: &str,
    reserved: &HashSet<String>,
    own: Option<i64>,
) -> Result<String> {
    let mut find = tx.prepare_cached("SELECT id FROM feeds WHERE name = ?1 COLLATE NOCASE")?;
    for n in 1..10_000u32 {
        let candidate = if n == 1 {
            wanted.to_string()
        } else {
            format!("{wanted} ({n})")
        };
        if reserved.contains(&candidate.to_lowercase()) {
            continue;
        }
        let holder: Option<i64> = find.query_row([&candidate], |r| r.get(0)).optional()?;
        if holder.is_none() || holder == own {
            return Ok(candidate);
        }
    }
    Ok(format!("{wanted} ({})", own.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ArticleId;

    fn feed(id: &str, title: &str) -> RemoteFeed {
        RemoteFeed {
            remote_id: id.into(),
            title: title.into(),
            url: format!("http://f.test/{id}"),
            site_url: None,
            tags: vec!["News Group".into()],
        }
    }

    fn item(id: &str, feed: &str, read: bool) -> RemoteItem {
        RemoteItem {
            remote_id: id.into(),
            feed: feed.into(),
            article: ParsedArticle {
                guid: id.into(),
                title: format!("item {id}"),
                summary: Some(format!("<p>body {id}</p>")),
                ..Default::default()
            },
            read,
            starred: false,
        }
    }

    fn flags(s: &Store, rid: &str) -> (bool, bool, ArticleId) {
        s.conn
            .query_row(
                "SELECT read, starred, id FROM articles WHERE remote_id = ?1",
                [rid],
                |r| Ok((r.get(0)?, r.get(1)?, ArticleId(r.get(2)?))),
            )
            .unwrap()
    }

    #[test]
    fn feeds_named_apart_from_config_and_removed_when_gone() {
        let mut s = Store::open_in_memory().unwrap();
        let ids = s
            .replace_remote_feeds(&[feed("1", "News"), feed("2", "News")], &["news".into()])
            .unwrap();
        let names: Vec<String> = s.feeds().unwrap().into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["News (2)", "News (3)"]);
        assert_eq!(s.feeds().unwrap()[0].tags, ["News-Group"]);
        s.store_remote_items(&[item("10", "2", false)], &ids, &[])
            .unwrap();
        let ids2 = s.replace_remote_feeds(&[feed("1", "News")], &[]).unwrap();
        assert_eq!(ids2["1"], ids["1"]);
        assert_eq!(s.feeds().unwrap().len(), 1);
        // Gone from the server: its article is kept, the feed unsubscribed,
        // and its flags no longer follow the server's lists.
        assert_eq!(s.remote_article_count().unwrap(), 1);
        assert_eq!(s.unsubscribed().unwrap()[0].articles, 1);
        assert_eq!(s.remote_feeds().unwrap().len(), 1);
        s.apply_remote_flags(&[], &[]).unwrap();
        assert!(!flags(&s, "10").0);
        // Back on the server: subscribed again, with its article.
        let ids3 = s
            .replace_remote_feeds(&[feed("1", "News"), feed("2", "News")], &[])
            .unwrap();
        assert_eq!(ids3["2"], ids["2"]);
        assert!(s.unsubscribed().unwrap().is_empty());
    }

    #[test]
    fn pending_changes_win_until_acknowledged() {
        let mut s = Store::open_in_memory().unwrap();
        let ids = s.replace_remote_feeds(&[feed("1", "A")], &[]).unwrap();
        let st = s
            .store_remote_items(
                &[item("10", "1", false), item("11", "1", true)],
                &ids,
                &[("last_item", "11")],
            )
            .unwrap();
        assert_eq!(st.new, 2);
        assert_eq!(s.sync_state("last_item").unwrap().as_deref(), Some("11"));
        let (read, _, a10) = flags(&s, "10");
        assert!(!read);
        s.set_read(&[a10], true).unwrap();
        s.set_starred(&[a10], true).unwrap();
        assert_eq!(s.outbox_len().unwrap(), 2);
        // The server still says 10 is unread and unstarred: the outbox wins.
        let f = s.apply_remote_flags(&["10".into()], &[]).unwrap();
        assert_eq!(f, FlagStats::default());
        assert!(flags(&s, "10").0);
        // A change replaced after it was read from the outbox stays.
        let pending = s.outbox(10).unwrap();
        s.set_read(&[a10], false).unwrap();
        s.outbox_ack(&pending.iter().map(|c| c.seq).collect::<Vec<_>>())
            .unwrap();
        assert_eq!(s.outbox(10).unwrap().len(), 1);
        let again = s.outbox(10).unwrap();
        s.outbox_ack(&[again[0].seq]).unwrap();
        // Acknowledged: the server is the truth.
        let f = s
            .apply_remote_flags(&["11".into()], &["11".into()])
            .unwrap();
        assert_eq!(
            f,
            FlagStats {
                marked_read: 1,
                marked_unread: 1,
                starred: 1,
                unstarred: 1
            }
        );
        assert_eq!(flags(&s, "10"), (true, false, a10));
    }

    #[test]
    fn changed_items_update_in_place_and_account_change_resets() {
        let mut s = Store::open_in_memory().unwrap();
        assert!(!s.begin_account("fever http://a/ me").unwrap());
        let ids = s.replace_remote_feeds(&[feed("1", "A")], &[]).unwrap();
        s.store_remote_items(&[item("10", "1", false)], &ids, &[])
            .unwrap();
        let mut changed = item("10", "1", false);
        changed.article.title = "new title".into();
        let st = s.store_remote_items(&[changed], &ids, &[]).unwrap();
        assert_eq!((st.new, st.updated), (0, 1));
        assert!(!s.begin_account("fever http://a/ me").unwrap());
        assert!(s.begin_account("fever http://b/ me").unwrap());
        assert!(s.feeds().unwrap().is_empty());
        assert_eq!(
            s.sync_state("account").unwrap().as_deref(),
            Some("fever http://b/ me")
        );
    }

    /// The stored story keys of the server item `rid`: link key, SimHash.
    fn story_keys(s: &Store, rid: &str) -> (Option<String>, Option<i64>) {
        s.conn
            .query_row(
                "SELECT link_key, simhash FROM articles WHERE remote_id = ?1",
                [rid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    }

    #[test]
    fn synced_articles_get_story_keys_and_group_with_fetched_copies() {
        use crate::config::FeedConfig;
        use crate::model::{FetchReport, ParsedFeed};
        let text = "Virtual wards let patients get hospital-level care at home, \
                    monitored by clinical teams around the clock.";
        let announcement = |guid: &str, title: &str, link: &str| ParsedArticle {
            guid: guid.into(),
            title: title.into(),
            link: Some(link.into()),
            summary: Some(format!("<p>{text}</p>")),
            ..Default::default()
        };
        // Each order: the synced copy stored first, then the fetched one
        // first.
        for synced_first in [true, false] {
            let mut s = Store::open_in_memory().unwrap();
            let ids = s
                .replace_remote_feeds(&[feed("1", "Server news")], &[])
                .unwrap();
            let local = s
                .sync_feeds(&[FeedConfig::new(
                    "Local",
                    url::Url::parse("http://local.test/feed").unwrap(),
                    &[],
                )])
                .unwrap()[0];
            let synced = RemoteItem {
                article: announcement(
                    "10",
                    "Virtual wards reach 10,000 beds",
                    "https://www.gov.test/news/wards/?utm_source=rss",
                ),
                ..item("10", "1", false)
            };
            let fetched = ParsedFeed {
                articles: vec![announcement(
                    "https://gov.test/news/wards",
                    "Virtual wards: 10,000 beds",
                    "https://gov.test/news/wards",
                )],
                ..Default::default()
            };
            let store_synced = |s: &mut Store| {
                let mark = s.last_article_id().unwrap();
                s.store_remote_items(std::slice::from_ref(&synced), &ids, &[])
                    .unwrap();
                s.assign_stories(&[ids["1"]], mark).unwrap()
            };
            let store_fetched = |s: &mut Store| {
                let mark = s.last_article_id().unwrap();
                s.record(&FetchReport::fetched(local, fetched.clone(), Utc::now()))
                    .unwrap();
                s.assign_stories(&[local], mark).unwrap()
            };
            let joined = if synced_first {
                // Stored with its keys, before any grouping.
                let mark = s.last_article_id().unwrap();
                s.store_remote_items(std::slice::from_ref(&synced), &ids, &[])
                    .unwrap();
                assert_eq!(
                    story_keys(&s, "10"),
                    (
                        Some("gov.test/news/wards".into()),
                        crate::story::fingerprint(Some(&format!("<p>{text}</p>")), None)
                    )
                );
                assert!(story_keys(&s, "10").1.is_some());
                assert_eq!(s.assign_stories(&[ids["1"]], mark).unwrap(), 0);
                store_fetched(&mut s)
            } else {
                assert_eq!(store_fetched(&mut s), 0);
                store_synced(&mut s)
            };
            assert_eq!(joined, 1, "synced first: {synced_first}");
            let (_, _, id) = flags(&s, "10");
            let copies: Vec<String> = s
                .story_copies(id)
                .unwrap()
                .into_iter()
                .map(|(_, name)| name)
                .collect();
            assert_eq!(copies, ["Local"], "synced first: {synced_first}");
        }
    }

    #[test]
    fn a_changed_item_in_another_feed_moves_there() {
        let mut s = Store::open_in_memory().unwrap();
        let ids = s
            .replace_remote_feeds(&[feed("1", "A"), feed("2", "B")], &[])
            .unwrap();
        s.store_remote_items(&[item("10", "1", false)], &ids, &[])
            .unwrap();
        // Unchanged, it stays where it is.
        let st = s
            .store_remote_items(&[item("10", "2", false)], &ids, &[])
            .unwrap();
        assert_eq!((st.new, st.unchanged), (0, 1));
        let mut moved = item("10", "2", false);
        moved.article.title = "item 10, revised".into();
        let st = s.store_remote_items(&[moved], &ids, &[]).unwrap();
        assert_eq!((st.new, st.updated), (0, 1));
        let totals: Vec<(String, u64)> = s
            .feeds()
            .unwrap()
            .into_iter()
            .map(|f| (f.name, f.total))
            .collect();
        assert_eq!(totals, [("A".into(), 0), ("B".into(), 1)]);
        let q = crate::query::parse("revised").unwrap();
        let found = s
            .query(&q, &crate::query::SqlOptions::default(), Utc::now(), None)
            .unwrap();
        assert_eq!(
            found.iter().map(|a| a.feed.as_str()).collect::<Vec<_>>(),
            ["B"]
        );
    }
}
