//! Splits query text into tokens. Spans are byte ranges on `char` boundaries.

use std::ops::Range;

use super::QueryError;

/// A field name before `:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Title,
    Feed,
    Tag,
    Author,
    Link,
    Is,
    Since,
    Before,
    On,
    Sort,
}

impl Field {
    const ALL: &'static [(&'static str, Field)] = &[
        ("title", Field::Title),
        ("feed", Field::Feed),
        ("tag", Field::Tag),
        ("author", Field::Author),
        ("link", Field::Link),
        ("is", Field::Is),
        ("since", Field::Since),
        ("before", Field::Before),
        ("on", Field::On),
        ("sort", Field::Sort),
    ];

    fn lookup(name: &str) -> Option<Field> {
        Field::ALL
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, f)| f)
    }

    pub(crate) fn name(self) -> &'static str {
        Field::ALL
            .iter()
            .find(|&&(_, f)| f == self)
            .map_or("?", |&(n, _)| n)
    }
}

/// The value after `field:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldValue {
    /// Unquoted and unescaped. For a bare value, any trailing `*` is kept.
    pub text: String,
    pub quoted: bool,
    /// Written `field:=value`.
    pub exact: bool,
    /// A `*` right after the closing quote.
    pub star_after_quote: bool,
    /// Of the value alone (after `:` and any `=`).
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A bare word; `prefix` if it ended in `*` (removed from `text`).
    Word {
        text: String,
        prefix: bool,
    },
    /// `"a phrase"`, optionally followed by `*`.
    Quoted {
        text: String,
        prefix: bool,
    },
    Field {
        field: Field,
        value: FieldValue,
    },
    LParen,
    RParen,
    /// `OR` or `|`.
    Or,
    /// `AND`.
    And,
    /// `NOT`.
    Not,
    /// `-` directly before a term.
    Minus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Range<usize>,
}

fn is_delim(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '|')
}

const FIELDS_HINT: &str =
    "fields are title: feed: tag: author: link: is: since: before: on: sort:; \
                           put the word in quotes to search for it as text";

pub(crate) fn lex(input: &str) -> Result<Vec<Token>, QueryError> {
    let mut lx = Lexer { input, pos: 0 };
    let mut out = Vec::new();
    while let Some(t) = lx.next_token()? {
        out.push(t);
    }
    Ok(out)
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        self.input.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn next_token(&mut self) -> Result<Option<Token>, QueryError> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        let tok = match c {
            '(' => {
                self.bump();
                Tok::LParen
            }
            ')' => {
                self.bump();
                Tok::RParen
            }
            '|' => {
                while self.peek() == Some('|') {
                    self.bump();
                }
                Tok::Or
            }
            '"' => {
                let text = self.quoted()?;
                let prefix = self.stars();
                Tok::Quoted { text, prefix }
            }
            '-' => {
                self.bump();
                match self.peek() {
                    None => {
                        return Err(
                            QueryError::new("`-` with nothing after it", start..self.pos)
                                .hint("write -word to exclude a word, with no space after the -"),
                        )
                    }
                    Some(n) if n.is_whitespace() || n == ')' || n == '|' => {
                        return Err(QueryError::new(
                            "`-` must be followed directly by a term",
                            start..self.pos,
                        )
                        .hint("write -word to exclude a word, with no space after the -"))
                    }
                    Some(_) => Tok::Minus,
                }
            }
            _ => self.word()?,
        };
        Ok(Some(Token {
            tok,
            span: start..self.pos,
        }))
    }

    /// Consumes any `*` run; true if there was one.
    fn stars(&mut self) -> bool {
        let mut any = false;
        while self.peek() == Some('*') {
            self.bump();
            any = true;
        }
        any
    }

    /// At an opening `"`: reads to the closing one. `\"` and `\\` escape.
    fn quoted(&mut self) -> Result<String, QueryError> {
        let start = self.pos;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(
                        QueryError::new("unclosed quote", start..self.pos).hint("add a closing \"")
                    );
                }
                Some('"') => return Ok(text),
                Some('\\') => match self.peek() {
                    Some(c @ ('"' | '\\')) => {
                        self.bump();
                        text.push(c);
                    }
                    _ => text.push('\\'),
                },
                Some(c) => text.push(c),
            }
        }
    }

    fn word(&mut self) -> Result<Tok, QueryError> {
        let start = self.pos;
        // A field is letters followed by ':'.
        let name_len = self
            .rest()
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(self.rest().len());
        if name_len > 0 && self.rest()[name_len..].starts_with(':') {
            let name = &self.input[start..start + name_len];
            let name_span = start..start + name_len + 1;
            let Some(field) = Field::lookup(name) else {
                return Err(
                    QueryError::new(format!("unknown field `{name}:`"), name_span)
                        .hint(FIELDS_HINT),
                );
            };
            self.pos = name_span.end;
            let exact = if self.peek() == Some('=') {
                self.bump();
                true
            } else {
                false
            };
            let vstart = self.pos;
            let (text, quoted, star_after_quote) = if self.peek() == Some('"') {
                let t = self.quoted()?;
                let star = self.stars();
                (t, true, star)
            } else {
                while self.peek().is_some_and(|c| !is_delim(c)) {
                    self.bump();
                }
                (self.input[vstart..self.pos].to_string(), false, false)
            };
            if text.is_empty() && !quoted {
                let f = field.name();
                return Err(
                    QueryError::new(format!("`{f}:` needs a value"), start..self.pos)
                        .hint(value_hint(field)),
                );
            }
            return Ok(Tok::Field {
                field,
                value: FieldValue {
                    text,
                    quoted,
                    exact,
                    star_after_quote,
                    span: vstart..self.pos,
                },
            });
        }
        while self.peek().is_some_and(|c| !is_delim(c)) {
            self.bump();
        }
        let raw = &self.input[start..self.pos];
        Ok(match raw {
            "OR" => Tok::Or,
            "AND" => Tok::And,
            "NOT" => Tok::Not,
            _ => {
                let text = raw.trim_end_matches('*');
                Tok::Word {
                    prefix: text.len() < raw.len(),
                    text: text.to_string(),
                }
            }
        })
    }
}

/// An example of good values for a field, for error hints.
pub(crate) fn value_hint(field: Field) -> &'static str {
    match field {
        Field::Title => "e.g. title:budget, title:nhs* or title:\"annual report\"",
        Field::Feed => "e.g. feed:nhs, feed:\"NHS England\" or feed:=\"NHS England\" for the exact name",
        Field::Tag => "e.g. tag:nhs",
        Field::Author => "e.g. author:smith or author:\"Jane Smith\"",
        Field::Link => "e.g. link:gov.uk",
        Field::Is => "use is:unread, is:read, is:starred, is:unstarred, is:undated or is:ignored",
        Field::Since | Field::Before | Field::On => {
            "use a date (2023-05-26, 2023-05, 2023), a time ago (24h, 7d, 2w, 3m, 1y), today or yesterday"
        }
        Field::Sort => "use sort:date (oldest first), sort:-date (newest first), sort:feed or sort:title",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    fn word(s: &str) -> Tok {
        Tok::Word {
            text: s.into(),
            prefix: false,
        }
    }

    #[test]
    fn words_keywords_and_punctuation() {
        assert_eq!(
            toks("a OR b|c AND NOT (d) or"),
            vec![
                word("a"),
                Tok::Or,
                word("b"),
                Tok::Or,
                word("c"),
                Tok::And,
                Tok::Not,
                Tok::LParen,
                word("d"),
                Tok::RParen,
                word("or"),
            ]
        );
        assert_eq!(
            toks("covid-19 -x"),
            vec![word("covid-19"), Tok::Minus, word("x")]
        );
        assert_eq!(
            toks("nhs* \"a b\"*"),
            vec![
                Tok::Word {
                    text: "nhs".into(),
                    prefix: true
                },
                Tok::Quoted {
                    text: "a b".into(),
                    prefix: true
                }
            ]
        );
        assert_eq!(toks("  "), vec![]);
    }

    #[test]
    fn escapes_in_quotes() {
        assert_eq!(
            toks(r#""say \"hi\" \\ \n""#),
            vec![Tok::Quoted {
                text: r#"say "hi" \ \n"#.into(),
                prefix: false
            }]
        );
    }

    #[test]
    fn fields() {
        let t = lex("Feed:=\"NHS England\" link:https://x.org/a?b=c").unwrap();
        match &t[0].tok {
            Tok::Field { field, value } => {
                assert_eq!(*field, Field::Feed);
                assert_eq!(value.text, "NHS England");
                assert!(value.exact && value.quoted);
                assert_eq!(value.span, 6..19);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(t[0].span, 0..19);
        match &t[1].tok {
            Tok::Field { field, value } => {
                assert_eq!(*field, Field::Link);
                assert_eq!(value.text, "https://x.org/a?b=c");
            }
            other => panic!("{other:?}"),
        }
        // Digits before a colon are not a field.
        assert_eq!(toks("10:30"), vec![word("10:30")]);
    }

    #[test]
    fn errors_have_spans() {
        let e = lex("ab \"cd").unwrap_err();
        assert_eq!(e.span, 3..6);
        assert_eq!(e.message, "unclosed quote");
        let e = lex("x titel:foo").unwrap_err();
        assert_eq!(e.span, 2..8);
        assert!(e.message.contains("titel"));
        let e = lex("a - b").unwrap_err();
        assert_eq!(e.span, 2..3);
        let e = lex("a -").unwrap_err();
        assert_eq!(e.span, 2..3);
        let e = lex("é title:").unwrap_err();
        assert_eq!(e.span, 3..9);
    }
}
