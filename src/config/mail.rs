//! `[mail]`: how bulletins are sent by e-mail. Either an SMTP server (TLS
//! required unless it is on this machine) or a local mail transfer agent
//! run as a command. The password is never written in the config.

use super::sync::{expand_home, hide_line, password_source, refuse_password, At};
use super::{ConfigError, PasswordSource};
use lettre::message::Mailbox;
use serde::Deserialize;
use std::path::PathBuf;
use toml::Spanned;

/// The environment variable read when `[mail]` names no password source.
pub const MAIL_PASSWORD_ENV: &str = "TIDINGS_MAIL_PASSWORD";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// The sender, e.g. `Innovation team <team@example.org>`.
    pub from: Mailbox,
    pub transport: MailTransport,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    Smtp(SmtpConfig),
    /// A program and its arguments (run without a shell) that reads the
    /// message on its standard input, like `sendmail -t`.
    Command(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// Signs in when set.
    pub login: Option<Login>,
    /// A PEM file of certificate authorities trusted besides the usual
    /// ones (a company's own authority).
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub username: String,
    pub password: PasswordSource,
}

/// How the connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS, which must succeed.
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No encryption: only for a server on this machine.
    None,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMail {
    from: Spanned<String>,
    #[serde(default)]
    smtp: Option<Spanned<String>>,
    #[serde(default)]
    tls: Option<Spanned<TlsMode>>,
    #[serde(default)]
    username: Option<Spanned<String>>,
    #[serde(default)]
    password_command: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    password_file: Option<Spanned<String>>,
    /// Refused: present only to give a clear error.
    #[serde(default)]
    password: Option<Spanned<toml::Value>>,
    #[serde(default)]
    ca_file: Option<Spanned<String>>,
    #[serde(default)]
    command: Option<Spanned<Vec<String>>>,
}

impl RawMail {
    pub(super) fn check(
        self,
        at: At,
        table: std::ops::Range<usize>,
    ) -> Result<MailConfig, ConfigError> {
        refuse_password("mail", MAIL_PASSWORD_ENV, self.password.as_ref(), at)?;
        let from_text = self.from.get_ref().trim();
        let from = if from_text.chars().any(char::is_control) {
            Err(String::new())
        } else {
            from_text.parse::<Mailbox>().map_err(|e| e.to_string())
        }
        .map_err(|_| {
            at(
                self.from.span(),
                format!(
                    "mail.from: \"{}\" is not an address like \"Team <team@example.org>\"",
                    from_text.escape_default()
                ),
            )
        })?;
        let transport = match (self.smtp, self.command) {
            (Some(_), Some(c)) => {
                return Err(at(c.span(), "mail: give smtp or command, not both".into()))
            }
            (None, None) => {
                return Err(at(
                    table,
                    "mail needs smtp = \"host:port\" or command = [\"sendmail\", \"-t\"]".into(),
                ))
            }
            (None, Some(c)) => {
                let only_smtp = [
                    ("tls", self.tls.as_ref().map(Spanned::span)),
                    ("username", self.username.as_ref().map(Spanned::span)),
                    (
                        "password_command",
                        self.password_command.as_ref().map(Spanned::span),
                    ),
                    (
                        "password_file",
                        self.password_file.as_ref().map(Spanned::span),
                    ),
                    ("ca_file", self.ca_file.as_ref().map(Spanned::span)),
                ];
                if let Some((key, Some(span))) = only_smtp.into_iter().find(|(_, s)| s.is_some()) {
                    return Err(at(
                        span,
                        format!("mail.{key} applies to smtp, not to command"),
                    ));
                }
                let argv = c.get_ref();
                if argv.first().is_none_or(|p| p.trim().is_empty())
                    || argv.iter().any(|a| a.contains('\0'))
                {
                    return Err(at(
                        c.span(),
                        "mail.command must name a program, e.g. [\"sendmail\", \"-t\"]".into(),
                    ));
                }
                MailTransport::Command(c.into_inner())
            }
            (Some(s), None) => {
                let (host, port) = parse_host_port(s.get_ref())
                    .map_err(|m| hide_line(at(s.span(), format!("mail.smtp: {m}"))))?;
                let tls = match &self.tls {
                    Some(t) => *t.get_ref(),
                    None if port == 465 => TlsMode::Implicit,
                    None => TlsMode::Starttls,
                };
                if tls == TlsMode::None && !host_is_loopback(&host) {
                    return Err(at(
                        self.tls.as_ref().map_or(s.span(), Spanned::span),
                        format!(
                            "mail.tls = \"none\" is allowed only for a server on this machine \
                             (127.0.0.1, ::1 or localhost), not {host}"
                        ),
                    ));
                }
                let login = match self.username {
                    Some(u) => {
                        let username = u.get_ref().trim().to_string();
                        if username.is_empty() || username.chars().any(char::is_control) {
                            return Err(at(
                                u.span(),
                                "mail.username must be non-empty printable text".into(),
                            ));
                        }
                        let password = password_source(
                            "mail",
                            "smtp",
                            self.password_command,
                            self.password_file,
                            at,
                        )?;
                        Some(Login { username, password })
                    }
                    None => {
                        let stray = self
                            .password_command
                            .as_ref()
                            .map(Spanned::span)
                            .or(self.password_file.as_ref().map(Spanned::span));
                        if let Some(span) = stray {
                            return Err(at(
                                span,
                                "mail: a password needs username = \"...\"".into(),
                            ));
                        }
                        None
                    }
                };
                MailTransport::Smtp(SmtpConfig {
                    host,
                    port,
                    tls,
                    login,
                    ca_file: self.ca_file.map(|f| expand_home(f.get_ref())),
                })
            }
        };
        Ok(MailConfig { from, transport })
    }
}

/// "host:port", "host" (port 587), "[::1]:25".
fn parse_host_port(s: &str) -> Result<(String, u16), String> {
    let s = s.trim();
    let bad = || {
        format!(
            "\"{}\" is not host:port, e.g. \"smtp.example.org:587\"",
            s.escape_default()
        )
    };
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(bad)?;
        if h.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(bad());
        }
        match after {
            "" => (h, None),
            p => (h, Some(p.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|&p| p != 0).ok_or_else(bad)?,
        None => 587,
    };
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':');
    if host.is_empty() || !host.chars().all(valid) {
        return Err(bad());
    }
    Ok((host.to_ascii_lowercase(), port))
}

/// A server on this machine: traffic to it never leaves it.
pub fn host_is_loopback(host: &str) -> bool {
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port() {
        assert_eq!(
            parse_host_port("smtp.example.org:587").unwrap(),
            ("smtp.example.org".into(), 587)
        );
        assert_eq!(
            parse_host_port("Mail.test").unwrap(),
            ("mail.test".into(), 587)
        );
        assert_eq!(parse_host_port("[::1]:2525").unwrap(), ("::1".into(), 2525));
        assert_eq!(
            parse_host_port("127.0.0.1:465").unwrap(),
            ("127.0.0.1".into(), 465)
        );
        for bad in [
            "", ":25", "x:0", "x:99999", "x:y", "a b:25", "[::1", "[zz]:25", "h\r\n:25",
        ] {
            assert!(parse_host_port(bad).is_err(), "{bad:?}");
        }
        assert!(host_is_loopback("127.0.0.2") && host_is_loopback("::1"));
        assert!(host_is_loopback("LOCALHOST"));
        assert!(!host_is_loopback("smtp.example.org") && !host_is_loopback("10.0.0.1"));
    }
}
