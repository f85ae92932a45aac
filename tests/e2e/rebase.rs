//! A ledger shared through git: two clones record on two branches, one
//! merges, the other merges after it and rebases its ledger onto the text
//! folder the merge brought; both end with the same ledger, `verify --text`
//! passes, and a database applied from each side before the merge reaches
//! head with every row. Conflicts stop a rebase before anything changes.
//! All with the real `git` and the real `strata`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::Env;

/// `git` in `dir`, with an identity of its own; panics on failure.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=tester",
            "-c",
            "user.email=tester@example.com",
        ])
        .args(["-c", "init.defaultBranch=main", "-c", "core.autocrlf=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `git` that may fail (a merge that conflicts): whether it succeeded.
fn git_may_fail(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .args([
            "-c",
            "user.name=tester",
            "-c",
            "user.email=tester@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("run git")
        .status
        .success()
}

/// One clone: its folder, and strata run on its own ledger (kept out of
/// git) and text folder `schema`.
struct Clone<'a> {
    env: &'a Env,
    name: &'static str,
}

impl Clone<'_> {
    fn dir(&self) -> std::path::PathBuf {
        self.env.path().join(self.name)
    }

    fn args<'b>(&'b self, ledger: &'b str, args: &[&'b str]) -> Vec<&'b str> {
        let mut all = vec!["--ledger", ledger];
        all.extend_from_slice(args);
        all
    }

    fn ok(&self, args: &[&str]) -> crate::Run {
        let ledger = format!("{}/ledger-data", self.name);
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("@/", &format!("{}/", self.name)))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.env.ok(&self.args(&ledger, &args))
    }

    fn fails(&self, args: &[&str], code: i32) -> crate::Run {
        let ledger = format!("{}/ledger-data", self.name);
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("@/", &format!("{}/", self.name)))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.env.fails(&self.args(&ledger, &args), code)
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all).stdout).expect("json")
    }

    fn git(&self, args: &[&str]) -> String {
        git(&self.dir(), args)
    }

    fn hashes(&self) -> Vec<Value> {
        let log = self.json(&["log"]);
        log.as_array()
            .expect("array")
            .iter()
            .map(|e| e["hash"].clone())
            .collect()
    }

    fn rows(&self, sql: &str) -> Vec<String> {
        let conn = rusqlite::Connection::open(self.dir().join("app.db")).expect("open");
        let mut stmt = conn.prepare(sql).expect("prepare");
        let rows = stmt
            .query_map([], |r| {
                let n = r.as_ref().column_count();
                let mut line = Vec::new();
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push(format!("{v:?}"));
                }
                Ok(line.join("|"))
            })
            .expect("query")
            .collect::<Result<Vec<_>, _>>()
            .expect("rows");
        rows
    }

    fn exec(&self, sql: &str) {
        rusqlite::Connection::open(self.dir().join("app.db"))
            .expect("open")
            .execute_batch(sql)
            .expect("exec");
    }
}

/// A shared repository with one event on main, cloned twice; each clone's
/// ledger imported from the text folder and applied to its app.db.
fn team(env: &Env) -> (Clone<'_>, Clone<'_>) {
    let origin = env.path().join("origin.git");
    std::fs::create_dir(&origin).expect("mkdir");
    git(&origin, &["init", "--bare", "-q"]);
    let a = Clone { env, name: "a" };
    let b = Clone { env, name: "b" };
    git(env.path(), &["clone", "-q", "origin.git", "a"]);
    std::fs::write(a.dir().join(".gitignore"), "ledger-data/\n*.db\n").expect("write");
    a.ok(&["init"]);
    a.ok(&[
        "record",
        "-m",
        "users",
        "--sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    ]);
    a.ok(&["export", "@/schema"]);
    a.git(&["add", "."]);
    a.git(&["commit", "-q", "-m", "users"]);
    a.git(&["push", "-q", "origin", "HEAD:main"]);
    git(env.path(), &["clone", "-q", "origin.git", "b"]);
    b.ok(&["import", "@/schema"]);
    for c in [&a, &b] {
        c.ok(&["--quiet", "apply", "--db", "@/app.db"]);
        c.exec("INSERT INTO users (name) VALUES ('ada'), ('grace')");
    }
    (a, b)
}

#[test]
fn two_branches_merge_rebase_and_end_with_one_ledger_and_every_row() {
    let env = Env::new();
    let (a, b) = team(&env);
    // Each records on its own branch, commits its text folder, and applies.
    a.git(&["checkout", "-q", "-b", "email"]);
    a.ok(&[
        "record",
        "-m",
        "email",
        "--sql",
        "ALTER TABLE users ADD COLUMN email TEXT",
    ]);
    a.ok(&["export", "@/schema"]);
    a.git(&["add", "schema"]);
    a.git(&["commit", "-q", "-m", "email"]);
    a.ok(&["--quiet", "apply", "--db", "@/app.db"]);
    a.exec("UPDATE users SET email = name || '@a.example'");

    b.git(&["checkout", "-q", "-b", "posts"]);
    b.ok(&[
        "record",
        "-m",
        "posts",
        "--sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), body TEXT)",
    ]);
    b.ok(&["export", "@/schema"]);
    b.git(&["add", "schema"]);
    b.git(&["commit", "-q", "-m", "posts"]);
    b.ok(&["--quiet", "apply", "--db", "@/app.db"]);
    b.exec("INSERT INTO posts (user_id, body) VALUES (1, 'hello'), (2, 'world')");
    let b_before = b.hashes();

    // The pull request of each is checked on the text form alone.
    a.ok(&["verify", "--text", "@/schema", "--deep"]);
    b.ok(&["verify", "--text", "@/schema", "--deep"]);

    // a merges first.
    a.git(&["checkout", "-q", "main"]);
    a.git(&["merge", "-q", "--ff-only", "email"]);
    a.git(&["push", "-q", "origin", "main"]);

    // b merges main: both added event 2's file, so git stops on it. b takes
    // main's text folder and rebases its ledger onto it.
    b.git(&["fetch", "-q", "origin"]);
    assert!(
        !git_may_fail(&b.dir(), &["merge", "-q", "origin/main"]),
        "the two event files conflict"
    );
    b.git(&["checkout", "origin/main", "--", "schema"]);
    // Before the rebase, importing main's folder is refused as a fork.
    b.fails(&["import", "@/schema"], 3).says("part at event 2");
    let rebased = b.ok(&["rebase", "@/schema", "-m", "after merging main"]);
    rebased
        .says("rebased 1 event onto")
        .says("event 2")
        .says("is now event 3");
    b.ok(&["verify", "--deep"]);
    b.ok(&["verify", "--text", "@/schema", "--deep"]);
    // The log shows where the rebased event was.
    b.ok(&["log"])
        .says("rebased from event 2")
        .says("after merging main");
    let log = b.json(&["log"]);
    assert_eq!(log[0]["origin"]["seq"], 2);
    assert_eq!(log[0]["origin"]["hash"], b_before[0]);
    assert_eq!(log[0]["message"], "posts");
    b.git(&["add", "schema"]);
    b.git(&["commit", "-q", "-m", "merge main"]);
    b.git(&["push", "-q", "origin", "HEAD:main"]);

    // a pulls and imports: both clones hold the same ledger.
    a.git(&["pull", "-q", "--ff-only", "origin", "main"]);
    a.ok(&["import", "@/schema"]);
    assert_eq!(a.hashes(), b.hashes());
    assert_eq!(a.hashes().len(), 3);
    a.ok(&["verify", "--text", "@/schema", "--deep"]);

    // a's database is at event 2, which kept its place: it moves on.
    a.ok(&["apply", "--db", "@/app.db"])
        .says("is now at event 3");
    assert_eq!(
        a.rows("SELECT id, name, email FROM users ORDER BY id"),
        [
            "Integer(1)|Text(\"ada\")|Text(\"ada@a.example\")",
            "Integer(2)|Text(\"grace\")|Text(\"grace@a.example\")"
        ]
    );
    // b's database applied the event before the rebase: it is recognised by
    // the origin and brought to head with its posts.
    b.ok(&["status", "--db", "@/app.db"])
        .says("of the history before a rebase");
    // For CI it is behind head: the other branch's event and its own
    // event's new place are pending.
    b.fails(&["check", "--db", "@/app.db"], 5)
        .says("records an event of the history before a rebase")
        .says("is not at event 3: 2 events pending");
    b.ok(&["apply", "--db", "@/app.db"])
        .says("is now at event 3");
    b.ok(&["status", "--db", "@/app.db"])
        .says("is at event 3")
        .says("no drift");
    b.ok(&["check", "--db", "@/app.db"]).says("ok: ");
    assert_eq!(
        b.rows("SELECT id, user_id, body FROM posts ORDER BY id"),
        [
            "Integer(1)|Integer(1)|Text(\"hello\")",
            "Integer(2)|Integer(2)|Text(\"world\")"
        ]
    );
    assert_eq!(
        b.rows("SELECT id, name, email FROM users ORDER BY id"),
        [
            "Integer(1)|Text(\"ada\")|Null",
            "Integer(2)|Text(\"grace\")|Null"
        ]
    );
    // And back to the start and forward again, nothing lost.
    b.ok(&["--quiet", "apply", "--db", "@/app.db", "--to", "1"]);
    b.ok(&["--quiet", "apply", "--db", "@/app.db"]);
    assert_eq!(b.rows("SELECT count(*) FROM posts"), ["Integer(2)"]);
    // The store as it was before the rebase is kept.
    let kept: Vec<String> = std::fs::read_dir(b.dir().join("ledger-data"))
        .expect("read")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("store.before-rebase-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
}

#[test]
fn a_conflict_stops_the_rebase_before_anything_changes() {
    let env = Env::new();
    let (a, b) = team(&env);
    // Both add a column named email, of different types.
    for (c, ty) in [(&a, "TEXT"), (&b, "BLOB")] {
        c.ok(&[
            "record",
            "-m",
            "email",
            "--sql",
            &format!("ALTER TABLE users ADD COLUMN email {ty}"),
        ]);
    }
    a.ok(&["export", "@/schema"]);
    let before = b.hashes();
    let store = std::fs::read_dir(b.dir().join("ledger-data/store"))
        .expect("read")
        .count();
    let failed = b.fails(&["rebase", "a/schema", "-m", "merge"], 1);
    failed
        .says("the ledger's event 2")
        .says("the text form's event 2")
        .says("do not both fit")
        .says("nothing was changed");
    assert_eq!(b.hashes(), before);
    assert!(!b.dir().join("ledger-data/.rebase").exists());
    assert_eq!(
        std::fs::read_dir(b.dir().join("ledger-data/store"))
            .expect("read")
            .count(),
        store
    );
    // Nothing to rebase: the same history, or one a prefix of the other.
    b.ok(&["export", "@/schema"]);
    b.ok(&["rebase", "@/schema", "-m", "again"])
        .says("nothing to rebase");
    let other = Env::new();
    other.ok(&["init"]);
    other.ok(&["record", "-m", "t", "--sql", "CREATE TABLE t (a)"]);
    other.ok(&["export", "t"]);
    let there = other.path().join("t");
    b.fails(
        &["rebase", there.to_str().expect("utf-8"), "-m", "unrelated"],
        3,
    )
    .says("no event in common");
}
