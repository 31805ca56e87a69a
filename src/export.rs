//! The subscriptions written out for other readers (OPML 2.0) or for
//! another tidings config (TOML).
//!
//! OPML rule: a feed sits in the folder of its first tag (untagged feeds at
//! the top level), and a feed with several tags lists them all in its
//! `category` attribute, so no reader sees a feed twice and `tidings import`
//! gets every tag back. HTML news pages have no feed address: they are
//! written with `htmlUrl` only, and their scraping rules only survive in TOML.

use crate::config::{Config, FeedKind};
use opml::{Body, Head, Outline, OPML};

/// The config's feeds as an OPML 2.0 document.
pub fn opml(config: &Config) -> Result<String, String> {
    let mut folders: Vec<Outline> = Vec::new();
    let mut top: Vec<Outline> = Vec::new();
    for f in &config.feeds {
        let html = f.kind == FeedKind::Html;
        let outline = Outline {
            text: f.name.clone(),
            title: Some(f.name.clone()),
            r#type: (!html).then(|| "rss".to_string()),
            xml_url: (!html).then(|| f.url.to_string()),
            html_url: html.then(|| f.url.to_string()),
            category: (f.tags.len() > 1).then(|| f.tags.join(",")),
            ..Outline::default()
        };
        match f.tags.first() {
            None => top.push(outline),
            Some(tag) => match folders.iter_mut().find(|o| &o.text == tag) {
                Some(folder) => folder.outlines.push(outline),
                None => folders.push(Outline {
                    text: tag.clone(),
                    title: Some(tag.clone()),
                    outlines: vec![outline],
                    ..Outline::default()
                }),
            },
        }
    }
    folders.extend(top);
    let doc = OPML {
        version: "2.0".into(),
        head: Some(Head {
            title: Some("tidings subscriptions".into()),
            ..Head::default()
        }),
        body: Body { outlines: folders },
    };
    let xml = doc.to_string().map_err(|e| e.to_string())?;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
        pretty(&xml)
    ))
}

/// One element per line, indented by depth: the writer puts everything on
/// one line, which no one can read or diff.
fn pretty(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() + xml.len() / 8);
    let mut depth = 0usize;
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        let text = rest[..start].trim();
        out.push_str(text);
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start..=start + len];
        let closing = tag.starts_with("</");
        let empty = tag.ends_with("/>");
        if closing {
            depth = depth.saturating_sub(1);
        }
        // A closing tag right after text stays on the text's line.
        let after_text = closing && !text.is_empty();
        if !after_text && !out.is_empty() {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        }
        out.push_str(tag);
        if !closing && !empty {
            depth += 1;
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest.trim());
    out
}

/// The config file's `[[feed]]` and `[[view]]` tables, rules and comments
/// included, as a TOML document of their own.
pub fn toml(config_text: &str) -> Result<String, String> {
    let doc: toml_edit::DocumentMut = config_text.parse().map_err(|e| format!("{e}"))?;
    let mut out = toml_edit::DocumentMut::new();
    for key in ["feed", "view"] {
        if let Some(item) = doc.get(key) {
            out.insert(key, item.clone());
        }
    }
    Ok(out.to_string().trim_start().to_string())
}

/// A shared list (see `crate::lists`) from the config file's own
/// `[[feed]]` and `[[view]]` tables: with `tag`, only the feeds with that
/// tag and the views whose query names it. Settings a list cannot hold
/// (`local`, `max_articles`) are left out.
pub fn list(config_text: &str, tag: Option<&str>) -> Result<String, String> {
    let doc: toml_edit::DocumentMut = config_text.parse().map_err(|e| format!("{e}"))?;
    let mut feeds = toml_edit::ArrayOfTables::new();
    if let Some(all) = doc.get("feed").and_then(|i| i.as_array_of_tables()) {
        for t in all.iter() {
            let tagged = t.get("tags").and_then(|v| v.as_array()).is_some_and(|a| {
                a.iter().any(|v| {
                    v.as_str()
                        .zip(tag)
                        .is_some_and(|(v, t)| v.eq_ignore_ascii_case(t))
                })
            });
            if tag.is_some() && !tagged {
                continue;
            }
            let mut t = t.clone();
            t.remove("local");
            t.remove("max_articles");
            feeds.push(t);
        }
    }
    let mut views = toml_edit::ArrayOfTables::new();
    if let Some(all) = doc.get("view").and_then(|i| i.as_array_of_tables()) {
        for t in all.iter() {
            let query = t.get("query").and_then(|v| v.as_str()).unwrap_or("");
            if tag.is_none_or(|tag| names_tag(query, tag)) {
                views.push(t.clone());
            }
        }
    }
    let mut out = toml_edit::DocumentMut::new();
    if !feeds.is_empty() {
        out.insert("feed", toml_edit::Item::ArrayOfTables(feeds));
    }
    if !views.is_empty() {
        out.insert("view", toml_edit::Item::ArrayOfTables(views));
    }
    Ok(format!(
        "# A list of sources for tidings: follow it with [[list]] in the config,\n\
         # or add its feeds and views with `tidings import FILE`.\n{}",
        out.to_string().trim_start()
    ))
}

/// True when the query has the term `tag:TAG`.
fn names_tag(query: &str, tag: &str) -> bool {
    query
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter_map(|w| w.trim_start_matches('-').strip_prefix("tag:"))
        .any(|t| t.trim_matches('"').eq_ignore_ascii_case(tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn folders_categories_and_pages() {
        let c = Config::parse(
            Path::new("c.toml"),
            "[[feed]]\nname = \"A & <B>\"\nurl = \"http://a.test/?x=1&y=2\"\ntags = [\"news\", \"café\"]\n\
             [[feed]]\nname = \"Plain\"\nurl = \"http://p.test/\"\n\
             [[feed]]\nname = \"C\"\nurl = \"http://c.test/\"\ntags = [\"news\"]\n\
             [[feed]]\nname = \"Page\"\nurl = \"http://h.test/news\"\nkind = \"html\"\n\
             [feed.html]\nitem = \"article\"\ntitle = \"h2\"\n",
        )
        .unwrap();
        let xml = opml(&c).unwrap();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n    <title>tidings subscriptions</title>\n  </head>"), "{xml}");
        let doc = OPML::from_str(xml.trim_start_matches(|c| c != '\n')).unwrap();
        let top = &doc.body.outlines;
        assert_eq!(top.len(), 3);
        assert_eq!(top[0].text, "news");
        assert_eq!(top[0].outlines.len(), 2);
        let a = &top[0].outlines[0];
        assert_eq!(a.text, "A & <B>");
        assert_eq!(a.xml_url.as_deref(), Some("http://a.test/?x=1&y=2"));
        assert_eq!(a.category.as_deref(), Some("news,café"));
        assert_eq!(top[0].outlines[1].category, None);
        assert_eq!(top[1].text, "Plain");
        assert_eq!(top[2].html_url.as_deref(), Some("http://h.test/news"));
        assert_eq!(top[2].xml_url, None);
    }

    #[test]
    fn a_list_of_one_tag() {
        let text = "[[feed]]\nname = \"A\"\nurl = \"http://a.test/\"\ntags = [\"nhs\"]\nlocal = true\nmax_articles = 5\n\
                    [[feed]]\nname = \"B\"\nurl = \"http://b.test/\"\n\
                    [[view]]\nname = \"N\"\nquery = \"(tag:NHS OR x) since:7d\"\nnotify = true\n\
                    [[view]]\nname = \"O\"\nquery = \"tag:other\"\n";
        let out = list(text, Some("nhs")).unwrap();
        let d = crate::lists::parse(&out, "").unwrap();
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        assert_eq!(d.feeds.len(), 1);
        assert_eq!(d.feeds[0].name, "A");
        assert_eq!(d.views.len(), 1);
        assert!(d.views[0].notify);
        let all = crate::lists::parse(&list(text, None).unwrap(), "").unwrap();
        assert_eq!((all.feeds.len(), all.views.len()), (2, 2));
    }

    #[test]
    fn toml_keeps_feeds_views_and_rules() {
        let text = "[settings]\nconcurrency = 3\n\n# mine\n[[feed]]\nname = \"P\"\nurl = \"http://h.test/\"\nkind = \"html\"\n[feed.html]\nitem = \"article\"\n\n[keys]\nx = \"quit\"\n\n[[view]]\nname = \"V\"\nquery = \"is:unread\"\n";
        let out = toml(text).unwrap();
        assert_eq!(
            out,
            "# mine\n[[feed]]\nname = \"P\"\nurl = \"http://h.test/\"\nkind = \"html\"\n[feed.html]\nitem = \"article\"\n\n[[view]]\nname = \"V\"\nquery = \"is:unread\"\n"
        );
    }
}
