//! Alerts: saved views with `notify = true` report each new matching
//! article once, ever (recorded by feed URL and guid in the cache, so an
//! article that is updated, fetched again or purged and seen again stays
//! quiet). A feed's first fetch records its backlog without alerting.
//!
//! The fetch paths call [`Alerter::record_all`] instead of `Store::record`: it
//! also groups the new articles into stories ([`crate::story`]).

use crate::config::Config;
use crate::model::{FeedId, FetchReport, WriteStats};
use crate::query::{Query, SqlOptions};
use crate::sanitize;
use crate::store::{NewMatch, Store, StoreError};
use chrono::Utc;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a notify command may run before it is killed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);
/// Commands run per refresh; beyond this one more sums up the rest.
const MAX_COMMANDS: usize = 10;

/// The alerting views and what to run for an alert.
#[derive(Debug, Clone, Default)]
pub struct Alerter {
    views: Vec<(String, Query)>,
    opts: SqlOptions,
    command: Vec<String>,
    stories: bool,
}

impl Alerter {
    pub fn new(config: &Config) -> Alerter {
        Alerter {
            views: config
                .views
                .iter()
                .filter(|v| v.notify)
                .map(|v| (v.name.clone(), v.query.clone()))
                .collect(),
            opts: config.sql_options(),
            command: config.settings.notify_command.clone(),
            stories: config.settings.group_stories,
        }
    }

    /// Whether any view alerts.
    pub fn is_active(&self) -> bool {
        !self.views.is_empty()
    }

    /// Stores several fetch results in one transaction (see
    /// [`Store::record_all`]), groups the articles they added into stories
    /// and returns each result's outcome with the articles that alert for
    /// the first time (or why grouping and alerting failed).
    pub fn record_all(&self, store: &mut Store, reports: &[&FetchReport]) -> Recorded {
        let mark = match store.last_article_id() {
            Ok(m) => m,
            Err(e) => {
                let stats = reports.iter().map(|r| store.record(r)).collect();
                return Recorded {
                    stats,
                    alerts: Err(e),
                };
            }
        };
        let stats = store.record_all(reports);
        if !self.is_active() && !self.stories {
            return Recorded {
                stats,
                alerts: Ok(Vec::new()),
            };
        }
        let feeds: Vec<FeedId> = reports
            .iter()
            .zip(&stats)
            .filter(|(_, s)| s.as_ref().is_ok_and(|s| s.new > 0))
            .map(|(r, _)| r.feed_id)
            .collect();
        let alerts = if feeds.is_empty() {
            Ok(Vec::new())
        } else {
            self.stored(store, &feeds, mark)
        };
        Recorded { stats, alerts }
    }

    /// After `feeds` gained articles with ids above `mark` (a sync's pull):
    /// groups them into stories and returns those that alert for the first
    /// time.
    pub fn stored(
        &self,
        store: &mut Store,
        feeds: &[FeedId],
        mark: i64,
    ) -> Result<Vec<NewMatch>, StoreError> {
        if self.stories {
            store.assign_stories(feeds, mark)?;
        }
        if !self.is_active() {
            return Ok(Vec::new());
        }
        let views: Vec<(&str, &Query)> = self.views.iter().map(|(n, q)| (n.as_str(), q)).collect();
        let mut new = Vec::new();
        for feed in feeds {
            new.extend(store.record_alerts(*feed, mark, &views, &self.opts, Utc::now())?);
        }
        Ok(new)
    }

    /// Runs the notify command for each alert (a bounded number, then one
    /// for the rest); returns what went wrong, one line each.
    pub fn run_commands(&self, alerts: &[NewMatch]) -> Vec<String> {
        if self.command.is_empty() || alerts.is_empty() {
            return Vec::new();
        }
        let mut problems = Vec::new();
        let mut run = |fields: Fields| {
            if let Err(e) = run_command(&self.command, &fields) {
                problems.push(e);
            }
        };
        for a in alerts.iter().take(MAX_COMMANDS) {
            run(Fields::of(a));
        }
        if alerts.len() > MAX_COMMANDS {
            let more = alerts.len() - MAX_COMMANDS;
            run(Fields {
                view: "tidings".into(),
                title: format!("{more} more new articles in alerting views"),
                feed: String::new(),
                link: String::new(),
            });
        }
        problems
    }
}

/// What [`Alerter::record_all`] did: each fetch result's outcome, in order,
/// and the articles that alert for the first time (or why grouping and
/// alerting failed).
pub struct Recorded {
    pub stats: Vec<Result<WriteStats, StoreError>>,
    pub alerts: Result<Vec<NewMatch>, StoreError>,
}

/// What the placeholders are filled with: clean single lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Fields {
    pub view: String,
    pub title: String,
    pub feed: String,
    pub link: String,
}

impl Fields {
    pub fn of(a: &NewMatch) -> Fields {
        Fields {
            view: sanitize::line(&a.view),
            title: sanitize::line(&a.title),
            feed: sanitize::line(&a.feed),
            link: a.link.as_deref().map(sanitize::line).unwrap_or_default(),
        }
    }
}

/// The command's arguments with placeholders filled. The program is taken
/// as written. An argument that would start with `-` only because of a
/// filled-in value gets a leading space, so it cannot be read as an option.
pub fn fill(argv: &[String], f: &Fields) -> Vec<String> {
    argv.iter()
        .enumerate()
        .map(|(i, arg)| {
            if i == 0 {
                return arg.clone();
            }
            let filled = arg
                .replace("{view}", &f.view)
                .replace("{title}", &f.title)
                .replace("{feed}", &f.feed)
                .replace("{link}", &f.link);
            if filled.starts_with('-') && !arg.starts_with('-') {
                format!(" {filled}")
            } else {
                filled
            }
        })
        .collect()
}

/// Runs the command without a shell, its output discarded, killed after
/// [`COMMAND_TIMEOUT`].
pub fn run_command(argv: &[String], f: &Fields) -> Result<(), String> {
    let args = fill(argv, f);
    let Some((program, rest)) = args.split_first() else {
        return Ok(());
    };
    let what = |e: String| format!("notify_command {program}: {e}");
    let mut child = Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| what(e.to_string()))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(what(format!("exited with {status}"))),
            Ok(None) if started.elapsed() >= COMMAND_TIMEOUT => {
                // Already exited or unkillable: nothing more to do.
                let _ = child.kill();
                let _ = child.wait();
                return Err(what(format!(
                    "still running after {} s; stopped",
                    COMMAND_TIMEOUT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(what(e.to_string())),
        }
    }
}

/// An OSC 9 terminal notification ("tidings: VIEW: TITLE"), the text
/// cleaned and without the characters that end the sequence.
pub fn osc9(a: &NewMatch) -> String {
    let f = Fields::of(a);
    let text: String = format!("tidings: {}: {}", f.view, f.title)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    format!("\u{1b}]9;{text}\u{7}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ArticleId;

    fn fields() -> Fields {
        Fields::of(&NewMatch {
            id: ArticleId(1),
            view: "AI".into(),
            title: "--help \u{1b}[31m$(rm -rf ~); `x` \u{202e}".into(),
            feed: "F".into(),
            link: None,
        })
    }

    #[test]
    fn placeholders_are_filled_with_clean_text() {
        let argv: Vec<String> = ["prog", "{view}", "{title}", "-t", "[{feed}] {link}"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            fill(&argv, &fields()),
            ["prog", "AI", " --help $(rm -rf ~); `x`", "-t", "[F] "]
        );
    }

    #[test]
    fn failures_are_reported() {
        let f = fields();
        let e = run_command(&["/nonexistent/tidings-notify".into()], &f).unwrap_err();
        assert!(e.contains("/nonexistent/tidings-notify"), "{e}");
        let e = run_command(&["false".into()], &f).unwrap_err();
        assert!(e.contains("exited"), "{e}");
        assert_eq!(run_command(&["true".into(), "{title}".into()], &f), Ok(()));
    }

    #[test]
    fn osc9_is_one_clean_sequence() {
        let a = NewMatch {
            id: ArticleId(1),
            view: "V".into(),
            title: "a\u{7}b\u{1b}\\c".into(),
            feed: "F".into(),
            link: None,
        };
        assert_eq!(osc9(&a), "\u{1b}]9;tidings: V: abc\u{7}");
    }

    #[test]
    fn articles_stored_by_a_sync_alert_once_and_join_stories() {
        use crate::model::{FetchReport, ParsedArticle, ParsedFeed};
        let config = Config::parse(
            std::path::Path::new("t.toml"),
            "[[feed]]\nname = \"A\"\nurl = \"http://a.test/\"\n\
             [[feed]]\nname = \"B\"\nurl = \"http://b.test/\"\n\
             [[view]]\nname = \"Genomics\"\nquery = \"genomics\"\nnotify = true\n",
        )
        .unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let ids = store.sync_feeds(&config.feeds).unwrap();
        let article = |guid: &str, title: &str, link: &str| ParsedArticle {
            guid: guid.into(),
            title: title.into(),
            link: Some(link.into()),
            published: Some(Utc::now()),
            ..Default::default()
        };
        // A pull writes the articles; `stored` then does what a fetch does.
        let mut pull = |feed, articles: Vec<ParsedArticle>| {
            let mark = store.last_article_id().unwrap();
            let feed_doc = ParsedFeed {
                articles,
                ..Default::default()
            };
            store
                .record(&FetchReport::fetched(feed, feed_doc, Utc::now()))
                .unwrap();
            Alerter::new(&config)
                .stored(&mut store, &[feed], mark)
                .unwrap()
        };
        // The first articles of a feed are its backlog.
        assert!(pull(
            ids[0],
            vec![article("1", "Genomics plan", "http://x.test/1")]
        )
        .is_empty());
        let new = pull(
            ids[0],
            vec![
                article("1", "Genomics plan", "http://x.test/1"),
                article("2", "Genomics funding", "http://x.test/2?utm_source=a"),
                article("3", "Pharmacy hours", "http://x.test/3"),
            ],
        );
        assert_eq!(
            new.iter().map(|m| m.title.as_str()).collect::<Vec<_>>(),
            ["Genomics funding"]
        );
        pull(ids[1], vec![article("9", "Backlog", "http://b.test/9")]);
        // A copy from another source joins the story.
        pull(
            ids[1],
            vec![article("x", "Genomics money", "https://www.x.test/2")],
        );
        let copies = store.story_copies(new[0].id).unwrap();
        assert_eq!(copies.len(), 1, "{copies:?}");
    }
}
