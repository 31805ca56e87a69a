//! `tidings fetch`: refresh feeds into the cache, with progress and a summary.

use super::{CliError, Context};
use crate::config::FeedConfig;
use crate::fetch::Fetcher;
use crate::model::{FetchOutcome, FetchReport, WriteStats};
use crate::refresh;
use crate::sanitize;
use chrono::Utc;
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
}

#[derive(Default)]
struct Totals {
    written: WriteStats,
    fetched: usize,
    not_modified: usize,
    skipped: usize,
    failed: Vec<String>,
    warnings: Vec<String>,
    /// New articles of views with `notify = true`, first time each.
    alerts: Vec<crate::store::NewMatch>,
}

pub fn run(ctx: &Context, args: &FetchArgs) -> Result<ExitCode, CliError> {
    let started = Instant::now();
    let (config, mut store) = ctx.open()?;
    for name in &args.feeds {
        if !config
            .feeds
            .iter()
            .any(|f| f.name.eq_ignore_ascii_case(name))
        {
            return Err(CliError::Usage(format!(
                "no feed named \"{name}\" in {}",
                config.path.display()
            )));
        }
    }
    let now = Utc::now();
    let mut totals = Totals::default();
    let wanted = |f: &FeedConfig, _| {
        args.feeds.is_empty() || args.feeds.iter().any(|n| n.eq_ignore_ascii_case(&f.name))
    };
    let alerter = crate::alerts::Alerter::new(&config);
    let fetcher = Fetcher::new(&config).map_err(|e| CliError::Failed(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(config.settings.concurrency)
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the runtime: {e}")))?;
    let mut run = refresh::start(
        &store,
        &config,
        std::sync::Arc::new(fetcher),
        runtime.handle(),
        wanted,
        args.force,
        now,
    )?;
    totals.skipped = run.skipped;
    let names = std::mem::take(&mut run.names);
    let bar = progress_bar(run.total as u64, args.quiet || args.json);

    // This thread owns the cache. Results are written as they arrive; those
    // that queued while it was writing are written together, in one
    // transaction.
    while let Some(first) = run.reports.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < refresh::MAX_BATCH {
            match run.reports.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        for report in &batch {
            let (name, url) = names.get(&report.feed_id).cloned().unwrap_or_default();
            bar.set_message(name.clone());
            match &report.outcome {
                FetchOutcome::Fetched { feed, .. } => {
                    totals.fetched += 1;
                    for w in &feed.warnings {
                        totals
                            .warnings
                            .push(format!("{name}: {}", sanitize::line(w)));
                    }
                }
                FetchOutcome::NotModified => totals.not_modified += 1,
                FetchOutcome::Failed { error, .. } => totals
                    .failed
                    .push(format!("{name} ({url}): {}", sanitize::line(error))),
            }
        }
        let refs: Vec<&FetchReport> = batch.iter().collect();
        let recorded = alerter.record_all(&mut store, &refs);
        for (report, w) in batch.iter().zip(recorded.stats) {
            match w {
                Ok(w) => {
                    totals.written.new += w.new;
                    totals.written.updated += w.updated;
                    totals.written.unchanged += w.unchanged;
                    totals.written.purged += w.purged;
                }
                Err(e) => {
                    let (name, url) = names.get(&report.feed_id).cloned().unwrap_or_default();
                    totals.failed.push(format!("{name} ({url}): {e}"));
                }
            }
        }
        match recorded.alerts {
            Ok(alerts) => totals.alerts.extend(alerts),
            Err(e) => totals
                .failed
                .push(format!("grouping stories and alerts: {e}")),
        }
        bar.inc(batch.len() as u64);
    }
    // The channel closes once the fetch task has sent every result.
    bar.finish_and_clear();

    totals.warnings.extend(alerter.run_commands(&totals.alerts));
    for line in &totals.warnings {
        eprintln!("warning: {line}");
    }
    for line in &totals.failed {
        eprintln!("failed: {line}");
    }
    if args.json {
        print_json(&totals)?;
    } else if !args.quiet {
        let w = totals.written;
        println!(
            "{} feeds in {:.1} s: {} new, {} updated articles; {} feeds downloaded, {} unchanged (304), {} skipped (too soon), {} failed{}",
            totals.fetched + totals.not_modified + totals.failed.len() + totals.skipped,
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
    Ok(if totals.failed.is_empty() {
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
    });
    let text = serde_json::to_string_pretty(&value)
        .map_err(|e| CliError::Failed(format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} feeds  {wide_msg}") {
        bar.set_style(style);
    }
    bar
}
