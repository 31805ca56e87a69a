//! Shared lists, fetched at the start of a refresh: a new copy that reads
//! is kept and its feeds and views replace the old ones; a failed fetch or
//! a list that does not read keeps the last good copy.

use super::{Progress, Runner};
use crate::lists::{self, Fetched};
use crate::store::ListCopy;
use chrono::{DateTime, Utc};

/// One list's fetch.
#[derive(Debug)]
pub struct ListDone {
    pub name: String,
    pub url: String,
    pub outcome: ListOutcome,
}

#[derive(Debug)]
pub enum ListOutcome {
    /// A new copy was read and kept; with what it held and what was left
    /// out of it.
    Updated {
        feeds: usize,
        views: usize,
        warnings: Vec<String>,
    },
    /// 304, or the same file.
    NotModified,
    /// Fetching or reading failed; the copy from `kept` (if any) stays.
    Failed {
        reason: String,
        kept: Option<DateTime<Utc>>,
    },
}

impl Runner {
    /// Fetches every list, keeps the new copies that read, and when any
    /// changed, applies them to the config and the cache's feeds.
    pub(super) fn refresh_lists(&mut self, on: &mut dyn FnMut(Progress)) {
        let Some(fetcher) = self.fetcher.clone() else {
            return;
        };
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                on(Progress::Problem(format!("cannot fetch lists: {e}")));
                return;
            }
        };
        let http = fetcher.http();
        let mut changed = false;
        for list in self.config.lists.clone() {
            let url = list.url.to_string();
            let cached = match self.store.list_copy(&url) {
                Ok(c) => c,
                Err(e) => {
                    on(Progress::Problem(format!(
                        "cannot read the cached list: {e}"
                    )));
                    None
                }
            };
            let fetched = rt.block_on(lists::fetch(&http, &list.url, cached.as_ref()));
            let kept = cached.as_ref().map(|c| c.fetched_at);
            let failed = |reason: String| ListOutcome::Failed { reason, kept };
            let outcome = match fetched {
                Ok(Fetched::NotModified) => ListOutcome::NotModified,
                Err(reason) => failed(reason),
                Ok(Fetched::Body {
                    text,
                    etag,
                    last_modified,
                }) => match lists::parse(&text, &list.name) {
                    Err(reason) => failed(reason),
                    Ok(doc) => {
                        let copy = ListCopy {
                            body: text,
                            etag,
                            last_modified,
                            fetched_at: Utc::now(),
                        };
                        match self.store.save_list(&url, &copy) {
                            Ok(()) => {
                                changed = true;
                                ListOutcome::Updated {
                                    feeds: doc.feeds.len(),
                                    views: doc.views.len(),
                                    warnings: doc.warnings,
                                }
                            }
                            Err(e) => failed(format!("cannot keep it in the cache: {e}")),
                        }
                    }
                },
            };
            on(Progress::List(ListDone {
                name: list.name.clone(),
                url,
                outcome,
            }));
        }
        if changed {
            self.config = lists::with_cached(&self.config, &self.store);
            if let Err(e) = self.store.sync_feeds(&self.config.feeds) {
                on(Progress::Problem(format!("cannot apply the lists: {e}")));
            }
            self.alerter = crate::alerts::Alerter::new(&self.config);
        }
    }
}
