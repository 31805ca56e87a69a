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
    #[arg(long)]
    toml: bool,
}

pub fn run(ctx: &Context, args: &ExportArgs) -> Result<ExitCode, CliError> {
    let config = ctx.config()?;
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
