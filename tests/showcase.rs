//! The showcase site (the repository root) builds cleanly at a domain root and under a sub-path,
//! and its matrix holds exactly the pros, cons and use cases written in its notes and
//! comparisons, under the right subject and row, each linking to an id that exists.
//!
//! The expected statements are read from the markdown here with plain line parsing, separately
//! from the engine's extraction, so the two can disagree.

mod compare_support;

use std::collections::BTreeSet;
use std::path::Path;

use compare_support::{
    attr_values, build, cell_statements, matrix_rows, normalise, repo_root, Built,
};

const SUB_PATH_URL: &str = "https://example.github.io/archsite/";

#[test]
fn the_showcase_builds_with_no_broken_links_at_a_domain_root() {
    let b = build(repo_root(), Some("https://example.org/"));
    assert_eq!(b.base_path, "/");
    let broken = b.broken_links();
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_showcase_builds_with_no_broken_links_under_a_sub_path() {
    let b = build(repo_root(), Some(SUB_PATH_URL));
    assert_eq!(b.base_path, "/archsite/");
    let pages = b.html_files();
    assert!(pages.len() > 15, "only {} pages", pages.len());
    let broken = b.broken_links();
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    // No root-relative URL escapes the sub-path.
    for (rel, html) in &pages {
        for attr in ["href", "src"] {
            for v in attr_values(html, attr) {
                if v.starts_with('/') && !v.starts_with("//") {
                    assert!(v.starts_with("/archsite/"), "{rel}: {attr}=\"{v}\"");
                }
            }
        }
    }
    // The matrix data names its sources with absolute URLs under the sub-path.
    let json: serde_json::Value =
        serde_json::from_str(&b.read("compare/compare.json")).expect("compare.json");
    for s in json["statements"].as_array().expect("statements") {
        let url = s["source_url"].as_str().expect("source_url");
        assert!(url.starts_with(SUB_PATH_URL) && url.contains('#'), "{url}");
    }
}

/// A pro, con or use case as written in a markdown file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Written {
    /// Matrix row id: `pros`, `cons` or `use-cases`.
    row: String,
    /// Subject id.
    subject: String,
    /// Site path of the page (`notes/2024-10-06-weekly-review/`).
    page: String,
    /// Plain text of the item.
    text: String,
}

/// Subjects from site.toml: (id, names as lower-case word lists).
fn subjects(root: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    let text = std::fs::read_to_string(root.join("site.toml")).expect("site.toml");
    let toml: toml::Table = toml::from_str(&text).expect("site.toml parses");
    let list = toml["compare"]["subjects"].as_array().expect("subjects");
    list.iter()
        .map(|s| {
            let id = s["id"].as_str().expect("id").to_string();
            let mut names = vec![words(&id), words(s["name"].as_str().expect("name"))];
            if let Some(aliases) = s.get("aliases").and_then(|a| a.as_array()) {
                names.extend(aliases.iter().filter_map(|a| a.as_str()).map(words));
            }
            (id, names)
        })
        .collect()
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The subject a heading is about: the one its lead (before a colon or dash) names, else the one
/// the whole heading names; none when it names several.
fn heading_subject(subjects: &[(String, Vec<Vec<String>>)], heading: &str) -> Option<String> {
    let named = |text: &str| -> Vec<String> {
        let w = words(text);
        subjects
            .iter()
            .filter(|(_, names)| {
                names
                    .iter()
                    .any(|n| !n.is_empty() && w.windows(n.len()).any(|win| win == n.as_slice()))
            })
            .map(|(id, _)| id.clone())
            .collect()
    };
    let lead = heading.split([':', '—']).next().unwrap_or(heading);
    let from_lead = named(lead);
    if lead.len() < heading.len() && from_lead.len() == 1 {
        return from_lead.into_iter().next();
    }
    let all = named(heading);
    (all.len() == 1).then(|| all[0].clone())
}

/// The row a bold label line (`**Pros:**`) introduces.
fn label_row(line: &str) -> Option<&'static str> {
    let inner = line.trim().strip_prefix("**")?;
    let inner = inner
        .strip_suffix("**")
        .or_else(|| inner.strip_suffix("**:"))?;
    let label = inner.trim_end_matches(':').trim().to_lowercase();
    match label.as_str() {
        "pros" | "advantages" | "benefits" | "strengths" => Some("pros"),
        "cons" | "disadvantages" | "challenges" | "limitations" | "drawbacks" | "weaknesses" => {
            Some("cons")
        }
        "use cases" | "good for" | "best for" | "when to use" => Some("use-cases"),
        _ => None,
    }
}

/// Markdown inline syntax removed: emphasis markers, code ticks, link targets.
fn plain(md: &str) -> String {
    let mut out = String::new();
    let mut rest = md;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        match after.find("](") {
            Some(close) if !after[..close].contains(']') => {
                let target = &after[close + 2..];
                let Some(end) = target.find(')') else { break };
                out.push_str(&rest[..open]);
                out.push_str(&after[..close]);
                rest = &target[end + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    normalise(&out.replace("**", "").replace(['*', '`'], ""))
}

/// Every labelled list item under a subject heading in one markdown file.
fn written_statements(
    file: &Path,
    site_path: &str,
    subjects: &[(String, Vec<Vec<String>>)],
) -> Vec<Written> {
    let text = std::fs::read_to_string(file).expect("read markdown");
    let mut lines: Vec<&str> = text.lines().collect();
    if lines.first() == Some(&"---") {
        let end = lines[1..]
            .iter()
            .position(|l| *l == "---")
            .expect("front matter end");
        lines.drain(..end + 2);
    }
    let mut out = Vec::new();
    let mut scope: Vec<(usize, Option<String>)> = Vec::new();
    let mut in_code = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            let title = line[hashes..].trim();
            scope.retain(|(l, _)| *l < hashes);
            scope.push((hashes, heading_subject(subjects, title)));
            continue;
        }
        let Some(row) = label_row(line) else { continue };
        let Some(subject) = scope.iter().rev().find_map(|(_, s)| s.clone()) else {
            continue;
        };
        // Blank lines, then the list: items start at column 0, continuations are indented.
        while i < lines.len() && lines[i].trim().is_empty() {
            i += 1;
        }
        let mut items: Vec<String> = Vec::new();
        while i < lines.len() {
            let l = lines[i];
            if let Some(item) = l.strip_prefix("- ").or_else(|| l.strip_prefix("* ")) {
                items.push(item.to_string());
            } else if !items.is_empty()
                && l.starts_with(char::is_whitespace)
                && !l.trim().is_empty()
            {
                if let Some(last) = items.last_mut() {
                    last.push(' ');
                    last.push_str(l.trim());
                }
            } else if l.trim().is_empty()
                && lines
                    .get(i + 1)
                    .is_some_and(|n| n.starts_with("- ") || n.starts_with("* "))
            {
                // A loose list: a blank line between items.
            } else {
                break;
            }
            i += 1;
        }
        out.extend(items.into_iter().map(|t| Written {
            row: row.to_string(),
            subject: subject.clone(),
            page: site_path.to_string(),
            text: plain(&t),
        }));
    }
    out
}

/// The labelled statements of every page of a content folder, with their site paths.
fn written_in(root: &Path, folder: &str) -> Vec<Written> {
    let subjects = subjects(root);
    let mut files: Vec<_> = std::fs::read_dir(root.join("content").join(folder))
        .expect("content folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .filter(|p| p.file_name().is_some_and(|n| n != "_index.md"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let stem = f.file_stem().expect("stem").to_string_lossy().to_string();
        out.extend(written_statements(
            &f,
            &format!("{folder}/{stem}/"),
            &subjects,
        ));
    }
    out
}

/// The list statements the matrix shows, from pages under `folder/`.
fn in_matrix(b: &Built, folder: &str) -> Vec<Written> {
    let matrix = b.page("compare/");
    let prefix = b.url(&format!("{folder}/"));
    let mut out = Vec::new();
    for (row, cells) in matrix_rows(&matrix).into_values() {
        if !["pros", "cons", "use-cases"].contains(&row.as_str()) {
            continue;
        }
        for cell_id in cells {
            let subject = cell_id
                .strip_prefix(&format!("{row}-"))
                .expect("cell id is row-subject")
                .to_string();
            for (_, st) in cell_statements(&matrix, &cell_id) {
                if !st.href.starts_with(&prefix) {
                    continue;
                }
                let page = st
                    .href
                    .strip_prefix(&b.base_path)
                    .and_then(|p| p.split('#').next())
                    .expect("page path")
                    .to_string();
                out.push(Written {
                    row: row.clone(),
                    subject: subject.clone(),
                    page,
                    text: st.text,
                });
            }
        }
    }
    out
}

fn assert_same(written: Vec<Written>, shown: Vec<Written>, what: &str) {
    let w: BTreeSet<Written> = written.iter().cloned().collect();
    let s: BTreeSet<Written> = shown.iter().cloned().collect();
    let missing: Vec<_> = w.difference(&s).collect();
    let extra: Vec<_> = s.difference(&w).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: written but not in the matrix (or in the wrong row or column):\n{missing:#?}\n\
         in the matrix but not written so:\n{extra:#?}"
    );
    assert_eq!(written.len(), shown.len(), "{what}: duplicates differ");
}

#[test]
fn every_pro_con_and_use_case_in_the_notes_is_in_the_right_cell() {
    let root = repo_root();
    let written = written_in(root, "notes");
    assert!(
        written.len() > 30,
        "the notes should hold many statements, found {}",
        written.len()
    );
    for row in ["pros", "cons", "use-cases"] {
        assert!(
            written.iter().any(|w| w.row == row),
            "no {row} in the notes"
        );
    }
    let b = build(root, Some(SUB_PATH_URL));
    assert_same(written, in_matrix(&b, "notes"), "notes");
}

#[test]
fn every_labelled_list_in_the_comparisons_is_in_the_right_cell() {
    let root = repo_root();
    let written = written_in(root, "comparisons");
    assert!(!written.is_empty());
    let b = build(root, Some(SUB_PATH_URL));
    assert_same(written, in_matrix(&b, "comparisons"), "comparisons");
}

#[test]
fn every_matrix_link_lands_on_an_id_of_its_target_page() {
    let b = build(repo_root(), Some(SUB_PATH_URL));
    let pages = b.html_files();
    let mut crawler = b.crawler();
    let mut checked = 0;
    let mut problems = Vec::new();
    for (rel, html) in pages.iter().filter(|(rel, _)| rel.starts_with("compare/")) {
        for href in attr_values(html, "href") {
            match crawler.resolve(rel, &href) {
                Ok(Some(_)) if href.contains('#') => checked += 1,
                Ok(_) => {}
                Err(why) => problems.push(format!("{rel}: {href}: {why}")),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked > 100, "only {checked} anchored links checked");
    // And every statement link of the matrix points into a content page, not the matrix.
    let matrix = b.page("compare/");
    for (row, cells) in matrix_rows(&matrix).into_values() {
        for cell_id in cells {
            for (title, st) in cell_statements(&matrix, &cell_id) {
                assert!(!title.is_empty(), "{row}/{cell_id}: no source page named");
                assert!(
                    st.href.contains('#') && !st.href.starts_with(&b.url("compare/")),
                    "{cell_id}: {}",
                    st.href
                );
            }
        }
    }
}

#[test]
fn the_course_links_lessons_to_subject_pages_and_sums_its_durations() {
    let b = build(repo_root(), Some(SUB_PATH_URL));
    let course = b.page("course/introduction-to-backend-architectures/");
    let lesson = course
        .split("id=\"monolithic-architectures\"")
        .nth(1)
        .expect("monolith lesson");
    let after_heading = lesson.split("</h3>").nth(1).expect("lesson body");
    assert!(
        after_heading
            .trim_start()
            .starts_with("<p class=\"subject-link\"><a href=\"/archsite/compare/monolith/\">"),
        "{after_heading}"
    );
    // Every lesson whose title names a subject links to that subject's page.
    let subjects = subjects(repo_root());
    let source = std::fs::read_to_string(
        repo_root().join("content/course/introduction-to-backend-architectures.md"),
    )
    .expect("course source");
    let mut linked = 0;
    for title in source.lines().filter_map(|l| l.strip_prefix("### ")) {
        let Some(subject) = heading_subject(&subjects, title) else {
            continue;
        };
        let id = title
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect::<String>();
        let after = course
            .split(&format!("<h3 id=\"{id}\">"))
            .nth(1)
            .and_then(|h| h.split("</h3>").nth(1))
            .unwrap_or_else(|| panic!("no lesson heading #{id}"));
        let want = format!("<p class=\"subject-link\"><a href=\"/archsite/compare/{subject}/\">");
        assert!(after.trim_start().starts_with(&want), "lesson {title:?}");
        linked += 1;
    }
    assert!(linked >= 10, "only {linked} lessons link to a subject page");
    assert!(course.contains(
        "Sections add up to <strong>4 h 51 min</strong> over 7 sections; stated length \
         <strong>4 h 54 min</strong>"
    ));
    let monolith = b.page("compare/monolith/");
    let covered = monolith
        .split("<section class=\"covered-in\"")
        .nth(1)
        .expect("covered in");
    assert!(covered.contains(
        "/archsite/course/introduction-to-backend-architectures/#monolithic-architectures"
    ));
    let serverless = b.page("compare/serverless/");
    assert!(serverless.contains(
        "/archsite/course/introduction-to-backend-architectures/#serverless-architectures"
    ));
}
