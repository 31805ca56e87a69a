//! newsboat's `cache.db`: which of its articles are read and which starred,
//! to carry over to the articles tidings has cached.

use crate::store::CarriedState;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Why a newsboat cache cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot open {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("{path} is not a newsboat cache ({reason})")]
    NotNewsboat { path: String, reason: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: rusqlite::Error,
    },
}

/// The newsboat articles that are read or starred. The file is opened
/// read-only and never changed.
pub fn read_state(path: &Path) -> Result<Vec<CarriedState>, CacheError> {
    let shown = path.display().to_string();
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| CacheError::Open {
        path: shown.clone(),
        source,
    })?;
    let not_newsboat = |reason: String| CacheError::NotNewsboat {
        path: shown.clone(),
        reason,
    };
    // A file that is not SQLite at all fails on its first query.
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name IN ('rss_item', 'rss_feed')",
        )
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(|e| not_newsboat(e.to_string()))?;
    for want in ["rss_feed", "rss_item"] {
        if !tables.iter().any(|t| t == want) {
            return Err(not_newsboat(format!("no {want} table")));
        }
    }
    let mut stmt = conn
        .prepare(
            "SELECT feedurl, guid, url, unread, COALESCE(flags, '') FROM rss_item
             WHERE unread = 0 OR instr(COALESCE(flags, ''), 's') > 0
             ORDER BY id",
        )
        .map_err(|e| not_newsboat(e.to_string()))?;
    let rows = stmt
        .query_map([], |r| {
            let unread: Option<i64> = r.get(3)?;
            let flags: String = r.get(4)?;
            Ok(CarriedState {
                feed_url: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                guid: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                link: r.get::<_, Option<String>>(2)?.filter(|l| !l.is_empty()),
                read: unread == Some(0),
                starred: flags.contains('s'),
            })
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|source| CacheError::Read {
            path: shown.clone(),
            source,
        })?;
    Ok(rows)
}
