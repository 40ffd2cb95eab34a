//! Optimality against an independent method: the LP of MODEL.md solved lexicographically.

use crate::common::*;

#[test]
fn tiny_books_match_the_lp_reference_in_all_three_tiers() {
    let n = seeds(400, 5_000);
    let (mut confirmed, mut commitments, mut subs) = (0, 0, 0);
    for_seeds("tiny books vs LP", 0..n, |seed| {
        let case = tiny_case(seed);
        let b = &case.book;
        confirmed += b
            .orders()
            .iter()
            .any(|o| confirmed_part(o).is_some() && o.status.is_open()) as u32;
        commitments += (!b.contracts().is_empty()) as u32;
        subs += b.orders().iter().any(|o| !o.substitutes.is_empty()) as u32;
        let plan = plan(b, case.now)?;
        verify_plan(b, case.now, &plan).map_err(|e| format!("{e}\n{}", case.what))?;
        let lp = crate::lp::reference(b, case.now)?;
        crate::lp::compare(&plan, lp).map_err(|e| format!("{e}\n{}", case.what))
    });
    // The generator must actually exercise the tiers.
    let n = n as u32;
    assert!(
        confirmed > n / 5 && commitments > n / 3 && subs > n / 10,
        "coverage: {confirmed} {commitments} {subs} of {n}"
    );
}
