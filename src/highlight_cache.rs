//! Highlighted code blocks kept on disk between builds.
//!
//! Highlighting is most of a build's CPU, and most code blocks do not change from one build to
//! the next, so `archsite build` keeps every block's HTML in one file beside `site.toml`
//! ([`CACHE_DIR`]/[`CACHE_FILE`]) and the next build reads it instead of running syntect again.
//!
//! - **Keyed by everything that changes the result**: the archsite version and the cache format
//!   stand in the file's header (a file from another version is ignored whole); each entry's
//!   key is a 128-bit hash of the block's language and code. Block HTML carries CSS classes,
//!   not colours, so the theme is not part of it.
//! - **Safe when two builds run at once**: the file is written to a temporary name and renamed
//!   over the old one, so a reader sees one whole file or the other.
//! - **Corrupt files are ignored**: a checksum over the whole file is checked on reading.
//! - **Bounded**: a save keeps the blocks this build used, then older ones while the file stays
//!   under [`MAX_BYTES`].
//! - **Read lazily**: a site without code blocks never opens the file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::FxHashMap;

/// The folder, beside `site.toml`, that holds archsite's caches.
pub const CACHE_DIR: &str = ".archsite-cache";
/// The highlight cache's file name in [`CACHE_DIR`].
pub const CACHE_FILE: &str = "highlight.bin";
/// The largest cache file a save writes.
pub const MAX_BYTES: usize = 256 * 1024 * 1024;

/// First bytes of the file; the version line follows.
const MAGIC: &[u8] = b"archsite highlight cache\n";

/// What must match for a file's entries to be used: the archsite version (which fixes the
/// syntect version, its grammars and the HTML shape) and this file's format.
fn version_line() -> String {
    format!("archsite {} format 1\n", env!("CARGO_PKG_VERSION"))
}

/// The key of a block: a hash of its language and code.
pub fn key(lang: &str, code: &str) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&(lang.len() as u64).to_le_bytes());
    h.update(lang.as_bytes());
    h.update(code.as_bytes());
    h.digest128()
}

/// A highlight cache file: read on first use, written by [`DiskCache::save`].
#[derive(Debug)]
pub struct DiskCache {
    path: PathBuf,
    /// The entries of the file as it was when first needed.
    loaded: OnceLock<FxHashMap<u128, Arc<str>>>,
    /// The entries this build used, found or new.
    used: Mutex<FxHashMap<u128, Arc<str>>>,
    /// Set when this build highlighted a block the file did not have.
    added: AtomicBool,
}

impl DiskCache {
    /// The cache of the site at `root`.
    pub fn of_site(root: &Path) -> DiskCache {
        DiskCache::at(root.join(CACHE_DIR).join(CACHE_FILE))
    }

    /// A cache kept in the file `path`.
    pub fn at(path: PathBuf) -> DiskCache {
        DiskCache {
            path,
            loaded: OnceLock::new(),
            used: Mutex::new(FxHashMap::default()),
            added: AtomicBool::new(false),
        }
    }

    /// Where the cache is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The HTML of the block with key `key`, if the file had it.
    pub fn get(&self, key: u128) -> Option<Arc<str>> {
        let html = self
            .loaded
            .get_or_init(|| read(&self.path).unwrap_or_default())
            .get(&key)?;
        if let Ok(mut used) = self.used.lock() {
            used.entry(key).or_insert_with(|| Arc::clone(html));
        }
        Some(Arc::clone(html))
    }

    /// Records the HTML of a block the file did not have.
    pub fn put(&self, key: u128, html: &str) {
        if let Ok(mut used) = self.used.lock() {
            used.insert(key, Arc::from(html));
            self.added.store(true, Ordering::Relaxed);
        }
    }

    /// Writes the blocks this build used, then as many others of the old file as fit under
    /// [`MAX_BYTES`]. Does nothing when the build added nothing and used every block it had.
    pub fn save(&self) -> std::io::Result<()> {
        let used = self
            .used
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        let loaded = self.loaded.get();
        let old_len = loaded.map_or(0, |l| l.len());
        if !self.added.load(Ordering::Relaxed) && used.len() == old_len {
            return Ok(());
        }
        let mut entries: Vec<(u128, &Arc<str>)> = used.iter().map(|(k, v)| (*k, v)).collect();
        entries.sort_unstable_by_key(|(k, _)| *k);
        let mut size: usize = entries.iter().map(|(_, v)| v.len() + 20).sum();
        if let Some(old) = loaded {
            let mut rest: Vec<(u128, &Arc<str>)> = old
                .iter()
                .filter(|(k, _)| !used.contains_key(k))
                .map(|(k, v)| (*k, v))
                .collect();
            rest.sort_unstable_by_key(|(k, _)| *k);
            for (k, v) in rest {
                if size + v.len() + 20 > MAX_BYTES {
                    break;
                }
                size += v.len() + 20;
                entries.push((k, v));
            }
        }
        write(&self.path, &entries)
    }
}

/// The entries of the cache file at `path`; `None` when it is missing, from another version,
/// or corrupt.
fn read(path: &Path) -> Option<FxHashMap<u128, Arc<str>>> {
    let bytes = std::fs::read(path).ok()?;
    let (body, sum) = bytes.split_at(bytes.len().checked_sub(8)?);
    if xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() != sum {
        return None;
    }
    let version = version_line();
    let mut rest = body.strip_prefix(MAGIC)?.strip_prefix(version.as_bytes())?;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    let count = u64::from_le_bytes(take(8)?.try_into().ok()?);
    let mut map = FxHashMap::default();
    map.reserve(usize::try_from(count).ok()?.min(1 << 20));
    for _ in 0..count {
        let key = u128::from_le_bytes(take(16)?.try_into().ok()?);
        let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        let html = std::str::from_utf8(take(len)?).ok()?;
        map.insert(key, Arc::from(html));
    }
    Some(map)
}

/// Writes `entries` to a temporary file beside `path` and renames it over `path`. The file is
/// written as it is hashed, never held in memory whole.
fn write(path: &Path, entries: &[(u128, &Arc<str>)]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(".{CACHE_FILE}.{}-{nanos}.tmp", std::process::id()));
    let result = write_entries(&tmp, entries).and_then(|_| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn write_entries(file: &Path, entries: &[(u128, &Arc<str>)]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(file)?);
    let mut sum = xxhash_rust::xxh3::Xxh3::new();
    let mut put = |bytes: &[u8]| {
        sum.update(bytes);
        out.write_all(bytes)
    };
    put(MAGIC)?;
    put(version_line().as_bytes())?;
    put(&(entries.len() as u64).to_le_bytes())?;
    for (key, html) in entries {
        put(&key.to_le_bytes())?;
        put(&(html.len() as u32).to_le_bytes())?;
        put(html.as_bytes())?;
    }
    out.write_all(&sum.digest().to_le_bytes())?;
    // No fsync: a file cut short by a crash fails its checksum and is ignored.
    out.into_inner().map_err(|e| e.into_error())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_reads_back_and_ignores_corrupt_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c/highlight.bin");
        let cache = DiskCache::at(path.clone());
        assert!(cache.get(key("rust", "fn x(){}")).is_none());
        cache.put(key("rust", "fn x(){}"), "<pre>x</pre>");
        cache.put(key("py", "x = 1"), "<pre>py</pre>");
        cache.save().unwrap();

        let again = DiskCache::at(path.clone());
        assert_eq!(
            again.get(key("rust", "fn x(){}")).as_deref(),
            Some("<pre>x</pre>")
        );
        assert!(again.get(key("rust", "fn y(){}")).is_none());
        // Only one of two blocks used and nothing added: the file is rewritten, keeping both
        // (they fit the bound).
        again.save().unwrap();
        let third = DiskCache::at(path.clone());
        assert_eq!(
            third.get(key("py", "x = 1")).as_deref(),
            Some("<pre>py</pre>")
        );

        // A flipped byte: the whole file is ignored, and the next save replaces it.
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x20;
        std::fs::write(&path, &bytes).unwrap();
        let corrupt = DiskCache::at(path.clone());
        assert!(corrupt.get(key("py", "x = 1")).is_none());
        // A truncated file too.
        std::fs::write(&path, &bytes[..10]).unwrap();
        assert!(DiskCache::at(path.clone())
            .get(key("py", "x = 1"))
            .is_none());
        std::fs::write(&path, b"").unwrap();
        assert!(DiskCache::at(path).get(key("py", "x = 1")).is_none());
    }

    #[test]
    fn a_file_of_another_version_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("highlight.bin");
        let cache = DiskCache::at(path.clone());
        cache.put(key("rust", "a"), "<pre>a</pre>");
        cache.save().unwrap();
        let mut changed = std::fs::read(&path).unwrap();
        let at = changed
            .windows(8)
            .position(|w| w == b"format 1")
            .expect("a version line");
        changed[at + 7] = b'0';
        let body_len = changed.len() - 8;
        let sum = xxhash_rust::xxh3::xxh3_64(&changed[..body_len]);
        changed[body_len..].copy_from_slice(&sum.to_le_bytes());
        std::fs::write(&path, changed).unwrap();
        assert!(DiskCache::at(path).get(key("rust", "a")).is_none());
    }
}
