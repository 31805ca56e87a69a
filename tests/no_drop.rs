//! No entry is dropped for what it lacks: entries with a single field are
//! fetched, listed with a title (derived where the source gave none) and
//! counted, end to end through the binary; and over every format and
//! namespace variant the readers accept, a document of N items gives N
//! articles or an error, never fewer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;
use proptest::prelude::*;
use serde_json::Value;
use tidings::fetch::parse::parse_document;

const ATOM: &str = "http://www.w3.org/2005/Atom";

/// (feed name, document, content type, expected titles, derived?)
fn cases() -> Vec<(&'static str, String, &'static str, Vec<&'static str>, bool)> {
    vec![
        (
            "atom-link",
            format!(r#"<feed xmlns="{ATOM}"><title>L</title><entry><link href="http://news.example/flu"/></entry></feed>"#),
            "application/atom+xml",
            vec!["news.example/flu"],
            true,
        ),
        (
            "atom-id",
            format!(r#"<feed xmlns="{ATOM}"><title>I</title><entry><id>urn:x:1</id></entry></feed>"#),
            "application/atom+xml",
            vec!["(untitled)"],
            true,
        ),
        (
            "rss-date",
            "<rss version=\"2.0\"><channel><title>D</title><item><pubDate>Tue, 05 Mar 2024 10:30:00 GMT</pubDate></item></channel></rss>".into(),
            "application/rss+xml",
            vec!["(untitled, 5 Mar 2024)"],
            true,
        ),
        (
            "rss-author",
            "<rss version=\"2.0\"><channel><title>A</title><item><author>jo@example.org (Jo)</author></item></channel></rss>".into(),
            "application/rss+xml",
            vec!["(untitled)"],
            true,
        ),
        (
            "rss-description",
            "<rss version=\"2.0\"><channel><title>S</title><item><description>&lt;p&gt;Car park closed for resurfacing&lt;/p&gt;</description></item></channel></rss>".into(),
            "application/rss+xml",
            vec!["Car park closed for resurfacing"],
            true,
        ),
        (
            "atom-draft",
            "<feed version=\"0.3\" xmlns=\"http://example.com/newformat#\"><title>Old</title><entry><title>Kept</title><id>urn:o:1</id></entry></feed>".into(),
            "application/atom+xml",
            vec!["Kept"],
            false,
        ),
    ]
}

#[test]
fn entries_with_one_field_are_listed_and_counted() {
    let server = TestServer::start();
    let mut feeds = Vec::new();
    for (name, doc, ct, _, _) in cases() {
        let path = format!("/{name}.xml");
        server.route(&path, Route::file(doc, ct));
        feeds.push((name, server.url(&path)));
    }
    let sandbox = Sandbox::new();
    let pairs: Vec<(&str, &str)> = feeds.iter().map(|(n, u)| (*n, u.as_str())).collect();
    sandbox.write_config("group_stories = false", &pairs);
    let out = sandbox.cmd().arg("fetch").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let articles = sandbox.list_json(&[]);
    let mut total = 0;
    for (name, _, _, titles, derived) in cases() {
        let rows: Vec<&Value> = articles.iter().filter(|a| a["feed"] == name).collect();
        let got: Vec<&str> = rows.iter().map(|a| a["title"].as_str().unwrap()).collect();
        assert_eq!(got, titles, "{name}: {rows:?}");
        for row in &rows {
            assert_eq!(row["title_derived"], derived, "{name}: {row}");
        }
        total += titles.len();
    }
    let count = sandbox.cmd().arg("count").output().unwrap();
    assert!(count.status.success());
    assert_eq!(
        String::from_utf8_lossy(&count.stdout).trim(),
        total.to_string()
    );
    // The reader says where a made title comes from.
    let id = articles
        .iter()
        .find(|a| a["feed"] == "rss-description")
        .map(|a| a["id"].to_string())
        .unwrap();
    let show = sandbox.cmd().args(["show", &id]).output().unwrap();
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains("Title from the text: the source gave none"),
        "{text}"
    );
}

/// The readers' variants: how a document, its channel and each item are
/// written.
struct Variant {
    open: &'static str,
    close: &'static str,
    item: &'static str,
    /// Element names of title, link, id, date, author, text.
    fields: [&'static str; 6],
}

const VARIANTS: &[Variant] = &[
    Variant { open: "<rss version=\"2.0\"><channel><title>F</title>", close: "</channel></rss>", item: "item", fields: ["title", "link", "guid", "pubDate", "author", "description"] },
    Variant { open: "<rss version=\"0.91\"><channel><title>F</title>", close: "</channel></rss>", item: "item", fields: ["title", "link", "guid", "pubDate", "author", "description"] },
    Variant { open: "<rss version=\"2.0\">", close: "</rss>", item: "item", fields: ["title", "link", "guid", "pubDate", "author", "description"] },
    Variant { open: "<RSS version=\"2.0\"><Channel><Title>F</Title>", close: "</Channel></RSS>", item: "Item", fields: ["TiTlE", "LINK", "Guid", "PubDate", "Author", "Description"] },
    Variant { open: "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><dc:title>F</dc:title>", close: "</channel></rss>", item: "item", fields: ["dc:title", "link", "guid", "dc:date", "dc:creator", "summary"] },
    Variant { open: "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\"><channel rdf:about=\"http://f.example/\"><title>F</title><link>http://f.example/</link></channel>", close: "</rdf:RDF>", item: "item", fields: ["title", "link", "dc:identifier", "dc:date", "dc:creator", "description"] },
    Variant { open: "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><channel><title>F</title><link>http://f.example/</link></channel>", close: "</rdf:RDF>", item: "item", fields: ["title", "link", "dc:identifier", "dc:date", "dc:creator", "description"] },
    Variant { open: "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://my.netscape.com/rdf/simple/0.9\"><channel><title>F</title></channel>", close: "</rdf:RDF>", item: "item", fields: ["title", "link", "dc:identifier", "dc:date", "dc:creator", "description"] },
    Variant { open: "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>F</title>", close: "</feed>", item: "entry", fields: ["title", "link", "id", "updated", "author", "summary"] },
    Variant { open: "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title>F</title>", close: "</feed>", item: "entry", fields: ["title", "link", "id", "issued", "author", "summary"] },
    Variant { open: "<feed version=\"0.3\" xmlns=\"http://example.com/newformat#\"><title>F</title>", close: "</feed>", item: "entry", fields: ["title", "link", "id", "modified", "author", "content"] },
    Variant { open: "<feed xmlns=\"http://purl.org/atom/ns#draft-ietf-atompub-format-08\"><title>F</title>", close: "</feed>", item: "entry", fields: ["title", "link", "id", "published", "author", "content"] },
    Variant { open: "<feed version=\"0.3\"><title>F</title>", close: "</feed>", item: "entry", fields: ["title", "link", "id", "modified", "author", "summary"] },
];

/// One field of item `n`, written as the variant writes it.
fn field(v: &Variant, which: usize, n: usize) -> String {
    let name = v.fields[which];
    let dc = if name.starts_with("dc:") {
        " xmlns:dc=\"http://purl.org/dc/elements/1.1/\""
    } else {
        ""
    };
    let atom = v.item == "entry";
    match which {
        1 if atom => format!("<{name} href=\"http://f.example/{n}\"/>"),
        4 if atom => format!("<{name}><name>Writer {n}</name></{name}>"),
        3 if name == "pubDate" || name == "PubDate" => {
            format!("<{name}>Mon, 01 Jan 2024 00:{:02}:00 GMT</{name}>", n % 60)
        }
        3 => format!("<{name}{dc}>2024-01-01T00:{:02}:00Z</{name}>", n % 60),
        1 => format!("<{name}>http://f.example/{n}</{name}>"),
        2 => format!("<{name}{dc}>urn:item:{n}</{name}>"),
        4 if name == "author" || name == "Author" => {
            format!("<{name}>w{n}@example.org (Writer {n})</{name}>")
        }
        _ => format!("<{name}{dc}>Announcement number {n}</{name}>"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn a_document_of_n_items_gives_n_articles_or_an_error(
        variant in 0..VARIANTS.len(),
        items in proptest::collection::vec(1u8..64, 1..8),
    ) {
        let v = &VARIANTS[variant];
        let mut doc = String::from(v.open);
        for (n, mask) in items.iter().enumerate() {
            doc.push_str(&format!("<{}>", v.item));
            for which in 0..6 {
                if mask & (1 << which) != 0 {
                    doc.push_str(&field(v, which, n));
                }
            }
            doc.push_str(&format!("</{}>", v.item));
        }
        doc.push_str(v.close);
        let base = url::Url::parse("http://f.example/feed").unwrap();
        if let Ok(feed) = parse_document(doc.as_bytes(), None, &base) {
            prop_assert_eq!(feed.articles.len(), items.len(), "{}", doc);
            prop_assert!(feed.articles.iter().all(|a| !a.title.trim().is_empty()), "{}", doc);
        }
    }
}
