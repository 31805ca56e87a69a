//! The `[feed.html]` configuration and its compiled (validated) form.

use chrono::format::{Item, StrftimeItems};
use scraper::error::SelectorErrorKind;
use scraper::{ElementRef, Selector};
use serde::Deserialize;

use super::dom;

/// Scraping rules for one HTML feed, as written in the config file.
///
/// Every value except `item`, `max_pages`, `date_format` and `month_first`
/// is an extractor: `selector`, `selector@attribute` or `@attribute`.
#[derive(Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HtmlRules {
    /// Selects one element per announcement on the listing page.
    pub item: String,
    pub title: Option<String>,
    pub link: Option<String>,
    pub date: Option<String>,
    pub summary: Option<String>,
    pub author: Option<String>,
    /// Selector for the article body on the linked page, or "auto".
    pub content: Option<String>,
    pub article_date: Option<String>,
    pub article_author: Option<String>,
    /// Link to the next listing page (the href is used when no @attribute).
    pub next: Option<String>,
    /// How many listing pages to follow (default 1).
    pub max_pages: Option<u32>,
    pub date_format: Option<OneOrMany>,
    /// Read "03/04/2024" as 4 March (default false: 3 April).
    pub month_first: Option<bool>,
}

/// A string or a list of strings.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Self::One(s) => vec![s.clone()],
            Self::Many(v) => v.clone(),
        }
    }
}

/// A rule that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("html.{key}: invalid CSS selector '{selector}': {message}")]
    InvalidSelector {
        key: &'static str,
        selector: String,
        message: String,
    },
    #[error("html.{key}: {message}")]
    Invalid { key: &'static str, message: String },
}

/// A parsed selector plus an optional attribute.
///
/// Without a selector the item (or page root) itself is used; without an
/// attribute the element's collapsed text is the value.
#[derive(Debug, Clone)]
pub struct Extractor {
    pub selector: Option<Selector>,
    pub attr: Option<String>,
    /// The rule as written, for messages.
    pub source: String,
}

/// How to find the article body on an article page.
#[derive(Debug, Clone)]
pub enum ContentRule {
    Auto,
    Select(Selector),
}

impl ContentRule {
    /// `"auto"` or a CSS selector (no `@attribute`); `key` names the setting
    /// in errors.
    pub fn parse(key: &'static str, value: &str) -> Result<ContentRule, RuleError> {
        match value.trim() {
            "auto" => Ok(ContentRule::Auto),
            v if v.is_empty() || split_attr(v).1.is_some() => Err(RuleError::Invalid {
                key,
                message: format!("expected a CSS selector or \"auto\", got '{v}'"),
            }),
            v => Ok(ContentRule::Select(parse_selector(key, v)?)),
        }
    }
}

/// Validated rules, ready to apply.
#[derive(Debug, Clone)]
pub struct CompiledRules {
    pub item: Selector,
    pub item_source: String,
    pub title: Option<Extractor>,
    pub link: Option<Extractor>,
    pub date: Option<Extractor>,
    pub summary: Option<Extractor>,
    pub author: Option<Extractor>,
    pub content: Option<ContentRule>,
    pub article_date: Option<Extractor>,
    pub article_author: Option<Extractor>,
    pub next: Option<Extractor>,
    pub max_pages: u32,
    pub date_formats: Vec<String>,
    pub month_first: bool,
}

impl HtmlRules {
    /// Parses every selector and format; the error names the bad key.
    pub fn compile(&self) -> Result<CompiledRules, RuleError> {
        let item_src = self.item.trim();
        if item_src.is_empty() || split_attr(item_src).1.is_some() {
            return Err(RuleError::Invalid {
                key: "item",
                message: format!("expected a CSS selector without @attribute, got '{item_src}'"),
            });
        }
        let opt = |key, value: &Option<String>| -> Result<Option<Extractor>, RuleError> {
            value
                .as_deref()
                .map(|v| Extractor::parse(key, v))
                .transpose()
        };
        let content = self
            .content
            .as_deref()
            .map(|v| ContentRule::parse("content", v))
            .transpose()?;
        let max_pages = self.max_pages.unwrap_or(1);
        if max_pages == 0 {
            return Err(RuleError::Invalid {
                key: "max_pages",
                message: "must be at least 1".into(),
            });
        }
        let date_formats = self
            .date_format
            .as_ref()
            .map(OneOrMany::to_vec)
            .unwrap_or_default();
        for f in &date_formats {
            if f.trim().is_empty() || StrftimeItems::new(f).any(|i| matches!(i, Item::Error)) {
                return Err(RuleError::Invalid {
                    key: "date_format",
                    message: format!("invalid date format '{f}'"),
                });
            }
        }
        Ok(CompiledRules {
            item: parse_selector("item", item_src)?,
            item_source: item_src.to_string(),
            title: opt("title", &self.title)?,
            link: opt("link", &self.link)?,
            date: opt("date", &self.date)?,
            summary: opt("summary", &self.summary)?,
            author: opt("author", &self.author)?,
            content,
            article_date: opt("article_date", &self.article_date)?,
            article_author: opt("article_author", &self.article_author)?,
            next: opt("next", &self.next)?,
            max_pages,
            date_formats,
            month_first: self.month_first.unwrap_or(false),
        })
    }
}

impl Extractor {
    /// Parses `selector`, `selector@attr` or `@attr`; `key` is for errors.
    pub fn parse(key: &'static str, value: &str) -> Result<Self, RuleError> {
        let value = value.trim();
        let (sel, attr) = split_attr(value);
        let sel = sel.trim();
        if sel.is_empty() && attr.is_none() {
            return Err(RuleError::Invalid {
                key,
                message: "empty rule".into(),
            });
        }
        let selector = if sel.is_empty() {
            None
        } else {
            Some(parse_selector(key, sel)?)
        };
        Ok(Self {
            selector,
            attr: attr.map(str::to_string),
            source: value.to_string(),
        })
    }

    /// Elements this rule points at inside `scope` (or `scope` itself).
    pub fn elements<'a>(&self, scope: ElementRef<'a>) -> Vec<ElementRef<'a>> {
        match &self.selector {
            Some(sel) => scope.select(sel).collect(),
            None => vec![scope],
        }
    }

    /// The first non-empty value: the attribute if one is named, else text.
    pub fn value(&self, scope: ElementRef<'_>) -> Option<String> {
        self.value_with(scope, None)
    }

    /// Like [`Extractor::value`], but reads `default_attr` when the rule
    /// names no attribute (used for links: "h2 a" means its href).
    pub fn value_with(&self, scope: ElementRef<'_>, default_attr: Option<&str>) -> Option<String> {
        let attr = self.attr.as_deref().or(default_attr);
        let mut found = self
            .elements(scope)
            .into_iter()
            .filter_map(|el| match attr {
                Some(a) => el.attr(a).map(|v| v.trim().to_string()),
                None => Some(dom::text(el)),
            });
        found.find(|v| !v.is_empty())
    }
}

/// Splits "sel@attr" at the last '@' outside brackets, quotes and parens.
pub(crate) fn split_attr(value: &str) -> (&str, Option<&str>) {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut at = None;
    for (i, c) in value.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '(') => depth += 1,
            (None, ']' | ')') => depth -= 1,
            (None, '@') if depth == 0 => at = Some(i),
            _ => {}
        }
    }
    match at {
        Some(i) => {
            let attr = value[i + 1..].trim();
            let valid = !attr.is_empty()
                && attr
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'));
            if valid {
                (&value[..i], Some(attr))
            } else {
                (value, None)
            }
        }
        None => (value, None),
    }
}

fn parse_selector(key: &'static str, sel: &str) -> Result<Selector, RuleError> {
    Selector::parse(sel).map_err(|e| RuleError::InvalidSelector {
        key,
        selector: sel.to_string(),
        message: match e {
            // scraper's Display for this one is a multi-line debug dump;
            // turn the variant name into words instead.
            SelectorErrorKind::UnexpectedSelectorParseError(k) => {
                let name = format!("{k:?}");
                let name = name.split('(').next().unwrap_or_default();
                name.chars().fold(String::new(), |mut out, c| {
                    if c.is_uppercase() && !out.is_empty() {
                        out.push(' ');
                    }
                    out.extend(c.to_lowercase());
                    out
                })
            }
            other => other.to_string(),
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn rules(item: &str) -> HtmlRules {
        HtmlRules {
            item: item.into(),
            ..Default::default()
        }
    }

    #[test]
    fn deserialises_from_toml() {
        let r: HtmlRules = toml::from_str(
            r#"
            item    = "article"
            title   = "h2"
            link    = "a@href"
            date    = "time@datetime"
            summary = ".excerpt"
            content = ".entry-content"
            next = "a.next@href"
            max_pages = 3
            date_format = ["%d %B %Y", "%Y%m%d"]
            month_first = true
            "#,
        )
        .unwrap();
        assert_eq!(r.date_format.as_ref().unwrap().to_vec().len(), 2);
        let c = r.compile().unwrap();
        assert_eq!(c.max_pages, 3);
        assert!(c.month_first);
        assert_eq!(c.link.unwrap().attr.as_deref(), Some("href"));
        assert!(matches!(c.content, Some(ContentRule::Select(_))));

        let r: HtmlRules = toml::from_str("item = 'li'\ndate_format = '%d.%m.%Y'").unwrap();
        assert_eq!(
            r.compile().unwrap().date_formats,
            vec!["%d.%m.%Y".to_string()]
        );
        assert!(toml::from_str::<HtmlRules>("item = 'li'\ntitel = 'h2'").is_err());
    }

    #[test]
    fn splits_attributes() {
        assert_eq!(split_attr("a@href"), ("a", Some("href")));
        assert_eq!(split_attr("@data-url"), ("", Some("data-url")));
        assert_eq!(split_attr("h2 a"), ("h2 a", None));
        assert_eq!(
            split_attr("a[href^='mailto:x@y.org']"),
            ("a[href^='mailto:x@y.org']", None)
        );
        assert_eq!(
            split_attr("a[title=\"@\"]@href"),
            ("a[title=\"@\"]", Some("href"))
        );
        assert_eq!(
            split_attr("meta[name=date] @ content"),
            ("meta[name=date] ", Some("content"))
        );
    }

    #[test]
    fn errors_name_key_and_selector() {
        let err = rules("div[").compile().unwrap_err().to_string();
        assert!(
            err.starts_with("html.item: invalid CSS selector 'div[': "),
            "{err}"
        );

        let mut r = rules("article");
        r.title = Some("h2:frobnicate".into());
        let err = r.compile().unwrap_err().to_string();
        assert_eq!(
            err,
            "html.title: invalid CSS selector 'h2:frobnicate': unsupported pseudo class or element"
        );

        let mut r = rules("article");
        r.next = Some("a..next@href".into());
        assert!(r
            .compile()
            .unwrap_err()
            .to_string()
            .starts_with("html.next:"));

        let mut r = rules("article");
        r.content = Some("div@x".into());
        assert!(r
            .compile()
            .unwrap_err()
            .to_string()
            .starts_with("html.content:"));

        let mut r = rules("article");
        r.date_format = Some(OneOrMany::One("%Q".into()));
        assert_eq!(
            r.compile().unwrap_err().to_string(),
            "html.date_format: invalid date format '%Q'"
        );

        let mut r = rules("article");
        r.max_pages = Some(0);
        assert!(r.compile().is_err());

        assert!(rules("").compile().is_err());
        assert!(rules("li@href").compile().is_err());
        let mut r = rules("li");
        r.title = Some("   ".into());
        assert!(r.compile().is_err());
    }

    #[test]
    fn extractor_values() {
        let doc = scraper::Html::parse_fragment(
            r#"<div class="x" data-id="7"><h2> </h2><h2>  Hello
            <b>world</b> </h2><a href="/a">A</a></div>"#,
        );
        let sel = Selector::parse("div.x").unwrap();
        let item = doc.select(&sel).next().unwrap();
        let t = Extractor::parse("title", "h2").unwrap();
        assert_eq!(t.value(item).as_deref(), Some("Hello world"));
        let id = Extractor::parse("title", "@data-id").unwrap();
        assert_eq!(id.value(item).as_deref(), Some("7"));
        let link = Extractor::parse("link", "a").unwrap();
        assert_eq!(link.value_with(item, Some("href")).as_deref(), Some("/a"));
        assert_eq!(link.value(item).as_deref(), Some("A"));
        let none = Extractor::parse("date", "time").unwrap();
        assert_eq!(none.value(item), None);
    }
}
