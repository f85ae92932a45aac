//! Time: a `--timestamp` more than the skew (5 minutes, or
//! `$STRATA_CLOCK_SKEW` seconds) ahead of the clock is refused, since every
//! later event would take its time; an event dated by default while the
//! clock is behind head's time takes head's time, and says so.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::Env;

/// The clock's time `minutes` from now, in RFC 3339.
fn from_now(minutes: i64) -> String {
    (OffsetDateTime::now_utc() + Duration::minutes(minutes))
        .format(&Rfc3339)
        .expect("format")
}

/// `strata ARGS` with the default skew (the Env widens it for the
/// snapshots' dates in 2099).
fn default_skew(env: &Env, args: &[&str]) -> crate::Run {
    let out = env
        .command(args)
        .env_remove("STRATA_CLOCK_SKEW")
        .output()
        .expect("run");
    env.finish(args, out)
}

#[test]
fn a_timestamp_in_the_future_is_refused_and_nothing_is_appended() {
    let env = Env::init();
    let sql = "CREATE TABLE t (a integer)";
    for at in ["2099-01-01T00:00:00Z", &from_now(60)] {
        default_skew(
            &env,
            &["record", "-m", "t", "--timestamp", at, "--sql", sql],
        )
        .failure(1)
        .says("is in the future")
        .says("at most 5 minutes ahead of it");
    }
    assert!(env.events().is_empty());
    // Old times, and times within the skew, are taken.
    default_skew(
        &env,
        &[
            "record",
            "-m",
            "t",
            "--timestamp",
            "2001-01-01T00:00:00Z",
            "--sql",
            sql,
        ],
    )
    .success();
    let near = from_now(2);
    default_skew(
        &env,
        &[
            "record",
            "-m",
            "u",
            "--timestamp",
            &near,
            "--sql",
            "CREATE TABLE u (a)",
        ],
    )
    .success();
    let events = env.events();
    assert_eq!(events[0]["at"], "2001-01-01T00:00:00Z");
    // The other commands that take --timestamp refuse it too.
    default_skew(
        &env,
        &[
            "revert",
            "1",
            "-m",
            "undo",
            "--timestamp",
            "2099-01-01T00:00:00Z",
        ],
    )
    .failure(1)
    .says("is in the future");
    assert_eq!(env.events().len(), 2);
}

#[test]
fn the_skew_is_a_number_of_seconds() {
    let env = Env::init();
    let args = [
        "record",
        "-m",
        "t",
        "--timestamp",
        "2001-01-01T00:00:00Z",
        "--sql",
        "CREATE TABLE t (a)",
    ];
    let out = env
        .command(&args)
        .env("STRATA_CLOCK_SKEW", "soon")
        .output()
        .expect("run");
    env.finish(&args, out)
        .failure(2)
        .says("STRATA_CLOCK_SKEW=\"soon\" is not a number of seconds");
    let at = from_now(20);
    let args = [
        "record",
        "-m",
        "t",
        "--timestamp",
        &at,
        "--sql",
        "CREATE TABLE t (a)",
    ];
    let out = env
        .command(&args)
        .env("STRATA_CLOCK_SKEW", "3600")
        .output()
        .expect("run");
    env.finish(&args, out).success();
}

#[test]
fn a_clock_behind_head_is_named_when_an_event_takes_heads_time() {
    let env = Env::init();
    env.ok(&[
        "record",
        "-m",
        "ahead",
        "--timestamp",
        "2099-01-01T00:00:00Z",
        "--sql",
        "CREATE TABLE t (a)",
    ]);
    let run = env.ok(&["record", "-m", "now", "--sql", "CREATE TABLE u (a)"]);
    assert!(
        run.stderr.starts_with("warning: the clock (")
            && run.stderr.contains(
                "is behind head's time (2099-01-01T00:00:00Z): event 2 takes head's time"
            ),
        "{}",
        run.stderr
    );
    let run = env.ok(&["tag", "v1"]);
    assert!(
        run.stderr.contains("event 3 takes head's time"),
        "{}",
        run.stderr
    );
    let events = env.events();
    assert_eq!(events[1]["at"], "2099-01-01T00:00:00Z");
    assert_eq!(events[2]["at"], "2099-01-01T00:00:00Z");
    // A clock ahead of head says nothing.
    let env = Env::init();
    let run = env.ok(&["record", "-m", "t", "--sql", "CREATE TABLE t (a)"]);
    assert_eq!(run.stderr, "");
}
