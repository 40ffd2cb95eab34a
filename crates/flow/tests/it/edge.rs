//! Hand-written edge cases.

use crate::reference::{certify, reference, Problem};
use flow::{solve, solve_checked, ArcId, FlowError, Lex3, Network, NodeId, INF_CAP};

fn ok<C: flow::Cost>(p: &Problem<C>) -> flow::Solution<C> {
    let net = p.network();
    let sol = solve_checked(&net).expect("expected a solution");
    certify(&net, &sol).unwrap();
    assert_eq!(reference(p).optimum, Some(sol.total_cost));
    assert_eq!(solve(&net).unwrap(), sol);
    sol
}

#[test]
fn empty_network() {
    let net: Network<i64> = Network::new();
    let sol = solve(&net).unwrap();
    assert!(sol.flow.is_empty() && sol.potential.is_empty());
    assert_eq!(sol.total_cost, 0);
    assert_eq!(sol.pivots, 0);
    let net: Network<Lex3> = Network::default();
    assert_eq!(solve(&net).unwrap().total_cost, Lex3::default());
}

#[test]
fn nodes_without_arcs() {
    let p: Problem<i64> = Problem {
        supply: vec![0, 0, 0],
        arcs: vec![],
    };
    let sol = ok(&p);
    assert_eq!(sol.potential.len(), 3);
    let p: Problem<i64> = Problem {
        supply: vec![1, -1],
        arcs: vec![],
    };
    assert_eq!(solve(&p.network()), Err(FlowError::Infeasible));
}

#[test]
fn zero_supplies() {
    let p = Problem {
        supply: vec![0; 4],
        arcs: vec![
            (0, 1, 5, 3i64),
            (1, 2, INF_CAP, 0),
            (2, 3, 2, 7),
            (3, 0, 9, 1),
        ],
    };
    let sol = ok(&p);
    assert!(sol.flow.iter().all(|&f| f == 0));
    // A negative finite cycle is saturated even with no supply.
    let p = Problem {
        supply: vec![0; 3],
        arcs: vec![(0, 1, 5, -3i64), (1, 2, INF_CAP, 0), (2, 0, 4, 1)],
    };
    let sol = ok(&p);
    assert_eq!(sol.flow, vec![4, 4, 4]);
    assert_eq!(sol.total_cost, -8);
}

#[test]
fn unbalanced() {
    let mut net: Network<i64> = Network::new();
    let a = net.add_node(3);
    let b = net.add_node(-1);
    net.add_arc(a, b, 10, 1);
    assert_eq!(solve(&net), Err(FlowError::Unbalanced { total_supply: 2 }));
    net.set_supply(b, -3);
    assert_eq!(net.node_supply(b), -3);
    assert_eq!(solve(&net).unwrap().total_cost, 3);
    // Sum overflowing i64 is still reported (clamped).
    let mut net: Network<i64> = Network::new();
    for _ in 0..8 {
        net.add_node(INF_CAP);
    }
    assert_eq!(
        solve(&net),
        Err(FlowError::Unbalanced {
            total_supply: i64::MAX
        })
    );
}

#[test]
fn parallel_arcs() {
    let p = Problem {
        supply: vec![7, -7],
        arcs: vec![
            (0, 1, 3, 5i64),
            (0, 1, 3, 1),
            (0, 1, 3, 2),
            (0, 1, INF_CAP, 9),
        ],
    };
    let sol = ok(&p);
    assert_eq!(sol.flow, vec![1, 3, 3, 0]);
    assert_eq!(sol.total_cost, 5 + 3 + 6);
}

#[test]
fn self_loops() {
    // Positive self-loop: unused. Negative finite: saturated.
    let p = Problem {
        supply: vec![2, -2],
        arcs: vec![(0, 0, 5, 1i64), (1, 1, 4, -2), (0, 1, 2, 1)],
    };
    let sol = ok(&p);
    assert_eq!(sol.flow, vec![0, 4, 2]);
    assert_eq!(sol.total_cost, -8 + 2);
    // Negative uncapacitated self-loop: unbounded.
    let p = Problem {
        supply: vec![0],
        arcs: vec![(0, 0, INF_CAP, -1i64)],
    };
    assert_eq!(solve(&p.network()), Err(FlowError::Unbounded));
    // Zero-cost uncapacitated self-loop is fine.
    let p = Problem {
        supply: vec![0],
        arcs: vec![(0, 0, INF_CAP, 0i64)],
    };
    ok(&p);
}

#[test]
fn inf_cap_arcs() {
    let big = INF_CAP / 2;
    let p = Problem {
        supply: vec![big, 0, -big],
        arcs: vec![
            (0, 1, INF_CAP, 2i64),
            (1, 2, INF_CAP, 3),
            (0, 2, INF_CAP, 6),
        ],
    };
    let sol = ok(&p);
    assert_eq!(sol.flow, vec![big, big, 0]);
    // Negative uncapacitated cycle next to a feasible routing.
    let p = Problem {
        supply: vec![1, -1, 0],
        arcs: vec![(0, 1, 1, 1i64), (1, 2, INF_CAP, -2), (2, 1, INF_CAP, 1)],
    };
    assert_eq!(solve(&p.network()), Err(FlowError::Unbounded));
    // The same cycle with one finite arc is merely saturated.
    let p = Problem {
        supply: vec![1, -1, 0],
        arcs: vec![(0, 1, 1, 1i64), (1, 2, INF_CAP, -2), (2, 1, 100, 1)],
    };
    let sol = ok(&p);
    assert_eq!(sol.flow, vec![1, 100, 100]);
}

#[test]
fn infeasible_by_capacity() {
    let p = Problem {
        supply: vec![5, 0, -5],
        arcs: vec![(0, 1, 10, 1i64), (1, 2, 4, 1)],
    };
    assert_eq!(solve(&p.network()), Err(FlowError::Infeasible));
    // Wrong direction.
    let p = Problem {
        supply: vec![5, -5],
        arcs: vec![(1, 0, INF_CAP, 1i64)],
    };
    assert_eq!(solve(&p.network()), Err(FlowError::Infeasible));
}

#[test]
fn zero_capacity_arcs() {
    let p = Problem {
        supply: vec![2, -2],
        arcs: vec![(0, 1, 0, -100i64), (0, 1, 2, 5), (1, 0, 0, -100)],
    };
    let sol = ok(&p);
    assert_eq!(sol.flow, vec![0, 2, 0]);
}

#[test]
fn degenerate_all_ties() {
    // Complete bipartite graph with all costs equal: massive degeneracy.
    let k = 12;
    let mut supply = vec![3i64; k];
    supply.extend(std::iter::repeat_n(-3i64, k));
    let mut arcs = vec![];
    for i in 0..k {
        for j in 0..k {
            arcs.push((i, k + j, 3, 0i64));
            arcs.push((k + j, i, 3, 0i64));
        }
    }
    let sol = ok(&Problem { supply, arcs });
    assert_eq!(sol.total_cost, 0);
}

#[test]
fn degenerate_zero_supply_chain() {
    // Long chain with zero-supply middle nodes and unit capacities.
    let n = 50;
    let mut supply = vec![0i64; n];
    supply[0] = 1;
    supply[n - 1] = -1;
    let mut arcs = vec![];
    for i in 0..n - 1 {
        arcs.push((i, i + 1, 1, 0i64));
        arcs.push((i + 1, i, 1, 0i64));
    }
    let sol = ok(&Problem { supply, arcs });
    assert_eq!(sol.total_cost, 0);
}

#[test]
fn lex3_tiers_dominate() {
    // Tier 1 beats any amount of tier 2, tier 2 beats tier 3.
    let p = Problem {
        supply: vec![4, -4],
        arcs: vec![
            (0, 1, 4, Lex3([1, 0, 0])),
            (0, 1, 4, Lex3([0, 1000, 0])),
            (0, 1, 2, Lex3([0, 999, 1_000_000])),
            (0, 1, 1, Lex3([0, -5, 0])),
        ],
    };
    let sol = ok(&p);
    assert_eq!(sol.flow, vec![0, 1, 2, 1]);
    assert_eq!(sol.total_cost, Lex3([0, 1000 + 2 * 999 - 5, 2_000_000]));
}

#[test]
fn lex3_unbounded_and_infeasible() {
    let p = Problem {
        supply: vec![0, 0],
        arcs: vec![
            (0, 1, INF_CAP, Lex3([0, 0, -1])),
            (1, 0, INF_CAP, Lex3([0, 0, 0])),
        ],
    };
    assert_eq!(solve(&p.network()), Err(FlowError::Unbounded));
    let p = Problem {
        supply: vec![0, 0],
        arcs: vec![
            (0, 1, INF_CAP, Lex3([-1, 5, 5])),
            (1, 0, INF_CAP, Lex3([1, -6, 0])),
        ],
    };
    assert_eq!(solve(&p.network()), Err(FlowError::Unbounded));
    let p = Problem {
        supply: vec![3, -3],
        arcs: vec![(0, 1, 2, Lex3([0, 0, 1]))],
    };
    assert_eq!(solve(&p.network()), Err(FlowError::Infeasible));
}

#[test]
fn potentials_cross_artificial_components() {
    // Two islands with no supply connection except a positive-cost arc that
    // must stay empty, and a negative-cost arc that must be saturated: the
    // potentials must certify both.
    let p = Problem {
        supply: vec![2, -2, 3, -3],
        arcs: vec![(0, 1, 5, 1i64), (2, 3, 5, 1), (1, 2, 4, 10), (3, 0, 4, -7)],
    };
    let sol = ok(&p);
    // The cycle 0-1-2-3-0 costs 1 + 10 + 1 - 7 = 5 > 0: the bridge stays empty.
    assert_eq!(sol.flow, vec![2, 3, 0, 0]);
    // With a cheaper bridge the cycle costs -3 and is pushed to its bottleneck.
    let p = Problem {
        supply: vec![2, -2, 3, -3],
        arcs: vec![(0, 1, 10, 1i64), (2, 3, 10, 1), (1, 2, 4, 2), (3, 0, 4, -7)],
    };
    let sol = ok(&p);
    assert_eq!(sol.flow, vec![6, 7, 4, 4]);
}

#[test]
fn accessors() {
    let mut net: Network<i64> = Network::with_capacity(2, 1);
    let a = net.add_node(1);
    let b = net.add_node(-1);
    let e = net.add_arc(a, b, 7, -2);
    assert_eq!((net.node_count(), net.arc_count()), (2, 1));
    assert_eq!(net.arc_from(e), NodeId(0));
    assert_eq!(net.arc_to(e), NodeId(1));
    assert_eq!(net.arc_capacity(e), 7);
    assert_eq!(net.arc_cost(e), -2);
    assert_eq!(e, ArcId(0));
    assert_eq!(net.node_supply(a), 1);
}

#[test]
#[should_panic(expected = "capacity")]
fn negative_capacity_panics() {
    let mut net: Network<i64> = Network::new();
    let a = net.add_node(0);
    net.add_arc(a, a, -1, 0);
}

#[test]
fn error_display() {
    assert!(FlowError::Infeasible.to_string().contains("routed"));
    let e: Box<dyn std::error::Error> = Box::new(FlowError::Unbounded);
    assert!(e.to_string().contains("unbounded"));
}
