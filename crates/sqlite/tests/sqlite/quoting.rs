//! Every identifier strata writes into SQL goes through one function,
//! `quote_ident`; here it meets the injection list in a real SQLite.

use strata_dialect::sqlite::arb::HOSTILE;
use strata_dialect::sqlite::text::quote_ident;
use strata_sqlite::rusqlite::Connection;

#[test]
fn quoted_names_are_names_and_never_sql() {
    let mut names: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
    names.extend(
        [
            "\"; DROP TABLE victim; --",
            "x\"); DROP TABLE victim; --",
            "a\"\"b",
            "\"",
            "\"\"",
            "]; DROP TABLE victim; --",
            "`; DROP TABLE victim; --",
            "new\nline",
            "tab\tname",
            "ø\u{200b}zero-width",
        ]
        .map(String::from),
    );
    names.push("n".repeat(1000));
    for name in &names {
        let conn = Connection::open_in_memory().expect("sqlite");
        conn.execute_batch("CREATE TABLE victim (a)")
            .expect("victim");
        let q = quote_ident(name);
        conn.execute_batch(&format!(
            "CREATE TABLE {q} ({q} integer); INSERT INTO {q} ({q}) VALUES (7)"
        ))
        .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name = 'victim'")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("tables");
        assert_eq!(tables, [name.as_str(), "victim"], "{name:?}");
        let column: String = conn
            .query_row(
                "SELECT name FROM pragma_table_info(?1)",
                [name.as_str()],
                |r| r.get(0),
            )
            .expect("column");
        assert_eq!(&column, name);
        let value: i64 = conn
            .query_row(&format!("SELECT {q} FROM {q}"), [], |r| r.get(0))
            .expect("value");
        assert_eq!(value, 7, "{name:?}");
    }
}
