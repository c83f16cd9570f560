//! Watching the site's sources for changes.
//!
//! `content/`, `templates/` and `static/` are watched recursively as folders (an editor that
//! saves by writing a new file and renaming it over the old one would end a watch on the file
//! itself), and the site root without recursion, for `site.toml` and for source folders that are
//! created, deleted or replaced later. Events are filtered (editor swap and backup files, `.git`,
//! everything else in the root such as the output folder or `target/`) and debounced: a batch
//! ends after a short quiet period, so one save, however many events it makes, gives one rebuild.
//! When the platform's watcher cannot be set up (no inotify instances or watches left, an
//! unsupported file system), a polling watcher takes over.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::{Event, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};

use crate::config::CONFIG_FILE;

/// A batch of changes ends after this long without a relevant event.
pub const QUIET: Duration = Duration::from_millis(30);
/// A batch never waits longer than this from its first event (a stream of changes, such as a
/// `git checkout` of many files, still gives a rebuild now and then).
pub const MAX_BATCH: Duration = Duration::from_secs(2);
/// How often the polling watcher looks at the files.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// The folders watched recursively.
pub const SOURCE_DIRS: [&str; 3] = ["content", "templates", "static"];

/// The message type the watchers send.
pub type WatchMessage = notify::Result<Event>;

/// The watcher of one site's sources.
pub struct SourceWatcher {
    root: PathBuf,
    tx: Sender<WatchMessage>,
    watcher: Box<dyn Watcher + Send>,
    /// True when polling instead of using the platform's notifications.
    pub polling: bool,
    /// Set when events were lost (a queue overflow, a watcher error) since the flag was last
    /// cleared: the paths of a batch may then not be all that changed.
    pub lost_events: bool,
}

impl SourceWatcher {
    /// Starts watching `root` (an absolute, canonical path). With `force_poll`, or when the
    /// platform's watcher fails, the sources are polled instead.
    pub fn new(root: &Path, tx: Sender<WatchMessage>, force_poll: bool) -> Result<Self, String> {
        if !force_poll {
            match RecommendedWatcher::new(tx.clone(), notify::Config::default()) {
                Ok(w) => {
                    let mut this = SourceWatcher {
                        root: root.to_path_buf(),
                        tx: tx.clone(),
                        watcher: Box::new(w),
                        polling: false,
                        lost_events: false,
                    };
                    match this.watch_all() {
                        Ok(()) => return Ok(this),
                        Err(e) => eprintln!("File notifications failed ({e}); polling instead."),
                    }
                }
                Err(e) => eprintln!("File notifications are not available ({e}); polling instead."),
            }
        }
        let mut this = SourceWatcher {
            root: root.to_path_buf(),
            watcher: Box::new(poll_watcher(tx.clone())?),
            tx,
            polling: true,
            lost_events: false,
        };
        this.watch_all()
            .map_err(|e| format!("cannot watch the sources: {e}"))?;
        Ok(this)
    }

    fn watch_all(&mut self) -> notify::Result<()> {
        self.watcher
            .watch(&self.root, RecursiveMode::NonRecursive)?;
        for dir in SOURCE_DIRS {
            let path = self.root.join(dir);
            if path.is_dir() {
                self.watcher.watch(&path, RecursiveMode::Recursive)?;
            }
        }
        Ok(())
    }

    /// Watches the source folders again, after one of them was created, deleted or replaced.
    pub fn refresh(&mut self) {
        for dir in SOURCE_DIRS {
            let _ = self.watcher.unwatch(&self.root.join(dir));
        }
        if let Err(e) = self.watch_all() {
            if self.polling {
                eprintln!("warning: cannot watch the sources: {e}");
                return;
            }
            eprintln!("File notifications failed ({e}); polling instead.");
            match poll_watcher(self.tx.clone()) {
                Ok(w) => {
                    self.watcher = Box::new(w);
                    self.polling = true;
                    if let Err(e) = self.watch_all() {
                        eprintln!("warning: cannot watch the sources: {e}");
                    }
                }
                Err(e) => eprintln!("warning: {e}"),
            }
        }
    }

    /// Blocks until a relevant change arrives and the sources have then been quiet for
    /// [`QUIET`], or [`MAX_BATCH`] has passed since the batch's first relevant change. Returns the
    /// changed paths (relative to the root), or `None` when the watcher stopped.
    pub fn next_batch(&mut self, rx: &Receiver<WatchMessage>) -> Option<BTreeSet<PathBuf>> {
        let recv = |wait: Option<Duration>| match wait {
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(wait) => rx.recv_timeout(wait),
        };
        self.batch(recv, QUIET, MAX_BATCH)
    }

    /// [`next_batch`](Self::next_batch) with the two limits given, receiving through `recv`
    /// (which waits up to the time given, or until a message or disconnection for `None`).
    ///
    /// The batch's end is checked before each receive, not only when a receive times out: a
    /// receive returns a queued event at once even when the time left is zero, so under a steady
    /// stream of events (many files changing, or ignored files such as editor swap files being
    /// rewritten) a timeout would never come. Only relevant events extend the quiet period.
    fn batch(
        &mut self,
        mut recv: impl FnMut(Option<Duration>) -> Result<WatchMessage, RecvTimeoutError>,
        quiet: Duration,
        max_batch: Duration,
    ) -> Option<BTreeSet<PathBuf>> {
        let mut changed = BTreeSet::new();
        // Once the batch has a relevant event: when it ends at the latest (its first relevant
        // event + `max_batch`), and when it ends unless another relevant event comes (the last
        // one + `quiet`).
        let mut deadline: Option<(Instant, Instant)> = None;
        loop {
            let message = match deadline {
                None => recv(None).ok()?,
                Some((limit, quiet_end)) => {
                    let now = Instant::now();
                    let end = limit.min(quiet_end);
                    if now >= end {
                        return Some(changed);
                    }
                    match recv(Some(end - now)) {
                        Ok(m) => m,
                        Err(RecvTimeoutError::Timeout) => return Some(changed),
                        // The watcher stopped: hand over what was collected; the next call
                        // returns `None`.
                        Err(RecvTimeoutError::Disconnected) => return Some(changed),
                    }
                }
            };
            let (relevant, refresh) = match &message {
                Ok(event) => self.classify(event, &mut changed),
                // Lost events (a queue overflow): rebuild to be safe.
                Err(_) => {
                    self.lost_events = true;
                    (true, false)
                }
            };
            if refresh {
                self.refresh();
            }
            if relevant {
                let now = Instant::now();
                let limit = deadline.map_or(now + max_batch, |(limit, _)| limit);
                deadline = Some((limit, now + quiet));
            }
        }
    }

    /// Whether an event matters, and whether it touched a source folder itself.
    fn classify(&mut self, event: &Event, changed: &mut BTreeSet<PathBuf>) -> (bool, bool) {
        if matches!(event.kind, EventKind::Access(_)) {
            return (false, false);
        }
        if event.need_rescan() {
            self.lost_events = true;
            return (true, true);
        }
        let mut relevant = false;
        let mut refresh = false;
        for path in &event.paths {
            let Ok(rel) = path.strip_prefix(&self.root) else {
                continue;
            };
            if relevant_path(rel) {
                relevant = true;
                changed.insert(rel.to_path_buf());
                if SOURCE_DIRS.iter().any(|d| rel == Path::new(d)) {
                    refresh = true;
                }
            }
        }
        (relevant, refresh)
    }
}

/// The polling watcher compares file contents too: it compares modification times in whole
/// seconds only, and would miss a save made in the same second as the previous look.
fn poll_watcher(tx: Sender<WatchMessage>) -> Result<PollWatcher, String> {
    PollWatcher::new(
        tx,
        notify::Config::default()
            .with_poll_interval(POLL_INTERVAL)
            .with_compare_contents(true),
    )
    .map_err(|e| format!("cannot start the polling watcher: {e}"))
}

/// True when a change to `rel` (relative to the site root) can change the site: `site.toml`, or
/// a file or folder under a source folder that is not an editor's temporary file or in `.git`.
pub fn relevant_path(rel: &Path) -> bool {
    if rel == Path::new(CONFIG_FILE) {
        return true;
    }
    let mut parts = rel.components();
    let Some(Component::Normal(first)) = parts.next() else {
        return false;
    };
    if !SOURCE_DIRS.iter().any(|d| first == *d) {
        return false;
    }
    if rel
        .components()
        .any(|c| matches!(c, Component::Normal(n) if n == ".git"))
    {
        return false;
    }
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    !is_editor_temp(&name)
}

/// Swap, backup and lock files that editors write beside the file being edited.
pub fn is_editor_temp(name: &str) -> bool {
    name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swo")
        || name.ends_with(".swx")
        || name.ends_with(".swpx")
        || name.starts_with(".#")
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || name.ends_with("___jb_tmp___")
        || name.ends_with("___jb_old___")
        || name == ".DS_Store"
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{DataChange, ModifyKind};
    use std::sync::mpsc;

    /// A guard against a batch that never ends, not a measurement.
    const GUARD: Duration = Duration::from_secs(30);
    /// Long enough never to be what ends a batch in these tests.
    const NEVER: Duration = Duration::from_secs(3600);

    fn watcher(root: &Path) -> SourceWatcher {
        let (tx, _) = mpsc::channel();
        SourceWatcher {
            root: root.to_path_buf(),
            watcher: Box::new(poll_watcher(tx.clone()).unwrap()),
            tx,
            polling: true,
            lost_events: false,
        }
    }

    fn modified(path: PathBuf) -> WatchMessage {
        Ok(Event::new(EventKind::Modify(ModifyKind::Data(DataChange::Content))).add_path(path))
    }

    /// Runs one batch over a steady stream of events through a channel: `first`, then `next(i)`
    /// for i = 0, 1, ..., sent before each receive so that an event is always waiting, as
    /// under a flood of file events. Returns the batch, or `None` when it only ended because
    /// the stream was cut after [`GUARD`].
    fn batch_of_stream(
        w: &mut SourceWatcher,
        first: WatchMessage,
        next: impl Fn(usize) -> WatchMessage,
        quiet: Duration,
        max_batch: Duration,
    ) -> Option<BTreeSet<PathBuf>> {
        let (tx, rx) = mpsc::channel();
        tx.send(first).unwrap();
        let start = Instant::now();
        let mut sent = 0;
        let mut cut = false;
        let recv = |wait: Option<Duration>| {
            if start.elapsed() > GUARD {
                cut = true;
                return Err(RecvTimeoutError::Disconnected);
            }
            tx.send(next(sent)).unwrap();
            sent += 1;
            match wait {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(wait) => rx.recv_timeout(wait),
            }
        };
        let batch = w.batch(recv, quiet, max_batch);
        assert!(!cut, "the batch only ended when the stream was cut");
        batch
    }

    #[test]
    fn a_steady_stream_of_changes_still_ends_the_batch() {
        let root = PathBuf::from("/site");
        let content = root.join("content");
        let batch = batch_of_stream(
            &mut watcher(&root),
            modified(content.join("first.md")),
            |i| modified(content.join(format!("p{}.md", i % 5))),
            NEVER,
            Duration::from_millis(200),
        )
        .expect("a batch, not the end of the watcher");
        assert!(batch.contains(Path::new("content/first.md")), "{batch:?}");
        assert!(batch.contains(Path::new("content/p4.md")), "{batch:?}");
    }

    #[test]
    fn ignored_files_do_not_keep_a_batch_open() {
        let root = PathBuf::from("/site");
        let batch = batch_of_stream(
            &mut watcher(&root),
            modified(root.join("content/a.md")),
            |i| {
                modified(root.join(if i % 2 == 0 {
                    "content/.a.md.swp"
                } else {
                    "public/index.html"
                }))
            },
            Duration::from_millis(60),
            NEVER,
        )
        .expect("a batch, not the end of the watcher");
        assert_eq!(batch, BTreeSet::from([PathBuf::from("content/a.md")]));
    }

    #[test]
    fn a_watcher_that_stops_hands_over_its_batch_first() {
        let root = PathBuf::from("/site");
        let mut w = watcher(&root);
        let (tx, rx) = mpsc::channel();
        tx.send(modified(root.join("static/x.css"))).unwrap();
        drop(tx);
        assert_eq!(
            w.next_batch(&rx),
            Some(BTreeSet::from([PathBuf::from("static/x.css")]))
        );
        assert_eq!(w.next_batch(&rx), None);
    }

    #[test]
    fn filters_paths() {
        for yes in [
            "site.toml",
            "content",
            "content/notes/a.md",
            "templates/page.html",
            "static/img/x.png",
            "static/.well-known/security.txt",
        ] {
            assert!(relevant_path(Path::new(yes)), "{yes}");
        }
        for no in [
            "public/index.html",
            "target/debug/archsite",
            ".git/index",
            "README.md",
            "content/.git/HEAD",
            "content/notes/.a.md.swp",
            "content/notes/a.md~",
            "content/notes/.#a.md",
            "content/notes/#a.md#",
            "content/notes/4913",
            "templates/page.html___jb_tmp___",
            "site.toml.swp",
        ] {
            assert!(!relevant_path(Path::new(no)), "{no}");
        }
    }
}
