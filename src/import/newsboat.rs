//! newsboat's `urls` file: one feed per line, `URL tag "tag two"
//! "~Custom title" "!hidden"`, plus `"query:Name:filter"` lines.

use super::{clean_text, filter, push_tag, tag_from, Entry, Skipped, Source, ViewEntry};

/// Reads a `urls` file. Every line is either taken or reported.
pub fn read(text: &str) -> Source {
    let mut source = Source::default();
    for line in text.trim_start_matches('\u{feff}').lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let tokens = tokenize(line);
        let Some((url, rest)) = tokens.split_first() else {
            continue;
        };
        if let Some(query) = url.strip_prefix("query:") {
            read_query(query, &mut source);
        } else if url.starts_with("exec:") {
            source.skipped.push(Skipped {
                what: url.clone(),
                reason: "exec: runs a command to make the feed; tidings only fetches \
                         http and https addresses"
                    .into(),
            });
        } else if let Some(spec) = url.strip_prefix("filter:") {
            let inner = spec.split_once(':').map_or("", |(_, u)| u);
            source.skipped.push(Skipped {
                what: url.clone(),
                reason: format!(
                    "filter: passes the feed through a script, which tidings does not run; \
                     add {inner} itself if it reads well without it"
                ),
            });
        } else {
            source.feeds.push(feed(url, rest));
        }
    }
    source
}

fn feed(url: &str, rest: &[String]) -> Entry {
    let mut title = None;
    let mut tags = Vec::new();
    let mut hidden = false;
    for token in rest {
        if let Some(t) = token.strip_prefix('~') {
            title = Some(clean_text(t)).filter(|t| !t.is_empty());
        } else if let Some(t) = token.strip_prefix('!') {
            hidden = true;
            push_tag(&mut tags, tag_from(t).unwrap_or_else(|| "hidden".into()));
        } else if let Some(t) = tag_from(token) {
            push_tag(&mut tags, t);
        }
    }
    Entry {
        title,
        url: url.to_string(),
        tags,
        note: hidden.then(|| {
            "hidden in newsboat; tidings shows every feed, so it keeps the tag instead".into()
        }),
        extra: toml::Table::new(),
    }
}

fn read_query(spec: &str, source: &mut Source) {
    let Some((name, expr)) = spec.split_once(':') else {
        source.untranslated.push(Skipped {
            what: format!("query:{spec}"),
            reason: "expected query:NAME:FILTER".into(),
        });
        return;
    };
    let name = clean_text(name);
    let name = if name.is_empty() {
        "Imported query".to_string()
    } else {
        name
    };
    match filter::translate(expr) {
        Ok(query) => source.views.push(ViewEntry {
            name,
            query,
            notify: false,
        }),
        Err(reason) => source.untranslated.push(Skipped {
            what: format!("\"{name}\": {}", expr.trim()),
            reason,
        }),
    }
}

/// Splits a line into words; double quotes group words, with `\"` and `\\`
/// escapes inside them.
pub(crate) fn tokenize(line: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else {
            break;
        };
        let mut token = String::new();
        if first == '"' {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => {
                        if let Some(n) = chars.next() {
                            token.push(n);
                        }
                    }
                    c => token.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                token.push(c);
            }
        }
        tokens.push(token);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(
            tokenize(r#"  http://a.test/ x "two words" "~A \"b\" \\c"  "#),
            ["http://a.test/", "x", "two words", r#"~A "b" \c"#]
        );
        assert_eq!(tokenize(r#""unclosed"#), ["unclosed"]);
        assert!(tokenize("   ").is_empty());
    }

    #[test]
    fn every_form() {
        let s = read(
            "# comment\n\nhttp://a.test/ nhs \"~Title A\" \"two words\" \"!\"\n\
             \"query:Unread:unread = \\\"yes\\\"\" tag\n\
             \"query:Odd:rssurl =~ \\\"x\\\"\"\n\
             exec:~/bin/x\nfilter:~/f.sh:http://b.test/feed\n",
        );
        assert_eq!(s.feeds.len(), 1);
        let a = &s.feeds[0];
        assert_eq!(a.title.as_deref(), Some("Title A"));
        assert_eq!(a.tags, ["nhs", "two-words", "hidden"]);
        assert!(a.note.is_some());
        assert_eq!(
            s.views,
            [ViewEntry {
                name: "Unread".into(),
                query: "is:unread".into(),
                notify: false,
            }]
        );
        assert_eq!(s.untranslated.len(), 1);
        assert!(s.untranslated[0].what.starts_with("\"Odd\": rssurl"));
        assert_eq!(s.skipped.len(), 2);
        assert!(s.skipped[1]
            .reason
            .contains("add http://b.test/feed itself"));
    }
}
