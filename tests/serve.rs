//! `archsite serve` over real HTTP: the built binary is started on a temporary copy of
//! `tests/fixtures/serve-site` with `--port 0`, and these tests talk to it with raw HTTP/1.1 over
//! `TcpStream` (so no client normalises a path before it reaches the server) and read its
//! live-reload event stream. Every wait polls for a condition with a generous limit; no test
//! asserts on timing.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Upper bound of every wait: a guard against hangs, never a performance check.
const LIMIT: Duration = Duration::from_secs(20);

/// A temporary copy of the fixture: `<tmp>/site`, with room beside it for files outside the site.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        common::copy_dir(&common::fixture("serve-site"), &dir.path().join("site"));
        Site { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    fn replace(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        self.write(rel, &text.replacen(from, to, 1));
    }
}

/// A running `archsite serve`, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// `http://127.0.0.1:PORT/docs/`.
    url: String,
    /// Everything it printed, both streams.
    log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn drain(stream: impl Read + Send + 'static, log: Arc<Mutex<String>>, tx: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            log.lock().unwrap().push_str(&format!("{line}\n"));
            let _ = tx.send(line);
        }
    });
}

fn start_with(site: &Site, args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_archsite"));
    cmd.arg("serve")
        .arg("--root")
        .arg(site.root())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start archsite serve");
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel();
    drain(child.stdout.take().unwrap(), log.clone(), tx.clone());
    drain(child.stderr.take().unwrap(), log.clone(), tx);
    let deadline = Instant::now() + LIMIT;
    let url = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(url) = line.strip_prefix("Serving at ") {
                    break url.trim().to_string();
                }
            }
            Err(_) => {
                let _ = child.kill();
                panic!("no `Serving at` line; output:\n{}", log.lock().unwrap());
            }
        }
    };
    let host_port = url
        .strip_prefix("http://")
        .and_then(|r| r.split('/').next())
        .unwrap();
    let addr: SocketAddr = host_port.parse().unwrap();
    Server {
        child,
        addr,
        url,
        log,
    }
}

fn start(site: &Site) -> Server {
    start_with(site, &["--port", "0"], &[])
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `request` as it is and reads the whole response (the request asks to close).
fn raw(addr: SocketAddr, request: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(LIMIT)).unwrap();
    s.write_all(request).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    parse_response(&buf)
}

fn parse_response(buf: &[u8]) -> Resp {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(buf)));
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let eol = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..eol])
                    .split(';')
                    .next()
                    .unwrap()
                    .trim(),
                16,
            )
            .unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn request(addr: SocketAddr, method: &str, target: &str) -> Resp {
    raw(
        addr,
        format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
}

impl Server {
    fn get(&self, target: &str) -> Resp {
        request(self.addr, "GET", target)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn events(&self) -> Events {
        Events::connect(self.addr, self.log.clone())
    }
}

/// A live-reload event stream, read on a thread of its own.
struct Events {
    rx: Receiver<(String, String)>,
    hello: String,
    /// The server's output, shown when an expected event does not come.
    log: Arc<Mutex<String>>,
}

impl Events {
    fn connect(addr: SocketAddr, log: Arc<Mutex<String>>) -> Events {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(
            format!(
                "GET /__archsite/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut event = String::from("message");
            let mut data = Vec::new();
            for line in BufReader::new(s).lines() {
                let Ok(line) = line else { break };
                if let Some(e) = line.strip_prefix("event: ") {
                    event = e.to_string();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push(d.to_string());
                } else if line.is_empty() && !data.is_empty() {
                    if tx.send((event.clone(), data.join("\n"))).is_err() {
                        break;
                    }
                    data.clear();
                    event = "message".into();
                }
            }
        });
        let mut events = Events {
            rx,
            hello: String::new(),
            log,
        };
        events.hello = events.next_named("hello");
        events
    }

    /// The next event of any name.
    fn next(&self) -> (String, String) {
        self.rx.recv_timeout(LIMIT).unwrap_or_else(|_| {
            panic!(
                "no event came; server output:\n{}",
                self.log.lock().unwrap()
            )
        })
    }

    /// Skips events until one named `name`; returns its data.
    fn next_named(&self, name: &str) -> String {
        let deadline = Instant::now() + LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok((e, d)) if e == name => return d,
                Ok(_) => {}
                Err(_) => panic!(
                    "no `{name}` event came; server output:\n{}",
                    self.log.lock().unwrap()
                ),
            }
        }
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("bad JSON {text:?}: {e}"))
}

fn changed_list(data: &str) -> Vec<String> {
    json(data)["changed"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Polls `cond` until it holds or [`LIMIT`] passes.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting until {what}");
}

/// Removes the live-reload snippet the server adds to HTML.
fn strip_injection(body: &[u8]) -> Vec<u8> {
    let text = body.to_vec();
    let start = b"<!--archsite-live-->";
    let end = b"<!--/archsite-live-->";
    let Some(a) = text.windows(start.len()).position(|w| w == start) else {
        return text;
    };
    let b = text.windows(end.len()).position(|w| w == end).unwrap() + end.len();
    let mut out = text[..a].to_vec();
    out.extend_from_slice(&text[b..]);
    out
}

/// The quoted attribute value that contains `needle` (`href="/docs/assets/style.123.css"`).
fn href_of(html: &str, needle: &str) -> String {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in page"));
    let open = html[..at].rfind('"').unwrap() + 1;
    let close = at + html[at..].find('"').unwrap();
    html[open..close].to_string()
}

// ---------------------------------------------------------------------------------------------

#[test]
fn pages_types_redirects_and_404() {
    let site = Site::new();
    let server = start(&site);
    assert!(
        server.url.starts_with("http://127.0.0.1:") && server.url.ends_with("/docs/"),
        "{}",
        server.url
    );
    assert!(server.addr.ip().is_loopback());

    let home = server.get("/docs/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(home.header("cache-control"), Some("no-store"));
    let html = home.text();
    assert!(html.contains("Welcome to the serve fixture"));
    assert!(html.contains("<!--archsite-live--><script src=\"/__archsite/live.js\""));
    assert!(html
        .trim_end()
        .ends_with("<!--/archsite-live--></body>\n</html>"));
    // Links carry the sub-path and the local address.
    assert!(html.contains("href=\"/docs/notes/\""));
    assert!(html.contains(&format!("href=\"{}\"", server.url)));

    let alpha = server.get("/docs/notes/alpha/");
    assert_eq!(alpha.status, 200);
    assert!(alpha.text().contains("ORIGINAL-ALPHA"));
    let alpha_html = alpha.text();

    let types = [
        (
            href_of(&alpha_html, "assets/style."),
            "text/css; charset=utf-8",
        ),
        (
            href_of(&alpha_html, "assets/app."),
            "text/javascript; charset=utf-8",
        ),
        ("/docs/custom.css".into(), "text/css; charset=utf-8"),
        ("/docs/data.json".into(), "application/json; charset=utf-8"),
        ("/docs/sitemap.xml".into(), "text/xml; charset=utf-8"),
        ("/docs/atom.xml".into(), "text/xml; charset=utf-8"),
        ("/docs/img/logo.svg".into(), "image/svg+xml; charset=utf-8"),
        (
            "/docs/notes/diagram.svg".into(),
            "image/svg+xml; charset=utf-8",
        ),
        ("/docs/hello.txt".into(), "text/plain; charset=utf-8"),
        ("/docs/robots.txt".into(), "text/plain; charset=utf-8"),
        (
            "/docs/compare/compare.json".into(),
            "application/json; charset=utf-8",
        ),
    ];
    for (path, want) in &types {
        let r = server.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(*want), "{path}");
        assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
        assert!(
            !r.text().contains("archsite-live"),
            "{path} must not get the script"
        );
    }
    assert_eq!(
        server.get("/docs/hello.txt").text(),
        "Hello from static/.\n"
    );

    // A static HTML file gets the script too.
    let plain = server.get("/docs/plain.html");
    assert!(plain.text().contains("A static HTML file."));
    assert!(plain.text().contains("archsite-live"));

    // Redirects: to the trailing slash, and from the root to the sub-path.
    let r = server.get("/docs/notes/alpha");
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/docs/notes/alpha/"));
    let r = server.get("/docs/notes/alpha?x=1");
    assert_eq!(r.header("location"), Some("/docs/notes/alpha/?x=1"));
    let r = server.get("/docs");
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/docs/"));
    let r = server.get("/");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/docs/"));

    // The site's own 404 page, with status 404, for missing pages and paths outside the site.
    for missing in [
        "/docs/nope/",
        "/docs/nope.css",
        "/notes/alpha/",
        "/favicon.ico",
    ] {
        let r = server.get(missing);
        assert_eq!(r.status, 404, "{missing}");
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        let body = r.text();
        assert!(
            body.contains("noindex"),
            "{missing}: not the site's 404 page"
        );
        assert!(body.contains("data-always-reload"), "{missing}");
    }

    // HEAD: the same headers, no body.
    let get = server.get("/docs/notes/alpha/");
    let head = request(server.addr, "HEAD", "/docs/notes/alpha/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-length"), get.header("content-length"));
    assert_eq!(
        head.header("content-length")
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        get.body.len()
    );
    let head = request(server.addr, "HEAD", "/docs/custom.css");
    assert_eq!(head.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(head.body.is_empty());

    // Other methods.
    let r = request(server.addr, "POST", "/docs/");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));

    // The server's own script.
    let js = server.get("/__archsite/live.js");
    assert_eq!(js.status, 200);
    assert_eq!(
        js.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(js.text().contains("EventSource"));
}

#[test]
fn traversal_attempts_never_leave_the_site() {
    let site = Site::new();
    let secret = "TOP-SECRET-OUTSIDE-THE-SITE";
    std::fs::write(site.dir.path().join("secret.txt"), secret).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(
            site.dir.path().join("secret.txt"),
            site.path("static/link.txt"),
        )
        .unwrap();
        symlink(site.dir.path(), site.path("static/linkdir")).unwrap();
        symlink(
            site.dir.path().join("secret.txt"),
            site.path("content/notes/link.md"),
        )
        .unwrap();
    }
    let server = start(&site);
    assert_eq!(server.get("/docs/hello.txt").status, 200);

    // Must be refused as malformed.
    let bad_request = [
        "/docs/../secret.txt",
        "/docs/../../secret.txt",
        "/../secret.txt",
        "/docs/./hello.txt",
        "/docs/%2e%2e/%2e%2e/secret.txt",
        "/docs/%2E%2E/secret.txt",
        "/docs/.%2e/secret.txt",
        "/docs/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/docs/..%2f..%2fsecret.txt",
        "/docs%2f..%2fsecret.txt",
        "/docs/%2fetc%2fpasswd",
        "/docs/..%5c..%5csecret.txt",
        "/docs/%5c..%5csecret.txt",
        "/docs\\..\\secret.txt",
        "/docs/hello.txt%00.html",
        "/docs/%00",
        "//etc/passwd",
        "/docs//etc/passwd",
        "/docs/C:%5cWindows%5cwin.ini",
        "/docs/%zz",
        "/docs/%c0%ae%c0%ae/secret.txt",
    ];
    for target in bad_request {
        let r = server.get(target);
        assert_eq!(r.status, 400, "{target}: {}", r.text());
        assert!(!r.text().contains(secret), "{target} leaked the secret");
    }

    // Well-formed but not in the site: the 404 page. The absolute path of the secret, symbolic
    // links out of the site (which the build does not publish), a double-encoded dot-dot.
    let secret_abs = site.dir.path().join("secret.txt");
    let not_found = [
        secret_abs.to_string_lossy().to_string(),
        "/etc/passwd".into(),
        "/docs/etc/passwd".into(),
        "/docs/link.txt".into(),
        "/docs/linkdir/secret.txt".into(),
        "/docs/linkdir/site/site.toml".into(),
        "/docs/notes/link/".into(),
        "/docs/%252e%252e/secret.txt".into(),
        "/docs/...".into(),
        "/site.toml".into(),
        "/docs/site.toml".into(),
        "/docs/content/notes/alpha.md".into(),
        "/docs/notes/alpha.md".into(),
    ];
    for target in &not_found {
        let r = server.get(target);
        assert_eq!(r.status, 404, "{target}: {}", r.text());
        assert!(!r.text().contains(secret), "{target} leaked the secret");
    }

    // Request targets that are not paths.
    for line in [
        "GET http://127.0.0.1/docs/../secret.txt HTTP/1.1",
        "GET * HTTP/1.1",
        "GET docs/hello.txt HTTP/1.1",
    ] {
        let r = raw(
            server.addr,
            format!("{line}\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        assert_eq!(r.status, 400, "{line}");
        assert!(!r.text().contains(secret));
    }
    // A served file swapped for a link out of the site: never served, not even before the
    // rebuild that follows.
    #[cfg(unix)]
    {
        std::fs::remove_file(site.path("static/hello.txt")).unwrap();
        std::os::unix::fs::symlink(
            site.dir.path().join("secret.txt"),
            site.path("static/hello.txt"),
        )
        .unwrap();
        wait_until("the swapped file is gone", || {
            let r = server.get("/docs/hello.txt");
            assert!(
                !r.text().contains(secret),
                "a swapped-in link leaked the secret"
            );
            r.status == 404
        });
    }
    // DNS rebinding: a request naming another host is refused, whatever it asks for.
    for (host, want) in [
        ("evil.example", 403),
        (&format!("evil.example:{}", server.addr.port()), 403),
        (&format!("localhost:{}", server.addr.port()), 200),
        (&format!("127.0.0.1:{}", server.addr.port()), 200),
    ] {
        for target in ["/docs/data.json", "/__archsite/events"] {
            if want == 200 && target.contains("events") {
                continue;
            }
            let r = raw(
                server.addr,
                format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
            assert_eq!(r.status, want, "{host} {target}");
        }
    }
    // The redirect to the slash never sends the browser to another host.
    let r = server.get("//evil.example/docs");
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_none());
}

#[test]
fn many_clients_at_once_including_stalled_ones() {
    let site = Site::new();
    // A large file (sparse, so cheap) that stalled readers never finish reading.
    std::fs::File::create(site.path("static/big.bin"))
        .unwrap()
        .set_len(64 << 20)
        .unwrap();
    let server = start(&site);
    let addr = server.addr;

    // Clients that sent half a request, clients holding event streams, and clients that asked
    // for the big file and stopped reading: more of each than there are core workers.
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(format!("GET /docs/ HTTP/1.1\r\nHost: {addr}\r\n").as_bytes())
            .unwrap();
        held.push(s);
    }
    let streams: Vec<Events> = (0..20).map(|_| server.events()).collect();
    for _ in 0..20 {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(format!("GET /docs/big.bin HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
            .unwrap();
        held.push(s);
    }

    let paths = [
        "/docs/",
        "/docs/notes/alpha/",
        "/docs/custom.css",
        "/docs/hello.txt",
        "/docs/nope/",
    ];
    let handles: Vec<_> = (0..200)
        .map(|i| {
            let path = paths[i % paths.len()];
            std::thread::spawn(move || (path, request(addr, "GET", path).status))
        })
        .collect();
    let mut answered = 0;
    for h in handles {
        let (path, status) = h.join().unwrap();
        let want = if path == "/docs/nope/" { 404 } else { 200 };
        assert_eq!(status, want, "{path}");
        answered += 1;
    }
    assert_eq!(answered, 200);
    drop(streams);
    drop(held);
}

#[test]
fn edits_send_reload_or_css_events_and_serve_new_content() {
    let site = Site::new();
    let server = start(&site);
    let events = server.events();
    assert!(json(&events.hello)["build"].is_string());
    assert!(json(&events.hello)["error"].is_null());

    site.replace("content/notes/alpha.md", "ORIGINAL-ALPHA", "EDITED-ALPHA");
    let data = events.next_named("reload");
    assert!(
        changed_list(&data).contains(&"/docs/notes/alpha/index.html".to_string()),
        "{data}"
    );
    let page = server.get("/docs/notes/alpha/").text();
    assert!(page.contains("EDITED-ALPHA"));
    assert!(page.contains(&format!(
        "data-build=\"{}\"",
        json(&data)["build"].as_str().unwrap()
    )));

    // Only a stylesheet changed: a `css` event naming it, and no reload.
    site.write(
        "static/custom.css",
        ".fixture-marker { color: rgb(200, 0, 0); }\n",
    );
    let (name, data) = events.next();
    assert_eq!(name, "css", "{data}");
    assert_eq!(changed_list(&data), ["/docs/custom.css"]);
    // Modifying a copied file needs no page rendered.
    wait_until("the fast path is logged", || {
        server.log().contains("no page rendered: copied files only")
    });
    assert!(server
        .get("/docs/custom.css")
        .text()
        .contains("rgb(200, 0, 0)"));

    // A new page.
    site.write(
        "content/notes/gamma.md",
        "---\ntitle: \"Gamma note\"\n---\n\nGAMMA-BODY\n",
    );
    let data = events.next_named("reload");
    assert!(changed_list(&data).contains(&"/docs/notes/gamma/index.html".to_string()));
    assert!(server
        .get("/docs/notes/gamma/")
        .text()
        .contains("GAMMA-BODY"));
    // Nothing outside the site appears because of it.
    assert!(!server.log().contains("warning: not serving"));
}

#[test]
fn each_save_rebuilds_once_and_editor_files_are_ignored() {
    let site = Site::new();
    let server = start(&site);
    let events = server.events();
    let rebuilds = |s: &Server| s.log().matches("Rebuilt in").count();

    // 1. A plain write.
    site.replace("content/notes/alpha.md", "ORIGINAL-ALPHA", "SAVE-ONE");
    events.next_named("reload");
    // 2. An atomic save: write a temporary file, rename it over the page.
    let text = site
        .read("content/notes/alpha.md")
        .replace("SAVE-ONE", "SAVE-TWO");
    std::fs::write(site.path("content/notes/.alpha.md.tmp1234"), &text).unwrap();
    std::fs::rename(
        site.path("content/notes/.alpha.md.tmp1234"),
        site.path("content/notes/alpha.md"),
    )
    .unwrap();
    events.next_named("reload");
    // 3. A vim-style save: probe file 4913, swap file, backup, new file.
    let text = text.replace("SAVE-TWO", "SAVE-THREE");
    std::fs::write(site.path("content/notes/4913"), "").unwrap();
    std::fs::remove_file(site.path("content/notes/4913")).unwrap();
    std::fs::write(site.path("content/notes/.alpha.md.swp"), "swap").unwrap();
    std::fs::rename(
        site.path("content/notes/alpha.md"),
        site.path("content/notes/alpha.md~"),
    )
    .unwrap();
    std::fs::write(site.path("content/notes/alpha.md"), &text).unwrap();
    std::fs::remove_file(site.path("content/notes/alpha.md~")).unwrap();
    std::fs::remove_file(site.path("content/notes/.alpha.md.swp")).unwrap();
    events.next_named("reload");
    assert!(server
        .get("/docs/notes/alpha/")
        .text()
        .contains("SAVE-THREE"));
    // 4. Editor files alone change nothing: no rebuild at all.
    std::fs::write(site.path("content/notes/.beta.md.swp"), "swap").unwrap();
    std::fs::write(site.path("content/notes/beta.md~"), "backup").unwrap();
    std::fs::write(site.path("content/notes/.#beta.md"), "lock").unwrap();
    // 5. A final save; the rebuild after it is the fourth in all (one per save).
    site.replace("content/notes/beta.md", "ORIGINAL-BETA", "SAVE-FOUR");
    events.next_named("reload");
    wait_until("the fourth rebuild is logged", || rebuilds(&server) >= 4);
    let log = server.log();
    assert_eq!(rebuilds(&server), 4, "one rebuild per save:\n{log}");
    assert!(!log.contains(".swp"), "{log}");
    assert!(!log.contains("4913"), "{log}");
    assert!(!log.contains("beta.md~"), "{log}");
}

#[test]
fn a_broken_edit_keeps_the_last_good_site_and_recovers() {
    let site = Site::new();
    let server = start(&site);
    let events = server.events();

    // Bad front matter.
    site.replace(
        "content/notes/beta.md",
        "title: \"Beta note\"",
        "title: [unclosed",
    );
    let data = events.next_named("error");
    let err = json(&data);
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("content/notes/beta.md:2"), "{message}");
    assert_eq!(err["problems"][0]["file"], "content/notes/beta.md");
    assert_eq!(err["problems"][0]["line"], 2);
    wait_until("the error is printed", || {
        server.log().contains("content/notes/beta.md:2")
    });
    // The last good page is still served, carrying the error for the overlay.
    let page = server.get("/docs/notes/beta/");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("ORIGINAL-BETA"));
    assert!(html.contains("id=\"archsite-build-error\""));
    assert!(html.contains("content/notes/beta.md:2"));
    // A new event stream is told at once.
    let late = server.events();
    assert!(json(&late.hello)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("beta.md:2"));

    // Fixing it sends a reload (with nothing changed) and clears the error everywhere.
    site.replace(
        "content/notes/beta.md",
        "title: [unclosed",
        "title: \"Beta note\"",
    );
    let data = events.next_named("reload");
    assert_eq!(changed_list(&data), Vec::<String>::new());
    late.next_named("reload");
    assert!(!server
        .get("/docs/notes/beta/")
        .text()
        .contains("archsite-build-error"));

    // A broken link, reported with its line.
    site.replace(
        "content/notes/alpha.md",
        "See the [beta note](beta.md)",
        "See the [beta note](missing-page.md)",
    );
    let err = json(&events.next_named("error"));
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("content/notes/alpha.md:9"), "{message}");
    assert!(message.contains("missing-page"), "{message}");
    site.replace(
        "content/notes/alpha.md",
        "[beta note](missing-page.md)",
        "[beta note](beta.md)",
    );
    events.next_named("reload");

    // A template error, then an edit made while broken shows up once it is fixed.
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}\n{% block main %}{{ page.content | safe }\n{% endblock main %}\n",
    );
    let err = json(&events.next_named("error"));
    assert!(
        err["message"].as_str().unwrap().contains("page.html"),
        "{}",
        err["message"]
    );
    site.replace("content/notes/beta.md", "ORIGINAL-BETA", "FIXED-BETA");
    events.next_named("error");
    assert!(server
        .get("/docs/notes/beta/")
        .text()
        .contains("ORIGINAL-BETA"));
    std::fs::remove_file(site.path("templates/page.html")).unwrap();
    let data = events.next_named("reload");
    assert!(changed_list(&data).contains(&"/docs/notes/beta/index.html".to_string()));
    let html = server.get("/docs/notes/beta/").text();
    assert!(html.contains("FIXED-BETA"));
    assert!(!html.contains("archsite-build-error"));
}

#[test]
fn moving_the_content_folder_away_keeps_the_last_good_site() {
    let site = Site::new();
    let server = start(&site);
    let events = server.events();
    let moved = site.dir.path().join("content-elsewhere");
    std::fs::rename(site.path("content"), &moved).unwrap();
    let err = json(&events.next_named("error"));
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("content folder is missing"), "{message}");
    // Every page of the last good build is still served, with the error for the overlay.
    let page = server.get("/docs/notes/beta/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("ORIGINAL-BETA"));
    assert!(page.text().contains("archsite-build-error"));
    std::fs::rename(&moved, site.path("content")).unwrap();
    events.next_named("reload");
    assert!(!server
        .get("/docs/notes/beta/")
        .text()
        .contains("archsite-build-error"));
}

#[test]
fn a_site_broken_from_the_start_is_served_once_fixed() {
    let site = Site::new();
    site.replace(
        "content/notes/beta.md",
        "title: \"Beta note\"",
        "title: [unclosed",
    );
    let server = start(&site);
    assert!(server.url.ends_with("/docs/"));
    let r = server.get("/docs/");
    assert_eq!(r.status, 503);
    assert!(r.text().contains("content/notes/beta.md:2"));
    assert!(r.text().contains("archsite-live"));
    let events = server.events();
    assert!(!json(&events.hello)["error"].is_null());
    site.replace(
        "content/notes/beta.md",
        "title: [unclosed",
        "title: \"Beta note\"",
    );
    events.next_named("reload");
    let r = server.get("/docs/notes/beta/");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("ORIGINAL-BETA"));
}

#[test]
fn a_site_first_broken_by_a_link_serves_its_search_index_once_fixed() {
    // The first build fails at the link check, after its search index was made: the fixed
    // build has no earlier index to serve meanwhile, so it must carry its own.
    let site = Site::new();
    site.replace(
        "content/notes/beta.md",
        "Beta body text: ORIGINAL-BETA.",
        "Beta body text: ORIGINAL-BETA. See [nothing](missing.md).",
    );
    let server = start(&site);
    assert_eq!(server.get("/docs/").status, 503);
    assert_ne!(server.get("/docs/search-index.json").status, 200);
    let events = server.events();
    site.replace("content/notes/beta.md", " See [nothing](missing.md).", "");
    events.next_named("reload");
    let index = server.get("/docs/search-index.json");
    assert_eq!(index.status, 200, "the index is served with the fixed site");
    let docs = json(&index.text())["docs"].as_u64().unwrap_or(0);
    assert!(
        docs >= 3,
        "the index lists the site's pages: {}",
        index.text()
    );
}

#[test]
fn renamed_deleted_and_new_files_and_folders() {
    let site = Site::new();
    let server = start(&site);
    let events = server.events();
    let status = |p: &str| server.get(p).status;

    // Rename a page nobody links to.
    std::fs::rename(
        site.path("content/notes/beta.md"),
        site.path("content/notes/beta-two.md"),
    )
    .unwrap();
    site.replace("content/notes/alpha.md", "(beta.md)", "(beta-two.md)");
    events.next_named("reload");
    wait_until("the renamed page is served", || {
        status("/docs/notes/beta-two/") == 200
    });
    assert_eq!(status("/docs/notes/beta/"), 404);

    // Delete a page.
    site.replace(
        "content/notes/alpha.md",
        "(beta-two.md)",
        "(https://example.org/)",
    );
    std::fs::remove_file(site.path("content/notes/beta-two.md")).unwrap();
    events.next_named("reload");
    wait_until("the deleted page is gone", || {
        status("/docs/notes/beta-two/") == 404
    });

    // A new folder with pages, made in one go.
    std::fs::create_dir_all(site.path("content/guides/deep")).unwrap();
    site.write("content/guides/_index.md", "---\ntitle: \"Guides\"\n---\n");
    site.write(
        "content/guides/deep/page.md",
        "---\ntitle: \"Deep page\"\n---\n\nDEEP-PAGE\n",
    );
    wait_until("the new folder is served", || {
        server
            .get("/docs/guides/deep/page/")
            .text()
            .contains("DEEP-PAGE")
    });
    // Pages created later in the new folder are seen too (it is watched).
    site.write(
        "content/guides/deep/later.md",
        "---\ntitle: \"Later\"\n---\n\nLATER-PAGE\n",
    );
    wait_until("a page in the new folder is served", || {
        server
            .get("/docs/guides/deep/later/")
            .text()
            .contains("LATER-PAGE")
    });

    // Rename the folder.
    std::fs::rename(site.path("content/guides"), site.path("content/howto")).unwrap();
    wait_until("the renamed folder is served", || {
        status("/docs/howto/deep/page/") == 200
    });
    assert_eq!(status("/docs/guides/deep/page/"), 404);
    site.write(
        "content/howto/deep/page.md",
        "---\ntitle: \"Deep page\"\n---\n\nDEEP-EDITED\n",
    );
    wait_until("an edit in the renamed folder is served", || {
        server
            .get("/docs/howto/deep/page/")
            .text()
            .contains("DEEP-EDITED")
    });

    // Delete the folder, and a static file; add a static folder.
    std::fs::remove_dir_all(site.path("content/howto")).unwrap();
    std::fs::remove_file(site.path("static/hello.txt")).unwrap();
    site.write("static/fonts/readme.txt", "FONTS");
    wait_until("deleted files are gone and the new one is there", || {
        status("/docs/howto/deep/page/") == 404
            && status("/docs/hello.txt") == 404
            && server.get("/docs/fonts/readme.txt").text() == "FONTS"
    });

    // A source folder created after the start (templates/) is watched too.
    site.write(
        "templates/partials/footer.html",
        "<footer>CUSTOM-FOOTER</footer>\n",
    );
    wait_until("the new templates folder is used", || {
        server
            .get("/docs/notes/alpha/")
            .text()
            .contains("CUSTOM-FOOTER")
    });

    // site.toml: a new title.
    site.replace(
        "site.toml",
        "title = \"Serve fixture\"",
        "title = \"Renamed fixture\"",
    );
    wait_until("the new title is served", || {
        server
            .get("/docs/notes/alpha/")
            .text()
            .contains("Renamed fixture")
    });
}

#[test]
fn polling_watcher_picks_up_changes() {
    let site = Site::new();
    let server = start_with(&site, &["--port", "0"], &[("ARCHSITE_WATCH", "poll")]);
    wait_until("polling is announced", || {
        server.log().contains("(polling)")
    });
    let events = server.events();
    site.replace("content/notes/alpha.md", "ORIGINAL-ALPHA", "POLLED-ALPHA");
    events.next_named("reload");
    assert!(server
        .get("/docs/notes/alpha/")
        .text()
        .contains("POLLED-ALPHA"));
}

/// Every file `archsite build` writes, by path.
fn build_files(root: &Path, out: &Path, base_url: &str) -> BTreeMap<String, Vec<u8>> {
    let (root_s, out_s) = (root.to_string_lossy(), out.to_string_lossy());
    let args = [
        "build",
        "--root",
        &root_s,
        "--output",
        &out_s,
        "--base-url",
        base_url,
    ];
    common::archsite(&args, root).assert_ok();
    // The build's record of what it wrote is not part of the site.
    let mut files = common::snapshot(out);
    files.remove(".archsite-manifest.json");
    files
}

#[test]
fn incremental_rebuilds_are_byte_identical_to_a_full_build() {
    let site = Site::new();
    let server = start(&site);
    let events = server.events();
    let outputs = tempfile::tempdir().unwrap();
    let before = build_files(&site.root(), &outputs.path().join("before"), &server.url);

    // A series of edits of every kind, each waited for.
    site.replace("content/notes/alpha.md", "ORIGINAL-ALPHA", "EDITED-ALPHA");
    events.next_named("reload");
    site.write(
        "content/notes/gamma.md",
        "---\ntitle: \"Gamma\"\ntags: [new-tag]\n---\n\nGamma links to [alpha](alpha.md).\n\n```rust\nfn main() {}\n```\n",
    );
    events.next_named("reload");
    site.replace("content/notes/beta.md", "weight: 2", "weight: 0");
    events.next_named("reload");
    site.write(
        "templates/partials/footer.html",
        "<footer>FOOTER {{ site.title }}</footer>\n",
    );
    events.next_named("reload");
    site.replace(
        "site.toml",
        "title = \"Serve fixture\"",
        "title = \"Edited fixture\"",
    );
    events.next_named("reload");
    site.write("static/extra.txt", "extra");
    events.next_named("reload");
    // Modified copied files (a static file, a content asset) take the fast path.
    site.write("static/hello.txt", "Hello again.\n");
    events.next_named("reload");
    site.replace("content/notes/diagram.svg", "#36c", "#c63");
    events.next_named("reload");
    std::fs::remove_file(site.path("static/data.json")).unwrap();
    events.next_named("reload");
    site.replace(
        "content/notes/alpha.md",
        "EDITED-ALPHA",
        "EDITED-ALPHA-AGAIN",
    );
    events.next_named("reload");

    let after = build_files(&site.root(), &outputs.path().join("after"), &server.url);
    assert!(after.contains_key("notes/gamma/index.html"));
    // The server makes the search index after it has served the new pages: wait for it.
    let manifest = after.get("search-index.json").expect("search manifest");
    wait_until("the search index of the last edit", || {
        &server.get("/docs/search-index.json").body == manifest
    });
    assert!(after.contains_key("extra.txt"));
    let mut compared = 0;
    for (path, bytes) in &after {
        assert!(
            !String::from_utf8_lossy(bytes).contains("__archsite"),
            "{path}: the live-reload script must never be in `build` output"
        );
        let r = server.get(&format!("/docs/{path}"));
        assert_eq!(r.status, 200, "{path}");
        let served = if path.ends_with(".html") {
            strip_injection(&r.body)
        } else {
            r.body.clone()
        };
        assert!(
            &served == bytes,
            "{path} differs between serve and build:\nserved:\n{}\nbuilt:\n{}",
            String::from_utf8_lossy(&served),
            String::from_utf8_lossy(bytes)
        );
        compared += 1;
    }
    assert!(compared > 30, "{compared}");
    // Files of the first build that the last one no longer has are gone from the server too.
    let gone: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    assert!(gone.iter().any(|k| k.as_str() == "data.json"));
    for path in gone {
        assert_eq!(server.get(&format!("/docs/{path}")).status, 404, "{path}");
    }
}

#[test]
fn busy_ports_are_explained_or_skipped() {
    let site = Site::new();
    // An explicit port that is taken: a clear error.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_archsite"))
        .args(["serve", "--port", &port, "--root"])
        .arg(site.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("port {port}")), "{err}");
    assert!(err.contains("already in use"), "{err}");
    assert!(err.contains("--port 0"), "{err}");

    // No port given and the default one taken: the next free one, said so.
    let hold = std::net::TcpListener::bind(("127.0.0.1", 1111));
    let server = start_with(&site, &[], &[]);
    assert_ne!(server.addr.port(), 1111);
    if hold.is_ok() {
        // Printed before the address.
        assert!(
            server.log().contains("Port 1111 is in use; using port"),
            "{}",
            server.log()
        );
    }
    assert_eq!(server.get("/docs/").status, 200);

    // A missing folder is an error, not an empty site.
    let out = Command::new(env!("CARGO_BIN_EXE_archsite"))
        .args(["serve", "--port", "0", "--root"])
        .arg(site.dir.path().join("no-such-site"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-site"));
}

fn listing(dir: &Path) -> Vec<PathBuf> {
    common::walk(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_path_buf())
        .collect()
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_and_leaves_nothing_behind() {
    let site = Site::new();
    let before = listing(site.dir.path());
    let mut server = start(&site);
    assert_eq!(server.get("/docs/").status, 200);
    site.replace("content/notes/alpha.md", "ORIGINAL-ALPHA", "EDITED-ALPHA");
    wait_until("the edit is served", || {
        server
            .get("/docs/notes/alpha/")
            .text()
            .contains("EDITED-ALPHA")
    });
    let status = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + LIMIT;
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "still running after SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!exit.success());
    assert!(TcpStream::connect(server.addr).is_err(), "still listening");
    // Nothing was written next to or inside the site (no output folder, no temporary files).
    assert_eq!(listing(site.dir.path()), before);
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

#[test]
fn open_without_a_browser_opener_still_serves() {
    let site = Site::new();
    let empty = tempfile::tempdir().unwrap();
    let server = start_with(
        &site,
        &["--port", "0", "--open"],
        &[("PATH", empty.path().to_str().unwrap())],
    );
    assert_eq!(server.get("/docs/").status, 200);
    wait_until("the missing opener is reported", || {
        server
            .log()
            .contains("--open: found no program to open a browser with")
    });
}

#[test]
fn drafts_only_with_the_flag() {
    let site = Site::new();
    site.write(
        "content/notes/draft.md",
        "---\ntitle: \"Draft\"\ndraft: true\n---\n\nDRAFT-BODY\n",
    );
    let server = start(&site);
    assert_eq!(server.get("/docs/notes/draft/").status, 404);
    let with_drafts = start_with(&site, &["--port", "0", "--drafts"], &[]);
    let r = with_drafts.get("/docs/notes/draft/");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("DRAFT-BODY"));
}

#[test]
fn a_new_base_url_moves_the_site_and_is_announced() {
    let site = Site::new();
    let server = start(&site);
    let events = server.events();
    site.replace(
        "site.toml",
        "base_url = \"https://example.com/docs/\"",
        "base_url = \"https://example.com/handbook/v2/\"",
    );
    events.next_named("reload");
    let new_url = format!("http://{}/handbook/v2/", server.addr);
    wait_until("the new address is printed", || {
        server.log().contains(&format!("Serving at {new_url}"))
    });
    let page = server.get("/handbook/v2/notes/alpha/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("href=\"/handbook/v2/notes/\""));
    assert_eq!(server.get("/docs/notes/alpha/").status, 404);
    let r = server.get("/");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/handbook/v2/"));
    let r = server.get("/handbook/");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/handbook/v2/"));
}
