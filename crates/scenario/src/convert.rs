//! DTO <-> domain conversion, shared by scenario files and the event codec.
//!
//! Reading returns an [`At`]: a path into the document and a message; the caller turns the
//! path into a line (files) or a plain message (events).

use crate::dto::*;
use crate::spans::{Path, Seg};
use book::*;
use std::collections::BTreeMap;

/// A conversion error at a path of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct At {
    pub path: Path,
    pub message: String,
}

/// Builds a path from segments.
macro_rules! path_of {
    ($($s:expr),* $(,)?) => { [$(Seg::from($s)),*] };
}

fn at(path: impl Into<Path>, message: impl Into<String>) -> At {
    At {
        path: path.into(),
        message: message.into(),
    }
}

fn with(base: &[Seg], seg: impl Into<Seg>) -> Path {
    let mut p = base.to_vec();
    p.push(seg.into());
    p
}

/// How periods are read: month strings need a horizon (scenario files, `book_created`);
/// other event payloads carry period indices only.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Periods {
    pub horizon: Option<Horizon>,
    /// A scenario file: every period must be a month that can be written `YYYY-MM` (at most
    /// 9999-12), so that a book that loads exports to a file that loads back. Stored
    /// `book_created` payloads are read as they were accepted when written.
    pub file: bool,
}

impl Periods {
    /// Periods of an event payload other than `book_created`: indices only.
    pub fn indices() -> Periods {
        Periods {
            horizon: None,
            file: false,
        }
    }

    fn month(&self, s: &str, p: &[Seg]) -> Result<(Horizon, YearMonth), At> {
        let h = self.horizon.ok_or_else(|| {
            at(
                p.to_vec(),
                format!("{s:?}: periods are indices here, not months"),
            )
        })?;
        let m = YearMonth::parse(s).ok_or_else(|| {
            at(
                p.to_vec(),
                format!("{s:?} is neither \"YYYY-MM\" nor a period number"),
            )
        })?;
        Ok((h, m))
    }

    /// A period that must lie inside the horizon (indices are range-checked by the book).
    pub fn inside(&self, v: &PeriodDto, p: &[Seg]) -> Result<Period, At> {
        match v {
            PeriodDto::Index(i) => Ok(Period(*i)),
            PeriodDto::Month(s) => {
                let (h, _) = self.month(s, p)?;
                h.parse_period(s).map_err(|m| at(p.to_vec(), m))
            }
        }
    }

    /// An exclusive end: inside the horizon or just past it.
    pub fn end(&self, v: &PeriodDto, p: &[Seg]) -> Result<Period, At> {
        match v {
            PeriodDto::Index(i) => Ok(Period(*i)),
            PeriodDto::Month(s) => {
                let (h, _) = self.month(s, p)?;
                h.parse_period_end(s).map_err(|m| at(p.to_vec(), m))
            }
        }
    }

    /// Months from the start to `v`, unclamped (negative before the start), when it reads.
    fn offset(&self, v: &PeriodDto) -> Option<i64> {
        match v {
            PeriodDto::Index(i) => Some(*i as i64),
            PeriodDto::Month(s) => {
                let h = self.horizon?;
                Some(h.start().months_until(YearMonth::parse(s)?))
            }
        }
    }

    /// Any period from the start on (a month before the start counts as period 0), e.g. a first ship date.
    pub fn free(&self, v: &PeriodDto, p: &[Seg]) -> Result<u32, At> {
        match v {
            PeriodDto::Index(i) => {
                if let (true, Some(h)) = (self.file, self.horizon) {
                    // Written back as a month: it must have a written form.
                    h.writable_month(*i).map_err(|m| at(p.to_vec(), m))?;
                }
                Ok(*i)
            }
            PeriodDto::Month(s) => {
                let (h, m) = self.month(s, p)?;
                u32::try_from(h.start().months_until(m).max(0))
                    .map_err(|_| at(p.to_vec(), format!("{s} is too far away")))
            }
        }
    }
}

/// A period as the file wrote it: `"2027-03"` or `5`.
fn period_text(v: &PeriodDto) -> String {
    match v {
        PeriodDto::Index(i) => i.to_string(),
        PeriodDto::Month(s) => format!("{s:?}"),
    }
}

/// How periods are written.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Style {
    /// `"YYYY-MM"` (files).
    Month(Horizon),
    /// Indices (event payloads).
    Index,
}

impl Style {
    fn period(self, p: u32) -> PeriodDto {
        match self {
            Style::Month(h) => PeriodDto::Month(h.start().plus(p).to_string()),
            Style::Index => PeriodDto::Index(p),
        }
    }
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Expands a series to `periods` values; arrays must have exactly one value per period.
fn series(s: &SeriesDto, periods: u32, pr: Periods, p: &[Seg]) -> Result<Vec<u64>, At> {
    let t = periods as usize;
    match s {
        SeriesDto::List(v) if v.len() == t => Ok(v.clone()),
        SeriesDto::List(v) => Err(at(
            p.to_vec(),
            format!("has {} values, the horizon has {t} periods", v.len()),
        )),
        SeriesDto::Const(c) => Ok(vec![*c; t]),
        SeriesDto::Ramp(r) => {
            let start = match &r.start {
                Some(v) => pr.free(v, &with(p, "start"))?,
                None => 0,
            };
            let end = match &r.end {
                Some(v) => pr.free(v, &with(p, "end"))?,
                None => periods,
            };
            // Compared as written (a month before the horizon counts as period 0 only for the
            // values): an end before the start is a mistake, not an empty series.
            if let (Some(s), Some(e)) = (&r.start, &r.end) {
                let (so, eo) = (pr.offset(s), pr.offset(e));
                if let (Some(so), Some(eo)) = (so, eo) {
                    if eo < so {
                        return Err(at(
                            with(p, "end"),
                            format!(
                                "{} is before the start {}; the end is exclusive and must be \
                                 the start or later",
                                period_text(e),
                                period_text(s)
                            ),
                        ));
                    }
                }
            }
            Ok((0..periods)
                .map(|i| {
                    if (start..end).contains(&i) {
                        let v = r.value as i128 + r.growth_per_period as i128 * (i - start) as i128;
                        v.clamp(0, u64::MAX as i128) as u64
                    } else {
                        0
                    }
                })
                .collect())
        }
    }
}

/// Writes a series compactly: a constant when every period has the same value.
fn series_of(v: &[u64], periods: u32) -> SeriesDto {
    match v.first() {
        Some(&first) if v.len() == periods as usize && v.iter().all(|&x| x == first) => {
            SeriesDto::Const(first)
        }
        _ => SeriesDto::List(v.to_vec()),
    }
}

fn percent_bp(d: &Decimal, p: &[Seg]) -> Result<u32, At> {
    let bp = d.scaled(2).map_err(|m| {
        at(
            p.to_vec(),
            format!("{m} (percent, at most 2 decimal places)"),
        )
    })?;
    u32::try_from(bp).map_err(|_| at(p.to_vec(), format!("{} % is too large", d.0)))
}

fn factor_bp(d: &Decimal, p: &[Seg]) -> Result<u32, At> {
    let bp = d.scaled(4).map_err(|m| at(p.to_vec(), m))?;
    u32::try_from(bp).map_err(|_| at(p.to_vec(), format!("{} is too large", d.0)))
}

/// Reads a whole scenario (or `book_created` body) into a book specification.
///
/// `file`: read from a scenario file, so every period must be a month that can be written
/// (see [`Periods::file`]); `book_created` payloads are read as they were accepted.
pub(crate) fn spec_from_dto(dto: &ScenarioDto, file: bool) -> Result<BookSpec, At> {
    let start = YearMonth::parse(&dto.start).ok_or_else(|| {
        at(
            path_of!["start"],
            format!("{:?} is not a month written \"YYYY-MM\"", dto.start),
        )
    })?;
    if dto.periods == 0 || dto.periods > MAX_PERIODS {
        return Err(at(
            path_of!["periods"],
            format!("{} must be between 1 and {MAX_PERIODS}", dto.periods),
        ));
    }
    let horizon = Horizon::new(start, dto.periods);
    if file {
        horizon
            .check_writable()
            .map_err(|m| at(path_of!["periods"], m))?;
    }
    let pr = Periods {
        horizon: Some(horizon),
        file,
    };
    let mut generations = Vec::with_capacity(dto.generations.len());
    for (i, g) in dto.generations.iter().enumerate() {
        let p = path_of!["generation", i];
        // Before anything that looks generations up by id: a repeated id would otherwise be
        // reported wherever the first lookup goes wrong.
        if let Some(k) = dto.generations[..i].iter().position(|h| h.id == g.id) {
            return Err(at(
                with(&p, "id"),
                format!(
                    "generation id {:?} is used twice (also by generation {} of the file)",
                    g.id,
                    k + 1
                ),
            ));
        }
        generations.push(Generation {
            key: g.id.clone(),
            name: g.name.clone(),
            unit_name: g.unit_name.clone(),
            chips_per_unit: g.chips_per_unit,
            first_ship: Period(pr.free(&g.first_ship, &with(&p, "first_ship"))?),
            holding_usd_per_unit_period: g.holding_usd_per_unit_period,
            residual_usd_per_unit: g.residual_usd_per_unit,
            cloud_value_usd_per_unit_period: g.cloud_value_usd_per_unit_period,
            cloud_demand_units: series(
                &g.cloud_demand_units,
                dto.periods,
                pr,
                &with(&p, "cloud_demand_units"),
            )?,
            source: g.source.clone().unwrap_or_default(),
        });
    }
    let supply = supply_from_dto(&dto.supply, &generations, dto.periods, pr)?;
    let skus = dto
        .skus
        .iter()
        .map(|s| SkuSpec {
            key: s.id.clone(),
            name: s.name.clone(),
            generation: s.generation.clone(),
            size_units: s.size_units,
        })
        .collect();
    let mut customers = Vec::with_capacity(dto.customers.len());
    for (i, c) in dto.customers.iter().enumerate() {
        let kind = CustomerKind::parse(&c.kind).ok_or_else(|| {
            at(
                path_of!["customer", i, "kind"],
                format!("{:?} must be one of lab, colo, enterprise, other", c.kind),
            )
        })?;
        customers.push(Customer {
            key: c.id.clone(),
            name: c.name.clone(),
            kind,
        });
    }
    let contracts = (dto.contracts.iter().enumerate())
        .map(|(i, c)| contract_from_dto(c, pr, &path_of!["contract", i]))
        .collect::<Result<_, _>>()?;
    let reservations = (dto.reservations.iter().enumerate())
        .map(|(i, r)| reservation_from_dto(r, pr, &path_of!["reservation", i]))
        .collect::<Result<_, _>>()?;
    let orders = (dto.orders.iter().enumerate())
        .map(|(i, o)| order_from_dto(o, pr, &path_of!["order", i]))
        .collect::<Result<_, _>>()?;
    let mut order_progress = Vec::new();
    for (i, o) in dto.orders.iter().enumerate() {
        if o.confirmed.is_none() && o.delivered.is_none() {
            continue;
        }
        let p = path_of!["order", i];
        let confirmed = match &o.confirmed {
            Some(c) => Some(Promise {
                units: c.units,
                by: pr.inside(&c.by, &with(&with(&p, "confirmed"), "by"))?,
            }),
            None => None,
        };
        let delivered = match &o.delivered {
            Some(d) => Some(Delivery {
                units: d.units,
                period: pr.inside(&d.period, &with(&with(&p, "delivered"), "period"))?,
            }),
            None => None,
        };
        order_progress.push(OrderProgress {
            order: o.id.clone(),
            confirmed,
            delivered,
        });
    }
    let mut commitment_progress = Vec::new();
    for (i, c) in dto.contracts.iter().enumerate() {
        for (j, cm) in c.commitments.iter().enumerate() {
            if cm.delivered.is_empty() {
                continue;
            }
            let p = with(
                &with(&path_of!["contract", i, "commitment"], j),
                "delivered",
            );
            let delivered = (cm.delivered.iter().enumerate())
                .map(|(k, d)| {
                    Ok(Delivery {
                        units: d.units,
                        period: pr.inside(&d.period, &with(&with(&p, k), "period"))?,
                    })
                })
                .collect::<Result<_, At>>()?;
            commitment_progress.push(CommitmentProgress {
                contract: c.id.clone(),
                commitment: j as u32,
                delivered,
            });
        }
    }
    Ok(BookSpec {
        name: dto.name.clone(),
        horizon,
        generations,
        supply,
        skus,
        customers,
        contracts,
        reservations,
        orders,
        order_progress,
        commitment_progress,
    })
}

/// A scenario file's confirmed promises must be ones a plan could have made: inside their
/// orders' windows ([`OrderSpec::check_confirmable`]). Checked on a specification `Book::new`
/// accepted (so the periods are inside the horizon), read from `dto`; stored `book_created`
/// payloads are not checked, so books already stored open as before.
pub(crate) fn check_confirmed(dto: &ScenarioDto, spec: &BookSpec) -> Result<(), At> {
    // `order_progress` lists the orders with a `confirmed` or `delivered` in the file's order.
    let mut progress = spec.order_progress.iter().peekable();
    for (i, o) in spec.orders.iter().enumerate() {
        let Some(p) = progress.next_if(|p| p.order == o.key) else {
            continue;
        };
        if let Some(c) = p.confirmed {
            debug_assert_eq!(dto.orders[i].id, o.key);
            o.check_confirmable(c, spec.horizon)
                .map_err(|m| at(path_of!["order", i, "confirmed", "by"], m))?;
        }
    }
    Ok(())
}

/// Index of generation `key` among `gens`, or an error at `p`.
fn gen_index(gens: &[Generation], key: &str, p: &[Seg]) -> Result<usize, At> {
    gens.iter()
        .position(|g| g.key == key)
        .ok_or_else(|| at(p.to_vec(), format!("unknown generation {key:?}")))
}

/// Orders a per-generation map by the book's generations; every generation exactly once.
fn by_generation<'a, T>(
    map: &'a BTreeMap<String, T>,
    gens: &[Generation],
    p: &[Seg],
) -> Result<Vec<&'a T>, At> {
    for k in map.keys() {
        gen_index(gens, k, &with(p, k.as_str()))?;
    }
    gens.iter()
        .map(|g| {
            map.get(&g.key)
                .ok_or_else(|| at(p.to_vec(), format!("no entry for generation {:?}", g.key)))
        })
        .collect()
}

fn supply_from_dto(
    s: &SupplyDto,
    gens: &[Generation],
    periods: u32,
    pr: Periods,
) -> Result<SupplyInputs, At> {
    let p = path_of!["supply"];
    match (&s.units, &s.shared, &s.foundry) {
        (Some(units), None, None) => {
            let pu = with(&p, "units");
            let rows = by_generation(units, gens, &pu)?;
            let rows = (rows.into_iter().zip(gens))
                .map(|(r, g)| series(r, periods, pr, &with(&pu, g.key.as_str())))
                .collect::<Result<_, _>>()?;
            Ok(SupplyInputs::Explicit(rows))
        }
        (None, Some(shared), Some(foundry)) => {
            let pf = with(&p, "foundry");
            let inputs = by_generation(foundry, gens, &pf)?;
            let mut generations = Vec::with_capacity(gens.len());
            for (f, g) in inputs.into_iter().zip(gens) {
                let fp = with(&pf, g.key.as_str());
                let wafers = series(
                    &f.wafer_starts_per_period,
                    periods,
                    pr,
                    &with(&fp, "wafer_starts_per_period"),
                )?;
                let yp = with(&fp, "yield_percent");
                let ramp = match &f.yield_percent {
                    YieldDto::Flat(d) => supply::YieldRamp::flat(percent_bp(d, &yp)?),
                    YieldDto::Ramp(r) => supply::YieldRamp::new(
                        percent_bp(&r.start, &with(&yp, "start"))?,
                        percent_bp(&r.end, &with(&yp, "end"))?,
                        r.ramp_periods,
                        match &r.ramp_start {
                            Some(v) => pr.free(v, &with(&yp, "ramp_start"))?,
                            None => 0,
                        },
                    ),
                }
                .map_err(|e| at(yp.clone(), e.to_string()))?;
                let first_ship = match &f.first_ship {
                    Some(v) => pr.free(v, &with(&fp, "first_ship"))?,
                    None => g.first_ship.0,
                };
                let inputs = supply::GenerationInputs::new(
                    f.name.clone().unwrap_or_else(|| g.key.clone()),
                    wafers,
                    f.gross_dies_per_wafer,
                    ramp,
                    f.hbm_stacks_per_chip,
                    g.chips_per_unit,
                )
                .map_err(|e| at(fp.clone(), e.to_string()))?
                .with_lead_time_periods(f.lead_time_periods)
                .with_initial_dies(f.initial_dies)
                .with_first_ship_period(first_ship);
                generations.push(inputs);
            }
            let ps = with(&p, "shared");
            let shared_inputs = supply::SharedInputs::new(
                series(
                    &shared.hbm_stacks_per_period,
                    periods,
                    pr,
                    &with(&ps, "hbm_stacks_per_period"),
                )?,
                series(
                    &shared.packaging_chips_per_period,
                    periods,
                    pr,
                    &with(&ps, "packaging_chips_per_period"),
                )?,
                shared.initial_hbm_stacks,
            )
            .map_err(|e| at(ps.clone(), e.to_string()))?;
            let policy = policy_from_dto(shared, gens, &ps)?;
            Ok(SupplyInputs::Foundry(Box::new(FoundryInputs {
                generations,
                shared: shared_inputs,
                policy,
            })))
        }
        (None, None, None) => Err(at(
            p,
            "needs either `units` (explicit supply) or `shared` and `foundry` (the foundry model)",
        )),
        (Some(_), _, _) => Err(at(
            with(&p, "units"),
            "explicit `units` cannot be combined with `shared`/`foundry`",
        )),
        (None, None, Some(_)) => Err(at(
            with(&p, "shared"),
            "`foundry` needs a `[supply.shared]` table",
        )),
        (None, Some(_), None) => Err(at(
            with(&p, "foundry"),
            "`shared` needs `[supply.foundry.<generation>]` tables",
        )),
    }
}

fn policy_from_dto(
    s: &SharedDto,
    gens: &[Generation],
    ps: &[Seg],
) -> Result<supply::SplitPolicy, At> {
    match (s.policy.as_str(), &s.order, &s.shares_percent) {
        ("priority", Some(order), None) => {
            let po = with(ps, "order");
            let mut idx = Vec::with_capacity(order.len());
            for k in order {
                let i = gen_index(gens, k, &po)?;
                if idx.contains(&i) {
                    return Err(at(po, format!("generation {k:?} is listed twice")));
                }
                idx.push(i);
            }
            if let Some(g) = gens.iter().enumerate().find(|(i, _)| !idx.contains(i)) {
                return Err(at(po, format!("generation {:?} is missing", g.1.key)));
            }
            Ok(supply::SplitPolicy::Priority(idx))
        }
        ("mix", None, Some(shares)) => {
            let pm = with(ps, "shares_percent");
            for k in shares.keys() {
                gen_index(gens, k, &with(&pm, k.as_str()))?;
            }
            let mut bp = Vec::with_capacity(gens.len());
            for g in gens {
                bp.push(match shares.get(&g.key) {
                    Some(d) => percent_bp(d, &with(&pm, g.key.as_str()))?,
                    None => 0,
                });
            }
            let sum: u64 = bp.iter().map(|&b| b as u64).sum();
            if sum != supply::FULL_BP as u64 {
                return Err(at(
                    pm,
                    format!(
                        "shares sum to {}%, they must sum to 100%",
                        Decimal::from_scaled(sum, 2).0
                    ),
                ));
            }
            Ok(supply::SplitPolicy::FixedMix(bp))
        }
        ("priority", _, _) => Err(at(
            with(ps, "order"),
            "policy \"priority\" needs `order = [generation ids]` and no `shares_percent`",
        )),
        ("mix", _, _) => Err(at(
            with(ps, "shares_percent"),
            "policy \"mix\" needs `shares_percent = { generation = percent }` and no `order`",
        )),
        (other, _, _) => Err(at(
            with(ps, "policy"),
            format!("{other:?} must be \"priority\" or \"mix\""),
        )),
    }
}

fn need<T: Clone>(v: &Option<T>, p: &[Seg], field: &str, kind: &str) -> Result<T, At> {
    v.clone()
        .ok_or_else(|| at(with(p, field), format!("is required for kind {kind:?}")))
}

fn forbid<T>(v: &Option<T>, p: &[Seg], field: &str, kind: &str) -> Result<(), At> {
    match v {
        Some(_) => Err(at(
            with(p, field),
            format!("is not a field of kind {kind:?}"),
        )),
        None => Ok(()),
    }
}

pub(crate) fn contract_from_dto(
    c: &ContractDto,
    pr: Periods,
    p: &[Seg],
) -> Result<ContractSpec, At> {
    let mut commitments = Vec::with_capacity(c.commitments.len());
    for (j, cm) in c.commitments.iter().enumerate() {
        let cp = with(&with(p, "commitment"), j);
        let kind = match cm.kind.as_str() {
            "delivery" => {
                for f in ["start", "end"] {
                    forbid(
                        if f == "start" { &cm.start } else { &cm.end },
                        &cp,
                        f,
                        "delivery",
                    )?;
                }
                forbid(
                    &cm.price_usd_per_unit_period,
                    &cp,
                    "price_usd_per_unit_period",
                    "delivery",
                )?;
                CommitmentKind::Delivery {
                    earliest: pr.inside(
                        &need(&cm.earliest, &cp, "earliest", "delivery")?,
                        &with(&cp, "earliest"),
                    )?,
                    due: pr.inside(&need(&cm.due, &cp, "due", "delivery")?, &with(&cp, "due"))?,
                    price_usd_per_unit: need(
                        &cm.price_usd_per_unit,
                        &cp,
                        "price_usd_per_unit",
                        "delivery",
                    )?,
                }
            }
            "capacity" => {
                for f in ["earliest", "due"] {
                    forbid(
                        if f == "earliest" {
                            &cm.earliest
                        } else {
                            &cm.due
                        },
                        &cp,
                        f,
                        "capacity",
                    )?;
                }
                forbid(
                    &cm.price_usd_per_unit,
                    &cp,
                    "price_usd_per_unit",
                    "capacity",
                )?;
                CommitmentKind::Capacity {
                    start: pr.inside(
                        &need(&cm.start, &cp, "start", "capacity")?,
                        &with(&cp, "start"),
                    )?,
                    end: pr.end(&need(&cm.end, &cp, "end", "capacity")?, &with(&cp, "end"))?,
                    price_usd_per_unit_period: need(
                        &cm.price_usd_per_unit_period,
                        &cp,
                        "price_usd_per_unit_period",
                        "capacity",
                    )?,
                }
            }
            other => {
                return Err(at(
                    with(&cp, "kind"),
                    format!("{other:?} must be \"delivery\" or \"capacity\""),
                ))
            }
        };
        commitments.push(CommitmentSpec {
            generation: cm.generation.clone(),
            units: cm.units,
            kind,
        });
    }
    Ok(ContractSpec {
        key: c.id.clone(),
        customer: c.customer.clone(),
        shortfall_penalty_usd_per_unit: c.shortfall_penalty_usd_per_unit,
        commitments,
        note: c.note.clone(),
    })
}

pub(crate) fn order_from_dto(o: &OrderDto, pr: Periods, p: &[Seg]) -> Result<OrderSpec, At> {
    let substitutes = (o.substitutes.iter().enumerate())
        .map(|(k, s)| {
            let sp = with(&with(&with(p, "substitutes"), k), "value_factor");
            Ok(SubstituteSpec {
                generation: s.generation.clone(),
                value_factor_bp: factor_bp(&s.value_factor, &sp)?,
            })
        })
        .collect::<Result<_, At>>()?;
    Ok(OrderSpec {
        key: o.id.clone(),
        customer: o.customer.clone(),
        sku: o.sku.clone(),
        quantity: o.quantity,
        earliest: pr.inside(&o.earliest, &with(p, "earliest"))?,
        latest: pr.inside(&o.latest, &with(p, "latest"))?,
        price_usd_per_unit: o.price_usd_per_unit,
        lateness_penalty_usd_per_unit_period: o.lateness_penalty_usd_per_unit_period,
        substitutes,
    })
}

pub(crate) fn reservation_from_dto(
    r: &ReservationDto,
    pr: Periods,
    p: &[Seg],
) -> Result<ReservationSpec, At> {
    Ok(ReservationSpec {
        key: r.id.clone(),
        customer: r.customer.clone(),
        generation: r.generation.clone(),
        units: r.units,
        start: pr.inside(&r.start, &with(p, "start"))?,
        end: pr.end(&r.end, &with(p, "end"))?,
        price_usd_per_unit_period: r.price_usd_per_unit_period,
    })
}

// ---- writing ----

/// Writes a book specification. Sources live only on generations (and contract notes) in the
/// domain; other items are written without one.
pub(crate) fn spec_to_dto(spec: &BookSpec, style: Style) -> ScenarioDto {
    let periods = spec.horizon.periods();
    let gens = &spec.generations;
    let key = |g: usize| gens.get(g).map_or_else(|| g.to_string(), |x| x.key.clone());
    let supply = match &spec.supply {
        SupplyInputs::Explicit(rows) => SupplyDto {
            source: None,
            units: Some(
                rows.iter()
                    .enumerate()
                    .map(|(g, r)| (key(g), series_of(r, periods)))
                    .collect(),
            ),
            shared: None,
            foundry: None,
        },
        SupplyInputs::Foundry(f) => {
            let foundry = f
                .generations
                .iter()
                .enumerate()
                .map(|(g, gi)| {
                    let gen = gens.get(g);
                    let r = gi.yield_ramp();
                    let yield_percent = if r.start_bp() == r.end_bp()
                        && r.ramp_periods() == 0
                        && r.ramp_start_period() == 0
                    {
                        YieldDto::Flat(Decimal::from_scaled(r.start_bp() as u64, 2))
                    } else {
                        YieldDto::Ramp(YieldRampDto {
                            start: Decimal::from_scaled(r.start_bp() as u64, 2),
                            end: Decimal::from_scaled(r.end_bp() as u64, 2),
                            ramp_periods: r.ramp_periods(),
                            ramp_start: Some(style.period(r.ramp_start_period())),
                        })
                    };
                    let dto = FoundryDto {
                        wafer_starts_per_period: series_of(gi.wafer_starts_per_period(), periods),
                        gross_dies_per_wafer: gi.gross_dies_per_wafer(),
                        yield_percent,
                        lead_time_periods: gi.lead_time_periods(),
                        hbm_stacks_per_chip: gi.hbm_stacks_per_chip(),
                        initial_dies: gi.initial_dies(),
                        first_ship: (gen.map(|g| g.first_ship.0) != Some(gi.first_ship_period()))
                            .then(|| style.period(gi.first_ship_period())),
                        name: (gen.map(|g| g.key.as_str()) != Some(gi.name()))
                            .then(|| gi.name().to_string()),
                        source: None,
                    };
                    (key(g), dto)
                })
                .collect();
            let (policy, order, shares_percent) = match &f.policy {
                supply::SplitPolicy::Priority(o) => {
                    ("priority", Some(o.iter().map(|&g| key(g)).collect()), None)
                }
                supply::SplitPolicy::FixedMix(s) => (
                    "mix",
                    None,
                    Some(
                        s.iter()
                            .enumerate()
                            .map(|(g, &bp)| (key(g), Decimal::from_scaled(bp as u64, 2)))
                            .collect(),
                    ),
                ),
            };
            SupplyDto {
                source: None,
                units: None,
                shared: Some(SharedDto {
                    hbm_stacks_per_period: series_of(f.shared.hbm_stacks_per_period(), periods),
                    packaging_chips_per_period: series_of(
                        f.shared.packaging_chips_per_period(),
                        periods,
                    ),
                    initial_hbm_stacks: f.shared.initial_hbm_stacks(),
                    policy: policy.to_string(),
                    order,
                    shares_percent,
                    source: None,
                }),
                foundry: Some(foundry),
            }
        }
    };
    ScenarioDto {
        name: spec.name.clone(),
        source: None,
        start: spec.horizon.start().to_string(),
        periods,
        generations: gens
            .iter()
            .map(|g| GenerationDto {
                id: g.key.clone(),
                name: g.name.clone(),
                unit_name: g.unit_name.clone(),
                chips_per_unit: g.chips_per_unit,
                first_ship: style.period(g.first_ship.0),
                holding_usd_per_unit_period: g.holding_usd_per_unit_period,
                residual_usd_per_unit: g.residual_usd_per_unit,
                cloud_value_usd_per_unit_period: g.cloud_value_usd_per_unit_period,
                cloud_demand_units: series_of(&g.cloud_demand_units, periods),
                source: opt(&g.source),
            })
            .collect(),
        supply,
        skus: spec
            .skus
            .iter()
            .map(|s| SkuDto {
                id: s.key.clone(),
                name: s.name.clone(),
                generation: s.generation.clone(),
                size_units: s.size_units,
                source: None,
            })
            .collect(),
        customers: spec
            .customers
            .iter()
            .map(|c| CustomerDto {
                id: c.key.clone(),
                name: c.name.clone(),
                kind: c.kind.as_str().to_string(),
                source: None,
            })
            .collect(),
        contracts: contracts_to_dto(spec, style),
        reservations: spec
            .reservations
            .iter()
            .map(|r| reservation_to_dto(r, style))
            .collect(),
        orders: orders_to_dto(spec, style),
    }
}

/// The orders with where they stand (`confirmed`, `delivered`).
fn orders_to_dto(spec: &BookSpec, style: Style) -> Vec<OrderDto> {
    let mut orders: Vec<OrderDto> = spec.orders.iter().map(|o| order_to_dto(o, style)).collect();
    if spec.order_progress.is_empty() {
        return orders;
    }
    let index: std::collections::HashMap<&str, usize> = (spec.orders.iter().enumerate())
        .map(|(i, o)| (o.key.as_str(), i))
        .collect();
    for p in &spec.order_progress {
        // A specification naming an order it does not hold is refused by `Book::new`.
        if let Some(&i) = index.get(p.order.as_str()) {
            orders[i].confirmed = p.confirmed.map(|c| ConfirmedDto {
                units: c.units,
                by: style.period(c.by.0),
            });
            orders[i].delivered = p.delivered.map(|d| DeliveredDto {
                units: d.units,
                period: style.period(d.period.0),
            });
        }
    }
    orders
}

/// The contracts with what was shipped against their commitments (`delivered`).
fn contracts_to_dto(spec: &BookSpec, style: Style) -> Vec<ContractDto> {
    let mut contracts: Vec<ContractDto> = (spec.contracts.iter())
        .map(|c| contract_to_dto(c, style))
        .collect();
    for p in &spec.commitment_progress {
        // A specification naming a contract or commitment it does not hold is refused by
        // `Book::new`.
        let cm = (contracts.iter_mut())
            .find(|c| c.id == p.contract)
            .and_then(|c| c.commitments.get_mut(p.commitment as usize));
        if let Some(cm) = cm {
            cm.delivered
                .extend(p.delivered.iter().map(|d| DeliveredDto {
                    units: d.units,
                    period: style.period(d.period.0),
                }));
        }
    }
    contracts
}

pub(crate) fn contract_to_dto(c: &ContractSpec, style: Style) -> ContractDto {
    ContractDto {
        id: c.key.clone(),
        customer: c.customer.clone(),
        shortfall_penalty_usd_per_unit: c.shortfall_penalty_usd_per_unit,
        note: c.note.clone(),
        source: None,
        commitments: c
            .commitments
            .iter()
            .map(|cm| {
                let mut dto = CommitmentDto {
                    kind: String::new(),
                    generation: cm.generation.clone(),
                    units: cm.units,
                    earliest: None,
                    due: None,
                    price_usd_per_unit: None,
                    start: None,
                    end: None,
                    price_usd_per_unit_period: None,
                    delivered: Vec::new(),
                    source: None,
                };
                match cm.kind {
                    CommitmentKind::Delivery {
                        earliest,
                        due,
                        price_usd_per_unit,
                    } => {
                        dto.kind = "delivery".into();
                        dto.earliest = Some(style.period(earliest.0));
                        dto.due = Some(style.period(due.0));
                        dto.price_usd_per_unit = Some(price_usd_per_unit);
                    }
                    CommitmentKind::Capacity {
                        start,
                        end,
                        price_usd_per_unit_period,
                    } => {
                        dto.kind = "capacity".into();
                        dto.start = Some(style.period(start.0));
                        dto.end = Some(style.period(end.0));
                        dto.price_usd_per_unit_period = Some(price_usd_per_unit_period);
                    }
                }
                dto
            })
            .collect(),
    }
}

pub(crate) fn order_to_dto(o: &OrderSpec, style: Style) -> OrderDto {
    OrderDto {
        id: o.key.clone(),
        customer: o.customer.clone(),
        sku: o.sku.clone(),
        quantity: o.quantity,
        earliest: style.period(o.earliest.0),
        latest: style.period(o.latest.0),
        price_usd_per_unit: o.price_usd_per_unit,
        lateness_penalty_usd_per_unit_period: o.lateness_penalty_usd_per_unit_period,
        substitutes: o
            .substitutes
            .iter()
            .map(|s| SubstituteDto {
                generation: s.generation.clone(),
                value_factor: Decimal::from_scaled(s.value_factor_bp as u64, 4),
            })
            .collect(),
        confirmed: None,
        delivered: None,
        source: None,
    }
}

pub(crate) fn reservation_to_dto(r: &ReservationSpec, style: Style) -> ReservationDto {
    ReservationDto {
        id: r.key.clone(),
        customer: r.customer.clone(),
        generation: r.generation.clone(),
        units: r.units,
        start: style.period(r.start.0),
        end: style.period(r.end.0),
        price_usd_per_unit_period: r.price_usd_per_unit_period,
        source: None,
    }
}

/// The book's current content as a specification that `Book::new` turns back into the same
/// orders, contracts, reservations, generations and supply.
///
/// A scenario has no history, so: cancelled orders and cancelled reservations are left out;
/// delivered orders are kept with their recorded delivery (the planner takes the delivered
/// units off the supply of their period), commitments with the units recorded as shipped
/// against them (likewise off the supply, and off what they still owe), confirmed orders with the promise the customer
/// confirmed (tier 2 protects it); promises not confirmed are plan state and left out, so
/// those orders come back as placed; supply adjustments are folded in by writing the adjusted
/// supply as explicit units. The planner sees the same book: equal tier objectives.
pub fn spec_of(book: &Book) -> BookSpec {
    let gkey = |g: GenIdx| book.generation(g).key.clone();
    let ckey = |c: CustomerIdx| book.customer_at(c).key.clone();
    let supply = if book.supply_adjustments().is_empty() {
        book.supply_inputs().clone()
    } else {
        SupplyInputs::Explicit(book.supply_matrix())
    };
    BookSpec {
        name: book.name().to_string(),
        horizon: book.horizon(),
        generations: book.generations().to_vec(),
        supply,
        skus: book
            .skus()
            .iter()
            .map(|s| SkuSpec {
                key: s.key.clone(),
                name: s.name.clone(),
                generation: gkey(s.generation),
                size_units: s.size_units,
            })
            .collect(),
        customers: book.customers().to_vec(),
        contracts: book
            .contracts()
            .iter()
            .map(|c| ContractSpec {
                key: c.key.clone(),
                customer: ckey(c.customer),
                shortfall_penalty_usd_per_unit: c.shortfall_penalty_usd_per_unit,
                commitments: c
                    .commitments
                    .iter()
                    .map(|cm| CommitmentSpec {
                        generation: gkey(cm.generation),
                        units: cm.units,
                        kind: cm.kind,
                    })
                    .collect(),
                note: c.note.clone(),
            })
            .collect(),
        reservations: book
            .reservations()
            .iter()
            .filter(|r| !r.cancelled)
            .map(|r| ReservationSpec {
                key: r.key.clone(),
                customer: ckey(r.customer),
                generation: gkey(r.generation),
                units: r.units,
                start: r.start,
                end: r.end,
                price_usd_per_unit_period: r.price_usd_per_unit_period,
            })
            .collect(),
        orders: book
            .orders()
            .iter()
            .filter(|o| o.status != OrderStatus::Cancelled)
            .map(|o| order_spec_of(book, o))
            .collect(),
        order_progress: book
            .orders()
            .iter()
            .filter_map(|o| {
                let confirmed = o.confirmed.filter(|_| {
                    matches!(o.status, OrderStatus::Confirmed | OrderStatus::Delivered)
                });
                let delivered = o.delivered.filter(|_| o.status == OrderStatus::Delivered);
                (confirmed.is_some() || delivered.is_some()).then(|| OrderProgress {
                    order: o.key.clone(),
                    confirmed,
                    delivered,
                })
            })
            .collect(),
        commitment_progress: (book.contracts().iter())
            .flat_map(|c| {
                (c.commitments.iter().enumerate())
                    .filter(|(_, cm)| !cm.delivered.is_empty())
                    .map(|(k, cm)| CommitmentProgress {
                        contract: c.key.clone(),
                        commitment: k as u32,
                        delivered: cm.delivered.clone(),
                    })
            })
            .collect(),
    }
}

/// The specification an order was placed with.
pub(crate) fn order_spec_of(book: &Book, o: &Order) -> OrderSpec {
    OrderSpec {
        key: o.key.clone(),
        customer: book.customer_at(o.customer).key.clone(),
        sku: book.sku(o.sku).key.clone(),
        quantity: o.quantity,
        earliest: o.earliest,
        latest: o.latest,
        price_usd_per_unit: o.price_usd_per_unit,
        lateness_penalty_usd_per_unit_period: o.lateness_penalty_usd_per_unit_period,
        substitutes: o
            .substitutes
            .iter()
            .map(|s| SubstituteSpec {
                generation: book.generation(s.generation).key.clone(),
                value_factor_bp: s.value_factor_bp,
            })
            .collect(),
    }
}
