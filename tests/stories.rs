//! Stories end to end: feeds served from 127.0.0.1, read by `tidings
//! fetch`, then `list --json`, `count` and `bulletin`. A story is copies
//! of one announcement from different sources; every announcement whose
//! title and text are its own is listed and counted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;
use proptest::prelude::*;

/// An RSS item: guid, title, link (`{base}` is the server), summary, date.
struct Rss<'a>(&'a str, &'a str, Option<&'a str>, &'a str, &'a str);

fn rss(base: &str, items: &[Rss]) -> Route {
    let items: String = items
        .iter()
        .map(|Rss(guid, title, link, summary, date)| {
            let link = link
                .map(|l| format!("<link>{}</link>", l.replace("{base}", base)))
                .unwrap_or_default();
            format!(
                "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>{link}\
                 <description><![CDATA[<p>{summary}</p>]]></description>\
                 <pubDate>{date}</pubDate></item>"
            )
        })
        .collect();
    let body = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>\
         <link>{base}/</link>{items}</channel></rss>"
    );
    Route::file(body, "application/rss+xml")
}

/// The relicensing announcement's first paragraph, from the shared
/// fixtures, and its title.
fn relicensing() -> (String, String) {
    let text = std::fs::read_to_string(
        common::shared().join("fixtures/announcement-relicensing-ahsns.txt"),
    )
    .unwrap();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let title = lines.next().unwrap().to_string();
    let _date = lines.next();
    (title, lines.next().unwrap().to_string())
}

/// The HIN's news page: the relicensing announcement and another, each
/// with its own page.
fn news_page(base: &str) -> Route {
    let (title, lead) = relicensing();
    let body = format!(
        r#"<!doctype html><html><head><title>News</title></head><body><main>
        <article class="post"><h2 class="entry-title"><a href="{base}/hin/news/relicensing-of-ahsns-confirmed/">{title}</a></h2>
          <time class="entry-date" datetime="2023-05-26T09:30:00+01:00">May 26, 2023</time>
          <div class="entry-summary"><p>{lead}</p></div></article>
        <article class="post"><h2 class="entry-title"><a href="{base}/hin/news/accelerator/">South London digital health accelerator opens applications</a></h2>
          <time class="entry-date" datetime="2023-05-22T08:45:00+01:00">May 22, 2023</time>
          <div class="entry-summary"><p>Applications are open for the third cohort of our accelerator, which supports companies with products ready for NHS pilots.</p></div></article>
        </main></body></html>"#
    );
    Route::file(body, "text/html; charset=utf-8")
}

/// NHS England's Atom feed: a shorter copy of the relicensing
/// announcement on its own page under its own headline, and another entry.
fn nhs_atom(base: &str) -> Route {
    let (_, lead) = relicensing();
    let copy = format!(
        "{} Read the announcement from the Health Innovation Network.",
        lead.replace("that that", "that")
    );
    let body = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>NHS England</title><id>urn:nhs</id>
<link href="{base}/nhs/"/><updated>2023-05-26T12:00:00Z</updated>
<entry><title>Health innovation networks relicensed for five years</title>
  <link href="{base}/nhs/2023/05/health-innovation-networks-relicensed/"/>
  <id>urn:nhs:1</id><updated>2023-05-26T12:00:00Z</updated>
  <summary>{copy}</summary></entry>
<entry><title>Virtual wards reach 10,000 beds</title>
  <link href="{base}/nhs/2023/05/virtual-wards/"/>
  <id>urn:nhs:2</id><updated>2023-05-23T08:00:00Z</updated>
  <summary>Virtual wards let patients get hospital-level care at home, monitored by clinical teams through apps and wearable devices.</summary></entry>
</feed>"#
    );
    Route::file(body, "application/atom+xml")
}

const HTML_RULES: &str = r#"kind = "html"
[feed.html]
item = "article.post"
title = "h2.entry-title"
link = "h2.entry-title a@href"
date = "time.entry-date@datetime"
summary = ".entry-summary"
"#;

/// A source in a case: name, path served, what is served there (given
/// the server's base), extra config lines.
struct Source {
    name: &'static str,
    path: &'static str,
    route: fn(&str) -> Route,
    extra: &'static str,
}

struct Case {
    name: &'static str,
    sources: Vec<Source>,
    /// Rows `list --json` gives and what `count` says.
    rows: usize,
    /// Rows with "also in", and how many other sources each.
    stories: Vec<usize>,
    /// A title the HTML bulletin must show exactly once.
    bulletin_once: Option<&'static str>,
}

fn run(case: &Case) {
    let server = TestServer::start();
    let base = server.base();
    let mut config = String::from("[settings]\nretries = 0\n");
    for s in &case.sources {
        server.route(s.path, (s.route)(&base));
        config.push_str(&format!(
            "\n[[feed]]\nname = {:?}\nurl = {:?}\n{}",
            s.name,
            server.url(s.path),
            s.extra
        ));
    }
    let sb = Sandbox::new();
    std::fs::write(sb.config(), config).unwrap();
    sb.cmd().arg("fetch").assert().success();
    let rows = sb.list_json(&[]);
    let titles: Vec<&str> = rows.iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert_eq!(rows.len(), case.rows, "{}: {titles:?}", case.name);
    let out = sb.cmd().arg("count").assert().success();
    let count = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(count.trim(), case.rows.to_string(), "{}", case.name);
    let mut stories: Vec<usize> = rows
        .iter()
        .filter_map(|r| r.get("also_in").and_then(|a| a.as_array()).map(Vec::len))
        .filter(|n| *n > 0)
        .collect();
    stories.sort_unstable();
    assert_eq!(stories, case.stories, "{}: {rows:?}", case.name);
    // A story's copies come from other feeds than its lead.
    for r in &rows {
        for c in r
            .get("also_in")
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
        {
            assert_ne!(c["feed"], r["feed"], "{}: {r}", case.name);
        }
    }
    let file = sb.dir.path().join("b.html");
    sb.cmd()
        .args([
            "bulletin", "--since", "100000d", "--format", "html", "--output",
        ])
        .arg(&file)
        .assert()
        .success();
    let html = std::fs::read_to_string(&file).unwrap();
    for t in &titles {
        // Every row's title is in the bulletin (HTML-escaped as needed).
        let shown = t.replace('&', "&amp;").replace('\'', "&#39;");
        assert!(
            html.contains(t) || html.contains(&shown),
            "{}: {t} in {html}",
            case.name
        );
    }
    if let Some(t) = case.bulletin_once {
        assert_eq!(html.matches(t).count(), 1, "{}: {html}", case.name);
    }
}

#[test]
fn stories_end_to_end() {
    let cases = vec![
        Case {
            name: "a trust's three items link its news page",
            sources: vec![Source {
                name: "Trust",
                path: "/trust/feed.xml",
                route: |b| {
                    rss(
                        b,
                        &[
                            Rss("t1", "Flu clinics open on Monday", Some("{base}/trust/news/"), "Our staff flu clinics open on Monday in the main entrance.", "Mon, 06 Oct 2025 09:00:00 +0100"),
                            Rss("t2", "Car park closed for resurfacing", Some("{base}/trust/news/"), "The visitor car park is closed for resurfacing until Friday.", "Tue, 07 Oct 2025 09:00:00 +0100"),
                            Rss("t3", "New chief nurse appointed", Some("{base}/trust/news/"), "We are pleased to announce the appointment of our new chief nurse.", "Wed, 08 Oct 2025 09:00:00 +0100"),
                        ],
                    )
                },
                extra: "",
            }],
            rows: 3,
            stories: vec![],
            bulletin_once: None,
        },
        Case {
            name: "an HTML news page whose items have no link of their own",
            sources: vec![Source {
                name: "Trust page",
                path: "/trust/news/",
                route: |_| {
                    Route::file(
                        "<html><body><main>\
                         <div class=\"n\"><h3>Flu clinics open on Monday</h3><time>6 October 2025</time><p>Our staff flu clinics open on Monday in the main entrance.</p></div>\
                         <div class=\"n\"><h3>Car park closed for resurfacing</h3><time>7 October 2025</time><p>The visitor car park is closed for resurfacing until Friday.</p></div>\
                         <div class=\"n\"><h3>New chief nurse appointed</h3><time>8 October 2025</time><p>We are pleased to announce the appointment of our new chief nurse.</p></div>\
                         </main></body></html>"
                            .to_string(),
                        "text/html; charset=utf-8",
                    )
                },
                extra: "kind = \"html\"\n[feed.html]\nitem = \"div.n\"\ntitle = \"h3\"\ndate = \"time\"\nsummary = \"p\"\n",
            }],
            rows: 3,
            stories: vec![],
            bulletin_once: None,
        },
        Case {
            name: "a sponsor post and its follow-up share a link",
            sources: vec![Source {
                name: "Blog",
                path: "/blog/feed.xml",
                route: |b| {
                    rss(
                        b,
                        &[
                            Rss(
                                "s1",
                                "Sponsored: try the new booking app",
                                Some("{base}/partners/booking-app?utm_source=rss"),
                                "Our sponsor's booking app lets you choose a time that suits you.",
                                "Mon, 06 Oct 2025 09:00:00 +0100",
                            ),
                            Rss(
                                "s2",
                                "Follow-up: your questions on the booking app",
                                Some("{base}/partners/booking-app"),
                                "Many of you asked about the booking app our sponsor makes.",
                                "Thu, 09 Oct 2025 09:00:00 +0100",
                            ),
                        ],
                    )
                },
                extra: "",
            }],
            rows: 2,
            stories: vec![],
            bulletin_once: None,
        },
        Case {
            name: "two feeds' different items share generic links",
            sources: vec![
                Source {
                    name: "One",
                    path: "/one.xml",
                    route: |b| {
                        rss(
                            b,
                            &[
                                Rss(
                                    "a",
                                    "Example entry",
                                    Some("http://example.com/entry"),
                                    "Watch out for nasty tricks.",
                                    "Mon, 06 Oct 2025 09:00:00 +0100",
                                ),
                                Rss(
                                    "b",
                                    "Board meeting papers",
                                    Some("{base}/"),
                                    "Papers for the October board meeting.",
                                    "Mon, 06 Oct 2025 10:00:00 +0100",
                                ),
                            ],
                        )
                    },
                    extra: "",
                },
                Source {
                    name: "Two",
                    path: "/two.xml",
                    route: |b| {
                        rss(
                            b,
                            &[
                                Rss(
                                    "c",
                                    "Another document entirely",
                                    Some("http://example.com/entry"),
                                    "This is the content of another document.",
                                    "Mon, 06 Oct 2025 11:00:00 +0100",
                                ),
                                Rss(
                                    "d",
                                    "Pharmacy opening hours",
                                    Some("{base}"),
                                    "Opening hours over the holiday.",
                                    "Mon, 06 Oct 2025 12:00:00 +0100",
                                ),
                            ],
                        )
                    },
                    extra: "",
                },
            ],
            rows: 4,
            stories: vec![],
            bulletin_once: None,
        },
        Case {
            name: "the relicensing copies: an HTML news page and an Atom feed",
            sources: vec![
                Source {
                    name: "HIN South London",
                    path: "/hin/news/",
                    route: news_page,
                    extra: HTML_RULES,
                },
                Source {
                    name: "NHS England",
                    path: "/nhs/feed.atom",
                    route: nhs_atom,
                    extra: "",
                },
            ],
            rows: 3,
            stories: vec![1],
            bulletin_once: Some("Relicensing of AHSNs confirmed"),
        },
    ];
    for case in &cases {
        run(case);
    }
}

/// How an item of the generated feed is linked.
#[derive(Debug, Clone)]
enum Link {
    Own,
    NewsIndex,
    Home,
    FeedItself,
    None,
    /// The link of an earlier item.
    Earlier(usize),
}

fn link_strategy() -> impl Strategy<Value = Link> {
    prop_oneof![
        Just(Link::Own),
        Just(Link::NewsIndex),
        Just(Link::Home),
        Just(Link::FeedItself),
        Just(Link::None),
        (0usize..8).prop_map(Link::Earlier),
    ]
}

const WORDS: &[&str] = &[
    "flu",
    "clinic",
    "car",
    "park",
    "nurse",
    "board",
    "meeting",
    "pharmacy",
    "hours",
    "ward",
    "virtual",
    "cancer",
    "screening",
    "appointment",
    "booking",
    "staff",
    "award",
    "research",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever their links, N distinct announcements of one source are
    /// N rows and `count` says N, even when they share their text.
    #[test]
    fn one_sources_announcements_are_all_counted(
        items in prop::collection::vec(
            (link_strategy(), prop::collection::vec(0..WORDS.len(), 2..6), any::<bool>()),
            1..8,
        )
    ) {
        let server = TestServer::start();
        let base = server.base();
        let mut links: Vec<Option<String>> = Vec::new();
        let mut xml = String::new();
        for (i, (link, words, stock)) in items.iter().enumerate() {
            let link = match link {
                Link::Own => Some(format!("{base}/news/{i}")),
                Link::NewsIndex => Some(format!("{base}/news/")),
                Link::Home => Some(format!("{base}/")),
                Link::FeedItself => Some(format!("{base}/feed.xml")),
                Link::None => None,
                Link::Earlier(j) => links.get(*j).cloned().flatten(),
            };
            let title: Vec<&str> = words.iter().map(|w| WORDS[*w]).collect();
            // Distinct announcements: each title is its own.
            let title = format!("{} {i}", title.join(" "));
            let text = if *stock {
                "Read the full announcement on our website, where you can also find contact \
                 details for the press office and our privacy notice.".to_string()
            } else {
                format!("Announcement {i}: {title}, as the trust's communications team wrote it.")
            };
            xml.push_str(&format!(
                "<item><guid isPermaLink=\"false\">g{i}</guid><title>{title}</title>{}\
                 <description>{text}</description>\
                 <pubDate>Mon, 06 Oct 2025 {:02}:00:00 +0000</pubDate></item>",
                link.as_ref().map(|l| format!("<link>{l}</link>")).unwrap_or_default(),
                i + 1,
            ));
            links.push(link);
        }
        server.route(
            "/feed.xml",
            Route::file(
                format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><link>{base}/</link>{xml}</channel></rss>"),
                "application/rss+xml",
            ),
        );
        let sb = Sandbox::new();
        sb.write_config("retries = 0", &[("Source", &server.url("/feed.xml"))]);
        sb.cmd().arg("fetch").assert().success();
        let out = sb.cmd().arg("count").assert().success();
        let count = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        prop_assert_eq!(count.trim(), items.len().to_string());
        prop_assert_eq!(sb.list_json(&[]).len(), items.len());
    }
}
