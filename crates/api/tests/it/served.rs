//! One server per book file, and a server that never writes into a book file no longer at its
//! path. (The command line's tests run the same through real processes.)

use super::*;
use std::time::Duration;

#[tokio::test]
async fn a_second_server_on_the_same_file_is_refused_until_the_first_stops() {
    let app = spawn_app().await;
    let mut config = api::Config::new(&app.db);
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let err = match api::spawn_with(config.clone()).await {
        Err(e) => e,
        Ok(_) => panic!("a second server started on a served file"),
    };
    assert!(matches!(err, api::ApiError::AlreadyServed(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("{} is already served", app.db.display())),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("pid {}", std::process::id()))
            && msg.contains(&format!("http://{}", app.addr)),
        "{msg}"
    );
    assert!(
        msg.contains(&api::lock_path(&app.db).display().to_string()),
        "{msg}"
    );

    // Stopped, the first server leaves the file to the next one.
    let db = app.db.clone();
    let _dir = app.stop().await;
    let (_, server) = api::spawn_with(config)
        .await
        .expect("starts after the first stopped");
    server.stop().await.unwrap();
    let _ = db;
}

#[tokio::test]
async fn the_writer_appends_nothing_to_a_replaced_book_file() {
    // The watcher is kept out of the way: the writer's own look before its append refuses.
    let app = spawn_app_with(|c| c.watch_interval = Duration::from_secs(3600)).await;
    let (s, text, _) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&app.planner),
            Some(new_order(Some("ent-a"))),
            Some("k-1"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{text}");

    let other_dir = tempfile::tempdir().unwrap();
    let other = demo_db(&other_dir);
    let new_bytes = std::fs::read(&other).unwrap();
    std::fs::rename(&other, &app.db).unwrap();

    let (s, text, v) = app
        .call(
            Method::POST,
            "/api/orders",
            Some(&app.planner),
            Some(new_order(Some("ent-a"))),
            Some("k-2"),
        )
        .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("was replaced by another file"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(&app.db).unwrap(),
        new_bytes,
        "the new file is untouched"
    );
    // Found by the writer, the replacement now answers every request.
    let (s, text, _) = app.call(Method::GET, "/healthz", None, None, None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    let (s, text, _) = app.get("/api/waitlist", &app.planner).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    app.stop().await;
}
