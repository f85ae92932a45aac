//! What the model asks of a dialect. The model is plain data and pure
//! functions that work for any SQL database; wherever an answer depends on
//! the database's language (how two names compare, which names and table
//! options it allows, what a piece of SQL text refers to and how a rename
//! rewrites it), the model asks the ledger's dialect through [`Rules`].
//! The dialects live in `strata-dialect`; the model names none of them.

use crate::model::{Definition, Index, Table};

/// A dialect's rules, as the model needs them. Every function the model
/// exports that compares names or reads SQL text takes one.
pub trait Rules: Sync + std::fmt::Debug {
    /// The dialect's name, as the ledger records it.
    fn dialect(&self) -> &'static str;

    /// The key under which an object named `name` is kept in a
    /// [`crate::Schema`]: two names with equal keys name the same object.
    fn key(&self, name: &str) -> String;

    /// Whether two names name the same object.
    fn same_name(&self, a: &str, b: &str) -> bool {
        self.key(a) == self.key(b)
    }

    /// Why no object may be called `name` (a prefix the database or strata
    /// keeps for itself), or `None` when it may.
    fn reserved(&self, name: &str) -> Option<String>;

    /// Checks what only the dialect knows about a table: its options
    /// ([`Table::options`]) and what they demand of its columns and key.
    /// The model calls it whenever a table's definition changes.
    fn check_table(&self, table: &Table) -> Result<(), String>;

    /// Checks what only the dialect knows about an index: whether it has
    /// the access method and included columns the index names.
    fn check_index(&self, _index: &Index) -> Result<(), String> {
        Ok(())
    }

    /// Checks that the dialect has objects of the definition's kind, and
    /// what it demands of them.
    fn check_definition(&self, definition: &Definition) -> Result<(), String>;

    /// The key under which a trigger `name` on `table` is kept in a
    /// [`crate::Schema`]: the name's key where trigger names are the
    /// schema's, the table's and the name's where each table has its own.
    fn trigger_key(&self, _table: &str, name: &str) -> String {
        self.key(name)
    }

    /// A table option as users write it in the dialect's SQL, for
    /// messages.
    fn describe_option(&self, option: &str) -> String {
        option.to_string()
    }

    /// Whether a table may gain or lose `option` by an op of its own
    /// ([`crate::Op::AlterTableOptions`]), which a target carries out by
    /// rebuilding the table with every row.
    fn alterable_option(&self, _option: &str) -> bool {
        false
    }

    /// Whether `sql` refers to the identifier `name` anywhere outside
    /// strings, comments and aliases.
    fn mentions(&self, sql: &str, name: &str) -> bool;

    /// Whether `sql` may refer to a column `name`: as [`Rules::mentions`],
    /// leaving out function names and qualifiers too.
    fn mentions_column(&self, sql: &str, name: &str) -> bool;

    /// The byte offset where the body of a view statement (after its `AS`)
    /// or a trigger statement (after its name) begins.
    fn body_start(&self, sql: &str) -> usize;

    /// `sql` with every reference to the table `old` renamed `new`.
    fn rename_table(&self, sql: &str, old: &str, new: &str) -> String;

    /// `sql` with every reference to the column `old` renamed `new`.
    fn rename_column(&self, sql: &str, old: &str, new: &str) -> String;

    /// Whether two pieces of SQL text mean the same, quoting, whitespace,
    /// comments and the case the dialect ignores aside.
    fn same_text(&self, a: &str, b: &str) -> bool;

    /// `f` applied to the body of a view or trigger statement only (see
    /// [`Rules::body_start`]).
    fn in_body(&self, sql: &str, f: &dyn Fn(&str) -> String) -> String {
        let at = self.body_start(sql);
        let mut out = sql[..at].to_string();
        out.push_str(&f(&sql[at..]));
        out
    }
}
