//! Keeping the cache in step with a feed server (`[sync]`).
//!
//! A backend provides subscriptions, pages of items after a cursor, the
//! server's read and starred ids, and a push of one flag change. It signs
//! in when it first needs to (with the cached token, else the password) and
//! again once when the server refuses the token; every request, the sign-in
//! included, is counted. The runner does the rest the same way for every
//! backend: read the subscription list when needed, push the outbox, pull
//! new items page by page (each page stored with its cursor, so an
//! interrupted sync resumes), then take the server's flags (the store keeps
//! any change still in the outbox). Adding a backend is one file plus its
//! line in [`open`].

pub mod fever;
pub mod greader;
mod secret;

pub use secret::{password, read_password, Secret, TokenCache, PASSWORD_ENV};

use crate::config::{Config, Settings, SyncConfig, SyncKind};
use crate::store::{Change, FlagStats, RemoteFeed, RemoteItem, Store, StoreError};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the sync server {url} refused the user name or password")]
    Auth { url: String },
    #[error("cannot reach the sync server {url}: {reason}")]
    Network { url: String, reason: String },
    #[error("the sync server {url} answered HTTP {status}")]
    Http { url: String, status: u16 },
    #[error("the sync server {url} sent an answer tidings cannot read: {reason}")]
    Protocol { url: String, reason: String },
    #[error("sync password: {0}")]
    Secret(String),
    #[error("no [sync] section in the config")]
    NotConfigured,
    #[error("{0}")]
    Unsupported(String),
    #[error("the sync server {url} could not subscribe to {feed}: {reason}")]
    Subscribe {
        url: String,
        feed: String,
        reason: String,
    },
    #[error("{0}")]
    Store(#[from] StoreError),
}

pub(crate) fn network(url: &url::Url, e: reqwest::Error) -> SyncError {
    // The URL is the configured one (never holding a secret); the error's
    // own copy is dropped so a query string cannot leak.
    let e = e.without_url();
    let mut reason = if e.is_timeout() {
        "timed out".to_string()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        reason = format!("{reason}: {s}");
        source = s.source();
    }
    SyncError::Network {
        url: url.to_string(),
        reason,
    }
}

pub(crate) fn protocol(url: &url::Url, reason: &str) -> SyncError {
    SyncError::Protocol {
        url: url.to_string(),
        reason: reason.to_string(),
    }
}

/// One page of items.
pub struct Page {
    pub items: Vec<RemoteItem>,
    /// Where the next page starts (stored with this page).
    pub cursor: String,
    /// No more pages.
    pub done: bool,
    /// Items on the server, when it says.
    pub total: Option<u64>,
}

/// The server's flags: every other item is read and not starred.
pub struct RemoteFlags {
    pub unread: Vec<String>,
    pub starred: Vec<String>,
}

/// How a backend may get the password when it has to sign in.
#[derive(Clone, Debug)]
pub enum Asking {
    /// From the configured source, now (the command line).
    Now,
    /// Under the interface, where a `password_command` must not run (it
    /// may prompt in the terminal): the password asked for before the
    /// interface took the screen, if it was needed then. A password file or
    /// the environment is still read.
    Before(Option<Secret>),
}

/// The user name and the way to the password, for signing in (again).
pub struct Credentials {
    pub username: String,
    source: crate::config::PasswordSource,
    asking: Asking,
}

impl Credentials {
    pub fn new(cfg: &SyncConfig, asking: Asking) -> Credentials {
        Credentials {
            username: cfg.username.clone(),
            source: cfg.password.clone(),
            asking,
        }
    }

    pub fn password(&self) -> Result<Secret, SyncError> {
        match (&self.asking, &self.source) {
            (Asking::Before(Some(s)), _) => Ok(s.clone()),
            (Asking::Before(None), crate::config::PasswordSource::Command(_)) => {
                Err(SyncError::Secret(
                    "the server wants the password again; run `tidings sync` in a terminal \
                     to sign in"
                        .into(),
                ))
            }
            _ => password(&self.source),
        }
    }
}

/// The password asked for before the interface takes the screen: only a
/// `password_command` is run, and only when no token is cached for the
/// account. Failures are left for the sync to report.
pub fn password_before_screen(cfg: &SyncConfig, tokens: &TokenCache) -> Option<Secret> {
    let needed = matches!(cfg.password, crate::config::PasswordSource::Command(_))
        && tokens.load(&cfg.account()).is_none();
    if !needed {
        return None;
    }
    match password(&cfg.password) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::warn!("{e}");
            None
        }
    }
}

/// A future a backend returns; boxed so that backends can be chosen at
/// run time.
pub type Call<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'a>>;

/// A server API. It signs in when it first needs to, and again once if the
/// server refuses a cached or expired token. Adding one is a file that
/// implements this and a line in [`open`].
pub trait Backend {
    /// The token in use, once signed in.
    fn token(&self) -> Option<Secret>;

    /// Requests made so far, signing in included.
    fn requests(&self) -> usize;

    /// Whether reading the subscription list every sync keeps an idle
    /// sync within three requests.
    fn lists_cheaply(&self) -> bool {
        false
    }

    fn subscriptions(&self) -> Call<'_, Result<Vec<RemoteFeed>, SyncError>>;

    /// Items after `cursor` (None = from the start), one page.
    fn items_after<'a>(&'a self, cursor: Option<&'a str>) -> Call<'a, Result<Page, SyncError>>;

    /// The server's unread and starred ids.
    fn flags(&self) -> Call<'_, Result<RemoteFlags, SyncError>>;

    /// Pushes a batch of changes; returns the `seq` of those the server
    /// took (or no longer has the item of), and the first error.
    fn push<'a>(&'a self, batch: &'a [Change]) -> Call<'a, (Vec<i64>, Option<SyncError>)>;

    /// Subscribes to a feed on the server; returns its title there.
    fn subscribe<'a>(&'a self, url: &'a url::Url) -> Call<'a, Result<String, SyncError>> {
        let _ = url;
        Box::pin(async { Err(SyncError::Unsupported(CANNOT_SUBSCRIBE.into())) })
    }

    /// Unsubscribes from the server's feed `remote_id`.
    fn unsubscribe<'a>(&'a self, remote_id: &'a str) -> Call<'a, Result<(), SyncError>> {
        let _ = remote_id;
        Box::pin(async { Err(SyncError::Unsupported(CANNOT_SUBSCRIBE.into())) })
    }
}

/// A backend for `cfg`, with `token` if one is cached. Makes no request.
pub fn open(
    cfg: &SyncConfig,
    http: reqwest::Client,
    token: Option<Secret>,
    asking: Asking,
) -> Box<dyn Backend> {
    let (url, creds) = (cfg.url.clone(), Credentials::new(cfg, asking));
    match cfg.kind {
        SyncKind::Fever => Box::new(fever::Fever::new(http, url, token, creds)),
        SyncKind::Greader => Box::new(greader::Greader::new(http, url, token, creds)),
    }
}

/// What a backend without subscribing says.
const CANNOT_SUBSCRIBE: &str =
    "this server's API cannot subscribe or unsubscribe; do it in the server's own interface, \
     then run `tidings sync`";

pub const FEVER_CANNOT_SUBSCRIBE: &str =
    "the Fever API cannot subscribe or unsubscribe; do it in the server's own interface, \
     then run `tidings sync`";

/// The HTTP client for the server: no redirects (a redirected POST could
/// carry the key elsewhere), the configured timeout and user agent.
pub fn http_client(settings: &Settings) -> Result<reqwest::Client, SyncError> {
    let timeout = Duration::from_secs(settings.timeout_seconds);
    reqwest::Client::builder()
        .user_agent(settings.user_agent.clone())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SyncError::Network {
            url: String::new(),
            reason: format!("cannot set up HTTP: {e}"),
        })
}

/// A backend for the configured server, with the cached token if any.
pub fn connect(
    cfg: &SyncConfig,
    settings: &Settings,
    tokens: &TokenCache,
    asking: Asking,
) -> Result<Box<dyn Backend>, SyncError> {
    let http = http_client(settings)?;
    Ok(open(cfg, http, tokens.load(&cfg.account()), asking))
}

/// Keeps the token the backend signed in with for the next run, or
/// forgets a cached one the server refused.
fn keep_token<T>(
    cfg: &SyncConfig,
    tokens: &TokenCache,
    backend: &dyn Backend,
    result: &Result<T, SyncError>,
) {
    let account = cfg.account();
    match (backend.token(), result) {
        (_, Err(SyncError::Auth { .. })) => tokens.forget(),
        (Some(t), _) if tokens.load(&account).as_ref() != Some(&t) => tokens.save(&account, &t),
        _ => {}
    }
}

/// Progress of the item pull.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub items: u64,
    /// Items expected in this sync, when the server says.
    pub expected: Option<u64>,
}

/// What a sync did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SyncReport {
    pub feeds: usize,
    pub new: usize,
    pub updated: usize,
    /// Local changes the server took.
    pub pushed: usize,
    /// Local changes still waiting for the server.
    pub waiting: u64,
    /// Flags the server changed here.
    pub from_server: FlagStats,
    pub requests: usize,
    pub seconds: f64,
    /// New articles of alerting views, first time each.
    #[serde(skip)]
    pub alerts: Vec<crate::store::NewMatch>,
}

/// Changes pushed per outbox batch (acknowledged together).
const PUSH_BATCH: usize = 50;

/// The subscription list is read again at least this often (seconds).
const FEEDS_MAX_AGE: i64 = 24 * 3600;

/// Push, pull, take the server's flags. Each step commits as it goes, so an
/// error (the server gone mid-way) loses nothing: the next sync resumes.
///
/// With the Google Reader API the subscription list is read on the first
/// sync, after tidings changed it, when new items arrive (an item of an
/// unknown feed, or a renamed feed) and at least daily, so that an idle sync
/// makes three requests; Fever reads it every sync in the same three.
pub async fn sync(
    store: &mut Store,
    config: &Config,
    tokens: &TokenCache,
    asking: Asking,
    progress: &mut dyn FnMut(Progress),
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let cfg = config.sync.as_ref().ok_or(SyncError::NotConfigured)?;
    store.begin_account(&cfg.account())?;
    let backend = connect(cfg, &config.settings, tokens, asking)?;
    let mut report = SyncReport::default();
    let result = run(store, config, backend.as_ref(), &mut report, progress).await;
    keep_token(cfg, tokens, backend.as_ref(), &result);
    report.requests = backend.requests();
    report.seconds = started.elapsed().as_secs_f64();
    result.map(|()| report)
}

async fn run(
    store: &mut Store,
    config: &Config,
    backend: &dyn Backend,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), SyncError> {
    let reserved: Vec<String> = config.feeds.iter().map(|f| f.name.clone()).collect();
    let now = chrono::Utc::now().timestamp();
    let listed_at: Option<i64> = store
        .sync_state("feeds_listed")?
        .and_then(|t| t.parse().ok());
    let stale = store.sync_state("feeds_stale")?.is_some_and(|v| v == "1");
    let mut feeds = store.remote_feeds()?;
    let mut listed = false;
    if backend.lists_cheaply()
        || stale
        || feeds.is_empty()
        || listed_at.is_none_or(|t| now - t > FEEDS_MAX_AGE)
    {
        feeds = list_feeds(store, backend, &reserved).await?;
        listed = true;
    }
    report.feeds = feeds.len();

    report.pushed = push(store, backend).await?;

    // New articles are grouped into stories and checked against the
    // alerting views once the pull is done, as a fetch does.
    let mark = store.last_article_id()?;
    let mut cursor = store.sync_state("cursor")?;
    let already = store.remote_article_count()?;
    let mut pulled = 0u64;
    let mut relisted = false;
    loop {
        let page = backend.items_after(cursor.as_deref()).await?;
        // New items: the list may have a new or renamed feed. An item of a
        // feed subscribed since the list was read: read it again, once.
        let unknown = page.items.iter().any(|i| !feeds.contains_key(&i.feed));
        if (!listed && !page.items.is_empty()) || (unknown && !relisted) {
            relisted = listed;
            feeds = list_feeds(store, backend, &reserved).await?;
            listed = true;
            report.feeds = feeds.len();
        }
        let w = store.store_remote_items(&page.items, &feeds, &[("cursor", &page.cursor)])?;
        report.new += w.new;
        report.updated += w.updated;
        pulled += page.items.len() as u64;
        progress(Progress {
            items: pulled,
            expected: page.total.map(|t| t.saturating_sub(already).max(pulled)),
        });
        let moved = cursor.as_deref() != Some(page.cursor.as_str());
        cursor = Some(page.cursor);
        if page.done || !moved {
            break;
        }
    }

    if report.new > 0 {
        let ids: Vec<_> = feeds.values().copied().collect();
        report.alerts = crate::alerts::Alerter::new(config).stored(store, &ids, mark)?;
    }
    let flags = backend.flags().await?;
    report.from_server = store.apply_remote_flags(&flags.unread, &flags.starred)?;
    report.waiting = store.outbox_len()?;
    store.set_sync_state("last_sync", &chrono::Utc::now().timestamp().to_string())?;
    Ok(())
}

/// Reads the subscription list into the cache.
async fn list_feeds(
    store: &mut Store,
    backend: &dyn Backend,
    reserved: &[String],
) -> Result<std::collections::HashMap<String, crate::model::FeedId>, SyncError> {
    let subs = backend.subscriptions().await?;
    let feeds = store.replace_remote_feeds(&subs, reserved)?;
    store.set_sync_state("feeds_listed", &chrono::Utc::now().timestamp().to_string())?;
    store.set_sync_state("feeds_stale", "0")?;
    Ok(feeds)
}

/// Pushes the outbox in batches; each batch's acknowledged changes are
/// removed together. Stops at the first error, keeping what was not taken.
async fn push(store: &mut Store, backend: &dyn Backend) -> Result<usize, SyncError> {
    let mut pushed = 0;
    // Bounded: changes made while pushing wait for the next sync.
    let rounds = store.outbox_len()?.div_ceil(PUSH_BATCH as u64) + 1;
    for _ in 0..rounds {
        let batch = store.outbox(PUSH_BATCH)?;
        if batch.is_empty() {
            break;
        }
        let (acked, error) = backend.push(&batch).await;
        store.outbox_ack(&acked)?;
        pushed += acked.len();
        if let Some(e) = error {
            return Err(e);
        }
    }
    Ok(pushed)
}

/// What `tidings doctor` reports about the server.
pub struct Check {
    pub subscriptions: usize,
    pub requests: usize,
}

/// Signs in and lists the subscriptions, changing nothing.
pub async fn check(config: &Config, tokens: &TokenCache) -> Result<Check, SyncError> {
    let cfg = config.sync.as_ref().ok_or(SyncError::NotConfigured)?;
    let backend = connect(cfg, &config.settings, tokens, Asking::Now)?;
    let result = backend.subscriptions().await;
    keep_token(cfg, tokens, backend.as_ref(), &result);
    let subs = result?;
    Ok(Check {
        subscriptions: subs.len(),
        requests: backend.requests(),
    })
}

/// What subscribing or unsubscribing on the server did.
pub struct Subscribed {
    /// The feed's title on the server (subscribing).
    pub title: String,
    pub requests: usize,
}

/// Subscribes to `url` on the server. The next sync reads the list again.
pub async fn subscribe(
    store: &mut Store,
    config: &Config,
    tokens: &TokenCache,
    url: &url::Url,
) -> Result<Subscribed, SyncError> {
    let cfg = config.sync.as_ref().ok_or(SyncError::NotConfigured)?;
    store.begin_account(&cfg.account())?;
    let backend = connect(cfg, &config.settings, tokens, Asking::Now)?;
    let result = backend.subscribe(url).await;
    keep_token(cfg, tokens, backend.as_ref(), &result);
    let title = result?;
    store.set_sync_state("feeds_stale", "1")?;
    Ok(Subscribed {
        title,
        requests: backend.requests(),
    })
}

/// Unsubscribes from the server's feed `remote_id`; the next sync reads the
/// list again (the feed's articles are kept).
pub async fn unsubscribe(
    store: &mut Store,
    config: &Config,
    tokens: &TokenCache,
    remote_id: &str,
) -> Result<Subscribed, SyncError> {
    let cfg = config.sync.as_ref().ok_or(SyncError::NotConfigured)?;
    store.begin_account(&cfg.account())?;
    let backend = connect(cfg, &config.settings, tokens, Asking::Now)?;
    let result = backend.unsubscribe(remote_id).await;
    keep_token(cfg, tokens, backend.as_ref(), &result);
    result?;
    store.set_sync_state("feeds_stale", "1")?;
    Ok(Subscribed {
        title: String::new(),
        requests: backend.requests(),
    })
}
