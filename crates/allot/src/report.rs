//! What the CLI prints: readable summaries and their JSON twins. Only this edge knows JSON.

use book::{Book, CommitmentKind, GenIdx, OrderIdx, Period};
use planner::{network::accepted_generations, Plan, PromiseMove};
use serde_json::{json, Value};
use std::fmt::Write;

fn month(book: &Book, p: Period) -> String {
    book.horizon().month_of(p).to_string()
}

/// Dollars, compact: $1.23B, $45.6M, $789k.
pub use book::usd;

/// Runs of equal values over periods, e.g. "2027-01..2027-06 HBM".
fn runs(book: &Book, labels: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0usize;
    for t in 1..=labels.len() {
        if t == labels.len() || labels[t] != labels[start] {
            if !labels[start].is_empty() {
                let a = month(book, Period(start as u32));
                let b = month(book, Period(t as u32 - 1));
                out.push(if start == t - 1 {
                    format!("{a} {}", labels[start])
                } else {
                    format!("{a}..{b} {}", labels[start])
                });
            }
            start = t;
        }
    }
    out
}

/// The binding input of generation `g` per period, as labels ("" before now or if unknown).
fn binding_labels(book: &Book, g: GenIdx, now: Period) -> Vec<String> {
    (0..book.horizon().periods())
        .map(|t| {
            if t < now.0 {
                return String::new();
            }
            if let Some(label) = book.supply_adjustment_label(g, Period(t)) {
                return label.to_string();
            }
            match book.supply_binding(g, Period(t)) {
                Some(b) if b.is_constraint() => b.label().to_string(),
                Some(supply::Binding::NotShipping) => "not shipping".into(),
                _ => String::new(),
            }
        })
        .collect()
}

fn commitment_value_usd(book: &Book, ci: usize, k: usize) -> i64 {
    let cm = &book.contracts()[ci].commitments[k];
    match cm.kind {
        CommitmentKind::Delivery {
            price_usd_per_unit, ..
        } => price_usd_per_unit * cm.units as i64,
        CommitmentKind::Capacity {
            start,
            end,
            price_usd_per_unit_period,
        } => price_usd_per_unit_period * (end.0 - start.0) as i64 * cm.units as i64,
    }
}

/// The planner's first-minute summary.
pub fn summary(
    book: &Book,
    plan: &Plan,
    solve_ms: f64,
    moves: &[PromiseMove],
    waitlist_head: usize,
) -> String {
    let mut s = String::new();
    let h = book.horizon();
    let _ = writeln!(
        s,
        "allot plan of {:?}: {} periods from {} (now {}), {} open orders, {} contracts, {} reservations",
        book.name(),
        h.periods(),
        h.start(),
        month(book, plan.now),
        book.orders().iter().filter(|o| o.status.is_open()).count(),
        book.contracts().len(),
        book.reservations().iter().filter(|r| !r.cancelled).count()
    );
    let _ = writeln!(
        s,
        "solved exactly in {:.1} ms ({} nodes, {} arcs, {} pivots); certificate checked independently: OK",
        solve_ms, plan.stats.nodes, plan.stats.arcs, plan.stats.pivots
    );
    let o = &plan.objectives;
    let _ = writeln!(
        s,
        "tiers: 1 commitments shortfall {} | 2 promise lateness {} unit-periods | 3 value {}",
        usd(o.commitment_shortfall_usd),
        o.promise_lateness_unit_periods,
        usd(o.value_usd)
    );

    let _ = writeln!(
        s,
        "\nSUPPLY AGAINST DEMAND (planning units from now; buyers = orders + delivery commitments;\n  cloud peak = the cloud's own demand plus reservations in their busiest period)"
    );
    let _ = writeln!(
        s,
        "  {:<6} {:<32} {:>8} {:>10} {:>8} {:>8} {:>8} {:>10}  binds",
        "gen", "unit", "first", "supply", "sold", "cloud", "buyers", "cloud peak"
    );
    for (gi, g) in book.generations().iter().enumerate() {
        let gf = &plan.generations[gi];
        let from = plan.now.0 as usize;
        let supply: u64 = gf.supply[from..].iter().sum();
        let sold: u64 = gf.sold[from..].iter().sum();
        let cloud: u64 = gf.deployed[from..].iter().sum();
        let demand = book.buyer_demand_units(plan.now, GenIdx(gi as u16));
        let peak = cloud_peak_units(book, plan.now, GenIdx(gi as u16));
        let labels = binding_labels(book, GenIdx(gi as u16), plan.now);
        let mut counts: Vec<(String, usize)> = Vec::new();
        for l in labels
            .iter()
            .filter(|l| !l.is_empty() && *l != "not shipping")
        {
            match counts.iter_mut().find(|(k, _)| k == l) {
                Some(c) => c.1 += 1,
                None => counts.push((l.clone(), 1)),
            }
        }
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        let binds = counts
            .iter()
            .map(|(k, n)| format!("{k} {n}p"))
            .collect::<Vec<_>>()
            .join(", ");
        let unit: String = g.unit_name.chars().take(32).collect();
        let _ = writeln!(
            s,
            "  {:<6} {:<32} {:>8} {:>10} {:>8} {:>8} {:>8} {:>10}  {}",
            g.key,
            unit,
            month(book, g.first_ship),
            supply,
            sold,
            cloud,
            demand,
            peak,
            if binds.is_empty() { "-".into() } else { binds }
        );
    }
    let _ = writeln!(s, "\nWHAT BINDS (foundry supply plan, from now)");
    for (gi, g) in book.generations().iter().enumerate() {
        let r = runs(book, &binding_labels(book, GenIdx(gi as u16), plan.now));
        if !r.is_empty() {
            let _ = writeln!(s, "  {:<6} {}", g.key, r.join("; "));
        }
    }

    let _ = writeln!(s, "\nCOMMITMENTS (tier 1)");
    for (ci, c) in book.contracts().iter().enumerate() {
        let cps: Vec<_> = plan
            .commitments
            .iter()
            .filter(|p| p.contract == ci)
            .collect();
        let owed: u64 = cps.iter().map(|p| p.units).sum();
        let met: u64 = cps.iter().map(|p| p.met_units).sum();
        let delivered: u64 = cps.iter().map(|p| p.delivered_units).sum();
        let value: i64 = cps
            .iter()
            .map(|p| commitment_value_usd(book, ci, p.index))
            .sum();
        let short: Vec<String> = cps
            .iter()
            .filter(|p| p.met_units < p.units)
            .map(|p| {
                let cm = &c.commitments[p.index];
                format!(
                    "{} {} short by {}",
                    book.generation(cm.generation).key,
                    p.index + 1,
                    p.units - p.met_units
                )
            })
            .collect();
        let _ =
            writeln!(
            s,
            "  {:<14} {:<8} {} commitments, {} units owed in horizon, {} met ({:.1}%){}, value {}{}",
            c.key,
            book.customer_at(c.customer).key,
            cps.len(),
            owed,
            met,
            if owed == 0 { 100.0 } else { met as f64 * 100.0 / owed as f64 },
            if delivered == 0 { String::new() } else { format!(", {delivered} delivered before") },
            usd(value),
            if short.is_empty() { String::new() } else { format!("; {}", short.join(", ")) }
        );
    }

    let _ = writeln!(s, "\nCLOUD AND SALE SPLIT");
    let (sold, mut cloud) = (plan.sold_units(), 0u64);
    for gf in &plan.generations {
        cloud += gf.deployed[plan.now.0 as usize..].iter().sum::<u64>();
    }
    let total = (sold + cloud).max(1);
    let _ = writeln!(
        s,
        "  sold {} units ({:.0}%), kept in the cloud {} units ({:.0}%)",
        sold,
        sold as f64 * 100.0 / total as f64,
        cloud,
        cloud as f64 * 100.0 / total as f64
    );
    let _ = writeln!(
        s,
        "  value {} = sales {} + cloud internal {} + reserved capacity {} + residual {} - lateness {} - holding {}",
        usd(o.value_usd),
        usd(o.sale_revenue_usd),
        usd(o.cloud_internal_usd),
        usd(o.cloud_reserved_usd),
        usd(o.residual_usd),
        usd(o.lateness_penalty_usd),
        usd(o.holding_usd)
    );
    let accepted: u64 = plan.reservations_accepted.iter().sum();
    let asked: u64 = book
        .reservations()
        .iter()
        .filter(|r| !r.cancelled)
        .map(|r| r.units)
        .sum();
    let _ = writeln!(s, "  reservations: {accepted} of {asked} units accepted");

    let served = plan.orders.iter().filter(|p| p.promise.is_some()).count();
    let _ = writeln!(
        s,
        "\nWAITLIST ({} orders waiting; {} orders promised)",
        plan.waitlist.len(),
        served
    );
    for &o in plan.waitlist.iter().take(waitlist_head) {
        let _ = writeln!(s, "  {}", waitlist_line(book, plan, o));
    }
    if plan.waitlist.len() > waitlist_head {
        let _ = writeln!(
            s,
            "  ... `allot waitlist` lists all {}",
            plan.waitlist.len()
        );
    }
    if !moves.is_empty() {
        let _ = writeln!(s, "\nPROMISES MOVED SINCE THE LAST PLAN ({})", moves.len());
        for m in moves.iter().take(20) {
            let _ = writeln!(s, "  {}", move_line(book, m));
        }
        if moves.len() > 20 {
            let _ = writeln!(
                s,
                "  ... {} more (`allot plan --json` lists all)",
                moves.len() - 20
            );
        }
    }
    s
}

/// The cloud's load of `g` in its busiest period from now.
fn cloud_peak_units(book: &Book, now: Period, g: GenIdx) -> u64 {
    (now.0..book.horizon().periods())
        .map(|t| book.cloud_load_units(g, Period(t)))
        .max()
        .unwrap_or(0)
}

/// One waitlist line.
pub fn waitlist_line(book: &Book, plan: &Plan, o: OrderIdx) -> String {
    let order = book.order_at(o);
    let w = plan.orders[o.0 as usize]
        .waitlist
        .as_ref()
        .expect("waitlisted");
    let est = match w.earliest_period {
        Some(p) if p > order.latest => format!("est. {} (after its window)", month(book, p)),
        Some(p) => format!("est. {}", month(book, p)),
        None => "est. beyond the horizon".to_string(),
    };
    format!(
        "#{:<4} {:<10} {:<8} {:<18} {:>5} of {:<5} units  {}  - {}",
        w.position,
        order.key,
        book.customer_at(order.customer).key,
        book.sku(order.sku).key,
        w.remaining_units,
        order.units,
        est,
        w.reason.describe(book)
    )
}

/// One moved-promise line.
pub fn move_line(book: &Book, m: &PromiseMove) -> String {
    let p = |x: Option<book::Promise>| match x {
        Some(p) => format!("{} by {}", p.units, month(book, p.by)),
        None => "nothing".to_string(),
    };
    format!(
        "{:<10} {} -> {}{}: {}",
        book.order_at(m.order).key,
        p(m.before),
        p(m.after),
        if m.breaks_confirmed {
            " (breaks a confirmed promise)"
        } else {
            ""
        },
        m.reason.describe(book)
    )
}

fn promise_json(book: &Book, p: Option<book::Promise>) -> Value {
    match p {
        Some(p) => json!({"units": p.units, "by": month(book, p.by), "by_period": p.by.0}),
        None => Value::Null,
    }
}

/// The waitlist as JSON.
pub fn waitlist_json(book: &Book, plan: &Plan) -> Value {
    waitlist_head_json(book, plan, usize::MAX)
}

/// The first `limit` waitlist entries as JSON.
pub fn waitlist_head_json(book: &Book, plan: &Plan, limit: usize) -> Value {
    Value::Array(
        plan.waitlist
            .iter()
            .take(limit)
            .map(|&o| {
                let order = book.order_at(o);
                let w = plan.orders[o.0 as usize]
                    .waitlist
                    .as_ref()
                    .expect("waitlisted");
                json!({
                    "position": w.position,
                    "order": order.key,
                    "customer": book.customer_at(order.customer).key,
                    "sku": book.sku(order.sku).key,
                    "units": order.units,
                    "remaining_units": w.remaining_units,
                    "earliest_period": w.earliest_period.map(|p| month(book, p)),
                    "reason": w.reason.code(),
                    "reason_text": w.reason.describe(book),
                })
            })
            .collect(),
    )
}

/// The whole plan as JSON.
pub fn plan_json(
    book: &Book,
    plan: &Plan,
    timing: &crate::Timing,
    moves: &[PromiseMove],
    brief: bool,
) -> Value {
    let o = &plan.objectives;
    let gens: Vec<Value> = book
        .generations()
        .iter()
        .enumerate()
        .map(|(gi, g)| {
            let gf = &plan.generations[gi];
            json!({
                "generation": g.key,
                "supply": gf.supply, "sold": gf.sold, "deployed": gf.deployed, "pool": gf.pool,
                "internal": gf.internal, "reserved": gf.reserved, "carried": gf.carried,
                "marginal_value_usd": plan.marginal_value_usd[gi],
                "binding": binding_labels(book, GenIdx(gi as u16), Period(0)),
            })
        })
        .collect();
    let orders: Vec<Value> = if brief {
        Vec::new()
    } else {
        book
        .orders()
        .iter()
        .enumerate()
        .filter(|(_, o)| o.status.is_open())
        .map(|(i, order)| {
            let p = &plan.orders[i];
            json!({
                "order": order.key,
                "customer": book.customer_at(order.customer).key,
                "status": order.status.as_str(),
                "units": order.units,
                "served_units": p.served_units,
                "promise": promise_json(book, p.promise),
                "shipments": p.shipments.iter().map(|s| json!({
                    "generation": book.generation(s.generation).key, "period": month(book, s.period), "units": s.units
                })).collect::<Vec<_>>(),
                "waitlist_position": p.waitlist.as_ref().map(|w| w.position),
                "accepts": accepted_generations(book, OrderIdx(i as u32)).iter().map(|(g, _)| book.generation(*g).key.clone()).collect::<Vec<_>>(),
            })
        })
        .collect()
    };
    let commitments: Vec<Value> = plan
        .commitments
        .iter()
        .map(|c| {
            let contract = &book.contracts()[c.contract];
            json!({
                "contract": contract.key, "customer": book.customer_at(contract.customer).key,
                "index": c.index + 1, "units": c.units, "delivered_units": c.delivered_units, "met_units": c.met_units,
                "generation": book.generation(contract.commitments[c.index].generation).key,
            })
        })
        .collect();
    let reservations: Vec<Value> = book
        .reservations()
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.cancelled)
        .map(|(i, r)| json!({"reservation": r.key, "customer": book.customer_at(r.customer).key, "units": r.units, "accepted_units": plan.reservations_accepted[i]}))
        .collect();
    json!({
        "book": book.name(),
        "now": month(book, plan.now),
        "solve_ms": timing.total_ms,
        "stages_ms": {"build": timing.stages_ms[0], "solve": timing.stages_ms[1], "certify": timing.stages_ms[2], "explain": timing.stages_ms[3]},
        "stats": {"nodes": plan.stats.nodes, "arcs": plan.stats.arcs, "pivots": plan.stats.pivots},
        "certificate": "checked",
        "objectives": {
            "tier1_commitment_shortfall_usd": o.commitment_shortfall_usd,
            "tier2_promise_lateness_unit_periods": o.promise_lateness_unit_periods,
            "tier3_value_usd": o.value_usd,
            "sale_revenue_usd": o.sale_revenue_usd,
            "cloud_internal_usd": o.cloud_internal_usd,
            "cloud_reserved_usd": o.cloud_reserved_usd,
            "residual_usd": o.residual_usd,
            "lateness_penalty_usd": o.lateness_penalty_usd,
            "holding_usd": o.holding_usd,
        },
        "generations": gens,
        "orders": orders,
        "commitments": commitments,
        "reservations": reservations,
        "orders_open": book.orders().iter().filter(|o| o.status.is_open()).count(),
        "waitlist_len": plan.waitlist.len(),
        "moves_len": moves.len(),
        "brief": brief,
        "waitlist": if brief { waitlist_head_json(book, plan, 100) } else { waitlist_json(book, plan) },
        "moves": moves.iter().take(if brief { 100 } else { usize::MAX }).map(|m| json!({
            "order": book.order_at(m.order).key,
            "before": promise_json(book, m.before),
            "after": promise_json(book, m.after),
            "breaks_confirmed": m.breaks_confirmed,
            "reason": m.reason.describe(book),
        })).collect::<Vec<_>>(),
    })
}
