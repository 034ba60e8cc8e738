//! Lifecycle per period: new, returning, resurrected and dormant customers.
use crate::bitmap::{for_each_bit, Bitmaps};
use crate::calendar::Calendar;
use crate::mem::{bytes_of, count};
use crate::{check_len, par_customer_chunks, par_customer_fold, parts_in_budget, Grouped, Result};

/// Counts per period, from `first_period` to the period of `as_of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    pub first_period: i64,
    pub new: Vec<i64>,
    pub returning: Vec<i64>,
    pub resurrected: Vec<i64>,
    pub dormant: Vec<i64>,
    /// The period had fully elapsed at `as_of`.
    pub complete: Vec<bool>,
}

impl Lifecycle {
    fn empty(first_period: i64) -> Self {
        Lifecycle {
            first_period,
            new: vec![],
            returning: vec![],
            resurrected: vec![],
            dormant: vec![],
            complete: vec![],
        }
    }
}

/// Walks each customer's distinct active periods (events passing `mask`, at or before
/// `as_of`) over its whole history:
/// - new: the customer's first active period;
/// - returning: active in `p` and in `p - 1`;
/// - resurrected: active in `p`, not in `p - 1`, active before;
/// - dormant: active in `p - 1`, not in `p`.
///
/// Periods run from the first active period (or `origin`, when given: the axis of a
/// partition that must line up with others) to the period of `as_of`.
pub fn lifecycle(
    g: &Grouped,
    cal: &Calendar,
    mask: Option<&[bool]>,
    as_of: i64,
    origin: Option<i64>,
) -> Result<Lifecycle> {
    check_len("mask", mask, g.ts.len())?;
    cal.check_origin(origin)?;
    let active = |i: usize| g.ts[i] <= as_of && mask.is_none_or(|m| m[i]);
    let p_hi = cal.period_of(as_of);
    let p_lo = origin.or_else(|| {
        par_customer_chunks(g.n_customers(), |r| {
            r.filter_map(|c| g.range(c).find(|&i| active(i)).map(|i| cal.period_of(g.ts[i]))).min()
        })
        .into_iter()
        .flatten()
        .min()
    });
    let Some(p_lo) = p_lo.filter(|&p| p <= p_hi) else {
        return Ok(Lifecycle::empty(p_hi));
    };
    let n = (p_hi - p_lo + 1) as u128;
    let what = || format!("a lifecycle of {} {}s", count(n), cal.period.name());
    cal.check_span(what, 2 * bytes_of::<[i64; 4]>(n) + bytes_of::<bool>(n), p_lo, as_of)?;
    let n = n as usize;
    let total = sum_states(g.n_customers(), n, |r| {
        let mut out = [vec![0i64; n], vec![0i64; n], vec![0i64; n], vec![0i64; n]];
        let [new, returning, resurrected, dormant] = &mut out;
        for c in r {
            let mut prev: Option<i64> = None;
            for i in g.range(c) {
                let t = g.ts[i];
                if t > as_of {
                    break;
                }
                if mask.is_some_and(|m| !m[i]) {
                    continue;
                }
                let p = cal.period_of(t);
                if p < p_lo {
                    continue; // before the origin
                }
                match prev {
                    Some(q) if p <= q => continue,
                    None => new[(p - p_lo) as usize] += 1,
                    Some(q) if p == q + 1 => returning[(p - p_lo) as usize] += 1,
                    Some(q) => {
                        resurrected[(p - p_lo) as usize] += 1;
                        dormant[(q + 1 - p_lo) as usize] += 1;
                    }
                }
                prev = Some(p);
            }
            if let Some(q) = prev {
                if q < p_hi {
                    dormant[(q + 1 - p_lo) as usize] += 1;
                }
            }
        }
        out
    });
    let [new, returning, resurrected, dormant] = total;
    Ok(Lifecycle { first_period: p_lo, new, returning, resurrected, dormant, complete: cal.complete(p_lo, n, as_of) })
}

/// The four state counts over `n` periods, summed over the chunks of customers (at most
/// [`parts_in_budget`] partial sums at once).
fn sum_states(
    n_customers: usize,
    n: usize,
    chunk: impl Fn(std::ops::Range<usize>) -> [Vec<i64>; 4] + Sync + Send,
) -> [Vec<i64>; 4] {
    let mut total = [vec![0i64; n], vec![0i64; n], vec![0i64; n], vec![0i64; n]];
    par_customer_fold(n_customers, parts_in_budget(bytes_of::<[i64; 4]>(n as u128)), chunk, |part| {
        for (t, p) in total.iter_mut().zip(part) {
            t.iter_mut().zip(p).for_each(|(a, b)| *a += b);
        }
    });
    total
}

/// The same lifecycle from active-period bitmaps (one bit per period up to `as_of`); with
/// `origin`, periods start at the bitmaps' first period instead of the first active one.
pub fn lifecycle_bitmaps(b: &Bitmaps<'_>, cal: &Calendar, as_of: i64, origin: bool) -> Lifecycle {
    let n = b.n_periods;
    let total = sum_states(b.n_customers(), n, |r| {
        let mut out = [vec![0i64; n], vec![0i64; n], vec![0i64; n], vec![0i64; n]];
        let [new, returning, resurrected, dormant] = &mut out;
        for c in r {
            let mut prev: Option<usize> = None;
            for_each_bit(b.row(c), 0, |p| {
                match prev {
                    None => new[p] += 1,
                    Some(q) if p == q + 1 => returning[p] += 1,
                    Some(q) => {
                        resurrected[p] += 1;
                        dormant[q + 1] += 1;
                    }
                }
                prev = Some(p);
            });
            if let Some(q) = prev {
                if q + 1 < n {
                    dormant[q + 1] += 1;
                }
            }
        }
        out
    });
    // periods start at the first one anybody was active in
    let skip = if origin { Some(0).filter(|_| n > 0) } else { total[0].iter().position(|&x| x > 0) };
    let Some(skip) = skip else {
        return Lifecycle::empty(b.p_lo + n as i64 - 1);
    };
    let [new, returning, resurrected, dormant] = total.map(|v| v[skip..].to_vec());
    let first_period = b.p_lo + skip as i64;
    let complete = cal.complete(first_period, new.len(), as_of);
    Lifecycle { first_period, new, returning, resurrected, dormant, complete }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Period;
    use crate::US_PER_DAY;

    #[test]
    fn states() {
        let d = US_PER_DAY;
        // customer 0: days 0, 1, 3; customer 1: day 1
        let indptr = [0i64, 3, 4];
        let ts = [0, d, 3 * d, d + 5];
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = Calendar::new("UTC", Period::Day, 0, 5 * d).unwrap();
        let l = lifecycle(&g, &cal, None, 4 * d, None).unwrap();
        assert_eq!(l.first_period, 0);
        assert_eq!(l.new, vec![1, 1, 0, 0, 0]);
        assert_eq!(l.returning, vec![0, 1, 0, 0, 0]);
        assert_eq!(l.resurrected, vec![0, 0, 0, 1, 0]);
        assert_eq!(l.dormant, vec![0, 0, 2, 0, 1]);
        let b = crate::bitmap::active_bitmaps(crate::Events::Grouped(g), 2, None, &cal, -3, 4 * d).unwrap();
        assert_eq!(lifecycle_bitmaps(&b, &cal, 4 * d, false), l);
        assert_eq!(l.complete, vec![true, true, true, true, false]);
        // an explicit origin: the axis starts there, leading periods empty
        let o = lifecycle(&g, &cal, None, 4 * d, Some(-2)).unwrap();
        assert_eq!((o.first_period, &o.new[2..], &o.dormant[2..]), (-2, &l.new[..], &l.dormant[..]));
        let bo = crate::bitmap::active_bitmaps(crate::Events::Grouped(g), 2, None, &cal, -2, 4 * d).unwrap();
        assert_eq!(lifecycle_bitmaps(&bo, &cal, 4 * d, true), o);
    }
}
