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

/// A calendar of a random zone and period over a random range.
pub fn calendar(u: &mut Unstructured) -> Result<Option<Calendar>> {
    let zone = *u.choose(&ZONES)?;
    let period = Period::parse(u.choose(&PERIODS)?, u.int_in_range(0..=6)?).expect("known period");
    let (a, b) = (instant(u)?, instant(u)?);
    Ok(Calendar::new(zone, period, a.min(b), a.max(b)).ok())
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
    for _ in 0..n {
        codes.push(u.int_in_range(0..=n_customers as u32 - 1)?);
        let t = if u.ratio(1, 5)? { tie } else { instant(u)? };
        ts.push(t.clamp(MIN_US, MAX_US));
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

/// Sets a small memory limit: an answer too large must be an error, not an abort.
pub fn small_limit() {
    fidelite_kernels::mem::set_limit(64 << 20);
}
