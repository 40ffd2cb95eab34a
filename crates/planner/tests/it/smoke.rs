use book::Period;

#[test]
fn generated_books_plan_and_certify() {
    for seed in 0..20 {
        let mut p = bookgen::Params::new(200, seed);
        p.periods = 12;
        let book = bookgen::generate(&p)
            .into_book()
            .expect("generated book is valid");
        let plan = planner::plan(&book, Period(0)).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert!(plan.check_conservation(), "seed {seed}");
        certify::check(&plan.certificate.network, &plan.certificate.solution).expect("certificate");
        assert!(plan.served_units() > 0, "seed {seed}");
    }
}

/// A recorded delivery or a supply cut that would leave a generation with more units delivered
/// by some period than it has supplied by then is refused, names its field, and changes nothing;
/// every other one applies, and the book always stays plannable.
#[test]
fn deliveries_and_supply_cuts_never_exceed_supply() {
    use crate::common::{deliveries_fit, gen_key, recorded, rng, tiny_case};
    use book::{Event, GenIdx, SupplyAdjustmentSpec};
    use rand::Rng;
    let (mut refused, mut applied) = (0, 0);
    for seed in 0..150u64 {
        let case = tiny_case(seed);
        let mut book = case.book;
        let mut r = rng(seed, 77);
        let tt = book.horizon().periods();
        for step in 0..12 {
            let label = format!("seed {seed} step {step} ({})", case.what);
            let mut used = recorded(&book);
            let (ev, g, field) = if r.gen_bool(0.5) {
                // A delivery of an open order, otherwise valid.
                let open: Vec<_> = book
                    .orders()
                    .iter()
                    .filter(|o| o.status.is_open())
                    .collect();
                if open.is_empty() {
                    continue;
                }
                let o = open[r.gen_range(0..open.len())];
                let (units, period) = (r.gen_range(1..=o.units), r.gen_range(0..tt));
                let g = book.sku(o.sku).generation;
                used[g.0 as usize][period as usize] += units;
                let ev = Event::OrderDelivered {
                    order: o.key.clone(),
                    units,
                    period: Period(period),
                };
                (ev, g, "units")
            } else {
                // A supply cut, otherwise valid (the period keeps at least zero units).
                let g = GenIdx(r.gen_range(0..book.generations().len()) as u16);
                let p = Period(r.gen_range(0..tt));
                let cur = book.supply_units(g, p) as i64;
                if cur == 0 {
                    continue;
                }
                let ev = Event::SupplyAdjusted(SupplyAdjustmentSpec {
                    generation: gen_key(&book, g),
                    period: p,
                    delta_units: -r.gen_range(1..=cur),
                    note: "cut".into(),
                });
                (ev, g, "delta_units")
            };
            let change = match &ev {
                Event::SupplyAdjusted(a) => Some((a.period, a.delta_units)),
                _ => None,
            };
            let fits = deliveries_fit(&book, g, &used, change);
            let mut after = book.clone();
            match after.apply(ev) {
                Ok(()) => {
                    assert!(fits, "{label}: accepted an event that exceeds supply");
                    applied += 1;
                    book = after;
                }
                Err(e) => {
                    assert!(!fits, "{label}: refused a valid event: {e}");
                    assert_eq!(e.field, field, "{label}: {e}");
                    assert!(e.message.contains("suppl"), "{label}: {e}");
                    assert_eq!(after, book, "{label}: a refused event changed the book");
                    refused += 1;
                }
            }
            planner::plan(&book, case.now).unwrap_or_else(|e| panic!("{label}: {e}"));
        }
    }
    assert!(
        refused > 30 && applied > 30,
        "refused {refused}, applied {applied}"
    );
}
