#![no_main]
//! The activity kernels: lifecycle, bitmaps, period KPIs, rolling and per-period active counts, stickiness. (body: `fidelite_fuzz::targets::activity`)
libfuzzer_sys::fuzz_target!(|data: &[u8]| fidelite_fuzz::targets::activity(data));
