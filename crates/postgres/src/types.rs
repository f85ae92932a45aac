//! What a column type change does to the values PostgreSQL converts: the
//! planner archives the values of a change that can alter them, and writes
//! `USING` only where PostgreSQL has no assignment cast; `strata lint`
//! says the same in words.

/// What kind of value a PostgreSQL type holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Small,
    Integer,
    Big,
    /// numeric, decimal.
    Exact,
    Float,
    /// text, varchar, char.
    Text,
    Other,
}

/// The kind of `ty`, as written in the ledger or by the server.
pub fn kind(ty: &str) -> Kind {
    let ty = ty.to_ascii_lowercase();
    let base = ty.split('(').next().unwrap_or_default().trim();
    match base {
        "smallint" | "int2" => Kind::Small,
        "integer" | "int" | "int4" => Kind::Integer,
        "bigint" | "int8" => Kind::Big,
        "numeric" | "decimal" => Kind::Exact,
        "real" | "float4" | "double precision" | "float8" | "float" => Kind::Float,
        "text" | "varchar" | "character varying" | "char" | "character" | "bpchar" => Kind::Text,
        _ => Kind::Other,
    }
}

/// The numbers in a type's parentheses: `numeric(10,2)` is `[10, 2]`.
pub fn modifiers(ty: &str) -> Vec<u64> {
    let Some(open) = ty.find('(') else {
        return Vec::new();
    };
    let Some(close) = ty[open..].find(')') else {
        return Vec::new();
    };
    ty[open + 1..open + close]
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

fn integer(k: Kind) -> bool {
    matches!(k, Kind::Small | Kind::Integer | Kind::Big)
}

/// Whether going from `from` to `to` can give a value another value than
/// it had, so that only the archive can give it back: rounding, a text
/// read as a number, a type strata does not know. A change that can only
/// refuse a value (out of range, too long) makes the apply fail instead,
/// and needs no archive.
pub fn alters_values(from: &str, to: &str) -> bool {
    use Kind::*;
    let (a, b) = (kind(from), kind(to));
    match (a, b) {
        _ if from.eq_ignore_ascii_case(to) => false,
        (Other, _) | (_, Other) => true,
        (Exact | Float, x) if integer(x) => true,
        (Float, Exact) => true,
        (Exact, Exact) => {
            // numeric(p,s): a smaller scale rounds.
            let scale = |t: &str| modifiers(t).get(1).copied().unwrap_or(0);
            let unlimited = |t: &str| modifiers(t).is_empty();
            !unlimited(to) && (unlimited(from) || scale(to) < scale(from))
        }
        (Text, Text) => false,
        (Text, _) => true,
        (x, y) if integer(x) && (integer(y) || matches!(y, Exact | Float | Text)) => false,
        (Exact | Float, Text) => false,
        (Exact, Float) => true,
        _ => true,
    }
}

/// Whether PostgreSQL needs `USING col::type` to convert: a text read as a
/// number has no assignment cast; every other change here has one, and
/// without `USING` a value that does not fit (too long, out of range) makes
/// the change fail rather than be cut.
pub fn needs_using(from: &str, to: &str) -> bool {
    let (a, b) = (kind(from), kind(to));
    a == Kind::Other || b == Kind::Other || (a == Kind::Text && b != Kind::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_that_can_alter_a_value_is_told_from_one_that_cannot() {
        for (from, to) in [
            ("numeric(10,2)", "integer"),
            ("numeric(10,2)", "numeric(10,1)"),
            ("double precision", "numeric(10,2)"),
            ("text", "integer"),
            ("jsonb", "text"),
        ] {
            assert!(alters_values(from, to), "{from} -> {to}");
        }
        for (from, to) in [
            ("integer", "bigint"),
            ("bigint", "integer"),
            ("integer", "numeric(10,2)"),
            ("text", "varchar(20)"),
            ("varchar(20)", "text"),
            ("numeric(10,2)", "text"),
            ("numeric(10,2)", "numeric(12,2)"),
            ("numeric(10,2)", "numeric"),
        ] {
            assert!(!alters_values(from, to), "{from} -> {to}");
        }
        assert!(needs_using("text", "integer"));
        assert!(!needs_using("text", "varchar(5)"));
        assert!(!needs_using("numeric(10,2)", "integer"));
    }
}
