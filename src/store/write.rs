//! Writing to the cache: storing fetch results (one transaction per feed
//! or per batch of feeds; the articles through `articles`), page content,
//! and read/starred flags. The feed table is `feeds`.

use super::articles::{index, Found, ToIndex, Via, Writer};
use super::bodies::Codec;
use super::fts::fts_upsert;
use super::{to_ts, Result, Store};
use crate::model::{ArticleId, FeedId, FetchOutcome, FetchReport, ParsedArticle, WriteStats};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::{HashMap, HashSet};

impl Store {
    /// Stores one fetch result in a single transaction.
    pub fn record(&mut self, report: &FetchReport) -> Result<WriteStats> {
        let stats = self.try_record_all(&[report])?;
        Ok(stats.into_iter().next().unwrap_or_default())
    }

    /// Stores several fetch results in one transaction: far fewer commits
    /// and full-text segments than one [`Store::record`] each. When the
    /// batch fails, each result is stored on its own, so one result's error
    /// never costs the others.
    pub fn record_all(&mut self, reports: &[&FetchReport]) -> Vec<Result<WriteStats>> {
        if reports.len() > 1 {
            if let Ok(stats) = self.try_record_all(reports) {
                return stats.into_iter().map(Ok).collect();
            }
        }
        reports.iter().map(|r| self.record(r)).collect()
    }

    fn try_record_all(&mut self, reports: &[&FetchReport]) -> Result<Vec<WriteStats>> {
        let tx = self.conn.transaction()?;
        let mut all = Vec::with_capacity(reports.len());
        let mut to_index = Vec::new();
        for report in reports {
            let (stats, more) = write_report(&tx, &self.bodies, report)?;
            all.push(stats);
            to_index.extend(more);
        }
        index(&tx, &to_index)?;
        tx.commit()?;
        self.committed();
        if all.iter().any(|s| s.purged > 0) {
            self.candidates.clear();
        }
        // What is stored stays stored: a failure here only leaves bodies
        // plain for the next try.
        if let Err(e) = self.bodies.maintain(&mut self.conn) {
            tracing::warn!("cannot compress the cached bodies: {e}");
        }
        Ok(all)
    }

    /// Links of a feed's articles whose page body is cached.
    pub fn links_with_content(&self, feed: FeedId) -> Result<HashSet<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.link FROM articles a JOIN article_bodies b ON b.article_id = a.id
             WHERE a.feed_id = ?1 AND a.link IS NOT NULL AND b.content IS NOT NULL",
        )?;
        let rows = stmt.query_map([feed.0], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores the body read from an article's own page (the reader's "full
    /// text" key), keeping its summary, and re-indexes it. False when the
    /// article is gone.
    pub fn set_page_content(&mut self, article: ArticleId, html: &str) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let title: Option<String> = tx
            .query_row(
                "SELECT title FROM articles WHERE id = ?1",
                [article.0],
                |r| r.get(0),
            )
            .optional()?;
        let Some(title) = title else {
            return Ok(false);
        };
        let summary = self.bodies.get(&tx, article.0)?.and_then(|(s, _)| s);
        self.bodies
            .put(&tx, article.0, summary.as_deref(), Some(html))?;
        fts_upsert(&tx, article.0, &title, summary.as_deref(), Some(html))?;
        tx.commit()?;
        Ok(true)
    }

    /// Sets the read flag, on every copy of each article's story; returns
    /// how many articles exist among `ids`. Changes to articles from the
    /// sync server also go to its outbox.
    pub fn set_read(&mut self, ids: &[ArticleId], read: bool) -> Result<usize> {
        self.set_flag("read", ids, read)
    }

    /// Sets the starred flag, on every copy of each article's story;
    /// returns how many articles exist among `ids`.
    pub fn set_starred(&mut self, ids: &[ArticleId], starred: bool) -> Result<usize> {
        self.set_flag("starred", ids, starred)
    }

    fn set_flag(&mut self, column: &str, ids: &[ArticleId], value: bool) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        {
            let mut stmt =
                tx.prepare_cached(&format!("UPDATE articles SET {column} = ?2 WHERE id = ?1"))?;
            let mut copies = tx.prepare_cached(
                "SELECT id FROM articles
                 WHERE story_id = (SELECT story_id FROM articles WHERE id = ?1) AND id != ?1",
            )?;
            // The same transaction queues the change for the server, so the
            // interface never waits on the network and a crash loses nothing.
            let mut outbox = tx.prepare_cached(
                "INSERT OR REPLACE INTO sync_outbox (remote_id, flag, value, changed_at)
                 SELECT remote_id, ?2, ?3, ?4 FROM articles
                 WHERE id = ?1 AND remote_id IS NOT NULL",
            )?;
            let now = to_ts(Utc::now());
            for id in ids {
                let others: Vec<i64> = if self.group_stories {
                    copies
                        .query_map([id.0], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?
                } else {
                    Vec::new()
                };
                for (i, article) in std::iter::once(id.0).chain(others).enumerate() {
                    let changed = stmt.execute(params![article, value])?;
                    if changed > 0 {
                        outbox.execute(params![article, column, value, now])?;
                    }
                    if i == 0 {
                        n += changed;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(n)
    }
}

/// Writes one fetch result inside `tx`, except its full-text entries,
/// which are returned for [`index`].
fn write_report<'a>(
    tx: &Transaction,
    bodies: &Codec,
    report: &'a FetchReport,
) -> Result<(WriteStats, Vec<ToIndex<'a>>)> {
    let id = report.feed_id.0;
    let at = to_ts(report.attempted_at);
    let next = report.next_fetch_after.map(to_ts);
    Ok(match &report.outcome {
        FetchOutcome::Fetched {
            status,
            feed,
            etag,
            last_modified,
        } => {
            // Partial problems (an article page that failed) are kept
            // as the feed's error while the feed itself succeeds.
            let warnings = (!feed.warnings.is_empty()).then(|| feed.warnings.join("; "));
            tx.prepare_cached(
                "UPDATE feeds SET last_attempt = ?2, last_success = ?2, http_status = ?3,
                   last_error = ?9, etag = ?4, last_modified = ?5, next_fetch_after = ?6,
                   title = COALESCE(?7, title), site_url = COALESCE(?8, site_url)
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                at,
                status,
                etag,
                last_modified,
                next,
                feed.title,
                feed.site_url,
                warnings
            ])?;
            let kept = retain(&feed.articles, report.max_articles);
            let (stats, current, to_index) =
                upsert_articles(tx, bodies, report.feed_id, kept, report.attempted_at)?;
            let purged = purge(
                tx,
                report.feed_id,
                &current,
                report.max_articles,
                report.max_age_cutoff,
            )?;
            (WriteStats { purged, ..stats }, to_index)
        }
        FetchOutcome::NotModified => {
            tx.prepare_cached(
                "UPDATE feeds SET last_attempt = ?2, last_success = ?2, http_status = 304,
                   last_error = NULL, next_fetch_after = ?3 WHERE id = ?1",
            )?
            .execute(params![id, at, next])?;
            (WriteStats::default(), Vec::new())
        }
        FetchOutcome::Failed { status, error } => {
            tx.prepare_cached(
                "UPDATE feeds SET last_attempt = ?2, http_status = ?3, last_error = ?4,
                   next_fetch_after = COALESCE(?5, next_fetch_after) WHERE id = ?1",
            )?
            .execute(params![id, at, status, error.to_string(), next])?;
            (WriteStats::default(), Vec::new())
        }
    })
}

/// The articles to store: the newest `max` (0: all), duplicates of an
/// identity dropped (the first one wins).
fn retain(articles: &[ParsedArticle], max: u32) -> Vec<&ParsedArticle> {
    let mut seen = HashSet::new();
    let unique = articles
        .iter()
        .filter(|a| seen.insert(a.guid.as_str()))
        .collect();
    crate::model::keep_newest(unique, max, |a| a.published.or(a.updated))
}

impl Store {
    /// Sets this connection up to store whole refreshes: the cache's first
    /// body dictionary trains, and checkpoints run, on threads of their
    /// own, so that writing goes on meanwhile. [`Store::settle_bodies`]
    /// waits for the dictionary.
    pub fn write_in_bulk(&mut self) -> Result<()> {
        self.bodies.train_aside();
        if self.checkpointer.is_none() && self.conn.path().is_some_and(|p| !p.is_empty()) {
            self.checkpointer = Some(super::checkpoint::Checkpointer::start(&self.conn)?);
        }
        Ok(())
    }

    /// Stores the dictionary being trained aside, if any, and compresses
    /// what was stored plain meanwhile.
    pub fn settle_bodies(&mut self) -> Result<()> {
        Ok(self.bodies.settle(&mut self.conn)?)
    }
}

/// Stores a feed's articles, each found by its guid in the feed. Returns
/// what was written, the ids the document still lists, and the full-text
/// entries for [`index`].
fn upsert_articles<'a>(
    tx: &Transaction,
    bodies: &Codec,
    feed: FeedId,
    articles: Vec<&'a ParsedArticle>,
    now: DateTime<Utc>,
) -> Result<(WriteStats, HashSet<i64>, Vec<ToIndex<'a>>)> {
    let mut known: HashMap<String, Found> = HashMap::new();
    {
        let mut stmt =
            tx.prepare_cached("SELECT guid, id, content_hash FROM articles WHERE feed_id = ?1")?;
        let rows = stmt.query_map([feed.0], |r| {
            Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?)))
        })?;
        for row in rows {
            let (guid, v) = row?;
            known.insert(guid, v);
        }
    }
    let mut writer = Writer::new(tx, bodies, now)?;
    let mut current = HashSet::with_capacity(articles.len());
    // Documents list newest first: insert in reverse so that undated
    // articles seen together keep the document's order (newer id = newer).
    for a in articles.into_iter().rev() {
        let found = known.get(&a.guid).copied();
        current.insert(writer.write(feed, a, Via::Feed, found)?);
    }
    let (stats, to_index) = writer.finish();
    Ok((stats, current, to_index))
}

/// Deletes what retention allows: beyond `max` per feed or older than the
/// cutoff, but never starred articles nor any still in the feed document.
fn purge(
    tx: &Transaction,
    feed: FeedId,
    current: &HashSet<i64>,
    max: u32,
    cutoff: Option<DateTime<Utc>>,
) -> Result<usize> {
    let cutoff = cutoff.map(to_ts);
    let mut victims = Vec::new();
    {
        let mut stmt = tx.prepare_cached(
            "SELECT id, starred, sort_time FROM articles WHERE feed_id = ?1
             ORDER BY sort_time DESC, id DESC",
        )?;
        let rows = stmt.query_map([feed.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for (pos, row) in rows.enumerate() {
            let (id, starred, time) = row?;
            let too_many = max > 0 && pos >= max as usize;
            let too_old = cutoff.is_some_and(|c| time < c);
            if (too_many || too_old) && !starred && !current.contains(&id) {
                victims.push(id);
            }
        }
    }
    let mut delete = tx.prepare_cached("DELETE FROM articles WHERE id = ?1")?;
    for id in &victims {
        delete.execute([id])?;
    }
    Ok(victims.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FeedConfig;
    use crate::query::{parse, Query, SqlOptions};
    use crate::store::StoreError;

    /// How many articles' contents are stored compressed.
    fn compressed_contents(s: &Store) -> i64 {
        s.conn
            .query_row(
                "SELECT COUNT(*) FROM article_bodies WHERE typeof(content) = 'blob'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    fn list(s: &Store, q: &str) -> Vec<String> {
        let q = parse(q).unwrap();
        s.query(&q, &SqlOptions::default(), Utc::now(), Some(100))
            .unwrap()
            .into_iter()
            .map(|a| a.title)
            .collect()
    }

    fn feed(name: &str, url: &str, tags: &[&str]) -> FeedConfig {
        FeedConfig::new(name, url::Url::parse(url).unwrap(), tags)
    }

    fn art(guid: &str, title: &str, day: Option<u32>) -> ParsedArticle {
        ParsedArticle {
            guid: guid.into(),
            title: title.into(),
            published: day
                .map(|d| chrono::TimeZone::with_ymd_and_hms(&Utc, 2023, 5, d, 0, 0, 0).unwrap()),
            summary: Some(format!("<p>{title}</p>")),
            ..Default::default()
        }
    }

    fn report(feed_id: FeedId, articles: Vec<ParsedArticle>) -> FetchReport {
        FetchReport {
            feed_id,
            attempted_at: Utc::now(),
            outcome: FetchOutcome::Fetched {
                status: 200,
                feed: crate::model::ParsedFeed {
                    title: Some("T".into()),
                    articles,
                    ..Default::default()
                },
                etag: Some("\"e1\"".into()),
                last_modified: None,
            },
            next_fetch_after: None,
            max_articles: 0,
            max_age_cutoff: None,
        }
    }

    #[test]
    fn a_bulk_writer_compresses_and_checkpoints_aside_and_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let words = [
            "trust", "ward", "nurse", "beds", "winter", "care", "funding", "digital",
        ];
        let mut rng = fastrand::Rng::with_seed(5);
        let mut body = |n: usize| {
            let w: Vec<&str> = (0..n).map(|_| words[rng.usize(..words.len())]).collect();
            format!("<p>{}</p>", w.join(" "))
        };
        let mut s = Store::open(&path).unwrap();
        let ids = s.sync_feeds(&[feed("a", "http://a.test/", &[])]).unwrap();
        s.write_in_bulk().unwrap();
        let wal: i64 = s
            .conn
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(wal, 0);
        let preparer = s.preparer().unwrap();
        let mut expected = HashMap::new();
        for batch in 0..12 {
            let mut arts: Vec<ParsedArticle> = (0..100)
                .map(|i| {
                    let guid = format!("g{batch}-{i}");
                    let mut a = art(&guid, &guid, None);
                    a.summary = Some(body(20));
                    a.content = Some(body(200));
                    expected.insert(guid, (a.summary.clone(), a.content.clone()));
                    a
                })
                .collect();
            // As the fetcher's threads do, once a dictionary exists.
            arts.iter_mut().for_each(|a| preparer.prepare(a));
            let mut r = report(ids[0], arts);
            r.attempted_at += chrono::Duration::seconds(batch);
            s.record(&r).unwrap();
        }
        s.settle_bodies().unwrap();
        let blobs = compressed_contents(&s);
        assert_eq!(blobs, 1200);
        drop(s);
        // The last connection closing took the log back into the file.
        let log = dir.path().join("cache.db-wal");
        assert!(std::fs::metadata(&log).map_or(true, |m| m.len() == 0));
        let s = Store::open(&path).unwrap();
        let mut stmt = s.conn.prepare("SELECT id, guid FROM articles").unwrap();
        let rows: Vec<(i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(rows.len(), 1200);
        for (id, guid) in rows {
            let (summary, content) = s.bodies.get(&s.conn, id).unwrap().unwrap();
            assert_eq!(expected[&guid], (summary, content), "{guid}");
        }
    }

    #[test]
    fn a_batch_that_fails_stores_each_result_on_its_own() {
        let mut s = Store::open_in_memory().unwrap();
        let ids = s
            .sync_feeds(&[
                feed("a", "http://a.test/", &[]),
                feed("b", "http://b.test/", &[]),
            ])
            .unwrap();
        let one = report(ids[0], vec![art("1", "One", Some(1))]);
        // A feed the cache does not have: its articles break the foreign key.
        let bad = report(FeedId(999), vec![art("x", "Lost", Some(2))]);
        let two = report(
            ids[1],
            vec![art("2", "Two", Some(3)), art("3", "Three", Some(4))],
        );
        let got = s.record_all(&[&one, &bad, &two]);
        assert_eq!(got[0].as_ref().unwrap().new, 1);
        assert!(got[1].is_err());
        assert_eq!(got[2].as_ref().unwrap().new, 2);
        assert_eq!(list(&s, ""), ["Three", "Two", "One"]);
        // A batch that works is stored in one go, with what each result added.
        let three = report(ids[0], vec![art("4", "Four", Some(5))]);
        let four = report(ids[1], vec![art("2", "Two again", Some(3))]);
        let got: Vec<_> = s
            .record_all(&[&three, &four])
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!((got[0].new, got[1].updated), (1, 1));
        assert_eq!(list(&s, "again"), ["Two again"]);
    }

    #[test]
    fn feeds_are_matched_by_url_and_a_rename_keeps_everything() {
        let mut s = Store::open_in_memory().unwrap();
        let ids = s
            .sync_feeds(&[feed("A", "http://a.test/1", &["x", "y"])])
            .unwrap();
        s.record(&report(ids[0], vec![art("1", "One", Some(1))]))
            .unwrap();
        let again = s
            .sync_feeds(&[feed("Renamed", "http://a.test/1", &["x"])])
            .unwrap();
        assert_eq!(ids, again);
        assert!(s.fetch_state(ids[0]).unwrap().etag.is_some());
        let feeds = s.feeds().unwrap();
        assert_eq!((feeds[0].name.as_str(), feeds[0].total), ("Renamed", 1));
        assert_eq!(feeds[0].tags, ["x"]);
        assert_eq!(s.feed_id("renamed").unwrap(), ids[0]);
        assert!(matches!(s.feed_id("A"), Err(StoreError::NoFeed(_))));

        // Another URL is another feed; the old one keeps its articles.
        let moved = s
            .sync_feeds(&[feed("Renamed", "http://a.test/2", &["x"])])
            .unwrap();
        assert_ne!(moved, ids);
        assert_eq!(s.feeds().unwrap().len(), 1);
        let gone = s.unsubscribed().unwrap();
        assert_eq!(
            (gone[0].url.as_str(), gone[0].articles),
            ("http://a.test/1", 1)
        );
        assert_eq!(list(&s, "tag:x"), Vec::<String>::new());
    }

    /// The feed table as the config sees it: url, name, list, subscribed, tags.
    fn feed_table(s: &Store) -> Vec<(String, String, Option<String>, bool, String)> {
        let mut stmt = s
            .conn
            .prepare(
                "SELECT url, name, list, subscribed,
                        (SELECT group_concat(tag, ',') FROM
                           (SELECT tag FROM feed_tags t WHERE t.feed_id = feeds.id ORDER BY tag))
                 FROM feeds ORDER BY url",
            )
            .unwrap();
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, i64>(3)? != 0,
                r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    #[test]
    fn syncing_an_unchanged_config_writes_nothing_and_any_change_is_written() {
        let listed = |name: &str, url: &str, list: &str| FeedConfig {
            list: Some(list.into()),
            ..feed(name, url, &[])
        };
        let steps: Vec<Vec<FeedConfig>> = vec![
            vec![
                feed("A", "http://a.test/", &["x", "y"]),
                feed("B", "http://b.test/", &[]),
            ],
            vec![
                feed("A", "http://a.test/", &["x", "y"]),
                feed("B", "http://b.test/", &[]),
            ],
            vec![
                feed("A", "http://a.test/", &["y", "x"]),
                feed("B", "http://b.test/", &[]),
            ],
            vec![
                feed("A2", "http://a.test/", &["x", "y"]),
                feed("B", "http://b.test/", &[]),
            ],
            vec![
                feed("A2", "http://a.test/", &["x"]),
                feed("B", "http://b.test/", &[]),
            ],
            vec![
                feed("A2", "http://a.test/", &["x", "X"]),
                feed("B", "http://b.test/", &[]),
            ],
            vec![
                feed("A2", "http://a.test/", &["x"]),
                listed("B", "http://b.test/", "team"),
            ],
            vec![feed("A2", "http://a.test/", &["x"])],
            vec![feed("A2", "http://a.test/", &["x"])],
            vec![
                feed("A2", "http://a.test/", &["x"]),
                feed("B", "http://b.test/", &[]),
            ],
            vec![
                feed("C", "http://c.test/", &["z"]),
                feed("A2", "http://a.test/", &["x"]),
            ],
            vec![],
            vec![feed("C", "http://c.test/", &["z"])],
        ];
        // `s` syncs as the program does; `full` always writes.
        let mut s = Store::open_in_memory().unwrap();
        let mut full = Store::open_in_memory().unwrap();
        let mut previous: Option<&Vec<FeedConfig>> = None;
        for step in &steps {
            let before = s.conn.total_changes();
            let ids = s.sync_feeds(step).unwrap();
            let wrote = s.conn.total_changes() != before;
            assert_eq!(ids, full.write_feeds(step).unwrap(), "{step:?}");
            assert_eq!(feed_table(&s), feed_table(&full), "{step:?}");
            let unchanged = previous.is_some_and(|p| {
                let key = |v: &Vec<FeedConfig>| {
                    let mut k: Vec<_> = v
                        .iter()
                        .map(|f| {
                            let mut t = f.tags.clone();
                            t.sort();
                            (f.url.to_string(), f.name.clone(), f.list.clone(), t)
                        })
                        .collect();
                    k.sort();
                    k
                };
                key(p) == key(step)
            });
            assert_eq!(wrote, !unchanged, "{step:?}");
            previous = Some(step);
        }
    }

    #[test]
    fn rename_url_moves_articles_and_forgets_validators() {
        let mut s = Store::open_in_memory().unwrap();
        let url = |u: &str| url::Url::parse(u).unwrap();
        let ids = s
            .sync_feeds(&[
                feed("A", "http://a.test/old", &[]),
                feed("B", "http://b.test/", &[]),
            ])
            .unwrap();
        s.record(&report(ids[0], vec![art("1", "One", Some(1))]))
            .unwrap();
        s.record(&report(ids[1], vec![art("2", "Two", Some(2))]))
            .unwrap();
        let e = s.rename_url(&url("http://none.test/"), &url("http://x.test/"));
        assert!(matches!(e, Err(StoreError::NoFeedUrl(_))), "{e:?}");
        let e = s.rename_url(&url("http://a.test/old"), &url("http://b.test/"));
        assert!(
            matches!(e, Err(StoreError::FeedUrlTaken { articles: 1, .. })),
            "{e:?}"
        );
        // The config was edited first: the new URL is an empty feed.
        s.sync_feeds(&[
            feed("A", "http://a.test/new", &[]),
            feed("B", "http://b.test/", &[]),
        ])
        .unwrap();
        let name = s
            .rename_url(&url("http://a.test/old"), &url("http://a.test/new"))
            .unwrap();
        assert_eq!(name, "A");
        let now = s
            .sync_feeds(&[
                feed("A", "http://a.test/new", &[]),
                feed("B", "http://b.test/", &[]),
            ])
            .unwrap();
        assert_eq!(now, ids);
        assert_eq!(s.fetch_state(ids[0]).unwrap().etag, None);
        assert_eq!(s.feeds().unwrap()[0].total, 1);
        assert!(s.unsubscribed().unwrap().is_empty());
    }

    #[test]
    fn purging_unsubscribed_feeds_keeps_starred_unless_told() {
        let mut s = Store::open_in_memory().unwrap();
        let ids = s
            .sync_feeds(&[
                feed("A", "http://a.test/", &[]),
                feed("B", "http://b.test/", &[]),
            ])
            .unwrap();
        s.record(&report(
            ids[0],
            vec![art("1", "One", Some(1)), art("2", "Two", Some(2))],
        ))
        .unwrap();
        s.record(&report(ids[1], vec![art("3", "Three", Some(3))]))
            .unwrap();
        let one = s.query(
            &parse("One").unwrap(),
            &SqlOptions::default(),
            Utc::now(),
            None,
        );
        s.set_starred(&[one.unwrap()[0].id], true).unwrap();
        s.sync_feeds(&[feed("B", "http://b.test/", &[])]).unwrap();
        assert_eq!(list(&s, "is:starred"), ["One"]);
        let stats = s.purge_unsubscribed(false).unwrap();
        assert_eq!((stats.articles, stats.feeds), (1, 0));
        assert_eq!(list(&s, ""), ["Three", "One"]);
        let stats = s.purge_unsubscribed(true).unwrap();
        assert_eq!((stats.articles, stats.feeds), (1, 1));
        assert_eq!(list(&s, ""), ["Three"]);
        assert!(s.unsubscribed().unwrap().is_empty());
    }

    #[test]
    fn bodies_compressed_once_the_cache_has_enough_keep_every_update_right() {
        let mut s = Store::open_in_memory().unwrap();
        let id = s.sync_feeds(&[feed("A", "http://a.test/", &[])]).unwrap()[0];
        let words = [
            "wards", "beds", "nurse", "care", "home", "trust", "digital", "winter",
        ];
        let body = |n: usize| -> String {
            let w: Vec<&str> = (0..80).map(|k| words[(n * 3 + k * k) % 8]).collect();
            format!("<p>Item {n}: {}</p>", w.join(" "))
        };
        let many: Vec<ParsedArticle> = (0..1_200)
            .map(|n| ParsedArticle {
                content: Some(body(n)),
                ..art(&format!("g{n}"), &format!("Item {n}"), Some(1))
            })
            .collect();
        s.record(&report(id, many)).unwrap();
        let packed = compressed_contents(&s);
        assert_eq!(packed, 1_200);
        let find = |s: &Store, title: &str| {
            let q = parse(&format!("title:\"{title}\"")).unwrap();
            s.query(&q, &SqlOptions::default(), Utc::now(), Some(1))
                .unwrap()[0]
                .id
        };
        let first = find(&s, "Item 7");
        let a = s.article(first).unwrap();
        assert_eq!(a.summary_html.as_deref(), Some("<p>Item 7</p>"));
        assert_eq!(a.content_html, Some(body(7)));
        // A page body replaces the content and keeps the summary.
        assert!(s
            .set_page_content(first, "<p>The page of item seven</p>")
            .unwrap());
        let a = s.article(first).unwrap();
        assert_eq!(a.summary_html.as_deref(), Some("<p>Item 7</p>"));
        assert_eq!(
            a.content_html.as_deref(),
            Some("<p>The page of item seven</p>")
        );
        // A changed summary with a page body not fetched again keeps it.
        let again = ParsedArticle {
            summary: Some(body(1_000)),
            content_from_page: true,
            ..art("g7", "Item 7", Some(1))
        };
        s.record(&report(id, vec![again])).unwrap();
        let a = s.article(first).unwrap();
        assert_eq!(a.summary_html, Some(body(1_000)));
        assert_eq!(
            a.content_html.as_deref(),
            Some("<p>The page of item seven</p>")
        );
        assert_eq!(list(&s, "seven"), ["Item 7"]);
        // One the feed changed, content and all.
        let changed = ParsedArticle {
            content: Some(body(9)),
            ..art("g8", "Item 8", Some(1))
        };
        s.record(&report(id, vec![changed])).unwrap();
        let a = s.article(find(&s, "Item 8")).unwrap();
        assert_eq!(a.summary_html.as_deref(), Some("<p>Item 8</p>"));
        assert_eq!(a.content_html, Some(body(9)));
    }

    #[test]
    fn page_content_is_stored_and_searchable() {
        let mut s = Store::open_in_memory().unwrap();
        let id = s.sync_feeds(&[feed("A", "http://a.test/", &[])]).unwrap()[0];
        s.record(&report(id, vec![art("g", "Short", Some(1))]))
            .unwrap();
        assert!(list(&s, "genomics").is_empty());
        let q = parse("Short").unwrap();
        let article = s
            .query(&q, &SqlOptions::default(), Utc::now(), Some(1))
            .unwrap()[0]
            .id;
        assert!(s
            .set_page_content(article, "<p>The whole genomics text.</p>")
            .unwrap());
        assert_eq!(list(&s, "genomics"), ["Short"]);
        let a = s.article(article).unwrap();
        assert_eq!(a.summary_html.as_deref(), Some("<p>Short</p>"));
        assert_eq!(
            a.content_html.as_deref(),
            Some("<p>The whole genomics text.</p>")
        );
        assert!(!s.set_page_content(ArticleId(999), "x").unwrap());
    }

    #[test]
    fn duplicates_and_undated_order() {
        let mut s = Store::open_in_memory().unwrap();
        let id = s.sync_feeds(&[feed("A", "http://a.test/", &[])]).unwrap()[0];
        let arts = vec![
            art("u1", "Newest undated", None),
            art("d", "Dated", Some(2)),
            art("u1", "Duplicate", None),
            art("u2", "Older undated", None),
        ];
        let stats = s.record(&report(id, arts)).unwrap();
        assert_eq!(stats.new, 3);
        assert_eq!(list(&s, ""), ["Newest undated", "Older undated", "Dated"]);
    }

    #[test]
    fn retention_keeps_the_newest_whatever_the_order() {
        let arts = vec![
            art("1", "Old", Some(1)),
            art("u1", "Undated first", None),
            art("3", "New", Some(3)),
            art("2", "Mid", Some(2)),
            art("u2", "Undated second", None),
        ];
        let kept = |max| -> Vec<&str> {
            retain(&arts, max)
                .iter()
                .map(|a| a.title.as_str())
                .collect()
        };
        assert_eq!(kept(3), ["Undated first", "Undated second", "New"]);
        assert_eq!(kept(0).len(), 5);
        assert_eq!(kept(4)[3], "Mid");
    }

    #[test]
    fn list_filters_and_flags() {
        let mut s = Store::open_in_memory().unwrap();
        let ids = s
            .sync_feeds(&[
                feed("A", "http://a.test/", &[]),
                feed("B b", "http://b.test/", &[]),
            ])
            .unwrap();
        s.record(&report(
            ids[0],
            vec![art("1", "a1", Some(1)), art("2", "a2", Some(3))],
        ))
        .unwrap();
        s.record(&report(ids[1], vec![art("1", "b1", Some(2))]))
            .unwrap();
        let all = s
            .query(&Query::default(), &SqlOptions::default(), Utc::now(), None)
            .unwrap();
        assert_eq!(
            all.iter().map(|a| a.title.as_str()).collect::<Vec<_>>(),
            ["a2", "b1", "a1"]
        );
        s.set_read(&[all[0].id], true).unwrap();
        assert_eq!(list(&s, "feed:=a is:unread"), ["a1"]);
        assert_eq!(list(&s, "feed:\"B b\""), ["b1"]);
        assert_eq!(list(&s, "a1 OR b1"), ["b1", "a1"]);
        assert_eq!(
            s.count(
                &parse("is:read").unwrap(),
                &SqlOptions::default(),
                Utc::now()
            )
            .unwrap(),
            1
        );
        let counts = s.feeds().unwrap();
        assert_eq!((counts[0].total, counts[0].unread), (2, 1));
        let full = s.article(all[0].id).unwrap();
        assert_eq!(full.summary_html.as_deref(), Some("<p>a2</p>"));
    }

    #[test]
    fn list_queries_use_indexes_not_bodies() {
        let s = Store::open_in_memory().unwrap();
        let plan = |sql: &str| -> String {
            let mut stmt = s
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let rows = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap();
            rows.map(|r| r.unwrap()).collect::<Vec<_>>().join("; ")
        };
        let p = plan("SELECT a.id FROM articles a JOIN feeds f ON f.id = a.feed_id ORDER BY a.sort_time DESC, a.id DESC LIMIT 50");
        assert!(
            p.contains("articles_by_time") && !p.contains("TEMP B-TREE"),
            "{p}"
        );
        let p = plan("SELECT a.id FROM articles a WHERE a.read = 0 ORDER BY a.sort_time DESC, a.id DESC LIMIT 50");
        assert!(
            p.contains("articles_unread") && !p.contains("TEMP B-TREE"),
            "{p}"
        );
        let p = plan("SELECT a.id FROM articles a WHERE a.feed_id IN (1) ORDER BY a.sort_time DESC, a.id DESC LIMIT 50");
        assert!(p.contains("articles_by_feed"), "{p}");
        assert!(!p.contains("article_bodies"));
    }
}
