//! Current awareness in the cache: the articles of a bulletin, when the
//! last bulletin was made, and which new articles alert.

use super::read::{summary_from_row, SUMMARY_COLUMNS};
use super::{from_ts, to_ts, Result, Store};
use crate::model::{ArticleId, ArticleSummary, FeedId};
use crate::query::{to_sql, Query, SqlOptions};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension};
use std::collections::HashMap;

/// A newly stored article that matched an alerting view and had never
/// alerted before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMatch {
    pub id: ArticleId,
    /// The view it matched (the first alerting view, in config order).
    pub view: String,
    pub feed: String,
    pub title: String,
    pub link: Option<String>,
}

impl Store {
    /// Articles matching `q`, in its order, at most `limit`, within the
    /// window: dated from `dated_from` on, first stored after `seen_after`;
    /// each with its story (its own id when alone).
    pub fn bulletin_articles(
        &self,
        q: &Query,
        opts: &SqlOptions,
        now: DateTime<Utc>,
        (dated_from, seen_after): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
        limit: usize,
    ) -> Result<Vec<(ArticleSummary, i64)>> {
        let m = to_sql(q, now, opts)?;
        let text = format!(
            "SELECT {SUMMARY_COLUMNS}, COALESCE(a.story_id, a.id) FROM articles a JOIN feeds f ON f.id = a.feed_id
             WHERE (?1 IS NULL OR a.sort_time >= ?1) AND (?2 IS NULL OR a.first_seen > ?2)
               AND ({}) ORDER BY {} LIMIT ?",
            m.where_sql, m.order_sql
        );
        let ts = |t: Option<DateTime<Utc>>| t.map_or(Value::Null, |t| Value::Integer(to_ts(t)));
        let params = [ts(dated_from), ts(seen_after)]
            .into_iter()
            .chain(m.params)
            .chain(std::iter::once(Value::Integer(
                i64::try_from(limit).unwrap_or(i64::MAX),
            )));
        let mut stmt = self.conn.prepare_cached(&text)?;
        let rows = stmt.query_map(params_from_iter(params), |r| {
            Ok((summary_from_row(r)?, r.get(10)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every feed's tags, sorted.
    pub fn feed_tags(&self) -> Result<HashMap<FeedId, Vec<String>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT feed_id, tag FROM feed_tags ORDER BY tag")?;
        let rows = stmt.query_map([], |r| Ok((FeedId(r.get(0)?), r.get::<_, String>(1)?)))?;
        let mut out: HashMap<FeedId, Vec<String>> = HashMap::new();
        for row in rows {
            let (feed, tag) = row?;
            out.entry(feed).or_default().push(tag);
        }
        Ok(out)
    }

    /// When the last bulletin for `view` ('' for none) was made.
    pub fn last_bulletin(&self, view: &str) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT made_at FROM bulletins WHERE view = ?1")?
            .query_row([view.to_lowercase()], |r| r.get::<_, i64>(0))
            .optional()?
            .map(from_ts))
    }

    /// Records that a bulletin for `view` was made at `at`.
    pub fn set_last_bulletin(&mut self, view: &str, at: DateTime<Utc>) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO bulletins (view, made_at) VALUES (?1, ?2)
                 ON CONFLICT(view) DO UPDATE SET made_at = excluded.made_at",
            )?
            .execute(params![view.to_lowercase(), to_ts(at)])?;
        Ok(())
    }

    /// The largest article id so far (0 when empty): articles stored later
    /// have larger ids.
    pub fn last_article_id(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM articles")?
            .query_row([], |r| r.get(0))?)
    }

    /// Evaluates the alerting `views` over the articles of `feed` stored
    /// after article id `after`, records each match by feed URL and guid,
    /// and returns those that had never alerted. On a feed's first fetch
    /// (no older articles) matches are recorded but not returned: a new
    /// subscription's backlog is not news.
    pub fn record_alerts(
        &mut self,
        feed: FeedId,
        after: i64,
        views: &[(&str, &Query)],
        opts: &SqlOptions,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewMatch>> {
        if views.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.conn.transaction()?;
        let backlog: bool = !tx
            .prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM articles WHERE feed_id = ?1 AND id <= ?2)",
            )?
            .query_row(params![feed.0, after], |r| r.get(0))?;
        let mut out = Vec::new();
        for (name, q) in views {
            let m = to_sql(q, now, opts)?;
            let text = format!(
                "SELECT a.id, f.name, a.title, a.link, f.url, a.guid
                 FROM articles a JOIN feeds f ON f.id = a.feed_id
                 WHERE a.feed_id = ? AND a.id > ? AND ({}) ORDER BY a.id",
                m.where_sql
            );
            let rows: Vec<(NewMatch, String, String)> = {
                let mut stmt = tx.prepare_cached(&text)?;
                let params = [Value::Integer(feed.0), Value::Integer(after)]
                    .into_iter()
                    .chain(m.params);
                let rows = stmt.query_map(params_from_iter(params), |r| {
                    Ok((
                        NewMatch {
                            id: ArticleId(r.get(0)?),
                            view: name.to_string(),
                            feed: r.get(1)?,
                            title: r.get(2)?,
                            link: r.get(3)?,
                        },
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO alerts (feed_url, guid, view, alerted_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (m, url, guid) in rows {
                let added = insert.execute(params![url, guid, name, to_ts(now)])? == 1;
                if added && !backlog {
                    out.push(m);
                }
            }
        }
        tx.commit()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FeedConfig;
    use crate::model::{FetchReport, ParsedArticle, ParsedFeed};

    fn feed(s: &mut Store) -> FeedId {
        let f = FeedConfig::new(
            "alpha",
            url::Url::parse("http://alpha.test/").unwrap(),
            &["nhs", "ai"],
        );
        s.sync_feeds(&[f]).unwrap()[0]
    }

    fn store(s: &mut Store, id: FeedId, titles: &[&str], max: u32) {
        let articles = titles
            .iter()
            .map(|t| ParsedArticle {
                guid: t.to_string(),
                title: t.to_string(),
                ..Default::default()
            })
            .collect();
        let mut r = FetchReport::fetched(
            id,
            ParsedFeed {
                articles,
                ..Default::default()
            },
            Utc::now(),
        );
        r.max_articles = max;
        s.record(&r).unwrap();
    }

    #[test]
    fn an_article_alerts_once() {
        let mut s = Store::open_in_memory().unwrap();
        let id = feed(&mut s);
        let q = crate::query::parse("triage").unwrap();
        let views = [("AI", &q)];
        let opts = SqlOptions::default();
        let fetch = |s: &mut Store, titles: &[&str], max: u32| {
            let mark = s.last_article_id().unwrap();
            store(s, id, titles, max);
            let got = s
                .record_alerts(id, mark, &views, &opts, Utc::now())
                .unwrap();
            got.into_iter().map(|m| m.title).collect::<Vec<_>>()
        };
        // The first fetch is backlog: recorded, not reported.
        assert!(fetch(&mut s, &["triage one", "other"], 0).is_empty());
        assert_eq!(
            fetch(&mut s, &["triage two", "news", "triage one"], 0),
            ["triage two"]
        );
        // Purged, then back: still not again.
        assert!(fetch(&mut s, &["x"], 1).is_empty());
        assert!(fetch(&mut s, &["triage two", "triage one", "x"], 0).is_empty());
        assert_eq!(s.feed_tags().unwrap()[&id], ["ai", "nhs"]);
    }

    #[test]
    fn bulletins_are_remembered_per_view() {
        let mut s = Store::open_in_memory().unwrap();
        assert_eq!(s.last_bulletin("NHS").unwrap(), None);
        let at = from_ts(1_700_000_000);
        s.set_last_bulletin("NHS", at).unwrap();
        assert_eq!(s.last_bulletin("nhs").unwrap(), Some(at));
        assert_eq!(s.last_bulletin("").unwrap(), None);
    }

    /// A feed named `name` at http://NAME.test/.
    fn cfg(name: &str) -> FeedConfig {
        FeedConfig::new(
            name,
            url::Url::parse(&format!("http://{name}.test/")).unwrap(),
            &[],
        )
    }

    #[test]
    fn copies_from_two_feeds_are_one_story() {
        let mut s = Store::open_in_memory().unwrap();
        let ids = s.sync_feeds(&[cfg("a"), cfg("b"), cfg("c")]).unwrap();
        let text = "Virtual wards let patients get hospital-level care at home, monitored by clinical teams.";
        let put = |s: &mut Store, feed: FeedId, items: &[(&str, &str, &str)]| {
            let mark = s.last_article_id().unwrap();
            let articles = items
                .iter()
                .map(|(guid, title, link)| ParsedArticle {
                    guid: guid.to_string(),
                    title: title.to_string(),
                    link: Some(link.to_string()),
                    summary: Some(format!("<p>{text}</p>")),
                    ..Default::default()
                })
                .collect();
            let feed_doc = ParsedFeed {
                articles,
                ..Default::default()
            };
            s.record(&FetchReport::fetched(feed, feed_doc, Utc::now()))
                .unwrap();
            s.assign_stories(&[feed], mark).unwrap()
        };
        put(
            &mut s,
            ids[0],
            &[("1", "Virtual wards reach 10,000 beds", "https://a.test/1")],
        );
        // B's copy joins; B's other article, though it carries A's link
        // and the same text, does not: a story never holds two articles
        // of one feed.
        let joined = put(
            &mut s,
            ids[1],
            &[
                (
                    "x",
                    "Virtual wards reach 10,000 beds | B",
                    "https://b.test/x",
                ),
                (
                    "z",
                    "Virtual wards reach 10,000 beds, B says",
                    "https://www.a.test/1/?utm_source=b",
                ),
            ],
        );
        assert_eq!(joined, 1);
        // C's copy carries A's link with tracking parameters.
        let joined = put(
            &mut s,
            ids[2],
            &[(
                "y",
                "Virtual wards: 10,000 beds",
                "https://www.a.test/1/?utm_source=c",
            )],
        );
        assert_eq!(joined, 1);
        let all = s
            .query(&Query::default(), &SqlOptions::default(), Utc::now(), None)
            .unwrap();
        let first = all.iter().find(|a| a.feed == "a").unwrap().id;
        let copies = s.story_copies(first).unwrap();
        assert_eq!(
            copies.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
            ["b", "c"]
        );
        let unread = crate::query::parse("is:unread").unwrap();
        let unread_count = |s: &Store| {
            s.count(&unread, &SqlOptions::default(), Utc::now())
                .unwrap()
        };
        // With grouping off, one copy is marked alone.
        s.set_group_stories(false);
        s.set_read(&[first], true).unwrap();
        assert_eq!(unread_count(&s), 3);
        s.set_read(&[first], false).unwrap();
        s.set_group_stories(true);
        s.set_read(&[first], true).unwrap();
        assert_eq!(unread_count(&s), 1);
    }

    #[test]
    fn an_earlier_copy_arriving_later_leads_its_story() {
        use crate::store::ViewFilter;
        use chrono::TimeZone;
        let mut s = Store::open_in_memory().unwrap();
        let ids = s
            .sync_feeds(&[cfg("dhsc"), cfg("hin"), cfg("nhs")])
            .unwrap();
        let put = |s: &mut Store, feed: FeedId, guid: &str, link: &str, day: u32| {
            let mark = s.last_article_id().unwrap();
            let article = ParsedArticle {
                guid: guid.into(),
                title: format!("Announcement {guid}"),
                link: Some(link.into()),
                published: Some(Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0).unwrap()),
                ..Default::default()
            };
            let doc = ParsedFeed {
                articles: vec![article],
                ..Default::default()
            };
            s.record(&FetchReport::fetched(feed, doc, Utc::now()))
                .unwrap();
            s.assign_stories(&[feed], mark).unwrap();
        };
        put(&mut s, ids[1], "h", "https://gov.test/news/1", 12);
        put(&mut s, ids[2], "other", "https://nhs.test/else", 11);
        put(&mut s, ids[0], "d", "https://www.gov.test/news/1/", 10);
        let (now, all) = (Utc::now(), Query::default());
        let grouped = SqlOptions {
            stories: true,
            ..SqlOptions::default()
        };
        let list = |opts: &SqlOptions, view: &ViewFilter| {
            let mut rows = s.search(&all, view, opts, now, 10).unwrap();
            s.fill_also_in(&mut rows).unwrap();
            rows.into_iter()
                .map(|a| (a.feed.clone(), a.also_in_feeds()))
                .collect::<Vec<_>>()
        };
        // The dhsc copy was published first: it leads, though stored last.
        assert_eq!(
            list(&grouped, &ViewFilter::All),
            [("nhs".into(), String::new()), ("dhsc".into(), "hin".into())]
        );
        assert_eq!(
            s.count_view(&all, &ViewFilter::All, &grouped, now).unwrap(),
            2
        );
        assert_eq!(s.count(&all, &grouped, now).unwrap(), 2);
        assert_eq!(s.counts(true).unwrap().all, 2);
        assert_eq!(s.counts(false).unwrap().all, 3);
        // A feed's own view shows all its articles, as does a query naming it.
        assert_eq!(list(&grouped, &ViewFilter::Feed(ids[1])).len(), 1);
        let hin = crate::query::parse("feed:hin").unwrap();
        assert_eq!(s.count(&hin, &grouped, now).unwrap(), 1);
        let not_hin = crate::query::parse("-feed:hin").unwrap();
        assert_eq!(s.count(&not_hin, &grouped, now).unwrap(), 2);
        // Without grouping every copy is listed.
        let flat = SqlOptions::default();
        assert_eq!(list(&flat, &ViewFilter::All).len(), 3);
        assert_eq!(s.count(&all, &flat, now).unwrap(), 3);
        // When the lead goes, the next copy leads.
        let lead = s
            .search(&all, &ViewFilter::Unread, &grouped, now, 10)
            .unwrap()[1]
            .id;
        s.conn
            .execute("DELETE FROM articles WHERE id = ?1", [lead.0])
            .unwrap();
        assert_eq!(
            list(&grouped, &ViewFilter::All),
            [("hin".into(), String::new()), ("nhs".into(), String::new())]
        );
    }
}
