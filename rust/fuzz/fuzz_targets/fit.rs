#![no_main]
//! Short fits of every model. (body: `fidelite_fuzz::targets::fit`)
libfuzzer_sys::fuzz_target!(|data: &[u8]| fidelite_fuzz::targets::fit(data));
