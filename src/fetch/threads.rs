//! The runtime fetches run on.
//!
//! Its threads download, parse and prepare articles at a lower priority
//! than the cache's writer. Every result waits for the writer, so on a
//! machine with few cores the writer must not queue behind work that is
//! already ahead of it; the fetch threads take whatever time it leaves.
//! The interface's own thread keeps its normal priority too.

use std::io;
use tokio::runtime::{Builder, Runtime};

/// Niceness of the fetch threads: the lowest priority.
const NICE: i32 = 19;

/// A multi-threaded runtime for a [`super::Fetcher`], with `workers`
/// worker threads (None: one per core) and at most `concurrency` threads
/// parsing at once.
pub fn runtime(workers: Option<usize>, concurrency: usize) -> io::Result<Runtime> {
    let mut builder = Builder::new_multi_thread();
    if let Some(n) = workers {
        builder.worker_threads(n);
    }
    builder
        .max_blocking_threads(concurrency.max(1))
        .enable_all()
        .on_thread_start(lower_priority)
        .build()
}

/// Lowers the calling thread's priority; where threads have no priority
/// of their own, or the system refuses, it stays as it was.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::setpriority_process;
        // On Linux a thread id names one thread, not the whole process.
        let tid = rustix::thread::gettid();
        if let Err(e) = setpriority_process(Some(tid), NICE) {
            tracing::debug!("cannot lower a fetch thread's priority: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetch_threads_run_at_a_lower_priority_and_the_caller_keeps_its_own() {
        let rt = runtime(Some(1), 2).expect("a runtime");
        let caller = priority();
        let (worker, blocking) = rt.block_on(async {
            let worker = tokio::spawn(async { priority() }).await.expect("worker");
            let blocking = tokio::task::spawn_blocking(priority)
                .await
                .expect("blocking");
            (worker, blocking)
        });
        assert_eq!(priority(), caller);
        #[cfg(target_os = "linux")]
        {
            assert_eq!(worker, NICE);
            assert_eq!(blocking, NICE);
        }
        let _ = (worker, blocking);
    }

    /// The calling thread's niceness (0 where threads have none).
    fn priority() -> i32 {
        #[cfg(target_os = "linux")]
        {
            rustix::process::getpriority_process(Some(rustix::thread::gettid())).expect("nice")
        }
        #[cfg(not(target_os = "linux"))]
        0
    }
}
