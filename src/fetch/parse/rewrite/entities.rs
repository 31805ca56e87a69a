//! Character data and references: text outside captured constructs,
//! references made XML-safe, DTD entities expanded within their budget.

use super::{Pass, ENTITY_BUDGET, ENTITY_MAX};
use crate::fetch::parse::text::{self, escape, named_entity, numeric_entity, reference};
use crate::model::ParseProblem;
use std::borrow::Cow;

impl Pass<'_> {
    /// Character data outside captured constructs: kept, with references
    /// made XML-safe. `token` is false for bytes skipped after an error.
    pub(super) fn text(&mut self, s: &str, token: bool) -> Result<(), ParseProblem> {
        if self.capture.is_some() {
            return Ok(());
        }
        let fixed = if token {
            self.fix_refs(s)?
        } else {
            Cow::Owned(escape(s))
        };
        if let Some((_, t)) = self.leaf.as_mut() {
            t.push_str(&text::decode_entities(&fixed));
        }
        if !self.stack.is_empty() || !fixed.trim().is_empty() {
            self.out.push_str(&fixed);
        }
        Ok(())
    }

    /// XML-safe copy of raw character data: the five XML references and
    /// numeric ones are kept, DTD entities and HTML names are expanded,
    /// and any other `&` or `<` is escaped.
    pub(super) fn fix_refs<'s>(&mut self, s: &'s str) -> Result<Cow<'s, str>, ParseProblem> {
        if memchr::memchr3(b'&', b'<', b'>', s.as_bytes()).is_none() {
            return Ok(Cow::Borrowed(s));
        }
        let mut out = String::with_capacity(s.len() + 8);
        let mut rest = s;
        while let Some(at) = memchr::memchr3(b'&', b'<', b'>', rest.as_bytes()) {
            out.push_str(&rest[..at]);
            let c = rest.as_bytes()[at];
            rest = &rest[at + 1..];
            if c == b'<' {
                out.push_str("&lt;");
                continue;
            }
            if c == b'>' {
                out.push_str("&gt;");
                continue;
            }
            match reference(rest) {
                Some((name, len))
                    if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                        || numeric_entity(name).is_some() =>
                {
                    out.push('&');
                    out.push_str(&rest[..len]);
                    rest = &rest[len..];
                }
                Some((name, len)) => {
                    match self.expand(name, 0)? {
                        Some(v) => out.push_str(&escape(&v)),
                        None => {
                            out.push_str("&amp;");
                            continue;
                        }
                    }
                    rest = &rest[len..];
                }
                None => out.push_str("&amp;"),
            }
        }
        out.push_str(rest);
        Ok(Cow::Owned(out))
    }

    /// An attribute value as text.
    pub(super) fn attr_text(&mut self, raw: &str) -> Result<String, ParseProblem> {
        Ok(text::decode_entities(&self.fix_refs(raw)?))
    }

    /// The text an entity reference stands for: a DTD entity (expanded
    /// within limits) or an HTML name.
    pub(super) fn expand(
        &mut self,
        name: &str,
        depth: usize,
    ) -> Result<Option<String>, ParseProblem> {
        let Some(value) = self.entities.get(name).copied() else {
            return Ok(named_entity(name).map(str::to_string));
        };
        if depth > 4 {
            return Err(ParseProblem::EntityNested { name: name.into() });
        }
        let mut out = String::new();
        let mut rest = value;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            rest = &rest[at + 1..];
            match reference(rest) {
                Some((inner, len)) => {
                    if let Some(c) = numeric_entity(inner) {
                        out.push(c);
                    } else if let Some(v) = text::decode_xml_name(inner) {
                        out.push(v);
                    } else if let Some(v) = self.expand(inner, depth + 1)? {
                        out.push_str(&v);
                    }
                    rest = &rest[len..];
                }
                None => out.push('&'),
            }
            if out.len() > ENTITY_MAX {
                return Err(ParseProblem::EntityTooLong {
                    name: name.into(),
                    max: ENTITY_MAX,
                });
            }
        }
        out.push_str(rest);
        if out.len() > ENTITY_MAX || out.len() > self.budget {
            return Err(ParseProblem::EntityBudget {
                each: ENTITY_MAX,
                all: ENTITY_BUDGET,
            });
        }
        self.budget -= out.len();
        Ok(Some(out))
    }

    pub(super) fn resolve(&self, base: usize, href: &str) -> String {
        let href = href.trim();
        self.bases[base]
            .join(href)
            .map(String::from)
            .unwrap_or_else(|_| href.to_string())
    }
}
