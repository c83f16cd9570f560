//! A new user's first minutes: `archsite init`, then `build` and `check` in the new folder, and
//! the command line around them (help examples, exit codes, colour, completions).

mod common;

use std::path::Path;
use std::process::Command;

use common::{read, tree_state, Run};

/// Runs `archsite ARGS` in `cwd` (with the shared runner's hang guard).
fn run(cwd: &Path, args: &[&str]) -> Run {
    common::archsite(args, cwd)
}

#[test]
fn init_then_build_gives_a_matrix_linking_both_notes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = run(dir.path(), &["init", "my-site"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // The next two commands to run.
    let lines: Vec<&str> = r.stdout.lines().map(str::trim).collect();
    let cd = lines
        .iter()
        .position(|l| *l == "cd my-site")
        .expect("cd shown");
    assert_eq!(lines[cd + 1], "archsite serve", "{}", r.stdout);

    let site = dir.path().join("my-site");
    for f in [
        "site.toml",
        "content/_index.md",
        "content/notes/_index.md",
        "content/notes/sqlite.md",
        "content/notes/postgresql.md",
        ".gitignore",
        ".github/workflows/pages.yml",
    ] {
        assert!(site.join(f).is_file(), "{f} missing");
    }

    let r = run(&site, &["build"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stderr, "", "a new site builds with zero warnings");
    let public = site.join("public");
    let matrix = read(&public.join("compare/index.html"));
    for note in ["/notes/sqlite/", "/notes/postgresql/"] {
        assert!(
            matrix.contains(&format!("href=\"{note}#")),
            "matrix does not cite {note}"
        );
    }
    assert!(matrix.contains("SQLite") && matrix.contains("PostgreSQL"));
    assert!(public
        .join("compare/sqlite-vs-postgresql/index.html")
        .is_file());
    assert!(public.join("compare/compare.json").is_file());
    // Each note links to its cells in the matrix.
    let note = read(&public.join("notes/sqlite/index.html"));
    assert!(
        note.contains("href=\"/compare/#pros-sqlite\""),
        "no back-link"
    );
    // The table in the PostgreSQL note makes aspect rows.
    let json: serde_json::Value =
        serde_json::from_str(&read(&public.join("compare/compare.json"))).expect("json");
    let rows: Vec<&str> = json["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(
        rows,
        ["pros", "cons", "aspect-setup", "aspect-concurrency"],
        "{json}"
    );

    let r = run(&site, &["check"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains(": no problems."), "{}", r.stdout);
}

#[test]
fn build_with_a_sub_path_as_the_pages_workflow_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(run(dir.path(), &["init", "s"]).code, 0);
    let site = dir.path().join("s");
    let r = run(
        &site,
        &["build", "--base-url", "https://someone.github.io/notes/"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    let matrix = read(&site.join("public/compare/index.html"));
    assert!(
        matrix.contains("href=\"/notes/notes/sqlite/#"),
        "sub-path missing"
    );
}

#[test]
fn init_refuses_a_non_empty_folder_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("busy");
    std::fs::create_dir_all(site.join("content")).expect("mkdir");
    std::fs::write(site.join("site.toml"), "title = \"Mine\"\n").expect("write");
    std::fs::write(site.join("content/_index.md"), "# Mine\n").expect("write");
    let before = tree_state(dir.path());
    let r = run(dir.path(), &["init", "busy"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("is not empty"), "{}", r.stderr);
    assert!(r.stderr.contains("content, site.toml"), "{}", r.stderr);
    assert_eq!(before, tree_state(dir.path()), "init changed something");

    // The current folder, when it is not empty, is refused the same way.
    let r = run(&site, &["init"]);
    assert_eq!(r.code, 1);
    assert_eq!(before, tree_state(dir.path()));

    // A file where the folder should be.
    let r = run(dir.path(), &["init", "busy/site.toml"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not a folder"), "{}", r.stderr);
    assert_eq!(before, tree_state(dir.path()));
}

#[test]
fn init_into_the_current_empty_folder_skips_cd() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = run(dir.path(), &["init"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("cd "), "{}", r.stdout);
    assert!(r.stdout.contains("archsite serve"));
    assert!(dir.path().join("site.toml").is_file());
}

#[test]
fn the_pages_workflow_uses_the_official_actions() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(run(dir.path(), &["init", "s"]).code, 0);
    let site = dir.path().join("s");
    let text = read(&site.join(".github/workflows/pages.yml"));
    let wf: serde_json::Value = serde_saphyr::from_str(&text).expect("valid YAML");
    let uses = |job: &str| -> Vec<String> {
        wf["jobs"][job]["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .filter_map(|s| s["uses"].as_str())
            .map(|u| u.split('@').next().unwrap_or(u).to_string())
            .collect()
    };
    assert_eq!(
        uses("build"),
        [
            "actions/checkout",
            "dtolnay/rust-toolchain",
            "actions/cache",
            "actions/configure-pages",
            "actions/upload-pages-artifact"
        ]
    );
    assert_eq!(uses("deploy"), ["actions/deploy-pages"]);
    let steps = wf["jobs"]["build"]["steps"].as_array().expect("steps");
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.contains("upload-pages"))
        })
        .expect("upload step");
    assert_eq!(upload["with"]["path"], "public");
    assert_eq!(upload["with"]["include-hidden-files"], true);
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(runs
        .iter()
        .any(|r| r.starts_with("cargo install archsite --locked --version ")));
    assert!(runs.contains(&"archsite check"));
    assert!(runs.iter().any(
        |r| r.starts_with("archsite build --base-url \"${{ steps.pages.outputs.base_url }}/\"")
    ));
    assert_eq!(wf["permissions"]["pages"], "write");
    assert_eq!(wf["permissions"]["id-token"], "write");

    // The output folder is ignored by git, and it is the folder the workflow uploads.
    assert!(read(&site.join(".gitignore"))
        .lines()
        .any(|l| l == "/public/"));
}

#[test]
fn every_command_shows_an_example_in_its_help() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for cmd in ["build", "init", "check", "completions", "serve", "deploy"] {
        let r = run(here, &[cmd, "--help"]);
        assert_eq!(r.code, 0, "{cmd}: {}", r.stderr);
        assert!(
            r.stdout.contains("Example") && r.stdout.contains(&format!("archsite {cmd}")),
            "{cmd} --help has no example:\n{}",
            r.stdout
        );
        for flag in ["--quiet", "--verbose", "--color"] {
            assert!(r.stdout.contains(flag), "{cmd} --help lacks {flag}");
        }
    }
    let r = run(here, &["--help"]);
    assert!(r.stdout.contains("archsite init my-site"), "{}", r.stdout);
    let r = run(here, &["--version"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout.trim(),
        format!("archsite {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_usage_exits_with_2() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for args in [
        &["check", "--no-such-flag"][..],
        &["no-such-command"],
        &["completions", "tcsh"],
        &["check", "--quiet", "--verbose"],
    ] {
        let r = run(here, args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    }
}

#[test]
fn completions_for_each_shell() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (shell, marker) in [
        ("bash", "complete -F _archsite"),
        ("zsh", "#compdef archsite"),
        ("fish", "complete -c archsite"),
    ] {
        let r = run(here, &["completions", shell]);
        assert_eq!(r.code, 0);
        assert!(r.stdout.contains(marker), "{shell}: {}", r.stdout);
        for sub in ["init", "check", "build"] {
            assert!(r.stdout.contains(sub), "{shell} completion lacks {sub}");
        }
    }
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check-links");
    let root = site.to_str().expect("utf-8");
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A pipe: no escapes.
    let r = run(here, &["check", "--root", root]);
    assert!(!r.stdout.contains('\u{1b}'), "{}", r.stdout);
    // Forced on.
    let r = run(here, &["check", "--root", root, "--color", "always"]);
    assert!(
        r.stdout.contains("\u{1b}[1;31merror\u{1b}[0m"),
        "{}",
        r.stdout
    );
    // Forced off wins over a terminal; NO_COLOR is respected.
    let r = run(here, &["check", "--root", root, "--color", "never"]);
    assert!(!r.stdout.contains('\u{1b}'));
}

/// Runs `archsite ARGS` under a pseudo-terminal with `script`, when it is installed.
fn on_a_terminal(args: &str, env: &[(&str, &str)]) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let mut cmd = Command::new(script);
    cmd.args([
        "-qec",
        &format!("{} {args}", env!("CARGO_BIN_EXE_archsite")),
        "/dev/null",
    ])
    .env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check-links");
    let args = format!("check --root {}", site.display());
    let Some(tty) = on_a_terminal(&args, &[]) else {
        eprintln!("skipped: `script` is not installed");
        return;
    };
    assert!(tty.contains("\u{1b}[1;31merror"), "{tty}");
    let plain = on_a_terminal(&args, &[("NO_COLOR", "1")]).expect("script ran before");
    assert!(plain.contains(": error: "), "{plain}");
    assert!(!plain.contains('\u{1b}'), "{plain}");
}
