//! A throwaway PostgreSQL cluster, for tests and benchmarks: `initdb` into
//! a temporary folder, started by `pg_ctl` on a free local port with a
//! socket folder of its own, and stopped (its files removed) when dropped.
//! Nothing needs to run beforehand; the server's programs must be
//! installed (Debian's `postgresql` package).
//!
//! PostgreSQL's server refuses to run as root, so when the tests run as
//! root the cluster is made and run as the `postgres` user, which owns its
//! folder.
//!
//! The programs are looked for in `$STRATA_PG_BIN`, then in
//! `/usr/lib/postgresql/<version>/bin` (the newest version), then on the
//! `PATH`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// A running cluster, stopped when dropped.
#[derive(Debug)]
pub struct Cluster {
    bin: PathBuf,
    dir: TempDir,
    port: u16,
    /// The user the server runs as when the tests run as root.
    run_as: Option<String>,
    next: std::sync::atomic::AtomicU32,
}

/// Why a cluster could not be started.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ClusterError(String);

fn fail(what: impl Into<String>) -> ClusterError {
    ClusterError(what.into())
}

/// The folder holding `initdb` and `pg_ctl`, when the server is installed.
pub fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("STRATA_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
    })
}

impl Cluster {
    /// Makes and starts a cluster.
    pub fn start() -> Result<Cluster, ClusterError> {
        Cluster::start_with(&[])
    }

    /// Makes and starts a cluster with the server settings `settings`
    /// besides the ones every test cluster has.
    pub fn start_with(settings: &[(&str, &str)]) -> Result<Cluster, ClusterError> {
        let bin = bin_dir().ok_or_else(|| {
            fail("PostgreSQL's server programs (initdb, pg_ctl) were not found: install Debian's postgresql package, or set STRATA_PG_BIN to the folder that holds them")
        })?;
        let root = nix::unistd::geteuid().is_root();
        let dir = tempfile::Builder::new()
            .prefix("strata-pg-")
            .tempdir()
            .map_err(|e| fail(format!("cannot make a folder for a cluster: {e}")))?;
        let run_as = if root {
            let user = nix::unistd::User::from_name("postgres")
                .ok()
                .flatten()
                .ok_or_else(|| fail("the tests run as root, and there is no postgres user to run PostgreSQL's server as"))?;
            std::os::unix::fs::chown(dir.path(), Some(user.uid.as_raw()), Some(user.gid.as_raw()))
                .map_err(|e| {
                    fail(format!(
                        "cannot give {} to the postgres user: {e}",
                        dir.path().display()
                    ))
                })?;
            Some("postgres".to_string())
        } else {
            None
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| fail(format!("cannot find a free port: {e}")))?
            .port();
        let cluster = Cluster {
            bin,
            dir,
            port,
            run_as,
            next: std::sync::atomic::AtomicU32::new(0),
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )?;
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60",
            cluster.dir.path().display()
        );
        for (name, value) in settings {
            options.push_str(&format!(" -c {name}={value}"));
        }
        let log = cluster.dir.path().join("server.log");
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                &data,
                "-o",
                &options,
                "-l",
                &log.to_string_lossy(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        )?;
        Ok(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<Output, ClusterError> {
        let exe = self.bin.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.args(args).current_dir(self.dir.path());
        let out = cmd
            .output()
            .map_err(|e| fail(format!("cannot run {}: {e}", exe.display())))?;
        if !out.status.success() {
            let log =
                std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
            return Err(fail(format!(
                "{program} failed: {}{}{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                if log.is_empty() { "" } else { "; server log: " },
                log.trim()
            )));
        }
        Ok(out)
    }

    /// The folder the server's socket is in.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The port the server listens on (on 127.0.0.1, and in its socket's
    /// name).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The libpq URL of database `db`, by the socket.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgresql://postgres@/{db}?host={}&port={}",
            self.socket_dir().display(),
            self.port
        )
    }

    /// The libpq URL of database `db`, over TCP on 127.0.0.1.
    pub fn tcp_url(&self, db: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// The schema of the database at `url` as `pg_dump --schema-only`
    /// writes it, without owners and privileges, leaving out the schemas
    /// named in `exclude`: the server's own account of every object, to
    /// check strata's against.
    pub fn dump_schema(&self, url: &str, exclude: &[&str]) -> Result<String, ClusterError> {
        let mut args = vec!["--schema-only", "--no-owner", "--no-privileges"];
        for schema in exclude {
            args.push("--exclude-schema");
            args.push(schema);
        }
        args.push("-d");
        args.push(url);
        let out = self.run("pg_dump", &args)?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// A client connected to database `db` as the superuser.
    pub fn connect(&self, db: &str) -> Result<postgres::Client, ClusterError> {
        postgres::Client::connect(&self.url(db), postgres::NoTls)
            .map_err(|e| fail(format!("cannot connect to {}: {e}", self.url(db))))
    }

    /// A new, empty database, named from `hint`; returns its URL.
    pub fn database(&self, hint: &str) -> Result<String, ClusterError> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name: String = format!("{hint}_{n}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let mut client = self.connect("postgres")?;
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .map_err(|e| fail(format!("cannot create database {name}: {e}")))?;
        Ok(self.url(&name))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_starts_serves_and_stops() {
        let cluster = Cluster::start().expect("a cluster");
        let url = cluster.database("probe").expect("a database");
        let mut client =
            postgres::Client::connect(&url, postgres::NoTls).expect("connect by socket");
        let one: i32 = client.query_one("SELECT 1", &[]).expect("query").get(0);
        assert_eq!(one, 1);
        let db: String = client
            .query_one("SELECT current_database()", &[])
            .expect("query")
            .get(0);
        assert!(db.starts_with("probe_"), "{db}");
        let mut tcp = postgres::Client::connect(&cluster.tcp_url(&db), postgres::NoTls)
            .expect("connect by TCP");
        tcp.batch_execute("SELECT 1").expect("query");
        let data = cluster.data();
        drop(client);
        drop(tcp);
        drop(cluster);
        assert!(
            !Path::new(&data).exists(),
            "the cluster's files are removed"
        );
    }
}
