//! A desired schema for `plan` and `record --desired`: a file of CREATE
//! statements loaded into a scratch schema of the development database and
//! read back, so the schema is exactly what PostgreSQL makes of the file.
//! The target is never used for that, and nothing is left behind: it all
//! happens in a transaction that is rolled back.
//!
//! PostgreSQL reads the file back in its own words (`integer` for `int`),
//! so the schema at head is built in a second scratch schema beside it, and
//! every part of the desired schema that the server renders exactly as it
//! renders head's part is head's part, in the ledger's words
//! ([`crate::spelling`]): only what really differs becomes an op.

use postgres::{Client, GenericClient};
use strata_schema::Schema;

use crate::error::PgError;
use crate::render::{ident, render_schema};
use crate::spelling::{align, translate};
use crate::target::{connect, Postgres};

/// The relations in schemas other than the scratch ones and the system's:
/// what loading the file must not change.
fn elsewhere(client: &mut impl GenericClient, scratch: &[&str]) -> Result<i64, PgError> {
    let scratch: Vec<String> = scratch.iter().map(|s| s.to_string()).collect();
    let row = client
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE NOT (n.nspname = ANY($1)) AND n.nspname NOT LIKE 'pg\\_%' \
             AND n.nspname <> 'information_schema'",
            &[&scratch],
        )
        .map_err(|e| PgError::server("reading the development database", &e))?;
    Ok(row.get(0))
}

/// The schema `sql` makes, in the words of `head` (the ledger's schema at
/// head) wherever it makes what head has.
pub fn desired(target: &Postgres, sql: &str, head: &Schema) -> Result<Schema, PgError> {
    let Some(url) = &target.dev else {
        return Err(PgError::new(
            "a desired PostgreSQL schema is loaded into a development database, and none was given",
        )
        .help("give one with --dev-db URL (or STRATA_DEV_DB): strata works in a scratch schema there and leaves nothing behind"));
    };
    let mut client: Client = connect(url, "public", target.lock_timeout)?;
    let pid = std::process::id();
    let (at_head, wanted) = (
        format!("strata_head_{pid}"),
        format!("strata_desired_{pid}"),
    );
    let mut tx = client
        .transaction()
        .map_err(|e| PgError::server("beginning a scratch transaction", &e))?;
    let fail = |what: &'static str| move |e: postgres::Error| PgError::server(what, &e);
    tx.batch_execute(&format!(
        "CREATE SCHEMA {h}; CREATE SCHEMA {w}; SET LOCAL search_path = {h}",
        h = ident(&at_head),
        w = ident(&wanted)
    ))
    .map_err(fail("making scratch schemas"))?;
    for statement in render_schema(head) {
        tx.batch_execute(&statement)
            .map_err(fail("building the schema at head"))?;
    }
    let head_server = crate::introspect::introspect(&mut tx, &at_head)?;
    let before = elsewhere(&mut tx, &[&at_head, &wanted])?;
    tx.batch_execute(&format!("SET LOCAL search_path = {}", ident(&wanted)))
        .map_err(fail("setting the search path"))?;
    tx.batch_execute(sql)
        .map_err(fail("loading the desired schema"))?;
    if elsewhere(&mut tx, &[&at_head, &wanted])? != before {
        return Err(PgError::new(
            "the desired schema makes objects outside its own schema: write its names unqualified (users, not public.users)",
        ));
    }
    let wanted_server = crate::introspect::introspect(&mut tx, &wanted)?;
    tx.rollback()
        .map_err(fail("rolling the scratch transaction back"))?;
    let aligned = align(&head_server, head)
        .map_err(|m| PgError::new(format!("building the schema at head: {m}")))?;
    Ok(translate(&wanted_server, head, &aligned))
}

/// The schema of the database at `url`, in the words of `head` wherever it
/// holds what head has: `plan --from-db URL`.
pub fn from_db(target: &Postgres, url: &str, head: &Schema) -> Result<Schema, PgError> {
    let live = {
        use strata_target::{Database, Target};
        target.open(std::path::Path::new(url))?.introspect()?
    };
    // A database strata keeps reads back in the ledger's words already;
    // one it never applied to reads in the server's, which the schema at
    // head built in a scratch schema maps back.
    let Some(dev) = &target.dev else {
        return Ok(live);
    };
    let mut client: Client = connect(dev, "public", target.lock_timeout)?;
    let at_head = format!("strata_head_{}", std::process::id());
    let mut tx = client
        .transaction()
        .map_err(|e| PgError::server("beginning a scratch transaction", &e))?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA {h}; SET LOCAL search_path = {h}",
        h = ident(&at_head)
    ))
    .map_err(|e| PgError::server("making a scratch schema", &e))?;
    for statement in render_schema(head) {
        tx.batch_execute(&statement)
            .map_err(|e| PgError::server("building the schema at head", &e))?;
    }
    let head_server = crate::introspect::introspect(&mut tx, &at_head)?;
    tx.rollback()
        .map_err(|e| PgError::server("rolling the scratch transaction back", &e))?;
    let aligned = align(&head_server, head)
        .map_err(|m| PgError::new(format!("building the schema at head: {m}")))?;
    Ok(translate(&live, head, &aligned))
}
