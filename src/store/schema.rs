//! Cache schema and migrations. Each migration runs once, in order, in one
//! transaction; `PRAGMA user_version` records how many have run.

use rusqlite::Connection;

/// Migrations in order. Never edit a released one: append a new one.
pub const MIGRATIONS: &[&str] = &[
    V1,
    // 2: the full-text index of titles and bodies.
    crate::query::FTS_MIGRATION,
    // 3: prefix indexes in the full-text index.
    crate::query::FTS_PREFIX_MIGRATION,
];

/// Migrations after which existing articles must be indexed again.
const REINDEX: &[&str] = &[
    crate::query::FTS_MIGRATION,
    crate::query::FTS_PREFIX_MIGRATION,
];

/// 1: feeds, tags, articles (list columns) and their bodies (kept apart so
/// list scans never touch body pages).
const V1: &str = r#"
    CREATE TABLE feeds (
        id               INTEGER PRIMARY KEY,
        name             TEXT NOT NULL UNIQUE,
        url              TEXT NOT NULL,
        title            TEXT,
        site_url         TEXT,
        last_attempt     INTEGER,
        last_success     INTEGER,
        http_status      INTEGER,
        last_error       TEXT,
        etag             TEXT,
        last_modified    TEXT,
        next_fetch_after INTEGER
    );
    CREATE TABLE feed_tags (
        tag     TEXT NOT NULL,
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        PRIMARY KEY (tag, feed_id)
    ) WITHOUT ROWID;
    CREATE INDEX feed_tags_by_feed ON feed_tags(feed_id);
    CREATE TABLE articles (
        id           INTEGER PRIMARY KEY,
        feed_id      INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        guid         TEXT NOT NULL,
        title        TEXT NOT NULL DEFAULT '',
        link         TEXT,
        author       TEXT,
        published    INTEGER,
        updated      INTEGER,
        first_seen   INTEGER NOT NULL,
        sort_time    INTEGER NOT NULL,
        read         INTEGER NOT NULL DEFAULT 0,
        starred      INTEGER NOT NULL DEFAULT 0,
        content_hash INTEGER NOT NULL,
        UNIQUE (feed_id, guid)
    );
    CREATE TABLE article_bodies (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        summary    TEXT,
        content    TEXT
    );
    CREATE INDEX articles_by_time ON articles(sort_time DESC, id DESC);
    CREATE INDEX articles_by_feed ON articles(feed_id, sort_time DESC, id DESC);
    CREATE INDEX articles_unread ON articles(sort_time DESC, id DESC) WHERE read = 0;
    CREATE INDEX articles_unread_by_feed ON articles(feed_id, sort_time DESC) WHERE read = 0;
    CREATE INDEX articles_starred ON articles(sort_time DESC, id DESC) WHERE starred = 1;
    "#;

/// Brings the schema up to date. Refuses a cache written by a newer tidings.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<MigrateOutcome> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let target = MIGRATIONS.len() as i64;
    if current > target {
        return Ok(MigrateOutcome::TooNew {
            found: current,
            supported: target,
        });
    }
    let pending = || MIGRATIONS.iter().enumerate().skip(current as usize);
    // The index is rebuilt once, after the last migration that needs it.
    let reindex_at = pending()
        .filter(|(_, sql)| REINDEX.contains(sql))
        .map(|(i, _)| i)
        .next_back();
    for (i, sql) in pending() {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        // A new cache has nothing to index.
        if Some(i) == reindex_at && current > 0 {
            crate::query::rebuild_fts(&tx)?;
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(MigrateOutcome::Ok)
}

#[derive(Debug, PartialEq, Eq)]
pub enum MigrateOutcome {
    Ok,
    TooNew { found: i64, supported: i64 },
}
