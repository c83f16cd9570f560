//! Fingerprints: 64-bit hashes of what a cached result was made from, so the dev server can
//! tell whether a page, a listing or a matrix must be made again.
//!
//! A [`Fingerprint`] gathers its fields in a buffer and hashes them once, with xxh3, when it is
//! finished: a dev server rebuild makes tens of thousands of fingerprints of a few short fields
//! each, and feeding a streaming hasher field by field cost more than the work the fingerprints
//! save. Every field is length-prefixed or of fixed size, so fields cannot run into each other
//! (`ab` + `c` and `a` + `bc` differ).

use serde::Serialize;

/// Fields of a fingerprint, hashed by [`Fingerprint::finish`].
#[derive(Debug, Default, Clone)]
pub struct Fingerprint(Vec<u8>);

impl Fingerprint {
    /// An empty fingerprint.
    pub fn new() -> Self {
        Fingerprint(Vec::with_capacity(256))
    }

    /// Adds a byte string.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0
            .extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.0.extend_from_slice(bytes);
        self
    }

    /// Adds a string.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// Adds a number (another fingerprint, a count, an index).
    pub fn u64(&mut self, n: u64) -> &mut Self {
        self.0.extend_from_slice(&n.to_le_bytes());
        self
    }

    /// Adds a one-byte marker, for fields that may be missing.
    pub fn tag(&mut self, tag: u8) -> &mut Self {
        self.0.push(tag);
        self
    }

    /// Adds the JSON form of `value`. Serialising plain data cannot fail; a failure would
    /// only make a page render again.
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> &mut Self {
        let start = self.0.len();
        self.0.extend_from_slice(&[0; 8]);
        let _ = serde_json::to_writer(&mut self.0, value);
        let len = (self.0.len() - start - 8) as u64;
        self.0[start..start + 8].copy_from_slice(&len.to_le_bytes());
        self
    }

    /// The hash of every field added.
    pub fn finish(&self) -> u64 {
        xxhash_rust::xxh3::xxh3_64(&self.0)
    }
}

/// The fingerprint of the JSON form of `value`.
pub fn of_json<T: Serialize + ?Sized>(value: &T) -> u64 {
    Fingerprint::new().json(value).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_do_not_run_into_each_other() {
        let a = Fingerprint::new().str("ab").str("c").finish();
        let b = Fingerprint::new().str("a").str("bc").finish();
        assert_ne!(a, b);
        let same = Fingerprint::new().str("ab").str("c").finish();
        assert_eq!(a, same);
        assert_ne!(
            Fingerprint::new().json(&["a", "b"]).finish(),
            Fingerprint::new().json(&["a"]).json(&["b"]).finish()
        );
        assert_ne!(
            Fingerprint::new().tag(0).finish(),
            Fingerprint::new().tag(1).finish()
        );
    }
}
