//! The demo scenario.

use book::{Book, CommitmentKind, CustomerKind, GenIdx, Period};

#[test]
fn demo_builds_with_the_promised_shape() {
    let book = Book::new(scenario::demo_spec()).unwrap();
    let h = book.horizon();
    assert_eq!(
        (h.start().to_string(), h.periods()),
        ("2026-12".to_string(), 36)
    );
    let keys: Vec<&str> = book.generations().iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["trn1", "trn2", "trn3", "trn4"]);
    assert!(book.generations().iter().all(|g| !g.source.is_empty()));
    let trn4 = book.generation_idx("trn4").unwrap();
    assert!(
        book.generation(trn4).first_ship.0 >= 10,
        "trn4 ships 2027-10 or later"
    );

    // Two labs whose contracts hold >= $100B of commitments inside the horizon.
    let labs: Vec<_> = book
        .customers()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == CustomerKind::Lab)
        .collect();
    assert_eq!(labs.len(), 2);
    let mut total: i128 = 0;
    for (i, _) in &labs {
        let value: i128 = (book.contracts().iter())
            .filter(|c| c.customer.0 as usize == *i)
            .flat_map(|c| &c.commitments)
            .map(|cm| match cm.kind {
                CommitmentKind::Delivery {
                    price_usd_per_unit, ..
                } => cm.units as i128 * price_usd_per_unit as i128,
                CommitmentKind::Capacity {
                    start,
                    end,
                    price_usd_per_unit_period,
                } => {
                    cm.units as i128 * (end.0 - start.0) as i128 * price_usd_per_unit_period as i128
                }
            })
            .sum();
        assert!(value > 0, "each lab has a contract");
        total += value;
    }
    assert!(
        total >= 100_000_000_000,
        "lab commitments inside the horizon: ${total}"
    );

    let n = book.orders().len();
    assert!((40..=150).contains(&n), "{n} orders");
    let with_substitutes = book
        .orders()
        .iter()
        .filter(|o| !o.substitutes.is_empty())
        .count();
    assert!(
        with_substitutes >= 10,
        "{with_substitutes} orders accept substitutes"
    );
    assert!(
        book.orders()
            .iter()
            .any(|o| book.sku(o.sku).generation == trn4)
            || book.reservations().iter().any(|r| r.generation == trn4)
    );
    assert!(
        book.reservations().iter().any(|r| r.generation == trn4),
        "trn4 capacity is reserved ahead"
    );
    for kind in [CustomerKind::Colo, CustomerKind::Enterprise] {
        assert!(book.customers().iter().filter(|c| c.kind == kind).count() >= 2);
    }
}

#[test]
fn demo_supply_is_hbm_bound_in_many_periods_and_packaging_bound_in_some() {
    let book = Book::new(scenario::demo_spec()).unwrap();
    let count = |label: &str| {
        (0..book.generations().len())
            .flat_map(|g| (0..36).map(move |t| (g, t)))
            .filter(|&(g, t)| {
                book.supply_binding(book::GenIdx(g as u16), book::Period(t))
                    .map(|b| b.label())
                    == Some(label)
            })
            .count()
    };
    assert!(
        count("HBM") >= 12,
        "HBM binds in {} generation-periods",
        count("HBM")
    );
    assert!(
        count("packaging") >= 3,
        "packaging binds in {}",
        count("packaging")
    );
    assert!(count("wafers") >= 12);
}

#[test]
fn demo_toml_keeps_sources_next_to_figures() {
    let text = scenario::DEMO_TOML;
    for needle in [
        "$35.76/h",
        "$21.50/h",
        "over $225B",
        "over $100B over 10 years",
        "estimate",
        "assumption",
        "CoWoS",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
}

/// Units of generation `g` the book asks to have in the cloud pool or shipped by period `t`, beyond
/// the cloud's own demand: capacity commitments and reservations active in `t`, delivery
/// commitments due by `t`, and orders whose window ends by `t`.
fn outside_demand_by(book: &Book, g: GenIdx, t: Period) -> u64 {
    let commitments: u64 = (book.contracts().iter())
        .flat_map(|c| &c.commitments)
        .filter(|cm| cm.generation == g)
        .map(|cm| match cm.kind {
            CommitmentKind::Delivery { due, .. } if due <= t => cm.units,
            CommitmentKind::Capacity { start, end, .. } if start <= t && t < end => cm.units,
            _ => 0,
        })
        .sum();
    let reservations: u64 = (book.reservations().iter())
        .filter(|r| r.generation == g && r.start <= t && t < r.end)
        .map(|r| r.units)
        .sum();
    let orders: u64 = (book.orders().iter())
        .filter(|o| book.sku(o.sku).generation == g && o.latest <= t)
        .map(|o| o.units)
        .sum();
    commitments + reservations + orders
}

#[test]
fn demo_is_sold_out_in_the_near_term() {
    // The story of the first-minute summary: by the end of 2027, what Trn2 and Trn3 supply leaves
    // after the cloud's own demand is less than the labs, reservations and buyers ask for; by the
    // horizon's end supply has caught up, so later buyers are served.
    let book = Book::new(scenario::demo_spec()).unwrap();
    let dec_2027 = Period(12);
    for key in ["trn2", "trn3"] {
        let g = book.generation_idx(key).unwrap();
        let supply: u64 = (0..=dec_2027.0)
            .map(|t| book.supply_units(g, Period(t)))
            .sum();
        let own = book.generation(g).cloud_demand_units[dec_2027.0 as usize];
        let outside = outside_demand_by(&book, g, dec_2027);
        assert!(
            outside > supply.saturating_sub(own),
            "{key}: outside demand {outside} by 2027-12 fits in supply {supply} less the cloud's own {own}"
        );
        let last = Period(book.horizon().periods() - 1);
        let supply_all: u64 = (0..=last.0).map(|t| book.supply_units(g, Period(t))).sum();
        let own_last = book.generation(g).cloud_demand_units[last.0 as usize];
        assert!(
            supply_all > own_last + outside_demand_by(&book, g, last),
            "{key}: supply never catches up"
        );
    }
    // The cloud's own demand is worth more than a sale over most of the horizon: a busy unit for
    // 24 months plus its residual beats every merchant price of its generation.
    for (gi, gen) in book.generations().iter().enumerate() {
        let g = GenIdx(gi as u16);
        let cloud = gen.cloud_value_usd_per_unit_period * 24 + gen.residual_usd_per_unit;
        for o in book
            .orders()
            .iter()
            .filter(|o| book.sku(o.sku).generation == g)
        {
            assert!(
                o.price_usd_per_unit < cloud,
                "{}: {} >= {cloud}",
                o.key,
                o.price_usd_per_unit
            );
        }
    }
}

#[test]
fn demo_waitlist_has_trn4_orders_before_it_ships() {
    // Some buyers ask for Trainium4 before it ships and accept nothing else: they wait in line
    // (the planner's reason: none of its generations ships inside its window).
    let book = Book::new(scenario::demo_spec()).unwrap();
    let trn4 = book.generation_idx("trn4").unwrap();
    let first_ship = book.generation(trn4).first_ship;
    let early = (book.orders().iter())
        .filter(|o| book.sku(o.sku).generation == trn4)
        .filter(|o| o.substitutes.is_empty() && o.latest < first_ship)
        .count();
    assert!(early >= 3, "{early} trn4 orders before trn4 ships");
    // Trn4 cloud capacity is reserved and committed more than a year before it ships (2027-10).
    assert!(book
        .reservations()
        .iter()
        .any(|r| r.generation == trn4 && r.start.0 >= first_ship.0));
    // The CLI's supply-cut example removes 250 Trn3 units in 2027-03.
    let trn3 = book.generation_idx("trn3").unwrap();
    assert!(book.supply_units(trn3, Period(3)) >= 250);
}
