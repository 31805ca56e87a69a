//! Planning a refresh: which configured feeds to fetch now, with their
//! cached validators. Shared by `tidings fetch` and the interface.

use crate::config::{Config, FeedConfig};
use crate::fetch::Job;
use crate::store::{Result, Store};
use chrono::{DateTime, Utc};

/// The feeds to fetch, and how many were left out as too soon.
pub struct Plan {
    pub jobs: Vec<Job>,
    pub skipped: usize,
}

/// Jobs for the configured feeds that `wanted` selects. Unless `force`,
/// feeds whose polite interval has not passed are skipped.
pub fn plan(
    store: &Store,
    config: &Config,
    wanted: impl Fn(&FeedConfig, crate::model::FeedId) -> bool,
    force: bool,
    now: DateTime<Utc>,
) -> Result<Plan> {
    let mut plan = Plan {
        jobs: Vec::new(),
        skipped: 0,
    };
    // With a sync server, a plain feed it also has comes from it; HTML
    // pages and feeds marked `local` are always fetched here.
    let served = match &config.sync {
        Some(_) => store.remote_feed_urls()?,
        None => Default::default(),
    };
    for feed in &config.feeds {
        let id = store.feed_id(&feed.name)?;
        if !wanted(feed, id) {
            continue;
        }
        if !feed.local && feed.html.is_none() && served.contains(feed.url.as_str()) {
            continue;
        }
        let mut job = Job::new(id, feed, store.fetch_state(id)?, config);
        if !force && job.too_soon(now).is_some() {
            plan.skipped += 1;
            continue;
        }
        // Scraped articles whose page is cached are not fetched again.
        if feed.html.is_some() {
            job.known_links = store.links_with_content(id)?;
        }
        plan.jobs.push(job);
    }
    Ok(plan)
}
