//! The guide (`content/guide/`) cannot drift from the code: every file it shows is compared with
//! the real file, every command session it shows is run and its output compared, every example
//! site under `docs/examples/` is built and its documented results checked, and the reference
//! pages are compared with the settings and front matter keys archsite really accepts.

mod common;

use std::path::{Path, PathBuf};

use common::{copy_dir, read, repo_root as repo, Run};
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

/// Runs `archsite ARGS` in `cwd` (with the shared runner's hang guard).
fn run(cwd: &Path, args: &[String]) -> Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    common::archsite(&args, cwd)
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The guide's pages: (file name, text).
fn pages() -> Vec<(String, String)> {
    let dir = repo().join("content/guide");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("content/guide")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().to_string();
            (name, read(&p))
        })
        .collect();
    out.sort();
    assert!(out.len() >= 9, "the guide has lost pages");
    out
}

fn page(name: &str) -> String {
    read(&repo().join("content/guide").join(name))
}

/// A fenced code block of a guide page.
struct Block {
    page: String,
    info: String,
    body: String,
}

impl Block {
    fn lang(&self) -> &str {
        self.info.split_whitespace().next().unwrap_or("")
    }

    /// The value of `key=value` in the info string.
    fn attr(&self, key: &str) -> Option<&str> {
        self.info
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
    }
}

fn blocks() -> Vec<Block> {
    let mut out = Vec::new();
    for (name, text) in pages() {
        let mut current: Option<Block> = None;
        for event in Parser::new(&text) {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    current = Some(Block {
                        page: name.clone(),
                        info: info.to_string(),
                        body: String::new(),
                    })
                }
                Event::Text(t) => {
                    if let Some(b) = current.as_mut() {
                        b.body.push_str(&t);
                    }
                }
                Event::End(TagEnd::CodeBlock) => out.extend(current.take()),
                _ => {}
            }
        }
    }
    out
}

#[test]
fn files_shown_in_the_guide_are_the_real_files() {
    let mut checked = 0;
    for b in blocks() {
        if let Some(path) = b.attr("file") {
            let real = read(&repo().join(path));
            assert_eq!(
                b.body.trim_end(),
                real.trim_end(),
                "{}: the block showing {path} differs from the file",
                b.page
            );
            checked += 1;
        }
        if let Some(path) = b.attr("excerpt") {
            let real = read(&repo().join(path));
            assert!(
                real.contains(b.body.trim_end()),
                "{}: the excerpt of {path} is not in the file",
                b.page
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} file blocks found");
}

/// Splits a command line into words, honouring double quotes.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

/// Runs every `console` block: `$ archsite ...` and `$ cd ...` lines, in a scratch folder per
/// page holding a copy of `docs/examples/`, comparing exit codes (0 unless the line says
/// `# exits with N`) and, where the guide shows output, the output.
#[test]
fn console_sessions_in_the_guide_run_as_shown() {
    let all = blocks();
    let mut sessions = 0;
    let mut pages: Vec<&str> = all.iter().map(|b| b.page.as_str()).collect();
    pages.dedup();
    for page_name in pages {
        let scratch = tempfile::tempdir().expect("tempdir");
        copy_dir(
            &repo().join("docs/examples"),
            &scratch.path().join("docs/examples"),
        );
        for b in all
            .iter()
            .filter(|b| b.page == page_name && b.lang() == "console")
        {
            sessions += 1;
            let mut cwd: PathBuf = scratch.path().to_path_buf();
            // (command, expected exit code, expected output lines)
            let mut steps: Vec<(String, i32, Vec<String>)> = Vec::new();
            for line in b.body.lines() {
                if let Some(cmd) = line.strip_prefix("$ ") {
                    let (cmd, code) = match cmd.split_once("# exits with ") {
                        Some((c, n)) => (c.trim(), n.trim().parse().expect("exit code")),
                        None => (cmd.trim(), 0),
                    };
                    steps.push((cmd.to_string(), code, Vec::new()));
                } else if let Some(step) = steps.last_mut() {
                    step.2.push(line.to_string());
                } else {
                    panic!("{page_name}: console block starts without a `$ ` command");
                }
            }
            for (cmd, code, expected) in steps {
                let w = words(&cmd);
                match w.first().map(String::as_str) {
                    Some("cd") => {
                        cwd = cwd.join(&w[1]);
                        assert!(cwd.is_dir(), "{page_name}: `{cmd}`: no such folder");
                        continue;
                    }
                    Some("archsite") => {}
                    _ => panic!("{page_name}: console blocks run only archsite and cd: `{cmd}`"),
                }
                let r = run(&cwd, &w[1..]);
                assert_eq!(
                    r.code, code,
                    "{page_name}: `{cmd}` exited with {}:\n{}{}",
                    r.code, r.stdout, r.stderr
                );
                let shown = expected.join("\n");
                let shown = shown.trim_end();
                if !shown.is_empty() {
                    let actual = format!("{}{}", r.stdout, r.stderr);
                    assert_eq!(
                        actual.trim_end(),
                        shown,
                        "{page_name}: the output of `{cmd}` differs from the guide"
                    );
                }
            }
        }
    }
    assert!(sessions >= 6, "only {sessions} console blocks found");
}

/// Every `archsite` command in a `sh` block (which the test cannot run: it serves, or writes to
/// your home folder) is at least valid: its flags exist.
#[test]
fn commands_in_sh_blocks_are_valid() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut checked = 0;
    for b in blocks().iter().filter(|b| b.lang() == "sh") {
        let joined = b.body.replace("\\\n", " ");
        for line in joined.lines() {
            let line = line.split(" #").next().unwrap_or(line);
            let line = line.split(" > ").next().unwrap_or(line);
            let w = words(line);
            if w.first().map(String::as_str) != Some("archsite") {
                continue;
            }
            let mut a = w[1..].to_vec();
            a.push("--help".into());
            let r = run(scratch.path(), &a);
            assert_eq!(r.code, 0, "{}: `{line}`: {}", b.page, r.stderr);
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} commands found");
}

fn build_example(name: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().expect("tempdir");
    let public = out.path().join("public");
    let root = repo().join("docs/examples").join(name);
    let mut a = args(&[
        "build",
        "--root",
        root.to_str().expect("utf-8"),
        "--output",
        public.to_str().expect("utf-8"),
    ]);
    a.extend(extra.iter().map(|s| s.to_string()));
    let r = run(repo(), &a);
    assert_eq!(r.code, 0, "{name}: {}", r.stderr);
    assert_eq!(r.stderr, "", "{name} builds with warnings");
    (out, public)
}

#[test]
fn every_example_site_builds_and_checks_clean() {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("docs/examples"))
        .expect("docs/examples")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(names.len() >= 4);
    for name in names {
        let root = repo().join("docs/examples").join(&name);
        let r = run(
            repo(),
            &args(&["check", "--root", root.to_str().expect("utf-8")]),
        );
        if name == "broken" {
            // The one example that is broken on purpose, for the page on `archsite check`.
            assert_eq!(r.code, 1);
            continue;
        }
        assert_eq!(r.code, 0, "{name}: {}", r.stdout);
        assert!(r.stdout.contains(": no problems."), "{name}: {}", r.stdout);
        build_example(&name, &[]);
    }
}

#[test]
fn the_comparison_example_gives_what_the_guide_says() {
    let (_keep, public) = build_example("compare", &["--base-url", "https://example.com/"]);
    let note = read(&public.join("commuting/index.html"));
    let text = page("comparisons.md");
    for id in [
        "bicycle-pro-exercise-on-the-way",
        "bicycle-con-wet-when-it-rains",
        "car-use-long-distances",
        "bicycle-cost",
        "car-speed-in-town",
    ] {
        assert!(text.contains(&format!("`#{id}`")), "guide lacks {id}");
        assert!(note.contains(&format!("id=\"{id}\"")), "page lacks {id}");
    }
    assert!(note.contains("Pros in the comparison matrix"));
    assert!(
        note.contains("href=\"/compare/bicycle/\""),
        "no subject link"
    );
    for p in [
        "compare/bicycle/",
        "compare/car/",
        "compare/bicycle-vs-car/",
    ] {
        assert!(public.join(p).join("index.html").is_file(), "{p} missing");
        assert!(text.contains(&format!("`/{p}`")), "guide lacks /{p}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&read(&public.join("compare/compare.json"))).expect("json");
    for key in [
        "version",
        "title",
        "matrix_url",
        "subjects",
        "rows",
        "pairs",
        "statements",
    ] {
        assert!(json.get(key).is_some(), "compare.json lacks {key}");
        assert!(text.contains(&format!("`{key}`")), "guide lacks {key}");
    }
    let rows: Vec<&str> = json["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    // Lists first, then aspects in order of appearance; "Price" merged into "Cost".
    assert_eq!(
        rows,
        [
            "pros",
            "cons",
            "use-cases",
            "aspect-cost",
            "aspect-speed-in-town"
        ]
    );
    let first = &json["statements"][0];
    for key in ["subject", "row", "text", "html", "source_url"] {
        assert!(first.get(key).is_some(), "statement lacks {key}");
    }
    assert_eq!(
        first["source_url"],
        "https://example.com/commuting/#bicycle-pro-exercise-on-the-way"
    );
}

#[test]
fn the_front_matter_example_gives_what_the_guide_says() {
    let (_keep, public) = build_example("front-matter", &[]);
    let hello = read(&public.join("posts/hello/index.html"));
    assert!(hello.contains("Mood: cheerful"), "custom template unused");
    let redirect = read(&public.join("old/hello/index.html"));
    assert!(
        redirect.contains("/posts/hello/"),
        "alias does not redirect"
    );
    for t in ["examples", "toml", "yaml"] {
        assert!(public.join("tags").join(t).join("index.html").is_file());
    }
    assert!(!public.join("posts/unfinished").exists(), "draft published");
    let (_keep, drafts) = build_example("front-matter", &["--drafts"]);
    assert!(drafts.join("posts/unfinished/index.html").is_file());
}

#[test]
fn the_theme_example_gives_what_the_guide_says() {
    let (_keep, public) = build_example("theme", &[]);
    let home = read(&public.join("index.html"));
    assert!(home.contains("A. Writer. Written on a bicycle."), "footer");
    assert!(home.contains("<aside class=\"alert alert-tip\"><p>This box comes from"));
    let gallery = read(&public.join("gallery/index.html"));
    assert!(gallery.contains("alt=\"A black dot on white\""));
    assert!(gallery.contains("<figcaption>The smallest picture</figcaption>"));
    assert!(gallery.contains("width=\"120\""));
    assert!(public.join("gallery/dot.svg").is_file());
}

/// A default as the reference writes it: `"public"`, `true`, `["tags"]`, `[]`.
fn toml_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(format!("\"{s}\"")),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(toml_text).collect();
            Some(format!("[{}]", parts?.join(", ")))
        }
        _ => None,
    }
}

#[test]
fn the_settings_reference_has_every_key_with_its_default() {
    use archsite::config::Config;
    let text = page("site-toml.md");
    // Sections of the page by `## ` heading.
    let sections: Vec<(&str, &str)> = text
        .split("\n## ")
        .skip(1)
        .map(|s| s.split_once('\n').unwrap_or((s, "")))
        .collect();
    let section_for = |path: &str| -> &str {
        let table = path.rsplit_once('.').map(|(t, _)| t).unwrap_or("");
        let heading = match table {
            "" => "Top-level keys".to_string(),
            "menu" => "`menu` entries".to_string(),
            "compare.subjects"
            | "compare.aspects"
            | "deploy.targets"
            | "deploy.targets.cache_control" => format!("`[[{table}]]`"),
            t => format!("`[{t}]`"),
        };
        sections
            .iter()
            .find(|(h, _)| *h == heading)
            .map(|(_, body)| *body)
            .unwrap_or_else(|| panic!("site-toml.md has no section `## {heading}`"))
    };
    let defaults = Config::default();
    let all =
        archsite::config::key_paths(&serde_json::to_value(Config::with_every_key()).expect("json"));
    let default_json = serde_json::to_value(&defaults).expect("json");
    let mut checked = 0;
    for (path, _) in &all {
        let leaf = path.rsplit('.').next().unwrap_or(path);
        let body = section_for(path);
        let row = body
            .lines()
            .find(|l| l.starts_with(&format!("| `{leaf}` |")))
            .unwrap_or_else(|| panic!("site-toml.md has no row for `{path}`"));
        // Defaults of settings (not of list items, whose keys are required or empty).
        let pointer = format!("/{}", path.replace('.', "/"));
        if let Some(default) = default_json.pointer(&pointer).and_then(toml_text) {
            assert!(
                row.contains(&format!("`{default}`")),
                "site-toml.md: `{path}` should show the default `{default}`: {row}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 30, "{checked}");
}

#[test]
fn the_front_matter_reference_has_every_key() {
    // The valid keys, as archsite itself lists them for an unknown one.
    let err = archsite::content::parse_document(
        "a.md",
        Path::new("content/a.md"),
        b"---\nzzz_not_a_key: 1\n---\n",
    )
    .expect_err("unknown key")
    .remove(0);
    let list = err
        .message
        .split_once("valid keys: ")
        .map(|(_, l)| l.trim_end_matches(')'))
        .unwrap_or_else(|| panic!("no key list in: {}", err.message));
    let text = page("front-matter.md");
    let keys: Vec<&str> = list.split(", ").collect();
    assert!(keys.len() >= 11, "{keys:?}");
    for key in keys {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("| `{key}` |"))),
            "front-matter.md has no row for `{key}`"
        );
    }
}

#[test]
fn the_highlight_themes_named_in_the_reference_exist() {
    let text = page("site-toml.md");
    let para = text
        .split("built-in themes:")
        .nth(1)
        .and_then(|t| t.split("\n\n").next())
        .expect("theme list");
    let names: Vec<&str> = para.split('`').skip(1).step_by(2).collect();
    assert!(names.len() >= 5, "{names:?}");
    for n in names {
        archsite::highlight::stylesheet(n, n).unwrap_or_else(|e| panic!("`{n}`: {e}"));
    }
}

/// aws-cli filter matching: `*` is any run of characters (slashes too), `?` one character.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob(&pattern[1..], text) || (!text.is_empty() && glob(pattern, &text[1..]))
        }
        (Some(b'?'), Some(_)) => glob(&pattern[1..], &text[1..]),
        (Some(p), Some(t)) if p == t => glob(&pattern[1..], &text[1..]),
        _ => false,
    }
}

/// The S3 commands' cache rules hold: what they cache for a year has a content hash in its
/// name, and everything with a hashed name is cached for a year.
#[test]
fn the_s3_cache_rules_match_the_hashed_files() {
    let deploy = page("deploy.md");
    let immutable: Vec<String> = deploy
        .lines()
        .filter(|l| l.contains("--include"))
        .flat_map(|l| {
            l.split("--include \"")
                .skip(1)
                .filter_map(|p| p.split('"').next())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(immutable, ["assets/*.??????????.*", "search/*"]);
    let hashed = |name: &str| {
        name.split(['.', '/'])
            .any(|part| part.len() >= 10 && part.chars().all(|c| c.is_ascii_hexdigit()))
    };
    let (_keep, public) = build_example("compare", &[]);
    let files: Vec<String> = common::walk(&public)
        .iter()
        .map(|p| common::rel_path(p, &public))
        .collect();
    let mut cached = 0;
    for f in &files {
        let forever = immutable.iter().any(|p| glob(p.as_bytes(), f.as_bytes()));
        if forever {
            assert!(
                hashed(f),
                "{f} is cached for a year but its name has no hash"
            );
            cached += 1;
        }
        if f.starts_with("assets/") && hashed(f) {
            assert!(
                forever,
                "{f} has a hashed name but is not cached for a year"
            );
        }
    }
    assert!(cached >= 5, "{files:?}");

    // "Only what changed is uploaded": an unchanged file keeps its modification time.
    let index = public.join("index.html");
    let before = std::fs::metadata(&index)
        .expect("meta")
        .modified()
        .expect("mtime");
    let root = repo().join("docs/examples/compare");
    let r = run(
        repo(),
        &args(&[
            "build",
            "--root",
            root.to_str().expect("utf-8"),
            "--output",
            public.to_str().expect("utf-8"),
        ]),
    );
    assert_eq!(r.code, 0);
    let after = std::fs::metadata(&index)
        .expect("meta")
        .modified()
        .expect("mtime");
    assert_eq!(before, after, "an unchanged page was rewritten");
}

#[test]
fn the_guide_is_part_of_the_showcase_and_stays_out_of_its_matrix() {
    let r = run(repo(), &args(&["check"]));
    assert_eq!(r.code, 0, "the showcase has errors:\n{}", r.stdout);
    assert!(
        !r.stdout.contains("content/guide/"),
        "problems in the guide:\n{}",
        r.stdout
    );
    let out = tempfile::tempdir().expect("tempdir");
    let public = out.path().join("public");
    let r = run(
        repo(),
        &args(&["build", "--output", public.to_str().expect("utf-8")]),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    for name in [
        "getting-started",
        "site-toml",
        "front-matter",
        "comparisons",
        "shortcodes",
        "templates",
        "check",
        "deploy",
        "command-line",
    ] {
        assert!(public.join("guide").join(name).join("index.html").is_file());
    }
    let json = read(&public.join("compare/compare.json"));
    assert!(
        !json.contains("/guide/"),
        "guide pages feed the showcase matrix"
    );
}
