//! Plain text, wrapped for reading in a terminal or a plain e-mail.

use super::Bulletin;
use unicode_width::UnicodeWidthStr;

const WIDTH: usize = 76;

/// The bulletin as plain text.
pub fn write(b: &Bulletin) -> String {
    let mut out = format!("{}\n{} · {}\n", b.title, b.period(), b.count());
    if b.is_empty() {
        out.push_str("\nNothing new.\n");
    }
    for s in &b.sections {
        out.push_str(&format!("\n== {} ==\n", s.name));
        for e in &s.entries {
            out.push('\n');
            out.push_str(&wrap(&e.title, "* ", "  "));
            out.push_str(&format!("  {} · {}\n", e.sources.join(", "), e.day(b.zone)));
            if let Some(link) = &e.link {
                out.push_str(&format!("  {link}\n"));
            }
            if !e.paragraph.is_empty() {
                out.push_str(&wrap(&e.paragraph, "  ", "  "));
            }
        }
    }
    out
}

/// Words of `s` in lines of at most `WIDTH` columns, each line ending in
/// a newline.
fn wrap(s: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in s.split_whitespace() {
        if !empty && line.width() + 1 + word.width() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}
