#![no_main]
//! The calendar: period, local day, day start, labels and completeness of any instant. (body: `fidelite_fuzz::targets::calendar`)
libfuzzer_sys::fuzz_target!(|data: &[u8]| fidelite_fuzz::targets::calendar(data));
