//! Ctrl-C during an apply: the transaction stops at a safe point, rolls
//! back, and strata says so and where the database stands, exit 130. The
//! apply is paused at a failpoint inside its transaction (after the first
//! statement of a rebuild), sent SIGINT there, and let go once its handler
//! has said it was interrupted: no timing decides the outcome.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::types::Value;

use crate::support::{dump, rows};
use crate::Env;

/// Every table's rows, by name.
type Tables = Vec<(String, Vec<Vec<Value>>)>;

/// Everything in the database: every table's rows (strata's own too) and
/// the schema's SQL.
fn everything(conn: &rusqlite::Connection) -> (Tables, Vec<Vec<Value>>) {
    let mut tables = dump(conn);
    for own in ["_strata_state", "_strata_log"] {
        let q = format!("SELECT * FROM {own} ORDER BY rowid");
        tables.push((own.to_string(), rows(conn, &q)));
    }
    let schema = rows(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name",
    );
    (tables, schema)
}

#[test]
fn ctrl_c_during_an_apply_rolls_it_back_and_exits_130() {
    let env = Env::init();
    env.record(
        "items",
        "CREATE TABLE items (id integer primary key, sku text not null, note text); \
         CREATE INDEX items_sku ON items (sku);",
    );
    env.ok(&["apply", "--db", "app.db"]);
    let mut conn = env.db("app.db");
    let tx = conn.transaction().expect("begin");
    {
        let mut st = tx
            .prepare("INSERT INTO items (id, sku, note) VALUES (?1, ?2, ?3)")
            .expect("prepare");
        for i in 1..=50_000i64 {
            st.execute(rusqlite::params![
                i,
                format!("SKU-{i:06}"),
                format!("note {i}")
            ])
            .expect("insert");
        }
    }
    tx.commit().expect("commit");
    // A type change: the 12-step rebuild, every row copied.
    env.record(
        "retype note",
        "ALTER TABLE items ALTER COLUMN note TYPE varchar(40)",
    );
    let before = everything(&conn);

    let go = env.path().join("go");
    let mut apply = env
        .command(&["apply", "--db", "app.db"])
        .env(
            "STRATA_FAILPOINT",
            format!("apply:statement:1@wait={}", go.display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn strata");
    let waiting = env.path().join("go.waiting");
    let started = Instant::now();
    while !waiting.exists() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(waiting.exists(), "the apply never reached its pause point");
    let killed = Command::new("kill")
        .args(["-INT", &apply.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    // The handler says so at once; only then does the apply go on.
    let mut stderr = BufReader::new(apply.stderr.take().expect("stderr"));
    let mut first = String::new();
    stderr.read_line(&mut first).expect("read stderr");
    assert_eq!(
        first,
        "interrupted: stopping the apply and rolling it back\n"
    );
    std::fs::write(&go, "").expect("let it go");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("read stderr");
    let out = apply.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{first}{rest}");
    assert_eq!(
        rest,
        "error: interrupted: the transaction was rolled back, nothing changed: \
         app.db is at event 1 (the apply was taking it from event 1 to 2)\n\
         help: run the apply again to move it\n"
    );
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);

    let after = everything(&env.db("app.db"));
    assert!(after == before, "the database changed");
    // The next apply moves it, every row kept.
    env.ok(&["apply", "--db", "app.db"])
        .says("app.db is now at event 2");
    let count: i64 = env
        .db("app.db")
        .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
        .expect("count");
    assert_eq!(count, 50_000);
}
