//! What the interface asks the store worker for (a page of the list, the
//! counts, an article) and what it does with the answers. Newest wins: each
//! list and article request has a generation, and an answer to an older
//! one is dropped; a count or reload asked for while one is in flight is
//! asked for once more when it comes.

use super::app::{App, Cmd, Filter, Mode, FIRST_LIMIT};
use super::event::{LoadedArticle, StoreCmd};
use super::status::Status;
use crate::model::{ArticleId, ArticleSummary};
use crate::store::{SearchError, ViewFilter};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ListPurpose {
    /// A different view or query: start at the top (or the restored article).
    NewView,
    /// The same view with new data: keep the selected article where it is.
    Reload,
    /// The last page of the view: select its last (oldest) article.
    Bottom,
}

/// Requests in flight and answers awaited.
#[derive(Debug, Default)]
pub(super) struct Requests {
    list_generation: u64,
    /// What the list request in flight is for, its query and first row.
    list_pending: Option<(ListPurpose, String, usize)>,
    /// New articles came while a list was asked for: ask again after it.
    reload_wanted: bool,
    count_pending: bool,
    count_wanted: bool,
    article_generation: u64,
    /// The article to select once the first list comes.
    pub(super) restore_article: Option<ArticleId>,
}

impl App {
    // ---- the list ----

    pub(super) fn set_view(&mut self, view: ViewFilter) -> Vec<Cmd> {
        if view == self.view && self.list.loaded {
            return Vec::new();
        }
        if let ViewFilter::Saved { name, .. } = &view {
            if self.alert_badges.remove(name).is_some() {
                self.rebuild_sidebar();
            }
        }
        self.view = view;
        self.list.limit = FIRST_LIMIT;
        self.list.total = None;
        vec![self.request_list(ListPurpose::NewView, self.filter.applied.clone())]
    }

    pub(super) fn filter_changed(&mut self) -> Vec<Cmd> {
        self.list.limit = FIRST_LIMIT;
        vec![self.request_list(ListPurpose::NewView, self.filter.input.clone())]
    }

    pub(super) fn clear_filter(&mut self) -> Vec<Cmd> {
        self.filter = Filter::default();
        vec![self.request_list(ListPurpose::Reload, String::new())]
    }

    pub(super) fn move_list(&mut self, delta: isize) -> Vec<Cmd> {
        if self.list.move_by(delta, self.list_height()) {
            self.after_list_move()
        } else {
            Vec::new()
        }
    }

    /// G: the oldest article of the view, fetching the last page when it
    /// is not loaded yet.
    pub(super) fn list_bottom(&mut self) -> Vec<Cmd> {
        let total = self.list.total.and_then(|t| usize::try_from(t).ok());
        match total {
            Some(t) if self.list.base + self.list.rows.len() < t => {
                self.list.limit = FIRST_LIMIT;
                let q = self.filter.applied.clone();
                vec![self.request_page(ListPurpose::Bottom, q, t.saturating_sub(FIRST_LIMIT))]
            }
            _ => self.move_list(isize::MAX / 2),
        }
    }

    /// After the selection moved: keep it on screen, load more rows near
    /// the end, and show it in the reader on wide terminals.
    pub(super) fn after_list_move(&mut self) -> Vec<Cmd> {
        self.keep_list_in_view();
        let mut cmds = Vec::new();
        let h = self.list_height();
        let idle = self.requests.list_pending.is_none();
        if idle && self.list.wants_more(h) {
            self.list.limit = self.list.limit.max(self.list.rows.len()) * 2;
            cmds.push(self.request_list(ListPurpose::Reload, self.filter.applied.clone()));
        } else if idle && self.list.wants_earlier(h) {
            // Grow the page upwards, keeping the rows loaded.
            let skip = self.list.base.saturating_sub(FIRST_LIMIT);
            self.list.limit = self.list.rows.len() + self.list.base - skip;
            let q = self.filter.applied.clone();
            cmds.push(self.request_page(ListPurpose::Reload, q, skip));
        }
        cmds.extend(self.preview());
        cmds
    }

    pub(super) fn keep_list_in_view(&mut self) {
        let h = self.list_height();
        self.list.keep_in_view(h);
    }

    // ---- requests ----

    /// The list from where the loaded rows start (a new view from the top).
    pub(super) fn request_list(&mut self, purpose: ListPurpose, query: String) -> Cmd {
        // The loaded rows' place holds only for the same query.
        let skip = match purpose {
            ListPurpose::Reload | ListPurpose::Bottom if query == self.filter.applied => {
                self.list.base
            }
            _ => 0,
        };
        self.request_page(purpose, query, skip)
    }

    /// The list from its `skip`th row.
    ///
    /// This is where the filter's query goes to the store: `query` is the
    /// filter text as typed (see `filter_changed`).
    pub(super) fn request_page(&mut self, purpose: ListPurpose, query: String, skip: usize) -> Cmd {
        self.requests.list_generation += 1;
        // A new view still unanswered stays a new view.
        let (purpose, skip) = match (self.requests.list_pending.take(), purpose) {
            (Some((ListPurpose::NewView, _, _)), ListPurpose::Reload) => (ListPurpose::NewView, 0),
            _ => (purpose, skip),
        };
        self.requests.list_pending = Some((purpose, query.clone(), skip));
        self.requests.reload_wanted = false;
        Cmd::Store(StoreCmd::List {
            generation: self.requests.list_generation,
            view: self.view.clone(),
            query,
            skip,
            limit: self.list.limit,
        })
    }

    pub(super) fn request_reload(&mut self) -> Option<Cmd> {
        if self.requests.list_pending.is_some() {
            self.requests.reload_wanted = true;
            None
        } else {
            Some(self.request_list(ListPurpose::Reload, self.filter.applied.clone()))
        }
    }

    pub(super) fn request_count(&mut self) -> Option<Cmd> {
        if self.requests.count_pending {
            self.requests.count_wanted = true;
            None
        } else {
            self.requests.count_pending = true;
            Some(Cmd::Store(StoreCmd::Count))
        }
    }

    pub(super) fn load_article(&mut self, id: ArticleId) -> Cmd {
        self.requests.article_generation += 1;
        Cmd::Store(StoreCmd::LoadArticle {
            generation: self.requests.article_generation,
            id,
            width: self.reader_width(),
            spoken: self.screen_reader(),
        })
    }

    // ---- answers ----

    pub(super) fn on_listed(
        &mut self,
        generation: u64,
        result: Result<Vec<ArticleSummary>, SearchError>,
    ) -> Vec<Cmd> {
        if generation != self.requests.list_generation {
            return Vec::new();
        }
        let Some((purpose, query, skip)) = self.requests.list_pending.take() else {
            return Vec::new();
        };
        match result {
            Err(e) => {
                if self.mode == Mode::Filter {
                    self.filter.error = Some(e);
                } else {
                    self.say(Status::SearchFailed(e.message));
                }
            }
            Ok(rows) => {
                if self.mode == Mode::Filter && query == self.filter.input {
                    self.filter.error = None;
                }
                // A new filter is counted again: "500+" meanwhile.
                if query != self.filter.applied {
                    self.list.total = None;
                }
                self.filter.applied = query;
                let h = self.list_height();
                let keep = self
                    .list
                    .current()
                    .map(|a| (a.id, self.list.selected.saturating_sub(self.list.offset)));
                self.list.rows = rows;
                self.list.base = skip;
                self.list.loaded = true;
                let len = self.list.rows.len();
                let find =
                    |id: ArticleId, rows: &[ArticleSummary]| rows.iter().position(|a| a.id == id);
                match purpose {
                    ListPurpose::NewView => {
                        let restored = self
                            .requests
                            .restore_article
                            .take()
                            .and_then(|id| find(id, &self.list.rows));
                        self.list.selected = restored.unwrap_or(0);
                        self.list.offset = restored.map_or(0, |i| i.saturating_sub(h / 2));
                    }
                    ListPurpose::Bottom => {
                        self.list.selected = len.saturating_sub(1);
                        self.list.offset = len.saturating_sub(h);
                    }
                    ListPurpose::Reload => match keep
                        .and_then(|(id, row)| find(id, &self.list.rows).map(|i| (i, row)))
                    {
                        Some((i, row)) => {
                            self.list.selected = i;
                            self.list.offset = i.saturating_sub(row);
                        }
                        None => self.list.selected = self.list.selected.min(len.saturating_sub(1)),
                    },
                }
                self.keep_list_in_view();
            }
        }
        let mut cmds = Vec::new();
        if std::mem::take(&mut self.requests.reload_wanted) {
            cmds.extend(self.request_reload());
        }
        cmds.extend(self.preview());
        cmds
    }

    /// The total of the list asked for last.
    pub(super) fn on_list_counted(&mut self, generation: u64, total: u64) {
        if generation == self.requests.list_generation {
            self.list.total = Some(total);
        }
    }

    pub(super) fn on_article_loaded(&mut self, a: LoadedArticle) -> Vec<Cmd> {
        if a.generation != self.requests.article_generation {
            return Vec::new();
        }
        // Asked for before the reader changed width: shown, and
        // asked for again at the new width.
        let again = (a.width != self.reader_width()).then_some(a.id);
        if let Some(r) = self.reader.as_mut().filter(|r| r.summary.id == a.id) {
            r.article = Some(a);
        }
        self.clamp_reader_scroll();
        again.map(|id| self.load_article(id)).into_iter().collect()
    }

    /// The counts came: ask again if they changed meanwhile.
    pub(super) fn count_answered(&mut self) -> Option<Cmd> {
        self.requests.count_pending = false;
        if std::mem::take(&mut self.requests.count_wanted) {
            self.request_count()
        } else {
            None
        }
    }
}
