//! Server-sent events: the channel that tells open pages to reload, swap stylesheets or show a
//! build error.
//!
//! Each browser connection to the events endpoint gets a thread of its own that writes straight
//! to the connection, flushing after every event, so a stalled reader only ever holds its own
//! thread (until the connection's write timeout gives up on it). The builder broadcasts through a [`Hub`]; a client that has
//! gone away is dropped on the next broadcast or heartbeat.
//!
//! Events (the data is always one line of JSON):
//! - `hello` on connect: `{"build": ID, "error": null | {"message", "problems"}}`;
//! - `reload`: `{"build": ID, "changed": [URL paths] | null}` (`null`: too many to list);
//! - `css`: `{"build": ID, "changed": [URL paths]}` when only stylesheets changed;
//! - `error`: `{"message": TEXT, "problems": [...]}` when a build failed.

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often an idle stream gets a comment line, so proxies and browsers keep it open and a
/// closed connection is noticed.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// The most event streams served at once (each holds a thread).
const MAX_STREAMS: usize = 256;

/// Fans events out to every connected browser.
#[derive(Default)]
pub struct Hub {
    clients: Mutex<Vec<Sender<Arc<str>>>>,
    streams: AtomicUsize,
}

impl Hub {
    /// Sends an event to every connected client.
    pub fn broadcast(&self, event: &str, data: &str) {
        let message: Arc<str> = Arc::from(format_event(event, data));
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.retain(|c| c.send(message.clone()).is_ok());
    }

    /// Number of clients currently subscribed.
    pub fn clients(&self) -> usize {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn subscribe(&self) -> Receiver<Arc<str>> {
        let (tx, rx) = mpsc::channel();
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
        rx
    }
}

/// One event in the wire format. Multi-line data is split into several `data:` lines.
pub fn format_event(event: &str, data: &str) -> String {
    let mut s = format!("event: {event}\n");
    for line in data.split('\n') {
        s.push_str("data: ");
        s.push_str(line);
        s.push('\n');
    }
    s.push('\n');
    s
}

/// Streams events to one client on a thread of its own. `hello` gives the first event's data;
/// it is called after subscribing, so no broadcast can fall between the two.
pub fn stream(mut conn: TcpStream, hub: Arc<Hub>, hello: impl FnOnce() -> String) {
    if hub.streams.fetch_add(1, Ordering::SeqCst) >= MAX_STREAMS {
        hub.streams.fetch_sub(1, Ordering::SeqCst);
        let _ = conn.write_all(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
              Content-Length: 23\r\nConnection: close\r\n\r\ntoo many event streams\n",
        );
        let _ = conn.shutdown(std::net::Shutdown::Write);
        return;
    }
    let rx = hub.subscribe();
    let first = hello();
    let spawned = std::thread::Builder::new()
        .name("archsite-sse".into())
        .spawn({
            let hub = hub.clone();
            move || {
                let _ = run_stream(&mut conn, &rx, &first);
                let _ = conn.shutdown(std::net::Shutdown::Both);
                hub.streams.fetch_sub(1, Ordering::SeqCst);
            }
        });
    if spawned.is_err() {
        hub.streams.fetch_sub(1, Ordering::SeqCst);
    }
}

fn run_stream(w: &mut dyn Write, rx: &Receiver<Arc<str>>, hello: &str) -> std::io::Result<()> {
    w.write_all(
        b"HTTP/1.1 200 OK\r\n\
          Content-Type: text/event-stream; charset=utf-8\r\n\
          Cache-Control: no-store\r\n\
          X-Content-Type-Options: nosniff\r\n\
          Connection: close\r\n\r\n\
          retry: 1000\n\n",
    )?;
    w.write_all(format_event("hello", hello).as_bytes())?;
    w.flush()?;
    loop {
        match rx.recv_timeout(HEARTBEAT) {
            Ok(message) => w.write_all(message.as_bytes())?,
            Err(RecvTimeoutError::Timeout) => w.write_all(b": heartbeat\n\n")?,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
        w.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format() {
        assert_eq!(format_event("reload", "{}"), "event: reload\ndata: {}\n\n");
        assert_eq!(format_event("x", "a\nb"), "event: x\ndata: a\ndata: b\n\n");
    }

    #[test]
    fn broadcast_drops_gone_clients() {
        let hub = Hub::default();
        let a = hub.subscribe();
        let b = hub.subscribe();
        drop(b);
        hub.broadcast("reload", "{}");
        assert_eq!(hub.clients(), 1);
        assert_eq!(&*a.recv().unwrap(), "event: reload\ndata: {}\n\n");
    }
}
