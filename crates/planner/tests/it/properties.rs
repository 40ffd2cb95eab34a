//! Properties of plans over thousands of seeded random books, checked by recomputation.

use crate::common::*;
use book::*;
use planner::Plan;

/// The optimal tier-1 value computed independently, when the book has no capacity commitments:
/// per generation, a commitment can use any unit finished by its due period (if its window is
/// not empty after `now` and first ship), the sets are nested prefixes, so the units that can be
/// met form a matroid and the greedy by penalty (with the prefix Hall conditions) is exact.
pub fn tier1_exact(book: &Book, now: Period) -> Option<i64> {
    let tt = book.horizon().periods() as usize;
    let mut items = Vec::new(); // (penalty, generation, due, units)
    let mut total = 0i64;
    for c in book.contracts() {
        for cm in &c.commitments {
            total += c.shortfall_penalty_usd_per_unit * owed(cm) as i64;
            match cm.kind {
                CommitmentKind::Capacity { .. } => return None,
                CommitmentKind::Delivery { earliest, due, .. } => {
                    if first_delivery(book, now, cm.generation, earliest) <= due.0 {
                        items.push((
                            c.shortfall_penalty_usd_per_unit,
                            cm.generation.0 as usize,
                            due.0 as usize,
                            owed(cm),
                        ));
                    }
                }
            }
        }
    }
    items.sort_by_key(|i| std::cmp::Reverse(i.0));
    let supply = book.supply_matrix();
    let used = recorded(book);
    // room[g][d] = units finished by d, less recorded deliveries by d, less chosen with due <= d.
    let mut room: Vec<Vec<i64>> = (0..book.generations().len())
        .map(|g| {
            let mut c = 0i64;
            (0..tt)
                .map(|t| {
                    c += supply[g][t] as i64 - used[g][t] as i64;
                    c
                })
                .collect()
        })
        .collect();
    let mut met = 0i64;
    for (pen, g, due, units) in items {
        let can = room[g][due..]
            .iter()
            .copied()
            .min()
            .unwrap_or(0)
            .max(0)
            .min(units as i64);
        for r in &mut room[g][due..] {
            *r -= can;
        }
        met += pen * can;
    }
    Some(total - met)
}

/// Local optimality: no simple move improves a tier without worsening a higher one. Each check
/// names a unit that is demonstrably free for a higher-tier use.
pub fn local_checks(book: &Book, now: Period, plan: &Plan) -> Result<(), String> {
    let tt = book.horizon().periods() as usize;
    let ng = book.generations().len();
    let mut errs = Vec::new();
    let (_, capc) = reserved_use(book, now, plan);
    // Per generation: tail minimum of inventory (units unused from t to the end), and whether a
    // deployment at t' can be withdrawn without hurting capacity commitments.
    let mut tail_inv = vec![vec![0i64; tt]; ng];
    let mut removable = vec![vec![false; tt]; ng];
    for g in 0..ng {
        let gf = &plan.generations[g];
        let mut inv = vec![0i64; tt];
        let mut c = 0i64;
        for t in 0..tt {
            c += gf.supply[t] as i64 - gf.sold[t] as i64 - gf.deployed[t] as i64;
            inv[t] = c;
        }
        let mut m = i64::MAX;
        for t in (0..tt).rev() {
            m = m.min(inv[t]);
            tail_inv[g][t] = m;
        }
        let mut m = i64::MAX;
        for t in (0..tt).rev() {
            m = m.min(gf.pool[t] as i64 - capc[g][t] as i64);
            removable[g][t] = gf.deployed[t] > 0 && m > 0;
        }
    }
    // Shipments to orders: (generation, period, is_confirmed_part) per order.
    let mut order_ship: Vec<(usize, u32, bool)> = Vec::new();
    for (o, op) in book.orders().iter().zip(&plan.orders) {
        let mut s: Vec<_> = op
            .shipments
            .iter()
            .map(|s| (s.period.0, s.generation.0 as usize, s.units))
            .collect();
        s.sort();
        let mut conf = confirmed_part(o).map(|c| c.0).unwrap_or(0);
        for (t, g, u) in s {
            let c = u.min(conf);
            conf -= c;
            if c > 0 {
                order_ship.push((g, t, true));
            }
            if u > c {
                order_ship.push((g, t, false));
            }
        }
    }
    // A unit of g usable at some period in [lo, hi] for a purpose of tier `tier` (0 or 1):
    // returns the period it could be used, the earliest possible.
    let free_unit = |g: usize, lo: u32, hi: u32, tier: usize| -> Option<(u32, &'static str)> {
        if lo > hi {
            return None;
        }
        let mut best: Option<(u32, &'static str)> = None;
        let mut consider = |t: u32, why: &'static str| {
            let t = t.max(lo);
            if t <= hi && best.is_none_or(|b| t < b.0) {
                best = Some((t, why));
            }
        };
        for t in 0..=hi as usize {
            if tail_inv[g][t] > 0 {
                consider(t as u32, "inventory unused to the end");
                break;
            }
        }
        for t in 0..=hi as usize {
            if removable[g][t] {
                consider(t as u32, "a deployment not needed by capacity commitments");
                break;
            }
        }
        for &(h, t, confirmed) in &order_ship {
            if h == g && (tier == 0 || !confirmed) {
                consider(t, "a shipment to a lower tier");
            }
        }
        best
    };
    // Tier 1: a short delivery commitment cannot have a free unit in reach.
    for cp in &plan.commitments {
        let c = &book.contracts()[cp.contract];
        let cm = &c.commitments[cp.index];
        if cp.met_units >= owed(cm) || c.shortfall_penalty_usd_per_unit == 0 {
            continue;
        }
        let g = cm.generation.0 as usize;
        match cm.kind {
            CommitmentKind::Delivery { earliest, due, .. } => {
                let lo = first_delivery(book, now, cm.generation, earliest);
                if let Some((t, why)) = free_unit(g, lo, due.0, 0) {
                    errs.push(format!("tier 1 traded: commitment {}/{} is short {} units but {why} of generation {g} could serve it in period {t}",
                        c.key, cp.index, owed(cm) - cp.met_units));
                }
            }
            CommitmentKind::Capacity { start, end, .. } => {
                let a = start.0.max(now.0) as usize;
                let b = end.0 as usize;
                if a >= b {
                    continue;
                }
                let gf = &plan.generations[g];
                let pool_room = (a..b)
                    .map(|t| gf.pool[t] as i64 - capc[g][t] as i64)
                    .min()
                    .unwrap();
                let fs = book.generation(cm.generation).first_ship.0.max(now.0);
                let unit = free_unit(g, fs, a as u32, 0);
                if pool_room > 0 || unit.is_some() {
                    errs.push(format!("tier 1 traded: capacity commitment {}/{} short {} units; pool room {pool_room}, free unit {unit:?}",
                        c.key, cp.index, owed(cm) - cp.met_units));
                }
            }
        }
    }
    // Tier 2: a confirmed promise late or missing cannot have a free unit that makes it less late.
    for (o, op) in book.orders().iter().zip(&plan.orders) {
        let Some((cu, p)) = confirmed_part(o) else {
            continue;
        };
        let mut s: Vec<_> = op.shipments.iter().map(|s| (s.period.0, s.units)).collect();
        s.sort();
        let delivered: u64 = s.iter().map(|x| x.1).sum::<u64>().min(cu);
        let worst = if delivered < cu {
            tt as i64 - p as i64
        } else {
            let mut need = cu;
            let mut last = 0;
            for (t, u) in s {
                if need == 0 {
                    break;
                }
                need -= u.min(need);
                last = t;
            }
            (last as i64 - p as i64).max(0)
        };
        if worst == 0 {
            continue;
        }
        for (h, _) in accepted(book, o) {
            let lo = first_delivery(book, now, h, o.earliest);
            if let Some((t, why)) = free_unit(h.0 as usize, lo, o.latest.0, 1) {
                if (t as i64 - p as i64).max(0) < worst {
                    errs.push(format!("tier 2 traded: order {} has a confirmed unit {worst} periods late but {why} of generation {} could be delivered in period {t}",
                        o.key, h.0));
                }
            }
        }
    }
    // Tier 3: leftover units that could be deployed for a residual value; unused inventory an open
    // order would pay for.
    for g in 0..ng {
        let gen = &book.generations()[g];
        let leftover = tail_inv[g][tt - 1];
        if leftover > 0
            && gen.residual_usd_per_unit > 0
            && (gen.first_ship.0.max(now.0) as usize) < tt
        {
            errs.push(format!(
                "tier 3: {leftover} units of {} left over though deploying earns {}",
                gen.key, gen.residual_usd_per_unit
            ));
        }
    }
    for (o, op) in book.orders().iter().zip(&plan.orders) {
        if !o.status.is_open() || op.served_units >= o.units {
            continue;
        }
        for (h, bp) in accepted(book, o) {
            let g = h.0 as usize;
            let gen = book.generation(h);
            for t in first_delivery(book, now, h, o.earliest)..=o.latest.0 {
                let v = unit_value(o.price_usd_per_unit, bp)
                    - o.lateness_penalty_usd_per_unit_period * (t - o.earliest.0) as i64;
                let gain = v + gen.holding_usd_per_unit_period * (tt as i64 - 1 - t as i64);
                if tail_inv[g][t as usize] > 0 && gain > 0 {
                    errs.push(format!("tier 3: order {} waits for {} units but an unused unit of {} in period {t} would earn {gain}",
                        o.key, o.units - op.served_units, gen.key));
                }
            }
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

fn check_case(case: &Case) -> Result<Plan, String> {
    let plan = plan(&case.book, case.now)?;
    verify_plan(&case.book, case.now, &plan)?;
    if let Some(t1) = tier1_exact(&case.book, case.now) {
        if plan.objectives.commitment_shortfall_usd != t1 {
            return Err(format!(
                "tier 1: planner {} but the exact optimum is {t1}",
                plan.objectives.commitment_shortfall_usd
            ));
        }
    }
    local_checks(&case.book, case.now, &plan)?;
    Ok(plan)
}

#[test]
fn random_small_books_satisfy_every_property() {
    let n = seeds(2_000, 20_000);
    let (mut with_t1, mut short, mut late, mut now_later, mut orders) = (0, 0, 0, 0, 0);
    for_seeds("small books", 0..n, |seed| {
        let case = small_case(seed);
        if tier1_exact(&case.book, case.now).is_some() {
            with_t1 += 1;
        }
        now_later += (case.now.0 > 0) as u64;
        orders += case.book.orders().len();
        let plan = check_case(&case).map_err(|e| format!("{e}\n[{}]", case.what))?;
        short += (plan.objectives.commitment_shortfall_usd > 0) as u64;
        late += (plan.objectives.promise_lateness_unit_periods > 0) as u64;
        Ok(())
    });
    eprintln!("{n} books, {orders} orders: exact tier 1 on {with_t1}, commitments short in {short}, promises late in {late}, now > 0 in {now_later}");
    // The generator must exercise every tier.
    assert!(
        with_t1 > n / 2 && short > n / 20 && late > n / 10 && now_later > n / 5,
        "coverage: exact tier 1 {with_t1}, short {short}, late {late}, now>0 {now_later} of {n}"
    );
}

#[test]
fn random_small_books_match_the_lp_reference() {
    // The LP on the smaller of the property books (the tiny-book test covers commitments of both kinds).
    let n = seeds(60, 600);
    let mut ran = 0;
    for_seeds("small books vs LP", 0..n * 4, |seed| {
        let case = small_case(seed);
        if case.book.orders().len() > 25 || case.book.horizon().periods() > 8 || ran >= n {
            return Ok(());
        }
        ran += 1;
        let plan = plan(&case.book, case.now)?;
        let lp = crate::lp::reference(&case.book, case.now)?;
        crate::lp::compare(&plan, lp).map_err(|e| format!("{e}\n[{}]", case.what))
    });
    assert!(ran >= n / 2, "only {ran} books small enough");
}

/// The checkers must be able to fail: corrupt a correct plan and expect them to object.
#[test]
fn the_checkers_catch_corrupted_plans() {
    let spec = BookSpec {
        contracts: vec![ContractSpec {
            key: "k".into(),
            customer: "c".into(),
            shortfall_penalty_usd_per_unit: 1_000,
            commitments: vec![CommitmentSpec {
                generation: "g".into(),
                units: 2,
                kind: CommitmentKind::Delivery {
                    earliest: Period(0),
                    due: Period(0),
                    price_usd_per_unit: 10,
                },
            }],
            note: String::new(),
        }],
        orders: vec![OrderSpec {
            key: "o".into(),
            customer: "c".into(),
            sku: "s".into(),
            quantity: 2,
            earliest: Period(0),
            latest: Period(1),
            price_usd_per_unit: 100,
            lateness_penalty_usd_per_unit_period: 0,
            substitutes: vec![],
        }],
        ..one_generation_spec("corrupt", Period(0), vec![2, 0])
    };
    let book = Book::new(spec).unwrap();
    let now = Period(0);
    let good = planner::plan(&book, now).unwrap();
    verify_plan(&book, now, &good).unwrap();
    local_checks(&book, now, &good).unwrap();
    assert_eq!(tier1_exact(&book, now), Some(0));
    assert_eq!(good.commitments[0].met_units, 2);
    // Objective off by one dollar.
    let mut p = good.clone();
    p.objectives.value_usd += 1;
    assert!(verify_plan(&book, now, &p).is_err());
    // One unit more shipped than supply holds.
    let mut p = good.clone();
    p.commitments[0].shipments[0].units += 1;
    p.commitments[0].met_units += 1;
    assert!(verify_plan(&book, now, &p).is_err());
    // Tier 1 traded for tier 3: the commitment's units go to the order instead (a consistent plan).
    let mut p = good.clone();
    let s = p.commitments[0].shipments.remove(0);
    p.commitments[0].met_units = 0;
    p.orders[0].shipments = vec![s];
    p.orders[0].served_units = 2;
    p.orders[0].promise = Some(Promise {
        units: 2,
        by: Period(0),
    });
    p.orders[0].waitlist = None;
    let e = local_checks(&book, now, &p).unwrap_err();
    assert!(e.contains("tier 1 traded"), "{e}");
}
