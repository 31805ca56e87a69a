//! The first dictionary, trained on a thread of its own while the writer
//! goes on storing bodies plain; the same thread then compresses what was
//! stored plain, reading through a connection of its own, and hands the
//! writer whole ranges of rows to put back. The writer replaces a range
//! only if it is as the thread read it, so nothing written meanwhile is
//! lost; what it cannot replace is converted the usual way
//! ([`super::upgrade`]).

use super::*;
use rusqlite::OpenFlags;
use std::sync::mpsc::{sync_channel, Receiver, TryRecvError};

/// Rows per range.
const RANGE: i64 = 250;

/// What the thread sends, in this order: the dictionary (None: none could
/// be trained), ranges, then `Done`.
pub(super) enum Msg {
    Dict(Option<Vec<u8>>),
    Range(Range),
    /// Every row up to `next` - 1 was read.
    Done {
        next: i64,
    },
}

/// Rows `first..=last` as read, and as they are to be stored.
pub(super) struct Range {
    first: i64,
    last: i64,
    read: Vec<(i64, Value, Value)>,
    packed: Vec<(i64, Value, Value)>,
}

#[cfg(test)]
impl Range {
    pub(super) fn new(
        first: i64,
        last: i64,
        read: Vec<(i64, Value, Value)>,
        packed: Vec<(i64, Value, Value)>,
    ) -> Range {
        Range {
            first,
            last,
            read,
            packed,
        }
    }

    /// The content of row `id` as it was read.
    pub(super) fn read_content(&self, id: i64) -> String {
        match self.read.iter().find(|r| r.0 == id).map(|r| &r.2) {
            Some(Value::Text(t)) => t.clone(),
            _ => String::new(),
        }
    }
}

/// A dictionary being trained aside, and what became of it.
pub(super) struct Aside {
    messages: Receiver<Msg>,
    /// The id the dictionary gets, which its frames carry.
    id: i64,
    /// Whether this connection stored that dictionary (None: not yet).
    stored: Option<bool>,
    /// The first id of a range not put back.
    missed: Option<i64>,
}

impl Aside {
    /// Starts training from `samples` the dictionary that will be `id`;
    /// `path` is the cache's file (None in memory: no conversion aside).
    pub(super) fn start(
        samples: Vec<Vec<u8>>,
        id: i64,
        path: Option<String>,
    ) -> rusqlite::Result<Aside> {
        let (tx, messages) = sync_channel(2);
        std::thread::Builder::new()
            .name("tidings-train".into())
            .spawn(move || {
                let dict = zstd::dict::from_samples(&samples, DICT_BYTES).ok();
                drop(samples);
                if tx.send(Msg::Dict(dict.clone())).is_err() {
                    return;
                }
                if let (Some(dict), Some(path)) = (dict, path) {
                    // Failing leaves the rest to the writer. Done is sent
                    // once the connection is closed, so that the writer's
                    // is the last to close and folds the log back.
                    let mut send = |m| tx.send(m).is_ok();
                    if let Ok(Some(next)) = pack_plain_rows(&path, &dict, id, &mut send) {
                        send(Msg::Done { next });
                    }
                }
            })
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(Aside {
            messages,
            id,
            stored: None,
            missed: None,
        })
    }
}

/// A plain column's text (None: NULL), or None for a BLOB.
fn plain(v: &Value) -> Option<Option<&str>> {
    match v {
        Value::Text(t) => Some(Some(t.as_str())),
        Value::Null => Some(None),
        _ => None,
    }
}

/// Reads the plain rows as they are now and sends them packed, a range at
/// a time; false from `send` stops it (None). Returns the first id it did
/// not read.
pub(super) fn pack_plain_rows(
    path: &str,
    dict: &[u8],
    id: i64,
    send: &mut dyn FnMut(Msg) -> bool,
) -> rusqlite::Result<Option<i64>> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(crate::store::BUSY_TIMEOUT)?;
    let mut encoder = encoder(dict).map_err(BodyError::from)?;
    let limit: i64 = conn.query_row(
        "SELECT COALESCE(MAX(article_id), 0) FROM article_bodies",
        [],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(
        "SELECT article_id, summary, content FROM article_bodies
         WHERE article_id > ?1 AND article_id <= ?2 ORDER BY article_id LIMIT ?3",
    )?;
    let mut after = i64::MIN;
    loop {
        let read: Vec<(i64, Value, Value)> = stmt
            .query_map(params![after, limit, RANGE], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let (Some(first), Some(last)) = (read.first().map(|r| r.0), read.last().map(|r| r.0))
        else {
            break;
        };
        let packed: Vec<(i64, Value, Value)> = read
            .iter()
            .map(|(row, s, c)| {
                let (Some(s), Some(c)) = (plain(s), plain(c)) else {
                    return (*row, s.clone(), c.clone());
                };
                let frame = worth_packing(s, c)
                    .then(|| pack(&mut encoder, id, s, c).ok().flatten())
                    .flatten();
                let (s, c) = columns(s, c, frame);
                (*row, s, c)
            })
            .collect();
        if packed != read
            && !send(Msg::Range(Range {
                first,
                last,
                read,
                packed,
            }))
        {
            return Ok(None);
        }
        after = last;
    }
    Ok(Some(limit + 1))
}

impl Codec {
    /// Takes what the thread has sent so far (all of it, waiting, when
    /// `wait`): stores the dictionary, puts back the ranges it packed, and
    /// once it is done converts what is left. True while it goes on.
    pub(super) fn take_aside(&self, conn: &mut Connection, wait: bool) -> rusqlite::Result<bool> {
        let Some(mut aside) = self.aside_work.borrow_mut().take() else {
            return Ok(false);
        };
        loop {
            let msg = if wait {
                aside.messages.recv().ok()
            } else {
                match aside.messages.try_recv() {
                    Ok(m) => Some(m),
                    Err(TryRecvError::Empty) => {
                        *self.aside_work.borrow_mut() = Some(aside);
                        return Ok(true);
                    }
                    Err(TryRecvError::Disconnected) => None,
                }
            };
            match msg {
                Some(Msg::Dict(None)) => {
                    self.untrainable.set(true);
                    return Ok(false);
                }
                Some(Msg::Dict(Some(dict))) => {
                    aside.stored = Some(self.store_dict(conn, aside.id, &dict)?);
                    self.arm_packer(conn)?;
                }
                Some(Msg::Range(range)) => {
                    // A range not put back, whatever the reason, is
                    // converted the usual way at the end.
                    let back = aside.stored == Some(true)
                        && put_back(conn, &range).unwrap_or_else(|e| {
                            tracing::warn!("cannot store compressed bodies: {e}");
                            false
                        });
                    if !back {
                        aside.missed.get_or_insert(range.first);
                    }
                }
                Some(Msg::Done { next }) => {
                    let from = aside.missed.map_or(next, |m| m.min(next));
                    return self.convert_from(conn, from).map(|()| false);
                }
                // The thread stopped early: the usual way, from the start.
                None => {
                    if aside.stored.is_some() {
                        self.convert_from(conn, 0)?;
                    }
                    return Ok(false);
                }
            }
        }
    }

    /// Stores a dictionary trained aside as `id`, unless one was stored
    /// meanwhile (by another process): then that one is used, and false.
    pub(super) fn store_dict(
        &self,
        conn: &mut Connection,
        id: i64,
        dict: &[u8],
    ) -> rusqlite::Result<bool> {
        let tx = conn.transaction()?;
        self.forget_newest();
        let mine = self.newest(&tx)?.is_none();
        if mine {
            tx.execute(
                "INSERT INTO body_dicts (id, dict, made_at) VALUES (?1, ?2, ?3)",
                params![id, dict, chrono::Utc::now().timestamp()],
            )?;
        }
        tx.commit()?;
        self.forget_newest();
        Ok(mine)
    }
}

/// Replaces a range with its packed rows if it is as it was read; false
/// when it changed meanwhile.
pub(super) fn put_back(conn: &mut Connection, range: &Range) -> rusqlite::Result<bool> {
    let tx = conn.transaction()?;
    let now: Vec<(i64, Value, Value)> = tx
        .prepare_cached(
            "SELECT article_id, summary, content FROM article_bodies
             WHERE article_id BETWEEN ?1 AND ?2 ORDER BY article_id",
        )?
        .query_map([range.first, range.last], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    if now != range.read {
        return Ok(false);
    }
    upgrade::replace_range(&tx, range.first, range.last, &range.packed)?;
    tx.commit()?;
    Ok(true)
}
