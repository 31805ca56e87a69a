//! The article list: the rows loaded so far, the selection and scroll.

use super::{clamp_add, keep_in_view, step, WHEEL_STEP};
use crate::model::{ArticleId, ArticleSummary};

/// Rows asked for at first; doubled when the selection nears the end.
pub const FIRST_LIMIT: usize = 500;

#[derive(Debug, Default)]
pub struct ArticleList {
    pub rows: Vec<ArticleSummary>,
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

    pub fn position(&self, id: ArticleId) -> Option<usize> {
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

    /// Whether more rows may be wanted: all that were asked for came, and
    /// the selection is within two screens of the end.
    pub fn wants_more(&self, height: usize) -> bool {
        self.rows.len() >= self.limit && self.selected + 2 * height >= self.rows.len()
    }
}
