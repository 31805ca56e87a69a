//! Where each pane goes: the arrangement the user chose, the terminal's
//! size and which pane has the focus decide every pane's rectangle here,
//! and nowhere else.

use ratatui::layout::{Constraint, Layout, Position, Rect};

/// Narrower than this shows one pane at a time.
pub const WIDE_MIN: u16 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Sidebar,
    List,
    Reader,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Sidebar, Pane::List, Pane::Reader];

    fn index(self) -> usize {
        match self {
            Pane::Sidebar => 0,
            Pane::List => 1,
            Pane::Reader => 2,
        }
    }
}

/// How the panes share a wide terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Arrangement {
    /// Sidebar, list and reader side by side.
    #[default]
    Columns,
}

/// What the geometry depends on.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub size: Rect,
    pub arrangement: Arrangement,
    pub focus: Pane,
    pub status_height: u16,
}

/// Each pane's rectangle (None when not shown), and the status line's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    panes: [Option<Rect>; 3],
    pub status: Rect,
}

impl Areas {
    pub fn get(&self, pane: Pane) -> Option<Rect> {
        self.panes[pane.index()]
    }

    fn set(&mut self, pane: Pane, r: Rect) {
        self.panes[pane.index()] = Some(r);
    }

    /// The shown panes with their rectangles.
    pub fn shown(&self) -> impl Iterator<Item = (Pane, Rect)> + '_ {
        Pane::ALL
            .into_iter()
            .filter_map(|p| self.get(p).map(|r| (p, r)))
    }

    /// The pane under a point.
    pub fn hit(&self, pos: Position) -> Option<Pane> {
        self.shown().find(|(_, r)| r.contains(pos)).map(|(p, _)| p)
    }

    /// The inside of a pane's border.
    pub fn inner(&self, pane: Pane) -> Rect {
        self.get(pane).map(inner).unwrap_or_default()
    }
}

pub fn is_wide(size: Rect) -> bool {
    size.width >= WIDE_MIN
}

pub fn areas(g: &Geometry) -> Areas {
    let [main, status] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(g.status_height)]).areas(g.size);
    let mut a = Areas {
        status,
        ..Areas::default()
    };
    if !is_wide(g.size) {
        a.set(g.focus, main);
        return a;
    }
    match g.arrangement {
        Arrangement::Columns => {
            let side = (g.size.width / 4).min(30);
            let list = (g.size.width - side) * 9 / 20;
            let [s, l, r] = Layout::horizontal([
                Constraint::Length(side),
                Constraint::Length(list),
                Constraint::Min(1),
            ])
            .areas(main);
            a.set(Pane::Sidebar, s);
            a.set(Pane::List, l);
            a.set(Pane::Reader, r);
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
