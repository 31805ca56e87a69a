pub mod date;
mod dom;
pub mod rules;
