//! Large buffers on transparent huge pages, where Linux offers them.
//!
//! A kernel writes its large outputs and scratch columns once, right after allocating
//! them. On 4 KiB pages that costs one page fault per 4 KiB: at millions of rows the
//! faults cost about as much as the kernel's own work. Asking for 2 MiB pages
//! (`MADV_HUGEPAGE`, honoured when transparent huge pages are in `madvise` or `always`
//! mode) cuts the faults 512-fold; numpy does the same for its arrays.

/// Buffers smaller than this keep normal pages.
const HUGE_MIN_BYTES: usize = 8 << 20;

/// A hint to back `v`'s untouched capacity with huge pages (no effect on its contents,
/// nor off Linux).
fn advise<T>(v: &mut Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let bytes = v.capacity() * std::mem::size_of::<T>();
        if bytes < HUGE_MIN_BYTES {
            return;
        }
        let start = v.as_mut_ptr() as usize;
        let (lo, hi) = (start.next_multiple_of(HUGE), (start + bytes) / HUGE * HUGE);
        // SAFETY: the range lies within the vector's own allocation; MADV_HUGEPAGE only
        // changes how its pages are backed, never their contents.
        unsafe { libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

/// An empty vector with room for `n` values, on huge pages when large.
pub fn with_capacity<T>(n: usize) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    advise(&mut v);
    v
}

/// `n` default values, on huge pages when large. For numbers (default all zero bits) the
/// allocator hands over fresh zeroed pages, untouched until the caller writes them.
pub fn zeros<T: Copy + Default>(n: usize) -> Vec<T> {
    let mut v = vec![T::default(); n];
    advise(&mut v);
    v
}
