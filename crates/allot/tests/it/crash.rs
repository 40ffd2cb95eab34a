//! Kill -9 a writer mid-import and find every acknowledged order after restart.

use crate::cli::Env;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn killed_imports_lose_no_acknowledged_order_and_leave_no_half_batch() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let header = "id,customer,sku,quantity,earliest,latest,price_usd_per_unit,lateness_penalty_usd_per_unit_period,substitutes";
    let batch = |b: usize, n: usize| {
        let mut s = String::from(header);
        for i in 0..n {
            s.push_str(&format!(
                "\nk{b}-{i},ent-a,trn2-server,1,2027-03,2027-09,800000,0,"
            ));
        }
        s.push('\n');
        s
    };
    let mut acked = Vec::new();
    let mut unknown = Vec::new();
    for b in 0..12 {
        let n = 500 + 250 * (b % 4);
        let p = env.write(&format!("batch{b}.csv"), &batch(b, n));
        let mut child = Command::new(env!("CARGO_BIN_EXE_allot"))
            .args(["import", p.to_str().expect("utf-8 path")])
            .env("ALLOT_DB", env.db())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        // Let some imports finish and kill others at varying points.
        std::thread::sleep(Duration::from_millis(if b % 3 == 0 {
            400
        } else {
            (b as u64 * 37) % 120
        }));
        let _ = child.kill(); // SIGKILL on Unix
        let out = child.wait_with_output().expect("wait");
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        if said.contains("imported") {
            acked.push((b, n));
        } else {
            unknown.push((b, n));
        }
    }
    // Restart: open the book again and check every order.
    let csv = env.ok(&["export", "--format", "csv"]);
    for (b, n) in &acked {
        let found = (0..*n)
            .filter(|i| csv.contains(&format!("k{b}-{i},")))
            .count();
        assert_eq!(found, *n, "acknowledged batch {b} is complete");
    }
    for (b, n) in &unknown {
        let found = (0..*n)
            .filter(|i| csv.contains(&format!("k{b}-{i},")))
            .count();
        assert!(
            found == 0 || found == *n,
            "batch {b} is all or nothing, found {found} of {n}"
        );
    }
    assert!(!acked.is_empty(), "some imports were acknowledged");
    // The book still opens and plans.
    env.ok(&["plan", "--now", "2026-12", "--dry-run"]);
}
