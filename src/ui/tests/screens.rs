//! Snapshots of the main screens at two sizes, and feed text that tries
//! to escape the terminal.

use super::*;

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
    let b = |k: &str, a: &str| crate::ui::keymap::parse_binding(k, a).unwrap();
    let mut a = loaded(120, 60, false, rows());
    a.keymap = Keymap::new(&[b("x", "quit"), b("ctrl-r", "refresh_all"), b("R", "none")]);
    a.update(Action::Help);
    let s = screen(&a);
    assert!(s.contains("x Ctrl-c"), "{s}");
    assert!(s.contains("Ctrl-r") && !s.contains("R     "), "{s}");
}

#[test]
fn snapshot_list_with_a_story() {
    both_sizes("list_story", |w, h| loaded(w, h, false, story_rows()));
}

#[test]
fn snapshot_reader_with_a_story() {
    both_sizes("reader_story", |w, h| reading(w, h, story_rows()));
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
    let worker = crate::ui::worker::spawn(crate::ui::worker::Worker {
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
