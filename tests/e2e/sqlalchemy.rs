//! The seed's workflow with SQLAlchemy models: `contrib/sqlalchemy/
//! strata_models.py` writes the schema the models declare, `record
//! --desired` records it, a model field added is one more event, and
//! `revert` takes it back with the field's values archived where
//! `drop_all()` would have lost every row. SQLAlchemy is installed from the
//! package index into a virtual environment kept under the tests' temporary
//! folder; without python3, venv or the index the test says it skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Env;

const MODELS_V1: &str = "from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = 'users'
    id = Column(Integer, primary_key=True)
    name = Column(String(50))
    email = Column(String(100))
";

/// A Python with SQLAlchemy, or why there is none.
fn python() -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sqlalchemy-venv");
    let python = dir.join("bin").join("python");
    let ready = dir.join("strata-ready");
    if ready.exists() && python.exists() {
        return Ok(python);
    }
    // A venv left half made by an interrupted run is made again.
    let _ = std::fs::remove_dir_all(&dir);
    let run = |cmd: &mut Command, what: &str| -> Result<(), String> {
        match cmd.output() {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(format!(
                "{what} failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => Err(format!("{what} could not run: {e}")),
        }
    };
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&dir),
        "python3 -m venv (Debian: apt-get install python3-venv)",
    )?;
    run(
        Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "sqlalchemy",
        ]),
        "pip install sqlalchemy (is the package index reachable?)",
    )?;
    std::fs::write(&ready, "").map_err(|e| e.to_string())?;
    Ok(python)
}

/// Runs the contrib script on `models.py` in the Env, writing `desired.sql`.
fn models_to_sql(env: &Env, python: &Path) -> String {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contrib/sqlalchemy/strata_models.py");
    let out = Command::new(python)
        .arg(script)
        .args(["models.py", "-o", "desired.sql"])
        .current_dir(env.path())
        .output()
        .expect("run strata_models.py");
    assert!(
        out.status.success(),
        "strata_models.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(env.path().join("desired.sql")).expect("desired.sql")
}

fn users(env: &Env, columns: &str) -> Vec<Vec<rusqlite::types::Value>> {
    let db = env.db("app.db");
    let mut st = db
        .prepare(&format!("SELECT {columns} FROM users ORDER BY id"))
        .expect("prepare");
    let n = st.column_count();
    st.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn table_sql(env: &Env) -> String {
    env.db("app.db")
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'users'",
            [],
            |r| r.get(0),
        )
        .expect("users")
}

#[test]
fn models_recorded_applied_changed_and_reverted_keep_the_rows() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    use rusqlite::types::Value::{Integer, Null, Text};
    let env = Env::init();
    env.file("models.py", MODELS_V1);
    let sql = models_to_sql(&env, &python);
    assert!(sql.contains("CREATE TABLE users"), "{sql}");
    env.ok(&["record", "-m", "users model", "--desired", "desired.sql"]);
    env.ok(&["apply", "--db", "app.db"]);
    let v1 = table_sql(&env);
    env.db("app.db")
        .execute_batch("INSERT INTO users VALUES (1, 'ada', 'ada@x'), (2, 'bob', 'bob@x');")
        .expect("rows");

    // One model field more, one command to record it.
    env.file(
        "models.py",
        &format!("{MODELS_V1}    age = Column(Integer)\n"),
    );
    models_to_sql(&env, &python);
    env.ok(&["plan", "--desired", "desired.sql"]).says("age");
    env.ok(&[
        "record",
        "-m",
        "users get an age",
        "--desired",
        "desired.sql",
    ]);
    assert_eq!(env.head(), 2);
    env.ok(&["apply", "--db", "app.db"]);
    env.db("app.db")
        .execute_batch("UPDATE users SET age = 36 WHERE id = 1;")
        .expect("age");
    assert_eq!(
        users(&env, "id, name, email, age"),
        [
            vec![
                Integer(1),
                Text("ada".into()),
                Text("ada@x".into()),
                Integer(36)
            ],
            vec![Integer(2), Text("bob".into()), Text("bob@x".into()), Null],
        ]
    );

    // revert, where drop_all() would lose every row.
    env.ok(&["revert", "head", "-m", "no age after all"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(table_sql(&env), v1);
    assert_eq!(
        users(&env, "*"),
        [
            vec![Integer(1), Text("ada".into()), Text("ada@x".into())],
            vec![Integer(2), Text("bob".into()), Text("bob@x".into())],
        ]
    );
    let archived = env.json(&["archive", "list", "--db", "app.db"]);
    assert!(archived.to_string().contains("age"), "{archived}");
    // And the field back again brings its values back with it.
    env.ok(&["revert", "head", "-m", "age after all"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        users(&env, "id, age"),
        [vec![Integer(1), Integer(36)], vec![Integer(2), Null]]
    );
}
