//! What a build makes of a site's content: sections, pages and bundles, both front matter
//! styles, title fallbacks, drafts, the markdown extensions, shortcodes, syntax highlighting and
//! templates (embedded theme, site overrides, static files).

mod common;

use std::sync::OnceLock;

use common::{main_of, Shared, Site};

/// The basic fixture, built once for the tests of this file.
fn basic() -> &'static Shared {
    static BUILT: OnceLock<Shared> = OnceLock::new();
    BUILT.get_or_init(|| Shared::build("basic", "build_basic", &[]))
}

/// The `<div class="prose">` body of a page.
fn prose(html: &str) -> &str {
    let start = html
        .find("<div class=\"prose\">")
        .unwrap_or_else(|| panic!("no prose in:\n{html}"));
    let rest = &html[start..];
    let end = ["<footer class=\"doc-footer\">", "</article>"]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The `<pre>` element whose `data-lang` is `lang`.
fn code_block<'a>(html: &'a str, lang: &str) -> &'a str {
    let marker = format!("<pre class=\"code\" data-lang=\"{lang}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {lang} block"));
    let end = html[start..]
        .find("</pre>")
        .map(|e| start + e)
        .unwrap_or(html.len());
    &html[start..end]
}

#[test]
fn summary_line_counts_pages_and_sections() {
    let run = &basic().run;
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one summary line: {:?}", run.stdout);
    let line = lines[0];
    // home, notes, guides are sections; week-40, toml page, heading-title, plain-file-name,
    // bundle, markdown and code are pages; the draft is left out.
    assert!(line.contains("7 pages"), "{line}");
    assert!(line.contains("3 sections"), "{line}");
    assert!(line.contains(" ms"), "{line}");
    assert!(line.contains(&basic().out.display().to_string()), "{line}");
}

#[test]
fn sections_list_their_pages_by_weight() {
    let html = basic().read("notes/index.html");
    let main = main_of(&html);
    let order: Vec<usize> = [
        "/notes/week-40/",
        "/notes/custom-slug/",
        "/notes/plain-file-name/",
        "/notes/heading-title/",
    ]
    .iter()
    .map(|u| {
        main.find(&format!("class=\"page-list-title\" href=\"{u}\""))
            .unwrap_or_else(|| panic!("{u} not listed in notes/"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "weighted pages first, then by title: {order:?}"
    );
    // TOML front matter of the section itself.
    assert!(html.contains("<title>Notes · Fixture Site</title>"));
    assert!(html.contains("<meta name=\"description\" content=\"Weekly notes.\">"));
}

#[test]
fn home_lists_its_subsections() {
    let html = basic().read("index.html");
    let main = main_of(&html);
    assert!(main.contains("<h1>Fixture home</h1>"));
    assert!(main.contains("href=\"/notes/\""));
    assert!(main.contains("href=\"/guides/\""));
}

#[test]
fn page_bundle_publishes_its_files_beside_it() {
    let s = basic();
    assert_eq!(
        std::fs::read(s.out.join("guides/bundle/diagram.svg")).expect("bundle image"),
        std::fs::read(s.root.join("content/guides/bundle/diagram.svg")).expect("source")
    );
    let html = s.read("guides/bundle/index.html");
    assert!(
        html.contains(
            "<figure class=\"figure\"><img src=\"/guides/bundle/diagram.svg\" alt=\"A small diagram\""
        ),
        "{}",
        prose(&html)
    );
    assert!(html.contains("<figcaption>The diagram, from the bundle.</figcaption></figure>"));
    assert!(html.contains("<img src=\"/img/logo.svg\" alt=\"Logo\""));
}

#[test]
fn yaml_front_matter_fields_are_used() {
    let html = basic().read("notes/week-40/index.html");
    assert!(html.contains("<title>Week 40: monolith or microservices? · Fixture Site</title>"));
    assert!(html.contains("content=\"Comparing two architectures.\""));
    assert!(html.contains("<time datetime=\"2024-10-06\">6 October 2024</time>"));
    assert!(html.contains("Last updated <time datetime=\"2024-10-08\">8 October 2024</time>"));
    assert!(html.contains("href=\"/tags/architecture/\""));
    assert!(html.contains("#Rust Lang</a>"));
}

#[test]
fn toml_front_matter_fields_are_used() {
    let s = basic();
    let html = s.read("notes/custom-slug/index.html");
    assert!(html.contains("<h1>A TOML page</h1>"));
    assert!(html.contains("<time datetime=\"2024-09-30\">30 September 2024</time>"));
    assert!(html.contains("Last updated <time datetime=\"2024-10-01\">"));
    // template = "custom.html", a template of the site's own, and its extra table.
    assert!(
        html.contains("<body class=\"kind-custom\">"),
        "custom template"
    );
    assert!(html.contains("<p class=\"extra-colour\">teal</p>"));
}

#[test]
fn both_date_forms_and_yaml_extra_reach_templates() {
    let site = Site::with_files(&[
        (
            "templates/page.html",
            "{{ page.title }}|{{ page.date }}|{{ page.date_display }}|{{ page.extra.mood | default(value='') }}|{{ page.extra.count | default(value='') }}",
        ),
        (
            "content/a.md",
            "---\ntitle: A\ndate: 2024-10-06\nextra:\n  mood: curious\n  count: 3\n---\nx\n",
        ),
        (
            "content/b.md",
            "---\ntitle: B\ndate: 2024-10-06 21:45:00\n---\nx\n",
        ),
        (
            "content/c.md",
            "+++\ntitle = \"C\"\ndate = 2024-10-06 21:45:00\n+++\nx\n",
        ),
        ("content/d.md", "+++\ntitle = \"D\"\ndate = \"2024-10-06\"\n+++\nx\n"),
    ]);
    site.build_ok(&[]);
    assert_eq!(
        site.read("a/index.html"),
        "A|2024-10-06|6 October 2024|curious|3"
    );
    assert_eq!(site.read("b/index.html"), "B|2024-10-06|6 October 2024||");
    assert_eq!(site.read("c/index.html"), "C|2024-10-06|6 October 2024||");
    assert_eq!(site.read("d/index.html"), "D|2024-10-06|6 October 2024||");
    let feed = site.read("atom.xml");
    assert!(
        feed.contains("<published>2024-10-06T21:45:00Z</published>"),
        "{feed}"
    );
}

#[test]
fn title_falls_back_to_heading_then_file_name() {
    let s = basic();
    let html = s.read("notes/heading-title/index.html");
    assert!(html.contains("<h1>Title From Heading</h1>"));
    assert_eq!(
        html.matches("Title From Heading</h1>").count(),
        1,
        "the heading used as title is not repeated in the body"
    );
    let html = s.read("notes/plain-file-name/index.html");
    assert!(html.contains("<h1>Plain file name</h1>"));
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let s = basic();
    assert!(!s.has("notes/unfinished/index.html"));
    assert!(!s.read("notes/index.html").contains("unfinished"));
    assert!(!s.read("sitemap.xml").contains("unfinished"));
    assert!(!s.read("atom.xml").contains("unfinished"));
    assert!(
        !s.has("tags/drafty/index.html"),
        "a draft's tags are left out too"
    );

    let site = Site::basic_light();
    let run = site.build_ok(&["--drafts"]);
    assert!(run.stdout.contains("7 pages"), "{}", run.stdout);
    assert!(site
        .read("notes/unfinished/index.html")
        .contains("<h1>An unfinished draft</h1>"));
    assert!(site.read("notes/index.html").contains("/notes/unfinished/"));
    assert!(site.has("tags/drafty/index.html"));
}

#[test]
fn markdown_extensions_render() {
    let html = basic().read("guides/markdown/index.html");
    let body = prose(&html);
    // Tables, with alignment.
    assert!(body.contains("<div class=\"table-wrap\"><table>"));
    assert!(body.contains("<th scope=\"col\" style=\"text-align: right\">Value</th>"));
    assert!(body.contains("<td style=\"text-align: left\">one</td>"));
    // Footnotes: reference and definition, linked.
    assert!(body.contains("<sup class=\"footnote-reference\"><a href=\"#src\">1</a></sup>"));
    assert!(body.contains("<div class=\"footnote-definition\" id=\"src\">"));
    // Strikethrough and task lists.
    assert!(body.contains("<del>wrong</del>"));
    assert_eq!(
        body.matches("<input disabled=\"\" type=\"checkbox\"")
            .count(),
        2
    );
    assert_eq!(body.matches("type=\"checkbox\" checked=\"\"").count(), 1);
    // Heading attributes.
    assert!(body.contains("<h2 id=\"custom-id\" class=\"fancy\">Custom heading "));
    // Smart punctuation.
    assert!(body.contains("“Smart quotes” – and dashes — and an ellipsis…"));
    // GitHub alerts.
    assert!(body.contains("<div class=\"alert alert-note\""));
    assert!(body.contains("<div class=\"alert alert-warning\""));
    assert!(body.contains("An alert of kind note."));
    assert!(!body.contains("[!NOTE]"));
    // Raw HTML passes through.
    assert!(body.contains(
        "<div class=\"raw-html-block\" id=\"raw-block\">Raw <em>HTML</em> passes through.</div>"
    ));
}

#[test]
fn headings_get_unique_ids_permalinks_and_a_toc() {
    let html = basic().read("guides/markdown/index.html");
    let body = prose(&html);
    assert!(body.contains(
        "<h2 id=\"tables\">Tables <a class=\"anchor\" href=\"#tables\" aria-label=\"Permalink to this section\">#</a></h2>"
    ));
    assert!(body.contains("<h2 id=\"repeated\">Repeated "));
    assert!(body.contains("<h2 id=\"repeated-1\">Repeated "));
    assert!(body.contains("href=\"#repeated-1\""));
    let ids: Vec<String> = common::tags(&html)
        .into_iter()
        .filter_map(|t| t.attr("id").map(str::to_string))
        .collect();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len(), "duplicate ids in {ids:?}");
    // The table of contents nests h3 under h2.
    let toc_start = html.find("<aside class=\"toc\"").expect("toc");
    let toc = &html[toc_start..html[toc_start..].find("</aside>").expect("end") + toc_start];
    for id in [
        "tables",
        "footnotes",
        "custom-id",
        "repeated",
        "repeated-1",
        "deeper-heading",
    ] {
        assert!(
            toc.contains(&format!("<a href=\"#{id}\">")),
            "{id} not in toc:\n{toc}"
        );
    }
    let nested = toc.find("href=\"#repeated-1\"").expect("repeated-1");
    let deeper = toc.find("href=\"#deeper-heading\"").expect("deeper");
    assert!(
        nested < deeper && toc[nested..deeper].contains("<ul>"),
        "{toc}"
    );
}

#[test]
fn toc_reaches_templates_as_data() {
    let site = Site::with_files(&[
        (
            "templates/page.html",
            "{% for h in page.toc %}[{{ h.level }} {{ h.id }} {{ h.title }}{% for c in h.children %} ({{ c.level }} {{ c.id }}){% endfor %}]{% endfor %}",
        ),
        ("content/a.md", "# A\n\n## One\n\n### Sub\n\n## Two {#second}\n"),
    ]);
    site.build_ok(&[]);
    assert_eq!(
        site.read("a/index.html"),
        "[2 one One (3 sub)][2 second Two]"
    );
}

#[test]
fn escape_html_setting_escapes_raw_html() {
    let files = [("content/a.md", "# A\n\n<b class=\"raw\">bold</b> text\n")];
    let site = Site::with_files(&files);
    site.build_ok(&[]);
    assert!(site
        .read("a/index.html")
        .contains("<b class=\"raw\">bold</b>"));

    let site = Site::with_files(&files);
    site.write("site.toml", "escape_html = true\n");
    site.build_ok(&[]);
    let html = site.read("a/index.html");
    assert!(
        html.contains("&lt;b class=&quot;raw&quot;&gt;bold&lt;/b&gt;"),
        "{}",
        prose(&html)
    );
    assert!(!html.contains("<b class=\"raw\">"));
}

#[test]
fn relative_markdown_links_resolve_to_page_urls() {
    let s = basic();
    let home = s.read("index.html");
    assert!(home.contains("<a href=\"/notes/week-40/\">week 40 notes</a>"));
    assert!(home.contains("<a href=\"/notes/week-40/#pros\">pros</a>"));
    assert!(home.contains("<a href=\"/guides/bundle/\">bundle</a>"));
    let toml = s.read("notes/custom-slug/index.html");
    assert!(toml.contains("<a href=\"/notes/week-40/#monolith\">week 40</a>"));
    let md = s.read("guides/markdown/index.html");
    assert!(
        md.contains("<a href=\"/notes/\">the notes</a>"),
        "_index.md links to the section"
    );
}

#[test]
fn code_is_highlighted_with_classes_for_every_alias() {
    let html = basic().read("guides/code/index.html");
    for (lang, scope) in [
        ("rs", "hl-source hl-rust"),
        ("js", "hl-source hl-js"),
        ("ts", "hl-source"),
        ("sh", "hl-source hl-shell"),
        ("yml", "hl-source hl-yaml"),
        ("toml", "hl-source"),
        ("py", "hl-source hl-python"),
        ("go", "hl-source hl-go"),
        ("dockerfile", "hl-source"),
    ] {
        let block = code_block(&html, lang);
        assert!(
            block.contains(&format!("<span class=\"{scope}")),
            "{lang}: {block}"
        );
        assert!(
            !block.contains("style="),
            "{lang}: inline styles in {block}"
        );
    }
    let plain = code_block(&html, "nosuchlang");
    assert!(plain.contains("&lt;not&gt; &amp; highlighted"), "{plain}");
    assert!(!plain.contains("hl-"), "{plain}");
}

#[test]
fn highlight_stylesheet_has_light_and_dark_rules() {
    let s = basic();
    let html = s.read("index.html");
    let href = common::tags(&html)
        .into_iter()
        .filter(|t| t.name == "link")
        .filter_map(|t| t.attr("href").map(str::to_string))
        .find(|h| h.contains("/assets/highlight."))
        .expect("highlight stylesheet linked");
    let css = s.read(href.trim_start_matches('/'));
    assert!(css.contains(".hl-"), "class rules");
    assert!(css.contains("html[data-theme=\"dark\"] .hl-"), "dark rules");
    assert!(css.contains("@media (prefers-color-scheme: dark)"));
}

#[test]
fn a_pathologically_long_javascript_line_does_not_hang() {
    // A minified-looking line far over the highlighting limit: the build must finish (the
    // helper kills a hung build) and show the block as escaped plain code.
    let line = "a.b(c=>{d[e]=f/g/h;}),".repeat(5_000);
    let site = Site::with_files(&[(
        "content/a.md",
        &format!("# A\n\n```js\nvar s = '<tag>';{line}\n```\n"),
    )]);
    site.build_ok(&[]);
    let html = site.read("a/index.html");
    let block = code_block(&html, "js");
    assert!(
        block.contains("var s = &#39;&lt;tag&gt;&#39;;a.b(c=&gt;{d[e]=f/g/h;}),"),
        "escaped"
    );
    assert!(!block.contains("hl-"), "not highlighted");
}

#[test]
fn static_files_are_copied_as_they_are() {
    let s = basic();
    for f in ["files/hello.txt", "img/logo.svg"] {
        assert_eq!(
            std::fs::read(s.out.join(f)).expect("copied"),
            std::fs::read(s.root.join("static").join(f)).expect("source"),
            "{f}"
        );
    }
}

#[test]
fn site_templates_override_the_embedded_theme() {
    let html = basic().read("notes/week-40/index.html");
    assert!(html.contains("<p class=\"fixture-footer\">fixture-footer-note</p>"));
    assert!(
        !html.contains("Built with archsite"),
        "embedded footer replaced"
    );
    // Templates that were not overridden still come from the theme.
    assert!(html.contains("<nav id=\"sidebar\""));
}

#[test]
fn a_content_only_folder_builds_a_full_site() {
    let site = Site::with_files(&[
        ("content/_index.md", "# Home\n\nWelcome.\n"),
        ("content/docs/_index.md", "# Docs\n"),
        ("content/docs/one.md", "# One\n\n## Part\n\nText.\n"),
    ]);
    let run = site.build_ok(&[]);
    assert!(
        run.stdout.contains("1 page and 2 sections"),
        "{}",
        run.stdout
    );
    let html = site.read("docs/one/index.html");
    assert!(html.starts_with("<!doctype html>"));
    assert!(
        html.contains("<title>One · My site</title>"),
        "default title"
    );
    assert!(html.contains("<html lang=\"en\""));
    assert!(html.contains("href=\"/assets/style."));
    for f in [
        "index.html",
        "docs/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
    ] {
        assert!(site.has(f), "{f}");
    }
    let mut crawler = common::Crawler::new(&site.out(), "/");
    crawler.crawl();
    assert!(crawler.problems.is_empty(), "{:?}", crawler.problems);
}

#[test]
fn matrix_pages_gather_statements() {
    let s = basic();
    let html = s.read("compare/index.html");
    assert!(html.contains("Simple to deploy"));
    assert!(html.contains("Independent scaling"));
    assert!(html.contains("href=\"/notes/week-40/#monolith-pro-simple-to-deploy\""));
    let json: serde_json::Value =
        serde_json::from_str(&s.read("compare/compare.json")).expect("compare.json");
    assert_eq!(json["statements"].as_array().map(Vec::len), Some(4));
}

#[test]
fn markdown_page_snapshot() {
    let html = basic().read("guides/markdown/index.html");
    insta::assert_snapshot!(prose(&html));
}

#[test]
fn footnote_ids_do_not_collide_with_heading_ids() {
    let site = Site::with_files(&[(
        "content/a.md",
        "# A\n\nA claim.[^source]\n\n## Source\n\nText.\n\n[^source]: Where it comes from.\n",
    )]);
    site.build_ok(&[]);
    let html = site.read("a/index.html");
    let ids: Vec<String> = common::tags(&html)
        .into_iter()
        .filter_map(|t| t.attr("id").map(str::to_string))
        .collect();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len(), "duplicate ids in {ids:?}");
    assert!(
        html.contains("<a href=\"#source\">1</a>"),
        "footnote link kept"
    );
    assert!(html.contains("class=\"footnote-definition\" id=\"source\""));
}

#[test]
fn shortcodes_inside_code_are_left_as_written() {
    let site = Site::with_files(&[(
        "content/a.md",
        "# A\n\nInline: `{{< img src=\"x\" >}}`\n\n    {{< indented >}}\n\n~~~\n{{< tilde >}}\n~~~\n\n\
         ````md\n```\n{{< nested >}}\n```\n````\n\nAfter: {{< img src=\"/x.svg\" alt=\"An X\" >}}\n",
    )]);
    site.write(
        "static/x.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    site.build_ok(&[]);
    let html = site.read("a/index.html");
    assert!(
        html.contains("<code>{{&lt; img src=\"x\" &gt;}}</code>"),
        "{html}"
    );
    for name in ["indented", "tilde", "nested"] {
        assert!(
            html.contains(&format!("{{{{&lt; {name} &gt;}}}}")),
            "{name} kept in code"
        );
    }
    assert!(
        html.contains("<img src=\"/x.svg\" alt=\"An X\""),
        "real call still rendered"
    );
}

#[test]
fn heading_ids_do_not_take_the_layout_ids() {
    let site = Site::with_files(&[
        (
            "content/a.md",
            "# A\n\n## Main\n\n## Sidebar\n\n## Search results\n\n[to main](#main-1)\n",
        ),
        (
            "templates/partials/footer.html",
            "<footer id=\"site-foot\"></footer>",
        ),
        ("content/b.md", "# B\n\n## Site foot\n"),
    ]);
    site.build_ok(&[]);
    for page in ["a/index.html", "b/index.html"] {
        let html = site.read(page);
        let ids: Vec<String> = common::tags(&html)
            .into_iter()
            .filter_map(|t| t.attr("id").map(str::to_string))
            .collect();
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(ids.len(), unique.len(), "duplicate ids in {page}: {ids:?}");
    }
    let a = site.read("a/index.html");
    assert!(a.contains("<h2 id=\"main-1\">Main "), "{}", prose(&a));
    assert!(site
        .read("b/index.html")
        .contains("<h2 id=\"site-foot-1\">"));
}

#[test]
fn windows_line_endings_and_a_byte_order_mark_are_read() {
    let site = Site::with_files(&[
        (
            "content/a.md",
            "---\r\ntitle: \"CRLF page\"\r\ndate: 2024-10-06\r\n---\r\n\r\n## Part one\r\n\r\nSee [b](b.md#part-two).\r\n",
        ),
        (
            "content/b.md",
            "\u{feff}+++\r\ntitle = \"B\"\r\n+++\r\n\r\n## Part two\r\n",
        ),
    ]);
    site.build_ok(&[]);
    let a = site.read("a/index.html");
    assert!(a.contains("<h1>CRLF page</h1>"));
    assert!(a.contains("<time datetime=\"2024-10-06\">"));
    assert!(a.contains("href=\"/b/#part-two\""));
    assert!(site.read("b/index.html").contains("<h1>B</h1>"));
}
