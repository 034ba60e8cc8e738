//! Lifecycle per period: new, returning, resurrected and dormant customers.
use crate::bitmap::{for_each_bit, Bitmaps};
use crate::calendar::Calendar;
use crate::{check_len, par_customer_chunks, Grouped, Result};

/// Counts per period, from `first_period` to the period of `as_of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    pub first_period: i64,
    pub new: Vec<i64>,
    pub returning: Vec<i64>,
    pub resurrected: Vec<i64>,
    pub dormant: Vec<i64>,
}

/// Walks each customer's distinct active periods (events passing `mask`, at or before
/// `as_of`) over its whole history:
/// - new: the customer's first active period;
/// - returning: active in `p` and in `p - 1`;
/// - resurrected: active in `p`, not in `p - 1`, active before;
/// - dormant: active in `p - 1`, not in `p`.
pub fn lifecycle(g: &Grouped, cal: &Calendar, mask: Option<&[bool]>, as_of: i64) -> Result<Lifecycle> {
    check_len("mask", mask, g.ts.len())?;
    let active = |i: usize| g.ts[i] <= as_of && mask.is_none_or(|m| m[i]);
    let p_lo = par_customer_chunks(g.n_customers(), |r| {
        r.filter_map(|c| g.range(c).find(|&i| active(i)).map(|i| cal.period_of(g.ts[i]))).min()
    })
    .into_iter()
    .flatten()
    .min();
    let p_hi = cal.period_of(as_of);
    let Some(p_lo) = p_lo else {
        return Ok(Lifecycle {
            first_period: p_hi,
            new: vec![],
            returning: vec![],
            resurrected: vec![],
            dormant: vec![],
        });
    };
    let n = (p_hi - p_lo + 1) as usize;
    let parts = par_customer_chunks(g.n_customers(), |r| {
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
    let mut total = [vec![0i64; n], vec![0i64; n], vec![0i64; n], vec![0i64; n]];
    for part in parts {
        for (t, p) in total.iter_mut().zip(part) {
            t.iter_mut().zip(p).for_each(|(a, b)| *a += b);
        }
    }
    let [new, returning, resurrected, dormant] = total;
    Ok(Lifecycle { first_period: p_lo, new, returning, resurrected, dormant })
}

/// The same lifecycle from active-period bitmaps (one bit per period up to `as_of`).
pub fn lifecycle_bitmaps(b: &Bitmaps<'_>) -> Lifecycle {
    let n = b.n_periods;
    let parts = par_customer_chunks(b.n_customers(), |r| {
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
    let mut total = [vec![0i64; n], vec![0i64; n], vec![0i64; n], vec![0i64; n]];
    for part in parts {
        for (t, p) in total.iter_mut().zip(part) {
            t.iter_mut().zip(p).for_each(|(a, b)| *a += b);
        }
    }
    // periods start at the first one anybody was active in
    let Some(skip) = total[0].iter().position(|&x| x > 0) else {
        let empty = Vec::new;
        return Lifecycle {
            first_period: b.p_lo + n as i64 - 1,
            new: empty(),
            returning: empty(),
            resurrected: empty(),
            dormant: empty(),
        };
    };
    let [new, returning, resurrected, dormant] = total.map(|v| v[skip..].to_vec());
    Lifecycle { first_period: b.p_lo + skip as i64, new, returning, resurrected, dormant }
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
        let l = lifecycle(&g, &cal, None, 4 * d).unwrap();
        assert_eq!(l.first_period, 0);
        assert_eq!(l.new, vec![1, 1, 0, 0, 0]);
        assert_eq!(l.returning, vec![0, 1, 0, 0, 0]);
        assert_eq!(l.resurrected, vec![0, 0, 0, 1, 0]);
        assert_eq!(l.dormant, vec![0, 0, 2, 0, 1]);
        let b = crate::bitmap::active_bitmaps(crate::bitmap::Events::Grouped(g), 2, None, &cal, -3, 4 * d).unwrap();
        assert_eq!(lifecycle_bitmaps(&b), l);
    }
}
