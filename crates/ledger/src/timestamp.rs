//! [`Timestamp`]: when an event was recorded, in microseconds since the Unix
//! epoch, UTC. Its text form is RFC 3339 in UTC (`2026-11-25T10:00:00Z`).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Microseconds since 1970-01-01T00:00:00Z. In bincode it is an `i64`; in
/// human-readable formats (JSON) it is its RFC 3339 text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

/// Why a string is not an RFC 3339 timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not an RFC 3339 timestamp such as 2026-11-25T10:00:00Z ({reason})")]
pub struct ParseTimestampError {
    pub text: String,
    pub reason: String,
}

impl Timestamp {
    /// The current time, from the system clock (a clock before 1970 reads as
    /// the epoch).
    pub fn now() -> Timestamp {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(micros)
    }

    /// Parse RFC 3339 text with any offset; the result is the same instant in
    /// UTC. Digits below a microsecond are dropped (rounding down).
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, ParseTimestampError> {
        let err = |reason: String| ParseTimestampError {
            text: text.to_string(),
            reason,
        };
        let t = OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|e| err(e.to_string()))?;
        let micros = t.unix_timestamp_nanos().div_euclid(1000);
        i64::try_from(micros)
            .map(Timestamp)
            .map_err(|_| err("out of range".to_string()))
    }

    pub fn micros(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with `Z`; fractional seconds only when non-zero, with
    /// trailing zeros trimmed (`10:00:00Z`, `10:00:00.5Z`, `10:00:00.000001Z`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(1_000_000);
        let frac = self.0.rem_euclid(1_000_000);
        let Ok(t) = OffsetDateTime::from_unix_timestamp(secs) else {
            // Outside years -9999..=9999: RFC 3339 cannot say it.
            return write!(f, "{}us", self.0);
        };
        if !(0..=9999).contains(&t.year()) {
            return write!(f, "{}us", self.0);
        }
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        if frac != 0 {
            let digits = format!("{frac:06}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl std::str::FromStr for Timestamp {
    type Err = ParseTimestampError;

    fn from_str(s: &str) -> Result<Timestamp, ParseTimestampError> {
        Timestamp::parse_rfc3339(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            // Exactly what a derived newtype impl would write.
            self.0.serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        if deserializer.is_human_readable() {
            let s = String::deserialize(deserializer)?;
            Timestamp::parse_rfc3339(&s).map_err(serde::de::Error::custom)
        } else {
            i64::deserialize(deserializer).map(Timestamp)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_utc_rfc3339() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp(1_795_600_800_000_000).to_string(),
            "2026-11-25T10:00:00Z"
        );
        assert_eq!(
            Timestamp(1_795_600_800_500_000).to_string(),
            "2026-11-25T10:00:00.5Z"
        );
        assert_eq!(
            Timestamp(1_795_600_800_000_001).to_string(),
            "2026-11-25T10:00:00.000001Z"
        );
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59.999999Z");
        // Out of RFC 3339's range: still no panic.
        assert_eq!(Timestamp(i64::MAX).to_string(), format!("{}us", i64::MAX));
        assert_eq!(Timestamp(i64::MIN).to_string(), format!("{}us", i64::MIN));
    }

    #[test]
    fn parse_converts_offsets_to_utc() {
        let z = Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").unwrap();
        assert_eq!(z, Timestamp(1_795_600_800_000_000));
        let plus = Timestamp::parse_rfc3339("2026-11-25T11:30:00+01:30").unwrap();
        assert_eq!(plus, z);
        let minus = Timestamp::parse_rfc3339("2026-11-25T05:00:00-05:00").unwrap();
        assert_eq!(minus, z);
        let frac = Timestamp::parse_rfc3339("2026-11-25T10:00:00.1234567Z").unwrap();
        assert_eq!(frac, Timestamp(1_795_600_800_123_456));
        assert_eq!(frac.to_string(), "2026-11-25T10:00:00.123456Z");
    }

    #[test]
    fn parse_rejects_non_rfc3339() {
        for bad in [
            "",
            "yesterday",
            "2026-11-25",
            "2026-11-25T10:00:00",
            "2026-13-01T00:00:00Z",
        ] {
            let e = Timestamp::parse_rfc3339(bad).unwrap_err();
            assert!(
                e.to_string().contains("is not an RFC 3339 timestamp"),
                "{e}"
            );
        }
    }

    #[test]
    fn display_parses_back() {
        for t in [
            0,
            1,
            -1,
            999_999,
            1_795_600_800_000_000,
            253_402_300_799_999_999,
        ] {
            let ts = Timestamp(t);
            assert_eq!(Timestamp::parse_rfc3339(&ts.to_string()).unwrap(), ts);
        }
    }

    #[test]
    fn now_is_after_2020() {
        assert!(Timestamp::now() > Timestamp(1_577_836_800_000_000));
    }

    #[test]
    fn serde_forms() {
        let t = Timestamp(1_795_600_800_000_000);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-11-25T10:00:00Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        let bytes = bincode::serde::encode_to_vec(t, bincode::config::standard()).unwrap();
        let plain = bincode::serde::encode_to_vec(t.0, bincode::config::standard()).unwrap();
        assert_eq!(bytes, plain);
    }
}
