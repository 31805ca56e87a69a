//! Config loading and export: any TOML either loads or gives an error; a
//! loaded config exports to OPML that imports back with the same feed
//! addresses, and to TOML that loads back with the same feeds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use tidings::config::{Config, FeedKind};
use tidings::{export, import};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.toml");
    let config = match Config::parse(path, text) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };

    let opml = export::opml(&config).expect("a loaded config exports to OPML");
    let feeds: Vec<_> = config
        .feeds
        .iter()
        .filter(|f| f.kind != FeedKind::Html)
        .collect();
    // A list without a feed address is refused on import, with a clear error.
    let source = match import::read("export.opml", &opml) {
        Ok((_, source)) => source,
        Err(e) if feeds.is_empty() => {
            let _ = e.to_string();
            return;
        }
        Err(e) => panic!("exported OPML does not import: {e}\n{opml}"),
    };
    for f in feeds {
        assert!(
            source.feeds.iter().any(|e| e.url == f.url.as_str()),
            "{} lost in the OPML round trip:\n{opml}",
            f.url
        );
    }
    let _ = import::plan(source, Some(&config));

    let toml = export::toml(text).expect("a loaded config exports to TOML");
    let back = Config::parse(path, &toml).expect("exported TOML loads");
    let names = |c: &Config| {
        c.feeds
            .iter()
            .map(|f| (f.name.clone(), f.url.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&config), names(&back), "{toml}");
});
