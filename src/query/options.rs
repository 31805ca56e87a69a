//! What compiling a query needs besides the query: the user's ignore
//! rules, time zone, and how the store wants lists walked.

use chrono::{FixedOffset, Offset, Utc};

use super::ast::{Flag, Query, TermKind};
use super::{parse, QueryError};

/// What [`to_sql`] needs besides the query.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlOptions {
    /// Articles matching any of these are left out, unless the query
    /// mentions `is:ignored`.
    pub ignore: Vec<IgnoreRule>,
    /// The user's offset from UTC, for where calendar days (`2023-05-26`,
    /// `today`) start and end. Default UTC.
    pub utc_offset: FixedOffset,
    /// Lists and counts show one article per story, its lead (see
    /// [`crate::story`]). Not used by `to_sql` itself: the store adds it.
    pub stories: bool,
    /// How a list finds its full-text matches: `Some(true)` walks the
    /// articles in list order testing each against the matches (best when
    /// they are many), `Some(false)` looks every match up and sorts them
    /// (best when they are few). None decides by the query's shape: short
    /// prefixes walk. The store sets it from a count of the matches.
    pub walk_text: Option<bool>,
    /// Whether lists restricted to feeds (`feed:`, `tag:`) walk the list
    /// order testing each article's feed (best when those feeds hold a
    /// large share of the cache) rather than read each feed's articles and
    /// sort them. The store sets it from its per-feed totals.
    pub walk_feeds: bool,
}

impl Default for SqlOptions {
    fn default() -> Self {
        SqlOptions {
            ignore: Vec::new(),
            utc_offset: Utc.fix(),
            stories: false,
            walk_text: None,
            walk_feeds: false,
        }
    }
}

/// A killfile entry: articles matching `query` (in feed `feed` only, when
/// given) are hidden. A rule with an empty query hides the whole feed; a
/// rule with neither query nor feed does nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct IgnoreRule {
    pub query: Query,
    /// The feed's configured name, matched exactly.
    pub feed: Option<String>,
}

impl IgnoreRule {
    /// Parses a rule's query text. Rejects `is:ignored` (a rule cannot refer
    /// to the rules); a `sort:` in a rule has no effect.
    pub fn parse(query: &str, feed: Option<String>) -> Result<IgnoreRule, QueryError> {
        let query = parse(query)?;
        if let Some((t, _)) = query
            .terms()
            .into_iter()
            .find(|(t, _)| t.kind == TermKind::Is(Flag::Ignored))
        {
            return Err(QueryError::new(
                "is:ignored cannot be used in an ignore rule",
                t.span.clone(),
            )
            .hint("an ignore rule says which articles to hide"));
        }
        Ok(IgnoreRule { query, feed })
    }

    /// Whether the rule hides anything.
    pub fn is_effective(&self) -> bool {
        self.query.expr.is_some() || self.feed.is_some()
    }
}
