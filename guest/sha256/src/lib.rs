//! SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for the SigV4 signer: the few lines it needs
//! around `sha2`'s compression function, which does the actual hashing.
//!
//! A crate of its own so that the component's profile can build it at opt-level 3 while the
//! rest is built for size ("z"): at "z" the buffering and padding around the compression (and
//! `sha2::Sha256` and `hmac::Hmac`'s generic layers, which are compiled into their caller's
//! crate) cost a signature more than the compression itself. The tests hold these functions to
//! the FIPS 180-4 and RFC 4231 vectors and to `sha2` and `hmac` on random inputs; the signer's
//! tests hold the whole to `aws-sigv4`.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(test)]
extern crate std;

/// The block size of SHA-256, and the length of every HMAC-SHA256 key once prepared.
const BLOCK_LEN: usize = 64;

/// FIPS 180-4 section 5.3.3.
const INITIAL_STATE: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// An incremental SHA-256.
struct Sha256 {
    state: [u32; 8],
    buffer: [u8; BLOCK_LEN],
    buffered: usize,
    length: u64,
}

impl Sha256 {
    const fn new() -> Self {
        Sha256 {
            state: INITIAL_STATE,
            buffer: [0; BLOCK_LEN],
            buffered: 0,
            length: 0,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.length = self.length.wrapping_add(data.len() as u64);
        if self.buffered > 0 {
            let take = (BLOCK_LEN - self.buffered).min(data.len());
            let (head, rest) = data.split_at(take);
            self.buffer[self.buffered..self.buffered + take].copy_from_slice(head);
            self.buffered += take;
            data = rest;
            if self.buffered < BLOCK_LEN {
                return;
            }
            sha2::block_api::compress256(&mut self.state, core::slice::from_ref(&self.buffer));
            self.buffered = 0;
        }
        let (blocks, rest) = data.as_chunks::<BLOCK_LEN>();
        if !blocks.is_empty() {
            sha2::block_api::compress256(&mut self.state, blocks);
        }
        self.buffer[..rest.len()].copy_from_slice(rest);
        self.buffered = rest.len();
    }

    fn finalize(mut self) -> [u8; 32] {
        // FIPS 180-4 section 5.1.1: a 1 bit, zeros up to 56 bytes mod 64, the length in bits.
        let bits = self.length.wrapping_mul(8);
        let zeros = (BLOCK_LEN + 55 - self.buffered) % BLOCK_LEN;
        let mut padding = [0_u8; 1 + 63 + 8];
        padding[0] = 0x80;
        padding[1 + zeros..1 + zeros + 8].copy_from_slice(&bits.to_be_bytes());
        self.update(&padding[..1 + zeros + 8]);
        let mut digest = [0_u8; 32];
        for (bytes, word) in digest.chunks_exact_mut(4).zip(self.state) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        digest
    }
}

/// The SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(data);
    hash.finalize()
}

/// HMAC-SHA256 of `data` under the key made of `key_parts` put end to end.
///
/// The key is prepared as RFC 2104 section 2 says (zero-padded to the block size, or hashed
/// first if longer), which lets `"AWS4" + secret` be joined without an allocation.
pub fn hmac_sha256(key_parts: &[&[u8]], data: &[u8]) -> [u8; 32] {
    let mut key = [0_u8; BLOCK_LEN];
    let key_len: usize = key_parts.iter().map(|part| part.len()).sum();
    if key_len <= BLOCK_LEN {
        let mut at = 0;
        for part in key_parts {
            key[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
    } else {
        let mut hash = Sha256::new();
        for part in key_parts {
            hash.update(part);
        }
        key[..32].copy_from_slice(&hash.finalize());
    }
    let mut pad = key.map(|byte| byte ^ 0x36);
    let mut inner = Sha256::new();
    inner.update(&pad);
    inner.update(data);
    let inner = inner.finalize();
    pad = key.map(|byte| byte ^ 0x5c);
    let mut outer = Sha256::new();
    outer.update(&pad);
    outer.update(&inner);
    outer.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac as _};
    use proptest::prelude::*;
    use sha2::Digest as _;
    use std::string::String;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| std::format!("{b:02x}")).collect()
    }

    #[test]
    fn matches_the_fips_180_examples() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let million = [b'a'; 1_000_000];
        assert_eq!(
            hex(&sha256(&million)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    /// RFC 4231 test cases 2 (a short key) and 6 (a key longer than the block size).
    #[test]
    fn hmac_matches_rfc_4231_for_short_and_long_keys() {
        assert_eq!(
            hex(&hmac_sha256(&[b"Je", b"fe"], b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let long_key = [0xaa_u8; 131];
        assert_eq!(
            hex(&hmac_sha256(
                &[&long_key[..100], &long_key[100..]],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn every_length_and_split_near_the_block_agrees_with_the_sha2_crate() {
        let data: std::vec::Vec<u8> = (0..200u8).map(|i| i.wrapping_mul(31).wrapping_add(7)).collect();
        for len in 0..=data.len() {
            let expected = <[u8; 32]>::from(sha2::Sha256::digest(&data[..len]));
            for cut in 0..=len {
                let mut hash = Sha256::new();
                hash.update(&data[..cut]);
                hash.update(&data[cut..len]);
                assert_eq!(hash.finalize(), expected, "length {len}, cut at {cut}");
            }
        }
    }

    #[test]
    fn hmac_keys_in_parts_around_the_block_size_agree_with_the_hmac_crate() {
        let key: std::vec::Vec<u8> = (0..130u8).collect();
        for len in [0, 1, 32, 63, 64, 65, 128, 130] {
            let key = &key[..len];
            let mut mac = <Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(key).expect("any key length");
            mac.update(b"message");
            let expected = <[u8; 32]>::from(mac.finalize().into_bytes());
            for cut in 0..=len {
                assert_eq!(
                    hmac_sha256(&[&key[..cut], &key[cut..]], b"message"),
                    expected,
                    "key of {len} bytes cut at {cut}"
                );
            }
        }
    }

    proptest! {
        /// Random data fed in two arbitrary pieces.
        #[test]
        fn agrees_with_the_sha2_crate(data in proptest::collection::vec(any::<u8>(), 0..300), cut in any::<prop::sample::Index>()) {
            let cut = cut.index(data.len() + 1);
            let mut hash = Sha256::new();
            hash.update(&data[..cut]);
            hash.update(&data[cut..]);
            prop_assert_eq!(hash.finalize(), <[u8; 32]>::from(sha2::Sha256::digest(&data)));
        }

        #[test]
        fn hmac_agrees_with_the_hmac_crate(key in proptest::collection::vec(any::<u8>(), 0..150), data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut mac = <Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(&key).expect("any key length");
            mac.update(&data);
            prop_assert_eq!(hmac_sha256(&[&key], &data), <[u8; 32]>::from(mac.finalize().into_bytes()));
        }
    }
}
