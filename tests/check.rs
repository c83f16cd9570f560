//! `archsite check` on fixture sites with one kind of problem each: the `file:line` lines it
//! prints, its exit code, and that it writes nothing.

mod common;

use std::path::Path;

use common::{copy_dir, fixture, tree_state, Run, Site};

/// Runs `archsite ARGS` in `cwd` (with the shared runner's hang guard).
fn run(cwd: &Path, args: &[&str]) -> Run {
    common::archsite(args, cwd)
}

/// Checks a fixture in place (check never writes, and [`writes_nothing`] proves it).
fn check(name: &str, extra: &[&str]) -> Run {
    let root = fixture(name);
    let root = root.to_str().expect("utf-8 path");
    let mut args = vec!["check", "--root", root];
    args.extend_from_slice(extra);
    run(Path::new(env!("CARGO_MANIFEST_DIR")), &args)
}

/// Asserts that `out` holds a line (after indentation) starting with `prefix`.
#[track_caller]
fn has_line(out: &str, prefix: &str) {
    assert!(
        out.lines().any(|l| l.trim_start().starts_with(prefix)),
        "no line starting with {prefix:?} in:\n{out}"
    );
}

fn problem_lines(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.starts_with("  ") && (l.contains(": error: ") || l.contains(": warning: ")))
        .map(str::trim_start)
        .collect()
}

#[test]
fn broken_links_and_anchors_are_errors_with_file_and_line() {
    let r = check("check-links", &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    has_line(
        &r.stdout,
        "content/notes/a.md:9: error: broken link: `missing.md`",
    );
    has_line(
        &r.stdout,
        "content/notes/a.md:11: error: broken anchor: `b.md#no-such-heading`",
    );
    has_line(
        &r.stdout,
        "content/notes/a.md:13: error: broken link: `/nowhere/`",
    );
    // Working links (a page, a heading, an anchor in the same page) are not reported.
    assert_eq!(problem_lines(&r.stdout).len(), 3, "{}", r.stdout);
    // Grouped by file: the file name stands alone above its problems.
    assert!(
        r.stdout.lines().any(|l| l == "content/notes/a.md"),
        "{}",
        r.stdout
    );
    has_line(
        &r.stdout,
        "Checked 2 pages and 2 sections: 3 errors, 0 warnings.",
    );
}

#[test]
fn external_links_are_counted_and_listed_with_verbose() {
    let r = check("check-links", &[]);
    has_line(
        &r.stdout,
        "2 external links, not fetched (--verbose lists them).",
    );
    assert!(
        !r.stdout.contains("https://example.com/docs"),
        "{}",
        r.stdout
    );
    let r = check("check-links", &["--verbose"]);
    has_line(&r.stdout, "content/notes/a.md:15 https://example.com/docs");
    has_line(
        &r.stdout,
        "content/notes/b.md:7 https://spec.commonmark.org/",
    );
}

#[test]
fn broken_links_follow_the_site_policy() {
    let r = check("check-links-warn", &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    has_line(
        &r.stdout,
        "content/notes/a.md:9: warning: broken link: `missing.md`",
    );
    has_line(
        &r.stdout,
        "Checked 2 pages and 2 sections: 0 errors, 3 warnings.",
    );
}

#[test]
fn quiet_prints_errors_only() {
    let r = check("check-links", &["--quiet"]);
    assert_eq!(r.code, 1);
    assert_eq!(problem_lines(&r.stdout).len(), 3, "{}", r.stdout);
    assert!(!r.stdout.contains("Checked"), "{}", r.stdout);
    let r = check("check-subjects", &["--quiet"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, "", "warnings are not printed with --quiet");
}

#[test]
fn front_matter_errors_name_file_and_line() {
    let r = check("check-front-matter", &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    has_line(
        &r.stdout,
        "content/notes/bad-yaml.md:3: error: YAML front matter",
    );
    has_line(
        &r.stdout,
        "content/notes/unknown-key.md:3: error: YAML front matter: unknown key `titel`",
    );
    has_line(
        &r.stdout,
        "content/notes/bad-date.md:3: error: `date: last tuesday` is not a date",
    );
    assert!(!r.stdout.contains("fine.md"), "{}", r.stdout);
    has_line(&r.stdout, "Stopped early: 3 errors, 0 warnings.");
}

#[test]
fn subjects_left_out_of_the_matrix_are_warnings() {
    let r = check("check-subjects", &[]);
    assert_eq!(r.code, 0, "warnings alone pass: {}", r.stdout);
    has_line(
        &r.stdout,
        "content/notes/drinks.md:21: warning: `Pros` list is left out of the matrix: it is under `Brewing`, which names no subject",
    );
    has_line(
        &r.stdout,
        "content/notes/drinks.md:25: warning: table column `Mate` names no subject",
    );
    has_line(
        &r.stdout,
        "site.toml:12: warning: subject `cocoa` (Cocoa) is declared, but no Pros / Cons / Use cases list or comparison table is about it",
    );
    // Tea and Coffee have statements, so they are not reported.
    assert_eq!(problem_lines(&r.stdout).len(), 3, "{}", r.stdout);
}

#[test]
fn orphan_pages_are_warnings() {
    let r = check("check-orphans", &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    has_line(
        &r.stdout,
        "content/notes/deep/lonely.md: warning: orphan page: no link reaches /notes/deep/lonely/",
    );
    // Reached from the home page's text, and through the sidebar: not orphans.
    assert_eq!(problem_lines(&r.stdout).len(), 1, "{}", r.stdout);
}

#[test]
fn images_without_alt_text_are_reported() {
    let r = check("check-alt", &[]);
    has_line(
        &r.stdout,
        "content/notes/gallery.md:7: warning: image `dot.svg` has no alt text",
    );
    has_line(
        &r.stdout,
        "content/notes/gallery.md:13: warning: image `dot.svg` has no alt text",
    );
    // The img shortcode without alt: the theme's template refuses it, reported once, as an error.
    let line9: Vec<&str> = problem_lines(&r.stdout)
        .into_iter()
        .filter(|l| l.starts_with("content/notes/gallery.md:9:"))
        .collect();
    assert_eq!(line9.len(), 1, "{}", r.stdout);
    assert!(line9[0].contains(": error: "), "{}", r.stdout);
    assert_eq!(r.code, 1);
    // Images with alt text, and a decorative <img alt="">, pass.
    assert_eq!(problem_lines(&r.stdout).len(), 3, "{}", r.stdout);
}

#[test]
fn duplicate_titles_are_reported_on_both_pages() {
    let r = check("check-titles", &[]);
    assert_eq!(r.code, 0);
    has_line(
        &r.stdout,
        "content/notes/first.md:3: warning: title `Setup` is also the title of content/notes/second.md",
    );
    has_line(
        &r.stdout,
        "content/notes/second.md:2: warning: title `Setup` is also the title of content/notes/first.md",
    );
}

#[test]
fn a_broken_settings_file_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("site.toml"),
        "title = \"x\"\ntitel = \"y\"\n",
    )
    .expect("write");
    let r = run(dir.path(), &["check"]);
    assert_eq!(r.code, 1);
    has_line(&r.stdout, "site.toml:2: error: unknown key `titel`");
}

#[test]
fn check_writes_nothing() {
    for name in ["check-links", "check-subjects", "check-alt"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let site = dir.path().join("site");
        copy_dir(&fixture(name), &site);
        let before = tree_state(dir.path());
        // Run from inside the site, with the default root, as a user would.
        let r = run(&site, &["check", "--verbose"]);
        assert!(r.code == 0 || r.code == 1, "{name}: {}", r.stderr);
        assert!(r.stdout.contains("Checked"), "{name}: {}", r.stdout);
        assert!(!site.join("public").exists(), "{name}: check made public/");
        assert_eq!(
            before,
            tree_state(dir.path()),
            "{name}: check changed files"
        );
    }
}

#[test]
fn the_check_fixtures_fail_the_build_where_check_says_error() {
    // check and build agree: a site check passes builds, one with errors does not.
    for (name, ok) in [
        ("check-links", false),
        ("check-subjects", true),
        ("check-orphans", true),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let site = dir.path().join("site");
        copy_dir(&fixture(name), &site);
        let r = run(&site, &["build", "--quiet"]);
        assert_eq!(r.code == 0, ok, "{name}: {}{}", r.stdout, r.stderr);
    }
}

const TEA: &str = "title = \"Tea\"\n\n[[compare.subjects]]\nid = \"tea\"\nname = \"Tea\"\n";

#[test]
fn check_and_build_agree_on_which_lists_the_matrix_takes() {
    // A label heading, then a sentence that is emphasised but no label: the heading's label
    // holds for the list, in the build and in check alike.
    let page = "# A\n\n## Pros\n\nSee **these** points:\n\n- left out\n\n## Tea\n\n### Pros\n\nSee **these** points:\n\n- taken in\n";
    let site = Site::with_files(&[
        ("site.toml", TEA),
        ("content/_index.md", "# Home\n\n[A](a.md)\n"),
        ("content/a.md", page),
    ]);
    let r = run(&site.root, &["check"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    has_line(
        &r.stdout,
        "content/a.md:7: warning: `Pros` list is left out of the matrix: it is under `Pros`, which names no subject; put it under a heading that names one of: Tea",
    );
    assert_eq!(problem_lines(&r.stdout).len(), 1, "{}", r.stdout);
    let b = run(&site.root, &["build", "--quiet"]);
    assert_eq!(b.code, 0, "{}", b.stderr);
    let html = std::fs::read_to_string(site.root.join("public/a/index.html")).expect("page");
    assert!(html.contains("id=\"tea-pro-taken-in\""), "{html}");
    assert!(!html.contains("left-out\""), "{html}");
}

#[test]
fn an_image_without_alt_is_reported_beside_a_broken_link_on_its_line() {
    let site = Site::with_files(&[
        ("site.toml", "title = \"Pics\"\n"),
        (
            "content/_index.md",
            "# Home\n\n![](missing.png) and <img src=\"also.png\">\n",
        ),
    ]);
    let r = run(&site.root, &["check"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    has_line(
        &r.stdout,
        "content/_index.md:3: error: broken link: `missing.png`",
    );
    has_line(
        &r.stdout,
        "content/_index.md:3: warning: image `missing.png` has no alt text",
    );
    has_line(
        &r.stdout,
        "content/_index.md:3: warning: image `also.png` has no alt text",
    );
}

#[test]
fn escaped_html_holds_no_images() {
    // With escape_html, `<img>` is shown as text: there is no image to describe.
    let site = Site::with_files(&[
        ("site.toml", "title = \"Pics\"\nescape_html = true\n"),
        (
            "content/_index.md",
            "# Home\n\nWrite <img src=\"a.png\"> for an image.\n",
        ),
    ]);
    let r = run(&site.root, &["check"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(problem_lines(&r.stdout).is_empty(), "{}", r.stdout);
}

#[test]
fn bundle_files_are_published_under_the_page_url() {
    // Folder names that slugify to something else, and a bundle with its own slug: pictures go
    // where the page is, so markdown links and the page's own relative <img> find them.
    let site = Site::with_files(&[
        ("site.toml", "title = \"Trips\"\n"),
        (
            "content/_index.md",
            "# Home\n\n[Trip](My%20Trip/index.md), [Old](notes/Old%20Name/index.md), ![A map from home](My%20Trip/Maps/map.png)\n",
        ),
        (
            "content/My Trip/index.md",
            "---\ntitle: Trip\n---\n\n![A beach](beach.png)\n\n<img src=\"beach.png\" alt=\"The beach again\">\n\n![A map](Maps/map.png)\n",
        ),
        ("content/My Trip/beach.png", "png"),
        ("content/My Trip/Maps/map.png", "png"),
        (
            "content/notes/Old Name/index.md",
            "---\ntitle: Old\nslug: renamed\n---\n\n![A dot](dot.svg)\n",
        ),
        ("content/notes/Old Name/dot.svg", "<svg/>"),
    ]);
    let r = run(&site.root, &["check"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(problem_lines(&r.stdout).is_empty(), "{}", r.stdout);
    let b = run(&site.root, &["build", "--quiet"]);
    assert_eq!(b.code, 0, "{}", b.stderr);
    let out = site.root.join("public");
    for file in [
        "my-trip/index.html",
        "my-trip/beach.png",
        "my-trip/Maps/map.png",
        "notes/renamed/index.html",
        "notes/renamed/dot.svg",
    ] {
        assert!(out.join(file).is_file(), "{file} is missing");
    }
    assert!(!out.join("My Trip").exists());
    assert!(!out.join("notes/Old Name").exists());
    let page = std::fs::read_to_string(out.join("my-trip/index.html")).expect("page");
    assert!(page.contains("src=\"/my-trip/beach.png\""), "{page}");
    assert!(page.contains("src=\"/my-trip/Maps/map.png\""), "{page}");
    let home = std::fs::read_to_string(out.join("index.html")).expect("home");
    assert!(home.contains("src=\"/my-trip/Maps/map.png\""), "{home}");
    let old = std::fs::read_to_string(out.join("notes/renamed/index.html")).expect("page");
    assert!(old.contains("src=\"/notes/renamed/dot.svg\""), "{old}");
}
