//! The runner on a thread of its own, its progress turned into interface
//! events: refreshes, syncs and whole-article reads never touch the store
//! worker that answers the interface.

use super::event::Event;
use crate::runner::{Commands, FeedOutcome, ListOutcome, Progress, Runner};
use crate::sanitize;
use tokio::sync::mpsc::Sender;

/// Starts `runner` serving on its own thread; events go to `events`.
pub fn spawn(
    runner: Runner,
    events: Sender<Event>,
    alerter: crate::alerts::Alerter,
) -> std::io::Result<(Commands, std::thread::JoinHandle<()>)> {
    let commands = runner.commands();
    let handle = std::thread::Builder::new()
        .name("tidings-runner".into())
        .spawn(move || {
            runner.serve(&mut |p| {
                for e in events_of(p, &alerter) {
                    // The interface is gone only when quitting.
                    let _ = events.blocking_send(e);
                }
            })
        })?;
    Ok((commands, handle))
}

/// The interface's events for one step of a run, text sanitised.
fn events_of(p: Progress, alerter: &crate::alerts::Alerter) -> Vec<Event> {
    let failed = |e: &str| Event::StoreFailed {
        message: sanitize::line(e),
    };
    match p {
        // A sync is one more unit of the refresh.
        Progress::Syncing => vec![Event::RefreshStarted { total: 1 }],
        Progress::SyncItems { .. } => Vec::new(),
        // Flags the server changed show as new articles do: the list is
        // read again.
        Progress::Synced(r) => vec![Event::Synced {
            new: r.as_ref().map_or(0, |r| {
                let f = r.from_server;
                r.new + r.updated + f.marked_read + f.marked_unread + f.starred + f.unstarred
            }),
            failed: r.is_err(),
        }],
        Progress::Fetching { feeds, .. } => vec![Event::RefreshStarted { total: feeds }],
        Progress::Feed(done) => {
            let mut out = Vec::new();
            if let FeedOutcome::NotStored(e) = &done.outcome {
                out.push(failed(e));
            }
            out.push(Event::FeedStored {
                feed: done.feed,
                new: done.outcome.new_articles(),
                failed: done.outcome.failed(),
            });
            out
        }
        Progress::Alerts(alerts) => {
            notify(alerter.clone(), alerts.clone());
            let clean = alerts
                .into_iter()
                .map(|mut a| {
                    a.view = sanitize::line(&a.view);
                    a.title = sanitize::line(&a.title);
                    a.feed = sanitize::line(&a.feed);
                    a
                })
                .collect();
            vec![Event::Alerted(clean)]
        }
        Progress::Problem(e) => vec![failed(&e)],
        Progress::List(done) => match done.outcome {
            ListOutcome::Failed { reason, .. } => vec![failed(&format!(
                "list \"{}\" not updated (its last copy is kept): {reason}",
                done.name
            ))],
            ListOutcome::Updated { .. } | ListOutcome::NotModified => Vec::new(),
        },
        Progress::Finished => vec![Event::RefreshFinished],
        Progress::FullText { id, result } => vec![Event::FullTextRead {
            id,
            result: result.map_err(|e| sanitize::line(&e)),
        }],
    }
}

/// Runs the notify command for new alerts on a thread of its own (it may
/// take seconds).
fn notify(alerter: crate::alerts::Alerter, alerts: Vec<crate::store::NewMatch>) {
    let spawned = std::thread::Builder::new()
        .name("tidings-notify".into())
        .spawn(move || {
            for problem in alerter.run_commands(&alerts) {
                tracing::warn!("{problem}");
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot run notify_command: {e}");
    }
}
