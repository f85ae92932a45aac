//! The model under rules other than SQLite's: names compared exactly (as
//! PostgreSQL compares quoted names), no reserved prefix but `sys_`, and
//! one table option of its own. What compares names, checks options and
//! rewrites SQL text follows the rules it is given, and nothing else.

use strata_dialect::sqlite::RULES as SQLITE;
use strata_schema::{differences, project, Column, Definition, Op, Rules, Schema, Table};

/// Exact names, one option (`logged`), SQL text read as words.
#[derive(Debug)]
struct Exact;

impl Rules for Exact {
    fn dialect(&self) -> &'static str {
        "exact"
    }

    fn key(&self, name: &str) -> String {
        name.to_string()
    }

    fn reserved(&self, name: &str) -> Option<String> {
        name.starts_with("sys_")
            .then(|| format!("{name} is reserved"))
    }

    fn check_definition(&self, _d: &Definition) -> Result<(), String> {
        Ok(())
    }

    fn check_table(&self, t: &Table) -> Result<(), String> {
        match t.options.iter().find(|o| *o != "logged") {
            Some(o) => Err(format!("table {}: no option {o}", t.name)),
            None => Ok(()),
        }
    }

    fn mentions(&self, sql: &str, name: &str) -> bool {
        words(sql).any(|w| w == name)
    }

    fn mentions_column(&self, sql: &str, name: &str) -> bool {
        self.mentions(sql, name)
    }

    fn body_start(&self, sql: &str) -> usize {
        sql.find(" AS ").map_or(0, |at| at + 4)
    }

    fn rename_table(&self, sql: &str, old: &str, new: &str) -> String {
        rename_words(sql, old, new)
    }

    fn rename_column(&self, sql: &str, old: &str, new: &str) -> String {
        rename_words(sql, old, new)
    }

    fn same_text(&self, a: &str, b: &str) -> bool {
        words(a).eq(words(b))
    }
}

fn words(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

fn rename_words(sql: &str, old: &str, new: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in sql.chars().chain(std::iter::once('\0')) {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        out.push_str(if word == old { new } else { &word });
        word.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

fn table(name: &str, columns: &[&str]) -> Table {
    Table {
        name: name.to_string(),
        columns: columns.iter().map(|c| Column::new(*c, "text")).collect(),
        ..Table::default()
    }
}

fn create(t: Table) -> Op {
    Op::CreateTable { table: t }
}

#[test]
fn names_compare_as_the_rules_say() {
    // Under exact rules, `Users` and `users` are two tables.
    let mut s = Schema::default();
    project(&Exact, &mut s, &create(table("Users", &["id"]))).expect("Users");
    project(&Exact, &mut s, &create(table("users", &["id"]))).expect("users");
    assert_eq!(s.tables.len(), 2);
    assert!(s.table(&Exact, "USERS").is_none());
    // Under SQLite's they are one.
    let mut s = Schema::default();
    project(SQLITE, &mut s, &create(table("Users", &["id"]))).expect("Users");
    let e = project(SQLITE, &mut s, &create(table("users", &["id"]))).unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    assert!(s.table(SQLITE, "USERS").is_some());
    // Columns too.
    let mut s = Schema::default();
    let e = project(SQLITE, &mut s, &create(table("t", &["a", "A"]))).unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    project(&Exact, &mut s, &create(table("t", &["a", "A"]))).expect("a and A");
}

#[test]
fn reserved_names_and_options_are_the_rules() {
    let mut s = Schema::default();
    project(&Exact, &mut s, &create(table("sqlite_t", &["a"]))).expect("not reserved here");
    let e = project(&Exact, &mut s, &create(table("sys_t", &["a"]))).unwrap_err();
    assert_eq!(e.to_string(), "sys_t is reserved");
    let e = project(
        SQLITE,
        &mut Schema::default(),
        &create(table("sqlite_t", &["a"])),
    )
    .unwrap_err();
    assert!(e.to_string().contains("is reserved"), "{e}");
    // An option is the dialect's: `logged` is one here and not in SQLite,
    // `strict` the other way round.
    let mut logged = table("l", &["a"]);
    logged.set_option("logged", true);
    project(&Exact, &mut Schema::default(), &create(logged.clone())).expect("logged");
    let e = project(SQLITE, &mut Schema::default(), &create(logged)).unwrap_err();
    assert!(e.to_string().contains("SQLite does not know"), "{e}");
    let mut strict = table("s", &["a"]);
    strict.set_option("strict", true);
    let e = project(&Exact, &mut Schema::default(), &create(strict.clone())).unwrap_err();
    assert_eq!(e.to_string(), "table s: no option strict");
    project(SQLITE, &mut Schema::default(), &create(strict)).expect("strict");
    // However the dialect reads them, options are kept sorted, each once.
    let mut twice = table("t", &["a"]);
    twice.options = vec!["logged".into(), "logged".into()];
    let e = project(&Exact, &mut Schema::default(), &create(twice)).unwrap_err();
    assert!(e.to_string().contains("not sorted and each once"), "{e}");
}

#[test]
fn renames_rewrite_sql_text_through_the_rules() {
    let mut s = Schema::default();
    project(&Exact, &mut s, &create(table("t", &["a"]))).expect("t");
    let view = strata_schema::View {
        name: "v".into(),
        sql: "CREATE VIEW v AS SELECT a FROM t".into(),
        depends_on: vec!["t".into()],
    };
    project(&Exact, &mut s, &Op::CreateView { view }).expect("v");
    let rename = Op::RenameTable {
        from: "t".into(),
        to: "T2".into(),
    };
    project(&Exact, &mut s, &rename).expect("rename");
    assert_eq!(s.views["v"].sql, "CREATE VIEW v AS SELECT a FROM T2");
    assert_eq!(s.views["v"].depends_on, ["T2"]);
    // Under exact rules `T2` and `t2` differ; the drift says so.
    let mut other = s.clone();
    let t = other.tables.remove("T2").expect("T2");
    other.tables.insert(
        "t2".into(),
        Table {
            name: "t2".into(),
            ..t
        },
    );
    let found = differences(&Exact, &s, &other);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(differences(&Exact, &s, &s).is_empty());
}
