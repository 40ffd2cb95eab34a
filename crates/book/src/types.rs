//! The book's objects. Fields are public for reading; a [`crate::Book`] only hands out shared
//! references, so the invariants `Book::new`/`Book::apply` checked keep holding.

use crate::ids::*;

/// One accelerator generation and its economics.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// Short id, e.g. `trn3`.
    pub key: String,
    /// Display name, e.g. `Trainium3`.
    pub name: String,
    /// What one planning unit is, e.g. `trn3 UltraServer (144 chips)`.
    pub unit_name: String,
    /// Chips in one planning unit.
    pub chips_per_unit: u32,
    /// First period in which finished units can ship.
    pub first_ship: Period,
    /// Cost of carrying one unfinished-sale unit one period, USD.
    pub holding_usd_per_unit_period: i64,
    /// Value kept by each cloud-pool unit at the horizon's end, USD.
    pub residual_usd_per_unit: i64,
    /// Recurring value of one busy cloud unit-period: compute plus attached services (the waterfall), USD.
    pub cloud_value_usd_per_unit_period: i64,
    /// Internal cloud demand forecast: units the cloud can keep busy, per period.
    pub cloud_demand_units: Vec<u64>,
    /// Where the figures come from.
    pub source: String,
}

/// A sellable item: a generation and a size in planning units.
#[derive(Debug, Clone, PartialEq)]
pub struct Sku {
    /// Short id, e.g. `trn2-ultraserver`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// The generation.
    pub generation: GenIdx,
    /// Planning units in one SKU item.
    pub size_units: u32,
}

/// What kind of buyer a customer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerKind {
    /// An AI lab.
    Lab,
    /// A colocation operator.
    Colo,
    /// An enterprise.
    Enterprise,
    /// Anything else.
    Other,
}

impl CustomerKind {
    /// The lowercase name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerKind::Lab => "lab",
            CustomerKind::Colo => "colo",
            CustomerKind::Enterprise => "enterprise",
            CustomerKind::Other => "other",
        }
    }
    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<CustomerKind> {
        Some(match s {
            "lab" => CustomerKind::Lab,
            "colo" => CustomerKind::Colo,
            "enterprise" => CustomerKind::Enterprise,
            "other" => CustomerKind::Other,
            _ => return None,
        })
    }
}

/// A buyer.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    /// Short id, e.g. `lab-a`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Kind of buyer.
    pub kind: CustomerKind,
}

/// A multi-year contract and its scheduled commitments (tier 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    /// Short id.
    pub key: String,
    /// The customer.
    pub customer: CustomerIdx,
    /// Penalty per committed unit not delivered by its date, USD (weights tier 1).
    pub shortfall_penalty_usd_per_unit: i64,
    /// The scheduled commitments.
    pub commitments: Vec<Commitment>,
    /// Free-text note (e.g. the public figure it stands for).
    pub note: String,
}

/// One scheduled commitment of a contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Commitment {
    /// Generation owed.
    pub generation: GenIdx,
    /// Planning units owed.
    pub units: u64,
    /// Delivered hardware or cloud capacity.
    pub kind: CommitmentKind,
    /// Units recorded as shipped against it (`CommitmentDelivered`; delivery commitments
    /// only), one entry per period in period order, at most `units` in all.
    pub delivered: Vec<Delivery>,
}

impl Commitment {
    /// Units recorded as shipped against this commitment.
    pub fn delivered_units(&self) -> u64 {
        self.delivered.iter().map(|d| d.units).sum()
    }
    /// Units still owed: the units committed less those recorded as shipped.
    pub fn owed_units(&self) -> u64 {
        self.units.saturating_sub(self.delivered_units())
    }
}

/// How a commitment is honoured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CommitmentKind {
    /// Units shipped in [earliest, due]; later units count as shortfall.
    Delivery {
        /// First period a delivery counts.
        earliest: Period,
        /// Last period a delivery counts.
        due: Period,
        /// Price paid per unit, USD.
        price_usd_per_unit: i64,
    },
    /// Cloud capacity held for the customer over [start, end).
    Capacity {
        /// First period.
        start: Period,
        /// Period after the last.
        end: Period,
        /// Price per unit-period, USD.
        price_usd_per_unit_period: i64,
    },
}

/// The lifecycle of a merchant order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Placed, no promise yet.
    Placed,
    /// The last plan promised units (not yet binding).
    Promised,
    /// The customer confirmed the promise: it is protected by tier 2.
    Confirmed,
    /// Shipped.
    Delivered,
    /// Cancelled.
    Cancelled,
}

impl OrderStatus {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Promised => "promised",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }
    /// True for orders the planner still allocates to (placed, promised, confirmed).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            OrderStatus::Placed | OrderStatus::Promised | OrderStatus::Confirmed
        )
    }
}

/// A promise: `units` planning units delivered by period `by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Promise {
    /// Units promised.
    pub units: u64,
    /// Period by which they are delivered.
    pub by: Period,
}

/// A recorded delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Units shipped.
    pub units: u64,
    /// Period shipped.
    pub period: Period,
}

/// An alternative generation an order accepts, valued at a fraction of the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Substitute {
    /// The generation.
    pub generation: GenIdx,
    /// Value factor in basis points (10000 = same value as the primary).
    pub value_factor_bp: u32,
}

/// A merchant order (hardware shipped to the buyer).
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Short id.
    pub key: String,
    /// The buyer.
    pub customer: CustomerIdx,
    /// The SKU ordered.
    pub sku: SkuIdx,
    /// SKU items ordered.
    pub quantity: u64,
    /// Planning units ordered (quantity x SKU size).
    pub units: u64,
    /// First period a delivery may happen.
    pub earliest: Period,
    /// Last period a delivery may happen.
    pub latest: Period,
    /// Price per planning unit, USD.
    pub price_usd_per_unit: i64,
    /// Penalty per unit per period delivered after `earliest`, USD.
    pub lateness_penalty_usd_per_unit_period: i64,
    /// Accepted substitute generations.
    pub substitutes: Vec<Substitute>,
    /// Lifecycle state.
    pub status: OrderStatus,
    /// The last plan's promise, if any.
    pub promise: Option<Promise>,
    /// The confirmed (binding) promise, if any.
    pub confirmed: Option<Promise>,
    /// The recorded delivery, if delivered.
    pub delivered: Option<Delivery>,
}

/// A cloud capacity reservation: `units` over periods [start, end).
#[derive(Debug, Clone, PartialEq)]
pub struct Reservation {
    /// Short id.
    pub key: String,
    /// The customer.
    pub customer: CustomerIdx,
    /// Generation reserved.
    pub generation: GenIdx,
    /// Units reserved.
    pub units: u64,
    /// First period.
    pub start: Period,
    /// Period after the last.
    pub end: Period,
    /// Price per unit-period, USD.
    pub price_usd_per_unit_period: i64,
    /// Cancelled reservations are kept for history but not planned.
    pub cancelled: bool,
}

/// The foundry model's inputs (see the `supply` crate).
#[derive(Debug, Clone, PartialEq)]
pub struct FoundryInputs {
    /// Per-generation inputs, in the book's generation order.
    pub generations: Vec<supply::GenerationInputs>,
    /// Shared per-period limits.
    pub shared: supply::SharedInputs,
    /// How shared inputs are split.
    pub policy: supply::SplitPolicy,
}

/// Where supply comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SupplyInputs {
    /// Finished units per generation per period, given directly.
    Explicit(Vec<Vec<u64>>),
    /// Computed by the supply plan from foundry inputs.
    Foundry(Box<FoundryInputs>),
}

/// A change of supply after the book was created (a supply cut is negative).
#[derive(Debug, Clone, PartialEq)]
pub struct SupplyAdjustment {
    /// Generation.
    pub generation: GenIdx,
    /// Period.
    pub period: Period,
    /// Units added (negative: removed).
    pub delta_units: i64,
    /// Why.
    pub note: String,
}

/// A promise a plan made to an order, as recorded in the book.
#[derive(Debug, Clone, PartialEq)]
pub struct PromiseRecord {
    /// Order id.
    pub order: String,
    /// Units promised (0 = nothing).
    pub units: u64,
    /// Period by which they are delivered.
    pub by: Period,
}

/// The promises of a committed plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRecord {
    /// The period the plan was made in.
    pub now: Period,
    /// Tier objectives: commitments shortfall, promise lateness, value (USD). None when no plan
    /// computed them: the promises were imported (`allot gen`'s stand-in for an earlier plan).
    pub objectives: Option<[i64; 3]>,
    /// Promises for open orders.
    pub promises: Vec<PromiseRecord>,
    /// How many supply adjustments the book held when the plan was made (to tell which came after).
    pub supply_adjustments_seen: u32,
    /// How many contracts the book held when the plan was made (to tell which came after).
    pub contracts_seen: u32,
}
