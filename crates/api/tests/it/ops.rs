//! The endpoints added for the dashboard and portal (book, history, reservations, supply), the
//! tenant matrix over them, rate limits, metrics, the OpenAPI document, group commit and
//! graceful shutdown.

use super::*;

/// Ids of every reservation, with its customer, as the planner sees them.
async fn all_reservations(app: &TestApp) -> Vec<(String, String)> {
    let (s, text, v) = app.get("/api/reservations", &app.planner).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    v.as_array()
        .expect("a list")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["customer"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn new_endpoints_are_tenant_isolated() {
    let app = spawn_app().await;
    let orders = app.all_orders().await;
    let reservations = all_reservations(&app).await;
    assert!(!reservations.is_empty(), "the demo books reservations");
    let mut customers: Vec<String> = orders
        .iter()
        .map(|o| o["customer"].as_str().unwrap().to_string())
        .chain(reservations.iter().map(|(_, c)| c.clone()))
        .collect();
    customers.sort();
    customers.dedup();

    for me in &customers {
        let token = app.customer_token(me);
        let mut secrets: Vec<String> = orders
            .iter()
            .filter(|o| o["customer"] != me.as_str())
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect();
        secrets.extend(
            reservations
                .iter()
                .filter(|(_, c)| c != me)
                .map(|(r, _)| r.clone()),
        );
        secrets.extend(customers.iter().filter(|c| c != &me).cloned());
        let foreign_reservation = reservations.iter().find(|(_, c)| c != me).map(|(r, _)| r);

        let mut calls: Vec<(Method, String, Option<Value>, StatusCode)> = vec![
            (Method::GET, "/api/me".into(), None, StatusCode::OK),
            (Method::GET, "/api/book".into(), None, StatusCode::OK),
            (
                Method::GET,
                "/api/history?limit=500".into(),
                None,
                StatusCode::OK,
            ),
            (
                Method::GET,
                "/api/reservations".into(),
                None,
                StatusCode::OK,
            ),
            (
                Method::GET,
                "/api/supply".into(),
                None,
                StatusCode::FORBIDDEN,
            ),
            (
                Method::POST,
                "/api/supply/adjustments".into(),
                Some(json!({"generation": "trn2", "month": "2027-03", "delta_units": -5})),
                StatusCode::FORBIDDEN,
            ),
            (
                Method::GET,
                "/api/dashboard".into(),
                None,
                StatusCode::FORBIDDEN,
            ),
            (Method::GET, "/metrics".into(), None, StatusCode::FORBIDDEN),
            (
                Method::POST,
                format!("/api/orders/{}/deliver", orders[0]["id"].as_str().unwrap()),
                Some(json!({"month": "2027-03"})),
                StatusCode::FORBIDDEN,
            ),
            (
                Method::POST,
                "/api/contracts/lab-a-2026/commitments/3/deliver".into(),
                Some(json!({"month": "2027-03", "units": 1})),
                StatusCode::FORBIDDEN,
            ),
        ];
        if let Some(r) = foreign_reservation {
            calls.push((
                Method::POST,
                format!("/api/reservations/{r}/cancel"),
                None,
                StatusCode::NOT_FOUND,
            ));
        }
        let other = customers.iter().find(|c| *c != me).unwrap();
        calls.push((
            Method::POST,
            "/api/reservations".into(),
            Some(json!({"customer": other, "generation": "trn3", "units": 2,
                        "start": "2028-01", "end": "2028-06", "price_usd_per_unit_period": 90000})),
            StatusCode::FORBIDDEN,
        ));
        let mut texts = Vec::new();
        for (method, path, body, expected) in calls {
            // A key too, so that placing a reservation meets the tenant check, not the key's.
            let (s, text, v) = app
                .call(method.clone(), &path, Some(&token), body, Some("x-tenant"))
                .await;
            assert_eq!(s, expected, "{me}: {method} {path}: {text}");
            if !s.is_success() {
                assert!(v["error"].as_str().is_some_and(|m| !m.is_empty()), "{text}");
            }
            texts.push((format!("{method} {path}"), text, v));
        }
        let (me_v, book_v, hist_v, res_v) = (&texts[0].2, &texts[1].2, &texts[2].2, &texts[3].2);
        assert_eq!(me_v["role"], "customer");
        assert_eq!(me_v["customer"], me.as_str());
        let listed: Vec<&Value> = book_v["customers"].as_array().unwrap().iter().collect();
        assert_eq!(listed.len(), 1, "{me} sees only itself in the book");
        assert_eq!(listed[0]["id"], me.as_str());
        assert!(!book_v["skus"].as_array().unwrap().is_empty());
        for r in res_v.as_array().unwrap() {
            assert_eq!(r["customer"], me.as_str());
        }
        for e in hist_v["events"].as_array().unwrap() {
            assert_ne!(e["kind"], "book_created");
            assert_ne!(e["kind"], "plan_recorded");
            assert_ne!(e["kind"], "supply_adjusted");
        }
        for (call, text, _) in &texts {
            for secret in &secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "{me}: {call} leaks {secret:?}: {text}"
                );
            }
        }
    }
    // Nothing foreign was changed: every reservation is still open, supply unadjusted.
    let (_, _, supply) = app.get("/api/supply", &app.planner).await;
    assert_eq!(supply["adjustments"].as_array().unwrap().len(), 0);
    let (_, _, res) = app.get("/api/reservations", &app.planner).await;
    assert!(res
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["cancelled"] == false));
    app.stop().await;
}

#[tokio::test]
async fn reservations_supply_and_history_round_trip() {
    let app = spawn_app().await;
    let token = app.customer_token("lab-a");
    // A customer reserves capacity of the future generation and sees it, then cancels it.
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/reservations",
            Some(&token),
            Some(json!({"generation": "trn4", "units": 3, "start": "2028-01",
                        "end": "2028-12", "price_usd_per_unit_period": 150000})),
            Some("r-1"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(
        (
            v["customer"].as_str(),
            v["start"].as_str(),
            v["end"].as_str()
        ),
        (Some("lab-a"), Some("2028-01"), Some("2028-12"))
    );
    let (_, _, mine) = app.get("/api/reservations", &token).await;
    let listed = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap();
    assert!(
        listed["accepted_units"].as_u64().is_some(),
        "the plan answers for it"
    );
    let reserve = |body: Value, key: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            app.call(
                Method::POST,
                "/api/reservations",
                Some(token),
                Some(body),
                Some(key),
            )
            .await
        }
    };
    // Bad input is a 4xx with a message and changes nothing.
    for (body, status) in [
        (
            json!({"generation": "trn9", "units": 1, "start": "2028-01", "end": "2028-02",
                "price_usd_per_unit_period": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"generation": "trn4", "units": 1, "start": "2028-13", "end": "2028-02",
                "price_usd_per_unit_period": 1}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"generation": "trn4", "units": 1}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (s, text, v) = reserve(body, "r-bad").await;
        assert_error(s, status, &v, &text);
    }
    // `end` is inclusive: before the start is refused in those terms; the horizon's last month
    // is a valid end.
    let (s, text, v) = reserve(
        json!({"generation": "trn4", "units": 1, "start": "2028-06", "end": "2028-05",
                "price_usd_per_unit_period": 1}),
        "r-end",
    )
    .await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);
    assert!(
        text.contains("end: 2028-05 is before the start (2028-06)")
            && text.contains("inclusive")
            && text.contains("2029-11")
            && !text.contains("2029-12"),
        "{text}"
    );
    let (s, text, v) = reserve(
        json!({"generation": "trn4", "units": 1, "start": "2029-11", "end": "2029-11",
                "price_usd_per_unit_period": 1}),
        "r-end",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    assert_eq!(
        (v["start"].as_str(), v["end"].as_str()),
        (Some("2029-11"), Some("2029-11"))
    );
    let (s, text, v) = app
        .call(
            Method::POST,
            &format!("/api/reservations/{id}/cancel"),
            Some(&token),
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["cancelled"], true);
    let (s, text, v) = app
        .call(
            Method::POST,
            &format!("/api/reservations/{id}/cancel"),
            Some(&token),
            None,
            None,
        )
        .await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);

    // The planner cuts supply; it shows in the supply view and in the history, and a re-plan
    // explains the moved promises by the cut.
    let (s, _, before) = app.get("/api/supply", &app.planner).await;
    assert_eq!(s, StatusCode::OK);
    let trn2 = before["generations"]
        .as_array()
        .unwrap()
        .iter()
        .position(|g| g["generation"] == "trn2")
        .unwrap();
    let month = before["months"]
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m == "2027-03")
        .unwrap();
    let units_before = before["generations"][trn2]["units"][month]
        .as_u64()
        .unwrap();
    let (s, text, after) = app
        .call(
            Method::POST,
            "/api/supply/adjustments",
            Some(&app.planner),
            Some(json!({"generation": "trn2", "month": "2027-03", "delta_units": -40, "note": "HBM shortfall"})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    assert_eq!(
        after["generations"][trn2]["units"][month].as_u64().unwrap(),
        units_before.saturating_sub(40)
    );
    assert_eq!(after["adjustments"][0]["note"], "HBM shortfall");
    let (_, _, hist) = app.get("/api/history?limit=500", &app.planner).await;
    let kinds: Vec<&str> = hist["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"book_created"));
    assert!(kinds.contains(&"reservation_placed") && kinds.contains(&"reservation_cancelled"));
    assert_eq!(kinds.last(), Some(&"supply_adjusted"));
    // The customer's history holds its reservation's two events and nothing of the planner's.
    let (_, _, own) = app.get("/api/history?limit=500", &token).await;
    let own_kinds: Vec<&str> = own["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        own_kinds.contains(&"reservation_placed") && own_kinds.contains(&"reservation_cancelled")
    );
    assert!(!own_kinds.contains(&"supply_adjusted"));
    // Paging: pages of 1 walk the whole log in order.
    let (mut after_seq, mut seqs) = (0u64, Vec::new());
    loop {
        let (_, _, page) = app
            .get(
                &format!("/api/history?limit=1&after={after_seq}"),
                &app.planner,
            )
            .await;
        for e in page["events"].as_array().unwrap() {
            seqs.push(e["seq"].as_u64().unwrap());
        }
        match page["next_after"].as_u64() {
            Some(n) => after_seq = n,
            None => break,
        }
    }
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    assert_eq!(seqs.len(), kinds.len());
    app.stop().await;
}

/// A customer's history is numbered among its own events (1, 2, 3...), so the gaps of the log's
/// own numbers, which would show how busy other customers are, never reach it; its pages go on
/// by that numbering, and other customers' later activity changes neither the numbers nor the
/// pages it has read.
#[tokio::test]
async fn a_customers_history_is_numbered_among_its_own_events() {
    let app = spawn_app().await;
    let (lab_a, lab_b) = (app.customer_token("lab-a"), app.customer_token("lab-b"));
    let place = |token: &str, key: String| {
        let token = token.to_string();
        let app = &app;
        async move {
            let (s, text, v) = app
                .call(
                    Method::POST,
                    "/api/orders",
                    Some(&token),
                    Some(new_order(None)),
                    Some(&key),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{text}");
            v["id"].as_str().expect("an order id").to_string()
        }
    };
    // lab-a's orders, with lab-b busy in between.
    let mut mine = Vec::new();
    for i in 0..4 {
        mine.push(place(&lab_a, format!("a-{i}")).await);
        for j in 0..=i {
            place(&lab_b, format!("b-{i}-{j}")).await;
        }
    }
    let history = |token: &str, query: &str| {
        let (token, path) = (token.to_string(), format!("/api/history?{query}"));
        let app = &app;
        async move {
            let (s, text, v) = app.get(&path, &token).await;
            assert_eq!(s, StatusCode::OK, "{text}");
            v
        }
    };
    let seqs = |page: &Value| -> Vec<u64> {
        page["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["seq"].as_u64().expect("a number"))
            .collect()
    };
    let whole = history(&lab_a, "limit=500").await;
    let n = seqs(&whole).len() as u64;
    assert_eq!(seqs(&whole), (1..=n).collect::<Vec<_>>(), "{whole}");
    assert!(whole["next_after"].is_null(), "{whole}");
    for id in &mine {
        assert!(
            whole["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["what"].as_str().unwrap().contains(id.as_str())),
            "{id} in {whole}"
        );
    }
    assert!(!whole.to_string().contains("lab-b"), "{whole}");
    // The planner sees the same events at the log's numbers, which have gaps between them.
    let log = history(&app.planner, "limit=500").await;
    let at_log: Vec<u64> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            mine.iter()
                .any(|id| e["what"].as_str().unwrap().contains(id.as_str()))
        })
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(at_log.len(), mine.len());
    assert!(at_log.windows(2).all(|w| w[1] > w[0] + 1), "{at_log:?}");
    // Pages of one walk lab-a's events by its own numbers.
    let (mut after, mut walked) = (0u64, Vec::new());
    loop {
        let page = history(&lab_a, &format!("limit=1&after={after}")).await;
        walked.extend(seqs(&page));
        match page["next_after"].as_u64() {
            Some(next) => {
                assert_eq!(next, after + 1, "{page}");
                after = next;
            }
            None => break,
        }
    }
    assert_eq!(walked, (1..=n).collect::<Vec<_>>());
    // lab-b's activity after lab-a read its history changes nothing lab-a sees.
    let second = history(&lab_a, "limit=1&after=1").await;
    place(&lab_b, "b-late".into()).await;
    assert_eq!(history(&lab_a, "limit=1&after=1").await, second);
    assert_eq!(history(&lab_a, "limit=500").await, whole);
    // lab-a's next event is numbered next among its own; past its end a page is empty.
    let late = place(&lab_a, "a-late".into()).await;
    let tail = history(&lab_a, &format!("after={n}")).await;
    assert_eq!(seqs(&tail), vec![n + 1], "{tail}");
    assert!(
        tail["events"][0]["what"].as_str().unwrap().contains(&late),
        "{tail}"
    );
    let past = history(&lab_a, &format!("after={}", n + 5)).await;
    assert!(
        seqs(&past).is_empty() && past["next_after"].is_null(),
        "{past}"
    );
    app.stop().await;
}

#[tokio::test]
async fn rate_limit_answers_429_per_token() {
    let app = spawn_app_with(|c| c.rate_limit = api::RateLimit::new(1, 3)).await;
    let token = app.customer_token("lab-a");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let (s, text, v) = app.get("/api/me", &token).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert!(
                v["error"].as_str().unwrap().contains("rate limit"),
                "{text}"
            );
        }
        statuses.push(s);
    }
    assert_eq!(&statuses[..3], &[StatusCode::OK; 3], "the burst is allowed");
    assert!(
        statuses[3..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let res = app
        .client
        .get(format!("http://{}/api/me", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    // Another token has its own bucket.
    assert_eq!(app.get("/api/me", &app.planner).await.0, StatusCode::OK);
    // The refusals are counted.
    let (_, metrics, _) = app.get("/metrics", &app.planner).await;
    let limited = metrics
        .lines()
        .find(|l| l.starts_with("allot_rate_limited_total"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse::<u64>().ok())
        .expect("the counter is exported");
    assert!(limited >= 3, "{metrics}");
    app.stop().await;
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.get("/api/orders/o-001", &app.planner).await;
    }
    let (s, _, _) = app.call(Method::GET, "/metrics", None, None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, text, _) = app.get("/metrics", &app.planner).await;
    assert_eq!(s, StatusCode::OK);
    // The route template is the label, never the raw path (bounded cardinality, no ids).
    assert!(
        text.contains(
            r#"allot_http_requests_total{method="GET",route="/api/orders/:id",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(!text.contains("o-001"));
    assert!(text.contains("allot_http_request_duration_seconds_bucket"));
    assert!(text.contains("allot_book_head "));
    assert!(text.trim_end().ends_with("# EOF"));
    app.stop().await;
}

#[tokio::test]
async fn metrics_label_unknown_methods_as_other() {
    let app = spawn_app().await;
    // Any token is a method to HTTP; without a token, each must not add a series of its own.
    for i in 0..5 {
        let m = Method::from_bytes(format!("PROBE{i}{}", "X".repeat(300)).as_bytes()).unwrap();
        let (s, _, _) = app.call(m, "/healthz", None, None, None).await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    }
    let (s, text, _) = app.get("/metrics", &app.planner).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!text.contains("PROBE"), "{text}");
    assert!(
        text.contains(
            r#"allot_http_requests_total{method="other",route="/healthz",status="405"} 5"#
        ),
        "{text}"
    );
    app.stop().await;
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let app = spawn_app().await;
    let (s, text, doc) = app
        .call(Method::GET, "/openapi.json", None, None, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("get", "/api/orders"),
        ("post", "/api/orders"),
        ("get", "/api/orders/{id}"),
        ("post", "/api/orders/{id}/confirm"),
        ("post", "/api/orders/{id}/cancel"),
        ("post", "/api/orders/{id}/deliver"),
        ("post", "/api/contracts/{id}/commitments/{n}/deliver"),
        ("post", "/api/plan"),
        ("get", "/api/promise"),
        ("get", "/api/waitlist"),
        ("get", "/api/me"),
        ("get", "/api/book"),
        ("get", "/api/history"),
        ("get", "/api/reservations"),
        ("post", "/api/reservations"),
        ("post", "/api/reservations/{id}/cancel"),
        ("get", "/api/supply"),
        ("post", "/api/supply/adjustments"),
        ("get", "/api/dashboard"),
        ("get", "/healthz"),
        ("get", "/metrics"),
    ];
    for (method, path) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is documented"
        );
        // ... and served: with the planner's token nothing documented is 404 or 405.
        let url = path.replace("{id}", "o-001").replace("{n}", "1");
        let m = if method == "get" {
            Method::GET
        } else {
            Method::POST
        };
        let (s, text, _) = app
            .call(m, &url, Some(&app.planner), None, Some("k-openapi"))
            .await;
        let may_miss = path == "/api/reservations/{id}/cancel"; // o-001 is no reservation
        assert!(
            s != StatusCode::METHOD_NOT_ALLOWED && (s != StatusCode::NOT_FOUND || may_miss),
            "{method} {url}: {s} {text}"
        );
    }
    // Every documented path is one the test knows (no undocumented drift either way).
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, expected.len());
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "OrderDto",
        "NewOrder",
        "PlanSummary",
        "WaitlistEntryDto",
        "ErrorBody",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
    let (s, page, _) = app.call(Method::GET, "/docs/api", None, None, None).await;
    assert_eq!(s, StatusCode::OK);
    for (_, path) in expected {
        assert!(page.contains(path), "the reference page lists {path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn concurrent_placements_are_group_committed_and_durable() {
    let app = spawn_app().await;
    let before = app.all_orders().await.len();
    let tokens: Vec<String> = ["lab-a", "lab-b", "colo-a"]
        .iter()
        .map(|c| app.customer_token(c))
        .collect();
    let n = 120usize;
    let results = futures_join_all((0..n).map(|i| {
        let token = tokens[i % tokens.len()].clone();
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/orders",
                Some(&token),
                Some(new_order(None)),
                Some(&format!("gc-{i}")),
            )
            .await
        }
    }))
    .await;
    let mut ids = std::collections::BTreeSet::new();
    for (s, text, v) in &results {
        assert_eq!(*s, StatusCode::CREATED, "{text}");
        ids.insert(v["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), n, "every placement is its own order");
    let (_, metrics, _) = app.get("/metrics", &app.planner).await;
    let batches = metrics
        .lines()
        .find(|l| l.starts_with("allot_store_write_batches_total"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap();
    assert!(batches >= 1 && batches <= n as u64, "{batches}");
    assert_eq!(app.all_orders().await.len(), before + n);
    let db = app.db.clone();
    let _dir = app.stop().await;
    // Every acknowledged order is in the file.
    let store = SqliteStore::open(&db, SqliteOptions::default()).unwrap();
    let mut placed = std::collections::BTreeSet::new();
    store
        .scan(0, None, &mut |se| {
            if let Ok(book::Event::OrderPlaced(o)) = scenario::decode_event(&se.kind, &se.payload) {
                placed.insert(o.key);
            }
            Ok(())
        })
        .unwrap();
    assert!(ids.is_subset(&placed), "acknowledged orders are durable");
    assert_eq!(placed.len(), n, "no placement was written twice or lost");
}

#[tokio::test]
async fn shutdown_finishes_in_flight_writes() {
    let app = spawn_app().await;
    let token = app.customer_token("lab-b");
    let (addr, client, db) = (app.addr, app.client.clone(), app.db.clone());
    let writes = tokio::spawn(async move {
        let mut acked = Vec::new();
        for i in 0..200 {
            let res = client
                .post(format!("http://{addr}/api/orders"))
                .bearer_auth(&token)
                .header("Idempotency-Key", format!("sd-{i}"))
                .json(&new_order(None))
                .send()
                .await;
            match res {
                Ok(r) if r.status() == StatusCode::CREATED => {
                    let v: Value = r.json().await.unwrap();
                    acked.push(v["id"].as_str().unwrap().to_string());
                }
                _ => break,
            }
        }
        acked
    });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let _dir = app.stop().await;
    let acked = writes.await.unwrap();
    assert!(
        !acked.is_empty(),
        "some writes were acknowledged before the stop"
    );
    let store = SqliteStore::open(&db, SqliteOptions::default()).unwrap();
    let mut stored = std::collections::BTreeSet::new();
    store
        .scan(0, None, &mut |se| {
            if let Ok(book::Event::OrderPlaced(o)) = scenario::decode_event(&se.kind, &se.payload) {
                stored.insert(o.key);
            }
            Ok(())
        })
        .unwrap();
    for id in &acked {
        assert!(
            stored.contains(id),
            "{id} was acknowledged and must be stored"
        );
    }
}

#[tokio::test]
async fn staff_records_deliveries() {
    let app = spawn_app_with(|c| c.now = book::YearMonth::new(2027, 9)).await;
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders/o-001/deliver",
            Some(&app.planner),
            Some(json!({"month": "2027-08"})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["status"], "delivered");
    assert_eq!(v["delivered"]["period"], "2027-08");
    assert_eq!(v["delivered"]["units"], v["units"]);
    // Twice is refused, and bad months are 400s.
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders/o-001/deliver",
            Some(&app.planner),
            Some(json!({"month": "2027-09"})),
            None,
        )
        .await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders/o-002/deliver",
            Some(&app.planner),
            Some(json!({"month": "27-09"})),
            None,
        )
        .await;
    assert_error(s, StatusCode::BAD_REQUEST, &v, &text);
    app.stop().await;
}

/// Staff record units shipped against a delivery commitment; the book's refusals (and a month
/// after the server's) are 422s, unknown contracts and commitments 404s, bad months 400s, and a
/// refused one changes nothing.
#[tokio::test]
async fn staff_record_commitment_deliveries() {
    let app = spawn_app_with(|c| c.now = book::YearMonth::new(2027, 9)).await;
    let deliver = |path: &'static str, body: Value| {
        let app = &app;
        async move {
            app.call(Method::POST, path, Some(&app.planner), Some(body), None)
                .await
        }
    };
    let path = "/api/contracts/lab-a-2026/commitments/3/deliver";
    let (s, text, v) = deliver(path, json!({"month": "2027-04", "units": 3000})).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["index"], 3);
    assert_eq!(
        (v["units"].as_u64(), v["delivered_units"].as_u64()),
        (Some(8000), Some(3000))
    );
    assert_eq!(v["owed_units"], 5000);
    assert_eq!(v["delivered"][0]["period"], "2027-04");
    for (path, body, status, want) in [
        (
            path,
            json!({"month": "2027-04", "units": 5001}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "units",
        ),
        (
            path,
            json!({"month": "2027-10", "units": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "after the server's month 2027-09",
        ),
        (
            "/api/contracts/lab-a-2026/commitments/1/deliver",
            json!({"month": "2027-04"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "capacity commitment",
        ),
        (
            "/api/contracts/lab-a-2026/commitments/9/deliver",
            json!({"month": "2027-04"}),
            StatusCode::NOT_FOUND,
            "no commitment",
        ),
        (
            "/api/contracts/lab-a-2026/commitments/0/deliver",
            json!({"month": "2027-04"}),
            StatusCode::NOT_FOUND,
            "numbered from 1",
        ),
        (
            "/api/contracts/nope/commitments/1/deliver",
            json!({"month": "2027-04"}),
            StatusCode::NOT_FOUND,
            "no contract",
        ),
        (
            path,
            json!({"month": "27-04"}),
            StatusCode::BAD_REQUEST,
            "month",
        ),
        (path, json!({"units": 1}), StatusCode::BAD_REQUEST, "month"),
    ] {
        let (s, text, v) = deliver(path, body).await;
        assert_error(s, status, &v, &text);
        assert!(text.contains(want), "{path}: {text}");
    }
    // The rest (no units: all still owed); then nothing is left.
    let (s, text, v) = deliver(path, json!({"month": "2027-05"})).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(
        (v["delivered_units"].as_u64(), v["owed_units"].as_u64()),
        (Some(8000), Some(0))
    );
    let (s, text, v) = deliver(path, json!({"month": "2027-06"})).await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);
    assert!(text.contains("already delivered"), "{text}");
    // lab-a sees the deliveries on its own contract in its history.
    let cust = app.customer_token("lab-a");
    let (s, text, _) = app
        .call(Method::GET, "/api/history", Some(&cust), None, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(text.matches("commitment_delivered").count(), 2, "{text}");
    app.stop().await;
}

/// A delivery is recorded once it happened: a month after the server's is a 422 that changes
/// nothing; months before the order's window (or after it) are allowed.
#[tokio::test]
async fn deliveries_cannot_be_recorded_in_the_future() {
    let app = spawn_app_with(|c| c.now = book::YearMonth::new(2026, 12)).await;
    let deliver = |id: &str, month: &str| {
        let (app, path, body) = (
            &app,
            format!("/api/orders/{id}/deliver"),
            json!({"month": month, "units": 42}),
        );
        async move {
            app.call(Method::POST, &path, Some(&app.planner), Some(body), None)
                .await
        }
    };
    let (s, text, v) = deliver("o-050", "2029-11").await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);
    assert!(
        text.contains("month") && text.contains("2029-11") && text.contains("2026-12"),
        "{text}"
    );
    let (_, _, o) = app.get("/api/orders/o-050", &app.planner).await;
    assert!(o["delivered"].is_null(), "nothing recorded: {o}");
    // o-050's window is 2028-11..2029-04; a shipment in the server's month, before it, is fine
    // when the supply made by then covers it.
    let (s, text, v) = deliver("o-050", "2026-12").await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["delivered"]["period"], "2026-12");
    app.stop().await;
}

/// A shipment or a supply cut that would leave a generation with more units delivered by some
/// month than it has supplied by then is a 422 that changes nothing, and planning goes on.
#[tokio::test]
async fn deliveries_and_supply_cuts_stay_within_supply() {
    // The server's month is the horizon's last, so every month is past or present.
    let app = spawn_app_with(|c| c.now = book::YearMonth::new(2029, 11)).await;
    let (s, _, sup) = app.get("/api/supply", &app.planner).await;
    assert_eq!(s, StatusCode::OK);
    let months: Vec<String> = serde_json::from_value(sup["months"].clone()).unwrap();
    let row = sup["generations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["generation"] == "trn4")
        .expect("trn4 supply")
        .clone();
    let units: Vec<i64> = serde_json::from_value(row["units"].clone()).unwrap();
    assert_eq!(units[0], 0, "trn4 does not ship in the first month");
    let order = app
        .all_orders()
        .await
        .into_iter()
        .find(|o| o["sku"] == "trn4-ultraserver" && o["status"] != "cancelled")
        .expect("a trn4 order");
    let (id, n) = (
        order["id"].as_str().unwrap(),
        order["units"].as_i64().unwrap(),
    );
    let path = format!("/api/orders/{id}/deliver");
    let deliver = |month: &str| {
        app.call(
            Method::POST,
            &path,
            Some(&app.planner),
            Some(json!({ "month": month })),
            None,
        )
    };
    // Before trn4 ships: refused, and the order is as it was.
    let (s, text, v) = deliver(&months[0]).await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);
    assert!(text.contains("supply"), "{text}");
    let (s, _, after) = app.get(&format!("/api/orders/{id}"), &app.planner).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(after["status"], order["status"]);
    // The first month by which enough trn4 has been made: recorded.
    let mut cum = 0;
    let m = (0..units.len())
        .find(|&t| {
            cum += units[t];
            cum >= n
        })
        .expect("enough trn4 within the horizon");
    let (s, text, _) = deliver(&months[m]).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    // Cutting that month's supply would leave fewer units made by then than delivered: refused.
    let cut = json!({"generation": "trn4", "month": months[m], "delta_units": -units[m]});
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/supply/adjustments",
            Some(&app.planner),
            Some(cut),
            None,
        )
        .await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);
    assert!(text.contains("delivered"), "{text}");
    let (s, _, sup_after) = app.get("/api/supply", &app.planner).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sup_after["adjustments"], sup["adjustments"]);
    // The book still plans.
    let (s, text, _) = app.get("/api/reservations", &app.planner).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    app.stop().await;
}

/// Months whose units a recorded adjustment changed name it as their reason, in the supply view
/// and on the dashboard, not the foundry input that bound before.
#[tokio::test]
async fn supply_and_dashboard_name_the_adjustment_that_changed_a_month() {
    let app = spawn_app().await;
    let (_, _, before) = app.get("/api/supply", &app.planner).await;
    let months: Vec<String> = serde_json::from_value(before["months"].clone()).unwrap();
    let m = months.iter().position(|m| m == "2027-03").unwrap();
    let g = before["generations"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["generation"] == "trn3")
        .unwrap();
    let units = before["generations"][g]["units"][m].as_i64().unwrap();
    assert_ne!(before["generations"][g]["binding"][m], "cut by adjustment");
    let cut = json!({"generation": "trn3", "month": "2027-03", "delta_units": -units});
    let (s, text, after) = app
        .call(
            Method::POST,
            "/api/supply/adjustments",
            Some(&app.planner),
            Some(cut),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    let row = &after["generations"][g];
    assert_eq!(row["units"][m], 0);
    assert_eq!(row["binding"][m], "cut by adjustment");
    assert_eq!(
        row["binding"][m + 1],
        before["generations"][g]["binding"][m + 1]
    );
    let (s, text, d) = app.get("/api/dashboard", &app.planner).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let dg = d["generations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "trn3")
        .unwrap();
    // The dashboard's months start at now (2027-01).
    assert_eq!(dg["binding"][2], "cut by adjustment");
    assert!(dg["binding_runs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["input"] == "cut by adjustment" && r["from"] == "2027-03"));
    app.stop().await;
}

#[tokio::test]
async fn the_writer_checkpoints_and_a_restart_opens_from_the_snapshot() {
    let app = spawn_app_with(|c| {
        c.snapshot_rule = scenario::SnapshotRule {
            events: 10,
            payload_bytes: u64::MAX,
        }
    })
    .await;
    let token = app.customer_token("lab-a");
    for i in 0..35 {
        let (s, text, _) = app
            .call(
                Method::POST,
                "/api/orders",
                Some(&token),
                Some(new_order(None)),
                Some(&format!("cp-{i}")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{text}");
    }
    let orders = app.all_orders().await.len();
    let (db, planner) = (app.db.clone(), app.planner.clone());
    // Stopping waits for a checkpoint in progress.
    let dir = app.stop().await;
    let store = SqliteStore::open(&db, SqliteOptions::default()).unwrap();
    let head = store.head().unwrap();
    let (seq, blob) = store
        .latest_snapshot()
        .unwrap()
        .expect("the writer wrote a snapshot");
    assert!(seq >= 10 && seq <= head, "snapshot at {seq} of {head}");
    // It is the fold of the log up to its seq.
    let (book, at) = scenario::decode_snapshot(&blob).expect("it decodes");
    assert_eq!(at, seq);
    let mut replay = scenario::Replay::new();
    store
        .scan(0, Some(seq as usize), &mut |se| {
            replay
                .apply(se.seq, &se.kind, &se.payload)
                .map_err(store::StoreError::Corrupt)
        })
        .unwrap();
    assert!(replay.finish().unwrap().0 == book);
    let loaded = scenario::load_book(&store).unwrap().unwrap();
    assert_eq!((loaded.snapshot, loaded.head), (Some(seq), head));
    drop(store);
    // A restarted server opens from it and serves the same book.
    let mut config = api::Config::new(&db);
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.now = book::YearMonth::new(2027, 1);
    let (addr, server) = api::spawn_with(config).await.expect("server restarts");
    let v: Value = reqwest::Client::new()
        .get(format!("http://{addr}/api/orders?limit=500"))
        .bearer_auth(&planner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["orders"].as_array().expect("orders").len(), orders);
    server.stop().await.unwrap();
    drop(dir);
}

/// Placing a reservation honours `Idempotency-Key` as placing an order does: required; a retry
/// with the same key and body answers 200 with the same reservation (booked once); the same key
/// with another body is 409; keys are per customer; a refused request leaves the key unused.
#[tokio::test]
async fn reservations_are_placed_at_most_once_per_key() {
    let app = spawn_app().await;
    let (a, b) = (app.customer_token("lab-a"), app.customer_token("lab-b"));
    let body = json!({"generation": "trn4", "units": 3, "start": "2028-01", "end": "2028-12",
                      "price_usd_per_unit_period": 150000});
    let reserve = |token: &str, body: Value, key: Option<&str>| {
        let (token, key) = (token.to_string(), key.map(str::to_string));
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/reservations",
                Some(&token),
                Some(body),
                key.as_deref(),
            )
            .await
        }
    };
    let count = || async {
        let (_, _, v) = app.get("/api/reservations", &app.planner).await;
        v.as_array().unwrap().len()
    };
    let before = count().await;
    let (s, text, v) = reserve(&a, body.clone(), None).await;
    assert_error(s, StatusCode::BAD_REQUEST, &v, &text);
    assert!(text.contains("Idempotency-Key"), "{text}");
    let (s, text, first) = reserve(&a, body.clone(), Some("res-1")).await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    // The retry: the same reservation, marked as a replay, booked once.
    let res = app
        .client
        .post(format!("http://{}/api/reservations", app.addr))
        .bearer_auth(&a)
        .header("Idempotency-Key", "res-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()
            .get("idempotent-replayed")
            .and_then(|h| h.to_str().ok()),
        Some("true")
    );
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(count().await, before + 1);
    // Another body under the same key: 409, nothing booked.
    let mut other = body.clone();
    other["units"] = json!(4);
    let (s, text, v) = reserve(&a, other.clone(), Some("res-1")).await;
    assert_error(s, StatusCode::CONFLICT, &v, &text);
    // Another customer's key space is its own.
    let (s, text, theirs) = reserve(&b, body.clone(), Some("res-1")).await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    assert_ne!(theirs["id"], first["id"]);
    assert_eq!(theirs["customer"], "lab-b");
    // An order under a reservation's key is another request: 409, not a replay.
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&a),
            Some(new_order(None)),
            Some("res-1"),
        )
        .await;
    assert_error(s, StatusCode::CONFLICT, &v, &text);
    // A refused request leaves its key unused.
    let mut bad = body.clone();
    bad["generation"] = json!("trn9");
    let (s, text, v) = reserve(&a, bad, Some("res-2")).await;
    assert_error(s, StatusCode::UNPROCESSABLE_ENTITY, &v, &text);
    let (s, text, _) = reserve(&a, other, Some("res-2")).await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    assert_eq!(count().await, before + 3);
    app.stop().await;
}
