//! Status messages: what the interface tells the user on the status line
//! and keeps in the message log. A message is data (`Status`) until it is
//! drawn; `Display` words it, the same for the screen and the screen
//! reader. A new message is a variant here and its words in `fmt`.

use super::app::Progress;
use super::layout::Arrangement;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;

/// Messages kept for the message log.
const LOG_LEN: usize = 50;

/// New articles of views that alert, the first of them named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertNote {
    pub count: usize,
    pub view: String,
    pub title: String,
}

/// Something to tell the user. Texts inside come from elsewhere already
/// worded (an error's message, a feed's name, a link) and sanitised.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    // Refreshes.
    /// Read aloud at the start of a refresh.
    RefreshStarted {
        feeds: usize,
    },
    /// Read aloud at its end, with the alerts held back meanwhile.
    RefreshDone {
        progress: Progress,
        alerts: Vec<AlertNote>,
    },
    Offline,
    NoFeedSelected,
    CannotFetch(String),
    CannotRefresh(String),
    /// The runner has no cache connection of its own.
    NoRefresher,
    RefresherStopped,
    Alert(AlertNote),
    // Read and unread.
    MarkedRead(usize),
    MarkedUnread(usize),
    NothingToUndo,
    // Links.
    Opening(String),
    /// Not http, https or mailto.
    NotOpening(String),
    /// The browser could not be started: why.
    CannotOpen(String),
    NoLink,
    /// No link with this footnote number.
    NoLinkNumbered(usize),
    LinkCopied,
    LinkNumberedCopied(usize),
    NoLinkToCopy,
    /// Not http, https or mailto.
    NotCopying(String),
    /// Asks for the number of the link to copy, of `links`.
    CopyPrompt {
        links: usize,
    },
    NoNumberedLinks,
    CopyCancelled,
    CannotCopy,
    // The reader.
    /// The copy of the story now shown, by its feed.
    CopyFrom(String),
    NoOtherCopies,
    FirstArticle,
    LastArticle,
    ReadingFullText,
    FullTextRead,
    NoFullText(String),
    // Bulletins.
    WritingBulletin,
    BulletinWritten {
        articles: usize,
        path: PathBuf,
    },
    NoBulletin(String),
    // The layout.
    Layout(Arrangement),
    /// The screen-reader mode has no arrangements.
    OnePaneAtATime,
    // The cache.
    StoreFailed(String),
    /// A filter the store could not use, outside the filter line.
    SearchFailed(String),
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::RefreshStarted { feeds } => f.write_str(&super::words::refresh_started(*feeds)),
            Status::RefreshDone { progress, alerts } => {
                f.write_str(&super::words::refresh_finished(progress))?;
                if !alerts.is_empty() {
                    let alerts: Vec<String> = alerts.iter().map(AlertNote::to_string).collect();
                    write!(f, " Alert: {}", alerts.join("; "))?;
                }
                Ok(())
            }
            Status::Offline => f.write_str("offline: refresh is off"),
            Status::NoFeedSelected => f.write_str("no feed selected"),
            Status::CannotFetch(e) => write!(f, "cannot fetch: {e}"),
            Status::CannotRefresh(e) => write!(f, "cannot refresh: {e}"),
            Status::NoRefresher => {
                f.write_str("cannot refresh: the cache could not be opened for writing")
            }
            Status::RefresherStopped => f.write_str("the refresh worker stopped"),
            Status::Alert(a) => write!(f, "{a}"),
            Status::MarkedRead(n) => write!(f, "{n} marked read, u to undo"),
            Status::MarkedUnread(n) => write!(f, "{n} marked unread again"),
            Status::NothingToUndo => f.write_str("nothing to undo"),
            Status::Opening(url) => write!(f, "opening {url}"),
            Status::NotOpening(l) => write!(
                f,
                "not opening \"{l}\": only http, https and mailto links open"
            ),
            Status::CannotOpen(e) => f.write_str(e),
            Status::NoLink => f.write_str("no link"),
            Status::NoLinkNumbered(n) => write!(f, "no link [{n}]"),
            Status::LinkCopied => f.write_str("link copied"),
            Status::LinkNumberedCopied(n) => write!(f, "link [{n}] copied"),
            Status::NoLinkToCopy => f.write_str("no link to copy"),
            Status::NotCopying(l) => {
                write!(f, "not copying \"{l}\": only http, https and mailto links")
            }
            Status::CopyPrompt { links } => {
                let which = if *links == 1 {
                    "1".to_string()
                } else {
                    format!("1 to {}", (*links).min(9))
                };
                write!(f, "copy link: press {which}, any other key cancels")
            }
            Status::NoNumberedLinks => f.write_str("no numbered links to copy"),
            Status::CopyCancelled => f.write_str("copy cancelled"),
            Status::CannotCopy => f.write_str("cannot copy"),
            Status::CopyFrom(feed) => write!(f, "copy from {feed}"),
            Status::NoOtherCopies => f.write_str("no other copies of this story"),
            Status::FirstArticle => f.write_str("first article"),
            Status::LastArticle => f.write_str("last article"),
            Status::ReadingFullText => f.write_str("reading the whole article from its page…"),
            Status::FullTextRead => f.write_str("whole article read"),
            Status::NoFullText(e) => write!(f, "cannot read the article's page: {e}"),
            Status::WritingBulletin => f.write_str("writing a bulletin…"),
            Status::BulletinWritten { articles, path } => {
                write!(f, "bulletin of {articles} written to {}", path.display())
            }
            Status::NoBulletin(e) => write!(f, "no bulletin: {e}"),
            Status::Layout(a) => write!(f, "layout: {}", a.describe()),
            Status::OnePaneAtATime => {
                f.write_str("In the screen-reader mode one pane shows at a time; Tab changes it.")
            }
            Status::StoreFailed(e) | Status::SearchFailed(e) => f.write_str(e),
        }
    }
}

impl fmt::Display for AlertNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.count {
            1 => write!(f, "new in {}: {}", self.view, self.title),
            n => write!(
                f,
                "{n} new in alerting views, first in {}: {}",
                self.view, self.title
            ),
        }
    }
}

/// The status line's message, the log of the last ones, and alerts held
/// back for the end of a refresh.
#[derive(Debug, Default)]
pub struct Messages {
    /// The message on the status line, until the next action.
    pub shown: Option<Status>,
    /// The message arrived after the last key: the cursor is on it.
    pub fresh: bool,
    /// In the screen-reader mode, alerts that arrived during a refresh,
    /// announced with its end so that one message does not hide another.
    pub held_alerts: Vec<AlertNote>,
    /// The last messages, oldest first, with when they were shown.
    pub log: VecDeque<(DateTime<Utc>, Status)>,
}

impl Messages {
    /// Shows a message on the status line and keeps it in the log.
    pub fn say(&mut self, at: DateTime<Utc>, status: Status) {
        if self.log.len() == LOG_LEN {
            self.log.pop_front();
        }
        self.log.push_back((at, status.clone()));
        self.shown = Some(status);
        self.fresh = true;
    }

    /// The shown message in words.
    pub fn text(&self) -> Option<String> {
        self.shown.as_ref().map(Status::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn note(count: usize) -> AlertNote {
        AlertNote {
            count,
            view: "NHS this week".into(),
            title: "Beds open".into(),
        }
    }

    #[test]
    fn messages_in_words() {
        let cases = [
            (Status::MarkedRead(3), "3 marked read, u to undo"),
            (Status::MarkedUnread(1), "1 marked unread again"),
            (
                Status::CopyPrompt { links: 1 },
                "copy link: press 1, any other key cancels",
            ),
            (
                Status::CopyPrompt { links: 14 },
                "copy link: press 1 to 9, any other key cancels",
            ),
            (
                Status::NotCopying("ftp://a.test/".into()),
                "not copying \"ftp://a.test/\": only http, https and mailto links",
            ),
            (
                Status::NotOpening("javascript:x".into()),
                "not opening \"javascript:x\": only http, https and mailto links open",
            ),
            (Status::NoLinkNumbered(7), "no link [7]"),
            (Status::Layout(Arrangement::Columns), "layout: side by side"),
            (
                Status::BulletinWritten {
                    articles: 4,
                    path: PathBuf::from("/tmp/b.md"),
                },
                "bulletin of 4 written to /tmp/b.md",
            ),
            (Status::CannotFetch("no TLS".into()), "cannot fetch: no TLS"),
            (Status::Alert(note(1)), "new in NHS this week: Beds open"),
            (
                Status::Alert(note(2)),
                "2 new in alerting views, first in NHS this week: Beds open",
            ),
            (Status::RefreshStarted { feeds: 1 }, "Refreshing 1 feed."),
        ];
        for (status, words) in cases {
            assert_eq!(status.to_string(), words);
        }
    }

    #[test]
    fn held_alerts_end_the_refresh_announcement() {
        let progress = Progress {
            done: 2,
            total: 2,
            failed: 0,
            new: 3,
        };
        let done = |alerts| Status::RefreshDone { progress, alerts }.to_string();
        assert_eq!(done(vec![]), "Refresh done: 2 feeds, 3 new articles.");
        assert_eq!(
            done(vec![note(1), note(2)]),
            "Refresh done: 2 feeds, 3 new articles. Alert: new in NHS this week: Beds open; \
             2 new in alerting views, first in NHS this week: Beds open"
        );
    }

    #[test]
    fn the_log_keeps_the_last_messages() {
        let at = Utc.with_ymd_and_hms(2023, 5, 26, 15, 30, 0).unwrap();
        let mut m = Messages::default();
        assert_eq!(m.text(), None);
        for n in 0..LOG_LEN + 5 {
            m.say(at, Status::MarkedRead(n));
        }
        assert!(m.fresh);
        assert_eq!(m.log.len(), LOG_LEN);
        assert_eq!(m.log.front().map(|(_, s)| s), Some(&Status::MarkedRead(5)));
        assert_eq!(m.text().as_deref(), Some("54 marked read, u to undo"));
    }
}
