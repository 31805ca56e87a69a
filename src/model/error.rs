//! Why a fetch failed. The fetcher makes these (`fetch::Error` and
//! `fetch::parse::ParseError` are these types); they live beside
//! [`super::FetchOutcome`] so the cache and the faces can hold one without
//! depending on the fetcher. Their words are what users see: in the
//! command line's output, in the interface and as a feed's stored last
//! error.

use chrono::{DateTime, Utc};
use url::Url;

/// A feed that could not be fetched or read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// The server answered with an error status.
    #[error("HTTP {code}{}", reason(*code))]
    Status {
        code: u16,
        /// When the server asked us to come back (429/503 Retry-After).
        retry_at: Option<DateTime<Utc>>,
    },
    /// The server did not answer within the timeout.
    #[error("timed out after {secs} s")]
    Timeout { secs: u64 },
    /// The body outgrew `max_response_bytes`.
    #[error("response larger than the limit of {limit} bytes")]
    TooLarge { status: u16, limit: u64 },
    #[error("too many redirects (more than {limit})")]
    Redirects { limit: usize },
    /// No connection: refused, no route, no such host. Holds the
    /// innermost cause.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// Any other transport failure: the error and its causes on one line.
    #[error("{0}")]
    Network(String),
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
    /// A 304 to a request that sent no validators.
    #[error("unexpected 304")]
    UnexpectedNotModified,
    /// CPU work (`parser`, `scraper`) ended without an answer.
    #[error("{task} stopped: {detail}")]
    Stopped { task: &'static str, detail: String },
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Scrape(#[from] crate::scrape::ScrapeError),
    /// An article's page holds nothing that reads as its text.
    #[error("no article text found")]
    NoArticleText,
    #[error("no [feed.html] rules for this page")]
    NoRules,
    #[error(
        "{url} is an HTML page with no advertised feed (<link rel=\"alternate\">) \
         and no [feed.html] rules; `tidings discover {url}` suggests rules"
    )]
    NoAdvertisedFeed { url: Url },
    /// A feed from a shared list advertises a feed on another host.
    #[error(
        "the advertised feed {url} is not on this feed's host; a feed from a list \
         is read from its own host only"
    )]
    AdvertisedElsewhere { url: Url },
    #[error("the advertised feed {url} answered 304")]
    AdvertisedNotModified { url: Url },
    #[error("the advertised feed {url}: {source}")]
    Advertised { url: Url, source: Box<FetchError> },
    /// A failure known only by its words.
    #[error("{0}")]
    Other(String),
}

impl FetchError {
    /// The HTTP status the failure came with, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { code, .. } => Some(*code),
            FetchError::TooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// When the server asked to be asked again.
    pub fn retry_at(&self) -> Option<DateTime<Utc>> {
        match self {
            FetchError::Status { retry_at, .. } => *retry_at,
            _ => None,
        }
    }

    /// The server did not answer in time (it may be hung).
    pub fn timed_out(&self) -> bool {
        matches!(self, FetchError::Timeout { .. })
    }
}

impl From<&str> for FetchError {
    fn from(s: &str) -> Self {
        FetchError::Other(s.to_string())
    }
}

impl From<String> for FetchError {
    fn from(s: String) -> Self {
        FetchError::Other(s)
    }
}

/// " Not Found" for 404: the status's standard reason, if it has one.
fn reason(code: u16) -> String {
    reqwest::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!(" {r}"))
        .unwrap_or_default()
}

/// A document that is not a feed tidings can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid feed: {0}")]
pub struct ParseError(pub ParseProblem);

/// What is wrong with the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseProblem {
    #[error("the document is empty")]
    Empty,
    /// An internal DTD entity nests more than a few levels.
    #[error("entity &{name}; nests too deeply")]
    EntityNested { name: String },
    #[error("entity &{name}; expands past {max} bytes")]
    EntityTooLong { name: String, max: usize },
    #[error("entity expansion exceeds the limit ({each} bytes each, {all} in all)")]
    EntityBudget { each: usize, all: usize },
    /// The XML parser's own words.
    #[error("{0}")]
    Xml(String),
    #[error(
        "the document holds {items} item{} but none could be read",
        if *items == 1 { "" } else { "s" }
    )]
    NoReadableItems { items: usize },
    /// The JSON parser's own words.
    #[error("JSON: {0}")]
    Json(String),
    #[error("JSON that is not an object")]
    JsonNotObject,
    #[error("JSON without a JSON Feed version or items")]
    JsonNotFeed,
}

impl From<ParseProblem> for ParseError {
    fn from(p: ParseProblem) -> Self {
        ParseError(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_the_ones_users_know() {
        let status = |code| FetchError::Status {
            code,
            retry_at: None,
        };
        assert_eq!(status(404).to_string(), "HTTP 404 Not Found");
        assert_eq!(status(503).to_string(), "HTTP 503 Service Unavailable");
        assert_eq!(status(599).to_string(), "HTTP 599");
        assert_eq!(status(404).status(), Some(404));
        assert_eq!(
            FetchError::Timeout { secs: 3 }.to_string(),
            "timed out after 3 s"
        );
        assert!(FetchError::Timeout { secs: 3 }.timed_out());
        assert!(!status(504).timed_out());
        let too_large = FetchError::TooLarge {
            status: 200,
            limit: 10,
        };
        assert_eq!(
            too_large.to_string(),
            "response larger than the limit of 10 bytes"
        );
        assert_eq!(too_large.status(), Some(200));
        let parse = FetchError::from(ParseError(ParseProblem::NoReadableItems { items: 1 }));
        assert_eq!(
            parse.to_string(),
            "not a valid feed: the document holds 1 item but none could be read"
        );
        assert_eq!(parse.status(), None);
        let url = Url::parse("http://a.test/feed").unwrap();
        let inner = Box::new(status(410));
        assert_eq!(
            FetchError::Advertised { url, source: inner }.to_string(),
            "the advertised feed http://a.test/feed: HTTP 410 Gone"
        );
    }
}
