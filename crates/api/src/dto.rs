//! The API's JSON shapes. Domain types are not `Serialize`; these DTOs are, and convert from them.
//! Periods are written as calendar months, `YYYY-MM`.

use book::{Book, Order, OrderIdx, Period, Promise};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A period as its calendar month, `YYYY-MM`.
pub(crate) fn format_month(book: &Book, p: Period) -> String {
    book.horizon().month_of(p).to_string()
}

/// A promise: units delivered by a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct PromiseDto {
    /// Planning units.
    pub units: u64,
    /// Month by which they are delivered.
    pub by: String,
}

impl PromiseDto {
    fn new(book: &Book, p: Promise) -> PromiseDto {
        PromiseDto {
            units: p.units,
            by: format_month(book, p.by),
        }
    }
}

/// An accepted substitute generation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubstituteDto {
    /// Generation id.
    pub generation: String,
    /// Value factor in basis points (10000 = same value as the primary).
    pub value_factor_bp: u32,
}

/// A recorded delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    /// Units shipped.
    pub units: u64,
    /// Month shipped.
    pub period: String,
}

/// An order as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDto {
    /// Order id.
    pub id: String,
    /// Customer id.
    pub customer: String,
    /// SKU id.
    pub sku: String,
    /// SKU items ordered.
    pub quantity: u64,
    /// Planning units ordered.
    pub units: u64,
    /// First delivery month.
    pub earliest: String,
    /// Last delivery month.
    pub latest: String,
    /// Price per planning unit, USD.
    pub price_usd_per_unit: i64,
    /// Lateness penalty per unit-period, USD.
    pub lateness_penalty_usd_per_unit_period: i64,
    /// Accepted substitutes.
    pub substitutes: Vec<SubstituteDto>,
    /// placed, promised, confirmed, delivered or cancelled.
    pub status: &'static str,
    /// The last recorded plan's promise.
    pub promise: Option<PromiseDto>,
    /// The confirmed (binding) promise.
    pub confirmed: Option<PromiseDto>,
    /// The delivery, once shipped.
    pub delivered: Option<DeliveryDto>,
}

impl OrderDto {
    /// Converts order `o` of `book`.
    pub fn new(book: &Book, o: &Order) -> OrderDto {
        OrderDto {
            id: o.key.clone(),
            customer: book.customer_at(o.customer).key.clone(),
            sku: book.sku(o.sku).key.clone(),
            quantity: o.quantity,
            units: o.units,
            earliest: format_month(book, o.earliest),
            latest: format_month(book, o.latest),
            price_usd_per_unit: o.price_usd_per_unit,
            lateness_penalty_usd_per_unit_period: o.lateness_penalty_usd_per_unit_period,
            substitutes: o
                .substitutes
                .iter()
                .map(|s| SubstituteDto {
                    generation: book.generation(s.generation).key.clone(),
                    value_factor_bp: s.value_factor_bp,
                })
                .collect(),
            status: o.status.as_str(),
            promise: o.promise.map(|p| PromiseDto::new(book, p)),
            confirmed: o.confirmed.map(|p| PromiseDto::new(book, p)),
            delivered: o.delivered.map(|d| DeliveryDto {
                units: d.units,
                period: format_month(book, d.period),
            }),
        }
    }
}

/// A page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    /// The orders on this page, in the order they were placed.
    pub orders: Vec<OrderDto>,
    /// Orders visible to the caller in all.
    pub total: usize,
    /// The `offset` of the next page, if there is one.
    pub next_offset: Option<usize>,
}

/// `POST /api/orders`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// Order id; staff may choose it, otherwise the server assigns one.
    pub id: Option<String>,
    /// Customer id; required for staff, implied (and checked) for customer tokens.
    pub customer: Option<String>,
    /// SKU id.
    pub sku: String,
    /// SKU items.
    pub quantity: u64,
    /// First delivery month (`YYYY-MM` or a period index).
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2027-06")]
    pub earliest: String,
    /// Last delivery month.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2027-06")]
    pub latest: String,
    /// Price per planning unit, USD.
    pub price_usd_per_unit: i64,
    /// Lateness penalty per unit-period, USD.
    #[serde(default)]
    pub lateness_penalty_usd_per_unit_period: i64,
    /// Accepted substitutes.
    #[serde(default)]
    pub substitutes: Vec<SubstituteDto>,
}

/// `POST /api/orders/{id}/cancel` (the body is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Why.
    pub reason: Option<String>,
}

/// `POST /api/orders/{id}/deliver`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliverRequest {
    /// Planning units shipped (default: the whole order).
    pub units: Option<u64>,
    /// Month shipped, `YYYY-MM`.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2027-06")]
    pub month: String,
}

/// `POST /api/contracts/{id}/commitments/{n}/deliver`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentDeliverRequest {
    /// Planning units shipped (default: all the commitment still owes).
    pub units: Option<u64>,
    /// Month shipped, `YYYY-MM`.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2027-06")]
    pub month: String,
}

/// A delivery commitment of a contract and what was shipped against it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommitmentProgressDto {
    /// Contract id.
    pub contract: String,
    /// Customer id.
    pub customer: String,
    /// The commitment's number in the contract, from 1.
    pub index: usize,
    /// Generation owed.
    pub generation: String,
    /// Planning units committed.
    pub units: u64,
    /// Planning units recorded as shipped against it.
    pub delivered_units: u64,
    /// Planning units still owed (what the planner plans for it).
    pub owed_units: u64,
    /// The recorded deliveries, one per month, in month order.
    pub delivered: Vec<DeliveryDto>,
}

impl CommitmentProgressDto {
    pub(crate) fn new(book: &Book, contract: &book::Contract, k: usize) -> Self {
        let cm = &contract.commitments[k];
        CommitmentProgressDto {
            contract: contract.key.clone(),
            customer: book.customer_at(contract.customer).key.clone(),
            index: k + 1,
            generation: book.generation(cm.generation).key.clone(),
            units: cm.units,
            delivered_units: cm.delivered_units(),
            owed_units: cm.owed_units(),
            delivered: (cm.delivered.iter())
                .map(|d| DeliveryDto {
                    units: d.units,
                    period: format_month(book, d.period),
                })
                .collect(),
        }
    }
}

/// `POST /api/plan` (the body is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// Plan without recording the promises.
    #[serde(default)]
    pub dry_run: bool,
}

/// The plan's tier objectives and value parts, USD unless named otherwise.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectivesDto {
    /// Tier 1 (lower is better).
    pub commitment_shortfall_usd: i64,
    /// Tier 2 (lower is better).
    pub promise_lateness_unit_periods: i64,
    /// Tier 3 (higher is better).
    pub value_usd: i64,
    /// Sale revenue.
    pub sale_revenue_usd: i64,
    /// Cloud value from internal demand.
    pub cloud_internal_usd: i64,
    /// Reservation and capacity revenue.
    pub cloud_reserved_usd: i64,
}

/// One promise a re-plan moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoveDto {
    /// Order id.
    pub order: String,
    /// Customer id.
    pub customer: String,
    /// Promise before.
    pub before: Option<PromiseDto>,
    /// Promise after.
    pub after: Option<PromiseDto>,
    /// Whether a confirmed promise is broken.
    pub breaks_confirmed: bool,
    /// Why, for people.
    pub reason: String,
}

/// What `POST /api/plan` returns.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSummary {
    /// The month planned in.
    pub now: String,
    /// The event the plan was recorded as (None for a dry run).
    pub recorded_as_event: Option<u64>,
    /// Objectives.
    pub objectives: ObjectivesDto,
    /// Units the plan serves to open merchant orders (the dashboard's "units to orders";
    /// delivery commitments are not included: see `sold_units`).
    pub served_units: u64,
    /// Units sold from the planning month on: shipped to orders and to delivery commitments
    /// (the "sold" of `allot plan`'s summary).
    pub sold_units: u64,
    /// Orders on the waitlist.
    pub waitlisted_orders: usize,
    /// Promises moved relative to the last recorded plan.
    pub moves: Vec<MoveDto>,
}

impl PlanSummary {
    /// Summarises `plan` of `book`.
    pub fn new(book: &Book, plan: &planner::Plan, moves: &[planner::PromiseMove]) -> PlanSummary {
        let o = &plan.objectives;
        PlanSummary {
            now: format_month(book, plan.now),
            recorded_as_event: None,
            objectives: ObjectivesDto {
                commitment_shortfall_usd: o.commitment_shortfall_usd,
                promise_lateness_unit_periods: o.promise_lateness_unit_periods,
                value_usd: o.value_usd,
                sale_revenue_usd: o.sale_revenue_usd,
                cloud_internal_usd: o.cloud_internal_usd,
                cloud_reserved_usd: o.cloud_reserved_usd,
            },
            served_units: plan.served_units(),
            sold_units: plan.sold_units(),
            waitlisted_orders: plan.waitlist.len(),
            moves: moves
                .iter()
                .map(|m| {
                    let order = book.order_at(m.order);
                    MoveDto {
                        order: order.key.clone(),
                        customer: book.customer_at(order.customer).key.clone(),
                        before: m.before.map(|p| PromiseDto::new(book, p)),
                        after: m.after.map(|p| PromiseDto::new(book, p)),
                        breaks_confirmed: m.breaks_confirmed,
                        reason: m.reason.describe(book),
                    }
                })
                .collect(),
        }
    }
}

/// One waitlist entry. Customer tokens get their own entries without `customer` or `reason_text`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitlistEntryDto {
    /// 1-based position in line.
    pub position: u32,
    /// Order id.
    pub order: String,
    /// Customer id (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// SKU id.
    pub sku: String,
    /// Units ordered.
    pub units: u64,
    /// Units not served.
    pub remaining_units: u64,
    /// Estimated month from which the rest could be served.
    pub earliest_period: Option<String>,
    /// Reason code.
    pub reason: &'static str,
    /// Reason for people (staff only: it may cite other bids).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_text: Option<String>,
}

impl WaitlistEntryDto {
    /// Entry for order `o`, or None if the plan does not waitlist it.
    pub fn new(book: &Book, plan: &planner::Plan, o: OrderIdx, staff: bool) -> Option<Self> {
        let order = book.order_at(o);
        let w = plan.orders.get(o.0 as usize)?.waitlist.as_ref()?;
        Some(WaitlistEntryDto {
            position: w.position,
            order: order.key.clone(),
            customer: staff.then(|| book.customer_at(order.customer).key.clone()),
            sku: book.sku(order.sku).key.clone(),
            units: order.units,
            remaining_units: w.remaining_units,
            earliest_period: w.earliest_period.map(|p| format_month(book, p)),
            reason: w.reason.code(),
            reason_text: staff.then(|| w.reason.describe(book)),
        })
    }
}

/// What `GET /api/promise` returns.
#[derive(Debug, Serialize, ToSchema)]
pub struct PromiseAnswer {
    /// SKU id.
    pub sku: String,
    /// The month planned in.
    pub now: String,
    /// The `by` month asked about.
    pub by: Option<String>,
    /// Items that can be promised by `by` without moving any existing promise.
    pub quantity_by: Option<u64>,
    /// The quantity asked about.
    pub qty: Option<u64>,
    /// Earliest month `qty` items can be promised (None: not within the horizon).
    pub earliest: Option<String>,
}

/// `GET /api/me`: who the token is.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto {
    /// admin, planner or customer.
    pub role: &'static str,
    /// The customer a customer token acts for.
    pub customer: Option<String>,
    /// The token's id.
    pub token_id: i64,
}

/// The planning horizon.
#[derive(Debug, Serialize, ToSchema)]
pub struct HorizonDto {
    /// First month.
    pub start: String,
    /// Last month.
    pub end: String,
}

/// A chip generation.
#[derive(Debug, Serialize, ToSchema)]
pub struct GenerationDto {
    /// Generation id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What one planning unit is.
    pub unit_name: String,
    /// Chips in one planning unit.
    pub chips_per_unit: u32,
    /// First month finished units can ship.
    pub first_ship: String,
}

/// A sellable item.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkuDto {
    /// SKU id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Generation id.
    pub generation: String,
    /// Planning units in one item.
    pub size_units: u32,
}

/// A customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerDto {
    /// Customer id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// lab, colo, enterprise or other.
    pub kind: &'static str,
}

/// `GET /api/book`: what can be ordered, and (for staff) who the customers are.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookDto {
    /// The book's name.
    pub name: String,
    /// The month the server plans in.
    pub now: String,
    /// The horizon.
    pub horizon: HorizonDto,
    /// Generations.
    pub generations: Vec<GenerationDto>,
    /// SKUs.
    pub skus: Vec<SkuDto>,
    /// Customers the caller may see (a customer token: only itself).
    pub customers: Vec<CustomerDto>,
}

impl BookDto {
    /// The book's catalogue, with the customers `visible` lets through.
    pub fn new(book: &Book, now: Period, visible: impl Fn(&book::Customer) -> bool) -> BookDto {
        let h = book.horizon();
        BookDto {
            name: book.name().to_string(),
            now: format_month(book, now),
            horizon: HorizonDto {
                start: h.start().to_string(),
                end: h.start().plus(h.periods().saturating_sub(1)).to_string(),
            },
            generations: book
                .generations()
                .iter()
                .map(|g| GenerationDto {
                    id: g.key.clone(),
                    name: g.name.clone(),
                    unit_name: g.unit_name.clone(),
                    chips_per_unit: g.chips_per_unit,
                    first_ship: format_month(book, g.first_ship),
                })
                .collect(),
            skus: book
                .skus()
                .iter()
                .map(|s| SkuDto {
                    id: s.key.clone(),
                    name: s.name.clone(),
                    generation: book.generation(s.generation).key.clone(),
                    size_units: s.size_units,
                })
                .collect(),
            customers: book
                .customers()
                .iter()
                .filter(|c| visible(c))
                .map(|c| CustomerDto {
                    id: c.key.clone(),
                    name: c.name.clone(),
                    kind: c.kind.as_str(),
                })
                .collect(),
        }
    }
}

/// One event of the book's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntryDto {
    /// For staff, the number in the log (1 = the book's creation); for a customer, the number
    /// among its own events (1 = its first).
    pub seq: u64,
    /// When it was written, `YYYY-MM-DD HH:MM:SSZ`.
    pub at: String,
    /// Who wrote it (e.g. `token:3 (planner)` or the CLI user).
    pub actor: String,
    /// Event kind, e.g. `order_placed`.
    pub kind: String,
    /// One line for people.
    pub what: String,
}

/// A page of history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    /// Events in order.
    pub events: Vec<HistoryEntryDto>,
    /// Pass as `after` for the next page (a number of the same kind as `seq`); None at the end.
    pub next_after: Option<u64>,
}

/// A reservation of cloud capacity (often of a future generation).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReservationDto {
    /// Reservation id.
    pub id: String,
    /// Customer id.
    pub customer: String,
    /// Generation id.
    pub generation: String,
    /// Planning units reserved.
    pub units: u64,
    /// First month.
    pub start: String,
    /// Last month.
    pub end: String,
    /// Price per unit-month, USD.
    pub price_usd_per_unit_period: i64,
    /// Whether it was cancelled.
    pub cancelled: bool,
    /// Whether the current plan accepts it (None when the caller did not ask for the plan).
    pub accepted_units: Option<u64>,
}

impl ReservationDto {
    /// Converts reservation `r` of `book`.
    pub fn new(book: &Book, r: &book::Reservation, accepted_units: Option<u64>) -> Self {
        ReservationDto {
            id: r.key.clone(),
            customer: book.customer_at(r.customer).key.clone(),
            generation: book.generation(r.generation).key.clone(),
            units: r.units,
            start: format_month(book, r.start),
            end: format_month(book, Period(r.end.0.saturating_sub(1))),
            price_usd_per_unit_period: r.price_usd_per_unit_period,
            cancelled: r.cancelled,
            accepted_units,
        }
    }
}

/// `POST /api/reservations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReservation {
    /// Reservation id; staff may choose it, otherwise the server assigns one.
    pub id: Option<String>,
    /// Customer id; required for staff, implied (and checked) for customer tokens.
    pub customer: Option<String>,
    /// Generation id.
    pub generation: String,
    /// Planning units.
    pub units: u64,
    /// First month, `YYYY-MM`.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2027-06")]
    pub start: String,
    /// Last month, `YYYY-MM` (inclusive).
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2027-06")]
    pub end: String,
    /// Price per unit-month, USD.
    pub price_usd_per_unit_period: i64,
}

/// Supply of one generation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplyRowDto {
    /// Generation id.
    pub generation: String,
    /// Finished units per month (after adjustments), one per month of the horizon.
    pub units: Vec<u64>,
    /// What limits output each month: wafers, HBM, packaging, not shipping, nothing, or "cut by
    /// adjustment" / "raised by adjustment" where recorded adjustments changed the month's units;
    /// null when the book gives supply explicitly and no adjustment changed the month.
    pub binding: Vec<Option<String>>,
}

/// A recorded supply adjustment.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplyAdjustmentDto {
    /// Generation id.
    pub generation: String,
    /// Month.
    pub month: String,
    /// Units added (negative: a cut).
    pub delta_units: i64,
    /// Why.
    pub note: String,
}

/// `GET /api/supply`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplyDto {
    /// The months of the horizon, `YYYY-MM`.
    pub months: Vec<String>,
    /// Per generation.
    pub generations: Vec<SupplyRowDto>,
    /// Adjustments recorded so far.
    pub adjustments: Vec<SupplyAdjustmentDto>,
}

impl SupplyDto {
    /// The supply of `book`.
    pub fn new(book: &Book) -> SupplyDto {
        let h = book.horizon();
        let matrix = book.supply_matrix();
        SupplyDto {
            months: (0..h.periods())
                .map(|t| h.month_of(Period(t)).to_string())
                .collect(),
            generations: book
                .generations()
                .iter()
                .zip(matrix)
                .enumerate()
                .map(|(g, (gen, units))| SupplyRowDto {
                    generation: gen.key.clone(),
                    binding: (0..h.periods())
                        .map(|t| {
                            let (g, t) = (book::GenIdx(g as _), Period(t));
                            match book.supply_adjustment_label(g, t) {
                                Some(label) => Some(label.to_string()),
                                None => book.supply_binding(g, t).map(|b| b.label().to_string()),
                            }
                        })
                        .collect(),
                    units,
                })
                .collect(),
            adjustments: book
                .supply_adjustments()
                .iter()
                .map(|a| SupplyAdjustmentDto {
                    generation: book.generation(a.generation).key.clone(),
                    month: format_month(book, a.period),
                    delta_units: a.delta_units,
                    note: a.note.clone(),
                })
                .collect(),
        }
    }
}

/// `POST /api/supply/adjustments`: add or cut one generation's supply in one month.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSupplyAdjustment {
    /// Generation id.
    pub generation: String,
    /// Month, `YYYY-MM`.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2027-06")]
    pub month: String,
    /// Units added (negative: a cut).
    pub delta_units: i64,
    /// Why (shown in history and re-plan reasons).
    #[serde(default)]
    pub note: String,
}

/// Every error's body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for people.
    pub error: String,
}

/// `GET /healthz`: liveness only. It needs no token, so it says nothing about the book (how
/// many events it holds would tell anyone how busy the business is); staff read the book's
/// last event from `/metrics` (`allot_book_head`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}
