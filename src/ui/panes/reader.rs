//! The reader: the article shown, its body once loaded, and the scroll;
//! for a story with copies, the copies, one key cycling through them.

use crate::model::ArticleSummary;
use crate::render::{long_date, Zone};
use crate::ui::event::LoadedArticle;
use crate::ui::text;

#[derive(Debug)]
pub struct Reader {
    pub summary: ArticleSummary,
    pub article: Option<LoadedArticle>,
    pub scroll: usize,
    /// Every copy of its story, lead first (empty when alone).
    pub story: Vec<ArticleSummary>,
    /// Which of `story` is shown.
    pub shown: usize,
    /// Worded for the screen-reader mode.
    pub spoken: bool,
    /// The key that shows the next copy, as the header names it.
    pub copy_key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    Title,
    Meta,
    Link,
    /// "Also in: [a] DHSC — title": the other copies of its story.
    Copy,
}

/// The header as lines of `width` columns, the date in `zone`.
pub fn header(a: &ArticleSummary, width: usize, zone: Zone) -> Vec<(HeaderKind, String)> {
    let mut out: Vec<(HeaderKind, String)> = text::wrap(&a.title, width)
        .into_iter()
        .map(|l| (HeaderKind::Title, l))
        .collect();
    let mut meta = a.feed.clone();
    if let Some(author) = &a.author {
        meta.push_str(&format!(" · {author}"));
    }
    meta.push_str(" · ");
    meta.push_str(
        &a.published
            .map_or_else(|| "undated".to_string(), |d| long_date(d, zone)),
    );
    out.extend(
        text::wrap(&meta, width)
            .into_iter()
            .map(|l| (HeaderKind::Meta, l)),
    );
    if let Some(link) = &a.link {
        out.push((HeaderKind::Link, text::truncate(link, width)));
    }
    out
}

impl Reader {
    pub fn new(mut summary: ArticleSummary) -> Reader {
        let copies = std::mem::take(&mut summary.also_in);
        let story = if copies.is_empty() {
            Vec::new()
        } else {
            std::iter::once(summary.clone()).chain(copies).collect()
        };
        Reader {
            summary,
            article: None,
            scroll: 0,
            story,
            shown: 0,
            spoken: false,
            copy_key: String::new(),
        }
    }

    /// Shows the next copy of the story (after the last, the lead again);
    /// returns it, to load, or None when the article has no copies.
    pub fn next_copy(&mut self) -> Option<&ArticleSummary> {
        if self.story.len() < 2 {
            return None;
        }
        self.shown = (self.shown + 1) % self.story.len();
        let s = self.story.get(self.shown)?.clone();
        // Copies share their read and starred state.
        let (read, starred) = (self.summary.read, self.summary.starred);
        self.summary = ArticleSummary { read, starred, ..s };
        self.article = None;
        self.scroll = 0;
        Some(&self.summary)
    }

    /// The header, then one line per other copy of its story, the next
    /// one (what `key` shows) first.
    pub fn head(&self, width: usize, zone: Zone, key: &str) -> Vec<(HeaderKind, String)> {
        if self.spoken {
            let n = self.story.len();
            let others: Vec<&ArticleSummary> = (1..n)
                .filter_map(|i| self.story.get((self.shown + i) % n))
                .collect();
            return crate::ui::words::reader_head(&self.summary, &others, width, zone, key);
        }
        let mut out = header(&self.summary, width, zone);
        let n = self.story.len();
        for i in 1..n {
            let c = &self.story[(self.shown + i) % n];
            let line = if i == 1 {
                format!("Also in: [{key}] {} — {}", c.feed, c.title)
            } else {
                format!("{:9}{} — {}", "", c.feed, c.title)
            };
            out.push((HeaderKind::Copy, text::truncate(&line, width)));
        }
        out
    }

    /// Lines of header, gap and body at `width` columns.
    pub fn lines(&self, width: usize, zone: Zone) -> usize {
        let head = self.head(width, zone, &self.copy_key).len();
        head + 1 + self.article.as_ref().map_or(1, |a| a.body.len())
    }

    /// Scrolls by `delta` lines, kept within the text.
    pub fn scroll_by(&mut self, delta: isize, height: usize, width: usize, zone: Zone) {
        self.scroll = self.scroll.saturating_add_signed(delta);
        self.clamp(height, width, zone);
    }

    /// No scrolling past the last screen of text.
    pub fn clamp(&mut self, height: usize, width: usize, zone: Zone) {
        let lines = self.lines(width, zone);
        // Read for the ear, the top line goes down to the last line.
        let last = if self.spoken { 1 } else { height };
        self.scroll = self.scroll.min(lines.saturating_sub(last));
    }

    /// The links of the loaded article, in footnote order.
    pub fn links(&self) -> Option<&[String]> {
        self.article.as_ref().map(|a| a.links.as_slice())
    }
}
