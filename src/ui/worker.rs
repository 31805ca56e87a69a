//! The store worker: a thread that owns the cache connection, answers the
//! interface's commands and writes fetch results as they arrive. Text
//! leaving it is sanitised.

use super::event::{Event, LoadedArticle, SavedView, Snapshot, StoreCmd};
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
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<ArticleSummary>, u64), SearchError> {
        let q = parse_filter(text)?;
        let (opts, now) = (self.config.sql_options(), Utc::now());
        let mut rows = self.store.search_from(&q, view, &opts, now, skip, limit)?;
        if opts.stories {
            self.store.fill_also_in(&mut rows)?;
        }
        // Counting is cheap next to listing; a page short of its limit
        // already says how many there are.
        let total = if rows.len() < limit {
            u64::try_from(skip + rows.len()).unwrap_or(u64::MAX)
        } else {
            self.store.count_view(&q, view, &opts, now)?
        };
        Ok((rows, total))
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
        while let Some(cmd) = self.cmds.blocking_recv() {
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
                        Ok((rows, total)) => (
                            Ok(rows.into_iter().map(clean_summary).collect()),
                            Some(total),
                        ),
                        Err(e) => (Err(e), None),
                    };
                    let listed = Event::Listed { generation, result };
                    if self.events.blocking_send(listed).is_err() {
                        break;
                    }
                    total.map(|total| Event::ListCounted { generation, total })
                }
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
                    let alerter = crate::alerts::Alerter::new(&self.config);
                    Some(match alerter.record(&mut self.store, &report) {
                        Ok((stats, alerts)) => {
                            self.alert(alerter, alerts);
                            Event::FeedStored {
                                feed: report.feed_id,
                                new: stats.new,
                                failed: failed_fetch,
                            }
                        }
                        Err(e) => failed(e),
                    })
                }
                StoreCmd::RefreshDone => {
                    runs = runs.saturating_sub(1);
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
        match self.store.feeds() {
            Ok(feeds) => Event::Counted(Box::new(Snapshot {
                counts,
                views,
                feeds: feeds
                    .into_iter()
                    .filter(|f| self.config.feeds.iter().any(|c| c.name == f.name))
                    .map(clean_feed)
                    .collect(),
            })),
            Err(e) => failed(e),
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
        let jobs = match crate::refresh::plan(&self.store, &self.config, wanted, force, now) {
            Ok(plan) => plan.jobs,
            Err(e) => {
                tracing::warn!("cannot plan a refresh: {e}");
                return None;
            }
        };
        in_flight.extend(jobs.iter().map(|j| j.feed_id));
        let total = jobs.len();
        let (tx, mut rx) = tokio::sync::mpsc::channel(self.config.settings.concurrency);
        let back = self.own.clone();
        self.runtime.spawn(async move {
            let forward = async {
                while let Some(report) = rx.recv().await {
                    if back.send(StoreCmd::Record(Box::new(report))).await.is_err() {
                        break;
                    }
                }
            };
            tokio::join!(fetcher.run(jobs, tx), forward);
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
