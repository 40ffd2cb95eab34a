//! `GET /api/dashboard` (staff only) and the static pages of the dashboard and the portal.

use super::*;

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn series(g: &Value, name: &str) -> Vec<u64> {
    g[name]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no series {name}", g["id"]))
        .iter()
        .map(u)
        .collect()
}

#[tokio::test]
async fn dashboard_figures_agree_with_the_plan() {
    let app = spawn_app().await;
    let (s, text, d) = app.get("/api/dashboard", &app.planner).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let months: Vec<&str> = d["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(d["now"], "2027-01");
    assert_eq!(months.first(), Some(&"2027-01"), "series start at now");
    assert_eq!(
        months.last(),
        Some(&"2029-11"),
        "series end at the horizon's end"
    );
    assert!(d["foundry_supply"].as_bool().unwrap());

    // Per generation: every series covers the months; supply is conserved; the pool covers its uses.
    let gens = d["generations"].as_array().unwrap();
    assert_eq!(gens.len(), 4);
    let (mut shipped_orders, mut shipped_contracts) =
        (vec![0u64; gens.len()], vec![0u64; gens.len()]);
    for (gi, g) in gens.iter().enumerate() {
        let id = g["id"].as_str().unwrap();
        let [supply, sold, orders, contracts, deployed, pool, internal, reserved, carried] = [
            "supply",
            "sold",
            "sold_orders",
            "sold_contracts",
            "deployed",
            "pool",
            "internal",
            "reserved",
            "carried",
        ]
        .map(|n| series(g, n));
        for s in [
            &supply, &sold, &orders, &contracts, &deployed, &pool, &internal, &reserved, &carried,
        ] {
            assert_eq!(s.len(), months.len(), "{id}: a value per month");
        }
        assert_eq!(series(g, "demand_in_window").len(), months.len());
        assert_eq!(series(g, "cloud_demand").len(), months.len());
        let t = &g["totals"];
        let mut inv = u(&t["carried_in"]) as i128;
        for k in 0..months.len() {
            assert_eq!(
                sold[k],
                orders[k] + contracts[k],
                "{id} {}: sold = to orders + on contracts (no deliveries recorded)",
                months[k]
            );
            inv += supply[k] as i128 - sold[k] as i128 - deployed[k] as i128;
            assert!(inv >= 0, "{id} {}: more used than available", months[k]);
            if k + 1 < months.len() {
                assert_eq!(
                    inv, carried[k] as i128,
                    "{id} {}: inventory carried",
                    months[k]
                );
            }
            assert!(
                internal[k] + reserved[k] <= pool[k],
                "{id} {}: the pool covers its uses",
                months[k]
            );
        }
        let sum = |v: &[u64]| v.iter().sum::<u64>();
        assert_eq!(u(&t["supply"]), sum(&supply));
        assert_eq!(u(&t["sold"]), sum(&sold));
        assert_eq!(u(&t["deployed"]), sum(&deployed));
        assert_eq!(u(&t["sold_orders"]), sum(&orders));
        assert_eq!(u(&t["sold_contracts"]), sum(&contracts));
        assert!(
            u(&t["sold"]) + u(&t["deployed"]) <= u(&t["supply"]) + u(&t["carried_in"]),
            "{id}: sold + deployed <= supply + carried in"
        );
        shipped_orders[gi] = sum(&orders);
        shipped_contracts[gi] = sum(&contracts);

        // Binding inputs: known labels, runs that cover exactly the labelled months.
        let binding: Vec<&str> = g["binding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_str().unwrap())
            .collect();
        assert_eq!(binding.len(), months.len());
        for b in &binding {
            assert!(
                ["", "wafers", "HBM", "packaging", "not shipping"].contains(b),
                "{id}: unknown binding label {b:?}"
            );
        }
        let labelled = binding.iter().filter(|b| !b.is_empty()).count();
        let in_runs: u64 = g["binding_runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| u(&r["months"]))
            .sum();
        assert_eq!(
            in_runs as usize, labelled,
            "{id}: runs cover the labelled months"
        );
    }
    // trn4 ships from 2027-10: before that nothing binds but "not shipping".
    let trn4 = &gens[3];
    assert_eq!(trn4["id"], "trn4");
    assert_eq!(trn4["binding"][0], "not shipping");
    assert_eq!(trn4["binding_runs"][0]["input"], "not shipping");
    assert_eq!(trn4["binding_runs"][0]["to"], "2027-09");

    // Commitments: met never exceeds owed; the totals add up.
    let commitments = d["commitments"].as_array().unwrap();
    assert!(!commitments.is_empty());
    let (mut owed, mut met) = (0, 0);
    for c in commitments {
        assert!(u(&c["met_units"]) <= u(&c["units"]), "{c}");
        assert!(["delivery", "capacity"].contains(&c["kind"].as_str().unwrap()));
        owed += u(&c["units"]);
        met += u(&c["met_units"]);
    }
    assert_eq!(u(&d["commitments_total"]["units"]), owed);
    assert_eq!(u(&d["commitments_total"]["met_units"]), met);
    assert_eq!(
        u(&d["commitments_total"]["count"]),
        commitments.len() as u64
    );

    // Customers: every customer once; shipments by customer add up to shipments by channel.
    let customers = d["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 10);
    for (gi, _) in gens.iter().enumerate() {
        let by_customer: u64 = customers
            .iter()
            .map(|c| u(&c["shipped_by_generation"][gi]))
            .sum();
        assert_eq!(by_customer, shipped_orders[gi] + shipped_contracts[gi]);
    }
    let served: u64 = customers.iter().map(|c| u(&c["order_units_served"])).sum();
    assert_eq!(served, u(&d["plan"]["served_units"]));
    let contract_owed: u64 = customers.iter().map(|c| u(&c["contract_units_owed"])).sum();
    assert_eq!(contract_owed, owed);
    let reserved: u64 = customers.iter().map(|c| u(&c["reserved_units"])).sum();
    assert_eq!(reserved, u(&d["reservations"]["accepted_units"]));
    assert!(u(&d["reservations"]["accepted_units"]) <= u(&d["reservations"]["units"]));

    // The waitlist is the API's waitlist, in line order, with the orders' windows.
    let (s, _, wl) = app.get("/api/waitlist", &app.planner).await;
    assert_eq!(s, StatusCode::OK);
    let wl = wl.as_array().unwrap();
    let dwl = d["waitlist"].as_array().unwrap();
    assert!(!dwl.is_empty(), "the demo book has a waitlist");
    assert_eq!(dwl.len(), wl.len());
    assert_eq!(u(&d["plan"]["waitlisted_orders"]), wl.len() as u64);
    let waiting: u64 = customers.iter().map(|c| u(&c["waitlisted_orders"])).sum();
    assert_eq!(waiting, wl.len() as u64);
    for (k, (a, b)) in dwl.iter().zip(wl).enumerate() {
        assert_eq!(u(&a["position"]), k as u64 + 1);
        assert_eq!(a["order"], b["order"]);
        assert_eq!(a["earliest_period"], b["earliest_period"]);
        assert!(a["customer"].is_string() && a["reason_text"].is_string());
        let latest = a["latest"].as_str().unwrap();
        let after = a["earliest_period"].as_str().is_some_and(|e| e > latest);
        assert_eq!(a["after_window"], after);
    }

    // No plan was recorded yet: nothing to compare with, nothing moved.
    assert!(d["last_recorded"].is_null());
    assert_eq!(u(&d["moves_total"]), 0);

    // The objectives are those of a dry-run re-plan of the same book.
    let (s, _, dry) = app
        .call(
            Method::POST,
            "/api/plan",
            Some(&app.planner),
            Some(json!({"dry_run": true})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["plan"]["objectives"], dry["objectives"]);
    assert_eq!(d["plan"]["served_units"], dry["served_units"]);
    // sold_units: every unit shipped to buyers from now (orders and contracts), as the CLI's
    // "sold"; served_units counts orders only.
    let sold: u64 = gens
        .iter()
        .map(|g| series(g, "sold").iter().sum::<u64>())
        .sum();
    assert_eq!(u(&dry["sold_units"]), sold);
    assert_eq!(
        u(&dry["sold_units"]),
        u(&dry["served_units"]) + shipped_contracts.iter().sum::<u64>()
    );
    assert!(shipped_contracts.iter().sum::<u64>() > 0);

    // After a recorded plan, the dashboard compares with it.
    let (s, _, rec) = app
        .call(
            Method::POST,
            "/api/plan",
            Some(&app.planner),
            Some(json!({"dry_run": false})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, _, d2) = app.get("/api/dashboard", &app.planner).await;
    let last = &d2["last_recorded"];
    assert_eq!(last["now"], "2027-01");
    assert_eq!(last["objectives_computed"], true);
    assert_eq!(last["value_usd"], rec["objectives"]["value_usd"]);
    assert_eq!(
        last["commitment_shortfall_usd"],
        rec["objectives"]["commitment_shortfall_usd"]
    );
    assert_eq!(
        u(&d2["moves_total"]),
        0,
        "the recorded plan is the current one"
    );
    app.stop().await;
}

/// Promises recorded without a plan (as `allot gen` starts a book) have no objectives: the
/// dashboard shows none instead of 0 / 0 / 0.
#[tokio::test]
async fn imported_promises_show_no_objectives() {
    let app = spawn_app().await;
    let order = app.all_orders().await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (kind, payload) = scenario::encode_event(&book::Event::PlanRecorded(book::PlanRecord {
        now: book::Period(0),
        objectives: None,
        promises: vec![book::PromiseRecord {
            order,
            units: 1,
            by: book::Period(5),
        }],
        supply_adjustments_seen: 0,
        contracts_seen: 0,
    }));
    let mut store = SqliteStore::open(&app.db, SqliteOptions::default()).unwrap();
    let head = store.head().unwrap();
    store
        .append(
            Some(head),
            &[NewEvent {
                kind,
                actor: "gen".into(),
                at_unix_ms: 1,
                payload,
            }],
        )
        .unwrap();
    let (s, text, d) = app.get("/api/dashboard", &app.planner).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let last = &d["last_recorded"];
    assert_eq!(last["objectives_computed"], false, "{last}");
    assert_eq!(last["promises"], 1);
    for field in [
        "commitment_shortfall_usd",
        "promise_lateness_unit_periods",
        "value_usd",
    ] {
        assert!(last[field].is_null(), "{field}: {last}");
    }
    let (_, _, h) = app.get("/api/history?limit=500", &app.planner).await;
    let what = h.to_string();
    assert!(
        what.contains("objectives not computed (promises imported)"),
        "{what}"
    );
    app.stop().await;
}

#[tokio::test]
async fn dashboard_is_for_staff_only() {
    let app = spawn_app().await;
    for customer in ["lab-a", "colo-a"] {
        let token = app.customer_token(customer);
        let (s, text, v) = app.get("/api/dashboard", &token).await;
        assert_error(s, StatusCode::FORBIDDEN, &v, &text);
        assert!(!text.contains("generations"), "no figures leak: {text}");
    }
    let (s, text, v) = app
        .call(Method::GET, "/api/dashboard", None, None, None)
        .await;
    assert_error(s, StatusCode::UNAUTHORIZED, &v, &text);
    let admin = create_token(&app.db, Role::Admin, None).unwrap().secret;
    let (s, _, _) = app.get("/api/dashboard", &admin).await;
    assert_eq!(s, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn pages_and_assets_are_served_without_a_token() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let base = format!("http://{}", app.addr);
    for (path, kind, marker) in [
        ("/", "text/html", "Sign in"),
        ("/dashboard", "text/html", "Planner dashboard"),
        ("/portal", "text/html", "Customer portal"),
        ("/assets/app.css", "text/css", ".panel"),
        ("/assets/common.js", "text/javascript", "const Allot"),
        ("/assets/dashboard.js", "text/javascript", "/api/dashboard"),
        ("/assets/portal.js", "text/javascript", "/api/orders"),
        ("/assets/signin.js", "text/javascript", "/api/me"),
        ("/assets/favicon.svg", "image/svg+xml", "<svg"),
        (
            "/assets/vendor/chart.umd.min.js",
            "text/javascript",
            "Chart.js v4",
        ),
    ] {
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let h = res.headers().clone();
        let ct = h["content-type"].to_str().unwrap();
        assert!(ct.starts_with(kind), "{path}: content-type {ct}");
        assert_eq!(h["cache-control"], "no-cache", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        if kind == "text/html" {
            let csp = h["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
        }
        let etag = h["etag"].to_str().unwrap().to_string();
        let body = res.text().await.unwrap();
        assert!(body.contains(marker), "{path} holds {marker:?}");
        // Revalidation: the same version answers 304 without a body.
        let again = client
            .get(format!("{base}{path}"))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    }
    // Unknown assets are JSON 404s like every other miss; nothing outside the embedded set is served.
    for path in [
        "/assets/nope.js",
        "/assets/../Cargo.toml",
        "/assets/vendor/README.md",
    ] {
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let v: Value = res.json().await.unwrap();
        assert!(v["error"].is_string(), "{path}");
    }
    app.stop().await;
}
