//! Property tests: no input makes the parser or compiler panic, errors point
//! inside the input, every query that parses runs in SQLite, and grouping
//! text terms into one MATCH does not change results.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rusqlite::{params_from_iter, Connection};

use super::sql::compile;
use super::tests::{fixture, now};
use super::*;

const FRAGMENTS: &[&str] = &[
    "title:",
    "feed:",
    "feed:=",
    "tag:",
    "author:",
    "link:",
    "is:",
    "since:",
    "before:",
    "on:",
    "sort:",
    "bogus:",
    "unread",
    "read",
    "starred",
    "undated",
    "ignored",
    "7d",
    "24h",
    "3m",
    "2023-05-26",
    "2023-05",
    "2023-02-30",
    "today",
    "yesterday",
    "-date",
    "title",
    "feed",
    "4000000000d",
    "\"",
    "\\",
    "(",
    ")",
    "-",
    "*",
    "|",
    "=",
    ":",
    " ",
    " ",
    " ",
    "\t",
    "\n",
    "OR",
    "AND",
    "NOT",
    "nhs",
    "NHS",
    "cafe",
    "café",
    "CAFÉ",
    "é",
    "\u{301}",
    "!!",
    "%",
    "_",
    "'",
    "\0",
    "🦀",
    "NEAR",
    "{title}",
    "^",
    "diagnostics",
    "annual",
    "report",
    "England",
    "news",
];

/// Words and field terms that mean something in the fixture, for queries
/// that mostly parse.
const TERMS: &[&str] = &[
    "nhs",
    "cafe",
    "café",
    "diagnostics",
    "diag*",
    "annual",
    "report",
    "\"annual report\"",
    "title:report",
    "title:\"annual report\"",
    "title:diag*",
    "review",
    "nhsx",
    "votes",
    "weather",
    "tag:nhs",
    "tag:news",
    "feed:nhs",
    "feed:\"NHS England\"",
    "feed:=bbc",
    "author:smith",
    "link:news",
    "is:unread",
    "is:read",
    "is:starred",
    "is:undated",
    "is:ignored",
    "since:7d",
    "before:7d",
    "on:yesterday",
    "on:2023-05",
    "since:1y",
];

fn fragment_strings() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => select(FRAGMENTS).prop_map(str::to_string),
        1 => "[a-z0-9]{1,4}",
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn term_strings() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => select(TERMS).prop_map(str::to_string),
        1 => select(&["OR", "|", "AND", "NOT", "-", "(", ")", "sort:title", "sort:feed"][..]).prop_map(str::to_string),
        2 => select(TERMS).prop_map(|t| format!("-{t}")),
    ];
    prop::collection::vec(piece, 0..10).prop_map(|v| v.join(" "))
}

fn rules() -> SqlOptions {
    SqlOptions {
        ignore: vec![
            IgnoreRule::parse("election", Some("bbc".into())).unwrap(),
            IgnoreRule::parse("title:weather OR since:1d -tag:nhs", None).unwrap(),
        ],
        ..SqlOptions::default()
    }
}

fn assert_span_ok(input: &str, e: &QueryError) -> Result<(), TestCaseError> {
    prop_assert!(
        e.span.start <= e.span.end && e.span.end <= input.len(),
        "{e:?} for {input:?}"
    );
    prop_assert!(input.is_char_boundary(e.span.start) && input.is_char_boundary(e.span.end));
    prop_assert!(!e.message.is_empty());
    let _ = e.render(input);
    Ok(())
}

fn run(conn: &Connection, sql: &SqlQuery) -> Result<Vec<i64>, TestCaseError> {
    let text = sql.select("a.id");
    prop_assert_eq!(text.matches('?').count(), sql.params.len() + 1, "{}", text);
    let mut params = sql.params.clone();
    params.push(rusqlite::types::Value::Integer(1000));
    let mut stmt = conn
        .prepare(&text)
        .map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
    let rows = stmt
        .query_map(params_from_iter(params), |r| r.get(0))
        .and_then(|rows| rows.collect::<Result<Vec<i64>, _>>())
        .map_err(|e| TestCaseError::fail(format!("{e}: {text} {:?}", sql.params)))?;
    Ok(rows)
}

/// The whole pipeline on one input; fails on anything but a clean result or
/// a clean error.
fn check(conn: &Connection, input: &str) -> Result<(), TestCaseError> {
    let q = match parse(input) {
        Err(e) => return assert_span_ok(input, &e),
        Ok(q) => q,
    };
    // The printed form parses back to the same thing.
    let printed = q.to_string();
    let again = parse(&printed)
        .map_err(|e| TestCaseError::fail(format!("{printed:?} from {input:?}: {e}")))?;
    prop_assert_eq!(again.to_string(), printed.clone());
    for opts in [SqlOptions::default(), rules()] {
        match (
            compile(&q, now(), &opts, true),
            compile(&q, now(), &opts, false),
        ) {
            (Ok(grouped), Ok(plain)) => {
                let a = run(conn, &grouped)?;
                let b = run(conn, &plain)?;
                prop_assert_eq!(
                    a,
                    b,
                    "{:?}: {} vs {}",
                    input,
                    grouped.where_sql,
                    plain.where_sql
                );
            }
            (Err(e), Err(_)) => assert_span_ok(input, &e)?,
            (a, b) => prop_assert!(false, "grouping changed success: {a:?} vs {b:?}"),
        }
    }
    for title in [input, "NHS café report: annual diagnostics", ""] {
        let hs = title_highlights(&q, title);
        for w in hs.windows(2) {
            prop_assert!(w[0].end < w[1].start);
        }
        for h in hs {
            prop_assert!(h.start < h.end && h.end <= title.len());
            prop_assert!(title.is_char_boundary(h.start) && title.is_char_boundary(h.end));
        }
    }
    Ok(())
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn arbitrary_unicode_never_panics() {
    let conn = fixture();
    runner(1000)
        .run(&any::<String>(), |s| check(&conn, &s))
        .unwrap();
}

#[test]
fn language_fragments_never_panic() {
    let conn = fixture();
    runner(3000)
        .run(&fragment_strings(), |s| check(&conn, &s))
        .unwrap();
}

#[test]
fn well_formed_queries_run_and_grouping_is_sound() {
    let conn = fixture();
    let (parsed, total) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    runner(1500)
        .run(&term_strings(), |s| {
            total.set(total.get() + 1);
            if parse(&s).is_ok() {
                parsed.set(parsed.get() + 1);
            }
            check(&conn, &s)
        })
        .unwrap();
    // The generator is meant to exercise compilation, not just errors.
    assert!(
        parsed.get() * 2 > total.get(),
        "{} of {} parsed",
        parsed.get(),
        total.get()
    );
}

/// The typing rule changes no error, only the word that ends the text, and
/// the result still runs (grouped and plain alike).
fn check_typing(conn: &Connection, input: &str) -> Result<(), TestCaseError> {
    let typed = parse_with(input, ParseOptions::TYPING);
    match (parse(input), &typed) {
        (Err(a), Err(b)) => prop_assert_eq!(&a, b),
        (Ok(_), Ok(_)) => {}
        (a, b) => prop_assert!(false, "{input:?}: {a:?} vs {b:?}"),
    }
    let spaced = format!("{input} ");
    prop_assert_eq!(
        parse_with(&spaced, ParseOptions::TYPING).map(|q| q.to_string()),
        parse(&spaced).map(|q| q.to_string())
    );
    if let Ok(q) = typed {
        let printed = q.to_string();
        check(conn, &printed)?;
        // Nothing is a prefix in the printed form unless written so.
        prop_assert_eq!(
            parse_with(&printed, ParseOptions::TYPING).map(|q| q.to_string()),
            Ok(printed.clone())
        );
    }
    Ok(())
}

#[test]
fn typing_changes_only_the_last_word() {
    let conn = fixture();
    runner(1000)
        .run(&term_strings(), |s| check_typing(&conn, &s))
        .unwrap();
    runner(1000)
        .run(&fragment_strings(), |s| check_typing(&conn, &s))
        .unwrap();
}

#[test]
fn html_to_text_never_panics() {
    let piece = prop_oneof![
        select(
            &[
                "<", ">", "&", ";", "#", "x", "<!--", "-->", "<script>", "</script", "\"", "'",
                "/", "&#", "&amp;"
            ][..]
        )
        .prop_map(str::to_string),
        any::<char>().prop_map(String::from),
    ];
    runner(2000)
        .run(
            &prop::collection::vec(piece, 0..30).prop_map(|v| v.concat()),
            |s| {
                let _ = html_to_text(&s);
                Ok(())
            },
        )
        .unwrap();
}
