//! Converting plain rows to compressed ones: after an older tidings, or
//! once a cache holds enough bodies to train its first dictionary.

use super::*;

/// Converts plain rows left by an older tidings (or from before the cache
/// had a dictionary), training the dictionary first if there is none.
/// Nothing to do (the usual case) costs one read of a one-row table.
///
/// Each batch of [`BATCH`] rows is its own transaction, which also moves
/// the mark of where to resume: a crash or a kill loses at most one
/// batch's work, never data, since plain and compressed rows read alike.
/// Rows are rewritten in place, so the pages they free are reused by the
/// following batches and later writes: the file never grows for this.
/// `progress` hears the share done, in percent, as it changes.
pub fn upgrade(
    conn: &mut Connection,
    codec: &Codec,
    progress: &mut dyn FnMut(u8),
) -> rusqlite::Result<()> {
    // Rows are inserted again: one whose article is gone (a cache written
    // with foreign keys off) must not stop the upgrade for good.
    let keys: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let done = upgrade_now(conn, codec, progress);
    conn.pragma_update(None, "foreign_keys", keys)?;
    done
}

fn upgrade_now(
    conn: &mut Connection,
    codec: &Codec,
    progress: &mut dyn FnMut(u8),
) -> rusqlite::Result<()> {
    let pending = |c: &Connection| -> rusqlite::Result<Option<i64>> {
        c.query_row("SELECT next_id FROM body_upgrade LIMIT 1", [], |r| r.get(0))
            .optional()
    };
    let Some(start) = pending(conn)? else {
        return Ok(());
    };
    let (first, last): (Option<i64>, Option<i64>) = conn.query_row(
        "SELECT MIN(article_id), MAX(article_id) FROM article_bodies",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (Some(first), Some(last)) = (first, last.filter(|l| *l >= start)) else {
        conn.execute("DELETE FROM body_upgrade", [])?;
        return Ok(());
    };
    codec.forget_newest();
    if codec.newest(conn)?.is_none() {
        let tx = conn.transaction()?;
        // Another process may have trained one while this one waited.
        codec.forget_newest();
        let trained = match codec.newest(&tx)? {
            Some(id) => Some(id),
            None => train(&tx, codec)?,
        };
        if trained.is_none() {
            // Too few bodies to learn from: they stay plain until there
            // are enough (`Codec::maintain`).
            tx.execute("DELETE FROM body_upgrade", [])?;
        }
        tx.commit()?;
        codec.forget_newest();
        if trained.is_none() {
            return Ok(());
        }
    }
    // Of all the rows, so a resumed upgrade goes on from where it was.
    let share = |next: i64| -> u8 {
        let done = (next - first).clamp(0, last - first + 1) as f64;
        (done * 100.0 / (last - first + 1) as f64) as u8
    };
    let mut shown = None;
    loop {
        let tx = conn.transaction()?;
        let Some(next) = pending(&tx)? else {
            tx.commit()?;
            break;
        };
        let percent = share(next);
        if shown != Some(percent) {
            progress(percent);
            shown = Some(percent);
        }
        // Every row of the batch, as it will be stored: rows another
        // process converted meanwhile, damaged ones and ones too small to
        // gain keep their values.
        let mut rows: Vec<(i64, Value, Value)> = Vec::with_capacity(BATCH as usize);
        let mut changed = false;
        {
            let mut read = tx.prepare_cached(
                "SELECT article_id, summary, content FROM article_bodies
                 WHERE article_id >= ?1 ORDER BY article_id LIMIT ?2",
            )?;
            let mut found = read.query(params![next, BATCH])?;
            while let Some(r) = found.next()? {
                let (s, c) = (r.get_ref(1)?, r.get_ref(2)?);
                let plain = |v: ValueRef| matches!(v, ValueRef::Text(_) | ValueRef::Null);
                let parts = (plain(s) && plain(c))
                    .then(|| codec.decode(&tx, s, c).ok())
                    .flatten();
                let (s, c) = match parts {
                    Some((s, c)) => {
                        let (s, c) = codec.encode(&tx, s.as_deref(), c.as_deref())?;
                        changed |= matches!(s, Value::Blob(_)) || matches!(c, Value::Blob(_));
                        (s, c)
                    }
                    None => (Value::from(s), Value::from(c)),
                };
                rows.push((r.get(0)?, s, c));
            }
        }
        // Deleted and inserted again rather than updated: SQLite leaves a
        // page that an update shrinks as it is, while deleting frees the
        // pages and inserting in order fills new ones.
        // A batch with nothing to convert is left alone.
        if let (true, Some((first, ..)), Some((last, ..))) = (changed, rows.first(), rows.last()) {
            tx.execute(
                "DELETE FROM article_bodies WHERE article_id BETWEEN ?1 AND ?2",
                [first, last],
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO article_bodies (article_id, summary, content) VALUES (?1, ?2, ?3)",
            )?;
            for (id, s, c) in &rows {
                insert.execute(params![id, s, c])?;
            }
        }
        let (seen, last_seen) = (rows.len() as i64, rows.last().map_or(next, |r| r.0));
        let done = if seen < BATCH { -1 } else { last_seen + 1 };
        if done < 0 {
            tx.execute("DELETE FROM body_upgrade", [])?;
        } else {
            tx.execute("UPDATE body_upgrade SET next_id = ?1", [done])?;
        }
        tx.commit()?;
        if done < 0 {
            if shown.is_some() && shown != Some(100) {
                progress(100);
            }
            break;
        }
    }
    Ok(())
}

/// Trains a dictionary from bodies spread over the cache and stores it.
/// None when there are too few bodies or zstd cannot learn from them.
fn train(conn: &Connection, codec: &Codec) -> rusqlite::Result<Option<i64>> {
    let samples = samples(conn, codec, SAMPLES)?;
    if samples.is_empty() {
        return Ok(None);
    }
    let Some(dict) = super::train::train(&samples, DICT_BYTES, LEVEL) else {
        return Ok(None);
    };
    keep(conn, &dict).map(Some)
}

/// Stores a trained dictionary; its id.
pub(super) fn keep(conn: &Connection, dict: &[u8]) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO body_dicts (dict, made_at) VALUES (?1, ?2)",
        params![dict, chrono::Utc::now().timestamp()],
    )?;
    Ok(conn.last_insert_rowid())
}

/// What a dictionary learns from one article: its summary then its
/// content, at most [`SAMPLE_MAX`] bytes.
pub(super) fn sample(summary: Option<&str>, content: Option<&str>) -> Vec<u8> {
    let mut out = summary.unwrap_or("").as_bytes().to_vec();
    out.extend_from_slice(content.unwrap_or("").as_bytes());
    out.truncate(SAMPLE_MAX);
    out
}

/// Up to `count` bodies spread over the cache to train a dictionary from;
/// none when there are too few to learn from.
pub(super) fn samples(
    conn: &Connection,
    codec: &Codec,
    count: i64,
) -> rusqlite::Result<Vec<Vec<u8>>> {
    let (lo, hi): (Option<i64>, Option<i64>) = conn.query_row(
        "SELECT MIN(article_id), MAX(article_id) FROM article_bodies",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Ok(Vec::new());
    };
    let mut samples: Vec<Vec<u8>> = Vec::new();
    let mut bytes = 0;
    let mut previous = None;
    {
        let mut stmt = conn.prepare(
            "SELECT article_id, summary, content FROM article_bodies
             WHERE article_id >= ?1 ORDER BY article_id LIMIT 1",
        )?;
        for k in 0..count {
            if bytes >= SAMPLE_BYTES {
                break;
            }
            let at = lo + ((i128::from(hi - lo) * i128::from(k)) / i128::from(count)) as i64;
            let mut rows = stmt.query([at])?;
            let Some(r) = rows.next()? else { break };
            let id: i64 = r.get(0)?;
            if previous.replace(id) == Some(id) {
                continue;
            }
            // A damaged row teaches nothing; it is skipped, not fatal.
            if let Ok((s, c)) = codec.decode(conn, r.get_ref(1)?, r.get_ref(2)?) {
                let sample = sample(s.as_deref(), c.as_deref());
                if !sample.is_empty() {
                    bytes += sample.len();
                    samples.push(sample);
                }
            }
        }
    }
    if (samples.len() as i64) < count.min(TRAIN_AT) / 2 {
        samples.clear();
    }
    Ok(samples)
}
