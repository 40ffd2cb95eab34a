//! Profiling aid for warm re-plans: `cargo run --release -p planner --example warmprof -- ORDERS SEED CHANGE REPS`
//! (CHANGE: 0 add 1%, 1 cancel 1%, 2 supply cut). Prints per-stage times of a cold plan of the
//! changed book and of REPS warm re-plans from the original book's plan.

// The allocator the `allot` binary ships with.
#[global_allocator]
static GLOBAL: allocator::MiMalloc = allocator::MiMalloc;

use book::{Event, OrderSpec, Period, SupplyAdjustmentSpec};
use std::time::Instant;

fn staged(
    f: impl FnOnce(&mut dyn FnMut(planner::Stage)) -> planner::Plan,
) -> (planner::Plan, Vec<(planner::Stage, f64)>) {
    let mut marks: Vec<(planner::Stage, Instant)> = Vec::new();
    let t0 = Instant::now();
    let p = f(&mut |s| marks.push((s, Instant::now())));
    let end = Instant::now();
    let mut out = Vec::new();
    for i in 0..marks.len() {
        let next = if i + 1 < marks.len() {
            marks[i + 1].1
        } else {
            end
        };
        out.push((marks[i].0, (next - marks[i].1).as_secs_f64() * 1e3));
    }
    let _ = t0;
    (p, out)
}

fn main() {
    allocator::keep_freed_memory();
    let args: Vec<String> = std::env::args().collect();
    let orders: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let kind: u32 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0);
    let reps: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(3);
    let book = bookgen::generate(&bookgen::Params::new(orders, seed))
        .into_book()
        .expect("valid book");
    let now = Period(0);
    eprintln!("after gen: {}", hwm());
    let t = std::time::Instant::now();
    let cold0 = planner::plan(&book, now).expect("plan");
    println!(
        "cold0 {:.1} ms, pivots {}",
        t.elapsed().as_secs_f64() * 1e3,
        cold0.stats.pivots
    );
    eprintln!("after cold plan: {}", hwm());
    let mut changed = book.clone();
    changed
        .apply_all(change(&book, seed, kind))
        .expect("change applies");
    // Cold plan of the changed book (skipped with a 5th argument "nocold": then the cold plan
    // of the original book is the comparison, and the warm plans are only certified).
    let skip_cold = args.get(5).is_some_and(|a| a == "nocold");
    let (c, st) = if skip_cold {
        (cold0.clone(), Vec::new())
    } else {
        staged(|p| planner::plan_with_progress(&changed, now, p).expect("cold"))
    };
    println!("cold  pivots {:>8} {:?}", c.stats.pivots, st);
    for _ in 0..reps {
        let (w, st) =
            staged(|p| planner::plan_warm_with_progress(&changed, now, &cold0, p).expect("warm"));
        if !skip_cold {
            assert_eq!(w.objectives.value_usd, c.objectives.value_usd);
            assert_eq!(
                w.objectives.promise_lateness_unit_periods,
                c.objectives.promise_lateness_unit_periods
            );
            assert_eq!(
                w.objectives.commitment_shortfall_usd,
                c.objectives.commitment_shortfall_usd
            );
        }
        println!("warm  pivots {:>8} {:?}", w.stats.pivots, st);
        let n0 = book.orders().len();
        let diff_served = (0..n0)
            .filter(|&i| w.orders[i].served_units != cold0.orders[i].served_units)
            .count();
        let diff_ship = (0..n0)
            .filter(|&i| w.orders[i].shipments != cold0.orders[i].shipments)
            .count();
        let diff_cold = (0..n0)
            .filter(|&i| c.orders[i].shipments != cold0.orders[i].shipments)
            .count();
        println!("orders changed vs previous plan: served {diff_served}, shipments {diff_ship} (cold: {diff_cold})");
    }
}

fn change(book: &book::Book, seed: u64, kind: u32) -> Vec<Event> {
    let n = book.orders().len();
    let k = (n / 100).max(1);
    match kind {
        0 => (0..k)
            .map(|i| {
                let o = &book.orders()[(i * 7919 + seed as usize) % n];
                Event::OrderPlaced(OrderSpec {
                    key: format!("added-{i}"),
                    customer: book.customer_at(o.customer).key.clone(),
                    sku: book.sku(o.sku).key.clone(),
                    quantity: o.quantity,
                    earliest: o.earliest,
                    latest: o.latest,
                    price_usd_per_unit: o.price_usd_per_unit,
                    lateness_penalty_usd_per_unit_period: o.lateness_penalty_usd_per_unit_period,
                    substitutes: vec![],
                })
            })
            .collect(),
        1 => {
            let mut seen = std::collections::BTreeSet::new();
            (0..k)
                .map(|i| &book.orders()[(i * 104_729 + seed as usize) % n])
                .filter(|o| o.status.is_open() && seen.insert(o.key.clone()))
                .map(|o| Event::OrderCancelled {
                    order: o.key.clone(),
                    reason: "bench".into(),
                })
                .collect()
        }
        3 => vec![],
        _ => {
            let g = &book.generations()[1.min(book.generations().len() - 1)];
            let t = Period(book.horizon().periods() / 2);
            let have = book.supply_units(book.generation_idx(&g.key).expect("generation"), t);
            vec![Event::SupplyAdjusted(SupplyAdjustmentSpec {
                generation: g.key.clone(),
                period: t,
                delta_units: -((have / 2).max(1) as i64),
                note: "bench cut".into(),
            })]
        }
    }
}

/// Peak and current resident memory (Linux), for the profile's log.
fn hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(" / ")
}
