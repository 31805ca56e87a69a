//! The end of an element: a captured construct is written out whole, what
//! was collected is stored, and the tag is closed (or deferred).

use super::capture::push_cdata;
use super::names::{is_atom, is_rss, Ns};
use super::{Frame, Leaf, Pass, NO_LINK};
use crate::fetch::parse::normalize::person_name;
use crate::fetch::parse::text::escape;
use crate::model::ParseProblem;

impl<'a> Pass<'a> {
    /// Closes the innermost open element of that name and any left open
    /// inside it; an end tag that matches none is dropped.
    pub(super) fn end(&mut self, prefix: &str, local: &str, at: usize) -> Result<(), ParseProblem> {
        let Some(i) = self.stack.iter().rposition(|f| {
            // Renamed elements close under either name, RSS names in any case.
            f.prefix == prefix
                && (f.out_local == local
                    || f.local == local
                    || (is_rss(f.uri) && f.local.eq_ignore_ascii_case(local)))
        }) else {
            self.r.repairs += 1;
            return Ok(());
        };
        while self.stack.len() > i {
            if self.stack.len() > i + 1 {
                self.r.repairs += 1;
            }
            let Some(frame) = self.stack.pop() else { break };
            self.close(frame, at)?;
        }
        Ok(())
    }

    /// Closes one element whose content ends at `at`.
    fn close(&mut self, frame: Frame<'a>, at: usize) -> Result<(), ParseProblem> {
        let depth = self.stack.len() + 1;
        let mut write = self.capture.is_none();
        if self.capture.as_ref().is_some_and(|c| c.depth == depth) {
            if let Some(c) = self.capture.take() {
                let inner = &self.src[c.inner_start.min(at)..at];
                let html = self.captured(&c, inner, frame.base)?;
                push_cdata(&mut self.out, &html);
            }
            write = true;
        }
        self.store_leaf();
        if frame.local == "author" && is_atom(frame.uri) {
            self.store_person();
        }
        if write && frame.item && !self.item_link && frame.uri == Ns::Rss1 {
            // feed-rs drops RSS 1.0 items without a link: rdf:about is
            // one, else a placeholder `normalize` takes out.
            let about = self.r.entries.last().and_then(|e| e.about.clone());
            let link = about.as_deref().unwrap_or(NO_LINK);
            self.out.push_str(&format!("<link>{}</link>", escape(link)));
        }
        if write {
            self.write_end_tag(&frame);
        }
        if frame.item {
            self.r.items.push(self.item_start..self.out.len());
        }
        self.ns.truncate(frame.ns_len);
        Ok(())
    }

    /// Stores the text collected for an author, a date or a title.
    fn store_leaf(&mut self) {
        let Some((leaf, text)) = self.leaf.take() else {
            return;
        };
        let text = text.trim().to_string();
        match leaf {
            Leaf::PersonName => {
                if let Some(p) = self.person.as_mut() {
                    p.0 = text;
                }
            }
            Leaf::PersonEmail => {
                if let Some(p) = self.person.as_mut() {
                    p.1 = text;
                }
            }
            _ if text.is_empty() => {}
            Leaf::Author => {
                let name = person_name(&text);
                let authors = &mut self.extra().authors;
                if !name.is_empty() && !authors.contains(&name) {
                    authors.push(name);
                }
            }
            Leaf::Published => {
                self.extra().published.get_or_insert(text);
            }
            Leaf::Updated => {
                self.extra().updated.get_or_insert(text);
            }
            Leaf::DcTitle => {
                self.extra().dc_title.get_or_insert(text);
            }
            Leaf::Guid => {}
        }
    }

    /// Stores an Atom author: the name, else the email.
    fn store_person(&mut self) {
        if let Some((name, email)) = self.person.take() {
            let name = if name.is_empty() { email } else { name };
            let authors = &mut self.extra().authors;
            if !name.is_empty() && !authors.contains(&name) {
                authors.push(name);
            }
        }
    }

    /// Writes the end tag under the name the start tag was written with.
    /// An RSS channel's end waits for the end of `<rss>`, so items after
    /// `</channel>` land inside it.
    fn write_end_tag(&mut self, frame: &Frame<'a>) {
        if frame.local == "rss" && self.stack.is_empty() {
            if let Some((prefix, name)) = self.defer_channel.take() {
                self.close_tag(prefix, name);
            }
        }
        let defer =
            frame.local == "channel" && self.stack.len() == 1 && self.stack[0].local == "rss";
        if frame.closed {
        } else if defer {
            self.defer_channel = Some((frame.prefix, frame.out_local));
        } else {
            self.close_tag(frame.out_prefix, frame.out_local);
        }
    }
}
