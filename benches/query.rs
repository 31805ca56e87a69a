#![allow(clippy::expect_used, clippy::unwrap_used)]

//! Time to the first 50 results of typical queries on a 100,000-article
//! cache (1,000 feeds), built once under target/bench-cache by the real
//! write path. `cargo bench --bench query`; for the million-article run
//! (its cache takes some minutes to build, once)
//! `TIDINGS_BENCH_ARTICLES=1000000 TIDINGS_BENCH_FEEDS=2000 cargo bench --bench query`.

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use std::path::PathBuf;
use std::time::Duration;
use tidings::query::{parse, SqlOptions};
use tidings::store::Store;

/// The cache's size: `TIDINGS_BENCH_ARTICLES` and `TIDINGS_BENCH_FEEDS`,
/// else 100,000 articles over 1,000 feeds.
fn size() -> (usize, usize) {
    let var = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    (
        var("TIDINGS_BENCH_ARTICLES", 100_000),
        var("TIDINGS_BENCH_FEEDS", 1_000),
    )
}

fn cache() -> PathBuf {
    let (articles, feeds) = size();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-cache");
    let path = dir.join(format!("query-{articles}-{feeds}.db"));
    if !path.exists() {
        let _ = std::fs::create_dir_all(&dir);
        let tmp = dir.join("query-building.db");
        let _ = std::fs::remove_file(&tmp);
        let mut store = Store::open(&tmp).expect("open bench cache");
        let started = std::time::Instant::now();
        tidings::synth::fill(&mut store, feeds, articles, Utc::now(), 1).expect("fill bench cache");
        drop(store);
        std::fs::rename(&tmp, &path).expect("move bench cache");
        println!(
            "built {} in {:.1} s",
            path.display(),
            started.elapsed().as_secs_f64()
        );
    }
    path
}

fn report_sizes(path: &PathBuf) {
    let conn = rusqlite::Connection::open(path).expect("open");
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap_or(-1) };
    let text = one("SELECT SUM(LENGTH(title)) FROM articles")
        + one("SELECT SUM(LENGTH(COALESCE(summary,'')) + LENGTH(COALESCE(content,''))) FROM article_bodies");
    let fts = one("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'");
    let file = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!(
        "cache: {} articles, file {:.1} MB, article text {:.1} MB, full-text index {:.1} MB ({:.2}x the text)",
        one("SELECT COUNT(*) FROM articles"),
        file as f64 / 1e6,
        text as f64 / 1e6,
        fts as f64 / 1e6,
        fts as f64 / text as f64
    );
}

/// One article in five a copy in a story of two (the store's triggers
/// pick the leads), as lists grouping stories see it.
fn add_stories(path: &PathBuf) {
    let conn = rusqlite::Connection::open(path).expect("open");
    let grouped: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM articles WHERE story_id IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("count stories");
    if grouped == 0 {
        conn.execute(
            "UPDATE articles SET story_id = CASE WHEN id % 10 < 2 THEN id - id % 10 ELSE id END",
            [],
        )
        .expect("add stories");
    }
}

fn queries(c: &mut Criterion) {
    let path = cache();
    let opened = std::time::Instant::now();
    let store = Store::open(&path).expect("open");
    // Includes any migration of a cache built by an older tidings.
    println!("opened in {:.1} s", opened.elapsed().as_secs_f64());
    add_stories(&path);
    report_sizes(&path);
    let opts = SqlOptions::default();
    let now = Utc::now();
    let mut group = c.benchmark_group("first 50");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    for text in [
        "",
        "is:unread",
        "tag:nhs is:unread since:7d",
        "diagnostics",
        "diagnos*",
        "\"virtual wards\"",
        "feed:\"Feed 0042\" -health",
        // Worst case: a word in every article.
        "the",
        // What search-as-you-type sends on the first keystrokes of a word.
        "d*",
        "di*",
        "dia*",
        "health d*",
    ] {
        let q = parse(text).expect("valid query");
        group.bench_function(format!("{text:?}"), |b| {
            b.iter(|| store.query(&q, &opts, now, Some(50)).expect("query"))
        });
    }
    group.finish();
    let q = parse("diagnostics").expect("valid query");
    c.bench_function("count \"diagnostics\"", |b| {
        b.iter(|| store.count(&q, &opts, now).expect("count"))
    });

    // Lists and counts showing one article per story.
    let grouped = SqlOptions {
        stories: true,
        ..SqlOptions::default()
    };
    let mut group = c.benchmark_group("stories");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    for text in ["", "is:unread", "tag:nhs is:unread since:7d", "diagnostics"] {
        let q = parse(text).expect("valid query");
        for (name, o) in [("each copy", &opts), ("one per story", &grouped)] {
            group.bench_function(format!("first 50 {text:?} {name}"), |b| {
                b.iter(|| store.query(&q, o, now, Some(50)).expect("query"))
            });
        }
    }
    for text in ["", "is:unread"] {
        let q = parse(text).expect("valid query");
        for (name, o) in [("each copy", &opts), ("one per story", &grouped)] {
            group.bench_function(format!("count {text:?} {name}"), |b| {
                b.iter(|| store.count(&q, o, now).expect("count"))
            });
        }
    }
    let mut page = store
        .query(&parse("").expect("valid"), &grouped, now, Some(200))
        .expect("page");
    group.bench_function("also_in for a page of 200", |b| {
        b.iter(|| store.fill_also_in(&mut page).expect("also_in"))
    });
    group.finish();
}

/// A first page of 500 and its count, as the interface asks for them
/// (typed text, one article per story).
fn interface(c: &mut Criterion) {
    use tidings::query::{parse_with, ParseOptions};
    use tidings::store::ViewFilter;
    let store = Store::open(&cache()).expect("open");
    let opts = SqlOptions {
        stories: true,
        ..SqlOptions::default()
    };
    let now = Utc::now();
    let mut group = c.benchmark_group("interface");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for text in [
        "",
        "tag:nhs",
        "tag:nhs is:unread",
        "feed:\"Feed 0042\"",
        "diagnostics",
        "\"virtual wards\"",
        "d",
        "di",
        "diag",
    ] {
        let q = parse_with(text, ParseOptions::TYPING).expect("valid query");
        group.bench_function(format!("page of 500 {text:?}"), |b| {
            b.iter(|| {
                store
                    .search(&q, &ViewFilter::All, &opts, now, 500)
                    .expect("list")
            })
        });
        group.bench_function(format!("count {text:?}"), |b| {
            b.iter(|| {
                store
                    .count_view(&q, &ViewFilter::All, &opts, now)
                    .expect("count")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, queries, interface);
criterion_main!(benches);
