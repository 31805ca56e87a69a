//! Training a dictionary from sample bodies.
//!
//! zstd's own trainer (`ZDICT_trainFromBuffer`) tries several segment
//! sizes and keeps the best; on news bodies every size it tries gives
//! dictionaries within 0.2 % of each other, and trying them took a cold
//! fetch's first dictionary 0.12 s of a core while its bodies waited plain.
//! This trains once, with the size zstd most often picks.

use zstd::zstd_safe::zstd_sys;

/// Segment size, d-mer size and the log2 of the frequency table's length
/// (the default, 20, costs 6 MB to clear and gained nothing measurable).
const K: u32 = 1024;
const D: u32 = 8;
const F: u32 = 16;

/// A dictionary of at most `size` bytes learnt from `samples` for level
/// `level`; None when zstd cannot learn one (too few or too small samples).
pub(super) fn train(samples: &[Vec<u8>], size: usize, level: i32) -> Option<Vec<u8>> {
    let sizes: Vec<usize> = samples.iter().map(Vec::len).collect();
    let count = u32::try_from(samples.len()).ok()?;
    let flat: Vec<u8> = samples.concat();
    let mut dict = vec![0u8; size];
    let params = zstd_sys::ZDICT_fastCover_params_t {
        k: K,
        d: D,
        f: F,
        steps: 0,
        nbThreads: 0,
        splitPoint: 1.0,
        accel: 1,
        shrinkDict: 0,
        shrinkDictMaxRegression: 0,
        zParams: zstd_sys::ZDICT_params_t {
            compressionLevel: level,
            notificationLevel: 0,
            dictID: 0,
        },
    };
    // SAFETY: `dict` is writable for `size` bytes; `flat` holds exactly the
    // sum of `sizes` bytes, and `sizes` has `count` entries; zstd reads and
    // writes nothing else, and keeps no pointer after it returns.
    let written = unsafe {
        zstd_sys::ZDICT_trainFromBuffer_fastCover(
            dict.as_mut_ptr().cast(),
            dict.len(),
            flat.as_ptr().cast(),
            sizes.as_ptr(),
            count,
            params,
        )
    };
    // SAFETY: a pure function of its argument.
    if unsafe { zstd_sys::ZDICT_isError(written) } != 0 || written > size {
        return None;
    }
    dict.truncate(written);
    Some(dict)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(n: usize) -> Vec<Vec<u8>> {
        let words = [
            "trust",
            "board",
            "patients",
            "clinical",
            "funding",
            "digital",
            "the",
            "of",
            "and",
            "announced",
            "services",
            "regional",
            "network",
        ];
        (0..n)
            .map(|i| {
                let mut s = format!("<p>Announcement {i}: ");
                for j in 0..60 {
                    s.push_str(words[(i * 7 + j * j) % words.len()]);
                    s.push(' ');
                }
                s.push_str("</p><p>For more information contact the press office.</p>");
                s.into_bytes()
            })
            .collect()
    }

    #[test]
    fn a_trained_dictionary_compresses_what_it_learnt_from() {
        let samples = bodies(600);
        let dict = train(&samples, 16 << 10, 3).expect("enough samples");
        assert!(!dict.is_empty() && dict.len() <= 16 << 10);
        let mut with = zstd::bulk::Compressor::with_dictionary(3, &dict).unwrap();
        let mut without = zstd::bulk::Compressor::new(3).unwrap();
        let body = &bodies(601)[600];
        let small = with.compress(body).unwrap();
        assert!(small.len() * 2 < without.compress(body).unwrap().len());
        let mut back = zstd::bulk::Decompressor::with_dictionary(&dict).unwrap();
        assert_eq!(&back.decompress(&small, body.len()).unwrap(), body);
    }

    #[test]
    fn too_little_to_learn_from_gives_none() {
        assert_eq!(train(&[], 16 << 10, 3), None);
        assert_eq!(train(&vec![b"tiny".to_vec(); 3], 16 << 10, 3), None);
    }
}
