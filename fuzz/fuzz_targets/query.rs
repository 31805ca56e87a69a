//! The query language: any text either parses or gives an error that can be
//! rendered; a parsed query compiles to SQL or says why not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tidings::query::{self, SqlOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match query::parse(input) {
        Ok(q) => {
            let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
            match query::to_sql(&q, now, &SqlOptions::default()) {
                Ok(_) => {}
                Err(e) => {
                    let _ = e.render(input);
                }
            }
            let ranges = query::title_highlights(&q, input);
            for r in ranges {
                assert!(input.is_char_boundary(r.start) && input.is_char_boundary(r.end));
            }
        }
        Err(e) => {
            let span = e.char_span(input);
            assert!(span.start <= span.end);
            let _ = e.render(input);
        }
    }
});
