//! The frame a compressed row holds (see the module above): its header
//! of LEB128 numbers, and the zstd frame of the bodies after it.

use super::{BodyError, FORMAT_ZSTD, MAX_BODY};

/// One frame holding `summary` then `content`.
pub(super) fn encode_frame(
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
pub(super) struct Header {
    pub(super) dict: i64,
    pub(super) summary: Option<usize>,
    pub(super) content: Option<usize>,
    pub(super) body: usize,
}

pub(super) fn header(blob: &[u8]) -> Result<Header, BodyError> {
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

/// `frame` naming dictionary `dict` instead of the one it names.
pub(super) fn with_dict(frame: &[u8], dict: i64) -> Result<Vec<u8>, BodyError> {
    let h = header(frame)?;
    let body = frame.get(h.body..).ok_or(BodyError::Damaged("truncated"))?;
    let mut out = Vec::with_capacity(body.len() + 16);
    out.push(FORMAT_ZSTD);
    put_varint(&mut out, dict as u64);
    for part in [h.summary, h.content] {
        put_varint(&mut out, part.map_or(0, |n| n as u64 + 1));
    }
    out.extend_from_slice(body);
    Ok(out)
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut n: u64) {
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

pub(super) fn get_varint(blob: &[u8], at: &mut usize) -> Result<u64, BodyError> {
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
