//! `tidings feeds`: the configured feeds with counts and status, feeds no
//! longer configured whose articles are kept, moving a feed to a new URL,
//! purging what is no longer subscribed, and subscribing or unsubscribing
//! on the sync server.

use super::read::{emit, rfc3339, to_json};
use super::{CliError, Context};
use crate::config::parse_url;
use crate::model::{FeedInfo, Origin};
use crate::render::{self, Zone};
use crate::sanitize;
use crate::store::{StoreError, Unsubscribed};
use crate::text;
use serde::Serialize;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct FeedsArgs {
    /// Print JSON
    #[arg(long)]
    json: bool,
    /// Move a feed to a new URL (the site moved), keeping its articles and
    /// read and starred flags
    #[arg(
        long,
        num_args = 2,
        value_names = ["OLD", "NEW"],
        conflicts_with_all = ["json", "purge_unsubscribed"]
    )]
    rename_url: Option<Vec<String>>,
    /// Delete the articles of feeds no longer in the config (starred
    /// articles are kept)
    #[arg(long, conflicts_with = "json")]
    purge_unsubscribed: bool,
    /// With --purge-unsubscribed, delete their starred articles too
    #[arg(long, requires = "purge_unsubscribed")]
    include_starred: bool,
    /// Subscribe to a feed on the sync server ([sync]); the next
    /// `tidings sync` brings it in
    #[arg(
        long,
        value_name = "URL",
        conflicts_with_all = ["json", "purge_unsubscribed", "rename_url", "remove"]
    )]
    add: Option<String>,
    /// Unsubscribe from a feed (URL or name) on the sync server; its
    /// articles are kept
    #[arg(
        long,
        value_name = "FEED",
        conflicts_with_all = ["json", "purge_unsubscribed", "rename_url"]
    )]
    remove: Option<String>,
}

pub fn run(ctx: &Context, args: &FeedsArgs) -> Result<ExitCode, CliError> {
    if let Some([old, new]) = args.rename_url.as_deref() {
        return rename_url(ctx, old, new);
    }
    if let Some(url) = &args.add {
        return add(ctx, url);
    }
    if let Some(feed) = &args.remove {
        return remove(ctx, feed);
    }
    let (_, mut store) = ctx.open()?;
    if args.purge_unsubscribed {
        let stats = store.purge_unsubscribed(args.include_starred)?;
        emit(&format!(
            "deleted {} articles and {} feeds no longer in the config\n",
            stats.articles, stats.feeds
        ))?;
        let kept: u64 = store.unsubscribed()?.iter().map(|f| f.starred).sum();
        if kept > 0 {
            emit(&format!(
                "kept {kept} starred articles (add --include-starred to delete them)\n"
            ))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let feeds = store.feeds()?;
    let unsubscribed = store.unsubscribed()?;
    if args.json {
        emit(&to_json(&json_rows(&feeds))?)?;
    } else {
        emit(&table(&feeds, &unsubscribed, Zone::Local))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn rename_url(ctx: &Context, old: &str, new: &str) -> Result<ExitCode, CliError> {
    let config = ctx.config()?;
    let old = parse_url(old).map_err(CliError::Usage)?;
    let new = parse_url(new).map_err(CliError::Usage)?;
    let mut store = super::open_store(&ctx.cache_path()?)?;
    let name = store.rename_url(&old, &new).map_err(|e| match e {
        StoreError::NoFeedUrl(_) | StoreError::FeedUrlTaken { .. } => {
            CliError::Usage(e.to_string())
        }
        e => e.into(),
    })?;
    let config = crate::lists::with_cached(&config, &store);
    store.sync_feeds(&config.feeds)?;
    let name = sanitize::line(&name);
    let mut out = format!("moved \"{name}\" to {new}; its articles and flags are kept\n");
    if !config.feeds.iter().any(|f| f.url == new) {
        out.push_str(&format!(
            "now set url = \"{new}\" for this feed in {}\n",
            config.path.display()
        ));
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// The sync server, or why `--add`/`--remove` cannot use one.
fn server(config: &crate::config::Config) -> Result<&crate::config::SyncConfig, CliError> {
    let Some(cfg) = &config.sync else {
        return Err(CliError::Usage(format!(
            "--add and --remove work through a sync server ([sync] in {}); without one, add or \
             remove a [[feed]] there",
            config.path.display()
        )));
    };
    if cfg.kind == crate::config::SyncKind::Fever {
        return Err(CliError::Usage(format!(
            "{}; nothing was changed",
            crate::sync::FEVER_CANNOT_SUBSCRIBE
        )));
    }
    Ok(cfg)
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the runtime: {e}")))
}

fn add(ctx: &Context, url: &str) -> Result<ExitCode, CliError> {
    let (config, mut store) = ctx.open()?;
    let cfg = server(&config)?;
    let url = parse_url(url).map_err(CliError::Usage)?;
    let tokens = crate::sync::TokenCache::default_location();
    let done = runtime()?
        .block_on(crate::sync::subscribe(&mut store, &config, &tokens, &url))
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let title = sanitize::line(&done.title);
    let named = if title.is_empty() {
        String::new()
    } else {
        format!(" as \"{title}\"")
    };
    emit(&format!(
        "subscribed to {url} on {}{named}; `tidings sync` brings its articles in\n",
        cfg.url
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn remove(ctx: &Context, feed: &str) -> Result<ExitCode, CliError> {
    let (config, mut store) = ctx.open()?;
    let cfg = server(&config)?;
    let Some(found) = store.remote_feed(feed)? else {
        return Err(CliError::Usage(format!(
            "no feed of the sync server has the URL or name \"{}\" (see `tidings feeds`)",
            sanitize::line(feed)
        )));
    };
    let tokens = crate::sync::TokenCache::default_location();
    runtime()?
        .block_on(crate::sync::unsubscribe(
            &mut store,
            &config,
            &tokens,
            &found.remote_id,
        ))
        .map_err(|e| CliError::Failed(e.to_string()))?;
    store.unsubscribe_remote(&found.remote_id)?;
    emit(&format!(
        "unsubscribed from \"{}\" on {}; its articles are kept\n",
        sanitize::line(&found.name),
        cfg.url
    ))?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct FeedJson<'a> {
    name: &'a str,
    url: &'a str,
    title: Option<&'a str>,
    tags: &'a [String],
    total: u64,
    unread: u64,
    last_attempt: Option<String>,
    last_success: Option<String>,
    http_status: Option<u16>,
    last_error: Option<&'a str>,
    /// "config", "server" or "list".
    origin: &'static str,
    /// The shared list it comes from.
    list: Option<String>,
}

fn json_rows(feeds: &[FeedInfo]) -> Vec<FeedJson<'_>> {
    feeds
        .iter()
        .map(|f| FeedJson {
            name: &f.name,
            url: &f.url,
            title: f.title.as_deref(),
            tags: &f.tags,
            total: f.total,
            unread: f.unread,
            last_attempt: f.last_attempt.map(rfc3339),
            last_success: f.last_success.map(rfc3339),
            http_status: f.http_status,
            last_error: f.last_error.as_deref(),
            origin: f.origin.word(),
            list: match &f.origin {
                Origin::List(l) => Some(sanitize::line(l)),
                _ => None,
            },
        })
        .collect()
}

fn table(feeds: &[FeedInfo], unsubscribed: &[Unsubscribed], zone: Zone) -> String {
    let mut out = format!(
        "{:<24} {:<16} {:>6} {:>6}  {:<23} status\n",
        "feed", "origin", "unread", "total", "last success"
    );
    for f in feeds {
        let status = match (&f.last_error, f.last_attempt) {
            (Some(e), _) if f.failing() => format!("error: {}", sanitize::line(e)),
            (Some(e), _) => format!("ok, warning: {}", sanitize::line(e)),
            (None, None) => "never fetched".to_string(),
            (None, Some(_)) => "ok".to_string(),
        };
        let success = f.last_success.map_or_else(
            || "-".to_string(),
            |t| {
                let local = zone.at(t);
                format!(
                    "{} {}",
                    local.format("%Y-%m-%d %H:%M"),
                    render::zone_name(*local.offset())
                )
            },
        );
        let name = text::fit(&sanitize::line(&f.name), 24);
        let from = match &f.origin {
            Origin::List(l) => text::fit(&format!("list: {}", sanitize::line(l)), 16),
            other => text::fit(other.word(), 16),
        };
        out.push_str(&format!(
            "{name} {from} {:>6} {:>6}  {success:<23} {status}\n",
            f.unread, f.total
        ));
    }
    if unsubscribed.is_empty() {
        return out;
    }
    out.push_str("\nNo longer subscribed (in the config or on the sync server; articles kept):\n");
    for f in unsubscribed {
        let name = text::fit(&sanitize::line(&f.name), 24);
        out.push_str(&format!(
            "{name} {:>6} articles, {} starred  {}\n",
            f.articles,
            f.starred,
            sanitize::line(&f.url)
        ));
    }
    out.push_str(
        "Delete their articles with `tidings feeds --purge-unsubscribed` (starred ones\n\
         are kept unless you add --include-starred). If a feed moved to a new URL,\n\
         keep its articles with `tidings feeds --rename-url OLD NEW`.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsubscribed_feeds_are_listed_with_how_to_purge() {
        let gone = Unsubscribed {
            name: "Old\u{1b}[31m".into(),
            url: "http://old.test/".into(),
            articles: 12,
            starred: 3,
        };
        let text = table(&[], &[gone], Zone::utc());
        assert!(text.contains("No longer subscribed"), "{text}");
        assert!(
            text.contains("12 articles, 3 starred  http://old.test/"),
            "{text}"
        );
        assert!(text.contains("--purge-unsubscribed"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(!table(&[], &[], Zone::utc()).contains("No longer"));
    }
}
