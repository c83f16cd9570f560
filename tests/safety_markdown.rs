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

/// The `href` and `src` values of a page's main content.
fn urls_of(html: &str) -> Vec<String> {
    tags(main_of(html))
        .into_iter()
        .flat_map(|t| {
            ["href", "src"]
                .into_iter()
                .filter_map(|a| t.attr(a).map(str::to_string))
                .collect::<Vec<_>>()
        })
        .collect()
}

const SCRIPT_LINKS: &str = "---\ntitle: A\n---\n\n\
[plain](javascript:alert(1))\n\n\
[upper](JAVASCRIPT:alert(2))\n\n\
[entity](java&#x09;script:alert(3))\n\n\
[named](javascript&colon;alert(4))\n\n\
[vb](vbscript:msgbox(5))\n\n\
[doc](data:text/html;base64,PHNjcmlwdD4=)\n\n\
![svg link target](data:image/svg+xml,x)\n\n\
<javascript:alert(6)>\n\n\
[ref]\n\n\
[ref]: javascript:alert(7)\n\n\
![pixel](data:image/png;base64,iVBORw0KGgo=)\n\n\
[safe](https://example.com/javascript:no)\n\n\
{{< img src=\"javascript:alert(8)\" alt=\"Shortcode\" >}}\n";

#[test]
fn escape_html_neutralises_script_urls_in_links_and_images() {
    let site = Site::with_files(&[
        ("site.toml", "title = \"Safety\"\nescape_html = true\n"),
        HOME,
        ("content/a.md", SCRIPT_LINKS),
    ]);
    let run = site.build_ok(&[]);
    let html = site.read("a/index.html");
    let urls = urls_of(&html);
    for url in &urls {
        let squashed: String = common::decode_entities(url)
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect::<String>()
            .to_lowercase();
        assert!(
            !["javascript:", "vbscript:", "data:text"]
                .iter()
                .any(|scheme| squashed.starts_with(scheme)),
            "an unsafe URL got through: {url:?} in {urls:?}"
        );
    }
    // Image data URLs and ordinary links stay.
    assert!(urls.iter().any(|u| u.starts_with("data:image/png;base64,")));
    assert!(urls.contains(&"https://example.com/javascript:no".to_string()));
    // Each removal is reported at its line.
    run.assert_stderr_has("content/a.md:5: warning: a `javascript:` URL was left out");
    run.assert_stderr_has("content/a.md:15: warning: a `data:` URL was left out");
    run.assert_stderr_has("content/a.md:29: warning: a `javascript:` URL was left out");
    assert_eq!(
        run.stderr.matches("URL was left out").count(),
        9,
        "{}",
        run.stderr
    );
}

#[test]
fn without_escape_html_links_are_written_as_they_are() {
    let site = Site::with_files(&[
        // `java&#x09;script:` is a relative path here, which the link check finds missing.
        ("site.toml", "title = \"Safety\"\nbroken_links = \"warn\"\n"),
        HOME,
        ("content/a.md", SCRIPT_LINKS),
    ]);
    let run = site.build_ok(&[]);
    assert!(!run.stderr.contains("left out"), "{}", run.stderr);
    let urls = urls_of(&site.read("a/index.html"));
    assert!(
        urls.contains(&"javascript:alert(1)".to_string()),
        "{urls:?}"
    );
}

#[test]
fn base_url_is_escaped_in_matrix_backlinks() {
    let site = Site::with_files(&[
        (
            "site.toml",
            "title = \"Safety\"\nbase_url = \"/x\\\"onmouseover=\\\"alert(1)/\"\n\n[[compare.subjects]]\nid = \"monolith\"\nname = \"Monolith\"\n",
        ),
        HOME,
        (
            "content/a.md",
            "---\ntitle: A\n---\n\n## Monolith\n\n### Pros\n\n- Simple\n\n| Aspect | Monolith |\n| --- | --- |\n| Cost | Low |\n",
        ),
    ]);
    site.build_ok(&[]);
    let html = site.read("a/index.html");
    for tag in tags(&html) {
        assert!(
            tag.attr("onmouseover").is_none(),
            "base_url broke out of an attribute: <{} {:?}>",
            tag.name,
            tag.attrs
        );
    }
    assert!(
        html.contains("href=\"/x&quot;onmouseover=&quot;alert(1)/compare/#pros-monolith\""),
        "{html}"
    );
}
