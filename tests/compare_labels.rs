//! `[compare.labels]` in site.toml replaces the words that introduce statement lists.

mod compare_support;

use compare_support::{build, cell_texts as texts, fixture};

#[test]
fn configured_labels_introduce_lists_and_replaced_defaults_do_not() {
    let b = build(&fixture("compare-labels"), None);
    let m = b.page("compare/");
    assert_eq!(
        texts(&m, "pros-green"),
        ["Light and grassy", "Brews in two minutes"]
    );
    // A configured label as a heading, and a label heading about the subject ("Black tea: brew
    // it for").
    assert_eq!(
        texts(&m, "cons-green"),
        ["Bitter when the water is too hot"],
        "\"**Pros:**\" is not a label here, so its list is not taken for the Gotchas heading"
    );
    assert_eq!(
        texts(&m, "use-cases-black"),
        ["Breakfast with milk", "A cold afternoon"]
    );
    assert_eq!(texts(&m, "cons-black"), ["Strong tannins"]);
    assert!(!m.contains("Not a statement"));
    let page = b.page("");
    assert!(page.contains("<li id=\"green-pro-light-and-grassy\">"));
    assert!(page.contains("<li id=\"black-use-a-cold-afternoon\">"));
    assert!(!page.contains("id=\"green-pro-not-a-statement"));
    let broken = b.broken_links();
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}
