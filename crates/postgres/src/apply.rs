//! Runs a plan and strata's bookkeeping in one transaction: under a
//! transaction-level advisory lock (two applies never interleave), with
//! `lock_timeout` in force from the first statement, the position checked
//! again inside the transaction, the live schema compared with the target
//! before commit, and the server's spelling of the target kept beside it.

use postgres::GenericClient;

use strata_schema::Schema;
use strata_target::{Applied, Archived, Mover, Position, Restored};

use crate::custody::{bookkeeping, Custody};
use crate::error::PgError;
use crate::plan::{Plan, Role};
use crate::spelling;

/// The advisory lock key every strata apply takes ("strata" in ASCII).
pub const LOCK_KEY: i64 = 0x7374_7261_7461;

/// What the database records of where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub position: Position,
    /// The ledger's schema at the position, as the last apply left it.
    pub ledger: Schema,
    /// The same schema in the server's spelling, aligned to `ledger`.
    pub server: Schema,
}

fn hex(h: &strata_schema::Hash) -> String {
    h.to_string()
}

/// The state strata recorded, or `None` when it never applied here.
pub fn read_state(client: &mut impl GenericClient) -> Result<Option<State>, PgError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('strata.state') IS NOT NULL", &[])
        .map_err(|e| PgError::server("reading strata's state", &e))?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let Some(row) = client
        .query_opt(
            "SELECT \"ledger_id\", \"seq\", \"hash\", \"ledger_schema\", \"server_schema\" FROM strata.\"state\" WHERE \"id\" = 1",
            &[],
        )
        .map_err(|e| PgError::server("reading strata's state", &e))?
    else {
        return Ok(None);
    };
    let bad = |what: &str| {
        PgError::new(format!("strata.state holds {what} that cannot be read"))
            .help("the state table was changed by hand; restore it, or adopt the database again with baseline")
    };
    let ledger_id: String = row.get(0);
    let seq: i64 = row.get(1);
    let hash: String = row.get(2);
    let ledger: String = row.get(3);
    let server: String = row.get(4);
    Ok(Some(State {
        position: Position {
            ledger_id: ledger_id.parse().map_err(|_| bad("a ledger id"))?,
            seq: u64::try_from(seq).map_err(|_| bad("a point"))?,
            hash: hash.parse().map_err(|_| bad("a hash"))?,
        },
        ledger: serde_json::from_str(&ledger).map_err(|_| bad("a schema"))?,
        server: serde_json::from_str(&server).map_err(|_| bad("a schema"))?,
    }))
}

/// Runs `plan` in one transaction and records `to`.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    client: &mut postgres::Client,
    ns: &str,
    plan: &Plan,
    from: Option<&Position>,
    to: &Position,
    target: &Schema,
    mover: &Mover,
) -> Result<Applied, PgError> {
    let fail = |what: &'static str| move |e: postgres::Error| PgError::server(what, &e);
    let mut tx = client.transaction().map_err(fail("beginning the apply"))?;
    tx.query_one("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .map_err(fail("waiting for another strata apply to end"))?;
    fresh_catalog(&mut tx).map_err(fail("reading the catalog"))?;
    // Another apply may have moved the database since the plan was made.
    let now = read_state(&mut tx)?;
    let custody = Custody::load(&mut tx)?;
    if now.as_ref().map(|s| s.position) != from.copied()
        || custody.fingerprint != plan.custody_fingerprint
    {
        let mut e = PgError::new(
            "another process moved the database while this apply was planned; nothing was changed",
        );
        e.moved = true;
        return Err(e.help("run the command again"));
    }
    for sql in bookkeeping() {
        tx.batch_execute(&sql)
            .map_err(fail("making strata's tables"))?;
    }
    let mut archived = Vec::new();
    let mut restored = Vec::new();
    // The archive each restore took from, beside `restored`.
    let mut taken_from: Vec<&str> = Vec::new();
    let log_id: i64 = tx
        .query_one(
            "INSERT INTO strata.\"log\" (\"who\", \"version\", \"from_seq\", \"from_hash\", \"to_seq\", \"to_hash\", \"statements\", \"note\") \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING \"id\"",
            &[
                &mover.who,
                &mover.version,
                &from.map(|p| p.seq as i64),
                &from.map(|p| hex(&p.hash)),
                &(to.seq as i64),
                &hex(&to.hash),
                &(plan.statements.len() as i32),
                &plan.note,
            ],
        )
        .map_err(fail("writing strata's log"))?
        .get(0);
    for (n, s) in plan.statements.iter().enumerate() {
        strata_target::failpoint::failpoint(format_args!("apply:statement:{n}"));
        let what = format!("statement {} of the plan", n + 1);
        let rows = tx.execute(s.sql.as_str(), &[]).map_err(|e| {
            let mut err = PgError::server(&what, &e);
            err.message.push_str(&format!(
                " (in `{}`); nothing was changed",
                one_line(&s.sql)
            ));
            err
        })?;
        match s.role {
            Role::Plain => {}
            Role::Archive { index } => {
                let a = &plan.archives[index];
                tx.execute(
                    "INSERT INTO strata.\"archives\" (\"id\", \"archive_table\", \"kind\", \"table_name\", \"column_name\", \
                     \"key_columns\", \"value_columns\", \"seq\", \"op\", \"lineage_seq\", \"lineage_op\", \"lineage_forward\", \"rows\", \"log_id\") \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14",
                    &[
                        &a.id,
                        &a.archive_table,
                        &a.kind.as_str(),
                        &a.table,
                        &a.column,
                        &a.key,
                        &a.values,
                        &(a.seq as i64),
                        &(a.op as i32),
                        &(a.lineage.seq as i64),
                        &(a.lineage.op as i32),
                        &a.lineage.forward,
                        &(rows as i64),
                        &log_id,
                    ],
                )
                .map_err(fail("writing strata's archive catalog"))?;
                archived.push(Archived {
                    table: a.table.clone(),
                    column: a.column.clone(),
                    kind: a.kind.as_str().to_string(),
                    rows,
                    archive_table: format!("strata.{}", a.archive_table),
                });
            }
            Role::Restore { index } => {
                let r = &plan.restores[index];
                taken_from.push(&r.archive_table);
                restored.push(Restored {
                    table: r.table.clone(),
                    column: r.column.clone(),
                    rows,
                    kept: 0,
                    archive_table: format!("strata.{}", r.archive_table),
                });
            }
        }
    }
    // What a restore could not put back stays in its archive.
    for (r, name) in restored.iter_mut().zip(taken_from) {
        let left: bool = tx
            .query_one(
                "SELECT to_regclass(format('%I.%I', 'strata', $1::text)) IS NOT NULL",
                &[&name],
            )
            .map_err(fail("reading an archive"))?
            .get(0);
        if left {
            let n: i64 = tx
                .query_one(
                    &format!("SELECT count(*) FROM strata.{}", crate::render::ident(name)),
                    &[],
                )
                .map_err(fail("reading an archive"))?
                .get(0);
            r.kept = n.max(0) as u64;
            tx.execute(
                "UPDATE strata.\"archives\" SET \"rows\" = $2 WHERE \"archive_table\" = $1",
                &[&name, &n],
            )
            .map_err(fail("writing strata's archive catalog"))?;
        }
    }
    // The live schema must be the target's, part for part.
    let live = crate::introspect::introspect_in(
        &mut tx,
        ns,
        crate::introspect::Spaces::Named(&crate::render::schemas(target)),
    )?;
    let aligned = spelling::align(&live, target)
        .map_err(|m| PgError::new(format!("after the plan ran, {m}; nothing was changed (this is a bug in strata's PostgreSQL planner)")))?;
    if let Some(m) = spelling::mismatch(target, &aligned) {
        return Err(PgError::new(format!(
            "after the plan ran, {m}; nothing was changed (this is a bug in strata's PostgreSQL planner)"
        )));
    }
    let ledger_json = serde_json::to_string(target).map_err(|e| PgError::new(format!("{e}")))?;
    let server_json = serde_json::to_string(&aligned).map_err(|e| PgError::new(format!("{e}")))?;
    tx.execute(
        "INSERT INTO strata.\"state\" (\"id\", \"ledger_id\", \"seq\", \"hash\", \"ledger_schema\", \"server_schema\") \
         VALUES (1, $1, $2, $3, $4, $5) ON CONFLICT (\"id\") DO UPDATE SET \"ledger_id\" = $1, \"seq\" = $2, \
         \"hash\" = $3, \"ledger_schema\" = $4, \"server_schema\" = $5",
        &[
            &hex(&to.ledger_id),
            &(to.seq as i64),
            &hex(&to.hash),
            &ledger_json,
            &server_json,
        ],
    )
    .map_err(fail("recording where the database stands"))?;
    strata_target::failpoint::failpoint(format_args!("apply:before-commit"));
    tx.commit().map_err(fail("committing the apply"))?;
    strata_target::failpoint::failpoint(format_args!("apply:after-commit"));
    Ok(Applied {
        statements: plan.statements.len(),
        archived,
        restored,
    })
}

/// Makes the transaction read the catalog as it is now. An advisory lock
/// takes no relation lock, and only a relation lock newly taken makes a
/// backend process what other sessions committed to the catalog since its
/// transaction began: without it, the names an apply that waited behind
/// another looked up before (`strata.state`, not there yet) would still be
/// missing from its caches. Locking `pg_namespace` in ACCESS SHARE mode,
/// which every role may, does it.
pub fn fresh_catalog(tx: &mut impl GenericClient) -> Result<(), postgres::Error> {
    tx.batch_execute("LOCK TABLE pg_catalog.pg_namespace IN ACCESS SHARE MODE")
}

fn one_line(sql: &str) -> String {
    let s: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 120 {
        format!("{}...", s.chars().take(120).collect::<String>())
    } else {
        s
    }
}
