//! One-pass column checks for ingestion: what a log's columns hold that needs a rejection
//! or a note (missing instants, NaN and infinite amounts, refunds), counted in parallel,
//! so that the per-row masks are only built for the columns that have such rows.
use rayon::prelude::*;

/// Rows per parallel piece.
const PIECE: usize = 1 << 16;

/// What [`scan_i64`] finds in a column of instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntScan {
    /// Values equal to the sentinel (e.g. numpy's NaT).
    pub n_sentinel: usize,
    /// Smallest and largest of the other values (None if there are none).
    pub range: Option<(i64, i64)>,
}

/// Counts `sentinel` in `values` and bounds the rest.
///
/// ```
/// let s = fidelite_kernels::scan::scan_i64(&[5, i64::MIN, -2], i64::MIN);
/// assert_eq!((s.n_sentinel, s.range), (1, Some((-2, 5))));
/// ```
pub fn scan_i64(values: &[i64], sentinel: i64) -> IntScan {
    let (n, lo, hi) = values
        .par_chunks(PIECE)
        .map(|c| {
            c.iter().fold((0usize, i64::MAX, i64::MIN), |(n, lo, hi), &v| {
                let s = v == sentinel;
                // the sentinel leaves the bounds alone: min with MAX, max with MIN
                (n + s as usize, lo.min(if s { i64::MAX } else { v }), hi.max(if s { i64::MIN } else { v }))
            })
        })
        .reduce(|| (0, i64::MAX, i64::MIN), |a, b| (a.0 + b.0, a.1.min(b.1), a.2.max(b.2)));
    IntScan { n_sentinel: n, range: (n < values.len()).then_some((lo, hi)) }
}

/// The smallest and largest of `values`, None when empty.
///
/// ```
/// assert_eq!(fidelite_kernels::scan::bounds(&[5, -2, 3]), Some((-2, 5)));
/// ```
pub fn bounds(values: &[i64]) -> Option<(i64, i64)> {
    let (lo, hi) = values
        .par_chunks(PIECE)
        .map(|c| c.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v))))
        .reduce(|| (i64::MAX, i64::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    (lo <= hi).then_some((lo, hi))
}

/// What [`scan_f64`] finds in a column of numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FloatScan {
    pub n_nan: usize,
    /// Infinite values, either sign.
    pub n_infinite: usize,
    /// Values below zero, -inf included.
    pub n_negative: usize,
}

/// Counts the NaN, infinite and negative values of `values`.
///
/// ```
/// let s = fidelite_kernels::scan::scan_f64(&[1.0, f64::NAN, -2.0, f64::NEG_INFINITY]);
/// assert_eq!((s.n_nan, s.n_infinite, s.n_negative), (1, 1, 2));
/// ```
pub fn scan_f64(values: &[f64]) -> FloatScan {
    values
        .par_chunks(PIECE)
        .map(|c| {
            c.iter().fold(FloatScan::default(), |s, &v| FloatScan {
                n_nan: s.n_nan + v.is_nan() as usize,
                n_infinite: s.n_infinite + v.is_infinite() as usize,
                n_negative: s.n_negative + (v < 0.0) as usize,
            })
        })
        .reduce(FloatScan::default, |a, b| FloatScan {
            n_nan: a.n_nan + b.n_nan,
            n_infinite: a.n_infinite + b.n_infinite,
            n_negative: a.n_negative + b.n_negative,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_a_plain_loop_across_pieces() {
        let v: Vec<f64> = (0..300_000)
            .map(|i| match i % 7 {
                0 => f64::NAN,
                1 => -(i as f64),
                2 if i % 3 == 0 => f64::INFINITY,
                3 => -0.0,
                _ => i as f64,
            })
            .collect();
        let want = FloatScan {
            n_nan: v.iter().filter(|x| x.is_nan()).count(),
            n_infinite: v.iter().filter(|x| x.is_infinite()).count(),
            n_negative: v.iter().filter(|&&x| x < 0.0).count(),
        };
        assert_eq!(scan_f64(&v), want);
        let t: Vec<i64> = (0..300_000).map(|i| if i % 11 == 0 { i64::MIN } else { i * 3 - 400_000 }).collect();
        let s = scan_i64(&t, i64::MIN);
        assert_eq!(s.n_sentinel, t.iter().filter(|&&x| x == i64::MIN).count());
        assert_eq!(s.range, Some((3 - 400_000, 299_999 * 3 - 400_000)));
        assert_eq!(scan_i64(&[i64::MIN], i64::MIN), IntScan { n_sentinel: 1, range: None });
        assert_eq!(scan_i64(&[], 0), IntScan { n_sentinel: 0, range: None });
    }
}
