//! Content written for other tools (mdBook books, GitHub docs folders): titles from the first
//! heading of any level, links to `chapter.html`, definition lists.

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

#[test]
fn mdbook_style_html_links_reach_the_chapter_and_definition_lists_render() {
    let site = Site::with_files(&[
        ("site.toml", "title = \"Book\"\n"),
        (
            "content/intro.md",
            "# Introduction\n\nRead [the next chapter](ch01/setup.html#install) first.\n\n\
             Term\n: Its definition.\n",
        ),
        ("content/ch01/setup.md", "# Setup\n\n## Install\n\nSteps.\n"),
        ("static/raw.html", "<p>raw</p>"),
        ("content/links.md", "# Links\n\n[a raw page](/raw.html)\n"),
    ]);
    site.build_ok(&[]);
    let intro = site.read("intro/index.html");
    assert!(intro.contains("href=\"/ch01/setup/#install\""), "{intro}");
    assert!(
        intro.contains("<dl>") && intro.contains("<dt>Term</dt>"),
        "{intro}"
    );
    assert!(intro.contains("<dd>Its definition.</dd>"), "{intro}");
    // A link to a real HTML file stays as it is.
    assert!(site.read("links/index.html").contains("href=\"/raw.html\""));
    // A chapter.html link to nothing is still a broken link.
    site.write("content/bad.md", "# Bad\n\n[gone](missing.html)\n");
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has("missing.html");
}
