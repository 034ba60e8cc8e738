#![no_main]
//! The grouping by customer, take, and kernels on unchecked offsets. (body: `fidelite_fuzz::targets::layout`)
libfuzzer_sys::fuzz_target!(|data: &[u8]| fidelite_fuzz::targets::layout(data));
