//! The CSR layout: events grouped by customer code, sorted by time within a customer.
use rayon::prelude::*;

use crate::{KernelError, Result};

/// `indptr` (n_customers + 1 offsets), `perm` (grouped position -> input row) and the
/// timestamps in grouped order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub indptr: Vec<i64>,
    pub perm: Vec<u32>,
    pub ts: Vec<i64>,
}

/// Groups rows by customer code (counting sort) and sorts each customer's run by time;
/// rows with equal time keep their input order, so the layout is fully determined by
/// the input.
///
/// ```
/// let l = fidelite_kernels::group::group_by_customer(&[1, 0, 1], &[5, 7, 2], 2).unwrap();
/// assert_eq!(l.indptr, vec![0, 1, 3]);
/// assert_eq!(l.perm, vec![1, 2, 0]);
/// assert_eq!(l.ts, vec![7, 2, 5]);
/// ```
pub fn group_by_customer(codes: &[u32], ts: &[i64], n_customers: usize) -> Result<Layout> {
    if codes.len() != ts.len() {
        return Err(KernelError::LengthMismatch(format!(
            "{} customer codes but {} timestamps",
            codes.len(),
            ts.len()
        )));
    }
    let mut indptr = vec![0i64; n_customers + 1];
    for &c in codes {
        let c = c as usize;
        if c >= n_customers {
            return Err(KernelError::OutOfRange(format!("customer code {c} >= {n_customers} customers")));
        }
        indptr[c + 1] += 1;
    }
    for i in 0..n_customers {
        indptr[i + 1] += indptr[i];
    }
    let mut next: Vec<i64> = indptr[..n_customers].to_vec();
    let mut pairs = vec![(0i64, 0u32); codes.len()];
    for (i, (&c, &t)) in codes.iter().zip(ts).enumerate() {
        let slot = &mut next[c as usize];
        pairs[*slot as usize] = (t, i as u32);
        *slot += 1;
    }
    drop(next);
    // Split the pairs at customer boundaries into fixed chunks and sort runs in parallel.
    let mut pieces: Vec<(&mut [(i64, u32)], &[i64])> = Vec::new();
    let mut rest: &mut [(i64, u32)] = &mut pairs;
    let mut start = 0usize;
    while start < n_customers {
        let end = (start + crate::CHUNK).min(n_customers);
        let len = (indptr[end] - indptr[start]) as usize;
        let (head, tail) = rest.split_at_mut(len);
        pieces.push((head, &indptr[start..=end]));
        rest = tail;
        start = end;
    }
    pieces.into_par_iter().for_each(|(slice, ptr)| {
        let base = ptr[0];
        for w in ptr.windows(2) {
            let run = &mut slice[(w[0] - base) as usize..(w[1] - base) as usize];
            if run.windows(2).any(|p| p[1].0 < p[0].0) {
                run.sort_unstable(); // (time, input row): ties keep input order
            }
        }
    });
    let (ts, perm) = pairs.into_iter().unzip();
    Ok(Layout { indptr, perm, ts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_sorts_with_stable_ties() {
        let codes = [2u32, 0, 2, 2, 0];
        let ts = [5i64, 9, 1, 5, -3];
        let l = group_by_customer(&codes, &ts, 4).unwrap();
        assert_eq!(l.indptr, vec![0, 2, 2, 5, 5]);
        assert_eq!(l.ts, vec![-3, 9, 1, 5, 5]);
        assert_eq!(l.perm, vec![4, 1, 2, 0, 3]);
    }

    #[test]
    fn rejects_bad_codes_and_lengths() {
        assert!(group_by_customer(&[3], &[0], 2).is_err());
        assert!(group_by_customer(&[0, 0], &[0], 2).is_err());
    }
}
