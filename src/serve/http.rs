//! Answering one HTTP request from the current in-memory site.
//!
//! [`route`] is a pure function from a snapshot and a request target to what to send: a file of
//! the site, a redirect (`/notes/x` to `/notes/x/`, `/` to the base path), the site's own 404 page
//! or a 400 for anything odd. [`handle`] makes the response, with the right `Content-Type`,
//! `Cache-Control: no-store`, and, in HTML, the live-reload script (and the current build error,
//! when the site is broken).

use std::io::Read;
use std::sync::Arc;

use super::paths::{self, Refusal};
use super::server::{Payload, Reply, Request, Response};
use super::snapshot::{Body, Snapshot};
use super::State;

/// Paths under this prefix belong to the dev server, not to the site.
pub const PREFIX: &str = "/__archsite/";
/// The server-sent events endpoint.
pub const EVENTS_PATH: &str = "/__archsite/events";
/// The live-reload script.
pub const SCRIPT_PATH: &str = "/__archsite/live.js";
/// The script itself.
const LIVE_JS: &str = include_str!("live.js");

/// Marks where the injected snippet starts and ends in served HTML.
pub const INJECT_START: &str = "<!--archsite-live-->";
/// See [`INJECT_START`].
pub const INJECT_END: &str = "<!--/archsite-live-->";

/// HTML files larger than this are served from disk without the live-reload script.
const MAX_INJECT_FILE: u64 = 32 << 20;

/// What a request target resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A file of the site (its output path).
    File(String),
    /// A redirect to `location` with the given status.
    Redirect {
        /// Where to.
        location: String,
        /// 301 or 302.
        status: u16,
    },
    /// Nothing there: the site's 404 page.
    NotFound,
    /// A target refused by the strict path checks.
    BadRequest(Refusal),
}

/// Resolves a request target (path and query, as sent) against a site.
pub fn route(site: &Snapshot, target: &str) -> Route {
    let p = match paths::parse(target) {
        Ok(p) => p,
        Err(why) => return Route::BadRequest(why),
    };
    let base = paths::base_segments(&site.base_path);
    let under_base = p.segments.len() >= base.len() && p.segments[..base.len()] == base[..];
    if !under_base {
        // `/`, or a folder above the base path: send the browser to the site.
        if base.starts_with(&p.segments) && p.trailing_slash {
            return Route::Redirect {
                location: format!("{}{}", site.base_path, p.query),
                status: 302,
            };
        }
        return Route::NotFound;
    }
    let rest = &p.segments[base.len()..];
    let rel = rest.join("/");
    let has = |key: &str| site.contains(key);
    if rest.is_empty() || p.trailing_slash {
        if !p.trailing_slash {
            // `/docs` for base `/docs/`.
            return Route::Redirect {
                location: format!("{}/{}", p.raw, p.query),
                status: 301,
            };
        }
        let key = if rel.is_empty() {
            "index.html".to_string()
        } else {
            format!("{rel}/index.html")
        };
        return if has(&key) {
            Route::File(key)
        } else {
            Route::NotFound
        };
    }
    if has(&rel) {
        return Route::File(rel);
    }
    if has(&format!("{rel}/index.html")) {
        return Route::Redirect {
            location: format!("{}/{}", p.raw, p.query),
            status: 301,
        };
    }
    Route::NotFound
}

/// The `Content-Type` of an output path, with `charset=utf-8` on text types.
pub fn content_type(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    };
    let mime = match ext.as_str() {
        "html" | "htm" => "text/html",
        "js" | "mjs" => "text/javascript",
        "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "" if name == "CNAME" => "text/plain",
        "" => "application/octet-stream",
        other => mime_guess::from_ext(other)
            .first_raw()
            .unwrap_or("application/octet-stream"),
    };
    let textual = mime.starts_with("text/")
        || matches!(
            mime,
            "application/json"
                | "application/javascript"
                | "application/xml"
                | "application/manifest+json"
                | "application/atom+xml"
                | "application/rss+xml"
                | "application/ld+json"
                | "image/svg+xml"
        );
    if textual {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

fn is_html(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".html") || lower.ends_with(".htm")
}

fn attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// JSON that is safe inside a `<script>` element.
pub fn script_json(value: &serde_json::Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The snippet injected before `</body>`: the live-reload script, told which build and which file
/// the page comes from, and the current build error, if any.
pub fn snippet(site: &Snapshot, key: &str, always_reload: bool) -> String {
    let mut s = format!(
        "{INJECT_START}<script src=\"{SCRIPT_PATH}\" data-events=\"{EVENTS_PATH}\" data-build=\"{}\" data-page=\"{}\"{} defer></script>",
        attr(&site.build_id),
        attr(&format!("{}{}", site.base_path, key)),
        if always_reload { " data-always-reload" } else { "" },
    );
    if let Some(err) = &site.error {
        s.push_str("<script type=\"application/json\" id=\"archsite-build-error\">");
        s.push_str(&script_json(&err.to_json()));
        s.push_str("</script>");
    }
    s.push_str(INJECT_END);
    s
}

/// Inserts `snippet` before the last `</body>` (any case), or at the end when there is none.
pub fn inject(html: &[u8], snippet: &str) -> Vec<u8> {
    let needle = b"</body";
    let at = html
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + snippet.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(snippet.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn common_headers(content_type: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Content-Type", content_type.to_string()),
        ("Cache-Control", "no-store".into()),
        ("X-Content-Type-Options", "nosniff".into()),
    ]
}

fn send_bytes(status: u16, content_type: &str, data: Arc<Vec<u8>>) -> Reply {
    Reply::Send(Response {
        status,
        headers: common_headers(content_type),
        body: Payload::Bytes(data),
    })
}

fn send_text(status: u16, text: &str) -> Reply {
    send_bytes(
        status,
        "text/plain; charset=utf-8",
        Arc::new(text.as_bytes().to_vec()),
    )
}

/// True when a `Host` header names this machine's loopback interface (`localhost`,
/// `*.localhost`, `127.x.x.x`, `[::1]`, with or without a port).
pub fn loopback_host(host: &str) -> bool {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        }
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Answers one request; [`Reply::Events`] asks for the connection to become an event stream.
pub fn handle(request: &Request, state: &State) -> Reply {
    // A page on another site can point its own host name at 127.0.0.1 (DNS rebinding) and read
    // the dev server from the user's browser; such requests carry that host name.
    if state.loopback_only && request.host.as_deref().is_some_and(|h| !loopback_host(h)) {
        return send_text(
            403,
            "Forbidden: this development server only answers requests for localhost.\n",
        );
    }
    let method = request.method.as_str();
    if method != "GET" && method != "HEAD" {
        let mut headers = common_headers("text/plain; charset=utf-8");
        headers.push(("Allow", "GET, HEAD".into()));
        return Reply::Send(Response {
            status: 405,
            headers,
            body: Payload::Bytes(Arc::new(b"Only GET and HEAD are served.\n".to_vec())),
        });
    }
    let url = request.target.as_str();
    if url.starts_with(PREFIX) {
        let path = url.split(['?', '#']).next().unwrap_or_default();
        return match path {
            EVENTS_PATH if method == "GET" => Reply::Events,
            EVENTS_PATH => send_bytes(
                200,
                "text/event-stream; charset=utf-8",
                Arc::new(Vec::new()),
            ),
            SCRIPT_PATH => send_bytes(
                200,
                "text/javascript; charset=utf-8",
                Arc::new(LIVE_JS.as_bytes().to_vec()),
            ),
            _ => send_text(404, "Not found.\n"),
        };
    }
    let site = state.current();
    match route(&site, url) {
        Route::File(key) => send_file(&site, &key, 200, false),
        Route::Redirect { location, status } => {
            let mut headers = common_headers("text/plain; charset=utf-8");
            headers.push(("Location", location.clone()));
            Reply::Send(Response {
                status,
                headers,
                body: Payload::Bytes(Arc::new(format!("Moved to {location}\n").into_bytes())),
            })
        }
        Route::NotFound => not_found(&site),
        Route::BadRequest(why) => send_text(400, &format!("Bad request: {why}.\n")),
    }
}

/// The first event of a stream: the current build and error.
pub fn hello_json(site: &Snapshot) -> String {
    serde_json::json!({
        "build": site.build_id,
        "error": site.error.as_ref().map(|e| e.to_json()),
    })
    .to_string()
}

fn not_found(site: &Snapshot) -> Reply {
    if site.contains("404.html") {
        return send_file(site, "404.html", 404, true);
    }
    let (status, title) = if site.files.is_empty() && site.error.is_some() {
        (503, "The site has not built yet")
    } else {
        (404, "Page not found")
    };
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body><h1>{title}</h1></body></html>\n"
    );
    let html = inject(page.as_bytes(), &snippet(site, "404.html", true));
    send_bytes(status, "text/html; charset=utf-8", Arc::new(html))
}

fn send_file(site: &Snapshot, key: &str, status: u16, always_reload: bool) -> Reply {
    let content_type = content_type(key);
    match site.get(key) {
        Some(Body::Bytes(data)) => {
            let data = if is_html(key) {
                Arc::new(inject(data, &snippet(site, key, always_reload)))
            } else {
                data.clone()
            };
            send_bytes(status, &content_type, data)
        }
        Some(Body::File(source)) => {
            let Some(mut file) = site.open(source) else {
                return send_text(404, "Not found.\n");
            };
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            if is_html(key) && len <= MAX_INJECT_FILE {
                let mut html = Vec::new();
                if file.read_to_end(&mut html).is_err() {
                    return send_text(500, "The file could not be read.\n");
                }
                let html = inject(&html, &snippet(site, key, always_reload));
                return send_bytes(status, &content_type, Arc::new(html));
            }
            Reply::Send(Response {
                status,
                headers: common_headers(&content_type),
                body: Payload::File(file, len),
            })
        }
        None => send_text(404, "Not found.\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::{FileData, OutputFile};

    fn site(base: &str, paths: &[&str]) -> Snapshot {
        let files = paths
            .iter()
            .map(|p| OutputFile {
                path: p.to_string(),
                data: FileData::Bytes(std::sync::Arc::new(b"x".to_vec())),
            })
            .collect();
        Snapshot::from_output(files, &rustc_hash::FxHashSet::default(), base, "b1".into()).0
    }

    #[test]
    fn routes_under_a_sub_path() {
        let s = site(
            "/docs/",
            &["index.html", "notes/x/index.html", "a.css", "404.html"],
        );
        let file = |k: &str| Route::File(k.to_string());
        let redirect = |l: &str, status| Route::Redirect {
            location: l.into(),
            status,
        };
        assert_eq!(route(&s, "/docs/"), file("index.html"));
        assert_eq!(route(&s, "/docs/notes/x/"), file("notes/x/index.html"));
        assert_eq!(route(&s, "/docs/notes/x/?a=1"), file("notes/x/index.html"));
        assert_eq!(route(&s, "/docs/a.css"), file("a.css"));
        assert_eq!(route(&s, "/docs/notes/x"), redirect("/docs/notes/x/", 301));
        assert_eq!(
            route(&s, "/docs/notes/x?y=1"),
            redirect("/docs/notes/x/?y=1", 301)
        );
        assert_eq!(route(&s, "/docs"), redirect("/docs/", 301));
        assert_eq!(route(&s, "/"), redirect("/docs/", 302));
        assert_eq!(route(&s, "/notes/x/"), Route::NotFound);
        assert_eq!(route(&s, "/docs/nope/"), Route::NotFound);
        assert_eq!(route(&s, "/docs/a.css/"), Route::NotFound);
        assert_eq!(route(&s, "/docs/notes/"), Route::NotFound);
        assert!(matches!(
            route(&s, "/docs/../docs/a.css"),
            Route::BadRequest(_)
        ));
        assert!(matches!(route(&s, "//evil.example/"), Route::BadRequest(_)));
    }

    #[test]
    fn loopback_hosts() {
        for ok in [
            "127.0.0.1:1111",
            "127.0.0.1",
            "127.1.2.3:80",
            "localhost:1111",
            "LOCALHOST",
            "docs.localhost:1111",
            "[::1]:1111",
            "[::1]",
            "localhost.",
        ] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example:1111",
            "evil.example",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "192.168.1.5:1111",
            "[::2]:1111",
            "",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn content_types() {
        for (path, want) in [
            ("index.html", "text/html; charset=utf-8"),
            ("assets/style.0123456789.css", "text/css; charset=utf-8"),
            ("assets/app.js", "text/javascript; charset=utf-8"),
            ("compare/compare.json", "application/json; charset=utf-8"),
            ("sitemap.xml", "text/xml; charset=utf-8"),
            ("img/a.svg", "image/svg+xml; charset=utf-8"),
            ("robots.txt", "text/plain; charset=utf-8"),
            ("img/a.PNG", "image/png"),
            ("font.woff2", "font/woff2"),
            ("CNAME", "text/plain; charset=utf-8"),
            (".nojekyll", "application/octet-stream"),
            ("x.unknownext", "application/octet-stream"),
        ] {
            assert_eq!(content_type(path), want, "{path}");
        }
    }

    #[test]
    fn injects_before_the_last_body_end() {
        let s = site("/", &["index.html"]);
        let html = b"<html><body><p>&lt;/body&gt;</p></BODY></html>";
        let out = String::from_utf8(inject(html, "<!--S-->")).unwrap();
        assert_eq!(
            out,
            "<html><body><p>&lt;/body&gt;</p><!--S--></BODY></html>"
        );
        assert_eq!(
            String::from_utf8(inject(b"<p>no body", "<!--S-->")).unwrap(),
            "<p>no body<!--S-->"
        );
        let snip = snippet(&s, "notes/a\"b/index.html", false);
        assert!(snip.contains("data-page=\"/notes/a&quot;b/index.html\""));
        assert!(snip.starts_with(INJECT_START) && snip.ends_with(INJECT_END));
    }

    #[test]
    fn error_json_cannot_close_the_script() {
        let v = serde_json::json!({"message": "</script><script>alert(1)</script>"});
        assert!(!script_json(&v).contains("</script"));
    }
}
