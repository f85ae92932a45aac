//! The ledger's format versions and its dialect: ledgers written before
//! dialects were recorded (format 2), before table options were the
//! dialect's (format 3), before the model held definitions, identity
//! columns and primary-key ops (format 4) and before it held identity
//! options and deferrable keys (format 5), kept in tests/fixtures/ exactly
//! as those stratas wrote them, keep verifying with their original hashes
//! and take new events in their own format; a new ledger is format 6,
//! whose hashes include its dialect.

use std::path::Path;

use serde_json::Value;

use crate::Env;

/// A copy of a fixture's store as the env's ledger (sled writes to a store
/// it opens, so the kept one is never opened in place).
fn with_fixture(name: &str) -> Env {
    let env = Env::new();
    let to = env.path().join("ledger-data");
    copy_dir(&fixture(name).join("store"), &to.join("store"));
    env
}

fn with_format_2_ledger() -> Env {
    with_fixture("ledger-format-2")
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy");
        }
    }
}

/// A fixture's `log --json` as its strata printed it, with its tables in
/// today's JSON: the flags `without_rowid` and `strict` and the primary
/// key's `autoincrement` became the table's list of `options`. Nothing
/// else of it (no hash, no link, no other field) is touched.
fn fixture_log_of(name: &str) -> Value {
    let path = fixture(name).join("log.json");
    let mut log =
        serde_json::from_str(&std::fs::read_to_string(path).expect("log.json")).expect("json");
    modern_tables(&mut log);
    log
}

fn fixture_log() -> Value {
    fixture_log_of("ledger-format-2")
}

fn modern_tables(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::Bool(without_rowid)), Some(Value::Bool(strict))) =
                (map.remove("without_rowid"), map.remove("strict"))
            {
                let autoincrement = map
                    .get_mut("primary_key")
                    .and_then(Value::as_object_mut)
                    .and_then(|pk| pk.remove("autoincrement"))
                    .and_then(|a| a.as_bool())
                    .unwrap_or(false);
                let options: Vec<Value> = [
                    ("autoincrement", autoincrement),
                    ("strict", strict),
                    ("without_rowid", without_rowid),
                ]
                .into_iter()
                .filter(|(_, on)| *on)
                .map(|(o, _)| Value::String(o.to_string()))
                .collect();
                map.insert("options".to_string(), Value::Array(options));
            }
            map.values_mut().for_each(modern_tables);
        }
        Value::Array(items) => items.iter_mut().for_each(modern_tables),
        _ => {}
    }
}

#[test]
fn a_format_2_ledger_verifies_with_its_original_hashes() {
    let env = with_format_2_ledger();
    let verified = env.json(&["verify", "--deep"]);
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["format_version"], 2);
    assert_eq!(verified["dialect"], "sqlite");
    assert_eq!(verified["events"], 5);
    // Every event, hash and link as the earlier strata wrote and showed
    // them.
    assert_eq!(env.json(&["log"]), fixture_log());
    env.ok(&["schema", "--at", "v1"]).says("CREATE VIEW");
}

#[test]
fn a_format_2_ledger_takes_new_events_in_its_own_format() {
    let env = with_format_2_ledger();
    env.ok(&["--quiet", "apply", "--db", "app.db"]);
    env.record("orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY)");
    let verified = env.json(&["verify", "--deep"]);
    assert_eq!(verified["format_version"], 2);
    assert_eq!(verified["events"], 6);
    // The old events are untouched; the new one links to the old head.
    let log = env.json(&["log"]);
    let log = log.as_array().expect("array");
    assert_eq!(Value::Array(log[1..].to_vec()), fixture_log());
    assert_eq!(log[0]["prev"], log[1]["hash"]);
    // A database applied before the new event moves on, and back through
    // the fixture's revert.
    env.ok(&["apply", "--db", "app.db"])
        .says("is now at event 6");
    env.ok(&["apply", "--db", "app.db", "--to", "v1"])
        .says("is now at event 2");
    env.ok(&["verify", "--db", "app.db"]);
}

/// The format-3 fixture: tables with every SQLite option, a revert, a
/// baseline and a tag, as the strata before table options were the
/// dialect's wrote them.
fn with_format_3_ledger() -> Env {
    with_fixture("ledger-format-3")
}

#[test]
fn a_format_3_ledger_verifies_with_its_original_hashes() {
    let env = with_format_3_ledger();
    let verified = env.json(&["verify", "--deep"]);
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["format_version"], 3);
    assert_eq!(verified["dialect"], "sqlite");
    assert_eq!(verified["events"], 6);
    // Every event, hash, fingerprint and link as that strata wrote them;
    // its flags read as today's options.
    let log = env.json(&["log"]);
    assert_eq!(log, fixture_log_of("ledger-format-3"));
    let schema = env.json(&["schema"]);
    let mut expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("ledger-format-3").join("schema.json")).expect("read"),
    )
    .expect("json");
    modern_tables(&mut expected);
    assert_eq!(schema, expected);
    let flags = &schema["tables"]["flags"]["options"];
    assert_eq!(flags, &serde_json::json!(["strict", "without_rowid"]));
    let counters = &schema["tables"]["counters"]["options"];
    assert_eq!(counters, &serde_json::json!(["autoincrement", "strict"]));
    env.ok(&["schema", "--at", "v1"])
        .says("WITHOUT ROWID")
        .says("AUTOINCREMENT")
        .says("STRICT");
}

#[test]
fn a_format_3_ledger_takes_new_events_with_options_in_its_own_layout() {
    let env = with_format_3_ledger();
    env.ok(&["--quiet", "apply", "--db", "app.db"]);
    env.ok(&[
        "record",
        "-m",
        "more options",
        "--author",
        "a",
        "--sql",
        "CREATE TABLE kv (k TEXT PRIMARY KEY, v ANY) STRICT, WITHOUT ROWID; \
         CREATE TABLE seqs (id INTEGER PRIMARY KEY AUTOINCREMENT, n INT) STRICT; \
         DROP TABLE flags;",
    ]);
    let verified = env.json(&["verify", "--deep"]);
    assert_eq!(verified["format_version"], 3);
    assert_eq!(verified["events"], 7);
    let log = env.json(&["log"]);
    let log = log.as_array().expect("array");
    assert_eq!(
        Value::Array(log[1..].to_vec()),
        fixture_log_of("ledger-format-3")
    );
    assert_eq!(log[0]["prev"], log[1]["hash"]);
    // The new event's options survive the old layout, and the database
    // moves forward, back through the fixture's revert and baseline, and
    // forward again.
    let schema = env.json(&["schema"]);
    assert_eq!(
        schema["tables"]["kv"]["options"],
        serde_json::json!(["strict", "without_rowid"])
    );
    assert_eq!(
        schema["tables"]["seqs"]["options"],
        serde_json::json!(["autoincrement", "strict"])
    );
    env.ok(&["apply", "--db", "app.db"])
        .says("is now at event 7");
    env.ok(&["apply", "--db", "app.db", "--to", "1"])
        .says("is now at event 1");
    env.ok(&["apply", "--db", "app.db"])
        .says("is now at event 7");
    env.ok(&["verify", "--db", "app.db"]);
}

/// The format-4 fixture: tables with every SQLite option, an
/// `alter_table_options`, a revert, a baseline, an event `rebase`
/// re-recorded (with its origin) and a tag, as the last strata of format 4
/// wrote them (tests/fixtures/ledger-format-4/README.md).
fn with_format_4_ledger() -> Env {
    with_fixture("ledger-format-4")
}

/// A JSON file of a fixture as its strata printed it, untouched.
fn fixture_json(name: &str, file: &str) -> Value {
    let path = fixture(name).join(file);
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

#[test]
fn a_format_4_ledger_verifies_with_its_original_hashes() {
    let env = with_format_4_ledger();
    let verified = env.json(&["verify", "--deep"]);
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["format_version"], 4);
    assert_eq!(verified["dialect"], "sqlite");
    assert_eq!(verified["events"], 8);
    assert_eq!(
        verified["head"]["hash"],
        "dc3a2d33488378b0c7aa97b89f216fd9382b98ff794b939cdd0fbc2f6f01251f"
    );
    // Every event, hash, fingerprint, link and origin as that strata wrote
    // and printed them, compared without any normalising: format 4's JSON
    // already had `options`, and the fields format 5 added (a column's
    // `identity`, an index's `method` and `include`, the schema's
    // `definitions`) are printed only when they hold something, which
    // nothing of a format-4 ledger does.
    let log = env.json(&["log"]);
    assert_eq!(log, fixture_json("ledger-format-4", "log.json"));
    let schema = env.json(&["schema"]);
    assert_eq!(schema, fixture_json("ledger-format-4", "schema.json"));
    assert_eq!(
        schema["tables"]["flags"]["options"],
        serde_json::json!(["strict", "without_rowid"])
    );
    assert_eq!(
        schema["tables"]["counters"]["options"],
        serde_json::json!(["autoincrement", "strict"])
    );
    // The event rebase re-recorded keeps where it was before the rebase.
    let events = env.events();
    assert_eq!(events.len(), 8);
    let rebased = &events[6];
    assert_eq!(rebased["seq"], 7);
    assert_eq!(rebased["message"], "counter steps");
    assert_eq!(
        rebased["origin"],
        serde_json::json!({
            "seq": 6,
            "hash": "4ff2fa0c0312125f3d0bb35eaab2981a03c4d1d125053a61e8f7f7bb1b91df57",
            "message": "onto main",
        })
    );
    assert_eq!(env.json(&["show", "7"])["origin"], rebased["origin"]);
    assert!(events
        .iter()
        .filter(|e| e["seq"] != 7)
        .all(|e| e.get("origin").is_none()));
    env.ok(&["log"])
        .says("rebased from event 6 (4ff2fa0c0312): onto main");
    // The op format 4 added reads back, and projects: notes is STRICT from
    // event 2 on.
    assert_eq!(
        events[1]["ops"],
        serde_json::json!([{
            "alter_table_options": {"table": "notes", "from": [], "to": ["strict"]}
        }])
    );
    let at_1 = env.json(&["schema", "--at", "1"]);
    assert_eq!(at_1["tables"]["notes"]["options"], serde_json::json!([]));
    let at_v1 = env.json(&["schema", "--at", "v1"]);
    assert_eq!(
        at_v1["tables"]["notes"]["options"],
        serde_json::json!(["strict"])
    );
    env.ok(&["schema", "--at", "v1"])
        .says("WITHOUT ROWID, STRICT")
        .says("AUTOINCREMENT");
}

#[test]
fn a_format_4_ledger_takes_new_events_in_its_own_layout() {
    let env = with_format_4_ledger();
    env.ok(&["--quiet", "apply", "--db", "app.db"]);
    // An op of format 4's own, derived from a desired schema: notes is no
    // longer STRICT.
    let head = env.ok(&["schema"]).stdout;
    let strict_notes = "\"body\" TEXT\n) STRICT;";
    assert!(head.contains(strict_notes), "{head}");
    let desired = env.file(
        "desired.sql",
        &head.replace(strict_notes, "\"body\" TEXT\n);"),
    );
    env.ok(&[
        "record",
        "-m",
        "notes not strict",
        "--author",
        "a",
        "--desired",
        desired.to_str().expect("utf-8"),
    ]);
    env.ok(&[
        "record",
        "-m",
        "more options",
        "--author",
        "a",
        "--sql",
        "CREATE TABLE kv (k TEXT PRIMARY KEY, v ANY) STRICT, WITHOUT ROWID; \
         CREATE TABLE seqs (id INTEGER PRIMARY KEY AUTOINCREMENT, n INT) STRICT; \
         DROP TABLE flags;",
    ]);
    let verified = env.json(&["verify", "--deep"]);
    assert_eq!(verified["format_version"], 4);
    assert_eq!(verified["events"], 10);
    // The old events are untouched; the new ones link to the old head.
    let log = env.json(&["log"]);
    let log = log.as_array().expect("array");
    assert_eq!(
        Value::Array(log[2..].to_vec()),
        fixture_json("ledger-format-4", "log.json")
    );
    assert_eq!(log[1]["prev"], log[2]["hash"]);
    assert_eq!(log[0]["prev"], log[1]["hash"]);
    assert_eq!(
        log[1]["ops"],
        serde_json::json!([{
            "alter_table_options": {"table": "notes", "from": ["strict"], "to": []}
        }])
    );
    let schema = env.json(&["schema"]);
    assert_eq!(schema["tables"]["notes"]["options"], serde_json::json!([]));
    assert_eq!(
        schema["tables"]["kv"]["options"],
        serde_json::json!(["strict", "without_rowid"])
    );
    assert_eq!(
        schema["tables"]["seqs"]["options"],
        serde_json::json!(["autoincrement", "strict"])
    );
    // The database moves forward, back through the rebased event, the
    // baseline, the revert and the options op, and forward again.
    env.ok(&["apply", "--db", "app.db"])
        .says("is now at event 10");
    env.ok(&["apply", "--db", "app.db", "--to", "1"])
        .says("is now at event 1");
    env.ok(&["apply", "--db", "app.db"])
        .says("is now at event 10");
    env.ok(&["verify", "--db", "app.db"]);
}

/// What format 5 added and a SQLite ledger can express is a primary key
/// that changes (`drop_primary_key`, `add_primary_key`; definitions,
/// identity columns and index methods are not SQLite's): plan shows it,
/// and recording it into a format-4 ledger is refused by name, with
/// nothing appended, where a new ledger (format 6) takes it.
#[test]
fn a_format_4_ledger_refuses_by_name_what_came_in_5() {
    let rekey = |env: &Env| {
        env.record("kv", "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)");
        let head = env.ok(&["schema"]).stdout;
        let key = "\"v\" TEXT,\n  PRIMARY KEY (\"k\")";
        assert!(head.contains(key), "{head}");
        let desired = env.file(
            "desired.sql",
            &head.replace(key, "\"v\" TEXT,\n  PRIMARY KEY (\"k\", \"v\")"),
        );
        let desired = desired.to_str().expect("utf-8").to_string();
        env.ok(&["plan", "--desired", &desired])
            .says("drop from kv: PRIMARY KEY (k)")
            .says("add to kv: PRIMARY KEY (k, v)");
        desired
    };
    let env = with_format_4_ledger();
    let desired = rekey(&env);
    env.fails(&["record", "-m", "rekey", "--desired", &desired], 1)
        .says("an op of kind drop_primary_key, which format versions 2 to 4 cannot hold");
    let verified = env.json(&["verify", "--deep"]);
    assert_eq!(verified["format_version"], 4);
    assert_eq!(verified["events"], 9);
    let fresh = Env::init();
    let desired = rekey(&fresh);
    fresh.ok(&["record", "-m", "rekey", "--desired", &desired]);
    assert_eq!(fresh.json(&["verify"])["format_version"], 6);
}

/// The format-5 fixtures (tests/fixtures/ledger-format-5/README.md), as
/// the last strata of format 5 wrote them: a SQLite ledger with table
/// options, the primary-key ops, a foreign key DEFERRABLE INITIALLY
/// DEFERRED, a revert, a baseline, a rebased event and a tag; and a
/// PostgreSQL ledger with a sequence, identity columns, an index with an
/// included column and a deferred foreign key.
fn with_format_5_ledger() -> Env {
    with_fixture("ledger-format-5")
}

fn with_format_5_postgres_ledger() -> Env {
    with_fixture("ledger-format-5/postgres")
}

#[test]
fn a_format_5_ledger_verifies_with_its_original_hashes() {
    let env = with_format_5_ledger();
    let verified = env.json(&["verify", "--deep"]);
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["format_version"], 5);
    assert_eq!(verified["dialect"], "sqlite");
    assert_eq!(verified["events"], 8);
    assert_eq!(
        verified["head"]["hash"],
        "f7e1f3dd4ab16a73d4c2beb93f1f545c182d198243642af736294fae54ddea6a"
    );
    // Every event, hash, fingerprint, link and origin as that strata wrote
    // and printed them, compared without any normalising: the fields
    // format 6 added (a column's `identity_options`, a key's or unique
    // constraint's `deferred` and `deferrable`, a foreign key's
    // `deferrable`) are printed only when set, which nothing of a format-5
    // ledger is.
    let log = env.json(&["log"]);
    assert_eq!(log, fixture_json("ledger-format-5", "log.json"));
    let schema = env.json(&["schema"]);
    assert_eq!(schema, fixture_json("ledger-format-5", "schema.json"));
    assert_eq!(
        schema["tables"]["counters"]["options"],
        serde_json::json!(["autoincrement", "strict"])
    );
    let deferred = &schema["tables"]["links"]["foreign_keys"][0];
    assert_eq!(deferred["deferred"], true);
    assert!(deferred.get("deferrable").is_none(), "{deferred}");
    // The event rebase re-recorded keeps where it was before the rebase.
    let events = env.events();
    assert_eq!(events.len(), 8);
    let rebased = &events[6];
    assert_eq!(rebased["message"], "counter steps");
    assert_eq!(
        rebased["origin"],
        serde_json::json!({
            "seq": 6,
            "hash": "053b7058729201c84ce001877573acd5596c0a667c0c61bf1e851f435245f399",
            "message": "onto main",
        })
    );
    env.ok(&["log"])
        .says("rebased from event 6 (053b70587292): onto main");
    // The ops format 5 added read back, and project: kv is keyed by k
    // until event 2, by k and v from there.
    assert_eq!(
        events[1]["ops"],
        serde_json::json!([
            {"drop_primary_key": {"table": "kv", "primary_key": {"name": null, "columns": ["k"]}}},
            {"add_primary_key": {"table": "kv", "primary_key": {"name": "kv_pkey", "columns": ["k", "v"]}}},
        ])
    );
    let at_1 = env.json(&["schema", "--at", "1"]);
    assert_eq!(
        at_1["tables"]["kv"]["primary_key"],
        serde_json::json!({"name": null, "columns": ["k"]})
    );
    env.ok(&["schema", "--at", "v1"])
        .says("CONSTRAINT \"kv_pkey\" PRIMARY KEY (\"k\", \"v\")")
        .says("DEFERRABLE INITIALLY DEFERRED")
        .says("WITHOUT ROWID, STRICT");
    // The PostgreSQL ledger: format 5's definitions, identity columns and
    // included columns, as that strata showed them.
    let pg = with_format_5_postgres_ledger();
    let verified = pg.json(&["verify", "--deep"]);
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["format_version"], 5);
    assert_eq!(verified["dialect"], "postgres");
    assert_eq!(verified["events"], 3);
    assert_eq!(
        verified["head"]["hash"],
        "aa26e5c5c5f7a96e4b2eaaa82a7d6eb90d6cdfb367b8c3b6165d1d45950f12d3"
    );
    assert_eq!(
        pg.json(&["log"]),
        fixture_json("ledger-format-5/postgres", "log.json")
    );
    assert_eq!(
        pg.json(&["schema"]),
        fixture_json("ledger-format-5/postgres", "schema.json")
    );
    pg.ok(&["schema", "--at", "v1"])
        .says("CREATE SEQUENCE ticket_no START 100")
        .says("id integer GENERATED BY DEFAULT AS IDENTITY NOT NULL")
        .says("INCLUDE (author_id)")
        .says("REFERENCES authors (id) DEFERRABLE INITIALLY DEFERRED");
}

#[test]
fn a_format_5_ledger_takes_new_events_in_its_own_layout() {
    let env = with_format_5_ledger();
    env.ok(&["--quiet", "apply", "--db", "app.db"]);
    // The ops of format 5's own, derived from a desired schema: kv is
    // keyed by k again.
    let head = env.ok(&["schema"]).stdout;
    let key = "CONSTRAINT \"kv_pkey\" PRIMARY KEY (\"k\", \"v\")";
    assert!(head.contains(key), "{head}");
    let desired = env.file("desired.sql", &head.replace(key, "PRIMARY KEY (\"k\")"));
    env.ok(&[
        "record",
        "-m",
        "kv keyed by k",
        "--author",
        "a",
        "--desired",
        desired.to_str().expect("utf-8"),
    ]);
    env.ok(&[
        "record",
        "-m",
        "more tables",
        "--author",
        "a",
        "--sql",
        "CREATE TABLE kv2 (k TEXT PRIMARY KEY, v ANY) STRICT, WITHOUT ROWID; \
         CREATE TABLE refs (id INTEGER PRIMARY KEY AUTOINCREMENT, counter INTEGER, \
           CONSTRAINT refs_counter UNIQUE (counter), \
           CONSTRAINT refs_counter_fk FOREIGN KEY (counter) REFERENCES counters (id) DEFERRABLE INITIALLY DEFERRED); \
         DROP TABLE flags;",
    ]);
    let verified = env.json(&["verify", "--deep"]);
    assert_eq!(verified["format_version"], 5);
    assert_eq!(verified["events"], 10);
    // The old events are untouched; the new ones link to the old head.
    let log = env.json(&["log"]);
    let log = log.as_array().expect("array");
    assert_eq!(
        Value::Array(log[2..].to_vec()),
        fixture_json("ledger-format-5", "log.json")
    );
    assert_eq!(log[1]["prev"], log[2]["hash"]);
    assert_eq!(log[0]["prev"], log[1]["hash"]);
    assert_eq!(
        log[1]["ops"],
        serde_json::json!([
            {"drop_primary_key": {"table": "kv", "primary_key": {"name": "kv_pkey", "columns": ["k", "v"]}}},
            {"add_primary_key": {"table": "kv", "primary_key": {"name": null, "columns": ["k"]}}},
        ])
    );
    let schema = env.json(&["schema"]);
    assert_eq!(
        schema["tables"]["kv"]["primary_key"],
        serde_json::json!({"name": null, "columns": ["k"]})
    );
    assert_eq!(
        schema["tables"]["kv2"]["options"],
        serde_json::json!(["strict", "without_rowid"])
    );
    let refs = &schema["tables"]["refs"];
    assert_eq!(refs["options"], serde_json::json!(["autoincrement"]));
    assert_eq!(
        refs["uniques"],
        serde_json::json!([{"name": "refs_counter", "columns": ["counter"]}])
    );
    assert_eq!(refs["foreign_keys"][0]["deferred"], true);
    // The database moves forward, back through the rebased event, the
    // baseline, the revert and the primary-key ops, and forward again.
    env.ok(&["apply", "--db", "app.db"])
        .says("is now at event 10");
    env.ok(&["apply", "--db", "app.db", "--to", "1"])
        .says("is now at event 1");
    env.ok(&["apply", "--db", "app.db"])
        .says("is now at event 10");
    env.ok(&["verify", "--db", "app.db"]);
}

/// What format 6 added (a column's identity options, a deferrable
/// primary key or unique constraint, a foreign key DEFERRABLE INITIALLY
/// IMMEDIATE) is PostgreSQL's, and neither SQL reader records it yet
/// (SQLite has none of it), so it reaches a ledger as events written out:
/// a text form. The PostgreSQL fixture's text form imports as a format-5
/// ledger hash for hash; given any of those fields, it is refused by name,
/// by `verify --text` and by `import`, which makes no ledger.
#[test]
fn a_format_5_ledger_refuses_by_name_what_came_in_6() {
    let env = with_format_5_postgres_ledger();
    env.ok(&["export", "text"]);
    env.ok(&["--ledger", "copy", "import", "text"]);
    let copy = env.json(&["--ledger", "copy", "verify", "--deep"]);
    assert_eq!(copy["format_version"], 5);
    assert_eq!(copy["dialect"], "postgres");
    assert_eq!(
        env.json(&["--ledger", "copy", "log"]),
        fixture_json("ledger-format-5/postgres", "log.json")
    );
    let event_1 = std::fs::read_to_string(env.path().join("text/000001.json")).expect("read");
    for (from, to, refused) in [
        (
            "\"identity\": \"by_default\"",
            "\"identity\": \"by_default\", \"identity_options\": \"START WITH 100\"",
            "column authors.id has identity options",
        ),
        (
            "\"name\": \"authors_pkey\",",
            "\"name\": \"authors_pkey\", \"deferrable\": true,",
            "the primary key of table authors is deferrable",
        ),
        (
            "\"name\": \"authors_name_key\",",
            "\"name\": \"authors_name_key\", \"deferred\": true,",
            "unique constraint authors_name_key of table authors is deferrable",
        ),
        (
            "\"deferred\": true",
            "\"deferred\": false, \"deferrable\": true",
            "foreign key books_author_fkey of table books is DEFERRABLE INITIALLY IMMEDIATE",
        ),
    ] {
        assert_eq!(event_1.matches(from).count(), 1, "{from}");
        env.file("text/000001.json", &event_1.replace(from, to));
        let message = format!("{refused}, which format versions 2 to 5 cannot hold");
        env.fails(&["verify", "--text", "text"], 3).says(&message);
        env.fails(&["--ledger", "other", "import", "text"], 3)
            .says(&message);
        assert!(!env.path().join("other").exists());
    }
}

#[test]
fn a_new_ledger_is_format_6_and_hashes_its_dialect() {
    let env = Env::new();
    env.ok(&["init", "--dialect", "sqlite"]);
    let verified = env.json(&["verify"]);
    assert_eq!(verified["format_version"], 6);
    assert_eq!(verified["dialect"], "sqlite");
    let init = Env::new();
    let made = init.json(&["init"]);
    assert_eq!(made["dialect"], "sqlite");
    assert_eq!(made["format_version"], 6);
    // The format-3 fixture's first event, recorded again with the same time
    // and author, is the same change and another event under format 6: its
    // hash differs.
    let sql = include_str!("../fixtures/ledger-format-3/tables.sql");
    let file = env.file("tables.sql", sql);
    env.ok(&[
        "record",
        "-m",
        "counters and pairs",
        "--author",
        "fixture",
        "--timestamp",
        "2026-11-30T09:00:00Z",
        file.to_str().expect("utf-8"),
    ]);
    let ours = &env.events()[0];
    let theirs = &fixture_log_of("ledger-format-3")[5];
    assert_eq!(theirs["seq"], 1);
    assert_eq!(ours["ops"], theirs["ops"]);
    assert_ne!(ours["hash"], theirs["hash"]);
}

#[test]
fn init_records_the_dialect_and_refuses_one_it_does_not_know() {
    let env = Env::new();
    let made = env.json(&["init", "--dialect", "postgres"]);
    assert_eq!(made["dialect"], "postgres", "{made}");
    let other = Env::new();
    other.fails(&["init", "--dialect", "oracle"], 2);
    assert!(!other.path().join("ledger-data").exists());
}

#[test]
fn recording_what_came_in_6_on_a_format_5_postgres_ledger_is_refused() {
    let env = with_format_5_postgres_ledger();
    let cluster = strata_postgres::cluster::Cluster::start().expect("a PostgreSQL cluster");
    let dev = cluster.database("dev").expect("a development database");
    let head = env.json(&["verify"])["events"].clone();
    let record = |sql: &str| {
        let args = [
            "--dev-db",
            dev.as_str(),
            "record",
            "-m",
            "new",
            "--sql",
            sql,
        ];
        let out = env.command(&args).output().expect("run strata");
        env.finish(&args, out)
    };
    for (sql, refused) in [
        (
            "ALTER TABLE books ADD CONSTRAINT books_title_key UNIQUE (title) DEFERRABLE",
            "unique constraint books_title_key of table books is deferrable",
        ),
        (
            "ALTER TABLE authors ALTER COLUMN id SET INCREMENT BY 5",
            "column authors.id has identity options",
        ),
        (
            "ALTER TABLE books ALTER CONSTRAINT books_author_fkey DEFERRABLE INITIALLY IMMEDIATE",
            "foreign key books_author_fkey of table books is DEFERRABLE INITIALLY IMMEDIATE",
        ),
    ] {
        let run = record(sql);
        assert_ne!(run.code, 0, "{sql}: {}", run.stdout);
        assert!(
            run.stderr.contains(&format!(
                "{refused}, which format versions 2 to 5 cannot hold"
            )),
            "{sql}: {}",
            run.stderr
        );
    }
    assert_eq!(env.json(&["verify"])["events"], head, "nothing appended");
    // What format 5 holds is still recorded there.
    let run = record("ALTER TABLE books ADD CONSTRAINT books_title_key UNIQUE (title)");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(env.json(&["verify"])["format_version"], 5);
}
