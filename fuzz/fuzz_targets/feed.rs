//! Feed parsing: any bytes give a feed or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tidings::fetch::parse::parse_feed;
use tidings::scrape;

fuzz_target!(|data: &[u8]| {
    let Ok(base) = url::Url::parse("https://example.test/feed.xml") else {
        return;
    };
    let _ = scrape::looks_like_feed(data);
    let _ = scrape::looks_like_html(data);
    if let Ok(feed) = parse_feed(data, &base) {
        let _ = format!("{feed:?}");
    }
});
