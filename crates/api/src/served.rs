//! One server per book file, and a server only ever serving the file it opened.
//!
//! * [`ServeLock`]: an advisory lock (`flock`) on a sidecar file, `<book>.serve.lock`, taken
//!   before the book is opened and held until the server stops. A second server on the same file
//!   finds it held and refuses to start, naming the pid and address the first one recorded in
//!   the lock file. The kernel releases the lock when its process dies, even by `kill -9`, so a
//!   crashed server never blocks the next; the lock file itself stays (it is only a name to lock).
//!   The CLI's other commands do not take it. The sidecar, not the book file, is locked: SQLite
//!   locks the book file itself (and on some systems `flock` and SQLite's `fcntl` locks meet).
//! * [`BookFile`]: the (device, inode) of the book file as opened. A watcher compares it with
//!   what the path names now every `Config::watch_interval` (250 ms), and the writer before every append; once
//!   the path names another file or none (the book was replaced or deleted under the server), the
//!   server answers every API request and `/healthz` with 503 and a message saying so, and writes
//!   nothing, until it is restarted. The per-request cost is one atomic load.

use crate::ApiError;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The sidecar lock file of the book at `db`: `<db>.serve.lock`.
pub fn lock_path(db: &Path) -> PathBuf {
    // Through symbolic links, so two names of one file share one lock.
    let db = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
    let mut p = db.into_os_string();
    p.push(".serve.lock");
    PathBuf::from(p)
}

/// The lock a running server holds on its book file (released when dropped or when the
/// process ends).
pub(crate) struct ServeLock {
    file: File,
}

impl ServeLock {
    /// Takes the lock for the book at `db`, or says who holds it. Writes nothing to the book.
    pub fn acquire(db: &Path) -> Result<ServeLock, ApiError> {
        let path = lock_path(db);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| {
                ApiError::Internal(format!("cannot open the lock file {}: {e}", path.display()))
            })?;
        if !try_lock(&file)
            .map_err(|e| ApiError::Internal(format!("cannot lock {}: {e}", path.display())))?
        {
            return Err(ApiError::AlreadyServed(format!(
                "{} is already served by {}; stop that server first, or serve another file \
                 (lock file: {})",
                db.display(),
                holder(&mut file),
                path.display()
            )));
        }
        Ok(ServeLock { file })
    }

    /// Records this server's pid and address in the lock file, for the message a second server
    /// shows. Best effort: the lock, not this text, is what keeps a second server out.
    pub fn record(&mut self, addr: std::net::SocketAddr) {
        let line = format!("pid {}, http://{addr}\n", std::process::id());
        let written = self
            .file
            .set_len(0)
            .and_then(|()| self.file.rewind())
            .and_then(|()| self.file.write_all(line.as_bytes()));
        if let Err(e) = written {
            tracing::warn!(error = %e, "could not record the pid and address in the lock file");
        }
    }

    /// Clears the recorded pid and address and releases the lock (at a clean stop).
    pub fn release(self) {
        let _ = self.file.set_len(0);
    }
}

/// Who holds the lock, as recorded in the lock file.
fn holder(file: &mut File) -> String {
    let mut recorded = String::new();
    let _ = file.read_to_string(&mut recorded);
    match recorded.trim() {
        "" => "another `allot serve` (still starting)".to_string(),
        r => format!("another `allot serve` ({r})"),
    }
}

/// If a server holds the book at `db`, who (for commands that would replace the file under
/// it). Creates nothing; a lock file that cannot be opened or locked counts as not held.
pub fn served_by(db: &Path) -> Option<String> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(lock_path(db))
        .ok()?;
    match try_lock(&file) {
        Ok(false) => Some(holder(&mut file)),
        // Taken: released when `file` is closed here.
        _ => None,
    }
}

#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this `File` owns; no memory is passed.
    let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(e)
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<bool> {
    // No advisory lock here: two servers are not kept apart on this platform.
    Ok(true)
}

/// A file's identity: (device, inode) on Unix.
type FileId = (u64, u64);

fn file_id(path: &Path) -> std::io::Result<Option<FileId>> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(Some(id_of(&m))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn id_of(m: &std::fs::Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn id_of(_m: &std::fs::Metadata) -> FileId {
    (0, 0)
}

/// The book file the server opened, and whether its path still names it.
pub(crate) struct BookFile {
    path: PathBuf,
    id: FileId,
    /// Set once the path is found to name another file or none; never cleared.
    gone: OnceLock<String>,
}

impl BookFile {
    /// The file `path` names now (call before opening it).
    pub fn at(path: &Path) -> Result<BookFile, ApiError> {
        let id = file_id(path)?.ok_or_else(|| {
            ApiError::NotFound(format!(
                "no book at {} (create one with `allot demo` or `allot init <scenario>`)",
                path.display()
            ))
        })?;
        Ok(BookFile {
            path: path.to_path_buf(),
            id,
            gone: OnceLock::new(),
        })
    }

    /// Fails if the file was found replaced or deleted (no system call: one atomic load).
    pub fn flagged(&self) -> Result<(), ApiError> {
        match self.gone.get() {
            Some(msg) => Err(ApiError::Replaced(msg.clone())),
            None => Ok(()),
        }
    }

    /// Looks at what the path names now (one `stat`) and fails, flagging it for good, if it is
    /// not the file opened. A path that cannot be looked at for another reason (permissions) is
    /// logged and not flagged.
    pub fn check(&self) -> Result<(), ApiError> {
        self.flagged()?;
        let now = match file_id(&self.path) {
            Ok(now) => now,
            Err(e) => {
                tracing::warn!(db = %self.path.display(), error = %e, "cannot look at the book file");
                return Ok(());
            }
        };
        if now == Some(self.id) {
            return Ok(());
        }
        let what = if now.is_none() {
            "deleted"
        } else {
            "replaced by another file"
        };
        let msg = format!(
            "the book file {} was {what} after this server opened it; this server no longer \
             serves it and writes nothing: restart `allot serve` to serve the file now there",
            self.path.display()
        );
        if self.gone.set(msg.clone()).is_ok() {
            tracing::error!(db = %self.path.display(), "{msg}");
        }
        Err(ApiError::Replaced(msg))
    }
}
