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

/// Sets the real schema `public` aside for the length of the transaction
/// (renamed; the transaction is rolled back), so that a scratch schema can
/// stand in for it: SQL kept as written names `public.` (pg_dump qualifies
/// every name, and sets `search_path` to ''). False when the role may not
/// rename `public`: the scratch schemas then keep their own names.
fn public_aside(tx: &mut impl GenericClient, pid: u32) -> Result<bool, PgError> {
    let renamed = tx.batch_execute(&format!(
        "SAVEPOINT strata_public; ALTER SCHEMA public RENAME TO {}; RELEASE SAVEPOINT strata_public",
        ident(&format!("strata_public_{pid}"))
    ));
    if renamed.is_err() {
        tx.batch_execute("ROLLBACK TO SAVEPOINT strata_public; RELEASE SAVEPOINT strata_public")
            .map_err(|e| PgError::server("setting schema public aside", &e))?;
    }
    Ok(renamed.is_ok())
}

/// Works in scratch schema `ns` from here: named `public` when the real
/// one is set aside. Returns the name it has now.
fn enter(tx: &mut impl GenericClient, ns: &str, aside: bool) -> Result<String, PgError> {
    let now = if aside { "public" } else { ns };
    let rename = if aside {
        format!("ALTER SCHEMA {} RENAME TO public; ", ident(ns))
    } else {
        String::new()
    };
    tx.batch_execute(&format!("{rename}SET LOCAL search_path = {}", ident(now)))
        .map_err(|e| PgError::server("entering a scratch schema", &e))?;
    Ok(now.to_string())
}

/// Gives scratch schema `ns` its own name back after [`enter`].
fn leave(tx: &mut impl GenericClient, ns: &str, aside: bool) -> Result<(), PgError> {
    if aside {
        tx.batch_execute(&format!("ALTER SCHEMA public RENAME TO {}", ident(ns)))
            .map_err(|e| PgError::server("leaving a scratch schema", &e))?;
    }
    Ok(())
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
        "CREATE SCHEMA {h}; CREATE SCHEMA {w}",
        h = ident(&at_head),
        w = ident(&wanted)
    ))
    .map_err(fail("making scratch schemas"))?;
    // Each scratch schema is built under the name `public` where the role
    // may set the real one aside (see `public_aside`), so that SQL kept as
    // written that names `public.` lands in it.
    let aside = public_aside(&mut tx, pid)?;
    let head_ns = enter(&mut tx, &at_head, aside)?;
    for statement in render_schema(head) {
        tx.batch_execute(&statement)
            .map_err(fail("building the schema at head"))?;
    }
    let head_server = crate::introspect::introspect(&mut tx, &head_ns)?;
    leave(&mut tx, &at_head, aside)?;
    let before = elsewhere(&mut tx, &[&at_head, &wanted])?;
    if !aside && crate::ddl::names_public(sql) {
        return Err(PgError::new(
            "the desired schema names schema public or sets search_path (as pg_dump writes it), and the development database's role cannot set schema public aside for the scratch schema to stand in for it",
        )
        .help("use a role that owns schema public on the development database, or write the names unqualified, without search_path"));
    }
    let scratch = enter(&mut tx, &wanted, aside)?;
    tx.batch_execute(sql)
        .map_err(fail("loading the desired schema"))?;
    // The file may have set search_path (pg_dump sets it to ''): the
    // server renders names as seen from the search path, so it is set
    // back to the scratch schema's before the schema is read.
    tx.batch_execute(&format!("SET LOCAL search_path = {}", ident(&scratch)))
        .map_err(fail("setting the search path"))?;
    if elsewhere(&mut tx, &[&at_head, &scratch])? != before {
        return Err(PgError::new(
            "the desired schema makes objects outside its own schema: keep every name in schema public",
        ));
    }
    let wanted_server = crate::introspect::introspect(&mut tx, &scratch)?;
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
    tx.batch_execute(&format!("CREATE SCHEMA {h}", h = ident(&at_head)))
        .map_err(|e| PgError::server("making a scratch schema", &e))?;
    let aside = public_aside(&mut tx, std::process::id())?;
    let head_ns = enter(&mut tx, &at_head, aside)?;
    for statement in render_schema(head) {
        tx.batch_execute(&statement)
            .map_err(|e| PgError::server("building the schema at head", &e))?;
    }
    let head_server = crate::introspect::introspect(&mut tx, &head_ns)?;
    tx.rollback()
        .map_err(|e| PgError::server("rolling the scratch transaction back", &e))?;
    let aligned = align(&head_server, head)
        .map_err(|m| PgError::new(format!("building the schema at head: {m}")))?;
    Ok(translate(&live, head, &aligned))
}
