//! The store worker: a thread that owns the cache connection, answers the
//! interface's commands and writes fetch results as they arrive. Text
//! leaving it is sanitised.

use super::event::{Event, LoadedArticle, SavedView, Snapshot, StoreCmd, SyncStatus};
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::model::{ArticleId, ArticleSummary, FeedId, FeedInfo, FetchOutcome, FetchReport};
use crate::render;
use crate::sanitize;
use crate::store::{SearchError, Store, ViewFilter};
use chrono::Utc;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc::{Receiver, Sender};

/// The interface's filter text: it updates as it is typed, so the word
/// being typed is a prefix. Marking all read uses the same reading, so it
/// marks what the list shows.
fn parse_filter(text: &str) -> Result<crate::query::Query, crate::query::QueryError> {
    crate::query::parse_with(text, crate::query::ParseOptions::TYPING)
}

pub struct Worker {
    pub store: Store,
    pub config: Config,
    /// None when offline.
    pub fetcher: Option<Arc<Fetcher>>,
    pub runtime: tokio::runtime::Handle,
    pub cmds: Receiver<StoreCmd>,
    /// Where fetch results are sent back to this worker.
    pub own: Sender<StoreCmd>,
    pub events: Sender<Event>,
    /// Where dates in rendered text are shown.
    pub zone: crate::render::Zone,
    /// The cache, opened again by the sync thread.
    pub cache_path: std::path::PathBuf,
    pub sync: SyncRun,
    /// The generation of the newest list the interface has asked for: a
    /// count for an older one is given up.
    pub newest_list: Arc<AtomicU64>,
}

/// The sync with the server: at most one at a time, beside fetching.
#[derive(Debug, Default)]
pub struct SyncRun {
    running: bool,
    failed: bool,
}

/// Starts the worker thread; it ends on `Shutdown` or when every sender
/// is gone.
pub fn spawn(worker: Worker) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("tidings-store".into())
        .spawn(move || worker.run())
}

impl Worker {
    /// A view's articles matching the filter text, with the config's
    /// ignore rules; and how many there are when the page says so (it is
    /// short of its limit).
    fn search(
        &self,
        text: &str,
        view: &ViewFilter,
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<ArticleSummary>, Option<u64>), SearchError> {
        let q = parse_filter(text)?;
        let (opts, now) = (self.config.sql_options(), Utc::now());
        let mut rows = self.store.search_from(&q, view, &opts, now, skip, limit)?;
        if opts.stories {
            self.store.fill_also_in(&mut rows)?;
        }
        let total =
            (rows.len() < limit).then(|| u64::try_from(skip + rows.len()).unwrap_or(u64::MAX));
        Ok((rows, total))
    }

    /// How many articles list `generation` has, counted after its rows
    /// are shown; None when the interface has asked for a newer list
    /// meanwhile (or the count failed: the list says "500+").
    fn count(&self, generation: u64, text: &str, view: &ViewFilter) -> Option<u64> {
        let q = parse_filter(text).ok()?;
        let newest = self.newest_list.clone();
        let stale = move || newest.load(Ordering::Relaxed) > generation;
        if stale() {
            return None;
        }
        let (opts, now) = (self.config.sql_options(), Utc::now());
        self.store
            .count_view_unless(&q, view, &opts, now, stale)
            .ok()
            .flatten()
    }

    fn mark_view_read(
        &mut self,
        text: &str,
        view: &ViewFilter,
    ) -> Result<Vec<crate::model::ArticleId>, SearchError> {
        let q = parse_filter(text)?;
        self.store
            .mark_view_read(&q, view, &self.config.sql_options(), Utc::now())
    }

    fn run(mut self) {
        let mut in_flight: HashSet<FeedId> = HashSet::new();
        let mut runs = 0usize;
        // A command read while gathering fetch results, handled next.
        let mut next: Option<StoreCmd> = None;
        while let Some(cmd) = next.take().or_else(|| self.cmds.blocking_recv()) {
            let event = match cmd {
                StoreCmd::Shutdown => break,
                StoreCmd::List {
                    generation,
                    view,
                    query,
                    skip,
                    limit,
                } => {
                    let (result, total) = match self.search(&query, &view, skip, limit) {
                        Ok((rows, total)) => {
                            (Ok(rows.into_iter().map(clean_summary).collect()), total)
                        }
                        Err(e) => (Err(e), None),
                    };
                    let failed = result.is_err();
                    let listed = Event::Listed { generation, result };
                    if self.events.blocking_send(listed).is_err() {
                        break;
                    }
                    // The rows are on screen; the count follows, unless the
                    // interface has asked for a newer list meanwhile.
                    let total = if failed {
                        None
                    } else {
                        total.or_else(|| self.count(generation, &query, &view))
                    };
                    total.map(|total| Event::ListCounted { generation, total })
                }
                StoreCmd::LoadArticle {
                    generation,
                    id,
                    width,
                    spoken,
                } => Some(match self.store.article(id) {
                    Ok(a) => {
                        let (body, links) = if spoken {
                            render::spoken_body(render::body_html(&a), usize::from(width))
                        } else {
                            let body = render::body(&a, usize::from(width));
                            let links = footnote_links(&body);
                            (body.lines().map(str::to_string).collect(), links)
                        };
                        Event::ArticleLoaded(Box::new(LoadedArticle {
                            generation,
                            id,
                            width,
                            header: render::header(&a.summary, self.zone),
                            body,
                            links,
                        }))
                    }
                    Err(e) => failed(e),
                }),
                StoreCmd::SetRead { ids, read } => {
                    self.store.set_read(&ids, read).err().map(failed)
                }
                StoreCmd::SetStarred { ids, starred } => {
                    self.store.set_starred(&ids, starred).err().map(failed)
                }
                StoreCmd::MarkAllRead { view, query } => {
                    Some(match self.mark_view_read(&query, &view) {
                        Ok(ids) => Event::MarkedAllRead { ids },
                        Err(e) => failed(e),
                    })
                }
                StoreCmd::Count => Some(self.snapshot()),
                StoreCmd::Refresh { feeds, force } => {
                    let synced = feeds.is_none() && self.start_sync();
                    if synced {
                        runs += 1;
                        // Shown as one more unit of the refresh.
                        let _ = self
                            .events
                            .blocking_send(Event::RefreshStarted { total: 1 });
                    }
                    let started = self.start_refresh(feeds, force, &mut in_flight);
                    if let Some(total) = started {
                        runs += 1;
                        Some(Event::RefreshStarted { total })
                    } else {
                        None
                    }
                }
                StoreCmd::Record(report) => {
                    // Results that queued meanwhile are written together.
                    let mut batch = vec![*report];
                    while batch.len() < crate::refresh::MAX_BATCH {
                        match self.cmds.try_recv() {
                            Ok(StoreCmd::Record(r)) => batch.push(*r),
                            Ok(other) => {
                                next = Some(other);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    self.record(batch, &mut in_flight)
                }
                StoreCmd::RefreshDone => {
                    runs = runs.saturating_sub(1);
                    (runs == 0).then_some(Event::RefreshFinished)
                }
                StoreCmd::ReadFullText { id } => self.read_full_text(id),
                StoreCmd::StoreFullText { id, result } => Some(Event::FullTextRead {
                    id,
                    result: result
                        .and_then(|html| match self.store.set_page_content(id, &html) {
                            Ok(true) => Ok(()),
                            Ok(false) => Err("the article is no longer cached".into()),
                            Err(e) => Err(e.to_string()),
                        })
                        .map_err(|e| sanitize::line(&e)),
                }),
                StoreCmd::WriteBulletin { title, view, query } => Some(Event::BulletinWritten(
                    self.write_bulletin(&title, &view, &query)
                        .map_err(|e| sanitize::line(&e)),
                )),
                StoreCmd::SyncDone {
                    new,
                    failed,
                    alerts,
                } => {
                    self.sync = SyncRun {
                        running: false,
                        failed,
                    };
                    self.alert(crate::alerts::Alerter::new(&self.config), alerts);
                    runs = runs.saturating_sub(1);
                    let stored = Event::FeedStored {
                        feed: FeedId(0),
                        new,
                        failed,
                    };
                    // The interface is gone only when quitting.
                    if self.events.blocking_send(stored).is_err() {
                        break;
                    }
                    (runs == 0).then_some(Event::RefreshFinished)
                }
            };
            if let Some(event) = event {
                // The interface is gone only when quitting.
                if self.events.blocking_send(event).is_err() {
                    break;
                }
            }
        }
    }

    /// Tells the interface about new alerts and runs the notify command
    /// for them on a thread of its own (it may take seconds).
    /// Starts reading an article's page in the background (the result comes
    /// back as `StoreFullText`); an event at once when that cannot start.
    fn read_full_text(&mut self, id: ArticleId) -> Option<Event> {
        let fail = |e: &str| {
            Some(Event::FullTextRead {
                id,
                result: Err(e.to_string()),
            })
        };
        let Some(fetcher) = self.fetcher.clone() else {
            return fail("offline: the article's page cannot be read");
        };
        let article = match self.store.article(id) {
            Ok(a) => a.summary,
            Err(e) => return fail(&e.to_string()),
        };
        let Some(url) = article
            .link
            .as_deref()
            .and_then(|l| url::Url::parse(l).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
        else {
            return fail("the article has no web page");
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
        self.runtime.spawn(async move {
            let http = fetcher.http();
            let result = crate::fetch::full_text::read_article(&http, &url, &rule)
                .await
                .map_err(|e| e.to_string());
            // The worker is gone only when quitting.
            let _ = back.send(StoreCmd::StoreFullText { id, result }).await;
        });
        None
    }

    /// Writes an HTML bulletin of the last week of `view` (narrowed by the
    /// filter `query`) into the working directory, else the cache's.
    fn write_bulletin(
        &self,
        title: &str,
        view: &ViewFilter,
        query: &str,
    ) -> Result<(std::path::PathBuf, usize), String> {
        use crate::query::{Expr, Flag, TermKind};
        let mut q = parse_filter(query).map_err(|e| e.to_string())?;
        let term = |k| Some(Expr::term(k));
        let view_term = match view {
            ViewFilter::All => None,
            ViewFilter::Unread => term(TermKind::Is(Flag::Unread)),
            ViewFilter::Starred => term(TermKind::Is(Flag::Starred)),
            ViewFilter::Tag(t) => term(TermKind::Tag(t.clone())),
            ViewFilter::Feed(id) => {
                let feeds = self.store.feeds().map_err(|e| e.to_string())?;
                let name = feeds
                    .into_iter()
                    .find(|f| f.id == *id)
                    .map(|f| f.name)
                    .ok_or("the feed is no longer cached")?;
                term(TermKind::Feed { name, exact: true })
            }
            ViewFilter::Saved { query, .. } => {
                let saved = crate::query::parse(query).map_err(|e| e.to_string())?;
                saved.expr
            }
        };
        if let Some(e) = view_term {
            q = q.and(e);
        }
        let now = Utc::now();
        let req = crate::bulletin::Request {
            title: title.to_string(),
            query: q,
            grouping: crate::bulletin::Grouping::Tag,
            dated_from: Some(now - chrono::TimeDelta::days(7)),
            seen_after: None,
            now,
            zone: self.zone,
            limit: BULLETIN_LIMIT,
        };
        let b = crate::bulletin::build(&self.store, &req, &self.config.sql_options())
            .map_err(|e| e.to_string())?;
        if b.is_empty() {
            return Err("nothing in this view from the last 7 days".into());
        }
        let name = format!(
            "bulletin-{}-{}.html",
            slug(title),
            self.zone.at(now).format("%Y-%m-%d")
        );
        let html = crate::bulletin::html(&b);
        let dirs = [
            std::env::current_dir().ok(),
            crate::paths::default_cache().and_then(|p| p.parent().map(|d| d.to_path_buf())),
        ];
        let mut last = "no directory to write to".to_string();
        for dir in dirs.into_iter().flatten() {
            let path = dir.join(&name);
            match std::fs::write(&path, html.as_bytes()) {
                Ok(()) => return Ok((path, b.len())),
                Err(e) => last = format!("cannot write {}: {e}", path.display()),
            }
        }
        Err(last)
    }

    /// Stores fetch results in one transaction and tells the interface
    /// about each; returns the last event to send.
    fn record(
        &mut self,
        batch: Vec<FetchReport>,
        in_flight: &mut HashSet<FeedId>,
    ) -> Option<Event> {
        let alerter = crate::alerts::Alerter::new(&self.config);
        let refs: Vec<&FetchReport> = batch.iter().collect();
        let recorded = alerter.record_all(&mut self.store, &refs);
        let mut events: Vec<Event> = batch
            .iter()
            .zip(recorded.stats)
            .map(|(report, stats)| {
                in_flight.remove(&report.feed_id);
                match stats {
                    Ok(stats) => Event::FeedStored {
                        feed: report.feed_id,
                        new: stats.new,
                        failed: matches!(report.outcome, FetchOutcome::Failed { .. }),
                    },
                    Err(e) => failed(e),
                }
            })
            .collect();
        match recorded.alerts {
            Ok(alerts) => self.alert(alerter, alerts),
            Err(e) => events.push(failed(e)),
        }
        let last = events.pop();
        for e in events {
            // The interface is gone only when quitting.
            let _ = self.events.blocking_send(e);
        }
        last
    }

    fn alert(&self, alerter: crate::alerts::Alerter, alerts: Vec<crate::store::NewMatch>) {
        if alerts.is_empty() {
            return;
        }
        let clean = alerts
            .iter()
            .cloned()
            .map(|mut a| {
                a.view = sanitize::line(&a.view);
                a.title = sanitize::line(&a.title);
                a.feed = sanitize::line(&a.feed);
                a
            })
            .collect();
        // The interface is gone only when quitting.
        let _ = self.events.blocking_send(Event::Alerted(clean));
        let spawned = std::thread::Builder::new()
            .name("tidings-notify".into())
            .spawn(move || {
                for problem in alerter.run_commands(&alerts) {
                    tracing::warn!("{problem}");
                }
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot run notify_command: {e}");
        }
    }

    fn snapshot(&self) -> Event {
        let counts = match self.store.counts(self.config.settings.group_stories) {
            Ok(c) => c,
            Err(e) => return failed(e),
        };
        let opts = self.config.sql_options();
        let views = self
            .config
            .views
            .iter()
            .map(|v| {
                let unread =
                    v.query
                        .clone()
                        .and(crate::query::Expr::term(crate::query::TermKind::Is(
                            crate::query::Flag::Unread,
                        )));
                SavedView {
                    name: sanitize::line(&v.name),
                    query: v.text.clone(),
                    unread: self.store.count(&unread, &opts, Utc::now()).unwrap_or(0),
                }
            })
            .collect();
        let sync = self.config.sync.as_ref().map(|_| SyncStatus {
            last: self
                .store
                .sync_state("last_sync")
                .ok()
                .flatten()
                .and_then(|t| t.parse().ok())
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
            waiting: self.store.outbox_len().unwrap_or(0),
            failed: self.sync.failed,
        });
        match self.store.feeds() {
            Ok(feeds) => Event::Counted(Box::new(Snapshot {
                counts,
                views,
                sync,
                feeds: feeds
                    .into_iter()
                    .filter(|f| f.remote || self.config.feeds.iter().any(|c| c.name == f.name))
                    .map(clean_feed)
                    .collect(),
            })),
            Err(e) => failed(e),
        }
    }

    /// Starts a sync with the server on its own thread and cache
    /// connection, so the interface keeps working from the cache meanwhile.
    /// False when there is no server, when offline, or one is running.
    fn start_sync(&mut self) -> bool {
        if self.config.sync.is_none() || self.fetcher.is_none() || self.sync.running {
            return false;
        }
        let config = self.config.clone();
        let path = self.cache_path.clone();
        let back = self.own.clone();
        let spawned = std::thread::Builder::new()
            .name("tidings-sync".into())
            .spawn(move || {
                // Its own runtime: quitting mid-sync must not leave it on a
                // runtime that is shutting down. Each page is committed, so
                // being cut off loses nothing.
                let result = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| crate::sync::SyncError::Network {
                        url: String::new(),
                        reason: format!("cannot start the runtime: {e}"),
                    })
                    .and_then(|runtime| {
                        let mut store = crate::store::Store::open(&path)?;
                        let tokens = crate::sync::TokenCache::default_location();
                        runtime.block_on(crate::sync::sync(
                            &mut store,
                            &config,
                            &tokens,
                            &mut |_| {},
                        ))
                    });
                let done = match result {
                    Ok(r) => StoreCmd::SyncDone {
                        new: r.new,
                        failed: false,
                        alerts: r.alerts,
                    },
                    Err(e) => {
                        tracing::warn!("sync failed: {e}");
                        StoreCmd::SyncDone {
                            new: 0,
                            failed: true,
                            alerts: Vec::new(),
                        }
                    }
                };
                // The worker is gone only when quitting.
                let _ = back.blocking_send(done);
            });
        match spawned {
            Ok(_) => {
                self.sync.running = true;
                true
            }
            Err(e) => {
                tracing::warn!("cannot start the sync: {e}");
                false
            }
        }
    }

    /// Starts fetching in the background; returns how many feeds, or None
    /// when offline.
    fn start_refresh(
        &mut self,
        only: Option<Vec<FeedId>>,
        force: bool,
        in_flight: &mut HashSet<FeedId>,
    ) -> Option<usize> {
        let fetcher = self.fetcher.clone()?;
        let now = Utc::now();
        let wanted = |_: &crate::config::FeedConfig, id: FeedId| {
            only.as_ref().is_none_or(|o| o.contains(&id)) && !in_flight.contains(&id)
        };
        let run = match crate::refresh::start(
            &self.store,
            &self.config,
            fetcher,
            &self.runtime,
            wanted,
            force,
            now,
        ) {
            Ok(run) => run,
            Err(e) => {
                tracing::warn!("cannot plan a refresh: {e}");
                return None;
            }
        };
        in_flight.extend(run.names.keys().copied());
        let total = run.total;
        let mut reports = run.reports;
        let back = self.own.clone();
        // Reports come back to this thread, which owns the cache.
        self.runtime.spawn(async move {
            while let Some(report) = reports.recv().await {
                if back.send(StoreCmd::Record(Box::new(report))).await.is_err() {
                    break;
                }
            }
            // The worker is gone only when quitting.
            let _ = back.send(StoreCmd::RefreshDone).await;
        });
        Some(total)
    }
}

/// Most articles in a bulletin written from the interface.
const BULLETIN_LIMIT: usize = 200;

/// A file-name-safe form of a view's name: "NHS this week" -> "nhs-this-week".
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.chars().count() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "all".to_string()
    } else {
        out.to_string()
    }
}

fn failed(e: impl std::fmt::Display) -> Event {
    Event::StoreFailed {
        message: sanitize::line(&e.to_string()),
    }
}

fn clean_summary(mut a: ArticleSummary) -> ArticleSummary {
    a.title = sanitize::line(&a.title);
    a.feed = sanitize::line(&a.feed);
    a.author = a.author.as_deref().map(sanitize::line);
    a.link = a.link.as_deref().map(sanitize::line);
    a.also_in = std::mem::take(&mut a.also_in)
        .into_iter()
        .map(clean_summary)
        .collect();
    a
}

fn clean_feed(mut f: FeedInfo) -> FeedInfo {
    f.name = sanitize::line(&f.name);
    f.url = sanitize::line(&f.url);
    f.title = f.title.as_deref().map(sanitize::line);
    f.last_error = f.last_error.as_deref().map(sanitize::line);
    f.tags = f.tags.iter().map(|t| sanitize::line(t)).collect();
    f
}

/// The targets of `[N]: url` footnotes at the end of a rendered body.
pub fn footnote_links(body: &str) -> Vec<String> {
    let mut links = Vec::new();
    for line in body.lines() {
        let Some(rest) = line.trim_start().strip_prefix('[') else {
            continue;
        };
        let Some((n, url)) = rest.split_once("]: ") else {
            continue;
        };
        if n.parse::<usize>().ok() == Some(links.len() + 1) {
            links.push(url.trim().to_string());
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulletin_file_names() {
        assert_eq!(slug("NHS this week"), "nhs-this-week");
        assert_eq!(slug("  «Ünïcode» / AI!"), "ünïcode-ai");
        assert_eq!(slug("***"), "all");
        assert_eq!(slug(&"x".repeat(100)).len(), 40);
    }

    #[test]
    fn footnotes_in_order() {
        let body = render::html_to_text(
            "<p><a href=\"https://a.test/1\">one</a> <a href=\"mailto:x@y.test\">two</a></p>",
            40,
        );
        assert_eq!(
            footnote_links(&body),
            ["https://a.test/1", "mailto:x@y.test"]
        );
        assert!(footnote_links("[2]: https://skip.test\n[x]: no").is_empty());
    }
}
