//! Every form of point, resolved through `schema --at` and `show`.

use crate::Env;

fn tables_at(env: &Env, point: &str) -> Vec<String> {
    let json = env.json(&["schema", "--at", point]);
    json["tables"]
        .as_object()
        .expect("tables")
        .keys()
        .cloned()
        .collect()
}

#[test]
fn every_form_resolves() {
    let env = Env::init();
    for (i, t) in ["a", "b", "c"].iter().enumerate() {
        env.ok(&[
            "record",
            "-m",
            t,
            "--timestamp",
            &format!("2026-11-2{}T10:00:00Z", i + 1),
            "--sql",
            &format!("CREATE TABLE {t} (x)"),
        ]);
    }
    env.ok(&["tag", "two", "2"]);
    let hash = env.events()[1]["hash"].as_str().expect("hash").to_string();
    assert_eq!(tables_at(&env, "0"), Vec::<String>::new());
    assert_eq!(tables_at(&env, "1"), ["a"]);
    assert_eq!(tables_at(&env, "head"), ["a", "b", "c"]);
    assert_eq!(tables_at(&env, "head~1"), ["a", "b", "c"]); // head is the tag
    assert_eq!(tables_at(&env, "head~2"), ["a", "b"]);
    assert_eq!(tables_at(&env, "head~4"), Vec::<String>::new());
    assert_eq!(tables_at(&env, "two"), ["a", "b"]);
    assert_eq!(tables_at(&env, &hash[..8]), ["a", "b"]);
    assert_eq!(tables_at(&env, &hash.to_uppercase()), ["a", "b"]);
    assert_eq!(tables_at(&env, "@2026-11-22T12:00:00Z"), ["a", "b"]);
    assert_eq!(tables_at(&env, "@2026-11-22T10:00:00Z"), ["a", "b"]);
    assert_eq!(tables_at(&env, "@2026-11-22T11:00:00+02:00"), ["a"]);
    assert_eq!(env.json(&["show", &hash[..10]])["seq"], 2);
}

#[test]
fn unknown_and_malformed_points_are_clear_errors() {
    let env = Env::init();
    env.seed();
    env.fails(&["schema", "--at", "5"], 1)
        .says("there is no event 5");
    env.fails(&["schema", "--at", "head~3"], 1)
        .says("before the first event");
    env.fails(&["schema", "--at", "cafebabe"], 1)
        .says("no event's hash starts with cafebabe");
    env.fails(&["schema", "--at", "@2000-01-01T00:00:00Z"], 1)
        .says("no event at or before");
    for bad in ["", "head~", "head~-1", "@yesterday", "a b"] {
        env.fails(&["schema", "--at", bad], 2).says("point");
    }
    env.fails(&["schema", "--at", "99999999999999999999999"], 2)
        .says("too large for an event number");
}
