//! HTML as text: the one function that turns a feed's HTML into text.
//!
//! Its callers want different text from the same HTML, so it takes a
//! [`Layout`] rather than there being one function per caller:
//! - a title is one line, where every tag separates words;
//! - the full-text index and story comparison want words: formatting
//!   tags inside a word (`H<sub>2</sub>O`) must not split it, and spacing
//!   does not matter;
//! - a reader wants paragraphs, lists and links laid out and wrapped,
//!   which is html2text's job.
//!
//! The first two share one scanner: tags and comments dropped, `<script>`
//! and `<style>` contents skipped, character references decoded.

use crate::sanitize;

/// What the text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One line, as a title: every tag is a space; runs of whitespace
    /// become one space, trimmed.
    Line,
    /// Words, for the full-text index and stories: block tags are spaces,
    /// inline formatting tags (`<b>`, `<a>`, `<sub>`...) vanish; spacing
    /// is kept as written. The index stores what the tokenizer makes of
    /// this text, so a change here changes what new rows match.
    Words,
    /// Lines to read, wrapped at `columns`: paragraphs, lists and quotes
    /// laid out, links numbered with their addresses listed at the end,
    /// sanitised for the terminal.
    Wrapped { columns: usize },
}

/// `html` (or plain text, which passes through apart from `&` references)
/// as text laid out for `layout`.
pub fn html_to_text(html: &str, layout: Layout) -> String {
    match layout {
        Layout::Line => super::collapse(&strip(html, false)),
        Layout::Words => strip(html, true),
        Layout::Wrapped { columns } => laid_out(html, columns),
    }
}

/// HTML laid out by html2text at `columns`, with link footnotes.
fn laid_out(html: &str, columns: usize) -> String {
    let html = separators_as_breaks(html);
    let text = html2text::config::plain()
        .link_footnotes(true)
        .string_from_read(html.as_bytes(), columns)
        .unwrap_or_else(|_| html.to_string());
    sanitize::text(text.trim_end())
}

/// U+2028 (line separator) and U+2029 (paragraph separator) as HTML line
/// breaks: HTML would otherwise collapse them like spaces.
pub fn separators_as_breaks(html: &str) -> std::borrow::Cow<'_, str> {
    if !html.contains(['\u{2028}', '\u{2029}']) {
        return html.into();
    }
    html.replace('\u{2028}', "<br>")
        .replace('\u{2029}', "<br><br>")
        .into()
}

/// Tags, comments and the contents of `<script>` and `<style>` dropped,
/// references decoded. Each tag becomes a space, except inline formatting
/// tags when `join_inline`.
fn strip(html: &str, join_inline: bool) -> String {
    let mut out = String::with_capacity(html.len());
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let Some(off) = bytes.get(i..).and_then(|r| memchr::memchr2(b'<', b'&', r)) else {
            out.push_str(html.get(i..).unwrap_or(""));
            break;
        };
        out.push_str(html.get(i..i + off).unwrap_or(""));
        i += off;
        if bytes.get(i) == Some(&b'&') {
            match decode_entity(html.get(i..).unwrap_or("")) {
                Some((c, len)) => {
                    out.push(c);
                    i += len;
                }
                None => {
                    out.push('&');
                    i += 1;
                }
            }
            continue;
        }
        // At '<'.
        let rest = html.get(i..).unwrap_or("");
        if rest.starts_with("<!--") {
            i = rest.find("-->").map_or(bytes.len(), |e| i + e + 3);
            out.push(' ');
            continue;
        }
        let next = bytes.get(i + 1).copied().unwrap_or(b' ');
        // `<` not opening a tag (e.g. "a < b") is text.
        if !(next.is_ascii_alphabetic() || matches!(next, b'/' | b'!' | b'?')) {
            out.push('<');
            i += 1;
            continue;
        }
        let closing = next == b'/';
        let name_start = i + 1 + usize::from(closing);
        let name_len = bytes.get(name_start..).map_or(0, |b| {
            b.iter().take_while(|b| b.is_ascii_alphanumeric()).count()
        });
        let name = html.get(name_start..name_start + name_len).unwrap_or("");
        i = tag_end(bytes, i + 1);
        if !closing && (name.eq_ignore_ascii_case("script") || name.eq_ignore_ascii_case("style")) {
            i = skip_raw_text(html, i, name);
            out.push(' ');
        } else if !(join_inline && is_inline(name)) {
            out.push(' ');
        }
    }
    out
}

/// Index just past the `>` closing a tag that starts before `from`, skipping
/// quoted attribute values; the end of input if there is none.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        match (quote, b) {
            (None, b'>') => return i + 1,
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), b) if b == q => quote = None,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Skips to just past `</name ...>` (case-insensitive).
fn skip_raw_text(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut i = from;
    while let Some(off) = html.get(i..).and_then(|r| r.find("</")) {
        let at = i + off;
        let cand = bytes.get(at + 2..at + 2 + name.len()).unwrap_or(&[]);
        if cand.eq_ignore_ascii_case(name.as_bytes()) {
            return tag_end(bytes, at + 2);
        }
        i = at + 2;
    }
    bytes.len()
}

fn is_inline(tag: &str) -> bool {
    const INLINE: &[&str] = &[
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "ins",
        "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time",
        "tt", "u", "var", "wbr",
    ];
    INLINE.iter().any(|t| t.eq_ignore_ascii_case(tag))
}

/// At `&`: the character referred to and the length of the reference.
/// Numeric references to 128–159 mean Windows-1252 characters, as browsers
/// read them; NUL and numbers that are no character read as U+FFFD.
fn decode_entity(s: &str) -> Option<(char, usize)> {
    let body = s.get(1..)?;
    let semi = body.bytes().take(12).position(|b| b == b';')?;
    let name = body.get(..semi)?;
    let len = semi + 2;
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        let code = match code {
            0x80..=0x9f => {
                let byte = [code as u8];
                let (c, _, _) = encoding_rs::WINDOWS_1252.decode(&byte);
                c.chars().next().map_or(code, u32::from)
            }
            c => c,
        };
        let c = char::from_u32(code)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{FFFD}');
        return Some((c, len));
    }
    ENTITIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, c)| (c, len))
}

/// HTML named references common in feeds. Spaces of any width read as a
/// plain space.
const ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", ' '),
    ("ensp", ' '),
    ("emsp", ' '),
    ("thinsp", ' '),
    ("shy", '\u{AD}'),
    ("zwj", '\u{200D}'),
    ("zwnj", '\u{200C}'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("hellip", '…'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("sbquo", '‚'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("bdquo", '„'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("lsaquo", '‹'),
    ("rsaquo", '›'),
    ("bull", '•'),
    ("middot", '·'),
    ("dagger", '†'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("deg", '°'),
    ("plusmn", '±'),
    ("times", '×'),
    ("divide", '÷'),
    ("euro", '€'),
    ("pound", '£'),
    ("yen", '¥'),
    ("cent", '¢'),
    ("sect", '§'),
    ("para", '¶'),
    ("frac12", '½'),
    ("frac14", '¼'),
    ("frac34", '¾'),
    ("iexcl", '¡'),
    ("iquest", '¿'),
    ("Agrave", 'À'),
    ("Aacute", 'Á'),
    ("Acirc", 'Â'),
    ("Atilde", 'Ã'),
    ("Auml", 'Ä'),
    ("Aring", 'Å'),
    ("AElig", 'Æ'),
    ("Ccedil", 'Ç'),
    ("Egrave", 'È'),
    ("Eacute", 'É'),
    ("Ecirc", 'Ê'),
    ("Euml", 'Ë'),
    ("Igrave", 'Ì'),
    ("Iacute", 'Í'),
    ("Icirc", 'Î'),
    ("Iuml", 'Ï'),
    ("ETH", 'Ð'),
    ("Ntilde", 'Ñ'),
    ("Ograve", 'Ò'),
    ("Oacute", 'Ó'),
    ("Ocirc", 'Ô'),
    ("Otilde", 'Õ'),
    ("Ouml", 'Ö'),
    ("Oslash", 'Ø'),
    ("Ugrave", 'Ù'),
    ("Uacute", 'Ú'),
    ("Ucirc", 'Û'),
    ("Uuml", 'Ü'),
    ("Yacute", 'Ý'),
    ("THORN", 'Þ'),
    ("szlig", 'ß'),
    ("agrave", 'à'),
    ("aacute", 'á'),
    ("acirc", 'â'),
    ("atilde", 'ã'),
    ("auml", 'ä'),
    ("aring", 'å'),
    ("aelig", 'æ'),
    ("ccedil", 'ç'),
    ("egrave", 'è'),
    ("eacute", 'é'),
    ("ecirc", 'ê'),
    ("euml", 'ë'),
    ("igrave", 'ì'),
    ("iacute", 'í'),
    ("icirc", 'î'),
    ("iuml", 'ï'),
    ("eth", 'ð'),
    ("ntilde", 'ñ'),
    ("ograve", 'ò'),
    ("oacute", 'ó'),
    ("ocirc", 'ô'),
    ("otilde", 'õ'),
    ("ouml", 'ö'),
    ("oslash", 'ø'),
    ("ugrave", 'ù'),
    ("uacute", 'ú'),
    ("ucirc", 'û'),
    ("uuml", 'ü'),
    ("yacute", 'ý'),
    ("thorn", 'þ'),
    ("yuml", 'ÿ'),
    ("OElig", 'Œ'),
    ("oelig", 'œ'),
    ("Scaron", 'Š'),
    ("scaron", 'š'),
    ("Yuml", 'Ÿ'),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn line(html: &str) -> String {
        html_to_text(html, Layout::Line)
    }

    fn words(html: &str) -> String {
        html_to_text(html, Layout::Words)
    }

    #[test]
    fn a_line_is_one_line_of_words() {
        assert_eq!(
            line("It&#8217;s here &amp; <em>now</em>"),
            "It\u{2019}s here & now"
        );
        assert_eq!(line("a < b &bogus; <br/>\n c"), "a < b &bogus; c");
        assert_eq!(line("x<!-- <b> -->y"), "x y");
        assert_eq!(
            line("<SCRIPT>alert(1)</script> News <style a>b{}</STYLE>today"),
            "News today"
        );
        assert_eq!(line("a <scripts> b"), "a b");
        assert_eq!(line("a <script>never closed"), "a");
        assert_eq!(line("H<sub>2</sub>O"), "H 2 O");
        assert_eq!(line("<a href='x>y'>link</a>"), "link");
        assert_eq!(line("\u{a0}a&nbsp;&nbsp;b\t"), "a b");
    }

    #[test]
    fn words_keep_inline_markup_inside_words() {
        assert_eq!(words("<p>Hello <b>wo</b>rld</p>"), " Hello world ");
        assert_eq!(words("H<sub>2</sub>O"), "H2O");
        assert_eq!(words("a<br/>b"), "a b");
        assert_eq!(
            words("x<script type=\"a>b\">var y = '</p>';</script>z"),
            "x z"
        );
        assert_eq!(words("<STYLE>p{}</Style >q"), " q");
        assert_eq!(words("a<!-- hidden -->b<!-- open"), "a b ");
        assert_eq!(words("unclosed <p class=\"x"), "unclosed  ");
        assert_eq!(words("plain text"), "plain text");
    }

    #[test]
    fn references_are_read_as_browsers_read_them() {
        assert_eq!(
            words("caf&eacute; &amp; &#233;&#xE9; &bogus; &#0; &"),
            "café & éé &bogus; \u{FFFD} &"
        );
        // Windows-1252 numbers, as old feeds send them.
        assert_eq!(words("&#150;&#146;&#138;"), "\u{2013}\u{2019}Š");
        assert_eq!(words("&#x110000;&lsaquo;&Ecirc;"), "\u{FFFD}‹Ê");
        assert_eq!(words("&amp;lt;b&amp;gt;"), "&lt;b&gt;");
        assert_eq!(line("&lt;b&gt; is bold"), "<b> is bold");
    }

    #[test]
    fn wrapped_text_is_laid_out() {
        let t = html_to_text(
            "<p>One <a href=\"https://a.test/\">link</a>.</p><ul><li>item</li></ul>",
            Layout::Wrapped { columns: 40 },
        );
        assert!(t.contains("[link][1]") && t.contains("item"), "{t}");
        assert!(t.contains("[1]: https://a.test/"), "{t}");
        let t = html_to_text("a\u{2029}b", Layout::Wrapped { columns: 40 });
        assert_eq!(t, "a\n\nb");
        let t = html_to_text("<p>a\x1b[2Jb</p>", Layout::Wrapped { columns: 40 });
        assert!(!t.contains('\x1b'), "{t:?}");
    }
}
