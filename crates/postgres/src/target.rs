//! The PostgreSQL target through the seam (`strata-target`): a database is
//! reached by a libpq URL, its schema is one namespace (`public` unless
//! told otherwise), and strata's own tables live in schema `strata`.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use postgres::{Client, NoTls};
use strata_schema::diff::{Change, Constraint};
use strata_schema::{Difference, Op, PrimaryKey, Rules, Schema};
use strata_target::words::{self, Words};
use strata_target::{Applied, Kept, Legacy, Mover, Position, Stage, Step};

use crate::custody::Custody;
use crate::error::PgError;
use crate::plan::Plan;
use crate::render::{self, ident};

/// PostgreSQL's rules for the model.
pub fn rules() -> &'static dyn Rules {
    strata_dialect::postgres::RULES
}

/// The PostgreSQL target.
#[derive(Debug, Clone)]
pub struct Postgres {
    /// The schema (namespace) strata keeps: `public` by default.
    pub namespace: String,
    /// How long a statement waits for a lock before the apply gives up.
    pub lock_timeout: Duration,
    /// A development database that record-time proofs run on, in a
    /// scratch schema of their own.
    pub dev: Option<String>,
}

impl Default for Postgres {
    fn default() -> Postgres {
        Postgres {
            namespace: "public".to_string(),
            lock_timeout: Duration::from_secs(5),
            dev: None,
        }
    }
}

/// Whether `location` names a PostgreSQL database (a libpq URL) rather
/// than a SQLite file.
pub fn is_url(location: &str) -> bool {
    location.starts_with("postgresql://") || location.starts_with("postgres://")
}

/// `url` with its password left out, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.split_once('@') {
        Some((auth, host)) if !auth.contains('/') => (auth, host),
        _ => return url.to_string(),
    };
    let user = auth.split(':').next().unwrap_or_default();
    format!("{scheme}://{user}@{host}")
}

/// How long a connection waits for a server that does not answer, unless
/// the URL says (`connect_timeout=SECONDS`).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to `url` with `lock_timeout` and the search path set
/// before anything else is read: the catalog functions themselves wait
/// behind an ACCESS EXCLUSIVE lock.
pub fn connect(url: &str, ns: &str, lock_timeout: Duration) -> Result<Client, PgError> {
    let name = redact(url);
    let help = "check the URL: postgresql://USER[:PASSWORD]@HOST:PORT/DB, or postgresql://USER@/DB?host=/socket/dir&port=N";
    let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
        PgError::new(format!(
            "{name} is not a PostgreSQL URL strata can read: {e}"
        ))
        .help(help)
    })?;
    // A server that does not answer is given up on, rather than waited for
    // as long as TCP would.
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    let mut client = config.connect(NoTls).map_err(|e| {
        let err = PgError::server(&format!("{name}: cannot connect"), &e);
        if e.as_db_error()
            .is_some_and(|d| d.code() == &postgres::error::SqlState::INVALID_CATALOG_NAME)
        {
            err.help("create the database first (createdb NAME, or CREATE DATABASE)")
        } else {
            err.help(help)
        }
    })?;
    client
        .batch_execute(&format!(
            "SET lock_timeout = {}; SET search_path = {}",
            lock_timeout.as_millis().max(1),
            ident(ns)
        ))
        .map_err(|e| PgError::server("setting up the session", &e))?;
    let exists: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&ns],
        )
        .map_err(|e| PgError::server("reading the schema", &e))?
        .get(0);
    if !exists {
        return Err(
            PgError::new(format!("{name}: there is no schema {ns} in the database")).help(format!(
                "create it (CREATE SCHEMA {}) or choose another",
                ident(ns)
            )),
        );
    }
    Ok(client)
}

fn location_url(location: &Path) -> Result<&str, PgError> {
    location
        .to_str()
        .filter(|s| is_url(s))
        .ok_or_else(|| PgError::new(format!("{} is not a PostgreSQL URL", location.display())))
}

/// An open PostgreSQL database.
pub struct PostgresDb {
    client: RefCell<Client>,
    name: String,
    namespace: String,
    /// Schemas other than `public` to read besides those of the ledger's
    /// schema where the database stands ([`PostgresDb::read_also`]).
    also: RefCell<BTreeSet<String>>,
}

impl std::fmt::Debug for PostgresDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresDb")
            .field("name", &self.name)
            .finish()
    }
}

/// `e` with the relations other sessions hold locks on named, when `e` is
/// a lock that was not granted in time: what the apply waited behind.
fn name_the_lock(client: &mut Client, ns: &str, mut e: PgError) -> PgError {
    if !e.lock_timeout {
        return e;
    }
    let held = client.query(
        "SELECT DISTINCT n.nspname::text, c.relname::text, l.mode, l.pid FROM pg_locks l \
         JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE l.granted AND l.pid <> pg_backend_pid() AND n.nspname IN ($1, 'strata') \
         ORDER BY 1, 2, 4",
        &[&ns],
    );
    let held: Vec<String> = held
        .into_iter()
        .flatten()
        .map(|r| {
            let (n, c, mode, pid): (String, String, String, i32) =
                (r.get(0), r.get(1), r.get(2), r.get(3));
            format!("{n}.{c} ({mode}, by process {pid})")
        })
        .collect();
    if !held.is_empty() {
        e.message.push_str(&format!(
            "; other sessions hold locks on {}",
            held.join(", ")
        ));
    }
    e
}

impl PostgresDb {
    /// The connection, for a caller that reads the database itself.
    pub fn client(&self) -> std::cell::RefMut<'_, Client> {
        self.client.borrow_mut()
    }

    /// Reads schemas `names` too from now on (beside `public` and the
    /// schemas of the ledger's schema where the database stands): the
    /// schemas of the ledger at head for a baseline, those the user names.
    /// `*` stands for every schema of the database's own (not PostgreSQL's,
    /// strata's or an extension's).
    pub fn read_also(&self, names: impl IntoIterator<Item = String>) {
        self.also.borrow_mut().extend(names);
    }

    /// The live schema in the server's spelling, untranslated: `public`,
    /// the schemas the ledger's schema where the database stands has
    /// objects in, and those of [`PostgresDb::read_also`].
    pub fn server_schema(&self) -> Result<Schema, PgError> {
        let state = crate::apply::read_state(&mut *self.client())?;
        self.server_schema_at(state.as_ref())
    }

    /// [`PostgresDb::server_schema`], where the database stands at
    /// `state` (read by the caller).
    fn server_schema_at(&self, state: Option<&crate::apply::State>) -> Result<Schema, PgError> {
        if self.also.borrow().contains("*") {
            return self.whole_server_schema();
        }
        let mut named = self.also.borrow().clone();
        if let Some(state) = state {
            named.extend(render::schemas(&state.ledger));
        }
        let mut client = self.client.borrow_mut();
        crate::introspect::introspect_in(
            &mut *client,
            &self.namespace,
            crate::introspect::Spaces::Named(&named),
        )
        .map_err(|e| name_the_lock(&mut client, &self.namespace, e))
    }

    /// The live schema in the server's spelling, every schema of the
    /// database's own read (`plan --from-db`).
    pub fn whole_server_schema(&self) -> Result<Schema, PgError> {
        let mut client = self.client.borrow_mut();
        crate::introspect::introspect_in(
            &mut *client,
            &self.namespace,
            crate::introspect::Spaces::AllBut(&[]),
        )
        .map_err(|e| name_the_lock(&mut client, &self.namespace, e))
    }
}

struct PgWords;

impl Words for PgWords {
    fn ident(&self, name: &str) -> String {
        ident(name)
    }

    fn option(&self, option: &str) -> String {
        option.to_string()
    }

    fn constraint(&self, c: &Constraint) -> String {
        match c {
            Constraint::Unique(u) => render::unique(u),
            Constraint::Check(c) => render::check(c),
            Constraint::ForeignKey(fk) => render::foreign_key(fk),
        }
    }

    fn primary_key(&self, pk: &PrimaryKey) -> String {
        render::primary_key(pk)
    }
}

impl strata_target::Target for Postgres {
    type Database = PostgresDb;
    type Scratch = Scratch;
    type Error = PgError;

    fn dialect(&self) -> &'static str {
        "postgres"
    }

    fn engine(&self) -> &'static str {
        "PostgreSQL"
    }

    fn open(&self, location: &Path) -> Result<PostgresDb, PgError> {
        let url = location_url(location)?;
        Ok(PostgresDb {
            client: RefCell::new(connect(url, &self.namespace, self.lock_timeout)?),
            name: redact(url),
            namespace: self.namespace.clone(),
            also: RefCell::default(),
        })
    }

    /// A database to build from nothing: it must exist (PostgreSQL
    /// databases are made by their owners) and hold nothing in the schema
    /// and nothing of strata's.
    fn create(&self, location: &Path) -> Result<PostgresDb, PgError> {
        let db = self.open(location)?;
        let (objects, strata): (i64, bool) = {
            let row = db
                .client()
                .query_one(
                    "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')), \
                     EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'strata')",
                    &[&self.namespace],
                )
                .map_err(|e| PgError::server("reading the schema", &e))?;
            (row.get(0), row.get(1))
        };
        if objects > 0 || strata {
            return Err(PgError::new(format!(
                "{}: the database is not empty ({} in schema {}{}); checkout builds only into an empty database",
                db.name,
                if objects == 1 { "1 object".to_string() } else { format!("{objects} objects") },
                self.namespace,
                if strata { ", and strata's own schema" } else { "" }
            ))
            .help("give an empty database, or move this one with apply"));
        }
        Ok(db)
    }

    fn render(&self, schema: &Schema) -> Vec<String> {
        render::render_schema(schema)
    }

    fn difference(&self, difference: &Difference) -> String {
        words::difference(&PgWords, difference)
    }

    fn change(&self, change: &Change) -> String {
        words::change_between(&PgWords, change)
    }

    fn statements(&self, from: &Schema, steps: &[Step]) -> Result<Vec<String>, PgError> {
        let plan = crate::plan::plan(
            rules(),
            from,
            steps,
            &Custody {
                next_id: 1,
                ..Custody::default()
            },
        )?;
        Ok(plan
            .statements
            .into_iter()
            .map(|s| format!("{};", s.sql.trim_end().trim_end_matches(';')))
            .collect())
    }

    fn read_schema(&self, location: &Path) -> Result<Schema, PgError> {
        use strata_target::Database;
        self.open(location)?.introspect()
    }

    fn scratch(&self, schema: &Schema) -> Result<Scratch, PgError> {
        Scratch::new(self, schema)
    }

    fn reach(&self, schema: &Schema, _ops: &mut dyn Iterator<Item = &Op>) -> Schema {
        schema.clone()
    }
}

impl strata_target::Database for PostgresDb {
    type Plan = Plan;
    type Error = PgError;

    fn name(&self) -> String {
        self.name.clone()
    }

    fn position(&self) -> Result<Option<Position>, PgError> {
        Ok(crate::apply::read_state(&mut *self.client())?.map(|s| s.position))
    }

    /// Whether the server renders the schema exactly as it did when the
    /// last apply left it. PostgreSQL keeps no cheap mark of schema
    /// changes that every role can read, so this reads the catalog once.
    fn sealed(&self) -> Result<bool, PgError> {
        let Some(state) = crate::apply::read_state(&mut *self.client())? else {
            return Ok(false);
        };
        let now = self.server_schema_at(Some(&state))?;
        Ok(
            crate::spelling::align(&now, &state.ledger)
                .is_ok_and(|aligned| aligned == state.server),
        )
    }

    fn introspect(&self) -> Result<Schema, PgError> {
        let state = crate::apply::read_state(&mut *self.client())?;
        let now = self.server_schema_at(state.as_ref())?;
        Ok(match state {
            Some(state) => crate::spelling::translate(&now, &state.ledger, &state.server),
            None => now,
        })
    }

    fn plan(&self, from: &Schema, steps: &[Step], _legacy: Legacy<'_>) -> Result<Plan, PgError> {
        let custody = Custody::load(&mut *self.client())?;
        crate::plan::plan(rules(), from, steps, &custody)
    }

    fn apply(
        &mut self,
        plan: &Plan,
        from: Option<&Position>,
        to: &Position,
        target: &Schema,
        mover: &Mover,
    ) -> Result<Applied, PgError> {
        let client = self.client.get_mut();
        crate::apply::apply(client, &self.namespace, plan, from, to, target, mover)
            .map_err(|e| name_the_lock(client, &self.namespace, e))
    }

    fn archives(&self, _legacy: Legacy<'_>) -> Result<Vec<Kept>, PgError> {
        let mut client = self.client();
        Custody::load(&mut *client)?.kept(&mut *client)
    }

    fn purge(&mut self, before: u64, _legacy: Legacy<'_>) -> Result<Vec<Kept>, PgError> {
        let client = self.client.get_mut();
        let fail = |e: postgres::Error| PgError::server("purging archives", &e);
        let mut tx = client.transaction().map_err(fail)?;
        tx.query_one(
            "SELECT pg_advisory_xact_lock($1)",
            &[&crate::apply::LOCK_KEY],
        )
        .map_err(fail)?;
        crate::apply::fresh_catalog(&mut tx).map_err(fail)?;
        let custody = Custody::load(&mut tx)?;
        let gone: Vec<Kept> = custody
            .kept(&mut tx)?
            .into_iter()
            .filter(|k| k.seq <= before)
            .collect();
        for k in &gone {
            tx.batch_execute(&format!(
                "DROP TABLE IF EXISTS {}",
                qualified_archive(&k.archive_table)
            ))
            .map_err(fail)?;
            tx.execute(
                "UPDATE strata.\"archives\" SET \"purged_at\" = now() WHERE \"id\" = $1",
                &[&k.id],
            )
            .map_err(fail)?;
        }
        tx.commit().map_err(fail)?;
        Ok(gone)
    }

    /// Nothing to remove: an apply that failed changed nothing, and the
    /// database itself is its owner's.
    fn discard(self) -> Result<(), PgError> {
        Ok(())
    }
}

/// `strata.archive_N` as [`Kept::archive_table`] writes it, quoted.
fn qualified_archive(name: &str) -> String {
    let bare = name.strip_prefix("strata.").unwrap_or(name);
    format!("strata.{}", ident(bare))
}

impl strata_target::Plan for Plan {
    fn is_empty(&self) -> bool {
        Plan::is_empty(self)
    }

    fn sql(&self) -> String {
        Plan::sql(self)
    }

    fn losses(&self) -> &[strata_target::Loss] {
        &self.losses
    }

    fn set_note(&mut self, note: String) {
        self.note = Some(note);
    }
}

/// A scratch schema in the development database: a change is proven by
/// running it there, forwards and back, in a transaction that is rolled
/// back, so nothing is left behind.
pub struct Scratch {
    client: Client,
    namespace: String,
    schema: Schema,
    /// The id the next scratch archive gets.
    next_id: i64,
    /// The schemas other than `public` the scratch has made, or found
    /// none of the database's own under the name of.
    ours: std::collections::BTreeSet<String>,
}

/// Renames scratch schema `ns` to `public` for the length of the
/// transaction, the real `public` set aside under another name, so that
/// SQL kept as written that names `public.` (pg_dump qualifies every name:
/// `CREATE TRIGGER ... ON public.actor`, `INSERT INTO public.actor`) runs
/// in the scratch schema, as it runs in `public` on a target. A role that
/// does not own `public` cannot: the scratch schema keeps its name, and
/// such SQL fails there with the server's message.
fn stand_in_for_public(client: &mut Client, ns: &str) -> Result<(), postgres::Error> {
    let renamed = client.batch_execute(&format!(
        "SAVEPOINT strata_public; ALTER SCHEMA public RENAME TO {aside}; \
         ALTER SCHEMA {ns} RENAME TO public; SET LOCAL search_path = public; \
         RELEASE SAVEPOINT strata_public",
        aside = ident(&format!("{ns}_public")),
        ns = ident(ns)
    ));
    if renamed.is_err() {
        client.batch_execute(
            "ROLLBACK TO SAVEPOINT strata_public; RELEASE SAVEPOINT strata_public",
        )?;
    }
    Ok(())
}

impl Scratch {
    fn new(target: &Postgres, schema: &Schema) -> Result<Scratch, PgError> {
        let Some(url) = &target.dev else {
            return Err(PgError::new(
                "a PostgreSQL ledger proves each change on a development database before it is recorded, and none was given",
            )
            .help("give one with --dev-db URL (or STRATA_DEV_DB): strata works in a scratch schema there and leaves nothing behind"));
        };
        let namespace = format!("strata_scratch_{}", std::process::id());
        let mut client = connect(url, "public", target.lock_timeout)?;
        let fail = |e: postgres::Error| PgError::server("making a scratch schema", &e);
        client
            .batch_execute(&format!(
                "BEGIN; CREATE SCHEMA {ns}; SET LOCAL search_path = {ns}",
                ns = ident(&namespace)
            ))
            .map_err(fail)?;
        stand_in_for_public(&mut client, &namespace).map_err(fail)?;
        // The development database's schemas of the same names as the
        // ledger's are set aside, so those the build makes are new.
        let ours = render::schemas(schema);
        crate::desired::set_aside(&mut client, std::process::id(), &ours)?;
        for sql in render::render_schema(schema) {
            client.batch_execute(&sql).map_err(|e| {
                PgError::server("building the schema before the change", &e).at_stage(Stage::Before)
            })?;
        }
        Ok(Scratch {
            client,
            namespace,
            schema: schema.clone(),
            next_id: 1,
            ours,
        })
    }

    fn run(&mut self, steps: &[Step], stage: Stage) -> Result<(), PgError> {
        // A schema the change makes, that the database has of its own, is
        // set aside first.
        let new: std::collections::BTreeSet<String> = steps
            .iter()
            .flat_map(|s| &s.ops)
            .filter_map(render::schema_made_by)
            .filter(|s| !self.ours.contains(*s))
            .map(str::to_string)
            .collect();
        if !new.is_empty() {
            crate::desired::set_aside(&mut self.client, std::process::id(), &new)
                .map_err(|e| e.at_stage(stage))?;
            self.ours.extend(new);
        }
        let custody = Custody {
            next_id: self.next_id,
            ..Custody::default()
        };
        let archives = format!("{}_strata", self.namespace);
        let plan = crate::plan::plan_in(rules(), &self.schema, steps, &custody, &archives)
            .map_err(|e| e.at_stage(stage))?;
        self.next_id += plan.archives.len() as i64;
        for s in &plan.statements {
            self.client
                .batch_execute(&s.sql)
                .map_err(|e| PgError::server("running the change", &e).at_stage(stage))?;
        }
        for step in steps {
            for op in &step.ops {
                strata_schema::project(rules(), &mut self.schema, op)
                    .map_err(|e| PgError::new(e.to_string()).at_stage(stage))?;
            }
        }
        Ok(())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = self.client.batch_execute("ROLLBACK");
    }
}

impl strata_target::Scratch for Scratch {
    type Error = PgError;

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn forward(&mut self, steps: &[Step]) -> Result<(), PgError> {
        let ns = ident(&format!("{}_strata", self.namespace));
        self.client
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {ns}"))
            .map_err(|e| PgError::server("making a scratch schema", &e))?;
        self.run(steps, Stage::Event)
    }

    fn undo(&mut self, steps: &[Step], back_to: &Schema) -> Result<(), PgError> {
        self.run(steps, Stage::Undo)?;
        if &self.schema != back_to {
            return Err(
                PgError::new("undoing the change does not give back the schema before it")
                    .at_stage(Stage::Undo),
            );
        }
        Ok(())
    }
}
