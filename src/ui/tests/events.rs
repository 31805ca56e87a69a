//! What the workers report: refreshes, alerts, the sync's state.

use super::*;

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

#[test]
fn status_bar_shows_the_last_sync_and_waiting_changes() {
    let mut a = loaded(120, 30, false, rows());
    let mut s = snapshot();
    s.sync = Some(crate::ui::event::SyncStatus {
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
    s.sync = Some(crate::ui::event::SyncStatus {
        last: None,
        waiting: 1,
        failed: true,
    });
    a.on_event(Event::Counted(Box::new(s)));
    let text = screen(&a);
    assert!(text.contains("sync failed · 1 change waiting"), "{text}");
}
