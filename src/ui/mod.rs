//! The terminal interface: state and update logic (`app`), what keys do
//! (`keymap`, `action`), what the workers report (`event`), drawing
//! (`views`), and the loop that ties them to the terminal (`run`).

pub mod action;
pub mod keymap;
pub mod theme;
