//! The bottom line: the filter being typed (its error underlined), or a
//! message; then position, refresh progress, failures, data age and `?`.

use super::age;
use crate::ui::action::Action;
use crate::ui::app::{App, Mode};
use crate::ui::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let right = right_text(app);
    let right_w = text::width(&right);
    let left_w = usize::from(area.width).saturating_sub(right_w + 1);
    let first = Rect { height: 1, ..area };
    let left: Line = match app.mode {
        Mode::Filter => filter_line(app, left_w),
        Mode::Browse => match app.status_text() {
            Some(msg) => Line::from(Span::styled(text::truncate(&msg, left_w), t.title)),
            None if !app.filter.applied.is_empty() => Line::styled(
                text::truncate(&format!("/{}", app.filter.applied), left_w),
                t.dim,
            ),
            None => Line::default(),
        },
    };
    left.render(first, buf);
    Line::styled(right, t.dim)
        .right_aligned()
        .render(first, buf);
    if let (Mode::Filter, Some(e), true) = (app.mode, &app.filter.error, area.height > 1) {
        let second = Rect {
            y: area.y + 1,
            height: 1,
            ..area
        };
        Line::from(vec![
            Span::styled(" ✗ ", t.error),
            Span::styled(
                text::truncate(&e.message, usize::from(area.width).saturating_sub(3)),
                t.error,
            ),
        ])
        .render(second, buf);
    }
}

/// `/query▏` with the error's span underlined.
fn filter_line(app: &App, width: usize) -> Line<'static> {
    let t = &app.theme;
    let input = &app.filter.input;
    let bad = app.filter.error.as_ref().map(|e| e.span.clone());
    let mut spans = vec![Span::styled("/", t.heading)];
    // Show the end of a long query.
    let mut start = 0;
    while text::width(&input[start..]) + 2 > width && start < input.len() {
        start += input[start..].chars().next().map_or(1, char::len_utf8);
    }
    let mut cur = String::new();
    let mut cur_bad = false;
    for (i, c) in input.char_indices().skip_while(|(i, _)| *i < start) {
        let b = bad.as_ref().is_some_and(|r| r.contains(&i));
        if b != cur_bad && !cur.is_empty() {
            spans.push(styled(std::mem::take(&mut cur), cur_bad, app));
        }
        cur_bad = b;
        cur.push(c);
    }
    if !cur.is_empty() {
        spans.push(styled(cur, cur_bad, app));
    }
    // An error at the very end underlines the cursor.
    let at_end = bad.is_some_and(|r| r.start >= input.len());
    spans.push(styled("▏".into(), at_end, app));
    Line::from(spans)
}

fn styled(s: String, bad: bool, app: &App) -> Span<'static> {
    if bad {
        Span::styled(s, app.theme.error.add_modifier(Modifier::UNDERLINED))
    } else {
        Span::raw(s)
    }
}

fn right_text(app: &App) -> String {
    let mut parts = Vec::new();
    let l = &app.list;
    if !l.rows.is_empty() {
        parts.push(l.position());
    }
    if let Some(p) = app.refresh {
        parts.push(format!("refreshing {}/{} feeds", p.done, p.total));
        if p.failed > 0 {
            parts.push(format!("{} failed", p.failed));
        }
    } else {
        let failing = app.failing_feeds();
        if failing > 0 {
            let key = app.keymap.keys_for(Action::ShowErrors).into_iter().next();
            parts.push(match key {
                Some(k) => format!("{failing} failed ({k})"),
                None => format!("{failing} failed"),
            });
        }
    }
    if app.options.offline {
        parts.push("offline".into());
    }
    if let Some(s) = app.snapshot.sync {
        let when = match (s.failed, s.last) {
            (true, _) => "sync failed".to_string(),
            (false, Some(t)) => format!("synced {}", age(t, app.now)),
            (false, None) => "never synced".to_string(),
        };
        parts.push(match s.waiting {
            0 => when,
            1 => format!("{when} · 1 change waiting"),
            n => format!("{when} · {n} changes waiting"),
        });
    }
    if app.counted {
        parts.push(match app.last_update() {
            Some(t) => format!("updated {}", age(t, app.now)),
            None => "never updated".into(),
        });
    }
    let key = |a: Action| app.keymap.keys_for(a).into_iter().next();
    if !app.wide() {
        if let Some(k) = key(Action::NextPane) {
            parts.push(format!("{k} views"));
        }
    }
    if let Some(k) = key(Action::Help) {
        parts.push(format!("{k} help"));
    }
    format!("{} ", parts.join(" · "))
}
