//! The interface in words, for the screen-reader mode: rows as sentences
//! with their states spelt out, pane names, the reader's header and the
//! refresh announcements. Plain text only: no symbols, no box drawing.

use super::app::Progress;
use super::event::Snapshot;
use super::panes::reader::HeaderKind;
use super::panes::sidebar::SidebarItem;
use super::text;
use crate::model::{ArticleSummary, FeedInfo};
use crate::render::{long_date, Zone};
use crate::store::ViewFilter;
use chrono::{DateTime, Datelike, Utc};
use std::collections::HashMap;

/// "1 article", "3 articles".
pub fn count(n: impl Into<u64>, one: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {one}s", super::panes::list::thousands(n))
    }
}

/// "today 14:05", "26 May" this year, "26 May 2023" before, in `zone`.
pub fn date(d: Option<DateTime<Utc>>, now: DateTime<Utc>, zone: Zone) -> String {
    let Some(d) = d else {
        return "undated".into();
    };
    let (d, now) = (zone.at(d), zone.at(now));
    if d.date_naive() == now.date_naive() {
        d.format("today %H:%M").to_string()
    } else if d.year() == now.year() {
        d.format("%-d %B").to_string()
    } else {
        d.format("%-d %B %Y").to_string()
    }
}

/// An article row: "unread, starred, 26 May 2023, HIN South London:
/// Relicensing of AHSNs confirmed, also in NHS announcements".
pub fn article_row(a: &ArticleSummary, now: DateTime<Utc>, zone: Zone) -> String {
    let mut parts = Vec::new();
    if !a.read {
        parts.push("unread".to_string());
    }
    if a.starred {
        parts.push("starred".to_string());
    }
    parts.push(date(a.published, now, zone));
    let title = if a.title.trim().is_empty() {
        "untitled"
    } else {
        a.title.as_str()
    };
    parts.push(format!("{}: {title}", a.feed));
    if !a.also_in.is_empty() {
        parts.push(format!("also in {}", a.also_in_feeds()));
    }
    parts.join(", ")
}

/// A feed: "HIN South London, 9 unread, failing: timed out after 30 s".
pub fn feed(f: &FeedInfo) -> String {
    let mut s = format!("{}, {} unread", f.name, f.unread);
    match (&f.last_error, f.failing()) {
        (Some(e), true) => s.push_str(&format!(", failing: {e}")),
        (None, true) => s.push_str(", failing"),
        (Some(e), false) => s.push_str(&format!(", with a problem: {e}")),
        (None, false) => {}
    }
    s
}

/// A row of the views and feeds pane as a sentence.
pub fn sidebar_row(
    item: &SidebarItem,
    snapshot: &Snapshot,
    badges: &HashMap<String, usize>,
    current: &ViewFilter,
) -> String {
    let c = snapshot.counts;
    let mut s = match &item.view {
        None if item.label == "Views" => "Saved views:".to_string(),
        None if item.label == "Feeds" => "Feeds without a tag:".to_string(),
        None => format!("{}:", item.label),
        Some(ViewFilter::All) => format!(
            "All, {}, {} unread",
            count(c.all, "article"),
            text_count(c.unread)
        ),
        Some(ViewFilter::Unread) => format!("Unread, {}", count(c.unread, "article")),
        Some(ViewFilter::Starred) => format!("Starred, {}", count(c.starred, "article")),
        Some(ViewFilter::Saved { name, .. }) => {
            let mut s = format!(
                "View {name}, {} unread",
                text_count(item.count.unwrap_or(0))
            );
            if let Some(n) = badges.get(name) {
                s.push_str(&format!(", {}", count(*n as u64, "new alert")));
            }
            s
        }
        Some(ViewFilter::Tag(t)) => {
            let failing = snapshot
                .feeds
                .iter()
                .filter(|f| f.tags.contains(t) && f.failing())
                .count();
            let mut s = format!("Tag {t}, {} unread", text_count(item.count.unwrap_or(0)));
            match failing {
                0 => {}
                1 => s.push_str(", a feed failing"),
                n => s.push_str(&format!(", {n} feeds failing")),
            }
            s
        }
        Some(ViewFilter::Feed(id)) => match snapshot.feeds.iter().find(|f| f.id == *id) {
            Some(f) => feed(f),
            None => item.label.clone(),
        },
    };
    if item.view.as_ref() == Some(current) {
        s.push_str(", shown");
    }
    s
}

fn text_count(n: u64) -> String {
    super::panes::list::thousands(n)
}

pub use crate::render::short_url;

/// The reader's header for the ear: the title; source, author and date in
/// a sentence; the link; the other copies of its story, the one `key`
/// shows first.
pub fn reader_head(
    a: &ArticleSummary,
    others: &[&ArticleSummary],
    width: usize,
    zone: Zone,
    key: &str,
) -> Vec<(HeaderKind, String)> {
    let mut out = Vec::new();
    let mut push = |kind: HeaderKind, s: &str| {
        out.extend(text::wrap(s, width).into_iter().map(|l| (kind, l)));
    };
    push(HeaderKind::Title, &a.title);
    let mut meta = format!("From {}", a.feed);
    if let Some(author) = &a.author {
        meta.push_str(&format!(", by {author}"));
    }
    meta.push_str(", ");
    meta.push_str(
        &a.published
            .map_or_else(|| "undated".to_string(), |d| long_date(d, zone)),
    );
    let mut states = Vec::new();
    if !a.read {
        states.push("unread");
    }
    if a.starred {
        states.push("starred");
    }
    if !states.is_empty() {
        meta.push_str(&format!(", {}", states.join(", ")));
    }
    push(HeaderKind::Meta, &format!("{meta}."));
    if let Some(link) = &a.link {
        push(HeaderKind::Link, &format!("Page: {}", short_url(link)));
    }
    for (i, c) in others.iter().enumerate() {
        let line = if i == 0 && !key.is_empty() {
            format!("Also in {}: {}. Press {key} to read it.", c.feed, c.title)
        } else {
            format!("Also in {}: {}.", c.feed, c.title)
        };
        push(HeaderKind::Copy, &line);
    }
    out
}

/// The announcement at the start of a refresh.
pub fn refresh_started(total: usize) -> String {
    format!("Refreshing {}.", count(total as u64, "feed"))
}

/// The announcement at its end.
pub fn refresh_finished(p: &Progress) -> String {
    let mut s = format!(
        "Refresh done: {}, {}",
        count(p.done as u64, "feed"),
        count(p.new as u64, "new article")
    );
    if p.failed > 0 {
        s.push_str(&format!(", {} failed", p.failed));
    }
    s.push('.');
    s
}

/// Characters the screen-reader mode never draws itself: box drawing,
/// blocks, and the marks of the normal mode.
pub fn is_decoration(c: char) -> bool {
    matches!(
        c,
        '\u{2500}'..='\u{259f}' | '●' | '▶' | '✓' | '★' | '•' | '‹' | '✗'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArticleId, FeedId};
    use chrono::TimeZone;

    fn summary() -> ArticleSummary {
        let t = Utc.with_ymd_and_hms(2023, 5, 26, 9, 0, 0).unwrap();
        ArticleSummary {
            id: ArticleId(1),
            feed_id: FeedId(1),
            feed: "HIN South London".into(),
            title: "Relicensing of AHSNs confirmed".into(),
            link: Some("https://www.example.org/news/ahsn".into()),
            author: None,
            published: Some(t),
            sort_time: t,
            read: false,
            starred: true,
            also_in: Vec::new(),
        }
    }

    #[test]
    fn rows_read_as_sentences() {
        let now = Utc.with_ymd_and_hms(2024, 1, 2, 9, 0, 0).unwrap();
        let mut a = summary();
        let copy = ArticleSummary {
            feed: "NHS announcements".into(),
            ..summary()
        };
        a.also_in = vec![copy];
        assert_eq!(
            article_row(&a, now, Zone::utc()),
            "unread, starred, 26 May 2023, HIN South London: Relicensing of AHSNs confirmed, \
             also in NHS announcements"
        );
        a.read = true;
        a.starred = false;
        a.also_in.clear();
        let today = Utc.with_ymd_and_hms(2023, 5, 26, 15, 0, 0).unwrap();
        assert_eq!(
            article_row(&a, today, Zone::utc()),
            "today 09:00, HIN South London: Relicensing of AHSNs confirmed"
        );
        let later = Utc.with_ymd_and_hms(2023, 8, 1, 15, 0, 0).unwrap();
        a.published = None;
        assert!(article_row(&a, later, Zone::utc()).starts_with("undated, "));
    }

    #[test]
    fn feeds_say_why_they_fail() {
        let f = FeedInfo {
            id: FeedId(1),
            name: "HIN South London".into(),
            url: "https://a.test/".into(),
            title: None,
            tags: Vec::new(),
            total: 10,
            unread: 9,
            last_attempt: Some(Utc::now()),
            last_success: None,
            http_status: None,
            last_error: Some("timed out after 30 s".into()),
            origin: crate::model::Origin::Config,
        };
        assert_eq!(
            feed(&f),
            "HIN South London, 9 unread, failing: timed out after 30 s"
        );
        let ok = FeedInfo {
            last_error: None,
            last_success: Some(Utc::now()),
            ..f
        };
        assert_eq!(feed(&ok), "HIN South London, 9 unread");
    }

    #[test]
    fn links_are_short_to_hear() {
        assert_eq!(
            short_url("https://www.example.org/news/2023/ahsn?x=1"),
            "www.example.org/…"
        );
        assert_eq!(short_url("https://www.example.org/"), "www.example.org");
        assert_eq!(
            short_url("mailto:ann@example.org"),
            "mail to ann@example.org"
        );
        assert_eq!(short_url("not a url"), "not a url");
    }

    #[test]
    fn refresh_is_announced_in_words() {
        let p = Progress {
            done: 50,
            total: 50,
            failed: 2,
            new: 1,
        };
        assert_eq!(refresh_started(50), "Refreshing 50 feeds.");
        assert_eq!(
            refresh_finished(&p),
            "Refresh done: 50 feeds, 1 new article, 2 failed."
        );
    }
}
