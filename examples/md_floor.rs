//! The floor for a build: read every `.md` file under a folder and turn it into HTML with
//! pulldown-cmark alone (archsite's markdown options, in parallel with rayon), writing nothing.
//!
//! No generator that renders the same markdown can be faster than this, so benchmarks compare
//! build times against it. Run: `cargo run --release --example md_floor -- DIR`.

use std::time::Instant;

use pulldown_cmark::{html::push_html, Parser};
use rayon::prelude::*;

fn main() -> std::process::ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: md_floor DIR");
        return std::process::ExitCode::from(2);
    };
    let start = Instant::now();
    let files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    let options = archsite::markdown::options();
    let (bytes_in, bytes_out) = files
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return (0, 0);
            };
            let mut html = String::with_capacity(text.len() * 3 / 2);
            push_html(&mut html, Parser::new_ext(&text, options));
            (text.len(), html.len())
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let elapsed = start.elapsed();
    println!(
        "{} files, {} bytes of markdown to {} bytes of HTML in {:.1} ms",
        files.len(),
        bytes_in,
        bytes_out,
        elapsed.as_secs_f64() * 1000.0
    );
    std::process::ExitCode::SUCCESS
}
