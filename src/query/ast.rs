//! Syntax tree of a parsed query. See `LANGUAGE.md` for the surface syntax.

use std::ops::Range;

use chrono::NaiveDate;

/// A parsed query: an optional filter and the order of the results.
///
/// `expr == None` matches every article (the empty query).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub expr: Option<Expr>,
    pub sort: Sort,
}

impl Query {
    /// True when some `is:ignored` term occurs anywhere in the filter (even
    /// negated): ignore rules are then not applied as a blanket exclusion.
    pub fn mentions_ignored(&self) -> bool {
        fn walk(e: &Expr) -> bool {
            match e {
                Expr::And(v) | Expr::Or(v) => v.iter().any(walk),
                Expr::Not(inner) => walk(inner),
                Expr::Term(t) => t.kind == TermKind::Is(Flag::Ignored),
            }
        }
        self.expr.as_ref().is_some_and(walk)
    }

    /// This query further restricted by `extra`; the sort is kept.
    pub fn and(mut self, extra: Expr) -> Query {
        self.expr = Some(match (self.expr.take(), extra) {
            (None, x) => x,
            (Some(Expr::And(mut v)), Expr::And(w)) => {
                v.extend(w);
                Expr::And(v)
            }
            (Some(Expr::And(mut v)), x) => {
                v.push(x);
                Expr::And(v)
            }
            (Some(e), Expr::And(mut w)) => {
                w.insert(0, e);
                Expr::And(w)
            }
            (Some(e), x) => Expr::And(vec![e, x]),
        });
        self
    }

    /// The operands of the filter's top-level AND: the filter itself when
    /// it is not an AND, none for the empty query.
    pub fn conjuncts(&self) -> Vec<&Expr> {
        match &self.expr {
            None => Vec::new(),
            Some(Expr::And(items)) => items.iter().collect(),
            Some(e) => vec![e],
        }
    }

    /// Every term of the filter, depth first, with whether it sits under an
    /// odd number of negations.
    pub fn terms(&self) -> Vec<(&Term, bool)> {
        fn walk<'a>(e: &'a Expr, negated: bool, out: &mut Vec<(&'a Term, bool)>) {
            match e {
                Expr::And(v) | Expr::Or(v) => v.iter().for_each(|c| walk(c, negated, out)),
                Expr::Not(inner) => walk(inner, !negated, out),
                Expr::Term(t) => out.push((t, negated)),
            }
        }
        let mut out = Vec::new();
        if let Some(e) = &self.expr {
            walk(e, false, &mut out);
        }
        out
    }
}

/// A boolean combination of terms. `And` and `Or` always hold at least two
/// operands and are flattened (no `And` directly inside an `And`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Term(Term),
}

impl Expr {
    /// A term made in code rather than parsed (it has no place in any text).
    pub fn term(kind: TermKind) -> Expr {
        Expr::Term(Term { kind, span: 0..0 })
    }

    /// Any of `exprs`: None when empty, the one when single, else an `Or`.
    pub fn any(mut exprs: Vec<Expr>) -> Option<Expr> {
        match exprs.len() {
            0 => None,
            1 => exprs.pop(),
            _ => Some(Expr::Or(exprs)),
        }
    }
}

/// One condition, with the byte range of the query text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub kind: TermKind,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermKind {
    /// Free text: title, summary and body, through the full-text index.
    Text(Text),
    /// `title:` — words or a phrase in the title, through the full-text index.
    Title(Text),
    /// `feed:` — case-insensitive substring of the feed's name or title, or
    /// with `feed:=` the whole name or title (case-insensitive).
    Feed { name: String, exact: bool },
    /// `tag:` — the feed has this tag (whole tag, case-insensitive).
    Tag(String),
    /// `author:` — case-insensitive substring of the author.
    Author(String),
    /// `link:` — case-insensitive substring of the article's link.
    Link(String),
    /// `is:`
    Is(Flag),
    /// `since:` — at or after the start of the period (or the instant).
    Since(When),
    /// `before:` — strictly before the start of the period (or the instant).
    Before(When),
    /// `on:` — within the period (for a relative time: the day containing it).
    On(When),
}

/// Text to find with the full-text index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// As typed, without quotes or the trailing `*`.
    pub text: String,
    /// It was quoted: `"annual report"`.
    pub phrase: bool,
    /// Trailing `*`: the last word is a prefix.
    pub prefix: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    Unread,
    Read,
    Starred,
    Unstarred,
    /// The feed gave no date: `published` is NULL and the article is placed
    /// by when tidings first saw it.
    Undated,
    /// Matched by an ignore rule.
    Ignored,
}

/// A point or period in time, resolved against the injected clock when the
/// query is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// `2023-05-26`: that whole day.
    Day(NaiveDate),
    /// `2023-05`: that whole month.
    Month { year: i32, month: u32 },
    /// `2023`: that whole year.
    Year(i32),
    /// `today`: the current calendar day.
    Today,
    /// `yesterday`: the previous calendar day.
    Yesterday,
    /// `7d`, `24h`, `2w`, `3m`, `1y`: that long before now.
    Ago { amount: u32, unit: Unit },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

/// Order of the results. The default is newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    /// Newest first: the default.
    pub const NEWEST: Sort = Sort {
        key: SortKey::Date,
        descending: true,
    };
}

impl Default for Sort {
    fn default() -> Self {
        Sort::NEWEST
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// `sort_time`: published, else first seen.
    Date,
    /// Feed name (case-insensitive), then newest first within a feed.
    Feed,
    /// Title (case-insensitive), then newest first.
    Title,
}
