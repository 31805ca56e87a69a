//! Where tidings keeps its files: explicit options, then environment
//! variables, then the XDG directories.

use std::path::PathBuf;

/// Default config path: `<XDG config dir>/tidings/config.toml`.
pub fn default_config() -> Option<PathBuf> {
    dirs().map(|d| d.config_dir().join("config.toml"))
}

/// Default cache path: `<XDG cache dir>/tidings/cache.db`.
pub fn default_cache() -> Option<PathBuf> {
    dirs().map(|d| d.cache_dir().join("cache.db"))
}

/// Default log file: `<XDG state dir>/tidings/tidings.log` (data dir where
/// the platform has no state dir).
pub fn default_log() -> Option<PathBuf> {
    dirs().map(|d| {
        d.state_dir()
            .unwrap_or_else(|| d.data_local_dir())
            .join("tidings.log")
    })
}

fn dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "tidings")
}

/// The interface's last view and selection: `<XDG state dir>/tidings/ui-state.json`.
pub fn default_ui_state() -> Option<PathBuf> {
    dirs().map(|d| {
        d.state_dir()
            .unwrap_or_else(|| d.data_local_dir())
            .join("ui-state.json")
    })
}

/// A file of tidings' own state: `<XDG state dir>/tidings/NAME` (data dir
/// where the platform has no state dir).
pub fn default_state_file(name: &str) -> Option<PathBuf> {
    dirs().map(|d| {
        d.state_dir()
            .unwrap_or_else(|| d.data_local_dir())
            .join(name)
    })
}
