//! Explanations: the waitlist, the reason for every unit not served, and what a re-plan moved.

use crate::atp::Atp;
use crate::network::{self, Network, NO_LINE};
use crate::{Certificate, Plan, WaitlistEntry};
use book::{Book, GenIdx, OrderIdx, OrderStatus, Period, Promise};

/// Why units of an order are not served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The order's window ended before now.
    WindowPassed {
        /// The window's last period.
        latest: Period,
    },
    /// None of the order's generations ships inside its window.
    NotShipping {
        /// First ship period of the earliest-shipping accepted generation.
        first_ship: Period,
    },
    /// Every reachable unit is needed for tier-1 contract commitments.
    Commitments {
        /// Generation and period of the order's best opportunity.
        generation: GenIdx,
        /// Period.
        period: Period,
    },
    /// Every reachable unit is needed for confirmed promises (tier 2).
    ConfirmedPromises {
        /// Generation.
        generation: GenIdx,
        /// Period.
        period: Period,
    },
    /// The vendor's cloud earns more from the reachable units than the order offers.
    CloudWorthMore {
        /// Generation.
        generation: GenIdx,
        /// Period of the order's best opportunity.
        period: Period,
        /// Marginal value of a unit there (the dual price), USD.
        marginal_usd: i64,
        /// What the order offers for a unit there, USD.
        offered_usd: i64,
    },
    /// Other orders offer more for the reachable units.
    OutbidByOrders {
        /// Generation.
        generation: GenIdx,
        /// Period.
        period: Period,
        /// Marginal value of a unit there, USD.
        marginal_usd: i64,
        /// What the order offers, USD.
        offered_usd: i64,
    },
}

impl Reason {
    /// A sentence for people.
    pub fn describe(&self, book: &Book) -> String {
        let month = |p: &Period| book.horizon().month_of(*p).to_string();
        let gen = |g: &GenIdx| book.generation(*g).key.clone();
        match self {
            Reason::WindowPassed { latest } => format!("its window ended in {}", month(latest)),
            Reason::NotShipping { first_ship } => {
                format!(
                    "none of its generations ships inside its window (first ship {})",
                    month(first_ship)
                )
            }
            Reason::Commitments { generation, period } => format!(
                "{} supply from {} on is short of multi-year contract commitments (tier 1)",
                gen(generation),
                month(period)
            ),
            Reason::ConfirmedPromises { generation, period } => format!(
                "{} supply from {} on is held for confirmed promises (tier 2)",
                gen(generation),
                month(period)
            ),
            Reason::CloudWorthMore {
                generation,
                period,
                marginal_usd,
                offered_usd,
            } => format!(
                "kept in the cloud: a {} unit in {} is worth ${} there, the order offers ${}",
                gen(generation),
                month(period),
                thousands(*marginal_usd),
                thousands(*offered_usd)
            ),
            Reason::OutbidByOrders {
                generation,
                period,
                marginal_usd,
                offered_usd,
            } if marginal_usd <= offered_usd => format!(
                "at the margin: other orders for a {} unit in {} pay as much (${}) and were served first",
                gen(generation),
                month(period),
                thousands(*marginal_usd)
            ),
            Reason::OutbidByOrders {
                generation,
                period,
                marginal_usd,
                offered_usd,
            } => format!(
                "outbid: a {} unit in {} goes to orders worth ${}, this one offers ${}",
                gen(generation),
                month(period),
                thousands(*marginal_usd),
                thousands(*offered_usd)
            ),
        }
    }

    /// A short code for machines.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::WindowPassed { .. } => "window_passed",
            Reason::NotShipping { .. } => "not_shipping",
            Reason::Commitments { .. } => "commitments",
            Reason::ConfirmedPromises { .. } => "confirmed_promises",
            Reason::CloudWorthMore { .. } => "cloud_worth_more",
            Reason::OutbidByOrders { .. } => "outbid",
        }
    }
}

/// Formats a dollar amount with thousands separators.
pub fn thousands(v: i64) -> String {
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The reason the remaining units of line `l` are not served, read from the duals.
fn line_reason(
    book: &Book,
    net: &Network,
    cert: &Certificate,
    plan: &Plan,
    order: &book::Order,
    l: u32,
) -> Reason {
    let pot = &cert.solution.potential;
    let (lo, hi) = (
        net.line_arc_start[l as usize] as usize,
        net.line_arc_start[l as usize + 1] as usize,
    );
    if lo == hi {
        if order.latest < plan.now {
            return Reason::WindowPassed {
                latest: order.latest,
            };
        }
        let first_ship = network::accepted(book, order)
            .map(|(g, _)| book.generation(g).first_ship)
            .min()
            .unwrap_or(order.latest);
        return Reason::NotShipping { first_ship };
    }
    // The delivery arc with the least reduced cost is the order's best opportunity.
    let line_node = net.line_node(l as usize) as usize;
    let mut best = net.line_arc_list[lo] as usize;
    let mut best_rc = [i128::MAX; 3];
    for &a in &net.line_arc_list[lo..hi] {
        let a = a as usize;
        let arc = cert.network.arc(a);
        let u = arc.from as usize;
        let rc: [i128; 3] = std::array::from_fn(|k| {
            arc.cost[k] as i128 + pot[u][k] as i128 - pot[line_node][k] as i128
        });
        if rc < best_rc {
            best_rc = rc;
            best = a;
        }
    }
    let network::ArcKind::Deliver { g, t, .. } = net.kind[best] else {
        unreachable!("line arcs are deliveries")
    };
    let period = Period(t as u32);
    let u = cert.network.from[best] as usize;
    let sink = net.sink() as usize;
    let margin: [i64; 3] = std::array::from_fn(|k| pot[u][k] - pot[sink][k]);
    if margin[0] > 0 {
        return Reason::Commitments {
            generation: g,
            period,
        };
    }
    if margin[1] > 0 {
        return Reason::ConfirmedPromises {
            generation: g,
            period,
        };
    }
    let offered_usd = -cert.network.cost[best][2];
    let marginal_usd = margin[2];
    let cloud_after: u64 = plan.generations[g.0 as usize].deployed[t as usize..]
        .iter()
        .sum();
    if cloud_after > 0 {
        Reason::CloudWorthMore {
            generation: g,
            period,
            marginal_usd,
            offered_usd,
        }
    } else {
        Reason::OutbidByOrders {
            generation: g,
            period,
            marginal_usd,
            offered_usd,
        }
    }
}

/// Waitlists at least this long have their entries' reasons found on two threads.
const PARALLEL_REASONS: usize = 1 << 14;

/// Fills the waitlist: every open order not served in full, confirmed ones first, then in the
/// order they were placed; with the earliest period its remaining units could come from
/// unpromised projected supply after everyone ahead of it, and the reason it waits.
/// Fills in the waitlist of `plan`, explained with the solution's certificate `cert`.
pub(crate) fn waitlist(
    book: &Book,
    orders: &[&book::Order],
    net: &Network,
    cert: &Certificate,
    plan: &mut Plan,
) {
    // (not confirmed, index): confirmed orders first, then in the order placed.
    let mut line: Vec<(bool, u32)> = orders
        .iter()
        .enumerate()
        .filter(|(i, o)| o.status.is_open() && plan.orders[*i].served_units < o.units)
        .map(|(i, o)| (o.status != OrderStatus::Confirmed, i as u32))
        .collect();
    line.sort_unstable();
    // Each entry's reason reads only the solution: on large books two halves are found at once.
    let reason_of = |&(_, o): &(bool, u32)| {
        let order = orders[o as usize];
        let lines = net.order_lines[o as usize];
        // The unserved units sit on the open part when it exists, else on the confirmed part.
        let l = if lines[1] != NO_LINE {
            lines[1]
        } else {
            lines[0]
        };
        line_reason(book, net, cert, plan, order, l)
    };
    let reasons_of = |r: std::ops::Range<usize>| line[r].iter().map(reason_of).collect::<Vec<_>>();
    let reasons: Vec<Reason> = if line.len() >= PARALLEL_REASONS {
        let (mut lo, hi) = flow::halves(line.len(), reasons_of);
        lo.extend(hi);
        lo
    } else {
        reasons_of(0..line.len())
    };
    let mut slack: Vec<Vec<i64>> = plan.generations.iter().map(Atp::slack).collect();
    // Suffix minima of each generation's slack from its first shipping period: availability
    // by period, non-decreasing. Recomputed only for the generations an entry takes from.
    let from: Vec<Period> = (0..slack.len())
        .map(|g| plan.now.max(book.generation(GenIdx(g as u16)).first_ship))
        .collect();
    let mut avail: Vec<Vec<u64>> = slack
        .iter()
        .zip(&from)
        .map(|(s, &f)| Atp::suffix_min(s, f))
        .collect();
    let periods = net.periods;
    let mut gens: Vec<usize> = Vec::new();
    for (pos, (&(_, o), reason)) in line.iter().zip(reasons).enumerate() {
        let o = OrderIdx(o);
        let order = orders[o.0 as usize];
        let remaining = order.units - plan.orders[o.0 as usize].served_units;
        gens.clear();
        gens.extend(network::accepted(book, order).map(|(g, _)| g.0 as usize));
        let start = (order.earliest.0.max(plan.now.0)) as usize;
        let total = |t: usize| gens.iter().map(|&g| avail[g][t]).sum::<u64>();
        // Availability only grows with t: the last period says whether any period will do.
        let earliest = (start < periods && total(periods - 1) >= remaining)
            .then(|| (start..periods).find(|&t| total(t) >= remaining))
            .flatten();
        if let Some(t) = earliest {
            let mut need = remaining;
            for &g in &gens {
                let take = avail[g][t].min(need);
                need -= take;
                if take > 0 {
                    for s in &mut slack[g][t..] {
                        *s -= take as i64;
                    }
                    avail[g] = Atp::suffix_min(&slack[g], from[g]);
                }
            }
        }
        plan.orders[o.0 as usize].waitlist = Some(WaitlistEntry {
            position: pos as u32 + 1,
            remaining_units: remaining,
            earliest_period: earliest.map(|t| Period(t as u32)),
            reason,
        });
    }
    plan.waitlist = line.into_iter().map(|(_, o)| OrderIdx(o)).collect();
}

/// Why a promise moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveReason {
    /// Supply of a generation the order accepts was cut in its reach since the last plan.
    SupplyCut {
        /// Generation.
        generation: GenIdx,
        /// Period of the cut.
        period: Period,
        /// Units removed.
        units: u64,
    },
    /// The order is now (partly) waitlisted for this reason.
    Waitlisted(Reason),
    /// The new promise is at least as good (more units or earlier).
    Improved,
    /// Units moved between periods or generations with no loss to the order.
    Rebalanced,
}

impl MoveReason {
    /// A sentence for people.
    pub fn describe(&self, book: &Book) -> String {
        match self {
            MoveReason::SupplyCut {
                generation,
                period,
                units,
            } => format!(
                "supply of {} in {} was cut by {} units",
                book.generation(*generation).key,
                book.horizon().month_of(*period),
                units
            ),
            MoveReason::Waitlisted(r) => r.describe(book),
            MoveReason::Improved => "improved: more units or earlier".to_string(),
            MoveReason::Rebalanced => "same units, rescheduled".to_string(),
        }
    }
}

/// One promise that changed between the book's last recorded plan and `plan`.
#[derive(Debug, Clone, PartialEq)]
pub struct PromiseMove {
    /// The order.
    pub order: OrderIdx,
    /// Its promise before (from the last recorded plan or its confirmation).
    pub before: Option<Promise>,
    /// Its promise now.
    pub after: Option<Promise>,
    /// Whether this breaks a confirmed promise (fewer units or later than confirmed).
    pub breaks_confirmed: bool,
    /// Why.
    pub reason: MoveReason,
}

/// The promises `plan` moves relative to the book's last recorded plan, and why each moved.
pub fn diff(book: &Book, plan: &Plan) -> Vec<PromiseMove> {
    let seen = book
        .last_plan()
        .map(|p| p.supply_adjustments_seen as usize)
        .unwrap_or(0);
    let cuts = &book.supply_adjustments()[seen.min(book.supply_adjustments().len())..];
    let mut moves = Vec::new();
    for (i, order) in book.orders().iter().enumerate() {
        if !order.status.is_open() {
            continue;
        }
        // What the last recorded plan promised (a confirmed order keeps the promise of the last
        // plan that served it; its confirmed promise is the fallback).
        let before = order.promise.or(order.confirmed);
        let after = plan.orders[i].promise;
        // A first promise is news, not a move.
        if before == after || before.is_none() {
            continue;
        }
        let worse = match (before, after) {
            (Some(b), Some(a)) => a.units < b.units || a.by > b.by,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let breaks_confirmed = match (order.confirmed, after) {
            (Some(c), Some(a)) => a.units < c.units || a.by > c.by,
            (Some(_), None) => true,
            _ => false,
        };
        let reason = if !worse {
            match (before, after) {
                (Some(b), Some(a)) if a.units == b.units && a.by <= b.by => MoveReason::Improved,
                (Some(b), Some(a)) if a.units > b.units => MoveReason::Improved,
                (None, Some(_)) => MoveReason::Improved,
                _ => MoveReason::Rebalanced,
            }
        } else {
            let o = OrderIdx(i as u32);
            let gens = network::accepted_generations(book, o);
            let horizon_end = before.map(|b| b.by).unwrap_or(order.latest);
            let cut = cuts
                .iter()
                .filter(|c| {
                    c.delta_units < 0
                        && c.period <= horizon_end
                        && gens.iter().any(|(g, _)| *g == c.generation)
                })
                .max_by_key(|c| (c.delta_units.unsigned_abs(), std::cmp::Reverse(c.period)))
                // A confirmed promise breaks only when tier 1 forces it or supply fell: a cut of
                // another generation or a later period reaches it through substitutes and re-routing.
                .or_else(|| {
                    breaks_confirmed
                        .then(|| {
                            cuts.iter()
                                .filter(|c| c.delta_units < 0)
                                .max_by_key(|c| c.delta_units.unsigned_abs())
                        })
                        .flatten()
                });
            match (cut, &plan.orders[i].waitlist) {
                (Some(c), _) => MoveReason::SupplyCut {
                    generation: c.generation,
                    period: c.period,
                    units: c.delta_units.unsigned_abs(),
                },
                (None, Some(w)) => MoveReason::Waitlisted(w.reason.clone()),
                (None, None) => MoveReason::Rebalanced,
            }
        };
        moves.push(PromiseMove {
            order: OrderIdx(i as u32),
            before,
            after,
            breaks_confirmed,
            reason,
        });
    }
    moves
}
