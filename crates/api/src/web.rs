//! The planner dashboard and the customer portal: static pages embedded in the binary, and
//! `GET /api/dashboard`, the figures the dashboard draws (staff only).
//!
//! The pages are plain HTML, CSS and JavaScript (no build step) under `crates/api/web/`, with a
//! vendored copy of Chart.js (`web/vendor/`). They sign in with a bearer token kept in the tab's
//! `sessionStorage` and call the same JSON API as any other client; they are served without
//! authentication because they hold no data.

use crate::dto::{format_month, PlanSummary, WaitlistEntryDto};
use crate::routes::AppState;
use crate::tokens::{sha256_hex, Principal};
use crate::ApiError;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use book::{Book, CommitmentKind, GenIdx, OrderIdx, Period};
use serde::Serialize;
use std::sync::OnceLock;

/// Most waitlist entries and moves the dashboard lists (the totals are always given).
const MAX_ROWS: usize = 500;

/// One embedded file.
struct Asset {
    /// Path under `/assets/` (or the page's route for pages).
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const PAGES: [Asset; 3] = [
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../web/index.html"),
    },
    Asset {
        name: "dashboard.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../web/dashboard.html"),
    },
    Asset {
        name: "portal.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../web/portal.html"),
    },
];

const ASSETS: [Asset; 7] = [
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../web/app.css"),
    },
    Asset {
        name: "common.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/common.js"),
    },
    Asset {
        name: "signin.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/signin.js"),
    },
    Asset {
        name: "dashboard.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/dashboard.js"),
    },
    Asset {
        name: "portal.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/portal.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../web/favicon.svg"),
    },
    Asset {
        name: "vendor/chart.umd.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/vendor/chart.umd.min.js"),
    },
];

/// Strong ETags of the embedded files, computed once.
fn etag(asset: &Asset) -> &'static str {
    static TAGS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    let tags = TAGS.get_or_init(|| {
        PAGES
            .iter()
            .chain(ASSETS.iter())
            .map(|a| (a.name, format!("\"{}\"", &sha256_hex(a.body)[..32])))
            .collect()
    });
    tags.iter()
        .find(|(n, _)| *n == asset.name)
        .map(|(_, t)| t.as_str())
        .unwrap_or("\"\"")
}

/// Pages and scripts may load only from this origin; nothing may frame them.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; \
                   frame-ancestors 'none'";

/// Answers with `asset`, or 304 when the client already holds this version. Every response is
/// revalidated (`no-cache`), so a new binary's files are picked up at once.
fn serve(asset: &Asset, headers: &HeaderMap) -> Response {
    let tag = etag(asset);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            )],
            asset.body,
        )
            .into_response()
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(tag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if asset.content_type.starts_with("text/html") {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    res
}

fn page(name: &'static str) -> impl Fn(HeaderMap) -> std::future::Ready<Response> + Clone {
    move |headers: HeaderMap| {
        let asset = PAGES
            .iter()
            .find(|a| a.name == name)
            .expect("every page route names an embedded page");
        std::future::ready(serve(asset, &headers))
    }
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => serve(a, &headers),
        None => ApiError::NotFound("no such asset".into()).into_response(),
    }
}

/// The static pages: `/` (sign in), `/dashboard` (planners), `/portal` (customers) and their
/// assets under `/assets/`. No token is needed: the pages hold no data.
pub(crate) fn pages() -> Router<AppState> {
    Router::new()
        .route("/", get(page("index.html")))
        .route("/dashboard", get(page("dashboard.html")))
        .route("/portal", get(page("portal.html")))
        .route("/assets/*file", get(asset))
}

/// What `GET /api/dashboard` returns: the current plan as the planner dashboard draws it.
/// Series run from the planning month (`now`) to the horizon's end, one value per month in
/// `months`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct DashboardDto {
    /// The book's name.
    pub book: String,
    /// The month planned in.
    pub now: String,
    /// The months the series cover: from `now` to the horizon's last month.
    pub months: Vec<String>,
    /// Whether supply comes from the foundry model (so binding inputs are known).
    pub foundry_supply: bool,
    /// Objectives, served units, waitlist length and the promises moved since the last recorded
    /// plan (at most 500 moves; `moves_total` counts all).
    pub plan: PlanSummary,
    /// All the moves, when `plan.moves` was cut short.
    pub moves_total: usize,
    /// The last recorded plan: its month and tier objectives, if a plan was ever recorded.
    pub last_recorded: Option<RecordedDto>,
    /// Per generation, in the book's order.
    pub generations: Vec<GenerationDto>,
    /// Per customer, in the book's order.
    pub customers: Vec<CustomerDto>,
    /// Every contract commitment with what the plan meets of it.
    pub commitments: Vec<CommitmentDto>,
    /// Commitments' units owed and met, summed.
    pub commitments_total: CommitmentTotals,
    /// Cloud reservations: units asked and accepted (not cancelled ones).
    pub reservations: ReservationTotals,
    /// The first 500 waitlist entries, in line order (`plan.waitlisted_orders` counts all).
    pub waitlist: Vec<WaitRow>,
}

/// The last recorded plan. Its objectives are null when no plan computed them: its promises were
/// imported (a book from `allot gen` starts with such a record).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RecordedDto {
    /// The month it was made in.
    pub now: String,
    /// Whether a plan computed the objectives below (false: the promises were imported).
    pub objectives_computed: bool,
    /// Tier 1: commitment shortfall, USD (null if not computed).
    pub commitment_shortfall_usd: Option<i64>,
    /// Tier 2: promise lateness, unit-periods (null if not computed).
    pub promise_lateness_unit_periods: Option<i64>,
    /// Tier 3: value, USD (null if not computed).
    pub value_usd: Option<i64>,
    /// Promises it recorded.
    pub promises: usize,
}

/// Units from now on, summed over the months.
#[derive(Debug, Serialize, Default, utoipa::ToSchema)]
pub(crate) struct GenerationTotals {
    /// Finished units.
    pub supply: u64,
    /// Inventory carried into `now` from before it.
    pub carried_in: u64,
    /// Units shipped to buyers (orders, contracts and recorded deliveries).
    pub sold: u64,
    /// Units shipped to merchant orders.
    pub sold_orders: u64,
    /// Units shipped on contract delivery commitments.
    pub sold_contracts: u64,
    /// Units deployed into the vendor's cloud.
    pub deployed: u64,
    /// Inventory left at the horizon's end.
    pub carried_out: u64,
    /// Units open orders (naming this generation first) and delivery commitments ask for.
    pub buyer_demand: u64,
    /// The cloud's own demand plus reservations and capacity commitments in the busiest month.
    pub cloud_peak: u64,
}

/// A run of months with the same binding input.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct BindingRun {
    /// First month.
    pub from: String,
    /// Last month.
    pub to: String,
    /// wafers, HBM, packaging, not shipping, or cut by / raised by adjustment.
    pub input: String,
    /// Months in the run.
    pub months: usize,
}

/// One generation's flows per month.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = DashboardGeneration)]
pub(crate) struct GenerationDto {
    /// Generation id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What one planning unit is.
    pub unit_name: String,
    /// First month units ship.
    pub first_ship: String,
    /// Finished units.
    pub supply: Vec<u64>,
    /// Units shipped to buyers (all channels).
    pub sold: Vec<u64>,
    /// Of which to merchant orders.
    pub sold_orders: Vec<u64>,
    /// Of which on contract delivery commitments.
    pub sold_contracts: Vec<u64>,
    /// Units deployed into the cloud pool.
    pub deployed: Vec<u64>,
    /// Cloud pool size.
    pub pool: Vec<u64>,
    /// Pool units serving the cloud's own demand.
    pub internal: Vec<u64>,
    /// Pool units serving reservations and capacity commitments.
    pub reserved: Vec<u64>,
    /// Inventory carried into the next month.
    pub carried: Vec<u64>,
    /// Units open orders accepting this generation ask for with a window covering the month.
    pub demand_in_window: Vec<u64>,
    /// The cloud's own demand forecast.
    pub cloud_demand: Vec<u64>,
    /// The input that binds the foundry plan each month ("" when none or unknown), or "cut by
    /// adjustment" / "raised by adjustment" where recorded adjustments changed the month's units.
    pub binding: Vec<String>,
    /// `binding` as runs of equal months.
    pub binding_runs: Vec<BindingRun>,
    /// Totals from now on.
    pub totals: GenerationTotals,
}

/// What the plan gives one customer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = DashboardCustomer)]
pub(crate) struct CustomerDto {
    /// Customer id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// lab, colo, enterprise or other.
    pub kind: &'static str,
    /// Open orders.
    pub open_orders: usize,
    /// Units those orders ask for.
    pub ordered_units: u64,
    /// Units the plan ships to those orders.
    pub order_units_served: u64,
    /// Units owed on contract commitments (delivery and capacity).
    pub contract_units_owed: u64,
    /// Units met on them.
    pub contract_units_met: u64,
    /// Cloud reservation units accepted.
    pub reserved_units: u64,
    /// Units shipped (orders and delivery commitments) per generation, indexed like `generations`.
    pub shipped_by_generation: Vec<u64>,
    /// Open orders on the waitlist.
    pub waitlisted_orders: usize,
    /// Their units not served.
    pub waitlisted_units: u64,
}

/// One contract commitment and what the plan meets of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = DashboardCommitment)]
pub(crate) struct CommitmentDto {
    /// Contract id.
    pub contract: String,
    /// Customer id.
    pub customer: String,
    /// 1-based position in the contract.
    pub index: usize,
    /// Generation id.
    pub generation: String,
    /// delivery or capacity.
    pub kind: &'static str,
    /// First month (delivery: earliest; capacity: start).
    pub from: String,
    /// Last month (delivery: due; capacity: the last month held).
    pub to: String,
    /// Units still owed (delivery: what is not yet recorded as shipped).
    pub units: u64,
    /// Units already recorded as shipped against it (delivery commitments; 0 for capacity).
    pub delivered_units: u64,
    /// Units met of those still owed (delivered by the due month, or capacity held).
    pub met_units: u64,
}

/// Commitments summed.
#[derive(Debug, Serialize, Default, utoipa::ToSchema)]
pub(crate) struct CommitmentTotals {
    /// Commitments.
    pub count: usize,
    /// Units owed.
    pub units: u64,
    /// Units met.
    pub met_units: u64,
    /// Commitments not met in full.
    pub short: usize,
}

/// Cloud reservations summed.
#[derive(Debug, Serialize, Default, utoipa::ToSchema)]
pub(crate) struct ReservationTotals {
    /// Reservations (not cancelled).
    pub count: usize,
    /// Units asked.
    pub units: u64,
    /// Units accepted.
    pub accepted_units: u64,
}

/// A waitlist entry with the order's window.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct WaitRow {
    /// The entry (with customer and reason text: the dashboard is for staff).
    #[serde(flatten)]
    pub entry: WaitlistEntryDto,
    /// The order's last delivery month.
    pub latest: String,
    /// True when the estimated month falls after the order's window.
    pub after_window: bool,
}

/// The binding input of `g` in month `t` as a label ("" when nothing binds or it is unknown);
/// the adjustment where one changed the month's units.
fn binding_label(book: &Book, g: GenIdx, t: Period) -> String {
    if let Some(label) = book.supply_adjustment_label(g, t) {
        return label.to_string();
    }
    match book.supply_binding(g, t) {
        Some(b) if b.is_constraint() || b.label() == "not shipping" => b.label().to_string(),
        _ => String::new(),
    }
}

/// Runs of equal non-empty labels; `labels[k]` is month `first + k`.
fn binding_runs(book: &Book, first: Period, labels: &[String]) -> Vec<BindingRun> {
    let mut out = Vec::new();
    let mut start = 0;
    for k in 1..=labels.len() {
        if k == labels.len() || labels[k] != labels[start] {
            if !labels[start].is_empty() {
                out.push(BindingRun {
                    from: format_month(book, Period(first.0 + start as u32)),
                    to: format_month(book, Period(first.0 + k as u32 - 1)),
                    input: labels[start].clone(),
                    months: k - start,
                });
            }
            start = k;
        }
    }
    out
}

/// Builds the dashboard's figures from `plan` of `book`.
fn dashboard(book: &Book, plan: &planner::Plan) -> DashboardDto {
    let now = plan.now;
    let periods = book.horizon().periods();
    let from = now.0 as usize;
    let span = periods as usize - from;
    let gens = book.generations().len();
    let months = (now.0..periods)
        .map(|t| format_month(book, Period(t)))
        .collect();

    // Shipments by channel, and by customer, per generation.
    let mut by_orders = vec![vec![0u64; span]; gens];
    let mut by_contracts = vec![vec![0u64; span]; gens];
    let mut customers: Vec<CustomerDto> = book
        .customers()
        .iter()
        .map(|c| CustomerDto {
            id: c.key.clone(),
            name: c.name.clone(),
            kind: c.kind.as_str(),
            open_orders: 0,
            ordered_units: 0,
            order_units_served: 0,
            contract_units_owed: 0,
            contract_units_met: 0,
            reserved_units: 0,
            shipped_by_generation: vec![0; gens],
            waitlisted_orders: 0,
            waitlisted_units: 0,
        })
        .collect();
    for (i, o) in book.orders().iter().enumerate() {
        if !o.status.is_open() {
            continue;
        }
        let op = &plan.orders[i];
        let c = &mut customers[o.customer.0 as usize];
        c.open_orders += 1;
        c.ordered_units += o.units;
        c.order_units_served += op.served_units;
        if let Some(w) = &op.waitlist {
            c.waitlisted_orders += 1;
            c.waitlisted_units += w.remaining_units;
        }
        for s in &op.shipments {
            let g = s.generation.0 as usize;
            c.shipped_by_generation[g] += s.units;
            if let Some(k) = (s.period.0 as usize).checked_sub(from) {
                by_orders[g][k] += s.units;
            }
        }
    }
    let mut commitments = Vec::with_capacity(plan.commitments.len());
    let mut commitments_total = CommitmentTotals::default();
    for cp in &plan.commitments {
        let contract = &book.contracts()[cp.contract];
        let cm = &contract.commitments[cp.index];
        let c = &mut customers[contract.customer.0 as usize];
        c.contract_units_owed += cp.units;
        c.contract_units_met += cp.met_units;
        for s in &cp.shipments {
            let g = s.generation.0 as usize;
            c.shipped_by_generation[g] += s.units;
            if let Some(k) = (s.period.0 as usize).checked_sub(from) {
                by_contracts[g][k] += s.units;
            }
        }
        let (kind, first, last) = match cm.kind {
            CommitmentKind::Delivery { earliest, due, .. } => ("delivery", earliest, due),
            CommitmentKind::Capacity { start, end, .. } => (
                "capacity",
                start,
                Period(end.0.saturating_sub(1).max(start.0)),
            ),
        };
        commitments_total.count += 1;
        commitments_total.units += cp.units;
        commitments_total.met_units += cp.met_units;
        if cp.met_units < cp.units {
            commitments_total.short += 1;
        }
        commitments.push(CommitmentDto {
            contract: contract.key.clone(),
            customer: book.customer_at(contract.customer).key.clone(),
            index: cp.index + 1,
            generation: book.generation(cm.generation).key.clone(),
            kind,
            from: format_month(book, first),
            to: format_month(book, last),
            units: cp.units,
            delivered_units: cp.delivered_units,
            met_units: cp.met_units,
        });
    }
    let mut reservations = ReservationTotals::default();
    for (r, res) in book.reservations().iter().enumerate() {
        if res.cancelled {
            continue;
        }
        let accepted = plan.reservations_accepted.get(r).copied().unwrap_or(0);
        reservations.count += 1;
        reservations.units += res.units;
        reservations.accepted_units += accepted;
        customers[res.customer.0 as usize].reserved_units += accepted;
    }

    let generations = book
        .generations()
        .iter()
        .enumerate()
        .map(|(gi, g)| {
            let gf = &plan.generations[gi];
            let gidx = GenIdx(gi as u16);
            let tail = |v: &Vec<u64>| v[from..].to_vec();
            let binding: Vec<String> = (now.0..periods)
                .map(|t| binding_label(book, gidx, Period(t)))
                .collect();
            let sum = |v: &Vec<u64>| v[from..].iter().sum::<u64>();
            let totals = GenerationTotals {
                supply: sum(&gf.supply),
                carried_in: if from > 0 { gf.carried[from - 1] } else { 0 },
                sold: sum(&gf.sold),
                sold_orders: by_orders[gi].iter().sum(),
                sold_contracts: by_contracts[gi].iter().sum(),
                deployed: sum(&gf.deployed),
                carried_out: gf.carried.last().copied().unwrap_or(0),
                buyer_demand: book.buyer_demand_units(now, gidx),
                cloud_peak: (now.0..periods)
                    .map(|t| book.cloud_load_units(gidx, Period(t)))
                    .max()
                    .unwrap_or(0),
            };
            GenerationDto {
                id: g.key.clone(),
                name: g.name.clone(),
                unit_name: g.unit_name.clone(),
                first_ship: format_month(book, g.first_ship),
                supply: tail(&gf.supply),
                sold: tail(&gf.sold),
                sold_orders: by_orders[gi].clone(),
                sold_contracts: by_contracts[gi].clone(),
                deployed: tail(&gf.deployed),
                pool: tail(&gf.pool),
                internal: tail(&gf.internal),
                reserved: tail(&gf.reserved),
                carried: tail(&gf.carried),
                demand_in_window: tail(&gf.demand_in_window),
                cloud_demand: g.cloud_demand_units[from..].to_vec(),
                binding_runs: binding_runs(book, now, &binding),
                binding,
                totals,
            }
        })
        .collect();

    let waitlist = plan
        .waitlist
        .iter()
        .take(MAX_ROWS)
        .filter_map(|&o: &OrderIdx| {
            let order = book.order_at(o);
            let entry = WaitlistEntryDto::new(book, plan, o, true)?;
            let after_window = plan.orders[o.0 as usize]
                .waitlist
                .as_ref()
                .and_then(|w| w.earliest_period)
                .is_some_and(|p| p > order.latest);
            Some(WaitRow {
                entry,
                latest: format_month(book, order.latest),
                after_window,
            })
        })
        .collect();

    let moves = planner::diff(book, plan);
    let moves_total = moves.len();
    let summary = PlanSummary::new(book, plan, &moves[..moves_total.min(MAX_ROWS)]);
    let last_recorded = book.last_plan().map(|r| RecordedDto {
        now: format_month(book, r.now),
        objectives_computed: r.objectives.is_some(),
        commitment_shortfall_usd: r.objectives.map(|o| o[0]),
        promise_lateness_unit_periods: r.objectives.map(|o| o[1]),
        value_usd: r.objectives.map(|o| o[2]),
        promises: r.promises.len(),
    });
    DashboardDto {
        book: book.name().to_string(),
        now: format_month(book, now),
        months,
        foundry_supply: matches!(book.supply_inputs(), book::SupplyInputs::Foundry(_)),
        plan: summary,
        moves_total,
        last_recorded,
        generations,
        customers,
        commitments,
        commitments_total,
        reservations,
        waitlist,
    }
}

/// `GET /api/dashboard` (planner or admin): the current plan's figures for the dashboard.
#[utoipa::path(get, path = "/api/dashboard", tag = "dashboard", responses((status = 200, description = "The dashboard's figures from now to the horizon's end", body = DashboardDto), (status = 403, description = "Staff only", body = crate::dto::ErrorBody), (status = 401, description = "No valid token", body = crate::dto::ErrorBody), (status = 429, description = "Rate limit exceeded", body = crate::dto::ErrorBody)))]
pub(crate) async fn get_dashboard(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Json<DashboardDto>, ApiError> {
    if !p.role.is_staff() {
        return Err(ApiError::Forbidden(
            "the dashboard is for planners: this needs a planner or admin token".into(),
        ));
    }
    let now = crate::now_period(&state.snapshot().book, state.config.now);
    let cached = state.current_plan(now).await?;
    let (book, plan) = (&cached.snapshot.book, &cached.plan);
    // Large books: building the figures walks every order once; keep it off the async workers.
    let dto = if book.orders().len() > 20_000 {
        let cached = cached.clone();
        tokio::task::spawn_blocking(move || dashboard(&cached.snapshot.book, &cached.plan))
            .await
            .map_err(|e| ApiError::Internal(format!("dashboard task failed: {e}")))?
    } else {
        dashboard(book, plan)
    };
    Ok(Json(dto))
}
