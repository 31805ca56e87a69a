//! Fixture pages for the scraping tests, in the shapes real sites use.

pub const WP: &str = include_str!("../../tests/fixtures/html/wordpress-news.html");
pub const WP2: &str = include_str!("../../tests/fixtures/html/wordpress-news-page2.html");
pub const GOVUK: &str = include_str!("../../tests/fixtures/html/govuk-news.html");
pub const PLAIN: &str = include_str!("../../tests/fixtures/html/plain-list.html");
pub const NENC: &str = include_str!("../../tests/fixtures/html/nenc-news.html");
pub const YH: &str = include_str!("../../tests/fixtures/html/yh-news.html");
pub const FEED_LINK: &str = include_str!("../../tests/fixtures/html/with-feed-link.html");
pub const ARTICLE: &str =
    include_str!("../../tests/fixtures/html/relicensing-of-ahsns-confirmed.html");
