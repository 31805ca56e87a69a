//! The screen-reader mode: rows in words, no decoration, the cursor on
//! the line to read next, and announcements that do not flood.

use super::*;
use crate::ui::words::is_decoration;
use ratatui::layout::Position;

/// The demo's rows, the relicensing announcement a story of two copies.
fn story_rows() -> Vec<ArticleSummary> {
    let mut rows = demo_rows();
    let copy = ArticleSummary {
        feed: "NHS announcements".into(),
        ..rows[2].clone()
    };
    rows[0].also_in = vec![copy];
    rows
}

fn spoken_body_for(generation: u64, id: ArticleId, width: u16) -> LoadedArticle {
    let (body, links) = crate::render::spoken_body(BODY_HTML, usize::from(width));
    LoadedArticle {
        generation,
        id,
        width,
        header: Vec::new(),
        body,
        links,
    }
}

/// Loads the article the commands ask for, worded for the ear.
fn load(a: &mut App, cmds: &[Cmd]) {
    if let Some((g, id)) = article_gen(cmds) {
        let w = a.reader_width();
        a.on_event(Event::ArticleLoaded(Box::new(spoken_body_for(g, id, w))));
    }
}

/// A started screen-reader app with the demo's rows and counts.
fn sr_app(w: u16, h: u16) -> App {
    let mut a = app(w, h, false);
    a.options.screen_reader = true;
    let cmds = a.start();
    let g = list_gen(&cmds);
    a.on_event(Event::Counted(Box::new(demo_snapshot())));
    a.on_event(Event::Listed {
        generation: g,
        result: Ok(story_rows()),
    });
    a
}

/// The screen, where the cursor is and the text of its line from there.
fn look(a: &App) -> (String, Position, String) {
    let mut t = Terminal::new(TestBackend::new(a.size.width, a.size.height)).unwrap();
    t.draw(|f| views::render(a, f)).unwrap();
    let p = t.get_cursor_position().unwrap();
    let buf = t.backend().buffer().clone();
    let row = |y: u16, from: u16| -> String {
        let s: String = (from..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        s.trim_end().to_string()
    };
    let screen: Vec<String> = (0..buf.area.height).map(|y| row(y, 0)).collect();
    (screen.join("\n"), p, row(p.y, p.x))
}

fn press(a: &mut App, k: KeyEvent) {
    let cmds = a.on_key(k);
    load(a, &cmds);
}

fn no_decoration(s: &str) {
    let bad: Vec<char> = s.chars().filter(|c| is_decoration(*c)).collect();
    assert!(bad.is_empty(), "{bad:?} in:\n{s}");
}

#[test]
fn rows_read_as_sentences() {
    let mut a = sr_app(200, 60);
    let (s, p, line) = look(&a);
    assert!(s.starts_with("Articles: All, 14, 10 unread"), "{s}");
    assert_eq!(p, Position::new(0, 1));
    assert_eq!(
        line,
        "unread, today 14:30, HIN South London: Relicensing of AHSNs confirmed, \
         also in NHS announcements"
    );
    assert!(
        s.contains("unread, starred, today 12:30, Health Innovation NENC: Remote monitoring helps"),
        "{s}"
    );
    assert!(
        s.contains("\n4 March, Digital health notes: Café-style drop-in sessions"),
        "{s}"
    );
    assert!(s.contains("Virtual wards reach 10,000 beds"), "{s}");
    // Feeds and views in words, a failing feed with its reason.
    a.on_event(Event::Counted(Box::new(snapshot())));
    a.update(Action::NextPane);
    let (s, p, line) = look(&a);
    assert!(s.starts_with("Views and feeds: 3 feeds, 1 failing"), "{s}");
    assert_eq!(
        (p, line.as_str()),
        (Position::new(0, 1), "All, 6 articles, 3 unread, shown")
    );
    for want in [
        "Unread, 3 articles",
        "Starred, 1 article",
        "Saved views:",
        "View NHS this week, 2 unread",
        "Tag nhs, 2 unread, a feed failing",
        "DHSC, 1 unread, failing: HTTP 503 Service Unavailable",
        "HIN South London, 1 unread",
    ] {
        assert!(s.contains(want), "{want}:\n{s}");
    }
}

#[test]
fn the_cursor_is_where_the_attention_is() {
    let mut a = sr_app(80, 24);
    // Move: the cursor at the start of the selected row.
    press(&mut a, key('j'));
    let (_, p, line) = look(&a);
    assert_eq!(p, Position::new(0, 3), "the first row takes two lines");
    assert!(
        line.starts_with("unread, starred, today 12:30, Health Innovation NENC"),
        "{line}"
    );
    press(&mut a, key('k'));
    assert_eq!(look(&a).1, Position::new(0, 1));

    // Open: the first line of the article, below the pane's name.
    press(&mut a, code(KeyCode::Enter));
    let (s, p, line) = look(&a);
    assert!(
        s.starts_with("Reader: 1 of 14, copy 1 of 2 in All, q goes back"),
        "{s}"
    );
    assert_eq!(
        (p, line.as_str()),
        (Position::new(0, 1), "Relicensing of AHSNs confirmed")
    );
    // Scroll: the cursor stays on the first visible line, which follows.
    press(&mut a, key('j'));
    let (_, p, line) = look(&a);
    assert_eq!(p, Position::new(0, 1));
    assert!(line.starts_with("From HIN South London, "), "{line}");
    press(&mut a, key('j'));
    assert!(look(&a).2.starts_with("Page: news.test"), "{}", look(&a).2);
    press(&mut a, key('j'));
    assert_eq!(
        look(&a).2,
        "Also in NHS announcements: Health innovation networks relicensed for five years."
    );
    press(&mut a, key('G'));
    let (s, _, line) = look(&a);
    assert_eq!(
        line, "link 2: network's site, healthinnovationnetwork.com",
        "{s}"
    );
    press(&mut a, key('g'));
    assert_eq!(look(&a).2, "Relicensing of AHSNs confirmed");
    // The next copy: its title under the cursor.
    press(&mut a, key('a'));
    let (_, p, line) = look(&a);
    assert_eq!(
        (p, line.as_str()),
        (
            Position::new(0, 1),
            "Health innovation networks relicensed for five years"
        )
    );
    assert!(look(&a)
        .0
        .lines()
        .next()
        .unwrap()
        .contains(", copy 2 of 2 in All, q goes back"));
    press(&mut a, key('a'));
    assert_eq!(look(&a).2, "Relicensing of AHSNs confirmed");
    // Back, then Tab through the panes.
    press(&mut a, key('q'));
    assert_eq!(look(&a).1, Position::new(0, 1));
    press(&mut a, code(KeyCode::Tab));
    let (s, p, _) = look(&a);
    assert!(s.starts_with("Reader: 1 of 14"), "{s}");
    assert_eq!(p, Position::new(0, 1));
    press(&mut a, code(KeyCode::Tab));
    let (s, p, line) = look(&a);
    assert!(s.starts_with("Views and feeds"), "{s}");
    assert_eq!(
        (p, line.as_str()),
        (Position::new(0, 1), "All, 14 articles, 10 unread, shown")
    );
    press(&mut a, key('j'));
    assert_eq!(look(&a).2, "Unread, 10 articles");
    press(&mut a, code(KeyCode::Tab));
    assert!(look(&a).0.starts_with("Articles: "));

    // Filter: the insertion point, after each key.
    press(&mut a, key('/'));
    let (_, p, line) = look(&a);
    assert_eq!((p, line.as_str()), (Position::new(8, 23), ""));
    for (i, c) in "tag:nhs".chars().enumerate() {
        press(&mut a, key(c));
        assert_eq!(look(&a).1, Position::new(9 + u16::try_from(i).unwrap(), 23));
    }
    press(&mut a, code(KeyCode::Backspace));
    assert_eq!(look(&a).1, Position::new(14, 23));
    press(&mut a, code(KeyCode::Enter));
    assert_eq!(look(&a).1, Position::new(0, 1));

    // An alert: the cursor on the message until the next key.
    let alert = crate::store::NewMatch {
        id: ArticleId(99),
        view: "NHS this week".into(),
        title: "Beds open".into(),
        feed: "NHS England".into(),
        link: None,
    };
    a.on_event(Event::Alerted(vec![alert]));
    let (_, p, line) = look(&a);
    assert_eq!(
        (p, line.as_str()),
        (Position::new(0, 23), "new in NHS this week: Beds open")
    );
    press(&mut a, key('j'));
    assert_eq!(look(&a).1.y, 3);

    // A refresh: announced at the start and at the end.
    press(&mut a, key('R'));
    a.on_event(Event::RefreshStarted { total: 4 });
    let (_, p, line) = look(&a);
    assert_eq!(
        (p, line.as_str()),
        (Position::new(0, 23), "Refreshing 4 feeds.")
    );
    press(&mut a, key('k'));
    assert_eq!(look(&a).1, Position::new(0, 1));
    for _ in 0..4 {
        a.on_event(Event::FeedStored {
            feed: FeedId(1),
            new: 0,
            failed: false,
        });
        assert_eq!(look(&a).1, Position::new(0, 1), "no message per feed");
    }
    a.on_event(Event::RefreshFinished);
    let (_, p, line) = look(&a);
    assert_eq!(
        (p, line.as_str()),
        (
            Position::new(0, 23),
            "Refresh done: 4 feeds, 0 new articles."
        )
    );

    // An alert during a refresh is announced with its end, once.
    press(&mut a, key('R'));
    a.on_event(Event::RefreshStarted { total: 1 });
    let alert = crate::store::NewMatch {
        id: ArticleId(98),
        view: "NHS this week".into(),
        title: "Wards open".into(),
        feed: "NHS England".into(),
        link: None,
    };
    a.on_event(Event::Alerted(vec![alert]));
    assert_eq!(look(&a).2, "Refreshing 1 feed.");
    a.on_event(Event::RefreshFinished);
    let (s, p, _) = look(&a);
    assert_eq!(p, Position::new(0, 23), "{s}");
    assert!(
        s.ends_with(
            "\nRefresh done: 0 feeds, 0 new articles. Alert: new in NHS this week: Wards open"
        ),
        "{s}"
    );
    assert!(a.messages.held_alerts.is_empty());

    // The message log lists them, newest first.
    press(&mut a, key('M'));
    let (s, p, line) = look(&a);
    assert!(
        s.starts_with("Messages, newest first. Escape closes."),
        "{s}"
    );
    assert_eq!(
        (p, line.as_str()),
        (
            Position::new(0, 1),
            "15:30 Refresh done: 0 feeds, 0 new articles. Alert: new in NHS this week: Wards"
        )
    );
    assert!(
        s.contains("15:30 Refresh done: 4 feeds, 0 new articles."),
        "{s}"
    );
    assert!(s.contains("15:30 new in NHS this week: Beds open"), "{s}");
    press(&mut a, code(KeyCode::Esc));
    assert_eq!(look(&a).1, Position::new(0, 1));
}

#[test]
fn a_prompt_has_the_cursor_after_it() {
    let mut a = sr_app(80, 24);
    press(&mut a, code(KeyCode::Enter));
    press(&mut a, key('Y'));
    let (s, p, _) = look(&a);
    let line = s.lines().last().unwrap();
    assert_eq!(line, "copy link: press 1 to 2, any other key cancels");
    assert_eq!(p, Position::new(u16::try_from(line.len()).unwrap(), 23));
    press(&mut a, key('2'));
    assert_eq!(look(&a).2, "link [2] copied");
}

#[test]
fn no_decoration_in_any_screen() {
    for (w, h) in [(40, 10), (80, 24), (200, 60), (250, 80)] {
        let mut a = sr_app(w, h);
        a.on_event(Event::Counted(Box::new(snapshot())));
        let mut screens = vec![look(&a).0];
        press(&mut a, code(KeyCode::Enter));
        screens.push(look(&a).0);
        for action in [Action::NextPane, Action::NextPane] {
            a.update(action);
            screens.push(look(&a).0);
        }
        for overlay in [Action::Help, Action::ShowErrors, Action::MessageLog] {
            a.update(overlay);
            screens.push(look(&a).0);
            a.update(Action::Back);
        }
        a.update(Action::Back);
        press(&mut a, key('/'));
        press(&mut a, key('('));
        let g = list_gen(&a.on_key(key('x')));
        a.on_event(Event::Listed {
            generation: g,
            result: Err(SearchError {
                message: "a ( is not closed".into(),
                span: 0..1,
            }),
        });
        screens.push(look(&a).0);
        for s in &screens {
            no_decoration(s);
        }
    }
}

#[test]
fn every_key_works_at_the_smallest_size() {
    let mut a = sr_app(40, 10);
    for (_, actions) in crate::ui::action::GROUPS {
        for action in *actions {
            if matches!(*action, Action::Quit | Action::Close) {
                continue;
            }
            let cmds = a.update(*action);
            load(&mut a, &cmds);
            let (s, p, _) = look(&a);
            no_decoration(&s);
            assert!(p.x < 40 && p.y < 10, "{action:?}: {p:?}");
            a.overlay = None;
            a.mode = Mode::Browse;
        }
    }
    assert!(!a.quit);
    a.update(Action::Quit);
    assert!(a.quit);
}

/// A refresh of 50 feeds shows at most three texts on the status line:
/// the hint, the start and the end.
#[test]
fn a_refresh_of_50_feeds_does_not_flood() {
    let mut a = sr_app(80, 24);
    let status = |a: &App| {
        let (s, _, _) = look(a);
        s.lines().last().unwrap_or_default().to_string()
    };
    let mut seen: Vec<String> = vec![status(&a)];
    let mut note = |s: String| {
        if seen.last() != Some(&s) {
            seen.push(s);
        }
    };
    a.on_event(Event::RefreshStarted { total: 50 });
    note(status(&a));
    for i in 0..50 {
        a.on_event(Event::FeedStored {
            feed: FeedId(i % 4 + 1),
            new: usize::from(i % 3 == 0),
            failed: i % 10 == 0,
        });
        a.on_event(Event::Counted(Box::new(demo_snapshot())));
        note(status(&a));
    }
    a.on_event(Event::RefreshFinished);
    note(status(&a));
    assert!(seen.len() <= 3, "{seen:#?}");
    assert_eq!(
        seen.last().map(String::as_str),
        Some("Refresh done: 50 feeds, 17 new articles, 5 failed.")
    );
}

#[test]
fn snapshots_at_three_sizes() {
    for (w, h) in [(40, 10), (80, 24), (200, 60)] {
        let mut a = sr_app(w, h);
        let (s, p, _) = look(&a);
        insta::assert_snapshot!(
            format!("spoken_list_{w}x{h}"),
            format!("{s}\ncursor {},{}", p.x, p.y)
        );
        press(&mut a, code(KeyCode::Enter));
        let (s, p, _) = look(&a);
        insta::assert_snapshot!(
            format!("spoken_reader_{w}x{h}"),
            format!("{s}\ncursor {},{}", p.x, p.y)
        );
    }
    let mut a = sr_app(80, 24);
    a.update(Action::Help);
    let (s, p, _) = look(&a);
    insta::assert_snapshot!("spoken_help_80x24", format!("{s}\ncursor {},{}", p.x, p.y));
}

/// The normal mode's help names the screen-reader mode.
#[test]
fn normal_help_names_the_mode() {
    let mut a = loaded(120, 60, false, rows());
    a.update(Action::Help);
    a.overlay_scroll = 100;
    let s = screen(&a);
    assert!(s.contains("--screen-reader"), "{s}");
}
