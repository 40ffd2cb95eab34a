//! allot's domain: the book of an accelerator vendor that sells scarce supply two ways (shipped
//! hardware and cloud capacity).
//!
//! A [`Book`] holds the horizon, the accelerator generations with their supply inputs, SKUs,
//! customers, multi-year contracts with their commitments, merchant orders, cloud capacity
//! reservations and the internal cloud demand forecast. It changes only through [`Event`]s:
//! [`Book::apply`] validates an event completely before it mutates anything, so a refused event
//! leaves the book untouched. The store persists events; folding them rebuilds the book.
//! [`Book::restore`] rebuilds a book from its [`BookParts`] (a checkpoint of that fold),
//! checking the same invariants, so a snapshot can stand in for replaying the log up to it.
//!
//! This crate does no I/O and knows no file format: serialisation lives at the edges
//! (`scenario` for files, the binary for output). Quantities are whole planning units
//! (`u64`), money is whole US dollars (`i64`), periods are indices into the horizon.
#![deny(missing_docs)]

mod event;
mod fmt;
mod ids;
mod orders;
mod restore;
pub mod text;
mod types;

pub use event::*;
pub use fmt::*;
pub use ids::*;
pub use orders::OrderList;
pub use restore::BookParts;
pub use types::*;

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

/// A persistent map (O(1) clone) for the index that grows with the book.
type PersistentMap<K, V> =
    imbl::GenericHashMap<K, V, rustc_hash::FxBuildHasher, imbl::shared_ptr::DefaultSharedPtr>;

/// The order-id index, built on first use from the order list: opening a large book does not
/// wait for it (a caller that will need it can build it on another thread meanwhile, see
/// [`Book::prepare_order_index`]). It is derived data, so it takes no part in comparing books.
#[derive(Clone, Default)]
struct OrderIndex(std::sync::OnceLock<PersistentMap<String, OrderIdx>>);

impl PartialEq for OrderIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for OrderIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.0.get() {
            Some(m) => format!("{} ids", m.len()),
            None => "not built".to_string(),
        };
        write!(f, "OrderIndex({state})")
    }
}

/// Largest horizon the model allows (MODEL.md: up to 120 periods).
pub const MAX_PERIODS: u32 = 120;
/// Largest quantity of one order, reservation or commitment, in planning units.
pub const MAX_UNITS: u64 = 1_000_000_000;
/// Largest money amount per unit (or per unit-period) accepted, in USD; keeps every objective exact in i64.
pub const MAX_USD_PER_UNIT: i64 = 10_000_000_000;
/// Largest substitute value factor, in basis points (2x).
pub const MAX_VALUE_FACTOR_BP: u32 = 20_000;
/// Largest money at stake in one book, in USD (2^61, about 2.3e18): a bound on every plan total
/// (see [`Book::stake_usd`]), so that each tier objective, each of its parts and every
/// intermediate sum of the solver and the checker is exact in `i64`. The per-field bounds alone
/// do not give that: one order of 10^9 units at 10^10 USD a unit is worth 10^19 USD.
pub const MAX_STAKE_USD: i128 = 1 << 61;
/// Why a promise cannot be confirmed while [`Book::changed_since_plan`] is `Some` (the error's
/// field is `promise`).
pub const CONFIRM_AFTER_CHANGE: &str = "the book changed since this promise was made (supply \
     was cut or a contract added, which can make the last plan's promises infeasible); re-plan \
     before confirming";
/// Checks the period of a shipment to be recorded (an order's delivery, or units delivered
/// against a delivery commitment) against the current period `now`: a shipment is recorded
/// once it has happened, so never in a period after `now`. A period before the order's or
/// commitment's window, or after it, is fine (early and late shipments happen). The book knows
/// no "now", so the API (the server's month) and the CLI (`--now` or the clock's month) both
/// apply this rule before they record one; `clock` names their "now" in the message ("the
/// server's month").
pub fn check_shipped_by(
    horizon: Horizon,
    period: Period,
    now: Period,
    clock: &str,
) -> Result<(), String> {
    if period <= now {
        return Ok(());
    }
    Err(format!(
        "{} is after {clock} {}; record a delivery once it has shipped",
        horizon.month_of(period),
        horizon.month_of(now)
    ))
}

/// Most customers one book holds.
pub const MAX_CUSTOMERS: usize = 1 << 16;
/// Largest money one customer may have at stake in a book, in USD (2^44, about 1.8e13: its
/// orders, reservations and contracts, counted as [`Book::stake_usd`] counts them). All the
/// customers together stay within half of [`MAX_STAKE_USD`] and the supply within the other half,
/// so what one customer may book never depends on what the others hold, nor tells them anything
/// about it.
pub const MAX_CUSTOMER_STAKE_USD: i128 = MAX_STAKE_USD / 2 / MAX_CUSTOMERS as i128;
/// Largest money the supply may put at stake in a book (half of [`MAX_STAKE_USD`]).
pub const MAX_SUPPLY_STAKE_USD: i128 = MAX_STAKE_USD / 2;

/// A domain validation error: what object, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{object}: {field}: {message}")]
pub struct BookError {
    /// The object at fault, e.g. `order o-17`.
    pub object: String,
    /// The field at fault, e.g. `latest`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl BookError {
    /// Builds an error for `object`, `field`.
    pub fn new(
        object: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let object = object.into();
        // The object names an id as it was given (`order c-1`): a control character in it
        // (refused as an id, but named here) is written escaped, not sent raw to a terminal.
        let object = if object.chars().any(char::is_control) {
            object.chars().flat_map(char::escape_debug).collect()
        } else {
            object
        };
        BookError {
            object,
            field: field.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod error_tests {
    use super::BookError;

    #[test]
    fn control_characters_in_the_object_are_written_escaped() {
        let e = BookError::new("order c-1\0\x1b[2J", "id", "bad");
        assert_eq!(e.to_string(), "order c-1\\0\\u{1b}[2J: id: bad");
        let plain = BookError::new("order c-1", "id", "bad");
        assert_eq!(plain.to_string(), "order c-1: id: bad");
    }
}

/// The whole book in memory. Fields are private; read through getters, change through [`Book::apply`].
#[derive(Debug, Clone, PartialEq)]
pub struct Book {
    name: String,
    horizon: Horizon,
    generations: Vec<Generation>,
    skus: Vec<Sku>,
    customers: Vec<Customer>,
    contracts: Vec<Contract>,
    orders: OrderList,
    reservations: Vec<Reservation>,
    supply: SupplyInputs,
    supply_adjustments: Vec<SupplyAdjustment>,
    base_supply: Vec<Vec<u64>>,
    supply_binding: Option<Vec<Vec<supply::Binding>>>,
    /// Units of each generation delivered in each period (the orders' recorded deliveries, by
    /// their SKU's generation, and the contracts' delivery commitments'). Kept so that no delivery or supply cut can leave a generation
    /// with more units delivered by some period than it has supplied by then.
    delivered_units: Vec<Vec<u64>>,
    /// The money at stake (see [`Book::stake_usd`]), kept at most [`MAX_STAKE_USD`]: the supply's
    /// part plus every customer's.
    stake: i128,
    /// The supply's part of `stake`, kept at most [`MAX_SUPPLY_STAKE_USD`].
    supply_stake: i128,
    /// Each customer's part of `stake` (indexed like `customers`), each kept at most
    /// [`MAX_CUSTOMER_STAKE_USD`].
    customer_stake: Vec<i128>,
    last_plan: Option<Arc<PlanRecord>>,
    gen_index: HashMap<String, GenIdx>,
    sku_index: HashMap<String, SkuIdx>,
    customer_index: HashMap<String, CustomerIdx>,
    order_index: OrderIndex,
    reservation_index: HashMap<String, ReservationIdx>,
    contract_index: HashMap<String, usize>,
    events_applied: u64,
}

fn check_key(object: &str, key: &str) -> Result<(), BookError> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        Ok(())
    } else {
        Err(BookError::new(
            object,
            "id",
            format!("{key:?} must be 1-64 characters of letters, digits, '-', '_', '.', ':'"),
        ))
    }
}

fn check_usd(object: &str, field: &str, v: i64) -> Result<(), BookError> {
    if (0..=MAX_USD_PER_UNIT).contains(&v) {
        Ok(())
    } else {
        Err(BookError::new(
            object,
            field,
            format!("{v} must be between 0 and {MAX_USD_PER_UNIT} USD"),
        ))
    }
}

fn check_units(object: &str, field: &str, v: u64) -> Result<(), BookError> {
    if (1..=MAX_UNITS).contains(&v) {
        Ok(())
    } else {
        Err(BookError::new(
            object,
            field,
            format!("{v} must be between 1 and {MAX_UNITS}"),
        ))
    }
}

impl Book {
    /// Builds a book from its initial specification, validating everything.
    pub fn new(spec: BookSpec) -> Result<Book, BookError> {
        let horizon = spec.horizon;
        if horizon.periods() == 0 || horizon.periods() > MAX_PERIODS {
            return Err(BookError::new(
                "book",
                "periods",
                format!("{} must be between 1 and {MAX_PERIODS}", horizon.periods()),
            ));
        }
        let mut book = Book {
            name: spec.name,
            horizon,
            generations: Vec::new(),
            skus: Vec::new(),
            customers: Vec::new(),
            contracts: Vec::new(),
            orders: OrderList::default(),
            reservations: Vec::new(),
            supply: SupplyInputs::Explicit(Vec::new()),
            supply_adjustments: Vec::new(),
            base_supply: Vec::new(),
            supply_binding: None,
            delivered_units: Vec::new(),
            stake: 0,
            supply_stake: 0,
            customer_stake: Vec::new(),
            last_plan: None,
            gen_index: HashMap::default(),
            sku_index: HashMap::default(),
            customer_index: HashMap::default(),
            order_index: OrderIndex::default(),
            reservation_index: HashMap::default(),
            contract_index: HashMap::default(),
            events_applied: 0,
        };
        let t = horizon.periods() as usize;
        for g in spec.generations {
            let obj = format!("generation {}", g.key);
            check_key(&obj, &g.key)?;
            if book.gen_index.contains_key(&g.key) {
                return Err(BookError::new(obj, "id", "duplicate generation id"));
            }
            if g.chips_per_unit == 0 {
                return Err(BookError::new(obj, "chips_per_unit", "must be at least 1"));
            }
            if g.first_ship.0 >= horizon.periods() {
                // A generation that ships after the horizon is allowed: it can be reserved but not served.
            }
            check_usd(
                &obj,
                "holding_usd_per_unit_period",
                g.holding_usd_per_unit_period,
            )?;
            check_usd(&obj, "residual_usd_per_unit", g.residual_usd_per_unit)?;
            check_usd(
                &obj,
                "cloud_value_usd_per_unit_period",
                g.cloud_value_usd_per_unit_period,
            )?;
            if g.cloud_demand_units.len() != t {
                return Err(BookError::new(
                    obj,
                    "cloud_demand_units",
                    format!(
                        "has {} periods, the horizon has {t}",
                        g.cloud_demand_units.len()
                    ),
                ));
            }
            if let Some(v) = g.cloud_demand_units.iter().find(|&&v| v > MAX_UNITS) {
                return Err(BookError::new(
                    obj,
                    "cloud_demand_units",
                    format!("{v} exceeds {MAX_UNITS}"),
                ));
            }
            book.gen_index
                .insert(g.key.clone(), GenIdx(book.generations.len() as u16));
            book.generations.push(g);
        }
        if book.generations.is_empty() {
            return Err(BookError::new(
                "book",
                "generations",
                "at least one generation is needed",
            ));
        }
        book.set_supply(spec.supply)?;
        book.delivered_units = vec![vec![0; t]; book.generations.len()];
        // Every generation's network arcs count once even with no supply; then its supply.
        let supply = book.supply_matrix();
        let mut stake = 0i128;
        for (g, row) in supply.iter().enumerate() {
            let per_unit = book.supply_unit_stake(GenIdx(g as u16));
            stake += per_unit * (1 + row.iter().map(|&u| u as i128).sum::<i128>());
        }
        book.add_supply_stake("supply", "units", stake)?;
        for s in spec.skus {
            let obj = format!("sku {}", s.key);
            check_key(&obj, &s.key)?;
            if book.sku_index.contains_key(&s.key) {
                return Err(BookError::new(obj, "id", "duplicate sku id"));
            }
            let generation = book.gen_by_key(&obj, "generation", &s.generation)?;
            if s.size_units == 0 || s.size_units > 1_000_000 {
                return Err(BookError::new(
                    obj,
                    "size_units",
                    "must be between 1 and 1000000",
                ));
            }
            book.sku_index
                .insert(s.key.clone(), SkuIdx(book.skus.len() as u32));
            book.skus.push(Sku {
                key: s.key,
                name: s.name,
                generation,
                size_units: s.size_units,
            });
        }
        if spec.customers.len() > MAX_CUSTOMERS {
            return Err(BookError::new(
                "book",
                "customers",
                format!(
                    "{} customers exceed the limit of {MAX_CUSTOMERS}",
                    spec.customers.len()
                ),
            ));
        }
        for c in spec.customers {
            let obj = format!("customer {}", c.key);
            check_key(&obj, &c.key)?;
            if book.customer_index.contains_key(&c.key) {
                return Err(BookError::new(obj, "id", "duplicate customer id"));
            }
            book.customer_index
                .insert(c.key.clone(), CustomerIdx(book.customers.len() as u32));
            book.customers.push(c);
            book.customer_stake.push(0);
        }
        for c in spec.contracts {
            book.apply_event(Event::ContractAdded(c), true)?;
        }
        for r in spec.reservations {
            book.apply_event(Event::ReservationPlaced(r), true)?;
        }
        for o in spec.orders {
            book.apply_event(Event::OrderPlaced(o), true)?;
        }
        for p in spec.order_progress {
            book.apply_progress(p)?;
        }
        for p in spec.commitment_progress {
            for d in p.delivered {
                book.apply_event(
                    Event::CommitmentDelivered {
                        contract: p.contract.clone(),
                        commitment: p.commitment,
                        units: d.units,
                        period: d.period,
                    },
                    true,
                )
                .map_err(|e| BookError::new(e.object, "delivered", e.message))?;
            }
        }
        Ok(book)
    }

    /// The money at stake in this book, USD: a bound on the absolute value of every plan total
    /// (each tier objective and each of its parts), of the solver's potentials and of the
    /// checker's sums. It adds, for every open order, its units times twice its price (the
    /// largest substitute factor) plus its lateness penalty and one unit-period for every period
    /// of the horizon; for every commitment, its units times its shortfall penalty and its price
    /// in every period; for every reservation, its units times its price in every period; and
    /// for every unit of supply (and one more per generation), the generation's cloud value and
    /// holding cost in every period and its residual value. A change that would take it above
    /// [`MAX_STAKE_USD`] is refused. Recorded deliveries (of orders and of commitments) leave it
    /// as it is: a delivered order and a commitment's delivered units keep counting at the
    /// most they could weigh, so the bound stays a bound.
    pub fn stake_usd(&self) -> i128 {
        self.stake
    }

    /// Why an exclusive end (of a reservation or a capacity commitment) starting at `start` is
    /// refused, in months: the end is the first month after the last one held.
    fn end_message(&self, start: Period) -> String {
        format!(
            "must be after the start ({}) and at most {}, the month after the horizon's last",
            self.horizon.month_of(start),
            self.horizon.month_of(Period(self.horizon.periods()))
        )
    }

    /// What happened since the last recorded plan that can make its promises infeasible, if
    /// anything: a supply cut (a negative adjustment) or a contract added (tier 1 comes before
    /// promises). A promise is confirmed only while this is `None`; other changes (orders placed,
    /// which rank below confirmed promises, cancellations, deliveries, supply added) keep the
    /// last plan's promises feasible together.
    pub fn changed_since_plan(&self) -> Option<String> {
        let plan = self.last_plan.as_deref()?;
        let adjustments = &self.supply_adjustments;
        let after = &adjustments[(plan.supply_adjustments_seen as usize).min(adjustments.len())..];
        let mut changes: Vec<String> = after
            .iter()
            .filter(|a| a.delta_units < 0)
            .map(|a| {
                let note = if a.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", a.note)
                };
                format!(
                    "supply cut of {} in {} by {} units{note}",
                    self.generations[a.generation.0 as usize].key,
                    self.horizon.month_of(a.period),
                    a.delta_units.unsigned_abs()
                )
            })
            .collect();
        let contracts = &self.contracts;
        changes.extend(
            contracts[(plan.contracts_seen as usize).min(contracts.len())..]
                .iter()
                .map(|c| format!("contract {} added", c.key)),
        );
        match changes.len() {
            0 => None,
            1 => changes.pop(),
            n => Some(format!("{} and {} more", changes[0], n - 1)),
        }
    }

    /// Stake of one unit of generation `g`'s supply.
    fn supply_unit_stake(&self, g: GenIdx) -> i128 {
        let gen = &self.generations[g.0 as usize];
        let t = self.horizon.periods() as i128;
        (gen.cloud_value_usd_per_unit_period.unsigned_abs() as i128
            + gen.holding_usd_per_unit_period.unsigned_abs() as i128)
            * t
            + gen.residual_usd_per_unit.unsigned_abs() as i128
    }

    /// Stake of an order of `units` planning units.
    fn order_stake(&self, units: u64, price: i64, penalty: i64) -> i128 {
        let t = self.horizon.periods() as i128;
        units as i128
            * (2 * price.unsigned_abs() as i128 + (penalty.unsigned_abs() as i128 + 1) * t)
    }

    /// Stake of a reservation of `units` units.
    fn reservation_stake(&self, units: u64, price_per_period: i64) -> i128 {
        units as i128 * price_per_period.unsigned_abs() as i128 * self.horizon.periods() as i128
    }

    /// Adds `delta` to the supply's stake, or refuses (naming `object` and `field`) and changes
    /// nothing.
    fn add_supply_stake(
        &mut self,
        object: &str,
        field: &str,
        delta: i128,
    ) -> Result<(), BookError> {
        let own = self.supply_stake + delta;
        if own > MAX_SUPPLY_STAKE_USD {
            return Err(BookError::new(
                object,
                field,
                format!(
                    "would put {own} USD of supply at stake in the book, more than the \
                     {MAX_SUPPLY_STAKE_USD} the supply may hold (plan totals must stay exact)"
                ),
            ));
        }
        self.supply_stake = own;
        self.stake += delta;
        debug_assert!(self.stake <= MAX_STAKE_USD);
        Ok(())
    }

    /// Adds `delta` to customer `c`'s stake, or refuses (naming `object` and `field`) and changes
    /// nothing. The message gives the customer's own stake only: it is read by that customer.
    fn add_customer_stake(
        &mut self,
        c: CustomerIdx,
        object: &str,
        field: &str,
        delta: i128,
    ) -> Result<(), BookError> {
        let own = self.customer_stake[c.0 as usize] + delta;
        if own > MAX_CUSTOMER_STAKE_USD {
            return Err(BookError::new(
                object,
                field,
                format!(
                    "would give customer {} {own} USD at stake in the book, more than the \
                     {MAX_CUSTOMER_STAKE_USD} one customer may hold (plan totals must stay exact)",
                    self.customers[c.0 as usize].key
                ),
            ));
        }
        self.customer_stake[c.0 as usize] = own;
        self.stake += delta;
        debug_assert!(self.stake <= MAX_STAKE_USD);
        Ok(())
    }

    /// Takes `delta` off customer `c`'s stake (an order or reservation cancelled).
    fn release_customer_stake(&mut self, c: CustomerIdx, delta: i128) {
        self.customer_stake[c.0 as usize] -= delta;
        self.stake -= delta;
    }

    /// Customer `c`'s part of [`Book::stake_usd`], USD (at most [`MAX_CUSTOMER_STAKE_USD`]).
    pub fn customer_stake_usd(&self, c: CustomerIdx) -> i128 {
        self.customer_stake[c.0 as usize]
    }

    /// Brings an initial order to where `p` says it stands, as the events would: a promise
    /// (as a recorded plan makes) that is then confirmed, then the delivery. Errors name the
    /// field (`confirmed` or `delivered`) of the order.
    fn apply_progress(&mut self, p: OrderProgress) -> Result<(), BookError> {
        let obj = format!("order {}", p.order);
        let i = self.order(&p.order)?;
        if let Some(c) = p.confirmed {
            let o = &self.orders[i.0 as usize];
            if o.status != OrderStatus::Placed {
                return Err(BookError::new(
                    obj,
                    "confirmed",
                    format!("the order is already {}", o.status.as_str()),
                ));
            }
            if c.units == 0 || c.units > o.units {
                return Err(BookError::new(
                    obj,
                    "confirmed",
                    format!("{} units must be between 1 and {}", c.units, o.units),
                ));
            }
            self.period_in(&obj, "confirmed", c.by)?;
            let o = self.orders.get_mut(i.0 as usize);
            o.promise = Some(c);
            o.status = OrderStatus::Promised;
            self.apply_event(
                Event::OrderConfirmed {
                    order: p.order.clone(),
                },
                true,
            )
            .map_err(|e| BookError::new(e.object, "confirmed", e.message))?;
        }
        if let Some(d) = p.delivered {
            self.apply_event(
                Event::OrderDelivered {
                    order: p.order,
                    units: d.units,
                    period: d.period,
                },
                true,
            )
            .map_err(|e| BookError::new(e.object, "delivered", e.message))?;
        }
        Ok(())
    }

    /// Checks that generation `g`'s recorded deliveries, plus `deliver` (units in a period), stay
    /// within its supply, plus `adjust` (a change in a period), up to every period of the
    /// horizon (units not delivered carry to later periods, none come from later ones). Says
    /// where they would not.
    fn deliveries_within_supply(
        &self,
        g: GenIdx,
        deliver: Option<(Period, u64)>,
        adjust: Option<(Period, i64)>,
    ) -> Result<(), String> {
        let gi = g.0 as usize;
        // The supply the planner's network starts from.
        let mut supply: Vec<i64> = self
            .supply_matrix()
            .swap_remove(gi)
            .into_iter()
            .map(|u| u as i64)
            .collect();
        if let Some((p, d)) = adjust {
            supply[p.0 as usize] += d;
        }
        let (mut cum_s, mut cum_d) = (0i64, 0i64);
        for (t, &s) in supply.iter().enumerate() {
            cum_s += s.max(0);
            cum_d += self.delivered_units[gi][t] as i64;
            if let Some((p, u)) = deliver {
                if p.0 as usize == t {
                    cum_d += u as i64;
                }
            }
            if cum_d > cum_s {
                let key = &self.generations[gi].key;
                return Err(match (deliver, adjust) {
                    (Some((p, u)), _) => format!(
                        "{u} units of {key} in period {} would exceed its supply: {cum_d} units \
                         delivered by period {t} against {cum_s} supplied by then",
                        p.0
                    ),
                    (None, Some(_)) => format!(
                        "would leave {key} with {cum_s} units supplied by period {t}, fewer than \
                         the {cum_d} already delivered by then"
                    ),
                    (None, None) => format!(
                        "of {key}, {cum_d} units by period {t}, exceed the {cum_s} supplied by then"
                    ),
                });
            }
        }
        Ok(())
    }

    fn set_supply(&mut self, supply: SupplyInputs) -> Result<(), BookError> {
        let t = self.horizon.periods() as usize;
        let base = match &supply {
            SupplyInputs::Explicit(rows) => {
                if rows.len() != self.generations.len() {
                    return Err(BookError::new(
                        "supply",
                        "units",
                        format!(
                            "has {} generations, the book has {}",
                            rows.len(),
                            self.generations.len()
                        ),
                    ));
                }
                for (g, row) in rows.iter().enumerate() {
                    if row.len() != t {
                        return Err(BookError::new(
                            format!("supply of {}", self.generations[g].key),
                            "units",
                            format!("has {} periods, the horizon has {t}", row.len()),
                        ));
                    }
                    if let Some(v) = row.iter().find(|&&v| v > MAX_UNITS) {
                        return Err(BookError::new(
                            format!("supply of {}", self.generations[g].key),
                            "units",
                            format!("{v} exceeds {MAX_UNITS}"),
                        ));
                    }
                }
                rows.clone()
            }
            SupplyInputs::Foundry(f) => {
                if f.generations.len() != self.generations.len() {
                    return Err(BookError::new(
                        "supply",
                        "foundry",
                        format!(
                            "has inputs for {} generations, the book has {}",
                            f.generations.len(),
                            self.generations.len()
                        ),
                    ));
                }
                for (g, (inputs, generation)) in
                    f.generations.iter().zip(&self.generations).enumerate()
                {
                    if inputs.chips_per_unit() != generation.chips_per_unit {
                        return Err(BookError::new(
                            format!("supply of {}", generation.key),
                            "chips_per_unit",
                            format!(
                                "the foundry inputs of generation {} count {} chips per unit, the generation {}",
                                g + 1,
                                inputs.chips_per_unit(),
                                generation.chips_per_unit
                            ),
                        ));
                    }
                }
                let plan =
                    supply::plan(&f.generations, &f.shared, &f.policy, self.horizon.periods())
                        .map_err(|e| BookError::new("supply", "foundry", e.to_string()))?;
                self.supply_binding = Some(
                    (0..self.generations.len())
                        .map(|g| {
                            (0..t)
                                .map(|p| plan.binding(g, p).unwrap_or(supply::Binding::None))
                                .collect()
                        })
                        .collect(),
                );
                (0..self.generations.len())
                    .map(|g| (0..t).map(|p| plan.units(g, p).unwrap_or(0)).collect())
                    .collect()
            }
        };
        self.supply = supply;
        self.base_supply = base;
        Ok(())
    }

    fn gen_by_key(&self, obj: &str, field: &str, key: &str) -> Result<GenIdx, BookError> {
        self.gen_index
            .get(key)
            .copied()
            .ok_or_else(|| BookError::new(obj, field, format!("unknown generation {key:?}")))
    }

    fn period_in(&self, obj: &str, field: &str, p: Period) -> Result<(), BookError> {
        if p.0 < self.horizon.periods() {
            Ok(())
        } else {
            Err(BookError::new(
                obj,
                field,
                format!(
                    "period {} is outside the horizon of {} periods",
                    p.0,
                    self.horizon.periods()
                ),
            ))
        }
    }

    fn check_substitutes(
        &self,
        obj: &str,
        primary: GenIdx,
        subs: &[SubstituteSpec],
    ) -> Result<Vec<Substitute>, BookError> {
        let mut out: Vec<Substitute> = Vec::with_capacity(subs.len());
        for s in subs {
            let g = self.gen_by_key(obj, "substitutes", &s.generation)?;
            if g == primary {
                return Err(BookError::new(
                    obj,
                    "substitutes",
                    format!(
                        "generation {:?} is the order's own generation, not a substitute",
                        s.generation
                    ),
                ));
            }
            if out.iter().any(|o| o.generation == g) {
                return Err(BookError::new(
                    obj,
                    "substitutes",
                    format!("generation {:?} listed twice", s.generation),
                ));
            }
            if s.value_factor_bp == 0 || s.value_factor_bp > MAX_VALUE_FACTOR_BP {
                return Err(BookError::new(
                    obj,
                    "substitutes",
                    format!(
                        "value factor {} bp must be between 1 and {MAX_VALUE_FACTOR_BP}",
                        s.value_factor_bp
                    ),
                ));
            }
            out.push(Substitute {
                generation: g,
                value_factor_bp: s.value_factor_bp,
            });
        }
        Ok(out)
    }

    /// Applies one event: validates it fully, then changes the book. A refused event changes nothing.
    pub fn apply(&mut self, event: Event) -> Result<(), BookError> {
        self.apply_event(event, false)
    }

    /// Applies a batch atomically: either every event applies, or the book is unchanged and the
    /// index of the first refused event is returned with its error.
    pub fn apply_all(&mut self, events: Vec<Event>) -> Result<(), (usize, BookError)> {
        let mut scratch = self.clone();
        for (i, e) in events.into_iter().enumerate() {
            scratch.apply_event(e, false).map_err(|err| (i, err))?;
        }
        *self = scratch;
        Ok(())
    }

    /// Checks that `events` would apply, without changing the book.
    pub fn validate_all(&self, events: &[Event]) -> Result<(), (usize, BookError)> {
        let mut scratch = self.clone();
        for (i, e) in events.iter().enumerate() {
            scratch
                .apply_event(e.clone(), false)
                .map_err(|err| (i, err))?;
        }
        Ok(())
    }

    fn apply_event(&mut self, event: Event, initial: bool) -> Result<(), BookError> {
        match event {
            Event::BookCreated(_) => {
                return Err(BookError::new(
                    "event",
                    "kind",
                    "a book is created once, by Book::new",
                ));
            }
            Event::ContractAdded(c) => {
                let obj = format!("contract {}", c.key);
                check_key(&obj, &c.key)?;
                if self.contract_index.contains_key(&c.key) {
                    return Err(BookError::new(obj, "id", "duplicate contract id"));
                }
                let customer = self.customer(&obj, &c.customer)?;
                check_usd(
                    &obj,
                    "shortfall_penalty_usd_per_unit",
                    c.shortfall_penalty_usd_per_unit,
                )?;
                let mut commitments = Vec::with_capacity(c.commitments.len());
                for (i, cm) in c.commitments.iter().enumerate() {
                    let cobj = format!("{obj} commitment {}", i + 1);
                    let generation = self.gen_by_key(&cobj, "generation", &cm.generation)?;
                    check_units(&cobj, "units", cm.units)?;
                    let kind = match cm.kind {
                        CommitmentKindSpec::Delivery {
                            earliest,
                            due,
                            price_usd_per_unit,
                        } => {
                            self.period_in(&cobj, "earliest", earliest)?;
                            self.period_in(&cobj, "due", due)?;
                            if earliest > due {
                                return Err(BookError::new(cobj, "due", "is before earliest"));
                            }
                            check_usd(&cobj, "price_usd_per_unit", price_usd_per_unit)?;
                            CommitmentKind::Delivery {
                                earliest,
                                due,
                                price_usd_per_unit,
                            }
                        }
                        CommitmentKindSpec::Capacity {
                            start,
                            end,
                            price_usd_per_unit_period,
                        } => {
                            self.period_in(&cobj, "start", start)?;
                            if end.0 <= start.0 || end.0 > self.horizon.periods() {
                                return Err(BookError::new(cobj, "end", self.end_message(start)));
                            }
                            check_usd(
                                &cobj,
                                "price_usd_per_unit_period",
                                price_usd_per_unit_period,
                            )?;
                            CommitmentKind::Capacity {
                                start,
                                end,
                                price_usd_per_unit_period,
                            }
                        }
                    };
                    commitments.push(Commitment {
                        generation,
                        units: cm.units,
                        kind,
                        delivered: Vec::new(),
                    });
                }
                let t = self.horizon.periods() as i128;
                let penalty = c.shortfall_penalty_usd_per_unit.unsigned_abs() as i128;
                let stake: i128 = commitments
                    .iter()
                    .map(|cm: &Commitment| {
                        let price = match cm.kind {
                            CommitmentKind::Delivery {
                                price_usd_per_unit, ..
                            } => price_usd_per_unit,
                            CommitmentKind::Capacity {
                                price_usd_per_unit_period,
                                ..
                            } => price_usd_per_unit_period,
                        };
                        cm.units as i128 * (penalty + price.unsigned_abs() as i128 * t)
                    })
                    .sum();
                self.add_customer_stake(customer, &obj, "commitments", stake)?;
                self.contract_index
                    .insert(c.key.clone(), self.contracts.len());
                self.contracts.push(Contract {
                    key: c.key,
                    customer,
                    shortfall_penalty_usd_per_unit: c.shortfall_penalty_usd_per_unit,
                    commitments,
                    note: c.note,
                });
            }
            Event::OrderPlaced(o) => {
                let obj = format!("order {}", o.key);
                check_key(&obj, &o.key)?;
                if self.order_index().contains_key(&o.key) {
                    return Err(BookError::new(obj, "id", "duplicate order id"));
                }
                let customer = self.customer(&obj, &o.customer)?;
                let sku = *self.sku_index.get(&o.sku).ok_or_else(|| {
                    BookError::new(&obj, "sku", format!("unknown sku {:?}", o.sku))
                })?;
                check_units(&obj, "quantity", o.quantity)?;
                let units = o
                    .quantity
                    .saturating_mul(self.skus[sku.0 as usize].size_units as u64);
                check_units(&obj, "quantity", units)?;
                self.period_in(&obj, "earliest", o.earliest)?;
                self.period_in(&obj, "latest", o.latest)?;
                if o.earliest > o.latest {
                    return Err(BookError::new(obj, "latest", "is before earliest"));
                }
                check_usd(&obj, "price_usd_per_unit", o.price_usd_per_unit)?;
                check_usd(
                    &obj,
                    "lateness_penalty_usd_per_unit_period",
                    o.lateness_penalty_usd_per_unit_period,
                )?;
                let primary = self.skus[sku.0 as usize].generation;
                let substitutes = self.check_substitutes(&obj, primary, &o.substitutes)?;
                let _ = initial;
                let stake = self.order_stake(
                    units,
                    o.price_usd_per_unit,
                    o.lateness_penalty_usd_per_unit_period,
                );
                self.add_customer_stake(customer, &obj, "quantity", stake)?;
                let idx = OrderIdx(self.orders.len() as u32);
                self.order_index_mut().insert(o.key.clone(), idx);
                self.orders.push(Order {
                    key: o.key,
                    customer,
                    sku,
                    quantity: o.quantity,
                    units,
                    earliest: o.earliest,
                    latest: o.latest,
                    price_usd_per_unit: o.price_usd_per_unit,
                    lateness_penalty_usd_per_unit_period: o.lateness_penalty_usd_per_unit_period,
                    substitutes,
                    status: OrderStatus::Placed,
                    promise: None,
                    confirmed: None,
                    delivered: None,
                });
            }
            Event::OrderCancelled { order, reason: _ } => {
                let i = self.order(&order)?;
                let o = &self.orders[i.0 as usize];
                if matches!(o.status, OrderStatus::Delivered | OrderStatus::Cancelled) {
                    return Err(BookError::new(
                        format!("order {order}"),
                        "status",
                        format!("a {} order cannot be cancelled", o.status.as_str()),
                    ));
                }
                let (customer, stake) = (
                    o.customer,
                    self.order_stake(
                        o.units,
                        o.price_usd_per_unit,
                        o.lateness_penalty_usd_per_unit_period,
                    ),
                );
                self.release_customer_stake(customer, stake);
                let o = self.orders.get_mut(i.0 as usize);
                o.status = OrderStatus::Cancelled;
                o.promise = None;
                o.confirmed = None;
            }
            Event::OrderConfirmed { order } => {
                let i = self.order(&order)?;
                let o = &self.orders[i.0 as usize];
                let Some(p) = o.promise else {
                    return Err(BookError::new(
                        format!("order {order}"),
                        "status",
                        format!(
                            "is {}, only a promised order can be confirmed (run plan first)",
                            o.status.as_str()
                        ),
                    ));
                };
                if o.status != OrderStatus::Promised {
                    return Err(BookError::new(
                        format!("order {order}"),
                        "status",
                        format!(
                            "is {}, only a promised order can be confirmed",
                            o.status.as_str()
                        ),
                    ));
                }
                // The message is read by the order's customer: it says what kind of change
                // blocks the confirmation, not which (a supply cut's note and a contract's id
                // are the vendor's and other customers'; staff read them from
                // `changed_since_plan`).
                if self.changed_since_plan().is_some() && !initial {
                    return Err(BookError::new(
                        format!("order {order}"),
                        "promise",
                        CONFIRM_AFTER_CHANGE,
                    ));
                }
                let o = self.orders.get_mut(i.0 as usize);
                o.confirmed = Some(p);
                o.status = OrderStatus::Confirmed;
            }
            Event::OrderDelivered {
                order,
                units,
                period,
            } => {
                let i = self.order(&order)?;
                let obj = format!("order {order}");
                self.period_in(&obj, "period", period)?;
                let o = &self.orders[i.0 as usize];
                if matches!(o.status, OrderStatus::Delivered | OrderStatus::Cancelled) {
                    return Err(BookError::new(
                        obj,
                        "status",
                        format!("is already {}", o.status.as_str()),
                    ));
                }
                if units == 0 || units > o.units {
                    return Err(BookError::new(
                        obj,
                        "units",
                        format!("{units} must be between 1 and {}", o.units),
                    ));
                }
                let g = self.skus[o.sku.0 as usize].generation;
                self.deliveries_within_supply(g, Some((period, units)), None)
                    .map_err(|m| BookError::new(obj, "units", m))?;
                self.delivered_units[g.0 as usize][period.0 as usize] += units;
                let o = self.orders.get_mut(i.0 as usize);
                o.delivered = Some(Delivery { units, period });
                o.status = OrderStatus::Delivered;
            }
            Event::CommitmentDelivered {
                contract,
                commitment,
                units,
                period,
            } => {
                let ci = *self.contract_index.get(&contract).ok_or_else(|| {
                    BookError::new(format!("contract {contract}"), "id", "no such contract")
                })?;
                let c = &self.contracts[ci];
                let n = commitment as u64 + 1;
                let Some(cm) = c.commitments.get(commitment as usize) else {
                    return Err(BookError::new(
                        format!("contract {contract}"),
                        "commitment",
                        format!(
                            "there is no commitment {n}: the contract has {} (numbered from 1)",
                            c.commitments.len()
                        ),
                    ));
                };
                let obj = format!("contract {contract} commitment {n}");
                if !matches!(cm.kind, CommitmentKind::Delivery { .. }) {
                    return Err(BookError::new(
                        obj,
                        "kind",
                        "is a capacity commitment (cloud capacity is held, not shipped); \
                         only delivery commitments record deliveries",
                    ));
                }
                self.period_in(&obj, "period", period)?;
                let owed = cm.owed_units();
                if owed == 0 {
                    return Err(BookError::new(
                        obj,
                        "units",
                        format!("all {} units are already delivered", cm.units),
                    ));
                }
                if units == 0 || units > owed {
                    return Err(BookError::new(
                        obj,
                        "units",
                        format!(
                            "{units} must be between 1 and {owed}, the units still owed \
                             ({} committed, {} delivered)",
                            cm.units,
                            cm.delivered_units()
                        ),
                    ));
                }
                let g = cm.generation;
                self.deliveries_within_supply(g, Some((period, units)), None)
                    .map_err(|m| BookError::new(obj, "units", m))?;
                self.delivered_units[g.0 as usize][period.0 as usize] += units;
                // One entry per period, in period order.
                let delivered = &mut self.contracts[ci].commitments[commitment as usize].delivered;
                match delivered.binary_search_by_key(&period, |d| d.period) {
                    Ok(i) => delivered[i].units += units,
                    Err(i) => delivered.insert(i, Delivery { units, period }),
                }
            }
            Event::ReservationPlaced(r) => {
                let obj = format!("reservation {}", r.key);
                check_key(&obj, &r.key)?;
                if self.reservation_index.contains_key(&r.key) {
                    return Err(BookError::new(obj, "id", "duplicate reservation id"));
                }
                let customer = self.customer(&obj, &r.customer)?;
                let generation = self.gen_by_key(&obj, "generation", &r.generation)?;
                check_units(&obj, "units", r.units)?;
                self.period_in(&obj, "start", r.start)?;
                if r.end.0 <= r.start.0 || r.end.0 > self.horizon.periods() {
                    return Err(BookError::new(obj, "end", self.end_message(r.start)));
                }
                check_usd(
                    &obj,
                    "price_usd_per_unit_period",
                    r.price_usd_per_unit_period,
                )?;
                let stake = self.reservation_stake(r.units, r.price_usd_per_unit_period);
                self.add_customer_stake(customer, &obj, "units", stake)?;
                let idx = ReservationIdx(self.reservations.len() as u32);
                self.reservation_index.insert(r.key.clone(), idx);
                self.reservations.push(Reservation {
                    key: r.key,
                    customer,
                    generation,
                    units: r.units,
                    start: r.start,
                    end: r.end,
                    price_usd_per_unit_period: r.price_usd_per_unit_period,
                    cancelled: false,
                });
            }
            Event::ReservationCancelled { reservation } => {
                let i = *self.reservation_index.get(&reservation).ok_or_else(|| {
                    BookError::new(
                        format!("reservation {reservation}"),
                        "id",
                        "no such reservation",
                    )
                })?;
                let r = &self.reservations[i.0 as usize];
                if r.cancelled {
                    return Err(BookError::new(
                        format!("reservation {reservation}"),
                        "status",
                        "is already cancelled",
                    ));
                }
                let (customer, stake) = (
                    r.customer,
                    self.reservation_stake(r.units, r.price_usd_per_unit_period),
                );
                self.release_customer_stake(customer, stake);
                self.reservations[i.0 as usize].cancelled = true;
            }
            Event::SupplyAdjusted(adj) => {
                let obj = format!("supply adjustment of {}", adj.generation);
                let g = self.gen_by_key(&obj, "generation", &adj.generation)?;
                self.period_in(&obj, "period", adj.period)?;
                if adj.delta_units == 0 {
                    return Err(BookError::new(obj, "delta_units", "must not be 0"));
                }
                let current = self.supply_units(g, adj.period) as i128;
                let after = current + adj.delta_units as i128;
                if after < 0 || after > MAX_UNITS as i128 {
                    return Err(BookError::new(
                        obj,
                        "delta_units",
                        format!(
                            "{} would take the supply of {} from {current} to {after} units \
                             (0 to {MAX_UNITS})",
                            adj.delta_units,
                            self.horizon.month_of(adj.period)
                        ),
                    ));
                }
                if adj.delta_units < 0 {
                    self.deliveries_within_supply(g, None, Some((adj.period, adj.delta_units)))
                        .map_err(|m| BookError::new(&obj, "delta_units", m))?;
                }
                let stake = self.supply_unit_stake(g) * adj.delta_units as i128;
                self.add_supply_stake(&obj, "delta_units", stake)?;
                self.supply_adjustments.push(SupplyAdjustment {
                    generation: g,
                    period: adj.period,
                    delta_units: adj.delta_units,
                    note: adj.note,
                });
            }
            Event::PlanRecorded(rec) => {
                // Every order named must exist (only open ones change); promises replace the
                // previous ones.
                let periods = self.horizon.periods();
                let mut resolved = Vec::with_capacity(rec.promises.len());
                // A plan lists its promises in the orders' order: they are found by walking the
                // orders alongside; one the walk does not meet is looked up in the index.
                let mut walk = self.orders.in_order();
                for p in &rec.promises {
                    let i = match walk.find(&p.order) {
                        Some(i) => OrderIdx(i),
                        None => self.order(&p.order)?,
                    };
                    let o = &self.orders[i.0 as usize];
                    if p.units > o.units {
                        return Err(BookError::new(
                            format!("order {}", p.order),
                            "promise",
                            "promises more than ordered",
                        ));
                    }
                    if p.by.0 >= periods {
                        self.period_in(&format!("order {}", p.order), "promise", p.by)?;
                    }
                    resolved.push((
                        i,
                        Promise {
                            units: p.units,
                            by: p.by,
                        },
                    ));
                }
                // Each order's status and promise after the record, worked out on the side: a
                // promised (or placed) order goes back to placed with no promise, then the
                // record's promises apply in turn. Only the orders that end up different are
                // written, since each write copies its part of the list the previous book
                // shares (a re-plan mostly keeps the promises it recorded before).
                let mut next: Vec<(OrderStatus, Option<Promise>)> = (self.orders.iter())
                    .map(|o| match o.status {
                        OrderStatus::Promised | OrderStatus::Placed => (OrderStatus::Placed, None),
                        s => (s, o.promise),
                    })
                    .collect();
                for (i, p) in resolved {
                    let n = &mut next[i.0 as usize];
                    match n.0 {
                        OrderStatus::Placed if p.units > 0 => *n = (OrderStatus::Promised, Some(p)),
                        OrderStatus::Confirmed => n.1 = Some(p),
                        _ => {}
                    }
                }
                let changed: Vec<usize> = (self.orders.iter().zip(&next).enumerate())
                    .filter(|(_, (o, n))| (o.status, o.promise) != **n)
                    .map(|(i, _)| i)
                    .collect();
                for i in changed {
                    let o = self.orders.get_mut(i);
                    (o.status, o.promise) = next[i];
                }
                self.last_plan = Some(Arc::new(rec));
            }
        }
        self.events_applied += 1;
        Ok(())
    }

    fn customer(&self, obj: &str, key: &str) -> Result<CustomerIdx, BookError> {
        self.customer_index
            .get(key)
            .copied()
            .ok_or_else(|| BookError::new(obj, "customer", format!("unknown customer {key:?}")))
    }

    /// The order-id index (built now if it was not yet).
    fn order_index(&self) -> &PersistentMap<String, OrderIdx> {
        self.order_index.0.get_or_init(|| {
            let mut m = PersistentMap::default();
            for (i, o) in self.orders.iter().enumerate() {
                m.insert(o.key.clone(), OrderIdx(i as u32));
            }
            m
        })
    }

    fn order_index_mut(&mut self) -> &mut PersistentMap<String, OrderIdx> {
        self.order_index();
        self.order_index
            .0
            .get_mut()
            .expect("the index was just built")
    }

    /// Builds the order-id index now if it was not yet. Every lookup of an order by id (and
    /// every event naming an order) builds it when first needed; on a large book that takes a
    /// noticeable part of a second, so a caller that will need it (the server, which builds it
    /// once at load so that every later copy of the book carries it) may build it up front.
    pub fn prepare_order_index(&self) {
        self.order_index();
    }

    fn order(&self, key: &str) -> Result<OrderIdx, BookError> {
        self.order_index()
            .get(key)
            .copied()
            .ok_or_else(|| BookError::new(format!("order {key}"), "id", "no such order"))
    }

    /// The book's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The planning horizon.
    pub fn horizon(&self) -> Horizon {
        self.horizon
    }
    /// Generations in the order they were declared.
    pub fn generations(&self) -> &[Generation] {
        &self.generations
    }
    /// SKUs.
    pub fn skus(&self) -> &[Sku] {
        &self.skus
    }
    /// Customers.
    pub fn customers(&self) -> &[Customer] {
        &self.customers
    }
    /// Contracts with their commitments.
    pub fn contracts(&self) -> &[Contract] {
        &self.contracts
    }
    /// Merchant orders in placement order (cancelled and delivered ones included).
    pub fn orders(&self) -> &OrderList {
        &self.orders
    }
    /// Cloud capacity reservations (cancelled ones included).
    pub fn reservations(&self) -> &[Reservation] {
        &self.reservations
    }
    /// The supply inputs (explicit units or the foundry model).
    pub fn supply_inputs(&self) -> &SupplyInputs {
        &self.supply
    }
    /// Supply adjustments applied after the book was created, in order.
    pub fn supply_adjustments(&self) -> &[SupplyAdjustment] {
        &self.supply_adjustments
    }
    /// The last recorded plan's promises, if any plan was recorded.
    pub fn last_plan(&self) -> Option<&PlanRecord> {
        self.last_plan.as_deref()
    }
    /// Number of events applied since creation.
    pub fn events_applied(&self) -> u64 {
        self.events_applied
    }
    /// Supply before adjustments: planning units of `g` finished in period `t`.
    pub fn base_supply_units(&self, g: GenIdx, t: Period) -> u64 {
        self.base_supply[g.0 as usize][t.0 as usize]
    }
    /// Supply after adjustments: planning units of `g` finished in period `t`.
    pub fn supply_units(&self, g: GenIdx, t: Period) -> u64 {
        let base = self.base_supply[g.0 as usize][t.0 as usize] as i64;
        let delta: i64 = self
            .supply_adjustments
            .iter()
            .filter(|a| a.generation == g && a.period == t)
            .map(|a| a.delta_units)
            .sum();
        (base + delta).max(0) as u64
    }
    /// The reason for `g`'s supply in period `t` when recorded adjustments changed it: "cut by
    /// adjustment" or "raised by adjustment" (by their net effect); None when they did not change
    /// it, and then the supply plan's binding input ([`Book::supply_binding`]) is the reason.
    pub fn supply_adjustment_label(&self, g: GenIdx, t: Period) -> Option<&'static str> {
        let (after, before) = (self.supply_units(g, t), self.base_supply_units(g, t));
        match after.cmp(&before) {
            std::cmp::Ordering::Less => Some("cut by adjustment"),
            std::cmp::Ordering::Greater => Some("raised by adjustment"),
            std::cmp::Ordering::Equal => None,
        }
    }
    /// Units of generation `g` buyers ask for from `now`: open orders naming it first (whose
    /// window has not passed), and the units still owed on delivery commitments due from `now`.
    pub fn buyer_demand_units(&self, now: Period, g: GenIdx) -> u64 {
        let orders: u64 = self
            .orders
            .iter()
            .filter(|o| o.status.is_open() && self.sku(o.sku).generation == g && o.latest >= now)
            .map(|o| o.units)
            .sum();
        let commitments: u64 = self
            .contracts
            .iter()
            .flat_map(|c| c.commitments.iter())
            .filter(|cm| cm.generation == g)
            .filter(|cm| matches!(cm.kind, CommitmentKind::Delivery { due, .. } if due >= now))
            .map(|cm| cm.owed_units())
            .sum();
        orders + commitments
    }

    /// What the cloud must hold of generation `g` in period `t`: its own demand forecast plus open
    /// reservations and capacity commitments running then.
    pub fn cloud_load_units(&self, g: GenIdx, t: Period) -> u64 {
        let reserved: u64 = self
            .reservations
            .iter()
            .filter(|r| !r.cancelled && r.generation == g && r.start <= t && t < r.end)
            .map(|r| r.units)
            .sum();
        let committed: u64 = self
            .contracts
            .iter()
            .flat_map(|c| c.commitments.iter())
            .filter(|cm| cm.generation == g)
            .filter(|cm| {
                matches!(cm.kind, CommitmentKind::Capacity { start, end, .. } if start <= t && t < end)
            })
            .map(|cm| cm.units)
            .sum();
        self.generations[g.0 as usize].cloud_demand_units[t.0 as usize] + reserved + committed
    }

    /// Supply after adjustments for every generation and period.
    pub fn supply_matrix(&self) -> Vec<Vec<u64>> {
        let mut m = self.base_supply.clone();
        for a in &self.supply_adjustments {
            let cell = &mut m[a.generation.0 as usize][a.period.0 as usize];
            *cell = (*cell as i64 + a.delta_units).max(0) as u64;
        }
        m
    }
    /// The input that binds the supply plan for `g` in period `t` (None for explicit supply).
    pub fn supply_binding(&self, g: GenIdx, t: Period) -> Option<supply::Binding> {
        self.supply_binding
            .as_ref()
            .map(|b| b[g.0 as usize][t.0 as usize])
    }
    /// Looks a generation up by id.
    pub fn generation_idx(&self, key: &str) -> Option<GenIdx> {
        self.gen_index.get(key).copied()
    }
    /// Looks a SKU up by id.
    pub fn sku_idx(&self, key: &str) -> Option<SkuIdx> {
        self.sku_index.get(key).copied()
    }
    /// Looks a customer up by id.
    pub fn customer_idx(&self, key: &str) -> Option<CustomerIdx> {
        self.customer_index.get(key).copied()
    }
    /// Looks an order up by id.
    pub fn order_idx(&self, key: &str) -> Option<OrderIdx> {
        self.order_index().get(key).copied()
    }
    /// The generation at `g`.
    pub fn generation(&self, g: GenIdx) -> &Generation {
        &self.generations[g.0 as usize]
    }
    /// The SKU at `s`.
    pub fn sku(&self, s: SkuIdx) -> &Sku {
        &self.skus[s.0 as usize]
    }
    /// The customer at `c`.
    pub fn customer_at(&self, c: CustomerIdx) -> &Customer {
        &self.customers[c.0 as usize]
    }
    /// The order at `o`.
    pub fn order_at(&self, o: OrderIdx) -> &Order {
        &self.orders[o.0 as usize]
    }
}
