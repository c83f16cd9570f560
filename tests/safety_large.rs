//! Large inputs: a markdown file above the size limit builds, with a warning naming the file
//! and its size, in `build` and in `check`. (Memory figures are in docs/performance.md.)

mod common;

use common::Site;

#[test]
fn a_file_above_the_size_limit_is_a_warning_naming_it_and_its_size() {
    let paragraph =
        "Prose about services and queues, long enough to fill a line of text. ".repeat(10);
    let mut page = String::from("---\ntitle: Big\n---\n\n");
    let mut n = 0;
    while page.len() < 10 * 1024 * 1024 + 200_000 {
        n += 1;
        page.push_str(&format!("## Part {n}\n\n{paragraph}\n\n- one\n- two\n\n"));
    }
    let mb = format!("{:.1} MB", page.len() as f64 / (1024.0 * 1024.0));
    let site = Site::with_files(&[
        ("site.toml", "title = \"Large\"\n"),
        ("content/_index.md", "# Home\n"),
        ("content/small.md", "---\ntitle: Small\n---\n\nSmall.\n"),
        ("content/big.md", &page),
    ]);
    let run = site.build_ok(&[]);
    run.assert_stderr_has(&format!("content/big.md: warning: this file is {mb}"));
    assert!(!run.stderr.contains("small.md"), "{}", run.stderr);
    assert!(site
        .read("big/index.html")
        .contains(&format!("id=\"part-{n}\"")));
    let root = site.root.to_string_lossy().to_string();
    let check = common::archsite(&["check", "--root", &root], site.tmp());
    check.assert_code(0);
    assert!(
        check
            .stdout
            .contains(&format!("content/big.md: warning: this file is {mb}")),
        "{}",
        check.stdout
    );
}
