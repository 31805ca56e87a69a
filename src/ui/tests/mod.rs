//! Interface tests: update logic on fixture data, and snapshots of the
//! main screens (fixed clock and sizes) rendered with `TestBackend`. This
//! file holds the fixtures; the tests are in files by topic.

mod articles;
mod events;
mod layout;
mod list;
mod screens;
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
        origin: crate::model::Origin::Config,
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

/// `rows()` with the newest article leading a story with two copies.
fn story_rows() -> Vec<ArticleSummary> {
    let mut rows = rows();
    rows[0].also_in = vec![
        article(7, DHSC, "AHSNs relicensed for five years", 3),
        article(8, NHS, "Academic Health Science Networks relicensed", 4),
    ];
    rows
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
