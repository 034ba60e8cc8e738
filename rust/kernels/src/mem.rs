//! Large buffers: the memory limit checked before a kernel allocates one, fallible
//! allocation, and transparent huge pages.
//!
//! **The limit.** The buffers a kernel sizes from the data's calendar span or from its
//! parameters (a cohort matrix, activity bitmaps, per-period arrays and their per-thread
//! partial sums) are counted *before* they are allocated; above [`limit`] bytes the kernel
//! returns [`KernelError::TooLarge`] instead of asking the system for them. One
//! placeholder date (1900-01-01, 9999-12-31) or a far-off `as_of` is what usually makes a
//! span that long; the calendar's [`crate::calendar::Calendar::check_span`] names the dates.
//! Buffers sized by the number of events or customers (the copy of the input) are not
//! counted: the input already holds that much.
//!
//! **Fallible allocation.** Within the limit, [`try_zeros`] still asks the allocator
//! without aborting: a refusal is [`KernelError::OutOfMemory`], never a process abort.
//!
//! **Huge pages.** A kernel writes its large outputs and scratch columns once, right after
//! allocating them. On 4 KiB pages that costs one page fault per 4 KiB: at millions of rows
//! the faults cost about as much as the kernel's own work. Asking for 2 MiB pages
//! (`MADV_HUGEPAGE`, honoured when transparent huge pages are in `madvise` or `always`
//! mode) cuts the faults 512-fold; numpy does the same for its arrays.
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::{KernelError, Result};

/// The default limit: 2 GiB per kernel call. A 1,000,000-customer log over 3 years needs
/// at most ~300 MB in any kernel, daily periods included (10,000,000 customers about
/// 1.5 GB); one 1900-01-01 placeholder in a daily cohort matrix asks for 16 GB or more.
pub const DEFAULT_LIMIT: u64 = 2 << 30;

static LIMIT: AtomicU64 = AtomicU64::new(DEFAULT_LIMIT);

/// The most bytes one kernel call may allocate for buffers sized by the calendar span or
/// its parameters (see the module docs).
pub fn limit() -> u64 {
    LIMIT.load(Relaxed)
}

/// Sets [`limit`] for every later kernel call (process-wide).
pub fn set_limit(bytes: u64) {
    LIMIT.store(bytes, Relaxed)
}

/// `bytes` as a short human-readable size: `"115.2 GB"`, `"512 MB"`, `"64 kB"`.
pub fn human(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["bytes", "kB", "MB", "GB", "TB", "PB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} bytes")
    } else if v < 10.0 {
        format!("{v:.1} {}", UNITS[u])
    } else {
        format!("{v:.0} {}", UNITS[u])
    }
}

/// `n` values of `T` in bytes, computed without overflow.
pub fn bytes_of<T>(n: u128) -> u128 {
    n.saturating_mul(std::mem::size_of::<T>() as u128)
}

/// `Ok` when `bytes` fit within [`limit`]; else [`KernelError::TooLarge`] saying that
/// `what` (e.g. "a cohort matrix of 1,200 x 1,200 days") would take them, followed by
/// `hint` (how to make it smaller).
pub fn check(bytes: u128, what: impl FnOnce() -> String, hint: &str) -> Result<()> {
    let limit = limit();
    if bytes <= limit as u128 {
        return Ok(());
    }
    Err(KernelError::TooLarge(format!(
        "{} would take {}, more than fidelite's memory limit of {}{hint}",
        what(),
        human(bytes),
        human(limit as u128)
    )))
}

/// A number with thousands separators (`1,200`), for messages.
pub fn count(n: impl Into<u128>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Numbers whose all-zero bit pattern is the value zero (`false` for `bool`), so that a
/// zeroed allocation holds zeros.
///
/// # Safety
/// Implement only for types whose all-zero bit pattern is a valid value.
pub unsafe trait Zeroed: Copy + Default {}
// SAFETY: zero bits are 0 / 0.0 / false for each of these.
unsafe impl Zeroed for u8 {}
unsafe impl Zeroed for u32 {}
unsafe impl Zeroed for u64 {}
unsafe impl Zeroed for i32 {}
unsafe impl Zeroed for i64 {}
unsafe impl Zeroed for f64 {}
unsafe impl Zeroed for bool {}

/// `n` zeros, or [`KernelError::OutOfMemory`] when the allocator refuses (where
/// `vec![0; n]` would abort the process). The pages are the allocator's fresh zeroed ones,
/// untouched until written; on huge pages when large.
pub fn try_zeros<T: Zeroed>(n: usize) -> Result<Vec<T>> {
    let refused =
        || KernelError::OutOfMemory(format!("could not allocate {} (out of memory)", human(bytes_of::<T>(n as u128))));
    let layout = std::alloc::Layout::array::<T>(n).map_err(|_| refused())?;
    if layout.size() == 0 {
        return Ok(Vec::new());
    }
    // SAFETY: the layout has a non-zero size; a non-null pointer from `alloc_zeroed` with
    // that layout is `n` zeroed, valid `T`s (`Zeroed`), owned by the global allocator as a
    // `Vec<T>` of capacity `n` expects.
    let mut v = unsafe {
        let ptr = std::alloc::alloc_zeroed(layout) as *mut T;
        if ptr.is_null() {
            return Err(refused());
        }
        Vec::from_raw_parts(ptr, n, n)
    };
    advise(&mut v);
    Ok(v)
}

/// `n` copies of `value` (fallible, like [`try_zeros`]).
pub fn try_filled<T: Copy>(n: usize, value: T) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        KernelError::OutOfMemory(format!("could not allocate {} (out of memory)", human(bytes_of::<T>(n as u128))))
    })?;
    advise(&mut v);
    v.resize(n, value);
    Ok(v)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(human(115_176_961_152), "115 GB");
        assert_eq!(human(2_147_483_648), "2.1 GB");
        assert_eq!(human(999), "999 bytes");
        assert_eq!(count(1_234_567u64), "1,234,567");
        assert_eq!(count(12u64), "12");
        assert_eq!(bytes_of::<u64>(u128::MAX), u128::MAX);
    }

    #[test]
    fn check_names_what_and_the_limit() {
        assert!(check(10, || unreachable!(), "").is_ok());
        let e = check(u128::MAX, || "a matrix".into(), "; pass as_of=").unwrap_err();
        let KernelError::TooLarge(m) = e else { panic!("{e:?}") };
        assert!(m.starts_with("a matrix would take ") && m.contains("memory limit of 2.1 GB; pass as_of="), "{m}");
    }

    #[test]
    fn fallible_allocation_refuses_instead_of_aborting() {
        assert!(matches!(try_zeros::<u64>(usize::MAX / 4), Err(KernelError::OutOfMemory(_))));
        assert!(matches!(try_filled(usize::MAX / 2, 0u32), Err(KernelError::OutOfMemory(_))));
        // more than any machine has, yet a valid layout: the allocator says no
        assert!(matches!(try_zeros::<u8>(isize::MAX as usize - 4096), Err(KernelError::OutOfMemory(_))));
        let v = try_zeros::<f64>(3).unwrap();
        assert_eq!(v, vec![0.0; 3]);
        assert!(try_zeros::<i64>(0).unwrap().is_empty());
        assert_eq!(try_filled(2, -1i32).unwrap(), vec![-1, -1]);
    }
}
