use fidelite_kernels::ids::{self, IdIndex, Labels};
use numpy::{IntoPyArray, PyArray1, PyArrayMethods, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::arrays::Arr;
use crate::arrow;
use crate::gil::Detach;

/// Adds the id functions and the `IdIndex` class.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(factorize_i64, m)?)?;
    m.add_function(wrap_pyfunction!(factorize_ids, m)?)?;
    m.add_function(wrap_pyfunction!(factorize_int_ids, m)?)?;
    m.add_function(wrap_pyfunction!(arrow_text, m)?)?;
    m.add_class::<PyIdIndex>()?;
    m.add_class::<arrow::ArrowArray>()?;
    Ok(())
}

/// Factorises int64 ids into codes numbered in ascending id order: `(codes, uniques)`.
#[pyfunction]
pub fn factorize_i64<'py>(
    py: Python<'py>,
    ids: PyReadonlyArray1<'py, i64>,
) -> PyResult<(Arr<'py, u32>, Arr<'py, i64>)> {
    let ids = ids.as_slice()?;
    let f = py.run_kernel(|| ids::factorize_i64(ids))?;
    Ok((f.codes.into_pyarray(py), f.uniques.into_pyarray(py)))
}

/// `(codes, n_null, index)` of a factorised column.
type Factorized<'py> = (Arr<'py, u32>, usize, PyIdIndex);

fn factorized(py: Python<'_>, f: ids::Ids) -> Factorized<'_> {
    (f.codes.into_pyarray(py), f.n_null, PyIdIndex { inner: f.index })
}

/// Factorises an Arrow id column (any object with `__arrow_c_stream__` or
/// `__arrow_c_array__`): `(codes, n_null, index)`, codes `0..len(index)` and
/// `4294967295` for null ids.
#[pyfunction]
pub fn factorize_ids<'py>(py: Python<'py>, column: &Bound<'py, PyAny>) -> PyResult<Factorized<'py>> {
    let arrays = arrow::chunks(column)?;
    let f = py.run_kernel(|| ids::arrow::factorize(&arrays))?;
    Ok(factorized(py, f))
}

/// Integer ids as numpy arrays: int64 or uint64.
#[derive(FromPyObject)]
pub enum IntIds<'py> {
    I64(PyReadonlyArray1<'py, i64>),
    U64(PyReadonlyArray1<'py, u64>),
}

fn null_buffer(valid: Option<&[bool]>, n: usize) -> PyResult<Option<arrow_buffer::NullBuffer>> {
    match valid {
        Some(v) if v.len() != n => {
            Err(crate::errors::to_pyerr_value(format!("valid has {} values but there are {n} ids", v.len())))
        }
        Some(v) => Ok(Some(arrow_buffer::NullBuffer::from(v))),
        None => Ok(None),
    }
}

/// Factorises int64 or uint64 ids held in numpy: `(codes, n_null, index)` as
/// [`factorize_ids`]; `valid` (bool) marks the rows that hold an id.
#[pyfunction]
#[pyo3(signature = (ids, valid=None))]
pub fn factorize_int_ids<'py>(
    py: Python<'py>,
    ids: IntIds<'py>,
    valid: Option<PyReadonlyArray1<'py, bool>>,
) -> PyResult<Factorized<'py>> {
    let valid = valid.as_ref().map(|v| v.as_slice()).transpose()?;
    let f = match &ids {
        IntIds::I64(a) => {
            let (v, n) = (a.as_slice()?, null_buffer(valid, a.len())?);
            py.run_kernel(|| ids::ints::factorize(&[ids::ints::IntChunk::new(v, n)]))?
        }
        IntIds::U64(a) => {
            let (v, n) = (a.as_slice()?, null_buffer(valid, a.len())?);
            py.run_kernel(|| ids::ints::factorize(&[ids::ints::IntChunk::new(v, n)]))?
        }
    };
    Ok(factorized(py, f))
}

/// An Arrow `large_string` (or `large_binary`) array from numpy buffers (copied): row `i`
/// is `data[offsets[i]..offsets[i + 1]]`, null where `valid` is False. For text held in
/// Python objects when pyarrow is not installed.
#[pyfunction]
#[pyo3(signature = (offsets, data, valid=None, binary=false))]
pub fn arrow_text(
    offsets: PyReadonlyArray1<'_, i64>,
    data: PyReadonlyArray1<'_, u8>,
    valid: Option<PyReadonlyArray1<'_, bool>>,
    binary: bool,
) -> PyResult<arrow::ArrowArray> {
    use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
    let offsets = offsets.as_slice()?;
    let n = offsets.len().saturating_sub(1);
    let nulls = null_buffer(valid.as_ref().map(|v| v.as_slice()).transpose()?, n)?;
    let bad = |e: arrow_schema::ArrowError| crate::errors::to_pyerr_value(format!("not a valid text column: {e}"));
    if offsets.is_empty() || offsets[0] < 0 || offsets.windows(2).any(|w| w[1] < w[0]) {
        return Err(crate::errors::to_pyerr_value("offsets must be non-empty, non-negative and non-decreasing".into()));
    }
    let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets.to_vec()));
    let data = Buffer::from_slice_ref(data.as_slice()?);
    let array: arrow_array::ArrayRef = if binary {
        std::sync::Arc::new(arrow_array::LargeBinaryArray::try_new(offsets, data, nulls).map_err(bad)?)
    } else {
        std::sync::Arc::new(arrow_array::LargeStringArray::try_new(offsets, data, nulls).map_err(bad)?)
    };
    Ok(arrow::ArrowArray::new(array))
}

/// The distinct ids of a factorised column, one per code (immutable, thread-safe).
///
/// `len(index)` ids; `labels()` the id of each code (int64 / uint64 numpy for integer
/// ids; text and binary ids stay in Arrow buffers until asked for: `labels()` makes
/// Python objects, `labels_arrow()` does not); `sorted_order()` the codes in ascending id
/// order (computed once); `lookup(column)` the code of each id of another column.
#[pyclass(frozen, module = "fidelite._core", name = "IdIndex")]
pub struct PyIdIndex {
    inner: IdIndex,
}

fn kind_name(labels: &Labels) -> &'static str {
    match labels {
        Labels::Int(_) => "int64",
        Labels::UInt(_) => "uint64",
        Labels::Bytes { utf8: true, .. } => "text",
        Labels::Bytes { utf8: false, .. } => "binary",
    }
}

#[pymethods]
impl PyIdIndex {
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("IdIndex({} ids, {})", self.inner.len(), kind_name(self.inner.labels()))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyIdIndex>()
            .is_ok_and(|o| o.get().inner == self.inner && o.get().inner.is_ascending() == self.inner.is_ascending())
    }

    /// `"int64"`, `"uint64"` (ids beyond the int64 range), `"text"` or `"binary"`.
    #[getter]
    fn kind(&self) -> &'static str {
        kind_name(self.inner.labels())
    }

    /// Whether codes already follow ascending ids (dense integer ids).
    #[getter]
    fn ascending(&self) -> bool {
        self.inner.is_ascending()
    }

    /// The codes in ascending id order (uint32), computed on the first call.
    fn sorted_order<'py>(&self, py: Python<'py>) -> PyResult<Arr<'py, u32>> {
        let order = py.run_kernel(|| Ok(self.inner.sorted_order().to_vec()))?;
        Ok(order.into_pyarray(py))
    }

    /// The id of each code: int64 / uint64 numpy, or a numpy object array of `str` /
    /// `bytes` (one Python object per id: prefer `labels_arrow()` for many).
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_numpy(py, self.inner.labels())
    }

    /// The ids of `codes` (any integer array, each `0 <= code < len(index)`), as `labels()`.
    fn take<'py>(&self, py: Python<'py>, codes: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let np = py.import("numpy")?;
        let codes = np.call_method1("ascontiguousarray", (codes, np.getattr("int64")?))?;
        let codes = codes.cast::<PyArray1<i64>>()?.readonly();
        let codes = codes.as_slice()?;
        let n = self.inner.len() as i64;
        if let Some(bad) = codes.iter().find(|&&c| c < 0 || c >= n) {
            return Err(crate::errors::to_pyerr_value(format!("code {bad} is outside 0..{n}")));
        }
        let codes: Vec<u32> = codes.iter().map(|&c| c as u32).collect();
        let picked = py.run_kernel(|| self.inner.labels().take(&codes))?;
        to_numpy(py, &picked)
    }

    /// The index of the ids of `codes` (strictly increasing), in that order: what is left
    /// when rows are dropped (code `i` of the result is `codes[i]` here).
    fn subset<'py>(&self, py: Python<'py>, codes: PyReadonlyArray1<'py, u32>) -> PyResult<PyIdIndex> {
        let codes = codes.as_slice()?;
        Ok(PyIdIndex { inner: py.run_kernel(|| self.inner.subset(codes))? })
    }

    /// The labels as an Arrow array (int64, uint64, large_string or large_binary) behind
    /// `__arrow_c_array__`, e.g. `pyarrow.array(index.labels_arrow())`.
    fn labels_arrow(&self) -> PyResult<arrow::ArrowArray> {
        use arrow_array::{Int64Array, LargeBinaryArray, LargeStringArray, UInt64Array};
        use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
        let array: arrow_array::ArrayRef = match self.inner.labels() {
            Labels::Int(v) => std::sync::Arc::new(Int64Array::from(v.clone())),
            Labels::UInt(v) => std::sync::Arc::new(UInt64Array::from(v.clone())),
            Labels::Bytes { offsets, data, utf8 } => {
                let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets.clone()));
                let data = Buffer::from_vec(data.clone());
                if *utf8 {
                    std::sync::Arc::new(
                        LargeStringArray::try_new(offsets, data, None)
                            .map_err(|e| crate::errors::to_pyerr_value(e.to_string()))?,
                    )
                } else {
                    std::sync::Arc::new(LargeBinaryArray::new(offsets, data, None))
                }
            }
        };
        Ok(arrow::ArrowArray::new(array))
    }

    /// The code of each id of `column` (int64; -1 where the id is absent or null): an
    /// Arrow column or int64 / uint64 numpy ids of the same kind as the index's
    /// (integers for integers, text for text, binary for binary; else a `DTypeError`).
    fn lookup<'py>(&self, py: Python<'py>, column: &Bound<'py, PyAny>) -> PyResult<Arr<'py, i64>> {
        let codes = if arrow::is_arrow(column)? {
            let arrays = arrow::chunks(column)?;
            py.run_kernel(|| ids::arrow::lookup(&self.inner, &arrays))?
        } else if let Ok(ids) = column.extract::<IntIds>() {
            match &ids {
                IntIds::I64(a) => {
                    let v = a.as_slice()?;
                    py.run_kernel(|| self.inner.lookup_ints(&[ids::ints::IntChunk::new(v, None)]))?
                }
                IntIds::U64(a) => {
                    let v = a.as_slice()?;
                    py.run_kernel(|| self.inner.lookup_ints(&[ids::ints::IntChunk::new(v, None)]))?
                }
            }
        } else {
            return Err(PyTypeError::new_err(format!(
                "lookup takes an Arrow column or an int64 / uint64 numpy array, got {}",
                column.get_type().name()?
            )));
        };
        Ok(codes.into_pyarray(py))
    }

    /// Pickles as the labels in code order (codes survive the round trip unchanged).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let me = slf.get();
        let le = |v: Vec<u8>| PyBytes::new(py, &v).into_any();
        let payload: Vec<Bound<'py, PyAny>> = match me.inner.labels() {
            Labels::Int(v) => vec![le(v.iter().flat_map(|x| x.to_le_bytes()).collect())],
            Labels::UInt(v) => vec![le(v.iter().flat_map(|x| x.to_le_bytes()).collect())],
            Labels::Bytes { offsets, data, .. } => {
                vec![le(offsets.iter().flat_map(|x| x.to_le_bytes()).collect()), PyBytes::new(py, data).into_any()]
            }
        };
        let kind = PyString::new(py, kind_name(me.inner.labels())).into_any();
        let args = PyTuple::new(
            py,
            [
                kind,
                me.inner.is_ascending().into_pyobject(py)?.to_owned().into_any(),
                PyList::new(py, payload)?.into_any(),
            ],
        )?;
        Ok((slf.get_type().getattr("_from_state")?, args))
    }

    /// Rebuilds a pickled index (see `__reduce__`).
    #[classmethod]
    fn _from_state(
        _cls: &Bound<'_, pyo3::types::PyType>,
        kind: &str,
        ascending: bool,
        payload: Vec<Vec<u8>>,
    ) -> PyResult<PyIdIndex> {
        fn words<T>(b: &[u8], f: fn([u8; 8]) -> T) -> PyResult<Vec<T>> {
            if !b.len().is_multiple_of(8) {
                return Err(crate::errors::to_pyerr_value("a pickled IdIndex is truncated".into()));
            }
            Ok(b.chunks_exact(8).map(|c| f(c.try_into().expect("8 bytes"))).collect())
        }
        let labels = match (kind, payload.as_slice()) {
            ("int64", [v]) => Labels::Int(words(v, i64::from_le_bytes)?),
            ("uint64", [v]) => Labels::UInt(words(v, u64::from_le_bytes)?),
            ("text" | "binary", [o, d]) => {
                Labels::Bytes { offsets: words(o, i64::from_le_bytes)?, data: d.clone(), utf8: kind == "text" }
            }
            _ => return Err(crate::errors::to_pyerr_value(format!("not a pickled IdIndex (kind {kind:?})"))),
        };
        let labels = labels.checked().map_err(|e| crate::errors::to_pyerr_value(e.to_string()))?;
        Ok(PyIdIndex { inner: IdIndex::new(labels, ascending) })
    }
}

/// Labels as numpy: int64 / uint64, or an object array of `str` (`bytes` for binary ids)
/// made in one sequential read of the labels and handed to numpy without a list.
fn to_numpy<'py>(py: Python<'py>, labels: &Labels) -> PyResult<Bound<'py, PyAny>> {
    Ok(match labels {
        Labels::Int(v) => v.clone().into_pyarray(py).into_any(),
        Labels::UInt(v) => v.clone().into_pyarray(py).into_any(),
        Labels::Bytes { utf8, .. } => {
            let items = (0..labels.len())
                .map(|c| {
                    let b = labels.bytes(c);
                    Ok(if *utf8 {
                        PyString::from_bytes(py, b)?.unbind().into_any()
                    } else {
                        PyBytes::new(py, b).unbind().into_any()
                    })
                })
                .collect::<PyResult<Vec<Py<PyAny>>>>()?;
            PyArray1::from_vec(py, items).into_any()
        }
    })
}
