//! The run loop: one task owns the terminal and waits on terminal input,
//! worker events and a one-second tick; it applies them to the `App`,
//! hands the resulting commands to the store worker without blocking, and
//! redraws when something changed.

use super::app::{App, Cmd, Options};
use super::engine;
use super::event::{Event, StoreCmd};
use super::keymap::Keymap;
use super::status::Status;
use super::theme::Theme;
use super::worker::{self, Worker};
use super::{links, state, views};
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::runner::{Command as RunCmd, Commands, Runner};
use crate::store::Store;
use crate::tui::Tui;
use chrono::Utc;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures_util::StreamExt;
use ratatui::layout::Rect;
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{self, error::TrySendError};

/// Bound of the channels to and from the store worker.
const CHANNEL: usize = 256;
/// Worker events handled before the next draw.
const EVENT_BATCH: usize = 64;

pub struct RunOptions {
    pub config: Config,
    pub store: Store,
    pub cache_path: PathBuf,
    pub offline: bool,
    /// Where the last view and selection are kept; `None` keeps nothing.
    pub state_path: Option<PathBuf>,
    /// The screen-reader mode, asked for on the command line.
    pub screen_reader: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error("the cache worker stopped")]
    WorkerGone,
}

pub fn run(opts: RunOptions) -> Result<(), UiError> {
    let RunOptions {
        config,
        store,
        cache_path,
        offline,
        state_path,
        screen_reader,
    } = opts;
    // A password_command may prompt in the terminal: it runs now, before
    // the interface takes the screen, and only if no token is cached.
    let password = match (&config.sync, offline) {
        (Some(cfg), false) => {
            crate::sync::password_before_screen(cfg, &crate::sync::TokenCache::default_location())
        }
        _ => None,
    };
    let runtime = crate::fetch::runtime(Some(2), config.settings.concurrency)?;
    let mut first_status = None;
    let fetcher = if offline {
        None
    } else {
        match Fetcher::new(&config) {
            Ok(f) => Some(Arc::new(f)),
            Err(e) => {
                first_status = Some(Status::CannotFetch(e.to_string()));
                None
            }
        }
    };
    let options = Options {
        offline: offline || fetcher.is_none(),
        refresh_on_start: config.settings.refresh_on_start,
        refresh_minutes: config.settings.refresh_minutes,
        config_path: config.path.display().to_string(),
        screen_reader: screen_reader || config.settings.screen_reader,
    };
    let keymap = Keymap::new(&config.keys);
    let theme = Theme::new(&config.theme, Theme::no_color_env());
    let (cmd_tx, cmd_rx) = mpsc::channel(CHANNEL);
    let (ev_tx, ev_rx) = mpsc::channel(CHANNEL);
    // Dates are shown in the system's zone; tests pass a fixed one.
    let zone = crate::render::Zone::Local;
    let notify_terminal = config.settings.notify_terminal;
    let newest_list = Arc::new(AtomicU64::new(0));
    // Refreshes write through a connection of their own, so the worker
    // keeps answering the interface meanwhile.
    let runner = match Store::open(&cache_path) {
        Ok(mut own) => {
            own.set_group_stories(config.settings.group_stories);
            let runner = Runner::new(own, config.clone(), fetcher, runtime.handle().clone())
                .asking(crate::sync::Asking::Before(password));
            let alerter = crate::alerts::Alerter::new(&config);
            Some(engine::spawn(runner, ev_tx.clone(), alerter)?)
        }
        Err(e) => {
            first_status = Some(Status::CannotRefresh(e.to_string()));
            None
        }
    };
    let (run_tx, runner_handle) = runner.unzip();
    let handle = worker::spawn(Worker {
        store,
        config,
        cmds: cmd_rx,
        events: ev_tx,
        zone,
        newest_list: newest_list.clone(),
        lists_seen: None,
    })?;

    let mut app = App::new(
        Rect::new(0, 0, 80, 24),
        Utc::now(),
        zone,
        keymap,
        theme,
        options,
    );
    if let Some(f) = first_status {
        app.say(f);
    }
    app.notify_terminal = notify_terminal;
    if let Some(p) = state_path.as_deref() {
        app.set_layout(state::load_layout(p));
        if let Some((view, article)) = state::load(p, &cache_path) {
            app.restore(view, article);
        }
    }
    let result = runtime.block_on(ui_loop(&mut app, cmd_tx, run_tx, ev_rx, &newest_list));
    if let Some(p) = &state_path {
        let (view, article) = app.saved();
        if let Err(e) = state::save(p, &cache_path, &view, article, app.layout()) {
            tracing::warn!("cannot save the interface state to {}: {e}", p.display());
        }
    }
    runtime.shutdown_timeout(Duration::from_millis(500));
    // The worker ends after its current command, the runner after its
    // current step (a sync is committed page by page).
    let _ = handle.join();
    if let Some(h) = runner_handle {
        let _ = h.join();
    }
    result
}

async fn ui_loop(
    app: &mut App,
    cmd_tx: mpsc::Sender<StoreCmd>,
    run_tx: Option<Commands>,
    mut ev_rx: mpsc::Receiver<Event>,
    newest_list: &AtomicU64,
) -> Result<(), UiError> {
    let mut tui = Tui::enter()?;
    let size = tui.terminal.size()?;
    let mut pending = Pending::default();
    let mut cmds = app.on_resize(size.width, size.height);
    cmds.extend(app.start());
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut dirty = true;
    let result = loop {
        perform(app, cmds, &mut pending, &mut tui);
        // The worker gives up counting a list the interface has replaced.
        let newest = pending.store.iter().filter_map(|c| match c {
            StoreCmd::List { generation, .. } => Some(*generation),
            _ => None,
        });
        if let Some(g) = newest.max() {
            newest_list.fetch_max(g, Ordering::Relaxed);
        }
        if let Err(e) = send_pending(&cmd_tx, &mut pending.store) {
            break Err(e);
        }
        send_runner(run_tx.as_ref(), &mut pending.run, app);
        if app.quit {
            break Ok(());
        }
        if dirty {
            if let Err(e) = tui.terminal.draw(|f| views::render(app, f)) {
                break Err(e.into());
            }
        }
        let retry = !pending.store.is_empty() || !pending.run.is_empty();
        tokio::select! {
            input = events.next() => {
                cmds = match input {
                    Some(Ok(ev)) => on_terminal(app, ev),
                    Some(Err(e)) => break Err(e.into()),
                    None => break Ok(()),
                };
                dirty = true;
            }
            Some(ev) = ev_rx.recv() => {
                cmds = app.on_event(ev);
                for _ in 0..EVENT_BATCH {
                    match ev_rx.try_recv() {
                        Ok(ev) => cmds.extend(app.on_event(ev)),
                        Err(_) => break,
                    }
                }
                dirty = true;
            }
            _ = tick.tick() => {
                cmds = app.on_tick(Utc::now());
                dirty = true;
            }
            _ = tokio::time::sleep(Duration::from_millis(10)), if retry => {
                cmds = Vec::new();
                dirty = false;
            }
        }
    };
    drop(tui);
    // Stop the workers: let them finish sending, then ask them to end.
    drop(ev_rx);
    let _ = tokio::time::timeout(Duration::from_secs(2), cmd_tx.send(StoreCmd::Shutdown)).await;
    if let Some(tx) = run_tx {
        tx.send(RunCmd::Shutdown, Duration::from_secs(2)).await;
    }
    result
}

fn on_terminal(app: &mut App, ev: TermEvent) -> Vec<Cmd> {
    match ev {
        TermEvent::Key(k) if k.kind != KeyEventKind::Release => app.on_key(k),
        TermEvent::Mouse(m) => app.on_mouse(m),
        TermEvent::Resize(w, h) => app.on_resize(w, h),
        _ => Vec::new(),
    }
}

/// Carries out the app's commands: store requests are queued for the
/// worker; links open in the browser or go to the clipboard.
fn perform(app: &mut App, cmds: Vec<Cmd>, pending: &mut Pending, tui: &mut Tui) {
    for cmd in cmds {
        match cmd {
            Cmd::Store(c) => pending.store.push_back(c),
            Cmd::Run(c) => pending.run.push_back(c),
            Cmd::OpenUrl(url) => {
                if let Err(e) = links::open(&url) {
                    app.say(Status::CannotOpen(e));
                }
            }
            Cmd::Notify(text) => {
                let out = tui.terminal.backend_mut();
                // A terminal without notifications ignores the sequence.
                let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
            }
            Cmd::Copy(text) => {
                let out = tui.terminal.backend_mut();
                if out
                    .write_all(links::osc52(&text).as_bytes())
                    .and_then(|_| out.flush())
                    .is_err()
                {
                    app.say(Status::CannotCopy);
                }
            }
        }
    }
}

/// Commands waiting for room in the workers' inboxes.
#[derive(Default)]
struct Pending {
    store: VecDeque<StoreCmd>,
    run: VecDeque<RunCmd>,
}

/// Sends queued runner commands without waiting; what does not fit waits
/// for the next turn of the loop.
fn send_runner(tx: Option<&Commands>, pending: &mut VecDeque<RunCmd>, app: &mut App) {
    while let Some(cmd) = pending.pop_front() {
        let Some(tx) = tx else {
            app.say(Status::NoRefresher);
            continue;
        };
        match tx.try_send(cmd) {
            Ok(()) => {}
            Err(Some(cmd)) => {
                pending.push_front(cmd);
                break;
            }
            Err(None) => {
                app.say(Status::RefresherStopped);
                pending.clear();
            }
        }
    }
}

/// Sends queued commands without waiting; what does not fit waits for the
/// next turn of the loop.
fn send_pending(
    tx: &mpsc::Sender<StoreCmd>,
    pending: &mut VecDeque<StoreCmd>,
) -> Result<(), UiError> {
    while let Some(cmd) = pending.pop_front() {
        match tx.try_send(cmd) {
            Ok(()) => {}
            Err(TrySendError::Full(cmd)) => {
                pending.push_front(cmd);
                break;
            }
            Err(TrySendError::Closed(_)) => return Err(UiError::WorkerGone),
        }
    }
    Ok(())
}
