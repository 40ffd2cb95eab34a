//! The API's JSON shapes. Domain types are not `Serialize`; these DTOs are, and convert from them.
//! Periods are written as calendar months, `YYYY-MM`.

use book::{Book, Order, OrderIdx, Period, Promise};
use serde::{Deserialize, Serialize};

/// A period as its calendar month, `YYYY-MM`.
pub(crate) fn format_month(book: &Book, p: Period) -> String {
    book.horizon().month_of(p).to_string()
}

/// A promise: units delivered by a month.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubstituteDto {
    /// Generation id.
    pub generation: String,
    /// Value factor in basis points (10000 = same value as the primary).
    pub value_factor_bp: u32,
}

/// A recorded delivery.
#[derive(Debug, Serialize)]
pub struct DeliveryDto {
    /// Units shipped.
    pub units: u64,
    /// Month shipped.
    pub period: String,
}

/// An order as the API shows it.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
pub struct OrderPage {
    /// The orders on this page, in the order they were placed.
    pub orders: Vec<OrderDto>,
    /// Orders visible to the caller in all.
    pub total: usize,
    /// The `offset` of the next page, if there is one.
    pub next_offset: Option<usize>,
}

/// `POST /api/orders`.
#[derive(Debug, Deserialize)]
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
    pub earliest: String,
    /// Last delivery month.
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
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Why.
    pub reason: Option<String>,
}

/// `POST /api/plan` (the body is optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// Plan without recording the promises.
    #[serde(default)]
    pub dry_run: bool,
}

/// The plan's tier objectives and value parts, USD unless named otherwise.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
pub struct PlanSummary {
    /// The month planned in.
    pub now: String,
    /// The event the plan was recorded as (None for a dry run).
    pub recorded_as_event: Option<u64>,
    /// Objectives.
    pub objectives: ObjectivesDto,
    /// Units served to orders and commitments.
    pub served_units: u64,
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
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
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
