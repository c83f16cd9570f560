//! Titles of pages written for other tools: no front matter, a chapter that starts with a
//! lower-level heading, a heading with an id or inside code.

mod common;

use common::Site;

fn title_of(site: &Site, rel: &str) -> String {
    let html = site.read(rel);
    let start = html.find("<h1>").expect("an h1") + 4;
    let end = html[start..].find("</h1>").expect("h1 end") + start;
    html[start..end].to_string()
}

#[test]
fn a_page_without_a_title_takes_its_first_heading_of_any_level() {
    let site = Site::with_files(&[
        ("site.toml", "title = \"Book\"\n"),
        (
            "content/ch03-02-data-types.md",
            "## Data Types\n\nEvery value has a type.\n",
        ),
        (
            "content/fenced.md",
            "```md\n# Not a title\n```\n\n### Real title {#real}\n\nText.\n",
        ),
        ("content/closing.md", "Intro text.\n\n#### C# ####\n"),
        ("content/plain-notes.md", "No heading at all.\n"),
        (
            "content/titled.md",
            "---\ntitle: From front matter\n---\n## Other\n",
        ),
    ]);
    site.build_ok(&[]);
    assert_eq!(
        title_of(&site, "ch03-02-data-types/index.html"),
        "Data Types"
    );
    assert_eq!(title_of(&site, "fenced/index.html"), "Real title");
    assert_eq!(title_of(&site, "closing/index.html"), "C#");
    assert_eq!(title_of(&site, "plain-notes/index.html"), "Plain notes");
    assert_eq!(title_of(&site, "titled/index.html"), "From front matter");
    // The heading stays in the page with its id.
    assert!(site
        .read("ch03-02-data-types/index.html")
        .contains("<h2 id=\"data-types\""));
}
