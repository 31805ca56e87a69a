//! Keys and the mouse: the filter line's keys, and what each action of the
//! keymap does. Actions on the article go on to `articles`, requests for
//! the list to `requests`, focus changes to the rules in `app`.

use super::action::Action;
use super::app::{App, Cmd, Mode, Overlay, FIRST_LIMIT};
use super::event::StoreCmd;
use super::layout::Pane;
use super::links;
use super::panes::{step, WHEEL_STEP};
use super::requests::ListPurpose;
use super::status::Status;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

impl App {
    /// A key: the answer to a prompt, the filter line's, or the keymap's.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        self.messages.fresh = false;
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

    /// A click focuses a pane and selects a row; the wheel scrolls.
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

    /// What an action does. A status message lasts until the next one.
    pub fn update(&mut self, action: Action) -> Vec<Cmd> {
        self.messages.shown = None;
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
            Action::NextPane => self.next_pane(),
            Action::PaneLeft => self.pane_left(),
            Action::PaneRight => self.pane_right(),
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
                    self.say(Status::MarkedUnread(ids.len()));
                    self.set_flags(&ids, Some(false), None)
                }
                None => {
                    self.say(Status::NothingToUndo);
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
                    self.say(Status::NoLinkNumbered(usize::from(n)));
                    return Vec::new();
                }
                self.open_link(link)
            }
            Action::CopyLink => match self.target_link().as_deref().and_then(links::allowed) {
                Some(url) => {
                    self.say(Status::LinkCopied);
                    vec![Cmd::Copy(url)]
                }
                None => {
                    self.say(Status::NoLinkToCopy);
                    Vec::new()
                }
            },
            Action::FullText => {
                let Some((id, _, _)) = self.target() else {
                    return Vec::new();
                };
                self.say(Status::ReadingFullText);
                vec![Cmd::Run(crate::runner::Command::ReadFullText { id })]
            }
            Action::Bulletin => {
                self.say(Status::WritingBulletin);
                vec![Cmd::Store(StoreCmd::WriteBulletin {
                    title: self.view_name(&self.view),
                    view: self.view.clone(),
                    query: self.filter.applied.clone(),
                })]
            }
            Action::CopyLinkN => {
                match self.reader_links().map(<[String]>::len) {
                    Some(links @ 1..) => {
                        self.copy_pending = true;
                        self.say(Status::CopyPrompt { links });
                    }
                    _ => self.say(Status::NoNumberedLinks),
                }
                Vec::new()
            }
            Action::CycleLayout if self.screen_reader() => {
                self.say(Status::OnePaneAtATime);
                Vec::new()
            }
            Action::CycleLayout => {
                self.arrangement = self.arrangement.next();
                self.say(Status::Layout(self.arrangement));
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

    fn page(&self, half: bool) -> isize {
        let h = isize::try_from(self.pane_height(self.focus)).unwrap_or(1);
        if half {
            h.max(2)
        } else {
            h
        }
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
}
