//! tidings: a terminal news reader for RSS, Atom, JSON Feed and HTML news pages.
//!
//! Data flows one way: `config` says what to follow, the `runner` fetches
//! (`fetch`, `scrape`) and syncs (`sync`) it into the SQLite cache (`store`),
//! and the command line (`cli`) and the interface (`ui`) read the cache
//! through `query`. `ARCHITECTURE.md` maps the rooms.

pub mod alerts;
pub mod bulletin;
pub mod cli;
pub mod config;
pub mod demo;
pub mod export;
pub mod fetch;
pub mod import;
pub mod lists;
pub mod model;
pub mod paths;
pub mod query;
pub mod render;
pub mod runner;
pub mod sanitize;
pub mod scrape;
pub mod store;
pub mod story;
pub mod sync;
pub mod synth;
pub mod text;
pub mod tui;
pub mod ui;
