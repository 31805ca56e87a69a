//! `tidings bulletin`: a current-awareness bulletin of recent articles.

use super::{CliError, Context};
use crate::bulletin::{self, mail, Grouping, Request};
use crate::query::{self, Expr, Flag, TermKind};
use crate::render::Zone;
use chrono::{TimeDelta, Utc};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct BulletinArgs {
    /// Only articles matching this query (see README)
    #[arg(value_name = "QUERY", allow_hyphen_values = true)]
    query: Vec<String>,
    /// Only articles of this saved view; `--since-last` is remembered per view
    #[arg(long, value_name = "NAME")]
    view: Option<String>,
    /// Articles dated in the last N hours, days or weeks (24h, 7d, 2w)
    /// [default: 7d]
    #[arg(long, value_name = "AGE", conflicts_with = "since_last")]
    since: Option<String>,
    /// Articles stored since the last bulletin (of this view)
    #[arg(long)]
    since_last: bool,
    /// Only starred articles
    #[arg(long)]
    starred: bool,
    /// Sections: one per tag, or one per saved view
    #[arg(long, value_enum, default_value_t = By::Tag)]
    by: By,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    format: Format,
    /// Write to this file instead of standard output
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The bulletin's heading [default: the view's name, or "Bulletin"]
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
    /// At most N articles
    #[arg(long, short = 'n', value_name = "N", default_value_t = 500)]
    limit: usize,
    /// Send it by e-mail (text and HTML) to these addresses, as [mail] in
    /// the config says, instead of writing it
    #[arg(long, value_name = "ADDR[,ADDR]", conflicts_with_all = ["output", "format"])]
    mail_to: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Markdown,
    Html,
    Text,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum By {
    Tag,
    View,
}

/// Without `--since` or a previous bulletin: the last week.
const DEFAULT_DAYS: i64 = 7;

pub fn run(ctx: &Context, args: &BulletinArgs) -> Result<ExitCode, CliError> {
    let (config, mut store) = ctx.open()?;
    let now = Utc::now();
    // Checked before anything is read, so a mistake costs nothing.
    let mail = match &args.mail_to {
        Some(list) => {
            let to = mail::recipients(list).map_err(|e| CliError::Usage(e.to_string()))?;
            let cfg = config.mail.clone().ok_or_else(|| {
                CliError::Usage(format!(
                    "--mail-to needs a [mail] section in {} (see README)",
                    config.path.display()
                ))
            })?;
            Some((cfg, to))
        }
        None => None,
    };
    let text = args.query.join(" ");
    let mut q = query::parse(&text)
        .map_err(|e| CliError::Usage(format!("invalid query: {}", e.render(&text))))?;
    let view = match &args.view {
        Some(name) => Some(config.view(name).ok_or_else(|| {
            CliError::Usage(format!(
                "no view named \"{name}\" in {}",
                config.path.display()
            ))
        })?),
        None => None,
    };
    if let Some(v) = view {
        q = bulletin::and_view(q, &v.query);
    }
    if args.starred {
        q = q.and(Expr::term(TermKind::Is(Flag::Starred)));
    }
    let grouping = match args.by {
        By::Tag => Grouping::Tag,
        By::View => {
            if config.views.is_empty() {
                return Err(CliError::Usage(format!(
                    "--by view needs [[view]] entries in {}",
                    config.path.display()
                )));
            }
            Grouping::Views(
                config
                    .views
                    .iter()
                    .map(|v| (v.name.clone(), v.query.clone()))
                    .collect(),
            )
        }
    };
    let key = view.map_or("", |v| v.name.as_str());
    let (dated_from, seen_after) = if args.since_last {
        match store.last_bulletin(key)? {
            Some(t) => (None, Some(t)),
            None => {
                eprintln!("tidings: no earlier bulletin; covering the last {DEFAULT_DAYS} days");
                (Some(now - TimeDelta::days(DEFAULT_DAYS)), None)
            }
        }
    } else {
        let age = match &args.since {
            Some(s) => parse_age(s)?,
            None => TimeDelta::days(DEFAULT_DAYS),
        };
        (Some(now - age), None)
    };
    let req = Request {
        title: args
            .title
            .clone()
            .or_else(|| view.map(|v| v.name.clone()))
            .unwrap_or_else(|| "Bulletin".into()),
        query: q,
        grouping,
        dated_from,
        seen_after,
        now,
        zone: Zone::Local,
        limit: args.limit,
    };
    let b = bulletin::build(&store, &req, &config.sql_options())?;
    if let Some((cfg, to)) = &mail {
        let msg = mail::message(&cfg.from, to, &b, view.map(|v| v.name.as_str()), now)
            .map_err(|e| CliError::Failed(e.to_string()))?;
        let timeout = Duration::from_secs(config.settings.timeout_seconds);
        mail::send(cfg, &msg, timeout).map_err(|e| CliError::Failed(e.to_string()))?;
        tracing::info!(
            "bulletin of {} sent to {} recipient(s)",
            b.count(),
            to.len()
        );
        if std::io::stdout().is_terminal() {
            let names: Vec<String> = to.iter().map(|m| m.email.to_string()).collect();
            emit(&format!(
                "sent {} ({}) to {}\n",
                mail::subject(&b, None),
                b.count(),
                names.join(", ")
            ))?;
        }
    } else {
        let out = match args.format {
            Format::Markdown => bulletin::markdown(&b),
            Format::Html => bulletin::html(&b),
            Format::Text => bulletin::text(&b),
        };
        match &args.output {
            Some(path) => std::fs::write(path, out.as_bytes())
                .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))?,
            None => emit(&out)?,
        }
    }
    // Only a bulletin that was delivered moves the mark.
    if args.since_last {
        store.set_last_bulletin(key, now)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// "24h", "7d", "2w" as a duration.
fn parse_age(s: &str) -> Result<TimeDelta, CliError> {
    let bad = || {
        CliError::Usage(format!(
            "--since {s:?}: give hours, days or weeks, like 24h, 7d or 2w"
        ))
    };
    let s = s.trim();
    let unit = s.chars().last().ok_or_else(bad)?;
    let n: i64 = s[..s.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    if !(1..=100_000).contains(&n) {
        return Err(bad());
    }
    match unit.to_ascii_lowercase() {
        'h' => Ok(TimeDelta::hours(n)),
        'd' => Ok(TimeDelta::days(n)),
        'w' => Ok(TimeDelta::weeks(n)),
        _ => Err(bad()),
    }
}

/// Writes to stdout; a closed pipe ends the output quietly.
fn emit(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Failed(format!("cannot write output: {e}")))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age("24h").unwrap(), TimeDelta::hours(24));
        assert_eq!(parse_age("7d").unwrap(), TimeDelta::days(7));
        assert_eq!(parse_age("2W").unwrap(), TimeDelta::weeks(2));
        for bad in ["", "d", "7", "7y", "-1d", "0d", "é"] {
            assert!(parse_age(bad).is_err(), "{bad}");
        }
    }
}
