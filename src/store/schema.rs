//! Cache schema and migrations. Each migration runs once, in order, in one
//! transaction; `PRAGMA user_version` records how many have run.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// Migrations in order. Never edit a released one: append a new one.
pub const MIGRATIONS: &[&str] = &[
    V1,
    // 2: the full-text index of titles and bodies.
    crate::query::FTS_MIGRATION,
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
///
/// The version is read again and the migrations run inside one `BEGIN
/// IMMEDIATE` transaction, so any number of processes may open the same new
/// or old cache at once: one migrates, the others wait and find it done.
/// Run it with foreign keys off; it checks them before committing.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<MigrateOutcome> {
    let target = MIGRATIONS.len() as i64;
    let version = |c: &Connection| c.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0));
    // An up-to-date cache needs no write lock.
    let current = version(conn)?;
    if current >= target {
        return Ok(outcome(current, target));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = version(&tx)?;
    if current >= target {
        return Ok(outcome(current, target));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)?;
        // Migration 2 indexes existing bodies as raw HTML; index their text.
        if i == 1 && current > 0 {
            crate::query::rebuild_fts(&tx)?;
        }
    }
    let broken: Option<String> = tx
        .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .optional()?;
    if let Some(table) = broken {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
            Some(format!("migration left a dangling reference in {table}")),
        ));
    }
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
    Ok(MigrateOutcome::Ok)
}

fn outcome(found: i64, supported: i64) -> MigrateOutcome {
    if found > supported {
        MigrateOutcome::TooNew { found, supported }
    } else {
        MigrateOutcome::Ok
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum MigrateOutcome {
    Ok,
    TooNew { found: i64, supported: i64 },
}
