//! `archsite check`: every problem of a site, reported by file and line, nothing written.
//!
//! The check runs the whole build in memory ([`site::generate_from_config`]) with broken links
//! turned into warnings, so one broken link does not hide the rest, then gives them back the
//! severity the site's `broken_links` setting asks for. On top of what a build reports it looks
//! for what a build lets through: images without alt text, pages with the same title, Pros /
//! Cons lists and table columns that the matrix leaves out because they name no subject,
//! subjects no note says anything about, and pages no link reaches. External links are listed,
//! never fetched.
//!
//! What is found inside pages (images, lists, tables) comes from the renderer's records
//! ([`Rendered`]), so the check follows the build's own rules instead of parsing pages again.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::{Config, LinkPolicy, CONFIG_FILE};
use crate::content::{front_matter_key_line, Content, Document, LoadOptions};
use crate::error::{Problem, Severity};
use crate::highlight::Highlighter;
use crate::markdown::{self, shortcodes, Env, LinkTarget, Rendered, Rules, ShortcodeRenderer};
use crate::site::{self, BuildOptions, FileData, Generated};
use crate::term::{plural, Style, Verbosity};
use crate::urls::{is_external, join_path, UrlBuilder};

/// A link to another site, found in a page; listed, never fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLink {
    /// The page's file, relative to the site root.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// The URL as written.
    pub url: String,
}

/// Everything a check found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Every problem, sorted by file, then line.
    pub problems: Vec<Problem>,
    /// Every external link, in page order.
    pub external: Vec<ExternalLink>,
    /// Number of pages checked.
    pub pages: usize,
    /// Number of sections checked.
    pub sections: usize,
}

impl CheckReport {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == severity)
            .count()
    }

    /// The report as printed: problems grouped under their file, then a summary.
    pub fn render(&self, style: Style, verbosity: Verbosity) -> String {
        let mut out = String::new();
        let shown: Vec<&Problem> = self
            .problems
            .iter()
            .filter(|p| verbosity > Verbosity::Quiet || p.severity == Severity::Error)
            .collect();
        let mut current: Option<&Path> = None;
        for p in &shown {
            if current != Some(p.file.as_path()) {
                if current.is_some() {
                    out.push('\n');
                }
                out.push_str(&style.bold(&p.file.display().to_string()));
                out.push('\n');
                current = Some(p.file.as_path());
            }
            out.push_str("  ");
            out.push_str(&style.problem(p));
            out.push('\n');
        }
        if verbosity == Verbosity::Quiet {
            return out;
        }
        if !shown.is_empty() {
            out.push('\n');
        }
        let found = match (self.errors(), self.warnings()) {
            (0, 0) => style.green("no problems"),
            (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
        };
        if self.pages + self.sections == 0 && self.errors() > 0 {
            // Settings or front matter failed: nothing past them could be checked.
            out.push_str(&format!(
                "Stopped early: {found}. Fix these first; the other checks need them fixed.\n"
            ));
        } else {
            out.push_str(&format!(
                "Checked {} and {}: {found}.\n",
                plural(self.pages, "page"),
                plural(self.sections, "section"),
            ));
        }
        if !self.external.is_empty() {
            let hint = if verbosity == Verbosity::Verbose {
                ":"
            } else {
                " (--verbose lists them)."
            };
            out.push_str(&format!(
                "{}, not fetched{hint}\n",
                plural(self.external.len(), "external link")
            ));
            if verbosity == Verbosity::Verbose {
                for l in &self.external {
                    out.push_str(&format!(
                        "  {} {}\n",
                        style.dim(&format!("{}:{}", l.file.display(), l.line)),
                        l.url
                    ));
                }
            }
        }
        out
    }
}

/// Checks the site at `options.root` without writing anything.
pub fn check(options: &BuildOptions) -> CheckReport {
    let mut report = CheckReport::default();
    let config = match site::load_config(options) {
        Ok(c) => c,
        Err(e) => {
            report.problems = e.problems;
            report.sort();
            return report;
        }
    };
    let policy = config.broken_links;
    let mut lenient = config.clone();
    lenient.broken_links = LinkPolicy::Warn;
    // With links lenient, broken links and anchors are warnings; they are errors again where
    // site.toml says so. The build's other warnings (tags sharing a page, large files) stay.
    let link_severity = |mut p: Problem| {
        let is_link =
            p.message.starts_with("broken link: ") || p.message.starts_with("broken anchor: ");
        if p.severity == Severity::Warning && policy == LinkPolicy::Error && is_link {
            p.severity = Severity::Error;
        }
        p
    };
    match site::generate_from_config(options, lenient) {
        Ok(g) => {
            report.pages = g.pages;
            report.sections = g.sections;
            report
                .problems
                .extend(duplicate_titles(&g.content, &options.root));
            report
                .problems
                .extend(g.warnings.iter().cloned().map(link_severity));
            report
                .problems
                .extend(unused_subjects(&g, &options.root.join(CONFIG_FILE)));
            report.problems.extend(orphan_pages(&g));
            report.external = external_links(&g);
            report.problems.extend(rendered_findings(
                &g.content,
                &g.rendered,
                &config,
                &HashSet::new(),
            ));
        }
        Err(e) => {
            // A front matter error stops here, as it stops a build: nothing after it can be
            // trusted. Past the content, the pages are checked on their own.
            let content = match Content::load(
                &options.root,
                &config.title,
                LoadOptions {
                    drafts: options.drafts,
                },
            ) {
                Ok(c) => c,
                Err(_) => {
                    report.problems = e.problems;
                    report.sort();
                    return report;
                }
            };
            report
                .problems
                .extend(duplicate_titles(&content, &options.root));
            report.pages = content
                .docs
                .iter()
                .filter(|d| d.kind == crate::content::Kind::Page)
                .count();
            report.sections = content.docs.len() - report.pages;
            let rendered = render_alone(&content, &config);
            let errors: HashSet<(PathBuf, Option<usize>)> = e
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .map(|p| (p.file.clone(), p.line))
                .collect();
            report
                .problems
                .extend(rendered_findings(&content, &rendered, &config, &errors));
            report
                .problems
                .extend(e.problems.into_iter().map(link_severity));
        }
    }
    report.sort();
    report
}

/// What the renderer noticed in each page and a build lets through: images without alt text,
/// and comparison material the matrix leaves out. `errors` are the (file, line) of the build's
/// errors: an `img` shortcode whose template refused a missing alt is not reported twice.
fn rendered_findings(
    content: &Content,
    rendered: &[std::sync::Arc<Rendered>],
    config: &Config,
    errors: &HashSet<(PathBuf, Option<usize>)>,
) -> Vec<Problem> {
    let declared: Vec<&str> = config
        .compare
        .subjects
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let mut out = Vec::new();
    for (d, r) in content.docs.iter().zip(rendered) {
        for image in r.images.iter().filter(|i| !i.has_alt) {
            if image.shortcode && errors.contains(&(d.file.clone(), Some(image.line))) {
                continue;
            }
            out.push(Problem::warning(
                &d.file,
                Some(image.line),
                format!(
                    "image `{}` has no alt text; describe what it shows for readers who cannot see it",
                    image.src
                ),
            ));
        }
        if !config.compare.enabled {
            continue;
        }
        for list in &r.unscoped_lists {
            let why = if declared.is_empty() {
                "site.toml declares no subjects ([[compare.subjects]]), so there is no matrix; declare what you compare, or set compare.enabled = false".to_string()
            } else {
                let under = match &list.heading {
                    Some(h) => format!("under `{h}`, which names no subject"),
                    None => "under no heading".into(),
                };
                format!(
                    "it is {under}; put it under a heading that names one of: {}",
                    declared.join(", ")
                )
            };
            out.push(Problem::warning(
                &d.file,
                Some(list.line),
                format!("`{}` list is left out of the matrix: {why}", list.label),
            ));
        }
        for column in &r.unnamed_columns {
            out.push(Problem::warning(
                &d.file,
                Some(column.line),
                format!(
                    "table column `{}` names no subject, so its cells are left out of the matrix; declare it in site.toml or add it as an alias of one of: {}",
                    column.header,
                    declared.join(", ")
                ),
            ));
        }
    }
    out
}

/// The pages rendered on their own, for [`rendered_findings`] when the build stopped before
/// it had rendered them all: the same renderer, with shortcodes left empty (the build has
/// reported their errors).
fn render_alone(content: &Content, config: &Config) -> Vec<std::sync::Arc<Rendered>> {
    struct NoShortcodes;
    impl ShortcodeRenderer for NoShortcodes {
        fn render(&self, _: &shortcodes::Call, _: &str) -> Result<String, String> {
            Ok(String::new())
        }
    }
    let urls = UrlBuilder::new(&config.base_url);
    let highlighter = Highlighter::new();
    let rules = Rules::new(&config.compare, String::new());
    let pages = content.site_paths_by_rel();
    let reserved_ids = HashSet::new();
    let env = Env {
        urls: &urls,
        highlighter: &highlighter,
        rules: &rules,
        escape_html: config.escape_html,
        pages: &pages,
        shortcodes: &NoShortcodes,
        reserved_ids: &reserved_ids,
    };
    content
        .docs
        .par_iter()
        .map(|d| std::sync::Arc::new(markdown::render(d, &env)))
        .collect()
}

impl CheckReport {
    fn sort(&mut self) {
        self.problems.sort_by(|a, b| {
            (&a.file, a.line, a.severity, &a.message)
                .cmp(&(&b.file, b.line, b.severity, &b.message))
        });
        self.problems.dedup();
    }
}

/// Pages and sections sharing a title, which readers and search results cannot tell apart.
fn duplicate_titles(content: &Content, root: &Path) -> Vec<Problem> {
    let mut by_title: BTreeMap<String, Vec<&Document>> = BTreeMap::new();
    for d in &content.docs {
        by_title
            .entry(d.title.trim().to_lowercase())
            .or_default()
            .push(d);
    }
    let mut out = Vec::new();
    for docs in by_title.values().filter(|v| v.len() > 1) {
        for d in docs {
            let others: Vec<String> = docs
                .iter()
                .filter(|o| o.rel != d.rel)
                .map(|o| o.file.display().to_string())
                .collect();
            out.push(Problem::warning(
                &d.file,
                title_line(root, d),
                format!(
                    "title `{}` is also the title of {}; readers and search results cannot tell them apart",
                    d.title,
                    others.join(", ")
                ),
            ));
        }
    }
    out
}

/// The line that sets a document's title: its front matter `title`, or its `# heading`.
fn title_line(root: &Path, d: &Document) -> Option<usize> {
    let text = std::fs::read_to_string(root.join(&d.file)).ok()?;
    if let Some(line) = front_matter_key_line(&text, "title") {
        return Some(line);
    }
    let skip = d.body_line_offset;
    text.lines()
        .enumerate()
        .skip(skip)
        .find(|(_, l)| l.trim_start().starts_with("# "))
        .map(|(i, _)| i + 1)
}

/// Subjects declared in `site.toml` that no statement is about: an empty matrix column.
fn unused_subjects(g: &Generated, config_file: &Path) -> Vec<Problem> {
    let compare = &g.config.compare;
    if !compare.enabled {
        return Vec::new();
    }
    let used: HashSet<&str> = g
        .rendered
        .iter()
        .flat_map(|r| r.statements.iter().map(|s| s.subject.as_str()))
        .collect();
    let text = std::fs::read_to_string(config_file).unwrap_or_default();
    compare
        .subjects
        .iter()
        .filter(|s| !used.contains(s.id.as_str()))
        .map(|s| {
            let line = text
                .lines()
                .position(|l| {
                    let t: String = l.chars().filter(|c| !c.is_whitespace()).collect();
                    t == format!("id=\"{}\"", s.id) || t == format!("id='{}'", s.id)
                })
                .map(|i| i + 1);
            Problem::warning(
                CONFIG_FILE,
                line,
                format!(
                    "subject `{}` ({}) is declared, but no Pros / Cons / Use cases list or comparison table is about it, so its matrix column is empty",
                    s.id, s.name
                ),
            )
        })
        .collect()
}

/// Pages that no link in the built site reaches from the home page: not the menu, the
/// sidebar (with its full tree in the nav JSON), a section listing, nor any page's text.
fn orphan_pages(g: &Generated) -> Vec<Problem> {
    let urls = UrlBuilder::new(&g.config.base_url);
    let html: HashMap<&str, &[u8]> = g
        .files
        .iter()
        .filter_map(|f| match &f.data {
            FileData::Bytes(b) if f.path.ends_with(".html") => {
                Some((f.path.as_str(), b.as_slice()))
            }
            _ => None,
        })
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    let visit = |path: String, seen: &mut HashSet<String>, queue: &mut VecDeque<String>| {
        if html.contains_key(path.as_str()) && seen.insert(path.clone()) {
            queue.push_back(path);
        }
    };
    visit("index.html".into(), &mut seen, &mut queue);
    // The sidebar's full tree, which the theme's script loads on demand: it counts as a link
    // once a reached page refers to it.
    let mut nav: Option<(String, Vec<String>)> = g.files.iter().find_map(|f| match &f.data {
        FileData::Bytes(b) if f.path.starts_with("assets/nav.") && f.path.ends_with(".json") => {
            Some((urls.path(&f.path), json_urls(b)))
        }
        _ => None,
    });
    while let Some(page) = queue.pop_front() {
        let Some(bytes) = html.get(page.as_str()) else {
            continue;
        };
        let text = String::from_utf8_lossy(bytes);
        if nav
            .as_ref()
            .is_some_and(|(url, _)| text.contains(url.as_str()))
        {
            if let Some((_, targets)) = nav.take() {
                for url in targets {
                    if let Some(p) = output_path(&urls, "", &url) {
                        visit(p, &mut seen, &mut queue);
                    }
                }
            }
        }
        for href in hrefs(&text) {
            if let Some(p) = output_path(&urls, &page, &href) {
                let candidates = [p.clone(), format!("{}/index.html", p.trim_end_matches('/'))];
                for c in candidates {
                    visit(c, &mut seen, &mut queue);
                }
            }
        }
    }
    g.content
        .docs
        .iter()
        .skip(1)
        .filter(|d| !seen.contains(&format!("{}index.html", d.site_path)))
        .map(|d| {
            Problem::warning(
                &d.file,
                None,
                format!(
                    "orphan page: no link reaches {} from the home page (not the menu, the sidebar, a section listing nor another page)",
                    urls.path(&d.site_path)
                ),
            )
        })
        .collect()
}

/// Every `"url": "..."` value in a JSON document.
fn json_urls(bytes: &[u8]) -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map {
                    match child {
                        serde_json::Value::String(s) if k == "url" => out.push(s.clone()),
                        other => walk(other, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
        walk(&v, &mut out);
    }
    out
}

/// The `href` values of an HTML document, with entities decoded.
fn hrefs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for quote in ['"', '\''] {
        let open = format!("href={quote}");
        let mut rest = html;
        while let Some(i) = rest.find(&open) {
            rest = &rest[i + open.len()..];
            if let Some(end) = rest.find(quote) {
                out.push(
                    rest[..end]
                        .replace("&#x2F;", "/")
                        .replace("&#47;", "/")
                        .replace("&amp;", "&"),
                );
                rest = &rest[end..];
            }
        }
    }
    out
}

/// The output file an `href` on the page at output path `from` points to, if it is in the site.
fn output_path(urls: &UrlBuilder, from: &str, href: &str) -> Option<String> {
    if is_external(href) || href.starts_with('#') {
        return None;
    }
    let path = href.split(['#', '?']).next().unwrap_or("");
    let site_path = if let Some(abs) = path.strip_prefix('/') {
        urls.strip_base(&format!("/{abs}"))?.to_string()
    } else {
        let folder = from.rsplit_once('/').map(|(f, _)| f).unwrap_or("");
        let mut joined = join_path(folder, path)?;
        if path.ends_with('/') && !joined.is_empty() {
            joined.push('/');
        }
        joined
    };
    Some(if site_path.is_empty() || site_path.ends_with('/') {
        format!("{site_path}index.html")
    } else {
        site_path
    })
}

/// Every link to another site, by page and line.
fn external_links(g: &Generated) -> Vec<ExternalLink> {
    g.content
        .docs
        .iter()
        .zip(&g.rendered)
        .flat_map(|(d, r)| {
            r.links.iter().filter_map(move |l| match &l.target {
                LinkTarget::External(url) => Some(ExternalLink {
                    file: d.file.clone(),
                    line: l.line,
                    url: url.clone(),
                }),
                _ => None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs_resolve_to_output_files() {
        let urls = UrlBuilder::new("https://u.github.io/sub/");
        assert_eq!(
            output_path(&urls, "notes/a/index.html", "/sub/notes/b/#x").as_deref(),
            Some("notes/b/index.html")
        );
        assert_eq!(
            output_path(&urls, "notes/a/index.html", "../c/").as_deref(),
            Some("notes/c/index.html")
        );
        assert_eq!(output_path(&urls, "index.html", "/other/x/"), None);
        assert_eq!(
            output_path(&urls, "index.html", "https://example.com/"),
            None
        );
        assert_eq!(
            hrefs("<a href=\"/a/\">x</a><a class=y href='b&amp;c'>"),
            vec!["/a/", "b&c"]
        );
    }
}
