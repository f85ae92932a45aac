//! PostgreSQL's table-level features end to end against a real server:
//! identity columns, primary keys added and dropped by their own ops,
//! index access methods and INCLUDE columns, and triggers of one name on
//! two tables. Each change is read from SQL by the target's DDL reader
//! (as `strata record` reads it), appended to a PostgreSQL ledger, and
//! applied: the database stands at every point with no drift, a change
//! made by hand shows as drift, and undoing the drop of a table or column
//! with an identity brings its rows back with the identity's sequence
//! past them, so later inserts do not collide.

use std::path::{Path, PathBuf};

use strata_ledger::{Body, Dialect, Draft, Ledger};
use strata_reconcile::Reconciler;
use tempfile::TempDir;

mod support;

use support::{pg, Pg};

impl Pg {
    /// A database, with the trigger function the changes name (kept in a
    /// schema of its own: strata's target keeps schema public).
    fn prepared(&self, hint: &str) -> PathBuf {
        let location = self.database(hint);
        self.client(&location)
            .batch_execute(
                "CREATE SCHEMA util;
                 CREATE FUNCTION util.touch() RETURNS trigger LANGUAGE plpgsql AS
                 $$ BEGIN RETURN NEW; END $$;",
            )
            .expect("the trigger function");
        location
    }

    fn run(&self, location: &Path, sql: &str) {
        self.client(location)
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The rows of `query`, each as its text columns joined by `|`.
    fn rows(&self, location: &Path, query: &str) -> Vec<String> {
        self.client(location)
            .query(query, &[])
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.get::<_, Option<String>>(i).unwrap_or("NULL".into()))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    }
}

fn ledger() -> (TempDir, Ledger) {
    let dir = TempDir::new().expect("temp dir");
    let ledger = Ledger::init_with(dir.path().join("ledger"), Dialect::Postgres).expect("init");
    (dir, ledger)
}

/// Records `sql` as one change, as `strata record` reads it, with the SQL
/// that undoes its data steps.
fn record(ledger: &Ledger, sql: &str, revert_sql: Option<&str>) {
    let head = ledger.schema_at(ledger.head_seq()).expect("head");
    let ops = strata_postgres::ddl::parse_change(sql, &head).unwrap_or_else(|e| panic!("{e}"));
    append(
        ledger,
        Body::Change {
            ops,
            revert_sql: revert_sql.map(str::to_string),
        },
    );
}

fn append(ledger: &Ledger, body: Body) {
    ledger
        .append(Draft {
            at: None,
            author: "test".to_string(),
            message: "change".to_string(),
            body,
        })
        .expect("append");
}

fn revert(ledger: &Ledger, seq: u64) {
    let body = ledger.revert_body(seq, false).expect("a revert");
    append(ledger, body);
}

fn move_to(pg: &Pg, ledger: &Ledger, location: &Path, to: u64) {
    pg.move_to(ledger, location, to);
    stands_at(pg, ledger, location, to);
}

/// The database stands at `seq` with the ledger's schema and no drift.
fn stands_at(pg: &Pg, ledger: &Ledger, location: &Path, seq: u64) {
    let drift = drift(pg, ledger, location);
    assert!(drift.is_empty(), "drift at {seq}: {drift:?}");
    let r = Reconciler::new(&pg.target, ledger);
    let db = r.open(location).expect("open");
    let survey = r.survey(&db).expect("survey");
    assert_eq!(survey.seq(), seq);
    assert_eq!(survey.expected, ledger.schema_at(seq).expect("schema"));
}

fn drift(pg: &Pg, ledger: &Ledger, location: &Path) -> Vec<String> {
    let r = Reconciler::new(&pg.target, ledger);
    let db = r.open(location).expect("open");
    let survey = r.survey(&db).expect("survey");
    survey.drift.iter().map(|d| format!("{d:?}")).collect()
}

const ACTOR_ROWS: &str = "SELECT actor_id::text, name FROM actor ORDER BY actor_id";
const FILM_ROWS: &str = "SELECT film_id::text, title, n::text FROM film ORDER BY film_id";

/// The history the tests share: five changes.
fn history(ledger: &Ledger) {
    // 1: an identity column, GENERATED ALWAYS.
    record(
        ledger,
        "SET statement_timeout = 0;
         SELECT pg_catalog.set_config('search_path', '', false);
         CREATE TABLE public.actor (
             actor_id int GENERATED ALWAYS AS IDENTITY,
             name text NOT NULL
         );
         ALTER TABLE public.actor OWNER TO postgres;
         INSERT INTO public.actor (name) VALUES ('ann'), ('bob'), ('cy');",
        Some("DELETE FROM actor"),
    );
    // 2: a primary key by its own op, as pg_dump writes it; a table with
    // an identity BY DEFAULT, a gist index, a hash index and one with
    // INCLUDE columns.
    record(
        ledger,
        "ALTER TABLE ONLY public.actor ADD CONSTRAINT actor_pkey PRIMARY KEY (actor_id);
         CREATE TABLE film (
             film_id int GENERATED BY DEFAULT AS IDENTITY,
             title text,
             fulltext tsvector,
             n int
         );
         INSERT INTO film (title, fulltext, n) VALUES ('a', 'x y', 1), ('b', 'y z', 2);
         INSERT INTO film (film_id, title, n) VALUES (40, 'c', 3);
         CREATE INDEX film_fulltext_idx ON public.film USING gist (fulltext);
         CREATE INDEX ON film USING hash (title);
         CREATE INDEX ON film (title) INCLUDE (n);",
        Some("DELETE FROM film"),
    );
    // 3: two triggers of one name on two tables.
    record(
        ledger,
        "CREATE TRIGGER touch BEFORE UPDATE ON actor FOR EACH ROW EXECUTE FUNCTION util.touch();
         CREATE TRIGGER touch BEFORE UPDATE ON film FOR EACH ROW EXECUTE FUNCTION util.touch();",
        None,
    );
    // 4: one trigger dropped, an identity changed, the key dropped, a
    // column made an identity.
    record(
        ledger,
        "DROP TRIGGER touch ON actor;
         ALTER TABLE film ALTER film_id SET GENERATED ALWAYS;
         ALTER TABLE actor DROP CONSTRAINT actor_pkey;
         ALTER TABLE film ALTER n SET NOT NULL, ALTER n ADD GENERATED BY DEFAULT AS IDENTITY;",
        None,
    );
    // 5: the table and the identity column dropped.
    record(
        ledger,
        "DROP TABLE actor; ALTER TABLE film DROP COLUMN film_id;",
        None,
    );
}

#[test]
fn table_features_stand_at_every_point_without_drift() {
    let pg = pg();
    let (_dir, ledger) = ledger();
    history(&ledger);
    let head = ledger.head_seq();
    assert_eq!(head, 5);
    // In one apply, then every point back and forth (checkout).
    let a = pg.prepared("a");
    move_to(&pg, &ledger, &a, head);
    for to in (0..head).rev() {
        move_to(&pg, &ledger, &a, to);
    }
    for to in 1..=head {
        move_to(&pg, &ledger, &a, to);
    }
    // Each point built afresh in one apply.
    for to in 1..=head {
        let b = pg.prepared(&format!("b{to}"));
        move_to(&pg, &ledger, &b, to);
    }
}

#[test]
fn moving_back_brings_the_rows_back_with_identities_past_them() {
    let pg = pg();
    let (_dir, ledger) = ledger();
    history(&ledger);
    let a = pg.prepared("a");
    move_to(&pg, &ledger, &a, 4);
    let actors = pg.rows(&a, ACTOR_ROWS);
    let films = pg.rows(&a, FILM_ROWS);
    assert_eq!(actors, ["1|ann", "2|bob", "3|cy"]);
    assert_eq!(films, ["1|a|1", "2|b|2", "40|c|3"]);
    move_to(&pg, &ledger, &a, 5);
    move_to(&pg, &ledger, &a, 4);
    assert_eq!(pg.rows(&a, ACTOR_ROWS), actors);
    assert_eq!(pg.rows(&a, FILM_ROWS), films);
    // The sequences stand past the rows restored: new rows take the next
    // values, and GENERATED ALWAYS is still in force.
    pg.run(&a, "INSERT INTO actor (name) VALUES ('dee')");
    pg.run(&a, "INSERT INTO film (title) VALUES ('d')");
    assert_eq!(pg.rows(&a, ACTOR_ROWS).last().unwrap(), "4|dee");
    assert_eq!(pg.rows(&a, FILM_ROWS).last().unwrap(), "41|d|4");
    let refused = pg
        .client(&a)
        .batch_execute("INSERT INTO actor (actor_id, name) VALUES (9, 'x')");
    assert!(refused.is_err(), "actor_id is GENERATED ALWAYS");
}

#[test]
fn a_revert_brings_the_rows_back_with_identities_past_them() {
    let pg = pg();
    let (_dir, ledger) = ledger();
    history(&ledger);
    let a = pg.prepared("a");
    move_to(&pg, &ledger, &a, 5);
    revert(&ledger, 5);
    move_to(&pg, &ledger, &a, 6);
    assert_eq!(pg.rows(&a, ACTOR_ROWS), ["1|ann", "2|bob", "3|cy"]);
    assert_eq!(pg.rows(&a, FILM_ROWS), ["1|a|1", "2|b|2", "40|c|3"]);
    pg.run(&a, "INSERT INTO actor (name) VALUES ('dee')");
    pg.run(&a, "INSERT INTO film (title) VALUES ('d')");
    assert_eq!(pg.rows(&a, ACTOR_ROWS).last().unwrap(), "4|dee");
    assert_eq!(pg.rows(&a, FILM_ROWS).last().unwrap(), "41|d|4");
    // The revert of the key's drop and the trigger's.
    revert(&ledger, 4);
    move_to(&pg, &ledger, &a, 7);
    let key = pg.rows(
        &a,
        "SELECT conname::text FROM pg_constraint WHERE conrelid = 'actor'::regclass AND contype = 'p'",
    );
    assert_eq!(key, ["actor_pkey"]);
    let triggers = pg.rows(
        &a,
        "SELECT tgrelid::regclass::text || '.' || tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
    );
    assert_eq!(triggers, ["actor.touch", "film.touch"]);
}

#[test]
fn changes_by_hand_show_as_drift() {
    let pg = pg();
    let (_dir, ledger) = ledger();
    history(&ledger);
    for (n, by_hand) in [
        "ALTER TABLE film ALTER film_id DROP IDENTITY",
        "ALTER TABLE film ALTER film_id SET GENERATED ALWAYS",
        "DROP INDEX film_fulltext_idx; CREATE INDEX film_fulltext_idx ON film USING gin (fulltext)",
        "DROP INDEX film_title_n_idx; CREATE INDEX film_title_n_idx ON film (title)",
        "DROP TRIGGER touch ON film",
        "ALTER TABLE actor DROP CONSTRAINT actor_pkey",
    ]
    .into_iter()
    .enumerate()
    {
        let a = pg.prepared(&format!("d{n}"));
        move_to(&pg, &ledger, &a, 3);
        pg.run(&a, by_hand);
        assert!(
            !drift(&pg, &ledger, &a).is_empty(),
            "no drift after {by_hand}"
        );
    }
}
