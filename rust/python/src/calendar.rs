//! The calendar object (`fidelite._core.Calendar`): the kernels' calendar behind a frozen
//! Python class, built once per query and passed to every kernel of it. It owns period
//! lookup, the period axis, labels and completeness.
use fidelite_kernels::calendar::{self, Period};
use fidelite_kernels::{mem, KernelError};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::arrays::Arr;
use crate::gil::Detach;

/// What rebuilds a calendar: `(period, tz, week_start, t_range)`.
type CalendarArgs = (&'static str, String, u8, (i64, i64));

/// Periods of `period` cut in the local wall time of the IANA zone `tz` (DST-correct),
/// weeks starting on `week_start` (0 = Monday .. 6 = Sunday). Lookups are fast for
/// instants in `t_range` (µs since the epoch, UTC), exact everywhere. Immutable,
/// thread-safe and picklable; subclass it to add methods.
#[pyclass(module = "fidelite._core", frozen, subclass)]
pub struct Calendar {
    pub inner: calendar::Calendar,
    week_start: u8,
    t_range: (i64, i64),
}

#[pymethods]
impl Calendar {
    #[new]
    #[pyo3(signature = (period, tz, week_start=0, t_range=(0, 0)))]
    fn new(py: Python<'_>, period: &str, tz: &str, week_start: u8, t_range: (i64, i64)) -> PyResult<Self> {
        let inner =
            py.run_kernel(|| calendar::Calendar::new(tz, Period::parse(period, week_start)?, t_range.0, t_range.1))?;
        Ok(Calendar { inner, week_start, t_range })
    }

    /// `day`, `week`, `month`, `quarter` or `year`.
    #[getter]
    fn period(&self) -> &'static str {
        self.inner.period.name()
    }

    /// The IANA zone.
    #[getter]
    fn tz(&self) -> &str {
        self.inner.tz()
    }

    /// The first day of a week (0 = Monday .. 6 = Sunday).
    #[getter]
    pub fn week_start(&self) -> u8 {
        self.week_start
    }

    /// The instants whose lookups are fast.
    #[getter]
    fn t_range(&self) -> (i64, i64) {
        self.t_range
    }

    /// Period index of each instant (µs since the epoch, UTC).
    fn periods_of<'py>(&self, py: Python<'py>, ts: PyReadonlyArray1<'py, i64>) -> PyResult<Arr<'py, i64>> {
        let ts = ts.as_slice()?;
        let out = py.run_kernel(|| Ok(ts.iter().map(|&t| self.inner.period_of(t)).collect::<Vec<_>>()))?;
        Ok(out.into_pyarray(py))
    }

    /// Period index of one instant.
    fn period_of(&self, t: i64) -> i64 {
        self.inner.period_of(t)
    }

    /// Period index of each local day (days since 1970-01-01).
    fn periods_of_days<'py>(&self, py: Python<'py>, days: PyReadonlyArray1<'py, i64>) -> PyResult<Arr<'py, i64>> {
        let (p, days) = (self.inner.period, days.as_slice()?);
        Ok(py.run_kernel(|| Ok(days.iter().map(|&d| p.of_day(d)).collect::<Vec<_>>()))?.into_pyarray(py))
    }

    /// The local day (days since 1970-01-01) of one instant.
    fn local_day(&self, t: i64) -> i64 {
        self.inner.local_day(t)
    }

    /// The UTC instant at which local day `day` begins.
    fn day_start(&self, day: i64) -> i64 {
        self.inner.day_start_instant(day)
    }

    /// The UTC instant at which each local day of `days` begins (days since 1970-01-01;
    /// days outside years 1..9999 begin at UTC midnight, saturating).
    fn day_starts<'py>(&self, py: Python<'py>, days: PyReadonlyArray1<'py, i64>) -> PyResult<Arr<'py, i64>> {
        let days = days.as_slice()?;
        let out = py.run_kernel(|| Ok(days.iter().map(|&d| self.inner.day_start_instant(d)).collect::<Vec<_>>()))?;
        Ok(out.into_pyarray(py))
    }

    /// The first local days (hours: the local wall-clock start, in microseconds) and the
    /// UTC start instants of periods `first ..= first + count` (`count + 1` values each:
    /// the last ones end the period before).
    fn axis<'py>(&self, py: Python<'py>, first: i64, count: usize) -> PyResult<(Arr<'py, i64>, Arr<'py, i64>)> {
        let (days, bounds) = py.run_kernel(|| {
            self.check_axis("an axis", first, count, 16)?;
            let p = self.inner.period;
            let bounds = self.inner.bounds(first, count);
            let days: Vec<i64> = if p == Period::Hour {
                bounds.iter().map(|&t| self.inner.local_us(t)).collect()
            } else {
                (0..=count as i64).map(|k| p.start_day(first.saturating_add(k))).collect()
            };
            Ok((days, bounds))
        })?;
        Ok((days.into_pyarray(py), bounds.into_pyarray(py)))
    }

    /// The labels of the `count` periods from `first`: `2024-03` (month), `2024-Q1`
    /// (quarter), `2024` (year), else the ISO date of the period's first day.
    fn period_labels(&self, py: Python<'_>, first: i64, count: usize) -> PyResult<Vec<String>> {
        py.run_kernel(|| {
            self.check_axis("the labels of an axis", first, count, 64)?;
            Ok(self.inner.labels(first, count))
        })
    }

    /// Whether each of the `count` periods from `first` had fully elapsed at `as_of`.
    fn complete<'py>(&self, py: Python<'py>, first: i64, count: usize, as_of: i64) -> PyResult<Arr<'py, bool>> {
        let out = py.run_kernel(|| {
            self.check_axis("the completeness of an axis", first, count, 9)?;
            Ok(self.inner.complete(first, count, as_of))
        })?;
        Ok(out.into_pyarray(py))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> (Bound<'py, PyType>, CalendarArgs) {
        let c = slf.get();
        (slf.get_type(), (c.inner.period.name(), c.inner.tz().to_string(), c.week_start, c.t_range))
    }

    fn __repr__(&self) -> String {
        format!("<Calendar {} in {}>", self.inner.period.name(), self.inner.tz())
    }
}

impl Calendar {
    /// The memory check of `count` periods from `first` taking `per_period` bytes each.
    fn check_axis(&self, what: &str, first: i64, count: usize, per_period: u128) -> Result<(), KernelError> {
        let what = || format!("{what} of {} {}s", mem::count(count as u64), self.inner.period.name());
        let last = self.inner.period_start_instant(first.saturating_add(count as i64));
        self.inner.check_span(what, (count as u128 + 1) * per_period, first, last)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Calendar>()
}
