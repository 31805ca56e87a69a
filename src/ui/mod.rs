//! The terminal interface. `App` holds its state; its update logic is
//! split by what it answers: the rules between panes (`app`), keys and the
//! mouse (`input`), the article in the reader (`articles`), requests to the
//! store worker and their answers (`requests`), what the workers report
//! (`events`, handling the messages of `event`). Status messages are typed
//! (`status`) and worded when drawn. Default keys are in `keymap`, drawing
//! in `views` and `panes`, and the loop that ties them to the terminal in
//! `run`.

pub use crate::config::action;
pub mod app;
mod articles;
mod engine;
pub mod event;
mod events;
mod input;
pub mod keymap;
pub mod layout;
pub mod links;
pub mod panes;
mod requests;
mod run;
pub mod state;
pub mod status;
pub use crate::text;
pub mod theme;
pub mod views;
pub mod words;
pub mod worker;

pub use run::{run, RunOptions, UiError};
#[cfg(test)]
mod tests;
