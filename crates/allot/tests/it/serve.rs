//! `allot serve` and its book file: one server per file (a second one is refused, a killed one
//! blocks nothing), and a server whose book file is replaced or deleted answers 503 and writes
//! nothing. Real processes; waits poll with a deadline.

use crate::cli::{order_add, Env};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(60);

/// A running `allot serve` and what it has logged so far.
struct Server {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn kill(mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_command(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_allot"));
    c.args(["serve", "--addr", "127.0.0.1:0", "--now", "2026-12"])
        .env("ALLOT_DB", db)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Starts `allot serve` on `db` and waits until it says where it listens.
fn start(db: &Path) -> Server {
    let mut child = serve_command(db).spawn().expect("spawn allot serve");
    let stderr = child.stderr.take().expect("stderr");
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(at) = line.split("on http://").nth(1) {
                let _ = tx.send(at.trim().to_string());
            }
            let mut l = sink.lock().unwrap();
            l.push_str(&line);
            l.push('\n');
        }
    });
    let addr = rx
        .recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("the server did not start:\n{}", log.lock().unwrap()));
    Server { child, addr, log }
}

/// One HTTP/1.1 request; the status and the body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let body = body.unwrap_or("");
    req.push_str(&format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    s.write_all(req.as_bytes()).expect("send");
    let mut res = String::new();
    s.read_to_string(&mut res).expect("read the answer");
    let status = res
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {res:?}"));
    let body = res.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

/// Polls `/healthz` until it answers `status` (or the deadline passes); the last body.
fn health_until(addr: &str, status: u16) -> String {
    let started = Instant::now();
    loop {
        let (s, body) = http(addr, "GET", "/healthz", None, None);
        if s == status {
            return body;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "/healthz still answers {s} {body}, not {status}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The book's last event as the server has it (`/healthz` tells nobody that: staff read it
/// from `/metrics`, which catches up with the file first, like every request).
fn head(addr: &str, token: &str) -> u64 {
    health_until(addr, 200);
    let (s, body) = http(addr, "GET", "/metrics", Some(token), None);
    assert_eq!(s, 200, "{body}");
    body.lines()
        .find_map(|l| l.strip_prefix("allot_book_head "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no allot_book_head in {body}"))
}

/// Runs a command that should exit by itself, killing it if it is still running at the deadline.
fn exits(mut c: Command) -> (ExitStatus, String) {
    let mut child = c.spawn().expect("spawn");
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("the command did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read stderr");
    (status, err)
}

/// The bytes of the book file and its write-ahead log.
fn file_bytes(db: &Path) -> (Vec<u8>, Vec<u8>) {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    (
        std::fs::read(db).expect("read the book file"),
        std::fs::read(&wal).unwrap_or_default(),
    )
}

fn planner_token(env: &Env) -> String {
    let out = env.ok(&["token", "create", "--role", "planner"]);
    out.lines().last().expect("the secret").trim().to_string()
}

#[test]
fn a_second_server_on_a_served_file_is_refused_and_a_killed_one_blocks_nothing() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let token = planner_token(&env);
    let first = start(&env.db());
    let head_before = head(&first.addr, &token);

    let before = file_bytes(&env.db());
    let (status, err) = exits(serve_command(&env.db()));
    assert!(!status.success(), "the second server must not start: {err}");
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{} is already served", env.db().display())),
        "the message names the file: {err}"
    );
    assert!(
        err.contains(&format!("pid {}", first.child.id())) && err.contains(&first.addr),
        "the message names the other server's pid and address: {err}"
    );
    assert_eq!(
        file_bytes(&env.db()),
        before,
        "the refused server wrote nothing"
    );
    // The first one goes on serving, and the CLI still writes beside it.
    env.ok(&order_add("s-1", &[]));
    assert_eq!(head(&first.addr, &token), head_before + 1);
    // But replacing the served book is refused.
    let before = file_bytes(&env.db());
    let out = env.run(&["demo", "--force", "--now", "2026-12"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("is served by") && err.contains(&format!("pid {}", first.child.id())),
        "{err}"
    );
    assert_eq!(
        file_bytes(&env.db()),
        before,
        "the served book was not replaced"
    );

    // Killed (SIGKILL, no clean-up), it leaves the lock to the next server.
    first.kill();
    let second = start(&env.db());
    assert_eq!(head(&second.addr, &token), head_before + 1);
}

#[test]
fn a_server_whose_book_file_is_replaced_answers_503_and_writes_nothing() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let token = planner_token(&env);
    let server = start(&env.db());
    assert_eq!(
        http(&server.addr, "GET", "/api/waitlist", Some(&token), None).0,
        200
    );

    // Another book, moved into the served book's place.
    let other = env.dir.path().join("other.db");
    let out = Command::new(env!("CARGO_BIN_EXE_allot"))
        .args(["init", "../../docs/examples/scenario.toml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("ALLOT_DB", &other)
        .output()
        .expect("run allot init");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new_bytes = std::fs::read(&other).expect("the new book");
    std::fs::rename(&other, env.db()).expect("replace the book file");

    let body = health_until(&server.addr, 503);
    assert!(
        body.contains("was replaced by another file") && body.contains("restart `allot serve`"),
        "{body}"
    );
    let order = r#"{"customer":"ent-a","sku":"trn2-server","quantity":1,"earliest":"2027-03","latest":"2027-08","price_usd_per_unit":900000}"#;
    let (s, body) = http(
        &server.addr,
        "POST",
        "/api/orders",
        Some(&token),
        Some(order),
    );
    assert_eq!(s, 503, "{body}");
    assert!(body.contains("was replaced"), "{body}");
    assert_eq!(
        std::fs::read(env.db()).unwrap(),
        new_bytes,
        "nothing written to the new file"
    );
    assert!(
        server
            .log
            .lock()
            .unwrap()
            .contains("was replaced by another file"),
        "logged: {}",
        server.log.lock().unwrap()
    );

    // Restarted, a server serves the file now there.
    server.kill();
    let server = start(&env.db());
    health_until(&server.addr, 200);
}

#[test]
fn a_server_whose_book_file_is_deleted_answers_503_and_creates_nothing() {
    let env = Env::new();
    env.ok(&["demo", "--now", "2026-12"]);
    let server = start(&env.db());
    health_until(&server.addr, 200);
    std::fs::remove_file(env.db()).expect("delete the book file");
    let body = health_until(&server.addr, 503);
    assert!(body.contains("was deleted"), "{body}");
    assert!(
        !env.db().exists(),
        "the server did not create a new book file"
    );
}
