//! Syntax highlighting with syntect, as CSS classes rather than inline styles.
//!
//! Classes let one stylesheet carry both the light and the dark theme, switched by the page's
//! `data-theme`. The syntax set is loaded once per build, on first use, so a site without code
//! blocks never pays for it. Identical blocks are highlighted once.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use syntect::highlighting::ThemeSet;
use syntect::html::{css_for_theme_with_class_style, ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// Class prefix on every highlighted span, so theme CSS cannot collide with site CSS.
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Blocks with a line longer than this are not highlighted: some grammars (JavaScript among
/// them) can backtrack for a very long time on such lines.
const MAX_LINE: usize = 2_000;
/// Blocks larger than this are not highlighted, for the same reason.
const MAX_BLOCK: usize = 256 * 1024;

/// Highlights code blocks; shared by all pages of one build.
#[derive(Default)]
pub struct Highlighter {
    syntaxes: OnceLock<SyntaxSet>,
    cache: Mutex<HashMap<(String, String), String>>,
}

impl Highlighter {
    /// A highlighter that loads its syntax definitions on first use.
    pub fn new() -> Self {
        Self::default()
    }

    fn syntaxes(&self) -> &SyntaxSet {
        self.syntaxes.get_or_init(SyntaxSet::load_defaults_newlines)
    }

    /// The `<pre>` element for a fenced block. `lang` is the info string's first word; an
    /// unknown or empty language gives escaped plain code.
    pub fn block(&self, lang: &str, code: &str) -> String {
        let key = (lang.to_string(), code.to_string());
        if let Ok(cache) = self.cache.lock() {
            if let Some(hit) = cache.get(&key) {
                return hit.clone();
            }
        }
        let html = self.render(lang, code);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(key, html.clone());
        }
        html
    }

    fn render(&self, lang: &str, code: &str) -> String {
        let label = escape(lang);
        let body = self.highlight(lang, code).unwrap_or_else(|| escape(code));
        if lang.is_empty() {
            format!("<pre class=\"code\"><code>{body}</code></pre>")
        } else {
            format!(
                "<pre class=\"code\" data-lang=\"{label}\"><code class=\"language-{label}\">{body}</code></pre>"
            )
        }
    }

    fn highlight(&self, lang: &str, code: &str) -> Option<String> {
        let token = syntax_token(lang)?;
        if code.len() > MAX_BLOCK || code.lines().any(|l| l.len() > MAX_LINE) {
            return None;
        }
        let set = self.syntaxes();
        let syntax = set
            .find_syntax_by_token(token)
            .or_else(|| set.find_syntax_by_name(token))?;
        let mut gen = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
        for line in LinesWithEndings::from(code) {
            gen.parse_html_for_line_which_includes_newline(line).ok()?;
        }
        Some(gen.finalize())
    }
}

/// Maps common fence names to the tokens syntect knows; `None` for plain text.
fn syntax_token(lang: &str) -> Option<&str> {
    let lower = lang.trim();
    if lower.is_empty() {
        return None;
    }
    Some(match lower.to_ascii_lowercase().as_str() {
        "text" | "txt" | "plain" | "plaintext" | "console-output" => return None,
        "js" | "javascript" | "jsx" | "mjs" | "cjs" | "ts" | "typescript" | "tsx" => "js",
        "sh" | "shell" | "bash" | "zsh" | "console" => "bash",
        "yml" | "yaml" => "yaml",
        "rs" | "rust" => "rs",
        "py" | "python" => "py",
        "go" | "golang" => "go",
        "dockerfile" | "docker" => "bash",
        "toml" | "ini" | "cfg" => "py",
        "md" | "markdown" => "md",
        "html" | "htm" | "xml" | "svg" => "html",
        "json" | "jsonc" => "json",
        "c++" | "cpp" | "cc" | "hpp" => "cpp",
        "cs" | "csharp" | "c#" => "cs",
        "sql" => "sql",
        _ => lower,
    })
}

/// The stylesheet for highlighted code: the light theme as is, the dark theme under
/// `html[data-theme="dark"]` and, for readers without JavaScript, under the dark colour scheme.
pub fn stylesheet(light: &str, dark: &str) -> Result<String, String> {
    let themes = ThemeSet::load_defaults();
    let get = |name: &str| {
        themes.themes.get(name).ok_or_else(|| {
            let mut names: Vec<&str> = themes.themes.keys().map(|s| s.as_str()).collect();
            names.sort();
            format!(
                "unknown highlight theme `{name}` (known themes: {})",
                names.join(", ")
            )
        })
    };
    let light_css =
        css_for_theme_with_class_style(get(light)?, CLASS_STYLE).map_err(|e| e.to_string())?;
    let dark_css =
        css_for_theme_with_class_style(get(dark)?, CLASS_STYLE).map_err(|e| e.to_string())?;
    let mut out = String::from("/* light */\n");
    out.push_str(&light_css);
    out.push_str("\n/* dark */\n");
    out.push_str(&scope_css(&dark_css, "html[data-theme=\"dark\"] "));
    out.push_str("\n@media (prefers-color-scheme: dark) {\n");
    out.push_str(&scope_css(&dark_css, "html:not([data-theme=\"light\"]) "));
    out.push_str("}\n");
    Ok(out)
}

/// Prefixes every selector of simple flat CSS with `scope`.
fn scope_css(css: &str, scope: &str) -> String {
    let mut out = String::with_capacity(css.len() * 2);
    for rule in css.split_inclusive('}') {
        match rule.split_once('{') {
            Some((selectors, body)) => {
                let scoped: Vec<String> = selectors
                    .split(',')
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty() && !s.starts_with("/*"))
                    .map(|s| format!("{scope}{s}"))
                    .collect();
                // Keep comments that precede the selectors out of the scoped output.
                if !scoped.is_empty() {
                    out.push_str(&scoped.join(", "));
                    out.push_str(" {");
                    out.push_str(body);
                    out.push('\n');
                }
            }
            None => out.push_str(rule),
        }
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_language_gets_classes() {
        let h = Highlighter::new();
        let html = h.block("rs", "fn main() {}\n");
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(html.contains("data-lang=\"rs\""));
    }

    #[test]
    fn unknown_language_is_escaped_plain_code() {
        let h = Highlighter::new();
        let html = h.block("nosuchlang", "<b>&</b>\n");
        assert!(html.contains("&lt;b&gt;&amp;&lt;/b&gt;"), "{html}");
        assert!(!html.contains("hl-"));
    }

    #[test]
    fn very_long_lines_are_not_highlighted() {
        let h = Highlighter::new();
        let code = format!("var a = '{}';\n", "x".repeat(MAX_LINE + 1));
        assert!(!h.block("js", &code).contains("hl-"));
    }

    #[test]
    fn stylesheet_scopes_dark_rules() {
        let css = stylesheet("InspiredGitHub", "base16-ocean.dark").expect("themes exist");
        assert!(css.contains("html[data-theme=\"dark\"] .hl-"));
        assert!(stylesheet("nope", "base16-ocean.dark").is_err());
    }
}
