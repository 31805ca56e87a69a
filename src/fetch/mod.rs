//! The fetcher: downloads and parses feeds concurrently, within global and
//! per-host limits, and hands each result to the caller as it completes.

mod charset;
pub mod full_text;
mod html;
pub mod http;
pub mod parse;
mod threads;

pub use threads::runtime;

/// Why a feed could not be fetched or read (defined in `model`, beside the
/// report that carries it).
pub use crate::model::FetchError as Error;

use crate::config::{Config, FeedConfig, FeedKind};
use crate::model::{
    FetchOutcome, FetchReport, FetchState, Origin, ParsedArticle, ParsedFeed, Subscription,
};
use crate::scrape;
use chrono::{DateTime, Duration, Utc};
use http::{HttpClient, Response};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{mpsc, Semaphore};
use url::Url;

/// Longest a server's freshness hint or a feed's `<ttl>` may postpone the
/// next fetch, so a bad header cannot silence a feed for long.
const MAX_HINT: Duration = Duration::hours(24);

/// One feed to fetch.
#[derive(Debug, Clone)]
pub struct Job {
    pub sub: Subscription,
    /// How to fetch it.
    pub feed: FeedConfig,
    pub state: FetchState,
    pub max_articles: u32,
    pub max_age_days: u32,
    /// Scraped articles already cached with their page: not fetched again.
    pub known_links: HashSet<String>,
}

impl Job {
    pub fn new(sub: Subscription, feed: &FeedConfig, state: FetchState, config: &Config) -> Job {
        Job {
            sub,
            feed: feed.clone(),
            state,
            max_articles: feed
                .max_articles
                .unwrap_or(config.settings.max_articles_per_feed),
            max_age_days: config.settings.max_age_days,
            known_links: HashSet::new(),
        }
    }

    /// True when this feed may fetch `url` beyond its own address: a feed
    /// from a shared list reads pages on its own host only, so a list
    /// cannot make tidings contact anything but the feeds it names.
    pub fn may_visit(&self, url: &Url) -> bool {
        !matches!(self.sub.origin, Origin::List(_)) || same_host(&self.feed.url, url)
    }

    /// True when fetching now would be earlier than the feed asked for.
    pub fn too_soon(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.state.next_fetch_after.filter(|t| *t > now)
    }
}

/// What the caller works out from each parsed article before its report
/// is sent (what the cache derives from it), on the fetcher's blocking
/// threads, so that whoever receives the reports does not.
pub type Finish = Arc<dyn Fn(&mut ParsedArticle) + Send + Sync>;

/// True when a listed feed may fetch `url`: the feed's own host and port
/// (http and https on their default ports count as one).
pub fn same_host(feed: &Url, url: &Url) -> bool {
    feed.host_str() == url.host_str() && feed.port() == url.port()
}

pub struct Fetcher {
    http: Arc<HttpClient>,
    concurrency: usize,
    per_host: usize,
}

impl Fetcher {
    pub fn new(config: &Config) -> Result<Fetcher, Error> {
        Ok(Fetcher {
            http: Arc::new(HttpClient::new(&config.settings)?),
            concurrency: config.settings.concurrency,
            per_host: config.settings.per_host,
        })
    }

    /// The client, for one-off requests such as an article's page.
    pub fn http(&self) -> Arc<HttpClient> {
        self.http.clone()
    }

    /// Fetches every job, at most `concurrency` at once and `per_host` per
    /// host, sending each report as soon as it is ready. Returns when all
    /// are done or the receiver is gone. Each parsed article goes through
    /// `finish` first.
    pub async fn run(&self, jobs: Vec<Job>, tx: mpsc::Sender<FetchReport>, finish: Finish) {
        let global = Arc::new(Semaphore::new(self.concurrency));
        let mut hosts: HashMap<String, Arc<Semaphore>> = HashMap::new();
        let mut tasks = tokio::task::JoinSet::new();
        for job in jobs {
            let host = host_key(&job.feed.url);
            let host_limit = hosts
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone();
            let global = global.clone();
            let http = self.http.clone();
            let tx = tx.clone();
            let finish = finish.clone();
            tasks.spawn(async move {
                // Host first, so a slot of the global pool is never held
                // while waiting for a busy host.
                let Ok(_h) = host_limit.acquire_owned().await else {
                    return;
                };
                let Ok(_g) = global.acquire_owned().await else {
                    return;
                };
                let report = fetch_one(&http, job, finish).await;
                // The receiver may be gone when the caller stops early.
                let _ = tx.send(report).await;
            });
        }
        drop(tx);
        while tasks.join_next().await.is_some() {}
    }
}

fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// Fetches and parses one feed. Never fails: errors become a report.
pub async fn fetch_one(http: &HttpClient, job: Job, finish: Finish) -> FetchReport {
    let attempted_at = Utc::now();
    let min_interval = job
        .feed
        .refresh_minutes
        .map(|m| attempted_at + Duration::minutes(i64::from(m)));
    let (outcome, hint) = match http.get(&job.feed.url, &job.state).await {
        Ok(Response::NotModified { fresh_until }) => (FetchOutcome::NotModified, fresh_until),
        Ok(Response::Body {
            status,
            body,
            url,
            content_type,
            etag,
            last_modified,
            fresh_until,
        }) => match read_document(http, &job, body, url, content_type, finish).await {
            Ok(feed) => {
                let ttl = feed
                    .ttl_minutes
                    .map(|m| attempted_at + Duration::minutes(i64::from(m)));
                let outcome = FetchOutcome::Fetched {
                    status,
                    feed,
                    etag,
                    last_modified,
                };
                (outcome, later(fresh_until, ttl))
            }
            Err(error) => (
                FetchOutcome::Failed {
                    status: Some(status),
                    error,
                },
                None,
            ),
        },
        Err(e) => {
            let retry_at = e.retry_at();
            (
                FetchOutcome::Failed {
                    status: e.status(),
                    error: e,
                },
                retry_at,
            )
        }
    };
    let hint = hint.map(|t| t.min(attempted_at + MAX_HINT));
    FetchReport {
        feed_id: job.sub.id,
        attempted_at,
        outcome,
        next_fetch_after: later(hint, min_interval),
        max_articles: job.max_articles,
        max_age_cutoff: (job.max_age_days > 0)
            .then(|| attempted_at - Duration::days(i64::from(job.max_age_days))),
    }
}

fn later(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Turns a downloaded document into a feed ready to store: read by
/// [`read_source`], then each article given to `finish` on a CPU thread.
async fn read_document(
    http: &HttpClient,
    job: &Job,
    body: Vec<u8>,
    url: Url,
    content_type: Option<String>,
    finish: Finish,
) -> Result<ParsedFeed, Error> {
    let mut feed = read_source(http, job, body, url, content_type).await?;
    let articles = std::mem::take(&mut feed.articles);
    feed.articles = threads::cpu(move || {
        let mut articles = articles;
        articles.iter_mut().for_each(|a| finish(a));
        articles
    })
    .await
    .map_err(|e| stopped("parser", &e))?;
    Ok(feed)
}

/// Turns a downloaded document into a feed according to the feed's kind.
/// `auto` reads a feed as a feed; an HTML page with rules is scraped, and
/// one without rules is followed to the feed it advertises.
async fn read_source(
    http: &HttpClient,
    job: &Job,
    body: Vec<u8>,
    url: Url,
    content_type: Option<String>,
) -> Result<ParsedFeed, Error> {
    let is_html = || {
        !scrape::looks_like_feed(&body)
            && (scrape::looks_like_html(&body)
                || content_type.as_deref().is_some_and(|c| c.contains("html")))
    };
    let mut feed = match job.feed.kind {
        FeedKind::Feed => parse_blocking(body, url, content_type).await?,
        FeedKind::Html => return html::scrape(http, job, body, content_type, url).await,
        FeedKind::Auto if is_html() => {
            if job.feed.html.is_some() {
                return html::scrape(http, job, body, content_type, url).await;
            }
            match html::advertised_feed(http, &body, &url, |u| job.may_visit(u)).await? {
                Some((feed, feed_url, feed_type)) => {
                    parse_blocking(feed, feed_url, feed_type).await?
                }
                None => return Err(Error::NoAdvertisedFeed { url }),
            }
        }
        FeedKind::Auto => parse_blocking(body, url, content_type).await?,
    };
    if let Some(rule) = &job.feed.full_text {
        full_text::fill(http, job, rule, &mut feed).await;
    }
    Ok(feed)
}

async fn parse_blocking(
    body: Vec<u8>,
    url: Url,
    content_type: Option<String>,
) -> Result<ParsedFeed, Error> {
    threads::cpu(move || parse::parse_document(&body, content_type.as_deref(), &url))
        .await
        .map_err(|e| stopped("parser", &e))?
        .map_err(Error::from)
}

/// CPU work that ended without an answer (it panicked).
fn stopped(task: &'static str, e: &threads::Stopped) -> Error {
    Error::Stopped {
        task,
        detail: e.to_string(),
    }
}
