//! Hugo-style shortcodes: `{{< name "arg" key="value" >}}`.
//!
//! Shortcodes are cut out of the markdown before it is parsed and replaced by a placeholder that
//! keeps every line where it was, so errors and link checks still report the right line. The
//! rendered HTML goes back in after markdown rendering.

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

/// Replaces every shortcode outside fenced code with a placeholder. Returns the new text and
/// the calls, or an error message with its line for a malformed call.
pub fn extract(body: &str) -> Result<(String, Vec<Call>), (usize, String)> {
    if !body.contains("{{<") {
        return Ok((body.to_string(), Vec::new()));
    }
    let mut out = String::with_capacity(body.len());
    let mut calls = Vec::new();
    let mut fence: Option<String> = None;
    let mut pending = String::new();
    let mut pending_line = 0;
    for (i, line) in body.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        if pending.is_empty() {
            if let Some(f) = &fence {
                if trimmed.starts_with(f.as_str()) {
                    fence = None;
                }
                out.push_str(line);
                continue;
            }
            if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
                fence = Some(trimmed[..3].to_string());
                out.push_str(line);
                continue;
            }
        }
        if pending.is_empty() {
            pending_line = i + 1;
        }
        pending.push_str(line);
        // A call may span lines; wait until it is closed.
        let opens = pending.matches("{{<").count();
        let closes = pending.matches(">}}").count();
        if opens > closes && i + 1 < body.lines().count() {
            continue;
        }
        let text = std::mem::take(&mut pending);
        out.push_str(&replace_calls(&text, pending_line, &mut calls)?);
    }
    if !pending.is_empty() {
        out.push_str(&replace_calls(&pending, pending_line, &mut calls)?);
    }
    Ok((out, calls))
}

fn replace_calls(
    text: &str,
    first_line: usize,
    calls: &mut Vec<Call>,
) -> Result<String, (usize, String)> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut consumed = 0;
    while let Some(start) = rest.find("{{<") {
        out.push_str(&rest[..start]);
        let line = first_line + text[..consumed + start].matches('\n').count();
        let after = &rest[start + 3..];
        let Some(end) = after.find(">}}") else {
            return Err((
                line,
                "shortcode opened with `{{<` is never closed with `>}}`".into(),
            ));
        };
        let inner = &after[..end];
        let call = parse_call(inner, line)?;
        out.push_str(&placeholder(calls.len()));
        // Keep line breaks inside a multi-line call so later lines keep their numbers.
        for _ in 0..inner.matches('\n').count() {
            out.push('\n');
        }
        calls.push(call);
        let used = start + 3 + end + 3;
        consumed += used;
        rest = &rest[used..];
    }
    out.push_str(rest);
    Ok(out)
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
    fn fenced_code_is_left_alone() {
        let body = "```\n{{< img >}}\n```\n";
        let (text, calls) = extract(body).expect("valid");
        assert!(calls.is_empty());
        assert_eq!(text, body);
    }

    #[test]
    fn positional_and_unclosed() {
        let (_, calls) = extract("{{< youtube \"abc\" 42 >}}").expect("valid");
        assert_eq!(calls[0].args, vec!["abc", "42"]);
        assert_eq!(extract("x\n{{< img src=\"a >}}").expect_err("bad").0, 2);
        assert_eq!(extract("x\n\n{{< img ").expect_err("bad").0, 3);
    }
}
