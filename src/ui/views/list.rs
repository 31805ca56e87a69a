//! The article list: unread marker, star, date, feed, title with filter
//! matches highlighted. Only the visible rows are drawn.

use super::{cell, pane_block, short_date};
use crate::store::ViewFilter;
use crate::ui::app::{App, Pane};
use crate::ui::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let l = &app.list;
    let mut title = app.view_name(&app.view);
    if l.loaded {
        title = format!("{title} · {}", l.count());
    }
    if !app.filter.applied.is_empty() {
        title = format!("{title} · /{}", text::truncate(&app.filter.applied, 20));
    }
    let block = pane_block(app, Pane::List, title);
    let inner = block.inner(area);
    block.render(area, buf);
    let t = &app.theme;
    if l.rows.is_empty() {
        let lines = empty_message(app);
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .style(t.dim)
            .render(inner.inner(ratatui::layout::Margin::new(1, 1)), buf);
        return;
    }
    let w = usize::from(inner.width);
    let height = usize::from(inner.height);
    let visible = || l.rows.iter().enumerate().skip(l.offset).take(height);
    let dates: Vec<String> = visible()
        .map(|(_, a)| {
            a.published
                .map_or_else(String::new, |d| short_date(d, app.now, app.zone))
        })
        .collect();
    let widths = columns(app, w, &dates);
    let focused = app.focus == Pane::List;
    // Parsing is cheap and in memory; the list only shows applied filters.
    let query = if app.filter.applied.is_empty() {
        None
    } else {
        crate::query::parse_with(&app.filter.applied, crate::query::ParseOptions::TYPING).ok()
    };
    for (row, ((i, a), date)) in visible().zip(&dates).enumerate() {
        let selected = i == l.selected;
        let title_style = if a.read {
            t.base
        } else {
            t.base.add_modifier(Modifier::BOLD)
        };
        let mut spans = vec![
            Span::raw(if selected { "▸" } else { " " }),
            Span::styled(if a.read { "  " } else { "● " }, t.unread),
            Span::styled(if a.starred { "★ " } else { "  " }, t.star),
            cell(date, widths.date, t.dim),
            Span::raw(" "),
        ];
        if widths.feed > 0 {
            spans.push(cell(&a.feed, widths.feed, t.dim));
            spans.push(Span::raw(" "));
        }
        let also = also_in(a);
        let title = text::truncate(&a.title, title_width(&a.title, &also, widths.title));
        let hits = query
            .as_ref()
            .map(|q| crate::query::title_highlights(q, &title))
            .unwrap_or_default();
        spans.extend(highlighted(&title, &hits, title_style, t.highlight));
        if !also.is_empty() {
            let room = widths.title.saturating_sub(text::width(&title));
            spans.push(Span::styled(text::truncate(&also, room), t.dim));
        }
        let y = inner.y + u16::try_from(row).unwrap_or(0);
        let line = Line::from(spans);
        buf.set_line(inner.x, y, &line, inner.width);
        if selected {
            let style = if focused {
                t.selected
            } else {
                Style::new().add_modifier(Modifier::BOLD)
            };
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), style);
        }
    }
}

/// " · also in: DHSC, HIN South London" after the title of a story with
/// copies; empty otherwise.
fn also_in(a: &crate::model::ArticleSummary) -> String {
    if a.also_in.is_empty() {
        String::new()
    } else {
        format!(" · also in: {}", a.also_in_feeds())
    }
}

/// How wide the title may be: all of `room` when `also` fits after it,
/// else at least two thirds of it.
fn title_width(title: &str, also: &str, room: usize) -> usize {
    let (tw, aw) = (text::width(title), text::width(also));
    if tw + aw <= room {
        room
    } else {
        room.saturating_sub(aw.min(room / 3))
    }
}

/// Column widths of the list's rows.
#[derive(Debug, PartialEq, Eq)]
struct Widths {
    date: usize,
    /// 0 when every row is from the same feed (a feed's own view).
    feed: usize,
    title: usize,
}

/// Marker, unread dot and star, before the date.
const FLAGS: usize = 5;

/// The date column as wide as the dates shown; the feed column as wide as
/// the feeds' names, up to a fifth of the row; the title gets the rest.
fn columns(app: &App, w: usize, dates: &[String]) -> Widths {
    let date = dates
        .iter()
        .map(|d| text::width(d))
        .max()
        .unwrap_or(0)
        .max(5);
    let feed = if matches!(app.view, ViewFilter::Feed(_)) {
        0
    } else {
        let names = app.snapshot.feeds.iter().map(|f| text::width(&f.name));
        let rows = app.list.rows.iter().take(200).map(|a| text::width(&a.feed));
        let need = if app.snapshot.feeds.is_empty() {
            rows.max()
        } else {
            names.max()
        };
        need.unwrap_or(0).min((w / 5).clamp(6, 24))
    };
    let used = FLAGS + date + 1 + if feed > 0 { feed + 1 } else { 0 };
    Widths {
        date,
        feed,
        title: w.saturating_sub(used),
    }
}

fn empty_message(app: &App) -> Vec<Line<'static>> {
    if !app.list.loaded {
        return vec![Line::from("Loading…")];
    }
    if !app.filter.applied.is_empty() {
        return vec![Line::from(format!(
            "No articles match “{}”.",
            app.filter.applied
        ))];
    }
    if app.counted && app.snapshot.counts.all == 0 {
        let mut lines = vec![Line::from("No articles yet."), Line::from("")];
        if app.options.offline {
            lines.push(Line::from(
                "Offline: nothing is cached. Run without --offline to fetch.",
            ));
        } else if app.refresh.is_some() {
            lines.push(Line::from("Fetching your feeds…"));
        } else {
            lines.push(Line::from("Press R to refresh. Feeds are listed in"));
            lines.push(Line::from(app.options.config_path.clone()));
        }
        return lines;
    }
    vec![Line::from("Nothing in this view.")]
}

/// Splits `s` into spans with each (ASCII case-insensitive) occurrence of
/// a term styled as a match.
fn highlighted(
    s: &str,
    hits: &[std::ops::Range<usize>],
    base: Style,
    hit: Style,
) -> Vec<Span<'static>> {
    if hits.is_empty() {
        return vec![Span::styled(s.to_string(), base)];
    }
    let mut marks = vec![false; s.len()];
    for r in hits {
        if let Some(m) = marks.get_mut(r.clone()) {
            m.iter_mut().for_each(|m| *m = true);
        }
    }
    let mut spans = Vec::new();
    let mut cur = String::new();
    let mut cur_hit = false;
    for (i, c) in s.char_indices() {
        let h = marks[i];
        if h != cur_hit && !cur.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut cur),
                if cur_hit { hit } else { base },
            ));
        }
        cur_hit = h;
        cur.push(c);
    }
    if !cur.is_empty() {
        spans.push(Span::styled(cur, if cur_hit { hit } else { base }));
    }
    spans
}
