//! Article rendering: whatever a feed sends, the text for the terminal has
//! no control, escape, bidi or invisible character (but newlines and emoji
//! joiners), header lines fit the width, and JSON output escapes them all.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tidings::model::{Article, ArticleId, ArticleSummary, FeedId};
use tidings::render::{self, Zone};
use tidings::sanitize;

fn check_safe(s: &str) {
    for c in s.chars() {
        assert!(
            c == '\n' || c == '\u{200d}' || !sanitize::is_hidden(c),
            "{c:?} reached the terminal in {s:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&w, rest)) = data.split_first() else {
        return;
    };
    let width = usize::from(w);
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.splitn(3, '\u{0}');
    let title = parts.next().unwrap_or_default().to_string();
    let author = parts.next().map(str::to_string);
    let html = parts.next().map(str::to_string);

    let line = sanitize::line(&text);
    check_safe(&line);
    assert!(!line.contains('\n'));
    check_safe(&sanitize::text(&text));

    let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    let article = Article {
        summary: ArticleSummary {
            id: ArticleId(1),
            feed_id: FeedId(1),
            feed: "Feed".to_string(),
            title,
            link: Some("https://example.test/a".to_string()),
            author,
            published: Some(now),
            sort_time: now,
            read: false,
            starred: false,
            also_in: Vec::new(),
        },
        guid: "g".to_string(),
        updated: None,
        first_seen: now,
        summary_html: None,
        content_html: html,
    };
    let out = render::article(&article, width, Zone::utc());
    check_safe(&out);
    let body_start = out.find("\n\n").unwrap_or(out.len());
    let cols = width.max(render::MIN_WIDTH);
    for l in out[..body_start].lines() {
        assert!(tidings::text::width(l) <= cols, "{l:?} is wider than {cols}");
    }

    let json = sanitize::to_json_pretty(&[text.as_ref()]).expect("strings encode");
    assert!(
        !json.chars().any(|c| sanitize::is_hidden(c) && c != '\n'),
        "{json:?}"
    );
    let back: Vec<String> = serde_json::from_str(&json).expect("our JSON decodes");
    assert_eq!(back, [text.as_ref()]);
});
