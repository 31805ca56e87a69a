//! Small text helpers of the feed reader: entities, HTML to plain text,
//! escaping, dates and base64.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// HTML named character references common in feeds (XML knows only five).
const NAMED: &[(&str, &str)] = &[
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("nbsp", "\u{a0}"),
    ("copy", "©"),
    ("reg", "®"),
    ("trade", "™"),
    ("hellip", "…"),
    ("mdash", "—"),
    ("ndash", "–"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("sbquo", "‚"),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("bdquo", "„"),
    ("laquo", "«"),
    ("raquo", "»"),
    ("lsaquo", "‹"),
    ("rsaquo", "›"),
    ("bull", "•"),
    ("middot", "·"),
    ("dagger", "†"),
    ("deg", "°"),
    ("times", "×"),
    ("divide", "÷"),
    ("plusmn", "±"),
    ("para", "¶"),
    ("sect", "§"),
    ("euro", "€"),
    ("pound", "£"),
    ("yen", "¥"),
    ("cent", "¢"),
    ("iexcl", "¡"),
    ("iquest", "¿"),
    ("shy", "\u{ad}"),
    ("thinsp", "\u{2009}"),
    ("ensp", "\u{2002}"),
    ("emsp", "\u{2003}"),
    ("agrave", "à"),
    ("aacute", "á"),
    ("acirc", "â"),
    ("atilde", "ã"),
    ("auml", "ä"),
    ("aring", "å"),
    ("aelig", "æ"),
    ("ccedil", "ç"),
    ("egrave", "è"),
    ("eacute", "é"),
    ("ecirc", "ê"),
    ("euml", "ë"),
    ("igrave", "ì"),
    ("iacute", "í"),
    ("icirc", "î"),
    ("iuml", "ï"),
    ("ntilde", "ñ"),
    ("ograve", "ò"),
    ("oacute", "ó"),
    ("ocirc", "ô"),
    ("otilde", "õ"),
    ("ouml", "ö"),
    ("oslash", "ø"),
    ("ugrave", "ù"),
    ("uacute", "ú"),
    ("ucirc", "û"),
    ("uuml", "ü"),
    ("yacute", "ý"),
    ("yuml", "ÿ"),
    ("szlig", "ß"),
    ("Agrave", "À"),
    ("Aacute", "Á"),
    ("Auml", "Ä"),
    ("Aring", "Å"),
    ("Ccedil", "Ç"),
    ("Eacute", "É"),
    ("Egrave", "È"),
    ("Ntilde", "Ñ"),
    ("Oacute", "Ó"),
    ("Ouml", "Ö"),
    ("Oslash", "Ø"),
    ("Uuml", "Ü"),
];

/// The five references XML itself defines.
pub fn decode_xml_name(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

/// The character(s) a named HTML reference stands for.
pub fn named_entity(name: &str) -> Option<&'static str> {
    NAMED.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// A numeric reference body (`#233`, `#xE9`) as a character.
pub fn numeric_entity(body: &str) -> Option<char> {
    let n = body.strip_prefix('#')?;
    let code = match n.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => n.parse().ok()?,
    };
    // Windows-1252 code points sent as references, as browsers read them.
    let code = match code {
        0x80..=0x9f => {
            let byte = [code as u8];
            let (c, _, _) = encoding_rs::WINDOWS_1252.decode(&byte);
            c.chars().next().map_or(code, u32::from)
        }
        c => c,
    };
    char::from_u32(code).filter(|c| *c != '\0')
}

/// The reference starting at `s` (just after `&`): its name and length
/// including the `;`.
pub fn reference(s: &str) -> Option<(&str, usize)> {
    let end = s
        .bytes()
        .take(32)
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'#'))?;
    (s.as_bytes()[end] == b';' && end > 0).then(|| (&s[..end], end + 1))
}

/// Decodes numeric and named HTML references; unknown ones are kept.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        match reference(rest) {
            Some((name, len)) => {
                if let Some(c) = numeric_entity(name) {
                    out.push(c);
                } else if let Some(v) = named_entity(name) {
                    out.push_str(v);
                } else {
                    out.push('&');
                    continue;
                }
                rest = &rest[len..];
            }
            None => out.push('&'),
        }
    }
    out.push_str(rest);
    out
}

/// HTML as one line of plain text, as titles are: see
/// [`crate::text::html_to_text`].
pub fn html_to_text(html: &str) -> String {
    crate::text::html_to_text(html, crate::text::Layout::Line)
}

pub use crate::text::collapse;

pub use crate::sanitize::html_escape as escape;

/// Dates as feeds write them: RFC 3339 / W3C-DTF (also partial), RFC 822
/// (also with two-digit years or no weekday), and a few common variants.
/// A date without a zone is taken as UTC.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.to_utc());
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.to_utc());
    }
    // Zone names chrono does not know.
    if let Some(fixed) = named_zone(s) {
        if let Ok(d) = DateTime::parse_from_rfc2822(&fixed) {
            return Some(d.to_utc());
        }
    }
    // RFC 822 with a weekday that does not match or is misspelt.
    if let Some((_, rest)) = s.split_once(", ") {
        if let Ok(d) = DateTime::parse_from_rfc2822(rest) {
            return Some(d.to_utc());
        }
    }
    let iso = s.replace(' ', "T");
    for fmt in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(&iso, fmt) {
            return Some(d.to_utc());
        }
    }
    let naive = iso.trim_end_matches('Z');
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(naive, fmt) {
            return Some(d.and_utc());
        }
    }
    let day = |y: &str, m: &str, d: &str| {
        NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
    };
    let parts: Vec<&str> = naive.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => day(y, m, d),
        [y, m] if y.len() == 4 => day(y, m, "1"),
        [y] if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) => day(y, "1", "1"),
        _ => None,
    }
}

/// An RFC 822 date whose zone is a common name (CET, BST, ...) with the
/// zone as an offset instead.
fn named_zone(s: &str) -> Option<String> {
    const ZONES: &[(&str, &str)] = &[
        ("UTC", "+0000"),
        ("Z", "+0000"),
        ("WET", "+0000"),
        ("BST", "+0100"),
        ("CET", "+0100"),
        ("MET", "+0100"),
        ("WEST", "+0100"),
        ("CEST", "+0200"),
        ("MEST", "+0200"),
        ("EET", "+0200"),
        ("EEST", "+0300"),
        ("MSK", "+0300"),
        ("IST", "+0530"),
        ("HKT", "+0800"),
        ("SGT", "+0800"),
        ("AWST", "+0800"),
        ("JST", "+0900"),
        ("KST", "+0900"),
        ("AEST", "+1000"),
        ("AEDT", "+1100"),
        ("NZST", "+1200"),
        ("NZDT", "+1300"),
        ("AST", "-0400"),
        ("ADT", "-0300"),
        ("NST", "-0330"),
        ("AKST", "-0900"),
        ("HST", "-1000"),
    ];
    let (head, zone) = s.rsplit_once(' ')?;
    let offset = ZONES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(zone))
        .map(|(_, o)| *o)?;
    Some(format!("{head} {offset}"))
}

/// Base64 (whitespace ignored); None when malformed.
pub fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in s.bytes().filter(|b| !b.is_ascii_whitespace()) {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_one_line_of_text() {
        assert_eq!(
            html_to_text("It&#8217;s here &amp; <em>now</em>"),
            "It\u{2019}s here & now"
        );
        assert_eq!(html_to_text("a < b &bogus; <br/>\n c"), "a < b &bogus; c");
        assert_eq!(html_to_text("x<!-- <b> -->y"), "x y");
        assert_eq!(
            html_to_text("<SCRIPT>alert(1)</script> News <style a>b{}</STYLE>today"),
            "News today"
        );
        assert_eq!(html_to_text("a <scripts> b"), "a b");
        assert_eq!(html_to_text("a <script>never closed"), "a");
        assert_eq!(
            decode_entities("&#x2014;&#150;&eacute;"),
            "\u{2014}\u{2013}é"
        );
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }

    #[test]
    fn dates_in_many_forms() {
        let at = |s: &str| parse_date(s).map(|d| d.to_rfc3339());
        let want = Some("2024-03-05T10:20:00+00:00".to_string());
        assert_eq!(at("2024-03-05T10:20:00Z"), want);
        assert_eq!(at("2024-03-05T12:20:00+02:00"), want);
        assert_eq!(at("Tue, 05 Mar 2024 10:20:00 GMT"), want);
        assert_eq!(at("Mon, 05 Mar 2024 05:20:00 EST"), want);
        assert_eq!(at("5 Mar 2024 10:20:00 +0000"), want);
        assert_eq!(at("2024-03-05 10:20:00"), want);
        assert_eq!(at("2024-03-05T10:20Z"), want);
        assert_eq!(
            at("2024-03-05"),
            Some("2024-03-05T00:00:00+00:00".to_string())
        );
        assert_eq!(at("Tue, 05 Mar 2024 11:20:00 CET"), want);
        assert_eq!(at("Tue, 05 Mar 2024 10:20 GMT"), want);
        assert_eq!(at("2024-03-05T10:20:00.000+0000"), want);
        assert_eq!(at("yesterday"), None);
    }

    #[test]
    fn base64_decodes() {
        assert_eq!(base64("PGI+aGk8L2I+").as_deref(), Some(&b"<b>hi</b>"[..]));
        assert_eq!(base64("aGk=\n").as_deref(), Some(&b"hi"[..]));
        assert_eq!(base64("*"), None);
    }
}
