//! `[sync]`: the feed server tidings keeps in step with, and where its
//! secret comes from. The secret itself is never written in the config.

use serde::Deserialize;
use std::path::PathBuf;
use toml::Spanned;

/// The server's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncKind {
    /// The Fever API (FreshRSS, coldsweat, Miniflux, tt-rss plugin).
    Fever,
    /// The Google Reader API (FreshRSS, Miniflux, Inoreader-style servers).
    Greader,
}

impl SyncKind {
    pub fn name(self) -> &'static str {
        match self {
            SyncKind::Fever => "fever",
            SyncKind::Greader => "greader",
        }
    }
}

/// Where the password comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// A program and its arguments, run without a shell; the first line of
    /// its output is the password.
    Command(Vec<String>),
    /// A file only its owner can read; its first line is the password.
    File(PathBuf),
    /// `$TIDINGS_SYNC_PASSWORD`.
    Env,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncConfig {
    pub kind: SyncKind,
    /// The API endpoint, e.g. `https://rss.example.org/api/fever.php`.
    pub url: url::Url,
    pub username: String,
    pub password: PasswordSource,
}

impl SyncConfig {
    /// Identifies the account: cached ids and tokens belong to it.
    pub fn account(&self) -> String {
        format!("{} {} {}", self.kind.name(), self.url, self.username)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSync {
    kind: SyncKind,
    url: Spanned<String>,
    username: Spanned<String>,
    #[serde(default)]
    password_command: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    password_file: Option<Spanned<String>>,
    /// Refused: present only to give a clear error.
    #[serde(default)]
    password: Option<Spanned<toml::Value>>,
}

pub(super) type At<'a> = &'a dyn Fn(std::ops::Range<usize>, String) -> super::ConfigError;

impl RawSync {
    pub(super) fn check(self, at: At) -> Result<SyncConfig, super::ConfigError> {
        refuse_password("sync", "TIDINGS_SYNC_PASSWORD", self.password.as_ref(), at)?;
        let url = super::parse_url(self.url.get_ref()).map_err(|m| at(self.url.span(), m))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(hide_line(at(
                self.url.span(),
                "sync.url must not contain a user name or password; use username and \
                 password_command"
                    .into(),
            )));
        }
        if url.scheme() != "https" && !is_loopback(&url) {
            return Err(at(
                self.url.span(),
                format!(
                    "sync.url must use https (plain http is allowed only for 127.0.0.1, ::1 \
                     or localhost), not \"{}\"",
                    url.scheme()
                ),
            ));
        }
        let username = self.username.get_ref().trim().to_string();
        if username.is_empty() || username.chars().any(char::is_control) {
            return Err(at(
                self.username.span(),
                "sync.username must be non-empty printable text".into(),
            ));
        }
        let password = password_source(
            "sync",
            "freshrss",
            self.password_command,
            self.password_file,
            at,
        )?;
        Ok(SyncConfig {
            kind: self.kind,
            url,
            username,
            password,
        })
    }
}

/// A `password` key is refused without echoing its value or its line.
pub(super) fn refuse_password(
    section: &str,
    env: &str,
    password: Option<&Spanned<toml::Value>>,
    at: At,
) -> Result<(), super::ConfigError> {
    match password {
        Some(p) => Err(hide_line(at(
            p.span(),
            format!(
                "{section}.password: a password is not allowed in the config; use \
                 password_command = [\"pass\", \"show\", \"NAME\"], password_file or ${env}"
            ),
        ))),
        None => Ok(()),
    }
}

/// Where a password comes from: `password_command`, `password_file`, or
/// else the environment. `example` names a secret in the error's example.
pub(super) fn password_source(
    section: &str,
    example: &str,
    command: Option<Spanned<Vec<String>>>,
    file: Option<Spanned<String>>,
    at: At,
) -> Result<PasswordSource, super::ConfigError> {
    Ok(match (command, file) {
        (Some(_), Some(f)) => {
            return Err(at(
                f.span(),
                format!("{section}: give password_command or password_file, not both"),
            ))
        }
        (Some(c), None) => {
            if c.get_ref().first().is_none_or(|p| p.trim().is_empty()) {
                return Err(at(
                    c.span(),
                    format!(
                        "{section}.password_command must name a program, e.g. \
                         [\"pass\", \"show\", \"{example}\"]"
                    ),
                ));
            }
            PasswordSource::Command(c.into_inner())
        }
        (None, Some(f)) => PasswordSource::File(expand_home(f.get_ref())),
        (None, None) => PasswordSource::Env,
    })
}

/// Drops the quoted source line from an error about a secret.
pub(super) fn hide_line(e: super::ConfigError) -> super::ConfigError {
    match e {
        super::ConfigError::Invalid(mut l) => {
            l.source_line.clear();
            super::ConfigError::Invalid(l)
        }
        other => other,
    }
}

/// Plain http is accepted only when the traffic never leaves the machine.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

pub(super) fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}
