//! `archsite deploy`: uploads the built site to an S3 bucket, changing only what changed.
//!
//! A deploy lists the bucket, compares every local file by size and MD5 ([`plan`]), prints the
//! plan, then acts in the order that keeps the bucket serving a complete site at every moment:
//! new and changed files other than HTML first, then the HTML pages that link to them, and the
//! deletions last, only once every upload succeeded. An interrupted deploy therefore leaves old
//! pages linking to files that are still there, and running it again finishes the job.

pub mod plan;
pub mod s3;
pub mod settings;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::config::Config;
use crate::term::plural;
use plan::{human_bytes, Plan, Reason};
use settings::DeployTarget;

/// What `archsite deploy` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// Site root (the folder holding `site.toml`).
    pub root: PathBuf,
    /// Target name; the first target when `None`.
    pub target: Option<String>,
    /// Print the plan and change nothing.
    pub dry_run: bool,
    /// Delete more than the target's `max_deletes`.
    pub force: bool,
    /// Print errors only.
    pub quiet: bool,
    /// List every planned file, however many.
    pub verbose: bool,
}

/// Files the plan lists by name before it only counts them (unless `--verbose` or `--dry-run`).
const LISTED: usize = 100;

/// What a deploy did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeployReport {
    /// Files uploaded.
    pub uploaded: usize,
    /// Remote files deleted.
    pub deleted: usize,
    /// Files already up to date.
    pub unchanged: usize,
    /// CloudFront paths invalidated.
    pub invalidated: Vec<String>,
}

/// Picks the target named `name`, or the first one.
fn pick_target<'a>(config: &'a Config, name: Option<&str>) -> Result<&'a DeployTarget, String> {
    let targets = &config.deploy.targets;
    if targets.is_empty() {
        return Err(
            "site.toml has no deploy target; add one:\n\n  [[deploy.targets]]\n  \
                    name = \"prod\"\n  url = \"s3://my-bucket\"\n"
                .into(),
        );
    }
    match name {
        None => Ok(&targets[0]),
        Some(name) => targets.iter().find(|t| t.name == name).ok_or_else(|| {
            let names: Vec<String> = targets.iter().map(|t| format!("`{}`", t.name)).collect();
            format!(
                "site.toml has no deploy target `{name}` (targets: {})",
                names.join(", ")
            )
        }),
    }
}

/// The built output folder, or an error saying to build first.
fn output_folder(root: &Path, config: &Config) -> Result<PathBuf, String> {
    let out = root.join(&config.output_dir);
    let has_files = std::fs::read_dir(&out)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if !has_files {
        return Err(format!(
            "{} holds no built site: run `archsite build` first",
            out.display()
        ));
    }
    Ok(out)
}

/// Runs a deploy, printing the plan and progress to `out` (progress bar on a terminal only).
pub fn deploy(options: &DeployOptions, out: &mut dyn Write) -> Result<DeployReport, String> {
    let config = Config::load(&options.root).map_err(|e| {
        let lines: Vec<String> = e
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.location(), p.message))
            .collect();
        lines.join("\n")
    })?;
    let target = pick_target(&config, options.target.as_deref())?;
    let folder = output_folder(&options.root, &config)?;
    let local = plan::scan(&folder, target)?;
    let remote = s3::Remote::connect(target)?;
    let objects = remote.list()?;
    let plan = plan::plan(local, objects, |p| remote.stored_md5(p))?;
    let say = |out: &mut dyn Write, text: String| {
        if !options.quiet {
            let _ = writeln!(out, "{text}");
        }
    };
    say(
        out,
        format!(
            "Deploying {} to {} (target `{}`)",
            folder.display(),
            remote.url(),
            target.name
        ),
    );
    if !options.quiet {
        let limit = if options.verbose || options.dry_run {
            usize::MAX
        } else {
            LISTED
        };
        print_plan(&plan, out, limit);
    }
    let deletes = plan.deletes.len() as u64;
    if deletes > target.max_deletes && !options.force {
        return Err(format!(
            "refusing to delete {} from {}: the target allows {} (max_deletes); check that `{}` \
             is the right bucket and prefix, then run again with --force. Nothing was changed.",
            plural(plan.deletes.len(), "file"),
            remote.url(),
            target.max_deletes,
            target.url
        ));
    }
    let report = DeployReport {
        uploaded: plan.uploads.len(),
        deleted: plan.deletes.len(),
        unchanged: plan.unchanged,
        invalidated: if target.cloudfront_distribution_id.is_empty() {
            Vec::new()
        } else {
            plan.invalidation_paths(&target.location()?.1)
        },
    };
    if options.dry_run {
        say(out, "Dry run: nothing was changed.".into());
        return Ok(report);
    }
    if plan.is_empty() {
        say(out, "The bucket is up to date.".into());
        return Ok(report);
    }
    let started = Instant::now();
    upload_all(&remote, &folder, &plan, options.quiet)?;
    if !plan.deletes.is_empty() {
        remote.delete(&plan.deletes)?;
    }
    if !report.invalidated.is_empty() {
        let id = remote.invalidate(&target.cloudfront_distribution_id, &report.invalidated)?;
        say(
            out,
            format!(
                "Invalidated {} in CloudFront distribution {} ({id})",
                plural(report.invalidated.len(), "path"),
                target.cloudfront_distribution_id
            ),
        );
    }
    say(
        out,
        format!(
            "Deployed in {:.1} s: {} uploaded, {} deleted, {} unchanged",
            started.elapsed().as_secs_f64(),
            plural(report.uploaded, "file"),
            plural(report.deleted, "file"),
            plural(report.unchanged, "file")
        ),
    );
    Ok(report)
}

/// Prints each upload (`+` new, `~` changed) and delete (`-`), the first `limit` of them,
/// then the totals.
fn print_plan(plan: &Plan, out: &mut dyn Write, limit: usize) {
    let uploads = plan.uploads.iter().map(|(f, reason)| {
        let mark = if *reason == Reason::New { '+' } else { '~' };
        format!("  {mark} {} ({})", f.path, human_bytes(f.size))
    });
    let deletes = plan.deletes.iter().map(|p| format!("  - {p}"));
    let total = plan.uploads.len() + plan.deletes.len();
    for line in uploads.chain(deletes).take(limit) {
        let _ = writeln!(out, "{line}");
    }
    if total > limit {
        let _ = writeln!(
            out,
            "  ... and {} more (--verbose or --dry-run lists them all)",
            total - limit
        );
    }
    let new = plan
        .uploads
        .iter()
        .filter(|(_, r)| *r == Reason::New)
        .count();
    let _ = writeln!(
        out,
        "Plan: upload {} ({}; {new} new, {} changed), delete {}, {} unchanged ({})",
        plural(plan.uploads.len(), "file"),
        human_bytes(plan.upload_bytes),
        plan.uploads.len() - new,
        plural(plan.deletes.len(), "file"),
        plural(plan.unchanged, "file"),
        human_bytes(plan.unchanged_bytes)
    );
}

/// Uploads in two waves, everything but HTML and then HTML, with a progress bar on a terminal.
fn upload_all(remote: &s3::Remote, folder: &Path, plan: &Plan, quiet: bool) -> Result<(), String> {
    let bar = if quiet || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(plan.upload_bytes);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
        ) {
            bar.set_style(style);
        }
        bar
    };
    let (html, rest): (Vec<_>, Vec<_>) = plan
        .uploads
        .iter()
        .map(|(f, _)| f.clone())
        .partition(|f| f.path.ends_with(".html"));
    let done = |size: u64| bar.inc(size);
    let result = remote
        .upload(folder, &rest, &done)
        .and_then(|()| remote.upload(folder, &html, &done));
    bar.finish_and_clear();
    result.map_err(|e| {
        format!("{e}\nThe deploy stopped before deleting anything; the bucket still serves a complete site. Run it again to finish.")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_plan_is_cut_with_a_count() {
        let file = |p: &str| plan::LocalFile {
            path: p.into(),
            size: 1,
            md5: String::new(),
            content_type: String::new(),
            cache_control: String::new(),
            gzip: false,
        };
        let plan = Plan {
            uploads: vec![(file("a"), Reason::New), (file("b"), Reason::Changed)],
            deletes: vec!["c".into()],
            upload_bytes: 2,
            ..Plan::default()
        };
        let mut out = Vec::new();
        print_plan(&plan, &mut out, 2);
        let text = String::from_utf8(out).expect("utf-8");
        assert!(
            text.starts_with("  + a (1 B)\n  ~ b (1 B)\n  ... and 1 more"),
            "{text}"
        );
        assert!(text.contains("upload 2 files (2 B; 1 new, 1 changed), delete 1 file"));
    }
}
