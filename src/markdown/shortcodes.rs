//! Hugo-style shortcodes: `{{< name "arg" key="value" >}}`.
//!
//! Shortcodes are cut out of the markdown before it is parsed and replaced by a placeholder that
//! keeps every line where it was, so errors and link checks still report the right line. The
//! rendered HTML goes back in after markdown rendering.

use std::borrow::Cow;
use std::collections::BTreeMap;

/// One shortcode call found in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Template name (`img` renders `shortcodes/img.html`).
    pub name: String,
    /// Positional arguments.
    pub args: Vec<String>,
    /// Named arguments.
    pub kw: BTreeMap<String, String>,
    /// 1-based line in the body.
    pub line: usize,
}

/// The placeholder text standing for call number `n`.
pub fn placeholder(n: usize) -> String {
    format!("\u{E000}sc{n}\u{E001}")
}

/// Appends `text` to `out` without any placeholders, so ids, titles and plain text never carry
/// them.
pub fn push_without_placeholders(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(start) = rest.find('\u{E000}') {
        out.push_str(&rest[..start]);
        match rest[start..].find('\u{E001}') {
            Some(end) => rest = &rest[start + end + '\u{E001}'.len_utf8()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
}

/// Puts `rendered[n]` in place of placeholder `n` in `html`, in one pass over it (however many
/// calls a page has). For a page's body (`page`), a paragraph that holds only a placeholder is
/// replaced whole and only the first occurrence of each placeholder is filled; elsewhere (a
/// statement copied out of the page) every occurrence is. Anything else is copied as it is.
pub fn fill_placeholders(html: &str, rendered: &[String], page: bool) -> String {
    const OPEN: char = '\u{E000}';
    const CLOSE: char = '\u{E001}';
    let mut out = String::with_capacity(html.len());
    let mut filled = vec![false; rendered.len()];
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len_utf8()..];
        let number = after
            .strip_prefix("sc")
            .and_then(|a| a.split_once(CLOSE))
            .and_then(|(n, tail)| Some((n.parse::<usize>().ok()?, tail)));
        let Some((n, tail)) = number.filter(|(n, _)| *n < rendered.len()) else {
            out.push_str(&rest[..start + OPEN.len_utf8()]);
            rest = after;
            continue;
        };
        if page && filled[n] {
            let end = rest.len() - tail.len();
            out.push_str(&rest[..end]);
            rest = tail;
            continue;
        }
        filled[n] = true;
        let before = &rest[..start];
        let (before, tail) = match (before.strip_suffix("<p>"), tail.strip_prefix("</p>")) {
            (Some(b), Some(t)) if page => (b, t),
            _ => (before, tail),
        };
        out.push_str(before);
        out.push_str(&rendered[n]);
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Replaces every shortcode outside code (fenced or indented blocks, inline code spans) with a
/// placeholder. Returns the new text (the body itself when it has no calls) and the calls, or an error message with its line for a
/// malformed call.
pub fn extract(body: &str) -> Result<(Cow<'_, str>, Vec<Call>), (usize, String)> {
    if !body.contains("{{<") {
        return Ok((Cow::Borrowed(body), Vec::new()));
    }
    // Code ranges come in order of their start; calls are met in order too, so one cursor
    // walks both, and the line number is counted on from the previous call. Linear in the
    // body, however many calls and code spans it has.
    let code = code_ranges(body);
    let mut next_code = 0;
    let mut out = String::with_capacity(body.len());
    let mut calls = Vec::new();
    let mut pos = 0;
    let (mut line, mut counted_to) = (1, 0);
    while let Some(off) = body[pos..].find("{{<") {
        let start = pos + off;
        while code.get(next_code).is_some_and(|r| r.end <= start) {
            next_code += 1;
        }
        // Inside code, a call is text: copy it, and the rest of that code, as written. Code
        // ranges may nest (a span inside a block); the outermost one containing `start` ends
        // furthest.
        let inside = code[next_code..]
            .iter()
            .take_while(|r| r.start <= start)
            .filter(|r| r.contains(&start))
            .map(|r| r.end)
            .max();
        if let Some(end) = inside {
            out.push_str(&body[pos..end]);
            pos = end;
            continue;
        }
        out.push_str(&body[pos..start]);
        line += body[counted_to..start].matches('\n').count();
        counted_to = start;
        let line = line;
        let after = &body[start + 3..];
        let Some(end) = after.find(">}}") else {
            return Err((
                line,
                "shortcode opened with `{{<` is never closed with `>}}`".into(),
            ));
        };
        let inner = &after[..end];
        calls.push(parse_call(inner, line)?);
        out.push_str(&placeholder(calls.len() - 1));
        // Keep line breaks inside a multi-line call so later lines keep their numbers.
        for _ in 0..inner.matches('\n').count() {
            out.push('\n');
        }
        pos = start + 3 + end + 3;
    }
    out.push_str(&body[pos..]);
    Ok((Cow::Owned(out), calls))
}

/// Byte ranges of code blocks and inline code spans, as the markdown parser sees them.
fn code_ranges(body: &str) -> Vec<std::ops::Range<usize>> {
    use pulldown_cmark::{Event, Parser, Tag};
    Parser::new_ext(body, super::options())
        .into_offset_iter()
        .filter(|(e, _)| matches!(e, Event::Code(_) | Event::Start(Tag::CodeBlock(_))))
        .map(|(_, r)| r)
        .collect()
}

fn parse_call(inner: &str, line: usize) -> Result<Call, (usize, String)> {
    let tokens = tokenize(inner).map_err(|m| (line, m))?;
    let mut iter = tokens.into_iter();
    let name = match iter.next() {
        Some((None, name)) if !name.is_empty() => name,
        _ => return Err((line, "shortcode without a name".into())),
    };
    let mut call = Call {
        name,
        args: Vec::new(),
        kw: BTreeMap::new(),
        line,
    };
    for (key, value) in iter {
        match key {
            Some(k) => {
                call.kw.insert(k, value);
            }
            None => call.args.push(value),
        }
    }
    Ok(call)
}

/// Splits `img "a b" alt="x" c=d` into (key, value) pairs; positional ones have no key.
fn tokenize(s: &str) -> Result<Vec<(Option<String>, String)>, String> {
    let mut out = Vec::new();
    let mut chars = s.trim().chars().peekable();
    while chars.peek().is_some() {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = None;
        let mut word = String::new();
        loop {
            match chars.peek() {
                Some('"') | Some('\'') => {
                    let q = chars.next().unwrap_or('"');
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == q {
                            closed = true;
                            break;
                        }
                        word.push(c);
                    }
                    if !closed {
                        return Err(format!(
                            "unclosed quote in shortcode arguments `{}`",
                            s.trim()
                        ));
                    }
                }
                Some('=') if key.is_none() => {
                    chars.next();
                    key = Some(std::mem::take(&mut word));
                }
                Some(c) if c.is_whitespace() => break,
                Some(_) => {
                    if let Some(c) = chars.next() {
                        word.push(c);
                    }
                }
                None => break,
            }
        }
        out.push((key, word));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_parsed_and_replaced() {
        let body = "a\n{{< img src=\"/x.svg\" alt=\"An X\" >}}\nb\n";
        let (text, calls) = extract(body).expect("valid");
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].name, "img");
        assert_eq!(calls[0].kw["alt"], "An X");
        assert_eq!(calls[0].line, 2);
        assert_eq!(text.lines().count(), 3);
        assert!(text.contains(&placeholder(0)));
    }

    #[test]
    fn placeholders_are_filled_in_one_pass() {
        let rendered = vec!["<figure>A</figure>".to_string(), "<b>B</b>".to_string()];
        let html = format!(
            "<p>{}</p>\n<p>x {} y</p>\n{}",
            placeholder(0),
            placeholder(1),
            placeholder(0)
        );
        assert_eq!(
            fill_placeholders(&html, &rendered, true),
            format!(
                "<figure>A</figure>\n<p>x <b>B</b> y</p>\n{}",
                placeholder(0)
            )
        );
        let statement = format!("<p>{}</p> and {}", placeholder(1), placeholder(1));
        assert_eq!(
            fill_placeholders(&statement, &rendered, false),
            "<p><b>B</b></p> and <b>B</b>"
        );
        // Many calls in one page: linear, not one copy of the page per call.
        let many: Vec<String> = (0..50_000).map(|n| format!("<i>{n}</i>")).collect();
        let page: String = (0..50_000)
            .map(|n| format!("<p>{}</p>\n", placeholder(n)))
            .collect();
        let start = std::time::Instant::now();
        let filled = fill_placeholders(&page, &many, true);
        assert!(filled.ends_with("<i>49999</i>\n"));
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn placeholders_are_left_out_of_text() {
        let mut out = String::new();
        push_without_placeholders(&mut out, &format!("Fast {} now", placeholder(3)));
        assert_eq!(out, "Fast  now");
    }

    #[test]
    fn fenced_code_is_left_alone() {
        let body = "```\n{{< img >}}\n```\n";
        let (text, calls) = extract(body).expect("valid");
        assert!(calls.is_empty());
        assert_eq!(text, body);
    }

    #[test]
    fn inline_and_indented_code_and_long_fences_are_left_alone() {
        let body = "`{{< a >}}`\n\n    {{< b >}}\n\n````\n```\n{{< c >}}\n```\n````\n{{< d >}}\n";
        let (text, calls) = extract(body).expect("valid");
        assert_eq!(calls.len(), 1);
        assert_eq!((calls[0].name.as_str(), calls[0].line), ("d", 10));
        assert!(text.contains("`{{< a >}}`") && text.contains("{{< c >}}"));
    }

    #[test]
    fn positional_and_unclosed() {
        let (_, calls) = extract("{{< youtube \"abc\" 42 >}}").expect("valid");
        assert_eq!(calls[0].args, vec!["abc", "42"]);
        assert_eq!(extract("x\n{{< img src=\"a >}}").expect_err("bad").0, 2);
        assert_eq!(extract("x\n\n{{< img ").expect_err("bad").0, 3);
    }
}
