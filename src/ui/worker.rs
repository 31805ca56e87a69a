//! The store worker: a thread that owns the interface's cache connection
//! and answers its commands. Fetching, syncing and whole-article reads are
//! the runner's (`ui::engine`). Text leaving it is sanitised.

use super::event::{Event, LoadedArticle, SavedView, Snapshot, StoreCmd, SyncStatus};
use crate::config::Config;
use crate::model::{ArticleSummary, FeedInfo};
use crate::render;
use crate::sanitize;
use crate::store::{SearchError, Store, ViewFilter};
use chrono::Utc;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc::{Receiver, Sender};

/// The interface's filter text: it updates as it is typed, so the word
/// being typed is a prefix. Marking all read uses the same reading, so it
/// marks what the list shows.
fn parse_filter(text: &str) -> Result<crate::query::Query, crate::query::QueryError> {
    crate::query::parse_with(text, crate::query::ParseOptions::TYPING)
}

/// Work the worker does when no command is waiting.
enum Deferred {
    ListCount {
        generation: u64,
        query: String,
        view: ViewFilter,
    },
    Snapshot,
}

/// The deferred work: the newest list's count, then the sidebar's
/// snapshot.
#[derive(Default)]
struct Later {
    list: Option<Deferred>,
    snapshot: bool,
}

impl Later {
    fn take(&mut self) -> Option<Deferred> {
        self.list
            .take()
            .or_else(|| std::mem::take(&mut self.snapshot).then_some(Deferred::Snapshot))
    }
}

pub struct Worker {
    pub store: Store,
    pub config: Config,
    pub cmds: Receiver<StoreCmd>,
    pub events: Sender<Event>,
    /// Where dates in rendered text are shown.
    pub zone: crate::render::Zone,
    /// The generation of the newest list the interface has asked for: a
    /// count for an older one is given up.
    pub newest_list: Arc<AtomicU64>,
    /// When each shared list was fetched, as last taken in.
    pub lists_seen: Option<Vec<Option<i64>>>,
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

    /// Answers commands in order, except counts: a list's count and the
    /// sidebar's snapshot wait until no command is waiting, so rows and the
    /// reader's article never queue behind a count.
    fn run(mut self) {
        let mut waiting: VecDeque<StoreCmd> = VecDeque::new();
        let mut later = Later::default();
        loop {
            while let Ok(cmd) = self.cmds.try_recv() {
                waiting.push_back(cmd);
            }
            let cmd = match waiting.pop_front() {
                Some(cmd) => cmd,
                None => match later.take() {
                    Some(job) => {
                        let event = match job {
                            Deferred::ListCount {
                                generation,
                                query,
                                view,
                            } => self
                                .count(generation, &query, &view)
                                .map(|total| Event::ListCounted { generation, total }),
                            Deferred::Snapshot => Some(self.snapshot()),
                        };
                        if let Some(event) = event {
                            if self.events.blocking_send(event).is_err() {
                                break;
                            }
                        }
                        continue;
                    }
                    None => match self.cmds.blocking_recv() {
                        Some(cmd) => cmd,
                        None => break,
                    },
                },
            };
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
                    // The rows are on screen; the count follows (a newer
                    // list's count replaces it).
                    match total {
                        Some(total) if !failed => Some(Event::ListCounted { generation, total }),
                        None if !failed => {
                            later.list = Some(Deferred::ListCount {
                                generation,
                                query,
                                view,
                            });
                            None
                        }
                        _ => None,
                    }
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
                StoreCmd::Count => {
                    later.snapshot = true;
                    None
                }
                StoreCmd::WriteBulletin { title, view, query } => Some(Event::BulletinWritten(
                    self.write_bulletin(&title, &view, &query)
                        .map_err(|e| sanitize::line(&e)),
                )),
            };
            if let Some(event) = event {
                // The interface is gone only when quitting.
                if self.events.blocking_send(event).is_err() {
                    break;
                }
            }
        }
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

    /// Takes in lists fetched since they were last read (by the runner,
    /// or another tidings): their feeds and views show.
    fn follow_lists(&mut self) {
        if self.config.lists.is_empty() {
            return;
        }
        let urls: Vec<String> = self
            .config
            .lists
            .iter()
            .map(|l| l.url.to_string())
            .collect();
        let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
        let Ok(seen) = self.store.lists_fetched_at(&refs) else {
            return;
        };
        if self.lists_seen.as_ref() != Some(&seen) {
            self.config = crate::lists::with_cached(&self.config, &self.store);
            self.lists_seen = Some(seen);
        }
    }

    fn snapshot(&mut self) -> Event {
        self.follow_lists();
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
            failed: self
                .store
                .sync_state("last_sync_failed")
                .ok()
                .flatten()
                .as_deref()
                == Some("1"),
        });
        let configured: std::collections::HashSet<&str> =
            self.config.feeds.iter().map(|c| c.name.as_str()).collect();
        match self.store.feeds() {
            Ok(feeds) => Event::Counted(Box::new(Snapshot {
                counts,
                views,
                sync,
                feeds: feeds
                    .into_iter()
                    .filter(|f| {
                        f.origin != crate::model::Origin::Config
                            || configured.contains(f.name.as_str())
                    })
                    .map(clean_feed)
                    .collect(),
            })),
            Err(e) => failed(e),
        }
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
    fn rows_and_the_article_come_before_counts() {
        use crate::model::{ArticleId, FetchReport, ParsedArticle, ParsedFeed};
        let mut store = Store::open_in_memory().unwrap();
        let config = Config::parse(
            std::path::Path::new("c.toml"),
            "[[feed]]\nname = \"A\"\nurl = \"http://a.test/\"\n",
        )
        .unwrap();
        let ids = store.sync_feeds(&config.feeds).unwrap();
        let articles = (0..3)
            .map(|i| ParsedArticle {
                guid: format!("{i}"),
                title: format!("Article {i}"),
                ..Default::default()
            })
            .collect();
        let feed = ParsedFeed {
            articles,
            ..Default::default()
        };
        store
            .record(&FetchReport::fetched(ids[0], feed, Utc::now()))
            .unwrap();
        let (cmd_tx, cmd_rx) = tokio::sync::mpsc::channel(8);
        let (ev_tx, mut ev_rx) = tokio::sync::mpsc::channel(8);
        // All asked for before the worker starts: as at the interface's start.
        let list = StoreCmd::List {
            generation: 1,
            view: ViewFilter::All,
            query: String::new(),
            skip: 0,
            limit: 1,
        };
        let load = StoreCmd::LoadArticle {
            generation: 1,
            id: ArticleId(1),
            width: 40,
            spoken: false,
        };
        for cmd in [list, StoreCmd::Count, load] {
            cmd_tx.blocking_send(cmd).unwrap();
        }
        let worker = spawn(Worker {
            store,
            config,
            cmds: cmd_rx,
            events: ev_tx,
            zone: crate::render::Zone::utc(),
            newest_list: Default::default(),
            lists_seen: None,
        })
        .unwrap();
        let mut order = Vec::new();
        for _ in 0..4 {
            order.push(match ev_rx.blocking_recv().unwrap() {
                Event::Listed { result, .. } => format!("listed {}", result.unwrap().len()),
                Event::ArticleLoaded(_) => "article".to_string(),
                Event::ListCounted { total, .. } => format!("counted {total}"),
                Event::Counted(s) => format!("snapshot {}", s.counts.all),
                other => format!("{other:?}"),
            });
        }
        cmd_tx.blocking_send(StoreCmd::Shutdown).unwrap();
        worker.join().unwrap();
        assert_eq!(order, ["listed 1", "article", "counted 3", "snapshot 3"]);
    }

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
