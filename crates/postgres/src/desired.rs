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

use std::collections::BTreeSet;

use postgres::{Client, GenericClient};
use strata_schema::Schema;

use crate::error::PgError;
use crate::introspect::Spaces;
use crate::render::{ident, render_schema};
use crate::spelling::{align, translate};
use crate::target::{connect, Postgres};

/// The relations in the schemas a scratch read leaves out (`except`: the
/// database's own, set aside, and head's build) and in schema `strata`:
/// what loading the file must not change.
fn elsewhere(client: &mut impl GenericClient, except: &[String]) -> Result<i64, PgError> {
    let row = client
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = ANY($1) OR n.nspname = 'strata'",
            &[&except],
        )
        .map_err(|e| PgError::server("reading the development database", &e))?;
    Ok(row.get(0))
}

/// What a scratch read leaves out, once `public` is set aside (or not) and
/// before anything is built: every schema the development database has
/// (those of `building` set aside first, under their new names), the real
/// `public` (under its aside name, or its own where it stays), and the
/// scratch schemas `scratch`.
fn scratch_except(
    tx: &mut impl GenericClient,
    pid: u32,
    aside: bool,
    scratch: &[&str],
    building: &BTreeSet<String>,
) -> Result<Vec<String>, PgError> {
    let mut except: Vec<String> = scratch.iter().map(|s| s.to_string()).collect();
    except.push(if aside {
        format!("strata_public_{pid}")
    } else {
        "public".to_string()
    });
    let moved = set_aside(tx, pid, building)?;
    let found = crate::introspect::namespaces(tx, "public", &except)?;
    except.extend(found.into_iter().filter(|n| n != "public"));
    except.extend(moved);
    except.sort();
    except.dedup();
    Ok(except)
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

/// Renames those of schemas `names` the development database has to
/// `strata_aside_<pid>_<n>` for the length of the transaction, so that a
/// scratch build of them (`sales` for `sales.orders`) never meets the
/// database's own. Returns their names now. A schema the role may not
/// rename stays, and the build meets it (the server says what clashes).
pub(crate) fn set_aside(
    tx: &mut impl GenericClient,
    pid: u32,
    names: &BTreeSet<String>,
) -> Result<Vec<String>, PgError> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let mut out = Vec::new();
    let found = crate::introspect::namespaces(tx, "public", &[])?;
    for name in found.iter().filter(|n| names.contains(*n)) {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let aside = format!("strata_aside_{pid}_{n}");
        let renamed = tx.batch_execute(&format!(
            "SAVEPOINT strata_aside; ALTER SCHEMA {} RENAME TO {}; RELEASE SAVEPOINT strata_aside",
            ident(name),
            ident(&aside)
        ));
        if renamed.is_ok() {
            out.push(aside);
        } else {
            tx.batch_execute("ROLLBACK TO SAVEPOINT strata_aside; RELEASE SAVEPOINT strata_aside")
                .map_err(|e| PgError::server("setting a schema aside", &e))?;
            out.push(name.clone());
        }
    }
    Ok(out)
}

/// Renames the schemas other than `public` that `schema` has objects in
/// (a build of it made them) to `strata_<label>_<pid>_<n>`, adding the new
/// names to `except`: what is read next leaves them out.
fn built_aside(
    tx: &mut impl GenericClient,
    schema: &Schema,
    label: &str,
    pid: u32,
    except: &mut Vec<String>,
) -> Result<(), PgError> {
    for (n, name) in crate::render::schemas(schema).iter().enumerate() {
        let aside = format!("strata_{label}_{pid}_{n}");
        tx.batch_execute(&format!(
            "ALTER SCHEMA {} RENAME TO {}",
            ident(name),
            ident(&aside)
        ))
        .map_err(|e| PgError::server("setting a scratch schema aside", &e))?;
        except.push(aside);
    }
    Ok(())
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
    let building: BTreeSet<String> = crate::render::schemas(head)
        .into_iter()
        .chain(crate::ddl::schemas_created(sql))
        .collect();
    let mut except = scratch_except(&mut tx, pid, aside, &[&at_head, &wanted], &building)?;
    let head_ns = enter(&mut tx, &at_head, aside)?;
    for statement in render_schema(head) {
        tx.batch_execute(&statement)
            .map_err(fail("building the schema at head"))?;
    }
    let head_server = crate::introspect::introspect_in(
        &mut tx,
        &head_ns,
        Spaces::Named(&crate::render::schemas(head)),
    )?;
    leave(&mut tx, &at_head, aside)?;
    built_aside(&mut tx, head, "head", pid, &mut except)?;
    except.push(at_head.clone());
    except.retain(|n| n != &wanted);
    let before = elsewhere(&mut tx, &except)?;
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
    if elsewhere(&mut tx, &except)? != before {
        return Err(PgError::new(
            "the desired schema makes objects in schema strata or in a schema of the development database's own: keep its objects in public and in schemas the file makes",
        ));
    }
    let wanted_server =
        crate::introspect::introspect_in(&mut tx, &scratch, Spaces::AllBut(&except))?;
    tx.rollback()
        .map_err(fail("rolling the scratch transaction back"))?;
    let aligned = align(&head_server, head)
        .map_err(|m| PgError::new(format!("building the schema at head: {m}")))?;
    Ok(translate(&wanted_server, head, &aligned))
}

/// The schema of the database at `url`, in the words of `head` wherever it
/// holds what head has: `plan --from-db URL`.
pub fn from_db(target: &Postgres, url: &str, head: &Schema) -> Result<Schema, PgError> {
    // Every schema of that database's own is read: it is the model.
    let live = {
        use strata_target::Target;
        let db = target.open(std::path::Path::new(url))?;
        let now = db.whole_server_schema()?;
        let state = crate::apply::read_state(&mut *db.client())?;
        match state {
            Some(state) => translate(&now, &state.ledger, &state.server),
            None => now,
        }
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
    let pid = std::process::id();
    let aside = public_aside(&mut tx, pid)?;
    set_aside(&mut tx, pid, &crate::render::schemas(head))?;
    let head_ns = enter(&mut tx, &at_head, aside)?;
    for statement in render_schema(head) {
        tx.batch_execute(&statement)
            .map_err(|e| PgError::server("building the schema at head", &e))?;
    }
    let head_server = crate::introspect::introspect_in(
        &mut tx,
        &head_ns,
        Spaces::Named(&crate::render::schemas(head)),
    )?;
    tx.rollback()
        .map_err(|e| PgError::server("rolling the scratch transaction back", &e))?;
    let aligned = align(&head_server, head)
        .map_err(|m| PgError::new(format!("building the schema at head: {m}")))?;
    Ok(translate(&live, head, &aligned))
}
