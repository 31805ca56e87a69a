//! Captured text constructs and links: their raw content read as text,
//! HTML or XHTML (or base64) and turned into one HTML string.

use super::{Capture, Kind, Pass};
use crate::fetch::parse::text::{self, base64, escape, numeric_entity, reference};
use crate::model::ParseProblem;
use url::Url;

impl Pass<'_> {
    /// The HTML a captured text construct stands for.
    pub(super) fn captured(
        &mut self,
        c: &Capture,
        inner: &str,
        base: usize,
    ) -> Result<String, ParseProblem> {
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
    pub(super) fn inner_text(&mut self, raw: &str, tags: bool) -> Result<String, ParseProblem> {
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(at) = markup_at(rest) {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            if let Some(r) = rest.strip_prefix("<![CDATA[") {
                let end = memchr::memmem::find(r.as_bytes(), b"]]>").unwrap_or(r.len());
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
                        } else if let Some(c) = text::decode_xml_name(name) {
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
    pub(super) fn xhtml(&mut self, raw: &str) -> Result<String, ParseProblem> {
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(at) = markup_at(rest) {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            if let Some(r) = rest.strip_prefix("<![CDATA[") {
                let end = memchr::memmem::find(r.as_bytes(), b"]]>").unwrap_or(r.len());
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
                            && text::decode_xml_name(name).is_none() =>
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
pub(super) fn text_declarations(html: String) -> String {
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

/// Where the next tag or reference starts.
pub(super) fn markup_at(s: &str) -> Option<usize> {
    memchr::memchr2(b'<', b'&', s.as_bytes())
}

/// Text as one CDATA section (feed-rs reads that faster than references).
pub(super) fn push_cdata(out: &mut String, text: &str) {
    if text.is_empty() {
        return;
    }
    out.push_str("<![CDATA[");
    let mut rest = text;
    while let Some(at) = memchr::memmem::find(rest.as_bytes(), b"]]>") {
        out.push_str(&rest[..at]);
        out.push_str("]]]]><![CDATA[>");
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out.push_str("]]>");
}

/// `href` and `src` attribute values of HTML made absolute against `base`.
pub(super) fn resolve_urls(html: &str, base: &Url) -> String {
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
        let decoded = text::decode_entities(value);
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
pub(super) fn strip_div(s: &str) -> &str {
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
