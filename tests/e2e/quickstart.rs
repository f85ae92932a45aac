//! The README's quickstart command, run as a user would (with the binary
//! under test instead of a fresh release build).

use std::process::Command;

#[test]
fn the_quickstart_runs_end_to_end() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../ledger-data/examples/quickstart.sh"
    );
    let out = Command::new("bash")
        .arg(script)
        .env("STRATA", env!("CARGO_BIN_EXE_strata"))
        .env_remove("STRATA_LEDGER")
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "quickstart failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("recorded event 2"), "{stdout}");
    assert!(stdout.contains("ok: 3 events, 1 tags"), "{stdout}");
    assert!(
        stdout.contains("app.db is now at event 3 (was 1"),
        "{stdout}"
    );
    assert!(stdout.contains("2 pending"), "{stdout}");
}
