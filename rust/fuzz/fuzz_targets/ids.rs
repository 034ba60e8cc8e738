#![no_main]
//! The factorisation of id columns of every type and the id index. (body: `fidelite_fuzz::targets::ids`)
libfuzzer_sys::fuzz_target!(|data: &[u8]| fidelite_fuzz::targets::ids(data));
