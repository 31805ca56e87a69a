//! Sending a bulletin by e-mail: one multipart/alternative message with the
//! text and the HTML bulletin, through an SMTP server or a local mail
//! transfer agent (`[mail]`).
//!
//! Feed text reaches the headers only through the subject, which is cleaned
//! to one printable line before lettre encodes it; bodies are encoded by
//! lettre (quoted-printable or base64), so no line of a feed can end the
//! headers or add a recipient.

use super::Bulletin;
use crate::config::{MailConfig, MailTransport, SmtpConfig, TlsMode, MAIL_PASSWORD_ENV};
use crate::sanitize;
use chrono::{DateTime, Utc};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Mailboxes, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("--mail-to: {0}")]
    Recipients(String),
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("mail password: {0}")]
    Password(String),
    #[error("mail.ca_file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("cannot send the bulletin through the mail server {server}: {reason}")]
    Smtp { server: String, reason: String },
    #[error("mail.command `{program}` failed: {reason}")]
    Command { program: String, reason: String },
}

/// Longest subject kept, in characters (lettre folds long lines).
const SUBJECT_CHARS: usize = 200;

/// Most of a mail command's output kept for its error message.
const OUTPUT_BYTES: usize = 4096;

/// Recipients from `--mail-to`: addresses separated by commas, each
/// optionally with a name (`Ann <ann@example.org>`).
pub fn recipients(s: &str) -> Result<Vec<Mailbox>, MailError> {
    if s.chars().any(char::is_control) {
        return Err(MailError::Recipients(
            "addresses must not contain control characters".into(),
        ));
    }
    let list: Mailboxes = s
        .parse()
        .map_err(|e| MailError::Recipients(format!("{:?} is not a list of addresses: {e}", s)))?;
    let list: Vec<Mailbox> = list.into_iter().collect();
    if list.is_empty() {
        return Err(MailError::Recipients("no address given".into()));
    }
    Ok(list)
}

/// "Pilots: 2026-11-22 to 2026-11-29", naming the view when the bulletin's
/// title is another; always one line of printable text.
pub fn subject(b: &Bulletin, view: Option<&str>) -> String {
    let title = sanitize::line(&b.title);
    let named = match view.map(sanitize::line) {
        Some(v) if !v.is_empty() && !v.eq_ignore_ascii_case(&title) => {
            format!("{title} ({v})")
        }
        _ => title,
    };
    let text = format!("{named}: {}", b.period());
    // `sanitize::line` already drops controls; this keeps the promise even
    // if it changes.
    let clean: String = sanitize::line(&text)
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    match clean.char_indices().nth(SUBJECT_CHARS) {
        Some((i, _)) => format!("{}…", &clean[..i]),
        None => clean,
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): vacation responders do
/// not answer a bulletin.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

/// The message: text and HTML alternatives of `b`.
pub fn message(
    from: &Mailbox,
    to: &[Mailbox],
    b: &Bulletin,
    view: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Message, MailError> {
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(subject(b, view))
        .date(now.into())
        .message_id(Some(message_id(from, now)))
        .header(AutoSubmitted);
    for r in to {
        builder = builder.to(r.clone());
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            super::text(b),
            super::html(b),
        ))
        .map_err(|e| MailError::Build(e.to_string()))
}

/// `<random.seconds@sender's domain>`: unique without naming this machine.
fn message_id(from: &Mailbox, now: DateTime<Utc>) -> String {
    let random: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(24)
        .collect();
    format!("<{random}.{}@{}>", now.timestamp(), from.email.domain())
}

/// Sends `msg` to its recipients as `[mail]` says, waiting at most
/// `timeout` for each step.
pub fn send(cfg: &MailConfig, msg: &Message, timeout: Duration) -> Result<(), MailError> {
    match &cfg.transport {
        MailTransport::Smtp(smtp) => send_smtp(smtp, msg, timeout),
        MailTransport::Command(argv) => pipe(argv, &local_line_ends(&msg.formatted()), timeout),
    }
}

fn send_smtp(smtp: &SmtpConfig, msg: &Message, timeout: Duration) -> Result<(), MailError> {
    let server = if smtp.host.contains(':') {
        format!("[{}]:{}", smtp.host, smtp.port)
    } else {
        format!("{}:{}", smtp.host, smtp.port)
    };
    let tls = match smtp.tls {
        TlsMode::None => Tls::None,
        mode => {
            let mut params = TlsParameters::builder(smtp.host.clone());
            if let Some(path) = &smtp.ca_file {
                let ca_err = |reason: String| MailError::CaFile {
                    path: path.display().to_string(),
                    reason,
                };
                let pem = std::fs::read(path).map_err(|e| ca_err(e.to_string()))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|_| ca_err("no PEM certificate in it".into()))?;
                params = params.add_root_certificate(cert);
            }
            let params = params.build_rustls().map_err(|e| MailError::Smtp {
                server: server.clone(),
                reason: e.to_string(),
            })?;
            if mode == TlsMode::Implicit {
                Tls::Wrapper(params)
            } else {
                Tls::Required(params)
            }
        }
    };
    let mut builder = SmtpTransport::builder_dangerous(smtp.host.clone())
        .port(smtp.port)
        .tls(tls)
        .timeout(Some(timeout));
    let mut password = None;
    if let Some(login) = &smtp.login {
        let secret = crate::sync::read_password(&login.password, "mail", MAIL_PASSWORD_ENV)
            .map_err(MailError::Password)?;
        builder = builder
            .credentials(Credentials::new(
                login.username.clone(),
                secret.expose().to_string(),
            ))
            .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        password = Some(secret);
    }
    builder.build().send(msg).map(|_| ()).map_err(|e| {
        let mut reason = sanitize::line(&e.to_string());
        // A server could echo what it was sent; the password never shows.
        if let Some(p) = password.as_ref().map(|p| p.expose()).filter(|p| !p.is_empty()) {
            reason = reason.replace(p, "(hidden)");
        }
        if reason.contains("certificate") {
            reason.push_str(" (a company's own authority goes in mail.ca_file)");
        } else if smtp.tls == TlsMode::Starttls && reason.contains("STARTTLS") {
            reason.push_str(" (the server must offer STARTTLS; tls = \"none\" is allowed only for a server on this machine)");
        }
        MailError::Smtp { server, reason }
    })
}

/// CRLF line ends as a local mail command expects them: LF.
fn local_line_ends(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Runs `argv` (no shell) with `input` on its standard input; it must exit
/// 0 within `timeout`, or it is killed.
fn pipe(argv: &[String], input: &[u8], timeout: Duration) -> Result<(), MailError> {
    let program = argv.first().map_or("", String::as_str).to_string();
    let fail = |reason: String| MailError::Command {
        program: program.clone(),
        reason,
    };
    let mut child = Command::new(&program)
        .args(argv.iter().skip(1))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("cannot run it: {e}")))?;
    // Input and output go through threads so a command that does not read,
    // writes a lot or leaves a child holding its pipes cannot stall tidings
    // past the timeout.
    let (wrote_tx, wrote_rx) = std::sync::mpsc::channel();
    if let Some(mut stdin) = child.stdin.take() {
        let input = input.to_vec();
        std::thread::spawn(move || {
            // The receiver may be gone after a timeout.
            let _ = wrote_tx.send(stdin.write_all(&input));
        });
    }
    let (said_tx, said_rx) = std::sync::mpsc::channel();
    let outputs = [
        child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|e| Box::new(e) as Box<dyn Read + Send>),
    ];
    let streams = outputs.iter().flatten().count();
    for mut r in outputs.into_iter().flatten() {
        let tx = said_tx.clone();
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let room = OUTPUT_BYTES.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            let _ = tx.send(kept);
        });
    }
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(fail(format!(
                    "no answer after {} s; stopped",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => break Err(fail(e.to_string())),
        }
    };
    let grace = Duration::from_secs(1);
    let mut output = Vec::new();
    for _ in 0..streams {
        if let Ok(kept) = said_rx.recv_timeout(grace) {
            output.extend(kept);
        }
    }
    let wrote = wrote_rx.recv_timeout(grace);
    let status = status?;
    let said = sanitize::line(&String::from_utf8_lossy(&output));
    if !status.success() {
        let mut reason = format!("it exited with {status}");
        if !said.is_empty() {
            reason.push_str(&format!(": {said}"));
        }
        return Err(fail(reason));
    }
    match wrote {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(fail(format!("it did not read the whole message: {e}"))),
        Err(_) => Err(fail("it did not read the whole message".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulletin::{Entry, Section};
    use crate::model::ArticleId;
    use crate::render::Zone;
    use chrono::TimeZone;

    /// A bulletin as [`crate::bulletin::build`] makes one: texts cleaned.
    fn bulletin(title: &str, entry_title: &str) -> Bulletin {
        let to = Utc.with_ymd_and_hms(2026, 11, 29, 9, 0, 0).unwrap();
        Bulletin {
            title: sanitize::line(title),
            from: Some(to - chrono::TimeDelta::days(7)),
            to,
            zone: Zone::utc(),
            sections: vec![Section {
                name: "nhs".into(),
                entries: vec![Entry {
                    id: ArticleId(1),
                    story: 1,
                    title: sanitize::line(entry_title),
                    sources: vec!["Feed".into()],
                    date: Some(to),
                    link: Some("https://example.org/a".into()),
                    paragraph: sanitize::line("Para\r\nBcc: para@evil.test"),
                }],
            }],
        }
    }

    fn from() -> Mailbox {
        "Innovation team <team@example.org>".parse().unwrap()
    }

    /// The header block of a formatted message, unfolded.
    fn headers(raw: &str) -> Vec<String> {
        let head = raw.split("\r\n\r\n").next().unwrap();
        let mut out: Vec<String> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = out.last_mut() {
                    last.push_str(line);
                }
            } else {
                out.push(line.to_string());
            }
        }
        out
    }

    #[test]
    fn subject_names_view_and_period() {
        let b = bulletin("Pilots", "x");
        assert_eq!(
            subject(&b, Some("pilots")),
            "Pilots: 2026-11-22 to 2026-11-29"
        );
        assert_eq!(
            subject(&b, Some("NHS")),
            "Pilots (NHS): 2026-11-22 to 2026-11-29"
        );
        let mut undated = bulletin("Bulletin", "x");
        undated.from = None;
        assert_eq!(subject(&undated, None), "Bulletin: up to 2026-11-29");
        let long = bulletin(&"word ".repeat(100), "x");
        assert!(subject(&long, None).chars().count() <= SUBJECT_CHARS + 1);
    }

    #[test]
    fn hostile_titles_add_no_header() {
        for evil in [
            "News\r\nBcc: victim@evil.test",
            "News\nBcc: victim@evil.test",
            "News\rBcc: victim@evil.test",
            "News\u{85}Bcc: victim@evil.test",
            "News\u{2028}Bcc: victim@evil.test",
            "News\u{0}\u{1b}[2JBcc: victim@evil.test",
            "=?utf-8?q?News=0D=0ABcc:_victim@evil.test?=",
        ] {
            let b = bulletin(evil, evil);
            let to = recipients("ann@example.org").unwrap();
            let now = b.to;
            // The view name is passed as it is: `subject` cleans it.
            let msg = message(&from(), &to, &b, Some(evil), now).unwrap();
            let raw = String::from_utf8(msg.formatted()).unwrap();
            let heads = headers(&raw);
            assert!(
                !heads
                    .iter()
                    .any(|h| h.to_ascii_lowercase().starts_with("bcc")),
                "{evil:?}: {heads:?}"
            );
            assert_eq!(
                heads.iter().filter(|h| h.starts_with("To:")).count(),
                1,
                "{heads:?}"
            );
            // No line of the message starts a Bcc header anywhere, bodies
            // included (they are encoded).
            assert!(!raw.split("\r\n").any(|l| l.starts_with("Bcc:")), "{raw}");
            // Only CRLF line ends, and no bare CR or LF.
            assert!(!raw.replace("\r\n", "").contains(['\r', '\n']), "{raw}");
            assert_eq!(msg.envelope().to().len(), 1);
        }
    }

    #[test]
    fn message_has_both_parts_and_its_headers() {
        let b = bulletin("Pilots", "Triage pilot opens — été");
        let to = recipients("Ann <ann@example.org>, bob@example.org").unwrap();
        let msg = message(&from(), &to, &b, Some("Pilots"), b.to).unwrap();
        let raw = String::from_utf8(msg.formatted()).unwrap();
        let heads = headers(&raw);
        let has = |prefix: &str| heads.iter().any(|h| h.starts_with(prefix));
        assert!(has("Date: Sun, 29 Nov 2026 09:00:00"), "{heads:?}");
        assert!(
            has("Message-ID: <") && raw.contains("@example.org>"),
            "{heads:?}"
        );
        assert!(
            has("Subject: Pilots: 2026-11-22 to 2026-11-29"),
            "{heads:?}"
        );
        assert!(has("Auto-Submitted: auto-generated"), "{heads:?}");
        assert!(has("Content-Type: multipart/alternative"), "{heads:?}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(
            raw.contains("Content-Type: text/html; charset=utf-8"),
            "{raw}"
        );
        assert_eq!(msg.envelope().to().len(), 2);
        // Two messages never share an id.
        let again = message(&from(), &to, &b, None, b.to).unwrap();
        assert_ne!(
            msg.headers().get_raw("Message-ID"),
            again.headers().get_raw("Message-ID")
        );
    }

    #[test]
    fn recipient_lists() {
        assert_eq!(recipients("a@x.test,b@y.test").unwrap().len(), 2);
        assert_eq!(
            recipients("Ann <a@x.test>").unwrap()[0].email.to_string(),
            "a@x.test"
        );
        for bad in [
            "",
            "not an address",
            "a@x.test\r\nBcc: b@y.test",
            "a@x.test\u{0}",
        ] {
            assert!(recipients(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn local_commands_get_lf_line_ends() {
        assert_eq!(local_line_ends(b"a\r\nb\r\n\r\nc\rd"), b"a\nb\n\nc\rd");
    }

    #[cfg(unix)]
    #[test]
    fn command_transport_pipes_without_a_shell() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out; echo owned");
        let argv = vec![
            "sh".to_string(),
            "-c".to_string(),
            "cat > \"$1\"".to_string(),
            "mta".to_string(),
            out.display().to_string(),
        ];
        pipe(&argv, b"hello\n", Duration::from_secs(10)).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"hello\n");
        let failing = vec![
            "sh".to_string(),
            "-c".to_string(),
            "cat >/dev/null; echo 'no route to host' >&2; exit 75".to_string(),
        ];
        let e = pipe(&failing, b"x", Duration::from_secs(10))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("exit status: 75") && e.contains("no route to host"),
            "{e}"
        );
        let stuck = vec!["sleep".to_string(), "30".to_string()];
        let e = pipe(&stuck, b"x", Duration::from_secs(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no answer after 1 s"), "{e}");
        let missing = vec!["/nonexistent/sendmail".to_string()];
        let e = pipe(&missing, b"x", Duration::from_secs(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot run it"), "{e}");
    }
}
