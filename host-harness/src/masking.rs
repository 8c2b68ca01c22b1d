//! Secrets the guest registered, and their masking in everything the harness prints.

use std::fmt;

/// The replacement of a secret in printed text.
pub const MASK: &str = "***";

/// The secrets of one run. `Debug` shows how many there are, never what they are.
#[derive(Clone, Default)]
pub struct Secrets {
    // Longest first, so that a secret containing another is masked whole.
    values: Vec<String>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} registered)", self.values.len())
    }
}

impl Secrets {
    /// Registers a secret. Empty values are ignored (they would mask nothing and everything).
    pub fn register(&mut self, value: &str) {
        if value.is_empty() || self.values.iter().any(|v| v == value) {
            return;
        }
        let at = self
            .values
            .iter()
            .position(|v| v.len() < value.len())
            .unwrap_or(self.values.len());
        self.values.insert(at, value.to_owned());
    }

    /// How many secrets are registered.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no secret is registered.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The registered values, for hosts that must announce them (e.g. a CI's mask command).
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(String::as_str)
    }

    /// `text` with every registered secret replaced by [`MASK`].
    pub fn mask(&self, text: &str) -> String {
        // `str`'s search is linear-time too (two-way), and for the short lines this masks it is
        // cheaper than building a memmem searcher per call.
        let mut masked = text.to_owned();
        for secret in &self.values {
            if masked.contains(secret.as_str()) {
                masked = masked.replace(secret.as_str(), MASK);
            }
        }
        masked
    }

    /// Like [`Secrets::mask`] for bytes that may not be UTF-8: secrets are replaced where they
    /// occur byte for byte, and the rest is left as it is.
    pub fn mask_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let mut masked = bytes.to_vec();
        for secret in &self.values {
            // A linear-time search: a long secret that nearly matches everywhere (a guest's
            // choice) must not make masking quadratic.
            let finder = memchr::memmem::Finder::new(secret.as_bytes());
            let mut found = finder.find_iter(&masked).peekable();
            if found.peek().is_none() {
                continue;
            }
            let mut out = Vec::with_capacity(masked.len());
            let mut copied = 0;
            for at in found {
                out.extend_from_slice(&masked[copied..at]);
                out.extend_from_slice(MASK.as_bytes());
                copied = at + secret.len();
            }
            out.extend_from_slice(&masked[copied..]);
            masked = out;
        }
        masked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_longest_first_and_in_bytes() {
        let mut s = Secrets::default();
        s.register("abc");
        s.register("abcdef");
        s.register("");
        s.register("abc");
        assert_eq!(s.len(), 2);
        assert_eq!(s.mask("x abcdef y abc z"), "x *** y *** z");
        assert_eq!(s.mask_bytes(b"\xffabcdef\xfe"), b"\xff***\xfe");
        assert_eq!(format!("{s:?}"), "Secrets(2 registered)");
        let mut s = Secrets::default();
        s.register("aa");
        assert_eq!(s.mask_bytes(b"aaa"), b"***a");
    }

    #[test]
    fn a_near_miss_everywhere_is_masked_in_linear_time() {
        // A 64 KiB secret that almost matches at every one of 4 MiB positions: a byte-by-byte
        // comparison at each position would take hours; this takes milliseconds.
        let mut secret = "a".repeat(64 << 10);
        secret.push('b');
        let mut s = Secrets::default();
        s.register(&secret);
        let mut text = vec![b'a'; 4 << 20];
        text.extend_from_slice(secret.as_bytes());
        let masked = s.mask_bytes(&text);
        assert_eq!(masked.len(), (4 << 20) + MASK.len());
        assert!(masked.ends_with(MASK.as_bytes()));
    }
}
