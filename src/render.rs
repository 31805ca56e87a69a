//! Articles as terminal text: a header, then the body converted from HTML,
//! wrapped to a width, with links numbered and listed at the end.

use crate::model::{Article, ArticleSummary};
use crate::sanitize;
use crate::text;
use chrono::{DateTime, FixedOffset, Offset, Utc};

/// The narrowest width text is wrapped to.
pub const MIN_WIDTH: usize = 20;

/// The width that means "do not wrap": each paragraph on one line.
pub const UNWRAPPED: usize = 0;

/// Lines are never longer than this, even unwrapped.
const LONGEST_LINE: usize = 1 << 16;

/// The columns to wrap at for a requested `width`.
fn columns(width: usize) -> usize {
    match width {
        UNWRAPPED => LONGEST_LINE,
        w => w.clamp(MIN_WIDTH, LONGEST_LINE),
    }
}

/// The stored HTML an article's body comes from: content, else summary.
pub fn body_html(article: &Article) -> &str {
    article
        .content_html
        .as_deref()
        .or(article.summary_html.as_deref())
        .unwrap_or("")
}

/// The body of an article as wrapped text (sanitised), after a note when
/// its title was made by tidings.
pub fn body(article: &Article, width: usize) -> String {
    let text = html_to_text(body_html(article), width);
    match derived_note(article) {
        Some(note) => format!("{}\n\n{text}", text::wrap(note, columns(width)).join("\n")),
        None => text,
    }
}

/// Says where a title tidings made came from (see
/// `fetch::parse::normalize::derive_title`).
pub fn derived_note(a: &Article) -> Option<&'static str> {
    if !a.title_derived {
        return None;
    }
    let title = a.summary.title.as_str();
    let from_link = a.summary.link.as_deref().is_some_and(|l| {
        let bare = l
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        !title.is_empty() && bare.starts_with(title)
    });
    Some(if title.starts_with("(untitled") {
        "Untitled: the source gave no title, text or link."
    } else if from_link {
        "Title from the link: the source gave none."
    } else {
        "Title from the text: the source gave none."
    })
}

/// HTML (or plain text) as text wrapped at `width` ([`UNWRAPPED`]: not
/// wrapped) with numbered link footnotes.
pub fn html_to_text(html: &str, width: usize) -> String {
    let columns = columns(width);
    text::html_to_text(html, text::Layout::Wrapped { columns })
}

/// Marks where a link's text starts and ends in the unwrapped text, before
/// the links are put into words (private-use characters, removed from the
/// input first).
const LINK_START: char = '\u{e000}';
const LINK_END: char = '\u{e001}';

/// Decorates HTML for the ear: links marked for numbering, headings and
/// images in words, nothing drawn.
#[derive(Clone, Default)]
struct EarDecorator {
    links: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
}

impl html2text::render::TextDecorator for EarDecorator {
    type Annotation = ();
    fn decorate_link_start(&mut self, url: &str) -> (String, ()) {
        self.links.borrow_mut().push(url.to_string());
        (LINK_START.to_string(), ())
    }
    fn decorate_link_end(&mut self) -> String {
        LINK_END.to_string()
    }
    fn decorate_em_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_em_end(&self) -> String {
        String::new()
    }
    fn decorate_strong_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_strong_end(&self) -> String {
        String::new()
    }
    fn decorate_strikeout_start(&self) -> (String, ()) {
        ("(struck out: ".into(), ())
    }
    fn decorate_strikeout_end(&self) -> String {
        ")".into()
    }
    fn decorate_code_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_code_end(&self) -> String {
        String::new()
    }
    fn decorate_preformat_first(&self) {}
    fn decorate_preformat_cont(&self) {}
    fn decorate_image(&mut self, _src: &str, title: &str) -> (String, ()) {
        let alt = title.trim();
        if alt.is_empty() {
            (" (image without description) ".into(), ())
        } else {
            (format!(" (image: {alt}) "), ())
        }
    }
    fn header_prefix(&self, _level: usize) -> String {
        "heading: ".into()
    }
    fn quote_prefix(&self) -> String {
        "quote: ".into()
    }
    fn unordered_item_prefix(&self) -> String {
        "- ".into()
    }
    fn ordered_item_prefix(&self, i: i64) -> String {
        format!("{i}. ")
    }
    fn make_subblock_decorator(&self) -> Self {
        self.clone()
    }
    fn finalise(&mut self, _urls: Vec<String>) -> Vec<html2text::render::TaggedLine<()>> {
        Vec::new()
    }
}

/// An article body for the ear, wrapped at `width`: links numbered in the
/// text ("announced (link 1)") and listed at the end ("link 1: announced,
/// www.gov.uk/…"), headings marked "heading:", images given by their
/// description; no drawn lines. Returns the lines and the link targets
/// (`links[0]` is link 1), all sanitised.
pub fn spoken_body(html: &str, width: usize) -> (Vec<String>, Vec<String>) {
    let width = columns(width);
    let clean: String = text::separators_as_breaks(html)
        .chars()
        .filter(|c| *c != LINK_START && *c != LINK_END)
        .collect();
    let decorator = EarDecorator::default();
    let urls = decorator.links.clone();
    // Unwrapped, so that each link's text is on one line; wrapped below.
    let raw = html2text::config::with_decorator(decorator)
        .no_table_borders()
        .unicode_strikeout(false)
        .empty_img_mode(html2text::config::ImageRenderMode::ShowAlways)
        .string_from_read(clean.as_bytes(), LONGEST_LINE)
        .unwrap_or_else(|_| clean.clone());
    let urls: Vec<String> = urls.borrow().iter().map(|u| sanitize::line(u)).collect();
    let mut labels: Vec<String> = vec![String::new(); urls.len()];
    // Link numbers open at this point, and the next number.
    let mut open: Vec<usize> = Vec::new();
    let mut next = 0;
    let mut lines = Vec::new();
    for line in raw.trim_end().lines() {
        let mut out = String::new();
        for c in line.chars() {
            match c {
                LINK_START => {
                    next += 1;
                    open.push(next);
                }
                LINK_END => {
                    if let Some(n) = open.pop() {
                        out.push_str(&format!(" (link {n})"));
                    }
                }
                c => {
                    out.push(c);
                    for n in &open {
                        if let Some(l) = labels.get_mut(n - 1) {
                            l.push(c);
                        }
                    }
                }
            }
        }
        for n in &open {
            if let Some(l) = labels.get_mut(n - 1) {
                l.push(' ');
            }
        }
        let out = sanitize::line(&out);
        // Drawn rules (a horizontal line) say nothing.
        let drawn = out
            .chars()
            .all(|c| c.is_whitespace() || ('\u{2500}'..='\u{259f}').contains(&c));
        if drawn {
            lines.push(String::new());
            continue;
        }
        lines.extend(text::wrap(&out, width));
    }
    if !urls.is_empty() {
        lines.push(String::new());
        lines.push(if urls.len() == 1 {
            "1 link:".to_string()
        } else {
            format!("{} links:", urls.len())
        });
        for (i, (url, label)) in urls.iter().zip(&labels).enumerate() {
            let label = sanitize::line(
                label
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .as_str(),
            );
            let entry = if label.is_empty() {
                format!("link {}: {}", i + 1, short_url(url))
            } else {
                format!("link {}: {label}, {}", i + 1, short_url(url))
            };
            lines.extend(text::wrap(&entry, width));
        }
    }
    // Runs of blank lines read as one pause.
    lines.dedup_by(|a, b| a.is_empty() && b.is_empty());
    (lines, urls)
}

/// "www.example.org/…": where a link goes, short enough to hear.
pub fn short_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) if u.scheme() == "mailto" => format!("mail to {}", u.path()),
        Ok(u) => {
            let host = u.host_str().unwrap_or_default().to_string();
            let more = u.path().trim_matches('/').len() + u.query().map_or(0, str::len) > 0;
            if host.is_empty() {
                url.to_string()
            } else if more {
                format!("{host}/…")
            } else {
                host
            }
        }
        Err(_) => url.to_string(),
    }
}

/// Title, feed, author, date and link, one per line (sanitised); the date
/// in the zone `offset`.
pub fn header(a: &ArticleSummary, zone: Zone) -> Vec<(&'static str, String)> {
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
            .map_or_else(|| "undated".to_string(), |d| long_date(d, zone)),
    ));
    if let Some(link) = &a.link {
        lines.push(("Link", sanitize::line(link)));
    }
    lines
}

/// The header as lines of at most `width` columns: "Label: value", long
/// values wrapped under themselves and unbroken words split at the width.
pub fn header_lines(a: &ArticleSummary, width: usize, zone: Zone) -> Vec<String> {
    let width = columns(width);
    let mut out = Vec::new();
    for (label, value) in header(a, zone) {
        let prefix = format!("{label}: ");
        let indent = text::width(&prefix);
        for (i, part) in text::wrap(&value, width - indent).into_iter().enumerate() {
            if i == 0 {
                out.push(format!("{prefix}{part}"));
            } else {
                out.push(format!("{:indent$}{part}", ""));
            }
        }
    }
    out
}

/// The whole article as text, for `tidings show`; dates in the zone `offset`.
pub fn article(a: &Article, width: usize, zone: Zone) -> String {
    let mut out = String::new();
    for line in header_lines(&a.summary, width, zone) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&body(a, width));
    out.push('\n');
    out
}

/// Where dates are shown: the system's time zone, each date at the offset
/// in force on that date (summer dates keep summer time), or a fixed offset
/// (tests, for output that does not depend on the machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Local,
    Fixed(FixedOffset),
}

impl Zone {
    pub fn utc() -> Zone {
        Zone::Fixed(Utc.fix())
    }

    /// `t` as a date and time in this zone.
    pub fn at(self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        match self {
            Zone::Fixed(offset) => t.with_timezone(&offset),
            Zone::Local => t.with_timezone(&chrono::Local).fixed_offset(),
        }
    }
}

/// "26 May 2023 09:30 +01:00": the time in `zone`, with its offset on that
/// date ("UTC" when it is zero).
pub fn long_date(d: DateTime<Utc>, zone: Zone) -> String {
    let local = zone.at(d);
    format!(
        "{} {}",
        local.format("%-d %B %Y %H:%M"),
        zone_name(*local.offset())
    )
}

/// How a zone is named after a time: "UTC", or the offset ("+01:00").
pub fn zone_name(offset: FixedOffset) -> String {
    if offset.local_minus_utc() == 0 {
        "UTC".to_string()
    } else {
        offset.to_string()
    }
}

/// "just now", "12 min ago", "3 h ago", "4 days ago".
pub fn age(then: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    let mins = (now - then).num_minutes().max(0);
    match mins {
        0 => "just now".into(),
        1..=59 => format!("{mins} min ago"),
        60..=2879 => format!("{} h ago", mins / 60),
        _ => format!("{} days ago", mins / 1440),
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
    fn the_body_for_the_ear_numbers_links_in_words() {
        let (lines, links) = spoken_body(
            "<h2>Relicensing</h2><p>As <a href=\"https://www.example.org/news/x\">Read the \
             full announcement</a> says.</p><img src=\"a.png\" alt=\"A map\"><img src=\"b.png\">\
             <hr><table><tr><td>a</td><td>b</td></tr></table>",
            40,
        );
        let text = lines.join("\n");
        assert!(text.contains("heading: Relicensing"), "{text}");
        assert!(
            text.contains("Read the full announcement (link 1)"),
            "{text}"
        );
        let flat = lines.join(" ");
        assert!(
            flat.contains("(image: A map) (image without description)"),
            "{text}"
        );
        assert!(
            text.ends_with("1 link:\nlink 1: Read the full announcement,\nwww.example.org/…"),
            "{text}"
        );
        assert_eq!(links, ["https://www.example.org/news/x"]);
        assert!(lines.iter().all(|l| text::width(l) <= 40), "{text}");
        assert!(
            !text.chars().any(|c| ('\u{2500}'..='\u{259f}').contains(&c)),
            "{text}"
        );
        assert!(!text.contains('[') && !text.contains('#'), "{text}");
        // Marker characters in the input are not taken for links.
        let (lines, links) = spoken_body("<p>a\u{e000}b\u{e001}c</p>", 40);
        assert_eq!((lines, links.len()), (vec!["abc".to_string()], 0));
    }

    #[test]
    fn long_dates_are_in_the_given_zone() {
        use chrono::TimeZone;
        let d = Utc.with_ymd_and_hms(2023, 5, 26, 23, 30, 0).unwrap();
        assert_eq!(long_date(d, Zone::utc()), "26 May 2023 23:30 UTC");
        let bst = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(long_date(d, Zone::Fixed(bst)), "27 May 2023 00:30 +01:00");
        let west = FixedOffset::west_opt(4 * 3600 + 1800).unwrap();
        assert_eq!(long_date(d, Zone::Fixed(west)), "26 May 2023 19:00 -04:30");
    }

    #[test]
    fn line_and_paragraph_separators_break_lines() {
        let t = html_to_text("<p>one\u{2028}two\u{2029}three</p>", 60);
        assert_eq!(t, "one\ntwo\n\nthree");
        let t = html_to_text("one\u{2028}two", 60);
        assert_eq!(t, "one\ntwo");
    }

    #[test]
    fn unwrapped_keeps_each_paragraph_on_one_line() {
        let para = "word ".repeat(300);
        let html = format!("<p>{para}</p><p>{para}</p><ul><li>{para}</li></ul>");
        let t = html_to_text(&html, UNWRAPPED);
        let lines: Vec<&str> = t.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 3, "{t}");
        assert!(lines.iter().all(|l| l.len() >= 1400), "{t}");
    }

    #[test]
    fn wraps_and_sanitises() {
        let t = html_to_text(&"word ".repeat(50), 30);
        assert!(t.lines().all(|l| l.chars().count() <= 30), "{t}");
        let t = html_to_text("<p>a\x1b[2Jb</p>", 30);
        assert!(!t.contains('\x1b'));
    }

    fn article_titled(title: &str) -> Article {
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        Article {
            summary: ArticleSummary {
                id: crate::model::ArticleId(1),
                feed_id: crate::model::FeedId(1),
                feed: "Feed".into(),
                title: title.into(),
                link: Some("https://a.test/x".into()),
                author: None,
                published: Some(t),
                sort_time: t,
                read: false,
                also_in: Vec::new(),
                starred: false,
            },
            guid: "g".into(),
            updated: None,
            first_seen: t,
            title_derived: false,
            summary_html: None,
            content_html: Some(format!("<p>{}</p>", "x".repeat(500))),
        }
    }

    #[test]
    fn long_titles_are_wrapped_to_the_width() {
        let a = article_titled(&format!("Short words {} end", "y".repeat(200_000)));
        let out = article(&a, 80, Zone::utc());
        let header = &out[..out.find("\n\n").unwrap()];
        assert!(header.lines().all(|l| text::width(l) <= 80), "{header}");
        assert!(
            header.starts_with("Title: Short words\n       yyyy"),
            "{header}"
        );
        assert_eq!(header.matches('y').count(), 200_000);
        assert!(header.contains("\n       yyy end\n") || header.contains(" end\nFeed: Feed"));
        let body = &out[out.find("\n\n").unwrap() + 2..];
        assert!(body.lines().all(|l| text::width(l) <= 80), "{body}");

        let a = article_titled(&"日本語のニュース".repeat(20));
        let out = article(&a, 30, Zone::utc());
        assert!(out.lines().all(|l| text::width(l) <= 30), "{out}");
    }
}
