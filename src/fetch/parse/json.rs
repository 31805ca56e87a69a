//! JSON Feed 1.0 and 1.1, read leniently (ids may be numbers, either
//! version URL scheme, `author` or `authors`).

use super::normalize::{identity, person_name, resolve, text_as_html};
use super::text::{html_to_text, parse_date};
use super::{ParseError, ParseProblem};
use crate::model::{ParsedArticle, ParsedFeed};
use serde_json::{Map, Value};
use url::Url;

pub fn parse(text: &str, base: &Url) -> Result<ParsedFeed, ParseError> {
    let v: Value = serde_json::from_str(text).map_err(|e| ParseProblem::Json(e.to_string()))?;
    let feed = v.as_object().ok_or(ParseProblem::JsonNotObject)?;
    let version = string(feed.get("version")).unwrap_or_default();
    let items = feed.get("items").and_then(Value::as_array);
    if !version.contains("jsonfeed.org/version/") && items.is_none() {
        return Err(ParseProblem::JsonNotFeed.into());
    }
    let site_url = string(feed.get("home_page_url")).map(|u| resolve(base, &u));
    let feed_author = authors(feed);
    let articles = items
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|item| article(item, base, feed_author.as_deref()))
        .collect();
    Ok(ParsedFeed {
        title: string(feed.get("title"))
            .map(|t| html_to_text(&t))
            .filter(|t| !t.is_empty()),
        site_url,
        ttl_minutes: None,
        articles,
        warnings: Vec::new(),
    })
}

fn article(item: &Map<String, Value>, base: &Url, feed_author: Option<&str>) -> ParsedArticle {
    let get = |k: &str| string(item.get(k)).filter(|s| !s.trim().is_empty());
    let link = get("url")
        .or_else(|| get("external_url"))
        .map(|u| resolve(base, &u));
    let title = get("title").map(|t| html_to_text(&t)).unwrap_or_default();
    let content = get("content_html").or_else(|| get("content_text").map(|t| text_as_html(&t)));
    let summary = get("summary").map(|t| text_as_html(&t));
    let updated = get("date_modified").and_then(|d| parse_date(&d));
    let published = get("date_published")
        .and_then(|d| parse_date(&d))
        .or(updated);
    let author = authors(item).or_else(|| feed_author.map(str::to_string));
    let body = content.as_deref().or(summary.as_deref()).unwrap_or("");
    let id = get("id").unwrap_or_default();
    ParsedArticle {
        guid: identity(&id, link.as_deref(), &title, published, body),
        title,
        title_derived: false,
        link,
        author,
        published,
        updated,
        summary,
        content,
        content_from_page: false,
        prepared: None,
    }
}

/// `authors` (1.1), else `author` (1.0): names, else their URLs.
fn authors(o: &Map<String, Value>) -> Option<String> {
    let list: Vec<&Value> = match (o.get("authors"), o.get("author")) {
        (Some(Value::Array(a)), _) if !a.is_empty() => a.iter().collect(),
        (_, Some(one)) => vec![one],
        _ => Vec::new(),
    };
    let names: Vec<String> = list
        .into_iter()
        .filter_map(|a| match a {
            Value::String(s) => Some(person_name(s)),
            Value::Object(p) => string(p.get("name"))
                .or_else(|| string(p.get("url")))
                .map(|n| person_name(&n)),
            _ => None,
        })
        .filter(|n| !n.is_empty())
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// A string, or a number written as one (JSON Feed ids are strings, but
/// feeds send numbers).
fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_json_feed() {
        let doc = r#"{"version":"http://jsonfeed.org/version/1","title":"A &amp; B",
          "author":{"name":"Feed Owner"},
          "items":[{"id":42,"url":"/p/1","title":"One","content_text":"a <b>\nc"},
                   {"id":"x","title":"Two","authors":[{"name":"Ann"},{"name":"Bo"}],"date_published":"2024-01-02T03:04:05Z"}]}"#;
        let f = parse(doc, &Url::parse("http://j.test/feed.json").unwrap()).unwrap();
        assert_eq!(f.title.as_deref(), Some("A & B"));
        let a = &f.articles;
        assert_eq!(a[0].guid, "42");
        assert_eq!(a[0].link.as_deref(), Some("http://j.test/p/1"));
        assert_eq!(a[0].content.as_deref(), Some("a &lt;b&gt;<br>\nc"));
        assert_eq!(a[0].author.as_deref(), Some("Feed Owner"));
        assert_eq!(a[1].author.as_deref(), Some("Ann, Bo"));
        assert!(a[1].published.is_some());
        assert!(parse("[1]", &Url::parse("http://j.test/").unwrap()).is_err());
    }
}
