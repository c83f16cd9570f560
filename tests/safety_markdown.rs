//! Markdown input that used to be unsafe: many identical headings (quadratic ids), explicit
//! heading ids that lost to automatic ones, and `escape_html` letting `javascript:` URLs
//! through. Each builds a real site and reads the HTML back.

mod common;

use std::time::{Duration, Instant};

use common::{ids, main_of, tags, Site};

const SITE: (&str, &str) = ("site.toml", "title = \"Safety\"\n");
const HOME: (&str, &str) = ("content/_index.md", "# Home\n");

/// The `<hN id=...>` ids of a page's main content, in order.
fn heading_ids(html: &str) -> Vec<String> {
    tags(main_of(html))
        .into_iter()
        .filter(|t| matches!(t.name.as_str(), "h2" | "h3" | "h4" | "h5" | "h6"))
        .filter_map(|t| t.attr("id").map(str::to_string))
        .collect()
}

#[test]
fn an_explicit_id_wins_over_an_earlier_automatic_one() {
    let site = Site::with_files(&[
        SITE,
        HOME,
        (
            "content/a.md",
            "---\ntitle: A\n---\n\n## Same\n\nFirst.\n\n## Other {#same}\n\nSecond.\n\n## Same\n",
        ),
        (
            "content/b.md",
            "---\ntitle: B\n---\n\nSee [other](a.md#same) and [first](a.md#same-1).\n",
        ),
    ]);
    site.build_ok(&[]);
    let a = site.read("a/index.html");
    assert_eq!(heading_ids(&a), ["same-1", "same", "same-2"]);
    assert!(
        a.contains("<h2 id=\"same\">Other"),
        "the explicit id is on its heading:\n{}",
        main_of(&a)
    );
    // The table of contents uses the final ids.
    assert!(a.contains("<a href=\"#same\">Other</a>"), "{a}");
    assert!(a.contains("<a href=\"#same-1\">Same</a>"), "{a}");
    // And the link check checks against them: a link to `#same-3` is broken.
    site.edit("content/b.md", "a.md#same-1", "a.md#same-3");
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has("content/b.md:5");
}

#[test]
fn an_explicit_id_wins_over_a_statement_anchor() {
    let site = Site::with_files(&[
        (
            "site.toml",
            "title = \"Safety\"\n\n[[compare.subjects]]\nid = \"monolith\"\nname = \"Monolith\"\n",
        ),
        HOME,
        (
            "content/a.md",
            "---\ntitle: A\n---\n\n## Monolith\n\n### Pros\n\n- Simple\n\n## Later {#monolith-pro-simple}\n",
        ),
    ]);
    site.build_ok(&[]);
    let a = site.read("a/index.html");
    let found = ids(&a);
    assert!(found.contains("monolith-pro-simple-1"), "{found:?}");
    assert!(a.contains("<h2 id=\"monolith-pro-simple\">Later"), "{a}");
}

#[test]
fn two_identical_explicit_ids_are_an_error_at_the_second() {
    let site = Site::with_files(&[
        SITE,
        HOME,
        (
            "content/a.md",
            "---\ntitle: A\n---\n\n## One {#x}\n\n## Two {#x}\n",
        ),
    ]);
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("content/a.md:7: error: heading id `x` is already set on line 5");
    let root = site.root.to_string_lossy().to_string();
    let check = common::archsite(&["check", "--root", &root], site.tmp());
    check.assert_code(1);
    assert!(
        check.stdout.contains("content/a.md:7: error"),
        "{}",
        check.stdout
    );
}

#[test]
fn an_explicit_id_the_layout_or_raw_html_uses_is_an_error() {
    let site = Site::with_files(&[
        SITE,
        HOME,
        (
            "content/a.md",
            "---\ntitle: A\n---\n\n## Main {#main}\n\n<div id=\"box\"></div>\n\n## Box {#box}\n",
        ),
    ]);
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has(
            "content/a.md:5: error: heading id `main` is already used by the page layout",
        )
        .assert_stderr_has("content/a.md:9: error: heading id `box` is already used by raw HTML");
}

#[test]
fn many_identical_headings_take_linear_time() {
    // 20,000 identical headings took 18 s in a release build when each id was found by trying
    // every suffix from 1; this is a complexity bound with a wide margin, not a speed test.
    let mut page = String::from("---\ntitle: Many\n---\n\n");
    for _ in 0..20_000 {
        page.push_str("##### Same\n\n");
    }
    let site = Site::with_files(&[SITE, HOME, ("content/many.md", &page)]);
    let start = Instant::now();
    site.build_ok(&[]);
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(60),
        "20,000 identical headings took {took:?}"
    );
    let html = site.read("many/index.html");
    assert!(html.contains("<h5 id=\"same-19999\">"));
}

#[test]
fn many_shortcodes_in_one_page_take_linear_time() {
    // Each call used to be put in place by copying the whole page: 20,000 calls in a page of
    // 20,000 paragraphs took minutes. A complexity bound with a wide margin.
    let mut page = String::from("---\ntitle: Many\n---\n\n");
    for n in 0..20_000 {
        page.push_str(&format!(
            "Paragraph {n}.\n\n{{{{< img src=\"/p.png\" alt=\"Picture {n}\" >}}}}\n\n"
        ));
    }
    let site = Site::with_files(&[SITE, HOME, ("content/many.md", &page)]);
    site.write("static/p.png", b"png");
    let start = Instant::now();
    site.build_ok(&[]);
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(60),
        "20,000 shortcodes took {took:?}"
    );
    let html = site.read("many/index.html");
    assert_eq!(html.matches("<figure class=\"figure\">").count(), 20_000);
    assert!(html.contains("alt=\"Picture 19999\""));
    assert!(!html.contains('\u{E000}'));
    // Line numbers are still counted right after that many calls and a code span.
    let mut broken = page.clone();
    broken.push_str("`{{< img >}}` in code\n\n{{< nope >}}\n");
    site.write("content/many.md", &broken);
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has("content/many.md:80007:");
}
