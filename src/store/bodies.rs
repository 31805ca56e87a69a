//! How article bodies are stored in `article_bodies(article_id, summary,
//! content)`. Every read and write of those two columns goes through here;
//! no other module knows the format.
//!
//! A column holds one of:
//! - NULL: the article has no such part;
//! - TEXT: that part, plain (every body cached before compression, and
//!   bodies too small to gain from it);
//! - a BLOB: a zstd frame, compressed with a dictionary trained from this
//!   cache's own bodies. When the article has content, its content column
//!   holds summary and content together in one frame (so a summary that
//!   repeats the content costs a few bytes) and its summary column holds
//!   an empty BLOB, meaning "with the content". A summary alone is a frame
//!   of its own in the summary column.
//!
//! A frame BLOB is: format byte, dictionary id, summary length + 1 (0: no
//! summary), content length + 1 (0: no content), each an unsigned LEB128
//! number, then the zstd frame of summary and content back to back. So
//! `content IS NOT NULL` still means "has content".
//!
//! Dictionaries live in `body_dicts` and are never changed or deleted: a
//! retrained one gets a new id and old rows keep naming theirs. A cache
//! gets its first dictionary once it holds [`TRAIN_AT`] bodies; its plain
//! rows are then converted in batches, as are those of a cache cached
//! before compression (see [`upgrade`]).

use rusqlite::types::{Type, Value, ValueRef};
use rusqlite::{params, Connection, OptionalExtension};
use std::cell::RefCell;
use std::collections::HashMap;

/// Migration: the dictionaries, and the progress of converting plain rows
/// (one row while some may be left; `next_id` is the first not yet done).
/// A cache that already has bodies is marked for conversion.
pub const BODIES_MIGRATION: &str = r#"
    CREATE TABLE body_dicts (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        dict    BLOB NOT NULL,
        made_at INTEGER NOT NULL
    );
    CREATE TABLE body_upgrade (next_id INTEGER NOT NULL);
    INSERT INTO body_upgrade (next_id)
        SELECT 0 WHERE EXISTS (SELECT 1 FROM article_bodies);
    "#;

/// A cache trains its first dictionary once it holds this many bodies.
pub(super) const TRAIN_AT: i64 = 1_000;
/// Bodies sampled, spread over the cache, to train a dictionary.
const SAMPLES: i64 = 4_000;
/// At most this much text is sampled, and at most this much of one body.
const SAMPLE_BYTES: usize = 8 << 20;
const SAMPLE_MAX: usize = 16 << 10;
/// Size of a trained dictionary.
const DICT_BYTES: usize = 64 << 10;
/// zstd level. On news bodies with a dictionary, higher levels gain
/// little (level 6: 2 % larger than 3, level 9: 6 % smaller) at two to
/// four times the time.
const LEVEL: i32 = 3;
/// Bodies larger than this together stay plain, and frames that claim
/// more are refused as damaged.
const MAX_BODY: usize = 64 << 20;
/// Rows converted per transaction.
const BATCH: i64 = 5_000;
const FORMAT_ZSTD: u8 = 1;

/// Why stored bodies cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("a stored article body is damaged ({0})")]
    Damaged(&'static str),
    #[error("a stored article body needs dictionary {0}, which the cache lacks")]
    NoDictionary(i64),
    #[error("a stored article body cannot be decompressed: {0}")]
    Zstd(#[from] std::io::Error),
}

impl From<BodyError> for rusqlite::Error {
    fn from(e: BodyError) -> Self {
        rusqlite::Error::FromSqlConversionFailure(0, Type::Blob, Box::new(e))
    }
}

/// Summary and content of one article, as the feed gave them.
pub type Parts = (Option<String>, Option<String>);

struct Dict {
    decoder: zstd::bulk::Decompressor<'static>,
    /// Made when first needed: only the newest dictionary encodes.
    encoder: Option<zstd::bulk::Compressor<'static>>,
    bytes: Vec<u8>,
}

/// Encodes and decodes bodies for one connection, keeping the
/// dictionaries it has read (they never change once written).
#[derive(Default)]
pub struct Codec {
    dicts: RefCell<HashMap<i64, Dict>>,
    /// The dictionary new bodies use: None until looked up, Some(None)
    /// when the cache has none yet.
    newest: RefCell<Option<Option<i64>>>,
    /// Training was tried and failed (too little text): not again in this
    /// process.
    untrainable: std::cell::Cell<bool>,
}

impl Codec {
    /// The two parts of a stored row, from its summary and content columns.
    pub fn decode(
        &self,
        conn: &Connection,
        summary: ValueRef,
        content: ValueRef,
    ) -> rusqlite::Result<Parts> {
        let mut dicts = self.dicts.borrow_mut();
        let mut with = |id: i64, frame: &[u8], len: usize| -> Result<Vec<u8>, BodyError> {
            let dict = load(conn, &mut dicts, id)?;
            inflate(&mut dict.decoder, frame, len)
        };
        Ok(decode_row(summary, content, &mut with)?)
    }

    /// The values to store in the summary and content columns.
    pub fn encode(
        &self,
        conn: &Connection,
        summary: Option<&str>,
        content: Option<&str>,
    ) -> rusqlite::Result<(Value, Value)> {
        let plain = || (text_value(summary), text_value(content));
        let total = summary.map_or(0, str::len) + content.map_or(0, str::len);
        if total == 0 || total > MAX_BODY {
            return Ok(plain());
        }
        let Some(id) = self.newest(conn)? else {
            return Ok(plain());
        };
        let mut dicts = self.dicts.borrow_mut();
        let dict = load(conn, &mut dicts, id)?;
        let encoder = match &mut dict.encoder {
            Some(e) => e,
            slot => slot.insert(encoder(&dict.bytes).map_err(BodyError::from)?),
        };
        let frame = encode_frame(encoder, id, summary, content).map_err(BodyError::from)?;
        // A small body can come out larger than it went in.
        if frame.len() >= total {
            return Ok(plain());
        }
        Ok(match content {
            Some(_) => (
                summary.map_or(Value::Null, |_| Value::Blob(Vec::new())),
                Value::Blob(frame),
            ),
            None => (Value::Blob(frame), Value::Null),
        })
    }

    /// Stores an article's bodies, replacing any it had.
    pub fn put(
        &self,
        conn: &Connection,
        id: i64,
        summary: Option<&str>,
        content: Option<&str>,
    ) -> rusqlite::Result<()> {
        let (s, c) = self.encode(conn, summary, content)?;
        conn.prepare_cached(
            "INSERT INTO article_bodies (article_id, summary, content) VALUES (?1, ?2, ?3)
             ON CONFLICT(article_id) DO UPDATE SET summary = excluded.summary,
               content = excluded.content",
        )?
        .execute(params![id, s, c])?;
        Ok(())
    }

    /// An article's stored bodies (None: it has no row).
    pub fn get(&self, conn: &Connection, id: i64) -> rusqlite::Result<Option<Parts>> {
        let mut stmt = conn
            .prepare_cached("SELECT summary, content FROM article_bodies WHERE article_id = ?1")?;
        let mut rows = stmt.query([id])?;
        match rows.next()? {
            Some(r) => Ok(Some(self.decode(conn, r.get_ref(0)?, r.get_ref(1)?)?)),
            None => Ok(None),
        }
    }

    fn newest(&self, conn: &Connection) -> rusqlite::Result<Option<i64>> {
        if let Some(n) = *self.newest.borrow() {
            return Ok(n);
        }
        let n: Option<i64> = conn.query_row("SELECT MAX(id) FROM body_dicts", [], |r| r.get(0))?;
        *self.newest.borrow_mut() = Some(n);
        Ok(n)
    }

    /// Forgets which dictionary is newest (after training, or a rollback).
    fn forget_newest(&self) {
        *self.newest.borrow_mut() = None;
    }

    /// Trains the cache's first dictionary and converts its plain rows,
    /// once it holds [`TRAIN_AT`] bodies. Cheap once it has one.
    pub fn maintain(&self, conn: &mut Connection) -> rusqlite::Result<()> {
        if self.untrainable.get() || self.newest(conn)?.is_some() {
            return Ok(());
        }
        // Another process may have trained one meanwhile: then what this
        // one stored plain since is converted too.
        self.forget_newest();
        if self.newest(conn)?.is_none() {
            let held: i64 = conn.query_row(
                "SELECT COUNT(*) FROM (SELECT 1 FROM article_bodies
                 WHERE summary IS NOT NULL OR content IS NOT NULL LIMIT ?1)",
                [TRAIN_AT],
                |r| r.get(0),
            )?;
            if held < TRAIN_AT {
                return Ok(());
            }
        }
        conn.execute_batch(
            "DELETE FROM body_upgrade; INSERT INTO body_upgrade (next_id) VALUES (0);",
        )?;
        upgrade(conn, self, &mut |_| {})?;
        self.untrainable.set(self.newest(conn)?.is_none());
        Ok(())
    }
}

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

/// Decodes a row's columns (as BLOBs; None for NULL) from untrusted bytes,
/// every dictionary taken as empty: what the fuzzer drives.
#[doc(hidden)]
pub fn decode_untrusted(
    summary: Option<&[u8]>,
    content: Option<&[u8]>,
) -> Result<Parts, BodyError> {
    let mut decoder = zstd::bulk::Decompressor::new()?;
    let mut plain = |_: i64, frame: &[u8], len: usize| inflate(&mut decoder, frame, len);
    decode_row(
        summary.map_or(ValueRef::Null, ValueRef::Blob),
        content.map_or(ValueRef::Null, ValueRef::Blob),
        &mut plain,
    )
}

/// Trains a dictionary from bodies spread over the cache and stores it.
/// None when there are too few bodies or zstd cannot learn from them.
fn train(conn: &Connection, codec: &Codec) -> rusqlite::Result<Option<i64>> {
    let (lo, hi): (Option<i64>, Option<i64>) = conn.query_row(
        "SELECT MIN(article_id), MAX(article_id) FROM article_bodies",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Ok(None);
    };
    let mut samples: Vec<Vec<u8>> = Vec::new();
    let mut bytes = 0;
    let mut previous = None;
    {
        let mut stmt = conn.prepare(
            "SELECT article_id, summary, content FROM article_bodies
             WHERE article_id >= ?1 ORDER BY article_id LIMIT 1",
        )?;
        for k in 0..SAMPLES {
            if bytes >= SAMPLE_BYTES {
                break;
            }
            let at = lo + ((i128::from(hi - lo) * i128::from(k)) / i128::from(SAMPLES)) as i64;
            let mut rows = stmt.query([at])?;
            let Some(r) = rows.next()? else { break };
            let id: i64 = r.get(0)?;
            if previous.replace(id) == Some(id) {
                continue;
            }
            // A damaged row teaches nothing; it is skipped, not fatal.
            if let Ok((s, c)) = codec.decode(conn, r.get_ref(1)?, r.get_ref(2)?) {
                let mut sample = s.unwrap_or_default().into_bytes();
                sample.extend_from_slice(c.unwrap_or_default().as_bytes());
                sample.truncate(SAMPLE_MAX);
                if !sample.is_empty() {
                    bytes += sample.len();
                    samples.push(sample);
                }
            }
        }
    }
    if (samples.len() as i64) < TRAIN_AT / 2 {
        return Ok(None);
    }
    let Ok(dict) = zstd::dict::from_samples(&samples, DICT_BYTES) else {
        return Ok(None);
    };
    conn.execute(
        "INSERT INTO body_dicts (dict, made_at) VALUES (?1, ?2)",
        params![dict, chrono::Utc::now().timestamp()],
    )?;
    Ok(Some(conn.last_insert_rowid()))
}

fn load<'a>(
    conn: &Connection,
    dicts: &'a mut HashMap<i64, Dict>,
    id: i64,
) -> Result<&'a mut Dict, BodyError> {
    use std::collections::hash_map::Entry;
    match dicts.entry(id) {
        Entry::Occupied(e) => Ok(e.into_mut()),
        Entry::Vacant(e) => {
            let bytes: Vec<u8> = conn
                .query_row("SELECT dict FROM body_dicts WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()
                .ok()
                .flatten()
                .ok_or(BodyError::NoDictionary(id))?;
            let decoder = zstd::bulk::Decompressor::with_dictionary(&bytes)?;
            Ok(e.insert(Dict {
                decoder,
                encoder: None,
                bytes,
            }))
        }
    }
}

fn encoder(dict: &[u8]) -> std::io::Result<zstd::bulk::Compressor<'static>> {
    use zstd::zstd_safe::CParameter;
    let mut c = zstd::bulk::Compressor::with_dictionary(LEVEL, dict)?;
    // The row says the dictionary and the sizes already.
    c.set_parameter(CParameter::ContentSizeFlag(false))?;
    c.set_parameter(CParameter::DictIdFlag(false))?;
    c.set_parameter(CParameter::ChecksumFlag(false))?;
    Ok(c)
}

fn text_value(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::Text(s.to_string()))
}

/// One frame holding `summary` then `content`.
fn encode_frame(
    encoder: &mut zstd::bulk::Compressor,
    dict: i64,
    summary: Option<&str>,
    content: Option<&str>,
) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::with_capacity(summary.map_or(0, str::len) + content.map_or(0, str::len));
    raw.extend_from_slice(summary.unwrap_or("").as_bytes());
    raw.extend_from_slice(content.unwrap_or("").as_bytes());
    let mut out = vec![FORMAT_ZSTD];
    put_varint(&mut out, dict as u64);
    for part in [summary, content] {
        put_varint(&mut out, part.map_or(0, |p| p.len() as u64 + 1));
    }
    out.extend_from_slice(&encoder.compress(&raw)?);
    Ok(out)
}

/// A frame's header: dictionary, summary and content lengths (None:
/// absent), and where the zstd frame starts.
struct Header {
    dict: i64,
    summary: Option<usize>,
    content: Option<usize>,
    body: usize,
}

fn header(blob: &[u8]) -> Result<Header, BodyError> {
    let mut at = 0;
    if blob.first() != Some(&FORMAT_ZSTD) {
        return Err(BodyError::Damaged("unknown format"));
    }
    at += 1;
    let dict = get_varint(blob, &mut at)?;
    let dict = i64::try_from(dict).map_err(|_| BodyError::Damaged("dictionary id"))?;
    let mut part = || -> Result<Option<usize>, BodyError> {
        let n = get_varint(blob, &mut at)?;
        if n > MAX_BODY as u64 + 1 {
            return Err(BodyError::Damaged("length"));
        }
        Ok(n.checked_sub(1).map(|n| n as usize))
    };
    let (summary, content) = (part()?, part()?);
    if summary.unwrap_or(0) + content.unwrap_or(0) > MAX_BODY {
        return Err(BodyError::Damaged("length"));
    }
    Ok(Header {
        dict,
        summary,
        content,
        body: at,
    })
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn get_varint(blob: &[u8], at: &mut usize) -> Result<u64, BodyError> {
    let mut n: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *blob.get(*at).ok_or(BodyError::Damaged("truncated"))?;
        *at += 1;
        n |= u64::from(byte & 0x7f)
            .checked_shl(shift)
            .filter(|v| v >> shift == u64::from(byte & 0x7f))
            .ok_or(BodyError::Damaged("number too large"))?;
        if byte & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err(BodyError::Damaged("number too large"))
}

/// Decompresses exactly `len` bytes, or fails.
fn inflate(
    decoder: &mut zstd::bulk::Decompressor,
    frame: &[u8],
    len: usize,
) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::with_capacity(len);
    let n = decoder.decompress_to_buffer(frame, &mut out)?;
    if n != len || out.len() != len {
        return Err(BodyError::Damaged("length differs"));
    }
    Ok(out)
}

/// Gives the `len` raw bytes of a frame compressed with dictionary `dict`:
/// `inflate(dict, frame, len)`.
type Inflate<'a> = dyn FnMut(i64, &[u8], usize) -> Result<Vec<u8>, BodyError> + 'a;

/// Decodes a row's columns, with `inflate` giving the raw bytes of a
/// frame.
fn decode_row(
    summary: ValueRef,
    content: ValueRef,
    inflate: &mut Inflate,
) -> Result<Parts, BodyError> {
    let text =
        |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| BodyError::Damaged("not UTF-8"));
    let mut frame = |blob: &[u8]| -> Result<Parts, BodyError> {
        let h = header(blob)?;
        let (s, c) = (h.summary.unwrap_or(0), h.content.unwrap_or(0));
        let mut raw = inflate(h.dict, &blob[h.body..], s + c)?;
        let content = raw.split_off(s);
        let utf8 = |v: Vec<u8>| String::from_utf8(v).map_err(|_| BodyError::Damaged("not UTF-8"));
        Ok((
            h.summary.map(|_| utf8(raw)).transpose()?,
            h.content.map(|_| utf8(content)).transpose()?,
        ))
    };
    let (inner_summary, content) = match content {
        ValueRef::Null => (None, None),
        ValueRef::Text(t) => (None, Some(text(t)?)),
        ValueRef::Blob(b) => match frame(b)? {
            (s, Some(c)) => (s, Some(c)),
            (_, None) => return Err(BodyError::Damaged("content frame without content")),
        },
        _ => return Err(BodyError::Damaged("content is a number")),
    };
    let summary = match summary {
        ValueRef::Null => None,
        ValueRef::Text(t) => Some(text(t)?),
        ValueRef::Blob([]) => match inner_summary {
            Some(s) => return Ok((Some(s), content)),
            None => return Err(BodyError::Damaged("summary missing from the content")),
        },
        ValueRef::Blob(b) => match frame(b)? {
            (Some(s), None) => Some(s),
            _ => return Err(BodyError::Damaged("summary frame with content")),
        },
        _ => return Err(BodyError::Damaged("summary is a number")),
    };
    if inner_summary.is_some() {
        return Err(BodyError::Damaged("summary stored twice"));
    }
    Ok((summary, content))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: &[&str] = &[
        "the",
        "trust",
        "patients",
        "virtual",
        "wards",
        "care",
        "home",
        "nurse",
        "hospital",
        "funding",
        "digital",
        "records",
        "clinical",
        "teams",
        "beds",
        "winter",
        "pressure",
        "announced",
        "today",
        "services",
        "community",
        "health",
        "national",
        "report",
    ];

    fn html(rng: &mut fastrand::Rng, words: usize) -> String {
        let text: Vec<&str> = (0..words)
            .map(|_| WORDS[rng.usize(..WORDS.len())])
            .collect();
        format!("<p>{}.</p>", text.join(" "))
    }

    /// A bare bodies table with `n` plain rows, as an older tidings left it.
    fn plain_cache(n: i64) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE article_bodies (article_id INTEGER PRIMARY KEY, summary TEXT,
             content TEXT);",
        )
        .unwrap();
        let mut rng = fastrand::Rng::with_seed(7);
        for id in 1..=n {
            let summary = html(&mut rng, 30);
            let content = format!("{summary}{}", html(&mut rng, 200));
            conn.execute(
                "INSERT INTO article_bodies VALUES (?1, ?2, ?3)",
                params![id, summary, content],
            )
            .unwrap();
        }
        conn.execute_batch(BODIES_MIGRATION).unwrap();
        conn
    }

    fn trained() -> (Connection, Codec) {
        let mut conn = plain_cache(TRAIN_AT + 200);
        let codec = Codec::default();
        upgrade(&mut conn, &codec, &mut |_| {}).unwrap();
        assert!(codec.newest(&conn).unwrap().is_some());
        (conn, codec)
    }

    fn round_trip(conn: &Connection, codec: &Codec, s: Option<&str>, c: Option<&str>) {
        let (vs, vc) = codec.encode(conn, s, c).unwrap();
        let parts = codec
            .decode(conn, ValueRef::from(&vs), ValueRef::from(&vc))
            .unwrap();
        assert_eq!(parts, (s.map(String::from), c.map(String::from)));
        conn.execute(
            "INSERT OR REPLACE INTO article_bodies VALUES (1, ?1, ?2)",
            params![vs, vc],
        )
        .unwrap();
        let stored = codec.get(conn, 1).unwrap().unwrap();
        assert_eq!(stored, (s.map(String::from), c.map(String::from)));
        // NULL keeps meaning "no such part".
        let (has_s, has_c): (bool, bool) = conn
            .query_row(
                "SELECT summary IS NOT NULL, content IS NOT NULL FROM article_bodies
                 WHERE article_id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((has_s, has_c), (s.is_some(), c.is_some()));
    }

    #[test]
    fn bodies_read_back_as_written() {
        let (conn, codec) = trained();
        let mut rng = fastrand::Rng::with_seed(3);
        let long = html(&mut rng, 400);
        let huge: String = (0..2_000).map(|_| html(&mut rng, 150)).collect();
        let unicode = "<p>Café «naïve» — 東京の病院 🏥 Ελληνικά עברית \u{202e}x\u{200b}</p>";
        let cases: Vec<(Option<&str>, Option<&str>)> = vec![
            (None, None),
            (Some(""), None),
            (None, Some("")),
            (Some(""), Some("")),
            (Some("x"), None),
            (Some(unicode), Some(unicode)),
            (Some(&long), None),
            (None, Some(&long)),
            (Some(&long), Some(&long)),
            (Some(&long[..200]), Some(&long)),
            (Some(&long), Some(&huge)),
            (None, Some(&huge)),
            (Some(unicode), Some(&long)),
        ];
        for (s, c) in cases {
            round_trip(&conn, &codec, s, c);
        }
    }

    #[test]
    fn compressed_bodies_are_smaller_and_repeats_cost_little() {
        let (conn, codec) = trained();
        let mut rng = fastrand::Rng::with_seed(5);
        let long = html(&mut rng, 400);
        let size = |v: &Value| match v {
            Value::Blob(b) => b.len(),
            Value::Text(t) => t.len(),
            _ => 0,
        };
        let (_, alone) = codec.encode(&conn, None, Some(&long)).unwrap();
        assert!(matches!(alone, Value::Blob(_)));
        assert!(
            size(&alone) * 2 < long.len(),
            "{} of {}",
            size(&alone),
            long.len()
        );
        let (marker, both) = codec.encode(&conn, Some(&long), Some(&long)).unwrap();
        assert_eq!(marker, Value::Blob(Vec::new()));
        assert!(size(&both) < size(&alone) + 16);
        // Too small to gain: stays plain.
        let (tiny, none) = codec.encode(&conn, Some("<b>"), None).unwrap();
        assert_eq!((tiny, none), (Value::Text("<b>".into()), Value::Null));
    }

    #[test]
    fn without_a_dictionary_bodies_stay_plain() {
        let conn = plain_cache(3);
        let codec = Codec::default();
        let (s, c) = codec
            .encode(&conn, Some("a summary"), Some("content"))
            .unwrap();
        assert_eq!(s, Value::Text("a summary".into()));
        assert_eq!(c, Value::Text("content".into()));
    }

    #[test]
    fn an_upgrade_converts_every_row_in_batches_and_says_how_far_it_is() {
        let n = BATCH * 2 + 17;
        let mut conn = plain_cache(n);
        let before: Vec<Parts> = (1..=n)
            .map(|id| Codec::default().get(&conn, id).unwrap().unwrap())
            .collect();
        let codec = Codec::default();
        let mut seen = Vec::new();
        upgrade(&mut conn, &codec, &mut |p| seen.push(p)).unwrap();
        assert_eq!(seen.first(), Some(&0));
        assert_eq!(seen.last(), Some(&100));
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        let plain: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM article_bodies WHERE typeof(content) = 'text'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(plain, 0);
        let marks: i64 = conn
            .query_row("SELECT COUNT(*) FROM body_upgrade", [], |r| r.get(0))
            .unwrap();
        assert_eq!(marks, 0);
        for (id, parts) in (1..=n).zip(&before) {
            assert_eq!(&codec.get(&conn, id).unwrap().unwrap(), parts);
        }
        // Nothing left: no progress, no work.
        let mut again = Vec::new();
        upgrade(&mut conn, &codec, &mut |p| again.push(p)).unwrap();
        assert!(again.is_empty());
    }

    #[test]
    fn an_interrupted_upgrade_resumes_and_reads_both_kinds_meanwhile() {
        let (mut conn, codec) = trained();
        // As if a crash came after the batches below id 600: newer rows
        // plain again, the mark at 600.
        let mut rng = fastrand::Rng::with_seed(11);
        for id in 600..=700 {
            let s = html(&mut rng, 30);
            conn.execute(
                "UPDATE article_bodies SET summary = ?2, content = ?3 WHERE article_id = ?1",
                params![id, s, format!("{s}<p>more</p>")],
            )
            .unwrap();
        }
        conn.execute("INSERT INTO body_upgrade (next_id) VALUES (600)", [])
            .unwrap();
        let kinds = |conn: &Connection| -> (i64, i64) {
            conn.query_row(
                "SELECT SUM(typeof(content) = 'text'), SUM(typeof(content) = 'blob')
                 FROM article_bodies",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        assert_eq!(kinds(&conn).0, 101);
        let (s, c) = codec.get(&conn, 650).unwrap().unwrap();
        assert!(c.unwrap().starts_with(&s.unwrap()));
        let mut seen = Vec::new();
        upgrade(&mut conn, &codec, &mut |p| seen.push(p)).unwrap();
        assert_eq!(kinds(&conn), (0, TRAIN_AT + 200));
        // It says how far it is of the whole: about half was done.
        assert_eq!(seen, [49, 100]);
    }

    #[test]
    fn bodies_stored_plain_before_another_process_trained_are_converted() {
        let mut conn = plain_cache(TRAIN_AT + 200);
        conn.execute("DELETE FROM body_upgrade", []).unwrap();
        let stale = Codec::default();
        assert_eq!(stale.newest(&conn).unwrap(), None);
        Codec::default().maintain(&mut conn).unwrap();
        let mut rng = fastrand::Rng::with_seed(13);
        let (s, c) = (html(&mut rng, 30), html(&mut rng, 300));
        stale.put(&conn, 5_000, Some(&s), Some(&c)).unwrap();
        let kind = |conn: &Connection| -> String {
            conn.query_row(
                "SELECT typeof(content) FROM article_bodies WHERE article_id = 5000",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(kind(&conn), "text");
        stale.maintain(&mut conn).unwrap();
        assert_eq!(kind(&conn), "blob");
        assert_eq!(stale.get(&conn, 5_000).unwrap(), Some((Some(s), Some(c))));
    }

    #[test]
    fn too_few_bodies_stay_plain_without_a_word() {
        let mut conn = plain_cache(20);
        let codec = Codec::default();
        let mut seen = Vec::new();
        upgrade(&mut conn, &codec, &mut |p| seen.push(p)).unwrap();
        assert!(seen.is_empty());
        assert_eq!(codec.newest(&conn).unwrap(), None);
        codec.maintain(&mut conn).unwrap();
        assert_eq!(codec.newest(&conn).unwrap(), None);
        let (s, _) = codec.get(&conn, 1).unwrap().unwrap();
        assert!(s.unwrap().starts_with("<p>"));
    }

    #[test]
    fn damaged_bodies_are_errors() {
        let (conn, codec) = trained();
        let mut rng = fastrand::Rng::with_seed(9);
        let long = html(&mut rng, 300);
        let (marker, frame) = codec
            .encode(&conn, Some(&long[..100]), Some(&long))
            .unwrap();
        let Value::Blob(frame) = frame else {
            panic!("not compressed")
        };
        let decode =
            |s: &Value, c: &[u8]| codec.decode(&conn, ValueRef::from(s), ValueRef::Blob(c));
        assert!(decode(&marker, &frame).is_ok());
        // Every truncation, and every single-byte change of the header.
        for n in 0..frame.len() {
            let _ = decode(&marker, &frame[..n]);
        }
        for i in 0..frame.len().min(12) {
            for b in [0u8, 1, 0x7f, 0x80, 0xff] {
                let mut f = frame.clone();
                f[i] = b;
                let _ = decode(&marker, &f);
            }
        }
        assert!(decode(&marker, &frame[..frame.len() - 1]).is_err());
        assert!(
            decode(&Value::Null, &frame).is_err(),
            "summary twice unnoticed"
        );
        assert!(decode(&Value::Blob(Vec::new()), b"").is_err());
        // A length past the limit is refused before anything is allocated.
        let mut big = vec![FORMAT_ZSTD, 1];
        put_varint(&mut big, u64::MAX);
        put_varint(&mut big, 1);
        assert!(decode(&Value::Null, &big).is_err());
        let mut unknown = vec![FORMAT_ZSTD];
        put_varint(&mut unknown, 99);
        put_varint(&mut unknown, 0);
        put_varint(&mut unknown, 4);
        unknown.extend_from_slice(&frame[4..]);
        assert!(matches!(
            decode(&Value::Null, &unknown),
            Err(rusqlite::Error::FromSqlConversionFailure(..))
        ));
    }

    proptest::proptest! {
        #[test]
        fn any_blob_decodes_or_fails_cleanly(
            s in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            c in proptest::collection::vec(proptest::num::u8::ANY, 0..256),
        ) {
            let _ = decode_untrusted(Some(&s), Some(&c));
            let _ = decode_untrusted(None, Some(&c));
            let _ = decode_untrusted(Some(&s), None);
            let _ = decode_untrusted(Some(&[]), Some(&c));
        }
    }
}
