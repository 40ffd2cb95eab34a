//! API tokens: stored hashed (SHA-256) in the book's SQLite file, with a role and, for customer
//! tokens, the one customer they act for. The secret is shown once, at creation.

use crate::{now_unix_ms, ApiError};
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::Duration;

/// Prefix of every secret, so a leaked token is recognisable in logs and scanners.
const SECRET_PREFIX: &str = "allot_";

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything a planner may, plus administration.
    Admin,
    /// The vendor's staff: all orders, planning, the whole waitlist.
    Planner,
    /// One customer: its own orders, promises and waitlist entries only.
    Customer,
}

impl Role {
    /// The lowercase name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Planner => "planner",
            Role::Customer => "customer",
        }
    }
    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "admin" => Role::Admin,
            "planner" => Role::Planner,
            "customer" => Role::Customer,
            _ => return None,
        })
    }
    /// True for the vendor's own roles (admin, planner).
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Planner)
    }
}

/// A token just created: its id and the secret, which is not stored and cannot be shown again.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The token's id (for listing and revoking).
    pub id: i64,
    /// The bearer secret.
    pub secret: String,
}

/// A stored token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Id.
    pub id: i64,
    /// Role.
    pub role: Role,
    /// The customer a customer token acts for.
    pub customer: Option<String>,
    /// Creation time, ms since the Unix epoch.
    pub created_at_unix_ms: i64,
    /// Revocation time, if revoked.
    pub revoked_at_unix_ms: Option<i64>,
}

/// Who is calling: the token that authenticated the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Token id.
    pub token_id: i64,
    /// Role.
    pub role: Role,
    /// The customer a customer token acts for.
    pub customer: Option<String>,
}

impl Principal {
    /// The actor recorded on events this caller causes.
    pub fn actor(&self) -> String {
        format!("api:token:{}", self.token_id)
    }
}

const AUX_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'planner', 'customer')),
    customer TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    CHECK ((role = 'customer') = (customer IS NOT NULL))
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    order_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    event_seq INTEGER,
    event_sha256 TEXT,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
";

/// Columns added to `idempotency_keys` after its first release: the log position the key's
/// order event was to take and a hash of that event, so a key binds only its own event. Rows
/// written before have neither.
const KEY_COLUMNS_ADDED: [(&str, &str); 2] = [("event_seq", "INTEGER"), ("event_sha256", "TEXT")];

/// Opens a second connection to an existing book file and makes sure the API's tables exist
/// (adding columns an older version's tables lack). The event store must already have been
/// created in the file (it refuses foreign tables).
pub(crate) fn open_aux(path: &Path) -> Result<Connection, ApiError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // One write transaction, so two processes opening an old file at once do not both alter it.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(AUX_SCHEMA)?;
    let columns: Vec<String> = {
        let mut st = tx.prepare("SELECT name FROM pragma_table_info('idempotency_keys')")?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for (name, ty) in KEY_COLUMNS_ADDED {
        if !columns.iter().any(|c| c == name) {
            tx.execute_batch(&format!(
                "ALTER TABLE idempotency_keys ADD COLUMN {name} {ty}"
            ))?;
        }
    }
    tx.commit()?;
    Ok(conn)
}

/// Hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Creates a token for `role` (customer tokens name their `customer`, which must be in the book)
/// and returns its secret, which is stored only as a hash.
pub fn create_token(db: &Path, role: Role, customer: Option<&str>) -> Result<NewToken, ApiError> {
    let (_, book, _) = crate::state::load_book(db)?;
    match (role, customer) {
        (Role::Customer, None) => {
            return Err(ApiError::BadRequest(
                "a customer token needs the customer it acts for".into(),
            ))
        }
        (Role::Customer, Some(c)) if book.customer_idx(c).is_none() => {
            return Err(ApiError::NotFound(format!("no customer {c:?} in the book")))
        }
        (Role::Admin | Role::Planner, Some(_)) => {
            return Err(ApiError::BadRequest(format!(
                "{} tokens act for the vendor, not for one customer",
                role.as_str()
            )))
        }
        _ => {}
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let mut secret = String::from(SECRET_PREFIX);
    for b in bytes {
        secret.push_str(&format!("{b:02x}"));
    }
    let conn = open_aux(db)?;
    conn.execute(
        "INSERT INTO tokens (hash, role, customer, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            sha256_hex(secret.as_bytes()),
            role.as_str(),
            customer,
            now_unix_ms()
        ],
    )?;
    Ok(NewToken {
        id: conn.last_insert_rowid(),
        secret,
    })
}

fn row_info(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenInfo> {
    let role: String = r.get(1)?;
    Ok(TokenInfo {
        id: r.get(0)?,
        // The CHECK constraint keeps other values out.
        role: Role::parse(&role).unwrap_or(Role::Customer),
        customer: r.get(2)?,
        created_at_unix_ms: r.get(3)?,
        revoked_at_unix_ms: r.get(4)?,
    })
}

/// Every token (revoked ones too), oldest first.
pub fn list_tokens(db: &Path) -> Result<Vec<TokenInfo>, ApiError> {
    crate::state::require_book_file(db)?;
    let conn = open_aux(db)?;
    let mut st =
        conn.prepare("SELECT id, role, customer, created_at, revoked_at FROM tokens ORDER BY id")?;
    let rows = st.query_map([], row_info)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes token `id`. Returns false if there is no such token or it was already revoked.
pub fn revoke_token(db: &Path, id: i64) -> Result<bool, ApiError> {
    crate::state::require_book_file(db)?;
    let conn = open_aux(db)?;
    let n = conn.execute(
        "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now_unix_ms()],
    )?;
    Ok(n == 1)
}

/// Looks up a bearer secret; None if unknown or revoked.
pub(crate) fn authenticate(conn: &Connection, secret: &str) -> Result<Option<Principal>, ApiError> {
    if !secret.starts_with(SECRET_PREFIX) {
        return Ok(None);
    }
    let mut st = conn.prepare_cached(
        "SELECT id, role, customer, created_at, revoked_at FROM tokens WHERE hash = ?1",
    )?;
    let info = st
        .query_row([sha256_hex(secret.as_bytes())], row_info)
        .optional()?;
    Ok(info
        .filter(|t| t.revoked_at_unix_ms.is_none())
        .map(|t| Principal {
            token_id: t.id,
            role: t.role,
            customer: t.customer,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_key_table_gains_the_event_columns_and_keeps_its_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("book.db");
        store::SqliteStore::open(&path, store::SqliteOptions::default()).expect("a store");
        Connection::open(&path)
            .expect("open")
            .execute_batch(
                "CREATE TABLE idempotency_keys (
                     scope TEXT NOT NULL, key TEXT NOT NULL, request_sha256 TEXT NOT NULL,
                     order_id TEXT NOT NULL, created_at INTEGER NOT NULL,
                     PRIMARY KEY (scope, key)
                 ) WITHOUT ROWID;
                 INSERT INTO idempotency_keys VALUES ('staff', 'k', 'h', 'o-1', 1);",
            )
            .expect("the old table");
        open_aux(&path).expect("migrates");
        let conn = open_aux(&path).expect("opens a migrated file");
        let row: (String, Option<i64>, Option<String>) = conn
            .query_row(
                "SELECT order_id, event_seq, event_sha256 FROM idempotency_keys",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("the row");
        assert_eq!(row, ("o-1".to_string(), None, None));
    }
}
