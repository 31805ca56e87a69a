//! A read-only look at a cache file, for `tidings doctor`.

use super::{from_ts, schema, Result};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Problems `PRAGMA integrity_check` reports, at most this many.
const MAX_PROBLEMS: usize = 10;

/// What a cache holds and whether SQLite finds it sound.
#[derive(Debug)]
pub struct Health {
    /// Bytes on disk, the write-ahead log included.
    pub bytes: u64,
    /// Empty when the integrity check passes.
    pub problems: Vec<String>,
    pub articles: u64,
    pub feeds: u64,
    /// Migrations applied, and how many this version knows.
    pub schema: (i64, i64),
    /// Feeds whose last fetch failed: name, when, why.
    pub failing: Vec<(String, Option<DateTime<Utc>>, String)>,
    /// The last good copy of each shared list: address, text, and when
    /// it was read.
    pub lists: Vec<(String, String, Option<DateTime<Utc>>)>,
}

/// Opens the cache read-only (nothing is created or migrated) and checks it.
pub fn inspect(path: &Path) -> Result<Health> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let bytes = size(path) + size(Path::new(&wal));
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let problems: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .take(MAX_PROBLEMS)
        .collect::<rusqlite::Result<_>>()?;
    let problems = problems.into_iter().filter(|p| p != "ok").collect();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = schema::MIGRATIONS.len() as i64;
    let (articles, feeds, failing) = if version >= 1 {
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
        let articles = count("SELECT count(*) FROM articles")?;
        let feeds = count("SELECT count(*) FROM feeds")?;
        let mut stmt = conn.prepare(
            "SELECT name, last_attempt, last_error FROM feeds \
             WHERE last_error IS NOT NULL ORDER BY name",
        )?;
        let failing = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?.map(from_ts),
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        (articles.max(0) as u64, feeds.max(0) as u64, failing)
    } else {
        (0, 0, Vec::new())
    };
    // Caches from before shared lists have no table for them.
    let has_lists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lists')",
        [],
        |r| r.get(0),
    )?;
    let lists = if has_lists {
        conn.prepare("SELECT url, body, fetched_at FROM lists")?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, Option<i64>>(2)?.map(from_ts),
                ))
            })?
            .collect::<rusqlite::Result<_>>()?
    } else {
        Vec::new()
    };
    Ok(Health {
        bytes,
        problems,
        articles,
        feeds,
        schema: (version, known),
        failing,
        lists,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_cache_is_sound_and_a_broken_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        drop(crate::store::Store::open(&path).unwrap());
        let h = inspect(&path).unwrap();
        assert!(h.problems.is_empty(), "{:?}", h.problems);
        assert_eq!((h.articles, h.feeds), (0, 0));
        assert_eq!(h.schema.0, h.schema.1);
        assert!(h.bytes > 0);

        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"this is not a database, just text of some length").unwrap();
        assert!(inspect(&junk).is_err());
    }
}
