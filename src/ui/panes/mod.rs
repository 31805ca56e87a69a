//! The panes' own state and movement: the sidebar of views, the article
//! list and the reader. Each knows nothing of the others; the rules
//! between them are in `app`, where they go on screen in `layout`, and
//! how they are drawn in `views`.

pub mod list;
pub mod reader;
pub mod sidebar;

/// `v` moved by `by` rows, down or up.
pub fn step(v: usize, by: usize, down: bool) -> usize {
    if down {
        v.saturating_add(by)
    } else {
        v.saturating_sub(by)
    }
}

/// `v` moved by `delta`, kept within `0..len`.
pub fn clamp_add(v: usize, delta: isize, len: usize) -> usize {
    v.saturating_add_signed(delta).min(len.saturating_sub(1))
}

/// Scrolls `offset` so that `selected` is within `height` rows of it.
pub fn keep_in_view(offset: &mut usize, selected: usize, height: usize) {
    if selected < *offset {
        *offset = selected;
    } else if selected >= *offset + height {
        *offset = selected + 1 - height;
    }
}

/// Rows the mouse wheel moves.
pub const WHEEL_STEP: usize = 3;
