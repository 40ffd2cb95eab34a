//! Another process (the CLI) writing to the book file while the server runs: the server's reads
//! see its events, and its writes are checked against them (idempotency keys included).

use super::*;
use std::path::Path;

/// Commits events the way the CLI does (`allot`'s `BookDb::commit`): its own connection, the book
/// read from the file, the change validated against it, then appended at the head it read.
/// Returns the new head.
fn cli_commit(db: &Path, change: impl FnOnce(&book::Book) -> Vec<book::Event>) -> u64 {
    let mut store = SqliteStore::open(db, SqliteOptions::default()).expect("open the store");
    let loaded = scenario::load_book(&store)
        .expect("read the book")
        .expect("a book");
    let events = change(&loaded.book);
    let records: Vec<NewEvent> = events
        .iter()
        .map(|e| {
            let (kind, payload) = scenario::encode_event(e);
            NewEvent {
                kind,
                actor: "cli:test".into(),
                at_unix_ms: 1,
                payload,
            }
        })
        .collect();
    let mut next = loaded.book.clone();
    next.apply_all(events).expect("the CLI's change is valid");
    *store
        .append(Some(loaded.head), &records)
        .expect("the CLI appends")
        .end()
}

/// The order the QA run placed from the CLI: `allot order add --id <id> --customer ent-a
/// --sku trn2-server --qty 1 --earliest 2027-03 --latest 2027-08 --price 1`.
fn cli_order(book: &book::Book, id: &str) -> book::Event {
    let month = |m: &str| book.horizon().parse_period(m).expect("a month");
    book::Event::OrderPlaced(book::OrderSpec {
        key: id.into(),
        customer: "ent-a".into(),
        sku: "trn2-server".into(),
        quantity: 1,
        earliest: month("2027-03"),
        latest: month("2027-08"),
        price_usd_per_unit: 1,
        lateness_penalty_usd_per_unit_period: 0,
        substitutes: vec![],
    })
}

/// A metric's value from the text format (0 when absent).
async fn metric(app: &TestApp, name: &str) -> u64 {
    let (s, text, _) = app.get("/metrics", &app.planner).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .map_or(0, |v| v.trim().parse().expect("a number"))
}

/// The book's last event as the server has it (staff metric; every request catches up first).
async fn health_head(app: &TestApp) -> u64 {
    metric(app, "allot_book_head").await
}

#[tokio::test]
async fn reads_see_what_another_process_wrote() {
    let app = spawn_app().await;
    let head = health_head(&app).await;
    // A plan is cached: the waitlist comes from it.
    let (s, text, v) = app.get("/api/waitlist", &app.planner).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let waiting = v[0]["order"].as_str().expect("someone waits").to_string();
    let plans = metric(&app, "allot_plans_total").await;

    let cli_head = cli_commit(&app.db, |_| {
        vec![book::Event::OrderCancelled {
            order: waiting.clone(),
            reason: "cli".into(),
        }]
    });
    assert_eq!(cli_head, head + 1);

    // Reads answer from the book the file holds now, not the one the server last wrote.
    assert_eq!(health_head(&app).await, cli_head);
    let (s, text, v) = app
        .get(&format!("/api/orders/{waiting}"), &app.planner)
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["status"], "cancelled", "{text}");
    // The cached plan was made for the old book: it is re-planned, once.
    for _ in 0..3 {
        let (s, text, v) = app.get("/api/waitlist", &app.planner).await;
        assert_eq!(s, StatusCode::OK, "{text}");
        assert!(
            v.as_array()
                .expect("a list")
                .iter()
                .all(|e| e["order"] != waiting.as_str()),
            "a cancelled order is not waiting: {text}"
        );
    }
    assert_eq!(metric(&app, "allot_plans_total").await, plans + 1);
    assert_eq!(metric(&app, "allot_book_head").await, cli_head);
    // The one event was folded once, not once per read.
    assert_eq!(metric(&app, "allot_book_caught_up_events_total").await, 1);

    // A customer sees the CLI's order, and its history, at once: the history it had read
    // gains one event, numbered next among its own.
    let ent_a = app.customer_token("ent-a");
    let (s, text, before) = app.get("/api/history?limit=500", &ent_a).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let seen = before["events"].as_array().expect("events").len() as u64;
    let cli_head = cli_commit(&app.db, |b| vec![cli_order(b, "cli-1")]);
    let (s, text, _) = app.get("/api/orders/cli-1", &ent_a).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let (s, text, v) = app.get(&format!("/api/history?after={seen}"), &ent_a).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["events"].as_array().expect("events").len(), 1, "{text}");
    assert_eq!(v["events"][0]["seq"], seen + 1, "{text}");
    assert!(
        v["events"][0]["what"]
            .as_str()
            .expect("what")
            .contains("cli-1"),
        "{text}"
    );
    assert_eq!(metric(&app, "allot_book_head").await, cli_head);

    // Writes are checked against it too: the API can cancel the order the CLI placed.
    let cli_head = cli_commit(&app.db, |b| vec![cli_order(b, "cli-2")]);
    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders/cli-2/cancel",
            Some(&app.planner),
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["status"], "cancelled");
    assert_eq!(health_head(&app).await, cli_head + 1);
    assert_eq!(metric(&app, "allot_book_caught_up_events_total").await, 3);
    app.stop().await;
}

#[tokio::test]
async fn a_new_key_is_never_answered_with_another_writers_order() {
    let app = spawn_app().await;
    let orders = app.all_orders().await.len();
    cli_commit(&app.db, |b| vec![cli_order(b, "x-9")]);
    let body = json!({
        "id": "x-9", "customer": "colo-a", "sku": "trn3-ultraserver", "quantity": 40,
        "earliest": "2027-04", "latest": "2027-09", "price_usd_per_unit": 300000,
    });
    let post = |body: Value| {
        let req = app
            .client
            .post(format!("http://{}/api/orders", app.addr))
            .bearer_auth(&app.planner)
            .header("Idempotency-Key", "fresh-key-1")
            .json(&body);
        async move {
            let res = req.send().await.expect("sent");
            let (status, replayed) = (
                res.status(),
                res.headers().contains_key("idempotent-replayed"),
            );
            let text = res.text().await.expect("a body");
            (status, replayed, text)
        }
    };
    for _ in 0..2 {
        let (status, replayed, text) = post(body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
        assert!(!replayed, "{text}");
        assert!(text.contains("duplicate order id"), "{text}");
    }
    // The CLI's order is as the CLI placed it.
    let (_, text, v) = app.get("/api/orders/x-9", &app.planner).await;
    assert_eq!(
        (v["customer"].as_str(), v["quantity"].as_u64()),
        (Some("ent-a"), Some(1)),
        "{text}"
    );
    // The refused request bound the key to nothing: it places another order.
    let mut other = body.clone();
    other["id"] = json!("x-10");
    let (status, replayed, text) = post(other.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    assert!(!replayed);
    let (status, replayed, text) = post(other).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(replayed);
    assert_eq!(app.all_orders().await.len(), orders + 2);
    app.stop().await;
}
