//! Where each pane goes: the arrangement the user chose, the terminal's
//! size and which pane has the focus decide every pane's rectangle here,
//! and nowhere else. Narrower than `WIDE_MIN`, one pane shows at a time
//! (the list and the reader share the screen when stacked, given rows).

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

/// How the panes share the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Arrangement {
    /// The list across the top, whole titles showing; the sidebar and
    /// the reader below it.
    #[default]
    Stacked,
    /// Sidebar, list and reader side by side.
    Columns,
    /// The sidebar and the list; Enter shows the reader in their place.
    ListOnly,
}

impl Arrangement {
    pub const ALL: [Arrangement; 3] = [
        Arrangement::Stacked,
        Arrangement::Columns,
        Arrangement::ListOnly,
    ];

    /// The next in the cycle.
    pub fn next(self) -> Arrangement {
        match self {
            Arrangement::Stacked => Arrangement::Columns,
            Arrangement::Columns => Arrangement::ListOnly,
            Arrangement::ListOnly => Arrangement::Stacked,
        }
    }

    /// Its name in the saved state.
    pub fn name(self) -> &'static str {
        match self {
            Arrangement::Stacked => "stacked",
            Arrangement::Columns => "columns",
            Arrangement::ListOnly => "list",
        }
    }

    pub fn from_name(name: &str) -> Option<Arrangement> {
        Arrangement::ALL.into_iter().find(|a| a.name() == name)
    }

    /// What it looks like, for the status line.
    pub fn describe(self) -> &'static str {
        match self {
            Arrangement::Stacked => "list above reader",
            Arrangement::Columns => "side by side",
            Arrangement::ListOnly => "list only",
        }
    }
}

/// What the geometry depends on.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub size: Rect,
    pub arrangement: Arrangement,
    pub focus: Pane,
    pub status_height: u16,
    /// The user wants the sidebar; it shows anyway while it has the focus.
    pub sidebar: bool,
    /// Columns the sidebar's rows need, borders included.
    pub sidebar_width: u16,
    /// The screen-reader mode: the focused pane alone, full width, named
    /// by its first line instead of a border.
    pub single: bool,
}

/// The narrowest and widest the sidebar gets.
const SIDEBAR_MIN: u16 = 16;
const SIDEBAR_MAX: u16 = 32;
/// Lower than this (rows above the status line), the list and the reader
/// take turns even when stacked.
const STACK_MIN_HEIGHT: u16 = 20;

/// Each pane's rectangle (None when not shown), and the status line's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    panes: [Option<Rect>; 3],
    pub status: Rect,
    /// Panes have no border: their first line names them.
    pub plain: bool,
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

    /// The inside of a pane's border (below its first line when plain).
    pub fn inner(&self, pane: Pane) -> Rect {
        let plain = |r: Rect| Rect {
            y: r.y.saturating_add(1),
            height: r.height.saturating_sub(1),
            ..r
        };
        match self.get(pane) {
            Some(r) if self.plain => plain(r),
            Some(r) => inner(r),
            None => Rect::default(),
        }
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
    if g.single {
        a.plain = true;
        a.set(g.focus, main);
        return a;
    }
    let stacked = g.arrangement == Arrangement::Stacked && main.height >= STACK_MIN_HEIGHT;
    if g.focus == Pane::Sidebar && !is_wide(g.size) {
        a.set(Pane::Sidebar, main);
        return a;
    }
    if stacked {
        let list_h = (main.height * 2 / 5).max(5);
        let [top, bottom] =
            Layout::vertical([Constraint::Length(list_h), Constraint::Min(1)]).areas(main);
        a.set(Pane::List, top);
        let (side, rest) = beside(g, bottom);
        if let Some(side) = side {
            a.set(Pane::Sidebar, side);
        }
        a.set(Pane::Reader, rest);
        return a;
    }
    if !is_wide(g.size) {
        a.set(g.focus, main);
        return a;
    }
    let (side, rest) = beside(g, main);
    if let Some(side) = side {
        a.set(Pane::Sidebar, side);
    }
    match g.arrangement {
        Arrangement::Columns | Arrangement::Stacked => {
            let list = (g.size.width - side.map_or(0, |s| s.width)) * 9 / 20;
            let [l, r] =
                Layout::horizontal([Constraint::Length(list), Constraint::Min(1)]).areas(rest);
            a.set(Pane::List, l);
            a.set(Pane::Reader, r);
        }
        // The reader, once open, takes the whole screen.
        Arrangement::ListOnly if g.focus == Pane::Reader => {
            a = Areas {
                status,
                ..Areas::default()
            };
            a.set(Pane::Reader, main);
        }
        Arrangement::ListOnly => a.set(Pane::List, rest),
    }
    a
}

/// The sidebar's column at the left of `area` (when it shows on a wide
/// terminal), and what is left.
fn beside(g: &Geometry, area: Rect) -> (Option<Rect>, Rect) {
    let show = (g.sidebar || g.focus == Pane::Sidebar) && is_wide(g.size);
    if !show {
        return (None, area);
    }
    let w = g
        .sidebar_width
        .clamp(SIDEBAR_MIN, SIDEBAR_MAX)
        .min(g.size.width / 4);
    let [s, rest] = Layout::horizontal([Constraint::Length(w), Constraint::Min(1)]).areas(area);
    (Some(s), rest)
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
