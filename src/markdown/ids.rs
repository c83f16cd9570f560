//! The ids of one page: explicit heading ids (`## Title {#id}`) are kept as written, and every
//! automatic id (heading slugs, statement anchors) steps aside from them and from each other.
//!
//! Automatic ids that collide get `-1`, `-2`, ... as on GitHub and in Zola. An explicit id
//! always wins: `## Same` followed by `## Other {#same}` gives `same-1` and `same`, so a link
//! to `#same` lands on the heading that asked for it. Taking a suffix costs the same however
//! many headings share a name: each name remembers the next suffix to try.

use std::collections::{HashMap, HashSet};

/// The ids taken so far in one page, with the next suffix to try for each name.
#[derive(Debug, Default)]
pub struct IdSet {
    used: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl IdSet {
    /// A set that starts with `taken` (the ids of the page layout).
    pub fn new(taken: &HashSet<String>) -> Self {
        IdSet {
            used: taken.clone(),
            next_suffix: HashMap::new(),
        }
    }

    /// Whether `id` is taken.
    pub fn contains(&self, id: &str) -> bool {
        self.used.contains(id)
    }

    /// Takes `id` as it is (an explicit id, or one raw HTML sets); false if it was taken.
    pub fn take(&mut self, id: &str) -> bool {
        self.used.insert(id.to_string())
    }

    /// Takes `wanted`, or the first of `wanted-1`, `wanted-2`, ... that is free, and returns it.
    /// Linear in the number of ids: the suffixes already tried for a name are not tried again
    /// (an id once taken stays taken).
    pub fn unique(&mut self, wanted: &str) -> String {
        if self.used.insert(wanted.to_string()) {
            return wanted.to_string();
        }
        let n = self.next_suffix.entry(wanted.to_string()).or_insert(1);
        loop {
            let id = format!("{wanted}-{n}");
            *n += 1;
            if self.used.insert(id.clone()) {
                return id;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collisions_get_suffixes_and_skip_taken_ones() {
        let mut ids = IdSet::new(&HashSet::from(["main".to_string()]));
        assert_eq!(ids.unique("main"), "main-1");
        assert_eq!(ids.unique("a"), "a");
        assert!(ids.take("a-2"));
        assert_eq!(ids.unique("a"), "a-1");
        assert_eq!(ids.unique("a"), "a-3");
        assert_eq!(ids.unique("a-1"), "a-1-1");
        assert!(!ids.take("a-3"));
    }

    #[test]
    fn many_identical_names_take_linear_time() {
        // Quadratic de-duplication took minutes for this many; linear takes milliseconds
        // (well under a second even unoptimised). The bound only catches the quadratic case.
        let mut ids = IdSet::default();
        let start = std::time::Instant::now();
        let mut last = String::new();
        for _ in 0..100_000 {
            last = ids.unique("same");
        }
        assert_eq!(last, "same-99999");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "100,000 identical ids took {:?}",
            start.elapsed()
        );
    }
}
