//! The last check before anything is written: every output path is inside the output folder,
//! written once, and never both a file and a folder.
//!
//! Pages, aliases, tag pages, copied files and archsite's own files (feed, sitemap, robots.txt)
//! all end up as output paths, and two of them can meet: an alias `/robots.txt` wants the folder
//! `robots.txt/` where the generated file `robots.txt` stands. Caught at write time, that is an
//! operating-system error about a temporary folder; caught here, it names the source files and
//! lines that asked for both paths, every clash in one run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::content::{front_matter_key_line, Content, Document, CONTENT_DIR};
use crate::error::{BuildError, Problem, Result};
use crate::output::MANIFEST;
use crate::site::{FileData, OutputFile};

/// What asked for an output path.
#[derive(Debug, Clone)]
enum Origin<'a> {
    /// A document's own page.
    Page(&'a Document),
    /// One of a document's `aliases`, as written.
    Alias(&'a Document, &'a str),
    /// A file copied as it is (from `static/` or `content/`).
    Copied(PathBuf),
    /// A file archsite makes itself.
    Generated(&'static str),
}

impl Origin<'_> {
    /// Where to point the user: file and line.
    fn location(&self, root: &Path) -> (PathBuf, Option<usize>) {
        match self {
            Origin::Page(d) => (d.file.clone(), None),
            Origin::Alias(d, _) => {
                let line = std::fs::read_to_string(root.join(&d.file))
                    .ok()
                    .and_then(|text| front_matter_key_line(&text, "aliases"));
                (d.file.clone(), line)
            }
            Origin::Copied(p) => (p.clone(), None),
            Origin::Generated(_) => (PathBuf::from(CONTENT_DIR), None),
        }
    }

    fn describe(&self) -> String {
        match self {
            Origin::Page(d) => format!("the page of {}", d.file.display()),
            Origin::Alias(d, written) => format!("alias `{written}` of {}", d.file.display()),
            Origin::Copied(p) => format!("the copied file {}", p.display()),
            Origin::Generated(what) => format!("archsite's {what}"),
        }
    }

    /// Which origin a clash is blamed on: what the user wrote last (an alias), then a copied
    /// file, then a page; archsite's own files last.
    fn blame_rank(&self) -> u8 {
        match self {
            Origin::Alias(..) => 0,
            Origin::Copied(_) => 1,
            Origin::Page(_) => 2,
            Origin::Generated(_) => 3,
        }
    }
}

/// The output path of alias `written` (`/old/` gives `old/index.html`), as the build writes it.
pub fn alias_path(written: &str) -> String {
    let alias = written.trim_matches('/');
    if alias.ends_with(".html") {
        alias.to_string()
    } else {
        format!("{alias}/index.html")
    }
}

/// What archsite writes at a generated `path`, in words.
fn generated_kind(path: &str) -> &'static str {
    let first = path.split('/').next().unwrap_or_default();
    match first {
        "robots.txt" => "robots.txt",
        "sitemap.xml" => "sitemap",
        "atom.xml" => "Atom feed",
        "404.html" => "404 page",
        ".nojekyll" | "CNAME" => "GitHub Pages file",
        "tags" => "tag pages",
        "search" => "search index",
        "assets" => "theme files",
        _ => "generated files",
    }
}

/// Checks every path in `files` (sorted by path) and names the sources of each clash.
pub fn check(files: &[OutputFile], content: &Content, root: &Path) -> Result<()> {
    let mut clashes: Vec<(Vec<usize>, String)> = Vec::new();
    let paths: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut i = 0;
    while i < files.len() {
        let path = files[i].path.as_str();
        let mut j = i + 1;
        while j < files.len() && files[j].path == path {
            j += 1;
        }
        let inside = !path.is_empty()
            && path != MANIFEST
            && path
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..");
        if !inside {
            clashes.push((
                (i..j).collect(),
                format!("`{path}` is not a path inside the output folder"),
            ));
        } else if j - i > 1 {
            clashes.push(((i..j).collect(), format!("`{path}` would be written twice")));
        }
        for (end, _) in path.match_indices('/') {
            let folder = &path[..end];
            if paths.contains(folder) {
                let file = files.partition_point(|f| f.path.as_str() < folder);
                clashes.push((
                    vec![file, i],
                    format!("`{folder}` would be a file and also a folder holding `{path}`"),
                ));
            }
        }
        i = j;
    }
    if clashes.is_empty() {
        return Ok(());
    }
    let origins = Origins::of(content, root);
    let mut problems = Vec::new();
    for (entries, what) in clashes {
        let mut found: Vec<Origin> = Vec::new();
        for o in origins.of_entries(files, &entries) {
            if !found.iter().any(|f| same(f, &o)) {
                found.push(o);
            }
        }
        let blamed = found
            .iter()
            .min_by_key(|o| o.blame_rank())
            .map(|o| o.location(root))
            .unwrap_or_else(|| (PathBuf::from(CONTENT_DIR), None));
        let by: Vec<String> = found.iter().map(Origin::describe).collect();
        problems.push(Problem::error(
            blamed.0,
            blamed.1,
            format!("{what}: asked for by {}", by.join(" and ")),
        ));
    }
    Err(BuildError::sorted(problems))
}

fn same(a: &Origin, b: &Origin) -> bool {
    match (a, b) {
        (Origin::Page(x), Origin::Page(y)) => x.rel == y.rel,
        (Origin::Alias(x, p), Origin::Alias(y, q)) => x.rel == y.rel && p == q,
        (Origin::Copied(x), Origin::Copied(y)) => x == y,
        (Origin::Generated(x), Origin::Generated(y)) => x == y,
        _ => false,
    }
}

/// The documents' pages and aliases by output path, made only when a clash needs explaining.
struct Origins<'a> {
    by_path: HashMap<String, Vec<Origin<'a>>>,
    root: &'a Path,
}

impl<'a> Origins<'a> {
    fn of(content: &'a Content, root: &'a Path) -> Origins<'a> {
        let mut by_path: HashMap<String, Vec<Origin<'a>>> = HashMap::new();
        for d in &content.docs {
            by_path
                .entry(format!("{}index.html", d.site_path))
                .or_default()
                .push(Origin::Page(d));
            for written in &d.front.aliases {
                by_path
                    .entry(alias_path(written))
                    .or_default()
                    .push(Origin::Alias(d, written));
            }
        }
        Origins { by_path, root }
    }

    /// What asked for the files at `entries`: the sources of copied files, the documents whose
    /// page or alias a generated path is, and archsite itself for generated files no document
    /// accounts for.
    fn of_entries(&self, files: &[OutputFile], entries: &[usize]) -> Vec<Origin<'a>> {
        let mut out = Vec::new();
        let mut generated: BTreeMap<&str, usize> = BTreeMap::new();
        for &e in entries {
            match &files[e].data {
                FileData::Copy(src) => {
                    let shown = src.path().strip_prefix(self.root).unwrap_or(src.path());
                    out.push(Origin::Copied(shown.to_path_buf()));
                }
                FileData::Bytes(_) => *generated.entry(files[e].path.as_str()).or_default() += 1,
            }
        }
        for (path, count) in generated {
            let known = self
                .by_path
                .get(path)
                .map(Vec::as_slice)
                .unwrap_or_default();
            out.extend(known.iter().cloned());
            if count > known.len() {
                out.push(Origin::Generated(generated_kind(path)));
            }
        }
        out
    }
}
