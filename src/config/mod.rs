//! The TOML configuration: settings and feeds, checked when loaded.

pub mod action;
mod error;
pub mod keys;
mod mail;
mod parse;
mod sync;
pub mod theme;

pub use error::{ConfigError, Located};
pub use mail::{
    host_is_loopback, Login, MailConfig, MailTransport, SmtpConfig, TlsMode, MAIL_PASSWORD_ENV,
};
pub use sync::{is_loopback, PasswordSource, SyncConfig, SyncKind};

pub(crate) use parse::parse_url;

use keys::Binding;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use theme::ThemeConfig;

use crate::query::{IgnoreRule, Query, SqlOptions};
use crate::scrape::{CompiledRules, ContentRule};
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
        parse::config(path, text)
    }

    /// How queries are compiled for this user: ignore rules, local days.
    pub fn sql_options(&self) -> SqlOptions {
        use chrono::Offset;
        SqlOptions {
            ignore: self.ignore.clone(),
            utc_offset: chrono::Local::now().offset().fix(),
            stories: self.settings.group_stories,
            walk_text: None,
            walk_feeds: false,
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

#[cfg(test)]
mod tests;
