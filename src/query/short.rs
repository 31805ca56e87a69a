//! One- and two-letter prefixes: what search-as-you-type sends on a word's
//! first keys. The full-text index answers `h*` from one list, of the
//! articles having a word with that initial (see `query::fts::initials`),
//! and `he*` by merging the lists of every word starting "he"; either names
//! much of a cache, which is slow to gather. Such a word is split off here so the
//! store can walk the rest of the query in list order and test each
//! article's words itself, stopping at a page.

use super::ast::{Expr, Query, Term, TermKind};
use super::fts::{has_token_prefix, tokens};

/// Characters in a prefix the store tests itself.
const SHORT: usize = 2;

/// When `q` is an AND (or a single term) with a free-text word of one or
/// two letters typed as a prefix (`he*`, alone, not in a phrase): the query
/// without it, and the prefix as the index folds it.
pub fn split_short_prefix(q: &Query) -> Option<(Query, String)> {
    let items = q.conjuncts();
    let at = items.iter().position(|e| short_prefix(e).is_some())?;
    let prefix = short_prefix(items[at])?;
    let rest: Vec<Expr> = items
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .map(|(_, e)| (*e).clone())
        .collect();
    let expr = match rest.len() {
        0 => None,
        1 => rest.into_iter().next(),
        _ => Some(Expr::And(rest)),
    };
    Some((Query { expr, sort: q.sort }, prefix))
}

fn short_prefix(e: &Expr) -> Option<String> {
    let Expr::Term(Term {
        kind: TermKind::Text(t),
        ..
    }) = e
    else {
        return None;
    };
    if !t.prefix || t.phrase {
        return None;
    }
    match tokens(&t.text).as_slice() {
        [(_, w)] if w.chars().count() <= SHORT => Some(w.clone()),
        _ => None,
    }
}

/// Whether some word of `text` (folded as the index folds it) starts with
/// `prefix`.
pub fn has_prefix(text: &str, prefix: &str) -> bool {
    has_token_prefix(text, prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{parse_with, ParseOptions};

    fn split(s: &str) -> Option<(String, String)> {
        let q = parse_with(s, ParseOptions::TYPING).unwrap();
        split_short_prefix(&q).map(|(rest, p)| (format!("{:?}", rest.expr.is_some()), p))
    }

    #[test]
    fn only_a_lone_one_or_two_letter_prefix_is_split() {
        assert_eq!(split("he"), Some(("false".into(), "he".into())));
        assert_eq!(split("h"), Some(("false".into(), "h".into())));
        assert_eq!(split("health i"), Some(("true".into(), "i".into())));
        assert_eq!(split("tag:nhs He"), Some(("true".into(), "he".into())));
        assert_eq!(split("health in"), Some(("true".into(), "in".into())));
        assert_eq!(split("hea"), None);
        assert_eq!(split("\"he\""), None);
        assert_eq!(split("\"h\""), None);
        assert_eq!(split("h OR she"), None);
        assert_eq!(split("he OR she"), None);
        assert_eq!(split("-he"), None);
    }

    #[test]
    fn words_are_folded_as_the_index_folds_them() {
        assert!(has_prefix("Café news", "ca"));
        assert!(has_prefix("L'Évaluation", "ev"));
        assert!(has_prefix("e\u{301}valuation", "ev"));
        assert!(!has_prefix("the health", "ea"));
        assert!(!has_prefix("h e", "he"));
        // The same answer as the tokens the index is modelled by.
        for text in ["Straße STRASSE", "ﬁne İstanbul", "x9 Ωmega ωα", "a-b c_d"] {
            for p in ["st", "fi", "is", "x9", "ωm", "ωα", "c_", "cd"] {
                let by_tokens = tokens(text).iter().any(|(_, w)| w.starts_with(p));
                assert_eq!(has_prefix(text, p), by_tokens, "{text} {p}");
            }
        }
    }
}
