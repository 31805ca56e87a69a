//! Keys to actions: the defaults, `[keys]` overrides from the config, and
//! key names as written in the config and shown in the help.

use super::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;

/// A key with its modifiers, normalised so that `A` and `shift-a` are the
/// same key and Shift is never recorded for characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        match code {
            KeyCode::Char(c) => {
                let c = if mods.contains(KeyModifiers::SHIFT) {
                    c.to_uppercase().next().unwrap_or(c)
                } else {
                    c
                };
                Key {
                    code: KeyCode::Char(c),
                    mods: mods - KeyModifiers::SHIFT,
                }
            }
            KeyCode::BackTab => Key {
                code,
                mods: mods - KeyModifiers::SHIFT,
            },
            _ => Key { code, mods },
        }
    }

    pub fn from_event(ev: &KeyEvent) -> Key {
        Key::new(ev.code, ev.modifiers)
    }

    fn char(c: char) -> Key {
        Key::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> Key {
        Key::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn code(code: KeyCode) -> Key {
        Key::new(code, KeyModifiers::NONE)
    }
}

const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("space", KeyCode::Char(' ')),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("escape", KeyCode::Esc),
    ("return", KeyCode::Enter),
];

/// Parses a key as written in the config: `j`, `G`, `?`, `ctrl-d`,
/// `alt-enter`, `shift-tab`, `pgdn`, `f5`, `space`.
pub fn parse_key(text: &str) -> Result<Key, String> {
    let bad = |why: &str| Err(format!("\"{text}\" is not a key: {why}"));
    let mut mods = KeyModifiers::NONE;
    let mut rest = text;
    // A trailing "-" is the minus key itself ("ctrl--").
    while let Some((head, tail)) = rest.split_once('-').filter(|(_, t)| !t.is_empty()) {
        mods |= match head.to_ascii_lowercase().as_str() {
            "ctrl" | "c" | "control" => KeyModifiers::CONTROL,
            "alt" | "a" | "meta" | "m" => KeyModifiers::ALT,
            "shift" | "s" => KeyModifiers::SHIFT,
            _ => return bad("modifiers are ctrl-, alt- and shift-"),
        };
        rest = tail;
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (None, _) => return bad("empty"),
        (Some(c), None) if !c.is_control() => KeyCode::Char(c),
        (Some(_), None) => return bad("control character"),
        _ => {
            let lower = rest.to_ascii_lowercase();
            if let Some((_, code)) = NAMED_KEYS.iter().find(|(n, _)| *n == lower) {
                *code
            } else if let Some(n) = lower
                .strip_prefix('f')
                .and_then(|n| n.parse::<u8>().ok())
                .filter(|n| (1..=24).contains(n))
            {
                KeyCode::F(n)
            } else {
                return bad(
                    "use a character or a name such as enter, esc, tab, space, up, pgdn, f1",
                );
            }
        }
    };
    let code = match code {
        KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
        c => c,
    };
    Ok(Key::new(code, mods))
}

/// A key as shown in the help: `j`, `G`, `Ctrl-d`, `PgDn`, `Space`.
pub fn format_key(key: Key) -> String {
    let mut out = String::new();
    if key.mods.contains(KeyModifiers::CONTROL) {
        out.push_str("Ctrl-");
    }
    if key.mods.contains(KeyModifiers::ALT) {
        out.push_str("Alt-");
    }
    if key.mods.contains(KeyModifiers::SHIFT) {
        out.push_str("Shift-");
    }
    let name = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Insert => "Ins".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    out.push_str(&name);
    out
}

/// A key as a screen reader should say it: arrows and ranges in words.
pub fn spoken_key(name: &str) -> String {
    match name {
        "↑" => "Up".into(),
        "↓" => "Down".into(),
        "←" => "Left".into(),
        "→" => "Right".into(),
        "PgDn" => "Page Down".into(),
        "PgUp" => "Page Up".into(),
        "Esc" => "Escape".into(),
        "Del" => "Delete".into(),
        "Ins" => "Insert".into(),
        _ => name
            .replace('–', " to ")
            .replace('↑', "Up")
            .replace('↓', "Down")
            .replace('←', "Left")
            .replace('→', "Right"),
    }
}

/// One `[keys]` entry: a key and the action it runs (None = unbound).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub key: Key,
    pub action: Option<Action>,
}

/// Parses a `[keys]` entry; the error says which half is wrong.
pub fn parse_binding(key: &str, action: &str) -> Result<Binding, (bool, String)> {
    let key = parse_key(key).map_err(|e| (true, e))?;
    let action = match action {
        "none" => None,
        name => Some(Action::from_name(name).ok_or_else(|| {
            (
                false,
                format!(
                    "unknown action \"{name}\"; actions are: {}",
                    Action::names()
                ),
            )
        })?),
    };
    Ok(Binding { key, action })
}

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
