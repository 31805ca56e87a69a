//! OPML 1.0/1.1/2.0 subscription lists: folders become tags.

use super::{clean_text, push_tag, tag_from, Entry, ImportError, Skipped, Source};
use opml::{Outline, OPML};

/// Reads an OPML document.
pub fn read(path: &str, text: &str) -> Result<Source, ImportError> {
    let text = text.trim_start_matches('\u{feff}');
    let doc = OPML::from_str(text).map_err(|e| error(path, text, e))?;
    let mut source = Source::default();
    let mut folders = Vec::new();
    walk(&doc.body.outlines, &mut folders, &mut source);
    Ok(source)
}

fn walk(outlines: &[Outline], folders: &mut Vec<String>, out: &mut Source) {
    for o in outlines {
        let title = [Some(&o.text), o.title.as_ref()]
            .into_iter()
            .flatten()
            .map(|t| clean_text(t))
            .find(|t| !t.is_empty());
        let xml_url = non_empty(&o.xml_url);
        let html_url = non_empty(&o.html_url);
        if let Some(url) = xml_url {
            let mut tags = folders.clone();
            for t in o.category.iter().flat_map(|c| c.split([',', '/'])) {
                if let Some(t) = tag_from(t) {
                    push_tag(&mut tags, t);
                }
            }
            out.feeds.push(Entry {
                title: title.clone(),
                url: url.to_string(),
                tags,
                note: None,
                extra: toml::Table::new(),
            });
        } else if let (Some(url), true) = (html_url, o.outlines.is_empty()) {
            out.feeds.push(Entry {
                title: title.clone(),
                url: url.to_string(),
                tags: folders.clone(),
                note: Some(
                    "a web page (no xmlUrl): tidings follows the feed it advertises, \
                     else give it [feed.html] rules (see `tidings discover URL`)"
                        .into(),
                ),
                extra: toml::Table::new(),
            });
        } else if o.outlines.is_empty() && o.r#type.as_deref() == Some("rss") {
            out.skipped.push(Skipped {
                what: title
                    .clone()
                    .unwrap_or_else(|| "an untitled outline".into()),
                reason: "it has type=\"rss\" but no xmlUrl".into(),
            });
        }
        if !o.outlines.is_empty() {
            let tag = title.as_deref().and_then(tag_from);
            let pushed = match tag {
                Some(t) if !folders.contains(&t) => {
                    folders.push(t);
                    true
                }
                _ => false,
            };
            walk(&o.outlines, folders, out);
            if pushed {
                folders.pop();
            }
        }
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A clear message for a file the OPML reader refused, with the line and
/// column of the fault where it can be found.
fn error(path: &str, text: &str, e: opml::Error) -> ImportError {
    use hard_xml::XmlError;
    let located = |(line, column), message: String| ImportError::Syntax {
        path: path.to_string(),
        line,
        column,
        message,
    };
    if let Some((at, message)) = well_formed(text) {
        return located(at, message);
    }
    let message = match e {
        opml::Error::XmlError(XmlError::Parser(p)) => {
            let pos = p.pos();
            return located(
                (pos.row as usize, pos.col as usize),
                format!("not well-formed XML: {p}"),
            );
        }
        opml::Error::XmlError(XmlError::MissingField { name, field }) => {
            format!("not OPML: <{}> has no {field}", name.to_lowercase())
        }
        opml::Error::XmlError(XmlError::TagMismatch { expected, found }) => {
            format!("not OPML: expected <{expected}>, found <{found}>")
        }
        opml::Error::XmlError(XmlError::UnexpectedEof) => "the file ends too early".into(),
        opml::Error::UnsupportedVersion(v) => {
            format!("unsupported OPML version \"{v}\" (1.0, 1.1 and 2.0 are read)")
        }
        opml::Error::BodyHasNoOutlines => "no subscriptions: <body> has no <outline>".into(),
        other => format!("not OPML: {other}"),
    };
    ImportError::Invalid {
        path: path.to_string(),
        message,
    }
}

/// Finds the first fault in the XML's structure: a syntax error, a closing
/// tag that does not match, an element left open, or a root that is not
/// `<opml>`. Returns its (line, column) and a message.
fn well_formed(text: &str) -> Option<((usize, usize), String)> {
    use xmlparser::{ElementEnd, Token, Tokenizer};
    let at = |offset: usize| line_col(text, offset);
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut root_seen = false;
    for token in Tokenizer::from(text) {
        match token {
            Err(e) => {
                let pos = e.pos();
                return Some((
                    (pos.row as usize, pos.col as usize),
                    format!("not well-formed XML: {e}"),
                ));
            }
            Ok(Token::ElementStart { local, span, .. }) => {
                if !root_seen {
                    root_seen = true;
                    if local.as_str() != "opml" {
                        return Some((
                            at(span.start()),
                            format!("not OPML: the document is <{}>", local.as_str()),
                        ));
                    }
                }
                open.push((local.as_str().to_string(), span.start()));
            }
            Ok(Token::ElementEnd { end, span }) => match end {
                ElementEnd::Open => {}
                ElementEnd::Empty => {
                    open.pop();
                }
                ElementEnd::Close(_, local) => match open.pop() {
                    Some((name, _)) if name == local.as_str() => {}
                    Some((name, start)) => {
                        let (l, c) = at(start);
                        return Some((
                            at(span.start()),
                            format!(
                                "</{}> does not close <{name}> (opened on line {l}, column {c})",
                                local.as_str()
                            ),
                        ));
                    }
                    None => {
                        return Some((
                            at(span.start()),
                            format!("</{}> closes nothing", local.as_str()),
                        ))
                    }
                },
            },
            Ok(Token::Attribute { value: text, .. } | Token::Text { text }) => {
                if let Some(i) = bad_entity(text.as_str()) {
                    return Some((
                        at(text.start() + i),
                        "a bare & (write &amp; for the character)".into(),
                    ));
                }
            }
            Ok(_) => {}
        }
    }
    if let Some((name, start)) = open.pop() {
        return Some((
            at(start),
            format!("<{name}> is never closed (the file ends first)"),
        ));
    }
    None
}

/// Where in `s` an `&` starts something other than an entity reference.
fn bad_entity(s: &str) -> Option<usize> {
    s.match_indices('&').map(|(i, _)| i).find(|&i| {
        let rest = &s[i + 1..];
        let name = rest
            .find(';')
            .map(|end| &rest[..end])
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '#'));
        name.is_none()
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match read("f.opml", text) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn folders_become_tags() {
        let s = read(
            "f.opml",
            r#"<?xml version="1.0"?>
<!DOCTYPE opml>
<opml version="2.0"><head><title>x</title><link>ignored</link></head><body>
<outline text="News &amp; Views"><outline text="Sub"><outline text="A" xmlUrl="http://a.test/" extra="1"/></outline>
<outline title="Only title" xmlUrl="http://b.test/" category="/x/y,z"/></outline>
<outline xmlUrl=" http://c.test/ " htmlUrl="http://c.test/site"/>
<outline text="Page" htmlUrl="http://d.test/news"/>
<outline text="Broken" type="rss"/>
<outline text="Empty folder"/>
</body></opml>"#,
        )
        .unwrap();
        let got: Vec<_> = s
            .feeds
            .iter()
            .map(|e| (e.title.as_deref(), e.url.as_str(), e.tags.join(",")))
            .collect();
        assert_eq!(
            got,
            [
                (Some("A"), "http://a.test/", "News-&-Views,Sub".to_string()),
                (
                    Some("Only title"),
                    "http://b.test/",
                    "News-&-Views,x,y,z".into()
                ),
                (None, "http://c.test/", String::new()),
                (Some("Page"), "http://d.test/news", String::new()),
            ]
        );
        assert!(s.feeds[3].note.is_some());
        assert_eq!(s.skipped.len(), 1);
        assert!(s.skipped[0].reason.contains("no xmlUrl"));
    }

    #[test]
    fn errors_have_positions() {
        let e = err("<opml version=\"2.0\"><body>\n  <outline text=\"a\">\n</body></opml>");
        assert!(
            e.starts_with(
                "f.opml:3:1: </body> does not close <outline> (opened on line 2, column 3)"
            ),
            "{e}"
        );
        let e = err("<opml version=\"2.0\"><body><outline text=\"a\" xmlUrl=\"x\"/></body>");
        assert!(e.starts_with("f.opml:1:1: <opml> is never closed"), "{e}");
        let e = err("<opml version=\"2.0\">\n<body><outline text=\"a&b\"/></body></opml>");
        assert!(e.starts_with("f.opml:2:23: a bare &"), "{e}");
        let e = err("<html><body></body></html>");
        assert!(
            e.starts_with("f.opml:1:1: not OPML: the document is <html>"),
            "{e}"
        );
        let e = err("<opml version=\"3.0\"><body><outline text=\"a\"/></body></opml>");
        assert!(e.contains("unsupported OPML version \"3.0\""), "{e}");
        let e = err("<opml version=\"2.0\"><head/><body></body></opml>");
        assert!(e.contains("no subscriptions"), "{e}");
        let e = err("<opml><body><outline text=\"a\"/></body></opml>");
        assert!(e.contains("<opml> has no version"), "{e}");
    }
}
