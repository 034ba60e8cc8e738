//! Times the kernels on a synthetic log: `cargo run --release --example profile [customers]`.
use fidelite_kernels::calendar::{Calendar, Period, Window};
use fidelite_kernels::cohort::{self, cohort_matrix, CohortMode, CohortSpec, Criterion, Measure, Offset0};
use fidelite_kernels::layout::group;
use fidelite_kernels::{bitmap, ids, lifecycle, summary, window, Events, Grouped, US_PER_DAY};
use std::time::Instant;

fn main() {
    if std::env::var_os("DEMO").is_some() {
        let read = |name: &str| std::fs::read(format!("/tmp/probe/{name}.bin")).unwrap();
        let codes: Vec<u32> = read("codes").chunks(4).map(|b| u32::from_le_bytes(b.try_into().unwrap())).collect();
        let ts: Vec<i64> = read("ts").chunks(8).map(|b| i64::from_le_bytes(b.try_into().unwrap())).collect();
        let amount: Vec<f64> = read("amount").chunks(8).map(|b| f64::from_le_bytes(b.try_into().unwrap())).collect();
        let n = *codes.iter().max().unwrap() as usize + 1;
        let (lo, hi) = (*ts.iter().min().unwrap(), *ts.iter().max().unwrap());
        let months = Calendar::new("UTC", Period::Month, lo, hi).unwrap();
        let spec = summary::SummarySpec {
            purchase_mask: None,
            amount: Some(&amount),
            product: None,
            ts_range: None,
            as_of: hi,
        };
        let cpu = || {
            let s = std::fs::read_to_string("/proc/self/stat").unwrap();
            let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
            (f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()) * 10
        };
        let mut best = std::time::Duration::MAX;
        let mut bestg = std::time::Duration::MAX;
        let (mut cs, mut cg) = (0, 0);
        for _ in 0..10 {
            let (t, c) = (Instant::now(), cpu());
            let _ = summary::customer_summary(Events::Rows { codes: &codes, ts: &ts }, n, &months, &spec).unwrap();
            best = best.min(t.elapsed());
            cs += cpu() - c;
            let (t, c) = (Instant::now(), cpu());
            let _ = group::group_by_customer(&codes, &ts, n, &[]).unwrap();
            bestg = bestg.min(t.elapsed());
            cg += cpu() - c;
        }
        let l = group::group_by_customer(&codes, &ts, n, &[]).unwrap();
        let mut bt = std::time::Duration::MAX;
        let mut ct = 0;
        for _ in 0..10 {
            let (t, c) = (Instant::now(), cpu());
            let _ = group::take(&amount, &l.perm).unwrap();
            bt = bt.min(t.elapsed());
            ct += cpu() - c;
        }
        println!("take {bt:?} (cpu {} ms)", ct / 10);
        println!("demo: best summary rows {best:?} (cpu {} ms) group {bestg:?} (cpu {} ms)", cs / 10, cg / 10);
        return;
    }
    if std::env::var_os("FACT").is_some() {
        let ids: Vec<i64> = std::fs::read("/tmp/probe/ids.bin")
            .unwrap()
            .chunks(8)
            .map(|b| i64::from_le_bytes(b.try_into().unwrap()))
            .collect();
        let mut best = std::time::Duration::MAX;
        for _ in 0..15 {
            let t = Instant::now();
            let f = ids::factorize_i64(&ids).unwrap();
            best = best.min(t.elapsed());
            drop(f);
        }
        println!("factorize demo ids best {best:?}");
        return;
    }
    let n: usize = std::env::args().nth(1).map_or(1_000_000, |s| s.parse().unwrap());
    let mut state = 42u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut cust, mut ts) = (Vec::new(), Vec::new());
    let t0 = 19_358 * US_PER_DAY;
    let span = 3 * 365 * US_PER_DAY;
    let mut id = 100_000i64;
    for _ in 0..n {
        id += 1 + (next() % 5) as i64;
        let first = (next() % span as u64) as i64;
        for _ in 0..(1 + next() % 22) {
            cust.push(id);
            ts.push(t0 + (first + (next() % (span as u64 / 3)) as i64).min(span - 1));
        }
    }
    // shuffle
    for i in (1..cust.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        cust.swap(i, j);
        ts.swap(i, j);
    }
    println!("{} events", cust.len());
    let t = Instant::now();
    let f = ids::factorize_i64(&cust).unwrap();
    println!("factorize {:?}", t.elapsed());
    let t = Instant::now();
    let l = group::group_by_customer(&f.codes, &ts, f.uniques.len(), &[]).unwrap();
    println!("group {:?}", t.elapsed());
    let g = Grouped::new(&l.indptr, &l.ts).unwrap();
    let (lo, hi) = (t0, t0 + span);
    let days = Calendar::new("UTC", Period::Day, lo, hi).unwrap();
    let months = Calendar::new("UTC", Period::Month, lo, hi).unwrap();
    let amount: Vec<f64> = (0..ts.len()).map(|i| (i % 97) as f64).collect();
    let spec =
        summary::SummarySpec { purchase_mask: None, amount: Some(&amount), product: None, ts_range: None, as_of: hi };
    let grouped_amount = group::take(&amount, &l.perm).unwrap();
    let grouped_spec = summary::SummarySpec { amount: Some(&grouped_amount), ..spec };
    for _ in 0..3 {
        let t = Instant::now();
        let s = summary::customer_summary(Events::Rows { codes: &f.codes, ts: &ts }, f.uniques.len(), &months, &spec)
            .unwrap();
        let a = t.elapsed();
        let t = Instant::now();
        let _ = summary::customer_summary(Events::Grouped(g), f.uniques.len(), &months, &grouped_spec).unwrap();
        println!("summary from rows {a:?}, from grouped {:?} ({} customers)", t.elapsed(), s.first.len());
    }
    for _ in 0..3 {
        let t = Instant::now();
        let r = window::rolling_active(
            Events::Rows { codes: &f.codes, ts: &ts },
            f.uniques.len(),
            &days,
            None,
            hi,
            30,
            None,
        )
        .unwrap();
        let a = t.elapsed();
        let t = Instant::now();
        let _ = window::rolling_active(Events::Grouped(g), f.uniques.len(), &days, None, hi, 30, None).unwrap();
        println!("rolling 30 days from rows {a:?}, from grouped {:?} ({} days)", t.elapsed(), r.active.len());
    }
    let kpi = window::KpiSpec {
        window: window::ActivityWindow::Period,
        active_mask: None,
        purchase_mask: None,
        amount: Some(&amount),
        as_of: hi,
        origin: None,
    };
    let grouped_kpi = window::KpiSpec { amount: Some(&grouped_amount), ..kpi };
    for _ in 0..3 {
        let t = Instant::now();
        let k = window::period_kpis(Events::Rows { codes: &f.codes, ts: &ts }, f.uniques.len(), &months, &kpi).unwrap();
        let a = t.elapsed();
        let t = Instant::now();
        let _ = window::period_kpis(Events::Grouped(g), f.uniques.len(), &months, &grouped_kpi).unwrap();
        println!("period KPIs from rows {a:?}, from grouped {:?} ({} months)", t.elapsed(), k.active.len());
    }
    for tz in ["UTC", "Europe/Paris"] {
        let cal = Calendar::new(tz, Period::Month, lo, hi).unwrap();
        let spec = CohortSpec {
            mode: CohortMode::First,
            window: Window::Calendar,
            criterion: Criterion::On,
            offset0: Offset0::Cohort,
            measure: Measure::Customers,
            brackets: None,
            start_mask: None,
            return_mask: None,
            amount: None,
            signup: None,
            segment: None,
            min_events: 1,
            as_of: hi,
            origin: None,
        };
        for _ in 0..3 {
            let t = Instant::now();
            let rows = bitmap::active_bitmaps(
                Events::Rows { codes: &f.codes, ts: &ts },
                f.uniques.len(),
                None,
                &cal,
                cal.period_of(lo),
                hi,
            )
            .unwrap();
            let a = t.elapsed();
            let t = Instant::now();
            let grouped =
                bitmap::active_bitmaps(Events::Grouped(g), f.uniques.len(), None, &cal, cal.period_of(lo), hi).unwrap();
            let b = t.elapsed();
            let t = Instant::now();
            let m = cohort::cohort_matrix_bitmaps(&grouped, &grouped, &cal, &spec).unwrap();
            let c = t.elapsed();
            let t = Instant::now();
            let _ = lifecycle::lifecycle_bitmaps(&rows, &cal, hi, false);
            println!("{tz}: bitmaps from rows {a:?}, from grouped {b:?}; cohort from bitmaps {c:?}, lifecycle from bitmaps {:?} ({})", t.elapsed(), m.sizes.len());
        }
        for _ in 0..3 {
            let t = Instant::now();
            let m = cohort_matrix(&g, &cal, &spec).unwrap();
            let a = t.elapsed();
            let t = Instant::now();
            let lc = lifecycle::lifecycle(&g, &cal, None, hi, None).unwrap();
            println!("{tz}: cohort {a:?} lifecycle {:?} ({} {})", t.elapsed(), m.sizes.len(), lc.new.len());
        }
    }
}
