//! Stored article bodies: any bytes in the summary and content columns
//! decode or give an error, never a panic or an allocation they claim.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tidings::store::decode_untrusted;

fuzz_target!(|data: &[u8]| {
    // The first byte says where the summary column ends.
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let (summary, content) = rest.split_at(usize::from(cut).min(rest.len()));
    for (s, c) in [
        (Some(summary), Some(content)),
        (None, Some(content)),
        (Some(summary), None),
        (Some(&[][..]), Some(content)),
    ] {
        if let Ok((s, c)) = decode_untrusted(s, c) {
            let _ = (s.map(|s| s.len()), c.map(|c| c.len()));
        }
    }
});
