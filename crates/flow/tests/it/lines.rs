//! Networks with "lines" (nodes whose only out-arc goes to one common hub),
//! which the solver prices line by line in its own arc order: compared
//! against the reference, with arcs in the caller's order shuffled so that
//! the internal renumbering is exercised, cold and warm.

use crate::random::compare;
use crate::reference::{certify, Problem};
use flow::{solve, solve_warm_checked, Cost, Lex3, WarmStart, INF_CAP};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A small planner-shaped problem: `core` supply nodes (chained), a hub
/// (node `core`), and lines joined to a few core nodes with one out-arc to
/// the hub each. Sometimes infeasible or with extra odd arcs.
#[allow(clippy::needless_range_loop)]
fn line_problem<C: Cost>(
    rng: &mut ChaCha8Rng,
    cost: impl FnMut(&mut ChaCha8Rng) -> C,
) -> Problem<C> {
    let core = rng.gen_range(1..6);
    let lines = rng.gen_range(3..30);
    line_problem_sized(rng, cost, core, lines)
}

/// [`line_problem`] with `core` supply nodes and `lines` lines.
#[allow(clippy::needless_range_loop)]
fn line_problem_sized<C: Cost>(
    rng: &mut ChaCha8Rng,
    mut cost: impl FnMut(&mut ChaCha8Rng) -> C,
    core: usize,
    lines: usize,
) -> Problem<C> {
    let hub = core;
    let n = core + 1 + lines;
    let mut supply = vec![0i64; n];
    let mut arcs = vec![];
    let mut total = 0;
    for s in 0..core {
        let x = rng.gen_range(0..15);
        supply[s] = x;
        total += x;
        if s + 1 < core {
            arcs.push((s, s + 1, INF_CAP, cost(rng)));
        }
        if rng.gen_bool(0.5) {
            arcs.push((s, hub, INF_CAP, cost(rng)));
        }
    }
    supply[hub] = -total;
    for j in 0..lines {
        let l = core + 1 + j;
        for _ in 0..rng.gen_range(1..5) {
            let s = if rng.gen_bool(0.1) {
                hub
            } else {
                rng.gen_range(0..core)
            };
            let cap = if rng.gen_bool(0.1) {
                INF_CAP
            } else {
                rng.gen_range(0..6)
            };
            arcs.push((s, l, cap, cost(rng)));
        }
        let cap = if rng.gen_bool(0.1) {
            INF_CAP
        } else {
            rng.gen_range(0..8)
        };
        arcs.push((l, hub, cap, cost(rng)));
        if rng.gen_bool(0.05) {
            // A line with supply of its own.
            let d = rng.gen_range(1..3);
            supply[l] += d;
            supply[hub] -= d;
        }
    }
    arcs.shuffle(rng);
    Problem { supply, arcs }
}

fn small(rng: &mut ChaCha8Rng) -> i64 {
    rng.gen_range(-20..20)
}

fn lex(rng: &mut ChaCha8Rng) -> Lex3 {
    Lex3([
        if rng.gen_bool(0.1) {
            rng.gen_range(-2..2)
        } else {
            0
        },
        if rng.gen_bool(0.3) {
            rng.gen_range(-3..3)
        } else {
            0
        },
        rng.gen_range(-30..30),
    ])
}

#[test]
fn lines_i64_against_reference() {
    let mut solved = 0;
    for seed in 0..400u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(7_000_000 + seed);
        let p = line_problem(&mut rng, small);
        if compare(&p, seed < 150, &format!("lines i64 seed {seed}")) == 0 {
            solved += 1;
        }
    }
    assert!(solved > 100, "only {solved} solved");
}

#[test]
fn lines_lex3_against_reference() {
    for seed in 0..300u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(8_000_000 + seed);
        let p = line_problem(&mut rng, lex);
        compare(&p, seed < 100, &format!("lines lex3 seed {seed}"));
    }
}

/// `p` with its arcs in the solver's own order (arcs touching no line first, then each line in
/// node order: its in-arcs, then its out-arc), which the solver reads without permuting.
fn in_solver_order<C: Cost>(p: &Problem<C>, hub: usize) -> Problem<C> {
    let mut arcs = p.arcs.clone();
    arcs.sort_by_key(|&(from, to, ..)| {
        if to > hub {
            (to, 0)
        } else if from > hub {
            (from, 1)
        } else {
            (0, 0)
        }
    });
    Problem {
        supply: p.supply.clone(),
        arcs,
    }
}

#[test]
fn arcs_already_in_solver_order_give_the_same_optimum() {
    for seed in 0..300u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(14_000_000 + seed);
        let core = rng.gen_range(1..6);
        let lines = rng.gen_range(3..30);
        let p = line_problem_sized(&mut rng, lex, core, lines);
        let sorted = in_solver_order(&p, core);
        let label = format!("in solver order, seed {seed}");
        compare(&sorted, seed < 100, &label);
        let (a, b) = (solve(&p.network()), solve(&sorted.network()));
        assert_eq!(a.map(|s| s.total_cost), b.map(|s| s.total_cost), "{label}");
    }
    // Large enough for the threaded sample and split sweeps.
    let mut rng = ChaCha8Rng::seed_from_u64(14_999_999);
    let mut p = line_problem_sized(&mut rng, small, 40, 6_000);
    for a in p.arcs.iter_mut() {
        if (a.0 > 40 || a.1 > 40) && a.2 >= INF_CAP {
            a.2 = 10; // bounded, as in the planner's networks
        }
    }
    for l in 41..p.supply.len() {
        p.supply[40] += std::mem::take(&mut p.supply[l]);
    }
    for s in 0..40 {
        p.arcs.push((s, 40, INF_CAP, 0));
    }
    let sorted = in_solver_order(&p, 40);
    let (a, b) = (p.network(), sorted.network());
    let (sa, sb) = (solve(&a).expect("solves"), solve(&b).expect("solves"));
    certify(&b, &sb).expect("certified");
    assert_eq!(sa.total_cost, sb.total_cost);
}

#[test]
fn lines_block_sizes_and_warm() {
    use flow::{solve_checked_with, SolveOptions};
    for seed in 0..150u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(9_000_000 + seed);
        let p = line_problem(&mut rng, small);
        let net = p.network();
        let Ok(base) = solve(&net) else { continue };
        for b in [1usize, 3, 1 << 20] {
            let got = solve_checked_with(
                &net,
                &SolveOptions {
                    block_size: Some(b),
                },
            )
            .unwrap_or_else(|e| panic!("seed {seed} block {b}: {e}"));
            assert_eq!(got.total_cost, base.total_cost, "seed {seed} block {b}");
            certify(&net, &got).unwrap();
        }
        // Warm from the optimum, and after perturbing costs.
        let hint = WarmStart::from_solution(&base);
        let w = solve_warm_checked(&net, &hint).unwrap();
        assert_eq!(w.total_cost, base.total_cost, "seed {seed} warm");
        let mut q = p.clone();
        for a in q.arcs.iter_mut() {
            if rng.gen_bool(0.2) {
                a.3 = small(&mut rng);
            }
        }
        let qnet = q.network();
        let cold = solve(&qnet).unwrap();
        let w = solve_warm_checked(&qnet, &hint).unwrap();
        assert_eq!(w.total_cost, cold.total_cost, "seed {seed} warm perturbed");
        certify(&qnet, &w).unwrap();
    }
}

/// The crash guided by a solve on a sample of the lines (used by default
/// only on large networks) forced on small ones, recursively.
#[test]
fn sampled_crash_against_reference() {
    use flow::solve_checked_sampled;
    let mut solved = 0;
    for seed in 0..300u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(10_000_000 + seed);
        let p = line_problem(&mut rng, small);
        let net = p.network();
        let step = rng.gen_range(2..5);
        let got = solve_checked_sampled(&net, 2, step);
        let want = crate::reference::reference(&p);
        let label = format!("sampled seed {seed} step {step}");
        match got {
            Ok(sol) => {
                certify(&net, &sol).unwrap_or_else(|e| panic!("{label}: {e}"));
                assert_eq!(Some(sol.total_cost), want.optimum, "{label}");
                assert_eq!(solve_checked_sampled(&net, 2, step), Ok(sol), "{label}");
                solved += 1;
            }
            Err(e) => {
                assert!(want.optimum.is_none(), "{label}: {e}");
                assert!(solve(&net).is_err(), "{label}");
            }
        }
    }
    assert!(solved > 100, "only {solved} solved");
}

#[test]
fn sampled_crash_lex3_against_reference() {
    use flow::solve_checked_sampled;
    for seed in 0..200u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(11_000_000 + seed);
        let p = line_problem(&mut rng, lex);
        let net = p.network();
        let got = solve_checked_sampled(&net, 2, 2).map(|s| {
            certify(&net, &s).unwrap();
            s.total_cost
        });
        let want = crate::reference::reference(&p);
        match got {
            Ok(c) => assert_eq!(Some(c), want.optimum, "seed {seed}"),
            Err(e) => assert!(want.optimum.is_none(), "seed {seed}: {e}"),
        }
    }
}

/// `solve_owned` (the network by value, handed back) gives exactly `solve`'s and
/// `solve_warm`'s answers, and hands the arcs back unchanged in the caller's order.
#[test]
fn solve_owned_matches_solve_and_hands_arcs_back() {
    use flow::{solve_owned, Network};
    for seed in 0..150u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(12_000_000 + seed);
        let p = line_problem(&mut rng, lex);
        let net = p.network();
        let arcs: Vec<(u32, u32, i64, Lex3)> = (0..net.arc_count() as u32)
            .map(|a| {
                let a = flow::ArcId(a);
                (
                    net.arc_from(a).0,
                    net.arc_to(a).0,
                    net.arc_capacity(a),
                    net.arc_cost(a),
                )
            })
            .collect();
        let parts = net.clone().into_parts();
        let rebuilt = Network::from_parts(parts);
        let cold = solve(&net);
        let owned = solve_owned(rebuilt, None);
        match (&cold, owned) {
            (Ok(c), Ok((o, back))) => {
                assert_eq!(*c, o, "seed {seed}");
                let parts = back.clone().into_parts();
                let got: Vec<(u32, u32, i64, Lex3)> = (0..parts.from.len())
                    .map(|a| (parts.from[a], parts.to[a], parts.cap[a], parts.cost[a]))
                    .collect();
                assert_eq!(got, arcs, "seed {seed}");
                let back = back.into_network();
                assert_eq!(back.arc_count(), arcs.len(), "seed {seed}");
                for (a, &(u, v, k, w)) in arcs.iter().enumerate() {
                    let a = flow::ArcId(a as u32);
                    assert_eq!(back.arc_from(a).0, u);
                    assert_eq!(back.arc_to(a).0, v);
                    assert_eq!(back.arc_capacity(a), k);
                    assert_eq!(back.arc_cost(a), w);
                }
                let hint = WarmStart::from_solution(c);
                let w = flow::solve_warm(&net, &hint).unwrap();
                let (wo, _) = solve_owned(net.clone(), Some(&hint)).unwrap();
                assert_eq!(w, wo, "seed {seed} warm");
            }
            (Err(e), Err(f)) => assert_eq!(*e, f, "seed {seed}"),
            (c, o) => panic!("seed {seed}: {c:?} vs {:?}", o.map(|x| x.0)),
        }
    }
}

/// Networks large enough for the default cold start (a sample solved on a second core while the
/// simplex is set up) and for sweeps split in two halves: optimal by the independent check, and
/// the same answer every time (the split does not depend on which thread finishes first).
#[test]
fn large_line_networks_are_optimal_and_deterministic() {
    for seed in 0..3u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(13_000_000 + seed);
        let mut p = line_problem_sized(&mut rng, small, 40, 5_000);
        // Bounded and feasible, as the planner's networks are: lines have finite capacities and
        // every core node can send its leftover to the hub; only core nodes supply.
        let hub = 40;
        for a in p.arcs.iter_mut() {
            if (a.0 > hub || a.1 > hub) && a.2 >= INF_CAP {
                a.2 = 10;
            }
        }
        for s in 0..hub {
            p.arcs.push((s, hub, INF_CAP, 0));
        }
        for l in hub + 1..p.supply.len() {
            p.supply[hub] += std::mem::take(&mut p.supply[l]);
        }
        let net = p.network();
        let a = solve(&net).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        certify(&net, &a).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(solve(&net), Ok(a), "seed {seed}: same answer again");
    }
}

/// Lines with more in-arcs than the solver prices per round when they are internal to the tree
/// (the planner's horizon-end pool nodes, joined by every reservation ending there): their arcs
/// are priced in windows, and all of them before optimality is declared.
#[test]
fn long_lines_against_reference() {
    let mut solved = 0;
    for seed in 0..120u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(15_000_000 + seed);
        let core = rng.gen_range(2..12);
        let lines = rng.gen_range(5..40);
        let mut p = line_problem_sized(&mut rng, small, core, lines);
        // Give the first few lines 65-250 more in-arcs each (parallel arcs included).
        let hub = core;
        for l in hub + 1..hub + 1 + rng.gen_range(1..4) {
            for _ in 0..rng.gen_range(65..250) {
                let s = rng.gen_range(0..core);
                let cap = rng.gen_range(0..4);
                p.arcs.push((s, l, cap, small(&mut rng)));
            }
        }
        p.arcs.shuffle(&mut rng);
        if compare(&p, seed < 40, &format!("long lines seed {seed}")) == 0 {
            solved += 1;
        }
    }
    assert!(solved > 40, "only {solved} solved");
}
