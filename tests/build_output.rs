//! Output safety: the build fills a fresh folder and swaps it in, keeps unchanged files (and
//! their modification times), leaves the previous output alone when it fails, and refuses
//! output folders whose replacement would delete the site's sources.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::{mtime, snapshot, Site};

/// Sets the modification time of every file under `dir` to `t`.
fn age_all(dir: &Path, t: SystemTime) {
    for f in common::walk(dir) {
        std::fs::File::options()
            .write(true)
            .open(&f)
            .and_then(|file| file.set_modified(t))
            .unwrap_or_else(|e| panic!("set mtime of {}: {e}", f.display()));
    }
}

/// Names in `dir` that look like the build's temporary folders.
fn temp_folders(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".archsite-"))
        .collect()
}

/// Builds the basic fixture, ages its output, edits the last paragraph of one page (so that
/// neither listings nor descriptions change) and builds again.
fn rebuild_after_small_edit(site: &Site) -> (common::Run, SystemTime) {
    site.build_ok(&[]);
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    age_all(&site.out(), long_ago);
    site.edit(
        "content/notes/week-40.md",
        "The closing paragraph of week 40.",
        "The closing paragraph of week 40, edited.",
    );
    (site.build_ok(&[]), long_ago)
}

/// The count in the summary's "(N files, M changed)".
fn changed_count(stdout: &str) -> usize {
    stdout
        .split(" changed")
        .next()
        .and_then(|s| s.rsplit(", ").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no changed count in {stdout:?}"))
}

#[test]
fn unchanged_files_keep_their_mtime_and_edited_pages_change() {
    let site = Site::basic_light();
    let (run, long_ago) = rebuild_after_small_edit(&site);
    let out = site.out();
    for unchanged in [
        "files/hello.txt",
        "guides/bundle/diagram.svg",
        "robots.txt",
        "sitemap.xml",
        "CNAME",
        "compare/compare.json",
        // Pages link to the search manifest by a stable name, so other pages keep their bytes.
        "notes/heading-title/index.html",
        "guides/markdown/index.html",
        "404.html",
    ] {
        assert_eq!(
            mtime(&out.join(unchanged)),
            long_ago,
            "{unchanged} did not change and must keep its mtime"
        );
    }
    let edited = out.join("notes/week-40/index.html");
    assert_ne!(mtime(&edited), long_ago, "the edited page is rewritten");
    assert!(common::read_text(&out, "notes/week-40/index.html").contains("week 40, edited."));
    // Only changed files count as changed, and they are the ones with a new mtime.
    let touched = common::walk(&out)
        .iter()
        .filter(|f| mtime(f) != long_ago)
        .count();
    assert_eq!(changed_count(&run.stdout), touched, "{}", run.stdout);
    assert!(touched < common::walk(&out).len());
}

#[test]
fn without_search_other_pages_stay_byte_identical() {
    // Pages name the content-hashed search manifest, which changes with any text; with search
    // off, an edit to one page leaves the other pages' files untouched.
    let site = Site::basic_light();
    site.write(
        "site.toml",
        format!("search = false\n{}", site.source("site.toml")),
    );
    let (run, long_ago) = rebuild_after_small_edit(&site);
    let out = site.out();
    for unchanged in [
        "notes/heading-title/index.html",
        "guides/markdown/index.html",
        "notes/index.html",
        "404.html",
    ] {
        assert_eq!(mtime(&out.join(unchanged)), long_ago, "{unchanged}");
    }
    assert_ne!(mtime(&out.join("notes/week-40/index.html")), long_ago);
    let changed = changed_count(&run.stdout);
    assert!(
        changed <= 3,
        "only the page and the feed change: {}",
        run.stdout
    );
}

#[test]
fn a_rebuild_without_changes_rewrites_nothing() {
    let site = Site::basic_light();
    site.build_ok(&[]);
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    age_all(&site.out(), long_ago);
    let before = snapshot(&site.out());
    let run = site.build_ok(&[]);
    assert!(run.stdout.contains(", 0 changed)"), "{}", run.stdout);
    assert!(snapshot(&site.out()) == before, "same bytes");
    for f in common::walk(&site.out()) {
        assert_eq!(mtime(&f), long_ago, "{} was rewritten", f.display());
    }
}

#[test]
fn the_output_is_replaced_whole() {
    let site = Site::basic_light();
    site.build_ok(&[]);
    assert!(site.has("notes/heading-title/index.html"));
    // A page removed from the content disappears, and so does a stray file in the output once
    // the user allows it (without the flag the build refuses: see tests/output_safety.rs).
    std::fs::write(site.out().join("stray.txt"), "x").expect("write");
    std::fs::remove_file(site.root.join("content/notes/heading-title.md")).expect("remove");
    site.build_ok(&["--replace-output"]);
    assert!(!site.has("notes/heading-title/index.html"));
    assert!(!site.has("stray.txt"));
    assert!(site.has("notes/week-40/index.html"));
    assert!(
        temp_folders(&site.root).is_empty(),
        "{:?}",
        temp_folders(&site.root)
    );
}

#[test]
fn a_failed_build_leaves_the_previous_output_byte_for_byte() {
    let site = Site::basic_light();
    site.build_ok(&[]);
    let before = snapshot(&site.out());
    let times: Vec<SystemTime> = common::walk(&site.out()).iter().map(|f| mtime(f)).collect();
    site.edit(
        "content/notes/week-40.md",
        "The closing paragraph",
        "A [broken](nowhere.md) link. The closing paragraph",
    );
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has("content/notes/week-40.md:");
    assert!(snapshot(&site.out()) == before, "output changed");
    let after: Vec<SystemTime> = common::walk(&site.out()).iter().map(|f| mtime(f)).collect();
    assert_eq!(times, after, "no file was touched");
    assert!(
        temp_folders(&site.root).is_empty(),
        "{:?}",
        temp_folders(&site.root)
    );
}

#[test]
fn refuses_output_folders_that_hold_or_are_the_sources() {
    let site = Site::basic_light();
    site.build_ok(&[]);
    let before = snapshot(site.tmp());
    let root = site.root.to_string_lossy().to_string();
    let bad = [
        "/".to_string(),
        root.clone(),
        format!("{root}/"),
        format!("{root}/content"),
        format!("{root}/content/notes"),
        format!("{root}/static"),
        format!("{root}/templates"),
        format!("{root}/content/../.."),
        site.tmp().to_string_lossy().to_string(),
    ];
    for out in &bad {
        let run = site.build(&["--output", out]);
        run.assert_code(1).assert_stderr_has("refusing");
        assert!(
            snapshot(site.tmp()) == before,
            "--output {out} changed files"
        );
    }
    // The same through site.toml's output_dir.
    for dir in [".", "content", "./static/", ".."] {
        let toml = format!("output_dir = \"{dir}\"\n{}", site.source("site.toml"));
        let s = Site::basic_light();
        s.write("site.toml", &toml);
        let before = snapshot(s.tmp());
        s.build(&[]).assert_code(1).assert_stderr_has("refusing");
        assert!(
            snapshot(s.tmp()) == before,
            "output_dir {dir} changed files"
        );
    }
}

#[test]
fn output_may_live_outside_the_site() {
    let site = Site::basic_light();
    let out = site.tmp().join("elsewhere/deploy");
    let run = site.build_ok(&["--output", &out.to_string_lossy()]);
    assert!(run.stdout.contains("elsewhere/deploy"), "{}", run.stdout);
    assert!(out.join("notes/week-40/index.html").is_file());
    assert!(
        !site.out().exists(),
        "nothing written to the default folder"
    );
}

#[test]
fn relative_output_dir_in_site_toml_is_under_the_root() {
    let site = Site::with_files(&[
        ("site.toml", "output_dir = \"build/html\"\n"),
        ("content/a.md", "# A\n"),
    ]);
    site.build_ok(&[]);
    assert!(site.root.join("build/html/a/index.html").is_file());
}

#[test]
fn refuses_a_folder_that_no_build_wrote() {
    let site = Site::with_files(&[
        ("content/a.md", "# A\n"),
        ("thesis/chapter1.txt", "draft\n"),
    ]);
    let thesis = site.root.join("thesis");
    let run = site.build(&["--output", &thesis.to_string_lossy()]);
    run.assert_code(1)
        .assert_stderr_has("archsite did not write")
        .assert_stderr_has("(chapter1.txt)");
    assert_eq!(site.source("thesis/chapter1.txt"), "draft\n");
    // An output folder of an earlier build is replaced as usual.
    site.build_ok(&[]);
    site.build_ok(&[]);
}

#[test]
fn refuses_an_output_dir_outside_the_root_unless_confirmed() {
    let site = Site::with_files(&[
        ("content/a.md", "# A\n"),
        ("site.toml", "output_dir = \"../elsewhere\"\n"),
    ]);
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has("outside the site root");
}

#[test]
fn refuses_an_output_path_that_is_a_file() {
    let site = Site::with_files(&[("content/a.md", "# A\n"), ("notes.txt", "keep me\n")]);
    let file = site.root.join("notes.txt");
    let run = site.build(&["--output", &file.to_string_lossy()]);
    run.assert_code(1).assert_stderr_has("refusing");
    assert_eq!(site.source("notes.txt"), "keep me\n");
    assert!(
        temp_folders(&site.root).is_empty(),
        "{:?}",
        temp_folders(&site.root)
    );
}

#[cfg(unix)]
#[test]
fn refuses_sources_reached_through_a_symbolic_link() {
    let site = Site::with_files(&[("content/a.md", "# A\n")]);
    let link = site.tmp().join("link");
    std::os::unix::fs::symlink(&site.root, &link).expect("symlink");
    let before = snapshot(&site.root);
    let root = site.root.to_string_lossy().to_string();
    let link_s = link.to_string_lossy().to_string();
    for (r, out) in [
        (link_s.clone(), format!("{root}/content")),
        (root.clone(), format!("{link_s}/content")),
        (root.clone(), link_s.clone()),
    ] {
        let run = common::archsite(&["build", "--root", &r, "--output", &out], site.tmp());
        run.assert_code(1).assert_stderr_has("refusing");
        assert!(
            snapshot(&site.root) == before,
            "--root {r} --output {out} changed the site"
        );
    }
    // An output reached through the link but outside the sources is fine.
    let run = common::archsite(
        &[
            "build",
            "--root",
            &root,
            "--output",
            &format!("{link_s}/public"),
        ],
        site.tmp(),
    );
    run.assert_ok();
    assert!(site.has("a/index.html"));
}
