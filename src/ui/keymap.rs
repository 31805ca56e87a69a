//! Keys to actions: the defaults, `[keys]` overrides from the config, and
//! key names as written in the config and shown in the help.

use super::action::Action;
pub use crate::config::keys::{format_key, parse_binding, parse_key, spoken_key, Binding, Key};
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Keymap {
    map: HashMap<Key, Action>,
}

fn defaults() -> Vec<(Key, Action)> {
    use Action::*;
    let mut d = vec![
        (Key::char('j'), MoveDown),
        (Key::code(KeyCode::Down), MoveDown),
        (Key::char('k'), MoveUp),
        (Key::code(KeyCode::Up), MoveUp),
        (Key::char('g'), Top),
        (Key::code(KeyCode::Home), Top),
        (Key::char('G'), Bottom),
        (Key::code(KeyCode::End), Bottom),
        (Key::ctrl('d'), HalfPageDown),
        (Key::ctrl('u'), HalfPageUp),
        (Key::code(KeyCode::PageDown), PageDown),
        (Key::char(' '), PageDown),
        (Key::code(KeyCode::PageUp), PageUp),
        (Key::code(KeyCode::Tab), NextPane),
        (Key::char('h'), PaneLeft),
        (Key::code(KeyCode::Left), PaneLeft),
        (Key::char('l'), PaneRight),
        (Key::code(KeyCode::Right), PaneRight),
        (Key::code(KeyCode::Enter), Open),
        (Key::char('q'), Close),
        (Key::code(KeyCode::Esc), Back),
        (Key::ctrl('c'), Quit),
        (Key::char('/'), Filter),
        (Key::char('n'), NextArticle),
        (Key::char(']'), NextArticle),
        (Key::char('N'), PrevArticle),
        (Key::char('['), PrevArticle),
        (Key::char('m'), ToggleRead),
        (Key::char('A'), MarkAllRead),
        (Key::char('u'), Undo),
        (Key::char('s'), ToggleStar),
        (Key::char('r'), Refresh),
        (Key::char('R'), RefreshAll),
        (Key::char('o'), OpenLink),
        (Key::char('y'), CopyLink),
        (Key::char('Y'), CopyLinkN),
        (Key::char('a'), NextCopy),
        (Key::char('L'), CycleLayout),
        (Key::char('S'), ToggleSidebar),
        (Key::char('F'), FullText),
        (Key::char('b'), Bulletin),
        (Key::char('?'), Help),
        (Key::char('e'), ShowErrors),
        (Key::char('M'), MessageLog),
    ];
    for n in 1..=9u8 {
        d.push((Key::char(char::from(b'0' + n)), OpenLinkN(n)));
    }
    d
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            map: defaults().into_iter().collect(),
        }
    }
}

impl Keymap {
    /// The defaults with the config's bindings applied in order.
    pub fn new(bindings: &[Binding]) -> Keymap {
        let mut km = Keymap::default();
        for b in bindings {
            match b.action {
                Some(a) => km.map.insert(b.key, a),
                None => km.map.remove(&b.key),
            };
        }
        km
    }

    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        self.map.get(&Key::from_event(ev)).copied()
    }

    /// The keys bound to `action`, as shown in the help (links 1-9 as one).
    pub fn keys_for(&self, action: Action) -> Vec<String> {
        let mut keys: Vec<(u8, String)> = self
            .map
            .iter()
            .filter(|(_, a)| match (action, **a) {
                (Action::OpenLinkN(_), Action::OpenLinkN(_)) => true,
                (x, y) => x == y,
            })
            .map(|(k, _)| (rank(k), format_key(*k)))
            .collect();
        keys.sort();
        let mut names: Vec<String> = keys.into_iter().map(|(_, n)| n).collect();
        if matches!(action, Action::OpenLinkN(_))
            && names.len() > 1
            && names.iter().all(|n| n.len() == 1)
        {
            let first = names.first().cloned().unwrap_or_default();
            let last = names.last().cloned().unwrap_or_default();
            names = vec![format!("{first}–{last}")];
        }
        names
    }
}

/// Help order: plain characters, then named keys, then modified ones.
fn rank(k: &Key) -> u8 {
    match (k.code, k.mods.is_empty()) {
        (KeyCode::Char(' '), true) => 2,
        (KeyCode::Char(_), true) => 0,
        (_, true) => 1,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    #[test]
    fn parses_keys() {
        assert_eq!(parse_key("j").unwrap(), Key::char('j'));
        assert_eq!(
            parse_key("G").unwrap(),
            Key::new(KeyCode::Char('G'), KeyModifiers::NONE)
        );
        assert_eq!(parse_key("shift-g").unwrap(), Key::char('G'));
        assert_eq!(parse_key("ctrl-d").unwrap(), Key::ctrl('d'));
        assert_eq!(
            parse_key("Ctrl-Alt-x").unwrap().mods,
            KeyModifiers::CONTROL | KeyModifiers::ALT
        );
        assert_eq!(parse_key("pgdn").unwrap(), Key::code(KeyCode::PageDown));
        assert_eq!(parse_key("PageUp").unwrap(), Key::code(KeyCode::PageUp));
        assert_eq!(parse_key("space").unwrap(), Key::char(' '));
        assert_eq!(parse_key("f5").unwrap(), Key::code(KeyCode::F(5)));
        assert_eq!(parse_key("shift-tab").unwrap(), Key::code(KeyCode::BackTab));
        assert_eq!(parse_key("-").unwrap(), Key::char('-'));
        assert_eq!(parse_key("ctrl--").unwrap(), Key::ctrl('-'));
        assert_eq!(parse_key("é").unwrap(), Key::char('é'));
        for bad in ["", "hyper-x", "ctrl-", "f0", "f25", "enterr", "\u{7}"] {
            assert!(parse_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn events_match_regardless_of_shift_reporting() {
        let km = Keymap::default();
        let ev = |code, mods| KeyEvent::new(code, mods);
        assert_eq!(
            km.action(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('G'), KeyModifiers::NONE)),
            Some(Action::Bottom)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Action::Help)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::HalfPageDown)
        );
        assert_eq!(km.action(&ev(KeyCode::Char('x'), KeyModifiers::NONE)), None);
    }

    #[test]
    fn overrides_and_unbinding() {
        let b = |k: &str, a: &str| parse_binding(k, a).unwrap();
        let km = Keymap::new(&[b("x", "quit"), b("q", "none"), b("ctrl-n", "move_down")]);
        let ev = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(km.action(&ev('x')), Some(Action::Quit));
        assert_eq!(km.action(&ev('q')), None);
        assert_eq!(km.keys_for(Action::Quit), ["x", "Ctrl-c"]);
        assert_eq!(km.keys_for(Action::MoveDown), ["j", "↓", "Ctrl-n"]);
        assert_eq!(km.keys_for(Action::OpenLinkN(1)), ["1–9"]);
        assert_eq!(km.keys_for(Action::CopyLinkN), ["Y"]);
        assert!(matches!(parse_binding("x", "launch"), Err((false, _))));
        assert!(matches!(parse_binding("hyper-x", "quit"), Err((true, _))));
    }
}
