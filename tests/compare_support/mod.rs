//! Helpers of the matrix tests: build a site with the real binary into a temporary folder, read
//! pages back, pull links and matrix cells out of the HTML, and check every link of a built site
//! with the shared crawler.
//!
//! The HTML here is archsite's own output, so attributes are always double-quoted; a small
//! scanner is enough and keeps the tests free of an HTML parser dependency.
#![allow(dead_code)]

#[path = "../common/mod.rs"]
pub mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::decode_entities;
// Each test binary uses only some of these.
#[allow(unused_imports)]
pub use common::{fixture, ids, repo_root};

/// A site built into a temporary folder, removed when dropped.
pub struct Built {
    _tmp: tempfile::TempDir,
    /// The output folder.
    pub out: PathBuf,
    /// The path every internal URL starts with (`/` or `/archsite/`).
    pub base_path: String,
    /// The base URL the site was built for (ends with `/`).
    pub base_url: String,
    /// What the build printed on standard error (warnings).
    pub stderr: String,
}

/// Runs `archsite build --root ROOT --output TMP [--base-url URL]` and panics unless it succeeds.
pub fn build(root: &Path, base_url: Option<&str>) -> Built {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let root_s = root.display().to_string();
    let out_s = out.display().to_string();
    let mut args = vec!["build", "--root", &root_s, "--output", &out_s];
    if let Some(url) = base_url {
        args.extend(["--base-url", url]);
    }
    let run = common::archsite(&args, tmp.path());
    run.assert_ok();
    let base_url = match base_url {
        Some(u) => u.to_string(),
        None => base_url_of(root),
    };
    let base_url = if base_url.ends_with('/') {
        base_url
    } else {
        format!("{base_url}/")
    };
    let (_, base_path) = common::split_base_url(&base_url);
    Built {
        _tmp: tmp,
        out,
        base_path,
        base_url,
        stderr: run.stderr,
    }
}

fn base_url_of(root: &Path) -> String {
    let text = common::read(&root.join("site.toml"));
    let value: toml::Table = toml::from_str(&text).expect("site.toml parses");
    value
        .get("base_url")
        .and_then(|v| v.as_str())
        .unwrap_or("/")
        .to_string()
}

impl Built {
    /// Reads an output file as text; `rel` is relative to the output folder.
    pub fn read(&self, rel: &str) -> String {
        common::read_text(&self.out, rel)
    }

    /// True when the output has that file.
    pub fn has(&self, rel: &str) -> bool {
        self.out.join(rel).is_file()
    }

    /// The page at site path `notes/a/` (or `""` for the home page).
    pub fn page(&self, site_path: &str) -> String {
        self.read(&format!("{site_path}index.html"))
    }

    /// A path URL for a site path, with the base path in front (`/archsite/notes/a/`).
    pub fn url(&self, site_path: &str) -> String {
        format!("{}{site_path}", self.base_path)
    }

    /// Every HTML file of the output, as (relative path, text).
    pub fn html_files(&self) -> Vec<(String, String)> {
        common::walk(&self.out)
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "html"))
            .map(|f| (common::rel_path(&f, &self.out), common::read(&f)))
            .collect()
    }

    /// The shared link crawler, set up for this site's output and base URL.
    pub fn crawler(&self) -> common::Crawler {
        common::Crawler::new(&self.out, &self.base_url)
    }

    /// Crawls every HTML, XML, JSON and robots file of the output (see [`common::Crawler`]):
    /// internal targets must exist and a `#fragment` must name an id of the target page.
    /// Returns one line per problem; a crawl that finds no internal URL at all is one too.
    pub fn broken_links(&self) -> Vec<String> {
        let mut crawler = self.crawler();
        crawler.crawl();
        if crawler.checked == 0 {
            crawler
                .problems
                .push("no internal URL found: the crawl missed the site".into());
        }
        crawler.problems
    }
}

/// Values of every `attr="..."` in `html`, entities decoded.
pub fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        let before = rest[..i].chars().last();
        rest = &rest[i + needle.len()..];
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        if let Some(end) = rest.find('"') {
            out.push(decode_entities(&rest[..end]));
            rest = &rest[end..];
        }
    }
    out
}

/// Text with tags removed, entities decoded and white space collapsed.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = decode_entities(&out);
    normalise(&text)
}

/// Collapses white space and folds typographic quotes and dashes to plain ones, so text from
/// markdown source and from rendered HTML (with smart punctuation) compare equal.
pub fn normalise(s: &str) -> String {
    let folded: String = s
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201C}' | '\u{201D}' => '"',
            '\u{2013}' => '-',
            _ => c,
        })
        .collect();
    let joined = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    // Tags next to punctuation leave a stray space before it.
    joined
        .replace(" ,", ",")
        .replace(" .", ".")
        .replace(" ;", ";")
        .replace(" :", ":")
        .replace("( ", "(")
        .replace(" )", ")")
}

/// The inner HTML of the element whose opening tag carries `id="ID"`, up to its matching
/// closing tag (`td`, `tr`, `li`, `table`, `section`...).
pub fn element_by_id(html: &str, id: &str) -> Option<String> {
    let needle = format!(" id=\"{id}\"");
    let at = html.find(&needle)?;
    let open = html[..at].rfind('<')?;
    let name: String = html[open + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let start = open + html[open..].find('>')? + 1;
    let open_tag = format!("<{name}");
    let close_tag = format!("</{name}>");
    let mut depth = 1;
    let mut i = start;
    loop {
        let next_open = html[i..].find(&open_tag).map(|k| k + i);
        let next_close = html[i..].find(&close_tag).map(|k| k + i)?;
        match next_open {
            Some(o) if o < next_close && is_tag_boundary(html, o + open_tag.len()) => {
                depth += 1;
                i = o + open_tag.len();
            }
            _ => {
                depth -= 1;
                if depth == 0 {
                    return Some(html[start..next_close].to_string());
                }
                i = next_close + close_tag.len();
            }
        }
    }
}

fn is_tag_boundary(html: &str, at: usize) -> bool {
    html[at..]
        .chars()
        .next()
        .is_some_and(|c| c == '>' || c.is_whitespace())
}

/// One statement as the matrix shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CellStatement {
    /// Statement text (without the "source" link).
    pub text: String,
    /// Inner HTML of the statement, without the "source" link.
    pub html: String,
    /// The link to the source sentence.
    pub href: String,
}

/// One source group of a cell: source page title, its link, and its statements.
#[derive(Debug, Clone)]
pub struct CellGroup {
    /// Source page title.
    pub title: String,
    /// Link to the source page.
    pub href: String,
    /// Statements from it, in order.
    pub statements: Vec<CellStatement>,
}

/// The source groups of the matrix cell `<td id="CELL_ID">`; `None` when there is no such cell.
pub fn cell(html: &str, cell_id: &str) -> Option<Vec<CellGroup>> {
    let inner = element_by_id(html, cell_id)?;
    let mut groups = Vec::new();
    for chunk in inner.split("<div class=\"source-group\">").skip(1) {
        let (list, source) = chunk
            .split_once("<p class=\"source\">")
            .unwrap_or((chunk, ""));
        let href = attr_values(source, "href")
            .into_iter()
            .next()
            .unwrap_or_default();
        let title = strip_tags(source).trim_start_matches("From ").to_string();
        let mut statements = Vec::new();
        for item in top_level_items(list) {
            let item = item.as_str();
            let (body, cite) = item.rsplit_once("<a class=\"cite\"").unwrap_or((item, ""));
            let href = attr_values(&format!(" {cite}"), "href")
                .into_iter()
                .next()
                .unwrap_or_default();
            statements.push(CellStatement {
                text: strip_tags(body),
                html: body.trim().to_string(),
                href,
            });
        }
        groups.push(CellGroup {
            title,
            href,
            statements,
        });
    }
    Some(groups)
}

/// Inner HTML of each top-level `<li>` in `html` (nested lists stay inside their item).
pub fn top_level_items(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        if rest.starts_with("<li") && is_tag_boundary(html, i + 3) {
            let Some(gt) = rest.find('>') else { break };
            if depth == 0 {
                start = i + gt + 1;
            }
            depth += 1;
            i += gt + 1;
        } else if rest.starts_with("</li>") {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                out.push(html[start..i].to_string());
            }
            i += 5;
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// All statements of a cell, flattened: (source page title, statement).
pub fn cell_statements(html: &str, cell_id: &str) -> Vec<(String, CellStatement)> {
    cell(html, cell_id)
        .unwrap_or_default()
        .into_iter()
        .flat_map(|g| {
            let title = g.title.clone();
            g.statements.into_iter().map(move |s| (title.clone(), s))
        })
        .collect()
}

/// Texts of every statement in a matrix cell, in order.
pub fn cell_texts(html: &str, cell_id: &str) -> Vec<String> {
    cell_statements(html, cell_id)
        .into_iter()
        .map(|(_, s)| s.text)
        .collect()
}

/// Row ids of the matrix table in order, and for each row the ids of its cells.
pub fn matrix_rows(html: &str) -> BTreeMap<usize, (String, Vec<String>)> {
    let mut out = BTreeMap::new();
    let Some(tbody_at) = html.find("<tbody>") else {
        return out;
    };
    let body = &html[tbody_at..];
    for (n, chunk) in body.split("<tr id=\"").skip(1).enumerate() {
        let id = chunk.split('"').next().unwrap_or("").to_string();
        let row = chunk.split("</tr>").next().unwrap_or("");
        let cells = row
            .split("<td id=\"")
            .skip(1)
            .map(|c| c.split('"').next().unwrap_or("").to_string())
            .collect();
        out.insert(n, (id, cells));
    }
    out
}

/// The `data-subject` of each column header of the first matrix table, in order.
pub fn matrix_columns(html: &str) -> Vec<String> {
    let Some(thead) = html
        .split("<thead>")
        .nth(1)
        .and_then(|t| t.split("</thead>").next())
    else {
        return Vec::new();
    };
    attr_values(thead, "data-subject")
}
