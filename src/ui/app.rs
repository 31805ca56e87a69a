//! Interface state and its update logic. `update` and `on_*` change state
//! in memory only and return the commands for the workers; nothing here
//! blocks or touches the terminal.

use super::action::Action;
use super::event::{Event, Snapshot, StoreCmd};
use super::keymap::Keymap;
pub use super::layout::Pane;
use super::layout::{self, is_wide, Areas, Arrangement, Geometry};
use super::links;
pub use super::panes::list::{ArticleList, FIRST_LIMIT};
pub use super::panes::reader::Reader;
pub use super::panes::sidebar::{Sidebar, SidebarItem};
use super::panes::{clamp_add, step, WHEEL_STEP};
use super::theme::Theme;
use crate::model::{ArticleId, ArticleSummary, FeedId};
use crate::render::Zone;
use crate::store::{SearchError, ViewFilter};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Browse,
    Filter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    Errors,
    /// The last status messages.
    Messages,
}

/// A request for the run loop to carry out.
#[derive(Debug)]
pub enum Cmd {
    Store(StoreCmd),
    /// A refresh or a whole-article read, for the runner.
    Run(crate::runner::Command),
    /// Open in the browser; already checked to be http, https or mailto.
    OpenUrl(String),
    /// Copy to the clipboard (OSC 52).
    Copy(String),
    /// Write this (an OSC 9 notification) to the terminal.
    Notify(String),
}

#[derive(Debug, Default)]
pub struct Filter {
    /// What is being typed.
    pub input: String,
    /// The last query whose result the list shows.
    pub applied: String,
    /// Why `input` cannot be used, while it cannot.
    pub error: Option<SearchError>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub failed: usize,
    /// New articles stored so far.
    pub new: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListPurpose {
    /// A different view or query: start at the top (or the restored article).
    NewView,
    /// The same view with new data: keep the selected article where it is.
    Reload,
    /// The last page of the view: select its last (oldest) article.
    Bottom,
}

/// Settings the app needs from the config and command line.
#[derive(Debug, Clone)]
pub struct Options {
    pub offline: bool,
    pub refresh_on_start: bool,
    /// 0 = no periodic refresh.
    pub refresh_minutes: u32,
    pub config_path: String,
    /// One pane at a time, states in words, the cursor where attention is.
    pub screen_reader: bool,
}

/// Messages kept for the message log.
const LOG_LEN: usize = 50;

pub struct App {
    pub size: Rect,
    pub now: DateTime<Utc>,
    /// The user's offset from UTC, for showing dates (taken once at start).
    /// Where dates are shown.
    pub zone: Zone,
    pub keymap: Keymap,
    pub theme: Theme,
    pub options: Options,
    pub focus: Pane,
    /// How the panes share the terminal.
    pub arrangement: Arrangement,
    /// Whether the sidebar shows (it shows anyway while focused).
    pub sidebar_shown: bool,
    pub mode: Mode,
    pub overlay: Option<Overlay>,
    pub overlay_scroll: usize,
    pub view: ViewFilter,
    pub sidebar: Sidebar,
    pub list: ArticleList,
    pub filter: Filter,
    pub reader: Option<Reader>,
    pub snapshot: Snapshot,
    pub counted: bool,
    pub refresh: Option<Progress>,
    /// Failures in the last finished refresh.
    pub last_failed: usize,
    pub flash: Option<String>,
    /// The status message arrived after the last key: the cursor is on it.
    pub fresh: bool,
    /// In the screen-reader mode, alerts that arrived during a refresh,
    /// announced with its end so that one message does not hide another.
    pub held_alert: Option<String>,
    /// The last messages, oldest first, with when they were shown.
    pub log: std::collections::VecDeque<(DateTime<Utc>, String)>,
    /// New alerts per saved view (by name) since it was last opened.
    pub alert_badges: std::collections::HashMap<String, usize>,
    /// Alerts also notify through the terminal (OSC 9).
    pub notify_terminal: bool,
    pub undo: Option<Vec<ArticleId>>,
    pub quit: bool,
    list_generation: u64,
    /// What the list request in flight is for, its query and first row.
    list_pending: Option<(ListPurpose, String, usize)>,
    reload_wanted: bool,
    count_pending: bool,
    count_wanted: bool,
    article_generation: u64,
    restore_article: Option<ArticleId>,
    next_refresh: Option<DateTime<Utc>>,
    /// `copy_link_n` was pressed: the next key is the link's number.
    copy_pending: bool,
}

impl App {
    pub fn new(
        size: Rect,
        now: DateTime<Utc>,
        zone: Zone,
        keymap: Keymap,
        theme: Theme,
        options: Options,
    ) -> App {
        App {
            size,
            now,
            zone,
            keymap,
            theme,
            options,
            focus: Pane::List,
            arrangement: Arrangement::default(),
            sidebar_shown: true,
            mode: Mode::Browse,
            overlay: None,
            overlay_scroll: 0,
            view: ViewFilter::All,
            sidebar: Sidebar::default(),
            list: ArticleList::new(),
            filter: Filter::default(),
            reader: None,
            snapshot: Snapshot::default(),
            counted: false,
            refresh: None,
            last_failed: 0,
            flash: None,
            fresh: false,
            held_alert: None,
            log: std::collections::VecDeque::new(),
            alert_badges: std::collections::HashMap::new(),
            notify_terminal: false,
            undo: None,
            quit: false,
            list_generation: 0,
            list_pending: None,
            reload_wanted: false,
            count_pending: false,
            count_wanted: false,
            article_generation: 0,
            restore_article: None,
            next_refresh: None,
            copy_pending: false,
        }
    }

    /// Starts on this view, selecting this article once it is listed.
    pub fn restore(&mut self, view: ViewFilter, article: Option<ArticleId>) {
        self.view = view;
        self.restore_article = article;
    }

    /// The arrangement and sidebar, as saved between runs.
    pub fn layout(&self) -> super::state::Layout {
        super::state::Layout {
            arrangement: self.arrangement,
            sidebar: self.sidebar_shown,
        }
    }

    pub fn set_layout(&mut self, layout: super::state::Layout) {
        self.arrangement = layout.arrangement;
        self.sidebar_shown = layout.sidebar;
    }

    /// What to save for the next start: the view and the selected article.
    pub fn saved(&self) -> (ViewFilter, Option<ArticleId>) {
        let article = match (&self.reader, self.focus) {
            (Some(r), Pane::Reader) => Some(r.summary.id),
            _ => self.list.current().map(|a| a.id),
        };
        (self.view.clone(), article)
    }

    /// The first commands: list, counts and, unless offline, a refresh.
    pub fn start(&mut self) -> Vec<Cmd> {
        let mut cmds = vec![self.request_list(ListPurpose::NewView, self.filter.applied.clone())];
        cmds.extend(self.request_count());
        if !self.options.offline {
            if self.options.refresh_on_start {
                cmds.push(refresh_cmd(None, false));
            }
            self.schedule_refresh();
        }
        cmds
    }

    // ---- geometry ----

    pub fn status_height(&self) -> u16 {
        if self.mode == Mode::Filter && self.filter.error.is_some() {
            2
        } else if self.screen_reader() && self.mode == Mode::Browse {
            // A message is read whole, on up to three lines.
            let lines = self.flash.as_deref().map_or(1, |m| {
                super::text::wrap(m, usize::from(self.size.width)).len()
            });
            u16::try_from(lines.clamp(1, 3)).unwrap_or(1)
        } else {
            1
        }
    }

    /// A key is awaited for `copy_link_n`: the message is its prompt.
    pub fn prompting(&self) -> bool {
        self.copy_pending
    }

    fn geometry(&self, focus: Pane) -> Geometry {
        Geometry {
            size: self.size,
            arrangement: self.arrangement,
            focus,
            status_height: self.status_height(),
            sidebar: self.sidebar_shown,
            sidebar_width: self.sidebar.width,
            single: self.options.screen_reader,
        }
    }

    /// Where the panes are now.
    pub fn areas(&self) -> Areas {
        layout::areas(&self.geometry(self.focus))
    }

    /// The inside of a pane as it is when that pane has the focus.
    fn pane_inner(&self, pane: Pane) -> Rect {
        layout::areas(&self.geometry(pane)).inner(pane)
    }

    /// Rows inside a pane (at least one).
    pub fn pane_height(&self, pane: Pane) -> usize {
        usize::from(self.pane_inner(pane).height).max(1)
    }

    pub fn list_height(&self) -> usize {
        self.pane_height(Pane::List)
    }

    /// Columns for the reader's text (one column of margin each side).
    pub fn reader_width(&self) -> u16 {
        let w = self.pane_inner(Pane::Reader).width;
        if self.screen_reader() {
            return w.max(1);
        }
        w.saturating_sub(2).max(1)
    }

    /// Whether `other` is on screen while `pane` has the focus.
    pub fn shown_with(&self, pane: Pane, other: Pane) -> bool {
        layout::areas(&self.geometry(pane)).get(other).is_some()
    }

    /// Whether the reader shows the selected article beside the list.
    fn reader_beside_list(&self) -> bool {
        self.shown_with(Pane::List, Pane::Reader)
    }

    pub fn wide(&self) -> bool {
        is_wide(self.size) && !self.screen_reader()
    }

    // ---- events from the terminal ----

    /// Shows a message on the status line and keeps it in the log.
    pub fn say(&mut self, message: String) {
        if self.log.len() == LOG_LEN {
            self.log.pop_front();
        }
        self.log.push_back((self.now, message.clone()));
        self.flash = Some(message);
        self.fresh = true;
    }

    pub fn screen_reader(&self) -> bool {
        self.options.screen_reader
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        self.fresh = false;
        if std::mem::take(&mut self.copy_pending) {
            return self.copy_numbered_link(key);
        }
        if self.mode == Mode::Filter && self.overlay.is_none() {
            return self.on_filter_key(key);
        }
        match self.keymap.action(&key) {
            Some(action) => self.update(action),
            None => Vec::new(),
        }
    }

    pub fn on_resize(&mut self, width: u16, height: u16) -> Vec<Cmd> {
        self.size = Rect::new(0, 0, width, height);
        self.relayout()
    }

    /// After the geometry changed: keep the selection on screen, show it
    /// in a reader that appeared, re-render a body for a new width.
    fn relayout(&mut self) -> Vec<Cmd> {
        self.keep_list_in_view();
        let mut cmds = Vec::new();
        if self.focus != Pane::Reader {
            cmds.extend(self.preview());
        }
        let w = self.reader_width();
        if let Some(r) = &self.reader {
            if r.article.as_ref().is_some_and(|a| a.width != w) {
                let id = r.summary.id;
                cmds.push(self.load_article(id));
            }
        }
        self.clamp_reader_scroll();
        cmds
    }

    pub fn on_mouse(&mut self, m: MouseEvent) -> Vec<Cmd> {
        let pos = Position::new(m.column, m.row);
        let a = self.areas();
        let Some(pane) = a.hit(pos) else {
            return Vec::new();
        };
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let down = m.kind == MouseEventKind::ScrollDown;
                if self.overlay.is_some() {
                    self.overlay_scroll = step(self.overlay_scroll, WHEEL_STEP, down);
                    return Vec::new();
                }
                self.wheel(pane, down)
            }
            MouseEventKind::Down(MouseButton::Left) if self.overlay.is_none() => {
                self.focus = pane;
                let Some(row) = m.row.checked_sub(a.inner(pane).y).map(usize::from) else {
                    return Vec::new();
                };
                match pane {
                    Pane::Sidebar => match self.sidebar.click(row) {
                        Some(view) => self.set_view(view),
                        None => Vec::new(),
                    },
                    Pane::List if self.list.click(row) => self.after_list_move(),
                    Pane::List | Pane::Reader => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }

    fn wheel(&mut self, pane: Pane, down: bool) -> Vec<Cmd> {
        let h = self.pane_height(pane);
        match pane {
            Pane::Sidebar => {
                self.sidebar.wheel(down, h);
                Vec::new()
            }
            Pane::List => {
                self.list.wheel(down, h);
                self.after_list_move()
            }
            Pane::Reader => {
                let by = isize::try_from(WHEEL_STEP).unwrap_or(1);
                self.scroll_reader(if down { by } else { -by });
                Vec::new()
            }
        }
    }

    /// Once a second or so: the clock, and the periodic refresh.
    pub fn on_tick(&mut self, now: DateTime<Utc>) -> Vec<Cmd> {
        self.now = now;
        match self.next_refresh {
            Some(t) if t <= now && self.refresh.is_none() => {
                self.schedule_refresh();
                vec![refresh_cmd(None, false)]
            }
            _ => Vec::new(),
        }
    }

    fn schedule_refresh(&mut self) {
        self.next_refresh = (self.options.refresh_minutes > 0 && !self.options.offline)
            .then(|| self.now + Duration::minutes(i64::from(self.options.refresh_minutes)));
    }

    // ---- the filter line ----

    fn on_filter_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c') if ctrl => {
                self.quit = true;
                Vec::new()
            }
            KeyCode::Char('u') if ctrl => {
                self.filter.input.clear();
                self.filter_changed()
            }
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                self.filter.input.push(c);
                self.filter_changed()
            }
            KeyCode::Backspace => {
                self.filter.input.pop();
                self.filter_changed()
            }
            KeyCode::Enter => {
                self.mode = Mode::Browse;
                if self.filter.error.take().is_some() {
                    self.filter.input = self.filter.applied.clone();
                }
                Vec::new()
            }
            KeyCode::Esc => {
                self.mode = Mode::Browse;
                self.clear_filter()
            }
            KeyCode::Down => self.move_list(1),
            KeyCode::Up => self.move_list(-1),
            _ => Vec::new(),
        }
    }

    fn filter_changed(&mut self) -> Vec<Cmd> {
        self.list.limit = FIRST_LIMIT;
        vec![self.request_list(ListPurpose::NewView, self.filter.input.clone())]
    }

    fn clear_filter(&mut self) -> Vec<Cmd> {
        self.filter = Filter::default();
        vec![self.request_list(ListPurpose::Reload, String::new())]
    }

    // ---- actions ----

    pub fn update(&mut self, action: Action) -> Vec<Cmd> {
        self.flash = None;
        if let Some(overlay) = self.overlay {
            return self.update_overlay(overlay, action);
        }
        match action {
            Action::MoveDown => self.move_focused(1),
            Action::MoveUp => self.move_focused(-1),
            Action::Top if self.focus == Pane::List && self.list.base > 0 => {
                self.list.limit = FIRST_LIMIT;
                let q = self.filter.applied.clone();
                vec![self.request_page(ListPurpose::NewView, q, 0)]
            }
            Action::Top => self.move_focused(isize::MIN / 2),
            Action::Bottom if self.focus == Pane::List => self.list_bottom(),
            Action::Bottom => self.move_focused(isize::MAX / 2),
            Action::HalfPageDown => self.move_focused(self.page(true) / 2),
            Action::HalfPageUp => self.move_focused(-self.page(true) / 2),
            Action::PageDown => self.move_focused(self.page(false)),
            Action::PageUp => self.move_focused(-self.page(false)),
            Action::NextPane => {
                let reader = self.reader_beside_list() || self.reader.is_some();
                // A hidden sidebar is left out on wide terminals.
                let sidebar = self.sidebar_shown || !self.wide();
                self.focus = match (self.focus, reader, sidebar) {
                    (Pane::Sidebar, _, _) => Pane::List,
                    (Pane::List, true, _) => Pane::Reader,
                    (Pane::List, false, true) | (Pane::Reader, _, true) => Pane::Sidebar,
                    (Pane::List, false, false) | (Pane::Reader, _, false) => Pane::List,
                };
                self.focus_changed()
            }
            Action::PaneLeft => {
                self.focus = match self.focus {
                    Pane::Reader => Pane::List,
                    _ => Pane::Sidebar,
                };
                self.focus_changed()
            }
            Action::PaneRight => match self.focus {
                Pane::Sidebar => {
                    self.focus = Pane::List;
                    self.focus_changed()
                }
                Pane::List if self.reader_beside_list() => {
                    self.focus = Pane::Reader;
                    self.focus_changed()
                }
                Pane::List => self.open_selected(),
                Pane::Reader => Vec::new(),
            },
            Action::Open => match self.focus {
                Pane::Sidebar => {
                    let cmds = match self.sidebar.selected_view().cloned() {
                        Some(view) => self.set_view(view),
                        None => Vec::new(),
                    };
                    self.focus = Pane::List;
                    cmds
                }
                Pane::List => self.open_selected(),
                Pane::Reader => Vec::new(),
            },
            Action::Back | Action::Close => {
                let done = match self.focus {
                    Pane::Reader | Pane::Sidebar => {
                        self.focus = Pane::List;
                        return Vec::new();
                    }
                    Pane::List => !self.filter.applied.is_empty(),
                };
                if done {
                    return self.clear_filter();
                }
                if action == Action::Close {
                    self.quit = true;
                }
                Vec::new()
            }
            Action::Quit => {
                self.quit = true;
                Vec::new()
            }
            Action::Filter => {
                self.mode = Mode::Filter;
                self.focus = Pane::List;
                self.filter.input = self.filter.applied.clone();
                self.filter.error = None;
                Vec::new()
            }
            Action::NextArticle => self.step_article(1),
            Action::PrevArticle => self.step_article(-1),
            Action::ToggleRead => {
                let Some((id, read, _)) = self.target() else {
                    return Vec::new();
                };
                self.set_flags(&[id], Some(!read), None)
            }
            Action::ToggleStar => {
                let Some((id, _, starred)) = self.target() else {
                    return Vec::new();
                };
                self.set_flags(&[id], None, Some(!starred))
            }
            Action::MarkAllRead => vec![Cmd::Store(StoreCmd::MarkAllRead {
                view: self.view.clone(),
                query: self.filter.applied.clone(),
            })],
            Action::Undo => match self.undo.take() {
                Some(ids) => {
                    self.say(format!("{} marked unread again", ids.len()));
                    self.set_flags(&ids, Some(false), None)
                }
                None => {
                    self.say("nothing to undo".into());
                    Vec::new()
                }
            },
            Action::Refresh => {
                let feeds = self.target_feeds();
                self.start_refresh(Some(feeds))
            }
            Action::RefreshAll => self.start_refresh(None),
            Action::OpenLink => {
                let link = self.target_link();
                self.open_link(link)
            }
            Action::OpenLinkN(n) => {
                let Some(links) = self.reader_links() else {
                    return Vec::new();
                };
                let link = links.get(usize::from(n) - 1).cloned();
                if link.is_none() {
                    self.say(format!("no link [{n}]"));
                    return Vec::new();
                }
                self.open_link(link)
            }
            Action::CopyLink => match self.target_link().as_deref().and_then(links::allowed) {
                Some(url) => {
                    self.say("link copied".into());
                    vec![Cmd::Copy(url)]
                }
                None => {
                    self.say("no link to copy".into());
                    Vec::new()
                }
            },
            Action::FullText => {
                let Some((id, _, _)) = self.target() else {
                    return Vec::new();
                };
                self.say("reading the whole article from its page…".into());
                vec![Cmd::Run(crate::runner::Command::ReadFullText { id })]
            }
            Action::Bulletin => {
                self.say("writing a bulletin…".into());
                vec![Cmd::Store(StoreCmd::WriteBulletin {
                    title: self.view_name(&self.view),
                    view: self.view.clone(),
                    query: self.filter.applied.clone(),
                })]
            }
            Action::CopyLinkN => {
                match self.reader_links().map(<[String]>::len) {
                    Some(n @ 1..) => {
                        self.copy_pending = true;
                        let which = if n == 1 {
                            "1".to_string()
                        } else {
                            format!("1 to {}", n.min(9))
                        };
                        self.say(format!("copy link: press {which}, any other key cancels"));
                    }
                    _ => self.say("no numbered links to copy".into()),
                }
                Vec::new()
            }
            Action::CycleLayout if self.screen_reader() => {
                self.say(
                    "In the screen-reader mode one pane shows at a time; Tab changes it.".into(),
                );
                Vec::new()
            }
            Action::CycleLayout => {
                self.arrangement = self.arrangement.next();
                self.say(format!("layout: {}", self.arrangement.describe()));
                self.relayout()
            }
            Action::ToggleSidebar => {
                self.sidebar_shown = !self.sidebar_shown;
                if !self.sidebar_shown && self.focus == Pane::Sidebar {
                    self.focus = Pane::List;
                }
                self.relayout()
            }
            Action::Help => self.show_overlay(Overlay::Help),
            Action::ShowErrors => self.show_overlay(Overlay::Errors),
            Action::MessageLog => self.show_overlay(Overlay::Messages),
            Action::NextCopy => self.next_copy(),
        }
    }

    /// Shows the next copy of the story in the reader.
    fn next_copy(&mut self) -> Vec<Cmd> {
        let shown = self.focus == Pane::Reader || self.reader_beside_list();
        let next = match &mut self.reader {
            Some(r) if shown => r.next_copy().map(|s| (s.id, s.feed.clone())),
            _ => return Vec::new(),
        };
        match next {
            Some((id, feed)) => {
                // Read aloud, the copy's own first line says enough.
                if !self.screen_reader() {
                    self.say(format!("copy from {feed}"));
                }
                vec![self.load_article(id)]
            }
            None => {
                self.say("no other copies of this story".into());
                Vec::new()
            }
        }
    }

    fn show_overlay(&mut self, overlay: Overlay) -> Vec<Cmd> {
        self.overlay = Some(overlay);
        self.overlay_scroll = 0;
        Vec::new()
    }

    fn update_overlay(&mut self, overlay: Overlay, action: Action) -> Vec<Cmd> {
        let page = usize::from(self.size.height.saturating_sub(4)).max(1);
        let s = &mut self.overlay_scroll;
        match action {
            Action::MoveDown => *s += 1,
            Action::MoveUp => *s = s.saturating_sub(1),
            Action::PageDown | Action::HalfPageDown => *s += page,
            Action::PageUp | Action::HalfPageUp => *s = s.saturating_sub(page),
            Action::Top => *s = 0,
            Action::Quit => self.quit = true,
            Action::Help | Action::ShowErrors | Action::MessageLog => {
                let wanted = match action {
                    Action::Help => Overlay::Help,
                    Action::ShowErrors => Overlay::Errors,
                    _ => Overlay::Messages,
                };
                if wanted == overlay {
                    self.overlay = None;
                } else {
                    return self.show_overlay(wanted);
                }
            }
            Action::Back | Action::Close => self.overlay = None,
            _ => {}
        }
        Vec::new()
    }

    fn page(&self, half: bool) -> isize {
        let h = isize::try_from(self.pane_height(self.focus)).unwrap_or(1);
        if half {
            h.max(2)
        } else {
            h
        }
    }

    fn focus_changed(&mut self) -> Vec<Cmd> {
        if self.focus == Pane::Reader && self.reader.is_none() {
            return self.open_selected();
        }
        Vec::new()
    }

    fn move_focused(&mut self, delta: isize) -> Vec<Cmd> {
        match self.focus {
            Pane::Sidebar => self.move_sidebar(delta),
            Pane::List => self.move_list(delta),
            Pane::Reader => {
                self.scroll_reader(delta);
                Vec::new()
            }
        }
    }

    /// With the list beside it, the sidebar's selection is the view.
    fn move_sidebar(&mut self, delta: isize) -> Vec<Cmd> {
        let h = self.pane_height(Pane::Sidebar);
        if !self.sidebar.move_by(delta, h) || !self.shown_with(Pane::Sidebar, Pane::List) {
            return Vec::new();
        }
        match self.sidebar.selected_view().cloned() {
            Some(view) => self.set_view(view),
            None => Vec::new(),
        }
    }

    fn move_list(&mut self, delta: isize) -> Vec<Cmd> {
        if self.list.move_by(delta, self.list_height()) {
            self.after_list_move()
        } else {
            Vec::new()
        }
    }

    fn scroll_reader(&mut self, delta: isize) {
        let (h, w) = (self.pane_height(Pane::Reader), self.reader_width());
        if let Some(r) = &mut self.reader {
            r.scroll_by(delta, h, usize::from(w), self.zone);
        }
    }

    /// After the selection moved: keep it on screen, load more rows near
    /// the end, and show it in the reader on wide terminals.
    fn after_list_move(&mut self) -> Vec<Cmd> {
        self.keep_list_in_view();
        let mut cmds = Vec::new();
        let h = self.list_height();
        let idle = self.list_pending.is_none();
        if idle && self.list.wants_more(h) {
            self.list.limit = self.list.limit.max(self.list.rows.len()) * 2;
            cmds.push(self.request_list(ListPurpose::Reload, self.filter.applied.clone()));
        } else if idle && self.list.wants_earlier(h) {
            // Grow the page upwards, keeping the rows loaded.
            let skip = self.list.base.saturating_sub(FIRST_LIMIT);
            self.list.limit = self.list.rows.len() + self.list.base - skip;
            let q = self.filter.applied.clone();
            cmds.push(self.request_page(ListPurpose::Reload, q, skip));
        }
        cmds.extend(self.preview());
        cmds
    }

    fn keep_list_in_view(&mut self) {
        let h = self.list_height();
        self.list.keep_in_view(h);
    }

    /// With the reader beside the list, it follows the selection (without
    /// marking it read).
    fn preview(&mut self) -> Vec<Cmd> {
        if !self.reader_beside_list() {
            return Vec::new();
        }
        match self.list.current() {
            Some(a) if self.reader.as_ref().is_none_or(|r| r.summary.id != a.id) => {
                let a = a.clone();
                vec![self.show_article(a)]
            }
            _ => Vec::new(),
        }
    }

    fn open_selected(&mut self) -> Vec<Cmd> {
        let Some(a) = self.list.current().cloned() else {
            return Vec::new();
        };
        self.focus = Pane::Reader;
        let mut cmds = Vec::new();
        if self.reader.as_ref().is_none_or(|r| r.summary.id != a.id) {
            cmds.push(self.show_article(a.clone()));
        }
        if !a.read {
            cmds.extend(self.set_flags(&[a.id], Some(true), None));
        }
        cmds
    }

    fn show_article(&mut self, summary: ArticleSummary) -> Cmd {
        let id = summary.id;
        let mut reader = Reader::new(summary);
        reader.spoken = self.screen_reader();
        reader.copy_key = self
            .keymap
            .keys_for(Action::NextCopy)
            .into_iter()
            .next()
            .unwrap_or_default();
        self.reader = Some(reader);
        self.load_article(id)
    }

    fn load_article(&mut self, id: ArticleId) -> Cmd {
        self.article_generation += 1;
        Cmd::Store(StoreCmd::LoadArticle {
            generation: self.article_generation,
            id,
            width: self.reader_width(),
            spoken: self.screen_reader(),
        })
    }

    fn step_article(&mut self, delta: isize) -> Vec<Cmd> {
        if self.list.rows.is_empty() {
            return Vec::new();
        }
        // From the reader, step from the article shown.
        if let Some(i) = self
            .reader
            .as_ref()
            .and_then(|r| self.list.rows.iter().position(|a| a.id == r.summary.id))
        {
            self.list.selected = i;
        }
        let before = self.list.selected;
        self.list.selected = clamp_add(before, delta, self.list.rows.len());
        if self.list.selected == before && self.focus == Pane::Reader {
            self.say(
                if delta > 0 {
                    "last article"
                } else {
                    "first article"
                }
                .into(),
            );
            return Vec::new();
        }
        let mut cmds = self.after_list_move();
        cmds.extend(self.open_selected());
        cmds
    }

    fn clamp_reader_scroll(&mut self) {
        self.scroll_reader(0);
    }

    /// The article the flag keys act on, with its read and starred flags.
    fn target(&self) -> Option<(ArticleId, bool, bool)> {
        let a = match (&self.reader, self.focus) {
            (Some(r), Pane::Reader) => self
                .list
                .rows
                .iter()
                .find(|a| a.id == r.summary.id)
                .unwrap_or(&r.summary),
            _ => self.list.current()?,
        };
        Some((a.id, a.read, a.starred))
    }

    fn target_link(&self) -> Option<String> {
        match (&self.reader, self.focus) {
            (Some(r), Pane::Reader) => r.summary.link.clone(),
            _ => self.list.current().and_then(|a| a.link.clone()),
        }
    }

    fn target_feeds(&self) -> Vec<FeedId> {
        if self.focus == Pane::Sidebar {
            match self.sidebar.selected_view() {
                Some(ViewFilter::Feed(id)) => return vec![*id],
                Some(ViewFilter::Tag(t)) => {
                    return self
                        .snapshot
                        .feeds
                        .iter()
                        .filter(|f| f.tags.contains(t))
                        .map(|f| f.id)
                        .collect()
                }
                _ => {}
            }
        }
        match (&self.reader, self.focus) {
            (Some(r), Pane::Reader) => vec![r.summary.feed_id],
            _ => self
                .list
                .current()
                .map(|a| vec![a.feed_id])
                .unwrap_or_default(),
        }
    }

    fn start_refresh(&mut self, feeds: Option<Vec<FeedId>>) -> Vec<Cmd> {
        if self.options.offline {
            self.say("offline: refresh is off".into());
            return Vec::new();
        }
        if feeds.as_ref().is_some_and(Vec::is_empty) {
            self.say("no feed selected".into());
            return Vec::new();
        }
        vec![refresh_cmd(feeds, true)]
    }

    /// The numbered links of the article in the focused reader.
    fn reader_links(&self) -> Option<&[String]> {
        match (&self.reader, self.focus) {
            (Some(r), Pane::Reader) => r.links(),
            _ => None,
        }
    }

    /// The key after `copy_link_n`: a digit 1-9 copies that link, any
    /// other key only cancels.
    fn copy_numbered_link(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let digit = match key.code {
            KeyCode::Char(c @ '1'..='9')
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                c.to_digit(10).and_then(|d| usize::try_from(d).ok())
            }
            _ => None,
        };
        let Some(n) = digit else {
            // Quitting still works from here, as from anywhere.
            if self.keymap.action(&key) == Some(Action::Quit) {
                return self.update(Action::Quit);
            }
            self.say("copy cancelled".into());
            return Vec::new();
        };
        let link = self
            .reader_links()
            .and_then(|links| links.get(n - 1).cloned());
        match link.as_deref().map(|l| (l, links::allowed(l))) {
            Some((_, Some(url))) => {
                self.say(format!("link [{n}] copied"));
                vec![Cmd::Copy(url)]
            }
            Some((l, None)) => {
                self.say(format!(
                    "not copying \"{l}\": only http, https and mailto links"
                ));
                Vec::new()
            }
            None => {
                self.say(format!("no link [{n}]"));
                Vec::new()
            }
        }
    }

    fn open_link(&mut self, link: Option<String>) -> Vec<Cmd> {
        match link.as_deref().map(|l| (l, links::allowed(l))) {
            Some((_, Some(url))) => {
                self.say(format!("opening {url}"));
                vec![Cmd::OpenUrl(url)]
            }
            Some((l, None)) => {
                self.say(format!(
                    "not opening \"{l}\": only http, https and mailto links open"
                ));
                Vec::new()
            }
            None => {
                self.say("no link".into());
                Vec::new()
            }
        }
    }

    /// Sets flags here at once and in the cache.
    fn set_flags(
        &mut self,
        ids: &[ArticleId],
        read: Option<bool>,
        starred: Option<bool>,
    ) -> Vec<Cmd> {
        let set: std::collections::HashSet<ArticleId> = ids.iter().copied().collect();
        let apply = |a: &mut ArticleSummary| {
            if set.contains(&a.id) {
                if let Some(r) = read {
                    a.read = r;
                }
                if let Some(s) = starred {
                    a.starred = s;
                }
            }
        };
        self.list.rows.iter_mut().for_each(apply);
        if let Some(r) = &mut self.reader {
            apply(&mut r.summary);
        }
        let mut cmds = Vec::new();
        if let Some(read) = read {
            cmds.push(Cmd::Store(StoreCmd::SetRead {
                ids: ids.to_vec(),
                read,
            }));
        }
        if let Some(starred) = starred {
            cmds.push(Cmd::Store(StoreCmd::SetStarred {
                ids: ids.to_vec(),
                starred,
            }));
        }
        cmds.extend(self.request_count());
        cmds
    }

    fn set_view(&mut self, view: ViewFilter) -> Vec<Cmd> {
        if view == self.view && self.list.loaded {
            return Vec::new();
        }
        if let ViewFilter::Saved { name, .. } = &view {
            if self.alert_badges.remove(name).is_some() {
                self.rebuild_sidebar();
            }
        }
        self.view = view;
        self.list.limit = FIRST_LIMIT;
        self.list.total = None;
        vec![self.request_list(ListPurpose::NewView, self.filter.applied.clone())]
    }

    /// G: the oldest article of the view, fetching the last page when it
    /// is not loaded yet.
    fn list_bottom(&mut self) -> Vec<Cmd> {
        let total = self.list.total.and_then(|t| usize::try_from(t).ok());
        match total {
            Some(t) if self.list.base + self.list.rows.len() < t => {
                self.list.limit = FIRST_LIMIT;
                let q = self.filter.applied.clone();
                vec![self.request_page(ListPurpose::Bottom, q, t.saturating_sub(FIRST_LIMIT))]
            }
            _ => self.move_list(isize::MAX / 2),
        }
    }

    /// The list from where the loaded rows start (a new view from the top).
    fn request_list(&mut self, purpose: ListPurpose, query: String) -> Cmd {
        // The loaded rows' place holds only for the same query.
        let skip = match purpose {
            ListPurpose::Reload | ListPurpose::Bottom if query == self.filter.applied => {
                self.list.base
            }
            _ => 0,
        };
        self.request_page(purpose, query, skip)
    }

    /// The list from its `skip`th row.
    ///
    /// This is where the filter's query goes to the store: `query` is the
    /// filter text as typed (see `filter_changed`).
    fn request_page(&mut self, purpose: ListPurpose, query: String, skip: usize) -> Cmd {
        self.list_generation += 1;
        // A new view still unanswered stays a new view.
        let (purpose, skip) = match (self.list_pending.take(), purpose) {
            (Some((ListPurpose::NewView, _, _)), ListPurpose::Reload) => (ListPurpose::NewView, 0),
            _ => (purpose, skip),
        };
        self.list_pending = Some((purpose, query.clone(), skip));
        self.reload_wanted = false;
        Cmd::Store(StoreCmd::List {
            generation: self.list_generation,
            view: self.view.clone(),
            query,
            skip,
            limit: self.list.limit,
        })
    }

    fn request_count(&mut self) -> Option<Cmd> {
        if self.count_pending {
            self.count_wanted = true;
            None
        } else {
            self.count_pending = true;
            Some(Cmd::Store(StoreCmd::Count))
        }
    }

    // ---- events from the workers ----

    pub fn on_event(&mut self, event: Event) -> Vec<Cmd> {
        match event {
            Event::Listed { generation, result } => self.on_listed(generation, result),
            Event::ListCounted { generation, total } => {
                if generation == self.list_generation {
                    self.list.total = Some(total);
                }
                Vec::new()
            }
            Event::ArticleLoaded(a) => {
                if a.generation != self.article_generation {
                    return Vec::new();
                }
                // Asked for before the reader changed width: shown, and
                // asked for again at the new width.
                let again = (a.width != self.reader_width()).then_some(a.id);
                if let Some(r) = self.reader.as_mut().filter(|r| r.summary.id == a.id) {
                    r.article = Some(*a);
                }
                self.clamp_reader_scroll();
                again.map(|id| self.load_article(id)).into_iter().collect()
            }
            Event::Counted(s) => {
                self.snapshot = *s;
                self.counted = true;
                self.rebuild_sidebar();
                self.count_pending = false;
                // The sidebar's width follows its names.
                let mut cmds = self.relayout();
                if std::mem::take(&mut self.count_wanted) {
                    cmds.extend(self.request_count());
                }
                cmds
            }
            Event::RefreshStarted { total } => {
                let started = self.refresh.is_none();
                let p = self.refresh.get_or_insert_with(Progress::default);
                p.total += total;
                // Announced once at the start, not at every feed.
                if started && self.screen_reader() {
                    self.say(super::words::refresh_started(total));
                }
                Vec::new()
            }
            Event::FeedStored { new, failed, .. } | Event::Synced { new, failed } => {
                let p = self.refresh.get_or_insert_with(Progress::default);
                p.done += 1;
                p.failed += usize::from(failed);
                p.new += new;
                let mut cmds: Vec<Cmd> = self.request_count().into_iter().collect();
                if new > 0 {
                    cmds.extend(self.request_reload());
                }
                cmds
            }
            Event::RefreshFinished => {
                let p = self.refresh.take().unwrap_or_default();
                self.last_failed = p.failed;
                if self.screen_reader() {
                    let mut msg = super::words::refresh_finished(&p);
                    if let Some(alert) = self.held_alert.take() {
                        msg.push_str(&format!(" Alert: {alert}"));
                    }
                    self.say(msg);
                }
                self.request_count().into_iter().collect()
            }
            Event::MarkedAllRead { ids } => {
                self.say(format!("{} marked read, u to undo", ids.len()));
                let cmds = self.set_flags_local_read(&ids);
                self.undo = (!ids.is_empty()).then_some(ids);
                cmds
            }
            Event::StoreFailed { message } => {
                self.say(message);
                Vec::new()
            }
            Event::Alerted(alerts) => self.on_alerts(alerts),
            Event::FullTextRead { id, result } => {
                let shown = self.reader.as_ref().is_some_and(|r| r.summary.id == id);
                match result {
                    Ok(()) => {
                        self.say("whole article read".into());
                        shown.then(|| self.load_article(id)).into_iter().collect()
                    }
                    Err(e) => {
                        self.say(format!("cannot read the article's page: {e}"));
                        Vec::new()
                    }
                }
            }
            Event::BulletinWritten(result) => {
                self.say(match result {
                    Ok((path, n)) => format!("bulletin of {n} written to {}", path.display()),
                    Err(e) => format!("no bulletin: {e}"),
                });
                Vec::new()
            }
        }
    }

    fn set_flags_local_read(&mut self, ids: &[ArticleId]) -> Vec<Cmd> {
        let set: std::collections::HashSet<_> = ids.iter().collect();
        for a in &mut self.list.rows {
            if set.contains(&a.id) {
                a.read = true;
            }
        }
        if let Some(r) = self.reader.as_mut().filter(|r| set.contains(&r.summary.id)) {
            r.summary.read = true;
        }
        self.request_count().into_iter().collect()
    }

    fn request_reload(&mut self) -> Option<Cmd> {
        if self.list_pending.is_some() {
            self.reload_wanted = true;
            None
        } else {
            Some(self.request_list(ListPurpose::Reload, self.filter.applied.clone()))
        }
    }

    fn on_listed(
        &mut self,
        generation: u64,
        result: Result<Vec<ArticleSummary>, SearchError>,
    ) -> Vec<Cmd> {
        if generation != self.list_generation {
            return Vec::new();
        }
        let Some((purpose, query, skip)) = self.list_pending.take() else {
            return Vec::new();
        };
        match result {
            Err(e) => {
                if self.mode == Mode::Filter {
                    self.filter.error = Some(e);
                } else {
                    self.say(e.message);
                }
            }
            Ok(rows) => {
                if self.mode == Mode::Filter && query == self.filter.input {
                    self.filter.error = None;
                }
                // A new filter is counted again: "500+" meanwhile.
                if query != self.filter.applied {
                    self.list.total = None;
                }
                self.filter.applied = query;
                let h = self.list_height();
                let keep = self
                    .list
                    .current()
                    .map(|a| (a.id, self.list.selected.saturating_sub(self.list.offset)));
                self.list.rows = rows;
                self.list.base = skip;
                self.list.loaded = true;
                let len = self.list.rows.len();
                let find =
                    |id: ArticleId, rows: &[ArticleSummary]| rows.iter().position(|a| a.id == id);
                match purpose {
                    ListPurpose::NewView => {
                        let restored = self
                            .restore_article
                            .take()
                            .and_then(|id| find(id, &self.list.rows));
                        self.list.selected = restored.unwrap_or(0);
                        self.list.offset = restored.map_or(0, |i| i.saturating_sub(h / 2));
                    }
                    ListPurpose::Bottom => {
                        self.list.selected = len.saturating_sub(1);
                        self.list.offset = len.saturating_sub(h);
                    }
                    ListPurpose::Reload => match keep
                        .and_then(|(id, row)| find(id, &self.list.rows).map(|i| (i, row)))
                    {
                        Some((i, row)) => {
                            self.list.selected = i;
                            self.list.offset = i.saturating_sub(row);
                        }
                        None => self.list.selected = self.list.selected.min(len.saturating_sub(1)),
                    },
                }
                self.keep_list_in_view();
            }
        }
        let mut cmds = Vec::new();
        if std::mem::take(&mut self.reload_wanted) {
            cmds.extend(self.request_reload());
        }
        cmds.extend(self.preview());
        cmds
    }

    /// A status message, a badge on each view, terminal notifications.
    fn on_alerts(&mut self, alerts: Vec<crate::store::NewMatch>) -> Vec<Cmd> {
        let Some(first) = alerts.first() else {
            return Vec::new();
        };
        let message = match alerts.len() {
            1 => format!("new in {}: {}", first.view, first.title),
            n => format!(
                "{n} new in alerting views, first in {}: {}",
                first.view, first.title
            ),
        };
        if self.screen_reader() && self.refresh.is_some() {
            self.held_alert = Some(match self.held_alert.take() {
                None => message,
                Some(before) => format!("{before}; {message}"),
            });
        } else {
            self.say(message);
        }
        for a in &alerts {
            *self.alert_badges.entry(a.view.clone()).or_default() += 1;
        }
        self.rebuild_sidebar();
        if !self.notify_terminal {
            return Vec::new();
        }
        alerts
            .iter()
            .take(3)
            .map(|a| Cmd::Notify(crate::alerts::osc9(a)))
            .collect()
    }

    /// The name of a view, as in the sidebar.
    pub fn view_name(&self, view: &ViewFilter) -> String {
        match view {
            ViewFilter::All => "All".into(),
            ViewFilter::Unread => "Unread".into(),
            ViewFilter::Starred => "Starred".into(),
            ViewFilter::Tag(t) => format!("#{t}"),
            ViewFilter::Saved { name, .. } => name.clone(),
            ViewFilter::Feed(id) => self
                .snapshot
                .feeds
                .iter()
                .find(|f| f.id == *id)
                .map_or_else(|| "Feed".to_string(), |f| f.name.clone()),
        }
    }

    fn rebuild_sidebar(&mut self) {
        let h = self.pane_height(Pane::Sidebar);
        self.sidebar
            .rebuild(&self.snapshot, &self.view, h, &self.alert_badges);
    }

    /// When the cache last got data from any feed.
    pub fn last_update(&self) -> Option<DateTime<Utc>> {
        self.snapshot
            .feeds
            .iter()
            .filter_map(|f| f.last_success)
            .max()
    }

    pub fn failing_feeds(&self) -> usize {
        self.snapshot.feeds.iter().filter(|f| f.failing()).count()
    }
}

fn refresh_cmd(feeds: Option<Vec<FeedId>>, force: bool) -> Cmd {
    Cmd::Run(crate::runner::Command::Refresh {
        feeds,
        force,
        sync: true,
    })
}
