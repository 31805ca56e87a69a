//! Cache schema and migrations. Each migration runs once, in order, in one
//! transaction; `PRAGMA user_version` records how many have run.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// Migrations in order. Never edit a released one: append a new one.
pub const MIGRATIONS: &[&str] = &[
    V1,
    // 2: the full-text index of titles and bodies.
    super::fts::FTS_MIGRATION,
    // 3: feed-server sync.
    SYNC,
    V4_FEEDS_BY_URL,
    // 5: when each bulletin was last made; articles that have alerted;
    // stories.
    AWARENESS,
    // 6: prefix indexes in the full-text index.
    super::fts::FTS_PREFIX_MIGRATION,
    STORY_LEADS,
    // 8: a prefix index for one character only.
    super::fts::FTS_ONE_PREFIX_MIGRATION,
    // 9: stories read their candidates once per run, through the time
    // index; one index fewer to write for every article.
    "DROP INDEX articles_by_simhash_time;",
    STORY_KEYS,
    STORY_RULES,
    TITLE_DERIVED,
    LISTS,
    FEED_COUNTS,
    LIST_INDEXES,
    super::fts::FTS_AUTOMERGE,
    // 17: compressed article bodies.
    super::bodies::BODIES_MIGRATION,
    // 18: initials instead of a one-letter prefix index.
    super::fts::FTS_INITIALS_MIGRATION,
];

/// Stories under the rules of `crate::story`: the SimHash is of the
/// opening alone (worked out again in Rust after this runs, for recent
/// articles), and stories that hold two articles of one feed or rest on a
/// link that names no item are regrouped.
const STORY_RULES: &str = "UPDATE articles SET simhash = NULL WHERE simhash IS NOT NULL;";

/// Titles tidings made for articles whose source gave none; the few such
/// articles are found through a partial index.
const TITLE_DERIVED: &str = "
ALTER TABLE articles ADD COLUMN title_derived INTEGER NOT NULL DEFAULT 0;
CREATE INDEX articles_title_derived ON articles(id) WHERE title_derived;
";

/// Shared lists: the last good copy of each, with its validators; feeds
/// record the list they come from.
const LISTS: &str = r#"
    ALTER TABLE feeds ADD COLUMN list TEXT;
    CREATE TABLE lists (
        url           TEXT PRIMARY KEY,
        body          TEXT NOT NULL,
        etag          TEXT,
        last_modified TEXT,
        fetched_at    INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#;

/// Per-feed totals, kept by triggers as articles come, change and go, so
/// the sidebar and the unfiltered views count without reading every
/// article; and an index of story copies, which text counts subtract. `lead_*` count story leads only (lists that group stories).
/// The triggers test flags as the queries do: unread is `read = 0`,
/// starred is `starred = 1`.
const FEED_COUNTS: &str = r#"
    CREATE TABLE feed_counts (
        feed_id      INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
        total        INTEGER NOT NULL DEFAULT 0,
        unread       INTEGER NOT NULL DEFAULT 0,
        starred      INTEGER NOT NULL DEFAULT 0,
        leads        INTEGER NOT NULL DEFAULT 0,
        lead_unread  INTEGER NOT NULL DEFAULT 0,
        lead_starred INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO feed_counts
        SELECT feed_id, COUNT(*), SUM(read = 0), SUM(starred = 1), SUM(story_lead = 1),
               SUM(story_lead = 1 AND read = 0), SUM(story_lead = 1 AND starred = 1)
        FROM articles GROUP BY feed_id;
    CREATE INDEX articles_copies ON articles(id) WHERE story_lead = 0;
    CREATE TRIGGER feed_counts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO feed_counts (feed_id) VALUES (NEW.feed_id) ON CONFLICT DO NOTHING;
        UPDATE feed_counts SET
            total = total + 1,
            unread = unread + (NEW.read = 0),
            starred = starred + (NEW.starred = 1),
            leads = leads + (NEW.story_lead = 1),
            lead_unread = lead_unread + (NEW.story_lead = 1 AND NEW.read = 0),
            lead_starred = lead_starred + (NEW.story_lead = 1 AND NEW.starred = 1)
        WHERE feed_id = NEW.feed_id;
    END;
    CREATE TRIGGER feed_counts_delete AFTER DELETE ON articles BEGIN
        UPDATE feed_counts SET
            total = total - 1,
            unread = unread - (OLD.read = 0),
            starred = starred - (OLD.starred = 1),
            leads = leads - (OLD.story_lead = 1),
            lead_unread = lead_unread - (OLD.story_lead = 1 AND OLD.read = 0),
            lead_starred = lead_starred - (OLD.story_lead = 1 AND OLD.starred = 1)
        WHERE feed_id = OLD.feed_id;
    END;
    CREATE TRIGGER feed_counts_update AFTER UPDATE OF feed_id, read, starred, story_lead
        ON articles
    WHEN OLD.feed_id IS NOT NEW.feed_id OR (OLD.read = 0) IS NOT (NEW.read = 0)
        OR (OLD.starred = 1) IS NOT (NEW.starred = 1)
        OR (OLD.story_lead = 1) IS NOT (NEW.story_lead = 1)
    BEGIN
        UPDATE feed_counts SET
            total = total - 1,
            unread = unread - (OLD.read = 0),
            starred = starred - (OLD.starred = 1),
            leads = leads - (OLD.story_lead = 1),
            lead_unread = lead_unread - (OLD.story_lead = 1 AND OLD.read = 0),
            lead_starred = lead_starred - (OLD.story_lead = 1 AND OLD.starred = 1)
        WHERE feed_id = OLD.feed_id;
        INSERT INTO feed_counts (feed_id) VALUES (NEW.feed_id) ON CONFLICT DO NOTHING;
        UPDATE feed_counts SET
            total = total + 1,
            unread = unread + (NEW.read = 0),
            starred = starred + (NEW.starred = 1),
            leads = leads + (NEW.story_lead = 1),
            lead_unread = lead_unread + (NEW.story_lead = 1 AND NEW.read = 0),
            lead_starred = lead_starred + (NEW.story_lead = 1 AND NEW.starred = 1)
        WHERE feed_id = NEW.feed_id;
    END;
    "#;

/// The time-ordered indexes lists walk also hold each article's feed, so
/// a walk restricted to feeds (`tag:nhs`) tests them without reading the
/// table.
const LIST_INDEXES: &str = r#"
    DROP INDEX articles_by_time;
    CREATE INDEX articles_by_time ON articles(sort_time DESC, id DESC, feed_id);
    DROP INDEX articles_unread;
    CREATE INDEX articles_unread ON articles(sort_time DESC, id DESC, feed_id) WHERE read = 0;
    DROP INDEX articles_lead_by_time;
    CREATE INDEX articles_lead_by_time ON articles(sort_time DESC, id DESC, feed_id)
        WHERE story_lead = 1;
    DROP INDEX articles_lead_unread;
    CREATE INDEX articles_lead_unread ON articles(sort_time DESC, id DESC, feed_id)
        WHERE read = 0 AND story_lead = 1;
    CREATE INDEX articles_lead_starred ON articles(sort_time DESC, id DESC, feed_id)
        WHERE starred = 1 AND story_lead = 1;
    "#;

/// 10: articles cached before stories existed get their link key (worked
/// out in Rust after this runs; the SimHash comes with `STORY_RULES`), so
/// new copies can join them.
const STORY_KEYS: &str = "UPDATE articles SET simhash = simhash WHERE 0;";

/// From this many articles, re-indexing says so on stderr.
const REINDEX_NOTICE: i64 = 5_000;

/// Migrations after which existing articles must be indexed again.
const REINDEX: &[&str] = &[
    super::fts::FTS_MIGRATION,
    super::fts::FTS_PREFIX_MIGRATION,
    super::fts::FTS_ONE_PREFIX_MIGRATION,
    super::fts::FTS_INITIALS_MIGRATION,
];

/// 7: one copy of each story leads it (the earliest by sort time, then
/// id): lists show leads only. Triggers keep exactly one lead per story as
/// copies join, change date or are deleted; partial indexes serve lists
/// and counts of leads.
const STORY_LEADS: &str = r#"
    ALTER TABLE articles ADD COLUMN story_lead INTEGER NOT NULL DEFAULT 1;
    UPDATE articles SET story_lead = (id = (
        SELECT b.id FROM articles b WHERE b.story_id = articles.story_id
        ORDER BY b.sort_time, b.id LIMIT 1))
    WHERE story_id IN (
        SELECT story_id FROM articles WHERE story_id IS NOT NULL
        GROUP BY story_id HAVING COUNT(*) > 1);
    CREATE INDEX articles_lead_by_time ON articles(sort_time DESC, id DESC)
        WHERE story_lead = 1;
    CREATE INDEX articles_lead_unread ON articles(sort_time DESC, id DESC)
        WHERE read = 0 AND story_lead = 1;
    CREATE TRIGGER articles_story_lead AFTER UPDATE OF story_id, sort_time ON articles
    WHEN NEW.story_id IS NOT NULL
        AND (OLD.story_id IS NOT NEW.story_id OR OLD.sort_time != NEW.sort_time)
    BEGIN
        UPDATE articles SET story_lead = (id = (
            SELECT b.id FROM articles b WHERE b.story_id = NEW.story_id
            ORDER BY b.sort_time, b.id LIMIT 1))
        WHERE story_id = NEW.story_id;
    END;
    CREATE TRIGGER articles_story_lead_gone AFTER DELETE ON articles
    WHEN OLD.story_id IS NOT NULL AND OLD.story_lead = 1
    BEGIN
        UPDATE articles SET story_lead = 1 WHERE id = (
            SELECT b.id FROM articles b WHERE b.story_id = OLD.story_id
            ORDER BY b.sort_time, b.id LIMIT 1);
    END;
    "#;

/// 5: `bulletins` remembers, per view ('' for none), when the last
/// bulletin was made. `alerts` records each article that alerted, by feed
/// URL and guid, so it never alerts twice (it survives purges). Articles
/// get a story (the id of its first article), their normalised link and
/// the SimHash of their opening text (see `crate::story`).
const AWARENESS: &str = r#"
    CREATE TABLE bulletins (
        view    TEXT PRIMARY KEY,
        made_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE alerts (
        feed_url   TEXT NOT NULL,
        guid       TEXT NOT NULL,
        view       TEXT NOT NULL,
        alerted_at INTEGER NOT NULL,
        PRIMARY KEY (feed_url, guid)
    ) WITHOUT ROWID;
    ALTER TABLE articles ADD COLUMN story_id INTEGER;
    ALTER TABLE articles ADD COLUMN link_key TEXT;
    ALTER TABLE articles ADD COLUMN simhash INTEGER;
    CREATE INDEX articles_by_story ON articles(story_id) WHERE story_id IS NOT NULL;
    CREATE INDEX articles_by_link_key ON articles(link_key) WHERE link_key IS NOT NULL;
    CREATE INDEX articles_by_simhash_time ON articles(sort_time, simhash, feed_id, story_id)
        WHERE simhash IS NOT NULL;
    "#;

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

/// 4: a local feed is known by its URL, not its name, and remembers whether the
/// config still lists it. Rows that share a URL (a feed renamed in the
/// config) are merged into the oldest: copies of one article become one,
/// read or starred if either was. Run with foreign keys off.
const V4_FEEDS_BY_URL: &str = r#"
    CREATE TEMP TABLE feed_merge (dup INTEGER PRIMARY KEY, keep INTEGER NOT NULL);
    INSERT INTO feed_merge (dup, keep)
        SELECT id, keep FROM (
            SELECT f.id,
                (SELECT MIN(g.id) FROM feeds g WHERE g.url = f.url AND g.remote_id IS NULL) AS keep
            FROM feeds f WHERE f.remote_id IS NULL)
        WHERE id <> keep;
    CREATE TEMP TABLE article_merge AS
        SELECT k.id AS keep, d.id AS dup, d.read AS read, d.starred AS starred
        FROM feed_merge m
        JOIN articles d ON d.feed_id = m.dup
        JOIN articles k ON k.feed_id = m.keep AND k.guid = d.guid;
    CREATE INDEX temp.article_merge_by_keep ON article_merge(keep);
    UPDATE articles SET
        read = MAX(read, (SELECT MAX(read) FROM article_merge WHERE keep = articles.id)),
        starred = MAX(starred, (SELECT MAX(starred) FROM article_merge WHERE keep = articles.id))
    WHERE id IN (SELECT keep FROM article_merge);
    DELETE FROM article_bodies WHERE article_id IN (SELECT dup FROM article_merge);
    DELETE FROM articles WHERE id IN (SELECT dup FROM article_merge);
    UPDATE articles SET feed_id = (SELECT keep FROM feed_merge WHERE dup = articles.feed_id)
    WHERE feed_id IN (SELECT dup FROM feed_merge);
    DELETE FROM feed_tags WHERE feed_id IN (SELECT dup FROM feed_merge);
    DELETE FROM feeds WHERE id IN (SELECT dup FROM feed_merge);
    DROP TABLE temp.article_merge;
    DROP TABLE temp.feed_merge;

    CREATE TABLE feeds_by_url (
        id               INTEGER PRIMARY KEY,
        url              TEXT NOT NULL,
        name             TEXT NOT NULL,
        subscribed       INTEGER NOT NULL DEFAULT 1,
        title            TEXT,
        site_url         TEXT,
        last_attempt     INTEGER,
        last_success     INTEGER,
        http_status      INTEGER,
        last_error       TEXT,
        etag             TEXT,
        last_modified    TEXT,
        next_fetch_after INTEGER,
        remote_id        TEXT
    );
    INSERT INTO feeds_by_url (id, url, name, title, site_url, last_attempt, last_success,
        http_status, last_error, etag, last_modified, next_fetch_after, remote_id)
    SELECT id, url, name, title, site_url, last_attempt, last_success,
        http_status, last_error, etag, last_modified, next_fetch_after, remote_id
    FROM feeds;
    DROP TABLE feeds;
    ALTER TABLE feeds_by_url RENAME TO feeds;
    CREATE INDEX feeds_by_name ON feeds(name COLLATE NOCASE);
    -- A server's feed may share its URL with a local one.
    CREATE UNIQUE INDEX feeds_by_url ON feeds(url) WHERE remote_id IS NULL;
    CREATE UNIQUE INDEX feeds_by_remote ON feeds(remote_id) WHERE remote_id IS NOT NULL;
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
///
/// The version is read again and the migrations run inside one `BEGIN
/// IMMEDIATE` transaction, so any number of processes may open the same new
/// or old cache at once: one migrates, the others wait and find it done.
/// Foreign keys are off while it runs (so a migration can rebuild a table)
/// and checked before it commits.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<MigrateOutcome> {
    let keys: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let outcome = migrate_now(conn);
    conn.pragma_update(None, "foreign_keys", keys)?;
    outcome
}

fn migrate_now(conn: &mut Connection) -> rusqlite::Result<MigrateOutcome> {
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
    let pending = || MIGRATIONS.iter().enumerate().skip(current as usize);
    // The index is rebuilt once, after the last migration that needs it.
    let reindex_at = pending()
        .filter(|(_, sql)| REINDEX.contains(sql))
        .map(|(i, _)| i)
        .next_back();
    for (i, sql) in pending() {
        tx.execute_batch(sql)?;
        if *sql == STORY_KEYS && current > 0 {
            super::stories::fill_story_keys(&tx)?;
        }
        if *sql == STORY_RULES && current > 0 {
            let articles: i64 = tx.query_row("SELECT COUNT(*) FROM articles", [], |r| r.get(0))?;
            if articles >= REINDEX_NOTICE {
                eprintln!(
                    "tidings: upgrading the cache: checking stories against the new rules (once)"
                );
            }
            super::stories::reapply_story_rules(&tx)?;
        }
        // A new cache has nothing to index.
        if Some(i) == reindex_at && current > 0 {
            let articles: i64 = tx.query_row("SELECT COUNT(*) FROM articles", [], |r| r.get(0))?;
            // Before any interface is drawn: rebuilding takes a while on a
            // large cache, and the user should know why nothing shows yet.
            if articles >= REINDEX_NOTICE {
                eprintln!("tidings: upgrading the cache: indexing {articles} articles again (once; this can take a minute)");
            }
            super::fts::rebuild_fts(&tx)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// A cache as tidings wrote it before feeds were keyed by URL: "Old"
    /// was renamed "New" in the config, so both rows share a URL.
    fn version_2_cache(path: &std::path::Path) {
        let conn = Connection::open(path).unwrap();
        for sql in &MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "PRAGMA user_version = 2;
             INSERT INTO feeds (id, name, url, etag) VALUES
                 (1, 'Old', 'http://a.test/', '\"e\"'), (2, 'New', 'http://a.test/', NULL),
                 (3, 'Other', 'http://b.test/', NULL);
             INSERT INTO feed_tags VALUES ('t', 1), ('t', 2);
             INSERT INTO articles (id, feed_id, guid, title, first_seen, sort_time, read,
                 starred, content_hash) VALUES
                 (1, 1, 'g1', 'Kept read', 0, 1, 1, 0, 0),
                 (2, 1, 'g2', 'Kept starred', 0, 2, 0, 1, 0),
                 (3, 2, 'g1', 'Copy of read', 0, 1, 0, 0, 0),
                 (4, 2, 'g2', 'Copy of starred', 0, 2, 0, 0, 0),
                 (5, 2, 'g3', 'Only new', 0, 3, 0, 1, 0),
                 (6, 3, 'g1', 'Other feed', 0, 4, 0, 0, 0);
             INSERT INTO article_bodies (article_id, summary) VALUES
                 (1, 'one'), (3, 'copy'), (5, 'five');
             INSERT INTO articles_fts (rowid, title, body) VALUES
                 (1, 'Kept read', 'one'), (2, 'Kept starred', ''), (3, 'Copy of read', 'copy'),
                 (4, 'Copy of starred', ''), (5, 'Only new', 'five'), (6, 'Other feed', '');",
        )
        .unwrap();
    }

    #[test]
    fn an_old_cache_upgrades_in_place_merging_feeds_that_share_a_url() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        version_2_cache(&path);
        drop(Store::open(&path).unwrap());

        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let rows = |sql: &str| -> Vec<String> {
            let mut stmt = conn.prepare(sql).unwrap();
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
            rows.map(|r| r.unwrap()).collect()
        };
        assert_eq!(
            rows("SELECT id || ' ' || name || ' ' || url || ' ' || subscribed FROM feeds ORDER BY id"),
            ["1 Old http://a.test/ 1", "3 Other http://b.test/ 1"]
        );
        assert_eq!(
            rows("SELECT id || ' ' || feed_id || ' ' || read || starred FROM articles ORDER BY id"),
            ["1 1 10", "2 1 01", "5 1 01", "6 3 00"]
        );
        assert_eq!(
            rows("SELECT article_id || '' FROM article_bodies ORDER BY 1"),
            ["1", "5"]
        );
        assert_eq!(
            rows("SELECT rowid || '' FROM articles_fts('copy')"),
            Vec::<String>::new()
        );
        assert_eq!(rows("SELECT rowid || '' FROM articles_fts('five')"), ["5"]);
        assert_eq!(rows("SELECT feed_id || '' FROM feed_tags"), ["1"]);
        assert!(rows("PRAGMA foreign_key_check").is_empty());
        // The URL is the key now.
        assert!(conn
            .execute(
                "INSERT INTO feeds (name, url) VALUES ('X', 'http://b.test/')",
                []
            )
            .is_err());
        conn.execute(
            "INSERT INTO feeds (name, url) VALUES ('Old', 'http://c.test/')",
            [],
        )
        .unwrap();
    }

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

    #[test]
    fn articles_cached_before_stories_can_be_joined() {
        // Recent: older articles are compared by their links only.
        let now = chrono::Utc::now().timestamp();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let text = "<p>Virtual wards let patients get hospital-level care at home, monitored by clinical teams through apps.</p>";
        {
            let conn = Connection::open(&path).unwrap();
            let before = MIGRATIONS.iter().position(|m| *m == STORY_KEYS).unwrap();
            for sql in &MIGRATIONS[..before] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", before as i64)
                .unwrap();
            conn.execute(
                "INSERT INTO feeds (id, name, url) VALUES (1, 'A', 'http://a.test/'), (2, 'B', 'http://b.test/')",
                [],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO articles (id, feed_id, guid, title, link, first_seen, sort_time, content_hash)
                 VALUES (1, 1, 'g1', 'Virtual wards reach 10,000 beds', 'https://a.test/1', 0, ?1, 0)",
                [now - 5000],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO article_bodies (article_id, summary) VALUES (1, ?1)",
                [text],
            )
            .unwrap();
        }
        let mut s = Store::open(&path).unwrap();
        let (key, hash): (Option<String>, Option<i64>) = s
            .conn
            .query_row(
                "SELECT link_key, simhash FROM articles WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(key.as_deref(), Some("a.test/1"));
        assert!(hash.is_some());
        // A copy from another feed, stored now, joins it.
        s.conn
            .execute_batch(&format!(
                "INSERT INTO articles (id, feed_id, guid, title, first_seen, sort_time, content_hash)
                 VALUES (2, 2, 'g2', 'Virtual wards reach 10,000 beds | B', 0, {}, 0);
                 INSERT INTO article_bodies (article_id, summary) VALUES (2, '{text}');",
                now - 1000
            ))
            .unwrap();
        assert_eq!(s.assign_stories(&[crate::model::FeedId(2)], 1).unwrap(), 1);
    }

    #[test]
    fn stories_in_an_old_cache_get_their_leads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        {
            let conn = Connection::open(&path).unwrap();
            let before = MIGRATIONS.iter().position(|m| *m == STORY_LEADS).unwrap();
            for sql in &MIGRATIONS[..before] {
                conn.execute_batch(sql).unwrap();
            }
            // Story 1: article 2 was published first. Article 4 is alone.
            let before = before as i64;
            conn.pragma_update(None, "user_version", before).unwrap();
            conn.execute_batch(
                "INSERT INTO feeds (id, name, url) VALUES (1, 'A', 'a'), (2, 'B', 'b'), (3, 'C', 'c');
                 INSERT INTO articles (id, feed_id, guid, title, link_key, first_seen, sort_time,
                     content_hash, story_id) VALUES
                     (1, 1, 'g1', 'Same news', 'x.test/1', 0, 20, 0, 1),
                     (2, 2, 'g2', 'Same news', 'x.test/1', 0, 10, 0, 1),
                     (3, 3, 'g3', 'Same news', 'x.test/1', 0, 30, 0, 1),
                     (4, 1, 'g4', 'Other', NULL, 0, 5, 0, 4);",
            )
            .unwrap();
        }
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        let leads = |conn: &Connection| -> Vec<i64> {
            let mut stmt = conn
                .prepare("SELECT id FROM articles WHERE story_lead = 1 ORDER BY id")
                .unwrap();
            let rows = stmt.query_map([], |r| r.get(0)).unwrap();
            rows.map(|r| r.unwrap()).collect()
        };
        assert_eq!(leads(&conn), [2, 4]);
        // A copy redated earlier leads; when the lead goes, the next does.
        conn.execute("UPDATE articles SET sort_time = 1 WHERE id = 3", [])
            .unwrap();
        assert_eq!(leads(&conn), [3, 4]);
        conn.execute("DELETE FROM articles WHERE id = 3", [])
            .unwrap();
        assert_eq!(leads(&conn), [2, 4]);
    }

    #[test]
    fn an_old_cache_gets_its_feed_totals() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        {
            let conn = Connection::open(&path).unwrap();
            let before = MIGRATIONS.iter().position(|m| *m == FEED_COUNTS).unwrap();
            for sql in &MIGRATIONS[..before] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", before as i64)
                .unwrap();
            conn.execute_batch(
                "INSERT INTO feeds (id, name, url) VALUES (1, 'A', 'a'), (2, 'B', 'b'), (3, 'C', 'c');
                 INSERT INTO articles (id, feed_id, guid, title, first_seen, sort_time,
                     content_hash, read, starred, story_id, story_lead) VALUES
                     (1, 1, 'g1', 'Same news', 0, 20, 0, 0, 1, 1, 0),
                     (2, 2, 'g2', 'Same news', 0, 10, 0, 1, 0, 1, 1),
                     (3, 1, 'g3', 'Other', 0, 30, 0, 1, 1, 3, 1),
                     (4, 1, 'g4', 'Third', 0, 5, 0, 0, 0, 4, 1);",
            )
            .unwrap();
        }
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        let totals = |conn: &Connection| -> Vec<(i64, i64, i64, i64, i64, i64, i64)> {
            let mut stmt = conn
                .prepare("SELECT * FROM feed_counts ORDER BY feed_id")
                .unwrap();
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                })
                .unwrap();
            rows.map(|r| r.unwrap()).collect()
        };
        // Article 2 leads story 1 (it came first), so article 1 is a copy.
        assert_eq!(
            totals(&conn),
            [(1, 3, 2, 2, 2, 1, 1), (2, 1, 0, 0, 1, 0, 0)]
        );
        conn.execute_batch(
            "UPDATE articles SET read = 1 WHERE id = 4;
             UPDATE articles SET feed_id = 3 WHERE id = 3;
             DELETE FROM articles WHERE id = 2;",
        )
        .unwrap();
        assert_eq!(
            totals(&conn),
            [
                (1, 2, 1, 1, 2, 1, 1),
                (2, 0, 0, 0, 0, 0, 0),
                (3, 1, 0, 1, 1, 0, 1)
            ]
        );
    }

    #[test]
    fn stories_grouped_under_the_old_rules_are_regrouped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let lead = "Today the Government has confirmed that Academic Health Science Networks are \
                    being relicensed for a further five year period as part of a broader \
                    commitment to science, research and innovation.";
        let wards = "Virtual wards let patients get hospital-level care at home, monitored by \
                     clinical teams through apps and wearable devices, as the number of beds \
                     passed the target.";
        {
            let conn = Connection::open(&path).unwrap();
            let before = MIGRATIONS.iter().position(|m| *m == STORY_RULES).unwrap();
            for sql in &MIGRATIONS[..before] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", before as i64)
                .unwrap();
            // Story 1: a trust's three items that link its news page.
            // Story 4: a copy with a rewritten headline. Story 6: two
            // feeds' items with a home-page link. Story 8: one link,
            // related headlines. Story 10: a copy, and a second article
            // of the lead's feed that joined through it. 13 and 14: copies
            // under rewritten headlines, not grouped.
            conn.execute_batch(&format!(
                "INSERT INTO feeds (id, name, url, site_url) VALUES
                     (1, 'Trust', 'http://t.test/feed.xml', 'http://t.test/'),
                     (2, 'B', 'http://b.test/feed.xml', NULL),
                     (3, 'C', 'http://c.test/feed.xml', NULL);
                 INSERT INTO articles (id, feed_id, guid, title, link, link_key, first_seen,
                     sort_time, content_hash, story_id) VALUES
                     (1, 1, 'g1', 'Flu clinics open on Monday', 'http://t.test/news/', 't.test/news', 0, 100, 0, 1),
                     (2, 1, 'g2', 'Car park closed for resurfacing', 'http://t.test/news/', 't.test/news', 0, 200, 0, 1),
                     (3, 1, 'g3', 'New chief nurse appointed', 'http://t.test/news/', 't.test/news', 0, 300, 0, 1),
                     (4, 2, 'g4', 'Relicensing of AHSNs confirmed', 'http://b.test/r', 'b.test/r', 0, 400, 0, 4),
                     (5, 3, 'g5', 'Health innovation networks relicensed for five years', 'http://c.test/h', 'c.test/h', 0, 500, 0, 4),
                     (6, 2, 'g6', 'Example entry', 'http://example.org/', 'example.org', 0, 600, 0, 6),
                     (7, 3, 'g7', 'Another document', 'http://example.org/', 'example.org', 0, 700, 0, 6),
                     (8, 2, 'g8', 'Genomics funding announced', 'http://x.test/8', 'x.test/8', 0, 800, 0, 8),
                     (9, 3, 'g9', 'Genomics funding: what it means', 'http://x.test/8?utm_source=c', 'x.test/8', 0, 900, 0, 8),
                     (10, 2, 'g10', 'Relicensing of AHSNs confirmed', 'http://b.test/s', 'b.test/s', 0, 1000, 0, 10),
                     (11, 3, 'g11', 'Relicensed: the networks', 'http://c.test/s', 'c.test/s', 0, 1100, 0, 10),
                     (12, 2, 'g12', 'Relicensing: more from us', 'http://b.test/t', 'b.test/t', 0, 1200, 0, 10),
                     (13, 2, 'g13', 'Virtual wards reach 10,000 beds', 'http://b.test/w', 'b.test/w', 0, 1300, 0, NULL),
                     (14, 3, 'g14', 'Hospital care at home passes target', 'http://c.test/w', 'c.test/w', 0, 1400, 0, NULL);
                 INSERT INTO article_bodies (article_id, summary) VALUES
                     (4, '{lead}'), (5, '{lead} Read more.'), (10, '{lead}'), (11, '{lead}'),
                     (12, '{lead}'), (13, '{wards}'), (14, '{wards} More soon.');
                 UPDATE articles SET sort_time = sort_time + CAST(strftime('%s', 'now') AS INTEGER) - 2000;
                 UPDATE articles SET story_lead = (id = (SELECT b.id FROM articles b
                     WHERE b.story_id = articles.story_id ORDER BY b.sort_time, b.id LIMIT 1))
                 WHERE story_id IS NOT NULL;"
            ))
            .unwrap();
        }
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        let stories: Vec<(i64, Option<i64>, bool)> = {
            let mut stmt = conn
                .prepare("SELECT id, story_id, story_lead FROM articles ORDER BY id")
                .unwrap();
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap();
            rows.map(|r| r.unwrap()).collect()
        };
        assert_eq!(
            stories,
            [
                (1, None, true),
                (2, None, true),
                (3, None, true),
                (4, Some(4), true),
                (5, Some(4), false),
                (6, None, true),
                (7, None, true),
                (8, Some(8), true),
                (9, Some(8), false),
                (10, Some(10), true),
                (11, Some(10), false),
                (12, None, true),
                // Copies the old rules missed are found.
                (13, Some(13), true),
                (14, Some(13), false),
            ]
        );
        // Recent articles with an opening to compare have its SimHash.
        let hashed: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM articles WHERE simhash IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(hashed, 7);
    }

    #[test]
    fn plain_bodies_of_an_old_cache_are_compressed_and_read_the_same() {
        use crate::model::ArticleId;
        use crate::query::{parse, SqlOptions};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let before = MIGRATIONS
            .iter()
            .position(|m| *m == super::super::bodies::BODIES_MIGRATION)
            .unwrap();
        let words = [
            "wards", "beds", "nurse", "care", "home", "trust", "digital", "winter",
        ];
        let n = 1_500;
        {
            let conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..before] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", before as i64)
                .unwrap();
            conn.execute("INSERT INTO feeds (id, name, url) VALUES (1, 'A', 'a')", [])
                .unwrap();
            let tx = conn.unchecked_transaction().unwrap();
            for id in 1..=n {
                let text: Vec<&str> = (0..60).map(|k| words[(id * 7 + k * k) % 8]).collect();
                let summary = format!("<p>Café {id}: {}</p>", text[..20].join(" "));
                let content = format!("{summary}<p>{}</p>", text.join(" "));
                // Every kind a feed gives: both, identical, one of them, none.
                let (s, c) = match id % 5 {
                    0 => (Some(summary.clone()), Some(summary)),
                    1 => (Some(summary), None),
                    2 => (None, Some(content)),
                    3 => (None, None),
                    _ => (Some(summary), Some(content)),
                };
                tx.execute(
                    "INSERT INTO articles (id, feed_id, guid, title, first_seen, sort_time,
                     content_hash) VALUES (?1, 1, ?1, 'T', 0, ?1, 0)",
                    [id as i64],
                )
                .unwrap();
                tx.execute(
                    "INSERT INTO article_bodies (article_id, summary, content) VALUES (?1, ?2, ?3)",
                    rusqlite::params![id as i64, s, c],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        let read_all = |s: &Store| -> Vec<(Option<String>, Option<String>)> {
            (1..=n as i64)
                .map(|id| {
                    let a = s.article(ArticleId(id)).unwrap();
                    (a.summary_html, a.content_html)
                })
                .collect()
        };
        let found = |s: &Store, q: &str| {
            s.query(
                &parse(q).unwrap(),
                &SqlOptions::default(),
                chrono::Utc::now(),
                None,
            )
            .unwrap()
            .len()
        };
        // Read through the old schema's own reader: plain columns.
        let old: Vec<(Option<String>, Option<String>)> = {
            let conn = Connection::open(&path).unwrap();
            let mut stmt = conn
                .prepare("SELECT summary, content FROM article_bodies ORDER BY article_id")
                .unwrap();
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
            rows.map(|r| r.unwrap()).collect()
        };
        let mut seen = Vec::new();
        let s = Store::open_with_progress(&path, &mut |p| seen.push(p)).unwrap();
        assert_eq!(seen.first(), Some(&0));
        assert_eq!(seen.last(), Some(&100));
        assert_eq!(read_all(&s), old);
        let searched = [
            found(&s, "wards"),
            found(&s, "\"café 15\""),
            found(&s, "digit*"),
        ];
        assert!(searched.iter().all(|n| *n > 0), "{searched:?}");
        let (plain, packed): (i64, i64) = s
            .conn
            .query_row(
                "SELECT SUM(typeof(summary) = 'text' OR typeof(content) = 'text'),
                        SUM(typeof(summary) = 'blob' OR typeof(content) = 'blob')
                 FROM article_bodies",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((plain, packed), (0, n as i64 * 4 / 5));
        drop(s);
        // Opened again: nothing to do, nothing said.
        let mut again = Vec::new();
        let s = Store::open_with_progress(&path, &mut |p| again.push(p)).unwrap();
        assert!(again.is_empty());
        assert_eq!(read_all(&s), old);
        assert_eq!(
            [
                found(&s, "wards"),
                found(&s, "\"café 15\""),
                found(&s, "digit*")
            ],
            searched
        );
    }
}
