//! The SQLite cache: one connection, owned by whoever holds the `Store`.
//!
//! Writes of one feed happen in one transaction; list queries read only the
//! `articles` table, never the bodies.

mod articles;
mod aware;
mod bodies;
mod carry;
mod checkpoint;
mod counts;
mod feeds;
pub mod fts;
pub mod health;
mod lists;
#[cfg(test)]
mod plans;
mod read;
mod remote;
pub mod schema;
mod stories;
mod view;
mod walk;
mod write;

pub use articles::{prepare, Preparer};
pub use aware::NewMatch;
pub use bodies::{decode_untrusted, BodyError, BODIES_MIGRATION};
pub use carry::{CarriedState, CarryStats};
pub use feeds::PurgeStats;
pub use lists::ListCopy;
pub use read::Unsubscribed;
pub use remote::{outbox_status, Change, Flag, FlagStats, RemoteFeed, RemoteItem};
pub use view::{Counts, Plan, SearchError, ViewFilter};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cache error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot create the cache directory {}: {source}", path.display())]
    CreateDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the cache {} was written by a newer tidings (schema {found}, this one knows {supported})", path.display())]
    TooNew {
        path: std::path::PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("no article with id {0}")]
    NoArticle(i64),
    #[error("no feed named \"{0}\" in the config")]
    NoFeed(String),
    #[error("no feed with the URL {0} in the cache (see `tidings feeds`)")]
    NoFeedUrl(String),
    #[error("{url} is already a feed with {articles} articles in the cache")]
    FeedUrlTaken { url: String, articles: u64 },
    #[error("{0}")]
    Query(#[from] crate::query::QueryError),
    #[error("{0}")]
    Search(view::SearchError),
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub struct Store {
    conn: Connection,
    /// Marking one copy of a story marks them all (`group_stories`).
    group_stories: bool,
    /// What stories compare new articles with, kept between batches.
    candidates: stories::Candidates,
    /// Reads and writes article bodies.
    bodies: bodies::Codec,
    /// Checkpoints for this connection, when it stores whole refreshes.
    checkpointer: Option<checkpoint::Checkpointer>,
}

impl Store {
    /// Opens (creating if needed) the cache at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with_progress(path, &mut |_| {})
    }

    /// As [`Store::open`], telling `progress` the share done (in percent)
    /// while it upgrades an older cache's bodies; never called when there
    /// is nothing to upgrade.
    pub fn open_with_progress(path: &Path, progress: &mut dyn FnMut(u8)) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Store::init(conn, path, progress)
    }

    /// With `false` (the config's `group_stories`), marking an article
    /// leaves the other copies of its story alone.
    pub fn set_group_stories(&mut self, on: bool) {
        self.group_stories = on;
    }

    /// A private cache in memory, for tests.
    pub fn open_in_memory() -> Result<Store> {
        Store::init(
            Connection::open_in_memory()?,
            Path::new(":memory:"),
            &mut |_| {},
        )
    }

    fn init(mut conn: Connection, path: &Path, progress: &mut dyn FnMut(u8)) -> Result<Store> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Writers take the write lock when they begin, so a transaction that
        // reads first never fails on a lock another process took meanwhile.
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        set_wal(&conn)?;
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
        )?;
        conn.set_prepared_statement_cache_capacity(64);
        match schema::migrate(&mut conn)? {
            schema::MigrateOutcome::Ok => {
                let bodies = bodies::Codec::default();
                bodies::upgrade(&mut conn, &bodies, progress)?;
                Ok(Store {
                    conn,
                    group_stories: true,
                    candidates: Default::default(),
                    bodies,
                    checkpointer: None,
                })
            }
            schema::MigrateOutcome::TooNew { found, supported } => Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found,
                supported,
            }),
        }
    }
}

/// How long to wait for another process (a fetch, a migration) to release
/// the cache.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Switches the cache to write-ahead logging. The switch needs an exclusive
/// lock and SQLite reports a busy cache without waiting, so it is retried
/// here until `BUSY_TIMEOUT`.
fn set_wal(conn: &Connection) -> Result<()> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        // journal_mode returns a row, so it is read rather than executed.
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

pub(crate) fn to_ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn from_ts(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}
