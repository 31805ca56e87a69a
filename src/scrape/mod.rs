//! Scraping HTML "News" pages into feed items. Pure: no network, no database.
//!
//! A feed with `kind = "html"` has a `[feed.html]` table ([`HtmlRules`]).
//! [`HtmlRules::compile`] validates it once, when the config loads; then
//! [`extract_items`] turns each listing page into [`ScrapedItem`]s plus the
//! next page's URL, and [`extract_article`] reads an item's own page when the
//! listing lacks the full text, date or author.
//!
//! # Rule values
//!
//! Every value except `item` is an extractor:
//!
//! - `selector`: the first element matching the CSS selector inside the item,
//!   read as its text (whitespace collapsed, trimmed). The first non-empty
//!   match wins.
//! - `selector@attr`: that element's attribute instead (`time@datetime`).
//! - `@attr`: an attribute of the item element itself.
//!
//! `link` and `next` read `href` when no attribute is named; `link` defaults
//! to the first `a[href]` in the item (or the item itself if it is a link),
//! `title` to that link's text, then the first heading. `summary` without an
//! attribute keeps the element's cleaned inner HTML. Without a `date` rule a
//! `<time>` inside the item is used. Dates are read by [`parse_date`].
//!
//! # Article bodies
//!
//! `content = ".entry-content"` takes that element (falling back to "auto"
//! when it matches nothing). `content = "auto"` picks the largest `<article>`,
//! `<main>` or `[role=main]` holding at least half of the page's paragraph
//! text (else `<body>`), then narrows to the innermost container still
//! holding 85% of it. Either way nav, header, footer, aside, forms, scripts,
//! embeds, share/social/related/breadcrumb/cookie/newsletter/comment blocks
//! and a trailing "Share:" block are removed, and links and images are made
//! absolute.

mod content;
mod date;
mod discover;
mod dom;
mod extract;
#[cfg(test)]
mod fixtures;
mod rules;
mod suggest;

pub use content::{extract_article, extract_main_text, ArticlePage};
pub use date::parse_date;
pub use discover::{feed_links, looks_like_feed, looks_like_html, DiscoveredFeed, FeedKind};
pub use extract::{extract_items, ListingPage, ScrapeError, ScrapedItem};
pub use rules::{CompiledRules, ContentRule, Extractor, HtmlRules, OneOrMany, RuleError};
pub use suggest::{suggest_rules, Suggestion};
