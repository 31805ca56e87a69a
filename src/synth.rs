//! Synthetic caches for benchmarks: feeds and articles with realistic
//! health-service text, written through the real write path (one
//! transaction per feed, full-text index included). Deterministic for a seed.

use crate::config::{FeedConfig, FeedKind};
use crate::model::{FetchReport, ParsedArticle, ParsedFeed};
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

/// The commonest words of English, which head the frequency ranking.
const STOP: &[&str] = &[
    "the", "of", "and", "to", "in", "a", "for", "is", "on", "that", "with", "as", "by", "at",
    "will", "be", "are", "from", "this", "it", "has", "have", "new", "more", "their", "which",
];

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ren", "sto", "ve", "dal", "pri", "sen", "tor", "ul", "bra", "cor", "den",
    "fi", "gan", "hel", "ist", "jo", "mar", "nu", "ost", "pel", "qua", "ris", "tan",
];

/// Phrases that real announcements repeat; each article has one or two.
const PHRASES: &[&str] = &[
    "virtual wards",
    "health innovation",
    "waiting times",
    "primary care",
    "community diagnostic centres",
    "long term plan",
    "integrated care boards",
    "mental health services",
    "cancer screening",
    "digital transformation",
    "elective recovery",
    "urgent and emergency care",
];

const TAGS: &[&str] = &["nhs", "gov", "hin", "research", "digital", "journal"];

/// Words with Zipf-like frequencies, as in real text: a few very common
/// words, a long tail of rare ones.
struct Vocabulary {
    words: Vec<String>,
    /// Cumulative weights, for sampling by binary search.
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(rng: &mut Rng) -> Vocabulary {
        let mut words: Vec<String> = STOP.iter().map(|w| w.to_string()).collect();
        for _ in 0..30_000 {
            let n = 2 + rng.below(3) as usize;
            words.push(
                (0..n)
                    .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
                    .collect(),
            );
        }
        // Topical words get ranks 100 to 1,000: each is in a few to a few
        // dozen per cent of articles, as words like these are in real news.
        for w in WORDS {
            let rank = 100 + rng.below(900) as usize;
            words.insert(rank.min(words.len()), w.to_string());
        }
        let mut total = 0.0;
        let cumulative = (0..words.len())
            .map(|rank| {
                total += 1.0 / (rank as f64 + 2.0);
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    fn words(&self, rng: &mut Rng, n: usize) -> String {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let mut out = String::new();
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
            let at = self
                .cumulative
                .partition_point(|c| *c < x)
                .min(self.words.len() - 1);
            out.push_str(&self.words[at]);
        }
        out
    }
}

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
                html: None,
                full_text: None,
                local: false,
                list: None,
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
    let vocabulary = Vocabulary::new(&mut rng);
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
                    let phrase =
                        PHRASES[rng.below(PHRASES.len() as u64 * 2) as usize % PHRASES.len()];
                    let with_phrase = rng.below(2) == 0;
                    let text = vocabulary.words(&mut rng, n);
                    if with_phrase {
                        format!("<p>{text} {phrase}.</p>")
                    } else {
                        format!("<p>{text}.</p>")
                    }
                })
                .collect();
            let title_words = 6 + rng.below(6) as usize;
            items.push(ParsedArticle {
                guid: format!("f{f}-a{n}"),
                title: capitalise(&vocabulary.words(&mut rng, title_words)),
                title_derived: false,
                link: Some(format!("https://example.test/{f}/{n}")),
                author: Some(format!("Author {}", rng.below(200))),
                published: Some(now - age),
                updated: None,
                summary: Some(format!("<p>{}.</p>", vocabulary.words(&mut rng, 30))),
                content: Some(paragraphs.concat()),
                content_from_page: false,
                prepared: None,
            });
        }
        let feed = ParsedFeed {
            title: Some(configs[f].name.clone()),
            articles: items,
            ..Default::default()
        };
        store.record(&FetchReport::fetched(*id, feed, now))?;
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
