//! `tidings export`: the subscriptions as OPML 2.0 (default) or TOML.

use super::{CliError, Context};
use crate::config::FeedKind;
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// OPML 2.0, for other readers (the default)
    #[arg(long, conflicts_with = "toml")]
    opml: bool,
    /// The config's [[feed]] and [[view]] tables, scraping rules included
    #[arg(long, conflicts_with = "list")]
    toml: bool,
    /// Write a shared list of your own feeds and views to FILE (see
    /// [[list]] in the README)
    #[arg(long, value_name = "FILE", conflicts_with = "opml")]
    list: Option<std::path::PathBuf>,
    /// With --list: only the feeds with this tag, and the views whose
    /// query names it
    #[arg(long, value_name = "TAG", requires = "list")]
    tag: Option<String>,
}

pub fn run(ctx: &Context, args: &ExportArgs) -> Result<ExitCode, CliError> {
    let config = ctx.config()?;
    if let Some(file) = &args.list {
        let source = std::fs::read_to_string(&config.path).map_err(|source| {
            crate::config::ConfigError::Read {
                path: config.path.clone(),
                source,
            }
        })?;
        let text = crate::export::list(&source, args.tag.as_deref()).map_err(CliError::Failed)?;
        let doc = crate::lists::parse(&text, "").map_err(CliError::Failed)?;
        std::fs::write(file, &text)
            .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", file.display())))?;
        println!(
            "wrote {} feeds and {} views to {}",
            doc.feeds.len(),
            doc.views.len(),
            file.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let text = if args.toml {
        let source = std::fs::read_to_string(&config.path).map_err(|source| {
            crate::config::ConfigError::Read {
                path: config.path.clone(),
                source,
            }
        })?;
        crate::export::toml(&source).map_err(CliError::Failed)?
    } else {
        let pages = config
            .feeds
            .iter()
            .filter(|f| f.kind == FeedKind::Html)
            .count();
        if pages > 0 {
            eprintln!(
                "tidings: {pages} HTML news page(s) written with htmlUrl only: OPML cannot \
                 hold scraping rules (`tidings export --toml` keeps them)"
            );
        }
        crate::export::opml(&config).map_err(CliError::Failed)?
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CliError::Failed(format!("cannot write the export: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
