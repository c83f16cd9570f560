//! Recognising comparison material while a page is rendered.
//!
//! The rules come from `site.toml` (`[compare]`): which names mean which subject, which words
//! label a list of pros, cons or use cases, and which table row names mean the same aspect.
//! Nothing here knows about any particular topic.

use serde::Serialize;

use crate::config::CompareConfig;

/// What a statement says about its subject.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "type", content = "aspect", rename_all = "snake_case")]
pub enum StatementKind {
    /// An advantage.
    Pro,
    /// A drawback.
    Con,
    /// A situation it suits.
    UseCase,
    /// A table row: the aspect's display name.
    Aspect(String),
}

impl StatementKind {
    /// Anchor of this kind's row in the matrix (`pros`, `aspect-scalability`).
    pub fn row_id(&self) -> String {
        match self {
            StatementKind::Pro => "pros".into(),
            StatementKind::Con => "cons".into(),
            StatementKind::UseCase => "use-cases".into(),
            StatementKind::Aspect(name) => format!("aspect-{}", slug(name)),
        }
    }

    /// Human label of the row.
    pub fn label(&self) -> String {
        match self {
            StatementKind::Pro => "Pros".into(),
            StatementKind::Con => "Cons".into(),
            StatementKind::UseCase => "Use cases".into(),
            StatementKind::Aspect(name) => name.clone(),
        }
    }

    fn anchor_word(&self) -> String {
        match self {
            StatementKind::Pro => "pro".into(),
            StatementKind::Con => "con".into(),
            StatementKind::UseCase => "use".into(),
            StatementKind::Aspect(name) => slug(name),
        }
    }
}

/// One extracted statement, with where it lives in its page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    /// Subject id from `site.toml`.
    pub subject: String,
    /// Pro, con, use case or table aspect.
    pub kind: StatementKind,
    /// The statement as HTML (inline markup and links kept).
    pub html: String,
    /// The statement as plain text.
    pub text: String,
    /// Anchor id of the statement in its page.
    pub anchor: String,
    /// 1-based line in the source file.
    pub line: usize,
}

/// Matching rules, normalised once per build.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    subjects: Vec<(String, Vec<Vec<String>>)>,
    names: Vec<(String, String)>,
    labels: Vec<(StatementKind, Vec<String>)>,
    aspects: Vec<(String, Vec<String>)>,
    /// Path URL of the matrix page, for back-links; empty when there is no matrix.
    pub matrix_url: String,
}

impl Rules {
    /// Rules from the `[compare]` settings; `matrix_url` is the matrix page's path URL.
    pub fn new(config: &CompareConfig, matrix_url: String) -> Self {
        // Labels are known even without subjects, so lists that the matrix would take but
        // cannot (no subject declared) are found.
        if !config.enabled {
            return Rules::default();
        }
        let subjects = config
            .subjects
            .iter()
            .map(|s| {
                let mut names = vec![words(&s.name), words(&s.id)];
                names.extend(s.aliases.iter().map(|a| words(a)));
                names.retain(|n| !n.is_empty());
                (s.id.clone(), names)
            })
            .collect();
        let norm = |list: &[String]| list.iter().map(|l| words(l).join(" ")).collect();
        let labels = vec![
            (StatementKind::Pro, norm(&config.labels.pros)),
            (StatementKind::Con, norm(&config.labels.cons)),
            (StatementKind::UseCase, norm(&config.labels.use_cases)),
        ];
        let aspects = config
            .aspects
            .iter()
            .map(|a| {
                let mut names = vec![words(&a.name).join(" ")];
                names.extend(a.aliases.iter().map(|x| words(x).join(" ")));
                (a.name.clone(), names)
            })
            .collect();
        let names = config
            .subjects
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect();
        Rules {
            subjects,
            names,
            labels,
            aspects,
            matrix_url,
        }
    }

    /// Display name of a subject id.
    pub fn subject_name(&self, id: &str) -> Option<&str> {
        self.names
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.as_str())
    }

    /// True when there is anything to extract: some subject is declared.
    pub fn active(&self) -> bool {
        !self.subjects.is_empty()
    }

    /// True when list labels (Pros, Cons, Use cases) are recognised.
    pub fn has_labels(&self) -> bool {
        self.labels.iter().any(|(_, names)| !names.is_empty())
    }

    /// The subject a heading names, when it names exactly one. "Monolith" and "Monolithic
    /// architecture" name `monolith`; "Monolith vs Microservices" names none.
    ///
    /// A heading with a lead before a colon or dash ("Microservices: a system of services") is
    /// about the subject its lead names, even when the rest mentions another one.
    pub fn heading_subject(&self, heading: &str) -> Option<&str> {
        let lead = heading
            .split([':', '—', '–'])
            .next()
            .and_then(|l| l.split(" - ").next())
            .unwrap_or(heading);
        if lead.len() < heading.len() {
            if let Some(found) = self.only_subject(&words(lead)) {
                return Some(found);
            }
        }
        self.only_subject(&words(heading))
    }

    /// The one subject named in `w`, or `None` when it names none or several.
    fn only_subject(&self, w: &[String]) -> Option<&str> {
        let mut found = None;
        for (id, names) in &self.subjects {
            if names.iter().any(|n| contains_words(w, n)) {
                if found.is_some_and(|f| f != id) {
                    return None;
                }
                found = Some(id.as_str());
            }
        }
        found
    }

    /// The list kind a heading introduces: a label alone ("Pros", "Limitations"), or a label
    /// around the subject's name ("Serverless use cases", "When to use a monolith").
    pub fn heading_label(&self, heading: &str) -> Option<StatementKind> {
        if let Some(kind) = self.label_kind(heading) {
            return Some(kind);
        }
        let subject = self.heading_subject(heading)?;
        let names = &self.subjects.iter().find(|(id, _)| id == subject)?.1;
        let mut w = words(heading);
        // Remove the longest name first so "Distributed systems" goes before "Distributed".
        let mut sorted: Vec<&Vec<String>> = names.iter().collect();
        sorted.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for name in sorted {
            while let Some(at) = w.windows(name.len()).position(|win| win == name.as_slice()) {
                w.drain(at..at + name.len());
            }
        }
        // Then the small words that tie a label to a name: "pros of", "when to use a".
        let filler = |x: &String| matches!(x.as_str(), "a" | "an" | "the" | "of" | "for" | "in");
        loop {
            if let Some(kind) = self.label_kind(&w.join(" ")) {
                return Some(kind);
            }
            if w.first().is_some_and(filler) {
                w.remove(0);
            } else if w.last().is_some_and(filler) {
                w.pop();
            } else {
                return None;
            }
        }
    }

    /// The subject a table header cell names: the whole cell must be one of its names.
    pub fn cell_subject(&self, cell: &str) -> Option<&str> {
        let w = words(cell);
        self.subjects
            .iter()
            .find(|(_, names)| names.contains(&w))
            .map(|(id, _)| id.as_str())
    }

    /// The list kind a label ("Pros:", "Use cases") introduces.
    pub fn label_kind(&self, text: &str) -> Option<StatementKind> {
        let t = words(text).join(" ");
        if t.is_empty() {
            return None;
        }
        self.labels
            .iter()
            .find(|(_, names)| names.contains(&t))
            .map(|(k, _)| k.clone())
    }

    /// Canonical aspect name for a table row heading.
    pub fn aspect_name(&self, text: &str) -> String {
        let t = words(text).join(" ");
        self.aspects
            .iter()
            .find(|(_, names)| names.contains(&t))
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| text.trim().trim_end_matches(':').trim().to_string())
    }

    /// A readable anchor for a statement: `monolith-pro-limited-scalability`.
    pub fn statement_anchor(subject: &str, kind: &StatementKind, text: &str) -> String {
        let lead: Vec<String> = words(text).into_iter().take(6).collect();
        let mut id = format!("{subject}-{}", kind.anchor_word());
        if !lead.is_empty() {
            id.push('-');
            id.push_str(&slug(&lead.join(" ")));
        }
        id
    }
}

/// The lower-cased runs of letters and digits in `text`; everything else separates words.
/// Words are compared as they are: "Pro" and "Pros" are different words.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

fn contains_words(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|win| win == needle)
}

/// GitHub-style slug: lower-case, punctuation dropped, spaces to `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            out.push('-');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CompareConfig, Subject};

    fn rules() -> Rules {
        let c = CompareConfig {
            subjects: vec![
                Subject {
                    id: "monolith".into(),
                    name: "Monolith".into(),
                    aliases: vec!["Monolithic".into()],
                },
                Subject {
                    id: "microservices".into(),
                    name: "Microservices".into(),
                    aliases: vec!["Distributed".into(), "Service-oriented".into()],
                },
            ],
            ..CompareConfig::default()
        };
        Rules::new(&c, "/compare/".into())
    }

    #[test]
    fn headings_name_one_subject() {
        let r = rules();
        assert_eq!(
            r.heading_subject("Monolithic architecture"),
            Some("monolith")
        );
        assert_eq!(r.heading_subject("Distributed"), Some("microservices"));
        assert_eq!(
            r.heading_subject("Service-oriented designs"),
            Some("microservices")
        );
        assert_eq!(r.heading_subject("Monolith vs Microservices"), None);
        assert_eq!(r.heading_subject("References"), None);
    }

    #[test]
    fn a_heading_lead_names_its_subject() {
        let c = CompareConfig {
            subjects: vec![
                Subject {
                    id: "microservices".into(),
                    name: "Microservices".into(),
                    aliases: vec![],
                },
                Subject {
                    id: "services".into(),
                    name: "Generic services".into(),
                    aliases: vec!["Services".into()],
                },
            ],
            ..CompareConfig::default()
        };
        let r = Rules::new(&c, "/compare/".into());
        assert_eq!(
            r.heading_subject("Microservices: many services to orchestrate"),
            Some("microservices")
        );
        assert_eq!(
            r.heading_subject("Microservices — a system of services"),
            Some("microservices")
        );
        assert_eq!(r.heading_subject("Microservices and services"), None);
        assert_eq!(r.heading_subject("Microservices vs services: basics"), None);
    }

    #[test]
    fn headings_can_be_labels_about_a_subject() {
        let r = rules();
        assert_eq!(r.heading_label("Pros"), Some(StatementKind::Pro));
        assert_eq!(
            r.heading_label("Monolith use cases"),
            Some(StatementKind::UseCase)
        );
        assert_eq!(
            r.heading_label("When to use a monolith"),
            Some(StatementKind::UseCase)
        );
        assert_eq!(
            r.heading_label("Best for a monolith"),
            Some(StatementKind::UseCase)
        );
        assert_eq!(
            r.heading_label("Cons of microservices"),
            Some(StatementKind::Con)
        );
        assert_eq!(r.heading_label("Monolith checklist"), None);
        assert_eq!(r.heading_label("Monolith"), None);
        assert_eq!(r.heading_label("Distributed pros & cons"), None);
    }

    #[test]
    fn labels_and_cells() {
        let r = rules();
        assert_eq!(r.label_kind("Pros:"), Some(StatementKind::Pro));
        assert_eq!(r.label_kind("Use cases"), Some(StatementKind::UseCase));
        assert_eq!(r.label_kind("Limitations:"), Some(StatementKind::Con));
        assert_eq!(r.label_kind("Notes"), None);
        assert_eq!(r.cell_subject("Monolithic"), Some("monolith"));
        assert_eq!(r.cell_subject("Monolithic apps"), None);
    }

    #[test]
    fn anchors_are_readable() {
        assert_eq!(
            Rules::statement_anchor("monolith", &StatementKind::Con, "Limited scalability"),
            "monolith-con-limited-scalability"
        );
        assert_eq!(
            slug("Key Challenges: Overview & Complexity"),
            "key-challenges-overview--complexity"
        );
    }
}
