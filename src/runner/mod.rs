//! The runner: the one engine behind `tidings fetch`, `tidings sync` and
//! the interface's refresh. It syncs with the server, plans and fetches
//! the feeds, records their results in batches (stories and alerts with
//! them) and reads whole articles on demand. It owns a cache connection of
//! its own and reports what happens as [`Progress`] events; the faces only
//! consume those.

mod lists;
pub mod plan;

pub use lists::{ListDone, ListOutcome};

pub use plan::{plan, Plan, MAX_BATCH};

use crate::alerts::Alerter;
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::model::{ArticleId, FeedId, FetchOutcome, FetchReport, WriteStats};
use crate::store::{NewMatch, Store};
use crate::sync::{Asking, SyncError, SyncReport, TokenCache};
use chrono::Utc;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Bound of the runner's inbox: fetch results wait there while a batch is
/// written. Each holds a parsed feed, so a small bound keeps memory down;
/// the fetcher waits meanwhile.
const INBOX: usize = 16;

/// What a face asks of the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Sync (when a server is configured and `sync` is set), then fetch
    /// `feeds` (None = every feed); `force` ignores the polite interval.
    Refresh {
        feeds: Option<Vec<FeedId>>,
        force: bool,
        sync: bool,
    },
    /// Only sync with the server.
    Sync,
    /// Read an article's whole text from its page and store it.
    ReadFullText { id: ArticleId },
    /// End after the current step.
    Shutdown,
}

/// What happened, in the order it happened.
#[derive(Debug)]
pub enum Progress {
    /// A sync with the server began.
    Syncing,
    /// Items pulled so far, of how many when the server says.
    SyncItems { items: u64, expected: Option<u64> },
    /// The sync ended: what it did, or why it failed (the outbox keeps
    /// what waits).
    Synced(Result<SyncReport, SyncError>),
    /// A shared list was fetched (or not).
    List(ListDone),
    /// A fetch began: `feeds` are being fetched, `skipped` were too soon.
    Fetching { feeds: usize, skipped: usize },
    /// One feed's result was recorded.
    Feed(FeedDone),
    /// New articles of alerting views, first time each.
    Alerts(Vec<NewMatch>),
    /// Grouping stories and alerts failed for a batch.
    Problem(String),
    /// Every fetch and sync asked for has ended.
    Finished,
    /// An article's whole text was stored, or why not.
    FullText {
        id: ArticleId,
        result: Result<(), String>,
    },
}

/// One feed's fetch, recorded.
#[derive(Debug)]
pub struct FeedDone {
    pub feed: FeedId,
    pub name: String,
    pub url: String,
    pub outcome: FeedOutcome,
}

#[derive(Debug)]
pub enum FeedOutcome {
    /// A new document, written; with what the parser warned about.
    Fetched {
        stats: WriteStats,
        warnings: Vec<String>,
    },
    /// 304: nothing changed.
    NotModified,
    /// The feed could not be fetched or read; its articles are kept.
    FetchFailed(String),
    /// The result could not be written to the cache.
    NotStored(String),
}

impl FeedOutcome {
    pub fn failed(&self) -> bool {
        matches!(
            self,
            FeedOutcome::FetchFailed(_) | FeedOutcome::NotStored(_)
        )
    }

    pub fn new_articles(&self) -> usize {
        match self {
            FeedOutcome::Fetched { stats, .. } => stats.new,
            _ => 0,
        }
    }
}

/// A handle to send commands to a runner serving on its own thread.
#[derive(Clone)]
pub struct Commands(mpsc::Sender<Input>);

impl Commands {
    /// Sends without waiting; gives the command back when the inbox is
    /// full, None when the runner is gone.
    pub fn try_send(&self, cmd: Command) -> Result<(), Option<Command>> {
        match self.0.try_send(Input::Command(cmd)) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(Input::Command(c))) => Err(Some(c)),
            Err(_) => Err(None),
        }
    }

    /// Sends, waiting at most `timeout` for room.
    pub async fn send(&self, cmd: Command, timeout: std::time::Duration) {
        // The runner is gone only when quitting.
        let _ = tokio::time::timeout(timeout, self.0.send(Input::Command(cmd))).await;
    }
}

/// What reaches the runner's inbox.
enum Input {
    Command(Command),
    Report(Box<FetchReport>),
    /// A fetch run sent all its reports.
    FetchDone,
    /// An article page was read (the HTML of its main text) or failed.
    Page {
        id: ArticleId,
        result: Result<String, String>,
    },
}

pub struct Runner {
    store: Store,
    config: Config,
    /// None when offline.
    fetcher: Option<Arc<Fetcher>>,
    runtime: tokio::runtime::Handle,
    alerter: Alerter,
    tokens: TokenCache,
    /// How a sync may get the password (the interface: never by running
    /// a `password_command`).
    asking: Asking,
    inbox: mpsc::Receiver<Input>,
    own: mpsc::Sender<Input>,
    /// Feeds being fetched, with their name and address for messages.
    in_flight: HashMap<FeedId, (String, String)>,
    /// Fetch runs and page reads not yet ended.
    busy: usize,
}

impl Runner {
    /// A runner on `store`; it fetches on `runtime` (None = offline).
    pub fn new(
        store: Store,
        config: Config,
        fetcher: Option<Arc<Fetcher>>,
        runtime: tokio::runtime::Handle,
    ) -> Runner {
        let (own, inbox) = mpsc::channel(INBOX);
        let mut store = store;
        // Without it, refreshes only take longer.
        if let Err(e) = store.write_in_bulk() {
            tracing::warn!("cannot checkpoint the cache aside: {e}");
        }
        Runner {
            store,
            alerter: Alerter::new(&config),
            config,
            fetcher,
            runtime,
            tokens: TokenCache::default_location(),
            asking: Asking::Now,
            inbox,
            own,
            in_flight: HashMap::new(),
            busy: 0,
        }
    }

    /// Where synced sign-in tokens are kept (tests use their own).
    pub fn with_tokens(mut self, tokens: TokenCache) -> Runner {
        self.tokens = tokens;
        self
    }

    /// How a sync may get the password; the command line's default runs
    /// the configured source when needed.
    pub fn asking(mut self, asking: Asking) -> Runner {
        self.asking = asking;
        self
    }

    pub fn commands(&self) -> Commands {
        Commands(self.own.clone())
    }

    /// Gives the cache back (the CLI prints from it afterwards).
    pub fn into_store(self) -> Store {
        self.store
    }

    /// Carries out one command and everything it starts, then returns:
    /// the CLI's way.
    pub fn run(&mut self, cmd: Command, on: &mut dyn FnMut(Progress)) {
        if self.command(cmd, on) {
            self.drain(on, |r| r.busy == 0);
        }
    }

    /// Serves commands until `Shutdown` or every sender is gone: the
    /// interface's way, on a thread of its own.
    pub fn serve(mut self, on: &mut dyn FnMut(Progress)) {
        self.drain(on, |_| false);
    }

    /// Handles inputs until `done` says so; false when told to stop.
    fn drain(&mut self, on: &mut dyn FnMut(Progress), done: impl Fn(&Runner) -> bool) {
        // An input read while gathering a batch, handled next.
        let mut next: Option<Input> = None;
        while !done(self) {
            let Some(input) = next.take().or_else(|| self.inbox.blocking_recv()) else {
                return;
            };
            match input {
                Input::Command(cmd) => {
                    if !self.command(cmd, on) {
                        return;
                    }
                }
                Input::Report(first) => {
                    // Results that queued meanwhile are written together.
                    let mut batch = vec![*first];
                    while batch.len() < MAX_BATCH {
                        match self.inbox.try_recv() {
                            Ok(Input::Report(r)) => batch.push(*r),
                            Ok(other) => {
                                next = Some(other);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    self.record(batch, on);
                }
                Input::FetchDone => self.ended(on),
                Input::Page { id, result } => {
                    let result =
                        result.and_then(|html| match self.store.set_page_content(id, &html) {
                            Ok(true) => Ok(()),
                            Ok(false) => Err("the article is no longer cached".into()),
                            Err(e) => Err(e.to_string()),
                        });
                    on(Progress::FullText { id, result });
                    self.busy = self.busy.saturating_sub(1);
                }
            }
        }
    }

    /// False when told to stop.
    fn command(&mut self, cmd: Command, on: &mut dyn FnMut(Progress)) -> bool {
        match cmd {
            Command::Shutdown => return false,
            Command::Refresh { feeds, force, sync } => {
                // Lists first: their feeds are planned with the others.
                if feeds.is_none() {
                    self.refresh_lists(on);
                }
                let syncing = sync && feeds.is_none() && self.config.sync.is_some();
                if syncing && self.fetcher.is_some() {
                    self.sync(on);
                }
                if !self.start_fetch(feeds, force, on) && self.busy == 0 {
                    self.finished(on);
                }
            }
            Command::Sync => {
                if self.config.sync.is_some() {
                    self.sync(on);
                }
                if self.busy == 0 {
                    self.finished(on);
                }
            }
            Command::ReadFullText { id } => {
                if let Err(e) = self.read_full_text(id) {
                    on(Progress::FullText { id, result: Err(e) });
                }
            }
        }
        true
    }

    /// Pushes the outbox and pulls from the server, on a runtime of its
    /// own: quitting mid-sync must not leave it on one that is shutting
    /// down. Each page is committed, so being cut off loses nothing.
    fn sync(&mut self, on: &mut dyn FnMut(Progress)) {
        on(Progress::Syncing);
        let result = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SyncError::Network {
                url: String::new(),
                reason: format!("cannot start the runtime: {e}"),
            })
            .and_then(|rt| {
                rt.block_on(crate::sync::sync(
                    &mut self.store,
                    &self.config,
                    &self.tokens,
                    self.asking.clone(),
                    &mut |p| {
                        on(Progress::SyncItems {
                            items: p.items,
                            expected: p.expected,
                        })
                    },
                ))
            });
        let failed = result.is_err();
        // What the status bar says until the next sync; a failed write
        // here only loses that word.
        if let Err(e) = self
            .store
            .set_sync_state("last_sync_failed", if failed { "1" } else { "0" })
        {
            tracing::warn!("cannot record the sync's outcome: {e}");
        }
        if let Err(e) = &result {
            tracing::warn!("sync failed: {e}");
        }
        let alerts = match &result {
            Ok(r) => r.alerts.clone(),
            Err(_) => Vec::new(),
        };
        on(Progress::Synced(result));
        if !alerts.is_empty() {
            on(Progress::Alerts(alerts));
        }
    }

    /// Plans and starts a fetch; false when nothing was started (offline,
    /// or every feed wanted is too soon or already being fetched).
    fn start_fetch(
        &mut self,
        only: Option<Vec<FeedId>>,
        force: bool,
        on: &mut dyn FnMut(Progress),
    ) -> bool {
        let Some(fetcher) = self.fetcher.clone() else {
            return false;
        };
        let in_flight = &self.in_flight;
        let wanted = |sub: &crate::model::Subscription| {
            only.as_ref().is_none_or(|o| o.contains(&sub.id)) && !in_flight.contains_key(&sub.id)
        };
        // What the cache derives from each article (bodies compressed
        // included) is worked out on the fetcher's threads.
        let planned = self
            .store
            .subscriptions(&self.config.feeds)
            .and_then(|subs| plan(&self.store, &self.config, &subs, wanted, force, Utc::now()))
            .and_then(|p| Ok((p, self.store.preparer()?)));
        let (plan, preparer) = match planned {
            Ok(p) => p,
            Err(e) => {
                on(Progress::Problem(format!("cannot plan a refresh: {e}")));
                return false;
            }
        };
        on(Progress::Fetching {
            feeds: plan.jobs.len(),
            skipped: plan.skipped,
        });
        if plan.jobs.is_empty() {
            return false;
        }
        for j in &plan.jobs {
            self.in_flight
                .insert(j.sub.id, (j.feed.name.clone(), j.feed.url.to_string()));
        }
        let finish: crate::fetch::Finish = Arc::new(move |a| preparer.prepare(a));
        self.busy += 1;
        let (tx, mut reports) = mpsc::channel(self.config.settings.concurrency);
        let jobs = plan.jobs;
        self.runtime
            .spawn(async move { fetcher.run(jobs, tx, finish).await });
        let back = self.own.clone();
        // Reports come back to the runner's thread, which owns the cache.
        self.runtime.spawn(async move {
            while let Some(report) = reports.recv().await {
                if back.send(Input::Report(Box::new(report))).await.is_err() {
                    return;
                }
            }
            // The runner is gone only when quitting.
            let _ = back.send(Input::FetchDone).await;
        });
        true
    }

    /// A fetch run ended.
    fn ended(&mut self, on: &mut dyn FnMut(Progress)) {
        self.busy = self.busy.saturating_sub(1);
        if self.busy == 0 {
            self.finished(on);
        }
    }

    /// Everything started has ended.
    fn finished(&mut self, on: &mut dyn FnMut(Progress)) {
        // What was stored plain while a dictionary trained is compressed
        // now; failing leaves it plain for the next time.
        if let Err(e) = self.store.settle_bodies() {
            tracing::warn!("cannot compress the cached bodies: {e}");
        }
        on(Progress::Finished);
    }

    /// Stores fetch results in one transaction, groups stories, finds
    /// alerts, and reports each feed.
    fn record(&mut self, batch: Vec<FetchReport>, on: &mut dyn FnMut(Progress)) {
        let refs: Vec<&FetchReport> = batch.iter().collect();
        let recorded = self.alerter.record_all(&mut self.store, &refs);
        for (report, stats) in batch.into_iter().zip(recorded.stats) {
            let (name, url) = self.in_flight.remove(&report.feed_id).unwrap_or_default();
            let outcome = match (stats, report.outcome) {
                (Err(e), _) => FeedOutcome::NotStored(e.to_string()),
                (Ok(stats), FetchOutcome::Fetched { feed, .. }) => FeedOutcome::Fetched {
                    stats,
                    warnings: feed.warnings,
                },
                (Ok(_), FetchOutcome::NotModified) => FeedOutcome::NotModified,
                (Ok(_), FetchOutcome::Failed { error, .. }) => {
                    FeedOutcome::FetchFailed(error.to_string())
                }
            };
            on(Progress::Feed(FeedDone {
                feed: report.feed_id,
                name,
                url,
                outcome,
            }));
        }
        match recorded.alerts {
            Ok(alerts) if alerts.is_empty() => {}
            Ok(alerts) => on(Progress::Alerts(alerts)),
            Err(e) => on(Progress::Problem(format!(
                "grouping stories and alerts: {e}"
            ))),
        }
    }

    /// Starts reading an article's page in the background; the result
    /// comes back to the inbox.
    fn read_full_text(&mut self, id: ArticleId) -> Result<(), String> {
        let Some(fetcher) = self.fetcher.clone() else {
            return Err("offline: the article's page cannot be read".into());
        };
        let article = self.store.article(id).map_err(|e| e.to_string())?.summary;
        let Some(url) = article
            .link
            .as_deref()
            .and_then(|l| url::Url::parse(l).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
        else {
            return Err("the article has no web page".into());
        };
        // The feed's own rule when it has one, else the main text found.
        let rule = self
            .config
            .feeds
            .iter()
            .find(|f| f.name == article.feed)
            .and_then(|f| f.full_text.clone())
            .unwrap_or_else(|| Arc::new(crate::scrape::ContentRule::Auto));
        let back = self.own.clone();
        self.busy += 1;
        self.runtime.spawn(async move {
            let http = fetcher.http();
            let result = crate::fetch::full_text::read_article(&http, &url, &rule)
                .await
                .map_err(|e| e.to_string());
            // The runner is gone only when quitting.
            let _ = back.send(Input::Page { id, result }).await;
        });
        Ok(())
    }
}

/// Feeds a run's events into a set of totals: what `tidings fetch` prints,
/// and what tests compare between the faces.
#[derive(Debug, Default)]
pub struct Totals {
    pub written: WriteStats,
    pub fetched: usize,
    pub not_modified: usize,
    pub skipped: usize,
    /// "name (url): why", one per feed that failed.
    pub failed: Vec<String>,
    /// "name: what", one per parser warning (lists' too).
    pub warnings: Vec<String>,
    pub alerts: Vec<NewMatch>,
    pub synced: Option<Result<SyncReport, String>>,
    /// Feeds fetched or written in this run.
    seen: HashSet<FeedId>,
}

impl Totals {
    pub fn add(&mut self, p: &Progress) {
        use crate::sanitize::line;
        match p {
            Progress::Fetching { skipped, .. } => self.skipped += skipped,
            Progress::Feed(done) => {
                self.seen.insert(done.feed);
                let (name, url) = (line(&done.name), line(&done.url));
                match &done.outcome {
                    FeedOutcome::Fetched { stats, warnings } => {
                        self.fetched += 1;
                        self.written.new += stats.new;
                        self.written.updated += stats.updated;
                        self.written.unchanged += stats.unchanged;
                        self.written.purged += stats.purged;
                        for w in warnings {
                            self.warnings.push(format!("{name}: {}", line(w)));
                        }
                    }
                    FeedOutcome::NotModified => self.not_modified += 1,
                    FeedOutcome::FetchFailed(e) | FeedOutcome::NotStored(e) => {
                        self.failed.push(format!("{name} ({url}): {}", line(e)))
                    }
                }
            }
            Progress::List(done) => {
                let place = format!("list \"{}\" ({})", line(&done.name), line(&done.url));
                match &done.outcome {
                    ListOutcome::Updated { warnings, .. } => {
                        for w in warnings {
                            self.warnings.push(format!("{place}: {}", line(w)));
                        }
                    }
                    ListOutcome::NotModified => {}
                    ListOutcome::Failed { reason, kept } => {
                        let kept = match kept {
                            Some(t) => {
                                format!("its copy from {} is kept", t.format("%Y-%m-%d %H:%M UTC"))
                            }
                            None => "it has no copy yet".into(),
                        };
                        self.warnings
                            .push(format!("{place} not updated: {}; {kept}", line(reason)));
                    }
                }
            }
            Progress::Alerts(a) => self.alerts.extend(a.iter().cloned()),
            Progress::Problem(e) => self.failed.push(line(e)),
            Progress::Synced(r) => {
                self.synced = Some(match r {
                    Ok(r) => Ok(r.clone()),
                    Err(e) => Err(line(&e.to_string())),
                })
            }
            Progress::Syncing
            | Progress::SyncItems { .. }
            | Progress::Finished
            | Progress::FullText { .. } => {}
        }
    }

    /// Feeds whose result was recorded.
    pub fn feeds(&self) -> usize {
        self.seen.len()
    }
}
