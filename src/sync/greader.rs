//! The Google Reader API, as FreshRSS (`…/api/greader.php`), Miniflux and
//! others serve it. `url` is the API base: `{url}/accounts/ClientLogin`
//! signs in, `{url}/reader/api/0/…` does the rest with
//! `Authorization: GoogleLogin auth=TOKEN`.
//!
//! Requests of a sync: `subscription/list` (when the runner asks);
//! the first pull reads `stream/contents` of the reading list, oldest first,
//! paged by `continuation`. Later pulls ask `stream/items/ids` for the ids
//! crawled since the newest item's second (`ot`), drop those already seen
//! in that second (servers crawl many items in the same second), and read
//! the rest with `stream/items/contents`, so an idle pull is one request.
//! Then `stream/items/ids` for unread and for starred ids; `token` then one
//! `edit-tag` per kind of change, many items each. A refused `Auth` signs in
//! again once; a refused `T` token is fetched again once.
//! Item ids are kept in their short decimal form.

mod items;

use super::{Credentials, Page, RemoteFlags, Secret, SyncError};
use crate::store::{Change, Flag, RemoteFeed};
use items::{long_id, parse_items, short_id, str_of, Cursor};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Items per page of the reading list.
const PAGE: usize = 100;
/// Ids per page of an id list: ids are small, so most accounts' unread
/// list is one request.
const IDS_PAGE: usize = 50_000;
/// Pages of ids read at most (a million items).
const MAX_ID_PAGES: usize = 20;
const READING_LIST: &str = "user/-/state/com.google/reading-list";
const READ: &str = "user/-/state/com.google/read";
const STARRED: &str = "user/-/state/com.google/starred";

pub struct Greader {
    http: reqwest::Client,
    base: url::Url,
    creds: Credentials,
    auth: Mutex<Option<Secret>>,
    /// The `T` token for POSTs, once fetched.
    edit_token: Mutex<Option<String>>,
    /// Signed in again in this run already.
    renewed: AtomicBool,
    requests: AtomicUsize,
}

/// A request to make, given the `Auth` token.
type Build<'a> = &'a (dyn Fn(&Secret) -> reqwest::RequestBuilder + Sync);

impl Greader {
    pub fn new(
        http: reqwest::Client,
        base: url::Url,
        auth: Option<Secret>,
        creds: Credentials,
    ) -> Greader {
        Greader {
            http,
            base,
            creds,
            auth: Mutex::new(auth),
            edit_token: Mutex::new(None),
            renewed: AtomicBool::new(false),
            requests: AtomicUsize::new(0),
        }
    }

    /// Signs in with `ClientLogin`; the answer's `Auth=` line is the token.
    async fn login(&self) -> Result<Secret, SyncError> {
        let password = self.creds.password()?;
        let url = join(&self.base, "accounts/ClientLogin");
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = self
            .http
            .post(url)
            .form(&[
                ("Email", self.creds.username.as_str()),
                ("Passwd", password.expose()),
            ])
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
        let text = resp
            .text()
            .await
            .map_err(|e| super::network(&self.base, e))?;
        let auth = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("Auth="))
            .filter(|t| !t.is_empty())
            .map(|t| Secret::new(t.to_string()))
            .ok_or_else(|| {
                super::protocol(&self.base, "no Auth token in the ClientLogin answer")
            })?;
        *lock(&self.auth) = Some(auth.clone());
        Ok(auth)
    }

    /// The token in use, once signed in.
    pub fn token(&self) -> Option<Secret> {
        lock(&self.auth).clone()
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends a request built for the current `Auth`, signing in first when
    /// there is none, and again once when the server refuses it.
    async fn send(&self, build: Build<'_>) -> Result<String, SyncError> {
        let auth = match self.token() {
            Some(a) => a,
            None => self.login().await?,
        };
        match self.send_once(build(&auth)).await {
            Err(SyncError::Auth { .. }) if !self.renewed.swap(true, Ordering::Relaxed) => {
                let auth = self.login().await?;
                self.send_once(build(&auth)).await
            }
            other => other,
        }
    }

    async fn send_once(&self, req: reqwest::RequestBuilder) -> Result<String, SyncError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = req
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

    fn authorized(&self, req: reqwest::RequestBuilder, auth: &Secret) -> reqwest::RequestBuilder {
        req.header(
            "Authorization",
            format!("GoogleLogin auth={}", auth.expose()),
        )
    }

    async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, SyncError> {
        let url = join(&self.base, path);
        let text = self
            .send(&|auth| {
                self.authorized(
                    self.http
                        .get(url.clone())
                        .query(&[("output", "json")])
                        .query(query),
                    auth,
                )
            })
            .await?;
        serde_json::from_str(&text)
            .map_err(|_| super::protocol(&self.base, "the answer is not JSON"))
    }

    /// A POST with the `T` token, fetched when missing and again once when
    /// the server refuses it.
    async fn post(&self, path: &str, form: &[(&str, String)]) -> Result<String, SyncError> {
        let url = join(&self.base, path);
        let build = |auth: &Secret, t: &str| {
            let mut body: Vec<(&str, &str)> = vec![("T", t)];
            body.extend(form.iter().map(|(k, v)| (*k, v.as_str())));
            self.authorized(self.http.post(url.clone()).form(&body), auth)
        };
        let cached = lock(&self.edit_token).clone();
        let t = match cached {
            Some(t) => t,
            None => self.fetch_edit_token().await?,
        };
        let auth = self
            .token()
            .ok_or_else(|| super::protocol(&self.base, "not signed in"))?;
        match self.send_once(build(&auth, &t)).await {
            // A refused T (or Auth): a new T, signing in again if need be.
            Err(SyncError::Auth { .. }) => {
                let t = self.fetch_edit_token().await?;
                self.send(&|auth| build(auth, &t)).await
            }
            other => other,
        }
    }

    async fn fetch_edit_token(&self) -> Result<String, SyncError> {
        let url = join(&self.base, "reader/api/0/token");
        let t = self
            .send(&|auth| self.authorized(self.http.get(url.clone()), auth))
            .await?
            .trim()
            .to_string();
        *lock(&self.edit_token) = Some(t.clone());
        Ok(t)
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

    /// The next page of new items. The cursor holds the newest crawl
    /// second seen (`ot` of the next sync) with the ids seen in it, and a
    /// pull in progress: the continuation of the first pull, or the ids
    /// still to read of a later one.
    pub async fn items_after(&self, cursor: Option<&str>) -> Result<Page, SyncError> {
        let mut c: Cursor = cursor
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        if !c.active {
            c.newest = c.since;
            c.newest_seen = c.seen.clone();
            if c.since > 0 {
                let ids = self.ids_since(c.since, &c.seen).await?;
                if ids.is_empty() {
                    return Ok(Page {
                        items: Vec::new(),
                        cursor: c.to_json(),
                        done: true,
                        total: None,
                    });
                }
                c.pending = ids;
            }
            c.active = true;
        }
        let (items, done) = if c.since > 0 {
            let rest = c.pending.split_off(c.pending.len().min(PAGE));
            let batch = std::mem::replace(&mut c.pending, rest);
            let form: Vec<(&str, String)> = batch.iter().map(|i| ("i", long_id(i))).collect();
            let url = join(&self.base, "reader/api/0/stream/items/contents");
            let text = self
                .send(&|auth| {
                    self.authorized(
                        self.http
                            .post(url.clone())
                            .query(&[("output", "json")])
                            .form(&form),
                        auth,
                    )
                })
                .await?;
            let v: Value = serde_json::from_str(&text)
                .map_err(|_| super::protocol(&self.base, "the answer is not JSON"))?;
            (parse_items(&v, &mut c), c.pending.is_empty())
        } else {
            let n = PAGE.to_string();
            let mut query = vec![("n", n.as_str()), ("r", "o")];
            if let Some(k) = &c.continuation {
                query.push(("c", k));
            }
            let path = format!("reader/api/0/stream/contents/{READING_LIST}");
            let v = self.get_json(&path, &query).await?;
            let items = parse_items(&v, &mut c);
            c.continuation = str_of(&v, "continuation").filter(|k| !k.is_empty());
            let done = c.continuation.is_none() || items.is_empty();
            (items, done)
        };
        if done {
            c.since = c.newest;
            c.seen = std::mem::take(&mut c.newest_seen);
            c.active = false;
            c.continuation = None;
            c.pending.clear();
            c.newest = 0;
        }
        Ok(Page {
            items,
            cursor: c.to_json(),
            done,
            total: None,
        })
    }

    /// Ids of items crawled since second `since`, oldest first, less those
    /// in `seen`.
    async fn ids_since(&self, since: i64, seen: &[String]) -> Result<Vec<String>, SyncError> {
        let seen: std::collections::HashSet<&str> = seen.iter().map(String::as_str).collect();
        let ot = since.to_string();
        let ids = self
            .ids(READING_LIST, &[("ot", ot.as_str()), ("r", "o")])
            .await?;
        Ok(ids
            .into_iter()
            .filter(|i| !seen.contains(i.as_str()))
            .collect())
    }

    /// All ids of a stream, with `extra` query parameters, following
    /// continuations.
    async fn ids(&self, stream: &str, extra: &[(&str, &str)]) -> Result<Vec<String>, SyncError> {
        let mut out = Vec::new();
        let mut continuation: Option<String> = None;
        let n = IDS_PAGE.to_string();
        for _ in 0..MAX_ID_PAGES {
            let mut query = vec![("s", stream), ("n", n.as_str())];
            query.extend_from_slice(extra);
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
            unread: self.ids(READING_LIST, &[("xt", READ)]).await?,
            starred: self.ids(STARRED, &[]).await?,
        })
    }

    /// One `edit-tag` per kind of change (read, unread, star, unstar),
    /// with every item of that kind.
    pub async fn push(&self, batch: &[Change]) -> (Vec<i64>, Option<SyncError>) {
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
            let mut form: Vec<(&str, String)> =
                vec![(if value { "a" } else { "r" }, tag.to_string())];
            form.extend(group.iter().map(|c| ("i", long_id(&c.remote_id))));
            match self.post("reader/api/0/edit-tag", &form).await {
                Ok(_) => acked.extend(group.iter().map(|c| c.seq)),
                Err(e) => return (acked, Some(e)),
            }
        }
        (acked, None)
    }

    /// Subscribes with `subscription/quickadd`; returns the feed's title.
    pub async fn subscribe(&self, feed: &url::Url) -> Result<String, SyncError> {
        let text = self
            .post(
                "reader/api/0/subscription/quickadd",
                &[("quickadd", feed.to_string())],
            )
            .await?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|_| super::protocol(&self.base, "the quickadd answer is not JSON"))?;
        let found = v.get("numResults").and_then(Value::as_u64).unwrap_or(0) > 0
            || v.get("streamId").is_some();
        if !found {
            let reason = str_of(&v, "error")
                .map(|e| crate::sanitize::line(&e))
                .filter(|e| !e.is_empty())
                .unwrap_or_else(|| "the server found no feed there".into());
            return Err(SyncError::Subscribe {
                url: self.base.to_string(),
                feed: feed.to_string(),
                reason,
            });
        }
        Ok(str_of(&v, "streamName").unwrap_or_default())
    }

    /// Unsubscribes with `subscription/edit`, `ac=unsubscribe`.
    pub async fn unsubscribe(&self, stream: &str) -> Result<(), SyncError> {
        self.post(
            "reader/api/0/subscription/edit",
            &[("ac", "unsubscribe".into()), ("s", stream.to_string())],
        )
        .await
        .map(|_| ())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn join(base: &url::Url, path: &str) -> url::Url {
    let mut url = base.clone();
    let joined = format!("{}/{path}", base.path().trim_end_matches('/'));
    url.set_path(&joined);
    url.set_query(None);
    url
}

impl super::Backend for Greader {
    fn token(&self) -> Option<Secret> {
        Greader::token(self)
    }

    fn requests(&self) -> usize {
        Greader::requests(self)
    }

    fn subscriptions(&self) -> super::Call<'_, Result<Vec<RemoteFeed>, SyncError>> {
        Box::pin(Greader::subscriptions(self))
    }

    fn items_after<'a>(
        &'a self,
        cursor: Option<&'a str>,
    ) -> super::Call<'a, Result<Page, SyncError>> {
        Box::pin(Greader::items_after(self, cursor))
    }

    fn flags(&self) -> super::Call<'_, Result<RemoteFlags, SyncError>> {
        Box::pin(Greader::flags(self))
    }

    fn push<'a>(&'a self, batch: &'a [Change]) -> super::Call<'a, (Vec<i64>, Option<SyncError>)> {
        Box::pin(Greader::push(self, batch))
    }

    fn subscribe<'a>(&'a self, url: &'a url::Url) -> super::Call<'a, Result<String, SyncError>> {
        Box::pin(Greader::subscribe(self, url))
    }

    fn unsubscribe<'a>(&'a self, remote_id: &'a str) -> super::Call<'a, Result<(), SyncError>> {
        Box::pin(Greader::unsubscribe(self, remote_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_the_base() {
        let base = url::Url::parse("https://rss.example.org/api/greader.php").unwrap();
        assert_eq!(
            join(&base, "reader/api/0/token").as_str(),
            "https://rss.example.org/api/greader.php/reader/api/0/token"
        );
    }
}
