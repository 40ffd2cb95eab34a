//! Release-mode timing on the planner's network shape (docs/model.md).
//!
//! `cargo run --release -p flow --example planner_shape [lines] [seed] [--no-verify]`
//!
//! 4 generations x 36 periods: supply nodes `S(g,t)` chained by carry arcs
//! (holding cost), cloud pools `P(g,t)` (deploy, idle, internal demand,
//! reservations, residual), one sink, and one node per demand line with 1-6
//! window periods of its generation (30% also a neighbouring one) and a
//! `line -> sink` arc. Costs are `Lex3` with most mass in tier 3, confirmed
//! lines in tier 2 and delivery commitments in tier 1, as the planner builds
//! them (crates/planner/src/network.rs).
//!
//! Reports the cold solve, then warm re-solves after 1% of the lines are
//! replaced and after one supply node loses half its supply; each warm
//! result is checked against a cold solve of the same network unless
//! `--no-verify`.

use flow::{solve, solve_warm, Cost, Lex3, Network, NodeId, Solution, WarmStart, INF_CAP};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

const T: usize = 36;
const G: usize = 4;

#[derive(Clone)]
struct Line {
    id: u64,
    units: i64,
    /// (supply node, cost)
    arcs: Vec<(u32, [i64; 3])>,
}

#[derive(Clone)]
struct Instance {
    supply: Vec<i64>, // core nodes only; lines have 0
    core_arcs: Vec<(u32, u32, i64, [i64; 3])>,
    lines: Vec<Line>,
}

fn s_node(g: usize, t: usize) -> u32 {
    (g * T + t) as u32
}
fn p_node(g: usize, t: usize) -> u32 {
    (G * T + g * (T + 1) + t) as u32
}
const SINK: u32 = (G * T + G * (T + 1)) as u32;
const CORE: usize = SINK as usize + 1;

fn first_ship(g: usize) -> usize {
    g * T / (G + 1)
}

fn gen_line(rng: &mut ChaCha8Rng, id: u64, total_supply: i64) -> Line {
    let g = rng.gen_range(0..G);
    let first = first_ship(g);
    let earliest = rng.gen_range(first.saturating_sub(2)..T);
    let window = rng.gen_range(1..=6);
    let latest = (earliest + window - 1).min(T - 1);
    let rack = rng.gen_bool(0.25);
    let units = if rack {
        4 * rng.gen_range(1..=3)
    } else {
        rng.gen_range(1..=10)
    };
    let base = 250_000 * (g as i64 + 1);
    let price = base * rng.gen_range(80..=130) / 100;
    let pen = price / 100 * rng.gen_range(0..=3);
    let confirmed = rng.gen_range(0..100) < 10;
    let commitment = rng.gen_range(0..1000) < 3;
    let mut gens = vec![(g, 10_000i64)];
    if rng.gen_range(0..100) < 30 {
        let h = if g + 1 < G { g + 1 } else { g - 1 };
        gens.push((h, rng.gen_range(80..=100) * 100));
    }
    let mut arcs = Vec::new();
    for (h, factor) in gens {
        let lo = earliest.max(first_ship(h));
        let value = price * factor / 10_000;
        for t in lo..=latest {
            let late = (t - earliest) as i64;
            let v3 = value - pen * late;
            let c2 = if confirmed {
                (t as i64 - latest as i64).max(0) - (T as i64 - latest as i64)
            } else {
                0
            };
            let c1 = if commitment && t <= latest {
                -1_000_000
            } else {
                0
            };
            arcs.push((s_node(h, t), [c1, c2, -v3]));
        }
    }
    let _ = total_supply;
    Line { id, units, arcs }
}

fn build(lines: usize, seed: u64) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let total_demand = lines as i64 * 6;
    let total_supply = total_demand * 100 / 130;
    let mut supply = vec![0i64; CORE];
    let mut core_arcs = Vec::new();
    let mut sum = 0;
    for g in 0..G {
        let first = first_ship(g);
        let w: Vec<i64> = (0..T)
            .map(|k| {
                if k < first {
                    0
                } else {
                    (10 + (k - first) as i64 * 10).min(100)
                }
            })
            .collect();
        let wsum: i64 = w.iter().sum();
        let share = total_supply / G as i64;
        let price = 250_000 * (g as i64 + 1);
        for t in 0..T {
            let s = share * w[t] / wsum;
            supply[s_node(g, t) as usize] = s;
            sum += s;
            if t + 1 < T {
                core_arcs.push((
                    s_node(g, t),
                    s_node(g, t + 1),
                    INF_CAP,
                    [0, 0, 500 * (g as i64 + 1)],
                ));
            } else {
                core_arcs.push((s_node(g, t), SINK, INF_CAP, [0, 0, 0]));
            }
            if t >= first {
                core_arcs.push((s_node(g, t), p_node(g, t), INF_CAP, [0, 0, 0]));
            }
            core_arcs.push((p_node(g, t), p_node(g, t + 1), INF_CAP, [0, 0, 0]));
            let demand = share / T as i64 / 3;
            if demand > 0 {
                core_arcs.push((
                    p_node(g, t),
                    p_node(g, t + 1),
                    demand,
                    [0, 0, -(price / 18)],
                ));
            }
        }
        core_arcs.push((p_node(g, T), SINK, INF_CAP, [0, 0, -(price / 4)]));
    }
    for _ in 0..(lines / 100).max(1) {
        let g = rng.gen_range(0..G);
        let a = rng.gen_range(first_ship(g)..T);
        let b = (a + rng.gen_range(1..=12)).min(T);
        let price = 250_000 * (g as i64 + 1) / 15;
        core_arcs.push((
            p_node(g, a),
            p_node(g, b),
            rng.gen_range(1..=20),
            [0, 0, -price * (b - a) as i64],
        ));
    }
    supply[SINK as usize] = -sum;
    let lines = (0..lines as u64)
        .map(|i| gen_line(&mut rng, i, sum))
        .collect();
    Instance {
        supply,
        core_arcs,
        lines,
    }
}

/// The network plus, per line id, the index of its first arc.
fn network(inst: &Instance) -> (Network<Lex3>, Vec<(u64, u32)>) {
    let arcs = inst.core_arcs.len() + inst.lines.iter().map(|l| l.arcs.len() + 1).sum::<usize>();
    let mut net = Network::with_capacity(CORE + inst.lines.len(), arcs);
    for &s in &inst.supply {
        net.add_node(s);
    }
    for &(u, v, c, w) in &inst.core_arcs {
        net.add_arc(NodeId(u), NodeId(v), c, Lex3(w));
    }
    let mut index = Vec::with_capacity(inst.lines.len());
    for l in &inst.lines {
        let node = net.add_node(0);
        index.push((l.id, net.arc_count() as u32));
        for &(s, c) in &l.arcs {
            net.add_arc(NodeId(s), node, l.units, Lex3(c));
        }
        net.add_arc(node, NodeId(SINK), l.units, Lex3([0; 3]));
    }
    index.sort_unstable();
    (net, index)
}

/// Maps the previous solution onto the new instance by line id.
fn hint(
    old: &Instance,
    old_index: &[(u64, u32)],
    old_sol: &Solution<Lex3>,
    new: &Instance,
) -> WarmStart<Lex3> {
    let mut flow = Vec::with_capacity(old_sol.flow.len());
    let mut potential: Vec<Option<Lex3>> =
        old_sol.potential[..CORE].iter().map(|&p| Some(p)).collect();
    // Old node of each line id.
    let mut old_node: Vec<(u64, u32)> = old
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id, (CORE + i) as u32))
        .collect();
    old_node.sort_unstable();
    for a in 0..new.core_arcs.len() {
        flow.push(Some(old_sol.flow[a]));
    }
    for l in &new.lines {
        match old_index.binary_search_by_key(&l.id, |&(id, _)| id) {
            Ok(i) => {
                potential.push(Some(old_sol.potential[old_node[i].1 as usize]));
                let first = old_index[i].1 as usize;
                for k in 0..=l.arcs.len() {
                    flow.push(Some(old_sol.flow[first + k]));
                }
            }
            Err(_) => {
                potential.push(None);
                flow.extend(std::iter::repeat_n(None, l.arcs.len() + 1));
            }
        }
    }
    WarmStart {
        flow,
        potential,
        tree: vec![],
    }
}

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
        assert!(
            !(rc > C::ZERO && f != 0 || rc < C::ZERO && f != cap),
            "arc {a} rc {rc:?} f {f}"
        );
        bal[u] -= f;
        bal[v] += f;
    }
    assert!(bal.iter().all(|&b| b == 0));
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let r = f();
    (r, t.elapsed().as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verify = !args.iter().any(|a| a == "--no-verify");
    let nums: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let lines = nums
        .first()
        .map_or(100_000, |s| s.parse().expect("line count"));
    let seed = nums.get(1).map_or(7, |s| s.parse().expect("seed"));

    let inst = build(lines, seed);
    let ((net, index), tb) = timed(|| network(&inst));
    let block: Option<usize> = std::env::var("BLOCK")
        .ok()
        .map(|b| b.parse().expect("BLOCK"));
    let (sol, ts) = timed(|| {
        flow::solve_with(&net, &flow::SolveOptions { block_size: block }).expect("feasible")
    });
    certify(&net, &sol);
    println!(
        "cold: lines {} nodes {} arcs {} | build {tb:.3}s solve {ts:.3}s | pivots {} | cost {:?}",
        lines,
        net.node_count(),
        net.arc_count(),
        sol.pivots,
        sol.total_cost
    );

    // 1% of the lines replaced (removed + new ones).
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xabcd);
    let mut changed = inst.clone();
    let k = (lines / 100).max(1);
    for _ in 0..k {
        let i = rng.gen_range(0..changed.lines.len());
        changed.lines.swap_remove(i);
    }
    let total: i64 = inst.supply[..CORE - 1].iter().sum();
    for j in 0..k {
        let l = gen_line(&mut rng, lines as u64 + j as u64, total);
        changed.lines.push(l);
    }
    warm(
        "1% lines replaced",
        &inst,
        &index,
        &sol,
        &changed,
        ts,
        verify,
    );

    // One supply node loses half its supply.
    let mut cut = inst.clone();
    let s = s_node(1, T / 2) as usize;
    let lost = cut.supply[s] / 2;
    cut.supply[s] -= lost;
    cut.supply[SINK as usize] += lost;
    warm("supply cut", &inst, &index, &sol, &cut, ts, verify);
}

fn warm(
    label: &str,
    old: &Instance,
    old_index: &[(u64, u32)],
    old_sol: &Solution<Lex3>,
    new: &Instance,
    cold_time: f64,
    verify: bool,
) {
    let (net, _) = network(new);
    let (h, th) = timed(|| hint(old, old_index, old_sol, new));
    let (sol, tw) = timed(|| solve_warm(&net, &h).expect("feasible"));
    certify(&net, &sol);
    print!(
        "warm ({label}): hint {th:.3}s solve {tw:.3}s | pivots {} | {:.1}x faster than the cold solve",
        sol.pivots,
        cold_time / tw
    );
    if verify {
        let (cold, tc) = timed(|| solve(&net).expect("feasible"));
        assert_eq!(
            cold.total_cost, sol.total_cost,
            "warm and cold optima differ"
        );
        print!(" | cold re-solve {tc:.3}s, same cost");
    }
    println!();
}
