//! Shared lists of sources (`[[list]]`): a team's feeds and saved views,
//! in TOML (the config's `[[feed]]` and `[[view]]` shape) or OPML, fetched
//! from an intranet page or a shared drive.
//!
//! A list is untrusted input. It can hold feeds (name, url, tags, kind,
//! refresh_minutes, HTML rules, full_text) and views (name, query, notify)
//! only; anything else is ignored with a warning. Every text is cleaned
//! like feed text, sizes and counts are capped, and its feeds are fetched
//! from their own host only.

use crate::config::{Config, FeedConfig, FeedKind, ListConfig, View};
use crate::fetch::http::{HttpClient, Response};
use crate::model::FetchState;
use crate::scrape::{ContentRule, HtmlRules};
use std::sync::Arc;
use toml::Value;

/// Largest list accepted, in bytes.
pub const MAX_BYTES: usize = 1024 * 1024;
/// Most feeds taken from one list; the rest are dropped with a warning.
pub const MAX_FEEDS: usize = 1000;
/// Most views taken from one list.
pub const MAX_VIEWS: usize = 100;
/// Longest name (feed or view), in characters.
const MAX_NAME: usize = 200;
/// Most tags per feed, and longest tag.
const MAX_TAGS: usize = 20;
const MAX_TAG: usize = 64;
/// Longest query and URL, in characters.
const MAX_QUERY: usize = 2000;
const MAX_URL: usize = 2000;
/// Most listing pages an HTML feed from a list may follow.
const MAX_PAGES: u32 = 10;
/// Most warnings kept for one list: a hostile list cannot flood the output.
const MAX_WARNINGS: usize = 20;

/// Settings only the local config may hold: commands, paths, sync, mail,
/// keys. Named in warnings as refused rather than unknown.
const NEVER: &[&str] = &[
    "settings",
    "sync",
    "mail",
    "keys",
    "theme",
    "list",
    "ignore",
    "notify_command",
    "browser",
    "command",
    "password",
    "password_command",
    "password_file",
    "user_agent",
    "local",
    "max_articles",
    "path",
    "file",
];

/// What a list holds, checked and cleaned.
#[derive(Debug, Clone, Default)]
pub struct ListDoc {
    pub feeds: Vec<FeedConfig>,
    pub views: Vec<View>,
    /// Beside each feed, its settings beyond name, url and tags (kind,
    /// HTML rules, full_text, refresh_minutes) as the list wrote them,
    /// cleaned: what `tidings import` writes back.
    pub extra: Vec<toml::Table>,
    /// Entries and keys left out, and why.
    pub warnings: Vec<String>,
}

impl ListDoc {
    fn warn(&mut self, w: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(w);
        } else if self.warnings.len() == MAX_WARNINGS {
            self.warnings.push("more problems not shown".into());
        }
    }
}

/// Reads a list's text (TOML, or OPML when it starts with `<`). Its feeds
/// are tagged with `list`'s name. Fails only when nothing of it can be
/// read; bad entries are dropped with a warning.
pub fn parse(text: &str, list: &str) -> Result<ListDoc, String> {
    if text.len() > MAX_BYTES {
        return Err(format!(
            "the list is {} bytes; at most {MAX_BYTES} are read",
            text.len()
        ));
    }
    let mut doc = if crate::import::Format::detect(text) == crate::import::Format::Opml {
        opml(text)?
    } else {
        toml_list(text)?
    };
    let tag = crate::import::tag_from(list);
    for f in &mut doc.feeds {
        f.list = Some(list.to_string());
        if let Some(tag) = &tag {
            if !f.tags.contains(tag) {
                f.tags.push(tag.clone());
            }
        }
    }
    for v in &mut doc.views {
        v.list = Some(list.to_string());
    }
    Ok(doc)
}

fn opml(text: &str) -> Result<ListDoc, String> {
    let (_, source) = crate::import::read("list", text).map_err(|e| e.to_string())?;
    let mut doc = ListDoc::default();
    for s in source.skipped {
        doc.warn(format!("{}: {}", clean(&s.what, MAX_NAME), s.reason));
    }
    for e in source.feeds {
        let mut t = toml::Table::new();
        if let Some(title) = e.title.filter(|t| !t.trim().is_empty()) {
            t.insert("name".into(), Value::String(title));
        }
        t.insert("url".into(), Value::String(e.url));
        t.insert(
            "tags".into(),
            Value::Array(e.tags.into_iter().map(Value::String).collect()),
        );
        feed(&mut doc, t);
    }
    Ok(doc)
}

fn toml_list(text: &str) -> Result<ListDoc, String> {
    let table: toml::Table = toml::from_str(text)
        .map_err(|e| format!("not a list (TOML or OPML): {}", clean(e.message(), 200)))?;
    let mut doc = ListDoc::default();
    for (key, value) in table {
        match (key.as_str(), value) {
            ("feed", Value::Array(items)) => {
                for item in items {
                    match item {
                        Value::Table(t) => feed(&mut doc, t),
                        _ => doc.warn("a [[feed]] entry is not a table; ignored".into()),
                    }
                }
            }
            ("view", Value::Array(items)) => {
                for item in items {
                    match item {
                        Value::Table(t) => view(&mut doc, t),
                        _ => doc.warn("a [[view]] entry is not a table; ignored".into()),
                    }
                }
            }
            ("feed" | "view", _) => doc.warn(format!("`{key}` must be [[{key}]] tables; ignored")),
            _ => {
                let w = refused(&key, "the list");
                doc.warn(w);
            }
        }
    }
    Ok(doc)
}

/// The warning for a key a list may not hold.
fn refused(key: &str, place: &str) -> String {
    let key = clean(key, 60);
    if NEVER.contains(&key.as_str()) {
        format!("{place} cannot set `{key}` (only your own config can); ignored")
    } else {
        format!("unknown key `{key}` in {place}; ignored")
    }
}

/// Text from the list: cleaned like feed text, on one line, capped.
fn clean(s: &str, max: usize) -> String {
    crate::sanitize::line(s).chars().take(max).collect()
}

fn string(v: &Value) -> Option<&str> {
    v.as_str()
}

/// Cleans every string in a value (HTML rules are selectors and formats).
fn clean_value(v: &mut Value) {
    match v {
        Value::String(s) => *s = clean(s, MAX_QUERY),
        Value::Array(a) => a.iter_mut().for_each(clean_value),
        Value::Table(t) => t.iter_mut().for_each(|(_, v)| clean_value(v)),
        _ => {}
    }
}

fn feed(doc: &mut ListDoc, mut t: toml::Table) {
    let raw_url = t.get("url").and_then(string).map(|u| clean(u, MAX_URL + 1));
    let Some(raw_url) = raw_url else {
        doc.warn("a feed without a url; ignored".into());
        return;
    };
    let url = match crate::config::parse_url(&raw_url) {
        Ok(u) if raw_url.chars().count() > MAX_URL => {
            doc.warn(format!(
                "feed {}: URL longer than {MAX_URL} characters; ignored",
                u.host_str().unwrap_or("")
            ));
            return;
        }
        Ok(u) if !u.username().is_empty() || u.password().is_some() => {
            doc.warn(format!(
                "feed at {}: a URL with a user name or password; ignored",
                u.host_str().unwrap_or("")
            ));
            return;
        }
        Ok(u) => u,
        Err(e) => {
            doc.warn(format!("feed: {e}; ignored"));
            return;
        }
    };
    let name = match t.get("name").and_then(string).map(|n| clean(n, MAX_NAME)) {
        Some(n) if !n.is_empty() => n,
        _ => url
            .host_str()
            .unwrap_or("feed")
            .trim_start_matches("www.")
            .to_string(),
    };
    let place = format!("feed \"{name}\"");
    if doc.feeds.len() >= MAX_FEEDS {
        doc.warn(format!(
            "more than {MAX_FEEDS} feeds; {place} and the rest ignored"
        ));
        return;
    }
    if let Some(first) = doc.feeds.iter().find(|f| f.url == url) {
        let w = format!(
            "{place} has the same URL as feed \"{}\"; ignored",
            first.name
        );
        doc.warn(w);
        return;
    }
    if doc.feeds.iter().any(|f| f.name.eq_ignore_ascii_case(&name)) {
        doc.warn(format!("{place} is named twice; the second is ignored"));
        return;
    }
    let mut feed = FeedConfig::new(&name, url, &[]);
    let mut extra = toml::Table::new();
    for (key, mut value) in std::mem::take(&mut t) {
        clean_value(&mut value);
        match key.as_str() {
            "name" | "url" => {}
            "tags" => {
                let tags = value.as_array().map(Vec::as_slice).unwrap_or_default();
                for tag in tags.iter().filter_map(string) {
                    let tag: String = tag
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join("-")
                        .chars()
                        .take(MAX_TAG)
                        .collect();
                    if !tag.is_empty() && !feed.tags.contains(&tag) && feed.tags.len() < MAX_TAGS {
                        feed.tags.push(tag);
                    }
                }
            }
            "kind" => match value.as_str() {
                Some("auto") => feed.kind = FeedKind::Auto,
                Some("feed") => {
                    feed.kind = FeedKind::Feed;
                    extra.insert(key, value);
                }
                Some("html") => {
                    feed.kind = FeedKind::Html;
                    extra.insert(key, value);
                }
                _ => doc.warn(format!(
                    "{place}: kind must be \"auto\", \"feed\" or \"html\"; auto used"
                )),
            },
            "refresh_minutes" => match value.as_integer().and_then(|m| u32::try_from(m).ok()) {
                Some(m) => {
                    feed.refresh_minutes = Some(m.min(7 * 24 * 60));
                    extra.insert(key, value);
                }
                None => doc.warn(format!(
                    "{place}: refresh_minutes must be a whole number; ignored"
                )),
            },
            "html" => {
                let rules: Result<HtmlRules, _> = value.clone().try_into();
                let compiled = rules
                    .map_err(|e| e.message().to_string())
                    .and_then(|mut r| {
                        r.max_pages = r.max_pages.map(|p| p.min(MAX_PAGES));
                        r.compile().map_err(|e| e.to_string())
                    });
                match compiled {
                    Ok(c) => {
                        feed.html = Some(Arc::new(c));
                        extra.insert(key, value);
                    }
                    Err(e) => {
                        doc.warn(format!("{place}: {}; the feed is ignored", clean(&e, 300)));
                        return;
                    }
                }
            }
            "full_text" => match value.as_str().map(|v| ContentRule::parse("full_text", v)) {
                Some(Ok(rule)) => {
                    feed.full_text = Some(Arc::new(rule));
                    extra.insert(key, value);
                }
                Some(Err(e)) => doc.warn(format!(
                    "{place}: {}; full_text ignored",
                    clean(&e.to_string(), 300)
                )),
                None => doc.warn(format!("{place}: full_text must be text; ignored")),
            },
            other => {
                let w = refused(other, &place);
                doc.warn(w);
            }
        }
    }
    if feed.kind == FeedKind::Html && feed.html.is_none() {
        doc.warn(format!(
            "{place} has kind = \"html\" but no [feed.html] rules; ignored"
        ));
        return;
    }
    if feed.kind == FeedKind::Html && feed.full_text.is_some() {
        feed.full_text = None;
        extra.remove("full_text");
        doc.warn(format!(
            "{place}: an HTML page takes its text from content in [feed.html]; full_text ignored"
        ));
    }
    doc.feeds.push(feed);
    doc.extra.push(extra);
}

fn view(doc: &mut ListDoc, t: toml::Table) {
    let name = t.get("name").and_then(string).map(|n| clean(n, MAX_NAME));
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        doc.warn("a view without a name; ignored".into());
        return;
    };
    let place = format!("view \"{name}\"");
    if doc.views.len() >= MAX_VIEWS {
        doc.warn(format!(
            "more than {MAX_VIEWS} views; {place} and the rest ignored"
        ));
        return;
    }
    if doc.views.iter().any(|v| v.name.eq_ignore_ascii_case(&name)) {
        doc.warn(format!("{place} is named twice; the second is ignored"));
        return;
    }
    let text = t
        .get("query")
        .and_then(string)
        .map(|q| clean(q, MAX_QUERY + 1));
    let Some(text) = text.filter(|q| q.chars().count() <= MAX_QUERY) else {
        doc.warn(format!(
            "{place}: a query of at most {MAX_QUERY} characters is needed; ignored"
        ));
        return;
    };
    let query = match crate::query::parse(&text) {
        Ok(q) => q,
        Err(e) => {
            doc.warn(format!(
                "{place}: invalid query: {}; ignored",
                clean(&e.to_string(), 300)
            ));
            return;
        }
    };
    let mut notify = false;
    for (key, value) in &t {
        match key.as_str() {
            "name" | "query" => {}
            "notify" => match value.as_bool() {
                Some(b) => notify = b,
                None => doc.warn(format!("{place}: notify must be true or false; ignored")),
            },
            other => {
                let w = refused(other, &place);
                doc.warn(w);
            }
        }
    }
    doc.views.push(View {
        name,
        text,
        query,
        notify,
        list: None,
    });
}

/// Adds a list's feeds and views to `config`, local choices first: a
/// feed whose URL the config (or an earlier list) already has keeps that
/// entry; `skip` turns feeds and views off; a view whose name is taken
/// keeps the local one. A listed feed whose name is taken is called
/// "NAME (LIST)". Returns what was left out for a clash.
pub fn merge(config: &mut Config, list: &ListConfig, doc: ListDoc) -> Vec<String> {
    let mut notes = Vec::new();
    for mut f in doc.feeds {
        if list.skips(Some(&f.url), &f.name) || config.feeds.iter().any(|c| c.url == f.url) {
            continue;
        }
        let taken =
            |config: &Config, n: &str| config.feeds.iter().any(|c| c.name.eq_ignore_ascii_case(n));
        if taken(config, &f.name) {
            let other = format!("{} ({})", f.name, list.name);
            if taken(config, &other) {
                notes.push(format!("feed \"{}\": the name is taken; ignored", f.name));
                continue;
            }
            f.name = other;
        }
        f.list = Some(list.name.clone());
        config.feeds.push(f);
    }
    for mut v in doc.views {
        if list.skips(None, &v.name) || config.view(&v.name).is_some() {
            continue;
        }
        v.list = Some(list.name.clone());
        config.views.push(v);
    }
    notes
}

impl Config {
    /// The config without what lists added.
    pub fn own(&self) -> Config {
        let mut c = self.clone();
        c.feeds.retain(|f| f.list.is_none());
        c.views.retain(|v| v.list.is_none());
        c
    }
}

/// `config` with the last good copy of each of its lists from the cache.
pub fn with_cached(config: &Config, store: &crate::store::Store) -> Config {
    with_copies(config, |url| match store.list_copy(url) {
        Ok(copy) => copy.map(|c| c.body),
        Err(e) => {
            tracing::warn!("cannot read the cached list {url}: {e}");
            None
        }
    })
}

/// `config` with each of its lists' copy that `copy` gives for its address.
pub fn with_copies(config: &Config, copy: impl Fn(&str) -> Option<String>) -> Config {
    let mut out = config.own();
    for list in &config.lists {
        let Some(body) = copy(list.url.as_str()) else {
            continue;
        };
        match parse(&body, &list.name) {
            Ok(doc) => {
                merge(&mut out, list, doc);
            }
            Err(e) => tracing::warn!("the cached list {} no longer reads: {e}", list.url),
        }
    }
    out
}

/// A list's fetch.
#[derive(Debug)]
pub enum Fetched {
    /// A new copy, with its validators.
    Body {
        text: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// Unchanged since the copy in the cache.
    NotModified,
}

/// Fetches a list with a conditional GET (or reads its file), at most
/// [`MAX_BYTES`].
pub async fn fetch(
    http: &HttpClient,
    url: &url::Url,
    cached: Option<&crate::store::ListCopy>,
) -> Result<Fetched, String> {
    if url.scheme() == "file" {
        let path = url
            .to_file_path()
            .map_err(|()| "not a local file path".to_string())?;
        let text = tokio::task::spawn_blocking(move || read_file(&path))
            .await
            .map_err(|e| e.to_string())??;
        if cached.is_some_and(|c| c.body == text) {
            return Ok(Fetched::NotModified);
        }
        return Ok(Fetched::Body {
            text,
            etag: None,
            last_modified: None,
        });
    }
    let state = FetchState {
        etag: cached.and_then(|c| c.etag.clone()),
        last_modified: cached.and_then(|c| c.last_modified.clone()),
        next_fetch_after: None,
    };
    match http.get(url, &state).await.map_err(|e| e.to_string())? {
        Response::NotModified { .. } => Ok(Fetched::NotModified),
        Response::Body {
            body,
            etag,
            last_modified,
            ..
        } => {
            if body.len() > MAX_BYTES {
                return Err(format!(
                    "the list is {} bytes; at most {MAX_BYTES} are read",
                    body.len()
                ));
            }
            let text =
                String::from_utf8(body).map_err(|_| "the list is not UTF-8 text".to_string())?;
            Ok(Fetched::Body {
                text,
                etag,
                last_modified,
            })
        }
    }
}

fn read_file(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read;
    let f =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    f.take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() > MAX_BYTES {
        return Err(format!("the list is larger than {MAX_BYTES} bytes"));
    }
    String::from_utf8(bytes).map_err(|_| "the list is not UTF-8 text".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::same_host;

    fn list(text: &str) -> ListDoc {
        parse(text, "Innovation team").unwrap()
    }

    #[test]
    fn feeds_and_views_with_rules() {
        let d = list(
            "[[feed]]\nname = \"NHS\"\nurl = \"https://nhs.test/feed\"\ntags = [\"nhs\"]\nfull_text = \"auto\"\n\
             [[feed]]\nname = \"Page\"\nurl = \"https://p.test/news\"\nkind = \"html\"\n\
             [feed.html]\nitem = \"article\"\ntitle = \"h2\"\n\
             [[view]]\nname = \"Week\"\nquery = \"tag:nhs since:7d\"\nnotify = true\n",
        );
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        assert_eq!(d.feeds.len(), 2);
        assert_eq!(d.feeds[0].tags, ["nhs", "Innovation-team"]);
        assert!(d.feeds[0].full_text.is_some());
        assert_eq!(d.feeds[0].list.as_deref(), Some("Innovation team"));
        assert!(d.feeds[1].html.is_some());
        assert_eq!(d.views[0].name, "Week");
        assert!(d.views[0].notify);
    }

    #[test]
    fn refuses_commands_paths_sync_and_unknown_keys() {
        let d = list(
            "browser = \"firefox\"\ncolour = 1\n\
             [settings]\nnotify_command = [\"sh\", \"-c\", \"evil\"]\n\
             [sync]\nkind = \"fever\"\n[mail]\nfrom = \"x\"\n[keys]\nx = \"quit\"\n\
             [[feed]]\nname = \"A\"\nurl = \"http://a.test/\"\nlocal = true\nmax_articles = 1\n\
             notify_command = [\"x\"]\nsparkle = 1\n\
             [[view]]\nname = \"V\"\nquery = \"x\"\ncommand = \"rm\"\n",
        );
        assert_eq!(d.feeds.len(), 1);
        assert!(!d.feeds[0].local);
        assert_eq!(d.feeds[0].max_articles, None);
        assert_eq!(d.views.len(), 1);
        let all = d.warnings.join("\n");
        for key in [
            "settings",
            "sync",
            "mail",
            "keys",
            "browser",
            "local",
            "max_articles",
            "notify_command",
            "command",
        ] {
            assert!(all.contains(&format!("cannot set `{key}`")), "{key}: {all}");
        }
        assert!(all.contains("unknown key `colour`"), "{all}");
        assert!(all.contains("unknown key `sparkle`"), "{all}");
    }

    #[test]
    fn bad_entries_are_dropped_and_text_cleaned() {
        let d = list(
            "[[feed]]\nname = \"Evil\\u001b[31m\\u202e name\"\nurl = \"http://a.test/\"\ntags = [\"a b\", \"\\u0007x\"]\n\
             [[feed]]\nname = \"File\"\nurl = \"file:///etc/passwd\"\n\
             [[feed]]\nname = \"Creds\"\nurl = \"http://me:pw@b.test/\"\n\
             [[feed]]\nname = \"Dup\"\nurl = \"http://a.test\"\n\
             [[feed]]\nname = \"Bad rules\"\nurl = \"http://c.test/\"\nkind = \"html\"\n[feed.html]\nitem = \"a[\"\n\
             [[view]]\nname = \"Q\"\nquery = \"(unclosed\"\n",
        );
        assert_eq!(d.feeds.len(), 1);
        assert_eq!(d.feeds[0].name, "Evil name");
        assert_eq!(d.feeds[0].tags, ["a-b", "x", "Innovation-team"]);
        assert!(d.views.is_empty());
        let all = d.warnings.join("\n");
        assert!(all.contains("scheme \"file\""), "{all}");
        assert!(all.contains("user name or password"), "{all}");
        assert!(!all.contains("pw@"), "{all}");
        assert!(all.contains("same URL"), "{all}");
        assert!(all.contains("invalid CSS selector"), "{all}");
        assert!(all.contains("invalid query"), "{all}");
        assert!(
            d.warnings
                .iter()
                .all(|w| !w.chars().any(crate::sanitize::is_hidden)),
            "{all}"
        );
    }

    #[test]
    fn caps() {
        let big = "#".repeat(MAX_BYTES + 1);
        assert!(parse(&big, "L").unwrap_err().contains("at most"));
        let mut text = String::new();
        for i in 0..MAX_FEEDS + 5 {
            text.push_str(&format!(
                "[[feed]]\nname = \"F{i}\"\nurl = \"http://x.test/{i}\"\n"
            ));
        }
        let d = list(&text);
        assert_eq!(d.feeds.len(), MAX_FEEDS);
        assert!(d
            .warnings
            .iter()
            .any(|w| w.contains("more than 1000 feeds")));
        assert!(d.warnings.len() <= MAX_WARNINGS + 1);
        let d = list(&format!(
            "[[feed]]\nname = \"{}\"\nurl = \"http://x.test/\"\nkind = \"html\"\n[feed.html]\nitem = \"a\"\nmax_pages = 500\n",
            "n".repeat(500)
        ));
        assert_eq!(d.feeds[0].name.chars().count(), MAX_NAME);
        assert_eq!(
            d.feeds[0].html.as_ref().map(|h| h.max_pages),
            Some(MAX_PAGES)
        );
        assert!(parse("not = [toml", "L")
            .unwrap_err()
            .contains("not a list"));
    }

    #[test]
    fn listed_feeds_stay_on_their_host() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        let feed = u("http://news.test/feed.xml");
        assert!(same_host(&feed, &u("http://news.test:80/a/1")));
        assert!(!same_host(&feed, &u("http://news.test:8080/a/1")));
        assert!(same_host(&feed, &u("https://news.test/a/1")));
        assert!(!same_host(&feed, &u("https://news.test:8443/a/1")));
        assert!(!same_host(&feed, &u("http://evil.test/a/1")));
        assert!(!same_host(&feed, &u("http://sub.news.test/a/1")));
        let config = Config::parse(
            std::path::Path::new("c.toml"),
            "[[feed]]\nname = \"Own\"\nurl = \"http://news.test/feed.xml\"\n",
        )
        .unwrap();
        let f = &config.feeds[0];
        let job = |origin| {
            let sub = crate::model::Subscription {
                id: crate::model::FeedId(1),
                origin,
            };
            crate::fetch::Job::new(sub, f, Default::default(), &config)
        };
        let listed = crate::model::Origin::List("Team".into());
        assert!(job(crate::model::Origin::Config).may_visit(&u("http://elsewhere.test/page")));
        assert!(!job(listed.clone()).may_visit(&u("http://elsewhere.test/page")));
        assert!(job(listed).may_visit(&u("http://news.test/page")));
    }

    #[test]
    fn opml_lists() {
        let d = list(
            "<?xml version=\"1.0\"?><opml version=\"2.0\"><body>\
             <outline text=\"nhs\"><outline text=\"NHS\" type=\"rss\" xmlUrl=\"https://nhs.test/feed\"/></outline>\
             <outline text=\"Plain\" type=\"rss\" xmlUrl=\"https://p.test/rss\"/>\
             </body></opml>",
        );
        let names: Vec<_> = d.feeds.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["NHS", "Plain"]);
        assert_eq!(d.feeds[0].tags, ["nhs", "Innovation-team"]);
    }

    #[test]
    fn local_config_wins_and_skips() {
        let mut config = Config::parse(
            std::path::Path::new("c.toml"),
            "[[feed]]\nname = \"Mine\"\nurl = \"http://a.test/\"\n\
             [[feed]]\nname = \"B\"\nurl = \"http://own.test/\"\n\
             [[view]]\nname = \"Week\"\nquery = \"since:7d\"\n\
             [[list]]\nname = \"Team\"\nurl = \"file:///tmp/l.toml\"\nskip = [\"http://c.test/\", \"Off view\"]\n",
        )
        .unwrap();
        let d = parse(
            "[[feed]]\nname = \"Listed A\"\nurl = \"http://a.test/\"\n\
             [[feed]]\nname = \"b\"\nurl = \"http://b.test/\"\n\
             [[feed]]\nname = \"C\"\nurl = \"http://c.test/\"\n\
             [[view]]\nname = \"week\"\nquery = \"x\"\n[[view]]\nname = \"Off view\"\nquery = \"y\"\n\
             [[view]]\nname = \"On\"\nquery = \"z\"\n",
            "Team",
        )
        .unwrap();
        let list = config.lists[0].clone();
        merge(&mut config, &list, d);
        let feeds: Vec<_> = config
            .feeds
            .iter()
            .map(|f| (f.name.as_str(), f.list.as_deref()))
            .collect();
        assert_eq!(
            feeds,
            [("Mine", None), ("B", None), ("b (Team)", Some("Team"))]
        );
        let views: Vec<_> = config.views.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(views, ["Week", "On"]);
        let own = config.own();
        assert_eq!((own.feeds.len(), own.views.len()), (2, 1));
    }

    #[test]
    fn list_entries_in_the_config() {
        let p = |t: &str| Config::parse(std::path::Path::new("c.toml"), t);
        let c =
            p("[[list]]\nname = \"T\"\nurl = \"https://intranet.test/sources.toml\"\n").unwrap();
        assert_eq!(
            c.lists[0].url.as_str(),
            "https://intranet.test/sources.toml"
        );
        let e = p("[[list]]\nname = \"T\"\nurl = \"ftp://x.test/\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("c.toml:3:7:") && e.contains("use http, https or file"),
            "{e}"
        );
        let e = p("[[list]]\nname = \"T\"\nurl = \"https://x.test/\"\ncommand = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `command`"), "{e}");
        let e = p("[[list]]\nname = \"T\"\nurl = \"https://x.test/\"\n[[list]]\nname = \"t\"\nurl = \"https://y.test/\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate list name"), "{e}");
    }
}
