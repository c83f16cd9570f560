//! `site.toml`: the site's settings, parsed strictly.
//!
//! Every key is known: a typo is an error naming the key, its line and the closest valid key,
//! because a silently ignored setting is worse than a failed build. A site without `site.toml`
//! builds with the defaults below.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{explain_unknown_field, line_of, BuildError, Problem, Result};

/// The name of the settings file at the site root.
pub const CONFIG_FILE: &str = "site.toml";

/// All settings of a site.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Site title, shown in the header and the feed.
    pub title: String,
    /// One-sentence description for the home page meta tags and the feed.
    pub description: String,
    /// Absolute URL the site is served from, possibly with a sub-path
    /// (`https://user.github.io/archsite/`).
    pub base_url: String,
    /// Language code for `<html lang>`.
    pub language: String,
    /// Author named in the feed and page metadata.
    pub author: String,
    /// Output folder, relative to the site root.
    pub output_dir: String,
    /// Syntax highlighting themes.
    pub highlight: HighlightConfig,
    /// Links in the header menu.
    pub menu: Vec<MenuLink>,
    /// Repository URL for "edit this page" links (e.g. `https://github.com/u/r`).
    pub repo_url: String,
    /// Branch used in "edit this page" links.
    pub repo_branch: String,
    /// Folder of the site inside the repository, for "edit this page" links.
    pub repo_path: String,
    /// Taxonomies to build pages for; only `tags` is supported.
    pub taxonomies: Vec<String>,
    /// Whether to write an Atom feed of dated pages.
    pub feed: bool,
    /// Custom domain written to a `CNAME` file (GitHub Pages).
    pub cname: String,
    /// Escape raw HTML in markdown instead of passing it through.
    pub escape_html: bool,
    /// `"error"` (default) fails the build on broken internal links; `"warn"` only prints them.
    pub broken_links: LinkPolicy,
    /// Whether to write the search index.
    pub search: bool,
    /// The comparison matrix: subjects, aspects and list labels.
    pub compare: CompareConfig,
    /// Free values for templates (`config.extra`).
    pub extra: toml::Table,
    /// Where `archsite deploy` uploads the site.
    pub deploy: crate::deploy::settings::DeployConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "My site".into(),
            description: String::new(),
            base_url: "/".into(),
            language: "en".into(),
            author: String::new(),
            output_dir: "public".into(),
            highlight: HighlightConfig::default(),
            menu: Vec::new(),
            repo_url: String::new(),
            repo_branch: "main".into(),
            repo_path: String::new(),
            taxonomies: vec!["tags".into()],
            feed: true,
            cname: String::new(),
            escape_html: false,
            broken_links: LinkPolicy::Error,
            search: true,
            compare: CompareConfig::default(),
            extra: toml::Table::new(),
            deploy: Default::default(),
        }
    }
}

/// What to do with a broken internal link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LinkPolicy {
    /// Fail the build.
    #[default]
    Error,
    /// Print a warning and go on.
    Warn,
}

/// Syntax highlighting themes, by syntect theme name.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HighlightConfig {
    /// Theme for the light colour scheme.
    pub light: String,
    /// Theme for the dark colour scheme.
    pub dark: String,
}

impl Default for HighlightConfig {
    fn default() -> Self {
        HighlightConfig {
            light: "InspiredGitHub".into(),
            dark: "base16-ocean.dark".into(),
        }
    }
}

/// One header menu link. `url` is a site path (`/compare/`) or an absolute URL.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MenuLink {
    /// Link text.
    pub name: String,
    /// Target: a path from the site root, or an absolute URL.
    pub url: String,
}

/// Settings of the pros/cons matrix.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompareConfig {
    /// Build matrix pages at all.
    pub enabled: bool,
    /// Title of the matrix page.
    pub title: String,
    /// Path of the matrix pages from the site root.
    pub path: String,
    /// The things compared; nothing is compared when empty.
    pub subjects: Vec<Subject>,
    /// Names of table aspects that mean the same thing.
    pub aspects: Vec<Aspect>,
    /// Words that introduce a list of statements.
    pub labels: Labels,
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig {
            enabled: true,
            title: "Comparison matrix".into(),
            path: "compare".into(),
            subjects: Vec::new(),
            aspects: Vec::new(),
            labels: Labels::default(),
        }
    }
}

/// A thing compared, with the other names notes use for it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// Stable id used in URLs and anchors (`monolith`).
    pub id: String,
    /// Display name (`Monolith`).
    pub name: String,
    /// Other names that mean this subject (`Monolithic`).
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A table aspect (row heading), with the other names tables use for it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Aspect {
    /// Display name (`Scalability`).
    pub name: String,
    /// Other names (`Scaling`).
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// Label words for the three kinds of lists.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Labels {
    /// Labels of advantages.
    pub pros: Vec<String>,
    /// Labels of drawbacks.
    pub cons: Vec<String>,
    /// Labels of use cases.
    pub use_cases: Vec<String>,
}

impl Default for Labels {
    fn default() -> Self {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect();
        Labels {
            pros: words(&["Pros", "Advantages", "Benefits", "Strengths"]),
            cons: words(&[
                "Cons",
                "Disadvantages",
                "Challenges",
                "Limitations",
                "Drawbacks",
                "Weaknesses",
            ]),
            use_cases: words(&["Use cases", "Good for", "Best for", "When to use"]),
        }
    }
}

impl Config {
    /// Reads `site.toml` from `root`, or returns defaults when the file does not exist.
    pub fn load(root: &Path) -> Result<Config> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(BuildError::io(&path, &e)),
        };
        Config::parse(&text, &PathBuf::from(CONFIG_FILE))
    }

    /// Parses settings text; `file` names it in errors.
    pub fn parse(text: &str, file: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            BuildError::single(Problem::error(
                file,
                line,
                explain_unknown_field(e.message()),
            ))
        })?;
        config.normalise();
        config.validate(file)?;
        Ok(config)
    }

    /// Replaces `base_url` (as `--base-url` does), in its canonical form ending with `/`.
    /// Returns false, changing nothing, when `url` is neither an absolute URL nor a path.
    pub fn set_base_url(&mut self, url: &str) -> bool {
        if !is_base_url(url) {
            return false;
        }
        self.base_url = url.to_string();
        if !self.base_url.ends_with('/') {
            self.base_url.push('/');
        }
        true
    }

    /// Canonical forms: base_url ends with `/`, compare path has no slashes around it.
    fn normalise(&mut self) {
        if !self.base_url.ends_with('/') {
            self.base_url.push('/');
        }
        self.compare.path = self.compare.path.trim_matches('/').to_string();
    }

    fn validate(&self, file: &Path) -> Result<()> {
        let mut problems = Vec::new();
        let path = &self.compare.path;
        if path.is_empty()
            || path
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
        {
            problems.push(Problem::error(
                file,
                None,
                format!(
                    "compare.path `{path}` must be a folder path such as `compare` or `notes/matrix`"
                ),
            ));
        }
        if !is_base_url(&self.base_url) {
            problems.push(Problem::error(
                file,
                None,
                format!(
                    "base_url `{}` must be an absolute URL (https://example.com/docs/) or a path (/docs/)",
                    self.base_url
                ),
            ));
        }
        if self.output_dir.trim().is_empty() {
            problems.push(Problem::error(file, None, "output_dir must not be empty"));
        }
        for t in &self.taxonomies {
            if t != "tags" {
                problems.push(Problem::error(
                    file,
                    None,
                    format!("unknown taxonomy `{t}`: only `tags` is supported"),
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.compare.subjects {
            // An id of dashes alone would give the subject page `compare/--/`.
            if !s.id.chars().any(|c| c.is_ascii_alphanumeric())
                || !s
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                problems.push(Problem::error(
                    file,
                    None,
                    format!(
                        "subject id `{}` must be lower-case letters, digits and `-`, with at \
                         least one letter or digit",
                        s.id
                    ),
                ));
            }
            if !seen.insert(s.id.clone()) {
                problems.push(Problem::error(
                    file,
                    None,
                    format!("subject id `{}` is declared twice", s.id),
                ));
            }
        }
        self.deploy.validate(file, &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(BuildError { problems })
        }
    }
}

/// True for what `base_url` may be: an absolute `http(s)://` URL or a path from `/`.
fn is_base_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://") || url.starts_with('/')
}

impl Config {
    /// Settings with one item in each list, so that their serialised form names every key a
    /// `site.toml` can hold, the keys of list items too. Checks that the documentation and the
    /// starter `site.toml` name every key compare against it.
    pub fn with_every_key() -> Config {
        let mut config = Config {
            menu: vec![MenuLink {
                name: "n".into(),
                url: "/".into(),
            }],
            ..Config::default()
        };
        config.compare.subjects = vec![Subject {
            id: "a".into(),
            name: "A".into(),
            aliases: vec![],
        }];
        config.compare.aspects = vec![Aspect {
            name: "x".into(),
            aliases: vec![],
        }];
        config.deploy = crate::deploy::settings::DeployConfig::with_every_key();
        config
    }
}

/// Every key in a serialised settings value, as dotted paths (`compare.subjects.id`) with their
/// values; list items share their list's path, and the free `extra` table is named but not
/// entered.
pub fn key_paths(value: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    fn walk(v: &serde_json::Value, prefix: &str, out: &mut Vec<(String, serde_json::Value)>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    out.push((path.clone(), child.clone()));
                    if k != "extra" {
                        walk(child, &path, out);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(item, prefix, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_line_and_suggestion() {
        let err = Config::parse("title = \"x\"\ntitel = \"y\"\n", Path::new("site.toml"))
            .expect_err("typo must fail");
        let p = &err.problems[0];
        assert_eq!(p.line, Some(2));
        assert!(p.message.contains("did you mean `title`"), "{}", p.message);
    }

    #[test]
    fn compare_path_and_subject_ids_are_checked() {
        for bad in ["path = \"/\"", "path = \"../x\""] {
            let text = format!("[compare]\n{bad}\n");
            assert!(
                Config::parse(&text, Path::new("site.toml")).is_err(),
                "{bad}"
            );
        }
        for id in ["SQL", "-", "--", ""] {
            let text = format!("[[compare.subjects]]\nid = \"{id}\"\nname = \"X\"\n");
            assert!(
                Config::parse(&text, Path::new("site.toml")).is_err(),
                "subject id {id:?}"
            );
        }
        let fine = "[[compare.subjects]]\nid = \"event-driven-2\"\nname = \"X\"\n";
        assert!(Config::parse(fine, Path::new("site.toml")).is_ok());
    }

    #[test]
    fn defaults_apply_and_base_url_gets_slash() {
        let c = Config::parse(
            "base_url = \"https://u.github.io/repo\"",
            Path::new("site.toml"),
        )
        .expect("valid");
        assert_eq!(c.base_url, "https://u.github.io/repo/");
        assert_eq!(c.output_dir, "public");
        assert!(c.feed);
    }
}
