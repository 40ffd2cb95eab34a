//! The router, the bearer-token middleware, and the handlers.

use crate::dto::*;
use crate::error::error_body;
use crate::metrics::{RequestLabels, RouteLabels};
use crate::state::{Placed, Placement, Shared, Snapshot};
use crate::tokens::{sha256_hex, Principal, Role};
use crate::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
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
use utoipa::IntoParams;

pub(crate) type AppState = Arc<Shared>;

/// Longest accepted `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY_LEN: usize = 200;

/// Builds the application.
pub(crate) fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let timeout = state.config.request_timeout;
    let state_for_metrics = state.clone();
    let api = Router::new()
        .route("/orders", get(list_orders).post(create_order))
        .route("/orders/:id", get(get_order))
        .route("/orders/:id/confirm", post(confirm_order))
        .route("/orders/:id/cancel", post(cancel_order))
        .route("/orders/:id/deliver", post(deliver_order))
        .route(
            "/contracts/:id/commitments/:n/deliver",
            post(deliver_commitment),
        )
        .route("/plan", post(post_plan))
        .route("/promise", get(get_promise))
        .route("/waitlist", get(get_waitlist))
        .route("/me", get(get_me))
        .route("/history", get(get_history))
        .route(
            "/reservations",
            get(list_reservations).post(create_reservation),
        )
        .route("/reservations/:id/cancel", post(cancel_reservation))
        .route("/supply", get(get_supply))
        .route("/supply/adjustments", post(adjust_supply))
        .route("/book", get(get_book))
        .route("/dashboard", get(crate::web::get_dashboard))
        // The token check also brings the book level with the file (see `require_token`).
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route(
            "/healthz",
            get(healthz).route_layer(middleware::from_fn_with_state(state.clone(), catch_up)),
        )
        .route("/openapi.json", get(crate::openapi::openapi_json))
        .route("/docs/api", get(crate::openapi::reference_page))
        .route(
            "/metrics",
            get(get_metrics)
                .route_layer(middleware::from_fn_with_state(state.clone(), require_token)),
        )
        .nest("/api", api)
        .merge(crate::web::pages())
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
        .layer(middleware::from_fn_with_state(
            state_for_metrics,
            record_metrics,
        ))
        // Request spans for debugging (RUST_LOG=tower_http=debug); the access log is one event
        // per request written by `record_metrics`.
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
        s if s.is_client_error() => {
            // An extractor's rejection (e.g. a path segment that is not UTF-8) says in plain
            // text what is wrong with the request: keep that as the message.
            let (mut parts, body) = res.into_parts();
            let text = axum::body::to_bytes(body, 4096).await.ok();
            let text = text.as_deref().map(String::from_utf8_lossy);
            let msg = match text.as_deref().map(str::trim) {
                Some(t) if !t.is_empty() => t.to_string(),
                _ => s.canonical_reason().unwrap_or("request failed").to_string(),
            };
            let mut out = error_body(status, msg);
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.remove(header::CONTENT_TYPE);
            out.headers_mut().extend(parts.headers);
            return out;
        }
        s => s.canonical_reason().unwrap_or("request failed"),
    };
    error_body(status, msg)
}

/// The method as a metrics label: the standard methods by name, any other (a client may send
/// any token as a method, without a token) as `other`, so labels stay a bounded set.
fn method_label(m: &axum::http::Method) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN
        .into_iter()
        .find(|k| *k == m.as_str())
        .unwrap_or("other")
}

/// Counts every answered request by method, matched route and status, times it, and writes the
/// access log: one structured event per request (target `access`: method, path, status, latency
/// in microseconds) at info.
async fn record_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = method_label(req.method()).to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let path = tracing::enabled!(target: "access", tracing::Level::INFO)
        .then(|| req.uri().path().to_string());
    let res = next.run(req).await;
    let elapsed = started.elapsed();
    if let Some(path) = path {
        tracing::info!(
            target: "access",
            method = %method,
            path = %path,
            status = res.status().as_u16(),
            latency_us = elapsed.as_micros() as u64,
        );
    }
    let m = &state.metrics;
    m.requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status: res.status().as_u16(),
        })
        .inc();
    m.latency
        .get_or_create(&RouteLabels { method, route })
        .observe(elapsed.as_secs_f64());
    res
}

/// `GET /metrics`: Prometheus text format (staff tokens only).
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus metrics (OpenMetrics text format)", content_type = "application/openmetrics-text"), (status = 403, description = "Staff only", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody)))]
pub(crate) async fn get_metrics(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, ApiError> {
    require_staff(&p)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response())
}

/// The secret of an `Authorization` header's value `Bearer <secret>` (the scheme's name in any
/// case, as RFC 9110 has it; spaces around the secret ignored).
fn bearer_secret(value: &str) -> Option<&str> {
    let (scheme, secret) = value.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
}

/// Authenticates `Authorization: Bearer <secret>` and passes the [`Principal`] on.
async fn require_token(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    // A replaced book file answers 503 before any token is looked up in it.
    state.book_file.flagged()?;
    let secret = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_secret)
        .ok_or(ApiError::Unauthorized)?;
    let principal = state.authenticate(secret)?.ok_or(ApiError::Unauthorized)?;
    state.check_rate(principal.token_id)?;
    req.extensions_mut().insert(principal);
    // Then the book is brought level with the file, as `catch_up` does (one layer, not two,
    // on every authenticated request).
    state.catch_up().await?;
    Ok(next.run(req).await)
}

/// Brings the served book level with the file before the request is handled, so reads see
/// events other processes (the CLI) appended and writes are checked against them. Costs one
/// read of SQLite's data version when nothing changed. (Authenticated routes do the same in
/// `require_token`.)
async fn catch_up(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    state.catch_up().await?;
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

#[utoipa::path(get, path = "/healthz", tag = "operations", security(), responses((status = 200, description = "The server is up", body = Health), (status = 503, description = "The book file was replaced or deleted under the server, which serves nothing until restarted", body = ErrorBody)))]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// Skip this many entries (default 0).
    offset: Option<usize>,
    /// At most this many entries (default: 100 orders, or the server's page limit for the
    /// waitlist and reservations; at most the server's page limit).
    limit: Option<usize>,
}

/// One page (`offset`, `limit`; default limit: the server's page limit) of a list answered as a
/// plain JSON array: the page's entries made by `dto`, with the list's length in
/// `X-Total-Count`, and a `Link` header to the next page when there is one. `items` are the
/// entries the caller may see.
fn array_page<T, D: serde::Serialize>(
    state: &Shared,
    path: &str,
    q: PageQuery,
    items: Vec<T>,
    dto: impl Fn(&T) -> Option<D>,
) -> Result<Response, ApiError> {
    let limit = page_limit(state, Some(q.limit.unwrap_or(state.config.max_page_size)))?;
    let offset = q.offset.unwrap_or(0);
    let total = items.len();
    let page: Vec<D> = items
        .iter()
        .skip(offset)
        .take(limit)
        .filter_map(dto)
        .collect();
    let mut res = Json(page).into_response();
    let headers = res.headers_mut();
    headers.insert("x-total-count", total.into());
    let end = offset.saturating_add(limit);
    if end < total {
        let next = format!("<{path}?offset={end}&limit={limit}>; rel=\"next\"");
        if let Ok(v) = header::HeaderValue::from_str(&next) {
            headers.insert(header::LINK, v);
        }
    }
    Ok(res)
}

#[utoipa::path(get, path = "/api/orders", tag = "orders", params(PageQuery), responses((status = 200, description = "A page of the orders the caller may see", body = OrderPage), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn list_orders(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<OrderPage>, ApiError> {
    let q = query(q)?;
    let limit = page_limit(&state, q.limit)?;
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

/// A fresh id with `prefix`: random, so it says nothing about how many things exist.
fn new_id(prefix: &str) -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("{prefix}-{}", &sha256_hex(&b)[..16])
}

fn order_spec(book: &Book, p: &Principal, req: NewOrder) -> Result<OrderSpec, ApiError> {
    let customer = acting_customer(p, req.customer)?;
    let key = match (p.role, req.id) {
        (Role::Customer, Some(_)) => {
            return Err(ApiError::BadRequest(
                "id: order ids are assigned by the server for customer tokens".into(),
            ))
        }
        (_, Some(id)) => id,
        (_, None) => new_id("o"),
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

#[utoipa::path(post, path = "/api/orders", tag = "orders", request_body = NewOrder, params(("Idempotency-Key" = String, Header, description = "Required; a retry with the same key and body returns the same order")), responses((status = 201, description = "Placed", body = OrderDto), (status = 200, description = "A replay of an earlier request with this key", body = OrderDto), (status = 403, description = "Not this token's customer", body = ErrorBody), (status = 409, description = "Key reused with a different body", body = ErrorBody), (status = 422, description = "The book refused the order", body = ErrorBody), (status = 503, description = "Write queue full; retry", body = ErrorBody), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn create_order(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body, state.config.max_body_bytes)?;
    let key = idempotency_key(&headers)?;
    let req: NewOrder = parse_json(&body)?;
    let book = &state.snapshot().book;
    let spec = order_spec(book, &p, req)?;
    // The book knows no "now"; the server does: a window that has wholly passed could never
    // be served, so it is refused here (422) rather than waitlisted.
    let now = now(&state, book);
    if spec.latest < now && spec.earliest <= spec.latest {
        return Err(ApiError::Refused(format!(
            "latest: the window {}..{} has passed (the server's month is {}); an order's latest \
             month must be {} or later",
            format_month(book, spec.earliest),
            format_month(book, spec.latest),
            format_month(book, now),
            format_month(book, now)
        )));
    }
    let request_sha256 = sha256_hex(&body);
    let (placed, snap) = state
        .place_order_once(key_scope(&p), key, request_sha256, spec, &p)
        .await?;
    let (status, id, replayed) = placed_status(placed);
    let (_, order) = visible_order(&snap.book, &p, &id)?;
    Ok(replay_marked(
        (status, Json(OrderDto::new(&snap.book, order))).into_response(),
        replayed,
    ))
}

/// The `Idempotency-Key` header (required to place orders and reservations), trimmed.
fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    Ok(headers
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
        .to_string())
}

/// Where idempotency keys live: per tenant, so one customer's key can never name another
/// customer's order or reservation.
fn key_scope(p: &Principal) -> String {
    match &p.customer {
        Some(c) => format!("customer:{c}"),
        None => "staff".to_string(),
    }
}

/// 201 for a new placement, 200 for a replay (and whether it was one).
fn placed_status(placed: Placed) -> (StatusCode, String, bool) {
    match placed {
        Placed::Created(id) => (StatusCode::CREATED, id, false),
        Placed::Replayed(id) => (StatusCode::OK, id, true),
    }
}

/// Marks a replayed answer with `idempotent-replayed: true`.
fn replay_marked(mut res: Response, replayed: bool) -> Response {
    if replayed {
        res.headers_mut().insert(
            "idempotent-replayed",
            header::HeaderValue::from_static("true"),
        );
    }
    res
}

#[utoipa::path(get, path = "/api/orders/{id}", tag = "orders", params(("id" = String, Path, description = "Order id")), responses((status = 200, description = "The order", body = OrderDto), (status = 404, description = "No such order (or not the caller's)", body = ErrorBody), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn get_order(
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
    let snap: Arc<Snapshot> = match state.commit(vec![event], &p.actor(), None).await {
        Ok(snap) => snap,
        // Staff are told which change blocks a confirmation; a customer only what kind (the
        // book's message), as the change's note or contract is not theirs to read.
        Err(ApiError::Refused(m))
            if p.role.is_staff() && m.contains(book::CONFIRM_AFTER_CHANGE) =>
        {
            let why = state.snapshot().book.changed_since_plan();
            return Err(ApiError::Refused(match why {
                Some(why) => format!("{m} (since it: {why})"),
                None => m,
            }));
        }
        Err(e) => return Err(e),
    };
    let (_, order) = visible_order(&snap.book, &p, &id)?;
    Ok(Json(OrderDto::new(&snap.book, order)))
}

#[utoipa::path(post, path = "/api/orders/{id}/confirm", tag = "orders", params(("id" = String, Path, description = "Order id")), responses((status = 200, description = "The order, its promise now binding", body = OrderDto), (status = 404, description = "No such order (or not the caller's)", body = ErrorBody), (status = 422, description = "Nothing to confirm", body = ErrorBody), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn confirm_order(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<OrderDto>, ApiError> {
    let event = Event::OrderConfirmed { order: id.clone() };
    order_change(state, p, id, event).await
}

#[utoipa::path(post, path = "/api/orders/{id}/cancel", tag = "orders", params(("id" = String, Path, description = "Order id")), request_body(content = Option<CancelRequest>, description = "Optional reason"), responses((status = 200, description = "The cancelled order", body = OrderDto), (status = 404, description = "No such order (or not the caller's)", body = ErrorBody), (status = 422, description = "Cannot be cancelled", body = ErrorBody), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn cancel_order(
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

/// The month of a recorded shipment (of an order, or against a delivery commitment): a shipment
/// is recorded once it happened, so not in a month after the server's. (Before an order's window
/// or a commitment's, or after it, is allowed: early and late shipments happen.)
fn shipped_month(state: &AppState, book: &Book, month: &str) -> Result<Period, ApiError> {
    let month = period(book, "month", month)?;
    let now = now(state, book);
    // The rule the CLI applies too (`--now` being its month).
    book::check_shipped_by(book.horizon(), month, now, "the server's month")
        .map_err(|m| ApiError::Refused(format!("month: {m}")))?;
    Ok(month)
}

/// Records a shipment of the order (staff): the units shipped (default: the whole order) and
/// the month.
#[utoipa::path(post, path = "/api/orders/{id}/deliver", tag = "orders", params(("id" = String, Path, description = "Order id")), request_body = DeliverRequest, responses((status = 200, description = "The order, delivered", body = OrderDto), (status = 403, description = "Staff only", body = ErrorBody), (status = 404, description = "No such order", body = ErrorBody), (status = 422, description = "The book refused it", body = ErrorBody), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn deliver_order(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<OrderDto>, ApiError> {
    require_staff(&p)?;
    let body = body_bytes(body, state.config.max_body_bytes)?;
    let req: DeliverRequest = parse_json(&body)?;
    let snap = state.snapshot();
    let (_, order) = visible_order(&snap.book, &p, &id)?;
    let month = shipped_month(&state, &snap.book, &req.month)?;
    let event = Event::OrderDelivered {
        order: id.clone(),
        units: req.units.unwrap_or(order.units),
        period: month,
    };
    order_change(state, p, id, event).await
}

/// Records units shipped against a delivery commitment of a contract (staff): the units
/// (default: all it still owes) and the month. The planner then plans only what is still owed.
#[utoipa::path(post, path = "/api/contracts/{id}/commitments/{n}/deliver", tag = "contracts", params(("id" = String, Path, description = "Contract id"), ("n" = String, Path, description = "The commitment's number in the contract, from 1")), request_body = CommitmentDeliverRequest, responses((status = 200, description = "The commitment with its deliveries", body = CommitmentProgressDto), (status = 403, description = "Staff only", body = ErrorBody), (status = 404, description = "No such contract or commitment", body = ErrorBody), (status = 422, description = "The book refused it", body = ErrorBody), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn deliver_commitment(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((id, n)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<CommitmentProgressDto>, ApiError> {
    require_staff(&p)?;
    let body = body_bytes(body, state.config.max_body_bytes)?;
    let req: CommitmentDeliverRequest = parse_json(&body)?;
    let snap = state.snapshot();
    let find = |book: &Book| -> Result<(usize, usize), ApiError> {
        let ci = (book.contracts().iter())
            .position(|c| c.key == id)
            .ok_or_else(|| ApiError::NotFound(format!("no contract {id:?}")))?;
        let count = book.contracts()[ci].commitments.len();
        let k = n
            .parse::<usize>()
            .ok()
            .filter(|k| (1..=count).contains(k))
            .ok_or_else(|| {
                ApiError::NotFound(format!(
                    "contract {id} has no commitment {n:?} (it has {count}, numbered from 1)"
                ))
            })?;
        Ok((ci, k - 1))
    };
    let (ci, k) = find(&snap.book)?;
    let month = shipped_month(&state, &snap.book, &req.month)?;
    let event = Event::CommitmentDelivered {
        contract: id.clone(),
        commitment: k as u32,
        units: req
            .units
            .unwrap_or(snap.book.contracts()[ci].commitments[k].owed_units()),
        period: month,
    };
    let snap: Arc<Snapshot> = state.commit(vec![event], &p.actor(), None).await?;
    let (ci, k) = find(&snap.book)?;
    Ok(Json(CommitmentProgressDto::new(
        &snap.book,
        &snap.book.contracts()[ci],
        k,
    )))
}

#[utoipa::path(post, path = "/api/plan", tag = "planning", request_body(content = Option<PlanRequest>, description = "dry_run: plan without recording"), responses((status = 200, description = "The plan's summary and the promises it moved", body = PlanSummary), (status = 403, description = "Staff only", body = ErrorBody), (status = 409, description = "The book changed meanwhile; retry", body = ErrorBody), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn post_plan(
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
        let after = state.commit(vec![event], &p.actor(), Some(base)).await?;
        summary.recorded_as_event = Some(after.head);
        state.keep_plan(cached, after).await;
    }
    Ok(Json(summary))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PromiseQuery {
    /// SKU id.
    sku: String,
    /// Items wanted: the answer says the earliest month they can be promised.
    qty: Option<u64>,
    /// A month, `YYYY-MM`: the answer says how many items can be promised by then.
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2027-06")]
    by: Option<String>,
}

#[utoipa::path(get, path = "/api/promise", tag = "planning", params(PromiseQuery), responses((status = 200, description = "Available to promise", body = PromiseAnswer), (status = 404, description = "No such SKU", body = ErrorBody), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn get_promise(
    State(state): State<AppState>,
    q: Result<Query<PromiseQuery>, QueryRejection>,
) -> Result<Json<PromiseAnswer>, ApiError> {
    let q = query(q)?;
    if q.qty.is_none() && q.by.is_none() {
        return Err(ApiError::BadRequest(
            "give qty (earliest month for a quantity) and/or by (quantity by a month)".into(),
        ));
    }
    // No quantity is "promised" before the server's month: 0 items would be answered with the
    // horizon's first month, however long past.
    if q.qty.is_some_and(|n| n == 0 || n > book::MAX_UNITS) {
        return Err(ApiError::BadRequest(format!(
            "qty: between 1 and {} items",
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

#[utoipa::path(get, path = "/api/waitlist", tag = "planning", params(PageQuery), responses((status = 200, description = "A page of the waitlist (a customer token: its own entries); the whole list's length in X-Total-Count, the next page in Link", body = Vec<WaitlistEntryDto>), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn get_waitlist(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let now = now(&state, &state.snapshot().book);
    let cached = state.current_plan(now).await?;
    let (book, plan) = (&cached.snapshot.book, &cached.plan);
    let staff = p.role.is_staff();
    let visible: Vec<OrderIdx> = plan
        .waitlist
        .iter()
        .copied()
        .filter(|&o| may_see(book, &p, book.order_at(o)))
        .collect();
    array_page(&state, "/api/waitlist", q, visible, |&o| {
        WaitlistEntryDto::new(book, plan, o, staff)
    })
}

#[utoipa::path(get, path = "/api/me", tag = "book", responses((status = 200, description = "The calling token", body = MeDto), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn get_me(Extension(p): Extension<Principal>) -> Json<MeDto> {
    Json(MeDto {
        role: p.role.as_str(),
        customer: p.customer.clone(),
        token_id: p.token_id,
    })
}

#[utoipa::path(get, path = "/api/book", tag = "book", responses((status = 200, description = "Generations, SKUs, the horizon and the customers the caller may see", body = BookDto), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn get_book(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Json<BookDto> {
    let snap = state.snapshot();
    let book = &snap.book;
    let now = now(&state, book);
    Json(BookDto::new(book, now, |c| match p.role {
        Role::Admin | Role::Planner => true,
        Role::Customer => p.customer.as_deref() == Some(c.key.as_str()),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct HistoryQuery {
    /// Events after this number (default 0: from the start). Staff: the log's sequence number.
    /// A customer: the count of its own events already read (its numbering, 1 = its first).
    after: Option<u64>,
    /// At most this many events (default 100, at most the server's page limit).
    limit: Option<usize>,
}

fn page_limit(state: &Shared, limit: Option<usize>) -> Result<usize, ApiError> {
    let max = state.config.max_page_size;
    let limit = limit.unwrap_or(max.min(100));
    if limit == 0 || limit > max {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {max}"
        )));
    }
    Ok(limit)
}

/// The book's history, oldest first (a customer token sees only events about its own orders,
/// reservations and contracts).
#[utoipa::path(get, path = "/api/history", tag = "book", params(HistoryQuery), responses((status = 200, description = "Events, oldest first", body = HistoryPage), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn get_history(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    q: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Json<HistoryPage>, ApiError> {
    let q = query(q)?;
    let limit = page_limit(&state, q.limit)?;
    let snap = state.snapshot();
    let s = state.clone();
    let page = blocking(move || {
        let after = q.after.unwrap_or(0);
        // Staff page through the log by its own numbers; a customer through its own events,
        // numbered among themselves (see `Shared::customer_history`).
        let (events, next_after) = if p.role.is_staff() {
            s.history(after, limit)?
        } else {
            let me = p.customer.as_deref().unwrap_or("");
            s.customer_history(&snap, me, after, limit)?
        };
        let book = &snap.book;
        Ok(HistoryPage {
            events: events
                .into_iter()
                .map(|(seq, se, e)| HistoryEntryDto {
                    seq,
                    at: book::format_unix_ms(se.at_unix_ms),
                    actor: se.actor,
                    kind: se.kind,
                    what: book::describe_event(book, &e),
                })
                .collect(),
            next_after,
        })
    })
    .await?;
    Ok(Json(page))
}

/// Reservations of cloud capacity, with the units the current plan accepts (a customer token
/// sees only its own).
#[utoipa::path(get, path = "/api/reservations", tag = "reservations", params(PageQuery), responses((status = 200, description = "A page of the reservations the caller may see, with the units the plan accepts; the whole list's length in X-Total-Count, the next page in Link", body = Vec<ReservationDto>), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn list_reservations(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let now = now(&state, &state.snapshot().book);
    let cached = state.current_plan(now).await?;
    let (book, plan) = (&cached.snapshot.book, &cached.plan);
    let visible: Vec<(usize, &book::Reservation)> = book
        .reservations()
        .iter()
        .enumerate()
        .filter(|(_, r)| match p.role {
            Role::Admin | Role::Planner => true,
            Role::Customer => {
                p.customer.as_deref() == Some(book.customer_at(r.customer).key.as_str())
            }
        })
        .collect();
    array_page(&state, "/api/reservations", q, visible, |&(i, r)| {
        Some(ReservationDto::new(
            book,
            r,
            plan.reservations_accepted.get(i).copied(),
        ))
    })
}

/// The customer a request acts for: a customer token's own (and no other), or the one staff name.
fn acting_customer(p: &Principal, asked: Option<String>) -> Result<String, ApiError> {
    match (p.role, asked) {
        (Role::Customer, Some(c)) if Some(&c) != p.customer.as_ref() => Err(ApiError::Forbidden(
            "a customer token acts only for its own customer".into(),
        )),
        (Role::Customer, _) => Ok(p.customer.clone().unwrap_or_default()),
        (_, Some(c)) => Ok(c),
        (_, None) => Err(ApiError::BadRequest("customer: required".into())),
    }
}

/// Reserves cloud capacity over a range of months (`start` to `end`, both inclusive).
#[utoipa::path(post, path = "/api/reservations", tag = "reservations", request_body = NewReservation, params(("Idempotency-Key" = String, Header, description = "Required; a retry with the same key and body returns the same reservation")), responses((status = 201, description = "Reserved", body = ReservationDto), (status = 200, description = "A replay of an earlier request with this key", body = ReservationDto), (status = 403, description = "Not this token's customer", body = ErrorBody), (status = 409, description = "Key reused with a different body", body = ErrorBody), (status = 422, description = "The book refused it", body = ErrorBody), (status = 503, description = "Write queue full; retry", body = ErrorBody), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn create_reservation(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body, state.config.max_body_bytes)?;
    let key = idempotency_key(&headers)?;
    let req: NewReservation = parse_json(&body)?;
    let customer = acting_customer(&p, req.customer)?;
    let id = match (p.role, req.id) {
        (Role::Customer, Some(_)) => {
            return Err(ApiError::BadRequest(
                "id: reservation ids are assigned by the server for customer tokens".into(),
            ))
        }
        (_, Some(id)) => id,
        (_, None) => new_id("r"),
    };
    let book = &state.snapshot().book;
    let start = period(book, "start", &req.start)?;
    // `end` is the last month held (inclusive); the book's end is the month after it.
    let last = period(book, "end", &req.end)?;
    if last < start {
        return Err(ApiError::Refused(format!(
            "end: {} is before the start ({}); end is the last month reserved (inclusive), \
             from {} to {}",
            req.end.trim(),
            format_month(book, start),
            format_month(book, start),
            format_month(book, Period(book.horizon().periods() - 1))
        )));
    }
    // As for orders: a reservation held wholly before the server's month could never be
    // accepted, so it is refused (422) rather than booked with nothing accepted.
    let now = now(&state, book);
    if last < now {
        return Err(ApiError::Refused(format!(
            "end: the months {}..{} have passed (the server's month is {}); a reservation's \
             end must be {} or later",
            format_month(book, start),
            format_month(book, last),
            format_month(book, now),
            format_month(book, now)
        )));
    }
    let spec = book::ReservationSpec {
        key: id,
        customer,
        generation: req.generation,
        units: req.units,
        start,
        end: Period(last.0 + 1),
        price_usd_per_unit_period: req.price_usd_per_unit_period,
    };
    // A reservation's key hash differs from an order's with the same body bytes, so one key
    // never replays the other kind.
    let request_sha256 = sha256_hex(&[b"reservation\0".as_slice(), &body].concat());
    let (placed, snap) = state
        .place_once(
            key_scope(&p),
            key,
            request_sha256,
            Placement::Reservation(spec),
            &p,
        )
        .await?;
    let (status, id, replayed) = placed_status(placed);
    let r = snap
        .book
        .reservations()
        .iter()
        .find(|r| r.key == id)
        .ok_or_else(|| ApiError::Internal("the reservation vanished".into()))?;
    Ok(replay_marked(
        (status, Json(ReservationDto::new(&snap.book, r, None))).into_response(),
        replayed,
    ))
}

/// Cancels a reservation (a customer token: only its own; others answer 404).
#[utoipa::path(post, path = "/api/reservations/{id}/cancel", tag = "reservations", params(("id" = String, Path, description = "Reservation id")), responses((status = 200, description = "Cancelled", body = ReservationDto), (status = 404, description = "No such reservation (or not the caller's)", body = ErrorBody), (status = 422, description = "Already cancelled", body = ErrorBody), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn cancel_reservation(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<ReservationDto>, ApiError> {
    let visible = |book: &Book| {
        book.reservations()
            .iter()
            .position(|r| {
                r.key == id
                    && match p.role {
                        Role::Admin | Role::Planner => true,
                        Role::Customer => {
                            p.customer.as_deref() == Some(book.customer_at(r.customer).key.as_str())
                        }
                    }
            })
            .ok_or_else(|| ApiError::NotFound("no such reservation".into()))
    };
    visible(&state.snapshot().book)?;
    let event = Event::ReservationCancelled {
        reservation: id.clone(),
    };
    let snap = state.commit(vec![event], &p.actor(), None).await?;
    let i = visible(&snap.book)?;
    Ok(Json(ReservationDto::new(
        &snap.book,
        &snap.book.reservations()[i],
        None,
    )))
}

/// Supply per generation and month, what binds, and the adjustments made (staff only).
#[utoipa::path(get, path = "/api/supply", tag = "supply", responses((status = 200, description = "Supply per generation and month", body = SupplyDto), (status = 403, description = "Staff only", body = ErrorBody), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn get_supply(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Json<SupplyDto>, ApiError> {
    require_staff(&p)?;
    Ok(Json(SupplyDto::new(&state.snapshot().book)))
}

/// Adds or cuts one generation's supply in one month (staff only); re-plan to see the effect.
#[utoipa::path(post, path = "/api/supply/adjustments", tag = "supply", request_body = NewSupplyAdjustment, responses((status = 201, description = "Recorded; re-plan to see the effect", body = SupplyDto), (status = 403, description = "Staff only", body = ErrorBody), (status = 422, description = "The book refused it", body = ErrorBody), (status = 400, description = "Bad request", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 429, description = "Rate limit exceeded", body = ErrorBody)))]
pub(crate) async fn adjust_supply(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SupplyDto>), ApiError> {
    require_staff(&p)?;
    let body = body_bytes(body, state.config.max_body_bytes)?;
    let req: NewSupplyAdjustment = parse_json(&body)?;
    let month = period(&state.snapshot().book, "month", &req.month)?;
    let event = Event::SupplyAdjusted(book::SupplyAdjustmentSpec {
        generation: req.generation,
        period: month,
        delta_units: req.delta_units,
        note: req.note,
    });
    let snap = state.commit(vec![event], &p.actor(), None).await?;
    Ok((StatusCode::CREATED, Json(SupplyDto::new(&snap.book))))
}
