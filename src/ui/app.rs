//! Interface state and the rules between its panes: which pane has the
//! focus, where each pane is, what the keys act on, and the overlays.
//!
//! The rest of `impl App` lives beside this file, one concern each: keys
//! and the mouse in `input`, the article in the reader in `articles`,
//! requests to the store worker and their answers in `requests`, what the
//! workers and the clock report in `events`, status messages in `status`.
//! All of it changes state in memory only and returns the commands for the
//! workers; nothing here blocks or touches the terminal.

use super::action::Action;
use super::event::{Snapshot, StoreCmd};
use super::keymap::Keymap;
pub use super::layout::Pane;
use super::layout::{self, is_wide, Areas, Arrangement, Geometry};
pub use super::panes::list::{ArticleList, FIRST_LIMIT};
pub use super::panes::reader::Reader;
pub use super::panes::sidebar::{Sidebar, SidebarItem};
use super::requests::{ListPurpose, Requests};
use super::status::{Messages, Status};
use super::theme::Theme;
use crate::model::{ArticleId, FeedId};
use crate::render::Zone;
use crate::store::{SearchError, ViewFilter};
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

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

pub struct App {
    pub size: Rect,
    pub now: DateTime<Utc>,
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
    /// The status line's message and the message log.
    pub messages: Messages,
    /// New alerts per saved view (by name) since it was last opened.
    pub alert_badges: std::collections::HashMap<String, usize>,
    /// Alerts also notify through the terminal (OSC 9).
    pub notify_terminal: bool,
    pub undo: Option<Vec<ArticleId>>,
    pub quit: bool,
    /// Requests to the store worker in flight, and the answers awaited.
    pub(super) requests: Requests,
    pub(super) next_refresh: Option<DateTime<Utc>>,
    /// `copy_link_n` was pressed: the next key is the link's number.
    pub(super) copy_pending: bool,
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
            messages: Messages::default(),
            alert_badges: std::collections::HashMap::new(),
            notify_terminal: false,
            undo: None,
            quit: false,
            requests: Requests::default(),
            next_refresh: None,
            copy_pending: false,
        }
    }

    /// Starts on this view, selecting this article once it is listed.
    pub fn restore(&mut self, view: ViewFilter, article: Option<ArticleId>) {
        self.view = view;
        self.requests.restore_article = article;
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
            let lines = self.messages.text().map_or(1, |m| {
                super::text::wrap(&m, usize::from(self.size.width)).len()
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
    pub(super) fn reader_beside_list(&self) -> bool {
        self.shown_with(Pane::List, Pane::Reader)
    }

    pub fn wide(&self) -> bool {
        is_wide(self.size) && !self.screen_reader()
    }

    pub fn screen_reader(&self) -> bool {
        self.options.screen_reader
    }

    /// After the geometry changed: keep the selection on screen, show it
    /// in a reader that appeared, re-render a body for a new width.
    pub(super) fn relayout(&mut self) -> Vec<Cmd> {
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

    // ---- focus ----

    /// Tab: sidebar, list, reader (when there is one), round again.
    pub(super) fn next_pane(&mut self) -> Vec<Cmd> {
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

    pub(super) fn pane_left(&mut self) -> Vec<Cmd> {
        self.focus = match self.focus {
            Pane::Reader => Pane::List,
            _ => Pane::Sidebar,
        };
        self.focus_changed()
    }

    /// Right of the list is the reader: beside it, or opened in its place.
    pub(super) fn pane_right(&mut self) -> Vec<Cmd> {
        match self.focus {
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
        }
    }

    fn focus_changed(&mut self) -> Vec<Cmd> {
        if self.focus == Pane::Reader && self.reader.is_none() {
            return self.open_selected();
        }
        Vec::new()
    }

    // ---- what the keys act on ----

    /// The article the flag keys act on, with its read and starred flags.
    pub(super) fn target(&self) -> Option<(ArticleId, bool, bool)> {
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

    pub(super) fn target_link(&self) -> Option<String> {
        match (&self.reader, self.focus) {
            (Some(r), Pane::Reader) => r.summary.link.clone(),
            _ => self.list.current().and_then(|a| a.link.clone()),
        }
    }

    pub(super) fn target_feeds(&self) -> Vec<FeedId> {
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

    /// The numbered links of the article in the focused reader.
    pub(super) fn reader_links(&self) -> Option<&[String]> {
        match (&self.reader, self.focus) {
            (Some(r), Pane::Reader) => r.links(),
            _ => None,
        }
    }

    // ---- overlays ----

    pub(super) fn show_overlay(&mut self, overlay: Overlay) -> Vec<Cmd> {
        self.overlay = Some(overlay);
        self.overlay_scroll = 0;
        Vec::new()
    }

    pub(super) fn update_overlay(&mut self, overlay: Overlay, action: Action) -> Vec<Cmd> {
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

    // ---- the status line ----

    /// Shows a message on the status line and keeps it in the log.
    pub fn say(&mut self, status: Status) {
        self.messages.say(self.now, status);
    }

    /// The status line's message in words, if there is one.
    pub fn status_text(&self) -> Option<String> {
        self.messages.text()
    }

    // ---- views and feeds ----

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

    pub(super) fn rebuild_sidebar(&mut self) {
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

/// A refresh of these feeds (all when `None`), with a sync.
pub(super) fn refresh_cmd(feeds: Option<Vec<FeedId>>, force: bool) -> Cmd {
    Cmd::Run(crate::runner::Command::Refresh {
        feeds,
        force,
        sync: true,
    })
}
