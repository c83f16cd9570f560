//! The pros/cons matrix: statements from every page, reconciled by subject and aspect.
//!
//! The markdown stage already found the statements and gave each an anchor. This stage groups
//! them into rows (pros, cons, use cases, then table aspects) and columns (subjects), keeps
//! every source (repeats and disagreements are shown side by side, grouped by page), and works
//! out which pages each source is cited on, for the "compared in" boxes.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::CompareConfig;
use crate::markdown::{Mention, Statement, StatementKind};
use crate::urls::UrlBuilder;

/// The statements and subject mentions of one source page.
pub struct Source<'a> {
    /// Page title.
    pub title: &'a str,
    /// Site path of the page (`notes/a/`).
    pub site_path: &'a str,
    /// Statements extracted from it.
    pub statements: &'a [Statement],
    /// Headings naming a subject.
    pub mentions: &'a [Mention],
}

/// A subject column.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectColumn {
    /// Subject id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Path URL of the subject page.
    pub url: String,
    /// Number of statements about it.
    pub count: usize,
    /// Headings elsewhere that cover it (course lessons, note sections), in site order.
    pub covered_in: Vec<Citation>,
    /// The same headings grouped by page.
    pub covered_pages: Vec<CoveringPage>,
}

/// A page with headings about a subject.
#[derive(Debug, Clone, Serialize)]
pub struct CoveringPage {
    /// Page title.
    pub title: String,
    /// Path URL of the page.
    pub url: String,
    /// Its headings about the subject, in page order.
    pub headings: Vec<Citation>,
}

/// A link to a place in a page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Citation {
    /// Page title.
    pub page: String,
    /// Heading or statement text.
    pub title: String,
    /// Path URL with anchor.
    pub url: String,
}

/// One statement in a cell, linking back to where it was written.
#[derive(Debug, Clone, Serialize)]
pub struct CitedStatement {
    /// Statement HTML.
    pub html: String,
    /// Statement plain text.
    pub text: String,
    /// Path URL of the source sentence (`/notes/a/#monolith-pro-...`).
    pub url: String,
    /// Absolute URL of the source sentence.
    pub permalink: String,
    /// Anchor in the source page.
    pub anchor: String,
}

/// The statements of one cell that come from one page.
#[derive(Debug, Clone, Serialize)]
pub struct SourceGroup {
    /// Source page title.
    pub title: String,
    /// Source page path URL.
    pub url: String,
    /// Its statements, in page order.
    pub statements: Vec<CitedStatement>,
}

/// One cell: a row and a subject.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// Subject id.
    pub subject: String,
    /// Subject display name.
    pub name: String,
    /// Anchor of the cell in the matrix page (`pros-monolith`).
    pub id: String,
    /// Statements grouped by source page.
    pub groups: Vec<SourceGroup>,
    /// Number of statements.
    pub count: usize,
}

/// One row: pros, cons, use cases or a table aspect.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Anchor of the row (`pros`, `aspect-scalability`).
    pub id: String,
    /// Row heading.
    pub label: String,
    /// `"list"` for pros/cons/use cases, `"aspect"` for table rows.
    pub kind: &'static str,
    /// One cell per subject that has statements anywhere, in subject order.
    pub cells: Vec<Cell>,
}

/// A pair of subjects that both have statements.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    /// `monolith-vs-microservices`.
    pub id: String,
    /// "Monolith vs Microservices".
    pub title: String,
    /// Path URL of the pair page.
    pub url: String,
    /// First subject id.
    pub a: String,
    /// Second subject id.
    pub b: String,
}

/// The whole matrix, as templates and `compare.json` see it.
#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    /// Matrix page title.
    pub title: String,
    /// Site path of the matrix page (`compare/`).
    pub site_path: String,
    /// Path URL of the matrix page.
    pub url: String,
    /// Columns.
    pub subjects: Vec<SubjectColumn>,
    /// Rows, lists first, then aspects.
    pub rows: Vec<Row>,
    /// Pairs with data on both sides.
    pub pairs: Vec<Pair>,
    /// Path URL of `compare.json`.
    pub json_url: String,
}

impl Matrix {
    /// Builds the matrix from every source page, in source order.
    pub fn build(config: &CompareConfig, sources: &[Source], urls: &UrlBuilder) -> Matrix {
        let site_path = format!("{}/", config.path);

        // kind -> subject -> source index -> statements
        type Groups<'s> = BTreeMap<usize, Vec<&'s Statement>>;
        let mut table: BTreeMap<StatementKind, BTreeMap<&str, Groups>> = BTreeMap::new();
        let mut aspect_order: Vec<String> = Vec::new();
        for (si, source) in sources.iter().enumerate() {
            for st in source.statements {
                if let StatementKind::Aspect(a) = &st.kind {
                    if !aspect_order.contains(a) {
                        aspect_order.push(a.clone());
                    }
                }
                table
                    .entry(st.kind.clone())
                    .or_default()
                    .entry(st.subject.as_str())
                    .or_default()
                    .entry(si)
                    .or_default()
                    .push(st);
            }
        }

        let mut kinds = vec![
            StatementKind::Pro,
            StatementKind::Con,
            StatementKind::UseCase,
        ];
        kinds.extend(aspect_order.into_iter().map(StatementKind::Aspect));
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let rows: Vec<Row> = kinds
            .into_iter()
            .filter(|k| table.contains_key(k))
            .map(|kind| {
                let by_subject = &table[&kind];
                let cells = config
                    .subjects
                    .iter()
                    .map(|s| {
                        let subject = s.id.as_str();
                        let groups: Vec<SourceGroup> = by_subject
                            .get(subject)
                            .map(|g| {
                                g.iter()
                                    .map(|(&si, sts)| {
                                        let src = &sources[si];
                                        SourceGroup {
                                            title: src.title.to_string(),
                                            url: urls.path(src.site_path),
                                            statements: sts
                                                .iter()
                                                .map(|st| cite(st, src.site_path, urls))
                                                .collect(),
                                        }
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        let count = groups.iter().map(|g| g.statements.len()).sum();
                        *counts.entry(subject).or_default() += count;
                        Cell {
                            subject: subject.to_string(),
                            name: s.name.clone(),
                            id: format!("{}-{}", kind.row_id(), subject),
                            groups,
                            count,
                        }
                    })
                    .collect();
                Row {
                    id: kind.row_id(),
                    label: kind.label(),
                    kind: if matches!(kind, StatementKind::Aspect(_)) {
                        "aspect"
                    } else {
                        "list"
                    },
                    cells,
                }
            })
            .collect();
        // A subject nobody says anything about gets no column: its cells would all be empty.
        let mut rows = rows;
        for row in &mut rows {
            row.cells
                .retain(|c| counts.get(c.subject.as_str()).is_some_and(|&n| n > 0));
        }

        // Headings about each subject, in site order (a course's lessons stay in course order).
        let mut covered: BTreeMap<&str, Vec<Citation>> = BTreeMap::new();
        for src in sources {
            for m in src.mentions {
                let list = covered.entry(m.subject.as_str()).or_default();
                let url = format!("{}#{}", urls.path(src.site_path), m.heading_id);
                if !list.iter().any(|c| c.url == url) {
                    list.push(Citation {
                        page: src.title.to_string(),
                        title: m.heading.clone(),
                        url,
                    });
                }
            }
        }

        let subjects: Vec<SubjectColumn> = config
            .subjects
            .iter()
            .map(|s| SubjectColumn {
                id: s.id.clone(),
                name: s.name.clone(),
                url: urls.path(&format!("{site_path}{}/", s.id)),
                count: counts.get(s.id.as_str()).copied().unwrap_or(0),
                covered_in: covered.get(s.id.as_str()).cloned().unwrap_or_default(),
                covered_pages: group_by_page(covered.get(s.id.as_str())),
            })
            .collect();

        let mut pairs = Vec::new();
        for (i, a) in subjects.iter().enumerate() {
            for b in &subjects[i + 1..] {
                if a.count > 0 && b.count > 0 {
                    let id = format!("{}-vs-{}", a.id, b.id);
                    pairs.push(Pair {
                        url: urls.path(&format!("{site_path}{id}/")),
                        title: format!("{} vs {}", a.name, b.name),
                        id,
                        a: a.id.clone(),
                        b: b.id.clone(),
                    });
                }
            }
        }

        Matrix {
            title: config.title.clone(),
            url: urls.path(&site_path),
            json_url: urls.path(&format!("{site_path}compare.json")),
            site_path,
            subjects,
            rows,
            pairs,
        }
    }

    /// The rows restricted to some subjects' columns, leaving out rows with nothing to show.
    pub fn rows_for(&self, subjects: &[&str]) -> Vec<Row> {
        self.rows
            .iter()
            .filter_map(|row| {
                let cells: Vec<Cell> = subjects
                    .iter()
                    .filter_map(|id| row.cells.iter().find(|c| c.subject == *id).cloned())
                    .collect();
                cells.iter().any(|c| c.count > 0).then(|| Row {
                    id: row.id.clone(),
                    label: row.label.clone(),
                    kind: row.kind,
                    cells,
                })
            })
            .collect()
    }

    /// True when no page had anything to compare.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Site paths of every page the matrix produces: the matrix, subject pages, pair pages.
    pub fn page_paths(&self) -> Vec<String> {
        let mut out = vec![self.site_path.clone()];
        out.extend(
            self.subjects
                .iter()
                .map(|s| format!("{}{}/", self.site_path, s.id)),
        );
        out.extend(
            self.pairs
                .iter()
                .map(|p| format!("{}{}/", self.site_path, p.id)),
        );
        out
    }

    /// For each source site path, the matrix pages that cite it: (title, path URL).
    pub fn citing_pages(&self) -> BTreeMap<String, Vec<(String, String)>> {
        let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut add = |source_url: &str, title: &str, url: &str| {
            let entry = out.entry(source_url.to_string()).or_default();
            if !entry.iter().any(|(_, u)| u == url) {
                entry.push((title.to_string(), url.to_string()));
            }
        };
        for row in &self.rows {
            for cell in &row.cells {
                for g in &cell.groups {
                    add(&g.url, &self.title, &self.url);
                    if let Some(s) = self.subjects.iter().find(|s| s.id == cell.subject) {
                        add(&g.url, &s.name, &s.url);
                    }
                    for p in self
                        .pairs
                        .iter()
                        .filter(|p| p.a == cell.subject || p.b == cell.subject)
                    {
                        add(&g.url, &p.title, &p.url);
                    }
                }
            }
        }
        out
    }

    /// Every anchor each matrix page carries, for link checks: (site path, ids).
    pub fn anchors(&self) -> Vec<(String, Vec<String>)> {
        let mut matrix_ids = vec!["matrix".to_string()];
        for row in &self.rows {
            matrix_ids.push(row.id.clone());
            matrix_ids.extend(row.cells.iter().map(|c| c.id.clone()));
        }
        let ids_of = |rows: Vec<Row>| -> Vec<String> {
            if rows.is_empty() {
                return Vec::new();
            }
            let mut ids = vec!["matrix".to_string()];
            for row in rows {
                ids.push(row.id);
                ids.extend(row.cells.into_iter().map(|c| c.id));
            }
            ids
        };
        let mut out = vec![(self.site_path.clone(), matrix_ids)];
        for s in &self.subjects {
            let ids = ids_of(self.rows_for(&[s.id.as_str()]));
            out.push((format!("{}{}/", self.site_path, s.id), ids));
        }
        for p in &self.pairs {
            let ids = ids_of(self.rows_for(&[p.a.as_str(), p.b.as_str()]));
            out.push((format!("{}{}/", self.site_path, p.id), ids));
        }
        out
    }

    /// The machine-readable matrix written to `compare.json`, as pretty-printed JSON. Its
    /// strings are borrowed from the matrix, not copied into a JSON tree first: at 10,000
    /// pages the file is about 10 MB.
    pub fn json_bytes(&self, urls: &UrlBuilder) -> Vec<u8> {
        let here = |rest: &str| urls.permalink(&format!("{}{rest}", self.site_path));
        let mut statements = Vec::new();
        for row in &self.rows {
            for cell in &row.cells {
                for g in &cell.groups {
                    for s in &g.statements {
                        statements.push(JsonStatement {
                            subject: &cell.subject,
                            row: &row.id,
                            row_label: &row.label,
                            kind: row.kind,
                            aspect: (row.kind == "aspect").then_some(row.label.as_str()),
                            text: &s.text,
                            html: &s.html,
                            source_title: &g.title,
                            source_url: &s.permalink,
                            anchor: &s.anchor,
                            matrix_url: here(&format!("#{}", cell.id)),
                        });
                    }
                }
            }
        }
        let json = JsonMatrix {
            version: 1,
            title: &self.title,
            matrix_url: urls.permalink(&self.site_path),
            subjects: self
                .subjects
                .iter()
                .map(|s| JsonSubject {
                    id: &s.id,
                    name: &s.name,
                    statements: s.count,
                    url: here(&format!("{}/", s.id)),
                })
                .collect(),
            aspects: self
                .rows
                .iter()
                .filter(|r| r.kind == "aspect")
                .map(|r| r.label.as_str())
                .collect(),
            rows: self
                .rows
                .iter()
                .map(|r| JsonRow {
                    id: &r.id,
                    label: &r.label,
                    kind: r.kind,
                    url: here(&format!("#{}", r.id)),
                })
                .collect(),
            pairs: self
                .pairs
                .iter()
                .map(|p| JsonPair {
                    id: &p.id,
                    title: &p.title,
                    a: &p.a,
                    b: &p.b,
                    url: here(&format!("{}/", p.id)),
                })
                .collect(),
            statements,
        };
        // Plain data with string keys: serialising it cannot fail.
        serde_json::to_vec_pretty(&json).unwrap_or_default()
    }
}

/// `compare.json`: the fields in the order they are written.
#[derive(Serialize)]
struct JsonMatrix<'a> {
    version: u32,
    title: &'a str,
    matrix_url: String,
    subjects: Vec<JsonSubject<'a>>,
    aspects: Vec<&'a str>,
    rows: Vec<JsonRow<'a>>,
    pairs: Vec<JsonPair<'a>>,
    statements: Vec<JsonStatement<'a>>,
}

/// A subject of `compare.json`.
#[derive(Serialize)]
struct JsonSubject<'a> {
    id: &'a str,
    name: &'a str,
    statements: usize,
    url: String,
}

/// A row of `compare.json`.
#[derive(Serialize)]
struct JsonRow<'a> {
    id: &'a str,
    label: &'a str,
    kind: &'a str,
    url: String,
}

/// A pair of `compare.json`.
#[derive(Serialize)]
struct JsonPair<'a> {
    id: &'a str,
    title: &'a str,
    a: &'a str,
    b: &'a str,
    url: String,
}

/// One statement of `compare.json`, with where it came from.
#[derive(Serialize)]
struct JsonStatement<'a> {
    subject: &'a str,
    row: &'a str,
    row_label: &'a str,
    kind: &'a str,
    aspect: Option<&'a str>,
    text: &'a str,
    html: &'a str,
    source_title: &'a str,
    source_url: &'a str,
    anchor: &'a str,
    matrix_url: String,
}

fn group_by_page(citations: Option<&Vec<Citation>>) -> Vec<CoveringPage> {
    let mut out: Vec<CoveringPage> = Vec::new();
    for c in citations.into_iter().flatten() {
        let url = c.url.split('#').next().unwrap_or("").to_string();
        match out.iter_mut().find(|p| p.url == url) {
            Some(page) => page.headings.push(c.clone()),
            None => out.push(CoveringPage {
                title: c.page.clone(),
                url,
                headings: vec![c.clone()],
            }),
        }
    }
    out
}

fn cite(st: &Statement, site_path: &str, urls: &UrlBuilder) -> CitedStatement {
    let path = format!("{}#{}", site_path, st.anchor);
    CitedStatement {
        html: st.html.clone(),
        text: st.text.clone(),
        url: urls.path(&path),
        permalink: urls.permalink(&path),
        anchor: st.anchor.clone(),
    }
}
