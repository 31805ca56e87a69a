//! Interface state and its update logic. `update` and `on_*` change state
//! in memory only and return the commands for the workers; nothing here
//! blocks or touches the terminal.

use super::action::Action;
use super::event::{Event, LoadedArticle, Snapshot, StoreCmd};
use super::keymap::Keymap;
use super::layout::{self, inner, is_wide, Areas};
use super::links;
pub use super::sidebar::{Sidebar, SidebarItem};
use super::theme::Theme;
use crate::model::{ArticleId, ArticleSummary, FeedId};
use crate::render::Zone;
use crate::store::{SearchError, ViewFilter};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

/// Rows asked for at first; doubled when the selection nears the end.
pub const FIRST_LIMIT: usize = 500;
const WHEEL_STEP: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Sidebar,
    List,
    Reader,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Browse,
    Filter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    Errors,
}

/// A request for the run loop to carry out.
#[derive(Debug)]
pub enum Cmd {
    Store(StoreCmd),
    /// Open in the browser; already checked to be http, https or mailto.
    OpenUrl(String),
    /// Copy to the clipboard (OSC 52).
    Copy(String),
    /// Write this (an OSC 9 notification) to the terminal.
    Notify(String),
}

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
    pub fn current(&self) -> Option<&ArticleSummary> {
        self.rows.get(self.selected)
    }
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

#[derive(Debug)]
pub struct Reader {
    pub summary: ArticleSummary,
    pub article: Option<LoadedArticle>,
    pub scroll: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListPurpose {
    /// A different view or query: start at the top (or the restored article).
    NewView,
    /// The same view with new data: keep the selected article where it is.
    Reload,
}

/// Settings the app needs from the config and command line.
#[derive(Debug, Clone)]
pub struct Options {
    pub offline: bool,
    pub refresh_on_start: bool,
    /// 0 = no periodic refresh.
    pub refresh_minutes: u32,
    pub config_path: String,
}

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
    /// New alerts per saved view (by name) since it was last opened.
    pub alert_badges: std::collections::HashMap<String, usize>,
    /// Alerts also notify through the terminal (OSC 9).
    pub notify_terminal: bool,
    pub undo: Option<Vec<ArticleId>>,
    pub quit: bool,
    list_generation: u64,
    list_pending: Option<(ListPurpose, String)>,
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
            mode: Mode::Browse,
            overlay: None,
            overlay_scroll: 0,
            view: ViewFilter::All,
            sidebar: Sidebar::default(),
            list: ArticleList {
                limit: FIRST_LIMIT,
                ..ArticleList::default()
            },
            filter: Filter::default(),
            reader: None,
            snapshot: Snapshot::default(),
            counted: false,
            refresh: None,
            last_failed: 0,
            flash: None,
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
        } else {
            1
        }
    }

    pub fn areas(&self) -> Areas {
        layout::areas(self.size, self.focus, self.status_height())
    }

    fn pane_inner(&self, pane: Pane) -> Rect {
        let a = layout::areas(self.size, pane, self.status_height());
        let r = match pane {
            Pane::Sidebar => a.sidebar,
            Pane::List => a.list,
            Pane::Reader => a.reader,
        };
        r.map(inner).unwrap_or_default()
    }

    pub fn list_height(&self) -> usize {
        usize::from(self.pane_inner(Pane::List).height).max(1)
    }

    pub fn reader_height(&self) -> usize {
        usize::from(self.pane_inner(Pane::Reader).height).max(1)
    }

    /// Columns for the reader's text (one column of margin each side).
    pub fn reader_width(&self) -> u16 {
        self.pane_inner(Pane::Reader).width.saturating_sub(2).max(1)
    }

    fn sidebar_height(&self) -> usize {
        usize::from(self.pane_inner(Pane::Sidebar).height).max(1)
    }

    pub fn wide(&self) -> bool {
        is_wide(self.size)
    }

    // ---- events from the terminal ----

    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
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
        self.keep_list_in_view();
        let mut cmds = Vec::new();
        if self.wide() && self.reader.is_none() {
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
        let hit = |r: Option<Rect>| r.is_some_and(|r| r.contains(pos));
        let pane = if hit(a.sidebar) {
            Pane::Sidebar
        } else if hit(a.list) {
            Pane::List
        } else if hit(a.reader) {
            Pane::Reader
        } else {
            return Vec::new();
        };
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let down = m.kind == MouseEventKind::ScrollDown;
                if self.overlay.is_some() {
                    self.overlay_scroll = step(self.overlay_scroll, WHEEL_STEP, down);
                    return Vec::new();
                }
                self.scroll_pane(pane, down)
            }
            MouseEventKind::Down(MouseButton::Left) if self.overlay.is_none() => {
                self.focus = pane;
                let top = match pane {
                    Pane::Sidebar => a.sidebar,
                    Pane::List => a.list,
                    Pane::Reader => a.reader,
                }
                .map_or(0, |r| inner(r).y);
                let Some(row) = m.row.checked_sub(top).map(usize::from) else {
                    return Vec::new();
                };
                match pane {
                    Pane::Sidebar => {
                        let i = self.sidebar.offset + row;
                        match self.sidebar.items.get(i).and_then(|it| it.view.clone()) {
                            Some(view) => {
                                self.sidebar.selected = i;
                                self.set_view(view)
                            }
                            None => Vec::new(),
                        }
                    }
                    Pane::List => {
                        let i = self.list.offset + row;
                        if i < self.list.rows.len() {
                            self.list.selected = i;
                            self.after_list_move()
                        } else {
                            Vec::new()
                        }
                    }
                    Pane::Reader => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }

    fn scroll_pane(&mut self, pane: Pane, down: bool) -> Vec<Cmd> {
        match pane {
            Pane::Sidebar => {
                let max = self
                    .sidebar
                    .items
                    .len()
                    .saturating_sub(self.sidebar_height());
                self.sidebar.offset = step(self.sidebar.offset, WHEEL_STEP, down).min(max);
                Vec::new()
            }
            Pane::List => {
                let h = self.list_height();
                let max = self.list.rows.len().saturating_sub(h);
                self.list.offset = step(self.list.offset, WHEEL_STEP, down).min(max);
                // The selection stays on screen.
                let last = (self.list.offset + h).saturating_sub(1);
                self.list.selected = self
                    .list
                    .selected
                    .clamp(self.list.offset, last.max(self.list.offset));
                self.list.selected = self
                    .list
                    .selected
                    .min(self.list.rows.len().saturating_sub(1));
                self.after_list_move()
            }
            Pane::Reader => {
                if let Some(r) = &mut self.reader {
                    r.scroll = step(r.scroll, WHEEL_STEP, down);
                }
                self.clamp_reader_scroll();
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
            Action::Top => self.move_focused(isize::MIN / 2),
            Action::Bottom => self.move_focused(isize::MAX / 2),
            Action::HalfPageDown => self.move_focused(self.page(true) / 2),
            Action::HalfPageUp => self.move_focused(-self.page(true) / 2),
            Action::PageDown => self.move_focused(self.page(false)),
            Action::PageUp => self.move_focused(-self.page(false)),
            Action::NextPane => {
                self.focus = match (self.focus, self.wide() || self.reader.is_some()) {
                    (Pane::Sidebar, _) => Pane::List,
                    (Pane::List, true) => Pane::Reader,
                    (Pane::List, false) | (Pane::Reader, _) => Pane::Sidebar,
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
                Pane::List if self.wide() => {
                    self.focus = Pane::Reader;
                    self.focus_changed()
                }
                Pane::List => self.open_selected(),
                Pane::Reader => Vec::new(),
            },
            Action::Open => match self.focus {
                Pane::Sidebar => {
                    let cmds = match self
                        .sidebar
                        .items
                        .get(self.sidebar.selected)
                        .and_then(|i| i.view.clone())
                    {
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
                    self.flash = Some(format!("{} marked unread again", ids.len()));
                    self.set_flags(&ids, Some(false), None)
                }
                None => {
                    self.flash = Some("nothing to undo".into());
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
                    self.flash = Some(format!("no link [{n}]"));
                    return Vec::new();
                }
                self.open_link(link)
            }
            Action::CopyLink => match self.target_link().as_deref().and_then(links::allowed) {
                Some(url) => {
                    self.flash = Some("link copied".into());
                    vec![Cmd::Copy(url)]
                }
                None => {
                    self.flash = Some("no link to copy".into());
                    Vec::new()
                }
            },
            Action::CopyLinkN => {
                match self.reader_links().map(<[String]>::len) {
                    Some(n @ 1..) => {
                        self.copy_pending = true;
                        let which = if n == 1 {
                            "1".to_string()
                        } else {
                            format!("1–{}", n.min(9))
                        };
                        self.flash =
                            Some(format!("copy link: press {which}, any other key cancels"));
                    }
                    _ => self.flash = Some("no numbered links to copy".into()),
                }
                Vec::new()
            }
            Action::Help => self.show_overlay(Overlay::Help),
            Action::ShowErrors => self.show_overlay(Overlay::Errors),
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
            Action::Help if overlay == Overlay::Errors => return self.show_overlay(Overlay::Help),
            Action::ShowErrors if overlay == Overlay::Help => {
                return self.show_overlay(Overlay::Errors)
            }
            Action::Back | Action::Close | Action::Help | Action::ShowErrors => self.overlay = None,
            _ => {}
        }
        Vec::new()
    }

    fn page(&self, half: bool) -> isize {
        let h = match self.focus {
            Pane::Sidebar => self.sidebar_height(),
            Pane::List => self.list_height(),
            Pane::Reader => self.reader_height(),
        };
        let h = isize::try_from(h).unwrap_or(1).max(1);
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
                if let Some(r) = &mut self.reader {
                    r.scroll = r.scroll.saturating_add_signed(delta);
                }
                self.clamp_reader_scroll();
                Vec::new()
            }
        }
    }

    fn move_sidebar(&mut self, delta: isize) -> Vec<Cmd> {
        let items = &self.sidebar.items;
        if items.is_empty() {
            return Vec::new();
        }
        let mut i = clamp_add(self.sidebar.selected, delta, items.len());
        // Labels cannot be selected: go on in the same direction, else back.
        let dir: isize = if delta < 0 { -1 } else { 1 };
        while items.get(i).is_some_and(|it| it.view.is_none()) {
            let next = i.checked_add_signed(dir).filter(|n| *n < items.len());
            match next {
                Some(n) => i = n,
                None => {
                    i = self.sidebar.selected;
                    break;
                }
            }
        }
        self.sidebar.selected = i;
        let h = self.sidebar_height();
        keep_in_view(&mut self.sidebar.offset, i, h);
        if self.wide() {
            if let Some(view) = self.sidebar.items.get(i).and_then(|it| it.view.clone()) {
                return self.set_view(view);
            }
        }
        Vec::new()
    }

    fn move_list(&mut self, delta: isize) -> Vec<Cmd> {
        if self.list.rows.is_empty() {
            return Vec::new();
        }
        self.list.selected = clamp_add(self.list.selected, delta, self.list.rows.len());
        self.after_list_move()
    }

    /// After the selection moved: keep it on screen, load more rows near
    /// the end, and show it in the reader on wide terminals.
    fn after_list_move(&mut self) -> Vec<Cmd> {
        self.keep_list_in_view();
        let mut cmds = Vec::new();
        let l = &self.list;
        if l.rows.len() >= l.limit
            && l.selected + 2 * self.list_height() >= l.rows.len()
            && self.list_pending.is_none()
        {
            self.list.limit *= 2;
            cmds.push(self.request_list(ListPurpose::Reload, self.filter.applied.clone()));
        }
        cmds.extend(self.preview());
        cmds
    }

    fn keep_list_in_view(&mut self) {
        let h = self.list_height();
        // No empty rows below the last article while there are more above.
        self.list.offset = self.list.offset.min(self.list.rows.len().saturating_sub(h));
        keep_in_view(&mut self.list.offset, self.list.selected, h);
    }

    /// On wide terminals the reader follows the selection (without marking
    /// it read).
    fn preview(&mut self) -> Vec<Cmd> {
        if !self.wide() {
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
        self.reader = Some(Reader {
            summary,
            article: None,
            scroll: 0,
        });
        self.load_article(id)
    }

    fn load_article(&mut self, id: ArticleId) -> Cmd {
        self.article_generation += 1;
        Cmd::Store(StoreCmd::LoadArticle {
            generation: self.article_generation,
            id,
            width: self.reader_width(),
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
            self.flash = Some(
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
        let h = self.reader_height();
        let w = usize::from(self.reader_width());
        if let Some(r) = &mut self.reader {
            let head = super::views::reader::header(&r.summary, w, self.zone).len();
            let lines = head + 1 + r.article.as_ref().map_or(1, |a| a.body.len());
            r.scroll = r.scroll.min(lines.saturating_sub(h));
        }
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
            match self
                .sidebar
                .items
                .get(self.sidebar.selected)
                .and_then(|i| i.view.as_ref())
            {
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
            self.flash = Some("offline: refresh is off".into());
            return Vec::new();
        }
        if feeds.as_ref().is_some_and(Vec::is_empty) {
            self.flash = Some("no feed selected".into());
            return Vec::new();
        }
        vec![refresh_cmd(feeds, true)]
    }

    /// The numbered links of the article in the focused reader.
    fn reader_links(&self) -> Option<&[String]> {
        match (&self.reader, self.focus) {
            (Some(r), Pane::Reader) => r.article.as_ref().map(|a| a.links.as_slice()),
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
            self.flash = Some("copy cancelled".into());
            return Vec::new();
        };
        let link = self
            .reader_links()
            .and_then(|links| links.get(n - 1).cloned());
        match link.as_deref().map(|l| (l, links::allowed(l))) {
            Some((_, Some(url))) => {
                self.flash = Some(format!("link [{n}] copied"));
                vec![Cmd::Copy(url)]
            }
            Some((l, None)) => {
                self.flash = Some(format!(
                    "not copying \"{l}\": only http, https and mailto links"
                ));
                Vec::new()
            }
            None => {
                self.flash = Some(format!("no link [{n}]"));
                Vec::new()
            }
        }
    }

    fn open_link(&mut self, link: Option<String>) -> Vec<Cmd> {
        match link.as_deref().map(|l| (l, links::allowed(l))) {
            Some((_, Some(url))) => {
                self.flash = Some(format!("opening {url}"));
                vec![Cmd::OpenUrl(url)]
            }
            Some((l, None)) => {
                self.flash = Some(format!(
                    "not opening \"{l}\": only http, https and mailto links open"
                ));
                Vec::new()
            }
            None => {
                self.flash = Some("no link".into());
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
        vec![self.request_list(ListPurpose::NewView, self.filter.applied.clone())]
    }

    fn request_list(&mut self, purpose: ListPurpose, query: String) -> Cmd {
        self.list_generation += 1;
        // A new view still unanswered stays a new view.
        let purpose = match self.list_pending.take() {
            Some((ListPurpose::NewView, _)) => ListPurpose::NewView,
            _ => purpose,
        };
        self.list_pending = Some((purpose, query.clone()));
        self.reload_wanted = false;
        Cmd::Store(StoreCmd::List {
            generation: self.list_generation,
            view: self.view.clone(),
            query,
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
            Event::ArticleLoaded(a) => {
                if a.generation == self.article_generation {
                    if let Some(r) = self.reader.as_mut().filter(|r| r.summary.id == a.id) {
                        r.article = Some(*a);
                    }
                    self.clamp_reader_scroll();
                }
                Vec::new()
            }
            Event::Counted(s) => {
                self.snapshot = *s;
                self.counted = true;
                self.rebuild_sidebar();
                self.count_pending = false;
                if std::mem::take(&mut self.count_wanted) {
                    return self.request_count().into_iter().collect();
                }
                Vec::new()
            }
            Event::RefreshStarted { total } => {
                let p = self.refresh.get_or_insert_with(Progress::default);
                p.total += total;
                Vec::new()
            }
            Event::FeedStored { new, failed, .. } => {
                let p = self.refresh.get_or_insert_with(Progress::default);
                p.done += 1;
                p.failed += usize::from(failed);
                let mut cmds: Vec<Cmd> = self.request_count().into_iter().collect();
                if new > 0 {
                    cmds.extend(self.request_reload());
                }
                cmds
            }
            Event::RefreshFinished => {
                self.last_failed = self.refresh.take().map_or(0, |p| p.failed);
                self.request_count().into_iter().collect()
            }
            Event::MarkedAllRead { ids } => {
                self.flash = Some(format!("{} marked read · u to undo", ids.len()));
                let cmds = self.set_flags_local_read(&ids);
                self.undo = (!ids.is_empty()).then_some(ids);
                cmds
            }
            Event::StoreFailed { message } => {
                self.flash = Some(message);
                Vec::new()
            }
            Event::Alerted(alerts) => self.on_alerts(alerts),
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
        let Some((purpose, query)) = self.list_pending.take() else {
            return Vec::new();
        };
        match result {
            Err(e) => {
                if self.mode == Mode::Filter {
                    self.filter.error = Some(e);
                } else {
                    self.flash = Some(e.message);
                }
            }
            Ok(rows) => {
                if self.mode == Mode::Filter && query == self.filter.input {
                    self.filter.error = None;
                }
                self.filter.applied = query;
                let h = self.list_height();
                let keep = self
                    .list
                    .current()
                    .map(|a| (a.id, self.list.selected.saturating_sub(self.list.offset)));
                self.list.rows = rows;
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
        self.flash = Some(match alerts.len() {
            1 => format!("new in {}: {}", first.view, first.title),
            n => format!(
                "{n} new in alerting views, first in {}: {}",
                first.view, first.title
            ),
        });
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

    fn rebuild_sidebar(&mut self) {
        let selected_view = self
            .sidebar
            .items
            .get(self.sidebar.selected)
            .and_then(|i| i.view.clone())
            .unwrap_or_else(|| self.view.clone());
        let mut items = super::sidebar::items(&self.snapshot);
        for item in &mut items {
            if let Some(ViewFilter::Saved { name, .. }) = &item.view {
                if let Some(n) = self.alert_badges.get(name) {
                    item.label = format!("{} +{n}", item.label);
                }
            }
        }
        self.sidebar.selected = items
            .iter()
            .position(|i| i.view.as_ref() == Some(&selected_view))
            .unwrap_or(0);
        self.sidebar.items = items;
        let h = self.sidebar_height();
        keep_in_view(&mut self.sidebar.offset, self.sidebar.selected, h);
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
    Cmd::Store(StoreCmd::Refresh { feeds, force })
}

fn step(v: usize, by: usize, down: bool) -> usize {
    if down {
        v.saturating_add(by)
    } else {
        v.saturating_sub(by)
    }
}

fn clamp_add(v: usize, delta: isize, len: usize) -> usize {
    v.saturating_add_signed(delta).min(len.saturating_sub(1))
}

fn keep_in_view(offset: &mut usize, selected: usize, height: usize) {
    if selected < *offset {
        *offset = selected;
    } else if selected >= *offset + height {
        *offset = selected + 1 - height;
    }
}
