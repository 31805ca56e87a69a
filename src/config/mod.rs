//! The TOML configuration: settings and feeds, checked when loaded.

pub mod action;
mod error;
pub mod keys;
mod mail;
mod sync;
pub mod theme;

pub use error::{ConfigError, Located};
pub use mail::{
    host_is_loopback, Login, MailConfig, MailTransport, SmtpConfig, TlsMode, MAIL_PASSWORD_ENV,
};
pub use sync::{is_loopback, PasswordSource, SyncConfig, SyncKind};

use keys::{parse_binding, Binding};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use theme::{parse_color, ThemeConfig};
use toml::Spanned;

use crate::query::{IgnoreRule, Query, QueryError, SqlOptions};
use crate::scrape::{CompiledRules, ContentRule, HtmlRules, RuleError};
use std::sync::Arc;

/// The commented example shipped with tidings, written on first run.
pub const EXAMPLE: &str = include_str!("../../config/tidings.toml");

pub const DEFAULT_USER_AGENT: &str = concat!(
    "tidings/",
    env!("CARGO_PKG_VERSION"),
    " (terminal news reader; polite: conditional requests, at most 2 per host)"
);

#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub settings: Settings,
    pub feeds: Vec<FeedConfig>,
    /// Saved views, in config order.
    pub views: Vec<View>,
    /// Articles matching these are hidden everywhere (unless `is:ignored`).
    pub ignore: Vec<IgnoreRule>,
    /// `[keys]` overrides, in file order.
    pub keys: Vec<Binding>,
    pub theme: ThemeConfig,
    /// `[sync]`: the feed server whose subscriptions and read state are kept
    /// in step with this cache.
    pub sync: Option<SyncConfig>,
    /// `[mail]`: how bulletins are sent by e-mail.
    pub mail: Option<MailConfig>,
    /// `[[list]]`: shared lists of sources this reader follows.
    pub lists: Vec<ListConfig>,
}

/// A shared list of sources (`[[list]]`): its feeds and views join the
/// config's, tagged with its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListConfig {
    pub name: String,
    /// http(s) or file://.
    pub url: url::Url,
    /// Listed feeds (by URL or name) and views (by name) turned off here.
    pub skip: Vec<String>,
}

impl ListConfig {
    /// True when `skip` names this URL or name.
    pub fn skips(&self, url: Option<&url::Url>, name: &str) -> bool {
        self.skip.iter().any(|s| {
            s.trim().eq_ignore_ascii_case(name.trim())
                || url.is_some_and(|u| parse_url(s).is_ok_and(|s| s == *u))
        })
    }
}

/// A saved query with a name, shown in the sidebar and usable with
/// `tidings list --view NAME`.
#[derive(Debug, Clone)]
pub struct View {
    pub name: String,
    pub text: String,
    pub query: Query,
    /// New articles matching it alert (once each).
    pub notify: bool,
    /// The shared list it comes from, if any.
    pub list: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Feeds fetched at once.
    pub concurrency: usize,
    /// Requests in flight to one host.
    pub per_host: usize,
    /// Whole-request timeout, in seconds.
    pub timeout_seconds: u64,
    /// Extra attempts after a timeout, a 5xx or a 429.
    pub retries: u32,
    pub user_agent: String,
    /// Largest response accepted, in bytes.
    pub max_response_bytes: u64,
    /// Articles kept per feed (starred ones are always kept). 0 = no limit.
    pub max_articles_per_feed: u32,
    /// Articles older than this are purged (starred ones are kept). 0 = keep.
    pub max_age_days: u32,
    /// Refresh all feeds when the interface opens.
    pub refresh_on_start: bool,
    /// Refresh interval while the interface is open, in minutes. 0 = off.
    pub refresh_minutes: u32,
    /// Program and arguments run for each alert, without a shell; `{view}`,
    /// `{title}`, `{feed}` and `{link}` in the arguments are filled in.
    pub notify_command: Vec<String>,
    /// Alerts in the interface also send a terminal notification (OSC 9).
    pub notify_terminal: bool,
    /// Group copies of one announcement from several sources into a story.
    pub group_stories: bool,
    /// The interface's screen-reader mode (also `--screen-reader`).
    pub screen_reader: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            concurrency: 8,
            per_host: 2,
            timeout_seconds: 30,
            retries: 2,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            max_response_bytes: 10 * 1024 * 1024,
            max_articles_per_feed: 1000,
            max_age_days: 0,
            refresh_on_start: true,
            refresh_minutes: 30,
            notify_command: Vec::new(),
            notify_terminal: false,
            group_stories: true,
            screen_reader: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FeedKind {
    /// Sniff the document: a feed, or an HTML page.
    #[default]
    Auto,
    /// RSS, Atom or JSON Feed.
    Feed,
    /// An HTML page read with scraping rules.
    Html,
}

#[derive(Debug, Clone)]
pub struct FeedConfig {
    pub name: String,
    pub url: url::Url,
    pub tags: Vec<String>,
    pub kind: FeedKind,
    /// Minimum minutes between fetches of this feed.
    pub refresh_minutes: Option<u32>,
    /// Overrides `max_articles_per_feed`.
    pub max_articles: Option<u32>,
    /// Scraping rules for HTML news pages (`[feed.html]`), checked at load.
    pub html: Option<Arc<CompiledRules>>,
    /// Read each new entry's own page for its whole text (`full_text`).
    pub full_text: Option<Arc<ContentRule>>,
    /// Fetched by tidings itself even when the sync server has the same feed.
    pub local: bool,
    /// The shared list it comes from, if any: it is then fetched from its
    /// own host only (no article pages or advertised feeds elsewhere).
    pub list: Option<String>,
}

impl FeedConfig {
    /// A feed with these tags and every other setting at its default.
    pub fn new(name: &str, url: url::Url, tags: &[&str]) -> FeedConfig {
        FeedConfig {
            name: name.to_string(),
            url,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            kind: FeedKind::Auto,
            refresh_minutes: None,
            max_articles: None,
            html: None,
            full_text: None,
            local: false,
            list: None,
        }
    }
}

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

impl Config {
    /// Reads and checks the config at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(path, &text)
    }

    /// Checks config text; `path` is used in error messages.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            ConfigError::at(path, text, e.span(), e.message().trim_end().to_string())
        })?;
        let at = |span: std::ops::Range<usize>, msg: String| {
            ConfigError::at(path, text, Some(span), msg)
        };

        let s = &raw.settings;
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
        )?;

        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut seen_urls: HashMap<String, String> = HashMap::new();
        let mut feeds = Vec::with_capacity(raw.feeds.len());
        for f in raw.feeds {
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
                        RuleError::InvalidSelector { key, .. } | RuleError::Invalid { key, .. } => {
                            key
                        }
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
            feeds.push(FeedConfig {
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
            });
        }
        // A query error points into the query string itself (past its quote).
        let query_err = |value: &Spanned<String>, e: QueryError| {
            let start = value.span().start + 1 + e.span.start;
            at(start..start, format!("invalid query: {e}"))
        };
        let mut views: Vec<View> = Vec::new();
        for v in raw.views {
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
                crate::query::parse(v.query.get_ref()).map_err(|e| query_err(&v.query, e))?;
            views.push(View {
                name,
                text: v.query.get_ref().clone(),
                query,
                notify: v.notify,
                list: None,
            });
        }
        let mut ignore = Vec::new();
        for r in raw.ignore {
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
                Some(q) => query_err(q, e),
                None => at(span.clone(), format!("invalid query: {e}")),
            })?;
            ignore.push(rule);
        }
        let mut entries: Vec<_> = raw.keys.into_iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        let mut keys = Vec::with_capacity(entries.len());
        for (key, action) in entries {
            let binding = parse_binding(key.get_ref(), action.get_ref())
                .map_err(|(in_key, m)| at(if in_key { key.span() } else { action.span() }, m))?;
            keys.push(binding);
        }
        let color = |v: Option<Spanned<String>>| -> Result<_, ConfigError> {
            v.map(|v| parse_color(v.get_ref()).map_err(|m| at(v.span(), m)))
                .transpose()
        };
        let t = raw.theme;
        let theme = ThemeConfig {
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
        };
        let sync = raw.sync.map(|s| s.check(&at)).transpose()?;
        let mail = match raw.mail {
            Some(m) => {
                let span = m.span();
                Some(m.into_inner().check(&at, span)?)
            }
            None => None,
        };
        let mut lists: Vec<ListConfig> = Vec::new();
        for l in raw.lists {
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

    /// How queries are compiled for this user: ignore rules, local days.
    pub fn sql_options(&self) -> SqlOptions {
        use chrono::Offset;
        SqlOptions {
            ignore: self.ignore.clone(),
            utc_offset: chrono::Local::now().offset().fix(),
            stories: self.settings.group_stories,
        }
    }

    pub fn view(&self, name: &str) -> Option<&View> {
        self.views
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(name))
    }

    /// Loads `path`; when it is the default location and missing, writes the
    /// example there first. Returns the config and whether it was just created.
    pub fn load_or_create(path: &Path, is_default: bool) -> Result<(Config, bool), ConfigError> {
        if is_default && !path.exists() {
            let write_err = |source| ConfigError::Write {
                path: path.to_path_buf(),
                source,
            };
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(write_err)?;
            }
            std::fs::write(path, EXAMPLE).map_err(write_err)?;
            return Ok((Config::load(path)?, true));
        }
        Ok((Config::load(path)?, false))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("t.toml"), text)
    }

    fn err(text: &str) -> String {
        match parse(text) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn example_config_is_valid() {
        let c = parse(EXAMPLE).expect("example parses");
        assert!(c.feeds.len() >= 5);
        assert_eq!(c.settings.concurrency, 8);
    }

    #[test]
    fn defaults_apply() {
        let c = parse("[[feed]]\nname = \"a\"\nurl = \"http://x.test/f\"\n").unwrap();
        assert_eq!(c.settings.per_host, 2);
        assert_eq!(c.settings.max_response_bytes, 10 * 1024 * 1024);
        assert_eq!(c.feeds[0].kind, FeedKind::Auto);
    }

    #[test]
    fn unknown_key_names_key_line_and_column() {
        let e = err("[settings]\nconcurency = 3\n");
        assert!(
            e.starts_with("t.toml:2:1: unknown field `concurency`"),
            "{e}"
        );
    }

    #[test]
    fn unknown_feed_key() {
        let e = err("[[feed]]\nname = \"a\"\nurl = \"http://x.test/\"\ntitle = \"x\"\n");
        assert!(
            e.contains("t.toml:4:1") && e.contains("unknown field `title`"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type() {
        let e = err("[settings]\nconcurrency = \"eight\"\n");
        assert!(
            e.starts_with("t.toml:2:15:") && e.contains("invalid type"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_names() {
        let e = err("[[feed]]\nname = \"A\"\nurl = \"http://x.test/1\"\n[[feed]]\nname = \"a\"\nurl = \"http://x.test/2\"\n");
        assert!(
            e.starts_with("t.toml:5:8: duplicate feed name \"a\" (first used on line 2)"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_urls() {
        let e = err("[[feed]]\nname = \"A\"\nurl = \"http://x.test\"\n[[feed]]\nname = \"B\"\nurl = \"http://x.test/\"\n");
        assert!(
            e.starts_with("t.toml:6:7: feed \"B\" has the same URL as feed \"A\""),
            "{e}"
        );
    }

    #[test]
    fn invalid_urls() {
        let e = err("[[feed]]\nname = \"a\"\nurl = \"not a url\"\n");
        assert!(e.starts_with("t.toml:3:7: invalid URL"), "{e}");
        let e = err("[[feed]]\nname = \"a\"\nurl = \"file:///etc/passwd\"\n");
        assert!(e.contains("scheme \"file\" is not supported"), "{e}");
    }

    #[test]
    fn bad_kind_and_ranges() {
        let e = err("[[feed]]\nname = \"a\"\nurl = \"http://x.test/\"\nkind = \"gopher\"\n");
        assert!(
            e.contains("t.toml:4:8") && e.contains("unknown variant `gopher`"),
            "{e}"
        );
        let e = err("[settings]\nconcurrency = 0\n");
        assert!(e.contains("concurrency must be between"), "{e}");
    }

    #[test]
    fn syntax_error_position() {
        let e = err("[[feed]]\nname = \"a\nurl = 1\n");
        assert!(e.starts_with("t.toml:2:"), "{e}");
    }

    #[test]
    fn views_and_ignore_rules() {
        let c = parse(
            "[[feed]]\nname = \"A\"\nurl = \"http://x.test/\"\n\
             [[view]]\nname = \"NHS this week\"\nquery = \"tag:nhs since:7d\"\n\
             [[ignore]]\nquery = \"webinar\"\nfeed = \"a\"\n",
        )
        .unwrap();
        assert_eq!(c.views[0].name, "NHS this week");
        assert!(c.view("nhs THIS week").is_some());
        assert_eq!(c.ignore[0].feed.as_deref(), Some("A"));
        let e = err("[[view]]\nname = \"v\"\nquery = \"tag:nhs (unclosed\"\n");
        assert!(
            e.starts_with("t.toml:3:18: invalid query: unclosed parenthesis"),
            "{e}"
        );
        let e = err("[[ignore]]\nfeed = \"nope\"\n");
        assert!(e.starts_with("t.toml:2:8: no feed named"), "{e}");
        let e = err("[[ignore]]\nquery = \"is:ignored\"\n");
        assert!(e.contains("invalid query: is:ignored cannot"), "{e}");
        let e =
            err("[[view]]\nname = \"v\"\nquery = \"a\"\n[[view]]\nname = \"V\"\nquery = \"b\"\n");
        assert!(e.contains("duplicate view name"), "{e}");
    }

    #[test]
    fn html_rules_are_checked() {
        let base = "[[feed]]\nname = \"a\"\nurl = \"http://x.test/\"\nkind = \"html\"\n";
        let c = parse(&format!(
            "{base}[feed.html]\nitem = \"article\"\ntitle = \"h2\"\n"
        ))
        .unwrap();
        assert!(c.feeds[0].html.is_some());
        let e = err(&format!(
            "{base}[feed.html]\nitem = \"article\"\ntitle = \"h2[\"\n"
        ));
        assert!(
            e.starts_with("t.toml:7:9: html.title: invalid CSS selector 'h2['"),
            "{e}"
        );
        let e = err(&format!(
            "{base}[feed.html]\nitem = \"article\"\ntitel = \"h2\"\n"
        ));
        assert!(e.starts_with("t.toml:7:1: unknown field `titel`"), "{e}");
        let e = err(base);
        assert!(
            e.contains("has kind = \"html\" but no [feed.html] rules"),
            "{e}"
        );
    }

    #[test]
    fn keys_and_theme() {
        let c = parse("[keys]\nx = \"quit\"\n\"ctrl-n\" = \"move_down\"\nq = \"none\"\n[theme]\naccent = \"#00ff00\"\nselection_bg = \"blue\"\n").unwrap();
        assert_eq!(c.keys.len(), 3);
        assert_eq!(c.keys[0].action, Some(action::Action::Quit));
        assert_eq!(c.keys[2].action, None);
        assert_eq!(c.theme.accent, Some(ratatui::style::Color::Rgb(0, 255, 0)));
        assert_eq!(c.theme.selection_bg, Some(ratatui::style::Color::Blue));
    }

    #[test]
    fn bad_keys_and_colours_have_line_and_column() {
        let e = err("[keys]\nj = \"move_down\"\nx = \"launch\"\n");
        assert!(
            e.starts_with("t.toml:3:5: unknown action \"launch\""),
            "{e}"
        );
        let e = err("[keys]\n\"hyper-x\" = \"quit\"\n");
        assert!(e.starts_with("t.toml:2:1: \"hyper-x\" is not a key"), "{e}");
        let e = err("[theme]\nstar = \"blurple\"\n");
        assert!(
            e.starts_with("t.toml:2:8: \"blurple\" is not a colour"),
            "{e}"
        );
        let e = err("[theme]\nsparkle = \"red\"\n");
        assert!(
            e.contains("t.toml:2:1") && e.contains("unknown field `sparkle`"),
            "{e}"
        );
        let c = parse("[theme]\npreset = \"high-contrast\"\n").unwrap();
        assert!(c.theme.high_contrast);
        let e = err("[theme]\npreset = \"neon\"\n");
        assert!(
            e.starts_with("t.toml:2:10: \"neon\" is not a theme preset"),
            "{e}"
        );
        let e = err("[keys]\nx = 3\n");
        assert!(e.starts_with("t.toml:2:5:"), "{e}");
    }

    #[test]
    fn sync_section() {
        let base = "[sync]\nkind = \"fever\"\nusername = \"me\"\n";
        let c = parse(&format!(
            "{base}url = \"https://rss.example.org/api/fever.php\"\npassword_command = [\"pass\", \"show\", \"freshrss\"]\n"
        ))
        .unwrap();
        let sync = c.sync.unwrap();
        assert_eq!(sync.kind, SyncKind::Fever);
        assert_eq!(
            sync.password,
            PasswordSource::Command(vec!["pass".into(), "show".into(), "freshrss".into()])
        );
        let c = parse(&format!("{base}url = \"http://127.0.0.1:8080/fever/\"\n")).unwrap();
        assert_eq!(c.sync.unwrap().password, PasswordSource::Env);
        let e = err(&format!(
            "{base}url = \"https://x.test/\"\npassword = \"hunter2hunter2\"\n"
        ));
        assert!(
            e.starts_with("t.toml:5:12: sync.password: a password is not allowed"),
            "{e}"
        );
        assert!(!e.contains("hunter2"), "{e}");
        let e = err(&format!("{base}url = \"http://rss.example.org/fever/\"\n"));
        assert!(e.contains("sync.url must use https"), "{e}");
        let e = err(&format!("{base}url = \"https://me:pw@x.test/\"\n"));
        assert!(
            e.contains("must not contain a user name or password"),
            "{e}"
        );
        assert!(!e.contains(":pw@"), "{e}");
        let e = err(&format!(
            "{base}url = \"https://x.test/\"\npassword_command = []\n"
        ));
        assert!(e.contains("must name a program"), "{e}");
        let c = parse("[[feed]]\nname = \"a\"\nurl = \"http://x.test/\"\nlocal = true\n").unwrap();
        assert!(c.feeds[0].local);
    }

    #[test]
    fn mail_section() {
        let from = "[mail]\nfrom = \"Innovation team <team@example.org>\"\n";
        let c = parse(&format!(
            "{from}smtp = \"smtp.example.org:587\"\nusername = \"team@example.org\"\n\
             password_command = [\"pass\", \"show\", \"smtp\"]\n"
        ))
        .unwrap();
        let mail = c.mail.unwrap();
        assert_eq!(mail.from.email.to_string(), "team@example.org");
        let MailTransport::Smtp(smtp) = mail.transport else {
            panic!("smtp expected")
        };
        assert_eq!((smtp.host.as_str(), smtp.port), ("smtp.example.org", 587));
        assert_eq!(smtp.tls, TlsMode::Starttls);
        assert_eq!(
            smtp.login.unwrap().password,
            PasswordSource::Command(vec!["pass".into(), "show".into(), "smtp".into()])
        );
        let c = parse(&format!("{from}smtp = \"smtp.example.org:465\"\n")).unwrap();
        let Some(MailConfig {
            transport: MailTransport::Smtp(smtp),
            ..
        }) = c.mail
        else {
            panic!("smtp expected")
        };
        assert_eq!((smtp.tls, smtp.login), (TlsMode::Implicit, None));
        let c = parse(&format!(
            "{from}smtp = \"localhost:25\"\ntls = \"none\"\nusername = \"u\"\n"
        ))
        .unwrap();
        let Some(MailConfig {
            transport: MailTransport::Smtp(smtp),
            ..
        }) = c.mail
        else {
            panic!("smtp expected")
        };
        assert_eq!(smtp.tls, TlsMode::None);
        assert_eq!(smtp.login.unwrap().password, PasswordSource::Env);
        let c = parse(&format!("{from}command = [\"sendmail\", \"-t\"]\n")).unwrap();
        assert_eq!(
            c.mail.unwrap().transport,
            MailTransport::Command(vec!["sendmail".into(), "-t".into()])
        );

        let e = err(&format!(
            "{from}smtp = \"smtp.example.org:587\"\nusername = \"u\"\npassword = \"hunter2hunter2\"\n"
        ));
        assert!(
            e.starts_with("t.toml:5:12: mail.password: a password is not allowed")
                && e.contains("$TIDINGS_MAIL_PASSWORD"),
            "{e}"
        );
        assert!(!e.contains("hunter2"), "{e}");
        let e = err(&format!(
            "{from}smtp = \"smtp.example.org:25\"\ntls = \"none\"\n"
        ));
        assert!(
            e.starts_with(
                "t.toml:4:7: mail.tls = \"none\" is allowed only for a server on this machine"
            ),
            "{e}"
        );
        let e = err(&format!(
            "{from}smtp = \"smtp.example.org:587\"\ntls = \"ssl\"\n"
        ));
        assert!(
            e.contains("t.toml:4:7") && e.contains("unknown variant `ssl`"),
            "{e}"
        );
        let e = err(&format!(
            "{from}smtp = \"smtp.example.org:587\"\nport = 25\n"
        ));
        assert!(
            e.contains("t.toml:4:1") && e.contains("unknown field `port`"),
            "{e}"
        );
        let e = err(&format!("{from}smtp = \"smtp.example.org:x\"\n"));
        assert!(
            e.starts_with("t.toml:3:8: mail.smtp: \"smtp.example.org:x\" is not host:port"),
            "{e}"
        );
        let e = err(from);
        assert!(e.starts_with("t.toml:1:1: mail needs smtp"), "{e}");
        let e = err(&format!(
            "{from}smtp = \"x.test:587\"\ncommand = [\"sendmail\", \"-t\"]\n"
        ));
        assert!(e.contains("give smtp or command, not both"), "{e}");
        let e = err(&format!("{from}command = []\n"));
        assert!(e.contains("mail.command must name a program"), "{e}");
        let e = err(&format!(
            "{from}command = [\"sendmail\", \"-t\"]\nusername = \"u\"\n"
        ));
        assert!(
            e.contains("mail.username applies to smtp, not to command"),
            "{e}"
        );
        let e = err(&format!(
            "{from}smtp = \"x.test:587\"\npassword_file = \"~/.smtp\"\n"
        ));
        assert!(e.contains("a password needs username"), "{e}");
        let e = err("[mail]\nfrom = \"team\\r\\nBcc: x@y.test <team@example.org>\"\ncommand = [\"sendmail\"]\n");
        assert!(e.starts_with("t.toml:2:8: mail.from:"), "{e}");
        let e = err("[mail]\nfrom = \"not an address\"\ncommand = [\"sendmail\"]\n");
        assert!(e.contains("is not an address like"), "{e}");
    }

    #[test]
    fn creates_example_at_default_location() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        let (c, created) = Config::load_or_create(&path, true).unwrap();
        assert!(created && path.exists() && !c.feeds.is_empty());
        let (_, created) = Config::load_or_create(&path, true).unwrap();
        assert!(!created);
        let missing = dir.path().join("nope.toml");
        assert!(matches!(
            Config::load_or_create(&missing, false),
            Err(ConfigError::Read { .. })
        ));
    }
}
