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
pub const QUIET: Duration = Duration::from_millis(60);
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
    /// [`QUIET`]. Returns the changed paths (relative to the root), or `None` when the watcher
    /// stopped.
    pub fn next_batch(&mut self, rx: &Receiver<WatchMessage>) -> Option<BTreeSet<PathBuf>> {
        let mut changed = BTreeSet::new();
        let mut started: Option<Instant> = None;
        loop {
            let message = match started {
                None => rx.recv().ok()?,
                Some(t0) => {
                    let wait = QUIET.min(MAX_BATCH.saturating_sub(t0.elapsed()));
                    match rx.recv_timeout(wait) {
                        Ok(m) => m,
                        Err(RecvTimeoutError::Timeout) => return Some(changed),
                        Err(RecvTimeoutError::Disconnected) => return None,
                    }
                }
            };
            let (relevant, refresh) = match &message {
                Ok(event) => self.classify(event, &mut changed),
                // Lost events (a queue overflow): rebuild to be safe.
                Err(_) => (true, false),
            };
            if refresh {
                self.refresh();
            }
            if relevant && started.is_none() {
                started = Some(Instant::now());
            }
        }
    }

    /// Whether an event matters, and whether it touched a source folder itself.
    fn classify(&self, event: &Event, changed: &mut BTreeSet<PathBuf>) -> (bool, bool) {
        if matches!(event.kind, EventKind::Access(_)) {
            return (false, false);
        }
        if event.need_rescan() {
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
