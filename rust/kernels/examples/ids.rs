//! Times id factorisation for every id kind on a log of the benchmark's shape:
//! `cargo run --release --example ids [rows] [distinct]` (default 11.7 M rows, 1 M ids,
//! rows in random order). Prints the best of 5 per kind, wall and process CPU time;
//! `IDS_ONLY=UUID` times only the kinds whose name holds that text.
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::types::UInt32Type;
use arrow_array::{
    ArrayRef, DictionaryArray, FixedSizeBinaryArray, Int64Array, LargeStringArray, StringArray, StringViewArray,
    UInt32Array,
};
use fidelite_kernels::ids;

fn rng(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn cpu_ms() -> u64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = s.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    (ticks(11) + ticks(12)) * 10
}

fn best<T>(f: impl Fn() -> T) -> (Duration, u64) {
    let mut best = (Duration::MAX, 0);
    for _ in 0..5 {
        let (t, c) = (Instant::now(), cpu_ms());
        let out = f();
        let e = t.elapsed();
        let c = cpu_ms() - c;
        drop(out);
        if e < best.0 {
            best = (e, c);
        }
    }
    best
}

fn uuid(i: u64) -> [u8; 16] {
    let mut s = i ^ 0xDEAD_BEEF;
    let (a, b) = (rng(&mut s), rng(&mut s));
    let mut u = [0u8; 16];
    u[..8].copy_from_slice(&a.to_le_bytes());
    u[8..].copy_from_slice(&b.to_le_bytes());
    u
}

fn hex(u: &[u8; 16]) -> String {
    let h: String = u.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let rows = args.first().copied().unwrap_or(11_700_000);
    let distinct = args.get(1).copied().unwrap_or(1_000_000) as u64;
    let mut s = 1u64;
    let customer: Vec<u64> = (0..rows).map(|_| rng(&mut s) % distinct).collect();
    println!("{rows} rows, {distinct} distinct ids, random row order; best of 5 (wall, process CPU)");
    // IDS_ONLY=uuid (a substring of the names below) times only some kinds
    let only = std::env::var("IDS_ONLY").unwrap_or_default();
    let run = |name: &str, arrays: &dyn Fn() -> Vec<ArrayRef>| {
        if !name.contains(only.as_str()) {
            return;
        }
        let arrays = arrays();
        let f = ids::arrow::factorize(&arrays).unwrap();
        let (t, c) = best(|| ids::arrow::factorize(&arrays).unwrap());
        let (ts, _) = best(|| {
            let f = ids::arrow::factorize(&arrays).unwrap();
            f.index.sorted_order().len()
        });
        let (tl, _) = best(|| ids::arrow::lookup(&f.index, &arrays).unwrap());
        println!(
            "  {name:<34} factorize {:>7.1} ms (cpu {c:>5} ms)  +sorted_order {:>6.1} ms  lookup of every row {:>7.1} ms  [{} ids]",
            t.as_secs_f64() * 1e3,
            (ts.saturating_sub(t)).as_secs_f64() * 1e3,
            tl.as_secs_f64() * 1e3,
            f.index.len()
        );
    };
    let text = || customer.iter().map(|&c| format!("C-{c:08}")).collect::<Vec<_>>();
    let uuids = || customer.iter().map(|&c| hex(&uuid(c))).collect::<Vec<_>>();
    run("int64 dense", &|| vec![Arc::new(Int64Array::from_iter_values(customer.iter().map(|&c| c as i64 + 1000)))]);
    run("int64 wide (id * 7919 + 1000003)", &|| {
        vec![Arc::new(Int64Array::from_iter_values(customer.iter().map(|&c| c as i64 * 7919 + 1_000_003)))]
    });
    run("int64 hashed (random 63-bit)", &|| {
        vec![Arc::new(Int64Array::from_iter_values(customer.iter().map(|&c| (rng(&mut (c + 99)) >> 1) as i64)))]
    });
    run("string C-%08d", &|| vec![Arc::new(StringArray::from_iter_values(text()))]);
    run("large_string C-%08d", &|| vec![Arc::new(LargeStringArray::from_iter_values(text()))]);
    run("string_view C-%08d", &|| vec![Arc::new(StringViewArray::from_iter_values(text()))]);
    run("large_string C-%08d, 16 chunks", &|| {
        let t = text();
        t.chunks(rows.div_ceil(16).max(1))
            .map(|c| Arc::new(LargeStringArray::from_iter_values(c)) as ArrayRef)
            .collect()
    });
    run("large_string UUID", &|| vec![Arc::new(LargeStringArray::from_iter_values(uuids()))]);
    run("string_view UUID", &|| vec![Arc::new(StringViewArray::from_iter_values(uuids()))]);
    run("fixed_size_binary(16) UUID", &|| {
        vec![Arc::new(FixedSizeBinaryArray::try_from_iter(customer.iter().map(|&c| uuid(c))).unwrap())]
    });
    run("dictionary<uint32, large_string>", &|| {
        let values = LargeStringArray::from_iter_values((0..distinct).map(|c| format!("C-{c:08}")));
        let keys = UInt32Array::from(customer.iter().map(|&c| c as u32).collect::<Vec<_>>());
        vec![Arc::new(DictionaryArray::<UInt32Type>::try_new(keys, Arc::new(values)).unwrap())]
    });
}
