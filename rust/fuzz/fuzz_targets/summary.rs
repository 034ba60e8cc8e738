#![no_main]
//! The per-customer summary, the CLV summary and the purchase tracking. (body: `fidelite_fuzz::targets::summary`)
libfuzzer_sys::fuzz_target!(|data: &[u8]| fidelite_fuzz::targets::summary(data));
