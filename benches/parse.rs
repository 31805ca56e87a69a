#![allow(clippy::expect_used, clippy::unwrap_used)]

//! Time to parse typical feed documents (50 items with HTML bodies), RSS
//! 2.0 and Atom, as the fetcher does. `cargo bench --bench parse`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;
use tidings::fetch::parse::parse_feed;
use url::Url;

const ITEMS: usize = 50;

fn words(i: usize, n: usize) -> String {
    const W: &[&str] = &[
        "market", "report", "city", "council", "budget", "school", "river", "season", "team",
        "policy", "energy", "health", "travel", "music", "storm", "science",
    ];
    (0..n)
        .map(|k| W[(i * 7 + k * 3) % W.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

fn body(i: usize) -> String {
    format!(
        "<p>{}</p><p>{} <a href=\"/related/{i}\">more</a> &amp; {}</p><ul><li>{}</li><li>{}</li></ul>",
        words(i, 40),
        words(i + 1, 30),
        words(i + 2, 20),
        words(i + 3, 8),
        words(i + 4, 8)
    )
}

fn rss() -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Bench News</title><link>https://bench.example/</link><description>Daily</description>\n",
    );
    for i in 0..ITEMS {
        s.push_str(&format!(
            "<item><title>{} &amp; {}</title><link>https://bench.example/a/{i}</link><guid isPermaLink=\"false\">bench-{i}</guid><pubDate>Mon, 0{} Jan 2024 10:{:02}:00 GMT</pubDate><dc:creator>Writer {}</dc:creator><description>{}</description><content:encoded><![CDATA[{}]]></content:encoded></item>\n",
            words(i, 5),
            words(i + 9, 3),
            1 + i % 9,
            i % 60,
            i % 7,
            xml_escape(&body(i + 5)),
            body(i)
        ));
    }
    s.push_str("</channel></rss>\n");
    s
}

fn atom() -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Bench Blog</title><id>urn:bench</id><updated>2024-01-01T00:00:00Z</updated><link href=\"https://blog.bench.example/\"/>\n",
    );
    for i in 0..ITEMS {
        s.push_str(&format!(
            "<entry><title type=\"html\">{}</title><id>urn:bench:{i}</id><link rel=\"alternate\" href=\"/posts/{i}\"/><published>2024-01-0{}T10:{:02}:00Z</published><updated>2024-01-0{}T11:00:00Z</updated><author><name>Author {}</name></author><summary>{}</summary><content type=\"html\">{}</content></entry>\n",
            xml_escape(&words(i, 6)),
            1 + i % 9,
            i % 60,
            1 + i % 9,
            i % 5,
            words(i + 3, 25),
            xml_escape(&body(i))
        ));
    }
    s.push_str("</feed>\n");
    s
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn bench(c: &mut Criterion) {
    let base = Url::parse("https://bench.example/feed.xml").unwrap();
    let mut group = c.benchmark_group("parse");
    group.measurement_time(Duration::from_secs(4));
    group.sample_size(30);
    for (name, doc) in [("rss2-50", rss()), ("atom-50", atom())] {
        assert_eq!(
            parse_feed(doc.as_bytes(), &base).unwrap().articles.len(),
            ITEMS
        );
        group.bench_function(name, |b| {
            b.iter(|| parse_feed(black_box(doc.as_bytes()), &base).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
