//! The `e` overlay: each failing feed with its last error.

use super::{age, render_overlay};
use crate::ui::app::App;
use crate::ui::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let width = area.width.saturating_sub(4).min(90);
    let text_w = usize::from(width.saturating_sub(4));
    let mut lines = Vec::new();
    for f in app.snapshot.feeds.iter().filter(|f| f.last_error.is_some()) {
        // A failed fetch is marked "!", a successful one with problems "~".
        let mark = if f.failing() { '!' } else { '~' };
        let mut head = format!("{mark} {}", f.name);
        if let Some(s) = f.http_status {
            head.push_str(&format!(" · HTTP {s}"));
        }
        if let Some(at) = f.last_attempt {
            head.push_str(&format!(" · {}", age(at, app.now)));
        }
        let style = if f.failing() { t.error } else { t.dim };
        lines.push(Line::styled(text::truncate(&head, text_w + 2), style));
        lines.push(Line::styled(
            format!("  {}", text::truncate(&f.url, text_w)),
            t.dim,
        ));
        for l in text::wrap(f.last_error.as_deref().unwrap_or(""), text_w) {
            lines.push(Line::from(format!("  {l}")));
        }
        lines.push(Line::default());
    }
    if lines.is_empty() {
        lines.push(Line::from("No feed errors."));
    }
    render_overlay(app, area, width, "Feed errors", lines, buf);
}
