//! The terminal interface: state and update logic (`app`), what keys do
//! (`keymap`, `action`), what the workers report (`event`), drawing
//! (`views`), and the loop that ties them to the terminal (`run`).

pub use crate::config::action;
pub mod app;
mod engine;
pub mod event;
pub mod keymap;
pub mod layout;
pub mod links;
pub mod panes;
mod run;
pub mod state;
pub use crate::text;
pub mod theme;
pub mod views;
pub mod words;
pub mod worker;

pub use run::{run, RunOptions, UiError};
#[cfg(test)]
mod tests;
