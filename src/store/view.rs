//! Article lists for the interface: smart views combined with a query,
//! counts, and marking a whole view read.

use super::read::{leads, summary_from_row, SUMMARY_COLUMNS};
use super::walk::rest_sql;
use super::{Result, Store, StoreError};
use crate::model::{ArticleId, ArticleSummary, FeedId};
use crate::query::{to_sql, Query, QueryError, SqlOptions};
use chrono::{DateTime, Utc};
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use std::ops::Range;

/// Which articles a view of the interface shows. Newest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ViewFilter {
    All,
    Unread,
    Starred,
    Feed(FeedId),
    /// Every feed with this tag.
    Tag(String),
    /// A saved view from the config: its name and query.
    Saved {
        name: String,
        query: String,
    },
}

impl ViewFilter {
    /// The view's condition on `articles a`; with `walk`, a feed or tag
    /// view tests each article's feed rather than start from the feeds (see
    /// `SqlOptions::walk_feeds`).
    pub(super) fn condition(&self, walk: bool) -> (&'static str, Option<Value>) {
        match self {
            ViewFilter::All => ("1", None),
            ViewFilter::Unread => ("a.read = 0", None),
            ViewFilter::Starred => ("a.starred = 1", None),
            ViewFilter::Feed(id) if walk => ("+a.feed_id = ?", Some(Value::Integer(id.0))),
            ViewFilter::Feed(id) => ("a.feed_id = ?", Some(Value::Integer(id.0))),
            ViewFilter::Tag(tag) => (
                if walk {
                    "+a.feed_id IN (SELECT feed_id FROM feed_tags WHERE tag = ?)"
                } else {
                    "a.feed_id IN (SELECT feed_id FROM feed_tags WHERE tag = ?)"
                },
                Some(Value::Text(tag.clone())),
            ),
            // Its query is added to the user's (see `with_view`).
            ViewFilter::Saved { .. } => ("1", None),
        }
    }

    /// One article per story when grouping, except in a feed's own view,
    /// which shows all its articles.
    pub(super) fn leads(&self, opts: &SqlOptions, q: &Query) -> &'static str {
        match self {
            ViewFilter::Feed(_) => "",
            _ => leads(opts, q),
        }
    }

    /// `q` restricted to a saved view's query, when this is one.
    pub(super) fn with_view(&self, q: &Query) -> std::result::Result<Query, SearchError> {
        let ViewFilter::Saved { name, query } = self else {
            return Ok(q.clone());
        };
        let saved = crate::query::parse(query).map_err(|e| SearchError {
            message: format!("view \"{name}\": {e}"),
            span: 0..0,
        })?;
        Ok(match saved.expr {
            Some(e) => q.clone().and(e),
            None => q.clone(),
        })
    }
}

/// Article totals over the whole cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub all: u64,
    pub unread: u64,
    pub starred: u64,
}

/// Why a search failed: a message and the byte range of the query text it
/// is about (empty when it is not about a place in the text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SearchError {
    pub message: String,
    pub span: Range<usize>,
}

impl From<StoreError> for SearchError {
    fn from(e: StoreError) -> Self {
        SearchError {
            message: e.to_string(),
            span: 0..0,
        }
    }
}

impl From<rusqlite::Error> for SearchError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::from(e).into()
    }
}

/// An article's summary and content.
pub(super) type Bodies = (Option<String>, Option<String>);

pub(super) fn sql_limit(limit: usize) -> Value {
    Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX))
}

impl From<QueryError> for SearchError {
    fn from(e: QueryError) -> Self {
        SearchError {
            message: e.to_string(),
            span: e.span,
        }
    }
}

/// The statement listing a view's articles that match `q` (rows `skip`
/// on, at most `limit`), and its parameters.
fn list_sql(
    q: &Query,
    view: &ViewFilter,
    opts: &SqlOptions,
    now: DateTime<Utc>,
    skip: usize,
    limit: usize,
) -> std::result::Result<(String, Vec<Value>), SearchError> {
    let q = view.with_view(q)?;
    let m = to_sql(&q, now, opts)?;
    let (view_sql, view_param) = view.condition(opts.walk_feeds);
    let lead = view.leads(opts, &q);
    let sql = if skip == 0 {
        format!(
            "SELECT {SUMMARY_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id
                 WHERE {lead}{view_sql} AND ({}) ORDER BY {} LIMIT ? OFFSET ?",
            m.where_sql, m.order_sql
        )
    } else {
        // Skipped rows are read from the index alone, not the table:
        // the last page of 100,000 articles in 10 ms rather than 600.
        format!(
            "SELECT {SUMMARY_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id
                 WHERE a.id IN (SELECT a.id FROM articles a WHERE {lead}{view_sql} AND ({w})
                                ORDER BY {o} LIMIT ? OFFSET ?)
                 ORDER BY {o}",
            w = m.where_sql,
            o = m.order_sql
        )
    };
    let params = view_param
        .into_iter()
        .chain(m.params)
        .chain([sql_limit(limit), sql_limit(skip)])
        .collect();
    Ok((sql, params))
}

/// How a list and its count are answered (see [`Store::plan`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub list: Vec<String>,
    pub count: Vec<String>,
}

/// The statement counting a view's articles that match `q` (with the
/// saved view's query added), and its parameters.
fn count_sql(
    q: &Query,
    view: &ViewFilter,
    opts: &SqlOptions,
    now: DateTime<Utc>,
) -> std::result::Result<(String, Vec<Value>), SearchError> {
    let lead = view.leads(opts, q);
    let m = to_sql(q, now, opts)?;
    let (view_sql, view_param) = view.condition(false);
    let sql = format!(
        "SELECT COUNT(*) FROM articles a WHERE {lead}{view_sql} AND ({})",
        m.where_sql
    );
    Ok((sql, view_param.into_iter().chain(m.params).collect()))
}

impl Store {
    /// The articles of a view that match `q`, in the query's order, at
    /// most `limit`.
    pub fn search(
        &self,
        q: &Query,
        view: &ViewFilter,
        opts: &SqlOptions,
        now: DateTime<Utc>,
        limit: usize,
    ) -> std::result::Result<Vec<ArticleSummary>, SearchError> {
        self.search_from(q, view, opts, now, 0, limit)
    }

    /// As `search`, from the `skip`th article on.
    pub fn search_from(
        &self,
        q: &Query,
        view: &ViewFilter,
        opts: &SqlOptions,
        now: DateTime<Utc>,
        skip: usize,
        limit: usize,
    ) -> std::result::Result<Vec<ArticleSummary>, SearchError> {
        if skip == 0 {
            if let Some((rest, prefix)) = crate::query::split_short_prefix(q) {
                if let Some(rows) =
                    self.walk_short_prefix(&rest, &prefix, view, opts, now, limit)?
                {
                    return Ok(rows);
                }
            }
        }
        let (opts, matches) = self.text_plan(q, view, opts, limit)?;
        let opts = &opts;
        if opts.walk_text == Some(true) {
            if let Some(rows) = self.walk_matches(q, view, opts, now, skip, limit, matches)? {
                return Ok(rows);
            }
        }
        let (sql, params) = list_sql(q, view, opts, now, skip, limit)?;
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(params), summary_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many articles of a view match `q`.
    pub fn count_view(
        &self,
        q: &Query,
        view: &ViewFilter,
        opts: &SqlOptions,
        now: DateTime<Utc>,
    ) -> std::result::Result<u64, SearchError> {
        let q = view.with_view(q)?;
        let lead = view.leads(opts, &q);
        if let Some(n) = self.count_from_totals(&q, view, opts, now, !lead.is_empty())? {
            return Ok(n);
        }
        if let Some(n) = self.count_from_index(&q, view, opts, !lead.is_empty())? {
            return Ok(n);
        }
        self.count_rows(&q, view, opts, now)
    }

    /// [`Store::count_view`] by reading the matching articles; `q` has the
    /// saved view's query added.
    pub(super) fn count_rows(
        &self,
        q: &Query,
        view: &ViewFilter,
        opts: &SqlOptions,
        now: DateTime<Utc>,
    ) -> std::result::Result<u64, SearchError> {
        let (sql, params) = count_sql(q, view, opts, now)?;
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let n: i64 = stmt.query_row(params_from_iter(params), |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How a list and its count are answered: SQLite's `EXPLAIN QUERY PLAN`
    /// lines, or a line naming the path taken instead of SQL.
    pub fn plan(
        &self,
        q: &Query,
        view: &ViewFilter,
        opts: &SqlOptions,
        now: DateTime<Utc>,
        limit: usize,
    ) -> std::result::Result<Plan, SearchError> {
        let explain =
            |sql: &str, params: Vec<Value>| -> std::result::Result<Vec<String>, SearchError> {
                let mut stmt = self.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let rows = stmt.query_map(params_from_iter(params), |r| r.get::<_, String>(3))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            };
        let mut list = Vec::new();
        let (list_q, skip) = match crate::query::split_short_prefix(q) {
            Some((rest, prefix)) => {
                list.push(format!(
                    "WALK the list of the rest, testing words for {prefix:?}*"
                ));
                (rest, 1)
            }
            None => (q.clone(), 0),
        };
        let (list_opts, _) = self.text_plan(&list_q, view, opts, limit)?;
        let with_view = view.with_view(&list_q)?;
        match crate::query::split_text(&with_view).filter(|_| list_opts.walk_text == Some(true)) {
            Some((rest, _)) => {
                list.push("WALK the rest in list order, keeping the index's matches".into());
                let (sql, params) = rest_sql(&with_view, &rest, view, &list_opts, now)?;
                list.extend(explain(&sql, params)?);
            }
            None => {
                let (sql, params) = list_sql(&list_q, view, &list_opts, now, skip, limit)?;
                list.extend(explain(&sql, params)?);
            }
        }
        let with_view = view.with_view(q)?;
        let lead = !view.leads(opts, &with_view).is_empty();
        let count = if self
            .count_from_totals(&with_view, view, opts, now, lead)?
            .is_some()
        {
            vec!["SUM of per-feed totals (feed_counts)".to_string()]
        } else if self
            .count_from_index(&with_view, view, opts, lead)?
            .is_some()
        {
            vec!["COUNT in the full-text index, less the story copies it holds".to_string()]
        } else {
            let (sql, params) = count_sql(&with_view, view, opts, now)?;
            explain(&sql, params)?
        };
        Ok(Plan { list, count })
    }

    /// As [`Store::count_view`], given up (None) as soon as `stop` says so:
    /// a count nobody will see (the filter changed meanwhile) never delays
    /// the next list.
    pub fn count_view_unless(
        &self,
        q: &Query,
        view: &ViewFilter,
        opts: &SqlOptions,
        now: DateTime<Utc>,
        stop: impl Fn() -> bool + Send + std::panic::RefUnwindSafe + 'static,
    ) -> std::result::Result<Option<u64>, SearchError> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stopped = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stopped.clone();
        // SQLite asks every this many virtual machine steps (well under a
        // millisecond).
        self.conn.progress_handler(
            10_000,
            Some(move || {
                let stop = stop();
                if stop {
                    flag.store(true, Ordering::Relaxed);
                }
                stop
            }),
        );
        let counted = self.count_view(q, view, opts, now);
        self.conn.progress_handler(0, None::<fn() -> bool>);
        match counted {
            Err(_) if stopped.load(Ordering::Relaxed) => Ok(None),
            other => other.map(Some),
        }
    }

    /// Marks every unread article of a view that matches `q` read, and
    /// returns their ids (to undo with `set_read(ids, false)`).
    pub fn mark_view_read(
        &mut self,
        q: &Query,
        view: &ViewFilter,
        opts: &SqlOptions,
        now: DateTime<Utc>,
    ) -> std::result::Result<Vec<ArticleId>, SearchError> {
        let m = to_sql(&view.with_view(q)?, now, opts)?;
        let (view_sql, view_param) = view.condition(false);
        let sql = format!(
            "SELECT a.id FROM articles a WHERE a.read = 0 AND {view_sql} AND ({})",
            m.where_sql
        );
        let ids: Vec<ArticleId> = {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                params_from_iter(view_param.into_iter().chain(m.params)),
                |r| r.get(0).map(ArticleId),
            )?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        self.set_read(&ids, true)?;
        Ok(ids)
    }

    /// Totals over the whole cache; with `stories`, of stories. Read from
    /// the per-feed totals the triggers keep (see `schema::FEED_COUNTS`).
    pub fn counts(&self, stories: bool) -> Result<Counts> {
        let (all, unread, starred): (i64, i64, i64) = self
            .conn
            .prepare_cached(if stories {
                "SELECT COALESCE(SUM(leads), 0), COALESCE(SUM(lead_unread), 0),
                        COALESCE(SUM(lead_starred), 0) FROM feed_counts"
            } else {
                "SELECT COALESCE(SUM(total), 0), COALESCE(SUM(unread), 0),
                        COALESCE(SUM(starred), 0) FROM feed_counts"
            })?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(Counts {
            all: n(all),
            unread: n(unread),
            starred: n(starred),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FeedConfig;
    use crate::model::{FetchReport, ParsedArticle, ParsedFeed};
    use chrono::{TimeZone, Utc};

    fn store() -> (Store, Vec<FeedId>) {
        let mut s = Store::open_in_memory().unwrap();
        let feed = |name: &str, tags: &[&str]| {
            FeedConfig::new(
                name,
                url::Url::parse(&format!("http://{name}.test/")).unwrap(),
                tags,
            )
        };
        let ids = s
            .sync_feeds(&[feed("alpha", &["nhs"]), feed("beta", &[])])
            .unwrap();
        for (n, (id, titles)) in ids
            .iter()
            .zip([
                vec!["Diagnostic centres open", "100% growth_rate"],
                vec!["AI triage pilot"],
            ])
            .enumerate()
        {
            let articles = titles
                .iter()
                .enumerate()
                .map(|(i, t)| ParsedArticle {
                    guid: format!("{n}-{i}"),
                    title: t.to_string(),
                    published: Some(
                        Utc.with_ymd_and_hms(2023, 5, 1 + i as u32 + n as u32 * 5, 0, 0, 0)
                            .unwrap(),
                    ),
                    ..Default::default()
                })
                .collect();
            let feed = ParsedFeed {
                articles,
                ..Default::default()
            };
            s.record(&FetchReport::fetched(*id, feed, Utc::now()))
                .unwrap();
        }
        (s, ids)
    }

    fn titles(rows: Vec<ArticleSummary>) -> Vec<String> {
        rows.into_iter().map(|a| a.title).collect()
    }

    fn search(
        s: &Store,
        text: &str,
        view: ViewFilter,
        limit: usize,
    ) -> std::result::Result<Vec<ArticleSummary>, SearchError> {
        let q = crate::query::parse(text)?;
        s.search(&q, &view, &SqlOptions::default(), Utc::now(), limit)
    }

    #[test]
    fn a_two_letter_prefix_finds_what_the_index_finds() {
        let mut s = Store::open_in_memory().unwrap();
        let ids = s
            .sync_feeds(&[FeedConfig::new(
                "a",
                url::Url::parse("http://a.test/").unwrap(),
                &["nhs"],
            )])
            .unwrap();
        // Title, summary HTML: a word starting "di" in the title, in the
        // body, behind an entity, only in markup, or nowhere.
        let docs = [
            ("Diagnostic centres", "<p>Open</p>"),
            ("Centres open", "<p>New <b>digital</b> hubs</p>"),
            ("Café", "<p>&Dstrok;igits? no: &#68;ialysis</p>"),
            ("Markup only", "<div class=\"dim\">Wards</div>"),
            ("Nothing", "<p>At all</p>"),
        ];
        let articles = docs
            .iter()
            .enumerate()
            .map(|(i, (t, b))| ParsedArticle {
                guid: i.to_string(),
                title: t.to_string(),
                summary: Some(b.to_string()),
                published: Some(
                    Utc.with_ymd_and_hms(2023, 5, 1 + i as u32, 0, 0, 0)
                        .unwrap(),
                ),
                ..Default::default()
            })
            .collect();
        let feed = ParsedFeed {
            articles,
            ..Default::default()
        };
        s.record(&FetchReport::fetched(ids[0], feed, Utc::now()))
            .unwrap();
        let (opts, now) = (SqlOptions::default(), Utc::now());
        for text in ["di*", "tag:nhs DI*", "op* di*"] {
            let q = crate::query::parse(text).unwrap();
            let walked = titles(s.search(&q, &ViewFilter::All, &opts, now, 10).unwrap());
            // The index's own answer, through the count and a page past the
            // first (which never walks).
            let n = s.count_view(&q, &ViewFilter::All, &opts, now).unwrap();
            assert_eq!(walked.len() as u64, n, "{text}: {walked:?}");
            let paged = titles(
                s.search_from(&q, &ViewFilter::All, &opts, now, 1, 10)
                    .unwrap(),
            );
            assert_eq!(walked[1..], paged, "{text}");
        }
        let q = crate::query::parse("di*").unwrap();
        assert_eq!(
            titles(s.search(&q, &ViewFilter::All, &opts, now, 10).unwrap()),
            ["Café", "Centres open", "Diagnostic centres"]
        );
    }

    #[test]
    fn pages_and_counts_of_a_view() {
        let (s, _) = store();
        let (opts, now) = (SqlOptions::default(), Utc::now());
        let all = crate::query::parse("").unwrap();
        let every = titles(s.search(&all, &ViewFilter::All, &opts, now, 10).unwrap());
        let page = s
            .search_from(&all, &ViewFilter::All, &opts, now, 1, 10)
            .unwrap();
        assert_eq!(titles(page), every[1..]);
        let by_title = crate::query::parse("sort:title").unwrap();
        let every = titles(
            s.search(&by_title, &ViewFilter::All, &opts, now, 10)
                .unwrap(),
        );
        let page = s
            .search_from(&by_title, &ViewFilter::All, &opts, now, 1, 1)
            .unwrap();
        assert_eq!(titles(page), every[1..2]);
        assert_eq!(s.count_view(&all, &ViewFilter::All, &opts, now).unwrap(), 3);
        let tag = ViewFilter::Tag("nhs".into());
        assert_eq!(s.count_view(&all, &tag, &opts, now).unwrap(), 2);
        let diag = crate::query::parse("diag*").unwrap();
        assert_eq!(s.count_view(&diag, &tag, &opts, now).unwrap(), 1);
    }

    #[test]
    fn views_and_queries() {
        let (mut s, ids) = store();
        assert_eq!(search(&s, "", ViewFilter::All, 10).unwrap().len(), 3);
        assert_eq!(
            titles(search(&s, "DIAG*", ViewFilter::All, 10).unwrap()),
            ["Diagnostic centres open"]
        );
        assert_eq!(
            search(&s, "feed:beta", ViewFilter::All, 10).unwrap().len(),
            1
        );
        assert_eq!(
            search(&s, "open centres", ViewFilter::All, 10)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            titles(search(&s, "\"triage pilot\"", ViewFilter::All, 10).unwrap()),
            ["AI triage pilot"]
        );
        assert_eq!(
            search(&s, "pilot", ViewFilter::Tag("nhs".into()), 10)
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            search(&s, "", ViewFilter::Feed(ids[0]), 10).unwrap().len(),
            2
        );
        assert_eq!(search(&s, "", ViewFilter::All, 1).unwrap().len(), 1);

        let first = search(&s, "", ViewFilter::All, 10).unwrap()[0].id;
        s.set_starred(&[first], true).unwrap();
        assert_eq!(search(&s, "", ViewFilter::Starred, 10).unwrap().len(), 1);
        let all = crate::query::Query::default();
        let marked = s
            .mark_view_read(
                &all,
                &ViewFilter::Tag("nhs".into()),
                &SqlOptions::default(),
                Utc::now(),
            )
            .unwrap();
        assert_eq!(marked.len(), 2);
        assert_eq!(search(&s, "", ViewFilter::Unread, 10).unwrap().len(), 1);
        assert_eq!(search(&s, "is:read", ViewFilter::All, 10).unwrap().len(), 2);
        let saved = ViewFilter::Saved {
            name: "AI".into(),
            query: "triage OR diagnostic".into(),
        };
        assert_eq!(search(&s, "", saved.clone(), 10).unwrap().len(), 2);
        assert_eq!(
            titles(search(&s, "feed:beta", saved, 10).unwrap()),
            ["AI triage pilot"]
        );
        assert_eq!(
            s.counts(true).unwrap(),
            Counts {
                all: 3,
                unread: 1,
                starred: 1
            }
        );
    }

    #[test]
    fn a_bad_query_has_a_span() {
        let e = crate::query::parse("ai \"tri")
            .map_err(SearchError::from)
            .unwrap_err();
        assert_eq!(e.span, 3..7);
        assert!(e.message.contains("unclosed quote"));
    }
}
