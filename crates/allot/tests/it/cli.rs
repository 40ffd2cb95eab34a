use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("book.db")
    }
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_allot"))
            .args(args)
            .env("ALLOT_DB", self.db())
            .env("ALLOT_ACTOR", "test")
            .output()
            .expect("run allot")
    }
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "allot {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "allot {args:?} should fail");
        assert_eq!(
            out.status.code(),
            Some(2),
            "bad input exits 2: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("utf-8")
    }
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
    pub fn history_len(&self) -> usize {
        self.ok(&["history"]).lines().count()
    }
    /// `allot supply cut` of `units` of `generation` in `month`, with `note`.
    pub fn supply_cut(&self, generation: &str, month: &str, units: &str, note: &str) -> String {
        self.ok(&[
            "supply",
            "cut",
            "--generation",
            generation,
            "--period",
            month,
            "--units",
            units,
            "--note",
            note,
        ])
    }
}

/// `order add` of the order most of these tests place: one trn2 server for ent-a, window
/// 2027-03..2027-08, 900,000 USD a unit; `more` is appended.
pub fn order_add<'a>(id: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "order",
        "add",
        "--id",
        id,
        "--customer",
        "ent-a",
        "--sku",
        "trn2-server",
        "--qty",
        "1",
        "--earliest",
        "2027-03",
        "--latest",
        "2027-08",
        "--price",
        "900000",
    ];
    args.extend_from_slice(more);
    args
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).expect("valid JSON")
}

#[test]
fn demo_plans_and_leaves_the_book_for_further_commands() {
    let env = Env::new();
    let out = env.ok(&["demo", "--now", "2026-12"]);
    for section in [
        "SUPPLY AGAINST DEMAND",
        "WHAT BINDS",
        "COMMITMENTS",
        "CLOUD AND SALE SPLIT",
        "WAITLIST",
    ] {
        assert!(out.contains(section), "demo output lacks {section}:\n{out}");
    }
    assert!(out.contains("certificate checked independently: OK"));
    let plan = json(&env.ok(&["plan", "--json", "--now", "2026-12", "--dry-run"]));
    assert_eq!(plan["certificate"], "checked");
    assert_eq!(plan["generations"].as_array().map(|g| g.len()), Some(4));
    // Commitments of the two labs are all met in the demo, and the figures are consistent.
    assert_eq!(plan["objectives"]["tier1_commitment_shortfall_usd"], 0);
    let wl = json(&env.ok(&["waitlist", "--json", "--now", "2026-12"]));
    let wl = wl.as_array().expect("array");
    assert!(!wl.is_empty(), "the demo has a waitlist");
    for (i, w) in wl.iter().enumerate() {
        assert_eq!(w["position"], i as u64 + 1);
        assert!(w["reason_text"].as_str().is_some_and(|r| !r.is_empty()));
    }
    let hist = env.ok(&["history"]);
    assert!(
        hist.contains("book_created") && hist.contains("plan_recorded"),
        "{hist}"
    );
}

#[test]
fn promise_answers_quantity_by_period_and_earliest_period() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let v = json(&env.ok(&[
        "promise",
        "--sku",
        "trn2-server",
        "--by",
        "2028-06",
        "--qty",
        "1",
        "--now",
        "2026-12",
        "--json",
    ]));
    let q = v["quantity_by"].as_u64().expect("quantity");
    assert!(q > 0, "trn2 has unpromised supply by mid-2028: {v}");
    assert!(v["earliest"].as_str().is_some());
    // Asking for more than can be had by then gives a later (or no) earliest period.
    let more = (q + 1).to_string();
    let v2 = json(&env.ok(&[
        "promise",
        "--sku",
        "trn2-server",
        "--qty",
        &more,
        "--now",
        "2026-12",
        "--json",
    ]));
    if let Some(e) = v2["earliest"].as_str() {
        assert!(e > "2028-06", "{v2}");
    }
    let err = env.fails(&["promise", "--sku", "no-such-sku", "--qty", "1"]);
    assert!(err.contains("unknown SKU"), "{err}");
}

#[test]
fn order_lifecycle_from_the_cli() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    env.ok(&[
        "order",
        "add",
        "--id",
        "t-1",
        "--customer",
        "ent-a",
        "--sku",
        "trn2-server",
        "--qty",
        "2",
        "--earliest",
        "2027-03",
        "--latest",
        "2027-08",
        "--price",
        "900000",
        "--sub",
        "trn3:0.9",
    ]);
    env.ok(&["plan", "--now", "2026-12"]);
    let show = env.ok(&["order", "show", "t-1", "--now", "2026-12"]);
    assert!(show.contains("status promised"), "{show}");
    env.ok(&["order", "confirm", "t-1"]);
    assert!(env
        .ok(&["order", "show", "t-1", "--now", "2026-12"])
        .contains("status confirmed"));
    env.ok(&["order", "cancel", "t-1", "--reason", "changed plans"]);
    let err = env.fails(&["order", "confirm", "t-1"]);
    assert!(err.contains("t-1"), "{err}");
    let hist = env.ok(&["history", "--id", "t-1"]);
    assert_eq!(
        hist.lines().count(),
        4,
        "placed, promised, confirmed, cancelled:\n{hist}"
    );
}

#[test]
fn history_of_an_unknown_id_says_so() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let err = env.fails(&["history", "--id", "x-1"]);
    assert!(err.contains("no events for \"x-1\""), "{err}");
    // An id of the initial book with no event since: no error, a note.
    let out = env.run(&["history", "--id", "o-001"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("since the book was created"));
    assert!(!env.ok(&["history", "--id", "o-002"]).is_empty());
}

#[test]
fn bad_csv_is_refused_with_line_and_field_and_nothing_is_written() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let before = env.history_len();
    let header = "id,customer,sku,quantity,earliest,latest,price_usd_per_unit,lateness_penalty_usd_per_unit_period,substitutes";
    let good = "n-1,ent-a,trn2-server,1,2027-03,2027-06,800000,0,";
    let cases = [
        (
            format!("{header}\n{good}\nn-2,ent-a,trn2-server,lots,2027-03,2027-06,800000,0,\n"),
            ":3",
            "quantity",
        ),
        (format!("{header}\n{good}\n{good}\n"), ":3", "id"),
        (
            format!("{header}\n{good}\nn-3,ent-a,no-sku,1,2027-03,2027-06,800000,0,\n"),
            ":3",
            "sku",
        ),
        (
            format!("{header}\n{good}\nn-4,ent-a,trn2-server,1,2027-03,2031-06,800000,0,\n"),
            ":3",
            "latest",
        ),
    ];
    for (text, line, field) in cases {
        let p = env.write("orders.csv", &text);
        let err = env.fails(&["import", p.to_str().expect("utf-8 path")]);
        assert!(
            err.contains("orders.csv") && err.contains(line) && err.contains(field),
            "expected {line} {field}: {err}"
        );
        assert_eq!(env.history_len(), before, "a refused import wrote nothing");
    }
    let p = env.write("orders.csv", &format!("{header}\n{good}\nn-2,ent-b,trn3-ultraserver,1,2027-06,2027-12,7000000,1000,trn4:0.8\n"));
    let out = env.ok(&["import", p.to_str().expect("utf-8 path")]);
    assert!(out.contains("imported 2 orders"), "{out}");
    assert_eq!(env.history_len(), before + 2);
}

/// `--sub` reads value factors as the order CSV does: at most 4 decimal places, never rounded.
#[test]
fn substitute_factors_on_the_command_line_are_exact_or_refused() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let before = env.history_len();
    let add = |id: &str, sub: &str| env.run(&order_add(id, &["--sub", sub]));
    for sub in ["trn3:0.99999", "trn3:0.12345", "trn3:0.00001"] {
        let out = add("s-1", sub);
        assert_eq!(out.status.code(), Some(2), "{sub} is refused as bad input");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--sub") && err.contains("more than 4 decimal places"),
            "{sub}: {err}"
        );
        assert_eq!(env.history_len(), before, "a refused order writes nothing");
    }
    // The same words as the CSV import for the same cell.
    let header = "id,customer,sku,quantity,earliest,latest,price_usd_per_unit,lateness_penalty_usd_per_unit_period,substitutes";
    let p = env.write(
        "subs.csv",
        &format!("{header}\ns-1,ent-a,trn2-server,1,2027-03,2027-08,900000,0,trn3:0.99999\n"),
    );
    let csv = env.fails(&["import", p.to_str().expect("utf-8 path")]);
    assert!(
        csv.contains("0.99999 has more than 4 decimal places"),
        "{csv}"
    );
    // Four places are kept exactly.
    assert!(add("s-2", "trn3:0.1234").status.success());
    let exported = env.ok(&["export", "--format", "csv"]);
    let row = exported
        .lines()
        .find(|l| l.starts_with("s-2,"))
        .expect("s-2 exported");
    assert!(row.ends_with("trn3:0.1234"), "{row}");
}

#[test]
fn bad_scenario_is_refused_with_file_and_line_and_no_book_is_created() {
    let env = Env::new();
    let good = env.ok(&["demo", "--now", "2026-12"]);
    assert!(!good.is_empty());
    let exported = env.ok(&["export", "--format", "toml"]);
    // Break one order's window: latest before earliest.
    let broken = exported.replacen("latest = ", "latest = \"2026-12\" # broken\n#", 1);
    let p = env.write("broken.toml", &broken);
    let fresh = Env::new();
    let err = fresh.fails(&["init", p.to_str().expect("utf-8 path")]);
    assert!(
        err.contains("broken.toml:"),
        "names the file and line: {err}"
    );
    assert!(!fresh.db().exists(), "nothing was written");
    // The unbroken export loads back into an equivalent book.
    let p = env.write("roundtrip.toml", &exported);
    let out = fresh.ok(&["init", p.to_str().expect("utf-8 path")]);
    assert!(out.contains("created"), "{out}");
    let a = json(&env.ok(&["plan", "--json", "--now", "2026-12", "--dry-run"]));
    let b = json(&fresh.ok(&["plan", "--json", "--now", "2026-12", "--dry-run"]));
    assert_eq!(
        a["objectives"], b["objectives"],
        "export/init round trip plans the same"
    );
}

#[test]
fn replan_after_a_supply_cut_moves_only_what_it_must_and_says_why() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let plan = json(&env.ok(&["plan", "--json", "--now", "2026-12", "--dry-run"]));
    // Confirm every promised trn3 order.
    let ids: Vec<String> = plan["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .filter(|o| !o["promise"].is_null())
        .map(|o| o["order"].as_str().expect("id").to_string())
        .collect();
    let mut args = vec!["order", "confirm"];
    args.extend(ids.iter().map(String::as_str));
    env.ok(&args);
    // A deep cut of trn3 in one period.
    env.supply_cut("trn3", "2027-03", "250", "packaging line down");
    let after = json(&env.ok(&["plan", "--json", "--now", "2026-12"]));
    for m in after["moves"].as_array().expect("moves") {
        let reason = m["reason"].as_str().expect("reason");
        assert!(!reason.is_empty());
        if m["breaks_confirmed"] == true {
            assert!(
                reason.contains("trn3") || reason.contains("cut"),
                "a broken promise names its cause: {m}"
            );
        }
    }
    // Tier 2 measures exactly the lateness the cut forced; with cloud units to take from, it is zero.
    assert_eq!(after["objectives"]["tier1_commitment_shortfall_usd"], 0);
    assert_eq!(
        after["objectives"]["tier2_promise_lateness_unit_periods"], 0,
        "the cut is absorbed by the cloud"
    );
}
/// A promise made before a supply cut may no longer hold: confirming it is refused until the
/// book is planned again, and then the new promise is confirmed and kept.
#[test]
fn confirming_after_a_supply_cut_waits_for_a_re_plan() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    for (month, units) in [
        ("2026-12", "277"),
        ("2027-01", "257"),
        ("2027-02", "274"),
        ("2027-03", "291"),
        ("2027-04", "310"),
        ("2027-05", "329"),
        ("2027-06", "347"),
        ("2027-07", "368"),
    ] {
        env.supply_cut("trn3", month, units, "fab");
    }
    let before = env.history_len();
    let err = env.fails(&["order", "confirm", "o-032"]);
    assert!(
        err.contains("o-032")
            && err.contains("changed since this promise was made")
            && err.contains("supply cut of trn3 in 2026-12")
            && err.contains("re-plan before confirming"),
        "{err}"
    );
    assert_eq!(
        env.history_len(),
        before,
        "a refused confirmation writes nothing"
    );
    // After a re-plan, what is promised can be confirmed, and the next plan keeps it.
    let plan = json(&env.ok(&["plan", "--json", "--now", "2026-12"]));
    let promised: Vec<String> = plan["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .filter(|o| !o["promise"].is_null() && o["status"] == "promised")
        .map(|o| o["order"].as_str().expect("id").to_string())
        .collect();
    assert!(!promised.is_empty());
    let mut args = vec!["order", "confirm"];
    args.extend(promised.iter().map(String::as_str));
    env.ok(&args);
    let after = json(&env.ok(&["plan", "--json", "--now", "2026-12"]));
    assert_eq!(
        after["objectives"]["tier2_promise_lateness_unit_periods"], 0,
        "confirmed promises hold"
    );
}

#[test]
fn demo_tells_the_sold_out_story() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let plan = json(&env.ok(&["plan", "--json", "--now", "2026-12", "--dry-run"]));
    assert_eq!(plan["objectives"]["tier1_commitment_shortfall_usd"], 0);
    let orders = plan["orders"].as_array().expect("orders").len();
    let wl = plan["waitlist"].as_array().expect("waitlist");
    assert!(
        (10..=25).contains(&wl.len())
            && wl.len() * 100 >= orders * 15
            && wl.len() * 100 <= orders * 30,
        "{} of {orders} orders waitlisted",
        wl.len()
    );
    let mut reasons: Vec<&str> = wl
        .iter()
        .map(|w| w["reason"].as_str().expect("reason"))
        .collect();
    reasons.sort();
    reasons.dedup();
    assert!(reasons.len() >= 3, "reasons {reasons:?}");
    for r in ["cloud_worth_more", "outbid", "not_shipping"] {
        assert!(reasons.contains(&r), "no {r} in {reasons:?}");
    }
    // Estimated periods vary: some inside the order's window, some after it.
    let text = env.ok(&["waitlist", "--now", "2026-12"]);
    assert!(text.contains("(after its window)"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("est. 20") && !l.contains("after its window")),
        "{text}"
    );
    // The cloud keeps the larger share of the units.
    let (mut sold, mut cloud) = (0u64, 0u64);
    for g in plan["generations"].as_array().expect("generations") {
        sold += g["sold"]
            .as_array()
            .expect("number")
            .iter()
            .map(|v| v.as_u64().expect("number"))
            .sum::<u64>();
        cloud += g["deployed"]
            .as_array()
            .expect("number")
            .iter()
            .map(|v| v.as_u64().expect("number"))
            .sum::<u64>();
    }
    assert!(cloud > sold, "cloud {cloud} vs sold {sold}");
}

#[test]
fn gen_is_deterministic_and_plans() {
    let a = Env::new();
    let b = Env::new();
    for env in [&a, &b] {
        env.ok(&[
            "gen",
            "--orders",
            "500",
            "--seed",
            "7",
            "--periods",
            "24",
            "--max-window",
            "12",
        ]);
    }
    let ea = a.ok(&["export", "--format", "csv"]);
    assert_eq!(
        ea,
        b.ok(&["export", "--format", "csv"]),
        "same seed, same book"
    );
    assert_eq!(ea.lines().count(), 501, "a header and 500 orders");
    let c = Env::new();
    c.ok(&["gen", "--orders", "500", "--seed", "8", "--periods", "24"]);
    assert_ne!(
        ea,
        c.ok(&["export", "--format", "csv"]),
        "another seed, another book"
    );
    let plan = json(&a.ok(&["plan", "--json", "--now", "0", "--dry-run"]));
    assert_eq!(plan["certificate"], "checked");
    // The exported value-tier network solves to the same optimum with allot's own solver twice.
    let net = a.dir.path().join("net.min");
    a.ok(&[
        "network",
        "--format",
        "dimacs",
        "--tier",
        "3",
        "--now",
        "0",
        "-o",
        net.to_str().expect("utf-8"),
    ]);
    let s1 = json(&a.ok(&["solve", "--dimacs", net.to_str().expect("utf-8"), "--json"]));
    let s2 = json(&a.ok(&["solve", "--dimacs", net.to_str().expect("utf-8"), "--json"]));
    assert_eq!(s1["objective"], s2["objective"]);
    // Value alone is at least the lexicographic plan's value (tiers 1-2 only constrain it).
    let alone = -s1["objective"].as_i64().expect("objective");
    assert!(
        alone
            >= plan["objectives"]["tier3_value_usd"]
                .as_i64()
                .expect("value")
    );
}

/// `gen`'s confirmed promises stand in for an earlier plan that no one computed: the book says so
/// instead of showing objectives of 0 / 0 / 0. A real plan then records its objectives.
#[test]
fn generated_promises_show_no_fabricated_objectives() {
    let env = Env::new();
    env.ok(&["gen", "--orders", "300", "--seed", "3", "--periods", "24"]);
    let hist = env.ok(&["history"]);
    let imported = hist
        .lines()
        .find(|l| l.contains("plan_recorded"))
        .unwrap_or_else(|| panic!("gen records its promises:\n{hist}"));
    assert!(
        imported.contains("objectives not computed (promises imported)")
            && !imported.contains("tiers"),
        "{imported}"
    );
    env.ok(&["plan", "--now", "0"]);
    let hist = env.ok(&["history", "--limit", "1"]);
    assert!(
        hist.contains("plan_recorded") && hist.contains("tiers ") && !hist.contains("not computed"),
        "{hist}"
    );
}

/// A reader that stops early (`allot history | head -1`) stops the command quietly: killed by
/// SIGPIPE as other tools are, with no panic message on stderr.
#[cfg(unix)]
#[test]
fn a_closed_pipe_stops_the_command_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let env = Env::new();
    env.ok(&["gen", "--orders", "5000", "--seed", "1"]);
    env.ok(&["plan"]);
    // Each writes far more than a pipe holds.
    for args in [&["waitlist"][..], &["export", "--format", "csv"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_allot"))
            .args(args)
            .env("ALLOT_DB", env.db())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run allot");
        // Read one byte, then close the pipe before the command is done writing.
        let mut out = child.stdout.take().expect("stdout");
        let mut byte = [0u8; 1];
        out.read_exact(&mut byte).expect("some output");
        drop(out);
        let mut err = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut err)
            .expect("stderr");
        let status = child.wait().expect("wait");
        assert!(!err.contains("panicked"), "allot {args:?} panicked: {err}");
        assert_eq!(
            status.signal(),
            Some(libc::SIGPIPE),
            "allot {args:?}: {status:?}, stderr {err}"
        );
    }
}

#[test]
fn commitment_deliveries_from_the_cli() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let list = env.ok(&["contract", "list"]);
    assert!(
        list.contains(
            "delivery      8000 units of trn2   2027-03..2027-12: 0 delivered, 8000 owed"
        ),
        "{list}"
    );
    let out = env.ok(&[
        "contract",
        "deliver",
        "lab-a-2026",
        "3",
        "--units",
        "3000",
        "--period",
        "2027-04",
        "--now",
        "2027-06",
    ]);
    assert!(
        out.contains("3000 of 8000 units delivered, 5000 owed"),
        "{out}"
    );
    // Bad input: exit 2, the field named, nothing recorded.
    let events = env.history_len();
    for (args, want) in [
        (&["lab-a-2026", "1"][..], "kind: is a capacity commitment"),
        (
            &["lab-a-2026", "9"][..],
            "commitment: there is no commitment 9",
        ),
        (&["lab-a-2026", "0"][..], "numbered from 1"),
        (&["nope", "3"][..], "contract nope: id: no such contract"),
        (
            &["lab-a-2026", "3", "--units", "5001"][..],
            "units: 5001 must be between 1 and 5000",
        ),
    ] {
        let mut a = vec!["contract", "deliver"];
        a.extend_from_slice(args);
        a.extend_from_slice(&["--period", "2027-04", "--now", "2027-06"]);
        let err = env.fails(&a);
        assert!(err.contains(want), "{a:?}: {err}");
    }
    let err = env.fails(&[
        "contract",
        "deliver",
        "lab-a-2026",
        "3",
        "--period",
        "2031-01",
        "--now",
        "2027-06",
    ]);
    assert!(err.contains("--period"), "{err}");
    assert_eq!(
        env.history_len(),
        events,
        "refused deliveries recorded nothing"
    );
    // The plan owes only the rest, and says what was delivered.
    let commitment = |v: &serde_json::Value| {
        v["commitments"]
            .as_array()
            .expect("commitments")
            .iter()
            .find(|c| c["contract"] == "lab-a-2026" && c["index"] == 3)
            .cloned()
            .expect("lab-a-2026 commitment 3")
    };
    let plan = json(&env.ok(&["plan", "--json", "--now", "2027-05", "--dry-run"]));
    let c = commitment(&plan);
    assert_eq!(
        (c["units"].as_u64(), c["delivered_units"].as_u64()),
        (Some(5000), Some(3000))
    );
    let summary = env.ok(&["plan", "--now", "2027-05", "--dry-run"]);
    assert!(summary.contains("3000 delivered before"), "{summary}");
    // Without --units, all it still owes; then nothing is left to deliver.
    let out = env.ok(&[
        "contract",
        "deliver",
        "lab-a-2026",
        "3",
        "--period",
        "2027-05",
        "--now",
        "2027-06",
    ]);
    assert!(
        out.contains("8000 of 8000 units delivered, 0 owed"),
        "{out}"
    );
    let err = env.fails(&[
        "contract",
        "deliver",
        "lab-a-2026",
        "3",
        "--period",
        "2027-06",
        "--now",
        "2027-06",
    ]);
    assert!(
        err.contains("all 8000 units are already delivered"),
        "{err}"
    );
    let plan = json(&env.ok(&["plan", "--json", "--now", "2027-05", "--dry-run"]));
    let c = commitment(&plan);
    assert_eq!(
        (c["units"].as_u64(), c["met_units"].as_u64()),
        (Some(0), Some(0))
    );
    let hist = env.ok(&["history", "--id", "lab-a-2026"]);
    assert_eq!(
        hist.matches("commitment_delivered").count(),
        2,
        "two deliveries in the history:\n{hist}"
    );
    assert!(hist.contains("contract lab-a-2026 commitment 3: 3000 units delivered in 2027-04"));
    // Export -> init carries the deliveries: the same commitments and the same plan.
    let exported = env.ok(&["export", "--format", "toml"]);
    assert!(
        exported.contains("[[contract.commitment.delivered]]\nunits = 3000\nperiod = \"2027-04\""),
        "{exported}"
    );
    let p = env.write("delivered.toml", &exported);
    let fresh = Env::new();
    fresh.ok(&["init", p.to_str().expect("utf-8 path")]);
    assert_eq!(
        fresh.ok(&["contract", "list"]),
        env.ok(&["contract", "list"])
    );
    let a = json(&env.ok(&["plan", "--json", "--now", "2027-05", "--dry-run"]));
    let b = json(&fresh.ok(&["plan", "--json", "--now", "2027-05", "--dry-run"]));
    assert_eq!(
        a["objectives"], b["objectives"],
        "export/init plans the same"
    );
    assert_eq!(a["commitments"], b["commitments"]);
}

/// Months whose units a recorded adjustment changed name the adjustment as their reason, not
/// the foundry input that bound before it.
#[test]
fn supply_show_names_the_adjustment_that_changed_a_month() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let row = |out: &str, month: &str| {
        out.lines()
            .find(|l| l.starts_with(month))
            .unwrap_or_else(|| panic!("{month} in {out}"))
            .to_string()
    };
    let before = env.ok(&["supply", "show"]);
    assert!(!before.contains("adjustment"), "{before}");
    let trn3 = |line: &str| -> u64 {
        line.split_whitespace()
            .filter_map(|w| w.parse().ok())
            .nth(2)
            .expect("trn3 units")
    };
    let units = trn3(&row(&before, "2027-03"));
    env.supply_cut("trn3", "2027-03", &units.to_string(), "fab");
    let after = env.ok(&["supply", "show"]);
    let line = row(&after, "2027-03");
    assert!(line.contains("0 cut by adjustment"), "{line}");
    assert!(!line.contains("0 wafers"), "{line}");
    assert!(!row(&after, "2027-04").contains("adjustment"), "{after}");
}

/// `--units` of a supply change beyond the book's bound (or 0) is refused before anything is
/// written: a value past `i64::MAX` once wrapped into a change of the opposite sign.
#[test]
fn supply_units_outside_the_books_bound_are_refused() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let before = env.history_len();
    let supply = env.ok(&["supply", "show"]);
    for verb in ["cut", "add"] {
        for units in [
            "18446744073709551615", // u64::MAX: was recorded as a change of 1 the other way
            "9223372036854775808",  // i64::MAX + 1
            "9223372036854775807",  // i64::MAX
            "1000000001",           // book::MAX_UNITS + 1
            "0",
        ] {
            let err = env.fails(&[
                "supply",
                verb,
                "--generation",
                "trn3",
                "--period",
                "2027-03",
                "--units",
                units,
            ]);
            assert!(
                err.contains("--units") && err.contains(units) && err.contains("1000000000"),
                "supply {verb} --units {units}: {err}"
            );
            assert_eq!(
                env.history_len(),
                before,
                "supply {verb} {units} wrote nothing"
            );
        }
    }
    assert_eq!(env.ok(&["supply", "show"]), supply);
    // Within the bound it is the book's rules that apply: a real cut is recorded as a cut.
    env.supply_cut("trn3", "2027-03", "1", "fab");
    let after = env.ok(&["supply", "show"]);
    let row = after
        .lines()
        .find(|l| l.starts_with("2027-03"))
        .expect("2027-03");
    assert!(row.contains("cut by adjustment"), "{row}");
    assert_eq!(env.history_len(), before + 1);
}

/// `allot solve --dimacs` refuses, naming the line, a file whose optimal cost could overflow
/// (it printed the wrapped sum as the "optimal cost") and a tiny file declaring billions of
/// nodes (it allocated for all of them and was killed).
#[test]
fn solve_refuses_dimacs_files_beyond_the_solvers_bounds() {
    let env = Env::new();
    let overflow = env.write(
        "o.min",
        "p min 2 1\nn 1 3\nn 2 -3\na 1 2 0 10 4611686018427387904\n",
    );
    let err = env.fails(&["solve", "--dimacs", overflow.to_str().expect("utf-8")]);
    assert!(
        err.contains("o.min: line 4: cost 4611686018427387904 outside"),
        "{err}"
    );
    assert!(!err.contains("optimal cost"), "{err}");
    let huge = env.write("d.min", "p min 4000000000 0\n");
    let err = env.fails(&["solve", "--dimacs", huge.to_str().expect("utf-8")]);
    assert!(
        err.contains("d.min: line 1: node count 4000000000 exceeds the limit of 268435456"),
        "{err}"
    );
    let isolated = env.write("i.min", "p min 268435456 0\n");
    let err = env.fails(&["solve", "--dimacs", isolated.to_str().expect("utf-8")]);
    assert!(
        err.contains("i.min: line 1: 268435456 of the 268435456 declared nodes appear on no"),
        "{err}"
    );
    // A file within the bounds still solves.
    let ok = env.write("ok.min", "p min 2 1\nn 1 3\nn 2 -3\na 1 2 0 10 7\n");
    let out = env.ok(&["solve", "--dimacs", ok.to_str().expect("utf-8")]);
    assert!(out.contains("optimal cost 21"), "{out}");
}

/// A delivery is recorded once it has shipped: `order deliver` and `contract deliver` refuse a
/// period after the current month (`--now`, by default the clock's month clamped into the
/// horizon), as the API refuses one after the server's month, and record nothing. A period
/// before the window, or the current month itself, is accepted.
#[test]
fn deliveries_after_the_current_month_are_refused() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let events = env.history_len();
    let err = env.fails(&[
        "contract",
        "deliver",
        "lab-a-2026",
        "3",
        "--units",
        "10",
        "--period",
        "2027-04",
        "--now",
        "2027-03",
    ]);
    assert!(
        err.contains(
            "--period: 2027-04 is after the current month 2027-03; record a delivery once it \
             has shipped"
        ),
        "{err}"
    );
    let order = json(&env.ok(&["plan", "--json", "--now", "2027-03"]))["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["status"] == "promised")
        .map(|o| o["order"].as_str().expect("order id").to_string())
        .expect("a promised order");
    let events = events + 1;
    let err = env.fails(&[
        "order", "deliver", &order, "--period", "2027-05", "--now", "2027-04",
    ]);
    assert!(
        err.contains("--period: 2027-05 is after the current month 2027-04"),
        "{err}"
    );
    assert_eq!(env.history_len(), events, "nothing recorded");
    // The current month itself, and before it, are fine.
    env.ok(&[
        "contract",
        "deliver",
        "lab-a-2026",
        "3",
        "--units",
        "10",
        "--period",
        "2027-03",
        "--now",
        "2027-03",
    ]);
    env.ok(&[
        "order", "deliver", &order, "--units", "1", "--period", "2027-01", "--now", "2027-04",
    ]);
    assert_eq!(env.history_len(), events + 2);
    // Without --now the clock's month, clamped into the horizon, is the current month: in a
    // book whose horizon starts in 2099, that is its first month, so its second is refused.
    let far = Env::new();
    far.ok(&[
        "init",
        far.write("far.toml", &far_scenario())
            .to_str()
            .expect("utf-8"),
    ]);
    let err = far.fails(&["order", "deliver", "o-1", "--period", "2099-02"]);
    assert!(
        err.contains("--period: 2099-02 is after the current month 2099-01"),
        "{err}"
    );
    let err = far.fails(&["contract", "deliver", "lab-a-1", "1", "--period", "2099-03"]);
    assert!(
        err.contains("--period: 2099-03 is after the current month 2099-01"),
        "{err}"
    );
    assert_eq!(far.history_len(), 1, "only the book's creation");
}

/// The documented example scenario moved to a horizon starting in 2099-01.
fn far_scenario() -> String {
    include_str!("../../../../docs/examples/scenario.toml")
        .replace("2028-01", "2100-01")
        .replace("2027-", "2099-")
}

/// `allot solve --dimacs` refuses a file that is not UTF-8 at the line and column of its first
/// bad byte, with its byte offset, as bad input (exit 2), the way `allot import` refuses such a
/// CSV (it said only "stream did not contain valid UTF-8", exit 1).
#[test]
fn solve_refuses_non_utf8_dimacs_at_the_line_of_the_first_bad_byte() {
    let env = Env::new();
    let mut bytes = b"c network\np min 2 1\nn 1 3\nn 2 -3\nc caf".to_vec();
    bytes.push(0xe9);
    bytes.extend_from_slice(b"\na 1 2 0 10 7\n");
    let path = env.dir.path().join("latin1.min");
    std::fs::write(&path, &bytes).expect("write");
    let err = env.fails(&["solve", "--dimacs", path.to_str().expect("utf-8")]);
    assert!(
        err.contains(
            "latin1.min: line 5: not valid UTF-8 at column 6 (byte offset 38 in the file); \
             the file must be UTF-8 text"
        ),
        "{err}"
    );
    // The same file in UTF-8 solves.
    bytes[38] = b'e';
    std::fs::write(&path, &bytes).expect("write");
    let out = env.ok(&["solve", "--dimacs", path.to_str().expect("utf-8")]);
    assert!(out.contains("optimal cost 21"), "{out}");
}

/// An order CSV that is not UTF-8 is refused at the line of the first bad byte, and one with
/// more rows than an import may write is refused before any row is read, saying so; neither
/// writes anything.
#[test]
fn import_refuses_non_utf8_and_oversized_files_up_front() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let before = env.history_len();
    let header = "id,customer,sku,quantity,earliest,latest,price_usd_per_unit,lateness_penalty_usd_per_unit_period,substitutes";
    let good = "n-1,ent-a,trn2-server,1,2027-03,2027-06,800000,0,";
    let p = env.dir.path().join("orders.csv");
    let mut bytes =
        format!("{header}\n{good}\nn-2,ent-a,trn2-server,1,2027-03,2027-06,").into_bytes();
    bytes.extend_from_slice(b"8\xff00000,0,\n");
    std::fs::write(&p, &bytes).expect("write");
    let err = env.fails(&["import", p.to_str().expect("utf-8 path")]);
    assert!(
        err.contains("orders.csv:3: not valid UTF-8 at column 42"),
        "{err}"
    );
    assert_eq!(env.history_len(), before, "a refused import wrote nothing");

    let limit = 100_000;
    let rows = |n: usize, last: &str| {
        let mut text = String::with_capacity((n + 1) * 60);
        text.push_str(header);
        text.push('\n');
        for i in 1..n {
            text.push_str(&format!(
                "m-{i},ent-a,trn2-server,1,2027-03,2027-06,800000,0,\n"
            ));
        }
        text.push_str(last);
        text.push('\n');
        text
    };
    let p = env.write("big.csv", &rows(limit + 1, good));
    let err = env.fails(&["import", p.to_str().expect("utf-8 path")]);
    assert!(
        err.contains(
            "big.csv: the file has 100,001 rows of orders; one import takes at most 100,000: \
             split the file"
        ),
        "{err}"
    );
    assert_eq!(env.history_len(), before, "a refused import wrote nothing");
    // Exactly the limit passes the size check: the rows are read, and the bad last one (line
    // 100,001) is what refuses the file.
    let p = env.write(
        "big.csv",
        &rows(
            limit,
            "m-last,ent-a,trn2-server,many,2027-03,2027-06,800000,0,",
        ),
    );
    let err = env.fails(&["import", p.to_str().expect("utf-8 path")]);
    assert!(err.contains("big.csv:100001: quantity"), "{err}");
    assert_eq!(env.history_len(), before, "a refused import wrote nothing");
    // A file with a header and no rows imports nothing, and says so.
    let p = env.write("empty.csv", &format!("{header}\n"));
    let out = env.ok(&["import", p.to_str().expect("utf-8 path")]);
    assert!(
        out.contains("no orders in") && out.contains("nothing imported"),
        "{out}"
    );
    assert_eq!(env.history_len(), before, "an empty import writes nothing");
}

/// `gen` is bounded (a book is created in one event), and `gen --force` writes the new book
/// beside the old one, which it replaces only once the new one is whole.
#[test]
fn gen_is_bounded_and_replaces_a_book_only_once_the_new_one_is_written() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let before = env.history_len();
    let err = env.fails(&["gen", "--orders", "1000001", "--force"]);
    assert!(err.contains("--orders"), "{err}");
    let err = env.fails(&["gen", "--orders", "18446744073709551615", "--force"]);
    assert!(err.contains("--orders"), "{err}");
    assert_eq!(env.history_len(), before, "the demo book is as it was");
    let out = env.ok(&["gen", "--orders", "50", "--force"]);
    assert!(out.contains("generated book of 50 orders"), "{out}");
    let files: Vec<String> = std::fs::read_dir(env.dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.iter().all(|f| !f.contains(".new")),
        "no replacement left beside the book: {files:?}"
    );
    let orders = json(&env.ok(&["plan", "--json", "--brief", "--dry-run", "--now", "0"]));
    assert!(orders["objectives"].is_object(), "{orders}");
    assert_ne!(
        env.history_len(),
        before,
        "the generated book replaced the demo"
    );
}

/// `--force` (`init`, `gen`, `demo`) replaces only an allot book (or creates a missing file):
/// a file that is not one (a text file, an empty file, another program's SQLite database) is
/// refused, naming it, and left byte for byte as it was, with nothing beside it. Without
/// `--force`, such a file is refused the same way (another program's database was switched to
/// WAL journal mode on the way).
#[test]
fn force_replaces_only_an_allot_book() {
    let env = Env::new();
    let scenario = env.write(
        "s.toml",
        include_str!("../../../../docs/examples/scenario.toml"),
    );
    let scenario = scenario.to_str().expect("utf-8");
    let text = env.write("README.md", "# allot\n\nnot a book\n");
    let empty = env.write("empty.db", "");
    let foreign = env.dir.path().join("other.sqlite");
    {
        let c = rusqlite::Connection::open(&foreign).expect("sqlite");
        c.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');")
            .expect("foreign tables");
    }
    let before = std::fs::read_dir(env.dir.path()).expect("dir").count();
    for file in [&text, &empty, &foreign] {
        let bytes = std::fs::read(file).expect("read");
        let db = file.to_str().expect("utf-8");
        for cmd in [
            &["init", scenario, "--force"][..],
            &["gen", "--orders", "10", "--force"][..],
            &["demo", "--force", "--now", "2026-12"][..],
            &["init", scenario][..],
        ] {
            let mut args = vec!["--db", db];
            args.extend_from_slice(cmd);
            let err = env.fails(&args);
            assert!(
                err.contains(&format!("{db}: not an allot book")),
                "{args:?}: {err}"
            );
            assert_eq!(
                std::fs::read(file).expect("read"),
                bytes,
                "{args:?}: unchanged"
            );
        }
    }
    // Other commands refuse another program's database too, and leave it as it was.
    let bytes = std::fs::read(&foreign).expect("read");
    let out = env.run(&["--db", foreign.to_str().expect("utf-8"), "history"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not an allot event store"),
        "{out:?}"
    );
    assert_eq!(
        std::fs::read(&foreign).expect("read"),
        bytes,
        "history: unchanged"
    );
    assert_eq!(
        std::fs::read_dir(env.dir.path()).expect("dir").count(),
        before,
        "nothing written beside the files"
    );
    // An allot book is replaced; a missing file is created.
    env.ok(&["demo", "--now", "2026-12"]);
    let out = env.ok(&["gen", "--orders", "10", "--force"]);
    assert!(out.contains("generated book of 10 orders"), "{out}");
    let new = env.dir.path().join("new.db");
    env.ok(&[
        "--db",
        new.to_str().expect("utf-8"),
        "init",
        scenario,
        "--force",
    ]);
    env.ok(&[
        "--db",
        new.to_str().expect("utf-8"),
        "init",
        scenario,
        "--force",
    ]);
}

/// Orders, reservations and contracts each have their own ids, so one id may name an order and
/// a reservation (books already stored may hold such ids, so they are not refused). `history
/// --id` lists the events of every item with that id, each labelled with what the id names in
/// it, and says on standard error that the id is shared.
#[test]
fn history_of_an_id_shared_by_an_order_and_a_reservation_labels_each_event() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    env.ok(&order_add("x-1", &[]));
    env.ok(&[
        "reservation",
        "add",
        "--id",
        "x-1",
        "--customer",
        "ent-a",
        "--generation",
        "trn2",
        "--units",
        "2",
        "--start",
        "2027-03",
        "--end",
        "2027-06",
        "--price",
        "20000",
    ]);
    env.ok(&["plan", "--now", "2026-12"]);
    env.ok(&["reservation", "cancel", "x-1"]);
    env.ok(&["order", "cancel", "x-1"]);
    let out = env.run(&["history", "--id", "x-1"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    for (kind, want) in [
        ("order_placed", "[order] order x-1 placed by ent-a"),
        (
            "reservation_placed",
            "[reservation] reservation x-1 by ent-a",
        ),
        ("plan_recorded", "[order] plan recorded"),
        (
            "reservation_cancelled",
            "[reservation] reservation x-1 cancelled",
        ),
        ("order_cancelled", "[order] order x-1 cancelled"),
    ] {
        let line = lines
            .iter()
            .find(|l| l.contains(kind))
            .unwrap_or_else(|| panic!("no {kind}:\n{text}"));
        assert!(line.contains(want), "{line}");
    }
    let err = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        err.contains("\"x-1\" is the id of an order and a reservation"),
        "{err}"
    );
    // JSON says the same in `about`.
    let about: Vec<String> = env
        .ok(&["history", "--id", "x-1", "--json"])
        .lines()
        .map(|l| json(l)["about"].to_string())
        .collect();
    assert_eq!(
        about,
        [
            r#"["order"]"#,
            r#"["reservation"]"#,
            r#"["order"]"#,
            r#"["reservation"]"#,
            r#"["order"]"#
        ]
    );
    // A customer's id labels its items' events as the customer's.
    let ent = env.ok(&["history", "--id", "ent-a"]);
    assert!(
        ent.contains("[customer] order x-1 placed by ent-a"),
        "{ent}"
    );
    // An id that names one item only gets no note.
    let out = env.run(&["history", "--id", "ent-a"]);
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
}

/// `export -o` and `network -o` refuse the book's own file (and its SQLite log), which they
/// would have overwritten; the book opens as before.
#[test]
fn outputs_never_overwrite_the_book() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let before = env.history_len();
    let db = env.db();
    let mut wal = db.clone().into_os_string();
    wal.push("-wal");
    let wal = std::path::PathBuf::from(wal);
    for out in [db.as_path(), wal.as_path()] {
        let o = out.to_str().expect("utf-8 path");
        for cmd in [&["export", "-o", o][..], &["network", "-o", o][..]] {
            let err = env.fails(cmd);
            assert!(err.contains("the book's own file"), "{err}");
        }
    }
    assert_eq!(env.history_len(), before, "the book is intact");
    // Elsewhere, it writes.
    let p = env.dir.path().join("book.toml");
    env.ok(&["export", "-o", p.to_str().expect("utf-8 path")]);
    assert!(std::fs::metadata(&p).expect("written").len() > 0);
}

/// The history names a reservation's months as months, first to last (`--end` is the month
/// after the last); it once printed the end as a bare period index.
#[test]
fn history_names_a_reservations_months() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    env.ok(&[
        "reservation",
        "add",
        "--id",
        "r-months",
        "--customer",
        "lab-a",
        "--generation",
        "trn2",
        "--units",
        "3",
        "--start",
        "2027-05",
        "--end",
        "2027-08",
        "--price",
        "100",
    ]);
    let hist = env.ok(&["history", "--id", "r-months"]);
    assert!(hist.contains("from 2027-05 to 2027-07"), "{hist}");
}

/// `serve` refuses settings that would leave it unusable, and a `--now` that is no month, before
/// it listens.
#[test]
fn serve_refuses_unusable_settings() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    for (flag, value) in [
        ("--max-page-size", "0"),
        ("--max-body-bytes", "0"),
        ("--rate-burst", "0"),
    ] {
        let err = env.fails(&["serve", "--addr", "127.0.0.1:0", flag, value]);
        assert!(err.contains(flag), "{err}");
    }
    let err = env.fails(&["serve", "--addr", "127.0.0.1:0", "--now", "2099-13"]);
    assert!(err.contains("--now") && err.contains("YYYY-MM"), "{err}");
}

/// Token commands need a book: on an empty file or an unrelated SQLite database they are
/// refused, and write no token tables (which once kept `init` from using the file).
#[test]
fn token_commands_need_a_book() {
    let env = Env::new();
    std::fs::write(env.db(), b"").expect("empty file");
    for cmd in [
        &["token", "list"][..],
        &["token", "create", "--role", "planner"][..],
        &["token", "revoke", "1"][..],
    ] {
        let out = env.run(cmd);
        assert!(!out.status.success(), "{cmd:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("holds no book"), "{err}");
    }
    // The file can still become a book.
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/scenario.toml"
    );
    env.ok(&["init", scenario]);
    env.ok(&["token", "list"]);
}

/// `--actor` is printed a line per event by `history`: blank names and control characters (a
/// new line would forge a history line) are refused; `promise --qty 0` is refused too.
#[test]
fn actor_names_and_promise_quantities_are_checked() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let before = env.history_len();
    for actor in ["", "  ", "evil\nplanner", &"x".repeat(65)] {
        let err = env.fails(&[
            "--actor",
            actor,
            "supply",
            "cut",
            "--generation",
            "trn3",
            "--period",
            "2027-03",
            "--units",
            "1",
        ]);
        assert!(err.contains("--actor"), "{err}");
    }
    assert_eq!(env.history_len(), before, "nothing written");
    let err = env.fails(&["promise", "--sku", "trn2-server", "--qty", "0"]);
    assert!(err.contains("--qty"), "{err}");
    env.ok(&["promise", "--sku", "trn2-server", "--qty", "1"]);
}

#[test]
fn concurrent_writers_each_record_their_change() {
    // Two CLIs appending at once: the one that finds the log moved folds the other's events in
    // and validates its change again, instead of failing with "conflict: expected head".
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let before = env.history_len();
    let mut n = 0;
    for round in 0..5 {
        let children: Vec<_> = (0..6)
            .map(|k| {
                let id = format!("cc-{round}-{k}");
                Command::new(env!("CARGO_BIN_EXE_allot"))
                    .args(order_add(&id, &[]))
                    .env("ALLOT_DB", env.db())
                    .env("ALLOT_ACTOR", "test")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("run allot")
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().expect("wait for allot");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            n += 1;
        }
    }
    assert_eq!(env.history_len(), before + n);
}
