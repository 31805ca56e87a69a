//! The reader: the article shown, its body once loaded, and the scroll.

use crate::model::ArticleSummary;
use crate::render::{long_date, Zone};
use crate::ui::event::LoadedArticle;
use crate::ui::text;

#[derive(Debug)]
pub struct Reader {
    pub summary: ArticleSummary,
    pub article: Option<LoadedArticle>,
    pub scroll: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    Title,
    Meta,
    Link,
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
    pub fn new(summary: ArticleSummary) -> Reader {
        Reader {
            summary,
            article: None,
            scroll: 0,
        }
    }

    /// Lines of header, gap and body at `width` columns.
    pub fn lines(&self, width: usize, zone: Zone) -> usize {
        let head = header(&self.summary, width, zone).len();
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
        self.scroll = self.scroll.min(lines.saturating_sub(height));
    }

    /// The links of the loaded article, in footnote order.
    pub fn links(&self) -> Option<&[String]> {
        self.article.as_ref().map(|a| a.links.as_slice())
    }
}
