//! Shared helpers: seed counts, book generators, and an independent checker that recomputes
//! everything a plan states from the book and the plan's shipments (no planner helpers).

use book::*;
use planner::Plan;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `fast` normally, `slow` when `ALLOT_SLOW_TESTS=1`.
pub fn seeds(fast: u64, slow: u64) -> u64 {
    match std::env::var("ALLOT_SLOW_TESTS") {
        Ok(v) if v == "1" || v.eq_ignore_ascii_case("true") => slow,
        _ => fast,
    }
}

pub fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ stream)
}

/// Runs `f` for every seed, collecting failures; panics listing the failing seeds (first few in full).
pub fn for_seeds(
    name: &str,
    seeds: impl IntoIterator<Item = u64>,
    mut f: impl FnMut(u64) -> Result<(), String>,
) {
    let mut failures: Vec<(u64, String)> = Vec::new();
    let mut n = 0;
    for seed in seeds {
        n += 1;
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(seed)));
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push((seed, e)),
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push((seed, format!("panicked: {msg}")))
            }
        }
    }
    if !failures.is_empty() {
        let mut s = format!(
            "{name}: {} of {n} seeds failed; seeds {:?}\n",
            failures.len(),
            failures.iter().map(|f| f.0).take(50).collect::<Vec<_>>()
        );
        for (seed, e) in failures.iter().take(5) {
            s.push_str(&format!("--- seed {seed}:\n{e}\n"));
        }
        panic!("{s}");
    }
}

pub fn gen_key(book: &Book, g: GenIdx) -> String {
    book.generation(g).key.clone()
}

/// The generations an order accepts with their value factor, primary first (read from the book).
pub fn accepted(book: &Book, o: &Order) -> Vec<(GenIdx, u32)> {
    let mut v = vec![(book.sku(o.sku).generation, 10_000u32)];
    v.extend(
        o.substitutes
            .iter()
            .map(|s| (s.generation, s.value_factor_bp)),
    );
    v
}

/// First period a delivery of generation `g` can happen in a window starting at `earliest`.
pub fn first_delivery(book: &Book, now: Period, g: GenIdx, earliest: Period) -> u32 {
    earliest.0.max(now.0).max(book.generation(g).first_ship.0)
}

/// Value of one unit at a value factor: price x factor / 10000, rounded down (whole dollars).
pub fn unit_value(price: i64, bp: u32) -> i64 {
    (price as i128 * bp as i128 / 10_000) as i64
}

/// The confirmed (tier-2 protected) part of an open order: (units, by).
pub fn confirmed_part(o: &Order) -> Option<(u64, u32)> {
    if o.status != OrderStatus::Confirmed {
        return None;
    }
    o.confirmed
        .map(|p| (p.units.min(o.units), p.by.0))
        .filter(|(u, _)| *u > 0)
}

/// Units a commitment still owes: its units less those recorded as delivered against it.
pub fn owed(cm: &Commitment) -> u64 {
    cm.units - cm.delivered.iter().map(|d| d.units).sum::<u64>()
}

/// Units of recorded deliveries (of orders and of delivery commitments) per generation and period.
pub fn recorded(book: &Book) -> Vec<Vec<u64>> {
    let t = book.horizon().periods() as usize;
    let mut used = vec![vec![0u64; t]; book.generations().len()];
    for o in book.orders() {
        if let Some(d) = o.delivered {
            used[book.sku(o.sku).generation.0 as usize][d.period.0 as usize] += d.units;
        }
    }
    for cm in book.contracts().iter().flat_map(|c| &c.commitments) {
        for d in &cm.delivered {
            used[cm.generation.0 as usize][d.period.0 as usize] += d.units;
        }
    }
    used
}

/// Whether generation `g`'s deliveries `used` (per generation and period) stay within its supply
/// up to every period, with `change` (units added to one period's supply) applied; computed from
/// the book's getters (the planner's network refuses a book where they do not).
pub fn deliveries_fit(
    book: &Book,
    g: GenIdx,
    used: &[Vec<u64>],
    change: Option<(Period, i64)>,
) -> bool {
    let (mut s, mut u) = (0i64, 0i64);
    (0..book.horizon().periods()).all(|t| {
        s += book.supply_units(g, Period(t)) as i64;
        if let Some((_, d)) = change.filter(|c| c.0 == Period(t)) {
            s += d;
        }
        u += used[g.0 as usize][t as usize] as i64;
        u <= s
    })
}

/// Reservations and capacity commitments active in a period of generation g: returns per period
/// (reserved by reservations, reserved by capacity commitments) for the plan's acceptances.
pub fn reserved_use(book: &Book, now: Period, plan: &Plan) -> (Vec<Vec<u64>>, Vec<Vec<u64>>) {
    let t = book.horizon().periods() as usize;
    let g = book.generations().len();
    let mut res = vec![vec![0u64; t]; g];
    let mut cap = vec![vec![0u64; t]; g];
    for (r, acc) in book.reservations().iter().zip(&plan.reservations_accepted) {
        for p in r.start.0.max(now.0)..r.end.0 {
            res[r.generation.0 as usize][p as usize] += acc;
        }
    }
    for cp in &plan.commitments {
        let cm = &book.contracts()[cp.contract].commitments[cp.index];
        if let CommitmentKind::Capacity { start, end, .. } = cm.kind {
            for p in start.0.max(now.0)..end.0 {
                cap[cm.generation.0 as usize][p as usize] += cp.met_units;
            }
        }
    }
    (res, cap)
}

/// Tier-2 lateness of one confirmed order given its shipments (confirmed units take the earliest
/// shipments; an undelivered unit counts T - promised period).
pub fn promise_lateness(
    periods: u32,
    confirmed: (u64, u32),
    shipments: &[planner::Shipment],
) -> i64 {
    let (mut need, p) = confirmed;
    let mut s: Vec<_> = shipments.iter().map(|s| (s.period.0, s.units)).collect();
    s.sort();
    let mut late = 0i64;
    for (t, u) in s {
        let take = u.min(need);
        need -= take;
        late += take as i64 * (t as i64 - p as i64).max(0);
    }
    late + need as i64 * (periods as i64 - p as i64)
}

/// Checks a plan against the book by recomputing every quantity. Returns the list of violations.
pub fn verify_plan(book: &Book, now: Period, plan: &Plan) -> Result<(), String> {
    let mut errs: Vec<String> = Vec::new();
    macro_rules! ensure {
        ($c:expr, $($a:tt)*) => { if !$c { errs.push(format!($($a)*)); } };
    }
    let tt = book.horizon().periods();
    let t = tt as usize;
    let ng = book.generations().len();
    let supply = book.supply_matrix();
    let mut sold = recorded(book);
    let mut obj = planner::Objectives::default();
    ensure!(plan.now == now, "plan.now {:?} != {:?}", plan.now, now);
    ensure!(plan.orders.len() == book.orders().len(), "orders length");
    // Orders.
    for (o, op) in book.orders().iter().zip(&plan.orders) {
        if !o.status.is_open() {
            ensure!(
                op.shipments.is_empty() && op.served_units == 0 && op.waitlist.is_none(),
                "order {} ({}) is not open but planned: {op:?}",
                o.key,
                o.status.as_str()
            );
            continue;
        }
        let acc = accepted(book, o);
        let mut served = 0u64;
        for s in &op.shipments {
            served += s.units;
            ensure!(s.units > 0, "order {}: empty shipment", o.key);
            let Some(&(_, bp)) = acc.iter().find(|(g, _)| *g == s.generation) else {
                errs.push(format!(
                    "order {}: ships generation {} it does not accept",
                    o.key, s.generation.0
                ));
                continue;
            };
            let lo = first_delivery(book, now, s.generation, o.earliest);
            ensure!(
                s.period.0 >= lo && s.period <= o.latest,
                "order {}: shipment {s:?} outside [{lo}, {}]",
                o.key,
                o.latest.0
            );
            sold[s.generation.0 as usize][s.period.0 as usize] += s.units;
            let v = unit_value(o.price_usd_per_unit, bp);
            obj.sale_revenue_usd += v * s.units as i64;
            obj.lateness_penalty_usd += o.lateness_penalty_usd_per_unit_period
                * (s.period.0 as i64 - o.earliest.0 as i64)
                * s.units as i64;
        }
        ensure!(
            served == op.served_units,
            "order {}: served {} != sum of shipments {served}",
            o.key,
            op.served_units
        );
        ensure!(
            served <= o.units,
            "order {}: over-allocated {served} > {}",
            o.key,
            o.units
        );
        let want = (served > 0).then(|| Promise {
            units: served,
            by: op.shipments.iter().map(|s| s.period).max().unwrap(),
        });
        ensure!(
            op.promise == want,
            "order {}: promise {:?}, shipments say {want:?}",
            o.key,
            op.promise
        );
        ensure!(
            op.waitlist.is_some() == (served < o.units),
            "order {}: waitlist {:?} with {served}/{} served",
            o.key,
            op.waitlist,
            o.units
        );
        if let Some((u, p)) = confirmed_part(o) {
            obj.promise_lateness_unit_periods += promise_lateness(tt, (u, p), &op.shipments);
        }
    }
    // Commitments.
    let ncm: usize = book.contracts().iter().map(|c| c.commitments.len()).sum();
    ensure!(
        plan.commitments.len() == ncm,
        "commitments length {} != {ncm}",
        plan.commitments.len()
    );
    let mut k = 0;
    for (ci, c) in book.contracts().iter().enumerate() {
        for (j, cm) in c.commitments.iter().enumerate() {
            let Some(cp) = plan.commitments.get(k) else {
                break;
            };
            k += 1;
            // What is still owed: the units less those recorded as delivered.
            let delivered: u64 = cm.delivered.iter().map(|d| d.units).sum();
            let owed = owed(cm);
            ensure!(
                cp.contract == ci
                    && cp.index == j
                    && cp.units == owed
                    && cp.delivered_units == delivered,
                "commitment {ci}/{j} mislabelled: {cp:?}"
            );
            ensure!(
                cp.met_units <= owed,
                "commitment {}/{j}: met {} > owed {}",
                c.key,
                cp.met_units,
                owed
            );
            obj.commitment_shortfall_usd +=
                c.shortfall_penalty_usd_per_unit * (owed.saturating_sub(cp.met_units)) as i64;
            match cm.kind {
                CommitmentKind::Delivery {
                    earliest,
                    due,
                    price_usd_per_unit,
                } => {
                    let lo = first_delivery(book, now, cm.generation, earliest);
                    let mut met = 0;
                    for s in &cp.shipments {
                        met += s.units;
                        ensure!(
                            s.generation == cm.generation,
                            "commitment {}/{j}: wrong generation {s:?}",
                            c.key
                        );
                        ensure!(
                            s.period.0 >= lo && s.period <= due,
                            "commitment {}/{j}: shipment {s:?} outside [{lo}, {}]",
                            c.key,
                            due.0
                        );
                        sold[s.generation.0 as usize][s.period.0 as usize] += s.units;
                        obj.sale_revenue_usd += price_usd_per_unit * s.units as i64;
                    }
                    ensure!(
                        met == cp.met_units,
                        "commitment {}/{j}: met {} != shipments {met}",
                        c.key,
                        cp.met_units
                    );
                }
                CommitmentKind::Capacity {
                    start,
                    end,
                    price_usd_per_unit_period,
                } => {
                    ensure!(cp.shipments.is_empty(), "capacity commitment ships");
                    let a = start.0.max(now.0);
                    ensure!(
                        cp.met_units == 0 || a < end.0,
                        "capacity commitment {}/{j} met over an empty span",
                        c.key
                    );
                    obj.cloud_reserved_usd += price_usd_per_unit_period
                        * (end.0.saturating_sub(a)) as i64
                        * cp.met_units as i64;
                }
            }
        }
    }
    // Reservations.
    ensure!(
        plan.reservations_accepted.len() == book.reservations().len(),
        "reservations length"
    );
    for (r, &acc) in book.reservations().iter().zip(&plan.reservations_accepted) {
        ensure!(
            acc <= r.units,
            "reservation {}: accepted {acc} > {}",
            r.key,
            r.units
        );
        ensure!(
            !r.cancelled || acc == 0,
            "cancelled reservation {} accepted",
            r.key
        );
        let a = r.start.0.max(now.0);
        ensure!(
            acc == 0 || a < r.end.0,
            "reservation {} accepted over an empty span",
            r.key
        );
        obj.cloud_reserved_usd +=
            r.price_usd_per_unit_period * r.end.0.saturating_sub(a) as i64 * acc as i64;
    }
    // Generations.
    let (res, cap) = reserved_use(book, now, plan);
    ensure!(plan.generations.len() == ng, "generations length");
    for (g, gf) in plan.generations.iter().enumerate().take(ng) {
        let gen = &book.generations()[g];
        let key = &gen.key;
        ensure!(
            gf.supply == supply[g],
            "{key}: supply {:?} != book {:?}",
            gf.supply,
            supply[g]
        );
        ensure!(
            gf.sold == sold[g],
            "{key}: sold {:?} != recomputed {:?}",
            gf.sold,
            sold[g]
        );
        let first = gen.first_ship.0.max(now.0) as usize;
        let (mut inv, mut pool) = (0i64, 0u64);
        for p in 0..t {
            if p < first {
                ensure!(
                    gf.deployed[p] == 0,
                    "{key}: deployed {} in period {p} before {first}",
                    gf.deployed[p]
                );
            }
            if p < now.0 as usize {
                ensure!(gf.internal[p] == 0, "{key}: internal use before now");
            }
            ensure!(
                gf.internal[p] <= gen.cloud_demand_units[p],
                "{key}: internal {} > forecast {} in {p}",
                gf.internal[p],
                gen.cloud_demand_units[p]
            );
            let reserved = res[g][p] + cap[g][p];
            ensure!(
                gf.reserved[p] == reserved,
                "{key}: reserved {} != recomputed {reserved} in {p}",
                gf.reserved[p]
            );
            pool += gf.deployed[p];
            ensure!(
                gf.pool[p] == pool,
                "{key}: pool {} != cumulative deployments {pool} in {p}",
                gf.pool[p]
            );
            ensure!(
                gf.internal[p] + reserved <= pool,
                "{key}: pool {pool} < internal {} + reserved {reserved} in {p}",
                gf.internal[p]
            );
            inv += supply[g][p] as i64 - sold[g][p] as i64 - gf.deployed[p] as i64;
            ensure!(
                inv >= 0,
                "{key}: cumulative sold + deployed exceeds supply in period {p} by {}",
                -inv
            );
            if p + 1 < t {
                ensure!(
                    gf.carried[p] as i64 == inv,
                    "{key}: carried {} != inventory {inv} in {p}",
                    gf.carried[p]
                );
                obj.holding_usd += gen.holding_usd_per_unit_period * inv;
            }
            obj.cloud_internal_usd += gen.cloud_value_usd_per_unit_period * gf.internal[p] as i64;
        }
        let total: u64 = supply[g].iter().sum();
        let used: u64 = sold[g].iter().sum::<u64>() + gf.deployed.iter().sum::<u64>();
        ensure!(
            total as i64 == used as i64 + inv,
            "{key}: supply {total} != sold+deployed {used} + leftover {inv}"
        );
        obj.residual_usd += gen.residual_usd_per_unit * pool as i64;
    }
    obj.value_usd =
        obj.sale_revenue_usd + obj.cloud_internal_usd + obj.cloud_reserved_usd + obj.residual_usd
            - obj.lateness_penalty_usd
            - obj.holding_usd;
    ensure!(
        plan.objectives == obj,
        "objectives reported {:?}\n            recomputed {obj:?}",
        plan.objectives
    );
    if let Err(e) = certify::check(&plan.certificate.network, &plan.certificate.solution) {
        errs.push(format!("certificate refused: {e}"));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

/// A small book from `bookgen` with variations: supply adjustments, capacity commitments, extra
/// reservations, cancellations, recorded deliveries, and `now > 0`.
pub struct Case {
    pub book: Book,
    pub now: Period,
    pub what: String,
}

pub fn small_case(seed: u64) -> Case {
    let mut r = rng(seed, 1);
    let mut p = bookgen::Params::new(r.gen_range(5..=60), seed);
    p.periods = r.gen_range(3..=12);
    p.generations = r.gen_range(1..=4);
    p.max_window = r.gen_range(1..=5);
    p.substitute_pct = r.gen_range(0..=60);
    p.confirmed_pct = *[0, 0, 10, 30, 60].get(r.gen_range(0..5)).unwrap();
    p.demand_over_supply_pct = r.gen_range(60..=220);
    let mut book = bookgen::generate(&p)
        .into_book()
        .expect("bookgen book is valid");
    let mut what = format!("bookgen {p:?}");
    vary(&mut book, &mut r, &mut what);
    let tt = book.horizon().periods();
    let now = if r.gen_bool(0.3) {
        Period(r.gen_range(0..tt))
    } else {
        Period(0)
    };
    vary_commitment_deliveries(&mut book, &mut rng(seed, 3), &mut what);
    what.push_str(&format!("; now {}", now.0));
    Case { book, now, what }
}

/// With probability 0.3, units shipped against a delivery commitment that still owes some, where
/// supply covers them (a stream of its own, so the rest of a seed's case stays as it was).
pub fn vary_commitment_deliveries(book: &mut Book, r: &mut ChaCha8Rng, what: &mut String) {
    let tt = book.horizon().periods();
    if r.gen_bool(0.3) {
        // Units shipped against a delivery commitment still owing some, where supply covers them.
        let owing: Vec<(String, u32, GenIdx, u64)> = (book.contracts().iter())
            .flat_map(|c| {
                (c.commitments.iter().enumerate())
                    .filter(|(_, cm)| {
                        matches!(cm.kind, CommitmentKind::Delivery { .. }) && owed(cm) > 0
                    })
                    .map(|(k, cm)| (c.key.clone(), k as u32, cm.generation, owed(cm)))
            })
            .collect();
        if !owing.is_empty() {
            let (contract, commitment, g, owed) = owing[r.gen_range(0..owing.len())].clone();
            let units = r.gen_range(1..=owed.min(3));
            let d = r.gen_range(0..tt);
            let mut used = recorded(book);
            used[g.0 as usize][d as usize] += units;
            if deliveries_fit(book, g, &used, None) {
                book.apply(Event::CommitmentDelivered {
                    contract,
                    commitment,
                    units,
                    period: Period(d),
                })
                .expect("valid commitment delivery");
                what.push_str("; commitment delivery recorded");
            }
        }
    }
}

/// Random valid changes to a book (events that `Book::apply` accepts).
pub fn vary(book: &mut Book, r: &mut ChaCha8Rng, what: &mut String) {
    let tt = book.horizon().periods();
    let ng = book.generations().len();
    for _ in 0..r.gen_range(0..=3) {
        let g = GenIdx(r.gen_range(0..ng) as u16);
        let p = Period(r.gen_range(0..tt));
        let cur = book.supply_units(g, p) as i64;
        let delta = r.gen_range(-cur..=6);
        if delta == 0 {
            continue;
        }
        let ev = Event::SupplyAdjusted(SupplyAdjustmentSpec {
            generation: gen_key(book, g),
            period: p,
            delta_units: delta,
            note: "test".into(),
        });
        // A cut below the units already delivered by some period is refused (and changes
        // nothing); the other adjustments apply.
        match book.apply(ev) {
            Ok(()) => what.push_str(&format!("; adjust {} p{} {delta:+}", g.0, p.0)),
            Err(e) => assert!(
                delta < 0 && e.field == "delta_units",
                "adjustment {delta:+} refused: {e}"
            ),
        }
    }
    if r.gen_bool(0.15) {
        let g = GenIdx(r.gen_range(0..ng) as u16);
        let s = r.gen_range(0..tt);
        let e = r.gen_range(s + 1..=tt);
        let cust = book.customers()[0].key.clone();
        let ev = Event::ContractAdded(ContractSpec {
            key: "cap-contract".into(),
            customer: cust,
            shortfall_penalty_usd_per_unit: r.gen_range(1..=3) * 500_000,
            commitments: vec![CommitmentSpec {
                generation: gen_key(book, g),
                units: r.gen_range(1..=8),
                kind: CommitmentKind::Capacity {
                    start: Period(s),
                    end: Period(e),
                    price_usd_per_unit_period: r.gen_range(0..=40_000),
                },
            }],
            note: "test".into(),
        });
        what.push_str("; capacity commitment");
        book.apply(ev).expect("valid contract");
    }
    if r.gen_bool(0.2) {
        let g = GenIdx(r.gen_range(0..ng) as u16);
        let s = r.gen_range(0..tt);
        let e = r.gen_range(s + 1..=tt);
        let cust = book.customers()[0].key.clone();
        let ev = Event::ReservationPlaced(ReservationSpec {
            key: "extra-res".into(),
            customer: cust,
            generation: gen_key(book, g),
            units: r.gen_range(1..=10),
            start: Period(s),
            end: Period(e),
            price_usd_per_unit_period: r.gen_range(0..=60_000),
        });
        what.push_str("; extra reservation");
        book.apply(ev).expect("valid reservation");
    }
    if r.gen_bool(0.1) && !book.reservations().is_empty() {
        let k = book.reservations()[r.gen_range(0..book.reservations().len())]
            .key
            .clone();
        if book
            .apply(Event::ReservationCancelled { reservation: k })
            .is_ok()
        {
            what.push_str("; reservation cancelled");
        }
    }
    if r.gen_bool(0.15) && !book.orders().is_empty() {
        let k = book.orders()[r.gen_range(0..book.orders().len())]
            .key
            .clone();
        book.apply(Event::OrderCancelled {
            order: k,
            reason: "test".into(),
        })
        .ok();
        what.push_str("; order cancelled");
    }
    if r.gen_bool(0.15) && !book.orders().is_empty() {
        // A recorded delivery of one unit, only where supply can cover it.
        let oi = r.gen_range(0..book.orders().len());
        let o = &book.orders()[oi];
        let g = book.sku(o.sku).generation;
        let d = r.gen_range(0..tt);
        let mut used = recorded(book);
        used[g.0 as usize][d as usize] += 1;
        let ok = o.status.is_open() && deliveries_fit(book, g, &used, None);
        if ok {
            let key = o.key.clone();
            book.apply(Event::OrderDelivered {
                order: key,
                units: 1,
                period: Period(d),
            })
            .expect("valid delivery");
            what.push_str("; delivery recorded");
        }
    }
}

/// A tiny hand-rolled book (1-8 orders, 2-5 periods, 1-2 generations) with commitments of both
/// kinds, reservations, substitutes, confirmed promises and supply adjustments; small numbers.
pub fn tiny_case(seed: u64) -> Case {
    let mut r = rng(seed, 2);
    let tt: u32 = r.gen_range(2..=5);
    let ng: usize = r.gen_range(1..=2);
    let t = tt as usize;
    let generations: Vec<Generation> = (0..ng)
        .map(|g| Generation {
            key: format!("g{g}"),
            name: format!("G{g}"),
            unit_name: "server".into(),
            chips_per_unit: 8,
            first_ship: Period(if r.gen_bool(0.7) {
                0
            } else {
                r.gen_range(0..tt)
            }),
            holding_usd_per_unit_period: r.gen_range(0..=3),
            residual_usd_per_unit: r.gen_range(0..=30),
            cloud_value_usd_per_unit_period: r.gen_range(0..=12),
            cloud_demand_units: (0..t).map(|_| r.gen_range(0..=3)).collect(),
            source: "test".into(),
        })
        .collect();
    let supply: Vec<Vec<u64>> = (0..ng)
        .map(|_| (0..t).map(|_| r.gen_range(0..=4)).collect())
        .collect();
    let skus: Vec<SkuSpec> = (0..ng)
        .flat_map(|g| {
            [1u32, 2].map(|s| SkuSpec {
                key: format!("g{g}-x{s}"),
                name: "sku".into(),
                generation: format!("g{g}"),
                size_units: s,
            })
        })
        .collect();
    let customers: Vec<Customer> = (0..2)
        .map(|c| Customer {
            key: format!("c{c}"),
            name: format!("C{c}"),
            kind: CustomerKind::Other,
        })
        .collect();
    let mut contracts = Vec::new();
    if r.gen_bool(0.6) {
        let commitments = (0..r.gen_range(1..=2))
            .map(|_| {
                let g = r.gen_range(0..ng);
                let kind = if r.gen_bool(0.6) {
                    let e = r.gen_range(0..tt);
                    CommitmentKind::Delivery {
                        earliest: Period(e),
                        due: Period(r.gen_range(e..tt)),
                        price_usd_per_unit: r.gen_range(0..=60),
                    }
                } else {
                    let s = r.gen_range(0..tt);
                    CommitmentKind::Capacity {
                        start: Period(s),
                        end: Period(r.gen_range(s + 1..=tt)),
                        price_usd_per_unit_period: r.gen_range(0..=10),
                    }
                };
                CommitmentSpec {
                    generation: format!("g{g}"),
                    units: r.gen_range(1..=3),
                    kind,
                }
            })
            .collect();
        contracts.push(ContractSpec {
            key: "k0".into(),
            customer: "c0".into(),
            shortfall_penalty_usd_per_unit: r.gen_range(1..=50),
            commitments,
            note: String::new(),
        });
    }
    let reservations = (0..r.gen_range(0..=2))
        .map(|i| {
            let s = r.gen_range(0..tt);
            ReservationSpec {
                key: format!("r{i}"),
                customer: "c1".into(),
                generation: format!("g{}", r.gen_range(0..ng)),
                units: r.gen_range(1..=3),
                start: Period(s),
                end: Period(r.gen_range(s + 1..=tt)),
                price_usd_per_unit_period: r.gen_range(0..=12),
            }
        })
        .collect();
    let orders: Vec<OrderSpec> = (0..r.gen_range(1..=8))
        .map(|i| {
            let g = r.gen_range(0..ng);
            let e = r.gen_range(0..tt);
            let substitutes = if ng > 1 && r.gen_bool(0.4) {
                vec![SubstituteSpec {
                    generation: format!("g{}", 1 - g),
                    value_factor_bp: r.gen_range(5_000..=15_000),
                }]
            } else {
                vec![]
            };
            OrderSpec {
                key: format!("o{i}"),
                customer: format!("c{}", r.gen_range(0..2)),
                sku: format!("g{g}-x{}", r.gen_range(1..=2)),
                quantity: r.gen_range(1..=3),
                earliest: Period(e),
                latest: Period(r.gen_range(e..tt)),
                price_usd_per_unit: r.gen_range(10..=60),
                lateness_penalty_usd_per_unit_period: r.gen_range(0..=5),
                substitutes,
            }
        })
        .collect();
    let spec = BookSpec {
        name: format!("tiny-{seed}"),
        horizon: Horizon::new(YearMonth::new(2027, 1).unwrap(), tt),
        generations,
        supply: SupplyInputs::Explicit(supply),
        skus,
        customers,
        contracts,
        reservations,
        orders,
        order_progress: Vec::new(),
        commitment_progress: Vec::new(),
    };
    let mut what = format!("{spec:#?}");
    let mut book = Book::new(spec).expect("tiny book is valid");
    // Confirmed promises from a (made-up) previous plan.
    let promises: Vec<PromiseRecord> = book
        .orders()
        .iter()
        .map(|o| (o.key.clone(), o.units))
        .collect::<Vec<_>>()
        .into_iter()
        .filter_map(|(key, units)| {
            r.gen_bool(0.4).then(|| PromiseRecord {
                order: key,
                units: r.gen_range(1..=units),
                by: Period(r.gen_range(0..tt)),
            })
        })
        .collect();
    if !promises.is_empty() {
        let keys: Vec<String> = promises.iter().map(|p| p.order.clone()).collect();
        what.push_str(&format!("\npromises {promises:?}"));
        book.apply(Event::PlanRecorded(PlanRecord {
            now: Period(0),
            objectives: None,
            promises,
            supply_adjustments_seen: 0,
            contracts_seen: book.contracts().len() as u32,
        }))
        .unwrap();
        for k in keys {
            book.apply(Event::OrderConfirmed { order: k }).unwrap();
        }
    }
    let mut w = String::new();
    vary(&mut book, &mut r, &mut w);
    what.push_str(&w);
    let now = if r.gen_bool(0.25) {
        Period(r.gen_range(0..tt))
    } else {
        Period(0)
    };
    vary_commitment_deliveries(&mut book, &mut rng(seed, 3), &mut what);
    what.push_str(&format!("\nnow {}", now.0));
    Case { book, now, what }
}

/// Plans, turning an error into a message.
pub fn plan(book: &Book, now: Period) -> Result<Plan, String> {
    planner::plan(book, now).map_err(|e| format!("plan failed: {e}"))
}

/// Records `plan`'s promises in the book and confirms every promised order.
pub fn record_and_confirm(book: &mut Book, plan: &Plan) {
    let promises: Vec<PromiseRecord> = book
        .orders()
        .iter()
        .zip(&plan.orders)
        .filter(|(o, _)| o.status.is_open())
        .filter_map(|(o, op)| {
            op.promise.map(|p| PromiseRecord {
                order: o.key.clone(),
                units: p.units,
                by: p.by,
            })
        })
        .collect();
    let keys: Vec<String> = promises.iter().map(|p| p.order.clone()).collect();
    let o = &plan.objectives;
    book.apply(Event::PlanRecorded(PlanRecord {
        now: plan.now,
        objectives: Some([
            o.commitment_shortfall_usd,
            o.promise_lateness_unit_periods,
            o.value_usd,
        ]),
        promises,
        supply_adjustments_seen: book.supply_adjustments().len() as u32,
        contracts_seen: book.contracts().len() as u32,
    }))
    .expect("plan records");
    for k in keys {
        let st = book.order_at(book.order_idx(&k).unwrap()).status;
        if st == OrderStatus::Promised {
            book.apply(Event::OrderConfirmed { order: k })
                .expect("confirm");
        }
    }
}

/// A hand-written book: one generation `g` (first shipping in `first_ship`, holding cost 1 a
/// unit-period, no cloud value or demand), one SKU `s` of one unit, one customer `c`, the given
/// supply (one value per period) and nothing else; tests add orders, contracts and so on.
pub fn one_generation_spec(name: &str, first_ship: Period, supply: Vec<u64>) -> BookSpec {
    let periods = supply.len();
    BookSpec {
        name: name.into(),
        horizon: Horizon::new(YearMonth::new(2027, 1).unwrap(), periods as u32),
        generations: vec![Generation {
            key: "g".into(),
            name: "G".into(),
            unit_name: "server".into(),
            chips_per_unit: 16,
            first_ship,
            holding_usd_per_unit_period: 1,
            residual_usd_per_unit: 0,
            cloud_value_usd_per_unit_period: 0,
            cloud_demand_units: vec![0; periods],
            source: String::new(),
        }],
        supply: SupplyInputs::Explicit(vec![supply]),
        skus: vec![SkuSpec {
            key: "s".into(),
            name: "s".into(),
            generation: "g".into(),
            size_units: 1,
        }],
        customers: vec![Customer {
            key: "c".into(),
            name: "c".into(),
            kind: CustomerKind::Lab,
        }],
        contracts: vec![],
        reservations: vec![],
        orders: vec![],
        order_progress: vec![],
        commitment_progress: vec![],
    }
}
