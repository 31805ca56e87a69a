use super::capture::text_declarations;
use super::names::{classify, Ns, ATOM10};
use super::start::{is_media_type, is_xml_type};
use super::*;

fn rw(s: &str) -> Rewritten {
    rewrite(s, &Url::parse("http://example.test/feed").unwrap()).unwrap()
}

#[test]
fn text_constructs_become_escaped_html() {
    let r = rw(r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry>
        <title type="text">a &lt;b&gt; c</title>
        <summary type="">x &amp; y</summary>
        <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>History of the &lt;blink&gt; tag</p></div></content>
        </entry></feed>"#);
    assert!(
        r.xml
            .contains(r#"<title type="html"><![CDATA[a &lt;b&gt; c]]></title>"#),
        "{}",
        r.xml
    );
    assert!(
        r.xml
            .contains(r#"<summary type="html"><![CDATA[x &amp; y]]></summary>"#),
        "{}",
        r.xml
    );
    assert!(
        r.xml
            .contains("<![CDATA[<p>History of the &lt;blink&gt; tag</p>]]>"),
        "{}",
        r.xml
    );
    assert_eq!(r.unknown_types, 1);
    assert_eq!(r.items.len(), 1);
}

#[test]
fn old_vocabularies_are_mapped() {
    let r = rw(
        r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><tagline>t</tagline>
        <entry><issued>2004-01-01T00:00:00Z</issued><content type="text/html" mode="base64">PGI+aGk8L2I+</content></entry></feed>"#,
    );
    assert!(r.xml.contains(ATOM10) && r.xml.contains("<subtitle"));
    assert!(r.xml.contains("<![CDATA[<b>hi</b>]]>"), "{}", r.xml);
    assert_eq!(
        r.entries[0].published.as_deref(),
        Some("2004-01-01T00:00:00Z")
    );
    let r = rw(
        r#"<rss version="0.93"><channel><title>T</title></channel><item><title>I</title></item></rss>"#,
    );
    assert!(r.xml.contains(r#"<rss version="2.0">"#));
    assert!(r.xml.ends_with("</item></channel></rss>"), "{}", r.xml);
}

#[test]
fn old_namespaces_are_read_by_what_they_are() {
    assert_eq!(
        classify("http://purl.org/atom/ns#draft-ietf-atompub-format-08"),
        Ns::Atom03
    );
    assert_eq!(classify("http://my.netscape.com/rdf/simple/0.9"), Ns::Rss1);
    assert_eq!(classify("http://purl.org/dc/elements/1.1"), Ns::Dc);
    assert_eq!(classify("http://example.com/newformat#"), Ns::Other);
    let r =
        rw(r#"<feed version="0.3" xmlns="http://example.com/newformat#"><title>T</title></feed>"#);
    assert!(r.xml.contains(ATOM10), "{}", r.xml);
}

#[test]
fn declarations_in_text_stay_text() {
    assert_eq!(
        text_declarations("<!' x <b>y</b>".into()),
        "&lt;!' x <b>y</b>"
    );
    assert_eq!(
        text_declarations("<!-- c --><!DOCTYPE html>".into()),
        "<!-- c --><!DOCTYPE html>"
    );
    assert!(is_media_type("application/octet-stream"));
    assert!(!is_media_type("weird thing"));
    assert!(is_xml_type("application/atom+xml"));
}

#[test]
fn broken_markup_is_repaired() {
    let r = rw(
        "<rss><channel><title>AT&T &nbsp;x</title><item><title>a < b</title><foo></channel></rss>",
    );
    assert!(r.repairs > 0);
    assert!(r.xml.contains("<![CDATA[AT&T \u{a0}x]]>"), "{}", r.xml);
    assert!(r.xml.ends_with("</item></channel></rss>"), "{}", r.xml);
}

#[test]
fn cdata_end_inside_text_is_split() {
    let r = rw(r#"<rss><channel><title>a ]]&gt; b</title></channel></rss>"#);
    assert!(
        r.xml.contains("<![CDATA[a ]]]]><![CDATA[> b]]>"),
        "{}",
        r.xml
    );
}

#[test]
fn entities_are_bounded() {
    let ok = rw(
        r#"<!DOCTYPE rss [<!ENTITY who "Jo &amp; Co">]><rss><channel><title>&who;</title></channel></rss>"#,
    );
    assert!(
        ok.xml.contains("<title><![CDATA[Jo & Co]]></title>"),
        "{}",
        ok.xml
    );
    let bomb = r#"<!DOCTYPE r [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
      <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
      <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
      <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
      <rss><channel><title>&d;</title></channel></rss>"#;
    assert!(rewrite(bomb, &Url::parse("http://e.test/").unwrap()).is_err());
}

#[test]
fn xml_base_applies_inside_content() {
    let r = rw(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry xml:base="http://b.test/x/"><content type="html">&lt;a href="y"&gt;y&lt;/a&gt; &lt;img src='/z.png'&gt; &lt;a href="http://c.test/"&gt;</content><content src="http://m.test/v" type=""/></entry></feed>"#,
    );
    assert!(r.xml.contains("href=\"http://b.test/x/y\""), "{}", r.xml);
    assert!(r.xml.contains("src='http://b.test/z.png'"), "{}", r.xml);
    assert!(r.xml.contains("href=\"http://c.test/\""), "{}", r.xml);
    assert!(
        r.xml.contains(r#"<content src="http://m.test/v"/>"#),
        "{}",
        r.xml
    );
}

#[test]
fn xml_base_applies_to_links() {
    let r = rw(
        r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://other.test/a/"><entry xml:base="b/"><link href="c"/></entry></feed>"#,
    );
    assert!(
        r.xml.contains(r#"href="http://other.test/a/b/c""#),
        "{}",
        r.xml
    );
    assert!(!r.xml.contains("xml:base"));
}
