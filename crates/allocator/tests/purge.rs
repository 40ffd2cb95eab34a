//! The option `keep_freed_memory` sets is mimalloc's purge delay, checked by its effect on the
//! resident memory after a large block is freed. One test function: the option is process-wide.

use libmimalloc_sys as sys;

/// Resident memory of this process, in bytes (Linux).
fn resident() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// Allocates and touches `bytes` through mimalloc, frees them, lets mimalloc collect, and
/// returns how much of them stayed resident.
fn kept_after_free(bytes: usize) -> u64 {
    unsafe {
        let p = sys::mi_malloc(bytes) as *mut u8;
        assert!(!p.is_null());
        for i in (0..bytes).step_by(4096) {
            p.add(i).write_volatile(1);
        }
        let before = resident();
        sys::mi_free(p as *mut _);
        sys::mi_collect(true);
        // What is resident now, beyond what was resident besides the block.
        resident().saturating_sub(before.saturating_sub(bytes as u64))
    }
}

#[test]
fn purge_delay_is_the_option_named() {
    if std::env::var_os(allocator::PURGE_DELAY_ENV).is_some() {
        // The user's setting stands and the default cannot be checked.
        assert!(!allocator::keep_freed_memory());
        return;
    }
    assert_eq!(allocator::purge_delay_ms(), 1000, "mimalloc's default");
    assert!(allocator::keep_freed_memory());
    assert_eq!(allocator::purge_delay_ms(), -1);
    // A second call finds the option changed and leaves it.
    assert!(!allocator::keep_freed_memory());

    const BYTES: usize = 256 << 20;
    let kept = kept_after_free(BYTES);
    assert!(
        kept > BYTES as u64 / 2,
        "with purging off, freed memory stays resident: {kept} of {BYTES} bytes"
    );
    // Purging at once (delay 0) gives it back: the option is the purge delay.
    allocator::set_purge_delay_ms(0);
    assert_eq!(allocator::purge_delay_ms(), 0);
    let kept = kept_after_free(BYTES);
    assert!(
        kept < BYTES as u64 / 4,
        "with immediate purging, freed memory goes back to the OS: {kept} of {BYTES} bytes kept"
    );
}
