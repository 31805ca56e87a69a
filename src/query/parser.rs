//! Recursive-descent parser. Grammar (AND binds tighter than OR):
//!
//! ```text
//! query   := or?
//! or      := and (("OR" | "|") and)*
//! and     := unary (["AND"] unary)*
//! unary   := ("-" | "NOT") unary | primary
//! primary := "(" or ")" | word | "phrase" | field:value
//! ```
//!
//! `sort:` is a directive, not a filter: it may appear only at the top level,
//! outside parentheses and not negated.

use std::ops::Range;

use chrono::NaiveDate;

use super::ast::{Expr, Flag, Query, Sort, SortKey, Term, TermKind, Text, Unit, When};
use super::fts;
use super::lexer::{lex, value_hint, Field, FieldValue, Tok, Token};
use super::QueryError;

/// Deepest nesting of parentheses and negations.
pub(crate) const MAX_DEPTH: usize = 32;
/// Most terms in one query.
pub(crate) const MAX_TERMS: usize = 256;
/// Longest query text, in bytes (SQLite caps LIKE patterns at 50,000).
pub(crate) const MAX_LEN: usize = 8192;

/// How to read query text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// The text is being typed: a bare word (or unquoted `title:` value)
    /// that ends the text, with no space after it, is a prefix, as if it
    /// ended in `*`. Quotes, a trailing space or a closing `)` keep it a
    /// whole word.
    pub last_word_prefix: bool,
}

impl ParseOptions {
    /// For a filter that updates as it is typed.
    pub const TYPING: ParseOptions = ParseOptions {
        last_word_prefix: true,
    };
}

/// Parses query text. The empty (or all-blank) query matches everything.
pub fn parse(input: &str) -> Result<Query, QueryError> {
    parse_with(input, ParseOptions::default())
}

/// [`parse`] with options.
pub fn parse_with(input: &str, options: ParseOptions) -> Result<Query, QueryError> {
    if input.len() > MAX_LEN {
        let mut cut = MAX_LEN;
        while !input.is_char_boundary(cut) {
            cut -= 1;
        }
        return Err(QueryError::new("query is too long", cut..input.len())
            .hint(format!("use at most {MAX_LEN} bytes")));
    }
    let mut tokens = lex(input)?;
    if options.last_word_prefix {
        mark_last_word_prefix(&mut tokens, input.len());
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        end: input.len(),
        sort: None,
        terms: 0,
    };
    let expr = match p.or(0)? {
        Branch::Empty | Branch::SortOnly => None,
        Branch::Expr(e) => Some(e),
    };
    if let Some(t) = p.tokens.get(p.pos) {
        // `or` stops only at the end or at a `)` it did not open.
        return Err(QueryError::new("unmatched `)`", t.span.clone())
            .hint("remove it, or add a `(` before it"));
    }
    Ok(Query {
        expr,
        sort: p.sort.unwrap_or_default(),
    })
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end: usize,
    sort: Option<Sort>,
    terms: usize,
}

/// What a run of ANDed terms came to.
enum Branch {
    /// No tokens at all.
    Empty,
    /// Only `sort:` directives.
    SortOnly,
    Expr(Expr),
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn at_end_span(&self) -> Range<usize> {
        self.end..self.end
    }

    fn or(&mut self, depth: usize) -> Result<Branch, QueryError> {
        let first = self.and(depth)?;
        if !matches!(self.peek().map(|t| &t.tok), Some(Tok::Or)) {
            return Ok(first);
        }
        let mut items = Vec::new();
        let mut prev = first;
        while let Some(tok) = self.peek().filter(|t| t.tok == Tok::Or) {
            let or_span = tok.span.clone();
            self.pos += 1;
            let Branch::Expr(left) = prev else {
                return Err(or_error(or_span, "before"));
            };
            push_flat(&mut items, left, true);
            prev = self.and(depth)?;
            if !matches!(prev, Branch::Expr(_)) {
                return Err(or_error(or_span, "after"));
            }
        }
        if let Branch::Expr(e) = prev {
            push_flat(&mut items, e, true);
        }
        Ok(Branch::Expr(Expr::Or(items)))
    }

    fn and(&mut self, depth: usize) -> Result<Branch, QueryError> {
        let mut items = Vec::new();
        let mut saw_sort = false;
        while let Some(tok) = self.peek() {
            match tok.tok {
                Tok::Or | Tok::RParen => break,
                Tok::And => {
                    let span = tok.span.clone();
                    self.pos += 1;
                    let next_ok = self
                        .peek()
                        .is_some_and(|t| !matches!(t.tok, Tok::Or | Tok::RParen | Tok::And));
                    if (items.is_empty() && !saw_sort) || !next_ok {
                        return Err(QueryError::new("AND needs a term on each side", span)
                            .hint("terms side by side are already ANDed; AND is optional"));
                    }
                }
                _ => match self.unary(depth)? {
                    Some(e) => push_flat(&mut items, e, false),
                    None => saw_sort = true,
                },
            }
        }
        Ok(if items.len() > 1 {
            Branch::Expr(Expr::And(items))
        } else if let Some(e) = items.pop() {
            Branch::Expr(e)
        } else if saw_sort {
            Branch::SortOnly
        } else {
            Branch::Empty
        })
    }

    /// `None` for a `sort:` directive (recorded in `self.sort`).
    fn unary(&mut self, depth: usize) -> Result<Option<Expr>, QueryError> {
        let Some(tok) = self.peek().cloned() else {
            return Err(QueryError::new("expected a term", self.at_end_span()));
        };
        if depth >= MAX_DEPTH {
            return Err(
                QueryError::new("query is nested too deeply", tok.span).hint(format!(
                    "use at most {MAX_DEPTH} levels of parentheses and negations"
                )),
            );
        }
        match tok.tok {
            Tok::Minus | Tok::Not => {
                self.pos += 1;
                let what = if tok.tok == Tok::Minus { "-" } else { "NOT" };
                match self.peek().map(|t| &t.tok) {
                    None | Some(Tok::Or | Tok::And | Tok::RParen) => Err(QueryError::new(
                        format!("nothing to negate after {what}"),
                        tok.span,
                    )
                    .hint(format!("write {what} right before the term to exclude"))),
                    Some(_) => {
                        let inner = self.unary(depth + 1)?;
                        Ok(inner.map(|e| match e {
                            // --x is x.
                            Expr::Not(x) => *x,
                            e => Expr::Not(Box::new(e)),
                        }))
                    }
                }
            }
            Tok::LParen => {
                self.pos += 1;
                if let Some(t) = self.peek().filter(|t| t.tok == Tok::RParen) {
                    let span = tok.span.start..t.span.end;
                    return Err(QueryError::new("empty parentheses", span)
                        .hint("put terms inside, or remove them"));
                }
                let inner = self.or(depth + 1)?;
                match self.peek() {
                    Some(t) if t.tok == Tok::RParen => self.pos += 1,
                    _ => {
                        return Err(
                            QueryError::new("unclosed parenthesis", tok.span).hint("add a `)`")
                        );
                    }
                }
                match inner {
                    Branch::Expr(e) => Ok(Some(e)),
                    // `sort:` inside parentheses already failed; an empty
                    // group cannot get here.
                    Branch::Empty | Branch::SortOnly => {
                        Err(QueryError::new("empty parentheses", tok.span)
                            .hint("put terms inside, or remove them"))
                    }
                }
            }
            Tok::RParen => Err(QueryError::new("unmatched `)`", tok.span)
                .hint("remove it, or add a `(` before it")),
            Tok::Or | Tok::And => Err(QueryError::new("expected a term", tok.span)
                .hint("OR and AND go between terms: a OR b")),
            Tok::Word { text, prefix } => {
                let t = Text {
                    text,
                    phrase: false,
                    prefix,
                };
                self.text_term(t, tok.span).map(Some)
            }
            Tok::Quoted { text, prefix } => {
                let t = Text {
                    text,
                    phrase: true,
                    prefix,
                };
                self.text_term(t, tok.span).map(Some)
            }
            Tok::Field { field, value } => {
                self.pos += 1;
                if field == Field::Sort {
                    self.sort_directive(&value, tok.span, depth)?;
                    return Ok(None);
                }
                let kind = field_term(field, value, &tok.span)?;
                self.term(kind, tok.span).map(Some)
            }
        }
    }

    fn text_term(&mut self, t: Text, span: Range<usize>) -> Result<Expr, QueryError> {
        self.pos += 1;
        check_searchable(&t, &span)?;
        self.term(TermKind::Text(t), span)
    }

    fn term(&mut self, kind: TermKind, span: Range<usize>) -> Result<Expr, QueryError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(QueryError::new("query is too long", span)
                .hint(format!("use at most {MAX_TERMS} terms")));
        }
        Ok(Expr::Term(Term { kind, span }))
    }

    fn sort_directive(
        &mut self,
        value: &FieldValue,
        span: Range<usize>,
        depth: usize,
    ) -> Result<(), QueryError> {
        if depth > 0 {
            return Err(QueryError::new("sort: applies to the whole query", span)
                .hint("put it at the top level: not inside parentheses and not negated"));
        }
        if self.sort.is_some() {
            return Err(QueryError::new("sort: given twice", span).hint("keep only one sort:"));
        }
        let v = value.text.to_ascii_lowercase();
        let (descending, key) = match v.strip_prefix('-') {
            Some(k) => (true, k),
            None => (false, v.as_str()),
        };
        let sort = match (key, descending) {
            ("newest", false) => Sort::NEWEST,
            ("oldest", false) => Sort {
                key: SortKey::Date,
                descending: false,
            },
            ("date", d) => Sort {
                key: SortKey::Date,
                descending: d,
            },
            ("feed", d) => Sort {
                key: SortKey::Feed,
                descending: d,
            },
            ("title", d) => Sort {
                key: SortKey::Title,
                descending: d,
            },
            _ => {
                return Err(QueryError::new(
                    format!("unknown sort order `{}`", value.text),
                    value.span.clone(),
                )
                .hint(value_hint(Field::Sort)));
            }
        };
        self.sort = Some(sort);
        Ok(())
    }
}

/// Makes the word that ends the input a prefix (see
/// [`ParseOptions::last_word_prefix`]).
fn mark_last_word_prefix(tokens: &mut [Token], end: usize) {
    let Some(last) = tokens.last_mut().filter(|t| t.span.end == end) else {
        return;
    };
    match &mut last.tok {
        Tok::Word { prefix, .. } => *prefix = true,
        Tok::Field {
            field: Field::Title,
            value,
        } if !value.quoted && !value.text.ends_with('*') => value.text.push('*'),
        _ => {}
    }
}

fn or_error(span: Range<usize>, side: &str) -> QueryError {
    QueryError::new(format!("OR needs a search term {side} it"), span)
        .hint("write a OR b; to search for the word, write it in lower case or quote it")
}

/// Appends `e` to an AND (or OR) list, splicing in a nested list of the same
/// kind.
fn push_flat(items: &mut Vec<Expr>, e: Expr, or: bool) {
    match e {
        Expr::Or(v) if or => items.extend(v),
        Expr::And(v) if !or => items.extend(v),
        e => items.push(e),
    }
}

fn check_searchable(t: &Text, span: &Range<usize>) -> Result<(), QueryError> {
    if fts::has_token(&t.text) {
        return Ok(());
    }
    let msg = if t.text.trim().is_empty() {
        "nothing to search for".to_string()
    } else {
        format!("`{}` has no letters or digits to search for", t.text)
    };
    Err(QueryError::new(msg, span.clone())
        .hint("search words are made of letters and digits; punctuation is ignored"))
}

fn field_term(field: Field, v: FieldValue, span: &Range<usize>) -> Result<TermKind, QueryError> {
    let name = field.name();
    if v.exact && field != Field::Feed {
        return Err(
            QueryError::new(format!("`{name}:=` is not supported"), span.clone())
                .hint("only feed:= takes an exact name; write field:value"),
        );
    }
    if v.star_after_quote && field != Field::Title {
        return Err(
            QueryError::new("`*` only works on words and title:", span.clone())
                .hint("feed:, author: and link: already match any part of the text"),
        );
    }
    if v.text.trim().is_empty() {
        return Err(
            QueryError::new(format!("`{name}:` needs a value"), span.clone())
                .hint(value_hint(field)),
        );
    }
    let value_span = v.span.clone();
    let bad_value = |what: &str| {
        QueryError::new(format!("{what} `{}`", v.text), value_span.clone()).hint(value_hint(field))
    };
    Ok(match field {
        Field::Title => {
            let t = if v.quoted {
                Text {
                    text: v.text.clone(),
                    phrase: true,
                    prefix: v.star_after_quote,
                }
            } else {
                let text = v.text.trim_end_matches('*');
                Text {
                    text: text.to_string(),
                    phrase: false,
                    prefix: text.len() < v.text.len(),
                }
            };
            check_searchable(&t, span)?;
            TermKind::Title(t)
        }
        Field::Feed => TermKind::Feed {
            name: v.text,
            exact: v.exact,
        },
        Field::Tag => TermKind::Tag(v.text),
        Field::Author => TermKind::Author(v.text),
        Field::Link => TermKind::Link(v.text),
        Field::Is => TermKind::Is(match v.text.to_ascii_lowercase().as_str() {
            "unread" | "new" => Flag::Unread,
            "read" => Flag::Read,
            "starred" | "flagged" => Flag::Starred,
            "unstarred" => Flag::Unstarred,
            "undated" => Flag::Undated,
            "ignored" => Flag::Ignored,
            _ => return Err(bad_value("unknown is: value")),
        }),
        Field::Since | Field::Before | Field::On => {
            let when = parse_when(&v.text).ok_or_else(|| bad_value("cannot read as a date:"))?;
            match field {
                Field::Since => TermKind::Since(when),
                Field::Before => TermKind::Before(when),
                _ => TermKind::On(when),
            }
        }
        // Handled by the caller.
        Field::Sort => return Err(bad_value("misplaced sort")),
    })
}

/// `2023-05-26`, `2023-05`, `2023`, `today`, `yesterday`, `24h`, `7d`, `2w`,
/// `3m`, `1y` (case-insensitive).
fn parse_when(s: &str) -> Option<When> {
    let s = s.trim().to_ascii_lowercase();
    match s.as_str() {
        "today" => return Some(When::Today),
        "yesterday" => return Some(When::Yesterday),
        _ => {}
    }
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = s.split('-').collect();
    match parts.as_slice() {
        [y] if digits(y, 4) => {
            let year = y.parse().ok()?;
            NaiveDate::from_ymd_opt(year, 1, 1)?;
            return Some(When::Year(year));
        }
        [y, m] if digits(y, 4) && digits(m, 2) => {
            let (year, month) = (y.parse().ok()?, m.parse().ok()?);
            NaiveDate::from_ymd_opt(year, month, 1)?;
            return Some(When::Month { year, month });
        }
        [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2) => {
            return NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
                .map(When::Day);
        }
        _ => {}
    }
    let unit = s.chars().last()?;
    let num = s.get(..s.len() - unit.len_utf8())?;
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u32 = num.parse().ok()?;
    let unit = match unit {
        'h' => Unit::Hours,
        'd' => Unit::Days,
        'w' => Unit::Weeks,
        'm' => Unit::Months,
        'y' => Unit::Years,
        _ => return None,
    };
    Some(When::Ago { amount, unit })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn text(s: &str) -> TermKind {
        TermKind::Text(Text {
            text: s.into(),
            phrase: false,
            prefix: false,
        })
    }

    /// The query with spans dropped, as a compact string.
    fn shape(q: &str) -> String {
        fn go(e: &Expr) -> String {
            match e {
                Expr::And(v) => format!("and({})", v.iter().map(go).collect::<Vec<_>>().join(", ")),
                Expr::Or(v) => format!("or({})", v.iter().map(go).collect::<Vec<_>>().join(", ")),
                Expr::Not(x) => format!("not({})", go(x)),
                Expr::Term(t) => match &t.kind {
                    TermKind::Text(t) => {
                        format!(
                            "{}{}{}",
                            if t.phrase { "\"" } else { "" },
                            t.text,
                            if t.prefix { "*" } else { "" }
                        )
                    }
                    k => format!("{k:?}"),
                },
            }
        }
        parse(q).unwrap().expr.as_ref().map_or("ALL".into(), go)
    }

    fn err(q: &str) -> QueryError {
        match parse(q) {
            Ok(x) => panic!("{q:?} parsed as {x:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn empty_matches_all() {
        assert_eq!(parse("").unwrap(), Query::default());
        assert_eq!(parse("   ").unwrap(), Query::default());
    }

    #[test]
    fn precedence_and_binds_tighter_than_or() {
        assert_eq!(shape("a b OR c"), "or(and(a, b), c)");
        assert_eq!(shape("a OR b c"), "or(a, and(b, c))");
        assert_eq!(shape("a | b | c"), "or(a, b, c)");
        assert_eq!(shape("a AND b OR NOT c"), "or(and(a, b), not(c))");
        assert_eq!(shape("(a OR b) c"), "and(or(a, b), c)");
        assert_eq!(shape("a (b c) d"), "and(a, b, c, d)");
        assert_eq!(shape("-(a OR b) --c"), "and(not(or(a, b)), c)");
        assert_eq!(
            shape("nhs* \"annual report\"*"),
            "and(nhs*, \"annual report*)"
        );
        assert_eq!(shape("or and not"), "and(or, and, not)");
    }

    #[test]
    fn fields_parse() {
        let q = parse("title:\"annual report\" feed:\"NHS England\" tag:nhs author:smith link:gov.uk is:unread").unwrap();
        let kinds: Vec<_> = q.terms().into_iter().map(|(t, _)| t.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                TermKind::Title(Text {
                    text: "annual report".into(),
                    phrase: true,
                    prefix: false
                }),
                TermKind::Feed {
                    name: "NHS England".into(),
                    exact: false
                },
                TermKind::Tag("nhs".into()),
                TermKind::Author("smith".into()),
                TermKind::Link("gov.uk".into()),
                TermKind::Is(Flag::Unread),
            ]
        );
        let q = parse("title:nhs* feed:=x IS:Starred").unwrap();
        let kinds: Vec<_> = q.terms().into_iter().map(|(t, _)| t.kind.clone()).collect();
        assert_eq!(
            kinds[0],
            TermKind::Title(Text {
                text: "nhs".into(),
                phrase: false,
                prefix: true
            })
        );
        assert_eq!(
            kinds[1],
            TermKind::Feed {
                name: "x".into(),
                exact: true
            }
        );
        assert_eq!(kinds[2], TermKind::Is(Flag::Starred));
    }

    #[test]
    fn dates_parse() {
        let w = |s: &str| parse_when(s);
        assert_eq!(
            w("2023-05-26"),
            NaiveDate::from_ymd_opt(2023, 5, 26).map(When::Day)
        );
        assert_eq!(
            w("2023-05"),
            Some(When::Month {
                year: 2023,
                month: 5
            })
        );
        assert_eq!(w("2023"), Some(When::Year(2023)));
        assert_eq!(w("Today"), Some(When::Today));
        assert_eq!(w("yesterday"), Some(When::Yesterday));
        assert_eq!(
            w("7d"),
            Some(When::Ago {
                amount: 7,
                unit: Unit::Days
            })
        );
        assert_eq!(
            w("3M"),
            Some(When::Ago {
                amount: 3,
                unit: Unit::Months
            })
        );
        for bad in [
            "7é",
            "é",
            "2023-02-30",
            "2023-13",
            "23-05-26",
            "7",
            "d",
            "7x",
            "-7d",
            "99999999999d",
            "2023-5-1",
            "",
        ] {
            assert_eq!(w(bad), None, "{bad}");
        }
    }

    #[test]
    fn sort_directive() {
        let q = parse("nhs sort:title").unwrap();
        assert_eq!(
            q.sort,
            Sort {
                key: SortKey::Title,
                descending: false
            }
        );
        assert_eq!(
            q.expr,
            Some(Expr::Term(Term {
                kind: text("nhs"),
                span: 0..3
            }))
        );
        assert_eq!(parse("sort:-date").unwrap().sort, Sort::NEWEST);
        assert!(!parse("sort:oldest").unwrap().sort.descending);
        assert_eq!(parse("sort:-feed").unwrap().sort.key, SortKey::Feed);
        // A top-level sort: inside an OR branch still applies to the query.
        assert_eq!(parse("a OR b sort:feed").unwrap().sort.key, SortKey::Feed);
        assert_eq!(parse("sort:date").unwrap().expr, None);
    }

    #[test]
    fn error_positions() {
        let cases: &[(&str, std::ops::Range<usize>, &str)] = &[
            ("a (b", 2..3, "unclosed parenthesis"),
            ("a b)", 3..4, "unmatched `)`"),
            ("()", 0..2, "empty parentheses"),
            ("OR a", 0..2, "OR needs a search term before it"),
            ("a OR", 2..4, "OR needs a search term after it"),
            ("a OR OR b", 2..4, "OR needs a search term after it"),
            ("a | sort:date", 2..3, "OR needs a search term after it"),
            ("a AND", 2..5, "AND needs a term on each side"),
            ("AND a", 0..3, "AND needs a term on each side"),
            ("a NOT", 2..5, "nothing to negate after NOT"),
            ("a -)", 2..3, "`-` must be followed directly by a term"),
            ("is:new is:bogus", 10..15, "unknown is: value `bogus`"),
            ("since:lastweek", 6..14, "cannot read as a date: `lastweek`"),
            (
                "on:2023-02-30",
                3..13,
                "cannot read as a date: `2023-02-30`",
            ),
            ("(sort:date)", 1..10, "sort: applies to the whole query"),
            ("-sort:date", 1..10, "sort: applies to the whole query"),
            ("sort:date x sort:title", 12..22, "sort: given twice"),
            ("sort:size", 5..9, "unknown sort order `size`"),
            ("title:\"\"", 0..8, "`title:` needs a value"),
            ("tag:=x", 0..6, "`tag:=` is not supported"),
            ("feed:\"x\"*", 0..9, "`*` only works on words and title:"),
            ("!!!", 0..3, "`!!!` has no letters or digits to search for"),
            ("a \"  \"", 2..6, "nothing to search for"),
            (
                "title:--",
                0..8,
                "`--` has no letters or digits to search for",
            ),
            ("é é OR", 6..8, "OR needs a search term after it"),
            ("since:7é", 6..9, "cannot read as a date: `7é`"),
        ];
        for (q, span, msg) in cases {
            let e = err(q);
            assert_eq!((&e.span, e.message.as_str()), (span, *msg), "{q:?}");
            assert!(e.hint.is_some(), "{q:?} has no hint");
        }
    }

    #[test]
    fn limits() {
        let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(err(&deep).message, "query is nested too deeply");
        let negs = format!("{}a", "NOT ".repeat(100));
        assert_eq!(err(&negs).message, "query is nested too deeply");
        let many = "a ".repeat(MAX_TERMS + 1);
        assert_eq!(err(&many).message, "query is too long");
        assert!(parse(&"a ".repeat(MAX_TERMS)).is_ok());
        let long = format!("author:{}", "é".repeat(MAX_LEN));
        let e = err(&long);
        assert_eq!(
            (e.message.as_str(), e.span.end),
            ("query is too long", long.len())
        );
        assert!(long.is_char_boundary(e.span.start));
    }

    #[test]
    fn display_round_trips() {
        for q in [
            "a b OR c",
            "-(a OR \"b c\") title:nhs* feed:=\"NHS England\" sort:title",
            "is:unread since:7d before:2023-05 on:2023 on:today tag:\"a\\\"b\"",
            "sort:-feed",
            "a OR (b c) OR -d",
        ] {
            let parsed = parse(q).unwrap();
            let printed = parsed.to_string();
            let reparsed = parse(&printed).unwrap();
            assert_eq!(reparsed.to_string(), printed, "{q:?}");
            assert_eq!(reparsed.sort, parsed.sort);
        }
    }

    #[test]
    fn render_underlines() {
        let e = err("title:\"annual report");
        assert_eq!(
            e.render("title:\"annual report"),
            "unclosed quote\n  title:\"annual report\n        ^^^^^^^^^^^^^^\n  hint: add a closing \""
        );
        let e = err("é (x");
        assert_eq!(e.char_span("é (x"), 2..3);
        assert_eq!(e.to_string(), "unclosed parenthesis (add a `)`)");
        // Wide characters take two columns: the caret stays under the `(`.
        let e = err("日本 (x");
        let shown = e.render("日本 (x");
        assert!(shown.contains("\n  日本 (x\n       ^"), "{shown}");
    }
}
