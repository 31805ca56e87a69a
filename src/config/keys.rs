//! Key names as written in the config's `[keys]` table and shown in the
//! help, and a binding of a key to an action.

use super::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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

    pub(crate) fn char(c: char) -> Key {
        Key::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    pub(crate) fn ctrl(c: char) -> Key {
        Key::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    pub(crate) fn code(code: KeyCode) -> Key {
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
