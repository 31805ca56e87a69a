//! The start of an element, in the steps [`Pass::start`] takes: namespace
//! and `xml:base` declarations, the element's vocabulary, items, what to
//! collect from it, which text construct it is, and the start tag as
//! written out.

use super::names::{
    classify, is_atom, is_rss, rss_name, Ns, ATOM10, CONTENT, DC, RSS10, RSS2_NAMESPACES,
};
use super::{Capture, Extra, Frame, Kind, Leaf, Pass, Pending, MAX_DEPTH};
use crate::fetch::parse::text::escape;
use crate::model::ParseProblem;

/// An element being opened, as each step sees it.
struct Opening<'a> {
    tag: Pending<'a>,
    /// The name, core RSS names spelled as the specifications spell them.
    local: &'a str,
    uri: Ns,
    parent: &'a str,
    depth: usize,
    /// The `xml:base` in force inside it (an index into `Pass::bases`).
    base: usize,
    empty: bool,
    /// Inside a captured construct: nothing is written or collected.
    in_capture: bool,
    /// It opens an item or entry.
    item: bool,
}

impl<'a> Opening<'a> {
    /// The value of an attribute without a prefix.
    fn attr(&self, name: &str) -> Option<&'a str> {
        self.tag
            .attrs
            .iter()
            .find(|(p, l, _)| p.is_empty() && *l == name)
            .map(|(_, _, v)| *v)
    }
}

/// Which of the constructs rewritten whole the element is.
struct Construct {
    /// An Atom text construct (title, summary, content...).
    atom_text: bool,
    /// An RSS item's `<summary>`.
    rss_summary: bool,
    /// An RSS title, description, summary or content:encoded.
    rss_text: bool,
    rss_link: bool,
}

/// How a text construct's content is read.
struct Reading {
    kind: Kind,
    base64: bool,
    /// Base64 of a media type that is not text.
    binary: bool,
}

impl<'a> Pass<'a> {
    pub(super) fn start(
        &mut self,
        tag: Pending<'a>,
        empty: bool,
        inner_start: usize,
    ) -> Result<(), ParseProblem> {
        let ns_len = self.ns.len();
        let base = self.declare(&tag)?;
        let depth = self.stack.len();
        let uri = self.vocabulary(&tag, depth);
        let local = match rss_name(tag.local) {
            Some(name) if is_rss(uri) => name,
            _ => tag.local,
        };
        let mut el = Opening {
            tag,
            local,
            uri,
            parent: self.parent_local(),
            depth,
            base,
            empty,
            in_capture: self.capture.is_some(),
            item: false,
        };
        el.item = self.opens_item(&el);
        self.leave_rdf_channel(&el);
        self.supply_channel(&el);
        if !el.item && self.in_item() {
            if let Some(e) = self.r.entries.last_mut() {
                e.filled = true;
            }
        }
        if el.item {
            self.begin_item(&el)?;
        }
        self.watch_leaf(&el);

        let construct = self.construct(&el);
        if construct.rss_link && el.parent == "item" {
            self.item_link = true;
        }
        let reading = if construct.atom_text && !el.in_capture {
            self.reading(&el)
        } else {
            Reading {
                kind: Kind::Html,
                base64: false,
                binary: false,
            }
        };
        if depth >= MAX_DEPTH {
            self.r.repairs += 1;
            self.ns.truncate(ns_len);
            return Ok(());
        }

        let (out_prefix, out_local, declare_content) = self.out_name(&el, construct.rss_summary);
        if !el.in_capture {
            self.write_start_tag(
                &el,
                out_prefix,
                out_local,
                declare_content,
                construct.atom_text,
            )?;
        }
        let whole = construct.atom_text || construct.rss_text || construct.rss_link;
        if !el.in_capture && !empty && whole {
            self.capture = Some(Capture {
                depth: depth + 1,
                inner_start,
                kind: reading.kind,
                base64: reading.base64,
                binary: reading.binary,
                link: construct.rss_link,
            });
        }
        if empty {
            if el.item {
                self.r.items.push(self.item_start..self.out.len());
            }
            self.ns.truncate(ns_len);
            return Ok(());
        }
        self.stack.push(Frame {
            prefix: el.tag.prefix,
            out_prefix,
            local,
            out_local,
            uri,
            base,
            ns_len,
            item: el.item,
            closed: false,
        });
        Ok(())
    }

    /// Reads the element's namespace declarations and `xml:base`; returns
    /// the base in force inside it.
    fn declare(&mut self, tag: &Pending<'a>) -> Result<usize, ParseProblem> {
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
        Ok(base)
    }

    /// The element's namespace. A `<feed>` root in no namespace tidings
    /// knows is a pre-release Atom draft under an address of its own: it
    /// is read as Atom 0.3, and so is that address from then on.
    fn vocabulary(&mut self, tag: &Pending<'a>, depth: usize) -> Ns {
        let uri = self.lookup(tag.prefix);
        if depth != 0 || tag.local != "feed" || !matches!(uri, Ns::Plain | Ns::Other) {
            return uri;
        }
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
        Ns::Atom03
    }

    /// The element opens an RSS item or an Atom entry.
    fn opens_item(&self, el: &Opening) -> bool {
        let (local, uri, parent) = (el.local, el.uri, el.parent);
        !el.in_capture
            && !self.in_item()
            && ((local == "item" && is_rss(uri) && matches!(parent, "channel" | "rss" | "RDF"))
                || (local == "entry" && is_atom(uri) && (parent == "feed" || el.depth == 0)))
    }

    /// RSS 1.0 items belong beside the channel, not in it: the first item
    /// inside one closes it.
    fn leave_rdf_channel(&mut self, el: &Opening) {
        let in_rdf_channel =
            el.parent == "channel" && self.stack.first().is_some_and(|f| f.local == "RDF");
        if !el.item || !in_rdf_channel {
            return;
        }
        if let Some(channel) = self.stack.last_mut().filter(|f| !f.closed) {
            channel.closed = true;
            let (prefix, name) = (channel.prefix, channel.out_local);
            self.close_tag(prefix, name);
        }
    }

    /// Items (and channel elements) straight inside `<rss>`, with no
    /// channel anywhere, are read as if a channel held them.
    fn supply_channel(&mut self, el: &Opening) {
        if el.in_capture || el.depth != 1 || el.parent != "rss" || !is_rss(el.uri) {
            return;
        }
        if el.local == "channel" {
            self.channel_seen = true;
        } else if !self.channel_seen && !has_channel(self.src) {
            self.channel_seen = true;
            self.out.push_str("<channel>");
            self.defer_channel = Some(("", "channel"));
        }
    }

    /// Starts an item: its flags reset, its extras begun with its
    /// `rdf:about`, resolved.
    fn begin_item(&mut self, el: &Opening) -> Result<(), ParseProblem> {
        self.item_start = self.out.len();
        self.item_link = false;
        self.item_summary = false;
        self.item_content = false;
        let mut extra = Extra::default();
        if let Some((_, _, about)) = el
            .tag
            .attrs
            .iter()
            .find(|(p, l, _)| *l == "about" && self.lookup(p) == Ns::Rdf)
        {
            let about = self.attr_text(about)?;
            extra.about = self.bases[el.base]
                .join(about.trim())
                .ok()
                .map(String::from);
        }
        self.r.entries.push(extra);
        Ok(())
    }

    /// Starts collecting the text of an author, a date, a guid or a
    /// dc:title of the feed or an item, or of an Atom author's name or
    /// email.
    fn watch_leaf(&mut self, el: &Opening) {
        if el.in_capture || el.empty {
            return;
        }
        let (local, uri, parent) = (el.local, el.uri, el.parent);
        let scope = matches!(parent, "item" | "entry" | "channel" | "feed")
            || (parent == "rss" && el.depth == 1);
        if scope {
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
                    let permalink = el.attr("isPermaLink").map(|v| v.trim() != "false");
                    self.extra().permalink = Some(permalink.unwrap_or(true));
                    Some(Leaf::Guid)
                }
                _ => None,
            };
            if leaf.is_some() {
                self.leaf = leaf.map(|l| (l, String::new()));
            }
        }
        if is_atom(uri) {
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
    }

    /// Which text construct or link, rewritten whole, the element is.
    fn construct(&self, el: &Opening) -> Construct {
        let (local, uri, parent) = (el.local, el.uri, el.parent);
        let atom_text = is_atom(uri)
            && matches!(
                local,
                "title" | "subtitle" | "tagline" | "summary" | "content" | "rights" | "copyright"
            )
            && matches!(parent, "feed" | "entry" | "source")
            && el.attr("src").is_none();
        let rss_parent = matches!(parent, "item" | "channel") || (parent == "rss" && el.depth == 1);
        let rss_summary = is_rss(uri) && parent == "item" && local == "summary";
        let rss_text = !self.stack.last().is_some_and(|f| is_atom(f.uri))
            && ((is_rss(uri) && matches!(local, "title" | "description"))
                || rss_summary
                || (uri == Ns::Content && local == "encoded"))
            && rss_parent;
        let rss_link = is_rss(uri) && local == "link" && rss_parent;
        Construct {
            atom_text,
            rss_summary,
            rss_text,
            rss_link,
        }
    }

    /// How an Atom text construct's content is read, from its `type` and
    /// (Atom 0.3) `mode`.
    fn reading(&mut self, el: &Opening) -> Reading {
        let mode = el.attr("mode").map(str::trim);
        let ty = el.attr("type").map(|t| t.trim().to_ascii_lowercase());
        let mut binary = false;
        let mut kind = match ty.as_deref() {
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
        let base64 = binary || mode == Some("base64");
        if base64 && !binary {
            self.r.base64 += 1;
        }
        Reading {
            kind,
            base64,
            binary,
        }
    }

    /// The element's prefix and name as written, and whether the content
    /// namespace is declared on it. An RSS item's first description or
    /// summary is its summary, the second its content (as feedparser reads
    /// them); Atom 0.3 names become Atom 1.0 ones.
    fn out_name(&mut self, el: &Opening<'a>, rss_summary: bool) -> (&'a str, &'a str, bool) {
        let (local, uri, parent) = (el.local, el.uri, el.parent);
        let mut out_prefix = el.tag.prefix;
        let mut declare_content = false;
        if parent == "item"
            && !el.in_capture
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
        let out_local = match (local, uri) {
            ("tagline", Ns::Atom03) => "subtitle",
            ("copyright", Ns::Atom03) => "rights",
            _ if declare_content => "encoded",
            ("summary", u) if is_rss(u) && parent == "item" => "description",
            (l, _) => l,
        };
        (out_prefix, out_local, declare_content)
    }

    /// Writes the start tag under its new name, with the attributes
    /// [`Pass::attr_value`] keeps, an RSS version of 2.0 and an Atom text
    /// construct's type as HTML.
    fn write_start_tag(
        &mut self,
        el: &Opening,
        out_prefix: &str,
        out_local: &str,
        declare_content: bool,
        atom_text: bool,
    ) -> Result<(), ParseProblem> {
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
        for (prefix, name, value) in &el.tag.attrs {
            let Some(value) = self.attr_value(el, prefix, name, value, atom_text)? else {
                continue;
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
        if el.depth == 0 && el.local == "rss" {
            self.out.push_str(" version=\"2.0\"");
        }
        if atom_text {
            self.out.push_str(" type=\"html\"");
        }
        self.out.push_str(if el.empty { "/>" } else { ">" });
        Ok(())
    }

    /// An attribute's value as written out, or None to leave it out:
    /// old namespace addresses become current ones, Atom links are
    /// resolved, references are made XML-safe. `xml:base`, the RSS
    /// version, RSS 2.0's own namespaces and what was rewritten (an Atom
    /// text construct's `type` and `mode`) are left out.
    fn attr_value(
        &mut self,
        el: &Opening,
        prefix: &str,
        name: &str,
        value: &str,
        atom_text: bool,
    ) -> Result<Option<String>, ParseProblem> {
        let (local, uri) = (el.local, el.uri);
        let bad_src_type = is_atom(uri)
            && local == "content"
            && prefix.is_empty()
            && name == "type"
            && !value.contains('/');
        let rss2_ns =
            (prefix == "xmlns" || name == "xmlns") && RSS2_NAMESPACES.contains(&value.trim());
        let drop = bad_src_type
            || rss2_ns
            || (prefix == "xml" && name == "base")
            || (el.depth == 0 && local == "rss" && name == "version")
            || (atom_text && prefix.is_empty() && matches!(name, "type" | "mode"));
        if drop {
            return Ok(None);
        }
        let xmlns = prefix == "xmlns" || (prefix.is_empty() && name == "xmlns");
        let declares = |ns: Ns| {
            xmlns
                && (classify(value.trim()) == ns
                    || (ns == Ns::Atom03 && self.atom_alias == Some(value.trim())))
        };
        let value = match value {
            _ if declares(Ns::Atom03) => ATOM10.to_string(),
            _ if declares(Ns::Rss1) => RSS10.to_string(),
            _ if declares(Ns::Dc) => DC.to_string(),
            _ if declares(Ns::Content) => CONTENT.to_string(),
            v => {
                let link_attr = (is_atom(uri) && name == "href" && local == "link")
                    || (is_atom(uri) && name == "src" && local == "content");
                if link_attr {
                    let v = self.attr_text(v)?;
                    escape(&self.resolve(el.base, &v))
                } else {
                    self.fix_refs(v)?.into_owned()
                }
            }
        };
        Ok(Some(value))
    }
}

/// The document has a `<channel>` start tag (in any case).
fn has_channel(src: &str) -> bool {
    src.as_bytes()
        .windows(8)
        .any(|w| w[0] == b'<' && w[1..].eq_ignore_ascii_case(b"channel"))
}

/// `type/subtype`, as a media type is written.
pub(super) fn is_media_type(t: &str) -> bool {
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
pub(super) fn is_xml_type(t: &str) -> bool {
    let t = t.split(';').next().unwrap_or("").trim();
    t.ends_with("/xml") || t.ends_with("+xml") || t.ends_with("-xml")
}
