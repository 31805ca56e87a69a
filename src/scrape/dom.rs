//! Small DOM helpers shared by the scrape modules: text, URLs, clean HTML.
//!
//! Every walk here is iterative, so deeply nested junk cannot overflow the stack.

use std::collections::HashSet;
use std::ops::Deref;

use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

/// One step of a document-order walk.
pub(crate) enum Visit<'a> {
    Open(ElementRef<'a>),
    Close(ElementRef<'a>),
    /// Text and the text node's key (see [`key`]).
    Text(&'a str, usize),
}

/// What a walk does after a visit.
#[derive(PartialEq, Eq)]
pub(crate) enum Flow {
    /// Go on (into the element, after `Open`).
    Next,
    /// After `Open`: skip the element's subtree and its `Close`.
    Skip,
    /// End the walk.
    Stop,
}

/// Walks the nodes under `root` (not `root` itself) in document order.
pub(crate) fn walk<'a>(root: ElementRef<'a>, mut f: impl FnMut(Visit<'a>) -> Flow) {
    let mut cur = root.first_child();
    while let Some(node) = cur {
        let flow = match node.value() {
            Node::Element(_) => ElementRef::wrap(node).map_or(Flow::Skip, |el| f(Visit::Open(el))),
            Node::Text(t) => match f(Visit::Text(t, key(node.value()))) {
                Flow::Stop => Flow::Stop,
                _ => Flow::Skip,
            },
            _ => Flow::Skip,
        };
        if flow == Flow::Stop {
            return;
        }
        if flow == Flow::Next {
            if let Some(child) = node.first_child() {
                cur = Some(child);
                continue;
            }
            if let Some(el) = ElementRef::wrap(node) {
                if f(Visit::Close(el)) == Flow::Stop {
                    return;
                }
            }
        }
        let mut n = node;
        cur = loop {
            if let Some(s) = n.next_sibling() {
                break Some(s);
            }
            match n.parent() {
                Some(p) if p.id() != root.id() => {
                    if let Some(el) = ElementRef::wrap(p) {
                        if f(Visit::Close(el)) == Flow::Stop {
                            return;
                        }
                    }
                    n = p;
                }
                _ => break None,
            }
        };
    }
}

/// A stable identity for a node of a parsed document (its address).
pub(crate) fn key(node: &Node) -> usize {
    std::ptr::from_ref(node) as usize
}

pub(crate) fn el_key(el: ElementRef<'_>) -> usize {
    key(el.deref().value())
}

const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
];
const INVISIBLE: &[&str] = &["script", "style", "noscript", "template", "head"];

/// The element's visible text, whitespace collapsed and trimmed.
pub(crate) fn text(el: ElementRef<'_>) -> String {
    text_limited(el, usize::MAX).unwrap_or_default()
}

/// Like [`text`], but gives up (None) once the raw text passes `limit` bytes.
pub(crate) fn text_limited(el: ElementRef<'_>, limit: usize) -> Option<String> {
    let mut raw = String::new();
    let mut over = false;
    walk(el, |v| {
        match v {
            Visit::Open(e) => {
                let name = e.value().name();
                if INVISIBLE.contains(&name) {
                    return Flow::Skip;
                }
                if !INLINE.contains(&name) {
                    raw.push(' ');
                }
            }
            Visit::Close(e) => {
                if !INLINE.contains(&e.value().name()) {
                    raw.push(' ');
                }
            }
            Visit::Text(t, _) => {
                raw.push_str(t);
                if raw.len() > limit {
                    over = true;
                    return Flow::Stop;
                }
            }
        }
        Flow::Next
    });
    (!over).then(|| collapse(&raw))
}

/// Collapses whitespace runs to single spaces and trims.
pub(crate) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses a selector known to be valid (internal constants only).
pub(crate) fn sel(s: &str) -> Option<Selector> {
    Selector::parse(s).ok()
}

/// The URL relative links resolve against: `<base href>` if present.
pub(crate) fn base_url(doc: &Html, page_url: &Url) -> Url {
    sel("base[href]")
        .and_then(|s| doc.select(&s).next()?.attr("href").map(str::to_string))
        .and_then(|href| page_url.join(href.trim()).ok())
        .filter(is_web)
        .unwrap_or_else(|| page_url.clone())
}

/// Resolves a link; only http(s) targets that are not bare fragments count.
pub(crate) fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    base.join(href).ok().filter(is_web)
}

pub(crate) fn is_web(u: &Url) -> bool {
    matches!(u.scheme(), "http" | "https")
}

const JUNK_TAGS: &[&str] = &[
    "nav", "header", "footer", "aside", "script", "style", "noscript", "form", "iframe", "button",
    "svg", "template", "object", "embed", "input", "select", "textarea", "dialog", "link", "meta",
    "head",
];
const JUNK_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
];
const JUNK_WORDS: &[&str] = &[
    "share",
    "social",
    "related",
    "breadcrumb",
    "cookie",
    "newsletter",
    "comment",
];

/// Page furniture that never belongs in an article body.
pub(crate) fn is_junk(el: ElementRef<'_>) -> bool {
    let v = el.value();
    if JUNK_TAGS.contains(&v.name()) || v.attr("hidden").is_some() {
        return true;
    }
    if v.attr("aria-hidden").is_some_and(|a| a.trim() == "true") {
        return true;
    }
    if v.attr("role")
        .is_some_and(|r| JUNK_ROLES.contains(&r.trim().to_ascii_lowercase().as_str()))
    {
        return true;
    }
    // Class and id words, matched at word starts ("sharedaddy", "crp_related",
    // not "unrelated"). WordPress taxonomy classes ("tag-social-care") are
    // not layout.
    v.classes()
        .filter(|c| !c.starts_with("tag-") && !c.starts_with("category-"))
        .chain(v.id())
        .any(|m| {
            m.to_ascii_lowercase()
                .split(['-', '_', ' '])
                .any(|w| JUNK_WORDS.iter().any(|j| w.starts_with(j)))
        })
}

/// A "Share:" / "Share this" label.
fn is_share_label(text: &str) -> bool {
    let t = text.to_lowercase();
    t.trim_end_matches([':', ' ']) == "share"
        || ["share:", "share this", "share on", "share via"]
            .iter()
            .any(|p| t.starts_with(p))
}

/// Nodes to drop because they form a trailing "Share:" block: the largest
/// short element around a share label, and the short siblings after it.
fn trailing_share(root: ElementRef<'_>) -> HashSet<usize> {
    let mut cut = HashSet::new();
    for node in root.descendants() {
        let Node::Text(t) = node.value() else {
            continue;
        };
        let t = collapse(t);
        if t.len() > 100 || !is_share_label(&t) {
            continue;
        }
        let mut label = node;
        while let Some(p) = label.parent().filter(|p| p.id() != root.id()) {
            match ElementRef::wrap(p).and_then(|e| text_limited(e, 100)) {
                Some(t) if is_share_label(&t) => label = p,
                _ => break,
            }
        }
        let mut tail = Vec::new();
        let mut total = 0;
        let mut cur = Some(label);
        while let Some(n) = cur {
            total += match n.value() {
                Node::Text(t) => t.trim().len(),
                _ => ElementRef::wrap(n)
                    .and_then(|e| text_limited(e, 300))
                    .map_or(301, |t| t.len()),
            };
            if total > 300 {
                tail.clear();
                break;
            }
            tail.push(key(n.value()));
            cur = n.next_sibling();
        }
        cut.extend(tail);
    }
    cut
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];
const URL_ATTRS: &[&str] = &["href", "src", "poster", "cite", "action"];

/// Inner HTML of `root` without page furniture, with absolute links.
pub(crate) fn clean_html(root: ElementRef<'_>, base: &Url) -> String {
    let cut = trailing_share(root);
    let mut out = String::new();
    walk(root, |v| {
        match v {
            Visit::Open(el) => {
                if is_junk(el) || cut.contains(&el_key(el)) {
                    return Flow::Skip;
                }
                open_tag(&mut out, el, base);
            }
            Visit::Close(el) => {
                let name = el.value().name();
                if !VOID.contains(&name) {
                    out.push_str("</");
                    out.push_str(name);
                    out.push('>');
                }
            }
            Visit::Text(t, k) => {
                if !cut.contains(&k) {
                    escape_into(&mut out, t, false);
                }
            }
        }
        Flow::Next
    });
    out.trim().to_string()
}

fn open_tag(out: &mut String, el: ElementRef<'_>, base: &Url) {
    let v = el.value();
    out.push('<');
    out.push_str(v.name());
    let lazy_src = (v.name() == "img")
        .then(|| v.attr("data-src").or(v.attr("data-lazy-src")))
        .flatten()
        .filter(|_| {
            v.attr("src")
                .is_none_or(|s| s.trim_start().starts_with("data:"))
        });
    for (name, value) in v.attrs() {
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("on") || lower == "style" {
            continue;
        }
        let lazy_attr = matches!(lower.as_str(), "src" | "data-src" | "data-lazy-src");
        let value = if lazy_attr && lazy_src.is_some() {
            continue;
        } else if URL_ATTRS.contains(&lower.as_str()) {
            match absolute(base, value) {
                Some(u) => u,
                None => continue,
            }
        } else if lower == "srcset" {
            value
                .split(',')
                .filter_map(|part| {
                    let mut bits = part.split_whitespace();
                    let url = absolute(base, bits.next()?)?;
                    Some(bits.fold(url, |acc, b| acc + " " + b))
                })
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            value.to_string()
        };
        push_attr(out, name, &value);
    }
    if let Some(src) = lazy_src.and_then(|s| absolute(base, s)) {
        push_attr(out, "src", &src);
    }
    out.push('>');
}

/// Absolute form of a URL attribute; drops script URLs, keeps fragments.
fn absolute(base: &Url, value: &str) -> Option<String> {
    let value = value.trim();
    if value.starts_with('#') {
        return Some(value.to_string());
    }
    let u = base.join(value).ok()?;
    (u.scheme() != "javascript").then(|| u.to_string())
}

fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(out, value, true);
    out.push('"');
}

fn escape_into(out: &mut String, s: &str, attr: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' if !attr => out.push_str("&lt;"),
            '>' if !attr => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn first<'a>(doc: &'a Html, s: &str) -> ElementRef<'a> {
        doc.select(&Selector::parse(s).unwrap()).next().unwrap()
    }

    #[test]
    fn text_collapses_and_separates_blocks() {
        let doc = Html::parse_fragment(
            "<div id=r><h2>Title</h2><p>One <b>two</b>\n three</p><script>x()</script></div>",
        );
        assert_eq!(text(first(&doc, "#r")), "Title One two three");
        assert_eq!(text_limited(first(&doc, "#r"), 5), None);
    }

    #[test]
    fn cleans_furniture_and_absolutises() {
        let base = Url::parse("https://ex.org/news/a/").unwrap();
        let doc = Html::parse_document(
            r##"<div id=r><nav>Menu</nav><p onclick="x()" style="color:red">Hi <a href="../b/">b</a>
            <a href="#top">top</a> <a href="javascript:void(0)">js</a></p>
            <img data-src="/i.png" src="data:image/gif;base64,AAA" alt="i">
            <img srcset="/s.png 1x, /l.png 2x" src="s.png">
            <div class="tag-social-care">kept</div>
            <p>Tom &amp; Jerry &lt;3</p>
            <div class="sharedaddy">Share this: X</div>
            <p><strong>Share:</strong> <a href="https://x.com/i">X</a> <a href="/li">LinkedIn</a></p>
            <ul><li><a href="https://facebook.com">Facebook</a></li></ul></div>"##,
        );
        let html = clean_html(first(&doc, "#r"), &base);
        assert!(!html.contains("Menu"));
        assert!(!html.contains("onclick") && !html.contains("style="));
        assert!(
            html.contains(r#"<a href="https://ex.org/news/b/">b</a>"#),
            "{html}"
        );
        assert!(html.contains(r##"<a href="#top">"##));
        assert!(html.contains("<a>js</a>"), "{html}");
        assert!(html.contains(r#"src="https://ex.org/i.png""#), "{html}");
        assert!(
            !html.contains("data:") && !html.contains("data-src"),
            "{html}"
        );
        assert!(html.contains(r#"srcset="https://ex.org/s.png 1x, https://ex.org/l.png 2x""#));
        assert!(html.contains("kept"));
        assert!(html.contains("Tom &amp; Jerry &lt;3"));
        assert!(
            !html.contains("Share") && !html.contains("Facebook"),
            "{html}"
        );
    }

    #[test]
    fn share_words_inside_text_are_kept() {
        let base = Url::parse("https://ex.org/").unwrap();
        let doc = Html::parse_fragment(
            "<div id=r><p>Share your views in our survey, which runs until June and covers many
            topics of interest to patients, carers and staff across the region. We would like to
            hear from as many people as possible, so please pass it on to friends and family who
            use local services, and thank you for taking part in it.</p><p>Share: X</p></div>",
        );
        let html = clean_html(first(&doc, "#r"), &base);
        assert!(html.contains("Share your views"));
        assert!(!html.contains("Share: X"));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = "<div>".repeat(5_000) + "deep text" + &"</div>".repeat(5_000);
        let doc = Html::parse_document(&deep);
        let body = first(&doc, "body");
        assert_eq!(text(body), "deep text");
        let base = Url::parse("https://ex.org/").unwrap();
        assert!(clean_html(body, &base).contains("deep text"));
    }

    #[test]
    fn base_and_resolve() {
        let page = Url::parse("https://ex.org/news/").unwrap();
        let doc = Html::parse_document(r#"<head><base href="https://cdn.ex.org/site/"></head>"#);
        let base = base_url(&doc, &page);
        assert_eq!(base.as_str(), "https://cdn.ex.org/site/");
        assert_eq!(
            resolve(&base, "a/b").unwrap().as_str(),
            "https://cdn.ex.org/site/a/b"
        );
        assert_eq!(resolve(&base, "mailto:x@y.org"), None);
        assert_eq!(resolve(&base, "#x"), None);
        assert_eq!(resolve(&base, "  "), None);
        let doc = Html::parse_document(r#"<base href="javascript:alert(1)">"#);
        assert_eq!(base_url(&doc, &page), page);
    }
}
