//! An independent reference: the allocation model of MODEL.md written as a linear program straight
//! from the book and solved lexicographically with `microlp` (tier 1 min, then tier 2 min with
//! tier 1 fixed, then value max with both fixed). The constraint matrix is a network matrix, so the
//! LP optimum is the integer optimum.

use crate::common::{accepted, confirmed_part, first_delivery, owed, recorded, unit_value};
use book::*;
use microlp::{ComparisonOp, OptimizationDirection, Problem};

struct Lp {
    /// Variable bounds.
    bounds: Vec<(f64, f64)>,
    /// Per variable: tier-1 cost (min), tier-2 cost (min), tier-3 value (max).
    obj: Vec<[f64; 3]>,
    /// Constant parts of tier 1 and tier 2 (and tier 3).
    constant: [f64; 3],
    rows: Vec<Row>,
}

/// A constraint: `sum(coefficient * variable) op right-hand side`.
type Row = (Vec<(usize, f64)>, ComparisonOp, f64);

impl Lp {
    fn var(&mut self, lo: f64, hi: f64, obj: [f64; 3]) -> usize {
        self.bounds.push((lo, hi));
        self.obj.push(obj);
        self.bounds.len() - 1
    }

    fn solve(&self, tier: usize, fixed: &[(usize, f64)]) -> Result<f64, String> {
        let dir = if tier == 2 {
            OptimizationDirection::Maximize
        } else {
            OptimizationDirection::Minimize
        };
        let mut p = Problem::new(dir);
        let vars: Vec<_> = self
            .bounds
            .iter()
            .zip(&self.obj)
            .map(|(&(lo, hi), o)| p.add_var(o[tier], (lo, hi)))
            .collect();
        for (terms, op, rhs) in &self.rows {
            if terms.is_empty() {
                continue;
            }
            p.add_constraint(
                terms.iter().map(|&(v, c)| (vars[v], c)).collect::<Vec<_>>(),
                *op,
                *rhs,
            );
        }
        for &(k, best) in fixed {
            let terms: Vec<_> = (0..vars.len())
                .filter(|&v| self.obj[v][k] != 0.0)
                .map(|v| (vars[v], self.obj[v][k]))
                .collect();
            if terms.is_empty() {
                continue;
            }
            // The data are integers and the LP is integral: the optimum of a tier is an integer.
            // Fixing it at the rounded value (not value + tolerance) keeps the next tier from
            // buying a fraction of a unit with the slack.
            p.add_constraint(terms, ComparisonOp::Le, best.round());
        }
        let sol = p
            .solve()
            .map_err(|e| format!("microlp tier {}: {e}", tier + 1))?
            .into_solution()
            .map_err(|_| "microlp interrupted".to_string())?;
        Ok(sol.objective())
    }
}

/// The lexicographic optimum [tier 1 shortfall, tier 2 lateness, tier 3 value] of `book` at `now`.
pub fn reference(book: &Book, now: Period) -> Result<[f64; 3], String> {
    let tt = book.horizon().periods() as usize;
    let ng = book.generations().len();
    let now_u = now.0 as usize;
    let mut lp = Lp {
        bounds: vec![],
        obj: vec![],
        constant: [0.0; 3],
        rows: vec![],
    };
    // Units of g leaving the warehouse in period t (sales), as variable lists.
    let mut out: Vec<Vec<Vec<(usize, f64)>>> = vec![vec![vec![]; tt]; ng];
    // Pool use in period t (internal + reservations + capacity), as variable lists.
    let mut pool_use: Vec<Vec<Vec<(usize, f64)>>> = vec![vec![vec![]; tt]; ng];
    let big = f64::INFINITY;

    // Merchant orders: a confirmed part (tier 2) and an open part.
    for o in book.orders().iter().filter(|o| o.status.is_open()) {
        let conf = confirmed_part(o);
        let cu = conf.map(|c| c.0).unwrap_or(0);
        let parts = [(cu, conf.map(|c| c.1)), (o.units - cu, None)];
        for (units, promised) in parts {
            if units == 0 {
                continue;
            }
            if let Some(p) = promised {
                lp.constant[1] += units as f64 * (tt as f64 - p as f64);
            }
            let mut line = Vec::new();
            for (h, bp) in accepted(book, o) {
                let lo = first_delivery(book, now, h, o.earliest);
                for t in lo..=o.latest.0 {
                    let v3 = unit_value(o.price_usd_per_unit, bp)
                        - o.lateness_penalty_usd_per_unit_period * (t as i64 - o.earliest.0 as i64);
                    let c2 = match promised {
                        // Delivered at t instead of never: lateness (t-p)+ instead of T-p.
                        Some(p) => (t as f64 - p as f64).max(0.0) - (tt as f64 - p as f64),
                        None => 0.0,
                    };
                    let x = lp.var(0.0, big, [0.0, c2, v3 as f64]);
                    line.push((x, 1.0));
                    out[h.0 as usize][t as usize].push((x, 1.0));
                }
            }
            lp.rows.push((line, ComparisonOp::Le, units as f64));
        }
    }
    // Contracts.
    for c in book.contracts() {
        let pen = c.shortfall_penalty_usd_per_unit as f64;
        for cm in &c.commitments {
            lp.constant[0] += pen * owed(cm) as f64;
            let g = cm.generation.0 as usize;
            match cm.kind {
                CommitmentKind::Delivery {
                    earliest,
                    due,
                    price_usd_per_unit,
                } => {
                    let lo = first_delivery(book, now, cm.generation, earliest);
                    let mut line = Vec::new();
                    for t in lo..=due.0 {
                        let y = lp.var(0.0, big, [-pen, 0.0, price_usd_per_unit as f64]);
                        line.push((y, 1.0));
                        out[g][t as usize].push((y, 1.0));
                    }
                    lp.rows.push((line, ComparisonOp::Le, owed(cm) as f64));
                }
                CommitmentKind::Capacity {
                    start,
                    end,
                    price_usd_per_unit_period,
                } => {
                    let a = (start.0 as usize).max(now_u);
                    let b = end.0 as usize;
                    if a >= b {
                        continue;
                    }
                    let q = lp.var(
                        0.0,
                        cm.units as f64,
                        [
                            -pen,
                            0.0,
                            (price_usd_per_unit_period * (b - a) as i64) as f64,
                        ],
                    );
                    for t in a..b {
                        pool_use[g][t].push((q, 1.0));
                    }
                }
            }
        }
    }
    // Reservations.
    for r in book.reservations().iter().filter(|r| !r.cancelled) {
        let a = (r.start.0 as usize).max(now_u);
        let b = r.end.0 as usize;
        if a >= b {
            continue;
        }
        let q = lp.var(
            0.0,
            r.units as f64,
            [
                0.0,
                0.0,
                (r.price_usd_per_unit_period * (b - a) as i64) as f64,
            ],
        );
        for t in a..b {
            pool_use[r.generation.0 as usize][t].push((q, 1.0));
        }
    }
    // Supply, inventory, deployments, internal cloud use, pool.
    let supply = book.supply_matrix();
    let used = recorded(book);
    for g in 0..ng {
        let gen = &book.generations()[g];
        let first = (gen.first_ship.0 as usize).max(now_u);
        let mut prev_inv: Option<usize> = None;
        let mut deployed_so_far: Vec<(usize, f64)> = Vec::new();
        for t in 0..tt {
            let hold = if t + 1 < tt {
                -(gen.holding_usd_per_unit_period as f64)
            } else {
                0.0
            };
            let inv = lp.var(0.0, big, [0.0, 0.0, hold]);
            let mut bal = vec![(inv, 1.0)];
            if let Some(p) = prev_inv {
                bal.push((p, -1.0));
            }
            bal.extend(out[g][t].iter().copied());
            if t >= first {
                // A deployed unit stays in the pool to the end and keeps its residual value.
                let d = lp.var(0.0, big, [0.0, 0.0, gen.residual_usd_per_unit as f64]);
                bal.push((d, 1.0));
                deployed_so_far.push((d, -1.0));
            }
            lp.rows.push((
                bal,
                ComparisonOp::Eq,
                supply[g][t] as f64 - used[g][t] as f64,
            ));
            prev_inv = Some(inv);
            if t >= now_u && gen.cloud_demand_units[t] > 0 {
                let i = lp.var(
                    0.0,
                    gen.cloud_demand_units[t] as f64,
                    [0.0, 0.0, gen.cloud_value_usd_per_unit_period as f64],
                );
                pool_use[g][t].push((i, 1.0));
            }
            if !pool_use[g][t].is_empty() {
                let mut row = pool_use[g][t].clone();
                row.extend(deployed_so_far.iter().copied());
                lp.rows.push((row, ComparisonOp::Le, 0.0));
            }
        }
    }
    let t1 = lp.solve(0, &[])?;
    let t2 = lp.solve(1, &[(0, t1)])?;
    // Tier 2 is fixed as a linear part; its constant is added back below.
    let t3 = lp.solve(2, &[(0, t1), (1, t2)])?;
    Ok([t1 + lp.constant[0], t2 + lp.constant[1], t3])
}

/// Compares a plan's objectives with the LP's.
pub fn compare(plan: &planner::Plan, lp: [f64; 3]) -> Result<(), String> {
    let o = &plan.objectives;
    let got = [
        o.commitment_shortfall_usd as f64,
        o.promise_lateness_unit_periods as f64,
        o.value_usd as f64,
    ];
    let names = ["tier 1 (shortfall)", "tier 2 (lateness)", "tier 3 (value)"];
    let mut errs = Vec::new();
    for k in 0..3 {
        if (got[k] - lp[k]).abs() > 1e-6 * lp[k].abs().max(1.0) {
            errs.push(format!(
                "{}: planner {} but LP optimum {}",
                names[k], got[k], lp[k]
            ));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}
