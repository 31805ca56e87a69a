//! `tidings bulletin --mail-to` against a real SMTP server: aiosmtpd on
//! 127.0.0.1 with STARTTLS (or implicit TLS) and AUTH, its certificate made
//! for the test, installed in a venv by scripts/smtp-server-setup.sh. The
//! server keeps each message and Python's email package reads it back, as a
//! mail client would. The `command` transport is tested with a small script
//! as the mail transfer agent.
//!
//! Without the venv the SMTP tests are skipped with a message, except in CI
//! (`CI=true`), where they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration as Days, Utc};
use common::server::{Route, TestServer};
use common::Sandbox;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const USER: &str = "team@example.org";
const PASSWORD: &str = "smtp-secret-pw-7731";
const SCRIPT: &str = "scripts/smtp_test_server.py";

fn venv() -> Option<PathBuf> {
    let dir = std::env::var_os("TIDINGS_SMTP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/smtp-venv"));
    let ok = Command::new(dir.join("bin/python"))
        .args(["-c", "import aiosmtpd, trustme"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(dir);
    }
    let msg = format!(
        "aiosmtpd venv not found at {}: run scripts/smtp-server-setup.sh",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("SKIPPED mail: {msg}");
    None
}

/// An aiosmtpd server that keeps what it receives in its own directory;
/// it stops by itself after two minutes and is killed on drop.
struct Smtp {
    dir: tempfile::TempDir,
    port: u16,
    child: Child,
}

impl Smtp {
    fn start(venv: &Path, tls: &str, extra: &[&str]) -> Smtp {
        let dir = tempfile::tempdir().unwrap();
        let pw = dir.path().join("server-pw");
        std::fs::write(&pw, PASSWORD).unwrap();
        let mut child = Command::new(venv.join("bin/python"))
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(SCRIPT))
            .args(["serve", "--lifetime", "120", "--tls", tls, "--dir"])
            .arg(dir.path())
            .args(["--user", USER, "--password-file"])
            .arg(&pw)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the SMTP server did not start in 30 s");
        let port = serde_json::from_str::<Value>(&line)
            .ok()
            .and_then(|v| v["port"].as_u64())
            .unwrap_or_else(|| panic!("the SMTP server said {line:?}"));
        Smtp {
            dir,
            port: u16::try_from(port).unwrap(),
            child,
        }
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The messages received so far, in order, as the server recorded them.
    fn messages(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for n in 1.. {
            let path = self.dir.path().join(format!("msg-{n}.json"));
            match std::fs::read_to_string(&path) {
                Ok(text) => out.push(serde_json::from_str(&text).unwrap()),
                Err(_) => break,
            }
        }
        out
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn item(guid: &str, title: &str, body: &str) -> String {
    let date = (Utc::now() - Days::days(1)).to_rfc2822();
    format!(
        "<item><guid>{guid}</guid><title>{title}</title>\
         <link>http://example.test/{guid}</link>\
         <description><![CDATA[{body}]]></description><pubDate>{date}</pubDate></item>"
    )
}

/// A sandbox whose cache holds two articles, one with a hostile title
/// (CR LF and a Bcc line, as character references so XML keeps them).
fn sandbox_with_articles(server: &TestServer) -> Sandbox {
    server.route(
        "/a.xml",
        Route::file(
            format!(
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{}{}</channel></rss>",
                item("a1", "Triage pilot opens", "<p>The first wards start on Monday.</p>"),
                item(
                    "a2",
                    "Evil pilot&#13;&#10;Bcc: victim@evil.test&#13;&#10;X-Evil: 1",
                    "<p>Body&#13;&#10;Bcc: body@evil.test</p>"
                ),
            ),
            "application/rss+xml",
        ),
    );
    let sb = Sandbox::new();
    sb.write_config("", &[("Health news", &server.url("/a.xml"))]);
    sb.cmd().args(["fetch", "--force"]).assert().success();
    sb
}

/// Appends `[mail]` (and anything else) to the sandbox's config.
fn add_config(sb: &Sandbox, text: &str) {
    let mut config = std::fs::read_to_string(sb.config()).unwrap();
    config.push_str(text);
    std::fs::write(sb.config(), config).unwrap();
}

fn smtp_section(smtp: &Smtp, extra: &str) -> String {
    format!(
        "\n[mail]\nfrom = \"Innovation team <{USER}>\"\nsmtp = \"127.0.0.1:{}\"\n\
         username = \"{USER}\"\nca_file = {:?}\n{extra}",
        smtp.port,
        smtp.ca().display().to_string()
    )
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn bulletin(sb: &Sandbox, args: &[&str]) -> Run {
    let out = sb
        .cmd()
        .arg("bulletin")
        .args(args)
        .env("TIDINGS_MAIL_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn header<'a>(msg: &'a Value, name: &str) -> Vec<&'a str> {
    msg["message"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0].as_str().unwrap().eq_ignore_ascii_case(name))
        .map(|h| h[1].as_str().unwrap())
        .collect()
}

fn header_names(msg: &Value) -> Vec<String> {
    msg["message"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[0].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn delivers_text_and_html_over_starttls_with_auth_and_the_password_shows_nowhere() {
    let Some(venv) = venv() else { return };
    let server = TestServer::start();
    let sb = sandbox_with_articles(&server);
    let smtp = Smtp::start(&venv, "starttls", &[]);
    let pw_file = sb.dir.path().join("smtp-pw");
    std::fs::write(&pw_file, format!("{PASSWORD}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pw_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    add_config(
        &sb,
        &format!(
            "\n[[view]]\nname = \"Pilots\"\nquery = \"pilot\"\n{}",
            smtp_section(
                &smtp,
                &format!("password_file = {:?}\n", pw_file.display().to_string())
            )
        ),
    );
    let log = sb.dir.path().join("tidings.log");
    let out = sb
        .cmd()
        .arg("--log-file")
        .arg(&log)
        .env("TIDINGS_LOG", "trace")
        .args([
            "bulletin",
            "--view",
            "pilots",
            "--since-last",
            "--mail-to",
            "Ann <ann@example.org>,bob@example.org",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");

    let msgs = smtp.messages();
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m["tls"], true, "{m}");
    assert_eq!(m["login"], USER);
    assert_eq!(m["mail_from"], USER);
    assert_eq!(
        m["rcpt_tos"],
        serde_json::json!(["ann@example.org", "bob@example.org"])
    );
    let msg = &m["message"];
    assert_eq!(msg["content_type"], "multipart/alternative", "{msg}");
    assert_eq!(msg["defects"], serde_json::json!([]), "{msg}");
    let parts = msg["parts"].as_array().unwrap();
    let types: Vec<&str> = parts
        .iter()
        .map(|p| p["content_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["text/plain", "text/html"]);
    let text = parts[0]["body"].as_str().unwrap();
    let html = parts[1]["body"].as_str().unwrap();
    assert!(text.contains("Triage pilot opens"), "{text}");
    assert!(text.contains("The first wards start on Monday."), "{text}");
    assert!(
        html.contains("Triage pilot opens") && html.contains("<h1"),
        "{html}"
    );
    // The view and the period, in local days.
    let now = chrono::Local::now();
    let period = format!(
        "{} to {}",
        (now - Days::days(7)).format("%Y-%m-%d"),
        now.format("%Y-%m-%d")
    );
    assert_eq!(header(m, "Subject"), [format!("Pilots: {period}")]);
    assert_eq!(header(m, "Date").len(), 1);
    let id = header(m, "Message-ID");
    assert!(
        id.len() == 1 && id[0].starts_with('<') && id[0].ends_with("@example.org>"),
        "{id:?}"
    );
    assert_eq!(header(m, "From"), ["Innovation team <team@example.org>"]);

    // The password is in no output, no log line, not in the config.
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("sent to 2 recipient(s)"), "{logged}");
    for (what, text) in [
        ("stdout", String::from_utf8_lossy(&out.stdout).into_owned()),
        ("stderr", stderr.into_owned()),
        ("log", logged),
        ("config", std::fs::read_to_string(sb.config()).unwrap()),
    ] {
        assert!(
            !text.contains(PASSWORD),
            "the password is in {what}: {text}"
        );
    }

    // A wrong password: refused with the server's reply, and still hidden.
    std::fs::write(&pw_file, "wrong-pw-but-secret-9\n").unwrap();
    let run = bulletin(&sb, &["--view", "Pilots", "--mail-to", "ann@example.org"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("535"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("wrong-pw-but-secret-9"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("wrong-pw-but-secret-9"));
    assert_eq!(smtp.messages().len(), 1);
}

#[test]
fn hostile_titles_and_view_names_add_no_header_or_recipient() {
    let Some(venv) = venv() else { return };
    let server = TestServer::start();
    let sb = sandbox_with_articles(&server);
    let smtp = Smtp::start(&venv, "starttls", &[]);
    // A view name with a line separator, as a shared list could bring.
    add_config(
        &sb,
        &format!(
            "\n[[view]]\nname = \"Pilots\\u2028Bcc: view@evil.test\"\nquery = \"pilot\"\n{}",
            smtp_section(&smtp, "")
        ),
    );
    let view = "Pilots\u{2028}Bcc: view@evil.test";
    let run = bulletin(&sb, &["--view", view, "--mail-to", "ann@example.org"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let run = bulletin(
        &sb,
        &[
            "--view",
            view,
            "--title",
            "Weekly\r\nBcc: title@evil.test\r\n\r\nbody",
            "--mail-to",
            "ann@example.org",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let msgs = smtp.messages();
    assert_eq!(msgs.len(), 2);
    for m in &msgs {
        assert_eq!(m["rcpt_tos"], serde_json::json!(["ann@example.org"]), "{m}");
        assert_eq!(m["message"]["defects"], serde_json::json!([]), "{m}");
        let names = header_names(m);
        assert_eq!(
            names,
            [
                "From",
                "Subject",
                "Date",
                "Message-ID",
                "Auto-Submitted",
                "To",
                "MIME-Version",
                "Content-Type"
            ],
            "{m}"
        );
        assert_eq!(header(m, "To"), ["ann@example.org"]);
        let subject = header(m, "Subject")[0];
        assert!(!subject.contains(['\r', '\n', '\u{2028}']), "{subject:?}");
        let parts = m["message"]["parts"].as_array().unwrap();
        assert_eq!(parts.len(), 2, "{m}");
        for p in parts {
            assert_eq!(p["defects"], serde_json::json!([]), "{p}");
        }
        // The hostile article is there, on one line.
        let text = parts[0]["body"].as_str().unwrap();
        assert!(
            text.contains("Evil pilot Bcc: victim@evil.test X-Evil: 1"),
            "{text}"
        );
        assert!(!text.contains("\nBcc:"), "{text}");
    }
    assert!(
        header(&msgs[0], "Subject")[0].starts_with("Pilots Bcc: view@evil.test: "),
        "{:?}",
        header(&msgs[0], "Subject")
    );
    assert!(
        header(&msgs[1], "Subject")[0]
            .starts_with("Weekly Bcc: title@evil.test body (Pilots Bcc: view@evil.test): "),
        "{:?}",
        header(&msgs[1], "Subject")
    );
}

#[test]
fn a_refused_recipient_or_a_dead_server_fails_and_since_last_stays() {
    let Some(venv) = venv() else { return };
    let server = TestServer::start();
    let sb = sandbox_with_articles(&server);
    let smtp = Smtp::start(&venv, "starttls", &["--refuse", "nobody@example.org"]);
    add_config(&sb, &smtp_section(&smtp, ""));
    let first = "no earlier bulletin";

    let run = bulletin(
        &sb,
        &[
            "--since-last",
            "--mail-to",
            "ann@example.org,nobody@example.org",
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains(first), "{}", run.stderr);
    assert!(
        run.stderr.contains("550")
            && run
                .stderr
                .contains("<nobody@example.org>: Recipient address rejected"),
        "{}",
        run.stderr
    );
    assert!(smtp.messages().is_empty());

    // A server that is not there.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = std::fs::read_to_string(sb.config()).unwrap();
    std::fs::write(
        sb.config(),
        config.replace(
            &format!("127.0.0.1:{}", smtp.port),
            &format!("127.0.0.1:{dead}"),
        ),
    )
    .unwrap();
    let run = bulletin(&sb, &["--since-last", "--mail-to", "ann@example.org"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("127.0.0.1:{dead}")) && run.stderr.contains(first),
        "{}",
        run.stderr
    );
    std::fs::write(sb.config(), config).unwrap();

    // The mark did not move: this run still covers the first week, and
    // only now the mark moves.
    let run = bulletin(&sb, &["--since-last", "--mail-to", "ann@example.org"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains(first), "{}", run.stderr);
    let msgs = smtp.messages();
    assert_eq!(msgs.len(), 1);
    let text = msgs[0]["message"]["parts"][0]["body"].as_str().unwrap();
    assert!(text.contains("Triage pilot opens"), "{text}");
    let run = bulletin(&sb, &["--since-last", "--mail-to", "ann@example.org"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!run.stderr.contains(first), "{}", run.stderr);
    let msgs = smtp.messages();
    let text = msgs[1]["message"]["parts"][0]["body"].as_str().unwrap();
    assert!(text.contains("Nothing new."), "{text}");
}

#[test]
fn implicit_tls_plain_loopback_and_an_untrusted_certificate() {
    let Some(venv) = venv() else { return };
    let server = TestServer::start();
    let sb = sandbox_with_articles(&server);

    let smtp = Smtp::start(&venv, "implicit", &[]);
    add_config(&sb, &smtp_section(&smtp, "tls = \"implicit\"\n"));
    let run = bulletin(&sb, &["--mail-to", "ann@example.org"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let msgs = smtp.messages();
    assert_eq!((msgs.len(), &msgs[0]["tls"]), (1, &Value::Bool(true)));

    // Without the test's authority the certificate is refused: nothing
    // is sent, and nothing turns the check off.
    let config = std::fs::read_to_string(sb.config()).unwrap();
    let ca_line = format!("ca_file = {:?}\n", smtp.ca().display().to_string());
    std::fs::write(sb.config(), config.replace(&ca_line, "")).unwrap();
    let run = bulletin(&sb, &["--mail-to", "ann@example.org"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("certificate"), "{}", run.stderr);
    assert_eq!(smtp.messages().len(), 1);

    // Plain SMTP is allowed on this machine when asked for.
    let plain = Smtp::start(&venv, "none", &[]);
    let base = std::fs::read_to_string(sb.config()).unwrap();
    let base = &base[..base.find("\n[mail]").unwrap()];
    std::fs::write(
        sb.config(),
        format!(
            "{base}\n[mail]\nfrom = \"{USER}\"\nsmtp = \"localhost:{}\"\ntls = \"none\"\n\
             username = \"{USER}\"\n",
            plain.port
        ),
    )
    .unwrap();
    let run = bulletin(&sb, &["--mail-to", "ann@example.org"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let msgs = plain.messages();
    assert_eq!((msgs.len(), &msgs[0]["tls"]), (1, &Value::Bool(false)));
    assert_eq!(msgs[0]["login"], USER);
    // STARTTLS is required by default: a server without it is refused.
    let config = std::fs::read_to_string(sb.config()).unwrap();
    std::fs::write(sb.config(), config.replace("tls = \"none\"\n", "")).unwrap();
    let run = bulletin(&sb, &["--mail-to", "ann@example.org"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(plain.messages().len(), 1);
}

/// The `command` transport: a script stands in for `sendmail -t`.
#[cfg(unix)]
#[test]
fn command_transport_pipes_the_message_to_an_argument_vector() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start();
    let sb = sandbox_with_articles(&server);
    let dir = sb.dir.path();
    let mta = dir.join("mta");
    std::fs::write(
        &mta,
        "#!/bin/sh\n# Keeps its arguments, one a line, and the message.\n\
         out=\"$1\"; shift\nprintf '%s\\n' \"$@\" > \"$out.args\"\ncat > \"$out\"\n\
         case \"$*\" in *fail*) echo 'mta: queue is full' >&2; exit 75;; esac\n",
    )
    .unwrap();
    std::fs::set_permissions(&mta, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = dir.join("sent.eml");
    let argv = |extra: &str| {
        format!(
            "\n[mail]\nfrom = \"Innovation team <{USER}>\"\ncommand = [{:?}, {:?}, \"-t\", \"$(touch pwned); x\"{extra}]\n",
            mta.display().to_string(),
            out.display().to_string()
        )
    };
    // A failing command: its words in the error, and the mark stays.
    add_config(&sb, &argv(", \"fail\""));
    let run = bulletin(&sb, &["--since-last", "--mail-to", "ann@example.org"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("mta: queue is full") && run.stderr.contains("75"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no earlier bulletin"), "{}", run.stderr);
    let config = std::fs::read_to_string(sb.config()).unwrap();
    std::fs::write(sb.config(), config.replace(", \"fail\"", "")).unwrap();

    let run = bulletin(&sb, &["--since-last", "--mail-to", "ann@example.org"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("no earlier bulletin"), "{}", run.stderr);
    // The arguments arrive as they were written: no shell ran them.
    assert_eq!(
        std::fs::read_to_string(dir.join("sent.eml.args")).unwrap(),
        "-t\n$(touch pwned); x\n"
    );
    assert!(!dir.join("pwned").exists() && !Path::new("pwned").exists());
    let raw = std::fs::read(&out).unwrap();
    assert!(!raw.contains(&b'\r'), "local line ends are LF");
    let text = String::from_utf8(raw).unwrap();
    let head = text.split("\n\n").next().unwrap();
    assert!(head.lines().any(|l| l == "To: ann@example.org"), "{head}");
    assert!(
        head.contains("Content-Type: multipart/alternative"),
        "{head}"
    );
    assert!(!head.lines().any(|l| l.starts_with("Bcc:")), "{head}");
    assert!(
        text.contains("Content-Type: text/plain; charset=utf-8")
            && text.contains("Content-Type: text/html; charset=utf-8"),
        "{text}"
    );
    assert!(text.contains("Triage pilot opens"), "{text}");
}

#[test]
fn mail_to_without_a_mail_section_is_a_usage_error() {
    let server = TestServer::start();
    let sb = sandbox_with_articles(&server);
    let run = bulletin(&sb, &["--mail-to", "ann@example.org"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("needs a [mail] section"),
        "{}",
        run.stderr
    );
    let run = bulletin(&sb, &["--mail-to", "ann@example.org", "--format", "html"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
}
