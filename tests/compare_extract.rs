//! Matrix extraction on the `compare-basic` fixture: every label form, label headings, tables
//! with subject and aspect aliases, anchors in the source pages, matrix cells grouped by source,
//! back-links, "compared in" boxes, subject and pair pages, `compare.json` and durations.

mod compare_support;

use compare_support::{
    attr_values, build, cell, cell_statements, cell_texts as texts, fixture, ids, Built,
};

fn site() -> Built {
    build(&fixture("compare-basic"), None)
}

#[test]
fn every_label_form_yields_statements() {
    let b = site();
    let m = b.page("compare/");
    // **Pros:**, **Cons** (no colon), plain "Use cases:".
    assert_eq!(
        texts(&m, "pros-monolith"),
        [
            "Simple to start",
            "Linked lead — see the tables and run make build for fast feedback.",
            "Simple to start",
            "Simple to start",
        ]
    );
    assert_eq!(texts(&m, "cons-monolith"), ["Hard to scale"]);
    assert_eq!(texts(&m, "use-cases-monolith"), ["Small apps"]);
    // *Advantages:*, Benefits:, Disadvantages, Challenges, Limitations, Good for, Best for,
    // When to use.
    assert_eq!(
        texts(&m, "pros-microservices"),
        ["Independent deploys", "Fault isolation"]
    );
    assert_eq!(
        texts(&m, "cons-microservices"),
        [
            "Network overhead",
            "Distributed tracing",
            "Data consistency"
        ]
    );
    assert_eq!(
        texts(&m, "use-cases-microservices"),
        [
            "Large teams",
            "Many moving parts",
            "Parts must scale independently"
        ]
    );
    // Label headings under a heading that names the subject by an alias ("Functions as a
    // service"), a heading that is both subject and label, and an ordered list.
    assert_eq!(texts(&m, "pros-serverless"), ["No servers to manage"]);
    let cons = texts(&m, "cons-serverless");
    assert_eq!(
        cons.len(),
        1,
        "nested items stay inside their parent: {cons:?}"
    );
    assert!(cons[0].starts_with("Cold starts"), "{cons:?}");
    assert_eq!(
        texts(&m, "use-cases-serverless"),
        ["ETL jobs", "Static websites"]
    );
}

#[test]
fn lists_without_a_label_or_subject_are_left_alone() {
    let b = site();
    let m = b.page("compare/");
    let json = b.read("compare/compare.json");
    let page = b.page("notes/labels/");
    // Unlabelled list, label cancelled by a paragraph, heading naming two subjects, no subject
    // in scope: none of these lists becomes a statement. The nested item under "Cold starts" is
    // part of its parent, so it appears only inside that statement.
    for cell_id in [
        "pros-monolith",
        "cons-monolith",
        "use-cases-monolith",
        "pros-microservices",
    ] {
        for t in texts(&m, cell_id) {
            assert!(!t.contains("Not a statement"), "{cell_id}: {t}");
        }
    }
    let not_statements = json.matches("Not a statement").count();
    assert_eq!(
        not_statements, 2,
        "only the nested item, inside its parent's text and html: {json}"
    );
    for item in page.split("<li").skip(1) {
        if item.trim_start_matches('>').starts_with("Not a statement") {
            assert!(
                !item.starts_with(" id="),
                "an id on a non-statement: <li{item}"
            );
        }
    }
    // A heading naming two subjects gets no subject link.
    let vs = page
        .split("id=\"monolith-vs-microservices\"")
        .nth(1)
        .expect("vs heading");
    let next_block = vs.split("</h2>").nth(1).expect("after heading");
    assert!(!next_block
        .trim_start()
        .starts_with("<p class=\"subject-link\""));
}

#[test]
fn statements_get_readable_unique_anchors_in_their_page() {
    let b = site();
    let page = b.page("notes/labels/");
    let ids = ids(&page);
    for id in [
        "monolith-pro-simple-to-start",
        "monolith-pro-simple-to-start-1",
        "monolith-pro-linked-lead-see-the-tables-and",
        "monolith-con-hard-to-scale",
        "monolith-use-small-apps",
        "microservices-pro-independent-deploys",
        "microservices-con-distributed-tracing",
        "microservices-use-parts-must-scale-independently",
        "serverless-pro-no-servers-to-manage",
        "serverless-con-cold-starts",
        "serverless-use-etl-jobs",
    ] {
        assert!(
            page.contains(&format!("<li id=\"{id}\">")),
            "missing <li id=\"{id}\">"
        );
        assert!(ids.contains(id));
    }
    let table = b.page("tables/scaling/");
    for id in [
        "monolith-scalability",
        "microservices-scalability",
        "monolith-deployment",
        "microservices-deployment",
        "microservices-cost",
    ] {
        assert!(
            table.contains(&format!("<td id=\"{id}\">")),
            "missing <td id=\"{id}\">"
        );
    }
    // Empty cells and cells under a non-subject column make no statement and get no id.
    assert!(!table.contains("id=\"monolith-cost\""));
    assert!(table.contains("<td>Not a statement: no subject column</td>"));

    // The same source builds the same anchors again.
    let again = site();
    assert_eq!(
        attr_values(&page, "id"),
        attr_values(&again.page("notes/labels/"), "id")
    );
}

#[test]
fn inline_markdown_and_links_are_kept_in_statements() {
    let b = site();
    let m = b.page("compare/");
    let (_, linked) = cell_statements(&m, "pros-monolith")
        .into_iter()
        .find(|(_, s)| s.text.starts_with("Linked lead"))
        .expect("linked statement");
    assert!(
        linked.html.contains("<strong>Linked lead</strong>"),
        "{}",
        linked.html
    );
    assert!(
        linked
            .html
            .contains("<a href=\"/tables/scaling/#head-to-head\">the tables</a>"),
        "the markdown link is resolved to the page URL: {}",
        linked.html
    );
    assert!(linked.html.contains("<code>make build</code>"));
    assert!(linked.html.contains("<em>fast</em>"));
    assert_eq!(
        linked.href,
        "/notes/labels/#monolith-pro-linked-lead-see-the-tables-and"
    );
    // A link inside a table cell statement.
    let (_, independent) = cell_statements(&m, "aspect-deployment-microservices")
        .into_iter()
        .next()
        .expect("deployment statement");
    assert!(
        independent
            .html
            .contains("<a href=\"/notes/labels/#microservices\">Independent</a>"),
        "{}",
        independent.html
    );
}

#[test]
fn tables_yield_one_aspect_row_per_table_row() {
    let b = site();
    let m = b.page("compare/");
    // "Scaling" is an alias of the Scalability aspect; "Monolithic" of the monolith subject.
    let groups = cell(&m, "aspect-scalability-monolith").expect("cell");
    let got: Vec<(String, Vec<String>)> = groups
        .iter()
        .map(|g| {
            (
                g.title.clone(),
                g.statements.iter().map(|s| s.text.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "Scaling table".to_string(),
                vec!["Scale the whole app".to_string()]
            ),
            ("Second opinion".to_string(), vec!["Limited".to_string()]),
        ],
        "both sources kept, grouped by page"
    );
    assert_eq!(groups[0].href, "/tables/scaling/");
    assert_eq!(
        groups[0].statements[0].href,
        "/tables/scaling/#monolith-scalability"
    );
    assert_eq!(
        groups[1].statements[0].href,
        "/tables/second-opinion/#monolith-scalability"
    );
    assert_eq!(texts(&m, "aspect-scalability-serverless"), ["Automatic"]);
    assert_eq!(texts(&m, "aspect-deployment-monolith"), ["One unit"]);
    assert_eq!(texts(&m, "aspect-cost-microservices"), ["Higher at first"]);
    assert!(texts(&m, "aspect-cost-monolith").is_empty());
    // Only the nested item under "Cold starts" reaches the matrix, inside its parent.
    assert_eq!(m.matches("Not a statement").count(), 1);
    // The plain table stays a plain table.
    let table = b.page("tables/scaling/");
    let plain = table
        .split("id=\"plain-table\"")
        .nth(1)
        .expect("plain table");
    assert!(plain.contains("<tr><td>make</td><td>builds</td></tr>"));
    assert!(!plain.contains("compare-backlink"));
    assert!(!m.contains("aspect-tool"));
}

#[test]
fn the_matrix_has_subject_columns_and_kind_then_aspect_rows() {
    let b = site();
    let m = b.page("compare/");
    assert_eq!(
        compare_support::matrix_columns(&m),
        ["monolith", "microservices", "serverless"],
        "a subject with no statements gets no column"
    );
    let rows: Vec<(String, Vec<String>)> = compare_support::matrix_rows(&m).into_values().collect();
    let row_ids: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        row_ids,
        [
            "pros",
            "cons",
            "use-cases",
            "aspect-scalability",
            "aspect-deployment",
            "aspect-cost"
        ]
    );
    for (row, cells) in &rows {
        let want: Vec<String> = ["monolith", "microservices", "serverless"]
            .iter()
            .map(|s| format!("{row}-{s}"))
            .collect();
        assert_eq!(cells, &want);
    }
    // Screen-reader structure and phone layout hooks.
    assert!(m.contains("<caption>Fixture matrix: rows are pros, cons, use cases"));
    assert!(m.contains("<th scope=\"col\" data-subject=\"monolith\">"));
    assert!(m.contains("<th scope=\"row\" class=\"row-head\">Pros</th>"));
    assert!(m.contains("<th scope=\"row\" class=\"row-head\">Scalability</th>"));
    assert!(m.contains(
        "<td id=\"pros-serverless\" data-subject=\"serverless\" data-label=\"Serverless\">"
    ));
    // Every statement names its source page.
    for g in cell(&m, "pros-microservices").expect("cell") {
        assert_eq!(g.title, "Label forms");
        for s in g.statements {
            assert!(s.href.starts_with("/notes/labels/#microservices-pro-"));
        }
    }
}

#[test]
fn back_links_follow_each_extracted_list_and_table() {
    let b = site();
    let page = b.page("notes/labels/");
    for (close, cell_id) in [
        ("</ul>", "pros-monolith"),
        ("</ul>", "cons-monolith"),
        ("</ul>", "use-cases-monolith"),
        ("</ul>", "pros-microservices"),
        ("</ul>", "use-cases-microservices"),
        ("</ul>", "pros-serverless"),
        ("</ul>", "cons-serverless"),
        ("</ol>", "use-cases-serverless"),
    ] {
        let want =
            format!("{close}\n<p class=\"compare-backlink\"><a href=\"/compare/#{cell_id}\">");
        assert!(page.contains(&want), "missing back-link {want:?}");
    }
    // One back-link per extracted list: 3 + 8 + 3.
    assert_eq!(page.matches("class=\"compare-backlink\"").count(), 14);
    let table = b.page("tables/scaling/");
    assert!(table.contains(
        "</table></div>\n<p class=\"compare-backlink\">In the comparison matrix: \
         <a href=\"/compare/#aspect-scalability\">Scalability</a> · \
         <a href=\"/compare/#aspect-deployment\">Deployment</a> · \
         <a href=\"/compare/#aspect-cost\">Cost</a></p>"
    ));
    // Every back-link lands on an id of the matrix page.
    let matrix_ids = ids(&b.page("compare/"));
    for p in [&page, &table] {
        for href in attr_values(p, "href") {
            if let Some(frag) = href.strip_prefix("/compare/#") {
                assert!(matrix_ids.contains(frag), "no #{frag} in the matrix");
            }
        }
    }
}

#[test]
fn source_pages_say_where_they_are_compared() {
    let b = site();
    let boxed = |html: &str| -> Vec<String> {
        html.split("<section class=\"compared-in\"")
            .nth(1)
            .map(|s| attr_values(s.split("</section>").next().unwrap_or(""), "href"))
            .unwrap_or_default()
    };
    assert_eq!(
        boxed(&b.page("notes/labels/")),
        [
            "/compare/",
            "/compare/monolith/",
            "/compare/monolith-vs-microservices/",
            "/compare/monolith-vs-serverless/",
            "/compare/microservices/",
            "/compare/microservices-vs-serverless/",
            "/compare/serverless/",
        ]
    );
    let second = boxed(&b.page("tables/second-opinion/"));
    assert!(second.contains(&"/compare/serverless/".to_string()));
    assert!(second.contains(&"/compare/monolith-vs-serverless/".to_string()));
    // A page with nothing extracted has no box.
    assert!(boxed(&b.page("course/outline/")).is_empty());
}

#[test]
fn subject_headings_link_to_subject_pages_which_list_where_they_are_covered() {
    let b = site();
    let course = b.page("course/outline/");
    assert!(course.contains(
        "#monolithic-architectures\" aria-label=\"Permalink to this section\">#</a></h3>\n\
         <p class=\"subject-link\"><a href=\"/compare/monolith/\">"
    ));
    assert!(course.contains(
        "#distributed-architectures\" aria-label=\"Permalink to this section\">#</a></h3>\n\
         <p class=\"subject-link\"><a href=\"/compare/microservices/\">"
    ));
    assert!(!course
        .split("id=\"wrapping-up\"")
        .nth(1)
        .expect("wrapping up")
        .contains("subject-link"));

    let monolith = b.page("compare/monolith/");
    let covered = monolith
        .split("<section class=\"covered-in\"")
        .nth(1)
        .expect("covered in");
    let links = attr_values(covered, "href");
    assert!(links.contains(&"/course/outline/#monolithic-architectures".to_string()));
    assert!(links.contains(&"/notes/labels/#monolith".to_string()));
    assert!(
        covered.contains(
            "<li><a href=\"/course/outline/\">Course outline</a>: \
             <a href=\"/course/outline/#monolithic-architectures\">Monolithic Architectures</a></li>"
        ),
        "lessons are listed under their page: {covered}"
    );
    let micro = b.page("compare/microservices/");
    assert!(micro.contains("/course/outline/#distributed-architectures"));
}

#[test]
fn subject_and_pair_pages_exist_for_subjects_and_pairs_with_data() {
    let b = site();
    for p in [
        "compare/monolith/",
        "compare/microservices/",
        "compare/serverless/",
        "compare/mainframe/",
        "compare/monolith-vs-microservices/",
        "compare/monolith-vs-serverless/",
        "compare/microservices-vs-serverless/",
    ] {
        assert!(b.has(&format!("{p}index.html")), "missing {p}");
    }
    assert!(!b.has("compare/monolith-vs-mainframe/index.html"));
    assert!(!b.has("compare/microservices-vs-monolith/index.html"));

    let serverless = b.page("compare/serverless/");
    assert_eq!(compare_support::matrix_columns(&serverless), ["serverless"]);
    let rows: Vec<String> = compare_support::matrix_rows(&serverless)
        .into_values()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(rows, ["pros", "cons", "use-cases", "aspect-scalability"]);
    assert!(serverless.contains("5 statements"));

    let pair = b.page("compare/monolith-vs-serverless/");
    assert_eq!(
        compare_support::matrix_columns(&pair),
        ["monolith", "serverless"]
    );
    let pair_rows: Vec<String> = compare_support::matrix_rows(&pair)
        .into_values()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        pair_rows,
        [
            "pros",
            "cons",
            "use-cases",
            "aspect-scalability",
            "aspect-deployment"
        ],
        "rows with nothing for either subject are left out"
    );
    assert_eq!(texts(&pair, "aspect-scalability-serverless"), ["Automatic"]);

    let mainframe = b.page("compare/mainframe/");
    assert!(!mainframe.contains("<table"));
    assert!(mainframe.contains("no pros, cons, use cases or compared aspects for Mainframe"));
}

#[test]
fn compare_json_holds_the_whole_matrix() {
    let b = site();
    let json: serde_json::Value =
        serde_json::from_str(&b.read("compare/compare.json")).expect("valid JSON");
    assert_eq!(json["version"], 1);
    assert_eq!(json["matrix_url"], "https://example.org/compare/");
    let subjects: Vec<(&str, u64)> = json["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or(""),
                s["statements"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    assert_eq!(
        subjects,
        [
            ("monolith", 9),
            ("microservices", 11),
            ("serverless", 5),
            ("mainframe", 0)
        ]
    );
    let rows: Vec<&str> = json["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        rows,
        [
            "pros",
            "cons",
            "use-cases",
            "aspect-scalability",
            "aspect-deployment",
            "aspect-cost"
        ]
    );
    assert_eq!(json["title"], "Fixture matrix");
    assert_eq!(
        json["aspects"],
        serde_json::json!(["Scalability", "Deployment", "Cost"])
    );
    assert_eq!(
        json["subjects"][0]["url"],
        "https://example.org/compare/monolith/"
    );
    let pairs: Vec<&str> = json["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| p["url"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        pairs,
        [
            "https://example.org/compare/monolith-vs-microservices/",
            "https://example.org/compare/monolith-vs-serverless/",
            "https://example.org/compare/microservices-vs-serverless/",
        ]
    );
    let statements = json["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), 25);
    let first = &statements[0];
    assert_eq!(first["text"], "Simple to start");
    assert_eq!(first["kind"], "list");
    assert!(first["aspect"].is_null());
    let scale = statements
        .iter()
        .find(|s| s["text"] == "Scale the whole app")
        .expect("table statement");
    assert_eq!(scale["subject"], "monolith");
    assert_eq!(scale["row"], "aspect-scalability");
    assert_eq!(scale["row_label"], "Scalability");
    assert_eq!(scale["kind"], "aspect");
    assert_eq!(scale["aspect"], "Scalability");
    assert_eq!(scale["anchor"], "monolith-scalability");
    assert_eq!(
        scale["matrix_url"],
        "https://example.org/compare/#aspect-scalability-monolith"
    );
    assert_eq!(scale["source_title"], "Scaling table");
    assert_eq!(
        scale["source_url"],
        "https://example.org/tables/scaling/#monolith-scalability"
    );
    // Every source URL points at an id of its page.
    for s in statements {
        let url = s["source_url"].as_str().expect("source_url");
        let rest = url.strip_prefix("https://example.org/").expect("absolute");
        let (path, frag) = rest.split_once('#').expect("anchor");
        assert!(ids(&b.page(path)).contains(frag), "{url} has no target");
    }
}

#[test]
fn section_durations_are_summed_beside_the_stated_length() {
    let b = site();
    let course = b.page("course/outline/");
    assert!(
        course.contains(
            "<p class=\"durations\">Sections add up to <strong>1 h 50 min</strong> over 2 sections; \
             stated length <strong>1 h 30 min</strong>.</p>"
        ),
        "{course}"
    );
    assert!(!b.page("notes/labels/").contains("class=\"durations\""));
}

#[test]
fn the_subject_picker_is_there_but_hidden_without_script() {
    let b = site();
    let m = b.page("compare/");
    assert!(m.contains("<fieldset class=\"subject-picker\" hidden>"));
    let picker = m
        .split("<fieldset class=\"subject-picker\"")
        .nth(1)
        .and_then(|s| s.split("</fieldset>").next())
        .expect("picker");
    assert_eq!(
        attr_values(picker, "value"),
        ["monolith", "microservices", "serverless"]
    );
    assert_eq!(
        picker.matches(" checked>").count(),
        3,
        "all shown by default"
    );
    // The script has a content-hashed name, like every theme asset.
    let src = m
        .split("<script defer src=\"/assets/compare.")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("compare script tag");
    assert!(src.ends_with(".js"), "{src}");
    let js = b.read(&format!("assets/compare.{src}"));
    assert!(js.contains("localStorage"));
    assert!(js.contains("data-subject"));
}

#[test]
fn every_link_and_anchor_of_the_fixture_resolves() {
    let b = site();
    let broken = b.broken_links();
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}
