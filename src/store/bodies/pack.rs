//! Compressing bodies off the writer's thread, and the columns a frame
//! is stored as.

use super::{
    encode_frame, encoder, text_value, train, Packed, DICT_BYTES, FIRST_SAMPLES, LEVEL, MAX_BODY,
};
use rusqlite::types::Value;
use std::cell::RefCell;
use std::sync::{Arc, Mutex, OnceLock};

/// Compresses bodies as [`Codec`] would, on any thread: the fetcher's,
/// so that the cache's one writer only stores the frames. Cheap to clone;
/// clones share their state with the codec that gave them.
#[derive(Clone, Default)]
pub struct Packer(pub(super) Arc<Shared>);

/// The id a frame carries while made with a [`Shared::fresh`] dictionary,
/// which the cache does not hold yet: the writer stores that dictionary
/// and puts its id in the frame ([`super::with_dict`]). Never stored.
pub(super) const FRESH: i64 = 0;

#[derive(Default)]
pub(super) struct Shared {
    /// The dictionary new bodies use, once the cache has one.
    pub(super) dict: OnceLock<(i64, Arc<[u8]>)>,
    /// A first dictionary trained here from the first bodies packed, for
    /// the writer to store: so that a cache filled by one refresh has
    /// its bodies compressed here from the first few hundred on, rather
    /// than stored plain until the writer trains one and compressed again
    /// on the writer.
    pub(super) fresh: OnceLock<Arc<[u8]>>,
    /// Bodies gathered to train it from: Some while gathering.
    gathering: Mutex<Option<Vec<Vec<u8>>>>,
}

impl Packer {
    /// The frame for an article's bodies, or None while there is no
    /// dictionary (then the writer stores them as it can).
    pub fn pack(&self, summary: Option<&str>, content: Option<&str>) -> Option<Packed> {
        let (id, bytes) = match (self.0.dict.get(), self.0.fresh.get()) {
            (Some((id, bytes)), _) => (*id, bytes),
            (None, Some(bytes)) => (FRESH, bytes),
            (None, None) => {
                self.gather(summary, content);
                return None;
            }
        };
        if !worth_packing(summary, content) {
            return Some(Packed {
                dict: id,
                frame: None,
            });
        }
        thread_local! {
            /// This thread's encoder, and the dictionary it was made with.
            static ENCODER: RefCell<Option<(Arc<[u8]>, zstd::bulk::Compressor<'static>)>> =
                const { RefCell::new(None) };
        }
        ENCODER.with(|slot| {
            let mut slot = slot.borrow_mut();
            if !slot.as_ref().is_some_and(|(d, _)| Arc::ptr_eq(d, bytes)) {
                *slot = Some((bytes.clone(), encoder(bytes).ok()?));
            }
            let (_, encoder) = slot.as_mut()?;
            Some(Packed {
                dict: id,
                frame: pack(encoder, id, summary, content).ok()?,
            })
        })
    }

    /// Gathers the bodies packed from now on to train a dictionary from,
    /// unless there is one. Each refresh starts again: it brings each body
    /// once, where refreshes one after another bring the same ones again
    /// (a small cache is left to the writer, which waits for
    /// [`super::TRAIN_AT`] bodies).
    pub(super) fn start_gathering(&self) {
        if self.0.dict.get().is_some() || self.0.fresh.get().is_some() {
            return;
        }
        if let Ok(mut g) = self.0.gathering.lock() {
            *g = Some(Vec::new());
        }
    }

    /// Stops gathering, and lets go of what was gathered.
    pub(super) fn stop_gathering(&self) {
        if let Ok(mut g) = self.0.gathering.lock() {
            *g = None;
        }
    }

    /// Keeps a body to learn from while gathering; the thread that brings
    /// the last one trains the dictionary ([`FIRST_SAMPLES`] of them, as
    /// the writer would sample, take a few hundredths of a second).
    fn gather(&self, summary: Option<&str>, content: Option<&str>) {
        if !worth_packing(summary, content) {
            return;
        }
        let samples = {
            let Ok(mut g) = self.0.gathering.lock() else {
                return;
            };
            let Some(samples) = g.as_mut() else { return };
            samples.push(super::upgrade::sample(summary, content));
            if (samples.len() as i64) < FIRST_SAMPLES {
                return;
            }
            g.take()
        };
        if let Some(dict) = samples.and_then(|s| train::train(&s, DICT_BYTES, LEVEL)) {
            let _ = self.0.fresh.set(Arc::from(dict));
        }
    }
}

/// False when bodies stay plain whatever the dictionary: none, or too large.
pub(super) fn worth_packing(summary: Option<&str>, content: Option<&str>) -> bool {
    let total = summary.map_or(0, str::len) + content.map_or(0, str::len);
    total > 0 && total <= MAX_BODY
}

/// The frame for `summary` and `content`, or None when it would not be
/// smaller than they are (a small body can come out larger).
pub(super) fn pack(
    encoder: &mut zstd::bulk::Compressor,
    dict: i64,
    summary: Option<&str>,
    content: Option<&str>,
) -> std::io::Result<Option<Vec<u8>>> {
    let total = summary.map_or(0, str::len) + content.map_or(0, str::len);
    let frame = encode_frame(encoder, dict, summary, content)?;
    Ok((frame.len() < total).then_some(frame))
}

/// The summary and content columns for bodies and their frame (None:
/// stored plain).
pub(super) fn columns(
    summary: Option<&str>,
    content: Option<&str>,
    frame: Option<Vec<u8>>,
) -> (Value, Value) {
    match (frame, content) {
        (None, _) => (text_value(summary), text_value(content)),
        (Some(frame), Some(_)) => (
            summary.map_or(Value::Null, |_| Value::Blob(Vec::new())),
            Value::Blob(frame),
        ),
        (Some(frame), None) => (Value::Blob(frame), Value::Null),
    }
}
