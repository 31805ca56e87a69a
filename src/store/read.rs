//! Reading the cache: article lists (no bodies), single articles, feeds.

use super::{from_ts, Result, Store, StoreError};
use crate::model::{Article, ArticleId, ArticleSummary, FeedId, FeedInfo};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, OptionalExtension, Row};

/// Which articles to list. Newest first.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only these feeds (by name); empty = all.
    pub feeds: Vec<String>,
    pub unread_only: bool,
    /// At most this many; None = all.
    pub limit: Option<usize>,
}

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
    })
}

impl Store {
    /// Lists articles, newest first, without their bodies.
    pub fn list(&self, filter: &ListFilter) -> Result<Vec<ArticleSummary>> {
        let mut conds = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        if !filter.feeds.is_empty() {
            let ids = filter
                .feeds
                .iter()
                .map(|name| self.feed_id(name))
                .collect::<Result<Vec<_>>>()?;
            let marks = vec!["?"; ids.len()].join(", ");
            conds.push(format!("a.feed_id IN ({marks})"));
            params.extend(ids.into_iter().map(|id| Value::Integer(id.0)));
        }
        if filter.unread_only {
            conds.push("a.read = 0".to_string());
        }
        let where_sql = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        params.push(Value::Integer(
            filter
                .limit
                .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX)),
        ));
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id
             {where_sql} ORDER BY a.sort_time DESC, a.id DESC LIMIT ?"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(params), summary_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One article with its bodies.
    pub fn article(&self, id: ArticleId) -> Result<Article> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, a.guid, a.updated, a.first_seen, b.summary, b.content
             FROM articles a JOIN feeds f ON f.id = a.feed_id
             LEFT JOIN article_bodies b ON b.article_id = a.id WHERE a.id = ?1"
        );
        self.conn
            .prepare_cached(&sql)?
            .query_row([id.0], |r| {
                Ok(Article {
                    summary: summary_from_row(r)?,
                    guid: r.get(10)?,
                    updated: r.get::<_, Option<i64>>(11)?.map(from_ts),
                    first_seen: from_ts(r.get(12)?),
                    summary_html: r.get(13)?,
                    content_html: r.get(14)?,
                })
            })
            .optional()?
            .ok_or(StoreError::NoArticle(id.0))
    }

    /// The id of the feed with this name (case-insensitive).
    pub fn feed_id(&self, name: &str) -> Result<FeedId> {
        self.conn
            .prepare_cached("SELECT id FROM feeds WHERE name = ?1 COLLATE NOCASE")?
            .query_row([name], |r| r.get(0).map(FeedId))
            .optional()?
            .ok_or_else(|| StoreError::NoFeed(name.to_string()))
    }

    /// Every feed with its counts and last status, in name order.
    pub fn feeds(&self) -> Result<Vec<FeedInfo>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.id, f.name, f.url, f.title, f.last_attempt, f.last_success, f.http_status,
                    f.last_error,
                    (SELECT COUNT(*) FROM articles a WHERE a.feed_id = f.id),
                    (SELECT COUNT(*) FROM articles a WHERE a.feed_id = f.id AND a.read = 0),
                    (SELECT group_concat(tag, ' ') FROM feed_tags t WHERE t.feed_id = f.id)
             FROM feeds f ORDER BY f.name COLLATE NOCASE",
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
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
