//! The `archsite` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use archsite::error::Severity;
use archsite::site::{self, BuildOptions};

/// A static documentation site generator with cross-linked pros/cons matrices.
#[derive(Parser)]
#[command(name = "archsite", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (default: public/).
    #[command(
        after_help = "Example:\n  archsite build --root my-site --base-url https://user.github.io/my-site/"
    )]
    Build {
        /// Site root: the folder holding site.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder (default: output_dir from site.toml, relative to the root).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Base URL to build for, overriding site.toml (e.g. https://user.github.io/repo/).
        #[arg(long)]
        base_url: Option<String>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
        } => {
            let options = BuildOptions {
                root,
                output,
                base_url,
                drafts,
            };
            match site::build(&options) {
                Ok(report) => {
                    for w in &report.warnings {
                        eprintln!("{w}");
                    }
                    println!(
                        "Built {} pages and {} sections in {} ms into {} ({} files, {} changed)",
                        report.pages,
                        report.sections,
                        report.elapsed.as_millis(),
                        report.output.display(),
                        report.files,
                        report.changed
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    let errors = e
                        .problems
                        .iter()
                        .filter(|p| p.severity == Severity::Error)
                        .count();
                    eprintln!("{e}");
                    eprintln!(
                        "Build failed: {errors} error(s); the previous output was left as it was."
                    );
                    ExitCode::from(1)
                }
            }
        }
    }
}
