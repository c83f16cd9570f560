//! A fuzz harness that runs on stable Rust: seeded random and mutated inputs through archsite's
//! parsers and renderer, checking that nothing panics, nothing hangs, and that every failure is
//! an error naming the file it concerns.
//!
//! Each case is made from the seed and its number alone, so any case can be replayed:
//!
//! ```sh
//! cargo run --release --example fuzz -- --cases 1000000 --seed 7   # a long run
//! cargo run --release --example fuzz -- --seed 7 --case 123456     # replay one case
//! ```
//!
//! Case kinds, by number: most are one markdown file (YAML or TOML front matter, body with
//! headings, explicit ids, labelled lists, tables, code, shortcodes, raw HTML, links) parsed and
//! rendered in process; one in eight is a `site.toml`; one in `--site-every` (default 20,000)
//! is a whole site built in a temporary folder from mutated files. A case that runs longer than
//! `--limit` seconds (default 10) is reported as a hang and the run stops; so does a panic. The
//! failing input is written to `target/fuzz-failures/`.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use archsite::config::Config;
use archsite::content::{parse_document, SitePaths};
use archsite::highlight::Highlighter;
use archsite::markdown::{self, Env, Rules};
use archsite::render::Templates;
use archsite::site::{self, BuildOptions};
use archsite::urls::UrlBuilder;
use rayon::prelude::*;

/// The settings every markdown case renders with: subjects and aspects so that comparison
/// blocks are exercised.
const SITE_TOML: &str = r#"title = "Fuzz"
base_url = "https://example.org/docs/"
[[compare.subjects]]
id = "monolith"
name = "Monolith"
aliases = ["Monolithic"]
[[compare.subjects]]
id = "microservices"
name = "Microservices"
aliases = ["Distributed"]
[[compare.subjects]]
id = "serverless"
name = "Serverless"
[[compare.aspects]]
name = "Scalability"
aliases = ["Scaling"]
"#;

/// Pieces of front matter that are right.
const FRONT_GOOD: &[&str] = &[
    "title: A page\n",
    "description: Some text\n",
    "date: 2024-10-06\n",
    "weight: 3\n",
    "tags: [a, b, C++]\n",
    "extra:\n  key: value\n",
];

/// Body pieces that render without errors in a site holding `other.md`.
const BODY_GOOD: &[&str] = &[
    "## Same\n\n",
    "## Same\n\n",
    "## Other {#same}\n\n",
    "### Monolith\n\n",
    "**Pros:**\n\n- Simple to deploy.\n- Fast.\n\n",
    "**Cons:**\n- Hard to scale.\n\n",
    "| Aspect | Monolith | Microservices |\n| --- | --- | --- |\n| Scalability | low | high |\n\n",
    "```rust\nfn main() { println!(\"hi\"); }\n```\n\n",
    "```js\nvar re = /[/]+/g; `${a}` \"\\\n```\n\n",
    "{{< img src=\"a.png\" alt=\"A\" >}}\n\n",
    "[link](other.md) [ext](https://example.com)\n\n",
    "> [!NOTE]\n> An alert.\n\n",
    "Footnote[^1].\n\n[^1]: The note.\n\n",
    "Duration: 1h 30min\n\n",
    "Ünïcödé 𝔘 \u{200b} text\n\n",
];

/// Pieces of front matter, some wrong on purpose.
const FRONT: &[&str] = &[
    "title: A page\n",
    "title: \"Quoted: colon\"\n",
    "title: [unclosed\n",
    "description: Some text\n",
    "date: 2024-10-06\n",
    "date: 2024-13-45\n",
    "date: 2024-10-06 21:45:00\n",
    "updated: yesterday\n",
    "draft: true\n",
    "draft: maybe\n",
    "weight: 3\n",
    "weight: -99999999999999999999\n",
    "slug: my-slug\n",
    "slug: ../up\n",
    "slug: \"\"\n",
    "tags: [a, b, C++, C#, c]\n",
    "tags: [\"\", \"#\", \"!!!\", \"..\"]\n",
    "tags: notalist\n",
    "aliases: [/old/, /robots.txt]\n",
    "aliases: [\"\"]\n",
    "template: page.html\n",
    "template: missing.html\n",
    "extra:\n  key: value\n",
    "unknown_key: 1\n",
    "title: &a x\nd: *a\n",
    "- just a list\n",
    "\t tabbed: bad\n",
];

/// TOML front matter pieces.
const FRONT_TOML: &[&str] = &[
    "title = \"A page\"\n",
    "title = 3\n",
    "date = 2024-10-06\n",
    "date = \"not a date\"\n",
    "tags = [\"x\", \"y\"]\n",
    "tags = \"x\"\n",
    "weight = 1.5\n",
    "[extra]\nk = 1\n",
    "draft = true\n",
    "slug = \"a/b\"\n",
    "= broken\n",
];

/// Pieces of markdown body.
const BODY: &[&str] = &[
    "# Title\n\n",
    "## Same\n\n",
    "## Same\n\n",
    "## Other {#same}\n\n",
    "## Explicit {#x .class}\n\n",
    "### Monolith\n\n",
    "## Microservices vs Serverless\n\n",
    "**Pros:**\n\n- Simple to deploy.\n- Fast.\n\n",
    "**Cons:**\n- Hard to scale.\n\n",
    "Use cases:\n\n* Small teams\n\n",
    "| Aspect | Monolith | Microservices |\n| --- | --- | --- |\n| Scalability | low | high |\n\n",
    "| a | b |\n|---|\n| only |\n\n",
    "```rust\nfn main() { println!(\"hi\"); }\n```\n\n",
    "```js\nvar re = /[/]+/g; `${a}` \"\\\n```\n\n",
    "```unknown-lang\nx\n```\n\n",
    "~~~\nunclosed fence\n",
    "    indented code {{< note >}}\n\n",
    "`inline {{< x >}}` code\n\n",
    "{{< img src=\"a.png\" alt=\"A\" >}}\n\n",
    "{{< note >}}inner{{< /note >}}\n\n",
    "{{< unknown a=b >}}\n\n",
    "{{< unclosed \n\n",
    "{{% note %}}*md*{{% /note %}}\n\n",
    "{{</* escaped */>}}\n\n",
    "\\{{#include x.md}}\n\n",
    "{{ zola_call(a=1) }}\n\n",
    "[link](other.md#pros) [abs](/notes/) [ext](https://example.com)\n\n",
    "[bad](javascript:alert(1)) ![img](data:image/png;base64,AAAA)\n\n",
    "<a href=\"x.md\" id=\"raw\">raw</a> <script>alert(1)</script>\n\n",
    "<div>\n\n*emphasis in html*\n\n</div>\n\n",
    "> quote\n> > nested\n\n",
    "> [!NOTE]\n> An alert.\n\n",
    "Term\n: definition\n\n",
    "Footnote[^1].\n\n[^1]: The note.\n\n",
    "- [ ] task\n- [x] done\n\n",
    "Duration: 1h 30min\n\n",
    "***\n\n",
    "Line with trailing spaces  \nbreak\n\n",
    "Ünïcödé 𝔘 \u{200b} \u{E000}sc0\u{E001} text\n\n",
    "$$ math $$ and \\* escapes \\\n\n",
    "[ref]: https://example.com\n\n",
    "<!-- comment {{< x >}} -->\n\n",
];

/// Pieces of `site.toml`, some wrong on purpose.
const CONFIG: &[&str] = &[
    "title = \"T\"\n",
    "base_url = \"https://example.org/sub/\"\n",
    "base_url = \"not a url\"\n",
    "base_url = 3\n",
    "output_dir = \"../out\"\n",
    "search = false\n",
    "feed = true\n",
    "escape_html = true\n",
    "cname = \"docs.example.org\"\n",
    "titel = \"typo\"\n",
    "[compare]\nenabled = true\n",
    "[[compare.subjects]]\nid = \"a\"\nname = \"A\"\n",
    "[[compare.subjects]]\nid = \"\"\nname = \"\"\n",
    "[highlight]\ntheme = \"nope\"\n",
    "[markdown]\n",
    "[[menu]]\nname = \"x\"\nurl = \"/x/\"\n",
    "= = =\n",
    "title = \"unterminated\n",
];

/// A small, fast, seedable generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn new(seed: u64, case: u64) -> Rng {
        Rng(seed ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Bytes that often break parsers when inserted.
const SPICE: &[&str] = &[
    "{{<", ">}}", "{{%", "%}}", "{{", "}}", "{#", "}", "[", "]", "(", ")", "<", ">", "`", "```",
    "\n", "\r\n", "\t", "|", "*", "_", "#", "---", "+++", "\\", "\"", "'", ":", "\0", "\u{feff}",
    "&#x6a;", "%2e%2e/", "../", "é", "🦀", "\u{E000}", "\u{E001}",
];

/// Changes `text` a few times: inserts spice, deletes, duplicates or truncates a span.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..rng.below(6) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 | 1 => {
                let s = rng.pick(SPICE).as_bytes();
                bytes.splice(at..at, s.iter().copied());
            }
            2 => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(64)).min(bytes.len());
                let span = bytes[at..end].to_vec();
                bytes.splice(at..at, span);
            }
            _ => {
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One markdown file: front matter (YAML, TOML, none, or after blank lines) and a body. Half of
/// the cases are made of pieces that are right (so that they get past the checks and through
/// every stage), the other half of any pieces; most are then mutated.
fn markdown_case(rng: &mut Rng) -> String {
    if rng.below(2) == 0 {
        return clean_markdown(rng);
    }
    let mut text = String::new();
    match rng.below(5) {
        0 => {}
        1 => {
            text.push_str("+++\n");
            for _ in 0..rng.below(4) {
                text.push_str(rng.pick(FRONT_TOML));
            }
            text.push_str("+++\n");
        }
        2 => {
            text.push_str("\n\n---\ntitle: after blank lines\n---\n");
        }
        _ => {
            text.push_str("---\n");
            for _ in 0..rng.below(5) {
                text.push_str(rng.pick(FRONT));
            }
            text.push_str("---\n");
        }
    }
    for _ in 0..rng.below(12) {
        text.push_str(rng.pick(BODY));
    }
    if rng.below(50) == 0 {
        // Many repeats of one piece: catches work that grows with the square of the input.
        let piece = rng.pick(BODY);
        text.push_str(&piece.repeat(2000 + rng.below(3000)));
    }
    if rng.below(4) > 0 {
        text = mutate(rng, &text);
    }
    text
}

/// A markdown file made of right pieces only, mutated lightly one time in four.
fn clean_markdown(rng: &mut Rng) -> String {
    let mut text = String::from("---\n");
    for piece in FRONT_GOOD {
        if rng.below(2) == 0 {
            text.push_str(piece);
        }
    }
    text.push_str("---\n");
    for _ in 0..1 + rng.below(10) {
        text.push_str(rng.pick(BODY_GOOD));
    }
    if rng.below(4) == 0 {
        text = mutate(rng, &text);
    }
    text
}

fn config_case(rng: &mut Rng) -> String {
    let mut text = String::new();
    for _ in 0..rng.below(6) {
        text.push_str(rng.pick(CONFIG));
    }
    if rng.below(3) > 0 {
        text = mutate(rng, &text);
    }
    text
}

/// What the renderer needs, made once.
struct World {
    urls: UrlBuilder,
    highlighter: Highlighter,
    rules: Rules,
    templates: Templates,
    pages: Vec<(String, String)>,
}

/// Checks that every problem names `file` (and a line inside the input, when it gives one).
fn check_problems(
    problems: &[archsite::error::Problem],
    file: &Path,
    text: &str,
) -> Result<(), String> {
    let lines = text.lines().count() + 2;
    for p in problems {
        if p.file != file {
            return Err(format!(
                "problem names {} instead of {}: {p}",
                p.file.display(),
                file.display()
            ));
        }
        if p.line.is_some_and(|l| l == 0 || l > lines) {
            return Err(format!(
                "problem names line {:?} of a {lines}-line file: {p}",
                p.line
            ));
        }
        if p.message.trim().is_empty() {
            return Err(format!("problem without a message: {p:?}"));
        }
    }
    Ok(())
}

/// Runs one markdown case: `Ok(true)` when it was refused with errors, `Ok(false)` when it
/// rendered (with or without warnings).
fn run_markdown(world: &World, text: &str) -> Result<bool, String> {
    let file = Path::new("content/notes/fuzz.md");
    let doc = match parse_document("notes/fuzz.md", file, text.as_bytes()) {
        Ok(doc) => doc,
        Err(problems) => {
            if problems.is_empty() {
                return Err("a failed parse reported no problem".into());
            }
            return check_problems(&problems, file, text).map(|_| true);
        }
    };
    let pages: SitePaths = world
        .pages
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let reserved: HashSet<String> = world.templates.layout_ids().clone();
    let env = Env {
        urls: &world.urls,
        highlighter: &world.highlighter,
        rules: &world.rules,
        escape_html: text.len().is_multiple_of(2),
        pages: &pages,
        shortcodes: &world.templates,
        reserved_ids: &reserved,
    };
    let rendered = markdown::render(&doc, &env);
    check_problems(&rendered.problems, file, text)?;
    Ok(rendered
        .problems
        .iter()
        .any(|p| p.severity == archsite::error::Severity::Error))
}

fn run_config(text: &str) -> Result<bool, String> {
    let file = Path::new("site.toml");
    match Config::parse(text, file) {
        Ok(_) => Ok(false),
        Err(e) => check_problems(&e.problems, file, text).map(|_| true),
    }
}

/// A whole site in a temporary folder: mutated settings and a few mutated pages, built in
/// memory. Every problem must name a file that exists in the site (or the content folder).
fn run_site(rng: &mut Rng) -> Result<bool, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = dir.path();
    let extra = if rng.below(2) == 0 {
        String::new()
    } else {
        config_case(rng)
    };
    // Settings of the root table go before the harness's tables.
    let config = format!("{extra}\n{SITE_TOML}");
    let mut names = vec![PathBuf::from("site.toml"), PathBuf::from("content")];
    std::fs::write(root.join("site.toml"), &config).map_err(|e| e.to_string())?;
    // `other.md` and `a.png` are what the clean pieces link to.
    std::fs::create_dir_all(root.join("content/notes")).map_err(|e| e.to_string())?;
    std::fs::write(root.join("content/notes/other.md"), "# Other\n").map_err(|e| e.to_string())?;
    std::fs::write(root.join("content/notes/a.png"), b"png").map_err(|e| e.to_string())?;
    for i in 0..1 + rng.below(5) {
        let rel = PathBuf::from(format!("content/notes/p{i}.md"));
        std::fs::create_dir_all(root.join(rel.parent().unwrap_or(Path::new("content"))))
            .map_err(|e| e.to_string())?;
        let text = if rng.below(4) > 0 {
            clean_markdown(rng)
        } else {
            markdown_case(rng)
        };
        std::fs::write(root.join(&rel), text).map_err(|e| e.to_string())?;
        names.push(rel);
    }
    let options = BuildOptions {
        root: root.to_path_buf(),
        ..BuildOptions::default()
    };
    match site::generate(&options) {
        Ok(_) => Ok(false),
        Err(e) => {
            if std::env::var_os("FUZZ_SHOW").is_some() {
                eprintln!("{e}\n(site kept in {})", dir.keep().display());
                return Ok(true);
            }
            for p in &e.problems {
                let named = p.file.as_os_str().is_empty()
                    || names.iter().any(|n| p.file == *n || p.file == root.join(n))
                    || p.file.starts_with("templates")
                    || p.file.starts_with("content");
                if !named || p.message.trim().is_empty() {
                    return Err(format!("a site problem names no site file: {p}"));
                }
            }
            Ok(true)
        }
    }
}

/// The input of case `case`, and the function that runs it.
fn case_input(seed: u64, case: u64, site_every: u64) -> (Kind, Rng, String) {
    let mut rng = Rng::new(seed, case);
    if site_every > 0 && case % site_every == site_every - 1 {
        return (Kind::Site, rng, String::new());
    }
    if rng.below(8) == 0 {
        let text = config_case(&mut rng);
        return (Kind::Config, rng, text);
    }
    let text = markdown_case(&mut rng);
    (Kind::Markdown, rng, text)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Markdown,
    Config,
    Site,
}

struct Args {
    seed: u64,
    cases: u64,
    one: Option<u64>,
    limit: Duration,
    site_every: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        seed: 1,
        cases: 10_000,
        one: None,
        limit: Duration::from_secs(10),
        site_every: 20_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number: u64 = value
            .parse()
            .map_err(|_| format!("{flag} takes a whole number, not {value}"))?;
        match flag.as_str() {
            "--seed" => args.seed = number,
            "--cases" => args.cases = number,
            "--case" => args.one = Some(number),
            "--limit" => args.limit = Duration::from_secs(number),
            "--site-every" => args.site_every = number,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(args)
}

/// Saves a failing input for replay and says where.
fn save_failure(seed: u64, case: u64, kind: Kind, text: &str) -> String {
    let dir = Path::new("target/fuzz-failures");
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(format!("seed{seed}-case{case}-{kind:?}.txt"));
    let _ = std::fs::write(&path, text);
    path.display().to_string()
}

fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fuzz: {e}\nusage: fuzz [--seed N] [--cases N] [--case N] [--limit SECONDS] [--site-every N]");
            return std::process::ExitCode::from(2);
        }
    };
    let templates_dir = tempfile::tempdir().expect("temporary folder");
    let config = Config::parse(SITE_TOML, Path::new("site.toml")).expect("the harness's settings");
    let world = World {
        urls: UrlBuilder::new(&config.base_url),
        highlighter: Highlighter::new(),
        rules: Rules::new(&config.compare, "/docs/compare/".into()),
        templates: Templates::load(templates_dir.path()).expect("the embedded theme"),
        pages: [("notes/other.md", "notes/other/"), ("_index.md", "")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    };
    // Panics are caught and reported per case; keep the default hook quiet.
    std::panic::set_hook(Box::new(|_| {}));

    let range: Vec<u64> = match args.one {
        Some(c) => vec![c],
        None => (0..args.cases).collect(),
    };
    let threads = rayon::current_num_threads();
    // Per thread: when its current case started (ms since `start`, 0 when idle) and which case.
    let start = Instant::now();
    let started: Arc<Vec<AtomicU64>> = Arc::new((0..threads).map(|_| AtomicU64::new(0)).collect());
    let current: Arc<Vec<Mutex<(u64, Kind, String)>>> = Arc::new(
        (0..threads)
            .map(|_| Mutex::new((0, Kind::Markdown, String::new())))
            .collect(),
    );
    let done = Arc::new(AtomicBool::new(false));
    {
        let (started, current, done) = (started.clone(), current.clone(), done.clone());
        let (limit, seed) = (args.limit, args.seed);
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(100));
            if done.load(Ordering::Relaxed) {
                return;
            }
            let now = start.elapsed().as_millis() as u64;
            for (t, s) in started.iter().enumerate() {
                let since = s.load(Ordering::Relaxed);
                if since > 0 && now.saturating_sub(since) > limit.as_millis() as u64 {
                    let (case, kind, text) = current[t]
                        .lock()
                        .map(|c| c.clone())
                        .unwrap_or_else(|p| p.into_inner().clone());
                    let saved = save_failure(seed, case, kind, &text);
                    eprintln!("fuzz: HANG: case {case} ({kind:?}) ran over {limit:?}; input saved to {saved}; replay with --seed {seed} --case {case}");
                    std::process::exit(1);
                }
            }
        });
    }

    let counts = [
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ];
    let refusals = [
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ];
    let failures = Mutex::new(Vec::<String>::new());
    range.par_iter().for_each(|&case| {
        if !failures.lock().map(|f| f.is_empty()).unwrap_or(false) {
            return;
        }
        let t = rayon::current_thread_index().unwrap_or(0);
        let (kind, mut rng, text) = case_input(args.seed, case, args.site_every);
        if let Ok(mut c) = current[t].lock() {
            *c = (case, kind, text.clone());
        }
        started[t].store(start.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| match kind {
            Kind::Markdown => run_markdown(&world, &text),
            Kind::Config => run_config(&text),
            Kind::Site => run_site(&mut rng),
        }));
        started[t].store(0, Ordering::Relaxed);
        counts[kind as usize].fetch_add(1, Ordering::Relaxed);
        let failure = match result {
            Ok(Ok(refused)) => {
                if refused {
                    refusals[kind as usize].fetch_add(1, Ordering::Relaxed);
                }
                return;
            }
            Ok(Err(why)) => why,
            Err(panic) => format!(
                "PANIC: {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            ),
        };
        let saved = save_failure(args.seed, case, kind, &text);
        if let Ok(mut f) = failures.lock() {
            f.push(format!(
                "case {case} ({kind:?}): {failure}; input saved to {saved}; replay with --seed {} --case {case}",
                args.seed
            ));
        }
    });
    done.store(true, Ordering::Relaxed);
    let [md, cfg, sites] = counts.map(|c| c.into_inner());
    let failures = failures.into_inner().unwrap_or_default();
    println!(
        "fuzz: seed {}: {} cases ({md} markdown files, {cfg} site.toml files, {sites} whole sites) in {:.1} s",
        args.seed,
        md + cfg + sites,
        start.elapsed().as_secs_f64()
    );
    let [md_no, cfg_no, sites_no] = refusals.map(|c| c.into_inner());
    println!(
        "fuzz: refused with an error naming the file: {md_no} markdown files, {cfg_no} site.toml \
         files, {sites_no} whole sites; the others built"
    );
    for f in &failures {
        eprintln!("fuzz: {f}");
    }
    println!(
        "fuzz: {} passed, {} failed",
        md + cfg + sites - failures.len(),
        failures.len()
    );
    if failures.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    }
}
