//! The GitHub workflows work as shipped: every workflow file (the project's and the one
//! `archsite init` writes) passes the workflow validator `action-validator` (npm
//! `@action-validator/cli`, installed into `tests/tools/` by `.ci/run`), installs archsite from
//! a source that exists, and the crate packages without its tests and benchmarks.
//!
//! Without the validator the validation test skips with a message; with
//! `ARCHSITE_REQUIRE_BROWSER=1` or `ARCHSITE_REQUIRE_TOOLS=1` (as `.ci/run` sets) it fails.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{read, repo_root};

fn tools_required() -> bool {
    ["ARCHSITE_REQUIRE_BROWSER", "ARCHSITE_REQUIRE_TOOLS"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| v == "1"))
}

/// The project's workflows and the starter's.
fn workflow_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join(".github/workflows"))
        .expect(".github/workflows")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");
    files.push(repo_root().join("src/init/starter/github-workflows/pages.yml"));
    files
}

#[test]
fn every_workflow_passes_the_validator() {
    let local = repo_root().join("tests/tools/node_modules/.bin/action-validator");
    let program = if local.is_file() {
        local
    } else {
        let msg = "action-validator is not installed: `npm ci --prefix tests/tools` (.ci/run does)";
        assert!(!tools_required(), "{msg}");
        eprintln!("skipped: {msg}");
        return;
    };
    for file in workflow_files() {
        let out = Command::new(&program)
            .arg(&file)
            .output()
            .expect("run action-validator");
        assert!(
            out.status.success(),
            "{} fails validation:\n{}{}",
            file.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The major version of an action used by a workflow (`actions/checkout@v5` -> 5).
fn major(text: &str, action: &str) -> u32 {
    let at = format!("uses: {action}@v");
    let rest = text
        .split(&at)
        .nth(1)
        .unwrap_or_else(|| panic!("no {action} step"));
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().expect("version")
}

#[test]
fn pages_workflows_use_current_actions_and_keep_dotfiles() {
    for file in workflow_files().iter().filter(|f| f.ends_with("pages.yml")) {
        let text = read(file);
        assert!(
            major(&text, "actions/upload-pages-artifact") >= 4,
            "{}",
            file.display()
        );
        assert!(
            text.contains("include-hidden-files: true"),
            "{}",
            file.display()
        );
        assert!(major(&text, "actions/checkout") >= 5, "{}", file.display());
        assert!(
            major(&text, "actions/deploy-pages") >= 4,
            "{}",
            file.display()
        );
        assert!(
            text.contains("--base-url \"${{ steps.pages.outputs.base_url }}/\""),
            "{}",
            file.display()
        );
    }
}

#[test]
fn the_starter_workflow_installs_this_version_from_crates_io_and_caches_it() {
    let text = read(&repo_root().join("src/init/starter/github-workflows/pages.yml"));
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        text.contains(&format!(
            "cargo install archsite --locked --version {version}"
        )),
        "the starter workflow must install archsite {version} from crates.io"
    );
    assert!(!text.contains("--git"), "no install from a git repository");
    assert!(text.contains(&format!("key: archsite-{version}-")));
    assert!(text.contains("path: ~/.cargo/bin/archsite"));
}

#[test]
fn the_release_workflow_builds_every_platform_cargo_binstall_looks_for() {
    let text = read(&repo_root().join(".github/workflows/release.yml"));
    for target in [
        "x86_64-unknown-linux-gnu",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(text.contains(&format!("target: {target}")), "{target}");
    }
    assert!(text.contains("archsite-${{ matrix.target }}.tar.gz"));
    assert!(text.contains("archsite-${{ matrix.target }}.zip"));
    let manifest = read(&repo_root().join("Cargo.toml"));
    assert!(manifest.contains(
        "pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-{ target }{ archive-suffix }\""
    ));
}

#[test]
fn the_package_leaves_tests_and_benchmarks_out() {
    let out = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(repo_root())
        .output()
        .expect("run cargo package --list");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<&str> = stdout.lines().collect();
    for needed in ["Cargo.toml", "README.md", "src/main.rs", "src/lib.rs"] {
        assert!(files.contains(&needed), "{needed} missing: {files:?}");
    }
    assert!(files.iter().any(|f| f.starts_with("theme/")), "{files:?}");
    assert!(files.iter().any(|f| f.starts_with("src/init/starter/")));
    for f in &files {
        assert!(
            ![
                "tests/",
                "bench/",
                "examples/",
                "docs/",
                "content/",
                ".github/"
            ]
            .iter()
            .any(|p| f.starts_with(p)),
            "{f} should stay out of the package"
        );
    }
    let manifest = read(&repo_root().join("Cargo.toml"));
    for key in ["repository", "homepage", "keywords", "categories", "readme"] {
        assert!(
            manifest
                .lines()
                .any(|l| l.starts_with(&format!("{key} = "))),
            "Cargo.toml has no {key}"
        );
    }
}
