//! Markdown for common viewers: feed text escaped, links only http(s).

use super::Bulletin;

/// The bulletin as Markdown.
pub fn write(b: &Bulletin) -> String {
    let mut out = format!("# {}\n\n", escape(&b.title));
    out.push_str(&format!("{} · {}\n", escape(&b.period()), b.count()));
    if b.is_empty() {
        out.push_str("\nNothing new.\n");
    }
    for s in &b.sections {
        out.push_str(&format!("\n## {}\n", escape(&s.name)));
        for e in &s.entries {
            let title = escape(&e.title);
            match &e.link {
                Some(url) => out.push_str(&format!("\n### [{title}]({})\n", destination(url))),
                None => out.push_str(&format!("\n### {title}\n")),
            }
            out.push_str(&format!(
                "\n{} · {}\n",
                escape(&e.sources.join(", ")),
                e.day(b.zone)
            ));
            if !e.paragraph.is_empty() {
                out.push_str(&format!("\n{}\n", escape(&e.paragraph)));
            }
        }
    }
    out
}

/// A link destination: parentheses and spaces percent-encoded so the link
/// cannot end early (the URL was parsed, so `<`, `>` and quotes already are).
fn destination(url: &str) -> String {
    url.replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
}

/// One line of feed text as literal Markdown: inline metacharacters get a
/// backslash, and so does whatever would start a block (heading, list,
/// quote) at the start of the line.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '#'
                | '!'
                | '|'
                | '<'
                | '>'
                | '~'
                | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    match out.chars().next() {
        Some('-' | '+' | '=') => out.insert(0, '\\'),
        Some(c) if c.is_ascii_digit() => {
            // "1. " or "1) " would start an ordered list.
            let digits = out.chars().take_while(char::is_ascii_digit).count();
            if matches!(out[digits..].chars().next(), Some('.' | ')')) {
                out.insert(digits, '\\');
            }
        }
        _ => {}
    }
    out
}
