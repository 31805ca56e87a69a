//! Suggesting `[feed.html]` rules for a page without a feed, from its
//! listing's repeated structure (`tidings discover`).

use std::collections::{HashMap, HashSet};

use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::date::parse_date;
use super::dom::{self, Flow, Visit};
use super::extract::extract_items;
use super::rules::HtmlRules;

/// Rules guessed from a listing page, with what applying them found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub rules: HtmlRules,
    /// Items the suggested rules extract from the page.
    pub item_count: usize,
    /// The first few titles found, to show the user.
    pub sample_titles: Vec<String>,
}

impl Suggestion {
    /// A `[feed.html]` block to paste under a `[[feed]]` entry.
    pub fn to_toml(&self) -> String {
        let r = &self.rules;
        let example = self.sample_titles.first().map(|t| toml_str(t));
        let mut out = format!(
            "# {} items found, e.g. {}\n",
            self.item_count,
            example.unwrap_or_default()
        );
        out.push_str("[feed.html]\n");
        let fields = [
            ("item", Some(&r.item)),
            ("title", r.title.as_ref()),
            ("link", r.link.as_ref()),
            ("date", r.date.as_ref()),
            ("summary", r.summary.as_ref()),
            ("author", r.author.as_ref()),
            ("next", r.next.as_ref()),
        ];
        for (key, value) in fields {
            if let Some(v) = value {
                out.push_str(&format!("{key} = {}\n", toml_str(v)));
            }
        }
        if r.next.is_some() {
            out.push_str("# max_pages = 3\n");
        }
        out.push_str("# content = \"auto\"   # fetch each article's full text\n");
        out
    }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What an element's subtree holds, gathered bottom-up.
#[derive(Default, Clone, Copy)]
struct Feat {
    links: u32,
    link_text: usize,
    text_len: usize,
    heading: bool,
    date: bool,
    para: bool,
}

impl Feat {
    fn merge(&mut self, c: &Feat) {
        self.links += c.links;
        self.link_text = self.link_text.max(c.link_text);
        self.text_len += c.text_len;
        self.heading |= c.heading;
        self.date |= c.date;
        self.para |= c.para;
    }
}

/// Per candidate selector: the item-like elements it matches.
#[derive(Default)]
struct Stats {
    good: Vec<usize>,
    nested: usize,
    heading: usize,
    date: usize,
    para: usize,
    depth: usize,
}

/// Tags never proposed as the item element.
const NOT_ITEMS: &[&str] = &[
    "html", "body", "main", "h1", "h2", "h3", "h4", "h5", "h6", "p", "span", "time", "strong", "b",
    "em", "i", "small", "img", "ul", "ol", "table", "tbody", "thead", "td", "th", "header",
    "footer", "label",
];
const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];
const ITEM_WORDS: &[&str] = &[
    "post", "item", "card", "entry", "news", "article", "teaser", "story", "result",
];
const SUMMARY_WORDS: &[&str] = &[
    "excerpt",
    "summary",
    "desc",
    "teaser",
    "intro",
    "standfirst",
    "lead",
];

/// A class usable in a selector without escaping, and not an id-like one.
fn plain_class(c: &str) -> bool {
    c.starts_with(|ch: char| ch.is_ascii_alphabetic())
        && c.chars()
            .all(|ch| ch.is_ascii_alphabetic() || ch == '-' || ch == '_')
}

/// `tag` and `tag.class` for each plain class.
fn signatures(el: ElementRef<'_>) -> Vec<String> {
    let name = el.value().name();
    std::iter::once(name.to_string())
        .chain(
            el.value()
                .classes()
                .filter(|c| plain_class(c))
                .map(|c| format!("{name}.{c}")),
        )
        .collect()
}

/// Menus, sidebars, banners: never part of the listing. Headers and
/// footers count only inside an article or list item.
fn skip_for_suggest(el: ElementRef<'_>) -> bool {
    match el.value().name() {
        "header" | "footer" => !el
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| matches!(a.value().name(), "article" | "li")),
        _ => dom::is_junk(el),
    }
}

fn usable_href(el: ElementRef<'_>) -> bool {
    el.attr("href").is_some_and(|h| {
        let h = h.trim();
        !h.is_empty() && !h.starts_with('#') && !h.starts_with("javascript:")
    })
}

/// Finds the page's repeated item structure and proposes rules for it.
///
/// Candidates are `tag` / `tag.class` selectors matching at least 3
/// elements that hold a link and a heading (or a link with substantial
/// text). They are scored by how many items they match, how many of those
/// also hold a date and a summary, and how few other elements they match;
/// ties go to the outermost element.
pub fn suggest_rules(html: &str, page_url: &Url) -> Option<Suggestion> {
    let doc = Html::parse_document(html);
    let body = dom::sel("body").and_then(|s| doc.select(&s).next())?;
    let stats = collect_stats(body);

    let mut best: Option<(f64, usize, String, &Stats)> = None;
    for (key, s) in &stats {
        let good = s.good.len();
        let eff = good.saturating_sub(s.nested);
        if eff < 3 {
            continue;
        }
        let Ok(sel) = Selector::parse(key) else {
            continue;
        };
        let total = doc.select(&sel).count().max(good);
        let precision = eff as f64 / total as f64;
        if precision < 0.5 {
            continue;
        }
        let frac = |n: usize| n as f64 / good as f64;
        let score = eff as f64
            * (1.0 + frac(s.heading) + frac(s.date) + frac(s.para))
            * precision
            * precision;
        let depth = s.depth / good;
        let better = match &best {
            None => true,
            Some((bs, bd, bk, _)) => score
                .total_cmp(bs)
                .then(bd.cmp(&depth))
                .then(key_rank(bk).cmp(&key_rank(key)))
                .then(bk.len().cmp(&key.len()))
                .then(bk.cmp(key))
                .is_gt(),
        };
        if better {
            best = Some((score, depth, key.clone(), s));
        }
    }
    let (_, _, key, s) = best?;
    let good: HashSet<usize> = s.good.iter().copied().collect();
    let item = narrow(&doc, &key, &good);
    let sel = Selector::parse(&item).ok()?;
    let instances: Vec<ElementRef<'_>> = doc
        .select(&sel)
        .filter(|e| good.contains(&dom::el_key(*e)))
        .collect();

    let mut rules = HtmlRules {
        item,
        ..Default::default()
    };
    if let Some(h) = pick(&instances, first_heading) {
        // Link from the heading when every heading holds one.
        let (heading, a) = (Selector::parse(&h).ok()?, dom::sel("a[href]")?);
        rules.link = instances
            .iter()
            .filter_map(|i| i.select(&heading).next())
            .all(|e| e.select(&a).next().is_some())
            .then(|| format!("{h} a@href"));
        rules.title = Some(h);
    } else if let Some(a) = pick(&instances, longest_link) {
        rules.link = Some(format!("{a}@href"));
        rules.title = Some(a);
    }
    rules.date = date_rule(&instances);
    rules.summary = pick(&instances, summary_el);
    rules.next = next_rule(&doc, page_url);

    let compiled = rules.compile().ok()?;
    let page = extract_items(html, page_url, &compiled).ok()?;
    if page.items.is_empty() {
        return None;
    }
    Some(Suggestion {
        item_count: page.items.len(),
        sample_titles: page.items.iter().take(3).map(|i| i.title.clone()).collect(),
        rules,
    })
}

/// Lower is better: item-ish class, other class, semantic tag, bare tag.
fn key_rank(key: &str) -> u8 {
    match key.split_once('.') {
        Some((_, class)) if ITEM_WORDS.iter().any(|w| class.contains(w)) => 0,
        Some(_) => 1,
        None if matches!(key, "article" | "li" | "tr") => 2,
        None => 3,
    }
}

/// One walk gathering, for every candidate selector, its item-like matches.
fn collect_stats(body: ElementRef<'_>) -> HashMap<String, Stats> {
    struct Frame {
        keys: Vec<String>,
        feat: Feat,
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut open: HashMap<String, usize> = HashMap::new();
    let mut stats: HashMap<String, Stats> = HashMap::new();
    dom::walk(body, |v| {
        match v {
            Visit::Open(el) => {
                if skip_for_suggest(el) || matches!(el.value().name(), "script" | "style") {
                    return Flow::Skip;
                }
                let keys = if NOT_ITEMS.contains(&el.value().name()) {
                    Vec::new()
                } else {
                    signatures(el)
                };
                for k in &keys {
                    *open.entry(k.clone()).or_default() += 1;
                }
                stack.push(Frame {
                    keys,
                    feat: Feat::default(),
                });
            }
            Visit::Text(t, _) => {
                if let Some(f) = stack.last_mut() {
                    f.feat.text_len += t.trim().len();
                }
            }
            Visit::Close(el) => {
                let Some(mut fr) = stack.pop() else {
                    return Flow::Next;
                };
                let d = fr.feat;
                let link_here = el.value().name() == "a" && usable_href(el);
                let link_text = if link_here { dom::text(el).len() } else { 0 };
                let item_like =
                    (d.links > 0 || link_here) && (d.heading || d.link_text.max(link_text) >= 15);
                for k in &fr.keys {
                    let depth = open.get(k).copied().unwrap_or(1);
                    if item_like {
                        let s = stats.entry(k.clone()).or_default();
                        s.good.push(dom::el_key(el));
                        s.nested += usize::from(depth > 1);
                        s.heading += usize::from(d.heading);
                        s.date += usize::from(d.date);
                        s.para += usize::from(d.para);
                        s.depth += stack.len();
                    }
                    if let Some(n) = open.get_mut(k) {
                        *n = n.saturating_sub(1);
                    }
                }
                // Add this element's own traits before passing them up.
                let name = el.value().name();
                if link_here {
                    fr.feat.links += 1;
                    fr.feat.link_text = fr.feat.link_text.max(link_text);
                }
                fr.feat.heading |= HEADINGS.contains(&name);
                fr.feat.date |= name == "time" || (!d.date && is_date_el(el, d.text_len));
                fr.feat.para |= (name == "p" && d.text_len >= 30) || has_word(el, SUMMARY_WORDS);
                if let Some(parent) = stack.last_mut() {
                    parent.feat.merge(&fr.feat);
                }
            }
        }
        Flow::Next
    });
    stats
}

fn is_date_el(el: ElementRef<'_>, text_len: usize) -> bool {
    (6..=60).contains(&text_len) && parse_date(&dom::text(el), &[], false).is_some()
}

fn has_word(el: ElementRef<'_>, words: &[&str]) -> bool {
    el.value().classes().any(|c| {
        let c = c.to_ascii_lowercase();
        words.iter().any(|w| c.contains(w))
    })
}

/// Qualifies a selector with an ancestor's class or id when that drops
/// matches that are not items ("tr" → "table.announcements tr").
fn narrow(doc: &Html, key: &str, good: &HashSet<usize>) -> String {
    let count = |s: &str| -> Option<(usize, usize)> {
        let sel = Selector::parse(s).ok()?;
        let all: Vec<_> = doc.select(&sel).map(dom::el_key).collect();
        Some((all.len(), all.iter().filter(|k| good.contains(k)).count()))
    };
    let Some((total, hits)) = count(key) else {
        return key.to_string();
    };
    if total == hits {
        return key.to_string();
    }
    let Some(first) = Selector::parse(key)
        .ok()
        .and_then(|sel| doc.select(&sel).find(|e| good.contains(&dom::el_key(*e))))
    else {
        return key.to_string();
    };
    let mut best = (key.to_string(), total);
    for anc in first.ancestors().filter_map(ElementRef::wrap).take(6) {
        let v = anc.value();
        let prefixes = v
            .id()
            .filter(|id| plain_class(id))
            .map(|id| format!("#{id}"))
            .into_iter()
            .chain(
                v.classes()
                    .filter(|c| plain_class(c))
                    .map(|c| format!("{}.{c}", v.name())),
            );
        for p in prefixes {
            let cand = format!("{p} {key}");
            if let Some((t, h)) = count(&cand) {
                if h == hits && t < best.1 {
                    best = (cand, t);
                }
            }
        }
    }
    best.0
}

/// The most common signature of the element `find` picks in each item,
/// when that signature finds the same element in at least 80% of items.
fn pick<'a>(
    items: &[ElementRef<'a>],
    find: impl Fn(ElementRef<'a>) -> Option<ElementRef<'a>>,
) -> Option<String> {
    let chosen: Vec<(ElementRef<'a>, ElementRef<'a>)> =
        items.iter().filter_map(|i| Some((*i, find(*i)?))).collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (_, el) in &chosen {
        for s in signatures(*el) {
            *counts.entry(s).or_default() += 1;
        }
    }
    let need = (items.len() * 4).div_ceil(5).max(1);
    let mut sigs: Vec<(String, usize)> = counts.into_iter().filter(|(_, n)| *n >= need).collect();
    // Prefer classed signatures, then the most common, then the shortest.
    sigs.sort_by(|(a, an), (b, bn)| {
        b.contains('.')
            .cmp(&a.contains('.'))
            .then(bn.cmp(an))
            .then(a.len().cmp(&b.len()))
            .then(a.cmp(b))
    });
    sigs.into_iter().map(|(s, _)| s).find(|s| {
        let Ok(sel) = Selector::parse(s) else {
            return false;
        };
        let same = chosen
            .iter()
            .filter(|(item, el)| item.select(&sel).next() == Some(*el))
            .count();
        same >= need
    })
}

fn first_heading(item: ElementRef<'_>) -> Option<ElementRef<'_>> {
    let sel = dom::sel("h1, h2, h3, h4, h5, h6")?;
    item.select(&sel).find(|h| !dom::text(*h).is_empty())
}

fn longest_link(item: ElementRef<'_>) -> Option<ElementRef<'_>> {
    let sel = dom::sel("a[href]")?;
    item.select(&sel)
        .filter(|a| usable_href(*a))
        .max_by_key(|a| dom::text(*a).len())
}

fn summary_el(item: ElementRef<'_>) -> Option<ElementRef<'_>> {
    let all = dom::sel("*")?;
    let by_class = item
        .select(&all)
        .find(|e| has_word(*e, SUMMARY_WORDS) && dom::text(*e).len() >= 20);
    by_class.or_else(|| {
        let p = dom::sel("p")?;
        item.select(&p).find(|e| {
            let t = dom::text(*e);
            t.len() >= 30 && parse_date(&t, &[], false).is_none()
        })
    })
}

/// `time@datetime`, `time`, or the signature of a short date-text element.
fn date_rule(items: &[ElementRef<'_>]) -> Option<String> {
    let time = dom::sel("time")?;
    let need = (items.len() * 4).div_ceil(5).max(1);
    let times: Vec<ElementRef<'_>> = items
        .iter()
        .filter_map(|i| i.select(&time).next())
        .collect();
    if times.len() >= need {
        let with_attr = times
            .iter()
            .filter(|t| {
                t.attr("datetime")
                    .is_some_and(|d| parse_date(d, &[], false).is_some())
            })
            .count();
        return Some(
            if with_attr >= need {
                "time@datetime"
            } else {
                "time"
            }
            .to_string(),
        );
    }
    // Otherwise the smallest element whose text reads as a date.
    let all = dom::sel("*")?;
    pick(items, |item| {
        item.select(&all)
            .filter_map(|e| Some((e, dom::text_limited(e, 60)?)))
            .filter(|(_, t)| parse_date(t, &[], false).is_some())
            .min_by_key(|(_, t)| t.len())
            .map(|(e, _)| e)
    })
}

/// A selector for the "next page" link, if the page has one.
fn next_rule(doc: &Html, page_url: &Url) -> Option<String> {
    let base = dom::base_url(doc, page_url);
    [
        r#"a[rel~="next"]"#,
        "a.next",
        "li.next a",
        ".pagination-next a",
        ".nav-next a",
        "a.next-page",
        r#"link[rel~="next"]"#,
    ]
    .iter()
    .find(|s| {
        dom::sel(s)
            .and_then(|sel| doc.select(&sel).next())
            .and_then(|e| dom::resolve(&base, e.attr("href")?))
            .is_some_and(|u| &u != page_url)
    })
    .map(|s| format!("{s}@href"))
}

#[cfg(test)]
mod tests;
