//! Shared helpers of the integration tests: find fixtures, run the real `archsite` binary with a
//! guard against hangs, copy a fixture site into a temporary folder, read the output back, record
//! a folder's state, and check every link of a built site.
//!
//! Each test binary uses only part of this module.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// A run that has not finished after this long is taken to hang, killed, and failed. This is a
/// guard against hangs, not a performance check: a debug build of a fixture takes a second or two.
const HANG_LIMIT: Duration = Duration::from_secs(180);

/// The page of the basic fixture that holds every code block.
pub const BASIC_CODE_PAGE: &str = "content/guides/code.md";

/// The repository root, which is also the showcase site.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Folder of the checked-in fixture sites.
pub fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures")
}

/// Folder of the checked-in fixture site `name`.
pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Panics with both streams unless the run exited 0.
    pub fn assert_ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics with both streams unless the run exited with `code`.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "expected exit code {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless standard error contains `needle`.
    pub fn assert_stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr should contain {needle:?}\nstderr:\n{}",
            self.stderr
        );
        self
    }
}

/// Runs `archsite ARGS` in `cwd`, killing it (and failing the test) if it hangs. Standard input
/// is empty, and `NO_COLOR` is taken out of the environment so the runner's own setting cannot
/// change what the binary prints.
pub fn archsite(args: &[&str], cwd: &Path) -> Run {
    let out_file = tempfile::NamedTempFile::new().expect("temp file");
    let err_file = tempfile::NamedTempFile::new().expect("temp file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_archsite"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(out_file.reopen().expect("reopen"))
        .stderr(err_file.reopen().expect("reopen"))
        .spawn()
        .expect("start archsite");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for archsite") {
            break status;
        }
        if start.elapsed() > HANG_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("archsite {args:?} did not finish within {HANG_LIMIT:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let text = |file: &tempfile::NamedTempFile| {
        let bytes = std::fs::read(file.path()).expect("read captured output");
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: text(&out_file),
        stderr: text(&err_file),
    }
}

/// A site in a temporary folder, removed when dropped.
pub struct Site {
    dir: tempfile::TempDir,
    /// The site root (`<tmp>/site`).
    pub root: PathBuf,
}

impl Site {
    /// A copy of `tests/fixtures/NAME`.
    pub fn fixture(name: &str) -> Site {
        let site = Site::empty();
        copy_dir(&fixtures().join(name), &site.root);
        site
    }

    /// The basic fixture without its page of code blocks, which is most of the cost of a debug
    /// build (syntax definitions are compiled on first use). Nothing links to that page.
    pub fn basic_light() -> Site {
        let site = Site::fixture("basic");
        site.remove(BASIC_CODE_PAGE);
        site
    }

    /// An empty site root.
    pub fn empty() -> Site {
        let dir = tempfile::Builder::new()
            .prefix("archsite-test-")
            .tempdir()
            .expect("temp dir");
        let root = dir.path().join("site");
        std::fs::create_dir_all(&root).expect("create site root");
        Site { dir, root }
    }

    /// A site made of the given `(path, text)` files.
    pub fn with_files(files: &[(&str, &str)]) -> Site {
        let site = Site::empty();
        for (path, text) in files {
            site.write(path, text);
        }
        site
    }

    /// The temporary folder holding the site root (a place for other output folders).
    pub fn tmp(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file under the site root, creating folders.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create folder");
        }
        std::fs::write(&path, contents).expect("write file");
    }

    /// Removes a file under the site root.
    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.root.join(rel)).expect("remove file");
    }

    /// Reads a source file of the site.
    pub fn source(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).expect("read source")
    }

    /// Replaces `from` by `to` in a source file; panics if `from` is not there.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.source(rel);
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        self.write(rel, text.replacen(from, to, 1));
    }

    /// The default output folder, `<root>/public`.
    pub fn out(&self) -> PathBuf {
        self.root.join("public")
    }

    /// Runs `archsite build --root <root> EXTRA...` from the temporary folder.
    pub fn build(&self, extra: &[&str]) -> Run {
        let root = self.root.to_string_lossy().to_string();
        let mut args = vec!["build", "--root", root.as_str()];
        args.extend_from_slice(extra);
        archsite(&args, self.tmp())
    }

    /// Builds and panics unless the build succeeded.
    pub fn build_ok(&self, extra: &[&str]) -> Run {
        let run = self.build(extra);
        run.assert_ok();
        run
    }

    /// Reads an output file (relative to the default output folder) as text.
    pub fn read(&self, rel: &str) -> String {
        read_text(&self.out(), rel)
    }

    /// True when the default output folder has that file.
    pub fn has(&self, rel: &str) -> bool {
        self.out().join(rel).is_file()
    }
}

/// Reads a file as text, with a clear message when it is missing.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Reads `dir/rel` as text, with a clear message when it is missing.
pub fn read_text(dir: &Path, rel: &str) -> String {
    read(&dir.join(rel))
}

/// Copies a folder tree.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).expect("inside");
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("create folder");
        std::fs::copy(&entry, &dest).expect("copy file");
    }
}

/// Every file and folder under `dir`, recursively, sorted, each with `true` for a folder.
/// Panics when a folder cannot be read, so a missing folder is never taken for an empty one.
fn tree(dir: &Path) -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()))
                .path();
            let folder = path.is_dir();
            if folder {
                stack.push(path.clone());
            }
            out.push((path, folder));
        }
    }
    out.sort();
    out
}

/// Every file under `dir`, recursively, sorted.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    tree(dir)
        .into_iter()
        .filter(|(_, folder)| !folder)
        .map(|(path, _)| path)
        .collect()
}

/// Every file under `dir` as `/`-separated relative path and bytes: compare two of these to
/// check that a folder did not change.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|p| {
            let rel = rel_path(&p, dir);
            let bytes = std::fs::read(&p).expect("read file");
            (rel, bytes)
        })
        .collect()
}

/// `/`-separated path of `p` relative to `base`.
pub fn rel_path(p: &Path, base: &Path) -> String {
    p.strip_prefix(base)
        .expect("inside")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// Modification time of a file.
pub fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("no mtime for {}: {e}", path.display()))
}

/// What [`tree_state`] records of one file or folder.
#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    /// True for a folder.
    pub folder: bool,
    /// The bytes of a file (empty for a folder).
    pub bytes: Vec<u8>,
    /// Modification time.
    pub modified: SystemTime,
}

/// Every file and folder under `dir` by `/`-separated relative path, with its bytes and
/// modification time: compare two of these to check that a command touched nothing at all.
pub fn tree_state(dir: &Path) -> BTreeMap<String, Entry> {
    tree(dir)
        .into_iter()
        .map(|(path, folder)| {
            let bytes = if folder {
                Vec::new()
            } else {
                std::fs::read(&path).expect("read file")
            };
            let entry = Entry {
                folder,
                bytes,
                modified: mtime(&path),
            };
            (rel_path(&path, dir), entry)
        })
        .collect()
}

/// The `<main>` element of a page, to keep assertions off the layout around it.
pub fn main_of(html: &str) -> &str {
    let start = html.find("<main").unwrap_or(0);
    let end = html.rfind("</main>").map(|e| e + 7).unwrap_or(html.len());
    &html[start..end]
}

/// One start tag of an HTML document.
#[derive(Debug, Clone)]
pub struct Tag {
    /// Lower-case element name.
    pub name: String,
    /// Attributes in order, names lower-case, values with entities decoded.
    pub attrs: Vec<(String, String)>,
}

impl Tag {
    /// The value of attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The start tags of `html`, skipping comments, declarations and the insides of `<script>` and
/// `<style>`. Small, and enough for the HTML archsite writes.
pub fn tags(html: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        let rest = &html[i..];
        if rest.starts_with("!--") {
            i += rest.find("-->").map(|e| e + 3).unwrap_or(rest.len());
            continue;
        }
        if rest.starts_with('!') || rest.starts_with('?') || rest.starts_with('/') {
            i += rest.find('>').map(|e| e + 1).unwrap_or(rest.len());
            continue;
        }
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .unwrap_or(rest.len());
        if name_len == 0 {
            continue;
        }
        let name = rest[..name_len].to_ascii_lowercase();
        i += name_len;
        let mut attrs = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i] as char).is_ascii_whitespace() {
                i += 1;
            }
            if i >= bytes.len() {
                break;
            }
            if bytes[i] == b'>' {
                i += 1;
                break;
            }
            if bytes[i] == b'/' {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len()
                && !(bytes[i] as char).is_ascii_whitespace()
                && !matches!(bytes[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let attr = html[start..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                    let q = bytes[i];
                    let vstart = i + 1;
                    let vend = html[vstart..]
                        .find(q as char)
                        .map(|e| vstart + e)
                        .unwrap_or(bytes.len());
                    value = decode_entities(&html[vstart..vend]);
                    i = (vend + 1).min(bytes.len());
                } else {
                    let vstart = i;
                    while i < bytes.len()
                        && !(bytes[i] as char).is_ascii_whitespace()
                        && bytes[i] != b'>'
                    {
                        i += 1;
                    }
                    value = decode_entities(&html[vstart..i]);
                }
            }
            if !attr.is_empty() {
                attrs.push((attr, value));
            }
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            i += html[i..].find(&close).unwrap_or(html.len() - i);
        }
        out.push(Tag { name, attrs });
    }
    out
}

/// Decodes the entities archsite writes (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`, `&#x27;`,
/// `&#x2F;`).
pub fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every `id` in an HTML document.
pub fn ids(html: &str) -> HashSet<String> {
    tags(html)
        .into_iter()
        .filter_map(|t| t.attr("id").map(str::to_string))
        .collect()
}

/// URL schemes that lead to other sites or other programs and are not checked. A link with any
/// other scheme is reported: it is most likely a path that lost its leading `/`.
const OTHER_SCHEMES: &[&str] = &["http", "https", "mailto", "tel", "data", "javascript"];

/// `("https://host", "/sub/")` from `https://host/sub/`, `("", "/sub/")` from `/sub/`; the path
/// always ends with `/`.
pub fn split_base_url(base_url: &str) -> (String, String) {
    let (origin, path) = match base_url.find("://") {
        Some(i) => {
            let after = &base_url[i + 3..];
            let slash = after.find('/').map(|j| i + 3 + j).unwrap_or(base_url.len());
            (&base_url[..slash], &base_url[slash..])
        }
        None => ("", base_url),
    };
    let path = if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    };
    (origin.to_string(), path)
}

/// Link crawler over a built site: every internal URL must carry the base path and lead to an
/// existing file, and a `#fragment` must name an existing id of an HTML page. Relative URLs,
/// URLs that climb above the site, URLs on the site's host outside the base, unknown schemes
/// and repeated ids are reported too.
pub struct Crawler {
    out: PathBuf,
    /// `https://host` or empty.
    origin: String,
    /// `/` or `/sub/`.
    pub base_path: String,
    ids: HashMap<PathBuf, HashSet<String>>,
    /// Every problem found, as `place: message`.
    pub problems: Vec<String>,
    /// Number of internal URLs to another file checked (bare `#fragment`s are not counted).
    pub checked: usize,
}

impl Crawler {
    /// A crawler for the site in `out`, built for `base_url` (`https://host/sub/` or `/sub/`).
    pub fn new(out: &Path, base_url: &str) -> Self {
        let (origin, base_path) = split_base_url(base_url);
        Crawler {
            out: out.to_path_buf(),
            origin,
            base_path,
            ids: HashMap::new(),
            problems: Vec::new(),
            checked: 0,
        }
    }

    /// Checks every HTML, XML, JSON and text file of the site.
    pub fn crawl(&mut self) {
        for path in walk(&self.out) {
            let rel = rel_path(&path, &self.out);
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_string())
                .unwrap_or_default();
            match ext.as_str() {
                "html" => self.html_file(&rel),
                "xml" => self.xml_file(&rel),
                "json" => self.json_file(&rel),
                "txt" if rel == "robots.txt" => {
                    let text = read_text(&self.out, &rel);
                    for line in text.lines() {
                        if let Some(url) = line.strip_prefix("Sitemap:") {
                            self.url(&rel, url.trim(), true);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn html_file(&mut self, rel: &str) {
        let html = read_text(&self.out, rel);
        let tags = tags(&html);
        let all_ids: Vec<&str> = tags.iter().filter_map(|t| t.attr("id")).collect();
        let own_ids: HashSet<String> = all_ids.iter().map(|id| id.to_string()).collect();
        if all_ids.len() != own_ids.len() {
            self.problems.push(format!(
                "{rel}: {} repeated id(s)",
                all_ids.len() - own_ids.len()
            ));
        }
        self.ids.insert(self.out.join(rel), own_ids);
        for tag in &tags {
            for (name, value) in &tag.attrs {
                let urls: Vec<&str> = match name.as_str() {
                    "href" | "src" | "action" | "poster" | "formaction" => vec![value.as_str()],
                    "srcset" => value
                        .split(',')
                        .filter_map(|candidate| candidate.split_whitespace().next())
                        .collect(),
                    "content" if tag.name == "meta" => {
                        match value.to_ascii_lowercase().find("url=") {
                            Some(i) => vec![&value[i + 4..]],
                            None if value.starts_with('/') || value.starts_with("http") => {
                                vec![value.as_str()]
                            }
                            None => continue,
                        }
                    }
                    // Data attributes hold URLs for scripts (`data-nav`); only path-like
                    // values are URLs.
                    n if n.starts_with("data-") && value.starts_with('/') => vec![value.as_str()],
                    _ => continue,
                };
                for url in urls {
                    let place = format!("{rel} <{} {name}>", tag.name);
                    if let Err(why) = self.target(Some(rel), url, false, false) {
                        self.problems.push(format!("{place}: {why}"));
                    }
                }
            }
        }
    }

    fn xml_file(&mut self, rel: &str) {
        let text = read_text(&self.out, rel);
        for open in ["<loc>", "<id>"] {
            let close = open.replace('<', "</");
            let mut rest = text.as_str();
            while let Some(i) = rest.find(open) {
                rest = &rest[i + open.len()..];
                let end = rest.find(&close).unwrap_or(rest.len());
                let url = decode_entities(&rest[..end]);
                self.url(&format!("{rel} {open}"), &url, true);
            }
        }
        for tag in tags(&text) {
            if let Some(href) = tag.attr("href") {
                self.url(&format!("{rel} <{} href>", tag.name), href, true);
            }
        }
        // HTML carried inside the feed, with its links.
        let mut rest = text.as_str();
        while let Some(i) = rest.find("<content type=\"html\">") {
            rest = &rest[i + 21..];
            let end = rest.find("</content>").unwrap_or(rest.len());
            let html = decode_entities(&rest[..end]);
            for tag in tags(&html) {
                for name in ["href", "src"] {
                    if let Some(url) = tag.attr(name) {
                        if !url.starts_with('#') {
                            self.url(
                                &format!("{rel} <content> <{} {name}>", tag.name),
                                url,
                                false,
                            );
                        }
                    }
                }
            }
        }
    }

    fn json_file(&mut self, rel: &str) {
        let text = read_text(&self.out, rel);
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                self.problems.push(format!("{rel}: not JSON: {e}"));
                return;
            }
        };
        let mut strings = Vec::new();
        collect_json_urls(&value, "", &mut strings);
        for (key, url) in strings {
            if let Err(why) = self.target(None, &url, false, true) {
                self.problems.push(format!("{rel} \"{key}\": {why}"));
            }
        }
    }

    /// Checks one URL found at `place` outside an HTML page, recording a problem when it is
    /// broken. `absolute` says the URL must be a full permalink.
    pub fn url(&mut self, place: &str, url: &str, absolute: bool) {
        if let Err(why) = self.target(None, url, absolute, false) {
            self.problems.push(format!("{place}: {why}"));
        }
    }

    /// Resolves a URL written in the HTML page `from` (a path relative to the output folder):
    /// `Ok(Some(file))` with the output file it leads to, `Ok(None)` for a URL that is not
    /// checked (another site, `mailto:`), `Err(why)` when it is broken.
    pub fn resolve(&mut self, from: &str, url: &str) -> Result<Option<String>, String> {
        self.target(Some(from), url, false, false)
    }

    /// The ids of an output HTML file, read once.
    fn ids_of(&mut self, file: &Path) -> &HashSet<String> {
        self.ids
            .entry(file.to_path_buf())
            .or_insert_with(|| ids(&std::fs::read_to_string(file).unwrap_or_default()))
    }

    /// Resolves `url`, found in page `from` (which answers a bare `#fragment`) or elsewhere. With
    /// `absolute`, the URL must be a full permalink; with `prefix_ok`, a URL ending in `/` may
    /// name an existing folder rather than a page (data files give scripts such prefixes to
    /// append names to), which gives `Ok(None)`.
    fn target(
        &mut self,
        from: Option<&str>,
        url: &str,
        absolute: bool,
        prefix_ok: bool,
    ) -> Result<Option<String>, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("empty URL".into());
        }
        if let (Some(from), Some(fragment)) = (from, url.strip_prefix('#')) {
            let page = self.out.join(from);
            if !fragment.is_empty() && !self.ids_of(&page).contains(fragment) {
                return Err(format!("`{url}`: this page has no id `{fragment}`"));
            }
            return Ok(Some(from.to_string()));
        }
        let full_base = format!("{}{}", self.origin, self.base_path);
        let site_path = if !self.origin.is_empty() && url.starts_with(&full_base) {
            &url[full_base.len()..]
        } else if url.starts_with("//") || is_external(url) {
            if !self.origin.is_empty() && url.starts_with(&self.origin) {
                return Err(format!(
                    "`{url}` is on this host but outside the base {full_base}"
                ));
            }
            let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
            if !url.starts_with("//") && !OTHER_SCHEMES.contains(&scheme.as_str()) {
                return Err(format!("`{url}` has an unknown scheme `{scheme}:`"));
            }
            return Ok(None);
        } else if absolute && !self.origin.is_empty() {
            return Err(format!(
                "`{url}` should be an absolute URL under {full_base}"
            ));
        } else if let Some(p) = url.strip_prefix(self.base_path.as_str()) {
            p
        } else {
            return Err(format!(
                "`{url}` does not start with the base path {}",
                self.base_path
            ));
        };
        self.checked += 1;
        let (path, fragment) = match site_path.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (site_path, None),
        };
        let path = path.split('?').next().unwrap_or("");
        let path = normalise_path(&percent_decode(path))
            .ok_or_else(|| format!("`{url}` climbs above the site root"))?;
        let mut file = self.out.join(&path);
        if prefix_ok && path.ends_with('/') && file.is_dir() && !file.join("index.html").is_file() {
            return Ok(None);
        }
        if path.is_empty() || path.ends_with('/') || file.is_dir() {
            file = file.join("index.html");
        }
        let rel = rel_path_lossy(&file, &self.out);
        if !file.is_file() {
            return Err(format!("`{url}` leads to {rel}, which was not built"));
        }
        if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
            if file.extension().is_none_or(|e| e != "html") {
                return Err(format!(
                    "`{url}`: #{fragment} points into {rel}, which is not an HTML page"
                ));
            }
            if !self.ids_of(&file).contains(fragment) {
                return Err(format!("`{url}`: {rel} has no id `{fragment}`"));
            }
        }
        Ok(Some(rel))
    }
}

/// `a/b/` from `a/./c/../b/`: resolves `.` and `..` segments; `None` when the path climbs above
/// its start. A trailing `/` is kept.
pub fn normalise_path(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    let mut out = parts.join("/");
    if path.ends_with('/') && !out.is_empty() {
        out.push('/');
    }
    Some(out)
}

fn rel_path_lossy(p: &Path, base: &Path) -> String {
    p.strip_prefix(base)
        .map(|r| r.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| p.display().to_string())
}

/// Strings in a JSON document that are URLs: values of keys ending in `url`, `href` or `src`,
/// and any other string that starts with `/` or `http`.
fn collect_json_urls(v: &serde_json::Value, key: &str, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::String(s) => {
            let k = key.to_ascii_lowercase();
            let named = k.ends_with("url") || k == "href" || k == "src";
            if named || s.starts_with('/') || s.starts_with("http://") || s.starts_with("https://")
            {
                out.push((key.to_string(), s.clone()));
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_json_urls(item, key, out);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, item) in map {
                // HTML fragments carry their own links; they are checked as text elsewhere.
                // The search index's term table is keyed by words (`url`, `src` among them)
                // and holds document ids, not URLs.
                if k == "html" || k == "text" || k == "terms" {
                    continue;
                }
                collect_json_urls(item, k, out);
            }
        }
        _ => {}
    }
}

/// True for URLs with a scheme (`https:`, `mailto:`, `data:`).
pub fn is_external(url: &str) -> bool {
    match url.find(':') {
        Some(i) => {
            let scheme = &url[..i];
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Decodes `%20` and friends; a `%` not followed by two hex digits stays as it is.
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

/// Builds a fixture once per test binary and shares the output between its tests. The site
/// lives in a folder that is never removed while the binary runs; it sits under cargo's
/// per-target scratch folder, and stale copies from earlier runs are cleared.
pub struct Shared {
    /// The site root.
    pub root: PathBuf,
    /// The output folder.
    pub out: PathBuf,
    /// The build's run.
    pub run: Run,
}

impl Shared {
    /// Copies fixture `name` (`basic-light` is the basic one without its code page) and builds
    /// it with `extra` arguments, into
    /// `CARGO_TARGET_TMPDIR/<tag>-<pid>`.
    pub fn build(name: &str, tag: &str, extra: &[&str]) -> Shared {
        let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
        clear_stale(scratch, tag);
        let dir = scratch.join(format!("{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let root = dir.join("site");
        match name.strip_suffix("-light") {
            Some(fixture) => {
                copy_dir(&fixtures().join(fixture), &root);
                std::fs::remove_file(root.join(BASIC_CODE_PAGE)).expect("remove code page");
            }
            None => copy_dir(&fixtures().join(name), &root),
        }
        let out = dir.join("out");
        let root_s = root.to_string_lossy().to_string();
        let out_s = out.to_string_lossy().to_string();
        let mut args = vec!["build", "--root", &root_s, "--output", &out_s];
        args.extend_from_slice(extra);
        let run = archsite(&args, &dir);
        run.assert_ok();
        Shared { root, out, run }
    }

    /// Reads an output file as text.
    pub fn read(&self, rel: &str) -> String {
        read_text(&self.out, rel)
    }

    /// True when the output has that file.
    pub fn has(&self, rel: &str) -> bool {
        self.out.join(rel).is_file()
    }
}

/// Removes `<tag>-*` folders left by earlier runs (older than ten minutes).
fn clear_stale(scratch: &Path, tag: &str) {
    let Ok(entries) = std::fs::read_dir(scratch) else {
        return;
    };
    let prefix = format!("{tag}-");
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(600));
        if name.starts_with(&prefix) && old {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}
