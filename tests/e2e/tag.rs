//! `tag`: a name for a point, appended as an event; names that would
//! read as another point are refused.

use crate::Env;

#[test]
fn a_tag_names_a_point_and_is_an_event() {
    let env = Env::init();
    env.seed();
    env.ok(&["tag", "v1", "1"])
        .says("tagged point 1 as v1 (event 3");
    env.ok(&["tag", "release/2026-11", "-m", "the november release"]);
    let events = env.events();
    assert_eq!(events.len(), 4);
    assert_eq!(events[2]["kind"], "tag");
    assert_eq!(events[2]["tag"]["name"], "v1");
    assert_eq!(events[2]["tag"]["target"], 1);
    assert_eq!(events[3]["message"], "the november release");
    // The tag event itself changes no schema: head~1 and head agree.
    assert_eq!(
        env.ok(&["schema", "--at", "v1"]).stdout,
        env.ok(&["schema", "--at", "1"]).stdout
    );
    assert_eq!(
        env.ok(&["schema", "--at", "release/2026-11"]).stdout,
        env.ok(&["schema", "--at", "2"]).stdout
    );
}

#[test]
fn names_that_would_read_as_another_point_are_refused() {
    let env = Env::init();
    env.seed();
    for bad in [
        "12",
        "head",
        "head~1",
        "@now",
        "a~b",
        "deadbeef",
        "two words",
    ] {
        env.fails(&["tag", bad], 1).says("tag name");
    }
    env.ok(&["tag", "v1"]);
    env.fails(&["tag", "v1", "1"], 1)
        .says("tag v1 already exists (it names event 2)");
    env.fails(&["tag", "v9", "7"], 1)
        .says("there is no event 7");
    assert_eq!(env.head(), 3);
}
