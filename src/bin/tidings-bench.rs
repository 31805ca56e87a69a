//! Writes a synthetic cache and a matching config, for benchmarks:
//! `tidings-bench --cache c.db --config c.toml --articles 100000 --feeds 1000`.

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
}

fn main() -> ExitCode {
    let args = Args::parse();
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
