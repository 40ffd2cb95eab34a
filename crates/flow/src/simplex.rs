//! The network simplex core: a spanning tree whose leaves are implicit.
//!
//! The basis is a spanning tree rooted at an artificial root (node `n`). As in
//! LEMON, every node stores `parent`, `pred` (its tree arc) and `pred_dir`.
//! Unlike LEMON there is no thread: a node's potential and depth are stored
//! only while it has children ("internal" node). A leaf's potential is
//! derived on demand from its parent (`pi[parent] -/+ cost(pred)`), so
//! re-hanging a subtree only touches its internal nodes. Internal nodes are
//! linked into their parent's list of internal children (`first_child`,
//! `next_sib`, `prev_sib`), which is what a subtree walk follows.
//!
//! On transportation-shaped networks (a few hundred hub nodes, very many
//! demand nodes each joined to hubs) almost every demand node is a leaf of
//! the tree at all times (a counting argument: a demand node with two tree
//! arcs needs another node with none elsewhere, so at most `hubs` of them
//! are internal), and a pivot costs `O(hub tree)` instead of `O(nodes)`.

#![allow(clippy::needless_range_loop)]

use crate::heap::MinHeap;
use crate::{Cost, FlowError, Network, Solution, SolveOptions, INF_CAP};
use std::collections::VecDeque;
use std::ops::{Add, Neg, Sub};

/// "No node" marker (parent of the root, end of a list).
const NONE: u32 = u32::MAX;

const STATE_UPPER: i8 = -1;
const STATE_TREE: i8 = 0;
const STATE_LOWER: i8 = 1;

/// The tree arc goes from the node up to its parent.
const DIR_UP: i8 = 1;
/// The tree arc goes from the parent down to the node.
const DIR_DOWN: i8 = -1;

/// Internal cost: `(artificial, real)` compared lexicographically — an exact
/// "infinite big M" for the artificial arcs.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) struct Art<C> {
    a: i64,
    c: C,
}

impl<C: Cost> Art<C> {
    const ZERO: Self = Art { a: 0, c: C::ZERO };

    /// Nonzero with the sign of `self` (branch-free for `i64` and `Lex3`).
    #[inline(always)]
    fn sign(self) -> i64 {
        32 * self.a.signum() + self.c.sign()
    }
}

impl<C: Cost> Add for Art<C> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Art {
            a: self.a + o.a,
            c: self.c + o.c,
        }
    }
}

impl<C: Cost> Sub for Art<C> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Art {
            a: self.a - o.a,
            c: self.c - o.c,
        }
    }
}

impl<C: Cost> Neg for Art<C> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Art {
            a: -self.a,
            c: -self.c,
        }
    }
}

/// Candidate entering arcs kept per bucketed pricing round (each is
/// re-priced before it enters).
const BUCKET_CANDIDATES: usize = 64;

/// Core arcs priced per bucketed pricing round (the window moves on
/// cyclically; all of them are priced when nothing else improves). A fixed
/// size: on books with many reservations (core arcs between pool nodes)
/// pricing an eighth of them every round cost more than it found.
const CORE_WINDOW: usize = 256;

/// Internal lines with more in-arcs than this (the horizon-end pool nodes, which every
/// reservation ending there joins) have only a window of this many in-arcs priced per bucketed
/// round, moving on cyclically; all of them once nothing else improves. Pricing all ~2,800 such
/// arcs of a 1M-order book every round cost more than the whole bucket scan.
const LONG_LINE_WINDOW: usize = 64;

/// Sweeps over at least this many lines are split in two halves (see
/// [`Simplex::sweep`]).
const PARALLEL_SWEEP_LINES: usize = 4096;

/// `(signed reduced cost, arc or line)` pairs, the most improving first once sorted.
type Candidates<C> = Vec<(Art<C>, u32)>;

/// Whether a second core is there to run the other half of a split job.
fn parallel() -> bool {
    static P: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *P.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

/// A bucket entry: a non-tree arc of a leaf line, keyed by its signed
/// reduced cost less `sign * (pi(x) - pi(p))` (constant while the line keeps
/// its tree arc), valid while the arc's stamp is `stamp`. The key's artificial
/// part is the bucket's ([`Top::art`]), so an entry holds only the real part:
/// 32 bytes with [`crate::Lex3`] costs, the size of half a cache line.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry<C> {
    key: C,
    arc: u32,
    stamp: u32,
}

/// The arcs of leaf lines grouped by `(x, p, sign)`: `x` the arc's core
/// end, `p` the line's parent. Lines that hang from the root by an artificial
/// arc out of it have keys with an artificial part (`-sign`); their arcs get
/// buckets of their own, so every key of a bucket has the same artificial part
/// ([`Top::art`]). Every arc of a bucket has signed reduced cost
/// `key + sign * (pi(x) - pi(p))`, so the bucket's least key gives its most
/// improving arc, whatever the potentials. The bucket's top (what every
/// pricing round reads) is kept apart, in [`Top`].
struct Bucket<C> {
    heap: MinHeap<Entry<C>>,
}

/// What a pricing round reads of a bucket, in one dense array: its least
/// valid entry `(key, arc)` (`NONE` arc: empty) and the core indices of the
/// two potentials its reduced cost adds and subtracts: `key + pi(plus) -
/// pi(minus)` (`plus = x, minus = p` when `sign > 0`, swapped otherwise).
#[derive(Clone, Copy)]
struct Top<C> {
    key: Art<C>,
    arc: u32,
    plus: u32,
    minus: u32,
    /// The artificial part of every key of the bucket.
    art: i64,
}

impl<C> Buckets<C> {
    /// Flags bucket `id` for a fresh look at its heap in the next pricing round.
    #[inline(always)]
    fn mark_dirty(&mut self, id: usize) {
        if !self.dirty[id] {
            self.dirty[id] = true;
            self.dirty_list.push(id as u32);
        }
    }

    /// The core index of node `u`, given one now if it has none.
    #[inline(always)]
    fn core_index(&mut self, u: u32) -> u32 {
        let c = self.core[u as usize];
        if c != NONE {
            return c;
        }
        let c = self.core_node.len() as u32;
        self.core[u as usize] = c;
        self.core_node.push(u);
        c
    }
}

/// Entries per bucket, gathered before the heaps are built.
type Pending<C> = Vec<Vec<Entry<C>>>;

/// Bucketed pricing state.
struct Buckets<C> {
    /// Lines filed in the buckets (or internal); the others are priced by sweeps.
    filed: Vec<bool>,
    /// Where the next window of core arcs starts.
    core_pos: usize,
    /// Where the next window of a long internal line's in-arcs starts (modulo its count).
    long_pos: usize,
    /// Entries held by the heaps (stale ones included) and the count that
    /// triggers dropping the stale ones.
    entries: usize,
    entry_limit: usize,
    line_of_node: Vec<u32>,
    /// Of each arc: bumped whenever its line's tree arc, parent, children or arc states
    /// change; entries with an older stamp are stale and dropped lazily.
    stamp: Vec<u32>,
    /// Lines with tree children (priced directly).
    internal: Vec<u32>,
    in_internal: Vec<bool>,
    /// Bucket of `(x, p, sign)`: `dense[(core[x] * nc + core[p]) * 2 + (sign > 0)]`
    /// when the core (the non-line ends of line arcs, and the root) is small,
    /// else `sparse`, keyed `(x, p, tag)` with `tag = sign`, or `2 * sign` for the
    /// keys with an artificial part (which never go to `dense`). Any other node
    /// that ends up as a bucket's `x` or `p` gets a core index too, past `nc`
    /// (and its buckets live in `sparse`).
    core: Vec<u32>,
    nc: usize,
    dense: Vec<u32>,
    sparse: std::collections::HashMap<(u32, u32, i8), u32>,
    list: Vec<Bucket<C>>,
    /// The top of each bucket of `list`.
    tops: Vec<Top<C>>,
    /// Buckets whose entries may have gone stale or been added since their top was taken
    /// (flag per bucket, and the list of those flagged).
    dirty: Vec<bool>,
    dirty_list: Vec<u32>,
    /// The node of each core index, and its potential (refreshed every pricing round).
    core_node: Vec<u32>,
    core_pi: Vec<Art<C>>,
    /// The bucket holding each line arc's valid entry (`NONE`: none).
    arc_bucket: Vec<u32>,
    scratch: Vec<u32>,
}

/// For the crash's leaf swaps ([`Simplex::leaf_swap`]): the tree arcs of the cycle a source
/// node's arc into a leaf of the hub closes, found once per source. `side1` lists the arcs from
/// the source up to the join, `side2` those from the hub up to the join, each with its node's
/// direction (`pred_dir`), in walking order.
#[derive(Default)]
struct CorePaths {
    /// Node -> its entry in `paths`, plus one (0: none yet).
    slot: Vec<u32>,
    paths: Vec<CorePath>,
    side1: Vec<(u32, i8)>,
    side2: Vec<(u32, i8)>,
}

#[derive(Clone)]
struct CorePath {
    join: u32,
    side1: std::ops::Range<usize>,
    side2: std::ops::Range<usize>,
}

impl CorePaths {
    /// The cycle part of source `s` (computed the first time `s` is asked for).
    fn get<C: Cost>(&mut self, t: &Simplex<C>, s: u32, hub: u32) -> CorePath {
        if self.slot.is_empty() {
            self.slot = vec![0; t.n + 1];
        }
        let i = self.slot[s as usize];
        if i != 0 {
            return self.paths[i as usize - 1].clone();
        }
        // The join: the lowest common ancestor of `s` and the hub.
        let join = t.lowest_common_ancestor(s as usize, hub as usize) as u32;
        let walk = |from: u32, out: &mut Vec<(u32, i8)>| {
            let start = out.len();
            let mut x = from;
            while x != join {
                out.push((t.pred[x as usize], t.pred_dir[x as usize]));
                x = t.parent[x as usize];
            }
            start..out.len()
        };
        let side1 = walk(s, &mut self.side1);
        let side2 = walk(hub, &mut self.side2);
        self.paths.push(CorePath { join, side1, side2 });
        self.slot[s as usize] = self.paths.len() as u32;
        self.paths[self.paths.len() - 1].clone()
    }
}

struct Simplex<C: Cost> {
    /// Real node count; the root is node `n`.
    n: usize,
    /// Real arc count; artificial arc of node `u` is arc `m + u`.
    m: usize,
    root: u32,

    // Arc data (real arcs in the caller's order, then one artificial arc per node).
    source: Vec<u32>,
    target: Vec<u32>,
    cap: Vec<i64>,
    flow: Vec<i64>,
    state: Vec<i8>,
    /// Real arcs only (artificial arcs never re-enter the basis).
    cost: Vec<C>,
    /// Real part of the cost of each node's artificial arc (its artificial
    /// part is 1 from the root, 0 to it). Chosen so that a warm start keeps
    /// the hinted potentials; irrelevant to the answer, as artificial arcs
    /// end empty and never re-enter.
    art_cost: Vec<C>,
    supply: Vec<i64>,

    // Node data (n + 1 entries, root last).
    /// Potential; valid for internal nodes (nchild > 0) and the root.
    pi: Vec<Art<C>>,
    /// Depth below the root; valid for internal nodes and the root.
    depth: Vec<u32>,
    parent: Vec<u32>,
    pred: Vec<u32>,
    pred_dir: Vec<i8>,
    /// Number of tree children (leaves included).
    nchild: Vec<u32>,
    /// Doubly linked list of the *internal* children of each node.
    first_child: Vec<u32>,
    next_sib: Vec<u32>,
    prev_sib: Vec<u32>,
    stem: Vec<u32>,
    /// Pricing by buckets (see [`Buckets`]); `None`: block search.
    buckets: Option<Buckets<C>>,

    // Line groups (see `detect_lines`). Internal arc `i` is the caller's arc
    // `orig[i]` (`orig` empty: identity). Arcs `0..m_core` are priced one by
    // one; line `k` owns arcs `line_start[k]..line_start[k + 1]`: its in-arcs,
    // then its single out-arc to `hub`.
    orig: Vec<u32>,
    m_core: usize,
    line_start: Vec<u32>,
    line_node: Vec<u32>,
    hub: u32,

    // Pivot state.
    block_size: usize,
    /// Where the next pricing round starts (`< m_core`, or the first arc of
    /// line `next_line`).
    next_arc: usize,
    next_line: usize,
    /// Candidate entering arcs (reduced cost when listed, arc), best first.
    cands: Vec<(Art<C>, u32)>,
    cand_pos: usize,

    in_arc: u32,
    join: u32,
    u_in: u32,
    v_in: u32,
    u_out: u32,
    delta: i64,
}

/// Solves `net`, starting from a basis built from `hint` (per-arc flows,
/// `None` = no opinion) or from the all-zero flow when `hint` is `None`.
/// A warm-start hint: per-arc flows and per-node potentials (`None` or
/// missing = unknown).
pub(crate) struct Hint<'a, C> {
    pub(crate) flow: &'a [Option<i64>],
    pub(crate) potential: &'a [Option<C>],
    /// Hinted tree arc of each node (may be empty).
    pub(crate) tree: &'a [Option<crate::ArcId>],
}

/// When and how a cold start samples the lines to guide its crash (see
/// [`sample_potentials`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    /// Fewer detected lines than this: no sampling.
    pub(crate) min_lines: usize,
    /// One line in `step` (at least 2) is kept in the sample...
    pub(crate) step: usize,
    /// ...and one in `2 * step` from this many lines on. Measured on generated books (value
    /// tier, `allot solve`): the wider step is ~8% faster at 100k lines and ~5% at 1M, and
    /// ~15% slower at 30k.
    pub(crate) wide_from: usize,
}

impl Sample {
    pub(crate) const DEFAULT: Sample = Sample {
        min_lines: 2048,
        step: 16,
        wide_from: 65_536,
    };
}

pub(crate) fn solve_impl<C: Cost, const CHECK: bool>(
    net: &Network<C>,
    opts: &SolveOptions,
    hint: Option<&Hint<'_, C>>,
) -> Result<Solution<C>, FlowError> {
    solve_sampled::<C, CHECK>(net, opts, hint, Sample::DEFAULT)
}

pub(crate) fn solve_sampled<C: Cost, const CHECK: bool>(
    net: &Network<C>,
    opts: &SolveOptions,
    hint: Option<&Hint<'_, C>>,
    sample: Sample,
) -> Result<Solution<C>, FlowError> {
    solve_input::<C, CHECK>(Input::Borrowed(net), opts, hint, sample).map(|(sol, _)| sol)
}

/// [`solve_impl`] taking the network by value: its arrays are freed once the solver has its
/// own copies, and handed back (as the solver's arrays) at the end.
pub(crate) fn solve_owned_impl<C: Cost, const CHECK: bool>(
    net: Network<C>,
    opts: &SolveOptions,
    hint: Option<&Hint<'_, C>>,
) -> Result<(Solution<C>, crate::SolvedArcs<C>), FlowError> {
    solve_input::<C, CHECK>(Input::Owned(net), opts, hint, Sample::DEFAULT)
        .map(|(sol, net)| (sol, net.expect("owned network handed back")))
}

/// The network a solve reads: borrowed, or owned (and handed back).
enum Input<'a, C: Cost> {
    Borrowed(&'a Network<C>),
    Owned(Network<C>),
}

impl<C: Cost> Input<'_, C> {
    fn net(&self) -> &Network<C> {
        match self {
            Input::Borrowed(n) => n,
            Input::Owned(n) => n,
        }
    }
}

fn solve_input<C: Cost, const CHECK: bool>(
    input: Input<'_, C>,
    opts: &SolveOptions,
    hint: Option<&Hint<'_, C>>,
    sample: Sample,
) -> Result<(Solution<C>, Option<crate::SolvedArcs<C>>), FlowError> {
    let net = input.net();
    let n = net.supply.len();
    let m = net.from.len();

    let mut sum: i128 = 0;
    let mut pos: i128 = 0;
    for &s in &net.supply {
        sum += s as i128;
        if s > 0 {
            pos += s as i128;
        }
    }
    if sum != 0 {
        let total_supply = sum.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
        return Err(FlowError::Unbalanced { total_supply });
    }
    assert!(
        pos <= INF_CAP as i128,
        "flow: total positive supply exceeds INF_CAP"
    );
    if n == 0 {
        let back = match input {
            Input::Owned(net) => Some(crate::SolvedArcs {
                supply: net.supply,
                orig: Vec::new(),
                from: net.from,
                to: net.to,
                cap: net.cap,
                cost: net.cost,
            }),
            Input::Borrowed(_) => None,
        };
        return Ok((
            Solution {
                flow: Vec::new(),
                potential: Vec::new(),
                total_cost: C::ZERO,
                pivots: 0,
                tree: Vec::new(),
            },
            back,
        ));
    }

    let owned = matches!(input, Input::Owned(_));
    let lines = detect_lines(input.net());
    // A cold start solves a sample of the lines for estimated prices (see `sample_network`).
    // That solve needs only the caller's arrays: on a second core it runs while the full
    // problem's simplex is set up.
    let sampled = if hint.is_none() {
        sample_network(input.net(), &lines, sample)
    } else {
        None
    };
    let mut skeleton = None;
    let (mut s, sampled_est) = match sampled {
        Some(SampledNetwork { sub, map, is_line }) => {
            let core = map.len() - lines.line_node.len();
            let solve = move || sample_potentials::<C, CHECK>(sub, core, sample);
            let (s, est) = if parallel() {
                std::thread::scope(|sc| {
                    let h = sc.spawn(solve);
                    let mut s = Simplex::new(input, lines, opts);
                    s.init_basis(None, pos as i64);
                    // The sample usually takes longer: the buckets' skeleton is made meanwhile
                    // (on this thread only, the other core being the sample's).
                    skeleton = Some(s.bucket_skeleton(false));
                    (s, h.join().expect("sample thread"))
                })
            } else {
                let est = solve();
                let mut s = Simplex::new(input, lines, opts);
                s.init_basis(None, pos as i64);
                (s, est)
            };
            (s, Some((est, map, is_line)))
        }
        None => (Simplex::new(input, lines, opts), None),
    };
    let crash_pivots = if let Some((est, map, is_line)) = sampled_est {
        match est {
            // The sample's pivots are counted as well. Non-line nodes come first in the sample.
            Some((pot, p)) => {
                p + s.crash_estimated::<CHECK>(|u| (!is_line[u]).then(|| pot[map[u] as usize]))
            }
            None => s.crash::<CHECK>(),
        }
    } else if hint.is_some() && s.init_basis(hint, pos as i64) {
        // From a hinted basis the potentials are exact already: no crash.
        match hint.filter(|h| h.tree.is_empty() && s.hint_estimates(h.potential)) {
            Some(h) => s.crash_estimated::<CHECK>(|u| h.potential.get(u).copied().flatten()),
            None => 0,
        }
    } else {
        // No sample (few lines), or a hint that does not give a basis.
        s.init_basis(None, pos as i64);
        s.crash::<CHECK>()
    };
    // After the crash (or from a hinted basis) the basis is near optimal:
    // few arcs improve, and each pivot shifts the potentials of large
    // subtrees. Bucketed pricing finds the most improving arcs (Dantzig's
    // rule) without scanning every line.
    if !s.line_node.is_empty() {
        s.init_buckets(skeleton);
    }
    let pivots = crash_pivots + s.run::<CHECK>()?;
    let buckets = s.buckets.take();
    drop(buckets);

    // Feasibility: every artificial arc must end up empty.
    if s.flow[m..].iter().any(|&f| f != 0) {
        return Err(FlowError::Infeasible);
    }

    let mut total_cost = C::ZERO;
    for e in 0..m {
        let f = s.flow[e];
        if f != 0 {
            total_cost = total_cost + s.cost[e].scale(f);
        }
    }

    // Fold the artificial component of the potentials into the real one.
    // Within one artificial component (equal `a`) the real parts are already
    // consistent. Across components, the sign of the internal reduced cost is
    // the sign of the `a` difference; any M exceeding every |real part| of
    // such arcs reproduces that sign.
    // Every node's potential, in place: a leaf's is derived from its parent's, which is an
    // internal node's (or the root's) and already right. (Fresh arrays of 56 bytes per node
    // took 10-130 ms on a 1M-node network, mostly faulting the memory in.)
    for u in 0..n {
        if s.nchild[u] == 0 {
            s.pi[u] = s.pi_of(u);
        }
    }
    let mut pis = std::mem::take(&mut s.pi);
    pis.truncate(n);
    let mut max_abs = C::ZERO;
    // When every node ends in one component, no arc needs a look.
    let one_component = pis.iter().all(|p| p.a == pis[0].a);
    if !one_component {
        for e in 0..m {
            let (u, v) = (s.source[e] as usize, s.target[e] as usize);
            if pis[u].a != pis[v].a {
                let r = s.cost[e] + pis[u].c - pis[v].c;
                let r = if r < C::ZERO { -r } else { r };
                if r > max_abs {
                    max_abs = r;
                }
            }
        }
    }
    let big_m = max_abs.scale(2);
    let tree = (0..n)
        .map(|u| {
            let e = s.pred[u] as usize;
            (e < m).then(|| {
                crate::ArcId(if s.orig.is_empty() {
                    e as u32
                } else {
                    s.orig[e]
                })
            })
        })
        .collect();
    // Collected in place (no fresh memory).
    let potential: Vec<C> = pis.into_iter().map(|p| p.c + big_m.scale(p.a)).collect();
    // Free the solver's node arrays and pricing state before the arc arrays are put back in
    // the caller's order (one array at a time: each is freed once its reordered copy exists).
    s.release_node_arrays();
    let flow = unpermute(&s.orig, std::mem::take(&mut s.flow), m, 0);
    let back = owned.then(|| {
        // The arc arrays stay in the solver's order; `SolvedArcs` reads them in the caller's.
        s.source.truncate(m);
        s.target.truncate(m);
        s.cap.truncate(m);
        crate::SolvedArcs {
            supply: std::mem::take(&mut s.supply),
            orig: std::mem::take(&mut s.orig),
            from: std::mem::take(&mut s.source),
            to: std::mem::take(&mut s.target),
            cap: std::mem::take(&mut s.cap),
            cost: std::mem::take(&mut s.cost),
        }
    });
    Ok((
        Solution {
            flow,
            potential,
            total_cost,
            pivots,
            tree,
        },
        back,
    ))
}

/// The first `m` entries of an internal arc array, in the caller's arc order (internal arc `i`
/// is the caller's arc `orig[i]`; `orig` empty: the identity). Takes `v` by value so that it is
/// freed as soon as its reordered copy exists.
fn unpermute<T: Copy>(orig: &[u32], mut v: Vec<T>, m: usize, zero: T) -> Vec<T> {
    if orig.is_empty() {
        v.truncate(m);
        v
    } else {
        let mut out = vec![zero; m];
        for (i, &e) in orig.iter().enumerate() {
            out[e as usize] = v[i];
        }
        out
    }
}

impl<C: Cost> Simplex<C> {
    fn new(input: Input<'_, C>, lines: Lines, opts: &SolveOptions) -> Self {
        let net = input.net();
        let n = net.supply.len();
        let m = net.from.len();
        let all = m + n;
        let root = n as u32;

        // Each array is copied in the solver's arc order (and, when the network is owned, its
        // original freed right away, so at most one array exists twice at a time), except an
        // owned network's arrays already in that order, which are taken as they are.
        fn with_room<T>(mut v: Vec<T>, extra: usize) -> Vec<T> {
            v.reserve_exact(extra);
            v
        }
        fn permuted<T: Copy>(orig: &[u32], v: &[T], extra: usize) -> Vec<T> {
            let mut out = Vec::with_capacity(v.len() + extra);
            if orig.is_empty() {
                out.extend_from_slice(v);
            } else {
                out.extend(orig.iter().map(|&e| v[e as usize]));
            }
            out
        }
        let o = &lines.orig;
        let (mut source, mut target, mut cap, cost, supply) = match input {
            Input::Borrowed(net) => (
                permuted(o, &net.from, n),
                permuted(o, &net.to, n),
                permuted(o, &net.cap, n),
                permuted(o, &net.cost, 0),
                net.supply.clone(),
            ),
            Input::Owned(net) => {
                let Network {
                    supply,
                    from,
                    to,
                    cap,
                    cost,
                } = net;
                if o.is_empty() {
                    // In the solver's order already: the arrays are used as they are (no copy
                    // at all when the caller left room for the artificial arcs).
                    (
                        with_room(from, n),
                        with_room(to, n),
                        with_room(cap, n),
                        cost,
                        supply,
                    )
                } else {
                    let source = permuted(o, &from, n);
                    drop(from);
                    let target = permuted(o, &to, n);
                    drop(to);
                    let capv = permuted(o, &cap, n);
                    drop(cap);
                    (source, target, capv, permuted(o, &cost, 0), supply)
                }
            }
        };
        for u in 0..n as u32 {
            source.push(u);
            target.push(root);
            cap.push(INF_CAP);
        }

        let block_size = match opts.block_size {
            Some(b) => b.max(1),
            None => ((crate::DEFAULT_BLOCK_FACTOR * (m as f64).sqrt()).ceil() as usize).max(10),
        }
        .min(m.max(1));

        Simplex {
            n,
            m,
            root,
            source,
            target,
            cap,
            flow: vec![0; all],
            state: vec![STATE_LOWER; all],
            cost,
            art_cost: vec![C::ZERO; n],
            supply,
            pi: vec![Art::ZERO; n + 1],
            depth: vec![0; n + 1],
            parent: vec![NONE; n + 1],
            pred: vec![NONE; n + 1],
            pred_dir: vec![DIR_UP; n + 1],
            nchild: vec![0; n + 1],
            first_child: vec![NONE; n + 1],
            next_sib: vec![NONE; n + 1],
            prev_sib: vec![NONE; n + 1],
            stem: Vec::new(),
            buckets: None,
            m_core: lines.m_core.unwrap_or(m),
            orig: lines.orig,
            line_start: lines.line_start,
            line_node: lines.line_node,
            hub: lines.hub,
            block_size,
            next_arc: 0,
            next_line: 0,
            cands: Vec::new(),
            cand_pos: 0,

            in_arc: 0,
            join: 0,
            u_in: 0,
            v_in: 0,
            u_out: 0,
            delta: 0,
        }
    }

    /// Builds a strongly feasible starting basis from per-arc flow hints
    /// (`None`: all zero). Returns false (leaving garbage) when the hint
    /// implies absurd artificial flows; the caller then retries without it.
    ///
    /// 1. Clamp the hint to the arc bounds. Arcs strictly inside their bounds
    ///    must be basic: they form a forest (an arc closing a cycle is moved
    ///    to a bound).
    /// 2. Grow trees from an artificial-root attachment point (first the node
    ///    of least supply), crossing forest arcs freely and arcs at a bound
    ///    only in the direction that keeps the tree strongly feasible (an arc
    ///    at 0 points to the parent, an arc at capacity to the child);
    ///    uncapacitated arcs are preferred to capacitated ones.
    /// 3. Walking the trees bottom-up, the tree arc flows are what
    ///    conservation requires; a tree arc whose flow would leave its bounds
    ///    (or break strong feasibility) is moved to its nearest bound and its
    ///    subtree hangs from the root by its artificial arc instead.
    fn init_basis(&mut self, hint: Option<&Hint<'_, C>>, pos_supply: i64) -> bool {
        let n = self.n;
        let m = self.m;
        let root = self.root;

        // 1. Clamped hint, written in the flow array itself (its first `m` entries; the
        // artificial arcs' flows are set in step 3).
        let mut x = std::mem::take(&mut self.flow);
        if hint.is_none() {
            x[..m].fill(0); // a retry without the hint starts from nothing
        }
        // Arcs of zero reduced cost under the hinted potentials.
        let mut tight: Vec<bool> = Vec::new();
        if let Some(h) = hint.filter(|h| !h.potential.is_empty() && h.tree.is_empty()) {
            let pot = |u: u32| h.potential.get(u as usize).copied().flatten();
            tight = (0..m)
                .map(|e| match (pot(self.source[e]), pot(self.target[e])) {
                    (Some(a), Some(b)) => self.cost[e] + a - b == C::ZERO,
                    _ => false,
                })
                .collect();
        }
        if let Some(h) = hint {
            let h = h.flow;
            for e in 0..m {
                let cap = self.cap[e];
                let he = if self.orig.is_empty() {
                    e
                } else {
                    self.orig[e] as usize
                };
                let v = match h.get(he) {
                    Some(&Some(v)) => v,
                    _ => 0,
                };
                x[e] = if cap >= INF_CAP {
                    if v > 0 && v <= pos_supply {
                        v
                    } else {
                        0
                    }
                } else {
                    v.clamp(0, cap)
                };
            }
        }
        let tree_hint = hint.map(|h| h.tree).filter(|t| !t.is_empty());
        let lines_start = if hint.is_none() {
            self.cold_tree_lines()
        } else {
            None
        };
        let (mut parent, mut pred, order) = if let Some(t) = tree_hint {
            self.tree_from_hint(t, &mut x)
        } else if let Some(r) = lines_start {
            r
        } else {
            // Forest of interior arcs (union-find with path halving).
            let mut uf: Vec<u32> = (0..n as u32).collect();
            fn find(uf: &mut [u32], mut a: u32) -> u32 {
                while uf[a as usize] != a {
                    let g = uf[uf[a as usize] as usize];
                    uf[a as usize] = g;
                    a = g;
                }
                a
            }
            let mut forest = vec![false; m];
            let mut any_forest = false;
            for e in 0..m {
                let xe = x[e];
                if xe > 0 && xe < self.cap[e] {
                    let a = find(&mut uf, self.source[e]);
                    let b = find(&mut uf, self.target[e]);
                    if a != b {
                        uf[a as usize] = b;
                        forest[e] = true;
                        any_forest = true;
                    } else {
                        x[e] = 0;
                    }
                }
            }
            drop(uf);

            let (start, adj) = self.adjacency(m);

            // 2. Grow the trees. A forest component is absorbed whole as soon as
            // one of its nodes is reached, so every forest arc becomes a tree arc.
            let mut visited = vec![false; n];
            let mut order: Vec<u32> = Vec::with_capacity(n);
            let mut parent = vec![NONE; n];
            let mut pred = vec![NONE; n];
            let mut queue: VecDeque<u32> = VecDeque::new();
            let mut deferred: Vec<u32> = Vec::new();
            let mut stack: Vec<u32> = Vec::new();
            let cap = &self.cap;
            let source = &self.source;
            let target = &self.target;
            // Can the arc `e` (not in the forest) hang `w` below `u`?
            let can_hang = |e: usize, u: u32, w: u32, x: &[i64]| -> bool {
                let c = cap[e];
                let xe = x[e];
                if source[e] == w && target[e] == u {
                    // w -> u, w is the child: flow must be able to increase.
                    xe == 0 && c > 0
                } else if source[e] == u && target[e] == w {
                    // u -> w, w is the child: flow must be able to decrease.
                    xe == c && c > 0 && c < INF_CAP
                } else {
                    false
                }
            };
            // Absorbs the forest components of the nodes on `stack`.
            macro_rules! absorb {
                () => {
                    while let Some(u) = stack.pop() {
                        order.push(u);
                        queue.push_back(u);
                        if any_forest {
                            for &(e, w) in
                                &adj[start[u as usize] as usize..start[u as usize + 1] as usize]
                            {
                                let e = e as usize;
                                if visited[w as usize] || !forest[e] {
                                    continue;
                                }
                                {
                                    visited[w as usize] = true;
                                    parent[w as usize] = u;
                                    pred[w as usize] = e as u32;
                                    stack.push(w);
                                }
                            }
                        }
                    }
                };
            }
            // Least supply first (e.g. a sink), then in index order.
            let first = (0..n).min_by_key(|&u| (self.supply[u], u)).unwrap_or(0);
            for s0 in std::iter::once(first).chain(0..n) {
                if visited[s0] {
                    continue;
                }
                visited[s0] = true;
                stack.push(s0 as u32);
                let mut pass = if tight.is_empty() { 1 } else { 0 };
                loop {
                    absorb!();
                    let Some(u) = queue.pop_front() else {
                        if pass < 2 && !deferred.is_empty() {
                            pass += 1;
                            queue.extend(deferred.drain(..));
                            continue;
                        }
                        deferred.clear();
                        break;
                    };
                    let mut has_deferred = false;
                    for &(e, w) in &adj[start[u as usize] as usize..start[u as usize + 1] as usize]
                    {
                        let e = e as usize;
                        if visited[w as usize] || forest[e] {
                            continue;
                        }
                        let allowed = match pass {
                            0 => tight[e],
                            1 => cap[e] >= INF_CAP,
                            _ => true,
                        };
                        if !allowed {
                            has_deferred = true;
                            continue;
                        }
                        if can_hang(e, u, w, &x) {
                            visited[w as usize] = true;
                            parent[w as usize] = u;
                            pred[w as usize] = e as u32;
                            stack.push(w);
                            // Absorb w's forest component before anything else
                            // can reach it by another arc.
                            absorb!();
                        }
                    }
                    if has_deferred {
                        deferred.push(u);
                    }
                }
                if order.len() == n {
                    break;
                }
            }
            drop(adj);
            drop(start);
            drop(forest);
            drop(tight);
            (parent, pred, order)
        };

        // 3. Bottom-up: derived flows, cuts.
        self.flow = x;
        let mut ex: Vec<i128> = self.supply.iter().map(|&s| s as i128).collect();
        for e in 0..m {
            self.state[e] = if self.flow[e] == 0 {
                STATE_LOWER
            } else {
                STATE_UPPER
            };
        }
        // Tree arcs are marked now; their flows are derived below.
        for u in 0..n {
            if parent[u] != NONE {
                self.state[pred[u] as usize] = STATE_TREE;
            }
        }
        for e in 0..m {
            let xe = self.flow[e];
            if xe != 0 && self.state[e] != STATE_TREE {
                ex[self.source[e] as usize] -= xe as i128;
                ex[self.target[e] as usize] += xe as i128;
            }
        }
        let mut art_total: i128 = 0;
        for &u in order.iter().rev() {
            let u = u as usize;
            let p = parent[u];
            let mut cut = p == NONE;
            if p != NONE {
                let e = pred[u] as usize;
                let c = self.cap[e] as i128;
                let up = self.source[e] as usize == u;
                let f = if up { ex[u] } else { -ex[u] };
                let valid = if up { f >= 0 && f < c } else { f > 0 && f <= c };
                if valid {
                    self.flow[e] = f as i64;
                    self.state[e] = STATE_TREE;
                    self.pred_dir[u] = if up { DIR_UP } else { DIR_DOWN };
                    ex[p as usize] += ex[u];
                } else {
                    // Move e to its nearest bound; u hangs from the root.
                    let b = if f >= c && c < INF_CAP as i128 { c } else { 0 };
                    self.flow[e] = b as i64;
                    self.state[e] = if b == 0 { STATE_LOWER } else { STATE_UPPER };
                    if up {
                        ex[u] -= b;
                        ex[p as usize] += b;
                    } else {
                        ex[u] += b;
                        ex[p as usize] -= b;
                    }
                    parent[u] = NONE;
                    cut = true;
                }
            }
            if cut {
                let a = m + u;
                let f = ex[u];
                art_total += f.abs();
                if hint.is_some() && art_total >= (INF_CAP / 2) as i128 {
                    return false;
                }
                self.state[a] = STATE_TREE;
                self.cap[a] = INF_CAP;
                let hp = hint
                    .and_then(|h| h.potential.get(u).copied().flatten())
                    .unwrap_or(C::ZERO);
                if f >= 0 {
                    self.source[a] = u as u32;
                    self.target[a] = root;
                    self.flow[a] = f as i64;
                    self.art_cost[u] = -hp;
                    self.pred_dir[u] = DIR_UP;
                } else {
                    self.source[a] = root;
                    self.target[a] = u as u32;
                    self.flow[a] = (-f) as i64;
                    self.art_cost[u] = hp;
                    self.pred_dir[u] = DIR_DOWN;
                }
                parent[u] = root;
                pred[u] = a as u32;
            }
        }
        for u in 0..n {
            if parent[u] != root {
                let a = m + u;
                self.state[a] = STATE_LOWER;
                self.flow[a] = 0;
                self.art_cost[u] = C::ZERO;
                self.source[a] = u as u32;
                self.target[a] = root;
            }
        }

        // 4. Tree structure, potentials and depths (order is topological). The tree arcs'
        // directions were set in step 3. Leaves keep no potential or depth (they are derived from
        // the parent's when needed), which spares a read of a far-away arc per leaf.
        let r = root as usize;
        self.parent[r] = NONE;
        self.pred[r] = NONE;
        self.nchild.iter_mut().for_each(|c| *c = 0);
        self.first_child.iter_mut().for_each(|c| *c = NONE);
        self.pi[r] = Art::ZERO;
        self.depth[r] = 0;
        for u in 0..n {
            let p = parent[u];
            self.parent[u] = p;
            self.pred[u] = pred[u];
            self.nchild[p as usize] += 1;
        }
        for &u in &order {
            let u = u as usize;
            if self.nchild[u] == 0 {
                continue;
            }
            let p = self.parent[u] as usize;
            let c = self.arc_cost(self.pred[u] as usize);
            self.pi[u] = if self.pred_dir[u] == DIR_UP {
                self.pi[p] - c
            } else {
                self.pi[p] + c
            };
            self.depth[u] = self.depth[p] + 1;
            self.link(u as u32);
        }
        true
    }

    /// Adjacency of arcs `0..arcs` (CSR, both directions, arc order): node
    /// `u`'s entries are `adj[start[u]..start[u + 1]]`, each (arc, other
    /// endpoint), so the endpoint is checked first without touching the arc
    /// arrays at random. A self-loop is listed twice (it never hangs anything).
    fn adjacency(&self, arcs: usize) -> (Vec<u32>, Vec<(u32, u32)>) {
        let mut start = vec![0u32; self.n + 1];
        for e in 0..arcs {
            start[self.source[e] as usize] += 1;
            start[self.target[e] as usize] += 1;
        }
        let mut acc = 0u32;
        for x in start.iter_mut() {
            let d = *x;
            *x = acc;
            acc += d;
        }
        let mut fill = start.clone();
        let mut adj = vec![(0u32, 0u32); acc as usize];
        for e in 0..arcs {
            let (u, v) = (self.source[e] as usize, self.target[e] as usize);
            adj[fill[u] as usize] = (e as u32, v as u32);
            fill[u] += 1;
            adj[fill[v] as usize] = (e as u32, u as u32);
            fill[v] += 1;
        }
        (start, adj)
    }

    /// The starting tree of a cold start on a network with lines, without
    /// the whole network's adjacency: the search of the generic start (from
    /// the node of least supply, uncapacitated arcs first, a node hanging by
    /// an arc whose flow can grow from zero) over the core arcs only, then
    /// every line hanging from the hub by its out-arc, as the generic search
    /// would hang it; a core node reached only through lines (a node whose
    /// one out-arc goes to the hub is detected as a line) hangs below the
    /// first line that reaches it. Parent, tree arc and a top-down order;
    /// `None` (the generic start then runs) when the hub or a core node is
    /// not reached that way, or a line cannot hang by its out-arc.
    fn cold_tree_lines(&self) -> Option<(Vec<u32>, Vec<u32>, Vec<u32>)> {
        let n = self.n;
        let mc = self.m_core;
        if self.line_node.is_empty() || mc >= self.m {
            return None;
        }
        let first = (0..n).min_by_key(|&u| (self.supply[u], u))?;
        // Lines are listed in node order.
        if self.line_node.binary_search(&(first as u32)).is_ok() {
            return None;
        }
        // The core arcs come first in the solver's order.
        let (start, adj) = self.adjacency(mc);
        let mut visited = vec![false; n];
        let mut parent = vec![NONE; n];
        let mut pred = vec![NONE; n];
        let mut order: Vec<u32> = Vec::with_capacity(n);
        let mut queue: VecDeque<u32> = VecDeque::new();
        let mut deferred: Vec<u32> = Vec::new();
        visited[first] = true;
        order.push(first as u32);
        queue.push_back(first as u32);
        let mut pass = 1;
        loop {
            let Some(u) = queue.pop_front() else {
                if pass < 2 && !deferred.is_empty() {
                    pass += 1;
                    queue.extend(deferred.drain(..));
                    continue;
                }
                break;
            };
            let mut has_deferred = false;
            for &(e, w) in &adj[start[u as usize] as usize..start[u as usize + 1] as usize] {
                let e = e as usize;
                if visited[w as usize] {
                    continue;
                }
                if pass == 1 && self.cap[e] < INF_CAP {
                    has_deferred = true;
                    continue;
                }
                // From zero flow only an arc `w -> u` can hang `w` below `u`.
                if self.source[e] == w && self.target[e] == u && self.cap[e] > 0 {
                    visited[w as usize] = true;
                    parent[w as usize] = u;
                    pred[w as usize] = e as u32;
                    order.push(w);
                    queue.push_back(w);
                }
            }
            if has_deferred {
                deferred.push(u);
            }
        }
        if !visited[self.hub as usize] {
            return None;
        }
        let core = n - self.line_node.len();
        let mut reached = order.len();
        for k in 0..self.line_node.len() {
            let l = self.line_node[k];
            let out = self.line_start[k + 1] as usize - 1;
            if self.source[out] != l || self.target[out] != self.hub || self.cap[out] <= 0 {
                return None;
            }
            parent[l as usize] = self.hub;
            pred[l as usize] = out as u32;
            order.push(l);
        }
        // Core nodes reached only through a line (say a node whose one out-arc goes to the
        // hub, detected as a line) hang below the first line that reaches them.
        'lines: for k in 0..self.line_node.len() {
            if reached == core {
                break;
            }
            let l = self.line_node[k];
            for e in self.line_start[k] as usize..self.line_start[k + 1] as usize - 1 {
                let w = self.source[e];
                if visited[w as usize] || self.cap[e] <= 0 {
                    continue;
                }
                visited[w as usize] = true;
                parent[w as usize] = l;
                pred[w as usize] = e as u32;
                order.push(w);
                queue.push_back(w);
                reached += 1;
                while let Some(u) = queue.pop_front() {
                    for &(e, w) in &adj[start[u as usize] as usize..start[u as usize + 1] as usize]
                    {
                        let e = e as usize;
                        if !visited[w as usize]
                            && self.source[e] == w
                            && self.target[e] == u
                            && self.cap[e] > 0
                        {
                            visited[w as usize] = true;
                            parent[w as usize] = u;
                            pred[w as usize] = e as u32;
                            order.push(w);
                            queue.push_back(w);
                            reached += 1;
                        }
                    }
                }
                if reached == core {
                    break 'lines;
                }
            }
        }
        if reached != core {
            return None;
        }
        Some((parent, pred, order))
    }

    /// Parent, tree arc and a top-down order of the nodes from a hinted
    /// spanning tree (`tree[u]`: the caller's arc joining `u` to its parent).
    /// A hinted arc that is out of range, not incident to its node, a
    /// self-loop, already used by another node or closing a cycle is dropped
    /// (the node then hangs from the root). Non-tree arcs strictly inside
    /// their bounds are moved to 0 (the bottom-up pass re-balances).
    fn tree_from_hint(
        &self,
        tree: &[Option<crate::ArcId>],
        x: &mut [i64],
    ) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
        let n = self.n;
        let m = self.m;
        let inv: Vec<u32> = if self.orig.is_empty() {
            Vec::new()
        } else {
            let mut v = vec![0u32; m];
            for (i, &e) in self.orig.iter().enumerate() {
                v[e as usize] = i as u32;
            }
            v
        };
        let mut parent = vec![NONE; n];
        let mut pred = vec![NONE; n];
        let mut used = vec![false; m];
        for u in 0..n {
            let Some(Some(a)) = tree.get(u).copied() else {
                continue;
            };
            let a = a.0 as usize;
            if a >= m {
                continue;
            }
            let e = if inv.is_empty() { a } else { inv[a] as usize };
            let (s, t) = (self.source[e] as usize, self.target[e] as usize);
            if s == t || used[e] {
                continue;
            }
            let p = if s == u {
                t
            } else if t == u {
                s
            } else {
                continue;
            };
            used[e] = true;
            parent[u] = p as u32;
            pred[u] = e as u32;
        }
        drop(inv);
        // Depths, cutting cycles: 0 = unknown, 1 = on the current walk, 2 = done.
        let mut mark = vec![0u8; n];
        let mut depth = vec![0u32; n];
        let mut path: Vec<u32> = Vec::new();
        let mut max_depth = 0u32;
        for u0 in 0..n {
            if mark[u0] == 2 {
                continue;
            }
            'walk: loop {
                path.clear();
                let mut u = u0;
                let mut d;
                loop {
                    if mark[u] == 2 {
                        d = depth[u];
                        break;
                    }
                    if mark[u] == 1 {
                        // A cycle through u: cut it above u and walk again.
                        used[pred[u] as usize] = false;
                        parent[u] = NONE;
                        pred[u] = NONE;
                        for &w in &path {
                            mark[w as usize] = 0;
                        }
                        continue 'walk;
                    }
                    mark[u] = 1;
                    path.push(u as u32);
                    if parent[u] == NONE {
                        mark[u] = 2;
                        depth[u] = 0;
                        path.pop();
                        d = 0;
                        break;
                    }
                    u = parent[u] as usize;
                }
                while let Some(w) = path.pop() {
                    d += 1;
                    depth[w as usize] = d;
                    mark[w as usize] = 2;
                }
                max_depth = max_depth.max(d);
                break;
            }
        }
        drop(mark);
        drop(path);
        for e in 0..m {
            if !used[e] && x[e] > 0 && x[e] < self.cap[e] {
                x[e] = 0;
            }
        }
        // Top-down order: counting sort by depth.
        let mut cnt = vec![0u32; max_depth as usize + 2];
        for u in 0..n {
            cnt[depth[u] as usize + 1] += 1;
        }
        for i in 1..cnt.len() {
            cnt[i] += cnt[i - 1];
        }
        let mut order = vec![0u32; n];
        for u in 0..n {
            let d = depth[u] as usize;
            order[cnt[d] as usize] = u as u32;
            cnt[d] += 1;
        }
        (parent, pred, order)
    }

    /// Greedy crash for transportation-shaped networks, run on the starting
    /// basis. A "line" is a leaf of zero supply hanging from the root side by
    /// an empty out-arc; serving it through one of its in-arcs `s -> l` is a
    /// pivot that only swaps the line's own tree arc when the tree path from
    /// `s` can spare the line's capacity. Lines are taken by increasing
    /// reduced cost of their best in-arc (most profitable first), trying
    /// their improving in-arcs best first; only such leaf-swap pivots are
    /// made, so potentials do not change and the order stays valid. Returns
    /// the number of pivots made.
    fn crash<const CHECK: bool>(&mut self) -> u64 {
        let n = self.n;
        let m = self.m;
        let is_line = |s: &Self, l: usize| -> bool {
            let e = s.pred[l] as usize;
            s.supply[l] == 0
                && s.nchild[l] == 0
                && e < m
                && s.pred_dir[l] == DIR_UP
                && s.flow[e] == 0
        };
        // In-arcs of the lines (CSR).
        let mut start = vec![0u32; n + 1];
        let mut line = vec![false; n];
        let mut lines = 0usize;
        for l in 0..n {
            if is_line(self, l) {
                line[l] = true;
                lines += 1;
            }
        }
        if lines == 0 {
            return 0;
        }
        for e in 0..m {
            let t = self.target[e] as usize;
            if line[t] && self.state[e] == STATE_LOWER && self.source[e] as usize != t {
                start[t] += 1;
            }
        }
        let mut acc = 0u32;
        for x in start.iter_mut() {
            let d = *x;
            *x = acc;
            acc += d;
        }
        let mut fill = start.clone();
        let mut ins = vec![0u32; acc as usize];
        for e in 0..m {
            let t = self.target[e] as usize;
            if line[t] && self.state[e] == STATE_LOWER && self.source[e] as usize != t {
                ins[fill[t] as usize] = e as u32;
                fill[t] += 1;
            }
        }
        drop(fill);
        drop(line);
        // Best in-arc of each line.
        let mut order: Vec<(Art<C>, u32)> = Vec::with_capacity(lines);
        for l in 0..n {
            let (a, b) = (start[l] as usize, start[l + 1] as usize);
            let mut best = Art::ZERO;
            for &e in &ins[a..b] {
                let c = self.price(e as usize);
                if c < best {
                    best = c;
                }
            }
            if best < Art::ZERO {
                order.push((best, l as u32));
            }
        }
        order.sort_unstable();
        let mut pivots = 0u64;
        let mut arcs: Vec<(Art<C>, u32)> = Vec::new();
        for &(_, l) in &order {
            let l = l as usize;
            arcs.clear();
            for &e in &ins[start[l] as usize..start[l + 1] as usize] {
                let c = self.price(e as usize);
                if c < Art::ZERO {
                    arcs.push((c, e));
                }
            }
            arcs.sort_unstable();
            for &(_, e) in &arcs {
                self.in_arc = e;
                self.find_join_node();
                let change = self.find_leaving_arc();
                if !(change && self.u_out as usize == l && self.delta > 0 && self.delta < INF_CAP) {
                    continue;
                }
                self.change_flow(true);
                self.update_tree();
                pivots += 1;
                if CHECK {
                    self.check_tree();
                }
                break;
            }
        }
        pivots
    }

    /// Whether the hinted potentials can serve as crash estimates (lines
    /// were detected and the hub has one).
    fn hint_estimates(&self, pot: &[Option<C>]) -> bool {
        !self.line_node.is_empty() && pot.get(self.hub as usize).copied().flatten().is_some()
    }

    /// Crash for networks with detected lines, guided by estimated
    /// potentials `est` of the non-line nodes (from a solve on a sample of
    /// the lines, see [`sample_potentials`]): lines are taken by increasing
    /// estimated reduced cost of their best path `source -> line -> hub`,
    /// and served through their estimated-improving in-arcs, best first, by
    /// leaf-swap pivots only (the line's own tree arc leaves, potentials of
    /// other nodes do not change). The estimate only orders and selects
    /// these basis changes; the simplex that follows decides optimality.
    fn crash_estimated<const CHECK: bool>(
        &mut self,
        est: impl Fn(usize) -> Option<C> + Sync,
    ) -> u64 {
        let nl = self.line_node.len();
        let m = self.m;
        let Some(hub_est) = est(self.hub as usize) else {
            return 0;
        };
        let mut arcs: Vec<(C, u32)> = Vec::new();
        // Estimated reduced cost of the path `source(e) -> line -> hub`
        // (zero, i.e. never taken, when the source has no estimate).
        let path = |s: &Self, e: usize, out: usize| -> C {
            match est(s.source[e] as usize) {
                Some(p) => s.cost[e] + s.cost[out] + p - hub_est,
                None => C::ZERO,
            }
        };
        // The lines to serve, by estimated reduced cost of their best path (sorted).
        let lines = |range: std::ops::Range<usize>| -> Vec<(C, u32)> {
            let mut order = Vec::new();
            for k in range {
                let l = self.line_node[k] as usize;
                let a = self.line_start[k] as usize;
                let out = self.line_start[k + 1] as usize - 1;
                if self.supply[l] != 0
                    || self.nchild[l] != 0
                    || self.pred[l] as usize != out
                    || self.flow[out] != 0
                {
                    continue;
                }
                let mut best = C::ZERO;
                for e in a..out {
                    if self.state[e] == STATE_LOWER {
                        let c = path(self, e, out);
                        if c < best {
                            best = c;
                        }
                    }
                }
                if best < C::ZERO {
                    order.push((best, k as u32));
                }
            }
            order.sort_unstable();
            order
        };
        // Many lines: two fixed halves, the second on another thread, merged (the same order
        // as sorting them all: entries are distinct, as the line index is part of each).
        let order = if nl >= PARALLEL_SWEEP_LINES {
            let (lo, hi) = halves(nl, lines);
            merge_sorted(lo, hi)
        } else {
            lines(0..nl)
        };
        let mut pivots = 0u64;
        let mut paths = CorePaths::default();
        // The lines come in cost order, scattered over the arrays: their data is fetched a few
        // lines ahead (in two steps, as the line's node and arcs are read from `line_node` and
        // `line_start`), so that the pivots do not wait on memory one line at a time.
        const AHEAD: usize = 16;
        for (i, &(_, k)) in order.iter().enumerate() {
            if let Some(&(_, k2)) = order.get(i + 2 * AHEAD) {
                prefetch(&self.line_node, k2 as usize);
                prefetch(&self.line_start, k2 as usize);
            }
            if let Some(&(_, k1)) = order.get(i + AHEAD) {
                self.prefetch_line(k1 as usize);
            }
            let k = k as usize;
            let l = self.line_node[k] as usize;
            let a = self.line_start[k] as usize;
            let out = self.line_start[k + 1] as usize - 1;
            arcs.clear();
            for e in a..out {
                if self.state[e] == STATE_LOWER {
                    let c = path(self, e, out);
                    if c < C::ZERO {
                        arcs.push((c, e as u32));
                    }
                }
            }
            arcs.sort_unstable();
            let hub = self.hub;
            // The lines were listed as leaves of the hub by their out-arc, and only their own
            // pivots move them; one that is not (none is) is left to the main loop.
            if !(self.pred[l] as usize == out
                && self.pred_dir[l] == DIR_UP
                && self.parent[l] == hub)
            {
                continue;
            }
            for &(_, e) in &arcs {
                if !self.leaf_swap(&mut paths, e, l, hub) {
                    continue;
                }
                self.update_tree();
                pivots += 1;
                if CHECK {
                    self.check_tree();
                }
                break;
            }
        }
        debug_assert!(self.flow.len() == m + self.n);
        pivots
    }

    /// The crash's pivot on entering arc `e` (at its lower bound) into line `l`, a leaf hung
    /// from `hub` by its out-arc: taken only if Cunningham's rule picks the line's out-arc to
    /// leave (exactly as [`Self::find_join_node`] and [`Self::find_leaving_arc`] would decide),
    /// with the flow changed as [`Self::change_flow`] would; the caller updates the tree. The
    /// crash only swaps leaves, so the tree between the sources of line arcs and the hub stays
    /// as it is: each source's cycle part is found once ([`CorePaths`]) and then read as a short
    /// list instead of walking the tree three times per pivot. Returns whether it pivoted.
    #[inline(always)]
    fn leaf_swap(&mut self, paths: &mut CorePaths, e: u32, l: usize, hub: u32) -> bool {
        let e = e as usize;
        let s = self.source[e];
        let p = paths.get(self, s, hub);
        // What tree arc `a` (of a node with direction `dir`) can carry more when the flow moves
        // along `toward`: its free capacity if that is its own direction, else its flow.
        let residual = |a: u32, dir: i8, toward: i8| {
            let (c, f) = (self.cap[a as usize], self.flow[a as usize]);
            if dir != toward {
                f
            } else if c >= INF_CAP {
                INF_CAP
            } else {
                c - f
            }
        };
        // From the source up to the join the flow moves down, towards the source: the least
        // residual there (and the entering arc's capacity) bounds the line's out-arc...
        let side1 = paths.side1[p.side1.clone()].iter();
        let delta1 = side1.fold(self.cap[e], |d, &(a, dir)| {
            d.min(residual(a, dir, DIR_DOWN))
        });
        let out = self.pred[l];
        let d_l = residual(out, DIR_UP, DIR_UP);
        let out = out as usize;
        // ...which leaves if it is no more than that, and less than every residual from the
        // hub up to the join, where the flow moves up (a tie there goes to the arc nearer the
        // join).
        let leaves = d_l <= delta1
            && d_l > 0
            && d_l < INF_CAP
            && paths.side2[p.side2.clone()]
                .iter()
                .all(|&(a, dir)| residual(a, dir, DIR_UP) > d_l);
        if cfg!(debug_assertions) {
            self.in_arc = e as u32;
            self.find_join_node();
            let change = self.find_leaving_arc();
            debug_assert_eq!(self.join, p.join);
            debug_assert_eq!(
                leaves,
                change && self.u_out as usize == l && self.delta > 0 && self.delta < INF_CAP
            );
        }
        if !leaves {
            return false;
        }
        self.in_arc = e as u32;
        self.join = p.join;
        (self.u_in, self.v_in, self.u_out, self.delta) = (l as u32, s, l as u32, d_l);
        self.flow[e] += d_l;
        for &(a, dir) in &paths.side1[p.side1] {
            self.flow[a as usize] -= dir as i64 * d_l;
        }
        self.flow[out] += d_l; // `l`'s tree arc points up (DIR_UP)
        for &(a, dir) in &paths.side2[p.side2] {
            self.flow[a as usize] += dir as i64 * d_l;
        }
        self.state[e] = STATE_TREE;
        self.state[out] = if self.flow[out] == 0 {
            STATE_LOWER
        } else {
            STATE_UPPER
        };
        true
    }

    /// Starts fetching what a pivot on line `k` reads: its node's tree data and its arcs.
    #[inline(always)]
    fn prefetch_line(&self, k: usize) {
        let l = self.line_node[k] as usize;
        let a = self.line_start[k] as usize;
        for v in [&self.parent, &self.pred, &self.depth, &self.nchild] {
            prefetch(v, l);
        }
        prefetch(&self.pred_dir, l);
        prefetch(&self.pi, l);
        prefetch(&self.source, a);
        prefetch(&self.target, a);
        prefetch(&self.state, a);
        prefetch(&self.flow, a);
        prefetch(&self.cap, a);
        prefetch(&self.cost, a);
        prefetch(&self.cost, a + 2);
        // The out-arc, read by every pivot into the line.
        let out = self.line_start[k + 1] as usize - 1;
        prefetch(&self.cost, out);
        prefetch(&self.cap, out);
        prefetch(&self.flow, out);
    }

    #[inline(always)]
    /// Frees everything but the arc arrays (`source`, `target`, `cap`, `flow`, `cost`), `orig`
    /// and `supply`: what is left to do once the solution's potentials and tree are read.
    fn release_node_arrays(&mut self) {
        self.buckets = None;
        self.state = Vec::new();
        self.art_cost = Vec::new();
        self.pi = Vec::new();
        self.depth = Vec::new();
        self.parent = Vec::new();
        self.pred = Vec::new();
        self.pred_dir = Vec::new();
        self.nchild = Vec::new();
        self.first_child = Vec::new();
        self.next_sib = Vec::new();
        self.prev_sib = Vec::new();
        self.stem = Vec::new();
        self.line_start = Vec::new();
        self.line_node = Vec::new();
        self.cands = Vec::new();
    }

    fn arc_cost(&self, e: usize) -> Art<C> {
        if e < self.m {
            Art {
                a: 0,
                c: self.cost[e],
            }
        } else {
            let c = self.art_cost[e - self.m];
            if self.source[e] == self.root {
                Art { a: 1, c }
            } else {
                Art { a: 0, c }
            }
        }
    }

    /// Potential of any node (derived for leaves).
    #[inline(always)]
    fn pi_of(&self, u: usize) -> Art<C> {
        if self.nchild[u] != 0 {
            return self.pi[u];
        }
        let p = self.parent[u] as usize;
        let c = self.arc_cost(self.pred[u] as usize);
        if self.pred_dir[u] == DIR_UP {
            self.pi[p] - c
        } else {
            self.pi[p] + c
        }
    }

    #[inline(always)]
    fn depth_of(&self, u: usize) -> u32 {
        if self.nchild[u] != 0 {
            self.depth[u]
        } else {
            self.depth[self.parent[u] as usize] + 1
        }
    }

    /// Inserts internal node `x` into its parent's list.
    #[inline(always)]
    fn link(&mut self, x: u32) {
        let p = self.parent[x as usize] as usize;
        let f = self.first_child[p];
        self.next_sib[x as usize] = f;
        self.prev_sib[x as usize] = NONE;
        if f != NONE {
            self.prev_sib[f as usize] = x;
        }
        self.first_child[p] = x;
    }

    /// Removes internal node `x` from its parent's list.
    #[inline(always)]
    fn unlink(&mut self, x: u32) {
        let p = self.parent[x as usize] as usize;
        let (pr, nx) = (self.prev_sib[x as usize], self.next_sib[x as usize]);
        if pr != NONE {
            self.next_sib[pr as usize] = nx;
        } else {
            self.first_child[p] = nx;
        }
        if nx != NONE {
            self.prev_sib[nx as usize] = pr;
        }
    }

    /// Pivots until optimal; returns the pivot count.
    fn run<const CHECK: bool>(&mut self) -> Result<u64, FlowError> {
        let mut pivots = 0u64;
        if CHECK {
            self.check_tree();
        }
        loop {
            if !self.find_entering_arc() {
                break;
            }
            pivots += 1;
            self.find_join_node();
            let change = self.find_leaving_arc();
            if self.delta >= INF_CAP {
                return Err(FlowError::Unbounded);
            }
            let out_arc = self.pred[self.u_out as usize];
            let v_out = self.parent[self.u_out as usize];
            self.change_flow(change);
            if change {
                self.update_tree();
            }
            if self.buckets.is_some() {
                self.touch_after_pivot(change, out_arc, v_out);
            }
            if CHECK {
                self.check_tree();
            }
        }
        Ok(pivots)
    }

    /// The pricing buckets' skeleton, empty: what depends only on the network (which node is a
    /// line, the buckets' ends), not on the basis; it can be made while the basis is still being
    /// found. `split`: look through the arcs as two halves on two threads.
    fn bucket_skeleton(&self, split: bool) -> Buckets<C> {
        let n = self.n;
        let nl = self.line_node.len();
        let mut line_of_node = vec![NONE; n];
        for (k, &l) in self.line_node.iter().enumerate() {
            line_of_node[l as usize] = k as u32;
        }
        // A bucket's ends are the non-line end of a line arc, and the line's
        // parent: the other end of its tree arc (one of its own arcs) or the
        // root. Only those nodes get a dense index (a few hundred: supply
        // nodes and the hub, not every node that is no line).
        // They are numbered in the order they first appear among the line arcs; large books
        // look through two fixed halves of the arcs at once (each listing the ends it meets
        // first, the second half's list then going after the first's).
        let ends = |r: std::ops::Range<usize>| -> (Vec<u32>, Vec<u64>) {
            let (mut found, mut seen) = (Vec::new(), vec![0u64; n.div_ceil(64)]);
            for e in r {
                for u in [self.source[e] as usize, self.target[e] as usize] {
                    if line_of_node[u] == NONE && seen[u / 64] & (1 << (u % 64)) == 0 {
                        seen[u / 64] |= 1 << (u % 64);
                        found.push(u as u32);
                    }
                }
            }
            (found, seen)
        };
        let line_arcs = self.m - self.m_core;
        let found = if split && line_arcs >= 1 << 16 {
            let ((mut lo, seen), (hi, _)) = halves(line_arcs, |r| {
                ends(r.start + self.m_core..r.end + self.m_core)
            });
            lo.extend(
                hi.into_iter()
                    .filter(|&u| seen[u as usize / 64] & (1 << (u % 64)) == 0),
            );
            lo
        } else {
            ends(self.m_core..self.m).0
        };
        let mut core = vec![NONE; n + 1];
        let mut core_node = vec![n as u32];
        core[n] = 0;
        for u in found {
            core[u as usize] = core_node.len() as u32;
            core_node.push(u);
        }
        let nc = core_node.len();
        let dense = if nc * nc * 2 <= 1 << 22 {
            vec![NONE; nc * nc * 2]
        } else {
            Vec::new()
        };
        Buckets {
            filed: vec![false; nl],
            core_pos: 0,
            long_pos: 0,
            entries: 0,
            entry_limit: 0,
            core,
            nc,
            dense,
            sparse: std::collections::HashMap::new(),
            stamp: vec![0; self.m],
            internal: Vec::new(),
            in_internal: vec![false; nl],
            line_of_node,
            list: Vec::new(),
            tops: Vec::new(),
            dirty: Vec::new(),
            dirty_list: Vec::new(),
            core_node,
            core_pi: Vec::new(),
            arc_bucket: vec![NONE; self.m],
            scratch: Vec::new(),
        }
    }

    /// Files the lines of the current basis in the buckets of `skeleton` (made by
    /// [`Self::bucket_skeleton`] for this network; `None`: made now).
    fn init_buckets(&mut self, skeleton: Option<Buckets<C>>) {
        let nl = self.line_node.len();
        let mut b = skeleton.unwrap_or_else(|| self.bucket_skeleton(true));
        debug_assert!(b.entries == 0 && b.list.is_empty() && b.filed.len() == nl);
        // Collect every entry first, then heapify each bucket at once.
        // Only the lines closest to improving are filed now (most lines of a
        // warm start are far from it); the others are priced in a sweep
        // whenever the buckets run dry, and filed once they improve.
        // The threshold comes from every 8th leaf line (memory stays small
        // on huge networks); lines below it are filed, ties up to `keep`.
        let hub_pi = self.pi_of(self.hub as usize);
        let keep = (nl / 16).max(1024);
        let leaf = |s: &Self, k: usize| s.nchild[s.line_node[k] as usize] == 0;
        let sample_of = |r: std::ops::Range<usize>| -> Vec<Art<C>> {
            (r.start.next_multiple_of(8)..r.end)
                .step_by(8)
                .filter(|&k| leaf(self, k))
                .map(|k| self.least_line_price(k, hub_pi))
                .collect()
        };
        // Large books price two fixed halves at once (the threshold is the same: a rank).
        let mut sample = if nl >= PARALLEL_SWEEP_LINES {
            let (mut lo, hi) = halves(nl, sample_of);
            lo.extend(hi);
            lo
        } else {
            sample_of(0..nl)
        };
        let pick = (keep / 8).max(1);
        let threshold = if sample.len() > pick {
            *sample.select_nth_unstable(pick - 1).1
        } else {
            sample.iter().copied().max().unwrap_or(Art::ZERO)
        };
        drop(sample);
        // Each line is priced once: 1 = file (internal, or below the threshold), 2 = at the
        // threshold (filed while ties are left, in line order), 0 = not now. Large books price
        // two fixed halves at once; the filing itself is sequential.
        const FILE: u8 = 1;
        const TIE: u8 = 2;
        let classify = |r: std::ops::Range<usize>| -> Vec<u8> {
            r.map(|k| {
                if !leaf(self, k) {
                    return FILE;
                }
                let v = self.least_line_price(k, hub_pi);
                if v < threshold {
                    FILE
                } else if v == threshold {
                    TIE
                } else {
                    0
                }
            })
            .collect()
        };
        let class = if nl >= PARALLEL_SWEEP_LINES {
            let (mut lo, hi) = halves(nl, classify);
            lo.extend(hi);
            lo
        } else {
            classify(0..nl)
        };
        let mut pending: Pending<C> = Vec::new();
        let mut ties_left = keep;
        for (k, &c) in class.iter().enumerate() {
            let file = c == FILE
                || (c == TIE && ties_left > 0 && {
                    ties_left -= 1;
                    true
                });
            if file {
                self.bucket_line(&mut b, k, Some(&mut pending));
            }
        }
        drop(class);
        for (i, v) in pending.into_iter().enumerate() {
            b.entries += v.len();
            b.list[i].heap = MinHeap::from_vec(v);
        }
        b.entry_limit = 2 * b.entries + (1 << 20);
        self.buckets = Some(b);
    }

    /// (Re-)files line `k`: a leaf line's non-tree arcs go to their buckets,
    /// each with its arc's current stamp; an internal line is priced directly.
    /// With `pending`, entries are collected there instead of pushed.
    fn bucket_line(&self, b: &mut Buckets<C>, k: usize, mut pending: Option<&mut Pending<C>>) {
        let l = self.line_node[k] as usize;
        b.filed[k] = true;
        if self.nchild[l] > 0 {
            if !b.in_internal[k] {
                b.in_internal[k] = true;
                b.internal.push(k as u32);
            }
            return;
        }
        let p = self.parent[l];
        let pc = self.arc_cost(self.pred[l] as usize);
        // pi(l) - pi(p)
        let d = if self.pred_dir[l] == DIR_UP { -pc } else { pc };
        let a = self.line_start[k] as usize;
        let out = self.line_start[k + 1] as usize - 1;
        for e in a..=out {
            let st = self.state[e];
            if st == STATE_TREE {
                b.arc_bucket[e] = NONE;
                continue;
            }
            let c = Art {
                a: 0,
                c: self.cost[e],
            };
            let (x, key, sign) = if e < out {
                (self.source[e], c - d, st)
            } else {
                (self.target[e], c + d, -st)
            };
            let key = if st == STATE_LOWER { key } else { -key };
            // Keys with an artificial part (the line hangs from the root by an artificial arc
            // out of it) have buckets of their own, apart from the dense table.
            debug_assert!(key.a == 0 || key.a == -(sign as i64));
            let tag = if key.a == 0 { sign } else { 2 * sign };
            let (cx, cp) = (b.core_index(x), b.core_index(p));
            let slot =
                if b.dense.is_empty() || key.a != 0 || cx as usize >= b.nc || cp as usize >= b.nc {
                    None
                } else {
                    Some((cx as usize * b.nc + cp as usize) * 2 + (sign > 0) as usize)
                };
            let found = match slot {
                Some(i) => b.dense[i],
                None => b.sparse.get(&(x, p, tag)).copied().unwrap_or(NONE),
            };
            let id = match found {
                i if i != NONE => i as usize,
                _ => {
                    let i = b.list.len();
                    match slot {
                        Some(j) => b.dense[j] = i as u32,
                        None => {
                            b.sparse.insert((x, p, tag), i as u32);
                        }
                    }
                    b.list.push(Bucket {
                        heap: MinHeap::new(),
                    });
                    let (plus, minus) = if sign > 0 { (cx, cp) } else { (cp, cx) };
                    b.tops.push(Top {
                        key: Art::ZERO,
                        arc: NONE,
                        plus,
                        minus,
                        art: key.a,
                    });
                    b.dirty.push(false);
                    b.mark_dirty(i);
                    if let Some(v) = pending.as_deref_mut() {
                        v.push(Vec::new());
                    }
                    i
                }
            };
            debug_assert_eq!(key.a, b.tops[id].art);
            let entry = Entry {
                key: key.c,
                arc: e as u32,
                stamp: b.stamp[e],
            };
            b.arc_bucket[e] = id as u32;
            match pending.as_deref_mut() {
                Some(v) => v[id].push(entry),
                None => {
                    let top = &mut b.tops[id];
                    if !b.dirty[id] && (top.arc == NONE || key < top.key) {
                        top.key = key;
                        top.arc = e as u32;
                    }
                    b.list[id].heap.push(entry);
                    b.entries += 1;
                }
            }
        }
    }

    /// After a pivot: re-files the lines whose tree arc, parent or arc
    /// states changed (entering and leaving arcs' lines, the stem, the nodes
    /// that gained or lost a child).
    fn touch_after_pivot(&mut self, change: bool, out_arc: u32, v_out: u32) {
        let mut b = self.buckets.take().expect("buckets");
        let mut touched = std::mem::take(&mut b.scratch);
        touched.clear();
        let line_of_arc = |s: &Self, e: usize| -> Option<usize> {
            (e >= s.m_core && e < s.m).then(|| s.arc_line(&b.line_of_node, e))
        };
        if let Some(k) = line_of_arc(self, self.in_arc as usize) {
            touched.push(k as u32);
        }
        if change {
            if let Some(k) = line_of_arc(self, out_arc as usize) {
                touched.push(k as u32);
            }
            for &x in self.stem.iter().chain([self.v_in, v_out].iter()) {
                if (x as usize) < self.n {
                    let k = b.line_of_node[x as usize];
                    if k != NONE {
                        touched.push(k);
                    }
                }
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for &k in &touched {
            let k = k as usize;
            // The line's valid entries go stale. A bucket whose top (its least valid entry) is
            // one of them must look again; in the others the top stays the least valid entry.
            for e in self.line_start[k] as usize..self.line_start[k + 1] as usize {
                let id = b.arc_bucket[e];
                if id != NONE {
                    if b.tops[id as usize].arc == e as u32 {
                        b.mark_dirty(id as usize);
                    }
                    b.arc_bucket[e] = NONE;
                    b.stamp[e] = b.stamp[e].wrapping_add(1);
                }
            }
            self.bucket_line(&mut b, k, None);
        }
        b.scratch = touched;
        if b.entries > b.entry_limit {
            // Stale entries only leave a heap from its top: drop them all.
            let mut entries = 0;
            for bk in b.list.iter_mut() {
                bk.heap.retain(|t| t.stamp == b.stamp[t.arc as usize]);
                bk.heap.shrink_to_fit();
                entries += bk.heap.len();
            }
            for id in 0..b.list.len() {
                b.mark_dirty(id);
            }
            b.entries = entries;
            b.entry_limit = 2 * entries + (1 << 20);
        }
        self.buckets = Some(b);
    }

    /// Lists the `BUCKET_CANDIDATES` most improving arcs (core arcs and
    /// internal lines priced one by one, each bucket by its least entry),
    /// best first. False when no arc improves.
    #[inline(never)]
    fn collect_bucketed(&mut self) -> bool {
        let mut b = self.buckets.take().expect("buckets");
        let mut out = std::mem::take(&mut self.cands);
        out.clear();
        self.cand_pos = 0;
        // A window of the core arcs now, the rest only if nothing else improves.
        let mc = self.m_core;
        let window = CORE_WINDOW.min(mc);
        let mut e = b.core_pos;
        for _ in 0..window {
            let c = self.price(e);
            if c < Art::ZERO {
                out.push((c, e as u32));
            }
            e += 1;
            if e == mc {
                e = 0;
            }
        }
        b.core_pos = e;
        let hub_pi = self.pi_of(self.hub as usize);
        let mut i = 0;
        let mut long = false;
        while i < b.internal.len() {
            let k = b.internal[i] as usize;
            if self.nchild[self.line_node[k] as usize] == 0 {
                b.in_internal[k] = false;
                b.internal.swap_remove(i);
                continue;
            }
            long |= self.price_line_window(k, hub_pi, b.long_pos, &mut out);
            i += 1;
        }
        if long {
            b.long_pos = b.long_pos.wrapping_add(LONG_LINE_WINDOW);
        }
        b.entries -= self.scan_buckets(&mut b, &mut out);
        if out.is_empty() {
            // The other core arcs, and every arc of the long internal lines (all of them are
            // priced by now).
            let mut e = b.core_pos;
            for _ in window..mc {
                let c = self.price(e);
                if c < Art::ZERO {
                    out.push((c, e as u32));
                }
                e += 1;
                if e == mc {
                    e = 0;
                }
            }
            if long {
                for &k in &b.internal {
                    if self.in_arcs(k as usize) > LONG_LINE_WINDOW {
                        self.price_line(k as usize, hub_pi, &mut out);
                    }
                }
            }
        }
        if out.is_empty() {
            // Sweep the lines not filed (a fruitless sweep proves
            // optimality); of those that improve, file the most improving
            // ones (at most `budget` lines: the buckets stay small). The
            // others are found again by later sweeps if still improving.
            let nl = self.line_node.len();
            let budget = (nl / 16).max(1024);
            let (more, mut best) = self.sweep(&b.filed, hub_pi, budget);
            out.extend(more);
            if best.len() > budget {
                best.select_nth_unstable(budget - 1);
                best.truncate(budget);
            }
            for &(_, k) in &best {
                self.bucket_line(&mut b, k as usize, None);
            }
        }
        self.buckets = Some(b);
        let k = BUCKET_CANDIDATES;
        if out.len() > k {
            out.select_nth_unstable(k - 1);
            out.truncate(k);
        }
        out.sort_unstable();
        let found = !out.is_empty();
        self.cands = out;
        found
    }

    /// Prices the buckets by their least valid entries (dropping the stale
    /// entries on top of dirty buckets first), pushing the improving arcs to
    /// `out`; returns the number of entries dropped.
    fn scan_buckets(&self, b: &mut Buckets<C>, out: &mut Candidates<C>) -> usize {
        let mut dropped = 0;
        for &id in &b.dirty_list {
            let id = id as usize;
            let heap = &mut b.list[id].heap;
            let art = b.tops[id].art;
            let (key, arc) = loop {
                let Some(t) = heap.peek() else {
                    break (Art::ZERO, NONE);
                };
                if t.stamp != b.stamp[t.arc as usize] {
                    heap.pop();
                    dropped += 1;
                    continue;
                }
                // A line that gains a child is touched by that pivot (it is
                // `v_in` or on the stem), so its entries are stale already.
                debug_assert_eq!(
                    self.nchild
                        [self.line_node[self.arc_line(&b.line_of_node, t.arc as usize)] as usize],
                    0
                );
                break (Art { a: art, c: t.key }, t.arc);
            };
            let top = &mut b.tops[id];
            top.key = key;
            top.arc = arc;
            b.dirty[id] = false;
        }
        b.dirty_list.clear();
        // The potentials of the buckets' ends, once each (a few hundred nodes), then one pass
        // over the dense tops.
        b.core_pi.clear();
        b.core_pi
            .extend(b.core_node.iter().map(|&u| self.pi_of(u as usize)));
        let pis = &b.core_pi[..];
        for t in &b.tops {
            if t.arc == NONE {
                continue;
            }
            let v = t.key + pis[t.plus as usize] - pis[t.minus as usize];
            if v < Art::ZERO {
                debug_assert_eq!(self.price(t.arc as usize), v);
                out.push((v, t.arc));
            }
        }
        dropped
    }

    /// Prices every line not `filed`: the improving arcs found (at most
    /// `8 * BUCKET_CANDIDATES` kept, the most improving) and the most
    /// improving lines (least reduced cost, at most `2 * budget` kept).
    /// Large sweeps run as two fixed halves, the second on another thread:
    /// the result does not depend on the thread count (each half keeps its
    /// best by a total order, and the caller selects from their union).
    fn sweep(
        &self,
        filed: &[bool],
        hub_pi: Art<C>,
        budget: usize,
    ) -> (Candidates<C>, Candidates<C>) {
        let nl = self.line_node.len();
        if nl < PARALLEL_SWEEP_LINES {
            return self.sweep_range(filed, 0..nl, hub_pi, budget);
        }
        let ((mut out, mut best), (out1, best1)) =
            halves(nl, |r| self.sweep_range(filed, r, hub_pi, budget));
        out.extend(out1);
        best.extend(best1);
        (out, best)
    }

    fn sweep_range(
        &self,
        filed: &[bool],
        lines: std::ops::Range<usize>,
        hub_pi: Art<C>,
        budget: usize,
    ) -> (Candidates<C>, Candidates<C>) {
        let mut out: Vec<(Art<C>, u32)> = Vec::new();
        let mut best: Vec<(Art<C>, u32)> = Vec::new();
        for k in lines {
            if filed[k] {
                continue;
            }
            let before = out.len();
            self.price_line(k, hub_pi, &mut out);
            if out.len() > before {
                let least = out[before..].iter().map(|c| c.0).min().unwrap_or(Art::ZERO);
                best.push((least, k as u32));
                if best.len() >= 2 * budget {
                    best.select_nth_unstable(budget - 1);
                    best.truncate(budget);
                }
                if out.len() >= 8 * BUCKET_CANDIDATES {
                    out.select_nth_unstable(BUCKET_CANDIDATES - 1);
                    out.truncate(BUCKET_CANDIDATES);
                }
            }
        }
        (out, best)
    }

    /// Reduced cost of real arc `e`, signed by its state (negative = improving).
    #[inline(always)]
    fn price(&self, e: usize) -> Art<C> {
        let st = self.state[e];
        if st == STATE_TREE {
            return Art::ZERO;
        }
        let pu = self.pi_of(self.source[e] as usize);
        let pv = self.pi_of(self.target[e] as usize);
        let rc = Art {
            a: pu.a - pv.a,
            c: self.cost[e] + pu.c - pv.c,
        };
        if st == STATE_LOWER {
            rc
        } else {
            -rc
        }
    }

    /// Sets `in_arc` to an improving arc from the candidate list, refilling
    /// the list when it runs out: with buckets, Dantzig's rule over them
    /// ([`Self::collect_bucketed`]), otherwise block search with a candidate
    /// list ([`Self::collect_candidates`]: a major iteration prices blocks of
    /// `block_size` arcs, cyclically, until a block holds improving arcs,
    /// and sorts those by reduced cost). Minor iterations pivot on the
    /// candidates in that order, each re-priced first (earlier pivots change
    /// potentials) and skipped if no longer improving. Returns false when a
    /// full round finds no improving arc.
    #[inline(never)]
    fn find_entering_arc(&mut self) -> bool {
        loop {
            while self.cand_pos < self.cands.len() {
                let e = self.cands[self.cand_pos].1 as usize;
                self.cand_pos += 1;
                if self.price(e) < Art::ZERO {
                    self.in_arc = e as u32;
                    return true;
                }
            }
            let refilled = if self.buckets.is_some() {
                self.collect_bucketed()
            } else {
                self.collect_candidates()
            };
            if !refilled {
                return false;
            }
        }
    }

    /// One major iteration of the block search. Arcs `0..m_core` are priced
    /// one by one; after them, whole lines at a time (a block may end a few
    /// arcs late, at the end of a line), each line's potential derived once.
    #[inline(never)]
    fn collect_candidates(&mut self) -> bool {
        let m = self.m;
        let mut cands = std::mem::take(&mut self.cands);
        cands.clear();
        self.cand_pos = 0;
        if m == 0 {
            self.cands = cands;
            return false;
        }
        let m_core = self.m_core;
        let nlines = self.line_node.len();
        let hub_pi = if nlines > 0 {
            self.pi_of(self.hub as usize)
        } else {
            Art::ZERO
        };
        let bs = self.block_size as isize;
        let mut cnt = bs;
        let mut blocks = 1usize;
        let mut e = self.next_arc;
        let mut k = self.next_line;
        let mut scanned = 0usize;
        while scanned < m {
            if e < m_core {
                let c = self.price(e);
                if c < Art::ZERO {
                    cands.push((c, e as u32));
                }
                e += 1;
                scanned += 1;
                cnt -= 1;
                if e == m_core {
                    if nlines > 0 {
                        k = 0;
                    } else {
                        e = 0;
                    }
                }
            } else {
                let len = self.price_line(k, hub_pi, &mut cands);
                scanned += len;
                cnt -= len as isize;
                k += 1;
                if k == nlines {
                    k = 0;
                    e = 0;
                } else {
                    e = self.line_start[k] as usize;
                }
            }
            if cnt <= 0 {
                if !cands.is_empty() {
                    break;
                }
                blocks += 1;
                cnt = bs;
            }
        }
        self.next_line = k;
        self.next_arc = e;
        // Keep as many candidates as blocks were priced: one pivot per block
        // while improving arcs are dense (best of block, as in LEMON), more
        // when they are sparse so that a long search is not wasted.
        if cands.len() > blocks {
            cands.select_nth_unstable(blocks - 1);
            cands.truncate(blocks);
        }
        cands.sort_unstable();
        let found = !cands.is_empty();
        self.cands = cands;
        found
    }

    /// The line owning line arc `e` (`m_core <= e < m`): its head for an in-arc, its tail for the out-arc (the hub is no
    /// line). `line_of_node` maps nodes to lines (`NONE`: not a line).
    #[inline(always)]
    fn arc_line(&self, line_of_node: &[u32], e: usize) -> usize {
        let k = line_of_node[self.target[e] as usize];
        if k != NONE {
            k as usize
        } else {
            line_of_node[self.source[e] as usize] as usize
        }
    }

    /// The least signed reduced cost over the arcs of line `k` (zero for tree arcs).
    fn least_line_price(&self, k: usize, hub_pi: Art<C>) -> Art<C> {
        let a = self.line_start[k] as usize;
        let b = self.line_start[k + 1] as usize;
        let pl = self.pi_of(self.line_node[k] as usize);
        let out = b - 1;
        let mut least = Art::ZERO;
        for e in a..=out {
            let st = self.state[e];
            if st == STATE_TREE {
                continue;
            }
            let (pu, pv) = if e < out {
                (self.pi_of(self.source[e] as usize), pl)
            } else {
                (pl, hub_pi)
            };
            let rc = Art {
                a: pu.a - pv.a,
                c: self.cost[e] + pu.c - pv.c,
            };
            let v = if st == STATE_LOWER { rc } else { -rc };
            if v < least {
                least = v;
            }
        }
        least
    }

    /// Prices all arcs of line `k` (its potential is derived once), pushing
    /// the improving ones; returns the number of arcs priced.
    #[inline(always)]
    fn price_line(&self, k: usize, hub_pi: Art<C>, cands: &mut Vec<(Art<C>, u32)>) -> usize {
        let ins = self.in_arcs(k);
        self.price_line_part(k, hub_pi, 0, ins, cands);
        ins + 1
    }

    /// Number of in-arcs of line `k` (its arcs less its out-arc).
    #[inline(always)]
    fn in_arcs(&self, k: usize) -> usize {
        (self.line_start[k + 1] - self.line_start[k]) as usize - 1
    }

    /// [`Self::price_line`] for a line with at most [`LONG_LINE_WINDOW`] in-arcs; of a longer
    /// one, its out-arc and the window of `LONG_LINE_WINDOW` in-arcs from `pos` (modulo their
    /// count). Returns whether the line is long.
    #[inline(always)]
    fn price_line_window(
        &self,
        k: usize,
        hub_pi: Art<C>,
        pos: usize,
        cands: &mut Vec<(Art<C>, u32)>,
    ) -> bool {
        let ins = self.in_arcs(k);
        if ins <= LONG_LINE_WINDOW {
            self.price_line_part(k, hub_pi, 0, ins, cands);
            return false;
        }
        self.price_line_part(k, hub_pi, pos % ins, LONG_LINE_WINDOW, cands);
        true
    }

    /// Prices `count` in-arcs of line `k` from its `first` (cyclically), and its out-arc,
    /// pushing the improving ones (the line's potential is derived once).
    #[inline(always)]
    fn price_line_part(
        &self,
        k: usize,
        hub_pi: Art<C>,
        first: usize,
        count: usize,
        cands: &mut Vec<(Art<C>, u32)>,
    ) {
        let a = self.line_start[k] as usize;
        let out = self.line_start[k + 1] as usize - 1;
        let pl = self.pi_of(self.line_node[k] as usize);
        let mut e = a + first;
        for _ in 0..count {
            // Tree arcs (state 0) have reduced cost 0 and never qualify.
            let st = self.state[e] as i64;
            let pu = self.pi_of(self.source[e] as usize);
            let rc = Art {
                a: pu.a - pl.a,
                c: self.cost[e] + pu.c - pl.c,
            };
            if rc.sign() * st < 0 {
                cands.push((if st > 0 { rc } else { -rc }, e as u32));
            }
            e += 1;
            if e == out {
                e = a;
            }
        }
        let st = self.state[out] as i64;
        let rc = Art {
            a: pl.a - hub_pi.a,
            c: self.cost[out] + pl.c - hub_pi.c,
        };
        if rc.sign() * st < 0 {
            cands.push((if st > 0 { rc } else { -rc }, out as u32));
        }
    }

    #[inline(never)]
    fn find_join_node(&mut self) {
        let e = self.in_arc as usize;
        self.join =
            self.lowest_common_ancestor(self.source[e] as usize, self.target[e] as usize) as u32;
    }

    /// The deepest node on both `u`'s and `v`'s paths to the root.
    #[inline(always)]
    fn lowest_common_ancestor(&self, mut u: usize, mut v: usize) -> usize {
        let mut du = self.depth_of(u);
        let mut dv = self.depth_of(v);
        while du > dv {
            u = self.parent[u] as usize;
            du -= 1;
        }
        while dv > du {
            v = self.parent[v] as usize;
            dv -= 1;
        }
        while u != v {
            u = self.parent[u] as usize;
            v = self.parent[v] as usize;
        }
        u
    }

    /// Finds the leaving arc by Cunningham's rule (keeps the tree strongly
    /// feasible). Returns whether the basis changes (false: the entering arc
    /// itself blocks).
    #[inline(never)]
    fn find_leaving_arc(&mut self) -> bool {
        let in_arc = self.in_arc as usize;
        let (first, second) = if self.state[in_arc] == STATE_LOWER {
            (self.source[in_arc], self.target[in_arc])
        } else {
            (self.target[in_arc], self.source[in_arc])
        };
        let mut delta = self.cap[in_arc];
        let mut result = 0u8;
        let join = self.join;

        // From `first` up to join: flow moves down the tree towards `first`.
        let mut u = first;
        while u != join {
            let e = self.pred[u as usize] as usize;
            let mut d = self.flow[e];
            if self.pred_dir[u as usize] == DIR_DOWN {
                let c = self.cap[e];
                d = if c >= INF_CAP { INF_CAP } else { c - d };
            }
            if d < delta {
                delta = d;
                self.u_out = u;
                result = 1;
            }
            u = self.parent[u as usize];
        }
        // From `second` up to join: flow moves up the tree from `second`.
        let mut u = second;
        while u != join {
            let e = self.pred[u as usize] as usize;
            let mut d = self.flow[e];
            if self.pred_dir[u as usize] == DIR_UP {
                let c = self.cap[e];
                d = if c >= INF_CAP { INF_CAP } else { c - d };
            }
            if d <= delta {
                delta = d;
                self.u_out = u;
                result = 2;
            }
            u = self.parent[u as usize];
        }
        if result == 1 {
            self.u_in = first;
            self.v_in = second;
        } else {
            self.u_in = second;
            self.v_in = first;
        }
        self.delta = delta;
        result != 0
    }

    #[inline(never)]
    fn change_flow(&mut self, change: bool) {
        let in_arc = self.in_arc as usize;
        if self.delta > 0 {
            let val = self.state[in_arc] as i64 * self.delta;
            self.flow[in_arc] += val;
            let join = self.join;
            let mut u = self.source[in_arc];
            while u != join {
                let e = self.pred[u as usize] as usize;
                self.flow[e] -= self.pred_dir[u as usize] as i64 * val;
                u = self.parent[u as usize];
            }
            let mut u = self.target[in_arc];
            while u != join {
                let e = self.pred[u as usize] as usize;
                self.flow[e] += self.pred_dir[u as usize] as i64 * val;
                u = self.parent[u as usize];
            }
        }
        if change {
            self.state[in_arc] = STATE_TREE;
            let out = self.pred[self.u_out as usize] as usize;
            self.state[out] = if self.flow[out] == 0 {
                STATE_LOWER
            } else {
                STATE_UPPER
            };
        } else {
            self.state[in_arc] = -self.state[in_arc];
        }
    }

    /// Replaces the leaving arc (above `u_out`) by the entering arc (between
    /// `u_in` below and `v_in` above): the stem `u_in .. u_out` is reversed
    /// and the moved subtree's internal nodes get new potentials and depths.
    #[inline(never)]
    fn update_tree(&mut self) {
        let u_in = self.u_in;
        let v_in = self.v_in;
        let u_out = self.u_out;
        let in_arc = self.in_arc;
        let v_out = self.parent[u_out as usize];
        let in_dir = if self.source[in_arc as usize] == u_in {
            DIR_UP
        } else {
            DIR_DOWN
        };

        let mut stem = std::mem::take(&mut self.stem);
        stem.clear();
        let mut x = u_in;
        loop {
            stem.push(x);
            if x == u_out {
                break;
            }
            x = self.parent[x as usize];
        }

        // v_in gains a child (materialize it first if it was a leaf).
        if self.nchild[v_in as usize] == 0 {
            let vi = v_in as usize;
            self.pi[vi] = self.pi_of(vi);
            self.depth[vi] = self.depth_of(vi);
            self.link(v_in);
        }
        self.nchild[v_in as usize] += 1;
        // Internal stem nodes leave their parents' lists.
        for &x in &stem {
            if self.nchild[x as usize] > 0 {
                self.unlink(x);
            }
        }
        // v_out loses u_out.
        let vo = v_out as usize;
        self.nchild[vo] -= 1;
        if self.nchild[vo] == 0 {
            // v_out != root: the root keeps v_in's side or u_out's new place.
            self.unlink(v_out);
        }
        // Reverse the stem.
        let k = stem.len() - 1;
        for i in (1..=k).rev() {
            let (xi, xp) = (stem[i] as usize, stem[i - 1] as usize);
            self.parent[xi] = xp as u32;
            self.pred[xi] = self.pred[xp];
            self.pred_dir[xi] = -self.pred_dir[xp];
        }
        let ui = u_in as usize;
        self.parent[ui] = v_in;
        self.pred[ui] = in_arc;
        self.pred_dir[ui] = in_dir;
        if k >= 1 {
            self.nchild[ui] += 1;
            self.nchild[u_out as usize] -= 1;
        }
        for &x in &stem {
            if self.nchild[x as usize] > 0 {
                self.link(x);
            }
        }
        self.stem = stem;

        // Potentials and depths of the moved subtree's internal nodes.
        if self.nchild[ui] > 0 {
            self.refresh_subtree(ui);
        }
    }

    /// Recomputes `pi` and `depth` of the internal nodes below and including `r`.
    fn refresh_subtree(&mut self, r: usize) {
        let mut cur = r;
        loop {
            let p = self.parent[cur] as usize;
            let c = self.arc_cost(self.pred[cur] as usize);
            self.pi[cur] = if self.pred_dir[cur] == DIR_UP {
                self.pi[p] - c
            } else {
                self.pi[p] + c
            };
            self.depth[cur] = self.depth[p] + 1;
            // Next internal node in preorder.
            let fc = self.first_child[cur];
            if fc != NONE {
                cur = fc as usize;
                continue;
            }
            while cur != r && self.next_sib[cur] == NONE {
                cur = self.parent[cur] as usize;
            }
            if cur == r {
                break;
            }
            cur = self.next_sib[cur] as usize;
        }
    }

    /// Validates every invariant of the basis (tests only; quadratic).
    fn check_tree(&self) {
        let n = self.n;
        let m = self.m;
        let nn = n + 1;
        let root = self.root as usize;
        assert_eq!(self.parent[root], NONE);
        let mut nchild = vec![0u32; nn];
        for u in 0..n {
            let p = self.parent[u] as usize;
            assert!(p < nn, "node {u} has no parent");
            nchild[p] += 1;
            let e = self.pred[u] as usize;
            assert_eq!(self.state[e], STATE_TREE, "pred arc of {u} not in tree");
            if self.pred_dir[u] == DIR_UP {
                assert_eq!((self.source[e] as usize, self.target[e] as usize), (u, p));
            } else {
                assert_eq!(self.pred_dir[u], DIR_DOWN);
                assert_eq!((self.source[e] as usize, self.target[e] as usize), (p, u));
            }
        }
        assert_eq!(nchild, self.nchild, "child counts");
        // Depths (and acyclicity) by walking up.
        for u in 0..nn {
            let mut d = 0;
            let mut x = u;
            while x != root {
                x = self.parent[x] as usize;
                d += 1;
                assert!(d <= nn, "parent cycle");
            }
            assert_eq!(self.depth_of(u) as usize, d, "depth of {u}");
        }
        // Child lists hold exactly the internal children.
        for u in 0..nn {
            let mut listed = vec![];
            let mut c = self.first_child[u];
            let mut prev = NONE;
            while c != NONE {
                assert_eq!(self.prev_sib[c as usize], prev);
                assert_eq!(self.parent[c as usize] as usize, u);
                assert!(self.nchild[c as usize] > 0, "leaf {c} listed");
                listed.push(c);
                prev = c;
                c = self.next_sib[c as usize];
                assert!(listed.len() <= nn);
            }
            let want = (0..n as u32)
                .filter(|&c| self.parent[c as usize] as usize == u && self.nchild[c as usize] > 0)
                .count();
            assert_eq!(listed.len(), want, "internal children of {u}");
        }
        // Tree arcs have zero reduced cost.
        let mut tree_arcs = 0;
        for u in 0..n {
            let e = self.pred[u] as usize;
            let rc = self.arc_cost(e) + self.pi_of(self.source[e] as usize)
                - self.pi_of(self.target[e] as usize);
            assert_eq!(rc, Art::ZERO, "tree arc {e} has nonzero reduced cost");
        }
        for e in 0..m + n {
            if self.state[e] == STATE_TREE {
                tree_arcs += 1;
            }
        }
        assert_eq!(tree_arcs, n, "tree must have n arcs");
        // Strong feasibility: flow can reach the root from every node.
        for u in 0..n {
            let e = self.pred[u] as usize;
            if self.pred_dir[u] == DIR_UP {
                assert!(self.flow[e] < self.cap[e], "up arc {e} saturated");
            } else {
                assert!(self.flow[e] > 0, "down arc {e} empty");
            }
        }
        // Flow bounds and conservation (artificial arcs included).
        let mut bal = vec![0i64; nn];
        for e in 0..m + n {
            let f = self.flow[e];
            assert!(f >= 0 && f <= self.cap[e], "arc {e} flow {f} out of bounds");
            if self.state[e] == STATE_LOWER {
                assert_eq!(f, 0);
            }
            if self.state[e] == STATE_UPPER {
                assert_eq!(f, self.cap[e]);
            }
            bal[self.source[e] as usize] -= f;
            bal[self.target[e] as usize] += f;
        }
        for (u, (b, s)) in bal.iter().zip(&self.supply).enumerate() {
            assert_eq!(b + s, 0, "conservation at {u}");
        }
        assert_eq!(bal[root], 0, "conservation at root");
    }
}

/// Line groups found by [`detect_lines`].
struct Lines {
    orig: Vec<u32>,
    m_core: Option<usize>,
    line_start: Vec<u32>,
    line_node: Vec<u32>,
    hub: u32,
}

/// Finds "lines": nodes whose only out-arc goes to one common node (the
/// hub, the most frequent such head) and that have at least one in-arc.
/// When lines make up at least half of the nodes, returns an arc order
/// with every other arc first (caller's order), then each line's in-arcs
/// (caller's order) followed by its out-arc, lines in node order; pricing
/// then derives each line's potential once for all its arcs. Otherwise
/// returns an empty order (identity, plain pricing).
fn detect_lines<C: Cost>(net: &Network<C>) -> Lines {
    let n = net.supply.len();
    let m = net.from.len();
    let none = Lines {
        orig: Vec::new(),
        m_core: None,
        line_start: Vec::new(),
        line_node: Vec::new(),
        hub: NONE,
    };
    if n < 4 {
        return none;
    }
    let mut out_deg = vec![0u32; n];
    let mut out_arc = vec![NONE; n];
    let mut in_deg = vec![0u32; n];
    for e in 0..m {
        let (u, v) = (net.from[e] as usize, net.to[e] as usize);
        out_deg[u] += 1;
        out_arc[u] = e as u32;
        in_deg[v] += 1;
    }
    let cand = |l: usize| -> Option<usize> {
        if out_deg[l] != 1 || in_deg[l] == 0 {
            return None;
        }
        let h = net.to[out_arc[l] as usize] as usize;
        (h != l).then_some(h)
    };
    let mut heads = vec![0u32; n];
    for l in 0..n {
        if let Some(h) = cand(l) {
            heads[h] += 1;
        }
    }
    let mut hub = 0usize;
    for h in 0..n {
        if heads[h] > heads[hub] {
            hub = h;
        }
    }
    let count = heads[hub] as usize;
    drop(heads);
    if count < 2 || count * 2 < n {
        return none;
    }
    let is_line: Vec<bool> = (0..n).map(|l| cand(l) == Some(hub)).collect();
    if let Some(lines) = lines_in_place(net, &is_line, &out_arc, hub as u32, count) {
        return lines;
    }
    // In-arcs of each line (CSR by head, caller's order).
    let mut start = vec![0u32; n + 1];
    for e in 0..m {
        let v = net.to[e] as usize;
        if is_line[v] {
            start[v + 1] += 1;
        }
    }
    for v in 0..n {
        start[v + 1] += start[v];
    }
    let mut fill = start.clone();
    let mut ins = vec![0u32; start[n] as usize];
    let mut orig = Vec::with_capacity(m);
    for e in 0..m {
        let (u, v) = (net.from[e] as usize, net.to[e] as usize);
        if is_line[v] {
            ins[fill[v] as usize] = e as u32;
            fill[v] += 1;
        } else if !is_line[u] {
            orig.push(e as u32);
        }
    }
    drop(fill);
    let m_core = orig.len();
    let mut line_start = Vec::with_capacity(count + 1);
    let mut line_node = Vec::with_capacity(count);
    for l in 0..n {
        if !is_line[l] {
            continue;
        }
        line_start.push(orig.len() as u32);
        line_node.push(l as u32);
        orig.extend_from_slice(&ins[start[l] as usize..start[l + 1] as usize]);
        orig.push(out_arc[l]);
    }
    line_start.push(orig.len() as u32);
    debug_assert_eq!(orig.len(), m);
    if orig.iter().enumerate().all(|(i, &e)| i == e as usize) {
        orig = Vec::new(); // already in this order
    }
    Lines {
        orig,
        m_core: Some(m_core),
        line_start,
        line_node,
        hub: hub as u32,
    }
}

pub(crate) fn arcs_in_solver_order<C: Cost>(net: &Network<C>) -> bool {
    detect_lines(net).orig.is_empty()
}

/// The lines of a network whose arcs are in the solver's order already (core arcs, those with
/// no end a line, first; then each line in node order: its in-arcs, then its out-arc), read
/// without building the permutation; `None` when the arcs are in any other order. `lines` is
/// the number of lines in `is_line` (the lists are allocated once).
fn lines_in_place<C: Cost>(
    net: &Network<C>,
    is_line: &[bool],
    out_arc: &[u32],
    hub: u32,
    lines: usize,
) -> Option<Lines> {
    let m = net.from.len();
    let (from, to) = (&net.from, &net.to);
    let mut e = 0;
    while e < m && !is_line[from[e] as usize] && !is_line[to[e] as usize] {
        e += 1;
    }
    let m_core = e;
    let mut line_start = Vec::with_capacity(lines + 1);
    let mut line_node = Vec::with_capacity(lines);
    for (l, _) in is_line.iter().enumerate().filter(|(_, &b)| b) {
        line_start.push(e as u32);
        line_node.push(l as u32);
        while e < m && to[e] as usize == l {
            e += 1;
        }
        if e >= m || out_arc[l] as usize != e {
            return None;
        }
        e += 1;
    }
    line_start.push(e as u32);
    (e == m).then_some(Lines {
        orig: Vec::new(),
        m_core: Some(m_core),
        line_start,
        line_node,
        hub,
    })
}

/// The sampled network of a cold start: every non-line node with `1/step` of its supply, and
/// one line in `step` (see [`Sample`]); core arc capacities are scaled down alike. Built from the
/// caller's arrays, so that it can be solved while the full problem's simplex is set up.
struct SampledNetwork<C: Cost> {
    sub: Network<C>,
    /// Node of the full network -> node of `sub` (`NONE`: a line left out). The non-line nodes
    /// are the first nodes of `sub`, in order.
    map: Vec<u32>,
    /// Whether each node of the full network is a line.
    is_line: Vec<bool>,
}

fn sample_network<C: Cost>(
    net: &Network<C>,
    lines: &Lines,
    sample: Sample,
) -> Option<SampledNetwork<C>> {
    let nl = lines.line_node.len();
    let step = if nl >= sample.wide_from {
        2 * sample.step.max(2)
    } else {
        sample.step.max(2)
    };
    if nl == 0 || nl < sample.min_lines {
        return None;
    }
    let n = net.supply.len();
    let k = step as i64;
    let mut is_line = vec![false; n];
    for &l in &lines.line_node {
        is_line[l as usize] = true;
    }
    let mut map = vec![NONE; n];
    let mut sub: Network<C> = Network::with_capacity(n - nl + nl / step + 1, 0);
    let mut total = 0i64;
    for u in 0..n {
        if !is_line[u] {
            let sup = net.supply[u] / k;
            total += sup;
            map[u] = sub.add_node(sup).0;
        }
    }
    for (i, &l) in lines.line_node.iter().enumerate() {
        if i % step == step / 2 {
            let sup = net.supply[l as usize];
            total += sup;
            map[l as usize] = sub.add_node(sup).0;
        }
    }
    let hub = map[lines.hub as usize] as usize;
    let hs = sub.supply[hub] as i128 - total as i128;
    if hs.abs() > INF_CAP as i128 {
        return None;
    }
    sub.supply[hub] = hs as i64;
    for e in 0..net.from.len() {
        let (u, v) = (net.from[e] as usize, net.to[e] as usize);
        if map[u] == NONE || map[v] == NONE {
            continue;
        }
        let c = net.cap[e];
        let cap = if is_line[u] || is_line[v] || c >= INF_CAP {
            c
        } else {
            (c + k - 1) / k
        };
        sub.add_arc(
            crate::NodeId(map[u]),
            crate::NodeId(map[v]),
            cap,
            net.cost[e],
        );
    }
    let pos: i128 = sub
        .supply
        .iter()
        .filter(|&&x| x > 0)
        .map(|&x| x as i128)
        .sum();
    if pos > INF_CAP as i128 {
        return None;
    }
    Some(SampledNetwork { sub, map, is_line })
}

/// Solves a sampled network (sampling again when it is large) and returns the potentials of its
/// first `core` nodes (the non-line nodes of the full network, see [`sample_network`]), the
/// estimates for those nodes, and the sample's pivots. `None` when the sample has no optimum.
/// Deterministic; the estimates only guide the crash, never decide the answer.
fn sample_potentials<C: Cost, const CHECK: bool>(
    sub: Network<C>,
    core: usize,
    sample: Sample,
) -> Option<(Vec<C>, u64)> {
    let sol = solve_sampled::<C, CHECK>(&sub, &SolveOptions::default(), None, sample).ok()?;
    drop(sub);
    let mut pot = sol.potential;
    pot.truncate(core);
    pot.shrink_to_fit();
    Some((pot, sol.pivots))
}

/// Hints the processor to start loading `v[i]` into the cache (no effect when `i` is out of
/// range, or on other architectures).
#[inline(always)]
fn prefetch<T>(v: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = v.get(i) {
        // SAFETY: `_mm_prefetch` only hints the cache: it never faults and reads nothing the
        // program sees; the pointer is to a live element of `v`. SSE is part of x86_64.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (x as *const T).cast(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, i);
}

/// `f` over the two fixed halves of `0..n`, the second on another thread when the machine has
/// more than one core: the results do not depend on the number of cores.
pub fn halves<T: Send>(n: usize, f: impl Fn(std::ops::Range<usize>) -> T + Sync) -> (T, T) {
    let mid = n / 2;
    if parallel() {
        std::thread::scope(|sc| {
            let h = sc.spawn(|| f(mid..n));
            let lo = f(0..mid);
            (lo, h.join().expect("second half's thread"))
        })
    } else {
        (f(0..mid), f(mid..n))
    }
}

/// The union of two sorted vectors, sorted.
fn merge_sorted<T: Ord + Copy>(a: Vec<T>, b: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if b[j] < a[i] {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_two_sorted_halves_sorts_the_union() {
        let mut x: u64 = 7;
        for len in [0usize, 1, 2, 5, 100, 1000] {
            let mut v: Vec<(i64, u32)> = (0..len as u32)
                .map(|k| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (((x >> 40) % 17) as i64 - 8, k)
                })
                .collect();
            let mid = len / 3;
            let (mut a, mut b) = (v[..mid].to_vec(), v[mid..].to_vec());
            a.sort_unstable();
            b.sort_unstable();
            v.sort_unstable();
            assert_eq!(merge_sorted(a, b), v, "length {len}");
        }
    }

    #[test]
    fn detects_lines_and_groups_their_arcs() {
        // Nodes 0, 1 core, 2 hub, 3..6 lines; arcs deliberately interleaved.
        let mut net: Network<i64> = Network::new();
        for s in [4, 0, -4, 0, 0, 0] {
            net.add_node(s);
        }
        let arcs = [
            (3, 2),
            (0, 3),
            (0, 1),
            (1, 4),
            (4, 2),
            (0, 5),
            (1, 3),
            (5, 2),
            (1, 2),
        ];
        for (u, v) in arcs {
            net.add_arc(crate::NodeId(u), crate::NodeId(v), 5, 1);
        }
        let l = detect_lines(&net);
        assert_eq!(l.hub, 2);
        assert_eq!(l.line_node, vec![3, 4, 5]);
        assert_eq!(l.m_core, Some(2));
        assert_eq!(l.orig, vec![2, 8, 1, 6, 0, 3, 4, 5, 7]);
        assert_eq!(l.line_start, vec![2, 5, 7, 9]);
        // Lines must be at least half of the nodes.
        let mut net2 = net.clone();
        for _ in 0..4 {
            net2.add_node(0);
        }
        assert!(detect_lines(&net2).orig.is_empty());
        assert!(detect_lines(&net2).line_node.is_empty());
    }

    #[test]
    fn lex3_sign_is_lexicographic() {
        for a in -2..=2i64 {
            for b in -2..=2i64 {
                for c in -2..=2i64 {
                    let x = crate::Lex3([a, b, c]);
                    let want = x.cmp(&crate::Lex3([0; 3])) as i64;
                    assert_eq!(x.sign().signum(), want);
                    for t in -1..=1i64 {
                        let art = Art { a: t, c: x };
                        assert_eq!(art.sign().signum(), art.cmp(&Art::ZERO) as i64);
                    }
                }
            }
        }
    }

    #[test]
    fn art_orders_artificial_part_first() {
        let big = Art {
            a: 0,
            c: i64::MAX / 2,
        };
        let one = Art {
            a: 1,
            c: -(i64::MAX / 2),
        };
        assert!(big < one);
        assert_eq!(one + (-one), Art::<i64>::ZERO + one + (-one));
        assert_eq!(one - one, Art::<i64>::ZERO);
    }
}
