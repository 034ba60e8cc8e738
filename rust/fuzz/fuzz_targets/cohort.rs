#![no_main]
//! The cohort matrix (every mode, criterion, offset 0, measure, brackets, origins) and
//! its members, from the grouped layout and from activity bitmaps.
use arbitrary::Unstructured;
use fidelite_fuzz::{calendar, instant, log, origin, small_limit};
use fidelite_kernels::calendar::Window;
use fidelite_kernels::cohort::*;
use fidelite_kernels::Grouped;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    small_limit();
    let mut u = Unstructured::new(data);
    let (Ok(Some(cal)), Ok(Some(l)), Ok(as_of)) = (calendar(&mut u), log(&mut u), instant(&mut u)) else { return };
    let Ok(g) = Grouped::new(&l.layout.indptr, &l.layout.ts) else { return };
    let amount: Vec<f64> = l.layout.perm.iter().map(|&i| l.amount[i as usize]).collect();
    let signup: Vec<i64> = (0..l.n_customers).map(|_| instant(&mut u).unwrap_or(i64::MIN)).collect();
    let segments: Vec<u32> = (0..l.n_customers).map(|c| (c % 3) as u32).collect();
    let brackets: Vec<i64> =
        (0..u.int_in_range(1..=4).unwrap_or(1)).map(|_| u.int_in_range(-1..=5).unwrap_or(1)).collect();
    let pick = |u: &mut Unstructured, n: u32| u.int_in_range(0..=n).unwrap_or(0);
    let spec = CohortSpec {
        mode: [CohortMode::First, CohortMode::Recurring, CohortMode::Signup][pick(&mut u, 2) as usize],
        window: if u.arbitrary().unwrap_or(false) {
            Window::Calendar
        } else {
            Window::Rolling(instant(&mut u).unwrap_or(1))
        },
        criterion: [Criterion::On, Criterion::OnOrAfter, Criterion::Streak][pick(&mut u, 2) as usize],
        offset0: if u.arbitrary().unwrap_or(false) { Offset0::Cohort } else { Offset0::Return },
        measure: [Measure::Customers, Measure::Revenue, Measure::CumulativeRevenue][pick(&mut u, 2) as usize],
        brackets: if u.arbitrary().unwrap_or(false) { Some(&brackets) } else { None },
        start_mask: None,
        return_mask: None,
        amount: Some(&amount),
        signup: Some(&signup),
        segment: if u.arbitrary().unwrap_or(false) { Some((&segments, 3)) } else { None },
        min_events: 1 + pick(&mut u, 3),
        as_of,
        origin: origin(&mut u, &cal, as_of).unwrap_or(None),
    };
    if let Ok(m) = cohort_matrix(&g, &cal, &spec) {
        let _ = cohort_members(&g, &cal, &spec, 0, m.n_cohorts.saturating_sub(1), 0);
    }
});
