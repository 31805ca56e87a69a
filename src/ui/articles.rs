//! The article the keys act on: showing it in the reader, stepping to the
//! next, its story's other copies, its links, and its read and starred
//! flags (set here at once and in the cache).

use super::action::Action;
use super::app::{App, Cmd, Reader};
use super::event::StoreCmd;
use super::layout::Pane;
use super::links;
use super::panes::clamp_add;
use super::status::Status;
use crate::model::{ArticleId, ArticleSummary};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
    // ---- the reader ----

    /// Opens the selected article in the reader and marks it read.
    pub(super) fn open_selected(&mut self) -> Vec<Cmd> {
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

    /// With the reader beside the list, it follows the selection (without
    /// marking it read).
    pub(super) fn preview(&mut self) -> Vec<Cmd> {
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

    /// The next or previous article of the list, opened.
    pub(super) fn step_article(&mut self, delta: isize) -> Vec<Cmd> {
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
            self.say(if delta > 0 {
                Status::LastArticle
            } else {
                Status::FirstArticle
            });
            return Vec::new();
        }
        let mut cmds = self.after_list_move();
        cmds.extend(self.open_selected());
        cmds
    }

    /// Shows the next copy of the story in the reader.
    pub(super) fn next_copy(&mut self) -> Vec<Cmd> {
        let shown = self.focus == Pane::Reader || self.reader_beside_list();
        let next = match &mut self.reader {
            Some(r) if shown => r.next_copy().map(|s| (s.id, s.feed.clone())),
            _ => return Vec::new(),
        };
        match next {
            Some((id, feed)) => {
                // Read aloud, the copy's own first line says enough.
                if !self.screen_reader() {
                    self.say(Status::CopyFrom(feed));
                }
                vec![self.load_article(id)]
            }
            None => {
                self.say(Status::NoOtherCopies);
                Vec::new()
            }
        }
    }

    pub(super) fn scroll_reader(&mut self, delta: isize) {
        let (h, w) = (self.pane_height(Pane::Reader), self.reader_width());
        if let Some(r) = &mut self.reader {
            r.scroll_by(delta, h, usize::from(w), self.zone);
        }
    }

    pub(super) fn clamp_reader_scroll(&mut self) {
        self.scroll_reader(0);
    }

    // ---- links ----

    /// Opens a link in the browser if it is http, https or mailto.
    pub(super) fn open_link(&mut self, link: Option<String>) -> Vec<Cmd> {
        match link.as_deref().map(|l| (l, links::allowed(l))) {
            Some((_, Some(url))) => {
                self.say(Status::Opening(url.clone()));
                vec![Cmd::OpenUrl(url)]
            }
            Some((l, None)) => {
                self.say(Status::NotOpening(l.to_string()));
                Vec::new()
            }
            None => {
                self.say(Status::NoLink);
                Vec::new()
            }
        }
    }

    /// The key after `copy_link_n`: a digit 1-9 copies that link, any
    /// other key only cancels.
    pub(super) fn copy_numbered_link(&mut self, key: KeyEvent) -> Vec<Cmd> {
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
            self.say(Status::CopyCancelled);
            return Vec::new();
        };
        let link = self
            .reader_links()
            .and_then(|links| links.get(n - 1).cloned());
        match link.as_deref().map(|l| (l, links::allowed(l))) {
            Some((_, Some(url))) => {
                self.say(Status::LinkNumberedCopied(n));
                vec![Cmd::Copy(url)]
            }
            Some((l, None)) => {
                self.say(Status::NotCopying(l.to_string()));
                Vec::new()
            }
            None => {
                self.say(Status::NoLinkNumbered(n));
                Vec::new()
            }
        }
    }

    // ---- flags ----

    /// Sets flags here at once and in the cache.
    pub(super) fn set_flags(
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

    pub(super) fn set_flags_local_read(&mut self, ids: &[ArticleId]) -> Vec<Cmd> {
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
}
