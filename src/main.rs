//! The `archsite` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use archsite::error::Severity;
use archsite::site::{self, BuildOptions};
use archsite::term::{self, plural, Stream, Style, Verbosity};

/// mimalloc instead of the system allocator: a build makes and frees millions of small strings
/// on every core, which it serves from per-thread pages without a lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A static documentation site generator with cross-linked pros/cons matrices.
#[derive(Parser)]
#[command(
    name = "archsite",
    version,
    about,
    long_about = None,
    after_help = "Start here:\n  archsite init my-site    a new site with two sample notes and a matrix\n  cd my-site\n  archsite serve           preview with live reload\n\nExit codes: 0 success, 1 build or check errors, 2 bad usage."
)]
struct Cli {
    /// Print errors only.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more detail (check: every external link).
    #[arg(long, short, global = true)]
    verbose: bool,
    /// Colour: auto (only on a terminal, and never when NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    color: ColorArg,
    #[command(subcommand)]
    command: Command,
}

/// `--color` values.
#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Output settings shared by every command.
#[derive(Clone, Copy)]
struct Ui {
    verbosity: Verbosity,
    out: Style,
    err: Style,
}

impl Ui {
    fn from(cli: &Cli) -> Ui {
        let choice = match cli.color {
            ColorArg::Auto => term::ColorChoice::Auto,
            ColorArg::Always => term::ColorChoice::Always,
            ColorArg::Never => term::ColorChoice::Never,
        };
        let verbosity = if cli.quiet {
            Verbosity::Quiet
        } else if cli.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        };
        Ui {
            verbosity,
            out: Style::detect(choice, Stream::Stdout),
            err: Style::detect(choice, Stream::Stderr),
        }
    }

    fn quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }
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
        /// Print the wall time of each build stage.
        #[arg(long)]
        timings: bool,
        /// Replace the output folder even if it holds files that archsite did not write
        /// (they are deleted).
        #[arg(long)]
        replace_output: bool,
        /// Neither read nor write the highlight cache (.archsite-cache/ beside site.toml).
        #[arg(long)]
        no_cache: bool,
    },
    /// Build the site in memory and serve it locally; rebuild and reload the browser on changes.
    #[command(
        after_help = "Examples:\n  archsite serve\n  archsite serve --root my-site --port 0 --open\n\nServes on 127.0.0.1 only unless --bind says otherwise. Nothing is written to disk. A broken\nedit keeps the last good site served and shows the error in the terminal and in the page.\nSet ARCHSITE_WATCH=poll to poll for changes instead of using file notifications."
    )]
    Serve {
        /// Site root: the folder holding site.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port to listen on; 0 picks any free port [default: 1111, or the next free one].
        #[arg(long)]
        port: Option<u16>,
        /// Address to listen on; 0.0.0.0 makes the site reachable from other machines.
        #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
        bind: std::net::IpAddr,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// Print the wall time of each stage of every build.
        #[arg(long)]
        timings: bool,
    },
    /// Create a new site (settings, sample notes, a matrix, a GitHub Pages workflow).
    #[command(
        after_help = "Example:\n  archsite init my-site\n  cd my-site\n  archsite serve\n\nThe folder must be new or empty (a .git folder is allowed); nothing is ever overwritten."
    )]
    Init {
        /// Folder to create the site in.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Check the site as a build would, and more, without writing anything.
    #[command(
        after_help = "Example:\n  archsite check --root my-site --verbose\n\nReports broken links and anchors, front matter errors, images without alt text, duplicate titles,\nPros / Cons lists the matrix leaves out, unused subjects and orphan pages, by file and line.\nExternal links are counted (listed with --verbose), never fetched. Exits 1 when there is an error."
    )]
    Check {
        /// Site root: the folder holding site.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Upload the built site to the S3 bucket of a [[deploy.targets]] entry, changing only what changed.
    #[command(
        after_help = "Examples:\n  archsite deploy --dry-run\n  archsite deploy --target staging\n\nDeploys the output folder of the last `archsite build`. Credentials, region and endpoint come from\nthe usual AWS settings (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_REGION, AWS_ENDPOINT_URL, ~/.aws/).\nUploads new and changed files (HTML last), then deletes what the site no longer has."
    )]
    Deploy {
        /// Site root: the folder holding site.toml and the output folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Target name from site.toml (default: the first target).
        #[arg(long)]
        target: Option<String>,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Delete more files than the target's max_deletes allows.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  archsite completions bash > ~/.local/share/bash-completion/completions/archsite\n  archsite completions zsh > ~/.zfunc/_archsite\n  archsite completions fish > ~/.config/fish/completions/archsite.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ui = Ui::from(&cli);
    match cli.command {
        Command::Init { dir } => init(&dir, ui),
        Command::Check { root, drafts } => check(root, drafts, ui),
        Command::Deploy {
            root,
            target,
            dry_run,
            force,
        } => deploy(
            archsite::deploy::DeployOptions {
                root,
                target,
                dry_run,
                force,
                quiet: ui.quiet(),
                verbose: ui.verbosity == Verbosity::Verbose,
            },
            ui,
        ),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "archsite",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
        Command::Serve {
            root,
            port,
            bind,
            drafts,
            open,
            timings,
        } => {
            let options = archsite::serve::ServeOptions {
                root,
                port,
                bind,
                drafts,
                open,
                timings,
                quiet: ui.quiet(),
                style: ui.err,
            };
            match archsite::serve::run(&options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Build {
            root,
            output,
            base_url,
            drafts,
            timings,
            replace_output,
            no_cache,
        } => {
            let options = BuildOptions {
                root,
                output,
                base_url,
                drafts,
                replace_output,
                no_cache,
            };
            match site::build(&options) {
                Ok(report) => {
                    if !ui.quiet() {
                        for w in &report.warnings {
                            eprintln!("{}", ui.err.problem(w));
                        }
                        println!(
                            "Built {} and {} in {} ms into {} ({} files, {} changed)",
                            plural(report.pages, "page"),
                            plural(report.sections, "section"),
                            report.elapsed.as_millis(),
                            report.output.display(),
                            report.files,
                            report.changed
                        );
                    }
                    if timings {
                        print!("{}", report.timings);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    let errors = e
                        .problems
                        .iter()
                        .filter(|p| p.severity == Severity::Error)
                        .count();
                    for p in &e.problems {
                        if p.severity == Severity::Error || !ui.quiet() {
                            eprintln!("{}", ui.err.problem(p));
                        }
                    }
                    eprintln!(
                        "Build failed: {errors} error(s); the previous output was left as it was."
                    );
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// `archsite init DIR`.
fn init(dir: &std::path::Path, ui: Ui) -> ExitCode {
    match archsite::init::init(dir) {
        Ok(report) => {
            if !ui.quiet() {
                println!(
                    "Created a new site in {} ({} files). Next, run:\n",
                    report.root.display(),
                    report.files.len()
                );
                for c in archsite::init::next_commands(dir) {
                    println!("  {}", ui.out.bold(&c));
                }
                println!(
                    "\nand open the address it prints. To publish, `archsite build` writes\npublic/, and .github/workflows/pages.yml deploys to GitHub Pages."
                );
            }
            ExitCode::SUCCESS
        }
        Err(p) => {
            eprintln!("{}", ui.err.problem(&p));
            ExitCode::from(1)
        }
    }
}

/// `archsite check`.
fn check(root: PathBuf, drafts: bool, ui: Ui) -> ExitCode {
    let options = BuildOptions {
        root,
        drafts,
        ..BuildOptions::default()
    };
    let report = archsite::check::check(&options);
    print!("{}", report.render(ui.out, ui.verbosity));
    if report.errors() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `archsite deploy`.
fn deploy(options: archsite::deploy::DeployOptions, ui: Ui) -> ExitCode {
    match archsite::deploy::deploy(&options, &mut std::io::stdout()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{}: {message}", ui.err.bold("error"));
            ExitCode::from(1)
        }
    }
}
