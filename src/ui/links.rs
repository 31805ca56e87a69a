//! Links leave the interface only to a browser or the clipboard: only
//! http, https and mailto, and never through a shell.

use std::process::{Command, Stdio};

/// The URL, normalised, when it may be opened.
pub fn allowed(link: &str) -> Option<String> {
    let url = url::Url::parse(link.trim()).ok()?;
    matches!(url.scheme(), "http" | "https" | "mailto").then(|| url.to_string())
}

/// The browser command: `$BROWSER` (first of a `:` list, split on
/// whitespace into program and arguments), else xdg-open or open.
fn browser() -> (String, Vec<String>) {
    let from_env = std::env::var("BROWSER").ok().and_then(|b| {
        let first = b
            .split(':')
            .map(str::trim)
            .find(|s| !s.is_empty())?
            .to_string();
        let mut parts = first.split_whitespace().map(str::to_string);
        Some((parts.next()?, parts.collect()))
    });
    from_env.unwrap_or_else(|| {
        let default = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        (default.to_string(), Vec::new())
    })
}

/// Starts the browser with the URL as one argument. Its output is
/// discarded so it cannot draw over the interface.
pub fn open(url: &str) -> Result<(), String> {
    let Some(url) = allowed(url) else {
        return Err("only http, https and mailto links open".into());
    };
    let (program, args) = browser();
    let mut child = Command::new(&program)
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    // Reap it in the background so it does not linger as a zombie.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// The OSC 52 sequence that asks the terminal to copy `text`.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links() {
        assert_eq!(
            allowed("https://a.test/x?q=1"),
            Some("https://a.test/x?q=1".into())
        );
        assert_eq!(allowed("mailto:a@b.test"), Some("mailto:a@b.test".into()));
        assert_eq!(
            allowed("http://a.test/a b"),
            Some("http://a.test/a%20b".into())
        );
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "ftp://x.test/",
            "/relative",
            "; rm -rf ~",
        ] {
            assert_eq!(allowed(bad), None, "{bad}");
        }
    }

    #[test]
    fn osc52_is_base64() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn browser_gets_the_url_as_one_argument() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("args");
        let script = dir.path().join("browser.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$1\" > {}\n",
                out.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        // The only test that reads BROWSER.
        std::env::set_var("BROWSER", &script);
        open("https://a.test/x?a=1&b=$(touch pwned);c").unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !out.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        let got = std::fs::read_to_string(&out).unwrap();
        assert_eq!(got, "1\nhttps://a.test/x?a=1&b=$(touch%20pwned);c\n");
        assert!(!dir.path().join("pwned").exists());
        assert!(open("file:///etc/passwd").is_err());
    }
}
