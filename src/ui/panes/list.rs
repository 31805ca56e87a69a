//! The article list: the rows loaded so far, the selection and scroll.

use super::{clamp_add, keep_in_view, step, WHEEL_STEP};
use crate::model::{ArticleId, ArticleSummary};

/// Rows asked for at first; doubled when the selection nears the end.
pub const FIRST_LIMIT: usize = 500;

/// The rows of a view loaded so far: `rows[0]` is the view's `base`th
/// article (a page near the end after `G`).
#[derive(Debug, Default)]
pub struct ArticleList {
    pub rows: Vec<ArticleSummary>,
    pub base: usize,
    /// How many articles the view has in all, once counted.
    pub total: Option<u64>,
    pub selected: usize,
    pub offset: usize,
    pub limit: usize,
    /// False until the first answer arrives.
    pub loaded: bool,
}

impl ArticleList {
    pub fn new() -> ArticleList {
        ArticleList {
            limit: FIRST_LIMIT,
            ..ArticleList::default()
        }
    }

    pub fn current(&self) -> Option<&ArticleSummary> {
        self.rows.get(self.selected)
    }

    pub fn index_of(&self, id: ArticleId) -> Option<usize> {
        self.rows.iter().position(|a| a.id == id)
    }

    /// Moves the selection by `delta`; false when there are no rows.
    pub fn move_by(&mut self, delta: isize, height: usize) -> bool {
        if self.rows.is_empty() {
            return false;
        }
        self.selected = clamp_add(self.selected, delta, self.rows.len());
        self.keep_in_view(height);
        true
    }

    /// The mouse wheel: scrolls, dragging the selection along to stay on
    /// screen.
    pub fn wheel(&mut self, down: bool, height: usize) {
        let max = self.rows.len().saturating_sub(height);
        self.offset = step(self.offset, WHEEL_STEP, down).min(max);
        let last = (self.offset + height).saturating_sub(1);
        self.selected = self
            .selected
            .clamp(self.offset, last.max(self.offset))
            .min(self.rows.len().saturating_sub(1));
    }

    /// A click on inner row `row`; true when it selected an article.
    pub fn click(&mut self, row: usize) -> bool {
        let i = self.offset + row;
        if i < self.rows.len() {
            self.selected = i;
            true
        } else {
            false
        }
    }

    pub fn keep_in_view(&mut self, height: usize) {
        // No empty rows below the last article while there are more above.
        self.offset = self.offset.min(self.rows.len().saturating_sub(height));
        keep_in_view(&mut self.offset, self.selected, height);
    }

    /// Whether the view has articles after the loaded rows.
    pub fn more_below(&self) -> bool {
        match self.total.and_then(|t| usize::try_from(t).ok()) {
            Some(t) => self.base + self.rows.len() < t,
            None => self.rows.len() >= self.limit,
        }
    }

    /// Whether more rows below are wanted: the selection is within two
    /// screens of the end of those loaded.
    pub fn wants_more(&self, height: usize) -> bool {
        self.more_below() && self.selected + 2 * height >= self.rows.len()
    }

    /// Whether rows above are wanted: the loaded rows start past the top
    /// and the selection is within two screens of their start.
    pub fn wants_earlier(&self, height: usize) -> bool {
        self.base > 0 && self.selected < 2 * height
    }

    /// "1/30,941": the selected article's place in the view, and how many
    /// there are ("1/500+" until counted).
    pub fn position(&self) -> String {
        format!(
            "{}/{}",
            thousands(self.base + self.selected + 1),
            self.count()
        )
    }

    /// How many articles the view has: "30,941" ("500+" until counted).
    pub fn count(&self) -> String {
        match self.total {
            Some(t) => thousands(t),
            None if self.more_below() => format!("{}+", thousands(self.rows.len())),
            None => thousands(self.rows.len()),
        }
    }
}

/// 30941 as "30,941".
pub fn thousands(n: impl std::fmt::Display) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_separators() {
        assert_eq!(thousands(0u32), "0");
        assert_eq!(thousands(999u32), "999");
        assert_eq!(thousands(30_941u32), "30,941");
        assert_eq!(thousands(1_234_567u32), "1,234,567");
    }
}
