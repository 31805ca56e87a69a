//! The last good copy of each shared list, with its validators.

use super::{from_ts, to_ts, Result, Store};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// A list as last fetched and read without error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCopy {
    pub body: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub fetched_at: DateTime<Utc>,
}

impl Store {
    /// The last good copy of the list at `url`.
    pub fn list_copy(&self, url: &str) -> Result<Option<ListCopy>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT body, etag, last_modified, fetched_at FROM lists WHERE url = ?1",
            )?
            .query_row([url], |r| {
                Ok(ListCopy {
                    body: r.get(0)?,
                    etag: r.get(1)?,
                    last_modified: r.get(2)?,
                    fetched_at: from_ts(r.get(3)?),
                })
            })
            .optional()?)
    }

    /// When each of `urls` was last fetched and kept: what tells whether
    /// another copy of the lists came in.
    pub fn lists_fetched_at(&self, urls: &[&str]) -> Result<Vec<Option<i64>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT fetched_at FROM lists WHERE url = ?1")?;
        let mut out = Vec::with_capacity(urls.len());
        for url in urls {
            out.push(stmt.query_row([url], |r| r.get(0)).optional()?);
        }
        Ok(out)
    }

    /// Keeps `copy` as the list's last good copy.
    pub fn save_list(&mut self, url: &str, copy: &ListCopy) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO lists (url, body, etag, last_modified, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                url,
                copy.body,
                copy.etag,
                copy.last_modified,
                to_ts(copy.fetched_at)
            ])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_copy() {
        let mut s = Store::open_in_memory().unwrap();
        assert_eq!(s.list_copy("http://l.test/").unwrap(), None);
        let copy = |body: &str| ListCopy {
            body: body.into(),
            etag: Some("\"e\"".into()),
            last_modified: None,
            fetched_at: from_ts(1_700_000_000),
        };
        s.save_list("http://l.test/", &copy("one")).unwrap();
        s.save_list("http://l.test/", &copy("two")).unwrap();
        assert_eq!(s.list_copy("http://l.test/").unwrap(), Some(copy("two")));
    }
}
