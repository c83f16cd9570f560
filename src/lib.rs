//! archsite: a static documentation site generator with cross-linked pros/cons matrices.
//!
//! The build flows one way through these modules: [`config`] (site.toml) -> [`content`]
//! (files and front matter) -> [`markdown`] (HTML, anchors, links, statements) -> [`compare`]
//! (the matrix) -> [`render`] (templates) -> [`site`] (the pipeline and output). [`serve`] wraps
//! the pipeline in a development server.

pub mod check;
pub mod compare;
pub mod config;
pub mod content;
pub mod deploy;
pub mod error;
pub mod fingerprint;
pub mod highlight;
pub mod highlight_cache;
pub mod init;
pub mod markdown;
pub mod nav;
pub mod output;
pub mod output_paths;
pub mod render;
pub mod safe_fs;
pub mod search;
pub mod serve;
pub mod site;
pub mod term;
pub mod urls;
