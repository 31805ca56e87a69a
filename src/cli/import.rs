//! `tidings import FILE`: subscriptions from OPML or a newsboat `urls` file,
//! appended to the config file. `--newsboat-cache PATH`: read and starred
//! state from newsboat's cache.db, carried over to the cached articles.

use super::{plural, CliError, Context};
use crate::config::{Config, ConfigError};
use crate::import::{self, Plan};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The start of a config file that import creates.
const NEW_CONFIG: &str = "# tidings configuration: settings, keys and theme are described in\n\
# the README (`tidings --help` lists the commands).\n";

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// An OPML file, or a newsboat `urls` file (the format is detected)
    #[arg(value_name = "FILE", required_unless_present = "newsboat_cache")]
    file: Option<PathBuf>,
    /// Carry read and starred state over from newsboat's cache.db to the
    /// matching articles in the cache (fetch first)
    #[arg(long, value_name = "PATH")]
    newsboat_cache: Option<PathBuf>,
    /// Print what would be added or changed, and change nothing
    #[arg(long)]
    dry_run: bool,
}

pub fn run(ctx: &Context, args: &ImportArgs) -> Result<ExitCode, CliError> {
    if let Some(file) = &args.file {
        subscriptions(ctx, file, args.dry_run)?;
    }
    if let Some(cache) = &args.newsboat_cache {
        // After a dry run of FILE, stdout holds only its TOML.
        let to_stderr = args.dry_run && args.file.is_some();
        newsboat_state(ctx, cache, args.dry_run, to_stderr)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Read and starred state from newsboat's cache, onto the cached articles.
fn newsboat_state(
    ctx: &Context,
    cache: &Path,
    dry_run: bool,
    to_stderr: bool,
) -> Result<(), CliError> {
    let items =
        import::newsboat_cache::read_state(cache).map_err(|e| CliError::Failed(e.to_string()))?;
    let (_, mut store) = ctx.open()?;
    let stats = store.carry_state(&items, dry_run)?;
    let (read, starred) = if dry_run {
        ("would be marked read", "would be starred")
    } else {
        ("marked read", "starred")
    };
    let mut text = format!(
        "{} {read}, {} {starred}, {} had no match (fetch first: articles must be in the cache)",
        stats.marked_read,
        stats.starred,
        plural(stats.unmatched, "newsboat article", "newsboat articles"),
    );
    if dry_run {
        text.push_str("\nnothing was changed (--dry-run)");
    }
    // Output is best effort: a closed pipe is not an import failure.
    if to_stderr {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    } else {
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    }
    Ok(())
}

/// Subscriptions from FILE, appended to the config.
fn subscriptions(ctx: &Context, file: &Path, dry_run: bool) -> Result<(), CliError> {
    let shown = file.display().to_string();
    let bytes =
        std::fs::read(file).map_err(|e| CliError::Failed(format!("cannot read {shown}: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        CliError::Failed(format!(
            "{shown}: not UTF-8 text (byte {}); convert it with iconv first",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let (format, source) =
        import::read(&shown, &text).map_err(|e| CliError::Failed(e.to_string()))?;

    let (path, _) = ctx.config_path()?;
    let existing = match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(ConfigError::Read { path, source }.into()),
    };
    let config = existing
        .as_deref()
        .map(|t| Config::parse(&path, t))
        .transpose()?;
    let plan = import::plan(source, config.as_ref());
    let name = file
        .file_name()
        .map_or(shown.clone(), |n| n.to_string_lossy().into_owned());
    let heading = format!("Imported from {name} ({})", format.name());
    let failed = |e: import::ImportError| CliError::Failed(e.to_string());

    if dry_run {
        let toml = import::render(&plan, &heading).map_err(failed)?;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(toml.as_bytes());
        report(&mut std::io::stderr().lock(), &plan, &path, true);
        return Ok(());
    }
    if !plan.feeds.is_empty() || !plan.views.is_empty() {
        let new_text = match existing.as_deref() {
            Some(old) => import::append(old, &plan, &heading).map_err(failed)?,
            None => format!(
                "{NEW_CONFIG}\n{}",
                import::render(&plan, &heading).map_err(failed)?
            ),
        };
        // Never write a config that would not load.
        Config::parse(&path, &new_text).map_err(|e| {
            CliError::Failed(format!(
                "the result would not load ({e}); nothing was written"
            ))
        })?;
        write_atomically(&path, &new_text)?;
    }
    report(&mut std::io::stdout().lock(), &plan, &path, false);
    Ok(())
}

/// Writes beside the file, then renames over it, so a failure leaves the
/// old config whole.
fn write_atomically(path: &Path, text: &str) -> Result<(), CliError> {
    let err = |source| {
        CliError::Config(ConfigError::Write {
            path: path.to_path_buf(),
            source,
        })
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".import-tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}

/// What was (or would be) added, skipped and left untranslated.
fn report(out: &mut dyn Write, plan: &Plan, path: &Path, dry_run: bool) {
    let verb = if dry_run { "would add" } else { "added" };
    let mut lines = vec![format!(
        "{verb} {} and {} to {}",
        plural(plan.feeds.len(), "feed", "feeds"),
        plural(plan.views.len(), "view", "views"),
        path.display()
    )];
    for f in &plan.feeds {
        let tags = if f.tags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", f.tags.join(", "))
        };
        lines.push(format!("  + {}{tags}  {}", f.name, f.url));
        if let Some(note) = &f.note {
            lines.push(format!("      note: {note}"));
        }
    }
    for v in &plan.views {
        lines.push(format!("  + view \"{}\": {}", v.name, v.query));
    }
    if !plan.skipped.is_empty() {
        lines.push(format!("skipped {}:", plan.skipped.len()));
        for s in &plan.skipped {
            lines.push(format!("  - {}: {}", s.what, s.reason));
        }
    }
    if !plan.untranslated.is_empty() {
        lines.push(format!(
            "warning: {} not added, as the filter language has no equivalent:",
            plural(plan.untranslated.len(), "query was", "queries were")
        ));
        for s in &plan.untranslated {
            lines.push(format!("  - {}: {}", s.what, s.reason));
        }
    }
    let text = crate::sanitize::text(&lines.join("\n"));
    // Output is best effort: a closed pipe is not an import failure.
    let _ = writeln!(out, "{text}");
}
