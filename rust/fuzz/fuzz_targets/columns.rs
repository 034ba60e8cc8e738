#![no_main]
//! The time, integer and float column readers and the scans. (body: `fidelite_fuzz::targets::columns`)
libfuzzer_sys::fuzz_target!(|data: &[u8]| fidelite_fuzz::targets::columns(data));
