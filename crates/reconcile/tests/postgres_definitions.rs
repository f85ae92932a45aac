//! PostgreSQL definitions kept whole (sequences, enum and composite types,
//! domains, functions, procedures, aggregates, materialized views,
//! comments), against a real server: recorded from SQL by the target's
//! reader, applied, read back clean, seen as drift when changed by hand,
//! reverted with the rows back, and checked out into an empty database.
//! The material is Pagila's where it fits.

use std::path::Path;

use strata_ledger::{Body, Dialect, Draft, Ledger};
use strata_reconcile::{Mover, Reconciler};
use tempfile::TempDir;

mod support;

use support::{pg, Pg};

impl Pg {
    /// The rows of `sql`, each as text.
    fn rows(&self, location: &Path, sql: &str) -> Vec<String> {
        self.client(location)
            .query(&format!("SELECT ({sql})::text"), &[])
            .expect("query")
            .iter()
            .map(|r| r.get::<_, Option<String>>(0).unwrap_or_default())
            .collect()
    }
}

/// A PostgreSQL ledger, and the change events recorded into it.
struct History {
    _dir: TempDir,
    ledger: Ledger,
}

fn history() -> History {
    let dir = TempDir::new().expect("temp dir");
    let ledger = Ledger::init_with(dir.path().join("ledger"), Dialect::Postgres).expect("init");
    History { _dir: dir, ledger }
}

impl History {
    /// Records `sql` as one change, read as `strata record` reads it.
    fn record(&self, sql: &str) {
        let head = self
            .ledger
            .schema_at(self.ledger.head_seq())
            .expect("the head schema");
        let ops = strata_postgres::ddl::parse_change(sql, &head)
            .unwrap_or_else(|e| panic!("{sql}\n: {e}"));
        self.ledger
            .append(Draft {
                at: None,
                author: "test".to_string(),
                message: "change".to_string(),
                body: Body::Change {
                    ops,
                    revert_sql: None,
                },
            })
            .expect("append");
    }

    fn revert(&self, seq: u64) {
        let body = self.ledger.revert_body(seq, false).expect("a revert");
        self.ledger
            .append(Draft {
                at: None,
                author: "test".to_string(),
                message: "revert".to_string(),
                body,
            })
            .expect("append the revert");
    }

    fn head(&self) -> u64 {
        self.ledger.head_seq()
    }
}

fn move_to(pg: &Pg, h: &History, location: &Path, to: u64) {
    pg.move_to(&h.ledger, location, to);
}

/// What the survey of `location` finds drifted.
fn drift(pg: &Pg, h: &History, location: &Path) -> String {
    let r = Reconciler::new(&pg.target, &h.ledger);
    let db = r.open(location).expect("open");
    let survey = r.survey(&db).expect("survey");
    if survey.drift.is_empty() {
        String::new()
    } else {
        format!("{:?}", survey.drift)
    }
}

fn clean(pg: &Pg, h: &History, location: &Path) {
    let d = drift(pg, h, location);
    assert!(d.is_empty(), "drift: {d}");
}

const PAGILA_TYPES: &str = "
CREATE TYPE mpaa_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17');
CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);
CREATE DOMAIN \"bıgınt\" AS bigint;
CREATE SEQUENCE film_film_id_seq;
CREATE FUNCTION last_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.last_update = CURRENT_TIMESTAMP;
    RETURN NEW;
END $$;
CREATE FUNCTION _group_concat(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS $_$
SELECT CASE
  WHEN $2 IS NULL THEN $1
  WHEN $1 IS NULL THEN $2
  ELSE $1 || ', ' || $2
END
$_$;
CREATE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text);
CREATE TABLE film (
    film_id integer DEFAULT nextval('film_film_id_seq'::regclass) NOT NULL PRIMARY KEY,
    title text NOT NULL,
    release_year year,
    rating mpaa_rating DEFAULT 'G'::mpaa_rating,
    views \"bıgınt\",
    last_update timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TABLE language (language_id serial PRIMARY KEY, name text NOT NULL);
CREATE TRIGGER last_updated BEFORE UPDATE ON film FOR EACH ROW EXECUTE FUNCTION last_updated();
CREATE MATERIALIZED VIEW film_by_rating AS SELECT rating, group_concat(title) AS titles, count(*) AS n FROM film GROUP BY rating WITH NO DATA;
COMMENT ON TABLE film IS 'Films, one a row';
COMMENT ON COLUMN film.title IS 'The film''s title';
COMMENT ON TYPE mpaa_rating IS 'MPAA ratings';
COMMENT ON FUNCTION last_updated() IS 'Sets last_update';
";

const ROWS: &str = "
INSERT INTO film (title, release_year, rating, views) VALUES
  ('ACADEMY DINOSAUR', 2006, 'PG', 10), ('ACE GOLDFINGER', 2006, 'G', 20),
  ('ADAPTATION HOLES', 2007, 'NC-17', NULL);
INSERT INTO language (name) VALUES ('English'), ('Italian');
";

#[test]
fn pagila_definitions_apply_read_back_clean_and_check_out() {
    let pg = pg();
    let h = history();
    h.record(PAGILA_TYPES);
    h.record(ROWS);
    let a = pg.database("a");
    move_to(&pg, &h, &a, h.head());
    clean(&pg, &h, &a);
    assert_eq!(
        pg.rows(
            &a,
            "SELECT string_agg(title, '|' ORDER BY film_id) FROM film"
        ),
        vec!["ACADEMY DINOSAUR|ACE GOLDFINGER|ADAPTATION HOLES"]
    );
    assert_eq!(
        pg.rows(&a, "SELECT group_concat(title ORDER BY title) FROM film"),
        vec!["ACADEMY DINOSAUR, ACE GOLDFINGER, ADAPTATION HOLES"]
    );
    assert_eq!(
        pg.rows(&a, "SELECT obj_description('film'::regclass)"),
        vec!["Films, one a row"]
    );
    // A checkout into an empty database builds the same schema, clean.
    let b = pg.database("b");
    move_to(&pg, &h, &b, 1);
    clean(&pg, &h, &b);
    assert_eq!(pg.rows(&b, "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"), vec!["3"]);
}

#[test]
fn definitions_changed_by_hand_show_as_drift() {
    let pg = pg();
    let h = history();
    h.record(PAGILA_TYPES);
    let cases = [
        "ALTER TYPE mpaa_rating ADD VALUE 'X'",
        "ALTER DOMAIN year DROP CONSTRAINT year_check",
        "ALTER SEQUENCE film_film_id_seq INCREMENT BY 5",
        "CREATE OR REPLACE FUNCTION last_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "COMMENT ON TABLE film IS 'changed'",
        "COMMENT ON TABLE film IS NULL",
        "DROP MATERIALIZED VIEW film_by_rating",
        "CREATE TYPE other AS (a integer, b text)",
    ];
    for (k, by_hand) in cases.iter().enumerate() {
        let db = pg.database(&format!("d{k}"));
        move_to(&pg, &h, &db, h.head());
        clean(&pg, &h, &db);
        pg.client(&db)
            .batch_execute(by_hand)
            .expect("a change by hand");
        assert!(!drift(&pg, &h, &db).is_empty(), "no drift after {by_hand}");
    }
}

#[test]
fn definitions_replaced_dropped_and_reverted() {
    let pg = pg();
    let h = history();
    h.record(PAGILA_TYPES);
    h.record(ROWS);
    h.record(
        "CREATE OR REPLACE FUNCTION last_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.last_update = '2020-01-01'::timestamptz;
    RETURN NEW;
END $$;
COMMENT ON TABLE film IS 'All the films';
COMMENT ON COLUMN film.title IS NULL;",
    );
    let db = pg.database("a");
    move_to(&pg, &h, &db, h.head());
    clean(&pg, &h, &db);
    pg.client(&db)
        .batch_execute("UPDATE film SET views = 1 WHERE film_id = 1")
        .expect("update");
    assert_eq!(
        pg.rows(&db, "SELECT last_update FROM film WHERE film_id = 1"),
        vec!["2020-01-01 00:00:00+00"]
    );
    h.revert(3);
    move_to(&pg, &h, &db, h.head());
    clean(&pg, &h, &db);
    assert_eq!(
        pg.rows(&db, "SELECT col_description('film'::regclass, 2)"),
        vec!["The film's title"]
    );
    // Dropping the lot (the serial's sequence goes with its table, as in
    // PostgreSQL), and back.
    h.record(
        "DROP MATERIALIZED VIEW film_by_rating;
DROP TABLE film;
DROP TABLE language;
DROP AGGREGATE group_concat(text);
DROP FUNCTION _group_concat(text, text), last_updated();
DROP SEQUENCE film_film_id_seq;
DROP DOMAIN year;
DROP DOMAIN \"bıgınt\";
DROP TYPE mpaa_rating;",
    );
    move_to(&pg, &h, &db, h.head());
    clean(&pg, &h, &db);
    assert_eq!(
        pg.rows(&db, "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public'"),
        vec!["0"]
    );
    move_to(&pg, &h, &db, 2);
    clean(&pg, &h, &db);
    assert_eq!(
        pg.rows(
            &db,
            "SELECT string_agg(title || ':' || rating, '|' ORDER BY film_id) FROM film"
        ),
        vec!["ACADEMY DINOSAUR:PG|ACE GOLDFINGER:G|ADAPTATION HOLES:NC-17"]
    );
    // The sequence's state came back with it.
    assert_eq!(
        pg.rows(&db, "SELECT nextval('film_film_id_seq')"),
        vec!["4"]
    );
    assert_eq!(
        pg.rows(&db, "SELECT nextval('language_language_id_seq')"),
        vec!["3"]
    );
    assert_eq!(
        pg.rows(&db, "SELECT count(*) FROM strata.archives"),
        vec!["0"]
    );
}

#[test]
fn enum_values_added_renamed_and_taken_away_by_a_revert() {
    let pg = pg();
    let h = history();
    h.record(PAGILA_TYPES);
    h.record(ROWS);
    // PostgreSQL cannot change the type of a column a view reads.
    h.record("DROP MATERIALIZED VIEW film_by_rating;");
    h.record("ALTER TYPE mpaa_rating ADD VALUE 'X' AFTER 'PG';");
    h.record("ALTER TYPE public.mpaa_rating RENAME VALUE 'NC-17' TO 'NC17';");
    let db = pg.database("a");
    move_to(&pg, &h, &db, h.head());
    clean(&pg, &h, &db);
    assert_eq!(
        pg.rows(&db, "SELECT enum_range(NULL::mpaa_rating)"),
        vec!["{G,PG,X,PG-13,R,NC17}"]
    );
    assert_eq!(
        pg.rows(&db, "SELECT rating FROM film WHERE film_id = 3"),
        vec!["NC17"]
    );
    // Taking 'X' away while a row holds it is refused, naming the column.
    pg.client(&db)
        .batch_execute("UPDATE film SET rating = 'X' WHERE film_id = 2")
        .expect("update");
    let r = Reconciler::new(&pg.target, &h.ledger);
    let mut d = r.open(&db).expect("open");
    let survey = r.survey(&d).expect("survey");
    let planned = r.plan(&d, survey, 2).expect("a plan");
    let e = strata_reconcile::apply(&mut d, &planned, &Mover::named("test"))
        .expect_err("a row holds 'X'");
    assert!(e.to_string().contains("film.rating"), "{e}");
    pg.client(&db)
        .batch_execute("UPDATE film SET rating = 'G' WHERE film_id = 2")
        .expect("update");
    move_to(&pg, &h, &db, 2);
    clean(&pg, &h, &db);
    assert_eq!(
        pg.rows(&db, "SELECT enum_range(NULL::mpaa_rating)"),
        vec!["{G,PG,PG-13,R,NC-17}"]
    );
    assert_eq!(
        pg.rows(
            &db,
            "SELECT string_agg(rating::text, '|' ORDER BY film_id) FROM film"
        ),
        vec!["PG|G|NC-17"]
    );
    move_to(&pg, &h, &db, h.head());
    clean(&pg, &h, &db);
}

#[test]
fn pagila_routine_signatures_are_the_servers() {
    let pg = pg();
    let h = history();
    h.record(
        "CREATE FUNCTION public.film_in_stock(p_film_id integer, p_store_id int4, OUT p_film_count integer) RETURNS SETOF integer
    LANGUAGE sql
    AS $_$ SELECT $1 + $2 $_$;
CREATE FUNCTION public.last_day(timestamp with time zone) RETURNS date
    LANGUAGE sql IMMUTABLE STRICT
    AS $_$
  SELECT CASE
    WHEN EXTRACT(MONTH FROM $1) = 12 THEN
      (((EXTRACT(YEAR FROM $1) + 1) operator(pg_catalog.||) '-01-01')::date - INTERVAL '1 day')::date
    ELSE
      ((EXTRACT(YEAR FROM $1) operator(pg_catalog.||) '-' operator(pg_catalog.||) (EXTRACT(MONTH FROM $1) + 1) operator(pg_catalog.||) '-01')::date - INTERVAL '1 day')::date
    END
$_$;
CREATE FUNCTION balance(p_customer_id int, p_effective_date timestamptz DEFAULT now(), VARIADIC p_rest varchar(10)[] DEFAULT '{}') RETURNS numeric
    LANGUAGE plpgsql AS $$ BEGIN RETURN 0; END $$;
CREATE PROCEDURE p(IN a integer, INOUT b text) LANGUAGE plpgsql AS $$ BEGIN b := a::text; END $$;
COMMENT ON FUNCTION last_day(timestamptz) IS 'the last day of the month';",
    );
    let db = pg.database("a");
    move_to(&pg, &h, &db, h.head());
    clean(&pg, &h, &db);
    let keys: Vec<String> = h
        .ledger
        .schema_at(h.head())
        .expect("schema")
        .definitions
        .into_keys()
        .collect();
    let mut live: Vec<String> = pg.rows(
        &db,
        "SELECT string_agg(p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', '|') \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'",
    )[0]
    .split('|')
    .map(str::to_string)
    .collect();
    live.push("FUNCTION last_day(timestamp with time zone)".to_string());
    live.sort();
    assert_eq!(keys, live);
    let b = pg.database("b");
    move_to(&pg, &h, &b, h.head());
    clean(&pg, &h, &b);
}
