//! What the user asks for, as produced by the keymap.

/// A bindable command. Names in the `[keys]` table are the snake_case
/// forms returned by [`Action::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    MoveDown,
    MoveUp,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    NextPane,
    PaneLeft,
    PaneRight,
    Open,
    Back,
    /// Back; at the top level, quit.
    Close,
    Quit,
    Filter,
    NextArticle,
    PrevArticle,
    ToggleRead,
    MarkAllRead,
    Undo,
    ToggleStar,
    Refresh,
    RefreshAll,
    OpenLink,
    /// Opens link N (1-9) of the article in the reader.
    OpenLinkN(u8),
    CopyLink,
    /// Asks for a digit, then copies link N (1-9) of the article in the
    /// reader.
    CopyLinkN,
    /// In the reader, the next copy of the story shown.
    NextCopy,
    /// The next arrangement of the panes.
    CycleLayout,
    ToggleSidebar,
    /// Reads the whole article from its page (feeds of summaries).
    FullText,
    /// Writes a bulletin of the view to share.
    Bulletin,
    Help,
    ShowErrors,
    /// The last status messages.
    MessageLog,
}

/// Groups shown in the help overlay, in order.
pub const GROUPS: &[(&str, &[Action])] = &[
    (
        "Moving",
        &[
            Action::MoveDown,
            Action::MoveUp,
            Action::Top,
            Action::Bottom,
            Action::HalfPageDown,
            Action::HalfPageUp,
            Action::PageDown,
            Action::PageUp,
            Action::NextPane,
            Action::PaneLeft,
            Action::PaneRight,
        ],
    ),
    ("Layout", &[Action::CycleLayout, Action::ToggleSidebar]),
    (
        "Reading",
        &[
            Action::Open,
            Action::Back,
            Action::Close,
            Action::NextArticle,
            Action::PrevArticle,
            Action::OpenLink,
            Action::OpenLinkN(1),
            Action::CopyLink,
            Action::CopyLinkN,
            Action::FullText,
            Action::NextCopy,
        ],
    ),
    ("Filtering", &[Action::Filter]),
    (
        "Marking",
        &[
            Action::ToggleRead,
            Action::ToggleStar,
            Action::MarkAllRead,
            Action::Undo,
        ],
    ),
    ("Refreshing", &[Action::Refresh, Action::RefreshAll]),
    (
        "Other",
        &[
            Action::Bulletin,
            Action::ShowErrors,
            Action::MessageLog,
            Action::Help,
            Action::Quit,
        ],
    ),
];

const NAMED: &[(&str, Action)] = &[
    ("move_down", Action::MoveDown),
    ("move_up", Action::MoveUp),
    ("top", Action::Top),
    ("bottom", Action::Bottom),
    ("half_page_down", Action::HalfPageDown),
    ("half_page_up", Action::HalfPageUp),
    ("page_down", Action::PageDown),
    ("page_up", Action::PageUp),
    ("next_pane", Action::NextPane),
    ("pane_left", Action::PaneLeft),
    ("pane_right", Action::PaneRight),
    ("open", Action::Open),
    ("back", Action::Back),
    ("close", Action::Close),
    ("quit", Action::Quit),
    ("filter", Action::Filter),
    ("next_article", Action::NextArticle),
    ("prev_article", Action::PrevArticle),
    ("toggle_read", Action::ToggleRead),
    ("mark_all_read", Action::MarkAllRead),
    ("undo", Action::Undo),
    ("toggle_star", Action::ToggleStar),
    ("refresh", Action::Refresh),
    ("refresh_all", Action::RefreshAll),
    ("open_link", Action::OpenLink),
    ("copy_link", Action::CopyLink),
    ("copy_link_n", Action::CopyLinkN),
    ("next_copy", Action::NextCopy),
    ("cycle_layout", Action::CycleLayout),
    ("toggle_sidebar", Action::ToggleSidebar),
    ("full_text", Action::FullText),
    ("bulletin", Action::Bulletin),
    ("help", Action::Help),
    ("show_errors", Action::ShowErrors),
    ("message_log", Action::MessageLog),
];

impl Action {
    /// The action named `name` (`open_link_1`..`open_link_9` for links).
    pub fn from_name(name: &str) -> Option<Action> {
        if let Some(n) = name.strip_prefix("open_link_") {
            return match n.parse::<u8>() {
                Ok(n @ 1..=9) => Some(Action::OpenLinkN(n)),
                _ => None,
            };
        }
        NAMED.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    /// Every action name accepted in `[keys]`, for error messages.
    pub fn names() -> String {
        let mut names: Vec<&str> = NAMED.iter().map(|(n, _)| *n).collect();
        names.push("open_link_1..open_link_9");
        names.push("none");
        names.join(", ")
    }

    /// What the action does, for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Action::MoveDown => "down",
            Action::MoveUp => "up",
            Action::Top => "first",
            Action::Bottom => "last",
            Action::HalfPageDown => "half a page down",
            Action::HalfPageUp => "half a page up",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::NextPane => "next pane",
            Action::PaneLeft => "pane to the left",
            Action::PaneRight => "pane to the right",
            Action::Open => "open",
            Action::Back => "back, close, clear the filter",
            Action::Close => "back; quit at the top",
            Action::Quit => "quit",
            Action::Filter => "filter the list",
            Action::NextArticle => "next article (marks read)",
            Action::PrevArticle => "previous article (marks read)",
            Action::ToggleRead => "toggle read",
            Action::MarkAllRead => "mark all in view read",
            Action::Undo => "undo mark all read",
            Action::ToggleStar => "toggle star",
            Action::Refresh => "refresh selected feed",
            Action::RefreshAll => "refresh all feeds",
            Action::OpenLink => "open link in browser",
            Action::OpenLinkN(_) => "open link N in reader",
            Action::CopyLink => "copy link",
            Action::CopyLinkN => "then 1–9: copy link N in reader",
            Action::NextCopy => "next copy of the story in reader",
            Action::CycleLayout => "next layout",
            Action::ToggleSidebar => "hide or show the sidebar",
            Action::FullText => "fetch the whole article",
            Action::Bulletin => "bulletin of the view (7 days)",
            Action::Help => "this help",
            Action::ShowErrors => "feed errors",
            Action::MessageLog => "recent messages",
        }
    }

    /// What the action does, as the end of "Press j to …", for the help
    /// of the screen-reader mode.
    pub fn sentence(self) -> &'static str {
        match self {
            Action::MoveDown => "move down",
            Action::MoveUp => "move up",
            Action::Top => "go to the first row, or the top of the article",
            Action::Bottom => "go to the last row, or the end of the article",
            Action::HalfPageDown => "move half a page down",
            Action::HalfPageUp => "move half a page up",
            Action::PageDown => "move a page down",
            Action::PageUp => "move a page up",
            Action::NextPane => "go to the next pane: views and feeds, articles, the article",
            Action::PaneLeft => "go to the pane before",
            Action::PaneRight => "go to the pane after, or open the article",
            Action::Open => "open the selected view or article",
            Action::Back => "go back, close what is open, or clear the filter",
            Action::Close => "go back, and quit from the list",
            Action::Quit => "quit",
            Action::Filter => "filter the list; type the filter, Enter keeps it",
            Action::NextArticle => "read the next article, marking it read",
            Action::PrevArticle => "read the previous article, marking it read",
            Action::ToggleRead => "mark the article read or unread",
            Action::MarkAllRead => "mark every article in the view read",
            Action::Undo => "undo marking them all read",
            Action::ToggleStar => "star the article, or remove its star",
            Action::Refresh => "refresh the selected feed",
            Action::RefreshAll => "refresh every feed",
            Action::OpenLink => "open the article's page in the browser",
            Action::OpenLinkN(_) => "open link 1 to 9 of the article",
            Action::CopyLink => "copy the article's link",
            Action::CopyLinkN => "copy a numbered link: then press its number",
            Action::NextCopy => "read the next copy of the story, from another source",
            Action::CycleLayout => "change how panes share a wide screen",
            Action::ToggleSidebar => "hide or show the views and feeds on a wide screen",
            Action::FullText => "fetch the whole article from its page",
            Action::Bulletin => "write a bulletin of the view's last 7 days",
            Action::Help => "hear this help",
            Action::ShowErrors => "list the feeds that fail and why",
            Action::MessageLog => "list the last messages",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (name, action) in NAMED {
            assert_eq!(Action::from_name(name), Some(*action));
        }
        assert_eq!(Action::from_name("open_link_3"), Some(Action::OpenLinkN(3)));
        assert_eq!(Action::from_name("open_link_0"), None);
        assert_eq!(Action::from_name("open_link_10"), None);
        assert_eq!(Action::from_name("launch"), None);
    }
}
