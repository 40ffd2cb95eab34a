//! The planning network: one min-cost flow whose lexicographic optimum is the plan.
//!
//! Nodes:
//! - `S(g,t)`: supply of generation `g` finished in period `t` (node supply = units, less
//!   recorded deliveries of orders and of delivery commitments);
//! - `P(g,t)`, `t = 0..=T`: the cloud pool of `g` during period `t` (`P(g,T)` = the horizon's end);
//! - `SINK`: absorbs every unit;
//! - one node per demand line (an open order, split in its confirmed and unconfirmed parts, or the
//!   units still owed on a delivery commitment of a contract).
//!
//! Arcs (cost = `[tier 1, tier 2, tier 3]`, minimised lexicographically):
//! - carry `S(g,t) -> S(g,t+1)`, uncapacitated, holding cost; leftover `S(g,T-1) -> SINK`;
//! - deploy `S(g,t) -> P(g,t)` from `max(now, first ship)`;
//! - idle `P(g,t) -> P(g,t+1)`; internal `P(g,t) -> P(g,t+1)` capped by the forecast, earning
//!   the cloud value; reservation `P(g,a) -> P(g,b)` capped by its units, earning price x periods
//!   (committed capacity also earns its shortfall penalty in tier 1): a unit on it is busy over
//!   `[a,b)` and returns to the pool at `b`, so the cut between `t` and `t+1` is the pool size and
//!   every use of period `t` fits inside it;
//! - residual `P(g,T) -> SINK` earning the residual value;
//! - delivery `S(h,t) -> line` for each accepted generation `h` and window period `t`, earning
//!   price x value factor - lateness penalty (tier 3), the promise's reward minus its lateness
//!   (tier 2, confirmed part), the shortfall penalty (tier 1, commitments, on time only);
//! - `line -> SINK` capped by the line's units.
//!
//! Rewards are negative costs; the constant offsets that turn them back into "shortfall" and
//! "lateness" objectives are kept in [`Network::offsets`].

use book::{Book, CommitmentKind, GenIdx, OrderIdx, OrderStatus, Period};
use std::mem::MaybeUninit;

/// Uncapacitated.
pub const INF: i64 = flow::INF_CAP;

/// What a demand line stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// The confirmed (tier-2 protected) part of an order.
    OrderConfirmed(OrderIdx),
    /// The rest of an order.
    OrderOpen(OrderIdx),
    /// A delivery commitment: contract index, commitment index.
    Commitment(u32, u32),
}

/// One demand line.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    /// What it is.
    pub kind: LineKind,
    /// Units demanded.
    pub units: u64,
}

/// What an arc stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArcKind {
    /// Inventory carried from `t` to `t+1`.
    Carry(GenIdx, u16),
    /// Inventory left at the horizon's end.
    Leftover(GenIdx),
    /// Units deployed into the cloud pool in period `t`.
    Deploy(GenIdx, u16),
    /// Pool units idle in period `t`.
    Idle(GenIdx, u16),
    /// Pool units serving internal demand in period `t`.
    Internal(GenIdx, u16),
    /// A reservation (index into the book).
    Reservation(u32),
    /// A capacity commitment: contract, commitment.
    CapacityCommitment(u32, u32),
    /// Residual value of the pool at the horizon's end.
    Residual(GenIdx),
    /// A delivery to a line from generation `g` in period `t`.
    Deliver {
        /// Line index.
        line: u32,
        /// Generation delivered.
        g: GenIdx,
        /// Period delivered.
        t: u16,
    },
    /// A line's demand.
    LineSink(u32),
}

/// The network in plain arrays, plus what each node and arc means.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// Generations.
    pub gens: usize,
    /// Periods.
    pub periods: usize,
    /// Node supplies.
    pub supply: Vec<i64>,
    /// Arc tails.
    pub from: Vec<u32>,
    /// Arc heads.
    pub to: Vec<u32>,
    /// Arc capacities.
    pub cap: Vec<i64>,
    /// Arc costs per tier.
    pub cost: Vec<[i64; 3]>,
    /// Arc meanings.
    pub kind: Vec<ArcKind>,
    /// Demand lines (node = `first_line_node + index`).
    pub lines: Vec<Line>,
    /// Constant added to tier 1 and tier 2 costs to obtain the reported objectives.
    pub offsets: [i64; 2],
    /// Delivery arcs of each line: `line_arcs[l]..line_arcs[l+1]` indexes `line_arc_list`.
    pub line_arc_start: Vec<u32>,
    /// Arc ids of delivery arcs, grouped by line.
    pub line_arc_list: Vec<u32>,
    /// Order -> its line indices (confirmed part, open part).
    pub order_lines: Vec<[u32; 2]>,
    /// Arcs before this index are core arcs (supply, pool, reservations, and the sink arcs of
    /// lines without delivery arcs); the other lines' arcs follow, line by line.
    pub core_arcs: u32,
    /// The `line -> SINK` arc of each line.
    pub line_sink_arc: Vec<u32>,
    /// The solver's optimal basis once solved (the tree arc of each node, see
    /// `flow::Solution::tree`); empty before. Warm re-plans start from it.
    pub basis: Vec<Option<flow::ArcId>>,
}

/// Marker for "no line".
pub const NO_LINE: u32 = u32::MAX;

impl Network {
    /// Node of `S(g,t)`.
    pub fn s(&self, g: usize, t: usize) -> u32 {
        (g * self.periods + t) as u32
    }
    /// Node of `P(g,t)`, `t` in `0..=T`.
    pub fn p(&self, g: usize, t: usize) -> u32 {
        (self.gens * self.periods + g * (self.periods + 1) + t) as u32
    }
    /// The sink.
    pub fn sink(&self) -> u32 {
        (self.gens * self.periods + self.gens * (self.periods + 1)) as u32
    }
    /// Node of a line.
    pub fn line_node(&self, l: usize) -> u32 {
        self.sink() + 1 + l as u32
    }
    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.supply.len()
    }
    /// Number of arcs.
    pub fn arc_count(&self) -> usize {
        self.from.len()
    }
    /// Adds line `l`'s arc to the sink, capped by its units, and records it.
    fn add_line_sink(&mut self, l: usize) {
        let (node, sink) = (self.line_node(l), self.sink());
        let units = self.lines[l].units as i64;
        self.line_sink_arc[l] = self.arc(node, sink, units, [0, 0, 0], ArcKind::LineSink(l as u32));
    }
    /// Moves, among the arcs built so far (the core arcs), each generation's arcs into the
    /// horizon's end `P(g,T)` and its residual arc `P(g,T) -> SINK` to the end, generation by
    /// generation, in-arcs first; the order is otherwise kept. A horizon-end node has one
    /// out-arc, to the sink, as a line does, and the solver groups its arcs with the lines
    /// (core arcs first, then each line's in-arcs and out-arc, lines in node order): built in
    /// that order already, the solver uses the arrays as they stand instead of permuting them.
    fn group_pool_ends(&mut self) {
        let m = self.from.len();
        let first_end = self.p(0, self.periods);
        let group = |a: usize| -> usize {
            let (from, to) = (self.from[a], self.to[a]);
            let end_of = |u: u32| {
                (u >= first_end
                    && u < self.sink()
                    && (u - first_end).is_multiple_of(self.periods as u32 + 1))
                .then(|| ((u - first_end) / (self.periods as u32 + 1)) as usize)
            };
            match (end_of(to), end_of(from)) {
                (Some(g), _) => 1 + 2 * g,
                (None, Some(g)) => 2 + 2 * g,
                _ => 0,
            }
        };
        let mut perm: Vec<u32> = (0..m as u32).collect();
        perm.sort_by_key(|&a| group(a as usize)); // stable
        if perm.iter().enumerate().all(|(i, &a)| i == a as usize) {
            return;
        }
        let mut new_id = vec![0u32; m];
        for (i, &a) in perm.iter().enumerate() {
            new_id[a as usize] = i as u32;
        }
        // In place: the arrays keep the capacity reserved for the lines' arcs.
        fn gather<T: Copy>(v: &mut [T], perm: &[u32]) {
            let moved: Vec<T> = perm.iter().map(|&a| v[a as usize]).collect();
            v.copy_from_slice(&moved);
        }
        gather(&mut self.from, &perm);
        gather(&mut self.to, &perm);
        gather(&mut self.cap, &perm);
        gather(&mut self.cost, &perm);
        gather(&mut self.kind, &perm);
        for a in self.line_sink_arc.iter_mut().filter(|a| **a != NO_LINE) {
            *a = new_id[*a as usize];
        }
        if cfg!(debug_assertions) {
            for (i, k) in self.kind.iter().enumerate() {
                if let ArcKind::LineSink(l) = *k {
                    assert_eq!(self.line_sink_arc[l as usize], i as u32);
                }
            }
        }
    }
    fn arc(&mut self, from: u32, to: u32, cap: i64, cost: [i64; 3], kind: ArcKind) -> u32 {
        let id = self.from.len() as u32;
        self.from.push(from);
        self.to.push(to);
        self.cap.push(cap);
        self.cost.push(cost);
        self.kind.push(kind);
        id
    }
}

/// Books with at least this many lines have their lines' arcs written by two threads (see
/// `build`).
const PARALLEL_LINES: usize = 1 << 15;

/// The slots a run of consecutive lines writes in `build`: its arcs (arc ids from `first` on),
/// its entries of `line_arc_list` and its lines' sink arcs.
struct Slots<'a> {
    first: u32,
    from: &'a mut [MaybeUninit<u32>],
    to: &'a mut [MaybeUninit<u32>],
    cap: &'a mut [MaybeUninit<i64>],
    cost: &'a mut [MaybeUninit<[i64; 3]>],
    kind: &'a mut [MaybeUninit<ArcKind>],
    list: &'a mut [MaybeUninit<u32>],
    sink_arc: &'a mut [u32],
    /// Slots written so far.
    arcs: usize,
    listed: usize,
}

impl<'a> Slots<'a> {
    /// Writes the next arc; returns its id.
    fn arc(&mut self, from: u32, to: u32, cap: i64, cost: [i64; 3], kind: ArcKind) -> u32 {
        let i = self.arcs;
        self.from[i].write(from);
        self.to[i].write(to);
        self.cap[i].write(cap);
        self.cost[i].write(cost);
        self.kind[i].write(kind);
        self.arcs += 1;
        self.first + i as u32
    }

    /// Lists delivery arc `id` as the next of `line_arc_list`.
    fn list(&mut self, id: u32) {
        self.list[self.listed].write(id);
        self.listed += 1;
    }

    /// The slots of the first `lines` lines, which take `arcs` arcs and `listed` list entries,
    /// and those of the others.
    fn split(self, lines: usize, arcs: usize, listed: usize) -> (Slots<'a>, Slots<'a>) {
        let (f0, f1) = self.from.split_at_mut(arcs);
        let (t0, t1) = self.to.split_at_mut(arcs);
        let (c0, c1) = self.cap.split_at_mut(arcs);
        let (k0, k1) = self.cost.split_at_mut(arcs);
        let (d0, d1) = self.kind.split_at_mut(arcs);
        let (l0, l1) = self.list.split_at_mut(listed);
        let (s0, s1) = self.sink_arc.split_at_mut(lines);
        let run = |first, from, to, cap, cost, kind, list, sink_arc| Slots {
            first,
            from,
            to,
            cap,
            cost,
            kind,
            list,
            sink_arc,
            arcs: 0,
            listed: 0,
        };
        (
            run(self.first, f0, t0, c0, k0, d0, l0, s0),
            run(self.first + arcs as u32, f1, t1, c1, k1, d1, l1, s1),
        )
    }
}

/// The generations an order accepts, with value factors in basis points (primary first).
pub fn accepted_generations(book: &Book, o: OrderIdx) -> Vec<(GenIdx, u32)> {
    accepted(book, book.order_at(o)).collect()
}

/// [`accepted_generations`] of an order at hand, without allocating.
pub fn accepted<'a>(
    book: &'a Book,
    order: &'a book::Order,
) -> impl Iterator<Item = (GenIdx, u32)> + 'a {
    std::iter::once((book.sku(order.sku).generation, 10_000)).chain(
        order
            .substitutes
            .iter()
            .map(|s| (s.generation, s.value_factor_bp)),
    )
}

/// Value of one unit delivered from a generation with `factor_bp`, before lateness.
pub fn unit_value(price_usd_per_unit: i64, factor_bp: u32) -> i64 {
    ((price_usd_per_unit as i128 * factor_bp as i128) / 10_000) as i64
}

/// Errors building the network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// Recorded deliveries use more units than supply provides up to that period.
    #[error("recorded deliveries of {generation} exceed its supply up to period {period}")]
    DeliveriesExceedSupply {
        /// Generation id.
        generation: String,
        /// Period.
        period: u32,
    },
}

/// Builds the planning network of `book` as seen in period `now`.
pub fn build(book: &Book, now: Period) -> Result<Network, BuildError> {
    build_with(book, now, PARALLEL_LINES)
}

/// [`build`], writing the lines' arcs on two threads when there are at least `parallel_lines`.
fn build_with(book: &Book, now: Period, parallel_lines: usize) -> Result<Network, BuildError> {
    let gens = book.generations().len();
    let periods = book.horizon().periods() as usize;
    let now = now.0 as usize;
    let t_end = periods;
    let mut net = Network {
        gens,
        periods,
        supply: Vec::new(),
        from: Vec::new(),
        to: Vec::new(),
        cap: Vec::new(),
        cost: Vec::new(),
        kind: Vec::new(),
        lines: Vec::new(),
        offsets: [0, 0],
        line_arc_start: Vec::new(),
        line_arc_list: Vec::new(),
        order_lines: vec![[NO_LINE, NO_LINE]; book.orders().len()],
        core_arcs: 0,
        line_sink_arc: Vec::new(),
        basis: Vec::new(),
    };
    // Supply nodes, net of recorded deliveries.
    let mut supply = book.supply_matrix();
    let mut used = vec![vec![0u64; periods]; gens];
    for o in book.orders() {
        if let Some(d) = o.delivered {
            let g = book.sku(o.sku).generation.0 as usize;
            used[g][d.period.0 as usize] += d.units;
        }
    }
    for cm in book.contracts().iter().flat_map(|c| &c.commitments) {
        for d in &cm.delivered {
            used[cm.generation.0 as usize][d.period.0 as usize] += d.units;
        }
    }
    for g in 0..gens {
        let (mut cum_s, mut cum_u) = (0u64, 0u64);
        for t in 0..periods {
            cum_s += supply[g][t];
            cum_u += used[g][t];
            if cum_u > cum_s {
                return Err(BuildError::DeliveriesExceedSupply {
                    generation: book.generations()[g].key.clone(),
                    period: t as u32,
                });
            }
        }
    }
    let mut total: i64 = 0;
    for g in 0..gens {
        for t in 0..periods {
            let s = supply[g][t] as i64 - used[g][t] as i64;
            total += s;
            net.supply.push(s);
        }
        supply[g].clear();
    }
    net.supply
        .extend(std::iter::repeat_n(0, gens * (periods + 1)));
    net.supply.push(-total); // sink

    // Lines: orders (placement order), then delivery commitments with units still owed (the
    // units recorded as delivered against one are off its line and off the supply above).
    for (i, o) in book.orders().iter().enumerate() {
        if !o.status.is_open() {
            continue;
        }
        let oi = OrderIdx(i as u32);
        let confirmed = if o.status == OrderStatus::Confirmed {
            o.confirmed.map(|p| p.units.min(o.units))
        } else {
            None
        };
        let confirmed_units = confirmed.unwrap_or(0);
        if confirmed_units > 0 {
            net.order_lines[i][0] = net.lines.len() as u32;
            net.lines.push(Line {
                kind: LineKind::OrderConfirmed(oi),
                units: confirmed_units,
            });
        }
        if o.units > confirmed_units {
            net.order_lines[i][1] = net.lines.len() as u32;
            net.lines.push(Line {
                kind: LineKind::OrderOpen(oi),
                units: o.units - confirmed_units,
            });
        }
    }
    for (ci, c) in book.contracts().iter().enumerate() {
        for (k, cm) in c.commitments.iter().enumerate() {
            if let CommitmentKind::Delivery { .. } = cm.kind {
                let owed = cm.owed_units();
                if owed > 0 {
                    net.lines.push(Line {
                        kind: LineKind::Commitment(ci as u32, k as u32),
                        units: owed,
                    });
                }
            }
        }
    }
    net.supply.extend(std::iter::repeat_n(0, net.lines.len()));
    net.supply.shrink_to_fit();

    let sink = net.sink();
    // Supply chain.
    for g in 0..gens {
        let gi = GenIdx(g as u16);
        let generation = &book.generations()[g];
        for t in 0..periods {
            if t + 1 < periods {
                let (a, b) = (net.s(g, t), net.s(g, t + 1));
                net.arc(
                    a,
                    b,
                    INF,
                    [0, 0, generation.holding_usd_per_unit_period],
                    ArcKind::Carry(gi, t as u16),
                );
            } else {
                let a = net.s(g, t);
                net.arc(a, sink, INF, [0, 0, 0], ArcKind::Leftover(gi));
            }
        }
        let first = (generation.first_ship.0 as usize).max(now);
        for t in first..periods {
            let (a, b) = (net.s(g, t), net.p(g, t));
            net.arc(a, b, INF, [0, 0, 0], ArcKind::Deploy(gi, t as u16));
        }
        for t in 0..periods {
            let (a, b) = (net.p(g, t), net.p(g, t + 1));
            net.arc(a, b, INF, [0, 0, 0], ArcKind::Idle(gi, t as u16));
            let demand = generation.cloud_demand_units[t];
            if t >= now && demand > 0 {
                net.arc(
                    a,
                    b,
                    demand as i64,
                    [0, 0, -generation.cloud_value_usd_per_unit_period],
                    ArcKind::Internal(gi, t as u16),
                );
            }
        }
        let a = net.p(g, t_end);
        net.arc(
            a,
            sink,
            INF,
            [0, 0, -generation.residual_usd_per_unit],
            ArcKind::Residual(gi),
        );
    }
    // Reservations and capacity commitments.
    for (ri, r) in book.reservations().iter().enumerate() {
        let start = (r.start.0 as usize).max(now);
        let end = r.end.0 as usize;
        if r.cancelled || start >= end {
            continue;
        }
        let g = r.generation.0 as usize;
        let value = r.price_usd_per_unit_period * (end - start) as i64;
        let (a, b) = (net.p(g, start), net.p(g, end));
        net.arc(
            a,
            b,
            r.units as i64,
            [0, 0, -value],
            ArcKind::Reservation(ri as u32),
        );
    }
    for (ci, c) in book.contracts().iter().enumerate() {
        for (k, cm) in c.commitments.iter().enumerate() {
            if let CommitmentKind::Capacity {
                start,
                end,
                price_usd_per_unit_period,
            } = cm.kind
            {
                net.offsets[0] += c.shortfall_penalty_usd_per_unit * cm.units as i64;
                let start = (start.0 as usize).max(now);
                let end = end.0 as usize;
                if start >= end {
                    continue;
                }
                let g = cm.generation.0 as usize;
                let value = price_usd_per_unit_period * (end - start) as i64;
                let (a, b) = (net.p(g, start), net.p(g, end));
                net.arc(
                    a,
                    b,
                    cm.units as i64,
                    [-c.shortfall_penalty_usd_per_unit, 0, -value],
                    ArcKind::CapacityCommitment(ci as u32, k as u32),
                );
            }
        }
    }
    // Delivery arcs per line (orders by index without the persistent vector's lookups).
    let orders: Vec<&book::Order> = book.orders().iter().collect();
    // A line with no delivery arc (its window closed, or before its generations ship) is no
    // line to the solver: its sink arc goes with the core arcs. Every other line's arcs follow
    // the core arcs, line by line, in-arcs then the sink arc, as the solver groups them. (The
    // solver treats the pool's horizon-end nodes as lines too: `group_pool_ends` puts their
    // arcs last among the core arcs, so the solver takes the arrays in the order they stand.)
    let first_period = |h: GenIdx, earliest: Period| -> usize {
        (earliest.0 as usize)
            .max(now)
            .max(book.generation(h).first_ship.0 as usize)
    };
    let periods_from = |lo: usize, hi: usize| (hi + 1).saturating_sub(lo);
    // Delivery arcs of a line (one per accepted generation and period it can be served in).
    let delivery_arcs = |line: &Line| -> usize {
        match line.kind {
            LineKind::OrderConfirmed(o) | LineKind::OrderOpen(o) => {
                let order = orders[o.0 as usize];
                accepted(book, order)
                    .map(|(h, _)| {
                        periods_from(first_period(h, order.earliest), order.latest.0 as usize)
                    })
                    .sum()
            }
            LineKind::Commitment(ci, k) => {
                let cm = &book.contracts()[ci as usize].commitments[k as usize];
                match cm.kind {
                    CommitmentKind::Delivery { earliest, due, .. } => {
                        periods_from(first_period(cm.generation, earliest), due.0 as usize)
                    }
                    _ => 0,
                }
            }
        }
    };
    let counts: Vec<u32> = net.lines.iter().map(|l| delivery_arcs(l) as u32).collect();
    // Every array is sized once (on large books, growing them would copy each several times).
    let deliveries: usize = counts.iter().map(|&c| c as usize).sum();
    let total = net.from.len() + deliveries + net.lines.len();
    // Tails, heads and capacities get room for the solver's artificial arcs (one per node),
    // which it appends to these very arrays (see `flow::solve_owned`).
    let room = total + net.supply.len();
    net.from.reserve_exact(room - net.from.len());
    net.to.reserve_exact(room - net.to.len());
    net.cap.reserve_exact(room - net.cap.len());
    net.cost.reserve_exact(total - net.cost.len());
    net.kind.reserve_exact(total - net.kind.len());
    net.line_arc_list.reserve_exact(deliveries);
    net.line_sink_arc = vec![NO_LINE; net.lines.len()];
    for (l, &count) in counts.iter().enumerate() {
        if count == 0 {
            net.add_line_sink(l);
        }
    }
    net.group_pool_ends();
    net.core_arcs = net.from.len() as u32;
    // Where each line's arcs start, counted from the first line arc: its delivery arcs, then
    // its sink arc (a line without delivery arcs has its sink arc among the core arcs). And
    // where its delivery arcs start in `line_arc_list`.
    let nl = net.lines.len();
    let mut arc_at = Vec::with_capacity(nl + 1);
    net.line_arc_start = Vec::with_capacity(nl + 1);
    let (mut at, mut listed) = (0usize, 0usize);
    for &c in &counts {
        arc_at.push(at);
        net.line_arc_start.push(listed as u32);
        listed += c as usize;
        at += c as usize + (c > 0) as usize;
    }
    arc_at.push(at);
    net.line_arc_start.push(listed as u32);
    drop(counts);
    debug_assert_eq!(net.core_arcs as usize + at, total);
    // The lines' arcs fill the arrays' reserved room: on large books two runs of lines (split
    // where half the arcs are written) at once, each into its own slots.
    let mut from = std::mem::take(&mut net.from);
    let mut to = std::mem::take(&mut net.to);
    let mut cap = std::mem::take(&mut net.cap);
    let mut cost = std::mem::take(&mut net.cost);
    let mut kind = std::mem::take(&mut net.kind);
    let mut list = std::mem::take(&mut net.line_arc_list);
    let mut sink_arc = std::mem::take(&mut net.line_sink_arc);
    let slots = Slots {
        first: net.core_arcs,
        from: &mut from.spare_capacity_mut()[..at],
        to: &mut to.spare_capacity_mut()[..at],
        cap: &mut cap.spare_capacity_mut()[..at],
        cost: &mut cost.spare_capacity_mut()[..at],
        kind: &mut kind.spare_capacity_mut()[..at],
        list: &mut list.spare_capacity_mut()[..listed],
        sink_arc: &mut sink_arc[..],
        arcs: 0,
        listed: 0,
    };
    let net_ro = &net;
    let fill = |lines: std::ops::Range<usize>, mut slots: Slots<'_>| -> [i64; 2] {
        let mut offsets = [0i64; 2];
        let first_line = lines.start;
        for l in lines {
            let line = net_ro.lines[l];
            let node = net_ro.line_node(l);
            match line.kind {
                LineKind::OrderConfirmed(o) | LineKind::OrderOpen(o) => {
                    let order = orders[o.0 as usize];
                    let promise = match line.kind {
                        LineKind::OrderConfirmed(_) => order.confirmed.map(|p| p.by.0 as i64),
                        _ => None,
                    };
                    if let Some(p) = promise {
                        offsets[1] += (t_end as i64 - p) * line.units as i64;
                    }
                    for (h, factor) in accepted(book, order) {
                        let lo = first_period(h, order.earliest);
                        let value = unit_value(order.price_usd_per_unit, factor);
                        for t in lo..=order.latest.0 as usize {
                            let late = (t - order.earliest.0 as usize) as i64;
                            let v3 = value - order.lateness_penalty_usd_per_unit_period * late;
                            let c2 = match promise {
                                Some(p) => (t as i64 - p).max(0) - (t_end as i64 - p),
                                None => 0,
                            };
                            let a = net_ro.s(h.0 as usize, t);
                            let id = slots.arc(
                                a,
                                node,
                                line.units as i64,
                                [0, c2, -v3],
                                ArcKind::Deliver {
                                    line: l as u32,
                                    g: h,
                                    t: t as u16,
                                },
                            );
                            slots.list(id);
                        }
                    }
                }
                LineKind::Commitment(ci, k) => {
                    let c = &book.contracts()[ci as usize];
                    let cm = &c.commitments[k as usize];
                    offsets[0] += c.shortfall_penalty_usd_per_unit * line.units as i64;
                    if let CommitmentKind::Delivery {
                        earliest,
                        due,
                        price_usd_per_unit,
                    } = cm.kind
                    {
                        let lo = first_period(cm.generation, earliest);
                        for t in lo..=due.0 as usize {
                            let a = net_ro.s(cm.generation.0 as usize, t);
                            let id = slots.arc(
                                a,
                                node,
                                line.units as i64,
                                [-c.shortfall_penalty_usd_per_unit, 0, -price_usd_per_unit],
                                ArcKind::Deliver {
                                    line: l as u32,
                                    g: cm.generation,
                                    t: t as u16,
                                },
                            );
                            slots.list(id);
                        }
                    }
                }
            }
            if slots.sink_arc[l - first_line] == NO_LINE {
                slots.sink_arc[l - first_line] = slots.arc(
                    node,
                    net_ro.sink(),
                    line.units as i64,
                    [0, 0, 0],
                    ArcKind::LineSink(l as u32),
                );
            } else {
                debug_assert_eq!(net_ro.line_arc_start[l + 1], net_ro.line_arc_start[l]);
            }
        }
        assert!(
            slots.arcs == slots.from.len() && slots.listed == slots.list.len(),
            "the lines' arcs fill their slots exactly"
        );
        offsets
    };
    let half = arc_at.partition_point(|&a| a < at / 2);
    let offsets = if nl >= parallel_lines && half < nl {
        let (lo, hi) = slots.split(half, arc_at[half], net.line_arc_start[half] as usize);
        std::thread::scope(|sc| {
            let h = sc.spawn(|| fill(half..nl, hi));
            let a = fill(0..half, lo);
            let b = h.join().expect("line arcs thread");
            [a[0] + b[0], a[1] + b[1]]
        })
    } else {
        fill(0..nl, slots)
    };
    drop(arc_at);
    // SAFETY: `fill` returned for every run of lines, so each wrote every slot of its run (it
    // asserts so), and the runs cover the `at` arc slots and `listed` list slots reserved
    // above.
    unsafe {
        from.set_len(from.len() + at);
        to.set_len(to.len() + at);
        cap.set_len(cap.len() + at);
        cost.set_len(cost.len() + at);
        kind.set_len(kind.len() + at);
        list.set_len(listed);
    }
    (net.from, net.to, net.cap, net.cost, net.kind) = (from, to, cap, cost, kind);
    (net.line_arc_list, net.line_sink_arc) = (list, sink_arc);
    net.offsets[0] += offsets[0];
    net.offsets[1] += offsets[1];
    Ok(net)
}

/// A warm-start hint for `net` from a previous plan's network and flows: every arc that exists in
/// both (matched by what it stands for: the same order part or commitment, generation and period;
/// the same supply, pool or reservation arc) starts from its previous flow, new arcs from nothing.
/// Node potentials are matched the same way, and so is the previous optimal basis (`prev.basis`):
/// each node keeps the tree arc it had if that arc still exists; a new line hangs from the sink by
/// its (empty) `line -> SINK` arc.
pub fn warm_hint(
    net: &Network,
    prev: &Network,
    prev_flow: &[i64],
    prev_potential: &[[i64; 3]],
) -> flow::WarmStart<flow::Lex3> {
    use std::collections::HashMap;
    let mut hint = vec![None; net.arc_count()];
    let mut pot = vec![None; net.node_count()];
    let same_core = prev.gens == net.gens && prev.periods == net.periods;
    if same_core {
        let core_nodes = net.sink() as usize + 1;
        for (p, q) in pot.iter_mut().zip(prev_potential).take(core_nodes) {
            *p = Some(flow::Lex3(*q));
        }
    }
    // Old core arc -> new core arc. The sink arcs of lines without delivery arcs sit among the
    // core arcs but name their line by index, which a change shifts: they are mapped with their
    // lines below.
    let is_line_arc = |k: &ArcKind| matches!(k, ArcKind::LineSink(_) | ArcKind::Deliver { .. });
    let new_core: HashMap<ArcKind, u32> = (0..net.core_arcs as usize)
        .filter(|&a| !is_line_arc(&net.kind[a]))
        .map(|a| (net.kind[a], a as u32))
        .collect();
    let mut core_map = vec![NO_LINE; prev.core_arcs as usize];
    for (a, m) in core_map.iter_mut().enumerate() {
        if is_line_arc(&prev.kind[a]) {
            continue;
        }
        if let Some(&b) = new_core.get(&prev.kind[a]) {
            *m = b;
            hint[b as usize] = prev_flow.get(a).copied();
        }
    }
    drop(new_core);
    let prev_commitments: HashMap<LineKind, usize> = prev
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| matches!(l.kind, LineKind::Commitment(..)))
        .map(|(i, l)| (l.kind, i))
        .collect();
    // Old line -> new line.
    let mut line_map = vec![NO_LINE; prev.lines.len()];
    let mut new_lines = Vec::new();
    for (l, line) in net.lines.iter().enumerate() {
        let p = match line.kind {
            LineKind::OrderConfirmed(o) => prev.order_lines.get(o.0 as usize).map(|x| x[0]),
            LineKind::OrderOpen(o) => prev.order_lines.get(o.0 as usize).map(|x| x[1]),
            LineKind::Commitment(..) => prev_commitments.get(&line.kind).map(|&i| i as u32),
        };
        let Some(p) = p.filter(|&p| p != NO_LINE && (p as usize) < prev.lines.len()) else {
            new_lines.push(l);
            continue;
        };
        let p = p as usize;
        line_map[p] = l as u32;
        let prev_arcs = &prev.line_arc_list
            [prev.line_arc_start[p] as usize..prev.line_arc_start[p + 1] as usize];
        let new_arcs =
            &net.line_arc_list[net.line_arc_start[l] as usize..net.line_arc_start[l + 1] as usize];
        for (i, &a) in new_arcs.iter().enumerate() {
            let ArcKind::Deliver { g, t, .. } = net.kind[a as usize] else {
                continue;
            };
            let same = |b: u32| matches!(prev.kind[b as usize], ArcKind::Deliver { g: pg, t: pt, .. } if pg == g && pt == t);
            // A line whose order did not change has its arcs in the same order as before.
            let found = (prev_arcs.get(i).copied())
                .filter(|&b| same(b))
                .or_else(|| prev_arcs.iter().copied().find(|&b| same(b)));
            if let Some(b) = found {
                hint[a as usize] = prev_flow.get(b as usize).copied();
            }
        }
        hint[net.line_sink_arc[l] as usize] =
            prev_flow.get(prev.line_sink_arc[p] as usize).copied();
        pot[net.line_node(l) as usize] = prev_potential
            .get(prev.line_node(p) as usize)
            .map(|&p| flow::Lex3(p));
    }
    drop(prev_commitments);
    // The previous basis, arc by arc.
    let mut tree = Vec::new();
    if same_core && prev.basis.len() == prev.node_count() {
        let map_arc = |a: flow::ArcId| -> Option<flow::ArcId> {
            let a = a.0 as usize;
            if a < prev.core_arcs as usize && !is_line_arc(&prev.kind[a]) {
                return (core_map[a] != NO_LINE).then_some(flow::ArcId(core_map[a]));
            }
            match prev.kind.get(a)? {
                ArcKind::LineSink(p) => {
                    let l = *line_map.get(*p as usize)?;
                    (l != NO_LINE).then(|| flow::ArcId(net.line_sink_arc[l as usize]))
                }
                ArcKind::Deliver { line: p, g, t } => {
                    let l = *line_map.get(*p as usize)? as usize;
                    if l == NO_LINE as usize {
                        return None;
                    }
                    let (p, a) = (*p as usize, a as u32);
                    let new_arcs = &net.line_arc_list
                        [net.line_arc_start[l] as usize..net.line_arc_start[l + 1] as usize];
                    let same = |b: u32| matches!(net.kind[b as usize], ArcKind::Deliver { g: ng, t: nt, .. } if ng == *g && nt == *t);
                    // Same position first (an unchanged line keeps its arcs' order).
                    prev.line_arc_list
                        [prev.line_arc_start[p] as usize..prev.line_arc_start[p + 1] as usize]
                        .iter()
                        .position(|&b| b == a)
                        .and_then(|i| new_arcs.get(i).copied())
                        .filter(|&b| same(b))
                        .or_else(|| new_arcs.iter().copied().find(|&b| same(b)))
                        .map(flow::ArcId)
                }
                _ => None,
            }
        };
        tree = vec![None; net.node_count()];
        let core_nodes = net.sink() as usize + 1;
        for (t, b) in tree.iter_mut().zip(&prev.basis).take(core_nodes) {
            *t = b.and_then(map_arc);
        }
        for (p, &l) in line_map.iter().enumerate() {
            if l != NO_LINE {
                tree[net.line_node(l as usize) as usize] =
                    prev.basis[prev.line_node(p) as usize].and_then(map_arc);
            }
        }
        for &l in &new_lines {
            tree[net.line_node(l) as usize] = Some(flow::ArcId(net.line_sink_arc[l]));
        }
    }
    flow::WarmStart {
        flow: hint,
        potential: pot,
        tree,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines' arcs written by two threads make the very network one thread makes.
    #[test]
    fn two_runs_of_lines_build_the_same_network_as_one() {
        for (orders, seed, now) in [(3_000, 1, 0), (5_000, 2, 3), (1, 3, 0)] {
            let mut p = bookgen::Params::new(orders, seed);
            p.confirmed_pct = 30;
            let book = bookgen::generate(&p).into_book().expect("valid");
            let one = build_with(&book, Period(now), usize::MAX).expect("builds");
            let two = build_with(&book, Period(now), 0).expect("builds");
            assert!(one.lines.len() > 1 || orders == 1);
            assert_eq!(one.from, two.from);
            assert_eq!(one.to, two.to);
            assert_eq!(one.cap, two.cap);
            assert_eq!(one.cost, two.cost);
            assert_eq!(one.kind, two.kind);
            assert_eq!(one.supply, two.supply);
            assert_eq!(one.offsets, two.offsets);
            assert_eq!(one.core_arcs, two.core_arcs);
            assert_eq!(one.line_arc_start, two.line_arc_start);
            assert_eq!(one.line_arc_list, two.line_arc_list);
            assert_eq!(one.line_sink_arc, two.line_sink_arc);
            assert_eq!(one.order_lines, two.order_lines);
            // Room for the solver's artificial arcs is kept either way.
            assert!(two.from.capacity() >= two.from.len() + two.supply.len());
        }
    }
}
