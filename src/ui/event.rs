//! Messages between the interface and its workers: `StoreCmd` asks the
//! store worker, `Event` reports what the store worker and the runner did.

use crate::model::{ArticleId, ArticleSummary, FeedId, FeedInfo};
use crate::store::{Counts, SearchError, ViewFilter};

/// A request to the store worker.
#[derive(Debug)]
pub enum StoreCmd {
    /// The articles of a view matching a filter, newest first: at most
    /// `limit` from the `skip`th on; then how many there are in all.
    List {
        generation: u64,
        view: ViewFilter,
        query: String,
        skip: usize,
        limit: usize,
    },
    /// One article, its body rendered to `width` columns.
    LoadArticle {
        generation: u64,
        id: ArticleId,
        width: u16,
        /// Worded for the ear (the screen-reader mode).
        spoken: bool,
    },
    SetRead {
        ids: Vec<ArticleId>,
        read: bool,
    },
    SetStarred {
        ids: Vec<ArticleId>,
        starred: bool,
    },
    MarkAllRead {
        view: ViewFilter,
        query: String,
    },
    Count,
    /// Write a bulletin of the last week of a view (with the filter).
    WriteBulletin {
        title: String,
        view: ViewFilter,
        query: String,
    },
    Shutdown,
}

/// Something a worker did, for the interface.
#[derive(Debug)]
pub enum Event {
    Listed {
        generation: u64,
        result: Result<Vec<ArticleSummary>, SearchError>,
    },
    /// How many articles the list of this generation has in all.
    ListCounted {
        generation: u64,
        total: u64,
    },
    ArticleLoaded(Box<LoadedArticle>),
    Counted(Box<Snapshot>),
    RefreshStarted {
        total: usize,
    },
    FeedStored {
        feed: FeedId,
        new: usize,
        failed: bool,
    },
    /// A sync with the server ended: `new` articles new or changed and
    /// flags the server changed, or it failed.
    Synced {
        new: usize,
        failed: bool,
    },
    RefreshFinished,
    MarkedAllRead {
        ids: Vec<ArticleId>,
    },
    /// New articles of views with `notify = true` (text sanitised).
    Alerted(Vec<crate::store::NewMatch>),
    /// The whole text of an article was stored, or why not.
    FullTextRead {
        id: ArticleId,
        result: Result<(), String>,
    },
    /// Where a bulletin was written and of how many articles, or why not.
    BulletinWritten(Result<(std::path::PathBuf, usize), String>),
    StoreFailed {
        message: String,
    },
}

/// An article ready to show: all text sanitised, the body wrapped.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedArticle {
    pub generation: u64,
    pub id: ArticleId,
    pub width: u16,
    pub header: Vec<(&'static str, String)>,
    pub body: Vec<String>,
    /// Link targets in footnote order: `links[0]` is `[1]`.
    pub links: Vec<String>,
}

/// Totals and per-feed state, all text sanitised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub counts: Counts,
    pub feeds: Vec<FeedInfo>,
    /// Saved views from the config, with their unread counts.
    pub views: Vec<SavedView>,
    /// With a sync server: when it last succeeded and what waits for it.
    pub sync: Option<SyncStatus>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SyncStatus {
    pub last: Option<chrono::DateTime<chrono::Utc>>,
    /// Local changes in the outbox.
    pub waiting: u64,
    /// The last sync of this session failed.
    pub failed: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SavedView {
    pub name: String,
    pub query: String,
    pub unread: u64,
}
