//! Symbolic links in `content/` and `static/`: a link that resolves inside the site (the folder
//! holding `site.toml`) is followed, to a file or a folder; any other is skipped with a warning
//! naming the link and its target, and the build still succeeds. `archsite build` and
//! `archsite serve` publish the same files. The links are made by each test (they cannot be
//! committed portably).

#![cfg(unix)]

mod common;
mod serve_support;

use std::os::unix::fs::symlink;

use common::Site;

const SECRET: &str = "SECRET-FROM-OUTSIDE-THE-SITE";

/// The serve fixture with links of every kind added.
fn linked_site() -> Site {
    let site = Site::fixture("serve-site");
    let root = &site.root;
    // Sources kept elsewhere in the site.
    site.write(
        "shared/linked-note.md",
        "---\ntitle: \"Linked note\"\n---\n\nLINKED-NOTE-BODY\n",
    );
    site.write("shared/assets/pic.txt", "SHARED-ASSET");
    site.write("shared/style.txt", "SHARED-STYLE");
    // Outside the site.
    std::fs::write(
        site.tmp().join("outside.md"),
        format!("---\ntitle: \"Outside\"\n---\n\n{SECRET}\n"),
    )
    .unwrap();
    std::fs::write(site.tmp().join("secret.txt"), SECRET).unwrap();
    std::fs::create_dir_all(site.tmp().join("outside-dir")).unwrap();
    std::fs::write(site.tmp().join("outside-dir/x.txt"), SECRET).unwrap();

    // Inside links: a note, a folder, a static file (relative and absolute targets).
    symlink(
        "../../shared/linked-note.md",
        root.join("content/notes/linked.md"),
    )
    .unwrap();
    symlink(root.join("shared/assets"), root.join("static/shared")).unwrap();
    symlink("../shared/style.txt", root.join("static/style.txt")).unwrap();
    // Outside links: a note, a static file, a folder; a loop; a broken link.
    symlink(
        site.tmp().join("outside.md"),
        root.join("content/notes/outside.md"),
    )
    .unwrap();
    symlink(
        site.tmp().join("secret.txt"),
        root.join("static/secret.txt"),
    )
    .unwrap();
    symlink(site.tmp().join("outside-dir"), root.join("static/outdir")).unwrap();
    symlink(".", root.join("static/loop")).unwrap();
    symlink("nowhere.txt", root.join("static/broken.txt")).unwrap();
    site
}

#[test]
fn inside_links_are_followed_and_outside_links_skipped_with_a_warning() {
    let site = linked_site();
    let run = site.build(&[]);
    run.assert_ok();
    // Followed.
    assert!(site
        .read("notes/linked/index.html")
        .contains("LINKED-NOTE-BODY"));
    assert_eq!(site.read("shared/pic.txt"), "SHARED-ASSET");
    assert_eq!(site.read("style.txt"), "SHARED-STYLE");
    // Skipped, each with a warning naming the link and where it points.
    assert!(!site.has("notes/outside/index.html"));
    assert!(!site.has("secret.txt"));
    assert!(!site.has("outdir/x.txt"));
    assert!(!site.has("broken.txt"));
    for file in common::walk(&site.out()) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "{} holds the outside file's bytes",
            file.display()
        );
    }
    let tmp = site.tmp().display().to_string();
    for (link, target) in [
        ("content/notes/outside.md", format!("{tmp}/outside.md")),
        ("static/secret.txt", format!("{tmp}/secret.txt")),
        ("static/outdir", format!("{tmp}/outside-dir")),
    ] {
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains(link) && l.contains("symbolic link"))
            .unwrap_or_else(|| panic!("no warning for {link}:\n{}", run.stderr));
        assert!(line.contains(&target), "{line}");
    }
    assert!(
        run.stderr.contains("static/loop") && run.stderr.contains("static/broken.txt"),
        "{}",
        run.stderr
    );
}

#[test]
fn serve_publishes_what_build_publishes() {
    let site = linked_site();
    site.build_ok(&[]);
    let server = serve_support::Server::start(&site.root);
    for (path, want) in [
        ("/docs/shared/pic.txt", Some("SHARED-ASSET")),
        ("/docs/style.txt", Some("SHARED-STYLE")),
        ("/docs/notes/linked/", None),
        ("/docs/secret.txt", None),
        ("/docs/outdir/x.txt", None),
        ("/docs/notes/outside/", None),
    ] {
        let r = server.get(path);
        let rel = path.strip_prefix("/docs/").unwrap();
        let file = if rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_string()
        };
        assert_eq!(r.status == 200, site.has(&file), "{path}: {}", r.status);
        assert!(!r.text().contains(SECRET), "{path} served the outside file");
        if let Some(want) = want {
            assert_eq!(r.text(), want, "{path}");
        }
    }
    assert!(server
        .get("/docs/notes/linked/")
        .text()
        .contains("LINKED-NOTE-BODY"));
    let log = server.log();
    assert!(
        log.contains("static/secret.txt") && log.contains("symbolic link"),
        "{log}"
    );
}

/// A copied file swapped back and forth with a link out of the site while builds run: a build
/// may skip the file or fail naming it, but no output ever holds the outside file's bytes.
#[test]
fn a_file_swapped_for_an_outside_link_during_builds_is_never_copied() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    let site = Site::fixture("serve-site");
    std::fs::write(site.tmp().join("secret.txt"), SECRET).unwrap();
    site.write("static/swap.txt", "INSIDE");
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let (tmp, target) = (site.tmp().to_path_buf(), site.root.join("static/swap.txt"));
        std::thread::spawn(move || {
            let mut swaps = 0;
            while !stop.load(Ordering::SeqCst) {
                let _ = std::fs::remove_file(tmp.join("link.tmp"));
                symlink(tmp.join("secret.txt"), tmp.join("link.tmp")).unwrap();
                std::fs::rename(tmp.join("link.tmp"), &target).unwrap();
                std::fs::write(tmp.join("file.tmp"), "INSIDE").unwrap();
                std::fs::rename(tmp.join("file.tmp"), &target).unwrap();
                swaps += 1;
            }
            swaps
        })
    };
    let end = Instant::now() + Duration::from_secs(3);
    let mut builds = 0;
    let mut leaked = None;
    while Instant::now() < end || builds < 3 {
        let run = site.build(&[]);
        builds += 1;
        if run.code != 0 && !run.stderr.contains("static/swap.txt") {
            leaked = Some(format!(
                "build {builds} failed for another reason: {}",
                run.stderr
            ));
            break;
        }
        if site.has("swap.txt") && site.read("swap.txt") != "INSIDE" {
            leaked = Some(format!("build {builds} copied the outside file"));
            break;
        }
    }
    // Stop the swapper before the site goes away, whatever happened.
    stop.store(true, Ordering::SeqCst);
    let swaps = swapper.join().unwrap();
    assert_eq!(leaked, None, "after {swaps} swaps");
}
