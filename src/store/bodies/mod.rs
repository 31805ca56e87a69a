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
//! gets its first dictionary once it holds [`TRAIN_AT`] bodies, or, filled
//! by a refresh, from the first [`FIRST_SAMPLES`] bodies the [`Packer`] is
//! given; its plain rows are then converted in batches, as are those of a
//! cache cached before compression (see [`upgrade`]).

use rusqlite::types::{Type, Value, ValueRef};
use rusqlite::{params, Connection, OptionalExtension};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

pub use crate::model::Packed;

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
/// Bodies sampled for the first dictionary of a cache being filled (by a
/// refresh, trained aside): half of the [`TRAIN_AT`] it holds then. It
/// trains in half the time, so fewer bodies wait plain to be converted,
/// and they compress as well (a cold fetch of the benchmark's 15,000
/// bodies: 0.1 % larger).
const FIRST_SAMPLES: i64 = 500;
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
    /// Compresses on other threads once the cache has a dictionary.
    packer: Packer,
    /// Train on a thread of their own rather than the writer's.
    aside: std::cell::Cell<bool>,
    /// A dictionary being trained aside.
    training: RefCell<Option<std::thread::JoinHandle<Option<Vec<u8>>>>>,
    /// The packer's fresh dictionary was stored, or another was first.
    fresh_done: std::cell::Cell<bool>,
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
        if !worth_packing(summary, content) {
            return Ok(columns(summary, content, None));
        }
        let Some(id) = self.newest(conn)? else {
            return Ok(columns(summary, content, None));
        };
        let mut dicts = self.dicts.borrow_mut();
        let dict = load(conn, &mut dicts, id)?;
        let encoder = match &mut dict.encoder {
            Some(e) => e,
            slot => slot.insert(encoder(&dict.bytes).map_err(BodyError::from)?),
        };
        let frame = pack(encoder, id, summary, content).map_err(BodyError::from)?;
        Ok(columns(summary, content, frame))
    }

    /// Stores an article's bodies, replacing any it had.
    pub fn put(
        &self,
        conn: &Connection,
        id: i64,
        summary: Option<&str>,
        content: Option<&str>,
    ) -> rusqlite::Result<()> {
        self.put_packed(conn, id, summary, content, None)
    }

    /// As [`Codec::put`], taking the frame a [`Packer`] made when it was
    /// made with the dictionary new bodies use.
    pub fn put_packed(
        &self,
        conn: &Connection,
        id: i64,
        summary: Option<&str>,
        content: Option<&str>,
        packed: Option<&Packed>,
    ) -> rusqlite::Result<()> {
        let (s, c) = match packed {
            Some(p) if p.dict == FRESH => match self.adopted() {
                Some(id) => match p.frame.as_deref().map(|f| with_dict(f, id)).transpose() {
                    Ok(frame) => columns(summary, content, frame),
                    Err(_) => self.encode(conn, summary, content)?,
                },
                None => self.encode(conn, summary, content)?,
            },
            Some(p) if Some(p.dict) == self.newest(conn)? => {
                columns(summary, content, p.frame.clone())
            }
            _ => self.encode(conn, summary, content)?,
        };
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

    /// A packer for other threads: it compresses once the cache has a
    /// dictionary (from now, or from when this connection trains one).
    /// When training aside, one for a cache without a dictionary trains
    /// one itself from the first bodies it is given (see
    /// [`Codec::maintain`]).
    pub fn packer(&self, conn: &Connection) -> rusqlite::Result<Packer> {
        self.arm_packer(conn)?;
        if self.aside.get() {
            self.packer.start_gathering();
        }
        Ok(self.packer.clone())
    }

    /// Gives the packer the newest dictionary, once there is one.
    fn arm_packer(&self, conn: &Connection) -> rusqlite::Result<()> {
        if self.packer.0.dict.get().is_some() {
            return Ok(());
        }
        let Some(id) = self.newest(conn)? else {
            return Ok(());
        };
        let mut dicts = self.dicts.borrow_mut();
        let dict = load(conn, &mut dicts, id)?;
        let _ = self
            .packer
            .0
            .dict
            .set((id, Arc::from(dict.bytes.as_slice())));
        // What was gathered to train one is no longer needed.
        self.packer.stop_gathering();
        Ok(())
    }

    /// Forgets which dictionary is newest (after training, or a rollback).
    fn forget_newest(&self) {
        *self.newest.borrow_mut() = None;
    }

    /// Trains dictionaries on a thread of their own: the writer goes on
    /// storing bodies plain meanwhile, and a later [`Codec::maintain`] or
    /// [`Codec::settle`] stores the dictionary and converts them.
    pub fn train_aside(&self) {
        self.aside.set(true);
    }

    /// Trains the cache's first dictionary and converts its plain rows,
    /// once it holds [`TRAIN_AT`] bodies. Cheap once it has one.
    pub fn maintain(&self, conn: &mut Connection) -> rusqlite::Result<()> {
        if self.untrainable.get() {
            return Ok(());
        }
        if self.newest(conn)?.is_some() {
            return self.arm_packer(conn);
        }
        if let Some(fresh) = self.packer.0.fresh.get().filter(|_| !self.fresh_done.get()) {
            return self.adopt(conn, fresh.clone());
        }
        if let Some(handle) = self.training.borrow().as_ref() {
            if !handle.is_finished() {
                return Ok(());
            }
        }
        if self.training.borrow().is_some() {
            return self.settle(conn);
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
            if self.aside.get() {
                let samples = upgrade::samples(conn, self, FIRST_SAMPLES)?;
                if samples.is_empty() {
                    self.untrainable.set(true);
                    return Ok(());
                }
                let handle = std::thread::Builder::new()
                    .name("tidings-train".into())
                    .spawn(move || train::train(&samples, DICT_BYTES, LEVEL))
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                *self.training.borrow_mut() = Some(handle);
                return Ok(());
            }
        }
        self.convert(conn)
    }

    /// Waits for a dictionary being trained aside, if any, then stores it
    /// and converts the plain rows.
    pub fn settle(&self, conn: &mut Connection) -> rusqlite::Result<()> {
        let Some(handle) = self.training.borrow_mut().take() else {
            return match self.packer.0.fresh.get() {
                Some(fresh) if !self.fresh_done.get() => self.adopt(conn, fresh.clone()),
                _ => Ok(()),
            };
        };
        let Some(dict) = handle.join().ok().flatten() else {
            self.untrainable.set(true);
            return Ok(());
        };
        let tx = conn.transaction()?;
        // Another process may have stored one meanwhile: that one is used.
        self.forget_newest();
        if self.newest(&tx)?.is_none() {
            upgrade::keep(&tx, &dict)?;
        }
        tx.commit()?;
        self.forget_newest();
        self.convert(conn)
    }

    /// Stores the dictionary the packer trained, unless the cache has one
    /// by now (another process's: that one is used, and frames made with
    /// this one are encoded again), then converts the plain rows.
    fn adopt(&self, conn: &mut Connection, fresh: Arc<[u8]>) -> rusqlite::Result<()> {
        let tx = conn.transaction()?;
        self.forget_newest();
        let stored = match self.newest(&tx)? {
            Some(_) => None,
            None => Some(upgrade::keep(&tx, &fresh)?),
        };
        tx.commit()?;
        self.forget_newest();
        self.fresh_done.set(true);
        if let Some(id) = stored {
            let _ = self.packer.0.dict.set((id, fresh));
        }
        self.convert(conn)
    }

    /// The id the packer's fresh dictionary was stored under, if it was:
    /// then the packer packs with it under that id.
    fn adopted(&self) -> Option<i64> {
        let fresh = self.packer.0.fresh.get()?;
        let (id, bytes) = self.packer.0.dict.get()?;
        Arc::ptr_eq(fresh, bytes).then_some(*id)
    }

    /// Converts the plain rows, training a dictionary first if there is
    /// none.
    fn convert(&self, conn: &mut Connection) -> rusqlite::Result<()> {
        conn.execute_batch(
            "DELETE FROM body_upgrade; INSERT INTO body_upgrade (next_id) VALUES (0);",
        )?;
        upgrade(conn, self, &mut |_| {})?;
        self.untrainable.set(self.newest(conn)?.is_none());
        self.arm_packer(conn)
    }
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

mod frame;
mod pack;
mod train;
mod upgrade;
use frame::{encode_frame, header, with_dict};
pub use pack::Packer;
use pack::{columns, pack, worth_packing, FRESH};
pub use upgrade::upgrade;

#[cfg(test)]
mod tests;
