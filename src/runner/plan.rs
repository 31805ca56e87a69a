//! Planning a refresh: which configured feeds to fetch now, with their
//! cached validators.

use crate::config::Config;
use crate::fetch::Job;
use crate::model::Subscription;
use crate::store::{Result, Store};
use chrono::{DateTime, Utc};

/// Most fetch results the writer stores in one transaction: those that
/// queued while it was writing the last batch.
pub const MAX_BATCH: usize = 64;

/// The feeds to fetch, and how many were left out as too soon.
pub struct Plan {
    pub jobs: Vec<Job>,
    pub skipped: usize,
}

/// Jobs for the configured feeds that `wanted` selects; `subs` are their
/// subscriptions, in the config's order ([`Store::subscriptions`]).
/// Unless `force`, feeds whose polite interval has not passed are skipped.
pub fn plan(
    store: &Store,
    config: &Config,
    subs: &[Subscription],
    wanted: impl Fn(&Subscription) -> bool,
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
    for (feed, sub) in config.feeds.iter().zip(subs) {
        if !wanted(sub) {
            continue;
        }
        let id = sub.id;
        if !feed.local && feed.html.is_none() && served.contains(feed.url.as_str()) {
            continue;
        }
        let mut job = Job::new(sub.clone(), feed, store.fetch_state(id)?, config);
        if !force && job.too_soon(now).is_some() {
            plan.skipped += 1;
            continue;
        }
        // Articles whose page is cached are not fetched again.
        if feed.html.is_some() || feed.full_text.is_some() {
            job.known_links = store.links_with_content(id)?;
        }
        plan.jobs.push(job);
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;
    use crate::store::RemoteFeed;

    #[test]
    fn feeds_the_server_has_are_left_to_it_unless_local() {
        let text = "[sync]\nkind = \"fever\"\nurl = \"https://s.test/fever/\"\nusername = \"u\"\n\
                    [[feed]]\nname = \"On server\"\nurl = \"http://a.test/feed\"\n\
                    [[feed]]\nname = \"Kept local\"\nurl = \"http://b.test/feed\"\nlocal = true\n\
                    [[feed]]\nname = \"Only here\"\nurl = \"http://c.test/feed\"\n";
        let config = Config::parse(std::path::Path::new("t.toml"), text).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let subs = store.subscriptions(&config.feeds).unwrap();
        let remote = |id: &str, url: &str| RemoteFeed {
            remote_id: id.into(),
            title: format!("Server {id}"),
            url: url.into(),
            site_url: None,
            tags: vec![],
        };
        store
            .replace_remote_feeds(
                &[
                    remote("1", "http://a.test/feed"),
                    remote("2", "http://b.test/feed"),
                ],
                &[],
            )
            .unwrap();
        let p = plan(&store, &config, &subs, |_| true, true, Utc::now()).unwrap();
        let names: Vec<&str> = p.jobs.iter().map(|j| j.feed.name.as_str()).collect();
        assert_eq!(names, ["Kept local", "Only here"]);
    }

    #[test]
    fn jobs_carry_each_feeds_subscription_and_origin() {
        let text = "[[feed]]\nname = \"Own\"\nurl = \"http://a.test/feed\"\n\
                    [[feed]]\nname = \"Shared\"\nurl = \"http://b.test/feed\"\n\
                    [[feed]]\nname = \"Skipped\"\nurl = \"http://c.test/feed\"\n";
        let mut config = Config::parse(std::path::Path::new("t.toml"), text).unwrap();
        config.feeds[1].list = Some("Team".into());
        let mut store = Store::open_in_memory().unwrap();
        let subs = store.subscriptions(&config.feeds).unwrap();
        let origins: Vec<&Origin> = subs.iter().map(|s| &s.origin).collect();
        assert_eq!(
            origins,
            [
                &Origin::Config,
                &Origin::List("Team".into()),
                &Origin::Config
            ]
        );
        // Ids are the cache's, whatever the names.
        for (sub, feed) in subs.iter().zip(&config.feeds) {
            assert_eq!(store.feed_id(&feed.name).unwrap(), sub.id);
        }
        let skipped = subs[2].id;
        let p = plan(
            &store,
            &config,
            &subs,
            |s| s.id != skipped,
            true,
            Utc::now(),
        )
        .unwrap();
        let jobs: Vec<(&Subscription, &str)> = p
            .jobs
            .iter()
            .map(|j| (&j.sub, j.feed.name.as_str()))
            .collect();
        assert_eq!(jobs, [(&subs[0], "Own"), (&subs[1], "Shared")]);
        // A shared list's feed reads pages on its own host only.
        let elsewhere = url::Url::parse("http://elsewhere.test/page").unwrap();
        assert!(p.jobs[0].may_visit(&elsewhere));
        assert!(!p.jobs[1].may_visit(&elsewhere));
    }
}
