//! Small hand-made networks: one correct certificate and one test per violation kind.

use certify::{
    check, objective, try_objective, Arc, Certificate, CheckError, Network, Shape, Violation,
    MAX_REPORTED,
};

fn arc(from: u32, to: u32, capacity: i64, cost: [i64; 3]) -> Arc {
    Arc {
        from,
        to,
        capacity,
        cost,
    }
}

/// Three units from node 0 to node 3. Routes: via node 2 costs [0,0,5] (cap 3),
/// via node 1 costs [0,1,0] (cap 2), direct costs [1,-10,-10] (cap 3).
/// Lexicographically via 2 < via 1 < direct, so all three units go via node 2.
fn diamond() -> (Network, Certificate) {
    let net = Network::from_arcs(
        vec![3, 0, 0, -3],
        vec![
            arc(0, 1, 2, [0, 1, 0]),     // a0
            arc(0, 2, 3, [0, 0, 5]),     // a1
            arc(1, 3, 2, [0, 0, 0]),     // a2
            arc(2, 3, 3, [0, 0, 0]),     // a3
            arc(0, 3, 3, [1, -10, -10]), // a4: sum of components negative, lex positive
        ],
    );
    let cert = Certificate {
        flow: vec![0, 3, 0, 3, 0],
        potential: vec![[0, 0, 0], [0, 0, 5], [0, 0, 5], [0, 0, 5]],
    };
    (net, cert)
}

fn violations(net: &Network, cert: &Certificate) -> CheckError {
    match check(net, cert) {
        Ok(r) => panic!("expected rejection, got {r:?}"),
        Err(e) => {
            // Display must not panic and must mention the count.
            let s = e.to_string();
            assert!(s.contains(&format!("{} violation", e.total)), "{s}");
            e
        }
    }
}

#[test]
fn correct_certificate_passes() {
    let (net, cert) = diamond();
    let r = check(&net, &cert).unwrap();
    assert_eq!(r.objective, [0, 0, 15]);
    assert_eq!(r.arcs_checked, 5);
    assert_eq!(r.nodes_checked, 4);
    assert_eq!(objective(&net, &cert.flow), r.objective);
}

#[test]
fn potential_shift_is_irrelevant() {
    let (net, mut cert) = diamond();
    for p in &mut cert.potential {
        *p = [p[0] - 7, p[1] + 1_000_000, p[2] + 3];
    }
    check(&net, &cert).unwrap();
}

#[test]
fn flow_above_capacity() {
    let (net, mut cert) = diamond();
    cert.flow[1] = 4;
    let e = violations(&net, &cert);
    assert_eq!(
        e.violations,
        vec![
            Violation::FlowOutOfBounds {
                arc: 1,
                flow: 4,
                capacity: 3
            },
            Violation::Conservation {
                node: 0,
                supply: 3,
                inflow: 0,
                outflow: 4
            },
            Violation::Conservation {
                node: 2,
                supply: 0,
                inflow: 4,
                outflow: 3
            },
        ]
    );
    assert_eq!(e.total, 3);
}

#[test]
fn negative_flow() {
    let (net, mut cert) = diamond();
    cert.flow[0] = -1;
    let e = violations(&net, &cert);
    assert!(e.violations.contains(&Violation::FlowOutOfBounds {
        arc: 0,
        flow: -1,
        capacity: 2
    }));
    assert!(e.violations.iter().all(|v| matches!(
        v,
        Violation::FlowOutOfBounds { .. } | Violation::Conservation { .. }
    )));
}

#[test]
fn one_unit_less_breaks_conservation() {
    let (net, mut cert) = diamond();
    cert.flow[3] = 2;
    let e = violations(&net, &cert);
    assert_eq!(
        e.violations,
        vec![
            Violation::Conservation {
                node: 2,
                supply: 0,
                inflow: 3,
                outflow: 2
            },
            Violation::Conservation {
                node: 3,
                supply: -3,
                inflow: 2,
                outflow: 0
            },
        ]
    );
}

#[test]
fn wrong_supply_breaks_conservation() {
    let (mut net, cert) = diamond();
    net.node_supply[1] = 1;
    let e = violations(&net, &cert);
    assert_eq!(
        e.violations,
        vec![Violation::Conservation {
            node: 1,
            supply: 1,
            inflow: 0,
            outflow: 0
        }]
    );
}

#[test]
fn positive_reduced_cost_with_flow() {
    let (net, mut cert) = diamond();
    cert.potential[2] = [0, 0, 4]; // r(a1) = [0,0,1] > 0 but a1 carries 3
    let e = violations(&net, &cert);
    assert_eq!(
        e.violations,
        vec![Violation::ReducedCostPositiveWithFlow {
            arc: 1,
            reduced: [0, 0, 1],
            flow: 3
        }]
    );
    assert_eq!(e.total, 1);
}

#[test]
fn negative_reduced_cost_below_capacity() {
    let (net, mut cert) = diamond();
    cert.potential[1] = [0, 2, 0]; // r(a0) = [0,-1,0] < 0 but a0 is empty
    let e = violations(&net, &cert);
    assert_eq!(
        e.violations,
        vec![Violation::ReducedCostNegativeBelowCapacity {
            arc: 0,
            reduced: [0, -1, 0],
            flow: 0,
            capacity: 2
        }]
    );
}

#[test]
fn feasible_but_suboptimal_flow_is_rejected() {
    let (net, mut cert) = diamond();
    // Reroute one unit via node 1: feasible, but [0,1,-5] worse lexicographically.
    cert.flow = vec![1, 2, 1, 2, 0];
    let e = violations(&net, &cert);
    assert_eq!(
        e.violations,
        vec![Violation::ReducedCostPositiveWithFlow {
            arc: 0,
            reduced: [0, 1, -5],
            flow: 1
        }]
    );
}

#[test]
fn comparison_is_lexicographic_not_a_sum() {
    let (net, mut cert) = diamond();
    // Send everything direct: per unit [1,-10,-10], whose component sum is negative.
    cert.flow = vec![0, 0, 0, 0, 3];
    let e = violations(&net, &cert);
    assert!(e
        .violations
        .contains(&Violation::ReducedCostPositiveWithFlow {
            arc: 4,
            reduced: [1, -10, -15],
            flow: 3
        }));
    // And a later tier cannot outvote an earlier one the other way round.
    let (net, mut cert) = diamond();
    cert.potential[1] = [0, 1, 1000]; // r(a0) = [0,0,-1000]: negative, a0 empty
    let e = violations(&net, &cert);
    assert!(matches!(
        e.violations[..],
        [
            Violation::ReducedCostNegativeBelowCapacity { arc: 0, .. },
            ..
        ]
    ));
}

#[test]
fn zero_capacity_arc_accepts_any_reduced_cost() {
    let net = Network::from_arcs(
        vec![0, 0],
        vec![arc(0, 1, 0, [-5, 0, 0]), arc(1, 0, 0, [5, 0, 0])],
    );
    let cert = Certificate {
        flow: vec![0, 0],
        potential: vec![[0; 3]; 2],
    };
    check(&net, &cert).unwrap();
}

#[test]
fn negative_self_loop_must_be_saturated() {
    let mut net = Network::from_arcs(vec![0], vec![arc(0, 0, 4, [0, -1, 0])]);
    let ok = Certificate {
        flow: vec![4],
        potential: vec![[9, 9, 9]],
    };
    assert_eq!(check(&net, &ok).unwrap().objective, [0, -4, 0]);
    let bad = Certificate {
        flow: vec![3],
        potential: vec![[9, 9, 9]],
    };
    let e = violations(&net, &bad);
    assert_eq!(
        e.violations,
        vec![Violation::ReducedCostNegativeBelowCapacity {
            arc: 0,
            reduced: [0, -1, 0],
            flow: 3,
            capacity: 4
        }]
    );
    // A positive self loop must be empty.
    net.cost[0] = [0, 0, 1];
    let e = violations(&net, &ok);
    assert_eq!(e.total, 1);
}

#[test]
fn single_tier_usage_in_last_component() {
    // Classical single-objective: costs in cost[2], zeros elsewhere.
    let net = Network::from_arcs(
        vec![2, -2],
        vec![arc(0, 1, 1, [0, 0, 1]), arc(0, 1, 5, [0, 0, 3])],
    );
    let cert = Certificate {
        flow: vec![1, 1],
        potential: vec![[0, 0, 0], [0, 0, 3]],
    };
    assert_eq!(check(&net, &cert).unwrap().objective, [0, 0, 4]);
    let worse = Certificate {
        flow: vec![0, 2],
        ..cert
    };
    assert!(matches!(
        violations(&net, &worse).violations[..],
        [Violation::ReducedCostNegativeBelowCapacity { arc: 0, .. }]
    ));
}

#[test]
fn arc_arrays_of_different_lengths_are_refused() {
    let (mut net, cert) = diamond();
    net.to.pop();
    net.cost.push([0; 3]);
    let e = violations(&net, &cert);
    assert_eq!(
        e.violations,
        vec![
            Violation::ShapeMismatch {
                what: Shape::Arcs,
                expected: 5,
                found: 4
            },
            Violation::ShapeMismatch {
                what: Shape::Arcs,
                expected: 5,
                found: 6
            },
        ]
    );
    assert!(e.to_string().contains("arc arrays"), "{e}");
    // The arcs as far as all arrays reach.
    assert_eq!(net.arcs().count(), 4);
}

#[test]
fn shape_mismatches_are_reported_alone() {
    let (net, mut cert) = diamond();
    cert.flow.pop();
    cert.potential.push([0; 3]);
    let e = violations(&net, &cert);
    assert_eq!(
        e.violations,
        vec![
            Violation::ShapeMismatch {
                what: Shape::Flow,
                expected: 5,
                found: 4
            },
            Violation::ShapeMismatch {
                what: Shape::Potential,
                expected: 4,
                found: 5
            },
        ]
    );
}

#[test]
fn arc_endpoint_out_of_range() {
    let (mut net, cert) = diamond();
    net.to[2] = 4;
    let e = violations(&net, &cert);
    assert_eq!(
        e.violations,
        vec![Violation::ArcEndpointOutOfRange {
            arc: 2,
            from: 1,
            to: 4,
            nodes: 4
        }]
    );
}

fn overflow_net() -> (Network, Certificate) {
    // Three saturated self loops with cost i64::MIN: each term is about -2^126,
    // three of them do not fit in i128. Everything else is valid.
    let net = Network::from_arcs(vec![0], vec![arc(0, 0, i64::MAX, [i64::MIN, 0, 0]); 3]);
    let cert = Certificate {
        flow: vec![i64::MAX; 3],
        potential: vec![[0; 3]],
    };
    (net, cert)
}

#[test]
fn objective_overflow_is_a_violation() {
    let (net, cert) = overflow_net();
    let e = violations(&net, &cert);
    assert_eq!(
        e.violations,
        vec![Violation::Overflow {
            tier: 0,
            arc: 2,
            flow: i64::MAX,
            cost: i64::MIN
        }]
    );
    assert!(try_objective(&net, &cert.flow).is_err());
    // Two such terms still fit.
    let mut net2 = net.clone();
    net2.truncate_arcs(2);
    let cert2 = Certificate {
        flow: vec![i64::MAX; 2],
        potential: vec![[0; 3]],
    };
    let r = check(&net2, &cert2).unwrap();
    assert_eq!(
        r.objective[0],
        2 * i128::from(i64::MAX) * i128::from(i64::MIN)
    );
}

#[test]
#[should_panic(expected = "overflows")]
fn objective_panics_on_overflow() {
    let (net, cert) = overflow_net();
    objective(&net, &cert.flow);
}

#[test]
fn extreme_values_do_not_panic() {
    // Conservation sums and reduced costs near the i64 limits are exact.
    let net = Network::from_arcs(
        vec![i64::MAX, i64::MIN + 1],
        vec![arc(0, 1, i64::MAX, [i64::MAX, i64::MIN, 0])],
    );
    let cert = Certificate {
        flow: vec![i64::MAX],
        potential: vec![[i64::MIN, i64::MAX, 0], [i64::MAX, i64::MIN, 0]],
    };
    // r = [MAX + MIN - MAX, MIN + MAX - MIN, 0] = [MIN, MAX, 0] < 0; saturated: fine.
    let r = check(&net, &cert).unwrap();
    assert_eq!(r.objective[0], i128::from(i64::MAX) * i128::from(i64::MAX));
}

#[test]
fn many_violations_are_truncated_but_counted() {
    let n = 30;
    let net = Network::from_arcs(vec![0; 2], vec![arc(0, 1, 1, [0; 3]); n]);
    let cert = Certificate {
        flow: vec![-1; n],
        potential: vec![[0; 3]; 2],
    };
    let e = violations(&net, &cert);
    assert_eq!(e.violations.len(), MAX_REPORTED);
    assert_eq!(e.total, n + 2); // 30 bounds + 2 conservation
    assert!(e.to_string().contains("and 12 more"));
}

#[test]
fn error_is_std_error_with_useful_message() {
    let (net, mut cert) = diamond();
    cert.potential[2] = [0, 0, 4];
    let err: Box<dyn std::error::Error> = Box::new(check(&net, &cert).unwrap_err());
    let s = err.to_string();
    assert!(s.contains("arc 1"), "{s}");
    assert!(s.contains("[0, 0, 1]"), "{s}");
    assert!(s.contains("flow is 3"), "{s}");
}
