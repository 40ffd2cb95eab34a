//! Exact minimum-cost flow by the primal network simplex method.
//!
//! This crate is the solver underneath allot's planner. It solves the
//! classic *min-cost flow* problem on a directed network with integer
//! supplies and capacities (lower bounds are always 0) and costs taken from
//! any ordered abelian group implementing [`Cost`]: plain `i64` for a single
//! objective, or [`Lex3`] for a lexicographic three-tier objective. All
//! arithmetic is exact integer arithmetic; there is no floating point and no
//! general LP machinery.
//!
//! # Algorithm
//!
//! The solver is a primal network simplex in the style of LEMON's
//! `NetworkSimplex`:
//!
//! * a spanning tree of basic arcs is stored with the `parent`, `pred`,
//!   `pred_dir`, `thread`, `rev_thread`, `succ_num` and `last_succ` node
//!   arrays and updated in time proportional to the changed part of the tree;
//! * entering arcs are chosen by the *block search* pivot rule (block size
//!   `DEFAULT_BLOCK_FACTOR * sqrt(arcs)`, see [`SolveOptions`]), scanning the
//!   arcs cyclically;
//! * *lines* — nodes whose only out-arc goes to one common *hub* node (the
//!   demand lines of a planner network) — are detected when they make up at
//!   least half of the nodes. Their arcs are then kept internally grouped
//!   by line (in-arcs, then the out-arc), and pricing derives each line's
//!   potential once for all its arcs. On a cold start with at least 2048
//!   lines, the crash is guided by the potentials of an exact solve on a
//!   sample of one line in 16 (32 from 65,536 lines on; recursively, solved
//!   on a second core while the simplex is set up); on a warm start, by the hinted
//!   potentials. Guidance only orders the crash's basis changes; the
//!   simplex that follows decides optimality, so results stay exact and
//!   deterministic;
//! * after the crash (or from a hinted basis, see [`WarmStart::tree`]),
//!   networks with lines are priced by *buckets*: a leaf line's non-tree
//!   arc `x -> line` (or `line -> hub`) has reduced cost
//!   `key ± (pi(x) - pi(parent of line))` with a key that stays fixed while
//!   the line keeps its tree arc, so arcs grouped by `(x, parent, sign)`
//!   in heaps give each group's most improving arc whatever the
//!   potentials. A round prices the core arcs, the few internal lines and
//!   one entry per bucket (a few thousand values instead of every arc) and
//!   pivots on the most improving ones (Dantzig's rule), which takes far
//!   fewer pivots than block search on a nearly optimal basis. Lines far
//!   from improving are filed lazily: a sweep over the unfiled ones runs
//!   whenever the buckets hold no improving arc, and optimality is only
//!   declared after a sweep finds none;
//! * leaving arcs are chosen so that the tree stays *strongly feasible*
//!   (Cunningham's rule), which rules out cycling;
//! * the initial basis is an artificial root joined to every node by an
//!   artificial arc. Unlike LEMON, the artificial arcs are not priced with a
//!   numeric "big M": internally every cost is a pair `(artificial, real)`
//!   compared lexicographically, which is an exact, overflow-free "infinite
//!   M". When the problem is feasible the artificial arcs end with zero flow
//!   and the returned node potentials are folded back into plain `C` values
//!   that certify optimality on the real arcs alone.
//!
//! # Conventions
//!
//! * Supplies must sum to zero ([`FlowError::Unbalanced`] otherwise). A
//!   positive supply is a source, a negative one a demand.
//! * The reduced cost of an arc `u -> v` is `cost + potential[u] - potential[v]`.
//!   A returned [`Solution`] satisfies, on every arc, `0 <= flow <= capacity`,
//!   reduced cost `> 0` ⇒ flow `0`, reduced cost `< 0` ⇒ flow `= capacity`,
//!   and flow conservation `supply + inflow - outflow = 0` at every node.
//! * An arc with capacity [`INF_CAP`] is uncapacitated. A negative-cost cycle
//!   made only of such arcs makes the problem [`FlowError::Unbounded`].
//! * Self-loops are allowed: a self-loop of negative cost is saturated (or
//!   makes the problem unbounded when its capacity is [`INF_CAP`]); otherwise
//!   it carries no flow. Parallel arcs are allowed.
//! * The solver is deterministic: the same network always gives the same
//!   solution, bit for bit, and the same pivot count.
//!
//! # Preconditions on magnitudes
//!
//! Capacities lie in `0..=INF_CAP` and supplies in `-INF_CAP..=INF_CAP`
//! (checked, with a panic, when the network is built). The caller must keep
//! the remaining magnitudes within `i64`: the total positive supply plus the
//! sum of all finite capacities must stay below [`INF_CAP`], and
//! `8 * (number of nodes + 1) * max |cost|` as well as the total cost
//! `sum |cost| * flow` must fit in `i64` (per component for [`Lex3`]).
//! Why 8: a potential is a sum of costs along a tree path (at most `n` arcs),
//! so `|potential| <= n * max`; a reduced cost is at most `(2n + 1) * max`;
//! folding the artificial components into the returned potentials adds up to
//! twice the largest reduced cost, `(4n + 2) * max`, so a returned potential
//! stays within `(5n + 2) * max`, inside `8 * (n + 1) * max` (the bound
//! `netio::read_dimacs` enforces). A warm start's hinted potentials add their
//! own magnitude to these. Overflow in debug builds panics; in release builds
//! it is not detected (a caller that checks the result, as the planner does
//! with `certify`, refuses the wrong answer).
//!
//! # Example
//!
//! ```
//! use flow::{solve, Network};
//! let mut net: Network<i64> = Network::new();
//! let s = net.add_node(5);
//! let t = net.add_node(-5);
//! let cheap = net.add_arc(s, t, 3, 1);
//! let dear = net.add_arc(s, t, 10, 4);
//! let sol = solve(&net).unwrap();
//! assert_eq!(sol.flow[cheap.0 as usize], 3);
//! assert_eq!(sol.flow[dear.0 as usize], 2);
//! assert_eq!(sol.total_cost, 3 * 1 + 2 * 4);
//! ```
#![deny(missing_docs)]

use std::fmt;
use std::ops::{Add, Neg, Sub};

mod heap;
mod simplex;

pub use simplex::halves;

/// An ordered abelian group usable as an arc cost.
pub trait Cost:
    Copy
    + Ord
    + Eq
    + fmt::Debug
    + Send
    + Sync
    + Add<Output = Self>
    + Sub<Output = Self>
    + Neg<Output = Self>
{
    /// The neutral element.
    const ZERO: Self;
    /// cost * integer scalar (flow amount); must not overflow for validated inputs
    fn scale(self, k: i64) -> Self;

    /// A number in `-15..=15` with the sign of `self` compared to
    /// [`Cost::ZERO`]. Implementations may override the default with a
    /// branch-free version (pricing calls it on every arc).
    #[doc(hidden)]
    #[inline(always)]
    fn sign(self) -> i64 {
        match self.cmp(&Self::ZERO) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }
    }
}

impl Cost for i64 {
    const ZERO: Self = 0;
    #[inline(always)]
    fn scale(self, k: i64) -> Self {
        self * k
    }
    #[inline(always)]
    fn sign(self) -> i64 {
        self.signum()
    }
}

/// Lexicographic cost: component 0 is compared first (tier 1), then 1, then 2.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Lex3(pub [i64; 3]);

impl Add for Lex3 {
    type Output = Lex3;
    #[inline(always)]
    fn add(self, o: Lex3) -> Lex3 {
        Lex3([self.0[0] + o.0[0], self.0[1] + o.0[1], self.0[2] + o.0[2]])
    }
}

impl Sub for Lex3 {
    type Output = Lex3;
    #[inline(always)]
    fn sub(self, o: Lex3) -> Lex3 {
        Lex3([self.0[0] - o.0[0], self.0[1] - o.0[1], self.0[2] - o.0[2]])
    }
}

impl Neg for Lex3 {
    type Output = Lex3;
    #[inline(always)]
    fn neg(self) -> Lex3 {
        Lex3([-self.0[0], -self.0[1], -self.0[2]])
    }
}

impl Cost for Lex3 {
    const ZERO: Self = Lex3([0; 3]);
    #[inline(always)]
    fn scale(self, k: i64) -> Self {
        Lex3([self.0[0] * k, self.0[1] * k, self.0[2] * k])
    }
    #[inline(always)]
    fn sign(self) -> i64 {
        // The first nonzero component decides: 4 > 2 + 1 and 2 > 1.
        4 * self.0[0].signum() + 2 * self.0[1].signum() + self.0[2].signum()
    }
}

/// Capacity meaning "uncapacitated".
pub const INF_CAP: i64 = i64::MAX / 4;

/// Index of a node in a [`Network`] (in order of creation, from 0).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct NodeId(pub u32);

/// Index of an arc in a [`Network`] (in order of creation, from 0).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ArcId(pub u32);

/// The arrays of a [`Network`]: node supplies, and per arc its tail, head, capacity and cost.
#[derive(Clone, Debug, Default)]
pub struct NetworkParts<C> {
    /// Node supplies.
    pub supply: Vec<i64>,
    /// Arc tails.
    pub from: Vec<u32>,
    /// Arc heads.
    pub to: Vec<u32>,
    /// Arc capacities.
    pub cap: Vec<i64>,
    /// Arc costs.
    pub cost: Vec<C>,
}

/// The network handed back by [`solve_owned`]: its arrays, possibly in the solver's arc order;
/// read them in the caller's order with [`SolvedArcs::into_parts`] or [`SolvedArcs::into_network`].
#[derive(Clone, Debug)]
pub struct SolvedArcs<C: Cost> {
    supply: Vec<i64>,
    /// Array entry `i` is the caller's arc `orig[i]` (empty: the identity).
    orig: Vec<u32>,
    from: Vec<u32>,
    to: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<C>,
}

impl<C: Cost> SolvedArcs<C> {
    /// Number of arcs.
    pub fn arc_count(&self) -> usize {
        self.from.len()
    }

    /// The arrays in the caller's arc order, put in place (no copy: the solver's own arrays
    /// are reordered where they are, following the permutation's cycles).
    pub fn into_parts(self) -> NetworkParts<C> {
        let SolvedArcs {
            supply,
            orig,
            mut from,
            mut to,
            mut cap,
            mut cost,
        } = self;
        let m = orig.len();
        // Entry `i` belongs at `orig[i]`: walk each cycle once, carrying the displaced entry.
        let mut done = vec![0u64; m.div_ceil(64)];
        for start in 0..m {
            if done[start / 64] & (1 << (start % 64)) != 0 {
                continue;
            }
            let mut carry = (from[start], to[start], cap[start], cost[start]);
            let mut j = orig[start] as usize;
            while j != start {
                done[j / 64] |= 1 << (j % 64);
                let next = (from[j], to[j], cap[j], cost[j]);
                (from[j], to[j], cap[j], cost[j]) = carry;
                carry = next;
                j = orig[j] as usize;
            }
            (from[start], to[start], cap[start], cost[start]) = carry;
            done[start / 64] |= 1 << (start % 64);
        }
        NetworkParts {
            supply,
            from,
            to,
            cap,
            cost,
        }
    }

    /// The network, in the caller's arc order.
    pub fn into_network(self) -> Network<C> {
        Network::from_parts(self.into_parts())
    }
}

/// A min-cost flow problem: nodes with supplies and arcs with capacities and costs.
///
/// Stored as a struct of arrays; node and arc ids are dense indices.
#[derive(Clone, Debug)]
pub struct Network<C: Cost> {
    supply: Vec<i64>,
    from: Vec<u32>,
    to: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<C>,
}

impl<C: Cost> Default for Network<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Cost> Network<C> {
    /// An empty network.
    pub fn new() -> Self {
        Self::with_capacity(0, 0)
    }

    /// An empty network with room reserved for `nodes` nodes and `arcs` arcs.
    pub fn with_capacity(nodes: usize, arcs: usize) -> Self {
        Network {
            supply: Vec::with_capacity(nodes),
            from: Vec::with_capacity(arcs),
            to: Vec::with_capacity(arcs),
            cap: Vec::with_capacity(arcs),
            cost: Vec::with_capacity(arcs),
        }
    }

    /// Adds a node with the given supply (> 0 source, < 0 demand).
    ///
    /// # Panics
    /// If `|supply| > INF_CAP` or the network already has `u32::MAX - 1` nodes.
    pub fn add_node(&mut self, supply: i64) -> NodeId {
        check_supply(supply);
        let id = self.supply.len();
        assert!(id < (u32::MAX - 1) as usize, "flow: too many nodes");
        self.supply.push(supply);
        NodeId(id as u32)
    }

    /// Changes the supply of node `n`.
    ///
    /// # Panics
    /// If `n` is not a node of this network or `|supply| > INF_CAP`.
    pub fn set_supply(&mut self, n: NodeId, supply: i64) {
        check_supply(supply);
        self.supply[n.0 as usize] = supply;
    }

    /// Adds an arc `from -> to` with lower bound 0, the given capacity and unit cost.
    ///
    /// Self-loops and parallel arcs are allowed.
    ///
    /// # Panics
    /// If an endpoint is not a node of this network, if `capacity` is not in
    /// `0..=INF_CAP`, or the network already has `u32::MAX - 1` arcs.
    pub fn add_arc(&mut self, from: NodeId, to: NodeId, capacity: i64, cost: C) -> ArcId {
        let n = self.supply.len();
        assert!(
            (from.0 as usize) < n && (to.0 as usize) < n,
            "flow: arc endpoint out of range"
        );
        assert!(
            (0..=INF_CAP).contains(&capacity),
            "flow: arc capacity {capacity} outside 0..=INF_CAP"
        );
        let id = self.from.len();
        assert!(id < (u32::MAX - 1) as usize, "flow: too many arcs");
        self.from.push(from.0);
        self.to.push(to.0);
        self.cap.push(capacity);
        self.cost.push(cost);
        ArcId(id as u32)
    }

    /// A network from its arrays: node supplies, and per arc its tail, head, capacity and cost
    /// (the arrays are moved in, not copied). Validated like [`Network::add_node`] and
    /// [`Network::add_arc`].
    ///
    /// # Panics
    /// If the arc arrays differ in length or an arc or supply breaks the rules of
    /// [`Network::add_node`] or [`Network::add_arc`].
    pub fn from_parts(parts: NetworkParts<C>) -> Self {
        let NetworkParts {
            supply,
            from,
            to,
            cap,
            cost,
        } = parts;
        let n = supply.len();
        let m = from.len();
        assert!(
            to.len() == m && cap.len() == m && cost.len() == m,
            "flow: arc arrays of different lengths"
        );
        assert!(n < (u32::MAX - 1) as usize, "flow: too many nodes");
        assert!(m < (u32::MAX - 1) as usize, "flow: too many arcs");
        for &s in &supply {
            check_supply(s);
        }
        for e in 0..m {
            assert!(
                (from[e] as usize) < n && (to[e] as usize) < n,
                "flow: arc endpoint out of range"
            );
            assert!(
                (0..=INF_CAP).contains(&cap[e]),
                "flow: arc capacity {} outside 0..=INF_CAP",
                cap[e]
            );
        }
        Network {
            supply,
            from,
            to,
            cap,
            cost,
        }
    }

    /// The network's arrays, moved out (see [`Network::from_parts`]).
    pub fn into_parts(self) -> NetworkParts<C> {
        NetworkParts {
            supply: self.supply,
            from: self.from,
            to: self.to,
            cap: self.cap,
            cost: self.cost,
        }
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.supply.len()
    }

    /// Number of arcs.
    pub fn arc_count(&self) -> usize {
        self.from.len()
    }

    /// Tail of arc `a`.
    pub fn arc_from(&self, a: ArcId) -> NodeId {
        NodeId(self.from[a.0 as usize])
    }

    /// Head of arc `a`.
    pub fn arc_to(&self, a: ArcId) -> NodeId {
        NodeId(self.to[a.0 as usize])
    }

    /// Capacity of arc `a`.
    pub fn arc_capacity(&self, a: ArcId) -> i64 {
        self.cap[a.0 as usize]
    }

    /// Unit cost of arc `a`.
    pub fn arc_cost(&self, a: ArcId) -> C {
        self.cost[a.0 as usize]
    }

    /// Supply of node `n`.
    pub fn node_supply(&self, n: NodeId) -> i64 {
        self.supply[n.0 as usize]
    }
}

fn check_supply(supply: i64) {
    assert!(
        (-INF_CAP..=INF_CAP).contains(&supply),
        "flow: supply {supply} outside -INF_CAP..=INF_CAP"
    );
}

/// An optimal solution with its optimality certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution<C> {
    /// Flow on each arc, indexed by [`ArcId`].
    pub flow: Vec<i64>,
    /// Node potentials (duals), indexed by [`NodeId`]; see the crate docs for the conditions they satisfy.
    pub potential: Vec<C>,
    /// Total cost `sum(flow[a] * cost[a])`.
    pub total_cost: C,
    /// Number of simplex pivots performed (including degenerate ones).
    pub pivots: u64,
    /// The optimal basis: `tree[u]` is the arc joining node `u` to its
    /// parent in the final spanning tree (`None`: `u` hangs from the
    /// artificial root). Pass it back in [`WarmStart::tree`] to re-solve a
    /// slightly changed network from this very basis.
    pub tree: Vec<Option<ArcId>>,
}

/// Why a network has no optimal solution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowError {
    /// Supplies do not sum to zero.
    Unbalanced {
        /// The sum of all supplies.
        total_supply: i64,
    },
    /// The supplies cannot be routed within the capacities.
    Infeasible,
    /// A negative-cost cycle of [`INF_CAP`] arcs exists.
    Unbounded,
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowError::Unbalanced { total_supply } => {
                write!(
                    f,
                    "supplies do not sum to zero (total supply {total_supply})"
                )
            }
            FlowError::Infeasible => write!(f, "supplies cannot be routed within the capacities"),
            FlowError::Unbounded => {
                write!(
                    f,
                    "a negative-cost cycle of uncapacitated arcs makes the cost unbounded"
                )
            }
        }
    }
}

impl std::error::Error for FlowError {}

/// Solves the min-cost flow problem on `net` exactly.
///
/// Returns [`FlowError::Unbalanced`] if supplies do not sum to zero,
/// [`FlowError::Infeasible`] if they cannot be routed, and
/// [`FlowError::Unbounded`] if a negative-cost cycle of [`INF_CAP`] arcs exists
/// (when the problem is both infeasible and has such a cycle, either of the
/// two errors may be returned, deterministically).
///
/// # Panics
/// If the total positive supply exceeds [`INF_CAP`].
pub fn solve<C: Cost>(net: &Network<C>) -> Result<Solution<C>, FlowError> {
    simplex::solve_impl::<C, false>(net, &SolveOptions::default(), None)
}

/// Whether the solver uses `net`'s arcs in the order they stand, without permuting them (which
/// saves a copy of every arc array on large networks). The solver groups "lines" (nodes whose
/// one out-arc goes to a common hub, such as demand lines into a sink): the arcs touching no
/// line first, then each line in node order, its in-arcs then its out-arc. Networks without
/// lines are always used in place.
pub fn arcs_in_solver_order<C: Cost>(net: &Network<C>) -> bool {
    simplex::arcs_in_solver_order(net)
}

/// Default pricing block size is `DEFAULT_BLOCK_FACTOR * sqrt(arcs)` (at least 10).
///
/// LEMON uses 1.0. With implicit leaves a pivot on allot's
/// transportation-shaped networks (few hundred supply hubs, many demand
/// leaves) costs about as much as pricing a few hundred arcs, so small
/// blocks win: pricing, not pivoting, dominates.
pub const DEFAULT_BLOCK_FACTOR: f64 = 0.25;

/// Tuning knobs for [`solve_with`]; the default is what [`solve`] uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SolveOptions {
    /// Arcs priced per block of the block-search pivot rule
    /// (`None`: `DEFAULT_BLOCK_FACTOR * sqrt(arcs)`, at least 10).
    pub block_size: Option<usize>,
}

/// [`solve`] with explicit options. Any options give the same optimal cost;
/// flows and potentials may differ among alternative optima.
pub fn solve_with<C: Cost>(
    net: &Network<C>,
    options: &SolveOptions,
) -> Result<Solution<C>, FlowError> {
    simplex::solve_impl::<C, false>(net, options, None)
}

#[doc(hidden)]
/// Same as [`solve_with`] but validates the whole spanning-tree structure
/// after every pivot (quadratic; for tests only).
pub fn solve_checked_with<C: Cost>(
    net: &Network<C>,
    options: &SolveOptions,
) -> Result<Solution<C>, FlowError> {
    simplex::solve_impl::<C, true>(net, options, None)
}

#[doc(hidden)]
/// [`solve_checked`] sampling the lines to guide the crash whenever there
/// are at least `min_lines` of them, keeping one in `step` (tests only; the
/// default thresholds only sample large networks).
pub fn solve_checked_sampled<C: Cost>(
    net: &Network<C>,
    min_lines: usize,
    step: usize,
) -> Result<Solution<C>, FlowError> {
    simplex::solve_sampled::<C, true>(
        net,
        &SolveOptions::default(),
        None,
        simplex::Sample {
            min_lines,
            step,
            wide_from: usize::MAX,
        },
    )
}

#[doc(hidden)]
/// Same as [`solve`] but validates the whole spanning-tree structure after
/// every pivot (quadratic; for tests only).
pub fn solve_checked<C: Cost>(net: &Network<C>) -> Result<Solution<C>, FlowError> {
    simplex::solve_impl::<C, true>(net, &SolveOptions::default(), None)
}

/// A starting point for [`solve_warm`]: a previous solution mapped onto the
/// arcs and nodes of the new network.
///
/// * `flow[a]`: the hinted flow on arc `a` of the new network (`None` for an
///   arc without a counterpart, e.g. a new arc);
/// * `potential[u]`: the hinted potential of node `u` (`None` for a new
///   node); may be left empty. With potentials the starting tree prefers
///   arcs of zero reduced cost, i.e. it rebuilds the previous optimal basis,
///   which keeps the new prices close to the old ones and saves many pivots.
///
/// Missing entries count as `None`, extra ones are ignored. Any values are
/// accepted: flows are clamped to the arc bounds, and the hint only decides
/// the starting basis, never the answer. A good hint (the previous optimum of
/// a slightly different network) makes the solve much faster; a bad one only
/// costs time.
///
/// Typical use: keep the previous [`Solution`] and maps from your stable keys
/// (order id, period, ...) to arc and node ids; for each arc and node of the
/// new network look its key up in the old one and take
/// `Some(old.flow[old_arc])`, `Some(old.potential[old_node])`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarmStart<C> {
    /// Hinted flow per arc of the new network.
    pub flow: Vec<Option<i64>>,
    /// Hinted potential per node of the new network (may be empty).
    pub potential: Vec<Option<C>>,
    /// Hinted basis: the tree arc of each node of the new network (`None`:
    /// none known, e.g. a new node; may be empty). When given, the starting
    /// basis is this tree (arcs that do not fit are dropped) instead of one
    /// grown from the flows, so a previous optimal basis ([`Solution::tree`])
    /// is reused as it stands: its potentials are kept and only what changed
    /// needs pivots.
    pub tree: Vec<Option<ArcId>>,
}

impl<C: Cost> WarmStart<C> {
    /// A hint that reuses every flow and potential of `prev`, for the very
    /// same network (or one with only supplies, capacities or costs changed).
    pub fn from_solution(prev: &Solution<C>) -> Self {
        WarmStart {
            flow: prev.flow.iter().map(|&f| Some(f)).collect(),
            potential: prev.potential.iter().map(|&p| Some(p)).collect(),
            tree: prev.tree.clone(),
        }
    }
}

/// Like [`solve`], starting from a basis built from `hint` instead of from
/// scratch. The result is exactly optimal whatever the hint; when several
/// optima exist, which one is returned may depend on the hint.
///
/// The starting basis keeps the arcs the hint puts strictly between their
/// bounds (as far as they form a forest), hangs the remaining nodes from arcs
/// the hint puts at a bound where this keeps the tree strongly feasible
/// (arcs of zero hinted reduced cost first, then uncapacitated ones), and
/// lets artificial arcs absorb whatever the hint's flows leave unbalanced.
pub fn solve_warm<C: Cost>(
    net: &Network<C>,
    hint: &WarmStart<C>,
) -> Result<Solution<C>, FlowError> {
    let h = simplex::Hint {
        flow: &hint.flow,
        potential: &hint.potential,
        tree: &hint.tree,
    };
    simplex::solve_impl::<C, false>(net, &SolveOptions::default(), Some(&h))
}

/// Like [`solve`] (or [`solve_warm`] with `hint`), but takes the network by value so that its
/// arrays are freed as soon as the solver holds its own copies, and hands them back unchanged
/// with the solution (as [`SolvedArcs`]: the solver's arrays, read in the caller's arc order):
/// the peak memory of a large solve is then about one copy of the network less. When the arcs
/// are in the solver's order ([`arcs_in_solver_order`]) the arrays are not copied at all: the
/// solver appends one artificial arc per node to `from`, `to` and `cap` (reserve room for them
/// to spare a reallocation) and truncates them again. The solution is the same as [`solve`]'s
/// or [`solve_warm`]'s.
pub fn solve_owned<C: Cost>(
    net: Network<C>,
    hint: Option<&WarmStart<C>>,
) -> Result<(Solution<C>, SolvedArcs<C>), FlowError> {
    let h = hint.map(|hint| simplex::Hint {
        flow: &hint.flow,
        potential: &hint.potential,
        tree: &hint.tree,
    });
    simplex::solve_owned_impl::<C, false>(net, &SolveOptions::default(), h.as_ref())
}

#[doc(hidden)]
/// [`solve_warm`] validating the tree after every pivot (tests only).
pub fn solve_warm_checked<C: Cost>(
    net: &Network<C>,
    hint: &WarmStart<C>,
) -> Result<Solution<C>, FlowError> {
    let h = simplex::Hint {
        flow: &hint.flow,
        potential: &hint.potential,
        tree: &hint.tree,
    };
    simplex::solve_impl::<C, true>(net, &SolveOptions::default(), Some(&h))
}
