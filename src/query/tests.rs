//! Semantics tests: queries run against a small cache built with tidings's
//! own migrations.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use rusqlite::{params, params_from_iter, Connection};

use super::*;
use crate::store::fts::{fts_delete, fts_upsert, rebuild_fts, FTS_MIGRATION};

/// Friday 2023-05-26 12:00 UTC.
pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2023, 5, 26, 12, 0, 0).unwrap()
}

const H: i64 = 3600;
const D: i64 = 24 * H;

/// The fixture cache. Feed and article ids are fixed; see the table below.
pub(super) fn fixture() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    crate::store::schema::migrate(&mut conn).unwrap();
    let feeds: &[(i64, &str, &str, &[&str])] = &[
        (1, "NHS England", "NHS England - News", &["nhs", "health"]),
        (2, "NHS Digital", "NHS Digital", &["nhs"]),
        (3, "bbc", "BBC News", &["news"]),
        (4, "Café Culture", "Café Culture", &[]),
    ];
    for (id, name, title, tags) in feeds {
        conn.execute(
            "INSERT INTO feeds (id, name, url, title) VALUES (?1, ?2, 'https://example.org/feed' || ?1, ?3)",
            params![id, name, title],
        )
        .unwrap();
        for tag in *tags {
            conn.execute(
                "INSERT INTO feed_tags (tag, feed_id) VALUES (?, ?)",
                params![tag, id],
            )
            .unwrap();
        }
    }
    let t = now().timestamp();
    let may = |d: u32, h: u32, m: u32| {
        Utc.with_ymd_and_hms(2023, 5, d, h, m, 0)
            .unwrap()
            .timestamp()
    };
    // id, feed, title, author, link, published (None: undated, placed at
    // first_seen), first_seen, read, starred, summary, content
    #[allow(clippy::type_complexity)]
    let articles: &[(
        i64,
        i64,
        &str,
        Option<&str>,
        &str,
        Option<i64>,
        i64,
        bool,
        bool,
        Option<&str>,
        Option<&str>,
    )] = &[
        (
            1,
            1,
            "New diagnostics centres open",
            Some("Jane Smith"),
            "https://www.england.nhs.uk/2023/05/diagnostics",
            Some(t - D),
            t - D,
            false,
            false,
            Some("<p>Community <b>diagnostic</b> centres</p>"),
            Some("<p>Thirty new centres will deliver scans.</p>"),
        ),
        (
            2,
            1,
            "Annual report published",
            None,
            "https://www.england.nhs.uk/2023/05/report",
            Some(t - 10 * D),
            t - 10 * D,
            true,
            true,
            Some("The annual report for 2022/23"),
            None,
        ),
        (
            3,
            2,
            "NHSX becomes NHS Digital",
            Some("John Doe"),
            "https://digital.nhs.uk/news/nhsx",
            Some(t - 3 * H),
            t - 3 * H,
            false,
            false,
            None,
            Some("Merger of NHSX and NHS Digital"),
        ),
        (
            4,
            2,
            "Diagnostics data",
            None,
            "https://digital.nhs.uk/data",
            None,
            t - 2 * D,
            false,
            false,
            Some("Report on diagnostics waiting times"),
            None,
        ),
        (
            5,
            3,
            "Café culture in London",
            Some("Reporter"),
            "https://bbc.co.uk/news/cafe",
            Some(may(20, 10, 0)),
            may(20, 10, 0),
            true,
            false,
            Some("The cafe scene"),
            None,
        ),
        (
            6,
            3,
            "Election results",
            None,
            "https://bbc.co.uk/news/election",
            Some(t - 40 * D),
            t - 40 * D,
            false,
            false,
            None,
            Some("<script>diagnostics()</script>Votes counted"),
        ),
        (
            7,
            4,
            "Naïve coffee review",
            None,
            "https://cafe.example/review",
            Some(may(25, 23, 30)),
            may(25, 23, 30),
            false,
            false,
            Some("A review of the annual report of coffee"),
            None,
        ),
        (
            8,
            3,
            "Weather warning",
            None,
            "https://bbc.co.uk/news/weather",
            Some(t - 400 * D),
            t - 400 * D,
            false,
            false,
            None,
            None,
        ),
    ];
    for &(id, feed, title, author, link, published, first_seen, read, starred, summary, content) in
        articles
    {
        conn.execute(
            "INSERT INTO articles (id, feed_id, guid, title, link, author, published, first_seen, sort_time,
                                   read, starred, content_hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            params![
                id,
                feed,
                format!("guid-{id}"),
                title,
                link,
                author,
                published,
                first_seen,
                published.unwrap_or(first_seen),
                read,
                starred
            ],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO article_bodies (article_id, summary, content) VALUES (?, ?, ?)",
            params![id, summary, content],
        )
        .unwrap();
    }
    assert_eq!(rebuild_fts(&conn).unwrap(), articles.len());
    conn
}

pub(super) fn run(conn: &Connection, q: &Query, opts: &SqlOptions) -> Vec<i64> {
    let sql = to_sql(q, now(), opts).unwrap();
    let text = sql.select("a.id");
    assert_eq!(text.matches('?').count(), sql.params.len() + 1, "{text}");
    let mut stmt = conn
        .prepare(&text)
        .unwrap_or_else(|e| panic!("{e}: {text}"));
    let mut params = sql.params.clone();
    params.push(rusqlite::types::Value::Integer(100));
    stmt.query_map(params_from_iter(params), |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn ids_with(conn: &Connection, q: &str, opts: &SqlOptions) -> Vec<i64> {
    run(
        conn,
        &parse(q).unwrap_or_else(|e| panic!("{q:?}: {e}")),
        opts,
    )
}

fn check(conn: &Connection, cases: &[(&str, &[i64])]) {
    for (q, want) in cases {
        assert_eq!(
            ids_with(conn, q, &SqlOptions::default()),
            *want,
            "query {q:?}"
        );
    }
}

#[test]
fn empty_query_lists_everything_newest_first() {
    let c = fixture();
    check(&c, &[("", &[3, 7, 1, 4, 5, 2, 6, 8])]);
}

#[test]
fn full_text() {
    let c = fixture();
    check(
        &c,
        &[
            ("diagnostics", &[1, 4]),
            ("DIAGNOSTICS", &[1, 4]),
            ("diagnostic", &[1]),
            ("diagnostic*", &[1, 4]),
            ("diag* centres", &[1]),
            ("thirty", &[1]),
            ("\"annual report\"", &[7, 2]),
            ("\"report annual\"", &[]),
            ("annual report", &[7, 2]),
            ("\"annual rep\"*", &[7, 2]),
            ("title:\"annual report\"", &[2]),
            ("title:report", &[2]),
            ("title:diag*", &[1, 4]),
            ("report -title:report", &[7, 4]),
            // Diacritics and case fold both ways.
            ("cafe", &[5]),
            ("café", &[5]),
            ("CAFÉ", &[5]),
            ("naive", &[7]),
            ("naïve", &[7]),
            ("NAÏVE", &[7]),
            // Punctuation splits words; a hyphenated word is a phrase.
            ("2022/23", &[2]),
            ("\"nhsx becomes\"", &[3]),
            ("nhsx-becomes", &[3]),
            // Script bodies are not indexed.
            ("votes", &[6]),
            // FTS syntax in user text is just text.
            ("\"OR\" NEAR", &[]),
        ],
    );
}

fn typing(conn: &Connection, q: &str) -> Vec<i64> {
    let parsed = parse_with(q, ParseOptions::TYPING).unwrap_or_else(|e| panic!("{q:?}: {e}"));
    run(conn, &parsed, &SqlOptions::default())
}

#[test]
fn while_typing_the_last_word_is_a_prefix() {
    let c = fixture();
    // Results narrow with every key instead of vanishing until the word is
    // complete.
    for (q, want) in [
        ("d", &[4, 1, 3][..]),
        ("di", &[3, 1, 4]),
        ("diag", &[1, 4]),
        ("diagnostic", &[1, 4]),
        ("diagnostics", &[1, 4]),
        ("centres op", &[1]),
        ("centres -diag", &[]),
        ("title:diag", &[1, 4]),
        ("annual rep", &[7, 2]),
    ] {
        let mut got = typing(&c, q);
        let mut want = want.to_vec();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "typing {q:?}");
    }
    // Only the word that ends the text: earlier words, a trailing space,
    // quotes or a closing parenthesis keep whole words, and `*` is as before.
    for q in [
        "diagnostic ",
        "diag centres",
        "\"diagnostic\"",
        "(diagnostic)",
        "title:\"diagnostic\"",
        "diagnostic* centres",
        "diag* OR report",
        "is:unread",
        "feed:nhs",
        "sort:title",
        "",
    ] {
        assert_eq!(
            typing(&c, q),
            ids_with(&c, q, &SqlOptions::default()),
            "typing {q:?}"
        );
    }
    let shape = |q: &str| parse_with(q, ParseOptions::TYPING).unwrap().to_string();
    assert_eq!(shape("health innov"), "\"health\" \"innov\"*");
    assert_eq!(shape("health -innov"), "\"health\" -\"innov\"*");
    assert_eq!(shape("a OR title:innov"), "\"a\" OR title:\"innov\"*");
    assert_eq!(shape("innov*"), "\"innov\"*");
    assert_eq!(shape("innov tag:nhs"), "\"innov\" tag:\"nhs\"");
    assert_eq!(shape("\"health innov\""), "\"health innov\"");
    // Errors are the same as without the option.
    for q in ["innov (", "a OR", "title:", "-", "\"open"] {
        assert_eq!(
            parse_with(q, ParseOptions::TYPING).unwrap_err(),
            parse(q).unwrap_err(),
            "{q:?}"
        );
    }
}

#[test]
fn fields() {
    let c = fixture();
    check(
        &c,
        &[
            ("feed:nhs", &[3, 1, 4, 2]),
            ("feed:NHS", &[3, 1, 4, 2]),
            ("feed:\"NHS England\"", &[1, 2]),
            ("feed:\"nhs england\"", &[1, 2]),
            ("feed:england", &[1, 2]),
            ("feed:\"- news\"", &[1, 2]),
            ("feed:=nhs", &[]),
            ("feed:=\"nhs england\"", &[1, 2]),
            ("feed:=\"BBC News\"", &[5, 6, 8]),
            ("feed:\"bbc news\"", &[5, 6, 8]),
            ("feed:café", &[7]),
            ("feed:50%", &[]),
            ("feed:_", &[]),
            ("tag:nhs", &[3, 1, 4, 2]),
            ("tag:NHS", &[3, 1, 4, 2]),
            ("tag:health", &[1, 2]),
            ("tag:nh", &[]),
            ("-tag:nhs", &[7, 5, 6, 8]),
            ("author:smith", &[1]),
            ("author:\"john doe\"", &[3]),
            ("-author:smith", &[3, 7, 4, 5, 2, 6, 8]),
            ("link:england.nhs", &[1, 2]),
            ("link:/news/", &[3, 5, 6, 8]),
            ("-link:nhs.uk", &[7, 5, 6, 8]),
            ("is:unread", &[3, 7, 1, 4, 6, 8]),
            ("is:read", &[5, 2]),
            ("-is:unread", &[5, 2]),
            ("is:starred", &[2]),
            ("is:unstarred", &[3, 7, 1, 4, 5, 6, 8]),
            ("is:undated", &[4]),
            ("-is:undated tag:nhs", &[3, 1, 2]),
        ],
    );
}

#[test]
fn boolean_structure() {
    let c = fixture();
    check(
        &c,
        &[
            // AND binds tighter than OR.
            ("tag:nhs is:starred OR cafe", &[5, 2]),
            ("cafe OR tag:nhs is:starred", &[5, 2]),
            ("tag:nhs (is:starred OR cafe)", &[2]),
            ("tag:nhs AND is:starred | cafe", &[5, 2]),
            ("diagnostics OR is:starred", &[1, 4, 2]),
            ("diagnostics OR cafe OR is:starred", &[1, 4, 5, 2]),
            ("(diagnostics OR cafe) is:unread", &[1, 4]),
            // Negation.
            ("diagnostics -title:data", &[1]),
            ("-diagnostics", &[3, 7, 5, 2, 6, 8]),
            ("NOT diagnostics is:unread", &[3, 7, 6, 8]),
            ("-diagnostics -cafe -nhs", &[7, 2, 6, 8]),
            ("-(nhs OR cafe)", &[7, 1, 4, 2, 6, 8]),
            ("-(tag:nhs OR cafe)", &[7, 6, 8]),
            ("-(tag:nhs -is:unread)", &[3, 7, 1, 4, 5, 6, 8]),
            ("--is:read", &[5, 2]),
            ("is:unread OR -is:unread", &[3, 7, 1, 4, 5, 2, 6, 8]),
            ("diagnostics OR -tag:nhs", &[7, 1, 4, 5, 6, 8]),
            // The example.
            ("is:unread tag:nhs since:1w diagnostics", &[1, 4]),
        ],
    );
}

#[test]
fn dates_against_fixed_clock() {
    let c = fixture();
    check(
        &c,
        &[
            ("since:7d", &[3, 7, 1, 4, 5]),
            ("before:7d", &[2, 6, 8]),
            ("since:24h", &[3, 7, 1]),
            ("since:2w", &[3, 7, 1, 4, 5, 2]),
            ("since:1m", &[3, 7, 1, 4, 5, 2]),
            ("since:2m", &[3, 7, 1, 4, 5, 2, 6]),
            ("since:1y", &[3, 7, 1, 4, 5, 2, 6]),
            ("before:1y", &[8]),
            ("since:today", &[3]),
            ("on:today", &[3]),
            ("before:today", &[7, 1, 4, 5, 2, 6, 8]),
            ("on:yesterday", &[7, 1]),
            ("since:yesterday", &[3, 7, 1]),
            ("on:3h", &[3]),
            ("on:2d", &[4]),
            ("on:2023-05-20", &[5]),
            ("on:2023-05", &[3, 7, 1, 4, 5, 2]),
            ("on:2023-04", &[6]),
            ("on:2023", &[3, 7, 1, 4, 5, 2, 6]),
            ("on:2022", &[8]),
            ("since:2023-04-01 before:2023-05-17", &[2, 6]),
            ("since:2023-05-26", &[3]),
            ("before:2023-05-20", &[2, 6, 8]),
            ("since:9999", &[]),
            ("before:0001", &[]),
        ],
    );
}

#[test]
fn calendar_days_follow_the_utc_offset() {
    let c = fixture();
    let bst = SqlOptions {
        utc_offset: FixedOffset::east_opt(3600).unwrap(),
        ..SqlOptions::default()
    };
    // Article 7 is 2023-05-25 23:30 UTC = 2023-05-26 00:30 BST.
    assert_eq!(ids_with(&c, "since:today", &bst), vec![3, 7]);
    assert_eq!(ids_with(&c, "on:yesterday", &bst), vec![1]);
    assert_eq!(ids_with(&c, "on:2023-05-26", &bst), vec![3, 7]);
    let west = SqlOptions {
        utc_offset: FixedOffset::west_opt(13 * 3600).unwrap(),
        ..SqlOptions::default()
    };
    // 2023-05-26 12:00 UTC is 2023-05-25 23:00 at UTC-13.
    assert_eq!(ids_with(&c, "on:today", &west), vec![3, 7]);
}

#[test]
fn out_of_range_dates_are_errors() {
    let q = parse("x since:4000000000d").unwrap();
    let e = to_sql(&q, now(), &SqlOptions::default()).unwrap_err();
    assert_eq!(e.span, 2..19);
    assert_eq!(e.message, "date out of range");
    let q = parse("before:4000000000y").unwrap();
    assert!(to_sql(&q, now(), &SqlOptions::default()).is_err());
    // Hand-built trees outside the parser's range fail cleanly too.
    for when in [
        When::Year(i32::MAX),
        When::Month {
            year: 2023,
            month: 0,
        },
        When::Month {
            year: i32::MAX,
            month: 12,
        },
        When::Ago {
            amount: u32::MAX,
            unit: Unit::Years,
        },
    ] {
        let q = Query {
            expr: Some(Expr::Term(Term {
                kind: TermKind::On(when),
                span: 0..0,
            })),
            sort: Sort::default(),
        };
        assert!(
            to_sql(&q, now(), &SqlOptions::default()).is_err(),
            "{when:?}"
        );
    }
    // Far but representable.
    let q = parse("since:100000d").unwrap();
    assert!(to_sql(&q, now(), &SqlOptions::default()).is_ok());
}

#[test]
fn sort_orders() {
    let c = fixture();
    check(
        &c,
        &[
            ("sort:-date", &[3, 7, 1, 4, 5, 2, 6, 8]),
            ("sort:newest", &[3, 7, 1, 4, 5, 2, 6, 8]),
            ("sort:date", &[8, 6, 2, 5, 4, 1, 7, 3]),
            ("sort:oldest", &[8, 6, 2, 5, 4, 1, 7, 3]),
            ("sort:title", &[2, 5, 4, 6, 7, 1, 3, 8]),
            ("sort:-title", &[8, 3, 1, 7, 6, 4, 5, 2]),
            ("sort:feed", &[5, 6, 8, 7, 3, 4, 1, 2]),
            ("sort:-feed", &[1, 2, 3, 4, 7, 5, 6, 8]),
            ("tag:nhs sort:title", &[2, 4, 1, 3]),
        ],
    );
}

fn rules(list: &[(&str, Option<&str>)]) -> SqlOptions {
    SqlOptions {
        ignore: list
            .iter()
            .map(|(q, feed)| IgnoreRule::parse(q, feed.map(str::to_string)).unwrap())
            .collect(),
        ..SqlOptions::default()
    }
}

#[test]
fn ignore_rules() {
    let c = fixture();
    let opts = rules(&[("election", Some("bbc")), ("title:weather", None)]);
    let ids = |q: &str| ids_with(&c, q, &opts);
    assert_eq!(ids(""), vec![3, 7, 1, 4, 5, 2]);
    assert_eq!(ids("tag:news"), vec![5]);
    assert_eq!(ids("is:ignored"), vec![6, 8]);
    assert_eq!(ids("is:ignored OR is:starred"), vec![2, 6, 8]);
    assert_eq!(ids("-is:ignored"), vec![3, 7, 1, 4, 5, 2]);
    assert_eq!(ids("tag:news is:ignored since:1y"), vec![6]);
    // The feed restriction is by exact name.
    let opts = rules(&[("election", Some("NHS England"))]);
    assert_eq!(ids_with(&c, "tag:news", &opts), vec![5, 6, 8]);
    // A rule with no query hides its feed; one with neither does nothing.
    let opts = rules(&[("", Some("Café Culture")), ("", None)]);
    assert_eq!(ids_with(&c, "", &opts), vec![3, 1, 4, 5, 2, 6, 8]);
    assert_eq!(ids_with(&c, "is:ignored", &opts), vec![7]);
    // A rule is a full query: dates are relative to the same clock.
    let opts = rules(&[("before:1y OR (is:read cafe)", None)]);
    assert_eq!(ids_with(&c, "", &opts), vec![3, 7, 1, 4, 2, 6]);
    // No rules: is:ignored matches nothing.
    assert_eq!(
        ids_with(&c, "is:ignored", &SqlOptions::default()),
        Vec::<i64>::new()
    );
    let e = IgnoreRule::parse("x -is:ignored", None).unwrap_err();
    assert_eq!(e.span, 3..13);
}

#[test]
fn where_sql_shape() {
    let sql = |q: &str| to_sql(&parse(q).unwrap(), now(), &SqlOptions::default()).unwrap();
    // Free-text terms, title: terms and their negations share one MATCH.
    let s = sql("nhsx* \"annual report\" -title:draft is:unread");
    assert_eq!(
        s.where_sql,
        "(a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) AND a.read = 0)"
    );
    assert_eq!(
        s.params,
        vec![rusqlite::types::Value::Text(
            "((\"nhsx\"* AND \"annual report\") NOT ({title} : \"draft\"))".into()
        )]
    );
    // A short prefix: articles are walked in list order and tested.
    let s = sql("report nhs* is:unread");
    assert_eq!(
        s.where_sql,
        "(+a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) AND a.read = 0)"
    );
    // One-character words are kept to the text columns; a one-letter
    // prefix reads the initials.
    let s = sql("a OR title:b");
    assert_eq!(
        s.params,
        vec![rusqlite::types::Value::Text(
            "({title body} : \"a\" OR {title} : \"b\")".into()
        )]
    );
    let s = sql("D* -title:é* \"a b*\" x-y");
    assert_eq!(
        s.params,
        vec![rusqlite::types::Value::Text(
            "(({title_initials body_initials} : \"d\" AND {title body} : \"a b*\" \
             AND {title body} : \"x-y\") NOT ({title_initials} : \"e\"))"
                .into()
        )]
    );
    let s = sql("-a -b tag:x");
    assert_eq!(
        s.where_sql,
        "(a.id NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) AND \
         a.feed_id IN (SELECT qt.feed_id FROM feed_tags qt WHERE qt.tag = ? COLLATE NOCASE))"
    );
    assert_eq!(sql("").where_sql, "1");
    let with_rule = to_sql(
        &parse("is:unread").unwrap(),
        now(),
        &rules(&[("x", Some("f"))]),
    )
    .unwrap();
    assert_eq!(
        with_rule.where_sql,
        "(a.read = 0 AND NOT ((a.feed_id IN (SELECT qf.id FROM feeds qf WHERE qf.name = ?) AND \
         a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?))))"
    );
    assert_eq!(sql("").order_sql, "a.sort_time DESC, a.id DESC");
    // User text never reaches the SQL text.
    let s = sql("DROP TABLE articles feed:\"'); DROP\" author:\"\\\"\" link:%");
    assert!(!s.where_sql.contains("DROP") && !s.where_sql.contains('%'));
}

#[test]
fn fts_maintenance() {
    let c = fixture();
    let ids = |q: &str| ids_with(&c, q, &SqlOptions::default());
    fts_upsert(&c, 8, "Storm warning", Some("<p>Gales</p>"), None).unwrap();
    assert_eq!(ids("weather"), Vec::<i64>::new());
    assert_eq!(ids("storm gales"), vec![8]);
    fts_delete(&c, 8).unwrap();
    fts_delete(&c, 8).unwrap();
    assert_eq!(ids("storm"), Vec::<i64>::new());
    // The trigger follows deletes, including cascades from feeds.
    c.execute("DELETE FROM articles WHERE id = 1", []).unwrap();
    assert_eq!(ids("diagnostics"), vec![4]);
    c.execute("DELETE FROM feeds WHERE id = 2", []).unwrap();
    assert_eq!(ids("diagnostics OR nhsx"), Vec::<i64>::new());
    let n: i64 = c
        .query_row(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'digital'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn migration_indexes_existing_rows_then_rebuild_strips_html() {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::store::schema::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO feeds (id, name, url) VALUES (1, 'f', 'u');
         INSERT INTO articles (id, feed_id, guid, title, first_seen, sort_time, content_hash)
             VALUES (1, 1, 'g', 'Hello', 0, 0, 0), (2, 1, 'h', 'Bodiless', 0, 0, 0);
         INSERT INTO article_bodies (article_id, summary, content)
             VALUES (1, '<p class=\"lede\">Caf&eacute; news</p>', NULL);
         DROP TRIGGER articles_fts_after_delete; DROP TABLE articles_fts;",
    )
    .unwrap();
    // As when a cache of schema 1 is upgraded.
    conn.execute_batch(FTS_MIGRATION).unwrap();
    let count = |q: &str| -> i64 {
        conn.query_row(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
            [q],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(count("hello"), 1);
    assert_eq!(count("bodiless"), 1);
    assert_eq!(count("lede"), 1);
    // Rebuilding fills the index of today's schema.
    conn.execute_batch(crate::store::fts::FTS_INITIALS_MIGRATION)
        .unwrap();
    assert_eq!(rebuild_fts(&conn).unwrap(), 2);
    assert_eq!(count("lede"), 0);
    assert_eq!(count("cafe"), 1);
    assert_eq!(count("news"), 1);
}

#[test]
fn upgrading_the_index_reindexes_existing_articles() {
    let mut conn = Connection::open_in_memory().unwrap();
    // A cache of schema 2 with two articles in it.
    for sql in &crate::store::schema::MIGRATIONS[..2] {
        conn.execute_batch(sql).unwrap();
    }
    conn.execute_batch(
        "PRAGMA user_version = 2;
         INSERT INTO feeds (id, name, url) VALUES (1, 'f', 'u');
         INSERT INTO articles (id, feed_id, guid, title, first_seen, sort_time, content_hash)
             VALUES (1, 1, 'g', 'Diagnostic centres', 0, 0, 0), (2, 1, 'h', 'Dialysis', 0, 0, 0);
         INSERT INTO article_bodies (article_id, summary, content)
             VALUES (1, '<p>Caf&eacute; <b>news</b></p>', NULL);",
    )
    .unwrap();
    // Indexed as schema 2 indexed it.
    conn.execute_batch(
        "INSERT INTO articles_fts(rowid, title, body) SELECT id, title, '' FROM articles",
    )
    .unwrap();
    crate::store::schema::migrate(&mut conn).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, crate::store::schema::MIGRATIONS.len() as i64);
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'articles_fts'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        sql.contains("title_initials") && !sql.contains("prefix"),
        "{sql}"
    );
    let ids = |q: &str| -> Vec<i64> {
        let m = text_match(&parse(q).unwrap()).unwrap();
        let mut stmt = conn
            .prepare("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid")
            .unwrap();
        stmt.query_map([m], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(ids("d*"), [1, 2]);
    assert_eq!(ids("di*"), [1, 2]);
    assert_eq!(ids("dia*"), [1, 2]);
    assert_eq!(ids("diag*"), [1]);
    assert_eq!(ids("c*"), [1]);
    assert_eq!(ids("cafe"), [1]);
    assert_eq!(ids("b*"), Vec::<i64>::new());
    assert_eq!(ids("title:d*"), [1, 2]);
    assert_eq!(ids("title:c*"), [1]);
    assert_eq!(ids("n*"), [1]);
    assert_eq!(ids("title:n*"), Vec::<i64>::new());
    // An initial is no word of its own.
    assert_eq!(ids("d"), Vec::<i64>::new());
    assert_eq!(ids("\"d c\""), Vec::<i64>::new());
    // Deleting an article still removes it from the index.
    conn.execute("DELETE FROM articles WHERE id = 2", [])
        .unwrap();
    assert_eq!(ids("d*"), [1]);
}

#[test]
fn highlights_from_parsed_queries() {
    let q = parse("tag:nhs title:diag* \"annual report\" -new").unwrap();
    assert_eq!(
        title_highlights(&q, "New diagnostics: Annual Report"),
        vec![4..15, 17..30]
    );
}

/// `EXPLAIN QUERY PLAN` for the main list shapes: each must walk an index in
/// the requested order (no full scan of `articles`, no sort of all rows).
#[test]
fn query_plans_use_indexes() {
    let c = fixture();
    // The store joins the feed for its name; the plans must hold with and
    // without that join, and with ignore rules.
    let plan_with = |q: &str, join: bool, opts: &SqlOptions| -> Vec<String> {
        let sql = to_sql(&parse(q).unwrap(), now(), opts).unwrap();
        let mut text = format!(
            "EXPLAIN QUERY PLAN {}",
            sql.select("a.id, a.title, a.feed_id, a.sort_time")
        );
        if join {
            text = text.replace(
                "FROM articles a",
                "FROM articles a JOIN feeds f ON f.id = a.feed_id",
            );
        }
        let mut stmt = c.prepare(&text).unwrap();
        let mut params = sql.params.clone();
        params.push(rusqlite::types::Value::Integer(50));
        stmt.query_map(params_from_iter(params), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    // (query, a plan line that must appear, whether the rows come out in
    // index order with no sort step)
    let expect: &[(&str, &str, bool)] = &[
        ("", "SCAN a USING INDEX articles_by_time", true),
        ("sort:date", "SCAN a USING INDEX articles_by_time", true),
        ("is:unread", "SCAN a USING INDEX articles_unread", true),
        ("is:starred", "SCAN a USING INDEX articles_starred", true),
        (
            "since:7d",
            "SEARCH a USING INDEX articles_by_time (sort_time>?)",
            true,
        ),
        (
            "since:7d is:unread",
            "SEARCH a USING INDEX articles_unread (sort_time>?)",
            true,
        ),
        // Without ANALYZE statistics SQLite picks the per-feed partial index
        // and sorts the (few) matches; with them, the time-ordered one.
        (
            "tag:nhs is:unread since:7d",
            "SEARCH a USING INDEX articles_unread_by_feed (feed_id=? AND sort_time>?)",
            false,
        ),
        (
            "feed:nhs",
            "SEARCH a USING INDEX articles_by_feed (feed_id=?)",
            false,
        ),
        (
            "tag:nhs",
            "SEARCH a USING INDEX articles_by_feed (feed_id=?)",
            false,
        ),
        (
            "diagnostics",
            "SEARCH a USING INTEGER PRIMARY KEY (rowid=?)",
            false,
        ),
        (
            "diagnostics is:unread",
            "SEARCH a USING INTEGER PRIMARY KEY (rowid=?)",
            false,
        ),
        (
            "-diagnostics is:unread",
            "SCAN a USING INDEX articles_unread",
            true,
        ),
        // Short prefixes match much of the cache: walk the list order and
        // test each article, rather than look up and sort every match.
        ("d*", "SCAN a USING INDEX articles_by_time", true),
        ("di* is:unread", "SCAN a USING INDEX articles_unread", true),
        (
            "diagnostics dia*",
            "SCAN a USING INDEX articles_by_time",
            true,
        ),
        ("title:dia*", "SCAN a USING INDEX articles_by_time", true),
        (
            "diag*",
            "SEARCH a USING INTEGER PRIMARY KEY (rowid=?)",
            false,
        ),
    ];
    let with_rules = rules(&[("election", Some("bbc")), ("title:weather", None)]);
    let variants = [
        (false, SqlOptions::default()),
        (true, SqlOptions::default()),
        (true, with_rules),
    ];
    for ((q, want, ordered), (join, opts)) in expect
        .iter()
        .flat_map(|e| variants.iter().map(move |v| (e, v)))
    {
        let p = plan_with(q, *join, opts);
        assert!(p.iter().any(|l| l == want), "{q:?}: {p:#?}");
        assert!(
            !p.iter().any(|l| l == "SCAN a"),
            "{q:?} scans the table: {p:#?}"
        );
        assert_eq!(
            !p.iter().any(|l| l.contains("TEMP B-TREE")),
            *ordered,
            "{q:?}: {p:#?}"
        );
    }
}

/// Prints `EXPLAIN QUERY PLAN` and timings for the main shapes on a cache of
/// 100,000 articles, before and after `ANALYZE`. Run with
/// `cargo test query_plan_report -- --ignored --nocapture`.
#[test]
#[ignore]
fn query_plan_report() {
    use std::time::Instant;
    let mut conn = Connection::open_in_memory().unwrap();
    crate::store::schema::migrate(&mut conn).unwrap();
    let n_feeds = 50;
    let n = 100_000i64;
    let t = now().timestamp();
    let build = Instant::now();
    let tx = conn.transaction().unwrap();
    for f in 0..n_feeds {
        tx.execute(
            "INSERT INTO feeds (id, name, url, title) VALUES (?1, ?2, 'u' || ?1, ?3)",
            params![f, format!("Feed {f}"), format!("Feed number {f}")],
        )
        .unwrap();
        let tag = if f < 5 { "nhs" } else { "misc" };
        tx.execute(
            "INSERT INTO feed_tags (tag, feed_id) VALUES (?, ?)",
            params![tag, f],
        )
        .unwrap();
    }
    let mut seed = 42u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for id in 1..=n {
        let feed = (rand() % n_feeds) as i64;
        let time = t - id * 600 - (rand() % 600) as i64;
        let read = id > 3000 || rand() % 3 == 0;
        let starred = rand() % 200 == 0;
        let mut words: Vec<String> = (0..60).map(|_| format!("w{}", rand() % 5000)).collect();
        if rand() % 500 == 0 {
            words.push("diagnostics".into());
        }
        let title = format!("Title {} {}", words[0], words[1]);
        let body = format!("<p>{}</p>", words.join(" "));
        tx.execute(
            "INSERT INTO articles (id, feed_id, guid, title, first_seen, published, sort_time, read, starred,
                                   content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            params![id, feed, id.to_string(), title, time, time, time, read, starred],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO article_bodies (article_id, summary, content) VALUES (?, NULL, ?)",
            params![id, body],
        )
        .unwrap();
        fts_upsert(&tx, id, &title, None, Some(&body)).unwrap();
    }
    tx.commit().unwrap();
    // One article in five is a copy in a story of two; the triggers pick
    // the leads.
    conn.execute(
        "UPDATE articles SET story_id = CASE WHEN id % 10 < 2 THEN id - id % 10 ELSE id END",
        [],
    )
    .unwrap();
    println!("built {n} articles in {:?}", build.elapsed());
    let shapes = [
        "",
        "is:unread",
        "is:starred",
        "feed:\"Feed 7\"",
        "feed:=\"Feed 7\"",
        "tag:nhs",
        "tag:nhs is:unread since:7d",
        "since:7d",
        "diagnostics",
        "diagnostics is:unread",
        "w1",
        "w1 w2",
        "w1* tag:nhs",
        "w1*",
        "title",
        "title is:unread",
        "w12*",
        "w123*",
        "diag*",
        "-w1 is:unread",
        "author:smith",
        "sort:title is:unread",
        "sort:feed tag:nhs",
    ];
    for analyzed in [false, true] {
        if analyzed {
            conn.execute_batch("ANALYZE").unwrap();
            println!("\n===== after ANALYZE =====");
        }
        // Each shape as listed, then with one article per story.
        for (q, lead) in shapes
            .iter()
            .flat_map(|q| [(q, ""), (q, "a.story_lead = 1 AND ")])
        {
            let sql = to_sql(&parse(q).unwrap(), now(), &SqlOptions::default()).unwrap();
            let text = format!(
                "SELECT a.id, a.title, a.feed_id, a.sort_time, a.read, a.starred FROM articles a
                 WHERE {lead}({}) ORDER BY {} LIMIT ?",
                sql.where_sql, sql.order_sql
            );
            let mut params = sql.params.clone();
            params.push(rusqlite::types::Value::Integer(50));
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {text}")).unwrap();
            let plan: Vec<String> = stmt
                .query_map(params_from_iter(params.clone()), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let mut stmt = conn.prepare(&text).unwrap();
            let start = Instant::now();
            let runs = 5;
            let mut rows = 0;
            for _ in 0..runs {
                rows = stmt
                    .query_map(params_from_iter(params.clone()), |_| Ok(()))
                    .unwrap()
                    .count();
            }
            let per = start.elapsed() / runs;
            let q = if lead.is_empty() {
                q.to_string()
            } else {
                format!("  grouped {q}")
            };
            println!("{q:32} {rows:3} rows {per:>10.2?}  {}", plan.join(" | "));
        }
    }
}
