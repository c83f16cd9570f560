//! Tags that cannot have a page (no letters or digits) and tags whose spellings share one page:
//! what `build` and `check` say about them, with `file:line`.

mod common;

use common::Site;

const SITE: (&str, &str) = ("site.toml", "title = \"Tags\"\n");
const HOME: (&str, &str) = ("content/_index.md", "# Home\n");

fn check(site: &Site) -> common::Run {
    let root = site.root.to_string_lossy().to_string();
    common::archsite(&["check", "--root", &root], site.tmp())
}

#[test]
fn a_tag_without_letters_or_digits_is_an_error_at_the_tags_key() {
    for tag in ["\"\"", "\"#\"", "\"!!!\"", "\"..\""] {
        let site = Site::with_files(&[
            SITE,
            HOME,
            (
                "content/a.md",
                &format!("---\ntitle: A\ndate: 2024-01-01\ntags: [ok, {tag}]\n---\n\nText.\n"),
            ),
        ]);
        let shown = tag.trim_matches('"');
        let message = format!("content/a.md:4: error: tag `{shown}` has no letters or digits");
        site.build(&[]).assert_code(1).assert_stderr_has(&message);
        let run = check(&site);
        run.assert_code(1);
        assert!(run.stdout.contains(&message), "{}", run.stdout);
    }
}

#[test]
fn a_tag_without_letters_in_toml_front_matter_is_reported_at_its_key() {
    let site = Site::with_files(&[
        SITE,
        HOME,
        (
            "content/a.md",
            "+++\ntitle = \"A\"\n\ntags = [\"###\"]\n+++\n\nText.\n",
        ),
    ]);
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has("content/a.md:4: error: tag `###`");
}

#[test]
fn tags_sharing_a_page_are_a_warning_naming_each_spelling() {
    let site = Site::with_files(&[
        SITE,
        HOME,
        (
            "content/a.md",
            "---\ntitle: A\ntags: [C++, Rust]\n---\n\nA.\n",
        ),
        (
            "content/b.md",
            "---\ntitle: B\ndate: 2024-01-01\ntags:\n  - \"C#\"\n  - rust\n---\n\nB.\n",
        ),
        ("content/c.md", "---\ntitle: C\ntags: [c]\n---\n\nC.\n"),
    ]);
    let run = site.build_ok(&[]);
    let warning = "content/b.md:4: warning: tags `C++` (content/a.md), `C#` (content/b.md), `c` (content/c.md) all have the URL /tags/c/";
    run.assert_stderr_has(warning);
    // `Rust` and `rust` differ only in case: one tag, no warning.
    assert!(!run.stderr.contains("`rust`"), "{}", run.stderr);
    assert_eq!(run.stderr.matches("warning:").count(), 1, "{}", run.stderr);
    let page = site.read("tags/c/index.html");
    for title in ["A", "B", "C"] {
        assert!(page.contains(&format!(">{title}</a>")), "{page}");
    }
    let checked = check(&site);
    checked.assert_code(0);
    assert!(checked.stdout.contains(warning), "{}", checked.stdout);
}
