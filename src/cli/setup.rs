//! Commands for fitting tidings into a system: shell completions, the man
//! page, and where its files are.

use super::{Cli, CliError, Context};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Prints a completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode, CliError> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "tidings", &mut out);
    print(&out)
}

/// Prints the man page (roff): the options, every command with its own,
/// exit status, environment and files, on one page.
pub fn man() -> Result<ExitCode, CliError> {
    man_page()
        .map_err(|e| CliError::Failed(format!("cannot render the man page: {e}")))
        .and_then(|page| print(page.as_bytes()))
}

fn man_page() -> std::io::Result<String> {
    use clap_mangen::roff::{bold, roman, Roff};
    use clap_mangen::Man;
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let main = Man::new(cmd.clone());
    let mut out = Vec::new();
    main.render_title(&mut out)?;
    main.render_name_section(&mut out)?;
    main.render_synopsis_section(&mut out)?;
    main.render_description_section(&mut out)?;
    main.render_options_section(&mut out)?;
    let mut page = String::from_utf8_lossy(&out).into_owned();
    page.push_str(".SH COMMANDS\n");
    let shared: Vec<clap::Id> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.get_id().clone())
        .chain([clap::Id::from("help")])
        .collect();
    for sub in cmd.get_subcommands() {
        let name = sub.get_bin_name().unwrap_or(sub.get_name());
        // Options every command shares are described once, above.
        let own = shared
            .iter()
            .fold(sub.clone(), |c, id| c.mut_arg(id.clone(), |a| a.hide(true)));
        let man = Man::new(own.clone());
        let mut buf = Vec::new();
        man.render_synopsis_section(&mut buf)?;
        if own.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut buf)?;
        }
        let mut roff = Roff::new();
        roff.control("SS", [name]);
        if let Some(about) = sub.get_about() {
            roff.text([roman(about.to_string())]);
            roff.control("br", []);
        }
        page.push_str(&without_preamble(&roff.to_roff()));
        for line in without_preamble(&String::from_utf8_lossy(&buf)).lines() {
            if !line.starts_with(".SH ") {
                page.push_str(line);
                page.push('\n');
            }
        }
    }
    let mut roff = Roff::new();
    let section = |roff: &mut Roff, title: &str, items: &[(&str, &str)]| {
        roff.control("SH", [title]);
        for (term, text) in items {
            roff.control("TP", []);
            roff.text([bold(*term)]);
            roff.text([roman(*text)]);
        }
    };
    section(
        &mut roff,
        "EXIT STATUS",
        &[
            ("0", "Success."),
            (
                "1",
                "A feed failed to fetch, a problem was found, or the command failed.",
            ),
            ("2", "A usage or configuration error."),
        ],
    );
    section(
        &mut roff,
        "ENVIRONMENT",
        &[
            (
                "TIDINGS_CONFIG",
                "The config file, if --config is not given.",
            ),
            ("TIDINGS_CACHE", "The cache, if --cache is not given."),
            (
                "TIDINGS_LOG",
                "The log level (error, warn, info, debug, trace).",
            ),
            ("BROWSER", "The program that opens links, else xdg-open."),
            ("NO_COLOR", "Turns colours off."),
        ],
    );
    section(
        &mut roff,
        "FILES",
        &[
            (
                "~/.config/tidings/config.toml",
                "The config (XDG_CONFIG_HOME).",
            ),
            ("~/.cache/tidings/cache.db", "The cache (XDG_CACHE_HOME)."),
            (
                "~/.local/state/tidings/ui-state.json",
                "The interface's last view (XDG_STATE_HOME).",
            ),
        ],
    );
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(
        "newsboat(1); `tidings paths` prints the paths in use.",
    )]);
    page.push_str(&without_preamble(&roff.to_roff()));
    Ok(page)
}

/// Drops the string definitions roff puts at the start of every render.
fn without_preamble(roff: &str) -> String {
    roff.lines()
        .filter(|l| !l.starts_with(".ie \\n(.g") && !l.starts_with(".el .ds Aq"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Prints where the config, cache, interface state and log are.
pub fn paths(ctx: &Context, log_file: Option<&Path>) -> Result<ExitCode, CliError> {
    let (config, _) = ctx.config_path()?;
    let cache = ctx.cache_path()?;
    let show = |p: Option<std::path::PathBuf>| {
        p.map_or("(no home directory)".to_string(), |p| {
            p.display().to_string()
        })
    };
    let state = show(crate::paths::default_ui_state());
    let log = match log_file {
        Some(p) => p.display().to_string(),
        None => format!(
            "off (--log-file PATH turns it on, e.g. {})",
            show(crate::paths::default_log())
        ),
    };
    let text = format!(
        "config  {}\ncache   {}\nstate   {state}\nlog     {log}\n",
        config.display(),
        cache.display()
    );
    print(text.as_bytes())
}

fn print(bytes: &[u8]) -> Result<ExitCode, CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(|e| CliError::Failed(format!("cannot write to standard output: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
