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

use super::text::{base64, escape, named_entity, numeric_entity, reference};
use super::ParseProblem;
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use url::Url;
use xmlparser::{ElementEnd, EntityDefinition, Token, Tokenizer};

const ATOM10: &str = "http://www.w3.org/2005/Atom";
const ATOM03: &str = "http://purl.org/atom/ns#";
const RSS10: &str = "http://purl.org/rss/1.0/";
const RSS090: &str = "http://my.netscape.com/rdf/simple/0.9/";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const DCTERMS: &str = "http://purl.org/dc/terms/";
const ITUNES: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";
const CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";
const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

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

/// The namespaces the pass tells apart.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ns {
    /// None, or one RSS 2.0 feeds sometimes declare.
    Plain,
    /// RSS 1.0 or 0.90.
    Rss1,
    Atom,
    Atom03,
    Dc,
    Dcterms,
    Itunes,
    Content,
    Rdf,
    Other,
}

/// A namespace by what it is: old vocabularies were published under
/// several addresses (Atom drafts as `http://purl.org/atom/ns#` with or
/// without a draft suffix, RSS 0.90 with or without its last slash).
fn classify(uri: &str) -> Ns {
    match uri {
        "" => Ns::Plain,
        RSS10 | RSS090 => Ns::Rss1,
        ATOM10 => Ns::Atom,
        ATOM03 => Ns::Atom03,
        DC => Ns::Dc,
        DCTERMS => Ns::Dcterms,
        ITUNES => Ns::Itunes,
        CONTENT => Ns::Content,
        RDF => Ns::Rdf,
        u if RSS2_NAMESPACES.contains(&u) => Ns::Plain,
        u => {
            let bare = u
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_start_matches("www.")
                .trim_end_matches(['/', '#']);
            if bare.starts_with("purl.org/atom/ns") {
                Ns::Atom03
            } else if bare == "my.netscape.com/rdf/simple/0.9" || bare == "purl.org/rss/1.0" {
                Ns::Rss1
            } else if bare == "purl.org/dc/elements/1.1" {
                Ns::Dc
            } else if bare == "purl.org/rss/1.0/modules/content" {
                Ns::Content
            } else {
                Ns::Other
            }
        }
    }
}

/// Core RSS element names as the specifications spell them, for documents
/// that spell them in another case (`<TiTlE>`, `<Item>`, `<LINK>`).
const RSS_NAMES: &[&str] = &[
    "rss",
    "channel",
    "item",
    "title",
    "link",
    "description",
    "pubDate",
    "guid",
    "author",
    "category",
    "enclosure",
    "comments",
    "source",
    "language",
    "copyright",
    "managingEditor",
    "webMaster",
    "lastBuildDate",
    "ttl",
    "image",
    "url",
    "width",
    "height",
    "generator",
    "docs",
    "summary",
];

fn rss_name(local: &str) -> Option<&'static str> {
    RSS_NAMES
        .iter()
        .copied()
        .find(|n| n.eq_ignore_ascii_case(local))
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
    let mut p = Pass {
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
    };
    let mut tokens = Tokenizer::from(src);
    let mut pending: Option<Pending> = None;
    let mut pos = 0;
    loop {
        let token = match tokens.next() {
            None => break,
            Some(Ok(t)) => t,
            Some(Err(_)) => {
                p.r.repairs += 1;
                if p.r.repairs > MAX_REPAIRS {
                    break;
                }
                let from = pos;
                let next = match pending.take() {
                    // A broken start tag is dropped whole.
                    Some(tag) => src[tag.start..]
                        .find('>')
                        .map_or(src.len(), |e| tag.start + e + 1),
                    None => {
                        let next = src
                            .get(from + 1..)
                            .and_then(|s| s.find('<'))
                            .map_or(src.len(), |e| from + 1 + e);
                        p.text(&src[from..next], false)?;
                        next
                    }
                };
                pos = next.max(from + 1).min(src.len());
                while !src.is_char_boundary(pos) {
                    pos += 1;
                }
                tokens = Tokenizer::from_fragment(src, pos..src.len());
                continue;
            }
        };
        match token {
            Token::Declaration { span, .. } => {
                pos = span.end();
                p.out.push_str("<?xml version=\"1.0\"?>");
            }
            Token::ProcessingInstruction { span, .. } | Token::Comment { span, .. } => {
                pos = span.end()
            }
            Token::DtdStart { span, .. }
            | Token::EmptyDtd { span, .. }
            | Token::DtdEnd { span } => pos = span.end(),
            Token::EntityDeclaration {
                name,
                definition,
                span,
            } => {
                pos = span.end();
                if let EntityDefinition::EntityValue(v) = definition {
                    p.entities.entry(name.as_str()).or_insert(v.as_str());
                }
            }
            Token::ElementStart {
                prefix,
                local,
                span,
            } => {
                pos = span.end();
                pending = Some(Pending {
                    start: span.start(),
                    prefix: prefix.as_str(),
                    local: local.as_str(),
                    attrs: Vec::new(),
                });
            }
            Token::Attribute {
                prefix,
                local,
                value,
                span,
            } => {
                pos = span.end();
                if let Some(tag) = pending.as_mut() {
                    tag.attrs
                        .push((prefix.as_str(), local.as_str(), value.as_str()));
                }
            }
            Token::ElementEnd { end, span } => {
                pos = span.end();
                match end {
                    ElementEnd::Open | ElementEnd::Empty => {
                        if let Some(tag) = pending.take() {
                            p.start(tag, matches!(end, ElementEnd::Empty), span.end())?;
                        }
                    }
                    ElementEnd::Close(prefix, local) => {
                        p.end(prefix.as_str(), local.as_str(), span.start())?
                    }
                }
            }
            Token::Text { text } => {
                pos = text.end();
                p.text(text.as_str(), true)?;
            }
            Token::Cdata { text, span } => {
                pos = span.end();
                if p.capture.is_none() {
                    p.out.push_str(span.as_str());
                    if let Some((_, s)) = p.leaf.as_mut() {
                        s.push_str(text.as_str());
                    }
                }
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

fn is_atom(ns: Ns) -> bool {
    matches!(ns, Ns::Atom | Ns::Atom03)
}

fn is_rss(ns: Ns) -> bool {
    matches!(ns, Ns::Plain | Ns::Rss1)
}

/// The link an RSS 1.0/0.90 item without one is given, for feed-rs keeps
/// only items with a link; `normalize` takes it out again.
pub const NO_LINK: &str = "urn:x-tidings:no-link";

/// Namespaces some RSS 2.0 feeds put their elements in; RSS 2.0 has none.
const RSS2_NAMESPACES: &[&str] = &[
    "http://backend.userland.com/rss2",
    "http://blogs.law.harvard.edu/tech/rss",
];

impl<'a> Pass<'a> {
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

    fn start(
        &mut self,
        tag: Pending<'a>,
        empty: bool,
        inner_start: usize,
    ) -> Result<(), ParseProblem> {
        let ns_len = self.ns.len();
        let mut base = self.stack.last().map_or(0, |f| f.base);
        for (prefix, local, value) in &tag.attrs {
            let declared = if *prefix == "xmlns" {
                Some(*local)
            } else if prefix.is_empty() && *local == "xmlns" {
                Some("")
            } else {
                None
            };
            if let Some(p) = declared {
                let v = value.trim();
                let ns = if self.atom_alias == Some(v) {
                    Ns::Atom03
                } else {
                    classify(v)
                };
                self.ns.push((p, ns));
            } else if *prefix == "xml" && *local == "base" {
                let href = self.attr_text(value)?;
                if let Ok(u) = self.bases[base].join(href.trim()) {
                    self.bases.push(u);
                    base = self.bases.len() - 1;
                }
            }
        }
        let depth = self.stack.len();
        let mut uri = self.lookup(tag.prefix);
        if depth == 0 && tag.local == "feed" && matches!(uri, Ns::Plain | Ns::Other) {
            // A pre-release Atom draft under an address of its own.
            self.atom_alias = tag
                .attrs
                .iter()
                .find(|(p, l, _)| {
                    if tag.prefix.is_empty() {
                        p.is_empty() && *l == "xmlns"
                    } else {
                        *p == "xmlns" && *l == tag.prefix
                    }
                })
                .map(|(_, _, v)| v.trim());
            self.ns.push((tag.prefix, Ns::Atom03));
            uri = Ns::Atom03;
        }
        let local = match rss_name(tag.local) {
            Some(name) if is_rss(uri) => name,
            _ => tag.local,
        };
        let parent = self.parent_local();
        let attr = |name: &str| {
            tag.attrs
                .iter()
                .find(|(p, l, _)| p.is_empty() && *l == name)
                .map(|(_, _, v)| *v)
        };
        let in_capture = self.capture.is_some();
        let item = !in_capture
            && !self.in_item()
            && ((local == "item" && is_rss(uri) && matches!(parent, "channel" | "rss" | "RDF"))
                || (local == "entry" && is_atom(uri) && (parent == "feed" || depth == 0)));
        if item && parent == "channel" && self.stack.first().is_some_and(|f| f.local == "RDF") {
            // RSS 1.0 items belong beside the channel, not in it.
            if let Some(channel) = self.stack.last_mut().filter(|f| !f.closed) {
                channel.closed = true;
                let (prefix, name) = (channel.prefix, channel.out_local);
                self.close_tag(prefix, name);
            }
        }
        if !in_capture && depth == 1 && parent == "rss" && is_rss(uri) {
            if local == "channel" {
                self.channel_seen = true;
            } else if !self.channel_seen && !has_channel(self.src) {
                // Items (and channel elements) straight inside `<rss>`, and
                // no channel anywhere: read as if a channel held them.
                self.channel_seen = true;
                self.out.push_str("<channel>");
                self.defer_channel = Some(("", "channel"));
            }
        }
        if !item && self.in_item() {
            if let Some(e) = self.r.entries.last_mut() {
                e.filled = true;
            }
        }
        if item {
            self.item_start = self.out.len();
            self.item_link = false;
            self.item_summary = false;
            self.item_content = false;
            let mut extra = Extra::default();
            if let Some((_, _, about)) = tag
                .attrs
                .iter()
                .find(|(p, l, _)| *l == "about" && self.lookup(p) == Ns::Rdf)
            {
                let about = self.attr_text(about)?;
                extra.about = self.bases[base].join(about.trim()).ok().map(String::from);
            }
            self.r.entries.push(extra);
        }
        let scope = matches!(parent, "item" | "entry" | "channel" | "feed")
            || (parent == "rss" && depth == 1);
        if !in_capture && !empty && scope {
            let leaf = match (local, uri) {
                ("author" | "managingEditor", u) if is_rss(u) => Some(Leaf::Author),
                ("creator", Ns::Dc) | ("author", Ns::Itunes) => Some(Leaf::Author),
                ("title", Ns::Dc) => Some(Leaf::DcTitle),
                ("pubDate", u) if is_rss(u) => Some(Leaf::Published),
                ("date", Ns::Dc) | ("issued" | "created" | "available", Ns::Dcterms) => {
                    Some(Leaf::Published)
                }
                ("modified", Ns::Dcterms) => Some(Leaf::Updated),
                ("published" | "issued" | "created", u) if is_atom(u) => Some(Leaf::Published),
                ("updated" | "modified", u) if is_atom(u) => Some(Leaf::Updated),
                ("guid", u) if is_rss(u) => {
                    let permalink = attr("isPermaLink").map(|v| v.trim() != "false");
                    self.extra().permalink = Some(permalink.unwrap_or(true));
                    Some(Leaf::Guid)
                }
                _ => None,
            };
            if leaf.is_some() {
                self.leaf = leaf.map(|l| (l, String::new()));
            }
        }
        if !in_capture && !empty && is_atom(uri) {
            if local == "author" && matches!(parent, "entry" | "feed") {
                self.person = Some((String::new(), String::new()));
            } else if parent == "author" && self.person.is_some() {
                match local {
                    "name" => self.leaf = Some((Leaf::PersonName, String::new())),
                    "email" => self.leaf = Some((Leaf::PersonEmail, String::new())),
                    _ => {}
                }
            }
        }

        // Text constructs and links to rewrite whole.
        let atom_text = is_atom(uri)
            && matches!(
                local,
                "title" | "subtitle" | "tagline" | "summary" | "content" | "rights" | "copyright"
            )
            && matches!(parent, "feed" | "entry" | "source")
            && attr("src").is_none();
        let rss_parent = matches!(parent, "item" | "channel") || (parent == "rss" && depth == 1);
        let rss_summary = is_rss(uri) && parent == "item" && local == "summary";
        let rss_text = !self.stack.last().is_some_and(|f| is_atom(f.uri))
            && ((is_rss(uri) && matches!(local, "title" | "description"))
                || rss_summary
                || (uri == Ns::Content && local == "encoded"))
            && rss_parent;
        let rss_link = is_rss(uri) && local == "link" && rss_parent;
        if rss_link && parent == "item" {
            self.item_link = true;
        }
        let mut kind = Kind::Html;
        let mut is_base64 = false;
        let mut binary = false;
        if atom_text && !in_capture {
            let mode = attr("mode").map(str::trim);
            let ty = attr("type").map(|t| t.trim().to_ascii_lowercase());
            kind = match ty.as_deref() {
                None if mode == Some("escaped") => Kind::Html,
                None => Kind::Text,
                Some("html" | "text/html") => Kind::Html,
                Some("xhtml" | "application/xhtml+xml") => Kind::Xhtml,
                Some("text" | "text/plain") => Kind::Text,
                Some(t) if t.starts_with("text/") => Kind::Text,
                Some(t) if is_media_type(t) && !is_xml_type(t) => {
                    // RFC 4287 §4.1.3.3: any other media type is base64.
                    binary = true;
                    Kind::Text
                }
                Some(_) => {
                    self.r.unknown_types += 1;
                    Kind::Text
                }
            };
            if mode == Some("xml") && kind == Kind::Text && ty.is_none() {
                kind = Kind::Xhtml;
            }
            is_base64 = binary || mode == Some("base64");
            if is_base64 && !binary {
                self.r.base64 += 1;
            }
        }

        if depth >= MAX_DEPTH {
            self.r.repairs += 1;
            self.ns.truncate(ns_len);
            return Ok(());
        }

        // An RSS item's description and summary: the first is its summary,
        // the second its content (as feedparser reads them).
        let mut out_prefix = tag.prefix;
        let mut declare_content = false;
        if parent == "item"
            && !in_capture
            && (rss_summary || (is_rss(uri) && local == "description"))
        {
            if self.item_summary && !self.item_content {
                out_prefix = "content";
                declare_content = true;
                self.item_content = true;
            }
            self.item_summary = true;
        } else if parent == "item" && uri == Ns::Content && local == "encoded" {
            self.item_content = true;
        }
        // The element as written out.
        let out_local = match (local, uri) {
            ("tagline", Ns::Atom03) => "subtitle",
            ("copyright", Ns::Atom03) => "rights",
            _ if declare_content => "encoded",
            ("summary", u) if is_rss(u) && parent == "item" => "description",
            (l, _) => l,
        };
        let capture = !in_capture && !empty && (atom_text || rss_text || rss_link);
        if !in_capture {
            self.out.push('<');
            if !out_prefix.is_empty() {
                self.out.push_str(out_prefix);
                self.out.push(':');
            }
            self.out.push_str(out_local);
            if declare_content {
                self.out.push_str(" xmlns:content=\"");
                self.out.push_str(CONTENT);
                self.out.push('"');
            }
            for (prefix, name, value) in &tag.attrs {
                let bad_src_type = is_atom(uri)
                    && local == "content"
                    && prefix.is_empty()
                    && *name == "type"
                    && !value.contains('/');
                let rss2_ns = (*prefix == "xmlns" || *name == "xmlns")
                    && RSS2_NAMESPACES.contains(&value.trim());
                let drop = bad_src_type
                    || rss2_ns
                    || (*prefix == "xml" && *name == "base")
                    || (depth == 0 && local == "rss" && *name == "version")
                    || (atom_text && prefix.is_empty() && matches!(*name, "type" | "mode"));
                if drop {
                    continue;
                }
                let xmlns = *prefix == "xmlns" || (prefix.is_empty() && *name == "xmlns");
                let declares = |ns: Ns| {
                    xmlns
                        && (classify(value.trim()) == ns
                            || (ns == Ns::Atom03 && self.atom_alias == Some(value.trim())))
                };
                let value = match *value {
                    _ if declares(Ns::Atom03) => ATOM10.to_string(),
                    _ if declares(Ns::Rss1) => RSS10.to_string(),
                    _ if declares(Ns::Dc) => DC.to_string(),
                    _ if declares(Ns::Content) => CONTENT.to_string(),
                    v => {
                        let link_attr = (is_atom(uri) && *name == "href" && local == "link")
                            || (is_atom(uri) && *name == "src" && local == "content");
                        if link_attr {
                            let v = self.attr_text(v)?;
                            escape(&self.resolve(base, &v))
                        } else {
                            self.fix_refs(v)?.into_owned()
                        }
                    }
                };
                self.out.push(' ');
                if !prefix.is_empty() {
                    self.out.push_str(prefix);
                    self.out.push(':');
                }
                self.out.push_str(name);
                self.out.push_str("=\"");
                self.out.push_str(&value.replace('"', "&quot;"));
                self.out.push('"');
            }
            if depth == 0 && local == "rss" {
                self.out.push_str(" version=\"2.0\"");
            }
            if atom_text {
                self.out.push_str(" type=\"html\"");
            }
            self.out.push_str(if empty { "/>" } else { ">" });
        }
        if capture {
            self.capture = Some(Capture {
                depth: depth + 1,
                inner_start,
                kind,
                base64: is_base64,
                binary,
                link: rss_link,
            });
        }
        if empty {
            if item {
                self.r.items.push(self.item_start..self.out.len());
            }
            self.ns.truncate(ns_len);
            return Ok(());
        }
        self.stack.push(Frame {
            prefix: tag.prefix,
            out_prefix,
            local,
            out_local,
            uri,
            base,
            ns_len,
            item,
            closed: false,
        });
        Ok(())
    }

    fn end(&mut self, prefix: &str, local: &str, at: usize) -> Result<(), ParseProblem> {
        let Some(i) = self.stack.iter().rposition(|f| {
            // Renamed elements close under either name, RSS names in any case.
            f.prefix == prefix
                && (f.out_local == local
                    || f.local == local
                    || (is_rss(f.uri) && f.local.eq_ignore_ascii_case(local)))
        }) else {
            self.r.repairs += 1;
            return Ok(());
        };
        while self.stack.len() > i {
            if self.stack.len() > i + 1 {
                self.r.repairs += 1;
            }
            let Some(frame) = self.stack.pop() else { break };
            let depth = self.stack.len() + 1;
            let mut write = self.capture.is_none();
            if self.capture.as_ref().is_some_and(|c| c.depth == depth) {
                if let Some(c) = self.capture.take() {
                    let inner = &self.src[c.inner_start.min(at)..at];
                    let html = self.captured(&c, inner, frame.base)?;
                    push_cdata(&mut self.out, &html);
                }
                write = true;
            }
            if let Some((leaf, text)) = self.leaf.take() {
                let text = text.trim().to_string();
                match leaf {
                    Leaf::PersonName => {
                        if let Some(p) = self.person.as_mut() {
                            p.0 = text;
                        }
                    }
                    Leaf::PersonEmail => {
                        if let Some(p) = self.person.as_mut() {
                            p.1 = text;
                        }
                    }
                    _ if text.is_empty() => {}
                    Leaf::Author => {
                        let name = super::normalize::person_name(&text);
                        let authors = &mut self.extra().authors;
                        if !name.is_empty() && !authors.contains(&name) {
                            authors.push(name);
                        }
                    }
                    Leaf::Published => {
                        self.extra().published.get_or_insert(text);
                    }
                    Leaf::Updated => {
                        self.extra().updated.get_or_insert(text);
                    }
                    Leaf::DcTitle => {
                        self.extra().dc_title.get_or_insert(text);
                    }
                    Leaf::Guid => {}
                }
            }
            if frame.local == "author" && is_atom(frame.uri) {
                if let Some((name, email)) = self.person.take() {
                    let name = if name.is_empty() { email } else { name };
                    let authors = &mut self.extra().authors;
                    if !name.is_empty() && !authors.contains(&name) {
                        authors.push(name);
                    }
                }
            }
            if write && frame.item && !self.item_link && frame.uri == Ns::Rss1 {
                // feed-rs drops RSS 1.0 items without a link: rdf:about is
                // one, else a placeholder `normalize` takes out.
                let about = self.r.entries.last().and_then(|e| e.about.clone());
                let link = about.as_deref().unwrap_or(NO_LINK);
                self.out.push_str(&format!("<link>{}</link>", escape(link)));
            }
            if write {
                if frame.local == "rss" && self.stack.is_empty() {
                    if let Some((prefix, name)) = self.defer_channel.take() {
                        self.close_tag(prefix, name);
                    }
                }
                let defer = frame.local == "channel"
                    && self.stack.len() == 1
                    && self.stack[0].local == "rss";
                if frame.closed {
                } else if defer {
                    self.defer_channel = Some((frame.prefix, frame.out_local));
                } else {
                    self.close_tag(frame.out_prefix, frame.out_local);
                }
            }
            if frame.item {
                self.r.items.push(self.item_start..self.out.len());
            }
            self.ns.truncate(frame.ns_len);
        }
        Ok(())
    }

    /// Character data outside captured constructs: kept, with references
    /// made XML-safe. `token` is false for bytes skipped after an error.
    fn text(&mut self, s: &str, token: bool) -> Result<(), ParseProblem> {
        if self.capture.is_some() {
            return Ok(());
        }
        let fixed = if token {
            self.fix_refs(s)?
        } else {
            Cow::Owned(escape(s))
        };
        if let Some((_, t)) = self.leaf.as_mut() {
            t.push_str(&super::text::decode_entities(&fixed));
        }
        if !self.stack.is_empty() || !fixed.trim().is_empty() {
            self.out.push_str(&fixed);
        }
        Ok(())
    }

    /// XML-safe copy of raw character data: the five XML references and
    /// numeric ones are kept, DTD entities and HTML names are expanded,
    /// and any other `&` or `<` is escaped.
    fn fix_refs<'s>(&mut self, s: &'s str) -> Result<Cow<'s, str>, ParseProblem> {
        if !s.bytes().any(|b| matches!(b, b'&' | b'<' | b'>')) {
            return Ok(Cow::Borrowed(s));
        }
        let mut out = String::with_capacity(s.len() + 8);
        let mut rest = s;
        while let Some(at) = rest.find(['&', '<', '>']) {
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
    fn attr_text(&mut self, raw: &str) -> Result<String, ParseProblem> {
        Ok(super::text::decode_entities(&self.fix_refs(raw)?))
    }

    /// The text an entity reference stands for: a DTD entity (expanded
    /// within limits) or an HTML name.
    fn expand(&mut self, name: &str, depth: usize) -> Result<Option<String>, ParseProblem> {
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
                    } else if let Some(v) = super::text::decode_xml_name(inner) {
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

    fn resolve(&self, base: usize, href: &str) -> String {
        let href = href.trim();
        self.bases[base]
            .join(href)
            .map(String::from)
            .unwrap_or_else(|_| href.to_string())
    }

    /// The HTML a captured text construct stands for.
    fn captured(&mut self, c: &Capture, inner: &str, base: usize) -> Result<String, ParseProblem> {
        if c.link {
            let text = self.inner_text(inner, false)?;
            return Ok(self.resolve(base, &text));
        }
        let kind = c.kind;
        if c.base64 {
            let text = self.inner_text(inner, false)?;
            let decoded = if c.binary {
                // Text that is not base64 of UTF-8 is read as it is
                // (feedparser does the same).
                let padded = text.bytes().filter(|b| !b.is_ascii_whitespace()).count() % 4 == 0;
                match base64(&text).filter(|_| padded).map(String::from_utf8) {
                    Some(Ok(s)) => {
                        self.r.base64 += 1;
                        s
                    }
                    // Binary data (an image, say) is not text to show.
                    Some(Err(_)) => {
                        self.r.base64 += 1;
                        String::new()
                    }
                    None => {
                        self.r.unknown_types += 1;
                        text
                    }
                }
            } else {
                base64(&text)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or(text)
            };
            return Ok(match kind {
                Kind::Text => escape(&decoded),
                Kind::Html | Kind::Xhtml => decoded,
            });
        }
        let html = match kind {
            Kind::Text => return Ok(escape(&self.inner_text(inner, false)?)),
            Kind::Html => text_declarations(self.inner_text(inner, true)?),
            Kind::Xhtml => self.xhtml(inner)?,
        };
        // Relative links in the markup follow xml:base, where one is set.
        Ok(if base == 0 {
            html
        } else {
            resolve_urls(&html, &self.bases[base])
        })
    }

    /// Character data of a captured element: references decoded, CDATA
    /// unwrapped, comments dropped; child tags kept as written (`tags`) or
    /// dropped.
    fn inner_text(&mut self, raw: &str, tags: bool) -> Result<String, ParseProblem> {
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(at) = markup_at(rest) {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            if let Some(r) = rest.strip_prefix("<![CDATA[") {
                let end = r.find("]]>").unwrap_or(r.len());
                out.push_str(&r[..end]);
                rest = r.get(end + 3..).unwrap_or("");
            } else if let Some(r) = rest.strip_prefix("<!--") {
                rest = r.find("-->").map_or("", |e| &r[e + 3..]);
            } else if rest.starts_with('<') {
                let tag_like = rest[1..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '/');
                match rest.find('>').filter(|_| tag_like) {
                    Some(e) => {
                        if tags {
                            out.push_str(&rest[..=e]);
                        }
                        rest = &rest[e + 1..];
                    }
                    None => {
                        out.push('<');
                        rest = &rest[1..];
                    }
                }
            } else {
                rest = &rest[1..];
                match reference(rest) {
                    Some((name, len)) => {
                        if let Some(c) = numeric_entity(name) {
                            out.push(c);
                        } else if let Some(c) = super::text::decode_xml_name(name) {
                            out.push(c);
                        } else if let Some(v) = self.expand(name, 0)? {
                            out.push_str(&v);
                        } else {
                            out.push('&');
                            out.push_str(&rest[..len]);
                        }
                        rest = &rest[len..];
                    }
                    None => out.push('&'),
                }
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    /// XHTML content as HTML: markup and escaped text kept as written, the
    /// wrapping `<div>` removed, CDATA escaped, DTD entities expanded.
    fn xhtml(&mut self, raw: &str) -> Result<String, ParseProblem> {
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(at) = markup_at(rest) {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            if let Some(r) = rest.strip_prefix("<![CDATA[") {
                let end = r.find("]]>").unwrap_or(r.len());
                out.push_str(&escape(&r[..end]));
                rest = r.get(end + 3..).unwrap_or("");
            } else if let Some(r) = rest.strip_prefix("<!--") {
                rest = r.find("-->").map_or("", |e| &r[e + 3..]);
            } else if rest.starts_with('<') {
                let e = rest.find('>').map_or(rest.len(), |e| e + 1);
                // Namespace prefixes (`<xhtml:p>`) are not HTML.
                let tag = &rest[..e];
                let tag = match tag.find(':') {
                    Some(c) if !tag[..c].contains([' ', '=']) => {
                        let open = if tag.starts_with("</") { "</" } else { "<" };
                        format!("{open}{}", &tag[c + 1..])
                    }
                    _ => tag.to_string(),
                };
                out.push_str(&tag);
                rest = &rest[e..];
            } else {
                rest = &rest[1..];
                match reference(rest) {
                    Some((name, len))
                        if numeric_entity(name).is_none()
                            && super::text::decode_xml_name(name).is_none() =>
                    {
                        match self.expand(name, 0)? {
                            // A DTD entity is expanded; an HTML name is
                            // left for HTML to read.
                            Some(v) if self.entities.contains_key(name) => {
                                out.push_str(&escape(&v))
                            }
                            Some(_) => {
                                out.push('&');
                                out.push_str(&rest[..len]);
                            }
                            None => {
                                out.push_str("&amp;");
                                out.push_str(&rest[..len]);
                            }
                        }
                        rest = &rest[len..];
                    }
                    Some((_, len)) => {
                        out.push('&');
                        out.push_str(&rest[..len]);
                        rest = &rest[len..];
                    }
                    None => out.push_str("&amp;"),
                }
            }
        }
        out.push_str(rest);
        Ok(strip_div(out.trim()).to_string())
    }
}

/// HTML with each `<!` that opens no comment, CDATA section or doctype
/// made text: escaped text such as `&lt;!'` is not a declaration, and
/// HTML would hide what follows it up to the next `>`.
fn text_declarations(html: String) -> String {
    if !html.contains("<!") {
        return html;
    }
    let mut out = String::with_capacity(html.len() + 8);
    let mut rest = html.as_str();
    while let Some(at) = rest.find("<!") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let real = after.starts_with("--")
            || after.starts_with("[CDATA[")
            || after
                .get(..7)
                .is_some_and(|d| d.eq_ignore_ascii_case("doctype"));
        out.push_str(if real { "<!" } else { "&lt;!" });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The document has a `<channel>` start tag (in any case).
fn has_channel(src: &str) -> bool {
    src.as_bytes()
        .windows(8)
        .any(|w| w[0] == b'<' && w[1..].eq_ignore_ascii_case(b"channel"))
}

/// `type/subtype`, as a media type is written.
fn is_media_type(t: &str) -> bool {
    t.split_once('/').is_some_and(|(a, b)| {
        let token = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&c))
        };
        token(a) && token(b.split(';').next().unwrap_or("").trim())
    })
}

/// XML media types (RFC 7303): their content is inline markup, not base64.
fn is_xml_type(t: &str) -> bool {
    let t = t.split(';').next().unwrap_or("").trim();
    t.ends_with("/xml") || t.ends_with("+xml") || t.ends_with("-xml")
}

/// Where the next tag or reference starts.
fn markup_at(s: &str) -> Option<usize> {
    s.bytes().position(|b| b == b'<' || b == b'&')
}

/// Text as one CDATA section (feed-rs reads that faster than references).
fn push_cdata(out: &mut String, text: &str) {
    if text.is_empty() {
        return;
    }
    out.push_str("<![CDATA[");
    let mut rest = text;
    while let Some(at) = rest.find("]]>") {
        out.push_str(&rest[..at]);
        out.push_str("]]]]><![CDATA[>");
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out.push_str("]]>");
}

/// `href` and `src` attribute values of HTML made absolute against `base`.
fn resolve_urls(html: &str, base: &Url) -> String {
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len() + 64);
    let mut pos = 0;
    loop {
        let found = [" href=", " src="]
            .iter()
            .filter_map(|p| lower[pos..].find(p).map(|at| pos + at + p.len()))
            .min();
        let Some(value_at) = found else { break };
        out.push_str(&html[pos..value_at]);
        pos = value_at;
        let rest = &html[pos..];
        let quote = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => continue,
        };
        let Some(end) = rest[1..].find(quote) else {
            break;
        };
        let value = &rest[1..=end];
        let decoded = super::text::decode_entities(value);
        let absolute = match Url::parse(&decoded) {
            Err(url::ParseError::RelativeUrlWithoutBase) => base
                .join(&decoded)
                .map(|u| escape(u.as_str()))
                .unwrap_or_else(|_| value.to_string()),
            _ => value.to_string(),
        };
        out.push(quote);
        out.push_str(&absolute);
        out.push(quote);
        pos += end + 2;
    }
    out.push_str(&html[pos..]);
    out
}

/// The content of a single wrapping `<div>`, as Atom XHTML constructs have.
fn strip_div(s: &str) -> &str {
    if !s.starts_with("<div") || !s.ends_with("</div>") {
        return s;
    }
    let Some(open_end) = s.find('>') else {
        return s;
    };
    let inner = &s[open_end + 1..s.len() - "</div>".len()];
    // Only when that div is the one wrapper, not two siblings.
    if inner.matches("<div").count() != inner.matches("</div>").count() {
        return s;
    }
    inner.trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(s: &str) -> Rewritten {
        rewrite(s, &Url::parse("http://example.test/feed").unwrap()).unwrap()
    }

    #[test]
    fn text_constructs_become_escaped_html() {
        let r = rw(r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry>
            <title type="text">a &lt;b&gt; c</title>
            <summary type="">x &amp; y</summary>
            <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>History of the &lt;blink&gt; tag</p></div></content>
            </entry></feed>"#);
        assert!(
            r.xml
                .contains(r#"<title type="html"><![CDATA[a &lt;b&gt; c]]></title>"#),
            "{}",
            r.xml
        );
        assert!(
            r.xml
                .contains(r#"<summary type="html"><![CDATA[x &amp; y]]></summary>"#),
            "{}",
            r.xml
        );
        assert!(
            r.xml
                .contains("<![CDATA[<p>History of the &lt;blink&gt; tag</p>]]>"),
            "{}",
            r.xml
        );
        assert_eq!(r.unknown_types, 1);
        assert_eq!(r.items.len(), 1);
    }

    #[test]
    fn old_vocabularies_are_mapped() {
        let r = rw(
            r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><tagline>t</tagline>
            <entry><issued>2004-01-01T00:00:00Z</issued><content type="text/html" mode="base64">PGI+aGk8L2I+</content></entry></feed>"#,
        );
        assert!(r.xml.contains(ATOM10) && r.xml.contains("<subtitle"));
        assert!(r.xml.contains("<![CDATA[<b>hi</b>]]>"), "{}", r.xml);
        assert_eq!(
            r.entries[0].published.as_deref(),
            Some("2004-01-01T00:00:00Z")
        );
        let r = rw(
            r#"<rss version="0.93"><channel><title>T</title></channel><item><title>I</title></item></rss>"#,
        );
        assert!(r.xml.contains(r#"<rss version="2.0">"#));
        assert!(r.xml.ends_with("</item></channel></rss>"), "{}", r.xml);
    }

    #[test]
    fn old_namespaces_are_read_by_what_they_are() {
        assert_eq!(
            classify("http://purl.org/atom/ns#draft-ietf-atompub-format-08"),
            Ns::Atom03
        );
        assert_eq!(classify("http://my.netscape.com/rdf/simple/0.9"), Ns::Rss1);
        assert_eq!(classify("http://purl.org/dc/elements/1.1"), Ns::Dc);
        assert_eq!(classify("http://example.com/newformat#"), Ns::Other);
        let r = rw(
            r#"<feed version="0.3" xmlns="http://example.com/newformat#"><title>T</title></feed>"#,
        );
        assert!(r.xml.contains(ATOM10), "{}", r.xml);
    }

    #[test]
    fn declarations_in_text_stay_text() {
        assert_eq!(
            text_declarations("<!' x <b>y</b>".into()),
            "&lt;!' x <b>y</b>"
        );
        assert_eq!(
            text_declarations("<!-- c --><!DOCTYPE html>".into()),
            "<!-- c --><!DOCTYPE html>"
        );
        assert!(is_media_type("application/octet-stream"));
        assert!(!is_media_type("weird thing"));
        assert!(is_xml_type("application/atom+xml"));
    }

    #[test]
    fn broken_markup_is_repaired() {
        let r = rw("<rss><channel><title>AT&T &nbsp;x</title><item><title>a < b</title><foo></channel></rss>");
        assert!(r.repairs > 0);
        assert!(r.xml.contains("<![CDATA[AT&T \u{a0}x]]>"), "{}", r.xml);
        assert!(r.xml.ends_with("</item></channel></rss>"), "{}", r.xml);
    }

    #[test]
    fn cdata_end_inside_text_is_split() {
        let r = rw(r#"<rss><channel><title>a ]]&gt; b</title></channel></rss>"#);
        assert!(
            r.xml.contains("<![CDATA[a ]]]]><![CDATA[> b]]>"),
            "{}",
            r.xml
        );
    }

    #[test]
    fn entities_are_bounded() {
        let ok = rw(
            r#"<!DOCTYPE rss [<!ENTITY who "Jo &amp; Co">]><rss><channel><title>&who;</title></channel></rss>"#,
        );
        assert!(
            ok.xml.contains("<title><![CDATA[Jo & Co]]></title>"),
            "{}",
            ok.xml
        );
        let bomb = r#"<!DOCTYPE r [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
          <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
          <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
          <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
          <rss><channel><title>&d;</title></channel></rss>"#;
        assert!(rewrite(bomb, &Url::parse("http://e.test/").unwrap()).is_err());
    }

    #[test]
    fn xml_base_applies_inside_content() {
        let r = rw(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry xml:base="http://b.test/x/"><content type="html">&lt;a href="y"&gt;y&lt;/a&gt; &lt;img src='/z.png'&gt; &lt;a href="http://c.test/"&gt;</content><content src="http://m.test/v" type=""/></entry></feed>"#,
        );
        assert!(r.xml.contains("href=\"http://b.test/x/y\""), "{}", r.xml);
        assert!(r.xml.contains("src='http://b.test/z.png'"), "{}", r.xml);
        assert!(r.xml.contains("href=\"http://c.test/\""), "{}", r.xml);
        assert!(
            r.xml.contains(r#"<content src="http://m.test/v"/>"#),
            "{}",
            r.xml
        );
    }

    #[test]
    fn xml_base_applies_to_links() {
        let r = rw(
            r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://other.test/a/"><entry xml:base="b/"><link href="c"/></entry></feed>"#,
        );
        assert!(
            r.xml.contains(r#"href="http://other.test/a/b/c""#),
            "{}",
            r.xml
        );
        assert!(!r.xml.contains("xml:base"));
    }
}
