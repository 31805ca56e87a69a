//! HTML scraping with rules. The input is a `[feed.html]` rules table in
//! TOML, a NUL byte, then the page; without a usable table, fixed rules are
//! used. Listing extraction, article extraction, feed discovery and rule
//! suggestion must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tidings::scrape::{self, HtmlRules};

const DEFAULT_RULES: &str = r#"
item = "article, li.news, .post"
title = "h2, h3"
link = "a@href"
date = "time@datetime"
summary = "p"
author = ".author"
content = "auto"
next = "a[rel=next]"
date_format = ["%d %B %Y", "%Y-%m-%d"]
"#;

fuzz_target!(|data: &[u8]| {
    let (rules_part, page) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&[][..], data),
    };
    let Ok(html) = std::str::from_utf8(page) else {
        return;
    };
    let parsed = std::str::from_utf8(rules_part)
        .ok()
        .and_then(|t| toml::from_str::<HtmlRules>(t).ok())
        .and_then(|r| r.compile().ok());
    let rules = match parsed {
        Some(r) => r,
        None => match toml::from_str::<HtmlRules>(DEFAULT_RULES).map(|r| r.compile()) {
            Ok(Ok(r)) => r,
            _ => return,
        },
    };
    let Ok(url) = url::Url::parse("https://example.test/news/") else {
        return;
    };
    if let Ok(page) = scrape::extract_items(html, &url, &rules) {
        for item in &page.items {
            let _ = format!("{item:?}");
        }
    }
    let _ = scrape::extract_article(html, &url, &rules);
    let _ = scrape::feed_links(html, &url);
    if let Some(s) = scrape::suggest_rules(html, &url) {
        let _ = s.to_toml();
    }
    let _ = scrape::parse_date(html, &rules.date_formats, rules.month_first);
});
