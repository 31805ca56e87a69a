//! Geometry: arrangements, the sidebar, resizing, bodies re-rendered for
//! a new width, dates in the user's zone.

use super::*;

#[test]
fn dates_show_in_the_users_zone() {
    let bst = Zone::Fixed(FixedOffset::east_opt(3600).unwrap());
    let at = |mo, d, h, mi| Utc.with_ymd_and_hms(2023, mo, d, h, mi, 0).unwrap();
    // 23:30 UTC on 26 May is 00:30 on the 27th at +01:00: "today" is the 27th.
    let late = at(5, 26, 23, 30);
    assert_eq!(views::short_date(at(5, 26, 23, 10), late, bst), "00:10");
    assert_eq!(views::short_date(at(5, 26, 22, 45), late, bst), "26 May");
    assert_eq!(
        views::short_date(at(5, 26, 22, 45), late, Zone::utc()),
        "22:45"
    );
    // ... and 23:30 UTC on 31 December is already next year there.
    let new_year = Utc.with_ymd_and_hms(2023, 12, 31, 23, 30, 0).unwrap();
    assert_eq!(
        views::short_date(at(5, 26, 9, 0), new_year, bst),
        "26 May 2023"
    );
    assert_eq!(views::short_date(at(5, 6, 9, 0), late, bst), "6 May");
    assert_eq!(
        views::short_date(at(5, 26, 9, 0), new_year, Zone::utc()),
        "26 May"
    );

    let mut summary = rows().remove(0);
    summary.published = Some(at(5, 26, 23, 10));
    let meta = crate::ui::panes::reader::header(&summary, 80, bst)
        .into_iter()
        .map(|(_, l)| l)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        meta.contains("HIN South London · 27 May 2023 00:10 +01:00"),
        "{meta}"
    );

    // The injected offset is what the screens use: the first article was
    // published at 13:30 UTC.
    let mut a = loaded(120, 40, false, rows());
    a.zone = bst;
    let s = screen(&a);
    assert!(s.contains("▸●   14:30 "), "{s}");
    assert!(s.contains("26 May 2023 14:30 +01:00"), "{s}");
    assert!(!s.contains("13:30"), "{s}");
}

#[test]
fn resize_relays_out_and_rerenders_the_body() {
    let mut a = loaded(120, 40, false, rows());
    assert!(a.areas().get(Pane::Sidebar).is_some() && a.areas().get(Pane::Reader).is_some());
    let w = a.reader_width();
    let cmds = a.on_resize(80, 24);
    assert!(a.areas().get(Pane::Sidebar).is_none());
    assert!(
        matches!(cmds.as_slice(), [Cmd::Store(StoreCmd::LoadArticle { width, .. })] if *width != w)
    );
}

#[test]
fn layout_cycles_and_is_kept() {
    let mut a = loaded(120, 36, false, rows());
    assert_eq!(a.arrangement, Arrangement::Stacked);
    let areas = a.areas();
    let (list, reader) = (
        areas.get(Pane::List).unwrap(),
        areas.get(Pane::Reader).unwrap(),
    );
    assert!(
        list.y < reader.y && list.width == 120,
        "list above the reader"
    );
    // Side by side: the reader was wider, so the body is rendered again.
    let w = a.reader_width();
    let cmds = a.on_key(key('L'));
    assert_eq!(a.arrangement, Arrangement::Columns);
    assert_eq!(a.status_text().as_deref(), Some("layout: side by side"));
    assert!(
        matches!(cmds.as_slice(), [Cmd::Store(StoreCmd::LoadArticle { width, .. })] if *width < w)
    );
    let areas = a.areas();
    assert_eq!(
        areas.get(Pane::List).unwrap().y,
        areas.get(Pane::Reader).unwrap().y
    );
    // List only: no reader until Enter, then the reader alone.
    a.on_key(key('L'));
    assert_eq!(a.arrangement, Arrangement::ListOnly);
    assert!(a.areas().get(Pane::Reader).is_none());
    let moved = a.update(Action::MoveDown);
    assert!(article_gen(&moved).is_none(), "no preview without a reader");
    a.update(Action::Open);
    let areas = a.areas();
    assert!(areas.get(Pane::List).is_none());
    assert_eq!(areas.get(Pane::Reader).unwrap().width, 120);
    a.update(Action::Back);
    assert_eq!(a.focus, Pane::List);
    a.on_key(key('L'));
    assert_eq!(a.arrangement, Arrangement::Stacked);
    // Kept for the next start.
    let kept = a.layout();
    let mut b = app(120, 36, false);
    b.set_layout(kept);
    assert_eq!(b.arrangement, Arrangement::Stacked);
    // Rebindable like any other key.
    let bind = crate::ui::keymap::parse_binding("f2", "cycle_layout").unwrap();
    a.keymap = Keymap::new(&[bind]);
    a.on_key(code(KeyCode::F(2)));
    assert_eq!(a.arrangement, Arrangement::Columns);
}

#[test]
fn sidebar_hides_and_shows() {
    let mut a = loaded(120, 36, false, rows());
    let width = |a: &App| a.areas().get(Pane::Reader).unwrap().width;
    let with_sidebar = width(&a);
    assert!(a.areas().get(Pane::Sidebar).is_some());
    // As wide as its names need ("    HIN South London 1" and borders).
    assert_eq!(a.areas().get(Pane::Sidebar).unwrap().width, 24);
    let cmds = a.on_key(key('S'));
    assert!(!a.sidebar_shown && a.areas().get(Pane::Sidebar).is_none());
    assert!(width(&a) > with_sidebar);
    assert!(
        matches!(cmds.as_slice(), [Cmd::Store(StoreCmd::LoadArticle { width, .. })] if *width > a.reader_width() - 30)
    );
    // Tab leaves a hidden sidebar out; h shows it while it has the focus.
    a.update(Action::NextPane);
    a.update(Action::NextPane);
    assert_eq!(a.focus, Pane::List);
    a.update(Action::PaneLeft);
    assert_eq!(a.focus, Pane::Sidebar);
    assert!(a.areas().get(Pane::Sidebar).is_some());
    // Shown from there, it stays; hidden from there, the list has the focus.
    a.on_key(key('S'));
    assert!(a.sidebar_shown && a.focus == Pane::Sidebar);
    a.on_key(key('S'));
    assert_eq!(a.focus, Pane::List);
    assert!(!a.layout().sidebar);
}

#[test]
fn a_body_for_an_old_width_is_asked_for_again() {
    let mut a = app(120, 36, false);
    let g = list_gen(&a.start());
    let cmds = a.on_event(Event::Listed {
        generation: g,
        result: Ok(demo_rows()),
    });
    let (g, id) = article_gen(&cmds).unwrap();
    let old = a.reader_width();
    // The sidebar takes its width from the counts, narrowing the reader.
    a.on_event(Event::Counted(Box::new(demo_snapshot())));
    assert_ne!(a.reader_width(), old);
    let cmds = a.on_event(Event::ArticleLoaded(Box::new(body_for(g, id, old))));
    let w = a.reader_width();
    assert!(
        matches!(cmds.as_slice(), [Cmd::Store(StoreCmd::LoadArticle { width, .. })] if *width == w)
    );
}
