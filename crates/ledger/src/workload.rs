//! A generator of valid schema ops, for the property tests, the benchmark and
//! the memory example (which include this file by path). Each op is chosen by
//! one `u64` against the current schema, so proptest can shrink the choices
//! and the benchmark can feed it a seeded random stream.
#![allow(dead_code)]

use strata_schema::{Column, Index, IndexTerm, IndexedColumn, Op, Schema, Table};

/// Deterministic random numbers (splitmix64), for workloads that need no
/// shrinking.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Makes ops that fit the schema they are given.
pub struct Workload {
    next_name: u64,
    /// Above this many tables, new tables give way to other ops.
    pub max_tables: usize,
    /// Above this many columns, a table gets no more.
    pub max_columns: usize,
}

const TYPES: [&str; 6] = ["integer", "text", "real", "blob", "varchar(255)", ""];

impl Workload {
    pub fn new(max_tables: usize, max_columns: usize) -> Workload {
        Workload {
            next_name: 1,
            max_tables,
            max_columns,
        }
    }

    /// Continue a workload on a schema it did not make: new names count from
    /// `first`, which must be above every number already used in a name.
    pub fn naming_from(mut self, first: u64) -> Workload {
        self.next_name = first;
        self
    }

    fn fresh(&mut self, prefix: &str) -> String {
        let n = self.next_name;
        self.next_name += 1;
        format!("{prefix}{n}")
    }

    fn column(&mut self, choice: u64) -> Column {
        let mut c = Column::new(self.fresh("c"), TYPES[(choice % 6) as usize]);
        if choice % 5 == 0 {
            c.default = Some("0".to_string());
            // NOT NULL only with a default, as ADD COLUMN requires.
            c.not_null = choice % 2 == 0;
        }
        c
    }

    /// One op that fits `schema`, chosen by `choice`.
    pub fn next_op(&mut self, schema: &Schema, choice: u64) -> Op {
        let kind = choice % 100;
        let pick = choice / 100;
        let tables: Vec<&Table> = schema.tables.values().collect();
        if tables.is_empty() || (kind < 12 && tables.len() < self.max_tables) {
            return self.create_table(pick);
        }
        let t = tables[(pick % tables.len() as u64) as usize];
        let pick = pick / tables.len().max(1) as u64;
        let indexed = |col: &str| {
            schema.indexes.values().any(|i| {
                i.table == t.name
                    && i.columns
                        .iter()
                        .any(|c| matches!(&c.term, IndexTerm::Column(n) if n == col))
            })
        };
        let free: Vec<(usize, &Column)> = t
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !indexed(&c.name))
            .collect();
        let table_indexes: Vec<&Index> = schema
            .indexes
            .values()
            .filter(|i| i.table == t.name)
            .collect();
        match kind {
            12..=33 if t.columns.len() < self.max_columns => Op::AddColumn {
                table: t.name.clone(),
                column: self.column(pick),
                position: t.columns.len() as u32,
            },
            34..=48 if !free.is_empty() => {
                let (_, c) = free[(pick % free.len() as u64) as usize];
                Op::RenameColumn {
                    table: t.name.clone(),
                    from: c.name.clone(),
                    to: self.fresh("c"),
                }
            }
            49..=69 if t.columns.len() >= 2 && !free.is_empty() => {
                let (at, c) = free[(pick % free.len() as u64) as usize];
                Op::DropColumn {
                    table: t.name.clone(),
                    column: c.clone(),
                    position: at as u32,
                }
            }
            70..=84 => {
                let n = (1 + (pick % 2) as usize).min(t.columns.len());
                let columns = (0..n)
                    .map(|i| {
                        let c =
                            &t.columns[((pick / 2 + i as u64) % t.columns.len() as u64) as usize];
                        IndexedColumn {
                            term: IndexTerm::Column(c.name.clone()),
                            collation: None,
                            desc: (pick + i as u64) % 3 == 0,
                        }
                    })
                    .collect();
                Op::CreateIndex {
                    index: Index {
                        name: self.fresh("i"),
                        table: t.name.clone(),
                        unique: pick % 4 == 0,
                        columns,
                        predicate: None,
                        ..Index::default()
                    },
                }
            }
            85..=100 if !table_indexes.is_empty() => Op::DropIndex {
                index: table_indexes[(pick % table_indexes.len() as u64) as usize].clone(),
            },
            85..=100 => Op::DropTable { table: t.clone() },
            _ if t.columns.len() < self.max_columns => Op::AddColumn {
                table: t.name.clone(),
                column: self.column(pick),
                position: t.columns.len() as u32,
            },
            _ if !table_indexes.is_empty() => Op::DropIndex {
                index: table_indexes[(pick % table_indexes.len() as u64) as usize].clone(),
            },
            _ => Op::DropTable { table: t.clone() },
        }
    }

    fn create_table(&mut self, pick: u64) -> Op {
        let name = self.fresh("t");
        let n = 2 + (pick % 4) as usize;
        let columns = (0..n).map(|i| self.column(pick >> i)).collect();
        Op::CreateTable {
            table: Table {
                name,
                columns,
                ..Table::default()
            },
        }
    }
}
