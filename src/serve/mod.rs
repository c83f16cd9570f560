//! `archsite serve`: builds the site in memory, serves it over HTTP, and rebuilds and reloads
//! open pages whenever a source changes.
//!
//! - The site is an immutable [`Snapshot`] behind an `Arc`; a rebuild makes a new one and swaps
//!   the `Arc` whole, so a request never sees a half-built site. Nothing is written to disk.
//! - Rebuilds go through [`site::generate_with_config`] with one [`RenderCache`] kept for the
//!   life of the server: unchanged documents reuse their markdown, and the output is the same,
//!   byte for byte, as `archsite build` with the same base URL. `site.toml` is read once per
//!   rebuild, and not at all for saves that only touch copied files.
//! - [`server`] speaks HTTP/1.1 with bounded resources: one thread waits for every request head,
//!   heads are limited in size and time, a bounded pool of threads answers ([`http`]), and each
//!   live-reload event stream has a thread of its own ([`events`]).
//! - A failed build keeps the last good site and shows the error in the terminal and, through the
//!   injected script, in an overlay on every open page; the next good build clears it.

pub mod events;
pub mod http;
pub mod paths;
pub mod server;
pub mod snapshot;
pub mod watch;

use std::collections::BTreeSet;
use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use rustc_hash::FxHashSet;

use crate::error::{BuildError, Problem};
use crate::site::{self, BuildOptions, RenderCache, StageTimes};
use crate::term::Style;
use crate::urls::UrlBuilder;

pub use snapshot::{Failure, Snapshot};

/// The port tried first when none is given; the next free one is taken when it is busy.
pub const DEFAULT_PORT: u16 = 1111;
/// How many ports after [`DEFAULT_PORT`] are tried.
const PORT_TRIES: u16 = 20;
/// A reload event lists the changed files up to this many; past that it says "everything".
const MAX_LISTED_CHANGES: usize = 2000;
/// Set to `poll` to poll the sources instead of using file notifications.
pub const WATCH_ENV: &str = "ARCHSITE_WATCH";

/// What `archsite serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Site root.
    pub root: PathBuf,
    /// Port; `None` tries [`DEFAULT_PORT`] and the next ones, `Some(0)` takes any free port.
    pub port: Option<u16>,
    /// Address to listen on (`127.0.0.1` unless asked otherwise).
    pub bind: IpAddr,
    /// Include drafts.
    pub drafts: bool,
    /// Open the site in a browser once it is served.
    pub open: bool,
    /// Print the wall time of each stage of every build.
    pub timings: bool,
    /// Print only the address, warnings and errors (no line per rebuild).
    pub quiet: bool,
    /// How errors and warnings are printed in the terminal (colours or not).
    pub style: Style,
}

/// What the request handlers share with the builder.
pub struct State {
    site: RwLock<Arc<Snapshot>>,
    /// Live-reload event streams.
    pub hub: Arc<events::Hub>,
    /// Listening on a loopback address only: requests naming another host are refused.
    pub loopback_only: bool,
}

impl State {
    fn new(site: Snapshot, loopback_only: bool) -> State {
        State {
            site: RwLock::new(Arc::new(site)),
            hub: Arc::new(events::Hub::default()),
            loopback_only,
        }
    }

    /// The site as it is now.
    pub fn current(&self) -> Arc<Snapshot> {
        self.site.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn swap(&self, site: Snapshot) {
        *self.site.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(site);
    }

    /// Swaps in `site` with the search index of the site it replaces, under one lock, so an
    /// index swapped in meanwhile by the search thread is kept.
    fn swap_keeping_index(&self, site: Snapshot) {
        let mut current = self.site.write().unwrap_or_else(|e| e.into_inner());
        *current = Arc::new(site.with_search_of(&current));
    }

    /// Swaps in `site` when the current site is still `base`; false when another swap came
    /// first.
    fn swap_if_current(&self, base: &Arc<Snapshot>, site: Snapshot) -> bool {
        let mut current = self.site.write().unwrap_or_else(|e| e.into_inner());
        if !Arc::ptr_eq(&current, base) {
            return false;
        }
        *current = Arc::new(site);
        true
    }
}

/// The search index, made on a thread of its own after each build's pages are served.
#[derive(Default)]
struct SearchWork {
    /// Number of the latest build served (copied-file refreshes keep the number); the index
    /// of an older build is dropped.
    latest: AtomicU64,
    /// The files of the latest index made, for the next build to serve until its own is made.
    done: Mutex<Option<Vec<site::OutputFile>>>,
    /// How long the last index took to make, in microseconds: how long the next one waits for
    /// the saves to settle first (at most [`SEARCH_SETTLE_MAX`]).
    last_micros: AtomicU64,
}

/// The longest a search index waits for saves to settle before it is made. An index made while
/// the author keeps saving is dropped at the next save, and on a small machine it takes a core
/// from the rebuilds that matter more; waiting as long as the last index took costs a small
/// site nothing.
const SEARCH_SETTLE_MAX: Duration = Duration::from_millis(1500);

/// Builds the site again and again, keeping the markdown cache between builds.
struct Builder {
    root: PathBuf,
    drafts: bool,
    /// `http://127.0.0.1:PORT`.
    origin: String,
    cache: RenderCache,
    /// Makes build ids differ between server runs.
    nonce: String,
    generation: u64,
    /// The base path of the last `site.toml` read (`/` before one could be read): where an
    /// empty site carrying the first build's error is served.
    base_path: String,
    last_warnings: String,
    quiet: bool,
    timings: bool,
    search: Arc<SearchWork>,
    style: Style,
}

/// A successful build.
struct Built {
    snapshot: Snapshot,
    /// The search index, to make once the pages are served.
    search: Option<site::SearchJob>,
    /// Wall time of each stage so far.
    timings: StageTimes,
    refused: Vec<String>,
    warnings: Vec<Problem>,
    pages: usize,
    sections: usize,
}

impl Builder {
    fn new(root: PathBuf, origin: String, options: &ServeOptions) -> Builder {
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            ^ u64::from(std::process::id());
        Builder {
            root,
            drafts: options.drafts,
            origin,
            cache: RenderCache::deferring_search(),
            nonce: format!("{:x}", nonce & 0xffff_ffff),
            generation: 0,
            base_path: "/".into(),
            last_warnings: String::new(),
            quiet: options.quiet,
            timings: options.timings,
            search: Arc::default(),
            style: options.style,
        }
    }

    fn next_build_id(&mut self) -> String {
        self.generation += 1;
        format!("{}-{}", self.nonce, self.generation)
    }

    fn build(&mut self) -> Result<Built, Failure> {
        let mut timings = StageTimes::start();
        let failure = |e: BuildError| Failure {
            text: e.to_string(),
            problems: e.problems,
        };
        let options = BuildOptions {
            root: self.root.clone(),
            output: None,
            drafts: self.drafts,
            ..BuildOptions::default()
        };
        // site.toml is read once per build: the site keeps its base path and is served from
        // this server's origin, as `archsite build --base-url ORIGIN/BASE_PATH/` would make it.
        let mut config = site::load_config(&options).map_err(failure)?;
        self.base_path = UrlBuilder::new(&config.base_url).base_path().to_string();
        config.base_url = format!("{}{}", self.origin, self.base_path);
        let made = self
            .search
            .done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(index) = made {
            drop_later(self.cache.keep_search_files(index));
        }
        timings.lap("settings");
        let mut generated =
            site::generate_with_config(&options, config, &mut self.cache).map_err(failure)?;
        timings.append(std::mem::take(&mut generated.timings));
        self.cache.recycle(std::mem::take(&mut generated.content));
        // A deferred index leaves the files without one: the site serves the latest index made
        // (see `publish`). Otherwise the files hold this build's index.
        let search_paths: FxHashSet<&str> = if generated.search.is_some() {
            FxHashSet::default()
        } else {
            self.cache.search_file_paths().collect()
        };
        let (snapshot, refused) = Snapshot::from_output(
            generated.files,
            &search_paths,
            &self.base_path,
            String::new(),
        );
        timings.lap("snapshot");
        Ok(Built {
            snapshot,
            timings,
            search: generated.search.take(),
            refused,
            warnings: generated.warnings,
            pages: generated.pages,
            sections: generated.sections,
        })
    }

    /// Prints a build's warnings and refused files; warnings identical to the previous build's
    /// are only counted.
    fn report(&mut self, built: &Built) {
        let text: Vec<String> = built.warnings.iter().map(|w| w.to_string()).collect();
        let text = text.join("\n");
        if !built.warnings.is_empty() {
            if text == self.last_warnings {
                eprintln!("{} warning(s), as before.", built.warnings.len());
            } else {
                for w in &built.warnings {
                    eprintln!("{}", self.style.problem(w));
                }
            }
        }
        self.last_warnings = text;
        for path in &built.refused {
            eprintln!(
                "warning: not serving /{path}: its source can no longer be opened (gone, or replaced by a symbolic link)"
            );
        }
    }

    fn print_problems(&self, failure: &Failure) {
        for p in &failure.problems {
            eprintln!("{}", self.style.problem(p));
        }
    }

    /// The first build: the site, or an empty one carrying the error.
    fn first(&mut self) -> Snapshot {
        let start = Instant::now();
        match self.build() {
            Ok(mut built) => {
                self.report(&built);
                if self.timings {
                    print!("{}", built.timings);
                }
                // The first build made its search index in line: a first estimate of how long
                // the next ones take.
                let index_time = built
                    .timings
                    .stages
                    .iter()
                    .find(|(name, _)| *name == "search index");
                if let Some((_, took)) = index_time {
                    let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
                    self.search.last_micros.store(micros, Ordering::SeqCst);
                }
                if !self.quiet {
                    println!(
                        "Built {} pages and {} sections in {} ms.",
                        built.pages,
                        built.sections,
                        start.elapsed().as_millis()
                    );
                }
                built.snapshot.build_id = self.next_build_id();
                built.snapshot
            }
            Err(failure) => {
                self.print_problems(&failure);
                eprintln!(
                    "Build failed: serving an error page until the problem is fixed (the site reloads by itself)."
                );
                let build_id = self.next_build_id();
                let mut empty = Snapshot::empty(&self.base_path, build_id);
                empty.error = Some(Arc::new(failure));
                empty
            }
        }
    }

    /// Brings the site up to date after the changes in `changed` (paths relative to the root),
    /// swaps it in and tells the open pages.
    ///
    /// `exact` says that `changed` lists every path that changed (no watcher events were
    /// lost): the build then reads only those files.
    fn rebuild(&mut self, state: &Arc<State>, changed: &BTreeSet<PathBuf>, exact: bool) {
        let start = Instant::now();
        let paths: Vec<PathBuf> = changed.iter().cloned().collect();
        self.cache.note_changes(exact.then_some(paths.as_slice()));
        let old = state.current();
        if old.search.is_empty() {
            // Nothing to serve while an index is made later (the first build failed, or search
            // was off): this build makes its own.
            self.cache.forget_search_files();
        }
        if let Some(site) = self.refresh_copied(&old, changed) {
            self.publish(
                state,
                &old,
                site,
                false,
                start,
                "no page rendered: copied files only",
            );
            return;
        }
        match self.build() {
            Ok(mut built) => {
                self.report(&built);
                let how = format!(
                    "{} of {} documents rendered",
                    self.cache.misses,
                    self.cache.misses + self.cache.hits
                );
                let search = built.search.take();
                let mut timings = std::mem::take(&mut built.timings);
                // An index still being made for an earlier build is now out of date. (A save
                // of copied files only keeps the pages, and so the index being made.)
                self.search.latest.fetch_add(1, Ordering::SeqCst);
                let own_index = search.is_none();
                self.publish(state, &old, built.snapshot, own_index, start, &how);
                if self.timings {
                    timings.lap("compare, swap, event");
                    print!("{timings}");
                }
                if let Some(job) = search {
                    self.start_search(state, job);
                }
            }
            Err(failure) => {
                self.print_problems(&failure);
                eprintln!(
                    "Build failed in {} ms: still serving the last good build.",
                    start.elapsed().as_millis()
                );
                let data = failure.to_json().to_string();
                state.swap_keeping_index(old.with_error(Some(Arc::new(failure))));
                state.hub.broadcast("error", &data);
            }
        }
    }

    /// The fast path for saves that only modified files the build copies as they are (under
    /// `static/`, or non-markdown files under `content/`). No page can depend on their bytes,
    /// which are read from disk when requested, so the snapshot only needs their new size and
    /// time. Anything else (a new, deleted or renamed file, markdown, templates, settings, a
    /// copied file published under another name, a site that is currently broken) returns `None`
    /// and takes a full rebuild.
    fn refresh_copied(&self, old: &Snapshot, changed: &BTreeSet<PathBuf>) -> Option<Snapshot> {
        if old.error.is_some() || changed.is_empty() {
            return None;
        }
        let mut site = old.clone();
        for rel in changed {
            let mut parts = rel.components();
            let folder = parts.next()?.as_os_str().to_str()?;
            let inside = parts.as_path();
            let copied = folder == crate::site::STATIC_DIR
                || (folder == crate::content::CONTENT_DIR
                    && inside.extension().is_some_and(|e| e != "md"));
            if !copied {
                return None;
            }
            let key = inside.to_str()?.replace('\\', "/");
            let refreshed = site.refreshed(&key, &self.root.join(rel))?;
            Arc::make_mut(&mut site.files).insert(key, refreshed);
        }
        Some(site)
    }

    /// Makes a build's search index on a thread of its own and swaps it in for the previous
    /// one, unless a newer build was served meanwhile. The pages were served before it, with
    /// the previous index; no page embeds the index's bytes, so no event is sent. The builder
    /// is free for the next save meanwhile.
    fn start_search(&mut self, state: &Arc<State>, job: site::SearchJob) {
        let number = self.search.latest.load(Ordering::SeqCst);
        let work = Arc::clone(&self.search);
        let state = Arc::clone(state);
        let timings = self.timings;
        let make = move || {
            let settle = Duration::from_micros(work.last_micros.load(Ordering::SeqCst))
                .min(SEARCH_SETTLE_MAX);
            let settled = Instant::now() + settle;
            while Instant::now() < settled {
                if work.latest.load(Ordering::SeqCst) != number {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20).min(settle));
            }
            let start = Instant::now();
            background_priority();
            // One thread of its own, not the build's pool: the next rebuild gets every core.
            let index = match rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(|_| "archsite-index".into())
                .build()
            {
                Ok(pool) => pool.install(|| job.run()),
                Err(_) => job.run(),
            };
            let took = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
            work.last_micros.store(took, Ordering::SeqCst);
            // The new site is made outside the lock, and made again if a build was swapped in
            // meanwhile; an index for an older build than the one served is dropped.
            loop {
                let base = state.current();
                if work.latest.load(Ordering::SeqCst) != number {
                    return;
                }
                if state.swap_if_current(&base, base.with_search_files(&index)) {
                    break;
                }
            }
            *work.done.lock().unwrap_or_else(|e| e.into_inner()) = Some(index);
            if timings {
                println!(
                    "  search index (after)  {:>9.1} ms",
                    start.elapsed().as_secs_f64() * 1000.0
                );
            }
        };
        let spawned = std::thread::Builder::new()
            .name("archsite-search".into())
            .spawn(make);
        if let Err(e) = spawned {
            eprintln!("warning: cannot start a thread for the search index ({e}); search shows the previous build's pages.");
        }
    }

    /// Swaps in a new site and sends the event its changes call for. Unless the site carries
    /// its own search index (`own_index`), it serves the latest one made.
    fn publish(
        &mut self,
        state: &State,
        old: &Snapshot,
        mut site: Snapshot,
        own_index: bool,
        start: Instant,
        how: &str,
    ) {
        let changed = old.changed_paths(&site);
        site.build_id = if changed.is_empty() {
            old.build_id.clone()
        } else {
            self.next_build_id()
        };
        let base_moved = site.base_path != old.base_path;
        let urls: Vec<String> = changed
            .iter()
            .map(|p| format!("{}{}", site.base_path, p))
            .collect();
        let build_id = site.build_id.clone();
        let base_path = site.base_path.clone();
        // Unless it has its own, the site serves the latest index, which may have been made
        // while it was built.
        if own_index {
            state.swap(site);
        } else {
            state.swap_keeping_index(site);
        }
        let ms = start.elapsed().as_millis();
        if changed.is_empty() {
            if !self.quiet {
                println!("Rebuilt in {ms} ms ({how}): no output changed.");
            }
            if old.error.is_some() {
                let data = serde_json::json!({"build": build_id, "changed": []});
                state.hub.broadcast("reload", &data.to_string());
            }
            return;
        }
        let css_only = changed.iter().all(|p| p.ends_with(".css"));
        if !self.quiet {
            println!(
                "Rebuilt in {ms} ms ({how}): {} file(s) changed{}.",
                changed.len(),
                if css_only { ", stylesheets only" } else { "" }
            );
        }
        let listed = (urls.len() <= MAX_LISTED_CHANGES).then_some(urls);
        let data = serde_json::json!({"build": build_id, "changed": listed});
        state
            .hub
            .broadcast(if css_only { "css" } else { "reload" }, &data.to_string());
        if base_moved {
            println!("Serving at {}{}", self.origin, base_path);
        }
    }
}

/// Drops `value` on a thread of its own: freeing the many small allocations of a replaced site
/// or index takes milliseconds that a rebuild need not wait for.
fn drop_later<T: Send + 'static>(value: T) {
    // When no thread can be started, the closure, and the value with it, is dropped here.
    let _ = std::thread::Builder::new()
        .name("archsite-drop".into())
        .spawn(move || drop(value));
}

/// Lowers the calling thread's scheduling priority, where the system allows it (Linux gives
/// each thread its own nice value), so that work done in the background yields to rebuilds.
fn background_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; on Linux, `who` 0 with
    // PRIO_PROCESS is the calling thread. A failure leaves the priority as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
}

/// Binds the listening socket, explaining failures.
fn bind(addr: IpAddr, port: Option<u16>) -> Result<TcpListener, String> {
    let explain = |e: std::io::Error, port: u16| -> String {
        match e.kind() {
            std::io::ErrorKind::AddrInUse => format!(
                "port {port} on {addr} is already in use (is another `archsite serve` running?); choose another with --port N, or --port 0 for any free port"
            ),
            std::io::ErrorKind::PermissionDenied => format!(
                "not allowed to listen on port {port} (ports below 1024 need extra privileges); choose another with --port N"
            ),
            std::io::ErrorKind::AddrNotAvailable => {
                format!("{addr} is not an address of this machine; try --bind 127.0.0.1")
            }
            _ => format!("cannot listen on {}: {e}", SocketAddr::new(addr, port)),
        }
    };
    if let Some(port) = port {
        return TcpListener::bind((addr, port)).map_err(|e| explain(e, port));
    }
    for port in DEFAULT_PORT..DEFAULT_PORT + PORT_TRIES {
        match TcpListener::bind((addr, port)) {
            Ok(l) => {
                if port != DEFAULT_PORT {
                    println!("Port {DEFAULT_PORT} is in use; using port {port} instead.");
                }
                return Ok(l);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(explain(e, port)),
        }
    }
    let l = TcpListener::bind((addr, 0)).map_err(|e| explain(e, 0))?;
    if let Ok(a) = l.local_addr() {
        println!(
            "Ports {DEFAULT_PORT}-{} are in use; using port {} instead.",
            DEFAULT_PORT + PORT_TRIES - 1,
            a.port()
        );
    }
    Ok(l)
}

/// The host part of the printed URL: loopback when listening on every interface.
fn url_host(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) if v4.is_unspecified() => "127.0.0.1".into(),
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) if v6.is_unspecified() => "[::1]".into(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// Opens `url` in the desktop's browser when an opener exists; never fails.
fn open_browser(url: &str) {
    let openers: &[(&str, &[&str])] = if cfg!(target_os = "macos") {
        &[("open", &[])]
    } else if cfg!(windows) {
        &[("cmd", &["/C", "start", ""])]
    } else {
        &[("xdg-open", &[]), ("open", &[])]
    };
    for (program, args) in openers {
        let spawned = std::process::Command::new(program)
            .args(*args)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if let Ok(mut child) = spawned {
            std::thread::spawn(move || {
                let _ = child.wait();
            });
            return;
        }
    }
    eprintln!("--open: found no program to open a browser with; open {url} by hand.");
}

fn describe(changed: &BTreeSet<PathBuf>) -> String {
    let names = changed.iter().map(|p| p.display().to_string());
    match changed.len() {
        0 => String::from("(nothing listed)"),
        1..=3 => names.collect::<Vec<_>>().join(", "),
        n => format!(
            "{} and {} more",
            names.take(2).collect::<Vec<_>>().join(", "),
            n - 2
        ),
    }
}

/// Runs the dev server until the process is stopped. Returns an error message when it cannot
/// start (no such folder, port busy).
pub fn run(options: &ServeOptions) -> Result<(), String> {
    let root = std::fs::canonicalize(&options.root)
        .map_err(|e| format!("cannot serve {}: {e}", options.root.display()))?;
    if !root.is_dir() {
        return Err(format!("cannot serve {}: not a folder", root.display()));
    }
    let listener = bind(options.bind, options.port)?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let origin = format!("http://{}:{}", url_host(local.ip()), local.port());

    // Watch before the first build, so that an edit made while it runs is not missed.
    let (tx, rx) = std::sync::mpsc::channel();
    let force_poll = std::env::var(WATCH_ENV).is_ok_and(|v| v == "poll");
    let watcher = watch::SourceWatcher::new(&root, tx, force_poll)
        .map_err(|e| eprintln!("warning: {e}; changes will not be picked up."))
        .ok();

    let mut builder = Builder::new(root.clone(), origin.clone(), options);
    let state = Arc::new(State::new(builder.first(), local.ip().is_loopback()));
    server::start(listener, state.clone())
        .map_err(|e| format!("cannot start the HTTP server: {e}"))?;

    let url = format!("{origin}{}", state.current().base_path);
    println!("Serving at {url}");
    if local.ip().is_unspecified() {
        println!(
            "Listening on every network interface ({}): other machines on your network can read this site.",
            local.ip()
        );
    }
    if let Some(w) = &watcher {
        if !options.quiet {
            println!(
                "Watching content/, templates/, static/ and site.toml for changes{}. Press Ctrl-C to stop.",
                if w.polling { " (polling)" } else { "" }
            );
        }
    }
    let _ = std::io::stdout().flush();
    if options.open {
        open_browser(&url);
    }

    let Some(mut watcher) = watcher else {
        loop {
            std::thread::park();
        }
    };
    while let Some(changed) = watcher.next_batch(&rx) {
        if !options.quiet {
            println!("Changed: {}", describe(&changed));
        }
        let exact = !std::mem::take(&mut watcher.lost_events);
        builder.rebuild(&state, &changed, exact);
        let _ = std::io::stdout().flush();
    }
    Ok(())
}
