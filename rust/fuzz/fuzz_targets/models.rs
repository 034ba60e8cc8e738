#![no_main]
//! Likelihoods and predictions of every model. (body: `fidelite_fuzz::targets::models`)
libfuzzer_sys::fuzz_target!(|data: &[u8]| fidelite_fuzz::targets::models(data));
