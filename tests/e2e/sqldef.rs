//! The sqldef corpus (tests/corpus/sqldef): 65 declarative cases, each a
//! current and a desired schema. Every case goes through `record
//! --desired` and back with `revert --to`, with rows in its tables, and the
//! database is checked at each end against a fresh load of the case's SQL
//! by the independent reader of `shape`. docs/sqldef-corpus.md describes
//! the steps.
//!
//! One test runs every case and prints a line per case (see them with
//! `cargo test --test e2e sqldef -- --nocapture`). It passes when the cases
//! that fail are exactly `EXPECTED_FAILURES`: a change that fixes a case or
//! breaks one shows up as a difference, and the list is updated with it.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rusqlite::types::Value;
use rusqlite::Connection;
use yaml_rust2::{Yaml, YamlLoader};

use crate::shape::{self, quote, Shape};
use crate::support::{rows, strings, user_tables};
use crate::{Env, Run};

const FILES: [(&str, &str); 5] = [
    ("tests.yml", include_str!("../corpus/sqldef/tests.yml")),
    (
        "tests_triggers.yml",
        include_str!("../corpus/sqldef/tests_triggers.yml"),
    ),
    (
        "tests_enable_drop.yml",
        include_str!("../corpus/sqldef/tests_enable_drop.yml"),
    ),
    (
        "tests_preserve_quotes.yml",
        include_str!("../corpus/sqldef/tests_preserve_quotes.yml"),
    ),
    (
        "tests_dependency_ordering.yml",
        include_str!("../corpus/sqldef/tests_dependency_ordering.yml"),
    ),
];

/// The cases that fail today, each with a one-line reason, as
/// `("RenameColumn", "the rename is taken as a drop and an add")`. Keep
/// docs/sqldef-corpus.md's table in step. Every case passes today.
const EXPECTED_FAILURES: &[(&str, &str)] = &[];

/// One case of the corpus.
struct Case {
    file: &'static str,
    name: String,
    /// Empty when the case starts from an empty database.
    current: String,
    desired: String,
    /// sqldef's `enable_drop: false`: sqldef would leave the drops out.
    /// strata has no such mode; the archive is what keeps dropped data.
    enable_drop: bool,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (file, text) in FILES {
        let docs =
            YamlLoader::load_from_str(text).unwrap_or_else(|e| panic!("{file} is not YAML: {e}"));
        let cases = docs
            .first()
            .and_then(Yaml::as_hash)
            .unwrap_or_else(|| panic!("{file}: expected a map of cases"));
        for (name, case) in cases {
            let name = name.as_str().expect("a case name").to_string();
            let field = |f: &str| case[f].as_str().map(str::to_string);
            out.push(Case {
                file,
                current: field("current").unwrap_or_default(),
                desired: field("desired")
                    .unwrap_or_else(|| panic!("{file}: {name} has no desired")),
                enable_drop: case["enable_drop"].as_bool().unwrap_or(true),
                name,
            });
        }
    }
    out
}

#[test]
fn sqldef_corpus() {
    let cases = cases();
    assert_eq!(cases.len(), 65, "the corpus has 65 cases");
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    let expected: BTreeMap<&str, &str> = EXPECTED_FAILURES.iter().copied().collect();
    for name in expected.keys() {
        assert!(
            names.contains(name),
            "EXPECTED_FAILURES names {name}, which is no case"
        );
    }

    let started = std::time::Instant::now();
    let outcomes = run_all(&cases);
    let mut failed: BTreeMap<&str, String> = BTreeMap::new();
    for (case, outcome) in cases.iter().zip(outcomes) {
        let label = format!("{}/{}", case.file, case.name);
        match outcome {
            Ok(notes) if notes.is_empty() => println!("ok    {label}"),
            Ok(notes) => println!("ok    {label} ({})", notes.join("; ")),
            Err(why) => {
                let mark = if expected.contains_key(case.name.as_str()) {
                    "FAIL (expected)"
                } else {
                    "FAIL"
                };
                println!("{mark} {label}: {why}");
                failed.insert(&case.name, why);
            }
        }
    }
    println!(
        "sqldef corpus: {} passed, {} failed",
        cases.len() - failed.len(),
        failed.len()
    );
    println!("({:.1}s)", started.elapsed().as_secs_f64());

    let newly_failing: Vec<String> = failed
        .iter()
        .filter(|(name, _)| !expected.contains_key(*name))
        .map(|(name, why)| format!("  {name}: {}", first_line(why)))
        .collect();
    let newly_passing: Vec<&str> = expected
        .keys()
        .filter(|name| !failed.contains_key(*name))
        .copied()
        .collect();
    assert!(
        newly_failing.is_empty() && newly_passing.is_empty(),
        "the sqldef corpus's failures are not EXPECTED_FAILURES\n\
         failing but not expected to ({}):\n{}\n\
         expected to fail but passing ({}): {:?}\n\
         (update EXPECTED_FAILURES and docs/sqldef-corpus.md)",
        newly_failing.len(),
        newly_failing.join("\n"),
        newly_passing.len(),
        newly_passing,
    );
}

/// Every case's outcome, in the order of `cases`. The cases are
/// independent (each has its own directory), so two run at a time.
fn run_all(cases: &[Case]) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Option<Outcome>>> = Mutex::new(cases.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let outcome =
                    catch_unwind(AssertUnwindSafe(|| run_case(case))).unwrap_or_else(|panic| {
                        Err(format!("the harness panicked: {}", panic_text(&panic)))
                    });
                outcomes.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
            });
        }
    });
    outcomes
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err("the case did not run".to_string())))
        .collect()
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".to_string())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Run strata; a non-zero exit is the case's failure, with what strata said.
fn strata(env: &Env, args: &[&str]) -> Result<Run, String> {
    let run = env.run(args);
    if run.code == 0 {
        Ok(run)
    } else {
        Err(format!(
            "strata {}: exit {}: {}",
            args.join(" "),
            run.code,
            run.stderr
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" / ")
        ))
    }
}

const DB: &str = "case.db";

/// A case's result: notes worth printing, or why it failed.
type Outcome = Result<Vec<String>, String>;

/// Steps 1 to 7 of docs/sqldef-corpus.md.
fn run_case(case: &Case) -> Outcome {
    let mut notes = Vec::new();
    let env = Env::init();
    let db = env.path().join(DB);
    let open = || Connection::open(&db).map_err(|e| format!("open {DB}: {e}"));

    // 1. current, with rows; 2. adopted as the baseline.
    let has_current = !case.current.trim().is_empty();
    let mut seeded = Seeded::new();
    if has_current {
        let conn = open()?;
        conn.execute_batch(&case.current)
            .map_err(|e| format!("current does not load into SQLite: {e}"))?;
        notes.extend(seed(&conn));
        seeded = snapshot(&conn);
        let filled: Vec<String> = seeded
            .values()
            .filter(|t| !t.rows.is_empty())
            .map(|t| format!("{} {}", t.name, t.rows.len()))
            .collect();
        notes.push(format!("rows: {}", filled.join(", ")));
        drop(conn);
        strata(&env, &["baseline", "--db", DB, "-m", "current"])?;
    } else {
        notes.push("no current: the change is event 1".to_string());
    }
    let base: u64 = if has_current { 1 } else { 0 };
    if !case.enable_drop {
        notes.push(
            "enable_drop: false, but strata drops what desired leaves out (its archive keeps the data)"
                .to_string(),
        );
    }

    // 3. the change that makes head's schema desired's.
    env.file("desired.sql", &case.desired);
    strata(
        &env,
        &["record", "-m", "desired", "--desired", "desired.sql"],
    )?;
    let recorded = env.head() > base;
    if !recorded {
        notes.push("nothing recorded: head already has desired's schema".to_string());
    }

    // 4. applied, the database is desired's.
    strata(&env, &["apply", "--db", DB])?;
    let conn = open()?;
    same_as_fresh(&conn, &case.desired, "after apply")?;
    // 5. the rows kept where the change keeps their tables and columns.
    notes.extend(rows_survive(&conn, &seeded, &Renames::of(&case.desired))?);
    drop(conn);
    // 6. planning desired again finds nothing to do.
    replan(&env)?;

    // 7. back to current: schema and every row.
    if recorded {
        strata(&env, &["revert", "--to", &base.to_string(), "-m", "back"])?;
        strata(&env, &["apply", "--db", DB])?;
    }
    let conn = open()?;
    same_as_fresh(&conn, &case.current, "after revert")?;
    rows_intact(&conn, &seeded)?;
    Ok(notes)
}

/// Step 6: planning desired again against head must find nothing to do.
/// The one place that knows how the planning command is spelled and what
/// it prints: a non-zero exit or any op is a failure.
fn replan(env: &Env) -> Result<(), String> {
    let run = strata(env, &["--json", "plan", "--desired", "desired.sql"])?;
    let plan: serde_json::Value = serde_json::from_str(&run.stdout)
        .map_err(|e| format!("plan --desired printed invalid JSON ({e}): {}", run.stdout))?;
    let ops = plan
        .get("ops")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| format!("plan --desired printed no ops: {}", run.stdout))?;
    if ops.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "planning desired again after apply finds {} ops: {}",
            ops.len(),
            serde_json::Value::Array(ops.clone())
        ))
    }
}

/// The live database against a fresh one built from `sql`, by shape, and
/// SQLite's own integrity and foreign-key checks.
fn same_as_fresh(conn: &Connection, sql: &str, when: &str) -> Result<(), String> {
    let diff = Shape::read(conn).diff(&Shape::of_sql(sql));
    if !diff.is_empty() {
        return Err(format!(
            "{when}, the database differs from a fresh load (left: the database): {}",
            diff.join("\n  ")
        ));
    }
    let integrity = strings(conn, "PRAGMA integrity_check");
    if integrity != ["ok"] {
        return Err(format!("{when}, integrity_check: {integrity:?}"));
    }
    let fk = strings(conn, "PRAGMA foreign_key_check");
    if !fk.is_empty() {
        return Err(format!("{when}, foreign_key_check finds rows in {fk:?}"));
    }
    Ok(())
}

/// The rows of `current`'s tables after step 1, by lower-cased table name.
type Seeded = BTreeMap<String, TableRows>;

struct TableRows {
    name: String,
    /// The columns read (not generated ones): name and declared type.
    columns: Vec<(String, String)>,
    rows: Vec<Vec<Value>>,
}

/// Plain (not generated) columns of `table`: name, declared type, NOT NULL,
/// position in the primary key.
fn plain_columns(conn: &Connection, table: &str) -> Vec<(String, String, bool, i64)> {
    let mut stmt = conn
        .prepare(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_xinfo(?1) WHERE hidden = 0 ORDER BY cid",
        )
        .expect("table_xinfo");
    stmt.query_map([table], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })
    .expect("table_xinfo")
    .map(|r| r.expect("a column"))
    .collect()
}

fn select(conn: &Connection, table: &str, columns: &[String]) -> Vec<Vec<Value>> {
    let list: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    rows(
        conn,
        &format!("SELECT {} FROM {}", list.join(", "), quote(table)),
    )
}

fn snapshot(conn: &Connection) -> Seeded {
    user_tables(conn)
        .into_iter()
        .map(|table| {
            let columns: Vec<(String, String)> = plain_columns(conn, &table)
                .into_iter()
                .map(|(name, ty, _, _)| (name, ty))
                .collect();
            let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
            let rows = select(conn, &table, &names);
            (
                table.to_lowercase(),
                TableRows {
                    name: table,
                    columns,
                    rows,
                },
            )
        })
        .collect()
}

/// How many rows step 1 puts in each table.
const ROWS_PER_TABLE: i64 = 3;

/// Step 1: a few rows in every table, with foreign keys enforced: parents
/// first (tables are retried until no more succeed), values by the column's
/// type affinity, 1 to 3 (positive, distinct), foreign keys taking the
/// parent's values. A table whose rows SQLite refuses stays empty and is
/// named in the notes.
fn seed(conn: &Connection) -> Vec<String> {
    conn.execute_batch("PRAGMA foreign_keys = ON")
        .expect("foreign keys on");
    let mut done: BTreeMap<String, Vec<BTreeMap<String, Value>>> = BTreeMap::new();
    let mut pending = user_tables(conn);
    let mut why: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let before = pending.len();
        pending.retain(|table| match seed_table(conn, table, &done) {
            Ok(rows) => {
                done.insert(table.to_lowercase(), rows);
                false
            }
            Err(e) => {
                why.insert(table.clone(), e);
                true
            }
        });
        if pending.len() == before {
            break;
        }
    }
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .expect("foreign keys off");
    pending
        .iter()
        .map(|t| format!("no rows in {t}: {}", why.get(t).map_or("", String::as_str)))
        .collect()
}

fn seed_table(
    conn: &Connection,
    table: &str,
    done: &BTreeMap<String, Vec<BTreeMap<String, Value>>>,
) -> Result<Vec<BTreeMap<String, Value>>, String> {
    let columns = plain_columns(conn, table);
    // column (lower-cased) -> (parent table, parent column or None for its key)
    let mut references: BTreeMap<String, (String, Option<String>, usize)> = BTreeMap::new();
    {
        let mut stmt = conn
            .prepare("SELECT \"table\", \"from\", \"to\", seq FROM pragma_foreign_key_list(?1)")
            .map_err(|e| e.to_string())?;
        let fks = stmt
            .query_map([table], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, u32>(3)? as usize,
                ))
            })
            .map_err(|e| e.to_string())?;
        for fk in fks {
            let (parent, from, to, seq) = fk.map_err(|e| e.to_string())?;
            references.insert(from.to_lowercase(), (parent.to_lowercase(), to, seq));
        }
    }
    let mut rows = Vec::new();
    for i in 1..=ROWS_PER_TABLE {
        let mut row: BTreeMap<String, Value> = BTreeMap::new();
        for (name, ty, _, _) in &columns {
            if !references.contains_key(&name.to_lowercase()) {
                row.insert(name.to_lowercase(), value_for(ty, name, i));
            }
        }
        for (name, _, not_null, _) in &columns {
            let Some((parent, to, seq)) = references.get(&name.to_lowercase()) else {
                continue;
            };
            let value = if *parent == table.to_lowercase() {
                // A reference to its own row, or none when that is allowed.
                if *not_null {
                    referenced(conn, parent, to.as_deref(), *seq, &row)
                } else {
                    Value::Null
                }
            } else {
                let parent_rows = done
                    .get(parent)
                    .ok_or_else(|| format!("its parent {parent} has no rows"))?;
                let parent_row = parent_rows
                    .get((i - 1) as usize)
                    .ok_or_else(|| format!("its parent {parent} has fewer rows"))?;
                referenced(conn, parent, to.as_deref(), *seq, parent_row)
            };
            row.insert(name.to_lowercase(), value);
        }
        rows.push(row);
    }
    insert(conn, table, &columns, &rows)?;
    Ok(rows)
}

/// The value of the column a foreign key names in `row` of `parent`; a
/// key without a column list names the parent's primary key.
fn referenced(
    conn: &Connection,
    parent: &str,
    to: Option<&str>,
    seq: usize,
    row: &BTreeMap<String, Value>,
) -> Value {
    let column = match to {
        Some(to) => to.to_lowercase(),
        None => {
            let mut key: Vec<(i64, String)> = plain_columns(conn, parent)
                .into_iter()
                .filter(|c| c.3 > 0)
                .map(|c| (c.3, c.0.to_lowercase()))
                .collect();
            key.sort();
            match key.get(seq) {
                Some((_, name)) => name.clone(),
                None => return Value::Null,
            }
        }
    };
    row.get(&column).cloned().unwrap_or(Value::Null)
}

/// A value SQLite stores as the declared type's affinity, and a STRICT
/// table accepts for its type (ANY takes anything).
fn value_for(ty: &str, column: &str, i: i64) -> Value {
    let ty = ty.to_uppercase();
    if ty.contains("INT") {
        Value::Integer(i)
    } else if ty.contains("CHAR") || ty.contains("CLOB") || ty.contains("TEXT") {
        Value::Text(format!("{}_{i}", column.to_lowercase()))
    } else if ty.contains("BLOB") {
        Value::Blob(vec![i as u8])
    } else if ty.contains("REAL") || ty.contains("FLOA") || ty.contains("DOUB") {
        Value::Real(i as f64 + 0.5)
    } else {
        // NUMERIC affinity, no type, or ANY.
        Value::Integer(i)
    }
}

fn insert(
    conn: &Connection,
    table: &str,
    columns: &[(String, String, bool, i64)],
    rows: &[BTreeMap<String, Value>],
) -> Result<(), String> {
    let tx = conn.unchecked_transaction().map_err(|e| e.to_string())?;
    for row in rows {
        let sql = if columns.is_empty() {
            format!("INSERT INTO {} DEFAULT VALUES", quote(table))
        } else {
            let names: Vec<String> = columns.iter().map(|c| quote(&c.0)).collect();
            let marks: Vec<String> = (1..=columns.len()).map(|n| format!("?{n}")).collect();
            format!(
                "INSERT INTO {} ({}) VALUES ({})",
                quote(table),
                names.join(", "),
                marks.join(", ")
            )
        };
        let values: Vec<&Value> = columns
            .iter()
            .map(|c| row.get(&c.0.to_lowercase()).unwrap_or(&Value::Null))
            .collect();
        tx.execute(&sql, rusqlite::params_from_iter(values))
            .map_err(|e| e.to_string())?;
    }
    tx.commit().map_err(|e| e.to_string())
}

/// The renames that desired's `@renamed from=old` comments announce, all
/// names lower-cased: tables old -> new, columns (new table, old) -> new.
/// Index renames keep every row, so they are not needed here.
#[derive(Default)]
struct Renames {
    tables: BTreeMap<String, String>,
    columns: BTreeMap<(String, String), String>,
}

impl Renames {
    fn of(desired: &str) -> Renames {
        let mut renames = Renames::default();
        let mut table: Option<String> = None;
        for line in desired.lines() {
            let trimmed = line.trim_start();
            let lower = trimmed.to_lowercase();
            let from = lower
                .find("@renamed from=")
                .map(|at| identifier(&trimmed[at + "@renamed from=".len()..]));
            if lower.starts_with("create table") {
                let rest = trimmed["create table".len()..].trim_start();
                let rest = if rest.to_lowercase().starts_with("if not exists") {
                    rest["if not exists".len()..].trim_start()
                } else {
                    rest
                };
                let name = identifier(rest);
                if let Some(old) = from {
                    renames.tables.insert(old, name.clone());
                }
                table = Some(name);
            } else if lower.starts_with("create ") {
                table = None;
            } else if let (Some(table), Some(old)) = (&table, from) {
                renames
                    .columns
                    .insert((table.clone(), old), identifier(trimmed));
            }
        }
        renames
    }
}

/// The identifier `text` starts with, unquoted and lower-cased.
fn identifier(text: &str) -> String {
    let mut chars = text.chars();
    let name: String = match chars.next() {
        Some(open @ ('"' | '`' | '[')) => {
            let close = if open == '[' { ']' } else { open };
            chars.take_while(|c| *c != close).collect()
        }
        _ => text
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
            .collect(),
    };
    name.to_lowercase()
}

/// A value as compared: typed, or as text where a column's declared type
/// changed (a new affinity may store the same value in another class).
fn render(value: &Value, typed: bool) -> String {
    match (value, typed) {
        (v, true) => format!("{v:?}"),
        (Value::Null, false) => "NULL".to_string(),
        (Value::Integer(i), false) => i.to_string(),
        (Value::Real(f), false) => f.to_string(),
        (Value::Text(t), false) => t.clone(),
        (Value::Blob(b), false) => format!("{b:?}"),
    }
}

fn sorted_rows(rows: &[Vec<Value>], picks: &[(usize, bool)]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            picks
                .iter()
                .map(|&(i, typed)| render(&row[i], typed))
                .collect()
        })
        .collect();
    out.sort();
    out
}

/// Step 5: the seeded rows of every table that desired keeps (under its
/// new name if renamed), in every column it keeps (likewise), compared as
/// sets of rows.
fn rows_survive(
    conn: &Connection,
    seeded: &Seeded,
    renames: &Renames,
) -> Result<Vec<String>, String> {
    let mut notes = Vec::new();
    let live: BTreeMap<String, String> = user_tables(conn)
        .into_iter()
        .map(|t| (t.to_lowercase(), t))
        .collect();
    for (old, before) in seeded {
        let new = renames.tables.get(old).unwrap_or(old);
        let Some(live_name) = live.get(new) else {
            if !before.rows.is_empty() {
                notes.push(format!("{} is dropped, its rows archived", before.name));
            }
            continue;
        };
        let now: BTreeMap<String, (String, String)> = plain_columns(conn, live_name)
            .into_iter()
            .map(|(name, ty, _, _)| (name.to_lowercase(), (name, ty)))
            .collect();
        // (index in the seeded row, live column, same declared type)
        let mut kept = Vec::new();
        for (i, (column, ty)) in before.columns.iter().enumerate() {
            let column = column.to_lowercase();
            let renamed = renames
                .columns
                .get(&(new.clone(), column.clone()))
                .unwrap_or(&column);
            if let Some((live_column, live_ty)) = now.get(renamed) {
                let typed = shape::normalize(ty) == shape::normalize(live_ty);
                kept.push((i, live_column.clone(), typed));
            }
        }
        let picks: Vec<(usize, bool)> = kept.iter().map(|(i, _, typed)| (*i, *typed)).collect();
        let expected = sorted_rows(&before.rows, &picks);
        let columns: Vec<String> = kept.iter().map(|(_, c, _)| c.clone()).collect();
        let found = if columns.is_empty() {
            vec![Vec::new(); strings(conn, &format!("SELECT 1 FROM {}", quote(live_name))).len()]
        } else {
            let positions: Vec<(usize, bool)> = kept
                .iter()
                .enumerate()
                .map(|(j, (_, _, typed))| (j, *typed))
                .collect();
            sorted_rows(&select(conn, live_name, &columns), &positions)
        };
        if found != expected {
            return Err(format!(
                "after apply, the rows of {} (as {live_name}, columns {columns:?}) are {found:?}, expected {expected:?}",
                before.name
            ));
        }
    }
    Ok(notes)
}

/// After the revert: every table of current holds exactly the rows of
/// step 1, every column, typed.
fn rows_intact(conn: &Connection, seeded: &Seeded) -> Result<(), String> {
    for before in seeded.values() {
        let columns: Vec<String> = before.columns.iter().map(|(n, _)| n.clone()).collect();
        let picks: Vec<(usize, bool)> = (0..columns.len()).map(|i| (i, true)).collect();
        let found = if columns.is_empty() {
            Vec::new()
        } else {
            sorted_rows(&select(conn, &before.name, &columns), &picks)
        };
        let expected = sorted_rows(&before.rows, &picks);
        if found != expected {
            return Err(format!(
                "after revert, the rows of {} are {found:?}, expected {expected:?}",
                before.name
            ));
        }
    }
    Ok(())
}

#[test]
fn renames_are_read_from_desired_comments() {
    let renames = Renames::of(
        "CREATE TABLE \"user_profiles\" ( -- @renamed from=\"user accounts\"
           id bigint NOT NULL,
           user_name text, -- @renamed from=username
           age integer
         );
         CREATE TABLE new_users /* @renamed from=old_users */ (id int);
         CREATE INDEX email_idx /* @renamed from=idx_email */ ON users (email);",
    );
    assert_eq!(
        renames.tables,
        BTreeMap::from([
            ("user accounts".to_string(), "user_profiles".to_string()),
            ("old_users".to_string(), "new_users".to_string()),
        ])
    );
    assert_eq!(
        renames.columns,
        BTreeMap::from([(
            ("user_profiles".to_string(), "username".to_string()),
            "user_name".to_string()
        )])
    );
}

/// The corpus's `current` schemas have no foreign keys or CHECKs, so the
/// seeding of step 1 is checked here on a schema that has them: a child
/// declared before its parent, a composite key, a NOT NULL self-reference,
/// a CHECK, a generated column, STRICT and WITHOUT ROWID tables.
#[test]
fn seeding_satisfies_keys_checks_and_types() {
    let conn = Connection::open_in_memory().expect("sqlite");
    conn.execute_batch(
        "CREATE TABLE child (id integer PRIMARY KEY, a int NOT NULL, b text NOT NULL,
           FOREIGN KEY (a, b) REFERENCES parent (x, y));
         CREATE TABLE parent (x integer, y varchar(10), z real CHECK (z > 1),
           g int AS (x * 2), PRIMARY KEY (x, y)) WITHOUT ROWID;
         CREATE TABLE node (id integer PRIMARY KEY, up integer NOT NULL REFERENCES node);
         CREATE TABLE stray (id integer PRIMARY KEY, owner int REFERENCES parent (x));
         CREATE TABLE s (k INT PRIMARY KEY, v ANY, w BLOB, t TEXT) STRICT;",
    )
    .expect("schema");
    let notes = seed(&conn);
    // stray.owner names a column that is not a key of parent: SQLite
    // refuses (foreign key mismatch), and the harness says so.
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].starts_with("no rows in stray: "), "{notes:?}");
    let rows = snapshot(&conn);
    assert_eq!(rows["child"].rows.len(), 3);
    assert_eq!(rows["parent"].rows.len(), 3);
    assert_eq!(rows["s"].rows.len(), 3);
    assert_eq!(rows["node"].rows.len(), 3);
    assert!(rows["stray"].rows.is_empty());
    assert_eq!(
        rows["parent"]
            .columns
            .iter()
            .map(|c| c.0.as_str())
            .collect::<Vec<_>>(),
        ["x", "y", "z"],
        "generated columns are not read"
    );
    conn.execute_batch("PRAGMA foreign_keys = ON")
        .expect("pragma");
    for table in ["child", "node"] {
        let check = format!("PRAGMA foreign_key_check({table})");
        assert!(strings(&conn, &check).is_empty(), "{table}");
    }
}

/// `CREATE VIEW/TRIGGER IF NOT EXISTS` recorded as SQL: kept as SQLite
/// stores the definition (without the three words), so it applies, shows
/// no drift, and builds the same database as a fresh load.
#[test]
fn if_not_exists_views_and_triggers_recorded_as_sql() {
    for (name, sql) in [
        (
            "users_insert",
            "CREATE TRIGGER IF NOT EXISTS users_insert AFTER INSERT ON users
             BEGIN
               insert into logs(typ_id) values (NEW.id);
             END;",
        ),
        (
            "user_ids",
            "CREATE VIEW IF NOT EXISTS user_ids AS SELECT id FROM users;",
        ),
    ] {
        let env = Env::init();
        env.record(
            "tables",
            "CREATE TABLE users (id integer PRIMARY KEY); CREATE TABLE logs (typ_id integer);",
        );
        env.record("if not exists", sql);
        env.ok(&["apply", "--db", "app.db"]);
        env.ok(&["status", "--db", "app.db"]).says("no drift");
        let schema = env.json(&["schema"]);
        let kept = [&schema["views"], &schema["triggers"]]
            .iter()
            .find_map(|m| m.get(name).cloned())
            .expect("recorded");
        let text = kept["sql"].as_str().expect("sql");
        assert!(
            !text.to_ascii_uppercase().contains("IF NOT EXISTS"),
            "{text}"
        );
        env.ok(&["checkout", "--db", "fresh.db"]);
        // Recorded again: it exists, so there is nothing to record.
        env.fails(&["record", "-m", "again", "--sql", sql], 1)
            .says("holds no statements to record");
        assert_eq!(env.head(), 2);
    }
}
