//! URLs of a built site: clean URLs, a sub-path base URL on every internal link (checked by
//! crawling the whole output), and the generated files around the pages: sitemap, robots.txt,
//! 404 page, .nojekyll, CNAME, Atom feed, tag pages and alias redirects.

mod common;

use std::sync::OnceLock;

use common::{Crawler, Shared, Site};

const SUB: &str = "https://user.github.io/sub/";

/// The basic fixture built for a project site under a sub-path.
fn sub() -> &'static Shared {
    static BUILT: OnceLock<Shared> = OnceLock::new();
    BUILT.get_or_init(|| Shared::build("basic", "build_urls-sub", &["--base-url", SUB]))
}

/// Crawls `out` for `base` and fails with every problem found.
fn assert_links_ok(out: &std::path::Path, base: &str, at_least: usize) {
    let mut crawler = Crawler::new(out, base);
    crawler.crawl();
    eprintln!("{} internal URLs checked with base {base}", crawler.checked);
    assert!(
        crawler.problems.is_empty(),
        "{} link problem(s) with base {base}:\n{}",
        crawler.problems.len(),
        crawler.problems.join("\n")
    );
    assert!(
        crawler.checked >= at_least,
        "only {} internal URLs checked; the crawler missed the site",
        crawler.checked
    );
}

#[test]
fn every_internal_url_carries_the_sub_path_and_resolves() {
    assert_links_ok(&sub().out, SUB, 200);
}

#[test]
fn every_internal_url_resolves_at_the_domain_root() {
    let site = Shared::build("basic-light", "build_urls-root", &[]);
    assert_links_ok(&site.out, "https://example.org/", 200);
}

#[test]
fn a_path_only_base_url_is_applied_too() {
    let site = Shared::build("basic-light", "build_urls-path", &["--base-url", "/docs"]);
    assert_links_ok(&site.out, "/docs/", 200);
    let html = site.read("notes/week-40/index.html");
    assert!(
        html.contains("href=\"/docs/notes/custom-slug/#intro\""),
        "{html}"
    );
}

#[test]
fn the_crawler_reports_bad_links() {
    // The checker itself must be able to fail, or the tests above prove nothing.
    let site = Site::with_files(&[
        (
            "out/index.html",
            "<a href=\"/sub/missing/\">x</a><a href=\"/other/\">y</a><a href=\"#nope\">z</a>\
             <img src=\"https://user.github.io/elsewhere.png\"><a href=\"/sub/a/#gone\">w</a>\
             <a href=\"a/\">relative</a><a href=\"/sub\">no slash</a><a href=\"notes:a\">v</a>\
             <a href=\"/sub/style.css#top\">css</a><a href=\"/sub/../../etc/\">up</a>\
             <img srcset=\"/sub/a/ 1x, /sub/second.png 2x\">",
        ),
        (
            "out/a/index.html",
            "<h2 id=\"here\">A</h2><p id=\"here\"></p>",
        ),
        ("out/style.css", "p {}"),
    ]);
    let mut crawler = Crawler::new(&site.root.join("out"), SUB);
    crawler.crawl();
    let all = crawler.problems.join("\n");
    for needle in [
        "/sub/missing/",
        "/other/",
        "#nope",
        "elsewhere.png",
        "no id `gone`",
        "a/index.html: 1 repeated id",
        "`a/` does not start with the base path",
        "`/sub` does not start with the base path",
        "unknown scheme `notes:`",
        "style.css, which is not an HTML page",
        "climbs above the site root",
        "second.png",
    ] {
        assert!(all.contains(needle), "missing {needle} in:\n{all}");
    }
}

#[test]
fn pages_get_clean_urls() {
    let s = sub();
    for page in [
        "index.html",
        "notes/index.html",
        "notes/week-40/index.html",
        "notes/custom-slug/index.html",
        "notes/heading-title/index.html",
        "guides/bundle/index.html",
        "guides/markdown/index.html",
    ] {
        assert!(s.has(page), "{page} missing");
    }
    assert!(!s.has("notes/week-40.html"));
    assert!(
        !s.has("notes/toml-page/index.html"),
        "slug must replace the file name"
    );
}

#[test]
fn links_and_assets_use_the_sub_path() {
    let html = sub().read("notes/week-40/index.html");
    assert!(html.contains("href=\"/sub/notes/custom-slug/#intro\""));
    assert!(html.contains("href=\"/sub/guides/markdown/#tables\""));
    assert!(html
        .contains("<link rel=\"canonical\" href=\"https://user.github.io/sub/notes/week-40/\">"));
    assert!(
        html.contains("href=\"/sub/assets/style."),
        "stylesheet under /sub/"
    );
    let home = sub().read("index.html");
    assert!(home.contains("href=\"/sub/files/hello.txt\""));
    assert!(home.contains("href=\"/sub/notes/week-40/#pros\""));
    // Menu entries: site paths get the base, absolute URLs stay as they are.
    assert!(home.contains("href=\"/sub/notes/\""));
    assert!(home.contains("href=\"https://example.com/\""));
}

#[test]
fn sitemap_lists_real_pages_with_lastmod() {
    let xml = sub().read("sitemap.xml");
    let locs: Vec<&str> = xml
        .split("<loc>")
        .skip(1)
        .filter_map(|s| s.split("</loc>").next())
        .collect();
    for loc in &locs {
        assert!(loc.starts_with(SUB), "{loc} not under {SUB}");
    }
    for page in [
        "",
        "notes/",
        "notes/week-40/",
        "notes/custom-slug/",
        "guides/bundle/",
    ] {
        let url = format!("{SUB}{page}");
        assert!(locs.contains(&url.as_str()), "{url} missing from sitemap");
    }
    for not_a_page in ["old/week-40", "legacy/w40", "404", "unfinished"] {
        assert!(
            !xml.contains(not_a_page),
            "{not_a_page} must not be in the sitemap:\n{xml}"
        );
    }
    // lastmod is the update date when there is one, else the publication date.
    assert!(xml.contains(&format!(
        "<loc>{SUB}notes/week-40/</loc><lastmod>2024-10-08</lastmod>"
    )));
    assert!(xml.contains(&format!(
        "<loc>{SUB}guides/bundle/</loc><lastmod>2024-10-01</lastmod>"
    )));
}

#[test]
fn robots_nojekyll_cname_and_404() {
    let s = sub();
    assert_eq!(
        s.read("robots.txt").lines().last(),
        Some(format!("Sitemap: {SUB}sitemap.xml").as_str())
    );
    assert!(s.has(".nojekyll"));
    assert_eq!(s.read("CNAME"), "docs.example.org\n");
    let not_found = s.read("404.html");
    assert!(not_found.contains("Page not found"));
    // The 404 page is served at any depth, so its links must be absolute paths.
    assert!(not_found.contains("href=\"/sub/\""));
}

#[test]
fn no_cname_file_without_the_setting() {
    let site = Site::with_files(&[("content/a.md", "# A\n")]);
    site.build_ok(&[]);
    assert!(!site.has("CNAME"));
    assert!(site.has(".nojekyll"));
    assert!(site.has("atom.xml"));
}

#[test]
fn atom_feed_holds_dated_pages_newest_first() {
    let xml = sub().read("atom.xml");
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains(&format!("<link href=\"{SUB}atom.xml\" rel=\"self\"/>")));
    let entries: Vec<&str> = xml
        .split("<entry>")
        .skip(1)
        .filter_map(|e| e.split("<link href=\"").nth(1))
        .filter_map(|e| e.split('"').next())
        .collect();
    assert_eq!(
        entries,
        vec![
            format!("{SUB}notes/week-40/"),
            format!("{SUB}guides/markdown/"),
            format!("{SUB}guides/bundle/"),
            format!("{SUB}notes/custom-slug/"),
        ],
        "dated pages, newest first; sections and undated pages left out"
    );
    assert!(xml.contains("<published>2024-10-06T21:45:00Z</published>"));
    assert!(xml.contains("<updated>2024-10-08T00:00:00Z</updated>"));
}

#[test]
fn tag_pages_list_their_pages() {
    let s = sub();
    let index = s.read("tags/index.html");
    assert!(index.contains("href=\"/sub/tags/architecture/\""));
    assert!(
        index.contains("href=\"/sub/tags/rust-lang/\""),
        "tag names are slugified"
    );
    let term = common::main_of(&s.read("tags/architecture/index.html")).to_string();
    assert!(term.contains("href=\"/sub/notes/week-40/\""));
    assert!(term.contains("href=\"/sub/notes/custom-slug/\""));
    assert!(!term.contains("href=\"/sub/guides/markdown/\""));
    let page = s.read("notes/week-40/index.html");
    assert!(
        page.contains("href=\"/sub/tags/rust-lang/\""),
        "page links its tags"
    );
}

#[test]
fn aliases_become_redirect_pages() {
    let s = sub();
    for alias in ["old/week-40/index.html", "legacy/w40.html"] {
        let html = s.read(alias);
        assert!(
            html.contains("<meta http-equiv=\"refresh\" content=\"0; url=/sub/notes/week-40/\">"),
            "{alias}:\n{html}"
        );
        assert!(html.contains("noindex"));
    }
}

#[test]
fn tags_that_differ_in_case_share_one_page() {
    let site = Site::with_files(&[
        ("content/a.md", "---\ntitle: A\ntags: [Rust]\n---\n"),
        ("content/b.md", "---\ntitle: B\ntags: [rust, RUST]\n---\n"),
    ]);
    site.build_ok(&[]);
    let term = site.read("tags/rust/index.html");
    let main = common::main_of(&term);
    assert!(main.contains("#Rust</h1>"), "first spelling names the tag");
    assert_eq!(
        main.matches("class=\"page-list-title\"").count(),
        2,
        "{main}"
    );
    let index = site.read("tags/index.html");
    assert_eq!(
        index.matches("href=\"/tags/rust/\"").count(),
        1,
        "one tag, not three"
    );
}

#[test]
fn feed_updated_is_the_latest_change_of_any_entry() {
    let site = Site::with_files(&[
        (
            "content/old.md",
            "---\ntitle: Old\ndate: 2024-10-01\nupdated: 2024-12-01\n---\n",
        ),
        ("content/new.md", "---\ntitle: New\ndate: 2024-11-01\n---\n"),
    ]);
    site.build_ok(&[]);
    let xml = site.read("atom.xml");
    let head = xml.split("<entry>").next().unwrap_or("");
    assert!(
        head.contains("<updated>2024-12-01T00:00:00Z</updated>"),
        "{head}"
    );
}

#[test]
fn a_link_to_the_feed_is_broken_when_the_feed_is_off() {
    let site = Site::with_files(&[
        ("site.toml", "feed = false\n"),
        ("content/a.md", "# A\n\n[Feed](/atom.xml)\n"),
    ]);
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has("content/a.md:3");
}
