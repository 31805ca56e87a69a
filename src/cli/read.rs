//! Commands that read or mark the cache: list, show, feeds, mark-read.

use super::{output_width, CliError, Context};
use crate::config::Config;
use crate::model::{ArticleId, ArticleSummary};
use crate::query::{self, Expr, Flag, Query, TermKind};
use crate::render;
use crate::render::Zone;
use crate::sanitize;
use crate::text;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct QueryArgs {
    /// A query, e.g. tag:nhs is:unread since:7d diagnos* (see README)
    #[arg(value_name = "QUERY")]
    query: Vec<String>,
    /// Also apply this saved view from the config
    #[arg(long, value_name = "NAME")]
    view: Option<String>,
    /// Only this feed (same as feed:="NAME"); repeat for several
    #[arg(long = "feed", value_name = "NAME")]
    feeds: Vec<String>,
    /// Only unread articles (same as is:unread)
    #[arg(long)]
    unread: bool,
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    query: QueryArgs,
    /// At most N articles
    #[arg(long, short = 'n', value_name = "N")]
    limit: Option<usize>,
    /// Print one JSON array
    #[arg(long)]
    json: bool,
}

impl QueryArgs {
    /// The query these arguments describe: the text, a view and the
    /// shorthand flags, all in the one language.
    fn build(&self, config: &Config) -> Result<Query, CliError> {
        let text = self.query.join(" ");
        let mut q = query::parse(&text)
            .map_err(|e| CliError::Usage(format!("invalid query: {}", e.render(&text))))?;
        if let Some(name) = &self.view {
            let view = config.view(name).ok_or_else(|| {
                CliError::Usage(format!(
                    "no view named \"{name}\" in {}",
                    config.path.display()
                ))
            })?;
            if let Some(e) = view.query.expr.clone() {
                q = q.and(e);
            }
            if self.query.is_empty() {
                q.sort = view.query.sort;
            }
        }
        let mut feeds = Vec::new();
        for name in &self.feeds {
            let Some(feed) = config
                .feeds
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
            else {
                return Err(CliError::Usage(format!(
                    "no feed named \"{name}\" in {}",
                    config.path.display()
                )));
            };
            feeds.push(Expr::term(TermKind::Feed {
                name: feed.name.clone(),
                exact: true,
            }));
        }
        if let Some(e) = Expr::any(feeds) {
            q = q.and(e);
        }
        if self.unread {
            q = q.and(Expr::term(TermKind::Is(Flag::Unread)));
        }
        Ok(q)
    }
}

#[derive(Serialize)]
struct ArticleJson<'a> {
    id: i64,
    feed: &'a str,
    title: &'a str,
    link: Option<&'a str>,
    author: Option<&'a str>,
    published: Option<String>,
    read: bool,
    starred: bool,
    /// The source gave no title: tidings made this one from the text, the
    /// link or the date.
    title_derived: bool,
    /// The other copies of its story, when `list` shows one row per story.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    also_in: Vec<CopyJson<'a>>,
}

#[derive(Serialize)]
struct CopyJson<'a> {
    id: i64,
    feed: &'a str,
}

impl<'a> ArticleJson<'a> {
    fn new(a: &'a ArticleSummary, title_derived: bool) -> Self {
        ArticleJson {
            id: a.id.0,
            feed: &a.feed,
            title: &a.title,
            link: a.link.as_deref(),
            author: a.author.as_deref(),
            published: a.published.map(rfc3339),
            read: a.read,
            starred: a.starred,
            title_derived,
            also_in: a
                .also_in
                .iter()
                .map(|c| CopyJson {
                    id: c.id.0,
                    feed: &c.feed,
                })
                .collect(),
        }
    }
}

pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Writes to stdout; a closed pipe (`| head`) ends the output quietly.
pub(super) fn emit(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Failed(format!("cannot write output: {e}")))
        }
        _ => Ok(()),
    }
}

/// JSON for other programs: hidden characters in feed text are escaped, so
/// piping it to a terminal is safe too.
pub(super) fn to_json<T: Serialize>(value: &T) -> Result<String, CliError> {
    sanitize::to_json_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| CliError::Failed(format!("cannot encode JSON: {e}")))
}

pub fn list(ctx: &Context, args: &ListArgs) -> Result<ExitCode, CliError> {
    let (config, store) = ctx.open()?;
    let q = args.query.build(&config)?;
    let opts = config.sql_options();
    let mut articles = store.query(&q, &opts, Utc::now(), args.limit)?;
    if opts.stories {
        store.fill_also_in(&mut articles)?;
    }
    if args.json {
        let derived = store.derived_titles()?;
        let rows: Vec<ArticleJson> = articles
            .iter()
            .map(|a| ArticleJson::new(a, derived.contains(&a.id)))
            .collect();
        emit(&to_json(&rows)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = output_width();
    let mut out = String::new();
    let now = Utc::now();
    let zone = Zone::Local;
    for a in &articles {
        let flags = format!(
            "{}{}",
            if a.read { ' ' } else { 'N' },
            if a.starred { '*' } else { ' ' }
        );
        let date = a
            .published
            .map_or_else(|| "undated".to_string(), |d| short_date(d, now, zone));
        let feed = text::fit(&sanitize::line(&a.feed), 18);
        let mut line = format!(
            "{:>6} {flags} {date:<11} {feed} {}",
            a.id.0,
            sanitize::line(&a.title)
        );
        if !a.also_in.is_empty() {
            line.push_str(" (also in: ");
            line.push_str(&sanitize::line(&a.also_in_feeds()));
            line.push(')');
        }
        out.push_str(&text::truncate(&line, width));
        out.push('\n');
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// "26 May" this year, else "26 May 2022"; the day and year in the zone
/// `offset`.
fn short_date(d: DateTime<Utc>, now: DateTime<Utc>, zone: Zone) -> String {
    use chrono::Datelike;
    let (d, now) = (zone.at(d), zone.at(now));
    if d.year() == now.year() {
        d.format("%d %b").to_string()
    } else {
        d.format("%d %b %Y").to_string()
    }
}

pub fn count(ctx: &Context, args: &QueryArgs) -> Result<ExitCode, CliError> {
    let (config, store) = ctx.open()?;
    let q = args.build(&config)?;
    let n = store.count(&q, &config.sql_options(), Utc::now())?;
    emit(&format!("{n}\n"))?;
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// Article id (from `tidings list`)
    id: i64,
    /// Wrap the text at N columns (default: the terminal's width, else 80;
    /// 0 keeps each paragraph on one line)
    #[arg(long, value_name = "N")]
    width: Option<usize>,
    /// Print the fields as JSON, the body both as text and as stored HTML
    #[arg(long)]
    json: bool,
}

pub fn show(ctx: &Context, args: &ShowArgs) -> Result<ExitCode, CliError> {
    let (_, store) = ctx.open()?;
    let a = store.article(ArticleId(args.id))?;
    if args.json {
        #[derive(Serialize)]
        struct Full<'a> {
            #[serde(flatten)]
            summary: ArticleJson<'a>,
            guid: &'a str,
            updated: Option<String>,
            first_seen: String,
            summary_html: Option<&'a str>,
            content_html: Option<&'a str>,
            /// The body as text: unwrapped unless `--width` is given.
            body_text: String,
            /// The stored HTML the body comes from (content, else summary).
            body_html: &'a str,
        }
        let full = Full {
            summary: ArticleJson::new(&a.summary, a.title_derived),
            guid: &a.guid,
            updated: a.updated.map(rfc3339),
            first_seen: rfc3339(a.first_seen),
            summary_html: a.summary_html.as_deref(),
            content_html: a.content_html.as_deref(),
            body_text: render::body(&a, args.width.unwrap_or(render::UNWRAPPED)),
            body_html: render::body_html(&a),
        };
        emit(&to_json(&full)?)?;
    } else {
        let width = args.width.unwrap_or_else(output_width);
        emit(&render::article(&a, width, Zone::Local))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub enum Mark {
    Read,
    Starred,
}

pub fn mark(ctx: &Context, ids: &[i64], flag: Mark, value: bool) -> Result<ExitCode, CliError> {
    let (_, mut store) = ctx.open()?;
    let ids: Vec<ArticleId> = ids.iter().copied().map(ArticleId).collect();
    let changed = match flag {
        Mark::Read => store.set_read(&ids, value)?,
        Mark::Starred => store.set_starred(&ids, value)?,
    };
    if changed < ids.len() {
        return Err(CliError::Failed(format!(
            "{} of {} ids are not in the cache",
            ids.len() - changed,
            ids.len()
        )));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use chrono::TimeZone;

    #[test]
    fn list_dates_use_the_local_year() {
        let bst = FixedOffset::east_opt(3600).unwrap();
        let now = Utc.with_ymd_and_hms(2023, 12, 31, 23, 30, 0).unwrap();
        let d = Utc.with_ymd_and_hms(2023, 12, 31, 23, 10, 0).unwrap();
        assert_eq!(short_date(d, now, Zone::utc()), "31 Dec");
        assert_eq!(short_date(d, now, Zone::Fixed(bst)), "01 Jan");
        let d = Utc.with_ymd_and_hms(2023, 5, 26, 9, 0, 0).unwrap();
        assert_eq!(short_date(d, now, Zone::Fixed(bst)), "26 May 2023");
    }
}
