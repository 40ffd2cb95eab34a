//! API tests against the real server on port 0, each with a fresh database holding the demo book.

use api::{create_token, revoke_token, Role, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use store::{NewEvent, SqliteOptions, SqliteStore, Store};

mod dashboard;
mod follow;
mod ops;
mod served;

/// A running server on a fresh demo book, with one token per role.
struct TestApp {
    addr: SocketAddr,
    db: PathBuf,
    server: Option<TestServer>,
    client: reqwest::Client,
    planner: String,
    _dir: tempfile::TempDir,
}

/// Writes the demo book into a fresh database file.
fn demo_db(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join("book.db");
    let mut store = SqliteStore::open(&path, SqliteOptions::default()).expect("open store");
    let event = book::Event::BookCreated(Box::new(scenario::demo_spec()));
    let (kind, payload) = scenario::encode_event(&event);
    store
        .append(
            Some(0),
            &[NewEvent {
                kind,
                actor: "test".into(),
                at_unix_ms: 0,
                payload,
            }],
        )
        .expect("append the book");
    path
}

async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

async fn spawn_app_with(tweak: impl FnOnce(&mut api::Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_db(&dir);
    let planner = create_token(&db, Role::Planner, None)
        .expect("planner token")
        .secret;
    let mut config = api::Config::new(&db);
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.now = book::YearMonth::new(2027, 1);
    tweak(&mut config);
    let (addr, server) = api::spawn_with(config).await.expect("server starts");
    TestApp {
        addr,
        db,
        server: Some(server),
        client: reqwest::Client::new(),
        planner,
        _dir: dir,
    }
}

impl TestApp {
    fn customer_token(&self, customer: &str) -> String {
        create_token(&self.db, Role::Customer, Some(customer))
            .expect("customer token")
            .secret
    }

    /// Sends a request; returns the status, the raw body and the body as JSON (Null if not JSON).
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        idempotency_key: Option<&str>,
    ) -> (StatusCode, String, Value) {
        let mut req = self
            .client
            .request(method, format!("http://{}{}", self.addr, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let text = res.text().await.expect("body read");
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, text, value)
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, String, Value) {
        self.call(Method::GET, path, Some(token), None, None).await
    }

    /// All orders, as the planner sees them.
    async fn all_orders(&self) -> Vec<Value> {
        let (s, _, v) = self.get("/api/orders?limit=500", &self.planner).await;
        assert_eq!(s, StatusCode::OK);
        v["orders"].as_array().expect("orders").clone()
    }

    /// Stops the server gracefully; the returned directory keeps the database until dropped.
    async fn stop(mut self) -> tempfile::TempDir {
        if let Some(s) = self.server.take() {
            s.stop().await.expect("clean shutdown");
        }
        self._dir
    }
}

fn new_order(customer: Option<&str>) -> Value {
    let mut v = json!({
        "sku": "trn2-ultraserver",
        "quantity": 2,
        "earliest": "2027-03",
        "latest": "2027-09",
        "price_usd_per_unit": 2_000_000,
        "lateness_penalty_usd_per_unit_period": 10_000,
    });
    if let Some(c) = customer {
        v["customer"] = json!(c);
    }
    v
}

/// Every error is JSON with a non-empty message.
fn assert_error(status: StatusCode, expected: StatusCode, body: &Value, text: &str) {
    assert_eq!(status, expected, "body: {text}");
    let msg = body["error"].as_str().unwrap_or_default();
    assert!(!msg.is_empty(), "error without a message: {text}");
}

#[tokio::test]
async fn health_needs_no_token() {
    let app = spawn_app().await;
    let (s, text, v) = app.call(Method::GET, "/healthz", None, None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "ok");
    // Without a token it tells nothing about the book: no event count, no names.
    assert_eq!(v.as_object().map(|o| o.len()), Some(1), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn tokens_authenticate_and_roles_authorise() {
    let app = spawn_app().await;
    let cust = app.customer_token("lab-a");
    let cases: Vec<(Method, &str, Option<String>, StatusCode)> = vec![
        (Method::GET, "/api/orders", None, StatusCode::UNAUTHORIZED),
        (
            Method::GET,
            "/api/orders",
            Some("allot_00".into()),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Method::GET,
            "/api/orders",
            Some("not-a-token".into()),
            StatusCode::UNAUTHORIZED,
        ),
        (Method::GET, "/api/waitlist", None, StatusCode::UNAUTHORIZED),
        (Method::POST, "/api/plan", None, StatusCode::UNAUTHORIZED),
        (
            Method::POST,
            "/api/plan",
            Some(cust.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            Method::GET,
            "/api/orders",
            Some(cust.clone()),
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/api/orders",
            Some(app.planner.clone()),
            StatusCode::OK,
        ),
    ];
    for (method, path, token, expected) in cases {
        let (s, text, v) = app
            .call(method.clone(), path, token.as_deref(), None, None)
            .await;
        if expected.is_success() {
            assert_eq!(s, expected, "{method} {path}: {text}");
        } else {
            assert_error(s, expected, &v, &text);
        }
    }

    // A revoked token stops working at once.
    let t = create_token(&app.db, Role::Planner, None).unwrap();
    assert_eq!(app.get("/api/orders", &t.secret).await.0, StatusCode::OK);
    assert!(revoke_token(&app.db, t.id).unwrap());
    assert!(
        !revoke_token(&app.db, t.id).unwrap(),
        "revoking twice says so"
    );
    let (s, text, v) = app.get("/api/orders", &t.secret).await;
    assert_error(s, StatusCode::UNAUTHORIZED, &v, &text);

    // Customer tokens must name a customer of the book.
    assert!(create_token(&app.db, Role::Customer, Some("nobody")).is_err());
    assert!(create_token(&app.db, Role::Customer, None).is_err());
    assert!(create_token(&app.db, Role::Planner, Some("lab-a")).is_err());
    let listed = api::list_tokens(&app.db).unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[1].customer.as_deref(), Some("lab-a"));
    app.stop().await;
}

#[tokio::test]
async fn order_creation_is_idempotent() {
    let app = spawn_app().await;
    let before = app.all_orders().await.len();
    let cust = app.customer_token("ent-a");
    let body = new_order(None);

    let (s1, t1, v1) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&cust),
            Some(body.clone()),
            Some("k-1"),
        )
        .await;
    assert_eq!(s1, StatusCode::CREATED, "{t1}");
    assert_eq!(v1["customer"], "ent-a");
    assert_eq!(v1["status"], "placed");
    let (s2, t2, v2) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&cust),
            Some(body.clone()),
            Some("k-1"),
        )
        .await;
    assert_eq!(s2, StatusCode::OK, "{t2}");
    assert_eq!(v1, v2, "a retry returns the same order");
    assert_eq!(
        app.all_orders().await.len(),
        before + 1,
        "and never a second one"
    );

    // The same key with a different request is refused.
    let mut other = body.clone();
    other["quantity"] = json!(3);
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&cust),
            Some(other),
            Some("k-1"),
        )
        .await;
    assert_error(s, StatusCode::CONFLICT, &v, &text);

    // Without a key: refused, nothing placed.
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&cust),
            Some(body.clone()),
            None,
        )
        .await;
    assert_error(s, StatusCode::BAD_REQUEST, &v, &text);

    // Keys are per tenant: another customer's identical key places that customer's own order.
    let other_cust = app.customer_token("ent-b");
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&other_cust),
            Some(body.clone()),
            Some("k-1"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    assert_eq!(v["customer"], "ent-b");
    assert_ne!(v["id"], v1["id"]);

    // A refused order does not burn its key.
    let mut bad = body.clone();
    bad["sku"] = json!("no-such-sku");
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&cust),
            Some(bad),
            Some("k-2"),
        )
        .await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);
    let (s, text, _) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&cust),
            Some(body.clone()),
            Some("k-2"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    assert_eq!(app.all_orders().await.len(), before + 3);

    // The order survives a restart (it was durable when acknowledged), and so does its key.
    let db = app.db.clone();
    let TestApp { server, _dir, .. } = app;
    server.unwrap().stop().await.unwrap();
    let mut config = api::Config::new(&db);
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let (addr, server) = api::spawn_with(config).await.unwrap();
    let res = reqwest::Client::new()
        .post(format!("http://{addr}/api/orders"))
        .bearer_auth(&cust)
        .header("Idempotency-Key", "k-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v3: Value = res.json().await.unwrap();
    assert_eq!(v3["id"], v1["id"]);
    server.stop().await.unwrap();
    drop(_dir);
}

#[tokio::test]
async fn concurrent_retries_place_one_order() {
    let app = spawn_app().await;
    let before = app.all_orders().await.len();
    let cust = app.customer_token("lab-b");
    let body = new_order(None);
    let calls = (0..8).map(|_| {
        app.call(
            Method::POST,
            "/api/orders",
            Some(&cust),
            Some(body.clone()),
            Some("same"),
        )
    });
    let results = futures_join_all(calls).await;
    let ids: Vec<&Value> = results.iter().map(|(_, _, v)| &v["id"]).collect();
    assert!(
        ids.iter().all(|id| *id == ids[0] && id.is_string()),
        "{ids:?}"
    );
    let created = results
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1);
    assert_eq!(app.all_orders().await.len(), before + 1);
    app.stop().await;
}

/// Runs futures concurrently on this task (no extra dependency for `join_all`).
async fn futures_join_all<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<_> = futs.map(|f| Some(Box::pin(f))).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (i, slot) in pending.iter_mut().enumerate() {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        results[i] = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    results
        .into_iter()
        .map(|r| r.expect("every future finished"))
        .collect()
}

/// Every endpoint, called with another customer's token, is refused or filtered, and no response
/// names another customer or another customer's order.
#[tokio::test]
async fn cross_tenant_matrix() {
    let app = spawn_app().await;
    // Plan first, so orders carry promises and the waitlist is populated.
    let (s, text, _) = app
        .call(Method::POST, "/api/plan", Some(&app.planner), None, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let orders = app.all_orders().await;
    let owner_of = |o: &Value| o["customer"].as_str().unwrap().to_string();
    let mut customers: Vec<String> = orders.iter().map(owner_of).collect();
    customers.sort();
    customers.dedup();
    assert!(
        customers.len() >= 2,
        "the demo has orders from several customers"
    );

    for me in &customers {
        let token = app.customer_token(me);
        let foreign: Vec<&Value> = orders.iter().filter(|o| &owner_of(o) != me).collect();
        // Strings that must never appear in this customer's responses.
        let mut secrets: Vec<String> = foreign
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect();
        secrets.extend(customers.iter().filter(|c| c != &me).cloned());
        let victim = foreign[0]["id"].as_str().unwrap();

        let mut responses = Vec::new();
        // Another customer's order is indistinguishable from one that does not exist.
        let (s1, missing, _) = app.get("/api/orders/o-no-such-order", &token).await;
        let (s2, hidden, _) = app.get(&format!("/api/orders/{victim}"), &token).await;
        assert_eq!((s1, &missing), (s2, &hidden), "{me}");
        let calls: Vec<(Method, String, Option<Value>, StatusCode)> = vec![
            (
                Method::GET,
                "/api/orders?limit=500".into(),
                None,
                StatusCode::OK,
            ),
            (
                Method::GET,
                format!("/api/orders/{victim}"),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                Method::POST,
                format!("/api/orders/{victim}/confirm"),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                Method::POST,
                format!("/api/orders/{victim}/cancel"),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                Method::POST,
                "/api/plan".into(),
                None,
                StatusCode::FORBIDDEN,
            ),
            (
                Method::GET,
                "/api/promise?sku=trn2-ultraserver&qty=1&by=2027-06".into(),
                None,
                StatusCode::OK,
            ),
            (Method::GET, "/api/waitlist".into(), None, StatusCode::OK),
        ];
        for (method, path, body, expected) in calls {
            let (s, text, v) = app
                .call(method.clone(), &path, Some(&token), body, None)
                .await;
            assert_eq!(s, expected, "{me}: {method} {path}: {text}");
            responses.push((format!("{method} {path}"), text, v));
        }
        // Placing an order for another customer is refused.
        let other = customers.iter().find(|c| *c != me).unwrap();
        let (s, text, v) = app
            .call(
                Method::POST,
                "/api/orders",
                Some(&token),
                Some(new_order(Some(other))),
                Some("x"),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{me}: {text}");
        responses.push(("POST /api/orders for another customer".into(), text, v));

        // What is returned is the caller's own.
        let own = &responses[0].2["orders"];
        assert!(own
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["customer"] == me.as_str()));
        assert_eq!(
            own.as_array().unwrap().len(),
            orders.len() - foreign.len(),
            "{me} sees all its own orders"
        );
        for entry in responses[6].2.as_array().unwrap() {
            assert!(entry.get("customer").is_none() && entry.get("reason_text").is_none());
        }
        for (call, text, _) in &responses {
            for secret in &secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "{me}: {call} leaks {secret:?}: {text}"
                );
            }
        }
        // The foreign order is untouched.
        let (_, _, v) = app
            .get(&format!("/api/orders/{victim}"), &app.planner)
            .await;
        assert_ne!(v["status"], "cancelled");
    }
    app.stop().await;
}

#[tokio::test]
async fn plan_promise_confirm_and_cancel() {
    let app = spawn_app().await;
    let (s, text, plan) = app
        .call(
            Method::POST,
            "/api/plan",
            Some(&app.planner),
            Some(json!({"dry_run": false})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert!(plan["recorded_as_event"].as_u64().is_some());
    assert_eq!(plan["now"], "2027-01");

    let orders = app.all_orders().await;
    let promised = orders
        .iter()
        .find(|o| o["status"] == "promised")
        .expect("the plan promised something");
    let id = promised["id"].as_str().unwrap();
    let owner = app.customer_token(promised["customer"].as_str().unwrap());
    let (s, text, v) = app
        .call(
            Method::POST,
            &format!("/api/orders/{id}/confirm"),
            Some(&owner),
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["status"], "confirmed");
    assert_eq!(v["confirmed"], promised["promise"]);

    let (s, text, v) = app
        .call(
            Method::POST,
            &format!("/api/orders/{id}/cancel"),
            Some(&owner),
            Some(json!({"reason": "changed plans"})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["status"], "cancelled");
    // Cancelling twice is refused by the book, with a message.
    let (s, text, v) = app
        .call(
            Method::POST,
            &format!("/api/orders/{id}/cancel"),
            Some(&owner),
            None,
            None,
        )
        .await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);

    let (s, text, v) = app
        .get("/api/promise?sku=trn2-ultraserver&qty=1&by=2027-06", &owner)
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert!(v["quantity_by"].as_u64().is_some());
    let (s, text, v) = app.get("/api/promise?sku=nope&qty=1", &owner).await;
    assert_error(s, StatusCode::NOT_FOUND, &v, &text);
    let (s, text, v) = app.get("/api/promise?sku=trn2-ultraserver", &owner).await;
    assert_error(s, StatusCode::BAD_REQUEST, &v, &text);
    let (s, text, v) = app.get("/api/waitlist", &app.planner).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    for e in v.as_array().unwrap() {
        assert!(e["customer"].is_string() && e["position"].is_u64());
    }
    app.stop().await;
}

/// The waitlist and the reservations come in pages: `offset` and `limit` (default and most: the
/// server's page limit), the whole list's length in `X-Total-Count`, the next page in `Link`;
/// the pages together are the whole list, in order.
#[tokio::test]
async fn waitlist_and_reservations_come_in_pages() {
    let app = spawn_app().await;
    for path in ["/api/waitlist", "/api/reservations"] {
        let (s, text, whole) = app.get(path, &app.planner).await;
        assert_eq!(s, StatusCode::OK, "{text}");
        let whole = whole.as_array().expect("a list").clone();
        assert!(whole.len() >= 3, "{path}: {} entries", whole.len());
        let mut paged = Vec::new();
        let mut next = Some(format!("{path}?limit=2"));
        while let Some(url) = next.take() {
            let res = app
                .client
                .get(format!("http://{}{url}", app.addr))
                .bearer_auth(&app.planner)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let total = res.headers()["x-total-count"].to_str().unwrap().to_string();
            assert_eq!(total, whole.len().to_string());
            next = res.headers().get("link").map(|l| {
                let l = l.to_str().unwrap();
                assert!(l.ends_with("; rel=\"next\""), "{l}");
                l[1..l.find('>').unwrap()].to_string()
            });
            let page: Vec<Value> = res.json().await.unwrap();
            assert!(page.len() <= 2);
            paged.extend(page);
        }
        assert_eq!(paged, whole, "{path}: the pages make the whole list");
        let (s, _, v) = app
            .get(&format!("{path}?offset={}", whole.len()), &app.planner)
            .await;
        assert_eq!((s, v), (StatusCode::OK, json!([])));
        for bad in ["limit=0", "limit=501", "offset=-1", "page=2"] {
            let (s, text, v) = app.get(&format!("{path}?{bad}"), &app.planner).await;
            assert_error(s, StatusCode::BAD_REQUEST, &v, &text);
        }
    }
    app.stop().await;
}

/// A promise made before a supply cut may no longer hold: confirming it is a 422 that changes
/// nothing until the book is planned again.
#[tokio::test]
async fn confirming_after_a_supply_cut_waits_for_a_re_plan() {
    let app = spawn_app().await;
    let plan = |dry_run: bool| {
        app.call(
            Method::POST,
            "/api/plan",
            Some(&app.planner),
            Some(json!({ "dry_run": dry_run })),
            None,
        )
    };
    let (s, text, _) = plan(false).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let orders = app.all_orders().await;
    let promised: Vec<&Value> = orders
        .iter()
        .filter(|o| o["status"] == "promised")
        .collect();
    assert!(promised.len() >= 2);
    let app_ref = &app;
    let confirm = |o: &Value| {
        let app = app_ref;
        let owner = app.customer_token(o["customer"].as_str().unwrap());
        let path = format!("/api/orders/{}/confirm", o["id"].as_str().unwrap());
        async move {
            app.call(Method::POST, &path, Some(&owner), None, None)
                .await
        }
    };
    // Orders placed after the plan rank below confirmed promises: no reason to wait.
    let (s, text, _) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&app.planner),
            Some(new_order(Some("lab-a"))),
            Some("after-plan"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    let (s, text, _) = confirm(promised[0]).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    // A supply cut: the next confirmation waits for a re-plan.
    let cut = json!({"generation": "trn2", "month": "2027-03", "delta_units": -500, "note": "fab line 4 down"});
    let (s, text, _) = app
        .call(
            Method::POST,
            "/api/supply/adjustments",
            Some(&app.planner),
            Some(cut),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    let (s, text, v) = confirm(promised[1]).await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);
    assert!(
        text.contains("changed since this promise was made")
            && text.contains("supply was cut")
            && text.contains("re-plan before confirming"),
        "{text}"
    );
    // The customer is not told the vendor's note, nor which cut (supply is staff-only).
    assert!(
        !text.contains("fab line 4 down") && !text.contains("by 500 units"),
        "{text}"
    );
    // The planner is told which change it was.
    let path = format!(
        "/api/orders/{}/confirm",
        promised[1]["id"].as_str().unwrap()
    );
    let (s, text, v) = app
        .call(Method::POST, &path, Some(&app.planner), None, None)
        .await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);
    assert!(
        text.contains("supply cut of trn2 in 2027-03 by 500 units: fab line 4 down"),
        "{text}"
    );
    let (_, _, after) = app
        .get(
            &format!("/api/orders/{}", promised[1]["id"].as_str().unwrap()),
            &app.planner,
        )
        .await;
    assert_eq!(
        after["status"], "promised",
        "a refused confirmation changes nothing"
    );
    // A dry run records nothing, so it does not help; a recorded plan does.
    plan(true).await;
    let (s, _, _) = confirm(promised[1]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    plan(false).await;
    let again = app
        .all_orders()
        .await
        .into_iter()
        .find(|o| o["status"] == "promised")
        .expect("still something promised");
    let (s, text, v) = confirm(&again).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["status"], "confirmed");
    app.stop().await;
}

/// An order whose whole window is before the server's month could never be served: a 422 that
/// places nothing (and leaves the idempotency key unused).
#[tokio::test]
async fn orders_whose_window_has_passed_are_refused() {
    let app = spawn_app_with(|c| c.now = book::YearMonth::new(2028, 6)).await;
    let cust = app.customer_token("colo-a");
    let before = app.all_orders().await.len();
    let mut passed = new_order(None);
    passed["earliest"] = json!("2027-01");
    passed["latest"] = json!("2027-03");
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&cust),
            Some(passed),
            Some("k1"),
        )
        .await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);
    assert!(
        text.contains("latest") && text.contains("has passed") && text.contains("2028-06"),
        "{text}"
    );
    assert_eq!(app.all_orders().await.len(), before);
    // A window that ends in the server's month is still open (and the key is free again).
    let mut open = new_order(None);
    open["earliest"] = json!("2027-01");
    open["latest"] = json!("2028-06");
    let (s, text, _) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&cust),
            Some(open),
            Some("k1"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    app.stop().await;
}

/// The same for a reservation held wholly before the server's month: a 422 that books nothing;
/// one that ends in the server's month is booked.
#[tokio::test]
async fn reservations_whose_months_have_passed_are_refused() {
    let app = spawn_app_with(|c| c.now = book::YearMonth::new(2028, 6)).await;
    let cust = app.customer_token("colo-a");
    let count = || async {
        let (s, text, v) = app.get("/api/reservations", &app.planner).await;
        assert_eq!(s, StatusCode::OK, "{text}");
        v.as_array().expect("a list").len()
    };
    let before = count().await;
    let reserve = |start: &str, end: &str| {
        let body = json!({"generation": "trn2", "units": 5, "start": start, "end": end,
                          "price_usd_per_unit_period": 100});
        app.call(
            Method::POST,
            "/api/reservations",
            Some(&cust),
            Some(body),
            Some("r1"),
        )
    };
    let (s, text, v) = reserve("2027-01", "2027-02").await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);
    assert!(
        text.contains("end") && text.contains("have passed") && text.contains("2028-06"),
        "{text}"
    );
    assert_eq!(count().await, before, "nothing booked");
    let (s, text, _) = reserve("2028-01", "2028-06").await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    assert_eq!(count().await, before + 1);
    app.stop().await;
}

/// The authentication scheme's name is case-insensitive (RFC 9110): `bearer`, `BEARER` and
/// `Bearer` all carry the token; another scheme, or none, is 401.
#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = spawn_app().await;
    let cust = app.customer_token("lab-a");
    for (value, expected) in [
        (format!("bearer {cust}"), StatusCode::OK),
        (format!("BEARER  {cust} "), StatusCode::OK),
        (format!("Bearer {cust}"), StatusCode::OK),
        (format!("Basic {cust}"), StatusCode::UNAUTHORIZED),
        (cust.clone(), StatusCode::UNAUTHORIZED),
    ] {
        let res = app
            .client
            .get(format!("http://{}/api/orders", app.addr))
            .header("Authorization", value.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected, "{value}");
    }
    app.stop().await;
}

#[tokio::test]
async fn limits_and_malformed_requests() {
    let app = spawn_app_with(|c| c.max_body_bytes = 4096).await;
    let cust = app.customer_token("lab-a");

    let mut big = new_order(None);
    big["pad"] = json!("x".repeat(10_000));
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&cust),
            Some(big),
            Some("big"),
        )
        .await;
    assert_error(s, StatusCode::PAYLOAD_TOO_LARGE, &v, &text);

    let res = app
        .client
        .post(format!("http://{}/api/orders", app.addr))
        .bearer_auth(&cust)
        .header("Idempotency-Key", "bad-json")
        .header("Content-Type", "application/json")
        .body("{\"sku\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let v: Value = res.json().await.unwrap();
    assert!(v["error"].as_str().unwrap().contains("invalid JSON"), "{v}");

    let mut unknown = new_order(None);
    unknown["colour"] = json!("blue");
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&cust),
            Some(unknown),
            Some("u"),
        )
        .await;
    assert_error(s, StatusCode::BAD_REQUEST, &v, &text);
    assert!(text.contains("colour"), "{text}");

    for (path, expected) in [
        ("/api/orders?limit=0", StatusCode::BAD_REQUEST),
        ("/api/orders?limit=100000", StatusCode::BAD_REQUEST),
        ("/api/orders?limit=abc", StatusCode::BAD_REQUEST),
        ("/api/nothing-here", StatusCode::NOT_FOUND),
    ] {
        let (s, text, v) = app.get(path, &cust).await;
        assert_error(s, expected, &v, &text);
    }
    let (s, text, v) = app
        .call(Method::DELETE, "/api/orders", Some(&cust), None, None)
        .await;
    assert_error(s, StatusCode::METHOD_NOT_ALLOWED, &v, &text);

    // Paging walks every order exactly once.
    let total = app.all_orders().await.len();
    let (mut seen, mut offset) = (0, Some(0u64));
    while let Some(o) = offset {
        let (s, _, v) = app
            .get(&format!("/api/orders?limit=3&offset={o}"), &app.planner)
            .await;
        assert_eq!(s, StatusCode::OK);
        seen += v["orders"].as_array().unwrap().len();
        offset = v["next_offset"].as_u64();
    }
    assert_eq!(seen, total);
    app.stop().await;
}

#[tokio::test]
async fn a_path_that_is_not_utf8_is_told_why() {
    let app = spawn_app().await;
    let cust = app.customer_token("lab-a");
    for (method, path) in [
        (Method::GET, "/api/orders/%FF"),
        (Method::POST, "/api/orders/%FF/cancel"),
        (Method::POST, "/api/reservations/%C3%28/cancel"),
    ] {
        let (s, text, v) = app.call(method, path, Some(&cust), None, None).await;
        assert_error(s, StatusCode::BAD_REQUEST, &v, &text);
        let msg = v["error"].as_str().unwrap();
        assert!(msg.contains("UTF-8"), "{path}: {msg}");
    }
    app.stop().await;
}

#[tokio::test]
async fn promising_nothing_is_a_bad_request() {
    let app = spawn_app().await;
    let cust = app.customer_token("lab-a");
    // 0 items used to be "promised" in the horizon's first month, before the server's month.
    let (s, text, v) = app.get("/api/promise?sku=trn2-server&qty=0", &cust).await;
    assert_error(s, StatusCode::BAD_REQUEST, &v, &text);
    assert!(text.contains("qty"), "{text}");
    let (s, _, v) = app.get("/api/promise?sku=trn2-server&qty=1", &cust).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["earliest"].as_str().unwrap() >= v["now"].as_str().unwrap(),
        "{v}"
    );
    app.stop().await;
}
