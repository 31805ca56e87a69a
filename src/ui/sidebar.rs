//! The sidebar's rows: smart views, saved views, then feeds grouped by tag,
//! each with its unread count; failing feeds marked.

use super::event::Snapshot;
use crate::model::FeedInfo;
use crate::store::ViewFilter;

#[derive(Debug, Clone, PartialEq)]
pub struct SidebarItem {
    /// None for a label that cannot be selected.
    pub view: Option<ViewFilter>,
    pub label: String,
    pub count: Option<u64>,
    pub failing: bool,
    pub depth: u8,
}

#[derive(Debug, Default)]
pub struct Sidebar {
    pub items: Vec<SidebarItem>,
    pub selected: usize,
    pub offset: usize,
}

/// The rows for the cache's current counts and feeds.
pub fn items(snapshot: &Snapshot) -> Vec<SidebarItem> {
    let c = snapshot.counts;
    let item = |view: Option<ViewFilter>, label: &str, count: Option<u64>, depth: u8| SidebarItem {
        view,
        label: label.to_string(),
        count,
        failing: false,
        depth,
    };
    let mut items = vec![
        item(Some(ViewFilter::All), "All", Some(c.all), 0),
        item(Some(ViewFilter::Unread), "Unread", Some(c.unread), 0),
        item(Some(ViewFilter::Starred), "Starred", Some(c.starred), 0),
    ];
    if !snapshot.views.is_empty() {
        items.push(item(None, "Views", None, 0));
    }
    for v in &snapshot.views {
        let view = ViewFilter::Saved {
            name: v.name.clone(),
            query: v.query.clone(),
        };
        items.push(item(Some(view), &v.name, Some(v.unread), 1));
    }
    let feeds = &snapshot.feeds;
    let mut tags: Vec<&String> = feeds.iter().flat_map(|f| &f.tags).collect();
    tags.sort();
    tags.dedup();
    let feed_item = |f: &FeedInfo| SidebarItem {
        view: Some(ViewFilter::Feed(f.id)),
        label: f.name.clone(),
        count: Some(f.unread),
        failing: f.failing(),
        depth: 1,
    };
    for tag in tags {
        let members: Vec<_> = feeds.iter().filter(|f| f.tags.contains(tag)).collect();
        let unread = members.iter().map(|f| f.unread).sum();
        items.push(SidebarItem {
            failing: members.iter().any(|f| f.failing()),
            ..item(Some(ViewFilter::Tag(tag.clone())), tag, Some(unread), 0)
        });
        items.extend(members.into_iter().map(feed_item));
    }
    let untagged: Vec<_> = feeds.iter().filter(|f| f.tags.is_empty()).collect();
    if !untagged.is_empty() {
        items.push(item(None, "Feeds", None, 0));
        items.extend(untagged.into_iter().map(feed_item));
    }
    items
}
