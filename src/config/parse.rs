//! Config text into a checked [`Config`]: the TOML read into raw tables
//! with their positions, then each section checked in turn, every error
//! pointing at the file, line and column it is about.

use super::keys::{parse_binding, Binding};
use super::sync::At;
use super::theme::{parse_color, ThemeConfig};
use super::{mail, sync, Config, ConfigError, FeedConfig, FeedKind, ListConfig, Settings, View};
use crate::query::{IgnoreRule, QueryError};
use crate::scrape::{ContentRule, HtmlRules, RuleError};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    settings: Settings,
    #[serde(default, rename = "feed")]
    feeds: Vec<RawFeed>,
    #[serde(default, rename = "view")]
    views: Vec<RawView>,
    #[serde(default, rename = "ignore")]
    ignore: Vec<Spanned<RawIgnore>>,
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    theme: RawTheme,
    #[serde(default)]
    sync: Option<sync::RawSync>,
    #[serde(default)]
    mail: Option<Spanned<mail::RawMail>>,
    #[serde(default, rename = "list")]
    lists: Vec<RawList>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    name: Spanned<String>,
    url: Spanned<String>,
    #[serde(default)]
    skip: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawView {
    name: Spanned<String>,
    query: Spanned<String>,
    #[serde(default)]
    notify: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    #[serde(default)]
    query: Option<Spanned<String>>,
    feed: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    accent: Option<Spanned<String>>,
    dim: Option<Spanned<String>>,
    unread: Option<Spanned<String>>,
    star: Option<Spanned<String>>,
    error: Option<Spanned<String>>,
    highlight: Option<Spanned<String>>,
    selection_fg: Option<Spanned<String>>,
    selection_bg: Option<Spanned<String>>,
    preset: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    name: Spanned<String>,
    url: Spanned<String>,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    #[serde(default)]
    kind: FeedKind,
    refresh_minutes: Option<u32>,
    max_articles: Option<u32>,
    html: Option<Spanned<HtmlRules>>,
    full_text: Option<Spanned<String>>,
    #[serde(default)]
    local: bool,
}
/// Checks config text; `path` is used in error messages.
pub(super) fn config(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text)
        .map_err(|e| ConfigError::at(path, text, e.span(), e.message().trim_end().to_string()))?;
    let at =
        |span: std::ops::Range<usize>, msg: String| ConfigError::at(path, text, Some(span), msg);
    let at: At = &at;
    check_settings(&raw.settings, path, text)?;
    let feeds = feeds(raw.feeds, text, at)?;
    let views = views(raw.views, at)?;
    let ignore = ignore_rules(raw.ignore, &feeds, at)?;
    let keys = keys(raw.keys, at)?;
    let theme = theme(raw.theme, at)?;
    let sync = raw.sync.map(|s| s.check(at)).transpose()?;
    let mail = match raw.mail {
        Some(m) => {
            let span = m.span();
            Some(m.into_inner().check(at, span)?)
        }
        None => None,
    };
    let lists = lists(raw.lists, at)?;
    Ok(Config {
        path: path.to_path_buf(),
        settings: raw.settings,
        feeds,
        views,
        ignore,
        keys,
        theme,
        sync,
        mail,
        lists,
    })
}

/// `[settings]`: each number within its range, the notify command and the
/// user agent printable. Errors point at the table.
fn check_settings(s: &Settings, path: &Path, text: &str) -> Result<(), ConfigError> {
    let setting_span = || text.find("[settings]").map(|i| i..i + 10);
    let check = |ok: bool, msg: &str| -> Result<(), ConfigError> {
        if ok {
            Ok(())
        } else {
            Err(ConfigError::at(path, text, setting_span(), msg))
        }
    };
    check(
        (1..=256).contains(&s.concurrency),
        "settings.concurrency must be between 1 and 256",
    )?;
    check(
        (1..=16).contains(&s.per_host),
        "settings.per_host must be between 1 and 16",
    )?;
    check(
        (1..=600).contains(&s.timeout_seconds),
        "settings.timeout_seconds must be between 1 and 600",
    )?;
    check(s.retries <= 10, "settings.retries must be at most 10")?;
    check(
        s.max_response_bytes >= 1024,
        "settings.max_response_bytes must be at least 1024",
    )?;
    check(
        s.notify_command.first().is_none_or(|p| {
            !p.trim().is_empty() && !p.contains('{') && !p.chars().any(char::is_control)
        }),
        "settings.notify_command must start with a program name (placeholders go in its arguments)",
    )?;
    check(
        !s.user_agent.trim().is_empty() && !s.user_agent.chars().any(char::is_control),
        "settings.user_agent must be non-empty printable text",
    )
}

/// `[[feed]]` tables: names and URLs each given once, in order.
fn feeds(raw: Vec<RawFeed>, text: &str, at: At) -> Result<Vec<FeedConfig>, ConfigError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut seen_urls: HashMap<String, String> = HashMap::new();
    let mut feeds = Vec::with_capacity(raw.len());
    for f in raw {
        let name = f.name.get_ref().trim().to_string();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(at(
                f.name.span(),
                "feed name must be non-empty printable text".into(),
            ));
        }
        if let Some(first) = seen.get(&name.to_lowercase()) {
            let line = text
                .get(..*first)
                .map_or(0, |b| b.matches('\n').count() + 1);
            return Err(at(
                f.name.span(),
                format!("duplicate feed name \"{name}\" (first used on line {line})"),
            ));
        }
        seen.insert(name.to_lowercase(), f.name.span().start);
        let url = parse_url(f.url.get_ref()).map_err(|m| at(f.url.span(), m))?;
        // A feed is known by its URL in the cache.
        if let Some(first) = seen_urls.get(url.as_str()) {
            return Err(at(
                f.url.span(),
                format!(
                    "feed \"{name}\" has the same URL as feed \"{first}\"; give each feed once"
                ),
            ));
        }
        seen_urls.insert(url.to_string(), name.clone());
        feeds.push(feed(f, name, url, text, at)?);
    }
    Ok(feeds)
}

/// One `[[feed]]` whose name and URL are checked: its tags, its
/// `[feed.html]` rules and its `full_text` rule.
fn feed(
    f: RawFeed,
    name: String,
    url: url::Url,
    text: &str,
    at: At,
) -> Result<FeedConfig, ConfigError> {
    let mut tags = Vec::new();
    for t in f.tags {
        let tag = t.get_ref().trim();
        if tag.is_empty() || tag.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(at(t.span(), format!("tag \"{tag}\" must be one word")));
        }
        if !tags.iter().any(|x: &String| x == tag) {
            tags.push(tag.to_string());
        }
    }
    let html = match &f.html {
        Some(rules) => Some(Arc::new(rules.get_ref().compile().map_err(|e| {
            let key = match &e {
                RuleError::InvalidSelector { key, .. } | RuleError::Invalid { key, .. } => key,
            };
            at(key_span(text, rules.span(), key), e.to_string())
        })?)),
        None if f.kind == FeedKind::Html => {
            return Err(at(
                f.name.span(),
                format!("feed \"{name}\" has kind = \"html\" but no [feed.html] rules"),
            ));
        }
        None => None,
    };
    let full_text = match &f.full_text {
        Some(_) if f.kind == FeedKind::Html => {
            return Err(at(
                f.name.span(),
                format!(
                    "feed \"{name}\" is an HTML page: its article text comes from \
                     content in [feed.html], not full_text"
                ),
            ));
        }
        Some(v) => Some(Arc::new(
            ContentRule::parse("full_text", v.get_ref()).map_err(|e| {
                let message = match e {
                    RuleError::InvalidSelector {
                        selector, message, ..
                    } => format!("invalid CSS selector '{selector}': {message}"),
                    RuleError::Invalid { message, .. } => message,
                };
                at(v.span(), format!("full_text: {message}"))
            })?,
        )),
        None => None,
    };
    Ok(FeedConfig {
        name,
        url,
        tags,
        kind: f.kind,
        refresh_minutes: f.refresh_minutes,
        max_articles: f.max_articles,
        html,
        full_text,
        local: f.local,
        list: None,
    })
}

/// A query error points into the query string itself (past its quote).
fn query_err(value: &Spanned<String>, e: QueryError, at: At) -> ConfigError {
    let start = value.span().start + 1 + e.span.start;
    at(start..start, format!("invalid query: {e}"))
}

/// `[[view]]` tables: named once each, with a valid query.
fn views(raw: Vec<RawView>, at: At) -> Result<Vec<View>, ConfigError> {
    let mut views: Vec<View> = Vec::new();
    for v in raw {
        let name = v.name.get_ref().trim().to_string();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(at(
                v.name.span(),
                "view name must be non-empty printable text".into(),
            ));
        }
        if views.iter().any(|x| x.name.eq_ignore_ascii_case(&name)) {
            return Err(at(v.name.span(), format!("duplicate view name \"{name}\"")));
        }
        let query =
            crate::query::parse(v.query.get_ref()).map_err(|e| query_err(&v.query, e, at))?;
        views.push(View {
            name,
            text: v.query.get_ref().clone(),
            query,
            notify: v.notify,
            list: None,
        });
    }
    Ok(views)
}

/// `[[ignore]]` rules: a query, a feed of `feeds`, or both.
fn ignore_rules(
    raw: Vec<Spanned<RawIgnore>>,
    feeds: &[FeedConfig],
    at: At,
) -> Result<Vec<IgnoreRule>, ConfigError> {
    let mut ignore = Vec::new();
    for r in raw {
        let span = r.span();
        let r = r.into_inner();
        let feed = match &r.feed {
            Some(f) => match feeds
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(f.get_ref().trim()))
            {
                Some(c) => Some(c.name.clone()),
                None => {
                    return Err(at(f.span(), format!("no feed named \"{}\"", f.get_ref())));
                }
            },
            None => None,
        };
        let text = r.query.as_ref().map_or("", |q| q.get_ref().as_str());
        if text.trim().is_empty() && feed.is_none() {
            return Err(at(
                span,
                "an [[ignore]] rule needs a query, a feed or both".into(),
            ));
        }
        let rule = IgnoreRule::parse(text, feed).map_err(|e| match &r.query {
            Some(q) => query_err(q, e, at),
            None => at(span.clone(), format!("invalid query: {e}")),
        })?;
        ignore.push(rule);
    }
    Ok(ignore)
}

/// `[keys]`: bindings in the order they are written.
fn keys(
    raw: BTreeMap<Spanned<String>, Spanned<String>>,
    at: At,
) -> Result<Vec<Binding>, ConfigError> {
    let mut entries: Vec<_> = raw.into_iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    let mut keys = Vec::with_capacity(entries.len());
    for (key, action) in entries {
        let binding = parse_binding(key.get_ref(), action.get_ref())
            .map_err(|(in_key, m)| at(if in_key { key.span() } else { action.span() }, m))?;
        keys.push(binding);
    }
    Ok(keys)
}

/// `[theme]`: colours and a preset.
fn theme(t: RawTheme, at: At) -> Result<ThemeConfig, ConfigError> {
    let color = |v: Option<Spanned<String>>| -> Result<_, ConfigError> {
        v.map(|v| parse_color(v.get_ref()).map_err(|m| at(v.span(), m)))
            .transpose()
    };
    Ok(ThemeConfig {
        accent: color(t.accent)?,
        dim: color(t.dim)?,
        unread: color(t.unread)?,
        star: color(t.star)?,
        error: color(t.error)?,
        highlight: color(t.highlight)?,
        selection_fg: color(t.selection_fg)?,
        selection_bg: color(t.selection_bg)?,
        high_contrast: match t.preset {
            None => false,
            Some(p) => match p.get_ref().as_str() {
                "default" => false,
                "high-contrast" => true,
                other => {
                    return Err(at(
                        p.span(),
                        format!(
                        "\"{other}\" is not a theme preset: use \"default\" or \"high-contrast\""
                    ),
                    ))
                }
            },
        },
    })
}

/// `[[list]]` tables: named once each, each address once.
fn lists(raw: Vec<RawList>, at: At) -> Result<Vec<ListConfig>, ConfigError> {
    let mut lists: Vec<ListConfig> = Vec::new();
    for l in raw {
        let name = l.name.get_ref().trim().to_string();
        if name.is_empty() || name.chars().any(crate::sanitize::is_hidden) {
            return Err(at(
                l.name.span(),
                "list name must be non-empty printable text".into(),
            ));
        }
        if lists.iter().any(|x| x.name.eq_ignore_ascii_case(&name)) {
            return Err(at(l.name.span(), format!("duplicate list name \"{name}\"")));
        }
        let url = parse_list_url(l.url.get_ref()).map_err(|m| at(l.url.span(), m))?;
        if lists.iter().any(|x| x.url == url) {
            return Err(at(l.url.span(), format!("list {url} is given twice")));
        }
        lists.push(ListConfig {
            name,
            url,
            skip: l.skip,
        });
    }
    Ok(lists)
}

/// Where `key = ...` is written inside a table's span, else the table.
fn key_span(text: &str, table: std::ops::Range<usize>, key: &str) -> std::ops::Range<usize> {
    let body = text.get(table.clone()).unwrap_or("");
    body.lines()
        .scan(table.start, |offset, line| {
            let start = *offset;
            *offset += line.len() + 1;
            Some((start, line))
        })
        .find(|(_, line)| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|(start, line)| {
            let value = line.find('=').map_or(0, |i| i + 1);
            let skip = line[value..].len() - line[value..].trim_start().len();
            let at = start + value + skip;
            at..at
        })
        .unwrap_or(table)
}

/// A list's address: http(s), or a file:// path.
fn parse_list_url(s: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(s.trim()).map_err(|e| format!("invalid URL \"{s}\": {e}"))?;
    match url.scheme() {
        "file" if url.to_file_path().is_ok() => Ok(url),
        "file" => Err(format!("invalid URL \"{s}\": not a local file path")),
        "http" | "https" => parse_url(s),
        other => Err(format!(
            "invalid URL \"{s}\": scheme \"{other}\" is not supported (use http, https or file)"
        )),
    }
}

pub(crate) fn parse_url(s: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(s.trim()).map_err(|e| format!("invalid URL \"{s}\": {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err(format!("invalid URL \"{s}\": no host")),
        other => Err(format!(
            "invalid URL \"{s}\": scheme \"{other}\" is not supported (use http or https)"
        )),
    }
}
