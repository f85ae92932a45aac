//! SQL text that the model keeps verbatim (view and trigger statements,
//! default, check and index expressions): quoting, and the lexical rewrites a
//! rename needs. A small lexer is enough here: renames replace identifier
//! tokens and never need the grammar.

/// `name` as a double-quoted SQL identifier. Every identifier strata writes
/// into SQL goes through this function.
pub fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}
