//! One built site, held in memory and never changed after it is made.
//!
//! The server keeps the current [`Snapshot`] behind an `Arc` and swaps the whole `Arc` when a
//! rebuild finishes, so a request sees either the old site or the new one, never a mix. Files
//! the build copies as they are (`static/`, content assets) stay on disk, each as a
//! [`SiteFile`]: its resolved path beneath the site root, opened on every request without
//! following any symbolic link ([`SiteFile::open`]), so a file swapped for a link can never lead
//! a request outside the site, whatever the timing.

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::Problem;
use crate::safe_fs::SiteFile;
use crate::site::{FileData, OutputFile};

/// The bytes of one served file.
#[derive(Debug, Clone)]
pub enum Body {
    /// Generated in memory.
    Bytes(Arc<Vec<u8>>),
    /// A source file copied as it is, read from disk when requested.
    File(SourceFile),
}

/// A source file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Where it is, beneath the site root.
    pub file: SiteFile,
    /// Size when the snapshot was made (used to tell changes apart).
    pub len: u64,
    /// Modification time when the snapshot was made.
    pub modified: Option<SystemTime>,
}

/// Why a build failed, as shown in the terminal and in the browser overlay.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Every problem, one per line (`content/a.md:3: error: ...`).
    pub text: String,
    /// The problems themselves.
    pub problems: Vec<Problem>,
}

impl Failure {
    /// The JSON sent to the browser: `{"message": "...", "problems": [...]}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "message": self.text, "problems": self.problems })
    }
}

/// Output paths (`notes/x/index.html`) to their bytes.
pub type Files = FxHashMap<String, Body>;

/// A built site as the server sees it.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Output path (`notes/x/index.html`) to its bytes, but for the search index. Shared, so a
    /// snapshot that only differs in its search index or its error costs no copy.
    pub files: Arc<Files>,
    /// The search index files (manifest, chunks, fragments). The dev server makes them after
    /// the pages and swaps them in on their own, so each build shares the previous map until
    /// its own is made.
    pub search: Arc<Files>,
    /// `/` or `/sub/path/`, from site.toml's base_url.
    pub base_path: String,
    /// Identifies the files of this snapshot; changes with every successful build that changed
    /// something. Pages carry it so a reconnecting browser can tell it missed a change.
    pub build_id: String,
    /// The last build's failure, while the site is broken (the files are then the last good
    /// build's).
    pub error: Option<Arc<Failure>>,
}

impl Snapshot {
    /// An empty site, served (with the error overlay) when the very first build fails.
    pub fn empty(base_path: &str, build_id: String) -> Snapshot {
        Snapshot {
            base_path: base_path.to_string(),
            build_id,
            ..Snapshot::default()
        }
    }

    /// The bytes of output path `key`.
    pub fn get(&self, key: &str) -> Option<&Body> {
        self.files.get(key).or_else(|| self.search.get(key))
    }

    /// Whether the site has output path `key`.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Makes a snapshot from a build's output, with the files at `search_paths` as its search
    /// index. Copied files that can no longer be opened (gone, or replaced by a symbolic link
    /// since the build found them) are left out and reported.
    pub fn from_output(
        files: Vec<OutputFile>,
        search_paths: &FxHashSet<&str>,
        base_path: &str,
        build_id: String,
    ) -> (Snapshot, Vec<String>) {
        let mut map = Files::default();
        map.reserve(files.len());
        let mut search = Files::default();
        let mut refused = Vec::new();
        for f in files {
            if search_paths.contains(f.path.as_str()) {
                if let FileData::Bytes(b) = f.data {
                    search.insert(f.path, Body::Bytes(b));
                }
                continue;
            }
            let body = match f.data {
                FileData::Bytes(b) => Body::Bytes(b),
                FileData::Copy(src) => match source_file(src) {
                    Some(source) => Body::File(source),
                    None => {
                        refused.push(f.path);
                        continue;
                    }
                },
            };
            map.insert(f.path, body);
        }
        (
            Snapshot {
                files: Arc::new(map),
                search: Arc::new(search),
                base_path: base_path.to_string(),
                build_id,
                error: None,
            },
            refused,
        )
    }

    /// The same site with the search index `index` instead of its own.
    pub fn with_search_files(&self, index: &[OutputFile]) -> Snapshot {
        let search = index
            .iter()
            .filter_map(|f| match &f.data {
                FileData::Bytes(b) => Some((f.path.clone(), Body::Bytes(Arc::clone(b)))),
                FileData::Copy(_) => None,
            })
            .collect();
        Snapshot {
            search: Arc::new(search),
            ..self.clone()
        }
    }

    /// The same site with the search index of `other` instead of its own.
    pub fn with_search_of(self, other: &Snapshot) -> Snapshot {
        Snapshot {
            search: Arc::clone(&other.search),
            ..self
        }
    }

    /// The same files with a build failure attached (or cleared).
    pub fn with_error(&self, error: Option<Arc<Failure>>) -> Snapshot {
        Snapshot {
            error,
            ..self.clone()
        }
    }

    /// Opens a copied file for reading, following no symbolic link: a file swapped for a link
    /// since the build is refused.
    pub fn open(&self, source: &SourceFile) -> Option<std::fs::File> {
        source.file.open().ok()
    }

    /// The entry of output `key` made again from `source` (a path from the site root) after
    /// the file was modified, when `key` is a copied file whose source is `source`; `None`
    /// otherwise.
    pub fn refreshed(&self, key: &str, source: &Path) -> Option<Body> {
        let Some(Body::File(old)) = self.get(key) else {
            return None;
        };
        if old.file.path() != source {
            return None;
        }
        source_file(old.file.clone()).map(Body::File)
    }

    /// Output paths whose bytes differ between `self` (older) and `newer`: added, removed or
    /// changed, sorted. The search index is left out: no page shows its bytes.
    pub fn changed_paths(&self, newer: &Snapshot) -> Vec<String> {
        if Arc::ptr_eq(&self.files, &newer.files) {
            return Vec::new();
        }
        let mut kept = 0;
        let mut out: Vec<String> = Vec::new();
        for (path, body) in newer.files.iter() {
            match self.files.get(path) {
                None => out.push(path.clone()),
                Some(old) => {
                    kept += 1;
                    if !same_body(old, body) {
                        out.push(path.clone());
                    }
                }
            }
        }
        // Every old path is still there when as many were found as there were: only look for
        // removed ones otherwise.
        if kept < self.files.len() {
            out.extend(
                self.files
                    .keys()
                    .filter(|p| !newer.files.contains_key(*p))
                    .cloned(),
            );
        }
        out.sort();
        out
    }
}

fn same_body(a: &Body, b: &Body) -> bool {
    match (a, b) {
        (Body::Bytes(x), Body::Bytes(y)) => Arc::ptr_eq(x, y) || x == y,
        (Body::File(x), Body::File(y)) => x == y,
        _ => false,
    }
}

/// `file` with its size and modification time, when it can be opened.
fn source_file(file: SiteFile) -> Option<SourceFile> {
    let meta = file.open().and_then(|f| f.metadata()).ok()?;
    Some(SourceFile {
        len: meta.len(),
        modified: meta.modified().ok(),
        file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_copied_file_swapped_for_a_link_is_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("static")).unwrap();
        std::fs::write(root.join("static/ok.txt"), "ok").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        let (found, _) = crate::safe_fs::walk(&root, &root.join("static")).unwrap();
        let files = found
            .into_iter()
            .map(|w| OutputFile {
                path: w.rel,
                data: FileData::Copy(w.file),
            })
            .collect();
        let (snap, refused) = Snapshot::from_output(files, &FxHashSet::default(), "/", "1".into());
        assert!(refused.is_empty());
        let Some(Body::File(src)) = snap.files.get("ok.txt").cloned() else {
            panic!("ok.txt should be a copied file");
        };
        assert!(snap.open(&src).is_some());
        std::fs::remove_file(root.join("static/ok.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("static/ok.txt"))
            .unwrap();
        assert!(snap.open(&src).is_none());
    }

    #[test]
    fn changed_paths_lists_added_removed_and_changed() {
        let bytes = |p: &str, b: &str| OutputFile {
            path: p.into(),
            data: FileData::Bytes(Arc::new(b.as_bytes().to_vec())),
        };
        let (a, _) = Snapshot::from_output(
            vec![
                bytes("a.html", "1"),
                bytes("b.css", "x"),
                bytes("c.js", "c"),
            ],
            &FxHashSet::default(),
            "/",
            "1".into(),
        );
        let (b, _) = Snapshot::from_output(
            vec![
                bytes("a.html", "1"),
                bytes("b.css", "y"),
                bytes("d.js", "d"),
            ],
            &FxHashSet::default(),
            "/",
            "2".into(),
        );
        assert_eq!(a.changed_paths(&b), ["b.css", "c.js", "d.js"]);
        assert!(a.changed_paths(&a).is_empty());
    }
}
