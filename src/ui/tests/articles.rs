//! What keys do to an article: open, flags, mark all read and undo, links
//! and copying them, the whole text, bulletins, a story's copies.

use super::*;

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
fn the_copy_key_cycles_through_a_storys_copies() {
    let mut a = loaded(80, 24, false, story_rows());
    a.update(Action::Open);
    let copies = |a: &App| {
        a.reader
            .as_ref()
            .unwrap()
            .head(80, Zone::utc(), "a")
            .into_iter()
            .filter(|(k, _)| *k == crate::ui::panes::reader::HeaderKind::Copy)
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
