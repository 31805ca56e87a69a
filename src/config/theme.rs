//! Colours as written in the config's `[theme]` table.

use ratatui::style::Color;

/// Colour overrides from the `[theme]` table; None keeps the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThemeConfig {
    pub accent: Option<Color>,
    pub dim: Option<Color>,
    pub unread: Option<Color>,
    pub star: Option<Color>,
    pub error: Option<Color>,
    pub highlight: Option<Color>,
    pub selection_fg: Option<Color>,
    pub selection_bg: Option<Color>,
    /// The high-contrast preset: bright colours only, no dim grey.
    pub high_contrast: bool,
}

/// The `[theme]` keys, for error messages.
pub const THEME_KEYS: &[&str] = &[
    "accent",
    "dim",
    "unread",
    "star",
    "error",
    "highlight",
    "selection_fg",
    "selection_bg",
    "preset",
];

/// Parses a colour: a name (`red`, `lightblue`, `darkgray`, `reset`), an
/// index 0-255, or `#rrggbb`.
pub fn parse_color(text: &str) -> Result<Color, String> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u8>() {
        return Ok(Color::Indexed(n));
    }
    t.parse::<Color>().map_err(|_| {
        format!(
            "\"{text}\" is not a colour: use a name such as red or lightblue, 0-255, or #rrggbb"
        )
    })
}
