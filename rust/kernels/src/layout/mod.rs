//! The events of a log and the ways kernels walk them.
//!
//! Events come in one of two layouts ([`Events`]): rows in any order (a customer code and
//! an instant per row), or grouped by customer ([`Grouped`], CSR: `indptr[c]..indptr[c + 1]`
//! are the events of customer `c`, sorted by time). [`group`] builds the grouped layout;
//! [`partitions`] holds the two cache-friendly passes it is made of (deal rows into
//! partitions of customers, sort a partition in cache); [`visit`] is the one driver of the
//! kernels that read each customer once: it hands every customer's events (or its distinct
//! days) to a kernel whichever layout they are in, without grouping the whole log first.
pub mod group;
pub mod partitions;
pub mod visit;

use crate::{KernelError, Result};

/// The CSR view of an event log: events grouped by customer, sorted by time within one.
#[derive(Clone, Copy, Debug)]
pub struct Grouped<'a> {
    /// `n_customers + 1` offsets into the event arrays.
    pub indptr: &'a [i64],
    /// Event instants, microseconds since the Unix epoch (UTC).
    pub ts: &'a [i64],
}

impl<'a> Grouped<'a> {
    /// Checks the invariants once, so kernels can index without surprises.
    pub fn new(indptr: &'a [i64], ts: &'a [i64]) -> Result<Self> {
        if indptr.is_empty() {
            return Err(KernelError::InvalidParameter("indptr must hold at least one offset".into()));
        }
        if indptr[0] != 0 || *indptr.last().unwrap() as usize != ts.len() {
            return Err(KernelError::LengthMismatch(format!(
                "indptr spans 0..{} but there are {} events",
                indptr.last().unwrap(),
                ts.len()
            )));
        }
        if indptr.windows(2).any(|w| w[1] < w[0]) {
            return Err(KernelError::InvalidParameter("indptr must be non-decreasing".into()));
        }
        Ok(Self { indptr, ts })
    }

    pub fn n_customers(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Event index range of customer `c`.
    #[inline]
    pub fn range(&self, c: usize) -> std::ops::Range<usize> {
        self.indptr[c] as usize..self.indptr[c + 1] as usize
    }
}

/// Where the events come from: rows in any order, or the grouped layout. Per-event
/// columns a kernel reads besides the instants (masks, amounts) follow the same order.
#[derive(Debug, Clone, Copy)]
pub enum Events<'a> {
    Rows { codes: &'a [u32], ts: &'a [i64] },
    Grouped(Grouped<'a>),
}

impl Events<'_> {
    /// Number of events.
    pub fn len(&self) -> usize {
        match self {
            Events::Rows { ts, .. } => ts.len(),
            Events::Grouped(g) => g.ts.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The instants, in the events' order.
    pub fn ts(&self) -> &[i64] {
        match self {
            Events::Rows { ts, .. } => ts,
            Events::Grouped(g) => g.ts,
        }
    }

    /// Checks the layout against `n_customers` (and, for rows, that codes and instants align).
    pub fn check(&self, n_customers: usize) -> Result<()> {
        match self {
            Events::Rows { codes, ts } if codes.len() != ts.len() => {
                Err(KernelError::LengthMismatch(format!("{} customer codes but {} timestamps", codes.len(), ts.len())))
            }
            Events::Grouped(g) if g.n_customers() != n_customers => Err(KernelError::LengthMismatch(format!(
                "{} customers in the layout, {n_customers} expected",
                g.n_customers()
            ))),
            _ => Ok(()),
        }
    }

    /// The earliest instant at or before `as_of` (None when there is none).
    pub fn first_instant(&self, as_of: i64) -> Option<i64> {
        use rayon::prelude::*;
        match self {
            Events::Grouped(g) => crate::par_customer_chunks(g.n_customers(), |r| {
                r.filter(|&c| g.indptr[c + 1] > g.indptr[c])
                    .map(|c| g.ts[g.indptr[c] as usize])
                    .filter(|&t| t <= as_of)
                    .min()
            })
            .into_iter()
            .flatten()
            .min(),
            Events::Rows { ts, .. } => {
                ts.par_chunks(1 << 16).filter_map(|c| c.iter().filter(|&&t| t <= as_of).min().copied()).min()
            }
        }
    }
}
