//! Byte-string ids (text or binary) in any Arrow layout: 32- or 64-bit offsets, views,
//! or fixed width (UUIDs as 16 bytes).
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_buffer::{Buffer, NullBuffer};
use hashbrown::HashTable;
use rayon::prelude::*;

use super::engine::{self, Block, Source};
use super::keys::{self, Shape};
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

/// The distinct ids of one partition in code order: the hash and bytes of each
/// (`data[starts[u]..starts[u + 1]]`).
#[derive(Debug)]
pub struct PartIds {
    hashes: Vec<u64>,
    starts: Vec<usize>,
    data: Vec<u8>,
}

impl Default for PartIds {
    fn default() -> Self {
        PartIds { hashes: Vec::new(), starts: vec![0], data: Vec::new() }
    }
}

impl PartIds {
    #[inline]
    fn bytes(&self, u: usize) -> &[u8] {
        &self.data[self.starts[u]..self.starts[u + 1]]
    }

    fn push(&mut self, hash: u64, bytes: &[u8]) {
        self.hashes.push(hash);
        self.data.extend_from_slice(bytes);
        self.starts.push(self.data.len());
    }

    fn len(&self) -> usize {
        self.hashes.len()
    }

    /// These ids (numbered in first-seen order) ranked by `(hash, bytes)`; `codes` (first-seen
    /// numbers) are renumbered to the ranks.
    fn ranked(self, codes: &mut [u32]) -> PartIds {
        let order = engine::rank(self.len(), codes, |&a, &b| {
            let (a, b) = (a as usize, b as usize);
            (self.hashes[a], self.bytes(a)).cmp(&(self.hashes[b], self.bytes(b)))
        });
        let mut out = PartIds {
            hashes: Vec::with_capacity(order.len()),
            starts: Vec::with_capacity(order.len() + 1),
            data: Vec::with_capacity(self.data.len()),
        };
        out.starts.push(0);
        for &o in &order {
            out.push(self.hashes[o as usize], self.bytes(o as usize));
        }
        out
    }
}

/// Factorises byte-string ids given in chunks; `utf8` says whether they are text.
///
/// Ids that fit 128 bits (at most 15 bytes, 16-byte binary, canonical UUID text: see
/// [`keys`]) are told apart by that number, held in the partitions' own entries. Longer
/// ids (e-mails, free-form codes) are compared byte for byte in pass 3 of the
/// [`engine`], which reads each row's bytes where it finds them: a partition's rows come
/// in ascending order, so their bytes are asked for some rows ahead and the reads overlap.
/// Either way, codes follow the hash of the bytes then the bytes: they do not depend on
/// which way was taken.
pub fn factorize(chunks: &[ByteChunk], utf8: bool) -> Result<Ids> {
    factorize_with(chunks, utf8, u64::MAX)
}

/// [`factorize`] with hashes cut to the bits of `mask` (tests force collisions).
pub(super) fn factorize_with(chunks: &[ByteChunk], utf8: bool, mask: u64) -> Result<Ids> {
    let n: usize = chunks.iter().map(|c| c.rows.len()).sum();
    super::check_rows(n)?;
    let blocks = engine::blocks(chunks.iter().map(|c| c.rows.len()));
    let mut shape = Some(Shape::Short);
    while let Some(s) = shape {
        let source = KeySource { chunks, shape: s, mask, unfit: AtomicUsize::new(FITS) };
        match engine::run(&source, &blocks, n) {
            Ok(out) => return Ok(ids(out, utf8)),
            Err(e) => match source.unfit.load(Ordering::Relaxed) {
                FITS => return Err(e),
                len => shape = next_shape(s, len),
            },
        }
    }
    let mut starts = Vec::with_capacity(chunks.len() + 1);
    starts.push(0);
    for c in chunks {
        starts.push(starts.last().unwrap() + c.rows.len());
    }
    let out = engine::run(&ByteSource { chunks, starts, mask }, &blocks, n)?;
    Ok(ids(out, utf8))
}

/// The shape to try after `s` did not fit an id of `len` bytes (None: compare bytes).
/// Whichever unfit id is met first, the codes are the same (see [`factorize`]).
fn next_shape(s: Shape, len: usize) -> Option<Shape> {
    match (s, len) {
        (Shape::Short, 16) => Some(Shape::Sixteen),
        (Shape::Short, keys::UUID_TEXT) => Some(Shape::Uuid { upper: false }),
        (Shape::Uuid { upper: false }, keys::UUID_TEXT) => Some(Shape::Uuid { upper: true }),
        _ => None,
    }
}

fn ids(out: engine::Output<PartIds>, utf8: bool) -> Ids {
    let labels = concat(&out.uniques, utf8);
    Ids { codes: out.codes, n_null: out.n_null, index: IdIndex::new(labels, false) }
}

/// The labels of every partition's ids, one after the other (copied in parallel).
fn concat(parts: &[PartIds], utf8: bool) -> Labels {
    let n: usize = parts.iter().map(|p| p.len()).sum();
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

/// [`KeySource::unfit`] while every id met so far fits the shape.
const FITS: usize = usize::MAX;

/// Ids told apart by their keys (see [`keys`]).
struct KeySource<'a, 'c> {
    chunks: &'c [ByteChunk<'a>],
    shape: Shape,
    /// Bits of the hashes kept (all but in tests).
    mask: u64,
    /// The length of an id met that does not fit the shape ([`FITS`]: none yet).
    unfit: AtomicUsize,
}

impl Source for KeySource<'_, '_> {
    type Entry = u128;
    type Uniques = PartIds;
    const ROWS: bool = false;

    fn hashes(&self, b: &Block, mut f: impl FnMut(Option<u64>)) -> Result<()> {
        if self.unfit.load(Ordering::Relaxed) != FITS {
            return Err(unfit());
        }
        let mut bad = FITS;
        self.chunks[b.chunk].each(b.rows.clone(), |x| match x {
            Some(x) if bad == FITS => match self.shape.key(x) {
                Some(_) => f(Some(hash::bytes(x) & self.mask)),
                None => bad = x.len(),
            },
            _ => f(None),
        })?;
        if bad != FITS {
            self.unfit.store(bad, Ordering::Relaxed);
            return Err(unfit());
        }
        Ok(())
    }

    #[inline]
    fn entry(&self, b: &Block, i: usize) -> u128 {
        self.shape.key(self.chunks[b.chunk].rows.get(b.rows.start + i)).unwrap_or_default()
    }

    fn partition(&self, entries: &[u128], codes: &mut [u32], table: &mut HashTable<(u64, u32)>) -> (PartIds, usize) {
        let distinct = keys::first_seen(entries, codes, table);
        let mut ids = PartIds::default();
        let mut bytes = Vec::with_capacity(keys::UUID_TEXT);
        for &k in &distinct {
            bytes.clear();
            self.shape.bytes_of(k, &mut bytes);
            ids.push(hash::bytes(&bytes) & self.mask, &bytes);
        }
        let n = ids.len();
        (ids.ranked(codes), n)
    }
}

/// The error that stops a pass when an id does not fit the shape (the caller then tries
/// another way; users never see it).
#[cold]
fn unfit() -> KernelError {
    KernelError::InvalidParameter("an id does not fit the shape tried".into())
}

/// Ids compared byte for byte.
struct ByteSource<'a, 'c> {
    chunks: &'c [ByteChunk<'a>],
    /// Chunk `k` holds rows `starts[k]..starts[k + 1]`.
    starts: Vec<usize>,
    /// Bits of the hashes kept (all but in tests).
    mask: u64,
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

    /// Compares the bytes of every row with the ids found so far in the partition (kept
    /// in cache); `slots` holds each row's number on entry.
    fn partition(&self, hashes: &[u64], slots: &mut [u32], table: &mut HashTable<(u64, u32)>) -> (PartIds, usize) {
        let mut ids = PartIds::default();
        let rows = slots.to_vec();
        let mut j = 0;
        self.gather(&rows, |bytes| {
            let h = hashes[j];
            let t = hash::in_table(h);
            let found = table.find(t, |&(g, u)| g == h && ids.bytes(u as usize) == bytes).map(|e| e.1);
            slots[j] = found.unwrap_or_else(|| {
                let u = ids.len() as u32;
                ids.push(h, bytes);
                table.insert_unique(t, (h, u), |e| hash::in_table(e.0));
                u
            });
            j += 1;
        });
        let n = ids.len();
        (ids.ranked(slots), n)
    }
}
