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

    // Pivot state.
    block_size: usize,
    next_arc: usize,
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
}

pub(crate) fn solve_impl<C: Cost, const CHECK: bool>(
    net: &Network<C>,
    opts: &SolveOptions,
    hint: Option<&Hint<'_, C>>,
) -> Result<Solution<C>, FlowError> {
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
        return Ok(Solution {
            flow: Vec::new(),
            potential: Vec::new(),
            total_cost: C::ZERO,
            pivots: 0,
        });
    }

    let mut s = Simplex::new(net, opts);
    let crash_pivots = if hint.is_some() && s.init_basis(hint, pos as i64) {
        0
    } else {
        s.init_basis(None, pos as i64);
        s.crash::<CHECK>()
    };
    let pivots = crash_pivots + s.run::<CHECK>()?;

    // Feasibility: every artificial arc must end up empty.
    if s.flow[m..].iter().any(|&f| f != 0) {
        return Err(FlowError::Infeasible);
    }

    let mut total_cost = C::ZERO;
    for e in 0..m {
        let f = s.flow[e];
        if f != 0 {
            total_cost = total_cost + net.cost[e].scale(f);
        }
    }

    // Fold the artificial component of the potentials into the real one.
    // Within one artificial component (equal `a`) the real parts are already
    // consistent. Across components, the sign of the internal reduced cost is
    // the sign of the `a` difference; any M exceeding every |real part| of
    // such arcs reproduces that sign.
    let pis: Vec<Art<C>> = (0..n).map(|u| s.pi_of(u)).collect();
    let mut max_abs = C::ZERO;
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
    let big_m = max_abs.scale(2);
    let potential = pis.iter().map(|p| p.c + big_m.scale(p.a)).collect();
    let flow = {
        let mut f = s.flow;
        f.truncate(m);
        f
    };

    Ok(Solution {
        flow,
        potential,
        total_cost,
        pivots,
    })
}

impl<C: Cost> Simplex<C> {
    fn new(net: &Network<C>, opts: &SolveOptions) -> Self {
        let n = net.supply.len();
        let m = net.from.len();
        let all = m + n;
        let root = n as u32;

        let mut source = Vec::with_capacity(all);
        source.extend_from_slice(&net.from);
        let mut target = Vec::with_capacity(all);
        target.extend_from_slice(&net.to);
        let mut cap = Vec::with_capacity(all);
        cap.extend_from_slice(&net.cap);
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
            cost: net.cost.clone(),
            art_cost: vec![C::ZERO; n],
            supply: net.supply.clone(),
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
            block_size,
            next_arc: 0,
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

        // 1. Clamped hint.
        let mut x = vec![0i64; m];
        // Arcs of zero reduced cost under the hinted potentials.
        let mut tight: Vec<bool> = Vec::new();
        if let Some(h) = hint.filter(|h| !h.potential.is_empty()) {
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
                let v = match h.get(e) {
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

        // Adjacency (CSR, both directions).
        let mut start = vec![0u32; n + 1];
        for e in 0..m {
            start[self.source[e] as usize] += 1;
            start[self.target[e] as usize] += 1;
        }
        let mut acc = 0u32;
        for s in start.iter_mut() {
            let d = *s;
            *s = acc;
            acc += d;
        }
        let mut fill = start.clone();
        let mut adj = vec![0u32; acc as usize];
        for e in 0..m {
            let (u, v) = (self.source[e] as usize, self.target[e] as usize);
            adj[fill[u] as usize] = e as u32;
            fill[u] += 1;
            if v != u {
                adj[fill[v] as usize] = e as u32;
                fill[v] += 1;
            } else {
                // Self-loop listed once; keep the CSR dense.
                adj[fill[v] as usize] = e as u32;
                fill[v] += 1;
            }
        }
        drop(fill);

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
                        for &e in &adj[start[u as usize] as usize..start[u as usize + 1] as usize] {
                            let e = e as usize;
                            if !forest[e] {
                                continue;
                            }
                            let w = if source[e] == u { target[e] } else { source[e] };
                            if !visited[w as usize] {
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
                for &e in &adj[start[u as usize] as usize..start[u as usize + 1] as usize] {
                    let e = e as usize;
                    if forest[e] {
                        continue;
                    }
                    let w = if source[e] == u { target[e] } else { source[e] };
                    if visited[w as usize] {
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

        // 3. Bottom-up: derived flows, cuts.
        let mut ex: Vec<i128> = self.supply.iter().map(|&s| s as i128).collect();
        let mut in_tree = vec![false; m];
        for u in 0..n {
            if parent[u] != NONE {
                in_tree[pred[u] as usize] = true;
            }
        }
        for e in 0..m {
            if in_tree[e] {
                continue; // its flow is derived
            }
            let xe = x[e] as i128;
            ex[self.source[e] as usize] -= xe;
            ex[self.target[e] as usize] += xe;
        }
        for e in 0..m {
            self.flow[e] = x[e];
            self.state[e] = if x[e] == 0 { STATE_LOWER } else { STATE_UPPER };
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
                } else {
                    self.source[a] = root;
                    self.target[a] = u as u32;
                    self.flow[a] = (-f) as i64;
                    self.art_cost[u] = hp;
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

        // 4. Tree structure, potentials and depths (order is topological).
        let r = root as usize;
        self.parent[r] = NONE;
        self.pred[r] = NONE;
        self.nchild.iter_mut().for_each(|c| *c = 0);
        self.first_child.iter_mut().for_each(|c| *c = NONE);
        self.pi[r] = Art::ZERO;
        self.depth[r] = 0;
        for u in 0..n {
            let p = parent[u];
            let e = pred[u] as usize;
            self.parent[u] = p;
            self.pred[u] = e as u32;
            self.pred_dir[u] = if self.source[e] as usize == u {
                DIR_UP
            } else {
                DIR_DOWN
            };
            self.nchild[p as usize] += 1;
        }
        for &u in &order {
            let u = u as usize;
            let p = self.parent[u] as usize;
            let c = self.arc_cost(self.pred[u] as usize);
            self.pi[u] = if self.pred_dir[u] == DIR_UP {
                self.pi[p] - c
            } else {
                self.pi[p] + c
            };
            self.depth[u] = self.depth[p] + 1;
            if self.nchild[u] > 0 {
                self.link(u as u32);
            }
        }
        true
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

    #[inline(always)]
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
        while self.find_entering_arc() {
            pivots += 1;
            self.find_join_node();
            let change = self.find_leaving_arc();
            if self.delta >= INF_CAP {
                return Err(FlowError::Unbounded);
            }
            self.change_flow(change);
            if change {
                self.update_tree();
            }
            if CHECK {
                self.check_tree();
            }
        }
        Ok(pivots)
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

    /// Block search with a candidate list: a major iteration prices blocks
    /// of `block_size` arcs (cyclically, from where the last one stopped)
    /// until a block holds improving arcs, and sorts those by reduced cost;
    /// minor iterations then pivot on them in that order, each re-priced
    /// first (earlier pivots change potentials) and skipped if no longer
    /// improving. Returns false when a full round finds no improving arc.
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
            if !self.collect_candidates() {
                return false;
            }
        }
    }

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
        let bs = self.block_size;
        let mut cnt = bs;
        let mut blocks = 1usize;
        let mut e = self.next_arc;
        for _ in 0..m {
            let c = self.price(e);
            if c < Art::ZERO {
                cands.push((c, e as u32));
            }
            e += 1;
            if e == m {
                e = 0;
            }
            cnt -= 1;
            if cnt == 0 {
                if !cands.is_empty() {
                    break;
                }
                blocks += 1;
                cnt = bs;
            }
        }
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

    #[inline(never)]
    fn find_join_node(&mut self) {
        let mut u = self.source[self.in_arc as usize] as usize;
        let mut v = self.target[self.in_arc as usize] as usize;
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
        self.join = u as u32;
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

#[cfg(test)]
mod tests {
    use super::*;

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
