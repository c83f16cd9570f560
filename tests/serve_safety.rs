//! The dev server's safety promises over real TCP: no file from outside the site is ever
//! served, even when a served file and a symbolic link out of the site are swapped back and
//! forth under load; requests are bounded in size and time, and idle connections cost no
//! thread each. Timing appears only as generous guards against hangs.

mod common;
mod serve_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serve_support::{raw, Server, Site};

/// A served file replaced by a link to a file outside the site and back, again and again,
/// while clients keep asking for it: no answer ever carries the outside file's bytes.
#[cfg(unix)]
#[test]
fn a_file_swapped_with_an_outside_link_is_never_served_from_outside() {
    const SECRET: &str = "OUTSIDE-SECRET-BYTES";
    const INSIDE: &str = "INSIDE-BYTES";
    let site = Site::new();
    std::fs::write(site.outside("secret.txt"), SECRET.repeat(100)).unwrap();
    std::fs::write(site.path("static/swap.txt"), INSIDE).unwrap();
    let server = Server::start(&site.root());
    let addr = server.addr;
    assert_eq!(server.get("/docs/swap.txt").text(), INSIDE);

    let stop = Arc::new(AtomicBool::new(false));
    let served_inside = Arc::new(AtomicUsize::new(0));
    let leaks = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (stop, served_inside, leaks) = (stop.clone(), served_inside.clone(), leaks.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let r = raw(
                        addr,
                        format!(
                            "GET /docs/swap.txt HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
                        )
                        .as_bytes(),
                    );
                    let text = r.text();
                    if text.contains("OUTSIDE-SECRET") {
                        leaks.fetch_add(1, Ordering::SeqCst);
                    } else if r.status == 200 && text == INSIDE {
                        served_inside.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();

    // Swap with renames, so the name always exists: a link out of the site, then a file.
    let link_tmp = site.outside("swap-link.tmp");
    let file_tmp = site.outside("swap-file.tmp");
    let target = site.path("static/swap.txt");
    let end = Instant::now() + Duration::from_secs(3);
    let mut swaps = 0;
    while Instant::now() < end {
        let _ = std::fs::remove_file(&link_tmp);
        std::os::unix::fs::symlink(site.outside("secret.txt"), &link_tmp).unwrap();
        std::fs::rename(&link_tmp, &target).unwrap();
        std::fs::write(&file_tmp, INSIDE).unwrap();
        std::fs::rename(&file_tmp, &target).unwrap();
        swaps += 1;
    }
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    assert_eq!(
        leaks.load(Ordering::SeqCst),
        0,
        "the outside file was served ({swaps} swaps, {} inside answers)",
        served_inside.load(Ordering::SeqCst)
    );
    // The file itself is still served once it stays put.
    serve_support::wait_until("the file is served again", || {
        server.get("/docs/swap.txt").text() == INSIDE
    });
}

/// The request head (request line and headers) is bounded: a megabyte of header gets 431 and
/// the server goes on answering.
#[test]
fn an_oversized_header_is_refused_and_the_server_stays_up() {
    let site = Site::new();
    let mut server = Server::start(&site.root());
    let addr = server.addr;
    let big = "a".repeat(1 << 20);
    let r = raw(
        addr,
        format!("GET /docs/ HTTP/1.1\r\nHost: {addr}\r\nX-Big: {big}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    assert!(
        r.status == 431 || r.status == 400,
        "status {}: {}",
        r.status,
        r.text()
    );
    // Many header lines adding up past the limit too.
    let many = "X-A: b\r\n".repeat(20_000);
    let r = raw(
        addr,
        format!("GET /docs/ HTTP/1.1\r\nHost: {addr}\r\n{many}\r\n").as_bytes(),
    );
    assert!(r.status == 431 || r.status == 400, "status {}", r.status);
    assert!(server.alive());
    assert_eq!(server.get("/docs/hello.txt").status, 200);
}

/// A client that sends half a request line and stalls is closed within a few seconds.
#[test]
fn a_stalled_half_request_is_closed() {
    let site = Site::new();
    let server = Server::start(&site.root());
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(b"GET /docs/ HT").unwrap();
    // Generous: the server's limit is a few seconds; this only guards against "never".
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let closed = match s.read_to_end(&mut buf) {
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    };
    assert!(closed, "the connection was not closed");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the connection stayed open"
    );
    assert_eq!(server.get("/docs/hello.txt").status, 200);
}

/// Threads of the process, from /proc (Linux).
#[cfg(target_os = "linux")]
fn threads_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// 500 idle connections (nothing sent, or half a request) do not make 500 threads, and a normal
/// request is still answered meanwhile.
#[test]
fn idle_connections_do_not_each_take_a_thread() {
    let site = Site::new();
    let server = Server::start(&site.root());
    let addr = server.addr;
    #[cfg(target_os = "linux")]
    let before = threads_of(server.pid());
    let mut idle = Vec::new();
    for i in 0..500 {
        let mut s = TcpStream::connect(addr).unwrap();
        if i % 2 == 0 {
            s.write_all(b"GET /docs/ HTTP/1.1\r\nHost: localhost\r\n")
                .unwrap();
        }
        idle.push(s);
    }
    // Answered while all of them are open.
    let r = server.get("/docs/hello.txt");
    assert_eq!(r.status, 200);
    #[cfg(target_os = "linux")]
    {
        let during = threads_of(server.pid());
        assert!(
            during < before + 100,
            "{during} threads with 500 idle connections ({before} before)"
        );
    }
    drop(idle);
}

/// `Host` is required in HTTP/1.1 and must be given once; HTTP/1.0 may leave it out.
#[test]
fn host_header_rules() {
    let site = Site::new();
    let server = Server::start(&site.root());
    let addr = server.addr;
    let two = raw(
        addr,
        format!("GET /docs/hello.txt HTTP/1.1\r\nHost: {addr}\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(two.status, 400, "{}", two.text());
    let none = raw(
        addr,
        b"GET /docs/hello.txt HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(none.status, 400, "{}", none.text());
    let old = raw(addr, b"GET /docs/hello.txt HTTP/1.0\r\n\r\n");
    assert_eq!(old.status, 200, "{}", old.text());
    assert!(old.text().contains("Hello"), "{}", old.text());
}

/// An event stream, once its request is complete, outlives the idle limit for requests.
#[test]
fn event_streams_outlive_the_request_timeout() {
    let site = Site::new();
    let server = Server::start(&site.root());
    let mut events = serve_support::event_stream(server.addr);
    std::thread::sleep(Duration::from_secs(8));
    std::fs::write(
        site.path("content/notes/alpha.md"),
        "---\ntitle: A\n---\n\nEDITED\n",
    )
    .unwrap();
    let mut line = String::new();
    loop {
        line.clear();
        let n = std::io::BufRead::read_line(&mut events, &mut line).unwrap();
        assert!(n > 0, "the event stream was closed");
        if line.starts_with("event: reload") {
            break;
        }
    }
}
