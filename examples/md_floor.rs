//! The floor for a build: read every `.md` file under a folder and turn it into HTML with
//! pulldown-cmark alone (archsite's markdown options, in parallel with rayon), writing nothing.
//!
//! No generator that renders the same markdown can be faster than this, so benchmarks compare
//! build times against it. Run: `cargo run --release --example md_floor -- DIR`.
//!
//! With `--highlight`, fenced code also goes through archsite's syntax highlighter (syntect, one
//! shared highlighter as in a build): the floor for a site whose code blocks are highlighted.

use std::time::Instant;

use archsite::highlight::Highlighter;
use pulldown_cmark::{html::push_html, CodeBlockKind, Event, Parser, Tag, TagEnd};
use rayon::prelude::*;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let highlight = args.iter().any(|a| a == "--highlight");
    let Some(dir) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: md_floor [--highlight] DIR");
        return std::process::ExitCode::from(2);
    };
    let start = Instant::now();
    let files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    let options = archsite::markdown::options();
    let highlighter = Highlighter::new();
    let (bytes_in, bytes_out) = files
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return (0, 0);
            };
            let mut html = String::with_capacity(text.len() * 3 / 2);
            if highlight {
                push_html(
                    &mut html,
                    highlighted(Parser::new_ext(&text, options), &highlighter).into_iter(),
                );
            } else {
                push_html(&mut html, Parser::new_ext(&text, options));
            }
            (text.len(), html.len())
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let elapsed = start.elapsed();
    println!(
        "{} files, {} bytes of markdown to {} bytes of HTML{} in {:.1} ms",
        files.len(),
        bytes_in,
        bytes_out,
        if highlight { " (code highlighted)" } else { "" },
        elapsed.as_secs_f64() * 1000.0
    );
    std::process::ExitCode::SUCCESS
}

/// Replaces each fenced code block's events with the highlighter's HTML for it.
fn highlighted<'a>(parser: Parser<'a>, highlighter: &Highlighter) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    let mut code: Option<(String, String)> = None;
    for event in parser {
        match (&mut code, event) {
            (None, Event::Start(Tag::CodeBlock(kind))) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split([' ', ',', '{']).next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            (Some((_, text)), Event::Text(t)) => text.push_str(&t),
            (Some((lang, text)), Event::End(TagEnd::CodeBlock)) => {
                out.push(Event::Html(highlighter.block(lang, text).into()));
                code = None;
            }
            (Some(_), _) => {}
            (None, other) => out.push(other),
        }
    }
    out
}
