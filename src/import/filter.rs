//! newsboat's filter expressions (`unread = "yes" and tags # "nhs"`)
//! translated into the filter language, where the meaning carries over.

use super::tag_from;

/// The expression in the filter language, or why it has no equivalent.
pub fn translate(expr: &str) -> Result<String, String> {
    let tokens = lex(expr)?;
    let mut p = Parser { tokens, pos: 0 };
    let node = p.or()?;
    if let Some(t) = p.tokens.get(p.pos) {
        return Err(format!("cannot read it past {}", t.show()));
    }
    let text = node.render(false);
    crate::query::parse(&text)
        .map_err(|e| format!("its translation `{text}` is not a valid query: {e}"))?;
    Ok(text)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Op(&'static str),
    Str(String),
    Word(String),
}

impl Tok {
    fn show(&self) -> String {
        match self {
            Tok::Open => "`(`".into(),
            Tok::Close => "`)`".into(),
            Tok::Op(o) => format!("`{o}`"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Word(w) => format!("`{w}`"),
        }
    }
}

const OPS: [&str; 10] = ["=~", "!~", "!=", "!#", "<=", ">=", "=", "#", "<", ">"];

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        let Some(c) = rest.chars().next() else {
            return Ok(out);
        };
        if c == '(' || c == ')' {
            out.push(if c == '(' { Tok::Open } else { Tok::Close });
            rest = &rest[1..];
        } else if c == '"' {
            let mut text = String::new();
            let mut chars = rest[1..].char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        end = Some(i + 2);
                        break;
                    }
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            text.push(n);
                        }
                    }
                    c => text.push(c),
                }
            }
            let end = end.ok_or("a quote is not closed")?;
            out.push(Tok::Str(text));
            rest = &rest[end..];
        } else if let Some(op) = OPS.iter().find(|o| rest.starts_with(**o)) {
            out.push(Tok::Op(op));
            rest = &rest[op.len()..];
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || "()\"=!#<>~".contains(c))
                .unwrap_or(rest.len());
            if end == 0 {
                return Err(format!("unexpected `{c}`"));
            }
            out.push(Tok::Word(rest[..end].to_string()));
            rest = &rest[end..];
        }
    }
}

/// A translated expression.
enum Node {
    Term(String),
    And(Vec<Node>),
    Or(Vec<Node>),
}

impl Node {
    fn render(&self, nested: bool) -> String {
        match self {
            Node::Term(t) => t.clone(),
            Node::And(parts) => parts
                .iter()
                .map(|p| p.render(true))
                .collect::<Vec<_>>()
                .join(" "),
            Node::Or(parts) => {
                let s = parts
                    .iter()
                    .map(|p| p.render(false))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                if nested {
                    format!("({s})")
                } else {
                    s
                }
            }
        }
    }
}

struct Parser {
    tokens: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn next(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&mut self, word: &str) -> bool {
        match self.tokens.get(self.pos) {
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    fn or(&mut self) -> Result<Node, String> {
        let mut parts = vec![self.and()?];
        while self.keyword("or") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Node, String> {
        let mut parts = vec![self.primary()?];
        while self.keyword("and") {
            parts.push(self.primary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::And(parts)
        })
    }

    fn primary(&mut self) -> Result<Node, String> {
        match self.next() {
            Some(Tok::Open) => {
                let node = self.or()?;
                match self.next() {
                    Some(Tok::Close) => Ok(node),
                    _ => Err("a parenthesis is not closed".into()),
                }
            }
            Some(Tok::Word(attr)) => {
                let op = match self.next() {
                    Some(Tok::Op(op)) => op,
                    Some(Tok::Word(w)) if w.eq_ignore_ascii_case("between") => "between",
                    _ => return Err(format!("expected an operator after `{attr}`")),
                };
                let value = match self.next() {
                    Some(Tok::Str(s) | Tok::Word(s)) => s,
                    _ => return Err(format!("expected a value after `{attr} {op}`")),
                };
                comparison(&attr.to_ascii_lowercase(), op, &value)
            }
            Some(t) => Err(format!("unexpected {}", t.show())),
            None => Err("it ends too early".into()),
        }
    }
}

/// One `attribute operator value` test.
fn comparison(attr: &str, op: &str, value: &str) -> Result<Node, String> {
    let what = format!("`{attr} {op} \"{value}\"`");
    let no = || Err(format!("{what} has no equivalent"));
    let not = |negate: bool, t: String| Node::Term(if negate { format!("-{t}") } else { t });
    let plain = || -> Result<String, String> {
        if value.contains(|c| "^$*+?()[]{}|\\".contains(c)) {
            Err(format!(
                "{what} is a regular expression, which the filter language does not have"
            ))
        } else {
            Ok(literal(value))
        }
    };
    let days = || -> Result<u32, String> {
        value
            .trim()
            .parse::<u32>()
            .map_err(|_| format!("{what}: expected a number of days"))
    };
    Ok(match (attr, op) {
        ("title", "=~" | "!~") => not(op == "!~", format!("title:{}", plain()?)),
        ("content" | "description", "=~" | "!~") => not(op == "!~", plain()?),
        ("author" | "link", "=~" | "!~") => not(op == "!~", format!("{attr}:{}", plain()?)),
        ("feedtitle", "=~" | "!~") => not(op == "!~", format!("feed:{}", plain()?)),
        ("feedtitle", "=" | "!=") => not(op == "!=", format!("feed:={}", quoted(value))),
        ("tags", "#" | "!#") => match tag_from(value) {
            Some(t) => not(op == "!#", format!("tag:{}", literal(&t))),
            None => return no(),
        },
        ("unread", "=" | "!=") => {
            let yes = match value.trim().to_ascii_lowercase().as_str() {
                "yes" => true,
                "no" => false,
                _ => return no(),
            };
            Node::Term(
                if yes == (op == "=") {
                    "is:unread"
                } else {
                    "is:read"
                }
                .into(),
            )
        }
        ("flags", "#" | "!#") if value == "s" => not(op == "!#", "is:starred".into()),
        ("age", "<") => Node::Term(format!("since:{}d", days()?)),
        ("age", "<=") => Node::Term(format!("since:{}d", days()? + 1)),
        ("age", ">") => Node::Term(format!("before:{}d", days()? + 1)),
        ("age", ">=") => Node::Term(format!("before:{}d", days()?)),
        ("age", "=") => Node::Term(format!("on:{}d", days()?)),
        ("age", "between") => {
            let (a, b) = value
                .split_once(':')
                .and_then(|(a, b)| {
                    Some((a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?))
                })
                .ok_or_else(|| format!("{what}: expected DAYS:DAYS"))?;
            let (lo, hi) = (a.min(b), a.max(b));
            let mut parts = vec![Node::Term(format!("since:{}d", hi + 1))];
            if lo > 0 {
                parts.push(Node::Term(format!("before:{lo}d")));
            }
            Node::And(parts)
        }
        ("title" | "author" | "link", "=" | "!=") => {
            return Err(format!(
                "{what} is an exact match; `{attr}:` matches words or parts"
            ))
        }
        _ => return no(),
    })
}

/// A value as written in a query: bare if it is one simple word, else quoted.
fn literal(v: &str) -> String {
    let simple = !v.is_empty()
        && !v.starts_with('-')
        && v.chars()
            .all(|c| c.is_alphanumeric() || "._/-&".contains(c));
    if simple {
        v.to_string()
    } else {
        quoted(v)
    }
}

fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn translates_what_carries_over() {
        let cases = [
            (r#"unread = "yes""#, "is:unread"),
            (r#"unread != "yes""#, "is:read"),
            (r#"tags # "nhs" and unread = "yes""#, "tag:nhs is:unread"),
            (r#"flags # "s""#, "is:starred"),
            ("age < 7", "since:7d"),
            ("age <= 7", "since:8d"),
            ("age > 30", "before:31d"),
            ("age between 30:60", "since:61d before:30d"),
            (
                r#"title =~ "budget" and author =~ "smith""#,
                "title:budget author:smith",
            ),
            (r#"feedtitle = "NHS England""#, r#"feed:="NHS England""#),
            (r#"tags !# "digital health""#, "-tag:digital-health"),
            (
                r#"link =~ "gov.uk" or content =~ "annual report""#,
                r#"link:gov.uk OR "annual report""#,
            ),
            (
                r#"flags # "s" and (tags # "research" or feedtitle = "NIHR")"#,
                r#"is:starred (tag:research OR feed:="NIHR")"#,
            ),
            (r#"(title !~ "webinar")"#, "-title:webinar"),
        ];
        for (newsboat, ours) in cases {
            assert_eq!(translate(newsboat).as_deref(), Ok(ours), "{newsboat}");
        }
    }

    #[test]
    fn explains_what_does_not() {
        let cases = [
            (r#"title =~ "^NHS.*""#, "regular expression"),
            ("content_length > 5000", "has no equivalent"),
            (r#"rssurl =~ "x""#, "has no equivalent"),
            (r#"title = "Exact""#, "exact match"),
            (r#"flags # "r""#, "has no equivalent"),
            (r#"unread = "yes" and"#, "ends too early"),
            (r#"(unread = "yes""#, "not closed"),
            (r#"title =~ "x"#, "quote is not closed"),
            ("age < soon", "number of days"),
            (r#"title =~ "!!!""#, "not a valid query"),
            (r#"unread = "yes" unread"#, "past"),
        ];
        for (newsboat, why) in cases {
            match translate(newsboat) {
                Ok(q) => panic!("{newsboat} translated to {q}"),
                Err(e) => assert!(e.contains(why), "{newsboat}: {e}"),
            }
        }
    }
}
