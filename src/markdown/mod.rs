//! Markdown to HTML: headings with anchors, a table of contents, checked links, highlighted
//! code, GitHub alerts, shortcodes, and the comparison statements found on the way.
//!
//! Rendering is two passes over pulldown-cmark's events. The first rewrites inline material
//! (links, images, code blocks, raw HTML) and records every link and image for the site-wide
//! checks. The second handles block structure: heading ids and subject scopes, labelled lists
//! and comparison tables (whose items get anchors and become [`Statement`]s), and alerts. It
//! also records the comparison material the matrix cannot take (labelled lists under no
//! subject, table columns that name none), which `archsite check` reports.

pub mod extract;
pub mod ids;
pub mod shortcodes;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::ops::Range;

use pulldown_cmark::{
    html::push_html, Alignment, BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, Options,
    Parser, Tag, TagEnd,
};
use serde::Serialize;

use crate::content::Document;
use crate::error::Problem;
use crate::highlight::{escape, Highlighter};
use crate::urls::{is_external, UrlBuilder};
pub use extract::{Rules, Statement, StatementKind};
use ids::IdSet;
use shortcodes::Call;

/// Renders a shortcode call to HTML; implemented by the template stage.
pub trait ShortcodeRenderer: Sync {
    /// HTML for `call` on the page at `page_url`, or an error message.
    fn render(&self, call: &Call, page_url: &str) -> Result<String, String>;
}

/// What rendering needs from the rest of the build.
pub struct Env<'a> {
    /// URL builder of the site.
    pub urls: &'a UrlBuilder,
    /// Shared code highlighter.
    pub highlighter: &'a Highlighter,
    /// Comparison extraction rules.
    pub rules: &'a Rules,
    /// Escape raw HTML instead of passing it through.
    pub escape_html: bool,
    /// Site path of every document, by its path relative to `content/`.
    pub pages: &'a crate::content::SitePaths<'a>,
    /// Renders shortcodes.
    pub shortcodes: &'a dyn ShortcodeRenderer,
    /// Ids the page layout already uses (`main`, `sidebar`); headings get other ids.
    pub reserved_ids: &'a HashSet<String>,
}

/// One entry of a page's table of contents.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TocEntry {
    /// Heading level, 2 to 4.
    pub level: u8,
    /// Anchor id.
    pub id: String,
    /// Heading text.
    pub title: String,
    /// Nested entries.
    pub children: Vec<TocEntry>,
}

/// Where a link points, once resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// A page or file of this site: its site path and optional anchor.
    Internal {
        /// Site path (`notes/a/`, `img/x.svg`).
        site_path: String,
        /// Anchor without `#`.
        anchor: Option<String>,
    },
    /// Another site; never fetched.
    External(String),
    /// A markdown file that does not exist, or a path that leaves the site.
    Missing(String),
}

/// A link found in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// 1-based line in the source file.
    pub line: usize,
    /// The link as written.
    pub written: String,
    /// Resolved target.
    pub target: LinkTarget,
}

/// A heading that names a subject: the matrix lists it under "covered in".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mention {
    /// Subject id.
    pub subject: String,
    /// Anchor id of the heading.
    pub heading_id: String,
    /// Heading text.
    pub heading: String,
}

/// The result of rendering one document.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// Body HTML.
    pub html: String,
    /// Nested table of contents (levels 2-4).
    pub toc: Vec<TocEntry>,
    /// Every id in the body, for anchor checks.
    pub anchors: HashSet<String>,
    /// Every link, for the site-wide check.
    pub links: Vec<Link>,
    /// Comparison statements found in the page.
    pub statements: Vec<Statement>,
    /// Plain text, for search and reading time.
    pub text: String,
    /// Headings as (id, text), in order.
    pub headings: Vec<(String, String)>,
    /// First paragraph as plain text, for descriptions.
    pub summary: String,
    /// Number of words in `text`, for reading time.
    pub word_count: usize,
    /// Problems other than links (shortcodes).
    pub problems: Vec<Problem>,
    /// Headings that name a subject, in order.
    pub mentions: Vec<Mention>,
    /// Minutes of every `Duration: ...` paragraph, in order.
    pub durations: Vec<u32>,
    /// Labelled lists (Pros, Cons, Use cases) under no heading that names a subject: the
    /// matrix leaves them out.
    pub unscoped_lists: Vec<UnscopedList>,
    /// Header cells of comparison tables that name no subject: the matrix leaves their cells
    /// out.
    pub unnamed_columns: Vec<UnnamedColumn>,
    /// Every image: markdown images, raw `<img>` tags and `img` shortcodes.
    pub images: Vec<Image>,
}

/// A list with a Pros / Cons / Use cases label that no heading above it ties to a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnscopedList {
    /// 1-based line of the list.
    pub line: usize,
    /// The label as written, without a trailing colon (`Pros`, `Limitations`).
    pub label: String,
    /// The innermost heading above the list, if any.
    pub heading: Option<String>,
}

/// A header cell of a comparison table (one whose header names a subject) that names none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnnamedColumn {
    /// 1-based line of the table.
    pub line: usize,
    /// The header cell's text.
    pub header: String,
}

/// An image in a page, for the alt text check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// 1-based line.
    pub line: usize,
    /// The source as written.
    pub src: String,
    /// False when readers who cannot see the image get nothing: a markdown image with empty
    /// alt text, an `<img>` tag with no `alt` attribute (`alt=""` marks a decorative image and
    /// counts as alt text), an `img` shortcode with no or empty `alt`.
    pub has_alt: bool,
    /// From an `img` shortcode, whose template may refuse a missing alt itself.
    pub shortcode: bool,
}

/// Markdown extensions archsite enables.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_GFM
        | Options::ENABLE_DEFINITION_LIST
}

/// Renders a document's body.
pub fn render(doc: &Document, env: &Env) -> Rendered {
    let mut out = Rendered::default();
    let (text, calls) = match shortcodes::extract(&doc.body) {
        Ok(x) => x,
        Err((line, msg)) => {
            out.problems.push(Problem::error(
                &doc.file,
                Some(line + doc.body_line_offset),
                msg,
            ));
            (Cow::Borrowed(doc.body.as_str()), Vec::new())
        }
    };
    let lines = LineIndex::new(&text, doc.body_line_offset);
    let page_url = env.urls.path(&doc.site_path);
    for call in calls.iter().filter(|c| c.name == "img") {
        out.images.push(Image {
            line: call.line + doc.body_line_offset,
            src: call.kw.get("src").cloned().unwrap_or_default(),
            has_alt: call.kw.get("alt").is_some_and(|a| !a.trim().is_empty()),
            shortcode: true,
        });
    }

    let mut r = Renderer {
        doc,
        env,
        lines: &lines,
        out: &mut out,
        used_ids: IdSet::new(env.reserved_ids),
        explicit_ids: HashMap::new(),
    };
    // The parser's events go through the first pass as they come: only its output is held.
    let events = r.inline_pass(Parser::new_ext(&text, options()).into_offset_iter());
    let mut html = String::with_capacity(text.len() * 3 / 2);
    r.block_pass_into(events, &mut html);
    if !calls.is_empty() {
        html = r.insert_shortcodes(html, &calls, &page_url);
        // Placeholders are not words: keep them out of search text and summaries.
        let mut text = String::with_capacity(out.text.len());
        shortcodes::push_without_placeholders(&mut text, &out.text);
        out.text = text;
        let mut summary = String::new();
        shortcodes::push_without_placeholders(&mut summary, &out.summary);
        out.summary = summary.trim().to_string();
    }
    out.html = html;
    // The page is kept for the rest of the build: a large one gives back what its buffers grew
    // past their contents.
    for s in [&mut out.html, &mut out.text] {
        if s.capacity() - s.len() > 1 << 20 {
            s.shrink_to_fit();
        }
    }
    out.word_count = out.text.split_whitespace().count();
    out
}

/// Maps byte offsets in the body to file line numbers.
struct LineIndex {
    starts: Vec<usize>,
    offset: usize,
}

impl LineIndex {
    fn new(text: &str, offset: usize) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts, offset }
    }

    fn line(&self, pos: usize) -> usize {
        let idx = match self.starts.binary_search(&pos) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        idx + 1 + self.offset
    }
}

struct Renderer<'r, 'e> {
    doc: &'r Document,
    env: &'r Env<'e>,
    lines: &'r LineIndex,
    out: &'r mut Rendered,
    /// Every id of the page so far.
    used_ids: IdSet,
    /// Explicit heading ids (`{#id}`) and the line of the heading that sets each.
    explicit_ids: HashMap<String, usize>,
}

type Ev<'a> = (Event<'a>, Range<usize>);

impl<'r, 'e> Renderer<'r, 'e> {
    /// First pass: links, images, code blocks, raw HTML, plain text.
    fn inline_pass<'a>(&mut self, events: impl Iterator<Item = Ev<'a>>) -> Vec<Ev<'a>> {
        let mut result = Vec::new();
        // Markdown images being read, innermost last, with whether alt text came so far.
        let mut images: Vec<Image> = Vec::new();
        let mut iter = events;
        while let Some((event, range)) = iter.next() {
            if let Some(image) = images.last_mut() {
                match &event {
                    Event::Text(t) | Event::Code(t) => image.has_alt |= !t.trim().is_empty(),
                    Event::End(TagEnd::Image) => {
                        if let Some(image) = images.pop() {
                            self.out.images.push(image);
                        }
                    }
                    _ => {}
                }
            }
            match event {
                Event::Start(tag @ (Tag::Link { .. } | Tag::Image { .. })) => {
                    let line = self.lines.line(range.start);
                    if let Tag::Image { dest_url, .. } = &tag {
                        images.push(Image {
                            line,
                            src: dest_url.to_string(),
                            has_alt: false,
                            shortcode: false,
                        });
                    }
                    let tag = self.rewrite_target(tag, line);
                    result.push((Event::Start(tag), range));
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    let lang = match &kind {
                        CodeBlockKind::Fenced(info) => {
                            info.split([' ', ',', '{']).next().unwrap_or("").to_string()
                        }
                        CodeBlockKind::Indented => String::new(),
                    };
                    let mut code = String::new();
                    for (e, _) in iter.by_ref() {
                        match e {
                            Event::Text(t) => code.push_str(&t),
                            Event::End(TagEnd::CodeBlock) => break,
                            _ => {}
                        }
                    }
                    self.out.text.push_str(&code);
                    self.out.text.push('\n');
                    let html = self.env.highlighter.block(&lang, &code);
                    result.push((Event::Html(html.into()), range));
                }
                Event::Html(h) | Event::InlineHtml(h) if self.env.escape_html => {
                    result.push((Event::Text(h), range));
                }
                Event::Html(h) => {
                    self.collect_html_ids(&h);
                    self.collect_html_images(&h, range.start);
                    result.push((Event::Html(h), range));
                }
                Event::InlineHtml(h) => {
                    self.collect_html_ids(&h);
                    self.collect_html_images(&h, range.start);
                    result.push((Event::InlineHtml(h), range));
                }
                Event::Text(t) => {
                    self.out.text.push_str(&t);
                    result.push((Event::Text(t), range));
                }
                Event::Code(t) => {
                    self.out.text.push_str(&t);
                    result.push((Event::Code(t), range));
                }
                Event::SoftBreak | Event::HardBreak => {
                    self.out.text.push(' ');
                    result.push((event, range));
                }
                Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => {
                    self.out.text.push('\n');
                    result.push((event, range));
                }
                Event::TaskListMarker(done) => {
                    // pulldown-cmark's checkbox has no accessible name; give it one.
                    let (checked, label) = if done {
                        (" checked=\"\"", "Done")
                    } else {
                        ("", "Not done")
                    };
                    result.push((
                        Event::InlineHtml(
                            format!(
                                "<input disabled=\"\" type=\"checkbox\"{checked} aria-label=\"{label}\"/>\n"
                            )
                            .into(),
                        ),
                        range,
                    ));
                }
                Event::Start(Tag::Heading {
                    id: Some(ref id), ..
                }) => {
                    let line = self.lines.line(range.start);
                    self.note_explicit_id(id, line);
                    result.push((event, range));
                }
                Event::Start(Tag::FootnoteDefinition(ref label)) => {
                    // The definition's id is its label; headings must not take it too.
                    self.out.anchors.insert(label.to_string());
                    self.used_ids.take(label);
                    result.push((event, range));
                }
                other => result.push((other, range)),
            }
        }
        self.claim_explicit_ids();
        result
    }

    /// Records an explicit heading id; a second heading with the same id is an error.
    fn note_explicit_id(&mut self, id: &str, line: usize) {
        match self.explicit_ids.get(id) {
            Some(first) => self.out.problems.push(Problem::error(
                &self.doc.file,
                Some(line),
                format!(
                    "heading id `{id}` is already set on line {first}: ids must be unique in a page"
                ),
            )),
            None => {
                self.explicit_ids.insert(id.to_string(), line);
            }
        }
    }

    /// Takes the explicit heading ids before any automatic id is made, so automatic ids step
    /// aside from them wherever they are in the page. An explicit id that the page layout,
    /// raw HTML or a footnote already uses is an error.
    fn claim_explicit_ids(&mut self) {
        let mut claimed: Vec<(&String, &usize)> = self.explicit_ids.iter().collect();
        claimed.sort_by_key(|(_, line)| **line);
        let mut refused = Vec::new();
        for (id, &line) in claimed {
            if !self.used_ids.take(id) {
                let by = if self.env.reserved_ids.contains(id.as_str()) {
                    "the page layout"
                } else {
                    "raw HTML or a footnote in this page"
                };
                self.out.problems.push(Problem::error(
                    &self.doc.file,
                    Some(line),
                    format!("heading id `{id}` is already used by {by}: choose another"),
                ));
                refused.push(id.clone());
            }
        }
        for id in refused {
            self.explicit_ids.remove(&id);
        }
    }

    /// Records the ids raw HTML sets: links may point at them, headings must not take them.
    fn collect_html_ids(&mut self, html: &str) {
        for id in html_ids(html) {
            self.out.anchors.insert(id.to_string());
            self.used_ids.take(id);
        }
    }

    /// Records the `<img>` tags of raw HTML that starts at byte `start` of the body.
    fn collect_html_images(&mut self, html: &str, start: usize) {
        for (at, src, has_alt) in img_tags(html) {
            self.out.images.push(Image {
                line: self.lines.line(start + at),
                src,
                has_alt,
                shortcode: false,
            });
        }
    }

    /// A link or image tag with its target resolved (and recorded for the link check).
    fn rewrite_target<'a>(&mut self, tag: Tag<'a>, line: usize) -> Tag<'a> {
        match tag {
            Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            } => Tag::Link {
                link_type,
                dest_url: self.resolve(&dest_url, line, false).into(),
                title,
                id,
            },
            Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            } => Tag::Image {
                link_type,
                dest_url: self.resolve(&dest_url, line, true).into(),
                title,
                id,
            },
            other => other,
        }
    }

    /// Resolves a link or image target (`image`: an image's source), records it and returns
    /// the URL to write. With `escape_html` on, a URL that would run script (`javascript:`,
    /// `vbscript:`, a `data:` document) is written empty and reported as a warning.
    fn resolve(&mut self, dest: &str, line: usize, image: bool) -> String {
        if self.env.escape_html {
            if let Some(scheme) = crate::urls::unsafe_scheme(dest, image) {
                self.out.problems.push(Problem::warning(
                    &self.doc.file,
                    Some(line),
                    format!(
                        "a `{scheme}:` URL was left out: escape_html is on, and such links run script or open a document the page does not control"
                    ),
                ));
                return String::new();
            }
        }
        let (url, target) = resolve_target(dest, self.doc, self.env);
        if let Some(target) = target {
            self.out.links.push(Link {
                line,
                written: dest.to_string(),
                target,
            });
        }
        url
    }

    /// Second pass, written straight into `html`: headings, labelled lists, tables, alerts.
    /// Each top-level construct is handled when the HTML writer reaches it, so the pass's
    /// output is never held whole beside its input (a large page would hold both).
    fn block_pass_into<'a>(&mut self, events: Vec<Ev<'a>>, html: &mut String) {
        let mut state = BlockState::default();
        let mut buf: VecDeque<Event<'a>> = VecDeque::new();
        let mut i = 0;
        let stream = std::iter::from_fn(|| loop {
            if let Some(e) = buf.pop_front() {
                return Some(e);
            }
            if i >= events.len() {
                return None;
            }
            i = self.block_step(&events, i, &mut state, &mut buf);
        });
        push_html(html, stream);
        self.out.toc = nest_toc(&state.flat_toc);
    }

    /// Handles the construct that starts at `events[i]`, appending its output to `out`;
    /// returns the index after it.
    fn block_step<'a>(
        &mut self,
        events: &[Ev<'a>],
        i: usize,
        state: &mut BlockState,
        out: &mut VecDeque<Event<'a>>,
    ) -> usize {
        let BlockState {
            scope,
            pending_label,
            flat_toc,
        } = state;
        let result = out;
        {
            let (event, range) = &events[i];
            match event {
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs: _,
                }) => {
                    let end = matching_end(events, i);
                    let inner = &events[i + 1..end];
                    let text = plain_text(inner);
                    let id = match id {
                        // The first heading to set an explicit id has it as written.
                        Some(id) if self.explicit_ids.remove(id.as_ref()).is_some() => {
                            self.out.anchors.insert(id.to_string());
                            id.to_string()
                        }
                        Some(id) => self.unique_id(id),
                        None => {
                            let wanted = extract::slug(&text);
                            self.unique_id(if wanted.is_empty() {
                                "section"
                            } else {
                                &wanted
                            })
                        }
                    };
                    let lvl = heading_level(*level);
                    while scope.last().is_some_and(|s| s.level >= lvl) {
                        scope.pop();
                    }
                    let rules = self.env.rules;
                    scope.push(Scope {
                        level: lvl,
                        subject: rules.heading_subject(&text).map(str::to_string),
                        label: rules.heading_label(&text),
                        heading: text.clone(),
                    });
                    *pending_label = None;
                    if (2..=4).contains(&lvl) {
                        flat_toc.push((lvl, id.clone(), text.clone()));
                    }
                    self.out.headings.push((id.clone(), text.clone()));
                    let mention = scope.last().and_then(|s| s.subject.clone());
                    let class_attr = if classes.is_empty() {
                        String::new()
                    } else {
                        let c: Vec<&str> = classes.iter().map(|c| c.as_ref()).collect();
                        format!(" class=\"{}\"", escape(&c.join(" ")))
                    };
                    result.push_back(Event::Html(
                        format!("<h{lvl} id=\"{}\"{class_attr}>", escape(&id)).into(),
                    ));
                    result.extend(inner.iter().map(|(e, _)| e.clone()));
                    result.push_back(Event::Html(
                        format!(
                            " <a class=\"anchor\" href=\"#{}\" aria-label=\"Permalink to this section\">#</a></h{lvl}>\n",
                            escape(&id)
                        )
                        .into(),
                    ));
                    if let Some(subject) = mention {
                        let link = self.subject_link(&subject, self.lines.line(range.start));
                        result.push_back(Event::Html(link.into()));
                        self.out.mentions.push(Mention {
                            subject,
                            heading_id: id.clone(),
                            heading: text.clone(),
                        });
                    }
                    return end + 1;
                }
                Event::Start(Tag::Paragraph) => {
                    let end = matching_end(events, i);
                    let inner = &events[i + 1..end];
                    let para = plain_text(inner);
                    *pending_label = None;
                    if self.env.rules.has_labels() && is_label_shape(inner, &para) {
                        match self.env.rules.label_kind(&para) {
                            Some(kind) => {
                                let written = para.trim_end_matches(':').trim_end().to_string();
                                *pending_label = Some(Some((kind, written)));
                            }
                            None if is_emphasised(inner) => *pending_label = Some(None),
                            None => {}
                        }
                    }
                    if let Some(minutes) = para.strip_prefix("Duration:").and_then(parse_duration) {
                        self.out.durations.push(minutes);
                    } else if self.out.summary.is_empty() {
                        self.out.summary = para;
                    }
                    result.extend(events[i..=end].iter().map(|(e, _)| e.clone()));
                    return end + 1;
                }
                Event::Start(Tag::List(_)) => {
                    let end = matching_end(events, i);
                    // The label paragraph just before the list, else the innermost heading's.
                    let (kind, written) = match pending_label.take() {
                        Some(Some((kind, written))) => (Some(kind), Some(written)),
                        Some(None) => (None, None),
                        None => (scope.last().and_then(|s| s.label.clone()), None),
                    };
                    match (kind, current_subject(scope)) {
                        (Some(kind), Some(subject)) => {
                            let subject = subject.to_string();
                            self.extract_list(&events[i..=end], &subject, &kind, result);
                        }
                        (kind, subject) => {
                            if kind.is_some() && subject.is_none() {
                                let heading = scope.last().map(|s| s.heading.clone());
                                self.out.unscoped_lists.push(UnscopedList {
                                    line: self.lines.line(range.start),
                                    label: written.or_else(|| heading.clone()).unwrap_or_default(),
                                    heading,
                                });
                            }
                            result.extend(events[i..=end].iter().map(|(e, _)| e.clone()));
                        }
                    }
                    return end + 1;
                }
                Event::Start(Tag::Table(aligns)) => {
                    let end = matching_end(events, i);
                    let html = self.table(&events[i + 1..end], aligns, range.start);
                    result.push_back(Event::Html(html.into()));
                    *pending_label = None;
                    return end + 1;
                }
                Event::Start(Tag::BlockQuote(Some(kind))) => {
                    let (class, title) = alert_kind(*kind);
                    result.push_back(Event::Html(
                        format!(
                            "<div class=\"alert alert-{class}\" role=\"note\"><p class=\"alert-title\">{title}</p>\n"
                        )
                        .into(),
                    ));
                    *pending_label = None;
                }
                Event::End(TagEnd::BlockQuote(Some(_))) => {
                    result.push_back(Event::Html("</div>\n".into()));
                }
                Event::Start(_) => {
                    *pending_label = None;
                    result.push_back(event.clone());
                }
                _ => result.push_back(event.clone()),
            }
            i + 1
        }
    }

    /// A free id for an automatic anchor: `wanted`, else `wanted-1`, `wanted-2`, ...
    fn unique_id(&mut self, wanted: &str) -> String {
        let id = self.used_ids.unique(wanted);
        self.out.anchors.insert(id.clone());
        id
    }

    /// Emits a labelled list, giving each top-level item an anchor and a statement.
    fn extract_list<'a>(
        &mut self,
        list: &[Ev<'a>],
        subject: &str,
        kind: &StatementKind,
        result: &mut VecDeque<Event<'a>>,
    ) {
        result.push_back(list[0].0.clone());
        let mut j = 1;
        while j < list.len() - 1 {
            if let Event::Start(Tag::Item) = list[j].0 {
                let end = matching_end(list, j);
                let inner = &list[j + 1..end];
                let (lead, text) = item_text(inner);
                let mut html = String::new();
                push_html(&mut html, inner.iter().map(|(e, _)| e.clone()));
                let anchor = self.unique_id(&Rules::statement_anchor(subject, kind, &lead));
                self.out.statements.push(Statement {
                    subject: subject.to_string(),
                    kind: kind.clone(),
                    html: strip_paragraph(&html),
                    text,
                    anchor: anchor.clone(),
                    line: self.lines.line(list[j].1.start),
                });
                result.push_back(Event::Html(
                    format!("<li id=\"{}\">", escape(&anchor)).into(),
                ));
                result.extend(inner.iter().map(|(e, _)| e.clone()));
                result.push_back(Event::Html("</li>\n".into()));
                j = end + 1;
            } else {
                result.push_back(list[j].0.clone());
                j += 1;
            }
        }
        result.push_back(list[list.len() - 1].0.clone());
        let line = self.lines.line(list[0].1.start);
        let backlink = self.backlink(kind, subject, line);
        result.push_back(Event::Html(backlink.into()));
    }

    /// A link from an extracted list or table to its cell in the matrix.
    fn backlink(&mut self, kind: &StatementKind, subject: &str, line: usize) -> String {
        let rules = self.env.rules;
        if rules.matrix_url.is_empty() {
            return String::new();
        }
        let anchor = format!("{}-{}", kind.row_id(), subject);
        let compare_path = self
            .env
            .urls
            .strip_base(&rules.matrix_url)
            .unwrap_or("")
            .to_string();
        self.out.links.push(Link {
            line,
            written: format!("{}#{}", rules.matrix_url, anchor),
            target: LinkTarget::Internal {
                site_path: compare_path,
                anchor: Some(anchor.clone()),
            },
        });
        format!(
            "<p class=\"compare-backlink\"><a href=\"{}#{}\">{} in the comparison matrix</a></p>\n",
            escape(&rules.matrix_url),
            escape(&anchor),
            escape(&kind.label()),
        )
    }

    /// Links from a comparison table to the matrix rows its rows became.
    fn table_backlink(&mut self, aspects: &[StatementKind], line: usize) -> String {
        let rules = self.env.rules;
        if rules.matrix_url.is_empty() || aspects.is_empty() {
            return String::new();
        }
        let compare_path = self
            .env
            .urls
            .strip_base(&rules.matrix_url)
            .unwrap_or("")
            .to_string();
        let mut links = Vec::new();
        for kind in aspects {
            let anchor = kind.row_id();
            self.out.links.push(Link {
                line,
                written: format!("{}#{}", rules.matrix_url, anchor),
                target: LinkTarget::Internal {
                    site_path: compare_path.clone(),
                    anchor: Some(anchor.clone()),
                },
            });
            links.push(format!(
                "<a href=\"{}#{}\">{}</a>",
                escape(&rules.matrix_url),
                escape(&anchor),
                escape(&kind.label())
            ));
        }
        format!(
            "<p class=\"compare-backlink\">In the comparison matrix: {}</p>\n",
            links.join(" · ")
        )
    }

    /// A link from a heading that names a subject to that subject's matrix page.
    fn subject_link(&mut self, subject: &str, line: usize) -> String {
        let rules = self.env.rules;
        if rules.matrix_url.is_empty() {
            return String::new();
        }
        let url = format!("{}{subject}/", rules.matrix_url);
        let site_path = self.env.urls.strip_base(&url).unwrap_or("").to_string();
        self.out.links.push(Link {
            line,
            written: url.clone(),
            target: LinkTarget::Internal {
                site_path,
                anchor: None,
            },
        });
        let name = rules.subject_name(subject).unwrap_or(subject);
        format!(
            "<p class=\"subject-link\"><a href=\"{}\">Everything about {} in the comparison</a></p>\n",
            escape(&url),
            escape(name)
        )
    }

    /// Renders a table inside a scrolling wrapper; a table whose header names subjects yields
    /// one statement per cell.
    fn table(&mut self, inner: &[Ev], aligns: &[Alignment], start: usize) -> String {
        // Split into rows of cells, each cell a slice of events.
        let mut rows: Vec<Vec<&[Ev]>> = Vec::new();
        let mut j = 0;
        while j < inner.len() {
            match inner[j].0 {
                Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => rows.push(Vec::new()),
                Event::Start(Tag::TableCell) => {
                    let end = matching_end(inner, j);
                    if let Some(row) = rows.last_mut() {
                        row.push(&inner[j + 1..end]);
                    }
                    j = end;
                }
                _ => {}
            }
            j += 1;
        }
        let Some((head, body)) = rows.split_first() else {
            return String::new();
        };
        let rules = self.env.rules;
        let subjects: Vec<Option<String>> = head
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                (c > 0 && rules.active())
                    .then(|| rules.cell_subject(&plain_text(cell)).map(str::to_string))
                    .flatten()
            })
            .collect();
        let is_comparison = subjects.iter().any(Option::is_some);
        let line = self.lines.line(start);
        if is_comparison {
            for (cell, subject) in head.iter().zip(&subjects).skip(1) {
                let header = plain_text(cell);
                if subject.is_none() && !header.is_empty() {
                    self.out
                        .unnamed_columns
                        .push(UnnamedColumn { line, header });
                }
            }
        }
        let style = |c: usize| match aligns.get(c) {
            Some(Alignment::Left) => " style=\"text-align: left\"",
            Some(Alignment::Center) => " style=\"text-align: center\"",
            Some(Alignment::Right) => " style=\"text-align: right\"",
            _ => "",
        };
        let mut html = String::from("<div class=\"table-wrap\"><table>\n<thead><tr>");
        for (c, cell) in head.iter().enumerate() {
            html.push_str(&format!(
                "<th scope=\"col\"{}>{}</th>",
                style(c),
                cell_html(cell)
            ));
        }
        html.push_str("</tr></thead>\n<tbody>\n");
        let mut aspects: Vec<StatementKind> = Vec::new();
        for row in body {
            html.push_str("<tr>");
            let aspect = row
                .first()
                .map(|c| rules.aspect_name(&plain_text(c)))
                .unwrap_or_default();
            for (c, cell) in row.iter().enumerate() {
                let content = cell_html(cell);
                if c == 0 {
                    let tag = if is_comparison {
                        "th scope=\"row\""
                    } else {
                        "td"
                    };
                    let close = if is_comparison { "th" } else { "td" };
                    html.push_str(&format!("<{tag}{}>{content}</{close}>", style(c)));
                    continue;
                }
                match subjects.get(c).cloned().flatten() {
                    Some(subject) if !aspect.is_empty() && !plain_text(cell).trim().is_empty() => {
                        let kind = StatementKind::Aspect(aspect.clone());
                        let anchor =
                            self.unique_id(&format!("{subject}-{}", extract::slug(&aspect)));
                        if !aspects.contains(&kind) {
                            aspects.push(kind.clone());
                        }
                        self.out.statements.push(Statement {
                            subject,
                            kind,
                            html: content.clone(),
                            text: plain_text(cell),
                            anchor: anchor.clone(),
                            line,
                        });
                        html.push_str(&format!(
                            "<td id=\"{}\"{}>{content}</td>",
                            escape(&anchor),
                            style(c)
                        ));
                    }
                    _ => html.push_str(&format!("<td{}>{content}</td>", style(c))),
                }
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</tbody></table></div>\n");
        html.push_str(&self.table_backlink(&aspects, line));
        html
    }

    /// Puts rendered shortcodes where their placeholders are, in one pass over the page (and
    /// over each statement that carries one).
    fn insert_shortcodes(&mut self, html: String, calls: &[Call], page_url: &str) -> String {
        let mut rendered = Vec::with_capacity(calls.len());
        for call in calls {
            let line = call.line + self.doc.body_line_offset;
            let mut call = call.clone();
            for key in ["src", "href"] {
                if let Some(v) = call.kw.get(key).cloned() {
                    let mut url = self.resolve(&v, line, key == "src");
                    if url.is_empty() && !v.is_empty() {
                        // Left out as unsafe: the template still gets a value.
                        url = "#".into();
                    }
                    call.kw.insert(key.into(), url);
                }
            }
            rendered.push(match self.env.shortcodes.render(&call, page_url) {
                Ok(h) => h,
                Err(msg) => {
                    self.out
                        .problems
                        .push(Problem::error(&self.doc.file, Some(line), msg));
                    String::new()
                }
            });
        }
        // Statements copied out of the page carry the same placeholders.
        for st in self.out.statements.iter_mut() {
            if st.html.contains('\u{E000}') {
                st.html = shortcodes::fill_placeholders(&st.html, &rendered, false);
            }
        }
        shortcodes::fill_placeholders(&html, &rendered, true)
    }
}

/// Resolves a link target written in `doc`: returns the URL to write and what to check.
pub fn resolve_target(dest: &str, doc: &Document, env: &Env) -> (String, Option<LinkTarget>) {
    if dest.is_empty() {
        return (String::new(), None);
    }
    if is_external(dest) {
        return (
            dest.to_string(),
            Some(LinkTarget::External(dest.to_string())),
        );
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (dest, None),
    };
    let path = path.split('?').next().unwrap_or("");
    let with_fragment = |url: String| match &fragment {
        Some(f) => format!("{url}#{f}"),
        None => url,
    };
    if path.is_empty() {
        let target = LinkTarget::Internal {
            site_path: doc.site_path.clone(),
            anchor: fragment.clone(),
        };
        return (dest.to_string(), Some(target));
    }
    let folder = doc.rel.rsplit_once('/').map(|(f, _)| f).unwrap_or("");
    let decoded = crate::urls::percent_decode(path);
    let (base, rel) = if let Some(p) = decoded.strip_prefix("@/") {
        ("", p.to_string())
    } else if let Some(p) = decoded.strip_prefix('/') {
        ("", p.to_string())
    } else {
        (folder, decoded.clone())
    };
    let Some(joined) = crate::urls::join_path(base, &rel) else {
        return (
            dest.to_string(),
            Some(LinkTarget::Missing(format!(
                "`{dest}` points above the site root"
            ))),
        );
    };
    // Books written for mdBook link chapters by their output name: `chapter.html` is the page
    // of `chapter.md` when there is one (a real `.html` file in content/ is not a page).
    let joined = match joined.strip_suffix(".html") {
        Some(stem) if !decoded.starts_with('/') => {
            let md = format!("{stem}.md");
            if env.pages.contains_key(md.as_str()) {
                md
            } else {
                joined
            }
        }
        _ => joined,
    };
    if joined.ends_with(".md") {
        return match env.pages.get(joined.as_str()) {
            Some(site_path) => (
                with_fragment(env.urls.path(site_path)),
                Some(LinkTarget::Internal {
                    site_path: site_path.to_string(),
                    anchor: fragment,
                }),
            ),
            None => (
                dest.to_string(),
                Some(LinkTarget::Missing(format!(
                    "`{dest}` points to content/{joined}, which does not exist"
                ))),
            ),
        };
    }
    let keep_slash = rel.ends_with('/') && !joined.is_empty();
    let site_path = if keep_slash {
        format!("{joined}/")
    } else if decoded.starts_with('/') {
        // A site path, as published.
        joined
    } else {
        // A file under content/: a page bundle's files are published under the page's URL.
        let site_path_of = |rel: &str| env.pages.get(rel).copied();
        crate::content::bundle_file_path(&joined, site_path_of).unwrap_or(joined)
    };
    (
        with_fragment(env.urls.path(&site_path)),
        Some(LinkTarget::Internal {
            site_path,
            anchor: fragment,
        }),
    )
}

/// Minutes in "1 hour, 5 minutes", "55 minutes", "2 h 10 min" or "1h5m".
pub fn parse_duration(text: &str) -> Option<u32> {
    let mut total = 0u32;
    let mut number: Option<u32> = None;
    let mut found = false;
    let lower = text.to_lowercase();
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut n = c.to_digit(10)?;
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                n = n.checked_mul(10)?.checked_add(d)?;
                chars.next();
            }
            number = Some(n);
        } else if c.is_alphabetic() {
            let mut word = String::from(c);
            while let Some(&d) = chars.peek() {
                if !d.is_alphabetic() {
                    break;
                }
                word.push(d);
                chars.next();
            }
            if let Some(n) = number.take() {
                if word.starts_with('h') {
                    total = total.checked_add(n.checked_mul(60)?)?;
                    found = true;
                } else if word.starts_with('m') {
                    total = total.checked_add(n)?;
                    found = true;
                }
            }
        }
    }
    found.then_some(total)
}

fn matching_end(events: &[Ev], start: usize) -> usize {
    let mut depth = 0usize;
    for (k, (e, _)) in events.iter().enumerate().skip(start) {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return k;
                }
            }
            _ => {}
        }
    }
    events.len() - 1
}

fn plain_text(events: &[Ev]) -> String {
    let mut s = String::new();
    for (e, _) in events {
        match e {
            Event::Text(t) | Event::Code(t) => shortcodes::push_without_placeholders(&mut s, t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s.trim().to_string()
}

/// A list item's own text (before any nested list, for its anchor) and its whole text, with
/// paragraphs and nested items separated by spaces.
fn item_text(events: &[Ev]) -> (String, String) {
    let mut full = String::new();
    let mut lead: Option<usize> = None;
    for (e, _) in events {
        match e {
            Event::Text(t) | Event::Code(t) => shortcodes::push_without_placeholders(&mut full, t),
            Event::SoftBreak | Event::HardBreak => full.push(' '),
            Event::Start(Tag::List(_)) => {
                lead.get_or_insert(full.len());
                full.push(' ');
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item) => full.push(' '),
            _ => {}
        }
    }
    let lead = full[..lead.unwrap_or(full.len())].trim().to_string();
    let full = full.split_whitespace().collect::<Vec<_>>().join(" ");
    (lead, full)
}

fn cell_html(events: &[Ev]) -> String {
    let mut html = String::new();
    push_html(&mut html, events.iter().map(|(e, _)| e.clone()));
    html
}

/// A label paragraph is short and holds only (bold) text: `**Pros:**`, `Use cases:`. `text` is
/// the paragraph's [`plain_text`].
fn is_label_shape(inner: &[Ev], text: &str) -> bool {
    if text.is_empty() || text.len() > 40 {
        return false;
    }
    let emphasised = inner
        .iter()
        .any(|(e, _)| matches!(e, Event::Start(Tag::Strong | Tag::Emphasis)));
    emphasised || text.ends_with(':')
}

/// The values of the `id="..."` and `id='...'` attributes in a piece of HTML or a template, as
/// written (`data-id=` and `grid=` are other attributes).
pub(crate) fn html_ids(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for quote in ["id=\"", "id='"] {
        let close = &quote[3..];
        let mut rest = html;
        while let Some(i) = rest.find(quote) {
            let before = rest[..i].chars().last();
            rest = &rest[i + quote.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_') {
                continue;
            }
            if let Some(end) = rest.find(close) {
                out.push(&rest[..end]);
            }
        }
    }
    out
}

/// The `<img>` tags in a piece of raw HTML: (byte offset, `src`, whether it has an `alt`
/// attribute). An explicit `alt=""` marks a decorative image and counts.
fn img_tags(html: &str) -> Vec<(usize, String, bool)> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = bytes[from..]
        .windows(4)
        .position(|w| w.eq_ignore_ascii_case(b"<img"))
    {
        let start = from + i;
        let end = html[start..]
            .find('>')
            .map(|e| start + e)
            .unwrap_or(html.len());
        let tag = html[start..end].to_ascii_lowercase();
        let has_alt = tag.match_indices("alt").any(|(k, _)| {
            tag[..k].ends_with(char::is_whitespace)
                && tag[k + 3..].starts_with(['=', ' ', '>', '/'])
        });
        let src = attribute(&html[start..end], "src").unwrap_or_default();
        out.push((start, src, has_alt));
        from = end.max(start + 4);
    }
    out
}

/// The value of attribute `name` in an HTML start tag, quoted or not.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let at = lower.find(&format!("{name}="))?;
    let rest = &tag[at + name.len() + 1..];
    let value = match rest.chars().next()? {
        q @ ('"' | '\'') => rest[1..].split(q).next().unwrap_or(""),
        _ => rest
            .split(|c: char| c.is_whitespace() || c == '>')
            .next()
            .unwrap_or(""),
    };
    Some(value.to_string())
}

/// The whole paragraph is bold or italic text.
fn is_emphasised(inner: &[Ev]) -> bool {
    matches!(
        inner.first(),
        Some((Event::Start(Tag::Strong | Tag::Emphasis), _))
    ) && matches!(
        inner.last(),
        Some((Event::End(TagEnd::Strong | TagEnd::Emphasis), _)) | Some((Event::Text(_), _))
    )
}

/// What the second pass carries from one block to the next.
#[derive(Default)]
struct BlockState {
    /// Open headings, outermost first.
    scope: Vec<Scope>,
    /// The label paragraph just before a list, with the label as written: `Some(None)` for an
    /// emphasised label that is not a configured one ("**Workarounds:**"), which keeps a label
    /// heading's kind off it.
    pending_label: Option<Option<(StatementKind, String)>>,
    /// Headings of levels 2 to 4 as (level, id, text), for the table of contents.
    flat_toc: Vec<(u8, String, String)>,
}

/// One open heading while the second pass walks a page: what the blocks below it are about.
struct Scope {
    /// Heading level, 1 to 6.
    level: u8,
    /// The subject the heading names.
    subject: Option<String>,
    /// The list kind the heading introduces ("Pros", "Monolith use cases").
    label: Option<StatementKind>,
    /// Heading text.
    heading: String,
}

/// The subject of the innermost heading that names one.
fn current_subject(scope: &[Scope]) -> Option<&str> {
    scope.iter().rev().find_map(|s| s.subject.as_deref())
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn alert_kind(kind: BlockQuoteKind) -> (&'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

/// Item HTML without the wrapping `<p>` of a loose list item.
fn strip_paragraph(html: &str) -> String {
    let t = html.trim();
    match t.strip_prefix("<p>").and_then(|x| x.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => t.to_string(),
    }
}

fn nest_toc(flat: &[(u8, String, String)]) -> Vec<TocEntry> {
    fn build(flat: &[(u8, String, String)], i: &mut usize, level: u8) -> Vec<TocEntry> {
        let mut out: Vec<TocEntry> = Vec::new();
        while *i < flat.len() {
            let (l, id, title) = &flat[*i];
            if *l < level {
                break;
            }
            if *l > level && !out.is_empty() {
                let children = build(flat, i, *l);
                if let Some(last) = out.last_mut() {
                    last.children.extend(children);
                }
                continue;
            }
            out.push(TocEntry {
                level: *l,
                id: id.clone(),
                title: title.clone(),
                children: Vec::new(),
            });
            *i += 1;
        }
        out
    }
    let mut i = 0;
    let min = flat.iter().map(|(l, _, _)| *l).min().unwrap_or(2);
    build(flat, &mut i, min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn img_tags_and_their_alt_attributes() {
        let found = img_tags("<p><img src=\"a.png\"> <img src='b.png' alt=\"\"></p>");
        assert_eq!(
            found,
            vec![
                (3, "a.png".to_string(), false),
                (21, "b.png".to_string(), true)
            ]
        );
        assert!(img_tags("<IMG ALT=\"x\" SRC=\"c.png\">")[0].2);
        let data_alt = &img_tags("<img data-alt=\"x\" src=d.png>")[0];
        assert_eq!((data_alt.1.as_str(), data_alt.2), ("d.png", false));
        assert!(img_tags("<image src=x> <p>no images</p>").is_empty());
    }

    #[test]
    fn html_ids_are_id_attributes_only() {
        let html = "<a id=\"one\"></a><b id='two'></b><i data-id=\"no\" grid=\"no\" x_id=\"no\">";
        assert_eq!(html_ids(html), vec!["one", "two"]);
    }
}
