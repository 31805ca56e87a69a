//! Where each pane goes for a terminal size: three panes side by side on
//! wide terminals, otherwise the focused pane alone.

use super::app::Pane;
use ratatui::layout::{Constraint, Layout, Rect};

/// Narrower than this shows one pane at a time.
pub const WIDE_MIN: u16 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub sidebar: Option<Rect>,
    pub list: Option<Rect>,
    pub reader: Option<Rect>,
    pub status: Rect,
}

pub fn is_wide(size: Rect) -> bool {
    size.width >= WIDE_MIN
}

pub fn areas(size: Rect, focus: Pane, status_height: u16) -> Areas {
    let [main, status] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(status_height)]).areas(size);
    let mut a = Areas {
        status,
        ..Areas::default()
    };
    if is_wide(size) {
        let side = (size.width / 4).min(30);
        let list = (size.width - side) * 9 / 20;
        let [s, l, r] = Layout::horizontal([
            Constraint::Length(side),
            Constraint::Length(list),
            Constraint::Min(1),
        ])
        .areas(main);
        a.sidebar = Some(s);
        a.list = Some(l);
        a.reader = Some(r);
    } else {
        match focus {
            Pane::Sidebar => a.sidebar = Some(main),
            Pane::List => a.list = Some(main),
            Pane::Reader => a.reader = Some(main),
        }
    }
    a
}

/// Inside a bordered pane.
pub fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1),
        y: r.y.saturating_add(1),
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}
