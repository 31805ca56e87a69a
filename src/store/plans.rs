//! The plan of every list shape on a cache of 20,000 articles, so a later
//! change cannot silently fall back to reading and sorting every article.
//! `tidings-bench --query` prints the same plans for a real cache.

use super::fts::fts_upsert;
use super::{Store, ViewFilter};
use crate::model::FeedId;
use crate::query::{parse_with, ParseOptions, SqlOptions};
use chrono::Utc;
use rusqlite::params;

const ARTICLES: i64 = 20_000;
const FEEDS: i64 = 200;
const PAGE: usize = 500;

/// Feed 0 alone is tagged "small" (half a percent of the articles); half
/// the feeds are tagged "big". "common" is in every other article,
/// "ward" in every tenth, "rare" in one in a thousand; one article in ten
/// is a story copy; one in three is read.
fn cache() -> Store {
    let mut s = Store::open_in_memory().unwrap();
    let now = Utc::now().timestamp();
    let tx = s.conn.transaction().unwrap();
    for f in 0..FEEDS {
        tx.execute(
            "INSERT INTO feeds (id, name, url) VALUES (?1, ?2, ?3)",
            params![f + 1, format!("Feed {f}"), format!("http://f{f}.test/")],
        )
        .unwrap();
        let tag = if f == 0 {
            "small"
        } else if f % 2 == 0 {
            "big"
        } else {
            "other"
        };
        tx.execute(
            "INSERT INTO feed_tags (tag, feed_id) VALUES (?1, ?2)",
            params![tag, f + 1],
        )
        .unwrap();
    }
    let mut seed = 7u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for id in 1..=ARTICLES {
        let feed = (rand() % FEEDS as u64) as i64 + 1;
        let time = now - (rand() % (180 * 86_400)) as i64;
        let mut words: Vec<String> = (0..40).map(|_| format!("w{}", rand() % 3000)).collect();
        if id % 2 == 0 {
            words.push("common".into());
        }
        if id % 10 == 0 {
            words.push("virtual ward".into());
        }
        if id % 1000 == 0 {
            words.push("rare".into());
        }
        let title = format!("Title {} {}", words[0], words[1]);
        let body = format!("<p>{}</p>", words.join(" "));
        tx.execute(
            "INSERT INTO articles (id, feed_id, guid, title, first_seen, published, sort_time,
                                   read, starred, content_hash, story_id, story_lead)
             VALUES (?1, ?2, ?1, ?3, ?4, ?4, ?4, ?5, ?6, 0, ?7, ?8)",
            params![
                id,
                feed,
                title,
                time,
                id % 3 == 0,
                id % 97 == 0,
                id - id % 10,
                id % 10 != 5
            ],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO article_bodies (article_id, summary, content) VALUES (?1, NULL, ?2)",
            params![id, body],
        )
        .unwrap();
        fts_upsert(&tx, id, &title, None, Some(&body)).unwrap();
    }
    tx.commit().unwrap();
    s
}

/// What a shape's plan must and must not be.
struct Want {
    query: &'static str,
    view: ViewFilter,
    /// A line of the list's plan.
    list: &'static str,
    /// Rows come out in list order: no sort of the matches.
    ordered: bool,
    /// A line of the count's plan.
    count: &'static str,
}

#[test]
fn every_list_shape_uses_its_plan() {
    let s = cache();
    let totals = "SUM of per-feed totals (feed_counts)";
    let index = "COUNT in the full-text index, less the story copies it holds";
    let by_time = "SCAN a USING INDEX articles_lead_by_time";
    let matches = "WALK the rest in list order, keeping the index's matches";
    let want = |query, view, list, ordered, count| Want {
        query,
        view,
        list,
        ordered,
        count,
    };
    let shapes = [
        want("", ViewFilter::All, by_time, true, totals),
        want(
            "",
            ViewFilter::Unread,
            "SCAN a USING INDEX articles_lead_unread",
            true,
            totals,
        ),
        want(
            "is:unread",
            ViewFilter::All,
            "SCAN a USING INDEX articles_lead_unread",
            true,
            totals,
        ),
        want(
            "is:starred",
            ViewFilter::All,
            "SCAN a USING INDEX articles_lead_starred",
            true,
            totals,
        ),
        want(
            "",
            ViewFilter::Starred,
            "SCAN a USING INDEX articles_lead_starred",
            true,
            totals,
        ),
        // A tag with half the cache walks; one with a single feed reads it.
        want("tag:big", ViewFilter::All, by_time, true, totals),
        want("", ViewFilter::Tag("big".into()), by_time, true, totals),
        want(
            "tag:big is:unread",
            ViewFilter::All,
            "SCAN a USING INDEX articles_lead_unread",
            true,
            totals,
        ),
        want(
            "tag:small",
            ViewFilter::All,
            "SEARCH a USING INDEX articles_by_feed (feed_id=?)",
            false,
            totals,
        ),
        want(
            "feed:=\"Feed 7\"",
            ViewFilter::All,
            "SEARCH a USING INDEX articles_by_feed (feed_id=?)",
            false,
            totals,
        ),
        // Feeds 7, 70 to 79, 107, 170 to 179: a large share. A feed's own
        // articles are all listed, copies too.
        want(
            "feed:\"Feed 7\"",
            ViewFilter::All,
            "SCAN a USING INDEX articles_by_time",
            true,
            totals,
        ),
        want(
            "",
            ViewFilter::Feed(FeedId(8)),
            "SEARCH a USING INDEX articles_by_feed (feed_id=?)",
            true,
            totals,
        ),
        // Many matches walk the list order; few are looked up and sorted.
        want("common", ViewFilter::All, matches, true, index),
        want("\"virtual ward\"", ViewFilter::All, matches, true, index),
        want(
            "rare",
            ViewFilter::All,
            "SEARCH a USING INTEGER PRIMARY KEY (rowid=?)",
            false,
            index,
        ),
        want("commo", ViewFilter::All, matches, true, index),
        // One- and two-letter prefixes walk and test words themselves.
        want(
            "c",
            ViewFilter::All,
            "WALK the list of the rest, testing words for \"c\"*",
            true,
            index,
        ),
        want(
            "tag:big co",
            ViewFilter::All,
            "WALK the list of the rest, testing words for \"co\"*",
            true,
            "SEARCH a USING INDEX articles_by_feed (feed_id=?)",
        ),
        want(
            "common tag:big",
            ViewFilter::All,
            matches,
            true,
            "SEARCH a USING INTEGER PRIMARY KEY (rowid=?)",
        ),
        want(
            "since:7d",
            ViewFilter::All,
            "SEARCH a USING INDEX articles_lead_by_time (sort_time>?)",
            true,
            "SEARCH a USING COVERING INDEX articles_lead_by_time (sort_time>?)",
        ),
    ];
    let opts = SqlOptions {
        stories: true,
        ..Default::default()
    };
    let now = Utc::now();
    for w in shapes {
        let q = parse_with(w.query, ParseOptions::TYPING).unwrap();
        let plan = s.plan(&q, &w.view, &opts, now, PAGE).unwrap();
        let shape = format!("{:?} in {:?}: {plan:#?}", w.query, w.view);
        assert!(plan.list.iter().any(|l| l == w.list), "{shape}");
        assert!(plan.count.iter().any(|l| l == w.count), "{shape}");
        for l in plan.list.iter().chain(&plan.count) {
            assert!(l != "SCAN a", "reads every article: {shape}");
        }
        // The walk's own statement reads past skipped rows by the index.
        if w.ordered && !w.list.starts_with("WALK the list of the rest, testing") {
            assert!(
                !plan.list.iter().any(|l| l.contains("TEMP B-TREE")),
                "sorts: {shape}"
            );
        }
        // And the answers are the rows': a page, and the exact count.
        let rows = s.search(&q, &w.view, &opts, now, PAGE).unwrap();
        let counted = s.count_view(&q, &w.view, &opts, now).unwrap();
        let by_rows = s
            .count_rows(&w.view.with_view(&q).unwrap(), &w.view, &opts, now)
            .unwrap();
        assert_eq!(counted, by_rows, "{shape}");
        assert_eq!(rows.len() as u64, by_rows.min(PAGE as u64), "{shape}");
        // Whichever way the matches are found, the same rows in one order.
        let ids = |rows: Vec<crate::model::ArticleSummary>| -> Vec<i64> {
            rows.into_iter().map(|a| a.id.0).collect()
        };
        let looked_up = SqlOptions {
            walk_text: Some(false),
            ..opts.clone()
        };
        let second = |o: &SqlOptions| ids(s.search_from(&q, &w.view, o, now, 100, 50).unwrap());
        assert_eq!(
            ids(rows),
            ids(s.search(&q, &w.view, &looked_up, now, PAGE).unwrap()),
            "{shape}"
        );
        assert_eq!(second(&opts), second(&looked_up), "{shape}");
    }
}
