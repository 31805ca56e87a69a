//! What a Google Reader server says about items: the items of a
//! `stream/contents` answer, their ids in short and long form, and the
//! cursor a pull keeps between requests.

use super::{READ, STARRED};
use crate::model::ParsedArticle;
use crate::store::RemoteItem;
use serde_json::Value;

/// Items of a `stream/contents` or `stream/items/contents` answer, noting
/// the newest crawl second and the ids seen in it in `c`.
pub(super) fn parse_items(v: &Value, c: &mut Cursor) -> Vec<RemoteItem> {
    let raw = v
        .get("items")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let mut items = Vec::with_capacity(raw.len());
    for it in raw {
        let Some(id) = it.get("id").and_then(Value::as_str).and_then(short_id) else {
            continue;
        };
        let Some(feed) = it.get("origin").and_then(|o| str_of(o, "streamId")) else {
            continue;
        };
        let at = seen_at(it);
        if at > c.newest {
            c.newest = at;
            c.newest_seen = vec![id.clone()];
        } else if at == c.newest && !c.newest_seen.contains(&id) {
            c.newest_seen.push(id.clone());
        }
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
    items
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Cursor {
    /// `ot`: the crawl second of the newest item seen (0: none yet).
    #[serde(default)]
    pub(super) since: i64,
    /// Ids of the items crawled in that second, already stored.
    #[serde(default)]
    pub(super) seen: Vec<String>,
    /// A pull is in progress.
    #[serde(default)]
    pub(super) active: bool,
    /// The first pull's continuation.
    #[serde(default)]
    pub(super) continuation: Option<String>,
    /// A later pull's ids still to read.
    #[serde(default)]
    pub(super) pending: Vec<String>,
    /// The newest crawl second in the pull so far, and its ids.
    #[serde(default)]
    pub(super) newest: i64,
    #[serde(default)]
    pub(super) newest_seen: Vec<String>,
}

impl Cursor {
    pub(super) fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

pub(super) fn str_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The time an item reached the server, in seconds: crawl time, else the
/// timestamp, else publication.
pub(super) fn seen_at(it: &Value) -> i64 {
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
pub(super) fn state_is(category: &str, state: &str) -> bool {
    let tail = state.trim_start_matches("user/-/");
    category.starts_with("user/") && category.ends_with(tail)
}

/// Item ids come long (`tag:google.com,2005:reader/item/<16 hex>`) or short
/// (decimal); both become decimal.
pub(super) fn short_id(id: &str) -> Option<String> {
    if let Some(hex) = id.strip_prefix("tag:google.com,2005:reader/item/") {
        return u64::from_str_radix(hex, 16).ok().map(|n| n.to_string());
    }
    let n: i64 = id.parse().ok()?;
    // Short ids are signed 64-bit; negative ones are the upper half.
    Some((n as u64).to_string())
}

pub(super) fn long_id(short: &str) -> String {
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
    fn the_newest_second_and_its_ids_are_noted() {
        let item = |id: u64, usec: u64| {
            serde_json::json!({
                "id": format!("tag:google.com,2005:reader/item/{id:016x}"),
                "timestampUsec": usec.to_string(),
                "crawlTimeMsec": (usec / 1000).to_string(),
                "origin": {"streamId": "feed/1"},
                "title": "t",
            })
        };
        let v = serde_json::json!({"items": [
            item(10, 1_700_000_000_100_000),
            item(11, 1_700_000_001_200_000),
            item(12, 1_700_000_001_900_000),
            {"id": "not an id", "origin": {"streamId": "feed/1"}},
        ]});
        let mut c = Cursor::default();
        let items = parse_items(&v, &mut c);
        assert_eq!(items.len(), 3);
        assert_eq!(c.newest, 1_700_000_001);
        assert_eq!(c.newest_seen, ["11", "12"]);
        // The same items again change nothing; an older one is not noted.
        let again = serde_json::json!({"items": [item(12, 1_700_000_001_900_000), item(9, 1_600_000_000_000_000)]});
        parse_items(&again, &mut c);
        assert_eq!(c.newest_seen, ["11", "12"]);
        // An old cursor (before the seen ids were kept) still reads.
        let old: Cursor =
            serde_json::from_str(r#"{"since":5,"newest":5,"continuation":null}"#).unwrap();
        assert_eq!((old.since, old.seen.len(), old.active), (5, 0, false));
    }
}
