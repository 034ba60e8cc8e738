#![no_main]
//! The calendar: period, local day, day start, labels and completeness of any instant.
use arbitrary::Unstructured;
use fidelite_fuzz::{calendar, instant};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(Some(cal)) = calendar(&mut u) else { return };
    for _ in 0..16 {
        let Ok(t) = instant(&mut u) else { return };
        let p = cal.period_of(t);
        let day = cal.local_day(t);
        let _ = cal.day_start_instant(day);
        let _ = cal.period_start_instant(p);
        let _ = cal.date_of(t);
        let _ = cal.check_origin(Some(p));
        let _ = cal.labels(p, 2);
        let _ = cal.complete(p, 2, t);
        let _ = cal.bounds(p, 2);
    }
});
