//! What a deploy will do: the local files with their headers, compared with the remote objects.
//!
//! Nothing here talks to a server, so the rules (what counts as changed, the upload order that
//! keeps a half-done deploy serving a complete site, the CloudFront paths) are tested alone.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};

use super::settings::{CacheRule, DeployTarget};

/// `Cache-Control` of files whose name carries a hash of their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of every other file: revalidated on each visit.
pub const REVALIDATE: &str = "public, max-age=0, must-revalidate";

/// A file of the built site, as it will be uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// Path from the output folder, `/` separated (`notes/index.html`).
    pub path: String,
    /// Size of the uploaded body (after compression, if any).
    pub size: u64,
    /// MD5 of the uploaded body, lower-case hex.
    pub md5: String,
    /// `Content-Type` header.
    pub content_type: String,
    /// `Cache-Control` header.
    pub cache_control: String,
    /// Whether the body is gzip-compressed (`Content-Encoding: gzip`).
    pub gzip: bool,
}

/// An object already in the bucket, under the target's prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteObject {
    /// Key without the target's prefix.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// ETag without quotes: the MD5 of a single-part upload, something else for multipart.
    pub etag: String,
}

/// Why a file is uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Not in the bucket yet.
    New,
    /// In the bucket with other bytes.
    Changed,
}

/// The diff between the site and the bucket.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files to upload, in upload order: everything else before HTML, so that a page is
    /// replaced only once what it links to is there.
    pub uploads: Vec<(LocalFile, Reason)>,
    /// Remote paths the site no longer has, deleted after every upload succeeded.
    pub deletes: Vec<String>,
    /// Files already in the bucket with the same bytes.
    pub unchanged: usize,
    /// Bytes to upload.
    pub upload_bytes: u64,
    /// Bytes the unchanged files hold.
    pub unchanged_bytes: u64,
}

/// True for files archsite writes for its own bookkeeping or for GitHub Pages only
/// (`.archsite*`, `.nojekyll`): they are never uploaded, nor deleted from the bucket.
pub fn is_private(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with(".archsite") || name == ".nojekyll"
}

/// True when the name carries a hash of the content (`assets/style.0123456789.css`, anything
/// under `search/`), so the file can be cached for a year.
pub fn is_hashed(path: &str) -> bool {
    if path.starts_with("search/") {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1]
            .iter()
            .any(|p| p.len() >= 10 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The `Cache-Control` of `path`: the first matching rule, else immutable for hashed names and
/// revalidation for the rest.
pub fn cache_control(path: &str, rules: &[CacheRule]) -> String {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    for rule in rules {
        if glob::Pattern::new(&rule.pattern).is_ok_and(|p| p.matches_with(path, options)) {
            return rule.value.clone();
        }
    }
    if is_hashed(path) {
        IMMUTABLE.into()
    } else {
        REVALIDATE.into()
    }
}

/// True for types worth compressing (text, JSON, XML, SVG, JavaScript).
fn compressible(content_type: &str) -> bool {
    content_type.contains("charset=utf-8")
}

/// The body uploaded for `file` under `root`: its bytes, gzip-compressed when `gzip` is set.
/// Compression is deterministic (no timestamp), so an unchanged file keeps its MD5.
pub fn body(root: &Path, path: &str, gzip: bool) -> std::io::Result<Vec<u8>> {
    let bytes = std::fs::read(root.join(path))?;
    if !gzip {
        return Ok(bytes);
    }
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    enc.write_all(&bytes)?;
    enc.finish()
}

/// Lower-case hex MD5 of `bytes`.
pub fn md5_hex(bytes: &[u8]) -> String {
    let digest = Md5::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every file under `root` to upload, sorted by path, with its headers and MD5.
pub fn scan(root: &Path, target: &DeployTarget) -> Result<Vec<LocalFile>, String> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let at = e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| root.into());
            format!("{}: {e}", at.display())
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel: PathBuf = entry
            .path()
            .strip_prefix(root)
            .map_err(|e| e.to_string())?
            .into();
        let path = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if is_private(&path) {
            continue;
        }
        let content_type = crate::serve::http::content_type(&path);
        let gzip = target.gzip && compressible(&content_type);
        let bytes =
            body(root, &path, gzip).map_err(|e| format!("{}: {e}", entry.path().display()))?;
        out.push(LocalFile {
            size: bytes.len() as u64,
            md5: md5_hex(&bytes),
            cache_control: cache_control(&path, &target.cache_control),
            content_type,
            gzip,
            path,
        });
    }
    Ok(out)
}

/// True when `etag` is a plain MD5 (a single-part upload without KMS encryption).
fn plain_md5(etag: &str) -> bool {
    etag.len() == 32 && etag.chars().all(|c| c.is_ascii_hexdigit())
}

/// Compares the site with the bucket. `stored_md5` reads the MD5 that archsite stored in an
/// object's metadata; it is asked only when the sizes match but the ETag is no plain MD5 of the
/// same bytes (a multipart or encrypted upload), so a second deploy costs one listing.
pub fn plan<E>(
    local: Vec<LocalFile>,
    remote: Vec<RemoteObject>,
    mut stored_md5: impl FnMut(&str) -> Result<Option<String>, E>,
) -> Result<Plan, E> {
    let mut remote: BTreeMap<String, RemoteObject> =
        remote.into_iter().map(|r| (r.path.clone(), r)).collect();
    let mut plan = Plan::default();
    let mut html = Vec::new();
    for file in local {
        let reason = match remote.remove(&file.path) {
            None => Some(Reason::New),
            Some(r) if r.size != file.size => Some(Reason::Changed),
            Some(r) if plain_md5(&r.etag) && r.etag.eq_ignore_ascii_case(&file.md5) => None,
            Some(r) => match stored_md5(&r.path)? {
                Some(m) if m.eq_ignore_ascii_case(&file.md5) => None,
                _ => Some(Reason::Changed),
            },
        };
        match reason {
            None => {
                plan.unchanged += 1;
                plan.unchanged_bytes += file.size;
            }
            Some(reason) => {
                plan.upload_bytes += file.size;
                if file.path.ends_with(".html") {
                    html.push((file, reason));
                } else {
                    plan.uploads.push((file, reason));
                }
            }
        }
    }
    plan.uploads.extend(html);
    plan.deletes = remote.into_keys().filter(|p| !is_private(p)).collect();
    Ok(plan)
}

impl Plan {
    /// True when the bucket already holds the site.
    pub fn is_empty(&self) -> bool {
        self.uploads.is_empty() && self.deletes.is_empty()
    }

    /// The URL paths a CDN must forget: every changed or deleted file that was there before
    /// (`/notes/a/index.html` also as `/notes/a/`), with `prefix` (the target's key prefix)
    /// in front. New files need no invalidation.
    pub fn invalidation_paths(&self, prefix: &str) -> Vec<String> {
        let changed = self
            .uploads
            .iter()
            .filter(|(_, r)| *r == Reason::Changed)
            .map(|(f, _)| f.path.as_str());
        let mut out = Vec::new();
        for path in changed.chain(self.deletes.iter().map(String::as_str)) {
            let full = format!("/{prefix}{path}");
            if let Some(folder) = full.strip_suffix("index.html") {
                out.push(folder.to_string());
            }
            out.push(full);
        }
        out.sort();
        out.dedup();
        out
    }
}

/// `1234567` as `1.2 MB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(path: &str, body: &[u8]) -> LocalFile {
        LocalFile {
            path: path.into(),
            size: body.len() as u64,
            md5: md5_hex(body),
            content_type: crate::serve::http::content_type(path),
            cache_control: cache_control(path, &[]),
            gzip: false,
        }
    }

    fn remote(path: &str, body: &[u8]) -> RemoteObject {
        RemoteObject {
            path: path.into(),
            size: body.len() as u64,
            etag: md5_hex(body),
        }
    }

    fn none(_: &str) -> Result<Option<String>, ()> {
        Ok(None)
    }

    #[test]
    fn hashed_names_are_immutable_and_rules_come_first() {
        assert_eq!(cache_control("assets/style.0123456789.css", &[]), IMMUTABLE);
        assert_eq!(cache_control("search/t/0.abcdef0123.json", &[]), IMMUTABLE);
        assert_eq!(cache_control("index.html", &[]), REVALIDATE);
        assert_eq!(cache_control("search-index.json", &[]), REVALIDATE);
        assert_eq!(cache_control("assets/logo.png", &[]), REVALIDATE);
        let rules = [CacheRule {
            pattern: "images/**".into(),
            value: "public, max-age=60".into(),
        }];
        assert_eq!(
            cache_control("images/a/b.png", &rules),
            "public, max-age=60"
        );
        let rules = [CacheRule {
            pattern: "*.html".into(),
            value: "no-cache".into(),
        }];
        assert_eq!(cache_control("a/index.html", &rules), REVALIDATE);
        assert_eq!(cache_control("index.html", &rules), "no-cache");
    }

    #[test]
    fn bookkeeping_files_stay_out() {
        assert!(is_private(".archsite-manifest"));
        assert!(is_private(".nojekyll"));
        assert!(is_private("a/.archsite-x"));
        assert!(!is_private("a/.well-known"));
    }

    #[test]
    fn html_goes_last_and_deletes_are_listed() {
        let l = vec![
            local("index.html", b"new page"),
            local("assets/a.0123456789.css", b"css"),
            local("same.txt", b"same"),
        ];
        let r = vec![
            remote("index.html", b"old page"),
            remote("same.txt", b"same"),
            remote("gone.html", b"x"),
            remote(".archsite-manifest", b"x"),
        ];
        let p = plan(l, r, none).expect("plan");
        let order: Vec<&str> = p.uploads.iter().map(|(f, _)| f.path.as_str()).collect();
        assert_eq!(order, ["assets/a.0123456789.css", "index.html"]);
        assert_eq!(p.uploads[1].1, Reason::Changed);
        assert_eq!(p.deletes, ["gone.html"]);
        assert_eq!(p.unchanged, 1);
        assert_eq!(p.upload_bytes, 11);
    }

    #[test]
    fn multipart_etags_fall_back_to_the_stored_md5() {
        let mut r = remote("big.bin", b"bytes");
        r.etag = "0123456789abcdef0123456789abcdef-2".into();
        let md5 = md5_hex(b"bytes");
        let p = plan(vec![local("big.bin", b"bytes")], vec![r.clone()], |_| {
            Ok::<_, ()>(Some(md5.clone()))
        })
        .expect("plan");
        assert_eq!(p.unchanged, 1);
        let p = plan(vec![local("big.bin", b"bytes")], vec![r], none).expect("plan");
        assert_eq!(p.uploads.len(), 1);
    }

    #[test]
    fn invalidation_names_index_pages_by_their_folder() {
        let p = plan(
            vec![local("a/index.html", b"new"), local("b.css", b"new")],
            vec![remote("a/index.html", b"old"), remote("c/index.html", b"x")],
            none,
        )
        .expect("plan");
        assert_eq!(
            p.invalidation_paths("docs/"),
            [
                "/docs/a/",
                "/docs/a/index.html",
                "/docs/c/",
                "/docs/c/index.html"
            ]
        );
    }

    #[test]
    fn gzip_is_deterministic() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("a.html"), "<p>hello</p>".repeat(50)).expect("write");
        let a = body(dir.path(), "a.html", true).expect("gzip");
        let b = body(dir.path(), "a.html", true).expect("gzip");
        assert_eq!(a, b);
        assert!(a.len() < 600);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_234_567), "1.2 MB");
    }
}
