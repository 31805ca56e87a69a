//! Turning a listing page into items.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html};
use url::Url;

use super::date::parse_date;
use super::dom;
use super::rules::CompiledRules;

/// One announcement found on a listing page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapedItem {
    pub title: String,
    /// Absolute http(s) link to the full announcement; for an item without
    /// a link of its own, the listing page with a fragment made from its
    /// title and date (see [`own_link`](Self::own_link)).
    pub link: Url,
    /// Whether the item links to a page of its own.
    pub own_link: bool,
    pub date: Option<DateTime<Utc>>,
    /// The raw date text or attribute, also when it could not be parsed.
    pub date_text: Option<String>,
    /// Cleaned inner HTML of the summary element (or the attribute value).
    pub summary: Option<String>,
    pub author: Option<String>,
}

/// Items of one listing page and the link to the next page, if any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListingPage {
    pub items: Vec<ScrapedItem>,
    pub next_page: Option<Url>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScrapeError {
    /// Usually means the site changed its layout or the selector is wrong.
    #[error("item selector '{selector}' matched 0 elements on {url}")]
    NoItems { selector: String, url: Url },
}

/// Applies `rules` to a listing page.
///
/// Items without a title are skipped. An item without a usable link of its
/// own is kept, linked to the listing page (with a fragment of its own, so
/// it keeps its identity). Items are de-duplicated by link (ignoring the
/// fragment of their own links). Links resolve against `<base href>` or
/// `page_url`; only http(s) links are kept.
pub fn extract_items(
    html: &str,
    page_url: &Url,
    rules: &CompiledRules,
) -> Result<ListingPage, ScrapeError> {
    let doc = Html::parse_document(html);
    let base = dom::base_url(&doc, page_url);
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    let mut matched = 0usize;
    for el in doc.select(&rules.item) {
        matched += 1;
        let Some(item) = item_from(el, &base, page_url, rules) else {
            continue;
        };
        let mut key = item.link.clone();
        if item.own_link {
            key.set_fragment(None);
        }
        if seen.insert(key) {
            items.push(item);
        }
    }
    if matched == 0 {
        return Err(ScrapeError::NoItems {
            selector: rules.item_source.clone(),
            url: page_url.clone(),
        });
    }
    let next_page = rules.next.as_ref().and_then(|next| {
        let href = next.value_with(doc.root_element(), Some("href"))?;
        dom::resolve(&base, &href).filter(|u| u != page_url)
    });
    Ok(ListingPage { items, next_page })
}

fn item_from(
    el: ElementRef<'_>,
    base: &Url,
    page_url: &Url,
    rules: &CompiledRules,
) -> Option<ScrapedItem> {
    let found = find_link(el, base, rules);
    let link_el = found.as_ref().and_then(|(_, e)| *e);
    let title = rules
        .title
        .as_ref()
        .and_then(|t| t.value(el))
        .or_else(|| link_el.map(dom::text).filter(|t| !t.is_empty()))
        .or_else(|| {
            let h = dom::sel("h1, h2, h3, h4, h5, h6")?;
            el.select(&h).map(dom::text).find(|t| !t.is_empty())
        })?;
    let date_text = match &rules.date {
        Some(d) => d.value(el),
        None => default_date(el),
    };
    let date = date_text
        .as_deref()
        .and_then(|t| parse_date(t, &rules.date_formats, rules.month_first));
    let (link, own_link) = match found {
        Some((link, _)) => (link, true),
        None => (on_page(page_url, &title, date_text.as_deref()), false),
    };
    let summary = rules.summary.as_ref().and_then(|s| match &s.attr {
        Some(_) => s.value(el),
        None => s
            .elements(el)
            .into_iter()
            .map(|e| dom::clean_html(e, base))
            .find(|h| !h.is_empty()),
    });
    Some(ScrapedItem {
        title,
        link,
        own_link,
        date,
        date_text,
        summary,
        author: rules.author.as_ref().and_then(|a| a.value(el)),
    })
}

/// The link of an item without one of its own: the listing page, with a
/// fragment that stays the same while its title and date do.
fn on_page(page_url: &Url, title: &str, date: Option<&str>) -> Url {
    use md5::Digest;
    let digest = md5::Md5::digest(format!("{title}\u{0}{}", date.unwrap_or("")).as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let mut url = page_url.clone();
    url.set_fragment(Some(&format!("item-{hex}")));
    url
}

/// The item's link and, when it came from an element's href, that element.
fn find_link<'a>(
    el: ElementRef<'a>,
    base: &Url,
    rules: &CompiledRules,
) -> Option<(Url, Option<ElementRef<'a>>)> {
    match &rules.link {
        Some(rule) => {
            let attr = rule.attr.as_deref().unwrap_or("href");
            rule.elements(el).into_iter().find_map(|e| {
                let url = dom::resolve(base, e.attr(attr)?)?;
                Some((url, Some(e).filter(|e| e.value().name() == "a")))
            })
        }
        None => {
            // The item itself may be the link (card-style `<a class="card">`).
            if let Some(url) = el.attr("href").and_then(|h| dom::resolve(base, h)) {
                return Some((url, Some(el)));
            }
            let a = dom::sel("a[href]")?;
            el.select(&a)
                .find_map(|e| Some((dom::resolve(base, e.attr("href")?)?, Some(e))))
        }
    }
}

/// Without a date rule, a `<time>` element inside the item is used.
fn default_date(el: ElementRef<'_>) -> Option<String> {
    let time = dom::sel("time")?;
    let t = el.select(&time).next()?;
    t.attr("datetime")
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .or_else(|| Some(dom::text(t)).filter(|d| !d.is_empty()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::scrape::fixtures::*;
    use crate::scrape::rules::HtmlRules;
    use chrono::NaiveDate;

    fn rules(toml_src: &str) -> CompiledRules {
        toml::from_str::<HtmlRules>(toml_src)
            .unwrap()
            .compile()
            .unwrap()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn day(d: &ScrapedItem) -> Option<NaiveDate> {
        d.date.map(|d| d.date_naive())
    }

    fn wp_rules() -> CompiledRules {
        rules(
            r#"
            item = "article.post"
            title = "h2.entry-title"
            link = "h2.entry-title a@href"
            date = "time.entry-date@datetime"
            summary = ".entry-summary"
            author = ".byline .author"
            next = "a.next.page-numbers@href"
            "#,
        )
    }

    #[test]
    fn wordpress_listing() {
        let page_url = url("https://healthinnovationnetwork.com/news/");
        let page = extract_items(WP, &page_url, &wp_rules()).unwrap();
        assert_eq!(page.items.len(), 10);
        let item = page
            .items
            .iter()
            .find(|i| i.title == "Relicensing of AHSNs confirmed")
            .unwrap();
        assert_eq!(
            item.link.as_str(),
            "https://healthinnovationnetwork.com/news/relicensing-of-ahsns-confirmed/"
        );
        assert_eq!(day(item), NaiveDate::from_ymd_opt(2023, 5, 26));
        assert!(item.date_text.as_deref().unwrap().starts_with("2023-05-26"));
        let summary = item.summary.as_deref().unwrap();
        assert!(
            summary.contains("relicensed for a further five year period"),
            "{summary}"
        );
        assert!(!summary.contains("<script"));
        assert_eq!(item.author.as_deref(), Some("HIN Communications"));
        assert_eq!(
            page.next_page.unwrap().as_str(),
            "https://healthinnovationnetwork.com/news/page/2/"
        );
        assert!(page.items.iter().all(|i| i.date.is_some()));
    }

    #[test]
    fn wordpress_page_two_relative_links() {
        let page_url = url("https://healthinnovationnetwork.com/news/page/2/");
        let page = extract_items(WP2, &page_url, &wp_rules()).unwrap();
        assert!(page.items.len() >= 5);
        for item in &page.items {
            assert!(
                item.link
                    .as_str()
                    .starts_with("https://healthinnovationnetwork.com/news/"),
                "{}",
                item.link
            );
            assert!(item.date.is_some(), "{item:?}");
        }
        assert_eq!(
            page.next_page.unwrap().as_str(),
            "https://healthinnovationnetwork.com/news/page/3/"
        );
    }

    #[test]
    fn default_link_and_title_fallbacks() {
        // No title/link/date rules: first a[href], its text, a <time> element.
        let page_url = url("https://healthinnovationnetwork.com/news/");
        let page = extract_items(WP, &page_url, &rules("item = 'article'")).unwrap();
        assert_eq!(page.items.len(), 10);
        let first = &page.items[0];
        assert!(!first.title.is_empty());
        assert!(first.date.is_some());
    }

    #[test]
    fn govuk_listing() {
        let page_url = url("https://www.gov.uk/search/news-and-communications");
        let r = rules(
            r#"
            item = "li.gem-c-document-list__item"
            title = "a.govuk-link"
            link = "a.govuk-link@href"
            date = "time@datetime"
            summary = "p.gem-c-document-list__item-description"
            "#,
        );
        let page = extract_items(GOVUK, &page_url, &r).unwrap();
        assert_eq!(page.items.len(), 8);
        let first = &page.items[0];
        assert!(first
            .link
            .as_str()
            .starts_with("https://www.gov.uk/government/news/"));
        assert_eq!(first.date, parse_date("2024-03-05T10:00:00Z", &[], false));
        assert!(first.summary.is_some());
        assert!(page.next_page.is_none());
    }

    #[test]
    fn plain_list_with_text_dates() {
        let page_url = url("https://example-trust.nhs.uk/about/announcements.html");
        let r = rules("item = 'table.announcements tbody tr'\ndate = 'td.posted'");
        let page = extract_items(PLAIN, &page_url, &r).unwrap();
        assert_eq!(page.items.len(), 6);
        let dates: Vec<_> = page.items.iter().map(|i| day(i).unwrap()).collect();
        assert!(dates.contains(&NaiveDate::from_ymd_opt(2018, 5, 24).unwrap()));
        assert!(dates.contains(&NaiveDate::from_ymd_opt(2023, 5, 26).unwrap()));
        assert!(page
            .items
            .iter()
            .all(|i| i.link.host_str() == Some("example-trust.nhs.uk")));
        assert_eq!(
            page.items[0].link.as_str(),
            "https://example-trust.nhs.uk/about/announcements/community-diagnostic-centre-opens.html"
        );
        assert_eq!(
            page.items[0].title,
            "Community diagnostic centre opens at Riverside Health Park"
        );
    }

    #[test]
    fn card_listings() {
        let nenc = rules("item = 'div.news-card'\ntitle = 'h3'\ndate = '.news-card__date'");
        let page = extract_items(
            NENC,
            &url("https://healthinnovationnenc.org.uk/news/"),
            &nenc,
        )
        .unwrap();
        assert_eq!(page.items.len(), 9);
        assert!(page
            .items
            .iter()
            .any(|i| day(i) == NaiveDate::from_ymd_opt(2024, 3, 12)));

        let yh = rules("item = 'div.post-item'\ntitle = 'h3 a'\ndate = 'span.date'");
        let page =
            extract_items(YH, &url("https://www.healthinnovationyh.org.uk/news/"), &yh).unwrap();
        assert_eq!(page.items.len(), 8);
        assert!(page
            .items
            .iter()
            .any(|i| day(i) == NaiveDate::from_ymd_opt(2023, 5, 26)));
        assert!(page.items.iter().all(|i| i.date.is_some()));
    }

    #[test]
    fn no_match_is_a_named_error() {
        let page_url = url("https://healthinnovationnetwork.com/news/");
        let err = extract_items(WP, &page_url, &rules("item = 'article.news'")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "item selector 'article.news' matched 0 elements on https://healthinnovationnetwork.com/news/"
        );
        assert!(matches!(err, ScrapeError::NoItems { .. }));
    }

    #[test]
    fn skips_bad_links_dedups_and_honours_base() {
        let html = r##"<html><head><base href="https://cdn.example.org/root/"></head><body>
            <div class="i"><a href="a.html">First</a></div>
            <div class="i"><a href="a.html#comments">First again</a></div>
            <div class="i"><a href="mailto:x@y.org">Mail</a></div>
            <div class="i"><a href="javascript:void(0)">JS</a></div>
            <div class="i"><a href="#">Anchor</a></div>
            <div class="i"><a href="/b.html"><img src="x.png"></a></div>
            <div class="i"><a href="/c.html"><img src="x.png"></a><h4>Heading title</h4></div>
            <div class="i">No link here</div>
            <a class="i" href="/d.html">Card link</a>
            </body></html>"##;
        let page = extract_items(
            html,
            &url("https://example.org/news/"),
            &rules("item = '.i'"),
        )
        .unwrap();
        let got: Vec<_> = page
            .items
            .iter()
            .map(|i| (i.title.as_str(), i.link.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("First", "https://cdn.example.org/root/a.html"),
                ("Heading title", "https://cdn.example.org/c.html"),
                ("Card link", "https://cdn.example.org/d.html"),
            ]
        );
    }

    #[test]
    fn items_without_a_link_of_their_own_are_kept_on_the_page() {
        let html = r##"<html><body>
            <div class="n"><h3>Flu clinics open on Monday</h3><time>2 December 2026</time>
              <p>Walk-in clinics at all three hospitals.</p></div>
            <div class="n"><h3>Car park closed for resurfacing</h3><time>1 December 2026</time>
              <p>Please use the park and ride.</p></div>
            <div class="n"><h3>Update</h3><time>30 November 2026</time></div>
            <div class="n"><h3>Update</h3><time>29 November 2026</time></div>
            <div class="n"><h3>New chief nurse</h3><a href="/news/nurse">Read more</a></div>
            </body></html>"##;
        let page_url = url("https://trust.example.org/news/");
        let r = rules("item = '.n'\ntitle = 'h3'\nsummary = 'p'");
        let page = extract_items(html, &page_url, &r).unwrap();
        let got: Vec<_> = page
            .items
            .iter()
            .map(|i| (i.title.as_str(), i.own_link))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Flu clinics open on Monday", false),
                ("Car park closed for resurfacing", false),
                ("Update", false),
                ("Update", false),
                ("New chief nurse", true),
            ]
        );
        // Each keeps an identity of its own, the same on the next fetch.
        let links: HashSet<_> = page.items.iter().map(|i| i.link.clone()).collect();
        assert_eq!(links.len(), 5);
        for i in page.items.iter().filter(|i| !i.own_link) {
            let mut bare = i.link.clone();
            bare.set_fragment(None);
            assert_eq!(bare, page_url);
        }
        let again = extract_items(html, &page_url, &r).unwrap();
        assert_eq!(again.items, page.items);
        assert_eq!(
            page.items[4].link.as_str(),
            "https://trust.example.org/news/nurse"
        );
    }

    #[test]
    fn malformed_html_does_not_panic() {
        let junk = [
            "",
            "<",
            "<<<>>>",
            "<article><h2><a href='/x'>Unclosed <b>title",
            "<article><a href=\"http://[::1\">bad</a></article><article><a href='/ok'>ok",
            "\u{0}\u{feff}<article>\u{fffd}<a href='//x.org/é'>é</a>",
            "<table><article><tr><a href=/t>t</a></table></article>",
            "<article><a href='https://ex.org/\u{1F600}'>emoji</a></article>",
        ];
        let r = rules("item = 'article'\ndate = 'time'\nnext = 'a.next'\nsummary = 'p'");
        for h in junk {
            let _ = extract_items(h, &url("https://ex.org/"), &r);
        }
        let page = extract_items(junk[3], &url("https://ex.org/n/"), &r).unwrap();
        assert_eq!(page.items[0].title, "Unclosed title");
    }

    #[test]
    fn large_synthetic_listing() {
        let mut html = String::from("<html><body><ul>");
        for i in 0..10_000 {
            html.push_str(&format!(
                "<li class='n'><h3><a href='/n/{i}'>Item {i}</a></h3>\
                 <span class='d'>{} May 2023</span><p>Text {i}</p></li>",
                i % 28 + 1
            ));
        }
        html.push_str("</ul></body></html>");
        let r = rules("item = 'li.n'\ntitle = 'h3'\ndate = '.d'\nsummary = 'p'");
        let page = extract_items(&html, &url("https://ex.org/"), &r).unwrap();
        assert_eq!(page.items.len(), 10_000);
        assert_eq!(page.items[9_999].link.as_str(), "https://ex.org/n/9999");
        assert!(page.items.iter().all(|i| i.date.is_some()));
    }
}
