//! Event payloads for the store: compact JSON with a format version `v`.
//!
//! Each event kind has its own body; periods are indices. `book_created` reuses the scenario
//! DTOs, so it carries the whole book specification including foundry supply inputs. A reader
//! refuses versions it does not know; when the format changes, bump [`PAYLOAD_VERSION`] and
//! keep a reader for each older version here, so stored events stay readable.

use crate::convert::{
    contract_from_dto, contract_to_dto, order_from_dto, order_to_dto, reservation_from_dto,
    reservation_to_dto, spec_from_dto, spec_to_dto, At, Periods, Style,
};
use crate::dto::{ContractDto, OrderDto, ReservationDto, ScenarioDto};
use crate::error::CodecError;
use crate::spans::Seg;
use book::{Event, Period, PlanRecord, PromiseRecord, SupplyAdjustmentSpec};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The payload format version written by [`encode_event`].
pub const PAYLOAD_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BookCreatedV1 {
    /// The payload version, read here so a payload decodes in one pass (written by `versioned`).
    #[serde(default, skip_serializing, rename = "v")]
    _v: Option<u32>,
    book: ScenarioDto,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContractAddedV1 {
    /// The payload version, read here so a payload decodes in one pass (written by `versioned`).
    #[serde(default, skip_serializing, rename = "v")]
    _v: Option<u32>,
    contract: ContractDto,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderPlacedV1 {
    /// The payload version, read here so a payload decodes in one pass (written by `versioned`).
    #[serde(default, skip_serializing, rename = "v")]
    _v: Option<u32>,
    order: OrderDto,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderCancelledV1 {
    /// The payload version, read here so a payload decodes in one pass (written by `versioned`).
    #[serde(default, skip_serializing, rename = "v")]
    _v: Option<u32>,
    order: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    reason: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderConfirmedV1 {
    /// The payload version, read here so a payload decodes in one pass (written by `versioned`).
    #[serde(default, skip_serializing, rename = "v")]
    _v: Option<u32>,
    order: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderDeliveredV1 {
    /// The payload version, read here so a payload decodes in one pass (written by `versioned`).
    #[serde(default, skip_serializing, rename = "v")]
    _v: Option<u32>,
    order: String,
    units: u64,
    period: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitmentDeliveredV1 {
    /// The payload version, read here so a payload decodes in one pass (written by `versioned`).
    #[serde(default, skip_serializing, rename = "v")]
    _v: Option<u32>,
    contract: String,
    /// The commitment's position in the contract, from 0.
    commitment: u32,
    units: u64,
    period: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReservationPlacedV1 {
    /// The payload version, read here so a payload decodes in one pass (written by `versioned`).
    #[serde(default, skip_serializing, rename = "v")]
    _v: Option<u32>,
    reservation: ReservationDto,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReservationCancelledV1 {
    /// The payload version, read here so a payload decodes in one pass (written by `versioned`).
    #[serde(default, skip_serializing, rename = "v")]
    _v: Option<u32>,
    reservation: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SupplyAdjustedV1 {
    /// The payload version, read here so a payload decodes in one pass (written by `versioned`).
    #[serde(default, skip_serializing, rename = "v")]
    _v: Option<u32>,
    generation: String,
    period: u32,
    delta_units: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    note: String,
}

/// `P`: the promises, a `Vec<PromiseV1>` when read; written straight from the record's
/// promises ([`PromiseList`]), with no copy of their order ids.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanRecordedV1<P> {
    /// The payload version, read here so a payload decodes in one pass (written by `versioned`).
    #[serde(default, skip_serializing, rename = "v")]
    _v: Option<u32>,
    now: u32,
    /// Absent when no plan computed them (imported promises, `allot gen`); every payload written
    /// before that case existed carries them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    objectives: Option<[i64; 3]>,
    promises: P,
    /// Added after the first payloads were written: absent means 0.
    #[serde(default)]
    supply_adjustments_seen: u32,
    /// Added later still: absent means 0 (every contract counts as added after that plan, so
    /// confirming waits for the next plan).
    #[serde(default)]
    contracts_seen: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PromiseV1 {
    order: String,
    units: u64,
    by: u32,
}

/// A [`PromiseV1`] as written, borrowing its order id.
#[derive(Serialize)]
struct PromiseRefV1<'a> {
    order: &'a str,
    units: u64,
    by: u32,
}

/// A record's promises, written as a list of [`PromiseV1`] (a plan of a 1M-order book holds
/// ~740k of them: no copy of each id on the way).
struct PromiseList<'a>(&'a [PromiseRecord]);

impl Serialize for PromiseList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|p| PromiseRefV1 {
            order: &p.order,
            units: p.units,
            by: p.by.0,
        }))
    }
}

/// Serialises `body` (a JSON object) with `"v"` as its first field.
fn versioned<T: Serialize>(body: &T) -> String {
    let json = serde_json::to_string(body).expect("event DTOs always serialise");
    debug_assert!(
        json.starts_with('{') && json.len() > 2,
        "event bodies are non-empty objects"
    );
    format!("{{\"v\":{PAYLOAD_VERSION},{}", &json[1..])
}

/// Encodes an event as its kind name and a compact JSON payload.
///
/// `BookCreated` must hold a specification `Book::new` accepted (as every stored one does).
pub fn encode_event(e: &Event) -> (String, String) {
    let s = Style::Index;
    let payload = match e {
        Event::BookCreated(spec) => versioned(&BookCreatedV1 {
            _v: None,
            book: spec_to_dto(spec, s),
        }),
        Event::ContractAdded(c) => versioned(&ContractAddedV1 {
            _v: None,
            contract: contract_to_dto(c, s),
        }),
        Event::OrderPlaced(o) => versioned(&OrderPlacedV1 {
            _v: None,
            order: order_to_dto(o, s),
        }),
        Event::OrderCancelled { order, reason } => versioned(&OrderCancelledV1 {
            _v: None,
            order: order.clone(),
            reason: reason.clone(),
        }),
        Event::OrderConfirmed { order } => versioned(&OrderConfirmedV1 {
            _v: None,
            order: order.clone(),
        }),
        Event::OrderDelivered {
            order,
            units,
            period,
        } => versioned(&OrderDeliveredV1 {
            _v: None,
            order: order.clone(),
            units: *units,
            period: period.0,
        }),
        Event::CommitmentDelivered {
            contract,
            commitment,
            units,
            period,
        } => versioned(&CommitmentDeliveredV1 {
            _v: None,
            contract: contract.clone(),
            commitment: *commitment,
            units: *units,
            period: period.0,
        }),
        Event::ReservationPlaced(r) => versioned(&ReservationPlacedV1 {
            _v: None,
            reservation: reservation_to_dto(r, s),
        }),
        Event::ReservationCancelled { reservation } => versioned(&ReservationCancelledV1 {
            _v: None,
            reservation: reservation.clone(),
        }),
        Event::SupplyAdjusted(a) => versioned(&SupplyAdjustedV1 {
            _v: None,
            generation: a.generation.clone(),
            period: a.period.0,
            delta_units: a.delta_units,
            note: a.note.clone(),
        }),
        Event::PlanRecorded(p) => versioned(&PlanRecordedV1 {
            _v: None,
            now: p.now.0,
            objectives: p.objectives,
            promises: PromiseList(&p.promises),
            supply_adjustments_seen: p.supply_adjustments_seen,
            contracts_seen: p.contracts_seen,
        }),
    };
    (e.kind().to_string(), payload)
}

/// Decodes a payload written by [`encode_event`] (any version this build knows).
pub fn decode_event(kind: &str, payload: &str) -> Result<Event, CodecError> {
    let fail = |message: String| CodecError {
        kind: kind.to_string(),
        message,
    };
    // Fast path: every payload this build writes starts with the version; the rest is the body,
    // decoded straight into its DTO (no intermediate JSON tree: a book of a million orders opens
    // several times faster).
    let prefix = format!("{{\"v\":{PAYLOAD_VERSION},");
    if payload.starts_with(prefix.as_str()) {
        return decode_v1(kind, Src::Text(payload)).map_err(fail);
    }
    let mut value: serde_json::Value =
        serde_json::from_str(payload).map_err(|e| fail(e.to_string()))?;
    let obj = value
        .as_object_mut()
        .ok_or_else(|| fail("payload is not a JSON object".into()))?;
    let v = obj
        .remove("v")
        .ok_or_else(|| fail("payload has no version field `v`".into()))?;
    match v.as_u64() {
        Some(1) => decode_v1(kind, Src::Value(value)).map_err(fail),
        _ => Err(fail(format!(
            "payload version {v} is not supported (this build reads version {PAYLOAD_VERSION})"
        ))),
    }
}

/// A payload body: JSON text, or an already parsed tree (payloads written without the version first).
enum Src<'a> {
    Text(&'a str),
    Value(serde_json::Value),
}

fn body<T: DeserializeOwned>(src: Src<'_>) -> Result<T, String> {
    match src {
        Src::Text(t) => serde_json::from_str(t).map_err(|e| e.to_string()),
        Src::Value(v) => serde_json::from_value(v).map_err(|e| e.to_string()),
    }
}

fn at_message(at: At) -> String {
    let path: Vec<String> = at
        .path
        .iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
        })
        .collect();
    format!("{}: {}", path.join("."), at.message)
}

fn decode_v1(kind: &str, value: Src<'_>) -> Result<Event, String> {
    let pr = Periods::indices();
    Ok(match kind {
        "book_created" => {
            let b: BookCreatedV1 = body(value)?;
            Event::BookCreated(Box::new(spec_from_dto(&b.book, false).map_err(at_message)?))
        }
        "contract_added" => {
            let b: ContractAddedV1 = body(value)?;
            if b.contract
                .commitments
                .iter()
                .any(|c| !c.delivered.is_empty())
            {
                return Err(
                    "contract: a commitment's `delivered` belongs in scenario files, \
                            not in contract_added"
                        .into(),
                );
            }
            Event::ContractAdded(contract_from_dto(&b.contract, pr, &[]).map_err(at_message)?)
        }
        "order_placed" => {
            let b: OrderPlacedV1 = body(value)?;
            if b.order.confirmed.is_some() || b.order.delivered.is_some() {
                return Err(
                    "order: `confirmed` and `delivered` belong in scenario files, \
                            not in order_placed"
                        .into(),
                );
            }
            Event::OrderPlaced(order_from_dto(&b.order, pr, &[]).map_err(at_message)?)
        }
        "order_cancelled" => {
            let b: OrderCancelledV1 = body(value)?;
            Event::OrderCancelled {
                order: b.order,
                reason: b.reason,
            }
        }
        "order_confirmed" => {
            let b: OrderConfirmedV1 = body(value)?;
            Event::OrderConfirmed { order: b.order }
        }
        "order_delivered" => {
            let b: OrderDeliveredV1 = body(value)?;
            Event::OrderDelivered {
                order: b.order,
                units: b.units,
                period: Period(b.period),
            }
        }
        "commitment_delivered" => {
            let b: CommitmentDeliveredV1 = body(value)?;
            Event::CommitmentDelivered {
                contract: b.contract,
                commitment: b.commitment,
                units: b.units,
                period: Period(b.period),
            }
        }
        "reservation_placed" => {
            let b: ReservationPlacedV1 = body(value)?;
            Event::ReservationPlaced(
                reservation_from_dto(&b.reservation, pr, &[]).map_err(at_message)?,
            )
        }
        "reservation_cancelled" => {
            let b: ReservationCancelledV1 = body(value)?;
            Event::ReservationCancelled {
                reservation: b.reservation,
            }
        }
        "supply_adjusted" => {
            let b: SupplyAdjustedV1 = body(value)?;
            Event::SupplyAdjusted(SupplyAdjustmentSpec {
                generation: b.generation,
                period: Period(b.period),
                delta_units: b.delta_units,
                note: b.note,
            })
        }
        "plan_recorded" => {
            let b: PlanRecordedV1<Vec<PromiseV1>> = body(value)?;
            Event::PlanRecorded(PlanRecord {
                now: Period(b.now),
                objectives: b.objectives,
                promises: b
                    .promises
                    .into_iter()
                    .map(|p| PromiseRecord {
                        order: p.order,
                        units: p.units,
                        by: Period(p.by),
                    })
                    .collect(),
                supply_adjustments_seen: b.supply_adjustments_seen,
                contracts_seen: b.contracts_seen,
            })
        }
        other => return Err(format!("unknown event kind {other:?}")),
    })
}
