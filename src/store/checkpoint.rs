//! Checkpoints on a thread of their own. SQLite copies the write-ahead log
//! back into the cache file (a checkpoint) in whichever commit finds the
//! log long; for a connection that stores whole refreshes that is a tenth
//! of its time. With a [`Checkpointer`], that connection never checkpoints:
//! it nudges a second connection after each bulk commit, which checkpoints
//! as far as readers allow (`PASSIVE`) while the writer goes on, and every
//! few seconds for the connection's other commits.

use rusqlite::Connection;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

pub(super) struct Checkpointer {
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the cache `writer` writes, and stops `writer`
    /// from checkpointing by itself.
    pub(super) fn start(writer: &Connection) -> super::Result<Checkpointer> {
        let path = writer.path().unwrap_or_default().to_string();
        let conn = Connection::open(&path)?;
        conn.busy_timeout(super::BUSY_TIMEOUT)?;
        let (nudge, nudged) = sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("tidings-checkpoint".into())
            .spawn(move || {
                // Also every few seconds, for commits that did not nudge.
                use std::sync::mpsc::RecvTimeoutError;
                let mut failing = false;
                while !matches!(
                    nudged.recv_timeout(std::time::Duration::from_secs(5)),
                    Err(RecvTimeoutError::Disconnected)
                ) {
                    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                    // Said once until it works again, not every few seconds.
                    match done {
                        Err(e) if !failing => {
                            tracing::warn!("cannot checkpoint the cache: {e}");
                            failing = true;
                        }
                        Err(_) => {}
                        Ok(()) => failing = false,
                    }
                }
            })
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        Ok(Checkpointer {
            nudge: Some(nudge),
            thread: Some(thread),
        })
    }

    /// After a commit: checkpoints soon, unless one is already due.
    pub(super) fn nudge(&self) {
        if let Some(n) = &self.nudge {
            let _ = n.try_send(());
        }
    }
}

impl super::Store {
    /// After a bulk write's commit: the checkpointer's turn.
    pub(super) fn committed(&self) {
        if let Some(c) = &self.checkpointer {
            c.nudge();
        }
    }
}

impl Drop for Checkpointer {
    /// Waits for a checkpoint under way; the writer's connection, closing
    /// last, checkpoints the rest.
    fn drop(&mut self) {
        self.nudge = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
