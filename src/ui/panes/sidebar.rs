//! The sidebar's rows: smart views, saved views, then feeds grouped by tag,
//! each with its unread count; failing feeds marked.

use super::{clamp_add, keep_in_view, step, WHEEL_STEP};
use crate::model::FeedInfo;
use crate::store::ViewFilter;
use crate::ui::event::Snapshot;
use crate::ui::text;
use std::collections::HashMap;

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
    /// Columns the rows need, borders included (kept from `rebuild`).
    pub width: u16,
}

impl Sidebar {
    /// The view of the selected row.
    pub fn selected_view(&self) -> Option<&ViewFilter> {
        self.items.get(self.selected).and_then(|i| i.view.as_ref())
    }

    /// Moves the selection by `delta`, skipping labels; true when it moved.
    pub fn move_by(&mut self, delta: isize, height: usize) -> bool {
        let items = &self.items;
        if items.is_empty() {
            return false;
        }
        let mut i = clamp_add(self.selected, delta, items.len());
        // Labels cannot be selected: go on in the same direction, else back.
        let dir: isize = if delta < 0 { -1 } else { 1 };
        while items.get(i).is_some_and(|it| it.view.is_none()) {
            let next = i.checked_add_signed(dir).filter(|n| *n < items.len());
            match next {
                Some(n) => i = n,
                None => {
                    i = self.selected;
                    break;
                }
            }
        }
        let moved = i != self.selected;
        self.selected = i;
        keep_in_view(&mut self.offset, i, height);
        moved
    }

    /// The mouse wheel: scrolls without moving the selection.
    pub fn wheel(&mut self, down: bool, height: usize) {
        let max = self.items.len().saturating_sub(height);
        self.offset = step(self.offset, WHEEL_STEP, down).min(max);
    }

    /// A click on inner row `row`: selects a view there, and returns it.
    pub fn click(&mut self, row: usize) -> Option<ViewFilter> {
        let i = self.offset + row;
        let view = self.items.get(i).and_then(|it| it.view.clone())?;
        self.selected = i;
        Some(view)
    }

    /// Columns the rows need, borders included (as drawn by the sidebar
    /// view: marker, indent, failure mark, label, count).
    fn width_wanted(&self) -> u16 {
        let need = self
            .items
            .iter()
            .map(|it| {
                let flag = if it.failing && it.depth > 0 { 2 } else { 0 };
                let count = it.count.map_or(0, |c| c.to_string().len());
                2 + 2 * usize::from(it.depth) + flag + text::width(&it.label) + 1 + count
            })
            .max()
            .unwrap_or(0);
        u16::try_from(need + 2).unwrap_or(u16::MAX)
    }

    /// New rows for new counts, keeping the selected view (else `current`).
    /// Rows for `snapshot`, with `badges` (new alerts per view name) after
    /// the views' names; the selection stays on its view.
    pub fn rebuild(
        &mut self,
        snapshot: &Snapshot,
        current: &ViewFilter,
        height: usize,
        badges: &HashMap<String, usize>,
    ) {
        let selected_view = self
            .selected_view()
            .cloned()
            .unwrap_or_else(|| current.clone());
        let mut items = items(snapshot);
        for item in &mut items {
            if let Some(ViewFilter::Saved { name, .. }) = &item.view {
                if let Some(n) = badges.get(name) {
                    item.label = format!("{} +{n}", item.label);
                }
            }
        }
        self.selected = items
            .iter()
            .position(|i| i.view.as_ref() == Some(&selected_view))
            .unwrap_or(0);
        self.items = items;
        self.width = self.width_wanted();
        keep_in_view(&mut self.offset, self.selected, height);
    }
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
