//! The grouping of rows by customer (with tie-break and carried columns), `take`, and the
//! kernels on a grouped layout whose offsets come straight from the input.
use arbitrary::Unstructured;
use fidelite_kernels::calendar::{Calendar, Period};
use fidelite_kernels::layout::group::{group_carrying, take, TieKey};
use fidelite_kernels::summary::{customer_summary, SummarySpec};
use fidelite_kernels::{lifecycle, Events, Grouped};

use crate::gen::{float, instant, small_limit, vec_of};

/// Groups random rows and checks the layout against a plain stable sort by (customer,
/// instant, tie-break columns in turn, input position): offsets, permutation, instants
/// and carried columns. Codes past `n_customers` and columns of the wrong length must be
/// errors. Then `take` with any permutation, and kernels on arbitrary offsets.
pub fn layout(data: &[u8]) {
    small_limit();
    let mut u = Unstructured::new(data);
    let n_customers = match u.int_in_range(0..=9).unwrap_or(0) {
        0 => 0,
        1 => u.int_in_range(0..=200_000).unwrap_or(1),
        _ => u.int_in_range(1..=12).unwrap_or(1),
    };
    let n = u.int_in_range(0..=300).unwrap_or(0);
    let bad_code = u.ratio(1, 20).unwrap_or(false);
    let top = if bad_code { n_customers as u32 + 2 } else { (n_customers as u32).saturating_sub(1) };
    if n_customers == 0 && n > 0 && !bad_code {
        return;
    }
    let codes: Vec<u32> = (0..n).map(|_| u.int_in_range(0..=top).unwrap_or(0)).collect();
    let tie = instant(&mut u).unwrap_or(0);
    let ts: Vec<i64> =
        (0..n).map(|_| if u.ratio(1, 3).unwrap_or(true) { tie } else { instant(&mut u).unwrap_or(0) }).collect();
    let floats: Vec<f64> = (0..n).map(|_| float(&mut u).unwrap_or(0.0)).collect();
    let labels: Vec<i32> = (0..n).map(|_| u.int_in_range(-1..=2).unwrap_or(0)).collect();
    let mut ties = Vec::new();
    for _ in 0..u.int_in_range(0..=2).unwrap_or(0) {
        ties.push(if u.arbitrary().unwrap_or(false) { TieKey::Float(&floats) } else { TieKey::Code(&labels) });
    }
    let short: Vec<f64> = floats.iter().skip(1).copied().collect();
    let carry: Vec<&[f64]> = match u.int_in_range(0..=9).unwrap_or(0) {
        0 => vec![&short],
        1..=4 => vec![],
        _ => vec![&floats],
    };
    let result = group_carrying(&codes, &ts, n_customers, &ties, &carry);
    let invalid = codes.iter().any(|&c| c as usize >= n_customers) || (carry.len() == 1 && carry[0].len() != n);
    let (l, carried) = match result {
        Ok(r) => r,
        Err(_) => {
            assert!(invalid, "a valid grouping refused");
            return;
        }
    };
    assert!(!invalid, "an invalid grouping accepted");
    let key = |i: usize| {
        let t: Vec<(u8, u64, i32)> = ties
            .iter()
            .map(|k| match k {
                TieKey::Float(v) => (0, total_key(v[i]), 0),
                TieKey::Code(v) => (1, 0, v[i]),
            })
            .collect();
        (codes[i], ts[i], t, i)
    };
    let mut want: Vec<usize> = (0..n).collect();
    want.sort_by_key(|&i| key(i));
    let want: Vec<u32> = want.into_iter().map(|i| i as u32).collect();
    assert_eq!(l.perm, want, "the grouped order");
    assert_eq!(l.indptr.len(), n_customers + 1);
    for c in 0..n_customers {
        let count = codes.iter().filter(|&&x| x as usize == c).count() as i64;
        assert_eq!(l.indptr[c + 1] - l.indptr[c], count, "events of customer {c}");
    }
    assert!(l.ts.iter().zip(&l.perm).all(|(&t, &i)| t == ts[i as usize]));
    if let Some(c) = carried.first() {
        assert!(c.iter().zip(&l.perm).all(|(a, &i)| a.to_bits() == floats[i as usize].to_bits()));
    }
    let perm: Vec<u32> = vec_of(&mut u, 40, |u| u.int_in_range(0..=n as u32)).unwrap_or_default();
    match take(&floats, &perm) {
        Ok(v) => assert!(v.iter().zip(&perm).all(|(a, &i)| a.to_bits() == floats[i as usize].to_bits())),
        Err(_) => assert!(perm.iter().any(|&i| i as usize >= n)),
    }
    // offsets and instants as a caller might hand them over, unchecked
    let indptr: Vec<i64> = vec_of(&mut u, 8, |u| u.int_in_range(-1..=n as i64 + 1)).unwrap_or_default();
    if let Ok(g) = Grouped::new(&indptr, &ts) {
        let cal = Calendar::new("Europe/Paris", Period::Week(6), tie, tie).expect("known zone");
        let as_of = instant(&mut u).unwrap_or(0);
        let _ = lifecycle::lifecycle(&g, &cal, None, as_of, None);
        let spec = SummarySpec { purchase_mask: None, amount: Some(&floats), product: None, ts_range: None, as_of };
        let _ = customer_summary(Events::Grouped(g), g.n_customers(), &cal, &spec);
    }
}

/// A key that sorts floats as `f64::total_cmp` does.
fn total_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}
