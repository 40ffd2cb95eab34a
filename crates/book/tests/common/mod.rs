//! The small book the book crate's integration tests start from: one generation of 10 units a
//! period over 6 periods, one SKU, one customer, and orders of 5 units due in periods 1-3.

use book::*;

/// The book `name` with an order for each of `orders` (see [`order`]).
pub fn spec(name: &str, orders: &[&str]) -> BookSpec {
    let periods = 6;
    BookSpec {
        name: name.into(),
        horizon: Horizon::new(YearMonth::new(2027, 1).unwrap(), periods),
        generations: vec![Generation {
            key: "g".into(),
            name: "G".into(),
            unit_name: "server".into(),
            chips_per_unit: 16,
            first_ship: Period(0),
            holding_usd_per_unit_period: 1,
            residual_usd_per_unit: 0,
            cloud_value_usd_per_unit_period: 0,
            cloud_demand_units: vec![0; periods as usize],
            source: String::new(),
        }],
        supply: SupplyInputs::Explicit(vec![vec![10; periods as usize]]),
        skus: vec![SkuSpec {
            key: "s".into(),
            name: "s".into(),
            generation: "g".into(),
            size_units: 1,
        }],
        customers: vec![Customer {
            key: "c".into(),
            name: "c".into(),
            kind: CustomerKind::Lab,
        }],
        contracts: vec![],
        reservations: vec![],
        orders: orders.iter().map(|k| order(k)).collect(),
        order_progress: vec![],
        commitment_progress: vec![],
    }
}

/// An order of 5 units of SKU `s` by customer `c`, due in periods 1-3, at 100 USD a unit.
pub fn order(key: &str) -> OrderSpec {
    OrderSpec {
        key: key.into(),
        customer: "c".into(),
        sku: "s".into(),
        quantity: 5,
        earliest: Period(1),
        latest: Period(3),
        price_usd_per_unit: 100,
        lateness_penalty_usd_per_unit_period: 0,
        substitutes: vec![],
    }
}
