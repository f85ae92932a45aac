//! Proof, before an event is appended, that a database can go through it:
//! what is recorded applies.
//!
//! The ledger's own check is projection onto the model, which knows names
//! and shapes but not everything SQLite refuses (an unknown collation, a
//! non-deterministic function in a partial index or a stored generated
//! column, a column a CHECK or an index expression names but the table
//! lacks, a table of more than 2,000 columns, a rename of a rowid alias, a
//! data step naming a missing table, a view that another view's rename
//! broke). An event SQLite refuses could never be applied, and since every
//! later point is reached through it, the ledger could never be built
//! again. So each event is proven first on a scratch in-memory database
//! that holds the schema before it: its steps are planned and applied by
//! the very planner and executor `apply` uses (which reads the schema back
//! and compares it with the projected one), every view is read and every
//! trigger compiled; then the same is done with the ops that undo it.
//!
//! The scratch tables are empty: a data step runs there inside a savepoint
//! that is rolled back, with foreign keys deferred, which checks its names
//! and syntax without depending on rows the real database may hold.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use rusqlite::config::DbConfig;
use rusqlite::Connection;
use strata_dialect::sqlite::key;
use strata_dialect::sqlite::text::quote_ident;
use strata_dialect::sqlite::RULES;
use strata_schema::{differences, Hash, Op, Schema};

use crate::apply::{apply, ApplyError, Position};
use crate::custody::{Custody, Lineage};
use crate::plan::{plan_with, Step};
use crate::render::render_schema;

pub use strata_target::Stage;

/// The ledger id a scratch database records: no ledger's (a ledger id is a
/// BLAKE3 hash, and this is not one of any bytes anyone has found).
const PROVE_LEDGER: Hash = Hash([0xff; 32]);

/// Why an event cannot be appended: what SQLite refused and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProveError {
    pub stage: Stage,
    /// What failed, on one line: the planned statement's event and op (and
    /// an excerpt of its SQL), a view, the triggers on a table.
    pub what: String,
    /// SQLite's reason (or the planner's).
    pub reason: String,
}

impl fmt::Display for ProveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.stage {
            Stage::Before => write!(
                f,
                "the schema before it cannot be built in SQLite ({}): {}",
                self.what, self.reason
            ),
            Stage::Event => write!(f, "SQLite refuses {}: {}", self.what, self.reason),
            Stage::Undo => write!(
                f,
                "SQLite refuses the undo of {}: {}",
                self.what, self.reason
            ),
        }
    }
}

impl std::error::Error for ProveError {}

/// Prove that a database whose schema is `before` can go through
/// `forward` and, when `inverse` is given, back again through it (the ops
/// that undo the event, applied to the schema after it). Nothing outside a
/// scratch in-memory database is touched.
pub fn prove(
    before: &Schema,
    forward: &[Step],
    inverse: Option<&[Step]>,
) -> Result<(), ProveError> {
    let ops = forward
        .iter()
        .chain(inverse.unwrap_or_default())
        .flat_map(|s| s.ops.iter());
    let before = reach(before, ops);
    let mut scratch = Scratch::new(&before)?;
    scratch.forward(forward)?;
    if let Some(inverse) = inverse {
        scratch.undo(inverse, &before)?;
    }
    Ok(())
}

/// The names the ops name themselves, by key: their tables, what a
/// table or foreign key they create or drop references, the index, view
/// or trigger they create or drop. `None` when one is a data step, which
/// may name any table.
fn named<'a>(ops: impl Iterator<Item = &'a Op>) -> Option<BTreeSet<String>> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for op in ops {
        if let Op::Data { .. } = op {
            return None;
        }
        names.extend(op.tables().into_iter().map(key));
        match op {
            Op::CreateTable { table } | Op::DropTable { table } => {
                names.extend(table.foreign_keys.iter().map(|fk| key(&fk.ref_table)));
            }
            Op::AddForeignKey { foreign_key, .. } | Op::DropForeignKey { foreign_key, .. } => {
                names.insert(key(&foreign_key.ref_table));
            }
            Op::CreateIndex { index } | Op::DropIndex { index } => {
                names.insert(key(&index.name));
            }
            Op::CreateView { view } | Op::DropView { view } => {
                names.insert(key(&view.name));
            }
            Op::CreateTrigger { trigger } | Op::DropTrigger { trigger } => {
                names.insert(key(&trigger.name));
            }
            _ => {}
        }
    }
    Some(names)
}

/// The part of `schema` that `ops` can reach, which is all a scratch
/// database needs to hold to prove them, and keeps a proof's cost that of
/// the event rather than of the whole schema: the tables, indexes, views
/// and triggers the ops name, and, until nothing is added, the tables a
/// table in it references or is referenced by, the indexes on its tables,
/// the views and triggers that read anything in it (and what those read).
/// A data step may name any table, so ops with one reach everything.
pub fn reach<'a>(schema: &Schema, ops: impl Iterator<Item = &'a Op>) -> Schema {
    let Some(mut names) = named(ops) else {
        return schema.clone();
    };
    // Grow to a fixpoint. Each rule links two names both ways (a table and
    // a table its foreign key names; a view or trigger and what it reads, a
    // trigger and its table), so what is reached is everything linked to
    // the names the ops give: one walk over the links, each followed once.
    let mut links: HashMap<String, Vec<String>> = HashMap::new();
    let mut link = |a: &str, b: &str| {
        let (a, b) = (key(a), key(b));
        links.entry(a.clone()).or_default().push(b.clone());
        links.entry(b).or_default().push(a);
    };
    for (k, table) in &schema.tables {
        for fk in &table.foreign_keys {
            link(k, &fk.ref_table);
        }
    }
    for (k, view) in &schema.views {
        for d in &view.depends_on {
            link(k, d);
        }
    }
    for (k, trigger) in &schema.triggers {
        link(k, &trigger.table);
        for d in &trigger.depends_on {
            link(k, d);
        }
    }
    let mut walk: Vec<String> = names.iter().cloned().collect();
    while let Some(name) = walk.pop() {
        for next in links.get(&name).into_iter().flatten() {
            if names.insert(next.clone()) {
                walk.push(next.clone());
            }
        }
    }
    let keep = |k: &String| names.contains(k);
    Schema {
        tables: schema
            .tables
            .iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, t)| (k.clone(), t.clone()))
            .collect(),
        indexes: schema
            .indexes
            .iter()
            .filter(|(k, i)| keep(k) || keep(&key(&i.table)))
            .map(|(k, i)| (k.clone(), i.clone()))
            .collect(),
        views: schema
            .views
            .iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        triggers: schema
            .triggers
            .iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, t)| (k.clone(), t.clone()))
            .collect(),
        // SQLite has none.
        definitions: Default::default(),
    }
}

/// A scratch in-memory database at a schema, moved by plans as `apply`
/// moves a real one. `import-sql` keeps one across its files.
pub struct Scratch {
    conn: Connection,
    schema: Schema,
    at: Option<Position>,
}

impl Scratch {
    /// A scratch database holding `schema` (tables empty).
    pub fn new(schema: &Schema) -> Result<Scratch, ProveError> {
        let scratch_failure = |e: rusqlite::Error| ProveError {
            stage: Stage::Before,
            what: "the scratch database".to_string(),
            reason: e.to_string(),
        };
        let conn = Connection::open_in_memory().map_err(scratch_failure)?;
        // As `apply::open` configures a database: double-quoted strings are
        // never literals, foreign keys are enforced.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)
            .and_then(|_| conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML, false))
            .and_then(|_| conn.pragma_update(None, "foreign_keys", true))
            .map_err(scratch_failure)?;
        conn.execute_batch("BEGIN").map_err(scratch_failure)?;
        for sql in render_schema(schema) {
            conn.execute_batch(&sql).map_err(|e| ProveError {
                stage: Stage::Before,
                what: excerpt(&sql),
                reason: reason(&e),
            })?;
        }
        conn.execute_batch("COMMIT").map_err(scratch_failure)?;
        Ok(Scratch {
            conn,
            schema: schema.clone(),
            at: None,
        })
    }

    /// The schema the scratch database is at.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Apply `steps` (an event) and check the result.
    pub fn forward(&mut self, steps: &[Step]) -> Result<(), ProveError> {
        self.run(steps, Stage::Event)
    }

    /// Apply `steps` (the ops that undo an event) and check the result,
    /// which must be `back_to` (the schema before the event).
    pub fn undo(&mut self, steps: &[Step], back_to: &Schema) -> Result<(), ProveError> {
        self.run(steps, Stage::Undo)?;
        let diffs = differences(RULES, back_to, &self.schema);
        if let Some(first) = diffs.first() {
            return Err(ProveError {
                stage: Stage::Undo,
                what: seqs(steps),
                reason: format!(
                    "it does not give back the schema before the event ({})",
                    crate::render::difference(first)
                ),
            });
        }
        Ok(())
    }

    fn run(&mut self, steps: &[Step], stage: Stage) -> Result<(), ProveError> {
        let steps: Vec<Step> = steps.iter().map(contained).collect();
        let fail = |what: String, reason: String| ProveError {
            stage,
            what: printable(&what),
            reason: printable(&reason),
        };
        // The scratch database holds only archives its own steps made, so
        // every lineage is as recorded.
        let custody = Custody::load(&self.conn, &|seq, op, undo| Lineage {
            seq,
            op,
            forward: !undo,
        })
        .map_err(|e| fail(seqs(&steps), e.to_string()))?;
        let plan = plan_with(&self.schema, &steps, &custody)
            .map_err(|e| fail(seqs(&steps), e.to_string()))?;
        let to = Position {
            ledger_id: PROVE_LEDGER,
            seq: self.at.as_ref().map_or(1, |p| p.seq + 1),
            hash: Hash::ZERO,
        };
        apply(
            &mut self.conn,
            &plan,
            self.at.as_ref(),
            &to,
            &plan.schema,
            "strata prove",
            env!("CARGO_PKG_VERSION"),
        )
        .map_err(|e| match e {
            ApplyError::Statement {
                comment,
                sql,
                message,
            } => fail(
                format!("{comment}, running {}", excerpt(uncontained(&sql))),
                without_sql(&message),
            ),
            ApplyError::Mismatch(diffs) => fail(
                seqs(&steps),
                format!(
                    "SQLite reads the result back differently from the ledger's schema ({})",
                    diffs
                        .iter()
                        .take(3)
                        .map(crate::render::difference)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            ),
            other => fail(seqs(&steps), other.to_string()),
        })?;
        self.at = Some(to);
        self.schema = plan.schema;
        self.check_readers()
            .map_err(|(what, why)| fail(format!("{}, then {what}", seqs(&steps)), why))
    }

    /// Every view read, and every trigger compiled (by preparing the
    /// statements that fire it): SQLite checks a view's or a trigger's body
    /// against the tables only when it runs, so one that a change broke
    /// through another view passes the change itself.
    fn check_readers(&self) -> Result<(), (String, String)> {
        for view in self.schema.views.values() {
            let sql = format!("SELECT * FROM {} LIMIT 0", quote_ident(&view.name));
            let run = self
                .conn
                .prepare(&sql)
                .and_then(|mut st| st.raw_query().next().map(|_| ()));
            if let Err(e) = run {
                return Err((
                    format!("reading view {}", quote_ident(&view.name)),
                    reason(&e),
                ));
            }
        }
        let mut fired: Vec<&str> = self
            .schema
            .triggers
            .values()
            .map(|t| t.table.as_str())
            .collect();
        fired.sort_by_key(|t| strata_dialect::sqlite::key(t));
        fired.dedup_by_key(|t| strata_dialect::sqlite::key(t));
        for on in fired {
            let name = quote_ident(on);
            let (statements, is_view) = match self.schema.table(RULES, on) {
                Some(table) => {
                    let sets: Vec<String> = table
                        .columns
                        .iter()
                        .filter(|c| c.generated.is_none())
                        .map(|c| format!("{0} = {0}", quote_ident(&c.name)))
                        .collect();
                    let mut statements = vec![
                        format!("INSERT INTO {name} DEFAULT VALUES"),
                        format!("DELETE FROM {name}"),
                    ];
                    if !sets.is_empty() {
                        statements.push(format!("UPDATE {name} SET {}", sets.join(", ")));
                    }
                    (statements, false)
                }
                None => {
                    let columns: Vec<String> =
                        match self.conn.prepare(&format!("SELECT * FROM {name}")) {
                            Ok(st) => st.column_names().map(quote_ident).collect(),
                            Err(_) => Vec::new(),
                        };
                    let mut statements = vec![
                        format!("INSERT INTO {name} SELECT * FROM {name}"),
                        format!("DELETE FROM {name}"),
                    ];
                    if let Some(c) = columns.first() {
                        statements.push(format!("UPDATE {name} SET {c} = {c}"));
                    }
                    (statements, true)
                }
            };
            for sql in statements {
                if let Err(e) = self.conn.prepare(&sql) {
                    let why = reason(&e);
                    // A view without an INSTEAD OF trigger for this
                    // statement cannot be written to at all.
                    if is_view && why.starts_with("cannot modify") {
                        continue;
                    }
                    return Err((format!("compiling the triggers on {name}"), why));
                }
            }
        }
        Ok(())
    }
}

/// The step with each data step wrapped so that it changes no rows: run in
/// a savepoint that is rolled back, with foreign keys deferred (the parent
/// rows an insert names are in the real database, not here).
fn contained(step: &Step) -> Step {
    let mut step = step.clone();
    for op in &mut step.ops {
        if let Op::Data { sql } = op {
            *sql = format!("{CONTAIN_BEFORE}{sql}{CONTAIN_AFTER}");
        }
    }
    step
}

const CONTAIN_BEFORE: &str = "PRAGMA defer_foreign_keys = ON;\nSAVEPOINT \"_strata_prove\";\n";
const CONTAIN_AFTER: &str = "\n;\nROLLBACK TO \"_strata_prove\";\nRELEASE \"_strata_prove\";";

/// A data step's own SQL out of its wrapping.
fn uncontained(sql: &str) -> &str {
    sql.strip_prefix(CONTAIN_BEFORE)
        .and_then(|s| s.strip_suffix(CONTAIN_AFTER))
        .unwrap_or(sql)
}

/// The events `steps` serve, for a message: `event 4`, `events 2, 3`.
fn seqs(steps: &[Step]) -> String {
    let mut seqs: Vec<u64> = steps.iter().map(|s| s.seq).collect();
    seqs.dedup();
    let list: Vec<String> = seqs.iter().map(u64::to_string).collect();
    match list.len() {
        0 => "the event".to_string(),
        1 => format!("event {}", list[0]),
        _ => format!("events {}", list.join(", ")),
    }
}

/// SQLite's message for `e`, without the statement rusqlite quotes after
/// it.
fn reason(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError { msg, .. } => printable(msg),
        e => printable(&e.to_string()),
    }
}

/// rusqlite's text for a statement SQLite refused to prepare, `MSG in SQL
/// at offset N`, as `MSG`: the statement is already named.
fn without_sql(message: &str) -> String {
    let Some((head, offset)) = message.rsplit_once(" at offset ") else {
        return message.to_string();
    };
    if offset.is_empty() || !offset.bytes().all(|b| b.is_ascii_digit()) {
        return message.to_string();
    }
    // SQLite's own messages hold no " in " followed by a statement keyword.
    for keyword in [
        " in CREATE ",
        " in ALTER ",
        " in DROP ",
        " in INSERT ",
        " in UPDATE ",
        " in DELETE ",
        " in WITH ",
        " in REPLACE ",
        " in SELECT ",
        " in PRAGMA ",
    ] {
        if let Some(at) = head.find(keyword) {
            return head[..at].to_string();
        }
    }
    message.to_string()
}

/// At most 80 characters of `sql` on one line, control characters shown
/// as escapes.
fn excerpt(sql: &str) -> String {
    let line = printable(&sql.split_whitespace().collect::<Vec<_>>().join(" "));
    if line.chars().count() > 80 {
        format!("{}...", line.chars().take(77).collect::<String>())
    } else {
        line
    }
}

/// `text` with control characters (a NUL in a name, say) escaped.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != ' ' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ddl::parse_change;

    fn schema(sql: &str) -> Schema {
        let mut s = Schema::default();
        for op in parse_change(sql, &Schema::default()).unwrap() {
            strata_schema::project(strata_dialect::sqlite::RULES, &mut s, &op).unwrap();
        }
        s
    }

    fn proof(before: &Schema, sql: &str) -> Result<(), ProveError> {
        let ops = parse_change(sql, before).unwrap();
        let mut after = before.clone();
        for op in &ops {
            strata_schema::project(strata_dialect::sqlite::RULES, &mut after, op).unwrap();
        }
        let inverse: Option<Vec<Op>> = ops.iter().rev().map(Op::invert).collect();
        let inverse = inverse.map(|ops| {
            let n = ops.len();
            vec![Step {
                seq: 2,
                ops,
                undo: true,
                // Op k of the undo undoes op n-1-k of the event.
                lineage: (0..n)
                    .map(|k| Lineage {
                        seq: 2,
                        op: u32::try_from(n - 1 - k).unwrap_or(0),
                        forward: false,
                    })
                    .collect(),
            }]
        });
        prove(before, &[Step::new(2, ops)], inverse.as_deref())
    }

    #[test]
    fn a_change_sqlite_accepts_is_proven_both_ways() {
        let before = schema(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
             CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));
             CREATE VIEW v AS SELECT id, email FROM users;",
        );
        proof(
            &before,
            "ALTER TABLE users ADD COLUMN name TEXT; ALTER TABLE users DROP COLUMN name;
             ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
             INSERT INTO orders (user_id) VALUES (42);",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn what_sqlite_refuses_is_named_with_its_reason() {
        let before = schema("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)");
        let e = proof(&before, "CREATE TABLE u (a TEXT COLLATE nosuchcoll)").unwrap_err();
        assert_eq!(e.stage, Stage::Event);
        assert!(e.reason.contains("no such collation sequence"), "{e}");
        assert!(e.what.starts_with("event 2 op 1"), "{e}");
        let e = proof(&before, "INSERT INTO nosuch VALUES (1)").unwrap_err();
        assert!(e.reason.contains("no such table: nosuch"), "{e}");
        assert!(e.what.contains("INSERT INTO nosuch VALUES (1)"), "{e}");
    }

    #[test]
    fn the_scratch_database_holds_what_the_event_reaches() {
        let before = schema(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
             CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));
             CREATE TABLE apart (id INTEGER PRIMARY KEY);
             CREATE INDEX apart_id ON apart (id);
             CREATE VIEW v AS SELECT id, email FROM users;
             CREATE VIEW w AS SELECT * FROM v;
             CREATE TRIGGER tr AFTER INSERT ON apart BEGIN INSERT INTO orders (user_id) VALUES (1); END;",
        );
        let ops = parse_change("ALTER TABLE users ADD COLUMN name TEXT", &before).unwrap();
        let part = reach(&before, ops.iter());
        let keys = |m: Vec<&String>| m.into_iter().cloned().collect::<Vec<_>>();
        // users, the table that references it, the trigger that writes to
        // that one and the table the trigger is on, the views reading users.
        assert_eq!(
            keys(part.tables.keys().collect()),
            ["apart", "orders", "users"]
        );
        assert_eq!(keys(part.views.keys().collect()), ["v", "w"]);
        assert_eq!(keys(part.triggers.keys().collect()), ["tr"]);
        assert_eq!(keys(part.indexes.keys().collect()), ["apart_id"]);
        let ops = parse_change("CREATE TABLE lone (a TEXT)", &before).unwrap();
        assert!(reach(&before, ops.iter()).is_empty());
        let ops = parse_change("INSERT INTO apart VALUES (1)", &before).unwrap();
        assert_eq!(reach(&before, ops.iter()), before);
    }

    #[test]
    fn a_view_broken_through_another_view_is_caught() {
        let before = schema(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
             CREATE VIEW v AS SELECT id, email FROM users;
             CREATE VIEW w AS SELECT * FROM v;
             CREATE TABLE log (x TEXT);
             CREATE TRIGGER tr AFTER INSERT ON log BEGIN INSERT INTO log SELECT email FROM w; END;",
        );
        let e = proof(&before, "ALTER TABLE users RENAME COLUMN email TO mail").unwrap_err();
        assert!(e.reason.contains("no such column"), "{e}");
    }

    /// The part of `schema` `ops` reach as it was first computed: passes
    /// over the whole schema until one adds nothing. Kept as the reference
    /// [`reach`] must agree with.
    fn reach_by_passes<'a>(schema: &Schema, ops: impl Iterator<Item = &'a Op>) -> Schema {
        let Some(mut names) = named(ops) else {
            return schema.clone();
        };
        loop {
            let mut more: BTreeSet<String> = BTreeSet::new();
            let mut add = |name: &str| {
                let k = key(name);
                if !names.contains(&k) {
                    more.insert(k);
                }
            };
            for (k, table) in &schema.tables {
                if names.contains(k) {
                    for fk in &table.foreign_keys {
                        add(&fk.ref_table);
                    }
                } else if table
                    .foreign_keys
                    .iter()
                    .any(|fk| names.contains(&key(&fk.ref_table)))
                {
                    add(k);
                }
            }
            for (k, view) in &schema.views {
                if names.contains(k) || view.depends_on.iter().any(|d| names.contains(&key(d))) {
                    add(k);
                    view.depends_on.iter().for_each(|d| add(d));
                }
            }
            for (k, trigger) in &schema.triggers {
                let reads = names.contains(&key(&trigger.table))
                    || trigger.depends_on.iter().any(|d| names.contains(&key(d)));
                if names.contains(k) || reads {
                    add(k);
                    add(&trigger.table);
                    trigger.depends_on.iter().for_each(|d| add(d));
                }
            }
            if more.is_empty() {
                break;
            }
            names.extend(more);
        }
        let keep = |k: &String| names.contains(k);
        Schema {
            tables: schema
                .tables
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, t)| (k.clone(), t.clone()))
                .collect(),
            indexes: schema
                .indexes
                .iter()
                .filter(|(k, i)| keep(k) || keep(&key(&i.table)))
                .map(|(k, i)| (k.clone(), i.clone()))
                .collect(),
            views: schema
                .views
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            triggers: schema
                .triggers
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, t)| (k.clone(), t.clone()))
                .collect(),
            ..Schema::default()
        }
    }

    proptest::proptest! {
        #[test]
        fn reach_is_what_passes_to_a_fixpoint_reach(
            (start, ops) in strata_dialect::sqlite::arb::arb_ops(12),
            from in 0usize..12,
            len in 1usize..4,
        ) {
            let from = from.min(ops.len());
            let ops = &ops[from..(from + len).min(ops.len())];
            proptest::prop_assert_eq!(
                reach(&start, ops.iter()),
                reach_by_passes(&start, ops.iter())
            );
        }
    }

    /// A chain of 2,000 tables, each referencing the one before it: an
    /// event on any of them reaches the whole chain and nothing else.
    #[test]
    fn an_event_on_a_long_chain_of_foreign_keys_reaches_the_chain() {
        let mut sql = String::from("CREATE TABLE apart (id INTEGER PRIMARY KEY);\n");
        for i in 0..2_000 {
            let parent = if i == 0 {
                String::new()
            } else {
                format!(" REFERENCES t{}(id)", i - 1)
            };
            sql.push_str(&format!(
                "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, p INTEGER{parent});\n"
            ));
        }
        let before = schema(&sql);
        let ops = parse_change("ALTER TABLE t1000 ADD COLUMN x TEXT", &before).unwrap();
        let part = reach(&before, ops.iter());
        assert_eq!(part.tables.len(), 2_000);
        assert!(part.table(RULES, "apart").is_none());
    }
}
