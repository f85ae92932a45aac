//! What the reconciler's PostgreSQL tests share: a throwaway cluster, one
//! per test function, with a development database for record's proofs,
//! the target over it, its databases and clients, and one move.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use strata_ledger::Ledger;
use strata_reconcile::{Mover, Outcome, Reconciler};

/// A throwaway cluster and the target over it.
pub struct Pg {
    pub cluster: strata_postgres::cluster::Cluster,
    pub target: strata_postgres::Postgres,
}

pub fn pg() -> Pg {
    let cluster = strata_postgres::cluster::Cluster::start().expect("a PostgreSQL cluster");
    let dev = cluster.database("dev").expect("a development database");
    Pg {
        cluster,
        target: strata_postgres::Postgres {
            dev: Some(dev),
            ..strata_postgres::Postgres::default()
        },
    }
}

impl Pg {
    /// A new, empty database of the cluster, as the location a target opens.
    pub fn database(&self, hint: &str) -> PathBuf {
        PathBuf::from(self.cluster.database(hint).expect("a database"))
    }

    pub fn client(&self, location: &Path) -> strata_postgres::postgres::Client {
        let url = location.to_str().expect("a URL");
        strata_postgres::postgres::Client::connect(url, strata_postgres::postgres::NoTls)
            .expect("connect")
    }

    /// Moves the database at `location` to event `to` of `ledger` in one
    /// apply, from a point with no drift; a move that applies nothing, or
    /// fails, fails the test with the plan's SQL.
    pub fn move_to(&self, ledger: &Ledger, location: &Path, to: u64) {
        let r = Reconciler::new(&self.target, ledger);
        let mut db = r.open(location).expect("open");
        let survey = r.survey(&db).expect("survey");
        survey.refuse_drift().expect("no drift before the move");
        let from = survey.seq();
        let planned = r.plan(&db, survey, to).expect("a plan");
        match strata_reconcile::apply(&mut db, &planned, &Mover::named("test")) {
            Ok(Outcome::Applied(_)) => {}
            Ok(Outcome::AlreadyThere) => panic!("{from} -> {to}: nothing applied"),
            Err(e) => panic!("apply {from} -> {to}: {e}\nplan:\n{}", planned.plan.sql()),
        }
    }
}
