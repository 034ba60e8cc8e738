//! Id columns as Arrow arrays (the chunks of one column, all of one type): integers of
//! any width, text and binary in every layout, and dictionary-encoded columns of those.
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowDictionaryKeyType, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_buffer::{ArrowNativeType, BooleanBuffer, Buffer, NullBuffer};
use arrow_schema::DataType;
use rayon::prelude::*;

use super::bytes::{self, ByteChunk, ByteRows};
use super::engine;
use super::ints::{self, IntChunk};
use super::{IdIndex, Ids, Labels, NULL};
use crate::{KernelError, Result};

/// An id column read from Arrow arrays, ready for the kernels.
enum Column<'a> {
    Int(Vec<IntChunk<'a, i64>>),
    UInt(Vec<IntChunk<'a, u64>>),
    Bytes(Vec<ByteChunk<'a>>, bool),
    /// Every value null (Arrow's `null` type).
    Null(usize),
}

/// Integer columns narrower than 64 bits, widened to `i64` (one owned buffer per chunk).
fn widened(arrays: &[ArrayRef]) -> Vec<Vec<i64>> {
    macro_rules! widen {
        ($a:expr, $t:ty) => {
            $a.as_primitive::<$t>().values().iter().map(|&x| x as i64).collect()
        };
    }
    arrays
        .iter()
        .map(|a| match a.data_type() {
            DataType::Int8 => widen!(a, Int8Type),
            DataType::Int16 => widen!(a, Int16Type),
            DataType::Int32 => widen!(a, Int32Type),
            DataType::UInt8 => widen!(a, UInt8Type),
            DataType::UInt16 => widen!(a, UInt16Type),
            DataType::UInt32 => widen!(a, UInt32Type),
            _ => Vec::new(),
        })
        .collect()
}

fn wrong_type(t: &DataType) -> KernelError {
    KernelError::WrongType(format!(
        "customer ids must be integers, text or binary (e.g. UUIDs), got Arrow type {t}; cast the column to int64 or str"
    ))
}

/// The column of `arrays` (one type); `extra[k]`, when given, further masks chunk `k`'s
/// rows (a row holds an id only where both its own validity and the mask say so).
fn column<'a>(arrays: &'a [ArrayRef], wide: &'a [Vec<i64>], extra: Option<&[NullBuffer]>) -> Result<Column<'a>> {
    let Some(first) = arrays.first() else { return Ok(Column::Int(Vec::new())) };
    let t = first.data_type();
    if let Some(a) = arrays.iter().find(|a| a.data_type() != t) {
        return Err(KernelError::WrongType(format!(
            "the chunks of the id column have different types ({t} and {}); cast them to one type",
            a.data_type()
        )));
    }
    let valid = |k: usize| NullBuffer::union(arrays[k].logical_nulls().as_ref(), extra.map(|e| &e[k]));
    let each = || arrays.iter().enumerate();
    Ok(match t {
        DataType::Null => Column::Null(arrays.iter().map(|a| a.len()).sum()),
        DataType::Int64 => {
            Column::Int(each().map(|(k, a)| IntChunk::new(a.as_primitive::<Int64Type>().values(), valid(k))).collect())
        }
        DataType::UInt64 => Column::UInt(
            each().map(|(k, a)| IntChunk::new(a.as_primitive::<UInt64Type>().values(), valid(k))).collect(),
        ),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 | DataType::UInt32 => {
            Column::Int(each().map(|(k, _)| IntChunk::new(&wide[k], valid(k))).collect())
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Column::Bytes(
            each().map(|(k, a)| ByteChunk::new(byte_rows(a.as_ref()), valid(k))).collect::<Result<_>>()?,
            true,
        ),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => {
            Column::Bytes(
                each().map(|(k, a)| ByteChunk::new(byte_rows(a.as_ref()), valid(k))).collect::<Result<_>>()?,
                false,
            )
        }
        other => return Err(wrong_type(other)),
    })
}

/// Where the rows of a text or binary array are.
fn byte_rows(a: &dyn Array) -> ByteRows<'_> {
    match a.data_type() {
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            ByteRows::Offsets32 { offsets: s.value_offsets(), data: s.value_data() }
        }
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>();
            ByteRows::Offsets64 { offsets: s.value_offsets(), data: s.value_data() }
        }
        DataType::Binary => {
            let s = a.as_binary::<i32>();
            ByteRows::Offsets32 { offsets: s.value_offsets(), data: s.value_data() }
        }
        DataType::LargeBinary => {
            let s = a.as_binary::<i64>();
            ByteRows::Offsets64 { offsets: s.value_offsets(), data: s.value_data() }
        }
        DataType::Utf8View => {
            let s = a.as_string_view();
            ByteRows::Views { views: s.views(), buffers: s.data_buffers() }
        }
        DataType::BinaryView => {
            let s = a.as_binary_view();
            ByteRows::Views { views: s.views(), buffers: s.data_buffers() }
        }
        DataType::FixedSizeBinary(_) => {
            let s = a.as_fixed_size_binary();
            ByteRows::Fixed { width: s.value_size(), data: s.value_data(), len: s.len() }
        }
        _ => unreachable!("byte_rows is called on text and binary arrays only"),
    }
}

fn factorize_column(c: Column) -> Result<Ids> {
    match c {
        Column::Int(chunks) => ints::factorize(&chunks),
        Column::UInt(chunks) => ints::factorize(&chunks),
        Column::Bytes(chunks, utf8) => bytes::factorize(&chunks, utf8),
        Column::Null(n) => {
            super::check_rows(n)?;
            Ok(Ids { codes: vec![NULL; n], n_null: n, index: IdIndex::new(Labels::Int(Vec::new()), true) })
        }
    }
}

/// Factorises an id column given as Arrow arrays (its chunks, in order): codes (`NULL`
/// for null ids), the number of nulls and the index. Dictionary-encoded columns hash
/// their dictionaries only (entries no row uses are left out) and give the codes the
/// decoded column would get.
pub fn factorize(arrays: &[ArrayRef]) -> Result<Ids> {
    if let Some(DataType::Dictionary(..)) = arrays.first().map(|a| a.data_type()) {
        return factorize_dictionary(arrays);
    }
    let wide = widened(arrays);
    factorize_column(column(arrays, &wide, None)?)
}

/// The code of each id of `arrays` in `index` (-1: absent, or null); an error when the
/// ids are of another kind than the index's (e.g. integers against text).
pub fn lookup(index: &IdIndex, arrays: &[ArrayRef]) -> Result<Vec<i64>> {
    if let Some(DataType::Dictionary(..)) = arrays.first().map(|a| a.data_type()) {
        let (dicts, which) = dictionaries(arrays)?;
        let wide = widened(&dicts);
        let entry_codes = lookup_column(index, column(&dicts, &wide, None)?)?;
        let (codes, _) = through_keys(arrays, &which, &starts(&dicts), &entry_codes, -1)?;
        return Ok(codes);
    }
    let wide = widened(arrays);
    lookup_column(index, column(arrays, &wide, None)?)
}

fn lookup_column(index: &IdIndex, c: Column) -> Result<Vec<i64>> {
    match c {
        Column::Int(chunks) => index.lookup_ints(&chunks),
        Column::UInt(chunks) => index.lookup_ints(&chunks),
        Column::Bytes(chunks, utf8) => index.lookup_bytes(&chunks, utf8),
        Column::Null(n) => Ok(vec![-1; n]),
    }
}

/// The distinct dictionaries of the chunks (shared ones once) and each chunk's.
fn dictionaries(arrays: &[ArrayRef]) -> Result<(Vec<ArrayRef>, Vec<usize>)> {
    let mut dicts: Vec<ArrayRef> = Vec::new();
    let mut which = Vec::with_capacity(arrays.len());
    for a in arrays {
        let Some(d) = a.as_any_dictionary_opt() else { return Err(wrong_type(a.data_type())) };
        let v = d.values();
        if matches!(v.data_type(), DataType::Dictionary(..)) {
            return Err(wrong_type(a.data_type()));
        }
        let data = v.to_data();
        match dicts.iter().position(|u| u.to_data().ptr_eq(&data)) {
            Some(j) => which.push(j),
            None => {
                which.push(dicts.len());
                dicts.push(v.clone());
            }
        }
    }
    Ok((dicts, which))
}

/// Offsets of each dictionary's entries in their concatenation.
fn starts(dicts: &[ArrayRef]) -> Vec<usize> {
    let mut s = vec![0];
    for d in dicts {
        s.push(s.last().unwrap() + d.len());
    }
    s
}

fn factorize_dictionary(arrays: &[ArrayRef]) -> Result<Ids> {
    let (dicts, which) = dictionaries(arrays)?;
    let begin = starts(&dicts);
    // the entries some row uses
    let used: Vec<Vec<AtomicU64>> =
        dicts.iter().map(|d| (0..d.len().div_ceil(64)).map(|_| AtomicU64::new(0)).collect()).collect();
    let blocks = engine::blocks(arrays.iter().map(|a| a.len()));
    blocks.par_iter().try_for_each(|b| {
        let bits = &used[which[b.chunk]];
        each_key(arrays[b.chunk].as_ref(), b.rows.clone(), |_, key| {
            if let Some(k) = key {
                let (w, bit) = (&bits[k / 64], 1u64 << (k % 64));
                if w.load(Ordering::Relaxed) & bit == 0 {
                    w.fetch_or(bit, Ordering::Relaxed);
                }
            }
        })
    })?;
    let masks: Vec<NullBuffer> = used
        .into_iter()
        .zip(&dicts)
        .map(|(bits, d)| {
            let words: Vec<u64> = bits.into_iter().map(AtomicU64::into_inner).collect();
            NullBuffer::new(BooleanBuffer::new(Buffer::from_vec(words), 0, d.len()))
        })
        .collect();
    if masks.iter().all(|m| m.null_count() == m.len()) {
        // no row holds an id: whatever the dictionary's type, nothing to factorise
        let n = arrays.iter().map(|a| a.len()).sum();
        return factorize_column(Column::Null(n));
    }
    let wide = widened(&dicts);
    let entries = factorize_column(column(&dicts, &wide, Some(&masks))?)?;
    let (codes, n_null) = through_keys(arrays, &which, &begin, &entries.codes, NULL)?;
    Ok(Ids { codes, n_null, index: entries.index })
}

/// Each row's value through its dictionary key: `entry[begin[dictionary] + key]`, `null`
/// for a null key or where the entry is `null`; also counts the `null` rows.
fn through_keys<T: Copy + PartialEq + Send + Sync + Default>(
    arrays: &[ArrayRef],
    which: &[usize],
    begin: &[usize],
    entry: &[T],
    null: T,
) -> Result<(Vec<T>, usize)> {
    let blocks = engine::blocks(arrays.iter().map(|a| a.len()));
    let n = blocks.last().map_or(0, |b| b.start + b.rows.len());
    let mut out: Vec<T> = crate::mem::zeros(n);
    let n_null = engine::cut(&mut out, blocks.iter().map(|b| b.rows.len()))
        .into_par_iter()
        .zip(&blocks)
        .map(|(o, b)| {
            let base = begin[which[b.chunk]];
            let mut nulls = 0;
            each_key(arrays[b.chunk].as_ref(), b.rows.clone(), |i, key| {
                let v = key.map_or(null, |k| entry[base + k]);
                nulls += (v == null) as usize;
                o[i - b.rows.start] = v;
            })?;
            Ok(nulls)
        })
        .try_reduce(|| 0, |a, b| Ok(a + b))?;
    Ok((out, n_null))
}

/// Calls `f(row, Some(key))` (or `None` for a null key) for rows `rows` of a dictionary
/// array; an error for a key outside the dictionary.
fn each_key(a: &dyn Array, rows: std::ops::Range<usize>, f: impl FnMut(usize, Option<usize>)) -> Result<()> {
    fn typed<K: ArrowDictionaryKeyType>(
        a: &dyn Array,
        rows: std::ops::Range<usize>,
        mut f: impl FnMut(usize, Option<usize>),
    ) -> Result<()> {
        let d = a.as_dictionary::<K>();
        let (keys, nulls, len) = (d.keys().values(), d.keys().nulls(), d.values().len());
        for i in rows {
            if nulls.is_some_and(|n| n.is_null(i)) {
                f(i, None);
            } else {
                let k = keys[i].as_usize();
                if k >= len {
                    return Err(KernelError::InvalidParameter(format!(
                        "dictionary key {k} is outside the dictionary of {len} entries"
                    )));
                }
                f(i, Some(k));
            }
        }
        Ok(())
    }
    let DataType::Dictionary(key, _) = a.data_type() else { return Err(wrong_type(a.data_type())) };
    match key.as_ref() {
        DataType::Int8 => typed::<Int8Type>(a, rows, f),
        DataType::Int16 => typed::<Int16Type>(a, rows, f),
        DataType::Int32 => typed::<Int32Type>(a, rows, f),
        DataType::Int64 => typed::<Int64Type>(a, rows, f),
        DataType::UInt8 => typed::<UInt8Type>(a, rows, f),
        DataType::UInt16 => typed::<UInt16Type>(a, rows, f),
        DataType::UInt32 => typed::<UInt32Type>(a, rows, f),
        DataType::UInt64 => typed::<UInt64Type>(a, rows, f),
        other => Err(wrong_type(other)),
    }
}
