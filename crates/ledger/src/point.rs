//! Points: the ways a command names a place in the ledger (`0`, `N`, `head`,
//! `head~K`, a tag, a hash prefix, `@TIME`), parsed once into [`Point`].
//! Resolving a point against a ledger is [`crate::Ledger::resolve`].

use std::fmt;

use crate::timestamp::Timestamp;

/// A place in the ledger, as written by a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Point {
    /// After event N; 0 is the empty schema before event 1.
    Seq(u64),
    /// `back` events before the last one (`head` is `back: 0`).
    Head { back: u64 },
    /// A tag name, or a hash prefix of 8 to 64 hex characters. Tag names can
    /// never look like a hash prefix, so the two cannot be confused.
    Name(String),
    /// The last event at or before this time.
    Time(Timestamp),
}

/// The accepted forms, for error messages.
const FORMS: &str =
    "a point is 0, N, head, head~K, a tag name, 8 to 64 hex characters of a hash, or @TIME";

/// Why text is not a point.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointError {
    #[error("an empty point: {FORMS}")]
    Empty,
    #[error("{text} is too large for an event number")]
    SeqTooLarge { text: String },
    #[error("{text:?} is not a point: after head~ comes a number of events, as in head~3")]
    BadHeadOffset { text: String },
    #[error("{text:?} is not a point: after @ comes an RFC 3339 time such as @2026-11-25T10:00:00Z ({reason})")]
    BadTime { text: String, reason: String },
    #[error("{text:?} is not a point: {FORMS}")]
    BadName { text: String },
}

impl Point {
    /// Parse a point as written on a command line.
    pub fn parse(text: &str) -> Result<Point, PointError> {
        if text.is_empty() {
            return Err(PointError::Empty);
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return text
                .parse()
                .map(Point::Seq)
                .map_err(|_| PointError::SeqTooLarge {
                    text: text.to_string(),
                });
        }
        if text == "head" {
            return Ok(Point::Head { back: 0 });
        }
        if let Some(k) = text.strip_prefix("head~") {
            if k.is_empty() || !k.bytes().all(|b| b.is_ascii_digit()) {
                return Err(PointError::BadHeadOffset {
                    text: text.to_string(),
                });
            }
            return k.parse().map(|back| Point::Head { back }).map_err(|_| {
                PointError::SeqTooLarge {
                    text: text.to_string(),
                }
            });
        }
        if let Some(t) = text.strip_prefix('@') {
            return Timestamp::parse_rfc3339(t)
                .map(Point::Time)
                .map_err(|e| PointError::BadTime {
                    text: text.to_string(),
                    reason: e.reason,
                });
        }
        if text.contains('~') || text.chars().any(char::is_whitespace) {
            return Err(PointError::BadName {
                text: text.to_string(),
            });
        }
        Ok(Point::Name(text.to_string()))
    }

    /// The hash prefix this point names, when it is one (8 to 64 hex
    /// characters, not all digits).
    pub fn hash_prefix(&self) -> Option<&str> {
        match self {
            Point::Name(n) if is_hash_prefix(n) => Some(n),
            _ => None,
        }
    }
}

impl std::str::FromStr for Point {
    type Err = PointError;

    fn from_str(s: &str) -> Result<Point, PointError> {
        Point::parse(s)
    }
}

impl fmt::Display for Point {
    /// The point as a user would write it; parses back to the same point.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Point::Seq(n) => write!(f, "{n}"),
            Point::Head { back: 0 } => f.write_str("head"),
            Point::Head { back } => write!(f, "head~{back}"),
            Point::Name(n) => f.write_str(n),
            Point::Time(t) => write!(f, "@{t}"),
        }
    }
}

/// 8 to 64 hex characters (either case), not all digits.
pub fn is_hash_prefix(s: &str) -> bool {
    (8..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_hexdigit())
        && !s.bytes().all(|b| b.is_ascii_digit())
}

/// Why a name cannot be a tag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} cannot be a tag name: {reason}")]
pub struct TagNameError {
    pub name: String,
    pub reason: &'static str,
}

/// Check that `name` can name a tag without being read as another kind of
/// point. Uniqueness among the tags is the ledger's to check.
pub fn check_tag_name(name: &str) -> Result<(), TagNameError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.bytes().all(|b| b.is_ascii_digit()) {
        Some("it is all digits, which names an event number")
    } else if name.eq_ignore_ascii_case("head") || name.to_ascii_lowercase().starts_with("head~") {
        Some("head and head~K are points already")
    } else if name.starts_with('@') {
        Some("a name starting with @ is a time")
    } else if name.contains('~') {
        Some("it contains ~")
    } else if name.chars().any(char::is_whitespace) {
        Some("it contains whitespace")
    } else if (8..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_hexdigit()) {
        Some("8 to 64 hex characters read as a hash prefix")
    } else if name.chars().any(char::is_control) {
        Some("it contains a control character")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(TagNameError {
            name: name.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses() {
        assert_eq!(Point::parse("0").unwrap(), Point::Seq(0));
        assert_eq!(Point::parse("42").unwrap(), Point::Seq(42));
        assert_eq!(Point::parse("12345678").unwrap(), Point::Seq(12_345_678));
        assert_eq!(Point::parse("head").unwrap(), Point::Head { back: 0 });
        assert_eq!(Point::parse("head~0").unwrap(), Point::Head { back: 0 });
        assert_eq!(Point::parse("head~3").unwrap(), Point::Head { back: 3 });
        assert_eq!(
            Point::parse("v1.0").unwrap(),
            Point::Name("v1.0".to_string())
        );
        let p = Point::parse("03f0435b").unwrap();
        assert_eq!(p, Point::Name("03f0435b".to_string()));
        assert_eq!(p.hash_prefix(), Some("03f0435b"));
        assert_eq!(Point::parse("v1.0").unwrap().hash_prefix(), None);
        assert_eq!(
            Point::parse("@2026-11-25T10:00:00Z").unwrap(),
            Point::Time(Timestamp(1_795_600_800_000_000))
        );
        assert_eq!(
            Point::parse("@2026-11-25T11:00:00+01:00").unwrap(),
            Point::Time(Timestamp(1_795_600_800_000_000))
        );
    }

    #[test]
    fn hash_prefix_bounds() {
        assert!(!is_hash_prefix("abcdef1"));
        assert!(is_hash_prefix("abcdef12"));
        assert!(is_hash_prefix("ABCDEF12"));
        assert!(is_hash_prefix(&"a".repeat(64)));
        assert!(!is_hash_prefix(&"a".repeat(65)));
        assert!(!is_hash_prefix("12345678"), "all digits is a seq");
        assert!(!is_hash_prefix("abcdefgh"));
    }

    #[test]
    fn display_parses_back() {
        for text in [
            "0",
            "7",
            "head",
            "head~2",
            "release-1",
            "abcdef12",
            "@2026-11-25T10:00:00.5Z",
        ] {
            let p = Point::parse(text).unwrap();
            assert_eq!(p.to_string(), text);
            assert_eq!(Point::parse(&p.to_string()).unwrap(), p);
        }
    }

    #[test]
    fn every_parse_error() {
        let cases: &[(&str, &str)] = &[
            ("", "an empty point"),
            ("99999999999999999999999", "too large for an event number"),
            ("head~", "after head~ comes a number"),
            ("head~x", "after head~ comes a number"),
            ("head~-1", "after head~ comes a number"),
            ("head~99999999999999999999999", "too large"),
            ("@yesterday", "after @ comes an RFC 3339 time"),
            ("@", "after @ comes an RFC 3339 time"),
            ("a~b", "is not a point"),
            ("my tag", "is not a point"),
        ];
        for (text, want) in cases {
            let e = Point::parse(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn tag_names() {
        for ok in [
            "v1",
            "release-2026.11",
            "prod",
            "headless",
            "x",
            "abcdefg",
            "café",
        ] {
            check_tag_name(ok).unwrap();
        }
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("123", "all digits"),
            ("head", "head and head~K"),
            ("HEAD", "head and head~K"),
            ("head~2", "head and head~K"),
            ("@now", "starting with @"),
            ("a~b", "contains ~"),
            ("a b", "whitespace"),
            ("a\tb", "whitespace"),
            ("deadbeef", "hash prefix"),
            ("DEADBEEF00", "hash prefix"),
            ("a\u{7}", "control"),
        ];
        for (name, want) in cases {
            let e = check_tag_name(name).unwrap_err().to_string();
            assert!(e.contains(want), "{name:?}: {e}");
        }
        // Hex but shorter than 8 or longer than 64 is a fine name.
        check_tag_name("beef").unwrap();
        check_tag_name(&"a".repeat(65)).unwrap();
    }
}
