//! Growth, with the real binary on real ledgers and SQLite files: how the
//! commands' time and peak RSS grow with the schema (`objects`) and with
//! the ledger (`events`). Each figure is a whole `strata` process, the
//! median of `STRATA_GROWTH_RUNS` runs (default 3) and the largest peak RSS
//! among them; sizes are measured in the same run, so their ratios hold
//! even on a busy machine.
//!
//! ```text
//! # schemas of 1,000 and 10,000 tables (each with an index on every
//! # second table and a view on every tenth), recorded in 100 events:
//! cargo bench -p strata-cli --bench growth -- objects 1000 10000
//! # ledgers built by the ledger's example (the benchmark workload):
//! cargo run --release -p strata-ledger --example ledger_rss -- generate /tmp/l100k 100000
//! cargo run --release -p strata-ledger --example ledger_rss -- generate /tmp/l1m 1000000
//! cargo bench -p strata-cli --bench growth -- events /tmp/l100k /tmp/l1m
//! ```
//!
//! The database `status` reads in `events` is built at head the way
//! `baseline` marks one, not by `checkout`, which replays every event.
//! `events` also gives verify's rate, `schema --at` the worst point (just
//! before a full snapshot: the longest chain of deltas, then 255 replays)
//! and `record` of one change (each run adds an event to the ledger)
//! against its floor: opening the store with sled and committing one
//! flushed transaction of an event's size, as a whole process too (this
//! program run again as `floor-append STORE`, which writes into trees of
//! its own).
//!
//! Results in docs/performance.md ("Growth").

mod support;

use std::fmt::Write as _;
use std::path::Path;

use support::{load, machine, secs, strata, Measured};

/// Events a schema is recorded in, whatever its size.
const CHUNKS: usize = 100;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let (Some("floor-append"), Some(store)) = (args.first().map(String::as_str), args.get(1)) {
        floor_append_here(Path::new(store));
        return;
    }
    let runs: usize = std::env::var("STRATA_GROWTH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    println!("{}; {runs} runs each", machine());
    match args.first().map(String::as_str) {
        Some("objects") => {
            let results = by_size(&args[1..], &[1_000, 10_000], |n| {
                (format!("{n} tables"), objects(n, runs))
            });
            print_table(&results);
        }
        Some("events") => {
            let results: Vec<(String, Vec<Figure>)> = args[1..]
                .iter()
                .map(|dir| (dir.clone(), events(Path::new(dir), runs)))
                .collect();
            print_table(&results);
        }
        Some("moves") => {
            let results = by_size(&args[1..], &[500], |n| {
                (format!("{} changes", 2 * n), moves(n, runs))
            });
            print_table(&results);
        }
        Some("creates") => {
            let results = by_size(&args[1..], &[1_000, 10_000], |n| {
                (format!("{n} events"), creates(n, runs))
            });
            print_table(&results);
        }
        _ => {
            eprintln!(
                "usage: growth (objects [N...] | events LEDGER_DIR... | moves [N...] | creates [N...])"
            );
            std::process::exit(2);
        }
    }
    println!("{}", load());
}

/// `measure` at each size the arguments give (`10_000` may be written with
/// underscores), or at `default` when they give none.
fn by_size(
    args: &[String],
    default: &[usize],
    measure: impl Fn(usize) -> (String, Vec<Figure>),
) -> Vec<(String, Vec<Figure>)> {
    let sizes: Vec<usize> = args
        .iter()
        .map(|a| a.replace('_', "").parse().expect("a size"))
        .collect();
    let sizes = if sizes.is_empty() {
        default.to_vec()
    } else {
        sizes
    };
    sizes.into_iter().map(measure).collect()
}

/// One command's figure: the median time and the largest peak RSS.
struct Figure {
    what: String,
    secs: f64,
    rss_kib: u64,
}

fn figure(what: &str, runs: &[Measured]) -> Figure {
    let mut times: Vec<f64> = runs.iter().map(|m| m.secs).collect();
    times.sort_by(f64::total_cmp);
    let f = Figure {
        what: what.to_string(),
        secs: times[times.len() / 2],
        rss_kib: runs.iter().map(|m| m.rss_kib).max().unwrap_or(0),
    };
    println!(
        "  {what}: {} ({:.1} MiB peak RSS)",
        secs(f.secs),
        f.rss_kib as f64 / 1024.0
    );
    f
}

/// Times `work` in this process, `runs` times (no RSS: the process holds
/// more than the work).
fn raw(what: &str, runs: usize, work: impl Fn(usize)) -> Figure {
    let mut times: Vec<f64> = (0..runs)
        .map(|r| {
            let start = std::time::Instant::now();
            work(r);
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let f = Figure {
        what: what.to_string(),
        secs: times[times.len() / 2],
        rss_kib: 0,
    };
    println!("  {what}: {}", secs(f.secs));
    f
}

/// Runs `strata args` `runs` times in `dir`.
fn repeat(dir: &Path, args: &[&str], runs: usize) -> Vec<Measured> {
    (0..runs).map(|_| strata(dir, args, 0)).collect()
}

/// The SQL of a schema of `n` tables, in [`CHUNKS`] migration files: each
/// table has five columns and a foreign key to the table before it in its
/// file; every second table has an index, every tenth a view.
fn migrations(n: usize) -> Vec<String> {
    let per = n.div_ceil(CHUNKS);
    (0..n)
        .collect::<Vec<_>>()
        .chunks(per)
        .map(|chunk| {
            let mut sql = String::new();
            for &i in chunk {
                let reference = if i == chunk[0] {
                    String::new()
                } else {
                    format!(" REFERENCES t{}(id)", i - 1)
                };
                let _ = writeln!(
                    sql,
                    "CREATE TABLE t{i} (id integer primary key, name text not null, \
                     qty integer not null default 0, price real, parent integer{reference});"
                );
                if i % 2 == 0 {
                    let _ = writeln!(sql, "CREATE INDEX t{i}_name ON t{i} (name);");
                }
                if i % 10 == 0 {
                    let _ = writeln!(
                        sql,
                        "CREATE VIEW v{i} AS SELECT id, name FROM t{i} WHERE qty > 0;"
                    );
                }
            }
            sql
        })
        .collect()
}

/// Both directions of a move over `2 n` events (issue 17's workload): `n`
/// CREATE TABLE, then one ADD COLUMN to each table, one migration file
/// each, applied to a new file in one `strata apply` and taken back to 0
/// in one `strata apply --to 0`; against the same statements by hand in
/// one transaction, and their inverses with an archive copy of what each
/// drop loses (what strata keeps).
fn moves(n: usize, runs: usize) -> Vec<Figure> {
    println!("{} changes ({n} CREATE TABLE, {n} ADD COLUMN):", 2 * n);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let files = dir.join("migrations");
    std::fs::create_dir(&files).expect("mkdir");
    let mut forward = Vec::new();
    for i in 0..n {
        forward.push(format!(
            "CREATE TABLE t{i} (id integer PRIMARY KEY, name text NOT NULL, qty integer);"
        ));
    }
    for i in 0..n {
        forward.push(format!("ALTER TABLE t{i} ADD COLUMN note text;"));
    }
    for (k, sql) in forward.iter().enumerate() {
        std::fs::write(files.join(format!("{:05}_m.sql", k + 1)), sql).expect("write");
    }
    let mut back = Vec::new();
    for i in (0..n).rev() {
        back.push(format!(
            "CREATE TABLE a_n{i} AS SELECT rowid, note FROM t{i}; ALTER TABLE t{i} DROP COLUMN note;"
        ));
    }
    for i in (0..n).rev() {
        back.push(format!(
            "CREATE TABLE a_t{i} AS SELECT rowid, * FROM t{i}; DROP TABLE t{i};"
        ));
    }
    strata(dir, &["init"], 0);
    strata(dir, &["import-sql", "migrations"], 0);
    let (mut up, mut down) = (Vec::new(), Vec::new());
    for r in 0..runs {
        let db = format!("m{r}.db");
        up.push(strata(dir, &["apply", "--db", &db], 0));
        down.push(strata(dir, &["apply", "--db", &db, "--to", "0"], 0));
    }
    let mut out = vec![figure("apply to a new file", &up)];
    let script = forward.join("\n");
    // Run `sql` by hand in one transaction on run r's raw database.
    let by_hand = |r: usize, sql: &str| {
        let mut conn = rusqlite::Connection::open(dir.join(format!("raw{r}.db"))).expect("open");
        let tx = conn.transaction().expect("begin");
        tx.execute_batch(sql).expect("the statements run");
        tx.commit().expect("commit");
    };
    out.push(raw(
        "raw SQLite: the statements in one transaction, to a new file",
        runs,
        |r| by_hand(r, &script),
    ));
    out.push(figure("apply --to 0", &down));
    let inverse = back.join("\n");
    out.push(raw(
        "raw SQLite: the inverses, archives included, in one transaction",
        runs,
        |r| by_hand(r, &inverse),
    ));
    out
}

/// `n` CREATE TABLE events, appended through the library in one run (no
/// proof per event, which `record` and `import-sql` make), applied to a
/// new file in one `strata apply` and taken back to 0 in one `apply --to
/// 0`: the figures that must grow linearly with `n`.
fn creates(n: usize, runs: usize) -> Vec<Figure> {
    use strata_ledger::{Body, Draft, Ledger};
    println!("{n} CREATE TABLE events:");
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let ledger = Ledger::init(dir.join("ledger-data")).expect("init");
    let mut head = strata_schema::Schema::default();
    let mut run = Vec::with_capacity(n);
    for i in 0..n {
        let sql =
            format!("CREATE TABLE t{i} (id integer PRIMARY KEY, name text NOT NULL, qty integer)");
        let ops = strata_sqlite::ddl::parse_change(&sql, &head).expect("a CREATE TABLE");
        strata_schema::project_all(strata_dialect::sqlite::RULES, &mut head, &ops).expect("fits");
        run.push(Draft {
            at: None,
            author: "bench".into(),
            message: format!("t{i}"),
            body: Body::Change {
                ops,
                revert_sql: None,
            },
        });
    }
    ledger.append_run_unflushed(run).expect("append");
    ledger.flush().expect("flush");
    drop(ledger);
    let (mut up, mut down) = (Vec::new(), Vec::new());
    for r in 0..runs {
        let db = format!("c{r}.db");
        up.push(strata(dir, &["apply", "--db", &db], 0));
        down.push(strata(dir, &["apply", "--db", &db, "--to", "0"], 0));
    }
    vec![
        figure("apply to a new file", &up),
        figure("apply --to 0", &down),
    ]
}

/// The commands on a ledger whose head schema has `n` tables.
fn objects(n: usize, runs: usize) -> Vec<Figure> {
    println!(
        "{n} tables ({} indexes, {} views):",
        n.div_ceil(2),
        n.div_ceil(10)
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let files = dir.join("migrations");
    std::fs::create_dir(&files).expect("mkdir");
    for (k, sql) in migrations(n).iter().enumerate() {
        std::fs::write(files.join(format!("{:04}_chunk.sql", k + 1)), sql).expect("write");
    }
    strata(dir, &["init"], 0);
    let mut out = vec![figure(
        "import-sql (the schema, 100 events)",
        &[strata(dir, &["import-sql", "migrations"], 0)],
    )];
    out.push(figure(
        "checkout head",
        &(0..runs)
            .map(|r| {
                strata(
                    dir,
                    &["checkout", "--to", "head", "--db", &format!("c{r}.db")],
                    0,
                )
            })
            .collect::<Vec<_>>(),
    ));
    // Each run records one small change and applies it to the database,
    // which stands one event behind head each time.
    let (mut record, mut apply, mut status) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..runs {
        let table = format!("t{}", (n / 2 + r * 7) % n);
        let sql = format!("ALTER TABLE {table} ADD COLUMN extra{r} integer");
        record.push(strata(dir, &["record", "-m", "small", "--sql", &sql], 0));
        apply.push(strata(dir, &["apply", "--db", "c0.db"], 0));
        status.push(strata(dir, &["status", "--db", "c0.db"], 0));
    }
    out.push(figure("record (one ADD COLUMN)", &record));
    out.push(figure("apply (one event, from head-1)", &apply));
    out.push(figure("status (at head)", &status));
    // What reading the database's schema costs SQLite alone, in this
    // process: every table's columns, indexes and foreign keys through the
    // pragmas (what introspection asks, without building the model).
    let db = dir.join("c0.db");
    out.push(raw(
        "raw SQLite: the schema read through the pragmas",
        runs,
        |_| {
            let conn = rusqlite::Connection::open(&db).expect("open");
            let tables: Vec<String> = conn
                .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main'")
                .expect("prepare")
                .query_map([], |r| r.get(0))
                .expect("tables")
                .collect::<Result<_, _>>()
                .expect("names");
            let mut cells = 0usize;
            for t in &tables {
                for pragma in ["table_xinfo", "index_list", "foreign_key_list"] {
                    let mut st = conn
                        .prepare(&format!("SELECT * FROM pragma_{pragma}(?1)"))
                        .expect("prepare");
                    let n = st.column_count();
                    let mut rows = st.query([t]).expect("query");
                    while let Some(row) = rows.next().expect("row") {
                        for i in 0..n {
                            let _ = row.get_ref(i).expect("cell");
                            cells += 1;
                        }
                    }
                }
            }
            assert!(cells > 0);
        },
    ));
    let schema = repeat(dir, &["schema"], runs);
    let desired = format!(
        "{}\nCREATE TABLE extra (id integer primary key, t integer REFERENCES t0(id));\n",
        schema[0].stdout
    );
    std::fs::write(dir.join("desired.sql"), desired).expect("write");
    out.push(figure("schema", &schema));
    // What SQLite itself takes for the same CREATE statements, in this
    // process: in one transaction into a new file (what checkout runs,
    // without strata's bookkeeping and checks), and one by one into an
    // in-memory database (as plan --desired loads its file).
    let script = &schema[0].stdout;
    out.push(raw(
        "raw SQLite: the CREATEs in one transaction, to a file",
        runs,
        |r| {
            let path = dir.join(format!("raw{r}.db"));
            let mut conn = rusqlite::Connection::open(path).expect("open");
            let tx = conn.transaction().expect("begin");
            tx.execute_batch(script).expect("the schema's SQL runs");
            tx.commit().expect("commit");
        },
    ));
    out.push(raw(
        "raw SQLite: the CREATEs one by one, in memory",
        runs,
        |_| {
            let conn = rusqlite::Connection::open_in_memory().expect("open");
            conn.execute_batch(script).expect("the schema's SQL runs");
        },
    ));
    out.push(figure(
        "plan --desired (head + one table)",
        &repeat(dir, &["plan", "--desired", "desired.sql"], runs),
    ));
    out.push(figure(
        "log -n 10",
        &repeat(dir, &["log", "-n", "10"], runs),
    ));
    out.push(figure("verify", &repeat(dir, &["verify"], runs)));
    out.push(figure(
        "verify --deep",
        &repeat(dir, &["verify", "--deep"], runs),
    ));
    out
}

/// The commands on the ledger in `ledger` (read only; the database they
/// need is built beside it, in a temporary folder).
fn events(ledger: &Path, runs: usize) -> Vec<Figure> {
    let ledger = ledger.canonicalize().expect("a ledger folder");
    let l = ledger.to_string_lossy().into_owned();
    println!("{l}:");
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let head = at_head(&ledger, &dir.join("head.db"));
    let middle = (head / 2).to_string();
    // The most work after opening: the event just before the last full
    // snapshot, whose schema is the previous snapshot (the longest chain
    // of deltas in the store) and the most replays after it.
    let full = strata_ledger::FULL_SNAPSHOT_EVERY;
    let every = strata_ledger::SNAPSHOT_EVERY;
    let worst = match head.saturating_sub(every) / full * full + every {
        first if first <= head => first - 1,
        _ => head,
    }
    .max(1)
    .to_string();
    println!("  head {head}, middle {middle}, worst {worst}");
    let verify = figure("verify", &repeat(dir, &["--ledger", &l, "verify"], runs));
    println!(
        "    {:.0} events/s",
        head as f64 / verify.secs.max(f64::EPSILON)
    );
    let mut out = vec![verify];
    out.push(figure(
        "log -n 10",
        &repeat(dir, &["--ledger", &l, "log", "-n", "10"], runs),
    ));
    out.push(figure(
        "schema --at the middle",
        &repeat(dir, &["--ledger", &l, "schema", "--at", &middle], runs),
    ));
    out.push(figure(
        "schema --at the worst point",
        &repeat(dir, &["--ledger", &l, "schema", "--at", &worst], runs),
    ));
    out.push(figure(
        "status (at head)",
        &repeat(dir, &["--ledger", &l, "status", "--db", "head.db"], runs),
    ));
    // One change recorded (each run a new table, so the ledger grows by a
    // few events), against the floor: opening the store with sled and
    // committing one flushed transaction of an event's size.
    let record: Vec<Measured> = (0..runs)
        .map(|r| {
            let sql = format!(
                "CREATE TABLE growth_{head}_{r}_{} (id integer);",
                std::process::id()
            );
            strata(
                dir,
                &["--ledger", &l, "record", "-m", "growth", "--sql", &sql],
                0,
            )
        })
        .collect();
    let record = figure("record (one CREATE TABLE)", &record);
    let store = ledger.join(strata_ledger::STORE_DIR);
    let floor: Vec<Measured> = (0..runs).map(|_| floor_append(dir, &store)).collect();
    let floor = figure("floor: open the store, one flushed transaction", &floor);
    println!("    record / floor: {:.1}x", record.secs / floor.secs);
    out.push(record);
    out.push(floor);
    out
}

/// The floor of `record`, as a whole process: this benchmark run again as
/// `floor-append STORE`, under `/usr/bin/time -v`.
fn floor_append(dir: &Path, store: &Path) -> Measured {
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let report = dir.join(".time-report");
    let start = std::time::Instant::now();
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg("-o")
        .arg(&report)
        .arg(exe)
        .arg("floor-append")
        .arg(store)
        .output()
        .expect("run the floor");
    let secs = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rss_kib = std::fs::read_to_string(&report)
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0);
    Measured {
        secs,
        rss_kib,
        code: 0,
        stdout: String::new(),
        stderr: String::new(),
    }
}

/// What the floor process does: open the sled store as strata does (its
/// 64 MiB cache), then one transaction over three trees writing an event's
/// worth (about 300 bytes, its hash and a head record), and a flush. It
/// writes into trees of its own (`floor_*`), so the ledger stays whole.
fn floor_append_here(store: &Path) {
    use sled::Transactional;
    let db = sled::Config::new()
        .path(store)
        .cache_capacity(64 << 20)
        .open()
        .expect("open the store");
    let trees: Vec<sled::Tree> = ["floor_events", "floor_hashes", "floor_meta"]
        .iter()
        .map(|t| db.open_tree(t).expect("tree"))
        .collect();
    let seq = trees[0].len() as u64 + 1;
    let event = [7u8; 300];
    let mut hash = [0u8; 32];
    hash[..8].copy_from_slice(&seq.to_be_bytes());
    (&trees[0], &trees[1], &trees[2])
        .transaction(|(events, hashes, meta)| {
            events.insert(&seq.to_be_bytes(), &event[..])?;
            hashes.insert(&hash, &seq.to_be_bytes())?;
            meta.insert("head_seq", &seq.to_be_bytes())?;
            Ok::<(), sled::transaction::ConflictableTransactionError<()>>(())
        })
        .expect("the transaction");
    db.flush().expect("flush");
}

/// Builds a database at head of `ledger` in `path` and returns head's seq.
/// Not by `checkout`, which replays the whole history into the new
/// database (see docs/performance.md, "Growth"), but as `baseline` marks a
/// database it adopts: head's schema rendered into a new file, then marked
/// at head by the reconciler.
fn at_head(ledger: &Path, path: &Path) -> u64 {
    let ledger = strata_ledger::Ledger::open(ledger).expect("open the ledger");
    let head = ledger.head_seq();
    let schema = ledger.schema_at(head).expect("head's schema");
    {
        let mut conn = rusqlite::Connection::open(path).expect("open");
        let tx = conn.transaction().expect("begin");
        for sql in strata_sqlite::render::render_schema(&schema) {
            tx.execute_batch(&sql).expect("head's schema builds");
        }
        tx.commit().expect("commit");
    }
    let r = strata_reconcile::Reconciler::new(&strata_sqlite::Sqlite, &ledger);
    let mut db = r.open(path).expect("open the database");
    let marking = r.adopt(&db, schema, head).expect("adopt");
    strata_reconcile::apply(&mut db, &marking, &strata_target::Mover::named("bench"))
        .expect("mark the database at head");
    head
}

/// The figures side by side, with the ratio of the last size to the first.
fn print_table(results: &[(String, Vec<Figure>)]) {
    let Some((first, rest)) = results.split_first() else {
        return;
    };
    let Some(last) = rest.last() else {
        return;
    };
    println!(
        "\n| command | {} | ratio | peak RSS {} | peak RSS {} |",
        results
            .iter()
            .map(|r| r.0.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        first.0,
        last.0
    );
    println!("|{}", " --- |".repeat(results.len() + 4));
    for (i, f) in first.1.iter().enumerate() {
        let all: Vec<String> = results.iter().map(|r| secs(r.1[i].secs)).collect();
        let rss = |kib: u64| {
            if kib == 0 {
                "-".to_string()
            } else {
                format!("{:.0} MiB", kib as f64 / 1024.0)
            }
        };
        println!(
            "| {} | {} | {:.1}x | {} | {} |",
            f.what,
            all.join(" | "),
            last.1[i].secs / f.secs,
            rss(f.rss_kib),
            rss(last.1[i].rss_kib)
        );
    }
}
