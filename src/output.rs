//! Writing a built site to its output folder, and never touching a file archsite did not write.
//!
//! A build fills a fresh folder beside the output and swaps it in whole, so a failed build leaves
//! the previous site untouched and a reader never sees a half-written one. Swapping replaces the
//! old folder, so the writer first proves the folder is archsite's: every build leaves a manifest
//! ([`MANIFEST`]) naming the files it wrote, and a folder holding anything the manifest does not
//! name is refused, naming those files, unless the user passes `--replace-output`. An output
//! folder that is a symbolic link is written through: its target is replaced, the link stays.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{BuildError, Problem, Result};
use crate::site::{FileData, OutputFile};

/// The file, in the output folder, that lists every file the build wrote there.
pub const MANIFEST: &str = ".archsite-manifest.json";

/// The command-line flag that lets a build replace a folder holding files it did not write.
pub const REPLACE_FLAG: &str = "--replace-output";

/// How many unknown files an error names before it says "and N more".
const NAMED_UNKNOWN: usize = 10;

/// The record of one build's output, written as [`MANIFEST`].
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    /// Always `archsite`: tells the file apart from any other JSON file of that name.
    generator: String,
    /// Output paths, `/` separated, sorted.
    files: Vec<String>,
}

/// The files under `dir` that no archsite build wrote: everything but folders that its
/// manifest does not list (all of it when there is no manifest), at most `limit + 1` of them
/// (the walk stops there: a large folder is not read to its end). Paths are relative and `/`
/// separated, sorted. A missing folder holds none.
pub fn unknown_files(dir: &Path, limit: usize) -> std::io::Result<Vec<String>> {
    let known: HashSet<String> = std::fs::read(dir.join(MANIFEST))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
        .filter(|m| m.generator == "archsite")
        .map(|m| m.files.into_iter().collect())
        .unwrap_or_default();
    let mut unknown = Vec::new();
    let walk = walkdir::WalkDir::new(dir).min_depth(1).follow_links(false);
    for entry in walk {
        let entry = match entry {
            Ok(e) => e,
            Err(e) if e.depth() == 0 => break,
            Err(e) => return Err(e.into()),
        };
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = crate::content::rel_slash(entry.path(), dir);
        if rel != MANIFEST && !known.contains(&rel) {
            unknown.push(rel);
            if unknown.len() > limit {
                break;
            }
        }
    }
    unknown.sort();
    Ok(unknown)
}

/// Checks that the build may replace the folder `dir`: it is missing, empty, or holds only files
/// that an archsite build wrote (unless `replace` is set, as by [`REPLACE_FLAG`]).
pub fn check_replaceable(dir: &Path, replace: bool) -> Result<()> {
    if replace || !dir.exists() {
        return Ok(());
    }
    let unknown = unknown_files(dir, NAMED_UNKNOWN).map_err(|e| BuildError::io(dir, &e))?;
    if unknown.is_empty() {
        return Ok(());
    }
    let mut named = unknown
        .iter()
        .take(NAMED_UNKNOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if unknown.len() > NAMED_UNKNOWN {
        named.push_str(" and more");
    }
    let hint = if dir.join(MANIFEST).exists() {
        ""
    } else {
        " (it has no archsite manifest; if an older archsite version built it, the flag is needed once)"
    };
    Err(BuildError::single(Problem::error(
        dir,
        None,
        format!(
            "refusing to replace this output folder: it holds files that archsite did not write \
             ({named}){hint}. The build replaces the whole folder, which would delete them: move \
             them away, choose another folder with --output, or pass {REPLACE_FLAG} to delete them"
        ),
    )))
}

/// The folder the build really replaces: `output` itself, or the folder a symbolic link at
/// `output` points to.
fn write_target(output: &Path) -> Result<PathBuf> {
    let is_link = std::fs::symlink_metadata(output).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(output.to_path_buf());
    }
    let target = std::fs::canonicalize(output).map_err(|_| {
        BuildError::single(Problem::error(
            output,
            None,
            "the output folder is a symbolic link to a folder that does not exist; create the \
             folder it points to, or remove the link",
        ))
    })?;
    if !target.is_dir() {
        return Err(BuildError::single(Problem::error(
            output,
            None,
            format!(
                "the output folder is a symbolic link to {}, which is not a folder",
                target.display()
            ),
        )));
    }
    Ok(target)
}

/// Writes the files into a fresh folder beside `output` and swaps it in, with a manifest of
/// what it wrote. A file whose bytes did not change is hard-linked from the old output, keeping
/// its modification time. Refuses to replace a folder holding files no build wrote unless
/// `replace` is set. Returns the number of files that changed.
pub fn write_output(files: &[OutputFile], output: &Path, replace: bool) -> Result<usize> {
    let output = write_target(output)?;
    let output = output.as_path();
    let parent = output.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, &e))?;
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "public".into());
    let tmp = parent.join(format!(".{name}.archsite-new-{}", std::process::id()));
    let old = parent.join(format!(".{name}.archsite-old-{}", std::process::id()));
    remove_stale_work_dirs(parent, &name);
    std::fs::create_dir_all(&tmp).map_err(|e| BuildError::io(&tmp, &e))?;
    let discard = |e: BuildError| {
        let _ = std::fs::remove_dir_all(&tmp);
        e
    };

    let results: Vec<std::result::Result<bool, BuildError>> = files
        .par_iter()
        .map(|f| write_one(f, &tmp, output))
        .collect();
    let mut changed = 0;
    for r in results {
        changed += usize::from(r.map_err(discard)?);
    }
    changed += usize::from(write_manifest(files, &tmp, output).map_err(discard)?);
    // The caller checked the folder before the build ([`check_replaceable`]); files may have
    // appeared in it since, so look again just before the swap.
    check_replaceable(output, replace).map_err(discard)?;
    if output.exists() {
        std::fs::rename(output, &old).map_err(|e| discard(BuildError::io(output, &e)))?;
    }
    if let Err(e) = std::fs::rename(&tmp, output) {
        // Put the previous site back.
        let _ = std::fs::rename(&old, output);
        return Err(discard(BuildError::io(output, &e)));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(changed)
}

/// Writes the manifest of `files` into the new folder `tmp`; returns whether it changed since
/// the build before.
fn write_manifest(files: &[OutputFile], tmp: &Path, output: &Path) -> Result<bool> {
    let mut paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    paths.sort();
    let manifest = Manifest {
        generator: "archsite".into(),
        files: paths,
    };
    let dest = tmp.join(MANIFEST);
    let mut bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| BuildError::single(Problem::error(&dest, None, e.to_string())))?;
    bytes.push(b'\n');
    write_or_keep(&bytes, &dest, &output.join(MANIFEST))
}

/// Writes `bytes` to `dest`, or hard-links `previous` there when it holds the same bytes (so
/// the file keeps its modification time). Returns whether the bytes changed.
fn write_or_keep(bytes: &[u8], dest: &Path, previous: &Path) -> Result<bool> {
    if same_bytes(previous, bytes) && std::fs::hard_link(previous, dest).is_ok() {
        return Ok(false);
    }
    std::fs::write(dest, bytes).map_err(|e| BuildError::io(dest, &e))?;
    Ok(true)
}

/// Removes work folders left beside the output by a build that was killed half-way, as long
/// as the process that made them is gone.
fn remove_stale_work_dirs(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().to_string();
        let pid = [".archsite-new-", ".archsite-old-"].iter().find_map(|tag| {
            file_name
                .strip_prefix(&format!(".{name}{tag}"))
                .and_then(|p| p.parse::<u32>().ok())
        });
        let Some(pid) = pid else { continue };
        let alive = pid != std::process::id() && Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn write_one(f: &OutputFile, tmp: &Path, output: &Path) -> std::result::Result<bool, BuildError> {
    // The build checked every path against its sources; this is the last guard that nothing is
    // written outside the new folder.
    let inside = Path::new(&f.path)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !inside || f.path == MANIFEST {
        return Err(BuildError::single(Problem::error(
            &f.path,
            None,
            "this output path would leave the output folder or replace its manifest",
        )));
    }
    let dest = tmp.join(&f.path);
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).map_err(|e| BuildError::io(dir, &e))?;
    }
    let previous = output.join(&f.path);
    match &f.data {
        FileData::Bytes(b) => write_or_keep(b, &dest, &previous),
        FileData::Copy(src) => {
            // Read beneath the site root, never through a link swapped in since the walk.
            let bytes = src.read().map_err(|e| BuildError::io(src.path(), &e))?;
            write_or_keep(&bytes, &dest, &previous)
        }
    }
}

fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    match std::fs::metadata(path) {
        Ok(m) if m.len() == bytes.len() as u64 => same_contents(path, bytes).unwrap_or(false),
        _ => false,
    }
}

/// Whether the file at `path` holds `bytes`, read in pieces: a large output file is not read
/// whole beside its new contents.
fn same_contents(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; bytes.len().min(256 * 1024) + 1];
    let mut rest = bytes;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(rest.is_empty());
        }
        if n > rest.len() || buf[..n] != rest[..n] {
            return Ok(false);
        }
        rest = &rest[n..];
    }
}
