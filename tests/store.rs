//! The cache as several processes and config changes meet it: concurrent
//! first opens, retention order, and feeds keyed by URL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Sandbox;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Starts the real binary on a sandbox without waiting for it.
fn spawn(sb: &Sandbox, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tidings"))
        .arg("--config")
        .arg(sb.config())
        .arg("--cache")
        .arg(sb.cache())
        .args(args)
        .env_remove("TIDINGS_CONFIG")
        .env_remove("TIDINGS_CACHE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a child at most until `deadline`, killing it after that.
fn finish(mut child: Child, deadline: Instant) -> Output {
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn processes_opening_a_new_cache_at_once_all_succeed() {
    for round in 0..25 {
        let sb = Sandbox::new();
        sb.write_config("", &[("A", "http://127.0.0.1:9/a.xml")]);
        let children: Vec<Child> = (0..3).map(|_| spawn(&sb, &["feeds"])).collect();
        let deadline = Instant::now() + Duration::from_secs(60);
        for child in children {
            let out = finish(child, deadline);
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("never fetched"));
        }
    }
}
