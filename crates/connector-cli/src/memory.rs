//! Large blocks go back to the system when freed. A `.c1z` is someone else's file: one of its
//! rows may hold a 30 MiB name, which is read whole, cut to 4 KiB and freed. glibc's allocator
//! raises its threshold for mapping a block of its own after each such free, so the next one
//! comes from the heap, where the 4 KiB kept of each pins the rest: 54 such names took 750 MB.
//! A fixed threshold keeps every block of 1 MiB or more mapped on its own and unmapped (or
//! shrunk in place) when freed, so memory follows what is held, not what was read.

/// Blocks of at least this many bytes are mapped on their own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 1 << 20;

/// Fixes glibc's mapping threshold (see the module); elsewhere the allocator is left as it is.
pub(crate) fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(
        unsafe_code,
        reason = "the one allocator parameter glibc takes only through mallopt; see the module docs"
    )]
    // SAFETY: `mallopt` only sets an allocator parameter; it is called once, at start, before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}
