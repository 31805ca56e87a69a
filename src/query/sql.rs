//! Compiles a [`Query`] to an SQL condition over `articles a`, with every
//! piece of user text in a bound parameter.

use std::ops::Range;

use chrono::{DateTime, FixedOffset, Months, NaiveDate, NaiveTime, TimeDelta, Utc};
use rusqlite::types::Value;

use super::ast::{Expr, Flag, Query, Sort, SortKey, Term, TermKind, Unit, When};
use super::fts::{self, fts_term};
pub use super::options::{IgnoreRule, SqlOptions};
use super::QueryError;

/// A compiled query: use as
/// `SELECT ... FROM articles a WHERE {where_sql} ORDER BY {order_sql} LIMIT ?`
/// with `params` bound in order (the placeholders are plain `?`) and then the
/// limit. Subqueries use aliases starting with `q`, so the caller may join
/// other tables under other names.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlQuery {
    /// A boolean expression over `a` (articles), self-contained (safe to
    /// combine with AND or OR); `1` for "everything".
    pub where_sql: String,
    pub params: Vec<Value>,
    /// Ends with `a.id` so the order is total (stable paging).
    pub order_sql: String,
}

impl SqlQuery {
    /// `SELECT {columns} FROM articles a WHERE ... ORDER BY ... LIMIT ?`:
    /// bind `params`, then the limit.
    pub fn select(&self, columns: &str) -> String {
        format!(
            "SELECT {columns} FROM articles a WHERE {} ORDER BY {} LIMIT ?",
            self.where_sql, self.order_sql
        )
    }
}

/// Compiles `q`, resolving relative dates against `now`.
///
/// Fails only when a date falls outside what can be represented
/// (`since:99999999d`); the error's span points into the query.
pub fn to_sql(q: &Query, now: DateTime<Utc>, opts: &SqlOptions) -> Result<SqlQuery, QueryError> {
    compile(q, now, opts, true)
}

/// `group_fts: false` gives every text term its own MATCH subquery: slower,
/// but obviously right, so tests compare the two.
pub(crate) fn compile(
    q: &Query,
    now: DateTime<Utc>,
    opts: &SqlOptions,
    group_fts: bool,
) -> Result<SqlQuery, QueryError> {
    let mut c = Compiler {
        group_fts,
        walk_text: opts.walk_text,
        walk_feeds: opts.walk_feeds,
        now,
        offset: opts.utc_offset,
        rules: opts.ignore.iter().filter(|r| r.is_effective()).collect(),
        params: Vec::new(),
        in_rule: false,
    };
    let mut where_sql = String::new();
    match &q.expr {
        Some(e) => c.expr(e, &mut where_sql)?,
        None => where_sql.push('1'),
    }
    if !c.rules.is_empty() && !q.mentions_ignored() {
        where_sql = format!("({where_sql} AND NOT ");
        c.ignored(&mut where_sql)?;
        where_sql.push(')');
    }
    Ok(SqlQuery {
        where_sql,
        params: c.params,
        order_sql: order_sql(q.sort),
    })
}

fn order_sql(sort: Sort) -> String {
    let dir = if sort.descending { "DESC" } else { "ASC" };
    match sort.key {
        SortKey::Date => format!("a.sort_time {dir}, a.id {dir}"),
        SortKey::Feed => format!(
            "(SELECT qs.name FROM feeds qs WHERE qs.id = a.feed_id) COLLATE NOCASE {dir}, a.sort_time DESC, a.id DESC"
        ),
        SortKey::Title => format!("a.title COLLATE NOCASE {dir}, a.sort_time DESC, a.id DESC"),
    }
}

const FTS_IN: &str = "a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)";
/// For matches likely to cover much of the cache: the `+` keeps SQLite from
/// starting at the index's matches (looking up and sorting every one of
/// them); it walks the articles in list order instead, testing each against
/// the matches, and stops at the limit.
const FTS_IN_WALK: &str = "+a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)";

/// Prefixes this short (in characters) match a large share of any cache:
/// what search-as-you-type sends on the first keys of a word.
const BROAD_PREFIX: usize = 3;

/// Whether `e` has a positive text term that is a short prefix, so its
/// full-text matches are likely many.
fn broad(e: &Expr) -> bool {
    match e {
        Expr::Term(Term {
            kind: TermKind::Text(t) | TermKind::Title(t),
            ..
        }) => {
            t.prefix
                && fts::tokens(&t.text)
                    .last()
                    .is_some_and(|(_, w)| w.chars().count() <= BROAD_PREFIX)
        }
        Expr::And(items) | Expr::Or(items) => items.iter().any(broad),
        Expr::Not(_) | Expr::Term(_) => false,
    }
}
const FTS_NOT_IN: &str = "a.id NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)";

/// The FTS5 query equivalent to `e`, if `e` can be answered by the full-text
/// index alone: text terms combined with AND, OR, and NOT where FTS5 can
/// express it (binary `a NOT b`, so a negation needs a positive partner).
fn fts_match(e: &Expr, group: bool) -> Option<String> {
    match e {
        Expr::Term(Term {
            kind: TermKind::Text(t),
            ..
        }) => Some(fts_term(t, false)),
        Expr::Term(Term {
            kind: TermKind::Title(t),
            ..
        }) => Some(fts_term(t, true)),
        Expr::Or(items) if group => items
            .iter()
            .map(|i| fts_match(i, group))
            .collect::<Option<Vec<_>>>()
            .map(|v| format!("({})", v.join(" OR "))),
        Expr::And(items) if group => {
            let (pos, neg, rest) = split_and(items, group);
            if pos.is_empty() || !rest.is_empty() {
                return None;
            }
            Some(fts_and(&pos, &neg))
        }
        _ => None,
    }
}

/// The full-text query a list of `q` starts from: the index's part of
/// the whole filter, or of its top-level AND. None when the filter has no
/// such part (or only negations).
pub fn text_match(q: &Query) -> Option<String> {
    let e = q.expr.as_ref()?;
    if let Some(m) = fts_match(e, true) {
        return Some(m);
    }
    match e {
        Expr::And(items) => {
            let (pos, neg, _) = split_and(items, true);
            (!pos.is_empty()).then(|| fts_and(&pos, &neg))
        }
        _ => None,
    }
}

/// `q` as its full-text part (as [`text_match`] gives it) and the rest:
/// the operands of its top-level AND that the index does not answer.
pub fn split_text(q: &Query) -> Option<(Query, String)> {
    let e = q.expr.as_ref()?;
    if let Some(m) = fts_match(e, true) {
        return Some((
            Query {
                expr: None,
                sort: q.sort,
            },
            m,
        ));
    }
    let Expr::And(items) = e else {
        return None;
    };
    let (pos, neg, rest) = split_and(items, true);
    if pos.is_empty() {
        return None;
    }
    let rest: Vec<Expr> = rest.into_iter().cloned().collect();
    let expr = match rest.len() {
        0 => None,
        1 => rest.into_iter().next(),
        _ => Some(Expr::And(rest)),
    };
    Some((Query { expr, sort: q.sort }, fts_and(&pos, &neg)))
}

/// The full-text query equivalent to the whole of `q`, if the index alone
/// answers it.
pub fn only_text(q: &Query) -> Option<String> {
    fts_match(q.expr.as_ref()?, true)
}

/// Splits AND operands into those the index answers, negations of those,
/// and the rest.
fn split_and(items: &[Expr], group: bool) -> (Vec<String>, Vec<String>, Vec<&Expr>) {
    let (mut pos, mut neg, mut rest) = (Vec::new(), Vec::new(), Vec::new());
    if !group {
        return (pos, neg, items.iter().collect());
    }
    for it in items {
        if let Some(m) = fts_match(it, group) {
            pos.push(m);
        } else if let Some(m) = match it {
            Expr::Not(x) => fts_match(x, group),
            _ => None,
        } {
            neg.push(m);
        } else {
            rest.push(it);
        }
    }
    (pos, neg, rest)
}

/// `pos` ANDed, minus anything matching `neg`. `pos` must not be empty.
fn fts_and(pos: &[String], neg: &[String]) -> String {
    let p = match pos {
        [one] => one.clone(),
        _ => format!("({})", pos.join(" AND ")),
    };
    if neg.is_empty() {
        p
    } else {
        format!("({p} NOT ({}))", neg.join(" OR "))
    }
}

struct Compiler<'a> {
    now: DateTime<Utc>,
    offset: FixedOffset,
    rules: Vec<&'a IgnoreRule>,
    params: Vec<Value>,
    /// Compiling an ignore rule: `is:ignored` is false there.
    in_rule: bool,
    group_fts: bool,
    walk_text: Option<bool>,
    walk_feeds: bool,
}

/// A resolved `When`.
enum Resolved {
    /// A relative time: the instant, and the local day containing it.
    Instant(i64, NaiveDate),
    /// A calendar period: start inclusive, end exclusive.
    Period(i64, i64),
}

impl Compiler<'_> {
    /// Appends the condition for `e`. Every `?` is pushed in text order.
    fn expr(&mut self, e: &Expr, out: &mut String) -> Result<(), QueryError> {
        if let Some(m) = fts_match(e, self.group_fts) {
            let walk = self.walk_text.unwrap_or_else(|| broad(e));
            self.fts(if walk { FTS_IN_WALK } else { FTS_IN }, m, out);
            return Ok(());
        }
        match e {
            Expr::And(items) => {
                let (pos, neg, rest) = split_and(items, self.group_fts);
                let mut parts = 0;
                out.push('(');
                if !pos.is_empty() {
                    let walk = self.walk_text.unwrap_or_else(|| {
                        items
                            .iter()
                            .any(|i| broad(i) && fts_match(i, self.group_fts).is_some())
                    });
                    let sql = if walk { FTS_IN_WALK } else { FTS_IN };
                    self.fts(sql, fts_and(&pos, &neg), out);
                    parts += 1;
                } else if !neg.is_empty() {
                    self.fts(FTS_NOT_IN, neg.join(" OR "), out);
                    parts += 1;
                }
                for r in rest {
                    if parts > 0 {
                        out.push_str(" AND ");
                    }
                    self.expr(r, out)?;
                    parts += 1;
                }
                out.push(')');
            }
            Expr::Or(items) => {
                let group = self.group_fts;
                let (fts, rest): (Vec<&Expr>, Vec<&Expr>) = items
                    .iter()
                    .partition(|i| group && fts_match(i, group).is_some());
                let mut parts = 0;
                out.push('(');
                if !fts.is_empty() {
                    let any: Vec<String> = fts.iter().filter_map(|i| fts_match(i, group)).collect();
                    self.fts(FTS_IN, any.join(" OR "), out);
                    parts += 1;
                }
                for r in rest {
                    if parts > 0 {
                        out.push_str(" OR ");
                    }
                    self.expr(r, out)?;
                    parts += 1;
                }
                out.push(')');
            }
            Expr::Not(x) => {
                out.push_str("NOT (");
                self.expr(x, out)?;
                out.push(')');
            }
            Expr::Term(t) => self.term(t, out)?,
        }
        Ok(())
    }

    fn fts(&mut self, sql: &str, fts_query: String, out: &mut String) {
        out.push_str(sql);
        self.params.push(Value::Text(fts_query));
    }

    fn param(&mut self, v: impl Into<Value>) {
        self.params.push(v.into());
    }

    fn term(&mut self, t: &Term, out: &mut String) -> Result<(), QueryError> {
        match &t.kind {
            // Normally taken by `fts_match` before getting here.
            TermKind::Text(x) => self.fts(FTS_IN, fts_term(x, false), out),
            TermKind::Title(x) => self.fts(FTS_IN, fts_term(x, true), out),
            TermKind::Feed { .. } | TermKind::Tag(_) if self.walk_feeds => {
                // `+` keeps SQLite from starting at each feed's articles.
                out.push('+');
                self.feeds(t, out);
            }
            TermKind::Feed { .. } | TermKind::Tag(_) => self.feeds(t, out),
            TermKind::Author(s) => {
                out.push_str("coalesce(a.author, '') LIKE ? ESCAPE '\\'");
                self.param(like_pattern(s));
            }
            TermKind::Link(s) => {
                out.push_str("coalesce(a.link, '') LIKE ? ESCAPE '\\'");
                self.param(like_pattern(s));
            }
            // Literal constants (not parameters) so the planner can use the
            // partial indexes `WHERE read = 0` and `WHERE starred = 1`.
            TermKind::Is(Flag::Unread) => out.push_str("a.read = 0"),
            TermKind::Is(Flag::Read) => out.push_str("a.read <> 0"),
            TermKind::Is(Flag::Starred) => out.push_str("a.starred = 1"),
            TermKind::Is(Flag::Unstarred) => out.push_str("a.starred <> 1"),
            TermKind::Is(Flag::Undated) => out.push_str("a.published IS NULL"),
            TermKind::Is(Flag::Ignored) => {
                if self.in_rule {
                    out.push('0');
                } else {
                    self.ignored(out)?;
                }
            }
            TermKind::Since(w) => {
                let start = match self.resolve(w, &t.span)? {
                    Resolved::Instant(at, _) => at,
                    Resolved::Period(start, _) => start,
                };
                out.push_str("a.sort_time >= ?");
                self.param(start);
            }
            TermKind::Before(w) => {
                let start = match self.resolve(w, &t.span)? {
                    Resolved::Instant(at, _) => at,
                    Resolved::Period(start, _) => start,
                };
                out.push_str("a.sort_time < ?");
                self.param(start);
            }
            TermKind::On(w) => {
                let (start, end) = match self.resolve(w, &t.span)? {
                    Resolved::Instant(_, day) => self.day(day, &t.span)?,
                    Resolved::Period(start, end) => (start, end),
                };
                out.push_str("(a.sort_time >= ? AND a.sort_time < ?)");
                self.param(start);
                self.param(end);
            }
        }
        Ok(())
    }

    /// A feed or tag term: a condition on `a.feed_id` alone.
    fn feeds(&mut self, t: &Term, out: &mut String) {
        match &t.kind {
            TermKind::Feed { name, exact: true } => {
                out.push_str(
                    "a.feed_id IN (SELECT qf.id FROM feeds qf \
                     WHERE qf.name = ? COLLATE NOCASE OR qf.title = ? COLLATE NOCASE)",
                );
                self.param(name.clone());
                self.param(name.clone());
            }
            TermKind::Feed { name, exact: false } => {
                out.push_str(
                    "a.feed_id IN (SELECT qf.id FROM feeds qf \
                     WHERE qf.name LIKE ? ESCAPE '\\' OR qf.title LIKE ? ESCAPE '\\')",
                );
                let pat = like_pattern(name);
                self.param(pat.clone());
                self.param(pat);
            }
            TermKind::Tag(tag) => {
                out.push_str("a.feed_id IN (SELECT qt.feed_id FROM feed_tags qt WHERE qt.tag = ? COLLATE NOCASE)");
                self.param(tag.clone());
            }
            _ => {}
        }
    }

    /// The condition "some ignore rule matches"; `0` when there are none.
    fn ignored(&mut self, out: &mut String) -> Result<(), QueryError> {
        if self.rules.is_empty() {
            out.push('0');
            return Ok(());
        }
        let rules = self.rules.clone();
        let was_in_rule = std::mem::replace(&mut self.in_rule, true);
        out.push('(');
        for (i, rule) in rules.iter().enumerate() {
            if i > 0 {
                out.push_str(" OR ");
            }
            out.push('(');
            if let Some(feed) = &rule.feed {
                out.push_str("a.feed_id IN (SELECT qf.id FROM feeds qf WHERE qf.name = ?)");
                self.param(feed.clone());
            }
            if let Some(e) = &rule.query.expr {
                if rule.feed.is_some() {
                    out.push_str(" AND ");
                }
                self.expr(e, out).map_err(|mut err| {
                    err.message = format!("in ignore rule `{}`: {}", rule.query, err.message);
                    err.span = 0..0;
                    err
                })?;
            }
            out.push(')');
        }
        out.push(')');
        self.in_rule = was_in_rule;
        Ok(())
    }

    /// Unix time of local midnight starting `d`.
    fn midnight(&self, d: NaiveDate) -> i64 {
        d.and_time(NaiveTime::MIN).and_utc().timestamp() - i64::from(self.offset.local_minus_utc())
    }

    fn day(&self, d: NaiveDate, span: &Range<usize>) -> Result<(i64, i64), QueryError> {
        let next = d.succ_opt().ok_or_else(|| out_of_range(span))?;
        Ok((self.midnight(d), self.midnight(next)))
    }

    fn resolve(&self, w: &When, span: &Range<usize>) -> Result<Resolved, QueryError> {
        let bad = || out_of_range(span);
        let today = self.now.with_timezone(&self.offset).date_naive();
        let first = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad);
        let (start, end) = match *w {
            When::Day(d) => self.day(d, span)?,
            When::Today => self.day(today, span)?,
            When::Yesterday => self.day(today.pred_opt().ok_or_else(bad)?, span)?,
            When::Month { year, month } => {
                let start = first(year, month)?;
                let next = if month >= 12 {
                    first(year.checked_add(1).ok_or_else(bad)?, 1)?
                } else {
                    first(year, month + 1)?
                };
                (self.midnight(start), self.midnight(next))
            }
            When::Year(year) => {
                let next = first(year.checked_add(1).ok_or_else(bad)?, 1)?;
                (self.midnight(first(year, 1)?), self.midnight(next))
            }
            When::Ago { amount, unit } => {
                let n = i64::from(amount);
                let at = match unit {
                    Unit::Hours => {
                        TimeDelta::try_hours(n).and_then(|d| self.now.checked_sub_signed(d))
                    }
                    Unit::Days => {
                        TimeDelta::try_days(n).and_then(|d| self.now.checked_sub_signed(d))
                    }
                    Unit::Weeks => {
                        TimeDelta::try_weeks(n).and_then(|d| self.now.checked_sub_signed(d))
                    }
                    Unit::Months => self.now.checked_sub_months(Months::new(amount)),
                    Unit::Years => amount
                        .checked_mul(12)
                        .and_then(|m| self.now.checked_sub_months(Months::new(m))),
                }
                .ok_or_else(bad)?;
                let day = at.with_timezone(&self.offset).date_naive();
                return Ok(Resolved::Instant(at.timestamp(), day));
            }
        };
        Ok(Resolved::Period(start, end))
    }
}

fn out_of_range(span: &Range<usize>) -> QueryError {
    QueryError::new("date out of range", span.clone())
        .hint("use a date between the years 1 and 9999")
}

/// `%s%` with LIKE's wildcards in `s` escaped by `\`.
fn like_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}
