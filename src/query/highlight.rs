//! Where a query's words occur in a title, for highlighting.

use std::ops::Range;

use super::ast::{Query, TermKind};
use super::fts::tokens;

/// Byte ranges of `title` matched by the query's free-text and `title:`
/// terms (words, prefixes and phrases, case- and diacritic-insensitively, as
/// the full-text index matches them). Negated terms are not highlighted.
/// The ranges are sorted, non-overlapping and on `char` boundaries.
pub fn title_highlights(query: &Query, title: &str) -> Vec<Range<usize>> {
    let patterns: Vec<(Vec<String>, bool)> = query
        .terms()
        .into_iter()
        .filter(|(_, negated)| !negated)
        .filter_map(|(t, _)| match &t.kind {
            TermKind::Text(x) | TermKind::Title(x) => Some(x),
            _ => None,
        })
        .map(|x| {
            (
                tokens(&x.text)
                    .into_iter()
                    .map(|(_, s)| s)
                    .collect::<Vec<_>>(),
                x.prefix,
            )
        })
        .filter(|(words, _)| !words.is_empty())
        .collect();
    if patterns.is_empty() {
        return Vec::new();
    }
    let words = tokens(title);
    let mut hits: Vec<Range<usize>> = Vec::new();
    for (pat, prefix) in &patterns {
        let n = pat.len();
        for (i, window) in words.windows(n).enumerate() {
            let all = window.iter().zip(pat).enumerate().all(|(j, ((_, w), p))| {
                if *prefix && j == n - 1 {
                    w.starts_with(p.as_str())
                } else {
                    w == p
                }
            });
            if all {
                if let (Some(first), Some(last)) = (words.get(i), words.get(i + n - 1)) {
                    hits.push(first.0.start..last.0.end);
                }
            }
        }
    }
    hits.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(hits.len());
    for r in hits {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::parse;
    use super::*;

    fn marked(q: &str, title: &str) -> String {
        let q = parse(q).unwrap();
        let mut out = String::new();
        let mut at = 0;
        for r in title_highlights(&q, title) {
            out.push_str(&title[at..r.start]);
            out.push('[');
            out.push_str(&title[r.clone()]);
            out.push(']');
            at = r.end;
        }
        out.push_str(&title[at..]);
        out
    }

    #[test]
    fn words_prefixes_phrases() {
        assert_eq!(
            marked("nhs", "NHS trusts: the nhs, NHSX"),
            "[NHS] trusts: the [nhs], NHSX"
        );
        assert_eq!(marked("nhs*", "NHS trusts: NHSX"), "[NHS] trusts: [NHSX]");
        assert_eq!(marked("cafe", "Le Café, CAFÉ!"), "Le [Café], [CAFÉ]!");
        assert_eq!(
            marked("\"annual report\"", "Annual  report; annual review"),
            "[Annual  report]; annual review"
        );
        assert_eq!(
            marked("title:covid-19", "COVID-19 update"),
            "[COVID-19] update"
        );
        assert_eq!(
            marked("\"new dig\"*", "New Digital plan"),
            "[New Digital] plan"
        );
    }

    #[test]
    fn skips_negated_and_non_text_terms() {
        assert_eq!(marked("-nhs budget", "NHS budget"), "NHS [budget]");
        assert_eq!(marked("feed:nhs tag:nhs", "NHS budget"), "NHS budget");
        assert_eq!(marked("", "NHS budget"), "NHS budget");
    }

    #[test]
    fn overlapping_matches_merge() {
        assert_eq!(marked("\"a b\" \"b c\" b", "x a b c y"), "x [a b c] y");
    }
}
