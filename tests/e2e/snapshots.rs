//! Every command's output as it is today, text and `--json`, with the
//! `--dry-run` forms and the main errors (their exit code and stderr):
//! inline insta snapshots that guard the CLI's rendering. A change of
//! output shows up as a diff to review (`INSTA_UPDATE=always cargo test -p
//! strata-cli --test e2e snapshots::`, then `cargo insta review`).
//!
//! Hashes are part of the output, so they are kept deterministic: the
//! author is fixed (`STRATA_AUTHOR`, set by `Env`) and every event gets a
//! fixed `--timestamp` in 2099. An event recorded without one (a tag)
//! takes the head's time when the head is ahead of the clock, so it is
//! deterministic too. What is not is replaced: the Env's directory by
//! `[dir]`, and the wall-clock times SQLite writes (`...T08:20:34.683Z`,
//! always with a fraction of a second) by `[now]`.

use crate::{Env, Run};

/// The seed of these snapshots: users created (event 1), a column added
/// (2), a table of orders (3).
fn seeded() -> Env {
    let env = Env::init();
    record_at(
        &env,
        "create users",
        "2099-01-01T00:00:00Z",
        "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, email text UNIQUE)",
    );
    record_at(
        &env,
        "add age",
        "2099-01-02T00:00:00Z",
        "ALTER TABLE users ADD COLUMN age integer",
    );
    record_at(
        &env,
        "create orders",
        "2099-01-03T00:00:00Z",
        "CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES users (id), total real);
         CREATE INDEX orders_by_user ON orders (user_id)",
    );
    env
}

/// `record -m MESSAGE --timestamp AT --sql SQL`, which must succeed.
fn record_at(env: &Env, message: &str, at: &str, sql: &str) {
    env.ok(&["record", "-m", message, "--timestamp", at, "--sql", sql]);
}

/// The seed applied to app.db, with a row in each table.
fn applied() -> Env {
    let env = seeded();
    env.ok(&["apply", "--db", "app.db"]);
    env.db("app.db")
        .execute_batch(
            "INSERT INTO users VALUES (1, 'ada', 'ada@example.com', 36);
             INSERT INTO orders VALUES (10, 1, 9.5);",
        )
        .expect("rows");
    env
}

/// What `strata ARGS` did: its exit code, its stdout, and its stderr when
/// it wrote any.
fn run(env: &Env, args: &[&str]) -> String {
    shown(env, &env.run(args))
}

/// [`run`] with `--json` first.
fn json(env: &Env, args: &[&str]) -> String {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    run(env, &all)
}

fn shown(env: &Env, run: &Run) -> String {
    let mut out = format!("exit {}\n{}", run.code, run.stdout);
    if !run.stderr.is_empty() {
        out.push_str("--- stderr\n");
        out.push_str(&run.stderr);
    }
    scrub(env, &out)
}

/// `text` with the Env's directory as `[dir]` and wall-clock times as
/// `[now]`.
fn scrub(env: &Env, text: &str) -> String {
    let mut text = text.to_string();
    let dir = env.path();
    for d in [
        dir.canonicalize().unwrap_or(dir.to_path_buf()),
        dir.to_path_buf(),
    ] {
        text = text.replace(&*d.to_string_lossy(), "[dir]");
    }
    clock_as_now(&text)
}

/// Every `YYYY-MM-DDTHH:MM:SS.F...Z` (a time with a fraction of a second:
/// the clock's, never a `--timestamp` of these tests) as `[now]`.
fn clock_as_now(text: &str) -> String {
    let shape = |c: u8, p: u8| match p {
        b'9' => c.is_ascii_digit(),
        p => c == p,
    };
    let pattern = b"9999-99-99T99:99:99.";
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.len() > pattern.len() && rest.iter().zip(pattern).all(|(&c, &p)| shape(c, p)) {
            let digits = rest[pattern.len()..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if digits > 0 && rest.get(pattern.len() + digits) == Some(&b'Z') {
                out.push_str("[now]");
                i += pattern.len() + digits + 1;
                continue;
            }
        }
        let c = text[i..].chars().next().expect("a char");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[test]
fn the_scrub_replaces_the_clock_and_keeps_fixed_times() {
    assert_eq!(
        clock_as_now("a 2026-11-30T08:20:34.683Z b 2099-01-01T00:00:00Z c 2026-11-30T08:20:34.Z"),
        "a [now] b 2099-01-01T00:00:00Z c 2026-11-30T08:20:34.Z"
    );
}

#[test]
fn init() {
    let env = Env::new();
    insta::assert_snapshot!(run(&env, &["init"]), @r#"
    exit 0
    created an empty ledger in ledger-data
    "#);
    insta::assert_snapshot!(json(&env, &["--ledger", "other", "init"]), @r#"
    exit 0
    {
      "dialect": "sqlite",
      "events": 0,
      "format_version": 6,
      "ledger": "other"
    }
    "#);
    insta::assert_snapshot!(run(&env, &["init"]), @"
    exit 1
    --- stderr
    error: a ledger already exists at ledger-data
    help: use it, or give another directory
    ");
}

#[test]
fn record() {
    let env = seeded();
    let sql = "ALTER TABLE users ADD COLUMN city text DEFAULT 'x'";
    let at = "2099-02-01T00:00:00Z";
    // Counts agree with their nouns: "1 op", "1 table", "1 row".
    insta::assert_snapshot!(run(&env, &["record", "-m", "add city", "--timestamp", at, "--dry-run", "--sql", sql]), @r#"
    exit 0
    would record change event 4 (1 op); nothing was appended
      add column users.city: "city" text DEFAULT 'x'
    "#);
    insta::assert_snapshot!(json(&env, &["record", "-m", "add city", "--timestamp", at, "--dry-run", "--sql", sql]), @r#"
    exit 0
    {
      "seq": 4,
      "hash": "db595aa817c1a0de7a5b4b81e04f0efd458e15a3d1e9de7b749f65a50f3e2034",
      "prev": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
      "at": "2099-02-01T00:00:00Z",
      "author": "tester",
      "message": "add city",
      "kind": "change",
      "ops": [
        {
          "add_column": {
            "table": "users",
            "column": {
              "name": "city",
              "ty": "text",
              "not_null": false,
              "default": "'x'",
              "collation": null,
              "generated": null
            },
            "position": 4
          }
        }
      ],
      "fingerprint": "b965acbf5a349027c4ae133e9152771711a36ba94f6d28874a9dde52ce562642"
    }
    "#);
    insta::assert_snapshot!(run(&env, &["-v", "record", "-m", "add city", "--timestamp", at, "--dry-run", "--sql", sql]), @r#"
    exit 0
    would record change event 4 (1 op); nothing was appended
      add column users.city: "city" text DEFAULT 'x'
    "#);
    insta::assert_snapshot!(run(&env, &["record", "-m", "add city", "--timestamp", at, "--sql", sql]), @"
    exit 0
    recorded event 4 (db595aa817c1): add city
    ");
    insta::assert_snapshot!(json(&env, &["record", "-m", "drop city", "--timestamp", "2099-02-02T00:00:00Z", "--sql", "ALTER TABLE users DROP COLUMN city"]), @r#"
    exit 0
    {
      "seq": 5,
      "hash": "651f9fcbba727d143354c08bba857d51afcae390d41217ce98199c66bf3ff9a0",
      "prev": "db595aa817c1a0de7a5b4b81e04f0efd458e15a3d1e9de7b749f65a50f3e2034",
      "at": "2099-02-02T00:00:00Z",
      "author": "tester",
      "message": "drop city",
      "kind": "change",
      "ops": [
        {
          "drop_column": {
            "table": "users",
            "column": {
              "name": "city",
              "ty": "text",
              "not_null": false,
              "default": "'x'",
              "collation": null,
              "generated": null
            },
            "position": 4
          }
        }
      ],
      "fingerprint": "f461452130be96726ba7fc708a768f2581dd33901c2b495be47d567acb74434e"
    }
    --- stderr
    warning: this drops column users.city; apply keeps its data in the database's archive, and a revert brings it back [drop]
    "#);
    env.file(
        "change.sql",
        "CREATE TABLE tags (name text PRIMARY KEY) WITHOUT ROWID;\n",
    );
    insta::assert_snapshot!(run(&env, &["record", "-m", "from a file", "--timestamp", "2099-02-03T00:00:00Z", "change.sql"]), @"
    exit 0
    recorded event 6 (8f30661b94a8): from a file
    ");
}

#[test]
fn record_errors() {
    let env = seeded();
    let at = "2099-02-01T00:00:00Z";
    // Bad SQL, SQL that does not fit, nothing to record, an empty message.
    insta::assert_snapshot!(run(&env, &["record", "-m", "x", "--timestamp", at, "--sql", "CREATE TABLE t (a"]), @r#"
    exit 1
    --- stderr
    error: --sql: statement 1 (line 1, column 1): syntax error in CREATE TABLE t (a: expected ), found the end of the statement at line 1, column 18
    "#);
    insta::assert_snapshot!(run(&env, &["record", "-m", "x", "--timestamp", at, "--sql", "SELECT 1"]), @r#"
    exit 1
    --- stderr
    error: --sql: statement 1 (line 1, column 1): unsupported statement SELECT 1: strata records CREATE/DROP/ALTER TABLE, CREATE/DROP INDEX, VIEW and TRIGGER, and INSERT/UPDATE/DELETE data steps
    "#);
    insta::assert_snapshot!(run(&env, &["record", "-m", "x", "--timestamp", at, "--sql", "ALTER TABLE nope ADD COLUMN a text"]), @r#"
    exit 1
    --- stderr
    error: --sql: statement 1 (line 1, column 1): ALTER TABLE nope ADD COLUMN a text: no table named nope
    "#);
    insta::assert_snapshot!(run(&env, &["record", "-m", "x", "--timestamp", at, "--sql", "CREATE TABLE t (a);\nCREATE TABLE t (b);"]), @r#"
    exit 1
    --- stderr
    error: --sql: statement 2 (line 2, column 1): CREATE TABLE t (b): table t already exists
    "#);
    insta::assert_snapshot!(run(&env, &["record", "-m", "x", "--timestamp", at, "--sql", "ALTER TABLE users ALTER COLUMN name TYPE text"]), @r#"
    exit 1
    --- stderr
    error: --sql holds no statements to record
    help: give CREATE, ALTER or DROP statements (or data steps)
    "#);
    insta::assert_snapshot!(run(&env, &["record", "-m", "", "--timestamp", at, "--sql", "CREATE TABLE t (a)"]), @"
    exit 1
    --- stderr
    error: the message is empty
    help: say what the event does
    ");
    // The model takes it, SQLite refuses it: refused before the append.
    insta::assert_snapshot!(run(&env, &["record", "-m", "x", "--timestamp", at, "--sql", "CREATE TABLE t (a TEXT COLLATE nosuchcoll)"]), @r#"
    exit 1
    --- stderr
    error: SQLite refuses event 4 op 1: create_table t, running CREATE TABLE "t" ( "a" TEXT COLLATE "nosuchcoll" ): no such collation sequence: nosuchcoll; nothing was appended
    help: strata applies every event to a scratch SQLite database before appending it; change what SQLite refuses and record again
    "#);
    insta::assert_snapshot!(run(&env, &["record", "-m", "x", "--timestamp", at, "--sql", "CREATE INDEX i ON users (nope)"]), @r#"
    exit 1
    --- stderr
    error: --sql: statement 1 (line 1, column 1): CREATE INDEX i ON users (nope): table users has no column named nope
    "#);
    // Times never go back; a bad time; no such file; a usage error.
    insta::assert_snapshot!(run(&env, &["record", "-m", "x", "--timestamp", "2098-01-01T00:00:00Z", "--sql", "CREATE TABLE t (a)"]), @"
    exit 1
    --- stderr
    error: time 2098-01-01T00:00:00Z is earlier than event 3's (2099-01-03T00:00:00Z): times never decrease along the ledger
    help: give a time at or after it
    ");
    insta::assert_snapshot!(run(&env, &["record", "-m", "x", "--timestamp", "yesterday", "--sql", "CREATE TABLE t (a)"]), @r#"
    exit 1
    --- stderr
    error: --timestamp: "yesterday" is not an RFC 3339 timestamp such as 2026-11-25T10:00:00Z (the 'year' component could not be parsed)
    "#);
    insta::assert_snapshot!(run(&env, &["record", "-m", "x", "--timestamp", at, "missing.sql"]), @r#"
    exit 1
    --- stderr
    error: cannot read missing.sql: No such file or directory (os error 2)
    "#);
    insta::assert_snapshot!(run(&env, &["record", "-m", "x"]), @r#"
    exit 2
    --- stderr
    error: the following required arguments were not provided:
      <FILE|--sql <SQL>|--desired <FILE.sql>|--from-db <FILE>>

    Usage: strata record --message <MESSAGE> --author <AUTHOR> <FILE|--sql <SQL>|--desired <FILE.sql>|--from-db <FILE>>

    For more information, try '--help'.
    "#);
    // No ledger.
    insta::assert_snapshot!(run(&Env::new(), &["record", "-m", "x", "--sql", "CREATE TABLE t (a)"]), @"
    exit 1
    --- stderr
    error: no ledger at ledger-data
    help: run `strata init` to create one
    ");
}

#[test]
fn log() {
    let env = seeded();
    insta::assert_snapshot!(run(&env, &["log"]), @r#"
    exit 0
    event 3  2e571c5d404f  2099-01-03T00:00:00Z  tester  change
        create orders
          create table orders
          create index orders_by_user on orders (user_id)

    event 2  ad66faeb9340  2099-01-02T00:00:00Z  tester  change
        add age
          add column users.age: "age" integer

    event 1  e837a61c452f  2099-01-01T00:00:00Z  tester  change
        create users
          create table users
    "#);
    insta::assert_snapshot!(run(&env, &["log", "--limit", "1"]), @"
    exit 0
    event 3  2e571c5d404f  2099-01-03T00:00:00Z  tester  change
        create orders
          create table orders
          create index orders_by_user on orders (user_id)
    ");
    insta::assert_snapshot!(run(&env, &["log", "--table", "orders"]), @"
    exit 0
    event 3  2e571c5d404f  2099-01-03T00:00:00Z  tester  change
        create orders
          create table orders
          create index orders_by_user on orders (user_id)
    ");
    insta::assert_snapshot!(json(&env, &["log", "--limit", "1"]), @r#"
    exit 0
    [
    {
      "seq": 3,
      "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
      "prev": "ad66faeb934090e5c40e68864b3ff2ed7a818d002c939e64e64973366c937515",
      "at": "2099-01-03T00:00:00Z",
      "author": "tester",
      "message": "create orders",
      "kind": "change",
      "ops": [
        {
          "create_table": {
            "table": {
              "name": "orders",
              "columns": [
                {
                  "name": "id",
                  "ty": "integer",
                  "not_null": false,
                  "default": null,
                  "collation": null,
                  "generated": null
                },
                {
                  "name": "user_id",
                  "ty": "integer",
                  "not_null": false,
                  "default": null,
                  "collation": null,
                  "generated": null
                },
                {
                  "name": "total",
                  "ty": "real",
                  "not_null": false,
                  "default": null,
                  "collation": null,
                  "generated": null
                }
              ],
              "primary_key": {
                "name": null,
                "columns": [
                  "id"
                ]
              },
              "uniques": [],
              "checks": [],
              "foreign_keys": [
                {
                  "name": null,
                  "columns": [
                    "user_id"
                  ],
                  "ref_table": "users",
                  "ref_columns": [
                    "id"
                  ],
                  "on_delete": "no_action",
                  "on_update": "no_action",
                  "deferred": false
                }
              ],
              "options": []
            }
          }
        },
        {
          "create_index": {
            "index": {
              "name": "orders_by_user",
              "table": "orders",
              "unique": false,
              "columns": [
                {
                  "term": {
                    "column": "user_id"
                  },
                  "collation": null,
                  "desc": false
                }
              ],
              "predicate": null
            }
          }
        }
      ],
      "fingerprint": "f461452130be96726ba7fc708a768f2581dd33901c2b495be47d567acb74434e"
    }
    ]
    "#);
    insta::assert_snapshot!(run(&Env::init(), &["log"]), @r#"
    exit 0
    no events yet
    "#);
    insta::assert_snapshot!(json(&Env::init(), &["log"]), @r#"
    exit 0
    []
    "#);
}

#[test]
fn show() {
    let env = seeded();
    record_at(
        &env,
        "retype age",
        "2099-01-04T00:00:00Z",
        "ALTER TABLE users ALTER COLUMN age TYPE text; DROP INDEX orders_by_user",
    );
    insta::assert_snapshot!(run(&env, &["show"]), @r#"
    exit 0
    event 4
    hash        6584ae4325b35740dfadcb9318ab4af9e6763fe4a9e9bc56e7997831d41c7047
    prev        2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634
    at          2099-01-04T00:00:00Z
    author      tester
    kind        change
    fingerprint a471715dd17b5162d432b15ce184b043d2752de6e948ddbf407ac190837672c1

        retype age

    1. alter column users.age: "age" integer -> "age" text
    2. drop index orders_by_user on orders (user_id)
       removed: CREATE INDEX "orders_by_user" ON "orders" ("user_id")
    "#);
    insta::assert_snapshot!(run(&env, &["show", "1"]), @r#"
    exit 0
    event 1
    hash        e837a61c452f5e727b36a12e089702400ae9e418f3d71bfa7ff3fc10d099a949
    prev        0000000000000000000000000000000000000000000000000000000000000000
    at          2099-01-01T00:00:00Z
    author      tester
    kind        change
    fingerprint ba0f044e0b08d5494bdff9d2fc7b535e4d944318881222079ca2952f30f7b578

        create users

    1. create table users
       sql: CREATE TABLE "users" (
              "id" integer PRIMARY KEY,
              "name" text NOT NULL,
              "email" text,
              UNIQUE ("email")
            )
    "#);
    insta::assert_snapshot!(json(&env, &["show", "2"]), @r#"
    exit 0
    {
      "seq": 2,
      "hash": "ad66faeb934090e5c40e68864b3ff2ed7a818d002c939e64e64973366c937515",
      "prev": "e837a61c452f5e727b36a12e089702400ae9e418f3d71bfa7ff3fc10d099a949",
      "at": "2099-01-02T00:00:00Z",
      "author": "tester",
      "message": "add age",
      "kind": "change",
      "ops": [
        {
          "add_column": {
            "table": "users",
            "column": {
              "name": "age",
              "ty": "integer",
              "not_null": false,
              "default": null,
              "collation": null,
              "generated": null
            },
            "position": 3
          }
        }
      ],
      "fingerprint": "9e62eb7ff1c53a26c2ae7a5a237a9068c410ad943e6f965712c070d37c2b720c"
    }
    "#);
    // A bad point, an event that is not there, point 0, an unknown tag.
    insta::assert_snapshot!(run(&env, &["show", "nope~"]), @r#"
    exit 2
    --- stderr
    error: invalid value 'nope~' for '[POINT]': "nope~" is not a point: a point is 0, N, head, head~K, a tag name, 8 to 64 hex characters of a hash, or @TIME

    For more information, try '--help'.
    "#);
    insta::assert_snapshot!(run(&env, &["show", "99"]), @r#"
    exit 1
    --- stderr
    error: there is no event 99: the ledger's head is event 4
    "#);
    insta::assert_snapshot!(run(&env, &["show", "0"]), @r#"
    exit 1
    --- stderr
    error: point 0 is the empty schema before event 1, not an event
    help: show 1 or a later event; `strata log` lists them
    "#);
    insta::assert_snapshot!(run(&env, &["show", "v9"]), @r#"
    exit 1
    --- stderr
    error: no tag named v9: the ledger has no tags
    "#);
}

#[test]
fn schema() {
    let env = seeded();
    insta::assert_snapshot!(run(&env, &["schema"]), @r#"
    exit 0
    CREATE TABLE "users" (
      "id" integer PRIMARY KEY,
      "name" text NOT NULL,
      "email" text,
      "age" integer,
      UNIQUE ("email")
    );

    CREATE TABLE "orders" (
      "id" integer PRIMARY KEY,
      "user_id" integer,
      "total" real,
      FOREIGN KEY ("user_id") REFERENCES "users" ("id")
    );

    CREATE INDEX "orders_by_user" ON "orders" ("user_id");
    "#);
    insta::assert_snapshot!(run(&env, &["schema", "--at", "1"]), @r#"
    exit 0
    CREATE TABLE "users" (
      "id" integer PRIMARY KEY,
      "name" text NOT NULL,
      "email" text,
      UNIQUE ("email")
    );
    "#);
    insta::assert_snapshot!(run(&env, &["schema", "--at", "0"]), @r#"
    exit 0
    "#);
    insta::assert_snapshot!(run(&env, &["schema", "--at", "1", "--format", "json"]), @r#"
    exit 0
    {
      "tables": {
        "users": {
          "name": "users",
          "columns": [
            {
              "name": "id",
              "ty": "integer",
              "not_null": false,
              "default": null,
              "collation": null,
              "generated": null
            },
            {
              "name": "name",
              "ty": "text",
              "not_null": true,
              "default": null,
              "collation": null,
              "generated": null
            },
            {
              "name": "email",
              "ty": "text",
              "not_null": false,
              "default": null,
              "collation": null,
              "generated": null
            }
          ],
          "primary_key": {
            "name": null,
            "columns": [
              "id"
            ]
          },
          "uniques": [
            {
              "name": null,
              "columns": [
                "email"
              ]
            }
          ],
          "checks": [],
          "foreign_keys": [],
          "options": []
        }
      },
      "indexes": {},
      "views": {},
      "triggers": {}
    }
    "#);
    insta::assert_snapshot!(json(&env, &["schema", "--at", "1"]), @r#"
    exit 0
    {
      "tables": {
        "users": {
          "name": "users",
          "columns": [
            {
              "name": "id",
              "ty": "integer",
              "not_null": false,
              "default": null,
              "collation": null,
              "generated": null
            },
            {
              "name": "name",
              "ty": "text",
              "not_null": true,
              "default": null,
              "collation": null,
              "generated": null
            },
            {
              "name": "email",
              "ty": "text",
              "not_null": false,
              "default": null,
              "collation": null,
              "generated": null
            }
          ],
          "primary_key": {
            "name": null,
            "columns": [
              "id"
            ]
          },
          "uniques": [
            {
              "name": null,
              "columns": [
                "email"
              ]
            }
          ],
          "checks": [],
          "foreign_keys": [],
          "options": []
        }
      },
      "indexes": {},
      "views": {},
      "triggers": {}
    }
    "#);
    insta::assert_snapshot!(run(&env, &["schema", "--at", "v9"]), @r#"
    exit 1
    --- stderr
    error: no tag named v9: the ledger has no tags
    "#);
    insta::assert_snapshot!(run(&env, &["schema", "--at", "head~5"]), @r#"
    exit 1
    --- stderr
    error: head~5 is before the first event: the ledger has 3 events, so head~3 is the empty schema
    "#);
    insta::assert_snapshot!(run(&env, &["schema", "--format", "mermaid"]), @r#"
    exit 0
    erDiagram
        "orders" {
            integer id PK
            integer user_id FK
            real total
        }
        "users" {
            integer id PK
            text name "NOT NULL"
            text email UK
            integer age
        }
        "users" |o..o{ "orders" : "user_id → id"
    "#);
    insta::assert_snapshot!(json(&env, &["schema", "--at", "1", "--format", "mermaid"]), @r#"
    exit 0
    erDiagram
        "users" {
            integer id PK
            text name "NOT NULL"
            text email UK
        }
    "#);
    insta::assert_snapshot!(run(&env, &["schema", "--format", "dot"]), @r#"
    exit 0
    digraph schema {
        graph [rankdir=LR];
        node [shape=plaintext, fontname="Helvetica"];
        edge [fontname="Helvetica", fontsize=10];
        "orders" [label=<
            <TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">
            <TR><TD COLSPAN="3" BGCOLOR="lightgrey"><B>orders</B></TD></TR>
            <TR><TD PORT="c0" ALIGN="LEFT">id</TD><TD ALIGN="LEFT">integer</TD><TD PORT="k0" ALIGN="LEFT">PK</TD></TR>
            <TR><TD PORT="c1" ALIGN="LEFT">user_id</TD><TD ALIGN="LEFT">integer</TD><TD PORT="k1" ALIGN="LEFT">FK</TD></TR>
            <TR><TD PORT="c2" ALIGN="LEFT">total</TD><TD ALIGN="LEFT">real</TD><TD PORT="k2" ALIGN="LEFT"></TD></TR>
            </TABLE>
        >];
        "users" [label=<
            <TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">
            <TR><TD COLSPAN="3" BGCOLOR="lightgrey"><B>users</B></TD></TR>
            <TR><TD PORT="c0" ALIGN="LEFT">id</TD><TD ALIGN="LEFT">integer</TD><TD PORT="k0" ALIGN="LEFT">PK</TD></TR>
            <TR><TD PORT="c1" ALIGN="LEFT">name</TD><TD ALIGN="LEFT">text</TD><TD PORT="k1" ALIGN="LEFT">NOT NULL</TD></TR>
            <TR><TD PORT="c2" ALIGN="LEFT">email</TD><TD ALIGN="LEFT">text</TD><TD PORT="k2" ALIGN="LEFT">UK</TD></TR>
            <TR><TD PORT="c3" ALIGN="LEFT">age</TD><TD ALIGN="LEFT">integer</TD><TD PORT="k3" ALIGN="LEFT"></TD></TR>
            </TABLE>
        >];
        "orders":k1:e -> "users":c0:w [label=<user_id → id>];
    }
    "#);
    insta::assert_snapshot!(run(&env, &["schema", "--at", "0", "--format", "dot"]), @r#"
    exit 0
    digraph schema {
        graph [rankdir=LR];
        node [shape=plaintext, fontname="Helvetica"];
        edge [fontname="Helvetica", fontsize=10];
    }
    "#);
    insta::assert_snapshot!(run(&env, &["schema", "--format", "svg"]), @"
    exit 2
    --- stderr
    error: invalid value 'svg' for '--format <FORMAT>'
      [possible values: sql, json, mermaid, dot]

    For more information, try '--help'.
    ");
}

/// `blame` of a table and of a column, text and JSON, after a rename and
/// a revert; an unknown table and column; a point before the table.
#[test]
fn blame() {
    let env = seeded();
    record_at(
        &env,
        "rename email",
        "2099-01-04T00:00:00Z",
        "ALTER TABLE users RENAME COLUMN email TO mail",
    );
    record_at(
        &env,
        "drop age",
        "2099-01-05T00:00:00Z",
        "ALTER TABLE users DROP COLUMN age",
    );
    env.ok(&[
        "revert",
        "5",
        "-m",
        "age back",
        "--timestamp",
        "2099-01-06T00:00:00Z",
    ]);
    insta::assert_snapshot!(run(&env, &["blame", "users"]), @r#"
    exit 0
    table users at event 6 (head): 4 columns, 2 other objects
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  table users
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  column id integer
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  column name text NOT NULL
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  column mail text
    4  793df3c4075e  tester  2099-01-04T00:00:00Z  rename email    renamed email -> mail
    6  616f6bb422b2  tester  2099-01-06T00:00:00Z  age back      column age integer
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  PRIMARY KEY ("id")
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  UNIQUE ("mail")
    "#);
    insta::assert_snapshot!(json(&env, &["blame", "orders"]), @r#"
    exit 0
    {
      "at": 6,
      "head": 6,
      "objects": [
        {
          "definition": "orders",
          "event": {
            "at": "2099-01-03T00:00:00Z",
            "author": "tester",
            "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
            "kind": "change",
            "message": "create orders",
            "seq": 3
          },
          "kind": "table",
          "name": "orders",
          "renames": []
        },
        {
          "definition": "\"id\" integer",
          "event": {
            "at": "2099-01-03T00:00:00Z",
            "author": "tester",
            "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
            "kind": "change",
            "message": "create orders",
            "seq": 3
          },
          "kind": "column",
          "name": "id",
          "renames": []
        },
        {
          "definition": "\"user_id\" integer",
          "event": {
            "at": "2099-01-03T00:00:00Z",
            "author": "tester",
            "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
            "kind": "change",
            "message": "create orders",
            "seq": 3
          },
          "kind": "column",
          "name": "user_id",
          "renames": []
        },
        {
          "definition": "\"total\" real",
          "event": {
            "at": "2099-01-03T00:00:00Z",
            "author": "tester",
            "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
            "kind": "change",
            "message": "create orders",
            "seq": 3
          },
          "kind": "column",
          "name": "total",
          "renames": []
        },
        {
          "definition": "PRIMARY KEY (\"id\")",
          "event": {
            "at": "2099-01-03T00:00:00Z",
            "author": "tester",
            "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
            "kind": "change",
            "message": "create orders",
            "seq": 3
          },
          "kind": "primary_key",
          "name": null,
          "renames": []
        },
        {
          "definition": "FOREIGN KEY (\"user_id\") REFERENCES \"users\" (\"id\")",
          "event": {
            "at": "2099-01-03T00:00:00Z",
            "author": "tester",
            "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
            "kind": "change",
            "message": "create orders",
            "seq": 3
          },
          "kind": "foreign_key",
          "name": null,
          "renames": []
        },
        {
          "definition": "CREATE INDEX \"orders_by_user\" ON \"orders\" (\"user_id\")",
          "event": {
            "at": "2099-01-03T00:00:00Z",
            "author": "tester",
            "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
            "kind": "change",
            "message": "create orders",
            "seq": 3
          },
          "kind": "index",
          "name": "orders_by_user",
          "renames": []
        }
      ],
      "table": "orders"
    }
    "#);
    insta::assert_snapshot!(run(&env, &["blame", "users.mail"]), @"
    exit 0
    column users.mail at event 6 (head): mail text
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  made it what it is
    4  793df3c4075e  tester  2099-01-04T00:00:00Z  rename email  renamed email -> mail
    history (2 events):
      1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  create table users
      4  793df3c4075e  tester  2099-01-04T00:00:00Z  rename email  rename column users.email to mail
    ");
    insta::assert_snapshot!(json(&env, &["blame", "users.age"]), @r#"
    exit 0
    {
      "at": 6,
      "column": "age",
      "definition": "\"age\" integer",
      "event": {
        "at": "2099-01-06T00:00:00Z",
        "author": "tester",
        "hash": "616f6bb422b21ce77f2181a02f2af0d08c74b62481559f991017770ab1499161",
        "kind": "revert",
        "message": "age back",
        "seq": 6
      },
      "head": 6,
      "history": [
        {
          "event": {
            "at": "2099-01-02T00:00:00Z",
            "author": "tester",
            "hash": "ad66faeb934090e5c40e68864b3ff2ed7a818d002c939e64e64973366c937515",
            "kind": "change",
            "message": "add age",
            "seq": 2
          },
          "ops": [
            "add column users.age: \"age\" integer"
          ]
        },
        {
          "event": {
            "at": "2099-01-05T00:00:00Z",
            "author": "tester",
            "hash": "2cb903df92aac845532c0b1db85bb9d337f7fe664ea1be78757254998d51195c",
            "kind": "change",
            "message": "drop age",
            "seq": 5
          },
          "ops": [
            "drop column users.age (was \"age\" integer, column 4)"
          ]
        },
        {
          "event": {
            "at": "2099-01-06T00:00:00Z",
            "author": "tester",
            "hash": "616f6bb422b21ce77f2181a02f2af0d08c74b62481559f991017770ab1499161",
            "kind": "revert",
            "message": "age back",
            "seq": 6
          },
          "ops": [
            "add column users.age: \"age\" integer"
          ]
        }
      ],
      "renames": [],
      "table": "users"
    }
    "#);
    insta::assert_snapshot!(run(&env, &["blame", "users", "--at", "1", "-q"]), @r#"
    exit 0
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  table users
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  column id integer
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  column name text NOT NULL
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  column email text
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  PRIMARY KEY ("id")
    1  e837a61c452f  tester  2099-01-01T00:00:00Z  create users  UNIQUE ("email")
    "#);
    insta::assert_snapshot!(run(&env, &["blame", "user"]), @"
    exit 1
    --- stderr
    error: no table user at event 6; did you mean users?
    help: the tables at event 6: orders, users
    ");
    insta::assert_snapshot!(run(&env, &["blame", "users.email"]), @"
    exit 1
    --- stderr
    error: table users has no column email at event 6; did you mean mail?
    help: its columns: id, name, mail, age
    ");
    insta::assert_snapshot!(run(&env, &["blame", "orders", "--at", "2"]), @"
    exit 1
    --- stderr
    error: no table orders at event 2
    help: the tables at event 2: users
    ");
}

/// `diff` between two points, both ways, as a list and as SQL, the same
/// schema, and a point that names nothing.
#[test]
fn diff() {
    let env = seeded();
    insta::assert_snapshot!(run(&env, &["diff", "1", "3"]), @r#"
    exit 0
    from event 1 to event 3: 3 differences
      table users: added column age ("age" integer)
      table orders: added
      index orders_by_user: added
    "#);
    insta::assert_snapshot!(json(&env, &["diff", "1", "3"]), @r#"
    exit 0
    {
      "differences": [
        {
          "change": "added column age (\"age\" integer)",
          "kind": "table",
          "name": "users"
        },
        {
          "change": "added",
          "kind": "table",
          "name": "orders"
        },
        {
          "change": "added",
          "kind": "index",
          "name": "orders_by_user"
        }
      ],
      "from": 1,
      "to": 3
    }
    "#);
    insta::assert_snapshot!(run(&env, &["diff", "head", "head~2"]), @r#"
    exit 0
    from event 3 to event 1: 3 differences
      table orders: dropped
      table users: dropped column age (was "age" integer)
      index orders_by_user: dropped
    "#);
    insta::assert_snapshot!(run(&env, &["diff", "1", "3", "--format", "sql"]), @r#"
    exit 0
    -- the statements apply runs from event 1 to event 3, strata's bookkeeping aside
    ALTER TABLE "users" ADD COLUMN "age" integer;
    CREATE TABLE "orders" (
      "id" integer PRIMARY KEY,
      "user_id" integer,
      "total" real,
      FOREIGN KEY ("user_id") REFERENCES "users" ("id")
    );
    CREATE INDEX "orders_by_user" ON "orders" ("user_id");
    "#);
    insta::assert_snapshot!(json(&env, &["diff", "1", "3", "--format", "sql"]), @r#"
    exit 0
    {
      "from": 1,
      "sql": [
        "ALTER TABLE \"users\" ADD COLUMN \"age\" integer;",
        "CREATE TABLE \"orders\" (\n  \"id\" integer PRIMARY KEY,\n  \"user_id\" integer,\n  \"total\" real,\n  FOREIGN KEY (\"user_id\") REFERENCES \"users\" (\"id\")\n);",
        "CREATE INDEX \"orders_by_user\" ON \"orders\" (\"user_id\");"
      ],
      "to": 3
    }
    "#);
    insta::assert_snapshot!(run(&env, &["diff", "3", "2", "--format", "sql"]), @r#"
    exit 0
    -- the statements apply runs from event 3 to event 2, strata's bookkeeping aside
    DROP INDEX "orders_by_user";
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "id", "user_id", "total");
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "id", "user_id", "total") SELECT rowid, "id", "user_id", "total" FROM "orders";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 3, 1, 1, 3, 0, 0, 'table', 'orders', NULL, 'rowid', json_array('_strata_rowid'), json_array('id', 'user_id', 'total'), json_array(), NULL, NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    DROP TABLE "orders";
    "#);
    insta::assert_snapshot!(run(&env, &["diff", "2", "2"]), @"
    exit 0
    no differences: event 2 and event 2 have the same schema
    ");
    insta::assert_snapshot!(json(&env, &["diff", "2", "2"]), @r#"
    exit 0
    {
      "differences": [],
      "from": 2,
      "to": 2
    }
    "#);
    insta::assert_snapshot!(run(&env, &["diff", "2", "2", "--format", "sql"]), @"
    exit 0
    -- no statements: event 2 and event 2 have the same schema
    ");
    insta::assert_snapshot!(run(&env, &["diff", "1", "v9"]), @"
    exit 1
    --- stderr
    error: no tag named v9: the ledger has no tags
    ");
    insta::assert_snapshot!(run(&env, &["diff", "1"]), @"
    exit 2
    --- stderr
    error: the following required arguments were not provided:
      <B>

    Usage: strata diff <A> <B>

    For more information, try '--help'.
    ");
}

#[test]
fn tag() {
    let env = seeded();
    insta::assert_snapshot!(run(&env, &["tag", "v1", "2"]), @"
    exit 0
    tagged point 2 as v1 (event 4, cce8162b3dad)
    --- stderr
    warning: the clock ([now]) is behind head's time (2099-01-03T00:00:00Z): event 4 takes head's time, as times never decrease along the ledger
    ");
    insta::assert_snapshot!(json(&env, &["tag", "v2", "-m", "the release"]), @r#"
    exit 0
    {
      "seq": 5,
      "hash": "4eb083237af512ceb96946572b3facfcbd19610017d492016335363d8daf31ae",
      "prev": "cce8162b3dad8ccb37b2c8301c8d0fdd9dee7e593f02e952a360a09fc044b975",
      "at": "2099-01-03T00:00:00Z",
      "author": "tester",
      "message": "the release",
      "kind": "tag",
      "ops": [],
      "tag": {
        "name": "v2",
        "target": 4
      },
      "fingerprint": "f461452130be96726ba7fc708a768f2581dd33901c2b495be47d567acb74434e"
    }
    --- stderr
    warning: the clock ([now]) is behind head's time (2099-01-03T00:00:00Z): event 5 takes head's time, as times never decrease along the ledger
    "#);
    insta::assert_snapshot!(run(&env, &["log", "--limit", "3"]), @"
    exit 0
    event 5  4eb083237af5  2099-01-03T00:00:00Z  tester  tag
        the release
        tag v2 names point 4

    event 4  cce8162b3dad  2099-01-03T00:00:00Z  tester  tag  (tag: v2)
        tag v1
        tag v1 names point 2

    event 3  2e571c5d404f  2099-01-03T00:00:00Z  tester  change
        create orders
          create table orders
          create index orders_by_user on orders (user_id)
    ");
    insta::assert_snapshot!(run(&env, &["schema", "--at", "v1"]), @r#"
    exit 0
    CREATE TABLE "users" (
      "id" integer PRIMARY KEY,
      "name" text NOT NULL,
      "email" text,
      "age" integer,
      UNIQUE ("email")
    );
    "#);
    insta::assert_snapshot!(run(&env, &["tag", "v1"]), @"
    exit 1
    --- stderr
    error: tag v1 already exists (it names event 2)
    help: choose another name
    ");
    insta::assert_snapshot!(run(&env, &["tag", "head"]), @r#"
    exit 1
    --- stderr
    error: "head" cannot be a tag name: head and head~K are points already
    "#);
    insta::assert_snapshot!(run(&env, &["tag", "5"]), @r#"
    exit 1
    --- stderr
    error: "5" cannot be a tag name: it is all digits, which names an event number
    "#);
    insta::assert_snapshot!(run(&env, &["tag", "v3", "99"]), @r#"
    exit 1
    --- stderr
    error: there is no event 99: the ledger's head is event 5
    "#);
}

#[test]
fn verify() {
    let env = applied();
    insta::assert_snapshot!(run(&env, &["verify"]), @"
    exit 0
    ok: 3 events, 0 tags, head event 3 2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634
    ");
    insta::assert_snapshot!(run(&env, &["verify", "--deep"]), @"
    exit 0
    ok: 3 events, 0 tags, head event 3 2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634; every schema re-projected, 0 snapshots checked
    ");
    insta::assert_snapshot!(json(&env, &["verify", "--deep", "--db", "app.db"]), @r#"
    exit 0
    {
      "db_seq": 3,
      "deep": true,
      "dialect": "sqlite",
      "events": 3,
      "format_version": 6,
      "head": {
        "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
        "seq": 3
      },
      "ok": true,
      "snapshots": 0,
      "tags": 0
    }
    "#);
    insta::assert_snapshot!(run(&env, &["verify", "--db", "app.db"]), @"
    exit 0
    ok: 3 events, 0 tags, head event 3 2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634
    ok: app.db is at event 3, which is in the chain
    ");
    // A head other than the one expected: an integrity failure.
    insta::assert_snapshot!(run(&env, &["verify", "--expect-head", "deadbeef"]), @"
    exit 3
    --- stderr
    error: head is event 3 (2e571c5d404f), not deadbeef: events may have been lost from the end or added
    help: compare with `strata log`; restore the ledger from a copy you trust
    ");
    insta::assert_snapshot!(json(&env, &["verify", "--expect-head", "deadbeef"]), @r#"
    exit 3
    {
      "deep": false,
      "ok": false,
      "problem": {
        "reason": "head is event 3 (2e571c5d404f), not deadbeef",
        "seq": null
      }
    }
    --- stderr
    error: head is event 3 (2e571c5d404f), not deadbeef: events may have been lost from the end or added
    help: compare with `strata log`; restore the ledger from a copy you trust
    "#);
    insta::assert_snapshot!(run(&Env::new(), &["verify"]), @"
    exit 1
    --- stderr
    error: no ledger at ledger-data
    help: run `strata init` to create one
    ");
}

#[test]
fn text_form() {
    let env = seeded();
    env.ok(&["tag", "v1"]);
    insta::assert_snapshot!(run(&env, &["export", "text"]), @"
    exit 0
    exported 4 events to text (5 files written, 0 unchanged)
    ");
    insta::assert_snapshot!(run(&env, &["export", "text"]), @"
    exit 0
    text is up to date: 4 events, no file written
    ");
    insta::assert_snapshot!(json(&env, &["export", "text"]), @r#"
    exit 0
    {
      "ahead": false,
      "dialect": "sqlite",
      "dir": "text",
      "events": 4,
      "format_version": 6,
      "head": {
        "hash": "ed28bbe84811fdb22ef8f726cfb9c43e9c3ce293e07a57783c1264ffff8ee681",
        "seq": 4
      },
      "text_version": 2,
      "unchanged": 5,
      "written": 0
    }
    "#);
    insta::assert_snapshot!(
        std::fs::read_to_string(env.path().join("text/000004.json")).expect("file"),
        @r#"
    {
      "seq": 4,
      "hash": "ed28bbe84811fdb22ef8f726cfb9c43e9c3ce293e07a57783c1264ffff8ee681",
      "prev": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
      "at": "2099-01-03T00:00:00Z",
      "author": "tester",
      "message": "tag v1",
      "body": {
        "tag": {
          "name": "v1",
          "target": 3
        }
      },
      "fingerprint": "f461452130be96726ba7fc708a768f2581dd33901c2b495be47d567acb74434e"
    }
    "#
    );
    insta::assert_snapshot!(run(&env, &["verify", "--text", "text"]), @"
    exit 0
    ok: text: 4 events, 1 tag, head event 4 ed28bbe84811fdb22ef8f726cfb9c43e9c3ce293e07a57783c1264ffff8ee681
    ");
    insta::assert_snapshot!(json(&env, &["verify", "--text", "text", "--deep"]), @r#"
    exit 0
    {
      "deep": true,
      "dialect": "sqlite",
      "dir": "text",
      "events": 4,
      "format_version": 6,
      "head": {
        "hash": "ed28bbe84811fdb22ef8f726cfb9c43e9c3ce293e07a57783c1264ffff8ee681",
        "seq": 4
      },
      "ok": true,
      "tags": 1,
      "text_version": 2
    }
    "#);
    insta::assert_snapshot!(run(&env, &["--ledger", "copy", "import", "text"]), @"
    exit 0
    created a format-6 sqlite ledger in copy
    imported 4 events from text; head is event 4 ed28bbe84811fdb22ef8f726cfb9c43e9c3ce293e07a57783c1264ffff8ee681
    ");
    insta::assert_snapshot!(run(&env, &["--ledger", "copy", "import", "text"]), @"
    exit 0
    nothing to import: the ledger holds all 4 events of text; head is event 4 ed28bbe84811fdb22ef8f726cfb9c43e9c3ce293e07a57783c1264ffff8ee681
    ");
    insta::assert_snapshot!(json(&env, &["--ledger", "copy2", "import", "text"]), @r#"
    exit 0
    {
      "created": true,
      "dialect": "sqlite",
      "dir": "text",
      "events": 4,
      "format_version": 6,
      "head": {
        "hash": "ed28bbe84811fdb22ef8f726cfb9c43e9c3ce293e07a57783c1264ffff8ee681",
        "seq": 4
      },
      "imported": 4,
      "ledger": "copy2"
    }
    "#);
    // A fork: the copy records its own event 5, the ledger another.
    record_at(
        &env,
        "create items",
        "2099-01-05T00:00:00Z",
        "CREATE TABLE items (id integer)",
    );
    env.ok(&["export", "text"]);
    env.ok(&[
        "--ledger",
        "copy",
        "record",
        "-m",
        "create things",
        "--timestamp",
        "2099-01-05T00:00:00Z",
        "--sql",
        "CREATE TABLE things (id integer)",
    ]);
    insta::assert_snapshot!(run(&env, &["--ledger", "copy", "import", "text"]), @"
    exit 3
    --- stderr
    error: the ledger and text part at event 5: the ledger's has hash ceecdbe0186d5ade52a8fc12018e168b5dbfe14e5b2c86eb51d929984ac1ccfd, text's has c60bd793bfef2277bc98e5d3958b3640d7951d42f5f805f435b53d0af275ef27
    help: the two histories diverged there: `strata rebase text -m MESSAGE` re-records the ledger's own events after the folder's; or keep one, or export this ledger to another folder
    ");
    insta::assert_snapshot!(run(&env, &["--ledger", "copy", "export", "text"]), @"
    exit 3
    --- stderr
    error: text/000005.json does not hold the ledger's event 5 (ceecdbe0186d5ade52a8fc12018e168b5dbfe14e5b2c86eb51d929984ac1ccfd): it holds one with hash c60bd793bfef2277bc98e5d3958b3640d7951d42f5f805f435b53d0af275ef27
    help: import the folder first (it may hold another history), or export to another folder
    ");
    // A tampered file.
    let path = env.path().join("text/000002.json");
    let file = std::fs::read_to_string(&path).expect("file");
    std::fs::write(&path, file.replace("\"age\"", "\"years\"")).expect("write");
    insta::assert_snapshot!(run(&env, &["verify", "--text", "text"]), @"
    exit 3
    --- stderr
    error: the text form is broken: text/000002.json: it records hash ad66faeb934090e5c40e68864b3ff2ed7a818d002c939e64e64973366c937515, but what it holds hashes to 9d21b911fd81ffcc81208c1930425e8e3991cb4cae75f38ac2dbd3e91f5a57a6: it was changed
    help: the files before it are intact; restore the folder from a copy you trust (git checkout), or export it again from a ledger that verifies
    ");
    insta::assert_snapshot!(json(&env, &["verify", "--text", "text"]), @r#"
    exit 3
    {
      "deep": false,
      "ok": false,
      "problem": {
        "file": "text/000002.json",
        "reason": "it records hash ad66faeb934090e5c40e68864b3ff2ed7a818d002c939e64e64973366c937515, but what it holds hashes to 9d21b911fd81ffcc81208c1930425e8e3991cb4cae75f38ac2dbd3e91f5a57a6: it was changed"
      }
    }
    --- stderr
    error: the text form is broken: text/000002.json: it records hash ad66faeb934090e5c40e68864b3ff2ed7a818d002c939e64e64973366c937515, but what it holds hashes to 9d21b911fd81ffcc81208c1930425e8e3991cb4cae75f38ac2dbd3e91f5a57a6: it was changed
    help: the files before it are intact; restore the folder from a copy you trust (git checkout), or export it again from a ledger that verifies
    "#);
    std::fs::remove_file(&path).expect("rm");
    insta::assert_snapshot!(run(&env, &["--ledger", "copy3", "import", "text"]), @"
    exit 3
    --- stderr
    error: text/000002.json: it is missing, but 000003.json follows
    help: the files before it are intact; restore the folder from a copy you trust (git checkout), or export it again from a ledger that verifies
    ");
}

#[test]
fn rebase() {
    let env = seeded();
    env.ok(&["export", "text"]);
    // A second ledger: the seed, then a change of its own.
    env.ok(&["--ledger", "ours", "import", "text"]);
    env.ok(&[
        "--ledger",
        "ours",
        "record",
        "-m",
        "add city",
        "--timestamp",
        "2099-01-04T00:00:00Z",
        "--sql",
        "ALTER TABLE users ADD COLUMN city text",
    ]);
    // The first ledger moves on meanwhile.
    record_at(
        &env,
        "add note",
        "2099-01-05T00:00:00Z",
        "ALTER TABLE orders ADD COLUMN note text",
    );
    env.ok(&["export", "text"]);
    insta::assert_snapshot!(json(&env, &["--ledger", "ours", "rebase", "text", "-m", "onto main"]), @r#"
    exit 0
    {
      "dir": "text",
      "exported": 1,
      "fork": 3,
      "head": {
        "hash": "6ed958eb95b204d191b7665efafad1404b5e07deefb3d40749647a9222a36dee",
        "seq": 5
      },
      "kept": "ours/store.before-rebase-a8e58bc68748",
      "ledger": "ours",
      "moved": [
        {
          "from": 4,
          "from_hash": "a8e58bc687484810a1596487d51546960ef94cdfadffa1d26ae6e8733cec96c0",
          "to": 5,
          "to_hash": "6ed958eb95b204d191b7665efafad1404b5e07deefb3d40749647a9222a36dee"
        }
      ],
      "outcome": "rebased",
      "theirs": 4
    }
    "#);
    insta::assert_snapshot!(run(&env, &["--ledger", "ours", "log", "-n", "1"]), @r#"
    exit 0
    event 5  6ed958eb95b2  2099-01-05T00:00:00Z  tester  change
        add city
        rebased from event 4 (a8e58bc68748): onto main
          add column users.city: "city" text
    "#);
    insta::assert_snapshot!(run(&env, &["--ledger", "ours", "rebase", "text", "-m", "again"]), @"
    exit 0
    nothing to rebase: the ledger and text hold the same 5 events
    ");
    insta::assert_snapshot!(run(&env, &["--ledger", "ours", "rebase", "text", "-m", " "]), @"
    exit 1
    --- stderr
    error: the rebase needs a message
    help: say why, with -m
    ");
}

#[test]
fn status() {
    let env = applied();
    insta::assert_snapshot!(run(&env, &["status", "--db", "app.db"]), @"
    exit 0
    app.db is at event 3 (2e571c5d404f)
    head is event 3; 0 pending
    no drift
    ");
    record_at(
        &env,
        "add note",
        "2099-01-04T00:00:00Z",
        "ALTER TABLE orders ADD COLUMN note text",
    );
    insta::assert_snapshot!(run(&env, &["status", "--db", "app.db"]), @"
    exit 0
    app.db is at event 3 (2e571c5d404f)
    head is event 4; 1 pending
      event 4 change: add note
    no drift
    ");
    insta::assert_snapshot!(json(&env, &["status", "--db", "app.db"]), @r#"
    exit 0
    {
      "applied": true,
      "db": "app.db",
      "drift": [],
      "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
      "head": 4,
      "pending": [
        {
          "kind": "change",
          "message": "add note",
          "seq": 4
        }
      ],
      "rebased": null,
      "seq": 3
    }
    "#);
    // A database strata never applied to.
    insta::assert_snapshot!(run(&env, &["status", "--db", "fresh.db"]), @r#"
    exit 1
    --- stderr
    error: fresh.db does not exist
    help: apply creates it: strata apply --db FILE
    "#);
    insta::assert_snapshot!(json(&env, &["status", "--db", "fresh.db"]), @r#"
    exit 1
    --- stderr
    error: fresh.db does not exist
    help: apply creates it: strata apply --db FILE
    "#);
}

#[test]
fn drift_is_exit_4() {
    let env = applied();
    env.db("app.db")
        .execute_batch(
            "ALTER TABLE users ADD COLUMN sneaky text; CREATE INDEX users_by_name ON users (name);",
        )
        .expect("drift");
    insta::assert_snapshot!(run(&env, &["status", "--db", "app.db"]), @r#"
    exit 4
    app.db is at event 3 (2e571c5d404f)
    head is event 3; 0 pending
    drift: table users: column sneaky is not in the ledger ("sneaky" text)
    drift: index users_by_name: not in the ledger
    --- stderr
    error: app.db has drifted from event 3: 2 differences (listed above)
    help: undo the changes by hand until `strata status --db app.db` shows no drift; or, to keep them in a database at head, adopt its schema with `strata baseline --db app.db -m MSG --force-after head`. Recording them as a change does not clear drift: the database has them already
    "#);
    insta::assert_snapshot!(json(&env, &["status", "--db", "app.db"]), @r#"
    exit 4
    {
      "applied": true,
      "db": "app.db",
      "drift": [
        "table users: column sneaky is not in the ledger (\"sneaky\" text)",
        "index users_by_name: not in the ledger"
      ],
      "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
      "head": 3,
      "pending": [],
      "rebased": null,
      "seq": 3
    }
    --- stderr
    error: app.db has drifted from event 3: 2 differences (listed above)
    help: undo the changes by hand until `strata status --db app.db` shows no drift; or, to keep them in a database at head, adopt its schema with `strata baseline --db app.db -m MSG --force-after head`. Recording them as a change does not clear drift: the database has them already
    "#);
    insta::assert_snapshot!(run(&env, &["apply", "--db", "app.db", "--to", "2"]), @r#"
    exit 4
    drift: table users: column sneaky is not in the ledger ("sneaky" text)
    drift: index users_by_name: not in the ledger
    --- stderr
    error: app.db has drifted from event 3: 2 differences (listed above)
    help: undo the changes by hand until `strata status --db app.db` shows no drift; or, to keep them in a database at head, adopt its schema with `strata baseline --db app.db -m MSG --force-after head`. Recording them as a change does not clear drift: the database has them already
    "#);
    insta::assert_snapshot!(run(&env, &["verify", "--db", "app.db"]), @"
    exit 0
    ok: 3 events, 0 tags, head event 3 2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634
    ok: app.db is at event 3, which is in the chain
    ");
}

#[test]
fn a_database_of_another_ledger_is_exit_3() {
    let env = applied();
    env.ok(&["--ledger", "other", "init"]);
    env.ok(&[
        "--ledger",
        "other",
        "record",
        "-m",
        "other",
        "--timestamp",
        "2099-01-01T00:00:00Z",
        "--sql",
        "CREATE TABLE users (id integer PRIMARY KEY)",
    ]);
    insta::assert_snapshot!(run(&env, &["--ledger", "other", "status", "--db", "app.db"]), @"
    exit 3
    --- stderr
    error: app.db was reconciled by another ledger (id e837a61c452f), not other (id 2375bdd12cc2)
    help: give the --ledger it belongs to
    ");
    insta::assert_snapshot!(json(&env, &["--ledger", "other", "apply", "--db", "app.db"]), @"
    exit 3
    --- stderr
    error: app.db was reconciled by another ledger (id e837a61c452f), not other (id 2375bdd12cc2)
    help: give the --ledger it belongs to
    ");
    insta::assert_snapshot!(run(&env, &["--ledger", "other", "archive", "list", "--db", "app.db"]), @"
    exit 3
    --- stderr
    error: app.db was reconciled by another ledger (id e837a61c452f), not other (id 2375bdd12cc2)
    help: give the --ledger it belongs to
    ");
}

/// `check` at head, with an event pending (exit 5), against an earlier
/// point (exit 3) and drifted (exit 4).
#[test]
fn check() {
    let env = applied();
    insta::assert_snapshot!(run(&env, &["check", "--db", "app.db"]), @"
    exit 0
    app.db is at event 3 (2e571c5d404f)
    checked against event 3 (head): 0 pending
    no drift
    ok: app.db is at event 3 (head)
    ");
    insta::assert_snapshot!(json(&env, &["check", "--db", "app.db"]), @r#"
    exit 0
    {
      "applied": true,
      "db": "app.db",
      "drift": [],
      "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
      "head": 3,
      "pending": [],
      "rebased": false,
      "seq": 3,
      "state": "ok",
      "to": 3
    }
    "#);
    record_at(
        &env,
        "add note",
        "2099-01-04T00:00:00Z",
        "ALTER TABLE orders ADD COLUMN note text",
    );
    insta::assert_snapshot!(run(&env, &["check", "--db", "app.db"]), @"
    exit 5
    app.db is at event 3 (2e571c5d404f)
    checked against event 4 (head): 1 pending
      event 4 change: add note
    no drift
    --- stderr
    error: app.db is not at event 4: 1 event pending
    help: apply brings it there: strata apply --db app.db
    ");
    insta::assert_snapshot!(json(&env, &["check", "--db", "app.db"]), @r#"
    exit 5
    {
      "applied": true,
      "db": "app.db",
      "drift": [],
      "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
      "head": 4,
      "pending": [
        {
          "kind": "change",
          "message": "add note",
          "seq": 4
        }
      ],
      "rebased": false,
      "seq": 3,
      "state": "pending",
      "to": 4
    }
    --- stderr
    error: app.db is not at event 4: 1 event pending
    help: apply brings it there: strata apply --db app.db
    "#);
    insta::assert_snapshot!(run(&env, &["check", "--db", "app.db", "--to", "3"]), @"
    exit 0
    app.db is at event 3 (2e571c5d404f)
    checked against event 3: 0 pending
    no drift
    ok: app.db is at event 3
    ");
    insta::assert_snapshot!(run(&env, &["check", "--db", "app.db", "--to", "2"]), @"
    exit 3
    app.db is at event 3 (2e571c5d404f)
    checked against event 2: it is past that point
    no drift
    --- stderr
    error: app.db is at event 3, after event 2, the point checked
    help: check it against the point it is at, or move it back: strata apply --db app.db --to 2
    ");
    insta::assert_snapshot!(json(&env, &["check", "--db", "app.db", "--to", "2"]), @r#"
    exit 3
    {
      "applied": true,
      "db": "app.db",
      "drift": [],
      "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
      "head": 4,
      "pending": [],
      "rebased": false,
      "seq": 3,
      "state": "ahead",
      "to": 2
    }
    --- stderr
    error: app.db is at event 3, after event 2, the point checked
    help: check it against the point it is at, or move it back: strata apply --db app.db --to 2
    "#);
    env.db("app.db")
        .execute_batch("ALTER TABLE users ADD COLUMN sneaky text")
        .expect("drift");
    insta::assert_snapshot!(run(&env, &["check", "--db", "app.db"]), @r#"
    exit 4
    app.db is at event 3 (2e571c5d404f)
    checked against event 4 (head): 1 pending
      event 4 change: add note
    drift: table users: column sneaky is not in the ledger ("sneaky" text)
    --- stderr
    error: app.db has drifted from event 3: 1 difference (listed above)
    help: undo the changes by hand until `strata status --db app.db` shows no drift; or, to keep them in a database at head, adopt its schema with `strata baseline --db app.db -m MSG --force-after head`. Recording them as a change does not clear drift: the database has them already
    "#);
    insta::assert_snapshot!(json(&env, &["check", "--db", "app.db"]), @r#"
    exit 4
    {
      "applied": true,
      "db": "app.db",
      "drift": [
        "table users: column sneaky is not in the ledger (\"sneaky\" text)"
      ],
      "hash": "2e571c5d404f3c4f84a205da1912b4bf34957593de27fbfa0131f16d6f25b634",
      "head": 4,
      "pending": [
        {
          "kind": "change",
          "message": "add note",
          "seq": 4
        }
      ],
      "rebased": false,
      "seq": 3,
      "state": "drift",
      "to": 4
    }
    --- stderr
    error: app.db has drifted from event 3: 1 difference (listed above)
    help: undo the changes by hand until `strata status --db app.db` shows no drift; or, to keep them in a database at head, adopt its schema with `strata baseline --db app.db -m MSG --force-after head`. Recording them as a change does not clear drift: the database has them already
    "#);
    insta::assert_snapshot!(run(&env, &["check", "--db", "fresh.db"]), @"
    exit 1
    --- stderr
    error: fresh.db does not exist
    help: apply creates it: strata apply --db FILE
    ");
    insta::assert_snapshot!(run(&env, &["check", "--db", "app.db", "--to", "v9"]), @"
    exit 1
    --- stderr
    error: no tag named v9: the ledger has no tags
    ");
}

#[test]
fn apply() {
    let env = seeded();
    insta::assert_snapshot!(run(&env, &["apply", "--db", "app.db", "--to", "1"]), @r#"
    exit 0
    app.db is now at event 1 (was 0; 1 statement)
    "#);
    insta::assert_snapshot!(run(&env, &["apply", "--db", "app.db", "--dry-run"]), @r#"
    exit 0
    BEGIN IMMEDIATE;
    -- strata bookkeeping
    CREATE TABLE IF NOT EXISTS "_strata_state" (
      "id" INTEGER PRIMARY KEY CHECK ("id" = 1),
      "ledger_id" TEXT NOT NULL,
      "seq" INTEGER NOT NULL,
      "hash" TEXT NOT NULL,
      "applied_at" TEXT NOT NULL,
      "seal" TEXT
    );
    -- strata bookkeeping
    CREATE TABLE IF NOT EXISTS "_strata_log" (
      "id" INTEGER PRIMARY KEY,
      "at" TEXT NOT NULL,
      "who" TEXT NOT NULL,
      "ledger_id" TEXT NOT NULL,
      "from_seq" INTEGER,
      "from_hash" TEXT,
      "to_seq" INTEGER NOT NULL,
      "to_hash" TEXT NOT NULL,
      "version" TEXT NOT NULL,
      "archived_rows" INTEGER NOT NULL DEFAULT 0,
      "note" TEXT
    );
    -- strata bookkeeping
    CREATE TABLE IF NOT EXISTS "_strata_archive" (
      "id" INTEGER PRIMARY KEY,
      "log_id" INTEGER NOT NULL,
      "seq" INTEGER NOT NULL,
      "op" INTEGER NOT NULL,
      "kind" TEXT NOT NULL CHECK ("kind" IN ('table', 'column', 'values')),
      "table_name" TEXT NOT NULL,
      "column_name" TEXT,
      "key_kind" TEXT NOT NULL CHECK ("key_kind" IN ('rowid', 'primary_key')),
      "key_columns" TEXT NOT NULL,
      "archive_table" TEXT NOT NULL UNIQUE,
      "row_count" INTEGER NOT NULL,
      "created_at" TEXT NOT NULL,
      "undo" INTEGER,
      "lineage_seq" INTEGER,
      "lineage_op" INTEGER,
      "lineage_forward" INTEGER,
      "value_columns" TEXT,
      "witness_columns" TEXT,
      "after_column" TEXT,
      "counter" INTEGER,
      "purged_at" TEXT
    );
    -- strata bookkeeping
    INSERT INTO "_strata_log" ("at", "who", "ledger_id", "from_seq", "from_hash", "to_seq", "to_hash", "version", "note") VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), :who, :ledger_id, :from_seq, :from_hash, :to_seq, :to_hash, :version, :note);
    -- event 2 op 1: add_column users.age
    ALTER TABLE "users" ADD COLUMN "age" integer;
    -- event 3 op 1: create_table orders
    CREATE TABLE "orders" (
      "id" integer PRIMARY KEY,
      "user_id" integer,
      "total" real,
      FOREIGN KEY ("user_id") REFERENCES "users" ("id")
    );
    -- event 3 op 2: create_index orders_by_user
    CREATE INDEX "orders_by_user" ON "orders" ("user_id");
    -- every foreign key still finds its row
    PRAGMA foreign_key_check;
    -- strata bookkeeping
    INSERT INTO "_strata_state" ("id", "ledger_id", "seq", "hash", "applied_at") VALUES (1, :ledger_id, :to_seq, :to_hash, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) ON CONFLICT ("id") DO UPDATE SET "ledger_id" = excluded."ledger_id", "seq" = excluded."seq", "hash" = excluded."hash", "applied_at" = excluded."applied_at";
    -- strata bookkeeping
    UPDATE "_strata_log" SET "archived_rows" = (SELECT coalesce(sum("row_count"), 0) FROM "_strata_archive" WHERE "log_id" = "_strata_log"."id") WHERE "id" = (SELECT max("id") FROM "_strata_log");
    -- strata bookkeeping: the seal, a digest of the schema as this apply leaves it, computed before commit
    UPDATE "_strata_state" SET "seal" = :seal WHERE "id" = 1;
    COMMIT;
    "#);
    insta::assert_snapshot!(json(&env, &["apply", "--db", "app.db", "--dry-run"]), @r#"
    exit 0
    {
      "db": "app.db",
      "from": 1,
      "sql": "BEGIN IMMEDIATE;\n-- strata bookkeeping\nCREATE TABLE IF NOT EXISTS \"_strata_state\" (\n  \"id\" INTEGER PRIMARY KEY CHECK (\"id\" = 1),\n  \"ledger_id\" TEXT NOT NULL,\n  \"seq\" INTEGER NOT NULL,\n  \"hash\" TEXT NOT NULL,\n  \"applied_at\" TEXT NOT NULL,\n  \"seal\" TEXT\n);\n-- strata bookkeeping\nCREATE TABLE IF NOT EXISTS \"_strata_log\" (\n  \"id\" INTEGER PRIMARY KEY,\n  \"at\" TEXT NOT NULL,\n  \"who\" TEXT NOT NULL,\n  \"ledger_id\" TEXT NOT NULL,\n  \"from_seq\" INTEGER,\n  \"from_hash\" TEXT,\n  \"to_seq\" INTEGER NOT NULL,\n  \"to_hash\" TEXT NOT NULL,\n  \"version\" TEXT NOT NULL,\n  \"archived_rows\" INTEGER NOT NULL DEFAULT 0,\n  \"note\" TEXT\n);\n-- strata bookkeeping\nCREATE TABLE IF NOT EXISTS \"_strata_archive\" (\n  \"id\" INTEGER PRIMARY KEY,\n  \"log_id\" INTEGER NOT NULL,\n  \"seq\" INTEGER NOT NULL,\n  \"op\" INTEGER NOT NULL,\n  \"kind\" TEXT NOT NULL CHECK (\"kind\" IN ('table', 'column', 'values')),\n  \"table_name\" TEXT NOT NULL,\n  \"column_name\" TEXT,\n  \"key_kind\" TEXT NOT NULL CHECK (\"key_kind\" IN ('rowid', 'primary_key')),\n  \"key_columns\" TEXT NOT NULL,\n  \"archive_table\" TEXT NOT NULL UNIQUE,\n  \"row_count\" INTEGER NOT NULL,\n  \"created_at\" TEXT NOT NULL,\n  \"undo\" INTEGER,\n  \"lineage_seq\" INTEGER,\n  \"lineage_op\" INTEGER,\n  \"lineage_forward\" INTEGER,\n  \"value_columns\" TEXT,\n  \"witness_columns\" TEXT,\n  \"after_column\" TEXT,\n  \"counter\" INTEGER,\n  \"purged_at\" TEXT\n);\n-- strata bookkeeping\nINSERT INTO \"_strata_log\" (\"at\", \"who\", \"ledger_id\", \"from_seq\", \"from_hash\", \"to_seq\", \"to_hash\", \"version\", \"note\") VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), :who, :ledger_id, :from_seq, :from_hash, :to_seq, :to_hash, :version, :note);\n-- event 2 op 1: add_column users.age\nALTER TABLE \"users\" ADD COLUMN \"age\" integer;\n-- event 3 op 1: create_table orders\nCREATE TABLE \"orders\" (\n  \"id\" integer PRIMARY KEY,\n  \"user_id\" integer,\n  \"total\" real,\n  FOREIGN KEY (\"user_id\") REFERENCES \"users\" (\"id\")\n);\n-- event 3 op 2: create_index orders_by_user\nCREATE INDEX \"orders_by_user\" ON \"orders\" (\"user_id\");\n-- every foreign key still finds its row\nPRAGMA foreign_key_check;\n-- strata bookkeeping\nINSERT INTO \"_strata_state\" (\"id\", \"ledger_id\", \"seq\", \"hash\", \"applied_at\") VALUES (1, :ledger_id, :to_seq, :to_hash, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) ON CONFLICT (\"id\") DO UPDATE SET \"ledger_id\" = excluded.\"ledger_id\", \"seq\" = excluded.\"seq\", \"hash\" = excluded.\"hash\", \"applied_at\" = excluded.\"applied_at\";\n-- strata bookkeeping\nUPDATE \"_strata_log\" SET \"archived_rows\" = (SELECT coalesce(sum(\"row_count\"), 0) FROM \"_strata_archive\" WHERE \"log_id\" = \"_strata_log\".\"id\") WHERE \"id\" = (SELECT max(\"id\") FROM \"_strata_log\");\n-- strata bookkeeping: the seal, a digest of the schema as this apply leaves it, computed before commit\nUPDATE \"_strata_state\" SET \"seal\" = :seal WHERE \"id\" = 1;\nCOMMIT;\n",
      "to": 3
    }
    "#);
    insta::assert_snapshot!(json(&env, &["apply", "--db", "app.db"]), @r#"
    exit 0
    {
      "archived": [],
      "db": "app.db",
      "from": 1,
      "restored": [],
      "statements": 3,
      "to": 3,
      "without_data": []
    }
    "#);
    insta::assert_snapshot!(run(&env, &["apply", "--db", "app.db"]), @r#"
    exit 0
    app.db is already at event 3
    "#);
    env.db("app.db")
        .execute_batch("INSERT INTO users VALUES (1, 'ada', 'ada@example.com', 36);")
        .expect("rows");
    // Backwards: a dropped column archived, then brought back.
    insta::assert_snapshot!(run(&env, &["apply", "--db", "app.db", "--to", "1"]), @r#"
    exit 0
    app.db is now at event 1 (was 3; 9 statements)
    archived table orders: 0 rows in _strata_archive_1
    archived column users.age: 1 row in _strata_archive_2
    "#);
    insta::assert_snapshot!(json(&env, &["apply", "--db", "app.db", "--to", "2"]), @r#"
    exit 0
    {
      "archived": [],
      "db": "app.db",
      "from": 1,
      "restored": [
        "the values of users.age: 1 row from _strata_archive_2"
      ],
      "statements": 5,
      "to": 2,
      "without_data": []
    }
    "#);
    insta::assert_snapshot!(run(&env, &["-q", "apply", "--db", "app.db"]), @r#"
    exit 0
    "#);
}

#[test]
fn apply_errors() {
    let env = seeded();
    insta::assert_snapshot!(run(&env, &["apply", "--db", "app.db", "--to", "nope~"]), @r#"
    exit 2
    --- stderr
    error: invalid value 'nope~' for '--to <POINT>': "nope~" is not a point: a point is 0, N, head, head~K, a tag name, 8 to 64 hex characters of a hash, or @TIME

    For more information, try '--help'.
    "#);
    insta::assert_snapshot!(run(&env, &["apply", "--db", "app.db", "--to", "v9"]), @r#"
    exit 1
    --- stderr
    error: no tag named v9: the ledger has no tags
    "#);
    insta::assert_snapshot!(run(&env, &["apply", "--db", "app.db", "--to", "9"]), @r#"
    exit 1
    --- stderr
    error: there is no event 9: the ledger's head is event 3
    "#);
    std::fs::create_dir(env.path().join("dir.db")).expect("mkdir");
    insta::assert_snapshot!(run(&env, &["apply", "--db", "dir.db"]), @"
    exit 1
    --- stderr
    error: dir.db is a directory
    help: give the path of a database file
    ");
    env.file(
        "text.db",
        "not a database, long enough for SQLite to read a header",
    );
    insta::assert_snapshot!(run(&env, &["apply", "--db", "text.db"]), @"
    exit 1
    --- stderr
    error: text.db is not a SQLite database
    help: give the path of a database file, or a new path to create one
    ");
    insta::assert_snapshot!(run(&env, &["apply"]), @"
    exit 2
    --- stderr
    error: no database: nothing names the SQLite file to work on
    help: give --db FILE, set STRATA_DB, or set db in strata.toml
    ");
}

#[test]
fn checkout() {
    let env = seeded();
    insta::assert_snapshot!(run(&env, &["checkout", "--to", "1", "--db", "one.db"]), @r#"
    exit 0
    built one.db at event 1
    "#);
    insta::assert_snapshot!(json(&env, &["checkout", "--db", "head.db"]), @r#"
    exit 0
    {
      "db": "head.db",
      "to": 3
    }
    "#);
    insta::assert_snapshot!(run(&env, &["status", "--db", "one.db"]), @"
    exit 0
    one.db is at event 1 (e837a61c452f)
    head is event 3; 2 pending
      event 2 change: add age
      event 3 change: create orders
    no drift
    ");
    insta::assert_snapshot!(run(&env, &["checkout", "--db", "one.db"]), @"
    exit 1
    --- stderr
    error: one.db already exists, and checkout builds a new database
    help: give a path that does not exist
    ");
    insta::assert_snapshot!(run(&env, &["checkout", "--to", "v9", "--db", "v9.db"]), @r#"
    exit 1
    --- stderr
    error: no tag named v9: the ledger has no tags
    "#);
}

#[test]
fn revert() {
    let env = applied();
    record_at(
        &env,
        "drop age",
        "2099-01-04T00:00:00Z",
        "ALTER TABLE users DROP COLUMN age",
    );
    env.ok(&["apply", "--db", "app.db"]);
    let at = "2099-01-05T00:00:00Z";
    insta::assert_snapshot!(run(&env, &["revert", "head", "-m", "undo", "--timestamp", at, "--dry-run"]), @r#"
    exit 0
    would record revert event 5 (1 op); nothing was appended
      add column users.age: "age" integer
    "#);
    insta::assert_snapshot!(json(&env, &["revert", "head", "-m", "undo", "--timestamp", at, "--dry-run"]), @r#"
    exit 0
    {
      "seq": 5,
      "hash": "029d709128f706caecbec9969c6b910b21f5d77d100f9bc9efaa4240c64a94c7",
      "prev": "e0a1207e78bfb56d56ec1ef93573a5dca74c086c5e432bd6f102510ee39b4f9c",
      "at": "2099-01-05T00:00:00Z",
      "author": "tester",
      "message": "undo",
      "kind": "revert",
      "ops": [
        {
          "add_column": {
            "table": "users",
            "column": {
              "name": "age",
              "ty": "integer",
              "not_null": false,
              "default": null,
              "collation": null,
              "generated": null
            },
            "position": 3
          }
        }
      ],
      "reverts": [
        4
      ],
      "fingerprint": "f461452130be96726ba7fc708a768f2581dd33901c2b495be47d567acb74434e"
    }
    "#);
    insta::assert_snapshot!(run(&env, &["revert", "head", "-m", "undo", "--timestamp", at]), @"
    exit 0
    recorded revert event 5 (029d709128f7) undoing event 4: undo
    ");
    insta::assert_snapshot!(run(&env, &["apply", "--db", "app.db"]), @r#"
    exit 0
    app.db is now at event 5 (was 4; 5 statements)
    restored the values of users.age: 1 row from _strata_archive_1
    "#);
    insta::assert_snapshot!(json(&env, &["revert", "--to", "2", "-m", "back to 2", "--timestamp", "2099-01-06T00:00:00Z"]), @r#"
    exit 0
    {
      "seq": 6,
      "hash": "3566f67ab58fb61ed89912a04f07067433d9071ccd04a1e0310977d8046815d4",
      "prev": "029d709128f706caecbec9969c6b910b21f5d77d100f9bc9efaa4240c64a94c7",
      "at": "2099-01-06T00:00:00Z",
      "author": "tester",
      "message": "back to 2",
      "kind": "revert",
      "ops": [
        {
          "drop_column": {
            "table": "users",
            "column": {
              "name": "age",
              "ty": "integer",
              "not_null": false,
              "default": null,
              "collation": null,
              "generated": null
            },
            "position": 3
          }
        },
        {
          "add_column": {
            "table": "users",
            "column": {
              "name": "age",
              "ty": "integer",
              "not_null": false,
              "default": null,
              "collation": null,
              "generated": null
            },
            "position": 3
          }
        },
        {
          "drop_index": {
            "index": {
              "name": "orders_by_user",
              "table": "orders",
              "unique": false,
              "columns": [
                {
                  "term": {
                    "column": "user_id"
                  },
                  "collation": null,
                  "desc": false
                }
              ],
              "predicate": null
            }
          }
        },
        {
          "drop_table": {
            "table": {
              "name": "orders",
              "columns": [
                {
                  "name": "id",
                  "ty": "integer",
                  "not_null": false,
                  "default": null,
                  "collation": null,
                  "generated": null
                },
                {
                  "name": "user_id",
                  "ty": "integer",
                  "not_null": false,
                  "default": null,
                  "collation": null,
                  "generated": null
                },
                {
                  "name": "total",
                  "ty": "real",
                  "not_null": false,
                  "default": null,
                  "collation": null,
                  "generated": null
                }
              ],
              "primary_key": {
                "name": null,
                "columns": [
                  "id"
                ]
              },
              "uniques": [],
              "checks": [],
              "foreign_keys": [
                {
                  "name": null,
                  "columns": [
                    "user_id"
                  ],
                  "ref_table": "users",
                  "ref_columns": [
                    "id"
                  ],
                  "on_delete": "no_action",
                  "on_update": "no_action",
                  "deferred": false
                }
              ],
              "options": []
            }
          }
        }
      ],
      "reverts": [
        3,
        4,
        5
      ],
      "fingerprint": "9e62eb7ff1c53a26c2ae7a5a237a9068c410ad943e6f965712c070d37c2b720c"
    }
    "#);
    insta::assert_snapshot!(run(&env, &["apply", "--db", "app.db"]), @r#"
    exit 0
    app.db is now at event 6 (was 5; 14 statements)
    archived table orders: 1 row in _strata_archive_2
    restored the values of users.age: 1 row from _strata_archive_1
    "#);
    insta::assert_snapshot!(run(&env, &["archive", "list", "--db", "app.db"]), @"
    exit 0
    event 6 op 4: table orders: 1 row, 4096 bytes in _strata_archive_2 ([now]); made by the undo of event 3 op 1; comes back with event 3 op 1 again (apply forwards over event 3, or a redo)
    ");
}

#[test]
fn revert_errors() {
    let env = seeded();
    let at = "2099-02-01T00:00:00Z";
    // Later events depend on it; cascade takes them along.
    insta::assert_snapshot!(run(&env, &["revert", "1", "-m", "x", "--timestamp", at]), @r#"
    exit 1
    --- stderr
    error: event 1 cannot be reverted alone: later events depend on it (event 2 "add age", event 3 "create orders")
    help: give --cascade to revert them too, newest first
    "#);
    insta::assert_snapshot!(run(&env, &["revert", "1", "-m", "x", "--timestamp", at, "--cascade", "--dry-run"]), @r#"
    exit 0
    would record revert event 4 (4 ops); nothing was appended
      drop index orders_by_user on orders (user_id)
      drop table orders (3 columns)
      drop column users.age (was "age" integer, column 4)
      drop table users (3 columns)
    "#);
    insta::assert_snapshot!(run(&env, &["revert", "0", "-m", "x", "--timestamp", at]), @r#"
    exit 1
    --- stderr
    error: point 0 is the empty schema, not an event to revert
    help: to undo everything, use revert --to 0
    "#);
    insta::assert_snapshot!(run(&env, &["revert", "9", "-m", "x", "--timestamp", at]), @r#"
    exit 1
    --- stderr
    error: there is no event 9: the ledger's head is event 3
    "#);
    insta::assert_snapshot!(run(&env, &["revert", "--to", "head", "-m", "x", "--timestamp", at]), @r#"
    exit 0
    nothing to revert: head (event 3) already has the schema of point 3; nothing was appended
    "#);
    insta::assert_snapshot!(run(&env, &["revert", "-m", "x"]), @r#"
    exit 2
    --- stderr
    error: the following required arguments were not provided:
      <POINT|--to <POINT>>

    Usage: strata revert --message <MESSAGE> --author <AUTHOR> <POINT|--to <POINT>>

    For more information, try '--help'.
    "#);
}

#[test]
fn baseline() {
    let env = Env::init();
    env.db("legacy.db")
        .execute_batch(
            "CREATE TABLE items (id integer PRIMARY KEY, label text NOT NULL DEFAULT '');
             CREATE INDEX items_by_label ON items (label);
             CREATE VIEW labels AS SELECT label FROM items;
             INSERT INTO items VALUES (1, 'one');",
        )
        .expect("legacy");
    let at = "2099-01-01T00:00:00Z";
    insta::assert_snapshot!(run(&env, &["baseline", "--db", "legacy.db", "-m", "adopt", "--timestamp", at, "--dry-run"]), @"
    exit 0
    would record baseline event 1 of legacy.db (1 table, 3 objects); nothing was appended
    ");
    insta::assert_snapshot!(json(&env, &["baseline", "--db", "legacy.db", "-m", "adopt", "--timestamp", at, "--dry-run"]), @r#"
    exit 0
    {
      "seq": 1,
      "hash": "ce79e8f355008871c64276dbbf7cfdd6d7d71ae04224a0eade0f3d4f83967854",
      "prev": "0000000000000000000000000000000000000000000000000000000000000000",
      "at": "2099-01-01T00:00:00Z",
      "author": "tester",
      "message": "adopt",
      "kind": "baseline",
      "ops": [],
      "schema": {
        "tables": {
          "items": {
            "name": "items",
            "columns": [
              {
                "name": "id",
                "ty": "integer",
                "not_null": false,
                "default": null,
                "collation": null,
                "generated": null
              },
              {
                "name": "label",
                "ty": "text",
                "not_null": true,
                "default": "''",
                "collation": null,
                "generated": null
              }
            ],
            "primary_key": {
              "name": null,
              "columns": [
                "id"
              ]
            },
            "uniques": [],
            "checks": [],
            "foreign_keys": [],
            "options": []
          }
        },
        "indexes": {
          "items_by_label": {
            "name": "items_by_label",
            "table": "items",
            "unique": false,
            "columns": [
              {
                "term": {
                  "column": "label"
                },
                "collation": null,
                "desc": false
              }
            ],
            "predicate": null
          }
        },
        "views": {
          "labels": {
            "name": "labels",
            "sql": "CREATE VIEW labels AS SELECT label FROM items",
            "depends_on": [
              "items"
            ]
          }
        },
        "triggers": {}
      },
      "fingerprint": "297bad55d5d909cc892d3c2aebf74f7b41649be933cad20c331531eca441c8d0"
    }
    "#);
    insta::assert_snapshot!(run(&env, &["baseline", "--db", "legacy.db", "-m", "adopt", "--timestamp", at]), @"
    exit 0
    recorded baseline event 1 (ce79e8f35500): 1 table, 3 objects from legacy.db; it is marked at event 1
    ");
    insta::assert_snapshot!(run(&env, &["show", "1"]), @r#"
    exit 0
    event 1
    hash        ce79e8f355008871c64276dbbf7cfdd6d7d71ae04224a0eade0f3d4f83967854
    prev        0000000000000000000000000000000000000000000000000000000000000000
    at          2099-01-01T00:00:00Z
    author      tester
    kind        baseline
    fingerprint 297bad55d5d909cc892d3c2aebf74f7b41649be933cad20c331531eca441c8d0

        adopt

    baseline: 1 table, 1 index, 1 view, 0 triggers
    CREATE TABLE "items" (
      "id" integer PRIMARY KEY,
      "label" text NOT NULL DEFAULT ''
    );
    CREATE INDEX "items_by_label" ON "items" ("label");
    CREATE VIEW labels AS SELECT label FROM items;
    "#);
    insta::assert_snapshot!(run(&env, &["status", "--db", "legacy.db"]), @"
    exit 0
    legacy.db is at event 1 (ce79e8f35500)
    head is event 1; 0 pending
    no drift
    ");
    // A ledger with events needs --force-after; with it, the database's
    // schema replaces head's.
    env.db("other.db")
        .execute_batch("CREATE TABLE other (a)")
        .expect("other");
    insta::assert_snapshot!(run(&env, &["baseline", "--db", "other.db", "-m", "adopt", "--timestamp", "2099-01-02T00:00:00Z"]), @r#"
    exit 1
    --- stderr
    error: the ledger has 1 event: a baseline is its first event, unless forced
    help: to replace the ledger's schema with the database's after event 1, give --force-after 1
    "#);
    // --json of a baseline is the event itself with --dry-run (as record
    // prints it), and {db, event} once the database is marked.
    insta::assert_snapshot!(json(&env, &["baseline", "--db", "other.db", "-m", "adopt", "--timestamp", "2099-01-02T00:00:00Z", "--force-after", "head"]), @r#"
    exit 0
    {
      "db": "other.db",
      "event": {
        "seq": 2,
        "hash": "57d75d2be4f90556c2a6ef5570c88096fe1eb714c2253974105ba6693a2c1547",
        "prev": "ce79e8f355008871c64276dbbf7cfdd6d7d71ae04224a0eade0f3d4f83967854",
        "at": "2099-01-02T00:00:00Z",
        "author": "tester",
        "message": "adopt",
        "kind": "baseline",
        "ops": [],
        "schema": {
          "tables": {
            "other": {
              "name": "other",
              "columns": [
                {
                  "name": "a",
                  "ty": "",
                  "not_null": false,
                  "default": null,
                  "collation": null,
                  "generated": null
                }
              ],
              "primary_key": null,
              "uniques": [],
              "checks": [],
              "foreign_keys": [],
              "options": []
            }
          },
          "indexes": {},
          "views": {},
          "triggers": {}
        },
        "fingerprint": "0c3e72155d5f0ee0e63afb57677eec95f78b4be8afcbe8fec78459160a31db5a"
      }
    }
    "#);
    insta::assert_snapshot!(run(&env, &["baseline", "--db", "other.db", "-m", "again", "--timestamp", "2099-01-03T00:00:00Z", "--force-after", "head~1"]), @r#"
    exit 1
    --- stderr
    error: --force-after names event 1, but head is event 2: a baseline can only follow head
    help: check the history with `strata log`, then give --force-after 2
    "#);
    // A missing database; one of another ledger.
    let fresh = Env::init();
    insta::assert_snapshot!(run(&fresh, &["baseline", "--db", "missing.db", "-m", "adopt", "--timestamp", at]), @r#"
    exit 1
    --- stderr
    error: missing.db is not a database file: baseline adopts one that exists
    help: give the path of the existing database; to start from nothing, record changes and `strata apply`
    "#);
    std::fs::copy(env.path().join("legacy.db"), fresh.path().join("legacy.db")).expect("copy");
    insta::assert_snapshot!(run(&fresh, &["baseline", "--db", "legacy.db", "-m", "adopt", "--timestamp", at]), @"
    exit 3
    --- stderr
    error: legacy.db is already reconciled by another ledger (id ce79e8f35500)
    help: give the --ledger it belongs to
    ");
}

#[test]
fn plan() {
    let env = seeded();
    let orders = "CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES users (id), total real, paid integer NOT NULL DEFAULT 0);
         CREATE INDEX orders_by_user ON orders (user_id);";
    env.file(
        "plain.sql",
        &format!("CREATE TABLE users (id integer PRIMARY KEY, full_name text NOT NULL, email text UNIQUE, age integer);\n{orders}"),
    );
    env.file(
        "desired.sql",
        &format!("CREATE TABLE users (\n  id integer PRIMARY KEY,\n  full_name text NOT NULL, -- @renamed from=name\n  email text UNIQUE,\n  age integer\n);\n{orders}"),
    );
    // Without a rename, a drop and an add, and the suggestion.
    insta::assert_snapshot!(run(&env, &["plan", "--desired", "plain.sql"]), @r#"
    exit 0
    3 ops turn head (event 3) into the desired schema:
      add column orders.paid: "paid" integer NOT NULL DEFAULT 0
      drop column users.name (was "name" text NOT NULL, column 2)
      add column users.full_name: "full_name" text NOT NULL

    -- the SQL apply runs for them on a database at head
    ALTER TABLE "orders" ADD COLUMN "paid" integer NOT NULL DEFAULT 0;
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "name", "email", "age");
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "name", "email", "age") SELECT rowid, "name", "email", "age" FROM "users";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 4, 1, 0, 4, 1, 1, 'column', 'users', 'name', 'rowid', json_array('_strata_rowid'), json_array('name'), json_array('email', 'age'), NULL, NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    ALTER TABLE "users" DROP COLUMN "name";
    CREATE TABLE "_strata_new_users" (
      "id" integer PRIMARY KEY,
      "full_name" text NOT NULL,
      "email" text,
      "age" integer,
      UNIQUE ("email")
    );
    INSERT INTO "_strata_new_users" ("id", "email", "age") SELECT "id", "email", "age" FROM "users";
    DROP TABLE "users";
    ALTER TABLE "_strata_new_users" RENAME TO "users";
    --- stderr
    warning: this drops column users.name; apply keeps its data in the database's archive, and a revert brings it back [drop]
    warning: column users.full_name is NOT NULL without a default: apply fails on a database whose users holds rows [not-null-without-default]
    note: column users.name is dropped and users.full_name added alike; if it is a rename, give --rename users.name=users.full_name
    "#);
    // The ops' keys in the model's field order, as record, log and show
    // print them.
    insta::assert_snapshot!(json(&env, &["plan", "--desired", "plain.sql", "--rename", "users.name=users.full_name"]), @r#"
    exit 0
    {
      "drops": [],
      "head": 3,
      "ops": [
        {
          "rename_column": {
            "table": "users",
            "from": "name",
            "to": "full_name"
          }
        },
        {
          "add_column": {
            "table": "orders",
            "column": {
              "name": "paid",
              "ty": "integer",
              "not_null": true,
              "default": "0",
              "collation": null,
              "generated": null
            },
            "position": 3
          }
        }
      ],
      "sql": [
        "ALTER TABLE \"users\" RENAME COLUMN \"name\" TO \"full_name\";",
        "ALTER TABLE \"orders\" ADD COLUMN \"paid\" integer NOT NULL DEFAULT 0;"
      ],
      "suggestions": [],
      "summary": [
        "rename column users.name to full_name",
        "add column orders.paid: \"paid\" integer NOT NULL DEFAULT 0"
      ]
    }
    "#);
    insta::assert_snapshot!(run(&env, &["plan", "--desired", "desired.sql"]), @r#"
    exit 0
    2 ops turn head (event 3) into the desired schema:
      rename column users.name to full_name
      add column orders.paid: "paid" integer NOT NULL DEFAULT 0

    -- the SQL apply runs for them on a database at head
    ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";
    ALTER TABLE "orders" ADD COLUMN "paid" integer NOT NULL DEFAULT 0;
    "#);
    env.db("dev.db")
        .execute_batch("CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);")
        .expect("dev");
    insta::assert_snapshot!(run(&env, &["plan", "--from-db", "dev.db"]), @r#"
    exit 0
    5 ops turn head (event 3) into the desired schema:
      drop index orders_by_user on orders (user_id)
      drop from users: UNIQUE ("email")
      drop table orders (3 columns)
      drop column users.age (was "age" integer, column 4)
      drop column users.email (was "email" text, column 3)

    -- the SQL apply runs for them on a database at head
    DROP INDEX "orders_by_user";
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "id", "user_id", "total");
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "id", "user_id", "total") SELECT rowid, "id", "user_id", "total" FROM "orders";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 4, 2, 0, 4, 2, 1, 'table', 'orders', NULL, 'rowid', json_array('_strata_rowid'), json_array('id', 'user_id', 'total'), json_array(), NULL, NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    DROP TABLE "orders";
    CREATE TABLE "_strata_archive_2" ("_strata_rowid" INTEGER PRIMARY KEY, "age", "name", "email");
    INSERT INTO "_strata_archive_2" ("_strata_rowid", "age", "name", "email") SELECT rowid, "age", "name", "email" FROM "users";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 2, (SELECT max("id") FROM "_strata_log"), 4, 3, 0, 4, 3, 1, 'column', 'users', 'age', 'rowid', json_array('_strata_rowid'), json_array('age'), json_array('name', 'email'), NULL, NULL, '_strata_archive_2', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_2";
    CREATE TABLE "_strata_archive_3" ("_strata_rowid" INTEGER PRIMARY KEY, "email", "name");
    INSERT INTO "_strata_archive_3" ("_strata_rowid", "email", "name") SELECT rowid, "email", "name" FROM "users";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 3, (SELECT max("id") FROM "_strata_log"), 4, 4, 0, 4, 4, 1, 'column', 'users', 'email', 'rowid', json_array('_strata_rowid'), json_array('email'), json_array('name'), NULL, NULL, '_strata_archive_3', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_3";
    CREATE TABLE "_strata_new_users" (
      "id" integer PRIMARY KEY,
      "name" text NOT NULL
    );
    INSERT INTO "_strata_new_users" ("id", "name") SELECT "id", "name" FROM "users";
    DROP TABLE "users";
    ALTER TABLE "_strata_new_users" RENAME TO "users";
    --- stderr
    warning: this drops table orders; apply keeps its data in the database's archive, and a revert brings it back [drop]
    warning: this drops column users.age; apply keeps its data in the database's archive, and a revert brings it back [drop]
    warning: this drops column users.email; apply keeps its data in the database's archive, and a revert brings it back [drop]
    "#);
    insta::assert_snapshot!(run(&env, &["record", "-m", "sync", "--timestamp", "2099-02-01T00:00:00Z", "--desired", "desired.sql"]), @"
    exit 0
    recorded event 4 (c0bb5a0142d6): sync
    ");
    // Nothing to change; bad desired SQL; no file.
    insta::assert_snapshot!(run(&env, &["plan", "--desired", "desired.sql"]), @r#"
    exit 0
    nothing to do: head (event 4) has the desired schema
    "#);
    env.file("bad.sql", "CREATE TABLE t (a integer");
    insta::assert_snapshot!(run(&env, &["plan", "--desired", "bad.sql"]), @r#"
    exit 1
    --- stderr
    error: bad.sql: line 1: SQLite refused CREATE TABLE t (a integer: incomplete input
    "#);
    insta::assert_snapshot!(run(&env, &["plan", "--desired", "missing.sql"]), @r#"
    exit 1
    --- stderr
    error: cannot read missing.sql: No such file or directory (os error 2)
    "#);
    insta::assert_snapshot!(run(&env, &["plan"]), @r#"
    exit 2
    --- stderr
    error: the following required arguments were not provided:
      <--desired <FILE.sql>|--from-db <FILE>>

    Usage: strata plan <--desired <FILE.sql>|--from-db <FILE>>

    For more information, try '--help'.
    "#);
}

#[test]
fn import_sql() {
    let env = Env::init();
    let dir = env.path().join("migrations");
    std::fs::create_dir(&dir).expect("mkdir");
    for (name, sql) in [
        (
            "V1__users.sql",
            "CREATE TABLE users (id integer PRIMARY KEY, name text);\n",
        ),
        (
            "V2__email.sql",
            "ALTER TABLE users ADD COLUMN email text;\nUPDATE users SET email = '';\n",
        ),
        ("U2__email.sql", "UPDATE users SET email = NULL;\n"),
        ("notes.txt", "not a migration\n"),
    ] {
        std::fs::write(dir.join(name), sql).expect("write");
    }
    let at = "2099-01-01T00:00:00Z";
    insta::assert_snapshot!(run(&env, &["import-sql", "--timestamp", at, "--dry-run", "migrations"]), @r#"
    exit 0
    would record event 1: V1__users.sql (1 op)
      create table users
    would record event 2: V2__email.sql (2 ops)
      add column users.email: "email" text
      data step: UPDATE users SET email = ''
      revert SQL from migrations/U2__email.sql
    nothing was appended (dry run)
    "#);
    insta::assert_snapshot!(json(&env, &["import-sql", "--timestamp", at, "--dry-run", "migrations"]), @r#"
    exit 0
    [
      {
        "seq": 1,
        "message": "V1__users.sql",
        "file": "migrations/V1__users.sql",
        "kind": "change",
        "ops": [
          {
            "create_table": {
              "table": {
                "name": "users",
                "columns": [
                  {
                    "name": "id",
                    "ty": "integer",
                    "not_null": false,
                    "default": null,
                    "collation": null,
                    "generated": null
                  },
                  {
                    "name": "name",
                    "ty": "text",
                    "not_null": false,
                    "default": null,
                    "collation": null,
                    "generated": null
                  }
                ],
                "primary_key": {
                  "name": null,
                  "columns": [
                    "id"
                  ]
                },
                "uniques": [],
                "checks": [],
                "foreign_keys": [],
                "options": []
              }
            }
          }
        ]
      },
      {
        "seq": 2,
        "message": "V2__email.sql",
        "file": "migrations/V2__email.sql",
        "down": "migrations/U2__email.sql",
        "kind": "change",
        "ops": [
          {
            "add_column": {
              "table": "users",
              "column": {
                "name": "email",
                "ty": "text",
                "not_null": false,
                "default": null,
                "collation": null,
                "generated": null
              },
              "position": 2
            }
          },
          {
            "data": {
              "sql": "UPDATE users SET email = ''"
            }
          }
        ],
        "revert_sql": "UPDATE users SET email = NULL;"
      }
    ]
    "#);
    insta::assert_snapshot!(run(&env, &["import-sql", "--timestamp", at, "migrations"]), @"
    exit 0
    recorded event 1 (22c9d8849731): V1__users.sql
    recorded event 2 (04b0f8ed23a9): V2__email.sql
    ");
    insta::assert_snapshot!(json(&env, &["import-sql", "--timestamp", "2099-01-02T00:00:00Z", "migrations"]), @r#"
    exit 0
    []
    "#);
    insta::assert_snapshot!(run(&env, &["log"]), @r#"
    exit 0
    event 2  04b0f8ed23a9  2099-01-01T00:00:00Z  tester  change
        V2__email.sql
          add column users.email: "email" text
          data step: UPDATE users SET email = ''

    event 1  22c9d8849731  2099-01-01T00:00:00Z  tester  change
        V1__users.sql
          create table users
    "#);
    // Not a folder; a file SQL refuses.
    insta::assert_snapshot!(run(&env, &["import-sql", "--timestamp", at, "nope"]), @r#"
    exit 1
    --- stderr
    error: cannot read folder nope: No such file or directory (os error 2)
    "#);
    std::fs::write(dir.join("V3__bad.sql"), "CREATE TABLE t (a").expect("write");
    insta::assert_snapshot!(run(&env, &["import-sql", "--timestamp", "2099-01-03T00:00:00Z", "migrations"]), @r#"
    exit 1
    --- stderr
    error: migrations/V3__bad.sql:1: syntax error in CREATE TABLE t (a: expected ), found the end of the statement at line 1, column 18
    help: nothing was recorded; fix the file and run import-sql again
    "#);
}

#[test]
fn archive() {
    let env = applied();
    record_at(
        &env,
        "drop orders",
        "2099-01-04T00:00:00Z",
        "DROP TABLE orders",
    );
    record_at(
        &env,
        "drop age",
        "2099-01-05T00:00:00Z",
        "ALTER TABLE users DROP COLUMN age",
    );
    env.ok(&["apply", "--db", "app.db"]);
    // Text numbers ops from 1, as `show` and the comments of `apply
    // --dry-run` do ("event 4 op 2"); JSON gives the op's index in its
    // event, from 0 ("op": 1).
    insta::assert_snapshot!(run(&env, &["archive", "list", "--db", "app.db"]), @"
    exit 0
    event 4 op 2: table orders: 1 row, 4096 bytes in _strata_archive_1 ([now]); made by event 4 op 2; comes back with the undo of event 4 op 2 (a revert of event 4, or apply --to before it)
    event 5 op 1: column users.age: 1 row, 4096 bytes in _strata_archive_2 ([now]); made by event 5 op 1; comes back with the undo of event 5 op 1 (a revert of event 5, or apply --to before it)
    ");
    insta::assert_snapshot!(json(&env, &["archive", "list", "--db", "app.db"]), @r#"
    exit 0
    [
      {
        "archive_table": "_strata_archive_1",
        "bytes": 4096,
        "column": null,
        "created_at": "[now]",
        "kind": "table",
        "lineage": {
          "forward": true,
          "op": 1,
          "seq": 4
        },
        "op": 1,
        "restored_by": "the undo of event 4 op 2 (a revert of event 4, or apply --to before it)",
        "rows": 1,
        "seq": 4,
        "table": "orders"
      },
      {
        "archive_table": "_strata_archive_2",
        "bytes": 4096,
        "column": "age",
        "created_at": "[now]",
        "kind": "column",
        "lineage": {
          "forward": true,
          "op": 0,
          "seq": 5
        },
        "op": 0,
        "restored_by": "the undo of event 5 op 1 (a revert of event 5, or apply --to before it)",
        "rows": 1,
        "seq": 5,
        "table": "users"
      }
    ]
    "#);
    insta::assert_snapshot!(run(&env, &["archive", "purge", "--db", "app.db", "--before", "4"]), @"
    exit 0
    removed 1 archive entry made by events up to 4
      event 4 op 2: table orders: 1 row, 4096 bytes in _strata_archive_1 ([now]); made by event 4 op 2; comes back with the undo of event 4 op 2 (a revert of event 4, or apply --to before it)
    ");
    insta::assert_snapshot!(json(&env, &["archive", "purge", "--db", "app.db", "--before", "head"]), @r#"
    exit 0
    {
      "removed": [
        {
          "archive_table": "_strata_archive_2",
          "bytes": 4096,
          "column": "age",
          "created_at": "[now]",
          "kind": "column",
          "lineage": {
            "forward": true,
            "op": 0,
            "seq": 5
          },
          "op": 0,
          "restored_by": "the undo of event 5 op 1 (a revert of event 5, or apply --to before it)",
          "rows": 1,
          "seq": 5,
          "table": "users"
        }
      ]
    }
    "#);
    insta::assert_snapshot!(run(&env, &["archive", "list", "--db", "app.db"]), @r#"
    exit 0
    app.db keeps no archived data
    "#);
    // What was purged is refused on the way back, unless without data.
    insta::assert_snapshot!(run(&env, &["apply", "--db", "app.db", "--to", "3"]), @r#"
    exit 1
    would come back without its data: the values of users.age (1 row, archive _strata_archive_2 purged at [now])
    would come back without its data: the rows of table orders (1 row, archive _strata_archive_1 purged at [now])
    --- stderr
    error: app.db would get back 2 tables or columns without 2 rows of data: their archives were purged (listed above); nothing was changed
    help: restore the database from a backup taken before the purge, or pass --without-data to move without that data
    "#);
    insta::assert_snapshot!(run(&env, &["apply", "--db", "app.db", "--to", "3", "--without-data"]), @r#"
    exit 0
    app.db is now at event 3 (was 5; 3 statements)
    --- stderr
    warning: came back without its data (--without-data): the values of users.age (1 row, archive _strata_archive_2 purged at [now])
    warning: came back without its data (--without-data): the rows of table orders (1 row, archive _strata_archive_1 purged at [now])
    "#);
    insta::assert_snapshot!(run(&env, &["archive", "list", "--db", "fresh.db"]), @r#"
    exit 1
    --- stderr
    error: fresh.db does not exist
    "#);
    insta::assert_snapshot!(run(&env, &["archive", "purge", "--db", "app.db", "--before", "nope~"]), @r#"
    exit 2
    --- stderr
    error: invalid value 'nope~' for '--before <POINT>': "nope~" is not a point: a point is 0, N, head, head~K, a tag name, 8 to 64 hex characters of a hash, or @TIME

    For more information, try '--help'.
    "#);
}

/// The completion scripts and the manual pages begin as their shells and
/// man expect; a shell or a command strata does not have is an error.
#[test]
fn completions_and_man() {
    let env = Env::new();
    // The first lines of each: the scripts and the page are clap's.
    let head = |args: &[&str], n: usize| {
        let run = env.run(args);
        let lines: Vec<&str> = run.stdout.lines().take(n).collect();
        format!("exit {}\n{}\n", run.code, lines.join("\n"))
    };
    insta::assert_snapshot!(head(&["completions", "bash"], 1), @"
    exit 0
    _strata() {
    ");
    insta::assert_snapshot!(head(&["completions", "zsh"], 1), @"
    exit 0
    #compdef strata
    ");
    insta::assert_snapshot!(head(&["completions", "fish"], 1), @"
    exit 0
    # Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
    ");
    insta::assert_snapshot!(head(&["completions", "powershell"], 3), @"
    exit 0

    using namespace System.Management.Automation
    using namespace System.Management.Automation.Language
    ");
    insta::assert_snapshot!(head(&["man"], 5), @r#"
    exit 0
    .ie \n(.g .ds Aq \(aq
    .el .ds Aq '
    .TH strata 1  "strata 0.1.0" "strata manual"
    .SH NAME
    strata \- An event\-sourced schema ledger: every schema change is a hash\-chained event, and any point of the history can be rebuilt, applied or reverted.
    "#);
    insta::assert_snapshot!(head(&["--json", "man", "tag"], 5), @r#"
    exit 0
    .ie \n(.g .ds Aq \(aq
    .el .ds Aq '
    .TH strata-tag 1  "strata 0.1.0" "strata manual"
    .SH NAME
    strata\-tag \- Name a point (appends a tag event)
    "#);
    insta::assert_snapshot!(run(&env, &["completions", "tcsh"]), @"
    exit 2
    --- stderr
    error: invalid value 'tcsh' for '<SHELL>'
      [possible values: bash, elvish, fish, powershell, zsh]

      tip: a similar value exists: 'zsh'

    For more information, try '--help'.
    ");
    insta::assert_snapshot!(run(&env, &["man", "nope"]), @r#"
    exit 1
    --- stderr
    error: strata has no command named "nope"
    help: `strata --help` lists its commands
    "#);
    insta::assert_snapshot!(run(&env, &["man", "tag", "x"]), @r#"
    exit 1
    --- stderr
    error: strata tag has no command named "x"
    help: strata tag has no commands of its own
    "#);
}

/// A command whose stdout is a pipe nobody reads any more (`strata schema
/// | head -0`) stops printing and exits 0, with nothing on stderr and no
/// panic; what it did stands: the tags and the change are appended, app.db
/// is applied and copy.db built.
#[test]
fn a_closed_stdout_ends_a_command_quietly() {
    let env = applied();
    env.file(
        "desired.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, email text UNIQUE, age integer);
         CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES users (id), total real, paid integer NOT NULL DEFAULT 0);
         CREATE INDEX orders_by_user ON orders (user_id);",
    );
    let mut out = String::new();
    for args in [
        &["log"][..],
        &["schema"],
        &["--json", "schema"],
        &["show"],
        &["verify"],
        &["status", "--db", "app.db"],
        &["plan", "--desired", "desired.sql"],
        &["archive", "list", "--db", "app.db"],
        &["tag", "v1"],
        &[
            "record",
            "-m",
            "add note",
            "--timestamp",
            "2099-01-04T00:00:00Z",
            "--sql",
            "ALTER TABLE users ADD COLUMN note text",
        ],
        &["--json", "tag", "v2"],
        &["apply", "--db", "app.db"],
        &["checkout", "--db", "copy.db"],
    ] {
        out.push_str(&closed(&env, args));
    }
    out.push_str(&format!("head is event {}\n", env.head()));
    out.push_str(&run(&env, &["status", "--db", "app.db"]));
    out.push_str(&run(&env, &["status", "--db", "copy.db"]));
    insta::assert_snapshot!(out, @"
    strata log: exit 0
    strata schema: exit 0
    strata --json schema: exit 0
    strata show: exit 0
    strata verify: exit 0
    strata status --db app.db: exit 0
    strata plan --desired desired.sql: exit 0
    strata archive list --db app.db: exit 0
    strata tag v1: exit 0
    --- stderr
    warning: the clock ([now]) is behind head's time (2099-01-03T00:00:00Z): event 4 takes head's time, as times never decrease along the ledger
    strata record -m add note --timestamp 2099-01-04T00:00:00Z --sql ALTER TABLE users ADD COLUMN note text: exit 0
    strata --json tag v2: exit 0
    --- stderr
    warning: the clock ([now]) is behind head's time (2099-01-04T00:00:00Z): event 6 takes head's time, as times never decrease along the ledger
    strata apply --db app.db: exit 0
    strata checkout --db copy.db: exit 0
    head is event 6
    exit 0
    app.db is at event 6 (bd810a856f6b)
    head is event 6; 0 pending
    no drift
    exit 0
    copy.db is at event 6 (bd810a856f6b)
    head is event 6; 0 pending
    no drift
    ");
}

/// The same for `diff`, `check`, the diagrams, the completion scripts,
/// the manual page, `blame` and `report` (whose file is written first): a
/// reader gone early ends them quietly too, and `check`
/// keeps its answer (exit 5 with its error when events are pending).
#[test]
fn a_closed_stdout_ends_the_audit_commands_quietly() {
    let env = applied();
    let mut out = String::new();
    for args in [
        &["diff", "0", "3"][..],
        &["diff", "3", "0", "--format", "sql"],
        &["--json", "diff", "0", "3"],
        &["schema", "--format", "mermaid"],
        &["schema", "--format", "dot"],
        &["check", "--db", "app.db"],
        &["completions", "bash"],
        &["man"],
        &["blame", "users"],
        &["--json", "blame", "users.age"],
        &["report", "--out", "audit.html", "--db", "app.db"],
    ] {
        out.push_str(&closed(&env, args));
    }
    assert!(env.path().join("audit.html").is_file());
    record_at(
        &env,
        "add note",
        "2099-01-04T00:00:00Z",
        "ALTER TABLE orders ADD COLUMN note text",
    );
    out.push_str(&closed(&env, &["check", "--db", "app.db"]));
    insta::assert_snapshot!(out, @"
    strata diff 0 3: exit 0
    strata diff 3 0 --format sql: exit 0
    strata --json diff 0 3: exit 0
    strata schema --format mermaid: exit 0
    strata schema --format dot: exit 0
    strata check --db app.db: exit 0
    strata completions bash: exit 0
    strata man: exit 0
    strata blame users: exit 0
    strata --json blame users.age: exit 0
    strata report --out audit.html --db app.db: exit 0
    strata check --db app.db: exit 5
    --- stderr
    error: app.db is not at event 4: 1 event pending
    help: apply brings it there: strata apply --db app.db
    ");
}

/// What `strata ARGS` did with its stdout a pipe closed at once (`strata
/// ARGS | head -0`): its exit code, and its stderr when it wrote any.
fn closed(env: &Env, args: &[&str]) -> String {
    let mut child = env
        .command(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn strata");
    drop(child.stdout.take());
    let done = child.wait_with_output().expect("wait strata");
    let mut out = format!(
        "strata {}: exit {}\n",
        args.join(" "),
        done.status.code().unwrap_or(-1)
    );
    if !done.stderr.is_empty() {
        out.push_str("--- stderr\n");
        out.push_str(&String::from_utf8_lossy(&done.stderr));
    }
    scrub(env, &out)
}

/// Every other command, text and `--json`, dry runs and the appends among
/// them: a reader gone early ends each quietly (exit 0, nothing on
/// stderr but its warnings), and each append happens once (`strata --json
/// record ... | true` appends one event, so a script that retries on a
/// failure has none to retry on).
#[test]
fn a_closed_stdout_ends_every_other_command_quietly() {
    let env = applied();
    std::fs::create_dir(env.path().join("migrations")).expect("mkdir");
    env.file(
        "migrations/V4__note.sql",
        "ALTER TABLE orders ADD COLUMN note text;\n",
    );
    let mut out = String::new();
    for args in [
        &["--ledger", "fresh", "init"][..],
        &["--json", "--ledger", "fresh2", "init"],
        &[
            "--json",
            "record",
            "-m",
            "add note",
            "--timestamp",
            "2099-01-04T00:00:00Z",
            "--sql",
            "ALTER TABLE users ADD COLUMN note text",
        ],
        &[
            "record",
            "-m",
            "try",
            "--dry-run",
            "--sql",
            "ALTER TABLE users ADD COLUMN other text",
        ],
        &[
            "--json",
            "revert",
            "4",
            "-m",
            "undo note",
            "--timestamp",
            "2099-01-05T00:00:00Z",
        ],
        &["revert", "--to", "2", "-m", "try", "--dry-run"],
        &[
            "--json",
            "import-sql",
            "--timestamp",
            "2099-01-06T00:00:00Z",
            "migrations",
        ],
        &["--json", "log"],
        &["--json", "show", "3"],
        &["--json", "verify", "--deep"],
        &["apply", "--db", "app.db", "--dry-run"],
        &["--json", "apply", "--db", "app.db"],
        &["--json", "status", "--db", "app.db"],
        &["--json", "check", "--db", "app.db"],
        &["--json", "checkout", "--db", "copy.db", "--to", "2"],
        &["--json", "archive", "list", "--db", "app.db"],
        &["archive", "purge", "--db", "app.db", "--before", "6"],
        &["export", "text"],
        &["--json", "export", "text"],
        &["export", "--bundle", "app.bundle"],
        &["verify", "--text", "text", "--deep"],
        &["--json", "verify", "--text", "text"],
        &["--ledger", "other", "import", "text"],
        &["--json", "--ledger", "other2", "import", "text"],
        &["rebase", "text", "-m", "nothing to do"],
        &[
            "--json",
            "baseline",
            "--db",
            "copy.db",
            "-m",
            "adopt",
            "--timestamp",
            "2099-01-07T00:00:00Z",
            "--force-after",
            "head",
        ],
        &["--json", "plan", "--from-db", "app.db"],
        &["--json", "diff", "2", "head"],
        &["--json", "schema", "--at", "2"],
    ] {
        out.push_str(&closed(&env, args));
    }
    out.push_str(&format!("head is event {}\n", env.head()));
    out.push_str(&run(&env, &["log", "--limit", "4"]));
    insta::assert_snapshot!(out, @r#"
    strata --ledger fresh init: exit 0
    strata --json --ledger fresh2 init: exit 0
    strata --json record -m add note --timestamp 2099-01-04T00:00:00Z --sql ALTER TABLE users ADD COLUMN note text: exit 0
    strata record -m try --dry-run --sql ALTER TABLE users ADD COLUMN other text: exit 0
    --- stderr
    warning: the clock ([now]) is behind head's time (2099-01-04T00:00:00Z): event 5 takes head's time, as times never decrease along the ledger
    strata --json revert 4 -m undo note --timestamp 2099-01-05T00:00:00Z: exit 0
    strata revert --to 2 -m try --dry-run: exit 0
    --- stderr
    warning: the clock ([now]) is behind head's time (2099-01-05T00:00:00Z): event 6 takes head's time, as times never decrease along the ledger
    strata --json import-sql --timestamp 2099-01-06T00:00:00Z migrations: exit 0
    strata --json log: exit 0
    strata --json show 3: exit 0
    strata --json verify --deep: exit 0
    strata apply --db app.db --dry-run: exit 0
    strata --json apply --db app.db: exit 0
    strata --json status --db app.db: exit 0
    strata --json check --db app.db: exit 0
    strata --json checkout --db copy.db --to 2: exit 0
    strata --json archive list --db app.db: exit 0
    strata archive purge --db app.db --before 6: exit 0
    strata export text: exit 0
    strata --json export text: exit 0
    strata export --bundle app.bundle: exit 0
    strata verify --text text --deep: exit 0
    strata --json verify --text text: exit 0
    strata --ledger other import text: exit 0
    strata --json --ledger other2 import text: exit 0
    strata rebase text -m nothing to do: exit 0
    strata --json baseline --db copy.db -m adopt --timestamp 2099-01-07T00:00:00Z --force-after head: exit 0
    strata --json plan --from-db app.db: exit 0
    strata --json diff 2 head: exit 0
    strata --json schema --at 2: exit 0
    head is event 7
    exit 0
    event 7  245a4548d5ae  2099-01-07T00:00:00Z  tester  baseline
        adopt
        baseline: 1 table, 0 indexes, 0 views, 0 triggers

    event 6  a78c2cfb3f15  2099-01-06T00:00:00Z  tester  change
        V4__note.sql
          add column orders.note: "note" text

    event 5  b44b6e3e536c  2099-01-05T00:00:00Z  tester  revert
        undo note
        reverts event 4
          drop column users.note (was "note" text, column 5)

    event 4  5a54890c98c7  2099-01-04T00:00:00Z  tester  change
        add note
          add column users.note: "note" text
    "#);
}

/// A closed stdout does not hide a failure: a drifted database is still
/// exit 4, with its error on stderr.
#[test]
fn a_closed_stdout_keeps_a_failure_and_its_code() {
    let env = applied();
    env.db("app.db")
        .execute_batch("ALTER TABLE users ADD COLUMN sneaky text")
        .expect("drift");
    let mut out = String::new();
    for args in [
        &["status", "--db", "app.db"][..],
        &["--json", "status", "--db", "app.db"],
        &["apply", "--db", "app.db"],
    ] {
        out.push_str(&closed(&env, args));
    }
    insta::assert_snapshot!(out, @"
    strata status --db app.db: exit 4
    --- stderr
    error: app.db has drifted from event 3: 1 difference (listed above)
    help: undo the changes by hand until `strata status --db app.db` shows no drift; or, to keep them in a database at head, adopt its schema with `strata baseline --db app.db -m MSG --force-after head`. Recording them as a change does not clear drift: the database has them already
    strata --json status --db app.db: exit 4
    --- stderr
    error: app.db has drifted from event 3: 1 difference (listed above)
    help: undo the changes by hand until `strata status --db app.db` shows no drift; or, to keep them in a database at head, adopt its schema with `strata baseline --db app.db -m MSG --force-after head`. Recording them as a change does not clear drift: the database has them already
    strata apply --db app.db: exit 4
    --- stderr
    error: app.db has drifted from event 3: 1 difference (listed above)
    help: undo the changes by hand until `strata status --db app.db` shows no drift; or, to keep them in a database at head, adopt its schema with `strata baseline --db app.db -m MSG --force-after head`. Recording them as a change does not clear drift: the database has them already
    ");
}

/// `import-sql` lists the files it skips before it appends anything: a
/// closed stdout does not stop it, every new file is appended.
#[test]
fn a_closed_stdout_does_not_stop_an_import() {
    let env = Env::init();
    let dir = env.path().join("migrations");
    std::fs::create_dir(&dir).expect("mkdir");
    let at = "2099-01-01T00:00:00Z";
    let file = |name: &str, sql: &str| std::fs::write(dir.join(name), sql).expect("write");
    file(
        "V1__users.sql",
        "CREATE TABLE users (id integer PRIMARY KEY);\n",
    );
    env.ok(&["import-sql", "--timestamp", at, "migrations"]);
    file("V2__name.sql", "ALTER TABLE users ADD COLUMN name text;\n");
    file(
        "V3__email.sql",
        "ALTER TABLE users ADD COLUMN email text;\n",
    );
    let mut out = closed(&env, &["import-sql", "--timestamp", at, "migrations"]);
    out.push_str(&run(&env, &["log"]));
    insta::assert_snapshot!(out, @r#"
    strata import-sql --timestamp 2099-01-01T00:00:00Z migrations: exit 0
    exit 0
    event 3  3c8b88355f57  2099-01-01T00:00:00Z  tester  change
        V3__email.sql
          add column users.email: "email" text

    event 2  7588a9cba09b  2099-01-01T00:00:00Z  tester  change
        V2__name.sql
          add column users.name: "name" text

    event 1  1e9b5eee5724  2099-01-01T00:00:00Z  tester  change
        V1__users.sql
          create table users
    "#);
}

/// With stderr closed too (`strata ... 2>&1 | head -0`), a warning or an
/// error that cannot be written is no panic (exit 101): the command's own
/// exit code stands.
#[test]
fn a_closed_stderr_leaves_the_exit_code() {
    let env = applied();
    env.file(
        "desired.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, email text UNIQUE, age integer);",
    );
    let mut out = String::new();
    for args in [
        // A warning (orders is dropped), then the plan.
        &["plan", "--desired", "desired.sql"][..],
        // An error.
        &["show", "99"],
    ] {
        let mut child = env
            .command(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn strata");
        drop(child.stdout.take());
        drop(child.stderr.take());
        let done = child.wait().expect("wait strata");
        out.push_str(&format!(
            "strata {}: exit {}\n",
            args.join(" "),
            done.code().unwrap_or(-1)
        ));
    }
    insta::assert_snapshot!(out, @"
    strata plan --desired desired.sql: exit 0
    strata show 99: exit 1
    ");
}
