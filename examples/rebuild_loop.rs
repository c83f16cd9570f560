//! The dev server's rebuild path, timed in-process: build a site once with a cache, as
//! `archsite serve` does, then edit one markdown file N times and time each cached rebuild,
//! stage by stage. Prints the median and the fastest time of every stage.
//!
//! Without the HTTP server, the watcher and the debounce, the figures move less with the
//! machine's load than `bench/serve_latency.py`'s, which makes this the tool for comparing two
//! versions of the rebuild code: run both binaries one after the other, a few times each.
//!
//! Run: `cargo run --release --example rebuild_loop -- SITE content/some/page.md [N]`
//! (N = 21 by default). The page gets a line appended per edit; use a copy of the site.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use archsite::site::{self, BuildOptions, RenderCache};

/// The binary's allocator, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(root), Some(page)) = (args.first(), args.get(1)) else {
        eprintln!("usage: rebuild_loop SITE content/PAGE.md [EDITS]");
        return ExitCode::from(2);
    };
    let edits: usize = match args.get(2).map(|n| n.parse()) {
        None => 21,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("EDITS must be a positive number");
            return ExitCode::from(2);
        }
    };
    let root = PathBuf::from(root);
    let page = PathBuf::from(page);
    let options = BuildOptions {
        root: root.clone(),
        ..BuildOptions::default()
    };
    let mut cache = RenderCache::deferring_search();
    let first = match site::generate_cached(&options, &mut cache) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    cache.recycle(first.content);
    if let Some(job) = first.search {
        cache.keep_search_files(job.run());
    }

    let mut stages: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    let mut order: Vec<&'static str> = Vec::new();
    let mut totals = Vec::with_capacity(edits);
    let path = root.join(&page);
    for i in 0..edits {
        let edited = std::fs::read_to_string(&path).map(|text| text + &format!("\nEdit {i}.\n"));
        if let Err(e) = edited.and_then(|text| std::fs::write(&path, text)) {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        cache.note_changes(Some(std::slice::from_ref(&page)));
        let start = Instant::now();
        let mut generated = match site::generate_cached(&options, &mut cache) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        cache.recycle(std::mem::take(&mut generated.content));
        totals.push(start.elapsed().as_secs_f64() * 1000.0);
        for (name, took) in &generated.timings.stages {
            if !order.contains(name) {
                order.push(name);
            }
            stages
                .entry(name)
                .or_default()
                .push(took.as_secs_f64() * 1000.0);
        }
    }

    println!(
        "{edits} cached rebuilds after an edit of {}: median (fastest), ms",
        page.display()
    );
    let summary = |times: &mut Vec<f64>| {
        times.sort_by(f64::total_cmp);
        (times[times.len() / 2], times[0])
    };
    for name in order {
        if let Some(times) = stages.get_mut(name) {
            let (median, fastest) = summary(times);
            println!("  {name:<22} {median:>8.2} ({fastest:.2})");
        }
    }
    let (median, fastest) = summary(&mut totals);
    println!("  {:<22} {median:>8.2} ({fastest:.2})", "total");
    ExitCode::SUCCESS
}
