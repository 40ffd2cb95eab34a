//! Planner at scale: cold plan, warm re-plans after 1% changes, and available-to-promise latency.
//!
//! `cargo run --release -p planner --example scale -- ORDERS [SEED]` prints one JSON object:
//! cold plan time, warm times after 1% of orders added, 1% cancelled and one period's supply cut
//! (each checked to reach the cold objectives; medians of 3 warm and 3 cold re-plans, taken in
//! turn), and ATP query latency percentiles.

// The allocator the `allot` binary ships with, so that the times are those users see.
#[global_allocator]
static GLOBAL: allocator::MiMalloc = allocator::MiMalloc;

use book::{Event, OrderSpec, Period, SkuIdx, SupplyAdjustmentSpec};
use std::time::Instant;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn objectives(p: &planner::Plan) -> [i64; 3] {
    let o = &p.objectives;
    [
        o.commitment_shortfall_usd,
        o.promise_lateness_unit_periods,
        o.value_usd,
    ]
}

fn main() {
    allocator::keep_freed_memory();
    let args: Vec<String> = std::env::args().collect();
    let orders: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let t = Instant::now();
    let book = bookgen::generate(&bookgen::Params::new(orders, seed))
        .into_book()
        .expect("valid book");
    let gen_ms = ms(t);
    let now = Period(0);

    let t = Instant::now();
    let cold = planner::plan(&book, now).expect("plan");
    let cold_ms = ms(t);

    // Each change is re-planned warm (from the cold plan of the original book) and cold, in
    // turn, `REPEATS` times; the medians are reported. The first plans of a process fault in
    // fresh memory, which later ones reuse: alternating puts both kinds in the same state, the
    // one a server re-planning after every change is in.
    let mut warm = Vec::new();
    for (name, events) in changes(&book, seed) {
        let mut changed = book.clone();
        changed.apply_all(events).expect("change applies");
        let (mut warm_ms, mut recold_ms) = (Vec::new(), Vec::new());
        for _ in 0..REPEATS {
            let t = Instant::now();
            let w = planner::plan_warm(&changed, now, &cold).expect("warm plan");
            warm_ms.push(ms(t));
            let t = Instant::now();
            let c = planner::plan(&changed, now).expect("cold plan");
            recold_ms.push(ms(t));
            assert_eq!(
                objectives(&w),
                objectives(&c),
                "{name}: warm and cold agree"
            );
        }
        warm.push(serde_like(name, median(warm_ms), median(recold_ms)));
    }

    // ATP: random (sku, period) and (sku, quantity) queries against the cold plan.
    let skus = book.skus().len() as u32;
    let periods = book.horizon().periods();
    let mut lat = Vec::with_capacity(200_000);
    let mut x: u64 = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut sink = 0u64;
    for i in 0..200_000u32 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let s = SkuIdx(((x >> 33) as u32) % skus);
        let p = Period(((x >> 17) as u32) % periods);
        let t = Instant::now();
        if i % 2 == 0 {
            sink += cold.atp.sku_quantity_by(s, p);
        } else {
            sink += cold
                .atp
                .earliest_sku(s, 1 + (x >> 50) % 50)
                .map(|p| p.0 as u64)
                .unwrap_or(0);
        }
        lat.push(t.elapsed().as_nanos() as u64);
    }
    lat.sort_unstable();
    let pct = |q: f64| lat[((lat.len() as f64 - 1.0) * q) as usize];
    println!(
        "{{\"orders\":{orders},\"seed\":{seed},\"nodes\":{},\"arcs\":{},\"pivots\":{},\"gen_ms\":{gen_ms:.1},\"cold_ms\":{cold_ms:.1},\"warm\":[{}],\"atp_ns\":{{\"p50\":{},\"p99\":{},\"max\":{}}},\"checksum\":{sink}}}",
        cold.stats.nodes,
        cold.stats.arcs,
        cold.stats.pivots,
        warm.join(","),
        pct(0.5),
        pct(0.99),
        lat[lat.len() - 1]
    );
}

/// Warm and cold re-plans of each change, alternated.
const REPEATS: usize = 3;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn serde_like(name: &str, warm_ms: f64, cold_ms: f64) -> String {
    format!("{{\"change\":\"{name}\",\"warm_ms\":{warm_ms:.1},\"cold_ms\":{cold_ms:.1}}}")
}

/// 1% of orders added, 1% cancelled, one period's supply of one generation halved.
fn changes(book: &book::Book, seed: u64) -> Vec<(&'static str, Vec<Event>)> {
    let n = book.orders().len();
    let k = (n / 100).max(1);
    let add = (0..k)
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
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let cancel = (0..k)
        .map(|i| &book.orders()[(i * 104_729 + seed as usize) % n])
        .filter(|o| o.status.is_open() && seen.insert(o.key.clone()))
        .map(|o| Event::OrderCancelled {
            order: o.key.clone(),
            reason: "bench".into(),
        })
        .collect();
    let g = &book.generations()[1.min(book.generations().len() - 1)];
    let t = Period(book.horizon().periods() / 2);
    let have = book.supply_units(book.generation_idx(&g.key).expect("generation"), t);
    let cut = vec![Event::SupplyAdjusted(SupplyAdjustmentSpec {
        generation: g.key.clone(),
        period: t,
        delta_units: -((have / 2).max(1) as i64),
        note: "bench cut".into(),
    })];
    vec![
        ("add 1% orders", add),
        ("cancel 1% orders", cancel),
        ("cut one period's supply", cut),
    ]
}
