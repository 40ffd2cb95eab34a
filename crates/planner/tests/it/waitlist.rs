//! The waitlist: who waits, in which order, and why.

use crate::common::*;
use book::*;
use planner::Reason;

#[test]
fn every_unserved_order_waits_in_order_with_a_reason() {
    let n = seeds(1_000, 10_000);
    let (mut passed, mut not_shipping, mut entries) = (0, 0, 0);
    for_seeds("waitlist", 0..n, |seed| {
        let case = small_case(seed);
        let (book, now) = (&case.book, case.now);
        let plan = plan(book, now)?;
        let ctx = &case.what;
        // Who waits: open orders not served in full; confirmed first, then by placement.
        let mut want: Vec<OrderIdx> = book
            .orders()
            .iter()
            .enumerate()
            .filter(|(i, o)| o.status.is_open() && plan.orders[*i].served_units < o.units)
            .map(|(i, _)| OrderIdx(i as u32))
            .collect();
        want.sort_by_key(|o| (book.order_at(*o).status != OrderStatus::Confirmed, o.0));
        if plan.waitlist != want {
            return Err(format!(
                "waitlist {:?}, expected {want:?}; [{ctx}]",
                plan.waitlist
            ));
        }
        entries += want.len();
        for (pos, &oi) in want.iter().enumerate() {
            let o = book.order_at(oi);
            let op = &plan.orders[oi.0 as usize];
            let Some(w) = &op.waitlist else {
                return Err(format!("order {} waits without an entry; [{ctx}]", o.key));
            };
            if w.position != pos as u32 + 1 || w.remaining_units != o.units - op.served_units {
                return Err(format!(
                    "order {}: entry {w:?} at position {} with {} served; [{ctx}]",
                    o.key,
                    pos + 1,
                    op.served_units
                ));
            }
            if let Some(t) = w.earliest_period {
                if t.0 < o.earliest.0.max(now.0) {
                    return Err(format!(
                        "order {}: earliest period {} before its window or now; [{ctx}]",
                        o.key, t.0
                    ));
                }
            }
            // Orders that cannot ship at all say so, and only they do.
            let never = o.latest < now;
            let first_ship = accepted(book, o)
                .iter()
                .map(|a| book.generation(a.0).first_ship)
                .min()
                .unwrap();
            let no_gen = !never && first_ship > o.latest;
            let ok = match &w.reason {
                Reason::WindowPassed { latest } => never && *latest == o.latest,
                Reason::NotShipping { first_ship: f } => no_gen && *f == first_ship,
                _ => !never && !no_gen,
            };
            if !ok {
                return Err(format!(
                    "order {} (window {}..{}, now {}, first ship {}) has reason {:?}; [{ctx}]",
                    o.key, o.earliest.0, o.latest.0, now.0, first_ship.0, w.reason
                ));
            }
            passed += matches!(w.reason, Reason::WindowPassed { .. }) as usize;
            not_shipping += matches!(w.reason, Reason::NotShipping { .. }) as usize;
        }
        // Entries only for waiting orders.
        for (i, op) in plan.orders.iter().enumerate() {
            if op.waitlist.is_some() && !want.contains(&OrderIdx(i as u32)) {
                return Err(format!(
                    "order {} has a waitlist entry but does not wait; [{ctx}]",
                    book.orders()[i].key
                ));
            }
        }
        Ok(())
    });
    assert!(
        passed > 0 && not_shipping > 0 && entries > 1_000,
        "coverage: {passed} window passed, {not_shipping} not shipping, {entries} entries"
    );
}

/// The earliest period a waiting order could be served is never before any of its generations
/// ships (units finished ahead of launch wait for the first ship period).
#[test]
fn waitlist_earliest_period_respects_first_ship() {
    let n = seeds(1_000, 10_000);
    for_seeds("waitlist earliest vs first ship", 0..n, |seed| {
        let case = small_case(seed);
        let (book, now) = (&case.book, case.now);
        let plan = plan(book, now)?;
        for (o, op) in book.orders().iter().zip(&plan.orders) {
            let Some(t) = op.waitlist.as_ref().and_then(|w| w.earliest_period) else {
                continue;
            };
            let lo = accepted(book, o)
                .iter()
                .map(|a| first_delivery(book, now, a.0, o.earliest))
                .min()
                .unwrap();
            if t.0 < lo {
                let fs: Vec<u32> = accepted(book, o)
                    .iter()
                    .map(|a| book.generation(a.0).first_ship.0)
                    .collect();
                return Err(format!("order {}: earliest period {} but it can ship from {lo} (window from {}, now {}, first ship {fs:?}); [{}]",
                    o.key, t.0, o.earliest.0, now.0, case.what));
            }
        }
        Ok(())
    });
}

/// A large book takes the planner's two-thread paths: the demand in each window is summed on a
/// helper thread while the network is built, and the waitlist's reasons are found in two halves
/// at once. Each must still belong to its own order: the demand matches a sum over the book,
/// and every waiting order's reason names a generation it accepts and a period it could be
/// served in (a reason shifted to another order would not, but for the few with the same
/// generations and window).
#[test]
fn a_large_books_demand_and_waitlist_reasons_belong_to_their_orders() {
    let mut p = bookgen::Params::new(70_000, 11);
    p.demand_over_supply_pct = 220;
    let book = bookgen::generate(&p).into_book().expect("valid");
    let now = Period(2);
    let plan = plan(&book, now).expect("plans");
    let periods = book.horizon().periods() as usize;
    let mut demand = vec![vec![0u64; periods]; book.generations().len()];
    for o in book.orders().iter().filter(|o| o.status.is_open()) {
        for (g, _) in accepted(&book, o) {
            for t in o.earliest.0..=o.latest.0 {
                demand[g.0 as usize][t as usize] += o.units;
            }
        }
    }
    for (g, flows) in plan.generations.iter().enumerate() {
        assert_eq!(flows.demand_in_window, demand[g], "generation {g}");
    }
    assert!(
        plan.waitlist.len() >= 1 << 15,
        "coverage: {} waiting",
        plan.waitlist.len()
    );
    let mut priced = 0;
    for &oi in &plan.waitlist {
        let o = book.order_at(oi);
        let w = plan.orders[oi.0 as usize]
            .waitlist
            .as_ref()
            .expect("an entry");
        let (g, t) = match w.reason {
            Reason::Commitments { generation, period }
            | Reason::ConfirmedPromises { generation, period }
            | Reason::CloudWorthMore {
                generation, period, ..
            }
            | Reason::OutbidByOrders {
                generation, period, ..
            } => (generation, period),
            Reason::WindowPassed { latest } => {
                assert!(
                    latest == o.latest && o.latest < now,
                    "{}: {:?}",
                    o.key,
                    w.reason
                );
                continue;
            }
            Reason::NotShipping { .. } => continue,
        };
        priced += 1;
        let lo = first_delivery(&book, now, g, o.earliest);
        assert!(
            accepted(&book, o).iter().any(|a| a.0 == g) && (lo..=o.latest.0).contains(&t.0),
            "order {} (window {}..{}) waits for {:?}",
            o.key,
            o.earliest.0,
            o.latest.0,
            w.reason
        );
    }
    assert!(priced >= 1 << 14, "coverage: {priced} priced reasons");
}
