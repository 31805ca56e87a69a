//! `tidings fetch`: refresh feeds into the cache, with progress and a summary.

use super::{CliError, Context};
use crate::fetch::Fetcher;
use crate::runner::{Command, Progress, Runner, Totals};
use crate::sanitize;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct FetchArgs {
    /// Only this feed (by name); repeat for several
    #[arg(long = "feed", value_name = "NAME")]
    feeds: Vec<String>,
    /// Fetch even feeds that asked not to be fetched again yet
    #[arg(long)]
    force: bool,
    /// No progress bar and no summary; failures are still reported
    #[arg(long, short)]
    quiet: bool,
    /// Print the summary, with new articles of alerting views, as JSON
    #[arg(long)]
    json: bool,
    /// Do not sync with the feed server, even when one is configured
    #[arg(long)]
    no_sync: bool,
}

pub fn run(ctx: &Context, args: &FetchArgs) -> Result<ExitCode, CliError> {
    let started = Instant::now();
    let (config, store) = ctx.open()?;
    let mut only = Vec::new();
    for name in &args.feeds {
        let Some(feed) = config
            .feeds
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
        else {
            return Err(CliError::Usage(format!(
                "no feed named \"{name}\" in {}",
                config.path.display()
            )));
        };
        only.push(store.feed_id(&feed.name)?);
    }
    let fetcher = Fetcher::new(&config).map_err(|e| CliError::Failed(e.to_string()))?;
    let runtime = crate::fetch::runtime(None, config.settings.concurrency)
        .map_err(|e| CliError::Failed(format!("cannot start the runtime: {e}")))?;
    let alerter = crate::alerts::Alerter::new(&config);
    let sync_url = config.sync.as_ref().map(|s| s.url.to_string());
    let mut runner = Runner::new(
        store,
        config,
        Some(std::sync::Arc::new(fetcher)),
        runtime.handle().clone(),
    );
    let bar = progress_bar(args.quiet || args.json);
    let mut totals = Totals::default();
    runner.run(
        Command::Refresh {
            feeds: (!only.is_empty()).then_some(only),
            force: args.force,
            sync: !args.no_sync,
        },
        &mut |p| {
            match &p {
                Progress::Syncing => bar.set_message("syncing with the server"),
                Progress::Fetching { feeds, .. } => {
                    bar.set_length(*feeds as u64);
                    bar.set_message("");
                }
                Progress::Feed(done) => {
                    bar.set_message(sanitize::line(&done.name));
                    bar.inc(1);
                }
                _ => {}
            }
            totals.add(&p);
        },
    );
    // The runner is done: every fetch has ended.
    bar.finish_and_clear();

    totals.warnings.extend(alerter.run_commands(&totals.alerts));
    for line in &totals.warnings {
        eprintln!("warning: {line}");
    }
    let sync_failed = matches!(totals.synced, Some(Err(_)));
    if let (Some(Err(e)), Some(url)) = (&totals.synced, &sync_url) {
        eprintln!("failed: sync with {}: {e}", sanitize::line(url));
    }
    for line in &totals.failed {
        eprintln!("failed: {line}");
    }
    if args.json {
        print_json(&totals)?;
    } else if !args.quiet {
        if let (Some(Ok(r)), Some(url)) = (&totals.synced, &sync_url) {
            println!(
                "synced with {} in {:.1} s: {} feeds, {} new, {} updated articles; {} changes pushed, {} waiting",
                sanitize::line(url),
                r.seconds,
                r.feeds,
                r.new,
                r.updated,
                r.pushed,
                r.waiting,
            );
        }
        let w = totals.written;
        println!(
            "{} feeds in {:.1} s: {} new, {} updated articles; {} feeds downloaded, {} unchanged (304), {} skipped (too soon), {} failed{}",
            totals.feeds() + totals.skipped,
            started.elapsed().as_secs_f64(),
            w.new,
            w.updated,
            totals.fetched,
            totals.not_modified,
            totals.skipped,
            totals.failed.len(),
            if w.purged > 0 { format!("; {} old articles purged", w.purged) } else { String::new() },
        );
        print_alerts(&totals.alerts);
    }
    Ok(if totals.failed.is_empty() && !sync_failed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// New articles of alerting views, one line each.
pub(super) fn print_alerts(alerts: &[crate::store::NewMatch]) {
    if alerts.is_empty() {
        return;
    }
    println!("{} new in alerting views:", alerts.len());
    for a in alerts {
        println!(
            "{:>6} [{}] {} ({})",
            a.id.0,
            sanitize::line(&a.view),
            sanitize::line(&a.title),
            sanitize::line(&a.feed)
        );
    }
}

/// New articles of alerting views, for JSON output.
pub(super) fn alerts_json(alerts: &[crate::store::NewMatch]) -> Vec<serde_json::Value> {
    alerts
        .iter()
        .map(|a| {
            serde_json::json!({
                "id": a.id.0,
                "view": sanitize::line(&a.view),
                "feed": sanitize::line(&a.feed),
                "title": sanitize::line(&a.title),
                "link": a.link.as_deref().map(sanitize::line),
            })
        })
        .collect()
}

fn print_json(t: &Totals) -> Result<(), CliError> {
    let alerts = alerts_json(&t.alerts);
    let value = serde_json::json!({
        "new": t.written.new,
        "updated": t.written.updated,
        "purged": t.written.purged,
        "downloaded": t.fetched,
        "not_modified": t.not_modified,
        "skipped": t.skipped,
        "failed": t.failed,
        "warnings": t.warnings,
        "alerts": alerts,
        "sync": match &t.synced {
            None => serde_json::Value::Null,
            Some(Ok(r)) => serde_json::to_value(r).unwrap_or(serde_json::Value::Null),
            Some(Err(e)) => serde_json::json!({ "error": e }),
        },
    });
    let text = serde_json::to_string_pretty(&value)
        .map_err(|e| CliError::Failed(format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} feeds  {wide_msg}") {
        bar.set_style(style);
    }
    bar
}
