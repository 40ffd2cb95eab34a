//! Formatting for people: events in one line, thousands separators, short USD amounts, UTC
//! timestamps. Shared by the CLI and the API so both describe the book the same way.

use crate::{Book, Event, Period};

/// `v` with thousands separators: `1234567` -> `1,234,567`.
pub fn thousands(v: i64) -> String {
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A short USD amount: `$1.23B`, `$4.5M`, `$12k`, `$800`.
pub fn usd(v: i64) -> String {
    let a = v.unsigned_abs() as f64;
    let sign = if v < 0 { "-" } else { "" };
    if a >= 1e9 {
        format!("{sign}${:.2}B", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}${:.1}M", a / 1e6)
    } else if a >= 1e3 {
        format!("{sign}${:.0}k", a / 1e3)
    } else {
        format!("{sign}${a:.0}")
    }
}

impl Event {
    /// Whether this event is about `id` (an order, reservation, contract, customer or generation).
    pub fn mentions(&self, id: &str) -> bool {
        !self.about(id).is_empty()
    }

    /// What `id` names in this event, in order: `order`, `reservation`, `contract`, `customer`
    /// or `generation` (empty when the event is not about `id`). Orders, reservations and
    /// contracts each have their own ids, so one id may name several kinds of item; a history
    /// of that id labels each event with this.
    pub fn about(&self, id: &str) -> Vec<&'static str> {
        let of = |pairs: &[(&str, &'static str)]| -> Vec<&'static str> {
            pairs
                .iter()
                .filter(|(k, _)| *k == id)
                .map(|(_, what)| *what)
                .collect()
        };
        match self {
            Event::OrderPlaced(o) => of(&[(&o.key, "order"), (&o.customer, "customer")]),
            Event::OrderCancelled { order, .. }
            | Event::OrderConfirmed { order }
            | Event::OrderDelivered { order, .. } => of(&[(order, "order")]),
            Event::ReservationPlaced(r) => {
                of(&[(&r.key, "reservation"), (&r.customer, "customer")])
            }
            Event::ReservationCancelled { reservation } => of(&[(reservation, "reservation")]),
            Event::ContractAdded(c) => of(&[(&c.key, "contract"), (&c.customer, "customer")]),
            Event::CommitmentDelivered { contract, .. } => of(&[(contract, "contract")]),
            Event::SupplyAdjusted(s) => of(&[(&s.generation, "generation")]),
            Event::PlanRecorded(p) => {
                if p.promises.iter().any(|p| p.order == id) {
                    vec!["order"]
                } else {
                    Vec::new()
                }
            }
            Event::BookCreated(_) => Vec::new(),
        }
    }
}

/// One line for people describing `e` (months as YYYY-MM, money in USD).
pub fn describe_event(book: &Book, e: &Event) -> String {
    let m = |p: Period| book.horizon().month_of(p).to_string();
    match e {
        Event::BookCreated(s) => format!(
            "book {:?} created: {} generations, {} orders, {} contracts, {} reservations",
            s.name,
            s.generations.len(),
            s.orders.len(),
            s.contracts.len(),
            s.reservations.len()
        ),
        Event::ContractAdded(c) => format!(
            "contract {} for {} ({} commitments)",
            c.key,
            c.customer,
            c.commitments.len()
        ),
        Event::OrderPlaced(o) => format!(
            "order {} placed by {}: {} x {} in {}..{} at ${}/unit",
            o.key,
            o.customer,
            o.quantity,
            o.sku,
            m(o.earliest),
            m(o.latest),
            thousands(o.price_usd_per_unit)
        ),
        Event::OrderCancelled { order, reason } => format!("order {order} cancelled {reason}"),
        Event::OrderConfirmed { order } => format!("order {order} confirmed its promise"),
        Event::OrderDelivered {
            order,
            units,
            period,
        } => format!("order {order}: {units} units delivered in {}", m(*period)),
        Event::CommitmentDelivered {
            contract,
            commitment,
            units,
            period,
        } => format!(
            "contract {contract} commitment {}: {units} units delivered in {}",
            *commitment as u64 + 1,
            m(*period)
        ),
        Event::ReservationPlaced(r) => {
            format!(
                // `end` is exclusive: the months held run from the start to the month before.
                "reservation {} by {}: {} x {} from {} to {}",
                r.key,
                r.customer,
                r.units,
                r.generation,
                m(r.start),
                m(Period(r.end.0.saturating_sub(1)))
            )
        }
        Event::ReservationCancelled { reservation } => {
            format!("reservation {reservation} cancelled")
        }
        Event::SupplyAdjusted(s) => format!(
            "supply of {} in {} {:+} units {}",
            s.generation,
            m(s.period),
            s.delta_units,
            s.note
        ),
        Event::PlanRecorded(p) => match p.objectives {
            Some([tier1, tier2, tier3]) => format!(
                "plan recorded (now {}): {} promises; tiers {} / {} / {}",
                m(p.now),
                p.promises.len(),
                usd(tier1),
                tier2,
                usd(tier3)
            ),
            None => format!(
                "plan recorded (now {}): {} promises; objectives not computed (promises imported)",
                m(p.now),
                p.promises.len()
            ),
        },
    }
}

/// `ms` since the Unix epoch as `YYYY-MM-DD HH:MM:SSZ` (UTC).
pub fn format_unix_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, mo) = civil_month(days);
    // Day of month: days since the first of the month.
    let first = days_from_civil(y, mo);
    format!(
        "{y:04}-{mo:02}-{:02} {:02}:{:02}:{:02}Z",
        days - first + 1,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 of the first of month `m` of year `y`.
pub fn days_from_civil(y: i32, m: u8) -> i64 {
    let y = if m <= 2 { y as i64 - 1 } else { y as i64 };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year and month of a day count since 1970-01-01 (Howard Hinnant's civil-from-days).
pub fn civil_month(days: i64) -> (i32, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y as i32, m as u8)
}
