//! Rebuilding a book from its parts (a checkpoint of the event fold), checking every invariant
//! the fold keeps.
//!
//! A snapshot codec at the edge (`scenario`) decodes a stored checkpoint into [`BookParts`] and
//! hands it to [`Book::restore`]. Nothing is trusted: the header goes through [`Book::new`],
//! contracts, reservations and supply adjustments through the same checks as their events, and
//! every order is checked field by field, including that its status, promises and delivery have
//! a shape the event fold can produce. A blob that decodes but breaks an invariant is refused
//! with a [`BookError`], so a damaged snapshot cannot bring a broken book into memory.

use crate::*;

/// Everything a [`Book`] holds, as plain values: what [`Book::restore`] rebuilds a book from.
/// Indices (`GenIdx`, `SkuIdx`, `CustomerIdx`) refer to positions in these vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct BookParts {
    /// Book name.
    pub name: String,
    /// Horizon.
    pub horizon: Horizon,
    /// Generations in declaration order.
    pub generations: Vec<Generation>,
    /// Supply inputs (the per-period units are recomputed from them).
    pub supply: SupplyInputs,
    /// SKUs.
    pub skus: Vec<Sku>,
    /// Customers.
    pub customers: Vec<Customer>,
    /// Contracts with their commitments, in the order they were added.
    pub contracts: Vec<Contract>,
    /// Orders in placement order, with their status, promises and deliveries (an
    /// [`OrderList`] collects from an iterator of orders).
    pub orders: OrderList,
    /// Reservations in the order they were placed, cancelled ones included.
    pub reservations: Vec<Reservation>,
    /// Supply adjustments in the order they were applied.
    pub supply_adjustments: Vec<SupplyAdjustment>,
    /// The last recorded plan.
    pub last_plan: Option<PlanRecord>,
    /// The book's count of events applied ([`Book::events_applied`]).
    pub events_applied: u64,
}

fn out_of_range(object: String, field: &str, what: &str, i: u64, len: usize) -> BookError {
    BookError::new(
        object,
        field,
        format!("{what} index {i} is out of range (there are {len})"),
    )
}

impl Book {
    /// The book's parts, as [`Book::restore`] takes them (a copy).
    pub fn to_parts(&self) -> BookParts {
        BookParts {
            name: self.name.clone(),
            horizon: self.horizon,
            generations: self.generations.clone(),
            supply: self.supply.clone(),
            skus: self.skus.clone(),
            customers: self.customers.clone(),
            contracts: self.contracts.clone(),
            orders: self.orders.clone(),
            reservations: self.reservations.clone(),
            supply_adjustments: self.supply_adjustments.clone(),
            last_plan: self.last_plan.as_deref().cloned(),
            events_applied: self.events_applied,
        }
    }

    /// Rebuilds a book from its parts, checking every invariant [`Book::new`] and
    /// [`Book::apply`] keep; the result equals the book the parts were read from. Any violation
    /// is an error naming the object and field (never a panic), and the book is not built.
    pub fn restore(parts: BookParts) -> Result<Book, BookError> {
        let BookParts {
            name,
            horizon,
            generations,
            supply,
            skus,
            customers,
            contracts,
            orders,
            reservations,
            supply_adjustments,
            last_plan,
            events_applied,
        } = parts;
        let gen_key = |obj: String, field: &str, g: GenIdx| -> Result<String, BookError> {
            generations
                .get(g.0 as usize)
                .map(|x| x.key.clone())
                .ok_or_else(|| {
                    out_of_range(obj, field, "generation", g.0.into(), generations.len())
                })
        };
        let cust_key = |obj: String, c: CustomerIdx| -> Result<String, BookError> {
            customers
                .get(c.0 as usize)
                .map(|x| x.key.clone())
                .ok_or_else(|| {
                    out_of_range(obj, "customer", "customer", c.0.into(), customers.len())
                })
        };
        // The header (generations, supply, SKUs, customers) through the constructor's checks.
        let sku_specs = skus
            .iter()
            .map(|s| {
                Ok(SkuSpec {
                    key: s.key.clone(),
                    name: s.name.clone(),
                    generation: gen_key(format!("sku {}", s.key), "generation", s.generation)?,
                    size_units: s.size_units,
                })
            })
            .collect::<Result<Vec<_>, BookError>>()?;
        // Contracts, reservations and adjustments are few: restore them through their events.
        let mut events = Vec::with_capacity(contracts.len() + reservations.len());
        for c in &contracts {
            let obj = format!("contract {}", c.key);
            let commitments = c
                .commitments
                .iter()
                .map(|cm| {
                    Ok(CommitmentSpec {
                        generation: gen_key(obj.clone(), "commitments", cm.generation)?,
                        units: cm.units,
                        kind: cm.kind,
                    })
                })
                .collect::<Result<Vec<_>, BookError>>()?;
            events.push(Event::ContractAdded(ContractSpec {
                key: c.key.clone(),
                customer: cust_key(obj, c.customer)?,
                shortfall_penalty_usd_per_unit: c.shortfall_penalty_usd_per_unit,
                commitments,
                note: c.note.clone(),
            }));
        }
        for r in &reservations {
            let obj = format!("reservation {}", r.key);
            events.push(Event::ReservationPlaced(ReservationSpec {
                key: r.key.clone(),
                customer: cust_key(obj.clone(), r.customer)?,
                generation: gen_key(obj, "generation", r.generation)?,
                units: r.units,
                start: r.start,
                end: r.end,
                price_usd_per_unit_period: r.price_usd_per_unit_period,
            }));
        }
        for a in &supply_adjustments {
            events.push(Event::SupplyAdjusted(SupplyAdjustmentSpec {
                generation: gen_key("supply adjustment".to_string(), "generation", a.generation)?,
                period: a.period,
                delta_units: a.delta_units,
                note: a.note.clone(),
            }));
        }
        let mut book = Book::new(BookSpec {
            name,
            horizon,
            generations,
            supply,
            skus: sku_specs,
            customers,
            contracts: Vec::new(),
            reservations: Vec::new(),
            orders: Vec::new(),
            order_progress: Vec::new(),
            commitment_progress: Vec::new(),
        })?;
        for e in events {
            book.apply_event(e, true)?;
        }
        for (i, r) in reservations.iter().enumerate() {
            if r.cancelled {
                let stake = book.reservation_stake(r.units, r.price_usd_per_unit_period);
                book.release_customer_stake(book.reservations[i].customer, stake);
            }
            book.reservations[i].cancelled = r.cancelled;
        }
        // Orders, the bulk of a large book: checked in index form, with no allocation unless
        // one is refused.
        if orders.len() > u32::MAX as usize {
            return Err(BookError::new(
                "book",
                "orders",
                format!("{} orders exceed the limit of {}", orders.len(), u32::MAX),
            ));
        }
        // Each order as `OrderPlaced` would check it, and the ids for duplicates with a map that
        // borrows them (the last plan's promises are resolved through it); the book's own index
        // is built when first needed. On a large book the id map (a million random inserts is a
        // quarter of opening a 1M-order book) is built on a second thread meanwhile. Either way
        // the error reported is the one a single pass meets first.
        let periods = book.horizon.periods();
        let check_ids = || -> Result<(), (usize, BookError)> {
            let mut ids: HashMap<&str, u32> = HashMap::default();
            ids.reserve(orders.len());
            for (i, o) in orders.iter().enumerate() {
                if ids.insert(o.key.as_str(), i as u32).is_some() {
                    let e = BookError::new(format!("order {}", o.key), "id", "duplicate order id");
                    return Err((i, e));
                }
            }
            match &last_plan {
                Some(plan) => {
                    check_restored_plan(plan, periods, &orders, &ids).map_err(|e| (usize::MAX, e))
                }
                None => Ok(()),
            }
        };
        // The orders' stake per customer, and their recorded deliveries per generation and
        // period.
        type Checked = (Vec<i128>, Vec<Vec<u64>>);
        let check_orders = || -> Result<Checked, (usize, BookError)> {
            let mut stake = vec![0i128; book.customers.len()];
            let mut delivered = vec![vec![0u64; periods as usize]; book.generations.len()];
            for (i, o) in orders.iter().enumerate() {
                book.check_restored_order(o).map_err(|e| (i, e))?;
                if o.status != OrderStatus::Cancelled {
                    stake[o.customer.0 as usize] += book.order_stake(
                        o.units,
                        o.price_usd_per_unit,
                        o.lateness_penalty_usd_per_unit_period,
                    );
                }
                if let Some(d) = o.delivered {
                    let g = book.skus[o.sku.0 as usize].generation;
                    delivered[g.0 as usize][d.period.0 as usize] += d.units;
                }
            }
            Ok((stake, delivered))
        };
        let two_cores = std::thread::available_parallelism().is_ok_and(|p| p.get() > 1);
        let (stake, ids) = if two_cores && orders.len() >= PARALLEL_RESTORE_ORDERS {
            // A thread the system refuses is no error: the ids are then checked here too.
            std::thread::scope(|sc| {
                let ids = std::thread::Builder::new().spawn_scoped(sc, check_ids);
                let stake = check_orders();
                let ids = match ids {
                    Ok(h) => h.join().expect("order id check thread"),
                    Err(_) => check_ids(),
                };
                (stake, ids)
            })
        } else {
            (check_orders(), check_ids())
        };
        // An order's own fields are checked before its id, and every order before the plan
        // (which `check_ids` reports at `usize::MAX`).
        let (order_stake, delivered) = match (stake, ids) {
            (Ok(checked), Ok(())) => checked,
            (Err((i, e)), Err((j, _))) if i <= j => return Err(e),
            (_, Err((_, e))) | (Err((_, e)), _) => return Err(e),
        };
        for (c, stake) in order_stake.into_iter().enumerate() {
            let c = CustomerIdx(c as u32);
            let obj = format!("customer {}", book.customers[c.0 as usize].key);
            book.add_customer_stake(c, &obj, "orders", stake)?;
        }
        book.orders = orders;
        // A new book has delivered nothing yet: the orders' deliveries are all there is so far.
        book.delivered_units = delivered;
        // Deliveries against commitments through their event (checked against the supply left
        // by every order's delivery); applied in order to an empty list, they rebuild it exactly
        // only if it was one entry per period, in period order, as the fold keeps it.
        for (ci, c) in contracts.iter().enumerate() {
            for (k, cm) in c.commitments.iter().enumerate() {
                for d in &cm.delivered {
                    book.apply_event(
                        Event::CommitmentDelivered {
                            contract: c.key.clone(),
                            commitment: k as u32,
                            units: d.units,
                            period: d.period,
                        },
                        true,
                    )
                    .map_err(|e| BookError::new(e.object, "delivered", e.message))?;
                }
                if book.contracts[ci].commitments[k].delivered != cm.delivered {
                    return Err(BookError::new(
                        format!("contract {} commitment {}", c.key, k + 1),
                        "delivered",
                        "deliveries must be one per period, in period order",
                    ));
                }
            }
        }
        for g in 0..book.generations.len() {
            book.deliveries_within_supply(GenIdx(g as u16), None, None)
                .map_err(|m| {
                    BookError::new(
                        format!("generation {}", book.generations[g].key),
                        "delivered",
                        format!("recorded deliveries {m}"),
                    )
                })?;
        }
        if let Some(plan) = last_plan {
            book.last_plan = Some(Arc::new(plan));
        }
        book.events_applied = events_applied;
        Ok(book)
    }

    /// Checks one order as `OrderPlaced` does, plus the shape of its lifecycle fields.
    fn check_restored_order(&self, o: &Order) -> Result<(), BookError> {
        let obj = || format!("order {}", o.key);
        if !key_ok(&o.key) {
            check_key(&obj(), &o.key)?;
        }
        if o.customer.0 as usize >= self.customers.len() {
            return Err(out_of_range(
                obj(),
                "customer",
                "customer",
                o.customer.0.into(),
                self.customers.len(),
            ));
        }
        let Some(sku) = self.skus.get(o.sku.0 as usize) else {
            return Err(out_of_range(
                obj(),
                "sku",
                "sku",
                o.sku.0.into(),
                self.skus.len(),
            ));
        };
        let units_ok = |v: u64| (1..=MAX_UNITS).contains(&v);
        let usd_ok = |v: i64| (0..=MAX_USD_PER_UNIT).contains(&v);
        if !units_ok(o.quantity) {
            check_units(&obj(), "quantity", o.quantity)?;
        }
        let units = o.quantity.saturating_mul(sku.size_units as u64);
        if o.units != units || !units_ok(units) {
            return Err(BookError::new(
                obj(),
                "units",
                format!(
                    "{} must be the quantity {} times the sku's {} units, at most {MAX_UNITS}",
                    o.units, o.quantity, sku.size_units
                ),
            ));
        }
        let periods = self.horizon.periods();
        if o.latest.0 >= periods || o.earliest > o.latest {
            return Err(BookError::new(
                obj(),
                "latest",
                format!(
                    "window {}..={} must lie in the horizon of {periods} periods",
                    o.earliest.0, o.latest.0
                ),
            ));
        }
        if !usd_ok(o.price_usd_per_unit) {
            check_usd(&obj(), "price_usd_per_unit", o.price_usd_per_unit)?;
        }
        if !usd_ok(o.lateness_penalty_usd_per_unit_period) {
            check_usd(
                &obj(),
                "lateness_penalty_usd_per_unit_period",
                o.lateness_penalty_usd_per_unit_period,
            )?;
        }
        let primary = sku.generation;
        for (k, s) in o.substitutes.iter().enumerate() {
            let ok = (s.generation.0 as usize) < self.generations.len()
                && s.generation != primary
                && !o.substitutes[..k]
                    .iter()
                    .any(|t| t.generation == s.generation)
                && (1..=MAX_VALUE_FACTOR_BP).contains(&s.value_factor_bp);
            if !ok {
                return Err(BookError::new(
                    obj(),
                    "substitutes",
                    format!(
                        "substitute {} (generation index {}, {} bp) is not valid for this order",
                        k + 1,
                        s.generation.0,
                        s.value_factor_bp
                    ),
                ));
            }
        }
        // What the fold can produce: see `apply_event` (placed, plan recorded, confirmed,
        // delivered, cancelled).
        let promise_ok =
            |p: &Option<Promise>| p.is_none_or(|p| p.units <= o.units && p.by.0 < periods);
        let shape_ok = promise_ok(&o.promise)
            && promise_ok(&o.confirmed)
            && o.confirmed.is_none_or(|c| c.units > 0)
            && match o.status {
                OrderStatus::Placed | OrderStatus::Cancelled => {
                    o.promise.is_none() && o.confirmed.is_none() && o.delivered.is_none()
                }
                OrderStatus::Promised => {
                    o.promise.is_some_and(|p| p.units > 0)
                        && o.confirmed.is_none()
                        && o.delivered.is_none()
                }
                OrderStatus::Confirmed => {
                    o.promise.is_some() && o.confirmed.is_some() && o.delivered.is_none()
                }
                OrderStatus::Delivered => {
                    (o.confirmed.is_none() || o.promise.is_some())
                        && o.delivered.is_some_and(|d| {
                            (1..=o.units).contains(&d.units) && d.period.0 < periods
                        })
                }
            };
        if !shape_ok {
            return Err(BookError::new(
                obj(),
                "status",
                format!(
                    "a {} order cannot have promise {:?}, confirmed {:?}, delivered {:?}",
                    o.status.as_str(),
                    o.promise,
                    o.confirmed,
                    o.delivered
                ),
            ));
        }
        Ok(())
    }
}

/// Books with at least this many orders have their order ids checked on a second thread while
/// the orders' fields are (see [`Book::restore`]).
const PARALLEL_RESTORE_ORDERS: usize = 1 << 16;

/// The test of [`check_key`] without building its message.
fn key_ok(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
}

/// Checks a recorded plan as `PlanRecorded` does (orders are never removed, so every order it
/// named still exists); like the event, it takes `now`, `supply_adjustments_seen` and
/// `contracts_seen` as given. `ids` maps each order's id to its index in `orders`.
fn check_restored_plan(
    plan: &PlanRecord,
    periods: u32,
    orders: &OrderList,
    ids: &HashMap<&str, u32>,
) -> Result<(), BookError> {
    // A plan lists its promises in the orders' order: they are found by walking the orders
    // alongside; a promise the walk does not meet ahead of it is looked up in `ids`.
    let mut walk = orders.in_order();
    for p in &plan.promises {
        let found = walk.find(&p.order);
        let Some(i) = found.or_else(|| ids.get(p.order.as_str()).copied()) else {
            return Err(BookError::new(
                format!("order {}", p.order),
                "id",
                "no such order",
            ));
        };
        if p.units > orders[i as usize].units || p.by.0 >= periods {
            return Err(BookError::new(
                format!("order {}", p.order),
                "promise",
                "the last plan promises more than ordered or outside the horizon",
            ));
        }
    }
    Ok(())
}
