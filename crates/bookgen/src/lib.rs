//! Seeded generator of realistic books: several generations with staggered ramps, sold-out
//! supply, merchant orders with windows and substitutes, a few percent of committed volume,
//! confirmed promises from a previous plan, cloud reservations and internal demand.
//!
//! The same parameters always give the same book (ChaCha8 seeded from `seed`). Pure: no I/O.
#![deny(missing_docs)]

use book::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Merchant orders.
    pub orders: usize,
    /// Seed.
    pub seed: u64,
    /// Periods (24-60 realistic; 1-120 allowed).
    pub periods: u32,
    /// Generations (1-8).
    pub generations: usize,
    /// Longest order window, in periods.
    pub max_window: u32,
    /// Fraction of orders with a substitute generation, in percent.
    pub substitute_pct: u32,
    /// Fraction of orders confirmed with a promise from a previous plan, in percent.
    pub confirmed_pct: u32,
    /// Demand over supply, in percent (130 = sold out by 30%).
    pub demand_over_supply_pct: u32,
}

impl Params {
    /// Realistic defaults for `orders` orders and `seed`.
    pub fn new(orders: usize, seed: u64) -> Params {
        Params {
            orders,
            seed,
            periods: 36,
            generations: 4,
            max_window: 6,
            substitute_pct: 30,
            confirmed_pct: 10,
            demand_over_supply_pct: 130,
        }
    }
}

/// A generated book: its creation spec and the events that follow (a recorded plan's promises
/// and confirmations).
#[derive(Debug, Clone)]
pub struct Generated {
    /// The initial content.
    pub spec: BookSpec,
    /// Later events, in order.
    pub events: Vec<Event>,
}

impl Generated {
    /// Builds the book and applies the events.
    pub fn into_book(self) -> Result<Book, BookError> {
        let mut book = Book::new(self.spec)?;
        book.apply_all(self.events).map_err(|(_, e)| e)?;
        Ok(book)
    }
}

const GEN_NAMES: [&str; 8] = ["g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8"];

/// Generates a book.
pub fn generate(p: &Params) -> Generated {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let periods = p.periods.clamp(1, MAX_PERIODS);
    let t = periods as usize;
    let ng = p.generations.clamp(1, 8);
    let n = p.orders;
    // Average order: ~6 units; demand over the horizon ~ n * 6; supply = demand / ratio.
    let mean_units = 6u64;
    let total_demand = (n as u64 * mean_units).max(1);
    let total_supply = total_demand * 100 / p.demand_over_supply_pct.max(1) as u64;
    let mut generations = Vec::new();
    let mut supply_rows = Vec::new();
    for (g, name) in GEN_NAMES.iter().enumerate().take(ng) {
        // Staggered life cycles: generation g ships from period g*T/(ng+1) and ramps up.
        let first = (g * t / (ng + 1)) as u32;
        let weight: Vec<u64> = (0..t)
            .map(|k| {
                if (k as u32) < first {
                    0
                } else {
                    let age = k as u64 - first as u64;
                    (10 + age * 10).min(100)
                }
            })
            .collect();
        let wsum: u64 = weight.iter().sum::<u64>().max(1);
        let share = total_supply / ng as u64;
        let row: Vec<u64> = weight.iter().map(|w| share * w / wsum).collect();
        supply_rows.push(row);
        let price = 250_000 * (g as i64 + 1);
        generations.push(Generation {
            key: name.to_string(),
            name: format!("Generation {}", g + 1),
            unit_name: "16-chip server".to_string(),
            chips_per_unit: 16,
            first_ship: Period(first),
            holding_usd_per_unit_period: 500 * (g as i64 + 1),
            residual_usd_per_unit: price / 4,
            cloud_value_usd_per_unit_period: price / 18,
            cloud_demand_units: (0..t)
                .map(|_| (total_supply / ng as u64 / t as u64) / 3)
                .collect(),
            source: "generated".to_string(),
        });
    }
    let skus: Vec<SkuSpec> = (0..ng)
        .flat_map(|g| {
            [
                SkuSpec {
                    key: format!("{}-server", GEN_NAMES[g]),
                    name: "server".into(),
                    generation: GEN_NAMES[g].into(),
                    size_units: 1,
                },
                SkuSpec {
                    key: format!("{}-rack", GEN_NAMES[g]),
                    name: "rack".into(),
                    generation: GEN_NAMES[g].into(),
                    size_units: 4,
                },
            ]
        })
        .collect();
    let n_customers = (n / 50).clamp(3, 20_000);
    let customers: Vec<Customer> = (0..n_customers)
        .map(|c| Customer {
            key: format!("c{c}"),
            name: format!("Customer {c}"),
            kind: match c % 10 {
                0 => CustomerKind::Lab,
                1..=4 => CustomerKind::Colo,
                _ => CustomerKind::Enterprise,
            },
        })
        .collect();
    // Contracts: two labs with delivery commitments of a few percent of supply.
    let mut contracts = Vec::new();
    for (k, cust) in ["c0", "c10"].iter().enumerate().take(n_customers.min(2)) {
        let cust = if n_customers > 10 {
            *cust
        } else {
            ["c0", "c1"][k]
        };
        let mut commitments = Vec::new();
        for g in 0..ng {
            let first = generations[g].first_ship.0;
            let mut due = first + 3;
            while due < periods {
                let units = (supply_rows[g][due as usize] / 40).max(1);
                commitments.push(CommitmentSpec {
                    generation: GEN_NAMES[g].into(),
                    units,
                    kind: CommitmentKind::Delivery {
                        earliest: Period(due.saturating_sub(2)),
                        due: Period(due),
                        price_usd_per_unit: 200_000 * (g as i64 + 1),
                    },
                });
                due += 6;
            }
        }
        contracts.push(ContractSpec {
            key: format!("contract-{k}"),
            customer: cust.to_string(),
            shortfall_penalty_usd_per_unit: 1_000_000,
            commitments,
            note: "generated".into(),
        });
    }
    let mut orders = Vec::with_capacity(n);
    let mut order_gen = Vec::with_capacity(n);
    for i in 0..n {
        let g = rng.gen_range(0..ng);
        order_gen.push(g);
        let first = generations[g].first_ship.0;
        let earliest = rng.gen_range(first.saturating_sub(2)..periods);
        let window = rng.gen_range(1..=p.max_window.max(1));
        let latest = (earliest + window - 1).min(periods - 1);
        let rack = rng.gen_bool(0.25);
        let quantity = if rack {
            rng.gen_range(1..=3)
        } else {
            rng.gen_range(1..=10)
        };
        let base = 250_000 * (g as i64 + 1);
        let price = base * rng.gen_range(80..=130) / 100;
        let mut substitutes = Vec::new();
        if rng.gen_range(0..100) < p.substitute_pct && ng > 1 {
            let h = if g + 1 < ng { g + 1 } else { g - 1 };
            substitutes.push(SubstituteSpec {
                generation: GEN_NAMES[h].into(),
                value_factor_bp: rng.gen_range(80..=100) * 100,
            });
        }
        orders.push(OrderSpec {
            key: format!("o{i}"),
            customer: format!("c{}", rng.gen_range(0..n_customers)),
            sku: format!("{}-{}", GEN_NAMES[g], if rack { "rack" } else { "server" }),
            quantity,
            earliest: Period(earliest),
            latest: Period(latest),
            price_usd_per_unit: price,
            lateness_penalty_usd_per_unit_period: price / 100 * rng.gen_range(0..=3),
            substitutes,
        });
    }
    let n_res = (n / 100).max(1);
    let reservations: Vec<ReservationSpec> = (0..n_res)
        .map(|i| {
            let g = rng.gen_range(0..ng);
            let start = rng.gen_range(generations[g].first_ship.0..periods);
            let end = (start + rng.gen_range(1..=12)).min(periods);
            ReservationSpec {
                key: format!("r{i}"),
                customer: format!("c{}", rng.gen_range(0..n_customers)),
                generation: GEN_NAMES[g].into(),
                units: rng.gen_range(1..=20),
                start: Period(start),
                end: Period(end),
                price_usd_per_unit_period: 250_000 * (g as i64 + 1) / 15,
            }
        })
        .collect();
    // A previous plan promised some orders their full quantity by their latest period; they
    // confirmed. Only orders whose window reaches their generation's first shipping period can
    // have been promised (a window may open up to two periods before it).
    let mut promises = Vec::new();
    let mut confirmations = Vec::new();
    for (i, o) in orders.iter().enumerate() {
        let can_ship = o.latest >= generations[order_gen[i]].first_ship;
        // The draw is made for every order, so that the rest of the book does not depend on
        // which orders can ship.
        if rng.gen_range(0..100) < p.confirmed_pct && can_ship {
            let size = if o.sku.ends_with("rack") { 4 } else { 1 };
            promises.push(PromiseRecord {
                order: o.key.clone(),
                units: o.quantity * size,
                by: o.latest,
            });
            confirmations.push(Event::OrderConfirmed {
                order: format!("o{i}"),
            });
        }
    }
    let mut events = Vec::new();
    if !promises.is_empty() {
        events.push(Event::PlanRecorded(PlanRecord {
            now: Period(0),
            // Imported promises, not a plan's: no objectives were computed for them.
            objectives: None,
            promises,
            supply_adjustments_seen: 0,
            contracts_seen: contracts.len() as u32,
        }));
        events.extend(confirmations);
    }
    let spec = BookSpec {
        name: format!("generated-{}-{}", n, p.seed),
        horizon: Horizon::new(YearMonth::new(2027, 1).expect("valid month"), periods),
        generations,
        supply: SupplyInputs::Explicit(supply_rows),
        skus,
        customers,
        contracts,
        reservations,
        orders,
        order_progress: Vec::new(),
        commitment_progress: Vec::new(),
    };
    Generated { spec, events }
}
