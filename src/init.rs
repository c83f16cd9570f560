//! `archsite init`: a new site that builds at once, with a matrix on its first build.
//!
//! The starter files live in `src/init/starter/` and are compiled into the binary, so the files
//! the guide shows are the files `init` writes. `init` only writes into a new or empty folder:
//! it never overwrites anything, and when it refuses it changes nothing.

use std::path::{Path, PathBuf};

use crate::error::Problem;

/// The files `init` writes: (path in the new site, contents).
pub const STARTER: &[(&str, &str)] = &[
    ("site.toml", include_str!("init/starter/site.toml")),
    (
        "content/_index.md",
        include_str!("init/starter/content/_index.md"),
    ),
    (
        "content/notes/_index.md",
        include_str!("init/starter/content/notes/_index.md"),
    ),
    (
        "content/notes/sqlite.md",
        include_str!("init/starter/content/notes/sqlite.md"),
    ),
    (
        "content/notes/postgresql.md",
        include_str!("init/starter/content/notes/postgresql.md"),
    ),
    (".gitignore", include_str!("init/starter/gitignore")),
    (
        ".github/workflows/pages.yml",
        include_str!("init/starter/github-workflows/pages.yml"),
    ),
];

/// Entries a folder may already hold and still count as empty (a fresh `git init`).
const IGNORED: &[&str] = &[".git"];

/// What `init` did.
#[derive(Debug, Clone)]
pub struct InitReport {
    /// The site folder.
    pub root: PathBuf,
    /// Files written, relative to `root`, `/` separated.
    pub files: Vec<String>,
}

/// Creates a new site in `dir`, which must not exist or be empty (a `.git` folder is allowed).
/// On refusal nothing is written; if writing fails half-way, the files written are removed.
pub fn init(dir: &Path) -> Result<InitReport, Problem> {
    check_empty(dir)?;
    let existed = dir.exists();
    let mut written: Vec<PathBuf> = Vec::new();
    let mut made_dirs: Vec<PathBuf> = Vec::new();
    let result = write_all(dir, &mut written, &mut made_dirs);
    if let Err(p) = result {
        for f in written.iter().rev() {
            let _ = std::fs::remove_file(f);
        }
        for d in made_dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
        if !existed {
            let _ = std::fs::remove_dir(dir);
        }
        return Err(p);
    }
    Ok(InitReport {
        root: dir.to_path_buf(),
        files: STARTER.iter().map(|(p, _)| p.to_string()).collect(),
    })
}

fn check_empty(dir: &Path) -> Result<(), Problem> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(Problem::error(
            dir,
            None,
            "exists and is not a folder; archsite init needs a new or empty folder",
        ));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Problem::error(dir, None, e.to_string()))?;
    let mut found: Vec<String> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Problem::error(dir, None, e.to_string()))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if !IGNORED.contains(&name.as_str()) {
            found.push(name);
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    found.sort();
    let shown: Vec<&str> = found.iter().take(5).map(String::as_str).collect();
    let more = if found.len() > shown.len() {
        format!(" and {} more", found.len() - shown.len())
    } else {
        String::new()
    };
    Err(Problem::error(
        dir,
        None,
        format!(
            "is not empty (it holds {}{more}); archsite init writes only into a new or empty \
             folder and changed nothing",
            shown.join(", ")
        ),
    ))
}

fn write_all(
    dir: &Path,
    written: &mut Vec<PathBuf>,
    made_dirs: &mut Vec<PathBuf>,
) -> Result<(), Problem> {
    for (rel, text) in STARTER {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            // Record each folder this creates, deepest last, so a failure can remove them.
            let mut missing: Vec<PathBuf> = parent
                .ancestors()
                .take_while(|a| !a.exists() && *a != dir)
                .map(Path::to_path_buf)
                .collect();
            missing.reverse();
            std::fs::create_dir_all(parent)
                .map_err(|e| Problem::error(parent, None, e.to_string()))?;
            made_dirs.extend(missing);
        }
        // create_new: never replace a file, even one that appeared since the check.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Problem::error(&path, None, e.to_string()))?;
        written.push(path.clone());
        std::io::Write::write_all(&mut file, text.as_bytes())
            .map_err(|e| Problem::error(&path, None, e.to_string()))?;
    }
    Ok(())
}

/// The commands to run next, for the message `init` prints: `cd DIR` (unless `dir` is the
/// current folder) and `archsite serve`.
pub fn next_commands(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let shown = dir.display().to_string();
    if !(shown.is_empty() || shown == ".") {
        let quoted = if shown.contains(char::is_whitespace) {
            format!("\"{shown}\"")
        } else {
            shown
        };
        out.push(format!("cd {quoted}"));
    }
    out.push("archsite serve".to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// The starter `site.toml` with every commented-out setting switched on.
    fn uncommented() -> String {
        let mut out = String::new();
        for line in STARTER[0].1.lines() {
            let rest = line.strip_prefix("# ").unwrap_or(line);
            let is_setting = rest.starts_with('[')
                || rest
                    .split_once(" = ")
                    .is_some_and(|(k, _)| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            out.push_str(if is_setting { rest } else { line });
            out.push('\n');
        }
        out
    }

    #[test]
    fn starter_settings_parse_with_and_without_the_comments() {
        let plain = Config::parse(STARTER[0].1, Path::new("site.toml")).expect("starter parses");
        assert_eq!(plain.compare.subjects.len(), 2);
        let all = Config::parse(&uncommented(), Path::new("site.toml"))
            .expect("every commented-out setting is valid");
        let defaults = Config::default();
        assert_eq!(all.output_dir, defaults.output_dir);
        assert_eq!(all.broken_links, defaults.broken_links);
        assert_eq!(all.highlight.dark, defaults.highlight.dark);
        assert_eq!(all.compare.labels.cons, defaults.compare.labels.cons);
        assert_eq!(all.taxonomies, defaults.taxonomies);
    }

    #[test]
    fn starter_settings_name_every_key_of_the_config() {
        let paths = |v: serde_json::Value| -> Vec<String> {
            crate::config::key_paths(&v)
                .into_iter()
                .map(|(k, _)| k)
                .collect()
        };
        let wanted = paths(serde_json::to_value(Config::with_every_key()).expect("serialises"));
        let table: toml::Table = toml::from_str(&uncommented()).expect("toml");
        let present = paths(serde_json::to_value(&table).expect("serialises"));
        let missing: Vec<&String> = wanted.iter().filter(|k| !present.contains(k)).collect();
        assert!(
            missing.is_empty(),
            "keys missing from src/init/starter/site.toml: {missing:?}"
        );
    }

    #[test]
    fn refuses_a_non_empty_folder_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
        let err = init(dir.path()).expect_err("must refuse");
        assert!(err.message.contains("notes.txt"), "{}", err.message);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_git_folder_alone_counts_as_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join(".git")).expect("mkdir");
        let report = init(dir.path()).expect("init");
        assert!(report.files.contains(&"site.toml".to_string()));
        assert!(dir.path().join(".github/workflows/pages.yml").is_file());
    }

    #[test]
    fn next_commands_skip_cd_for_the_current_folder() {
        assert_eq!(next_commands(Path::new(".")), vec!["archsite serve"]);
        assert_eq!(
            next_commands(Path::new("my site")),
            vec!["cd \"my site\"", "archsite serve"]
        );
    }
}
