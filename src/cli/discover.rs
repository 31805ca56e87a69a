//! `tidings discover URL`: the feeds a page advertises, or, when it has
//! none, scraping rules suggested from its repeated structure.

use super::{CliError, Context};
use crate::fetch::full_text;
use crate::fetch::http::{HttpClient, Response};
use crate::model::FetchState;
use crate::sanitize;
use crate::scrape;
use std::process::ExitCode;

pub fn run(ctx: &Context, url: &str) -> Result<ExitCode, CliError> {
    let url = url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| CliError::Usage(format!("\"{url}\" is not an http(s) address")))?;
    // Settings come from the config when there is one (user agent, limits).
    let settings = ctx.config().map(|c| c.settings).unwrap_or_default();
    let http = HttpClient::new(&settings).map_err(|e| CliError::Failed(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the runtime: {e}")))?;
    let (body, final_url) = match runtime.block_on(http.get(&url, &FetchState::default())) {
        Ok(Response::Body { body, url, .. }) => (body, url),
        Ok(Response::NotModified { .. }) => {
            return Err(CliError::Failed(format!("{url}: unexpected 304")))
        }
        Err(e) => return Err(CliError::Failed(format!("{url}: {e}"))),
    };
    if scrape::looks_like_feed(&body) {
        println!("{final_url} is a feed: add it as it is.\n");
        println!("[[feed]]\nname = \"...\"\nurl = \"{final_url}\"");
        print!("{}", full_text_hint(&body, &final_url));
        return Ok(ExitCode::SUCCESS);
    }
    let html = String::from_utf8_lossy(&body);
    let feeds = scrape::feed_links(&html, &final_url);
    if let Some(first) = feeds.first() {
        println!("{final_url} advertises {} feed(s):\n", feeds.len());
        for f in &feeds {
            let title = f.title.as_deref().map(sanitize::line).unwrap_or_default();
            println!("  {:<5} {}  {title}", f.kind, f.url);
        }
        println!("\n[[feed]]\nname = \"...\"\nurl = \"{}\"", first.url);
        if let Ok(Response::Body { body, url, .. }) =
            runtime.block_on(http.get(&first.url, &FetchState::default()))
        {
            print!("{}", full_text_hint(&body, &url));
        }
    }
    match scrape::suggest_rules(&html, &final_url) {
        Some(s) => {
            if feeds.is_empty() {
                println!("{final_url} advertises no feed. Suggested rules, from its repeated structure:\n");
            } else {
                println!(
                    "\nOr read the page itself with these rules, from its repeated structure:\n"
                );
            }
            println!("[[feed]]\nname = \"...\"\nurl = \"{final_url}\"\nkind = \"html\"");
            print!("{}", sanitize::text(&s.to_toml()));
            Ok(ExitCode::SUCCESS)
        }
        None if feeds.is_empty() => Err(CliError::Failed(format!(
            "{final_url} advertises no feed and has no repeated list of links to scrape"
        ))),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// A `full_text` line to add when the feed's entries are only summaries.
fn full_text_hint(body: &[u8], url: &url::Url) -> &'static str {
    match crate::fetch::parse::parse_feed(body, url) {
        Ok(feed) if full_text::summaries_only(&feed) => {
            "# Its entries carry only short summaries: read each article's page in full.\nfull_text = \"auto\"\n"
        }
        _ => "",
    }
}
