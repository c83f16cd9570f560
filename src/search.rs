//! Full-text search index, written as static, sharded, content-hashed JSON files.
//!
//! A static site has no server to answer queries, so the index ships with the site and the
//! browser script (`theme/static/search.js`) queries it. Shipping one big index file would make
//! the first search on a large site download megabytes, so the index is split in three layers
//! (the exact format is in `docs/templates.md`, section "Search files"):
//!
//! - a small **manifest** (`search-index.json`, a stable name) listing the term range of every chunk;
//! - **chunks** (`search/t/N.HASH.json`, at most about [`CHUNK_BYTES`] each) mapping each term,
//!   in sorted order, to its best [`MAX_POSTINGS`] documents with a score;
//! - one **fragment** per page (`search/d/KEY.json`) with its title, URL, headings and the start
//!   of its text, fetched only for the results shown.
//!
//! A query thus downloads the manifest, the one or two chunks holding its words and about ten
//! fragments: a few hundred kilobytes at most, whatever the size of the site.
//!
//! Every file name carries an xxh3 hash of its content, so the files can be cached forever, and
//! the output depends only on the input set of documents (not on their order nor on thread
//! scheduling), so rebuilding an unchanged site rewrites identical bytes. Tokenizing runs in
//! parallel with rayon and borrows terms from one lower-cased copy of each page, so building the
//! index stays a small part of the site build.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

use rayon::prelude::*;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

/// Where the manifest is written, relative to the output root. Outside `search/`, so that
/// everything under `search/` can be cached forever.
pub const MANIFEST_PATH: &str = "search-index.json";

/// Version of the on-disk format, written in the manifest.
pub const FORMAT_VERSION: u32 = 1;
/// Most documents listed for one term (the best by score).
pub const MAX_POSTINGS: usize = 100;
/// Target size of a chunk file in bytes: a chunk is closed before it would grow past this.
pub const CHUNK_BYTES: usize = 40 * 1024;
/// Most bytes of page text kept in a fragment (for excerpts).
pub const FRAGMENT_TEXT_BYTES: usize = 4000;
/// Most headings kept in a fragment (for links to the matching section).
pub const FRAGMENT_HEADINGS: usize = 64;
/// Longest term indexed, in bytes; longer runs of letters are hashes or data, not words.
pub const MAX_TERM_BYTES: usize = 64;
/// Words too common to be worth indexing, sorted. The manifest lists them so that the client
/// skips them in queries too.
pub const STOP_WORDS: &[&str] = &[
    "a", "about", "also", "am", "an", "and", "are", "as", "at", "be", "been", "but", "by", "d",
    "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "i", "if", "in",
    "into", "is", "it", "its", "ll", "m", "me", "my", "of", "on", "or", "our", "re", "s", "she",
    "so", "t", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "to", "ve", "was", "we", "were", "what", "when", "where", "which", "while", "who",
    "will", "with", "would", "you", "your",
];

/// Hex digits of the hashes in file names and document keys (48 bits).
const HASH_HEX: usize = 12;
/// Longest stop word in bytes: longer terms skip the stop word lookup.
const MAX_STOP_WORD_BYTES: usize = 5;
/// BM25 term frequency saturation.
const BM25_K1: f64 = 1.2;
/// BM25 length normalization.
const BM25_B: f64 = 0.75;
/// Added to the body part of the score (0 to `BM25_K1 + 1`) when the term is in the title.
const TITLE_BONUS: f64 = 2.5;
/// Added to the body part of the score when the term is in a heading.
const HEADING_BONUS: f64 = 1.0;
/// Scores are written as integers: the real score times this.
const SCORE_SCALE: f64 = 100.0;
/// Least inverse document frequency, so that a term on every page still ranks its pages by
/// title, headings and frequency instead of rounding them all to the same score.
const MIN_IDF: f64 = 0.1;

/// Flag in a packed term count: the term is in the title.
const IN_TITLE: u32 = 1 << 31;
/// Flag in a packed term count: the term is in a heading.
const IN_HEADING: u32 = 1 << 30;
/// Mask of the body occurrence count in a packed term count.
const COUNT_MASK: u32 = IN_HEADING - 1;

/// One page to index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchDoc {
    /// Page title.
    pub title: String,
    /// Path URL of the page, base path included (`/base/notes/week-40/`).
    pub url: String,
    /// Plain text of the page body.
    pub text: String,
    /// Headings of the page as `(id, title)`, in document order.
    pub headings: Vec<(String, String)>,
}

/// A file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchFile {
    /// Path relative to the output root, such as `search/t/0.1a2b3c4d5e6f.json`.
    pub path: String,
    /// Content of the file.
    pub bytes: Vec<u8>,
}

/// The path URL of the manifest under `base_path` (`/` or `/sub/path/`), where
/// [`build_index`] puts it.
pub fn manifest_url(base_path: &str) -> String {
    format!("{}{MANIFEST_PATH}", normalize_base(base_path))
}

/// Builds the sharded index of `docs`.
///
/// `base_path` is `/` or `/sub/path/` and prefixes every URL in the manifest. Documents with the
/// same `url` are indexed once (the first one wins). Returns the files to write (chunks,
/// fragments, then the manifest) and the path URL of the manifest.
pub fn build_index(docs: &[SearchDoc], base_path: &str) -> (Vec<SearchFile>, String) {
    let base = normalize_base(base_path);
    let docs = unique_by_url(docs);
    let prepared: Vec<Prepared> = docs.par_iter().map(|doc| Prepared::new(doc)).collect();
    let keys = assign_keys(&prepared);
    let analyzed: Vec<DocTerms> = prepared.par_iter().map(Prepared::analyze).collect();
    let scoring = Scoring::new(&analyzed);
    let mut postings: Vec<(Term, Vec<Posting>)> = invert(&analyzed).into_iter().collect();
    postings.par_sort_unstable_by(|a, b| a.0.text.cmp(b.0.text));
    let entries: Vec<Vec<u8>> = postings
        .par_iter_mut()
        .map(|(term, list)| term_entry(term.text, list, &scoring, &keys))
        .collect();
    let terms: Vec<&str> = postings.iter().map(|(term, _)| term.text).collect();
    let chunks = pack_chunks(&terms, &entries);

    let mut files = Vec::with_capacity(chunks.len() + prepared.len() + 1);
    let mut ranges = Vec::with_capacity(chunks.len());
    for (i, chunk) in chunks.into_iter().enumerate() {
        let path = format!("search/t/{i}.{}.json", hash_hex(xxh3_64(&chunk.bytes)));
        ranges.push((chunk.first, chunk.last, format!("{base}{path}")));
        files.push(SearchFile {
            path,
            bytes: chunk.bytes,
        });
    }
    let mut fragments: Vec<SearchFile> = prepared
        .into_iter()
        .zip(&keys)
        .map(|(doc, key)| SearchFile {
            path: format!("search/d/{key}.json"),
            bytes: doc.fragment,
        })
        .collect();
    fragments.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    files.extend(fragments);

    let manifest = manifest_json(keys.len(), &base, &ranges);
    // A stable name: pages link to it, so a hashed name would change every page on any edit.
    // It is small and must be revalidated; the chunks and fragments it lists are immutable.
    let path = MANIFEST_PATH.to_string();
    let url = manifest_url(&base);
    files.push(SearchFile {
        path,
        bytes: manifest,
    });
    (files, url)
}

/// Makes `base` a path that starts and ends with `/`.
fn normalize_base(base: &str) -> String {
    let trimmed = base.trim_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        format!("/{trimmed}/")
    }
}

/// The documents sorted by URL, keeping the first of several with the same URL.
fn unique_by_url(docs: &[SearchDoc]) -> Vec<&SearchDoc> {
    let mut sorted: Vec<&SearchDoc> = docs.iter().collect();
    sorted.sort_by(|a, b| a.url.cmp(&b.url));
    sorted.dedup_by(|later, earlier| later.url == earlier.url);
    sorted
}

/// The low [`HASH_HEX`] hex digits of `hash`.
fn hash_hex(hash: u64) -> String {
    format!(
        "{:0width$x}",
        hash & ((1u64 << (4 * HASH_HEX)) - 1),
        width = HASH_HEX
    )
}

/// A document with its fragment serialized and its fields lower-cased for tokenizing.
struct Prepared {
    /// The fragment file.
    fragment: Vec<u8>,
    /// Lower-cased title.
    title: String,
    /// Lower-cased heading titles, one per line.
    headings: String,
    /// Lower-cased body text.
    body: String,
}

impl Prepared {
    /// Prepares one document.
    fn new(doc: &SearchDoc) -> Self {
        let headings: Vec<&str> = doc
            .headings
            .iter()
            .map(|(_, title)| title.as_str())
            .collect();
        Prepared {
            fragment: fragment_json(doc),
            title: doc.title.to_lowercase(),
            headings: headings.join("\n").to_lowercase(),
            body: doc.text.to_lowercase(),
        }
    }

    /// Counts the terms of the document.
    fn analyze(&self) -> DocTerms<'_> {
        let mut counts: TermMap<u32> =
            TermMap::with_capacity_and_hasher(self.body.len() / 16, Default::default());
        let mut len = 0u32;
        for term in terms(&self.body) {
            let count = counts.entry(Term::new(term)).or_insert(0);
            if *count & COUNT_MASK < COUNT_MASK {
                *count += 1;
            }
            len = len.saturating_add(1);
        }
        for term in terms(&self.headings) {
            *counts.entry(Term::new(term)).or_insert(0) |= IN_HEADING;
        }
        for term in terms(&self.title) {
            *counts.entry(Term::new(term)).or_insert(0) |= IN_TITLE;
        }
        DocTerms {
            terms: counts.into_iter().collect(),
            len,
        }
    }
}

/// The terms of one document, each with its packed count: body occurrences in the low bits,
/// [`IN_TITLE`] and [`IN_HEADING`] flags in the high bits.
struct DocTerms<'a> {
    /// Distinct terms and their packed counts.
    terms: Vec<(Term<'a>, u32)>,
    /// Number of terms in the body (for length normalization).
    len: u32,
}

/// The terms of an already lower-cased text: runs of letters and digits (`char::is_alphanumeric`),
/// without stop words and runs longer than [`MAX_TERM_BYTES`].
pub fn terms(lowered: &str) -> Terms<'_> {
    Terms {
        text: lowered,
        pos: 0,
    }
}

/// Iterator over the terms of a lower-cased text, returned by [`terms`].
#[derive(Debug, Clone)]
pub struct Terms<'a> {
    /// The text.
    text: &'a str,
    /// Byte offset of the next character to look at.
    pos: usize,
}

impl Terms<'_> {
    /// Moves past characters while their being alphanumeric equals `alphanumeric`.
    fn skip_while(&mut self, alphanumeric: bool) {
        let bytes = self.text.as_bytes();
        while let Some(&byte) = bytes.get(self.pos) {
            let (is_alnum, len) = if byte.is_ascii() {
                (byte.is_ascii_alphanumeric(), 1)
            } else {
                match self
                    .text
                    .get(self.pos..)
                    .and_then(|rest| rest.chars().next())
                {
                    Some(c) => (c.is_alphanumeric(), c.len_utf8()),
                    None => (false, 1),
                }
            };
            if is_alnum != alphanumeric {
                break;
            }
            self.pos += len;
        }
    }
}

impl<'a> Iterator for Terms<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            self.skip_while(false);
            let start = self.pos;
            self.skip_while(true);
            let term = self
                .text
                .get(start..self.pos)
                .filter(|term| !term.is_empty())?;
            if term.len() <= MAX_TERM_BYTES && !is_stop_word(term) {
                return Some(term);
            }
        }
    }
}

/// Whether `term` is in [`STOP_WORDS`].
fn is_stop_word(term: &str) -> bool {
    term.len() <= MAX_STOP_WORD_BYTES
        && STOP_KEYS.binary_search(&pack_word(term.as_bytes())).is_ok()
}

/// [`STOP_WORDS`] packed by [`pack_word`] and sorted, to look words up without string compares.
const STOP_KEYS: [u64; STOP_WORDS.len()] = pack_stop_words();

/// A word of at most 8 bytes as an integer (distinct for distinct words without NUL bytes).
const fn pack_word(word: &[u8]) -> u64 {
    let mut key = 0u64;
    let mut i = 0;
    while i < word.len() {
        key = (key << 8) | word[i] as u64;
        i += 1;
    }
    key
}

/// Builds [`STOP_KEYS`] at compile time.
const fn pack_stop_words() -> [u64; STOP_WORDS.len()] {
    let mut keys = [0u64; STOP_WORDS.len()];
    let mut i = 0;
    while i < keys.len() {
        let key = pack_word(STOP_WORDS[i].as_bytes());
        let mut j = i;
        while j > 0 && keys[j - 1] > key {
            keys[j] = keys[j - 1];
            j -= 1;
        }
        keys[j] = key;
        i += 1;
    }
    keys
}

/// Gives every document a unique key: the hash of its fragment (which holds its URL, so keys
/// differ between pages and change when the fragment does), rehashed with a seed on the
/// unlikely collision.
fn assign_keys(prepared: &[Prepared]) -> Vec<String> {
    let mask = (1u64 << (4 * HASH_HEX)) - 1;
    let mut used = HashSet::with_capacity(prepared.len());
    prepared
        .iter()
        .map(|doc| {
            let mut hash = xxh3_64(&doc.fragment);
            let mut seed = 0;
            while !used.insert(hash & mask) {
                seed += 1;
                hash = xxh3_64_with_seed(&doc.fragment, seed);
            }
            hash_hex(hash)
        })
        .collect()
}

/// One document listed for a term: its index and packed count.
type Posting = (u32, u32);

/// A term borrowed from a lower-cased document, with its hash computed once.
#[derive(Debug, Clone, Copy)]
struct Term<'a> {
    /// xxh3 of the term.
    hash: u64,
    /// The term.
    text: &'a str,
}

impl<'a> Term<'a> {
    /// Hashes `text`.
    fn new(text: &'a str) -> Self {
        Term {
            hash: xxh3_64(text.as_bytes()),
            text,
        }
    }
}

impl PartialEq for Term<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.text == other.text
    }
}

impl Eq for Term<'_> {}

impl Hash for Term<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Hash map keyed by terms, reusing their precomputed hash.
type TermMap<'a, V> = HashMap<Term<'a>, V, BuildHasherDefault<PrehashedHasher>>;

/// Hasher that passes on the precomputed hash of a [`Term`].
#[derive(Default, Clone, Copy)]
struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxh3_64_with_seed(bytes, self.0);
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds the inverted index: every term with the documents holding it, in parallel.
fn invert<'a>(docs: &[DocTerms<'a>]) -> TermMap<'a, Vec<Posting>> {
    docs.par_iter()
        .enumerate()
        .fold(TermMap::default, |mut map, (index, doc)| {
            for &(term, count) in &doc.terms {
                map.entry(term)
                    .or_insert_with(Vec::new)
                    .push((index as u32, count));
            }
            map
        })
        .reduce(TermMap::default, merge_postings)
}

/// Merges two partial inverted indexes, moving the smaller into the larger.
fn merge_postings<'a>(
    a: TermMap<'a, Vec<Posting>>,
    b: TermMap<'a, Vec<Posting>>,
) -> TermMap<'a, Vec<Posting>> {
    let (mut large, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    for (term, list) in small {
        large.entry(term).or_insert_with(Vec::new).extend(list);
    }
    large
}

/// Collection statistics for BM25 scoring.
struct Scoring {
    /// Number of documents.
    docs: f64,
    /// Average body length in terms (at least 1).
    avg_len: f64,
    /// Body length of every document.
    lens: Vec<u32>,
}

impl Scoring {
    /// Gathers the statistics of the analyzed documents.
    fn new(docs: &[DocTerms]) -> Self {
        let lens: Vec<u32> = docs.iter().map(|doc| doc.len).collect();
        let total: f64 = lens.iter().map(|&len| f64::from(len)).sum();
        let avg_len = if lens.is_empty() {
            1.0
        } else {
            (total / lens.len() as f64).max(1.0)
        };
        Scoring {
            docs: lens.len() as f64,
            avg_len,
            lens,
        }
    }

    /// Inverse document frequency of a term found in `df` documents (at least [`MIN_IDF`]).
    fn idf(&self, df: usize) -> f64 {
        let df = df as f64;
        (1.0 + (self.docs - df + 0.5) / (df + 0.5))
            .ln()
            .max(MIN_IDF)
    }

    /// Integer score of a term in document `doc` given its packed count: BM25 on the body,
    /// plus fixed bonuses for the title and headings, times the term's `idf`.
    fn score(&self, doc: u32, count: u32, idf: f64) -> u32 {
        let tf = f64::from(count & COUNT_MASK);
        let len = self
            .lens
            .get(doc as usize)
            .map_or(self.avg_len, |&len| f64::from(len));
        let norm = BM25_K1 * (1.0 - BM25_B + BM25_B * len / self.avg_len);
        let mut weight = tf * (BM25_K1 + 1.0) / (tf + norm);
        if count & IN_TITLE != 0 {
            weight += TITLE_BONUS;
        }
        if count & IN_HEADING != 0 {
            weight += HEADING_BONUS;
        }
        (weight * idf * SCORE_SCALE).round().max(1.0) as u32
    }
}

/// Serializes one chunk entry, `"term":[["KEY",SCORE],...]`, keeping the best
/// [`MAX_POSTINGS`] documents (ties go to the smaller URL).
fn term_entry(term: &str, postings: &mut [Posting], scoring: &Scoring, keys: &[String]) -> Vec<u8> {
    let idf = scoring.idf(postings.len());
    for posting in postings.iter_mut() {
        posting.1 = scoring.score(posting.0, posting.1, idf);
    }
    let order = |a: &Posting, b: &Posting| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    let best = if postings.len() > MAX_POSTINGS {
        postings.select_nth_unstable_by(MAX_POSTINGS - 1, order);
        &mut postings[..MAX_POSTINGS]
    } else {
        postings
    };
    best.sort_unstable_by(order);

    let mut out = Vec::with_capacity(term.len() + 4 + best.len() * (HASH_HEX + 10));
    push_json_str(&mut out, term);
    out.extend_from_slice(b":[");
    for (i, &(doc, score)) in best.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"[\"");
        out.extend_from_slice(keys.get(doc as usize).map_or("", String::as_str).as_bytes());
        out.extend_from_slice(b"\",");
        out.extend_from_slice(score.to_string().as_bytes());
        out.push(b']');
    }
    out.push(b']');
    out
}

/// A chunk file and the range of terms it holds.
struct Chunk {
    /// Its first term.
    first: String,
    /// Its last term.
    last: String,
    /// The file: `{"terms":{ENTRY,...}}`.
    bytes: Vec<u8>,
}

/// Packs the sorted term entries into chunks of about [`CHUNK_BYTES`] at most.
fn pack_chunks(terms: &[&str], entries: &[Vec<u8>]) -> Vec<Chunk> {
    const OPEN: &[u8] = b"{\"terms\":{";
    const CLOSE: &[u8] = b"}}";
    let mut chunks = Vec::new();
    let mut current: Option<Chunk> = None;
    for (term, entry) in terms.iter().zip(entries) {
        if let Some(chunk) =
            current.take_if(|chunk| chunk.bytes.len() + 1 + entry.len() + CLOSE.len() > CHUNK_BYTES)
        {
            chunks.push(close_chunk(chunk, CLOSE));
        }
        let chunk = current.get_or_insert_with(|| Chunk {
            first: (*term).to_string(),
            last: String::new(),
            bytes: Vec::with_capacity(CHUNK_BYTES),
        });
        chunk
            .bytes
            .extend_from_slice(if chunk.bytes.is_empty() { OPEN } else { b"," });
        chunk.bytes.extend_from_slice(entry);
        chunk.last.clear();
        chunk.last.push_str(term);
    }
    chunks.extend(current.map(|chunk| close_chunk(chunk, CLOSE)));
    chunks
}

/// Ends the JSON of a full chunk.
fn close_chunk(mut chunk: Chunk, close: &[u8]) -> Chunk {
    chunk.bytes.extend_from_slice(close);
    chunk.bytes.shrink_to_fit();
    chunk
}

/// The manifest: format version, document count, fragment folder URL, stop words and the term
/// range and URL of every chunk.
fn manifest_json(docs: usize, base: &str, chunks: &[(String, String, String)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + chunks.len() * 96);
    out.extend_from_slice(format!("{{\"version\":{FORMAT_VERSION},\"docs\":{docs},").as_bytes());
    out.extend_from_slice(b"\"fragments\":");
    push_json_str(&mut out, &format!("{base}search/d/"));
    out.extend_from_slice(b",\"stop\":[");
    for (i, word) in STOP_WORDS.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_str(&mut out, word);
    }
    out.extend_from_slice(b"],\"chunks\":[");
    for (i, (first, last, url)) in chunks.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"first\":");
        push_json_str(&mut out, first);
        out.extend_from_slice(b",\"last\":");
        push_json_str(&mut out, last);
        out.extend_from_slice(b",\"url\":");
        push_json_str(&mut out, url);
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    out
}

/// The fragment of a document: `{"title","url","text","headings":[{"id","title"}]}`, with the
/// text's whitespace collapsed and capped at [`FRAGMENT_TEXT_BYTES`].
fn fragment_json(doc: &SearchDoc) -> Vec<u8> {
    let text = capped_text(&doc.text, FRAGMENT_TEXT_BYTES);
    let mut out = Vec::with_capacity(text.len() + doc.title.len() + doc.url.len() + 256);
    out.extend_from_slice(b"{\"title\":");
    push_json_str(&mut out, &doc.title);
    out.extend_from_slice(b",\"url\":");
    push_json_str(&mut out, &doc.url);
    out.extend_from_slice(b",\"text\":");
    push_json_str(&mut out, &text);
    out.extend_from_slice(b",\"headings\":[");
    for (i, (id, title)) in doc.headings.iter().take(FRAGMENT_HEADINGS).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"id\":");
        push_json_str(&mut out, id);
        out.extend_from_slice(b",\"title\":");
        push_json_str(&mut out, title);
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    out
}

/// `text` with runs of whitespace made single spaces, cut at a word boundary to at most
/// `max_bytes` bytes (a first word longer than that is cut inside, at a character boundary).
fn capped_text(text: &str, max_bytes: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_bytes));
    for word in text.split_whitespace() {
        let space = usize::from(!out.is_empty());
        if out.len() + space + word.len() > max_bytes {
            if out.is_empty() {
                let mut cut = max_bytes;
                while !word.is_char_boundary(cut) {
                    cut -= 1;
                }
                out.push_str(word.get(..cut).unwrap_or_default());
            }
            break;
        }
        if space == 1 {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Appends `s` as a JSON string literal.
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut unicode = *b"\\u0000";
    out.push(b'"');
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                unicode[4] = HEX[usize::from(byte >> 4)];
                unicode[5] = HEX[usize::from(byte & 0xf)];
                &unicode
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::time::Instant;

    /// A document with a title, body and headings `(id, title)`.
    fn doc(url: &str, title: &str, text: &str, headings: &[(&str, &str)]) -> SearchDoc {
        SearchDoc {
            title: title.to_string(),
            url: url.to_string(),
            text: text.to_string(),
            headings: headings
                .iter()
                .map(|(id, t)| (id.to_string(), t.to_string()))
                .collect(),
        }
    }

    /// The files by path.
    fn by_path(files: &[SearchFile]) -> HashMap<&str, &[u8]> {
        files
            .iter()
            .map(|f| (f.path.as_str(), f.bytes.as_slice()))
            .collect()
    }

    /// Parses a file as JSON.
    fn json(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).expect("valid JSON")
    }

    /// The manifest file of an index.
    fn manifest(files: &[SearchFile]) -> Value {
        let file = files
            .iter()
            .find(|f| f.path == MANIFEST_PATH)
            .expect("manifest");
        json(&file.bytes)
    }

    /// The output path of a URL under `base`.
    fn path_of<'a>(url: &'a str, base: &str) -> &'a str {
        url.strip_prefix(base).expect("url under base path")
    }

    /// `(first, last, path)` of every chunk in the manifest.
    fn chunk_ranges(manifest: &Value, base: &str) -> Vec<(String, String, String)> {
        manifest["chunks"]
            .as_array()
            .expect("chunks")
            .iter()
            .map(|c| {
                let url = c["url"].as_str().expect("url");
                (
                    c["first"].as_str().expect("first").to_string(),
                    c["last"].as_str().expect("last").to_string(),
                    path_of(url, base).to_string(),
                )
            })
            .collect()
    }

    /// The postings `(key, score)` of `term`, found as the client does: through the manifest.
    fn postings(files: &[SearchFile], base: &str, term: &str) -> Vec<(String, u64)> {
        let files_by_path = by_path(files);
        let ranges = chunk_ranges(&manifest(files), base);
        let Some((_, _, path)) = ranges
            .iter()
            .find(|(first, last, _)| first.as_str() <= term && term <= last.as_str())
        else {
            return Vec::new();
        };
        let chunk = json(files_by_path[path.as_str()]);
        chunk["terms"][term]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|p| {
                        (
                            p[0].as_str().expect("key").to_string(),
                            p[1].as_u64().expect("score"),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The URL of the fragment with `key`.
    fn fragment_url(files: &[SearchFile], key: &str) -> String {
        let file = by_path(files)[format!("search/d/{key}.json").as_str()];
        json(file)["url"].as_str().expect("url").to_string()
    }

    /// Deterministic xorshift64* generator.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// `size` distinct made-up words (none a stop word).
    fn vocabulary(size: usize) -> Vec<String> {
        const SYLLABLES: [&str; 20] = [
            "ba", "ko", "mi", "ru", "te", "sa", "lo", "ven", "dor", "pi", "qua", "zen", "fi",
            "gor", "nu", "tha", "wel", "rix", "om", "ul",
        ];
        let mut seen = HashSet::new();
        let mut words = Vec::with_capacity(size);
        let mut n = SYLLABLES.len();
        while words.len() < size {
            let mut word = String::new();
            let mut k = n;
            while k > 0 {
                word.push_str(SYLLABLES[k % SYLLABLES.len()]);
                k /= SYLLABLES.len();
            }
            n += 1;
            if !is_stop_word(&word) && seen.insert(word.clone()) {
                words.push(word);
            }
        }
        words
    }

    /// A site of `count` pages of about `words` words each, drawn from a Zipf distribution over
    /// a vocabulary of `vocab` words.
    fn corpus(count: usize, words: usize, vocab: usize) -> Vec<SearchDoc> {
        let vocabulary = vocabulary(vocab);
        let mut cdf = Vec::with_capacity(vocab);
        let mut total = 0.0;
        for rank in 1..=vocab {
            total += 1.0 / rank as f64;
            cdf.push(total);
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let pick = |rng: &mut Rng| {
            let x = rng.unit() * total;
            vocabulary[cdf.partition_point(|&c| c < x).min(vocab - 1)].as_str()
        };
        (0..count)
            .map(|i| {
                let title: Vec<&str> = (0..4).map(|_| pick(&mut rng)).collect();
                let headings: Vec<(String, String)> = (0..5)
                    .map(|h| {
                        let words: Vec<&str> = (0..3).map(|_| pick(&mut rng)).collect();
                        (format!("h{h}"), words.join(" "))
                    })
                    .collect();
                let mut text = String::with_capacity(words * 8);
                for w in 0..words {
                    text.push_str(pick(&mut rng));
                    text.push_str(if w % 12 == 11 { ". " } else { " " });
                }
                SearchDoc {
                    title: title.join(" "),
                    url: format!("/archsite/docs/s{}/page-{i}/", i / 100),
                    text,
                    headings,
                }
            })
            .collect()
    }

    #[test]
    fn stop_words_are_sorted_lowercase_and_short() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(STOP_WORDS.iter().all(|w| w.len() <= MAX_STOP_WORD_BYTES));
        assert!(STOP_WORDS
            .iter()
            .all(|w| w.chars().all(|c| c.is_lowercase())));
    }

    #[test]
    fn tokenizer_lowercases_splits_and_skips_stop_words() {
        let text =
            "The Monolith's API (v2.1) is in Zürich; ÉCOLE naïve 東京 and x_y".to_lowercase();
        let found: Vec<&str> = terms(&text).collect();
        assert_eq!(
            found,
            ["monolith", "api", "v2", "1", "zürich", "école", "naïve", "東京", "x", "y"]
        );
        let long = "a".repeat(MAX_TERM_BYTES + 1);
        assert_eq!(terms(&long).count(), 0);
    }

    #[test]
    fn output_is_deterministic_whatever_the_input_order() {
        let mut docs = corpus(300, 80, 500);
        let (files, url) = build_index(&docs, "/");
        let (again, again_url) = build_index(&docs, "/");
        assert_eq!(files, again);
        assert_eq!(url, again_url);
        docs.reverse();
        let (reversed, reversed_url) = build_index(&docs, "/");
        assert_eq!(files, reversed);
        assert_eq!(url, reversed_url);
    }

    #[test]
    fn chunks_are_sorted_capped_and_cover_every_term() {
        let docs = corpus(400, 200, 3000);
        let (files, _) = build_index(&docs, "/");
        let files_by_path = by_path(&files);
        let ranges = chunk_ranges(&manifest(&files), "/");
        assert!(
            ranges.len() > 3,
            "expected several chunks, got {}",
            ranges.len()
        );
        for pair in ranges.windows(2) {
            assert!(
                pair[0].1 < pair[1].0,
                "chunks overlap: {:?} {:?}",
                pair[0],
                pair[1]
            );
        }
        let mut in_chunks = HashSet::new();
        for (first, last, path) in &ranges {
            let bytes = files_by_path[path.as_str()];
            assert!(bytes.len() <= CHUNK_BYTES);
            let chunk = json(bytes);
            let terms: Vec<&String> = chunk["terms"].as_object().expect("terms").keys().collect();
            assert!(terms.windows(2).all(|w| w[0] < w[1]), "terms sorted");
            assert_eq!(terms.first().copied(), Some(first));
            assert_eq!(terms.last().copied(), Some(last));
            in_chunks.extend(terms.into_iter().cloned());
        }
        let mut expected = HashSet::new();
        for doc in &docs {
            let fields = [&doc.title, &doc.text].map(|s| s.to_lowercase());
            for field in &fields {
                expected.extend(terms(field).map(str::to_string));
            }
            for (_, heading) in &doc.headings {
                expected.extend(terms(&heading.to_lowercase()).map(str::to_string));
            }
        }
        assert_eq!(in_chunks, expected);
    }

    #[test]
    fn postings_are_capped_and_ordered_by_score() {
        let mut docs: Vec<SearchDoc> = (0..150)
            .map(|i| {
                doc(
                    &format!("/p{i:03}/"),
                    "Page",
                    "common filler words here",
                    &[],
                )
            })
            .collect();
        docs.push(doc("/z-title/", "Common", "filler", &[]));
        docs.push(doc(
            "/z-heading/",
            "Other",
            "Common filler",
            &[("h", "Common")],
        ));
        docs.push(doc(
            "/z-twice/",
            "Other",
            "common common filler words here",
            &[],
        ));
        let (files, _) = build_index(&docs, "/");
        let list = postings(&files, "/", "common");
        assert_eq!(list.len(), MAX_POSTINGS);
        assert!(list.windows(2).all(|w| w[0].1 >= w[1].1));
        let urls: Vec<String> = list
            .iter()
            .take(3)
            .map(|(k, _)| fragment_url(&files, k))
            .collect();
        assert_eq!(urls, ["/z-title/", "/z-heading/", "/z-twice/"]);
        // Ties keep the smaller URLs.
        assert_eq!(fragment_url(&files, &list[3].0), "/p000/");
    }

    #[test]
    fn file_names_carry_content_hashes() {
        let docs = corpus(50, 100, 300);
        let (files, url) = build_index(&docs, "/");
        for file in files.iter().filter(|f| f.path != MANIFEST_PATH) {
            let name = file.path.rsplit('/').next().expect("name");
            let hash = name
                .trim_end_matches(".json")
                .rsplit('.')
                .next()
                .expect("hash");
            assert_eq!(hash.len(), HASH_HEX, "{}", file.path);
            assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
            if !file.path.starts_with("search/d/") {
                assert_eq!(hash, hash_hex(xxh3_64(&file.bytes)), "{}", file.path);
            } else {
                assert_eq!(
                    hash,
                    hash_hex(xxh3_64(&file.bytes)),
                    "no collision expected"
                );
            }
        }
        // The manifest keeps a stable name: pages link to it.
        assert_eq!(url, format!("/{MANIFEST_PATH}"));
        assert_eq!(
            files
                .iter()
                .filter(|f| f.path.starts_with("search/d/"))
                .count(),
            50
        );
    }

    #[test]
    fn base_path_prefixes_every_url() {
        let docs = vec![doc(
            "/sub/path/a/",
            "Alpha",
            "beta gamma",
            &[("g", "Gamma")],
        )];
        let (files, url) = build_index(&docs, "sub/path");
        assert_eq!(url, format!("/sub/path/{MANIFEST_PATH}"));
        let paths: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert!(paths.contains(path_of(&url, "/sub/path/")));
        let manifest = manifest(&files);
        assert_eq!(manifest["fragments"], "/sub/path/search/d/");
        assert_eq!(manifest["docs"], 1);
        assert_eq!(manifest["version"], FORMAT_VERSION);
        for (_, _, path) in chunk_ranges(&manifest, "/sub/path/") {
            assert!(paths.contains(path.as_str()));
        }
        let (key, _) = postings(&files, "/sub/path/", "gamma").remove(0);
        assert_eq!(fragment_url(&files, &key), "/sub/path/a/");
        assert_eq!(normalize_base("/"), "/");
        assert_eq!(normalize_base(""), "/");
        assert_eq!(normalize_base("/x/"), "/x/");
    }

    #[test]
    fn fragments_are_valid_json_with_capped_text() {
        let text = format!("quote \" back \\ tab\t ctrl \u{1} {}", "word ".repeat(2000));
        let docs = vec![
            doc("/a/", "A \"title\"", &text, &[("x", "Line\nbreak")]),
            doc("/a/", "Duplicate url", "ignored", &[]),
        ];
        let (files, _) = build_index(&docs, "/");
        let fragments: Vec<&SearchFile> = files
            .iter()
            .filter(|f| f.path.starts_with("search/d/"))
            .collect();
        assert_eq!(fragments.len(), 1);
        let fragment = json(&fragments[0].bytes);
        assert_eq!(fragment["title"], "A \"title\"");
        assert_eq!(fragment["headings"][0]["title"], "Line\nbreak");
        let kept = fragment["text"].as_str().expect("text");
        assert!(kept.starts_with("quote \" back \\ tab ctrl \u{1} word word"));
        assert!(kept.len() <= FRAGMENT_TEXT_BYTES);
        assert!(kept.ends_with("word"));
        assert!(postings(&files, "/", "ignored").is_empty());
    }

    #[test]
    fn capped_text_cuts_at_words() {
        assert_eq!(capped_text("  a  b\n\nc ", 10), "a b c");
        assert_eq!(capped_text("abc def", 5), "abc");
        assert_eq!(capped_text("abcdef", 3), "abc");
        assert_eq!(capped_text("éé éé", 6), "éé");
        assert_eq!(capped_text("ééé", 5), "éé");
    }

    #[test]
    fn colliding_keys_are_rehashed() {
        let twin = || Prepared {
            fragment: b"{}".to_vec(),
            title: String::new(),
            headings: String::new(),
            body: String::new(),
        };
        let keys = assign_keys(&[twin(), twin()]);
        assert_ne!(keys[0], keys[1]);
        assert_eq!(keys[0], hash_hex(xxh3_64(b"{}")));
    }

    #[test]
    fn empty_site_has_an_empty_manifest() {
        let (files, url) = build_index(&[], "/");
        assert_eq!(files.len(), 1);
        assert_eq!(format!("/{}", files[0].path), url);
        assert_eq!(manifest(&files)["chunks"].as_array().map(Vec::len), Some(0));
    }

    /// Chunks a client fetches for `word`: the one covering it or, as a prefix, the first two
    /// whose range meets the words starting with it.
    fn chunks_for(ranges: &[(String, String, String)], word: &str, prefix: bool) -> Vec<String> {
        let hit = |(first, last, _): &&(String, String, String)| {
            if prefix {
                last.as_str() >= word && (first.as_str() <= word || first.starts_with(word))
            } else {
                first.as_str() <= word && word <= last.as_str()
            }
        };
        ranges
            .iter()
            .filter(hit)
            .take(2)
            .map(|(_, _, path)| path.clone())
            .collect()
    }

    #[test]
    fn a_query_on_ten_thousand_pages_fetches_under_300_kb() {
        let docs = corpus(10_000, 600, 4000);
        let start = Instant::now();
        let (files, url) = build_index(&docs, "/archsite/");
        let elapsed = start.elapsed();
        let files_by_path = by_path(&files);
        let manifest_bytes = files_by_path[path_of(&url, "/archsite/")].len();
        let ranges = chunk_ranges(&manifest(&files), "/archsite/");
        let size = |path: &String| files_by_path[path.as_str()].len();
        let largest_chunk = ranges.iter().map(|(_, _, p)| size(p)).max().unwrap_or(0);
        let mut fragment_sizes: Vec<usize> = files
            .iter()
            .filter(|f| f.path.starts_with("search/d/"))
            .map(|f| f.bytes.len())
            .collect();
        fragment_sizes.sort_unstable_by(|a, b| b.cmp(a));
        let ten_fragments: usize = fragment_sizes.iter().take(10).sum();
        let worst = manifest_bytes + largest_chunk + ten_fragments;

        // A typical query: two common words, a rare one, and a prefix being typed.
        let words = vocabulary(4000);
        let mut needed: Vec<String> = [&words[20], &words[700], &words[3500]]
            .iter()
            .flat_map(|w| chunks_for(&ranges, w, false))
            .collect();
        needed.extend(chunks_for(&ranges, &words[150][..3], true));
        needed.sort();
        needed.dedup();
        let query = manifest_bytes + needed.iter().map(size).sum::<usize>() + ten_fragments;
        eprintln!(
            "10k docs: index built in {elapsed:?}; {} files, {} chunks; manifest {manifest_bytes} B, \
             largest chunk {largest_chunk} B, 10 largest fragments {ten_fragments} B; \
             manifest + largest chunk + 10 fragments {worst} B; \
             typical query ({} chunks) {query} B",
            files.len(),
            ranges.len(),
            needed.len()
        );
        assert!(worst < 300_000, "{worst} bytes");
        assert!(query < 300_000, "{query} bytes");
    }
}
