//! HTTP for feeds: conditional GET, a size cap enforced while streaming,
//! bounded redirects, and retries with backoff for timeouts, 5xx and 429.
//!
//! All attempts for one address share one deadline: the timeout plus a short
//! margin ([`retry_margin`]). A retry is made only when it can still get a
//! useful share of that time, so a server that accepts connections and never
//! answers costs one timeout, not one per attempt.

use crate::config::Settings;
use crate::model::{FetchError as Error, FetchState};
use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap};
use reqwest::StatusCode;
use std::time::Duration;
use tokio::time::Instant;
use url::Url;

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;
/// The longest Retry-After waited for within one fetch; longer ones fail the
/// attempt and only postpone the next fetch.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// First backoff delay; doubled for each further attempt.
const BACKOFF: Duration = Duration::from_millis(500);
/// The longest the attempts for one address may run past the timeout.
const MAX_RETRY_MARGIN: Duration = Duration::from_secs(5);

/// How far past `timeout` the attempts for one address may run: a quarter of
/// it, at most [`MAX_RETRY_MARGIN`]. A retry also needs at least this much
/// time left for itself, so an attempt that used the whole timeout is never
/// retried.
pub fn retry_margin(timeout: Duration) -> Duration {
    (timeout / 4).min(MAX_RETRY_MARGIN)
}

pub struct HttpClient {
    client: reqwest::Client,
    max_bytes: u64,
    retries: u32,
    timeout: Duration,
}

/// A successful answer.
#[derive(Debug)]
pub enum Response {
    Body {
        status: u16,
        body: Vec<u8>,
        /// The address after redirects.
        url: Url,
        content_type: Option<String>,
        etag: Option<String>,
        last_modified: Option<String>,
        fresh_until: Option<DateTime<Utc>>,
    },
    NotModified {
        fresh_until: Option<DateTime<Utc>>,
    },
}

impl HttpClient {
    pub fn new(settings: &Settings) -> Result<HttpClient, Error> {
        let timeout = Duration::from_secs(settings.timeout_seconds);
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(settings.per_host)
            .build()
            .map_err(|e| Error::Client(e.to_string()))?;
        Ok(HttpClient {
            client,
            max_bytes: settings.max_response_bytes,
            retries: settings.retries,
            timeout,
        })
    }

    /// GETs `url`, sending the stored validators; retries transient failures
    /// while the deadline (timeout plus [`retry_margin`]) allows.
    pub async fn get(&self, url: &Url, state: &FetchState) -> Result<Response, Error> {
        let margin = retry_margin(self.timeout);
        let deadline = Instant::now() + self.timeout + margin;
        let mut attempt = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let err = match self.get_once(url, state, self.timeout.min(left)).await {
                Ok(r) => return Ok(r),
                Err(e) => e,
            };
            if attempt >= self.retries || !err.transient {
                return Err(err.error);
            }
            let backoff = BACKOFF * 2u32.saturating_pow(attempt);
            let wait = match err.error.retry_at() {
                Some(at) => {
                    let wait = (at - Utc::now()).to_std().unwrap_or_default();
                    if wait > MAX_RETRY_WAIT {
                        return Err(err.error);
                    }
                    wait.max(backoff)
                }
                None => backoff,
            };
            if Instant::now() + wait + margin > deadline {
                tracing::debug!(%url, attempt, error = %err.error, "no time left to retry");
                return Err(err.error);
            }
            tracing::debug!(%url, attempt, ?wait, error = %err.error, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn get_once(
        &self,
        url: &Url,
        state: &FetchState,
        timeout: Duration,
    ) -> Result<Response, Attempt> {
        let mut req = self.client.get(url.clone()).timeout(timeout);
        if let Some(etag) = &state.etag {
            req = req.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &state.last_modified {
            req = req.header(header::IF_MODIFIED_SINCE, lm);
        }
        let mut resp = req.send().await.map_err(|e| self.transport_error(&e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let fresh_until = fresh_until(&headers, Utc::now());
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Response::NotModified { fresh_until });
        }
        if !status.is_success() {
            let retry_at = retry_after(&headers, Utc::now());
            let transient = status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
            return Err(Attempt {
                transient,
                error: Error::Status {
                    code: status.as_u16(),
                    retry_at,
                },
            });
        }
        let too_big = || Attempt {
            transient: false,
            error: Error::TooLarge {
                status: status.as_u16(),
                limit: self.max_bytes,
            },
        };
        if resp.content_length().is_some_and(|n| n > self.max_bytes) {
            return Err(too_big());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport_error(&e))? {
            if (body.len() + chunk.len()) as u64 > self.max_bytes {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        let text = |name: header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        Ok(Response::Body {
            status: status.as_u16(),
            body,
            url: resp.url().clone(),
            content_type: text(header::CONTENT_TYPE),
            etag: text(header::ETAG),
            last_modified: text(header::LAST_MODIFIED),
            fresh_until,
        })
    }

    fn transport_error(&self, e: &reqwest::Error) -> Attempt {
        // A reqwest error carries a status only from `error_for_status`,
        // which is not used: a transport error has none.
        let error = if e.is_timeout() {
            Error::Timeout {
                secs: self.timeout.as_secs(),
            }
        } else if e.is_redirect() {
            Error::Redirects {
                limit: MAX_REDIRECTS,
            }
        } else if e.is_connect() {
            // The innermost cause says why: refused, no route, DNS failure.
            let mut cause: &dyn std::error::Error = e;
            while let Some(next) = cause.source() {
                cause = next;
            }
            Error::Connect(cause.to_string())
        } else {
            Error::Network(describe(e))
        };
        Attempt {
            transient: e.is_timeout() || e.is_connect() || e.is_request() || e.is_body(),
            error,
        }
    }
}

struct Attempt {
    transient: bool,
    error: Error,
}

/// The error and its causes on one line, without repeating the URL.
fn describe(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    let mut msg = parts.join(": ");
    if let Some(url) = e.url() {
        msg = msg.replace(&format!(" ({url})"), "");
    }
    msg
}

/// Until when the server says the answer stays fresh (Cache-Control max-age,
/// else Expires). `no-cache`/`no-store` mean no promise.
pub fn fresh_until(headers: &HeaderMap, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Some(cc) = headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
    {
        let mut max_age = None;
        for d in cc.split(',').map(str::trim) {
            let lower = d.to_ascii_lowercase();
            if lower == "no-cache" || lower == "no-store" {
                return None;
            }
            if let Some(v) = lower.strip_prefix("max-age=") {
                max_age = v.trim_matches('"').parse::<i64>().ok();
            }
        }
        if let Some(secs) = max_age {
            return (secs > 0).then(|| now + chrono::Duration::seconds(secs));
        }
    }
    let expires = headers.get(header::EXPIRES)?.to_str().ok()?;
    let at = DateTime::<Utc>::from(httpdate::parse_http_date(expires).ok()?);
    (at > now).then_some(at)
}

/// Retry-After as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u32>() {
        return Some(now + chrono::Duration::seconds(i64::from(secs)));
    }
    Some(DateTime::<Utc>::from(httpdate::parse_http_date(v).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn freshness_from_cache_control_and_expires() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let h = headers(&[("cache-control", "public, max-age=600")]);
        assert_eq!(
            fresh_until(&h, now),
            Some(now + chrono::Duration::seconds(600))
        );
        let h = headers(&[("cache-control", "max-age=0")]);
        assert_eq!(fresh_until(&h, now), None);
        let h = headers(&[("cache-control", "no-cache, max-age=600")]);
        assert_eq!(fresh_until(&h, now), None);
        let h = headers(&[("expires", "Wed, 15 Nov 2023 00:00:00 GMT")]);
        assert_eq!(
            fresh_until(&h, now).map(|t| t.timestamp()),
            Some(1_700_006_400)
        );
        let h = headers(&[("expires", "0")]);
        assert_eq!(fresh_until(&h, now), None);
    }

    #[test]
    fn retry_after_forms() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let h = headers(&[("retry-after", "120")]);
        assert_eq!(
            retry_after(&h, now),
            Some(now + chrono::Duration::seconds(120))
        );
        let h = headers(&[("retry-after", "Wed, 15 Nov 2023 00:00:00 GMT")]);
        assert_eq!(
            retry_after(&h, now).map(|t| t.timestamp()),
            Some(1_700_006_400)
        );
        let h = headers(&[("retry-after", "soon")]);
        assert_eq!(retry_after(&h, now), None);
    }
}
