//! Bounded text values: names, tags and slugs that are valid once built.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("may contain only lowercase letters, digits and '-', and must start with a letter or digit")]
    BadSlug,
    #[error("must not contain control characters (line breaks, NUL, …) or bidirectional overrides")]
    Unprintable,
}

/// Characters that would let a name rewrite how the text around it reads: controls
/// (NUL, line breaks, escapes) and the bidirectional embeddings, overrides and isolates.
fn unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A display name: trimmed, 1..=120 characters, no control characters or bidirectional
/// overrides (refused, not stripped: what is stored is what was sent).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    pub const MAX: usize = 120;

    pub fn new(s: &str) -> Result<Self, TextError> {
        let s = s.trim();
        bounded(s, Self::MAX)?;
        if s.chars().any(unprintable) {
            return Err(TextError::Unprintable);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A machine-friendly label: lowercase letters, digits and '-', 1..=63 characters.
/// Tags, status page slugs and component keys are slugs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub const MAX: usize = 63;

    pub fn new(s: &str) -> Result<Self, TextError> {
        bounded(s, Self::MAX)?;
        let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if !s.chars().all(ok_char) || s.starts_with('-') {
            return Err(TextError::BadSlug);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn bounded(s: &str, max: usize) -> Result<(), TextError> {
    match s.chars().count() {
        0 => Err(TextError::Empty),
        n if n > max => Err(TextError::TooLong { max }),
        _ => Ok(()),
    }
}

/// Serde and Display plumbing for a validated string newtype `T(String)`: reading goes
/// through its constructor, so an invalid value cannot be deserialised either.
macro_rules! validated_string {
    ($t:ty, $err:ty, $ctor:ident) => {
        impl TryFrom<String> for $t {
            type Error = $err;
            fn try_from(s: String) -> Result<Self, $err> {
                Self::$ctor(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use validated_string;

validated_string!(Name, TextError, new);
validated_string!(Slug, TextError, new);

/// The first `max` bytes of `bytes` as text, cut at a character boundary so the
/// preview is always valid UTF-8 (invalid sequences become U+FFFD).
pub fn preview(bytes: &[u8], max: usize) -> String {
    let head = &bytes[..bytes.len().min(max)];
    let mut s = String::from_utf8_lossy(head).into_owned();
    while s.len() > max {
        s.pop();
    }
    s
}

/// Appends `s` escaped for HTML and XML text and attribute values (quoted with `"`).
pub fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `s` escaped for HTML and XML (see `push_escaped`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_is_trimmed_and_bounded() {
        assert_eq!(Name::new("  Backup  ").unwrap().as_str(), "Backup");
        assert_eq!(Name::new("   "), Err(TextError::Empty));
        assert_eq!(Name::new(&"x".repeat(121)), Err(TextError::TooLong { max: 120 }));
    }

    #[test]
    fn name_refuses_controls_and_bidi_overrides() {
        for bad in ["a\0b", "line\nbreak", "tab\there", "esc\u{1b}[31m", "evil\u{202E}txt.exe", "iso\u{2066}late"] {
            assert_eq!(Name::new(bad), Err(TextError::Unprintable), "{bad:?}");
        }
        assert!(Name::new("Ünïcödé — naïve 日本").is_ok(), "ordinary text passes");
    }

    #[test]
    fn slug_rejects_uppercase_spaces_and_leading_dash() {
        assert!(Slug::new("dev-status").is_ok());
        assert_eq!(Slug::new("Dev"), Err(TextError::BadSlug));
        assert_eq!(Slug::new("a b"), Err(TextError::BadSlug));
        assert_eq!(Slug::new("-a"), Err(TextError::BadSlug));
    }

    #[test]
    fn preview_cuts_at_char_boundary() {
        let s = "é".repeat(600); // 1200 bytes
        let p = preview(s.as_bytes(), 1024);
        assert_eq!(p.len(), 1024);
        assert!(p.chars().all(|c| c == 'é'));
        let odd = preview(s.as_bytes(), 1023);
        assert_eq!(odd.len(), 1022);
        assert_eq!(preview(b"ok", 1024), "ok");
    }
}
