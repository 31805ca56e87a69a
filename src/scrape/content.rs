//! Extracting the body, date and author from an article page.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html};
use url::Url;

use super::date::parse_date;
use super::dom::{self, Flow, Visit};
use super::rules::{CompiledRules, ContentRule, Extractor};

/// What could be read from an article page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArticlePage {
    /// Cleaned HTML of the body (no furniture, absolute links).
    pub content_html: Option<String>,
    pub date: Option<DateTime<Utc>>,
    pub author: Option<String>,
    pub title: Option<String>,
}

/// Reads an article page. The body is only extracted when `rules.content`
/// is set; a selector that matches nothing falls back to "auto".
pub fn extract_article(html: &str, page_url: &Url, rules: &CompiledRules) -> ArticlePage {
    let doc = Html::parse_document(html);
    let base = dom::base_url(&doc, page_url);
    let content_html = rules
        .content
        .as_ref()
        .and_then(|rule| main_text(&doc, &base, rule));
    ArticlePage {
        content_html,
        date: find_date(&doc, rules),
        author: find_author(&doc, rules.article_author.as_ref()),
        title: find_title(&doc),
    }
}

/// Reads only the body of an article page, by `rule`: the main text of a
/// feed entry's page for `full_text`.
pub fn extract_main_text(html: &str, page_url: &Url, rule: &ContentRule) -> Option<String> {
    let doc = Html::parse_document(html);
    let base = dom::base_url(&doc, page_url);
    main_text(&doc, &base, rule)
}

/// The cleaned body HTML; a selector that matches nothing falls back to
/// "auto".
fn main_text(doc: &Html, base: &Url, rule: &ContentRule) -> Option<String> {
    let el = match rule {
        ContentRule::Select(sel) => doc.select(sel).next().or_else(|| {
            tracing::debug!(url = %base, "content selector matched nothing, using auto");
            auto_content(doc)
        }),
        ContentRule::Auto => auto_content(doc),
    }?;
    Some(dom::clean_html(el, base)).filter(|h| !h.is_empty())
}

/// Paragraph-like elements whose text measures how much prose a block holds.
const PROSE: &[&str] = &["p", "pre", "blockquote"];

/// Picks the article body: the largest `<article>`, `<main>` or
/// `[role=main]` holding at least half the page's prose (else `<body>`),
/// then narrows to the innermost container still holding 85% of it.
fn auto_content(doc: &Html) -> Option<ElementRef<'_>> {
    let body = dom::sel("body")
        .and_then(|s| doc.select(&s).next())
        .unwrap_or_else(|| doc.root_element());
    let scores = prose_scores(body);
    let score = |el: ElementRef<'_>| scores.get(&dom::el_key(el)).copied().unwrap_or(0);
    let total = score(body);
    if total == 0 {
        return Some(body);
    }
    let mut root = body;
    for s in ["article", "main", "[role=main]"] {
        let best = dom::sel(s).and_then(|sel| doc.select(&sel).max_by_key(|e| score(*e)));
        if let Some(el) = best.filter(|e| score(*e) * 2 >= total) {
            root = el;
            break;
        }
    }
    let want = score(root) * 85 / 100;
    while let Some(child) = root
        .child_elements()
        .find(|c| !PROSE.contains(&c.value().name()) && score(*c) >= want && score(*c) > 0)
    {
        root = child;
    }
    Some(root)
}

/// Prose length under every element (outside page furniture), by node key.
fn prose_scores(body: ElementRef<'_>) -> HashMap<usize, usize> {
    let mut scores = HashMap::new();
    let mut add = |el: ElementRef<'_>, len: usize| {
        let mut node = Some(*el);
        while let Some(n) = node {
            *scores.entry(dom::key(n.value())).or_insert(0) += len;
            if n.id() == body.id() {
                break;
            }
            node = n.parent();
        }
    };
    add(body, 0);
    dom::walk(body, |v| match v {
        Visit::Open(el) if dom::is_junk(el) => Flow::Skip,
        Visit::Open(el) if PROSE.contains(&el.value().name()) => {
            add(el, dom::text(el).len());
            Flow::Skip
        }
        _ => Flow::Next,
    });
    scores
}

fn first_attr(doc: &Html, selector: &str, attr: &str) -> Option<String> {
    let sel = dom::sel(selector)?;
    doc.select(&sel)
        .filter_map(|e| e.attr(attr))
        .map(dom::collapse)
        .find(|v| !v.is_empty())
}

fn first_text(doc: &Html, selector: &str) -> Option<String> {
    let sel = dom::sel(selector)?;
    doc.select(&sel)
        .filter(|e| !in_furniture(*e))
        .map(dom::text)
        .find(|v| !v.is_empty())
}

/// Inside nav, aside or footer (related posts, widgets)?
fn in_furniture(el: ElementRef<'_>) -> bool {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| matches!(a.value().name(), "nav" | "aside" | "footer"))
}

/// Date: the `article_date` rule, then `article:published_time`, JSON-LD
/// `datePublished`, `itemprop=datePublished`, `<time datetime>`,
/// `meta[name=date]`-style tags, and finally visible date-ish elements.
fn find_date(doc: &Html, rules: &CompiledRules) -> Option<DateTime<Utc>> {
    let parse = |t: String| parse_date(&t, &rules.date_formats, rules.month_first);
    let root = doc.root_element();
    let candidates: [&dyn Fn() -> Option<String>; 8] = [
        &|| rules.article_date.as_ref()?.value(root),
        &|| first_attr(doc, r#"meta[property="article:published_time"]"#, "content"),
        &|| json_ld_date(doc),
        &|| {
            first_attr(doc, r#"[itemprop="datePublished"]"#, "content")
                .or_else(|| first_attr(doc, r#"[itemprop="datePublished"]"#, "datetime"))
        },
        &|| {
            let sel = dom::sel("time[datetime]")?;
            doc.select(&sel)
                .filter(|e| !in_furniture(*e))
                .find_map(|e| e.attr("datetime"))
                .map(str::to_string)
        },
        &|| {
            first_attr(
                doc,
                r#"meta[name="date" i], meta[name="dc.date" i], meta[name="dc.date.issued" i], meta[name="dcterms.created" i]"#,
                "content",
            )
        },
        &|| first_text(doc, "time"),
        &|| {
            first_text(
                doc,
                ".entry-date, .published, .post-date, .article-date, .news-date, .date",
            )
        },
    ];
    candidates.iter().find_map(|c| c().and_then(parse))
}

/// `"datePublished": "..."` from a JSON-LD block, found without a JSON parser.
fn json_ld_date(doc: &Html) -> Option<String> {
    let sel = dom::sel(r#"script[type="application/ld+json"]"#)?;
    doc.select(&sel).find_map(|s| {
        let text: String = s.text().collect();
        let rest = &text[text.find("\"datePublished\"")? + "\"datePublished\"".len()..];
        let rest = rest
            .trim_start()
            .strip_prefix(':')?
            .trim_start()
            .strip_prefix('"')?;
        Some(rest[..rest.find('"')?].to_string())
    })
}

fn find_author(doc: &Html, rule: Option<&Extractor>) -> Option<String> {
    rule.and_then(|r| r.value(doc.root_element()))
        .or_else(|| first_attr(doc, r#"meta[name="author" i]"#, "content"))
        .or_else(|| first_text(doc, r#"[rel~="author"], [itemprop="author"]"#))
        .filter(|a| a.chars().count() <= 100)
}

fn find_title(doc: &Html) -> Option<String> {
    first_attr(doc, r#"meta[property="og:title"]"#, "content")
        .or_else(|| first_text(doc, "h1"))
        .or_else(|| {
            let sel = dom::sel("title")?;
            doc.select(&sel).map(dom::text).find(|t| !t.is_empty())
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::scrape::fixtures::*;
    use crate::scrape::rules::HtmlRules;
    use chrono::NaiveDate;

    fn rules(content: &str) -> CompiledRules {
        HtmlRules {
            item: "article".into(),
            content: Some(content.into()),
            ..Default::default()
        }
        .compile()
        .unwrap()
    }

    fn page_url() -> Url {
        Url::parse("https://healthinnovationnetwork.com/news/relicensing-of-ahsns-confirmed/")
            .unwrap()
    }

    fn plain(html: &str) -> String {
        dom::collapse(&html2text::from_read(html.as_bytes(), 10_000).unwrap())
    }

    fn check_body(page: &ArticlePage) {
        let html = page.content_html.as_deref().unwrap();
        let text = plain(html);
        assert!(
            text.starts_with("Today the Government has confirmed that that Academic Health"),
            "{text}"
        );
        assert!(
            text.ends_with("spread promising solutions at scale."),
            "{text}"
        );
        assert!(text.contains("Professor Gary Ford, Chair of the AHSN Network said:"));
        for furniture in [
            "Share:",
            "Twitter",
            "About us",
            "Our team",
            "Related posts",
            "Latest news",
            "cookies",
            "Minerva House",
            "All rights reserved",
            "May 26, 2023",
            "Posted in",
            "gtag",
        ] {
            assert!(!text.contains(furniture), "{furniture:?} in {text}");
        }
        assert_eq!(html.matches("<p>").count(), 8, "{html}");
    }

    #[test]
    fn article_with_selector() {
        let page = extract_article(ARTICLE, &page_url(), &rules(".entry-content"));
        check_body(&page);
        assert_eq!(
            page.title.as_deref(),
            Some("Relicensing of AHSNs confirmed")
        );
        assert_eq!(page.author.as_deref(), Some("HIN Communications"));
        assert_eq!(
            page.date.map(|d| d.date_naive()),
            NaiveDate::from_ymd_opt(2023, 5, 26)
        );
    }

    #[test]
    fn article_with_auto() {
        check_body(&extract_article(ARTICLE, &page_url(), &rules("auto")));
    }

    #[test]
    fn missing_selector_falls_back_to_auto() {
        check_body(&extract_article(ARTICLE, &page_url(), &rules(".post-body")));
    }

    #[test]
    fn no_content_rule_reads_only_metadata() {
        let r = HtmlRules {
            item: "article".into(),
            ..Default::default()
        }
        .compile()
        .unwrap();
        let page = extract_article(ARTICLE, &page_url(), &r);
        assert_eq!(page.content_html, None);
        assert!(page.date.is_some());
    }

    #[test]
    fn date_and_author_rules_and_fallbacks() {
        // Only visible text: the rule reads it, else the .date fallback does.
        let html = r#"<html><body><div class="post"><h1>Title</h1>
            <p class="date">Posted: 24th May 2018</p><p class="by">By Jane Smith</p>
            <p>Body text of the announcement.</p></div></body></html>"#;
        let mut r = HtmlRules {
            item: "article".into(),
            article_date: Some("p.date".into()),
            article_author: Some(".by".into()),
            ..Default::default()
        };
        let page = extract_article(html, &page_url(), &r.compile().unwrap());
        assert_eq!(
            page.date.map(|d| d.date_naive()),
            NaiveDate::from_ymd_opt(2018, 5, 24)
        );
        assert_eq!(page.author.as_deref(), Some("By Jane Smith"));
        assert_eq!(page.title.as_deref(), Some("Title"));
        r.article_date = None;
        let page = extract_article(html, &page_url(), &r.compile().unwrap());
        assert_eq!(
            page.date.map(|d| d.date_naive()),
            NaiveDate::from_ymd_opt(2018, 5, 24)
        );

        // JSON-LD only.
        let html = r#"<script type="application/ld+json">{"@type":"NewsArticle",
            "datePublished" : "2024-03-12T09:00:00Z"}</script><p>x</p>"#;
        let page = extract_article(html, &page_url(), &rules("auto"));
        assert_eq!(
            page.date.map(|d| d.date_naive()),
            NaiveDate::from_ymd_opt(2024, 3, 12)
        );
    }

    #[test]
    fn auto_without_semantic_elements_uses_prose_density() {
        let html = r#"<html><body>
            <div id="top"><a href="/">Home</a> <a href="/news">News</a></div>
            <div id="wrap"><div class="col-left"><p>Quick links</p></div>
            <div class="col-main"><h2>Heading</h2>
              <p>First paragraph of a long announcement about a new service for patients.</p>
              <p>Second paragraph with <a href="/more">a relative link</a> and
                 <img src="pic.png" alt="pic"> an image, plus enough words to count.</p>
              <p>Third paragraph closes the announcement with a quote from the lead.</p>
              <p><b>Share:</b> <a href="https://x.com/share">X</a></p>
            </div></div>
            <div id="bottom"><p>Copyright 2024</p></div></body></html>"#;
        let page = extract_article(
            html,
            &Url::parse("https://ex.org/news/a/").unwrap(),
            &rules("auto"),
        );
        let content = page.content_html.unwrap();
        assert!(content.starts_with("<h2>Heading</h2>"), "{content}");
        assert!(content.contains(r#"href="https://ex.org/more""#));
        assert!(content.contains(r#"src="https://ex.org/news/a/pic.png""#));
        assert!(!content.contains("Share") && !content.contains("Copyright"));
        assert!(!content.contains("Quick links") && !content.contains("Home"));
    }

    #[test]
    fn junk_input_does_not_panic() {
        for html in [
            "",
            "<",
            "<p>",
            "<article><main><p>x",
            "\u{feff}<html><body>\u{0}</body>",
        ] {
            let _ = extract_article(html, &page_url(), &rules("auto"));
            let _ = extract_article(html, &page_url(), &rules("div.x"));
        }
    }
}
