//! Randomised tests against the reference solver in `reference.rs`.
//!
//! Every case is seeded; a failing case prints its seed. Set `CERTIFY_SEED=<n>`
//! to run only that seed.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use certify::{check, objective, Arc, Certificate, Network, Violation};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::reference::{self, add, optimise, residual, scale, Cost};

/// Run `case` for `count` seeds derived from `base` (or only `CERTIFY_SEED`).
fn seeded(base: u64, count: u64, mut case: impl FnMut(&mut ChaCha8Rng)) {
    let seeds: Vec<u64> = match std::env::var("CERTIFY_SEED") {
        Ok(s) => vec![s.parse().expect("CERTIFY_SEED must be a u64")],
        Err(_) => (base..base + count).collect(),
    };
    for seed in seeds {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| case(&mut rng))) {
            eprintln!("failing seed: {seed} (rerun with CERTIFY_SEED={seed})");
            resume_unwind(p);
        }
    }
}

fn to_i128(c: Cost) -> [i128; 3] {
    c.map(i128::from)
}

/// A random network with a known feasible flow (supplies are derived from it).
fn random_network(
    rng: &mut ChaCha8Rng,
    max_nodes: usize,
    max_arcs: usize,
    max_cap: i64,
) -> (Network, Vec<i64>) {
    let n = rng.gen_range(1..=max_nodes);
    let m = rng.gen_range(0..=max_arcs);
    // Per network, some tiers are often all-zero or tiny so ties are common.
    let tier_range: [i64; 3] = std::array::from_fn(|_| match rng.gen_range(0..4) {
        0 => 0,
        1 => 1,
        _ => 4,
    });
    let arcs: Vec<Arc> = (0..m)
        .map(|_| Arc {
            from: rng.gen_range(0..n as u32),
            to: rng.gen_range(0..n as u32),
            capacity: rng.gen_range(0..=max_cap),
            cost: std::array::from_fn(|k| rng.gen_range(-tier_range[k]..=tier_range[k])),
        })
        .collect();
    let flow: Vec<i64> = arcs.iter().map(|a| rng.gen_range(0..=a.capacity)).collect();
    let mut supply = vec![0i64; n];
    for (a, &x) in arcs.iter().zip(&flow) {
        supply[a.from as usize] += x;
        supply[a.to as usize] -= x;
    }
    (Network::from_arcs(supply, arcs), flow)
}

fn cert(flow: &[i64], potential: &[Cost]) -> Certificate {
    Certificate {
        flow: flow.to_vec(),
        potential: potential.to_vec(),
    }
}

fn random_potential(rng: &mut ChaCha8Rng, n: usize) -> Vec<Cost> {
    (0..n)
        .map(|_| std::array::from_fn(|_| rng.gen_range(-6..=6)))
        .collect()
}

/// Find a simple cycle in the residual graph by a random walk; returns residual-edge indices.
fn random_residual_cycle(
    rng: &mut ChaCha8Rng,
    n: usize,
    edges: &[reference::Residual],
) -> Option<Vec<usize>> {
    if edges.is_empty() {
        return None;
    }
    for _ in 0..8 {
        let mut at = edges[rng.gen_range(0..edges.len())].from;
        let mut seen_at: Vec<Option<usize>> = vec![None; n]; // node -> position in path
        let mut path: Vec<usize> = Vec::new();
        loop {
            if let Some(pos) = seen_at[at] {
                return Some(path[pos..].to_vec());
            }
            seen_at[at] = Some(path.len());
            let out: Vec<usize> = (0..edges.len()).filter(|&e| edges[e].from == at).collect();
            if out.is_empty() {
                break;
            }
            let e = out[rng.gen_range(0..out.len())];
            path.push(e);
            at = edges[e].to;
        }
    }
    None
}

/// The reference optimum is accepted; feasible cycle perturbations are rejected
/// iff they change the cost (a zero-cost perturbation is another optimum and
/// must still be accepted with the same potentials).
#[test]
fn reference_optimum_passes_and_cycle_perturbations_fail() {
    let mut stats = [0usize; 3]; // [checked, perturbed-worse, perturbed-equal]
    seeded(1_000, 5_000, |rng| {
        let (net, f0) = random_network(rng, 7, 16, 6);
        let n = net.node_supply.len();
        let (fopt, pi) = optimise(&net, f0.clone());

        let report = check(&net, &cert(&fopt, &pi)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.objective, objective(&net, &fopt));
        assert!(report.objective <= objective(&net, &f0));
        assert_eq!(
            (report.arcs_checked, report.nodes_checked),
            (net.arc_count(), n)
        );

        // Shifting all potentials by a constant vector changes nothing.
        let shift: Cost = std::array::from_fn(|_| rng.gen_range(-100..=100));
        let shifted: Vec<Cost> = pi.iter().map(|&p| add(p, shift)).collect();
        check(&net, &cert(&fopt, &shifted)).unwrap();

        let edges = residual(&net, &fopt);
        let Some(cycle) = random_residual_cycle(rng, n, &edges) else {
            return;
        };
        let room = cycle.iter().map(|&e| edges[e].room).min().unwrap();
        let delta = rng.gen_range(1..=room);
        let unit = cycle.iter().fold([0; 3], |c, &e| add(c, edges[e].cost));
        let mut g = fopt.clone();
        reference::push(&mut g, &edges, &cycle, delta);
        let change = to_i128(scale(unit, delta));
        assert_eq!(
            objective(&net, &g).map(Some),
            std::array::from_fn(|k| report.objective[k].checked_add(change[k]))
        );
        if unit == [0; 3] {
            // Another optimum: the same potentials must certify it.
            check(&net, &cert(&g, &pi)).unwrap_or_else(|e| panic!("zero-cost cycle: {e}"));
            stats[2] += 1;
        } else {
            // Residual cycles of an optimum are never negative.
            assert!(
                unit > [0; 3],
                "reference optimum has negative cycle {unit:?}"
            );
            let e = check(&net, &cert(&g, &pi)).expect_err("worse flow accepted");
            assert!(
                e.violations.iter().all(|v| matches!(
                    v,
                    Violation::ReducedCostPositiveWithFlow { .. }
                        | Violation::ReducedCostNegativeBelowCapacity { .. }
                )),
                "perturbed flow is feasible, yet: {e}"
            );
            // No potentials at all can certify it; try a few.
            for _ in 0..4 {
                let p = random_potential(rng, n);
                assert!(check(&net, &cert(&g, &p)).is_err());
            }
            stats[1] += 1;
        }
        stats[0] += 1;
    });
    // Make sure the interesting branches actually ran.
    assert!(stats[1] > 1_000 && stats[2] > 300, "{stats:?}");
}

/// On tiny networks, enumerate every flow in the capacity box and compare with
/// the brute-force optimum: with the reference potentials a flow is accepted
/// exactly when it is feasible and optimal; with any other potentials,
/// acceptance still implies optimality (soundness).
#[test]
fn brute_force_agrees_on_tiny_networks() {
    let mut accepted_by_noisy = 0usize;
    seeded(50_000, 1_500, |rng| {
        let (net, f0) = random_network(rng, 4, 5, 2);
        let n = net.node_supply.len();
        let (fopt, pi) = optimise(&net, f0);
        let best = objective(&net, &fopt);

        // Enumerate all flows in the box.
        let caps: Vec<i64> = net.capacity.clone();
        let mut g = vec![0i64; caps.len()];
        let mut brute_best: Option<[i128; 3]> = None;
        let mut flows = Vec::new();
        loop {
            let feasible = (0..n).all(|v| {
                let bal: i64 = net.node_supply[v]
                    + net
                        .arcs()
                        .zip(&g)
                        .map(|(a, &x)| {
                            (if a.to as usize == v { x } else { 0 })
                                - (if a.from as usize == v { x } else { 0 })
                        })
                        .sum::<i64>();
                bal == 0
            });
            let obj = objective(&net, &g);
            if feasible && brute_best.iter().all(|&b| obj < b) {
                brute_best = Some(obj);
            }
            flows.push((g.clone(), feasible, obj));
            // Next flow (odometer).
            let mut i = 0;
            while i < g.len() && g[i] == caps[i] {
                g[i] = 0;
                i += 1;
            }
            if i == g.len() {
                break;
            }
            g[i] += 1;
        }
        assert_eq!(brute_best, Some(best), "reference is not optimal");

        let noisy: Vec<Cost> = pi
            .iter()
            .map(|&p| add(p, [0, 0, rng.gen_range(-1..=1)]))
            .collect();
        let random = random_potential(rng, n);
        for (g, feasible, obj) in &flows {
            let good = *feasible && *obj == best;
            let res = check(&net, &cert(g, &pi));
            assert_eq!(res.is_ok(), good, "flow {g:?}: {res:?}");
            if let Err(e) = res {
                // Infeasible flows in the box always show a conservation violation.
                let has_cons = e
                    .violations
                    .iter()
                    .any(|v| matches!(v, Violation::Conservation { .. }));
                assert_eq!(has_cons, !*feasible, "{e}");
            }
            for p in [&noisy, &random] {
                if check(&net, &cert(g, p)).is_ok() {
                    assert!(good, "unsound: accepted {g:?} with {p:?}");
                    accepted_by_noisy += 1;
                }
            }
        }
    });
    assert!(
        accepted_by_noisy > 500,
        "soundness probe vacuous: {accepted_by_noisy}"
    );
}
