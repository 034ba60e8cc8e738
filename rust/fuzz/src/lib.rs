//! The fuzz targets of fidelite's kernels, as plain functions of the input bytes.
//!
//! Each `fuzz_targets/<name>.rs` binary (cargo-fuzz, nightly, `make fuzz`) only calls
//! [`targets`]`::<name>`; the stable test `tests/replay.rs` (`make test`) feeds the same
//! functions every input of the committed corpus (`corpus/<name>`) and of the crash
//! regressions (`regressions/<name>`), so a short pass runs on every test run without a
//! nightly toolchain. Every target answers each input with `Ok` or `Err` of the kernel it
//! drives, checks what it can of the answer (a permutation is one, codes match ids ...) and
//! must never panic or abort.
pub mod gen;
pub mod targets;

/// A target: the function of the input bytes the fuzzer drives.
pub type Target = fn(&[u8]);

/// The targets by name: `make fuzz` and the replay test iterate over this list.
pub const TARGETS: [(&str, Target); 9] = [
    ("calendar", targets::calendar),
    ("cohort", targets::cohort),
    ("activity", targets::activity),
    ("summary", targets::summary),
    ("ids", targets::ids),
    ("layout", targets::layout),
    ("columns", targets::columns),
    ("models", targets::models),
    ("fit", targets::fit),
];
