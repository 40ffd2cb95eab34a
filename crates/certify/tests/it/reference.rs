//! A deliberately simple, slow reference solver used only by the tests:
//! cycle cancelling with Bellman-Ford over lexicographic costs, then
//! potentials = shortest-path distances in the residual graph.
//!
//! Costs are `[i64; 3]`, whose derived `Ord` is exactly the lexicographic
//! order the checker uses.

use certify::Network;

pub type Cost = [i64; 3];

pub fn add(a: Cost, b: Cost) -> Cost {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

pub fn neg(a: Cost) -> Cost {
    [-a[0], -a[1], -a[2]]
}

pub fn scale(a: Cost, k: i64) -> Cost {
    [a[0] * k, a[1] * k, a[2] * k]
}

/// One arc of the residual graph.
#[derive(Clone, Copy, Debug)]
pub struct Residual {
    pub from: usize,
    pub to: usize,
    pub cost: Cost,
    /// Index of the network arc.
    pub arc: usize,
    /// +1: pushing along this residual arc increases the arc's flow; -1: decreases it.
    pub dir: i64,
    /// How much can be pushed.
    pub room: i64,
}

pub fn residual(net: &Network, flow: &[i64]) -> Vec<Residual> {
    let mut out = Vec::new();
    for (a, arc) in net.arcs().enumerate() {
        let (u, v) = (arc.from as usize, arc.to as usize);
        if flow[a] < arc.capacity {
            out.push(Residual {
                from: u,
                to: v,
                cost: arc.cost,
                arc: a,
                dir: 1,
                room: arc.capacity - flow[a],
            });
        }
        if flow[a] > 0 {
            out.push(Residual {
                from: v,
                to: u,
                cost: neg(arc.cost),
                arc: a,
                dir: -1,
                room: flow[a],
            });
        }
    }
    out
}

/// Bellman-Ford from a virtual source joined to every node at zero cost.
/// Ok(distances) if there is no negative cycle, else Err(edges of one negative cycle).
pub fn bellman_ford(n: usize, edges: &[Residual]) -> Result<Vec<Cost>, Vec<usize>> {
    let mut dist = vec![[0i64; 3]; n];
    let mut pred: Vec<Option<usize>> = vec![None; n];
    // n + 1 nodes with the virtual source, so n rounds suffice without a negative cycle.
    for round in 0..=n {
        let mut last = None;
        for (e, r) in edges.iter().enumerate() {
            let cand = add(dist[r.from], r.cost);
            if cand < dist[r.to] {
                dist[r.to] = cand;
                pred[r.to] = Some(e);
                last = Some(r.to);
            }
        }
        match last {
            None => return Ok(dist),
            Some(mut x) if round == n => {
                for _ in 0..n {
                    x = edges[pred[x].unwrap()].from;
                }
                let start = x;
                let mut cycle = Vec::new();
                loop {
                    let e = pred[x].unwrap();
                    cycle.push(e);
                    x = edges[e].from;
                    if x == start {
                        break;
                    }
                }
                return Err(cycle);
            }
            Some(_) => {}
        }
    }
    unreachable!()
}

pub fn push(flow: &mut [i64], edges: &[Residual], cycle: &[usize], delta: i64) {
    for &e in cycle {
        flow[edges[e].arc] += edges[e].dir * delta;
    }
}

/// Starting from a feasible `flow`, cancel negative cycles until none is left;
/// return the optimal flow and potentials.
pub fn optimise(net: &Network, mut flow: Vec<i64>) -> (Vec<i64>, Vec<Cost>) {
    let n = net.node_supply.len();
    loop {
        let edges = residual(net, &flow);
        match bellman_ford(n, &edges) {
            Ok(dist) => return (flow, dist),
            Err(cycle) => {
                let cost = cycle.iter().fold([0; 3], |c, &e| add(c, edges[e].cost));
                assert!(cost < [0; 3], "reference: BF cycle not negative");
                let delta = cycle.iter().map(|&e| edges[e].room).min().unwrap();
                push(&mut flow, &edges, &cycle, delta);
            }
        }
    }
}
