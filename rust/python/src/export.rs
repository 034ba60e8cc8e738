//! Tables out through the Arrow PyCapsule interface: numpy columns become one Arrow
//! record batch, handed to any consumer (polars, pyarrow, DuckDB, ...) through
//! `__arrow_c_stream__`, with arrow-rs's C stream interface doing the work and without
//! pyarrow.
//!
//! Numeric and time columns share the numpy buffer (no copy; the array is kept alive by
//! the Arrow buffer that views it); NaN and NaT become nulls, booleans are bit-packed, and
//! object columns (text, Python numbers) are converted once, here, while the GIL is held.
use std::ffi::CString;
use std::panic::RefUnwindSafe;
use std::ptr::NonNull;
use std::sync::Arc;

use arrow_array::builder::GenericStringBuilder;
use arrow_array::ffi::FFI_ArrowSchema;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType,
    DurationSecondType, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type,
    UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, NullArray, OffsetSizeTrait, PrimitiveArray, RecordBatch,
    RecordBatchIterator, RecordBatchOptions,
};
use arrow_buffer::{Buffer, NullBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Schema, TimeUnit};
use fidelite_kernels::KernelError;
use numpy::{Element, PyArray1, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyCapsule, PyFloat, PyInt, PyString};

use crate::errors::to_pyerr;

/// Adds `arrow_table` and the `ArrowTable` class.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(arrow_table, m)?)?;
    m.add_class::<ArrowTable>()?;
    Ok(())
}

fn wrong_type(py: Python<'_>, message: String) -> PyErr {
    to_pyerr(py, KernelError::WrongType(message))
}

fn arrow_err(py: Python<'_>, e: ArrowError) -> PyErr {
    to_pyerr(py, KernelError::InvalidParameter(format!("cannot build the Arrow table: {e}")))
}

/// One Arrow record batch handed out through the Arrow PyCapsule interface: built once
/// by [`arrow_table`], exported (without copying) on every `__arrow_c_stream__` call.
#[pyclass(frozen, module = "fidelite._core", name = "ArrowTable")]
pub struct ArrowTable {
    batch: RecordBatch,
}

#[pymethods]
impl ArrowTable {
    /// The Arrow PyCapsule stream interface: a capsule holding an `ArrowArrayStream` of
    /// one record batch. A requested schema other than the table's own is not honoured
    /// (the PyCapsule protocol lets a producer ignore it; consumers cast if they need to).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let schema = self.batch.schema();
        let batches = RecordBatchIterator::new([Ok(self.batch.clone())], schema);
        let stream = FFI_ArrowArrayStream::new(Box::new(batches));
        PyCapsule::new(py, stream, Some(CString::from(c"arrow_array_stream")))
    }

    /// The Arrow PyCapsule schema interface: a capsule holding the `ArrowSchema`.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.batch.schema().as_ref()).map_err(|e| arrow_err(py, e))?;
        PyCapsule::new(py, schema, Some(CString::from(c"arrow_schema")))
    }

    /// Rows of the table.
    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.batch.schema().fields().iter().map(|f| f.name().clone()).collect()
    }

    /// The Arrow type of each column, as arrow-rs spells it (e.g. `Timestamp(µs, "UTC")`).
    #[getter]
    fn types(&self) -> Vec<String> {
        self.batch.schema().fields().iter().map(|f| f.data_type().to_string()).collect()
    }

    fn __repr__(&self) -> String {
        let fields: Vec<String> =
            self.batch.schema().fields().iter().map(|f| format!("{}: {}", f.name(), f.data_type())).collect();
        format!("ArrowTable({} rows; {})", self.batch.num_rows(), fields.join(", "))
    }
}

/// One Arrow table from numpy columns: `names[i]` holds `arrays[i]` (1-d, C-contiguous,
/// native byte order: fidelite.frames normalises them), read as `types[i]` when given
/// (`"timestamp[us]"`, `"timestamp[us, <zone>]"`, `"duration[ms]"`, `"date32"`: the
/// array then holds int64 units, or int32 days for dates, NaT = i64::MIN a null), else
/// by its dtype (bool, ints, floats: NaN a null; object: text, numbers or booleans, None
/// a null). An element of `arrays` may also be an Arrow array (`__arrow_c_array__`).
#[pyfunction]
pub fn arrow_table(
    py: Python<'_>,
    names: Vec<String>,
    arrays: Vec<Bound<'_, PyAny>>,
    types: Vec<Option<String>>,
) -> PyResult<ArrowTable> {
    if names.len() != arrays.len() || names.len() != types.len() {
        return Err(wrong_type(
            py,
            format!(
                "{} names, {} arrays and {} types: pass one of each per column",
                names.len(),
                arrays.len(),
                types.len()
            ),
        ));
    }
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(arrays.len());
    let mut fields = Vec::with_capacity(arrays.len());
    for ((name, array), kind) in names.iter().zip(&arrays).zip(&types) {
        let column = column(array, kind.as_deref()).map_err(|e| {
            let message = format!("column '{name}': {}", e.value(py));
            if e.is_instance_of::<pyo3::exceptions::PyTypeError>(py) {
                wrong_type(py, message)
            } else {
                to_pyerr(py, KernelError::InvalidParameter(message))
            }
        })?;
        if let Some(first) = columns.first() {
            if first.len() != column.len() {
                return Err(to_pyerr(
                    py,
                    KernelError::LengthMismatch(format!(
                        "column '{name}' has {} values but column '{}' has {}",
                        column.len(),
                        names[0],
                        first.len()
                    )),
                ));
            }
        }
        fields.push(Field::new(name, column.data_type().clone(), true));
        columns.push(column);
    }
    let schema = Arc::new(Schema::new(fields));
    // a table without columns still has a row count (zero)
    let options = RecordBatchOptions::new().with_row_count(Some(columns.first().map_or(0, |c| c.len())));
    let batch = RecordBatch::try_new_with_options(schema, columns, &options).map_err(|e| arrow_err(py, e))?;
    Ok(ArrowTable { batch })
}

/// Keeps a numpy array alive under the Arrow buffer that views its memory. Dropping it
/// without the GIL (a consumer releasing the buffer from another thread) defers the
/// decref to PyO3's reference pool.
struct NumpyOwner(#[allow(dead_code)] Py<PyAny>);

// A `Py` is only a pointer: nothing observable is left half-updated by a panic.
impl RefUnwindSafe for NumpyOwner {}

/// The values of a 1-d numpy array as an Arrow buffer viewing its memory (a copy if the
/// array is not C-contiguous or not aligned).
fn shared<T: Element + arrow_buffer::ArrowNativeType>(array: &Bound<'_, PyArray1<T>>) -> ScalarBuffer<T> {
    let n = array.len();
    let ptr = array.data();
    let aligned = ptr.is_aligned();
    match NonNull::new(ptr.cast::<u8>()) {
        Some(p) if n > 0 && aligned && array.is_c_contiguous() => {
            let owner = Arc::new(NumpyOwner(array.clone().into_any().unbind()));
            // SAFETY: the array is C-contiguous and aligned, so `n` values of T start at
            // `p`; `owner` keeps the array (hence that memory) alive as long as the
            // buffer. numpy memory is mutable: fidelite hands out arrays it no longer
            // writes to, and documents that callers must not mutate exported arrays.
            let buffer = unsafe { Buffer::from_custom_allocation(p, n * std::mem::size_of::<T>(), owner) };
            ScalarBuffer::new(buffer, 0, n)
        }
        _ => ScalarBuffer::from(array.to_vec().unwrap_or_else(|_| array.to_owned_array().to_vec())),
    }
}

fn primitive<A>(
    array: &Bound<'_, PyArray1<A::Native>>,
    data_type: DataType,
    nulls: Option<NullBuffer>,
) -> PyResult<ArrayRef>
where
    A: ArrowPrimitiveType,
    A::Native: Element,
{
    let values = shared(array);
    let out = PrimitiveArray::<A>::try_new(values, nulls)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?
        .with_data_type(data_type);
    Ok(Arc::new(out))
}

/// The null buffer marking the values for which `is_null` holds; None when there are none.
fn nulls_where<T>(values: &[T], is_null: impl Fn(&T) -> bool) -> Option<NullBuffer> {
    values.iter().any(&is_null).then(|| values.iter().map(|v| !is_null(v)).collect())
}

fn time_unit(unit: &str) -> Option<TimeUnit> {
    Some(match unit {
        "s" => TimeUnit::Second,
        "ms" => TimeUnit::Millisecond,
        "us" => TimeUnit::Microsecond,
        "ns" => TimeUnit::Nanosecond,
        _ => return None,
    })
}

/// `"timestamp[us]"`, `"timestamp[us, UTC]"`, `"duration[ms]"`, `"date32"`: the Arrow type.
fn logical_type(kind: &str) -> Option<DataType> {
    if kind == "date32" {
        return Some(DataType::Date32);
    }
    let (name, rest) = kind.split_once('[')?;
    let inner = rest.strip_suffix(']')?;
    let (unit, tz) = match inner.split_once(',') {
        Some((u, tz)) => (u.trim(), Some(tz.trim())),
        None => (inner.trim(), None),
    };
    let unit = time_unit(unit)?;
    match (name, tz) {
        ("timestamp", tz) => Some(DataType::Timestamp(unit, tz.map(Arc::from))),
        ("duration", None) => Some(DataType::Duration(unit)),
        _ => None,
    }
}

fn column(obj: &Bound<'_, PyAny>, kind: Option<&str>) -> PyResult<ArrayRef> {
    use pyo3::exceptions::PyTypeError;
    let py = obj.py();
    if obj.hasattr(pyo3::intern!(py, "__arrow_c_array__"))? {
        let mut chunks = crate::arrow::chunks(obj)?;
        return match chunks.len() {
            1 => Ok(chunks.remove(0)),
            n => Err(PyTypeError::new_err(format!("expected one Arrow array, got {n} chunks"))),
        };
    }
    if let Some(kind) = kind {
        let data_type =
            logical_type(kind).ok_or_else(|| PyTypeError::new_err(format!("unknown column type {kind:?}")))?;
        if data_type == DataType::Date32 {
            let days =
                obj.cast::<PyArray1<i32>>().map_err(|_| PyTypeError::new_err("date32 columns are int32 days"))?;
            let nulls = nulls_where(days.readonly().as_slice()?, |&d| d == i32::MIN);
            return primitive::<Date32Type>(days, data_type, nulls);
        }
        let units =
            obj.cast::<PyArray1<i64>>().map_err(|_| PyTypeError::new_err(format!("{kind} columns are int64")))?;
        let nulls = nulls_where(units.readonly().as_slice()?, |&t| t == i64::MIN);
        return match &data_type {
            DataType::Timestamp(TimeUnit::Second, _) => primitive::<TimestampSecondType>(units, data_type, nulls),
            DataType::Timestamp(TimeUnit::Millisecond, _) => {
                primitive::<TimestampMillisecondType>(units, data_type, nulls)
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                primitive::<TimestampMicrosecondType>(units, data_type, nulls)
            }
            DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                primitive::<TimestampNanosecondType>(units, data_type, nulls)
            }
            DataType::Duration(TimeUnit::Second) => primitive::<DurationSecondType>(units, data_type, nulls),
            DataType::Duration(TimeUnit::Millisecond) => primitive::<DurationMillisecondType>(units, data_type, nulls),
            DataType::Duration(TimeUnit::Microsecond) => primitive::<DurationMicrosecondType>(units, data_type, nulls),
            _ => primitive::<DurationNanosecondType>(units, data_type, nulls),
        };
    }
    macro_rules! plain {
        ($($native:ty => $arrow:ty, $dt:expr;)*) => {$(
            if let Ok(a) = obj.cast::<PyArray1<$native>>() {
                return primitive::<$arrow>(a, $dt, None);
            }
        )*};
    }
    plain! {
        i64 => Int64Type, DataType::Int64;
        i32 => Int32Type, DataType::Int32;
        i16 => Int16Type, DataType::Int16;
        i8 => Int8Type, DataType::Int8;
        u64 => UInt64Type, DataType::UInt64;
        u32 => UInt32Type, DataType::UInt32;
        u16 => UInt16Type, DataType::UInt16;
        u8 => UInt8Type, DataType::UInt8;
    }
    if let Ok(a) = obj.cast::<PyArray1<f64>>() {
        let nulls = nulls_where(a.readonly().as_slice()?, |v| v.is_nan());
        return primitive::<Float64Type>(a, DataType::Float64, nulls);
    }
    if let Ok(a) = obj.cast::<PyArray1<f32>>() {
        let nulls = nulls_where(a.readonly().as_slice()?, |v| v.is_nan());
        return primitive::<Float32Type>(a, DataType::Float32, nulls);
    }
    if let Ok(a) = obj.cast::<PyArray1<bool>>() {
        return Ok(Arc::new(BooleanArray::from(a.readonly().as_slice()?.to_vec())));
    }
    if let Ok(a) = obj.cast::<PyArray1<Py<PyAny>>>() {
        return objects(a);
    }
    let dtype = obj.getattr("dtype").map(|d| d.to_string()).unwrap_or_else(|_| obj.get_type().to_string());
    Err(PyTypeError::new_err(format!(
        "cannot export a column of {dtype} to Arrow; pass a 1-d array of numbers, booleans, datetimes or text"
    )))
}

/// What one Python object of an object column holds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Text,
    Other,
}

fn kind_of(obj: &Bound<'_, PyAny>) -> Kind {
    if obj.is_none() {
        Kind::Null
    } else if obj.is_instance_of::<PyString>() {
        Kind::Text
    } else if obj.is_instance_of::<PyBool>() || (!obj.is_instance_of::<PyInt>() && obj.extract::<bool>().is_ok()) {
        Kind::Bool // Python and numpy booleans
    } else if obj.is_instance_of::<PyFloat>() {
        if obj.extract::<f64>().is_ok_and(f64::is_nan) {
            Kind::Null // NaN marks a missing value in object columns (pandas' convention)
        } else {
            Kind::Float
        }
    } else if obj.extract::<i64>().is_ok() {
        Kind::Int // Python ints and numpy integers (anything with __index__)
    } else if obj.extract::<f64>().is_ok() && obj.hasattr("dtype").unwrap_or(false) {
        if obj.extract::<f64>().is_ok_and(f64::is_nan) {
            Kind::Null
        } else {
            Kind::Float // numpy floats that do not subclass float
        }
    } else {
        Kind::Other
    }
}

/// An object column: text when every value is text (or missing), booleans, int64 or
/// float64 when every value is one of those, else the text of each value (`str(x)`);
/// None and NaN are nulls.
fn objects(array: &Bound<'_, PyArray1<Py<PyAny>>>) -> PyResult<ArrayRef> {
    let py = array.py();
    let readonly = array.readonly();
    let values = readonly.as_slice()?;
    let kinds: Vec<Kind> = values.iter().map(|v| kind_of(v.bind(py))).collect();
    let mut seen = [false; 6];
    for &k in &kinds {
        seen[k as usize] = true;
    }
    let only = |allowed: &[Kind]| {
        (0..6).all(|i| !seen[i] || i == Kind::Null as usize || allowed.iter().any(|&a| a as usize == i))
    };
    let null = |k: &Kind| *k == Kind::Null;
    if only(&[]) {
        return Ok(Arc::new(NullArray::new(values.len())));
    }
    if only(&[Kind::Bool]) {
        let out: BooleanArray = values
            .iter()
            .zip(&kinds)
            .map(|(v, k)| if null(k) { Ok(None) } else { v.bind(py).extract::<bool>().map(Some) })
            .collect::<PyResult<_>>()?;
        return Ok(Arc::new(out));
    }
    if only(&[Kind::Int]) {
        let out: Int64Array = values
            .iter()
            .zip(&kinds)
            .map(|(v, k)| if null(k) { Ok(None) } else { v.bind(py).extract::<i64>().map(Some) })
            .collect::<PyResult<_>>()?;
        return Ok(Arc::new(out));
    }
    if only(&[Kind::Int, Kind::Float]) {
        let out: Float64Array = values
            .iter()
            .zip(&kinds)
            .map(|(v, k)| if null(k) { Ok(None) } else { v.bind(py).extract::<f64>().map(Some) })
            .collect::<PyResult<_>>()?;
        return Ok(Arc::new(out));
    }
    // text (str(x) of anything that is not text), 32-bit offsets unless they overflow
    let texts: Vec<Option<Bound<'_, PyString>>> = values
        .iter()
        .zip(&kinds)
        .map(|(v, k)| match k {
            Kind::Null => Ok(None),
            Kind::Text => Ok(Some(v.bind(py).cast::<PyString>()?.clone())),
            _ => v.bind(py).str().map(Some),
        })
        .collect::<PyResult<_>>()?;
    let strs: Vec<Option<&str>> =
        texts.iter().map(|t| t.as_ref().map(|s| s.to_str()).transpose()).collect::<PyResult<_>>()?;
    let bytes: usize = strs.iter().map(|s| s.map_or(0, str::len)).sum();
    if bytes <= i32::MAX as usize {
        Ok(text::<i32>(&strs, bytes))
    } else {
        Ok(text::<i64>(&strs, bytes))
    }
}

fn text<O: OffsetSizeTrait>(strs: &[Option<&str>], bytes: usize) -> ArrayRef {
    let mut builder = GenericStringBuilder::<O>::with_capacity(strs.len(), bytes);
    for s in strs {
        builder.append_option(*s);
    }
    Arc::new(builder.finish())
}
