//! Unit tests of `render`: schemas rendered, loaded into SQLite and read
//! back the same, hostile names included, and the order of what is
//! rendered.

use proptest::prelude::*;
use rusqlite::Connection;
use strata_dialect::sqlite::{AUTOINCREMENT, RULES, STRICT, WITHOUT_ROWID};
use strata_schema::{project_all, Check, Generated, IndexedColumn, Trigger, Unique, View};

use super::*;
use crate::ddl::parse_change;

/// The schema `sql` builds from nothing.
fn schema(sql: &str) -> Schema {
    let ops = parse_change(sql, &Schema::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut s = Schema::default();
    project_all(RULES, &mut s, &ops).unwrap_or_else(|(i, e)| panic!("op {i}: {e}"));
    s
}

/// Render `s`, load it into an empty in-memory SQLite database, and check
/// SQLite holds every object; then read the rendering back and check it
/// gives `s` again.
fn check(s: &Schema) -> Connection {
    let statements = render_schema(s);
    let db = Connection::open_in_memory().expect("in-memory database");
    for sql in &statements {
        db.execute_batch(sql)
            .unwrap_or_else(|e| panic!("SQLite refused\n{sql}\n: {e}"));
    }
    let count = |kind: &str| -> usize {
        let n: i64 = db.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = ?1 AND sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            [kind],
            |r| r.get(0),
        )
        .expect("count");
        usize::try_from(n).expect("a count")
    };
    assert_eq!(count("table"), s.tables.len());
    assert_eq!(count("index"), s.indexes.len());
    assert_eq!(count("view"), s.views.len());
    assert_eq!(count("trigger"), s.triggers.len());
    let script = statements.join(";\n");
    let back = schema(&script);
    assert_eq!(&back, s, "reading back\n{script}");
    db
}

fn hostile_schema() -> Schema {
    schema(
        r#"CREATE TABLE "we""ird;
name" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  [a;b] TEXT NOT NULL DEFAULT 'it''s' COLLATE NOCASE,
  `c``d` UNSIGNED BIG INT DEFAULT (1 + 2),
  "select" DECIMAL(10, 2) CONSTRAINT "check; me" CHECK ("select" > 0),
  "ü 表" TEXT GENERATED ALWAYS AS ([a;b] || '--') VIRTUAL,
  "/*x*/" INT CONSTRAINT "u]" UNIQUE,
  "--y" INT REFERENCES "we""ird;
name" ("id") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE "order" ("group" TEXT, "by" TEXT, PRIMARY KEY ("group", "by")) WITHOUT ROWID;
CREATE UNIQUE INDEX "index;" ON "order" ("by" COLLATE RTRIM DESC, lower("group")) WHERE "group" <> ';';
CREATE VIEW "view ""v""" AS SELECT "group" AS "g" FROM "order" WHERE "by" = 'end;';
CREATE VIEW "a view on a view" AS SELECT * FROM "view ""v""";
CREATE TRIGGER "begin" AFTER INSERT ON "order" BEGIN
  UPDATE "order" SET "by" = CASE WHEN new."by" = ';' THEN 'semi' END WHERE "group" = new."group";
  DELETE FROM "we""ird;
name" WHERE "id" = -1;
END"#,
    )
}

#[test]
fn hostile_names_render_load_and_read_back() {
    let s = hostile_schema();
    check(&s);
    insta::assert_snapshot!(render_schema(&s).join(";\n\n"));
}

#[test]
fn a_representative_shop_schema() {
    let s = schema(
        "CREATE TABLE customers (
           id INTEGER PRIMARY KEY,
           email TEXT NOT NULL UNIQUE COLLATE NOCASE,
           created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
         );
         CREATE TABLE orders (
           id INTEGER PRIMARY KEY AUTOINCREMENT,
           customer INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
           total DECIMAL(10, 2) NOT NULL DEFAULT 0 CHECK (total >= 0),
           status TEXT NOT NULL DEFAULT 'new',
           CONSTRAINT status_known CHECK (status IN ('new', 'paid', 'shipped'))
         );
         CREATE TABLE order_items (
           order_id INTEGER NOT NULL,
           line INT NOT NULL,
           sku TEXT NOT NULL,
           qty INT NOT NULL DEFAULT 1,
           CONSTRAINT order_items_pk PRIMARY KEY (order_id, line),
           FOREIGN KEY (order_id) REFERENCES orders(id) ON DELETE CASCADE ON UPDATE CASCADE
         ) WITHOUT ROWID;
         CREATE INDEX orders_by_customer ON orders (customer, status DESC) WHERE status <> 'shipped';
         CREATE VIEW order_totals AS
           SELECT o.id, sum(i.qty) AS items FROM orders o JOIN order_items i ON i.order_id = o.id GROUP BY o.id;
         CREATE TRIGGER orders_paid AFTER UPDATE OF status ON orders
         WHEN new.status = 'paid'
         BEGIN
           UPDATE customers SET created = created WHERE id = new.customer;
         END;",
    );
    check(&s);
    insta::assert_snapshot!(render_schema(&s).join(";\n\n"));
}

#[test]
fn strict_and_generated_columns() {
    let s = schema(
        "CREATE TABLE m (
           k TEXT PRIMARY KEY,
           v ANY,
           n INT NOT NULL DEFAULT -1,
           d REAL GENERATED ALWAYS AS (n * 2.5) STORED,
           b BLOB DEFAULT X'00ff'
         ) STRICT, WITHOUT ROWID",
    );
    check(&s);
    insta::assert_snapshot!(render_table(table(&s, "m")));
}

fn table<'a>(s: &'a Schema, name: &str) -> &'a Table {
    s.table(RULES, name).expect("table")
}

#[test]
fn an_integer_primary_key_is_the_rowid() {
    let s = schema(
        "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT);
         CREATE TABLE b (id INT PRIMARY KEY, x TEXT);
         CREATE TABLE c (id integer CONSTRAINT c_pk PRIMARY KEY, x TEXT)",
    );
    assert_eq!(
        render_table(table(&s, "a")),
        "CREATE TABLE \"a\" (\n  \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n  \"x\" TEXT\n)"
    );
    assert_eq!(
        render_table(table(&s, "b")),
        "CREATE TABLE \"b\" (\n  \"id\" INT,\n  \"x\" TEXT,\n  PRIMARY KEY (\"id\")\n)"
    );
    assert_eq!(
        render_table(table(&s, "c")),
        "CREATE TABLE \"c\" (\n  \"id\" integer CONSTRAINT \"c_pk\" PRIMARY KEY,\n  \"x\" TEXT\n)"
    );
    let db = check(&s);
    for t in ["a", "c"] {
        db.execute(&format!("INSERT INTO {t} (id, x) VALUES (7, 'q')"), [])
            .expect("insert");
        let rowid: i64 = db
            .query_row(&format!("SELECT rowid FROM {t} WHERE x = 'q'"), [], |r| {
                r.get(0)
            })
            .expect("rowid");
        assert_eq!(rowid, 7, "{t}.id is the rowid");
    }
    let seq: i64 = db
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'a'",
            [],
            |r| r.get(0),
        )
        .expect("AUTOINCREMENT keeps sqlite_sequence");
    assert_eq!(seq, 7);
}

#[test]
fn defaults_are_parenthesized_only_when_sqlite_needs_it() {
    for (text, rendered) in [
        ("0", "0"),
        ("-1.5", "-1.5"),
        ("+3", "+3"),
        ("'x'", "'x'"),
        ("NULL", "NULL"),
        ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
        ("X'00'", "X'00'"),
        ("1 + 2", "(1 + 2)"),
        ("datetime('now')", "(datetime('now'))"),
        ("(1)", "((1))"),
        ("- 1", "- 1"),
    ] {
        assert_eq!(default_term(text), rendered, "{text}");
        let s = Schema {
            tables: [(
                "t".to_string(),
                Table {
                    name: "t".into(),
                    columns: vec![Column {
                        default: Some(text.into()),
                        ..Column::new("a", "")
                    }],
                    ..Table::default()
                },
            )]
            .into(),
            ..Schema::default()
        };
        check(&s);
    }
}

#[test]
fn views_come_after_the_views_they_read() {
    // "a" reads "b", which reads "c": name order would be wrong.
    let s = schema(
        "CREATE TABLE t (x INT);
         CREATE VIEW c AS SELECT x FROM t;
         CREATE VIEW b AS SELECT x FROM c;
         CREATE VIEW a AS SELECT x FROM b JOIN c USING (x);
         CREATE VIEW d AS SELECT x FROM t",
    );
    let order: Vec<&str> = dependency_order(&s.views, |v| {
        v.depends_on.iter().map(String::as_str).collect()
    })
    .iter()
    .map(|v| v.name.as_str())
    .collect();
    assert_eq!(order, ["c", "d", "b", "a"]);
    check(&s);
}

#[test]
fn tables_come_after_the_tables_their_foreign_keys_name() {
    let s = schema(
        "CREATE TABLE z (id INTEGER PRIMARY KEY);
         CREATE TABLE y (id INTEGER PRIMARY KEY, z INT REFERENCES z);
         CREATE TABLE x (y INT REFERENCES y, me INT REFERENCES x(y), PRIMARY KEY (y))",
    );
    let names: Vec<String> = render_schema(&s)
        .iter()
        .map(|sql| sql.lines().next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "CREATE TABLE \"z\" (",
            "CREATE TABLE \"y\" (",
            "CREATE TABLE \"x\" ("
        ]
    );
    check(&s);
}

#[test]
fn a_foreign_key_cycle_renders_and_reads_back() {
    // Only ALTER TABLE ... ADD CONSTRAINT makes such a cycle; SQLite takes
    // the tables in any order, and so does record, which checks the
    // foreign keys on the schema the whole script leaves.
    let s = schema(
        "CREATE TABLE a (id INTEGER PRIMARY KEY, b INT);
         CREATE TABLE b (id INTEGER PRIMARY KEY, a INT REFERENCES a);
         ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b) REFERENCES b",
    );
    let statements = render_schema(&s);
    let db = Connection::open_in_memory().expect("in-memory database");
    db.execute_batch(&statements.join(";\n"))
        .expect("SQLite takes the cycle");
    let ops = parse_change(&statements.join(";\n"), &Schema::default()).expect("read back");
    let mut back = Schema::default();
    for op in &ops {
        strata_schema::project(RULES, &mut back, op).expect("each op projects");
    }
    assert_eq!(back, s);
}

#[test]
fn render_index_forms() {
    let index = Index {
        name: "i".into(),
        table: "t".into(),
        unique: true,
        columns: vec![
            IndexedColumn {
                term: IndexTerm::Column("a\"b".into()),
                collation: Some("NOCASE".into()),
                desc: true,
            },
            IndexedColumn {
                term: IndexTerm::Expr("lower(c)".into()),
                collation: None,
                desc: false,
            },
        ],
        predicate: Some("c > 0".into()),
        ..Index::default()
    };
    assert_eq!(
        render_index(&index),
        r#"CREATE UNIQUE INDEX "i" ON "t" ("a""b" COLLATE "NOCASE" DESC, lower(c)) WHERE c > 0"#
    );
}

#[test]
fn the_empty_schema_renders_nothing() {
    assert!(render_schema(&Schema::default()).is_empty());
}

// ---- generated schemas ------------------------------------------------------------

/// Draws choices from a list of numbers proptest generates (and shrinks
/// towards zero, which here always means the simplest choice).
struct Choices {
    values: Vec<u32>,
    at: usize,
}

impl Choices {
    fn pick(&mut self, n: usize) -> usize {
        let v = self.values.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        v as usize % n.max(1)
    }

    fn chance(&mut self, in_n: usize) -> bool {
        self.pick(in_n) == 1
    }

    fn of<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.pick(items.len())]
    }
}

const HOSTILE: [&str; 18] = [
    "we\"ird",
    "a;b",
    "c`d",
    "[e]",
    "select",
    "order",
    "ü表",
    "new\nline",
    "--dash",
    "/*c*/",
    "'q'",
    " sp ace ",
    "end",
    "CASE",
    "begin",
    "Trigger",
    "x]y",
    "a.b",
];

/// Names unique by their keys across one namespace.
struct Names {
    used: Vec<String>,
}

impl Names {
    fn fresh(&mut self, c: &mut Choices) -> String {
        let base = if c.chance(3) {
            c.of(&HOSTILE).to_string()
        } else {
            format!("n{}", c.pick(30))
        };
        let mut name = base.clone();
        let mut i = 0;
        while self.used.iter().any(|u| key(u) == key(&name)) {
            i += 1;
            name = format!("{base}{i}");
        }
        self.used.push(name.clone());
        name
    }
}

const TYPES: [&str; 8] = [
    "INTEGER",
    "TEXT",
    "",
    "INT",
    "varchar(50)",
    "DECIMAL(10, 2)",
    "UNSIGNED BIG INT",
    "BLOB",
];
const STRICT_TYPES: [&str; 5] = ["INTEGER", "TEXT", "INT", "REAL", "ANY"];
const DEFAULTS: [&str; 9] = [
    "0",
    "-1",
    "'x'",
    "'it''s'",
    "NULL",
    "CURRENT_TIMESTAMP",
    "1 + 2",
    "lower('A')",
    "X'00'",
];
const COLLATIONS: [&str; 3] = ["NOCASE", "BINARY", "RTRIM"];

fn gen_table(c: &mut Choices, global: &mut Names, tables: &[Table]) -> Table {
    let name = global.fresh(c);
    let strict = c.chance(5);
    let mut column_names = Names { used: vec![] };
    let n = 1 + c.pick(5);
    let mut columns: Vec<Column> = Vec::new();
    for i in 0..n {
        let ty = if strict {
            *c.of(&STRICT_TYPES)
        } else {
            *c.of(&TYPES)
        };
        let mut col = Column::new(column_names.fresh(c), ty);
        col.not_null = c.chance(3);
        if c.chance(3) {
            col.collation = Some(c.of(&COLLATIONS).to_string());
        }
        if i > 0 && c.chance(5) {
            col.generated = Some(Generated {
                expr: format!("{} IS NULL", quote_ident(&columns[0].name)),
                stored: c.chance(2),
            });
        } else if c.chance(3) {
            col.default = Some(c.of(&DEFAULTS).to_string());
        }
        columns.push(col);
    }
    let mut t = Table {
        name,
        columns,
        ..Table::default()
    };
    t.set_option(STRICT, strict);
    let plain: Vec<String> = t
        .columns
        .iter()
        .filter(|c| c.generated.is_none())
        .map(|c| c.name.clone())
        .collect();
    let mut constraint_names = Names { used: vec![] };
    let mut maybe_name = |c: &mut Choices| c.chance(2).then(|| constraint_names.fresh(c));
    if c.pick(3) > 0 {
        let k = 1 + c.pick(plain.len().min(2));
        let columns: Vec<String> = plain[..k].to_vec();
        let without_rowid = c.chance(4);
        t.set_option(WITHOUT_ROWID, without_rowid);
        let integer = k == 1
            && t.column(RULES, &columns[0])
                .is_some_and(|col| col.ty.eq_ignore_ascii_case("INTEGER"));
        let name = maybe_name(c);
        let autoincrement = integer && !t.has_option(WITHOUT_ROWID) && c.chance(2);
        t.primary_key = Some(PrimaryKey {
            name,
            columns,
            ..PrimaryKey::default()
        });
        t.set_option(AUTOINCREMENT, autoincrement);
    }
    for _ in 0..c.pick(3) {
        let k = 1 + c.pick(plain.len());
        let start = c.pick(plain.len() - k + 1);
        t.uniques.push(Unique {
            name: maybe_name(c),
            columns: plain[start..start + k].to_vec(),
            ..Unique::default()
        });
    }
    for _ in 0..c.pick(3) {
        let col = &t.columns[c.pick(t.columns.len())].name;
        t.checks.push(Check {
            name: maybe_name(c),
            expr: format!(
                "{} IS NOT NULL OR length({}) < 100",
                quote_ident(col),
                quote_ident(col)
            ),
        });
    }
    let parents: Vec<&Table> = tables.iter().filter(|p| p.primary_key.is_some()).collect();
    for _ in 0..c.pick(3) {
        let Some(parent) = parents.get(c.pick(parents.len() + 1)) else {
            continue;
        };
        let Some(pk) = &parent.primary_key else {
            continue;
        };
        if pk.columns.len() > plain.len() {
            continue;
        }
        t.foreign_keys.push(ForeignKey {
            name: maybe_name(c),
            columns: plain[..pk.columns.len()].to_vec(),
            ref_table: parent.name.clone(),
            ref_columns: if c.chance(2) {
                vec![]
            } else {
                pk.columns.clone()
            },
            on_delete: *c.of(&ACTIONS),
            on_update: *c.of(&ACTIONS),
            deferred: c.chance(2),
            ..ForeignKey::default()
        });
    }
    t
}

const ACTIONS: [FkAction; 5] = [
    FkAction::NoAction,
    FkAction::Cascade,
    FkAction::SetNull,
    FkAction::SetDefault,
    FkAction::Restrict,
];

fn gen_schema(values: Vec<u32>) -> Schema {
    let c = &mut Choices { values, at: 0 };
    let mut global = Names { used: vec![] };
    let mut triggers = Names { used: vec![] };
    let mut tables: Vec<Table> = Vec::new();
    for _ in 0..1 + c.pick(4) {
        let t = gen_table(c, &mut global, &tables);
        tables.push(t);
    }
    let mut s = Schema::default();
    for _ in 0..c.pick(4) {
        let t = &tables[c.pick(tables.len())];
        let mut columns = Vec::new();
        for _ in 0..1 + c.pick(2) {
            let col = &t.columns[c.pick(t.columns.len())].name;
            let term = match c.pick(3) {
                0 => IndexTerm::Column(col.clone()),
                1 => IndexTerm::Expr(format!("lower({})", quote_ident(col))),
                _ => IndexTerm::Expr(format!("{} + 1", quote_ident(col))),
            };
            let collation = match term {
                IndexTerm::Expr(ref e) if e.contains('+') => None,
                _ => c.chance(3).then(|| c.of(&COLLATIONS).to_string()),
            };
            columns.push(IndexedColumn {
                term,
                collation,
                desc: c.chance(2),
            });
        }
        let index = Index {
            name: global.fresh(c),
            table: t.name.clone(),
            unique: c.chance(2),
            predicate: c
                .chance(3)
                .then(|| format!("{} IS NOT NULL", quote_ident(&t.columns[0].name))),
            columns,
            ..Index::default()
        };
        s.indexes.insert(key(&index.name), index);
    }
    let mut relations: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
    for _ in 0..c.pick(4) {
        let name = global.fresh(c);
        let first = relations[c.pick(relations.len())].clone();
        let second = relations[c.pick(relations.len())].clone();
        let (sql, depends_on) = if c.chance(2) && key(&first) != key(&second) {
            (
                format!(
                    "CREATE VIEW {} AS SELECT 1 AS \"x\" FROM {} AS a JOIN {} AS b",
                    quote_ident(&name),
                    quote_ident(&first),
                    quote_ident(&second)
                ),
                vec![first, second],
            )
        } else {
            (
                format!(
                    "CREATE VIEW {} AS SELECT count(*) AS \"n\" FROM {}",
                    quote_ident(&name),
                    quote_ident(&first)
                ),
                vec![first],
            )
        };
        s.views.insert(
            key(&name),
            View {
                name: name.clone(),
                sql,
                depends_on,
            },
        );
        relations.push(name);
    }
    for _ in 0..c.pick(3) {
        let name = triggers.fresh(c);
        let on = &tables[c.pick(tables.len())];
        let other = &tables[c.pick(tables.len())];
        let when = if c.chance(2) { " WHEN 1 = 1" } else { "" };
        let sql = format!(
            "CREATE TRIGGER {} AFTER INSERT ON {}{when} BEGIN\n  SELECT CASE WHEN 1 THEN 'x;' END;\n  DELETE FROM {} WHERE 0;\nEND",
            quote_ident(&name),
            quote_ident(&on.name),
            quote_ident(&other.name)
        );
        let depends_on = if key(&on.name) == key(&other.name) {
            vec![]
        } else {
            vec![other.name.clone()]
        };
        s.triggers.insert(
            key(&name),
            Trigger {
                name,
                table: on.name.clone(),
                sql,
                depends_on,
            },
        );
    }
    s.tables = tables.into_iter().map(|t| (key(&t.name), t)).collect();
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn generated_schemas_render_load_and_read_back(
        values in prop::collection::vec(any::<u32>(), 0..300)
    ) {
        check(&gen_schema(values));
    }

    /// A schema's tables, views and triggers created in any order (each
    /// index after its table, as SQLite requires) are recorded as the same
    /// schema, by ops that project one by one: what concerns other objects
    /// is checked on the schema the script leaves.
    #[test]
    fn a_schema_created_in_any_order_reads_back(
        values in prop::collection::vec(any::<u32>(), 0..300),
        order in any::<prop::sample::Index>(),
        seed in any::<u64>(),
    ) {
        let s = gen_schema(values);
        let (indexes, mut rest): (Vec<String>, Vec<String>) = render_schema(&s)
            .into_iter()
            .partition(|sql| sql.contains(" INDEX "));
        // A shuffle from the seed, rotated by `order`.
        let mut state = seed | 1;
        for i in (1..rest.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            rest.swap(i, (state % (i as u64 + 1)) as usize);
        }
        if !rest.is_empty() {
            let at = order.index(rest.len());
            rest.rotate_left(at);
        }
        rest.extend(indexes);
        let ops = parse_change(&rest.join(";\n"), &Schema::default())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", rest.join(";\n"))))?;
        let mut back = Schema::default();
        project_all(RULES, &mut back, &ops).map_err(|(i, e)| TestCaseError::fail(format!("op {i}: {e}")))?;
        prop_assert_eq!(back, s);
    }
}

/// Column types and defaults as `ddl` keeps them are what SQLite itself
/// reports for the rendered table, so introspection can compare them as
/// they are.
#[test]
fn types_and_defaults_are_kept_as_sqlite_reports_them() {
    let s = schema(
        "CREATE TABLE t (
           a UNSIGNED   BIG INT DEFAULT ( 1 + 2 ),
           b DECIMAL( 10 , 2 ) DEFAULT 'x',
           c DEFAULT ((1)),
           d varchar(5) NOT NULL DEFAULT (datetime('now')),
           e INT DEFAULT +1 COLLATE NOCASE,
           f INT DEFAULT -1,
           g TEXT DEFAULT CURRENT_TIMESTAMP,
           h BLOB DEFAULT x'00'
         )",
    );
    let db = check(&s);
    let mut query = db
        .prepare("SELECT name, type, \"notnull\", dflt_value FROM pragma_table_xinfo('t')")
        .expect("prepare");
    let reported: Vec<Column> = query
        .query_map([], |r| {
            Ok(Column {
                name: r.get(0)?,
                ty: r.get(1)?,
                not_null: r.get::<_, i64>(2)? != 0,
                default: r.get(3)?,
                ..Column::default()
            })
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let kept: Vec<Column> = table(&s, "t")
        .columns
        .iter()
        .map(|c| Column {
            collation: None,
            ..c.clone()
        })
        .collect();
    assert_eq!(reported, kept);
}

/// The order as it was first written: rounds, each a scan of every object
/// not yet emitted. Kept as the reference [`dependency_order`] must agree
/// with.
fn order_by_scanning<T>(
    objects: &BTreeMap<String, T>,
    depends_on: impl Fn(&T) -> Vec<&str>,
) -> Vec<&T> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::with_capacity(objects.len());
    while out.len() < objects.len() {
        let waiting = objects.iter().filter(|(k, _)| !done.contains(k.as_str()));
        let ready: Vec<(&String, &T)> = waiting
            .clone()
            .filter(|(k, o)| {
                depends_on(o).into_iter().all(|d| {
                    let d = key(d);
                    d == **k || done.contains(d.as_str()) || !objects.contains_key(&d)
                })
            })
            .collect();
        let batch = if ready.is_empty() {
            waiting.take(1).collect()
        } else {
            ready
        };
        for (k, o) in batch {
            done.insert(k);
            out.push(o);
        }
    }
    out
}

/// An object of a dependency graph: its name and the names it depends on.
#[derive(Debug)]
struct Node {
    name: String,
    deps: Vec<String>,
}

fn deps_of(n: &Node) -> Vec<&str> {
    n.deps.iter().map(String::as_str).collect()
}

fn names_in(order: Vec<&Node>) -> Vec<&str> {
    order.into_iter().map(|n| n.name.as_str()).collect()
}

/// Objects named `o0`, `o1`, ... each naming some others (in either case,
/// itself, the same one twice, or a name that is no object): cycles,
/// chains and diamonds.
fn arb_graph() -> impl Strategy<Value = BTreeMap<String, Node>> {
    (1usize..40).prop_flat_map(|n| {
        proptest::collection::vec(
            proptest::collection::vec((0..n + 2, any::<bool>()), 0..4),
            n,
        )
        .prop_map(move |deps| {
            deps.into_iter()
                .enumerate()
                .map(|(i, names)| {
                    let deps = names
                        .into_iter()
                        .map(|(j, upper)| match (j >= n, upper) {
                            (true, _) => "missing".to_string(),
                            (false, true) => format!("O{j}"),
                            (false, false) => format!("o{j}"),
                        })
                        .collect();
                    let name = format!("o{i}");
                    (name.clone(), Node { name, deps })
                })
                .collect()
        })
    })
}

proptest! {
    #[test]
    fn dependency_order_is_the_order_of_rounds(graph in arb_graph()) {
        prop_assert_eq!(
            names_in(dependency_order(&graph, deps_of)),
            names_in(order_by_scanning(&graph, deps_of))
        );
    }
}

/// A chain of 5,000 tables, each naming the next in key order, comes out
/// from the end of the chain: one round each.
#[test]
fn a_long_chain_of_foreign_keys_comes_out_in_chain_order() {
    let name = |i: usize| format!("t{i:05}");
    let graph: BTreeMap<String, Node> = (0..5_000)
        .map(|i| {
            let deps = if i == 4_999 {
                vec![]
            } else {
                vec![name(i + 1)]
            };
            (
                name(i),
                Node {
                    name: name(i),
                    deps,
                },
            )
        })
        .collect();
    let expected: Vec<String> = (0..5_000).rev().map(name).collect();
    assert_eq!(names_in(dependency_order(&graph, deps_of)), expected);
}
