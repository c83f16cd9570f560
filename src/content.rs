//! Loads `content/`: markdown files with front matter become [`Document`]s.
//!
//! `_index.md` is a section, any other `.md` file a page, and a folder holding `index.md` a page
//! bundle whose other files are published beside it. This stage reads and checks input only; it
//! renders nothing, so everything after it works on plain data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use rayon::prelude::*;
use serde::Deserialize;

use crate::error::{explain_unknown_field, line_of, BuildError, Problem, Result};
use crate::safe_fs::{self, SiteFile, Walked};

/// The content folder's name under the site root.
pub const CONTENT_DIR: &str = "content";

/// Front matter keys, all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FrontMatter {
    /// Page title; falls back to the first `# heading`, then the file name.
    pub title: Option<String>,
    /// One-sentence summary for listings and meta tags.
    pub description: Option<String>,
    /// Publication date: `2024-10-06`, `2024-10-06 21:45:00` or RFC 3339.
    pub date: Option<DateField>,
    /// Last update, same forms as `date`.
    pub updated: Option<DateField>,
    /// Drafts are left out unless the build asks for them.
    pub draft: bool,
    /// Order within the section (lower first).
    pub weight: Option<i64>,
    /// Replaces the last part of the URL: the file name of a page, the folder name of a section
    /// (`_index.md`) or a page bundle (`index.md`).
    pub slug: Option<String>,
    /// Tag names.
    pub tags: Vec<String>,
    /// Other site paths that redirect here.
    pub aliases: Vec<String>,
    /// Template to render with, instead of `page.html` / `section.html`.
    pub template: Option<String>,
    /// Free values for templates.
    pub extra: Option<serde_json::Value>,
}

/// A date as written in front matter: text in YAML, text or a native datetime in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DateField {
    /// `2024-10-06` or `2024-10-06 21:45:00`.
    Text(String),
    /// A TOML datetime literal.
    Toml(toml::value::Datetime),
}

impl DateField {
    fn as_text(&self) -> String {
        match self {
            DateField::Text(s) => s.trim().to_string(),
            DateField::Toml(d) => d.to_string(),
        }
    }
}

/// Whether a document is a page or a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A regular page.
    Page,
    /// A section (`_index.md`), which lists its pages.
    Section,
}

/// One markdown file, read and checked.
#[derive(Debug, Clone)]
pub struct Document {
    /// Page or section.
    pub kind: Kind,
    /// Path relative to `content/`, with `/` separators (`notes/week-40.md`).
    pub rel: String,
    /// Path relative to the site root, for messages (`content/notes/week-40.md`).
    pub file: PathBuf,
    /// Parsed front matter.
    pub front: FrontMatter,
    /// The resolved title.
    pub title: String,
    /// Publication date, parsed.
    pub date: Option<NaiveDateTime>,
    /// Last update, parsed.
    pub updated: Option<NaiveDateTime>,
    /// Markdown after the front matter; a leading `# Title` used as title is blanked.
    pub body: String,
    /// Number of lines before `body` in the file, to report body lines as file lines.
    pub body_line_offset: usize,
    /// Site path of the output (`notes/week-40/`, `""` for the home page).
    pub site_path: String,
    /// Index (in [`Content::docs`]) of the section that lists this document.
    pub parent: Option<usize>,
    /// 1-based line of the `tags` key in the front matter, for problems about tags.
    pub tags_line: Option<usize>,
    /// xxh3 hash of the file's bytes (of the site title for the implicit home page): every
    /// field above but `parent` follows from it and `rel`, so later stages key caches on it.
    pub source_hash: u64,
}

/// A non-markdown file under `content/`, published at the same relative path, or beside its
/// page when it lies in a page bundle (see [`bundle_file_path`]).
#[derive(Debug, Clone)]
pub struct Asset {
    /// The source file, inside the site.
    pub source: SiteFile,
    /// Output path relative to the output root, `/` separated.
    pub rel: String,
}

/// Everything under `content/`.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// All documents: sections and pages, drafts removed unless asked for. Index 0 is the home
    /// section.
    pub docs: Vec<Document>,
    /// Document index by `rel` path.
    pub by_rel: HashMap<String, usize>,
    /// Files to copy as they are.
    pub assets: Vec<Asset>,
    /// Warnings of the walk: symbolic links skipped.
    pub warnings: Vec<Problem>,
}

/// What walking `content/` found.
#[derive(Debug, Clone, Default)]
struct Walk {
    /// Markdown files, by path under `content/`.
    md: Vec<Walked>,
    /// The other files.
    assets: Vec<Asset>,
    /// Symbolic links skipped.
    warnings: Vec<Problem>,
}

/// Options for loading content.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Keep drafts.
    pub drafts: bool,
}

/// What earlier loads found, for the dev server's rebuilds, so that a rebuild reads and parses
/// only what changed:
///
/// - told which files changed (the watcher knows), when no file was added or removed, a load
///   takes the last build's [`Content`] (given back with [`ParseCache::recycle`]) and parses
///   again only the changed files, in place;
/// - otherwise it reads every file, but parses only those whose bytes changed.
#[derive(Debug, Default)]
pub struct ParseCache {
    /// Markdown files and other files under `content/`, as the last walk found them.
    walk: Option<Walk>,
    /// The last build's content, when it was given back.
    last: Option<Content>,
    /// Parsed documents that `last` does not hold: drafts left out, the documents of a load
    /// that failed.
    loose: HashMap<String, Document>,
    /// Files that did not parse: read again by the next load, whatever changed.
    reread: Vec<PathBuf>,
    /// Whether the last full load kept drafts.
    drafts: bool,
}

impl ParseCache {
    /// Takes back the content of a finished build, so the next load reuses its documents
    /// without parsing or copying them.
    pub fn recycle(&mut self, content: Content) {
        self.last = Some(content);
    }

    /// Whether the last walk still holds: every path in `changed` (relative to the site root)
    /// is outside `content/` or a file of that walk that still exists.
    fn walk_still_valid(&self, root: &Path, changed: &[PathBuf]) -> bool {
        let Some(Walk { md, assets, .. }) = &self.walk else {
            return false;
        };
        changed.iter().all(|path| {
            let Ok(inside) = path.strip_prefix(CONTENT_DIR) else {
                return true;
            };
            let rel = rel_slash(inside, Path::new(""));
            let known = if rel.ends_with(".md") {
                md.iter().any(|m| m.rel == rel)
            } else {
                assets.iter().any(|a| a.rel == rel)
            };
            known && root.join(path).is_file()
        })
    }

    /// Every document held, by `rel`, emptying the cache of them.
    fn take_documents(&mut self) -> HashMap<String, Document> {
        let mut docs = std::mem::take(&mut self.loose);
        if let Some(last) = self.last.take() {
            docs.extend(last.docs.into_iter().map(|d| (d.rel.clone(), d)));
        }
        docs
    }
}

impl Content {
    /// Walks `root/content` and loads every document, collecting all problems before failing.
    pub fn load(root: &Path, site_title: &str, options: LoadOptions) -> Result<Content> {
        Content::load_with(root, site_title, options, None)
    }

    /// [`Content::load`], reusing what `cache` holds. `changed` lists the paths (relative to
    /// the root) that changed since the last load, or is `None` when that is not known.
    pub fn load_cached(
        root: &Path,
        site_title: &str,
        options: LoadOptions,
        cache: &mut ParseCache,
        changed: Option<&[PathBuf]>,
    ) -> Result<Content> {
        if let Some(changed) = changed {
            let mut changed = changed.to_vec();
            changed.append(&mut cache.reread);
            if cache.last.is_some()
                && cache.drafts == options.drafts
                && cache.walk_still_valid(root, &changed)
            {
                if let Some(loaded) = Content::reload_changed(site_title, options, cache, &changed)
                {
                    return loaded;
                }
            }
        }
        Content::load_with(root, site_title, options, Some(cache))
    }

    /// The last build's content with the markdown files in `changed` parsed again, in place;
    /// `None` when that cannot give what a full load would (a draft appears or disappears),
    /// and the caller loads everything.
    fn reload_changed(
        site_title: &str,
        options: LoadOptions,
        cache: &mut ParseCache,
        changed: &[PathBuf],
    ) -> Option<Result<Content>> {
        let mut content = cache.last.take()?;
        let mut parsed = Vec::new();
        for path in changed {
            let Ok(inside) = path.strip_prefix(CONTENT_DIR) else {
                continue;
            };
            let rel = rel_slash(inside, Path::new(""));
            if !rel.ends_with(".md") {
                continue;
            }
            let Some(&i) = content.by_rel.get(&rel) else {
                // A draft left out, or a file that did not parse before.
                cache.last = Some(content);
                return None;
            };
            let file = Path::new(CONTENT_DIR).join(&rel);
            let walked = cache
                .walk
                .as_ref()
                .and_then(|w| w.md.iter().find(|m| m.rel == rel));
            let Some(walked) = walked else {
                cache.last = Some(content);
                return None;
            };
            let doc = walked
                .file
                .read()
                .map_err(|e| vec![Problem::error(file.clone(), None, e.to_string())])
                .and_then(|bytes| parse_document(&rel, &file, &bytes));
            parsed.push((i, path, doc));
        }
        let mut problems = Vec::new();
        for (i, path, doc) in parsed {
            match doc {
                Ok(doc) if doc.front.draft && !options.drafts => {
                    cache.last = Some(content);
                    return None;
                }
                Ok(mut doc) => {
                    doc.parent = content.docs[i].parent;
                    content.docs[i] = doc;
                }
                Err(p) => {
                    // The last good version stays; the file is read again next time.
                    problems.extend(p);
                    cache.reread.push(path.clone());
                }
            }
        }
        let checked = if problems.is_empty() {
            check_unique_urls(&content.docs)
        } else {
            Err(BuildError::sorted(problems))
        };
        if let Err(e) = checked {
            cache.last = Some(content);
            return Some(Err(e));
        }
        if let Some(Walk { md, assets, .. }) = &cache.walk {
            // The home page made up when there is no content/_index.md has the site's title.
            if !md.iter().any(|m| m.rel == "_index.md") {
                content.docs[0] = implicit_home(site_title);
            }
            // A slug change moves the files of a page bundle.
            content.assets = published_assets(assets.clone(), &content.docs, &content.by_rel);
        }
        Some(Ok(content))
    }

    fn load_with(
        root: &Path,
        site_title: &str,
        options: LoadOptions,
        mut cache: Option<&mut ParseCache>,
    ) -> Result<Content> {
        if !root.join(CONTENT_DIR).is_dir() {
            // Without it the build would publish an empty site over the last good one.
            return Err(BuildError::single(Problem::error(
                CONTENT_DIR,
                None,
                "the content folder is missing (moved or renamed?): the site's pages are the \
                 markdown files in content/, so there is nothing to build",
            )));
        }
        let Walk {
            md: md_files,
            assets,
            warnings,
        } = walk_content(root)?;
        if let Some(c) = cache.as_deref_mut() {
            c.walk = Some(Walk {
                md: md_files.clone(),
                assets: assets.clone(),
                warnings: warnings.clone(),
            });
            c.drafts = options.drafts;
        }

        let mut previous = cache
            .as_deref_mut()
            .map(ParseCache::take_documents)
            .unwrap_or_default();
        enum Loaded {
            Kept,
            Parsed(Box<Document>),
        }
        let loaded: Vec<std::result::Result<Loaded, Vec<Problem>>> = md_files
            .par_iter()
            .map(|walked| {
                let rel = &walked.rel;
                let file = Path::new(CONTENT_DIR).join(rel);
                let bytes = walked
                    .file
                    .read()
                    .map_err(|e| vec![Problem::error(file.clone(), None, e.to_string())])?;
                let old = previous.get(rel);
                if old.is_some_and(|d| d.source_hash == xxhash_rust::xxh3::xxh3_64(&bytes)) {
                    return Ok(Loaded::Kept);
                }
                parse_document(rel, &file, &bytes).map(|d| Loaded::Parsed(Box::new(d)))
            })
            .collect();

        let mut problems = Vec::new();
        let mut docs = Vec::new();
        for (walked, r) in md_files.iter().zip(loaded) {
            match r {
                Ok(Loaded::Parsed(doc)) => docs.push(*doc),
                Ok(Loaded::Kept) => docs.extend(previous.remove(&walked.rel)),
                Err(p) => problems.extend(p),
            }
        }
        if !problems.is_empty() {
            if let Some(c) = cache {
                c.loose = docs.into_iter().map(|d| (d.rel.clone(), d)).collect();
            }
            return Err(BuildError::sorted(problems));
        }
        if !options.drafts {
            let (kept, drafts): (Vec<Document>, Vec<Document>) =
                docs.into_iter().partition(|d| !d.front.draft);
            docs = kept;
            if let Some(c) = cache {
                c.loose = drafts.into_iter().map(|d| (d.rel.clone(), d)).collect();
            }
        }

        // The home section comes first; create it when content/_index.md is missing.
        let home = docs.iter().position(|d| d.rel == "_index.md");
        let home_doc = match home {
            Some(i) => docs.remove(i),
            None => implicit_home(site_title),
        };
        docs.insert(0, home_doc);

        let by_rel: HashMap<String, usize> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.rel.clone(), i))
            .collect();
        link_parents(&mut docs, &by_rel);
        check_unique_urls(&docs)?;
        let assets = published_assets(assets, &docs, &by_rel);
        Ok(Content {
            docs,
            by_rel,
            assets,
            warnings,
        })
    }

    /// The site path of every document, by its path relative to `content/`, borrowed: what
    /// links between pages are resolved with.
    pub fn site_paths_by_rel(&self) -> SitePaths<'_> {
        self.docs
            .iter()
            .map(|d| (d.rel.as_str(), d.site_path.as_str()))
            .collect()
    }

    /// The pages and sections of every section that has some, in listing order, by the
    /// section's index: one pass over the documents, whatever the number of sections.
    pub fn children_by_section(&self) -> HashMap<usize, Vec<usize>> {
        let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, d) in self.docs.iter().enumerate() {
            if let Some(p) = d.parent {
                children.entry(p).or_default().push(i);
            }
        }
        for list in children.values_mut() {
            sort_in_listing_order(&self.docs, list);
        }
        children
    }
}

/// Site paths by document path relative to `content/` ([`Content::site_paths_by_rel`]).
pub type SitePaths<'a> = rustc_hash::FxHashMap<&'a str, &'a str>;

/// The files under `content/` with the paths they are published at (beside their page for
/// the files of a page bundle).
fn published_assets(
    mut assets: Vec<Asset>,
    docs: &[Document],
    by_rel: &HashMap<String, usize>,
) -> Vec<Asset> {
    for a in &mut assets {
        let site_path_of = |rel: &str| by_rel.get(rel).map(|&i| docs[i].site_path.as_str());
        if let Some(path) = bundle_file_path(&a.rel, site_path_of) {
            a.rel = path;
        }
    }
    assets
}

/// Lists the markdown files and the other files under `root/content` (paths relative to it,
/// sorted), skipping hidden files and folders, and following symbolic links that stay inside
/// the site ([`safe_fs::walk`]).
fn walk_content(root: &Path) -> Result<Walk> {
    let (found, warnings) = safe_fs::walk(root, &root.join(CONTENT_DIR))?;
    let mut walk = Walk {
        warnings,
        ..Walk::default()
    };
    for w in found {
        if w.rel.split('/').any(|part| part.starts_with('.')) {
            continue;
        }
        if w.rel.ends_with(".md") {
            walk.md.push(w);
        } else {
            walk.assets.push(Asset {
                source: w.file,
                rel: w.rel,
            });
        }
    }
    Ok(walk)
}

/// Where a file of a page bundle is published: under its page's URL, so that `pic.png` beside
/// `My Bundle/index.md` is at `my-bundle/pic.png` (or under the bundle's slug), where the
/// page's relative `<img src="pic.png">` finds it. `rel` is the file's path under `content/`;
/// the nearest folder above it that holds an `index.md` is its bundle. `site_path_of` gives the
/// site path of a loaded document by its path under `content/`. `None` for a file in no
/// bundle, which is published at its own path.
pub fn bundle_file_path<'a>(
    rel: &str,
    site_path_of: impl Fn(&str) -> Option<&'a str>,
) -> Option<String> {
    let mut end = rel.len();
    while let Some(slash) = rel[..end].rfind('/') {
        let folder = &rel[..slash];
        if let Some(page) = site_path_of(&format!("{folder}/index.md")) {
            return Some(format!("{page}{}", &rel[slash + 1..]));
        }
        end = slash;
    }
    None
}

/// Sorts the documents at `list` (indices into `docs`) in listing order: weight (missing
/// last), then newest date first, then title (case-blind), then path.
pub fn sort_in_listing_order(docs: &[Document], list: &mut [usize]) {
    let weight = |d: &Document| d.front.weight.unwrap_or(i64::MAX);
    // Case-blind without lower-casing whole titles: most comparisons end at the first letters.
    fn lower(t: &str) -> impl Iterator<Item = char> + '_ {
        t.chars().flat_map(char::to_lowercase)
    }
    list.sort_by(|&a, &b| {
        let (a, b) = (&docs[a], &docs[b]);
        weight(a)
            .cmp(&weight(b))
            .then_with(|| b.date.cmp(&a.date))
            .then_with(|| lower(&a.title).cmp(lower(&b.title)))
            .then_with(|| a.rel.cmp(&b.rel))
    });
}

fn implicit_home(site_title: &str) -> Document {
    Document {
        kind: Kind::Section,
        rel: "_index.md".into(),
        file: Path::new(CONTENT_DIR).join("_index.md"),
        front: FrontMatter::default(),
        title: site_title.to_string(),
        date: None,
        updated: None,
        body: String::new(),
        body_line_offset: 0,
        site_path: String::new(),
        parent: None,
        tags_line: None,
        source_hash: xxhash_rust::xxh3::xxh3_64(site_title.as_bytes()),
    }
}

/// Sets each document's parent to the nearest enclosing section.
fn link_parents(docs: &mut [Document], by_rel: &HashMap<String, usize>) {
    #[allow(clippy::needless_range_loop)] // `docs[i].parent` is set while other entries are read.
    for i in 1..docs.len() {
        let rel = docs[i].rel.clone();
        // A section's own folder is its dir; start looking one folder up.
        let mut folder = folder_of(&rel);
        if docs[i].kind == Kind::Section || rel.ends_with("/index.md") {
            folder = parent_folder(&folder);
        }
        loop {
            let key = if folder.is_empty() {
                "_index.md".to_string()
            } else {
                format!("{folder}/_index.md")
            };
            if let Some(&p) = by_rel.get(&key) {
                if p != i {
                    docs[i].parent = Some(p);
                    break;
                }
            }
            if folder.is_empty() {
                docs[i].parent = Some(0);
                break;
            }
            folder = parent_folder(&folder);
        }
    }
}

fn folder_of(rel: &str) -> String {
    rel.rsplit_once('/')
        .map(|(f, _)| f.to_string())
        .unwrap_or_default()
}

fn parent_folder(folder: &str) -> String {
    folder_of(folder)
}

fn check_unique_urls(docs: &[Document]) -> Result<()> {
    let mut seen: rustc_hash::FxHashMap<&str, &Document> = Default::default();
    seen.reserve(docs.len());
    let mut problems = Vec::new();
    for d in docs {
        if let Some(other) = seen.insert(&d.site_path, d) {
            problems.push(Problem::error(
                d.file.clone(),
                None,
                format!(
                    "maps to the same URL `/{}` as {}",
                    d.site_path,
                    other.file.display()
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(BuildError::sorted(problems))
    }
}

/// Path of `path` relative to `base`, with `/` separators.
pub fn rel_slash(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Parses one markdown file's bytes into a document, or gives every problem found in it: a
/// front matter that does not parse stops there, otherwise each bad value is reported, with
/// the line of its key.
pub fn parse_document(
    rel: &str,
    file: &Path,
    bytes: &[u8],
) -> std::result::Result<Document, Vec<Problem>> {
    if bytes.contains(&0) {
        return Err(vec![Problem::error(
            file,
            None,
            "is a binary file, not markdown text (it contains NUL bytes)",
        )]);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        vec![Problem::error(
            file,
            Some(line),
            format!(
                "is not valid UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )]
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (front, mut body, body_line_offset) =
        split_front_matter(text, file).map_err(|p| vec![p])?;

    let kind = if rel == "_index.md" || rel.ends_with("/_index.md") {
        Kind::Section
    } else {
        Kind::Page
    };
    let mut problems = Vec::new();
    let mut at_key = |key: &str, message: String| {
        problems.push(Problem::error(
            file,
            front_matter_key_line(text, key),
            message,
        ));
    };
    let date = parse_date_field(front.date.as_ref(), "date", &mut at_key);
    let updated = parse_date_field(front.updated.as_ref(), "updated", &mut at_key);

    let heading = take_leading_h1(&mut body, front.title.as_deref());
    let title = front
        .title
        .clone()
        .or(heading)
        .or_else(|| first_heading(&body))
        .unwrap_or_else(|| title_from_file_name(rel));
    let site_path = site_path_of(rel, kind, front.slug.as_deref());
    match &front.slug {
        // `""`, `"--"` or `".."` would give `notes//` or `notes/../`: another page's URL.
        Some(slug) if slugify_path_part(slug).chars().all(|c| c == '.') => at_key(
            "slug",
            format!("slug `{slug}` gives no usable URL part: use letters or digits"),
        ),
        // A file or folder name without letters or digits (`---.md`) would give `notes//`:
        // the URL of another page.
        _ if site_path.contains("//") || site_path.starts_with('/') => {
            problems.push(Problem::error(
                file,
                None,
                "this path gives an empty URL part: name files and folders with letters or digits",
            ));
        }
        _ => {}
    }
    let tags_line = front_matter_key_line(text, "tags");
    for tag in &front.tags {
        // `""`, `#` or `!!!` would link to `/tags//`, `..` to the folder above: no tag page.
        if slugify_path_part(tag).chars().all(|c| c == '.') {
            problems.push(Problem::error(
                file,
                tags_line,
                format!("tag `{tag}` has no letters or digits, so it cannot have a page: use letters or digits"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Document {
        kind,
        rel: rel.to_string(),
        file: file.to_path_buf(),
        front,
        title,
        date,
        updated,
        body,
        body_line_offset,
        site_path,
        parent: None,
        tags_line,
        source_hash: xxhash_rust::xxh3::xxh3_64(bytes),
    })
}

/// Splits `---` YAML or `+++` TOML front matter from the body.
fn split_front_matter(
    text: &str,
    file: &Path,
) -> std::result::Result<(FrontMatter, String, usize), Problem> {
    let first_line = text.lines().next().unwrap_or("").trim_end();
    let fence = match first_line {
        "---" => "---",
        "+++" => "+++",
        _ => return Ok((FrontMatter::default(), text.to_string(), 0)),
    };
    let after_open = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
    let mut offset = after_open;
    let mut close = None;
    for line in text[after_open..].split_inclusive('\n') {
        if line.trim_end() == fence {
            close = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((fm_end, body_start)) = close else {
        return Err(Problem::error(
            file,
            Some(1),
            format!("front matter opened with `{fence}` on line 1 is never closed"),
        ));
    };
    let fm = &text[after_open..fm_end];
    let front = if fence == "---" {
        parse_yaml(fm, file)?
    } else {
        toml::from_str::<FrontMatter>(fm).map_err(|e| {
            let line = e.span().map(|s| line_of(fm, s.start) + 1);
            Problem::error(
                file,
                line,
                format!("TOML front matter: {}", explain_unknown_field(e.message())),
            )
        })?
    };
    let lines_before = line_of(text, body_start) - 1;
    Ok((front, text[body_start..].to_string(), lines_before))
}

fn parse_yaml(fm: &str, file: &Path) -> std::result::Result<FrontMatter, Problem> {
    if fm.trim().is_empty() {
        return Ok(FrontMatter::default());
    }
    serde_saphyr::from_str::<FrontMatter>(fm).map_err(|e| {
        let full = e.to_string();
        let first = full
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches("error: ");
        // serde-saphyr reports "line L column C: message".
        let (line, message) = match first.strip_prefix("line ") {
            Some(rest) => {
                let num: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
                let msg = rest.split_once(": ").map(|(_, m)| m).unwrap_or(rest);
                (num.parse::<usize>().ok().map(|l| l + 1), msg.to_string())
            }
            None => (None, first.to_string()),
        };
        Problem::error(
            file,
            line,
            format!("YAML front matter: {}", explain_unknown_field(&message)),
        )
    })
}

/// The date of front matter key `key`; a value that is no date goes to `problem`.
fn parse_date_field(
    field: Option<&DateField>,
    key: &str,
    problem: &mut impl FnMut(&str, String),
) -> Option<NaiveDateTime> {
    let text = field?.as_text();
    let date = parse_date(&text);
    if date.is_none() {
        problem(
            key,
            format!(
                "`{key}: {text}` is not a date (use 2024-10-06, 2024-10-06 21:45:00 or RFC 3339)"
            ),
        );
    }
    date
}

/// The 1-based line of a top-level front matter key, in YAML (`key:`) or TOML (`key =`).
pub fn front_matter_key_line(text: &str, key: &str) -> Option<usize> {
    let mut lines = text.lines().enumerate();
    let fence = lines.next().map(|(_, l)| l.trim_end())?;
    if fence != "---" && fence != "+++" {
        return None;
    }
    for (i, line) in lines {
        if line.trim_end() == fence {
            return None;
        }
        if line.starts_with(char::is_whitespace) {
            continue;
        }
        if line.split([':', '=']).next().map(str::trim) == Some(key) {
            return Some(i + 1);
        }
    }
    None
}

/// Parses the date forms front matter accepts.
pub fn parse_date(text: &str) -> Option<NaiveDateTime> {
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(text) {
        // The date as written: `01:00+05:00` on the 6th is shown as the 6th.
        return Some(d.naive_local());
    }
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(text, fmt) {
            return Some(d);
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// If the body opens with `# Heading` and no other title is set (or it repeats the title),
/// blanks that line and returns the heading text. Line numbers stay the same.
fn take_leading_h1(body: &mut String, title: Option<&str>) -> Option<String> {
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            offset += line.len();
            continue;
        }
        let heading = without_closing_hashes(trimmed.strip_prefix("# ")?.trim());
        if heading.is_empty() || title.is_some_and(|t| t != heading) {
            return None;
        }
        let heading = heading.to_string();
        let end = offset + line.trim_end_matches(['\n', '\r']).len();
        body.replace_range(offset..end, "");
        return Some(heading);
    }
    None
}

/// The text of the first ATX heading of any level (`## Data Types`) outside fenced code, with
/// a closing `#` sequence and a `{#id .class}` attribute block taken off: the title of a page
/// with no front matter title and no leading `# Title` (as in many books' chapters).
fn first_heading(body: &str) -> Option<String> {
    let mut fence: Option<(char, usize)> = None;
    for line in body.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        if let Some(c) = marker {
            let run = trimmed.chars().take_while(|x| *x == c).count();
            if run >= 3 && indent < 4 {
                match fence {
                    None => fence = Some((c, run)),
                    Some((open, len))
                        if open == c && run >= len && trimmed.trim_end().len() == run =>
                    {
                        fence = None
                    }
                    _ => {}
                }
                continue;
            }
        }
        if fence.is_some() || indent >= 4 {
            continue;
        }
        let level = trimmed.chars().take_while(|c| *c == '#').count();
        if !(1..=6).contains(&level) {
            continue;
        }
        let rest = &trimmed[level..];
        if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
            continue;
        }
        let mut text = rest.trim();
        if text.ends_with('}') {
            if let Some(open) = text.rfind('{') {
                text = text[..open].trim_end();
            }
        }
        let text = without_closing_hashes(text);
        if !text.is_empty() {
            return Some(text.to_string());
        }
    }
    None
}

/// An ATX heading's text without its closing `#` sequence, which counts only after a space
/// (`# C#` is titled "C#").
fn without_closing_hashes(text: &str) -> &str {
    let closed = text.trim_end_matches('#');
    if closed.is_empty() || closed.ends_with(' ') {
        closed.trim()
    } else {
        text
    }
}

fn title_from_file_name(rel: &str) -> String {
    let name = rel.trim_end_matches(".md");
    let name = name
        .strip_suffix("/_index")
        .or_else(|| name.strip_suffix("/index"))
        .unwrap_or(name);
    let stem = name.rsplit('/').next().unwrap_or(name);
    let words = stem.replace(['-', '_'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Lower-case URL component: letters and digits kept, anything else becomes `-`.
pub fn slugify_path_part(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for c in part.chars() {
        if c.is_alphanumeric() || c == '_' || c == '.' {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The output site path of a document.
fn site_path_of(rel: &str, kind: Kind, slug: Option<&str>) -> String {
    let (folder, name) = match rel.rsplit_once('/') {
        Some((f, n)) => (f, n),
        None => ("", rel),
    };
    let folder_path: Vec<String> = folder
        .split('/')
        .filter(|p| !p.is_empty())
        .map(slugify_path_part)
        .collect();
    let mut parts = folder_path;
    let is_bundle = name == "index.md";
    if kind == Kind::Section || is_bundle {
        if let (Some(slug), Some(last)) = (slug, parts.last_mut()) {
            *last = slugify_path_part(slug);
        }
    } else {
        let stem = name.trim_end_matches(".md");
        parts.push(slugify_path_part(slug.unwrap_or(stem)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}/", parts.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(rel: &str, text: &str) -> std::result::Result<Document, Problem> {
        parse_document(rel, &Path::new("content").join(rel), text.as_bytes()).map_err(|mut p| {
            assert_eq!(p.len(), 1, "{p:?}");
            p.remove(0)
        })
    }

    #[test]
    fn yaml_front_matter_and_seed_dates() {
        let d = doc(
            "notes/a.md",
            "---\ntitle: 'A: b'\ndate: 2024-10-06 21:45:00\n---\n\nBody\n",
        )
        .expect("valid");
        assert_eq!(d.title, "A: b");
        assert_eq!(
            d.date.map(|d| d.to_string()).as_deref(),
            Some("2024-10-06 21:45:00")
        );
        assert_eq!(d.site_path, "notes/a/");
        assert_eq!(d.body_line_offset, 4);
    }

    #[test]
    fn toml_front_matter_with_native_date() {
        let d = doc("b.md", "+++\ntitle = \"B\"\ndate = 2024-10-06\n+++\nx").expect("valid");
        assert_eq!(
            d.date.map(|d| d.date().to_string()).as_deref(),
            Some("2024-10-06")
        );
    }

    #[test]
    fn bad_yaml_reports_file_line() {
        let e = doc("c.md", "---\ntitle: a\n  bad: x\n---\n").expect_err("invalid");
        assert_eq!(e.line, Some(3));
        assert!(e.message.starts_with("YAML front matter"), "{}", e.message);
    }

    #[test]
    fn unknown_front_matter_key_is_named() {
        let e = doc("c.md", "---\ntitel: a\n---\n").expect_err("invalid");
        assert!(e.message.contains("did you mean `title`"), "{}", e.message);
    }

    #[test]
    fn title_falls_back_to_heading_then_file_name() {
        let d = doc("x/my-note.md", "\n# Hello\n\ntext").expect("valid");
        assert_eq!(d.title, "Hello");
        assert!(!d.body.contains("# Hello"));
        let d = doc("x/my-note.md", "text").expect("valid");
        assert_eq!(d.title, "My note");
    }

    #[test]
    fn closing_hashes_need_a_space() {
        assert_eq!(doc("a.md", "# C#\n").expect("ok").title, "C#");
        assert_eq!(doc("a.md", "# Title ##\n").expect("ok").title, "Title");
    }

    #[test]
    fn every_bad_value_is_reported_with_its_line() {
        let text = "---\ntitle: T\ndate: someday\nslug: '--'\nupdated: later\n---\nx";
        let problems = parse_document("a.md", Path::new("content/a.md"), text.as_bytes())
            .expect_err("invalid");
        let found: Vec<(Option<usize>, &str)> = problems
            .iter()
            .map(|p| (p.line, p.message.split(' ').next().unwrap_or("")))
            .collect();
        assert_eq!(
            found,
            vec![
                (Some(3), "`date:"),
                (Some(5), "`updated:"),
                (Some(4), "slug")
            ]
        );
        let toml = "+++\ntitle = \"T\"\n\ndate = \"nope\"\n+++\n";
        assert_eq!(doc("b.md", toml).expect_err("invalid").line, Some(4));
    }

    #[test]
    fn names_without_letters_are_refused() {
        assert!(doc("notes/---.md", "x").is_err());
    }

    #[test]
    fn bundle_files_follow_their_page() {
        let pages: HashMap<String, String> = [
            ("My Bundle/index.md", "my-bundle/"),
            ("notes/Trip/index.md", "notes/holiday/"),
            ("notes/_index.md", "notes/"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let path = |rel: &str| bundle_file_path(rel, |r| pages.get(r).map(String::as_str));
        assert_eq!(
            path("My Bundle/pic.png").as_deref(),
            Some("my-bundle/pic.png")
        );
        assert_eq!(
            path("notes/Trip/Photos/1.jpg").as_deref(),
            Some("notes/holiday/Photos/1.jpg")
        );
        // Beside a section or a plain page: no bundle.
        assert_eq!(path("notes/pic.png"), None);
        assert_eq!(path("pic.png"), None);
    }

    #[test]
    fn bundles_and_sections_get_folder_urls() {
        assert_eq!(doc("a/b/index.md", "x").expect("ok").site_path, "a/b/");
        assert_eq!(doc("a/_index.md", "x").expect("ok").site_path, "a/");
        assert_eq!(doc("_index.md", "x").expect("ok").site_path, "");
    }
}
