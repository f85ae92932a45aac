//! What the benchmarks of the real binary share: running `strata` as a
//! whole process under `/usr/bin/time -v` (its wall time and peak RSS), and
//! reading SQLite files through a connection of their own.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use rusqlite::types::Value;
use rusqlite::Connection;

/// The release `strata` that cargo built for this benchmark.
pub const STRATA: &str = env!("CARGO_BIN_EXE_strata");

/// One run of `strata`: how long it took, its peak resident set, and what
/// it printed.
#[derive(Debug)]
pub struct Measured {
    pub secs: f64,
    /// Peak RSS in KiB ("Maximum resident set size"), 0 where
    /// `/usr/bin/time` is missing.
    pub rss_kib: u64,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Measured {
    pub fn rss_mib(&self) -> f64 {
        self.rss_kib as f64 / 1024.0
    }
}

/// Runs `strata args` in `dir` (ledger `ledger-data` there unless `args`
/// say otherwise) and measures it. Panics unless it exits with `expect`.
pub fn strata(dir: &Path, args: &[&str], expect: i32) -> Measured {
    let report = dir.join(".time-report");
    let timed = Path::new("/usr/bin/time").exists();
    let mut cmd = if timed {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-v").arg("-o").arg(&report).arg(STRATA);
        c
    } else {
        Command::new(STRATA)
    };
    cmd.args(args)
        .current_dir(dir)
        .env_remove("STRATA_LEDGER")
        .env_remove("STRATA_DB")
        .env_remove("STRATA_WAIT")
        .env("STRATA_AUTHOR", "bench");
    let start = Instant::now();
    let out = cmd.output().expect("run strata");
    let secs = start.elapsed().as_secs_f64();
    let rss_kib = if timed {
        let text = std::fs::read_to_string(&report).unwrap_or_default();
        text.lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes): ")
            })
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    } else {
        0
    };
    let m = Measured {
        secs,
        rss_kib,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(
        m.code,
        expect,
        "strata {}: exit {}\n{}{}",
        args.join(" "),
        m.code,
        m.stdout,
        m.stderr
    );
    m
}

/// Every row of `sql`, each value as SQLite gives it.
pub fn rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut st = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let n = st.column_count();
    st.query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The one integer `sql` gives.
pub fn int(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A name quoted for SQLite.
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A string as a SQL literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A seconds figure as the reports print it.
pub fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

/// The machine the figures come from, and how busy it is: `nproc`, the CPU
/// model, the memory and the load average.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kib| kib.parse::<u64>().ok())
        .map_or(0.0, |kib| kib as f64 / 1024.0 / 1024.0);
    format!("{cpus} cpus, {model}, {mem:.1} GiB; {}", load())
}

/// The load average now.
pub fn load() -> String {
    let l = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let parts: Vec<&str> = l.split_whitespace().take(3).collect();
    format!("load {}", parts.join(" "))
}
