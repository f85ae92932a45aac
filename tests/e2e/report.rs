//! `strata report`: the HTML file it writes is well formed, references
//! nothing outside itself, escapes every name and text, links reverts to
//! what they undo, shows each database's state (a missing or unreadable
//! one in the page, not as a crash), is the same bytes every time, and is
//! never written through a symlink. Where a Chromium is installed, the
//! page is rendered headless: its screenshot is not blank, and the DOM it
//! builds holds the timeline's messages in the ledger's order.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::Env;

/// A message with markup in it, which the page must show as text.
const HOSTILE: &str = "add <script>alert(\"x\")</script> & 'notes'";

/// A history with a rename, a revert, a tag, a view, and names and
/// messages that need escaping; app.db applied and drifted by hand,
/// clean.db at head, junk.db not a database.
fn audited() -> Env {
    let env = Env::init();
    env.record(
        "create people",
        "CREATE TABLE people (id integer PRIMARY KEY, name text NOT NULL)",
    );
    env.record(
        "create orders",
        "CREATE TABLE orders (id integer PRIMARY KEY, person_id integer REFERENCES people (id), total real)",
    );
    env.record(
        HOSTILE,
        "CREATE TABLE \"<b>&notes\" (\"x<y\" text, \"a\"\"b\" integer)",
    );
    env.record("rename people", "ALTER TABLE people RENAME TO users");
    env.record("drop total", "ALTER TABLE orders DROP COLUMN total");
    env.ok(&["revert", "5", "-m", "bring total back"]);
    env.ok(&["tag", "v1"]);
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["apply", "--db", "clean.db"]);
    env.db("app.db")
        .execute_batch("CREATE TABLE by_hand (id integer)")
        .expect("drift");
    env.file("junk.db", "this is not a SQLite database, not at all");
    env
}

fn report(env: &Env, out: &str) -> String {
    env.ok(&[
        "report",
        "--out",
        out,
        "--db",
        "app.db",
        "--db",
        "clean.db",
        "--db",
        "junk.db",
        "--db",
        "missing.db",
    ]);
    std::fs::read_to_string(env.path().join(out)).expect("report written")
}

/// Every element opened is closed, in order (void elements and `/>`
/// aside); the text holds no stray `<`.
fn check_well_formed(html: &str) {
    const VOID: &[&str] = &["meta", "br", "link", "img", "hr", "input"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>').expect("a tag that does not end");
        let tag = &after[..close];
        rest = &after[close + 1..];
        if tag.starts_with('!') {
            assert!(tag.eq_ignore_ascii_case("!DOCTYPE html"), "<{tag}>");
            continue;
        }
        assert!(!tag.contains('<'), "a `<` in a tag or in text: <{tag}>");
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(!name.is_empty(), "a `<` that opens no tag: <{tag}>");
        // Attribute values are quoted, and quotes inside them escaped.
        assert_eq!(tag.matches('"').count() % 2, 0, "<{tag}>");
        if tag.starts_with('/') {
            let top = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(top, name, "</{name}> closes <{top}>");
        } else if !(tag.ends_with('/') || VOID.contains(&name.as_str())) {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "left open: {stack:?}");
}

/// Every value of attribute `attr` (`href`, `id`, ...).
fn values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let pattern = format!(" {attr}=\"");
    html.match_indices(&pattern)
        .map(|(i, _)| {
            let v = &html[i + pattern.len()..];
            &v[..v.find('"').expect("closing quote")]
        })
        .collect()
}

#[test]
fn the_page_is_self_contained_escaped_and_linked() {
    let env = audited();
    let html = report(&env, "audit.html");
    check_well_formed(&html);
    // Nothing from the network or another file.
    let lower = html.to_lowercase();
    for banned in [
        "http:", "https:", "<script", "<link", "<img", "<iframe", "@import", "//",
    ] {
        assert!(!lower.contains(banned), "the page holds {banned:?}");
    }
    assert_eq!(values(&html, "src"), Vec::<&str>::new());
    for v in values(&html, "href") {
        assert!(v.starts_with('#') || v.starts_with("data:"), "href={v:?}");
    }
    for (i, _) in lower.match_indices("url(") {
        assert!(lower[i + 4..].starts_with('#'), "{}", &lower[i..i + 20]);
    }
    // Every in-page link has its anchor.
    let ids: BTreeSet<&str> = values(&html, "id").into_iter().collect();
    for v in values(&html, "href") {
        assert!(ids.contains(&v[1..]), "href={v} has no anchor");
    }
    // The revert links to what it undoes; the tag is on its event.
    let revert = &html[html.find("id=\"event-6\"").expect("event 6")..];
    let revert = &revert[..revert.find("</li>\n<li").unwrap_or(revert.len())];
    assert!(
        revert.contains("Undoes <a href=\"#event-5\">event 5</a>."),
        "{revert}"
    );
    assert!(
        revert.contains("<span class=\"label\">tag v1</span>"),
        "{revert}"
    );
    // Markup in a message or a name is text.
    assert!(html
        .contains("add &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;notes&#39;"));
    assert!(html.contains("&lt;b&gt;&amp;notes"));
    assert!(!html.contains("<b>&notes"));
    // The verdict and head hash.
    let head = env.events().last().expect("head")["hash"]
        .as_str()
        .expect("hash")
        .to_string();
    assert!(html.contains("The ledger is whole"), "verdict");
    assert!(html.contains(&format!("Head hash: <code>{head}</code>")));
    // Each database: drift, at head, unreadable, missing.
    let rows: Vec<&str> = html
        .split("<tr class=\"db\">")
        .skip(1)
        .map(|r| &r[..r.find("</tr>").expect("row end")])
        .collect();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(
        rows[0].contains("app.db") && rows[0].contains("drifted"),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("by_hand"), "{}", rows[0]);
    assert!(
        rows[1].contains("clean.db") && rows[1].contains("at head, no drift"),
        "{}",
        rows[1]
    );
    assert!(
        rows[1].contains("<a href=\"#event-7\">event 7</a>"),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].contains("cannot be read") && rows[2].contains("not a SQLite database"),
        "{}",
        rows[2]
    );
    assert!(rows[3].contains("missing.db does not exist"), "{}", rows[3]);
    // The diagram: one box per table, one line per foreign key.
    let svg = &html[html.find("<svg").expect("svg")..html.find("</svg>").expect("svg end")];
    assert_eq!(svg.matches("<g class=\"table\">").count(), 3);
    assert_eq!(svg.matches("<path class=\"fk\"").count(), 1);
    assert!(
        svg.contains("<title>orders → users: person_id → id</title>"),
        "{svg}"
    );
    // Each table's blame and history, from the walk blame makes.
    let users = &html[html.find("<h3>users</h3>").expect("users table")..];
    let users = &users[..users.find("</article>").expect("article end")];
    assert!(users.contains("↳ renamed people → users"), "{users}");
    assert!(users.contains("rename table people to users"), "{users}");
    // The same bytes every time.
    let again = report(&env, "again.html");
    assert_eq!(html, again);

    // What it says once written.
    let said = env.json(&["report", "--out", "audit.html", "--db", "junk.db"]);
    assert_eq!(said["events"], 7);
    assert_eq!(said["tables"], 3);
    assert_eq!(said["verified"], true);
    assert_eq!(said["databases"][0]["state"], "unreadable");
    let text = env.ok(&["report", "--out", "audit.html", "--db", "missing.db"]);
    assert_eq!(
        text.stdout,
        "wrote audit.html: 7 events, 3 tables, 1 database\n"
    );
    assert_eq!(
        text.stderr,
        "warning: missing.db: missing.db does not exist\n"
    );
}

#[test]
fn an_empty_ledger_makes_a_page_too() {
    let env = Env::init();
    env.ok(&["report", "--out", "empty.html"]);
    let html = std::fs::read_to_string(env.path().join("empty.html")).expect("page");
    check_well_formed(&html);
    assert!(html.contains("The ledger has no events."));
    assert!(html.contains("The schema has no tables."));
}

#[test]
fn the_file_is_replaced_whole_never_through_a_symlink() {
    let env = audited();
    let victim = env.file("victim.txt", "keep me");
    std::os::unix::fs::symlink(&victim, env.path().join("out.html")).expect("symlink");
    env.ok(&["report", "--out", "out.html"]);
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep me");
    let meta = std::fs::symlink_metadata(env.path().join("out.html")).expect("out");
    assert!(meta.file_type().is_file(), "out.html is still a symlink");
    // No temporary file is left beside it.
    let left: Vec<String> = std::fs::read_dir(env.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    env.fails(&["report", "--out", "."], 1)
        .says("does not name a file");
    env.fails(&["report", "--out", "no/such/folder/r.html"], 1)
        .says("the folder no/such/folder does not exist");
    env.fails(&["report"], 2);
    Env::new().fails(&["report", "--out", "r.html"], 1);
}

/// The Chromium to render with, if any is installed.
fn browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|p| p.is_file())
}

/// Run headless Chromium on `page` with `args`, in a profile of its own
/// under `dir`, giving up (and failing) after a minute.
fn chromium(browser: &Path, dir: &Path, page: &Path, args: &[String]) -> String {
    let profile = tempfile::tempdir_in(dir).expect("profile dir");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            // Chromium's sandbox refuses to run as root, as tests in a
            // container do; the page is our own file.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("wait chromium") {
            assert!(status.success(), "chromium {args:?} failed: {status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {args:?} did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().expect("reader")
}

#[test]
fn headless_chromium_renders_the_page_and_its_timeline() {
    let Some(browser) = browser() else {
        eprintln!(
            "skipped: no Chromium found on PATH (Debian: apt-get install chromium); \
             the page is not rendered"
        );
        return;
    };
    let env = audited();
    report(&env, "audit.html");
    let page = env.path().join("audit.html").canonicalize().expect("page");

    let shot = env.path().join("shot.png");
    chromium(
        &browser,
        env.path(),
        &page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1200,900".to_string(),
        ],
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&shot).expect("screenshot written"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    assert_eq!((info.width, info.height), (1200, 900));
    let channels = info.color_type.samples();
    let colours: BTreeSet<&[u8]> = pixels[..info.buffer_size()]
        .chunks(channels)
        .map(|p| &p[..3.min(channels)])
        .collect();
    assert!(
        colours.len() > 20,
        "the screenshot is (nearly) blank: {} colours",
        colours.len()
    );

    // The DOM Chromium built: the timeline's messages, in the ledger's
    // order.
    let dom = chromium(&browser, env.path(), &page, &["--dump-dom".to_string()]);
    let timeline = &dom[dom
        .find("<ol class=\"timeline\">")
        .expect("timeline in the DOM")..];
    let shown: Vec<String> = timeline
        .split("<p class=\"message\">")
        .skip(1)
        .map(|m| unescape(&m[..m.find("</p>").expect("message end")]))
        .collect();
    let messages: Vec<String> = env
        .events()
        .iter()
        .map(|e: &Value| e["message"].as_str().expect("message").to_string())
        .collect();
    assert_eq!(shown, messages);
    assert!(shown.contains(&HOSTILE.to_string()));
    // The diagram is in the DOM as SVG, not as text.
    assert!(dom.contains("<svg class=\"diagram\""), "no svg in the DOM");
}

/// HTML text as the characters it stands for (what Chromium writes back
/// escapes `&`, `<` and `>` only).
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
