//! Reading the cache: article lists (no bodies), single articles, feeds.

use super::{from_ts, Result, Store, StoreError};
use crate::model::{Article, ArticleId, ArticleSummary, FeedId, FeedInfo, Origin};
use crate::query::{to_sql, Query, SqlOptions, TermKind};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row};

pub(super) const SUMMARY_COLUMNS: &str =
    "a.id, a.feed_id, f.name, a.title, a.link, a.author, a.published,
    a.sort_time, a.read, a.starred";

pub(super) fn summary_from_row(r: &Row) -> rusqlite::Result<ArticleSummary> {
    Ok(ArticleSummary {
        id: ArticleId(r.get(0)?),
        feed_id: FeedId(r.get(1)?),
        feed: r.get(2)?,
        title: r.get(3)?,
        link: r.get(4)?,
        author: r.get(5)?,
        published: r.get::<_, Option<i64>>(6)?.map(from_ts),
        sort_time: from_ts(r.get(7)?),
        read: r.get(8)?,
        starred: r.get(9)?,
        also_in: Vec::new(),
    })
}

/// The condition that keeps one article per story, when lists group them
/// and `q` names no feed (a feed's articles are all shown, as in its view).
pub(super) fn leads(opts: &SqlOptions, q: &Query) -> &'static str {
    let names_feed = q
        .terms()
        .iter()
        .any(|(t, negated)| !negated && matches!(t.kind, TermKind::Feed { .. }));
    if opts.stories && !names_feed {
        "a.story_lead = 1 AND "
    } else {
        ""
    }
}

impl Store {
    /// Articles matching a query, in its order, without their bodies: the
    /// list of every article (`ViewFilter::All`), planned as the interface's.
    pub fn query(
        &self,
        q: &Query,
        opts: &SqlOptions,
        now: DateTime<Utc>,
        limit: Option<usize>,
    ) -> Result<Vec<ArticleSummary>> {
        // A query the compiler rejects is the caller's error, told as such.
        to_sql(q, now, opts)?;
        self.search(
            q,
            &super::ViewFilter::All,
            opts,
            now,
            limit.unwrap_or(usize::MAX),
        )
        .map_err(StoreError::Search)
    }

    /// How many articles match a query.
    pub fn count(&self, q: &Query, opts: &SqlOptions, now: DateTime<Utc>) -> Result<u64> {
        to_sql(q, now, opts)?;
        self.count_view(q, &super::ViewFilter::All, opts, now)
            .map_err(StoreError::Search)
    }

    /// The articles whose titles tidings made, the source having given
    /// none (few: read through a partial index).
    pub fn derived_titles(&self) -> Result<std::collections::HashSet<ArticleId>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM articles WHERE title_derived")?;
        let ids = stmt.query_map([], |r| r.get(0).map(ArticleId))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// One article with its bodies.
    pub fn article(&self, id: ArticleId) -> Result<Article> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, a.guid, a.updated, a.first_seen, b.summary, b.content,
               a.title_derived
             FROM articles a JOIN feeds f ON f.id = a.feed_id
             LEFT JOIN article_bodies b ON b.article_id = a.id WHERE a.id = ?1"
        );
        self.conn
            .prepare_cached(&sql)?
            .query_row([id.0], |r| {
                let (summary_html, content_html) =
                    self.bodies
                        .decode(&self.conn, r.get_ref(13)?, r.get_ref(14)?)?;
                Ok(Article {
                    summary: summary_from_row(r)?,
                    guid: r.get(10)?,
                    updated: r.get::<_, Option<i64>>(11)?.map(from_ts),
                    first_seen: from_ts(r.get(12)?),
                    summary_html,
                    content_html,
                    title_derived: r.get(15)?,
                })
            })
            .optional()?
            .ok_or(StoreError::NoArticle(id.0))
    }

    /// The id of the configured feed with this name (case-insensitive).
    pub fn feed_id(&self, name: &str) -> Result<FeedId> {
        self.conn
            .prepare_cached("SELECT id FROM feeds WHERE name = ?1 COLLATE NOCASE AND subscribed")?
            .query_row([name], |r| r.get(0).map(FeedId))
            .optional()?
            .ok_or_else(|| StoreError::NoFeed(name.to_string()))
    }

    /// Every configured feed with its counts and last status, in name order.
    pub fn feeds(&self) -> Result<Vec<FeedInfo>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.id, f.name, f.url, f.title, f.last_attempt, f.last_success, f.http_status,
                    f.last_error,
                    COALESCE(c.total, 0), COALESCE(c.unread, 0),
                    (SELECT group_concat(tag, ' ') FROM feed_tags t WHERE t.feed_id = f.id),
                    f.remote_id IS NOT NULL, f.list
             FROM feeds f LEFT JOIN feed_counts c ON c.feed_id = f.id
             WHERE f.subscribed ORDER BY f.name COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], |r| {
            let tags: Option<String> = r.get(10)?;
            Ok(FeedInfo {
                id: FeedId(r.get(0)?),
                name: r.get(1)?,
                url: r.get(2)?,
                title: r.get(3)?,
                last_attempt: r.get::<_, Option<i64>>(4)?.map(from_ts),
                last_success: r.get::<_, Option<i64>>(5)?.map(from_ts),
                http_status: r.get(6)?,
                last_error: r.get(7)?,
                total: r.get(8)?,
                unread: r.get(9)?,
                tags: tags
                    .map(|t| t.split(' ').map(str::to_string).collect())
                    .unwrap_or_default(),
                origin: match (r.get::<_, bool>(11)?, r.get::<_, Option<String>>(12)?) {
                    (true, _) => Origin::Server,
                    (false, Some(list)) => Origin::List(list),
                    (false, None) => Origin::Config,
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Feeds no longer in the config that still hold articles, in name order.
    pub fn unsubscribed(&self) -> Result<Vec<Unsubscribed>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.name, f.url, COUNT(*), COALESCE(SUM(a.starred), 0)
             FROM feeds f JOIN articles a ON a.feed_id = f.id
             WHERE NOT f.subscribed GROUP BY f.id ORDER BY f.name COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Unsubscribed {
                name: r.get(0)?,
                url: r.get(1)?,
                articles: r.get(2)?,
                starred: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A feed the config no longer lists, whose articles are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribed {
    pub name: String,
    pub url: String,
    pub articles: u64,
    pub starred: u64,
}
