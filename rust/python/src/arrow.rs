//! Arrow columns in and out through the Arrow PyCapsule interface, with arrow-rs's C data
//! interface (`ffi`, `ffi_stream`) doing the work: any object with `__arrow_c_stream__`
//! (a pyarrow `ChunkedArray`, a polars `Series`, a pandas 3 `Series`, a DuckDB result
//! column) or `__arrow_c_array__` (a pyarrow `Array`) is read without copying its
//! buffers; [`ArrowArray`] hands an array back the same way.
use std::ffi::CString;

use arrow_array::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{ArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{make_array, Array, ArrayRef};
use arrow_schema::DataType;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};

fn arrow_err(e: arrow_schema::ArrowError) -> PyErr {
    PyValueError::new_err(format!("cannot read the Arrow column: {e}"))
}

/// Whether `obj` speaks the Arrow PyCapsule interface.
pub fn is_arrow(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = obj.py();
    Ok(obj.hasattr(intern!(py, "__arrow_c_stream__"))? || obj.hasattr(intern!(py, "__arrow_c_array__"))?)
}

/// The chunks of an Arrow column, imported without copying their buffers (each checked
/// for a consistent layout: imported arrays are otherwise trusted blindly).
pub fn chunks(obj: &Bound<'_, PyAny>) -> PyResult<Vec<ArrayRef>> {
    let py = obj.py();
    let arrays = if obj.hasattr(intern!(py, "__arrow_c_stream__"))? {
        let capsule = obj.call_method0(intern!(py, "__arrow_c_stream__"))?.cast_into::<PyCapsule>()?;
        let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?.cast::<FFI_ArrowArrayStream>();
        // SAFETY: the capsule's name promises an ArrowArrayStream; from_raw moves it out
        // (leaving a released stream for the capsule's destructor).
        let reader = unsafe { ArrayStreamReader::from_raw(ptr.as_ptr()) }.map_err(arrow_err)?;
        match reader.field_type() {
            // a table of one column (e.g. a DuckDB query selecting the ids): that column
            DataType::Struct(fields) if fields.len() == 1 => reader
                .map(|a| a.map(|a| arrow_array::cast::AsArray::as_struct(&a).column(0).clone()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(arrow_err)?,
            DataType::Struct(fields) => {
                return Err(PyTypeError::new_err(format!(
                    "expected one column, got a table of {} columns; select the column first",
                    fields.len()
                )))
            }
            _ => reader.collect::<Result<Vec<_>, _>>().map_err(arrow_err)?,
        }
    } else if obj.hasattr(intern!(py, "__arrow_c_array__"))? {
        let pair = obj.call_method0(intern!(py, "__arrow_c_array__"))?.cast_into::<PyTuple>()?;
        let schema = pair.get_item(0)?.cast_into::<PyCapsule>()?;
        let array = pair.get_item(1)?.cast_into::<PyCapsule>()?;
        let schema_ptr = schema.pointer_checked(Some(c"arrow_schema"))?.cast::<FFI_ArrowSchema>();
        let array_ptr = array.pointer_checked(Some(c"arrow_array"))?.cast::<FFI_ArrowArray>();
        // SAFETY: the capsules' names promise an ArrowSchema and an ArrowArray; the array
        // is moved out of its capsule, the schema only read.
        let data = unsafe {
            let array = FFI_ArrowArray::from_raw(array_ptr.as_ptr());
            from_ffi(array, schema_ptr.as_ref())
        }
        .map_err(arrow_err)?;
        vec![make_array(data)]
    } else {
        return Err(PyTypeError::new_err(format!(
            "expected an Arrow column (an object with __arrow_c_stream__ or __arrow_c_array__), got {}",
            obj.get_type().name()?
        )));
    };
    for a in &arrays {
        a.to_data().validate().map_err(arrow_err)?;
    }
    Ok(arrays)
}

trait StreamField {
    fn field_type(&self) -> &DataType;
}

impl StreamField for ArrayStreamReader {
    fn field_type(&self) -> &DataType {
        use arrow_array::ArrayReader;
        self.field().data_type()
    }
}

/// An Arrow array handed to Python through `__arrow_c_array__` (e.g. `pyarrow.array(x)`).
#[pyclass(frozen, module = "fidelite._core")]
pub struct ArrowArray {
    array: ArrayRef,
}

impl ArrowArray {
    pub fn new(array: ArrayRef) -> Self {
        ArrowArray { array }
    }
}

#[pymethods]
impl ArrowArray {
    /// The Arrow PyCapsule interface: `(schema capsule, array capsule)`. A requested
    /// schema other than the array's own is not honoured (consumers cast if they need).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let _ = requested_schema;
        let schema = FFI_ArrowSchema::try_from(self.array.data_type()).map_err(arrow_err)?;
        let array = FFI_ArrowArray::new(&self.array.to_data());
        let schema = PyCapsule::new(py, schema, Some(CString::from(c"arrow_schema")))?;
        let array = PyCapsule::new(py, array, Some(CString::from(c"arrow_array")))?;
        PyTuple::new(py, [schema.into_any(), array.into_any()])
    }

    fn __len__(&self) -> usize {
        self.array.len()
    }

    fn __repr__(&self) -> String {
        format!("ArrowArray({}, {} values)", self.array.data_type(), self.array.len())
    }
}
