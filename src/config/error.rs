//! Configuration errors that point at the file, line and column.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write config {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Box<Located>),
}

/// An error at a place in the config file.
#[derive(Debug)]
pub struct Located {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The offending source line, for display.
    pub source_line: String,
}

impl Located {
    /// Builds the error from a byte span into `text`.
    pub fn new(
        path: &std::path::Path,
        text: &str,
        span: Option<Range<usize>>,
        message: String,
    ) -> Self {
        let start = span.map_or(0, |s| s.start.min(text.len()));
        let before = text.get(..start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text
            .get(line_start..start)
            .map_or(1, |s| s.chars().count() + 1);
        let source_line = text
            .get(line_start..)
            .and_then(|rest| rest.lines().next())
            .unwrap_or("")
            .to_string();
        Located {
            path: path.to_path_buf(),
            line,
            column,
            message,
            source_line,
        }
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )?;
        if !self.source_line.trim().is_empty() {
            let pad = " ".repeat(self.column.saturating_sub(1));
            write!(f, "\n    {}\n    {}^", self.source_line, pad)?;
        }
        Ok(())
    }
}

impl ConfigError {
    pub fn at(
        path: &std::path::Path,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        ConfigError::Invalid(Box::new(Located::new(path, text, span, message.into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_from_span() {
        let text = "a = 1\nbb = 2\n";
        let e = Located::new(
            std::path::Path::new("c.toml"),
            text,
            Some(8..10),
            "bad".into(),
        );
        assert_eq!((e.line, e.column), (2, 3));
        assert_eq!(e.source_line, "bb = 2");
        assert_eq!(e.to_string(), "c.toml:2:3: bad\n    bb = 2\n      ^");
    }
}
