#![allow(clippy::unwrap_used)]

use super::*;
use crate::scrape::extract::ScrapedItem;
use crate::scrape::fixtures::*;
use crate::scrape::{feed_links, looks_like_feed, looks_like_html};

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

/// Suggests rules, checks the TOML round-trips, and applies them.
fn suggest_and_apply(html: &str, page: &str) -> (Suggestion, Vec<ScrapedItem>) {
    let page_url = url(page);
    let s = suggest_rules(html, &page_url).unwrap();
    let toml_text = s.to_toml();
    let parsed: toml::Table = toml::from_str(&toml_text).unwrap();
    let rules: HtmlRules = parsed["feed"]["html"].clone().try_into().unwrap();
    assert_eq!(rules, s.rules, "{toml_text}");
    let items = extract_items(html, &page_url, &rules.compile().unwrap())
        .unwrap()
        .items;
    (s, items)
}

fn titles(items: &[ScrapedItem]) -> Vec<&str> {
    items.iter().map(|i| i.title.as_str()).collect()
}

#[test]
fn suggests_wordpress_rules() {
    let (s, items) = suggest_and_apply(WP, "https://healthinnovationnetwork.com/news/");
    assert_eq!(s.rules.item, "article.post", "{}", s.to_toml());
    assert_eq!(s.rules.title.as_deref(), Some("h2.entry-title"));
    assert_eq!(s.rules.link.as_deref(), Some("h2.entry-title a@href"));
    assert_eq!(s.rules.date.as_deref(), Some("time@datetime"));
    assert_eq!(s.rules.summary.as_deref(), Some("div.entry-summary"));
    assert_eq!(s.rules.next.as_deref(), Some("a.next@href"));
    assert_eq!(items.len(), 10);
    assert_eq!(s.item_count, 10);
    assert_eq!(titles(&items)[1], "Relicensing of AHSNs confirmed");
    assert!(items
        .iter()
        .all(|i| i.date.is_some() && i.summary.is_some()));
    let (_, items2) = suggest_and_apply(WP2, "https://healthinnovationnetwork.com/news/page/2/");
    assert_eq!(items2.len(), 6);
}

#[test]
fn suggests_govuk_rules() {
    let (s, items) = suggest_and_apply(GOVUK, "https://www.gov.uk/search/news-and-communications");
    assert_eq!(
        s.rules.item,
        "li.gem-c-document-list__item",
        "{}",
        s.to_toml()
    );
    assert_eq!(s.rules.date.as_deref(), Some("time@datetime"));
    assert!(s.rules.summary.is_some());
    assert_eq!(items.len(), 8);
    assert_eq!(
        titles(&items)[0],
        "New funding to speed up adoption of innovative medical technology"
    );
    assert_eq!(
        items[0].link.as_str(),
        "https://www.gov.uk/government/news/new-funding-to-speed-up-adoption-of-innovative-medical-technology"
    );
    assert!(s.rules.next.as_deref().unwrap().contains("next"));
}

#[test]
fn suggests_card_rules() {
    let (s, items) = suggest_and_apply(NENC, "https://healthinnovationnenc.org.uk/news/");
    assert_eq!(s.rules.item, "div.news-card", "{}", s.to_toml());
    assert_eq!(items.len(), 9);
    assert_eq!(
        titles(&items)[0],
        "AI tool to speed up stroke diagnosis rolled out across the region"
    );
    assert!(items.iter().all(|i| i.date.is_some()), "{}", s.to_toml());
    assert!(items.iter().all(|i| i.summary.is_some()));

    let (s, items) = suggest_and_apply(YH, "https://www.healthinnovationyh.org.uk/news/");
    assert_eq!(s.rules.item, "div.post-item", "{}", s.to_toml());
    assert_eq!(items.len(), 8);
    assert_eq!(
        titles(&items)[1],
        "Government confirms relicensing of the AHSN Network"
    );
    assert!(items.iter().all(|i| i.date.is_some()), "{}", s.to_toml());
    assert_eq!(s.rules.next.as_deref(), Some("a.next@href"));
}

#[test]
fn suggests_plain_table_rules() {
    let (s, items) = suggest_and_apply(
        PLAIN,
        "https://example-trust.nhs.uk/about/announcements.html",
    );
    assert!(s.rules.item.ends_with("tr"), "{}", s.to_toml());
    assert_eq!(items.len(), 6);
    assert!(items.iter().all(|i| i.date.is_some()), "{}", s.to_toml());
}

#[test]
fn no_suggestion_for_pages_without_lists() {
    assert_eq!(suggest_rules("<p>Hello</p>", &url("https://ex.org/")), None);
    assert_eq!(suggest_rules("", &url("https://ex.org/")), None);
}

#[test]
fn toml_strings_are_escaped() {
    assert_eq!(
        toml_str(r#"a[rel="next"]@href"#),
        r#""a[rel=\"next\"]@href""#
    );
    assert_eq!(toml_str("a\\b\n"), r#""a\\b\n""#);
}

#[test]
fn odd_input_does_not_panic() {
    let big = "<div class=x><a href=/a>link text that is long</a><h3>t</h3></div>".repeat(2000);
    for h in [
        "",
        "<",
        "<body><div><div><a href='/x'>",
        ARTICLE,
        big.as_str(),
        "\u{0}<ä>",
    ] {
        let _ = suggest_rules(h, &url("https://ex.org/"));
        let _ = feed_links(h, &url("https://ex.org/"));
        let _ = looks_like_html(h.as_bytes());
        let _ = looks_like_feed(h.as_bytes());
    }
    let s = suggest_rules(&big, &url("https://ex.org/")).unwrap();
    assert_eq!(s.rules.item, "div.x");
    assert_eq!(s.item_count, 1, "all items share one link");
}
