//! Every encoding rule in one place. HTML pages: the HTTP charset, else a
//! `<meta charset>` near the top, else UTF-8 (invalid bytes replaced).
//! XML feeds: see [`decode_xml`].

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
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

/// A feed document as UTF-8 text, and how its encoding was found.
#[derive(Debug)]
pub struct XmlText {
    pub text: String,
    pub encoding: &'static Encoding,
    /// Nothing usable was declared: the encoding was guessed from the bytes.
    pub guessed: bool,
}

/// Decodes an XML (or JSON) feed, following RFC 7303: a byte-order mark
/// wins; then the HTTP charset parameter; then the `<?xml encoding=?>`
/// declaration (UTF-16 without a mark is recognised by its first bytes).
/// With none of these, or when the bytes are not valid in the declared
/// UTF-8, the encoding is guessed from the bytes as browsers do.
pub fn decode_xml(body: &[u8], content_type: Option<&str>) -> XmlText {
    if let Some((encoding, bom)) = Encoding::for_bom(body) {
        let (text, _) = encoding.decode_without_bom_handling(&body[bom..]);
        return XmlText {
            text: text.into_owned(),
            encoding,
            guessed: false,
        };
    }
    let utf16 = match body {
        [b'<', 0, b'?', 0, ..] => Some(UTF_16LE),
        [0, b'<', 0, b'?', ..] => Some(UTF_16BE),
        _ => None,
    };
    let label = |l: &str| {
        Encoding::for_label(l.trim().as_bytes())
            // A UTF-16 label on bytes that are not UTF-16 is wrong.
            .filter(|e| utf16.is_some() || (*e != UTF_16LE && *e != UTF_16BE))
    };
    let declared = content_type
        .and_then(charset_param)
        .and_then(label)
        .or(utf16)
        .or_else(|| xml_declared_encoding(body).and_then(label));
    match declared {
        Some(encoding) if encoding != UTF_8 => {
            let (text, _) = encoding.decode_without_bom_handling(body);
            XmlText {
                text: text.into_owned(),
                encoding,
                guessed: false,
            }
        }
        _ => match std::str::from_utf8(body) {
            Ok(text) => XmlText {
                text: text.to_string(),
                encoding: UTF_8,
                guessed: false,
            },
            Err(_) => {
                let mut detector =
                    chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
                detector.feed(body, true);
                let encoding = detector.guess(None, chardetng::Utf8Detection::Allow);
                let (text, _) = encoding.decode_without_bom_handling(body);
                XmlText {
                    text: text.into_owned(),
                    encoding,
                    guessed: true,
                }
            }
        },
    }
}

/// The `encoding` pseudo-attribute of a leading `<?xml ...?>` declaration.
fn xml_declared_encoding(body: &[u8]) -> Option<&str> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = body.get(start..)?.strip_prefix(b"<?xml")?;
    let end = rest.iter().take(512).position(|&b| b == b'>')?;
    let decl = std::str::from_utf8(&rest[..end]).ok()?;
    let at = decl.find("encoding")? + "encoding".len();
    let value = decl[at..].trim_start().strip_prefix('=')?.trim_start();
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &value[1..];
    Some(&value[..value.find(quote)?])
}

pub(crate) fn charset_param(content_type: &str) -> Option<&str> {
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
    fn xml_encoding_rules() {
        // HTTP charset wins over a missing declaration.
        let cp1252 = b"<rss><title>\x93Caf\xe9\x94</title></rss>";
        let t = decode_xml(cp1252, Some("text/xml; charset=windows-1252"));
        assert!(t.text.contains("\u{201c}Caf\u{e9}\u{201d}"));
        // and over a declaration.
        let decl = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>\xe9</t>";
        assert!(decode_xml(decl, Some("text/xml; charset=iso-8859-1"))
            .text
            .contains('\u{e9}'));
        // The declaration when HTTP says nothing.
        let latin = b"<?xml version='1.0' encoding='ISO-8859-1'?><t>\xe9</t>";
        let t = decode_xml(latin, Some("application/rss+xml"));
        assert!(t.text.contains('\u{e9}') && !t.guessed);
        // A byte-order mark wins over everything.
        let bom = b"\xEF\xBB\xBF<t>\xc3\xa9</t>";
        assert_eq!(
            decode_xml(bom, Some("text/xml; charset=koi8-r")).text,
            "<t>\u{e9}</t>"
        );
        // UTF-16 without a mark, by its first bytes.
        let xml = "<?xml version=\"1.0\" encoding=\"utf-16\"?><t>\u{44d}</t>";
        let le: Vec<u8> = xml.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode_xml(&le, None).text, xml);
        // A UTF-16 label on 8-bit bytes is ignored.
        assert_eq!(
            decode_xml(b"<?xml version='1.0' encoding='utf-16'?><t/>", None)
                .text
                .len(),
            43
        );
        // Nothing declared, not UTF-8: guessed.
        let koi8 = "<t>\u{41d}\u{43e}\u{432}\u{43e}\u{441}\u{442}\u{438} \u{434}\u{43d}\u{44f}: \u{43f}\u{440}\u{430}\u{432}\u{438}\u{442}\u{435}\u{43b}\u{44c}\u{441}\u{442}\u{432}\u{43e} \u{441}\u{43e}\u{43e}\u{431}\u{449}\u{438}\u{43b}\u{43e}</t>";
        let (bytes, _, _) = encoding_rs::KOI8_R.encode(koi8);
        let t = decode_xml(&bytes, None);
        assert!(t.guessed);
        assert_eq!(t.text, koi8);
    }

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
