#![no_main]
//! The per-customer summary on either layout, with products and a range hint.
use arbitrary::Unstructured;
use fidelite_fuzz::{calendar, instant, log, small_limit};
use fidelite_kernels::summary::{customer_summary, SummarySpec};
use fidelite_kernels::{Events, Grouped};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    small_limit();
    let mut u = Unstructured::new(data);
    let (Ok(Some(cal)), Ok(Some(l)), Ok(as_of)) = (calendar(&mut u), log(&mut u), instant(&mut u)) else { return };
    let Ok(g) = Grouped::new(&l.layout.indptr, &l.layout.ts) else { return };
    let rows = u.arbitrary().unwrap_or(false);
    let n = l.ts.len();
    let product: Vec<i32> = (0..n).map(|_| u.int_in_range(-1..=3).unwrap_or(0)).collect();
    let amount: Vec<f64> =
        if rows { l.amount.clone() } else { l.layout.perm.iter().map(|&i| l.amount[i as usize]).collect() };
    let range = if u.arbitrary().unwrap_or(false) {
        Some((instant(&mut u).unwrap_or(0), instant(&mut u).unwrap_or(0)))
    } else {
        None
    };
    let spec = SummarySpec {
        purchase_mask: l.mask.as_deref(),
        amount: Some(&amount),
        product: Some((&product, 4)),
        ts_range: range,
        as_of,
    };
    let events = if rows { Events::Rows { codes: &l.codes, ts: &l.ts } } else { Events::Grouped(g) };
    let _ = customer_summary(events, l.n_customers, &cal, &spec);
});
