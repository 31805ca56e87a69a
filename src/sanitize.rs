//! Text from feeds is untrusted: before it reaches a terminal or another
//! program, escape sequences, control characters, bidirectional controls and
//! invisible characters are removed.
//!
//! Only ESC-introduced escape sequences are parsed as sequences. A C1 control
//! (U+0080..U+009F) in decoded text is one stray character, often mojibake
//! (the last byte of a UTF-8 quote read as windows-1252), and is dropped
//! alone: it never swallows the text after it.

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

/// Cleans multi-line text: keeps `\n` (a lone `\r` and U+2028 become one,
/// U+2029 a blank line; tabs become spaces), drops escape sequences (CSI,
/// OSC, DCS and the rest), other C0/C1 controls, bidirectional controls and
/// invisible characters (a zero-width joiner inside an emoji sequence stays).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\u{2028}' => out.push('\n'),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\u{2029}' => out.push_str("\n\n"),
            '\t' => out.push_str("    "),
            '\u{1b}' => skip_escape(&mut chars),
            '\u{200d}' => {
                let joins = out.chars().next_back().is_some_and(ends_emoji)
                    && chars.peek().copied().is_some_and(is_emoji);
                if joins {
                    out.push(c);
                }
            }
            c if is_hidden(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Characters that must never reach a terminal or another program as they
/// are: controls (C0, DEL, C1), bidirectional controls, zero-width and other
/// invisible format characters, line/paragraph separators and tags.
/// [`text`] removes them (keeping `\n` and emoji joiners); JSON output
/// escapes them.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00ad}'                      // soft hyphen
            | '\u{034f}'                    // combining grapheme joiner
            | '\u{061c}'                    // Arabic letter mark
            | '\u{17b4}' | '\u{17b5}'       // Khmer inherent vowels
            | '\u{180e}'                    // Mongolian vowel separator
            | '\u{200b}'..='\u{200f}'       // zero-width space/(non-)joiner, LRM, RLM
            | '\u{2028}' | '\u{2029}'       // line and paragraph separators
            | '\u{202a}'..='\u{202e}'       // bidi embeddings and overrides
            | '\u{2060}'..='\u{206f}'       // word joiner, invisible operators, isolates
            | '\u{3164}' | '\u{ffa0}'       // Hangul fillers
            | '\u{feff}'                    // zero-width no-break space (BOM)
            | '\u{fff9}'..='\u{fffb}'       // interlinear annotations
            | '\u{1bca0}'..='\u{1bca3}'     // shorthand format controls
            | '\u{1d173}'..='\u{1d17a}'     // musical format controls
            | '\u{e0000}'..='\u{e007f}'     // tags
        )
}

/// Pictographs that take part in emoji ZWJ sequences (a superset of
/// Extended_Pictographic, close enough to decide where a joiner joins).
fn is_emoji(c: char) -> bool {
    matches!(c,
        '\u{00a9}' | '\u{00ae}' | '\u{203c}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{21ff}'
        | '\u{2300}'..='\u{23ff}'
        | '\u{24c2}'
        | '\u{25a0}'..='\u{27bf}'
        | '\u{2934}' | '\u{2935}'
        | '\u{2b00}'..='\u{2bff}'
        | '\u{3030}' | '\u{303d}' | '\u{3297}' | '\u{3299}'
        | '\u{1f000}'..='\u{1faff}'
    )
}

/// What may come just before a joining ZWJ: an emoji, its presentation
/// selector (U+FE0F) or a keycap.
fn ends_emoji(c: char) -> bool {
    is_emoji(c) || c == '\u{fe0f}' || c == '\u{20e3}'
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars);
        }
        // Intermediate bytes, then one final byte.
        Some(_) => {
            skip_while(chars, '\u{20}'..='\u{2f}');
            skip_one(chars, '\u{30}'..='\u{7e}');
        }
        None => {}
    }
}

/// Parameter bytes, intermediate bytes, then one final byte in @..~. A
/// malformed sequence ends at the first byte that does not fit, which is
/// kept as text.
fn skip_csi(chars: &mut Chars) {
    skip_while(chars, '\u{30}'..='\u{3f}');
    skip_while(chars, '\u{20}'..='\u{2f}');
    skip_one(chars, '\u{40}'..='\u{7e}');
}

fn skip_while(chars: &mut Chars, range: std::ops::RangeInclusive<char>) {
    while chars.next_if(|c| range.contains(c)).is_some() {}
}

fn skip_one(chars: &mut Chars, range: std::ops::RangeInclusive<char>) {
    chars.next_if(|c| range.contains(c));
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

/// `value` as pretty-printed JSON in which every character [`is_hidden`]
/// (controls, DEL, C1, bidi, zero-width, separators, tags) is written as a
/// `\uXXXX` escape, so the output is safe to show in a terminal and
/// decodes to exactly the same strings.
pub fn to_json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, SafeJson::default());
    value.serialize(&mut ser)?;
    String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.to_string()))
}

/// serde_json's pretty formatter, escaping hidden characters in strings.
#[derive(Default)]
struct SafeJson(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_hidden(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(w, "\\u{u:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Text as HTML (or XML) character data or attribute value.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escape_sequences() {
        assert_eq!(line("\x1b]0;pwned\x07Title"), "Title");
        assert_eq!(line("a\x1b[2Jb\x1b[31;1mc"), "abc");
        assert_eq!(line("x\x1bP1;2|data\x1b\\y"), "xy");
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

    #[test]
    fn c1_controls_are_single_characters() {
        // UTF-8 quotes decoded as windows-1252: the closing quote ends in
        // U+009D, which must not hide the rest of the title.
        let title = "He said \u{e2}\u{20ac}\u{153}hello\u{e2}\u{20ac}\u{9d} and left end";
        assert_eq!(
            line(title),
            "He said \u{e2}\u{20ac}\u{153}hello\u{e2}\u{20ac} and left end"
        );
        assert_eq!(line("x\u{9b}31my"), "x31my");
        assert_eq!(
            line("a\u{90}b\u{9e}c\u{9f}d\u{98}e\u{9c}f\u{85}g"),
            "abcdefg"
        );
        // Real (ESC-introduced) sequences are still removed whole, and a
        // malformed one keeps the text after it.
        assert_eq!(line("a\x1b]0;t\u{9c}b"), "ab");
        assert_eq!(line("a\x1b[31;1mb"), "ab");
        assert_eq!(line("a\x1b[\u{e9}t\u{e9}"), "a\u{e9}t\u{e9}");
    }

    #[test]
    fn invisible_characters_are_removed() {
        for c in [
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{2060}',
            '\u{feff}',
            '\u{ad}',
            '\u{200e}',
            '\u{200f}',
            '\u{61c}',
            '\u{e0001}',
            '\u{e0041}',
            '\u{e007f}',
            '\u{2066}',
            '\u{202e}',
        ] {
            let s = format!("pay{c}pal");
            assert_eq!(line(&s), "paypal", "{:?}", c);
            assert_eq!(text(&s), "paypal", "{:?}", c);
            assert!(is_hidden(c), "{:?}", c);
        }
        assert!(!is_hidden('a') && !is_hidden('\u{e9}') && !is_hidden('\u{fe0f}'));
    }

    #[test]
    fn emoji_joiners_stay() {
        for s in [
            "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}", // family
            "\u{1f3f3}\u{fe0f}\u{200d}\u{1f308}",          // rainbow flag
            "\u{2764}\u{fe0f}\u{200d}\u{1f525}",           // heart on fire
            "\u{1f469}\u{1f3fd}\u{200d}\u{1f4bb}",         // technologist, skin tone
            "\u{1f3c3}\u{200d}\u{2640}\u{fe0f}",           // woman running
        ] {
            assert_eq!(text(s), s);
        }
        assert_eq!(text("a\u{200d}\u{1f600}"), "a\u{1f600}");
        assert_eq!(text("\u{1f600}\u{200d}b"), "\u{1f600}b");
        assert_eq!(text("\u{1f600}\u{200d}"), "\u{1f600}");
    }

    #[test]
    fn line_and_paragraph_separators_break_lines() {
        assert_eq!(text("one\u{2028}two\u{2029}three"), "one\ntwo\n\nthree");
        assert_eq!(text("a\rb\r\nc"), "a\nb\nc");
        assert_eq!(line("one\u{2028}two\u{2029}three"), "one two three");
    }

    #[test]
    fn json_escapes_every_hidden_character() {
        let title = "a\u{7f}b\u{9b}31mc\u{202e}d\u{200b}e\u{2028}f\u{e0041}g\x1b[2Jh";
        let json = to_json_pretty(&serde_json::json!([{ "title": title, "k\u{9d}": 1 }])).unwrap();
        assert!(json.is_ascii(), "{json}");
        for esc in [
            "\\u007f",
            "\\u009b",
            "\\u202e",
            "\\u200b",
            "\\u2028",
            "\\udb40\\udc41",
            "\\u001b",
            "\\u009d",
        ] {
            assert!(json.contains(esc), "{esc} missing in {json}");
        }
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back[0]["title"], title);
        assert_eq!(back[0]["k\u{9d}"], 1);
        // Pretty-printed as before, and ordinary text is left alone.
        assert_eq!(
            to_json_pretty(&serde_json::json!({"t": "naïve 日本 😀 \"q\""})).unwrap(),
            "{\n  \"t\": \"naïve 日本 😀 \\\"q\\\"\"\n}"
        );
    }
}
