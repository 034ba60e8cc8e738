//! Random kernel inputs biased to what breaks calendars: instants at the ends of `i64`
//! and of years 1..9999, placeholder dates, DST transitions, local midnights +- 1 µs,
//! ties; random periods, zones, window lengths, masks and origins. Every kernel must
//! answer `Ok` or `Err`: a panic (or an abort) is a bug.
use arbitrary::{Result, Unstructured};
use fidelite_kernels::calendar::{Calendar, Period, MAX_US, MIN_US};
use fidelite_kernels::layout::group::{group_by_customer, Layout};

pub const US_PER_DAY: i64 = 86_400_000_000;
const ZONES: [&str; 6] =
    ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu"];
const PERIODS: [&str; 5] = ["day", "week", "month", "quarter", "year"];

/// An instant: mostly near 2024 (DST edges of the zones, midnights +- 1 µs), sometimes a
/// placeholder date or an extreme.
pub fn instant(u: &mut Unstructured) -> Result<i64> {
    const Y2024: i64 = 1_704_067_200_000_000;
    const SPECIAL: [i64; 10] = [
        i64::MIN,
        i64::MAX,
        MIN_US,
        MAX_US,
        -2_208_988_800_000_000,  // 1900-01-01
        253_402_214_400_000_000, // 9999-12-31
        0,
        -1,
        1_711_846_800_000_000, // 2024-03-31 01:00 UTC, Paris DST starts
        1_730_595_600_000_000, // 2024-11-03 01:00 UTC, New York DST ends
    ];
    Ok(match u.int_in_range(0..=9)? {
        0 => *u.choose(&SPECIAL)?,
        1 => u.arbitrary()?,
        2 => u.int_in_range(MIN_US..=MAX_US)?,
        3 | 4 => Y2024 + u.int_in_range(0..=800)? * US_PER_DAY + u.int_in_range(-1..=1)?,
        _ => Y2024 + u.int_in_range(0..=800 * US_PER_DAY)?,
    })
}

/// A calendar of a random zone and period. Its range (a speed hint: instants outside it
/// take the exact, slower path) is mostly a few years around 2024, or the whole of years
/// 1..9999 for a few inputs: a calendar over a span that long builds day tables of 200,000
/// entries (400,000 time-zone look-ups), which took most of the time of every input when
/// the range came from two random instants (72-199 executions in 20 s).
pub fn calendar(u: &mut Unstructured) -> Result<Option<Calendar>> {
    const Y2024: i64 = 1_704_067_200_000_000;
    let zone = *u.choose(&ZONES)?;
    let period = Period::parse(u.choose(&PERIODS)?, u.int_in_range(0..=6)?).expect("known period");
    // (an exhausted input draws 0: the cheap case, as most short inputs are)
    let (lo, hi) = match u.int_in_range(0..=15)? {
        15 => return Ok(Some(full_range(zone, period))),
        14 => (i64::MAX, i64::MIN), // an empty range: no tables at all
        _ => {
            let a = Y2024 + u.int_in_range(-400..=800)? * US_PER_DAY;
            (a, a + u.int_in_range(0..=1200)? * US_PER_DAY)
        }
    };
    Ok(Calendar::new(zone, period, lo, hi).ok())
}

/// The calendar of `zone` and `period` over years 1..9999, built once per thread.
fn full_range(zone: &'static str, period: Period) -> Calendar {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static CACHE: RefCell<HashMap<(&'static str, String), Calendar>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|c| {
        c.borrow_mut()
            .entry((zone, format!("{period:?}")))
            .or_insert_with(|| Calendar::new(zone, period, MIN_US, MAX_US).expect("known zone"))
            .clone()
    })
}

/// A log: customer codes and instants (in range, as EventLog guarantees, unless the
/// input asks for raw ones), grouped by customer.
pub struct Log {
    pub n_customers: usize,
    pub codes: Vec<u32>,
    pub ts: Vec<i64>,
    pub layout: Layout,
    pub mask: Option<Vec<bool>>,
    pub amount: Vec<f64>,
}

pub fn log(u: &mut Unstructured) -> Result<Option<Log>> {
    let n_customers = u.int_in_range(1..=40)?;
    let n = u.int_in_range(0..=200)?;
    let mut codes = Vec::with_capacity(n);
    let mut ts = Vec::with_capacity(n);
    let tie = instant(u)?;
    // instants in years 1..9999 as EventLog hands them over, or (for a few logs) raw ones
    // as a caller of the kernels might: anywhere in i64
    let raw = u.ratio(1, 8)?;
    for _ in 0..n {
        codes.push(u.int_in_range(0..=n_customers as u32 - 1)?);
        let t = if u.ratio(1, 5)? { tie } else { instant(u)? };
        ts.push(if raw { t } else { t.clamp(MIN_US, MAX_US) });
    }
    let mask = if u.arbitrary()? { Some((0..n).map(|_| u.arbitrary()).collect::<Result<Vec<bool>>>()?) } else { None };
    let amount = (0..n).map(|_| Ok(*u.choose(&[0.0, 1.5, -2.0, 1e308, f64::MIN_POSITIVE])?)).collect::<Result<_>>()?;
    let Ok(layout) = group_by_customer(&codes, &ts, n_customers, &[]) else { return Ok(None) };
    Ok(Some(Log { n_customers, codes, ts, layout, mask, amount }))
}

/// `Some(period)` half the time: an axis origin near the log's periods, or anywhere.
pub fn origin(u: &mut Unstructured, cal: &Calendar, near: i64) -> Result<Option<i64>> {
    Ok(match u.int_in_range(0..=3)? {
        0 => None,
        1 => Some(u.arbitrary()?),
        _ => Some(cal.period_of(near) - u.int_in_range(0..=30)?),
    })
}

/// Sets a small memory limit (8 MB): an answer too large must be an error, not an abort,
/// and no input spends its time zeroing buffers.
pub fn small_limit() {
    fidelite_kernels::mem::set_limit(8 << 20);
}

/// A float biased to what breaks numerics: zeros of both signs, NaN, infinities, the
/// smallest and largest magnitudes, whole numbers, or any bit pattern.
pub fn float(u: &mut Unstructured) -> Result<f64> {
    const SPECIAL: [f64; 14] = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        2.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        1e-10,
        1e10,
    ];
    Ok(match u.int_in_range(0..=5)? {
        0 | 1 => *u.choose(&SPECIAL)?,
        2 => f64::from_bits(u.arbitrary()?),
        3 => u.int_in_range(0..=60)? as f64,
        _ => u.int_in_range(0..=4000)? as f64 / 16.0,
    })
}

/// An `i64` biased to the extremes and to small values.
pub fn int(u: &mut Unstructured) -> Result<i64> {
    const SPECIAL: [i64; 8] = [i64::MIN, i64::MAX, i64::MIN + 1, i64::MAX - 1, 0, -1, 1 << 53, (1 << 53) + 1];
    Ok(match u.int_in_range(0..=3)? {
        0 => *u.choose(&SPECIAL)?,
        1 => u.arbitrary()?,
        _ => u.int_in_range(-5..=20)?,
    })
}

/// Up to `max` values drawn by `f`.
pub fn vec_of<T>(
    u: &mut Unstructured,
    max: usize,
    mut f: impl FnMut(&mut Unstructured) -> Result<T>,
) -> Result<Vec<T>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| f(u)).collect()
}
