//! Writing a [`Plan`] as TOML: appended to the config file with its
//! comments and layout kept, or alone for `--dry-run`.

use super::{ImportError, Plan};
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table};

/// The plan's feeds and views as TOML on their own.
pub fn render(plan: &Plan, heading: &str) -> Result<String, ImportError> {
    let mut doc = DocumentMut::new();
    add(&mut doc, plan, heading)?;
    Ok(doc.to_string().trim_start().to_string())
}

/// `config` (the text of a config file) with the plan's feeds and views
/// added after those already there; everything else is left as it was.
pub fn append(config: &str, plan: &Plan, heading: &str) -> Result<String, ImportError> {
    let mut doc: DocumentMut = config
        .parse()
        .map_err(|e: toml_edit::TomlError| ImportError::Config(e.to_string()))?;
    add(&mut doc, plan, heading)?;
    Ok(doc.to_string())
}

fn add(doc: &mut DocumentMut, plan: &Plan, heading: &str) -> Result<(), ImportError> {
    if !plan.feeds.is_empty() {
        let feeds = tables(doc, "feed")?;
        for (i, f) in plan.feeds.iter().enumerate() {
            let mut t = Table::new();
            t.insert("name", toml_edit::value(&f.name));
            t.insert("url", toml_edit::value(&f.url));
            if !f.tags.is_empty() {
                t.insert("tags", toml_edit::value(Array::from_iter(&f.tags)));
            }
            if !f.extra.is_empty() {
                let extra: DocumentMut = toml::to_string(&f.extra)
                    .map_err(|e| ImportError::Config(e.to_string()))?
                    .parse()
                    .map_err(|e: toml_edit::TomlError| ImportError::Config(e.to_string()))?;
                for (key, item) in extra.iter() {
                    t.insert(key, item.clone());
                }
            }
            let mut prefix = String::from("\n");
            if i == 0 {
                prefix.push_str(&format!("# {heading}\n"));
            }
            if let Some(note) = &f.note {
                prefix.push_str(&format!("# {note}\n"));
            }
            t.decor_mut().set_prefix(prefix);
            feeds.push(t);
        }
    }
    if !plan.views.is_empty() {
        let views = tables(doc, "view")?;
        for (i, v) in plan.views.iter().enumerate() {
            let mut t = Table::new();
            t.insert("name", toml_edit::value(&v.name));
            t.insert("query", toml_edit::value(&v.query));
            if v.notify {
                t.insert("notify", toml_edit::value(true));
            }
            let prefix = if i == 0 && plan.feeds.is_empty() {
                format!("\n# {heading}\n")
            } else {
                "\n".into()
            };
            t.decor_mut().set_prefix(prefix);
            views.push(t);
        }
    }
    Ok(())
}

/// The `[[key]]` array of tables, created if missing.
fn tables<'a>(doc: &'a mut DocumentMut, key: &str) -> Result<&'a mut ArrayOfTables, ImportError> {
    let item = doc
        .entry(key)
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    item.as_array_of_tables_mut().ok_or_else(|| {
        ImportError::Config(format!(
            "`{key}` is not written as [[{key}]] tables; cannot add to it"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{NewFeed, ViewEntry};

    fn plan() -> Plan {
        Plan {
            feeds: vec![
                NewFeed {
                    name: "Café \"news\"".into(),
                    url: "https://cafe.test/feed".into(),
                    tags: vec!["food".into(), "Actualités".into()],
                    note: None,
                    extra: toml::Table::new(),
                },
                NewFeed {
                    name: "Page".into(),
                    url: "https://page.test/".into(),
                    tags: vec![],
                    note: Some("a web page".into()),
                    extra: toml::Table::new(),
                },
            ],
            views: vec![ViewEntry {
                name: "Unread".into(),
                query: "is:unread tag:\"food\"".into(),
                notify: false,
            }],
            ..Plan::default()
        }
    }

    #[test]
    fn appends_keeping_the_file() {
        let original = crate::config::EXAMPLE;
        let out = append(original, &plan(), "Imported from subs.opml").unwrap();
        // Every original line is still there, in order.
        let mut lines = out.lines();
        for line in original.lines() {
            assert!(lines.any(|l| l == line), "lost: {line}\n{out}");
        }
        let c = crate::config::Config::parse(std::path::Path::new("c.toml"), &out).unwrap();
        let n = c.feeds.len();
        assert_eq!(c.feeds[n - 2].name, "Café \"news\"");
        assert_eq!(c.feeds[n - 2].tags, ["food", "Actualités"]);
        assert_eq!(c.feeds[n - 1].url.as_str(), "https://page.test/");
        assert_eq!(
            c.views.last().map(|v| v.text.as_str()),
            Some("is:unread tag:\"food\"")
        );
        assert!(out.contains("\n# Imported from subs.opml\n[[feed]]\nname = 'Café \"news\"'\n"));
        assert!(out.contains("# a web page\n[[feed]]\nname = \"Page\""));
    }

    #[test]
    fn renders_alone_and_into_an_empty_file() {
        let text = render(&plan(), "Imported").unwrap();
        assert!(text.starts_with("# Imported\n[[feed]]\n"), "{text}");
        let c = crate::config::Config::parse(std::path::Path::new("c.toml"), &text).unwrap();
        assert_eq!((c.feeds.len(), c.views.len()), (2, 1));
        assert_eq!(append("", &plan(), "Imported").unwrap().trim_start(), text);
        let e = append("feed = []\n", &plan(), "x").unwrap_err();
        assert!(e.to_string().contains("not written as [[feed]]"), "{e}");
    }
}
