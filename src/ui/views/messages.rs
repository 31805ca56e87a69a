//! The `M` overlay: the last status messages, newest first, with the time
//! each was shown.

use super::render_overlay;
use crate::ui::app::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

/// "14:05 Refresh done: 5 feeds, 3 new articles.", newest first.
pub fn texts(app: &App) -> Vec<String> {
    if app.messages.log.is_empty() {
        return vec!["No messages yet.".into()];
    }
    app.messages
        .log
        .iter()
        .rev()
        .map(|(at, m)| format!("{} {m}", app.zone.at(*at).format("%H:%M")))
        .collect()
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let width = area.width.saturating_sub(4).min(90);
    let w = usize::from(width.saturating_sub(4)).max(1);
    let lines = texts(app)
        .iter()
        .flat_map(|t| crate::ui::text::wrap(t, w))
        .map(Line::from)
        .collect();
    render_overlay(app, area, width, "Messages", lines, buf);
}
