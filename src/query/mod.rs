//! The filter and search language: `unread tag:nhs since:7d diagnostics`.
//!
//! Text is parsed into a [`Query`] ([`parse`]), which compiles to a boolean
//! SQL expression over `articles a` with bound parameters ([`to_sql`]). Free
//! text and `title:` go through the FTS5 table `articles_fts`
//! (`store::fts::FTS_MIGRATION`, kept up to date with `store::fts::fts_upsert` and
//! `fts_delete`). The user-facing reference is `LANGUAGE.md` beside this
//! file.

mod ast;
mod fts;
mod highlight;
mod lexer;
mod options;
mod parser;
mod short;
mod sql;
mod token_chars;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::fmt;
use std::ops::Range;

pub use ast::{Expr, Flag, Query, Sort, SortKey, Term, TermKind, Text, Unit, When};
pub use fts::{body_text, html_to_text, initials, join_body};
pub use highlight::title_highlights;
pub use parser::{parse, parse_with, ParseOptions};
pub use short::{has_prefix, split_short_prefix};
pub use sql::{only_text, split_text, text_match, to_sql, IgnoreRule, SqlOptions, SqlQuery};

/// Why a query cannot be used, and where in its text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
pub struct QueryError {
    /// Short description: "unclosed quote".
    pub message: String,
    /// What to do about it: "add a closing \"".
    pub hint: Option<String>,
    /// Byte range into the query text; always on `char` boundaries and
    /// within the text (`len..len` for "at the end").
    pub span: Range<usize>,
}

impl QueryError {
    pub(crate) fn new(message: impl Into<String>, span: Range<usize>) -> Self {
        QueryError {
            message: message.into(),
            hint: None,
            span,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The span counted in `char`s instead of bytes, for placing a cursor.
    pub fn char_span(&self, input: &str) -> Range<usize> {
        let count = |end: usize| {
            input
                .get(..end.min(input.len()))
                .map_or(0, |s| s.chars().count())
        };
        count(self.span.start)..count(self.span.end)
    }

    /// The error with the query underlined, for a terminal:
    ///
    /// ```text
    /// unclosed quote
    ///   title:"annual report
    ///         ^^^^^^^^^^^^^^
    ///   hint: add a closing "
    /// ```
    pub fn render(&self, input: &str) -> String {
        // The caret goes under the span's display columns (a wide
        // character takes two).
        let shown = input.replace(['\n', '\r', '\t'], " ");
        let cols = |end: usize| crate::text::width(shown.get(..end.min(shown.len())).unwrap_or(""));
        let (start, end) = (cols(self.span.start), cols(self.span.end));
        let mut out = format!(
            "{}\n  {}\n  {}{}",
            self.message,
            shown,
            " ".repeat(start),
            "^".repeat(end.saturating_sub(start).max(1))
        );
        if let Some(h) = &self.hint {
            out.push_str("\n  hint: ");
            out.push_str(h);
        }
        out
    }
}

impl fmt::Display for Query {
    /// A normalised rendering of the query; it parses back to the same query
    /// (spans aside).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        if let Some(e) = &self.expr {
            write_expr(f, e, false)?;
            first = false;
        }
        if self.sort != Sort::default() {
            if !first {
                f.write_str(" ")?;
            }
            let key = match self.sort.key {
                SortKey::Date => "date",
                SortKey::Feed => "feed",
                SortKey::Title => "title",
            };
            let minus = if self.sort.descending { "-" } else { "" };
            write!(f, "sort:{minus}{key}")?;
        }
        Ok(())
    }
}

fn write_expr(f: &mut fmt::Formatter<'_>, e: &Expr, parens: bool) -> fmt::Result {
    match e {
        Expr::And(v) | Expr::Or(v) => {
            let or = matches!(e, Expr::Or(_));
            if parens {
                f.write_str("(")?;
            }
            for (i, c) in v.iter().enumerate() {
                if i > 0 {
                    f.write_str(if or { " OR " } else { " " })?;
                }
                // An OR inside an AND needs parentheses; an AND inside an OR
                // does not (AND binds tighter), but they do no harm.
                write_expr(f, c, matches!(c, Expr::Or(_) | Expr::And(_)))?;
            }
            if parens {
                f.write_str(")")?;
            }
            Ok(())
        }
        Expr::Not(inner) => {
            f.write_str("-")?;
            write_expr(f, inner, matches!(**inner, Expr::Or(_) | Expr::And(_)))
        }
        Expr::Term(t) => write_term(f, &t.kind),
    }
}

fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn write_term(f: &mut fmt::Formatter<'_>, k: &TermKind) -> fmt::Result {
    let text = |t: &Text| format!("{}{}", quoted(&t.text), if t.prefix { "*" } else { "" });
    match k {
        TermKind::Text(t) => f.write_str(&text(t)),
        TermKind::Title(t) => write!(f, "title:{}", text(t)),
        TermKind::Feed { name, exact } => {
            write!(f, "feed:{}{}", if *exact { "=" } else { "" }, quoted(name))
        }
        TermKind::Tag(s) => write!(f, "tag:{}", quoted(s)),
        TermKind::Author(s) => write!(f, "author:{}", quoted(s)),
        TermKind::Link(s) => write!(f, "link:{}", quoted(s)),
        TermKind::Is(flag) => {
            let v = match flag {
                Flag::Unread => "unread",
                Flag::Read => "read",
                Flag::Starred => "starred",
                Flag::Unstarred => "unstarred",
                Flag::Undated => "undated",
                Flag::Ignored => "ignored",
            };
            write!(f, "is:{v}")
        }
        TermKind::Since(w) => write!(f, "since:{}", when(w)),
        TermKind::Before(w) => write!(f, "before:{}", when(w)),
        TermKind::On(w) => write!(f, "on:{}", when(w)),
    }
}

fn when(w: &When) -> String {
    match w {
        When::Day(d) => d.format("%Y-%m-%d").to_string(),
        When::Month { year, month } => format!("{year:04}-{month:02}"),
        When::Year(y) => format!("{y:04}"),
        When::Today => "today".into(),
        When::Yesterday => "yesterday".into(),
        When::Ago { amount, unit } => {
            let u = match unit {
                Unit::Hours => 'h',
                Unit::Days => 'd',
                Unit::Weeks => 'w',
                Unit::Months => 'm',
                Unit::Years => 'y',
            };
            format!("{amount}{u}")
        }
    }
}
