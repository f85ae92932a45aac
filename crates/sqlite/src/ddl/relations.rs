//! The tables and views a view's query or a trigger's body reads or writes,
//! found by walking sqlparser's AST: every relation named in a FROM or JOIN,
//! in a subquery anywhere, or as the target of INSERT, UPDATE or DELETE.
//! Left out: names a WITH clause defines, table-valued functions
//! (`json_each(...)`), and SQLite's own `sqlite_` tables.

use std::convert::Infallible;
use std::ops::ControlFlow;

use sqlparser::ast::{ObjectName, ObjectNamePart, Query, TableFactor, Visit, Visitor};
use strata_dialect::sqlite::{key, same_name};

#[derive(Default)]
pub(crate) struct Relations {
    named: Vec<String>,
    ctes: Vec<String>,
    /// The next relation visited is a table-valued function's name.
    function_next: bool,
}

impl Relations {
    pub fn read(&mut self, node: &impl Visit) {
        // The visitor never breaks.
        let _ = node.visit(self);
    }

    /// The relations read, as first named, each once; `except` left out.
    pub fn names(self, except: Option<&str>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in self.named {
            let skip = self.ctes.iter().any(|c| same_name(c, &name))
                || key(&name).starts_with("sqlite_")
                || except.is_some_and(|e| same_name(e, &name))
                || out.iter().any(|o| same_name(o, &name));
            if !skip {
                out.push(name);
            }
        }
        out
    }
}

impl Visitor for Relations {
    type Break = Infallible;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<Infallible> {
        if let Some(with) = &query.with {
            self.ctes
                .extend(with.cte_tables.iter().map(|c| c.alias.name.value.clone()));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<Infallible> {
        if let TableFactor::Table { args: Some(_), .. } = factor {
            self.function_next = true;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<Infallible> {
        if std::mem::take(&mut self.function_next) {
            return ControlFlow::Continue(());
        }
        // `main.t` reads t.
        if let Some(ident) = relation.0.last().and_then(ObjectNamePart::as_ident) {
            self.named.push(ident.value.clone());
        }
        ControlFlow::Continue(())
    }
}
