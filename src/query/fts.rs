//! Text for the full-text index `articles_fts` (HTML stripped), and a Rust
//! model of its tokenizer (for validating search words and highlighting).
//! The table, its migrations and its writes are in `store::fts`.

use std::ops::Range;

use super::ast::Text;

/// The body to index: the summary and content as text, the summary left out
/// when the content already contains it.
pub fn body_text(summary_html: Option<&str>, content_html: Option<&str>) -> String {
    join_body(
        summary_html.map(html_to_text).unwrap_or_default(),
        content_html.map(html_to_text).unwrap_or_default(),
    )
}

/// [`body_text`] of the summary and content already as text.
pub fn join_body(summary: String, content: String) -> String {
    let s = summary.trim();
    if s.is_empty() || content.contains(s) {
        return content;
    }
    if content.trim().is_empty() {
        return summary;
    }
    let mut out = summary;
    out.push('\n');
    out.push_str(&content);
    out
}

/// HTML as the words the index gets: see [`crate::text::html_to_text`].
pub fn html_to_text(html: &str) -> String {
    crate::text::html_to_text(html, crate::text::Layout::Words)
}

/// `t` as one FTS5 string (a phrase of its tokens), with `*` for a prefix.
/// User text only ever appears inside the quotes, so it cannot be read as
/// FTS5 syntax.
pub(crate) fn fts_string(t: &Text) -> String {
    let mut out = String::with_capacity(t.text.len() + 3);
    out.push('"');
    for c in t.text.chars() {
        match c {
            '"' => out.push_str("\"\""),
            // FTS5 stops reading a string at NUL.
            '\0' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    if t.prefix {
        out.push('*');
    }
    out
}

/// The FTS5 query for a text term: free text, or the title alone. A word
/// of one letter or digit typed as a prefix (`d*`) reads the column of
/// initials (see [`initials`]) instead of merging the lists of every word
/// it starts. A term of one-character words alone is kept to the text
/// columns, where the initials could otherwise match it.
pub(crate) fn fts_term(t: &Text, title_only: bool) -> String {
    let words = tokens(&t.text);
    if t.prefix && !t.phrase {
        if let [(_, w)] = words.as_slice() {
            if let Some(c) = single_initial(w) {
                let columns = if title_only {
                    TITLE_INITIALS
                } else {
                    BOTH_INITIALS
                };
                return format!("{{{columns}}} : \"{c}\"");
            }
        }
    }
    let quoted = fts_string(t);
    if title_only {
        format!("{{title}} : {quoted}")
    } else if words.iter().all(|(_, w)| w.chars().nth(1).is_none()) {
        format!("{{title body}} : {quoted}")
    } else {
        quoted
    }
}

/// The index's columns of initials: of the title, and of both.
const TITLE_INITIALS: &str = "title_initials";
const BOTH_INITIALS: &str = "title_initials body_initials";

/// `w` as an initial the index keeps: one ASCII letter or digit.
fn single_initial(w: &str) -> Option<char> {
    let mut cs = w.chars();
    match (cs.next(), cs.next()) {
        (Some(c), None) if c.is_ascii_alphanumeric() => Some(c),
        _ => None,
    }
}

/// The distinct initials of the words of `s` that are ASCII letters or
/// digits once folded as the index folds them, space-separated in a fixed
/// order: what the index's initials columns hold, so that `d*` reads one
/// short list. Other initials are left to the text columns.
pub fn initials(s: &str) -> String {
    let seen = initial_bits(s);
    let mut out = String::with_capacity(2 * seen.count_ones() as usize);
    for (i, c) in ('a'..='z').chain('0'..='9').enumerate() {
        if seen & (1 << i) != 0 {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push(c);
        }
    }
    out
}

/// [`initials`] as a set of [`initial_bit`]s. ASCII takes no branch but
/// one per byte that is always predicted (word starts are too many to
/// predict).
fn initial_bits(s: &str) -> u64 {
    let bytes = s.as_bytes();
    // `in_word` is 1 inside a word whose initial is known: a word whose
    // first characters fold to nothing is decided by the next.
    let (mut seen, mut in_word) = (0u64, 0u64);
    let mut head = String::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            let bit = initial_bit(char::from(b));
            // All ones unless the previous byte was in a word.
            seen |= bit & in_word.wrapping_sub(1);
            in_word = u64::from(bit != 0);
            i += 1;
            continue;
        }
        let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        i += c.len_utf8();
        if !is_token_char(c) {
            in_word = 0;
        } else if in_word == 0 {
            head.clear();
            fold_into(c, &mut head);
            if let Some(f) = head.chars().next() {
                seen |= initial_bit(f);
                in_word = 1;
            }
        }
    }
    seen
}

/// Each ASCII byte's bit in [`initials`]'s set: letters (either case)
/// and digits; 0 for the rest.
static BITS: [u64; 128] = {
    let mut t = [0u64; 128];
    let mut b = 0;
    while b < 128 {
        let c = (b as u8).to_ascii_lowercase();
        t[b] = match c {
            b'a'..=b'z' => 1 << (c - b'a'),
            b'0'..=b'9' => 1 << (26 + c - b'0'),
            _ => 0,
        };
        b += 1;
    }
    t
};

/// The bit of an ASCII letter or digit in [`initials`]'s set; 0 for
/// anything else.
fn initial_bit(c: char) -> u64 {
    BITS.get(c as usize).copied().unwrap_or(0)
}

// ---------------------------------------------------------------------------
// A model of `unicode61 remove_diacritics 2`: tokens are runs of the
// characters SQLite reads as parts of words (`token_chars`, read off SQLite
// itself); case is folded and diacritics removed (the diacritic table below
// was read off SQLite 3.46). Highlighting, the "nothing to search for"
// check, the initials columns and the walk of short prefixes rely on it;
// it may differ from SQLite in how rare marks inside a word fold.

fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x300..=0x36F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

fn is_token_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        super::token_chars::is_token(c)
    }
}

/// Base letters of U+00C0..U+024F and U+1E00..U+1EFF as SQLite folds them,
/// `_` where it keeps the character.
const FOLD_LATIN: &[u8; 0x190] = b"aaaaaa_ceeeeiiii_nooooo__uuuuy__aaaaaa_ceeeeiiii_nooooo__uuuuy_yaaaaaaccccccccdd__eeeeeeeeeegggggggghh__iiiiiiiii___jjkk_llllll____nnnnnn___oooooo__rrrrrrsssssssstttt__uuuuuuuuuuuuwwyyyzzzzzzs________________________________oo_____________uu____________________________aaiioouuuuuuuuuu_aa______ggkkoooo__j___gg__nnaa____aaaaeeeeiiiioooorrrruuuusstt__hh______aaeeooooooooyy____________________________";
const FOLD_LATIN_EXT: &[u8; 0x100] = b"aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxxxxyyzzzzzzhtwy_s____aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy______";

fn fold_diacritic(c: char) -> char {
    let cp = c as u32;
    // Symbol variants of Greek letters, which SQLite folds to the letter.
    let greek = match c {
        'µ' => 'μ',
        'ς' => 'σ',
        'ϐ' => 'β',
        'ϑ' => 'θ',
        'ϕ' => 'φ',
        'ϖ' => 'π',
        'ϰ' => 'κ',
        'ϱ' => 'ρ',
        'ϵ' => 'ε',
        _ => c,
    };
    if greek != c {
        return greek;
    }
    let b = match cp {
        0xC0..=0x24F => FOLD_LATIN.get((cp - 0xC0) as usize),
        0x1E00..=0x1EFF => FOLD_LATIN_EXT.get((cp - 0x1E00) as usize),
        _ => None,
    };
    match b {
        Some(&b) if b != b'_' => char::from(b),
        _ => c,
    }
}

/// Appends `c` case- and diacritic-folded.
fn fold_into(c: char, out: &mut String) {
    for l in c.to_lowercase() {
        if !is_combining_mark(l) {
            out.push(fold_diacritic(l));
        }
    }
}

/// Whether some token of `s` starts with `prefix` (folded): as
/// [`tokens`] would say, without building them.
pub(crate) fn has_token_prefix(s: &str, prefix: &str) -> bool {
    let want = prefix.chars().count();
    let mut head = String::new();
    let (mut in_word, mut decided) = (false, false);
    for c in s.chars() {
        if !is_token_char(c) {
            in_word = false;
            continue;
        }
        if !in_word {
            in_word = true;
            decided = false;
            head.clear();
        }
        if decided {
            continue;
        }
        if c.is_ascii() {
            head.push(c.to_ascii_lowercase());
        } else {
            fold_into(c, &mut head);
        }
        if head.chars().count() >= want {
            if head.starts_with(prefix) {
                return true;
            }
            decided = true;
        }
    }
    false
}

/// The tokens of `s`, each as its byte range and folded text.
pub(crate) fn tokens(s: &str) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (i, c) in s.char_indices() {
        if is_token_char(c) {
            let (_, folded) = cur.get_or_insert_with(|| (i, String::new()));
            fold_into(c, folded);
        } else if let Some((start, folded)) = cur.take() {
            if !folded.is_empty() {
                out.push((start..i, folded));
            }
        }
    }
    if let Some((start, folded)) = cur {
        if !folded.is_empty() {
            out.push((start..s.len(), folded));
        }
    }
    out
}

/// Whether the full-text index would see at least one word in `s`.
pub(crate) fn has_token(s: &str) -> bool {
    !tokens(s).is_empty()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use rusqlite::{params, Connection};

    #[test]
    fn strips_html() {
        assert_eq!(html_to_text("<p>Hello <b>wo</b>rld</p>"), " Hello world ");
        assert_eq!(html_to_text("a<br/>b"), "a b");
        assert_eq!(
            html_to_text("x<script type=\"a>b\">var y = '</p>';</script>z"),
            "x z"
        );
        assert_eq!(html_to_text("<STYLE>p{}</Style >q"), " q");
        assert_eq!(html_to_text("a<!-- hidden -->b<!-- open"), "a b ");
        assert_eq!(html_to_text("1 < 2 && 3 > 2"), "1 < 2 && 3 > 2");
        assert_eq!(
            html_to_text("caf&eacute; &amp; &#233;&#xE9; &bogus; &#0; &"),
            "café & éé &bogus; \u{FFFD} &"
        );
        assert_eq!(html_to_text("<a href='x>y'>link</a>"), "link");
        assert_eq!(html_to_text("unclosed <p class=\"x"), "unclosed  ");
        assert_eq!(html_to_text("plain text"), "plain text");
        assert_eq!(html_to_text("é<i>è</i>ü"), "éèü");
    }

    #[test]
    fn body_skips_summary_inside_content() {
        assert_eq!(
            body_text(Some("<p>Intro</p>"), Some("<p>Intro</p><p>More</p>")),
            " Intro  More "
        );
        assert_eq!(body_text(Some("Teaser"), Some("Full")), "Teaser\nFull");
        assert_eq!(body_text(Some("Teaser"), None), "Teaser");
        assert_eq!(body_text(None, None), "");
    }

    #[test]
    fn tokenizer_model() {
        let t: Vec<_> = tokens("Café-Society, NAÏVE x\u{301}y 2023 ø ½")
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(t, vec!["cafe", "society", "naive", "xy", "2023", "ø", "½"]);
        assert_eq!(tokens("é b")[1].0, 3..4);
        assert!(!has_token("!!! --- "));
        assert!(!has_token("\u{301}"));
        assert!(has_token("c++"));
    }

    #[test]
    fn fts_strings_are_quoted() {
        let t = |s: &str, prefix| {
            fts_string(&Text {
                text: s.into(),
                phrase: false,
                prefix,
            })
        };
        assert_eq!(t("nhs", true), "\"nhs\"*");
        assert_eq!(t("a \"b\" OR c\0", false), "\"a \"\"b\"\" OR c \"");
    }

    #[test]
    fn initials_are_the_distinct_first_letters_of_words() {
        assert_eq!(initials("Digital diagnostics, 2024: Café ÉVAL"), "c d e 2");
        assert_eq!(initials("x\u{301}y \u{301}z ωmega ﬁne _a b_c"), "a b c x z");
        assert_eq!(initials("!!! -- "), "");
        // As the tokenizer model says, on text of many scripts.
        for text in [
            "Straße STRASSE İstanbul Ærø",
            "Ǆemal ǅ ǆ ŉ ĳssel ÿ Ÿ",
            "a-b c_d e.f g'h 9x",
            "中文 テスト 한국어 עברית العربية",
        ] {
            let mut want: Vec<char> = tokens(text)
                .iter()
                .filter_map(|(_, w)| w.chars().next())
                .filter(char::is_ascii_alphanumeric)
                .collect();
            want.sort_by_key(|c| (c.is_ascii_digit(), *c));
            want.dedup();
            let want: Vec<String> = want.iter().map(char::to_string).collect();
            assert_eq!(initials(text), want.join(" "), "{text}");
        }
    }

    #[test]
    fn initials_agree_with_the_tokenizer_model_on_mixed_text() {
        let mut rng = fastrand::Rng::with_seed(5);
        let alphabet: Vec<char> = "aZ9 -_.,'\n\tq0é—“”\u{301}ΩßİﬁÆ".chars().collect();
        for len in 0..300 {
            let text: String = (0..len)
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            let mut want: u64 = 0;
            for (_, w) in tokens(&text) {
                want |= w.chars().next().map_or(0, initial_bit);
            }
            assert_eq!(initial_bits(&text), want, "{text:?}");
        }
    }

    /// `d*` through the initials finds what a one-letter prefix index
    /// found, on text of every kind the fold tables cover.
    #[test]
    fn initials_match_what_a_prefix_index_matched() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE old USING fts5(title, body,
                 tokenize = 'unicode61 remove_diacritics 2', prefix = '1');
             CREATE VIRTUAL TABLE new USING fts5(title, body, title_initials, body_initials,
                 tokenize = 'unicode61 remove_diacritics 2');",
        )
        .unwrap();
        // Latin of every kind, and what SQLite reads otherwise than
        // Rust's tables: emoji, marks it does not remove, spacing vowel
        // signs, circled letters.
        let alphabet: Vec<char> = " -.,'_\u{301}\u{308}9aZé🧵🤖\u{305}\u{20DD}क\u{940}\u{93E}Ⓒ"
            .chars()
            .chain(
                (0xC0u32..0x250)
                    .chain(0x1E00..0x1F00)
                    .filter_map(char::from_u32),
            )
            .collect();
        // A fixed pseudo-random walk through the alphabet.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for id in 1..=400 {
            let mut text = |len: usize| -> String {
                (0..len).map(|_| alphabet[next(alphabet.len())]).collect()
            };
            let (title, body) = (text(12), text(40));
            conn.execute(
                "INSERT INTO old(rowid, title, body) VALUES (?1, ?2, ?3)",
                params![id, title, body],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO new(rowid, title, body, title_initials, body_initials)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, title, body, initials(&title), initials(&body)],
            )
            .unwrap();
        }
        let ids = |table: &str, q: &str| -> Vec<i64> {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid"
                ))
                .unwrap();
            stmt.query_map([q], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let mut found = 0;
        for c in ('a'..='z').chain('0'..='9') {
            for title_only in [false, true] {
                let t = Text {
                    text: c.to_string(),
                    phrase: false,
                    prefix: true,
                };
                let old = if title_only {
                    format!("{{title}} : \"{c}\"*")
                } else {
                    format!("\"{c}\"*")
                };
                let want = ids("old", &old);
                found += want.len();
                assert_eq!(ids("new", &fts_term(&t, title_only)), want, "{old}");
            }
        }
        assert!(found > 1_000, "{found}");
        // A word SQLite reads as one letter stays off the initials.
        let one = Text {
            text: "x\u{93E}".into(),
            phrase: false,
            prefix: false,
        };
        assert_eq!(fts_term(&one, false), "{title body} : \"x\u{93E}\"");
    }

    /// The Rust tokenizer model agrees with SQLite's on every character the
    /// fold tables cover and on a sample of other scripts.
    #[test]
    fn tokenizer_model_matches_sqlite() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2');
             CREATE VIRTUAL TABLE v USING fts5vocab(t, instance);",
        )
        .unwrap();
        let sample: Vec<char> = (0x20u32..0x250)
            .chain(0x370..0x400)
            .chain(0x1E00..0x1F00)
            .filter_map(char::from_u32)
            .filter(|c| !c.is_control())
            // Unassigned in Rust's Unicode tables (SQLite calls them
            // letters), and U+037F, which SQLite does not lower-case.
            .filter(|&c| !matches!(c as u32, 0x378..=0x379 | 0x380..=0x383 | 0x38B | 0x38D | 0x3A2 | 0x37F))
            .collect();
        {
            let mut ins = conn
                .prepare("INSERT INTO t(rowid, x) VALUES (?, ?)")
                .unwrap();
            for &c in &sample {
                ins.execute(params![c as i64, c.to_string()]).unwrap();
            }
        }
        let mut q = conn.prepare("SELECT term FROM v WHERE doc = ?").unwrap();
        for &c in &sample {
            let sqlite: Vec<String> = q
                .query_map([c as i64], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let ours: Vec<String> = tokens(&c.to_string()).into_iter().map(|(_, s)| s).collect();
            assert_eq!(ours, sqlite, "U+{:04X} {c}", c as u32);
        }
    }
}
