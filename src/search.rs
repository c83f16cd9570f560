//! Placeholder until the search module lands.
pub struct SearchDoc {
    pub title: String,
    pub url: String,
    pub text: String,
    pub headings: Vec<(String, String)>,
}
pub struct SearchFile {
    pub path: String,
    pub bytes: Vec<u8>,
}
pub fn build_index(_docs: &[SearchDoc], base_path: &str) -> (Vec<SearchFile>, String) {
    (
        vec![SearchFile {
            path: "search/manifest.json".into(),
            bytes: b"{}".to_vec(),
        }],
        format!("{base_path}search/manifest.json"),
    )
}
