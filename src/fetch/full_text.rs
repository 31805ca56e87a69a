//! `full_text`: the whole article for feeds that carry only summaries. Each
//! new entry's own page is read once, its main text extracted as HTML news
//! pages' are, and stored as the body; the feed's text stays as the summary.

use super::html::read_page;
use super::http::HttpClient;
use super::{Error, Job};
use crate::model::{ParsedArticle, ParsedFeed};
use crate::scrape::{self, ContentRule};
use url::Url;

/// Fetches the pages of the entries that will be kept and have none cached
/// yet, one at a time (this feed's host slot is already held). A page that
/// fails keeps the feed's text and is recorded as a warning; it is tried
/// again at the next fetch. After a page times out the server is taken as
/// hung: the other pages wait for the next fetch.
pub async fn fill(http: &HttpClient, job: &Job, rule: &ContentRule, feed: &mut ParsedFeed) {
    let wanted = pages_to_fetch(&feed.articles, job);
    let (mut hung, mut skipped) = (false, 0);
    for (i, article) in feed.articles.iter_mut().enumerate() {
        // The feed's own body becomes the summary; the page gives the body.
        let own = article.content.take();
        if article.summary.is_none() {
            article.summary = own;
        }
        article.content_from_page = true;
        if !wanted.contains(&i) {
            continue;
        }
        let Some(link) = article.link.as_deref().and_then(|l| Url::parse(l).ok()) else {
            continue;
        };
        if hung {
            skipped += 1;
            continue;
        }
        match read_article(http, &link, rule).await {
            Ok(text) => article.content = Some(text),
            Err(e) => {
                hung = e.timed_out();
                feed.warnings.push(format!("article page {link}: {e}"));
            }
        }
    }
    if skipped > 0 {
        feed.warnings.push(format!(
            "{skipped} more article pages left for the next fetch after a timeout"
        ));
    }
}

/// The main text of the page at `url`, as cleaned HTML.
pub async fn read_article(
    http: &HttpClient,
    url: &Url,
    rule: &ContentRule,
) -> Result<String, Error> {
    let rule = rule.clone();
    read_page(http, url, move |html, url| {
        scrape::extract_main_text(html, url, &rule)
    })
    .await?
    .ok_or(Error::NoArticleText)
}

/// Indexes of the entries whose page to read: web links not cached with a
/// page yet, newest first (undated ones count as newest), no more than the
/// feed keeps.
fn pages_to_fetch(articles: &[ParsedArticle], job: &Job) -> Vec<usize> {
    let wanted: Vec<usize> = (0..articles.len())
        .filter(|&i| {
            articles[i].link.as_deref().is_some_and(|l| {
                (l.starts_with("http://") || l.starts_with("https://"))
                    && !job.known_links.contains(l)
                    && Url::parse(l).is_ok_and(|u| job.may_visit(&u))
            })
        })
        .collect();
    // The same order and limit as retention in the cache.
    crate::model::keep_newest(wanted, job.max_articles, |&i| {
        articles[i].published.or(articles[i].updated)
    })
}

/// Below this many characters of text, an entry's body is a summary.
const SUMMARY_CHARS: usize = 500;

/// True when most entries carry only a short summary, so `full_text` would
/// help (`tidings discover`): the median body is under 500 characters of text.
pub fn summaries_only(feed: &ParsedFeed) -> bool {
    let mut lengths: Vec<usize> = feed
        .articles
        .iter()
        .map(|a| {
            let body = a.content.as_deref().or(a.summary.as_deref()).unwrap_or("");
            crate::render::html_to_text(body, 0).chars().count()
        })
        .collect();
    if lengths.is_empty() {
        return false;
    }
    lengths.sort_unstable();
    lengths[lengths.len() / 2] < SUMMARY_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn job(max: u32, known: &[&str]) -> Job {
        let config = crate::config::Config::parse(
            std::path::Path::new("t.toml"),
            "[[feed]]\nname = \"a\"\nurl = \"http://x.test/feed\"\nfull_text = \"auto\"\n",
        )
        .unwrap();
        let mut job = Job::new(
            crate::model::Subscription {
                id: crate::model::FeedId(1),
                origin: Default::default(),
            },
            &config.feeds[0],
            Default::default(),
            &config,
        );
        job.max_articles = max;
        job.known_links = known.iter().map(|s| s.to_string()).collect();
        job
    }

    fn entry(link: Option<&str>, day: Option<u32>) -> ParsedArticle {
        ParsedArticle {
            link: link.map(str::to_string),
            published: day.map(|d| Utc.with_ymd_and_hms(2024, 1, d, 0, 0, 0).unwrap()),
            ..Default::default()
        }
    }

    #[test]
    fn short_bodies_are_summaries() {
        let feed = |bodies: &[&str]| ParsedFeed {
            articles: bodies
                .iter()
                .map(|b| ParsedArticle {
                    summary: Some(b.to_string()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        let long = format!("<p>{}</p>", "word ".repeat(200));
        assert!(summaries_only(&feed(&[
            "<p>One line.</p>",
            "Two lines.",
            &long
        ])));
        assert!(!summaries_only(&feed(&[&long, &long, "short"])));
        assert!(!summaries_only(&feed(&[])));
    }

    #[test]
    fn newest_uncached_web_pages_within_the_limit() {
        let articles = [
            entry(Some("http://x.test/1"), Some(1)),
            entry(Some("http://x.test/3"), Some(3)),
            entry(Some("mailto:a@x.test"), Some(9)),
            entry(None, Some(8)),
            entry(Some("http://x.test/known"), Some(7)),
            entry(Some("http://x.test/2"), Some(2)),
            entry(Some("http://x.test/undated"), None),
        ];
        assert_eq!(
            pages_to_fetch(&articles, &job(0, &["http://x.test/known"])),
            vec![6, 1, 5, 0]
        );
        assert_eq!(
            pages_to_fetch(&articles, &job(2, &["http://x.test/known"])),
            vec![6, 1]
        );
    }
}
