//! The reconciler's own tests, run against every target: SQLite, and a toy
//! target written only here (`toy`), which proves that the seam holds
//! what a target needs and nothing of SQLite. Each test drives a real sled
//! ledger through the library's public API.

mod toy;

use std::path::{Path, PathBuf};

use strata_ledger::{Body, Dialect, Draft, Ledger};
use strata_reconcile::{Error, Kind, Mover, Outcome, Reconciler};
use strata_schema::{Column, Op, Schema, Table};
use strata_target::Lineage;
use strata_target::{Database, Plan, Target};
use tempfile::TempDir;

/// What a test needs of a target beyond the seam: a place for a database,
/// and ways to change one behind strata's back.
trait Harness {
    type T: Target;
    fn target(&self) -> &Self::T;
    fn location(&self, name: &str) -> PathBuf;
    /// Changes the live schema outside strata (drift).
    fn drift(&self, location: &Path);
    /// A database that holds `schema` and no bookkeeping.
    fn unrecorded(&self, location: &Path, schema: &Schema);
    /// An op the model accepts and the target refuses.
    fn refused(&self) -> Op;
    /// The dialect of the ledgers the tests make for the target.
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

struct Sqlite {
    dir: TempDir,
}

impl Harness for Sqlite {
    type T = strata_sqlite::Sqlite;

    fn target(&self) -> &strata_sqlite::Sqlite {
        &strata_sqlite::Sqlite
    }

    fn location(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.db"))
    }

    fn drift(&self, location: &Path) {
        let conn = strata_sqlite::rusqlite::Connection::open(location).expect("open");
        conn.execute_batch("CREATE TABLE drifted (x)")
            .expect("drift");
    }

    fn unrecorded(&self, location: &Path, schema: &Schema) {
        let conn = strata_sqlite::rusqlite::Connection::open(location).expect("open");
        for sql in self.target().render(schema) {
            conn.execute_batch(&sql).expect("build");
        }
    }

    fn refused(&self) -> Op {
        // SQLite knows no such collation; the model does not check.
        let mut t = table("words", &["w"]);
        t.columns[0].collation = Some("no_such_collation".to_string());
        Op::CreateTable { table: t }
    }
}

struct ToyHarness {
    toy: toy::Toy,
    dir: TempDir,
}

impl Harness for ToyHarness {
    type T = toy::Toy;

    fn target(&self) -> &toy::Toy {
        &self.toy
    }

    fn location(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn drift(&self, location: &Path) {
        let mut state = self.toy.state(location).expect("a toy database");
        let drifted = table("drifted", &["x"]);
        state.schema.tables.insert("drifted".to_string(), drifted);
        self.toy.set(location, state);
    }

    fn unrecorded(&self, location: &Path, schema: &Schema) {
        self.toy.set(
            location,
            toy::State {
                schema: schema.clone(),
                ..toy::State::default()
            },
        );
    }

    fn refused(&self) -> Op {
        Op::CreateTable {
            table: table(&format!("{}words", toy::REFUSED_PREFIX), &["w"]),
        }
    }
}

/// A throwaway PostgreSQL cluster of the test's own; each location is a
/// database of it, made on first use.
struct Pg {
    cluster: strata_postgres::cluster::Cluster,
    target: strata_postgres::Postgres,
    made: std::sync::Mutex<std::collections::BTreeMap<String, PathBuf>>,
}

impl Pg {
    fn client(&self, location: &Path) -> strata_postgres::postgres::Client {
        let url = location.to_str().expect("a URL");
        strata_postgres::postgres::Client::connect(url, strata_postgres::postgres::NoTls)
            .expect("connect")
    }
}

impl Harness for Pg {
    type T = strata_postgres::Postgres;

    fn target(&self) -> &strata_postgres::Postgres {
        &self.target
    }

    fn location(&self, name: &str) -> PathBuf {
        let mut made = self.made.lock().expect("lock");
        made.entry(name.to_string())
            .or_insert_with(|| PathBuf::from(self.cluster.database(name).expect("a database")))
            .clone()
    }

    fn drift(&self, location: &Path) {
        self.client(location)
            .batch_execute("CREATE TABLE drifted (x text)")
            .expect("drift");
    }

    fn unrecorded(&self, location: &Path, schema: &Schema) {
        let mut client = self.client(location);
        for sql in self.target().render(schema) {
            client.batch_execute(&sql).expect("build");
        }
    }

    fn refused(&self) -> Op {
        // PostgreSQL knows no such type; the model does not check.
        let mut t = table("words", &["w"]);
        t.columns[0].ty = "no_such_type".to_string();
        Op::CreateTable { table: t }
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

fn pg() -> Pg {
    let cluster = strata_postgres::cluster::Cluster::start().expect("a PostgreSQL cluster");
    let dev = cluster.database("dev").expect("a development database");
    Pg {
        cluster,
        target: strata_postgres::Postgres {
            dev: Some(dev),
            ..strata_postgres::Postgres::default()
        },
        made: Default::default(),
    }
}

fn sqlite() -> Sqlite {
    Sqlite {
        dir: TempDir::new().expect("temp dir"),
    }
}

fn toy() -> ToyHarness {
    ToyHarness {
        toy: toy::Toy::default(),
        dir: TempDir::new().expect("temp dir"),
    }
}

/// Each case, as a test against each target.
macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $case() { super::$case(&super::sqlite()) })*
        }
        mod the_toy {
            $(#[test] fn $case() { super::$case(&super::toy()) })*
        }
        mod postgres {
            $(#[test] fn $case() { super::$case(&super::pg()) })*
        }
    };
}

cases!(
    a_new_database_stands_at_zero,
    moves_back_and_forth_keep_the_schema_and_the_point,
    a_revert_restores_what_its_origin_archived,
    a_database_of_another_ledger_is_refused,
    drift_is_found_and_refused,
    a_database_a_baseline_adopted_stands_at_the_baseline,
    checkout_builds_and_never_overwrites,
    an_apply_another_process_finished_is_done,
    proof_refuses_what_the_target_refuses,
    purge_removes_what_events_up_to_a_point_kept,
    at_rest_only_at_the_point_and_untouched_since,
);

fn table(name: &str, columns: &[&str]) -> Table {
    Table {
        name: name.to_string(),
        columns: columns.iter().map(|c| column(c)).collect(),
        ..Table::default()
    }
}

fn column(name: &str) -> Column {
    Column {
        name: name.to_string(),
        ty: "TEXT".to_string(),
        ..Column::default()
    }
}

fn change(ledger: &Ledger, message: &str, ops: Vec<Op>) {
    ledger
        .append(Draft {
            at: None,
            author: "test".to_string(),
            message: message.to_string(),
            body: Body::Change {
                ops,
                revert_sql: None,
            },
        })
        .expect("append");
}

/// 1 users(id, name); 2 users.email added; 3 orders; 4 users.email
/// dropped; 5 the revert of 4.
fn example(dir: &Path, dialect: Dialect) -> Ledger {
    let ledger = Ledger::init_with(dir.join("ledger"), dialect).expect("init");
    change(
        &ledger,
        "users",
        vec![Op::CreateTable {
            table: table("users", &["id", "name"]),
        }],
    );
    let email = || column("email");
    change(
        &ledger,
        "email",
        vec![Op::AddColumn {
            table: "users".into(),
            column: email(),
            position: 2,
        }],
    );
    change(
        &ledger,
        "orders",
        vec![Op::CreateTable {
            table: table("orders", &["id"]),
        }],
    );
    change(
        &ledger,
        "no email",
        vec![Op::DropColumn {
            table: "users".into(),
            column: email(),
            position: 2,
        }],
    );
    let body = ledger.revert_body(4, false).expect("revert body");
    ledger
        .append(Draft {
            at: None,
            author: "test".to_string(),
            message: "email back".to_string(),
            body,
        })
        .expect("append revert");
    ledger
}

/// A ledger of the example in its own folder, kept with it.
struct Fixture {
    _dir: TempDir,
    ledger: Ledger,
}

fn fixture(dialect: Dialect) -> Fixture {
    let dir = TempDir::new().expect("temp dir");
    let ledger = example(dir.path(), dialect);
    Fixture { _dir: dir, ledger }
}

fn mover() -> Mover {
    Mover::named("test")
}

/// Moves the database at `location` to `to`, as `apply` does.
fn move_to<H: Harness>(
    h: &H,
    ledger: &Ledger,
    location: &Path,
    to: u64,
) -> strata_reconcile::Applied {
    let r = Reconciler::new(h.target(), ledger);
    let mut db = r.open(location).expect("open");
    let survey = r.survey(&db).expect("survey");
    survey.refuse_drift().expect("no drift");
    let planned = r.plan(&db, survey, to).expect("plan");
    match strata_reconcile::apply(&mut db, &planned, &mover()).expect("apply") {
        Outcome::Applied(applied) => applied,
        Outcome::AlreadyThere => panic!("nothing applied"),
    }
}

/// The database stands at `seq`, recorded, with the ledger's schema there.
fn assert_at<H: Harness>(h: &H, ledger: &Ledger, location: &Path, seq: u64) {
    let r = Reconciler::new(h.target(), ledger);
    let db = r.open(location).expect("open");
    let survey = r.survey(&db).expect("survey");
    assert_eq!(survey.seq(), seq);
    let position = survey.standing.position.expect("a recorded point");
    assert_eq!(position, r.position(seq).expect("position"));
    assert!(survey.drift.is_empty(), "{:?}", survey.drift);
    assert_eq!(survey.expected, ledger.schema_at(seq).expect("schema"));
}

fn a_new_database_stands_at_zero<H: Harness>(h: &H) {
    let f = fixture(h.dialect());
    let r = Reconciler::new(h.target(), &f.ledger);
    let db = r.open(&h.location("new")).expect("open");
    let survey = r.survey(&db).expect("survey");
    assert_eq!(survey.seq(), 0);
    assert_eq!(survey.standing.position, None);
    assert!(survey.drift.is_empty());
    let planned = r.plan(&db, survey, 3).expect("plan");
    assert!(!planned.is_done());
    assert!(!planned.plan.is_empty());
    assert!(!planned.plan.sql().is_empty());
}

fn moves_back_and_forth_keep_the_schema_and_the_point<H: Harness>(h: &H) {
    let f = fixture(h.dialect());
    let db = h.location("moved");
    for to in [5, 1, 3, 0, 4, 2, 5] {
        move_to(h, &f.ledger, &db, to);
        assert_at(h, &f.ledger, &db, to);
    }
}

fn a_revert_restores_what_its_origin_archived<H: Harness>(h: &H) {
    let f = fixture(h.dialect());
    let r = Reconciler::new(h.target(), &f.ledger);
    // Event 5 undoes op 0 of event 4: it carries that op out backwards.
    let steps = r.steps(4, 5).expect("steps");
    assert_eq!(steps.len(), 1);
    assert_eq!(
        steps[0].lineage_of(0),
        Lineage {
            seq: 4,
            op: 0,
            forward: false
        }
    );
    // Backwards over 5, the op is 4's again, forwards.
    let back = r.steps(5, 4).expect("steps");
    assert_eq!(
        back[0].lineage_of(0),
        Lineage {
            seq: 4,
            op: 0,
            forward: true
        }
    );
    let db = h.location("reverted");
    move_to(h, &f.ledger, &db, 3);
    let dropped = move_to(h, &f.ledger, &db, 4);
    assert_eq!(dropped.archived.len(), 1, "{dropped:?}");
    let back = move_to(h, &f.ledger, &db, 5);
    assert_eq!(back.restored.len(), 1, "{back:?}");
    assert_at(h, &f.ledger, &db, 5);
}

fn a_database_of_another_ledger_is_refused<H: Harness>(h: &H) {
    let f = fixture(h.dialect());
    let db = h.location("foreign");
    move_to(h, &f.ledger, &db, 2);
    let other = fixture(h.dialect());
    let r = Reconciler::new(h.target(), &other.ledger);
    let e = r
        .standing(&r.open(&db).expect("open"))
        .expect_err("foreign");
    assert!(matches!(e, Error::ForeignLedger { .. }), "{e}");
    assert_eq!(e.kind(), Kind::Integrity);
    assert!(e.help().is_some());
    // Nor are its archives listed or purged under this ledger.
    let mut open = r.open(&db).expect("open");
    let listed = r.archives(&open).expect_err("foreign");
    assert_eq!(listed.kind(), Kind::Integrity);
    let purged = r.purge(&mut open, 2).expect_err("foreign");
    assert_eq!(purged.kind(), Kind::Integrity);
}

fn drift_is_found_and_refused<H: Harness>(h: &H) {
    let f = fixture(h.dialect());
    let db = h.location("drifted");
    move_to(h, &f.ledger, &db, 3);
    h.drift(&db);
    let r = Reconciler::new(h.target(), &f.ledger);
    let survey = r.survey(&r.open(&db).expect("open")).expect("survey");
    assert_eq!(survey.drift.len(), 1, "{:?}", survey.drift);
    assert_eq!(survey.drift[0].name, "drifted");
    let e = survey.refuse_drift().expect_err("drift");
    assert_eq!(e.kind(), Kind::Drift);
}

fn a_database_a_baseline_adopted_stands_at_the_baseline<H: Harness>(h: &H) {
    let dir = TempDir::new().expect("temp dir");
    let ledger = Ledger::init_with(dir.path().join("ledger"), h.dialect()).expect("init");
    let mut schema = Schema::default();
    schema
        .tables
        .insert("kept".to_string(), table("kept", &["k"]));
    ledger
        .append(Draft {
            at: None,
            author: "test".to_string(),
            message: "adopt".to_string(),
            body: Body::Baseline {
                schema: schema.clone(),
            },
        })
        .expect("baseline");
    change(
        &ledger,
        "more",
        vec![Op::CreateTable {
            table: table("more", &["m"]),
        }],
    );
    let db = h.location("adopted");
    h.unrecorded(&db, &schema);
    let r = Reconciler::new(h.target(), &ledger);
    let standing = r.standing(&r.open(&db).expect("open")).expect("standing");
    assert_eq!((standing.seq, standing.position), (1, None));
    move_to(h, &ledger, &db, 2);
    assert_at(h, &ledger, &db, 2);
}

fn checkout_builds_and_never_overwrites<H: Harness>(h: &H) {
    let f = fixture(h.dialect());
    let db = h.location("built");
    let r = Reconciler::new(h.target(), &f.ledger);
    r.checkout(3)
        .expect("checkout")
        .build(h.target(), &db, &mover())
        .expect("build");
    assert_at(h, &f.ledger, &db, 3);
    let e = r
        .checkout(5)
        .expect("checkout")
        .build(h.target(), &db, &mover())
        .expect_err("exists");
    assert_eq!(e.kind(), Kind::Refused);
    assert_at(h, &f.ledger, &db, 3);
}

fn an_apply_another_process_finished_is_done<H: Harness>(h: &H) {
    let f = fixture(h.dialect());
    let db = h.location("raced");
    let r = Reconciler::new(h.target(), &f.ledger);
    let mut one = r.open(&db).expect("open");
    let planned = r
        .plan(&one, r.survey(&one).expect("survey"), 3)
        .expect("plan");
    let mut two = r.open(&db).expect("open");
    assert!(matches!(
        strata_reconcile::apply(&mut two, &planned, &mover()).expect("apply"),
        Outcome::Applied(_)
    ));
    assert_eq!(
        strata_reconcile::apply(&mut one, &planned, &mover()).expect("apply"),
        Outcome::AlreadyThere
    );
    assert_at(h, &f.ledger, &db, 3);
}

fn proof_refuses_what_the_target_refuses<H: Harness>(h: &H) {
    let f = fixture(h.dialect());
    let draft = |ops| Draft {
        at: None,
        author: "test".to_string(),
        message: "proven".to_string(),
        body: Body::Change {
            ops,
            revert_sql: None,
        },
    };
    let fine = f
        .ledger
        .prepare(draft(vec![Op::CreateTable {
            table: table("fine", &["f"]),
        }]))
        .expect("prepare");
    assert_eq!(
        strata_reconcile::proof::event(h.target(), &f.ledger, &fine).expect("proof"),
        None
    );
    let refused = f.ledger.prepare(draft(vec![h.refused()])).expect("prepare");
    let e = strata_reconcile::proof::event(h.target(), &f.ledger, &refused).expect_err("refused");
    assert!(matches!(e, Error::Unprovable { .. }), "{e}");
    assert!(e.to_string().ends_with("nothing was appended"), "{e}");
    assert_eq!(f.ledger.head_seq(), 5);
    // No stored event is void: each was appended fitting the schema.
    for seq in 1..=5 {
        assert!(!strata_reconcile::proof::void(h.target(), &f.ledger, seq).expect("void"));
    }
}

fn purge_removes_what_events_up_to_a_point_kept<H: Harness>(h: &H) {
    let f = fixture(h.dialect());
    let db = h.location("purged");
    move_to(h, &f.ledger, &db, 4);
    let r = Reconciler::new(h.target(), &f.ledger);
    let mut open = r.open(&db).expect("open");
    let kept = r.archives(&open).expect("archives");
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0].lineage,
        Lineage {
            seq: 4,
            op: 0,
            forward: true
        }
    );
    assert!(r.purge(&mut open, 3).expect("purge").is_empty());
    assert_eq!(r.purge(&mut open, 4).expect("purge").len(), 1);
    assert!(r.archives(&open).expect("archives").is_empty());
    let _ = open.name();
}

fn at_rest_only_at_the_point_and_untouched_since<H: Harness>(h: &H) {
    let f = fixture(h.dialect());
    let r = Reconciler::new(h.target(), &f.ledger);
    let db = h.location("resting");
    // Never applied to: nothing vouches for it.
    let open = r.open(&db).expect("open");
    assert!(!r.at_rest(&open, 0).expect("at rest"));
    assert!(!r.at_rest(&open, 3).expect("at rest"));
    drop(open);

    move_to(h, &f.ledger, &db, 3);
    let open = r.open(&db).expect("open");
    assert!(r.at_rest(&open, 3).expect("at rest"));
    assert!(open.sealed().expect("sealed"));
    for elsewhere in [0, 2, 4, 5] {
        assert!(
            !r.at_rest(&open, elsewhere).expect("at rest"),
            "{elsewhere}"
        );
    }
    // A point the ledger does not have is the ledger's error.
    assert!(r.at_rest(&open, 6).is_err());
    drop(open);

    // Moved again, and back: each apply seals where it leaves it.
    move_to(h, &f.ledger, &db, 5);
    move_to(h, &f.ledger, &db, 3);
    assert!(r.at_rest(&r.open(&db).expect("open"), 3).expect("at rest"));

    // Drift breaks it, and the survey finds the drift.
    h.drift(&db);
    let open = r.open(&db).expect("open");
    assert!(!r.at_rest(&open, 3).expect("at rest"));
    assert!(!open.sealed().expect("sealed"));
    assert!(!r.survey(&open).expect("survey").drift.is_empty());

    // Under another ledger, the same database is not at rest (the survey
    // says why).
    let built = h.location("built");
    r.checkout(3)
        .expect("checkout")
        .build(h.target(), &built, &mover())
        .expect("build");
    assert!(r
        .at_rest(&r.open(&built).expect("open"), 3)
        .expect("at rest"));
    let other = fixture(h.dialect());
    let o = Reconciler::new(h.target(), &other.ledger);
    assert!(!o
        .at_rest(&o.open(&built).expect("open"), 3)
        .expect("at rest"));
}
