//! Stories: copies of one announcement from different sources, grouped.
//!
//! A story never holds two articles of one feed: a feed's own articles
//! are its announcements, each listed. Two articles of different feeds
//! are one story ([`same_story`]) when
//!
//! - their links identify the same item and their words agree: the links
//!   are the same after normalisation ([`link_key`]: scheme, `www.`,
//!   trailing slash, fragment and tracking parameters ignored), the link
//!   is specific to one item (see below), and the headlines share half the
//!   longer one's words or the openings a fifth of their word triples
//!   ([`Sketch::related`]); or
//! - they are dated within [`WINDOW_DAYS`] of each other and are copies of
//!   one text ([`Sketch::copies`]): the word 3-shingles of the first
//!   [`LEAD_WORDS`] words of their openings overlap by at least
//!   [`MIN_LEAD_OVERLAP`] of the smaller set, and one headline, however
//!   rewritten, is borne out by the other copy's words (half its words
//!   are there). A shared stock opening ("NHS England today announced
//!   that…") followed by different text shares too little; a shared
//!   boilerplate text under unrelated headlines bears neither headline
//!   out. So a copy whose new headline has no word of the other copy, nor
//!   the other's headline a word of it, is listed apart.
//!
//! Headlines whose numbers all differ ("reach 10,000", "reach 12,000") are
//! never one story.
//!
//! A link identifies nothing when it is the site's home page (an empty or
//! `/` path and no query: [`link_identity`]), the feed's own address or
//! its site link, or when two or more articles of the same feed carry it
//! (a news index page that small organisations' feeds and link-less HTML
//! listings give every item). A shared link alone never makes a story:
//! test feeds and careless publishers give unrelated items one link, and
//! hiding an announcement costs the reader more than listing a copy twice.
//! Two articles with the same specific link but no word in common are
//! therefore listed apart.
//!
//! Both tests and the thresholds were chosen on the labelled pairs in
//! `tests/story_eval.rs` (see there for precision and recall per class).
//! Candidates for the second are found through a SimHash of the opening
//! ([`Sketch::simhash`]), stored with each article: near-duplicate
//! openings have SimHashes within [`MAX_DISTANCE`] bits.
//!
//! A cache grouped under earlier rules is regrouped once by a migration
//! (see `store::aware::reapply_story_rules`).
//!
//! Stories are assigned when articles are stored ([`crate::store::Store::assign_stories`],
//! called by the fetch paths through [`crate::alerts::Alerter::record_all`]):
//! `articles.story_id` is the id of the story's first article, or NULL for
//! an article that is a story of its own.

/// Articles further apart than this are never copies by text alone.
pub const WINDOW_DAYS: i64 = 3;
/// Largest Hamming distance between the SimHashes of copies' openings.
pub const MAX_DISTANCE: u32 = 14;
/// Words of the opening text that are compared.
pub const LEAD_WORDS: usize = 60;
/// Words of the opening text that go into the SimHash: copies keep the
/// first sentences, so the start of the opening finds them.
const HASH_WORDS: usize = 30;
/// Fewest words of opening text that can show a copy.
const MIN_LEAD_WORDS: usize = 12;
/// Smallest share of the smaller set of opening shingles two copies share.
pub const MIN_LEAD_OVERLAP: f64 = 0.5;
/// Fewest opening shingles two copies share.
pub const MIN_SHARED: usize = 8;
/// Share of the longer headline's words the other must hold for the two
/// to say the same.
const SAME_HEADLINE: f64 = 0.75;
/// Smallest share of a headline's words the text two copies share must
/// hold.
const MIN_NEWS_SUPPORT: f64 = 0.15;
/// Smallest share of a headline's words the other copy bears out.
const MIN_SUPPORT: f64 = 0.5;

/// The link with what does not change the page removed: lower-case scheme
/// and host, `https` for `http`, no `www.`, no fragment, no tracking
/// parameters (`utm_*`, `fbclid`, `gclid`, ...), no trailing slash.
pub fn link_key(link: &str) -> Option<String> {
    let mut u = url::Url::parse(link.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let host = u.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    u.set_fragment(None);
    let kept: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !is_tracking(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query = if kept.is_empty() {
        String::new()
    } else {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &kept {
            s.append_pair(k, v);
        }
        format!("?{}", s.finish())
    };
    let path = u.path().trim_end_matches('/');
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    Some(format!("{host}{port}{path}{query}"))
}

/// Whether a [`link_key`] can name one item: not a site's home page (an
/// empty or `/` path without a query). A query on the home page does
/// (`/?p=123` is how WordPress links a post).
pub fn is_specific(key: &str) -> bool {
    key.contains('/') || key.contains('?')
}

/// The [`link_key`] of a link that can name one item ([`is_specific`]).
pub fn link_identity(link: &str) -> Option<String> {
    link_key(link).filter(|k| is_specific(k))
}

fn is_tracking(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("utm_")
        || matches!(
            k.as_str(),
            "fbclid" | "gclid" | "dclid" | "msclkid" | "mc_cid" | "mc_eid" | "igshid" | "ref_src"
        )
}

/// Lower-case words of letters and digits.
fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Words that say nothing of what an announcement is about.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "are", "as", "at", "be", "been", "but",
    "by", "can", "for", "from", "has", "have", "how", "in", "into", "is", "it", "its", "more",
    "new", "no", "not", "of", "on", "or", "our", "out", "over", "s", "says", "said", "so", "that",
    "the", "their", "this", "to", "up", "was", "we", "were", "what", "when", "which", "who",
    "will", "with", "you", "your",
];

/// A word's crude stem, so that "relicensed", "relicensing" and
/// "relicence" agree: a plural `s`, then `ing` or `ed`, then a final `e`.
fn stem(w: &str) -> &str {
    let mut s = w;
    if s.len() > 3 && s.ends_with('s') && !s.ends_with("ss") {
        s = &s[..s.len() - 1];
    }
    if s.len() > 5 && s.ends_with("ing") {
        s = &s[..s.len() - 3];
    } else if s.len() > 4 && s.ends_with("ed") {
        s = &s[..s.len() - 2];
    }
    if s.len() > 4 && s.ends_with('e') {
        s = &s[..s.len() - 1];
    }
    s
}

/// Hashes of the stems of the words that carry meaning (no stop words,
/// no bare numbers), sorted, without repeats.
fn content_stems<'a>(ws: impl Iterator<Item = &'a String>) -> Vec<u64> {
    let mut out: Vec<u64> = ws
        .filter(|w| !STOP_WORDS.contains(&w.as_str()) && !w.chars().all(|c| c.is_ascii_digit()))
        .map(|w| fnv(stem(w).as_bytes(), b""))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Hashes of the numbers written in `s` ("10,000" and "10000" agree),
/// sorted, without repeats.
fn numbers(s: &str) -> Vec<u64> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut n = String::new();
        while i < chars.len() {
            let c = chars[i];
            let joins = matches!(c, ',' | '.')
                && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())
                && !n.is_empty();
            if c.is_ascii_digit() || (c == '.' && joins) {
                n.push(c);
            } else if !(c == ',' && joins) {
                break;
            }
            i += 1;
        }
        out.push(fnv(n.as_bytes(), b"#"));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Hashes of the word `n`-shingles of `w` (single words when shorter).
fn shingles(w: &[String], n: usize) -> Vec<u64> {
    if w.len() < n {
        return w.iter().map(|x| fnv(x.as_bytes(), b"")).collect();
    }
    w.windows(n)
        .map(|s| {
            let joined = s[1..].join(" ");
            fnv(s[0].as_bytes(), joined.as_bytes())
        })
        .collect()
}

/// The 64-bit SimHash of the first words of an opening text, over word
/// 2-shingles; None when there are too few words to say anything.
pub fn simhash(text: &str) -> Option<i64> {
    let w: Vec<String> = words(text).take(HASH_WORDS).collect();
    if w.len() < MIN_LEAD_WORDS {
        return None;
    }
    Some(simhash_of(&shingles(&w, 2)))
}

fn simhash_of(hashes: &[u64]) -> i64 {
    let mut counts = [0i32; 64];
    for h in hashes {
        for (bit, c) in counts.iter_mut().enumerate() {
            *c += if h >> bit & 1 == 1 { 1 } else { -1 };
        }
    }
    let mut out: u64 = 0;
    for (bit, c) in counts.iter().enumerate() {
        if *c > 0 {
            out |= 1 << bit;
        }
    }
    out as i64
}

/// What an article is compared on: the SimHash of its opening that finds
/// candidates quickly, and the words that confirm them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketch {
    /// See [`simhash`]; None when the opening is too short to compare.
    pub simhash: Option<i64>,
    /// Word 3-shingles of the first [`LEAD_WORDS`] words of the opening,
    /// sorted, without repeats.
    lead: Vec<u64>,
    /// The same shingles in the order of the text.
    order: Vec<u64>,
    /// The stem of each word of the opening that carries meaning, else 0.
    stems: Vec<u64>,
    /// Words in the opening, up to [`LEAD_WORDS`].
    lead_words: usize,
    /// Stems of the title's words that carry meaning.
    title: Vec<u64>,
    /// Stems of the title's and the opening's words that carry meaning.
    words: Vec<u64>,
    /// Numbers in the title.
    numbers: Vec<u64>,
}

impl Sketch {
    pub fn new(title: &str, text: &str) -> Sketch {
        let lead: Vec<String> = words(text).take(LEAD_WORDS).collect();
        let title_words: Vec<String> = words(title).collect();
        let order = shingles(&lead, 3);
        let stems = lead
            .iter()
            .map(|w| {
                content_stems(std::iter::once(w))
                    .first()
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        let mut shingled = order.clone();
        shingled.sort_unstable();
        shingled.dedup();
        Sketch {
            simhash: simhash(text),
            lead: shingled,
            order,
            stems,
            lead_words: lead.len(),
            title: content_stems(title_words.iter()),
            words: content_stems(title_words.iter().chain(&lead)),
            numbers: numbers(title),
        }
    }

    /// Whether the two are copies of one text: openings long enough to
    /// tell, sharing at least [`MIN_SHARED`] shingles and
    /// [`MIN_LEAD_OVERLAP`] of the smaller set, each headline borne out by
    /// the other copy, and no number in one headline that the other
    /// contradicts. The SimHash is not consulted: it only finds candidates.
    pub fn copies(&self, other: &Sketch) -> bool {
        if self.lead_words < MIN_LEAD_WORDS || other.lead_words < MIN_LEAD_WORDS {
            return false;
        }
        let shared = shared(&self.lead, &other.lead);
        shared >= MIN_SHARED
            && share_of(shared, &self.lead, &other.lead) >= MIN_LEAD_OVERLAP
            && (self.supported_by(other) >= MIN_SUPPORT || other.supported_by(self) >= MIN_SUPPORT)
            && !self.numbers_differ(other)
            && (self.shared_text_is_the_news(other) || self.same_headline(other))
    }

    /// Whether the headlines say the same: three in four of the longer
    /// one's words in the other.
    fn same_headline(&self, other: &Sketch) -> bool {
        let longer = self.title.len().max(other.title.len());
        longer > 0 && shared(&self.title, &other.title) as f64 / longer as f64 >= SAME_HEADLINE
    }

    /// Whether the text the two openings share speaks of what a headline
    /// says: a copy shares the announcement's lead, while a shared stock
    /// opening ("This news release is issued by the press office…") holds
    /// none of either headline's words.
    fn shared_text_is_the_news(&self, other: &Sketch) -> bool {
        let mut common: Vec<u64> = Vec::new();
        for (i, h) in self.order.iter().enumerate() {
            if other.lead.binary_search(h).is_ok() {
                common.extend(self.stems.iter().skip(i).take(3).filter(|s| **s != 0));
            }
        }
        common.sort_unstable();
        common.dedup();
        let borne = |title: &[u64]| {
            !title.is_empty()
                && shared(title, &common) as f64 / title.len() as f64 >= MIN_NEWS_SUPPORT
        };
        borne(&self.title) || borne(&other.title)
    }

    /// Whether two articles that carry the same link have words in common:
    /// half the longer headline's, or a fifth of the openings' shingles
    /// (at least three); and no number in one headline that the other
    /// contradicts. A short headline whose words a long text happens to
    /// hold is not enough.
    pub fn related(&self, other: &Sketch) -> bool {
        if self.numbers_differ(other) {
            return false;
        }
        let longer = self.title.len().max(other.title.len());
        let titles = !self.title.is_empty()
            && !other.title.is_empty()
            && shared(&self.title, &other.title) as f64 / longer as f64 >= MIN_SUPPORT;
        let lead = shared(&self.lead, &other.lead);
        titles || (lead >= 3 && share_of(lead, &self.lead, &other.lead) >= 0.2)
    }

    /// The share of this headline's words found in the other's headline
    /// and opening (0 for a headline without words).
    fn supported_by(&self, other: &Sketch) -> f64 {
        if self.title.is_empty() {
            return 0.0;
        }
        shared(&self.title, &other.words) as f64 / self.title.len() as f64
    }

    /// Both headlines give numbers, and none of them agree ("reach 10,000"
    /// and "reach 12,000" are two announcements).
    fn numbers_differ(&self, other: &Sketch) -> bool {
        !self.numbers.is_empty()
            && !other.numbers.is_empty()
            && shared(&self.numbers, &other.numbers) == 0
    }

    /// The share of the smaller set of opening shingles found in the other.
    pub fn overlap(&self, other: &Sketch) -> f64 {
        share(&self.lead, &other.lead)
    }
}

/// Whether two articles of different feeds are one story: `same_link` when
/// they carry one specific link (see the module docs) and their words are
/// related, or when their texts are copies. The caller checks the feeds,
/// the link and the dates.
pub fn same_story(a: &Sketch, b: &Sketch, same_link: bool) -> bool {
    (same_link && a.related(b)) || a.copies(b)
}

/// How many of two sorted sets' members both hold.
fn shared(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

fn share_of(shared: usize, a: &[u64], b: &[u64]) -> f64 {
    shared as f64 / a.len().min(b.len()).max(1) as f64
}

/// The share of the smaller of two sorted sets found in the other.
fn share(a: &[u64], b: &[u64]) -> f64 {
    share_of(shared(a, b), a, b)
}

/// Bits in which two SimHashes differ.
pub fn distance(a: i64, b: i64) -> u32 {
    (a ^ b).count_ones()
}

/// Whether two SimHashes may be of copies' openings.
pub fn near(a: i64, b: i64) -> bool {
    distance(a, b) <= MAX_DISTANCE
}

/// FNV-1a of two words, then mixed so that every output bit depends on
/// every input bit.
fn fnv(a: &[u8], b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in a.iter().chain(&[0x20]).chain(b) {
        h ^= u64::from(*byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // splitmix64 finaliser
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Whether an article's opening text is its summary (one that is not
/// blank), else its content.
pub fn compares_summary(summary: Option<&str>) -> bool {
    summary.is_some_and(|s| !s.trim().is_empty())
}

/// The opening text of an article, as text.
pub fn opening(summary: Option<&str>, content: Option<&str>) -> String {
    let body = if compares_summary(summary) {
        summary
    } else {
        content
    };
    crate::query::html_to_text(body.unwrap_or(""))
}

/// The title and opening text an article is compared on.
pub fn sketch(title: &str, summary: Option<&str>, content: Option<&str>) -> Sketch {
    Sketch::new(title, &opening(summary, content))
}

/// The SimHash of [`sketch`].
pub fn fingerprint(summary: Option<&str>, content: Option<&str>) -> Option<i64> {
    simhash(&opening(summary, content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_normalise() {
        let k = |s: &str| link_key(s).unwrap();
        assert_eq!(
            k("http://www.Example.org/news/a/?utm_source=x&id=3&fbclid=y#top"),
            "example.org/news/a?id=3"
        );
        assert_eq!(k("https://example.org/news/a"), "example.org/news/a");
        assert_eq!(
            k("https://example.org/news/a?gclid=1"),
            k("http://www.example.org/news/a/")
        );
        assert_ne!(
            k("https://example.org/news/a"),
            k("https://example.org/news/b")
        );
        assert_ne!(k("https://example.org/?p=1"), k("https://example.org/?p=2"));
        assert_eq!(link_key("mailto:a@b.c"), None);
        assert_eq!(link_key("not a url"), None);
    }

    #[test]
    fn a_home_page_names_no_item() {
        for home in [
            "http://example.org",
            "http://example.org/",
            "https://www.example.org/#news",
            "https://example.org:8080/?utm_source=x",
        ] {
            assert_eq!(link_identity(home), None, "{home}");
        }
        for item in [
            "https://example.org/?p=123",
            "https://example.org/news",
            "http://127.0.0.1:8080/a",
        ] {
            assert!(link_identity(item).is_some(), "{item}");
        }
    }

    const LEAD: &str = "Today the Government has confirmed that that Academic Health Science \
        Networks (AHSNs) are being relicensed for a further five year period as part of a broader \
        commitment to science, research and innovation.";
    const REST: &str = "Set up in 2013 by NHS England to act as innovation arms of the NHS, AHSNs \
        work locally and nationally to support the spread of all types of innovation.";

    #[test]
    fn a_rewritten_headline_over_a_shared_lead_is_a_copy() {
        let a = Sketch::new("Relicensing of AHSNs confirmed", &format!("{LEAD} {REST}"));
        let b = Sketch::new(
            "Health innovation networks relicensed for five years",
            &format!(
                "{} Read the full announcement from the HIN.",
                LEAD.replace("that that", "that")
            ),
        );
        assert!(a.copies(&b) && b.copies(&a), "{}", a.overlap(&b));
        let (ha, hb) = (a.simhash.unwrap(), b.simhash.unwrap());
        assert!(near(ha, hb), "{}", distance(ha, hb));
        assert!(same_story(&a, &b, false));
    }

    #[test]
    fn a_stock_opening_is_not_a_copy() {
        let stock = "NHS England today announced that";
        let a = Sketch::new(
            "Cancer checks in supermarket car parks",
            &format!("{stock} mobile lung health checks will visit supermarket car parks in twenty more areas this winter, offering scans to people aged 55 to 74 who have ever smoked."),
        );
        let b = Sketch::new(
            "More mental health support in schools",
            &format!("{stock} mental health support teams will be in half of all schools by spring, two years early, helping pupils with anxiety and low mood."),
        );
        assert!(!a.copies(&b));
        assert!(!same_story(&a, &b, false));
    }

    #[test]
    fn a_shared_boilerplate_text_bears_out_no_headline() {
        let boilerplate = "Read the full announcement on our website, where you can also find \
                           contact details for the press office and our privacy notice.";
        let a = Sketch::new("Pharmacy opening hours", boilerplate);
        let b = Sketch::new("Board meeting papers", boilerplate);
        assert_eq!(a.overlap(&b), 1.0);
        assert!(!a.copies(&b));
        let c = Sketch::new("Pharmacy opening hours | Trust", boilerplate);
        assert!(a.copies(&c));
    }

    #[test]
    fn headlines_with_other_numbers_are_other_announcements() {
        let text = "Virtual wards let patients get hospital-level care at home, monitored by \
                    clinical teams through apps and wearable devices, the latest figures show.";
        let a = Sketch::new("Virtual wards reach 10,000 beds", text);
        let b = Sketch::new("Virtual wards reach 12,000 beds", text);
        let c = Sketch::new("Virtual wards now at 10000 beds, NHS says", text);
        assert!(!a.copies(&b) && !a.related(&b));
        assert!(a.copies(&c) && a.related(&c));
    }

    #[test]
    fn a_shared_link_needs_words_in_common() {
        let a = Sketch::new("Example entry", "");
        let b = Sketch::new("Another item entirely", "");
        assert!(!a.related(&b));
        assert!(!same_story(&a, &b, true));
        let c = Sketch::new("Example entry | Aggregator", "");
        assert!(same_story(&a, &c, true));
        assert!(!same_story(&a, &c, false));
        // Nothing to compare: not a story.
        let blank = Sketch::new("", "");
        assert!(!same_story(&blank, &blank.clone(), true));
    }

    #[test]
    fn stems_agree() {
        for (a, b) in [
            ("relicensed", "relicensing"),
            ("relicence", "relicenced"),
            ("networks", "network"),
            ("services", "service"),
            ("opening", "open"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} {b}");
        }
        assert_eq!(
            numbers("Up 10,000 to 3.5m in 2023."),
            numbers("3.5 and 10000 and 2023")
        );
    }
}
