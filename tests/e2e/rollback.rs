//! The rollback property test (issue 4): random op sequences with generated
//! rows, applied with the real `strata` binary to a real SQLite file;
//! `revert --to` a random earlier point brings back the schema and every row
//! the database had there, and reverting the revert brings back the later
//! state with its rows.
//!
//! The ledger is built with the library (random ops have no SQL text to
//! record), in a real ledger folder; every revert and apply runs through the
//! binary, and the database is checked with rusqlite and the target's own
//! introspection.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use crate::support::{check_clean, rowid_name, rows};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rusqlite::Connection;
use strata_dialect::sqlite::key;
use strata_dialect::sqlite::text::quote_ident;
use strata_dialect::sqlite::RULES;
use strata_ledger::{Body, Draft, Ledger};
use strata_schema::{differences, Op, Schema};

/// One generated history: the ops (from a seed), how they are cut into
/// events, the point to go back to, and how many rows each fill puts into
/// each table.
#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    len: usize,
    cuts: Vec<usize>,
    /// The point to revert to, as a fraction (in 1/1000) of head.
    back: u32,
    rows: usize,
    /// Found before `alter_table_options` was a kind of step: made by the
    /// generator as it was then.
    first_kinds: bool,
}

fn arb_case() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        4usize..16,
        proptest::collection::vec(0usize..3, 16),
        0u32..1000,
        1usize..4,
    )
        .prop_map(|(seed, len, cuts, back, rows)| Case {
            seed,
            len,
            cuts,
            back,
            rows,
            first_kinds: false,
        })
}

/// What one case got to: rows at the point reverted to and at head (so the
/// run can say that most cases had rows to bring back), or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The rows refused a forward change (a NOT NULL, unique, check or
    /// foreign key they break): the history cannot be applied with them.
    Refused,
    Checked {
        rows_at_point: usize,
        rows_at_head: usize,
    },
}

struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn ledger_dir(&self) -> PathBuf {
        self.dir.path().join("ledger")
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("app.db")
    }

    fn strata(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_strata"))
            .arg("--ledger")
            .arg(self.ledger_dir())
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("STRATA_LEDGER")
            .env_remove("STRATA_DB")
            .env_remove("STRATA_WAIT")
            .env("STRATA_AUTHOR", "prop")
            .output()
            .expect("run strata")
    }

    /// `strata apply --db app.db --to N`: Ok, or Err with stderr.
    fn apply(&self, to: u64) -> Result<String, String> {
        let db = self.db();
        let to = to.to_string();
        let db = db.to_str().expect("utf-8 path");
        // ROLLBACK_PLANS=1 prints the script of every apply, to debug a case.
        if std::env::var_os("ROLLBACK_PLANS").is_some() {
            let plan = self.strata(&["apply", "--db", db, "--to", &to, "--dry-run"]);
            eprintln!(
                "=== apply --to {to}\n{}",
                String::from_utf8_lossy(&plan.stdout)
            );
        }
        let out = self.strata(&["apply", "--db", db, "--to", &to]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            Ok(format!("{stdout}{stderr}"))
        } else {
            Err(format!(
                "strata apply --to {to}: exit {:?}\n{stdout}{stderr}",
                out.status.code()
            ))
        }
    }

    fn revert(&self, args: &[&str]) -> Result<(), String> {
        let out = self.strata(args);
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "strata {}: exit {:?}\n{}{}",
                args.join(" "),
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// Reads from the ledger folder (closed again before the binary runs).
    /// sled lets go of its lock a moment after a handle is dropped (its
    /// flusher thread holds the store until it notices), so a reopen waits
    /// for it a little, as the binary's `--wait` does.
    fn ledger<T>(&self, f: impl FnOnce(&Ledger) -> T) -> T {
        f(&crate::support::open_ledger(&self.ledger_dir()))
    }

    fn conn(&self) -> Connection {
        strata_sqlite::apply::open(&self.db()).expect("open db")
    }
}

/// Every row of every table of `schema`, with its rowid where the table
/// has one, each value with its storage class; sorted, by table.
fn dump(conn: &Connection, schema: &Schema) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (k, t) in &schema.tables {
        let select = match rowid_name(t) {
            Some(r) => format!("SELECT {r}, * FROM {}", quote_ident(&t.name)),
            None => format!("SELECT * FROM {}", quote_ident(&t.name)),
        };
        let mut all: Vec<String> = rows(conn, &select)
            .into_iter()
            .map(|r| format!("{r:?}"))
            .collect();
        all.sort();
        out.insert(k.clone(), all);
    }
    out
}

fn row_count(dump: &BTreeMap<String, Vec<String>>) -> usize {
    dump.values().map(Vec::len).sum()
}

/// Puts up to `count` rows into each table of `schema` that `into` accepts,
/// values fitting each column's declared type; a row a constraint refuses
/// falls back to the defaults, and is left out when those are refused too.
/// A row whose triggers write anything else is taken back: after the point
/// to revert to, only the tables made since may change.
fn fill(
    conn: &Connection,
    schema: &Schema,
    into: impl Fn(&str) -> bool,
    round: usize,
    count: usize,
) {
    for (k, t) in &schema.tables {
        if !into(k) {
            continue;
        }
        let columns: Vec<_> = t.columns.iter().filter(|c| c.generated.is_none()).collect();
        let names: Vec<String> = columns.iter().map(|c| quote_ident(&c.name)).collect();
        let defaults = format!("INSERT INTO {} DEFAULT VALUES", quote_ident(&t.name));
        for r in 0..count {
            let n = (round * 7 + r) as i64 + 1;
            let values: Vec<String> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let ty = c.ty.to_ascii_lowercase();
                    if (n + i as i64) % 5 == 0 && !c.not_null {
                        "NULL".to_string()
                    } else if ty.contains("int") {
                        n.to_string()
                    } else if ty.contains("real") || ty.contains("floa") || ty.contains("doub") {
                        format!("{n}.5")
                    } else if ty.contains("num") || ty.contains("dec") {
                        n.to_string()
                    } else if ty.contains("blob") {
                        format!("x'{n:02x}'")
                    } else if ty.is_empty() || ty == "any" {
                        format!("'a{n}'")
                    } else {
                        format!("'v{n}'")
                    }
                })
                .collect();
            let full = if columns.is_empty() {
                defaults.clone()
            } else {
                format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    quote_ident(&t.name),
                    names.join(", "),
                    values.join(", ")
                )
            };
            for sql in [&full, &defaults] {
                conn.execute_batch("SAVEPOINT fill").expect("savepoint");
                let before = conn.total_changes();
                // (RELEASE of the outermost savepoint commits, and checks
                // deferred foreign keys.)
                if conn.execute_batch(sql).is_ok()
                    && conn.total_changes() == before + 1
                    && conn.execute_batch("RELEASE fill").is_ok()
                {
                    break;
                }
                conn.execute_batch("ROLLBACK TO fill; RELEASE fill")
                    .expect("rollback to savepoint");
            }
        }
    }
}

/// The tables made after the point, by key, as they are named after `ops`.
fn made_since(made: &mut BTreeSet<String>, ops: &[Op]) {
    for op in ops {
        match op {
            Op::CreateTable { table } => {
                made.insert(key(&table.name));
            }
            Op::DropTable { table } => {
                made.remove(&key(&table.name));
            }
            Op::RenameTable { from, to } if made.remove(&key(from)) => {
                made.insert(key(to));
            }
            _ => {}
        }
    }
}

/// Whether an apply failed because the rows refuse a change.
fn refused_by_rows(stderr: &str) -> bool {
    [
        "constraint failed",
        "foreign key",
        "FOREIGN KEY",
        "datatype mismatch",
        // strata's own foreign key check before commit.
        "refers to a missing row",
        // a STRICT column that a type change makes refuse a stored value,
        // as SQLite says it and as strata names the rows.
        "cannot store",
        "in a STRICT table, which does not take",
    ]
    .iter()
    .any(|s| stderr.contains(s))
}

/// The live database has exactly the ledger's schema at `seq`.
fn check_schema(world: &World, seq: u64, what: &str) -> Result<Schema, TestCaseError> {
    let expected = world.ledger(|l| l.schema_at(seq)).expect("schema_at");
    let live = strata_sqlite::introspect::introspect(&world.conn()).expect("introspect");
    let diff = differences(RULES, &expected, &live);
    prop_assert!(
        diff.is_empty(),
        "{what}: the database differs from the schema at {seq}: {:?}",
        diff.iter()
            .map(strata_sqlite::render::difference)
            .collect::<Vec<_>>()
    );
    Ok(expected)
}

fn run_case(case: &Case) -> Result<Outcome, TestCaseError> {
    let world = World {
        dir: tempfile::tempdir().expect("temp dir"),
    };

    // The history: random ops, cut into change events of one to three ops.
    // Data steps are left out: without revert SQL, the ledger refuses to
    // revert them (they have no inverse).
    let generate = match case.first_kinds {
        true => strata_dialect::sqlite::arb::ops_from_first_kinds,
        false => strata_dialect::sqlite::arb::ops_from,
    };
    let ops: Vec<Op> = generate(&Schema::default(), case.seed, case.len)
        .into_iter()
        .filter(|op| !matches!(op, Op::Data { .. }))
        .collect();
    let mut events: Vec<Vec<Op>> = Vec::new();
    let mut rest = ops.as_slice();
    let mut cut = case.cuts.iter().cycle();
    while !rest.is_empty() {
        let n = (cut.next().copied().unwrap_or(0) + 1).min(rest.len());
        events.push(rest[..n].to_vec());
        rest = &rest[n..];
    }
    if events.is_empty() {
        return Ok(Outcome::Refused);
    }
    if std::env::var_os("ROLLBACK_VERBOSE").is_some() {
        eprintln!("{events:#?}");
    }
    {
        let ledger = Ledger::init(world.ledger_dir()).expect("init ledger");
        for (i, ops) in events.iter().enumerate() {
            ledger
                .append(Draft {
                    at: None,
                    author: "prop".into(),
                    message: format!("change {}", i + 1),
                    body: Body::Change {
                        ops: ops.clone(),
                        revert_sql: None,
                    },
                })
                .unwrap_or_else(|e| panic!("event {}: {e}\n{ops:#?}", i + 1));
        }
    }
    let head = events.len() as u64;
    let point = u64::from(case.back) * head / 1000;

    // Up to the point, event by event, filling every table after each.
    let mut round = 0;
    let mut schema = Schema::default();
    for seq in 1..=point {
        if let Err(e) = world.apply(seq) {
            prop_assert!(refused_by_rows(&e), "{e}");
            return Ok(Outcome::Refused);
        }
        schema = check_schema(&world, seq, "forwards")?;
        round += 1;
        fill(&world.conn(), &schema, |_| true, round, case.rows);
    }
    if point == 0 {
        world.apply(0).map_err(TestCaseError::fail)?;
    }
    let at_point = dump(&world.conn(), &schema);

    // On to head, filling only the tables made since the point.
    let mut made = BTreeSet::new();
    for seq in point + 1..=head {
        if let Err(e) = world.apply(seq) {
            prop_assert!(refused_by_rows(&e), "{e}");
            return Ok(Outcome::Refused);
        }
        made_since(&mut made, &events[(seq - 1) as usize]);
        schema = check_schema(&world, seq, "forwards")?;
        round += 1;
        fill(
            &world.conn(),
            &schema,
            |k| made.contains(k),
            round,
            case.rows,
        );
    }
    let at_head = dump(&world.conn(), &schema);

    // revert --to the point, apply: the schema and rows of the point.
    let p = point.to_string();
    world
        .revert(&["revert", "--to", &p, "-m", "back"])
        .map_err(TestCaseError::fail)?;
    let reverted = head + 1;
    let log = world.apply(reverted).map_err(TestCaseError::fail)?;
    prop_assert!(
        !log.contains("could not restore"),
        "every archive is in the database, yet:\n{}",
        log
    );
    let (at_revert, at_p) = world.ledger(|l| {
        (
            l.schema_at(reverted).expect("schema_at"),
            l.schema_at(point).expect("schema_at"),
        )
    });
    prop_assert_eq!(&at_revert, &at_p, "the revert's schema is not the point's");
    let live = check_schema(&world, reverted, "after revert --to")?;
    let conn = world.conn();
    check_clean(&conn, "after revert --to")?;
    let now = dump(&conn, &live);
    prop_assert_eq!(
        &now,
        &at_point,
        "after revert --to {} and apply, the rows are not those at {}\n{}",
        point,
        point,
        log
    );
    drop(conn);

    // Revert the revert, apply: head's schema and rows.
    world
        .revert(&["revert", "head", "-m", "redo"])
        .map_err(TestCaseError::fail)?;
    let redone = head + 2;
    let log = world.apply(redone).map_err(TestCaseError::fail)?;
    prop_assert!(
        !log.contains("could not restore"),
        "every archive is in the database, yet:\n{}",
        log
    );
    let at_redo = world.ledger(|l| l.schema_at(redone).expect("schema_at"));
    prop_assert_eq!(&at_redo, &schema, "the redo's schema is not head's");
    let live = check_schema(&world, redone, "after the redo")?;
    let conn = world.conn();
    check_clean(&conn, "after the redo")?;
    let now = dump(&conn, &live);
    prop_assert_eq!(
        &now,
        &at_head,
        "after reverting the revert and applying, the rows are not those at head {}\n{}",
        head,
        log
    );
    Ok(Outcome::Checked {
        rows_at_point: row_count(&at_point),
        rows_at_head: row_count(&at_head),
    })
}

#[test]
fn revert_to_a_point_brings_back_its_schema_and_rows_and_the_redo_brings_back_head() {
    let checked = Cell::new(0usize);
    let with_rows = Cell::new(0usize);
    let refused = Cell::new(0usize);
    // A fixed seed, so that CI runs the same cases every time; set
    // PROPTEST_RNG_SEED to explore others.
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(20261125);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = proptest::test_runner::TestRng::from_seed(
        proptest::test_runner::RngAlgorithm::ChaCha,
        &bytes,
    );
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 16,
            failure_persistence: None,
            ..Config::default()
        },
        rng,
    );
    let result = runner.run(&arb_case(), |case| {
        match run_case(&case)? {
            Outcome::Refused => refused.set(refused.get() + 1),
            Outcome::Checked {
                rows_at_point,
                rows_at_head,
            } => {
                checked.set(checked.get() + 1);
                if rows_at_point > 0 && rows_at_head > rows_at_point {
                    with_rows.set(with_rows.get() + 1);
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "rollback: {} cases checked ({} with rows at the point and more at head), {} refused by their rows",
        checked.get(),
        with_rows.get(),
        refused.get()
    );
    // The property must have been exercised, with rows, in most cases.
    assert!(
        checked.get() * 4 >= (checked.get() + refused.get()) * 3,
        "too many cases refused"
    );
    assert!(
        with_rows.get() * 3 >= checked.get(),
        "too few cases with rows"
    );
}

/// Cases the property found, kept as regressions.
mod found {
    use super::{run_case, Case, Outcome};

    /// A known failing case (a FIXME): it still fails, saying `says`, so
    /// that a fix flips it.
    fn still_fails(case: Case, says: &str) {
        let outcome = format!("{:?}", run_case(&case));
        assert!(outcome.contains(says), "{outcome}");
    }

    fn check(seed: u64, len: usize, cuts: &[usize], back: u32, rows: usize) {
        check_kinds(seed, len, cuts, back, rows, true);
    }

    fn check_kinds(
        seed: u64,
        len: usize,
        cuts: &[usize],
        back: u32,
        rows: usize,
        first_kinds: bool,
    ) {
        let case = Case {
            seed,
            len,
            cuts: cuts.to_vec(),
            back,
            rows,
            first_kinds,
        };
        match run_case(&case) {
            Ok(Outcome::Checked { .. }) => {}
            other => panic!("{case:?}: {other:?}"),
        }
    }

    /// Redo of `revert --to 0` over "create tags; ...; rename tags.code to
    /// a": the redo event re-creates `tags` (op 0) and renames `code` back
    /// to `a` later in the same event; the restore at the end of the event
    /// leaves out `code`, which no longer exists, so `a` is NULL and its NOT
    /// NULL refuses the restore (a nullable column would lose its values
    /// silently).
    #[test]
    fn redo_restores_a_table_whose_column_the_same_event_renames() {
        check(
            1242250050233137501,
            4,
            &[0, 1, 2, 1, 0, 1, 1, 1, 1, 2, 0, 1, 0, 0, 2, 1],
            143,
            1,
        );
    }

    /// `note` has two unnamed foreign keys with the same columns (NO ACTION,
    /// then RESTRICT); event 5 drops the first, event 6 the second.
    /// Their drops carry their positions, so undoing them puts each back
    /// where it was (once, the inverses appended them in the opposite order
    /// and `revert --to 4` had to be refused).
    #[test]
    fn revert_to_puts_back_foreign_keys_in_their_order() {
        check(
            11223039278374468503,
            14,
            &[0, 1, 2, 1, 1, 2, 0, 0, 0, 0, 0, 0, 2, 2, 1, 1],
            685,
            1,
        );
    }

    /// The same bug on a WITHOUT ROWID table: `score`'s key column `tags`
    /// is renamed to `naïve` after the point; the redo re-creates `score`
    /// and renames the column in one event, and the restore fails on
    /// `NOT NULL constraint failed: score.naïve`.
    #[test]
    fn redo_restores_a_without_rowid_table_whose_key_column_the_same_event_renames() {
        check(
            5508404819279291021,
            14,
            &[2, 1, 2, 2, 2, 2, 2, 0, 2, 2, 1, 1, 2, 1, 1, 0],
            363,
            2,
        );
    }

    /// Found with PROPTEST_RNG_SEED=7 at 100 cases. `note` (WITHOUT ROWID,
    /// keyed by `id`) has `id` renamed to `É_2` and then `É` dropped after
    /// the point; `revert --to` adds `É` back from its archive (keyed by
    /// `É_2`) and renames `É_2` back to `id` in the same rebuild. The
    /// restore looked the key up by its name at the end of the rebuild
    /// (`id`), found none, and gave every row the default: the values are
    /// now matched by the names the rebuild had when the column came back.
    #[test]
    fn revert_restores_a_column_keyed_by_a_column_the_same_event_renames() {
        check_kinds(
            13420200303119119387,
            14,
            &[0, 1, 0, 2, 2, 1, 1, 1, 0, 1, 1, 1, 0, 2, 0, 0],
            426,
            1,
            false,
        );
    }

    /// Found with PROPTEST_RNG_SEED=7 at 100 cases: a table made after
    /// the point holds rows its first shape refuses (a NULL key once
    /// STRICT made NOT NULL). The revert put that shape back on the rows
    /// before dropping the table, and the redo restored them into it.
    #[test]
    fn revert_drops_and_redo_restores_a_table_whose_rows_its_first_shape_refuses() {
        check_kinds(
            13473561170913259126,
            14,
            &[0, 1, 0, 2, 2, 1, 1, 1, 0, 1, 1, 1, 0, 2, 0, 0],
            426,
            1,
            false,
        );
    }

    /// Found with PROPTEST_RNG_SEED=5 at 100 cases: a forward type change
    /// to INTEGER in a STRICT table meets a text value inserted before it.
    /// strata refuses it naming the row, which the property took for a
    /// failure: a refusal by rows is an outcome, and nothing changed.
    #[test]
    fn a_strict_tables_refusal_naming_its_rows_is_a_refusal_by_rows() {
        let case = Case {
            seed: 7785755099341679774,
            len: 14,
            cuts: vec![0, 1, 0, 0, 1, 1, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0],
            back: 364,
            rows: 1,
            first_kinds: false,
        };
        match run_case(&case) {
            Ok(Outcome::Refused) => {}
            other => panic!("{case:?}: {other:?}"),
        }
    }

    /// FIXME: found with PROPTEST_RNG_SEED=5 at 100 cases. Event 4 makes
    /// `items.tags` TEXT (nullable) from REAL NOT NULL DEFAULT 0, rows get
    /// NULL tags, and `revert --to 0` changes the type back, taking the
    /// old values back from their archive, before it drops `items` in the
    /// same event. The rows added since have no old value, and NOT NULL
    /// without a default refuses them. A table the event drops need not be
    /// rebuilt, but this rebuild puts values back, and skipping it would
    /// leave them in their archive while the redo creates `items` as REAL
    /// NOT NULL before changing the type: the rows would have to wait past
    /// a type change, whose own archive would then hold nothing. This
    /// asserts that the case still fails, so a fix flips it.
    #[test]
    fn revert_drops_a_table_whose_type_change_back_finds_rows_without_old_values() {
        still_fails(
            Case {
                seed: 1962498118903475525,
                len: 6,
                cuts: vec![0, 2, 0, 0, 1, 0, 0, 2, 0, 2, 1, 1, 1, 1, 0, 1],
                back: 25,
                rows: 2,
                first_kinds: false,
            },
            "is NOT NULL without a default, and a row has no value for it",
        );
    }

    /// Found with PROPTEST_RNG_SEED=7 at 100 cases, the same kind as the
    /// case above. A DROP VIEW between the revert's ops on `Users` and its
    /// drop carried the rebuild out first; a drop of a view or trigger no
    /// longer does. The redo creates `Users` with its rows back, then
    /// renames a column and creates a view before the ops that take the
    /// NOT NULL away: the rows now wait past the rename and the view too.
    #[test]
    fn redo_restores_rows_past_a_rename_and_a_view_their_first_shape_refuses() {
        check_kinds(
            13473562802594578664,
            14,
            &[0, 1, 0, 2, 2, 1, 1, 1, 0, 1, 1, 1, 0, 2, 0, 0],
            426,
            1,
            false,
        );
    }

    /// FIXME: found with PROPTEST_RNG_SEED=7 at 100 cases, of the kind of
    /// `revert_drops_a_table_whose_type_change_back_finds_rows_without_old_values`:
    /// `revert --to` adds a NOT NULL column without a default back to
    /// `tags` from its archive before dropping `tags` in the same event, and
    /// the rows added since have no value in the archive. A rebuild that
    /// puts values back is still carried out before the drop. This asserts
    /// that the case still fails, so a fix flips it.
    #[test]
    fn revert_drops_a_table_whose_column_coming_back_finds_rows_without_values() {
        still_fails(
            Case {
                seed: 13660801503710405713,
                len: 14,
                cuts: vec![0, 1, 0, 2, 2, 1, 1, 1, 0, 1, 1, 1, 0, 2, 0, 0],
                back: 426,
                rows: 1,
                first_kinds: false,
            },
            "is NOT NULL without a default, and a row has no value for it",
        );
    }

    /// FIXME: found with PROPTEST_RNG_SEED=2. `/*c*/`'s primary key column
    /// `from` is declared INTEGER at the point (so it is the rowid), and
    /// another type after it (so rows get rowids of their own: a row
    /// inserted then has rowid 1 and `from` 29). Reverting makes `from`
    /// INTEGER again, and SQLite sets that row's rowid to 29, as an alias
    /// requires; the redo's rebuild keeps 29. The values all come back; the
    /// hidden rowid of such a row cannot survive the alias state. Keeping it
    /// would need the rowids archived when a rebuild makes a column the
    /// alias. This asserts that the case still fails, so a fix flips it.
    #[test]
    fn redo_keeps_the_rowids_of_a_table_without_primary_key() {
        still_fails(
            Case {
                seed: 7268633525828900991,
                len: 15,
                cuts: vec![1, 0, 0, 0, 2, 2, 0, 1, 1, 2, 1, 1, 1, 0, 1, 2],
                back: 17,
                rows: 1,
                first_kinds: true,
            },
            "the rows are not those at head",
        );
    }
}
