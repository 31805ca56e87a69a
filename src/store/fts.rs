//! The full-text index `articles_fts`: its migrations and its writes. What
//! text goes in is `query::body_text`; how it is searched is `query`.

use crate::query::{body_text, initials};
use rusqlite::{params, Connection};

/// Migration creating `articles_fts`: a contentless FTS5 table whose rowid is
/// `articles.id`, indexing the title and the body (summary and content).
///
/// It fills the index from the existing rows in plain SQL, so bodies are
/// indexed as raw HTML (tag and attribute names become searchable words).
/// Call [`rebuild_fts`] once after running it to index stripped text
/// instead. A trigger removes index entries when articles are deleted,
/// including by `ON DELETE CASCADE` from `feeds`, so [`fts_delete`] is only
/// needed when deleting around it.
///
/// Needs SQLite 3.43 or later (`contentless_delete`); the bundled one is.
pub const FTS_MIGRATION: &str = r#"
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title,
        body,
        content = '',
        contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO articles_fts(rowid, title, body)
        SELECT a.id, a.title, coalesce(b.summary, '') || ' ' || coalesce(b.content, '')
        FROM articles a LEFT JOIN article_bodies b ON b.article_id = a.id;
    CREATE TRIGGER articles_fts_after_delete AFTER DELETE ON articles BEGIN
        DELETE FROM articles_fts WHERE rowid = old.id;
    END;
"#;

/// Migration recreating `articles_fts` with prefix indexes for one to three
/// characters, so the short prefixes that search-as-you-type sends (`d*`,
/// `di*`) read one list instead of merging those of every word they start.
/// The new index is empty: call [`rebuild_fts`] after running it.
pub const FTS_PREFIX_MIGRATION: &str = r#"
    DROP TRIGGER articles_fts_after_delete;
    DROP TABLE articles_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title,
        body,
        content = '',
        contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '1 2 3'
    );
    CREATE TRIGGER articles_fts_after_delete AFTER DELETE ON articles BEGIN
        DELETE FROM articles_fts WHERE rowid = old.id;
    END;
"#;

/// Migration recreating `articles_fts` with a prefix index for one
/// character only. One-letter prefixes (what search-as-you-type sends on
/// a word's first key) match most of a cache, and merging the lists of
/// every word they start is what made them slow; from two letters on the
/// lists are few or short enough to merge. The two- and three-letter
/// indexes cost a third more time on every write. The new index is empty:
/// call [`rebuild_fts`] after running it.
pub const FTS_ONE_PREFIX_MIGRATION: &str = r#"
    DROP TRIGGER articles_fts_after_delete;
    DROP TABLE articles_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title,
        body,
        content = '',
        contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '1'
    );
    CREATE TRIGGER articles_fts_after_delete AFTER DELETE ON articles BEGIN
        DELETE FROM articles_fts WHERE rowid = old.id;
    END;
"#;

/// Migration recreating `articles_fts` without prefix indexes, with two
/// columns more: the initials of the title's words and of the body's (see
/// [`crate::query::initials`]). A one-letter prefix (`d*`, what
/// search-as-you-type sends on a word's first key) reads the short list of
/// one initial; the one-letter prefix index it replaces kept every
/// position of every word again, and writing the index took less than
/// half the time without it in a cold fetch. Longer prefixes merge the
/// lists of the words they start, as before. Automerge is set again for the new table.
/// The new index is empty: call [`rebuild_fts`] after running it.
pub const FTS_INITIALS_MIGRATION: &str = r#"
    DROP TRIGGER articles_fts_after_delete;
    DROP TABLE articles_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title,
        body,
        title_initials,
        body_initials,
        content = '',
        contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', 8);
    CREATE TRIGGER articles_fts_after_delete AFTER DELETE ON articles BEGIN
        DELETE FROM articles_fts WHERE rowid = old.id;
    END;
"#;

/// Migration letting the index gather eight segments of a size before
/// merging them, not four: merging took an eighth of a cold fetch, and
/// searches read the few extra segments in no measurable time.
pub const FTS_AUTOMERGE: &str =
    "INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', 8);";

/// Indexes (or re-indexes) one article. Call it inside the transaction that
/// writes the article, after any change to its title or bodies.
pub fn fts_upsert(
    conn: &Connection,
    id: i64,
    title: &str,
    summary_html: Option<&str>,
    content_html: Option<&str>,
) -> rusqlite::Result<()> {
    fts_upsert_text(
        conn,
        id,
        title,
        &body_text(summary_html, content_html),
        None,
    )
}

/// As [`fts_upsert`], with the body already as [`body_text`] gives it, and
/// its [`initials`] if worked out already.
pub fn fts_upsert_text(
    conn: &Connection,
    id: i64,
    title: &str,
    body: &str,
    body_initials: Option<&str>,
) -> rusqlite::Result<()> {
    write(
        conn,
        "INSERT OR REPLACE INTO articles_fts(rowid, title, body, title_initials, body_initials)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        (id, title, body, body_initials),
    )
}

/// As [`fts_upsert_text`] for an article new to the index. Replacing
/// looks for an entry to delete first, which costs a tenth of a cold
/// fetch; a new article has none (deleting an article deletes its entry).
pub fn fts_insert_text(
    conn: &Connection,
    id: i64,
    title: &str,
    body: &str,
    body_initials: Option<&str>,
) -> rusqlite::Result<()> {
    write(
        conn,
        "INSERT INTO articles_fts(rowid, title, body, title_initials, body_initials)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        (id, title, body, body_initials),
    )
}

/// Runs `sql` for an entry: id, title, body text and the body's initials
/// if known.
fn write(
    conn: &Connection,
    sql: &str,
    (id, title, body, body_initials): (i64, &str, &str, Option<&str>),
) -> rusqlite::Result<()> {
    let worked_out;
    let body_initials = match body_initials {
        Some(i) => i,
        None => {
            worked_out = initials(body);
            &worked_out
        }
    };
    conn.prepare_cached(sql)?
        .execute(params![id, title, body, initials(title), body_initials])?;
    Ok(())
}

/// Removes an article from the index; a no-op if it is not there.
pub fn fts_delete(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM articles_fts WHERE rowid = ?1")?
        .execute([id])?;
    Ok(())
}

/// Re-indexes every article from `articles` and `article_bodies`, with HTML
/// stripped. Atomic (runs in a savepoint, so it works inside or outside a
/// transaction). Returns how many articles were indexed.
pub fn rebuild_fts(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute_batch("SAVEPOINT tidings_rebuild_fts")?;
    match rebuild_inner(conn) {
        Ok(n) => {
            conn.execute_batch("RELEASE tidings_rebuild_fts")?;
            Ok(n)
        }
        Err(e) => {
            // Keep the first error; the rollback's own failure matters less.
            let _ =
                conn.execute_batch("ROLLBACK TO tidings_rebuild_fts; RELEASE tidings_rebuild_fts");
            Err(e)
        }
    }
}

fn rebuild_inner(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')",
        [],
    )?;
    let mut read = conn.prepare(
        "SELECT a.id, a.title, b.summary, b.content
         FROM articles a LEFT JOIN article_bodies b ON b.article_id = a.id",
    )?;
    let mut rows = read.query([])?;
    let mut n = 0;
    let bodies = super::bodies::Codec::default();
    while let Some(row) = rows.next()? {
        let (summary, content) = bodies.decode(conn, row.get_ref(2)?, row.get_ref(3)?)?;
        fts_upsert(
            conn,
            row.get(0)?,
            &row.get::<_, String>(1)?,
            summary.as_deref(),
            content.as_deref(),
        )?;
        n += 1;
    }
    conn.execute(
        "INSERT INTO articles_fts(articles_fts) VALUES ('optimize')",
        [],
    )?;
    Ok(n)
}
