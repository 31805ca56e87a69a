//! `tidings doctor`: checks the config, the cache and (with `--network`)
//! each feed, one line per finding.

use super::{plural, CliError, Context};
use crate::config::{Config, FeedConfig};
use crate::fetch::http::{HttpClient, Response};
use crate::model::FetchState;
use crate::store::health;
use chrono::Utc;
use futures_util::StreamExt;
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Longest wait for one feed's answer during `--network`.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(clap::Args, Debug)]
pub struct DoctorArgs {
    /// Also fetch each feed once to see that it answers
    #[arg(long)]
    network: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Ok,
    Warn,
    Fail,
}

struct Findings {
    lines: Vec<(Level, String)>,
}

impl Findings {
    fn add(&mut self, level: Level, text: String) {
        let tag = match level {
            Level::Ok => "ok  ",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        };
        let text = crate::sanitize::line(&text);
        // Each finding is printed as found; a closed pipe is not a finding.
        let _ = writeln!(std::io::stdout().lock(), "{tag}  {text}");
        self.lines.push((level, text));
    }

    fn failures(&self) -> usize {
        self.lines.iter().filter(|(l, _)| *l == Level::Fail).count()
    }
}

pub fn run(ctx: &Context, args: &DoctorArgs) -> Result<ExitCode, CliError> {
    let mut found = Findings { lines: Vec::new() };
    let config = check_config(ctx, &mut found)?;
    check_cache(ctx, config.as_ref(), &mut found)?;
    if let Some(c) = config.as_ref().filter(|c| c.sync.is_some()) {
        check_sync(ctx, c, &mut found)?;
    }
    if args.network {
        match &config {
            Some(c) => check_network(c, &mut found),
            None => found.add(Level::Warn, "network: not checked without a config".into()),
        }
    }
    let failures = found.failures();
    let _ = writeln!(
        std::io::stdout().lock(),
        "{}",
        match failures {
            0 => "no problems found".to_string(),
            1 => "1 problem found".to_string(),
            n => format!("{n} problems found"),
        }
    );
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn check_config(ctx: &Context, found: &mut Findings) -> Result<Option<Config>, CliError> {
    let (path, _) = ctx.config_path()?;
    if !path.exists() {
        found.add(
            Level::Fail,
            format!(
                "config {}: missing; `tidings` writes an example there, or `tidings import FILE` \
                 starts one from another reader's subscriptions",
                path.display()
            ),
        );
        return Ok(None);
    }
    match Config::load(&path) {
        Ok(c) => {
            found.add(
                Level::Ok,
                format!(
                    "config {}: {}, {}, {}",
                    path.display(),
                    plural(c.feeds.len(), "feed", "feeds"),
                    plural(c.views.len(), "view", "views"),
                    plural(c.ignore.len(), "ignore rule", "ignore rules")
                ),
            );
            Ok(Some(c))
        }
        Err(e) => {
            // The first line has the place; the rest show the source line.
            let first = e.to_string();
            let first = first.lines().next().unwrap_or_default().to_string();
            found.add(Level::Fail, format!("config {first}"));
            Ok(None)
        }
    }
}

fn check_cache(
    ctx: &Context,
    config: Option<&Config>,
    found: &mut Findings,
) -> Result<(), CliError> {
    let path = ctx.cache_path()?;
    if !path.exists() {
        found.add(
            Level::Warn,
            format!(
                "cache {}: not created yet; `tidings fetch` creates it",
                path.display()
            ),
        );
        return Ok(());
    }
    let h = match health::inspect(&path) {
        Ok(h) => h,
        Err(e) => {
            found.add(
                Level::Fail,
                format!(
                    "cache {}: cannot be read ({e}); move it aside and run `tidings fetch`",
                    path.display()
                ),
            );
            return Ok(());
        }
    };
    let (version, known) = h.schema;
    if version > known {
        found.add(
            Level::Fail,
            format!(
                "cache {}: written by a newer tidings (schema {version}, this one knows {known})",
                path.display()
            ),
        );
    }
    if h.problems.is_empty() {
        found.add(
            Level::Ok,
            format!(
                "cache {}: {}, {} in {}, integrity ok",
                path.display(),
                size(h.bytes),
                plural(
                    usize::try_from(h.articles).unwrap_or(usize::MAX),
                    "article",
                    "articles"
                ),
                plural(
                    usize::try_from(h.feeds).unwrap_or(usize::MAX),
                    "feed",
                    "feeds"
                )
            ),
        );
    } else {
        found.add(
            Level::Fail,
            format!(
                "cache {}: integrity check failed: {}; move it aside and run `tidings fetch`",
                path.display(),
                h.problems.join("; ")
            ),
        );
    }
    let now = Utc::now();
    // Feeds followed through shared lists are the user's too.
    let copy = |url: &str| h.lists.iter().find(|(u, _, _)| u == url);
    let followed = config
        .map(|c| crate::lists::with_copies(c, |url| copy(url).map(|(_, body, _)| body.clone())));
    if let (Some(c), Some(f)) = (config, followed.as_ref()) {
        for list in &c.lists {
            let url = list.url.as_str();
            let name = &list.name;
            let Some((_, body, at)) = copy(url) else {
                found.add(
                    Level::Warn,
                    format!("list \"{name}\" {url}: not read yet; `tidings fetch` reads it"),
                );
                continue;
            };
            if let Err(e) = crate::lists::parse(body, name) {
                found.add(
                    Level::Fail,
                    format!("list \"{name}\" {url}: its last copy no longer reads: {e}"),
                );
                continue;
            }
            let mine = Some(name);
            let feeds = f.feeds.iter().filter(|x| x.list.as_ref() == mine).count();
            let views = f.views.iter().filter(|x| x.list.as_ref() == mine).count();
            let when = at.map_or(String::new(), |t| {
                format!(", copy from {}", crate::render::age(t, now))
            });
            found.add(
                Level::Ok,
                format!(
                    "list \"{name}\" {url}: {}, {}{when}",
                    plural(feeds, "feed", "feeds"),
                    plural(views, "view", "views")
                ),
            );
        }
    }
    for (name, at, error) in &h.failing {
        // Feeds no longer followed are not the user's concern.
        if followed
            .as_ref()
            .is_some_and(|c| !c.feeds.iter().any(|f| &f.name == name))
        {
            continue;
        }
        let when = at.map_or(String::new(), |t| {
            format!(" ({})", crate::render::age(t, now))
        });
        found.add(
            Level::Fail,
            format!("feed \"{name}\": the last fetch{when} failed: {error}"),
        );
    }
    Ok(())
}

/// The sync server answers and takes the credentials; changes waiting.
fn check_sync(ctx: &Context, config: &Config, found: &mut Findings) -> Result<(), CliError> {
    let Some(sync) = &config.sync else {
        return Ok(());
    };
    let path = ctx.cache_path()?;
    if path.exists() {
        match crate::store::outbox_status(&path) {
            Ok((waiting, last)) => {
                let when = last
                    .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                    .map_or("never synced".to_string(), |t| {
                        format!("last synced {}", crate::render::age(t, Utc::now()))
                    });
                let level = if waiting > 0 { Level::Warn } else { Level::Ok };
                let waits = match waiting {
                    1 => "1 change waits".to_string(),
                    n => format!("{n} changes wait"),
                };
                found.add(
                    level,
                    format!("sync outbox: {waits} for the server; {when}"),
                );
            }
            Err(e) => found.add(Level::Fail, format!("sync outbox: cannot be read ({e})")),
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the runtime: {e}")))?;
    let tokens = crate::sync::TokenCache::default_location();
    let checked = runtime.block_on(async {
        tokio::time::timeout(NETWORK_TIMEOUT, crate::sync::check(config, &tokens)).await
    });
    let server = format!("sync server {} ({})", sync.url, sync.kind.name());
    match checked {
        Ok(Ok(c)) => found.add(
            Level::Ok,
            format!(
                "{server}: signed in as {}, {}",
                sync.username,
                plural(c.subscriptions, "subscription", "subscriptions")
            ),
        ),
        Ok(Err(e)) => found.add(Level::Fail, format!("{server}: {e}")),
        Err(_) => found.add(
            Level::Fail,
            format!("{server}: no answer within {} s", NETWORK_TIMEOUT.as_secs()),
        ),
    }
    Ok(())
}

fn check_network(config: &Config, found: &mut Findings) {
    let mut settings = config.settings.clone();
    settings.retries = 0;
    settings.timeout_seconds = settings.timeout_seconds.min(NETWORK_TIMEOUT.as_secs());
    let client = match HttpClient::new(&settings) {
        Ok(c) => c,
        Err(e) => return found.add(Level::Fail, format!("network: {e}")),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return found.add(Level::Fail, format!("network: cannot start: {e}")),
    };
    let client = &client;
    let mut results: Vec<(usize, Level, String)> = runtime.block_on(
        futures_util::stream::iter(config.feeds.iter().enumerate())
            .map(|(i, feed)| async move {
                let (level, text) = probe(client, feed).await;
                (i, level, text)
            })
            .buffer_unordered(settings.concurrency)
            .collect(),
    );
    results.sort_by_key(|(i, _, _)| *i);
    for (_, level, text) in results {
        found.add(level, text);
    }
}

/// Fetches one feed once, within `NETWORK_TIMEOUT`.
async fn probe(client: &HttpClient, feed: &FeedConfig) -> (Level, String) {
    let started = Instant::now();
    let head = format!("feed \"{}\" {}", feed.name, feed.url);
    let got = tokio::time::timeout(
        NETWORK_TIMEOUT + Duration::from_secs(1),
        client.get(&feed.url, &FetchState::default()),
    )
    .await;
    let secs = started.elapsed().as_secs_f64();
    match got {
        Err(_) => (Level::Fail, format!("{head}: no answer in {secs:.0} s")),
        Ok(Err(e)) => (Level::Fail, format!("{head}: {e}")),
        Ok(Ok(Response::NotModified { .. })) => {
            (Level::Ok, format!("{head}: answers (304, {secs:.1} s)"))
        }
        Ok(Ok(Response::Body {
            status, body, url, ..
        })) => {
            let mut text = format!(
                "{head}: answers ({status}, {}, {secs:.1} s",
                size(body.len() as u64)
            );
            let is_feed = crate::scrape::looks_like_feed(&body);
            text.push_str(if is_feed { ", a feed" } else { ", a web page" });
            if url != feed.url {
                let _ = write!(text, ", moved to {url}");
            }
            text.push(')');
            (Level::Ok, text)
        }
    }
}

fn size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{:.1} MiB", b / KIB / KIB)
    }
}
