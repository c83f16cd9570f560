//! A build never deletes or overwrites a file it did not write, and every clash between output
//! paths is reported against the source file that asked for it, never a temporary folder.

mod common;

use common::{snapshot, Site};

fn site() -> Site {
    Site::with_files(&[
        ("site.toml", "title = \"T\"\n"),
        ("content/a.md", "---\ntitle: A\n---\nText.\n"),
    ])
}

#[test]
fn a_pages_folder_with_nojekyll_and_user_files_is_not_replaced() {
    let site = site();
    // A GitHub Pages `docs/` folder: a .nojekyll, a hand-written page and notes.
    let docs = site.tmp().join("docs");
    std::fs::create_dir_all(docs.join("notes")).unwrap();
    std::fs::write(docs.join(".nojekyll"), "").unwrap();
    std::fs::write(docs.join("index.html"), "mine").unwrap();
    std::fs::write(docs.join("notes/plan.txt"), "keep me").unwrap();
    let before = snapshot(&docs);
    let out = docs.to_string_lossy().to_string();
    let run = site.build(&["--output", &out]);
    run.assert_code(1)
        .assert_stderr_has("archsite did not write")
        .assert_stderr_has("notes/plan.txt")
        .assert_stderr_has("--replace-output");
    assert!(snapshot(&docs) == before, "the refused folder changed");
    // Said explicitly, the folder is replaced.
    site.build_ok(&["--output", &out, "--replace-output"]);
    assert!(docs.join("a/index.html").is_file());
    assert!(!docs.join("notes/plan.txt").exists());
}

#[test]
fn the_manifest_lists_what_was_written_and_guards_later_builds() {
    let site = site();
    site.build_ok(&[]);
    let manifest: serde_json::Value =
        serde_json::from_str(&site.read(".archsite-manifest.json")).unwrap();
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(files.contains(&"a/index.html"), "{files:?}");
    assert!(files.contains(&".nojekyll"), "{files:?}");
    let on_disk: Vec<String> = common::walk(&site.out())
        .iter()
        .map(|p| common::rel_path(p, &site.out()))
        .filter(|p| p != ".archsite-manifest.json")
        .collect();
    let mut listed: Vec<String> = files.iter().map(|f| f.to_string()).collect();
    listed.sort();
    let mut on_disk_sorted = on_disk.clone();
    on_disk_sorted.sort();
    assert_eq!(listed, on_disk_sorted);

    // Its own output is replaced as usual...
    site.build_ok(&[]);
    // ...but not once a user put a file of their own into it.
    std::fs::write(site.out().join("a/notes.txt"), "mine").unwrap();
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has("a/notes.txt");
    assert_eq!(site.read("a/notes.txt"), "mine");
    assert!(site.has("a/index.html"), "the previous output is intact");
}

#[cfg(unix)]
#[test]
fn a_symlinked_output_folder_is_written_through() {
    let site = site();
    let real = site.tmp().join("real-out");
    std::fs::create_dir_all(&real).unwrap();
    let link = site.root.join("public");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    for _ in 0..2 {
        site.build_ok(&[]);
        let meta = std::fs::symlink_metadata(&link).unwrap();
        assert!(meta.file_type().is_symlink(), "the link was replaced");
        assert!(real.join("a/index.html").is_file());
    }
    // A link to nowhere is an error, not a new folder.
    std::fs::remove_dir_all(&real).unwrap();
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has("symbolic link");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn an_output_under_a_regular_file_names_that_file() {
    let site = site();
    site.write("notes.txt", "keep me\n");
    let out = site.root.join("notes.txt/public");
    let run = site.build(&["--output", &out.to_string_lossy()]);
    run.assert_code(1).assert_stderr_has("notes.txt is a file");
    assert!(!run.stderr.contains("File exists"), "{}", run.stderr);
    assert_eq!(site.source("notes.txt"), "keep me\n");
}

#[test]
fn a_missing_content_folder_fails_and_keeps_the_last_site() {
    let site = site();
    site.build_ok(&[]);
    let before = snapshot(&site.out());
    std::fs::rename(site.root.join("content"), site.tmp().join("moved")).unwrap();
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has("content: error: the content folder is missing");
    assert!(snapshot(&site.out()) == before);
    let check = common::archsite(
        &["check", "--root", &site.root.to_string_lossy()],
        site.tmp(),
    );
    check.assert_code(1);
}

#[test]
fn aliases_over_generated_files_name_the_page_and_line() {
    let site = Site::with_files(&[
        ("site.toml", "title = \"T\"\n"),
        (
            "content/a.md",
            "---\ntitle: A\naliases: [/robots.txt]\n---\nText.\n",
        ),
        (
            "content/b.md",
            "---\ntitle: B\naliases:\n  - /atom.xml\n---\nText.\n",
        ),
    ]);
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("content/a.md:3: error: `robots.txt` would be a file and also a folder")
        .assert_stderr_has("alias `/robots.txt` of content/a.md")
        .assert_stderr_has("archsite's robots.txt")
        .assert_stderr_has("content/b.md:3: error: `atom.xml`");
    assert!(!run.stderr.contains(".archsite-new"), "{}", run.stderr);
    assert!(!run.stderr.contains("File exists"), "{}", run.stderr);
}

#[test]
fn every_alias_clash_is_reported_with_both_files() {
    let site = Site::with_files(&[
        ("site.toml", "title = \"T\"\n"),
        ("content/a.md", "---\ntitle: A\ntags: [x]\n---\nText.\n"),
        ("content/b.md", "---\ntitle: B\n---\nText.\n"),
        (
            "content/c.md",
            "---\ntitle: C\naliases: [/a/, /b/]\n---\nText.\n",
        ),
        ("static/tags/index.html", "mine"),
    ]);
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("`a/index.html` would be written twice")
        .assert_stderr_has("`b/index.html` would be written twice")
        .assert_stderr_has("the page of content/a.md")
        .assert_stderr_has("the page of content/b.md")
        .assert_stderr_has("static/tags/index.html");
    assert!(!run.stderr.contains("content: error"), "{}", run.stderr);
}
