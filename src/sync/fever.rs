//! The Fever API: one endpoint, commands in the query string, the API key
//! (md5 of `username:password`) in the form body. A refused key is an
//! HTTP 200 answer with `"auth": 0`.
//!
//! Requests of a sync: `groups&feeds` (when the runner asks), then
//! `items&since_id=N` until a page is short, then
//! `unread_item_ids&saved_item_ids`; one `mark` per change. A refused cached
//! key is made again from the password once. The API cannot subscribe.
//! Servers that answer only one command per request get the missing one
//! asked separately.

use super::{Credentials, Page, RemoteFlags, Secret, SyncError};
use crate::model::ParsedArticle;
use crate::store::{Change, Flag, RemoteFeed, RemoteItem};
use futures_util::StreamExt;
use md5::{Digest, Md5};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Items per page, as the API defines.
pub const PAGE: usize = 50;
/// Marks in flight at once.
const PUSH_CONCURRENCY: usize = 4;

pub struct Fever {
    http: reqwest::Client,
    url: url::Url,
    creds: Credentials,
    api_key: Mutex<Option<Secret>>,
    /// Made the key from the password again in this run already.
    renewed: AtomicBool,
    requests: AtomicUsize,
}

impl Fever {
    pub fn new(
        http: reqwest::Client,
        url: url::Url,
        api_key: Option<Secret>,
        creds: Credentials,
    ) -> Fever {
        Fever {
            http,
            url,
            creds,
            api_key: Mutex::new(api_key),
            renewed: AtomicBool::new(false),
            requests: AtomicUsize::new(0),
        }
    }

    /// The API key: lowercase hex md5 of `username:password`.
    pub fn api_key(username: &str, password: &Secret) -> Secret {
        let digest = Md5::digest(format!("{username}:{}", password.expose()).as_bytes());
        Secret::new(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The key in use, once known.
    pub fn token(&self) -> Option<Secret> {
        lock(&self.api_key).clone()
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    fn key_from_password(&self) -> Result<Secret, SyncError> {
        let key = Fever::api_key(&self.creds.username, &self.creds.password()?);
        *lock(&self.api_key) = Some(key.clone());
        Ok(key)
    }

    /// One call; a refused cached key is made again from the password once.
    async fn call(&self, commands: &str, form: &[(&str, &str)]) -> Result<Value, SyncError> {
        let key = match self.token() {
            Some(k) => k,
            None => self.key_from_password()?,
        };
        match self.call_with(&key, commands, form).await {
            Err(SyncError::Auth { .. }) if !self.renewed.swap(true, Ordering::Relaxed) => {
                let fresh = self.key_from_password()?;
                if fresh == key {
                    return Err(SyncError::Auth {
                        url: self.url.to_string(),
                    });
                }
                self.call_with(&fresh, commands, form).await
            }
            other => other,
        }
    }

    async fn call_with(
        &self,
        key: &Secret,
        commands: &str,
        form: &[(&str, &str)],
    ) -> Result<Value, SyncError> {
        let mut url = self.url.clone();
        if commands.is_empty() {
            url.set_query(Some("api"));
        } else {
            url.set_query(Some(&format!("api&{commands}")));
        }
        let mut body: Vec<(&str, &str)> = vec![("api_key", key.expose())];
        body.extend_from_slice(form);
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = self
            .http
            .post(url)
            .form(&body)
            .send()
            .await
            .map_err(|e| super::network(&self.url, e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(SyncError::Http {
                url: self.url.to_string(),
                status: status.as_u16(),
            });
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| super::network(&self.url, e))?;
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|_| super::protocol(&self.url, "the answer is not JSON"))?;
        if v.get("auth").and_then(as_i64) != Some(1) {
            return Err(SyncError::Auth {
                url: self.url.to_string(),
            });
        }
        Ok(v)
    }

    /// Calls `commands` (joined by `&`) in one request where the server
    /// allows, asking separately for any whose answer (`keys`) is missing.
    async fn call_all(&self, commands: &[(&str, &str)]) -> Result<Value, SyncError> {
        let joined: Vec<&str> = commands.iter().map(|(c, _)| *c).collect();
        let mut v = self.call(&joined.join("&"), &[]).await?;
        for (command, key) in commands {
            if v.get(key).is_none() {
                let more = self.call(command, &[]).await?;
                if let (Some(obj), Some(value)) = (v.as_object_mut(), more.get(key)) {
                    obj.insert((*key).to_string(), value.clone());
                    if let Some(fg) = more.get("feeds_groups") {
                        obj.insert("feeds_groups".into(), fg.clone());
                    }
                }
            }
        }
        Ok(v)
    }

    /// The subscriptions, with their groups as tags. Also checks the key.
    pub async fn subscriptions(&self) -> Result<Vec<RemoteFeed>, SyncError> {
        let v = self
            .call_all(&[("groups", "groups"), ("feeds", "feeds")])
            .await?;
        let groups: HashMap<String, String> = list(&v, "groups")
            .iter()
            .filter_map(|g| Some((id_of(g.get("id")?)?, text(g, "title")?)))
            .collect();
        let mut tags: HashMap<String, Vec<String>> = HashMap::new();
        for fg in list(&v, "feeds_groups") {
            let Some(group) = fg.get("group_id").and_then(id_of) else {
                continue;
            };
            let Some(title) = groups.get(&group) else {
                continue;
            };
            for feed in text(fg, "feed_ids").unwrap_or_default().split(',') {
                let feed = feed.trim();
                if !feed.is_empty() {
                    tags.entry(feed.to_string())
                        .or_default()
                        .push(title.clone());
                }
            }
        }
        let feeds = list(&v, "feeds")
            .iter()
            .filter_map(|f| {
                let id = id_of(f.get("id")?)?;
                Some(RemoteFeed {
                    title: text(f, "title").unwrap_or_default(),
                    url: text(f, "url").unwrap_or_default(),
                    site_url: text(f, "site_url").filter(|s| !s.is_empty()),
                    tags: tags.remove(&id).unwrap_or_default(),
                    remote_id: id,
                })
            })
            .collect();
        Ok(feeds)
    }

    /// Up to 50 items with ids above `since` (an item id), lowest first.
    pub async fn items_after(&self, since: Option<&str>) -> Result<Page, SyncError> {
        let since: u64 = since.and_then(|s| s.parse().ok()).unwrap_or(0);
        let v = self.call(&format!("items&since_id={since}"), &[]).await?;
        let raw = list(&v, "items");
        let mut cursor = since;
        let mut items = Vec::with_capacity(raw.len());
        for it in raw {
            let Some(id) = it.get("id").and_then(as_u64) else {
                continue;
            };
            let Some(feed) = it.get("feed_id").and_then(id_of) else {
                continue;
            };
            cursor = cursor.max(id);
            let flag = |k: &str| it.get(k).and_then(as_i64).unwrap_or(0) != 0;
            items.push(RemoteItem {
                remote_id: id.to_string(),
                feed,
                article: ParsedArticle {
                    guid: id.to_string(),
                    title: text(it, "title").unwrap_or_default(),
                    link: text(it, "url").filter(|s| !s.is_empty()),
                    author: text(it, "author").filter(|s| !s.is_empty()),
                    published: it
                        .get("created_on_time")
                        .and_then(as_i64)
                        .filter(|t| *t > 0)
                        .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
                    content: text(it, "html").filter(|s| !s.is_empty()),
                    ..Default::default()
                },
                read: flag("is_read"),
                starred: flag("is_saved"),
            });
        }
        Ok(Page {
            done: raw.len() < PAGE || cursor == since,
            items,
            cursor: cursor.to_string(),
            total: v.get("total_items").and_then(as_u64),
        })
    }

    /// The ids of unread and of saved items.
    pub async fn flags(&self) -> Result<RemoteFlags, SyncError> {
        let v = self
            .call_all(&[
                ("unread_item_ids", "unread_item_ids"),
                ("saved_item_ids", "saved_item_ids"),
            ])
            .await?;
        let ids = |key: &str| -> Result<Vec<String>, SyncError> {
            let s = text(&v, key)
                .ok_or_else(|| super::protocol(&self.url, &format!("no {key} in the answer")))?;
            Ok(s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect())
        };
        Ok(RemoteFlags {
            unread: ids("unread_item_ids")?,
            starred: ids("saved_item_ids")?,
        })
    }

    /// Marks each item of the batch, a few requests at a time (the API
    /// marks one item per request).
    pub async fn push(&self, batch: &[Change]) -> (Vec<i64>, Option<SyncError>) {
        let results: Vec<(i64, Result<(), SyncError>)> = futures_util::stream::iter(batch)
            .map(|c| async move { (c.seq, self.mark(c).await) })
            .buffer_unordered(PUSH_CONCURRENCY)
            .collect()
            .await;
        let mut acked = Vec::with_capacity(results.len());
        let mut error = None;
        for (seq, r) in results {
            match r {
                Ok(()) => acked.push(seq),
                Err(e) => error = error.or(Some(e)),
            }
        }
        (acked, error)
    }

    /// Marks one item; `mark`, `as` and `id` go in the body.
    async fn mark(&self, change: &Change) -> Result<(), SyncError> {
        let as_ = match (change.flag, change.value) {
            (Flag::Read, true) => "read",
            (Flag::Read, false) => "unread",
            (Flag::Starred, true) => "saved",
            (Flag::Starred, false) => "unsaved",
        };
        let form = [
            ("mark", "item"),
            ("as", as_),
            ("id", change.remote_id.as_str()),
        ];
        match self.call("", &form).await {
            // 404: the item is gone from the server; nothing left to change.
            Ok(_) | Err(SyncError::Http { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Servers send ids as numbers or as strings of digits.
fn id_of(v: &Value) -> Option<String> {
    as_u64(v).map(|n| n.to_string())
}

fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

impl super::Backend for Fever {
    fn token(&self) -> Option<Secret> {
        Fever::token(self)
    }

    fn requests(&self) -> usize {
        Fever::requests(self)
    }

    /// No sign-in request, and one call for both flag lists.
    fn lists_cheaply(&self) -> bool {
        true
    }

    fn subscriptions(&self) -> super::Call<'_, Result<Vec<RemoteFeed>, SyncError>> {
        Box::pin(Fever::subscriptions(self))
    }

    fn items_after<'a>(
        &'a self,
        cursor: Option<&'a str>,
    ) -> super::Call<'a, Result<Page, SyncError>> {
        Box::pin(Fever::items_after(self, cursor))
    }

    fn flags(&self) -> super::Call<'_, Result<RemoteFlags, SyncError>> {
        Box::pin(Fever::flags(self))
    }

    fn push<'a>(&'a self, batch: &'a [Change]) -> super::Call<'a, (Vec<i64>, Option<SyncError>)> {
        Box::pin(Fever::push(self, batch))
    }

    fn subscribe<'a>(&'a self, _: &'a url::Url) -> super::Call<'a, Result<String, SyncError>> {
        Box::pin(async { Err(SyncError::Unsupported(super::FEVER_CANNOT_SUBSCRIBE.into())) })
    }

    fn unsubscribe<'a>(&'a self, _: &'a str) -> super::Call<'a, Result<(), SyncError>> {
        Box::pin(async { Err(SyncError::Unsupported(super::FEVER_CANNOT_SUBSCRIBE.into())) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_is_md5_of_user_and_password() {
        // md5("me@example.org:correct horse")
        let key = Fever::api_key("me@example.org", &Secret::new("correct horse".into()));
        assert_eq!(key.expose().len(), 32);
        let empty = Fever::api_key("", &Secret::new(String::new()));
        // md5(":")
        assert_eq!(empty.expose(), "853ae90f0351324bd73ea615e6487517");
    }

    #[test]
    fn ids_as_numbers_or_strings() {
        assert_eq!(id_of(&serde_json::json!(12)), Some("12".into()));
        assert_eq!(id_of(&serde_json::json!("12")), Some("12".into()));
        assert_eq!(id_of(&serde_json::json!("x")), None);
        assert_eq!(as_i64(&serde_json::json!(true)), Some(1));
    }
}
