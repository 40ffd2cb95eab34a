//! The planning network as text, so that other solvers solve exactly what allot solves.
//!
//! - [`write_dimacs`]: DIMACS min-cost flow (`p min`, `n`, `a` lines, 1-based node ids) with the
//!   cost of one tier, for OR-Tools, LEMON, CS2 and the like;
//! - [`write_mps`]: the same network as a linear program in free MPS, one tier's cost as the
//!   objective and the earlier tiers bounded by their optima, so that solving tier 1, then tier 2,
//!   then tier 3 reproduces allot's lexicographic optimum with any LP solver;
//! - [`read_dimacs`]: a DIMACS file back into a [`flow::Network`], with line-numbered errors
//!   ([`read_dimacs_bytes`] from a file's bytes, refusing one that is not UTF-8 at its line).
//!
//! Pure: strings in, strings out; no I/O.
//!
//! # Reading the objectives
//!
//! Arc costs are the components of the planner's lexicographic costs (`network.rs`): tier 1 and
//! tier 2 are rewards written as negative costs, so the reported objectives are the optimum plus a
//! constant ([`planner::network::Network::offsets`]); tier 3 is minus the value. Each file says so
//! in its comment lines:
//!
//! | tier | objective allot reports |
//! |---|---|
//! | 1 (commitments) | shortfall in USD = optimum + `offsets[0]` |
//! | 2 (promises) | lateness in unit-periods = optimum + `offsets[1]` |
//! | 3 (value) | value in USD = −optimum |
//!
//! A DIMACS file for one tier alone is the single-objective problem of that tier. For tier 1 it
//! has allot's tier-1 optimum; for tiers 2 and 3 it ignores the earlier tiers (use the MPS form with
//! the earlier optima fixed to get the lexicographic optimum).
#![deny(missing_docs)]

use planner::network::{Network, INF};
use std::fmt::Write;

/// One tier of the lexicographic objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// Tier 1: commitment shortfall (cost component 0).
    Commitments,
    /// Tier 2: lateness of confirmed promises (cost component 1).
    Promises,
    /// Tier 3: value, as minus the value (cost component 2).
    Value,
}

impl Tier {
    /// All tiers, in lexicographic order.
    pub const ALL: [Tier; 3] = [Tier::Commitments, Tier::Promises, Tier::Value];

    /// The cost component (0, 1 or 2).
    pub fn index(self) -> usize {
        match self {
            Tier::Commitments => 0,
            Tier::Promises => 1,
            Tier::Value => 2,
        }
    }

    /// The tier numbered 1, 2 or 3.
    pub fn from_number(n: u32) -> Option<Tier> {
        match n {
            1 => Some(Tier::Commitments),
            2 => Some(Tier::Promises),
            3 => Some(Tier::Value),
            _ => None,
        }
    }

    /// The tier's number (1, 2 or 3).
    pub fn number(self) -> u32 {
        self.index() as u32 + 1
    }

    fn describe(self) -> &'static str {
        match self {
            Tier::Commitments => "commitments (arc cost = -shortfall penalty, USD per unit)",
            Tier::Promises => "promises (arc cost = lateness - (T - promised period), per unit)",
            Tier::Value => "value (arc cost = -value, USD per unit)",
        }
    }

    /// How to turn the optimum of this tier's file into the objective allot reports.
    fn reading(self, net: &Network) -> String {
        match self {
            Tier::Commitments => format!(
                "commitment shortfall (USD) = optimal cost + {}",
                net.offsets[0]
            ),
            Tier::Promises => format!(
                "promise lateness (unit-periods) = optimal cost + {}",
                net.offsets[1]
            ),
            Tier::Value => "value (USD) = -(optimal cost)".to_string(),
        }
    }
}

/// The finite capacity written for uncapacitated arcs: the total supply (at least 1).
///
/// Exact for the planning network: it is acyclic, so no arc ever carries more than the total
/// supply. A large finite number rather than `INF` keeps OR-Tools and LP readers away from
/// overflow and "infinite" bounds.
pub fn uncapacitated(net: &Network) -> i64 {
    net.supply.iter().filter(|&&s| s > 0).sum::<i64>().max(1)
}

fn header(out: &mut String, net: &Network, tier: Tier, label: &str, mark: &str) {
    let label = label.replace(['\n', '\r'], " ");
    let book = if label.is_empty() {
        String::new()
    } else {
        format!("{label}: ")
    };
    let lines = [
        "allot planning network (crates/planner/src/network.rs), exported by netio".to_string(),
        format!(
            "book: {book}{} generations, {} periods, {} demand lines, total supply {} units",
            net.gens,
            net.periods,
            net.lines.len(),
            uncapacitated(net)
        ),
        format!(
            "nodes: {}, arcs: {}; node k (1-based) = planner node k-1: S(g,t) = g*T+t+1, P(g,t) = G*T+g*(T+1)+t+1, sink = {}, lines after it",
            net.node_count(),
            net.arc_count(),
            net.sink() + 1
        ),
        format!("tier: {} of 3: {}", tier.number(), tier.describe()),
        format!("objective: {}", tier.reading(net)),
        if mark == "c" {
            format!(
                "uncapacitated arcs have capacity {} (total supply; exact, the network is acyclic)",
                uncapacitated(net)
            )
        } else {
            "uncapacitated arcs have no upper bound".to_string()
        },
    ];
    for l in lines {
        let _ = writeln!(out, "{mark} {l}");
    }
}

/// The network as a DIMACS min-cost-flow problem with the cost of `tier`.
///
/// `p min NODES ARCS`, then `n id supply` for every node with a non-zero supply, then
/// `a from to 0 capacity cost` for every arc in the planner's arc order; node ids are the planner's
/// plus one. Comment lines (`c`) say what the book is, which tier, and how to read the objective.
pub fn write_dimacs(net: &Network, tier: Tier) -> String {
    write_dimacs_labeled(net, tier, "")
}

/// [`write_dimacs`] with a label for the book (a file name, a seed) in the comments.
pub fn write_dimacs_labeled(net: &Network, tier: Tier, label: &str) -> String {
    let k = tier.index();
    let big = uncapacitated(net);
    let mut out = String::with_capacity(64 + net.node_count() * 8 + net.arc_count() * 32);
    header(&mut out, net, tier, label, "c");
    let _ = writeln!(out, "p min {} {}", net.node_count(), net.arc_count());
    for (v, &s) in net.supply.iter().enumerate() {
        if s != 0 {
            let _ = writeln!(out, "n {} {}", v + 1, s);
        }
    }
    for a in 0..net.arc_count() {
        let cap = if net.cap[a] >= INF { big } else { net.cap[a] };
        let _ = writeln!(
            out,
            "a {} {} 0 {} {}",
            net.from[a] + 1,
            net.to[a] + 1,
            cap,
            net.cost[a][k]
        );
    }
    out
}

/// The network as a linear program in free MPS, minimising the cost of `tier`.
///
/// Columns `x1..xM` are the arc flows (bounds `[0, capacity]`, no upper bound when uncapacitated);
/// rows `n1..nN` are the node balances `outflow - inflow = supply` (equalities); row `COST` is the
/// objective. Each earlier tier `j` with an entry in `fixed` gets a row `Tj`:
/// `sum(cost_j * x) <= fixed[j]`, where `fixed[j]` is that tier's optimum as a plain cost sum
/// (without the offsets); entries for the tier itself and later ones are ignored.
///
/// - `fixed = &[]`: the single-tier LP, the same problem as [`write_dimacs`] of that tier;
/// - `fixed` = the optima of all earlier tiers: solving tier 1, then tier 2 with tier 1's optimum,
///   then tier 3 with both reproduces allot's lexicographic optimum exactly (the matrix is a
///   network matrix: the optimum of every stage is integral).
pub fn write_mps(net: &Network, tier: Tier, fixed: &[i64]) -> String {
    let k = tier.index();
    let fixed = &fixed[..fixed.len().min(k)];
    let mut out = String::with_capacity(256 + net.node_count() * 24 + net.arc_count() * 80);
    header(&mut out, net, tier, "", "*");
    if fixed.is_empty() && k > 0 {
        out.push_str("* single tier: earlier tiers are not constrained (same problem as the DIMACS file of this tier)\n");
    }
    for (j, f) in fixed.iter().enumerate() {
        let _ = writeln!(
            out,
            "* row T{}: tier {} cost <= {f} (its optimum, without offsets)",
            j + 1,
            j + 1
        );
    }
    let _ = writeln!(out, "NAME allot_tier{}", tier.number());
    out.push_str("ROWS\n N COST\n");
    for j in 0..fixed.len() {
        let _ = writeln!(out, " L T{}", j + 1);
    }
    for v in 0..net.node_count() {
        let _ = writeln!(out, " E n{}", v + 1);
    }
    out.push_str("COLUMNS\n");
    for a in 0..net.arc_count() {
        let c = net.cost[a];
        let (u, v) = (net.from[a] + 1, net.to[a] + 1);
        let mut any = false;
        if c[k] != 0 {
            let _ = writeln!(out, " x{} COST {}", a + 1, c[k]);
            any = true;
        }
        for (j, cj) in c.iter().enumerate().take(fixed.len()) {
            if *cj != 0 {
                let _ = writeln!(out, " x{} T{} {}", a + 1, j + 1, cj);
                any = true;
            }
        }
        if u != v {
            let _ = writeln!(out, " x{} n{u} 1", a + 1);
            let _ = writeln!(out, " x{} n{v} -1", a + 1);
        } else if !any {
            // A self-loop with no cost still has to be declared.
            let _ = writeln!(out, " x{} COST 0", a + 1);
        }
    }
    out.push_str("RHS\n");
    for (j, f) in fixed.iter().enumerate() {
        let _ = writeln!(out, " RHS T{} {f}", j + 1);
    }
    for (v, &s) in net.supply.iter().enumerate() {
        if s != 0 {
            let _ = writeln!(out, " RHS n{} {s}", v + 1);
        }
    }
    out.push_str("BOUNDS\n");
    for a in 0..net.arc_count() {
        if net.cap[a] < INF {
            let _ = writeln!(out, " UP BND x{} {}", a + 1, net.cap[a]);
        }
    }
    out.push_str("ENDATA\n");
    out
}

/// The single-tier network of `tier` as a [`flow::Network`] (uncapacitated arcs stay `INF_CAP`).
pub fn tier_network(net: &Network, tier: Tier) -> flow::Network<i64> {
    let k = tier.index();
    let mut f = flow::Network::with_capacity(net.node_count(), net.arc_count());
    for &s in &net.supply {
        f.add_node(s);
    }
    for a in 0..net.arc_count() {
        f.add_arc(
            flow::NodeId(net.from[a]),
            flow::NodeId(net.to[a]),
            net.cap[a],
            net.cost[a][k],
        );
    }
    f
}

/// What is wrong with a DIMACS file, and on which line (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct DimacsError {
    /// The line (1-based).
    pub line: usize,
    /// What is wrong.
    pub kind: DimacsErrorKind,
}

/// The kinds of [`DimacsError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DimacsErrorKind {
    /// A line starting with something other than `c`, `p`, `n`, `a`.
    #[error("unknown line type {0:?} (expected c, p, n or a)")]
    UnknownLine(String),
    /// A byte that is not UTF-8 (the first one in the file).
    #[error("not valid UTF-8 at column {column} (byte offset {byte} in the file); the file must be UTF-8 text")]
    NotUtf8 {
        /// The column, in characters (1-based).
        column: usize,
        /// The byte offset in the file.
        byte: usize,
    },
    /// Wrong number of fields.
    #[error("expected `{0}`")]
    Fields(&'static str),
    /// A field that is not an integer in range.
    #[error("{field} {text:?} is not an integer in range")]
    Number {
        /// Which field.
        field: &'static str,
        /// Its text.
        text: String,
    },
    /// Not a min-cost-flow problem.
    #[error("problem type {0:?} is not `min`")]
    NotMin(String),
    /// A second `p` line.
    #[error("a second problem line")]
    DuplicateProblem,
    /// An `n` or `a` line before the `p` line.
    #[error("node or arc line before the problem line")]
    BeforeProblem,
    /// No `p` line at all.
    #[error("no problem line (`p min NODES ARCS`)")]
    NoProblem,
    /// A node id outside `1..=nodes`.
    #[error("node {id} outside 1..={nodes}")]
    NodeOutOfRange {
        /// The id.
        id: u64,
        /// Nodes declared.
        nodes: u64,
    },
    /// A node given a supply twice.
    #[error("node {0} already has a supply")]
    DuplicateNode(u64),
    /// A supply beyond `±flow::INF_CAP`.
    #[error("supply {0} outside -INF_CAP..=INF_CAP")]
    Supply(i64),
    /// A lower bound other than 0.
    #[error("lower bound {0} is not 0 (not supported)")]
    LowerBound(i64),
    /// A capacity outside `0..=flow::INF_CAP`.
    #[error("capacity {0} outside 0..=INF_CAP")]
    Capacity(i64),
    /// More `a` lines than declared.
    #[error("more arcs than the {0} declared")]
    TooManyArcs(u64),
    /// A node or arc count beyond [`MAX_NODES`] / [`MAX_ARCS`].
    #[error("{what} {value} exceeds the limit of {limit}")]
    TooLarge {
        /// `node count` or `arc count`.
        what: &'static str,
        /// Declared.
        value: u64,
        /// The limit.
        limit: u64,
    },
    /// More declared nodes than [`MAX_UNNAMED_NODES`] that no line names (reported at the `p`
    /// line): each would cost the solver memory while having neither supply nor arcs.
    #[error(
        "{unnamed} of the {declared} declared nodes appear on no `n` or `a` line; at most \
         {limit} such isolated nodes are accepted"
    )]
    UnnamedNodes {
        /// Declared.
        declared: u64,
        /// Declared but on no line.
        unnamed: u64,
        /// [`MAX_UNNAMED_NODES`].
        limit: u64,
    },
    /// An arc cost too large for the solver's potentials with this many nodes.
    #[error(
        "cost {cost} outside -{limit}..={limit} (with {nodes} nodes the solver needs \
         8 * (nodes + 1) * |cost| to fit in 64 bits)"
    )]
    Cost {
        /// The cost.
        cost: i64,
        /// The largest magnitude accepted.
        limit: i64,
        /// Nodes declared.
        nodes: u64,
    },
    /// The positive supplies and finite capacities (those below `INF_CAP`) so far add up to
    /// `INF_CAP` or more, beyond what the solver accepts.
    #[error(
        "positive supplies plus finite capacities reach {total}, not below INF_CAP = {inf}",
        inf = flow::INF_CAP
    )]
    FlowTotal {
        /// The sum up to and including this line.
        total: i64,
    },
    /// The arcs up to this one could cost more in total than 64 bits hold, so the optimal cost
    /// (and the solver's sums) could overflow.
    #[error(
        "the arcs up to this one could cost {bound} in total (|cost| times the most flow the arc \
         can carry, min(capacity, {flow_bound}), summed over arcs), beyond the 64-bit range"
    )]
    CostTotal {
        /// The bound on `sum |cost| * flow` up to this arc.
        bound: i128,
        /// The most flow any arc can carry: positive supplies plus finite capacities.
        flow_bound: i64,
    },
    /// Fewer `a` lines than declared (reported at the `p` line).
    #[error("{declared} arcs declared, {found} found")]
    TooFewArcs {
        /// Declared.
        declared: u64,
        /// Found.
        found: u64,
    },
}

fn num<T: std::str::FromStr>(field: &'static str, text: &str) -> Result<T, DimacsErrorKind> {
    text.parse().map_err(|_| DimacsErrorKind::Number {
        field,
        text: text.to_string(),
    })
}

/// Most nodes a DIMACS file may declare (2^28): the solver indexes nodes with `u32`, and every
/// product of the node count used in the bounds below stays far inside 64 bits.
pub const MAX_NODES: u64 = 1 << 28;

/// Most arcs a DIMACS file may declare (2^28).
pub const MAX_ARCS: u64 = 1 << 28;

/// Most declared nodes that no `n` or `a` line names (2^20). Such a node has no supply and no
/// arc, yet the solver keeps state for it: without this bound a 20-byte file declaring 2^28
/// nodes would take gigabytes.
pub const MAX_UNNAMED_NODES: u64 = 1 << 20;

/// The shortest arc line, `a 1 1 0 0 0`: a file of `b` bytes has at most `b / 11` arcs, so no
/// more room than that is reserved whatever the `p` line declares.
const MIN_ARC_LINE: usize = 11;

/// A set of node indices that grows with the largest index set (at most `MAX_NODES / 8` bytes),
/// so that nothing is allocated for the nodes a file merely declares.
#[derive(Default)]
struct Bits(Vec<u64>);

impl Bits {
    /// Adds `i`; whether it was there already.
    fn insert(&mut self, i: usize) -> bool {
        let (w, bit) = (i / 64, 1u64 << (i % 64));
        if w >= self.0.len() {
            self.0.resize(w + 1, 0);
        }
        let had = self.0[w] & bit != 0;
        self.0[w] |= bit;
        had
    }

    fn len(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.count_ones())).sum()
    }
}

/// [`read_dimacs`] of a file's bytes: a file that is not UTF-8 is refused at the line and
/// column of its first bad byte, with its offset in the file (as the scenario and order CSV
/// readers refuse one: `book::text::utf8_text`).
pub fn read_dimacs_bytes(bytes: &[u8]) -> Result<flow::Network<i64>, DimacsError> {
    let text = book::text::utf8_text(bytes).map_err(|e| DimacsError {
        line: e.line,
        kind: DimacsErrorKind::NotUtf8 {
            column: e.column,
            byte: e.byte,
        },
    })?;
    read_dimacs(text)
}

/// Reads a DIMACS min-cost-flow problem (`c`, `p min N M`, `n id supply`, `a u v low cap cost`).
///
/// Lower bounds must be 0, capacities in `0..=flow::INF_CAP`; nodes without an `n` line have
/// supply 0. Arcs keep their order (arc `k` of the file is `ArcId(k-1)`), node `i` is `NodeId(i-1)`.
///
/// Everything the solver needs to stay within 64 bits (`flow`'s preconditions on magnitudes) is
/// checked, so that a file read here solves without overflow, and memory follows the file's
/// size, not the counts it declares:
/// - at most [`MAX_NODES`] nodes and [`MAX_ARCS`] arcs, and at most [`MAX_UNNAMED_NODES`]
///   declared nodes that no line names;
/// - the positive supplies plus the finite capacities (below `INF_CAP`) sum to less than
///   `INF_CAP`; that sum `F` bounds the flow on any arc of a basic solution;
/// - `|cost| <= i64::MAX / (8 * (nodes + 1))`: potentials are sums of costs along tree paths
///   (at most `nodes` arcs), reduced costs differences of two of them, and folding the
///   artificial components of the potentials at the end adds twice the largest such reduced
///   cost, all well within `8 * (nodes + 1) * max |cost|`;
/// - `sum over arcs of |cost| * min(capacity, F)` fits in `i64`, so the total cost and every
///   partial sum of it do; the error names the arc line where the sum first goes beyond.
pub fn read_dimacs(text: &str) -> Result<flow::Network<i64>, DimacsError> {
    struct Problem {
        nodes: u64,
        arcs: u64,
        line: usize,
        cost_limit: i64,
    }
    let mut problem: Option<Problem> = None;
    // Supplies as given (node index, supply); the rest are 0.
    let mut supplies: Vec<(u32, i64)> = Vec::new();
    let (mut has_supply, mut named) = (Bits::default(), Bits::default());
    // Positive supplies plus finite capacities so far (below INF_CAP).
    let mut flow_bound: i64 = 0;
    let (mut from, mut to, mut cap, mut cost) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let err = |kind| DimacsError { line, kind };
        let mut f = raw.split_ascii_whitespace();
        let Some(tag) = f.next() else { continue };
        let rest: Vec<&str> = f.collect();
        let mut add_to_flow_bound = |v: i64| {
            // Both terms are below INF_CAP = i64::MAX / 4: the sum cannot overflow.
            flow_bound += v;
            if flow_bound >= flow::INF_CAP {
                return Err(err(DimacsErrorKind::FlowTotal { total: flow_bound }));
            }
            Ok(())
        };
        match tag {
            "c" => {}
            "p" => {
                if problem.is_some() {
                    return Err(err(DimacsErrorKind::DuplicateProblem));
                }
                let [kind, n, m] = rest[..] else {
                    return Err(err(DimacsErrorKind::Fields("p min NODES ARCS")));
                };
                if kind != "min" {
                    return Err(err(DimacsErrorKind::NotMin(kind.to_string())));
                }
                let n: u64 = num("node count", n).map_err(err)?;
                let m: u64 = num("arc count", m).map_err(err)?;
                for (what, value, limit) in
                    [("node count", n, MAX_NODES), ("arc count", m, MAX_ARCS)]
                {
                    if value > limit {
                        return Err(err(DimacsErrorKind::TooLarge { what, value, limit }));
                    }
                }
                // Room for the arcs the file can hold, however many it declares.
                let reserve = (m as usize).min(text.len() / MIN_ARC_LINE);
                from.reserve(reserve);
                to.reserve(reserve);
                cap.reserve(reserve);
                cost.reserve(reserve);
                problem = Some(Problem {
                    nodes: n,
                    arcs: m,
                    line,
                    // n <= 2^28: the divisor is at most 2^31 + 8.
                    cost_limit: i64::MAX / (8 * (n as i64 + 1)),
                });
            }
            "n" => {
                let Some(p) = &problem else {
                    return Err(err(DimacsErrorKind::BeforeProblem));
                };
                let nodes = p.nodes;
                let [id, s] = rest[..] else {
                    return Err(err(DimacsErrorKind::Fields("n ID SUPPLY")));
                };
                let id: u64 = num("node id", id).map_err(err)?;
                let s: i64 = num("supply", s).map_err(err)?;
                if id == 0 || id > nodes {
                    return Err(err(DimacsErrorKind::NodeOutOfRange { id, nodes }));
                }
                if !(-flow::INF_CAP..=flow::INF_CAP).contains(&s) {
                    return Err(err(DimacsErrorKind::Supply(s)));
                }
                let v = id as usize - 1;
                if has_supply.insert(v) {
                    return Err(err(DimacsErrorKind::DuplicateNode(id)));
                }
                if s > 0 {
                    add_to_flow_bound(s)?;
                }
                named.insert(v);
                supplies.push((v as u32, s));
            }
            "a" => {
                let Some(p) = &problem else {
                    return Err(err(DimacsErrorKind::BeforeProblem));
                };
                let (nodes, arcs, cost_limit) = (p.nodes, p.arcs, p.cost_limit);
                let [u, v, low, c, w] = rest[..] else {
                    return Err(err(DimacsErrorKind::Fields("a FROM TO LOW CAP COST")));
                };
                let u: u64 = num("tail", u).map_err(err)?;
                let v: u64 = num("head", v).map_err(err)?;
                let low: i64 = num("lower bound", low).map_err(err)?;
                let c: i64 = num("capacity", c).map_err(err)?;
                let w: i64 = num("cost", w).map_err(err)?;
                for id in [u, v] {
                    if id == 0 || id > nodes {
                        return Err(err(DimacsErrorKind::NodeOutOfRange { id, nodes }));
                    }
                }
                if low != 0 {
                    return Err(err(DimacsErrorKind::LowerBound(low)));
                }
                if !(0..=flow::INF_CAP).contains(&c) {
                    return Err(err(DimacsErrorKind::Capacity(c)));
                }
                if w.unsigned_abs() > cost_limit as u64 {
                    return Err(err(DimacsErrorKind::Cost {
                        cost: w,
                        limit: cost_limit,
                        nodes,
                    }));
                }
                if from.len() as u64 >= arcs {
                    return Err(err(DimacsErrorKind::TooManyArcs(arcs)));
                }
                if c < flow::INF_CAP {
                    add_to_flow_bound(c)?;
                }
                named.insert(u as usize - 1);
                named.insert(v as usize - 1);
                from.push(u as u32 - 1);
                to.push(v as u32 - 1);
                cap.push(c);
                cost.push(w);
            }
            other => return Err(err(DimacsErrorKind::UnknownLine(other.to_string()))),
        }
    }
    let Some(Problem {
        nodes,
        arcs,
        line: pline,
        ..
    }) = problem
    else {
        return Err(DimacsError {
            line: text.lines().count().max(1),
            kind: DimacsErrorKind::NoProblem,
        });
    };
    if (from.len() as u64) < arcs {
        return Err(DimacsError {
            line: pline,
            kind: DimacsErrorKind::TooFewArcs {
                declared: arcs,
                found: from.len() as u64,
            },
        });
    }
    let unnamed = nodes - named.len();
    if unnamed > MAX_UNNAMED_NODES {
        return Err(DimacsError {
            line: pline,
            kind: DimacsErrorKind::UnnamedNodes {
                declared: nodes,
                unnamed,
                limit: MAX_UNNAMED_NODES,
            },
        });
    }
    // The flow on an arc of a basic solution (the solver's every basis, and its answer) is at
    // most `flow_bound`: the supply on one side of a tree arc plus the saturated finite arcs.
    let mut bound: i128 = 0;
    for a in 0..from.len() {
        bound += i128::from(cost[a].unsigned_abs()) * i128::from(cap[a].min(flow_bound));
        if bound > i128::from(i64::MAX) {
            return Err(DimacsError {
                line: line_of_arc(text, a),
                kind: DimacsErrorKind::CostTotal { bound, flow_bound },
            });
        }
    }
    let mut net = flow::Network::with_capacity(nodes as usize, from.len());
    for _ in 0..nodes {
        net.add_node(0);
    }
    for (v, s) in supplies {
        net.set_supply(flow::NodeId(v), s);
    }
    for a in 0..from.len() {
        net.add_arc(flow::NodeId(from[a]), flow::NodeId(to[a]), cap[a], cost[a]);
    }
    Ok(net)
}

/// The line of the `k`-th arc (from 0) of a file [`read_dimacs`] has read.
fn line_of_arc(text: &str, k: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.split_ascii_whitespace().next() == Some("a"))
        .nth(k)
        .map_or(1, |(i, _)| i + 1)
}
