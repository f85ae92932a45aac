//! The sequence of an identity column, as the model keeps it
//! ([`strata_schema::Column::identity_options`]): the options that differ
//! from PostgreSQL's defaults for the column's type, in one spelling.
//!
//! PostgreSQL stores every value of the sequence (`pg_sequence`); the
//! model keeps only those a statement must write to make the same
//! sequence again, so a column made with `(START WITH 1)` and one made
//! without options are the same, and `GENERATED ... AS IDENTITY` alone
//! stays as short as it was written. The defaults follow the type: an
//! ascending sequence of `integer` ends at 2147483647, one of `bigint` at
//! 9223372036854775807. PostgreSQL resets a bound that was its type's own
//! when the column's type changes, so options kept relative to the type
//! stay right across a type change.
//!
//! The spelling, each part only where it is not the default, in this
//! order: `INCREMENT BY n MINVALUE n MAXVALUE n START WITH n CACHE n
//! CYCLE`.

/// Every value of an identity column's sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sequence {
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub start: i64,
    pub cache: i64,
    pub cycle: bool,
}

/// The least and greatest values of an identity column's type: `smallint`,
/// `integer` or `bigint` (and their other names); `None` for any other
/// type, which cannot be an identity column.
pub fn range(ty: &str) -> Option<(i64, i64)> {
    match ty.trim().to_ascii_lowercase().as_str() {
        "smallint" | "int2" => Some((i16::MIN.into(), i16::MAX.into())),
        "integer" | "int" | "int4" => Some((i32::MIN.into(), i32::MAX.into())),
        "bigint" | "int8" => Some((i64::MIN, i64::MAX)),
        _ => None,
    }
}

impl Sequence {
    /// The defaults for a sequence of a type of `range` that goes by
    /// `increment`, as CREATE SEQUENCE chooses them.
    pub fn defaults((low, high): (i64, i64), increment: i64) -> Sequence {
        let (min, max) = if increment > 0 { (1, high) } else { (low, -1) };
        Sequence {
            increment,
            min,
            max,
            start: if increment > 0 { min } else { max },
            cache: 1,
            cycle: false,
        }
    }

    /// The options of this sequence that differ from the defaults for a
    /// type of `range`, in the one spelling; `None` when all are the
    /// defaults.
    pub fn options(&self, range: (i64, i64)) -> Option<String> {
        let d = Sequence::defaults(range, self.increment);
        let mut parts = Vec::new();
        if self.increment != 1 {
            parts.push(format!("INCREMENT BY {}", self.increment));
        }
        if self.min != d.min {
            parts.push(format!("MINVALUE {}", self.min));
        }
        if self.max != d.max {
            parts.push(format!("MAXVALUE {}", self.max));
        }
        if self.start
            != (if self.increment > 0 {
                self.min
            } else {
                self.max
            })
        {
            parts.push(format!("START WITH {}", self.start));
        }
        if self.cache != d.cache {
            parts.push(format!("CACHE {}", self.cache));
        }
        if self.cycle {
            parts.push("CYCLE".into());
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// The sequence `options` (in the one spelling, or `None`) describe
    /// for a type of `range`.
    pub fn from_options(range: (i64, i64), options: Option<&str>) -> Result<Sequence, String> {
        let bad = || {
            format!(
                "identity options {:?} are not in strata's spelling (INCREMENT BY n MINVALUE n MAXVALUE n START WITH n CACHE n CYCLE)",
                options.unwrap_or_default()
            )
        };
        let words: Vec<&str> = options.unwrap_or_default().split(' ').collect();
        let mut words = words.as_slice();
        if words == [""] {
            words = &[];
        }
        let number = |w: Option<&&str>| w.and_then(|w| w.parse::<i64>().ok()).ok_or_else(bad);
        let mut increment = 1;
        let mut min = None;
        let mut max = None;
        let mut start = None;
        let mut cache = 1;
        let mut cycle = false;
        while let Some(word) = words.first() {
            let (value, rest) = match *word {
                "INCREMENT" if words.get(1) == Some(&"BY") => (number(words.get(2))?, 3),
                "START" if words.get(1) == Some(&"WITH") => (number(words.get(2))?, 3),
                "MINVALUE" | "MAXVALUE" | "CACHE" => (number(words.get(1))?, 2),
                "CYCLE" => (1, 1),
                _ => return Err(bad()),
            };
            match *word {
                "INCREMENT" => increment = value,
                "START" => start = Some(value),
                "MINVALUE" => min = Some(value),
                "MAXVALUE" => max = Some(value),
                "CACHE" => cache = value,
                _ => cycle = true,
            }
            words = &words[rest..];
        }
        if increment == 0 {
            return Err(bad());
        }
        let d = Sequence::defaults(range, increment);
        let min = min.unwrap_or(d.min);
        let max = max.unwrap_or(d.max);
        let sequence = Sequence {
            increment,
            min,
            max,
            start: start.unwrap_or(if increment > 0 { min } else { max }),
            cache,
            cycle,
        };
        // One spelling: what is written is exactly what differs.
        if sequence.options(range).as_deref() != options {
            return Err(bad());
        }
        Ok(sequence)
    }

    /// The clauses of `ALTER TABLE ... ALTER COLUMN` that give the column's
    /// sequence exactly these values, every one written.
    pub fn alter_clauses(&self) -> String {
        format!(
            "SET INCREMENT BY {} SET MINVALUE {} SET MAXVALUE {} SET START WITH {} SET CACHE {} SET {}",
            self.increment,
            self.min,
            self.max,
            self.start,
            self.cache,
            if self.cycle { "CYCLE" } else { "NO CYCLE" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INT: (i64, i64) = (i32::MIN as i64, i32::MAX as i64);

    #[test]
    fn defaults_are_written_as_nothing() {
        let s = Sequence::defaults(INT, 1);
        assert_eq!(s.options(INT), None);
        assert_eq!(Sequence::from_options(INT, None), Ok(s));
    }

    #[test]
    fn only_what_differs_is_written_and_read_back() {
        let s = Sequence {
            start: 100,
            increment: 10,
            ..Sequence::defaults(INT, 10)
        };
        assert_eq!(
            s.options(INT).as_deref(),
            Some("INCREMENT BY 10 START WITH 100")
        );
        assert_eq!(
            Sequence::from_options(INT, Some("INCREMENT BY 10 START WITH 100")),
            Ok(s)
        );
    }

    #[test]
    fn a_start_at_the_lower_bound_is_the_default() {
        let s = Sequence {
            min: 5,
            start: 5,
            ..Sequence::defaults(INT, 1)
        };
        assert_eq!(s.options(INT).as_deref(), Some("MINVALUE 5"));
        assert_eq!(Sequence::from_options(INT, Some("MINVALUE 5")), Ok(s));
    }

    #[test]
    fn a_descending_sequence_has_the_type_s_low_end_and_minus_one() {
        let s = Sequence::defaults(INT, -1);
        assert_eq!((s.min, s.max, s.start), (i32::MIN as i64, -1, -1));
        assert_eq!(s.options(INT).as_deref(), Some("INCREMENT BY -1"));
        let wide = (i64::MIN, i64::MAX);
        assert_eq!(
            s.options(wide).as_deref(),
            Some("INCREMENT BY -1 MINVALUE -2147483648")
        );
    }

    #[test]
    fn text_in_another_spelling_is_refused() {
        for text in [
            "START WITH 5 INCREMENT BY 2",
            "START WITH 1",
            "INCREMENT BY 0",
            "CACHE",
            "CACHE x",
            "NO CYCLE",
            "",
            " CYCLE",
        ] {
            assert!(
                Sequence::from_options(INT, Some(text)).is_err(),
                "{text:?} was read"
            );
        }
    }

    #[test]
    fn every_value_is_altered() {
        let s = Sequence::defaults(INT, 1);
        assert_eq!(
            s.alter_clauses(),
            "SET INCREMENT BY 1 SET MINVALUE 1 SET MAXVALUE 2147483647 SET START WITH 1 SET CACHE 1 SET NO CYCLE"
        );
    }

    #[test]
    fn only_integer_types_have_a_range() {
        assert_eq!(range("INT8"), Some((i64::MIN, i64::MAX)));
        assert_eq!(range("numeric"), None);
    }
}
