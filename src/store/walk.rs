//! Lists that walk the list order rather than sort what they match: the
//! choice between walking and looking up (`text_plan`), a walk keeping the
//! full-text matches read from the index (`walk_matches`), and a walk
//! testing a short prefix itself (`walk_short_prefix`).

use super::read::{summary_from_row, SUMMARY_COLUMNS};
use super::view::{Bodies, SearchError, ViewFilter};
use super::{Result, Store};
use crate::model::ArticleSummary;
use crate::query::{to_sql, Query, SqlOptions};
use chrono::{DateTime, Utc};
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use std::collections::HashMap;

/// From how many full-text matches a list of `limit` rows out of
/// `articles` walks the list order instead of looking each match up and
/// sorting. A walk reads about `limit × articles / matches` index entries,
/// each some five times cheaper than a lookup, so it wins from about
/// `√(limit × articles / 5)` matches: 10,000 of a million for a page of 500.
fn walk_from(limit: usize, articles: u64) -> usize {
    let product = (limit as f64) * (articles as f64) / 5.0;
    (product.sqrt() as usize).max(limit)
}

/// From what share of the cache in the feeds a list is restricted to it
/// walks the list order: then a page is found within some 10,000 index
/// entries, sooner than reading and sorting every article of the feeds.
const WALK_FEEDS_FROM: f64 = 0.05;

/// The ids of the articles matching `rest`, in list order: what
/// [`Store::walk_matches`] walks. `q` is the whole query (with the saved
/// view's): its rule for leads holds (a query naming a feed lists copies).
pub(super) fn rest_sql(
    q: &Query,
    rest: &Query,
    view: &ViewFilter,
    opts: &SqlOptions,
    now: DateTime<Utc>,
) -> std::result::Result<(String, Vec<Value>), SearchError> {
    let m = to_sql(rest, now, opts)?;
    let (view_sql, view_param) = view.condition(opts.walk_feeds);
    let sql = format!(
        "SELECT a.id FROM articles a WHERE {}{view_sql} AND ({}) ORDER BY {}",
        view.leads(opts, q),
        m.where_sql,
        m.order_sql
    );
    Ok((sql, view_param.into_iter().chain(m.params).collect()))
}

impl Store {
    /// A list whose full-text matches are many: the matches' ids are read
    /// from the index (in id order, as it keeps them), and the rest of the
    /// query is walked in list order, keeping the articles among them. SQL
    /// would first copy the matches into a temporary index; this is some
    /// three times faster for a hundred thousand matches. `matches` are
    /// the ids if already read (see [`Store::text_plan`]). None when the
    /// query has no full-text part to split off.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn walk_matches(
        &self,
        q: &Query,
        view: &ViewFilter,
        opts: &SqlOptions,
        now: DateTime<Utc>,
        skip: usize,
        limit: usize,
        matches: Option<Vec<i64>>,
    ) -> std::result::Result<Option<Vec<ArticleSummary>>, SearchError> {
        let q = view.with_view(q)?;
        let Some((rest, text)) = crate::query::split_text(&q) else {
            return Ok(None);
        };
        let matches = match matches {
            Some(m) => m,
            None => self.match_ids(&text)?,
        };
        let (sql, params) = rest_sql(&q, &rest, view, opts, now)?;
        let mut picked = Vec::with_capacity(limit.min(1_000));
        {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(params))?;
            let mut seen = 0;
            while picked.len() < limit {
                let Some(row) = rows.next()? else { break };
                let id: i64 = row.get(0)?;
                if matches.binary_search(&id).is_ok() {
                    seen += 1;
                    if seen > skip {
                        picked.push(id);
                    }
                }
            }
        }
        Ok(Some(self.summaries(&picked)?))
    }

    /// The summaries of these articles, in this order.
    pub(super) fn summaries(&self, ids: &[i64]) -> Result<Vec<ArticleSummary>> {
        let mut by_id: HashMap<i64, ArticleSummary> = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id
                 WHERE a.id IN ({marks})"
            ))?;
            let rows = stmt.query_map(params_from_iter(chunk), summary_from_row)?;
            for row in rows {
                let a = row?;
                by_id.insert(a.id.0, a);
            }
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// The ids of the articles matching the full-text query `text`, in id
    /// order.
    fn match_ids(&self, text: &str) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1")?;
        let rows = stmt.query_map([text], |r| r.get(0))?;
        let mut ids: Vec<i64> = rows.collect::<rusqlite::Result<_>>()?;
        if !ids.is_sorted() {
            ids.sort_unstable();
        }
        Ok(ids)
    }

    /// `opts` with `walk_text` chosen for a list of `q`, unless set: walk
    /// the list order when the full-text matches are so many that a page of
    /// them comes sooner than looking each up (see [`walk_from`]). The
    /// matches are read to count them (a prefix's are merged before the
    /// first comes, so a capped count costs as much); when the list walks,
    /// they are returned for [`Store::walk_matches`], so they are read once.
    pub(super) fn text_plan(
        &self,
        q: &Query,
        view: &ViewFilter,
        opts: &SqlOptions,
        limit: usize,
    ) -> std::result::Result<(SqlOptions, Option<Vec<i64>>), SearchError> {
        let mut opts = opts.clone();
        let q = &view.with_view(q)?;
        if let Some(share) = self.feed_share(q, view)? {
            opts.walk_feeds = share >= WALK_FEEDS_FROM;
        }
        if opts.walk_text.is_some() {
            return Ok((opts, None));
        }
        let Some(text) = crate::query::text_match(q) else {
            return Ok((opts, None));
        };
        let matches = self.match_ids(&text)?;
        let walk = matches.len() >= walk_from(limit, self.counts(false)?.all);
        opts.walk_text = Some(walk);
        Ok((opts, walk.then_some(matches)))
    }

    /// The first `limit` articles matching `rest` and having a word that
    /// starts with the two-letter `prefix` (see [`crate::query::split_short_prefix`]):
    /// `rest` is walked in list order and each article's words tested here.
    /// None when the prefix proves rare (the index then answers faster).
    pub(super) fn walk_short_prefix(
        &self,
        rest: &Query,
        prefix: &str,
        view: &ViewFilter,
        opts: &SqlOptions,
        now: DateTime<Utc>,
        limit: usize,
    ) -> std::result::Result<Option<Vec<ArticleSummary>>, SearchError> {
        /// Articles read at a time, and at most before giving up.
        const CHUNK: usize = 500;
        const SCAN: usize = 1_500;
        let mut out = Vec::new();
        let mut skip = 0;
        while out.len() < limit {
            if skip >= SCAN {
                return Ok(None);
            }
            // A first read a little past the page: common prefixes fill
            // it in one.
            let want = if skip == 0 {
                limit.saturating_add(limit / 4)
            } else {
                CHUNK
            };
            let chunk = self.search_from(rest, view, opts, now, skip, want)?;
            let ids: Vec<i64> = chunk.iter().map(|a| a.id.0).collect();
            let bodies = self.bodies(&ids)?;
            let n = chunk.len();
            for a in chunk {
                let body = bodies.get(&a.id.0);
                let hit = crate::query::has_prefix(&a.title, prefix)
                    || body.is_some_and(|(s, c)| {
                        crate::query::has_prefix(
                            &crate::query::body_text(s.as_deref(), c.as_deref()),
                            prefix,
                        )
                    });
                if hit {
                    out.push(a);
                    if out.len() == limit {
                        break;
                    }
                }
            }
            if n < want {
                break;
            }
            skip += n;
        }
        Ok(Some(out))
    }

    /// Summary and content of these articles.
    pub(super) fn bodies(&self, ids: &[i64]) -> Result<HashMap<i64, Bodies>> {
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT article_id, summary, content FROM article_bodies
                 WHERE article_id IN ({marks})"
            ))?;
            let rows = stmt.query_map(params_from_iter(chunk), |r| {
                Ok((
                    r.get(0)?,
                    self.bodies
                        .decode(&self.conn, r.get_ref(1)?, r.get_ref(2)?)?,
                ))
            })?;
            for row in rows {
                let (id, b) = row?;
                out.insert(id, b);
            }
        }
        Ok(out)
    }
}
