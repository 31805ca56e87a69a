#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod freshrss;
pub mod server;

use std::path::{Path, PathBuf};

/// The shared fixtures beside the repository (`$TIDINGS_SHARED` when set;
/// beside the directory that holds it, for a worktree).
pub fn shared() -> PathBuf {
    if let Some(dir) = std::env::var_os("TIDINGS_SHARED") {
        return PathBuf::from(dir);
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    repo.ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join("shared"))
        .find(|d| d.join("fixtures").is_dir())
        .unwrap_or_else(|| repo.join("../shared"))
}

/// A temporary home for one test: config and cache paths.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn cache(&self) -> PathBuf {
        self.dir.path().join("cache.db")
    }

    /// Writes a config: `settings` is the body of [settings]; feeds are
    /// (name, url) pairs.
    pub fn write_config(&self, settings: &str, feeds: &[(&str, &str)]) {
        let mut text = format!("[settings]\n{settings}\n");
        for (name, url) in feeds {
            text.push_str(&format!("\n[[feed]]\nname = {name:?}\nurl = {url:?}\n"));
        }
        std::fs::write(self.config(), text).unwrap();
    }

    /// The tidings binary with this sandbox's config and cache.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("tidings").unwrap();
        cmd.arg("--config")
            .arg(self.config())
            .arg("--cache")
            .arg(self.cache())
            .env_remove("TIDINGS_CONFIG")
            .env_remove("TIDINGS_CACHE")
            .timeout(std::time::Duration::from_secs(120));
        cmd
    }

    /// Runs `tidings list --json` and returns the articles.
    pub fn list_json(&self, extra: &[&str]) -> Vec<serde_json::Value> {
        let out = self
            .cmd()
            .arg("list")
            .arg("--json")
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}
