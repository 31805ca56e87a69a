//! The command line: parse, resolve paths, run one command, map the result
//! to an exit code (0 ok, 1 a feed or command failed, 2 usage or config).

mod args;
mod bulletin;
mod discover;
mod doctor;
mod export;
mod feeds;
mod fetch;
mod import;
mod read;
mod setup;
mod sync;

use crate::config::{Config, ConfigError};
use crate::store::{Store, StoreError};
use clap::{CommandFactory, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "tidings",
    version,
    about = "A fast terminal news reader for RSS, Atom, JSON Feed and HTML news pages",
    after_help = "Examples:\n  tidings --demo                try it on built-in samples (no network)\n  tidings --screen-reader       the interface for a screen reader or braille display\n  tidings import urls.opml      add subscriptions from another reader\n  tidings fetch                 refresh every feed\n  tidings list tag:nhs is:unread since:7d diagnos*\n  tidings count '\"health innovation\" -relicens*'\n  tidings show 42               read article 42\n  tidings feeds                 feeds, counts and errors\n  tidings doctor                check the config, cache and feeds\n\nExit status: 0 success, 1 a feed or the command failed, 2 usage or config error."
)]
pub struct Cli {
    /// Config file [default: ~/.config/tidings/config.toml]
    #[arg(long, global = true, env = "TIDINGS_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    /// Cache database [default: ~/.cache/tidings/cache.db]
    #[arg(long, global = true, env = "TIDINGS_CACHE", value_name = "PATH")]
    cache: Option<PathBuf>,
    /// Write logs to this file (level from $TIDINGS_LOG, default info)
    #[arg(long, global = true, value_name = "PATH")]
    log_file: Option<PathBuf>,
    /// Do not fetch: the interface works from the cache only
    #[arg(long, global = true)]
    offline: bool,
    /// Open the interface on built-in sample feeds, served on this machine
    /// (no network, config or cache needed)
    #[arg(long, conflicts_with = "offline")]
    demo: bool,
    /// Screen-reader and braille mode: one pane at a time, rows read as
    /// sentences, no drawn frames or symbols, the cursor on the line to
    /// read next (also screen_reader = true in [settings])
    #[arg(
        long,
        env = "TIDINGS_SCREEN_READER",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    screen_reader: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Refresh all feeds, or the named ones
    Fetch(fetch::FetchArgs),
    /// Sync read and starred state, subscriptions and new items with the
    /// feed server in [sync]
    #[command(
        after_help = "Local changes wait in the cache until the server takes them.\n\nExamples:\n  tidings sync\n  tidings sync --json"
    )]
    Sync(sync::SyncArgs),
    /// Feeds with their article counts and last status
    Feeds(feeds::FeedsArgs),
    /// List articles matching a query, newest first
    #[command(alias = "search")]
    List(read::ListArgs),
    /// Count articles matching a query
    Count(read::QueryArgs),
    /// Show one article as text
    Show(read::ShowArgs),
    /// Write a current-awareness bulletin (Markdown, HTML or text) of
    /// recent articles, grouped by tag or by saved view
    #[command(
        after_help = "Examples:\n  tidings bulletin --since 7d > week.md\n  tidings bulletin --view \"NHS this week\" --since-last --format html -o nhs.html\n  tidings bulletin --starred --by view --format text"
    )]
    Bulletin(bulletin::BulletinArgs),
    /// Mark articles as read
    MarkRead {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Mark articles as unread
    MarkUnread {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Find the feeds a web page advertises, or suggest scraping rules
    Discover {
        /// The page's address
        url: String,
    },
    /// Star articles (starred articles are never purged)
    Star {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Remove the star from articles
    Unstar {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Add the subscriptions in an OPML or newsboat `urls` file to the config,
    /// or carry read and starred state over from newsboat's cache
    #[command(
        after_help = "Examples:\n  tidings import subscriptions.opml --dry-run\n  tidings import ~/.newsboat/urls\n  tidings import --newsboat-cache ~/.newsboat/cache.db   (after tidings fetch)"
    )]
    Import(import::ImportArgs),
    /// Print the subscriptions as OPML (for other readers) or TOML
    #[command(
        after_help = "Examples:\n  tidings export > subscriptions.opml\n  tidings export --toml > feeds.toml"
    )]
    Export(export::ExportArgs),
    /// Check the config, the cache and (with --network) every feed
    #[command(
        after_help = "Prints one line per finding and exits with 1 if anything is wrong.\n\nExamples:\n  tidings doctor\n  tidings doctor --network"
    )]
    Doctor(doctor::DoctorArgs),
    /// Print where the config, cache, interface state and log are
    Paths,
    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  tidings completions bash > ~/.local/share/bash-completion/completions/tidings\n  tidings completions zsh > ~/.zfunc/_tidings\n  tidings completions fish > ~/.config/fish/completions/tidings.fish"
    )]
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page
    #[command(after_help = "Example:\n  tidings man > ~/.local/share/man/man1/tidings.1")]
    Man,
}

/// Errors a command reports; each knows its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) | CliError::Usage(_) => 2,
            CliError::Store(StoreError::NoFeed(_) | StoreError::Query(_)) => 2,
            CliError::Store(_) | CliError::Failed(_) => 1,
        }
    }
}

pub fn main() -> ExitCode {
    let args = args::query_words_last(Cli::command(), std::env::args_os().collect());
    let cli = Cli::parse_from(args);
    let _log = init_logging(cli.log_file.as_deref());
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tidings: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let log_file = cli.log_file;
    let ctx = Context {
        config: cli.config,
        cache: cli.cache,
    };
    if cli.demo {
        if cli.command.is_some() {
            return Err(CliError::Usage(
                "--demo opens the interface; give it without a command".into(),
            ));
        }
        return demo(cli.screen_reader);
    }
    let Some(command) = cli.command else {
        return interface(&ctx, cli.offline, cli.screen_reader);
    };
    match command {
        Command::Fetch(args) => fetch::run(&ctx, &args),
        Command::Feeds(args) => feeds::run(&ctx, &args),
        Command::Sync(args) => sync::run(&ctx, &args),
        Command::List(args) => read::list(&ctx, &args),
        Command::Count(args) => read::count(&ctx, &args),
        Command::Show(args) => read::show(&ctx, &args),
        Command::Bulletin(args) => bulletin::run(&ctx, &args),
        Command::MarkRead { ids } => read::mark(&ctx, &ids, read::Mark::Read, true),
        Command::MarkUnread { ids } => read::mark(&ctx, &ids, read::Mark::Read, false),
        Command::Discover { url } => discover::run(&ctx, &url),
        Command::Star { ids } => read::mark(&ctx, &ids, read::Mark::Starred, true),
        Command::Unstar { ids } => read::mark(&ctx, &ids, read::Mark::Starred, false),
        Command::Import(args) => import::run(&ctx, &args),
        Command::Export(args) => export::run(&ctx, &args),
        Command::Doctor(args) => doctor::run(&ctx, &args),
        Command::Paths => setup::paths(&ctx, log_file.as_deref()),
        Command::Completions { shell } => setup::completions(shell),
        Command::Man => setup::man(),
    }
}

/// Where the config and cache are, as given on the command line.
pub struct Context {
    config: Option<PathBuf>,
    cache: Option<PathBuf>,
}

impl Context {
    /// Loads the config, writing the example on first run at the default path.
    pub fn config(&self) -> Result<Config, CliError> {
        let (path, is_default) = self.config_path()?;
        let (config, created) = Config::load_or_create(&path, is_default)?;
        if created {
            eprintln!(
                "tidings: wrote an example config to {}; edit it to choose your feeds\n\
                 tidings: with a screen reader or braille display, start with \
                 --screen-reader or set screen_reader = true in [settings]",
                path.display()
            );
        }
        Ok(config)
    }

    /// Where the config is, and whether that is the default location.
    pub fn config_path(&self) -> Result<(PathBuf, bool), CliError> {
        match &self.config {
            Some(p) => Ok((p.clone(), false)),
            None => crate::paths::default_config()
                .map(|p| (p, true))
                .ok_or_else(|| CliError::Usage("no home directory: pass --config PATH".into())),
        }
    }

    /// Where the cache is.
    pub fn cache_path(&self) -> Result<PathBuf, CliError> {
        match &self.cache {
            Some(p) => Ok(p.clone()),
            None => crate::paths::default_cache()
                .ok_or_else(|| CliError::Usage("no home directory: pass --cache PATH".into())),
        }
    }

    /// Opens the cache and makes its feed list match the config, with
    /// the last good copy of each shared list.
    pub fn open(&self) -> Result<(Config, Store), CliError> {
        let config = self.config()?;
        let path = self.cache_path()?;
        let mut store = open_store(&path)?;
        let config = crate::lists::with_cached(&config, &store);
        store.set_group_stories(config.settings.group_stories);
        store.sync_feeds(&config.feeds)?;
        Ok((config, store))
    }
}

/// Opens the cache, saying on stderr how far it is when an older cache's
/// bodies are upgraded (once; silent otherwise): on a terminal one line
/// counts up, elsewhere a line every tenth.
fn open_store(path: &std::path::Path) -> Result<Store, StoreError> {
    use std::io::{IsTerminal, Write};
    let terminal = std::io::stderr().is_terminal();
    let mut shown: Option<u8> = None;
    let opened = Store::open_with_progress(path, &mut |percent| {
        let mut err = std::io::stderr().lock();
        // Progress is a courtesy: a closed stderr must not stop the upgrade.
        if terminal {
            let _ = write!(err, "\rtidings: upgrading the cache: {percent}%");
            if percent == 100 {
                let _ = writeln!(err);
            }
        } else if shown.is_none_or(|s| percent / 10 > s / 10) {
            let _ = writeln!(err, "tidings: upgrading the cache: {percent}%");
        }
        let _ = err.flush();
        shown = Some(percent);
    });
    if terminal && shown.is_some_and(|s| s < 100) {
        eprintln!();
    }
    opened
}

/// `tidings` with no command: the terminal interface.
fn interface(ctx: &Context, offline: bool, screen_reader: bool) -> Result<ExitCode, CliError> {
    need_terminal()?;
    let (config, store) = ctx.open()?;
    let cache_path = ctx.cache_path()?;
    crate::ui::run(crate::ui::RunOptions {
        config,
        store,
        cache_path,
        offline,
        state_path: crate::paths::default_ui_state(),
        screen_reader,
    })
    .map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}

fn need_terminal() -> Result<(), CliError> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "the interface needs a terminal; see `tidings --help` for the commands".into(),
        ));
    }
    Ok(())
}

/// `tidings --demo`: sample sources served on 127.0.0.1, a config and cache
/// in a temporary directory (removed afterwards), and the real interface.
fn demo(screen_reader: bool) -> Result<ExitCode, CliError> {
    need_terminal()?;
    let failed = |e: std::io::Error| CliError::Failed(format!("cannot start the demo: {e}"));
    let dir = crate::demo::TempDir::new().map_err(failed)?;
    let http = crate::demo::Server::start(crate::demo::route).map_err(failed)?;
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, crate::demo::config_text(&http.base())).map_err(failed)?;
    let ctx = Context {
        config: Some(config_path),
        cache: Some(dir.path().join("cache.db")),
    };
    let (config, store) = ctx.open()?;
    let result = crate::ui::run(crate::ui::RunOptions {
        config,
        store,
        cache_path: ctx.cache_path()?,
        offline: false,
        state_path: None,
        screen_reader,
    });
    drop(http);
    drop(dir);
    result.map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}

/// Logs go to a file, never to the terminal the user reads.
fn init_logging(file: Option<&std::path::Path>) -> Option<()> {
    let path = file?;
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| eprintln!("tidings: cannot open log file {}: {e}", path.display()))
        .ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("TIDINGS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(f))
        .try_init()
        .ok()
}

/// `n` and the noun that goes with it: "1 feed", "2 feeds".
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Width for text output: the terminal's, else 80.
fn output_width() -> usize {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return 80;
    }
    terminal_size::terminal_size().map_or(80, |(w, _)| usize::from(w.0))
}
