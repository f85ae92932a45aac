//! What the reconciler's PostgreSQL tests share: a throwaway cluster, one
//! per test function, with a development database for record's proofs,
//! the target over it, and its databases and clients.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

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
}
