//! notes: keeps notes in a SQLite file, whose schema is the ledger in
//! `ledger/` (its text form, reviewed in git). `make-bundle.sh` turns the
//! ledger into `schema.bundle`, which the binary embeds; at start-up the
//! program brings the database to the bundle's head, then does its work.
//!
//! ```text
//! notes DB [SQL ...]
//! ```
//!
//! After the start-up apply it runs each SQL statement given (how the
//! tests fill the tables), then prints the rows of `notes`. A database the
//! program cannot use (ahead of its ledger, another program's, drifted) is
//! refused with exit 1 and the reason on stderr, and nothing changes.

use std::process::ExitCode;

use strata_embed::rusqlite::{types::Value, Connection};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(db) = args.next() else {
        eprintln!("usage: notes DB [SQL ...]");
        return ExitCode::from(2);
    };
    match run(&db, args.collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("notes: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(db: &str, statements: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = Connection::open(db)?;
    // The start-up apply: the whole of it.
    let report = strata_embed::embed!("schema.bundle")?.apply(&mut conn)?;
    eprintln!("{report}");

    for sql in &statements {
        conn.execute_batch(sql)?;
    }
    let mut stmt = conn.prepare("SELECT * FROM notes ORDER BY id")?;
    let columns: Vec<String> = stmt.column_names().map(str::to_string).collect();
    println!("{}", columns.join("|"));
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let values = (0..columns.len())
            .map(|i| {
                Ok(match row.get::<_, Value>(i)? {
                    Value::Null => "NULL".to_string(),
                    Value::Integer(n) => n.to_string(),
                    Value::Real(x) => x.to_string(),
                    Value::Text(t) => t,
                    Value::Blob(b) => format!("<{} bytes>", b.len()),
                })
            })
            .collect::<Result<Vec<_>, strata_embed::rusqlite::Error>>()?;
        println!("{}", values.join("|"));
    }
    Ok(())
}
