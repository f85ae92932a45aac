//! The text form's costs on the 100,000-event benchmark ledger (see
//! `support::fill`), each measured against plain `verify` of the same ledger
//! in the same run: the first `export` into an empty folder, a re-export
//! that finds every file in place, `verify --text`, and `import` into an
//! empty ledger, through the library functions the command line calls.
//! Rounds run one after the other (verify, export, re-export, verify
//! --text, import), so a load that comes and goes on the machine touches
//! every operation alike; the medians and their ratio to verify's median
//! are printed at the end.
//!
//! Then, once, the floors the text form stands on, measured alone: creating
//! as many files of the same sizes in one folder, making them durable,
//! reading them back; and what an import adds to reading them: projecting
//! every event, and (with `--deep`) a fingerprint of the schema per event.
//!
//! `cargo bench -p strata-ledger --bench text`; `STRATA_TEXT_ROUNDS` sets
//! the number of rounds (5), `STRATA_BENCH_DIR` where the ledger is cached
//! and the scratch folders go (cargo's target tmpdir).

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use strata_ledger::text;
use strata_ledger::{Body, Ledger};

const EVENTS: u64 = 100_000;

fn bench_dir() -> PathBuf {
    std::env::var_os("STRATA_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")))
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

fn median(xs: &[Duration]) -> Duration {
    let mut xs = xs.to_vec();
    xs.sort();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

/// The operations measured, in the order of a round.
const OPS: [&str; 5] = [
    "verify (plain)",
    "export, first",
    "export, again",
    "verify --text",
    "import, empty ledger",
];

fn main() {
    // `cargo bench` passes `--bench` and any filter; a listing run
    // (`--list`) measures nothing.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rounds: usize = std::env::var("STRATA_TEXT_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
        .max(1);
    let base = bench_dir();
    let path = support::cached_ledger(&base, EVENTS);
    let ledger = Ledger::open(&path).expect("open");
    assert_eq!(ledger.head_seq(), EVENTS, "the cached ledger's head");
    let scratch = tempfile::tempdir_in(&base).expect("scratch folder");

    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); OPS.len()];
    for round in 0..rounds {
        let (report, t) = timed(|| ledger.verify(false).expect("verify"));
        assert!(report.is_ok(), "{report:?}");
        times[0].push(t);

        let dir = scratch.path().join(format!("text-{round}"));
        let (done, t) = timed(|| text::export(&ledger, &dir).expect("export"));
        assert_eq!(done.events, EVENTS);
        times[1].push(t);

        let (done, t) = timed(|| text::export(&ledger, &dir).expect("export again"));
        assert_eq!(done.written, 0, "a second export writes nothing");
        times[2].push(t);

        let (summary, t) = timed(|| text::verify_text(&dir, false).expect("verify --text"));
        assert_eq!(summary.head, ledger.head());
        times[3].push(t);

        // As `strata import` into a folder that holds no ledger: the
        // ledger is created in the text form's format, then filled.
        let into = scratch.path().join(format!("ledger-{round}"));
        let (imported, t) = timed(|| {
            let checked = text::check_import(&dir, None, false).expect("check");
            let new = Ledger::init_format(&into, checked.format()).expect("init");
            checked.append(&new).expect("import")
        });
        assert_eq!(imported.head, ledger.head());
        times[4].push(t);

        eprintln!(
            "round {}: {}",
            round + 1,
            OPS.iter()
                .zip(&times)
                .map(|(op, ts)| format!("{op} {}", ms(ts[round])))
                .collect::<Vec<_>>()
                .join(", ")
        );
        std::fs::remove_dir_all(&into).expect("remove the imported ledger");
        if round + 1 < rounds {
            std::fs::remove_dir_all(&dir).expect("remove the text form");
        }
    }
    let verify = median(&times[0]);
    println!("text form, {EVENTS} events, {rounds} rounds (median, min-max, median / verify's)");
    for (op, ts) in OPS.iter().zip(&times) {
        let m = median(ts);
        println!(
            "  {op:<22} {:>9}  ({}-{})  {:.2}x",
            ms(m),
            ms(*ts.iter().min().expect("a round")),
            ms(*ts.iter().max().expect("a round")),
            m.as_secs_f64() / verify.as_secs_f64()
        );
    }

    let last = scratch.path().join(format!("text-{}", rounds - 1));
    floors(&last, scratch.path());
    projection(&ledger);
}

/// What an import cannot do without: projecting every event onto the
/// schema before it (to check that it fits, and for the snapshots), and
/// what `import --deep` adds: a fingerprint of the whole schema per event
/// (measured on every 100th event and multiplied).
fn projection(ledger: &Ledger) {
    let mut schema = strata_schema::Schema::default();
    let mut fingerprints = Duration::ZERO;
    let t = Instant::now();
    for entry in ledger.events_from(1) {
        let event = entry.expect("event").event;
        match &event.body {
            Body::Change { ops, .. } | Body::Revert { ops, .. } => {
                for op in ops {
                    strata_schema::project(strata_dialect::sqlite::RULES, &mut schema, op)
                        .expect("fits");
                }
            }
            body => strata_ledger::apply_body(
                strata_dialect::sqlite::RULES,
                &mut schema,
                event.seq,
                body,
            )
            .expect("fits"),
        }
        if event.seq % 100 == 0 {
            let (fp, took) = timed(|| ledger.format().fingerprint(&schema).expect("fingerprint"));
            assert_eq!(fp, event.fingerprint);
            fingerprints += took;
        }
    }
    let all = t.elapsed() - fingerprints;
    println!("  read and project every event  {:>9}", ms(all));
    println!(
        "  a fingerprint per event       {:>9} (every 100th: {})",
        ms(fingerprints * 100),
        ms(fingerprints)
    );
}

/// The file system alone, on files of the sizes the export wrote: create
/// them (a fresh file renamed into place, as export does), read them back,
/// and make them durable.
fn floors(text: &Path, scratch: &Path) {
    let sizes: Vec<u64> = (1..=EVENTS)
        .map(|seq| {
            std::fs::metadata(text.join(text::file_name(seq)))
                .expect("an exported file")
                .len()
        })
        .collect();
    let total: u64 = sizes.iter().sum();
    println!(
        "floors, {EVENTS} files of {:.0} bytes on average ({:.1} MB)",
        total as f64 / EVENTS as f64,
        total as f64 / 1e6
    );
    let filler = vec![b'x'; usize::try_from(*sizes.iter().max().expect("files")).expect("size")];
    let dir = scratch.join("floor");
    std::fs::create_dir(&dir).expect("mkdir");
    let ((), t) = timed(|| {
        for (i, size) in sizes.iter().enumerate() {
            let name = text::file_name(i as u64 + 1);
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, &filler[..*size as usize]).expect("write");
            std::fs::rename(&tmp, dir.join(&name)).expect("rename");
        }
    });
    println!("  create, write, rename         {:>9}", ms(t));
    let (synced, t) = timed(|| sync(&dir));
    if synced {
        println!("  then one syncfs               {:>9}", ms(t));
    }
    let ((), t) = timed(|| {
        for seq in 1..=EVENTS {
            let bytes = std::fs::read(dir.join(text::file_name(seq))).expect("read");
            std::hint::black_box(bytes);
        }
    });
    println!("  read back                     {:>9}", ms(t));
    std::fs::remove_dir_all(&dir).expect("remove");
}

/// Make everything written to `dir`'s file system durable, as export does
/// (Linux only).
#[cfg(target_os = "linux")]
fn sync(dir: &Path) -> bool {
    let folder = std::fs::File::open(dir).expect("open");
    rustix::fs::syncfs(folder).expect("syncfs");
    true
}

#[cfg(not(target_os = "linux"))]
fn sync(_: &Path) -> bool {
    false
}
