//! What the workers and the clock report (`event::Event`, the tick), and
//! when a refresh starts: the refresh's progress, counts, marks, alerts,
//! whole articles and bulletins.

use super::app::{refresh_cmd, App, Cmd, Progress};
use super::event::Event;
use super::status::{AlertNote, Status};
use crate::model::FeedId;
use chrono::{DateTime, Duration, Utc};

impl App {
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

    pub(super) fn schedule_refresh(&mut self) {
        self.next_refresh = (self.options.refresh_minutes > 0 && !self.options.offline)
            .then(|| self.now + Duration::minutes(i64::from(self.options.refresh_minutes)));
    }

    pub(super) fn start_refresh(&mut self, feeds: Option<Vec<FeedId>>) -> Vec<Cmd> {
        if self.options.offline {
            self.say(Status::Offline);
            return Vec::new();
        }
        if feeds.as_ref().is_some_and(Vec::is_empty) {
            self.say(Status::NoFeedSelected);
            return Vec::new();
        }
        vec![refresh_cmd(feeds, true)]
    }

    pub fn on_event(&mut self, event: Event) -> Vec<Cmd> {
        match event {
            Event::Listed { generation, result } => self.on_listed(generation, result),
            Event::ListCounted { generation, total } => {
                self.on_list_counted(generation, total);
                Vec::new()
            }
            Event::ArticleLoaded(a) => self.on_article_loaded(*a),
            Event::Counted(s) => {
                self.snapshot = *s;
                self.counted = true;
                self.rebuild_sidebar();
                // The sidebar's width follows its names.
                let mut cmds = self.relayout();
                cmds.extend(self.count_answered());
                cmds
            }
            Event::RefreshStarted { total } => {
                let started = self.refresh.is_none();
                let p = self.refresh.get_or_insert_with(Progress::default);
                p.total += total;
                // Announced once at the start, not at every feed.
                if started && self.screen_reader() {
                    self.say(Status::RefreshStarted { feeds: total });
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
                    let alerts = std::mem::take(&mut self.messages.held_alerts);
                    self.say(Status::RefreshDone {
                        progress: p,
                        alerts,
                    });
                }
                self.request_count().into_iter().collect()
            }
            Event::MarkedAllRead { ids } => {
                self.say(Status::MarkedRead(ids.len()));
                let cmds = self.set_flags_local_read(&ids);
                self.undo = (!ids.is_empty()).then_some(ids);
                cmds
            }
            Event::StoreFailed { message } => {
                self.say(Status::StoreFailed(message));
                Vec::new()
            }
            Event::Alerted(alerts) => self.on_alerts(alerts),
            Event::FullTextRead { id, result } => {
                let shown = self.reader.as_ref().is_some_and(|r| r.summary.id == id);
                match result {
                    Ok(()) => {
                        self.say(Status::FullTextRead);
                        shown.then(|| self.load_article(id)).into_iter().collect()
                    }
                    Err(e) => {
                        self.say(Status::NoFullText(e));
                        Vec::new()
                    }
                }
            }
            Event::BulletinWritten(result) => {
                self.say(match result {
                    Ok((path, articles)) => Status::BulletinWritten { articles, path },
                    Err(e) => Status::NoBulletin(e),
                });
                Vec::new()
            }
        }
    }

    /// A status message, a badge on each view, terminal notifications.
    fn on_alerts(&mut self, alerts: Vec<crate::store::NewMatch>) -> Vec<Cmd> {
        let Some(first) = alerts.first() else {
            return Vec::new();
        };
        let note = AlertNote {
            count: alerts.len(),
            view: first.view.clone(),
            title: first.title.clone(),
        };
        if self.screen_reader() && self.refresh.is_some() {
            self.messages.held_alerts.push(note);
        } else {
            self.say(Status::Alert(note));
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
}
