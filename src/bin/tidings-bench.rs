//! Writes a synthetic cache and a matching config, for benchmarks:
//! `tidings-bench --cache c.db --config c.toml --articles 100000 --feeds 1000`.
//! With `--query`, reports instead how each query is answered on an
//! existing cache: its plans, and the median time of a first page (as the
//! interface asks for it, typed) and of its count:
//! `tidings-bench --cache c.db --query tag:nhs --query '"virtual wards"'`.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Fill a cache with synthetic articles for benchmarks")]
struct Args {
    #[arg(long)]
    cache: PathBuf,
    /// Also write a config listing the synthetic feeds here
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long, default_value_t = 100_000)]
    articles: usize,
    #[arg(long, default_value_t = 1000)]
    feeds: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Report on this query instead of filling (repeatable)
    #[arg(long)]
    query: Vec<String>,
    /// Rows in the page a query report times
    #[arg(long, default_value_t = 500)]
    limit: usize,
}

/// Plans and median times of each query on an existing cache.
fn report(args: &Args) -> Result<(), String> {
    use std::time::Instant;
    use tidings::query::{parse_with, ParseOptions, SqlOptions};
    use tidings::store::{Store, ViewFilter};
    let store = Store::open(&args.cache).map_err(|e| e.to_string())?;
    let opts = SqlOptions {
        stories: true,
        ..Default::default()
    };
    let view = ViewFilter::All;
    let now = chrono::Utc::now();
    let median = |f: &mut dyn FnMut() -> Result<usize, String>| -> Result<(f64, usize), String> {
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..3 {
            let t = Instant::now();
            n = f()?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        Ok((times[1], n))
    };
    for text in &args.query {
        let q = parse_with(text, ParseOptions::TYPING).map_err(|e| e.to_string())?;
        let (list_ms, rows) = median(&mut || {
            store
                .search(&q, &view, &opts, now, args.limit)
                .map(|r| r.len())
                .map_err(|e| e.to_string())
        })?;
        let (count_ms, total) = median(&mut || {
            store
                .count_view(&q, &view, &opts, now)
                .map(|n| n as usize)
                .map_err(|e| e.to_string())
        })?;
        let plan = store
            .plan(&q, &view, &opts, now, args.limit)
            .map_err(|e| e.to_string())?;
        println!("{text:?}: {rows} rows in {list_ms:.1} ms; count {total} in {count_ms:.1} ms");
        println!("  list:  {}", plan.list.join(" | "));
        println!("  count: {}", plan.count.join(" | "));
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.query.is_empty() {
        return match report(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("tidings-bench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let started = std::time::Instant::now();
    let result = tidings::store::Store::open(&args.cache).and_then(|mut store| {
        tidings::synth::fill(
            &mut store,
            args.feeds,
            args.articles,
            chrono::Utc::now(),
            args.seed,
        )
    });
    if let Err(e) = result {
        eprintln!("tidings-bench: {e}");
        return ExitCode::FAILURE;
    }
    if let Some(path) = &args.config {
        let mut text = String::from("[settings]\nrefresh_on_start = false\n");
        for f in tidings::synth::feeds(args.feeds) {
            text.push_str(&format!(
                "\n[[feed]]\nname = \"{}\"\nurl = \"{}\"\ntags = [\"{}\"]\n",
                f.name,
                f.url,
                f.tags.join("\", \"")
            ));
        }
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("tidings-bench: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!(
        "wrote {} articles over {} feeds to {} in {:.1} s",
        args.articles,
        args.feeds,
        args.cache.display(),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
