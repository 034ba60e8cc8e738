//! The ids layer (factorisation of integer, text, binary and dictionary columns, the id
//! index: labels, order, subset, lookup) and the column readers (times, integers, floats)
//! with the scans of their values.
use std::collections::HashMap;
use std::sync::Arc;

use arbitrary::{Result, Unstructured};
use arrow_array::types::{Int16Type, Int32Type, Int8Type, UInt16Type, UInt8Type};
use arrow_array::*;
use arrow_buffer::NullBuffer;
use fidelite_kernels::ids::{self, Labels, NULL};
use fidelite_kernels::{columns, scan};

use crate::gen::{float, instant, int, vec_of};

/// One row's id as the target sees it: null, a whole number or bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Val {
    Null,
    Int(i128),
    Bytes(Vec<u8>),
}

/// Text that breaks id handling: NULs, digits with leading zeros, numbers past 2^63, UUIDs
/// (upper and lower case), blanks, long text (not inline in a view array), non-ASCII.
const TEXT: [&str; 18] = [
    "",
    "a",
    "a\0",
    "a\0b",
    "\0",
    "007",
    "7",
    "-0",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "0f8fad5b-d9cb-469f-a165-70867728950e",
    "0F8FAD5B-D9CB-469F-A165-70867728950E",
    " a ",
    "é",
    "customer-000000000001",
    "customer-000000000002",
    "Ω",
];

fn text(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 | 1 => u.choose(&TEXT)?.to_string(),
        2 => format!("{}", int(u)?),
        _ => u.arbitrary::<String>()?,
    })
}

fn bytes(u: &mut Unstructured) -> Result<Vec<u8>> {
    Ok(if u.arbitrary()? { text(u)?.into_bytes() } else { u.arbitrary::<&[u8]>()?.to_vec() })
}

fn opt<T>(u: &mut Unstructured, f: impl FnOnce(&mut Unstructured) -> Result<T>) -> Result<Option<T>> {
    Ok(if u.ratio(1, 6)? { None } else { Some(f(u)?) })
}

/// A random id column chunk and each row's id; `kind` picks the Arrow type.
fn id_chunk(u: &mut Unstructured, kind: u8) -> Result<(ArrayRef, Vec<Val>)> {
    let n = u.int_in_range(0..=64)?;
    macro_rules! ints {
        ($arr:ty, $t:ty) => {{
            let v: Vec<Option<$t>> = (0..n).map(|_| opt(u, |u| Ok(int(u)? as $t))).collect::<Result<_>>()?;
            let vals = v.iter().map(|x| x.map_or(Val::Null, |x| Val::Int(x as i128))).collect();
            (Arc::new(<$arr>::from(v)) as ArrayRef, vals)
        }};
    }
    let texts = |u: &mut Unstructured| -> Result<Vec<Option<String>>> { (0..n).map(|_| opt(u, text)).collect() };
    let text_vals = |v: &[Option<String>]| {
        v.iter().map(|x| x.as_ref().map_or(Val::Null, |s| Val::Bytes(s.as_bytes().to_vec()))).collect()
    };
    let blobs = |u: &mut Unstructured| -> Result<Vec<Option<Vec<u8>>>> { (0..n).map(|_| opt(u, bytes)).collect() };
    let blob_vals =
        |v: &[Option<Vec<u8>>]| v.iter().map(|x| x.as_ref().map_or(Val::Null, |s| Val::Bytes(s.clone()))).collect();
    Ok(match kind {
        0 => ints!(Int64Array, i64),
        1 => ints!(UInt64Array, u64),
        2 => ints!(Int32Array, i32),
        3 => ints!(Int8Array, i8),
        4 => ints!(UInt16Array, u16),
        5 => {
            let v = texts(u)?;
            (Arc::new(StringArray::from(v.clone())), text_vals(&v))
        }
        6 => {
            let v = texts(u)?;
            (Arc::new(LargeStringArray::from(v.clone())), text_vals(&v))
        }
        7 => {
            let v = texts(u)?;
            (Arc::new(StringViewArray::from_iter(v.iter().map(|s| s.as_deref()))), text_vals(&v))
        }
        8 => {
            let v = blobs(u)?;
            (Arc::new(BinaryArray::from_iter(v.iter().map(|s| s.as_deref()))), blob_vals(&v))
        }
        9 => {
            let v = blobs(u)?;
            (Arc::new(LargeBinaryArray::from_iter(v.iter().map(|s| s.as_deref()))), blob_vals(&v))
        }
        10 => {
            let v = blobs(u)?;
            (Arc::new(BinaryViewArray::from_iter(v.iter().map(|s| s.as_deref()))), blob_vals(&v))
        }
        11 => {
            let width = u.int_in_range(0..=17)?;
            let v: Vec<Option<Vec<u8>>> = (0..n)
                .map(|_| opt(u, |u| (0..width).map(|_| u.arbitrary::<u8>()).collect::<Result<Vec<u8>>>()))
                .collect::<Result<_>>()?;
            let Ok(a) =
                FixedSizeBinaryArray::try_from_sparse_iter_with_size(v.iter().map(|s| s.as_deref()), width)
            else {
                return Err(arbitrary::Error::IncorrectFormat);
            };
            (Arc::new(a), blob_vals(&v))
        }
        12 | 13 => {
            // a dictionary of text (maybe repeated, maybe null entries) or of int64
            let n_dict = u.int_in_range(1..=8)?;
            let (dict, dict_vals): (ArrayRef, Vec<Val>) = if kind == 12 {
                let v: Vec<Option<String>> = (0..n_dict).map(|_| opt(u, text)).collect::<Result<_>>()?;
                (Arc::new(StringArray::from(v.clone())), text_vals(&v))
            } else {
                let v: Vec<Option<i64>> = (0..n_dict).map(|_| opt(u, int)).collect::<Result<_>>()?;
                (
                    Arc::new(Int64Array::from(v.clone())),
                    v.iter().map(|x| x.map_or(Val::Null, |x| Val::Int(x as i128))).collect(),
                )
            };
            let keys: Vec<Option<i32>> =
                (0..n).map(|_| opt(u, |u| u.int_in_range(0..=n_dict - 1))).collect::<Result<_>>()?;
            let vals = keys.iter().map(|k| k.map_or(Val::Null, |k| dict_vals[k as usize].clone())).collect();
            let a = DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys), dict).expect("keys in range");
            (Arc::new(a), vals)
        }
        14 => (Arc::new(NullArray::new(n)), vec![Val::Null; n]),
        _ => (Arc::new(Float64Array::from(vec![1.5; n])), vec![Val::Null; n]), // not an id type: an error
    })
}

fn label(labels: &Labels, c: usize) -> Val {
    match labels {
        Labels::Int(v) => Val::Int(v[c] as i128),
        Labels::UInt(v) => Val::Int(v[c] as i128),
        Labels::Bytes { .. } => Val::Bytes(labels.bytes(c).to_vec()),
    }
}

/// Factorises 1-3 chunks of one id type and checks the answer: one code per row, null
/// rows NULL, equal ids equal codes and distinct ids distinct codes, each code's label
/// the id itself, a sorted order that sorts, a lookup of the column that finds its codes.
pub fn ids(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(kind) = u.int_in_range(0u8..=15) else { return };
    let mut arrays = Vec::new();
    let mut vals = Vec::new();
    for _ in 0..u.int_in_range(1..=3).unwrap_or(1) {
        let Ok((a, v)) = id_chunk(&mut u, kind) else { return };
        arrays.push(a);
        vals.extend(v);
    }
    let f = match ids::arrow::factorize(&arrays) {
        Ok(f) => f,
        Err(_) => {
            let one_type = arrays.iter().all(|a| a.data_type() == arrays[0].data_type());
            assert!(kind == 15 || !one_type, "only a float column or chunks of two types are refused");
            return;
        }
    };
    assert_eq!(f.codes.len(), vals.len());
    assert_eq!(f.n_null, vals.iter().filter(|v| **v == Val::Null).count());
    let mut code_of: HashMap<&Val, u32> = HashMap::new();
    for (v, &c) in vals.iter().zip(&f.codes) {
        if *v == Val::Null {
            assert_eq!(c, NULL);
            continue;
        }
        assert!((c as usize) < f.index.len());
        assert_eq!(*code_of.entry(v).or_insert(c), c, "one id, two codes: {v:?}");
        assert_eq!(label(f.index.labels(), c as usize), *v, "the label of code {c}");
    }
    assert_eq!(code_of.len(), f.index.len(), "distinct ids and codes");
    let order = f.index.sorted_order();
    assert_eq!(order.len(), f.index.len());
    let labels = f.index.labels();
    for w in order.windows(2) {
        let (a, b) = (label(labels, w[0] as usize), label(labels, w[1] as usize));
        match (a, b) {
            (Val::Int(a), Val::Int(b)) => assert!(a < b),
            (Val::Bytes(a), Val::Bytes(b)) => assert!(a < b),
            other => panic!("labels of two kinds: {other:?}"),
        }
    }
    if let Ok(found) = ids::arrow::lookup(&f.index, &arrays) {
        let want: Vec<i64> = f.codes.iter().map(|&c| if c == NULL { -1 } else { c as i64 }).collect();
        assert_eq!(found, want, "looking the column up in its own index");
    }
    let keep: Vec<u32> = (0..f.index.len() as u32).filter(|_| u.arbitrary().unwrap_or(true)).collect();
    let sub = f.index.subset(&keep).expect("increasing codes in range");
    assert_eq!(sub.len(), keep.len());
    let bad: Vec<u32> = vec_of(&mut u, 4, |u| u.arbitrary()).unwrap_or_default();
    let _ = f.index.subset(&bad);
    if kind == 0 && arrays.len() == 1 && arrays[0].null_count() == 0 {
        let v = arrays[0].as_any().downcast_ref::<Int64Array>().expect("int64").values();
        let g = ids::factorize_i64(v).expect("int64 ids");
        assert!(g.uniques.windows(2).all(|w| w[0] < w[1]));
        assert!(g.codes.iter().zip(v.iter()).all(|(&c, &x)| g.uniques[c as usize] == x));
    }
}

/// A time, integer or float column of any Arrow type read by the column readers, nulls
/// included, in 1-3 chunks (of one type or, to be refused, of two).
fn value_chunk(u: &mut Unstructured, kind: u8) -> Result<ArrayRef> {
    let n = u.int_in_range(0..=48)?;
    let valid = if u.arbitrary::<bool>()? {
        Some(NullBuffer::from((0..n).map(|_| u.arbitrary::<bool>()).collect::<Result<Vec<bool>>>()?))
    } else {
        None
    };
    let ints = |u: &mut Unstructured| (0..n).map(|_| int(u)).collect::<Result<Vec<i64>>>();
    let times = |u: &mut Unstructured| (0..n).map(|_| instant(u)).collect::<Result<Vec<i64>>>();
    let tz: Option<Arc<str>> = match u.int_in_range(0..=3)? {
        0 => None,
        1 => Some("UTC".into()),
        2 => Some("+05:30".into()),
        _ => Some("Europe/Paris".into()),
    };
    let array: ArrayRef = match kind {
        0 => Arc::new(TimestampMicrosecondArray::new(times(u)?.into(), valid).with_timezone_opt(tz)),
        1 => Arc::new(TimestampNanosecondArray::new(ints(u)?.into(), valid).with_timezone_opt(tz)),
        2 => Arc::new(TimestampMillisecondArray::new(ints(u)?.into(), valid).with_timezone_opt(tz)),
        3 => Arc::new(TimestampSecondArray::new(ints(u)?.into(), valid).with_timezone_opt(tz)),
        4 => Arc::new(Date32Array::new(
            (0..n).map(|_| u.arbitrary::<i32>()).collect::<Result<Vec<i32>>>()?.into(),
            valid,
        )),
        5 => Arc::new(Date64Array::new(ints(u)?.into(), valid)),
        6 => Arc::new(Int64Array::new(ints(u)?.into(), valid)),
        7 => Arc::new(UInt64Array::new(ints(u)?.into_iter().map(|x| x as u64).collect::<Vec<_>>().into(), valid)),
        8 => Arc::new(PrimitiveArray::<Int16Type>::new(
            ints(u)?.into_iter().map(|x| x as i16).collect::<Vec<_>>().into(),
            valid,
        )),
        9 => Arc::new(PrimitiveArray::<UInt8Type>::new(
            ints(u)?.into_iter().map(|x| x as u8).collect::<Vec<_>>().into(),
            valid,
        )),
        10 => Arc::new(PrimitiveArray::<Int8Type>::new(
            ints(u)?.into_iter().map(|x| x as i8).collect::<Vec<_>>().into(),
            valid,
        )),
        11 => Arc::new(PrimitiveArray::<UInt16Type>::new(
            ints(u)?.into_iter().map(|x| x as u16).collect::<Vec<_>>().into(),
            valid,
        )),
        12 => Arc::new(Float64Array::new((0..n).map(|_| float(u)).collect::<Result<Vec<f64>>>()?.into(), valid)),
        13 => Arc::new(Float32Array::new(
            (0..n).map(|_| Ok(float(u)? as f32)).collect::<Result<Vec<f32>>>()?.into(),
            valid,
        )),
        14 => Arc::new(Float16Array::new(
            (0..n).map(|_| Ok(half::f16::from_bits(u.arbitrary::<u16>()?))).collect::<Result<Vec<_>>>()?.into(),
            valid,
        )),
        15 => Arc::new(StringArray::from(vec!["2024-01-01"; n])),
        _ => Arc::new(NullArray::new(n)),
    };
    Ok(array)
}

/// The column readers on any column, checked where they succeed (one value and one null
/// flag per row, nulls read as 0), and the integer and float scans of what they read.
pub fn columns(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(kind) = u.int_in_range(0u8..=16) else { return };
    let mut arrays = Vec::new();
    for _ in 0..u.int_in_range(1..=3).unwrap_or(1) {
        let k = if u.ratio(1, 10).unwrap_or(false) { u.int_in_range(0u8..=16).unwrap_or(kind) } else { kind };
        let Ok(a) = value_chunk(&mut u, k) else { return };
        arrays.push(a);
    }
    let n: usize = arrays.iter().map(|a| a.len()).sum();
    let check = |values: &[i64], null: &Option<Vec<bool>>| {
        assert_eq!(values.len(), n);
        if let Some(null) = null {
            assert_eq!(null.len(), n);
            assert!(values.iter().zip(null).all(|(&v, &is_null)| !is_null || v == 0), "a null read as 0");
        }
    };
    if let Ok((r, _)) = columns::read_times(&arrays) {
        check(r.values.as_slice(), &r.null);
        let v = r.values.as_slice();
        let sentinel = int(&mut u).unwrap_or(0);
        let s = scan::scan_i64(v, sentinel);
        assert_eq!(s.n_sentinel, v.iter().filter(|&&x| x == sentinel).count());
        let others = v.iter().filter(|&&x| x != sentinel);
        assert_eq!(s.range, others.clone().min().copied().zip(others.max().copied()));
        assert_eq!(scan::bounds(v), v.iter().min().copied().zip(v.iter().max().copied()));
    }
    if let Ok(r) = columns::read_ints(&arrays) {
        check(r.values.as_slice(), &r.null);
        let _ = scan::scan_i64(r.values.as_slice(), i64::MIN);
    }
    if let Ok(r) = columns::read_floats(&arrays) {
        let v = r.values.as_slice();
        assert_eq!(v.len(), n);
        let s = scan::scan_f64(v);
        assert_eq!(s.n_nan, v.iter().filter(|x| x.is_nan()).count());
        assert_eq!(s.n_infinite, v.iter().filter(|x| x.is_infinite()).count());
        assert_eq!(s.n_negative, v.iter().filter(|&&x| x < 0.0).count());
    }
}
