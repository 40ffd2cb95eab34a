//! Available-to-promise: the units it offers can really be promised without moving anything.

use crate::common::*;
use book::*;
use planner::Plan;
use rand::Rng;

/// A small book planned, its promises recorded and confirmed, and re-planned. Sometimes a
/// generation gets supply before its first ship period (units built ahead of launch).
fn base(seed: u64, ahead_of_launch: bool) -> Result<(Book, Period, Plan, String), String> {
    let mut r = rng(seed, 4);
    let mut p = bookgen::Params::new(r.gen_range(5..=30), seed);
    p.periods = r.gen_range(3..=9);
    p.generations = r.gen_range(1..=3);
    p.max_window = r.gen_range(1..=4);
    p.substitute_pct = r.gen_range(0..=40);
    p.confirmed_pct = 0;
    p.demand_over_supply_pct = r.gen_range(70..=170);
    let mut book = bookgen::generate(&p).into_book().expect("valid");
    let mut what = format!("{p:?}");
    let late: Vec<GenIdx> = (0..book.generations().len())
        .map(|g| GenIdx(g as u16))
        .filter(|&g| book.generation(g).first_ship.0 > 0)
        .collect();
    if !late.is_empty() && ahead_of_launch {
        let g = late[r.gen_range(0..late.len())];
        let t = Period(r.gen_range(0..book.generation(g).first_ship.0));
        let d = r.gen_range(1..=10);
        book.apply(Event::SupplyAdjusted(SupplyAdjustmentSpec {
            generation: gen_key(&book, g),
            period: t,
            delta_units: d,
            note: "built ahead of launch".into(),
        }))
        .unwrap();
        what.push_str(&format!(
            "; +{d} units of g{} in p{} (first ship p{})",
            g.0,
            t.0,
            book.generation(g).first_ship.0
        ));
    }
    let now = Period(if r.gen_bool(0.3) {
        1.min(book.horizon().periods() - 1)
    } else {
        0
    });
    what.push_str(&format!("; now {}", now.0));
    let p0 = plan(&book, now)?;
    record_and_confirm(&mut book, &p0);
    let p1 = plan(&book, now)?;
    verify_plan(&book, now, &p1)?;
    if p1.objectives.promise_lateness_unit_periods != 0 {
        return Err(format!("confirmed re-plan is late: {:?}", p1.objectives));
    }
    Ok((book, now, p1, what))
}

/// The book plus a contract owing `units` of `g` in [now, by]: the order forced into tier 1.
fn with_commitment(book: &Book, now: Period, g: GenIdx, by: Period, units: u64) -> Book {
    let mut b = book.clone();
    b.apply(Event::ContractAdded(ContractSpec {
        key: "atp-probe".into(),
        customer: b.customers()[0].key.clone(),
        shortfall_penalty_usd_per_unit: 10_000_000,
        commitments: vec![CommitmentSpec {
            generation: gen_key(book, g),
            units,
            kind: CommitmentKind::Delivery {
                earliest: now,
                due: by,
                price_usd_per_unit: 1,
            },
        }],
        note: "atp probe".into(),
    }))
    .expect("valid probe");
    b
}

/// Probes the ATP of `n` books; returns (probes with units available, probes where one more unit
/// broke something).
fn probe_atp(name: &str, n: u64, ahead_of_launch: bool) -> (usize, usize) {
    let (mut probes, mut one_more_breaks) = (0, 0);
    for_seeds(name, 0..n, |seed| {
        let (book, now, base, what) = base(seed, ahead_of_launch)?;
        if ahead_of_launch && book.supply_adjustments().is_empty() {
            return Ok(());
        }
        let tt = book.horizon().periods();
        let mut r = rng(seed, 5);
        let atp = &base.atp;
        for g in (0..book.generations().len()).map(|g| GenIdx(g as u16)) {
            // Consistency of the two queries.
            let by: Vec<u64> = (0..tt).map(|t| atp.units_by(g, Period(t))).collect();
            for t in 0..now.0 as usize {
                if by[t] != 0 {
                    return Err(format!(
                        "units_by(g{}, {t}) = {} before now {}",
                        g.0, by[t], now.0
                    ));
                }
            }
            let top = by.iter().copied().max().unwrap_or(0);
            for q in [0, 1, 2, top / 2, top, top + 1] {
                let want = (0..tt).find(|&t| by[t as usize] >= q).map(Period);
                if atp.earliest_units(g, q) != want {
                    return Err(format!(
                        "earliest_units(g{}, {q}) = {:?} but units_by gives {want:?} ({by:?})",
                        g.0,
                        atp.earliest_units(g, q)
                    ));
                }
            }
            for t in [r.gen_range(now.0..tt), r.gen_range(now.0..tt), tt - 1] {
                let u = by[t as usize];
                let ctx = format!("g{} by p{t}: units_by {u}; [{what}]", g.0);
                if u > 0 {
                    probes += 1;
                    let b = with_commitment(&book, now, g, Period(t), u);
                    let p = plan(&b, now)?;
                    verify_plan(&b, now, &p).map_err(|e| format!("{e}; {ctx}"))?;
                    let (o, o0) = (p.objectives, base.objectives);
                    if o.commitment_shortfall_usd != o0.commitment_shortfall_usd
                        || o.promise_lateness_unit_periods != 0
                    {
                        return Err(format!("adding the ATP units moves something: tier 1 {} -> {}, tier 2 {}; {ctx}",
                            o0.commitment_shortfall_usd, o.commitment_shortfall_usd, o.promise_lateness_unit_periods));
                    }
                }
                let b = with_commitment(&book, now, g, Period(t), u + 1);
                let p = plan(&b, now)?;
                let (o, o0) = (p.objectives, base.objectives);
                if o.commitment_shortfall_usd != o0.commitment_shortfall_usd
                    || o.promise_lateness_unit_periods != 0
                {
                    one_more_breaks += 1;
                }
            }
        }
        Ok(())
    });
    (probes, one_more_breaks)
}

#[test]
fn atp_units_can_be_promised_without_moving_any_promise() {
    let n = seeds(150, 1_500);
    let (probes, one_more_breaks) = probe_atp("atp", n, false);
    assert!(
        probes > n as usize,
        "only {probes} probes with units available"
    );
    // The answer is not just a safe underestimate: one more unit does break something somewhere.
    assert!(
        one_more_breaks > 0,
        "units_by + 1 never broke anything in {n} books"
    );
}

/// Units finished before a generation's first ship period (built ahead of launch) cannot be
/// delivered before that period: ATP must not offer them "by" an earlier period.
#[test]
fn atp_offers_nothing_before_first_ship() {
    let n = seeds(100, 1_000);
    let (probes, _) = probe_atp("atp ahead of launch", n, true);
    assert!(probes > 0);
}

/// The same, hand-written: g ships from period 2; 5 units are finished in period 0.
#[test]
fn atp_hand_written_ahead_of_launch() {
    let book = Book::new(one_generation_spec("launch", Period(2), vec![5, 0, 0, 0])).unwrap();
    let plan = planner::plan(&book, Period(0)).unwrap();
    let by: Vec<u64> = (0..4)
        .map(|t| plan.atp.units_by(GenIdx(0), Period(t)))
        .collect();
    assert_eq!(by, vec![0, 0, 5, 5], "units of g promisable by each period");
    assert_eq!(plan.atp.earliest_units(GenIdx(0), 5), Some(Period(2)));
    // And the planner agrees: 5 units owed by period 1 cannot be met.
    let b = with_commitment(&book, Period(0), GenIdx(0), Period(1), 5);
    let p = planner::plan(&b, Period(0)).unwrap();
    assert_eq!(p.objectives.commitment_shortfall_usd, 5 * 10_000_000);
}
