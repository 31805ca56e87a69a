//! Lenient date parsing for dates found on web pages.
//!
//! [`parse_date`] finds a date anywhere inside a piece of text ("Posted on
//! 3 March 2024 by X") and understands the common shapes used by news pages.
//! Dates without a time of day become midnight UTC; times without an offset
//! are taken as UTC.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};

/// Only this many characters of the input are looked at.
const MAX_CHARS: usize = 400;

/// Years outside this range are treated as misreads (e.g. "%Y" eating "26").
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Date formats tried at every word start, most specific first.
const ISO_DATES: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"];
const TEXT_DATES: &[&str] = &["%d %B %Y", "%d of %B %Y", "%B %d %Y"];
const DAY_FIRST: &[&str] = &[
    "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y", "%d-%m-%y",
];
const MONTH_FIRST: &[&str] = &[
    "%m/%d/%Y", "%m.%d.%Y", "%m-%d-%Y", "%m/%d/%y", "%m.%d.%y", "%m-%d-%y",
];

/// Time suffixes tried after a matched date: with an offset, then without.
const ZONED_TIMES: &[&str] = &["T%H:%M:%S%.f%z", "T%H:%M%z", " %H:%M:%S%.f %z", " %H:%M %z"];
const NAIVE_TIMES: &[&str] = &[
    "T%H:%M:%S%.fZ",
    "T%H:%MZ",
    "T%H:%M:%S%.f",
    "T%H:%M",
    " %H:%M:%S%.f",
    " %I:%M %p",
    " at %I:%M %p",
    " %H:%M",
    " at %H:%M",
    " %I %p",
];

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parses the first date found in `text`.
///
/// `formats` (chrono strftime syntax) are tried first, at every word start;
/// then RFC 3339 / RFC 2822 on the whole text; then the built-in shapes:
/// ISO dates with optional time, "May 26, 2023", "26th May 2023",
/// "26 Sept 2023", "26/05/2023" (day-first unless `month_first`),
/// "26.05.2023", "26-05-2023", and finally "March 2024" (first of month).
pub fn parse_date(text: &str, formats: &[String], month_first: bool) -> Option<DateTime<Utc>> {
    let collapsed = collapse(text);
    if collapsed.is_empty() {
        return None;
    }
    let norm = normalize(&collapsed);
    for fmt in formats {
        for s in [collapsed.as_str(), norm.as_str()] {
            if let Some(d) = word_starts(s).find_map(|i| parse_user(&s[i..], fmt)) {
                return Some(d);
            }
        }
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(&collapsed) {
        return in_range(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(&collapsed) {
        return in_range(d.with_timezone(&Utc));
    }
    let numeric: [&[&str]; 2] = if month_first {
        [MONTH_FIRST, DAY_FIRST]
    } else {
        [DAY_FIRST, MONTH_FIRST]
    };
    let starts: Vec<usize> = word_starts(&norm).collect();
    for &i in &starts {
        let s = &norm[i..];
        let first = s.chars().next().unwrap_or(' ');
        let found = if first.is_ascii_digit() {
            [ISO_DATES, TEXT_DATES, numeric[0], numeric[1]]
                .iter()
                .flat_map(|list| list.iter())
                .find_map(|fmt| parse_builtin(s, fmt))
        } else if starts_with_month(s) {
            parse_builtin(s, "%B %d %Y")
        } else {
            None
        };
        if found.is_some() {
            return found;
        }
    }
    // Last resort: "March 2024" (capitalised month, no day) means the 1st.
    starts.iter().find_map(|&i| {
        let s = &norm[i..];
        let after_number = norm[..i].trim_end().ends_with(|c: char| c.is_ascii_digit());
        if after_number || !s.starts_with(|c: char| c.is_uppercase()) || !starts_with_month(s) {
            return None;
        }
        let padded = format!("1 {s}");
        let (d, rest) = NaiveDate::parse_and_remainder(&padded, "%d %B %Y").ok()?;
        at_boundary(rest).then(|| midnight(d)).flatten()
    })
}

/// Tries a built-in date format at the start of `s`, then extends it with a time.
fn parse_builtin(s: &str, date_fmt: &str) -> Option<DateTime<Utc>> {
    let (date, rest) = NaiveDate::parse_and_remainder(s, date_fmt).ok()?;
    if !at_boundary(rest) && !rest.starts_with(['T', ' ']) {
        return None;
    }
    // A two-digit year must really have two digits ("1.2.3" is no date).
    if date_fmt.ends_with("%y") {
        let matched = &s.as_bytes()[..s.len() - rest.len()];
        if !matches!(matched, [.., sep, a, b] if !sep.is_ascii_digit() && a.is_ascii_digit() && b.is_ascii_digit())
        {
            return None;
        }
    }
    for time in ZONED_TIMES {
        let fmt = format!("{date_fmt}{time}");
        if let Ok((d, rest)) = DateTime::parse_and_remainder(s, &fmt) {
            if at_boundary(rest) {
                return in_range(d.with_timezone(&Utc));
            }
        }
    }
    for time in NAIVE_TIMES {
        let fmt = format!("{date_fmt}{time}");
        if let Ok((d, rest)) = NaiveDateTime::parse_and_remainder(s, &fmt) {
            if at_boundary(rest) {
                return in_range(d.and_utc());
            }
        }
    }
    if at_boundary(rest) {
        midnight(date)
    } else {
        None
    }
}

/// Tries a user format at the start of `s`: with offset, date-time, date.
fn parse_user(s: &str, fmt: &str) -> Option<DateTime<Utc>> {
    if let Ok((d, rest)) = DateTime::parse_and_remainder(s, fmt) {
        if at_boundary(rest) {
            return in_range(d.with_timezone(&Utc));
        }
    }
    if let Ok((d, rest)) = NaiveDateTime::parse_and_remainder(s, fmt) {
        if at_boundary(rest) {
            return in_range(d.and_utc());
        }
    }
    match NaiveDate::parse_and_remainder(s, fmt) {
        Ok((d, rest)) if at_boundary(rest) => midnight(d),
        _ => None,
    }
}

fn midnight(d: NaiveDate) -> Option<DateTime<Utc>> {
    in_range(d.and_hms_opt(0, 0, 0)?.and_utc())
}

fn in_range(d: DateTime<Utc>) -> Option<DateTime<Utc>> {
    YEARS.contains(&d.year()).then_some(d)
}

/// A match must not end in the middle of a word or number.
fn at_boundary(rest: &str) -> bool {
    !rest.starts_with(|c: char| c.is_alphanumeric())
}

fn starts_with_month(s: &str) -> bool {
    let head: String = s.chars().take(3).flat_map(char::to_lowercase).collect();
    MONTHS.contains(&head.as_str())
}

/// Byte offsets where a word or number begins.
fn word_starts(s: &str) -> impl Iterator<Item = usize> + '_ {
    let mut prev_alnum = false;
    s.char_indices().filter_map(move |(i, c)| {
        let start = c.is_alphanumeric() && !prev_alnum;
        prev_alnum = c.is_alphanumeric();
        start.then_some(i)
    })
}

/// Collapses whitespace runs to one space and trims; caps the length.
fn collapse(text: &str) -> String {
    text.split_whitespace()
        .flat_map(|w| std::iter::once(' ').chain(w.chars()))
        .skip(1)
        .take(MAX_CHARS)
        .collect()
}

/// Rewrites the text so chrono formats can match it: commas become spaces,
/// ordinal suffixes ("26th") and dots after letters ("Sept.", "a.m.") go,
/// and "Sept" becomes "Sep".
fn normalize(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ',' || c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            i += 1;
        } else if c == '.' && i > 0 && chars[i - 1].is_alphabetic() {
            i += 1;
        } else if c.is_ascii_digit() {
            while i < chars.len() && chars[i].is_ascii_digit() {
                out.push(chars[i]);
                i += 1;
            }
            let suffix: String = chars[i..chars.len().min(i + 2)]
                .iter()
                .flat_map(|c| c.to_lowercase())
                .collect();
            let word_ends = chars.get(i + 2).is_none_or(|c| !c.is_alphabetic());
            if matches!(suffix.as_str(), "st" | "nd" | "rd" | "th") && word_ends {
                i += 2;
            }
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if word.eq_ignore_ascii_case("sept") {
                out.push_str("Sep");
            } else {
                out.push_str(&word);
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn p(s: &str) -> Option<String> {
        parse_date(s, &[], false).map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
    }

    fn ymd(y: i32, m: u32, d: u32) -> Option<String> {
        Some(format!("{y:04}-{m:02}-{d:02} 00:00:00"))
    }

    #[test]
    fn rfc_formats() {
        assert_eq!(
            parse_date("2023-05-26T10:00:00+01:00", &[], false),
            Some(Utc.with_ymd_and_hms(2023, 5, 26, 9, 0, 0).unwrap())
        );
        assert_eq!(
            p("2024-03-05T10:00:00Z"),
            Some("2024-03-05 10:00:00".into())
        );
        assert_eq!(
            p("Fri, 26 May 2023 10:00:00 +0000"),
            Some("2023-05-26 10:00:00".into())
        );
        assert_eq!(
            p("Fri, 26 May 2023 10:00:00 GMT"),
            Some("2023-05-26 10:00:00".into())
        );
    }

    #[test]
    fn iso_forms() {
        assert_eq!(p("2023-05-26"), ymd(2023, 5, 26));
        assert_eq!(p("2023-05-26T10:00"), Some("2023-05-26 10:00:00".into()));
        assert_eq!(p("2023-05-26 10:00:00"), Some("2023-05-26 10:00:00".into()));
        assert_eq!(
            p("2023-05-26T10:00:00.123+0200"),
            Some("2023-05-26 08:00:00".into())
        );
        assert_eq!(
            p("updated 2023-05-26T10:00:00Z."),
            Some("2023-05-26 10:00:00".into())
        );
        assert_eq!(p("2023/05/26"), ymd(2023, 5, 26));
    }

    #[test]
    fn written_dates() {
        assert_eq!(p("May 26, 2023"), ymd(2023, 5, 26));
        assert_eq!(p("26 May 2023"), ymd(2023, 5, 26));
        assert_eq!(p("26th May 2023"), ymd(2023, 5, 26));
        assert_eq!(p("1st June 2021"), ymd(2021, 6, 1));
        assert_eq!(p("22nd of July, 2022"), ymd(2022, 7, 22));
        assert_eq!(p("Posted: 24th May 2018"), ymd(2018, 5, 24));
        assert_eq!(p("Posted on 3 March 2024 by X"), ymd(2024, 3, 3));
        assert_eq!(p("Tuesday 26 May 2023"), ymd(2023, 5, 26));
        assert_eq!(p("Tuesday, May 26th, 2023"), ymd(2023, 5, 26));
        assert_eq!(p("26 Sept 2023"), ymd(2023, 9, 26));
        assert_eq!(p("Sept. 26, 2023"), ymd(2023, 9, 26));
        assert_eq!(p("Sep 26, 2023"), ymd(2023, 9, 26));
        assert_eq!(p("SEPTEMBER 26 2023"), ymd(2023, 9, 26));
        assert_eq!(p("12\u{a0}March\u{a0}2024"), ymd(2024, 3, 12));
        assert_eq!(p("News | 12 March 2024 | Digital"), ymd(2024, 3, 12));
        assert_eq!(p("March 2024"), ymd(2024, 3, 1));
    }

    #[test]
    fn written_dates_with_time() {
        assert_eq!(
            p("May 26, 2023 at 10:30 am"),
            Some("2023-05-26 10:30:00".into())
        );
        assert_eq!(p("26 May 2023 14:05"), Some("2023-05-26 14:05:00".into()));
        assert_eq!(
            p("26 May 2023, 2:05 p.m."),
            Some("2023-05-26 14:05:00".into())
        );
    }

    #[test]
    fn numeric_dates() {
        assert_eq!(p("26/05/2023"), ymd(2023, 5, 26));
        assert_eq!(p("26.05.2023"), ymd(2023, 5, 26));
        assert_eq!(p("26-05-2023"), ymd(2023, 5, 26));
        assert_eq!(p("26/05/23"), ymd(2023, 5, 26));
        assert_eq!(p("Date: 03/04/2024"), ymd(2024, 4, 3));
        assert_eq!(
            parse_date("03/04/2024", &[], true).map(|d| d.date_naive()),
            NaiveDate::from_ymd_opt(2024, 3, 4)
        );
        // Impossible day-first reading falls back to month-first and back.
        assert_eq!(p("05/26/2023"), ymd(2023, 5, 26));
        assert_eq!(
            parse_date("26/05/2023", &[], true).map(|d| d.date_naive()),
            NaiveDate::from_ymd_opt(2023, 5, 26)
        );
    }

    #[test]
    fn user_formats_first() {
        let fmts = vec!["%Y%m%d".to_string()];
        assert_eq!(
            parse_date("id 20230526", &fmts, false).map(|d| d.date_naive()),
            NaiveDate::from_ymd_opt(2023, 5, 26)
        );
        let fmts = vec!["%m/%d/%Y".to_string()];
        assert_eq!(
            parse_date("03/04/2024", &fmts, false).map(|d| d.date_naive()),
            NaiveDate::from_ymd_opt(2024, 3, 4)
        );
        let fmts = vec!["%d %b %Y %H.%M".to_string()];
        assert_eq!(
            parse_date("on 26 May 2023 10.15", &fmts, false),
            Some(Utc.with_ymd_and_hms(2023, 5, 26, 10, 15, 0).unwrap())
        );
        // A format that does not fit falls through to the built-ins.
        assert_eq!(
            parse_date("May 26, 2023", &fmts, false).map(|d| d.date_naive()),
            NaiveDate::from_ymd_opt(2023, 5, 26)
        );
    }

    #[test]
    fn garbage_is_none() {
        for s in [
            "",
            "   ",
            "hello world",
            "Read more",
            "42",
            "Page 2 of 10",
            "May the force be with you",
            "99/99/9999",
            "2023-13-45",
            "31 February 2023",
            "0026-05-20",
            "call 0207 123 4567",
            "version 1.2.3",
        ] {
            assert_eq!(p(s), None, "{s:?}");
        }
    }

    #[test]
    fn arbitrary_unicode_does_not_panic() {
        let samples = [
            "日本語 2023年5月26日",
            "🎉🎉 26th 🎉 May",
            "\u{0}\u{1}\u{feff}26/05/2023",
            "ǅǆǇ 12 ß ﬃ İstanbul Sept.",
            "26\u{301}th May 2023",
            "Ⅻ Ⅳ ١٢ مارس ٢٠٢٤",
        ];
        for s in samples {
            let _ = parse_date(s, &["%d %B %Y".to_string()], false);
        }
        // Long and odd inputs: every char boundary prefix of a mixed string.
        let mixed = "Posted: 24th May 2018 — 日本 ✓ 26.05.2023 ß 12:00 ";
        let long = mixed.repeat(200);
        for (i, _) in long.char_indices().take(400) {
            let _ = parse_date(&long[i..], &[], i % 2 == 0);
        }
        assert_eq!(
            parse_date("\u{feff}26/05/2023", &[], false).map(|d| d.date_naive()),
            NaiveDate::from_ymd_opt(2023, 5, 26)
        );
    }
}
