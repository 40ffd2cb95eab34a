//! The allocator allot's binaries ship with: mimalloc, configured to keep the memory a plan frees
//! for the next plan.
//!
//! A plan of a large book allocates and frees arrays of hundreds of megabytes. By default
//! mimalloc gives freed memory back to the OS after a delay of one second, so a later plan in the
//! same process (the API server re-planning after every change, a warm re-plan after a cold one)
//! faults fresh pages in again, and the kernel zeroes each one. [`keep_freed_memory`] turns that
//! off: freed memory stays mapped and is reused. The peak resident memory does not change (a
//! re-plan holds the old plan and the new one at once either way); what changes is that the
//! memory of a finished re-plan stays resident for the next one.
//!
//! Every binary declares the allocator and calls [`keep_freed_memory`] first thing:
//!
//! ```no_run
//! #[global_allocator]
//! static GLOBAL: allocator::MiMalloc = allocator::MiMalloc;
//!
//! fn main() {
//!     allocator::keep_freed_memory();
//! }
//! ```
#![deny(missing_docs)]

pub use mimalloc::MiMalloc;

use libmimalloc_sys as sys;

/// `mi_option_purge_delay`: its index in mimalloc v3's `mi_option_t` (`include/mimalloc.h`);
/// `libmimalloc-sys` names no constant for it. The `purge_delay_is_the_option_named` test
/// checks the index by its effect.
pub(crate) const PURGE_DELAY: sys::mi_option_t = 15;

/// mimalloc v3's default purge delay (ms), by which [`keep_freed_memory`] recognises the option.
const DEFAULT_PURGE_DELAY_MS: std::os::raw::c_long = 1000;

/// The environment variable by which mimalloc reads the purge delay; when it is set, the
/// user's value stands.
pub const PURGE_DELAY_ENV: &str = "MIMALLOC_PURGE_DELAY";

/// Keeps freed memory mapped for reuse instead of returning it to the OS (mimalloc's purge delay
/// set to "never"). Returns whether it did: not when [`PURGE_DELAY_ENV`] is set (the user's
/// value stands), nor when the option does not hold mimalloc's default (another mimalloc
/// version, whose options may be numbered differently: nothing is changed then).
pub fn keep_freed_memory() -> bool {
    if std::env::var_os(PURGE_DELAY_ENV).is_some() {
        return false;
    }
    // SAFETY: reading and setting a mimalloc option has no preconditions; options are plain
    // values read by the allocator whenever it considers purging.
    unsafe {
        if sys::mi_option_get(PURGE_DELAY) != DEFAULT_PURGE_DELAY_MS {
            return false;
        }
        sys::mi_option_set(PURGE_DELAY, -1);
    }
    true
}

/// Sets the purge delay (ms; 0: at once, -1: never). For tests and tools; binaries call
/// [`keep_freed_memory`].
pub fn set_purge_delay_ms(ms: i64) {
    // SAFETY: see `keep_freed_memory`.
    unsafe { sys::mi_option_set(PURGE_DELAY, ms as std::os::raw::c_long) }
}

/// The purge delay in force (ms; -1: never).
pub fn purge_delay_ms() -> i64 {
    // SAFETY: see `keep_freed_memory`.
    unsafe { sys::mi_option_get(PURGE_DELAY) as i64 }
}
