//! The id index of a factorised column: the id of each code, the ascending-id order of
//! the codes (computed on first request) and the lookup of other id columns.
use std::sync::OnceLock;

use hashbrown::HashTable;
use rayon::prelude::*;

use super::bytes::ByteChunk;
use super::engine;
use super::hash;
use super::ints::{IntChunk, IntId};
use crate::{KernelError, Result};

/// The ids of an index in code order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Labels {
    /// Integer ids (any integer column whose ids fit `i64`).
    Int(Vec<i64>),
    /// Integer ids of a `uint64` column holding ids beyond `i64::MAX`.
    UInt(Vec<u64>),
    /// Byte strings, Arrow-style: id `c` is `data[offsets[c]..offsets[c + 1]]`; `utf8`:
    /// text (else binary).
    Bytes { offsets: Vec<i64>, data: Vec<u8>, utf8: bool },
}

/// The kinds of ids an index holds; a column is looked up only in an index of its kind
/// (`Int` and `UInt` are one kind: integers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Int,
    Text,
    Binary,
}

impl IdKind {
    pub fn name(self) -> &'static str {
        match self {
            IdKind::Int => "integer",
            IdKind::Text => "text",
            IdKind::Binary => "binary",
        }
    }
}

impl Labels {
    pub fn len(&self) -> usize {
        match self {
            Labels::Int(v) => v.len(),
            Labels::UInt(v) => v.len(),
            Labels::Bytes { offsets, .. } => offsets.len() - 1,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn kind(&self) -> IdKind {
        match self {
            Labels::Int(_) | Labels::UInt(_) => IdKind::Int,
            Labels::Bytes { utf8: true, .. } => IdKind::Text,
            Labels::Bytes { utf8: false, .. } => IdKind::Binary,
        }
    }

    /// Checks labels restored from outside (e.g. unpickled): offsets within the data.
    pub fn checked(self) -> Result<Labels> {
        if let Labels::Bytes { offsets, data, .. } = &self {
            let ok = offsets.first() == Some(&0)
                && offsets.windows(2).all(|w| w[0] <= w[1])
                && *offsets.last().unwrap() as usize == data.len();
            if !ok {
                return Err(KernelError::InvalidParameter("id labels: offsets do not describe the data".into()));
            }
        }
        Ok(self)
    }

    /// The bytes of label `c` (byte-string labels only).
    #[inline]
    pub fn bytes(&self, c: usize) -> &[u8] {
        match self {
            Labels::Bytes { offsets, data, .. } => &data[offsets[c] as usize..offsets[c + 1] as usize],
            _ => &[],
        }
    }

    /// The labels of `codes`, in that order (any order, repeats allowed; each below
    /// `len()`, else an error). Byte strings are gathered into one buffer on both cores,
    /// so that reading them afterwards (e.g. to make Python strings) is one sequential
    /// pass instead of a random read per id.
    ///
    /// ```
    /// use fidelite_kernels::ids::Labels;
    /// let l = Labels::Bytes { offsets: vec![0, 1, 3], data: b"abc".to_vec(), utf8: true };
    /// let t = l.take(&[1, 0, 1]).unwrap();
    /// assert_eq!((t.bytes(0), t.bytes(1), t.bytes(2)), (&b"bc"[..], &b"a"[..], &b"bc"[..]));
    /// assert!(l.take(&[2]).is_err());
    /// ```
    pub fn take(&self, codes: &[u32]) -> Result<Labels> {
        let n = self.len();
        if let Some(&bad) = codes.iter().find(|&&c| c as usize >= n) {
            return Err(KernelError::OutOfRange(format!("code {bad} is outside 0..{n}")));
        }
        fn pick<T: Copy + Send + Sync>(v: &[T], codes: &[u32]) -> Vec<T> {
            codes.par_iter().with_min_len(1 << 14).map(|&c| v[c as usize]).collect()
        }
        Ok(match self {
            Labels::Int(v) => Labels::Int(pick(v, codes)),
            Labels::UInt(v) => Labels::UInt(pick(v, codes)),
            Labels::Bytes { offsets, utf8, .. } => {
                let mut out = Vec::with_capacity(codes.len() + 1);
                out.push(0i64);
                let mut total = 0i64;
                for &c in codes {
                    total += offsets[c as usize + 1] - offsets[c as usize];
                    out.push(total);
                }
                let mut data = vec![0u8; total as usize];
                // pieces of codes, each copying its ids into its own span of the buffer
                const PIECE: usize = 1 << 14;
                let spans = (0..codes.len().div_ceil(PIECE))
                    .map(|k| (out[((k + 1) * PIECE).min(codes.len())] - out[k * PIECE]) as usize);
                engine::cut(&mut data, spans).into_par_iter().zip(codes.par_chunks(PIECE)).for_each(|(dst, cs)| {
                    let mut at = 0;
                    for &c in cs {
                        let b = self.bytes(c as usize);
                        dst[at..at + b.len()].copy_from_slice(b);
                        at += b.len();
                    }
                });
                Labels::Bytes { offsets: out, data, utf8: *utf8 }
            }
        })
    }

    /// The hash of label `c`, as the factorisation computed it.
    fn hash(&self, c: usize) -> u64 {
        match self {
            Labels::Int(v) => hash::int(v[c] as u64),
            Labels::UInt(v) => hash::int(v[c]),
            Labels::Bytes { .. } => hash::bytes(self.bytes(c)),
        }
    }
}

/// The ids behind the codes of a factorised column. Immutable once built; the
/// ascending order and the lookup table are built on first use (thread-safe).
#[derive(Debug)]
pub struct IdIndex {
    labels: Labels,
    ascending: bool,
    sorted: OnceLock<Vec<u32>>,
    table: OnceLock<HashTable<u32>>,
}

impl PartialEq for IdIndex {
    fn eq(&self, other: &Self) -> bool {
        self.labels == other.labels
    }
}

impl IdIndex {
    /// An index over `labels` (the id of each code); `ascending`: whether codes already
    /// follow ascending ids (not checked: pass false when unsure). Integer labels that
    /// all fit `i64` are kept as `i64`.
    pub fn new(labels: Labels, ascending: bool) -> Self {
        let labels = match labels {
            Labels::UInt(v) if v.iter().all(|&x| x <= i64::MAX as u64) => {
                Labels::Int(v.into_iter().map(|x| x as i64).collect())
            }
            other => other,
        };
        IdIndex { labels, ascending, sorted: OnceLock::new(), table: OnceLock::new() }
    }

    /// Number of distinct ids (= codes).
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The id of each code.
    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    /// Whether the codes already follow ascending ids (dense integer ids do).
    pub fn is_ascending(&self) -> bool {
        self.ascending
    }

    /// The codes in ascending id order (integers by value, byte strings byte-wise, which
    /// for UTF-8 text is code-point order): computed on the first call (a radix sort, see
    /// [`super::order`]), then kept.
    pub fn sorted_order(&self) -> &[u32] {
        self.sorted.get_or_init(|| {
            if self.ascending {
                return (0..self.len() as u32).collect();
            }
            super::order::sorted_codes(&self.labels)
        })
    }

    /// The index of the ids of `codes` (strictly increasing, each below `len()`), in that
    /// order: code `i` of the result is code `codes[i]` of this index. Dropping ids keeps
    /// the others' order, so codes stay a function of the set of ids (and ascending ones
    /// ascending).
    pub fn subset(&self, codes: &[u32]) -> Result<IdIndex> {
        if codes.windows(2).any(|w| w[0] >= w[1]) || codes.last().is_some_and(|&c| c as usize >= self.len()) {
            return Err(KernelError::InvalidParameter(format!(
                "codes to keep must be strictly increasing and below {}",
                self.len()
            )));
        }
        fn pick<T: Copy>(v: &[T], codes: &[u32]) -> Vec<T> {
            codes.iter().map(|&c| v[c as usize]).collect()
        }
        let labels = match &self.labels {
            Labels::Int(v) => Labels::Int(pick(v, codes)),
            Labels::UInt(v) => Labels::UInt(pick(v, codes)),
            Labels::Bytes { utf8, .. } => {
                let mut offsets = Vec::with_capacity(codes.len() + 1);
                offsets.push(0i64);
                let mut data = Vec::new();
                for &c in codes {
                    data.extend_from_slice(self.labels.bytes(c as usize));
                    offsets.push(data.len() as i64);
                }
                Labels::Bytes { offsets, data, utf8: *utf8 }
            }
        };
        Ok(IdIndex::new(labels, self.ascending))
    }

    /// Hash table of the codes (built on first use).
    fn table(&self) -> &HashTable<u32> {
        self.table.get_or_init(|| {
            let mut t = HashTable::with_capacity(self.len());
            for c in 0..self.len() {
                t.insert_unique(self.labels.hash(c), c as u32, |&c| self.labels.hash(c as usize));
            }
            t
        })
    }

    fn check_kind(&self, kind: IdKind) -> Result<()> {
        let mine = self.labels.kind();
        if mine != kind {
            return Err(KernelError::WrongType(format!(
                "cannot look up {} ids among the {} ids of this log; convert the column to the log's id type first",
                kind.name(),
                mine.name()
            )));
        }
        Ok(())
    }

    /// Code of each integer id (-1: absent from the index, or null).
    pub fn lookup_ints<K: IntId>(&self, chunks: &[IntChunk<K>]) -> Result<Vec<i64>> {
        self.check_kind(IdKind::Int)?;
        match &self.labels {
            Labels::Int(l) => self.lookup_in(l, chunks, |x| i64::try_from(x.wide()).ok()),
            Labels::UInt(l) => self.lookup_in(l, chunks, |x| u64::try_from(x.wide()).ok()),
            Labels::Bytes { .. } => unreachable!("check_kind lets only integer indexes through"),
        }
    }

    fn lookup_in<L: IntId, K: IntId>(
        &self,
        labels: &[L],
        chunks: &[IntChunk<K>],
        to_label: impl Fn(K) -> Option<L> + Sync,
    ) -> Result<Vec<i64>> {
        let table = self.table();
        let find = |x: K| match to_label(x) {
            Some(v) => table.find(hash::int(v.bits()), |&c| labels[c as usize] == v).map_or(-1, |&c| c as i64),
            None => -1,
        };
        let blocks = engine::blocks(chunks.iter().map(|c| c.values.len()));
        per_block(&blocks, |b, out| {
            let chunk = &chunks[b.chunk];
            for (o, i) in out.iter_mut().zip(b.rows.clone()) {
                *o = if chunk.is_valid(i) { find(chunk.values[i]) } else { -1 };
            }
            Ok(())
        })
    }

    /// Code of each byte-string id (-1: absent from the index, or null).
    pub fn lookup_bytes(&self, chunks: &[ByteChunk], utf8: bool) -> Result<Vec<i64>> {
        self.check_kind(if utf8 { IdKind::Text } else { IdKind::Binary })?;
        let table = self.table();
        let blocks = engine::blocks(chunks.iter().map(|c| c.rows.len()));
        per_block(&blocks, |b, out| {
            let mut k = 0;
            chunks[b.chunk].each(b.rows.clone(), |x| {
                out[k] = x.map_or(-1, |x| {
                    table.find(hash::bytes(x), |&c| self.labels.bytes(c as usize) == x).map_or(-1, |&c| c as i64)
                });
                k += 1;
            })
        })
    }
}

/// One `i64` per row, each block of rows filled by `fill` in parallel.
fn per_block(
    blocks: &[engine::Block],
    fill: impl Fn(&engine::Block, &mut [i64]) -> Result<()> + Sync,
) -> Result<Vec<i64>> {
    let n = blocks.last().map_or(0, |b| b.start + b.rows.len());
    let mut out = vec![0i64; n];
    engine::cut(&mut out, blocks.iter().map(|b| b.rows.len()))
        .into_par_iter()
        .zip(blocks)
        .try_for_each(|(o, b)| fill(b, o))?;
    Ok(out)
}
