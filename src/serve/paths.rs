//! Strict decoding of request targets into site paths.
//!
//! The server never touches the file system with a request path: it looks the decoded path up in
//! the in-memory site. The decoding is strict anyway, so that anything odd (`..`, an encoded
//! slash, a backslash, a NUL byte, an absolute-form target, an empty segment) is refused with
//! `400 Bad Request` before any lookup, instead of being normalised into something that exists.

/// The longest request target accepted, in bytes.
const MAX_TARGET: usize = 4096;

/// A request target that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPath {
    /// Decoded path segments (`["docs", "notes", "x"]`); never empty strings, `.` or `..`, and
    /// never containing `/`, `\`, NUL or other control characters.
    pub segments: Vec<String>,
    /// True when the path ends with `/` (including the root path `/`).
    pub trailing_slash: bool,
    /// The path as sent (still percent-encoded), without the query.
    pub raw: String,
    /// The query including its `?`, or empty.
    pub query: String,
}

/// Why a request target was refused.
pub type Refusal = &'static str;

/// Parses and checks a request target (`/docs/notes/x/?a=b`).
pub fn parse(target: &str) -> Result<RequestPath, Refusal> {
    if target.len() > MAX_TARGET {
        return Err("request target too long");
    }
    if !target.starts_with('/') {
        return Err("only origin-form request targets (starting with /) are served");
    }
    let end = target.find(['?', '#']).unwrap_or(target.len());
    let (raw, rest) = target.split_at(end);
    let query = if rest.starts_with('?') {
        rest.split('#').next().unwrap_or_default().to_string()
    } else {
        String::new()
    };
    if raw
        .bytes()
        .any(|b| b == b'\\' || b.is_ascii_control() || b == b' ' || !b.is_ascii())
    {
        return Err("the path holds a backslash, a space or a control character");
    }
    let parts: Vec<&str> = raw[1..].split('/').collect();
    let last = parts.len() - 1;
    let trailing_slash = parts[last].is_empty();
    let mut segments = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            if i == last {
                continue;
            }
            return Err("the path has an empty segment (//)");
        }
        segments.push(decode_segment(part)?);
    }
    Ok(RequestPath {
        segments,
        trailing_slash,
        raw: raw.to_string(),
        query,
    })
}

/// Percent-decodes one path segment and refuses anything that could change which file is meant.
pub fn decode_segment(part: &str) -> Result<String, Refusal> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or("truncated percent escape")?;
            let hi = hex_value(hex[0]).ok_or("bad percent escape")?;
            let lo = hex_value(hex[1]).ok_or("bad percent escape")?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    if out
        .iter()
        .any(|&b| b == b'/' || b == b'\\' || b.is_ascii_control())
    {
        return Err("the path holds an encoded slash, backslash or control character");
    }
    let text = String::from_utf8(out).map_err(|_| "the path is not valid UTF-8")?;
    if text == "." || text == ".." {
        return Err("the path has a . or .. segment");
    }
    Ok(text)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The segments of a base path (`/docs/` gives `["docs"]`), decoded where possible.
pub fn base_segments(base_path: &str) -> Vec<String> {
    base_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| decode_segment(s).unwrap_or_else(|_| s.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(target: &str) -> Vec<String> {
        parse(target).map(|p| p.segments).unwrap_or_default()
    }

    #[test]
    fn plain_paths() {
        let p = parse("/docs/notes/x/?q=1#top").unwrap();
        assert_eq!(p.segments, ["docs", "notes", "x"]);
        assert!(p.trailing_slash);
        assert_eq!(p.raw, "/docs/notes/x/");
        assert_eq!(p.query, "?q=1");
        let root = parse("/").unwrap();
        assert!(root.segments.is_empty());
        assert!(root.trailing_slash);
        assert!(!parse("/a.css").unwrap().trailing_slash);
        assert_eq!(segs("/my%20file.pdf"), ["my file.pdf"]);
        assert_eq!(segs("/caf%C3%A9/"), ["café"]);
        // Dot files are names like any other; the in-memory site decides whether they exist.
        assert_eq!(segs("/.nojekyll"), [".nojekyll"]);
        // A double-encoded dot-dot is a literal (and harmless) name.
        assert_eq!(segs("/%252e%252e/x"), ["%2e%2e", "x"]);
    }

    #[test]
    fn refuses_traversal_and_odd_paths() {
        for bad in [
            "/../etc/passwd",
            "/docs/../../etc/passwd",
            "/docs/./x",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/etc/passwd",
            "/.%2e/x",
            "/%2e/x",
            "/docs/..%2fetc/passwd",
            "/docs%2f..%2f..%2fetc%2fpasswd",
            "/docs%2Fx",
            "/docs%5cx",
            "/docs\\..\\x",
            "/docs/%00",
            "/docs/a%00.html",
            "/docs/%0a",
            "//etc/passwd",
            "/docs//x",
            "etc/passwd",
            "http://evil.example/docs/",
            "*",
            "/%zz",
            "/%2",
            "/%ff%fe",
            "/a b",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
        assert!(parse(&format!("/{}", "a".repeat(5000))).is_err());
    }

    #[test]
    fn base_path_segments() {
        assert!(base_segments("/").is_empty());
        assert_eq!(base_segments("/docs/v1/"), ["docs", "v1"]);
        assert_eq!(base_segments("/my%20docs/"), ["my docs"]);
    }
}
