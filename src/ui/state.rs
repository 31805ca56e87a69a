//! The last view and selected article, kept per cache in a small JSON
//! file so the next start opens where the user left off; and the layout,
//! kept for every cache.

use super::layout::Arrangement;
use crate::model::{ArticleId, FeedId};
use crate::store::ViewFilter;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    #[serde(default)]
    caches: BTreeMap<String, Entry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    layout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sidebar: Option<bool>,
}

/// How the user last arranged the panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub arrangement: Arrangement,
    pub sidebar: bool,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            arrangement: Arrangement::default(),
            sidebar: true,
        }
    }
}

/// The saved layout; the default when missing or unreadable.
pub fn load_layout(path: &Path) -> Layout {
    let file = read(path);
    Layout {
        arrangement: file
            .layout
            .as_deref()
            .and_then(Arrangement::from_name)
            .unwrap_or_default(),
        sidebar: file.sidebar.unwrap_or(true),
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    view: String,
    article: Option<i64>,
}

fn encode(view: &ViewFilter) -> String {
    match view {
        ViewFilter::All => "all".into(),
        ViewFilter::Unread => "unread".into(),
        ViewFilter::Starred => "starred".into(),
        ViewFilter::Feed(id) => format!("feed:{}", id.0),
        ViewFilter::Tag(t) => format!("tag:{t}"),
        ViewFilter::Saved { name, query } => format!("view:{name}\u{1f}{query}"),
    }
}

fn decode(s: &str) -> Option<ViewFilter> {
    Some(match s {
        "all" => ViewFilter::All,
        "unread" => ViewFilter::Unread,
        "starred" => ViewFilter::Starred,
        _ => match s.split_once(':')? {
            ("feed", id) => ViewFilter::Feed(FeedId(id.parse().ok()?)),
            ("tag", t) if !t.is_empty() => ViewFilter::Tag(t.to_string()),
            ("view", v) => {
                let (name, query) = v.split_once('\u{1f}')?;
                ViewFilter::Saved {
                    name: name.to_string(),
                    query: query.to_string(),
                }
            }
            _ => return None,
        },
    })
}

fn read(path: &Path) -> StateFile {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// The saved view and article for `cache`; nothing when missing or unreadable.
pub fn load(path: &Path, cache: &Path) -> Option<(ViewFilter, Option<ArticleId>)> {
    let file = read(path);
    let e = file.caches.get(&cache.to_string_lossy().into_owned())?;
    Some((decode(&e.view)?, e.article.map(ArticleId)))
}

/// Saves the view and article for `cache`, keeping other caches' entries,
/// and the layout.
pub fn save(
    path: &Path,
    cache: &Path,
    view: &ViewFilter,
    article: Option<ArticleId>,
    layout: Layout,
) -> std::io::Result<()> {
    let mut file = read(path);
    file.layout = Some(layout.arrangement.name().to_string());
    file.sidebar = Some(layout.sidebar);
    file.caches.insert(
        cache.to_string_lossy().into_owned(),
        Entry {
            view: encode(view),
            article: article.map(|a| a.0),
        },
    );
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(&file).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_per_cache() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s/ui-state.json");
        let (a, b) = (Path::new("/a.db"), Path::new("/b.db"));
        assert!(load(&p, a).is_none());
        assert_eq!(load_layout(&p), Layout::default());
        let l = Layout::default();
        save(&p, a, &ViewFilter::Tag("nhs".into()), Some(ArticleId(7)), l).unwrap();
        let listed = Layout {
            arrangement: Arrangement::ListOnly,
            sidebar: false,
        };
        save(&p, b, &ViewFilter::Feed(FeedId(3)), None, listed).unwrap();
        assert_eq!(load_layout(&p), listed);
        assert_eq!(
            load(&p, a),
            Some((ViewFilter::Tag("nhs".into()), Some(ArticleId(7))))
        );
        assert_eq!(load(&p, b), Some((ViewFilter::Feed(FeedId(3)), None)));
        std::fs::write(&p, "not json").unwrap();
        assert!(load(&p, a).is_none());
        assert_eq!(load_layout(&p), Layout::default());
        // A file from before layouts were kept still loads.
        std::fs::write(&p, r#"{"caches":{"/a.db":{"view":"all","article":null}}}"#).unwrap();
        assert_eq!(load(&p, a), Some((ViewFilter::All, None)));
        assert_eq!(load_layout(&p), Layout::default());
        for v in [ViewFilter::All, ViewFilter::Unread, ViewFilter::Starred] {
            assert_eq!(decode(&encode(&v)), Some(v));
        }
        assert_eq!(decode("feed:x"), None);
    }
}
