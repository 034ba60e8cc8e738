//! Calendar periods cut in local wall time of an IANA zone, DST-correct.
//!
//! An instant's offset from UTC comes from a per-UTC-day table built once per query
//! (offset before, instant of the transition inside that day if any, offset after), so the
//! hot loop does one table read per event. Local days map to periods by integer
//! arithmetic on the proleptic Gregorian calendar.
use chrono::{DateTime, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

use crate::{KernelError, Result, US_PER_DAY, US_PER_SEC};

/// Microseconds in an hour.
pub const US_PER_HOUR: i64 = 3_600 * US_PER_SEC;

/// The unit a calendar is cut into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Elapsed hours cut at each local :00 (a fall-back day has 25, a spring-forward day
    /// 23; a zone with a half-hour offset cuts at its own :00). Not a union of local days:
    /// only [`Calendar`] places instants in hours ([`Calendar::period_of`]).
    Hour,
    Day,
    /// Weeks starting on the given weekday (0 = Monday .. 6 = Sunday).
    Week(u8),
    Month,
    Quarter,
    Year,
}

impl Period {
    /// Parses `day | week | month | quarter | year | hour`; `week_start` is 0 = Monday .. 6 = Sunday.
    pub fn parse(name: &str, week_start: u8) -> Result<Self> {
        if week_start > 6 {
            return Err(KernelError::InvalidParameter(format!(
                "week_start must be 0 (Monday) .. 6 (Sunday), got {week_start}"
            )));
        }
        Ok(match name {
            "hour" => Period::Hour,
            "day" => Period::Day,
            "week" => Period::Week(week_start),
            "month" => Period::Month,
            "quarter" => Period::Quarter,
            "year" => Period::Year,
            other => {
                return Err(KernelError::InvalidParameter(format!(
                    "unknown period {other:?}: use one of day, week, month, quarter, year, hour"
                )))
            }
        })
    }

    /// Index of the period holding local day `day` (days since 1970-01-01); for hours,
    /// the hour the day's UTC midnight falls in (hours do not follow local days: see
    /// [`Calendar::period_of`]).
    #[inline]
    pub fn of_day(self, day: i64) -> i64 {
        match self {
            Period::Hour => day.saturating_mul(24),
            Period::Day => day,
            // 1970-01-01 was a Thursday (weekday 3 when Monday = 0).
            Period::Week(ws) => day.saturating_add(3 - ws as i64).div_euclid(7),
            Period::Month => {
                let (y, m, _) = civil_from_days(day);
                y * 12 + m as i64 - 1
            }
            Period::Quarter => {
                let (y, m, _) = civil_from_days(day);
                y * 4 + (m as i64 - 1) / 3
            }
            Period::Year => civil_from_days(day).0,
        }
    }

    /// The name of the unit: `hour`, `day`, `week`, `month`, `quarter` or `year`.
    pub fn name(self) -> &'static str {
        match self {
            Period::Hour => "hour",
            Period::Day => "day",
            Period::Week(_) => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
        }
    }

    /// The label of period `p`: `2024-03` (month), `2024-Q1` (quarter), `2024` (year),
    /// else the ISO date of its first day.
    ///
    /// ```
    /// use fidelite_kernels::calendar::Period;
    /// let march = Period::Month.of_day(19_800);
    /// assert_eq!(Period::Month.label(march), "2024-03");
    /// assert_eq!(Period::Week(6).label(Period::Week(6).of_day(19_800)), "2024-03-17");
    /// ```
    pub fn label(self, p: i64) -> String {
        match self {
            Period::Month => format!("{}-{:02}", p.div_euclid(12), p.rem_euclid(12) + 1),
            Period::Quarter => format!("{}-Q{}", p.div_euclid(4), p.rem_euclid(4) + 1),
            Period::Year => p.to_string(),
            Period::Hour | Period::Day | Period::Week(_) => {
                let (y, m, d) = civil_from_days(self.start_day(p));
                format!("{y:04}-{m:02}-{d:02}")
            }
        }
    }

    /// First local day of period `p` (inverse of [`Period::of_day`]).
    pub fn start_day(self, p: i64) -> i64 {
        match self {
            Period::Hour => p.div_euclid(24),
            Period::Day => p,
            Period::Week(ws) => p.saturating_mul(7).saturating_add(ws as i64 - 3),
            Period::Month => days_from_civil(p.div_euclid(12), (p.rem_euclid(12) + 1) as u32, 1),
            Period::Quarter => days_from_civil(p.div_euclid(4), (p.rem_euclid(4) * 3 + 1) as u32, 1),
            Period::Year => days_from_civil(p, 1, 1),
        }
    }
}

/// Day counts the civil conversions read exactly (about +-3 billion years); others are
/// clamped to them, so that no day count overflows.
const CIVIL_DAYS: i64 = 1 << 40;

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01 (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z.clamp(-CIVIL_DAYS, CIVIL_DAYS) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

/// Day count since 1970-01-01 of a civil date (years beyond about +-3 billion clamped).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = y.clamp(-(CIVIL_DAYS / 366), CIVIL_DAYS / 366);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Limit of the per-day offset table; instants outside it take the slow exact path.
const MAX_TABLE_DAYS: i64 = 200_000;
/// Instants the kernels accept: years 1 .. 9999.
pub const MIN_US: i64 = -62_135_596_800 * US_PER_SEC;
pub const MAX_US: i64 = 253_402_300_799 * US_PER_SEC;
/// Local days a calendar places exactly: those of years 1 .. 9999 and a few around them
/// (other days, where no event lies, start at UTC midnight).
pub const MIN_DAY: i64 = MIN_US / US_PER_DAY - 2;
pub const MAX_DAY: i64 = MAX_US / US_PER_DAY + 2;

/// The ISO date (`YYYY-MM-DD`) of a day count since 1970-01-01.
pub fn iso_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A time zone plus a period unit: maps instants to local days and periods, and owns the
/// period axis (start instants, labels) and completeness. Built once per query (its tables
/// cover a range of instants: others are placed exactly, more slowly).
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: Option<Tz>, // None = UTC (no offset lookups at all)
    tz_name: String,
    pub period: Period,
    day0: i64,
    off_before: Vec<i32>,
    transition: Vec<i64>,
    off_after: Vec<i32>,
    // period of each local day in [local_day0, local_day0 + periods.len())
    local_day0: i64,
    periods: Vec<i64>,
}

fn parse_tz(name: &str) -> Result<Option<Tz>> {
    if name == "UTC" || name == "Etc/UTC" || name == "utc" {
        return Ok(None);
    }
    name.parse::<Tz>().map(Some).map_err(|_| KernelError::UnknownTimeZone(name.to_string()))
}

fn offset_secs(tz: &Tz, secs: i64) -> i32 {
    let ndt: NaiveDateTime = DateTime::from_timestamp(secs, 0).expect("instant in range").naive_utc();
    tz.offset_from_utc_datetime(&ndt).fix().local_minus_utc()
}

impl Calendar {
    /// A calendar able to place instants in `[t_min, t_max]` (microseconds, UTC) quickly;
    /// instants outside still work, more slowly.
    pub fn new(tz: &str, period: Period, t_min: i64, t_max: i64) -> Result<Self> {
        let tz_name = tz.to_string();
        let tz = parse_tz(tz)?;
        let mut cal = Calendar {
            tz,
            tz_name,
            period,
            day0: 0,
            off_before: vec![],
            transition: vec![],
            off_after: vec![],
            local_day0: 0,
            periods: vec![],
        };
        if let Some(z) = &cal.tz {
            let (lo, hi) = (t_min.clamp(MIN_US, MAX_US), t_max.clamp(MIN_US, MAX_US));
            if lo <= hi {
                let d0 = lo.div_euclid(US_PER_DAY) - 1;
                let d1 = (hi.div_euclid(US_PER_DAY) + 1).min(d0 + MAX_TABLE_DAYS);
                cal.day0 = d0;
                for d in d0..=d1 {
                    let s0 = d * 86_400;
                    let (a, b) = (offset_secs(z, s0), offset_secs(z, s0 + 86_399));
                    let mut trans = i64::MAX;
                    if a != b {
                        // first second of the day carrying the new offset
                        let (mut lo_s, mut hi_s) = (s0, s0 + 86_399);
                        while hi_s - lo_s > 1 {
                            let mid = (lo_s + hi_s) / 2;
                            if offset_secs(z, mid) == a {
                                lo_s = mid
                            } else {
                                hi_s = mid
                            }
                        }
                        trans = hi_s * US_PER_SEC;
                    }
                    cal.off_before.push(a);
                    cal.transition.push(trans);
                    cal.off_after.push(b);
                }
            }
        }
        let (lo, hi) = (t_min.clamp(MIN_US, MAX_US), t_max.clamp(MIN_US, MAX_US));
        if lo <= hi {
            // local days are within +-1 day of UTC days
            let d0 = lo.div_euclid(US_PER_DAY) - 2;
            let d1 = (hi.div_euclid(US_PER_DAY) + 2).min(d0 + MAX_TABLE_DAYS);
            cal.local_day0 = d0;
            cal.periods = (d0..=d1).map(|d| period.of_day(d)).collect();
        }
        Ok(cal)
    }

    /// Local wall-clock microseconds of instant `t`.
    #[inline(always)]
    pub fn local_us(&self, t: i64) -> i64 {
        if self.tz.is_none() {
            return t;
        }
        let d = t.div_euclid(US_PER_DAY).wrapping_sub(self.day0) as usize;
        let off = if d < self.off_before.len() {
            if t < self.transition[d] {
                self.off_before[d]
            } else {
                self.off_after[d]
            }
        } else {
            self.offset_slow(t)
        };
        // saturating: instants near the ends of i64 (a NaT, a sentinel as_of) stay ordered
        t.saturating_add(off as i64 * US_PER_SEC)
    }

    #[cold]
    #[inline(never)]
    fn offset_slow(&self, t: i64) -> i32 {
        self.tz.as_ref().map_or(0, |z| offset_secs(z, t.clamp(MIN_US, MAX_US).div_euclid(US_PER_SEC)))
    }

    /// Local day (days since 1970-01-01 in local wall time) of instant `t`.
    #[inline(always)]
    pub fn local_day(&self, t: i64) -> i64 {
        self.local_us(t).div_euclid(US_PER_DAY)
    }

    /// Period index of instant `t`.
    #[inline(always)]
    pub fn period_of(&self, t: i64) -> i64 {
        if self.period == Period::Hour {
            return self.hour_of(t);
        }
        let day = self.local_day(t);
        let i = day.wrapping_sub(self.local_day0) as usize;
        if i < self.periods.len() {
            self.periods[i]
        } else {
            self.period_slow(day)
        }
    }

    /// Hour index of instant `t`: elapsed hours on the grid of the local :00, i.e.
    /// `floor((t + f) / 1 h)` where `f` is the part of the UTC offset in force at `t` under
    /// a whole hour (0 in most zones, 30 min in Asia/Kolkata). An offset change by whole
    /// hours (DST) keeps the grid: the repeated local hour is two periods, the skipped
    /// one none. A change by a fraction of an hour (Lord Howe's 30-minute DST, a zone's
    /// move off local mean time) shifts the grid: the hour around it is cut short or
    /// merged with the next.
    #[inline(always)]
    pub fn hour_of(&self, t: i64) -> i64 {
        let off = self.local_us(t).wrapping_sub(t);
        t.saturating_add(off.rem_euclid(US_PER_HOUR)).div_euclid(US_PER_HOUR)
    }

    /// UTC instant at which hour `p` begins (the first instant `hour_of` maps to `p` or
    /// later).
    fn hour_start_instant(&self, p: i64) -> i64 {
        let grid = p.saturating_mul(US_PER_HOUR);
        // the usual case: the grid point moved by the offset's part under an hour
        for probe in [grid, grid.saturating_sub(US_PER_HOUR)] {
            let off = self.local_us(probe).wrapping_sub(probe);
            let c = grid.saturating_sub(off.rem_euclid(US_PER_HOUR));
            if self.hour_of(c) >= p && (c == i64::MIN || self.hour_of(c - 1) < p) {
                return c;
            }
        }
        // a shifted grid: the smallest instant of hour p or later, by bisection
        let (mut lo, mut hi) = (grid.saturating_sub(2 * US_PER_HOUR), grid.saturating_add(US_PER_HOUR));
        if self.hour_of(lo) >= p {
            return lo;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.hour_of(mid) >= p {
                hi = mid
            } else {
                lo = mid
            }
        }
        hi
    }

    #[cold]
    #[inline(never)]
    fn period_slow(&self, day: i64) -> i64 {
        self.period.of_day(day)
    }

    /// UTC instant at which local day `day` begins (the first instant at or after local
    /// midnight when midnight falls in a DST gap). Days outside [`MIN_DAY`] ..=
    /// [`MAX_DAY`] begin at UTC midnight (saturating at the ends of `i64`).
    pub fn day_start_instant(&self, day: i64) -> i64 {
        let utc = day.saturating_mul(US_PER_DAY);
        let Some(z) = &self.tz else { return utc };
        if !(MIN_DAY..=MAX_DAY).contains(&day) {
            return utc;
        }
        let base = DateTime::from_timestamp(day * 86_400, 0).expect("day in range").naive_utc();
        for minute in 0..=1440 {
            let ndt = base + chrono::Duration::minutes(minute);
            if let Some(dt) = z.from_local_datetime(&ndt).earliest() {
                return dt.timestamp() * US_PER_SEC;
            }
        }
        unreachable!("a local day always has a valid instant")
    }

    /// UTC instant at which period `p` begins.
    pub fn period_start_instant(&self, p: i64) -> i64 {
        if self.period == Period::Hour {
            return self.hour_start_instant(p);
        }
        self.day_start_instant(self.period.start_day(p))
    }

    /// The label of hour `p`: its local start, `YYYY-MM-DD HH:MM`, followed by the UTC
    /// offset (`-04:00`) when the same local time starts another hour next to it (the
    /// repeated hour of a fall-back day).
    fn hour_label(&self, p: i64) -> String {
        let wall = |q: i64| self.local_us(self.hour_start_instant(q));
        let local = wall(p);
        let (day, us) = (local.div_euclid(US_PER_DAY), local.rem_euclid(US_PER_DAY));
        let minutes = us / (60 * US_PER_SEC);
        let text = format!("{} {:02}:{:02}", iso_date(day), minutes / 60, minutes % 60);
        let repeated = |q: i64| q != p && wall(q).saturating_sub(local).saturating_abs() < US_PER_HOUR;
        if !(repeated(p.saturating_sub(1)) || repeated(p.saturating_add(1))) {
            return text;
        }
        let off = local.saturating_sub(self.hour_start_instant(p)) / (60 * US_PER_SEC);
        format!("{text}{}{:02}:{:02}", if off < 0 { '-' } else { '+' }, off.abs() / 60, off.abs() % 60)
    }

    /// The IANA name of the zone.
    pub fn tz(&self) -> &str {
        &self.tz_name
    }

    /// `Ok` when `origin` (the first period of an axis, or None) is a period some `i64`
    /// instant falls in; an error otherwise (an axis from there could not be counted).
    pub fn check_origin(&self, origin: Option<i64>) -> Result<()> {
        let (lo, hi) = (self.period_of(i64::MIN), self.period_of(i64::MAX));
        match origin {
            Some(p) if !(lo..=hi).contains(&p) => Err(KernelError::InvalidParameter(format!(
                "the axis origin, {} {p}, is not a {} of any instant",
                self.period.name(),
                self.period.name()
            ))),
            _ => Ok(()),
        }
    }

    /// The local date (`YYYY-MM-DD`) of instant `t`.
    pub fn date_of(&self, t: i64) -> String {
        iso_date(self.local_day(t))
    }

    /// [`crate::mem::check`] of `bytes` for a buffer sized by the span from period `first`
    /// to instant `last`: the error names `what`, the span's first and last local dates
    /// and how to shorten it (filter placeholder dates, an earlier `as_of`, a longer
    /// period) or to raise the limit.
    pub fn check_span(&self, what: impl FnOnce() -> String, bytes: u128, first: i64, last: i64) -> Result<()> {
        if bytes <= crate::mem::limit() as u128 {
            return Ok(());
        }
        let from = match self.period {
            Period::Hour => {
                self.date_of(self.period_start_instant(first.clamp(self.hour_of(MIN_US), self.hour_of(MAX_US))))
            }
            p => iso_date(p.start_day(first.clamp(p.of_day(MIN_DAY), p.of_day(MAX_DAY)))),
        };
        let hint = format!(
            ": its {}s run from {from} to {} ({}). A placeholder date in the data (such as 1900-01-01 or \
             9999-12-31) or a far-off as_of usually causes this: filter such rows out, pass an earlier as_of=, \
             or choose a longer period; if the span is meant, raise the limit with fidelite.set_memory_limit()",
            self.period.name(),
            self.date_of(last),
            self.tz_name,
        );
        crate::mem::check(bytes, what, &hint)
    }

    /// The UTC start instants of periods `first ..= first + count` (`count + 1` values: the
    /// last one ends the period before it).
    pub fn bounds(&self, first: i64, count: usize) -> Vec<i64> {
        (0..=count as i64).map(|k| self.period_start_instant(first.saturating_add(k))).collect()
    }

    /// Whether each of the `count` periods from `first` had fully elapsed at `as_of`.
    pub fn complete(&self, first: i64, count: usize, as_of: i64) -> Vec<bool> {
        self.bounds(first, count)[1..].iter().map(|&end| end <= as_of.saturating_add(1)).collect()
    }

    /// The labels of the `count` periods from `first` (see [`Period::label`]; hours:
    /// `2024-11-03 01:00`, the repeated hour of a fall-back day with its UTC offset,
    /// `2024-11-03 01:00-04:00` then `2024-11-03 01:00-05:00`).
    pub fn labels(&self, first: i64, count: usize) -> Vec<String> {
        (0..count as i64)
            .map(|k| {
                let p = first.saturating_add(k);
                if self.period == Period::Hour {
                    self.hour_label(p)
                } else {
                    self.period.label(p)
                }
            })
            .collect()
    }
}

/// How return offsets are measured: calendar periods, or fixed-length windows from each
/// customer's start instant (`window="rolling"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Calendar,
    /// Window length in microseconds (24 h, 7 d or 30 d).
    Rolling(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in -800_000..800_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn period_start_day_inverts_of_day() {
        for p in [Period::Day, Period::Week(0), Period::Week(6), Period::Month, Period::Quarter, Period::Year] {
            for day in -1000..1000 {
                let k = p.of_day(day);
                assert!(p.start_day(k) <= day && day < p.start_day(k + 1), "{p:?} {day}");
            }
        }
    }

    #[test]
    fn week_start() {
        // 1970-01-04 was a Sunday, 1970-01-05 a Monday.
        assert_ne!(Period::Week(0).of_day(3), Period::Week(0).of_day(4));
        assert_eq!(Period::Week(6).of_day(3), Period::Week(6).of_day(4));
        assert_eq!(Period::Week(6).start_day(Period::Week(6).of_day(5)), 3);
    }

    #[test]
    fn paris_dst() {
        // 2024-03-31 01:00 UTC: Paris jumps from +1 to +2.
        let t = 1_711_846_800 * US_PER_SEC;
        let cal = Calendar::new("Europe/Paris", Period::Day, t - US_PER_DAY, t + US_PER_DAY).unwrap();
        assert_eq!(cal.local_us(t - 1) - (t - 1), 3600 * US_PER_SEC);
        assert_eq!(cal.local_us(t) - t, 7200 * US_PER_SEC);
        // 2024-03-31 22:30 UTC is already April 1st in Paris.
        let late = t + (21 * 3600 + 1800) * US_PER_SEC;
        let m = Calendar::new("Europe/Paris", Period::Month, t, late).unwrap();
        assert_eq!(m.period_of(late), 2024 * 12 + 3);
        assert_eq!(m.period_start_instant(2024 * 12 + 3), late - 1800 * US_PER_SEC);
    }

    #[test]
    fn table_and_slow_path_agree() {
        let cal = Calendar::new("America/New_York", Period::Month, 0, 400 * US_PER_DAY).unwrap();
        let z: Tz = "America/New_York".parse().unwrap();
        for h in (-5000..20000).step_by(7) {
            let t = h * 3_600 * US_PER_SEC + 1234;
            let want = t + offset_secs(&z, t.div_euclid(US_PER_SEC)) as i64 * US_PER_SEC;
            assert_eq!(cal.local_us(t), want);
        }
    }

    /// Seconds since the epoch of a UTC date and time.
    fn utc(y: i64, m: u32, d: u32, h: i64, min: i64) -> i64 {
        (days_from_civil(y, m, d) * 86_400 + h * 3_600 + min * 60) * US_PER_SEC
    }

    #[test]
    fn hours_follow_dst_and_half_hour_zones() {
        // New York, 2024-11-03 (fall back at 06:00 UTC) and 2024-03-10 (spring forward at 07:00 UTC)
        let ny =
            Calendar::new("America/New_York", Period::Hour, utc(2024, 3, 1, 0, 0), utc(2024, 12, 1, 0, 0)).unwrap();
        let hours = |a: i64, b: i64| ny.period_of(b) - ny.period_of(a);
        assert_eq!(hours(utc(2024, 11, 3, 4, 0), utc(2024, 11, 4, 5, 0)), 25); // local midnight to midnight
        assert_eq!(hours(utc(2024, 3, 10, 5, 0), utc(2024, 3, 11, 4, 0)), 23);
        let p = ny.period_of(utc(2024, 11, 3, 5, 0)); // 01:00 EDT
        assert_eq!(
            ny.labels(p - 1, 4),
            ["2024-11-03 00:00", "2024-11-03 01:00-04:00", "2024-11-03 01:00-05:00", "2024-11-03 02:00"]
        );
        assert_eq!(ny.period_start_instant(p + 1), utc(2024, 11, 3, 6, 0));
        let q = ny.period_of(utc(2024, 3, 10, 6, 59));
        assert_eq!(ny.labels(q, 2), ["2024-03-10 01:00", "2024-03-10 03:00"]);
        // Kolkata (+05:30) and Adelaide (+10:30 in summer) cut at their own :00, i.e. :30 UTC
        for (tz, local) in [("Asia/Kolkata", "2024-01-15 06:00"), ("Australia/Adelaide", "2024-01-15 11:00")] {
            let cal = Calendar::new(tz, Period::Hour, utc(2024, 1, 1, 0, 0), utc(2024, 2, 1, 0, 0)).unwrap();
            let t = utc(2024, 1, 15, 0, 30);
            assert_eq!(cal.period_of(t), cal.period_of(t - 1) + 1, "{tz}");
            assert_eq!(cal.period_start_instant(cal.period_of(t + 3_599 * US_PER_SEC)), t, "{tz}");
            assert_eq!(cal.labels(cal.period_of(t), 1), [local], "{tz}");
        }
        // every start instant maps back to its hour, the instant before to the one before,
        // inside and outside the fast table, across DST and a 30-minute DST (Lord Howe)
        for tz in ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"] {
            let cal = Calendar::new(tz, Period::Hour, utc(2024, 1, 1, 0, 0), utc(2024, 2, 1, 0, 0)).unwrap();
            let (a, b) = (cal.period_of(utc(2023, 1, 1, 0, 0)), cal.period_of(utc(2025, 1, 1, 0, 0)));
            let mut last = i64::MIN;
            for p in a..b {
                let s = cal.period_start_instant(p);
                assert!(s > last, "{tz} {p}");
                assert_eq!(cal.period_of(s), p, "{tz} {p}");
                assert_eq!(cal.period_of(s - 1), p - 1, "{tz} {p}");
                last = s;
            }
        }
    }

    #[test]
    fn unknown_zone_and_period() {
        assert!(matches!(Calendar::new("Mars/Olympus", Period::Day, 0, 0), Err(KernelError::UnknownTimeZone(_))));
        assert!(Period::parse("fortnight", 0).is_err());
        assert!(Period::parse("week", 7).is_err());
    }
}
