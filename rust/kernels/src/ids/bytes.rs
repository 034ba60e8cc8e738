//! Byte-string ids (text or binary) in any Arrow layout: 32- or 64-bit offsets, views,
//! or fixed width (UUIDs as 16 bytes).
use arrow_buffer::{Buffer, NullBuffer};
use hashbrown::HashTable;
use rayon::prelude::*;

use super::engine::{self, Block, Source};
use super::{hash, IdIndex, Ids, Labels};
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

    /// The length of the longest row (null rows included: an upper bound).
    pub fn max_len(&self) -> usize {
        match *self {
            ByteRows::Offsets32 { offsets, .. } => {
                offsets.windows(2).map(|w| (w[1] as i64 - w[0] as i64).max(0) as usize).max().unwrap_or(0)
            }
            ByteRows::Offsets64 { offsets, .. } => {
                offsets.windows(2).map(|w| (w[1] - w[0]).max(0) as usize).max().unwrap_or(0)
            }
            ByteRows::Views { views, .. } => views.iter().map(|&v| v as u32 as usize).max().unwrap_or(0),
            ByteRows::Fixed { width, .. } => width,
        }
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
            ByteRows::Offsets32 { offsets, .. } => crate::layout::group::prefetch(offsets, i),
            ByteRows::Offsets64 { offsets, .. } => crate::layout::group::prefetch(offsets, i),
            ByteRows::Views { views, .. } => crate::layout::group::prefetch(views, i),
            ByteRows::Fixed { width, data, .. } => crate::layout::group::prefetch(data, i * width),
        }
    }

    /// A hint that the bytes of row `i` will be read soon (reads its offsets or view,
    /// which [`ByteRows::prefetch`] asked for earlier).
    #[inline]
    pub fn prefetch_bytes(&self, i: usize) {
        match *self {
            ByteRows::Offsets32 { offsets, data } => crate::layout::group::prefetch(data, offsets[i] as usize),
            ByteRows::Offsets64 { offsets, data } => crate::layout::group::prefetch(data, offsets[i] as usize),
            ByteRows::Views { views, buffers } => {
                let v = views[i];
                if v as u32 as usize > INLINE {
                    if let Some(b) = buffers.get((v >> 64) as u32 as usize) {
                        crate::layout::group::prefetch(b.as_slice(), (v >> 96) as u32 as usize);
                    }
                }
            }
            ByteRows::Fixed { width, data, .. } => crate::layout::group::prefetch(data, i * width + width - 1),
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

impl PartIds {
    #[inline]
    fn bytes(&self, u: usize) -> &[u8] {
        &self.data[self.starts[u]..self.starts[u + 1]]
    }

    fn push(&mut self, hash: u64, row: u32, bytes: &[u8]) {
        self.hashes.push(hash);
        self.rows.push(row);
        self.data.extend_from_slice(bytes);
        self.starts.push(self.data.len());
    }
}

/// Factorises byte-string ids given in chunks; `utf8` says whether they are text.
pub fn factorize(chunks: &[ByteChunk], utf8: bool) -> Result<Ids> {
    let (ids, _) = factorize_rows(chunks, utf8)?;
    Ok(ids)
}

/// [`factorize`], also returning the first row of each id in code order.
///
/// Pass 3 of the [`engine`] reads each row's bytes where it finds them, in no useful
/// order: those reads are the cache and TLB misses that cost. Two ways around them:
///
/// - ids of at most 12 bytes (`"C-00012345"`, short codes): pass 3 tells ids apart by
///   their 64-bit hash alone and reads the bytes of each id's first row only; a last pass
///   reads the rows in order and checks each against its code's label through a 16-byte
///   summary (length and bytes, as Arrow's string views hold them), which keeps the
///   labels' side in cache. Should two ids ever share a hash (no known input does), the
///   factorisation runs again the other way;
/// - longer ids (UUIDs as text, e-mails): pass 3 compares the bytes of every row with the
///   ids found so far in its partition (kept in cache); a partition's rows come in
///   ascending order, so their bytes are asked for some rows ahead and the reads overlap.
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
    let exact = chunks.iter().any(|c| c.rows.max_len() > INLINE);
    let mut source = ByteSource { chunks, starts, mask, exact };
    loop {
        let out = engine::run(&source, &blocks, n)?;
        let labels = concat(&out.uniques, utf8);
        if source.exact || verified(chunks, &blocks, &out.codes, &labels) {
            let rows: Vec<u32> = out.uniques.iter().flat_map(|u| u.rows.iter().copied()).collect();
            let ids = Ids { codes: out.codes, n_null: out.n_null, index: IdIndex::new(labels, false) };
            return Ok((ids, rows));
        }
        source.exact = true;
    }
}

/// Whether every row's id (of at most 12 bytes) is its code's label: the rows are read
/// in order, the labels through their 16-byte summaries.
fn verified(chunks: &[ByteChunk], blocks: &[Block], codes: &[u32], labels: &Labels) -> bool {
    let views: Vec<u128> = (0..labels.len()).into_par_iter().map(|c| view(labels.bytes(c))).collect();
    const AHEAD: usize = 16;
    blocks.par_iter().all(|b| {
        let (chunk, codes) = (&chunks[b.chunk], &codes[b.start..b.start + b.rows.len()]);
        codes.iter().enumerate().all(|(k, &c)| {
            if let Some(&next) = codes.get(k + AHEAD) {
                crate::layout::group::prefetch(&views, next as usize);
            }
            c == super::NULL || views[c as usize] == view(chunk.rows.get(b.rows.start + k))
        })
    })
}

/// Length and bytes of an id of at most 12 bytes, zero-padded, in one number (longer
/// ids: their first 12 bytes).
#[inline]
fn view(b: &[u8]) -> u128 {
    let mut v = [0u8; 16];
    let head = b.len().min(INLINE);
    v[4..4 + head].copy_from_slice(&b[..head]);
    u128::from_le_bytes(v) | b.len() as u32 as u128
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

struct ByteSource<'a, 'c> {
    chunks: &'c [ByteChunk<'a>],
    /// Chunk `k` holds rows `starts[k]..starts[k + 1]`.
    starts: Vec<usize>,
    /// Bits of the hashes kept (all but in tests).
    mask: u64,
    /// Compare the bytes of every row (else ids are told apart by hash, then verified).
    exact: bool,
}

impl<'a> ByteSource<'a, '_> {
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

/// How far ahead (in rows of a partition) pass 3 asks for a row's offsets or view, and
/// for the bytes they point at.
const AHEAD_META: usize = 64;
const AHEAD_BYTES: usize = 24;

impl<'a> ByteSource<'a, '_> {
    /// Calls `f(bytes)` for each of `rows` (ascending), in order, asking for each row's
    /// offsets or view, then its bytes, some rows ahead.
    fn gather(&self, rows: &[u32], mut f: impl FnMut(&'a [u8])) {
        let (mut k, mut k_meta, mut k_bytes) = (0, 0, 0);
        for (j, &row) in rows.iter().enumerate() {
            if let Some(&r) = rows.get(j + AHEAD_META) {
                k_meta = self.chunk_from(k_meta, r as usize);
                self.chunks[k_meta].rows.prefetch(r as usize - self.starts[k_meta]);
            }
            if let Some(&r) = rows.get(j + AHEAD_BYTES) {
                k_bytes = self.chunk_from(k_bytes, r as usize);
                self.chunks[k_bytes].rows.prefetch_bytes(r as usize - self.starts[k_bytes]);
            }
            k = self.chunk_from(k, row as usize);
            f(self.chunks[k].rows.get(row as usize - self.starts[k]));
        }
    }

    /// Pass 3 comparing the bytes of every row (see [`factorize_rows`]).
    fn probe_exact(&self, hashes: &[u64], slots: &mut [u32], table: &mut HashTable<(u64, u32)>, ids: &mut PartIds) {
        let rows = slots.to_vec();
        let mut j = 0;
        self.gather(&rows, |bytes| {
            let (h, row) = (hashes[j], rows[j]);
            let t = hash::in_table(h);
            let found = table.find(t, |&(g, u)| g == h && ids.bytes(u as usize) == bytes).map(|e| e.1);
            slots[j] = found.unwrap_or_else(|| {
                let u = ids.hashes.len() as u32;
                ids.push(h, row, bytes);
                table.insert_unique(t, (h, u), |e| hash::in_table(e.0));
                u
            });
            j += 1;
        });
    }
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
        // the ids found, in that order: hash, first row, bytes (`data[starts[u]..]`)
        let mut ids = PartIds { starts: vec![0], ..Default::default() };
        if self.exact {
            self.probe_exact(hashes, slots, table, &mut ids);
        } else {
            for (&h, slot) in hashes.iter().zip(slots.iter_mut()) {
                let t = hash::in_table(h);
                let row = *slot;
                *slot = table.find(t, |e| e.0 == h).map(|e| e.1).unwrap_or_else(|| {
                    let u = ids.hashes.len() as u32;
                    ids.hashes.push(h);
                    ids.rows.push(row);
                    table.insert_unique(t, (h, u), |e| hash::in_table(e.0));
                    u
                });
            }
            // the bytes of each id's first row: rows in ascending order, asked for ahead
            self.gather(&ids.rows.clone(), |b| {
                ids.data.extend_from_slice(b);
                ids.starts.push(ids.data.len());
            });
        }
        let n = ids.hashes.len();
        let order = engine::rank(n, slots, |&a, &b| {
            let (a, b) = (a as usize, b as usize);
            (ids.hashes[a], ids.bytes(a)).cmp(&(ids.hashes[b], ids.bytes(b)))
        });
        let mut out = PartIds {
            hashes: Vec::with_capacity(n),
            rows: Vec::with_capacity(n),
            starts: Vec::with_capacity(n + 1),
            data: Vec::with_capacity(ids.data.len()),
        };
        out.starts.push(0);
        for &o in &order {
            let o = o as usize;
            out.push(ids.hashes[o], ids.rows[o], ids.bytes(o));
        }
        (out, n)
    }
}
