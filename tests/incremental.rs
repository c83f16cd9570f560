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

    // Nothing changed: nothing is rendered again.
    site::generate_cached(&opts, &mut cache).expect("same build");
    assert_eq!(cache.pages_rendered, 0);

    // A sentence added to one page's body: that page alone is rendered.
    site.edit(
        "content/notes/week-40.md",
        "The closing paragraph of week 40.",
        "The closing paragraph of week 40, edited.",
    );
    let incremental = site::generate_cached(&opts, &mut cache).expect("incremental build");
    assert_eq!(cache.pages_rendered, 1, "only the edited page renders");
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
