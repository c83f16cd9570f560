//! The dev server's own small HTTP/1.1 server, with every resource a client can hold bounded.
//!
//! - **One thread waits for every request head.** Connections that have not yet sent a complete
//!   request line and headers (new ones, and kept-alive ones between requests) are watched by a
//!   single poller thread ([`mio`]), not a thread each: a thousand idle sockets cost a thousand
//!   small buffers. At most [`MAX_WAITING`] connections wait at once; more are closed at accept.
//! - **Heads are bounded in size and time.** A head larger than [`MAX_HEAD`] gets `431`; a head
//!   not complete within [`HEAD_TIMEOUT`] of connecting (or of the previous response) is closed,
//!   so a client that sends half a request line and stalls (slowloris) holds nothing for long.
//! - **A bounded pool answers complete requests**: [`CORE_WORKERS`] threads, more while all are
//!   busy, at most [`MAX_WORKERS`]. A response write that stalls (a client that stops reading)
//!   is given up after [`WRITE_TIMEOUT`]. After a response, a kept-alive connection goes back to
//!   the poller.
//! - **Event streams** leave the pool: once their request is complete, they belong to a thread of
//!   their own ([`events::stream`], at most 256), which no head timeout applies to.
//!
//! Requests are checked before routing: `Host` given twice, or missing in HTTP/1.1, gets `400`;
//! only HTTP/1.0 and 1.1 are spoken; request bodies are never read (only `GET` and `HEAD` are
//! served), and a request announcing one closes its connection after the answer.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mio::net::{TcpListener as MioListener, TcpStream as MioStream};
use mio::{Interest, Poll, Token, Waker};

use super::{events, http, State};

/// Largest request head (request line and headers); a larger one gets `431`.
pub const MAX_HEAD: usize = 16 * 1024;
/// Most header lines in a request head; more gets `431`.
const MAX_HEADERS: usize = 100;
/// How long a connection has to send a complete request head, from when it connected or got
/// its previous response.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections waiting for a request head at once; more are closed as they arrive.
pub const MAX_WAITING: usize = 1024;
/// Worker threads always running.
const CORE_WORKERS: usize = 8;
/// Upper bound of worker threads, added while all are busy (for example with clients that
/// stopped reading) and retired after [`EXTRA_WORKER_IDLE`].
pub const MAX_WORKERS: usize = 64;
const EXTRA_WORKER_IDLE: Duration = Duration::from_secs(30);
/// How long writing a response may stall before the connection is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// After a refused head, how long and how much of the rest of the request is read and dropped,
/// so the client gets to read the refusal instead of a reset connection.
const DRAIN_TIME: Duration = Duration::from_secs(2);
const DRAIN_BYTES: usize = 4 << 20;

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);

/// A parsed request head.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// The request target, as sent.
    pub target: String,
    /// The one `Host` header, when given.
    pub host: Option<String>,
}

/// What a response carries.
pub enum Payload {
    /// Bytes in memory.
    Bytes(Arc<Vec<u8>>),
    /// An open file and the number of bytes to send from it.
    File(std::fs::File, u64),
}

/// A response to send.
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers besides `Content-Length` and `Connection`.
    pub headers: Vec<(&'static str, String)>,
    /// The body (left out for `HEAD`, its length still sent).
    pub body: Payload,
}

/// What the handler decided.
pub enum Reply {
    /// Send this and go on with the connection.
    Send(Response),
    /// Hand the connection to the live-reload event stream.
    Events,
}

/// A connection whose request head is not complete yet.
struct Waiting {
    stream: MioStream,
    buf: Vec<u8>,
    deadline: Instant,
    /// Refused: the rest of the request is read and dropped until the client closes.
    draining: bool,
    /// Bytes dropped so far while draining.
    drained: usize,
}

/// A complete request head, with what followed it.
struct Job {
    stream: TcpStream,
    head: Vec<u8>,
    rest: Vec<u8>,
}

/// Where workers give back kept-alive connections.
#[derive(Clone)]
struct Back {
    tx: Sender<(TcpStream, Vec<u8>)>,
    waker: Arc<Waker>,
}

/// Starts serving `listener` with the site in `state`: the poller thread and the core workers.
pub fn start(listener: TcpListener, state: Arc<State>) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = MioListener::from_std(listener);
    let poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let (back_tx, back_rx) = mpsc::channel();
    let back = Back { tx: back_tx, waker };
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let pool = Arc::new(Pool {
        jobs: Mutex::new(job_rx),
        total: AtomicUsize::new(0),
        busy: AtomicUsize::new(0),
        state,
        back,
    });
    for _ in 0..CORE_WORKERS {
        start_worker(&pool, true);
    }
    std::thread::Builder::new()
        .name("archsite-poll".into())
        .spawn(move || poll_loop(poll, listener, job_tx, back_rx))?;
    Ok(())
}

/// Where the request head ends in `buf`: `Ok(None)` while incomplete, `Err` with the status to
/// refuse it with when it can never be a valid head, or is too large.
fn head_end(buf: &[u8]) -> Result<Option<usize>, u16> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    match httparse::Request::new(&mut headers).parse(buf) {
        Ok(httparse::Status::Complete(n)) if n > MAX_HEAD => Err(431),
        Ok(httparse::Status::Complete(n)) => Ok(Some(n)),
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => Err(431),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => Err(431),
        Err(_) => Err(400),
    }
}

fn poll_loop(
    mut poll: Poll,
    listener: MioListener,
    jobs: Sender<Job>,
    back: Receiver<(TcpStream, Vec<u8>)>,
) {
    let mut waiting: HashMap<Token, Waiting> = HashMap::new();
    let mut next_token = 2usize;
    let mut events = mio::Events::with_capacity(256);
    loop {
        let now = Instant::now();
        let timeout = waiting
            .values()
            .map(|w| w.deadline.saturating_duration_since(now))
            .min()
            .unwrap_or(Duration::from_secs(60));
        if let Err(e) = poll.poll(&mut events, Some(timeout)) {
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            eprintln!("warning: the HTTP server stopped waiting for requests: {e}");
            return;
        }
        let mut add = |stream: MioStream, buf: Vec<u8>, waiting: &mut HashMap<Token, Waiting>| {
            if waiting.len() >= MAX_WAITING {
                return;
            }
            let token = Token(next_token);
            next_token = next_token.wrapping_add(1).max(2);
            let mut w = Waiting {
                stream,
                buf,
                deadline: Instant::now() + HEAD_TIMEOUT,
                draining: false,
                drained: 0,
            };
            if poll
                .registry()
                .register(&mut w.stream, token, Interest::READABLE)
                .is_ok()
            {
                waiting.insert(token, w);
            }
        };
        for event in events.iter() {
            match event.token() {
                LISTENER => {
                    while let Ok((stream, _)) = listener.accept() {
                        add(stream, Vec::new(), &mut waiting);
                    }
                }
                WAKER => {
                    while let Ok((stream, rest)) = back.try_recv() {
                        if stream.set_nonblocking(true).is_ok() {
                            add(MioStream::from_std(stream), rest, &mut waiting);
                        }
                    }
                }
                token => {
                    let Some(w) = waiting.get_mut(&token) else {
                        continue;
                    };
                    match read_ready(w) {
                        Progress::Wait => continue,
                        Progress::Close => {}
                        Progress::Head(end) => {
                            let mut w = waiting.remove(&token).expect("present");
                            let _ = poll.registry().deregister(&mut w.stream);
                            let stream = TcpStream::from(w.stream);
                            let rest = w.buf.split_off(end);
                            if stream.set_nonblocking(false).is_ok() {
                                let _ = jobs.send(Job {
                                    stream,
                                    head: w.buf,
                                    rest,
                                });
                            }
                            continue;
                        }
                    }
                    if let Some(mut w) = waiting.remove(&token) {
                        let _ = poll.registry().deregister(&mut w.stream);
                    }
                }
            }
        }
        let now = Instant::now();
        waiting.retain(|_, w| {
            if w.deadline > now {
                return true;
            }
            let _ = poll.registry().deregister(&mut w.stream);
            false
        });
    }
}

enum Progress {
    /// Nothing to do until more comes.
    Wait,
    /// Drop the connection.
    Close,
    /// The head is complete and ends at this offset.
    Head(usize),
}

/// Reads what a waiting connection sent, and says what is next for it.
fn read_ready(w: &mut Waiting) -> Progress {
    let mut chunk = [0u8; 8192];
    loop {
        match w.stream.read(&mut chunk) {
            Ok(0) => return Progress::Close,
            Ok(n) if w.draining => {
                w.drained += n;
                if w.drained > DRAIN_BYTES {
                    return Progress::Close;
                }
            }
            Ok(n) => {
                w.buf.extend_from_slice(&chunk[..n]);
                // A head can only end with a line end: no need to parse before one comes.
                if !chunk[..n].contains(&b'\n') && w.buf.len() <= MAX_HEAD {
                    continue;
                }
                let refused = match head_end(&w.buf) {
                    Ok(Some(end)) => return Progress::Head(end),
                    Ok(None) => continue,
                    Err(status) => status,
                };
                // Refused: answer, then drop what else comes for a moment.
                let _ = w.stream.write_all(&error_bytes(refused));
                let _ = w.stream.shutdown(Shutdown::Write);
                w.buf = Vec::new();
                w.draining = true;
                w.deadline = Instant::now() + DRAIN_TIME;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Progress::Wait,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Progress::Close,
        }
    }
}

/// A whole plain-text error response that closes the connection.
fn error_bytes(status: u16) -> Vec<u8> {
    let text = match status {
        431 => "Request header fields too large.\n",
        _ => "Bad request.\n",
    };
    format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n{text}",
        reason(status),
        text.len()
    )
    .into_bytes()
}

/// Counts workers so that a new one is started when every worker is busy.
struct Pool {
    jobs: Mutex<Receiver<Job>>,
    total: AtomicUsize,
    busy: AtomicUsize,
    state: Arc<State>,
    back: Back,
}

fn start_worker(pool: &Arc<Pool>, core: bool) {
    pool.total.fetch_add(1, Ordering::SeqCst);
    let spawned = std::thread::Builder::new()
        .name("archsite-http".into())
        .spawn({
            let pool = pool.clone();
            move || {
                loop {
                    let job = {
                        let jobs = pool.jobs.lock().unwrap_or_else(|e| e.into_inner());
                        if core {
                            jobs.recv().ok()
                        } else {
                            jobs.recv_timeout(EXTRA_WORKER_IDLE).ok()
                        }
                    };
                    let Some(job) = job else { break };
                    let busy = pool.busy.fetch_add(1, Ordering::SeqCst) + 1;
                    if busy >= pool.total.load(Ordering::SeqCst)
                        && pool.total.load(Ordering::SeqCst) < MAX_WORKERS
                    {
                        start_worker(&pool, false);
                    }
                    // A bug in one request must not take a worker down with it.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        serve_connection(job, &pool)
                    }));
                    pool.busy.fetch_sub(1, Ordering::SeqCst);
                }
                pool.total.fetch_sub(1, Ordering::SeqCst);
            }
        });
    if spawned.is_err() {
        pool.total.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Answers the requests of one connection while their heads are already read, then hands it
/// back to the poller (or closes it, or gives it to an event stream).
fn serve_connection(job: Job, pool: &Pool) {
    let Job {
        mut stream,
        mut head,
        mut rest,
    } = job;
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    loop {
        let (request, keep_alive) = match parse_head(&head) {
            Ok(parsed) => parsed,
            Err(status) => {
                let _ = stream.write_all(&error_bytes(status));
                close(stream);
                return;
            }
        };
        match http::handle(&request, &pool.state) {
            Reply::Events => {
                let state = pool.state.clone();
                events::stream(stream, pool.state.hub.clone(), move || {
                    http::hello_json(&state.current())
                });
                return;
            }
            Reply::Send(response) => {
                let head_only = request.method == "HEAD";
                let sent = write_response(&mut stream, response, head_only, keep_alive);
                if !matches!(sent, Ok(true)) || !keep_alive {
                    close(stream);
                    return;
                }
            }
        }
        match head_end(&rest) {
            Ok(Some(end)) => {
                let next = rest.split_off(end);
                head = std::mem::replace(&mut rest, next);
            }
            Err(status) => {
                let _ = stream.write_all(&error_bytes(status));
                close(stream);
                return;
            }
            Ok(None) => {
                // Waits in the poller for its next request (or is refused there).
                let _ = pool.back.tx.send((stream, rest));
                let _ = pool.back.waker.wake();
                return;
            }
        }
    }
}

fn close(stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
}

/// The request in a complete head, and whether the connection may stay open after it; `Err`
/// gives the status to refuse it with.
fn parse_head(head: &[u8]) -> Result<(Request, bool), u16> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(400),
        Err(httparse::Error::TooManyHeaders) => return Err(431),
        Err(_) => return Err(400),
    }
    let (Some(method), Some(target), Some(version)) = (req.method, req.path, req.version) else {
        return Err(400);
    };
    let mut host = None;
    let mut hosts = 0;
    let mut close = version == 0;
    for h in req.headers.iter() {
        let value = || std::str::from_utf8(h.value).map(|v| v.trim().to_string());
        if h.name.eq_ignore_ascii_case("host") {
            hosts += 1;
            host = Some(value().map_err(|_| 400u16)?);
        } else if h.name.eq_ignore_ascii_case("connection") {
            let v = value().unwrap_or_default().to_ascii_lowercase();
            if v.split(',').any(|t| t.trim() == "close") {
                close = true;
            } else if version == 0 && v.split(',').any(|t| t.trim() == "keep-alive") {
                close = false;
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding")
            || (h.name.eq_ignore_ascii_case("content-length") && h.value != b"0")
        {
            // A body is never read: the connection cannot be reused after it.
            close = true;
        }
    }
    if hosts > 1 || (version == 1 && hosts == 0) {
        return Err(400);
    }
    Ok((
        Request {
            method: method.to_string(),
            target: target.to_string(),
            host,
        },
        !close,
    ))
}

/// Writes a response; `Ok(false)` when the connection cannot be used again (a file shorter than
/// announced).
fn write_response(
    stream: &mut TcpStream,
    response: Response,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<bool> {
    let len = match &response.body {
        Payload::Bytes(b) => b.len() as u64,
        Payload::File(_, len) => *len,
    };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {len}\r\n"));
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut out = io::BufWriter::with_capacity(64 * 1024, stream);
    out.write_all(head.as_bytes())?;
    if head_only {
        out.flush()?;
        return Ok(true);
    }
    let complete = match response.body {
        Payload::Bytes(b) => {
            out.write_all(&b)?;
            true
        }
        Payload::File(file, len) => io::copy(&mut file.take(len), &mut out)? == len,
    };
    out.flush()?;
    Ok(complete)
}

/// The reason phrase of a status code.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_rules_and_keep_alive() {
        let ok = |h: &str| parse_head(h.as_bytes());
        let (r, keep) = ok("GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        assert_eq!(
            (r.target.as_str(), r.host.as_deref(), keep),
            ("/a", Some("localhost"), true)
        );
        assert_eq!(
            ok("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n").err(),
            Some(400)
        );
        assert_eq!(ok("GET / HTTP/1.1\r\n\r\n").err(), Some(400));
        let (r, keep) = ok("GET / HTTP/1.0\r\n\r\n").unwrap();
        assert!(r.host.is_none() && !keep);
        let (_, keep) = ok("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").unwrap();
        assert!(!keep);
        let (_, keep) = ok("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n").unwrap();
        assert!(!keep);
        assert_eq!(head_end(b"GET / HT"), Ok(None));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nGET"), Ok(Some(18)));
        assert_eq!(head_end(b"\x01\x02 / HTTP/1.1\r\n\r\n"), Err(400));
        // Too large, whether complete or not.
        let big = format!(
            "GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n",
            "a".repeat(MAX_HEAD)
        );
        assert_eq!(head_end(big.as_bytes()), Err(431));
        assert_eq!(head_end(&big.as_bytes()[..MAX_HEAD + 10]), Err(431));
    }
}
