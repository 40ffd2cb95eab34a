//! The serialised shapes: one DTO per item of a scenario file, shared by the event codec.
//!
//! Field names equal the domain's names (`price_usd_per_unit`, `latest`, ...) so an error the
//! domain reports about a field names the same key the file uses. Ids are written `id`.

use serde::de::{self, value::MapAccessDeserializer, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// A period: `"YYYY-MM"` or a period index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum PeriodDto {
    Index(u32),
    Month(String),
}

impl<'de> Deserialize<'de> for PeriodDto {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PeriodDto;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a period: \"YYYY-MM\" or a period index")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PeriodDto, E> {
                u32::try_from(v)
                    .map(PeriodDto::Index)
                    .map_err(|_| E::custom(format!("period index {v} is too large")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PeriodDto, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("period index {v} is negative")))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PeriodDto, E> {
                Ok(PeriodDto::Month(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A per-period series: an array (one value per period), a constant, or a table
/// `{ value, start, end, growth_per_period }` (zero outside [start, end)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum SeriesDto {
    List(Vec<u64>),
    Const(u64),
    Ramp(RampDto),
}

impl Default for SeriesDto {
    fn default() -> Self {
        SeriesDto::Const(0)
    }
}

/// The table form of a series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RampDto {
    pub value: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<PeriodDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<PeriodDto>,
    #[serde(default)]
    pub growth_per_period: i64,
}

impl<'de> Deserialize<'de> for SeriesDto {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SeriesDto;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array with one whole number per period, a whole number, or a table { value, start, end, growth_per_period }")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SeriesDto, E> {
                Ok(SeriesDto::Const(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SeriesDto, E> {
                u64::try_from(v)
                    .map(SeriesDto::Const)
                    .map_err(|_| E::custom(format!("{v} must not be negative")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SeriesDto, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<u64>()? {
                    out.push(v);
                }
                Ok(SeriesDto::List(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SeriesDto, A::Error> {
                RampDto::deserialize(MapAccessDeserializer::new(map)).map(SeriesDto::Ramp)
            }
        }
        d.deserialize_any(V)
    }
}

/// A decimal number as written (`0.85`, `85`, `82.5`), kept as text so it converts to
/// basis points exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal(pub String);

impl Decimal {
    /// `value / 10^decimals` written in the shortest exact form.
    pub fn from_scaled(value: u64, decimals: u32) -> Decimal {
        let scale = 10u64.pow(decimals);
        let (int, frac) = (value / scale, value % scale);
        if frac == 0 {
            return Decimal(int.to_string());
        }
        let frac = format!("{frac:0width$}", width = decimals as usize);
        Decimal(format!("{int}.{}", frac.trim_end_matches('0')))
    }

    /// The number times `10^decimals`, exactly; more than `decimals` decimal places is an error.
    pub fn scaled(&self, decimals: u32) -> Result<u64, String> {
        parse_scaled(&self.0, decimals)
    }
}

/// Parses a non-negative decimal like `0.85` into `value * 10^decimals`, rejecting extra places.
pub(crate) fn parse_scaled(text: &str, decimals: u32) -> Result<u64, String> {
    let t = text.trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (t.contains('.') && frac.is_empty()) {
        return Err(format!(
            "{t:?} is not a non-negative decimal number like 0.85"
        ));
    }
    if frac.len() > decimals as usize {
        return Err(format!("{t} has more than {decimals} decimal places"));
    }
    let scale = 10u64.pow(decimals);
    let frac_value: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse::<u64>().map_err(|e| e.to_string())? * 10u64.pow(decimals - frac.len() as u32)
    };
    int.parse::<u64>()
        .ok()
        .and_then(|i| i.checked_mul(scale))
        .and_then(|i| i.checked_add(frac_value))
        .ok_or_else(|| format!("{t} is too large"))
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Ok(i) = self.0.parse::<i64>() {
            s.serialize_i64(i)
        } else if let Ok(f) = self.0.parse::<f64>() {
            s.serialize_f64(f)
        } else {
            s.serialize_str(&self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a decimal number")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        // Rust prints the shortest text that reads back as the same f64, i.e. what was written.
        Ok(Decimal(format!("{v}")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        Ok(Decimal(v.to_string()))
    }
}

/// A die yield in percent: a number (flat) or a linear ramp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum YieldDto {
    Flat(Decimal),
    Ramp(YieldRampDto),
}

/// A linear yield ramp in percent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct YieldRampDto {
    pub start: Decimal,
    pub end: Decimal,
    pub ramp_periods: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ramp_start: Option<PeriodDto>,
}

impl<'de> Deserialize<'de> for YieldDto {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = YieldDto;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a yield in percent, or a table { start, end, ramp_periods, ramp_start }",
                )
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<YieldDto, E> {
                DecimalVisitor.visit_u64(v).map(YieldDto::Flat)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<YieldDto, E> {
                DecimalVisitor.visit_i64(v).map(YieldDto::Flat)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<YieldDto, E> {
                DecimalVisitor.visit_f64(v).map(YieldDto::Flat)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<YieldDto, A::Error> {
                YieldRampDto::deserialize(MapAccessDeserializer::new(map)).map(YieldDto::Ramp)
            }
        }
        d.deserialize_any(V)
    }
}

fn is_empty(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(str::is_empty)
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// A whole scenario file (and the body of a `book_created` event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScenarioDto {
    pub name: String,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub source: Option<String>,
    pub start: String,
    pub periods: u32,
    #[serde(rename = "generation", default)]
    pub generations: Vec<GenerationDto>,
    pub supply: SupplyDto,
    #[serde(rename = "sku", default, skip_serializing_if = "Vec::is_empty")]
    pub skus: Vec<SkuDto>,
    #[serde(rename = "customer", default, skip_serializing_if = "Vec::is_empty")]
    pub customers: Vec<CustomerDto>,
    #[serde(rename = "contract", default, skip_serializing_if = "Vec::is_empty")]
    pub contracts: Vec<ContractDto>,
    #[serde(rename = "reservation", default, skip_serializing_if = "Vec::is_empty")]
    pub reservations: Vec<ReservationDto>,
    #[serde(rename = "order", default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<OrderDto>,
}

/// `[[generation]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GenerationDto {
    pub id: String,
    pub name: String,
    pub unit_name: String,
    pub chips_per_unit: u32,
    pub first_ship: PeriodDto,
    pub holding_usd_per_unit_period: i64,
    pub residual_usd_per_unit: i64,
    pub cloud_value_usd_per_unit_period: i64,
    #[serde(default)]
    pub cloud_demand_units: SeriesDto,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub source: Option<String>,
}

/// `[supply]`: explicit `units`, or `shared` plus `foundry`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SupplyDto {
    #[serde(default, skip_serializing_if = "is_empty")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<BTreeMap<String, SeriesDto>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<SharedDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foundry: Option<BTreeMap<String, FoundryDto>>,
}

/// `[supply.shared]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SharedDto {
    pub hbm_stacks_per_period: SeriesDto,
    pub packaging_chips_per_period: SeriesDto,
    #[serde(default)]
    pub initial_hbm_stacks: u64,
    pub policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares_percent: Option<BTreeMap<String, Decimal>>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub source: Option<String>,
}

/// `[supply.foundry.<generation>]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FoundryDto {
    pub wafer_starts_per_period: SeriesDto,
    pub gross_dies_per_wafer: u32,
    pub yield_percent: YieldDto,
    #[serde(default)]
    pub lead_time_periods: u32,
    pub hbm_stacks_per_chip: u32,
    #[serde(default)]
    pub initial_dies: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_ship: Option<PeriodDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub source: Option<String>,
}

/// `[[sku]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SkuDto {
    pub id: String,
    pub name: String,
    pub generation: String,
    pub size_units: u32,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub source: Option<String>,
}

/// `[[customer]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomerDto {
    pub id: String,
    pub name: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub source: Option<String>,
}

/// `[[contract]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContractDto {
    pub id: String,
    pub customer: String,
    pub shortfall_penalty_usd_per_unit: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub source: Option<String>,
    #[serde(rename = "commitment", default)]
    pub commitments: Vec<CommitmentDto>,
}

/// `[[contract.commitment]]`: `kind = "delivery"` or `"capacity"`, with that kind's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommitmentDto {
    pub kind: String,
    pub generation: String,
    pub units: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest: Option<PeriodDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<PeriodDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_usd_per_unit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<PeriodDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<PeriodDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_usd_per_unit_period: Option<i64>,
    /// Units already shipped against a delivery commitment, one entry per period (scenario
    /// files only, not `contract_added`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delivered: Vec<DeliveredDto>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub source: Option<String>,
}

/// `[[order]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrderDto {
    pub id: String,
    pub customer: String,
    pub sku: String,
    pub quantity: u64,
    pub earliest: PeriodDto,
    pub latest: PeriodDto,
    pub price_usd_per_unit: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lateness_penalty_usd_per_unit_period: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub substitutes: Vec<SubstituteDto>,
    /// The promise the customer confirmed (scenario files only, not `order_placed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<ConfirmedDto>,
    /// The recorded delivery (scenario files only, not `order_placed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered: Option<DeliveredDto>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub source: Option<String>,
}

/// `confirmed = { units = 8, by = "2027-05" }` of an `[[order]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfirmedDto {
    pub units: u64,
    pub by: PeriodDto,
}

/// `delivered = { units = 43, period = "2027-01" }` of an `[[order]]`; a list of them in a
/// `[[contract.commitment]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeliveredDto {
    pub units: u64,
    pub period: PeriodDto,
}

/// One entry of `substitutes = [{ generation = "trn3", value_factor = 0.9 }]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubstituteDto {
    pub generation: String,
    pub value_factor: Decimal,
}

/// `[[reservation]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReservationDto {
    pub id: String,
    pub customer: String,
    pub generation: String,
    pub units: u64,
    pub start: PeriodDto,
    pub end: PeriodDto,
    pub price_usd_per_unit_period: i64,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub source: Option<String>,
}
