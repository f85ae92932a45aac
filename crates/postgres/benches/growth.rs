//! How the PostgreSQL target grows with the schema: N tables (each with a
//! key, three columns and an index) made in N events and applied to a fresh
//! database in one apply, against the same DDL by hand in one transaction;
//! then what a command at head pays to read the database back (`sealed`,
//! one read of the catalog, as `status` and `apply` at head do). Run for
//! 1,000 and 10,000 tables: the ratios between the two sizes are what to
//! read (10x the tables should cost about 10x, not 100x).
//!
//! ```sh
//! cargo bench -p strata-postgres --features cluster --bench growth -- 1000 10000
//! ```
//!
//! Results in docs/performance.md.

use std::time::{Duration, Instant};

use strata_postgres::cluster::Cluster;
use strata_postgres::ddl::parse_change;
use strata_postgres::{postgres, rules, Postgres};
use strata_schema::{project, Schema};
use strata_target::{Database, Lineage, Mover, Position, Step, Target};

fn sql(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "CREATE TABLE t{i} (id integer PRIMARY KEY, name varchar(50) NOT NULL, email text, n integer); \
                 CREATE INDEX t{i}_name ON t{i} (name)"
            )
        })
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    };
    // One transaction that makes 10,000 tables with an index each takes
    // 20,000 relation locks: more than PostgreSQL's default lock table
    // holds (max_locks_per_transaction 64 per connection), by hand as
    // through strata. docs/postgres-target.md says so.
    let cluster = Cluster::start_with(&[("max_locks_per_transaction", "1024")])
        .expect("a PostgreSQL cluster");
    let target = Postgres::default();
    for n in sizes {
        let sql = sql(n);
        let mut schema = Schema::default();
        let mut steps = Vec::with_capacity(n);
        for (i, s) in sql.iter().enumerate() {
            let ops = parse_change(s, &schema).expect("a change");
            for op in &ops {
                project(rules(), &mut schema, op).expect("projects");
            }
            steps.push(Step::new(i as u64 + 1, ops));
        }
        let to = Position {
            ledger_id: "11".repeat(32).parse().expect("a hash"),
            seq: n as u64,
            hash: "22".repeat(32).parse().expect("a hash"),
        };

        let url = cluster.database(&format!("strata{n}")).expect("a database");
        let started = Instant::now();
        let mut db = target.open(std::path::Path::new(&url)).expect("open");
        let plan = db
            .plan(&Schema::default(), &steps, &|seq, op, undo| Lineage {
                seq,
                op,
                forward: !undo,
            })
            .expect("a plan");
        db.apply(&plan, None, &to, &schema, &Mover::named("bench"))
            .expect("apply");
        let applied = started.elapsed();
        let started = Instant::now();
        let db = target.open(std::path::Path::new(&url)).expect("open");
        assert!(
            db.sealed().expect("sealed"),
            "the database is as the apply left it"
        );
        let sealed = started.elapsed();

        let url = cluster.database(&format!("raw{n}")).expect("a database");
        let started = Instant::now();
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        let mut tx = client.transaction().expect("begin");
        for s in &sql {
            tx.batch_execute(s).expect("by hand");
        }
        tx.commit().expect("commit");
        let raw = started.elapsed();
        println!(
            "{n} tables: apply {:.0} ms, by hand {:.0} ms ({:.2}x); a read at head (sealed) {:.0} ms",
            ms(applied),
            ms(raw),
            applied.as_secs_f64() / raw.as_secs_f64(),
            ms(sealed)
        );
    }
}
