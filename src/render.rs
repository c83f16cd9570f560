//! Templates: the embedded default theme, the site's overrides, and rendering with Tera 2.
//!
//! Tera 2 reports template errors with the template name, line and column, for syntax errors
//! and render errors alike, which is why archsite uses it over Tera 1. The theme is compiled
//! into the binary so a folder with only `content/` still builds a complete site.

use std::collections::HashSet;
use std::path::Path;

use include_dir::{include_dir, Dir};
use tera::{Context, Tera, Value};

use crate::error::{BuildError, Problem, Result};
use crate::markdown::shortcodes::Call;
use crate::markdown::ShortcodeRenderer;

/// The default theme: `theme/templates` and `theme/static`.
pub static THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/theme");

/// The site's template override folder.
pub const TEMPLATES_DIR: &str = "templates";

/// The loaded templates of one build.
pub struct Templates {
    tera: Tera,
    fingerprint: u64,
    layout_ids: HashSet<String>,
}

impl Templates {
    /// Loads the embedded theme, then every file in `root/templates` over it.
    pub fn load(root: &Path) -> Result<Templates> {
        let mut sources: Vec<(String, String)> = Vec::new();
        if let Some(dir) = THEME.get_dir("templates") {
            collect_embedded(dir, &mut sources);
        }
        let own = root.join(TEMPLATES_DIR);
        if own.is_dir() {
            for entry in walkdir::WalkDir::new(&own).sort_by_file_name() {
                let entry = entry
                    .map_err(|e| BuildError::single(Problem::error(&own, None, e.to_string())))?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let name = crate::content::rel_slash(entry.path(), &own);
                let text = std::fs::read_to_string(entry.path())
                    .map_err(|e| BuildError::io(entry.path(), &e))?;
                sources.retain(|(n, _)| n != &name);
                sources.push((name, text));
            }
        }
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for (n, t) in &sources {
            hasher.update(n.as_bytes());
            hasher.update(&[0]);
            hasher.update(t.as_bytes());
            hasher.update(&[0]);
        }
        let fingerprint = hasher.digest();
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.add_raw_templates(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .map_err(|e| template_error(root, &e, None))?;
        let mut layout_ids = HashSet::new();
        for (_, text) in &sources {
            literal_ids(text, &mut layout_ids);
        }
        if let Some(dir) = THEME.get_dir("static") {
            for f in dir.files() {
                if f.path().extension().is_some_and(|e| e == "js") {
                    literal_ids(f.contents_utf8().unwrap_or(""), &mut layout_ids);
                }
            }
        }
        Ok(Templates {
            tera,
            fingerprint,
            layout_ids,
        })
    }

    /// Ids the layout writes as they are (`main`, `sidebar`), found in the templates and the
    /// theme's scripts: a heading in the content must not take one of them.
    pub fn layout_ids(&self) -> &HashSet<String> {
        &self.layout_ids
    }

    /// A hash of every template's name and text, to tell when templates changed.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// True when a template of that name exists.
    pub fn has(&self, name: &str) -> bool {
        self.tera.contains_template(name)
    }

    /// Sets a variable every template sees (site-wide data, set once).
    pub fn set_global(&mut self, key: &'static str, value: Value) {
        self.tera.global_context().insert_value(key, value);
    }

    /// Renders `name` with `context`; errors name the template, line and column.
    pub fn render(&self, name: &str, context: &Context) -> std::result::Result<String, Problem> {
        self.tera
            .render(name, context)
            .map_err(|e| Self::problem(name, &e))
    }

    /// Renders `name` into bytes, in a buffer of `capacity` to start with: a page whose body
    /// is large is rendered without the buffer doubling past twice its size.
    pub fn render_bytes(
        &self,
        name: &str,
        context: &Context,
        capacity: usize,
    ) -> std::result::Result<Vec<u8>, Problem> {
        let mut out = Vec::with_capacity(capacity);
        self.tera
            .render_to(name, context, &mut out)
            .map_err(|e| Self::problem(name, &e))?;
        Ok(out)
    }

    /// A template error as a problem naming the template, line and column.
    fn problem(name: &str, e: &tera::Error) -> Problem {
        let p = template_error(Path::new(""), e, Some(name));
        p.problems
            .into_iter()
            .next()
            .unwrap_or_else(|| Problem::error(template_file(name), None, e.to_string()))
    }
}

impl ShortcodeRenderer for Templates {
    fn render(&self, call: &Call, page_url: &str) -> std::result::Result<String, String> {
        let name = format!("shortcodes/{}.html", call.name);
        if !self.has(&name) {
            return Err(format!(
                "unknown shortcode `{}` (no template {})",
                call.name,
                template_file(&name).display()
            ));
        }
        if call.name == "img" {
            for key in ["src", "alt"] {
                if call.kw.get(key).is_none_or(|v| v.trim().is_empty()) {
                    return Err(format!("shortcode `img` needs `{key}=\"...\"`"));
                }
            }
        }
        let mut ctx = Context::new();
        ctx.insert("args", &call.args);
        ctx.insert("kw", &call.kw);
        ctx.insert("page_url", page_url);
        let html = Templates::render(self, &name, &ctx).map_err(|p| p.to_string())?;
        // Shortcode output replaces a paragraph: keep it on one line so it stays one block.
        Ok(html.trim().replace('\n', " "))
    }
}

/// Adds every `id="literal"` in `text` (not ids made by template expressions) to `out`.
fn literal_ids(text: &str, out: &mut HashSet<String>) {
    for id in crate::markdown::html_ids(text) {
        if !id.is_empty() && !id.contains(['{', '}', '$', '+', '\'', '"', ' ']) {
            out.insert(id.to_string());
        }
    }
}

fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<(String, String)>) {
    for file in dir.files() {
        let name = file
            .path()
            .strip_prefix("templates")
            .unwrap_or(file.path())
            .to_string_lossy()
            .replace('\\', "/");
        if let Some(text) = file.contents_utf8() {
            out.push((name, text.to_string()));
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

/// Where a template named `name` comes from, for messages: the site's own file, or the theme.
fn template_file(name: &str) -> std::path::PathBuf {
    Path::new(TEMPLATES_DIR).join(name)
}

/// Turns a Tera error into a problem naming the template file and line.
fn template_error(root: &Path, e: &tera::Error, rendering: Option<&str>) -> BuildError {
    let report = e.to_string();
    // Tera 2 reports " --> name.html:5:9" under the message.
    let mut file = None;
    let mut line = None;
    for l in report.lines() {
        if let Some(loc) = l.trim().strip_prefix("--> ") {
            let mut parts = loc.rsplitn(3, ':');
            let _col = parts.next();
            line = parts.next().and_then(|n| n.parse::<usize>().ok());
            file = parts.next().map(str::to_string);
            break;
        }
    }
    let message = report
        .lines()
        .next()
        .unwrap_or("template error")
        .trim_start_matches("error: ")
        .to_string();
    let name = file
        .or_else(|| rendering.map(str::to_string))
        .unwrap_or_else(|| "(templates)".into());
    let own = root.join(TEMPLATES_DIR).join(&name);
    let path = if own.is_file() || root.as_os_str().is_empty() {
        template_file(&name)
    } else {
        Path::new("theme/templates").join(&name)
    };
    let mut detail = message;
    let snippet: Vec<&str> = report.lines().skip(1).collect();
    if !snippet.is_empty() {
        detail.push('\n');
        detail.push_str(&snippet.join("\n"));
    }
    BuildError::single(Problem::error(path, line, detail))
}
