//! Independent reference solver and solution checker (test code only).
//!
//! Feasibility by Edmonds–Karp max flow, unboundedness by Bellman–Ford on the
//! uncapacitated arcs, optimality by negative-cycle cancelling. Works for any
//! `Cost` (lexicographic comparisons behave like ordinary ones).

use flow::{ArcId, Cost, Network, NodeId, Solution, INF_CAP};

/// A plain description of a problem.
#[derive(Clone, Debug)]
pub struct Problem<C> {
    pub supply: Vec<i64>,
    /// (from, to, capacity, cost)
    pub arcs: Vec<(usize, usize, i64, C)>,
}

impl<C: Cost> Problem<C> {
    pub fn network(&self) -> Network<C> {
        let mut net = Network::with_capacity(self.supply.len(), self.arcs.len());
        for &s in &self.supply {
            net.add_node(s);
        }
        for &(u, v, c, w) in &self.arcs {
            net.add_arc(NodeId(u as u32), NodeId(v as u32), c, w);
        }
        net
    }
}

/// What the reference found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefAnswer<C> {
    pub balanced: bool,
    pub feasible: bool,
    pub neg_inf_cycle: bool,
    /// Optimal cost, when balanced, feasible and bounded.
    pub optimum: Option<C>,
}

struct Residual<C> {
    to: Vec<usize>,
    cap: Vec<i64>,
    cost: Vec<C>,
    head: Vec<Vec<usize>>,
}

impl<C: Cost> Residual<C> {
    fn new(n: usize) -> Self {
        Residual {
            to: vec![],
            cap: vec![],
            cost: vec![],
            head: vec![vec![]; n],
        }
    }
    /// Adds an arc and its reverse; returns the forward index (reverse is ^1).
    fn add(&mut self, u: usize, v: usize, cap: i64, cost: C) -> usize {
        let e = self.to.len();
        self.to.push(v);
        self.cap.push(cap);
        self.cost.push(cost);
        self.head[u].push(e);
        self.to.push(u);
        self.cap.push(0);
        self.cost.push(-cost);
        self.head[v].push(e + 1);
        e
    }
    fn from(&self, e: usize) -> usize {
        self.to[e ^ 1]
    }
}

/// Bellman–Ford from a virtual source at distance 0 to every node; returns a
/// negative cycle (as indices into `arcs`) if one exists.
fn negative_cycle<C: Cost>(n: usize, arcs: &[(usize, usize, C)]) -> Option<Vec<usize>> {
    let mut dist = vec![C::ZERO; n];
    let mut pred: Vec<Option<usize>> = vec![None; n];
    let mut last = None;
    for _ in 0..=n {
        last = None;
        for (i, &(u, v, c)) in arcs.iter().enumerate() {
            if dist[u] + c < dist[v] {
                dist[v] = dist[u] + c;
                pred[v] = Some(i);
                last = Some(v);
            }
        }
        last?;
    }
    let mut x = last.unwrap();
    for _ in 0..n {
        x = arcs[pred[x].unwrap()].0;
    }
    let start = x;
    let mut cyc = vec![];
    loop {
        let i = pred[x].unwrap();
        cyc.push(i);
        x = arcs[i].0;
        if x == start {
            break;
        }
    }
    cyc.reverse();
    Some(cyc)
}

pub fn reference<C: Cost>(p: &Problem<C>) -> RefAnswer<C> {
    let n = p.supply.len();
    let total: i128 = p.supply.iter().map(|&s| s as i128).sum();
    let inf_arcs: Vec<(usize, usize, C)> = p
        .arcs
        .iter()
        .filter(|a| a.2 == INF_CAP)
        .map(|&(u, v, _, c)| (u, v, c))
        .collect();
    let neg_inf_cycle = negative_cycle(n, &inf_arcs).is_some();
    if total != 0 {
        return RefAnswer {
            balanced: false,
            feasible: false,
            neg_inf_cycle,
            optimum: None,
        };
    }
    // Max flow from S = n to T = n + 1.
    let (s, t) = (n, n + 1);
    let mut r = Residual::new(n + 2);
    let fwd: Vec<usize> = p
        .arcs
        .iter()
        .map(|&(u, v, c, w)| r.add(u, v, c, w))
        .collect();
    let mut need = 0i64;
    for (u, &sup) in p.supply.iter().enumerate() {
        if sup > 0 {
            r.add(s, u, sup, C::ZERO);
            need += sup;
        } else if sup < 0 {
            r.add(u, t, -sup, C::ZERO);
        }
    }
    let mut got = 0i64;
    loop {
        // BFS
        let mut prev = vec![usize::MAX; n + 2];
        let mut seen = vec![false; n + 2];
        seen[s] = true;
        let mut q = std::collections::VecDeque::from([s]);
        while let Some(u) = q.pop_front() {
            for &e in &r.head[u] {
                let v = r.to[e];
                if r.cap[e] > 0 && !seen[v] {
                    seen[v] = true;
                    prev[v] = e;
                    q.push_back(v);
                }
            }
        }
        if !seen[t] {
            break;
        }
        let mut b = i64::MAX;
        let mut v = t;
        while v != s {
            let e = prev[v];
            b = b.min(r.cap[e]);
            v = r.from(e);
        }
        let mut v = t;
        while v != s {
            let e = prev[v];
            r.cap[e] -= b;
            r.cap[e ^ 1] += b;
            v = r.from(e);
        }
        got += b;
    }
    let feasible = got == need;
    if !feasible || neg_inf_cycle {
        return RefAnswer {
            balanced: true,
            feasible,
            neg_inf_cycle,
            optimum: None,
        };
    }
    // Cycle cancelling on the residual graph of the real arcs.
    let real_res = 2 * p.arcs.len();
    loop {
        let mut list = vec![];
        let mut ids = vec![];
        for e in 0..real_res {
            if r.cap[e] > 0 {
                list.push((r.from(e), r.to[e], r.cost[e]));
                ids.push(e);
            }
        }
        let Some(cyc) = negative_cycle(n, &list) else {
            break;
        };
        let b = cyc.iter().map(|&i| r.cap[ids[i]]).min().unwrap();
        assert!(b > 0, "reference: empty bottleneck");
        for &i in &cyc {
            let e = ids[i];
            r.cap[e] -= b;
            r.cap[e ^ 1] += b;
        }
    }
    let mut cost = C::ZERO;
    for (i, &e) in fwd.iter().enumerate() {
        let f = r.cap[e ^ 1];
        cost = cost + p.arcs[i].3.scale(f);
    }
    RefAnswer {
        balanced: true,
        feasible,
        neg_inf_cycle,
        optimum: Some(cost),
    }
}

/// Checks bounds, conservation, complementary slackness and the total cost.
/// Together these certify optimality (LP duality). Returns a description of
/// the first violation.
pub fn certify<C: Cost>(net: &Network<C>, sol: &Solution<C>) -> Result<(), String> {
    let n = net.node_count();
    let m = net.arc_count();
    if sol.flow.len() != m || sol.potential.len() != n {
        return Err("wrong lengths".into());
    }
    let mut bal: Vec<i128> = (0..n)
        .map(|u| net.node_supply(NodeId(u as u32)) as i128)
        .collect();
    let mut cost = C::ZERO;
    for a in 0..m {
        let id = ArcId(a as u32);
        let (u, v) = (net.arc_from(id).0 as usize, net.arc_to(id).0 as usize);
        let f = sol.flow[a];
        let cap = net.arc_capacity(id);
        if f < 0 || f > cap {
            return Err(format!("arc {a}: flow {f} outside 0..={cap}"));
        }
        bal[u] -= f as i128;
        bal[v] += f as i128;
        let rc = net.arc_cost(id) + sol.potential[u] - sol.potential[v];
        if rc > C::ZERO && f != 0 {
            return Err(format!("arc {a}: reduced cost {rc:?} > 0 but flow {f}"));
        }
        if rc < C::ZERO && f != cap {
            return Err(format!(
                "arc {a}: reduced cost {rc:?} < 0 but flow {f} != cap {cap}"
            ));
        }
        cost = cost + net.arc_cost(id).scale(f);
    }
    if let Some(u) = bal.iter().position(|&b| b != 0) {
        return Err(format!("node {u}: conservation violated by {}", bal[u]));
    }
    if cost != sol.total_cost {
        return Err(format!(
            "total_cost {:?} != recomputed {cost:?}",
            sol.total_cost
        ));
    }
    Ok(())
}
