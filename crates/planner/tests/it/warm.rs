//! Warm re-plans reach the same exact optimum as cold ones, with a valid certificate.

use book::{Event, OrderSpec, Period, SupplyAdjustmentSpec};

fn objectives(p: &planner::Plan) -> (i64, i64, i64) {
    (
        p.objectives.commitment_shortfall_usd,
        p.objectives.promise_lateness_unit_periods,
        p.objectives.value_usd,
    )
}

/// A small change of each kind the planners see: orders added, orders cancelled, a supply cut.
fn change(book: &book::Book, seed: u64, kind: u64) -> Vec<Event> {
    let n = book.orders().len();
    match kind {
        0 => (0..(n / 100).max(1))
            .map(|i| {
                let o = &book.orders()[(i * 37 + seed as usize) % n];
                Event::OrderPlaced(OrderSpec {
                    key: format!("new-{seed}-{i}"),
                    customer: book.customer_at(o.customer).key.clone(),
                    sku: book.sku(o.sku).key.clone(),
                    quantity: o.quantity,
                    earliest: o.earliest,
                    latest: o.latest,
                    price_usd_per_unit: o.price_usd_per_unit + 1_000,
                    lateness_penalty_usd_per_unit_period: 0,
                    substitutes: vec![],
                })
            })
            .collect(),
        1 => (0..(n / 100).max(1))
            .map(|i| &book.orders()[(i * 53 + seed as usize) % n])
            .filter(|o| o.status.is_open())
            .map(|o| o.key.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|order| Event::OrderCancelled {
                order,
                reason: "test".into(),
            })
            .collect(),
        _ => {
            let g = book.generations().last().expect("a generation");
            let t = book.horizon().periods() / 2;
            let have = book.supply_units(book.generation_idx(&g.key).expect("gen"), Period(t));
            if have == 0 {
                return vec![];
            }
            vec![Event::SupplyAdjusted(SupplyAdjustmentSpec {
                generation: g.key.clone(),
                period: Period(t),
                delta_units: -((have / 2).max(1) as i64),
                note: "test cut".into(),
            })]
        }
    }
}

#[test]
fn warm_and_cold_plans_agree_and_both_certify() {
    for seed in 0..60u64 {
        let mut p = bookgen::Params::new(40 + (seed as usize % 7) * 30, seed);
        p.periods = 6 + (seed % 10) as u32;
        let mut book = bookgen::generate(&p).into_book().expect("valid book");
        let cold0 = planner::plan(&book, Period(0)).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let events = change(&book, seed, seed % 3);
        if let Err((i, e)) = book.apply_all(events) {
            panic!("seed {seed}: change {i} refused: {e}");
        }
        let cold = planner::plan(&book, Period(0)).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let warm = planner::plan_warm(&book, Period(0), &cold0)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(
            objectives(&warm),
            objectives(&cold),
            "seed {seed}: warm and cold objectives differ"
        );
        certify::check(&warm.certificate.network, &warm.certificate.solution)
            .unwrap_or_else(|e| panic!("seed {seed}: warm certificate: {e}"));
        // A warm start from the very same book's plan needs no further work and is identical in value.
        let again = planner::plan_warm(&book, Period(0), &cold).expect("warm from own plan");
        assert_eq!(objectives(&again), objectives(&cold), "seed {seed}");
    }
}
