//! The demo scenario.

use book::{Book, CommitmentKind, CustomerKind};

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
    assert!(book.orders().iter().any(|o| !o.substitutes.is_empty()));
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
