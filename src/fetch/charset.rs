//! Text of HTML pages in their declared encoding: the HTTP charset, else a
//! `<meta charset>` near the top, else UTF-8 (invalid bytes replaced).

use encoding_rs::{Encoding, UTF_8};
use std::borrow::Cow;

pub fn decode_html<'a>(body: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    let encoding = content_type
        .and_then(charset_param)
        .or_else(|| meta_charset(body))
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()))
        .unwrap_or(UTF_8);
    // A byte-order mark wins over any declaration.
    let (text, _, _) = encoding.decode(body);
    text
}

fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"'))
    })
}

/// `<meta charset="x">` or `<meta http-equiv=... content="...; charset=x">`
/// in the first 2 KiB.
fn meta_charset(body: &[u8]) -> Option<&str> {
    let head = &body[..body.len().min(2048)];
    let text = std::str::from_utf8(head)
        .unwrap_or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or(""));
    let lower = text.to_ascii_lowercase();
    let at = lower.find("charset=")? + "charset=".len();
    let rest = &text[at..];
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..end]).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_encodings_are_used() {
        let latin1 = b"<html><p>Caf\xe9 r\xe9sum\xe9</p></html>";
        assert_eq!(
            decode_html(latin1, Some("text/html; charset=ISO-8859-1")),
            "<html><p>Café résumé</p></html>"
        );
        let meta = b"<html><head><meta charset=\"windows-1252\"></head><p>\x93quoted\x94</p>";
        assert!(decode_html(meta, Some("text/html")).contains("\u{201c}quoted\u{201d}"));
        let equiv = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-15\"><p>\xa4</p>";
        assert!(decode_html(equiv, None).contains('\u{20ac}'));
        assert_eq!(decode_html("naïve".as_bytes(), None), "naïve");
        assert_eq!(
            decode_html(b"bad \xff byte", Some("text/html; charset=bogus")),
            "bad \u{fffd} byte"
        );
    }
}
