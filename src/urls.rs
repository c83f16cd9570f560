//! The one place where URLs are made.
//!
//! Templates, link rewriting, the sitemap, the feed and the search index all ask this builder, so
//! a site deployed under a sub-path (`https://user.github.io/archsite/`) gets the sub-path on
//! every internal link, not on most of them.

/// Builds path URLs (`/sub/notes/x/`) and absolute permalinks from site paths (`notes/x/`).
#[derive(Debug, Clone)]
pub struct UrlBuilder {
    /// Scheme and host without a trailing slash (`https://u.github.io`), empty for path-only bases.
    origin: String,
    /// `/` or `/sub/path/`.
    base_path: String,
}

impl UrlBuilder {
    /// A builder for `base_url`, which is absolute (`https://host/sub/`) or a path (`/sub/`).
    pub fn new(base_url: &str) -> Self {
        let (origin, path) = match base_url.find("://") {
            Some(i) => {
                let after = &base_url[i + 3..];
                match after.find('/') {
                    Some(j) => (&base_url[..i + 3 + j], &after[j..]),
                    None => (base_url, "/"),
                }
            }
            None => ("", base_url),
        };
        let mut base_path = path.to_string();
        if !base_path.starts_with('/') {
            base_path.insert(0, '/');
        }
        if !base_path.ends_with('/') {
            base_path.push('/');
        }
        UrlBuilder {
            origin: origin.trim_end_matches('/').to_string(),
            base_path,
        }
    }

    /// `/` or `/sub/path/`.
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// The absolute base URL (`https://host/sub/`), or the base path when no host is known.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.origin, self.base_path)
    }

    /// Path URL of a site path: `notes/x/` becomes `/sub/notes/x/`. Leading slashes on `site_path`
    /// are ignored, so `/img/a.svg` and `img/a.svg` give the same result.
    pub fn path(&self, site_path: &str) -> String {
        format!("{}{}", self.base_path, site_path.trim_start_matches('/'))
    }

    /// Absolute URL of a site path, for the sitemap, the feed and canonical links.
    pub fn permalink(&self, site_path: &str) -> String {
        format!("{}{}", self.origin, self.path(site_path))
    }

    /// A link target from configuration or a template: absolute URLs, `mailto:` and fragments
    /// pass through; anything else is a site path.
    pub fn link(&self, target: &str) -> String {
        if is_external(target) || target.starts_with('#') {
            target.to_string()
        } else {
            self.path(target)
        }
    }

    /// The site path of a request path, if it lies under the base path (`/sub/notes/` gives
    /// `notes/`).
    pub fn strip_base<'a>(&self, request_path: &'a str) -> Option<&'a str> {
        if request_path == self.base_path.trim_end_matches('/') {
            return Some("");
        }
        request_path.strip_prefix(self.base_path.as_str())
    }
}

/// True for links that leave the site: a scheme (`https:`, `mailto:`) or a protocol-relative `//`.
pub fn is_external(target: &str) -> bool {
    if target.starts_with("//") {
        return true;
    }
    match target.find(':') {
        Some(i) => {
            let scheme = &target[..i];
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
                && !target[..i].contains('/')
        }
        None => false,
    }
}

/// The scheme of a URL that runs code or carries a document when followed, when `url` has one:
/// `javascript:`, `vbscript:`, and `data:` other than an image (`data:image/png;...`; an SVG
/// image only as an image's source). The URL is read the way a browser reads it: entities
/// decoded, ASCII tabs and line breaks dropped wherever they are, leading spaces and control
/// characters skipped, the scheme in any case (`java&#x09;script:`, ` JAVASCRIPT:`).
pub fn unsafe_scheme(url: &str, image: bool) -> Option<&'static str> {
    let decoded = decode_entities(url);
    let cleaned: String = decoded
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .skip_while(|c| *c <= ' ')
        .collect();
    let (scheme, rest) = cleaned.split_once(':')?;
    if scheme.contains(['/', '?', '#']) {
        return None;
    }
    match scheme.to_ascii_lowercase().as_str() {
        "javascript" => Some("javascript"),
        "vbscript" => Some("vbscript"),
        "data" => {
            let media = rest.trim_start().to_ascii_lowercase();
            let is_image = media.starts_with("image/");
            let runs_script = media.starts_with("image/svg");
            (!is_image || (runs_script && !image)).then_some("data")
        }
        _ => None,
    }
}

/// `text` with numeric character references (`&#9;`, `&#x09;`) and the named ones that can
/// hide a scheme (`&Tab;`, `&NewLine;`, `&colon;`, ...) decoded; others are kept as written.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 12);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let number = match name.strip_prefix('#') {
                Some(n) => match n.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => n.parse().ok(),
                },
                None => None,
            };
            match number {
                Some(n) => char::from_u32(n),
                None => match name {
                    "Tab" => Some('\t'),
                    "NewLine" => Some('\n'),
                    "colon" => Some(':'),
                    "lpar" => Some('('),
                    "rpar" => Some(')'),
                    "sol" => Some('/'),
                    "amp" => Some('&'),
                    _ => None,
                },
            }
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Joins a relative `/`-separated path onto a folder, resolving `.` and `..`: `("a/b", "../c")`
/// gives `a/c`. `None` when it leaves the root. The result has no leading or trailing `/`.
pub fn join_path(folder: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Decodes `%20` and friends in a link path. Invalid escapes are kept as written, and bytes that
/// do not form UTF-8 are replaced, so any input is safe.
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_schemes_are_found_however_written() {
        for url in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " \u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java&#x09;script:alert(1)",
            "java&#9;script:alert(1)",
            "java&Tab;script:alert(1)",
            "javascript&colon;alert(1)",
            "&#106;avascript:alert(1)",
            "\njavas\ncript:alert(1)",
        ] {
            assert_eq!(unsafe_scheme(url, false), Some("javascript"), "{url:?}");
            assert_eq!(unsafe_scheme(url, true), Some("javascript"), "{url:?}");
        }
        assert_eq!(unsafe_scheme("VBScript:msgbox", false), Some("vbscript"));
        assert_eq!(unsafe_scheme("data:text/html,<script>", true), Some("data"));
        assert_eq!(
            unsafe_scheme("data:image/svg+xml,<svg>", false),
            Some("data")
        );
        assert_eq!(unsafe_scheme("data:image/svg+xml,<svg>", true), None);
        assert_eq!(unsafe_scheme("DATA:image/png;base64,AA", false), None);
        for url in [
            "https://example.com/javascript:x",
            "notes/javascript:x",
            "?q=javascript:x",
            "#javascript:x",
            "mailto:a@b.c",
            "../a.md",
            "a&amp;#x09;b:c",
        ] {
            assert_eq!(unsafe_scheme(url, false), None, "{url:?}");
        }
    }

    #[test]
    fn sub_path_is_kept_everywhere() {
        let u = UrlBuilder::new("https://user.github.io/archsite/");
        assert_eq!(u.base_path(), "/archsite/");
        assert_eq!(u.path("notes/x/"), "/archsite/notes/x/");
        assert_eq!(u.path("/img/a.svg"), "/archsite/img/a.svg");
        assert_eq!(
            u.permalink("notes/x/"),
            "https://user.github.io/archsite/notes/x/"
        );
        assert_eq!(u.strip_base("/archsite/notes/"), Some("notes/"));
        assert_eq!(u.strip_base("/archsite"), Some(""));
        assert_eq!(u.strip_base("/other/"), None);
    }

    #[test]
    fn root_and_path_only_bases() {
        assert_eq!(UrlBuilder::new("https://example.com").path(""), "/");
        let u = UrlBuilder::new("/docs");
        assert_eq!(u.path("a/"), "/docs/a/");
        assert_eq!(u.permalink("a/"), "/docs/a/");
    }

    #[test]
    fn paths_join_onto_folders() {
        assert_eq!(join_path("a/b", "../c/./d").as_deref(), Some("a/c/d"));
        assert_eq!(join_path("", "x/").as_deref(), Some("x"));
        assert_eq!(join_path("a", "../..").as_deref(), None);
    }

    #[test]
    fn percent_decoding_never_splits_characters() {
        assert_eq!(percent_decode("a%20b.md"), "a b.md");
        assert_eq!(percent_decode("%aé.md"), "%aé.md");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn external_links_are_recognised() {
        assert!(is_external("https://x.org"));
        assert!(is_external("mailto:a@b.c"));
        assert!(is_external("//cdn.example.com/x.js"));
        assert!(!is_external("../notes/a.md"));
        assert!(!is_external("notes/a:b.md"));
        assert!(!is_external("/img/a.svg"));
    }
}
