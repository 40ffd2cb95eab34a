//! Release-mode timing on a transportation-shaped instance.
//!
//! `cargo run --release -p flow --example bipartite [demand_nodes] [seed]`
//!
//! Shape: 36 periods x 8 generations = 288 supply nodes; each generation is a
//! chain over the periods with uncapacitated carry arcs. Each demand node has
//! 2..=12 arcs from random supply nodes, plus an expensive "unmet" arc from a
//! slack source; leftover supply drains to an idle sink at cost 0. The same
//! instance is solved with `i64` costs and with `Lex3` costs.

use flow::{solve, Cost, Lex3, Network, NodeId, Solution, INF_CAP};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

const PERIODS: usize = 36;
const GENERATIONS: usize = 8;

struct Instance {
    supply: Vec<i64>,
    arcs: Vec<(u32, u32, i64, [i64; 3])>,
}

fn build(demands: usize, seed: u64) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let s_nodes = PERIODS * GENERATIONS;
    let unmet = s_nodes + demands;
    let idle = unmet + 1;
    let mut supply = vec![0i64; idle + 1];
    let mut arcs = Vec::with_capacity(demands * 9);
    let mut total_demand = 0;
    for (j, s) in supply[s_nodes..s_nodes + demands].iter_mut().enumerate() {
        let d = rng.gen_range(1..=8);
        *s = -d;
        total_demand += d;
        let node = (s_nodes + j) as u32;
        for _ in 0..rng.gen_range(2..=12) {
            let g = rng.gen_range(0..GENERATIONS);
            let p = rng.gen_range(0..PERIODS);
            let cap = if rng.gen_bool(0.5) {
                INF_CAP
            } else {
                rng.gen_range(1..=d)
            };
            // tier 1: unmet priority value, tier 2: price, tier 3: lateness
            let price = rng.gen_range(10..1000) + 20 * g as i64;
            let cost = [-(rng.gen_range(0..3)), price, p as i64];
            arcs.push(((g * PERIODS + p) as u32, node, cap, cost));
        }
        arcs.push((unmet as u32, node, INF_CAP, [1, 100_000, 0]));
    }
    // Scarce supply: about 85% of demand, spread over the supply nodes.
    let mut total_supply = 0;
    for s in supply.iter_mut().take(s_nodes) {
        let v = rng.gen_range(0..=(total_demand * 17 / 10 / s_nodes as i64));
        *s = v;
        total_supply += v;
    }
    for g in 0..GENERATIONS {
        for p in 0..PERIODS - 1 {
            let u = (g * PERIODS + p) as u32;
            arcs.push((u, u + 1, INF_CAP, [0, 1, 1]));
        }
    }
    for u in 0..s_nodes {
        arcs.push((u as u32, idle as u32, INF_CAP, [0, 0, 0]));
    }
    arcs.push((unmet as u32, idle as u32, INF_CAP, [0, 0, 0]));
    supply[unmet] = total_demand;
    supply[idle] = -total_supply;
    Instance { supply, arcs }
}

fn network<C: Cost>(inst: &Instance, cost: impl Fn([i64; 3]) -> C) -> Network<C> {
    let mut net = Network::with_capacity(inst.supply.len(), inst.arcs.len());
    for &s in &inst.supply {
        net.add_node(s);
    }
    for &(u, v, cap, c) in &inst.arcs {
        net.add_arc(NodeId(u), NodeId(v), cap, cost(c));
    }
    net
}

/// Linear-time certificate check (bounds, conservation, reduced costs).
fn certify<C: Cost>(net: &Network<C>, sol: &Solution<C>) {
    let mut bal: Vec<i64> = (0..net.node_count())
        .map(|u| net.node_supply(NodeId(u as u32)))
        .collect();
    for a in 0..net.arc_count() {
        let id = flow::ArcId(a as u32);
        let (u, v) = (net.arc_from(id).0 as usize, net.arc_to(id).0 as usize);
        let f = sol.flow[a];
        let cap = net.arc_capacity(id);
        assert!((0..=cap).contains(&f));
        let rc = net.arc_cost(id) + sol.potential[u] - sol.potential[v];
        assert!(!(rc > C::ZERO && f != 0 || rc < C::ZERO && f != cap));
        bal[u] -= f;
        bal[v] += f;
    }
    assert!(bal.iter().all(|&b| b == 0));
}

fn run<C: Cost>(label: &str, inst: &Instance, cost: impl Fn([i64; 3]) -> C) {
    let t0 = Instant::now();
    let net = network(inst, cost);
    let t1 = Instant::now();
    let sol = solve(&net).expect("instance is feasible and bounded");
    let t2 = Instant::now();
    certify(&net, &sol);
    println!(
        "{label}: nodes {} arcs {} | build {:.3}s solve {:.3}s | pivots {} | cost {:?}",
        net.node_count(),
        net.arc_count(),
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        sol.pivots,
        sol.total_cost
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let demands = args
        .next()
        .map_or(100_000, |s| s.parse().expect("demand count"));
    let seed = args.next().map_or(7, |s| s.parse().expect("seed"));
    let inst = build(demands, seed);
    run("i64 ", &inst, |c| c[1] - 1000 * c[0]);
    run("lex3", &inst, Lex3);
}
