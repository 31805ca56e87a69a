//! Keeping the cache in step with a feed server (`[sync]`).
//!
//! A backend provides subscriptions, pages of items after a cursor, the
//! server's read and starred ids, and a push of one flag change. The runner
//! here does the rest the same way for every backend: sign in (with the
//! cached token, else the password), push the outbox, pull new items page
//! by page (each page stored with its cursor, so an interrupted sync
//! resumes), then take the server's flags (the store keeps any change
//! still in the outbox). Adding a backend is one file plus its arm in
//! [`Backend`].

pub mod fever;
pub mod greader;
mod secret;

pub use secret::{password, Secret, TokenCache, PASSWORD_ENV};

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

/// A signed-in server API.
pub enum Backend {
    Fever(fever::Fever),
    Greader(greader::Greader),
}

impl Backend {
    /// A backend for `cfg`, with `token` if one is cached, else signing in
    /// with the password.
    async fn open(
        cfg: &SyncConfig,
        http: reqwest::Client,
        token: Option<Secret>,
    ) -> Result<Backend, SyncError> {
        Ok(match cfg.kind {
            SyncKind::Fever => {
                let key = match token {
                    Some(t) => t,
                    None => fever::Fever::api_key(&cfg.username, &password(&cfg.password)?),
                };
                Backend::Fever(fever::Fever::new(http, cfg.url.clone(), key))
            }
            SyncKind::Greader => {
                let auth = match token {
                    Some(t) => t,
                    None => {
                        let pw = password(&cfg.password)?;
                        greader::Greader::login(&http, &cfg.url, &cfg.username, &pw).await?
                    }
                };
                Backend::Greader(greader::Greader::new(http, cfg.url.clone(), auth))
            }
        })
    }

    fn token(&self) -> &Secret {
        match self {
            Backend::Fever(b) => b.token(),
            Backend::Greader(b) => b.token(),
        }
    }

    pub fn requests(&self) -> usize {
        match self {
            Backend::Fever(b) => b.requests(),
            Backend::Greader(b) => b.requests(),
        }
    }

    pub async fn subscriptions(&self) -> Result<Vec<RemoteFeed>, SyncError> {
        match self {
            Backend::Fever(b) => b.subscriptions().await,
            Backend::Greader(b) => b.subscriptions().await,
        }
    }

    /// The server's items after `cursor`; an item without a title gets
    /// one made from its text, link or date, as a fetched one does.
    pub async fn items_after(&self, cursor: Option<&str>) -> Result<Page, SyncError> {
        let mut page = match self {
            Backend::Fever(b) => b.items_after(cursor).await,
            Backend::Greader(b) => b.items_after(cursor).await,
        }?;
        for item in &mut page.items {
            crate::fetch::parse::derive_title(&mut item.article);
        }
        Ok(page)
    }

    pub async fn flags(&self) -> Result<RemoteFlags, SyncError> {
        match self {
            Backend::Fever(b) => b.flags().await,
            Backend::Greader(b) => b.flags().await,
        }
    }

    /// Pushes a batch of changes; returns the `seq` of those the server
    /// took (or no longer has the item of), and the first error.
    pub async fn push(&self, batch: &[Change]) -> (Vec<i64>, Option<SyncError>) {
        match self {
            Backend::Fever(b) => b.push(batch).await,
            Backend::Greader(b) => b.push(batch).await,
        }
    }
}

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

/// Signs in and lists the subscriptions. A cached token the server refuses
/// is forgotten and the password asked for once.
pub async fn connect(
    cfg: &SyncConfig,
    settings: &Settings,
    tokens: &TokenCache,
) -> Result<(Backend, Vec<RemoteFeed>), SyncError> {
    let http = http_client(settings)?;
    let account = cfg.account();
    let cached = tokens.load(&account);
    let from_cache = cached.is_some();
    let backend = Backend::open(cfg, http.clone(), cached).await?;
    match backend.subscriptions().await {
        Ok(subs) => {
            if !from_cache {
                tokens.save(&account, backend.token());
            }
            Ok((backend, subs))
        }
        Err(SyncError::Auth { .. }) if from_cache => {
            tokens.forget();
            let fresh = Backend::open(cfg, http, None).await?;
            let subs = fresh.subscriptions().await?;
            tokens.save(&account, fresh.token());
            Ok((fresh, subs))
        }
        Err(e) => Err(e),
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

/// Push, pull, take the server's flags. Each step commits as it goes, so an
/// error (the server gone mid-way) loses nothing: the next sync resumes.
pub async fn sync(
    store: &mut Store,
    config: &Config,
    tokens: &TokenCache,
    progress: &mut dyn FnMut(Progress),
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let cfg = config.sync.as_ref().ok_or(SyncError::NotConfigured)?;
    store.begin_account(&cfg.account())?;
    let (backend, subs) = connect(cfg, &config.settings, tokens).await?;
    let reserved: Vec<String> = config.feeds.iter().map(|f| f.name.clone()).collect();
    let mut feeds = store.replace_remote_feeds(&subs, &reserved)?;
    let mut report = SyncReport {
        feeds: feeds.len(),
        ..Default::default()
    };

    report.pushed = push(store, &backend).await?;

    // New articles are grouped into stories and checked against the
    // alerting views once the pull is done, as a fetch does.
    let mark = store.last_article_id()?;
    let mut cursor = store.sync_state("cursor")?;
    let already = store.remote_article_count()?;
    let mut pulled = 0u64;
    let mut refreshed = false;
    loop {
        let page = backend.items_after(cursor.as_deref()).await?;
        // An item of a feed subscribed since the list was read: read it again.
        if !refreshed && page.items.iter().any(|i| !feeds.contains_key(&i.feed)) {
            refreshed = true;
            feeds = store.replace_remote_feeds(&backend.subscriptions().await?, &reserved)?;
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
    report.requests = backend.requests();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Pushes the outbox in batches; each batch's acknowledged changes are
/// removed together. Stops at the first error, keeping what was not taken.
async fn push(store: &mut Store, backend: &Backend) -> Result<usize, SyncError> {
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
    let (backend, subs) = connect(cfg, &config.settings, tokens).await?;
    Ok(Check {
        subscriptions: subs.len(),
        requests: backend.requests(),
    })
}
