//! The sync password and the cached token. Neither is ever logged, shown
//! or put in an error message.

use super::SyncError;
use crate::config::PasswordSource;
use std::fmt;
use std::path::{Path, PathBuf};

/// A password or token. Its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Secret {
        Secret(s)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(hidden)")
    }
}

/// The environment variable read when the config names no other source.
pub const PASSWORD_ENV: &str = "TIDINGS_SYNC_PASSWORD";

/// Reads the password from where the config says.
pub fn password(source: &PasswordSource) -> Result<Secret, SyncError> {
    read_password(source, "sync", PASSWORD_ENV).map_err(SyncError::Secret)
}

/// Reads a password from where the config's `[section]` says; `env` is the
/// variable read when it names no other source. Errors never hold it.
pub fn read_password(source: &PasswordSource, section: &str, env: &str) -> Result<Secret, String> {
    let text = match source {
        PasswordSource::Command(argv) => run_command(argv)?,
        PasswordSource::File(path) => read_private_file(path)?,
        PasswordSource::Env => std::env::var(env).map_err(|_| {
            format!("no password: set password_command or password_file in [{section}], or ${env}")
        })?,
    };
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(match source {
            PasswordSource::Command(argv) => format!(
                "password_command `{}` printed no password",
                argv.first().map_or("", String::as_str)
            ),
            PasswordSource::File(p) => format!("password_file {} is empty", p.display()),
            PasswordSource::Env => format!("${env} is empty"),
        });
    }
    Ok(Secret(first.to_string()))
}

fn run_command(argv: &[String]) -> Result<String, String> {
    let program = argv.first().map_or("", String::as_str);
    // No shell: the arguments are passed as they are.
    let out = std::process::Command::new(program)
        .args(argv.iter().skip(1))
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run password_command `{program}`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "password_command `{program}` failed ({})",
            out.status
        ));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| format!("password_command `{program}` printed something that is not UTF-8"))
}

fn read_private_file(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read password_file {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(format!(
                "password_file {} can be read by others (mode {mode:o}); run chmod 600 on it",
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read password_file {}: {e}", path.display()))
}

/// A token kept between runs (mode 0600) so the password command is not run
/// every time. One account at a time.
pub struct TokenCache {
    path: Option<PathBuf>,
}

impl TokenCache {
    /// `<state dir>/tidings/sync-token`.
    pub fn default_location() -> TokenCache {
        TokenCache {
            path: crate::paths::default_state_file("sync-token"),
        }
    }

    pub fn at(path: PathBuf) -> TokenCache {
        TokenCache { path: Some(path) }
    }

    /// No cache: always ask for the password.
    pub fn none() -> TokenCache {
        TokenCache { path: None }
    }

    /// The token saved for `account`.
    pub fn load(&self, account: &str) -> Option<Secret> {
        let text = std::fs::read_to_string(self.path.as_ref()?).ok()?;
        let (acct, token) = text.split_once('\n')?;
        let token = token.trim_end();
        (acct == account && !token.is_empty()).then(|| Secret(token.to_string()))
    }

    /// Saves the token, readable by the owner only. A failure only costs a
    /// password prompt next time, so it is logged and otherwise ignored.
    pub fn save(&self, account: &str, token: &Secret) {
        let Some(path) = &self.path else { return };
        if let Err(e) = write_private(path, &format!("{account}\n{}\n", token.0)) {
            tracing::warn!("cannot save the sync token in {}: {e}", path.display());
        }
    }

    pub fn forget(&self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_sources() {
        let dir = tempfile::tempdir().unwrap();
        let cmd = PasswordSource::Command(vec!["printf".into(), "s3cret\\nextra".into()]);
        assert_eq!(password(&cmd).unwrap().expose(), "s3cret");
        let bad = PasswordSource::Command(vec!["false".into()]);
        let e = password(&bad).unwrap_err().to_string();
        assert!(e.contains("password_command `false` failed"), "{e}");
        let file = dir.path().join("pw");
        std::fs::write(&file, "filepass\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = password(&PasswordSource::File(file.clone()))
                .unwrap_err()
                .to_string();
            assert!(e.contains("can be read by others (mode 644)"), "{e}");
            assert!(!e.contains("filepass"));
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert_eq!(
            password(&PasswordSource::File(file)).unwrap().expose(),
            "filepass"
        );
        assert_eq!(
            format!("{:?}", Secret("x".into())),
            "Secret(hidden)".to_string()
        );
    }

    #[test]
    fn token_cache_is_private_and_per_account() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::at(dir.path().join("state/sync-token"));
        assert!(cache.load("a").is_none());
        cache.save("a", &Secret("tok".into()));
        assert_eq!(cache.load("a").unwrap().expose(), "tok");
        assert!(cache.load("b").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("state/sync-token"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        cache.forget();
        assert!(cache.load("a").is_none());
    }
}
