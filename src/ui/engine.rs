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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::runner::{Command, Totals};
    use std::collections::BTreeSet;

    /// A feed from the config, a feed from a shared list and the sync
    /// server all fail (a closed port on 127.0.0.1): the command line's
    /// totals and the interface's events name the same failures.
    #[test]
    fn a_failure_of_each_origin_reads_the_same_in_both_faces() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let dir = tempfile::tempdir().unwrap();
        let pw = dir.path().join("password");
        std::fs::write(&pw, "secret-pw\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let list = dir.path().join("team.toml");
        std::fs::write(
            &list,
            format!("[[feed]]\nname = \"Listed\"\nurl = \"http://127.0.0.1:{port}/listed.xml\"\n"),
        )
        .unwrap();
        let text = format!(
            "[settings]\nretries = 0\ntimeout_seconds = 2\n\n\
             [sync]\nkind = \"fever\"\nurl = \"http://127.0.0.1:{port}/fever/\"\n\
             username = \"u\"\npassword_file = {:?}\n\n\
             [[list]]\nname = \"Team\"\nurl = \"file://{}\"\n\n\
             [[feed]]\nname = \"Configured\"\nurl = \"http://127.0.0.1:{port}/configured.xml\"\n",
            pw.display().to_string(),
            list.display()
        );
        let config = crate::config::Config::parse(&dir.path().join("config.toml"), &text).unwrap();
        let mut store = crate::store::Store::open(&dir.path().join("cache.db")).unwrap();
        store.sync_feeds(&config.feeds).unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let fetcher = std::sync::Arc::new(crate::fetch::Fetcher::new(&config).unwrap());
        let alerter = crate::alerts::Alerter::new(&config);
        let mut runner = Runner::new(store, config, Some(fetcher), rt.handle().clone())
            .with_tokens(crate::sync::TokenCache::none());
        let (mut totals, mut events) = (Totals::default(), Vec::new());
        let mut names = std::collections::HashMap::new();
        runner.run(
            Command::Refresh {
                feeds: None,
                force: true,
                sync: true,
            },
            &mut |p| {
                totals.add(&p);
                if let Progress::Feed(done) = &p {
                    names.insert(done.feed, done.name.clone());
                }
                events.extend(events_of(p, &alerter));
            },
        );

        // The command line: both feeds failed, and the sync.
        let cli: BTreeSet<String> = totals
            .failed
            .iter()
            .map(|l| l.split(" (").next().unwrap().to_string())
            .collect();
        assert_eq!(cli, BTreeSet::from(["Configured".into(), "Listed".into()]));
        assert!(matches!(totals.synced, Some(Err(_))), "{:?}", totals.synced);

        // The interface: the same feeds marked failed, the sync failed,
        // and the refresh ends.
        let ui: BTreeSet<String> = events
            .iter()
            .filter_map(|e| match e {
                Event::FeedStored {
                    feed, failed: true, ..
                } => names.get(feed).cloned(),
                _ => None,
            })
            .collect();
        assert_eq!(ui, cli);
        assert!(events
            .iter()
            .any(|e| matches!(e, Event::Synced { failed: true, .. })));
        assert!(matches!(events.last(), Some(Event::RefreshFinished)));
    }
}
