//! Independent checker of min-cost-flow certificates with lexicographic
//! three-tier costs.
//!
//! A solver hands us a [`Network`] and a [`Certificate`] (a flow per arc and
//! a vector potential per node). [`check`] verifies, in exact integer
//! arithmetic and without trusting the solver, that the flow is feasible and
//! is a *lexicographically minimum-cost* flow. This crate deliberately shares
//! no code or types with the solver.
//!
//! # Model
//!
//! * Every arc `a = u -> v` has lower bound 0, an upper bound
//!   `capacity[a]` and a cost vector `cost[a] = [c0, c1, c2]`; component 0 is
//!   the most important tier (commitments), then 1 (promises), then 2
//!   (value).
//! * Node `n` has `supply[n]` (negative for demand). A flow `f` is
//!   *feasible* if `0 <= f[a] <= capacity[a]` for every arc and
//!   `supply[n] + inflow(n) - outflow(n) == 0` for every node.
//! * Vectors in `Z^3` are ordered **lexicographically**: the first nonzero
//!   component decides the sign ([`lex_sign`]). The cost of a flow is the
//!   vector `c·f = sum_a f[a] * cost[a]` ([`objective`]); we minimise it in
//!   this order, i.e. tier 0 first, then tier 1 among the tier-0 optima, and
//!   so on.
//!
//! # What is checked
//!
//! With potentials `pi[n] in Z^3`, the reduced cost of `a = u -> v` is
//! `r[a] = cost[a] + pi[u] - pi[v]` (componentwise, in `i128`, so it cannot
//! overflow). [`check`] accepts iff
//!
//! 1. **bounds**: `0 <= f[a] <= capacity[a]` for every arc;
//! 2. **conservation**: `supply[n] + inflow(n) - outflow(n) == 0` for every
//!    node (sums in `i128`);
//! 3. **complementary slackness**: `r[a] >lex 0  =>  f[a] == 0`, and
//!    `r[a] <lex 0  =>  f[a] == capacity[a]`;
//! 4. the objective fits in `i128` (it always does unless costs and flows are
//!    both near `i64::MAX` on several arcs).
//!
//! # Why this proves optimality
//!
//! Let `f` pass the check and let `g` be any feasible flow (even fractional).
//! Expanding the reduced costs, every `pi[n]` is multiplied by
//! `outflow_g(n) - inflow_g(n) = supply[n]`, so
//! `r·g = c·g + sum_n supply[n] * pi[n]`, and the same for `f`. Subtracting,
//!
//! ```text
//! c·g - c·f = sum_a r[a] * (g[a] - f[a])          (a vector in Z^3 / R^3)
//! ```
//!
//! Each term is `>=lex 0`: if `r[a] >lex 0` then `f[a] = 0`, so
//! `g[a] - f[a] >= 0`; if `r[a] <lex 0` then `f[a] = capacity[a]`, so
//! `g[a] - f[a] <= 0`; if `r[a] = 0` the term is zero. A lexicographically
//! nonnegative vector times a nonnegative scalar (or a negative one times a
//! nonpositive scalar) is lexicographically nonnegative, and the
//! lexicographic order is compatible with addition, so the sum is `>=lex 0`:
//! `c·g >=lex c·f`. Hence `f` is lexicographically optimal.
//!
//! This is LP duality applied tier by tier: the tier-0 components of `pi`
//! are ordinary dual prices proving `f` optimal for tier 0 alone; arcs whose
//! tier-0 reduced cost is nonzero are pinned at a bound in *every* tier-0
//! optimum (by the same identity, an optimum makes every term zero), and on
//! the remaining arcs the tier-1 components prove tier-1 optimality among
//! tier-0 optima, and so on.
//!
//! Conversely (completeness), every lexicographically optimal flow of a
//! feasible network has such integer potentials: the residual graph of an
//! optimal flow has no lexicographically negative cycle, so the shortest-path
//! distances `d` from a virtual source (zero-cost arcs to every node) exist,
//! are integer, and `pi = d` satisfies 3. Moreover, for a fixed valid `pi`,
//! *every* optimal flow satisfies 3 with that same `pi` (all terms of the sum
//! above must vanish). The only way to be unable to certify an optimal flow is
//! if its potentials do not fit in `i64`, which needs costs near
//! `i64::MAX / nodes`.
//!
//! # Single-objective use
//!
//! There is no separate single-tier entry point: put the costs in one
//! component (conventionally `cost[2]`, the value tier) and zeros in the other
//! two, and do the same with the potentials. The lexicographic sign then is
//! the ordinary sign of that component and the check is the classical
//! complementary-slackness test.

#![deny(missing_docs)]

use std::cmp::Ordering;
use std::fmt;

/// Maximum number of violations kept in a [`CheckError`] (the total is still counted).
pub const MAX_REPORTED: usize = 20;

/// A network as the checker sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Network {
    /// Supply of each node (negative = demand); its length is the node count.
    pub node_supply: Vec<i64>,
    /// Tail of each arc. The four arc arrays (`from`, `to`, `capacity`, `cost`) hold one entry
    /// per arc, in the same order; lower bounds are always 0. Kept as separate arrays so that a
    /// solver can hand over its own arrays without building a copy.
    pub from: Vec<u32>,
    /// Head of each arc.
    pub to: Vec<u32>,
    /// Upper bound on the flow of each arc.
    pub capacity: Vec<i64>,
    /// Cost per unit of flow of each arc, tier 0 most important.
    pub cost: Vec<[i64; 3]>,
}

impl Network {
    /// A network with these nodes and arcs.
    pub fn from_arcs(node_supply: Vec<i64>, arcs: impl IntoIterator<Item = Arc>) -> Self {
        let mut net = Network {
            node_supply,
            ..Network::default()
        };
        for arc in arcs {
            net.push_arc(arc);
        }
        net
    }

    /// Appends an arc.
    pub fn push_arc(&mut self, arc: Arc) {
        self.from.push(arc.from);
        self.to.push(arc.to);
        self.capacity.push(arc.capacity);
        self.cost.push(arc.cost);
    }

    /// Keeps the first `m` arcs.
    pub fn truncate_arcs(&mut self, m: usize) {
        self.from.truncate(m);
        self.to.truncate(m);
        self.capacity.truncate(m);
        self.cost.truncate(m);
    }

    /// Number of arcs (the length of `from`; [`check`] rejects arrays of other lengths).
    pub fn arc_count(&self) -> usize {
        self.from.len()
    }

    /// Arc `a`.
    ///
    /// # Panics
    /// If `a` is not an arc of every arc array.
    pub fn arc(&self, a: usize) -> Arc {
        Arc {
            from: self.from[a],
            to: self.to[a],
            capacity: self.capacity[a],
            cost: self.cost[a],
        }
    }

    /// The arcs in order (as far as all four arc arrays reach).
    pub fn arcs(&self) -> impl ExactSizeIterator<Item = Arc> + '_ {
        let m = self
            .from
            .len()
            .min(self.to.len())
            .min(self.capacity.len())
            .min(self.cost.len());
        (0..m).map(|a| self.arc(a))
    }
}

/// A directed arc `from -> to` with lower bound 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arc {
    /// Tail node index.
    pub from: u32,
    /// Head node index.
    pub to: u32,
    /// Upper bound on the flow.
    pub capacity: i64,
    /// Cost per unit of flow, tier 0 most important.
    pub cost: [i64; 3],
}

/// What a solver claims: a flow per arc and a potential vector per node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Certificate {
    /// Flow on each arc (same order as the network's arc arrays).
    pub flow: Vec<i64>,
    /// Potential of each node (same order as [`Network::node_supply`]).
    pub potential: Vec<[i64; 3]>,
}

/// Summary of a successful check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Total cost `sum(flow * cost)` per tier.
    pub objective: [i128; 3],
    /// Number of arcs verified.
    pub arcs_checked: usize,
    /// Number of nodes verified.
    pub nodes_checked: usize,
}

/// Which part of the input has the wrong length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `Network::to`, `capacity` or `cost` versus `Network::from` (the number of arcs).
    Arcs,
    /// `Certificate::flow` versus the number of arcs.
    Flow,
    /// `Certificate::potential` versus the number of nodes.
    Potential,
}

/// One reason a certificate is rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A certificate vector has the wrong length.
    ShapeMismatch {
        /// Which vector.
        what: Shape,
        /// Length required by the network.
        expected: usize,
        /// Length found in the certificate.
        found: usize,
    },
    /// An arc names a node that does not exist.
    ArcEndpointOutOfRange {
        /// Arc index.
        arc: usize,
        /// Its tail.
        from: u32,
        /// Its head.
        to: u32,
        /// Number of nodes in the network.
        nodes: usize,
    },
    /// Flow is negative or above capacity.
    FlowOutOfBounds {
        /// Arc index.
        arc: usize,
        /// Flow on the arc.
        flow: i64,
        /// Capacity of the arc.
        capacity: i64,
    },
    /// `supply + inflow - outflow != 0` at a node.
    Conservation {
        /// Node index.
        node: usize,
        /// Supply of the node.
        supply: i64,
        /// Total flow into the node.
        inflow: i128,
        /// Total flow out of the node.
        outflow: i128,
    },
    /// Lexicographically positive reduced cost but nonzero flow.
    ReducedCostPositiveWithFlow {
        /// Arc index.
        arc: usize,
        /// Reduced cost of the arc.
        reduced: [i128; 3],
        /// Flow on the arc.
        flow: i64,
    },
    /// Lexicographically negative reduced cost but flow below capacity.
    ReducedCostNegativeBelowCapacity {
        /// Arc index.
        arc: usize,
        /// Reduced cost of the arc.
        reduced: [i128; 3],
        /// Flow on the arc.
        flow: i64,
        /// Capacity of the arc.
        capacity: i64,
    },
    /// The objective of one tier does not fit in `i128`.
    Overflow {
        /// Tier (0, 1 or 2) whose sum overflowed.
        tier: usize,
        /// Arc whose term made the sum overflow.
        arc: usize,
        /// Flow on that arc.
        flow: i64,
        /// Cost of that arc in that tier.
        cost: i64,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::ShapeMismatch {
                what,
                expected,
                found,
            } => {
                let what = match what {
                    Shape::Arcs => "arc arrays (to, capacity and cost as long as from)",
                    Shape::Flow => "flow vector (one entry per arc)",
                    Shape::Potential => "potential vector (one entry per node)",
                };
                write!(f, "{what} has length {found}, expected {expected}")
            }
            Violation::ArcEndpointOutOfRange {
                arc,
                from,
                to,
                nodes,
            } => write!(
                f,
                "arc {arc} ({from} -> {to}) has an endpoint outside 0..{nodes}"
            ),
            Violation::FlowOutOfBounds {
                arc,
                flow,
                capacity,
            } => write!(
                f,
                "arc {arc}: flow {flow} outside bounds [0, {capacity}]"
            ),
            Violation::Conservation {
                node,
                supply,
                inflow,
                outflow,
            } => write!(
                f,
                "node {node}: supply {supply} + inflow {inflow} - outflow {outflow} = {} != 0",
                i128::from(*supply) + inflow - outflow
            ),
            Violation::ReducedCostPositiveWithFlow { arc, reduced, flow } => write!(
                f,
                "arc {arc}: reduced cost {reduced:?} is lexicographically positive but flow is {flow} (must be 0)"
            ),
            Violation::ReducedCostNegativeBelowCapacity {
                arc,
                reduced,
                flow,
                capacity,
            } => write!(
                f,
                "arc {arc}: reduced cost {reduced:?} is lexicographically negative but flow {flow} is below capacity {capacity}"
            ),
            Violation::Overflow {
                tier,
                arc,
                flow,
                cost,
            } => write!(
                f,
                "objective of tier {tier} overflows i128 when adding arc {arc} (flow {flow} * cost {cost})"
            ),
        }
    }
}

/// Why a certificate was rejected: the first [`MAX_REPORTED`] violations and the total count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    /// The first violations found (at most [`MAX_REPORTED`]), in check order.
    pub violations: Vec<Violation>,
    /// Total number of violations found (may exceed `violations.len()`).
    pub total: usize,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "certificate rejected: {} violation{}",
            self.total,
            if self.total == 1 { "" } else { "s" }
        )?;
        for v in &self.violations {
            write!(f, "\n  - {v}")?;
        }
        if self.total > self.violations.len() {
            write!(f, "\n  ... and {} more", self.total - self.violations.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for CheckError {}

/// Accumulates violations, keeping the first [`MAX_REPORTED`].
#[derive(Default)]
struct Collector {
    kept: Vec<Violation>,
    total: usize,
}

impl Collector {
    fn push(&mut self, v: Violation) {
        if self.kept.len() < MAX_REPORTED {
            self.kept.push(v);
        }
        self.total += 1;
    }

    fn finish(self) -> Result<(), CheckError> {
        if self.total == 0 {
            Ok(())
        } else {
            Err(CheckError {
                violations: self.kept,
                total: self.total,
            })
        }
    }
}

/// Lexicographic sign of a vector: the first nonzero component decides.
pub fn lex_sign(v: &[i128; 3]) -> Ordering {
    v.iter()
        .map(|x| x.cmp(&0))
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

/// Reduced cost `cost + potential[from] - potential[to]` of an arc, componentwise in `i128`.
pub fn reduced_cost(arc: &Arc, potential_from: &[i64; 3], potential_to: &[i64; 3]) -> [i128; 3] {
    std::array::from_fn(|k| {
        i128::from(arc.cost[k]) + i128::from(potential_from[k]) - i128::from(potential_to[k])
    })
}

/// Objective `sum(flow * cost)` per tier, or the first [`Violation::Overflow`] or
/// [`Violation::ShapeMismatch`] encountered.
pub fn try_objective(net: &Network, flow: &[i64]) -> Result<[i128; 3], Violation> {
    if flow.len() != net.cost.len() {
        return Err(Violation::ShapeMismatch {
            what: Shape::Flow,
            expected: net.cost.len(),
            found: flow.len(),
        });
    }
    let mut total = [0i128; 3];
    for (a, (cost, &x)) in net.cost.iter().zip(flow).enumerate() {
        for (tier, t) in total.iter_mut().enumerate() {
            // |x * c| <= 2^126, so the product itself cannot overflow.
            let term = i128::from(x) * i128::from(cost[tier]);
            *t = t.checked_add(term).ok_or(Violation::Overflow {
                tier,
                arc: a,
                flow: x,
                cost: cost[tier],
            })?;
        }
    }
    Ok(total)
}

/// Objective `sum(flow * cost)` per tier in `i128`.
///
/// # Panics
/// If `flow.len()` is not the number of arcs or a tier's sum overflows `i128`
/// (needs several arcs with flow and cost near `i64::MAX`); use
/// [`try_objective`] to get these as a [`Violation`] instead.
pub fn objective(net: &Network, flow: &[i64]) -> [i128; 3] {
    match try_objective(net, flow) {
        Ok(v) => v,
        Err(v) => panic!("certify::objective: {v}"),
    }
}

/// Verify feasibility and lexicographic optimality of `cert` for `net`.
///
/// Returns the objective on success; otherwise every violation is counted and
/// the first [`MAX_REPORTED`] are returned. If the certificate's shape does not
/// match the network (or an arc endpoint is out of range) only those
/// violations are reported, since nothing else can be evaluated.
pub fn check(net: &Network, cert: &Certificate) -> Result<Report, CheckError> {
    let nodes = net.node_supply.len();
    let mut out = Collector::default();

    // Shape.
    let m = net.from.len();
    for found in [net.to.len(), net.capacity.len(), net.cost.len()] {
        if found != m {
            out.push(Violation::ShapeMismatch {
                what: Shape::Arcs,
                expected: m,
                found,
            });
        }
    }
    if out.total > 0 {
        return Err(out.finish().unwrap_err());
    }
    if cert.flow.len() != m {
        out.push(Violation::ShapeMismatch {
            what: Shape::Flow,
            expected: m,
            found: cert.flow.len(),
        });
    }
    if cert.potential.len() != nodes {
        out.push(Violation::ShapeMismatch {
            what: Shape::Potential,
            expected: nodes,
            found: cert.potential.len(),
        });
    }
    for a in 0..m {
        let (from, to) = (net.from[a], net.to[a]);
        if from as usize >= nodes || to as usize >= nodes {
            out.push(Violation::ArcEndpointOutOfRange {
                arc: a,
                from,
                to,
                nodes,
            });
        }
    }
    if out.total > 0 {
        return Err(out.finish().unwrap_err());
    }

    // Per arc: bounds and complementary slackness; accumulate node balances.
    let mut inflow = vec![0i128; nodes];
    let mut outflow = vec![0i128; nodes];
    for (a, &x) in cert.flow.iter().enumerate() {
        let arc = net.arc(a);
        let (u, v) = (arc.from as usize, arc.to as usize);
        outflow[u] += i128::from(x);
        inflow[v] += i128::from(x);
        if x < 0 || x > arc.capacity {
            out.push(Violation::FlowOutOfBounds {
                arc: a,
                flow: x,
                capacity: arc.capacity,
            });
            // Slackness is meaningless for an out-of-bounds flow; one violation per cause.
            continue;
        }
        let reduced = reduced_cost(&arc, &cert.potential[u], &cert.potential[v]);
        match lex_sign(&reduced) {
            Ordering::Greater if x != 0 => out.push(Violation::ReducedCostPositiveWithFlow {
                arc: a,
                reduced,
                flow: x,
            }),
            Ordering::Less if x != arc.capacity => {
                out.push(Violation::ReducedCostNegativeBelowCapacity {
                    arc: a,
                    reduced,
                    flow: x,
                    capacity: arc.capacity,
                })
            }
            _ => {}
        }
    }

    // Per node: conservation.
    for (n, &s) in net.node_supply.iter().enumerate() {
        if i128::from(s) + inflow[n] - outflow[n] != 0 {
            out.push(Violation::Conservation {
                node: n,
                supply: s,
                inflow: inflow[n],
                outflow: outflow[n],
            });
        }
    }

    // Objective (shape already validated, so only overflow can fail).
    let objective = match try_objective(net, &cert.flow) {
        Ok(obj) => obj,
        Err(v) => {
            out.push(v);
            [0; 3]
        }
    };

    out.finish().map(|()| Report {
        objective,
        arcs_checked: net.from.len(),
        nodes_checked: nodes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lex_sign_first_nonzero_decides() {
        assert_eq!(lex_sign(&[0, 0, 0]), Ordering::Equal);
        assert_eq!(lex_sign(&[1, -100, -100]), Ordering::Greater);
        assert_eq!(lex_sign(&[-1, 100, 100]), Ordering::Less);
        assert_eq!(lex_sign(&[0, 0, 7]), Ordering::Greater);
        assert_eq!(lex_sign(&[0, -3, 9]), Ordering::Less);
    }

    #[test]
    fn reduced_cost_extremes_do_not_overflow() {
        let arc = Arc {
            from: 0,
            to: 1,
            capacity: 1,
            cost: [i64::MAX, i64::MIN, 0],
        };
        let r = reduced_cost(&arc, &[i64::MAX, i64::MIN, 0], &[i64::MIN, i64::MAX, 0]);
        assert_eq!(r[0], 3 * i128::from(i64::MAX) + 1);
        assert_eq!(r[1], 3 * i128::from(i64::MIN) + 1);
        assert_eq!(r[2], 0);
    }

    #[test]
    fn collector_keeps_first_twenty_and_counts_all() {
        let mut c = Collector::default();
        for arc in 0..25 {
            c.push(Violation::FlowOutOfBounds {
                arc,
                flow: -1,
                capacity: 0,
            });
        }
        let e = c.finish().unwrap_err();
        assert_eq!(e.total, 25);
        assert_eq!(e.violations.len(), MAX_REPORTED);
        let s = e.to_string();
        assert!(s.contains("25 violations"), "{s}");
        assert!(s.contains("and 5 more"), "{s}");
    }

    #[test]
    fn display_names_indices_and_numbers() {
        let v = Violation::Conservation {
            node: 3,
            supply: 5,
            inflow: 2,
            outflow: 4,
        };
        let s = v.to_string();
        assert!(s.contains("node 3") && s.contains("= 3"), "{s}");
        let v = Violation::ReducedCostNegativeBelowCapacity {
            arc: 7,
            reduced: [0, -1, 4],
            flow: 2,
            capacity: 9,
        };
        let s = v.to_string();
        assert!(
            s.contains("arc 7") && s.contains("[0, -1, 4]") && s.contains("9"),
            "{s}"
        );
    }

    #[test]
    fn empty_network_passes() {
        let r = check(&Network::default(), &Certificate::default()).unwrap();
        assert_eq!(r.objective, [0; 3]);
        assert_eq!((r.arcs_checked, r.nodes_checked), (0, 0));
    }
}
