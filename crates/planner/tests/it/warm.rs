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

/// Several changes at once (orders added and cancelled, supply cut or raised, promises recorded
/// and confirmed, which splits lines), re-planned warm again and again, each time from the
/// previous warm plan (so from the basis a warm solve left): always the cold optimum, certified.
#[test]
fn chained_warm_replans_with_mixed_changes() {
    for seed in 0..24u64 {
        let mut p = bookgen::Params::new(60 + (seed as usize % 5) * 40, 500 + seed);
        p.periods = 6 + (seed % 8) as u32;
        let mut book = bookgen::generate(&p).into_book().expect("valid book");
        let now = Period(0);
        let mut prev = planner::plan(&book, now).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        for step in 0..4u64 {
            let s = seed * 10 + step;
            let mut events = change(&book, s, 0);
            events.extend(change(&book, s, 1));
            match step {
                1 => {
                    // Record the plan's promises, then confirm some of them.
                    events.push(Event::PlanRecorded(prev.record(&book)));
                    let confirm: Vec<Event> = book
                        .orders()
                        .iter()
                        .enumerate()
                        .filter(|(i, o)| {
                            o.status.is_open()
                                && o.status != book::OrderStatus::Confirmed
                                && prev.orders[*i].promise.is_some()
                                && (i + seed as usize).is_multiple_of(3)
                        })
                        .map(|(_, o)| Event::OrderConfirmed {
                            order: o.key.clone(),
                        })
                        .collect();
                    // Cancelled orders cannot be confirmed: confirm first, cancel after.
                    let cancels: Vec<Event> = events
                        .iter()
                        .filter(|e| matches!(e, Event::OrderCancelled { .. }))
                        .cloned()
                        .collect();
                    events.retain(|e| !matches!(e, Event::OrderCancelled { .. }));
                    events.extend(confirm);
                    events.extend(cancels);
                }
                3 => {
                    let g = book.generations().first().expect("a generation");
                    events.push(Event::SupplyAdjusted(SupplyAdjustmentSpec {
                        generation: g.key.clone(),
                        period: Period(book.horizon().periods() / 3),
                        delta_units: 7,
                        note: "test raise".into(),
                    }));
                }
                _ => events.extend(change(&book, s, 2)),
            }
            if let Err((i, e)) = book.apply_all(events) {
                panic!("seed {seed} step {step}: change {i} refused: {e}");
            }
            let cold = planner::plan(&book, now).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            let warm = planner::plan_warm(&book, now, &prev)
                .unwrap_or_else(|e| panic!("seed {seed} step {step}: {e}"));
            assert_eq!(
                objectives(&warm),
                objectives(&cold),
                "seed {seed} step {step}: warm and cold objectives differ"
            );
            certify::check(&warm.certificate.network, &warm.certificate.solution)
                .unwrap_or_else(|e| panic!("seed {seed} step {step}: warm certificate: {e}"));
            prev = warm;
        }
        // Unchanged book, warm from its own plan: no pivot at all.
        let again = planner::plan_warm(&book, now, &prev).expect("warm from own plan");
        assert_eq!(objectives(&again), objectives(&prev), "seed {seed}");
        assert_eq!(
            again.stats.pivots, 0,
            "seed {seed}: warm from its own basis"
        );
    }
}

/// The planner builds its arcs in the order the solver works in (core arcs, then the pool's
/// horizon-end nodes and the demand lines, each with its in-arcs then its arc to the sink), so
/// that large solves use the arrays in place rather than permuting them.
#[test]
fn networks_are_built_in_the_solvers_arc_order() {
    for seed in 0..4u64 {
        let book = bookgen::generate(&bookgen::Params::new(3_000, seed))
            .into_book()
            .expect("valid book");
        for now in [0, 3] {
            let net = planner::network::build(&book, Period(now)).expect("builds");
            let f = flow::Network::from_parts(flow::NetworkParts {
                supply: net.supply.clone(),
                from: net.from.clone(),
                to: net.to.clone(),
                cap: net.cap.clone(),
                cost: net.cost.iter().map(|&c| flow::Lex3(c)).collect(),
            });
            assert!(
                flow::arcs_in_solver_order(&f),
                "seed {seed}, now {now}: the solver would reorder the arcs"
            );
        }
    }
}
