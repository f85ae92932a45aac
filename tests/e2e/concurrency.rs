//! Several strata processes at once, for real: recorders into one ledger,
//! appliers to one database, readers beside a writer.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::Env;

fn spawn(env: &Env, args: &[&str]) -> Child {
    env.command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn strata")
}

fn finish(env: &Env, args: &[&str], child: Child) -> crate::Run {
    env.finish(args, child.wait_with_output().expect("wait strata"))
}

#[test]
fn concurrent_recorders_wait_their_turn_and_the_chain_never_forks() {
    let env = Env::init();
    let argv: Vec<Vec<String>> = (0..8)
        .map(|i| {
            [
                "--wait",
                "60",
                "record",
                "-m",
                &format!("table {i}"),
                "--sql",
                &format!("CREATE TABLE t{i} (a integer)"),
            ]
            .map(String::from)
            .to_vec()
        })
        .collect();
    let children: Vec<(Vec<&str>, Child)> = argv
        .iter()
        .map(|a| {
            let args: Vec<&str> = a.iter().map(String::as_str).collect();
            let child = spawn(&env, &args);
            (args, child)
        })
        .collect();
    for (args, child) in children {
        finish(&env, &args, child).success();
    }
    let events = env.events();
    assert_eq!(events.len(), 8);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], i as u64 + 1);
        if i > 0 {
            assert_eq!(e["prev"], events[i - 1]["hash"], "the chain links");
        }
    }
    env.ok(&["verify", "--deep"]);
    assert_eq!(
        env.json(&["schema"])["tables"]
            .as_object()
            .expect("tables")
            .len(),
        8
    );
}

#[test]
fn a_busy_ledger_names_who_holds_it() {
    let env = Env::init();
    env.seed();
    // Every strata process that opens the ledger writes itself down.
    let holder = std::fs::read_to_string(env.path().join("ledger-data/holder")).expect("holder");
    assert!(holder.starts_with("pid "), "{holder}");
    assert!(holder.contains("strata"), "{holder}");

    // This test process holds the store as a strata would, and says so.
    let store = crate::support::open_store(&env.path().join("ledger-data/store"));
    std::fs::write(
        env.path().join("ledger-data/holder"),
        format!("pid {}: strata record -m slow", std::process::id()),
    )
    .expect("write holder");
    let started = Instant::now();
    env.fails(&["--wait", "0.5", "tag", "v1"], 1).says(&format!(
        "is in use by another strata process (pid {}: strata record -m slow)",
        std::process::id()
    ));
    assert!(started.elapsed() >= Duration::from_millis(500));
    // A reader does not wait for it.
    env.ok(&["--wait", "0", "log"]);
    drop(store);
    env.ok(&["tag", "v1"]);
}

/// A ledger whose head rebuilds a table of `rows` rows, and a database at
/// the event before it holding them.
fn big_change(env: &Env, rows: i64) {
    env.record(
        "big",
        "CREATE TABLE big (id integer PRIMARY KEY, n integer, note text)",
    );
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    conn.execute(
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1)
         INSERT INTO big SELECT i, i * 3, 'note ' || i FROM k",
        [rows],
    )
    .expect("fill");
    drop(conn);
    env.record(
        "rebuild",
        "ALTER TABLE big ALTER COLUMN n TYPE text; ALTER TABLE big ALTER COLUMN note SET NOT NULL",
    );
}

#[test]
fn two_applies_to_one_database_end_at_the_same_point() {
    let env = Env::init();
    big_change(&env, 200_000);
    let args = ["apply", "--db", "app.db"];
    let first = spawn(&env, &args);
    std::thread::sleep(Duration::from_millis(100));
    let second = spawn(&env, &args);
    let (a, b) = (finish(&env, &args, first), finish(&env, &args, second));
    let a = a.success();
    let b = b.success();
    let said = format!("{}{}", a.stdout, b.stdout);
    assert_eq!(said.matches("is now at event 2").count(), 1, "{said}");
    assert_eq!(said.matches("already at event 2").count(), 1, "{said}");
    let conn = env.db("app.db");
    let log: i64 = conn
        .query_row("SELECT count(*) FROM _strata_log", [], |r| r.get(0))
        .expect("log");
    assert_eq!(log, 2, "one apply to event 1, one to event 2");
    let rows: i64 = conn
        .query_row(
            "SELECT count(*) FROM big WHERE typeof(n) = 'text'",
            [],
            |r| r.get(0),
        )
        .expect("rows");
    assert_eq!(rows, 200_000);
    env.ok(&["status", "--db", "app.db"]).says("no drift");
}

/// While an apply stands in the middle of its transaction (held there by
/// a pause point), the ledger's readers and `status` on the database run
/// and answer: apply let the ledger go before its database work.
#[test]
fn readers_do_not_wait_for_an_apply_in_progress() {
    let env = Env::init();
    big_change(&env, 1_000);
    let go = env.path().join("go");
    let args = ["apply", "--db", "app.db"];
    let mut writer = env
        .command(&args)
        .env(
            "STRATA_FAILPOINT",
            format!("apply:statement:1@wait={}", go.display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn strata");
    let waiting = env.path().join("go.waiting");
    let started = Instant::now();
    while !waiting.exists() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(waiting.exists(), "the apply never reached its pause point");
    for read in [
        // The database: it shows the point the apply started from.
        &["--wait", "0", "status", "--db", "app.db"][..],
        &["--wait", "0", "log"],
        &["--wait", "0", "schema"],
        &["--wait", "0", "verify"],
    ] {
        let run = env.run(read);
        assert_eq!(run.code, 0, "{read:?} while apply runs: {}", run.stderr);
        if read.contains(&"status") {
            assert!(run.stdout.contains("is at event 1"), "{}", run.stdout);
        }
    }
    assert!(
        writer.try_wait().expect("wait").is_none(),
        "the apply is paused"
    );
    std::fs::write(&go, "").expect("go");
    let done = env
        .finish(&args, writer.wait_with_output().expect("wait"))
        .success();
    assert!(done.stdout.contains("now at event 2"), "{}", done.stdout);
    env.ok(&["status", "--db", "app.db"]).says("no drift");
}
