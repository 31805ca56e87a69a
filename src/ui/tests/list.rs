//! The article list: pages and reloads, stale answers, the filter, the
//! sidebar's views, the bottom of a big view, the mouse.

use super::*;

#[test]
fn reload_keeps_the_selected_article_and_its_row() {
    let many = |from: i64| -> Vec<ArticleSummary> {
        (1..=from)
            .rev()
            .map(|i| article(i, NHS, &format!("Article {i}"), 100 - i))
            .collect()
    };
    let mut a = loaded(80, 24, false, many(60));
    for _ in 0..30 {
        a.update(Action::MoveDown);
    }
    assert_eq!(a.list.current().unwrap().id, ArticleId(30));
    let row_before = a.list.selected - a.list.offset;
    // Two new articles arrive above while a feed finishes.
    let cmds = a.on_event(Event::FeedStored {
        feed: FeedId(1),
        new: 2,
        failed: false,
    });
    let g = list_gen(&cmds);
    a.on_event(Event::Listed {
        generation: g,
        result: Ok(many(62)),
    });
    assert_eq!(a.list.current().unwrap().id, ArticleId(30));
    assert_eq!(a.list.selected, 32);
    assert_eq!(a.list.selected - a.list.offset, row_before);
    assert_eq!(a.refresh.unwrap().done, 1);
}

#[test]
fn stale_results_are_dropped() {
    let mut a = app(80, 24, false);
    let first = list_gen(&a.start());
    a.update(Action::Filter);
    let second = list_gen(&a.on_key(key('x')));
    assert!(second > first);
    a.on_event(Event::Listed {
        generation: first,
        result: Ok(rows()),
    });
    assert!(a.list.rows.is_empty() && !a.list.loaded);
    a.on_event(Event::Listed {
        generation: second,
        result: Ok(rows()[..1].to_vec()),
    });
    assert_eq!(a.list.rows.len(), 1);
}

#[test]
fn bad_filter_keeps_the_last_good_rows() {
    let mut a = loaded(80, 24, false, rows());
    a.update(Action::Filter);
    assert_eq!(a.mode, Mode::Filter);
    let g = list_gen(&a.on_key(key('n')));
    a.on_event(Event::Listed {
        generation: g,
        result: Ok(rows()[1..2].to_vec()),
    });
    assert_eq!(a.filter.applied, "n");
    let g = list_gen(&a.on_key(key('"')));
    a.on_event(Event::Listed {
        generation: g,
        result: Err(SearchError {
            message: "unclosed quote".into(),
            span: 1..2,
        }),
    });
    assert_eq!(a.list.rows.len(), 1, "last good result stays");
    assert!(a.filter.error.is_some());
    // Enter keeps the last good filter.
    a.on_key(code(KeyCode::Enter));
    assert_eq!(
        (a.mode, a.filter.input.as_str(), a.filter.error.is_none()),
        (Mode::Browse, "n", true)
    );
    // Esc in the list clears it and reloads.
    let cmds = a.update(Action::Back);
    assert!(
        matches!(cmds.as_slice(), [Cmd::Store(StoreCmd::List { query, .. })] if query.is_empty())
    );
    assert!(a.filter.applied.is_empty());
}

#[test]
fn narrow_sidebar_selects_a_view() {
    let mut a = loaded_in(Arrangement::Columns, 80, 24, false, rows());
    a.update(Action::NextPane);
    assert_eq!(a.focus, Pane::Sidebar);
    assert!(a.areas().get(Pane::List).is_none() && a.areas().get(Pane::Sidebar).is_some());
    a.update(Action::MoveDown);
    let cmds = a.update(Action::Open);
    assert_eq!(a.focus, Pane::List);
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::Store(StoreCmd::List {
            view: ViewFilter::Unread,
            ..
        })]
    ));
}

#[test]
fn restores_view_and_article() {
    let mut a = app(80, 24, false);
    a.restore(ViewFilter::Unread, Some(ArticleId(3)));
    let cmds = a.start();
    assert!(cmds.iter().any(|c| matches!(
        c,
        Cmd::Store(StoreCmd::List {
            view: ViewFilter::Unread,
            ..
        })
    )));
    a.on_event(Event::Listed {
        generation: list_gen(&cmds),
        result: Ok(rows()),
    });
    assert_eq!(a.list.current().unwrap().id, ArticleId(3));
    assert_eq!(a.saved(), (ViewFilter::Unread, Some(ArticleId(3))));
}

/// `n` articles of a big view, from its `from`th on (newest first).
fn page_of(from: usize, n: usize, total: usize) -> Vec<ArticleSummary> {
    (from..from + n)
        .map(|i| {
            let id = i64::try_from(total - i).unwrap();
            article(id, NHS, &format!("Article {id}"), i64::try_from(i).unwrap())
        })
        .collect()
}

/// The (skip, limit) of the last list request.
fn list_page(cmds: &[Cmd]) -> (usize, usize) {
    cmds.iter()
        .rev()
        .find_map(|c| match c {
            Cmd::Store(StoreCmd::List { skip, limit, .. }) => Some((*skip, *limit)),
            _ => None,
        })
        .expect("a list request")
}

#[test]
fn bottom_goes_to_the_oldest_article_of_the_view() {
    const TOTAL: usize = 30_941;
    let mut a = app(120, 36, false);
    let cmds = a.start();
    let g = list_gen(&cmds);
    assert_eq!(list_page(&cmds), (0, FIRST_LIMIT));
    a.on_event(Event::Listed {
        generation: g,
        result: Ok(page_of(0, FIRST_LIMIT, TOTAL)),
    });
    assert!(a.list.position().ends_with("/500+"), "until counted");
    a.on_event(Event::ListCounted {
        generation: g,
        total: 30_941,
    });
    assert_eq!(a.list.position(), "1/30,941");
    assert!(screen(&a).contains("All · 30,941"));
    // G asks for the last page, and selects its last row.
    let cmds = a.on_key(key('G'));
    assert_eq!(list_page(&cmds), (TOTAL - FIRST_LIMIT, FIRST_LIMIT));
    let g = list_gen(&cmds);
    let cmds = a.on_event(Event::Listed {
        generation: g,
        result: Ok(page_of(TOTAL - FIRST_LIMIT, FIRST_LIMIT, TOTAL)),
    });
    a.on_event(Event::ListCounted {
        generation: g,
        total: 30_941,
    });
    assert_eq!(a.list.current().unwrap().id, ArticleId(1), "the oldest");
    assert_eq!(a.list.position(), "30,941/30,941");
    assert!(screen(&a).contains("30,941/30,941"));
    assert_eq!(article_gen(&cmds).map(|(_, id)| id), Some(ArticleId(1)));
    // G again has nothing more to fetch.
    let cmds = a.on_key(key('G'));
    assert!(!cmds
        .iter()
        .any(|c| matches!(c, Cmd::Store(StoreCmd::List { .. }))));
    // Going up near the start of the page fetches the rows above it,
    // keeping the selected article.
    let mut cmds = Vec::new();
    for _ in 0..FIRST_LIMIT - 20 {
        cmds.extend(a.update(Action::MoveUp));
    }
    let selected = a.list.current().unwrap().id;
    let skip = TOTAL - 2 * FIRST_LIMIT;
    assert_eq!(list_page(&cmds), (skip, 2 * FIRST_LIMIT));
    a.on_event(Event::Listed {
        generation: list_gen(&cmds),
        result: Ok(page_of(skip, 2 * FIRST_LIMIT, TOTAL)),
    });
    assert_eq!(a.list.current().unwrap().id, selected);
    assert_eq!(a.list.base, skip);
    // g goes back to the first article.
    let cmds = a.on_key(key('g'));
    assert_eq!(list_page(&cmds), (0, FIRST_LIMIT));
    a.on_event(Event::Listed {
        generation: list_gen(&cmds),
        result: Ok(page_of(0, FIRST_LIMIT, TOTAL)),
    });
    assert_eq!(a.list.position(), "1/30,941");
}

#[test]
fn bottom_without_more_rows_stays_in_the_list() {
    let mut a = loaded(120, 36, false, rows());
    a.on_event(Event::ListCounted {
        generation: 1,
        total: 6,
    });
    let cmds = a.on_key(code(KeyCode::End));
    assert!(!cmds
        .iter()
        .any(|c| matches!(c, Cmd::Store(StoreCmd::List { .. }))));
    assert_eq!(a.list.position(), "6/6");
}

#[test]
fn mouse_click_selects_and_wheel_scrolls() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut a = loaded(80, 24, false, rows());
    let m = |kind, row| MouseEvent {
        kind,
        column: 10,
        row,
        modifiers: KeyModifiers::NONE,
    };
    a.on_mouse(m(MouseEventKind::Down(MouseButton::Left), 3));
    assert_eq!(a.list.selected, 2);
    a.on_mouse(m(MouseEventKind::ScrollDown, 3));
    assert_eq!(a.list.offset, 0, "six rows fit: nothing to scroll");
}

#[test]
fn a_new_filter_reads_500_plus_until_counted() {
    let mut a = loaded(120, 36, false, rows());
    a.on_event(Event::ListCounted {
        generation: 1,
        total: 30_941,
    });
    assert_eq!(a.list.position(), "1/30,941");
    a.on_key(key('/'));
    let cmds = a.on_key(key('d'));
    let g = list_gen(&cmds);
    // The rows come first; the count follows.
    a.on_event(Event::Listed {
        generation: g,
        result: Ok(page_of(0, FIRST_LIMIT, 20_000)),
    });
    assert_eq!(a.list.position(), "1/500+");
    a.on_event(Event::ListCounted {
        generation: g,
        total: 20_000,
    });
    assert_eq!(a.list.position(), "1/20,000");
}
