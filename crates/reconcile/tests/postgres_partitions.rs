//! Partitioned tables on PostgreSQL, against a real server: a Pagila-like
//! `payment` partitioned by range on its date, with three partitions (two
//! made `PARTITION OF` it, one made plain and attached, as pg_dump writes
//! them) and rows in each. Every change is read from DDL by the reader
//! `strata record` uses; each apply must leave the database with no
//! drift, the rows must come back exactly (compared by checksums) after
//! a partition, then the whole table, is dropped and the drop reverted,
//! and every point of the history can be checked out.

use std::path::Path;

use strata_ledger::{Body, Dialect, Draft, Ledger};
use strata_reconcile::Reconciler;
use tempfile::TempDir;

mod support;

use support::{pg, Pg};

impl Pg {}

/// Appends the change `sql` reads to, against the head schema.
fn record(ledger: &Ledger, sql: &str) -> u64 {
    let head = ledger.head().map_or(0, |(seq, _)| seq);
    let schema = ledger.schema_at(head).expect("head schema");
    let ops = strata_postgres::ddl::parse_change(sql, &schema).unwrap_or_else(|e| panic!("{e}"));
    append(
        ledger,
        sql,
        Body::Change {
            ops,
            revert_sql: None,
        },
    )
}

fn revert(ledger: &Ledger, of: u64) -> u64 {
    let body = ledger.revert_body(of, false).expect("a revert");
    append(ledger, "revert", body)
}

fn append(ledger: &Ledger, message: &str, body: Body) -> u64 {
    ledger
        .append(Draft {
            at: None,
            author: "test".to_string(),
            message: message.to_string(),
            body,
        })
        .expect("append")
        .event
        .seq
}

fn move_to(pg: &Pg, ledger: &Ledger, location: &Path, to: u64) {
    pg.move_to(ledger, location, to);
    stands_at(pg, ledger, location, to);
}

/// The database stands at `seq`, with no drift.
fn stands_at(pg: &Pg, ledger: &Ledger, location: &Path, seq: u64) {
    let r = Reconciler::new(&pg.target, ledger);
    let db = r.open(location).expect("open");
    let survey = r.survey(&db).expect("survey");
    assert_eq!(survey.seq(), seq);
    assert!(
        survey.drift.is_empty(),
        "drift at {seq}: {:?}",
        survey.drift
    );
    assert_eq!(survey.expected, ledger.schema_at(seq).expect("schema"));
}

/// The drift a survey finds.
fn drift(pg: &Pg, ledger: &Ledger, location: &Path) -> usize {
    let r = Reconciler::new(&pg.target, ledger);
    let db = r.open(location).expect("open");
    r.survey(&db).expect("survey").drift.len()
}

/// A checksum of the rows of `table` (through a parent: every partition's)
/// on the columns every point has, and how many.
fn checksum(client: &mut strata_postgres::postgres::Client, table: &str) -> (i64, String) {
    let row = client
        .query_one(
            &format!(
                "SELECT count(*), coalesce(md5(string_agg(r, ',' ORDER BY r)), '') FROM \
                 (SELECT concat_ws('|', payment_id, customer_id, amount, payment_date) r FROM {table}) s"
            ),
            &[],
        )
        .expect("a checksum");
    (row.get(0), row.get(1))
}

const SCHEMA: &str = "
CREATE TABLE customer (id integer PRIMARY KEY);
CREATE TABLE payment (
    payment_id integer NOT NULL,
    customer_id integer NOT NULL REFERENCES customer (id),
    amount numeric(5,2) NOT NULL,
    payment_date timestamp with time zone NOT NULL,
    PRIMARY KEY (payment_date, payment_id)
)
PARTITION BY RANGE (payment_date);
CREATE TABLE payment_p2022_01 PARTITION OF payment
    FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00');
CREATE TABLE payment_p2022_02 PARTITION OF public.payment
    FOR VALUES FROM ('2022-02-01 00:00:00+00') TO ('2022-03-01 00:00:00+00');
CREATE TABLE public.payment_p2022_03 (
    payment_id integer NOT NULL,
    customer_id integer NOT NULL,
    amount numeric(5,2) NOT NULL,
    payment_date timestamp with time zone NOT NULL
);
ALTER TABLE ONLY public.payment ATTACH PARTITION public.payment_p2022_03
    FOR VALUES FROM ('2022-03-01 00:00:00+00') TO ('2022-04-01 00:00:00+00');
CREATE INDEX idx_fk_payment_p2022_01_customer_id ON public.payment_p2022_01 USING btree (customer_id);
ALTER TABLE ONLY public.payment_p2022_02
    ADD CONSTRAINT payment_p2022_02_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer (id);
";

const ROWS: &str = "
INSERT INTO customer SELECT g FROM generate_series(1, 3) g;
INSERT INTO payment SELECT g, 1 + g % 3, g / 7.0,
    timestamptz '2022-01-01 00:00:00+00' + g * interval '1 day' - interval '1 hour'
    FROM generate_series(1, 89) g;
";

#[test]
fn a_partitioned_payment_moves_keeps_its_rows_and_checks_out_everywhere() {
    let pg = pg();
    let dir = TempDir::new().expect("temp dir");
    let ledger = Ledger::init_with(dir.path().join("ledger"), Dialect::Postgres).expect("init");
    let a = pg.database("a");
    let mut client = pg.client(&a);

    let made = record(&ledger, SCHEMA);
    move_to(&pg, &ledger, &a, made);
    client.batch_execute(ROWS).expect("rows");
    let all = checksum(&mut client, "payment");
    let second = checksum(&mut client, "payment_p2022_02");
    assert_eq!(all.0, 89);
    assert!(second.0 > 0);

    // Changed by hand: drift; put back by hand: none.
    client
        .batch_execute("ALTER TABLE payment DETACH PARTITION payment_p2022_01")
        .expect("detach by hand");
    assert!(drift(&pg, &ledger, &a) > 0, "a detached partition is drift");
    client
        .batch_execute(
            "ALTER TABLE payment ATTACH PARTITION payment_p2022_01 \
             FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00')",
        )
        .expect("attach by hand");
    stands_at(&pg, &ledger, &a, made);

    // A column of the parent: the partitions have it too.
    let note = record(
        &ledger,
        "ALTER TABLE payment ADD COLUMN note text DEFAULT 'none'",
    );
    move_to(&pg, &ledger, &a, note);
    client
        .batch_execute("UPDATE payment SET note = 'n' || payment_id WHERE payment_id % 2 = 0")
        .expect("notes");
    let notes = |c: &mut strata_postgres::postgres::Client| -> String {
        c.query_one(
            "SELECT md5(string_agg(payment_id || note, ',' ORDER BY payment_id)) FROM payment",
            &[],
        )
        .expect("notes")
        .get(0)
    };
    let noted = notes(&mut client);
    let indexed = record(
        &ledger,
        "CREATE INDEX payment_p2022_01_note ON payment_p2022_01 (note)",
    );
    move_to(&pg, &ledger, &a, indexed);
    let schema = ledger.schema_at(note).expect("schema");
    assert!(schema.tables["payment_p2022_03"]
        .columns
        .iter()
        .any(|c| c.name == "note"));

    // Detach and attach again.
    let detached = record(
        &ledger,
        "ALTER TABLE payment DETACH PARTITION payment_p2022_03",
    );
    move_to(&pg, &ledger, &a, detached);
    assert!(checksum(&mut client, "payment").0 < all.0);
    let attached = record(
        &ledger,
        "ALTER TABLE ONLY payment ATTACH PARTITION payment_p2022_03 \
         FOR VALUES FROM ('2022-03-01 00:00:00+00') TO ('2022-04-01 00:00:00+00')",
    );
    move_to(&pg, &ledger, &a, attached);
    assert_eq!(checksum(&mut client, "payment"), all);

    // A partition dropped, and the drop reverted: its rows come back.
    let dropped = record(&ledger, "DROP TABLE payment_p2022_02");
    move_to(&pg, &ledger, &a, dropped);
    assert_eq!(checksum(&mut client, "payment").0, all.0 - second.0);
    let back = revert(&ledger, dropped);
    move_to(&pg, &ledger, &a, back);
    assert_eq!(checksum(&mut client, "payment_p2022_02"), second);
    assert_eq!(checksum(&mut client, "payment"), all);

    // The whole table dropped (its partitions first), and reverted.
    let gone = record(&ledger, "DROP TABLE payment");
    assert!(ledger.schema_at(gone).expect("schema").tables.len() == 1);
    move_to(&pg, &ledger, &a, gone);
    let again = revert(&ledger, gone);
    move_to(&pg, &ledger, &a, again);
    assert_eq!(checksum(&mut client, "payment"), all);
    assert_eq!(checksum(&mut client, "payment_p2022_02"), second);
    assert_eq!(notes(&mut client), noted);

    // The column dropped (a partition's index on it first), then every
    // point checked out and back.
    let head = record(&ledger, "ALTER TABLE payment DROP COLUMN note");
    move_to(&pg, &ledger, &a, head);
    assert_eq!(checksum(&mut client, "payment"), all);
    let b = pg.database("b");
    for point in (0..head).rev() {
        move_to(&pg, &ledger, &a, point);
        move_to(&pg, &ledger, &b, point);
    }
    for point in 1..=head {
        move_to(&pg, &ledger, &b, point);
    }
    move_to(&pg, &ledger, &a, head);
    assert_eq!(checksum(&mut client, "payment"), all);
    move_to(&pg, &ledger, &a, head - 1);
    assert_eq!(notes(&mut client), noted, "the notes are back");
}

#[test]
fn the_catalog_gives_partitions_their_options_and_refuses_sub_partitioning() {
    let pg = pg();
    let a = pg.database("a");
    let mut client = pg.client(&a);
    client
        .batch_execute(
            "CREATE TABLE m (k integer NOT NULL, v text, PRIMARY KEY (k)) PARTITION BY LIST (k);
             CREATE INDEX m_v ON m (v);
             CREATE TABLE \"M one\" PARTITION OF m FOR VALUES IN (1, 2);
             CREATE TABLE m_rest PARTITION OF m DEFAULT;
             CREATE INDEX m_rest_own ON m_rest (v DESC);",
        )
        .expect("a partitioned table");
    let s = strata_postgres::introspect::introspect(&mut client, "public").expect("read");
    assert_eq!(s.tables["m"].options, ["partition by LIST (k)"]);
    assert_eq!(
        s.tables["M one"].options,
        ["partition of m FOR VALUES IN (1, 2)"]
    );
    assert_eq!(s.tables["m_rest"].options, ["partition of m DEFAULT"]);
    // What PostgreSQL gave the partitions from m is m's only.
    assert_eq!(s.tables["m_rest"].primary_key, None);
    let indexes: Vec<&String> = s.indexes.keys().collect();
    assert_eq!(indexes, ["m_rest_own", "m_v"]);
    assert_eq!(s.tables["M one"].columns, s.tables["m"].columns);

    client
        .batch_execute(
            "CREATE TABLE n (k integer, j integer) PARTITION BY LIST (k);
             CREATE TABLE n1 PARTITION OF n FOR VALUES IN (1) PARTITION BY LIST (j);",
        )
        .expect("sub-partitions");
    let e = strata_postgres::introspect::introspect(&mut client, "public")
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("n1 is a partition that is partitioned itself"),
        "{e}"
    );
}
