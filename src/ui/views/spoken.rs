//! Drawing for the screen-reader mode: one pane at a time, full width,
//! named by a plain first line; rows as sentences, no borders or symbols;
//! and the hardware cursor on the line to read next: the selected row, the
//! first visible line of the article, the insertion point of a prompt, or
//! a status message that just arrived.

use super::{age, help, messages};
use crate::store::ViewFilter;
use crate::ui::action::Action;
use crate::ui::app::{App, Mode, Overlay, Pane};
use crate::ui::keymap::spoken_key;
use crate::ui::text;
use crate::ui::words;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::Frame;

pub fn render(app: &App, frame: &mut Frame) {
    let a = app.areas();
    let full = frame.area();
    let buf = frame.buffer_mut();
    let mut cursor = None;
    match app.overlay {
        Some(overlay) => {
            let main = Rect {
                height: a.status.y.saturating_sub(full.y),
                ..full
            };
            cursor = Some(render_overlay(app, overlay, main, buf));
        }
        None => {
            for (pane, r) in a.shown() {
                cursor = Some(match pane {
                    Pane::Sidebar => sidebar(app, r, buf),
                    Pane::List => list(app, r, buf),
                    Pane::Reader => reader(app, r, buf),
                });
            }
        }
    }
    let status = status(app, a.status, buf);
    if let Some(p) = status.or(cursor) {
        frame.set_cursor_position(p);
    }
}

/// The first line of a pane, which names it.
fn name_line(app: &App, r: Rect, name: &str, buf: &mut Buffer) {
    let line = Line::styled(
        text::truncate(name, usize::from(r.width)),
        app.theme.heading,
    );
    buf.set_line(r.x, r.y, &line, r.width);
}

fn rows_area(r: Rect) -> Rect {
    Rect {
        y: r.y.saturating_add(1),
        height: r.height.saturating_sub(1),
        ..r
    }
}

/// Items as wrapped sentences from about `offset`, so that `selected` shows
/// whole when it can; draws them and returns the first line of the
/// selected one.
fn sentences(
    app: &App,
    area: Rect,
    items: &[String],
    offset: usize,
    selected: usize,
    style_of: impl Fn(usize) -> Style,
    buf: &mut Buffer,
) -> Position {
    let w = usize::from(area.width).max(1);
    let h = usize::from(area.height);
    let wrapped = |i: usize| text::wrap(&items[i], w);
    let selected = selected.min(items.len().saturating_sub(1));
    let mut start = offset.min(selected);
    while start < selected {
        let used: usize = (start..=selected).map(|i| wrapped(i).len()).sum();
        if used <= h {
            break;
        }
        start += 1;
    }
    let mut y = 0usize;
    let mut at = Position::new(area.x, area.y);
    for (i, _) in items.iter().enumerate().skip(start) {
        if y >= h {
            break;
        }
        if i == selected {
            at = Position::new(area.x, area.y + u16::try_from(y).unwrap_or(0));
        }
        for l in wrapped(i) {
            if y >= h {
                break;
            }
            let row = area.y + u16::try_from(y).unwrap_or(0);
            let style = if i == selected {
                app.theme.selected
            } else {
                style_of(i)
            };
            buf.set_style(Rect::new(area.x, row, area.width, 1), style);
            buf.set_string(area.x, row, &l, style);
            y += 1;
        }
    }
    at
}

/// "Articles: All, 18, 17 unread".
pub fn list_name(app: &App) -> String {
    let l = &app.list;
    let mut s = format!("Articles: {}", app.view_name(&app.view));
    if !app.filter.applied.is_empty() {
        s.push_str(&format!(", filtered by {}", app.filter.applied));
    }
    if !l.loaded {
        s.push_str(", loading");
        return s;
    }
    s.push_str(&format!(", {}", l.count()));
    let whole = l.base == 0 && !l.more_below();
    let unread = if whole {
        Some(l.rows.iter().filter(|a| !a.read).count() as u64)
    } else if app.filter.applied.is_empty() {
        view_unread(app)
    } else {
        None
    };
    if let Some(u) = unread {
        s.push_str(&format!(
            ", {} unread",
            crate::ui::panes::list::thousands(u)
        ));
    }
    s
}

/// The unread count of the view, from the totals.
fn view_unread(app: &App) -> Option<u64> {
    let snap = &app.snapshot;
    match &app.view {
        ViewFilter::All | ViewFilter::Unread => Some(snap.counts.unread),
        ViewFilter::Starred => None,
        ViewFilter::Feed(id) => snap.feeds.iter().find(|f| f.id == *id).map(|f| f.unread),
        ViewFilter::Tag(t) => Some(
            snap.feeds
                .iter()
                .filter(|f| f.tags.contains(t))
                .map(|f| f.unread)
                .sum(),
        ),
        ViewFilter::Saved { name, .. } => snap
            .views
            .iter()
            .find(|v| v.name == *name)
            .map(|v| v.unread),
    }
}

fn list(app: &App, r: Rect, buf: &mut Buffer) -> Position {
    name_line(app, r, &list_name(app), buf);
    let area = rows_area(r);
    let l = &app.list;
    if l.rows.is_empty() {
        let msg = empty_message(app);
        for (i, line) in text::wrap(&msg, usize::from(area.width))
            .into_iter()
            .take(usize::from(area.height))
            .enumerate()
        {
            let y = area.y + u16::try_from(i).unwrap_or(0);
            buf.set_string(area.x, y, line, app.theme.base);
        }
        return Position::new(area.x, if area.height > 0 { area.y } else { r.y });
    }
    let items: Vec<String> = l
        .rows
        .iter()
        .map(|a| words::article_row(a, app.now, app.zone))
        .collect();
    let t = &app.theme;
    sentences(
        app,
        area,
        &items,
        l.offset,
        l.selected,
        |i| {
            if l.rows.get(i).is_some_and(|a| !a.read) {
                t.title
            } else {
                t.base
            }
        },
        buf,
    )
}

fn empty_message(app: &App) -> String {
    if !app.list.loaded {
        return "Loading.".into();
    }
    if !app.filter.applied.is_empty() {
        return format!("No articles match {}.", app.filter.applied);
    }
    if app.counted && app.snapshot.counts.all == 0 {
        if app.options.offline {
            return "No articles yet. Offline: nothing is cached; run without --offline to fetch."
                .into();
        }
        if app.refresh.is_some() {
            return "No articles yet. Fetching your feeds.".into();
        }
        let key = first_key(app, Action::RefreshAll).unwrap_or_else(|| "R".into());
        return format!(
            "No articles yet. Press {key} to refresh. Feeds are listed in {}.",
            app.options.config_path
        );
    }
    "Nothing in this view.".into()
}

fn sidebar(app: &App, r: Rect, buf: &mut Buffer) -> Position {
    let feeds = app.snapshot.feeds.len();
    let failing = app.failing_feeds();
    let mut name = format!("Views and feeds: {}", words::count(feeds as u64, "feed"));
    if failing > 0 {
        name.push_str(&format!(", {failing} failing"));
    }
    name_line(app, r, &name, buf);
    let area = rows_area(r);
    let sb = &app.sidebar;
    if sb.items.is_empty() {
        buf.set_string(area.x, area.y, "Loading.", app.theme.base);
        return Position::new(area.x, area.y);
    }
    let items: Vec<String> = sb
        .items
        .iter()
        .map(|it| words::sidebar_row(it, &app.snapshot, &app.alert_badges, &app.view))
        .collect();
    sentences(
        app,
        area,
        &items,
        sb.offset,
        sb.selected,
        |_| app.theme.base,
        buf,
    )
}

fn reader(app: &App, r: Rect, buf: &mut Buffer) -> Position {
    let back = first_key(app, Action::Close).unwrap_or_else(|| "Esc".into());
    let Some(rd) = &app.reader else {
        name_line(
            app,
            r,
            "Reader: no article open. Select one in the list and press Enter.",
            buf,
        );
        return Position::new(r.x, r.y);
    };
    // A copy of a story has the place of the story's lead.
    let lead = rd.story.first().map_or(rd.summary.id, |s| s.id);
    let mut place = app
        .list
        .index_of(rd.summary.id)
        .or_else(|| app.list.index_of(lead))
        .map(|i| format!(" {} of {}", app.list.base + i + 1, app.list.count()))
        .unwrap_or_default();
    if rd.story.len() > 1 {
        place.push_str(&format!(", copy {} of {}", rd.shown + 1, rd.story.len()));
    }
    let name = format!(
        "Reader:{place} in {}, {back} goes back",
        app.view_name(&app.view)
    );
    name_line(app, r, &name, buf);
    let area = rows_area(r);
    let width = usize::from(app.reader_width());
    let head = rd.head(width, app.zone, &rd.copy_key);
    let body: &[String] = rd.article.as_ref().map_or(&[], |a| a.body.as_slice());
    let line_at = |i: usize| -> String {
        if let Some((_, s)) = head.get(i) {
            return s.clone();
        }
        match i.checked_sub(head.len() + 1) {
            Some(0) if rd.article.is_none() => "Loading the article.".into(),
            Some(j) => body.get(j).cloned().unwrap_or_default(),
            None => String::new(),
        }
    };
    for row in 0..usize::from(area.height) {
        let y = area.y + u16::try_from(row).unwrap_or(0);
        let s = line_at(rd.scroll + row);
        buf.set_string(
            area.x,
            y,
            text::truncate(&s, usize::from(area.width)),
            app.theme.base,
        );
    }
    Position::new(area.x, if area.height > 0 { area.y } else { r.y })
}

fn render_overlay(app: &App, overlay: Overlay, r: Rect, buf: &mut Buffer) -> Position {
    let close = first_key(app, Action::Back).unwrap_or_else(|| "Esc".into());
    let (name, lines) = match overlay {
        Overlay::Help => ("Help: every key".to_string(), help_lines(app)),
        Overlay::Errors => ("Feed errors".to_string(), error_lines(app)),
        Overlay::Messages => ("Messages, newest first".to_string(), messages::texts(app)),
    };
    name_line(app, r, &format!("{name}. {close} closes."), buf);
    let area = rows_area(r);
    let w = usize::from(area.width).max(1);
    let wrapped: Vec<String> = lines.iter().flat_map(|l| text::wrap(l, w)).collect();
    let h = usize::from(area.height);
    let scroll = app.overlay_scroll.min(wrapped.len().saturating_sub(h));
    for (row, l) in wrapped.iter().skip(scroll).take(h).enumerate() {
        let y = area.y + u16::try_from(row).unwrap_or(0);
        buf.set_string(area.x, y, l, app.theme.base);
    }
    Position::new(area.x, if area.height > 0 { area.y } else { r.y })
}

/// Every key as a sentence: "Press j or Down to move down."
pub fn help_lines(app: &App) -> Vec<String> {
    let mut out = vec![help::mode_note(app)];
    for (group, actions) in crate::ui::action::GROUPS {
        out.push(String::new());
        out.push(format!("{group}:"));
        for a in *actions {
            let keys: Vec<String> = app
                .keymap
                .keys_for(*a)
                .iter()
                .map(|k| spoken_key(k))
                .collect();
            out.push(if keys.is_empty() {
                format!("No key is set to {}.", a.sentence())
            } else {
                format!("Press {} to {}.", keys.join(" or "), a.sentence())
            });
        }
    }
    out.push(String::new());
    out.push("In the filter:".into());
    for s in [
        "Type to filter as you type.",
        "Press Enter to keep the filter.",
        "Press Escape to clear the filter.",
        "Press Ctrl-u to clear the text.",
        "Press Up or Down to move in the list.",
    ] {
        out.push(s.into());
    }
    out
}

fn error_lines(app: &App) -> Vec<String> {
    let mut out = Vec::new();
    for f in app.snapshot.feeds.iter().filter(|f| f.last_error.is_some()) {
        let mut s = words::feed(f);
        if let Some(code) = f.http_status {
            s.push_str(&format!(", HTTP status {code}"));
        }
        if let Some(at) = f.last_attempt {
            s.push_str(&format!(", tried {}", age(at, app.now)));
        }
        s.push_str(&format!(". Address: {}.", f.url));
        out.push(s);
    }
    if out.is_empty() {
        out.push("No feed errors.".into());
    }
    out
}

fn first_key(app: &App, action: Action) -> Option<String> {
    app.keymap.keys_for(action).first().map(|k| spoken_key(k))
}

/// The status line: the filter prompt, or a message, or a hint. Returns
/// where the cursor goes when the status line has the attention.
fn status(app: &App, area: Rect, buf: &mut Buffer) -> Option<Position> {
    let t = &app.theme;
    let w = usize::from(area.width);
    if app.mode == Mode::Filter {
        let prompt = "Filter: ";
        let input = &app.filter.input;
        // Show the end of a long filter, the insertion point on screen.
        let mut start = 0;
        while text::width(prompt) + text::width(&input[start..]) + 1 > w && start < input.len() {
            start += input[start..].chars().next().map_or(1, char::len_utf8);
        }
        let shown = format!("{prompt}{}", &input[start..]);
        buf.set_string(area.x, area.y, &shown, t.base);
        if let (Some(e), true) = (&app.filter.error, area.height > 1) {
            let msg = text::truncate(&format!("Error: {}", e.message), w);
            buf.set_string(area.x, area.y + 1, msg, t.error);
        }
        let x = u16::try_from(text::width(&shown)).unwrap_or(0);
        let at = Position::new((area.x + x).min(area.right().saturating_sub(1)), area.y);
        return (app.overlay.is_none()).then_some(at);
    }
    let (lines, attention) = match app.status_text() {
        Some(m) => (text::wrap(&m, w), app.messages.fresh || app.prompting()),
        None => (vec![hint(app)], false),
    };
    let h = usize::from(area.height);
    for (i, l) in lines.iter().take(h).enumerate() {
        let y = area.y + u16::try_from(i).unwrap_or(0);
        let l = if i + 1 == h && lines.len() > h {
            text::truncate(&format!("{l} …"), w)
        } else {
            l.clone()
        };
        buf.set_string(area.x, y, l, if attention { t.title } else { t.base });
    }
    if !attention {
        return None;
    }
    if app.prompting() {
        // After the prompt, where the answer goes.
        let last = lines.len().min(h).saturating_sub(1);
        let x = lines.get(last).map_or(0, |l| text::width(l));
        let x = u16::try_from(x)
            .unwrap_or(0)
            .min(area.width.saturating_sub(1));
        return Some(Position::new(
            area.x + x,
            area.y + u16::try_from(last).unwrap_or(0),
        ));
    }
    Some(Position::new(area.x, area.y))
}

/// What the status line says when there is no message.
fn hint(app: &App) -> String {
    let help = first_key(app, Action::Help).unwrap_or_else(|| "?".into());
    if !app.filter.applied.is_empty() {
        let clear = first_key(app, Action::Back).unwrap_or_else(|| "Esc".into());
        return format!(
            "Filter {} is on; {clear} clears it. {help} for help.",
            app.filter.applied
        );
    }
    match first_key(app, Action::MessageLog) {
        Some(m) => format!("{help} for help, {m} for messages."),
        None => format!("{help} for help."),
    }
}
