//! Articles as terminal text: a header, then the body converted from HTML,
//! wrapped to a width, with links numbered and listed at the end.

use crate::model::{Article, ArticleSummary};
use crate::sanitize;
use chrono::{DateTime, Utc};

/// The body of an article as wrapped text (sanitised).
pub fn body(article: &Article, width: usize) -> String {
    let html = article
        .content_html
        .as_deref()
        .or(article.summary_html.as_deref())
        .unwrap_or("");
    html_to_text(html, width)
}

/// HTML (or plain text) as wrapped text with numbered link footnotes.
pub fn html_to_text(html: &str, width: usize) -> String {
    let width = width.max(20);
    let text = html2text::config::plain()
        .link_footnotes(true)
        .string_from_read(html.as_bytes(), width)
        .unwrap_or_else(|_| html.to_string());
    sanitize::text(text.trim_end())
}

/// Title, feed, author, date and link, one per line (sanitised).
pub fn header(a: &ArticleSummary) -> Vec<(&'static str, String)> {
    let mut lines = vec![
        ("Title", sanitize::line(&a.title)),
        ("Feed", sanitize::line(&a.feed)),
    ];
    if let Some(author) = &a.author {
        lines.push(("Author", sanitize::line(author)));
    }
    lines.push((
        "Date",
        a.published.map_or_else(|| "undated".to_string(), long_date),
    ));
    if let Some(link) = &a.link {
        lines.push(("Link", sanitize::line(link)));
    }
    lines
}

/// The whole article as text, for `tidings show`.
pub fn article(a: &Article, width: usize) -> String {
    let mut out = String::new();
    for (label, value) in header(&a.summary) {
        out.push_str(&format!("{label}: {value}\n"));
    }
    out.push('\n');
    out.push_str(&body(a, width));
    out.push('\n');
    out
}

pub fn long_date(d: DateTime<Utc>) -> String {
    d.format("%-d %B %Y %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_numbered_and_listed() {
        let t = html_to_text(
            "<p>See <a href=\"https://a.test/x\">this</a> and <a href=\"https://b.test/\">that</a>.</p>",
            60,
        );
        assert!(t.contains("[this][1]") && t.contains("[that][2]"), "{t}");
        assert!(
            t.contains("[1]: https://a.test/x") && t.contains("[2]: https://b.test/"),
            "{t}"
        );
    }

    #[test]
    fn wraps_and_sanitises() {
        let t = html_to_text(&"word ".repeat(50), 30);
        assert!(t.lines().all(|l| l.chars().count() <= 30), "{t}");
        let t = html_to_text("<p>a\x1b[2Jb</p>", 30);
        assert!(!t.contains('\x1b'));
    }
}
