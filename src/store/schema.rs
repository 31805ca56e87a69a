//! Cache schema and migrations. Each migration runs once, in order, in one
//! transaction; `PRAGMA user_version` records how many have run.

use rusqlite::Connection;

/// Migrations in order. Never edit a released one: append a new one.
pub const MIGRATIONS: &[&str] = &[
    V1,
    // 2: the full-text index of titles and bodies.
    crate::query::FTS_MIGRATION,
    // 3: feed-server sync.
    SYNC,
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

/// 3: feed-server sync (additive). Feeds and articles that came from the
/// server carry its ids; flag changes wait in the outbox until the server
/// has them; `sync_state` keeps the account and the last item id seen.
const SYNC: &str = r#"
    ALTER TABLE feeds ADD COLUMN remote_id TEXT;
    CREATE UNIQUE INDEX feeds_by_remote ON feeds(remote_id) WHERE remote_id IS NOT NULL;
    ALTER TABLE articles ADD COLUMN remote_id TEXT;
    CREATE UNIQUE INDEX articles_by_remote ON articles(remote_id) WHERE remote_id IS NOT NULL;
    CREATE TABLE sync_outbox (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        remote_id  TEXT NOT NULL,
        flag       TEXT NOT NULL CHECK (flag IN ('read', 'starred')),
        value      INTEGER NOT NULL,
        changed_at INTEGER NOT NULL,
        UNIQUE (remote_id, flag)
    );
    CREATE TABLE sync_state (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
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
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        // Migration 2 indexes existing bodies as raw HTML; index their text.
        if i == 1 && current > 0 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_from_before_sync_upgrades_in_place() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (i, sql) in MIGRATIONS.iter().take(2).enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", i as i64 + 1)
                .unwrap();
        }
        conn.execute_batch(
            "INSERT INTO feeds (name, url) VALUES ('A', 'http://a.test/');
             INSERT INTO articles (feed_id, guid, title, first_seen, sort_time, content_hash, read)
             VALUES (1, 'g', 'Kept', 0, 0, 0, 1);",
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), MigrateOutcome::Ok);
        let (title, read, remote): (String, bool, Option<String>) = conn
            .query_row("SELECT title, read, remote_id FROM articles", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!((title.as_str(), read, remote), ("Kept", true, None));
        let waiting: i64 = conn
            .query_row("SELECT COUNT(*) FROM sync_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(waiting, 0);
    }
}
