//! Types shared by the fetcher, the cache and the front ends.

mod error;

pub use error::{FetchError, ParseError, ParseProblem};

use chrono::{DateTime, Utc};

/// Row id of a feed in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FeedId(pub i64);

/// Row id of an article in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArticleId(pub i64);

/// One article as parsed from a feed or page, before it is stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedArticle {
    /// Identity within the feed: guid, else link, else a hash of title and date.
    pub guid: String,
    pub title: String,
    /// The source gave no title: `title` was made from the text, the link
    /// or the date.
    pub title_derived: bool,
    pub link: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// HTML or text as given by the source.
    pub summary: Option<String>,
    pub content: Option<String>,
    /// The content comes from the article's own page, fetched once: when
    /// it is absent the cached content is kept.
    pub content_from_page: bool,
    /// What the cache derives from the fields above, worked out by the
    /// fetcher's threads so the single writer does not have to (see
    /// [`crate::store::prepare`]). None: the writer works it out.
    pub prepared: Option<Prepared>,
}

/// What storing an article derives from it: its change hash, the plain
/// text the full-text index gets (and its words' initials), and what
/// stories compare.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prepared {
    pub content_hash: i64,
    pub index_body: String,
    pub index_initials: String,
    pub link_key: Option<String>,
    pub simhash: Option<i64>,
    /// The bodies compressed for the cache, when it had a dictionary.
    pub packed: Option<Packed>,
}

/// An article's bodies as the cache stores them, compressed off the
/// writer's thread (`store::bodies` says the format): a frame made with
/// dictionary `dict`, or None when they stay plain.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    pub dict: i64,
    pub frame: Option<Vec<u8>>,
}

/// What a successful parse of one source yields.
#[derive(Debug, Clone, Default)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub site_url: Option<String>,
    /// The feed's own `<ttl>`, in minutes.
    pub ttl_minutes: Option<u32>,
    pub articles: Vec<ParsedArticle>,
    /// Problems that did not stop the feed (e.g. an article page that 404s).
    pub warnings: Vec<String>,
}

/// An article as listed: no bodies.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleSummary {
    pub id: ArticleId,
    pub feed_id: FeedId,
    pub feed: String,
    pub title: String,
    pub link: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub sort_time: DateTime<Utc>,
    pub read: bool,
    pub starred: bool,
    /// The other copies of its story, earliest first, when the list shows
    /// one row per story (filled for the loaded rows only; their own
    /// `also_in` is empty).
    pub also_in: Vec<ArticleSummary>,
}

impl ArticleSummary {
    /// "DHSC, HIN South London": the feeds of the other copies of its
    /// story, each once (empty when alone).
    pub fn also_in_feeds(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        for c in &self.also_in {
            if !names.contains(&c.feed.as_str()) {
                names.push(&c.feed);
            }
        }
        names.join(", ")
    }
}

/// A whole article, with its bodies.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub summary: ArticleSummary,
    pub guid: String,
    pub updated: Option<DateTime<Utc>>,
    pub first_seen: DateTime<Utc>,
    /// The source gave no title: tidings made this one.
    pub title_derived: bool,
    pub summary_html: Option<String>,
    pub content_html: Option<String>,
}

/// Per-feed state and counts, as shown by `tidings feeds`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedInfo {
    pub id: FeedId,
    pub name: String,
    pub url: String,
    pub title: Option<String>,
    pub tags: Vec<String>,
    pub total: u64,
    pub unread: u64,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub http_status: Option<u16>,
    pub last_error: Option<String>,
    /// Where the subscription comes from.
    pub origin: Origin,
}

impl FeedInfo {
    pub fn subscription(&self) -> Subscription {
        Subscription {
            id: self.id,
            origin: self.origin.clone(),
        }
    }
}

/// Where a subscription comes from. Every origin's feeds are fetched,
/// stored, listed and reported alike; the origin only says which file or
/// server to change to follow or leave one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Origin {
    /// A `[[feed]]` of the config.
    #[default]
    Config,
    /// A team's shared list (`[[list]]`), by its name.
    List(String),
    /// A subscription on the sync server.
    Server,
}

/// A subscription: one source followed, as the cache knows it, whatever
/// its origin. Fetch jobs and the store speak of these; the config's
/// `FeedConfig` only says how to fetch one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: FeedId,
    pub origin: Origin,
}

impl Origin {
    /// One word for it: "config", "list" or "server".
    pub fn word(&self) -> &'static str {
        match self {
            Origin::Config => "config",
            Origin::List(_) => "list",
            Origin::Server => "server",
        }
    }
}

impl FeedInfo {
    /// The last attempt failed (an error recorded by a successful fetch is a
    /// warning, such as an article page that could not be read).
    pub fn failing(&self) -> bool {
        self.last_error.is_some() && self.last_success != self.last_attempt
    }
}

/// Conditional-request and politeness state kept per feed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchState {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub next_fetch_after: Option<DateTime<Utc>>,
}

/// The result of fetching one feed, as handed from the fetcher to the cache.
#[derive(Debug, Clone)]
pub struct FetchReport {
    pub feed_id: FeedId,
    pub attempted_at: DateTime<Utc>,
    pub outcome: FetchOutcome,
    /// Earliest time the next fetch is polite (server hints or config).
    pub next_fetch_after: Option<DateTime<Utc>>,
    /// Articles to keep for this feed (0 = no limit).
    pub max_articles: u32,
    /// Purge articles older than this (None = keep).
    pub max_age_cutoff: Option<DateTime<Utc>>,
}

impl FetchReport {
    /// A plain successful download of `feed` at `at`: no validators, no
    /// retention limits. For filling caches in tests and benchmarks.
    pub fn fetched(feed_id: FeedId, feed: ParsedFeed, at: DateTime<Utc>) -> FetchReport {
        FetchReport {
            feed_id,
            attempted_at: at,
            outcome: FetchOutcome::Fetched {
                status: 200,
                feed,
                etag: None,
                last_modified: None,
            },
            next_fetch_after: None,
            max_articles: 0,
            max_age_cutoff: None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// A new document was downloaded and parsed.
    Fetched {
        status: u16,
        feed: ParsedFeed,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// The server answered 304: nothing changed.
    NotModified,
    /// The feed could not be fetched or parsed; its articles are kept.
    Failed {
        status: Option<u16>,
        error: FetchError,
    },
}

/// What writing one report changed in the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub purged: usize,
}

/// The newest `max` items (0: all) by `date`, newest first, whatever order
/// the document lists them in. Undated items count as newest (they are
/// listed as first seen now) and keep the document's order among
/// themselves, as do items of the same date.
pub fn keep_newest<T>(
    mut items: Vec<T>,
    max: u32,
    date: impl Fn(&T) -> Option<DateTime<Utc>>,
) -> Vec<T> {
    // A stable sort: ties keep the document's order.
    items.sort_by_key(|i| std::cmp::Reverse(date(i).map_or(i64::MAX, |d| d.timestamp())));
    if max > 0 {
        items.truncate(max as usize);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_is_not_a_failure() {
        let at = DateTime::from_timestamp(1_700_000_000, 0);
        let mut f = FeedInfo {
            id: FeedId(1),
            name: "A".into(),
            url: "http://a.test/".into(),
            title: None,
            tags: vec![],
            total: 0,
            unread: 0,
            last_attempt: at,
            last_success: at,
            http_status: Some(200),
            last_error: Some("article page http://a.test/1: HTTP 404".into()),
            origin: crate::model::Origin::Config,
        };
        assert!(!f.failing());
        f.last_success = None;
        assert!(f.failing());
        f.last_error = None;
        assert!(!f.failing());
    }
}
