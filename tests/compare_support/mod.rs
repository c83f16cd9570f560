//! Helpers of the matrix tests: build a site with the real binary into a temporary folder, read
//! pages back, pull ids, links and matrix cells out of the HTML, and check that every internal
//! link and anchor of a built site resolves.
//!
//! The HTML here is archsite's own output, so attributes are always double-quoted; a small
//! scanner is enough and keeps the tests free of an HTML parser dependency.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Folder of a checked-in fixture site.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The repository root, which is the showcase site.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A site built into a temporary folder, removed when dropped.
pub struct Built {
    _tmp: tempfile::TempDir,
    /// The output folder.
    pub out: PathBuf,
    /// The path every internal URL starts with (`/` or `/archsite/`).
    pub base_path: String,
    /// The absolute base URL the site was built for (ends with `/`).
    pub base_url: String,
    /// What the build printed on standard error (warnings).
    pub stderr: String,
}

/// Runs `archsite build --root ROOT --output TMP [--base-url URL]` and panics unless it succeeds.
pub fn build(root: &Path, base_url: Option<&str>) -> Built {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let mut args: Vec<String> = vec![
        "build".into(),
        "--root".into(),
        root.display().to_string(),
        "--output".into(),
        out.display().to_string(),
    ];
    if let Some(url) = base_url {
        args.push("--base-url".into());
        args.push(url.into());
    }
    let output = Command::new(env!("CARGO_BIN_EXE_archsite"))
        .args(&args)
        .current_dir(tmp.path())
        .stdin(Stdio::null())
        .output()
        .expect("run archsite");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "build of {} failed\nstdout:\n{}\nstderr:\n{stderr}",
        root.display(),
        String::from_utf8_lossy(&output.stdout)
    );
    let base_url = match base_url {
        Some(u) => u.to_string(),
        None => base_url_of(root),
    };
    let base_url = if base_url.ends_with('/') {
        base_url
    } else {
        format!("{base_url}/")
    };
    let base_path = path_of_url(&base_url);
    Built {
        _tmp: tmp,
        out,
        base_path,
        base_url,
        stderr,
    }
}

fn base_url_of(root: &Path) -> String {
    let text = std::fs::read_to_string(root.join("site.toml")).expect("site.toml");
    let value: toml::Table = toml::from_str(&text).expect("site.toml parses");
    value
        .get("base_url")
        .and_then(|v| v.as_str())
        .unwrap_or("/")
        .to_string()
}

/// `/archsite/` from `https://example.github.io/archsite/`.
fn path_of_url(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => match rest.find('/') {
            Some(i) => rest[i..].to_string(),
            None => "/".into(),
        },
        None => url.to_string(),
    }
}

impl Built {
    /// Reads an output file as text; `rel` is relative to the output folder.
    pub fn read(&self, rel: &str) -> String {
        let path = self.out.join(rel);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
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
        let mut out = Vec::new();
        for f in walk(&self.out) {
            if f.extension().is_some_and(|e| e == "html") {
                let rel = f
                    .strip_prefix(&self.out)
                    .expect("inside output")
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&f).expect("read html");
                out.push((rel, text));
            }
        }
        out
    }

    /// Checks every `href` and `src` of every HTML page: internal targets must exist, and a
    /// `#fragment` must name an id in the target page. Returns one line per broken link.
    pub fn broken_links(&self) -> Vec<String> {
        let pages = self.html_files();
        let mut ids: HashMap<String, HashSet<String>> = HashMap::new();
        for (rel, text) in &pages {
            ids.insert(rel.clone(), ids_of(text));
        }
        let mut problems = Vec::new();
        for (rel, text) in &pages {
            for attr in ["href", "src"] {
                for value in attr_values(text, attr) {
                    if let Err(why) = self.resolve(rel, &value, &ids) {
                        problems.push(format!("{rel}: {attr}=\"{value}\": {why}"));
                    }
                }
            }
        }
        problems
    }

    /// Resolves a link written in page `from`: `Ok(Some(target file))` for an internal link that
    /// resolves, `Ok(None)` for one that is not checked (another site, `mailto:`), `Err` when
    /// broken.
    pub fn resolve(
        &self,
        from: &str,
        link: &str,
        ids: &HashMap<String, HashSet<String>>,
    ) -> Result<Option<String>, String> {
        let link = link.trim();
        let link = match link.strip_prefix(self.base_url.as_str()) {
            Some(rest) => format!("{}{rest}", self.base_path),
            None => link.to_string(),
        };
        let lower = link.to_ascii_lowercase();
        if lower.starts_with("http:")
            || lower.starts_with("https:")
            || lower.starts_with("//")
            || lower.starts_with("mailto:")
            || lower.starts_with("tel:")
            || lower.starts_with("data:")
            || lower.starts_with("javascript:")
        {
            return Ok(None);
        }
        let (path, fragment) = match link.split_once('#') {
            Some((p, f)) => (p.to_string(), Some(percent_decode(f))),
            None => (link.clone(), None),
        };
        let path = path.split('?').next().unwrap_or("").to_string();
        let target = if path.is_empty() {
            from.to_string()
        } else if let Some(abs) = path.strip_prefix('/') {
            let Some(rest) = format!("/{abs}")
                .strip_prefix(self.base_path.as_str())
                .map(str::to_string)
            else {
                return Err(format!(
                    "does not start with the base path {}",
                    self.base_path
                ));
            };
            self.file_for(&percent_decode(&rest))?
        } else {
            let folder = from.rsplit_once('/').map(|(f, _)| f).unwrap_or("");
            let joined = join(folder, &percent_decode(&path))
                .ok_or_else(|| "points above the site root".to_string())?;
            self.file_for(&joined)?
        };
        if let Some(f) = fragment.filter(|f| !f.is_empty()) {
            let Some(page_ids) = ids.get(&target) else {
                return Err(format!(
                    "fragment #{f} on {target}, which is not an HTML page"
                ));
            };
            if !page_ids.contains(&f) {
                return Err(format!("{target} has no id \"{f}\""));
            }
        }
        Ok(Some(target))
    }

    /// The output file a site-relative path names (`notes/a/` -> `notes/a/index.html`).
    fn file_for(&self, rel: &str) -> Result<String, String> {
        let rel = rel.trim_start_matches('/');
        let candidate = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_string()
        };
        let path = self.out.join(&candidate);
        if path.is_file() {
            return Ok(candidate);
        }
        let as_dir = format!("{rel}/index.html");
        if self.out.join(&as_dir).is_file() {
            return Ok(as_dir);
        }
        Err(format!("no file {candidate} in the output"))
    }
}

/// Joins a relative path onto a folder, resolving `.` and `..`.
fn join(folder: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    let mut out = parts.join("/");
    if rel.ends_with('/') && !out.is_empty() {
        out.push('/');
    }
    Some(out)
}

/// Every file under `dir`, recursively, sorted.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
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

/// Every `id` in a page.
pub fn ids_of(html: &str) -> HashSet<String> {
    attr_values(html, "id").into_iter().collect()
}

/// Decodes the entities archsite writes (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`, `&#x27;`).
pub fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

/// Decodes `%20` and friends.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
