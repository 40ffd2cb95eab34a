//! The OpenAPI document, generated from the handlers' annotations and the DTOs, served at
//! `/openapi.json`, and a reference page rendered from it at `/docs/api`.

use crate::dto::*;
use crate::routes::*;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use std::fmt::Write;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Adds the bearer-token scheme every `/api` path uses.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("allot_<64 hex>")
                    .description(Some(
                        "An API token from `allot token create` (admin, planner or customer).",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "allot API",
        description = "Orders, plans, available-to-promise and the waitlist for scarce AI accelerators. \
Every `/api` path needs `Authorization: Bearer <token>`. Customer tokens see and change only their \
own customer's data; other customers' orders answer 404 as if they did not exist. Errors are \
`{\"error\": \"...\"}` with a 4xx status (5xx only for the server's own faults). Each token is \
rate limited (429 with `Retry-After`). Months are `YYYY-MM`.",
        license(name = "Apache-2.0")
    ),
    paths(
        healthz, get_metrics, get_me, get_book, get_history, list_orders, create_order, get_order,
        confirm_order, cancel_order, deliver_order, deliver_commitment, post_plan, get_promise, get_waitlist, list_reservations,
        create_reservation, cancel_reservation, get_supply, adjust_supply,
        crate::web::get_dashboard
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "orders", description = "Place, read, confirm and cancel orders"),
        (name = "planning", description = "Plan and re-plan, available-to-promise, the waitlist"),
        (name = "contracts", description = "Deliveries against contract commitments (staff)"),
        (name = "reservations", description = "Cloud capacity reserved ahead, often of a future generation"),
        (name = "supply", description = "Supply per generation and month, and adjustments (staff)"),
        (name = "book", description = "The catalogue, the calling token and the history"),
        (name = "dashboard", description = "The planner dashboard's figures (staff)"),
        (name = "operations", description = "Health and metrics")
    )
)]
pub(crate) struct ApiDoc;

/// The document as JSON.
pub(crate) fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null)
}

/// `GET /openapi.json`.
pub(crate) async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string_pretty(&document()).unwrap_or_default(),
    )
        .into_response()
}

/// `GET /docs/api`: the reference page.
pub(crate) async fn reference_page() -> Html<String> {
    Html(render(&document()))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A schema's type for people: `OrderDto`, `[WaitlistEntryDto]`, `string?`.
fn type_name(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let names: Vec<String> = one
            .iter()
            .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
            .map(type_name)
            .collect();
        return format!("{}?", names.join(" | "));
    }
    match schema.get("type") {
        Some(Value::String(t)) if t == "array" => {
            format!(
                "[{}]",
                schema.get("items").map(type_name).unwrap_or_default()
            )
        }
        Some(Value::String(t)) => {
            let fmt = schema
                .get("format")
                .and_then(Value::as_str)
                .map(|f| format!(" ({f})"))
                .unwrap_or_default();
            format!("{}{fmt}", esc(t))
        }
        Some(Value::Array(ts)) => {
            let nullable = ts.iter().any(|t| t == "null");
            let t: Vec<&str> = ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            let inner = if t == ["array"] {
                format!(
                    "[{}]",
                    schema.get("items").map(type_name).unwrap_or_default()
                )
            } else {
                esc(&t.join(" | "))
            };
            format!("{inner}{}", if nullable { "?" } else { "" })
        }
        _ => "any".into(),
    }
}

/// Renders the reference page: every path and method with its parameters, body and responses,
/// then every schema with its fields.
pub(crate) fn render(doc: &Value) -> String {
    let mut h = String::new();
    let title = doc["info"]["title"].as_str().unwrap_or("API");
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} reference</title>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#1d2330}}\
code,.path{{font-family:ui-monospace,monospace}}h2{{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}}\
.op{{border:1px solid #dde;border-radius:6px;padding:.6em 1em;margin:1em 0}}\
.m{{display:inline-block;min-width:4em;font-weight:600;color:#fff;border-radius:4px;padding:0 .4em;margin-right:.5em;text-align:center}}\
.get{{background:#2b6cb0}}.post{{background:#2f855a}}table{{border-collapse:collapse;width:100%;margin:.4em 0}}\
td,th{{border-bottom:1px solid #eee;text-align:left;padding:.2em .5em;vertical-align:top}}th{{font-weight:600}}\
.muted{{color:#667}}</style></head><body><h1>{t} <span class=\"muted\">{v}</span></h1><p>{d}</p>\
<p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI {o}).</p>",
        t = esc(title),
        v = esc(doc["info"]["version"].as_str().unwrap_or("")),
        d = esc(doc["info"]["description"].as_str().unwrap_or("")),
        o = esc(doc["openapi"].as_str().unwrap_or("3")),
    );
    h.push_str("<h2>Endpoints</h2>");
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let _ = write!(
                    h,
                    "<div class=\"op\" id=\"{id}\"><div><span class=\"m {method}\">{M}</span><span class=\"path\">{p}</span> <span class=\"muted\">{tags}</span></div>",
                    id = esc(op["operationId"].as_str().unwrap_or("")),
                    M = method.to_uppercase(),
                    p = esc(path),
                    tags = esc(&op["tags"].as_array().map(|t| t.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")).unwrap_or_default()),
                );
                for key in ["summary", "description"] {
                    if let Some(text) = op[key].as_str() {
                        let _ = write!(h, "<p>{}</p>", esc(text));
                    }
                }
                if op
                    .get("security")
                    .and_then(Value::as_array)
                    .is_some_and(|s| {
                        s.iter()
                            .all(|x| x.as_object().is_some_and(|o| o.is_empty()))
                    })
                {
                    h.push_str("<p class=\"muted\">No token needed.</p>");
                }
                if let Some(params) = op["parameters"].as_array() {
                    h.push_str("<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr>");
                    for prm in params {
                        let _ = write!(
                            h,
                            "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            esc(prm["name"].as_str().unwrap_or("")),
                            if prm["required"].as_bool() == Some(true) {
                                " (required)"
                            } else {
                                ""
                            },
                            esc(prm["in"].as_str().unwrap_or("")),
                            type_name(&prm["schema"]),
                            esc(prm["description"].as_str().unwrap_or("")),
                        );
                    }
                    h.push_str("</table>");
                }
                if let Some(body) = op["requestBody"].as_object() {
                    let schema = &body["content"]["application/json"]["schema"];
                    let _ = write!(
                        h,
                        "<p>Body: {}{}</p>",
                        type_name(schema),
                        if body.get("required").and_then(Value::as_bool) == Some(true) {
                            ""
                        } else {
                            " (optional)"
                        }
                    );
                }
                if let Some(resps) = op["responses"].as_object() {
                    h.push_str("<table><tr><th>Status</th><th>Body</th><th>Meaning</th></tr>");
                    for (status, r) in resps {
                        let body = r["content"]
                            .as_object()
                            .and_then(|c| c.values().next())
                            .map(|c| type_name(&c["schema"]))
                            .unwrap_or_default();
                        let _ = write!(
                            h,
                            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                            esc(status),
                            body,
                            esc(r["description"].as_str().unwrap_or(""))
                        );
                    }
                    h.push_str("</table>");
                }
                h.push_str("</div>");
            }
        }
    }
    h.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let _ = write!(
                h,
                "<div class=\"op\" id=\"schema-{0}\"><h3>{0}</h3>",
                esc(name)
            );
            if let Some(d) = schema["description"].as_str() {
                let _ = write!(h, "<p>{}</p>", esc(d));
            }
            if let Some(props) = schema["properties"].as_object() {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                h.push_str("<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>");
                for (field, p) in props {
                    let _ = write!(
                        h,
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(field),
                        if required.contains(&field.as_str()) {
                            ""
                        } else {
                            " <span class=\"muted\">(optional)</span>"
                        },
                        type_name(p),
                        esc(p["description"].as_str().unwrap_or("")),
                    );
                }
                h.push_str("</table>");
            }
            h.push_str("</div>");
        }
    }
    h.push_str("</body></html>");
    h
}
