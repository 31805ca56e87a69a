//! The reader: title, feed, author, date and link, then the body as
//! wrapped text with numbered links. Only the visible lines are drawn.

use super::pane_block;
use crate::ui::action::Action;
use crate::ui::app::{App, Pane};
use crate::ui::panes::reader::HeaderKind;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let title = match &app.reader {
        Some(_) if !app.shown_with(Pane::Reader, Pane::List) => "‹ q back".to_string(),
        _ => "Reader".to_string(),
    };
    let mut block = pane_block(app, Pane::Reader, title);
    let Some(r) = &app.reader else {
        let inner = block.inner(area);
        block.render(area, buf);
        Line::styled(" Select an article and press Enter.", t.dim).render(inner, buf);
        return;
    };
    let width = usize::from(app.reader_width());
    let key = app
        .keymap
        .keys_for(Action::NextCopy)
        .into_iter()
        .next()
        .unwrap_or_default();
    let head = r.head(width, app.zone, &key);
    let body: &[String] = r.article.as_ref().map_or(&[], |a| a.body.as_slice());
    let total = head.len() + 1 + body.len().max(1);
    let inner_h = usize::from(block.inner(area).height);
    if total > inner_h {
        let pct = (r.scroll + inner_h).min(total) * 100 / total.max(1);
        block = block.title_bottom(Line::styled(format!(" {pct}% "), t.dim).right_aligned());
    }
    let inner = block.inner(area);
    block.render(area, buf);
    let text_area = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let line_at = |i: usize| -> Line<'_> {
        if let Some((kind, s)) = head.get(i) {
            let style = match kind {
                HeaderKind::Title => t.title,
                HeaderKind::Meta => t.dim,
                HeaderKind::Link => t.link,
                HeaderKind::Copy => t.dim,
            };
            return Line::styled(s.clone(), style);
        }
        let Some(j) = i.checked_sub(head.len() + 1) else {
            return Line::default();
        };
        if r.article.is_none() {
            return if j == 0 {
                Line::styled("Loading…", t.dim)
            } else {
                Line::default()
            };
        }
        match body.get(j) {
            Some(s) if is_footnote(s) => Line::from(Span::styled(s.as_str(), t.link)),
            Some(s) => Line::from(Span::styled(s.as_str(), Style::new())),
            None => Line::default(),
        }
    };
    for row in 0..usize::from(text_area.height) {
        let line = line_at(r.scroll + row);
        let y = text_area.y + u16::try_from(row).unwrap_or(0);
        buf.set_line(text_area.x, y, &line, text_area.width);
    }
}

fn is_footnote(s: &str) -> bool {
    s.strip_prefix('[')
        .and_then(|r| r.split_once("]: "))
        .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
}
