//! The router, the bearer-token middleware, and the handlers.

use crate::dto::*;
use crate::error::error_body;
use crate::state::{Placed, Shared, Snapshot};
use crate::tokens::{sha256_hex, Principal, Role};
use crate::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use book::{Book, Event, Order, OrderIdx, OrderSpec, Period, SubstituteSpec};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

type AppState = Arc<Shared>;

/// Longest accepted `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY_LEN: usize = 200;

/// Builds the application.
pub(crate) fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let timeout = state.config.request_timeout;
    let api = Router::new()
        .route("/orders", get(list_orders).post(create_order))
        .route("/orders/:id", get(get_order))
        .route("/orders/:id/confirm", post(confirm_order))
        .route("/orders/:id/cancel", post(cancel_order))
        .route("/plan", post(post_plan))
        .route("/promise", get(get_promise))
        .route("/waitlist", get(get_waitlist))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api", api)
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .with_state(state)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(middleware::map_response(json_errors))
        .layer(TraceLayer::new_for_http())
}

/// Gives every error response, including those made by layers (413, 408, 405, panics), a JSON body.
async fn json_errors(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let msg = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is larger than the configured limit",
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this endpoint",
        StatusCode::REQUEST_TIMEOUT => "the request took longer than the configured timeout",
        StatusCode::INTERNAL_SERVER_ERROR => "internal error; the details are in the server log",
        s => s.canonical_reason().unwrap_or("request failed"),
    };
    error_body(status, msg)
}

/// Authenticates `Authorization: Bearer <secret>` and passes the [`Principal`] on.
async fn require_token(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let secret = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorized)?;
    let principal = state.authenticate(secret)?.ok_or(ApiError::Unauthorized)?;
    req.extensions_mut().insert(principal);
    Ok(next.run(req).await)
}

fn require_staff(p: &Principal) -> Result<(), ApiError> {
    if p.role.is_staff() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "this needs a planner or admin token".into(),
        ))
    }
}

/// Whether `p` may see order `o`: staff see all, a customer only its own.
fn may_see(book: &Book, p: &Principal, o: &Order) -> bool {
    match p.role {
        Role::Admin | Role::Planner => true,
        Role::Customer => p.customer.as_deref() == Some(&book.customer_at(o.customer).key),
    }
}

/// The order `id` if `p` may see it; otherwise 404 with the same body as for an order that does
/// not exist (the message does not even echo the id).
fn visible_order<'a>(
    book: &'a Book,
    p: &Principal,
    id: &str,
) -> Result<(OrderIdx, &'a Order), ApiError> {
    book.order_idx(id)
        .map(|i| (i, book.order_at(i)))
        .filter(|(_, o)| may_see(book, p, o))
        .ok_or_else(|| ApiError::NotFound("no such order".into()))
}

fn body_bytes(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(limit),
        _ => ApiError::BadRequest(format!(
            "could not read the request body: {}",
            e.body_text()
        )),
    })
}

fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))
}

/// Parses an optional body: empty means the default.
fn parse_optional_json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse_json(body)
    }
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::BadRequest(format!("bad query string: {}", e.body_text())))
}

fn period(book: &Book, field: &str, s: &str) -> Result<Period, ApiError> {
    book.horizon()
        .parse_period(s)
        .map_err(|e| ApiError::BadRequest(format!("{field}: {e}")))
}

/// Runs a blocking store write off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("write task failed: {e}")))?
}

async fn healthz(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "head": state.snapshot().head }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    offset: Option<usize>,
    limit: Option<usize>,
}

async fn list_orders(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<OrderPage>, ApiError> {
    let q = query(q)?;
    let max = state.config.max_page_size;
    let limit = q.limit.unwrap_or(max.min(100));
    if limit == 0 || limit > max {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {max}"
        )));
    }
    let offset = q.offset.unwrap_or(0);
    let snap = state.snapshot();
    let book = &snap.book;
    let visible: Vec<&Order> = book
        .orders()
        .iter()
        .filter(|o| may_see(book, &p, o))
        .collect();
    let orders = visible
        .iter()
        .skip(offset)
        .take(limit)
        .map(|o| OrderDto::new(book, o))
        .collect();
    let end = offset.saturating_add(limit);
    Ok(Json(OrderPage {
        orders,
        total: visible.len(),
        next_offset: (end < visible.len()).then_some(end),
    }))
}

/// A fresh order id: random, so it says nothing about how many orders exist.
fn new_order_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("o-{}", &sha256_hex(&b)[..16])
}

fn order_spec(book: &Book, p: &Principal, req: NewOrder) -> Result<OrderSpec, ApiError> {
    let customer = match (p.role, req.customer) {
        (Role::Customer, Some(c)) if Some(&c) != p.customer.as_ref() => {
            return Err(ApiError::Forbidden(
                "a customer token places orders only for its own customer".into(),
            ))
        }
        (Role::Customer, _) => p.customer.clone().unwrap_or_default(),
        (_, Some(c)) => c,
        (_, None) => return Err(ApiError::BadRequest("customer: required".into())),
    };
    let key = match (p.role, req.id) {
        (Role::Customer, Some(_)) => {
            return Err(ApiError::BadRequest(
                "id: order ids are assigned by the server for customer tokens".into(),
            ))
        }
        (_, Some(id)) => id,
        (_, None) => new_order_id(),
    };
    Ok(OrderSpec {
        key,
        customer,
        sku: req.sku,
        quantity: req.quantity,
        earliest: period(book, "earliest", &req.earliest)?,
        latest: period(book, "latest", &req.latest)?,
        price_usd_per_unit: req.price_usd_per_unit,
        lateness_penalty_usd_per_unit_period: req.lateness_penalty_usd_per_unit_period,
        substitutes: req
            .substitutes
            .into_iter()
            .map(|s| SubstituteSpec {
                generation: s.generation,
                value_factor_bp: s.value_factor_bp,
            })
            .collect(),
    })
}

async fn create_order(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body, state.config.max_body_bytes)?;
    let key = headers
        .get("idempotency-key")
        .ok_or_else(|| ApiError::BadRequest("the Idempotency-Key header is required".into()))?
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY_LEN)
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters"
            ))
        })?
        .to_string();
    let req: NewOrder = parse_json(&body)?;
    let spec = order_spec(&state.snapshot().book, &p, req)?;
    // Keys are per tenant: one customer's key can never name another customer's order.
    let scope = match &p.customer {
        Some(c) => format!("customer:{c}"),
        None => "staff".to_string(),
    };
    let request_sha256 = sha256_hex(&body);
    let s = state.clone();
    let principal = p.clone();
    let placed =
        blocking(move || s.place_order_once(&scope, &key, &request_sha256, spec, &principal))
            .await?;
    let (status, id, replayed) = match placed {
        Placed::Created(id) => (StatusCode::CREATED, id, false),
        Placed::Replayed(id) => (StatusCode::OK, id, true),
    };
    let snap = state.snapshot();
    let (_, order) = visible_order(&snap.book, &p, &id)?;
    let mut res = (status, Json(OrderDto::new(&snap.book, order))).into_response();
    if replayed {
        res.headers_mut().insert(
            "idempotent-replayed",
            header::HeaderValue::from_static("true"),
        );
    }
    Ok(res)
}

async fn get_order(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<OrderDto>, ApiError> {
    let snap = state.snapshot();
    let (_, order) = visible_order(&snap.book, &p, &id)?;
    Ok(Json(OrderDto::new(&snap.book, order)))
}

/// Commits `event` about order `id` after checking `p` may see it; returns the order after.
async fn order_change(
    state: AppState,
    p: Principal,
    id: String,
    event: Event,
) -> Result<Json<OrderDto>, ApiError> {
    visible_order(&state.snapshot().book, &p, &id)?;
    let s = state.clone();
    let actor = p.actor();
    let snap: Arc<Snapshot> = blocking(move || s.commit(vec![event], &actor, None)).await?;
    let (_, order) = visible_order(&snap.book, &p, &id)?;
    Ok(Json(OrderDto::new(&snap.book, order)))
}

async fn confirm_order(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<OrderDto>, ApiError> {
    let event = Event::OrderConfirmed { order: id.clone() };
    order_change(state, p, id, event).await
}

async fn cancel_order(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<OrderDto>, ApiError> {
    let body = body_bytes(body, state.config.max_body_bytes)?;
    let req: CancelRequest = parse_optional_json(&body)?;
    let event = Event::OrderCancelled {
        order: id.clone(),
        reason: req
            .reason
            .unwrap_or_else(|| format!("cancelled through the API by {}", p.actor())),
    };
    order_change(state, p, id, event).await
}

fn now(state: &Shared, book: &Book) -> Period {
    crate::now_period(book, state.config.now)
}

/// The promises of `plan` as a recorded-plan event (what `allot plan` records).
fn plan_record(book: &Book, plan: &planner::Plan) -> Event {
    Event::PlanRecorded(plan.record(book))
}

async fn post_plan(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PlanSummary>, ApiError> {
    require_staff(&p)?;
    let body = body_bytes(body, state.config.max_body_bytes)?;
    let req: PlanRequest = parse_optional_json(&body)?;
    let now = now(&state, &state.snapshot().book);
    let cached = state.current_plan(now).await?;
    let book = &cached.snapshot.book;
    let moves = planner::diff(book, &cached.plan);
    let mut summary = PlanSummary::new(book, &cached.plan, &moves);
    if !req.dry_run {
        let event = plan_record(book, &cached.plan);
        let base = cached.snapshot.head;
        let (s, actor) = (state.clone(), p.actor());
        let after = blocking(move || s.commit(vec![event], &actor, Some(base))).await?;
        summary.recorded_as_event = Some(after.head);
        state.keep_plan(cached, after).await;
    }
    Ok(Json(summary))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PromiseQuery {
    sku: String,
    qty: Option<u64>,
    by: Option<String>,
}

async fn get_promise(
    State(state): State<AppState>,
    q: Result<Query<PromiseQuery>, QueryRejection>,
) -> Result<Json<PromiseAnswer>, ApiError> {
    let q = query(q)?;
    if q.qty.is_none() && q.by.is_none() {
        return Err(ApiError::BadRequest(
            "give qty (earliest month for a quantity) and/or by (quantity by a month)".into(),
        ));
    }
    if q.qty.is_some_and(|n| n > book::MAX_UNITS) {
        return Err(ApiError::BadRequest(format!(
            "qty: at most {} items",
            book::MAX_UNITS
        )));
    }
    let snap = state.snapshot();
    let sku = snap
        .book
        .sku_idx(&q.sku)
        .ok_or_else(|| ApiError::NotFound(format!("no SKU {:?}", q.sku)))?;
    let by =
        q.by.as_deref()
            .map(|b| period(&snap.book, "by", b))
            .transpose()?;
    let now = now(&state, &snap.book);
    let cached = state.current_plan(now).await?;
    let book = &cached.snapshot.book;
    let atp = &cached.plan.atp;
    Ok(Json(PromiseAnswer {
        sku: q.sku,
        now: format_month(book, now),
        by: by.map(|p| format_month(book, p)),
        quantity_by: by.map(|p| atp.sku_quantity_by(sku, p)),
        qty: q.qty,
        earliest: q
            .qty
            .and_then(|n| atp.earliest_sku(sku, n))
            .map(|p| format_month(book, p)),
    }))
}

async fn get_waitlist(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Json<Vec<WaitlistEntryDto>>, ApiError> {
    let now = now(&state, &state.snapshot().book);
    let cached = state.current_plan(now).await?;
    let (book, plan) = (&cached.snapshot.book, &cached.plan);
    let staff = p.role.is_staff();
    let entries = plan
        .waitlist
        .iter()
        .filter(|&&o| may_see(book, &p, book.order_at(o)))
        .filter_map(|&o| WaitlistEntryDto::new(book, plan, o, staff))
        .collect();
    Ok(Json(entries))
}
