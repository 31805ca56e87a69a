//! Synthetic caches for benchmarks: feeds and articles with realistic
//! health-service text, written through the real write path (one
//! transaction per feed, full-text index included). Deterministic for a seed.

use crate::config::{FeedConfig, FeedKind};
use crate::model::{FetchOutcome, FetchReport, ParsedArticle, ParsedFeed};
use crate::store::{Result, Store};
use chrono::{DateTime, Duration, Utc};

const WORDS: &[&str] = &[
    "health",
    "innovation",
    "network",
    "patients",
    "care",
    "hospital",
    "community",
    "services",
    "diagnostic",
    "diagnostics",
    "centres",
    "digital",
    "primary",
    "workforce",
    "funding",
    "trust",
    "integrated",
    "board",
    "mental",
    "wellbeing",
    "cancer",
    "screening",
    "waiting",
    "times",
    "elective",
    "recovery",
    "pharmacy",
    "nursing",
    "research",
    "clinical",
    "trial",
    "evidence",
    "prevention",
    "population",
    "data",
    "records",
    "programme",
    "pilot",
    "regional",
    "national",
    "announced",
    "published",
    "guidance",
    "strategy",
    "partnership",
    "academic",
    "science",
    "technology",
    "artificial",
    "intelligence",
    "triage",
    "virtual",
    "wards",
    "ambulance",
    "urgent",
    "emergency",
    "winter",
    "pressures",
    "vaccination",
    "maternity",
    "children",
    "adult",
    "social",
    "staff",
    "training",
    "investment",
    "quality",
    "safety",
    "outcomes",
    "access",
    "inequalities",
    "rural",
    "london",
    "yorkshire",
    "north",
    "east",
    "cumbria",
    "relicensing",
    "confirmed",
    "government",
    "department",
    "minister",
    "report",
    "review",
    "framework",
    "café",
    "naïve",
    "résumé",
    "long",
    "term",
    "plan",
    "medicines",
    "genomics",
    "imaging",
];

const TAGS: &[&str] = &["nhs", "gov", "hin", "research", "digital", "journal"];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn words(&mut self, n: usize) -> String {
        let mut out = String::new();
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(WORDS[self.below(WORDS.len() as u64) as usize]);
        }
        out
    }
}

/// The feeds of a synthetic cache: `Feed 0001` … with tags.
pub fn feeds(count: usize) -> Vec<FeedConfig> {
    (0..count)
        .filter_map(|i| {
            let url = url::Url::parse(&format!("http://127.0.0.1:9/feeds/{i}.xml")).ok()?;
            Some(FeedConfig {
                name: format!("Feed {i:04}"),
                url,
                tags: vec![TAGS[i % TAGS.len()].to_string()],
                kind: FeedKind::Feed,
                refresh_minutes: None,
                max_articles: None,
            })
        })
        .collect()
}

/// Fills `store` with `articles` spread evenly over `feeds` feeds, dated
/// over the 180 days before `now`; about 70 % are read and 1 % starred.
pub fn fill(
    store: &mut Store,
    feed_count: usize,
    articles: usize,
    now: DateTime<Utc>,
    seed: u64,
) -> Result<()> {
    let configs = feeds(feed_count);
    let ids = store.sync_feeds(&configs)?;
    let mut rng = Rng(seed | 1);
    let per_feed = articles / feed_count.max(1);
    let mut read_ids = Vec::new();
    let mut starred_ids = Vec::new();
    for (f, id) in ids.iter().enumerate() {
        let mut items = Vec::with_capacity(per_feed);
        for n in 0..per_feed {
            let age = Duration::minutes(rng.below(180 * 24 * 60) as i64);
            let paragraphs: Vec<String> = (0..3)
                .map(|_| {
                    let n = 40 + rng.below(30) as usize;
                    format!("<p>{}.</p>", rng.words(n))
                })
                .collect();
            let title_words = 6 + rng.below(6) as usize;
            items.push(ParsedArticle {
                guid: format!("f{f}-a{n}"),
                title: capitalise(&rng.words(title_words)),
                link: Some(format!("https://example.test/{f}/{n}")),
                author: Some(format!("Author {}", rng.below(200))),
                published: Some(now - age),
                updated: None,
                summary: Some(format!("<p>{}.</p>", rng.words(30))),
                content: Some(paragraphs.concat()),
            });
        }
        store.record(&FetchReport {
            feed_id: *id,
            attempted_at: now,
            outcome: FetchOutcome::Fetched {
                status: 200,
                feed: ParsedFeed {
                    title: Some(configs[f].name.clone()),
                    articles: items,
                    ..Default::default()
                },
                etag: None,
                last_modified: None,
            },
            next_fetch_after: None,
            max_articles: 0,
            max_age_cutoff: None,
        })?;
    }
    let all = store.query(
        &crate::query::Query::default(),
        &Default::default(),
        now,
        None,
    )?;
    for a in &all {
        match rng.below(100) {
            0 => starred_ids.push(a.id),
            1..=69 => read_ids.push(a.id),
            _ => {}
        }
    }
    store.set_read(&read_ids, true)?;
    store.set_starred(&starred_ids, true)?;
    Ok(())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
