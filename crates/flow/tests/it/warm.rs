//! Warm starts: any hint (good, perturbed or garbage) gives the cold optimum
//! with a valid certificate.

use crate::random::{random_problem, Shape};
use crate::reference::{certify, Problem};
use flow::{solve, solve_warm, solve_warm_checked, ArcId, Cost, Lex3, WarmStart, INF_CAP};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn garbage_flow(rng: &mut ChaCha8Rng) -> Option<i64> {
    match rng.gen_range(0..6) {
        0 => None,
        1 => Some(rng.gen_range(-5..5)),
        2 => Some(rng.gen_range(0..1000)),
        3 => Some(INF_CAP),
        4 => Some(i64::MAX),
        _ => Some(i64::MIN),
    }
}

fn check_warm<C: Cost>(p: &Problem<C>, hint: &WarmStart<C>, checked: bool, label: &str) {
    let net = p.network();
    let cold = solve(&net);
    let warm = if checked {
        solve_warm_checked(&net, hint)
    } else {
        solve_warm(&net, hint)
    };
    match (&cold, &warm) {
        (Ok(c), Ok(w)) => {
            assert_eq!(c.total_cost, w.total_cost, "{label}");
            certify(&net, w).unwrap_or_else(|e| panic!("{label}: {e}"));
        }
        (Err(a), Err(b)) => {
            // Infeasible and unbounded may both hold; then either is fine.
            if a != b {
                let both = [*a, *b]
                    .iter()
                    .all(|e| matches!(e, flow::FlowError::Infeasible | flow::FlowError::Unbounded));
                assert!(both, "{label}: {a:?} vs {b:?}");
            }
        }
        _ => panic!("{label}: cold {cold:?} vs warm {warm:?}"),
    }
}

fn hints<C: Cost>(
    rng: &mut ChaCha8Rng,
    p: &Problem<C>,
    mut pot: impl FnMut(&mut ChaCha8Rng) -> C,
) -> Vec<WarmStart<C>> {
    let net = p.network();
    let mut out = vec![];
    let m = p.arcs.len();
    let n = p.supply.len();
    // Garbage.
    out.push(WarmStart {
        flow: (0..m).map(|_| garbage_flow(rng)).collect(),
        potential: (0..n)
            .map(|_| rng.gen_bool(0.7).then(|| pot(rng)))
            .collect(),
        tree: (0..n)
            .map(|_| {
                rng.gen_bool(0.8)
                    .then(|| ArcId(rng.gen_range(0..m as u32 + 3)))
            })
            .collect(),
    });
    // Wrong lengths.
    out.push(WarmStart {
        flow: (0..m / 2).map(|_| Some(rng.gen_range(0..4))).collect(),
        potential: vec![],
        tree: vec![],
    });
    out.push(WarmStart {
        flow: (0..m + 3).map(|_| Some(1)).collect(),
        potential: (0..n + 2).map(|_| Some(pot(rng))).collect(),
        tree: (0..n / 2)
            .map(|_| Some(ArcId(rng.gen_range(0..m.max(1) as u32))))
            .collect(),
    });
    if let Ok(sol) = solve(&net) {
        // The optimum itself, and perturbed versions of it.
        out.push(WarmStart::from_solution(&sol));
        let mut w = WarmStart::from_solution(&sol);
        for f in w.flow.iter_mut() {
            if rng.gen_bool(0.3) {
                *f = f.map(|v| v + rng.gen_range(-2..=2));
            }
        }
        for x in w.potential.iter_mut() {
            if rng.gen_bool(0.2) {
                *x = None;
            }
        }
        out.push(w);
        let mut w = WarmStart::from_solution(&sol);
        w.potential.clear();
        out.push(w);
        // The optimal basis with a few tree arcs lost or swapped for others.
        let mut w = WarmStart::from_solution(&sol);
        for t in w.tree.iter_mut() {
            match rng.gen_range(0..8) {
                0 => *t = None,
                1 if m > 0 => *t = Some(ArcId(rng.gen_range(0..m as u32))),
                _ => {}
            }
        }
        out.push(w);
        // The optimal basis without its flows.
        let mut w = WarmStart::from_solution(&sol);
        w.flow.clear();
        out.push(w);
    }
    out
}

#[test]
fn warm_random_hints_i64() {
    let shape = Shape {
        max_nodes: 12,
        max_arcs_per_node: 4,
    };
    for seed in 0..600u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(7_000_000 + seed);
        let p = random_problem(&mut rng, &shape, |r| r.gen_range(-3..=10));
        for (k, h) in hints(&mut rng, &p, |r| r.gen_range(-20..20))
            .iter()
            .enumerate()
        {
            check_warm(&p, h, seed % 2 == 0, &format!("i64 seed {seed} hint {k}"));
        }
    }
}

#[test]
fn warm_random_hints_lex3() {
    let shape = Shape {
        max_nodes: 20,
        max_arcs_per_node: 5,
    };
    let lex = |r: &mut ChaCha8Rng| {
        Lex3([
            r.gen_range(-1..=1),
            r.gen_range(-3..=3),
            r.gen_range(-5..=9),
        ])
    };
    for seed in 0..300u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(8_000_000 + seed);
        let p = random_problem(&mut rng, &shape, lex);
        for (k, h) in hints(&mut rng, &p, lex).iter().enumerate() {
            check_warm(&p, h, seed % 3 == 0, &format!("lex3 seed {seed} hint {k}"));
        }
    }
}

/// A transportation-shaped network (hubs chained by carry arcs, many leaf
/// lines with an arc to a sink) changed a little: lines removed and added,
/// one hub's supply cut. The previous optimum, mapped by line, is the hint.
#[test]
fn warm_after_small_changes() {
    for seed in 0..20u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(9_000_000 + seed);
        let hubs = rng.gen_range(2..12);
        let lines: Vec<(i64, Vec<(usize, Lex3)>)> = (0..rng.gen_range(5..200))
            .map(|_| {
                let units = rng.gen_range(1..10);
                let arcs = (0..rng.gen_range(1..5))
                    .map(|_| {
                        let c = Lex3([0, -rng.gen_range(0..2), -rng.gen_range(10..100)]);
                        (rng.gen_range(0..hubs), c)
                    })
                    .collect();
                (units, arcs)
            })
            .collect();
        let supplies: Vec<i64> = (0..hubs).map(|_| rng.gen_range(0..60)).collect();
        let build = |sup: &[i64], ls: &[(i64, Vec<(usize, Lex3)>)]| {
            let sink = hubs;
            let mut supply = sup.to_vec();
            supply.push(-sup.iter().sum::<i64>());
            let mut arcs = vec![];
            for h in 0..hubs {
                let next = if h + 1 < hubs { h + 1 } else { sink };
                arcs.push((h, next, INF_CAP, Lex3([0, 0, 1])));
            }
            for (units, la) in ls {
                let node = supply.len();
                supply.push(0);
                for &(h, c) in la {
                    arcs.push((h, node, *units, c));
                }
                arcs.push((node, sink, *units, Lex3::default()));
            }
            Problem { supply, arcs }
        };
        let p0 = build(&supplies, &lines);
        let sol0 = solve(&p0.network()).unwrap();
        // Its own optimal basis needs no pivot.
        let again = solve_warm_checked(&p0.network(), &WarmStart::from_solution(&sol0)).unwrap();
        assert_eq!(again.total_cost, sol0.total_cost, "seed {seed}");
        assert_eq!(again.pivots, 0, "seed {seed}: warm from the optimal basis");
        // Map: hubs and sink keep their ids; line k keeps its arcs if kept.
        let mut offs = vec![];
        let mut a = hubs;
        for (_, la) in &lines {
            offs.push(a);
            a += la.len() + 1;
        }
        let keep: Vec<bool> = (0..lines.len()).map(|_| rng.gen_bool(0.9)).collect();
        let mut new_lines = vec![];
        let mut flow_hint = sol0.flow[..hubs]
            .iter()
            .map(|&f| Some(f))
            .collect::<Vec<_>>();
        let mut pot_hint = sol0.potential[..=hubs]
            .iter()
            .map(|&x| Some(x))
            .collect::<Vec<_>>();
        for (k, l) in lines.iter().enumerate() {
            if keep[k] {
                new_lines.push(l.clone());
                flow_hint.extend((0..=l.1.len()).map(|i| Some(sol0.flow[offs[k] + i])));
                pot_hint.push(Some(sol0.potential[hubs + 1 + k]));
            }
        }
        for _ in 0..rng.gen_range(0..10) {
            let l = (
                rng.gen_range(1..10),
                vec![(rng.gen_range(0..hubs), Lex3([0, 0, -50]))],
            );
            flow_hint.extend([None, None]);
            pot_hint.push(None);
            new_lines.push(l);
        }
        let mut sup = supplies.clone();
        sup[rng.gen_range(0..hubs)] /= 2;
        let p1 = build(&sup, &new_lines);
        let mut hint = WarmStart {
            flow: flow_hint,
            potential: pot_hint,
            tree: vec![],
        };
        check_warm(&p1, &hint, true, &format!("changed seed {seed}"));
        // The previous basis, mapped arc by arc (new lines: none).
        let mut arc_map = vec![None; p0.arcs.len()];
        let mut next = hubs;
        for (h, m) in arc_map.iter_mut().enumerate().take(hubs) {
            *m = Some(ArcId(h as u32));
        }
        for (k, l) in lines.iter().enumerate() {
            if keep[k] {
                for i in 0..=l.1.len() {
                    arc_map[offs[k] + i] = Some(ArcId((next + i) as u32));
                }
                next += l.1.len() + 1;
            }
        }
        let map = |a: Option<ArcId>| a.and_then(|a| arc_map[a.0 as usize]);
        hint.tree = (0..=hubs).map(|u| map(sol0.tree[u])).collect();
        for (k, _) in lines.iter().enumerate() {
            if keep[k] {
                hint.tree.push(map(sol0.tree[hubs + 1 + k]));
            }
        }
        check_warm(&p1, &hint, true, &format!("changed seed {seed}, basis"));
        check_warm(
            &p0,
            &WarmStart::from_solution(&sol0),
            true,
            &format!("same seed {seed}"),
        );
    }
}
