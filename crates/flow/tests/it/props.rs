//! Property tests.

use crate::reference::{certify, reference, Problem};
use flow::{solve, Lex3, INF_CAP};
use proptest::prelude::*;

fn problem(max_n: usize) -> impl Strategy<Value = Problem<i64>> {
    (1..=max_n).prop_flat_map(|n| {
        let arc = (
            0..n,
            0..n,
            prop_oneof![3 => 0i64..8, 1 => Just(INF_CAP)],
            -4i64..12,
        );
        (
            proptest::collection::vec(-6i64..=6, n),
            proptest::collection::vec(arc, 0..4 * n),
        )
            .prop_map(|(mut supply, arcs)| {
                let t: i64 = supply.iter().sum();
                supply[0] -= t;
                Problem { supply, arcs }
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Any solution certifies itself and matches the reference optimum;
    /// errors agree with the reference.
    #[test]
    fn agrees_with_reference(p in problem(8)) {
        crate::random::compare(&p, true, "proptest");
    }

    /// A Lex3 cost that only uses tier 2 behaves like the plain i64 cost,
    /// and an extra all-zero-tier-0 lift does not change the optimum.
    #[test]
    fn lex3_embeds_i64(p in problem(8), tier in 0usize..3) {
        let lex = Problem {
            supply: p.supply.clone(),
            arcs: p.arcs.iter().map(|&(u, v, c, w)| {
                let mut x = [0; 3];
                x[tier] = w;
                (u, v, c, Lex3(x))
            }).collect(),
        };
        let a = solve(&p.network());
        let b = solve(&lex.network());
        match (a, b) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(b.total_cost.0[tier], a.total_cost);
                certify(&lex.network(), &b).map_err(TestCaseError::fail)?;
            }
            (Err(a), Err(b)) => {
                // Both fail; when the problem is both infeasible and unbounded
                // either error may be chosen independently.
                let r = reference(&p);
                if !r.neg_inf_cycle || r.feasible {
                    prop_assert_eq!(a, b);
                }
            }
            (a, b) => prop_assert!(false, "disagree: {:?} vs {:?}", a, b),
        }
    }

    /// Scaling all costs by k > 0 scales the optimum by k.
    #[test]
    fn cost_scaling(p in problem(8), k in 1i64..5) {
        let scaled = Problem {
            supply: p.supply.clone(),
            arcs: p.arcs.iter().map(|&(u, v, c, w)| (u, v, c, w * k)).collect(),
        };
        if let (Ok(a), Ok(b)) = (solve(&p.network()), solve(&scaled.network())) {
            prop_assert_eq!(a.total_cost * k, b.total_cost);
        }
    }
}
