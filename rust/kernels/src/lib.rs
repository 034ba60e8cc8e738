//! Pure kernels of fidelite.
//!
//! Every function here works on plain slices and returns owned buffers: no PyO3, no
//! numpy, so the crate is tested with `cargo test` and reusable from Rust. The events of
//! a log are rows in any order or *grouped by customer* (CSR layout: the events of
//! customer `c` are `indptr[c]..indptr[c+1]`, sorted by time); [`layout`] holds both, the
//! grouping, and the one driver that visits each customer's events in either.
//!
//! Kernels own the definitions: cohort membership ([`cohort`]), active runs ([`window`]),
//! completeness and the calendar ([`calendar`]) are computed here and nowhere else.

pub mod bitmap;
pub mod calendar;
pub mod cohort;
pub mod columns;
pub mod error;
pub mod ids;
pub mod interrupt;
pub mod layout;
pub mod lifecycle;
pub mod mem;
pub mod models;
pub mod scan;
pub mod summary;
pub mod window;

pub use error::{KernelError, Result};

// the README's example, compiled and run by `cargo test --doc`
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
pub use layout::{Events, Grouped};

/// Microseconds in one second.
pub const US_PER_SEC: i64 = 1_000_000;
/// Microseconds in one day.
pub const US_PER_DAY: i64 = 86_400 * US_PER_SEC;

/// Customers per parallel work unit. Fixed (never derived from the thread count) so that
/// partial results are reduced in the same order whatever the number of threads: sums of
/// floats are then bit-for-bit reproducible.
pub const CHUNK: usize = 8192;

/// Checks that an optional per-event column has one value per event.
pub fn check_len<T>(name: &str, col: Option<&[T]>, n: usize) -> Result<()> {
    match col {
        Some(c) if c.len() != n => {
            Err(KernelError::LengthMismatch(format!("{name} has {} values but there are {n} events", c.len())))
        }
        _ => Ok(()),
    }
}

/// Runs `f` on fixed chunks of customers in parallel and returns the partial results in
/// chunk order (deterministic reduction, see [`CHUNK`]). Once the caller asks to stop
/// ([`interrupt`]), the remaining chunks run `f` on an empty range.
pub fn par_customer_chunks<T, F>(n_customers: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(std::ops::Range<usize>) -> T + Sync + Send,
{
    use rayon::prelude::*;
    let stop = interrupt::token();
    let n_chunks = n_customers.div_ceil(CHUNK);
    (0..n_chunks).into_par_iter().map(|i| f(chunk_range(i, n_customers, &stop))).collect()
}

/// The customers of chunk `i` (none once the caller asked to stop).
fn chunk_range(i: usize, n_customers: usize, stop: &interrupt::Token) -> std::ops::Range<usize> {
    let r = i * CHUNK..((i + 1) * CHUNK).min(n_customers);
    if stop.requested() {
        r.start..r.start
    } else {
        r
    }
}

/// [`par_customer_chunks`] for partial results too large to keep one per chunk: chunks
/// run in parallel batches of at most `batch`, and `merge` receives each partial result
/// in chunk order (the same order, hence the same float sums, as reducing the whole
/// `Vec`), so that at most `batch` of them exist at once.
pub fn par_customer_fold<T, F>(n_customers: usize, batch: usize, f: F, mut merge: impl FnMut(T))
where
    T: Send,
    F: Fn(std::ops::Range<usize>) -> T + Sync + Send,
{
    use rayon::prelude::*;
    let stop = interrupt::token();
    let (n_chunks, batch) = (n_customers.div_ceil(CHUNK), batch.max(1));
    for first in (0..n_chunks).step_by(batch) {
        let parts: Vec<T> = (first..(first + batch).min(n_chunks))
            .into_par_iter()
            .map(|i| f(chunk_range(i, n_customers, &stop)))
            .collect();
        parts.into_iter().for_each(&mut merge);
    }
}

/// How many partial results of `part_bytes` each may exist at once besides one total of
/// the same size, within the memory limit: between 1 and four per thread (enough to keep
/// every thread busy). Call after checking that two fit ([`mem::check`]).
pub fn parts_in_budget(part_bytes: u128) -> usize {
    let fit = (mem::limit() as u128 / part_bytes.max(1)).saturating_sub(1);
    fit.clamp(1, 4 * rayon::current_num_threads().max(1) as u128) as usize
}

/// Scratch buffers kept per worker thread for one kernel call. `for_each_init` would
/// build new ones for every split of the work (a dozen per call and per thread), each
/// megabytes that the OS must map and zero again; here every task that runs on a thread
/// reuses that thread's.
pub(crate) struct PerThread<T, F: Fn() -> T> {
    slots: Vec<std::sync::Mutex<T>>,
    init: F,
}

impl<T, F: Fn() -> T> PerThread<T, F> {
    /// One slot per thread of the current pool, plus one for a caller outside it.
    pub(crate) fn new(init: F) -> Self {
        PerThread { slots: (0..=rayon::current_num_threads()).map(|_| std::sync::Mutex::new(init())).collect(), init }
    }

    /// Runs `f` on the calling thread's scratch (fresh scratch on a thread of another pool).
    /// `f` must not itself run rayon work: a task the thread picked up meanwhile would wait
    /// for the slot it holds.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        match self.slots.get(rayon::current_thread_index().map_or(0, |i| i + 1)) {
            // never contended: a thread runs one task at a time
            Some(slot) => f(&mut slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())),
            None => f(&mut (self.init)()),
        }
    }
}

/// The events of a grouped log as rows in a scrambled order, for tests of the row-order
/// kernels: each row's customer code and its position in the grouped layout.
#[cfg(test)]
pub(crate) fn scramble(g: &Grouped) -> (Vec<u32>, Vec<usize>) {
    let mut rows: Vec<(u64, u32, usize)> = (0..g.n_customers())
        .flat_map(|c| g.range(c).map(move |i| ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 7, c as u32, i)))
        .collect();
    rows.sort_by_key(|r| r.0);
    (rows.iter().map(|r| r.1).collect(), rows.iter().map(|r| r.2).collect())
}
