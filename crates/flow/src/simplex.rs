//! The network simplex core (LEMON-style spanning tree representation).

use crate::{Cost, FlowError, Network, Solution, SolveOptions, INF_CAP};
use std::ops::{Add, Neg, Sub};

/// "No node" marker (parent of the root).
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

    // Arc data (internal order: real arcs in mixed order, then artificial).
    source: Vec<u32>,
    target: Vec<u32>,
    cap: Vec<i64>,
    flow: Vec<i64>,
    state: Vec<i8>,
    /// Real arcs only (artificial arcs never re-enter the basis).
    cost: Vec<C>,
    supply: Vec<i64>,

    // Node data (n + 1 entries, root last).
    pi: Vec<Art<C>>,
    parent: Vec<u32>,
    pred: Vec<u32>,
    pred_dir: Vec<i8>,
    thread: Vec<u32>,
    rev_thread: Vec<u32>,
    succ_num: Vec<u32>,
    last_succ: Vec<u32>,
    dirty_revs: Vec<u32>,

    // Pivot state.
    block_size: usize,
    next_arc: usize,
    in_arc: u32,
    join: u32,
    u_in: u32,
    v_in: u32,
    u_out: u32,
    delta: i64,
}

pub(crate) fn solve_impl<C: Cost, const CHECK: bool>(
    net: &Network<C>,
    opts: &SolveOptions,
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

    let mut s = Simplex::init(net, opts);
    let pivots = s.run::<CHECK>()?;

    // Feasibility: every artificial arc must end up empty.
    if s.flow[m..].iter().any(|&f| f != 0) {
        return Err(FlowError::Infeasible);
    }

    // Map the flows back to the caller's arc order.
    let mut flow = vec![0i64; m];
    let mut total_cost = C::ZERO;
    let mut ext_to_int = vec![0u32; m];
    mixed_order(m, n, |ext, int| ext_to_int[ext] = int as u32);
    for (ext, &int) in ext_to_int.iter().enumerate() {
        let f = s.flow[int as usize];
        flow[ext] = f;
        if f != 0 {
            total_cost = total_cost + net.cost[ext].scale(f);
        }
    }

    // Fold the artificial component of the potentials into the real one.
    // Within one artificial component (equal `a`) the real parts are already
    // consistent. Across components, the sign of the internal reduced cost is
    // the sign of the `a` difference; any M exceeding every |real part| of
    // such arcs reproduces that sign.
    let mut max_abs = C::ZERO;
    for e in 0..m {
        let (u, v) = (s.source[e] as usize, s.target[e] as usize);
        if s.pi[u].a != s.pi[v].a {
            let r = s.cost[e] + s.pi[u].c - s.pi[v].c;
            let r = if r < C::ZERO { -r } else { r };
            if r > max_abs {
                max_abs = r;
            }
        }
    }
    let big_m = max_abs.scale(2);
    let potential = (0..n)
        .map(|u| {
            let p = s.pi[u];
            p.c + big_m.scale(p.a)
        })
        .collect();

    Ok(Solution {
        flow,
        potential,
        total_cost,
        pivots,
    })
}

/// LEMON's mixed arc order: external arc `ext` is stored at internal `int`.
/// Spreading consecutive arcs apart makes each pricing block see a more
/// diverse sample of the network.
fn mixed_order(m: usize, n: usize, mut f: impl FnMut(usize, usize)) {
    if m == 0 {
        return;
    }
    let skip = (m / n.max(1)).max(3);
    let (mut i, mut j) = (0usize, 0usize);
    for ext in 0..m {
        f(ext, i);
        i += skip;
        if i >= m {
            j += 1;
            i = j;
        }
    }
}

impl<C: Cost> Simplex<C> {
    fn init(net: &Network<C>, opts: &SolveOptions) -> Self {
        let n = net.supply.len();
        let m = net.from.len();
        let all = m + n;
        let root = n as u32;

        let mut source = vec![0u32; all];
        let mut target = vec![0u32; all];
        let mut cap = vec![0i64; all];
        let mut cost = vec![C::ZERO; m];
        mixed_order(m, n, |ext, int| {
            source[int] = net.from[ext];
            target[int] = net.to[ext];
            cap[int] = net.cap[ext];
            cost[int] = net.cost[ext];
        });
        let mut flow = vec![0i64; all];
        let mut state = vec![STATE_LOWER; all];

        let mut pi = vec![Art::ZERO; n + 1];
        let mut parent = vec![root; n + 1];
        let mut pred = vec![0u32; n + 1];
        let mut pred_dir = vec![DIR_UP; n + 1];
        let mut thread = vec![0u32; n + 1];
        let mut rev_thread = vec![0u32; n + 1];
        let mut succ_num = vec![1u32; n + 1];
        let mut last_succ = vec![0u32; n + 1];

        for u in 0..n {
            let e = m + u;
            pred[u] = e as u32;
            thread[u] = u as u32 + 1;
            rev_thread[u + 1] = u as u32;
            last_succ[u] = u as u32;
            cap[e] = INF_CAP;
            state[e] = STATE_TREE;
            let sup = net.supply[u];
            if sup >= 0 {
                pred_dir[u] = DIR_UP;
                source[e] = u as u32;
                target[e] = root;
                flow[e] = sup;
                // cost (0, 0): pi[u] = pi[root] - 0
            } else {
                pred_dir[u] = DIR_DOWN;
                source[e] = root;
                target[e] = u as u32;
                flow[e] = -sup;
                // cost (1, 0): pi[u] = pi[root] + (1, 0)
                pi[u] = Art { a: 1, c: C::ZERO };
            }
        }
        let r = n;
        parent[r] = NONE;
        pred[r] = NONE;
        thread[r] = 0;
        rev_thread[0] = root;
        succ_num[r] = n as u32 + 1;
        last_succ[r] = root - 1;

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
            flow,
            state,
            cost,
            supply: net.supply.clone(),
            pi,
            parent,
            pred,
            pred_dir,
            thread,
            rev_thread,
            succ_num,
            last_succ,
            dirty_revs: Vec::with_capacity(n + 1),
            block_size,
            next_arc: 0,
            in_arc: 0,
            join: 0,
            u_in: 0,
            v_in: 0,
            u_out: 0,
            delta: 0,
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
                self.update_tree_structure();
                self.update_potential();
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
        let pu = self.pi[self.source[e] as usize];
        let pv = self.pi[self.target[e] as usize];
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

    /// Block search pivot rule.
    #[inline(never)]
    fn find_entering_arc(&mut self) -> bool {
        let m = self.m;
        if m == 0 {
            return false;
        }
        let bs = self.block_size;
        let mut min = Art::ZERO;
        let mut best = 0usize;
        let mut cnt = bs;
        let start = self.next_arc;
        for e in (start..m).chain(0..start) {
            let c = self.price(e);
            if c < min {
                min = c;
                best = e;
            }
            cnt -= 1;
            if cnt == 0 {
                if min < Art::ZERO {
                    self.in_arc = best as u32;
                    self.next_arc = if e + 1 == m { 0 } else { e + 1 };
                    return true;
                }
                cnt = bs;
            }
        }
        if min < Art::ZERO {
            self.in_arc = best as u32;
            self.next_arc = start;
            return true;
        }
        false
    }

    #[inline(never)]
    fn find_join_node(&mut self) {
        let mut u = self.source[self.in_arc as usize];
        let mut v = self.target[self.in_arc as usize];
        while u != v {
            if self.succ_num[u as usize] < self.succ_num[v as usize] {
                u = self.parent[u as usize];
            } else {
                v = self.parent[v as usize];
            }
        }
        self.join = u;
    }

    /// Residual capacity of the tree arc above `u` in the direction that
    /// carries flow *up* (dir = DIR_UP) or *down* (dir = DIR_DOWN).
    /// Returns whether the basis changes (false: the entering arc itself blocks).
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

    #[inline(never)]
    fn update_tree_structure(&mut self) {
        let u_in = self.u_in as usize;
        let v_in = self.v_in as usize;
        let u_out = self.u_out as usize;
        let join = self.join as usize;
        let in_arc = self.in_arc;

        let old_rev_thread = self.rev_thread[u_out] as usize;
        let old_succ_num = self.succ_num[u_out];
        let old_last_succ = self.last_succ[u_out] as usize;
        let v_out = self.parent[u_out] as usize;

        let in_dir = if self.source[in_arc as usize] == u_in as u32 {
            DIR_UP
        } else {
            DIR_DOWN
        };

        if u_in == u_out {
            // Update parent, pred, pred_dir.
            self.parent[u_in] = v_in as u32;
            self.pred[u_in] = in_arc;
            self.pred_dir[u_in] = in_dir;

            // Update thread and rev_thread.
            if self.thread[v_in] as usize != u_out {
                let mut after = self.thread[old_last_succ];
                self.thread[old_rev_thread] = after;
                self.rev_thread[after as usize] = old_rev_thread as u32;
                after = self.thread[v_in];
                self.thread[v_in] = u_out as u32;
                self.rev_thread[u_out] = v_in as u32;
                self.thread[old_last_succ] = after;
                self.rev_thread[after as usize] = old_last_succ as u32;
            }
        } else {
            // Handle the case when old_rev_thread equals v_in
            // (it also means that join and v_out coincide).
            let thread_continue = if old_rev_thread == v_in {
                self.thread[old_last_succ]
            } else {
                self.thread[v_in]
            };

            // Update thread and parent along the stem nodes (the nodes between
            // u_in and u_out, whose parent has to change).
            let mut stem = u_in;
            let mut par_stem = v_in;
            let mut last = self.last_succ[u_in] as usize;
            let mut after = self.thread[last];
            self.thread[v_in] = u_in as u32;
            self.dirty_revs.clear();
            self.dirty_revs.push(v_in as u32);
            while stem != u_out {
                // Insert the next stem node into the thread list.
                let next_stem = self.parent[stem] as usize;
                self.thread[last] = next_stem as u32;
                self.dirty_revs.push(last as u32);

                // Remove the subtree of stem from the thread list.
                let before = self.rev_thread[stem] as usize;
                self.thread[before] = after;
                self.rev_thread[after as usize] = before as u32;

                // Change the parent node and shift stem nodes.
                self.parent[stem] = par_stem as u32;
                par_stem = stem;
                stem = next_stem;

                // Update last and after.
                last = if self.last_succ[stem] == self.last_succ[par_stem] {
                    self.rev_thread[par_stem] as usize
                } else {
                    self.last_succ[stem] as usize
                };
                after = self.thread[last];
            }
            self.parent[u_out] = par_stem as u32;
            self.thread[last] = thread_continue;
            self.rev_thread[thread_continue as usize] = last as u32;
            self.last_succ[u_out] = last as u32;

            // Remove the subtree of u_out from the thread list except for the
            // case when old_rev_thread equals v_in.
            if old_rev_thread != v_in {
                self.thread[old_rev_thread] = after;
                self.rev_thread[after as usize] = old_rev_thread as u32;
            }

            // Update rev_thread using the new thread values.
            for i in 0..self.dirty_revs.len() {
                let u = self.dirty_revs[i] as usize;
                let t = self.thread[u] as usize;
                self.rev_thread[t] = u as u32;
            }

            // Update pred, pred_dir, last_succ and succ_num for the stem nodes
            // from u_out to u_in.
            let mut tmp_sc: u32 = 0;
            let tmp_ls = self.last_succ[u_out];
            let mut u = u_out;
            while u != u_in {
                let p = self.parent[u] as usize;
                self.pred[u] = self.pred[p];
                self.pred_dir[u] = -self.pred_dir[p];
                tmp_sc = tmp_sc
                    .wrapping_add(self.succ_num[u])
                    .wrapping_sub(self.succ_num[p]);
                self.succ_num[u] = tmp_sc;
                self.last_succ[p] = tmp_ls;
                u = p;
            }
            self.pred[u_in] = in_arc;
            self.pred_dir[u_in] = in_dir;
            self.succ_num[u_in] = old_succ_num;
        }

        // Update last_succ from v_in towards the root.
        let up_limit_out = if self.last_succ[join] as usize == v_in {
            join as u32
        } else {
            NONE
        };
        let last_succ_out = self.last_succ[u_out];
        let mut u = v_in as u32;
        while u != NONE && self.last_succ[u as usize] as usize == v_in {
            self.last_succ[u as usize] = last_succ_out;
            u = self.parent[u as usize];
        }

        // Update last_succ from v_out towards the root.
        if join != old_rev_thread && v_in != old_rev_thread {
            let mut u = v_out as u32;
            while u != up_limit_out && self.last_succ[u as usize] as usize == old_last_succ {
                self.last_succ[u as usize] = old_rev_thread as u32;
                u = self.parent[u as usize];
            }
        } else if last_succ_out as usize != old_last_succ {
            let mut u = v_out as u32;
            while u != up_limit_out && self.last_succ[u as usize] as usize == old_last_succ {
                self.last_succ[u as usize] = last_succ_out;
                u = self.parent[u as usize];
            }
        }

        // Update succ_num from v_in to join.
        let mut u = v_in;
        while u != join {
            self.succ_num[u] += old_succ_num;
            u = self.parent[u] as usize;
        }
        // Update succ_num from v_out to join.
        let mut u = v_out;
        while u != join {
            self.succ_num[u] -= old_succ_num;
            u = self.parent[u] as usize;
        }
    }

    #[inline(never)]
    fn update_potential(&mut self) {
        let u_in = self.u_in as usize;
        let c = Art {
            a: 0,
            c: self.cost[self.in_arc as usize],
        };
        let sigma = self.pi[self.v_in as usize]
            - self.pi[u_in]
            - if self.pred_dir[u_in] == DIR_UP { c } else { -c };
        let end = self.thread[self.last_succ[u_in] as usize];
        let mut u = u_in as u32;
        while u != end {
            let p = &mut self.pi[u as usize];
            *p = *p + sigma;
            u = self.thread[u as usize];
        }
    }

    /// Validates every invariant of the basis (tests only; quadratic).
    fn check_tree(&self) {
        let n = self.n;
        let m = self.m;
        let nn = n + 1;
        let root = self.root as usize;
        assert_eq!(self.parent[root], NONE);
        // Thread is a single cycle through all nodes, rev_thread its inverse.
        let mut order = Vec::with_capacity(nn);
        let mut pos = vec![usize::MAX; nn];
        let mut u = root;
        for _ in 0..nn {
            assert_eq!(pos[u], usize::MAX, "thread revisits node {u}");
            pos[u] = order.len();
            order.push(u);
            let t = self.thread[u] as usize;
            assert_eq!(self.rev_thread[t] as usize, u, "rev_thread mismatch at {t}");
            u = t;
        }
        assert_eq!(u, root, "thread does not close at the root");
        // Parent / pred consistency; tree arcs have state TREE and zero reduced cost.
        let mut tree_arcs = 0;
        for u in 0..nn {
            if u == root {
                continue;
            }
            let p = self.parent[u] as usize;
            assert!(p < nn);
            let e = self.pred[u] as usize;
            assert_eq!(self.state[e], STATE_TREE, "pred arc of {u} not in tree");
            if self.pred_dir[u] == DIR_UP {
                assert_eq!((self.source[e] as usize, self.target[e] as usize), (u, p));
            } else {
                assert_eq!(self.pred_dir[u], DIR_DOWN);
                assert_eq!((self.source[e] as usize, self.target[e] as usize), (p, u));
            }
            let cost = if e < m {
                Art {
                    a: 0,
                    c: self.cost[e],
                }
            } else if self.source[e] == self.root {
                Art { a: 1, c: C::ZERO }
            } else {
                Art::ZERO
            };
            let rc = cost + self.pi[self.source[e] as usize] - self.pi[self.target[e] as usize];
            assert_eq!(rc, Art::ZERO, "tree arc {e} has nonzero reduced cost");
        }
        for e in 0..m + n {
            if self.state[e] == STATE_TREE {
                tree_arcs += 1;
            }
        }
        assert_eq!(tree_arcs, n, "tree must have n arcs");
        // Subtree sizes, preorder thread, last_succ.
        let mut size = vec![1u32; nn];
        for u in 0..nn {
            let mut p = self.parent[u];
            let mut steps = 0;
            while p != NONE {
                size[p as usize] += 1;
                p = self.parent[p as usize];
                steps += 1;
                assert!(steps <= nn, "parent cycle");
            }
        }
        for u in 0..nn {
            assert_eq!(self.succ_num[u], size[u], "succ_num of {u}");
            let last = order[pos[u] + size[u] as usize - 1];
            assert_eq!(self.last_succ[u] as usize, last, "last_succ of {u}");
            // Every node in the thread block of u descends from u.
            for &w in &order[pos[u]..pos[u] + size[u] as usize] {
                let mut x = w as u32;
                while x != NONE && x as usize != u {
                    x = self.parent[x as usize];
                }
                assert_eq!(
                    x as usize, u,
                    "thread block of {u} holds non-descendant {w}"
                );
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
    fn mixed_order_is_a_permutation() {
        for (m, n) in [(0, 1), (1, 1), (7, 2), (100, 3), (1000, 999), (12, 0)] {
            let mut seen = vec![false; m];
            mixed_order(m, n, |ext, int| {
                assert!(ext < m && int < m);
                assert!(!seen[int], "slot {int} used twice (m={m}, n={n})");
                seen[int] = true;
            });
            assert!(seen.iter().all(|&s| s));
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
        assert_eq!(one + (-one), Art::ZERO);
        assert_eq!(one - one, Art::<i64>::ZERO);
    }
}
