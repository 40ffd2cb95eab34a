//! The allocation engine: the exact, certified split of scarce supply between sales and the cloud.
//!
//! [`plan`] takes a [`book::Book`] and the current period, builds the planning network
//! ([`network`]), solves it with our own network simplex (`flow`) with lexicographic costs
//! `[commitment shortfall, promise lateness, -value]`, checks the result with the independent
//! checker (`certify`) before returning it, and explains it: deliveries, cloud deployments,
//! reservations accepted, promises, the waitlist with earliest projected periods and a
//! [`Reason`] for every unit not served. [`Atp`] answers available-to-promise queries from a
//! plan in constant time; [`diff`] says which promises a re-plan moved and why.
//!
//! The engine is pure: no I/O, no clock (time is the `now` argument), deterministic.
#![deny(missing_docs)]

mod atp;
mod explain;
pub mod network;

pub use atp::Atp;
pub use explain::{diff, thousands, MoveReason, PromiseMove, Reason};

use book::{Book, CommitmentKind, GenIdx, OrderIdx, Period, Promise};
use flow::Lex3;
use network::{ArcKind, LineKind};

/// Stages reported to a progress callback, in the order `Build`, `Solve`, `Explain`, `Certify`:
/// `Explain` assembles the certificate and explains the plan while a second thread runs the
/// independent check of the certificate; `Certify` is the wait for whatever is left of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Building the network.
    Build,
    /// Solving.
    Solve,
    /// Checking the certificate (what is left of the check once the explanations are done).
    Certify,
    /// Assembling the certificate and explaining (promises, waitlist, reasons), with the
    /// certificate check running alongside.
    Explain,
}

/// Why planning failed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The book cannot be planned as it stands.
    #[error(transparent)]
    Build(#[from] network::BuildError),
    /// The solver failed (a bug: the network is always feasible and bounded).
    #[error("solver failed: {0:?}")]
    Solver(flow::FlowError),
    /// The solver's answer did not pass the independent check (a bug; never returned silently).
    #[error("the plan's certificate was refused: {0}")]
    Certificate(certify::CheckError),
    /// `now` is outside the horizon.
    #[error("now (period {0}) is outside the horizon")]
    NowOutsideHorizon(u32),
}

/// The three tier objectives and the value's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Objectives {
    /// Tier 1: committed units not delivered by their date, weighted by their penalty (USD). Lower is better.
    pub commitment_shortfall_usd: i64,
    /// Tier 2: promised units late or missing, in unit-periods. Lower is better.
    pub promise_lateness_unit_periods: i64,
    /// Tier 3: total value (USD). Higher is better.
    pub value_usd: i64,
    /// Sale revenue from merchant orders and delivery commitments (after substitute factors).
    pub sale_revenue_usd: i64,
    /// Lateness penalties paid on merchant orders.
    pub lateness_penalty_usd: i64,
    /// Cloud value from internal demand (compute and attached services).
    pub cloud_internal_usd: i64,
    /// Reservation and capacity-commitment revenue.
    pub cloud_reserved_usd: i64,
    /// Residual value of the pool at the horizon's end.
    pub residual_usd: i64,
    /// Holding costs of carried inventory.
    pub holding_usd: i64,
}

/// One delivery of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shipment {
    /// Generation shipped.
    pub generation: GenIdx,
    /// Period shipped.
    pub period: Period,
    /// Units.
    pub units: u64,
}

/// A waitlist entry.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitlistEntry {
    /// 1-based position in line.
    pub position: u32,
    /// Units not served.
    pub remaining_units: u64,
    /// Earliest period from which the remaining units could be served from projected supply
    /// that is not promised to anyone (now used by the vendor's own cloud or unused), after
    /// everyone ahead in line; None if not within the horizon.
    pub earliest_period: Option<Period>,
    /// Why the units are not served.
    pub reason: Reason,
}

/// What the plan says of one order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrderPlan {
    /// Deliveries, by generation and period.
    pub shipments: Vec<Shipment>,
    /// Units served.
    pub served_units: u64,
    /// The promise this plan makes (all served units by the last shipment's period).
    pub promise: Option<Promise>,
    /// Set when the order is not served in full.
    pub waitlist: Option<WaitlistEntry>,
}

/// What the plan says of one commitment.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentPlan {
    /// Contract index.
    pub contract: usize,
    /// Commitment index in the contract.
    pub index: usize,
    /// Units the plan owes: for a delivery commitment, those still owed after its recorded
    /// deliveries (`delivered_units`); for a capacity commitment, its units.
    pub units: u64,
    /// Units recorded as delivered before this plan (delivery commitments; not part of `units`).
    pub delivered_units: u64,
    /// Units of `units` met on time.
    pub met_units: u64,
    /// Shipments (delivery commitments).
    pub shipments: Vec<Shipment>,
}

/// Per generation and period flows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GenerationFlows {
    /// Units finished (after adjustments).
    pub supply: Vec<u64>,
    /// Units shipped to buyers (orders and delivery commitments).
    pub sold: Vec<u64>,
    /// Units deployed into the cloud pool.
    pub deployed: Vec<u64>,
    /// Pool size during the period.
    pub pool: Vec<u64>,
    /// Pool units serving internal demand.
    pub internal: Vec<u64>,
    /// Pool units serving reservations and capacity commitments.
    pub reserved: Vec<u64>,
    /// Inventory carried into the next period.
    pub carried: Vec<u64>,
    /// Units demanded by buyers with a window covering the period (for supply-vs-demand views).
    pub demand_in_window: Vec<u64>,
}

/// The certificate: the network in the checker's terms and the solver's flow and potentials.
#[derive(Debug, Clone, Default)]
pub struct Certificate {
    /// The network as the checker sees it.
    pub network: certify::Network,
    /// Flow and potentials.
    pub solution: certify::Certificate,
}

/// A complete plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The period it was made in.
    pub now: Period,
    /// Tier objectives.
    pub objectives: Objectives,
    /// Per order, indexed like `book.orders()`.
    pub orders: Vec<OrderPlan>,
    /// Per commitment, contract by contract.
    pub commitments: Vec<CommitmentPlan>,
    /// Accepted units per reservation, indexed like `book.reservations()`.
    pub reservations_accepted: Vec<u64>,
    /// Per generation flows.
    pub generations: Vec<GenerationFlows>,
    /// Orders not served in full, in waitlist order.
    pub waitlist: Vec<OrderIdx>,
    /// Marginal value of one more unit of generation g in period t, USD (tier-3 dual price).
    pub marginal_value_usd: Vec<Vec<i64>>,
    /// The certificate.
    pub certificate: Certificate,
    /// Available-to-promise.
    pub atp: Atp,
    /// Network size and solver work.
    pub stats: Stats,
    /// What each arc and line of the solved network stands for (its endpoints, capacities and
    /// costs are in the certificate).
    pub network: network::Network,
}

/// Size of the solved problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Nodes.
    pub nodes: usize,
    /// Arcs.
    pub arcs: usize,
    /// Simplex pivots.
    pub pivots: u64,
}

/// Plans `book` as seen in period `now`.
pub fn plan(book: &Book, now: Period) -> Result<Plan, PlanError> {
    plan_with_progress(book, now, &mut |_| {})
}

/// Like [`plan`], reporting each stage to `progress`.
pub fn plan_with_progress(
    book: &Book,
    now: Period,
    progress: &mut dyn FnMut(Stage),
) -> Result<Plan, PlanError> {
    plan_inner(book, now, None, progress)
}

/// Re-plans `book` starting from `previous` (a plan of the same book before a small change:
/// orders added or cancelled, supply adjusted, promises confirmed). The result is the same exact,
/// certified optimum as [`plan`]; only the time to reach it differs.
pub fn plan_warm(book: &Book, now: Period, previous: &Plan) -> Result<Plan, PlanError> {
    plan_warm_with_progress(book, now, previous, &mut |_| {})
}

/// Like [`plan_warm`], reporting each stage to `progress`.
pub fn plan_warm_with_progress(
    book: &Book,
    now: Period,
    previous: &Plan,
    progress: &mut dyn FnMut(Stage),
) -> Result<Plan, PlanError> {
    plan_inner(book, now, Some(previous), progress)
}

fn plan_inner(
    book: &Book,
    now: Period,
    previous: Option<&Plan>,
    progress: &mut dyn FnMut(Stage),
) -> Result<Plan, PlanError> {
    if now.0 >= book.horizon().periods() {
        return Err(PlanError::NowOutsideHorizon(now.0));
    }
    // The plan's per-order table and the demand in each window (both independent of the
    // solution) are made on a second thread while the network is built, which leaves the other
    // core idle: on a large book the table is ~100 MB of fresh memory, slow to touch the first
    // time.
    let n_orders = book.orders().len();
    let side = || (order_table(n_orders), demand_in_window(book));
    progress(Stage::Build);
    let (built, (orders, demand)) = std::thread::scope(|sc| {
        let helper = (n_orders >= ORDER_TABLE_THREAD).then(|| sc.spawn(side));
        let built = network::build(book, now);
        let side = match helper {
            Some(h) => h.join().expect("order table and demand thread"),
            None => side(),
        };
        (built, side)
    });
    let mut net = built?;
    let stats_nodes = net.node_count();
    let stats_arcs = net.arc_count();
    progress(Stage::Solve);
    let hint = previous.map(|prev| {
        network::warm_hint(
            &net,
            &prev.network,
            &prev.certificate.solution.flow,
            &prev.certificate.solution.potential,
        )
    });
    // The solver takes the arc arrays by value (no copy; it frees them once it holds its own)
    // and hands them back with the solution. Afterwards endpoints, capacities and costs live in
    // the certificate only; the network keeps what each arc and line stands for (for
    // explanations and warm re-plans).
    let fnet: flow::Network<Lex3> = flow::Network::from_parts(flow::NetworkParts {
        supply: net.supply.clone(),
        from: std::mem::take(&mut net.from),
        to: std::mem::take(&mut net.to),
        cap: std::mem::take(&mut net.cap),
        cost: std::mem::take(&mut net.cost)
            .into_iter()
            .map(Lex3)
            .collect(),
    });
    let (sol, fnet) = flow::solve_owned(fnet, hint.as_ref()).map_err(PlanError::Solver)?;
    drop(hint);
    // The certificate is assembled, and the plan explained while a second thread checks it.
    progress(Stage::Explain);
    let stats = Stats {
        nodes: stats_nodes,
        arcs: stats_arcs,
        pivots: sol.pivots,
    };
    // The solver's arrays become the certificate's (no copy; the network is built in the
    // solver's arc order, so they need no reordering either).
    let parts = fnet.into_parts();
    net.basis = sol.tree;
    // Same layout: collected in place, no copy.
    let potential = sol.potential.into_iter().map(|p| p.0).collect();
    let certificate = Certificate {
        network: certify::Network {
            node_supply: net.supply.clone(),
            from: parts.from,
            to: parts.to,
            capacity: parts.cap,
            cost: parts.cost.into_iter().map(|c| c.0).collect(),
        },
        solution: certify::Certificate {
            flow: sol.flow,
            potential,
        },
    };
    // The independent check and the explanations only read the certificate: the check runs on
    // a second thread while this one explains. The plan is returned only if the check passes.
    let (report, mut plan) = std::thread::scope(|sc| {
        let check = sc.spawn(|| certify::check(&certificate.network, &certificate.solution));
        let plan = extract(book, now, &net, &certificate, stats, orders, demand);
        progress(Stage::Certify);
        (check.join().expect("certificate check thread"), plan)
    });
    let objective = report.map_err(PlanError::Certificate)?.objective;
    let o = &mut plan.objectives;
    o.commitment_shortfall_usd = (objective[0] + net.offsets[0] as i128) as i64;
    o.promise_lateness_unit_periods = (objective[1] + net.offsets[1] as i128) as i64;
    o.value_usd = (-objective[2]) as i64;
    plan.certificate = certificate;
    plan.network = net;
    Ok(plan)
}

/// Books with at least this many orders get their plan's order table written on a second
/// thread (see `plan_inner`).
const ORDER_TABLE_THREAD: usize = 1 << 16;

/// `n` empty order plans.
fn order_table(n: usize) -> Vec<OrderPlan> {
    let mut v = Vec::with_capacity(n);
    v.resize_with(n, OrderPlan::default);
    v
}

/// Units of the open orders whose window holds each period, per generation they accept
/// (`[generation][period]`).
fn demand_in_window(book: &Book) -> Vec<Vec<u64>> {
    let periods = book.horizon().periods() as usize;
    let mut demand = vec![vec![0u64; periods]; book.generations().len()];
    for o in book.orders().iter().filter(|o| o.status.is_open()) {
        for (h, _) in network::accepted(book, o) {
            for d in &mut demand[h.0 as usize][o.earliest.0 as usize..=o.latest.0 as usize] {
                *d += o.units;
            }
        }
    }
    demand
}

/// The plan the solution stands for. Its tier objectives and certificate are filled in by the
/// caller once the independent check has passed.
fn extract(
    book: &Book,
    now: Period,
    net: &network::Network,
    certificate: &Certificate,
    stats: Stats,
    mut orders: Vec<OrderPlan>,
    demand_in_window: Vec<Vec<u64>>,
) -> Plan {
    debug_assert_eq!(orders.len(), book.orders().len());
    let gens = net.gens;
    let periods = net.periods;
    let flow = &certificate.solution.flow;
    let supply = book.supply_matrix();
    let mut generations: Vec<GenerationFlows> = demand_in_window
        .into_iter()
        .enumerate()
        .map(|(g, demand_in_window)| GenerationFlows {
            supply: supply[g].clone(),
            sold: vec![0; periods],
            deployed: vec![0; periods],
            pool: vec![0; periods],
            internal: vec![0; periods],
            reserved: vec![0; periods],
            carried: vec![0; periods],
            demand_in_window,
        })
        .collect();
    // Orders by index without the persistent vector's lookups.
    let order_refs: Vec<&book::Order> = book.orders().iter().collect();
    let mut commitments: Vec<CommitmentPlan> = Vec::new();
    let mut commitment_index = Vec::with_capacity(book.contracts().len());
    for (ci, c) in book.contracts().iter().enumerate() {
        commitment_index.push(commitments.len());
        for (k, cm) in c.commitments.iter().enumerate() {
            let delivered_units = cm.delivered_units();
            commitments.push(CommitmentPlan {
                contract: ci,
                index: k,
                units: cm.units - delivered_units,
                delivered_units,
                met_units: 0,
                shipments: Vec::new(),
            });
        }
    }
    let mut reservations_accepted = vec![0u64; book.reservations().len()];
    // The tier objectives are filled in from the check's report by the caller.
    let mut obj = Objectives::default();
    for (a, &f) in flow.iter().enumerate() {
        if f == 0 {
            continue;
        }
        let fu = f as u64;
        let c3 = certificate.network.cost[a][2];
        match net.kind[a] {
            ArcKind::Carry(g, t) => {
                generations[g.0 as usize].carried[t as usize] += fu;
                obj.holding_usd += f * c3;
            }
            ArcKind::Leftover(_) => {}
            ArcKind::Deploy(g, t) => generations[g.0 as usize].deployed[t as usize] += fu,
            ArcKind::Idle(..) => {}
            ArcKind::Internal(g, t) => {
                generations[g.0 as usize].internal[t as usize] += fu;
                obj.cloud_internal_usd -= f * c3;
            }
            ArcKind::Reservation(r) => {
                reservations_accepted[r as usize] = fu;
                obj.cloud_reserved_usd -= f * c3;
                let res = &book.reservations()[r as usize];
                let g = res.generation.0 as usize;
                for t in (res.start.0 as usize).max(now.0 as usize)..res.end.0 as usize {
                    generations[g].reserved[t] += fu;
                }
            }
            ArcKind::CapacityCommitment(ci, k) => {
                commitments[commitment_index[ci as usize] + k as usize].met_units = fu;
                obj.cloud_reserved_usd -= f * c3;
                let cm = &book.contracts()[ci as usize].commitments[k as usize];
                if let CommitmentKind::Capacity { start, end, .. } = cm.kind {
                    for t in (start.0 as usize).max(now.0 as usize)..end.0 as usize {
                        generations[cm.generation.0 as usize].reserved[t] += fu;
                    }
                }
            }
            ArcKind::Residual(_) => obj.residual_usd -= f * c3,
            ArcKind::Deliver { line, g, t } => {
                generations[g.0 as usize].sold[t as usize] += fu;
                let shipment = Shipment {
                    generation: g,
                    period: Period(t as u32),
                    units: fu,
                };
                match net.lines[line as usize].kind {
                    LineKind::OrderConfirmed(o) | LineKind::OrderOpen(o) => {
                        let order = order_refs[o.0 as usize];
                        let factor = network::accepted(book, order)
                            .find(|(h, _)| *h == g)
                            .map(|(_, f)| f)
                            .unwrap_or(10_000);
                        let gross = network::unit_value(order.price_usd_per_unit, factor);
                        obj.sale_revenue_usd += gross * f;
                        obj.lateness_penalty_usd += (gross + c3) * f;
                        let op = &mut orders[o.0 as usize];
                        op.served_units += fu;
                        match op
                            .shipments
                            .iter_mut()
                            .find(|s| s.generation == g && s.period == shipment.period)
                        {
                            Some(s) => s.units += fu,
                            None => op.shipments.push(shipment),
                        }
                    }
                    LineKind::Commitment(ci, k) => {
                        obj.sale_revenue_usd -= f * c3;
                        let cp = &mut commitments[commitment_index[ci as usize] + k as usize];
                        cp.met_units += fu;
                        cp.shipments.push(shipment);
                    }
                }
            }
            ArcKind::LineSink(_) => {}
        }
    }
    for o in book.orders() {
        if let Some(d) = o.delivered {
            generations[book.sku(o.sku).generation.0 as usize].sold[d.period.0 as usize] += d.units;
        }
    }
    for cm in book.contracts().iter().flat_map(|c| &c.commitments) {
        for d in &cm.delivered {
            generations[cm.generation.0 as usize].sold[d.period.0 as usize] += d.units;
        }
    }
    for gf in &mut generations {
        let mut pool = 0;
        for t in 0..periods {
            pool += gf.deployed[t];
            gf.pool[t] = pool;
        }
    }
    for (i, o) in book.orders().iter().enumerate() {
        if !o.status.is_open() {
            continue;
        }
        let op = &mut orders[i];
        op.shipments.sort_by_key(|s| (s.period, s.generation));
        if op.served_units > 0 {
            let by = op.shipments.iter().map(|s| s.period).max().unwrap_or(now);
            op.promise = Some(Promise {
                units: op.served_units,
                by,
            });
        }
    }
    for c in &mut commitments {
        c.shipments.sort_by_key(|s| (s.period, s.generation));
    }
    // Tier-3 marginal value of a unit at S(g,t): potential(S) - potential(sink).
    let pot = &certificate.solution.potential;
    let sink = net.sink() as usize;
    let marginal_value_usd: Vec<Vec<i64>> = (0..gens)
        .map(|g| {
            (0..periods)
                .map(|t| pot[net.s(g, t) as usize][2] - pot[sink][2])
                .collect()
        })
        .collect();
    let atp = Atp::from_flows(book, now, &generations);
    let mut plan = Plan {
        now,
        objectives: obj,
        orders,
        commitments,
        reservations_accepted,
        generations,
        waitlist: Vec::new(),
        marginal_value_usd,
        // Filled in by the caller once the check has passed.
        certificate: Certificate::default(),
        atp,
        stats,
        network: network::Network::default(),
    };
    explain::waitlist(book, &order_refs, net, certificate, &mut plan);
    debug_assert!(plan.check_conservation(), "supply not conserved");
    plan
}

impl Plan {
    /// Supply conservation per generation: finished units = sold + deployed + left over, and the
    /// pool covers every use in every period. True when it holds.
    pub fn check_conservation(&self) -> bool {
        self.generations.iter().all(|g| {
            let periods = g.supply.len();
            let mut inv: i128 = 0;
            for t in 0..periods {
                inv += g.supply[t] as i128 - g.sold[t] as i128 - g.deployed[t] as i128;
                if inv < 0 || (t + 1 < periods && inv != g.carried[t] as i128) {
                    return false;
                }
                if g.internal[t] + g.reserved[t] > g.pool[t] {
                    return false;
                }
            }
            true
        })
    }

    /// The promises this plan makes, as the book records them (`Event::PlanRecorded`).
    pub fn record(&self, book: &Book) -> book::PlanRecord {
        let promises = book
            .orders()
            .iter()
            .enumerate()
            .filter(|(_, o)| o.status.is_open())
            .filter_map(|(i, o)| {
                self.orders[i].promise.map(|p| book::PromiseRecord {
                    order: o.key.clone(),
                    units: p.units,
                    by: p.by,
                })
            })
            .collect();
        let o = &self.objectives;
        book::PlanRecord {
            now: self.now,
            objectives: Some([
                o.commitment_shortfall_usd,
                o.promise_lateness_unit_periods,
                o.value_usd,
            ]),
            promises,
            supply_adjustments_seen: book.supply_adjustments().len() as u32,
            contracts_seen: book.contracts().len() as u32,
        }
    }

    /// Units served over all open orders.
    pub fn served_units(&self) -> u64 {
        self.orders.iter().map(|o| o.served_units).sum()
    }

    /// Units sold from the planning month on: shipped to buyers (orders and delivery
    /// commitments) in every generation, the "sold" of `allot plan`'s summary.
    pub fn sold_units(&self) -> u64 {
        let from = self.now.0 as usize;
        self.generations
            .iter()
            .map(|g| g.sold.get(from..).unwrap_or(&[]).iter().sum::<u64>())
            .sum()
    }
}
