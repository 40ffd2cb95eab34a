//! Events: every change to a book.

use crate::ids::*;
use crate::types::*;

/// The initial content of a book.
#[derive(Debug, Clone, PartialEq)]
pub struct BookSpec {
    /// Book name.
    pub name: String,
    /// Horizon.
    pub horizon: Horizon,
    /// Generations.
    pub generations: Vec<Generation>,
    /// Supply inputs.
    pub supply: SupplyInputs,
    /// SKUs.
    pub skus: Vec<SkuSpec>,
    /// Customers.
    pub customers: Vec<Customer>,
    /// Contracts.
    pub contracts: Vec<ContractSpec>,
    /// Initial reservations.
    pub reservations: Vec<ReservationSpec>,
    /// Initial orders.
    pub orders: Vec<OrderSpec>,
    /// Where initial orders stand beyond placed (confirmed promises, recorded deliveries), as
    /// a scenario exported from a book carries them; applied after every order is placed.
    pub order_progress: Vec<OrderProgress>,
    /// Units already shipped against the contracts' delivery commitments, as a scenario
    /// exported from a book carries them; applied after the orders' progress.
    pub commitment_progress: Vec<CommitmentProgress>,
}

/// What was shipped against one delivery commitment of an initial contract (as
/// `CommitmentDelivered` events leave it).
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentProgress {
    /// Contract id (one of the book's initial contracts).
    pub contract: String,
    /// The commitment's position in the contract, from 0.
    pub commitment: u32,
    /// The recorded deliveries, each applied as a `CommitmentDelivered` event.
    pub delivered: Vec<Delivery>,
}

/// What happened to an initial order after it was placed: the promise its customer confirmed
/// (as `OrderConfirmed` leaves it) and its recorded delivery (as `OrderDelivered` does).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderProgress {
    /// Order id (one of the book's initial orders).
    pub order: String,
    /// The confirmed promise: the order is confirmed.
    pub confirmed: Option<Promise>,
    /// The recorded delivery: the order is delivered (after its confirmation, if any).
    pub delivered: Option<Delivery>,
}

/// A SKU as written in a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuSpec {
    /// Id.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Generation id.
    pub generation: String,
    /// Planning units per item.
    pub size_units: u32,
}

/// A substitute as written in a scenario or CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct SubstituteSpec {
    /// Generation id.
    pub generation: String,
    /// Value factor in basis points.
    pub value_factor_bp: u32,
}

/// A new order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderSpec {
    /// Id.
    pub key: String,
    /// Customer id.
    pub customer: String,
    /// SKU id.
    pub sku: String,
    /// SKU items.
    pub quantity: u64,
    /// First delivery period.
    pub earliest: Period,
    /// Last delivery period.
    pub latest: Period,
    /// Price per planning unit, USD.
    pub price_usd_per_unit: i64,
    /// Lateness penalty per unit-period, USD.
    pub lateness_penalty_usd_per_unit_period: i64,
    /// Accepted substitutes.
    pub substitutes: Vec<SubstituteSpec>,
}

impl OrderSpec {
    /// Checks that `promise` could be this order's confirmed promise: a confirmation binds a
    /// promise a plan made, and a plan ships an order only inside its window, so the promise's
    /// period lies in `earliest..=latest`. (A scenario file's `confirmed` must pass it; `horizon`
    /// names the months in the message.)
    pub fn check_confirmable(&self, promise: Promise, horizon: Horizon) -> Result<(), String> {
        let m = |p: Period| horizon.month_of(p);
        let side = if promise.by < self.earliest {
            format!("before the order's earliest month {}", m(self.earliest))
        } else if promise.by > self.latest {
            format!("after the order's latest month {}", m(self.latest))
        } else {
            return Ok(());
        };
        Err(format!(
            "{} is {side}: a confirmed promise is one a plan made, and a plan ships an order only \
             inside its window {}..{}",
            m(promise.by),
            m(self.earliest),
            m(self.latest)
        ))
    }
}

/// A new reservation.
#[derive(Debug, Clone, PartialEq)]
pub struct ReservationSpec {
    /// Id.
    pub key: String,
    /// Customer id.
    pub customer: String,
    /// Generation id.
    pub generation: String,
    /// Units.
    pub units: u64,
    /// First period.
    pub start: Period,
    /// Period after the last.
    pub end: Period,
    /// Price per unit-period, USD.
    pub price_usd_per_unit_period: i64,
}

/// A new contract.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractSpec {
    /// Id.
    pub key: String,
    /// Customer id.
    pub customer: String,
    /// Shortfall penalty per unit, USD.
    pub shortfall_penalty_usd_per_unit: i64,
    /// Commitments.
    pub commitments: Vec<CommitmentSpec>,
    /// Note.
    pub note: String,
}

/// A commitment as written in a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentSpec {
    /// Generation id.
    pub generation: String,
    /// Units owed.
    pub units: u64,
    /// How it is honoured.
    pub kind: CommitmentKindSpec,
}

/// The kind of a commitment (same shape as [`CommitmentKind`]).
pub type CommitmentKindSpec = CommitmentKind;

/// A supply change.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplyAdjustmentSpec {
    /// Generation id.
    pub generation: String,
    /// Period.
    pub period: Period,
    /// Units added (negative: a cut).
    pub delta_units: i64,
    /// Why.
    pub note: String,
}

/// Every change to a book.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The book was created (always the first event; applied by `Book::new`).
    BookCreated(Box<BookSpec>),
    /// A contract was signed.
    ContractAdded(ContractSpec),
    /// An order was placed.
    OrderPlaced(OrderSpec),
    /// An order was cancelled.
    OrderCancelled {
        /// Order id.
        order: String,
        /// Why.
        reason: String,
    },
    /// The customer confirmed the order's current promise.
    OrderConfirmed {
        /// Order id.
        order: String,
    },
    /// The order shipped.
    OrderDelivered {
        /// Order id.
        order: String,
        /// Units shipped.
        units: u64,
        /// Period shipped.
        period: Period,
    },
    /// Units shipped against a delivery commitment of a contract.
    CommitmentDelivered {
        /// Contract id.
        contract: String,
        /// The commitment's position in the contract, from 0 (people see it from 1).
        commitment: u32,
        /// Units shipped.
        units: u64,
        /// Period shipped.
        period: Period,
    },
    /// A reservation was booked.
    ReservationPlaced(ReservationSpec),
    /// A reservation was cancelled.
    ReservationCancelled {
        /// Reservation id.
        reservation: String,
    },
    /// Supply changed.
    SupplyAdjusted(SupplyAdjustmentSpec),
    /// A plan was committed: its promises replace the previous ones.
    PlanRecorded(PlanRecord),
}

impl Event {
    /// A short kind name for logs and the store.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::BookCreated(_) => "book_created",
            Event::ContractAdded(_) => "contract_added",
            Event::OrderPlaced(_) => "order_placed",
            Event::OrderCancelled { .. } => "order_cancelled",
            Event::OrderConfirmed { .. } => "order_confirmed",
            Event::OrderDelivered { .. } => "order_delivered",
            Event::CommitmentDelivered { .. } => "commitment_delivered",
            Event::ReservationPlaced(_) => "reservation_placed",
            Event::ReservationCancelled { .. } => "reservation_cancelled",
            Event::SupplyAdjusted(_) => "supply_adjusted",
            Event::PlanRecorded(_) => "plan_recorded",
        }
    }
}
