//! The short fuzzing pass of `make test`: every committed input of every target
//! (`corpus/<target>/*`, grown by `make fuzz` and minimised, and `regressions/<target>/*`,
//! the crashes fuzzing found, each fixed) through the same function the fuzzer runs. On the
//! stable toolchain, without libFuzzer: a panic here is a crash the fuzzer would report.
use std::path::Path;

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_committed_input_runs_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut counts = Vec::new();
    for (name, target) in fidelite_fuzz::TARGETS {
        let files: Vec<_> =
            ["corpus", "regressions"].iter().flat_map(|kind| inputs(&root.join(kind).join(name))).collect();
        assert!(!files.is_empty(), "no committed input for target {name}: run `make fuzz`");
        for f in &files {
            let data = std::fs::read(f).expect("readable input");
            if std::panic::catch_unwind(|| target(&data)).is_err() {
                panic!("target {name} panicked on {}", f.display());
            }
        }
        counts.push(format!("{name} {}", files.len()));
    }
    println!("replayed: {}", counts.join(", "));
}

/// Every target is a binary of the fuzz crate (and so runs under `make fuzz`).
#[test]
fn every_target_has_a_fuzz_binary() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    for (name, _) in fidelite_fuzz::TARGETS {
        assert!(manifest.contains(&format!("path = \"fuzz_targets/{name}.rs\"")), "{name} has no [[bin]]");
    }
}
