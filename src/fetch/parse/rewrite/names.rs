//! The vocabularies the pass tells apart: namespaces, by what they are
//! rather than how they are written, and RSS's element names.

pub(super) const ATOM10: &str = "http://www.w3.org/2005/Atom";
pub(super) const ATOM03: &str = "http://purl.org/atom/ns#";
pub(super) const RSS10: &str = "http://purl.org/rss/1.0/";
pub(super) const RSS090: &str = "http://my.netscape.com/rdf/simple/0.9/";
pub(super) const DC: &str = "http://purl.org/dc/elements/1.1/";
pub(super) const DCTERMS: &str = "http://purl.org/dc/terms/";
pub(super) const ITUNES: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";
pub(super) const CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";
pub(super) const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

/// The namespaces the pass tells apart.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Ns {
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
pub(super) fn classify(uri: &str) -> Ns {
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
pub(super) const RSS_NAMES: &[&str] = &[
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

pub(super) fn rss_name(local: &str) -> Option<&'static str> {
    RSS_NAMES
        .iter()
        .copied()
        .find(|n| n.eq_ignore_ascii_case(local))
}

pub(super) fn is_atom(ns: Ns) -> bool {
    matches!(ns, Ns::Atom | Ns::Atom03)
}

pub(super) fn is_rss(ns: Ns) -> bool {
    matches!(ns, Ns::Plain | Ns::Rss1)
}

/// Namespaces some RSS 2.0 feeds put their elements in; RSS 2.0 has none.
pub(super) const RSS2_NAMESPACES: &[&str] = &[
    "http://backend.userland.com/rss2",
    "http://blogs.law.harvard.edu/tech/rss",
];
