//! Articles as terminal text: a header, then the body converted from HTML,
//! wrapped to a width, with links numbered and listed at the end.

use crate::model::{Article, ArticleSummary};
use crate::sanitize;
use chrono::{DateTime, FixedOffset, Offset, Utc};

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

/// Title, feed, author, date and link, one per line (sanitised); the date
/// in the zone `offset`.
pub fn header(a: &ArticleSummary, offset: FixedOffset) -> Vec<(&'static str, String)> {
    let mut lines = vec![
        ("Title", sanitize::line(&a.title)),
        ("Feed", sanitize::line(&a.feed)),
    ];
    if let Some(author) = &a.author {
        lines.push(("Author", sanitize::line(author)));
    }
    lines.push((
        "Date",
        a.published
            .map_or_else(|| "undated".to_string(), |d| long_date(d, offset)),
    ));
    if let Some(link) = &a.link {
        lines.push(("Link", sanitize::line(link)));
    }
    lines
}

/// The whole article as text, for `tidings show`; dates in the zone `offset`.
pub fn article(a: &Article, width: usize, offset: FixedOffset) -> String {
    let mut out = String::new();
    for (label, value) in header(&a.summary, offset) {
        out.push_str(&format!("{label}: {value}\n"));
    }
    out.push('\n');
    out.push_str(&body(a, width));
    out.push('\n');
    out
}

/// The user's offset from UTC now, from the system's time zone. Read once
/// at start by the commands and the interface and passed down, so that
/// formatting never reads the clock or the zone itself.
pub fn local_offset() -> FixedOffset {
    chrono::Local::now().offset().fix()
}

/// "26 May 2023 09:30 +01:00": the time in the zone `offset`, with the
/// offset ("UTC" when it is zero).
pub fn long_date(d: DateTime<Utc>, offset: FixedOffset) -> String {
    let local = d.with_timezone(&offset).format("%-d %B %Y %H:%M");
    format!("{local} {}", zone(offset))
}

/// How a zone is named after a time: "UTC", or the offset ("+01:00").
pub fn zone(offset: FixedOffset) -> String {
    if offset.local_minus_utc() == 0 {
        "UTC".to_string()
    } else {
        offset.to_string()
    }
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
    fn long_dates_are_in_the_given_zone() {
        use chrono::TimeZone;
        let d = Utc.with_ymd_and_hms(2023, 5, 26, 23, 30, 0).unwrap();
        assert_eq!(long_date(d, Utc.fix()), "26 May 2023 23:30 UTC");
        let bst = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(long_date(d, bst), "27 May 2023 00:30 +01:00");
        let west = FixedOffset::west_opt(4 * 3600 + 1800).unwrap();
        assert_eq!(long_date(d, west), "26 May 2023 19:00 -04:30");
    }

    #[test]
    fn wraps_and_sanitises() {
        let t = html_to_text(&"word ".repeat(50), 30);
        assert!(t.lines().all(|l| l.chars().count() <= 30), "{t}");
        let t = html_to_text("<p>a\x1b[2Jb</p>", 30);
        assert!(!t.contains('\x1b'));
    }
}
