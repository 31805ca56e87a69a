//! One lenient pass over an XML feed that hands feed-rs a document it reads
//! well, and notes what feed-rs does not keep.
//!
//! - Text constructs (Atom title/summary/content..., RSS title/description/
//!   content:encoded) become one escaped HTML string: `type="text"` and
//!   unknown types are escaped as text, `xhtml` is re-serialised with its
//!   text still escaped, base64 is decoded.
//! - Old vocabularies are mapped to current ones: Atom 0.3 to Atom 1.0,
//!   RSS 0.90 to RSS 1.0, any `<rss>` version to 2.0; items after
//!   `</channel>` are moved inside it.
//! - `xml:base` is applied to links at every level, then removed.
//! - Internal DTD entities are expanded within a small budget; HTML named
//!   references become characters; a stray `&` or `<` becomes text;
//!   unclosed or unmatched tags are closed or dropped.
//! - Authors, dates, guid permalink flags and `rdf:about` of the feed and
//!   of each item are collected in document order ([`Extra`]).

//!
//! The pass is one [`Pass`] over the tokens, in steps: [`start`] and [`end`]
//! of elements, character data and references ([`entities`]), and the
//! constructs captured whole ([`capture`]); [`names`] tells vocabularies
//! apart.

mod capture;
mod end;
mod entities;
mod names;
mod start;

use super::ParseProblem;
use names::Ns;
use std::collections::HashMap;
use std::ops::Range;
use url::Url;
use xmlparser::{ElementEnd, EntityDefinition, Token, Tokenizer};

/// Largest text one entity reference may expand to, and all of them together.
const ENTITY_MAX: usize = 4 * 1024;
const ENTITY_BUDGET: usize = 256 * 1024;
/// Deepest element nesting kept; anything deeper is dropped.
const MAX_DEPTH: usize = 256;
/// Syntax errors skipped before the document is given up.
const MAX_REPAIRS: usize = 10_000;

/// What the document says about the feed or one item, beyond feed-rs.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Extra {
    /// Display names in document order.
    pub authors: Vec<String>,
    pub published: Option<String>,
    pub updated: Option<String>,
    /// `Some(false)` for `<guid isPermaLink="false">`.
    pub permalink: Option<bool>,
    /// `rdf:about`, resolved.
    pub about: Option<String>,
    /// `dc:title`, which feed-rs does not read.
    pub dc_title: Option<String>,
    /// The item holds at least one element.
    pub filled: bool,
}

#[derive(Debug, Default)]
pub struct Rewritten {
    pub xml: String,
    pub feed: Extra,
    pub entries: Vec<Extra>,
    /// Each item's byte range in `xml`.
    pub items: Vec<Range<usize>>,
    /// Syntax errors read past.
    pub repairs: usize,
    /// Text constructs with an empty or unknown `type`, read as text.
    pub unknown_types: usize,
    pub base64: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Html,
    Xhtml,
}

enum Leaf {
    Author,
    DcTitle,
    Published,
    Updated,
    Guid,
    PersonName,
    PersonEmail,
}

struct Frame<'a> {
    prefix: &'a str,
    /// The prefix as written (an RSS `<summary>` may become content:encoded).
    out_prefix: &'a str,
    /// The name as read, and as written (Atom 0.3 names are renamed).
    local: &'a str,
    out_local: &'a str,
    uri: Ns,
    base: usize,
    ns_len: usize,
    item: bool,
    /// Already closed in the output (an RSS 1.0 channel holding items).
    closed: bool,
}

struct Capture {
    depth: usize,
    inner_start: usize,
    kind: Kind,
    base64: bool,
    /// Base64 of a media type that is not text: kept only if it is UTF-8.
    binary: bool,
    link: bool,
}

struct Pending<'a> {
    start: usize,
    prefix: &'a str,
    local: &'a str,
    attrs: Vec<(&'a str, &'a str, &'a str)>,
}

struct Pass<'a> {
    src: &'a str,
    out: String,
    stack: Vec<Frame<'a>>,
    ns: Vec<(&'a str, Ns)>,
    bases: Vec<Url>,
    entities: HashMap<&'a str, &'a str>,
    budget: usize,
    capture: Option<Capture>,
    leaf: Option<(Leaf, String)>,
    person: Option<(String, String)>,
    item_start: usize,
    /// The item being read has a `<link>`.
    item_link: bool,
    defer_channel: Option<(&'a str, &'a str)>,
    /// An RSS channel was opened (written or supplied).
    channel_seen: bool,
    /// The namespace of a `<feed>` root that is neither Atom 1.0 nor a
    /// known draft: read as Atom 0.3.
    atom_alias: Option<&'a str>,
    /// The item being read has a description or summary, and content.
    item_summary: bool,
    item_content: bool,
    r: Rewritten,
}

/// Rewrites `src` (already decoded); fails only for an entity expansion
/// past its limits.
pub fn rewrite(src: &str, base: &Url) -> Result<Rewritten, ParseProblem> {
    let mut p = Pass::new(src, base);
    let mut tokens = Tokenizer::from(src);
    let mut pending: Option<Pending> = None;
    let mut pos = 0;
    loop {
        match tokens.next() {
            None => break,
            Some(Ok(token)) => pos = p.token(token, &mut pending)?,
            Some(Err(_)) => {
                p.r.repairs += 1;
                if p.r.repairs > MAX_REPAIRS {
                    break;
                }
                pos = p.skip_error(pos, pending.take())?;
                tokens = Tokenizer::from_fragment(src, pos..src.len());
            }
        }
    }
    // Close whatever is left open.
    let at = src.len();
    while let Some(top) = p.stack.last() {
        p.r.repairs += 1;
        let (prefix, local) = (top.prefix, top.local);
        p.end(prefix, local, at)?;
    }
    Ok(p.r_with_out())
}

/// The link an RSS 1.0/0.90 item without one is given, for feed-rs keeps
/// only items with a link; `normalize` takes it out again.
pub const NO_LINK: &str = "urn:x-tidings:no-link";

impl<'a> Pass<'a> {
    fn new(src: &'a str, base: &Url) -> Pass<'a> {
        Pass {
            src,
            out: String::with_capacity(src.len() + src.len() / 8),
            stack: Vec::new(),
            ns: Vec::new(),
            bases: vec![base.clone()],
            entities: HashMap::new(),
            budget: ENTITY_BUDGET,
            capture: None,
            leaf: None,
            person: None,
            item_start: 0,
            item_link: false,
            defer_channel: None,
            channel_seen: false,
            atom_alias: None,
            item_summary: false,
            item_content: false,
            r: Rewritten::default(),
        }
    }

    /// Takes one token; returns where it ends. A start tag is held in
    /// `pending` until its attributes are read.
    fn token(
        &mut self,
        token: Token<'a>,
        pending: &mut Option<Pending<'a>>,
    ) -> Result<usize, ParseProblem> {
        Ok(match token {
            Token::Declaration { span, .. } => {
                self.out.push_str("<?xml version=\"1.0\"?>");
                span.end()
            }
            Token::ProcessingInstruction { span, .. } | Token::Comment { span, .. } => span.end(),
            Token::DtdStart { span, .. }
            | Token::EmptyDtd { span, .. }
            | Token::DtdEnd { span } => span.end(),
            Token::EntityDeclaration {
                name,
                definition,
                span,
            } => {
                if let EntityDefinition::EntityValue(v) = definition {
                    self.entities.entry(name.as_str()).or_insert(v.as_str());
                }
                span.end()
            }
            Token::ElementStart {
                prefix,
                local,
                span,
            } => {
                *pending = Some(Pending {
                    start: span.start(),
                    prefix: prefix.as_str(),
                    local: local.as_str(),
                    attrs: Vec::new(),
                });
                span.end()
            }
            Token::Attribute {
                prefix,
                local,
                value,
                span,
            } => {
                if let Some(tag) = pending.as_mut() {
                    tag.attrs
                        .push((prefix.as_str(), local.as_str(), value.as_str()));
                }
                span.end()
            }
            Token::ElementEnd { end, span } => {
                match end {
                    ElementEnd::Open | ElementEnd::Empty => {
                        if let Some(tag) = pending.take() {
                            self.start(tag, matches!(end, ElementEnd::Empty), span.end())?;
                        }
                    }
                    ElementEnd::Close(prefix, local) => {
                        self.end(prefix.as_str(), local.as_str(), span.start())?
                    }
                }
                span.end()
            }
            Token::Text { text } => {
                self.text(text.as_str(), true)?;
                text.end()
            }
            Token::Cdata { text, span } => {
                if self.capture.is_none() {
                    self.out.push_str(span.as_str());
                    if let Some((_, s)) = self.leaf.as_mut() {
                        s.push_str(text.as_str());
                    }
                }
                span.end()
            }
        })
    }

    /// Reads past a syntax error found at `from`: a broken start tag is
    /// dropped whole, anything else is text up to the next `<`. Returns
    /// where reading resumes.
    fn skip_error(
        &mut self,
        from: usize,
        pending: Option<Pending<'a>>,
    ) -> Result<usize, ParseProblem> {
        let src = self.src;
        let next = match pending {
            Some(tag) => src[tag.start..]
                .find('>')
                .map_or(src.len(), |e| tag.start + e + 1),
            None => {
                let next = src
                    .get(from + 1..)
                    .and_then(|s| s.find('<'))
                    .map_or(src.len(), |e| from + 1 + e);
                self.text(&src[from..next], false)?;
                next
            }
        };
        let mut pos = next.max(from + 1).min(src.len());
        while !src.is_char_boundary(pos) {
            pos += 1;
        }
        Ok(pos)
    }

    fn r_with_out(mut self) -> Rewritten {
        self.r.xml = self.out;
        self.r
    }

    fn close_tag(&mut self, prefix: &str, local: &str) {
        self.out.push_str("</");
        if !prefix.is_empty() {
            self.out.push_str(prefix);
            self.out.push(':');
        }
        self.out.push_str(local);
        self.out.push('>');
    }

    fn lookup(&self, prefix: &str) -> Ns {
        if prefix == "xml" {
            return Ns::Other;
        }
        self.ns
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map_or(Ns::Plain, |(_, u)| *u)
    }

    fn parent_local(&self) -> &'a str {
        self.stack.last().map_or("", |f| f.local)
    }

    fn in_item(&self) -> bool {
        self.stack.iter().any(|f| f.item)
    }

    /// Extras of the current scope: the item being read, else the feed.
    fn extra(&mut self) -> &mut Extra {
        if self.in_item() {
            if let Some(e) = self.r.entries.last_mut() {
                return e;
            }
        }
        &mut self.r.feed
    }
}

#[cfg(test)]
mod tests;
