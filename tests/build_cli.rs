//! The `archsite build` command line: options, help, version, exit codes (0 ok, 1 build error,
//! 2 bad usage) and the one-line summary.

mod common;

use common::{archsite, Site};

#[test]
fn help_lists_the_build_options() {
    let site = Site::empty();
    let run = archsite(&["--help"], site.tmp());
    run.assert_ok();
    assert!(run.stdout.contains("build"), "{}", run.stdout);
    let run = archsite(&["build", "--help"], site.tmp());
    run.assert_ok();
    for option in ["--root", "--output", "--base-url", "--drafts", "--help"] {
        assert!(
            run.stdout.contains(option),
            "{option} missing:\n{}",
            run.stdout
        );
    }
}

#[test]
fn version_is_the_crate_version() {
    let run = archsite(&["--version"], Site::empty().tmp());
    run.assert_ok();
    assert_eq!(
        run.stdout.trim(),
        format!("archsite {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_usage_exits_2_without_building() {
    let site = Site::with_files(&[("content/a.md", "# A\n")]);
    let root = site.root.to_string_lossy().to_string();
    for args in [
        vec![],
        vec!["frobnicate"],
        vec!["build", "--no-such-flag"],
        vec!["build", "--root"],
        vec!["build", "--root", root.as_str(), "extra-argument"],
    ] {
        let run = archsite(&args, &site.root);
        run.assert_code(2);
        assert!(!run.stderr.is_empty(), "{args:?} explains the mistake");
        assert!(!site.out().exists(), "{args:?} built something");
    }
}

#[test]
fn one_summary_line_with_pages_sections_time_and_folder() {
    let site = Site::with_files(&[
        ("content/_index.md", "# Home\n"),
        ("content/docs/_index.md", "# Docs\n"),
        ("content/docs/a.md", "# A\n"),
        ("content/docs/b.md", "# B\n"),
    ]);
    let run = site.build_ok(&[]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{:?}", run.stdout);
    let line = lines[0];
    assert!(
        line.starts_with("Built 2 pages and 2 sections in "),
        "{line}"
    );
    let ms = line
        .split(" in ")
        .nth(1)
        .and_then(|s| s.split(" ms").next())
        .and_then(|n| n.parse::<u64>().ok());
    assert!(ms.is_some(), "time in ms: {line}");
    assert!(
        line.contains(&site.out().display().to_string()),
        "output folder named: {line}"
    );
    assert!(run.stderr.is_empty(), "nothing on stderr: {}", run.stderr);
}

#[test]
fn root_defaults_to_the_current_folder() {
    let site = Site::with_files(&[("content/a.md", "# A\n")]);
    let run = archsite(&["build"], &site.root);
    run.assert_ok();
    assert!(site.has("a/index.html"));
}

#[test]
fn relative_output_is_taken_from_the_current_folder() {
    let site = Site::with_files(&[("content/a.md", "# A\n")]);
    let root = site.root.to_string_lossy().to_string();
    archsite(&["build", "--root", &root, "--output", "dist"], site.tmp()).assert_ok();
    assert!(site.tmp().join("dist/a/index.html").is_file());
}

#[test]
fn a_missing_root_is_an_error_not_an_empty_site() {
    let site = Site::empty();
    let missing = site.tmp().join("no-such-site");
    let run = archsite(&["build", "--root", &missing.to_string_lossy()], site.tmp());
    run.assert_code(1).assert_stderr_has("no-such-site");
    assert!(!missing.exists(), "nothing created for a mistyped root");

    // A folder that is not a site (no site.toml, no content/) is refused too.
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("neither site.toml nor content/");
    assert!(!site.out().exists());
}

#[test]
fn a_base_url_that_is_neither_url_nor_path_is_an_error() {
    let site = Site::with_files(&[("content/a.md", "# A\n")]);
    let run = site.build(&["--base-url", "user.github.io/sub"]);
    run.assert_code(1).assert_stderr_has("--base-url");
    assert!(!site.out().exists());
}

#[test]
fn base_url_without_trailing_slash_is_accepted() {
    let site = Site::with_files(&[("content/a.md", "# A\n\n[self](a.md)\n")]);
    site.build_ok(&["--base-url", "https://user.github.io/sub"]);
    let html = site.read("a/index.html");
    assert!(html.contains("href=\"/sub/a/\""), "{html}");
}

#[test]
fn no_site_toml_means_defaults() {
    let site = Site::with_files(&[("content/a.md", "# A\n\nText.\n")]);
    site.build_ok(&[]);
    let html = site.read("a/index.html");
    assert!(html.contains("<title>A · My site</title>"));
    assert!(html.contains("<html lang=\"en\""));
    assert!(html.contains("href=\"/a/\""));
    assert!(site.has("atom.xml"), "feed on by default");
    assert!(site.has("tags/index.html") || !html.contains("/tags/"));
}

#[test]
fn every_site_toml_key_is_accepted() {
    // One site.toml using every key there is: all must parse and take effect.
    let site = Site::with_files(&[
        (
            "site.toml",
            r#"title = "All keys"
description = "Every setting."
base_url = "https://example.org/docs/"
language = "fr"
author = "Someone"
output_dir = "site-out"
menu = [{ name = "A", url = "/a/" }]
repo_url = "https://github.com/u/r"
repo_branch = "trunk"
repo_path = "docs"
taxonomies = ["tags"]
feed = false
cname = "docs.example.org"
escape_html = true
broken_links = "warn"
search = false

[highlight]
light = "InspiredGitHub"
dark = "base16-ocean.dark"

[extra]
anything = 1

[compare]
enabled = true
title = "Matrix"
path = "versus"
subjects = [{ id = "x", name = "X", aliases = ["Ex"] }, { id = "y", name = "Y" }]
aspects = [{ name = "Speed", aliases = ["Pace"] }]

[compare.labels]
pros = ["Upsides"]
cons = ["Cons"]
use_cases = ["Use cases"]
"#,
        ),
        (
            "content/a.md",
            "---\ntags: [t]\n---\n# A\n\n<i>raw</i> [gone](gone.md)\n\n## X\n\n**Upsides:**\n\n- fast\n\n\
             ## Y\n\n**Cons:**\n\n- slow\n\n## Table\n\n| Aspect | X | Y |\n| --- | --- | --- |\n\
             | Pace | quick | slow |\n",
        ),
    ]);
    let run = site.build_ok(&[]);
    run.assert_stderr_has("warning: broken link");
    let out = site.root.join("site-out");
    let html = common::read_text(&out, "a/index.html");
    assert!(html.contains("<html lang=\"fr\""));
    assert!(html.contains("&lt;i&gt;raw&lt;/i&gt;"), "escape_html");
    assert!(html.contains("https://github.com/u/r/edit/trunk/docs/content/a.md"));
    assert!(html.contains("href=\"/docs/a/\""));
    assert!(html.contains("/docs/versus/"), "matrix under compare.path");
    assert!(out.join("versus/index.html").is_file());
    assert!(!out.join("atom.xml").exists(), "feed = false");
    assert!(!out.join("search").exists(), "search = false");
    assert_eq!(common::read_text(&out, "CNAME"), "docs.example.org\n");
    assert!(html.contains("<title>A · All keys</title>"));
    assert!(html.contains("Someone"), "author in the footer");
    assert!(
        html.contains("href=\"/docs/a/\""),
        "menu link under the base path"
    );
    assert!(html.contains("href=\"/docs/tags/t/\""), "tags taxonomy");
    assert!(html.contains("<li id=\"x-pro-fast\">"), "custom pros label");
    let matrix = common::read_text(&out, "versus/index.html");
    assert!(matrix.contains("Matrix"), "compare.title");
    assert!(
        matrix.contains("Speed") && matrix.contains("quick"),
        "aspect alias Pace"
    );
    let home = common::read_text(&out, "index.html");
    assert!(home.contains("Every setting."), "description");
    let css = common::walk(&out.join("assets"))
        .into_iter()
        .find(|p| p.to_string_lossy().contains("highlight."))
        .expect("highlight css");
    assert!(std::fs::read_to_string(css).expect("css").contains(".hl-"));
}
