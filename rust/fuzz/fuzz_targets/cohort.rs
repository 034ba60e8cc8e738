#![no_main]
//! The cohort matrix and its members, from the grouped layout and from activity bitmaps. (body: `fidelite_fuzz::targets::cohort`)
libfuzzer_sys::fuzz_target!(|data: &[u8]| fidelite_fuzz::targets::cohort(data));
