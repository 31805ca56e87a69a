//! The runtime fetches run on, and the threads their CPU work takes.
//!
//! Parsing and preparing articles (and scraping pages) run on a pool of
//! one thread fewer than the machine has cores. Every result waits for the
//! cache's one writer, so on a machine with few cores the writer must not
//! queue behind work that is already ahead of it: it keeps a core, and the
//! fetches take the others. The pool's threads live as long as the
//! process, so what they keep per thread (a compression context) is made
//! once. Downloads and name lookups are not limited.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::oneshot;

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

/// CPU work that ended without an answer: it panicked, or no thread could
/// be started for it.
#[derive(Debug)]
pub(super) struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("it ended without an answer")
    }
}

type Work = Box<dyn FnOnce() + Send>;

/// Runs CPU work on the pool; work queued while every thread is busy
/// waits its turn without holding a thread.
pub(super) async fn cpu<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Stopped> {
    let (tx, rx) = oneshot::channel();
    let job: Work = Box::new(move || {
        // A panic loses this answer only, never a thread of the pool.
        if let Ok(out) = catch_unwind(AssertUnwindSafe(work)) {
            let _ = tx.send(out);
        }
    });
    pool().ok_or(Stopped)?.send(job).map_err(|_| Stopped)?;
    rx.await.map_err(|_| Stopped)
}

/// The pool's queue; None when not one thread could be started.
fn pool() -> Option<&'static Sender<Work>> {
    static POOL: OnceLock<Option<Sender<Work>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = channel::<Work>();
        let rx = Arc::new(Mutex::new(rx));
        let started = (0..cpu_threads())
            .filter(|i| {
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(format!("tidings-cpu-{i}"))
                    .spawn(move || serve(&rx))
                    .is_ok()
            })
            .count();
        (started > 0).then_some(tx)
    })
    .as_ref()
}

fn serve(queue: &Mutex<Receiver<Work>>) {
    loop {
        // The lock is held only to take one piece of work.
        let next = match queue.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        match next {
            Ok(work) => work(),
            Err(_) => return,
        }
    }
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
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn cpu_work_leaves_the_writer_a_core() {
        let rt = runtime(Some(2), 16).expect("a runtime");
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let threads = Arc::new(Mutex::new(HashSet::new()));
        let results = rt.block_on(async {
            let tasks: Vec<_> = (0..12)
                .map(|i| {
                    let (now, most, threads) = (now.clone(), most.clone(), threads.clone());
                    tokio::spawn(cpu(move || {
                        let at = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(at, Ordering::SeqCst);
                        threads
                            .lock()
                            .expect("set")
                            .insert(std::thread::current().id());
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
        assert!((1..=cpu_threads()).contains(&most), "{most} at once");
        // The same few threads, whatever the number of pieces of work.
        assert!(threads.lock().expect("set").len() <= cpu_threads());
        if let Ok(n) = std::thread::available_parallelism() {
            assert!(n.get() == 1 || cpu_threads() < n.get());
        }
    }

    #[test]
    fn work_that_panics_loses_its_answer_not_the_pool() {
        let rt = runtime(Some(1), 4).expect("a runtime");
        rt.block_on(async {
            for _ in 0..cpu_threads() + 1 {
                let lost = cpu(|| -> u8 { panic!("a bad document") }).await;
                assert!(lost.is_err());
            }
            assert_eq!(cpu(|| 7).await.expect("the pool still works"), 7);
        });
    }
}
