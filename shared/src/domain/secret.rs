//! Secrets (ping tokens, API keys, page tokens): generated at random, shown once, stored
//! only as a SHA-256 hash and compared in constant time.
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// 26 base-62 characters carry about 154 bits.
const SECRET_LEN: usize = 26;
/// A bound on what we hash from untrusted input.
pub const MAX_SECRET_LEN: usize = 128;

/// The SHA-256 of a secret: what the store keeps and indexes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct SecretHash([u8; 32]);

impl SecretHash {
    pub fn of(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(s: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Self(out))
    }

    /// Whether `secret` hashes to this value, without leaking where they differ.
    pub fn matches(&self, secret: &str) -> bool {
        self.0.ct_eq(&Self::of(secret).0).into()
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretHash({}…)", &self.to_hex()[..8])
    }
}

impl From<SecretHash> for String {
    fn from(h: SecretHash) -> String {
        h.to_hex()
    }
}

impl TryFrom<String> for SecretHash {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::from_hex(&s).ok_or_else(|| "expected 64 hex digits".to_owned())
    }
}

pub(crate) fn random_secret(prefix: &str) -> String {
    let mut rng = rand::rng();
    let mut s = String::with_capacity(prefix.len() + SECRET_LEN);
    s.push_str(prefix);
    s.extend((0..SECRET_LEN).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char));
    s
}

/// Defines a secret newtype whose Debug never prints the value.
macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn generate() -> Self {
                Self(random_secret($prefix))
            }

            /// Wraps untrusted input; only its length is checked, since a wrong
            /// value simply matches no stored hash.
            pub fn from_untrusted(s: &str) -> Option<Self> {
                (!s.is_empty() && s.len() <= MAX_SECRET_LEN).then(|| Self(s.to_owned()))
            }

            pub fn hash(&self) -> SecretHash {
                SecretHash::of(&self.0)
            }

            /// The plain value, to show once to whoever created it.
            pub fn reveal(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }
    };
}

secret_type!(
    /// The secret part of a ping URL.
    PingToken, ""
);
secret_type!(
    /// An API key, `tf_` followed by random characters.
    ApiKeySecret, "tf_"
);
secret_type!(
    /// The secret part of a member's invitation token.
    InvitationSecret, "tfi_"
);
secret_type!(
    /// The access token of a private status page.
    PageToken, "sp_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_distinct_and_prefixed() {
        let a = ApiKeySecret::generate();
        let b = ApiKeySecret::generate();
        assert_ne!(a, b);
        assert!(a.reveal().starts_with("tf_"));
        assert_eq!(a.reveal().len(), 3 + SECRET_LEN);
    }

    #[test]
    fn hash_matches_only_its_secret() {
        let t = PingToken::generate();
        let h = t.hash();
        assert!(h.matches(t.reveal()));
        assert!(!h.matches("something-else"));
        assert_eq!(SecretHash::from_hex(&h.to_hex()), Some(h));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let t = PingToken::generate();
        assert!(!format!("{t:?}").contains(t.reveal()));
    }

    #[test]
    fn untrusted_input_is_bounded() {
        assert!(PingToken::from_untrusted("").is_none());
        assert!(PingToken::from_untrusted(&"a".repeat(MAX_SECRET_LEN + 1)).is_none());
        assert!(PingToken::from_untrusted("abc").is_some());
    }
}
