//! Seeded random networks compared against the reference solver.

use crate::reference::{certify, reference, Problem};
use flow::{solve, solve_checked, Cost, FlowError, Lex3, INF_CAP};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Shape knobs for a random instance.
pub struct Shape {
    pub max_nodes: usize,
    pub max_arcs_per_node: usize,
}

pub fn random_problem<C: Cost>(
    rng: &mut ChaCha8Rng,
    shape: &Shape,
    mut cost: impl FnMut(&mut ChaCha8Rng) -> C,
) -> Problem<C> {
    let n = rng.gen_range(1..=shape.max_nodes);
    let m = rng.gen_range(0..=n * shape.max_arcs_per_node);
    let inf_p = rng.gen_range(0.0..0.5);
    let zero_p = rng.gen_range(0.0..0.15);
    let cap_hi = *[1i64, 3, 10, 1000].get(rng.gen_range(0..4)).unwrap();
    let mut arcs = Vec::with_capacity(m);
    for _ in 0..m {
        let u = rng.gen_range(0..n);
        let v = if rng.gen_bool(0.05) {
            u
        } else {
            rng.gen_range(0..n)
        };
        let cap = if rng.gen_bool(inf_p) {
            INF_CAP
        } else if rng.gen_bool(zero_p) {
            0
        } else {
            rng.gen_range(1..=cap_hi)
        };
        arcs.push((u, v, cap, cost(rng)));
    }
    // Often add an uncapacitated ring of costly arcs so that the instance
    // is feasible (it may still be unbounded through other arcs).
    if rng.gen_bool(0.5) {
        for u in 0..n {
            let w = cost(rng);
            let w = if w < C::ZERO { -w } else { w };
            arcs.push((u, (u + 1) % n, INF_CAP, w.scale(3)));
        }
    }
    let mut supply = vec![0i64; n];
    let active = rng.gen_range(0.2..1.0);
    let sup_hi = *[1i64, 5, 20, 1_000_000].get(rng.gen_range(0..4)).unwrap();
    for s in supply.iter_mut() {
        if rng.gen_bool(active) {
            *s = rng.gen_range(-sup_hi..=sup_hi);
        }
    }
    let total: i64 = supply.iter().sum();
    let k = rng.gen_range(0..n);
    supply[k] -= total;
    Problem { supply, arcs }
}

/// Solves `p` (with the checked variant when `checked`) and compares with the
/// reference; panics with `label` on any disagreement.
/// Returns the outcome index: 0 solved, 1 unbalanced, 2 infeasible, 3 unbounded.
pub fn compare<C: Cost>(p: &Problem<C>, checked: bool, label: &str) -> usize {
    let net = p.network();
    let got = if checked {
        solve_checked(&net)
    } else {
        solve(&net)
    };
    let want = reference(p);
    match &got {
        Ok(sol) => {
            assert!(want.balanced, "{label}: solved an unbalanced problem");
            assert!(want.feasible, "{label}: solved an infeasible problem");
            assert!(
                !want.neg_inf_cycle,
                "{label}: missed an unbounded cycle: {p:?}"
            );
            if let Err(e) = certify(&net, sol) {
                panic!("{label}: certificate failed: {e}\nproblem: {p:?}\nsolution: {sol:?}");
            }
            assert_eq!(
                Some(sol.total_cost),
                want.optimum,
                "{label}: cost differs from reference; problem: {p:?}"
            );
            // Determinism (and the checked and unchecked paths agree).
            let again = if checked {
                solve(&net)
            } else {
                solve_checked(&net)
            };
            assert_eq!(again.as_ref(), Ok(sol), "{label}: nondeterministic");
            0
        }
        Err(FlowError::Unbalanced { total_supply }) => {
            assert!(!want.balanced, "{label}");
            assert_eq!(*total_supply, p.supply.iter().sum::<i64>(), "{label}");
            1
        }
        Err(FlowError::Infeasible) => {
            assert!(want.balanced, "{label}");
            assert!(!want.feasible, "{label}: wrongly infeasible: {p:?}");
            2
        }
        Err(FlowError::Unbounded) => {
            assert!(want.balanced, "{label}");
            assert!(want.neg_inf_cycle, "{label}: wrongly unbounded: {p:?}");
            3
        }
    }
}

/// The generator must produce a healthy mix of solved, infeasible and
/// unbounded instances (unbalanced never happens: supplies are balanced).
fn assert_mix(seen: [usize; 4]) {
    eprintln!("outcomes (solved, unbalanced, infeasible, unbounded): {seen:?}");
    let total: usize = seen.iter().sum();
    assert!(seen[0] * 3 >= total, "too few solved: {seen:?}");
    assert!(seen[2] * 20 >= total, "too few infeasible: {seen:?}");
    assert!(seen[3] * 40 >= total, "too few unbounded: {seen:?}");
}

fn small_cost(rng: &mut ChaCha8Rng) -> i64 {
    if rng.gen_bool(0.3) {
        rng.gen_range(-3..=10)
    } else {
        rng.gen_range(0..=10)
    }
}

fn lex_cost(rng: &mut ChaCha8Rng) -> Lex3 {
    let neg = rng.gen_bool(0.25);
    let mut c = [0i64; 3];
    for x in c.iter_mut() {
        *x = if rng.gen_bool(0.4) {
            0
        } else if neg {
            rng.gen_range(-3..=3)
        } else {
            rng.gen_range(0..=3)
        };
    }
    Lex3(c)
}

#[test]
fn random_small_i64_against_reference() {
    let shape = Shape {
        max_nodes: 9,
        max_arcs_per_node: 4,
    };
    let mut seen = [0usize; 4];
    for seed in 0..4000u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let p = random_problem(&mut rng, &shape, small_cost);
        seen[compare(&p, seed % 2 == 0, &format!("i64 small seed {seed}"))] += 1;
    }
    assert_mix(seen);
}

#[test]
fn random_small_lex3_against_reference() {
    let shape = Shape {
        max_nodes: 9,
        max_arcs_per_node: 4,
    };
    let mut seen = [0usize; 4];
    for seed in 0..2500u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(1_000_000 + seed);
        let p = random_problem(&mut rng, &shape, lex_cost);
        seen[compare(
            &p,
            seed % 2 == 0,
            &format!("lex3 small seed {}", 1_000_000 + seed),
        )] += 1;
    }
    assert_mix(seen);
}

#[test]
fn random_medium_i64_against_reference() {
    let shape = Shape {
        max_nodes: 40,
        max_arcs_per_node: 6,
    };
    let mut seen = [0usize; 4];
    for seed in 0..300u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(2_000_000 + seed);
        let p = random_problem(&mut rng, &shape, small_cost);
        seen[compare(
            &p,
            seed % 4 == 0,
            &format!("i64 medium seed {}", 2_000_000 + seed),
        )] += 1;
    }
    assert_mix(seen);
}

#[test]
fn random_medium_lex3_against_reference() {
    let shape = Shape {
        max_nodes: 40,
        max_arcs_per_node: 6,
    };
    let mut seen = [0usize; 4];
    for seed in 0..200u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(3_000_000 + seed);
        let p = random_problem(&mut rng, &shape, lex_cost);
        seen[compare(
            &p,
            seed % 4 == 0,
            &format!("lex3 medium seed {}", 3_000_000 + seed),
        )] += 1;
    }
    assert_mix(seen);
}

/// Feasible transportation-like instances (always feasible thanks to an
/// expensive uncapacitated fallback), larger, certificate-checked only.
#[test]
fn random_transportation_certified() {
    for seed in 0..40u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(4_000_000 + seed);
        let sources = rng.gen_range(1..20);
        let sinks = rng.gen_range(1..400);
        let mut supply = vec![0i64; sources + sinks];
        let mut arcs = vec![];
        let mut total = 0;
        for j in 0..sinks {
            let d = rng.gen_range(0..20);
            supply[sources + j] = -d;
            total += d;
            for _ in 0..rng.gen_range(1..6) {
                let i = rng.gen_range(0..sources);
                arcs.push((i, sources + j, rng.gen_range(0..15), rng.gen_range(-5..30)));
            }
            arcs.push((0, sources + j, INF_CAP, 1000));
        }
        for i in 0..sources - 1 {
            arcs.push((i, i + 1, INF_CAP, rng.gen_range(0..3)));
            arcs.push((i + 1, i, rng.gen_range(0..50), rng.gen_range(0..3)));
        }
        supply[0] = total;
        let p = Problem { supply, arcs };
        let net = p.network();
        let label = format!("transportation seed {}", 4_000_000 + seed);
        let sol = solve(&net).unwrap_or_else(|e| panic!("{label}: {e}"));
        certify(&net, &sol).unwrap_or_else(|e| panic!("{label}: {e}"));
        if seed < 10 {
            let checked = solve_checked(&net).unwrap();
            assert_eq!(checked, sol, "{label}");
            let want = reference(&p);
            assert_eq!(want.optimum, Some(sol.total_cost), "{label}");
        }
    }
}

/// Every block size (1 = first improving arc, huge = Dantzig) reaches the
/// same optimum with a valid tree after every pivot.
#[test]
fn block_sizes_agree() {
    use flow::{solve_checked_with, SolveOptions};
    let shape = Shape {
        max_nodes: 25,
        max_arcs_per_node: 5,
    };
    for seed in 0..300u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(5_000_000 + seed);
        let p = random_problem(&mut rng, &shape, small_cost);
        let net = p.network();
        let base = solve(&net);
        for b in [1usize, 2, 3, 10, 1 << 20] {
            let label = format!("block {b} seed {}", 5_000_000 + seed);
            let opts = SolveOptions {
                block_size: Some(b),
            };
            let got = solve_checked_with(&net, &opts);
            match (&base, &got) {
                (Ok(a), Ok(g)) => {
                    assert_eq!(a.total_cost, g.total_cost, "{label}");
                    certify(&net, g).unwrap_or_else(|e| panic!("{label}: {e}"));
                }
                (Err(_), Err(_)) => {}
                _ => panic!("{label}: {base:?} vs {got:?}"),
            }
        }
    }
}
