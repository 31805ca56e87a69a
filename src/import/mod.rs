//! Subscriptions from other readers: OPML files and newsboat `urls` files
//! are read into a [`Source`], checked against the current config into a
//! [`Plan`], and appended to the config file with its layout kept.

mod append;
mod filter;
mod newsboat;
pub mod newsboat_cache;
mod opml;

pub use append::{append, render};
pub use filter::translate as translate_filter;

use crate::config::Config;
use std::collections::HashSet;

/// Why a file cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("cannot update the config: {0}")]
    Config(String),
}

/// Which kind of file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Opml,
    Newsboat,
    /// A tidings list: the config's [[feed]] and [[view]] tables.
    List,
}

impl Format {
    /// An XML document is OPML; anything else is read as a newsboat `urls` file.
    pub fn detect(text: &str) -> Format {
        if text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('<')
        {
            Format::Opml
        } else if text
            .lines()
            .any(|l| matches!(l.trim(), "[[feed]]" | "[[view]]"))
        {
            Format::List
        } else {
            Format::Newsboat
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Opml => "OPML",
            Format::Newsboat => "newsboat urls",
            Format::List => "tidings list",
        }
    }
}

/// One subscription as the other reader had it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub title: Option<String>,
    pub url: String,
    pub tags: Vec<String>,
    /// Something the user should know about this entry.
    pub note: Option<String>,
    /// Further settings (kind, HTML rules, full_text, refresh_minutes),
    /// from a tidings list.
    pub extra: toml::Table,
}

/// A saved search translated into the filter language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewEntry {
    pub name: String,
    pub query: String,
    pub notify: bool,
}

/// Something left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub what: String,
    pub reason: String,
}

/// What a file holds.
#[derive(Debug, Default)]
pub struct Source {
    pub feeds: Vec<Entry>,
    pub views: Vec<ViewEntry>,
    pub skipped: Vec<Skipped>,
    /// Saved searches that have no equivalent in the filter language.
    pub untranslated: Vec<Skipped>,
}

/// Reads a file's text; `path` is used in error messages.
pub fn read(path: &str, text: &str) -> Result<(Format, Source), ImportError> {
    let format = Format::detect(text);
    let source = match format {
        Format::Opml => opml::read(path, text)?,
        Format::Newsboat => newsboat::read(text),
        Format::List => list(path, text)?,
    };
    Ok((format, source))
}

/// A tidings list (`tidings export --list`), read as a shared list is:
/// whatever a list may not hold is left out.
fn list(path: &str, text: &str) -> Result<Source, ImportError> {
    let doc = crate::lists::parse(text, "").map_err(|message| ImportError::Invalid {
        path: path.to_string(),
        message,
    })?;
    let mut source = Source::default();
    for w in doc.warnings {
        source.skipped.push(Skipped {
            what: path.to_string(),
            reason: w,
        });
    }
    for (f, extra) in doc.feeds.into_iter().zip(doc.extra) {
        source.feeds.push(Entry {
            title: Some(f.name),
            url: f.url.to_string(),
            tags: f.tags,
            note: None,
            extra,
        });
    }
    for v in doc.views {
        source.views.push(ViewEntry {
            name: v.name,
            query: v.text,
            notify: v.notify,
        });
    }
    Ok(source)
}

/// A feed to add to the config.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFeed {
    pub name: String,
    pub url: String,
    pub tags: Vec<String>,
    pub note: Option<String>,
    /// Further settings, written as they came.
    pub extra: toml::Table,
}

/// What an import will change.
#[derive(Debug, Default)]
pub struct Plan {
    pub feeds: Vec<NewFeed>,
    pub views: Vec<ViewEntry>,
    pub skipped: Vec<Skipped>,
    pub untranslated: Vec<Skipped>,
}

/// Decides what to add: invalid addresses and feeds already in the config
/// (by URL) are skipped, duplicates within the file are merged, and names
/// are made unique.
pub fn plan(source: Source, config: Option<&Config>) -> Plan {
    let mut plan = Plan {
        skipped: source.skipped,
        untranslated: source.untranslated,
        ..Plan::default()
    };
    let mut names: HashSet<String> = HashSet::new();
    let mut existing: Vec<(url::Url, String)> = Vec::new();
    let mut view_names: HashSet<String> = HashSet::new();
    let mut view_queries: Vec<(String, String)> = Vec::new();
    if let Some(c) = config {
        for f in &c.feeds {
            names.insert(f.name.to_lowercase());
            existing.push((f.url.clone(), f.name.clone()));
        }
        for v in &c.views {
            view_names.insert(v.name.to_lowercase());
            view_queries.push((v.text.trim().to_string(), v.name.clone()));
        }
    }
    let mut added: Vec<url::Url> = Vec::new();
    for e in source.feeds {
        let url = match crate::config::parse_url(&e.url) {
            Ok(u) => u,
            Err(reason) => {
                plan.skipped.push(Skipped {
                    what: e.title.unwrap_or_else(|| e.url.clone()),
                    reason,
                });
                continue;
            }
        };
        if let Some((_, name)) = existing.iter().find(|(u, _)| *u == url) {
            plan.skipped.push(Skipped {
                what: e.url,
                reason: format!("already in the config as \"{name}\""),
            });
            continue;
        }
        if let Some(i) = added.iter().position(|u| *u == url) {
            let feed = &mut plan.feeds[i];
            let mut merged = false;
            for t in e.tags {
                if !feed.tags.contains(&t) {
                    feed.tags.push(t);
                    merged = true;
                }
            }
            plan.skipped.push(Skipped {
                what: e.url,
                reason: format!(
                    "listed again in the file{}",
                    if merged {
                        format!("; its tags were added to \"{}\"", feed.name)
                    } else {
                        String::new()
                    }
                ),
            });
            continue;
        }
        let base = e
            .title
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| name_from_url(&url));
        let name = unique(&base, &mut names);
        added.push(url.clone());
        plan.feeds.push(NewFeed {
            name,
            url: url.to_string(),
            tags: e.tags,
            note: e.note,
            extra: e.extra,
        });
    }
    for v in source.views {
        if let Some((_, name)) = view_queries.iter().find(|(q, _)| *q == v.query) {
            plan.skipped.push(Skipped {
                what: format!("view \"{}\"", v.name),
                reason: format!("already in the config as view \"{name}\""),
            });
            continue;
        }
        let name = unique(&v.name, &mut view_names);
        view_queries.push((v.query.clone(), name.clone()));
        plan.views.push(ViewEntry { name, ..v });
    }
    plan
}

/// `base`, else `base (2)`, `base (3)`...: the first not yet in `taken`
/// (case-insensitively), which it is then added to.
fn unique(base: &str, taken: &mut HashSet<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while taken.contains(&name.to_lowercase()) {
        name = format!("{base} ({n})");
        n += 1;
    }
    taken.insert(name.to_lowercase());
    name
}

/// A name for a feed that has no title: its host, without `www.`.
fn name_from_url(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("feed");
    host.strip_prefix("www.").unwrap_or(host).to_string()
}

/// Printable text on one line: control characters dropped, runs of white
/// space made one space.
pub(crate) fn clean_text(s: &str) -> String {
    s.split_whitespace()
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A folder or tag name as one tag word: spaces, `,` and `/` (which
/// separate tags in OPML categories) become `-`.
pub(crate) fn tag_from(s: &str) -> Option<String> {
    let t = clean_text(s)
        .split([' ', ',', '/'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    (!t.is_empty()).then_some(t)
}

/// Adds `tag` unless present.
pub(crate) fn push_tag(tags: &mut Vec<String>, tag: String) {
    if !tags.contains(&tag) {
        tags.push(tag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(title: Option<&str>, url: &str, tags: &[&str]) -> Entry {
        Entry {
            title: title.map(str::to_string),
            url: url.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            note: None,
            extra: toml::Table::new(),
        }
    }

    #[test]
    fn detects_format() {
        assert_eq!(Format::detect("\u{feff}  <?xml?><opml/>"), Format::Opml);
        assert_eq!(Format::detect("# urls\nhttp://a.test/"), Format::Newsboat);
        assert_eq!(Format::detect(""), Format::Newsboat);
    }

    #[test]
    fn plan_skips_merges_and_names() {
        let config = Config::parse(
            std::path::Path::new("c.toml"),
            "[[feed]]\nname = \"a.test\"\nurl = \"http://a.test/feed\"\n\
             [[view]]\nname = \"Unread\"\nquery = \"is:unread\"\n",
        )
        .unwrap();
        let source = Source {
            feeds: vec![
                entry(None, "http://A.test/feed", &[]),
                entry(None, "http://a.test/other", &["x"]),
                entry(Some("B"), "https://b.test/", &["x"]),
                entry(Some("B again"), "https://b.test", &["y", "x"]),
                entry(Some("Bad"), "ftp://c.test/", &[]),
                entry(Some("b"), "https://b2.test/", &[]),
            ],
            views: vec![
                ViewEntry {
                    name: "unread".into(),
                    query: "is:unread since:7d".into(),
                    notify: false,
                },
                ViewEntry {
                    name: "New".into(),
                    query: "is:unread".into(),
                    notify: false,
                },
            ],
            ..Source::default()
        };
        let p = plan(source, Some(&config));
        let names: Vec<_> = p.feeds.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a.test (2)", "B", "b (2)"]);
        assert_eq!(p.feeds[1].tags, ["x", "y"]);
        assert_eq!(p.views.len(), 1);
        assert_eq!(p.views[0].name, "unread (2)");
        let reasons: Vec<_> = p.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(reasons[0].contains("already in the config as \"a.test\""));
        assert!(reasons[1].contains("listed again") && reasons[1].contains("\"B\""));
        assert!(reasons[2].contains("scheme \"ftp\""));
        assert!(reasons[3].contains("already in the config as view \"Unread\""));
    }

    #[test]
    fn tags_are_one_word() {
        assert_eq!(tag_from("  Health &  Care\t"), Some("Health-&-Care".into()));
        assert_eq!(tag_from(" \u{7} "), None);
        assert_eq!(tag_from("News, views/more"), Some("News-views-more".into()));
        assert_eq!(clean_text("a\n b\u{0}c"), "a bc");
    }
}
