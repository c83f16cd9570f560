//! Terminal output: whether to use colour, and how problems look.
//!
//! Colour goes only to a terminal (never into a file or a pipe a script reads), and `NO_COLOR`
//! (<https://no-color.org>) turns it off whatever the terminal. Every command prints problems
//! through [`Style`], so `build`, `check` and `serve` look alike.

use std::io::IsTerminal;

use crate::error::{Problem, Severity};

/// When to colour output, as chosen on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour when the stream is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Always colour (for tools that render ANSI escapes).
    Always,
    /// Never colour.
    Never,
}

/// Which output stream a [`Style`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// How much to print, from `--quiet` and `--verbose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    /// Errors, warnings and a summary.
    #[default]
    Normal,
    /// Everything, with lists that are otherwise only counted.
    Verbose,
}

/// How to print: with ANSI colours or as plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    /// Use ANSI colour escapes.
    pub color: bool,
}

impl Style {
    /// Plain text, no escapes.
    pub const PLAIN: Style = Style { color: false };

    /// The style for `stream` under `choice`, looking at the terminal and `NO_COLOR`.
    pub fn detect(choice: ColorChoice, stream: Stream) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let terminal = match stream {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        };
        Style {
            color: decide(choice, no_color, terminal),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Bold text (file names, headings).
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Dimmed text (secondary detail).
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// Green text (success).
    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    /// The word `error` or `warning`, coloured by severity.
    pub fn severity(&self, severity: Severity) -> String {
        match severity {
            Severity::Error => self.paint("1;31", "error"),
            Severity::Warning => self.paint("1;33", "warning"),
        }
    }

    /// One problem as `file:line: error: message`.
    pub fn problem(&self, p: &Problem) -> String {
        format!(
            "{}: {}: {}",
            self.bold(&p.location()),
            self.severity(p.severity),
            p.message
        )
    }
}

/// A count with its noun: "1 page", "2 pages" (nouns whose plural adds an `s`).
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The colour decision, apart from the environment so it can be tested.
pub fn decide(choice: ColorChoice, no_color: bool, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && !no_color,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(decide(ColorChoice::Auto, false, true));
        assert!(!decide(ColorChoice::Auto, true, true));
        assert!(!decide(ColorChoice::Auto, false, false));
        assert!(decide(ColorChoice::Always, true, false));
        assert!(!decide(ColorChoice::Never, false, true));
    }

    #[test]
    fn plain_style_has_no_escapes() {
        let p = Problem::error("content/a.md", Some(3), "broken link");
        assert_eq!(
            Style::PLAIN.problem(&p),
            "content/a.md:3: error: broken link"
        );
        let coloured = Style { color: true }.problem(&p);
        assert!(coloured.contains("\x1b[1;31merror\x1b[0m"), "{coloured}");
    }
}
