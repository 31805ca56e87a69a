//! Self-contained HTML for pasting into an e-mail: inline styles only, no
//! scripts, no remote resources; feed text escaped.

use super::Bulletin;

const BODY: &str = "margin:0;padding:16px;background:#ffffff;color:#222222;\
    font-family:Georgia,'Times New Roman',serif;font-size:16px;line-height:1.45";
const H1: &str = "margin:0 0 4px;font-size:24px;font-weight:bold";
const META: &str = "margin:0;color:#666666;font-size:13px";
const H2: &str = "margin:24px 0 8px;padding-bottom:2px;border-bottom:1px solid #dddddd;\
    font-size:18px;font-weight:bold";
const ENTRY: &str = "margin:0 0 16px";
const TITLE: &str = "margin:0;font-size:16px;font-weight:bold";
const LINK: &str = "color:#1a4f8b;text-decoration:none";
const PARA: &str = "margin:4px 0 0";

/// The bulletin as one HTML document.
pub fn write(b: &Bulletin) -> String {
    let title = escape(&b.title);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n</head>\n<body style=\"{BODY}\">\n\
         <div style=\"max-width:640px;margin:0 auto\">\n\
         <h1 style=\"{H1}\">{title}</h1>\n<p style=\"{META}\">{} · {}</p>\n",
        escape(&b.period()),
        b.count()
    );
    if b.is_empty() {
        out.push_str(&format!("<p style=\"{PARA}\">Nothing new.</p>\n"));
    }
    for s in &b.sections {
        out.push_str(&format!("<h2 style=\"{H2}\">{}</h2>\n", escape(&s.name)));
        for e in &s.entries {
            out.push_str(&format!("<div style=\"{ENTRY}\">\n<p style=\"{TITLE}\">"));
            let t = escape(&e.title);
            match &e.link {
                Some(url) => out.push_str(&format!(
                    "<a href=\"{}\" style=\"{LINK}\">{t}</a>",
                    escape(url)
                )),
                None => out.push_str(&t),
            }
            out.push_str(&format!(
                "</p>\n<p style=\"{META}\">{} · {}</p>\n",
                escape(&e.sources.join(", ")),
                e.day(b.zone)
            ));
            if !e.paragraph.is_empty() {
                out.push_str(&format!(
                    "<p style=\"{PARA}\">{}</p>\n",
                    escape(&e.paragraph)
                ));
            }
            out.push_str("</div>\n");
        }
    }
    out.push_str("</div>\n</body>\n</html>\n");
    out
}

pub use crate::sanitize::html_escape as escape;
