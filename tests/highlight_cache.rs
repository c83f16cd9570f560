//! The highlight cache beside `site.toml`: a second build reads highlighted blocks from it, the
//! output is the same with or without it, `--no-cache` leaves it alone, and a corrupt cache is
//! ignored.

mod common;

use archsite::highlight_cache::{key, DiskCache, CACHE_DIR, CACHE_FILE};
use common::{snapshot, Site};

const CODE: &str = "fn main() {\n    println!(\"hello\");\n}\n";

fn site() -> Site {
    Site::with_files(&[
        ("site.toml", "title = \"T\"\nsearch = false\n"),
        (
            "content/a.md",
            &format!("---\ntitle: A\n---\n```rust\n{CODE}```\n\n```python\nx = 1\n```\n"),
        ),
    ])
}

#[test]
fn a_second_build_reads_blocks_from_the_cache() {
    let site = site();
    site.build_ok(&[]);
    let cache = site.root.join(CACHE_DIR).join(CACHE_FILE);
    assert!(cache.is_file(), "the first build writes the cache");
    let first = site.read("a/index.html");
    assert!(first.contains("hl-"), "the block is highlighted");

    // Same output from the cache, and without it.
    site.build_ok(&[]);
    assert_eq!(site.read("a/index.html"), first);
    let out = site.tmp().join("no-cache");
    site.build_ok(&["--no-cache", "--output", &out.to_string_lossy()]);
    assert_eq!(common::read_text(&out, "a/index.html"), first);

    // What the cache says is what the build uses: the block is not highlighted again.
    let planted = DiskCache::at(cache.clone());
    planted.put(key("rust", CODE), "<pre>FROM-THE-CACHE</pre>");
    planted.save().expect("save");
    site.build_ok(&[]);
    assert!(site.read("a/index.html").contains("FROM-THE-CACHE"));
    // ...unless told not to read it.
    site.build_ok(&["--no-cache", "--output", &out.to_string_lossy()]);
    assert!(!common::read_text(&out, "a/index.html").contains("FROM-THE-CACHE"));
}

#[test]
fn no_cache_writes_nothing_beside_the_site() {
    let site = site();
    let before = snapshot(&site.root);
    let out = site.tmp().join("out");
    site.build_ok(&["--no-cache", "--output", &out.to_string_lossy()]);
    assert!(snapshot(&site.root) == before, "the site folder changed");
    assert!(!site.root.join(CACHE_DIR).exists());
}

#[test]
fn a_corrupt_cache_is_ignored_and_replaced() {
    let site = site();
    site.build_ok(&[]);
    let first = site.read("a/index.html");
    let cache = site.root.join(CACHE_DIR).join(CACHE_FILE);
    for junk in [&b""[..], b"garbage", &[0xff; 4096][..]] {
        std::fs::write(&cache, junk).unwrap();
        site.build_ok(&[]);
        assert_eq!(site.read("a/index.html"), first);
        assert!(std::fs::metadata(&cache).unwrap().len() > 64, "rewritten");
    }
}

#[test]
fn an_unwritable_cache_is_a_warning_not_a_failure() {
    let site = site();
    // A file where the cache folder should be.
    site.write(CACHE_DIR, "not a folder");
    let run = site.build_ok(&[]);
    assert!(
        run.stderr.contains("highlight cache could not be saved"),
        "{}",
        run.stderr
    );
    assert!(site.read("a/index.html").contains("hl-"));
}

#[test]
fn builds_running_at_once_leave_a_whole_cache() {
    let site = site();
    site.build_ok(&[]);
    let first = site.read("a/index.html");
    let root = site.root.to_string_lossy().to_string();
    let runs: Vec<_> = (0..2)
        .map(|t| {
            let root = root.clone();
            let out = site.tmp().join(format!("out-{t}"));
            let cwd = site.tmp().to_path_buf();
            std::thread::spawn(move || {
                for _ in 0..4 {
                    let out = out.to_string_lossy().to_string();
                    common::archsite(&["build", "--root", &root, "--output", &out], &cwd)
                        .assert_ok();
                }
            })
        })
        .collect();
    for (n, run) in runs.into_iter().enumerate() {
        site.write(
            &format!("content/extra-{n}.md"),
            format!("---\ntitle: E{n}\n---\n```rust\nlet n = {n};\n```\n"),
        );
        run.join().expect("build thread");
    }
    site.build_ok(&[]);
    // New pages change the page's next link, never its highlighted code.
    assert_eq!(prose(&site.read("a/index.html")), prose(&first));
    let cache = DiskCache::of_site(&site.root);
    assert!(
        cache.get(key("rust", CODE)).is_some(),
        "the cache file is whole"
    );
}

/// The body of a page, without the navigation around it.
fn prose(html: &str) -> &str {
    let start = html.find("<div class=\"prose\">").expect("prose");
    let end = html[start..].find("</div>").expect("prose end") + start;
    &html[start..end]
}
