//! Counting from the per-feed totals that triggers keep (`feed_counts`,
//! see `schema::FEED_COUNTS`): the sidebar's numbers and the counts of
//! lists that restrict only by feed, tag and a flag, without reading the
//! articles.

use super::view::ViewFilter;
use super::{Result, Store};
use crate::query::{to_sql, Expr, Flag, Query, SqlOptions, TermKind};
use chrono::{DateTime, Utc};
use rusqlite::params_from_iter;

/// Which of a feed's totals a list counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Total,
    Unread,
    Starred,
}

impl Column {
    fn name(self, leads: bool) -> &'static str {
        match (self, leads) {
            (Column::Total, false) => "total",
            (Column::Unread, false) => "unread",
            (Column::Starred, false) => "starred",
            (Column::Total, true) => "leads",
            (Column::Unread, true) => "lead_unread",
            (Column::Starred, true) => "lead_starred",
        }
    }

    /// Both restrictions at once, if one column holds it.
    fn and(self, other: Column) -> Option<Column> {
        match (self, other) {
            (Column::Total, c) | (c, Column::Total) => Some(c),
            (a, b) if a == b => Some(a),
            _ => None,
        }
    }
}

impl Store {
    /// How many articles of `view` match `q`, from the per-feed totals;
    /// None when the totals cannot say (text, dates, ignore rules, or
    /// anything but feeds, tags, `is:unread` and `is:starred` ANDed).
    /// `q` is the query with any saved view's already added.
    pub(super) fn count_from_totals(
        &self,
        q: &Query,
        view: &ViewFilter,
        opts: &SqlOptions,
        now: DateTime<Utc>,
        leads: bool,
    ) -> Result<Option<u64>> {
        if opts.ignore.iter().any(|r| r.is_effective()) {
            return Ok(None);
        }
        let mut column = match view {
            ViewFilter::All | ViewFilter::Saved { .. } => Column::Total,
            ViewFilter::Unread => Column::Unread,
            ViewFilter::Starred => Column::Starred,
            ViewFilter::Feed(_) | ViewFilter::Tag(_) => Column::Total,
        };
        // A feed or tag view's condition is on `a.feed_id` alone.
        let (view_sql, view_param) = match view {
            ViewFilter::Feed(_) | ViewFilter::Tag(_) => view.condition(false),
            _ => ("1", None),
        };
        // Feed and tag terms compile to conditions on `a.feed_id` alone,
        // which `feed_counts a` has too.
        let mut feeds = Query::default();
        for e in q.conjuncts() {
            let Expr::Term(t) = e else {
                return Ok(None);
            };
            match &t.kind {
                TermKind::Is(Flag::Unread) => match column.and(Column::Unread) {
                    Some(c) => column = c,
                    None => return Ok(None),
                },
                TermKind::Is(Flag::Starred) => match column.and(Column::Starred) {
                    Some(c) => column = c,
                    None => return Ok(None),
                },
                TermKind::Feed { .. } | TermKind::Tag(_) => feeds = feeds.and(e.clone()),
                _ => return Ok(None),
            }
        }
        let m = to_sql(&feeds, now, &SqlOptions::default())?;
        let sql = format!(
            "SELECT COALESCE(SUM(a.{}), 0) FROM feed_counts a WHERE {view_sql} AND ({})",
            column.name(leads),
            m.where_sql
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let n: i64 = stmt.query_row(
            params_from_iter(view_param.into_iter().chain(m.params)),
            |r| r.get(0),
        )?;
        Ok(Some(u64::try_from(n).unwrap_or(0)))
    }
}

impl Store {
    /// The share of the cache's articles in the feeds that `view` and the
    /// feed and tag terms ANDed at the top of `q` restrict a list to; None
    /// when they restrict nothing. `q` has any saved view's query added.
    pub(super) fn feed_share(&self, q: &Query, view: &ViewFilter) -> Result<Option<f64>> {
        let mut feeds = Query::default();
        for e in q.conjuncts() {
            if let Expr::Term(t) = e {
                if matches!(t.kind, TermKind::Feed { .. } | TermKind::Tag(_)) {
                    feeds = feeds.and(e.clone());
                }
            }
        }
        let (view_sql, view_param) = match view {
            ViewFilter::Feed(_) | ViewFilter::Tag(_) => view.condition(false),
            _ if feeds.expr.is_none() => return Ok(None),
            _ => ("1", None),
        };
        let m = to_sql(&feeds, Utc::now(), &SqlOptions::default())?;
        let sql = format!(
            "SELECT COALESCE(SUM(CASE WHEN {view_sql} AND ({}) THEN a.total END), 0),
                    COALESCE(SUM(a.total), 0)
             FROM feed_counts a",
            m.where_sql
        );
        let (part, all): (i64, i64) = self.conn.prepare_cached(&sql)?.query_row(
            params_from_iter(view_param.into_iter().chain(m.params)),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(Some(if all > 0 {
            part as f64 / all as f64
        } else {
            0.0
        }))
    }

    /// How many articles match `q` when the full-text index alone answers
    /// it, counted in the index: its matches, less the story copies among
    /// them when lists show leads. None for other queries, views and
    /// ignore rules. `q` is the query with any saved view's already added.
    pub(super) fn count_from_index(
        &self,
        q: &Query,
        view: &ViewFilter,
        opts: &SqlOptions,
        leads: bool,
    ) -> Result<Option<u64>> {
        let ruled = opts.ignore.iter().any(|r| r.is_effective());
        let whole = matches!(view, ViewFilter::All | ViewFilter::Saved { .. });
        let Some(text) = crate::query::only_text(q).filter(|_| whole && !ruled) else {
            return Ok(None);
        };
        let matches: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?1")?
            .query_row([&text], |r| r.get(0))?;
        // Through the partial index of copies: never more than they are.
        let copies: i64 = if leads {
            self.conn
                .prepare_cached(
                    "SELECT COUNT(*) FROM articles a WHERE a.story_lead = 0
                     AND +a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1)",
                )?
                .query_row([&text], |r| r.get(0))?
        } else {
            0
        };
        Ok(Some(u64::try_from(matches - copies).unwrap_or(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FeedConfig;
    use crate::model::{ArticleId, FeedId, FetchReport, ParsedArticle, ParsedFeed};
    use crate::query::{parse, IgnoreRule};
    use chrono::TimeZone;

    fn feed(name: &str, tags: &[&str]) -> FeedConfig {
        FeedConfig::new(
            name,
            url::Url::parse(&format!("http://{name}.test/")).unwrap(),
            tags,
        )
    }

    /// Feeds a (tagged nhs), b (nhs, gov), c (none); b and c each carry a
    /// copy of two of a's announcements (same link and words), so stories
    /// have leads and copies.
    fn store() -> (Store, Vec<FeedId>) {
        let mut s = Store::open_in_memory().unwrap();
        let ids = s
            .sync_feeds(&[
                feed("a", &["nhs"]),
                feed("b", &["nhs", "gov"]),
                feed("c", &[]),
            ])
            .unwrap();
        let headline = |i: usize| {
            format!("Regional network {i} opens new diagnostic centre for patients in the north")
        };
        let body = |i: usize| {
            format!("<p>The regional health network number {i} announced today that a new community diagnostic centre will open next spring, offering scans and tests closer to home for thousands of patients.</p>")
        };
        for (n, id) in ids.iter().enumerate() {
            let articles = (0..12)
                .map(|i| {
                    let copy = n > 0 && i < 2;
                    let key = if copy { i } else { 100 * (n + 1) + i };
                    ParsedArticle {
                        guid: format!("{n}-{i}"),
                        title: headline(key),
                        link: Some(format!("https://news.test/items/{key}")),
                        summary: Some(body(key)),
                        published: Some(
                            Utc.with_ymd_and_hms(2024, 3, 1 + i as u32, n as u32, 0, 0)
                                .unwrap(),
                        ),
                        ..Default::default()
                    }
                })
                .collect();
            let report = FetchReport::fetched(
                *id,
                ParsedFeed {
                    articles,
                    ..Default::default()
                },
                Utc::now(),
            );
            s.record(&report).unwrap();
        }
        s.assign_stories(&ids, 0).unwrap();
        (s, ids)
    }

    /// Every totals count against a count of the rows themselves.
    fn check(s: &Store, ids: &[FeedId], opts: &SqlOptions) {
        let queries = [
            "",
            "is:unread",
            "is:starred",
            "is:unread is:starred",
            "tag:nhs",
            "tag:NHS is:unread",
            "tag:gov is:starred",
            "tag:nhs tag:gov",
            "feed:a",
            "feed:=a is:unread",
            "feed:b tag:gov",
            "feed:zzz",
            "diagnostic",
            "-is:unread",
            "tag:nhs OR is:starred",
        ];
        let views = [
            ViewFilter::All,
            ViewFilter::Unread,
            ViewFilter::Starred,
            ViewFilter::Feed(ids[0]),
            ViewFilter::Feed(ids[1]),
            ViewFilter::Tag("nhs".into()),
            ViewFilter::Tag("gov".into()),
            ViewFilter::Saved {
                name: "mine".into(),
                query: "tag:nhs is:unread".into(),
            },
        ];
        let now = Utc::now();
        let mut answered = 0;
        for text in queries {
            let q = parse(text).unwrap();
            for view in &views {
                let with_view = view.with_view(&q).unwrap();
                let rows = s.count_rows(&with_view, view, opts, now).unwrap();
                let lead = !view.leads(opts, &with_view).is_empty();
                if let Some(n) = s
                    .count_from_totals(&with_view, view, opts, now, lead)
                    .unwrap()
                {
                    assert_eq!(n, rows, "{text:?} in {view:?}");
                    answered += 1;
                }
                assert_eq!(s.count_view(&q, view, opts, now).unwrap(), rows);
            }
            if matches!(view_free_count(s, &q, opts, now), Some(n) if n != s.count_view(&q, &ViewFilter::All, opts, now).unwrap())
            {
                panic!("{text:?}: count and count_view differ");
            }
        }
        let ignoring = opts.ignore.iter().any(|r| r.query.expr.is_some());
        assert_eq!(
            answered == 0,
            ignoring,
            "the totals answer unless rules apply"
        );
    }

    fn view_free_count(s: &Store, q: &Query, opts: &SqlOptions, now: DateTime<Utc>) -> Option<u64> {
        s.count(q, opts, now).ok()
    }

    fn totals_hold(s: &Store) {
        let differ: i64 = s
            .conn
            .query_row(
                "SELECT COUNT(*) FROM (
                   SELECT feed_id, COUNT(*) t, SUM(read = 0) u, SUM(starred = 1) st,
                          SUM(story_lead = 1) l, SUM(story_lead = 1 AND read = 0) lu,
                          SUM(story_lead = 1 AND starred = 1) ls
                   FROM articles GROUP BY feed_id
                   EXCEPT SELECT feed_id, total, unread, starred, leads, lead_unread, lead_starred
                   FROM feed_counts WHERE total > 0)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let empty: i64 = s
            .conn
            .query_row(
                "SELECT COUNT(*) FROM feed_counts c WHERE total != 0 AND NOT EXISTS
                   (SELECT 1 FROM articles a WHERE a.feed_id = c.feed_id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!((differ, empty), (0, 0));
    }

    #[test]
    fn totals_follow_every_write_and_answer_as_the_rows_do() {
        let (mut s, ids) = store();
        let copies: i64 = s
            .conn
            .query_row(
                "SELECT COUNT(*) FROM articles WHERE story_lead = 0",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(copies >= 2, "the fixture groups copies into stories");
        let grouping = SqlOptions {
            stories: true,
            ..Default::default()
        };
        let flat = SqlOptions::default();
        let ruled = SqlOptions {
            ignore: vec![IgnoreRule::parse("diagnostic", Some("c".into())).unwrap()],
            stories: true,
            ..Default::default()
        };
        let all = |s: &Store| -> Vec<ArticleId> {
            s.query(&Query::default(), &flat, Utc::now(), None)
                .unwrap()
                .into_iter()
                .map(|a| a.id)
                .collect()
        };
        type Step<'a> = Box<dyn Fn(&mut Store) + 'a>;
        let steps: Vec<Step> = vec![
            Box::new(|_| {}),
            Box::new(|s| {
                let ids = all(s);
                s.set_read(&ids[..ids.len() / 2], true).unwrap();
            }),
            Box::new(|s| {
                let ids = all(s);
                s.set_starred(&ids.iter().step_by(3).copied().collect::<Vec<_>>(), true)
                    .unwrap();
                s.set_read(&ids[..3], false).unwrap();
            }),
            Box::new(|s| {
                s.mark_view_read(
                    &parse("tag:gov").unwrap(),
                    &ViewFilter::All,
                    &flat,
                    Utc::now(),
                )
                .unwrap();
            }),
            // c leaves the config, then its articles are purged.
            Box::new(|s| {
                s.sync_feeds(&[feed("a", &["nhs"]), feed("b", &["nhs", "gov"])])
                    .unwrap();
            }),
            Box::new(|s| {
                s.purge_unsubscribed(true).unwrap();
            }),
        ];
        for step in steps {
            step(&mut s);
            totals_hold(&s);
            for opts in [&grouping, &flat, &ruled] {
                check(&s, &ids, opts);
            }
        }
    }
}
