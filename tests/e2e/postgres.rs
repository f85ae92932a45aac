//! The PostgreSQL target end to end: the real `strata` binary against a
//! real PostgreSQL server, a throwaway cluster each test starts itself
//! (`strata_postgres::cluster`). The scenarios of the SQLite target: the
//! seed scenario (apply, drop a column, revert with the data back, revert
//! to 0 and redo), checkout of every point, drift, baseline of an existing
//! database, two concurrent applies, a lock held by another transaction.

use std::collections::BTreeMap;

use strata_postgres::cluster::Cluster;
use strata_postgres::postgres::{Client, NoTls};

use crate::{Env, Run};

/// A cluster, a development database for record's proofs, and a ledger in
/// the PostgreSQL dialect.
struct Pg {
    env: Env,
    cluster: Cluster,
    dev: String,
}

impl Pg {
    fn new() -> Pg {
        let cluster = Cluster::start().expect("a PostgreSQL cluster");
        let dev = cluster.database("dev").expect("a development database");
        let pg = Pg {
            env: Env::new(),
            cluster,
            dev,
        };
        pg.ok(&["init", "--dialect", "postgres"]);
        pg
    }

    fn database(&self, hint: &str) -> String {
        self.cluster.database(hint).expect("a database")
    }

    fn run(&self, args: &[&str]) -> Run {
        let out = self
            .env
            .command(args)
            .env("STRATA_DEV_DB", &self.dev)
            .output()
            .expect("run strata");
        self.env.finish(args, out)
    }

    fn ok(&self, args: &[&str]) -> Run {
        self.run(args).success()
    }

    fn fails(&self, args: &[&str], code: i32) -> Run {
        self.run(args).failure(code)
    }

    fn record(&self, message: &str, sql: &str) -> Run {
        self.ok(&["record", "-m", message, "--sql", sql])
    }

    fn client(&self, url: &str) -> Client {
        Client::connect(url, NoTls).expect("connect")
    }
}

/// Every row of every user table, as text, by table (`schema.table` out of
/// `public`): what "the same rows" means here (every value, under its
/// column's name).
fn rows(client: &mut Client) -> BTreeMap<String, Vec<String>> {
    let tables: Vec<String> = client
        .query(
            "SELECT CASE WHEN n.nspname = 'public' THEN quote_ident(c.relname) \
             ELSE quote_ident(n.nspname) || '.' || quote_ident(c.relname) END \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT IN ('information_schema', 'strata') \
             AND c.relkind = 'r' ORDER BY 1",
            &[],
        )
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    tables
        .into_iter()
        .map(|t| {
            // Each row as a JSON object, keys sorted (jsonb): a column that
            // came back after the others compares by its name.
            let q = format!("SELECT to_jsonb(t)::text FROM {t} AS t ORDER BY 1");
            let rows = client
                .query(q.as_str(), &[])
                .expect("rows")
                .iter()
                .map(|r| r.get(0))
                .collect();
            (t, rows)
        })
        .collect()
}

/// The schema of the database at `url` as the server renders it.
fn server_schema(url: &str) -> strata_schema::Schema {
    let target = strata_postgres::Postgres::default();
    let db = strata_target::Target::open(&target, std::path::Path::new(url)).expect("open");
    db.server_schema().expect("the server's schema")
}

fn seq(pg: &Pg, url: &str) -> u64 {
    let out = pg.ok(&["--json", "status", "--db", url]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    v["seq"].as_u64().expect("seq")
}

const USERS: &str =
    "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, email varchar(100))";

#[test]
fn the_seed_scenario_keeps_every_row() {
    let pg = Pg::new();
    let db = pg.database("seed");
    pg.record("users", USERS);
    pg.ok(&["apply", "--db", &db]);
    let mut c = pg.client(&db);
    c.batch_execute(
        "INSERT INTO users VALUES (1, 'ada', 'ada@example.com'), (2, 'grace', NULL), (3, 'linus', 'l@example.com')",
    )
    .expect("rows");
    let before = rows(&mut c);

    pg.record("no email", "ALTER TABLE users DROP COLUMN email");
    pg.ok(&["apply", "--db", &db]);
    let columns: Vec<String> = c
        .query(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            &[],
        )
        .expect("columns")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(columns, ["id", "name"]);
    let listed = pg.ok(&["archive", "list", "--db", &db]);
    assert!(listed.stdout.contains("users.email"), "{}", listed.stdout);

    pg.ok(&["revert", "head", "-m", "email back"]);
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(rows(&mut c), before, "the email values are back");

    pg.ok(&["revert", "--to", "0", "-m", "nothing"]);
    pg.ok(&["apply", "--db", &db]);
    assert!(rows(&mut c).is_empty(), "no user table is left");

    pg.ok(&["revert", "head", "-m", "redo"]);
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(rows(&mut c), before, "every row is back");
    assert_eq!(seq(&pg, &db), 5);
    pg.ok(&["verify", "--db", &db]);

    // Backwards with apply --to, and forwards again, in one move each.
    pg.ok(&["apply", "--db", &db, "--to", "1"]);
    assert_eq!(rows(&mut c), before);
    pg.ok(&["apply", "--db", &db, "--to", "0"]);
    assert!(rows(&mut c).is_empty());
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(
        rows(&mut c),
        before,
        "one move from 0 to head brings every row back"
    );

    // What the database keeps, and its explicit removal: the move to 0
    // archived the users table's rows; the redo took them back.
    pg.ok(&["apply", "--db", &db, "--to", "2"]);
    let kept = pg.ok(&["--json", "archive", "list", "--db", &db]);
    let kept: serde_json::Value = serde_json::from_str(&kept.stdout).expect("json");
    assert_eq!(kept.as_array().map(Vec::len), Some(1), "{kept}");
    pg.ok(&["archive", "purge", "--db", &db, "--before", "head"]);
    let listed = pg.ok(&["archive", "list", "--db", &db]);
    assert!(!listed.stdout.contains("users.email"), "{}", listed.stdout);
    // Bringing the purged values back is refused, naming the loss.
    pg.fails(&["apply", "--db", &db, "--to", "3"], 1)
        .says("purged");
    pg.fails(&["apply", "--db", &db], 1).says("purged");
    pg.ok(&["apply", "--db", &db, "--without-data"]);
    let emails: i64 = c
        .query_one("SELECT count(email) FROM users", &[])
        .expect("count")
        .get(0);
    assert_eq!(emails, 0, "the purged values did not come back");
}

#[test]
fn a_column_dropped_from_the_middle_comes_back_with_its_values() {
    let pg = Pg::new();
    let db = pg.database("middle");
    pg.record("users", USERS);
    pg.ok(&["apply", "--db", &db]);
    let mut c = pg.client(&db);
    c.batch_execute("INSERT INTO users VALUES (1, 'ada', 'a@x'), (2, 'bob', NULL)")
        .expect("rows");
    pg.record("no name", "ALTER TABLE users DROP COLUMN name");
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["revert", "head", "-m", "name back"]);
    pg.ok(&["apply", "--db", &db]);
    // PostgreSQL puts the column back after the others; the values are
    // back, and the database stands at the ledger's schema.
    let back: Vec<(i32, String)> = c
        .query("SELECT id, name FROM users ORDER BY id", &[])
        .expect("rows")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(back, [(1, "ada".to_string()), (2, "bob".to_string())]);
    let status = pg.ok(&["--json", "status", "--db", &db]);
    let v: serde_json::Value = serde_json::from_str(&status.stdout).expect("json");
    assert!(v["drift"].as_array().expect("drift").is_empty(), "{v}");
    pg.ok(&["check", "--db", &db]);
}

#[test]
fn one_apply_gives_the_rows_that_moving_event_by_event_gives() {
    let pg = Pg::new();
    pg.record("users", USERS);
    pg.record(
        "orders",
        "CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES users (id), total numeric(10,2) CHECK (total >= 0))",
    );
    let stepwise = pg.database("stepwise");
    let grouped = pg.database("grouped");
    for db in [&stepwise, &grouped] {
        pg.ok(&["apply", "--db", db]);
        pg.client(db)
            .batch_execute(
                "INSERT INTO users VALUES (1, 'ada', 'a@x'), (2, 'bob', NULL); \
                 INSERT INTO orders VALUES (10, 1, 5.50), (11, 2, 0), (12, NULL, 7)",
            )
            .expect("rows");
    }
    let start = rows(&mut pg.client(&stepwise));
    pg.record("drop email", "ALTER TABLE users DROP COLUMN email");
    pg.record("drop orders", "DROP TABLE orders");
    pg.record(
        "rename",
        "ALTER TABLE users RENAME COLUMN name TO full_name",
    );
    pg.record("index", "CREATE INDEX users_full_name ON users (full_name)");
    let head = 6;
    for to in 3..=head {
        pg.ok(&["apply", "--db", &stepwise, "--to", &to.to_string()]);
    }
    pg.ok(&["apply", "--db", &grouped]);
    assert_eq!(
        rows(&mut pg.client(&stepwise)),
        rows(&mut pg.client(&grouped))
    );
    // Back to 2 in one move on one, event by event on the other: every row
    // comes back, in its place, on both.
    for to in (2..head).rev() {
        pg.ok(&["apply", "--db", &stepwise, "--to", &to.to_string()]);
    }
    pg.ok(&["apply", "--db", &grouped, "--to", "2"]);
    assert_eq!(rows(&mut pg.client(&stepwise)), start);
    assert_eq!(rows(&mut pg.client(&grouped)), start);
}

#[test]
fn checkout_builds_every_point_and_status_says_where() {
    let pg = Pg::new();
    pg.record("users", USERS);
    pg.record(
        "index",
        "CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE email IS NOT NULL",
    );
    pg.record(
        "view",
        "CREATE VIEW named AS SELECT id, name FROM users WHERE name <> ''",
    );
    pg.record(
        "default",
        "ALTER TABLE users ALTER COLUMN name SET DEFAULT 'nobody'",
    );
    for point in 0..=4u64 {
        let db = pg.database(&format!("at{point}"));
        pg.ok(&["checkout", "--to", &point.to_string(), "--db", &db]);
        let status = pg.ok(&["--json", "status", "--db", &db]);
        let v: serde_json::Value = serde_json::from_str(&status.stdout).expect("json");
        assert_eq!(v["seq"].as_u64(), Some(point), "{v}");
        assert!(v["drift"].as_array().expect("drift").is_empty(), "{v}");
        // `check` says behind (exit 5) until head, then 0.
        let check = pg.run(&["check", "--db", &db]);
        assert_eq!(check.code, if point == 4 { 0 } else { 5 }, "{check:?}");
    }
    // Never into a database that holds something.
    let used = pg.database("used");
    pg.client(&used)
        .batch_execute("CREATE TABLE mine (x integer)")
        .expect("table");
    pg.fails(&["checkout", "--to", "1", "--db", &used], 1)
        .says("not empty");
}

#[test]
fn drift_is_exit_4_and_apply_refuses_it() {
    let pg = Pg::new();
    let db = pg.database("drift");
    pg.record("users", USERS);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    pg.client(&db)
        .batch_execute("ALTER TABLE users ADD COLUMN nickname text")
        .expect("drift");
    pg.fails(&["status", "--db", &db], 4).says("nickname");
    pg.record("more", "CREATE TABLE more (id integer)");
    pg.fails(&["apply", "--db", &db], 4);
    let mut c = pg.client(&db);
    assert!(!rows(&mut c).contains_key("more"), "nothing was applied");
}

#[test]
fn a_database_of_the_other_kind_is_refused() {
    let pg = Pg::new();
    pg.record("users", USERS);
    pg.fails(&["apply", "--db", "app.db"], 1)
        .says("not a postgresql:// URL");
    let sqlite = Env::init();
    let db = pg.database("other");
    sqlite.record("t", "CREATE TABLE t (x)");
    sqlite
        .fails(&["apply", "--db", &db], 1)
        .says("is a PostgreSQL database");
}

#[test]
fn baseline_adopts_an_existing_database() {
    let pg = Pg::new();
    let db = pg.database("existing");
    let mut c = pg.client(&db);
    c.batch_execute(
        "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL); \
         CREATE INDEX users_name ON users (name); \
         INSERT INTO users VALUES (1, 'ada')",
    )
    .expect("an existing schema");
    pg.ok(&["baseline", "--db", &db, "-m", "adopt"]);
    pg.ok(&["status", "--db", &db]);
    pg.record("email", "ALTER TABLE users ADD COLUMN email text");
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["apply", "--db", &db, "--to", "1"]);
    pg.ok(&["status", "--db", &db]);
    assert_eq!(rows(&mut c)["users"], [r#"{"id": 1, "name": "ada"}"#]);
}

#[test]
fn two_applies_at_once_move_the_database_once() {
    let pg = Pg::new();
    let db = pg.database("race");
    pg.record("users", USERS);
    pg.record("orders", "CREATE TABLE orders (id integer PRIMARY KEY)");
    let spawn = || {
        pg.env
            .command(&["apply", "--db", &db])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let a = a.wait_with_output().expect("wait");
    let b = b.wait_with_output().expect("wait");
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    assert_eq!(seq(&pg, &db), 2);
    let logged: i64 = pg
        .client(&db)
        .query_one("SELECT count(*) FROM strata.log", &[])
        .expect("log")
        .get(0);
    assert_eq!(logged, 1, "one of the two applied, the other found it done");
}

#[test]
fn an_apply_behind_a_held_lock_gives_up_and_changes_nothing() {
    let pg = Pg::new();
    let db = pg.database("locked");
    pg.record("users", USERS);
    pg.ok(&["apply", "--db", &db]);
    pg.record("email", "ALTER TABLE users DROP COLUMN email");
    let mut holder = pg.client(&db);
    let mut tx = holder.transaction().expect("begin");
    tx.batch_execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .expect("lock");
    let started = std::time::Instant::now();
    pg.fails(&["--lock-timeout", "1", "apply", "--db", &db], 1)
        .says("lock");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    tx.rollback().expect("rollback");
    assert_eq!(seq(&pg, &db), 1, "nothing was applied");
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(seq(&pg, &db), 2);
}

/// Chinook's PostgreSQL script after its `\c chinook;`: the schema (up to
/// the first INSERT) and the rows.
fn chinook() -> (String, String) {
    let script = include_str!("../corpus/postgres/chinook/Chinook_PostgreSql.sql");
    let (_, rest) = script
        .split_once("\\c chinook;")
        .expect("the script's \\c line");
    let at = rest.find("\nINSERT INTO").expect("the first INSERT");
    (rest[..at].to_string(), rest[at..].to_string())
}

/// A checksum of every table's rows in order, by table: "every row
/// equal", without keeping the rows.
fn checksums(client: &mut Client) -> BTreeMap<String, String> {
    rows(client)
        .into_iter()
        .map(|(t, rows)| {
            (
                t,
                format!("{:016x} ({} rows)", digest(&rows.join("\n")), rows.len()),
            )
        })
        .collect()
}

/// The rows' text hashed by the standard library's SipHash: stable within
/// a process, which is all a comparison within one test needs.
fn digest(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

#[test]
fn chinook_adopted_changed_reverted_and_redone_keeps_every_row() {
    let pg = Pg::new();
    let db = pg.database("chinook");
    let (schema, data) = chinook();
    let mut c = pg.client(&db);
    c.batch_execute(&schema).expect("chinook's schema");
    c.batch_execute(&data).expect("chinook's rows");
    let loaded = checksums(&mut c);
    assert_eq!(loaded.len(), 11);

    pg.ok(&["baseline", "--db", &db, "-m", "chinook as found"]);
    pg.ok(&["status", "--db", &db]);
    pg.record(
        "no fax",
        "ALTER TABLE customer DROP COLUMN fax; ALTER TABLE employee DROP COLUMN fax",
    );
    pg.record(
        "no playlists",
        "DROP TABLE playlist_track; DROP TABLE playlist",
    );
    pg.record(
        "ratings",
        "ALTER TABLE track ADD COLUMN rating integer CHECK (rating BETWEEN 1 AND 5)",
    );
    pg.record("renamed", "ALTER TABLE invoice_line RENAME TO invoice_item");
    pg.ok(&["apply", "--db", &db]);
    let changed = checksums(&mut c);
    assert!(!changed.contains_key("playlist"));

    pg.ok(&["revert", "--to", "1", "-m", "back to chinook as found"]);
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(
        checksums(&mut c),
        loaded,
        "every row of every table is back"
    );
    pg.ok(&["status", "--db", &db]);

    pg.ok(&["revert", "head", "-m", "redo"]);
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(
        checksums(&mut c),
        changed,
        "the redo gives the changed rows again"
    );

    // Back to the baseline in one move, and forwards again.
    pg.ok(&["apply", "--db", &db, "--to", "1"]);
    assert_eq!(checksums(&mut c), loaded);
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(checksums(&mut c), changed);
    pg.ok(&["verify", "--db", &db]);
}

#[test]
fn chinook_declared_from_nothing_is_what_a_fresh_load_makes() {
    let pg = Pg::new();
    let (schema, data) = chinook();
    let file = pg.env.file("chinook.sql", &schema);
    pg.ok(&["record", "-m", "chinook", file.to_str().expect("utf-8")]);
    let built = pg.database("built");
    pg.ok(&["apply", "--db", &built]);
    let fresh = pg.database("fresh");
    pg.client(&fresh)
        .batch_execute(&schema)
        .expect("a fresh load");
    assert_eq!(
        server_schema(&built),
        server_schema(&fresh),
        "the same catalog, as the server renders it"
    );
    // And the rows go in the same way.
    pg.client(&built).batch_execute(&data).expect("rows");
    pg.client(&fresh).batch_execute(&data).expect("rows");
    assert_eq!(
        checksums(&mut pg.client(&built)),
        checksums(&mut pg.client(&fresh))
    );
}

#[test]
fn an_apply_stopped_dead_at_any_step_leaves_nothing_half_done() {
    let pg = Pg::new();
    let db = pg.database("crash");
    pg.record("users", USERS);
    pg.record(
        "orders",
        "CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES users (id), total numeric(10,2))",
    );
    pg.ok(&["apply", "--db", &db]);
    let mut c = pg.client(&db);
    c.batch_execute(
        "INSERT INTO users SELECT g, 'user ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE g || '@x' END FROM generate_series(1, 2000) g; \
         INSERT INTO orders SELECT g, 1 + g % 2000, g / 7.0 FROM generate_series(1, 5000) g",
    )
    .expect("rows");
    let before = checksums(&mut c);
    pg.record(
        "reshape",
        "ALTER TABLE users DROP COLUMN email; DROP TABLE orders; \
         ALTER TABLE users ADD COLUMN score integer NOT NULL DEFAULT 0; CREATE INDEX users_score ON users (score)",
    );
    let mut crashed = 0;
    let points = (0..40).map(|n| format!("apply:statement:{n}")).chain([
        "apply:before-commit".to_string(),
        "apply:after-commit".to_string(),
    ]);
    let archives = |c: &mut Client| -> i64 {
        c.query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'strata' AND c.relname ~ '^archive_[0-9]+$'",
            &[],
        )
        .expect("archives")
        .get(0)
    };
    for point in points {
        let kept = archives(&mut c);
        let out = pg
            .env
            .command(&["apply", "--db", &db])
            .env("STRATA_FAILPOINT", &point)
            .output()
            .expect("run strata");
        let died = out.status.code().is_none();
        if !died {
            // Past the plan's last statement: the apply went through.
            assert!(
                out.status.success(),
                "{point}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(seq(&pg, &db), 3, "{point}");
        } else {
            crashed += 1;
            // Nothing half-done: at the old point with every row, or (after
            // the commit) at the new one.
            let at = seq(&pg, &db);
            let expected = if point == "apply:after-commit" { 3 } else { 2 };
            assert_eq!(at, expected, "{point}");
            if at == 2 {
                assert_eq!(checksums(&mut c), before, "{point}: every row as it was");
                assert_eq!(
                    archives(&mut c),
                    kept,
                    "{point}: no archive was made or lost"
                );
                pg.ok(&["apply", "--db", &db]);
            }
        }
        pg.ok(&["status", "--db", &db]);
        // Back to the old point: every row comes back from the archives.
        pg.ok(&["apply", "--db", &db, "--to", "2"]);
        assert_eq!(checksums(&mut c), before, "{point}: back with every row");
    }
    assert!(crashed >= 8, "only {crashed} failpoints were hit");
}

#[test]
fn a_lossy_type_change_undone_brings_the_values_back() {
    let pg = Pg::new();
    let db = pg.database("lossy");
    pg.record(
        "prices",
        "CREATE TABLE prices (id integer PRIMARY KEY, amount numeric(10,2) NOT NULL, note text)",
    );
    pg.ok(&["apply", "--db", &db]);
    let mut c = pg.client(&db);
    c.batch_execute("INSERT INTO prices VALUES (1, 10.25, 'a'), (2, 3.50, NULL), (3, 7.00, 'c')")
        .expect("rows");
    let before = checksums(&mut c);
    pg.record(
        "whole",
        "ALTER TABLE prices ALTER COLUMN amount TYPE integer",
    );
    let applied = pg.ok(&["apply", "--db", &db]);
    assert!(
        applied.stdout.contains("before its type change"),
        "{}",
        applied.stdout
    );
    let amounts: Vec<i32> = c
        .query("SELECT amount FROM prices ORDER BY id", &[])
        .expect("rows")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(amounts, [10, 4, 7], "PostgreSQL rounds");
    // A row changed since keeps its new value; the others get theirs back.
    c.batch_execute("UPDATE prices SET amount = 99 WHERE id = 3")
        .expect("update");
    pg.ok(&["revert", "head", "-m", "cents back"]);
    pg.ok(&["apply", "--db", &db]);
    let back: Vec<String> = c
        .query("SELECT amount::text FROM prices ORDER BY id", &[])
        .expect("rows")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(back, ["10.25", "3.50", "99.00"]);
    // A shorter text type never cuts a value: the apply fails, and nothing
    // is changed.
    pg.record(
        "short notes",
        "ALTER TABLE prices ALTER COLUMN note TYPE varchar(3)",
    );
    c.batch_execute("UPDATE prices SET note = 'longer than nothing' WHERE id = 1")
        .expect("update");
    pg.fails(&["apply", "--db", &db], 1).says("too long");
    assert_eq!(seq(&pg, &db), 3);
    // One apply back to event 1 from a fresh copy gives the values too.
    let other = pg.database("lossy_again");
    pg.ok(&["apply", "--db", &other, "--to", "1"]);
    let mut o = pg.client(&other);
    o.batch_execute("INSERT INTO prices VALUES (1, 10.25, 'a'), (2, 3.50, NULL), (3, 7.00, 'c')")
        .expect("rows");
    pg.ok(&["apply", "--db", &other, "--to", "2"]);
    pg.ok(&["apply", "--db", &other, "--to", "1"]);
    assert_eq!(checksums(&mut o), before);
}

#[test]
fn a_desired_schema_becomes_the_ops_that_reach_it() {
    let pg = Pg::new();
    pg.record("users", USERS);
    let desired = pg.env.file(
        "desired.sql",
        "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email varchar(100), age int);\n\
         CREATE INDEX users_age ON users (age);\n",
    );
    let desired = desired.to_str().expect("utf-8");
    // Only what differs: PostgreSQL's `integer` for `int` is no change.
    let planned = pg.ok(&["--json", "plan", "--desired", desired]);
    let v: serde_json::Value = serde_json::from_str(&planned.stdout).expect("json");
    let kinds: Vec<&str> = v["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .filter_map(|op| op.as_object()?.keys().next().map(String::as_str))
        .collect();
    assert_eq!(kinds, ["add_column", "create_index"], "{v}");
    pg.ok(&["record", "-m", "age", "--desired", desired]);
    let db = pg.database("declared");
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["check", "--db", &db]);
    // Nothing more to do once head is the desired schema.
    let again = pg.ok(&["record", "-m", "again", "--desired", desired]);
    assert!(
        again.stdout.contains("nothing to record"),
        "{}",
        again.stdout
    );
    // And a database's schema can be the desired one.
    let other = pg.database("other");
    pg.client(&other)
        .batch_execute(
            "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, email varchar(100), age integer, nick text)",
        )
        .expect("a schema");
    let planned = pg.ok(&["plan", "--from-db", &other]);
    assert!(planned.stdout.contains("nick"), "{}", planned.stdout);
    assert!(planned.stdout.contains("users_age"), "{}", planned.stdout);
}

#[test]
fn chinook_declared_with_a_desired_schema_is_what_a_fresh_load_makes() {
    let pg = Pg::new();
    let (schema, _) = chinook();
    let file = pg.env.file("chinook.sql", &schema);
    pg.ok(&[
        "record",
        "-m",
        "chinook",
        "--desired",
        file.to_str().expect("utf-8"),
    ]);
    let built = pg.database("built");
    pg.ok(&["apply", "--db", &built]);
    let fresh = pg.database("fresh");
    pg.client(&fresh)
        .batch_execute(&schema)
        .expect("a fresh load");
    assert_eq!(server_schema(&built), server_schema(&fresh));
}

#[test]
fn a_password_in_the_url_is_never_printed() {
    let pg = Pg::new();
    let db = pg.database("secret");
    // The test cluster trusts local connections: any password connects.
    let with_password = db.replacen("postgres@", "postgres:hunter2@", 1);
    pg.record("users", USERS);
    for args in [
        vec!["apply", "--db", with_password.as_str()],
        vec!["status", "--db", with_password.as_str()],
        vec!["--json", "status", "--db", with_password.as_str()],
        vec!["archive", "list", "--db", with_password.as_str()],
        vec!["verify", "--db", with_password.as_str()],
    ] {
        let run = pg.ok(&args);
        assert!(!run.stdout.contains("hunter2"), "{args:?}: {}", run.stdout);
        assert!(!run.stderr.contains("hunter2"), "{args:?}: {}", run.stderr);
    }
    let refused = pg.fails(
        &[
            "apply",
            "--db",
            &with_password.replace("/secret_", "/nothing_"),
        ],
        1,
    );
    assert!(!refused.stderr.contains("hunter2"), "{}", refused.stderr);
}

#[test]
fn a_database_that_cannot_be_reached_is_one_clear_line() {
    let pg = Pg::new();
    pg.record("users", USERS);
    let missing = pg.database("here").replace("/here_", "/missing_");
    pg.fails(&["apply", "--db", &missing], 1)
        .says("does not exist");
    pg.fails(&["status", "--db", "postgresql://me@/app?sslmode=bogus"], 1)
        .says("not a PostgreSQL URL strata can read");
    pg.fails(
        &[
            "status",
            "--db",
            "postgresql://me@/app?host=/no/such/folder&port=1",
        ],
        1,
    )
    .says("cannot connect");
}

#[test]
fn import_sql_records_a_folder_of_postgresql_migrations() {
    let pg = Pg::new();
    let dir = pg.env.path().join("migrations");
    std::fs::create_dir_all(&dir).expect("folder");
    std::fs::write(
        dir.join("V1__users.sql"),
        "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);\n\
         INSERT INTO users VALUES (1, 'ada');\n",
    )
    .expect("V1");
    std::fs::write(
        dir.join("U1__users.sql"),
        "DELETE FROM users WHERE id = 1;\nDROP TABLE users;\n",
    )
    .expect("U1");
    std::fs::write(
        dir.join("V2__email.sql"),
        "ALTER TABLE users ADD COLUMN email varchar(100) UNIQUE;\n",
    )
    .expect("V2");
    let out = pg.ok(&["import-sql", dir.to_str().expect("utf-8")]);
    assert!(out.stdout.contains("recorded event 2"), "{}", out.stdout);
    // PostgreSQL's words, and the name PostgreSQL gives the unique.
    let show = pg.ok(&["show", "2"]);
    assert!(show.stdout.contains("users_email_key"), "{}", show.stdout);
    let db = pg.database("app");
    pg.ok(&["apply", "--db", &db]);
    let mut c = pg.client(&db);
    let n: i64 = c
        .query_one("SELECT count(*) FROM users", &[])
        .expect("count")
        .get(0);
    assert_eq!(n, 1);
    pg.ok(&["status", "--db", &db]);
    // A second run records nothing new; a file PostgreSQL cannot run is
    // refused before anything is appended, with its file and line.
    pg.ok(&["import-sql", dir.to_str().expect("utf-8")]);
    std::fs::write(
        dir.join("V3__bad.sql"),
        "ALTER TABLE users ADD COLUMN age integer;\nALTER TABLE users ALTER COLUMN age TYPE nosuchtype;\n",
    )
    .expect("V3");
    let bad = pg.fails(&["import-sql", dir.to_str().expect("utf-8")], 1);
    assert!(bad.stderr.contains("V3__bad.sql"), "{}", bad.stderr);
    assert_eq!(pg.env.events().len(), 2);
}

#[test]
fn rename_annotations_in_a_desired_schema_keep_the_rows() {
    let pg = Pg::new();
    pg.record("users", USERS);
    let db = pg.database("app");
    pg.ok(&["apply", "--db", &db]);
    pg.client(&db)
        .batch_execute("INSERT INTO users VALUES (1, 'ada', 'ada@example.com')")
        .expect("a row");
    // A table and a column renamed by annotation, names resolved as
    // PostgreSQL resolves them (`Members` is `members`). PostgreSQL keeps
    // a renamed table's key under its old name, so the file says it.
    let desired = pg.env.file(
        "desired.sql",
        "CREATE TABLE Members ( -- @renamed from=users\n  \
           id integer CONSTRAINT users_pkey PRIMARY KEY,\n  \
           full_name text NOT NULL, -- @renamed from=name\n  \
           email varchar(100)\n);\n",
    );
    let desired = desired.to_str().expect("utf-8");
    let planned = pg.ok(&["--json", "plan", "--desired", desired]);
    let v: serde_json::Value = serde_json::from_str(&planned.stdout).expect("json");
    let kinds: Vec<&str> = v["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .filter_map(|op| op.as_object()?.keys().next().map(String::as_str))
        .collect();
    assert_eq!(kinds, ["rename_table", "rename_column"], "{v}");
    pg.ok(&["record", "-m", "members", "--desired", desired]);
    pg.ok(&["apply", "--db", &db]);
    let row = pg
        .client(&db)
        .query_one("SELECT full_name FROM members WHERE id = 1", &[])
        .expect("the row kept its value");
    assert_eq!(row.get::<_, String>(0), "ada");
    // An annotation that renames nothing is refused, with its line.
    let bad = pg.env.file(
        "bad.sql",
        "CREATE TABLE members (id integer PRIMARY KEY);\nCREATE VIEW v -- @renamed from=w\nAS SELECT 1;\n",
    );
    let out = pg.fails(&["plan", "--desired", bad.to_str().expect("utf-8")], 1);
    assert!(out.stderr.contains("line 2"), "{}", out.stderr);
}

/// A script as pg_dump writes it: session settings, owners, tables with
/// identity columns, keys added by ALTER TABLE ONLY, a gist index, and one
/// trigger name on two tables.
const DUMPED: &str = "SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SELECT pg_catalog.set_config('search_path', '', false);
SET default_tablespace = '';
CREATE TABLE public.actor (
    actor_id integer GENERATED ALWAYS AS IDENTITY,
    name text NOT NULL
);
ALTER TABLE public.actor OWNER TO postgres;
CREATE TABLE public.film (
    film_id integer GENERATED BY DEFAULT AS IDENTITY,
    title text NOT NULL,
    fulltext tsvector
);
ALTER TABLE public.film OWNER TO postgres;
ALTER TABLE ONLY public.actor
    ADD CONSTRAINT actor_pkey PRIMARY KEY (actor_id);
ALTER TABLE ONLY public.film
    ADD CONSTRAINT film_pkey PRIMARY KEY (film_id);
CREATE INDEX film_fulltext_idx ON public.film USING gist (fulltext);
CREATE INDEX film_title_idx ON public.film USING btree (title) INCLUDE (film_id);
CREATE TRIGGER last_updated BEFORE UPDATE ON public.actor FOR EACH ROW EXECUTE FUNCTION util.touch();
CREATE TRIGGER last_updated BEFORE UPDATE ON public.film FOR EACH ROW EXECUTE FUNCTION util.touch();
";

#[test]
fn a_dumped_schema_with_identities_keys_and_triggers_round_trips() {
    let pg = Pg::new();
    let db = pg.database("dumped");
    for url in [&pg.dev, &db] {
        pg.client(url)
            .batch_execute(
                "CREATE SCHEMA util; CREATE FUNCTION util.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            )
            .expect("the trigger function");
    }
    // The trigger function lives outside schema public, made by hand
    // above; the script is the rest.
    let script = DUMPED;
    pg.record("dumped", script);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["check", "--db", &db]);
    let mut c = pg.client(&db);
    c.batch_execute(
        "INSERT INTO actor (name) VALUES ('ann'), ('bob'); \
         INSERT INTO film (title) VALUES ('x'); INSERT INTO film (film_id, title) VALUES (30, 'y')",
    )
    .expect("rows");
    let before = rows(&mut c);

    pg.record("gone", "DROP TABLE actor; DROP TABLE film");
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["revert", "head", "-m", "back"]);
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(rows(&mut c), before, "every row is back");
    pg.ok(&["check", "--db", &db]);
    // The identities' sequences stand past the rows that came back.
    c.batch_execute(
        "INSERT INTO actor (name) VALUES ('cy'); INSERT INTO film (title) VALUES ('z')",
    )
    .expect("inserts after the restore do not collide");
    let ids: Vec<i32> = c
        .query(
            "SELECT max(actor_id) FROM actor UNION ALL SELECT max(film_id) FROM film",
            &[],
        )
        .expect("ids")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, [3, 31]);

    // Drift: a trigger dropped by hand.
    c.batch_execute("DROP TRIGGER last_updated ON film")
        .expect("by hand");
    pg.fails(&["check", "--db", &db], 4);
}

#[test]
fn a_dumped_file_is_a_desired_schema() {
    let pg = Pg::new();
    // pg_dump's search_path and `public.` names land in the scratch
    // schema; the file without its triggers (their function is not kept).
    let script: String = DUMPED
        .lines()
        .filter(|l| !l.starts_with("CREATE TRIGGER"))
        .map(|l| format!("{l}\n"))
        .collect();
    let desired = pg.env.file("dumped.sql", &script);
    let desired = desired.to_str().expect("utf-8");
    pg.ok(&["record", "-m", "dumped", "--desired", desired]);
    let db = pg.database("declared");
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["check", "--db", &db]);
    let fresh = pg.database("fresh");
    pg.client(&fresh)
        .batch_execute(&script)
        .expect("a fresh load");
    assert_eq!(server_schema(&db), server_schema(&fresh));
    let again = pg.ok(&["record", "-m", "again", "--desired", desired]);
    assert!(
        again.stdout.contains("nothing to record"),
        "{}",
        again.stdout
    );
}

/// A Pagila-like `payment`, partitioned by range on its date, as pg_dump
/// writes one: two partitions made `PARTITION OF` it, one made plain and
/// attached.
const PAYMENT: &str = "
CREATE TABLE customer (id integer PRIMARY KEY);
CREATE TABLE payment (
    payment_id integer NOT NULL,
    customer_id integer NOT NULL REFERENCES customer (id),
    amount numeric(5,2) NOT NULL,
    payment_date timestamp with time zone NOT NULL,
    PRIMARY KEY (payment_date, payment_id)
)
PARTITION BY RANGE (payment_date);
CREATE TABLE payment_p2022_01 PARTITION OF payment
    FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');
CREATE TABLE payment_p2022_02 PARTITION OF payment
    FOR VALUES FROM ('2022-02-01') TO ('2022-03-01');
CREATE TABLE public.payment_p2022_03 (
    payment_id integer NOT NULL,
    customer_id integer NOT NULL,
    amount numeric(5,2) NOT NULL,
    payment_date timestamp with time zone NOT NULL
);
ALTER TABLE ONLY public.payment ATTACH PARTITION public.payment_p2022_03
    FOR VALUES FROM ('2022-03-01') TO ('2022-04-01');
CREATE INDEX idx_fk_payment_p2022_01_customer_id ON public.payment_p2022_01 USING btree (customer_id);
";

#[test]
fn a_partitioned_table_is_recorded_applied_dropped_and_brought_back() {
    let pg = Pg::new();
    let db = pg.database("parts");
    pg.record("payment", PAYMENT);
    pg.ok(&["apply", "--db", &db]);
    let mut c = pg.client(&db);
    c.batch_execute(
        "SET TIME ZONE 'UTC';
         INSERT INTO customer VALUES (1), (2);
         INSERT INTO payment SELECT g, 1 + g % 2, g / 3.0,
             timestamptz '2022-01-01 00:00:00+00' + g * interval '1 day'
             FROM generate_series(1, 85) g;",
    )
    .expect("rows");
    let before = rows(&mut c);
    assert_eq!(before["payment_p2022_03"].len(), 27);
    pg.ok(&["status", "--db", &db]);

    // A partition detached by hand is drift.
    c.batch_execute("ALTER TABLE payment DETACH PARTITION payment_p2022_02")
        .expect("detach");
    pg.fails(&["status", "--db", &db], 4)
        .says("payment_p2022_02");
    c.batch_execute(
        "ALTER TABLE payment ATTACH PARTITION payment_p2022_02 FOR VALUES FROM ('2022-02-01') TO ('2022-03-01')",
    )
    .expect("attach");
    pg.ok(&["status", "--db", &db]);

    pg.record("note", "ALTER TABLE payment ADD COLUMN note text");
    pg.record(
        "detach",
        "ALTER TABLE payment DETACH PARTITION payment_p2022_03",
    );
    pg.record(
        "attach",
        "ALTER TABLE payment ATTACH PARTITION payment_p2022_03 FOR VALUES FROM ('2022-03-01') TO ('2022-05-01')",
    );
    pg.record("drop a partition", "DROP TABLE payment_p2022_01");
    pg.ok(&["apply", "--db", &db]);
    assert!(!rows(&mut c).contains_key("payment_p2022_01"));
    pg.ok(&["status", "--db", &db]);
    pg.ok(&["revert", "head", "-m", "the partition back"]);
    pg.record("drop payment", "DROP TABLE payment");
    pg.ok(&["apply", "--db", &db]);
    assert!(!rows(&mut c).contains_key("payment_p2022_02"));
    pg.ok(&["revert", "head", "-m", "payment back"]);
    pg.ok(&["revert", "2", "-m", "no note"]);
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(rows(&mut c), before, "every row is back in its partition");
    let head = seq(&pg, &db);
    assert_eq!(head, 9);
    for point in 0..=head {
        let at = pg.database(&format!("parts{point}"));
        pg.ok(&["checkout", "--to", &point.to_string(), "--db", &at]);
        let status = pg.ok(&["--json", "status", "--db", &at]);
        let v: serde_json::Value = serde_json::from_str(&status.stdout).expect("json");
        assert!(v["drift"].as_array().expect("drift").is_empty(), "{v}");
        pg.ok(&["apply", "--db", &db, "--to", &point.to_string()]);
        pg.ok(&["status", "--db", &db]);
    }
    assert_eq!(rows(&mut c), before, "the rows at head, after every point");
}

/// A desired schema's ops come in the order of the tables' names: a
/// partition named before its parent is made before it, and dropped after.
#[test]
fn a_desired_schema_with_partitions_is_reached_and_left() {
    let pg = Pg::new();
    let first = pg.env.file(
        "first.sql",
        "CREATE TABLE payment (id integer NOT NULL, d date NOT NULL, PRIMARY KEY (d, id)) PARTITION BY RANGE (d);\n\
         CREATE TABLE payment_a PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');\n\
         CREATE TABLE a_payment PARTITION OF payment FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');\n\
         CREATE TABLE stamped (id integer, at timestamptz) PARTITION BY RANGE (at);\n\
         CREATE TABLE stamped_1 PARTITION OF stamped FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');\n",
    );
    let second = pg.env.file(
        "second.sql",
        "CREATE TABLE payment (id integer NOT NULL, d date NOT NULL, note text, PRIMARY KEY (d, id)) PARTITION BY RANGE (d);\n\
         CREATE TABLE payment_a PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');\n\
         CREATE TABLE payment_b PARTITION OF payment DEFAULT;\n\
         CREATE TABLE a_payment PARTITION OF payment FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');\n",
    );
    let nothing = pg.env.file("nothing.sql", "");
    let db = pg.database("declared");
    for (n, file) in [&first, &second, &nothing].into_iter().enumerate() {
        pg.ok(&[
            "record",
            "-m",
            &format!("step {n}"),
            "--desired",
            file.to_str().expect("utf-8"),
        ]);
        pg.ok(&["apply", "--db", &db]);
        pg.ok(&["status", "--db", &db]);
        let again = pg.ok(&[
            "record",
            "-m",
            "again",
            "--desired",
            file.to_str().expect("utf-8"),
        ]);
        assert!(
            again.stdout.contains("nothing to record"),
            "{}",
            again.stdout
        );
        if n == 0 {
            pg.client(&db)
                .batch_execute("INSERT INTO payment VALUES (1, '2021-06-01'), (2, '2022-01-02')")
                .expect("rows");
        }
    }
    // Back to the first point: every row is back, each in its partition.
    pg.ok(&["apply", "--db", &db, "--to", "1"]);
    let mut c = pg.client(&db);
    let all = rows(&mut c);
    assert_eq!(all["a_payment"].len(), 1);
    assert_eq!(all["payment_a"].len(), 1);
}
/// Definitions kept whole, through the binary: an enum, a domain, a
/// function and the trigger that runs it, a serial column, a materialized
/// view, comments.
const DEFINITIONS: &str = "
CREATE TYPE mpaa_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17');
CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);
CREATE FUNCTION last_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.last_update = CURRENT_TIMESTAMP;
    RETURN NEW;
END $$;
CREATE TABLE film (
    film_id serial PRIMARY KEY,
    title text NOT NULL,
    release_year year,
    rating mpaa_rating DEFAULT 'G',
    last_update timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TRIGGER last_updated BEFORE UPDATE ON film FOR EACH ROW EXECUTE FUNCTION last_updated();
CREATE MATERIALIZED VIEW film_by_rating AS SELECT rating, count(*) AS n FROM film GROUP BY rating;
COMMENT ON TABLE film IS 'Films, one a row';
COMMENT ON COLUMN film.rating IS 'The MPAA rating';
";

/// The state of every sequence of the public schema.
fn sequences(client: &mut Client) -> Vec<String> {
    client
        .query(
            "SELECT format('%s %s', sequencename, coalesce(last_value::text, 'unused')) FROM pg_sequences \
             WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .expect("sequences")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn definitions_survive_a_revert_to_nothing_and_the_redo() {
    let pg = Pg::new();
    let db = pg.database("defs");
    pg.record("films", DEFINITIONS);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    let mut c = pg.client(&db);
    c.batch_execute(
        "INSERT INTO film (title, release_year, rating) VALUES \
         ('ACADEMY DINOSAUR', 2006, 'PG'), ('ACE GOLDFINGER', 2006, 'G'), ('ADAPTATION HOLES', 2007, 'NC-17'); \
         DELETE FROM film WHERE title = 'ACE GOLDFINGER'; \
         REFRESH MATERIALIZED VIEW film_by_rating",
    )
    .expect("rows");
    let before = rows(&mut c);
    let counters = sequences(&mut c);
    assert_eq!(counters, ["film_film_id_seq 3"]);

    pg.ok(&["revert", "--to", "0", "-m", "nothing"]);
    pg.ok(&["apply", "--db", &db]);
    assert!(rows(&mut c).is_empty(), "no user table is left");
    assert!(sequences(&mut c).is_empty(), "no sequence is left");

    pg.ok(&["revert", "head", "-m", "redo"]);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    assert_eq!(rows(&mut c), before, "every row is back");
    assert_eq!(
        sequences(&mut c),
        counters,
        "the sequence goes on where it was"
    );
    let comment: String = c
        .query_one("SELECT obj_description('film'::regclass)", &[])
        .expect("comment")
        .get(0);
    assert_eq!(comment, "Films, one a row");

    // A function changed by hand is drift.
    c.batch_execute(
        "CREATE OR REPLACE FUNCTION last_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    )
    .expect("by hand");
    pg.fails(&["status", "--db", &db], 4);
}

/// Pagila loaded into the database `client` is connected to: its schema
/// (the role `postgres` its owner statements name is made first when the
/// cluster lacks it), then its rows, whose `COPY ... FROM stdin` blocks go
/// through the driver's COPY interface. The files set an empty
/// `search_path` for the rest of the session: use another connection
/// after.
fn load_pagila(client: &mut Client) {
    client
        .batch_execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'postgres') \
             THEN CREATE ROLE postgres; END IF; END $$",
        )
        .expect("the role postgres");
    client
        .batch_execute(include_str!("../corpus/postgres/pagila/pagila-schema.sql"))
        .expect("pagila's schema");
    load_pagila_rows(client);
}

/// Statements and `COPY ... FROM stdin` blocks, as psql runs a dump: the
/// blocks' rows go through the driver's COPY interface.
fn load_statements(client: &mut Client, data: &str) {
    let mut sql = String::new();
    let mut lines = data.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("COPY ") && line.ends_with("FROM stdin;") {
            client.batch_execute(&sql).expect("statements");
            sql.clear();
            let mut rows = String::new();
            for row in lines.by_ref() {
                if row == "\\." {
                    break;
                }
                rows.push_str(row);
                rows.push('\n');
            }
            let mut copy = client.copy_in(line.trim_end_matches(';')).expect("a COPY");
            std::io::Write::write_all(&mut copy, rows.as_bytes()).expect("rows");
            copy.finish().expect("a COPY done");
        } else {
            sql.push_str(line);
            sql.push('\n');
        }
    }
    client.batch_execute(&sql).expect("statements");
}

#[test]
fn pagila_adopted_changed_reverted_and_redone_keeps_every_row() {
    let pg = Pg::new();
    let db = pg.database("pagila");
    load_pagila(&mut pg.client(&db));
    let mut c = pg.client(&db);
    let loaded = checksums(&mut c);
    assert_eq!(loaded.len(), 21, "14 tables and 7 partitions: {loaded:?}");

    pg.ok(&["baseline", "--db", &db, "-m", "pagila as found"]);
    pg.ok(&["status", "--db", &db]);
    // What apply could not do is refused when recorded: the schema at
    // head (every function, view and partition of it) is built on the
    // development database and the change run there first.
    let refused = pg.fails(
        &[
            "record",
            "-m",
            "ratings as numbers",
            "--sql",
            "ALTER TABLE film ALTER COLUMN rating TYPE integer",
        ],
        1,
    );
    assert!(
        refused.stderr.contains("mpaa_rating")
            && refused.stderr.contains("nothing was appended")
            && !refused.stderr.contains("warning"),
        "{}",
        refused.stderr
    );
    // A column is not dropped from under a view (no CASCADE).
    let refused = pg.fails(
        &[
            "record",
            "-m",
            "no titles",
            "--sql",
            "ALTER TABLE film DROP COLUMN title",
        ],
        1,
    );
    assert!(
        refused.stderr.contains("used by view"),
        "{}",
        refused.stderr
    );
    pg.record(
        "fewer columns",
        "ALTER TABLE film DROP COLUMN special_features; ALTER TABLE staff DROP COLUMN picture",
    );
    // A column type that views read (film_list, nicer_but_slower_film_list)
    // changes with the views lifted around it.
    pg.record(
        "rates rounded",
        "ALTER TABLE film ALTER COLUMN replacement_cost TYPE numeric(4,1); \
         ALTER TABLE film ALTER COLUMN rental_rate TYPE numeric(3,1)",
    );
    pg.record(
        "loyalty",
        "ALTER TABLE customer ADD COLUMN loyalty integer NOT NULL DEFAULT 0; \
         CREATE INDEX rental_returned ON rental (return_date)",
    );
    pg.record("no july", "DROP TABLE payment_p2022_07");
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    let changed = checksums(&mut c);
    assert!(!changed.contains_key("payment_p2022_07"));
    assert_ne!(changed["film"], loaded["film"]);

    pg.ok(&["revert", "--to", "1", "-m", "back to pagila as found"]);
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(
        checksums(&mut c),
        loaded,
        "every row of every table is back, last_update included"
    );
    pg.ok(&["status", "--db", &db]);
    // And the schema is Pagila's as pg_dump writes it: every index,
    // trigger, comment and definition back as it was (`special_features`
    // after `fulltext` now).
    let untouched = pg.database("untouched");
    load_pagila(&mut pg.client(&untouched));
    same_dump_but_column_order(&pg, &db, &untouched);

    pg.ok(&["revert", "head", "-m", "redo"]);
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(checksums(&mut c), changed, "the redo gives the same rows");

    // Back to the baseline in one move, and forwards again.
    pg.ok(&["apply", "--db", &db, "--to", "1"]);
    assert_eq!(checksums(&mut c), loaded);
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(checksums(&mut c), changed);
    pg.ok(&["verify", "--db", &db]);
}

/// Pagila's data file loaded into a database that already has its schema:
/// the rows only, through COPY, as `load_pagila` loads them.
fn load_pagila_rows(client: &mut Client) {
    load_statements(
        client,
        include_str!("../corpus/postgres/pagila/pagila-data.sql"),
    );
}

#[test]
fn pagila_declared_from_nothing_is_what_a_fresh_load_makes() {
    let pg = Pg::new();
    let schema = include_str!("../corpus/postgres/pagila/pagila-schema.sql");
    let file = pg.env.file("pagila-schema.sql", schema);
    pg.ok(&[
        "record",
        "-m",
        "pagila",
        "--desired",
        file.to_str().expect("utf-8"),
    ]);
    let built = pg.database("built");
    pg.ok(&["apply", "--db", &built]);
    pg.ok(&["status", "--db", &built]);
    let fresh = pg.database("fresh");
    load_pagila(&mut pg.client(&fresh));
    assert_eq!(server_schema(&built), server_schema(&fresh));
    // The server's own account agrees: pg_dump writes the same schema for
    // both, every index, function, trigger and comment of it. Owners and
    // privileges are not part of strata's model: the file's owner and
    // grant of schema `public` are set by hand, as a deployment sets them.
    pg.client(&built)
        .batch_execute(
            "ALTER SCHEMA public OWNER TO postgres; \
             REVOKE USAGE ON SCHEMA public FROM PUBLIC; GRANT ALL ON SCHEMA public TO PUBLIC",
        )
        .expect("the file's owner and grants");
    same_dump(&pg, &built, &fresh);
    // The same rows go into both, and every table reads the same.
    load_pagila_rows(&mut pg.client(&built));
    assert_eq!(
        checksums(&mut pg.client(&built)),
        checksums(&mut pg.client(&fresh))
    );
    pg.ok(&["verify", "--db", &built]);
}

/// The schema of the database at `url` as pg_dump writes it, strata's own
/// schema left out.
fn dump(pg: &Pg, url: &str) -> String {
    let dump = pg.cluster.dump_schema(url, &["strata"]).expect("pg_dump");
    // Newer pg_dump writes a random key on its `\restrict` lines.
    dump.lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// pg_dump writes the same schema for the databases at `a` and `b`.
fn same_dump(pg: &Pg, a: &str, b: &str) {
    let (a, b) = (dump(pg, a), dump(pg, b));
    assert!(
        a == b,
        "pg_dump differs:\n{}",
        unlike_lines(&a, &b).unwrap_or_else(|| "the same lines in another order".into())
    );
}

/// pg_dump writes the same lines for the databases at `a` and `b`, a
/// table's columns in any order: a column brought back stands after the
/// others (docs/postgres-target.md, "Column order"), and a line's comma
/// says where it stands.
fn same_dump_but_column_order(pg: &Pg, a: &str, b: &str) {
    let lines = |url: &str| {
        dump(pg, url)
            .lines()
            .map(|l| l.trim_end_matches(','))
            .collect::<Vec<_>>()
            .join("\n")
    };
    if let Some(unlike) = unlike_lines(&lines(a), &lines(b)) {
        panic!("pg_dump differs:\n{unlike}");
    }
}

/// The lines of `a` that `b` lacks (`-`) and of `b` that `a` lacks (`+`),
/// counted as multisets; None when they are the same lines.
fn unlike_lines(a: &str, b: &str) -> Option<String> {
    let mut count: BTreeMap<&str, i64> = BTreeMap::new();
    for l in a.lines() {
        *count.entry(l).or_default() += 1;
    }
    for l in b.lines() {
        *count.entry(l).or_default() -= 1;
    }
    let mut out = String::new();
    for (line, n) in count.into_iter().filter(|(_, n)| *n != 0) {
        let sign = if n > 0 { '-' } else { '+' };
        out.push_str(&format!("{sign}{} {line}\n", n.abs()));
    }
    (!out.is_empty()).then_some(out)
}

#[test]
fn an_indexed_materialized_view_is_changed_dropped_and_brought_back() {
    let pg = Pg::new();
    let base = "CREATE TABLE film (id integer PRIMARY KEY, rating text, length integer);\n";
    let first = pg.env.file(
        "first.sql",
        &format!(
            "{base}CREATE MATERIALIZED VIEW by_rating AS SELECT rating, count(*) AS n FROM film GROUP BY rating;\n\
             CREATE UNIQUE INDEX by_rating_rating ON by_rating (rating);\n"
        ),
    );
    // The view's query changes: its index goes before it and comes back
    // after it.
    let second = pg.env.file(
        "second.sql",
        &format!(
            "{base}CREATE MATERIALIZED VIEW by_rating AS SELECT rating, count(*) AS n, max(length) AS longest FROM film GROUP BY rating;\n\
             CREATE UNIQUE INDEX by_rating_rating ON by_rating (rating);\n\
             CREATE INDEX by_rating_longest ON by_rating (longest DESC);\n"
        ),
    );
    let db = pg.database("indexed");
    for file in [&first, &second] {
        pg.ok(&[
            "record",
            "-m",
            "by rating",
            "--desired",
            file.to_str().expect("utf-8"),
        ]);
        pg.ok(&["apply", "--db", &db]);
        pg.ok(&["status", "--db", &db]);
    }
    let log = pg.ok(&["log"]);
    assert!(log.stdout.contains("by_rating_longest"), "{}", log.stdout);
    let indexes = |url: &str| -> Vec<String> {
        pg.client(url)
            .query(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'by_rating' ORDER BY 1",
                &[],
            )
            .expect("indexes")
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    assert_eq!(indexes(&db), ["by_rating_longest", "by_rating_rating"]);

    // An index of the view dropped by hand is drift.
    pg.client(&db)
        .batch_execute("DROP INDEX by_rating_longest")
        .expect("by hand");
    let drift = pg.fails(&["status", "--db", &db], 4);
    assert!(
        drift.stdout.contains("by_rating_longest"),
        "{}",
        drift.stdout
    );
    pg.client(&db)
        .batch_execute("CREATE INDEX by_rating_longest ON by_rating (longest DESC)")
        .expect("by hand, back");
    pg.ok(&["status", "--db", &db]);

    // Dropped with the view, and back with it.
    pg.record("no view", "DROP MATERIALIZED VIEW by_rating");
    pg.ok(&["apply", "--db", &db]);
    assert!(indexes(&db).is_empty());
    pg.ok(&["revert", "head", "-m", "the view back"]);
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(indexes(&db), ["by_rating_longest", "by_rating_rating"]);
    pg.ok(&["apply", "--db", &db, "--to", "1"]);
    assert_eq!(indexes(&db), ["by_rating_rating"]);

    // A checkout of every point builds the same schema a move reaches.
    for point in ["1", "2", "head"] {
        let fresh = pg.database("checkout");
        pg.ok(&["checkout", "--to", point, "--db", &fresh]);
        pg.ok(&["apply", "--db", &db, "--to", point]);
        same_dump(&pg, &fresh, &db);
    }
}

#[test]
fn a_primary_key_changed_in_a_desired_schema_keeps_the_rows() {
    let pg = Pg::new();
    pg.record(
        "users and posts",
        "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, name text);
         CREATE TABLE posts (id integer PRIMARY KEY, author integer REFERENCES users);",
    );
    let db = pg.database("rekeyed");
    pg.ok(&["apply", "--db", &db]);
    pg.client(&db)
        .batch_execute(
            "INSERT INTO users VALUES (1, 'ada@x', 'ada'), (2, 'bob@x', NULL); \
             INSERT INTO posts VALUES (10, 1), (11, 2)",
        )
        .expect("rows");
    let before = rows(&mut pg.client(&db));
    // The table renamed, its key under the new table's name, and the
    // posts' key made of two columns: each key dropped and added again,
    // the foreign key to users around it.
    let desired = pg.env.file(
        "desired.sql",
        "CREATE TABLE members ( -- @renamed from=users\n  \
           id integer CONSTRAINT members_pkey PRIMARY KEY,\n  \
           email text NOT NULL,\n  \
           name text\n);\n\
         CREATE TABLE posts (id integer, author integer NOT NULL REFERENCES members, PRIMARY KEY (id, author));\n",
    );
    let desired = desired.to_str().expect("utf-8");
    let planned = pg.ok(&["plan", "--desired", desired]);
    assert!(
        planned.stdout.contains("DROP CONSTRAINT users_pkey")
            && planned
                .stdout
                .contains("ADD CONSTRAINT members_pkey PRIMARY KEY (id)"),
        "{}",
        planned.stdout
    );
    pg.ok(&["record", "-m", "rekeyed", "--desired", desired]);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    let keys: Vec<String> = pg
        .client(&db)
        .query(
            "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE contype IN ('p', 'f') AND connamespace = 'public'::regnamespace ORDER BY conname",
            &[],
        )
        .expect("keys")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        keys,
        [
            "members_pkey PRIMARY KEY (id)",
            "posts_author_fkey FOREIGN KEY (author) REFERENCES members(id)",
            "posts_pkey PRIMARY KEY (id, author)"
        ]
    );
    let again = pg.ok(&["record", "-m", "again", "--desired", desired]);
    assert!(
        again.stdout.contains("nothing to record"),
        "{}",
        again.stdout
    );
    // Back: the old keys and names, every row as it was.
    pg.ok(&["apply", "--db", &db, "--to", "1"]);
    assert_eq!(rows(&mut pg.client(&db)), before);
    pg.ok(&["status", "--db", &db]);
}

#[test]
fn sequences_and_domains_are_altered_in_place_and_back() {
    let pg = Pg::new();
    pg.record(
        "tickets",
        "CREATE SEQUENCE ticket_no START 100;
         CREATE DOMAIN year AS integer CHECK (VALUE >= 1901);
         CREATE TABLE ticket (no bigint PRIMARY KEY DEFAULT nextval('ticket_no'), y year);",
    );
    let db = pg.database("altered");
    pg.ok(&["apply", "--db", &db]);
    let mut c = pg.client(&db);
    c.batch_execute("INSERT INTO ticket (y) VALUES (2001), (2002)")
        .expect("rows");
    pg.record(
        "by tens",
        "ALTER SEQUENCE ticket_no INCREMENT BY 10 MAXVALUE 100000;
         ALTER DOMAIN year ADD CONSTRAINT recent CHECK (VALUE > 1990);
         ALTER DOMAIN year SET DEFAULT 2020;",
    );
    let planned = pg.ok(&["apply", "--db", &db, "--dry-run"]);
    assert!(
        planned.stdout.contains("ALTER SEQUENCE ticket_no")
            && planned
                .stdout
                .contains("ALTER DOMAIN year ADD CONSTRAINT recent")
            && !planned.stdout.contains("DROP SEQUENCE"),
        "{}",
        planned.stdout
    );
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    // The sequence goes on from where it stood, by tens; the domain's
    // default and new check hold for the column that uses it.
    c.batch_execute("INSERT INTO ticket DEFAULT VALUES")
        .expect("a row");
    let nos: Vec<i64> = c
        .query("SELECT no FROM ticket ORDER BY no", &[])
        .expect("rows")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(nos, [100, 101, 111]);
    let y: i32 = c
        .query_one("SELECT y FROM ticket WHERE no = 111", &[])
        .expect("row")
        .get(0);
    assert_eq!(y, 2020);
    assert!(c
        .batch_execute("INSERT INTO ticket (y) VALUES (1950)")
        .is_err());

    pg.ok(&["revert", "head", "-m", "by ones"]);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    c.batch_execute("INSERT INTO ticket (y) VALUES (1950)")
        .expect("the old domain takes it");
    let last: i64 = c
        .query_one("SELECT max(no) FROM ticket", &[])
        .expect("row")
        .get(0);
    // 121 went to the row the new check refused (nextval runs first).
    assert_eq!(last, 122, "by ones again, from where it stood");

    // A desired schema whose sequence differs gives the same in-place op.
    let desired = pg.env.file(
        "desired.sql",
        "CREATE SEQUENCE ticket_no START 100 CACHE 5;
         CREATE DOMAIN year AS integer CHECK (VALUE >= 1901);
         CREATE TABLE ticket (no bigint PRIMARY KEY DEFAULT nextval('ticket_no'), y year);",
    );
    pg.ok(&[
        "record",
        "-m",
        "cached",
        "--desired",
        desired.to_str().expect("utf-8"),
    ]);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    let cache: i64 = c
        .query_one(
            "SELECT cache_size FROM pg_sequences WHERE sequencename = 'ticket_no'",
            &[],
        )
        .expect("row")
        .get(0);
    assert_eq!(cache, 5);
    let rows: i64 = c
        .query_one("SELECT count(*) FROM ticket", &[])
        .expect("row")
        .get(0);
    assert_eq!(rows, 4);
}

/// Two schemas beside `public`, an object of each kind in them, and names
/// that cross: a foreign key to `public`, a view joining both, a trigger
/// running another schema's function.
const SCHEMAS: &str = "
CREATE SCHEMA sales;
CREATE SCHEMA util;
CREATE FUNCTION util.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TYPE sales.state AS ENUM ('open', 'paid');
CREATE FUNCTION is_open(s sales.state) RETURNS boolean LANGUAGE sql AS $$ SELECT s = 'open' $$;
CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE sales.orders (
    id integer PRIMARY KEY,
    customer integer NOT NULL REFERENCES customers,
    state sales.state NOT NULL DEFAULT 'open',
    total numeric(8,2)
);
CREATE INDEX ON sales.orders (customer);
CREATE VIEW sales.open_orders AS
    SELECT o.id, c.name FROM sales.orders o JOIN customers c ON c.id = o.customer WHERE o.state = 'open';
CREATE TRIGGER touch BEFORE UPDATE ON sales.orders FOR EACH ROW EXECUTE FUNCTION util.touch();
COMMENT ON TABLE sales.orders IS 'one order a row';
";

fn namespaces(client: &mut Client) -> Vec<String> {
    client
        .query(
            "SELECT nspname::text FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
             AND nspname NOT IN ('information_schema', 'public', 'strata') ORDER BY 1",
            &[],
        )
        .expect("namespaces")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn objects_in_several_schemas_are_kept_moved_and_brought_back() {
    let pg = Pg::new();
    // The development database has a schema sales of its own: a proof sets
    // it aside, and it is never touched.
    pg.client(&pg.dev)
        .batch_execute("CREATE SCHEMA sales; CREATE TABLE sales.orders (other text)")
        .expect("the development database's own sales");
    pg.record("shop", SCHEMAS);
    let db = pg.database("shop");
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    let mut c = pg.client(&db);
    c.batch_execute(
        "INSERT INTO customers VALUES (1, 'ada'), (2, 'bob'); \
         INSERT INTO sales.orders VALUES (10, 1, 'open', 12.50), (11, 2, 'paid', 99.99)",
    )
    .expect("rows");
    let before = rows(&mut c);
    assert_eq!(before["sales.orders"].len(), 2);
    let shown = pg.ok(&["schema"]);
    assert!(
        shown.stdout.contains("CREATE TABLE sales.orders"),
        "{}",
        shown.stdout
    );

    // A column of another schema's table dropped and brought back.
    pg.record(
        "no totals",
        "DROP VIEW sales.open_orders; ALTER TABLE sales.orders DROP COLUMN total",
    );
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["revert", "head", "-m", "totals back"]);
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(rows(&mut c), before, "every value is back");
    pg.ok(&["status", "--db", &db]);

    // Drift in another schema is seen.
    c.batch_execute("ALTER TABLE sales.orders ADD COLUMN note text")
        .expect("by hand");
    let drift = pg.fails(&["status", "--db", &db], 4);
    assert!(drift.stdout.contains("sales.orders"), "{}", drift.stdout);
    c.batch_execute("ALTER TABLE sales.orders DROP COLUMN note")
        .expect("undone");

    // Back to nothing: the schemas go with their last object; and forward
    // again, every row back.
    pg.ok(&["apply", "--db", &db, "--to", "0"]);
    assert!(namespaces(&mut c).is_empty(), "{:?}", namespaces(&mut c));
    pg.ok(&["apply", "--db", &db]);
    assert_eq!(rows(&mut c), before);
    assert_eq!(namespaces(&mut c), ["sales", "util"]);
    pg.ok(&["status", "--db", &db]);

    // A checkout builds what the moves built.
    let fresh = pg.database("checkout");
    pg.ok(&["checkout", "--to", "head", "--db", &fresh]);
    same_dump(&pg, &fresh, &db);
    pg.ok(&["verify", "--db", &db]);
    // The development database's own sales is as it was.
    let own: i64 = pg
        .client(&pg.dev)
        .query_one(
            "SELECT count(*) FROM information_schema.columns \
             WHERE table_schema = 'sales' AND table_name = 'orders' AND column_name = 'other'",
            &[],
        )
        .expect("read")
        .get(0);
    assert_eq!(own, 1);
}

#[test]
fn a_desired_schema_and_a_baseline_span_several_schemas() {
    let pg = Pg::new();
    let file = pg.env.file("shop.sql", SCHEMAS);
    let file = file.to_str().expect("utf-8");
    pg.ok(&["record", "-m", "shop", "--desired", file]);
    let built = pg.database("built");
    pg.ok(&["apply", "--db", &built]);
    let loaded = pg.database("loaded");
    pg.client(&loaded).batch_execute(SCHEMAS).expect("a load");
    same_dump(&pg, &built, &loaded);
    let again = pg.ok(&["record", "-m", "again", "--desired", file]);
    assert!(
        again.stdout.contains("nothing to record"),
        "{}",
        again.stdout
    );
    // A change in another schema is the op that makes it.
    let more = pg.env.file(
        "more.sql",
        &SCHEMAS.replace(
            "total numeric(8,2)",
            "total numeric(8,2),\n    paid_at timestamptz",
        ),
    );
    let planned = pg.ok(&["plan", "--desired", more.to_str().expect("utf-8")]);
    assert!(
        planned
            .stdout
            .contains("ALTER TABLE sales.orders ADD COLUMN paid_at"),
        "{}",
        planned.stdout
    );

    // A database loaded by hand, adopted with its schemas by a new ledger.
    let other = Pg::new();
    let shop = other.database("shop");
    other.client(&shop).batch_execute(SCHEMAS).expect("a load");
    other.ok(&[
        "baseline", "--db", &shop, "-m", "adopt", "--schema", "sales", "--schema", "util",
    ]);
    other.ok(&["status", "--db", &shop]);
    let adopted = other.ok(&["schema"]);
    assert!(
        adopted.stdout.contains("sales.orders") && adopted.stdout.contains("util.touch"),
        "{}",
        adopted.stdout
    );
    let copy = other.database("copy");
    other.ok(&["checkout", "--to", "head", "--db", &copy]);
    same_dump(&other, &copy, &shop);
    // `--schema '*'` adopts every schema of the database's own.
    let every = Pg::new();
    let all = every.database("all");
    every.client(&all).batch_execute(SCHEMAS).expect("a load");
    every.ok(&["baseline", "--db", &all, "-m", "adopt", "--schema", "*"]);
    let adopted = every.ok(&["schema"]);
    assert!(
        adopted.stdout.contains("sales.orders") && adopted.stdout.contains("util.touch"),
        "{}",
        adopted.stdout
    );
    every.ok(&["status", "--db", &all]);
}

#[test]
fn comments_on_constraints_and_triggers_are_kept_dropped_and_brought_back() {
    let pg = Pg::new();
    pg.record(
        "commented",
        "CREATE SCHEMA sales;
         CREATE TABLE sales.orders (id integer PRIMARY KEY, total numeric CONSTRAINT total_positive CHECK (total > 0));
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER touch BEFORE UPDATE ON sales.orders FOR EACH ROW EXECUTE FUNCTION touch();
         COMMENT ON CONSTRAINT total_positive ON sales.orders IS 'no free orders';
         COMMENT ON TRIGGER touch ON sales.orders IS 'keeps the row fresh';",
    );
    let db = pg.database("commented");
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    let comment = |sql: &str| -> Option<String> {
        pg.client(&db)
            .query_one(sql, &[])
            .expect("a comment")
            .get(0)
    };
    let on_check = "SELECT obj_description(oid, 'pg_constraint') FROM pg_constraint WHERE conname = 'total_positive'";
    let on_trigger =
        "SELECT obj_description(oid, 'pg_trigger') FROM pg_trigger WHERE tgname = 'touch'";
    assert_eq!(comment(on_check).as_deref(), Some("no free orders"));
    assert_eq!(comment(on_trigger).as_deref(), Some("keeps the row fresh"));

    // A comment changed by hand is drift.
    pg.client(&db)
        .batch_execute("COMMENT ON TRIGGER touch ON sales.orders IS 'other'")
        .expect("by hand");
    pg.fails(&["status", "--db", &db], 4);
    pg.client(&db)
        .batch_execute("COMMENT ON TRIGGER touch ON sales.orders IS 'keeps the row fresh'")
        .expect("back");
    pg.ok(&["status", "--db", &db]);

    // Dropped with what they are on, and back with it.
    pg.record(
        "plainer",
        "ALTER TABLE sales.orders DROP CONSTRAINT total_positive; DROP TRIGGER touch ON sales.orders",
    );
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    pg.ok(&["revert", "head", "-m", "commented again"]);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    assert_eq!(comment(on_check).as_deref(), Some("no free orders"));
    assert_eq!(comment(on_trigger).as_deref(), Some("keeps the row fresh"));
    let fresh = pg.database("fresh");
    pg.ok(&["checkout", "--to", "head", "--db", &fresh]);
    same_dump(&pg, &fresh, &db);
}

#[test]
fn views_reading_a_column_whose_type_changes_are_lifted_around_it() {
    let pg = Pg::new();
    pg.record(
        "rated",
        "CREATE TYPE rating AS ENUM ('G', 'PG');
         CREATE TABLE film (id integer PRIMARY KEY, rating rating DEFAULT 'G', price numeric(4,2));
         CREATE VIEW rated AS SELECT id, rating, price FROM film;
         CREATE VIEW cheap AS SELECT id FROM rated WHERE price < 1;
         CREATE MATERIALIZED VIEW by_rating AS SELECT rating, count(*) AS n FROM film GROUP BY rating;
         CREATE UNIQUE INDEX by_rating_rating ON by_rating (rating);
         COMMENT ON VIEW rated IS 'every film';",
    );
    let db = pg.database("lifted");
    pg.ok(&["apply", "--db", &db]);
    let mut c = pg.client(&db);
    c.batch_execute("INSERT INTO film VALUES (1, 'PG', 0.99), (2, 'G', 4.99)")
        .expect("rows");
    let before = rows(&mut c);
    // A lossy type change under two views, and an enum value added: the
    // revert takes the value away again, which rebuilds the type under
    // the views and the materialized view.
    pg.record(
        "rounded and rated R",
        "ALTER TABLE film ALTER COLUMN price TYPE numeric(3,1); ALTER TYPE rating ADD VALUE 'R'",
    );
    let planned = pg.ok(&["apply", "--db", &db, "--dry-run"]);
    assert!(
        planned.stdout.contains("DROP VIEW cheap") && planned.stdout.contains("DROP VIEW rated"),
        "{}",
        planned.stdout
    );
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    pg.ok(&["revert", "head", "-m", "as it was"]);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    assert_eq!(rows(&mut c), before, "the prices are back");
    let cheap: i64 = c
        .query_one("SELECT count(*) FROM cheap", &[])
        .expect("the view is back")
        .get(0);
    assert_eq!(cheap, 1);
    let comment: Option<String> = c
        .query_one("SELECT obj_description('rated'::regclass)", &[])
        .expect("comment")
        .get(0);
    assert_eq!(comment.as_deref(), Some("every film"));
    let fresh = pg.database("fresh");
    pg.ok(&["checkout", "--to", "head", "--db", &fresh]);
    same_dump(&pg, &fresh, &db);
}

#[test]
fn a_generated_column_changes_type_and_back_computed_again() {
    let pg = Pg::new();
    pg.record(
        "taxed",
        "CREATE TABLE item (id integer PRIMARY KEY, price numeric(6,2) NOT NULL, \
         taxed numeric(8,3) GENERATED ALWAYS AS (price * 1.2) STORED)",
    );
    let db = pg.database("generated");
    pg.ok(&["apply", "--db", &db]);
    let mut c = pg.client(&db);
    c.batch_execute("INSERT INTO item (id, price) VALUES (1, 9.99), (2, 0.05)")
        .expect("rows");
    let before = rows(&mut c);
    pg.record(
        "rounded",
        "ALTER TABLE item ALTER COLUMN taxed TYPE numeric(6,1)",
    );
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["revert", "head", "-m", "exact"]);
    let planned = pg.ok(&["apply", "--db", &db, "--dry-run"]);
    assert!(
        planned.stdout.contains("UPDATE item SET price = price"),
        "{}",
        planned.stdout
    );
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    assert_eq!(rows(&mut c), before, "computed again, as exact as before");
}

#[test]
fn a_table_whose_serial_owns_its_sequence_is_dropped_and_brought_back() {
    let pg = Pg::new();
    let db = pg.database("serial");
    // Made by hand with serial: PostgreSQL makes the sequence owned by the
    // column (OWNED BY), and drops it with the column or the table.
    pg.client(&db)
        .batch_execute(
            "CREATE TABLE note (id serial PRIMARY KEY, body text); \
             CREATE TABLE tag (id serial PRIMARY KEY, note integer, label text); \
             INSERT INTO note (body) VALUES ('a'), ('b'); INSERT INTO tag (note, label) VALUES (1, 'x')",
        )
        .expect("a database made by hand");
    pg.ok(&["baseline", "--db", &db, "-m", "as found"]);
    let before = rows(&mut pg.client(&db));
    pg.record(
        "no notes",
        "DROP TABLE note; ALTER TABLE tag DROP COLUMN id",
    );
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    pg.ok(&["revert", "head", "-m", "notes back"]);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    assert_eq!(rows(&mut pg.client(&db)), before);
    // The sequences stand where they stood.
    pg.client(&db)
        .batch_execute("INSERT INTO note (body) VALUES ('c')")
        .expect("a new row");
    let id: i32 = pg
        .client(&db)
        .query_one("SELECT max(id) FROM note", &[])
        .expect("row")
        .get(0);
    assert_eq!(id, 3);
}

/// What `pg_constraint` says of the constraint `name`: (deferrable,
/// initially deferred).
fn deferral(client: &mut Client, name: &str) -> (bool, bool) {
    let row = client
        .query_one(
            "SELECT condeferrable, condeferred FROM pg_constraint WHERE conname = $1",
            &[&name],
        )
        .expect("the constraint");
    (row.get(0), row.get(1))
}

/// The ids a table `child` gives the next rows it takes.
fn next_ids(client: &mut Client, n: usize) -> Vec<i64> {
    (0..n)
        .map(|_| {
            client
                .query_one("INSERT INTO child (parent) VALUES (NULL) RETURNING id", &[])
                .expect("a row")
                .get(0)
        })
        .collect()
}

#[test]
fn deferrable_constraints_and_identity_options_are_kept_changed_and_brought_back() {
    let pg = Pg::new();
    pg.record(
        "parents and children",
        "CREATE TABLE parent (id integer PRIMARY KEY, code text UNIQUE DEFERRABLE INITIALLY DEFERRED, rank integer UNIQUE DEFERRABLE);
         CREATE TABLE child (
             id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 10) PRIMARY KEY,
             parent integer REFERENCES parent DEFERRABLE,
             note text);",
    );
    let db = pg.database("deferred");
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    let mut c = pg.client(&db);
    assert_eq!(deferral(&mut c, "parent_rank_key"), (true, false));
    assert_eq!(deferral(&mut c, "parent_code_key"), (true, true));
    assert_eq!(deferral(&mut c, "child_parent_fkey"), (true, false));
    // Deferrable: a child may come before its parent once the transaction
    // defers the check.
    c.batch_execute(
        "BEGIN; SET CONSTRAINTS ALL DEFERRED; \
         INSERT INTO child (parent, note) VALUES (1, 'early'); \
         INSERT INTO parent VALUES (1, 'a', 1); COMMIT",
    )
    .expect("checked at commit");
    assert!(c
        .batch_execute("INSERT INTO child (parent) VALUES (2)")
        .is_err());
    // The row refused took 110.
    assert_eq!(next_ids(&mut c, 1), [120]);

    pg.record(
        "by fives, checked at commit",
        "ALTER TABLE child ALTER CONSTRAINT child_parent_fkey DEFERRABLE INITIALLY DEFERRED;
         ALTER TABLE child ALTER COLUMN id SET INCREMENT BY 5",
    );
    let planned = pg.ok(&["apply", "--db", &db, "--dry-run"]);
    assert!(
        planned.stdout.contains("SET INCREMENT BY 5") && !planned.stdout.contains("DROP COLUMN"),
        "{}",
        planned.stdout
    );
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    assert_eq!(deferral(&mut c, "child_parent_fkey"), (true, true));
    assert_eq!(next_ids(&mut c, 1), [125], "by fives from where it stood");
    let at_fives = rows(&mut c);

    pg.record("no ids", "ALTER TABLE child DROP COLUMN id");
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["revert", "head", "-m", "ids back"]);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    assert_eq!(rows(&mut c), at_fives, "every id is back");
    assert_eq!(
        next_ids(&mut c, 1),
        [130],
        "the identity goes on past the ids brought back, by fives"
    );
    c.batch_execute("DELETE FROM child WHERE id = 130")
        .expect("delete");

    // A database built from nothing at the same point has the same
    // catalog (the id column aside, which came back last).
    let fresh = pg.database("fresh");
    pg.ok(&["checkout", "--to", "head", "--db", &fresh]);
    same_dump_but_column_order(&pg, &fresh, &db);

    pg.ok(&["revert", "2", "-m", "by tens, checked at once"]);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    assert_eq!(deferral(&mut c, "child_parent_fkey"), (true, false));
    assert_eq!(next_ids(&mut c, 1), [140]);

    // Drift: a deferral or an identity option changed by hand is seen.
    c.batch_execute("ALTER TABLE child ALTER COLUMN id SET CACHE 7")
        .expect("by hand");
    let drift = pg.fails(&["status", "--db", &db], 4);
    assert!(drift.stdout.contains("CACHE 7"), "{}", drift.stdout);
    c.batch_execute("ALTER TABLE child ALTER COLUMN id SET CACHE 1")
        .expect("by hand");
    pg.ok(&["status", "--db", &db]);
    c.batch_execute(
        "ALTER TABLE parent DROP CONSTRAINT parent_code_key, ADD CONSTRAINT parent_code_key UNIQUE (code)",
    )
    .expect("by hand");
    pg.fails(&["status", "--db", &db], 4);
    c.batch_execute(
        "ALTER TABLE parent DROP CONSTRAINT parent_code_key, ADD CONSTRAINT parent_code_key UNIQUE (code) DEFERRABLE INITIALLY DEFERRED",
    )
    .expect("by hand");
    pg.ok(&["status", "--db", &db]);

    // A desired schema that differs only in deferral and identity options
    // gives the ops that reach it.
    let desired = pg.env.file(
        "desired.sql",
        "CREATE TABLE parent (id integer PRIMARY KEY, code text UNIQUE DEFERRABLE, rank integer UNIQUE);
         CREATE TABLE child (
             id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 100 INCREMENT BY 10 CACHE 3) PRIMARY KEY,
             parent integer REFERENCES parent DEFERRABLE,
             note text);",
    );
    let desired = desired.to_str().expect("utf-8");
    let plan = pg.ok(&["--json", "plan", "--desired", desired]);
    assert!(
        plan.stdout.matches("\"drop_unique\"").count() == 2,
        "{}",
        plan.stdout
    );
    pg.ok(&["record", "-m", "as desired", "--desired", desired]);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    assert_eq!(deferral(&mut c, "parent_rank_key"), (false, false));
    assert_eq!(deferral(&mut c, "parent_code_key"), (true, false));
    let cache: i64 = c
        .query_one(
            "SELECT cache_size FROM pg_sequences WHERE sequencename = 'child_id_seq'",
            &[],
        )
        .expect("row")
        .get(0);
    assert_eq!(cache, 3);
    let plan = pg.ok(&["--json", "plan", "--desired", desired]);
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).expect("json");
    assert_eq!(plan["ops"], serde_json::json!([]), "head is as desired");

    // Adopted as found: a baseline reads deferral and identity options,
    // and a database checked out at the baseline has the same catalog.
    let pg2 = Pg::new();
    let found = pg2.database("found");
    pg2.client(&found)
        .batch_execute(
            "CREATE TABLE a (id smallint GENERATED ALWAYS AS IDENTITY (INCREMENT BY -2 MAXVALUE 1000 START 1000 CYCLE) PRIMARY KEY DEFERRABLE INITIALLY DEFERRED); \
             CREATE TABLE c (id integer PRIMARY KEY); \
             CREATE TABLE b (a smallint REFERENCES c DEFERRABLE, UNIQUE (a) DEFERRABLE)",
        )
        .expect("made by hand");
    pg2.ok(&["baseline", "--db", &found, "-m", "as found"]);
    pg2.ok(&["status", "--db", &found]);
    let copy = pg2.database("copy");
    pg2.ok(&["checkout", "--to", "head", "--db", &copy]);
    same_dump(&pg2, &found, &copy);
}

#[test]
fn rows_told_apart_only_by_what_was_dropped_get_their_own_values_back() {
    let pg = Pg::new();
    // No key: the rows of one kind differ only in the column dropped.
    pg.record(
        "readings",
        "CREATE TABLE reading (station integer, tag text, value numeric(6,2), doc json)",
    );
    let db = pg.database("keyless");
    pg.ok(&["apply", "--db", &db]);
    let mut c = pg.client(&db);
    c.batch_execute(
        "INSERT INTO reading VALUES (1, 'a', 1.21, '{}'), (1, 'a', 1.24, '{}'), (1, 'a', 1.24, '{}'), \
         (1, 'a', 7.5, '{}'), (2, NULL, 0.5, '[1]'), (2, NULL, 0.51, '[1]'), (3, 'b', NULL, NULL)",
    )
    .expect("rows");
    let before = rows(&mut c);
    pg.record("no values", "ALTER TABLE reading DROP COLUMN value");
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["revert", "head", "-m", "values back"]);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    assert_eq!(rows(&mut c), before, "each row has its own value again");
    // And a lossy type change of the same column, undone.
    pg.record(
        "tenths",
        "ALTER TABLE reading ALTER COLUMN value TYPE numeric(3,1)",
    );
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["revert", "head", "-m", "hundredths"]);
    pg.ok(&["apply", "--db", &db]);
    pg.ok(&["status", "--db", &db]);
    assert_eq!(rows(&mut c), before, "each row has its own value again");
}

#[test]
fn serial_columns_own_their_sequences_as_postgresql_makes_them() {
    let pg = Pg::new();
    let hand = pg.database("by_hand");
    let db = pg.database("by_strata");
    // Each change run by hand on one database and recorded and applied on
    // the other: the two catalogs stay the same, sequences owned, renamed
    // with their columns and dropped with them as PostgreSQL does.
    let steps = [
        "CREATE TABLE note (id serial PRIMARY KEY, body text);
         CREATE TABLE tag (id bigserial, note integer, label text);
         CREATE SEQUENCE label_no START 10 OWNED BY tag.label",
        "ALTER TABLE note RENAME TO notes; ALTER TABLE tag RENAME COLUMN id TO tag_id",
        "ALTER SEQUENCE label_no OWNED BY notes.body",
        "ALTER TABLE tag DROP COLUMN tag_id; DROP TABLE notes",
        "CREATE TABLE note (id serial)",
    ];
    let mut before = BTreeMap::new();
    for (n, sql) in steps.iter().enumerate() {
        pg.client(&hand).batch_execute(sql).expect("by hand");
        pg.record(&format!("step {}", n + 1), sql);
        pg.ok(&["apply", "--db", &db]);
        pg.ok(&["status", "--db", &db]);
        same_dump(&pg, &hand, &db);
        if n == 0 {
            let mut c = pg.client(&db);
            c.batch_execute(
                "INSERT INTO note (body) VALUES ('a'), ('b'); INSERT INTO tag (note, label) VALUES (1, 'x'); \
                 SELECT nextval('label_no')",
            )
            .expect("rows");
            before = rows(&mut c);
        }
    }
    let sequences: Vec<String> = pg
        .client(&db)
        .query(
            "SELECT relname::text FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace ORDER BY 1",
            &[],
        )
        .expect("sequences")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(sequences, ["note_id_seq"], "dropped with their columns");

    // Back to the first point: every row, and every sequence where it stood.
    pg.ok(&["apply", "--db", &db, "--to", "1"]);
    pg.ok(&["status", "--db", &db]);
    let mut c = pg.client(&db);
    assert_eq!(rows(&mut c), before);
    let next: (i32, i64) = {
        let row = c
            .query_one(
                "SELECT nextval('note_id_seq')::int, nextval('label_no')",
                &[],
            )
            .expect("row");
        (row.get(0), row.get(1))
    };
    assert_eq!(next, (3, 11));
    let first = pg.database("first");
    pg.client(&first).batch_execute(steps[0]).expect("by hand");
    same_dump_but_column_order(&pg, &first, &db);

    // Adopted as found: a baseline reads which column owns each sequence.
    let other = Pg::new();
    let found = other.database("found");
    other
        .client(&found)
        .batch_execute(steps[0])
        .expect("by hand");
    other.ok(&["baseline", "--db", &found, "-m", "as found"]);
    other.ok(&["status", "--db", &found]);
    let copy = other.database("copy");
    other.ok(&["checkout", "--to", "head", "--db", &copy]);
    same_dump(&other, &found, &copy);
    other
        .client(&found)
        .batch_execute("ALTER SEQUENCE label_no OWNED BY NONE")
        .expect("by hand");
    let drift = other.fails(&["status", "--db", &found], 4);
    assert!(drift.stdout.contains("label_no"), "{}", drift.stdout);
}
