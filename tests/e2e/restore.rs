//! Rollback brings the data back: applying a revert, or applying backwards,
//! restores what the archive kept when the drop was applied.

use crate::support::{rows, text, user_tables};
use crate::Env;

#[test]
fn the_seed_rolled_back_to_zero_and_redone_keeps_every_row() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    conn.execute_batch(
        "INSERT INTO users (id, name, email, created_at) VALUES
           (1, 'ada', 'ada@example.com', '2026-01-01'), (2, 'bob', NULL, '2026-02-02'),
           (5, 'cy', 'cy@example.com', '2026-03-03');",
    )
    .expect("insert");
    let before = rows(&conn, "SELECT rowid, * FROM users ORDER BY rowid");
    env.ok(&["revert", "--to", "0", "-m", "roll back"]);
    env.ok(&["apply", "--db", "app.db"]).says("archived");
    assert!(user_tables(&conn).is_empty());
    env.ok(&["revert", "head", "-m", "redo"]);
    env.ok(&["apply", "--db", "app.db"])
        .says("restored the rows of table users: 3 rows")
        .says("restored the values of users.created_at: 3 rows");
    assert_eq!(
        rows(&conn, "SELECT rowid, * FROM users ORDER BY rowid"),
        before
    );
    // Restored archives are gone; nothing else is.
    env.ok(&["status", "--db", "app.db"]).says("no drift");
    assert_eq!(
        env.json(&["archive", "list", "--db", "app.db"])
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

#[test]
fn a_dropped_column_of_100k_values_comes_back_exactly() {
    let env = Env::init();
    env.record(
        "items",
        "CREATE TABLE items (id integer PRIMARY KEY, label text, price real, blob blob)",
    );
    env.ok(&["apply", "--db", "app.db"]);
    let mut conn = env.db("app.db");
    let tx = conn.transaction().expect("tx");
    {
        let mut ins = tx
            .prepare("INSERT INTO items (id, label, price, blob) VALUES (?1, ?2, ?3, ?4)")
            .expect("prepare");
        for i in 0..100_000i64 {
            let label = (i % 7 != 0).then(|| format!("item {i} ünï'\""));
            let price = (i as f64) / 3.0;
            ins.execute(rusqlite::params![
                i * 3 + 1,
                label,
                price,
                vec![(i % 251) as u8; 3]
            ])
            .expect("insert");
        }
    }
    tx.commit().expect("commit");
    let before = rows(&conn, "SELECT rowid, * FROM items ORDER BY rowid");
    env.record("drop label", "ALTER TABLE items DROP COLUMN label");
    env.ok(&["apply", "--db", "app.db"])
        .says("archived column items.label: 100000 rows");
    env.ok(&["revert", "head", "-m", "bring label back"]);
    env.ok(&["apply", "--db", "app.db"])
        .says("restored the values of items.label: 100000 rows");
    assert_eq!(
        rows(&conn, "SELECT rowid, * FROM items ORDER BY rowid"),
        before
    );
    // And backwards apply does the same: forwards through the drop again,
    // then back to the point before it.
    env.ok(&["apply", "--db", "app.db", "--to", "2"]);
    env.ok(&["apply", "--db", "app.db", "--to", "1"])
        .says("restored the values of items.label: 100000 rows");
    assert_eq!(
        rows(&conn, "SELECT rowid, * FROM items ORDER BY rowid"),
        before
    );
    assert_eq!(rows(&conn, "PRAGMA integrity_check"), [[text("ok")]]);
}

#[test]
fn a_dropped_parent_comes_back_with_its_rows_and_references() {
    let env = Env::init();
    env.record(
        "shop",
        "CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL);
         CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer,
           CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE CASCADE);
         CREATE INDEX customers_name ON customers (name);",
    );
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         INSERT INTO customers VALUES (1, 'ada'), (2, 'bob');
         INSERT INTO orders VALUES (10, 1), (11, 1), (12, 2);",
    )
    .expect("insert");
    let customers = rows(&conn, "SELECT rowid, * FROM customers ORDER BY id");
    let orders = rows(&conn, "SELECT rowid, * FROM orders ORDER BY id");
    env.record(
        "drop customers",
        "ALTER TABLE orders DROP CONSTRAINT orders_customer; DROP INDEX customers_name; DROP TABLE customers;",
    );
    env.ok(&["apply", "--db", "app.db"]);
    // No cascade fired: the orders are all there.
    assert_eq!(
        rows(&conn, "SELECT rowid, * FROM orders ORDER BY id"),
        orders
    );
    env.ok(&["revert", "head", "-m", "bring customers back"]);
    env.ok(&["apply", "--db", "app.db"])
        .says("restored the rows of table customers: 2 rows");
    assert_eq!(
        rows(&conn, "SELECT rowid, * FROM customers ORDER BY id"),
        customers
    );
    assert_eq!(
        rows(&conn, "SELECT rowid, * FROM orders ORDER BY id"),
        orders
    );
    let fks = rows(
        &conn,
        "SELECT \"table\" FROM pragma_foreign_key_list('orders')",
    );
    assert_eq!(fks, [[text("customers")]]);
    assert!(rows(&conn, "PRAGMA foreign_key_check").is_empty());
    env.ok(&["status", "--db", "app.db"]).says("no drift");
}

#[test]
fn a_purged_archive_is_refused_by_default_and_the_shape_comes_back_without_data_on_request() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    env.db("app.db")
        .execute_batch("INSERT INTO users (id, name, email) VALUES (1, 'ada', 'a@x');")
        .expect("insert");
    env.record("drop email", "ALTER TABLE users DROP COLUMN email");
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["archive", "purge", "--db", "app.db", "--before", "head"])
        .says("removed 1 archive entry");
    env.fails(&["apply", "--db", "app.db", "--to", "2"], 1)
        .says("would come back without its data: the values of users.email (1 row")
        .says("--without-data");
    env.ok(&["status", "--db", "app.db"]).says("event 3");
    let run = env.ok(&["apply", "--db", "app.db", "--to", "2", "--without-data"]);
    assert!(
        run.stderr.contains(
            "warning: came back without its data (--without-data): the values of users.email"
        ),
        "{run:?}"
    );
    let conn = env.db("app.db");
    assert_eq!(
        rows(&conn, "SELECT email FROM users"),
        [[rusqlite::types::Value::Null]]
    );
    env.ok(&["status", "--db", "app.db"]).says("no drift");
}

#[test]
fn a_reverted_lossy_type_change_brings_the_original_values_back() {
    let env = Env::init();
    env.record(
        "measures",
        "CREATE TABLE measures (id integer PRIMARY KEY, reading text)",
    );
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    conn.execute_batch(
        "INSERT INTO measures VALUES (1, '007'), (2, '3.50'), (3, 'n/a'), (4, NULL), (5, '1e3');",
    )
    .expect("insert");
    let before = rows(
        &conn,
        "SELECT rowid, id, reading, typeof(reading) FROM measures ORDER BY id",
    );
    // text -> integer affinity converts '007' to 7, '3.50' to 3.5, '1e3' to 1000.
    env.record(
        "numeric readings",
        "ALTER TABLE measures ALTER COLUMN reading TYPE integer",
    );
    env.ok(&["apply", "--db", "app.db"])
        .says("archived the values of measures.reading before its type change: 5 rows");
    assert_ne!(
        rows(
            &conn,
            "SELECT rowid, id, reading, typeof(reading) FROM measures ORDER BY id"
        ),
        before
    );
    env.ok(&["revert", "head", "-m", "back to text"]);
    env.ok(&["apply", "--db", "app.db"])
        .says("restored the values of measures.reading: 5 rows");
    assert_eq!(
        rows(
            &conn,
            "SELECT rowid, id, reading, typeof(reading) FROM measures ORDER BY id"
        ),
        before
    );
}

#[test]
fn checkout_of_a_past_point_and_backwards_apply_agree() {
    let env = Env::init();
    env.seed();
    env.record(
        "more",
        "CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES users(id));
         CREATE INDEX orders_user ON orders (user_id);
         ALTER TABLE users RENAME COLUMN name TO full_name;
         ALTER TABLE users DROP COLUMN email;
         CREATE VIEW named AS SELECT id, full_name FROM users;",
    );
    env.ok(&["apply", "--db", "app.db"]);
    for point in ["2", "1", "0"] {
        env.ok(&["apply", "--db", "app.db", "--to", point]);
        let file = format!("at-{point}.db");
        env.ok(&["checkout", "--to", point, "--db", &file]);
        // SQLite's own DROP COLUMN rewrites the stored text with other
        // spacing: compare the schemas, read back.
        let schema =
            |f: &str| strata_sqlite::introspect::introspect(&env.db(f)).expect("introspect");
        assert_eq!(schema("app.db"), schema(&file), "point {point}");
        env.ok(&["status", "--db", "app.db"]).says("no drift");
    }
}

/// A NOT NULL column without a default can only come back through a table
/// rebuild, and its values must be there as the rows are copied: the
/// rebuild reads them from the archive.
#[test]
fn a_not_null_column_without_default_comes_back_with_its_values() {
    let env = Env::init();
    env.record(
        "items",
        "CREATE TABLE items (id integer PRIMARY KEY, label text, qty integer NOT NULL)",
    );
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    conn.execute_batch("INSERT INTO items VALUES (1, 'a', 10), (2, 'b', 20);")
        .expect("insert");
    let before = rows(&conn, "SELECT rowid, * FROM items ORDER BY id");
    env.record("drop qty", "ALTER TABLE items DROP COLUMN qty");
    env.ok(&["apply", "--db", "app.db"])
        .says("archived column items.qty: 2 rows");
    env.ok(&["revert", "head", "-m", "bring qty back"]);
    env.ok(&["apply", "--db", "app.db"])
        .says("restored the values of items.qty: 2 rows");
    assert_eq!(
        rows(&conn, "SELECT rowid, * FROM items ORDER BY id"),
        before
    );
    // Backwards and forwards again, through the undo's own archive.
    env.ok(&["apply", "--db", "app.db", "--to", "2"]);
    env.ok(&["apply", "--db", "app.db", "--to", "3"])
        .says("restored the values of items.qty: 2 rows");
    assert_eq!(
        rows(&conn, "SELECT rowid, * FROM items ORDER BY id"),
        before
    );
    env.ok(&["status", "--db", "app.db"]).says("no drift");
}
