//! Idempotency keys: the header value that lets a server recognise a retried request.
//!
//! One key per logical request, reused verbatim on every retry of that request
//! (the key is what makes a retry safe: the server answers a repeat with the
//! first result instead of doing the work twice). Two ways to get one:
//!
//! - `random`: a UUIDv4 drawn from the object's seeded [`Rng`], so a seeded
//!   run reproduces its keys (RFC 9562 §5.4; uniqueness, not secrecy, is the goal).
//! - `derived`: a UUIDv5 (RFC 9562 §5.5, SHA-1) of the request content under a
//!   namespace, so the same content gets the same key even across processes
//!   and restarts (a replayed batch line, a re-submitted job).
//!
//! openai-python and openai-node generate such a key (`stainless-*-retry-<uuid4>`)
//! but send it only when a client sets `idempotency_header`; this object only
//! makes keys, and the host decides which requests carry one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Error, ErrorCode, Result, Rng};

/// RFC 9562 Appendix A: the name space ID for URLs, `6ba7b811-9dad-11d1-80b4-00c04fd430c8`.
const NAMESPACE_URL: [u8; 16] =
    [0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8];

stable_codes! {
    /// How the host is meant to key requests (the composing client reads it).
    pub enum IdempotencyMode {
        /// A fresh UUIDv4 per logical request ([`IdempotencyKeys::new_key`]).
        Random = "random",
        /// A UUIDv5 of the request content ([`IdempotencyKeys::derive`]).
        Derived = "derived",
    }
}

/// Idempotency key settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdempotencyConfig {
    /// The request header that carries the key (default `Idempotency-Key`); an RFC 9110 token.
    #[serde(default = "default_header")]
    pub header: String,
    /// Random or content-derived keys (default `random`).
    #[serde(default = "default_mode")]
    pub mode: IdempotencyMode,
    /// Namespace of derived keys: a UUID in its 36-character hyphenated form is used as
    /// is; any other string (a service URL, an app name) is first turned into a UUID as
    /// UUIDv5(URL namespace, string). Absent: the RFC URL namespace itself (default absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

fn default_header() -> String {
    "Idempotency-Key".to_owned()
}
fn default_mode() -> IdempotencyMode {
    IdempotencyMode::Random
}

impl Default for IdempotencyConfig {
    fn default() -> Self {
        Self { header: default_header(), mode: default_mode(), namespace: None }
    }
}

impl IdempotencyConfig {
    /// Checks the header name; paths are relative to this struct.
    ///
    /// # Errors
    /// `invalid_value` at `header` when it is empty or not an RFC 9110 token.
    pub fn validate(&self) -> Result<()> {
        if self.header.is_empty() || !self.header.bytes().all(is_tchar) {
            return Err(Error::new(
                ErrorCode::InvalidValue,
                "header",
                format!("`{}` is not a valid HTTP header name", self.header),
            ));
        }
        Ok(())
    }
}

/// RFC 9110 §5.6.2 `tchar`: the characters a header name may contain.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Makes idempotency keys: seeded UUIDv4s, or UUIDv5s derived from content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKeys {
    config: IdempotencyConfig,
    namespace: [u8; 16],
    rng: Rng,
}

impl IdempotencyKeys {
    /// A key maker whose random keys are fixed by `seed`.
    ///
    /// # Errors
    /// As [`IdempotencyConfig::validate`].
    pub fn new(config: IdempotencyConfig, seed: u64) -> Result<Self> {
        config.validate()?;
        let namespace = match config.namespace.as_deref() {
            None => NAMESPACE_URL,
            Some(ns) => parse_uuid(ns).unwrap_or_else(|| uuid_v5(&NAMESPACE_URL, ns.as_bytes())),
        };
        Ok(Self { config, namespace, rng: Rng::new(seed) })
    }

    /// The header to send the key in.
    #[must_use]
    pub fn header_name(&self) -> &str {
        &self.config.header
    }

    /// The configured mode (which of [`Self::new_key`] / [`Self::derive`] the host should use).
    #[must_use]
    pub fn mode(&self) -> IdempotencyMode {
        self.config.mode
    }

    /// A fresh UUIDv4 for a new logical request; each call advances the seeded generator.
    /// Reuse the returned key for every retry of that request.
    pub fn new_key(&mut self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.rng.next_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&self.rng.next_u64().to_be_bytes());
        format_uuid(with_version(bytes, 4))
    }

    /// The UUIDv5 of `content` under the configured namespace: the same content always
    /// gets the same key. Does not touch the generator.
    ///
    /// # Errors
    /// `invalid_argument` at `content` when it is empty: every empty request would share
    /// one key, and the server would answer them all with the first one's result.
    pub fn derive(&self, content: &[u8]) -> Result<String> {
        if content.is_empty() {
            return Err(Error::argument("content", "cannot derive an idempotency key from empty content"));
        }
        Ok(format_uuid(uuid_v5(&self.namespace, content)))
    }
}

/// RFC 9562 §5.5: SHA-1 of namespace then name, first 16 bytes, version 5.
fn uuid_v5(namespace: &[u8; 16], name: &[u8]) -> [u8; 16] {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(namespace);
    sha.update(name);
    let digest = sha.digest().bytes();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    with_version(bytes, 5)
}

/// Sets the version nibble and the RFC variant bits (`10xx`).
fn with_version(mut bytes: [u8; 16], version: u8) -> [u8; 16] {
    bytes[6] = (bytes[6] & 0x0f) | (version << 4);
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes
}

/// The hyphenated lower-case form (`8-4-4-4-12`), without `fmt`: one key per request, and
/// sixteen `{:02x}` writes cost a third of the whole client round.
fn format_uuid(b: [u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, &byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// The 16 bytes of a `8-4-4-4-12` hex UUID (either case); `None` for any other string.
fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let raw = s.as_bytes();
    if raw.len() != 36 || [8, 13, 18, 23].iter().any(|&i| raw.get(i) != Some(&b'-')) {
        return None;
    }
    let hex: Vec<u8> = raw.iter().copied().filter(|&c| c != b'-').collect();
    let mut out = [0u8; 16];
    for (slot, pair) in out.iter_mut().zip(hex.chunks(2)) {
        let text = core::str::from_utf8(pair).ok()?;
        *slot = u8::from_str_radix(text, 16).ok()?;
    }
    (hex.len() == 32).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys(namespace: Option<&str>) -> IdempotencyKeys {
        let config = IdempotencyConfig { namespace: namespace.map(str::to_owned), ..Default::default() };
        IdempotencyKeys::new(config, 7).unwrap()
    }

    #[test]
    fn seeded_v4_keys_are_stable_and_well_formed() {
        let (mut a, mut b) = (keys(None), keys(None));
        let first = a.new_key();
        assert_eq!(first, b.new_key(), "same seed, same keys");
        assert_ne!(first, a.new_key(), "each request gets its own key");
        // python3: uuid.UUID(bytes=<two SplitMix64(7) draws, big-endian>, version=4)
        assert_eq!(first, "63cbe1e4-5932-4dd7-844c-3cd7f43c661c");
    }

    #[test]
    fn derived_keys_match_python_uuid5() {
        // python3 -c 'import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, "hello"))'
        assert_eq!(keys(None).derive(b"hello").unwrap(), "074171de-bc84-5ea4-b636-1135477620e1");
        // uuid.uuid5(uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "hello")  (the DNS namespace)
        let dns = keys(Some("6BA7B810-9dad-11d1-80b4-00c04fd430c8"));
        assert_eq!(dns.derive(b"hello").unwrap(), "9342d47a-1bab-5709-9869-c840b2eac501");
        // uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "https://api.example.com"), "hello")
        let named = keys(Some("https://api.example.com"));
        assert_eq!(named.derive(b"hello").unwrap(), "c38e9f1b-a4eb-50e9-990a-a5d2f452b0b7");
    }

    #[test]
    fn empty_content_and_bad_header_names_are_refused() {
        assert_eq!(keys(None).derive(b"").unwrap_err().path, "content");
        for bad in ["", "Idempotency Key", "Idempotency-Key:", "Ключ"] {
            let config = IdempotencyConfig { header: bad.to_owned(), ..Default::default() };
            let e = IdempotencyKeys::new(config, 0).unwrap_err();
            assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidValue, "header"), "{bad}");
        }
    }

    #[test]
    fn only_the_hyphenated_form_parses_as_a_uuid() {
        assert!(parse_uuid("6ba7b811-9dad-11d1-80b4-00c04fd430c8").is_some());
        for other in ["6ba7b8119dad11d180b400c04fd430c8", "6ba7b811-9dad-11d1-80b4-00c04fd430cg", "x"] {
            assert!(parse_uuid(other).is_none(), "{other}");
        }
    }

    #[test]
    fn config_defaults() {
        let c: IdempotencyConfig = crate::document::from_json("{}").unwrap();
        assert_eq!(
            (c.header.as_str(), c.mode, c.namespace),
            ("Idempotency-Key", IdempotencyMode::Random, None)
        );
        let e = crate::document::from_json::<IdempotencyConfig>(r#"{"mode": "hashed"}"#).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (ErrorCode::UnknownVariant, "mode"));
    }

    proptest! {
        #[test]
        fn every_key_carries_its_version_and_variant(seed: u64, content in proptest::collection::vec(any::<u8>(), 1..64)) {
            let mut k = IdempotencyKeys::new(IdempotencyConfig::default(), seed).unwrap();
            for (key, version) in [(k.new_key(), '4'), (k.derive(&content).unwrap(), '5')] {
                let c: Vec<char> = key.chars().collect();
                prop_assert_eq!(c.len(), 36);
                prop_assert_eq!(c[14], version);
                prop_assert!(matches!(c[19], '8' | '9' | 'a' | 'b'));
                prop_assert!(parse_uuid(&key).is_some());
            }
        }
    }
}
