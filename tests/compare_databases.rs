//! A fixture about another topic (SQL vs NoSQL databases, its own subjects, aspects and matrix
//! path, built under a sub-path): proves that nothing in extraction or the matrix is tied to the
//! showcase's architectures.

mod compare_support;

use compare_support::{
    build, cell, cell_statements, cell_texts as texts, fixture, matrix_columns, matrix_rows, Built,
};

fn site() -> Built {
    build(&fixture("databases"), None)
}

#[test]
fn the_matrix_follows_the_sites_own_subjects_and_aspects() {
    let b = site();
    assert_eq!(b.base_path, "/field-guide/");
    // `[compare] path = "versus"`.
    assert!(!b.has("compare/index.html"));
    let m = b.page("versus/");
    assert!(m.contains("<h1>Database matrix</h1>"));
    assert_eq!(matrix_columns(&m), ["sql", "nosql", "newsql"]);
    let rows: Vec<String> = matrix_rows(&m).into_values().map(|(id, _)| id).collect();
    assert_eq!(
        rows,
        [
            "pros",
            "cons",
            "use-cases",
            "aspect-schema",
            "aspect-consistency",
            "aspect-scaling"
        ],
        "\"Data model\" and \"Transactions\" are this site's aliases; \"Scaling\" is no alias here"
    );
    assert_eq!(
        texts(&m, "pros-sql"),
        [
            "Joins — relate tables at query time with JOIN.",
            "Mature tooling — decades of drivers, admin tools and know-how."
        ]
    );
    assert_eq!(
        texts(&m, "cons-sql"),
        ["Rigid schema — every change needs a migration."]
    );
    // "#### When to use" under "### PostgreSQL" keeps the relational scope of the h2 above.
    assert_eq!(
        texts(&m, "use-cases-sql"),
        [
            "Reporting and analytics",
            "Money and inventory, where transactions matter"
        ]
    );
    assert_eq!(
        texts(&m, "pros-nosql"),
        [
            "Flexible documents — fields can differ from one document to the next.",
            "Horizontal scaling — shards spread data over many nodes."
        ]
    );
    assert_eq!(
        texts(&m, "use-cases-nosql"),
        ["Content management and catalogues", "Event logging"]
    );
    assert_eq!(
        texts(&m, "aspect-schema-nosql"),
        ["Flexible JSON documents"]
    );
    assert_eq!(texts(&m, "aspect-consistency-sql"), ["Full ACID"]);
    assert_eq!(texts(&m, "aspect-consistency-newsql"), ["Distributed ACID"]);
    assert_eq!(texts(&m, "aspect-scaling-nosql"), ["Horizontal by design"]);
    assert!(texts(&m, "pros-newsql").is_empty());
    // Links point into the sub-path.
    let groups = cell(&m, "pros-sql").expect("cell");
    assert_eq!(groups[0].href, "/field-guide/guides/relational/");
    assert_eq!(
        groups[0].statements[0].href,
        "/field-guide/guides/relational/#sql-pro-joins-relate-tables-at-query-time"
    );
    let (_, money) = cell_statements(&m, "use-cases-sql")
        .into_iter()
        .nth(1)
        .expect("second use case");
    assert!(
        money.html.contains(
            "<a href=\"/field-guide/guides/sql-vs-nosql/#side-by-side\">transactions</a>"
        ),
        "{}",
        money.html
    );
}

#[test]
fn nothing_about_architectures_leaks_in() {
    let b = site();
    // "## Monolith" means nothing here, and a heading naming two subjects opens no scope.
    let m = b.page("versus/");
    assert!(!m.contains("Not a statement"));
    let json = b.read("versus/compare.json");
    assert!(!json.contains("Not a statement"));
    for (rel, html) in b.html_files() {
        let lower = html.to_lowercase();
        for word in ["microservice", "serverless", "/compare/"] {
            assert!(!lower.contains(word), "{rel} mentions {word:?}");
        }
    }
    let relational = b.page("guides/relational/");
    let monolith = relational
        .split("id=\"monolith\"")
        .nth(1)
        .expect("monolith heading");
    assert!(!monolith.contains("subject-link"));
    assert!(!monolith.contains("compare-backlink"));
    assert!(!monolith.contains("<li id="));
}

#[test]
fn pages_json_and_links_of_the_database_site() {
    let b = site();
    for p in [
        "versus/sql/",
        "versus/nosql/",
        "versus/newsql/",
        "versus/sql-vs-nosql/",
        "versus/sql-vs-newsql/",
        "versus/nosql-vs-newsql/",
    ] {
        assert!(b.has(&format!("{p}index.html")), "missing {p}");
    }
    let relational = b.page("guides/relational/");
    assert!(relational.contains(
        "<p class=\"subject-link\"><a href=\"/field-guide/versus/sql/\">Everything about SQL in the comparison</a></p>"
    ));
    assert!(relational
        .contains("<p class=\"compare-backlink\"><a href=\"/field-guide/versus/#pros-sql\">"));
    let table = b.page("guides/sql-vs-nosql/");
    assert!(table.contains("<td id=\"nosql-schema\">Flexible JSON documents</td>"));
    assert!(table.contains("<a href=\"/field-guide/versus/#aspect-consistency\">Consistency</a>"));

    let json: serde_json::Value =
        serde_json::from_str(&b.read("versus/compare.json")).expect("valid JSON");
    assert_eq!(
        json["matrix_url"],
        "https://db.example.net/field-guide/versus/"
    );
    let ids: Vec<&str> = json["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .map(|s| s["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["sql", "nosql", "newsql"]);
    let statements = json["statements"].as_array().expect("statements");
    assert_eq!(
        statements.len(),
        10 + 9,
        "ten list items and nine table cells"
    );
    assert!(statements
        .iter()
        .all(|s| s["source_url"].as_str().is_some_and(|u| u
            .starts_with("https://db.example.net/field-guide/guides/")
            && u.contains('#'))));

    let broken = b.broken_links();
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}
