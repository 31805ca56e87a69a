//! The `?` overlay: every key as bound now, grouped.

use super::render_overlay;
use crate::ui::action::GROUPS;
use crate::ui::app::App;
use crate::ui::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    for (group, actions) in GROUPS {
        out.push(Line::styled(group.to_string(), t.heading));
        for a in *actions {
            let keys = app.keymap.keys_for(*a);
            let keys = if keys.is_empty() {
                "(unbound)".to_string()
            } else {
                keys.join(" ")
            };
            out.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(text::fit(&keys, 22), t.title),
                Span::raw(" "),
                Span::raw(a.describe()),
            ]));
        }
        out.push(Line::default());
    }
    out.push(Line::styled("In the filter (/)", t.heading));
    for (k, d) in [
        ("type", "filter as you type"),
        ("Enter", "keep the filter"),
        ("Esc", "clear the filter"),
        ("Ctrl-u", "clear the text"),
        ("↑ ↓", "move in the list"),
    ] {
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(text::fit(k, 22), t.title),
            Span::raw(" "),
            Span::raw(d),
        ]));
    }
    out.push(Line::default());
    out.push(Line::styled(
        "Mouse: the wheel scrolls, a click selects.",
        t.dim,
    ));
    out.push(Line::default());
    for l in text::wrap(&mode_note(app), 56) {
        out.push(Line::from(l));
    }
    out
}

/// What the help says of the screen-reader mode.
pub fn mode_note(app: &App) -> String {
    if app.screen_reader() {
        "Screen-reader mode is on: one pane at a time, rows read as sentences, and the cursor \
         on the line to read next."
            .into()
    } else {
        "Screen-reader and braille mode: start with --screen-reader, or set \
         screen_reader = true in [settings]."
            .into()
    }
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    render_overlay(app, area, 60, "Keys", lines(app), buf);
}
