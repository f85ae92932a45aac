//! The ledger's text form: `export` writes it (idempotent, the same bytes
//! from any copy of the ledger), `verify --text` checks it without a store,
//! and `import` brings it into a fresh ledger or onto a prefix of it.
//! Every kind of tampering (an edited, removed, swapped or truncated file,
//! an extra file in the middle) and a fork are exit 3 naming the file or
//! the seq, with nothing appended.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use crate::Env;

/// A ledger with every kind of event: changes, a tag, a revert, and SQL
/// with quotes and a newline.
fn history() -> Env {
    let env = Env::init();
    env.seed();
    env.ok(&["tag", "v1"]);
    env.record(
        "posts\nwith a second line",
        "CREATE TABLE posts (id integer PRIMARY KEY, body text NOT NULL DEFAULT 'it''s', \
         CHECK (body <> ''));\nCREATE INDEX posts_body ON posts (body)",
    );
    env.ok(&["revert", "4", "-m", "no posts after all"]);
    env
}

/// Every file of `dir`, by name: its bytes and when it was last modified.
fn files(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            let e = e.expect("entry");
            let meta = e.metadata().expect("metadata");
            (
                e.file_name().to_string_lossy().into_owned(),
                (
                    std::fs::read(e.path()).expect("read"),
                    meta.modified().expect("mtime"),
                ),
            )
        })
        .collect()
}

fn bytes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files(dir).into_iter().map(|(k, (b, _))| (k, b)).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

#[test]
fn export_then_import_into_a_fresh_ledger_gives_the_same_ledger() {
    let env = history();
    let exported = env.json(&["export", "text"]);
    assert_eq!(exported["events"], 5);
    assert_eq!(exported["written"], 6);
    let names: Vec<String> = bytes(&env.path().join("text")).into_keys().collect();
    assert_eq!(
        names,
        [
            ".gitattributes",
            "000001.json",
            "000002.json",
            "000003.json",
            "000004.json",
            "000005.json",
            "ledger.json"
        ]
    );
    let verified = env.json(&["verify", "--text", "text", "--deep"]);
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["events"], 5);
    assert_eq!(verified["tags"], 1);

    let imported = env.json(&["--ledger", "fresh", "import", "text"]);
    assert_eq!(imported["created"], true);
    assert_eq!(imported["imported"], 5);
    assert_eq!(
        env.json(&["log"]),
        env.json(&["--ledger", "fresh", "log"]),
        "the imported ledger shows the same history, hash for hash"
    );
    assert_eq!(
        env.json(&["--ledger", "fresh", "verify", "--deep"])["ok"],
        true
    );
    // The copy exports the same bytes: the text form is the same on any
    // machine that holds the ledger.
    env.ok(&["--ledger", "fresh", "export", "again"]);
    assert_eq!(
        bytes(&env.path().join("text")),
        bytes(&env.path().join("again"))
    );
    // And the copy takes new events like any ledger.
    env.ok(&[
        "--ledger",
        "fresh",
        "record",
        "-m",
        "more",
        "--sql",
        "CREATE TABLE more (id integer)",
    ]);
}

#[test]
fn a_second_export_changes_no_file() {
    let env = history();
    env.ok(&["export", "text"]);
    let before = files(&env.path().join("text"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = env.json(&["export", "text"]);
    assert_eq!(again["written"], 0);
    assert_eq!(again["unchanged"], 6);
    assert_eq!(files(&env.path().join("text")), before, "bytes and mtimes");
    // A new event adds one file and touches no other.
    env.record("more", "CREATE TABLE more (id integer)");
    let grown = env.json(&["export", "text"]);
    assert_eq!(grown["written"], 1);
    let after = files(&env.path().join("text"));
    for (name, file) in &before {
        assert_eq!(after.get(name), Some(file), "{name}");
    }
    assert!(after.contains_key("000006.json"));
}

#[test]
fn export_keeps_git_from_changing_line_endings_and_leaves_a_users_attributes_alone() {
    let env = history();
    env.ok(&["export", "text"]);
    let attributes = env.path().join("text/.gitattributes");
    let written = std::fs::read_to_string(&attributes).expect(".gitattributes");
    assert!(written.lines().any(|l| l == "*.json -text"), "{written}");
    // Not part of the text form: it verifies and imports as before.
    env.ok(&["verify", "--text", "text"]);
    // A folder whose attributes the user wrote keeps them.
    let mine = env.path().join("mine");
    std::fs::create_dir_all(&mine).expect("mkdir");
    std::fs::write(mine.join(".gitattributes"), "* text=auto\n").expect("write");
    env.ok(&["export", "mine"]);
    assert_eq!(
        std::fs::read_to_string(mine.join(".gitattributes")).expect("read"),
        "* text=auto\n"
    );
    env.ok(&["verify", "--text", "mine"]);
}

#[test]
fn export_never_writes_through_a_symlink_or_over_another_history() {
    let env = history();
    std::fs::create_dir(env.path().join("text")).expect("mkdir");
    let victim = env.file("victim", "keep me");
    std::os::unix::fs::symlink(&victim, env.path().join("text/000001.json")).expect("symlink");
    env.fails(&["export", "text"], 3)
        .says("text/000001.json: it is not a plain file");
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep me");

    // Another ledger's text form is refused file by file, never overwritten.
    let other = Env::init();
    other.record("other", "CREATE TABLE other (id integer)");
    other.ok(&["export", "text"]);
    let theirs = bytes(&other.path().join("text"));
    let run = other.fails(
        &[
            "--ledger",
            &env.path().join("ledger-data").to_string_lossy(),
            "export",
            "text",
        ],
        3,
    );
    assert!(
        run.stderr
            .contains("text/000001.json does not hold the ledger's event 1"),
        "{}",
        run.stderr
    );
    assert_eq!(bytes(&other.path().join("text")), theirs);
}

/// One way to damage a text form, the file the error must name, and what
/// it must say.
struct Tamper {
    name: &'static str,
    damage: fn(&Path),
    file: &'static str,
    says: &'static str,
}

fn tampers() -> Vec<Tamper> {
    vec![
        Tamper {
            name: "edited",
            damage: |d| {
                let p = d.join("000002.json");
                let text = std::fs::read_to_string(&p).expect("read");
                std::fs::write(&p, text.replace("created_at", "updated_at")).expect("write");
            },
            file: "000002.json",
            says: "it was changed",
        },
        Tamper {
            name: "removed",
            damage: |d| std::fs::remove_file(d.join("000003.json")).expect("rm"),
            file: "000003.json",
            says: "it is missing, but 000004.json follows",
        },
        Tamper {
            name: "swapped",
            damage: |d| {
                let (a, b) = (d.join("000002.json"), d.join("000003.json"));
                let tmp = d.join("swap");
                std::fs::rename(&a, &tmp).expect("mv");
                std::fs::rename(&b, &a).expect("mv");
                std::fs::rename(&tmp, &b).expect("mv");
            },
            file: "000002.json",
            says: "it holds event 3, not event 2",
        },
        Tamper {
            name: "truncated",
            damage: |d| {
                let p = d.join("000004.json");
                let text = std::fs::read(&p).expect("read");
                std::fs::write(&p, &text[..text.len() / 2]).expect("write");
            },
            file: "000004.json",
            says: "it is not an event file",
        },
        Tamper {
            name: "an extra file in the middle",
            damage: |d| {
                std::fs::copy(d.join("000002.json"), d.join("0000025.json")).expect("cp");
            },
            file: "0000025.json",
            says: "it is not the name of an event file",
        },
        Tamper {
            name: "an event inserted in the middle",
            damage: |d| {
                for seq in (3..=5).rev() {
                    std::fs::rename(
                        d.join(format!("{seq:06}.json")),
                        d.join(format!("{:06}.json", seq + 1)),
                    )
                    .expect("mv");
                }
                std::fs::copy(d.join("000002.json"), d.join("000003.json")).expect("cp");
            },
            file: "000003.json",
            says: "it holds event 2, not event 3",
        },
        Tamper {
            name: "a reformatted file",
            damage: |d| {
                let p = d.join("000001.json");
                let text = std::fs::read_to_string(&p).expect("read");
                std::fs::write(&p, text.replace("  ", "\t")).expect("write");
            },
            file: "000001.json",
            says: "its layout was changed",
        },
    ]
}

#[test]
fn every_tampered_text_form_is_exit_3_naming_the_file_and_nothing_is_appended() {
    let env = history();
    env.ok(&["export", "text"]);
    // A ledger that holds the first event only: an import onto it must
    // append nothing either.
    let first = env.path().join("first");
    copy_dir(&env.path().join("text"), &first);
    for seq in 2..=5 {
        std::fs::remove_file(first.join(format!("{seq:06}.json"))).expect("rm");
    }
    let prefix = Env::new();
    prefix.ok(&["import", &first.to_string_lossy()]);
    assert_eq!(prefix.head(), 1);

    for (i, t) in tampers().into_iter().enumerate() {
        let dir = env.path().join(format!("t{i}"));
        copy_dir(&env.path().join("text"), &dir);
        (t.damage)(&dir);
        let dir_s = dir.to_string_lossy().into_owned();
        let named = format!("{}: ", dir.join(t.file).display());
        let run = env.fails(&["verify", "--text", &dir_s], 3);
        assert!(run.stderr.contains(&named), "{}: {}", t.name, run.stderr);
        assert!(run.stderr.contains(t.says), "{}: {}", t.name, run.stderr);
        env.fails(&["verify", "--text", &dir_s, "--deep"], 3)
            .says(&named)
            .says(t.says);
        let json = env.run(&["--json", "verify", "--text", &dir_s]);
        let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
        assert_eq!(v["ok"], false, "{}", t.name);
        assert_eq!(
            v["problem"]["file"],
            dir.join(t.file).to_string_lossy().as_ref()
        );

        // Into a fresh ledger: refused, and no ledger is left behind.
        let fresh = format!("fresh{i}");
        env.fails(&["--ledger", &fresh, "import", &dir_s], 3)
            .says(&named)
            .says(t.says);
        assert!(
            !env.path().join(&fresh).join("store").exists(),
            "{}",
            t.name
        );
        // Onto a prefix: refused, nothing appended.
        prefix
            .fails(&["import", &dir_s], 3)
            .says(&named)
            .says(t.says);
        assert_eq!(prefix.head(), 1, "{}", t.name);
    }
}

#[test]
fn a_fork_is_exit_3_naming_the_seq_and_both_hashes() {
    let env = history();
    env.ok(&["export", "text"]);
    let text = env.path().join("text").to_string_lossy().into_owned();
    let theirs = env.events();
    let other = Env::init();
    other.seed();
    other.record("mine", "CREATE TABLE mine (id integer)");
    let mine = other.events();
    // The same SQL, recorded at other times: the first seq whose hash
    // differs is where they part.
    let seq = (0..3)
        .find(|&i| theirs[i]["hash"] != mine[i]["hash"])
        .expect("they differ")
        + 1;
    let run = other.fails(&["import", &text], 3);
    let says = format!(
        "the ledger and {text} part at event {seq}: the ledger's has hash {}, {text}'s has {}",
        mine[seq - 1]["hash"].as_str().expect("hash"),
        theirs[seq - 1]["hash"].as_str().expect("hash"),
    );
    assert!(run.stderr.contains(&says), "{}", run.stderr);
    assert_eq!(other.events(), mine, "nothing appended");
}

#[test]
fn a_fork_after_a_shared_prefix_names_the_first_seq_where_they_part() {
    let env = history();
    env.ok(&["export", "text"]);
    let other = Env::new();
    let text = env.path().join("text").to_string_lossy().into_owned();
    // Share events 1 and 2, then each records its own third.
    let two = env.path().join("two");
    copy_dir(&env.path().join("text"), &two);
    for seq in 3..=5 {
        std::fs::remove_file(two.join(format!("{seq:06}.json"))).expect("rm");
    }
    other.ok(&["import", &two.to_string_lossy()]);
    other.record("mine", "CREATE TABLE mine (id integer)");
    let mine = other.events();
    let theirs = env.events();
    let run = other.fails(&["import", &text], 3);
    assert!(
        run.stderr.contains(&format!(
            "part at event 3: the ledger's has hash {}, {text}'s has {}",
            mine[2]["hash"].as_str().expect("hash"),
            theirs[2]["hash"].as_str().expect("hash")
        )),
        "{}",
        run.stderr
    );
    assert_eq!(other.head(), 3);
}

#[test]
fn import_onto_a_prefix_appends_the_rest() {
    let env = Env::init();
    env.seed();
    env.ok(&["export", "text"]);
    let other = Env::new();
    let text = env.path().join("text").to_string_lossy().into_owned();
    other.ok(&["import", &text]);
    assert_eq!(other.head(), 2);
    env.ok(&["tag", "v1"]);
    env.record("posts", "CREATE TABLE posts (id integer PRIMARY KEY)");
    env.ok(&["export", "text"]);
    let imported = other.json(&["import", &text]);
    assert_eq!(imported["created"], false);
    assert_eq!(imported["imported"], 2);
    assert_eq!(other.json(&["log"]), env.json(&["log"]));
    assert_eq!(
        other.json(&["schema", "--at", "v1", "--format", "json"]),
        env.json(&["schema", "--at", "v1", "--format", "json"])
    );
    // Again: nothing to do. A ledger ahead of the folder imports nothing.
    assert_eq!(other.json(&["import", &text])["imported"], 0);
    other.record("local", "CREATE TABLE local (id integer)");
    assert_eq!(other.json(&["import", &text])["imported"], 0);
    assert_eq!(other.head(), 5);
}

#[test]
fn a_format_2_ledger_travels_with_its_own_hashes() {
    let env = Env::new();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ledger-format-2");
    copy_tree(&from.join("store"), &env.path().join("ledger-data/store"));
    env.ok(&["export", "text"]);
    let header = std::fs::read_to_string(env.path().join("text/ledger.json")).expect("header");
    assert!(header.contains("\"format_version\": 2"), "{header}");
    let copy = env.json(&["--ledger", "copy", "import", "text"]);
    assert_eq!(copy["format_version"], 2);
    assert_eq!(env.json(&["log"]), env.json(&["--ledger", "copy", "log"]));
    // A format-3 ledger refuses a format-2 text form: their hashes differ.
    let three = Env::init();
    three
        .fails(&["import", &env.path().join("text").to_string_lossy()], 1)
        .says("is the text form of a format-2 sqlite ledger, and the ledger is format 6 sqlite");
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

#[test]
fn a_folder_that_is_not_a_text_form_is_exit_1() {
    let env = Env::init();
    std::fs::create_dir(env.path().join("empty")).expect("mkdir");
    env.fails(&["verify", "--text", "empty"], 1)
        .says("empty holds no ledger text form: it has no ledger.json");
    env.fails(&["import", "missing"], 1)
        .says("missing holds no ledger text form");
    env.file("future.json", "");
    std::fs::create_dir(env.path().join("future")).expect("mkdir");
    env.file("future/ledger.json", "{\"text_version\": 9}\n");
    env.fails(&["verify", "--text", "future"], 1)
        .says("has text-form version 9, but this strata reads version 2");
}
