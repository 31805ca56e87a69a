//! `tidings sync`: push local read/star changes to the feed server, pull its
//! subscriptions, new items and flags.

use super::{CliError, Context};
use crate::runner::{Command, Progress, Runner};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// Print the summary as JSON
    #[arg(long)]
    json: bool,
    /// No progress bar and no summary; errors are still reported
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(ctx: &Context, args: &SyncArgs) -> Result<ExitCode, CliError> {
    let (config, store) = ctx.open()?;
    let Some(cfg) = &config.sync else {
        return Err(CliError::Usage(format!(
            "no [sync] section in {}: add kind, url, username and password_command",
            config.path.display()
        )));
    };
    let url = cfg.url.to_string();
    let alerter = crate::alerts::Alerter::new(&config);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the runtime: {e}")))?;
    let bar = progress_bar(args.quiet || args.json);
    let mut runner = Runner::new(store, config, None, runtime.handle().clone());
    let mut result = None;
    runner.run(Command::Sync, &mut |p| match p {
        Progress::SyncItems { items, expected } => {
            if let Some(n) = expected {
                bar.set_length(n);
            }
            bar.set_position(items);
        }
        Progress::Synced(r) => result = Some(r),
        _ => {}
    });
    bar.finish_and_clear();
    let store = runner.into_store();
    let report = match result {
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            let waiting = store.outbox_len().unwrap_or(0);
            let note = match waiting {
                0 => String::new(),
                1 => "; 1 change waits for the next sync".into(),
                n => format!("; {n} changes wait for the next sync"),
            };
            return Err(CliError::Failed(format!("{e}{note}")));
        }
        None => return Err(CliError::Failed("the sync did not run".into())),
    };
    for line in alerter.run_commands(&report.alerts) {
        eprintln!("warning: {line}");
    }
    if args.json {
        let mut value = serde_json::to_value(&report)
            .map_err(|e| CliError::Failed(format!("cannot write JSON: {e}")))?;
        if let Some(map) = value.as_object_mut() {
            map.insert(
                "alerts".into(),
                super::fetch::alerts_json(&report.alerts).into(),
            );
        }
        let text = serde_json::to_string_pretty(&value)
            .map_err(|e| CliError::Failed(format!("cannot write JSON: {e}")))?;
        // A closed pipe is not an error of the sync.
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    } else if !args.quiet {
        let f = report.from_server;
        let _ = writeln!(
            std::io::stdout().lock(),
            "synced with {url} in {:.1} s: {} feeds, {} new, {} updated articles; {} changes pushed, {} waiting; from the server: {} read, {} unread, {} starred, {} unstarred; {} requests",
            report.seconds,
            report.feeds,
            report.new,
            report.updated,
            report.pushed,
            report.waiting,
            f.marked_read,
            f.marked_unread,
            f.starred,
            f.unstarred,
            report.requests,
        );
        super::fetch::print_alerts(&report.alerts);
    }
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(hidden: bool) -> ProgressBar {
    if hidden || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} items  {per_sec}") {
        bar.set_style(style);
    }
    bar
}
