#![no_main]
//! The activity kernels on either layout: lifecycle, activity bitmaps, period KPIs,
//! rolling and per-period active counts, stickiness.
use arbitrary::Unstructured;
use fidelite_fuzz::{calendar, instant, log, origin, small_limit};
use fidelite_kernels::window::*;
use fidelite_kernels::{bitmap, lifecycle, Events, Grouped};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    small_limit();
    let mut u = Unstructured::new(data);
    let (Ok(Some(cal)), Ok(Some(l)), Ok(as_of)) = (calendar(&mut u), log(&mut u), instant(&mut u)) else { return };
    let Ok(g) = Grouped::new(&l.layout.indptr, &l.layout.ts) else { return };
    let rows = u.arbitrary().unwrap_or(false);
    let events = || if rows { Events::Rows { codes: &l.codes, ts: &l.ts } } else { Events::Grouped(g) };
    let mask: Option<Vec<bool>> =
        l.mask.as_ref().map(|m| if rows { m.clone() } else { l.layout.perm.iter().map(|&i| m[i as usize]).collect() });
    let amount: Vec<f64> =
        if rows { l.amount.clone() } else { l.layout.perm.iter().map(|&i| l.amount[i as usize]).collect() };
    let org = origin(&mut u, &cal, as_of).unwrap_or(None);
    let n = l.n_customers;
    let _ = lifecycle::lifecycle(&g, &cal, mask.as_deref(), as_of, org);
    if let Ok(b) = bitmap::active_bitmaps(events(), n, mask.as_deref(), &cal, org.unwrap_or(0), as_of) {
        let _ = lifecycle::lifecycle_bitmaps(&b, &cal, as_of, org.is_some());
    }
    let window = if u.arbitrary().unwrap_or(false) {
        ActivityWindow::Period
    } else {
        ActivityWindow::Duration(instant(&mut u).unwrap_or(1))
    };
    let spec = KpiSpec {
        window,
        active_mask: mask.as_deref(),
        purchase_mask: None,
        amount: Some(&amount),
        as_of,
        origin: org,
    };
    let _ = period_kpis(events(), n, &cal, &spec);
    let days = u.int_in_range(-2..=400).unwrap_or(1);
    let _ = rolling_active(events(), n, &cal, mask.as_deref(), as_of, days, org);
    let reach = instant(&mut u).unwrap_or(1);
    let n_periods = u.int_in_range(0..=500).unwrap_or(0);
    let _ = active_per_period(events(), n, &cal, mask.as_deref(), as_of, reach, org.unwrap_or(0), n_periods);
    let _ = stickiness(
        events(),
        n,
        &cal,
        u.arbitrary().unwrap_or(false),
        u.int_in_range(0..=7).unwrap_or(0),
        mask.as_deref(),
        as_of,
        org,
    );
});
