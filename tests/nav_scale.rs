//! Pages do not grow with the site: a sidebar lists a window of the top-level sections and of
//! the open section's pages, each cut list ending in a link to the index that lists everything.

mod common;

use common::Site;

/// A site of `sections` top-level sections of `pages` small pages each.
fn make_site(sections: usize, pages: usize) -> Site {
    let site = Site::with_files(&[("site.toml", "title = \"Scale\"\nsearch = false\n")]);
    site.write("content/_index.md", "---\ntitle: Home\n---\nHome.\n");
    for s in 0..sections {
        site.write(
            &format!("content/s{s:03}/_index.md"),
            format!("---\ntitle: Section {s}\nweight: {s}\n---\nSection {s}.\n"),
        );
        for p in 0..pages {
            site.write(
                &format!("content/s{s:03}/p{p:03}.md"),
                format!("---\ntitle: Page {s}-{p}\nweight: {p}\n---\nText of page {s}-{p}.\n"),
            );
        }
    }
    site
}

/// The sidebar of an output page.
fn sidebar(site: &Site, rel: &str) -> String {
    let html = site.read(rel);
    let start = html.find("<nav id=\"sidebar\"").expect("a sidebar");
    let end = html[start..].find("</nav>").expect("sidebar end") + start;
    html[start..end].to_string()
}

fn links(html: &str) -> usize {
    html.matches("<a ").count()
}

#[test]
fn bytes_per_page_do_not_grow_with_the_number_of_sections() {
    let per_page = |sections: usize| {
        let site = make_site(sections, 2);
        site.build_ok(&[]);
        let pages = sections * 2;
        let bytes: usize = (0..sections)
            .flat_map(|s| (0..2).map(move |p| format!("s{s:03}/p{p:03}/index.html")))
            .map(|rel| site.read(&rel).len())
            .sum();
        bytes as f64 / pages as f64
    };
    let small = per_page(45);
    let large = per_page(180);
    assert!(
        large < small * 1.15,
        "a page grew from {small:.0} to {large:.0} bytes when the site grew fourfold"
    );
}

#[test]
fn a_long_list_of_sections_is_cut_around_the_page() {
    let site = make_site(45, 1);
    site.build_ok(&[]);
    // The last section's page lists the 40 sections before it, its own, and a link to all.
    let nav = sidebar(&site, "s044/p000/index.html");
    assert_eq!(nav.matches("<li class=\"nav-section").count(), 40, "{nav}");
    assert!(nav.contains(">Section 44</a>"));
    assert!(!nav.contains(">Section 4</a>"), "{nav}");
    assert!(nav.contains("<li class=\"nav-more\"><a href=\"/\">All 45 sections</a></li>"));
    assert!(nav.contains("aria-current=\"page\">Page 44-0</a>"));
    // The first section's page lists the first 40.
    let nav = sidebar(&site, "s000/p000/index.html");
    assert!(nav.contains(">Section 0</a>") && nav.contains(">Section 39</a>"));
    assert!(!nav.contains(">Section 40</a>"));
    // The home page lists every section itself.
    let home = site.read("index.html");
    for s in 0..45 {
        assert!(
            home.contains(&format!("Section {s}<")),
            "home lists section {s}"
        );
    }
}

#[test]
fn a_long_section_is_cut_around_the_page_and_links_to_its_index() {
    let site = make_site(2, 120);
    site.build_ok(&[]);
    let nav = sidebar(&site, "s001/p100/index.html");
    assert!(
        nav.contains("aria-current=\"page\">Page 1-100</a>"),
        "{nav}"
    );
    assert!(nav.contains(">Page 1-75</a>") && nav.contains(">Page 1-119</a>"));
    assert!(!nav.contains(">Page 1-69</a>"), "{nav}");
    assert!(nav.contains("<a href=\"/s001/\">All 120 pages</a>"));
    assert!(links(&nav) <= 40 + 1 + 50 + 1 + 2, "{} links", links(&nav));
    // Without scripts every page stays reachable: the section index lists them all.
    let index = site.read("s001/index.html");
    for p in 0..120 {
        assert!(
            index.contains(&format!("/s001/p{p:03}/")),
            "index links page {p}"
        );
    }
    // A short section is listed whole, with no cut.
    let small = make_site(1, 5);
    small.build_ok(&[]);
    let nav = sidebar(&small, "s000/p002/index.html");
    assert_eq!(nav.matches(">Page 0-").count(), 5);
    assert!(!nav.contains("All 5 pages"));
}

#[test]
fn cached_rebuilds_of_cut_sidebars_match_a_full_build() {
    use archsite::site::{self, BuildOptions, FileData, RenderCache};
    let site = make_site(44, 60);
    let opts = BuildOptions {
        root: site.root.clone(),
        ..BuildOptions::default()
    };
    let bytes = |g: &site::Generated| -> Vec<(String, Vec<u8>)> {
        g.files
            .iter()
            .filter_map(|f| match &f.data {
                FileData::Bytes(b) => Some((f.path.clone(), b.as_ref().clone())),
                FileData::Copy(_) => None,
            })
            .collect()
    };
    let mut cache = RenderCache::default();
    let first = site::generate_cached(&opts, &mut cache).expect("first build");
    cache.recycle(first.content.clone());
    // A new section moves the window of every page; a new page in a long section moves the
    // window of its neighbours; a renamed page changes the links of the pages around it.
    site.write(
        "content/s044/_index.md",
        "---\ntitle: Section 44\nweight: 44\n---\n",
    );
    site.write(
        "content/s010/p999.md",
        "---\ntitle: Late page\nweight: 30\n---\nLate.\n",
    );
    site.edit(
        "content/s020/p040.md",
        "title: Page 20-40",
        "title: Renamed page",
    );
    cache.note_changes(None);
    let cached = site::generate_cached(&opts, &mut cache).expect("cached build");
    let full = site::generate(&opts).expect("full build");
    let (a, b) = (bytes(&cached), bytes(&full));
    assert_eq!(a.len(), b.len());
    for ((pa, ba), (pb, bb)) in a.iter().zip(&b) {
        assert_eq!(pa, pb);
        assert!(
            ba == bb,
            "{pa} differs between the cached and the full build"
        );
    }
    let nav = sidebar_of(&full, "s044/index.html");
    assert!(nav.contains("All 45 sections"), "{nav}");
}

fn sidebar_of(g: &archsite::site::Generated, path: &str) -> String {
    let file = g.files.iter().find(|f| f.path == path).expect(path);
    let archsite::site::FileData::Bytes(b) = &file.data else {
        panic!("{path} is copied");
    };
    let html = String::from_utf8_lossy(b);
    let start = html.find("<nav id=\"sidebar\"").expect("a sidebar");
    html[start..].to_string()
}
