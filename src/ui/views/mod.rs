//! Drawing. Everything here reads `App` and writes the frame; no I/O.

mod errors;
mod help;
mod list;
mod messages;
mod reader;
mod sidebar;
mod spoken;
mod status;

pub use spoken::{help_lines, list_name};

use super::app::{App, Overlay, Pane};
use super::text;
use crate::render::Zone;
use chrono::{DateTime, Datelike, Utc};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear};
use ratatui::Frame;

pub fn render(app: &App, frame: &mut Frame) {
    if app.screen_reader() {
        spoken::render(app, frame);
        return;
    }
    let a = app.areas();
    let buf = frame.buffer_mut();
    for (pane, r) in a.shown() {
        match pane {
            Pane::Sidebar => sidebar::render(app, r, buf),
            Pane::List => list::render(app, r, buf),
            Pane::Reader => reader::render(app, r, buf),
        }
    }
    status::render(app, a.status, buf);
    if let Some(overlay) = app.overlay {
        let area = frame.area();
        let buf = frame.buffer_mut();
        match overlay {
            Overlay::Help => help::render(app, area, buf),
            Overlay::Errors => errors::render(app, area, buf),
            Overlay::Messages => messages::render(app, area, buf),
        }
    }
}

/// A bordered pane; the focused one has a bold accent border (and its
/// title marked, for terminals without colour).
fn pane_block<'a>(app: &App, pane: Pane, title: String) -> Block<'a> {
    // Marked only when there is more than one pane to tell apart.
    let focused = app.focus == pane && app.areas().shown().count() > 1;
    let (style, title) = if focused {
        (app.theme.border_focus, format!("▶ {title} "))
    } else {
        (app.theme.border, format!(" {title} "))
    };
    Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Plain)
        .border_style(style)
        .title(Line::from(Span::styled(title, app.theme.title)))
}

/// An overlay: `lines` in a centred box, scrolled by the app's overlay
/// scroll (kept within the text).
fn render_overlay(
    app: &App,
    area: Rect,
    width: u16,
    title: &str,
    lines: Vec<Line<'static>>,
    buf: &mut ratatui::buffer::Buffer,
) {
    use ratatui::widgets::{Paragraph, Widget};
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let (r, block) = overlay_block(app, area, width, height, title, buf);
    let inner_h = usize::from(block.inner(r).height);
    let scroll = app.overlay_scroll.min(lines.len().saturating_sub(inner_h));
    Paragraph::new(lines)
        .block(block)
        .scroll((u16::try_from(scroll).unwrap_or(0), 0))
        .render(r, buf);
}

/// A centred box for overlays, cleared first.
fn overlay_block<'a>(
    app: &App,
    area: Rect,
    width: u16,
    height: u16,
    title: &str,
    buf: &mut ratatui::buffer::Buffer,
) -> (Rect, Block<'a>) {
    let w = width
        .min(area.width.saturating_sub(2))
        .max(10)
        .min(area.width);
    let h = height
        .min(area.height.saturating_sub(2))
        .max(3)
        .min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    ratatui::widgets::Widget::render(Clear, r, buf);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(app.theme.border_focus)
        .title(Line::from(Span::styled(
            format!(" {title} "),
            app.theme.title,
        )))
        .title_bottom(
            Line::from(Span::styled(" Esc closes · j/k scroll ", app.theme.dim)).right_aligned(),
        );
    (r, block)
}

/// "14:05" today, "26 May" this year, "26 May 2023" before: the time, and
/// which day and year it is, in `zone`.
pub fn short_date(d: DateTime<Utc>, now: DateTime<Utc>, zone: Zone) -> String {
    let (d, now) = (zone.at(d), zone.at(now));
    if d.date_naive() == now.date_naive() {
        d.format("%H:%M").to_string()
    } else if d.year() == now.year() {
        d.format("%-d %b").to_string()
    } else {
        d.format("%-d %b %Y").to_string()
    }
}

pub use crate::render::age;

/// `s` cut to `cols`, as a span.
fn cell(s: &str, cols: usize, style: ratatui::style::Style) -> Span<'static> {
    Span::styled(text::fit(s, cols), style)
}
