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
    let (_, source) = import::read("export.opml", &opml).expect("exported OPML imports");
    for f in config.feeds.iter().filter(|f| f.kind != FeedKind::Html) {
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
