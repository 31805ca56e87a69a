use super::*;
use crate::config::FeedConfig;
use crate::model::{FeedId, FetchReport, ParsedArticle, ParsedFeed};
use chrono::{TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap()
}

fn feed(name: &str, tags: &[&str]) -> FeedConfig {
    FeedConfig::new(
        name,
        url::Url::parse(&format!("http://{}.test/", name.len())).unwrap(),
        tags,
    )
}

fn article(guid: &str, title: &str, link: &str, day: u32, body: &str) -> ParsedArticle {
    ParsedArticle {
        guid: guid.into(),
        title: title.into(),
        link: Some(link.into()),
        published: Some(Utc.with_ymd_and_hms(2026, 11, day, 9, 30, 0).unwrap()),
        content: Some(body.into()),
        ..Default::default()
    }
}

fn store_with(feeds: &[(FeedConfig, Vec<ParsedArticle>)]) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    let configs: Vec<FeedConfig> = feeds.iter().map(|(f, _)| f.clone()).collect();
    let ids: Vec<FeedId> = s.sync_feeds(&configs).unwrap();
    for (id, (_, articles)) in ids.iter().zip(feeds) {
        let parsed = ParsedFeed {
            articles: articles.clone(),
            ..Default::default()
        };
        s.record(&FetchReport::fetched(*id, parsed, now())).unwrap();
    }
    s
}

fn sample() -> Store {
    store_with(&[
        (
            feed("Health Wire", &["nhs", "health"]),
            vec![
                article(
                    "1",
                    "Rates *up* 50% [draft] #1 <b>",
                    "https://health.test/rates_(2026)?utm_source=x",
                    28,
                    "<p>Waiting times fell in <b>most</b> trusts &amp; regions.</p><p>Second.</p>",
                ),
                article(
                    "2",
                    "1. Old news",
                    "https://health.test/old",
                    1,
                    "<p>Too old for this week.</p>",
                ),
            ],
        ),
        (
            feed("Tech \"Daily\"", &[]),
            vec![article(
                "3",
                "- AI triage\u{202e} pilot",
                "javascript:alert(1)",
                27,
                "<div><p>   </p><p>A pilot in three hospitals, described at some length so \
                 that the paragraph is shortened well before its end because it keeps \
                 going with words and words and more words about triage and pilots and \
                 hospitals and waiting lists and beds and staff and budgets and the \
                 winter ahead and what it all might mean for patients next year.</p></div>",
            )],
        ),
    ])
}

fn week(q: &str) -> Request {
    Request {
        title: "Weekly bulletin".into(),
        query: crate::query::parse(q).unwrap(),
        grouping: Grouping::Tag,
        dated_from: Some(now() - chrono::TimeDelta::days(7)),
        seen_after: None,
        now: now(),
        zone: Zone::utc(),
        limit: 100,
    }
}

#[test]
fn markdown_by_tag() {
    let b = build(&sample(), &week(""), &SqlOptions::default()).unwrap();
    assert_eq!(b.len(), 2);
    insta::assert_snapshot!("markdown_by_tag", markdown(&b));
}

#[test]
fn html_by_tag() {
    let b = build(&sample(), &week(""), &SqlOptions::default()).unwrap();
    insta::assert_snapshot!("html_by_tag", html(&b));
}

#[test]
fn text_by_view() {
    let mut req = week("");
    req.grouping = Grouping::Views(vec![
        ("Pilots".into(), crate::query::parse("pilot").unwrap()),
        ("Everything".into(), Query::default()),
    ]);
    req.dated_from = None;
    let b = build(&sample(), &req, &SqlOptions::default()).unwrap();
    let names: Vec<_> = b.sections.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Pilots", "Everything"]);
    assert_eq!(b.sections[1].entries.len(), 2, "each article appears once");
    insta::assert_snapshot!("text_by_view", text(&b));
}

#[test]
fn an_empty_bulletin_says_so() {
    let b = build(
        &sample(),
        &week("nothing-matches-this"),
        &SqlOptions::default(),
    )
    .unwrap();
    assert!(b.is_empty());
    assert!(markdown(&b).contains("Nothing new."));
    assert!(html(&b).contains("Nothing new."));
}

#[test]
fn hostile_titles_are_inert_in_html() {
    let s = store_with(&[(
        feed("Evil \u{1b}]0;owned\u{7} feed", &["x<y"]),
        vec![article(
            "1",
            "<script>alert(1)</script> \u{1b}[31mred\u{1b}[0m \u{9b}2J \u{2067}x",
            "https://evil.test/\"><script>",
            28,
            "<p><script>alert(2)</script>Text \u{1b}[1mbold</p>",
        )],
    )]);
    let b = build(&s, &week(""), &SqlOptions::default()).unwrap();
    let out = html(&b);
    assert!(!out.to_lowercase().contains("<script"), "{out}");
    assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out}");
    assert!(!out.contains('\u{2067}') && !out.contains("owned"), "{out}");
    assert!(
        out.contains("&lt;script&gt;alert(1)&lt;/script&gt; red"),
        "{out}"
    );
    let md = markdown(&b);
    assert!(!md.chars().any(|c| c.is_control() && c != '\n'), "{md}");
    assert!(md.contains("\\<script\\>"), "{md}");
}

#[test]
fn markdown_escapes() {
    assert_eq!(markdown::escape("a*b_c [d](e)"), "a\\*b\\_c \\[d\\]\\(e\\)");
    assert_eq!(markdown::escape("# x"), "\\# x");
    assert_eq!(markdown::escape("- x"), "\\- x");
    assert_eq!(markdown::escape("12. x"), "12\\. x");
    assert_eq!(markdown::escape("12 x"), "12 x");
}

#[test]
fn links_and_paragraphs() {
    assert_eq!(web_link("javascript:alert(1)"), None);
    assert_eq!(web_link("ftp://a.test/"), None);
    assert_eq!(
        web_link(" https://a.test/x y").as_deref(),
        Some("https://a.test/x%20y")
    );
    assert_eq!(
        first_paragraph("<p>\u{1b}[2J</p><p>Hello <i>there</i></p>"),
        "Hello there"
    );
    assert_eq!(first_paragraph(""), "");
    assert_eq!(shorten("one two three", 9), "one two…");
}

#[test]
fn since_last_counts_from_first_stored() {
    let s = sample();
    let mut req = week("");
    req.dated_from = None;
    req.seen_after = Some(now());
    assert!(build(&s, &req, &SqlOptions::default()).unwrap().is_empty());
    req.seen_after = Some(now() - chrono::TimeDelta::seconds(1));
    assert_eq!(build(&s, &req, &SqlOptions::default()).unwrap().len(), 3);
}

#[test]
fn a_story_shows_the_copy_published_first_and_every_source() {
    let mut s = store_with(&[
        (
            feed("HIN South London", &["hin"]),
            vec![article(
                "h",
                "Health innovation networks relicensed",
                "https://www.example.gov.uk/relicensing/",
                27,
                "<p>The Government has confirmed that health science networks are relicensed. A later copy.</p>",
            )],
        ),
        (
            feed("DHSC", &["gov"]),
            vec![article(
                "d",
                "Relicensing of AHSNs confirmed",
                "http://example.gov.uk/relicensing?utm_source=rss",
                26,
                "<p>The Government has confirmed that health science networks are relicensed. The first copy.</p>",
            )],
        ),
    ]);
    for id in s.feeds().unwrap().iter().map(|f| f.id) {
        s.assign_stories(&[id], 0).unwrap();
    }
    let b = build(&s, &week(""), &SqlOptions::default()).unwrap();
    assert_eq!(b.len(), 1);
    let e = &b.sections[0].entries[0];
    assert_eq!(e.title, "Relicensing of AHSNs confirmed");
    assert_eq!(e.sources, ["DHSC", "HIN South London"]);
}
