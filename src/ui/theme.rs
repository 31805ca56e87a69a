//! Colours and text styles. Defaults use the 16 basic colours; with
//! `NO_COLOR` set every colour is dropped and only bold, reverse and
//! underline remain, so the selection stays visible.

pub use crate::config::theme::{parse_color, ThemeConfig, THEME_KEYS};
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub base: Style,
    pub border: Style,
    pub border_focus: Style,
    pub title: Style,
    pub dim: Style,
    pub unread: Style,
    pub star: Style,
    pub error: Style,
    pub highlight: Style,
    pub selected: Style,
    pub heading: Style,
    pub status: Style,
    pub link: Style,
}

impl Theme {
    /// The theme for `config`, without colours when `no_color`.
    pub fn new(config: &ThemeConfig, no_color: bool) -> Theme {
        let c = |set: Option<Color>, default: Color| -> Option<Color> {
            (!no_color).then_some(set.unwrap_or(default))
        };
        let fg = |color: Option<Color>| match color {
            Some(col) => Style::new().fg(col),
            None => Style::new(),
        };
        let hc = config.high_contrast;
        // High contrast: bright colours, and text never dimmed to grey.
        let pick = |normal: Color, high: Color| if hc { high } else { normal };
        let accent = c(config.accent, pick(Color::Cyan, Color::LightCyan));
        let dim = c(config.dim, pick(Color::DarkGray, Color::White));
        let mut selected = Style::new().add_modifier(Modifier::REVERSED);
        if hc && !no_color {
            selected = Style::new()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(Modifier::BOLD);
        }
        if !no_color {
            if let Some(col) = config.selection_fg {
                selected = selected.fg(col).remove_modifier(Modifier::REVERSED);
                if let Some(bg) = config.selection_bg {
                    selected = selected.bg(bg);
                }
            } else if let Some(bg) = config.selection_bg {
                selected = Style::new().bg(bg);
            }
        }
        Theme {
            base: Style::new(),
            border: fg(dim),
            border_focus: fg(c(config.accent, pick(Color::Cyan, Color::LightYellow)))
                .add_modifier(Modifier::BOLD),
            title: Style::new().add_modifier(Modifier::BOLD),
            dim: fg(dim),
            unread: fg(c(config.unread, pick(Color::Yellow, Color::LightYellow)))
                .add_modifier(Modifier::BOLD),
            star: fg(c(config.star, pick(Color::Yellow, Color::LightYellow))),
            error: fg(c(config.error, pick(Color::Red, Color::LightRed)))
                .add_modifier(Modifier::BOLD),
            highlight: fg(c(
                config.highlight,
                pick(Color::Magenta, Color::LightMagenta),
            ))
            .add_modifier(Modifier::UNDERLINED),
            selected,
            heading: fg(accent).add_modifier(Modifier::BOLD),
            status: Style::new().add_modifier(Modifier::REVERSED),
            link: fg(accent).add_modifier(Modifier::UNDERLINED),
        }
    }

    /// `NO_COLOR` is set to anything non-empty.
    pub fn no_color_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::new(&ThemeConfig::default(), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse() {
        assert_eq!(parse_color("red"), Ok(Color::Red));
        assert_eq!(parse_color("LightBlue"), Ok(Color::LightBlue));
        assert_eq!(parse_color("#ff8000"), Ok(Color::Rgb(255, 128, 0)));
        assert_eq!(parse_color("208"), Ok(Color::Indexed(208)));
        assert!(parse_color("blurple").is_err());
    }

    #[test]
    fn no_color_keeps_selection_visible() {
        let cfg = ThemeConfig {
            selection_bg: Some(Color::Blue),
            ..Default::default()
        };
        let t = Theme::new(&cfg, true);
        assert_eq!(t.selected, Style::new().add_modifier(Modifier::REVERSED));
        assert_eq!(t.unread.fg, None);
        assert_eq!(t.error.fg, None);
        let t = Theme::new(&cfg, false);
        assert_eq!(t.selected.bg, Some(Color::Blue));
    }

    #[test]
    fn high_contrast_has_no_grey_and_keeps_overrides() {
        let cfg = ThemeConfig {
            high_contrast: true,
            error: Some(Color::Red),
            ..Default::default()
        };
        let t = Theme::new(&cfg, false);
        assert_eq!(t.dim.fg, Some(Color::White));
        assert_eq!(t.border.fg, Some(Color::White));
        assert_eq!(t.error.fg, Some(Color::Red));
        assert_eq!(t.selected.bg, Some(Color::LightYellow));
        // NO_COLOR wins.
        let t = Theme::new(&cfg, true);
        assert_eq!(t.dim.fg, None);
        assert_eq!(t.selected, Style::new().add_modifier(Modifier::REVERSED));
    }
}
