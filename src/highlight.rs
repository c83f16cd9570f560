//! Syntax highlighting with syntect, as CSS classes rather than inline styles.
//!
//! Classes let one stylesheet carry both the light and the dark theme, switched by the page's
//! `data-theme`. The syntax set is loaded once per highlighter (once per build, once per dev
//! server run), on first use, so a site without code blocks never pays for it. A block met a second time (an install command repeated on many
//! pages) is cached from then on; a block met once leaves only its hash behind, so memory does
//! not grow with all the code of the site.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use syntect::highlighting::ThemeSet;
use syntect::html::{css_for_theme_with_class_style, ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use crate::highlight_cache::{self, DiskCache};

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
    cache: Mutex<BlockCache>,
    /// Blocks highlighted by earlier builds, when the build keeps them on disk.
    disk: Option<DiskCache>,
    /// The last stylesheet made, with its light and dark theme names.
    stylesheet: Mutex<Option<(String, String, String)>>,
}

/// Highlighted blocks by hash of language and code.
#[derive(Default)]
struct BlockCache {
    /// Every block seen so far.
    seen: HashSet<u64>,
    /// Blocks seen at least twice: language, code and HTML.
    html: HashMap<u64, (String, String, String)>,
}

impl Highlighter {
    /// A highlighter that loads its syntax definitions on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// A highlighter that reuses the blocks `disk` holds, and adds the ones it highlights to
    /// it (written by [`Highlighter::save_disk_cache`]).
    pub fn with_disk_cache(disk: DiskCache) -> Self {
        Highlighter {
            disk: Some(disk),
            ..Self::default()
        }
    }

    /// Writes the disk cache, if there is one; returns its path when writing it failed.
    pub fn save_disk_cache(&self) -> Result<(), (PathBuf, std::io::Error)> {
        match &self.disk {
            Some(disk) => disk.save().map_err(|e| (disk.path().to_path_buf(), e)),
            None => Ok(()),
        }
    }

    fn syntaxes(&self) -> &SyntaxSet {
        self.syntaxes.get_or_init(SyntaxSet::load_defaults_newlines)
    }

    /// The `<pre>` element for a fenced block. `lang` is the info string's first word; an
    /// unknown or empty language gives escaped plain code.
    pub fn block(&self, lang: &str, code: &str) -> String {
        // One hash of the block serves both caches: all of it keys the disk, its low half the
        // in-memory map.
        let disk_key = highlight_cache::key(lang, code);
        let key = disk_key as u64;
        let first_sight = match self.cache.lock() {
            Ok(mut cache) => {
                if let Some((l, c, html)) = cache.html.get(&key) {
                    if l == lang && c == code {
                        return html.clone();
                    }
                }
                cache.seen.insert(key)
            }
            Err(_) => true,
        };
        if let Some(html) = self.disk.as_ref().and_then(|disk| disk.get(disk_key)) {
            return html.to_string();
        }
        let html = self.render(lang, code);
        if let Some(disk) = &self.disk {
            disk.put(disk_key, &html);
        }
        if !first_sight {
            if let Ok(mut cache) = self.cache.lock() {
                cache
                    .html
                    .entry(key)
                    .or_insert_with(|| (lang.to_string(), code.to_string(), html.clone()));
            }
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

impl Highlighter {
    /// [`stylesheet`], made again only when the theme names change (loading the themes is
    /// most of a dev server rebuild's fixed cost otherwise).
    pub fn stylesheet(&self, light: &str, dark: &str) -> Result<String, String> {
        let mut last = self.stylesheet.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((l, d, css)) = last.as_ref() {
            if l == light && d == dark {
                return Ok(css.clone());
            }
        }
        let css = stylesheet(light, dark)?;
        *last = Some((light.to_string(), dark.to_string(), css.clone()));
        Ok(css)
    }
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
    let light_css = readable_colours(&light_css, LIGHT_CODE_BG);
    let dark_css = readable_colours(&dark_css, DARK_CODE_BG);
    let mut out = String::from("/* light */\n");
    out.push_str(&light_css);
    out.push_str("\n/* dark */\n");
    out.push_str(&scope_css(&dark_css, "html[data-theme=\"dark\"] "));
    out.push_str("\n@media (prefers-color-scheme: dark) {\n");
    out.push_str(&scope_css(&dark_css, "html:not([data-theme=\"light\"]) "));
    out.push_str("}\n");
    Ok(out)
}

/// Code block background of the default theme in light mode.
const LIGHT_CODE_BG: [u8; 3] = [0xf6, 0xf8, 0xfa];
/// Code block background of the default theme in dark mode.
const DARK_CODE_BG: [u8; 3] = [0x16, 0x1b, 0x22];
/// Contrast every token colour must reach against the code background (WCAG AA is 4.5).
const MIN_CONTRAST: f64 = 4.6;

/// Moves every `color: #rrggbb` in `css` towards black or white (whichever the background is
/// not) until it reaches [`MIN_CONTRAST`] against `bg`. Many bundled syntect themes use comment
/// and keyword colours below WCAG AA; this keeps their hues while making them readable.
fn readable_colours(css: &str, bg: [u8; 3]) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("color: #") {
        // Leave `background-color` alone.
        let is_background = rest[..i].ends_with("background-");
        out.push_str(&rest[..i + "color: #".len()]);
        rest = &rest[i + "color: #".len()..];
        let hex: String = rest.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        if is_background || hex.len() != 6 {
            continue;
        }
        let parse = |k: usize| u8::from_str_radix(&hex[k..k + 2], 16).unwrap_or(0);
        let mut rgb = [parse(0), parse(2), parse(4)];
        let target = if luminance(bg) > 0.5 { 0.0 } else { 255.0 };
        let mut step = 0;
        while contrast(rgb, bg) < MIN_CONTRAST && step < 40 {
            for c in rgb.iter_mut() {
                *c = (f64::from(*c) + (target - f64::from(*c)) * 0.08).round() as u8;
            }
            step += 1;
        }
        out.push_str(&format!("{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]));
        rest = &rest[6..];
    }
    out.push_str(rest);
    out
}

fn luminance(rgb: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])
}

fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
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

/// Appends `text` to `out`, escaped as [`escape`] does, without an escaped copy in between
/// (a feed entry can hold a whole large page). Reserves the room it needs first, and `then`
/// bytes more for what the caller appends next, so the string does not double.
pub fn escape_into(out: &mut String, text: &str, then: usize) {
    let extra: usize = text
        .bytes()
        .map(|b| match b {
            b'&' | b'\'' => 4,
            b'<' | b'>' => 3,
            b'"' => 5,
            _ => 0,
        })
        .sum();
    out.reserve(text.len() + extra + then);
    let mut from = 0;
    for (at, c) in text.match_indices(['&', '<', '>', '"', '\'']) {
        out.push_str(&text[from..at]);
        out.push_str(match c {
            "&" => "&amp;",
            "<" => "&lt;",
            ">" => "&gt;",
            "\"" => "&quot;",
            _ => "&#39;",
        });
        from = at + c.len();
    }
    out.push_str(&text[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_into_matches_escape() {
        let text = "a & b < c > d \" e ' f — g";
        let mut out = String::from("x");
        escape_into(&mut out, text, 0);
        assert_eq!(out, format!("x{}", escape(text)));
    }

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
    fn a_block_is_cached_from_its_second_sighting() {
        let h = Highlighter::new();
        let cached = |h: &Highlighter| h.cache.lock().map(|c| c.html.len()).unwrap_or(99);
        let first = h.block("rs", "fn a() {}\n");
        assert_eq!(cached(&h), 0, "a block seen once keeps only its hash");
        let second = h.block("rs", "fn a() {}\n");
        assert_eq!(cached(&h), 1);
        assert_eq!(h.block("rs", "fn a() {}\n"), first);
        assert_eq!(second, first);
        // The same code in another language is another block.
        let py = h.block("py", "fn a() {}\n");
        assert!(py.contains("data-lang=\"py\""), "{py}");
        assert_eq!(h.block("py", "fn a() {}\n"), py);
        assert_eq!(cached(&h), 2);
    }

    #[test]
    fn very_long_lines_are_not_highlighted() {
        let h = Highlighter::new();
        let code = format!("var a = '{}';\n", "x".repeat(MAX_LINE + 1));
        assert!(!h.block("js", &code).contains("hl-"));
    }

    #[test]
    fn token_colours_reach_aa_contrast() {
        let css = readable_colours(".hl-comment { color: #969896; }", LIGHT_CODE_BG);
        let hex = css.split('#').nth(1).map(|h| &h[..6]).unwrap_or("");
        let rgb = [0, 2, 4].map(|k| u8::from_str_radix(&hex[k..k + 2], 16).unwrap_or(0));
        assert!(contrast(rgb, LIGHT_CODE_BG) >= MIN_CONTRAST, "{css}");
        let kept = readable_colours(".x { background-color: #969896; }", LIGHT_CODE_BG);
        assert!(kept.contains("#969896"));
    }

    #[test]
    fn stylesheet_scopes_dark_rules() {
        let css = stylesheet("InspiredGitHub", "base16-ocean.dark").expect("themes exist");
        assert!(css.contains("html[data-theme=\"dark\"] .hl-"));
        assert!(stylesheet("nope", "base16-ocean.dark").is_err());
    }
}
