//! Rebuilds that reuse earlier work (as the dev server does) give exactly the bytes of a full
//! build, while rendering only the pages an edit affects.

mod common;

use archsite::site::{self, BuildOptions, FileData, Generated, RenderCache};
use common::Site;

fn bytes(g: &Generated) -> Vec<(String, Vec<u8>)> {
    g.files
        .iter()
        .map(|f| {
            let b = match &f.data {
                FileData::Bytes(b) => b.as_ref().clone(),
                FileData::Copy(p) => std::fs::read(p).expect("copied file readable"),
            };
            (f.path.clone(), b)
        })
        .collect()
}

/// A cached build, whose content is then given back to the cache as the dev server does (so
/// the next build can parse only the files noted as changed).
fn build_cached(opts: &BuildOptions, cache: &mut RenderCache) -> Generated {
    let g = site::generate_cached(opts, cache).expect("cached build");
    cache.recycle(g.content.clone());
    g
}

/// The text of the generated file `path` of a build.
fn text_of(g: &Generated, path: &str) -> String {
    let file = g.files.iter().find(|f| f.path == path).expect(path);
    match &file.data {
        FileData::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        FileData::Copy(_) => panic!("{path} is a copied file, not a generated one"),
    }
}

fn options(site: &Site) -> BuildOptions {
    BuildOptions {
        root: site.root.clone(),
        ..BuildOptions::default()
    }
}

#[test]
fn a_body_edit_renders_one_page_and_matches_a_full_build() {
    let site = Site::basic_light();
    let opts = options(&site);
    let mut cache = RenderCache::default();
    let first = site::generate_cached(&opts, &mut cache).expect("first build");
    let documents = first.content.docs.len();
    assert_eq!(
        cache.pages_rendered, documents,
        "a first build renders every page"
    );
    let generated = cache.generated_rendered;
    assert!(
        generated > 3,
        "tags, 404 and matrix pages render: {generated}"
    );

    // Nothing changed: nothing is rendered again.
    site::generate_cached(&opts, &mut cache).expect("same build");
    assert_eq!(cache.pages_rendered, 0);
    assert_eq!(cache.generated_rendered, 0);

    // A sentence added to one page's body: that page alone is rendered.
    site.edit(
        "content/notes/week-40.md",
        "The closing paragraph of week 40.",
        "The closing paragraph of week 40, edited.",
    );
    let incremental = site::generate_cached(&opts, &mut cache).expect("incremental build");
    assert_eq!(cache.pages_rendered, 1, "only the edited page renders");
    assert_eq!(cache.generated_rendered, 0, "no statement changed");
    let full = site::generate(&opts).expect("full build");
    assert!(
        bytes(&incremental) == bytes(&full),
        "same bytes as a full build"
    );
}

#[test]
fn a_title_edit_renders_the_pages_that_show_it() {
    let site = Site::basic_light();
    let opts = options(&site);
    let mut cache = RenderCache::default();
    let first = site::generate_cached(&opts, &mut cache).expect("first build");
    let documents = first.content.docs.len();

    // A title appears in the sidebar and listings of other pages: they render too, and the
    // result is still exactly a full build's.
    site.edit(
        "content/notes/week-40.md",
        "title: \"Week 40",
        "title: \"Renamed week 40",
    );
    let incremental = site::generate_cached(&opts, &mut cache).expect("incremental build");
    assert!(cache.pages_rendered > 1 && cache.pages_rendered <= documents);
    let full = site::generate(&opts).expect("full build");
    assert!(
        bytes(&incremental) == bytes(&full),
        "same bytes as a full build"
    );
}

/// Builds again with `cache` after `change`, telling the cache which paths changed (as the
/// dev server's watcher does) when `noted` is given, and checks the result against a full build.
fn rebuild_matches_full(
    site: &Site,
    cache: &mut RenderCache,
    noted: Option<&[&str]>,
    change: impl FnOnce(&Site),
) -> Generated {
    change(site);
    let paths: Option<Vec<std::path::PathBuf>> = noted.map(|n| n.iter().map(Into::into).collect());
    cache.note_changes(paths.as_deref());
    let opts = options(site);
    let incremental = build_cached(&opts, cache);
    let full = site::generate(&opts).expect("full build");
    let (a, b) = (bytes(&incremental), bytes(&full));
    let paths = |v: &[(String, Vec<u8>)]| v.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(paths(&a), paths(&b), "same files as a full build");
    for ((path, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{path} differs from a full build:\n{}\n---\n{}",
            String::from_utf8_lossy(x),
            String::from_utf8_lossy(y)
        );
    }
    incremental
}

#[test]
fn statement_tag_and_neighbour_edits_match_a_full_build() {
    let site = Site::basic_light();
    let mut cache = RenderCache::default();
    build_cached(&options(&site), &mut cache);
    let week = "content/notes/week-40.md";

    // A pro changes: the matrix pages render again, and the page itself.
    let g = rebuild_matches_full(&site, &mut cache, Some(&[week]), |s| {
        s.edit(week, "- Easy to debug", "- Easy to debug locally")
    });
    assert!(cache.generated_rendered >= 1, "matrix pages render again");
    assert!(text_of(&g, "compare/index.html").contains("Easy to debug locally"));

    // A tag added: the tag pages change.
    rebuild_matches_full(&site, &mut cache, Some(&[week]), |s| {
        s.edit(
            week,
            "tags: [architecture, Rust Lang]",
            "tags: [architecture, Rust Lang, fresh]",
        )
    });
    assert!(
        cache.generated_rendered >= 2,
        "tag index and the new tag's page"
    );

    // A weight change moves a page among its neighbours: previous/next links change, and so
    // does the order on the tag page both pages share.
    let order = |g: &Generated| {
        let tag = text_of(g, "tags/architecture/index.html");
        tag.find("A TOML page") < tag.find("Week 40")
    };
    let before = build_cached(&options(&site), &mut cache);
    assert!(!order(&before), "the lighter week 40 is listed first");
    let g = rebuild_matches_full(
        &site,
        &mut cache,
        Some(&["content/notes/toml-page.md"]),
        |s| s.edit("content/notes/toml-page.md", "weight = 2", "weight = 0"),
    );
    assert!(cache.pages_rendered > 1, "the neighbours render too");
    assert!(order(&g), "the TOML page now comes first on its tag page");

    // A new update date: the sitemap's lastmod and the feed change.
    let g = rebuild_matches_full(&site, &mut cache, Some(&[week]), |s| {
        s.edit(week, "updated: 2024-10-08", "updated: 2024-11-08")
    });
    assert!(text_of(&g, "sitemap.xml").contains("2024-11-08"));

    // A description shown in the section listing.
    rebuild_matches_full(&site, &mut cache, Some(&[week]), |s| {
        s.edit(
            week,
            "Comparing two architectures.",
            "Two architectures, compared.",
        )
    });
}

#[test]
fn a_slug_change_updates_the_links_to_that_page_in_other_pages_and_the_feed() {
    let site = Site::basic_light();
    let week = "content/notes/week-40.md";
    // An undated page two levels down: not in the feed, nor in the sidebar's `nav.json`.
    let leaf = "content/notes/deep/leaf.md";
    site.write("content/notes/deep/_index.md", "# Deep\n");
    site.write(leaf, "# Leaf\n\nA page far down.\n");
    // Week 40 (dated, so in the feed) links to it.
    site.edit(
        week,
        "See the [TOML page]",
        "See [the leaf](deep/leaf.md), the [TOML page]",
    );
    let mut cache = RenderCache::default();
    let before = build_cached(&options(&site), &mut cache);
    assert!(text_of(&before, "atom.xml").contains("/notes/deep/leaf/"));

    // The leaf moves: week 40's markdown is rendered again, and its feed entry must follow
    // though no file of the feed's pages changed.
    let g = rebuild_matches_full(&site, &mut cache, Some(&[leaf]), |s| {
        s.write(
            leaf,
            "---\nslug: moved-leaf\n---\n# Leaf\n\nA page far down.\n",
        )
    });
    let feed = text_of(&g, "atom.xml");
    assert!(feed.contains("/notes/deep/moved-leaf/") && !feed.contains("/notes/deep/leaf/"));
}

#[test]
fn noted_changes_read_only_those_files_and_added_or_removed_files_are_found() {
    let site = Site::basic_light();
    let mut cache = RenderCache::default();
    build_cached(&options(&site), &mut cache);

    // A new page, noted: the file list is walked again because the path is new.
    let new_page = "content/notes/week-41.md";
    let g = rebuild_matches_full(&site, &mut cache, Some(&[new_page]), |s| {
        s.write(
            new_page,
            "---\ntitle: Week 41\n---\n\nNew [link](week-40.md#monolith).\n",
        )
    });
    assert!(g.content.docs.iter().any(|d| d.rel == "notes/week-41.md"));

    // A removed page, noted.
    let g = rebuild_matches_full(&site, &mut cache, Some(&[new_page]), |s| s.remove(new_page));
    assert!(!g.content.docs.iter().any(|d| d.rel == "notes/week-41.md"));

    // Changes whose paths are unknown (lost watcher events): every file is read again.
    let week = "content/notes/week-40.md";
    rebuild_matches_full(&site, &mut cache, None, |s| {
        s.edit(week, "The first paragraph", "The opening paragraph")
    });

    // A noted edit is read even when nothing else is.
    let g = rebuild_matches_full(&site, &mut cache, Some(&[week]), |s| {
        s.edit(week, "The opening paragraph", "The very first paragraph")
    });
    let doc = g
        .content
        .docs
        .iter()
        .find(|d| d.rel == "notes/week-40.md")
        .expect("week 40");
    assert!(doc.body.contains("The very first paragraph"));

    // A draft that is published, then a draft again.
    let draft = "content/notes/unfinished.md";
    let listed = |g: &Generated| {
        g.content
            .docs
            .iter()
            .any(|d| d.rel == "notes/unfinished.md")
    };
    let g = rebuild_matches_full(&site, &mut cache, Some(&[draft]), |s| {
        s.edit(draft, "draft: true", "draft: false")
    });
    assert!(listed(&g));
    let g = rebuild_matches_full(&site, &mut cache, Some(&[draft]), |s| {
        s.edit(draft, "draft: false", "draft: true")
    });
    assert!(!listed(&g));

    // A heading that another page links to is renamed: that page's link breaks, although
    // only the target changed; renamed back, the site builds again.
    let toml = "content/notes/toml-page.md";
    site.edit(toml, "## Intro", "## Introduction");
    cache.note_changes(Some(&[toml.into()]));
    let err = site::generate_cached(&options(&site), &mut cache).expect_err("broken anchor");
    let text = err.to_string();
    assert!(
        text.contains("week-40.md") && text.contains("intro"),
        "{text}"
    );
    rebuild_matches_full(&site, &mut cache, Some(&[toml]), |s| {
        s.edit(toml, "## Introduction", "## Intro")
    });

    // A file with broken front matter fails the build; once fixed, the next build has it.
    site.edit(week, "title: \"Week 40", "title: [\"Week 40");
    cache.note_changes(Some(&[week.into()]));
    assert!(site::generate_cached(&options(&site), &mut cache).is_err());
    let g = rebuild_matches_full(&site, &mut cache, Some(&[week]), |s| {
        s.edit(week, "title: [\"Week 40", "title: \"Week 40")
    });
    assert!(g.content.docs.iter().any(|d| d.rel == "notes/week-40.md"));
}
