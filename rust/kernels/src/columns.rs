//! Event columns given as Arrow arrays (the chunks of one column) read into the buffers
//! the kernels take: instants as `i64` µs since the epoch (UTC), dates as `i64` days,
//! numbers as `i64` or `f64`, each with the rows that are null.
//!
//! A column of one chunk, in the kernels' own type and unit, without nulls, is shared,
//! not copied ([`Values::Shared`] keeps the Arrow buffer alive); any other is converted
//! into a new buffer, null rows holding 0.
use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, Date64Type, Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
    UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_buffer::{ArrowNativeType, ScalarBuffer};
use arrow_schema::{DataType, TimeUnit};

use crate::{KernelError, Result, US_PER_DAY};

/// Values of a column: the Arrow buffer itself, or a converted copy.
#[derive(Debug, Clone)]
pub enum Values<T: ArrowNativeType> {
    Shared(ScalarBuffer<T>),
    Owned(Vec<T>),
}

impl<T: ArrowNativeType> Values<T> {
    pub fn as_slice(&self) -> &[T] {
        match self {
            Values::Shared(b) => b,
            Values::Owned(v) => v,
        }
    }

    pub fn is_shared(&self) -> bool {
        matches!(self, Values::Shared(_))
    }
}

/// A column read: its values, and which rows are null (None: none is).
#[derive(Debug, Clone)]
pub struct Read<T: ArrowNativeType> {
    pub values: Values<T>,
    pub null: Option<Vec<bool>>,
}

/// What a time column held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeKind {
    /// Instants (µs since the epoch, UTC); `tz`: the column's time zone, if it had one
    /// (its values are UTC instants either way).
    Instant { tz: Option<String> },
    /// Calendar dates (days since 1970-01-01): their instants depend on a time zone.
    Date,
}

fn check_chunks(arrays: &[ArrayRef], what: &str) -> Result<DataType> {
    let t = arrays.first().map_or(DataType::Null, |a| a.data_type().clone());
    if let Some(a) = arrays.iter().find(|a| *a.data_type() != t) {
        return Err(KernelError::WrongType(format!(
            "the chunks of the {what} column have different types ({t} and {}); cast them to one type",
            a.data_type()
        )));
    }
    Ok(t)
}

/// The null rows of the chunks, or None when no row is null.
fn nulls(arrays: &[ArrayRef]) -> Option<Vec<bool>> {
    if arrays.iter().all(|a| a.logical_null_count() == 0) {
        return None;
    }
    let mut out = Vec::with_capacity(arrays.iter().map(|a| a.len()).sum());
    for a in arrays {
        match a.logical_nulls() {
            Some(n) => out.extend(n.iter().map(|valid| !valid)),
            None => out.resize(out.len() + a.len(), false),
        }
    }
    Some(out)
}

/// How a column's own buffer becomes the values (the identity, where the types agree).
type Share<N, T> = fn(ScalarBuffer<N>) -> ScalarBuffer<T>;

/// The values of primitive chunks of type `P`, each mapped by `f` (nulls to `zero`);
/// shared when `share` and the column is one chunk without nulls.
fn convert<P: ArrowPrimitiveType, T: ArrowNativeType>(
    arrays: &[ArrayRef],
    zero: T,
    share: Option<Share<P::Native, T>>,
    f: impl Fn(P::Native) -> Result<T>,
) -> Result<Read<T>> {
    let null = nulls(arrays);
    if let (Some(share), [one], None) = (share, arrays, &null) {
        return Ok(Read { values: Values::Shared(share(one.as_primitive::<P>().values().clone())), null });
    }
    let mut out = Vec::with_capacity(arrays.iter().map(|a| a.len()).sum());
    for a in arrays {
        let p = a.as_primitive::<P>();
        match p.logical_nulls() {
            None => {
                for &x in p.values().iter() {
                    out.push(f(x)?);
                }
            }
            Some(n) => {
                for (&x, valid) in p.values().iter().zip(n.iter()) {
                    out.push(if valid { f(x)? } else { zero });
                }
            }
        }
    }
    Ok(Read { values: Values::Owned(out), null })
}

fn same<T>(b: ScalarBuffer<T>) -> ScalarBuffer<T>
where
    T: ArrowNativeType,
{
    b
}

/// `x * per` for instants in a coarser unit, saturating: an overflowing instant lands
/// far outside the years the kernels accept, where the caller flags it.
fn times(per: i64) -> impl Fn(i64) -> Result<i64> {
    move |x: i64| Ok(x.saturating_mul(per))
}

/// Reads a timestamp (any unit, with or without a time zone) or date column.
pub fn read_times(arrays: &[ArrayRef]) -> Result<(Read<i64>, TimeKind)> {
    let t = check_chunks(arrays, "time")?;
    let instant = |tz: &Option<std::sync::Arc<str>>| TimeKind::Instant { tz: tz.as_deref().map(str::to_owned) };
    Ok(match &t {
        DataType::Timestamp(TimeUnit::Microsecond, tz) => {
            (convert::<TimestampMicrosecondType, i64>(arrays, 0, Some(same), Ok)?, instant(tz))
        }
        DataType::Timestamp(TimeUnit::Nanosecond, tz) => {
            (convert::<TimestampNanosecondType, i64>(arrays, 0, None, |x| Ok(x.div_euclid(1000)))?, instant(tz))
        }
        DataType::Timestamp(TimeUnit::Millisecond, tz) => {
            (convert::<TimestampMillisecondType, i64>(arrays, 0, None, times(1000))?, instant(tz))
        }
        DataType::Timestamp(TimeUnit::Second, tz) => {
            (convert::<TimestampSecondType, i64>(arrays, 0, None, times(1_000_000))?, instant(tz))
        }
        DataType::Date32 => (convert::<Date32Type, i64>(arrays, 0, None, |d| Ok(d as i64))?, TimeKind::Date),
        DataType::Date64 => (
            convert::<Date64Type, i64>(arrays, 0, None, |ms| Ok(ms.div_euclid(US_PER_DAY / 1000)))?,
            TimeKind::Date,
        ),
        other => {
            return Err(KernelError::WrongType(format!(
                "timestamps must be Arrow timestamps or dates, got {other}; parse text first (e.g. pyarrow.compute.strptime)"
            )))
        }
    })
}

/// Reads an integer column as `i64` (an error for `uint64` values beyond `i64::MAX`).
pub fn read_ints(arrays: &[ArrayRef]) -> Result<Read<i64>> {
    let t = check_chunks(arrays, "integer")?;
    fn wide<N: Into<i64>>(x: N) -> Result<i64> {
        Ok(x.into())
    }
    match t {
        DataType::Int64 => convert::<Int64Type, i64>(arrays, 0, Some(same), Ok),
        DataType::Int32 => convert::<Int32Type, i64>(arrays, 0, None, wide),
        DataType::Int16 => convert::<Int16Type, i64>(arrays, 0, None, wide),
        DataType::Int8 => convert::<Int8Type, i64>(arrays, 0, None, wide),
        DataType::UInt32 => convert::<UInt32Type, i64>(arrays, 0, None, wide),
        DataType::UInt16 => convert::<UInt16Type, i64>(arrays, 0, None, wide),
        DataType::UInt8 => convert::<UInt8Type, i64>(arrays, 0, None, wide),
        DataType::UInt64 => convert::<UInt64Type, i64>(arrays, 0, None, |x| {
            i64::try_from(x).map_err(|_| KernelError::OutOfRange(format!("{x} exceeds the int64 range")))
        }),
        other => Err(KernelError::WrongType(format!("expected an integer column, got Arrow type {other}"))),
    }
}

/// Reads a numeric column as `f64` (integers converted, as numpy's `astype` does).
pub fn read_floats(arrays: &[ArrayRef]) -> Result<Read<f64>> {
    let t = check_chunks(arrays, "numeric")?;
    macro_rules! cast {
        ($p:ty) => {
            convert::<$p, f64>(arrays, 0.0, None, |x| Ok(x as f64))
        };
    }
    match t {
        DataType::Float64 => convert::<Float64Type, f64>(arrays, 0.0, Some(same), Ok),
        DataType::Float32 => cast!(Float32Type),
        DataType::Float16 => convert::<Float16Type, f64>(arrays, 0.0, None, |x| Ok(x.to_f64())),
        DataType::Int64 => cast!(Int64Type),
        DataType::Int32 => cast!(Int32Type),
        DataType::Int16 => cast!(Int16Type),
        DataType::Int8 => cast!(Int8Type),
        DataType::UInt64 => cast!(UInt64Type),
        DataType::UInt32 => cast!(UInt32Type),
        DataType::UInt16 => cast!(UInt16Type),
        DataType::UInt8 => cast!(UInt8Type),
        DataType::Null => Ok(Read {
            values: Values::Owned(vec![0.0; arrays.iter().map(|a| a.len()).sum()]),
            null: Some(vec![true; arrays.iter().map(|a| a.len()).sum()]),
        }),
        other => Err(KernelError::WrongType(format!("expected a numeric column, got Arrow type {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        Date32Array, Float32Array, Float64Array, Int32Array, Int64Array, TimestampMicrosecondArray,
        TimestampNanosecondArray, TimestampSecondArray, UInt64Array,
    };

    use super::*;

    fn arr(a: impl Array + 'static) -> ArrayRef {
        Arc::new(a)
    }

    #[test]
    fn microseconds_without_nulls_are_shared() {
        let a = TimestampMicrosecondArray::from(vec![1, 2, 3]).with_timezone("Europe/Paris");
        let (r, kind) = read_times(&[arr(a.clone())]).unwrap();
        assert!(r.values.is_shared());
        assert_eq!(r.values.as_slice().as_ptr(), a.values().as_ptr());
        assert_eq!(kind, TimeKind::Instant { tz: Some("Europe/Paris".into()) });
        assert!(r.null.is_none());
        // two chunks: converted into one buffer
        let (r, _) = read_times(&[arr(a.clone()), arr(a.slice(1, 2))]).unwrap();
        assert!(!r.values.is_shared());
        assert_eq!(r.values.as_slice(), &[1, 2, 3, 2, 3]);
    }

    #[test]
    fn other_units_nulls_and_dates() {
        let ns = TimestampNanosecondArray::from(vec![Some(-1), None, Some(2_500)]);
        let (r, _) = read_times(&[arr(ns)]).unwrap();
        assert_eq!(r.values.as_slice(), &[-1, 0, 2], "floor, as numpy's datetime64 cast");
        assert_eq!(r.null, Some(vec![false, true, false]));
        let s = TimestampSecondArray::from(vec![2, i64::MAX]);
        assert_eq!(read_times(&[arr(s)]).unwrap().0.values.as_slice(), &[2_000_000, i64::MAX]);
        let d = Date32Array::from(vec![Some(19_000), None]);
        let (r, kind) = read_times(&[arr(d)]).unwrap();
        assert_eq!((r.values.as_slice(), kind), (&[19_000i64, 0][..], TimeKind::Date));
        assert!(matches!(read_times(&[arr(Int64Array::from(vec![1]))]), Err(KernelError::WrongType(_))));
    }

    #[test]
    fn numbers() {
        let f = Float64Array::from(vec![1.5, 2.0]);
        assert!(read_floats(&[arr(f)]).unwrap().values.is_shared());
        let r = read_floats(&[arr(Float32Array::from(vec![Some(1.5), None])), arr(Int32Array::from(vec![7]))]);
        assert!(r.is_err(), "chunks of different types");
        let r = read_floats(&[arr(Float32Array::from(vec![Some(1.5), None]))]).unwrap();
        assert_eq!((r.values.as_slice(), r.null), (&[1.5, 0.0][..], Some(vec![false, true])));
        let i = read_ints(&[arr(Int32Array::from(vec![Some(-4), None]))]).unwrap();
        assert_eq!(i.values.as_slice(), &[-4, 0]);
        assert!(read_ints(&[arr(Int64Array::from(vec![5]))]).unwrap().values.is_shared());
        assert!(matches!(read_ints(&[arr(UInt64Array::from(vec![u64::MAX]))]), Err(KernelError::OutOfRange(_))));
    }
}
