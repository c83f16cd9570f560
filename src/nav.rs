//! How much of the site's tree one page's sidebar lists.
//!
//! A sidebar that lists every section and every page of the open section makes each page grow
//! with the site, and the site with the square of its page count (mdBook's old mistake). Each
//! sidebar lists a window instead: at most [`TOP_SECTIONS_SHOWN`] top-level sections around the
//! page's own, and at most [`SECTION_PAGES_SHOWN`] pages of the open section around the page,
//! each cut list ending in a link to the index page that lists everything. Sites below both
//! limits are not affected; the whole tree stays in the nav JSON file for scripts.

use std::ops::Range;

/// The most top-level sections a sidebar lists.
pub const TOP_SECTIONS_SHOWN: usize = 40;

/// The most pages of the open section a sidebar lists.
pub const SECTION_PAGES_SHOWN: usize = 50;

/// The part of a list of `len` items that a sidebar shows: all of it when it has `limit` items
/// or fewer, else `limit` items with `current` (when given) in the middle, or the first ones.
pub fn window(len: usize, limit: usize, current: Option<usize>) -> Range<usize> {
    if len <= limit {
        return 0..len;
    }
    let start = current
        .map(|c| c.saturating_sub(limit / 2).min(len - limit))
        .unwrap_or(0);
    start..start + limit
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn short_lists_are_shown_whole() {
        assert_eq!(window(10, 40, Some(3)), 0..10);
        assert_eq!(window(40, 40, None), 0..40);
    }

    #[test]
    fn long_lists_are_cut_around_the_current_item() {
        assert_eq!(window(100, 40, None), 0..40);
        assert_eq!(window(100, 40, Some(0)), 0..40);
        assert_eq!(window(100, 40, Some(50)), 30..70);
        assert_eq!(window(100, 40, Some(99)), 60..100);
        for current in 0..100 {
            let w = window(100, 40, Some(current));
            assert_eq!(w.len(), 40);
            assert!(w.contains(&current));
        }
    }
}
