//! Bad input: every case fails the build with exit code 1, names the file at fault (and the
//! line where it is known), and leaves the previous output folder exactly as it was.

mod common;

use common::{snapshot, Run, Site};

/// A small valid site that each test then breaks.
const BASE: &[(&str, &str)] = &[
    ("site.toml", "title = \"Errors\"\n"),
    ("content/_index.md", "# Home\n\nSee [A](notes/a.md).\n"),
    ("content/notes/_index.md", "# Notes\n"),
    (
        "content/notes/a.md",
        "---\ntitle: A\n---\n\n## Pros\n\nText of A.\n",
    ),
    ("static/x.txt", "x\n"),
];

/// Builds the valid base site, applies `break_it`, builds again and checks that the second
/// build failed with exit code 1 without touching the previous output. Returns the failed run.
fn fails(break_it: impl FnOnce(&Site)) -> Run {
    let site = Site::with_files(BASE);
    site.build_ok(&[]);
    let before = snapshot(&site.out());
    assert!(before.contains_key("notes/a/index.html"));
    break_it(&site);
    let run = site.build(&[]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("Build failed"),
        "a closing line says the build failed:\n{}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "no summary line on failure: {}",
        run.stdout
    );
    let after = snapshot(&site.out());
    assert!(
        before == after,
        "the previous output changed after a failed build"
    );
    let leftovers: Vec<String> = std::fs::read_dir(&site.root)
        .expect("site root")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("archsite-new") || n.contains("archsite-old"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary folders left: {leftovers:?}"
    );
    run
}

#[test]
fn malformed_yaml_front_matter() {
    let run = fails(|s| {
        s.write(
            "content/notes/bad.md",
            "---\ntitle: Bad\ntags: [one, two\ndate: 2024-10-06\n---\nBody\n",
        )
    });
    run.assert_stderr_has("content/notes/bad.md:");
    run.assert_stderr_has("YAML front matter");
    let line = line_after(&run.stderr, "content/notes/bad.md:");
    assert!(
        (3..=5).contains(&line),
        "line of the YAML error ({line}) is in the front matter:\n{}",
        run.stderr
    );
}

#[test]
fn malformed_toml_front_matter() {
    let run = fails(|s| {
        s.write(
            "content/notes/bad.md",
            "+++\ntitle = \"Bad\"\nweight = = 3\n+++\nBody\n",
        )
    });
    run.assert_stderr_has("content/notes/bad.md:3: error: TOML front matter");
}

#[test]
fn unknown_front_matter_key() {
    let run = fails(|s| s.write("content/notes/bad.md", "---\ntitle: Bad\ntgas: [x]\n---\n"));
    run.assert_stderr_has("content/notes/bad.md:3:");
    run.assert_stderr_has("did you mean `tags`");
}

#[test]
fn unterminated_front_matter() {
    let run = fails(|s| {
        s.write(
            "content/notes/bad.md",
            "---\ntitle: Bad\n\nBody, no fence\n",
        )
    });
    run.assert_stderr_has("content/notes/bad.md:1: error: front matter");
    run.assert_stderr_has("never closed");
}

#[test]
fn invalid_date() {
    let run = fails(|s| s.write("content/notes/bad.md", "---\ndate: last tuesday\n---\n"));
    run.assert_stderr_has("content/notes/bad.md:2: error: `date: last tuesday` is not a date");
}

#[test]
fn every_bad_front_matter_value_of_a_file_is_reported_at_once() {
    let run = fails(|s| {
        s.write(
            "content/notes/bad.md",
            "+++\ntitle = \"Bad\"\nslug = \"--\"\nupdated = \"soon\"\n+++\n",
        )
    });
    run.assert_stderr_has("content/notes/bad.md:3: error: slug `--` gives no usable URL part");
    run.assert_stderr_has("content/notes/bad.md:4: error: `updated: soon` is not a date");
}

#[test]
fn non_utf8_markdown_file() {
    let run = fails(|s| s.write("content/notes/latin1.md", b"# Caf\xe9\n\nline two\n"));
    run.assert_stderr_has("content/notes/latin1.md:1: error:");
    run.assert_stderr_has("UTF-8");
}

#[test]
fn binary_markdown_file() {
    let run = fails(|s| {
        s.write(
            "content/notes/blob.md",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        )
    });
    run.assert_stderr_has("content/notes/blob.md");
    run.assert_stderr_has("binary");
}

#[test]
fn two_pages_with_the_same_url() {
    let run = fails(|s| {
        s.write("content/notes/b.md", "---\ntitle: B\nslug: a\n---\n");
    });
    run.assert_stderr_has("/notes/a/");
    run.assert_stderr_has("content/notes/a.md");
    run.assert_stderr_has("content/notes/b.md");
}

#[test]
fn a_page_and_a_bundle_with_the_same_url() {
    let run = fails(|s| s.write("content/notes/a/index.md", "# Also A\n"));
    run.assert_stderr_has("content/notes/a/index.md");
    run.assert_stderr_has("content/notes/a.md");
}

#[test]
fn every_broken_link_is_listed_with_its_line() {
    let run = fails(|s| {
        s.write(
            "content/notes/links.md",
            "# Links\n\n[gone](missing.md)\n\n[no anchor](a.md#nope)\n\n[ok](a.md#pros)\n\n\
             [no file](/nothing.txt) and [file](/x.txt)\n\n![no image](/img/none.png)\n",
        );
        s.write(
            "content/other.md",
            "# Other\n\nText\n\n[up](../../outside.md)\n",
        );
    });
    for expected in [
        "content/notes/links.md:3: error: broken link",
        "content/notes/links.md:5: error: broken anchor",
        "content/notes/links.md:9: error: broken link",
        "content/notes/links.md:11: error: broken link",
        "content/other.md:5: error: broken link",
    ] {
        run.assert_stderr_has(expected);
    }
    assert!(run.stderr.contains("missing.md") && run.stderr.contains("#nope"));
    assert!(run.stderr.contains("/nothing.txt") && run.stderr.contains("/img/none.png"));
    assert_eq!(
        run.stderr.matches(": error: ").count(),
        5,
        "valid links are not reported:\n{}",
        run.stderr
    );
    run.assert_stderr_has("5 error(s)");
}

#[test]
fn broken_links_can_be_warnings() {
    let site = Site::with_files(BASE);
    site.write("site.toml", "title = \"Errors\"\nbroken_links = \"warn\"\n");
    site.write(
        "content/notes/links.md",
        "# Links\n\n[gone](missing.md) and [no anchor](a.md#nope)\n",
    );
    let run = site.build_ok(&[]);
    run.assert_stderr_has("content/notes/links.md:3: warning: broken link");
    run.assert_stderr_has("content/notes/links.md:3: warning: broken anchor");
    assert!(site.has("notes/links/index.html"));
}

#[test]
fn template_syntax_error() {
    let run = fails(|s| {
        s.write(
            "templates/page.html",
            "{% extends \"base.html\" %}\n{% block main %}\n{% if %}\n{% endblock main %}\n",
        )
    });
    run.assert_stderr_has("templates/page.html:3: error:");
}

#[test]
fn template_error_while_rendering() {
    let run = fails(|s| {
        s.write(
            "templates/page.html",
            "{% extends \"base.html\" %}\n{% block main %}\n\n{{ page.no_such_field }}\n{% endblock main %}\n",
        )
    });
    run.assert_stderr_has("templates/page.html:4: error:");
    run.assert_stderr_has("content/notes/a.md");
}

#[test]
fn unknown_shortcode() {
    let run = fails(|s| {
        s.write(
            "content/notes/sc.md",
            "# SC\n\nText\n\n{{< youtube id=\"abc\" >}}\n",
        )
    });
    run.assert_stderr_has("content/notes/sc.md:5: error: unknown shortcode `youtube`");
}

#[test]
fn image_shortcode_without_alt() {
    let run = fails(|s| {
        s.write(
            "content/notes/sc.md",
            "---\ntitle: SC\n---\n\n{{< img src=\"/x.txt\" caption=\"no alt\" >}}\n",
        )
    });
    run.assert_stderr_has("content/notes/sc.md:5: error:");
    run.assert_stderr_has("alt");
}

#[test]
fn unclosed_shortcode() {
    let run = fails(|s| s.write("content/notes/sc.md", "# SC\n\n{{< img src=\"/x.txt\"\n"));
    run.assert_stderr_has("content/notes/sc.md:3: error:");
}

#[test]
fn unknown_site_toml_key() {
    let run = fails(|s| {
        s.write(
            "site.toml",
            "title = \"Errors\"\n# a comment\nbase_ulr = \"https://example.org/\"\n",
        )
    });
    run.assert_stderr_has("site.toml:3: error:");
    run.assert_stderr_has("`base_ulr`");
    run.assert_stderr_has("did you mean `base_url`");
}

#[test]
fn unknown_key_in_a_site_toml_table() {
    let run = fails(|s| {
        s.write(
            "site.toml",
            "title = \"Errors\"\n\n[highlight]\nlight = \"InspiredGitHub\"\ndrak = \"base16-ocean.dark\"\n",
        )
    });
    run.assert_stderr_has("site.toml:5: error:");
    run.assert_stderr_has("did you mean `dark`");
}

#[test]
fn malformed_site_toml() {
    let run = fails(|s| s.write("site.toml", "title = \"Errors\"\nfeed = yes\n"));
    run.assert_stderr_has("site.toml:2: error:");
}

#[test]
fn unknown_highlight_theme() {
    let run = fails(|s| {
        s.write(
            "site.toml",
            "title = \"Errors\"\n[highlight]\nlight = \"NoSuchTheme\"\n",
        )
    });
    run.assert_stderr_has("site.toml");
    run.assert_stderr_has("NoSuchTheme");
}

#[test]
fn output_folder_that_would_delete_sources() {
    let site = Site::with_files(BASE);
    site.build_ok(&[]);
    let before = snapshot(&site.root);
    for bad in ["content", "content/notes", ".", "static"] {
        let run = site.build(&["--output", &site.root.join(bad).to_string_lossy()]);
        run.assert_code(1);
        run.assert_stderr_has("refusing");
        assert!(
            snapshot(&site.root) == before,
            "--output {bad} changed the site"
        );
    }
}

/// The number after `prefix` in `text` (the line of a `file:line` location).
fn line_after(text: &str, prefix: &str) -> usize {
    let start = text.find(prefix).expect("prefix") + prefix.len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no line number after {prefix} in:\n{text}"))
}

#[test]
fn an_alias_cannot_replace_a_page() {
    let run = fails(|s| {
        s.write(
            "content/notes/b.md",
            "---\ntitle: B\naliases: [/notes/a/]\n---\n",
        )
    });
    run.assert_stderr_has(
        "content/notes/b.md:3: error: `notes/a/index.html` would be written twice: asked for by \
         the page of content/notes/a.md and alias `/notes/a/` of content/notes/b.md",
    );
}

#[test]
fn an_alias_cannot_leave_the_output_folder() {
    let mut escaped = None;
    let run = fails(|s| {
        // Were it written, this redirect would land beside the site root.
        escaped = Some(s.tmp().join("escaped"));
        s.write(
            "content/notes/b.md",
            "---\ntitle: B\naliases: [\"../../escaped/\"]\n---\n",
        )
    });
    run.assert_stderr_has("content/notes/b.md: error: alias `../../escaped/`");
    assert!(!escaped.expect("set").exists());
}

#[test]
fn a_slug_without_letters_is_an_error() {
    for slug in ["..", "", "--"] {
        let run = fails(|s| {
            s.write(
                "content/notes/b.md",
                format!("---\ntitle: B\nslug: \"{slug}\"\n---\n"),
            )
        });
        run.assert_stderr_has(&format!("content/notes/b.md:3: error: slug `{slug}`"));
    }
}

#[test]
fn template_error_in_an_overridden_partial() {
    let run = fails(|s| {
        s.write(
            "templates/partials/footer.html",
            "<footer>\n{{ site.title }\n</footer>\n",
        )
    });
    run.assert_stderr_has("templates/partials/footer.html:2: error:");
}

#[test]
fn template_including_a_missing_partial() {
    let run = fails(|s| {
        s.write(
            "templates/partials/footer.html",
            "<footer>{% include \"partials/nope.html\" %}</footer>\n",
        )
    });
    run.assert_stderr_has("templates/partials/footer.html:1: error:");
    run.assert_stderr_has("partials/nope.html");
}
