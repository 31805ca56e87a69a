//! Interface tests: update logic on fixture data, and snapshots of the
//! main screens (fixed clock and sizes) rendered with `TestBackend`.

mod spoken;

use super::action::Action;
use super::app::{App, Cmd, Mode, Options, Pane, FIRST_LIMIT};
use super::event::{Event, LoadedArticle, SavedView, Snapshot, StoreCmd};
use super::keymap::Keymap;
use super::layout::Arrangement;
use super::theme::Theme;
use super::views;
use crate::model::{ArticleId, ArticleSummary, FeedId, FeedInfo};
use crate::render::Zone;
use crate::runner::Command as RunCmd;
use crate::store::{Counts, SearchError, ViewFilter};
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2023, 5, 26, 15, 30, 0).unwrap()
}

fn options(offline: bool) -> Options {
    Options {
        offline,
        refresh_on_start: true,
        refresh_minutes: 30,
        config_path: "/home/ann/.config/tidings/config.toml".into(),
        screen_reader: false,
    }
}

fn article(id: i64, feed: (i64, &str), title: &str, hours_ago: i64) -> ArticleSummary {
    let t = now() - chrono::Duration::hours(hours_ago);
    ArticleSummary {
        id: ArticleId(id),
        feed_id: FeedId(feed.0),
        feed: feed.1.into(),
        title: title.into(),
        link: Some(format!("https://news.test/{id}")),
        author: None,
        published: Some(t),
        sort_time: t,
        read: false,
        starred: false,
        also_in: Vec::new(),
    }
}

const HIN: (i64, &str) = (1, "HIN South London");
const NHS: (i64, &str) = (2, "NHS England");
const DHSC: (i64, &str) = (3, "DHSC");

fn rows() -> Vec<ArticleSummary> {
    let mut rows = vec![
        article(6, HIN, "Relicensing of AHSNs confirmed", 2),
        article(5, NHS, "New diagnostic centres open in three regions", 26),
        article(4, DHSC, "Health innovation funding: 日本語 summary 📰", 50),
        article(3, NHS, "AI triage pilot extended to 20 trusts", 80),
        article(
            2,
            HIN,
            "Patient safety collaborative annual report",
            24 * 30,
        ),
        article(1, DHSC, "Winter planning guidance published", 24 * 400),
    ];
    rows[1].starred = true;
    rows[3].read = true;
    rows[4].read = true;
    rows[5].read = true;
    rows
}

fn feed(id: i64, name: &str, tags: &[&str], unread: u64, error: Option<&str>) -> FeedInfo {
    FeedInfo {
        id: FeedId(id),
        name: name.into(),
        url: format!("https://{id}.test/feed"),
        title: None,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        total: 10,
        unread,
        last_attempt: Some(now() - chrono::Duration::minutes(3)),
        last_success: error
            .is_none()
            .then(|| now() - chrono::Duration::minutes(3)),
        http_status: error.map(|_| 503),
        last_error: error.map(str::to_string),
        remote: false,
        list: None,
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        sync: None,
        counts: Counts {
            all: 6,
            unread: 3,
            starred: 1,
        },
        feeds: vec![
            feed(
                3,
                "DHSC",
                &["gov", "nhs"],
                1,
                Some("HTTP 503 Service Unavailable"),
            ),
            feed(1, "HIN South London", &["hin"], 1, None),
            feed(2, "NHS England", &["nhs"], 1, None),
        ],
        views: vec![SavedView {
            name: "NHS this week".into(),
            query: "tag:nhs since:7d".into(),
            unread: 2,
        }],
    }
}

fn app(w: u16, h: u16, offline: bool) -> App {
    App::new(
        Rect::new(0, 0, w, h),
        now(),
        // UTC, so that the tests do not depend on the machine's zone.
        Zone::utc(),
        Keymap::default(),
        Theme::default(),
        options(offline),
    )
}

/// The last list request's generation, from the commands.
fn list_gen(cmds: &[Cmd]) -> u64 {
    cmds.iter()
        .rev()
        .find_map(|c| match c {
            Cmd::Store(StoreCmd::List { generation, .. }) => Some(*generation),
            _ => None,
        })
        .expect("a list request")
}

fn article_gen(cmds: &[Cmd]) -> Option<(u64, ArticleId)> {
    cmds.iter().rev().find_map(|c| match c {
        Cmd::Store(StoreCmd::LoadArticle { generation, id, .. }) => Some((*generation, *id)),
        _ => None,
    })
}

/// An app that has started and received its list and counts.
fn loaded(w: u16, h: u16, offline: bool, rows: Vec<ArticleSummary>) -> App {
    loaded_in(Arrangement::default(), w, h, offline, rows)
}

/// The same in an arrangement (side by side shows one pane at a time on
/// narrow terminals).
fn loaded_in(
    arrangement: Arrangement,
    w: u16,
    h: u16,
    offline: bool,
    rows: Vec<ArticleSummary>,
) -> App {
    let mut a = app(w, h, offline);
    a.arrangement = arrangement;
    let cmds = a.start();
    let g = list_gen(&cmds);
    a.on_event(Event::Counted(Box::new(snapshot())));
    let cmds = a.on_event(Event::Listed {
        generation: g,
        result: Ok(rows),
    });
    if let Some((g, id)) = article_gen(&cmds) {
        a.on_event(Event::ArticleLoaded(Box::new(body_for(
            g,
            id,
            a.reader_width(),
        ))));
    }
    a
}

const BODY_HTML: &str =
    "<p>Today the Government has confirmed that Academic Health Science Networks \
        (AHSNs) are being relicensed for a further five year period, as \
        <a href=\"https://www.gov.uk/news/ahsn\">announced</a> by the minister.</p>\
        <p>The networks will be known as <b>Health Innovation Networks</b>. See the \
        <a href=\"https://healthinnovationnetwork.com/\">network's site</a>.</p>";

fn body_for(generation: u64, id: ArticleId, width: u16) -> LoadedArticle {
    let body = crate::render::html_to_text(BODY_HTML, usize::from(width));
    LoadedArticle {
        generation,
        id,
        width,
        header: Vec::new(),
        links: super::worker::footnote_links(&body),
        body: body.lines().map(str::to_string).collect(),
    }
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn draw(app: &App) -> TestBackend {
    let mut t = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    t.draw(|f| views::render(app, f)).unwrap();
    t.backend().clone()
}

fn screen(app: &App) -> String {
    draw(app).to_string()
}

// ---- update logic ----

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
fn open_marks_read_and_flags_toggle() {
    let mut a = loaded(80, 24, false, rows());
    let cmds = a.update(Action::Open);
    assert_eq!(a.focus, Pane::Reader);
    assert!(cmds.iter().any(
        |c| matches!(c, Cmd::Store(StoreCmd::SetRead { ids, read: true }) if ids == &[ArticleId(6)])
    ));
    assert!(a.list.rows[0].read);
    let cmds = a.update(Action::ToggleRead);
    assert!(cmds
        .iter()
        .any(|c| matches!(c, Cmd::Store(StoreCmd::SetRead { read: false, .. }))));
    assert!(!a.list.rows[0].read);
    let cmds = a.update(Action::ToggleStar);
    assert!(cmds
        .iter()
        .any(|c| matches!(c, Cmd::Store(StoreCmd::SetStarred { starred: true, .. }))));
    assert!(a.list.rows[0].starred);
    // n opens the next article and marks it read.
    let cmds = a.update(Action::NextArticle);
    assert_eq!(a.reader.as_ref().unwrap().summary.id, ArticleId(5));
    assert!(cmds.iter().any(
        |c| matches!(c, Cmd::Store(StoreCmd::SetRead { ids, read: true }) if ids == &[ArticleId(5)])
    ));
}

#[test]
fn mark_all_read_and_undo() {
    let mut a = loaded(80, 24, false, rows());
    let cmds = a.update(Action::MarkAllRead);
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::Store(StoreCmd::MarkAllRead {
            view: ViewFilter::All,
            ..
        })]
    ));
    let ids = vec![ArticleId(6), ArticleId(5), ArticleId(4)];
    a.on_event(Event::MarkedAllRead { ids: ids.clone() });
    assert!(a.list.rows.iter().all(|r| r.read));
    let cmds = a.update(Action::Undo);
    assert!(cmds
        .iter()
        .any(|c| matches!(c, Cmd::Store(StoreCmd::SetRead { ids: i, read: false }) if *i == ids)));
    assert!(!a.list.rows[0].read);
    assert!(a.undo.is_none());
}

#[test]
fn back_and_quit() {
    let mut a = loaded(80, 24, false, rows());
    a.update(Action::Open);
    a.update(Action::Close);
    assert_eq!(a.focus, Pane::List);
    assert!(!a.quit);
    a.update(Action::Back);
    assert!(!a.quit, "Esc never quits");
    a.update(Action::Close);
    assert!(a.quit);
    let mut a = loaded(80, 24, false, rows());
    a.update(Action::Filter);
    a.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(a.quit, "Ctrl-c quits from the filter");
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
fn links_open_only_when_safe() {
    let mut r = rows();
    r[0].link = Some("javascript:alert(1)".into());
    let mut a = loaded_in(Arrangement::Columns, 80, 24, false, r);
    assert!(a.update(Action::OpenLink).is_empty());
    assert!(a.status_text().as_deref().unwrap().contains("only http"));
    a.update(Action::MoveDown);
    assert!(
        matches!(a.update(Action::OpenLink).as_slice(), [Cmd::OpenUrl(u)] if u == "https://news.test/5")
    );
    assert!(
        matches!(a.update(Action::CopyLink).as_slice(), [Cmd::Copy(u)] if u == "https://news.test/5")
    );
    // Links in the reader by number.
    let cmds = a.update(Action::Open);
    let (g, id) = article_gen(&cmds).unwrap();
    a.on_event(Event::ArticleLoaded(Box::new(body_for(
        g,
        id,
        a.reader_width(),
    ))));
    assert!(
        matches!(a.update(Action::OpenLinkN(2)).as_slice(), [Cmd::OpenUrl(u)] if u == "https://healthinnovationnetwork.com/")
    );
    assert!(a.update(Action::OpenLinkN(9)).is_empty());
}

#[test]
fn copy_link_n_takes_the_next_digit() {
    let mut a = loaded_in(Arrangement::Columns, 80, 24, false, rows());
    // Not in the reader: nothing numbered to copy, and digits stay digits.
    assert!(a.on_key(key('Y')).is_empty());
    assert_eq!(
        a.status_text().as_deref(),
        Some("no numbered links to copy")
    );
    let cmds = a.on_key(code(KeyCode::Enter));
    let (g, id) = article_gen(&cmds).unwrap();
    a.on_event(Event::ArticleLoaded(Box::new(body_for(
        g,
        id,
        a.reader_width(),
    ))));
    assert_eq!(a.focus, Pane::Reader);
    // `y` still copies the article's own link.
    assert!(matches!(a.on_key(key('y')).as_slice(), [Cmd::Copy(u)] if u == "https://news.test/6"));
    // `Y` then a digit copies that numbered link, and opens nothing.
    assert!(a.on_key(key('Y')).is_empty());
    assert_eq!(
        a.status_text().as_deref(),
        Some("copy link: press 1 to 2, any other key cancels")
    );
    assert!(
        matches!(a.on_key(key('2')).as_slice(), [Cmd::Copy(u)] if u == "https://healthinnovationnetwork.com/")
    );
    assert_eq!(a.status_text().as_deref(), Some("link [2] copied"));
    // Only once: the next digit opens, as usual.
    assert!(matches!(a.on_key(key('1')).as_slice(), [Cmd::OpenUrl(_)]));
    // A missing number, and any other key, cancel without acting.
    a.on_key(key('Y'));
    assert!(a.on_key(key('7')).is_empty());
    assert_eq!(a.status_text().as_deref(), Some("no link [7]"));
    a.on_key(key('Y'));
    assert!(a.on_key(key('q')).is_empty());
    assert_eq!(a.status_text().as_deref(), Some("copy cancelled"));
    assert!(a.reader.is_some() && !a.quit);
    a.on_key(key('Y'));
    a.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(a.quit);
}

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
    let meta = super::panes::reader::header(&summary, 80, bst)
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
fn refresh_on_start_periodic_and_offline() {
    let mut a = app(80, 24, false);
    let cmds = a.start();
    assert!(cmds
        .iter()
        .any(|c| matches!(c, Cmd::Run(RunCmd::Refresh { feeds: None, .. }))));
    assert!(a.on_tick(now() + chrono::Duration::minutes(29)).is_empty());
    let cmds = a.on_tick(now() + chrono::Duration::minutes(31));
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::Run(RunCmd::Refresh {
            feeds: None,
            force: false,
            ..
        })]
    ));
    let mut a = app(80, 24, true);
    assert!(!a
        .start()
        .iter()
        .any(|c| matches!(c, Cmd::Run(RunCmd::Refresh { .. }))));
    assert!(a.update(Action::RefreshAll).is_empty());
    assert!(a.on_tick(now() + chrono::Duration::days(1)).is_empty());
}

#[test]
fn refresh_selected_feed() {
    let mut a = loaded(120, 40, false, rows());
    let cmds = a.update(Action::Refresh);
    assert!(
        matches!(cmds.as_slice(), [Cmd::Run(RunCmd::Refresh { feeds: Some(f), force: true, .. })] if f == &[FeedId(1)])
    );
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
    let bind = super::keymap::parse_binding("f2", "cycle_layout").unwrap();
    a.keymap = Keymap::new(&[bind]);
    a.on_key(code(KeyCode::F(2)));
    assert_eq!(a.arrangement, Arrangement::Columns);
}

#[test]
fn full_text_is_read_on_demand_and_shown() {
    let mut a = loaded(80, 24, false, rows());
    a.update(Action::Open);
    let cmds = a.on_key(key('F'));
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::Run(RunCmd::ReadFullText { id: ArticleId(6) })]
    ));
    assert!(a.status_text().as_deref().unwrap().contains("reading"));
    // Read: the open article is loaded again, with its new body.
    let cmds = a.on_event(Event::FullTextRead {
        id: ArticleId(6),
        result: Ok(()),
    });
    assert!(matches!(article_gen(&cmds), Some((_, ArticleId(6)))));
    assert_eq!(a.status_text().as_deref(), Some("whole article read"));
    // Another article's page, or a failure: only a message.
    assert!(a
        .on_event(Event::FullTextRead {
            id: ArticleId(2),
            result: Ok(()),
        })
        .is_empty());
    a.on_event(Event::FullTextRead {
        id: ArticleId(6),
        result: Err("offline: the article's page cannot be read".into()),
    });
    assert!(a.status_text().as_deref().unwrap().contains("offline"));
}

#[test]
fn bulletin_key_writes_the_view_and_says_where() {
    let mut a = loaded(80, 24, false, rows());
    let cmds = a.on_key(key('b'));
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::Store(StoreCmd::WriteBulletin { title, view: ViewFilter::All, query })]
            if title == "All" && query.is_empty()
    ));
    a.on_event(Event::BulletinWritten(Ok((
        std::path::PathBuf::from("/tmp/bulletin-all-2024-05-26.html"),
        12,
    ))));
    assert_eq!(
        a.status_text().as_deref(),
        Some("bulletin of 12 written to /tmp/bulletin-all-2024-05-26.html")
    );
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

// ---- snapshots ----

fn both_sizes(name: &str, build: impl Fn(u16, u16) -> App) {
    for (w, h) in [(80, 24), (120, 40)] {
        let app = build(w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(&app));
    }
}

/// Titles as the demo's feeds and the scraping fixtures have them, with
/// their feeds and ages in hours.
fn demo_rows() -> Vec<ArticleSummary> {
    const HINSL: (i64, &str) = (1, "HIN South London");
    const NHSA: (i64, &str) = (2, "NHS announcements");
    const DIG: (i64, &str) = (3, "Digital health notes");
    const NENC: (i64, &str) = (4, "Health Innovation NENC");
    let titles: [((i64, &str), &str, i64); 14] = [
        (HINSL, "Relicensing of AHSNs confirmed", 1),
        (
            NENC,
            "Remote monitoring helps people with heart failure stay at home in North Cumbria",
            3,
        ),
        (
            NHSA,
            "Health innovation networks relicensed for five years",
            5,
        ),
        (
            DIG,
            "Accelerator opens applications for digital health start-ups",
            20,
        ),
        (
            NENC,
            "Regional patient safety improvement programme marks its first year",
            30,
        ),
        (
            HINSL,
            "Government response to the consultation on medical device regulation",
            50,
        ),
        (
            NENC,
            "AI tool to speed up stroke diagnosis rolled out across the region",
            70,
        ),
        (
            DIG,
            "Open data: waiting times by trust, updated monthly",
            100,
        ),
        (
            HINSL,
            "Menopause support in the workplace: new toolkit for NHS employers",
            150,
        ),
        (NHSA, "Pharmacies to check blood pressure for over-40s", 300),
        (
            HINSL,
            "New funding to speed up adoption of innovative medical technology",
            600,
        ),
        (DIG, "Café-style drop-in sessions for digital skills", 2000),
        (
            NENC,
            "Asthma biologics toolkit helps patients access treatment sooner",
            4000,
        ),
        (NHSA, "Virtual wards reach 10,000 beds", 9000),
    ];
    let n = titles.len();
    titles
        .into_iter()
        .enumerate()
        .map(|(i, (f, t, h))| {
            let mut a = article(i64::try_from(n - i).unwrap(), f, t, h);
            a.read = i % 3 == 2;
            a.starred = i == 1;
            a
        })
        .collect()
}

fn demo_snapshot() -> Snapshot {
    Snapshot {
        sync: None,
        counts: Counts {
            all: 14,
            unread: 10,
            starred: 1,
        },
        feeds: vec![
            feed(3, "Digital health notes", &["digital"], 2, None),
            feed(4, "Health Innovation NENC", &["hin"], 3, None),
            feed(1, "HIN South London", &["hin"], 3, None),
            feed(2, "NHS announcements", &["nhs"], 2, None),
        ],
        views: vec![SavedView {
            name: "Innovation, unread".into(),
            query: "innovation is:unread".into(),
            unread: 4,
        }],
    }
}

fn demo_app(arrangement: Arrangement, w: u16, h: u16) -> App {
    let mut a = loaded_in(arrangement, w, h, false, demo_rows());
    let cmds = a.on_event(Event::Counted(Box::new(demo_snapshot())));
    if let Some((g, id)) = article_gen(&cmds) {
        a.on_event(Event::ArticleLoaded(Box::new(body_for(
            g,
            id,
            a.reader_width(),
        ))));
    }
    a
}

#[test]
fn snapshot_layouts() {
    for arrangement in Arrangement::ALL {
        for (w, h) in [(80, 24), (120, 36), (160, 45)] {
            let a = demo_app(arrangement, w, h);
            let name = format!("layout_{}_{w}x{h}", arrangement.name());
            insta::assert_snapshot!(name, screen(&a));
        }
    }
    // List only: Enter gives the reader the whole screen.
    let mut a = demo_app(Arrangement::ListOnly, 120, 36);
    let cmds = a.update(Action::Open);
    let (g, id) = article_gen(&cmds).unwrap();
    a.on_event(Event::ArticleLoaded(Box::new(body_for(
        g,
        id,
        a.reader_width(),
    ))));
    insta::assert_snapshot!("layout_list_reading_120x36", screen(&a));
}

/// The default layout at 120 columns shows every title whole.
#[test]
fn default_layout_shows_whole_titles_at_120() {
    let a = demo_app(Arrangement::default(), 120, 36);
    let s = screen(&a);
    for r in demo_rows().iter().take(a.list_height()) {
        assert!(s.contains(&r.title), "{} cut:\n{s}", r.title);
    }
}

#[test]
fn snapshot_list() {
    both_sizes("list", |w, h| loaded(w, h, false, rows()));
}

/// An app of `rows` with the first article open and its body loaded.
fn reading(w: u16, h: u16, rows: Vec<ArticleSummary>) -> App {
    let mut a = loaded(w, h, false, rows);
    let cmds = a.update(Action::Open);
    if let Some((g, id)) = article_gen(&cmds) {
        a.on_event(Event::ArticleLoaded(Box::new(body_for(
            g,
            id,
            a.reader_width(),
        ))));
    }
    a
}

#[test]
fn snapshot_reader() {
    both_sizes("reader", |w, h| reading(w, h, rows()));
}

#[test]
fn snapshot_filter_with_error() {
    both_sizes("filter_error", |w, h| {
        let mut a = loaded(w, h, false, rows());
        a.update(Action::Filter);
        let mut g = 0;
        for c in "nhs \"diag".chars() {
            g = list_gen(&a.on_key(key(c)));
        }
        a.on_event(Event::Listed {
            generation: g,
            result: Err(SearchError {
                message: "unclosed quote: add a closing \"".into(),
                span: 4..9,
            }),
        });
        a
    });
}

#[test]
fn snapshot_help() {
    both_sizes("help", |w, h| {
        let mut a = loaded(w, h, false, rows());
        a.update(Action::Help);
        a
    });
}

#[test]
fn snapshot_empty_cache() {
    both_sizes("empty", |w, h| {
        let mut a = app(w, h, false);
        let g = list_gen(&a.start());
        a.on_event(Event::Counted(Box::default()));
        a.on_event(Event::RefreshFinished);
        a.on_event(Event::Listed {
            generation: g,
            result: Ok(Vec::new()),
        });
        a
    });
}

#[test]
fn snapshot_offline() {
    both_sizes("offline", |w, h| {
        let mut a = loaded(w, h, true, rows());
        a.now = now() + chrono::Duration::hours(3);
        a
    });
}

#[test]
fn snapshot_refreshing_and_errors() {
    both_sizes("errors", |w, h| {
        let mut a = loaded(w, h, false, rows());
        a.on_event(Event::RefreshStarted { total: 3 });
        a.on_event(Event::FeedStored {
            feed: FeedId(3),
            new: 0,
            failed: true,
        });
        a.update(Action::ShowErrors);
        a
    });
}

#[test]
fn keymap_overrides_show_in_help() {
    let b = |k: &str, a: &str| super::keymap::parse_binding(k, a).unwrap();
    let mut a = loaded(120, 60, false, rows());
    a.keymap = Keymap::new(&[b("x", "quit"), b("ctrl-r", "refresh_all"), b("R", "none")]);
    a.update(Action::Help);
    let s = screen(&a);
    assert!(s.contains("x Ctrl-c"), "{s}");
    assert!(s.contains("Ctrl-r") && !s.contains("R     "), "{s}");
}

// ---- untrusted text ----

/// Runs a store worker on an in-memory cache holding a hostile feed, and
/// draws what it sends.
#[test]
fn escape_sequences_in_feed_text_render_as_harmless_text() {
    use crate::config::Config;
    use crate::model::{FetchOutcome, FetchReport, ParsedArticle, ParsedFeed};
    let config = Config::parse(
        std::path::Path::new("t.toml"),
        "[[feed]]\nname = \"Evil\"\nurl = \"http://evil.test/\"\n",
    )
    .unwrap();
    let mut store = crate::store::Store::open_in_memory().unwrap();
    let ids = store.sync_feeds(&config.feeds).unwrap();
    let feed = ParsedFeed {
        title: Some("\x1b]0;pwned\x07Feed".into()),
        articles: vec![ParsedArticle {
            guid: "1".into(),
            title: "Title \x1b]0;pwned\x07with \x1b[2Jescapes\x1b[31m".into(),
            author: Some("\x1b[5mAnn".into()),
            link: Some("https://evil.test/\x1b[2J".into()),
            content: Some("<p>Body \x1b]52;c;ZXZpbA==\x07text \u{9b}31m</p>".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    store
        .record(&FetchReport::fetched(ids[0], feed, now()))
        .unwrap();
    store
        .record(&FetchReport {
            feed_id: ids[0],
            attempted_at: now(),
            outcome: FetchOutcome::Failed {
                status: None,
                error: "bad \x1b[2J\x1b]0;pwned\x07error".into(),
            },
            next_fetch_after: None,
            max_articles: 0,
            max_age_cutoff: None,
        })
        .unwrap();
    let (cmd_tx, cmd_rx) = tokio::sync::mpsc::channel(8);
    let (ev_tx, mut ev_rx) = tokio::sync::mpsc::channel(8);
    let worker = super::worker::spawn(super::worker::Worker {
        store,
        config,
        cmds: cmd_rx,
        events: ev_tx,
        zone: Zone::utc(),
        newest_list: Default::default(),
        lists_seen: None,
    })
    .unwrap();
    let mut a = app(120, 40, true);
    let mut pending: Vec<StoreCmd> = a
        .start()
        .into_iter()
        .filter_map(|c| match c {
            Cmd::Store(s) => Some(s),
            _ => None,
        })
        .collect();
    // Answer until the reader has its article.
    for _ in 0..10 {
        for c in pending.drain(..) {
            cmd_tx.blocking_send(c).unwrap();
        }
        let ev = ev_rx.blocking_recv().unwrap();
        for c in a.on_event(ev) {
            if let Cmd::Store(s) = c {
                pending.push(s);
            }
        }
        if a.reader.as_ref().is_some_and(|r| r.article.is_some()) && a.counted && pending.is_empty()
        {
            break;
        }
    }
    cmd_tx.blocking_send(StoreCmd::Shutdown).unwrap();
    worker.join().unwrap();
    let check = |a: &App| {
        let backend = draw(a);
        for cell in backend.buffer().content() {
            assert!(
                !cell.symbol().chars().any(|c| c.is_control()),
                "control character in {:?}",
                cell.symbol()
            );
        }
        backend.to_string()
    };
    let s = check(&a);
    assert!(s.contains("Title with escapes"), "{s}");
    // html2text drops the ESC itself; what is left is plain text.
    assert!(s.contains("Body ]52;c;ZXZpbA==text 31m"), "{s}");
    assert!(s.contains("Ann") && !s.contains("pwned"), "{s}");
    a.update(Action::ShowErrors);
    let s = check(&a);
    assert!(s.contains("bad error"), "{s}");
}

#[test]
fn alerts_flash_badge_and_notify() {
    let mut a = loaded(100, 30, false, rows());
    a.on_event(Event::Counted(Box::new(snapshot())));
    let alert = |title: &str| crate::store::NewMatch {
        id: ArticleId(9),
        view: "NHS this week".into(),
        feed: "NHS England".into(),
        title: title.into(),
        link: None,
    };
    let cmds = a.on_event(Event::Alerted(vec![alert("Beds open")]));
    assert!(cmds.is_empty(), "no terminal notification unless enabled");
    assert_eq!(
        a.status_text().as_deref(),
        Some("new in NHS this week: Beds open")
    );
    let label = |a: &App| {
        a.sidebar
            .items
            .iter()
            .find(|i| matches!(&i.view, Some(ViewFilter::Saved { .. })))
            .map(|i| i.label.clone())
            .unwrap()
    };
    assert_eq!(label(&a), "NHS this week +1");
    a.notify_terminal = true;
    let cmds = a.on_event(Event::Alerted(vec![alert("More beds")]));
    assert_eq!(label(&a), "NHS this week +2");
    assert!(matches!(&cmds[..], [Cmd::Notify(s)] if s.contains("More beds")));
}

/// `rows()` with the newest article leading a story with two copies.
fn story_rows() -> Vec<ArticleSummary> {
    let mut rows = rows();
    rows[0].also_in = vec![
        article(7, DHSC, "AHSNs relicensed for five years", 3),
        article(8, NHS, "Academic Health Science Networks relicensed", 4),
    ];
    rows
}

#[test]
fn snapshot_list_with_a_story() {
    both_sizes("list_story", |w, h| loaded(w, h, false, story_rows()));
}

#[test]
fn snapshot_reader_with_a_story() {
    both_sizes("reader_story", |w, h| reading(w, h, story_rows()));
}

#[test]
fn the_copy_key_cycles_through_a_storys_copies() {
    let mut a = loaded(80, 24, false, story_rows());
    a.update(Action::Open);
    let copies = |a: &App| {
        a.reader
            .as_ref()
            .unwrap()
            .head(80, Zone::utc(), "a")
            .into_iter()
            .filter(|(k, _)| *k == super::panes::reader::HeaderKind::Copy)
            .map(|(_, l)| l)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        copies(&a),
        [
            "Also in: [a] DHSC — AHSNs relicensed for five years",
            "         NHS England — Academic Health Science Networks relicensed",
        ]
    );
    let cmds = a.on_key(key('a'));
    assert_eq!(article_gen(&cmds).map(|(_, id)| id), Some(ArticleId(7)));
    let r = a.reader.as_ref().unwrap();
    assert_eq!(
        (r.summary.id, r.summary.feed.as_str()),
        (ArticleId(7), "DHSC")
    );
    // Copies share the lead's read state (opening marked it read).
    assert!(r.summary.read);
    assert_eq!(
        copies(&a),
        [
            "Also in: [a] NHS England — Academic Health Science Networks relicensed",
            "         HIN South London — Relicensing of AHSNs confirmed",
        ]
    );
    a.on_key(key('a'));
    let cmds = a.on_key(key('a'));
    assert_eq!(article_gen(&cmds).map(|(_, id)| id), Some(ArticleId(6)));
    // An article alone has no copies to show.
    a.update(Action::NextArticle);
    assert!(a.on_key(key('a')).is_empty());
    assert_eq!(
        a.status_text().as_deref(),
        Some("no other copies of this story")
    );
}

#[test]
fn status_bar_shows_the_last_sync_and_waiting_changes() {
    let mut a = loaded(120, 30, false, rows());
    let mut s = snapshot();
    s.sync = Some(super::event::SyncStatus {
        last: Some(now() - chrono::Duration::minutes(2)),
        waiting: 3,
        failed: false,
    });
    a.on_event(Event::Counted(Box::new(s.clone())));
    let text = screen(&a);
    assert!(
        text.contains("synced 2 min ago · 3 changes waiting"),
        "{text}"
    );
    s.sync = Some(super::event::SyncStatus {
        last: None,
        waiting: 1,
        failed: true,
    });
    a.on_event(Event::Counted(Box::new(s)));
    let text = screen(&a);
    assert!(text.contains("sync failed · 1 change waiting"), "{text}");
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
