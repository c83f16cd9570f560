//! Defects the fuzz harness (examples/fuzz.rs) found, each kept as a plain test.

mod common;

use common::Site;

/// A heading that names a subject links to the subject's matrix page. When no note had a pro,
/// con or table row yet, the matrix was left out and that link broke the build.
#[test]
fn a_subject_heading_without_any_statement_links_to_a_page_that_exists() {
    let site = Site::with_files(&[
        (
            "site.toml",
            "title = \"T\"\n[[compare.subjects]]\nid = \"monolith\"\nname = \"Monolith\"\n",
        ),
        ("content/a.md", "---\ntitle: A\n---\n## Monolith\n\nText.\n"),
    ]);
    site.build_ok(&[]);
    let subject = site.read("compare/monolith/index.html");
    assert!(subject.contains("no pros, cons, use cases or compared aspects for Monolith yet"));
    assert!(
        subject.contains("href=\"/a/#monolith\""),
        "covered in the note"
    );
    assert!(site
        .read("a/index.html")
        .contains("href=\"/compare/monolith/\""));
}
