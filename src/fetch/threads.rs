//! The runtime fetches run on, and the threads their CPU work takes.
//!
//! Parsing and preparing articles (and scraping pages) run on at most one
//! thread fewer than the machine has cores. Every result waits for the
//! cache's one writer, so on a machine with few cores the writer must not
//! queue behind work that is already ahead of it: it keeps a core, and the
//! fetches take the others. Downloads and name lookups are not limited.

use std::io;
use std::sync::OnceLock;
use tokio::runtime::{Builder, Runtime};
use tokio::sync::Semaphore;
use tokio::task::JoinError;

/// A multi-threaded runtime for a [`super::Fetcher`], with `workers`
/// worker threads (None: one per core) and at most `concurrency` blocking
/// threads.
pub fn runtime(workers: Option<usize>, concurrency: usize) -> io::Result<Runtime> {
    let mut builder = Builder::new_multi_thread();
    if let Some(n) = workers {
        builder.worker_threads(n);
    }
    builder
        .max_blocking_threads(concurrency.max(1))
        .enable_all()
        .build()
}

/// Runs CPU work on a blocking thread, at most [`cpu_threads`] at once;
/// the others wait their turn without holding a thread.
pub(super) async fn cpu<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, JoinError> {
    static TURNS: OnceLock<Semaphore> = OnceLock::new();
    let turns = TURNS.get_or_init(|| Semaphore::new(cpu_threads()));
    // The semaphore is never closed: a permit always comes.
    let _turn = turns.acquire().await.ok();
    tokio::task::spawn_blocking(work).await
}

/// One thread fewer than the machine has cores, and at least one.
fn cpu_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn cpu_work_leaves_the_writer_a_core() {
        let rt = runtime(Some(2), 16).expect("a runtime");
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let results = rt.block_on(async {
            let tasks: Vec<_> = (0..12)
                .map(|i| {
                    let (now, most) = (now.clone(), most.clone());
                    tokio::spawn(cpu(move || {
                        let at = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(at, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        now.fetch_sub(1, Ordering::SeqCst);
                        i * 2
                    }))
                })
                .collect();
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.expect("task").expect("work"));
            }
            out
        });
        assert_eq!(results, (0..12).map(|i| i * 2).collect::<Vec<_>>());
        let most = most.load(Ordering::SeqCst);
        assert!(most >= 1 && most <= cpu_threads(), "{most} at once");
        assert!(cpu_threads() >= 1);
        if let Ok(n) = std::thread::available_parallelism() {
            assert!(n.get() == 1 || cpu_threads() < n.get());
        }
    }
}
