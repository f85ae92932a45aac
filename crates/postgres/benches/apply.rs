//! The PostgreSQL target against PostgreSQL itself, measured in the same
//! run: 1,000 recorded changes applied to a fresh database through plan +
//! apply (the advisory lock, the bookkeeping, the archives, the check of
//! the live schema and the spelling kept in `strata.state`, all in one
//! transaction), against the same DDL run by hand in one transaction on
//! another fresh database of the same cluster. Each side runs `RUNS`
//! times (7 unless set), alternating which goes first; the medians and
//! their ratio are printed.
//!
//! ```sh
//! cargo bench -p strata-postgres --features cluster --bench apply
//! ```
//!
//! Results in docs/performance.md.

use std::time::{Duration, Instant};

use strata_postgres::cluster::Cluster;
use strata_postgres::ddl::parse_change;
use strata_postgres::{postgres, rules, Postgres};
use strata_schema::{project, Schema};
use strata_target::{Database, Mover, Position, Step, Target};

const CHANGES: usize = 1_000;

/// The SQL of 1,000 changes, one event each, in the mix the SQLite
/// target's benchmark uses: 20% create table, 40% add column, 20% create
/// index, 10% add a NOT NULL column with a default, 5% a column type change
/// and 5% a new default.
fn change_sql() -> Vec<String> {
    let mut tables: Vec<Vec<String>> = Vec::new();
    let mut out = Vec::with_capacity(CHANGES);
    for i in 0..CHANGES {
        let pick = |n: usize| (i * 7919) % n;
        let sql = match i % 10 {
            0 | 1 => {
                let t = tables.len();
                tables.push(Vec::new());
                format!(
                    "CREATE TABLE t{t} (id integer PRIMARY KEY, name varchar(50) NOT NULL, email text, created text)"
                )
            }
            2..=5 => {
                let t = pick(tables.len());
                let c = format!("c{i}");
                tables[t].push(c.clone());
                format!("ALTER TABLE t{t} ADD COLUMN {c} integer")
            }
            6 | 7 => {
                let t = pick(tables.len());
                let column = tables[t].last().cloned().unwrap_or_else(|| "name".into());
                format!("CREATE INDEX ix{i} ON t{t} ({column})")
            }
            8 => {
                let t = pick(tables.len());
                format!("ALTER TABLE t{t} ADD COLUMN d{i} timestamptz NOT NULL DEFAULT now()")
            }
            _ if i % 20 == 9 => {
                let t = pick(tables.len());
                format!("ALTER TABLE t{t} ALTER COLUMN email TYPE varchar({i})")
            }
            _ => {
                let t = pick(tables.len());
                format!("ALTER TABLE t{t} ALTER COLUMN created SET DEFAULT 'x{i}'")
            }
        };
        out.push(sql);
    }
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    let cluster = Cluster::start().expect("a PostgreSQL cluster");
    let sql = change_sql();
    let mut schema = Schema::default();
    let mut steps = Vec::with_capacity(CHANGES);
    for (i, s) in sql.iter().enumerate() {
        let ops = parse_change(s, &schema).expect("a change");
        for op in &ops {
            project(rules(), &mut schema, op).expect("projects");
        }
        steps.push(Step::new(i as u64 + 1, ops));
    }
    let target = Postgres::default();
    let to = Position {
        ledger_id: "11".repeat(32).parse().expect("a hash"),
        seq: CHANGES as u64,
        hash: "22".repeat(32).parse().expect("a hash"),
    };
    let mover = Mover::named("bench");
    let (mut strata, mut raw, mut planning) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        // Both databases are made before either is timed, and the side that
        // goes first alternates, so that neither pays for the other's
        // leftovers (a checkpoint, autovacuum) more often.
        let strata_url = cluster
            .database(&format!("strata{run}"))
            .expect("a database");
        let raw_url = cluster.database(&format!("raw{run}")).expect("a database");
        for side in [run % 2, 1 - run % 2] {
            if side == 0 {
                let started = Instant::now();
                let mut db = target
                    .open(std::path::Path::new(&strata_url))
                    .expect("open");
                let plan = db
                    .plan(&Schema::default(), &steps, &|seq, op, undo| {
                        strata_target::Lineage {
                            seq,
                            op,
                            forward: !undo,
                        }
                    })
                    .expect("a plan");
                planning.push(started.elapsed());
                db.apply(&plan, None, &to, &schema, &mover).expect("apply");
                strata.push(started.elapsed());
            } else {
                let started = Instant::now();
                let mut client =
                    postgres::Client::connect(&raw_url, postgres::NoTls).expect("connect");
                let mut tx = client.transaction().expect("begin");
                for s in &sql {
                    tx.batch_execute(s).expect("a change by hand");
                }
                tx.commit().expect("commit");
                raw.push(started.elapsed());
            }
        }
    }
    let (s, r, p) = (median(strata), median(raw), median(planning));
    println!(
        "1,000 changes to a fresh PostgreSQL database ({runs} runs, medians): strata {:.1} ms (connecting and planning {:.1} ms), by hand {:.1} ms, {:.2}x",
        s.as_secs_f64() * 1e3,
        p.as_secs_f64() * 1e3,
        r.as_secs_f64() * 1e3,
        s.as_secs_f64() / r.as_secs_f64()
    );
}
