//! Stories: copies of one announcement from several sources, grouped.
//!
//! Two articles are one story when their links are the same after
//! normalisation ([`link_key`]: scheme, `www.`, trailing slash, fragment
//! and tracking parameters ignored), or when they are dated within
//! [`WINDOW_DAYS`] of each other, come from different feeds, and the
//! SimHashes of their title and opening text ([`simhash`]: 64 bits over
//! word 2-shingles) differ in at most [`MAX_DISTANCE`] bits and they share
//! at least [`MIN_OVERLAP`] of those shingles ([`Sketch::same_story`]). The
//! thresholds were chosen on the labelled pairs in `story_eval.rs` (see
//! there for precision and recall).
//!
//! Stories are assigned when articles are stored ([`crate::store::Store::assign_stories`],
//! called by the fetch paths through [`crate::alerts::Alerter::record`]):
//! `articles.story_id` is the id of the story's first article, or NULL for
//! an article that is a story of its own.

/// Articles further apart than this are never near-duplicates.
pub const WINDOW_DAYS: i64 = 3;
/// Largest Hamming distance between the SimHashes of near-duplicates.
pub const MAX_DISTANCE: u32 = 12;
/// Words of opening text that go into the SimHash with the title.
const OPENING_WORDS: usize = 30;
/// Smallest share of shingles two copies of a story have in common.
pub const MIN_OVERLAP: f64 = 0.4;

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

/// Hashes of the word 2-shingles of the title and the first words of the
/// text (single words for one-word texts); None when there are too few
/// words to say anything.
fn shingle_hashes(title: &str, text: &str) -> Option<Vec<u64>> {
    let mut w: Vec<String> = words(title).collect();
    w.extend(words(text).take(OPENING_WORDS));
    if w.len() < 3 {
        return None;
    }
    Some(
        w.windows(2)
            .map(|pair| fnv(pair[0].as_bytes(), pair[1].as_bytes()))
            .collect(),
    )
}

/// The 64-bit SimHash of the title and the first words of the text, over
/// word 2-shingles; None when there are too few words to say anything.
pub fn simhash(title: &str, text: &str) -> Option<i64> {
    shingle_hashes(title, text).map(|h| simhash_of(&h))
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

/// What an article is compared on: the SimHash that finds candidates
/// quickly, and the shingles that confirm them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketch {
    pub simhash: i64,
    /// Sorted, without repeats.
    shingles: Vec<u64>,
    /// Hashes of the title's words, sorted, without repeats.
    title: Vec<u64>,
}

impl Sketch {
    pub fn new(title: &str, text: &str) -> Option<Sketch> {
        let mut shingles = shingle_hashes(title, text)?;
        let simhash = simhash_of(&shingles);
        shingles.sort_unstable();
        shingles.dedup();
        let mut title: Vec<u64> = words(title).map(|w| fnv(w.as_bytes(), b"")).collect();
        title.sort_unstable();
        title.dedup();
        Some(Sketch {
            simhash,
            shingles,
            title,
        })
    }

    /// Whether the two are one story: SimHashes within [`MAX_DISTANCE`]
    /// bits, at least [`MIN_OVERLAP`] of the smaller set of shingles
    /// shared, and as much of the shorter title's words. The second test
    /// removes the chance matches the first makes among many thousands of
    /// unrelated articles; the third, different announcements that open
    /// with the same boilerplate ("Read more on our website").
    pub fn same_story(&self, other: &Sketch) -> bool {
        near(self.simhash, other.simhash)
            && self.overlap(other) >= MIN_OVERLAP
            && !self.title.is_empty()
            && !other.title.is_empty()
            && share(&self.title, &other.title) >= MIN_OVERLAP
    }

    /// The share of the smaller set of shingles found in the other.
    pub fn overlap(&self, other: &Sketch) -> f64 {
        share(&self.shingles, &other.shingles)
    }
}

/// The share of the smaller of two sorted sets found in the other.
fn share(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let smaller = a.len().min(b.len()).max(1);
    shared as f64 / smaller as f64
}

/// Bits in which two SimHashes differ.
pub fn distance(a: i64, b: i64) -> u32 {
    (a ^ b).count_ones()
}

/// Whether two SimHashes are of near-duplicate texts.
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

/// The title and opening text an article is compared on.
pub fn sketch(title: &str, summary: Option<&str>, content: Option<&str>) -> Option<Sketch> {
    let body = if compares_summary(summary) {
        summary
    } else {
        content
    };
    let body = body.unwrap_or("");
    let text = crate::query::html_to_text(body);
    Sketch::new(title, &text)
}

/// The SimHash of [`sketch`].
pub fn fingerprint(title: &str, summary: Option<&str>, content: Option<&str>) -> Option<i64> {
    sketch(title, summary, content).map(|s| s.simhash)
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
    fn near_duplicates() {
        let a = simhash(
            "Health innovation networks relicensed for five years",
            "The Government has confirmed that Academic Health Science Networks are relicensed for a further five years.",
        )
        .unwrap();
        let b = simhash(
            "Health innovation networks relicensed for five years | HIN",
            "The Government has confirmed that the Academic Health Science Networks are relicensed for a further five years, from April.",
        )
        .unwrap();
        let c = simhash(
            "Virtual wards reach 10,000 beds",
            "Virtual wards let patients get hospital-level care at home, monitored by clinical teams.",
        )
        .unwrap();
        assert!(near(a, b), "{}", distance(a, b));
        assert!(!near(a, c), "{}", distance(a, c));
        assert_eq!(simhash("Hi", ""), None);
    }

    #[test]
    fn copies_share_their_shingles() {
        let a = Sketch::new(
            "Relicensing of AHSNs confirmed",
            "NHS England has confirmed the relicensing of the 15 Academic Health Science Networks for a further five years.",
        )
        .unwrap();
        let b = Sketch::new(
            "RELICENSING OF AHSNS CONFIRMED | Health Wire",
            "NHS England has confirmed the relicensing of the 15 Academic Health Science Networks for a further five years. Read more",
        )
        .unwrap();
        assert!(
            a.same_story(&b),
            "{} {}",
            distance(a.simhash, b.simhash),
            a.overlap(&b)
        );
    }

    #[test]
    fn a_chance_simhash_match_is_not_a_story() {
        // Unrelated texts whose SimHashes happen to be close, as happens
        // among many thousands of articles.
        let a = Sketch {
            simhash: 0b1011,
            shingles: vec![1, 2, 3, 4, 5],
            title: vec![1, 2],
        };
        let b = Sketch {
            simhash: 0b1001,
            shingles: vec![6, 7, 8, 9, 10],
            title: vec![1, 2],
        };
        assert!(near(a.simhash, b.simhash));
        assert!(!a.same_story(&b));
        assert!(a.same_story(&a));
    }

    #[test]
    fn a_shared_boilerplate_opening_is_not_a_story() {
        let boilerplate = "Read the full announcement on our website, where you can also find \
                           contact details for the press office and our privacy notice.";
        let a = Sketch::new("Pharmacy opening hours", boilerplate).unwrap();
        let b = Sketch::new("Board meeting papers", boilerplate).unwrap();
        assert!(near(a.simhash, b.simhash) && a.overlap(&b) >= MIN_OVERLAP);
        assert!(!a.same_story(&b));
        let c = Sketch::new("Pharmacy opening hours | Trust", boilerplate).unwrap();
        assert!(a.same_story(&c));
    }
}
