//! The sidebar: smart views, then tags with their feeds, each with a count.

use super::{cell, pane_block};
use crate::ui::app::{App, Pane};
use crate::ui::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let block = pane_block(app, Pane::Sidebar, "tidings".into());
    let inner = block.inner(area);
    block.render(area, buf);
    let t = &app.theme;
    let w = usize::from(inner.width);
    let sb = &app.sidebar;
    if sb.items.is_empty() {
        Line::styled(" loading…", t.dim).render(inner, buf);
        return;
    }
    for (row, (i, item)) in sb
        .items
        .iter()
        .enumerate()
        .skip(sb.offset)
        .take(usize::from(inner.height))
        .enumerate()
    {
        let selected = i == sb.selected;
        let active = item.view.as_ref() == Some(&app.view);
        let marker = if selected {
            "▸"
        } else if active {
            "•"
        } else {
            " "
        };
        let indent = "  ".repeat(usize::from(item.depth));
        let flag = if item.failing && item.depth > 0 {
            "! "
        } else {
            ""
        };
        let count = item.count.map(|c| c.to_string()).unwrap_or_default();
        let label_w = w.saturating_sub(
            text::width(marker) + 1 + indent.len() + text::width(flag) + count.len() + 1,
        );
        let mut style = match (&item.view, item.depth) {
            (None, _) => t.dim,
            (_, 0) => t.heading,
            _ => t.base,
        };
        if active {
            style = style.add_modifier(Modifier::BOLD);
        }
        let mut spans = vec![
            Span::raw(format!("{marker} {indent}")),
            Span::styled(flag, t.error),
            cell(
                &item.label,
                label_w,
                if item.failing && item.depth > 0 {
                    t.error
                } else {
                    style
                },
            ),
            Span::raw(" "),
            Span::styled(count, if item.depth == 0 { t.dim } else { t.unread }),
        ];
        if item.count == Some(0) {
            if let Some(last) = spans.last_mut() {
                last.style = t.dim;
            }
        }
        let mut line = Line::from(spans);
        if selected && app.focus == Pane::Sidebar {
            line = line.patch_style(t.selected);
        }
        let y = inner.y + u16::try_from(row).unwrap_or(0);
        buf.set_line(inner.x, y, &line, inner.width);
        if selected && app.focus == Pane::Sidebar {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), t.selected);
        }
    }
}
