//! The Google Reader API, as FreshRSS (`…/api/greader.php`), Miniflux and
//! others serve it. `url` is the API base: `{url}/accounts/ClientLogin`
//! signs in, `{url}/reader/api/0/…` does the rest with
//! `Authorization: GoogleLogin auth=TOKEN`.
//!
//! Requests of a sync: `subscription/list`; `stream/contents` of the
//! reading list, oldest first, newer than the last item seen (`ot`), paged
//! by `continuation`; `stream/items/ids` for unread and for starred ids;
//! `token` then one `edit-tag` per kind of change, many items each.
//! Item ids are kept in their short decimal form.

use super::{Page, RemoteFlags, Secret, SyncError};
use crate::model::ParsedArticle;
use crate::store::{Change, Flag, RemoteFeed, RemoteItem};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Items per page of the reading list.
const PAGE: usize = 100;
/// Ids per page of an id list.
const IDS_PAGE: usize = 10_000;
/// Pages of ids read at most (a million items).
const MAX_ID_PAGES: usize = 100;
const READING_LIST: &str = "user/-/state/com.google/reading-list";
const READ: &str = "user/-/state/com.google/read";
const STARRED: &str = "user/-/state/com.google/starred";

pub struct Greader {
    http: reqwest::Client,
    base: url::Url,
    auth: Secret,
    requests: AtomicUsize,
}

impl Greader {
    pub fn new(http: reqwest::Client, base: url::Url, auth: Secret) -> Greader {
        Greader {
            http,
            base,
            auth,
            requests: AtomicUsize::new(0),
        }
    }

    /// Signs in with `ClientLogin`; the answer's `Auth=` line is the token.
    pub async fn login(
        http: &reqwest::Client,
        base: &url::Url,
        username: &str,
        password: &Secret,
    ) -> Result<Secret, SyncError> {
        let url = join(base, "accounts/ClientLogin");
        let resp = http
            .post(url)
            .form(&[("Email", username), ("Passwd", password.expose())])
            .send()
            .await
            .map_err(|e| super::network(base, e))?;
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            return Err(SyncError::Auth {
                url: base.to_string(),
            });
        }
        if !resp.status().is_success() {
            return Err(SyncError::Http {
                url: base.to_string(),
                status,
            });
        }
        let text = resp.text().await.map_err(|e| super::network(base, e))?;
        text.lines()
            .find_map(|l| l.trim().strip_prefix("Auth="))
            .filter(|t| !t.is_empty())
            .map(|t| Secret::new(t.to_string()))
            .ok_or_else(|| super::protocol(base, "no Auth token in the ClientLogin answer"))
    }

    pub fn token(&self) -> &Secret {
        &self.auth
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<String, SyncError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = req
            .header(
                "Authorization",
                format!("GoogleLogin auth={}", self.auth.expose()),
            )
            .send()
            .await
            .map_err(|e| super::network(&self.base, e))?;
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            return Err(SyncError::Auth {
                url: self.base.to_string(),
            });
        }
        if !resp.status().is_success() {
            return Err(SyncError::Http {
                url: self.base.to_string(),
                status,
            });
        }
        resp.text().await.map_err(|e| super::network(&self.base, e))
    }

    async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, SyncError> {
        let url = join(&self.base, path);
        let text = self
            .send(self.http.get(url).query(&[("output", "json")]).query(query))
            .await?;
        serde_json::from_str(&text)
            .map_err(|_| super::protocol(&self.base, "the answer is not JSON"))
    }

    pub async fn subscriptions(&self) -> Result<Vec<RemoteFeed>, SyncError> {
        let v = self.get_json("reader/api/0/subscription/list", &[]).await?;
        let subs = v
            .get("subscriptions")
            .and_then(Value::as_array)
            .ok_or_else(|| super::protocol(&self.base, "no subscriptions in the answer"))?;
        Ok(subs
            .iter()
            .filter_map(|s| {
                Some(RemoteFeed {
                    remote_id: str_of(s, "id")?,
                    title: str_of(s, "title").unwrap_or_default(),
                    url: str_of(s, "url").unwrap_or_default(),
                    site_url: str_of(s, "htmlUrl").filter(|u| !u.is_empty()),
                    tags: s
                        .get("categories")
                        .and_then(Value::as_array)
                        .map(|cs| cs.iter().filter_map(|c| str_of(c, "label")).collect())
                        .unwrap_or_default(),
                })
            })
            .collect())
    }

    /// A page of the reading list, oldest first. The cursor holds the
    /// newest time seen (`ot` of the next sync) and, within a sync, the
    /// continuation.
    pub async fn items_after(&self, cursor: Option<&str>) -> Result<Page, SyncError> {
        let c: Cursor = cursor
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let n = PAGE.to_string();
        let ot = c.since.to_string();
        let mut query = vec![("n", n.as_str()), ("r", "o"), ("ot", ot.as_str())];
        if let Some(k) = &c.continuation {
            query.push(("c", k));
        }
        let path = format!("reader/api/0/stream/contents/{READING_LIST}");
        let v = self.get_json(&path, &query).await?;
        let raw = v
            .get("items")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let mut newest = c.newest.max(c.since);
        let mut items = Vec::with_capacity(raw.len());
        for it in raw {
            let Some(id) = it.get("id").and_then(Value::as_str).and_then(short_id) else {
                continue;
            };
            let Some(feed) = it.get("origin").and_then(|o| str_of(o, "streamId")) else {
                continue;
            };
            newest = newest.max(seen_at(it));
            let cats: Vec<&str> = it
                .get("categories")
                .and_then(Value::as_array)
                .map(|cs| cs.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let has = |state: &str| cats.iter().any(|c| state_is(c, state));
            let body = |key: &str| {
                it.get(key)
                    .and_then(|b| str_of(b, "content"))
                    .filter(|s| !s.is_empty())
            };
            let link = ["canonical", "alternate"].iter().find_map(|k| {
                it.get(*k)?
                    .as_array()?
                    .first()
                    .and_then(|l| str_of(l, "href"))
            });
            items.push(RemoteItem {
                feed,
                article: ParsedArticle {
                    guid: id.clone(),
                    title: str_of(it, "title").unwrap_or_default(),
                    link,
                    author: str_of(it, "author").filter(|s| !s.is_empty()),
                    published: it
                        .get("published")
                        .and_then(Value::as_i64)
                        .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
                    updated: it
                        .get("updated")
                        .and_then(Value::as_i64)
                        .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
                    content: body("content").or_else(|| body("summary")),
                    ..Default::default()
                },
                read: has(READ),
                starred: has(STARRED),
                remote_id: id,
            });
        }
        let continuation = str_of(&v, "continuation").filter(|k| !k.is_empty());
        let done = continuation.is_none() || raw.is_empty();
        let next = if done {
            Cursor {
                since: newest,
                newest,
                continuation: None,
            }
        } else {
            Cursor {
                since: c.since,
                newest,
                continuation,
            }
        };
        Ok(Page {
            items,
            cursor: serde_json::to_string(&next).unwrap_or_default(),
            done,
            total: None,
        })
    }

    /// All ids of a stream, excluding `exclude`, following continuations.
    async fn ids(&self, stream: &str, exclude: Option<&str>) -> Result<Vec<String>, SyncError> {
        let mut out = Vec::new();
        let mut continuation: Option<String> = None;
        let n = IDS_PAGE.to_string();
        for _ in 0..MAX_ID_PAGES {
            let mut query = vec![("s", stream), ("n", n.as_str())];
            if let Some(x) = exclude {
                query.push(("xt", x));
            }
            if let Some(k) = &continuation {
                query.push(("c", k));
            }
            let v = self
                .get_json("reader/api/0/stream/items/ids", &query)
                .await?;
            let refs = v
                .get("itemRefs")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            out.extend(
                refs.iter()
                    .filter_map(|r| r.get("id").and_then(Value::as_str).and_then(short_id)),
            );
            continuation = str_of(&v, "continuation").filter(|k| !k.is_empty());
            if continuation.is_none() || refs.is_empty() {
                break;
            }
        }
        Ok(out)
    }

    pub async fn flags(&self) -> Result<RemoteFlags, SyncError> {
        Ok(RemoteFlags {
            unread: self.ids(READING_LIST, Some(READ)).await?,
            starred: self.ids(STARRED, None).await?,
        })
    }

    /// One `edit-tag` per kind of change (read, unread, star, unstar),
    /// with every item of that kind.
    pub async fn push(&self, batch: &[Change]) -> (Vec<i64>, Option<SyncError>) {
        if batch.is_empty() {
            return (Vec::new(), None);
        }
        let token = match self
            .send(self.http.get(join(&self.base, "reader/api/0/token")))
            .await
        {
            Ok(t) => t.trim().to_string(),
            Err(e) => return (Vec::new(), Some(e)),
        };
        let mut acked = Vec::new();
        for (flag, value) in [
            (Flag::Read, true),
            (Flag::Read, false),
            (Flag::Starred, true),
            (Flag::Starred, false),
        ] {
            let group: Vec<&Change> = batch
                .iter()
                .filter(|c| c.flag == flag && c.value == value)
                .collect();
            if group.is_empty() {
                continue;
            }
            let tag = if flag == Flag::Read { READ } else { STARRED };
            let mut form: Vec<(&str, String)> = vec![("T", token.clone())];
            form.push((if value { "a" } else { "r" }, tag.to_string()));
            form.extend(group.iter().map(|c| ("i", long_id(&c.remote_id))));
            let req = self
                .http
                .post(join(&self.base, "reader/api/0/edit-tag"))
                .form(&form);
            match self.send(req).await {
                Ok(_) => acked.extend(group.iter().map(|c| c.seq)),
                Err(e) => return (acked, Some(e)),
            }
        }
        (acked, None)
    }
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Cursor {
    /// `ot`: items seen before this time (seconds) are not asked for.
    since: i64,
    /// The newest time seen in this sync so far.
    newest: i64,
    continuation: Option<String>,
}

fn join(base: &url::Url, path: &str) -> url::Url {
    let mut url = base.clone();
    let joined = format!("{}/{path}", base.path().trim_end_matches('/'));
    url.set_path(&joined);
    url.set_query(None);
    url
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The time an item reached the server, in seconds: crawl time, else the
/// timestamp, else publication.
fn seen_at(it: &Value) -> i64 {
    let num = |k: &str| -> Option<i64> {
        match it.get(k)? {
            Value::String(s) => s.parse().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    };
    num("crawlTimeMsec")
        .map(|ms| ms / 1000)
        .or_else(|| num("timestampUsec").map(|us| us / 1_000_000))
        .or_else(|| num("published"))
        .unwrap_or(0)
}

/// `user/-/state/com.google/read` matches `user/1234/state/com.google/read`.
fn state_is(category: &str, state: &str) -> bool {
    let tail = state.trim_start_matches("user/-/");
    category.starts_with("user/") && category.ends_with(tail)
}

/// Item ids come long (`tag:google.com,2005:reader/item/<16 hex>`) or short
/// (decimal); both become decimal.
fn short_id(id: &str) -> Option<String> {
    if let Some(hex) = id.strip_prefix("tag:google.com,2005:reader/item/") {
        return u64::from_str_radix(hex, 16).ok().map(|n| n.to_string());
    }
    let n: i64 = id.parse().ok()?;
    // Short ids are signed 64-bit; negative ones are the upper half.
    Some((n as u64).to_string())
}

fn long_id(short: &str) -> String {
    match short.parse::<u64>() {
        Ok(n) => format!("tag:google.com,2005:reader/item/{n:016x}"),
        Err(_) => short.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_ids_long_and_short() {
        assert_eq!(
            short_id("tag:google.com,2005:reader/item/000000000000001f"),
            Some("31".into())
        );
        assert_eq!(short_id("31"), Some("31".into()));
        assert_eq!(short_id("-1"), Some(u64::MAX.to_string()));
        assert_eq!(
            long_id("31"),
            "tag:google.com,2005:reader/item/000000000000001f"
        );
        assert!(state_is("user/1005/state/com.google/read", READ));
        assert!(!state_is("user/-/state/com.google/reading-list", READ));
    }

    #[test]
    fn paths_join_the_base() {
        let base = url::Url::parse("https://rss.example.org/api/greader.php").unwrap();
        assert_eq!(
            join(&base, "reader/api/0/token").as_str(),
            "https://rss.example.org/api/greader.php/reader/api/0/token"
        );
    }
}
