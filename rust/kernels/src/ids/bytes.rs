//! Byte-string ids (text or binary) in any Arrow layout: 32- or 64-bit offsets, views,
//! or fixed width (UUIDs as 16 bytes).
use arrow_buffer::{Buffer, NullBuffer};
use hashbrown::HashTable;
use rayon::prelude::*;

use super::engine::{self, Block, Source};
use super::{hash, IdIndex, Ids, Labels, NULL};
use crate::{KernelError, Result};

/// Where the bytes of each row of one chunk are, as Arrow lays them out.
#[derive(Debug, Clone, Copy)]
pub enum ByteRows<'a> {
    /// Row `i` is `data[offsets[i]..offsets[i + 1]]` (`string`, `binary`).
    Offsets32 { offsets: &'a [i32], data: &'a [u8] },
    /// The same with 64-bit offsets (`large_string`, `large_binary`).
    Offsets64 { offsets: &'a [i64], data: &'a [u8] },
    /// 16-byte views: length, then the bytes inline (up to 12) or a prefix, a buffer
    /// index and an offset (`string_view`, `binary_view`).
    Views { views: &'a [u128], buffers: &'a [Buffer] },
    /// Rows of `width` bytes each (`fixed_size_binary`, e.g. UUIDs).
    Fixed { width: usize, data: &'a [u8], len: usize },
}

/// How many rows ahead the gathers of first rows ask for theirs.
const PREFETCH_AHEAD: usize = 16;

/// Longest string a view holds inline.
const INLINE: usize = 12;

impl<'a> ByteRows<'a> {
    pub fn len(&self) -> usize {
        match self {
            ByteRows::Offsets32 { offsets, .. } => offsets.len().saturating_sub(1),
            ByteRows::Offsets64 { offsets, .. } => offsets.len().saturating_sub(1),
            ByteRows::Views { views, .. } => views.len(),
            ByteRows::Fixed { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`, or None when the layout points outside its buffers.
    #[inline]
    pub fn try_get(&self, i: usize) -> Option<&'a [u8]> {
        match *self {
            ByteRows::Offsets32 { offsets, data } => {
                let (s, e) = (usize::try_from(offsets[i]).ok()?, usize::try_from(offsets[i + 1]).ok()?);
                data.get(s..e)
            }
            ByteRows::Offsets64 { offsets, data } => {
                let (s, e) = (usize::try_from(offsets[i]).ok()?, usize::try_from(offsets[i + 1]).ok()?);
                data.get(s..e)
            }
            ByteRows::Views { views, buffers } => {
                let v = &views[i];
                let len = *v as u32 as usize;
                if len <= INLINE {
                    Some(&inline_bytes(v)[..len])
                } else {
                    let buffer = (*v >> 64) as u32 as usize;
                    let offset = (*v >> 96) as u32 as usize;
                    buffers.get(buffer)?.as_slice().get(offset..offset.checked_add(len)?)
                }
            }
            ByteRows::Fixed { width, data, .. } => data.get(i * width..(i + 1) * width),
        }
    }

    /// A hint that row `i` will be read soon: its offsets or view (its bytes are
    /// behind them).
    #[inline]
    pub fn prefetch(&self, i: usize) {
        match *self {
            ByteRows::Offsets32 { offsets, .. } => crate::group::prefetch(offsets, i),
            ByteRows::Offsets64 { offsets, .. } => crate::group::prefetch(offsets, i),
            ByteRows::Views { views, .. } => crate::group::prefetch(views, i),
            ByteRows::Fixed { width, data, .. } => crate::group::prefetch(data, i * width),
        }
    }

    /// Row `i` of a chunk whose rows were checked by [`ByteChunk::each`].
    #[inline]
    pub fn get(&self, i: usize) -> &'a [u8] {
        self.try_get(i).unwrap_or_default()
    }
}

/// The 12 bytes after the length of a view (little-endian layout, as Arrow defines it).
#[inline]
fn inline_bytes(v: &u128) -> &[u8; INLINE] {
    #[cfg(not(target_endian = "little"))]
    compile_error!("string views are read in Arrow's little-endian layout");
    // SAFETY: a u128 is 16 initialised bytes, any of which is a valid u8; bytes 4..16 lie
    // within it and live as long as the borrow of `v`.
    unsafe { &*(v as *const u128 as *const u8).add(4).cast::<[u8; INLINE]>() }
}

/// One chunk of a byte-string id column: where its rows are and which hold an id.
#[derive(Debug, Clone)]
pub struct ByteChunk<'a> {
    pub rows: ByteRows<'a>,
    pub valid: Option<NullBuffer>,
}

impl<'a> ByteChunk<'a> {
    pub fn new(rows: ByteRows<'a>, valid: Option<NullBuffer>) -> Result<Self> {
        let ok = match rows {
            ByteRows::Fixed { width, data, len } => width.checked_mul(len).is_some_and(|b| b <= data.len()),
            _ => true,
        };
        if !ok || valid.as_ref().is_some_and(|v| v.len() != rows.len()) {
            return Err(bad_layout());
        }
        Ok(ByteChunk { rows, valid: valid.filter(|v| v.null_count() > 0) })
    }

    #[inline]
    pub fn is_valid(&self, i: usize) -> bool {
        self.valid.as_ref().is_none_or(|v| v.is_valid(i))
    }

    /// Calls `f(Some(bytes))` / `f(None)` (null) for rows `rows` in order; an error when a
    /// non-null row points outside its buffers.
    #[inline]
    pub fn each(&self, rows: std::ops::Range<usize>, mut f: impl FnMut(Option<&'a [u8]>)) -> Result<()> {
        for i in rows {
            if self.is_valid(i) {
                f(Some(self.rows.try_get(i).ok_or_else(bad_layout)?));
            } else {
                f(None);
            }
        }
        Ok(())
    }
}

#[cold]
fn bad_layout() -> KernelError {
    KernelError::InvalidParameter(
        "the id column is not a valid Arrow array (offsets or views outside its buffers)".into(),
    )
}

/// The distinct ids of one partition in code order: the hash, first row and bytes of
/// each (`data[starts[u]..starts[u + 1]]`).
#[derive(Debug, Default)]
pub struct PartIds {
    hashes: Vec<u64>,
    rows: Vec<u32>,
    starts: Vec<usize>,
    data: Vec<u8>,
}

/// Factorises byte-string ids given in chunks; `utf8` says whether they are text.
pub fn factorize(chunks: &[ByteChunk], utf8: bool) -> Result<Ids> {
    let (ids, _) = factorize_rows(chunks, utf8)?;
    Ok(ids)
}

/// [`factorize`], also returning the first row of each id in code order.
///
/// Pass 3 of the [`engine`] tells ids apart by their 64-bit hash alone: it reads no
/// string (reading each row's bytes there, in no useful order, is the cache and TLB miss
/// that costs). The labels are then read from the first row of each id, in row order,
/// and a last pass, reading the rows in order, checks every row against its code's
/// label. Should two ids ever share a hash (no known input does), the factorisation runs
/// again comparing bytes.
pub fn factorize_rows(chunks: &[ByteChunk], utf8: bool) -> Result<(Ids, Vec<u32>)> {
    factorize_with(chunks, utf8, u64::MAX)
}

/// [`factorize_rows`] with hashes cut to the bits of `mask` (tests force collisions).
pub(super) fn factorize_with(chunks: &[ByteChunk], utf8: bool, mask: u64) -> Result<(Ids, Vec<u32>)> {
    let n: usize = chunks.iter().map(|c| c.rows.len()).sum();
    super::check_rows(n)?;
    let blocks = engine::blocks(chunks.iter().map(|c| c.rows.len()));
    let mut starts = Vec::with_capacity(chunks.len() + 1);
    starts.push(0);
    for c in chunks {
        starts.push(starts.last().unwrap() + c.rows.len());
    }
    let mut source = ByteSource { chunks, starts, mask, exact: false };
    loop {
        let out = engine::run(&source, &blocks, n)?;
        let rows: Vec<u32> = out.uniques.iter().flat_map(|u| u.rows.iter().copied()).collect();
        let labels = concat(&out.uniques, utf8);
        if source.exact || verified(chunks, &blocks, &out.codes, &labels) {
            let ids = Ids { codes: out.codes, n_null: out.n_null, index: IdIndex::new(labels, false) };
            return Ok((ids, rows));
        }
        source.exact = true;
    }
}

/// Whether every row's id is its code's label: the rows are read in order; each label
/// is first compared through a 16-byte summary (length, then up to 12 bytes inline or
/// a 4-byte prefix), as Arrow's string views do, which keeps the labels' side in cache.
fn verified(chunks: &[ByteChunk], blocks: &[Block], codes: &[u32], labels: &Labels) -> bool {
    let views: Vec<u128> = (0..labels.len()).into_par_iter().map(|c| view(labels.bytes(c))).collect();
    const AHEAD: usize = 16;
    blocks.par_iter().all(|b| {
        let (chunk, codes) = (&chunks[b.chunk], &codes[b.start..b.start + b.rows.len()]);
        codes.iter().enumerate().all(|(k, &c)| {
            if let Some(&next) = codes.get(k + AHEAD) {
                crate::group::prefetch(&views, next as usize);
            }
            if c == NULL {
                return true;
            }
            let row = chunk.rows.get(b.rows.start + k);
            views[c as usize] == view(row) && (row.len() <= INLINE || labels.bytes(c as usize) == row)
        })
    })
}

/// Length and the first 12 bytes of a string, zero-padded, in one number.
#[inline]
fn view(b: &[u8]) -> u128 {
    let mut v = [0u8; 16];
    let head = b.len().min(INLINE);
    v[4..4 + head].copy_from_slice(&b[..head]);
    u128::from_le_bytes(v) | b.len() as u32 as u128
}

struct ByteSource<'a, 'c> {
    chunks: &'c [ByteChunk<'a>],
    /// Chunk `k` holds rows `starts[k]..starts[k + 1]`.
    starts: Vec<usize>,
    /// Bits of the hashes kept (all but in tests).
    mask: u64,
    /// Compare the bytes of every row (else ids are told apart by hash, then verified).
    exact: bool,
}

impl ByteSource<'_, '_> {
    #[inline]
    fn hash(&self, bytes: &[u8]) -> u64 {
        hash::bytes(bytes) & self.mask
    }

    /// The chunk holding row `r`, searching forward from chunk `k`.
    #[inline]
    fn chunk_from(&self, mut k: usize, r: usize) -> usize {
        while r >= self.starts[k + 1] {
            k += 1;
        }
        k
    }
}

/// The labels of every partition's ids, one after the other (copied in parallel).
fn concat(parts: &[PartIds], utf8: bool) -> Labels {
    let n: usize = parts.iter().map(|p| p.hashes.len()).sum();
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0i64);
    let mut total = 0i64;
    for p in parts {
        for w in p.starts.windows(2) {
            total += (w[1] - w[0]) as i64;
            offsets.push(total);
        }
    }
    let mut data = vec![0u8; total as usize];
    engine::cut(&mut data, parts.iter().map(|p| p.data.len()))
        .into_par_iter()
        .zip(parts)
        .for_each(|(d, p)| d.copy_from_slice(&p.data));
    Labels::Bytes { offsets, data, utf8 }
}

impl Source for ByteSource<'_, '_> {
    type Entry = u64;
    type Uniques = PartIds;
    const ROWS: bool = true;

    fn hashes(&self, b: &Block, mut f: impl FnMut(Option<u64>)) -> Result<()> {
        self.chunks[b.chunk].each(b.rows.clone(), |x| f(x.map(|x| self.hash(x))))
    }

    #[inline]
    fn entry(&self, b: &Block, i: usize) -> u64 {
        self.hash(self.chunks[b.chunk].rows.get(b.rows.start + i))
    }

    fn partition(&self, hashes: &[u64], slots: &mut [u32], table: &mut HashTable<(u64, u32)>) -> (PartIds, usize) {
        let mut ids = PartIds::default(); // (hashes and rows in the order found)
                                          // in exact mode, the bytes of each id, to compare rows with (and to rank ids
                                          // sharing a hash)
        let mut bytes: Vec<&[u8]> = Vec::new();
        // rows come in ascending order: the chunk only moves forward
        let mut k = 0;
        for (&h, slot) in hashes.iter().zip(slots.iter_mut()) {
            let t = hash::in_table(h);
            let row = *slot;
            let found = if self.exact {
                k = self.chunk_from(k, row as usize);
                let b = self.chunks[k].rows.get(row as usize - self.starts[k]);
                let found = table.find(t, |&(g, u)| g == h && bytes[u as usize] == b).map(|e| e.1);
                if found.is_none() {
                    bytes.push(b);
                }
                found
            } else {
                table.find(t, |e| e.0 == h).map(|e| e.1)
            };
            *slot = found.unwrap_or_else(|| {
                let u = ids.hashes.len() as u32;
                ids.hashes.push(h);
                ids.rows.push(row);
                table.insert_unique(t, (h, u), |e| hash::in_table(e.0));
                u
            });
        }
        let n = ids.hashes.len();
        let order = engine::rank(n, slots, |&a, &b| {
            let (a, b) = (a as usize, b as usize);
            ids.hashes[a].cmp(&ids.hashes[b]).then_with(|| if self.exact { bytes[a].cmp(bytes[b]) } else { a.cmp(&b) })
        });
        // the bytes of each id's first row, read in row order, a tight loop that asks for
        // rows ahead of time (these reads are cache and TLB misses)
        if !self.exact {
            bytes.reserve(n);
            let mut k = 0;
            for (j, &row) in ids.rows.iter().enumerate() {
                if let Some(&ahead) = ids.rows.get(j + PREFETCH_AHEAD) {
                    let r = ahead as usize;
                    let c = self.chunk_from(k, r);
                    self.chunks[c].rows.prefetch(r - self.starts[c]);
                }
                k = self.chunk_from(k, row as usize);
                bytes.push(self.chunks[k].rows.get(row as usize - self.starts[k]));
            }
        }
        let mut out = PartIds {
            hashes: Vec::with_capacity(n),
            rows: Vec::with_capacity(n),
            starts: Vec::with_capacity(n + 1),
            data: Vec::with_capacity(bytes.iter().map(|b| b.len()).sum()),
        };
        out.starts.push(0);
        for &o in &order {
            let o = o as usize;
            out.hashes.push(ids.hashes[o]);
            out.rows.push(ids.rows[o]);
            out.data.extend_from_slice(bytes[o]);
            out.starts.push(out.data.len());
        }
        (out, n)
    }
}
