//! Text from feeds is untrusted: before it reaches a terminal, escape
//! sequences and control characters are removed.

/// Cleans text for a single line: newlines and tabs become spaces, runs of
/// whitespace collapse.
pub fn line(s: &str) -> String {
    let cleaned = text(s);
    let mut out = String::with_capacity(cleaned.len());
    for word in cleaned.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Cleans multi-line text: keeps `\n` (and turns tabs into spaces), drops
/// escape sequences (CSI, OSC, DCS and the rest), other C0/C1 controls, and
/// bidirectional overrides that could disguise text.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI / OSC / DCS / APC / PM / SOS introduce sequences too.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{9f}' | '\u{9e}' | '\u{98}' => skip_string(&mut chars),
            c if c.is_control() => {}
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    out
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // Two-character sequences, possibly with intermediate bytes.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while let Some(&n) = chars.peek() {
                chars.next();
                if !('\u{20}'..='\u{2f}').contains(&n) {
                    break;
                }
            }
        }
        _ => {}
    }
}

/// Parameters and intermediates, then one final byte in @..~.
fn skip_csi(chars: &mut Chars) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// Until BEL, ST (ESC \) or the C1 ST.
fn skip_string(chars: &mut Chars) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escape_sequences() {
        assert_eq!(line("\x1b]0;pwned\x07Title"), "Title");
        assert_eq!(line("a\x1b[2Jb\x1b[31;1mc"), "abc");
        assert_eq!(line("x\x1bP1;2|data\x1b\\y"), "xy");
        assert_eq!(line("x\u{9b}31my"), "xy");
        assert_eq!(line("bell\x07 nul\x00 del\x7f"), "bell nul del");
        assert_eq!(line("evil\u{202e}txt.exe"), "eviltxt.exe");
        assert_eq!(line("\x1b(Bok"), "ok");
        assert_eq!(line("trailing\x1b"), "trailing");
        assert_eq!(line("trailing\x1b["), "trailing");
    }

    #[test]
    fn line_collapses_whitespace_text_keeps_lines() {
        assert_eq!(line("  a\n b\t\tc  "), "a b c");
        assert_eq!(text("a\r\nb\tc"), "a\nb    c");
        assert_eq!(text("naïve 日本 😀"), "naïve 日本 😀");
    }
}
