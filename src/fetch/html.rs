//! HTML news pages: listings scraped with the feed's rules (following
//! `next` pages), and each new article's own page read for its body.

use super::charset::decode_html;
use super::http::{HttpClient, Response};
use super::{stopped, Error, Job};
use crate::model::{FetchState, ParsedArticle, ParsedFeed};
use crate::scrape::{self, CompiledRules, ListingPage};
use std::collections::HashSet;
use std::sync::Arc;
use url::Url;

/// Reads a listing (already downloaded as `body` from `url`) into a feed.
pub async fn scrape(
    http: &HttpClient,
    job: &Job,
    body: Vec<u8>,
    content_type: Option<String>,
    url: Url,
) -> Result<ParsedFeed, Error> {
    let Some(rules) = job.feed.html.clone() else {
        return Err(Error::NoRules);
    };
    let mut warnings = Vec::new();
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut page = listing(rules.clone(), body, content_type, url).await?;
    let mut pages = 1;
    loop {
        for item in page.items {
            if seen.insert(item.link.to_string()) {
                items.push(item);
            }
        }
        let Some(next) = page.next_page.filter(|_| pages < rules.max_pages) else {
            break;
        };
        if !job.may_visit(&next) {
            warnings.push(format!("page {next}: not on the feed's host; not followed"));
            break;
        }
        let (body, content_type) = match http.get(&next, &FetchState::default()).await {
            Ok(Response::Body {
                body, content_type, ..
            }) => (body, content_type),
            Ok(Response::NotModified { .. }) => break,
            Err(e) => {
                warnings.push(format!("page {next}: {e}"));
                break;
            }
        };
        page = match listing(rules.clone(), body, content_type, next.clone()).await {
            Ok(p) => p,
            Err(e) => {
                warnings.push(e.to_string());
                break;
            }
        };
        pages += 1;
    }
    // Only the articles retention keeps have their pages read.
    let items = crate::model::keep_newest(items, job.max_articles, |i| i.date);

    let wants_page =
        rules.content.is_some() || rules.article_date.is_some() || rules.article_author.is_some();
    let mut articles = Vec::with_capacity(items.len());
    // After a page times out the server is taken as hung: the other pages
    // wait for the next fetch rather than costing a timeout each.
    let mut hung = false;
    let mut skipped = 0;
    // Pages on other hosts, left unread for a listed feed.
    let mut elsewhere = 0;
    for item in items {
        let link = item.link.to_string();
        let mut article = ParsedArticle {
            guid: link.clone(),
            title: item.title,
            title_derived: false,
            link: Some(link.clone()),
            author: item.author,
            published: item.date,
            updated: None,
            summary: item.summary,
            content: None,
            content_from_page: rules.content.is_some() && item.own_link,
            prepared: None,
        };
        // Each article page is fetched once: known articles keep theirs.
        // An item without a page of its own has only what the listing says.
        let wants_page = wants_page && item.own_link;
        if wants_page && !job.known_links.contains(&link) && hung {
            skipped += 1;
        } else if wants_page && !job.may_visit(&item.link) {
            elsewhere += 1;
        } else if wants_page && !job.known_links.contains(&link) {
            match article_page(http, rules.clone(), item.link).await {
                Ok(p) => {
                    article.content = p.content_html;
                    article.published = article.published.or(p.date);
                    article.author = article.author.or(p.author);
                }
                Err(e) => {
                    hung = e.timed_out();
                    warnings.push(format!("article page {link}: {e}"));
                }
            }
        }
        articles.push(article);
    }
    if skipped > 0 {
        warnings.push(format!(
            "{skipped} more article pages left for the next fetch after a timeout"
        ));
    }
    if elsewhere > 0 {
        warnings.push(format!(
            "{elsewhere} article pages not read: not on the feed's host"
        ));
    }
    Ok(ParsedFeed {
        title: None,
        site_url: Some(job.feed.url.to_string()),
        ttl_minutes: None,
        articles,
        warnings,
    })
}

async fn listing(
    rules: Arc<CompiledRules>,
    body: Vec<u8>,
    content_type: Option<String>,
    url: Url,
) -> Result<ListingPage, Error> {
    super::threads::cpu(move || {
        let html = decode_html(&body, content_type.as_deref());
        scrape::extract_items(&html, &url, &rules)
    })
    .await
    .map_err(|e| stopped("scraper", &e))?
    .map_err(Error::from)
}

async fn article_page(
    http: &HttpClient,
    rules: Arc<CompiledRules>,
    url: Url,
) -> Result<scrape::ArticlePage, Error> {
    read_page(http, &url, move |html, url| {
        scrape::extract_article(html, url, &rules)
    })
    .await
}

/// Downloads a page (unconditionally: pages are fetched once) and reads it
/// with `read`, off the async threads, in its declared charset.
pub async fn read_page<T: Send + 'static>(
    http: &HttpClient,
    url: &Url,
    read: impl FnOnce(&str, &Url) -> T + Send + 'static,
) -> Result<T, Error> {
    let (body, url, content_type) = match http.get(url, &FetchState::default()).await {
        Ok(Response::Body {
            body,
            url,
            content_type,
            ..
        }) => (body, url, content_type),
        Ok(Response::NotModified { .. }) => return Err(Error::UnexpectedNotModified),
        Err(e) => return Err(e),
    };
    super::threads::cpu(move || {
        let html = decode_html(&body, content_type.as_deref());
        read(&html, &url)
    })
    .await
    .map_err(|e| stopped("scraper", &e))
}

/// For an HTML page without rules: the feed it advertises, downloaded.
pub async fn advertised_feed(
    http: &HttpClient,
    body: &[u8],
    url: &Url,
    may_visit: impl Fn(&Url) -> bool,
) -> Result<Option<(Vec<u8>, Url, Option<String>)>, Error> {
    let html = String::from_utf8_lossy(body);
    let Some(feed) = scrape::feed_links(&html, url).into_iter().next() else {
        return Ok(None);
    };
    if !may_visit(&feed.url) {
        return Err(Error::AdvertisedElsewhere { url: feed.url });
    }
    match http.get(&feed.url, &FetchState::default()).await {
        Ok(Response::Body {
            body,
            url,
            content_type,
            ..
        }) => Ok(Some((body, url, content_type))),
        Ok(Response::NotModified { .. }) => Err(Error::AdvertisedNotModified { url: feed.url }),
        Err(e) => Err(Error::Advertised {
            url: feed.url,
            source: Box::new(e),
        }),
    }
}
