//! Reading the site's own files without ever leaving the site.
//!
//! Files the build copies as they are (from `static/` and `content/`) and the markdown it reads
//! are found by walking the site's folders ([`walk`]). A symbolic link met on the way is
//! followed when it resolves inside the site root (the folder holding `site.toml`) and skipped,
//! with a warning naming the link and its target, when it does not. Each file found is recorded
//! as a [`SiteFile`]: the canonical site root and the file's resolved path beneath it, with no
//! link left in it.
//!
//! Reading such a file later ([`SiteFile::open`], by the build when it copies and by the dev
//! server on every request) never follows a link at all: [`open_beneath`] opens the root and
//! walks down one component at a time with `O_NOFOLLOW`, and requires a regular file at the
//! end. A file swapped for a link to somewhere else, even between a check and the read, is
//! refused rather than read, by construction rather than by checking first.

use std::fs::File;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::error::{BuildError, Problem, Result};

/// A file of the site: where it really is, beneath the canonical site root, with no symbolic
/// link on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// The canonical site root.
    root: Arc<Path>,
    /// `root` joined with the file's resolved path beneath it.
    path: PathBuf,
}

impl SiteFile {
    /// The file at `path`, which must lie beneath `root` (both canonical, no link in `path`
    /// below `root`); `None` when it does not.
    pub fn new(root: Arc<Path>, path: PathBuf) -> Option<SiteFile> {
        let inside = path.strip_prefix(&root).ok()?;
        let plain = inside.components().next().is_some()
            && inside
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        plain.then_some(SiteFile { root, path })
    }

    /// The file's full path (for messages and comparisons; open it with [`SiteFile::open`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the file for reading without following any symbolic link: a file replaced by a
    /// link (or anything but a regular file) since it was found is an error.
    pub fn open(&self) -> io::Result<File> {
        let rel = self.path.strip_prefix(&self.root).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "path outside the site root")
        })?;
        open_beneath(&self.root, rel)
    }

    /// The file's bytes, read through [`SiteFile::open`].
    pub fn read(&self) -> io::Result<Vec<u8>> {
        let mut file = self.open()?;
        let mut bytes = Vec::new();
        io::Read::read_to_end(&mut file, &mut bytes)?;
        Ok(bytes)
    }
}

impl AsRef<Path> for SiteFile {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

fn refused(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, what.to_string())
}

/// Opens the regular file `rel` beneath the directory `root`, following no symbolic link below
/// `root` (`root` itself is trusted). `rel` must be a plain relative path (no `..`, `.` or
/// root). Anything but a regular file at the end (a link, a folder, a FIFO) is refused.
#[cfg(unix)]
pub fn open_beneath(root: &Path, rel: &Path) -> io::Result<File> {
    use std::ffi::CString;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;

    let names: Vec<&std::ffi::OsStr> = rel
        .components()
        .map(|c| match c {
            Component::Normal(name) => Ok(name),
            _ => Err(refused("not a plain relative path")),
        })
        .collect::<io::Result<_>>()?;
    let Some((last, folders)) = names.split_last() else {
        return Err(refused("empty path"));
    };
    let open_at = |dir: Option<&OwnedFd>, name: &[u8], flags: i32| -> io::Result<OwnedFd> {
        let c = CString::new(name).map_err(|_| refused("NUL in a path"))?;
        let at = dir.map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
        // SAFETY: `c` is a valid NUL-terminated string and `at` an open descriptor (or
        // AT_FDCWD); the returned descriptor, when valid, is owned by nobody else.
        let fd = unsafe { libc::openat(at, c.as_ptr(), flags | libc::O_CLOEXEC) };
        if fd < 0 {
            let e = io::Error::last_os_error();
            // ELOOP: the name is a link (O_NOFOLLOW); ENOTDIR: a link where a folder was.
            if matches!(e.raw_os_error(), Some(libc::ELOOP) | Some(libc::ENOTDIR)) {
                return Err(refused(
                    "a symbolic link is in the way (replaced since the site was read?); not followed",
                ));
            }
            return Err(e);
        }
        // SAFETY: `fd` was just returned by openat and is not owned elsewhere.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    };
    let mut dir = open_at(
        None,
        root.as_os_str().as_bytes(),
        libc::O_RDONLY | libc::O_DIRECTORY,
    )?;
    for name in folders {
        dir = open_at(
            Some(&dir),
            name.as_bytes(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW,
        )?;
    }
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
    let fd = open_at(
        Some(&dir),
        last.as_bytes(),
        libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK,
    )?;
    let file = File::from(fd);
    if !file.metadata()?.file_type().is_file() {
        return Err(refused("not a regular file"));
    }
    Ok(file)
}

/// Opens the regular file `rel` beneath `root`. Without `openat` and `O_NOFOLLOW`, this checks
/// that no component is a symbolic link and then opens: a race remains on such systems.
#[cfg(not(unix))]
pub fn open_beneath(root: &Path, rel: &Path) -> io::Result<File> {
    let mut path = root.to_path_buf();
    for c in rel.components() {
        let Component::Normal(name) = c else {
            return Err(refused("not a plain relative path"));
        };
        path.push(name);
        if std::fs::symlink_metadata(&path)?.file_type().is_symlink() {
            return Err(refused("a symbolic link"));
        }
    }
    let file = File::open(&path)?;
    if !file.metadata()?.is_file() {
        return Err(refused("not a regular file"));
    }
    Ok(file)
}

/// One file found by [`walk`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walked {
    /// Path relative to the folder walked, `/` separated, as the link names it (a file reached
    /// through a linked folder has the link's path).
    pub rel: String,
    /// Where the file really is.
    pub file: SiteFile,
}

/// Every regular file under `dir` (a folder of the site at `root`), sorted by path, with the
/// warnings for the symbolic links skipped: links whose target lies outside the site root,
/// broken links, and links that lead back into a folder being walked (a loop). Links inside
/// the site, to files or folders, are followed. `dir` missing gives nothing.
pub fn walk(root: &Path, dir: &Path) -> Result<(Vec<Walked>, Vec<Problem>)> {
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    // Warnings name paths as the user sees them, from the site root.
    let site = root;
    let link_warning = |link: &Path, target: &Path, why: &str| {
        link_warning(link.strip_prefix(site).unwrap_or(link), target, why)
    };
    if !dir.is_dir() {
        return Ok((found, warnings));
    }
    let canonical = |p: &Path| std::fs::canonicalize(p).map_err(|e| BuildError::io(p, &e));
    let root: Arc<Path> = Arc::from(canonical(root)?);
    let real_dir = canonical(dir)?;
    if !real_dir.starts_with(&root) {
        warnings.push(link_warning(dir, &real_dir, "it is outside the site"));
        return Ok((found, warnings));
    }
    // Folders reached through a link: what is under them is resolved again.
    let mut linked_dirs: Vec<PathBuf> = Vec::new();
    let mut it = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink());
                if e.loop_ancestor().is_some() {
                    let target = std::fs::read_link(&path).unwrap_or_default();
                    warnings.push(link_warning(
                        &path,
                        &target,
                        "it leads back to a folder above it",
                    ));
                    continue;
                }
                if is_link {
                    let target = std::fs::read_link(&path).unwrap_or_default();
                    warnings.push(link_warning(&path, &target, "nothing is there"));
                    continue;
                }
                return Err(BuildError::single(Problem::error(
                    path,
                    None,
                    e.to_string(),
                )));
            }
        };
        let path = entry.path();
        let under_link = entry.path_is_symlink() || linked_dirs.iter().any(|d| path.starts_with(d));
        let real = if under_link {
            match std::fs::canonicalize(path) {
                Ok(real) if real.starts_with(&root) => real,
                Ok(real) => {
                    warnings.push(link_warning(path, &real, "it is outside the site"));
                    if entry.file_type().is_dir() {
                        it.skip_current_dir();
                    }
                    continue;
                }
                Err(e) => return Err(BuildError::io(path, &e)),
            }
        } else {
            real_dir.join(path.strip_prefix(dir).unwrap_or(path))
        };
        if entry.file_type().is_dir() {
            if entry.path_is_symlink() {
                linked_dirs.push(path.to_path_buf());
            }
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        if let Some(file) = SiteFile::new(Arc::clone(&root), real) {
            found.push(Walked {
                rel: crate::content::rel_slash(path, dir),
                file,
            });
        }
    }
    Ok((found, warnings))
}

fn link_warning(link: &Path, target: &Path, why: &str) -> Problem {
    Problem::warning(
        link,
        None,
        format!(
            "skipped symbolic link to {}: {why}; only links that stay inside the site (the folder with site.toml) are followed",
            target.display()
        ),
    )
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn open_beneath_never_follows_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("static/sub")).unwrap();
        std::fs::write(root.join("static/sub/a.txt"), "a").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        let root = std::fs::canonicalize(&root).unwrap();
        let mut f = open_beneath(&root, Path::new("static/sub/a.txt")).unwrap();
        let mut s = String::new();
        io::Read::read_to_string(&mut f, &mut s).unwrap();
        assert_eq!(s, "a");
        symlink(dir.path().join("secret.txt"), root.join("static/ln.txt")).unwrap();
        symlink(root.join("static/sub"), root.join("static/lndir")).unwrap();
        assert!(open_beneath(&root, Path::new("static/ln.txt")).is_err());
        assert!(open_beneath(&root, Path::new("static/lndir/a.txt")).is_err());
        assert!(open_beneath(&root, Path::new("static/../static/sub/a.txt")).is_err());
        assert!(open_beneath(&root, Path::new("static/sub")).is_err());
    }

    #[test]
    fn site_files_stay_beneath_the_root() {
        let root: Arc<Path> = Arc::from(Path::new("/site"));
        assert!(SiteFile::new(root.clone(), "/site/static/a.txt".into()).is_some());
        assert!(SiteFile::new(root.clone(), "/site/../etc/passwd".into()).is_none());
        assert!(SiteFile::new(root.clone(), "/site".into()).is_none());
        assert!(SiteFile::new(root, "/elsewhere/a.txt".into()).is_none());
    }
}
