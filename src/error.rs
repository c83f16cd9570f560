//! Build errors that always say which file (and line, where known) they concern.
//!
//! A build collects every problem it can find before giving up, so a user fixes all broken links
//! in one pass instead of one per run. [`Problem`] is one finding; [`BuildError`] is the list that
//! stops a build.

use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a finding is: errors stop the build, warnings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops the build.
    Error,
    /// Printed, the build goes on.
    Warning,
}

/// One problem found in the site's input, tied to the file (and line) it comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// The file at fault, relative to the site root where possible.
    pub file: PathBuf,
    /// 1-based line in that file, when known.
    pub line: Option<usize>,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Problem {
    /// An error about `file`.
    pub fn error(
        file: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            severity: Severity::Error,
            file: file.into(),
            line,
            message: message.into(),
        }
    }

    /// A warning about `file`.
    pub fn warning(
        file: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(file, line, message)
        }
    }

    /// The `file:line` prefix used when printing.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{}", self.file.display(), line),
            None => self.file.display().to_string(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {}: {}", self.location(), kind, self.message)
    }
}

/// The reason a build stopped: one or more problems, at least one of them an error.
#[derive(Debug, Clone)]
pub struct BuildError {
    /// Every problem found, errors first, then by file and line.
    pub problems: Vec<Problem>,
}

impl BuildError {
    /// A build error made of a single problem.
    pub fn single(problem: Problem) -> Self {
        BuildError {
            problems: vec![problem],
        }
    }

    /// An error about a file that could not be read or written.
    pub fn io(path: &Path, err: &std::io::Error) -> Self {
        BuildError::single(Problem::error(path, None, err.to_string()))
    }

    /// Sorts problems for stable, readable output.
    pub fn sorted(mut problems: Vec<Problem>) -> Self {
        problems.sort_by(|a, b| {
            (a.severity, &a.file, a.line, &a.message)
                .cmp(&(b.severity, &b.file, b.line, &b.message))
        });
        problems.dedup();
        BuildError { problems }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}

/// Result type of the build stages.
pub type Result<T> = std::result::Result<T, BuildError>;

/// Turns an offset into `text` into a 1-based line number.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The valid name closest to `wrong`, if any is close enough to be a likely typo.
pub fn closest<'a>(wrong: &str, valid: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    valid
        .into_iter()
        .map(|v| (strsim::jaro_winkler(wrong, v), v))
        .filter(|(score, _)| *score > 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| v)
}

/// Rewrites serde's "unknown field `x`, expected one of `a`, `b`" into a message with a
/// did-you-mean hint. Other messages are returned unchanged.
pub fn explain_unknown_field(message: &str) -> String {
    let Some(start) = message.find("unknown field `") else {
        return message.to_string();
    };
    let rest = &message[start + "unknown field `".len()..];
    let Some(end) = rest.find('`') else {
        return message.to_string();
    };
    let field = &rest[..end];
    // serde writes "expected `a`", "expected `a` or `b`" or "expected one of `a`, `b`, `c`";
    // some formats leave out the back quotes.
    let list = rest[end..]
        .split_once("expected")
        .map(|(_, list)| list)
        .unwrap_or("");
    let expected: Vec<&str> = if list.contains('`') {
        list.split('`').skip(1).step_by(2).collect()
    } else {
        list.trim()
            .trim_start_matches("one of")
            .split(',')
            .flat_map(|s| s.split(" or "))
            .map(str::trim)
            .collect()
    };
    let expected: Vec<&str> = expected.into_iter().filter(|s| !s.is_empty()).collect();
    match closest(field, expected.iter().copied()) {
        Some(best) => format!("unknown key `{field}` (did you mean `{best}`?)"),
        None if !expected.is_empty() => {
            format!(
                "unknown key `{field}` (valid keys: {})",
                expected.join(", ")
            )
        }
        None => format!("unknown key `{field}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_gets_a_suggestion() {
        let msg = "unknown field `titel`, expected one of `title`, `description`";
        assert_eq!(
            explain_unknown_field(msg),
            "unknown key `titel` (did you mean `title`?)"
        );
    }

    #[test]
    fn two_valid_keys_are_both_considered() {
        let msg = "unknown field `drak`, expected `light` or `dark`";
        assert_eq!(
            explain_unknown_field(msg),
            "unknown key `drak` (did you mean `dark`?)"
        );
        let msg = "unknown field `tgas`, expected one of title, tags, date";
        assert_eq!(
            explain_unknown_field(msg),
            "unknown key `tgas` (did you mean `tags`?)"
        );
        let msg = "unknown field `zzz`, expected `url`";
        assert_eq!(
            explain_unknown_field(msg),
            "unknown key `zzz` (valid keys: url)"
        );
    }

    #[test]
    fn lines_are_one_based() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
