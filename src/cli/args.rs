//! Options anywhere on a query command's line.
//!
//! `tidings list genomics --json -pharmacy -n 5` mixes query words with
//! options. Before clap sees the line, the words after a query-taking
//! command are split: known options (with their values) stay where clap
//! looks for them, and query words move after a `--`, in their order. A
//! single-dash word that is not a known short option (`-pharmacy`,
//! `-tag:gov`) is a negated query word; an unknown `--word` is left for clap
//! to reject by name; `--` ends the options.

use clap::{Arg, Command};
use std::ffi::OsString;

/// The positional argument that holds query words.
const QUERY: &str = "query";

/// `args` (program name first) with query words placed after `--`, if the
/// command takes a query; otherwise unchanged.
pub fn query_words_last(mut root: Command, args: Vec<OsString>) -> Vec<OsString> {
    root.build();
    let Some(at) = subcommand_index(&root, &args) else {
        return args;
    };
    let Some(sub) = args.get(at).and_then(|a| root.find_subcommand(a)) else {
        return args;
    };
    let positionals: Vec<&Arg> = sub.get_arguments().filter(|a| a.is_positional()).collect();
    if positionals.len() != 1 || positionals[0].get_id() != QUERY {
        return args;
    }
    let known: Vec<&Arg> = sub.get_arguments().filter(|a| !a.is_positional()).collect();
    let mut out: Vec<OsString> = args[..=at].to_vec();
    let mut words = Vec::new();
    let mut rest = args[at + 1..].iter();
    let mut escaped = false;
    while let Some(arg) = rest.next() {
        let Some(s) = arg.to_str() else {
            // Not UTF-8: not an option name either.
            words.push(arg.clone());
            continue;
        };
        if escaped {
            words.push(arg.clone());
        } else if s == "--" {
            escaped = true;
        } else if let Some(long) = s.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, _)) => (n, true),
                None => (long, false),
            };
            out.push(arg.clone());
            // Unknown names stay with the options: clap reports them.
            if find_long(&known, name).is_some_and(takes_value) && !value {
                out.extend(rest.next().cloned());
            }
        } else if let Some(short) = short_option(&known, s) {
            out.push(arg.clone());
            if takes_value(short) && s.len() == 2 {
                out.extend(rest.next().cloned());
            }
        } else {
            words.push(arg.clone());
        }
    }
    if !words.is_empty() {
        out.push("--".into());
        out.extend(words);
    }
    out
}

/// Where the command name is: the first word that is not a top-level option
/// or an option's value.
fn subcommand_index(root: &Command, args: &[OsString]) -> Option<usize> {
    let known: Vec<&Arg> = root.get_arguments().collect();
    let mut i = 1;
    while let Some(arg) = args.get(i) {
        let s = arg.to_str()?;
        if s == "--" {
            return None;
        }
        if let Some(long) = s.strip_prefix("--") {
            if !long.contains('=') && find_long(&known, long).is_some_and(takes_value) {
                i += 1;
            }
        } else if let Some(short) = short_option(&known, s) {
            if takes_value(short) && s.len() == 2 {
                i += 1;
            }
        } else if !s.starts_with('-') {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn find_long<'a>(known: &[&'a Arg], name: &str) -> Option<&'a Arg> {
    known.iter().copied().find(|a| {
        a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|v| v.contains(&name))
    })
}

/// The option `s` names if it is a known short option: exactly `-x`, or
/// `-x` with a numeric value attached (`-n5`). Anything else that starts
/// with one dash (`-nhs`, `-tag:gov`) is a query word.
fn short_option<'a>(known: &[&'a Arg], s: &str) -> Option<&'a Arg> {
    let mut chars = s.strip_prefix('-')?.chars();
    let c = chars.next()?;
    let attached = chars.as_str();
    let arg = known.iter().copied().find(|a| {
        a.get_short() == Some(c) || a.get_all_short_aliases().is_some_and(|v| v.contains(&c))
    })?;
    let fits =
        attached.is_empty() || (takes_value(arg) && attached.bytes().all(|b| b.is_ascii_digit()));
    fits.then_some(arg)
}

fn takes_value(a: &Arg) -> bool {
    a.get_action().takes_values()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn split(line: &str) -> Vec<String> {
        let args = std::iter::once("tidings")
            .chain(line.split(' '))
            .map(OsString::from)
            .collect();
        query_words_last(super::super::Cli::command(), args)
            .into_iter()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn options_move_before_the_query_words() {
        assert_eq!(
            split("list genomics --json --limit 5"),
            ["list", "--json", "--limit", "5", "--", "genomics"]
        );
        assert_eq!(
            split("--cache c.db search a -pharmacy --feed NHS b -n5"),
            [
                "--cache",
                "c.db",
                "search",
                "--feed",
                "NHS",
                "-n5",
                "--",
                "a",
                "-pharmacy",
                "b"
            ]
        );
        assert_eq!(
            split("count -nhs --cache=x -- -tag:gov --json"),
            ["count", "--cache=x", "--", "-nhs", "-tag:gov", "--json"]
        );
        assert_eq!(
            split("list -n 3 --wat a"),
            ["list", "-n", "3", "--wat", "--", "a"]
        );
    }

    #[test]
    fn other_commands_are_unchanged() {
        assert_eq!(split("show 4 --json"), ["show", "4", "--json"]);
        assert_eq!(split("mark-read 1 2"), ["mark-read", "1", "2"]);
        assert_eq!(split("--offline"), ["--offline"]);
        assert_eq!(split("list --json"), ["list", "--json"]);
    }
}
