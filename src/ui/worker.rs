//! The store worker: a thread that owns the cache connection, answers the
//! interface's commands and writes fetch results as they arrive. Text
//! leaving it is sanitised.

use super::event::{Event, LoadedArticle, SavedView, Snapshot, StoreCmd, SyncStatus};
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::model::{ArticleSummary, FeedId, FeedInfo, FetchOutcome};
use crate::render;
use crate::sanitize;
use crate::store::{SearchError, Store, ViewFilter};
use chrono::Utc;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::mpsc::{Receiver, Sender};

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
    /// ignore rules.
    fn search(
        &self,
        text: &str,
        view: &ViewFilter,
        limit: usize,
    ) -> Result<Vec<ArticleSummary>, SearchError> {
        let q = crate::query::parse(text)?;
        self.store
            .search(&q, view, &self.config.sql_options(), Utc::now(), limit)
    }

    fn mark_view_read(
        &mut self,
        text: &str,
        view: &ViewFilter,
    ) -> Result<Vec<crate::model::ArticleId>, SearchError> {
        let q = crate::query::parse(text)?;
        self.store
            .mark_view_read(&q, view, &self.config.sql_options(), Utc::now())
    }

    fn run(mut self) {
        let mut in_flight: HashSet<FeedId> = HashSet::new();
        let mut runs = 0usize;
        while let Some(cmd) = self.cmds.blocking_recv() {
            let event = match cmd {
                StoreCmd::Shutdown => break,
                StoreCmd::List {
                    generation,
                    view,
                    query,
                    limit,
                } => Some(Event::Listed {
                    generation,
                    result: self
                        .search(&query, &view, limit)
                        .map(|rows| rows.into_iter().map(clean_summary).collect()),
                }),
                StoreCmd::LoadArticle {
                    generation,
                    id,
                    width,
                } => Some(match self.store.article(id) {
                    Ok(a) => {
                        let body = render::body(&a, usize::from(width));
                        let links = footnote_links(&body);
                        Event::ArticleLoaded(Box::new(LoadedArticle {
                            generation,
                            id,
                            width,
                            header: render::header(&a.summary, self.zone),
                            body: body.lines().map(str::to_string).collect(),
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
                    in_flight.remove(&report.feed_id);
                    let failed_fetch = matches!(report.outcome, FetchOutcome::Failed { .. });
                    Some(match self.store.record(&report) {
                        Ok(stats) => Event::FeedStored {
                            feed: report.feed_id,
                            new: stats.new,
                            failed: failed_fetch,
                        },
                        Err(e) => failed(e),
                    })
                }
                StoreCmd::RefreshDone => {
                    runs = runs.saturating_sub(1);
                    (runs == 0).then_some(Event::RefreshFinished)
                }
                StoreCmd::SyncDone { new, failed } => {
                    self.sync = SyncRun {
                        running: false,
                        failed,
                    };
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

    fn snapshot(&self) -> Event {
        let counts = match self.store.counts() {
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
                    },
                    Err(e) => {
                        tracing::warn!("sync failed: {e}");
                        StoreCmd::SyncDone {
                            new: 0,
                            failed: true,
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
