//! What every binding module shares: numpy <-> slice helpers, and the two arguments every
//! calendar kernel reads, each extracted from one Python object by attribute:
//! [`EventsArg`] (the events, in either layout) and [`QueryArgs`] (the calendar, `as_of`,
//! the time range and the axis origin of one query).
use fidelite_kernels::calendar;
use fidelite_kernels::{Events, Grouped, KernelError};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::calendar::Calendar;

/// A 1-d numpy array owned by Python.
pub type Arr<'py, T> = Bound<'py, PyArray1<T>>;

/// The slice of an optional array (a non-contiguous array is a `TypeError`).
pub fn opt_slice<'a, T: numpy::Element>(a: &'a Option<PyReadonlyArray1<'_, T>>) -> PyResult<Option<&'a [T]>> {
    a.as_ref().map(|a| a.as_slice()).transpose().map_err(PyErr::from)
}

/// The events of a log as fidelite's `EventLog.events()` (or `.grouped()`) gives them:
/// `ts` and either `codes` (rows in any order) or `indptr` (the grouped layout), and the
/// number of customers.
#[derive(FromPyObject)]
pub struct EventsArg<'py> {
    pub ts: PyReadonlyArray1<'py, i64>,
    pub codes: Option<PyReadonlyArray1<'py, u32>>,
    pub indptr: Option<PyReadonlyArray1<'py, i64>>,
    pub n_customers: usize,
}

impl EventsArg<'_> {
    /// The events in whichever layout was given.
    pub fn events(&self) -> PyResult<Result<Events<'_>, KernelError>> {
        let (ts, codes, indptr) = (self.ts.as_slice()?, opt_slice(&self.codes)?, opt_slice(&self.indptr)?);
        Ok(match (codes, indptr) {
            (Some(codes), None) => Ok(Events::Rows { codes, ts }),
            (None, Some(indptr)) => Grouped::new(indptr, ts).map(Events::Grouped),
            _ => Err(KernelError::InvalidParameter(
                "pass events with exactly one of codes (rows) or indptr (grouped)".into(),
            )),
        })
    }

    /// The grouped layout (kernels that read only that one).
    pub fn grouped(&self) -> PyResult<Result<Grouped<'_>, KernelError>> {
        Ok(match self.events()? {
            Ok(Events::Grouped(g)) => Ok(g),
            Ok(Events::Rows { .. }) => {
                Err(KernelError::InvalidParameter("this kernel reads the grouped layout: pass log.grouped()".into()))
            }
            Err(e) => Err(e),
        })
    }
}

/// The shared parameters of one query, read from fidelite's `Query` by attribute: its
/// calendar (zone, period, week start, the range its tables cover), `as_of`, the time
/// range of the data and the first period of every axis (None: from the data).
#[derive(FromPyObject)]
pub struct QueryArgs<'py> {
    pub calendar: Bound<'py, Calendar>,
    pub as_of: i64,
    pub t_range: (i64, i64),
    pub origin: Option<i64>,
}

impl QueryArgs<'_> {
    /// The kernel's calendar.
    pub fn cal(&self) -> &calendar::Calendar {
        &self.calendar.get().inner
    }
}
