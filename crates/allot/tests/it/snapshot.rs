//! Snapshots through the command line: a book opened from a snapshot plus the events after it
//! is the book a full replay of the log gives; a damaged snapshot is replayed around with a
//! warning; a bulk import ends with a snapshot of the book exactly as of its last event.

use crate::cli::Env;
use std::path::Path;
use store::{SqliteOptions, SqliteStore, Store};

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).expect("valid JSON")
}

fn open(db: &Path) -> SqliteStore {
    SqliteStore::open(db, SqliteOptions::default()).expect("open the store")
}

/// The seq of the stored snapshot, if any, and the log's head.
fn snapshot_and_head(db: &Path) -> (Option<u64>, u64) {
    let s = open(db);
    let snap = s
        .latest_snapshot()
        .expect("read the snapshot")
        .map(|(seq, _)| seq);
    (snap, s.head().expect("head"))
}

/// The book a full replay of the log gives.
fn replayed(db: &Path) -> book::Book {
    let s = open(db);
    let mut r = scenario::Replay::new();
    s.scan(0, None, &mut |e| {
        r.apply(e.seq, &e.kind, &e.payload)
            .map_err(store::StoreError::Corrupt)
    })
    .expect("replay");
    r.finish().expect("a book").0
}

/// What the book looks like through the CLI: the scenario export, every open order's status and
/// promise in a plan (timings removed), the last plan's moves, supply, and some orders.
fn views(env: &Env, ids: &[&str]) -> Vec<String> {
    let mut plan = json(&env.ok(&["plan", "--json", "--dry-run", "--now", "2027-02"]));
    let obj = plan.as_object_mut().expect("an object");
    obj.remove("solve_ms");
    obj.remove("stages_ms");
    let mut v = vec![
        env.ok(&["export", "--format", "json"]),
        env.ok(&["export", "--format", "csv"]),
        plan.to_string(),
        env.ok(&["supply", "show"]),
        env.ok(&["waitlist", "--json", "--now", "2027-02"]),
    ];
    for id in ids {
        v.push(env.ok(&["order", "show", id, "--now", "2027-02"]));
    }
    v
}

/// Opens the book (a read-only command) and returns what it printed on standard error.
fn stderr_of_open(env: &Env) -> String {
    let out = env.run(&["supply", "show"]);
    assert!(out.status.success());
    String::from_utf8(out.stderr).expect("utf-8")
}

/// The ids of the plan's open orders in `status`.
fn open_in(plan: &serde_json::Value, status: &str) -> Vec<String> {
    plan["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .filter(|o| o["status"] == status)
        .map(|o| o["order"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn a_book_opened_from_a_snapshot_equals_the_replayed_log() {
    let env = Env::new();
    let db = env.db();
    env.ok(&["gen", "--orders", "300", "--seed", "3", "--periods", "24"]);
    // gen ends with a snapshot of its last event.
    let (snap, head) = snapshot_and_head(&db);
    assert_eq!(snap, Some(head), "gen writes a snapshot at its head");
    let out = env.ok(&["snapshot"]);
    assert!(
        out.starts_with(&format!("snapshot of event {head} written to ")),
        "{out}"
    );
    assert!(out.contains(" bytes, 300 orders"), "{out}");

    // Changes after the snapshot, through the CLI: every kind of event.
    env.ok(&[
        "order",
        "add",
        "--id",
        "x-1",
        "--customer",
        "c1",
        "--sku",
        "g1-rack",
        "--qty",
        "2",
        "--earliest",
        "2027-03",
        "--latest",
        "2027-09",
        "--price",
        "900000",
        "--sub",
        "g2:0.9",
    ]);
    env.ok(&["plan", "--now", "2027-02"]);
    let plan = json(&env.ok(&["plan", "--json", "--dry-run", "--now", "2027-02"]));
    let promised = open_in(&plan, "promised");
    let confirmed = open_in(&plan, "confirmed");
    let placed = open_in(&plan, "placed");
    assert!(promised.len() >= 2 && !confirmed.is_empty() && !placed.is_empty());
    env.ok(&["order", "confirm", &promised[0]]);
    env.ok(&["order", "cancel", &promised[1], "--reason", "budget"]);
    env.ok(&["order", "cancel", &placed[0]]);
    env.ok(&[
        "order",
        "deliver",
        &confirmed[0],
        "--units",
        "1",
        "--period",
        "2028-06",
        "--now",
        "2028-06",
    ]);
    env.ok(&[
        "supply",
        "add",
        "--generation",
        "g2",
        "--period",
        "2027-05",
        "--units",
        "40",
        "--note",
        "second source",
    ]);
    env.ok(&[
        "supply",
        "cut",
        "--generation",
        "g2",
        "--period",
        "2027-05",
        "--units",
        "3",
        "--note",
        "line down",
    ]);
    env.ok(&[
        "reservation",
        "add",
        "--id",
        "r-x",
        "--customer",
        "c2",
        "--generation",
        "g3",
        "--units",
        "2",
        "--start",
        "2027-04",
        "--end",
        "2027-08",
        "--price",
        "30000",
    ]);
    env.ok(&["reservation", "cancel", "r-x"]);
    env.ok(&["plan", "--now", "2027-03"]);

    // The snapshot stays where it was: the reopened book is the snapshot plus this tail.
    let (snap_now, head_now) = snapshot_and_head(&db);
    assert_eq!(snap_now, Some(head));
    assert!(head_now > head + 8);
    assert_eq!(stderr_of_open(&env), "", "a usable snapshot opens quietly");
    let ids = [
        "x-1",
        promised[0].as_str(),
        promised[1].as_str(),
        placed[0].as_str(),
        confirmed[0].as_str(),
    ];
    let with_snapshot = views(&env, &ids);

    // The same file without its snapshot replays the whole log: the same book.
    let twin = Env::new();
    std::fs::copy(&db, twin.db()).expect("copy the book");
    rusqlite::Connection::open(twin.db())
        .and_then(|c| c.execute("DELETE FROM snapshot", []))
        .expect("drop the snapshot");
    assert_eq!(snapshot_and_head(&twin.db()), (None, head_now));
    assert_eq!(stderr_of_open(&twin), "");
    assert_eq!(views(&twin, &ids), with_snapshot);

    // A damaged snapshot is passed over with a one-line warning, and the log decides.
    let mut s = open(&db);
    let (_, mut blob) = s.latest_snapshot().unwrap().unwrap();
    let mid = blob.len() / 2;
    blob[mid] ^= 0x55;
    s.put_snapshot(head, &blob).unwrap();
    drop(s);
    let err = stderr_of_open(&env);
    assert!(
        err.starts_with("warning: ") && err.contains("replayed the whole log"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(views(&env, &ids), with_snapshot);
    // `allot snapshot` repairs it.
    env.ok(&["snapshot"]);
    assert_eq!(stderr_of_open(&env), "");
    assert_eq!(snapshot_and_head(&db), (Some(head_now), head_now));
}

#[test]
fn a_bulk_import_ends_with_a_snapshot_of_its_last_event() {
    let env = Env::new();
    let db = env.db();
    env.ok(&["gen", "--orders", "20", "--seed", "5", "--periods", "24"]);
    let mut csv = String::from(
        "id,customer,sku,quantity,earliest,latest,price_usd_per_unit,lateness_penalty_usd_per_unit_period,substitutes\n",
    );
    // Past the rule's 10,000 events.
    for i in 0..10_000 {
        csv.push_str(&format!("b{i},c1,g1-rack,1,2027-03,2027-09,800000,0,\n"));
    }
    let p = env.write("bulk.csv", &csv);
    env.ok(&["import", p.to_str().expect("utf-8")]);
    let (snap, head) = snapshot_and_head(&db);
    assert_eq!(snap, Some(head), "the import ends with a snapshot");
    // The snapshot is of the book exactly as of its seq.
    let (_, blob) = open(&db).latest_snapshot().unwrap().unwrap();
    let (book, seq) = scenario::decode_snapshot(&blob).expect("decodes");
    assert_eq!(seq, head);
    assert!(book == replayed(&db), "the snapshot is the fold at its seq");
    // A small change afterwards does not write another.
    env.ok(&["order", "cancel", "b7"]);
    assert_eq!(snapshot_and_head(&db), (Some(head), head + 1));
}
