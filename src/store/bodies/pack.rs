//! Compressing bodies off the writer's thread, and the columns a frame
//! is stored as.

use super::{encode_frame, encoder, text_value, Packed, MAX_BODY};
use rusqlite::types::Value;
use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

/// Compresses bodies as [`Codec`] would, on any thread: the fetcher's,
/// so that the cache's one writer only stores the frames. Cheap to clone;
/// clones share the dictionary, which the codec gives once it has one.
#[derive(Clone, Default)]
pub struct Packer(pub(super) Arc<OnceLock<(i64, Arc<[u8]>)>>);

impl Packer {
    /// The frame for an article's bodies, or None while the cache has no
    /// dictionary (then the writer stores them as it can).
    pub fn pack(&self, summary: Option<&str>, content: Option<&str>) -> Option<Packed> {
        let (id, bytes) = self.0.get()?;
        if !worth_packing(summary, content) {
            return Some(Packed {
                dict: *id,
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
                dict: *id,
                frame: pack(encoder, *id, summary, content).ok()?,
            })
        })
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
