//! The one hash of customer ids: foldhash (quality variant) with a fixed seed, so that
//! codes, which follow the hashes, are the same in every process and on every machine.
use std::hash::BuildHasher;

use foldhash::quality::FixedState;

/// "fidelite" in ASCII: any fixed value would do, but it must never change between
/// releases without a reason (codes of a pickled index are kept as they are: see
/// [`super::IdIndex`], whose lookup table never relies on this order).
const SEED: u64 = 0x6669_6465_6c69_7465;
const STATE: FixedState = FixedState::with_seed(SEED);

/// Hash of an integer id, given as its 64 bits (an `i64` and a `u64` of the same value
/// hash alike, so a `uint64` column whose ids fit `int64` gets the codes of an `int64` one).
#[inline]
pub fn int(bits: u64) -> u64 {
    STATE.hash_one(bits)
}

/// Hash of a byte-string id (text or binary, however Arrow lays it out).
#[inline]
pub fn bytes(b: &[u8]) -> u64 {
    STATE.hash_one(b)
}

/// The hash the per-partition tables see: partitions are cut by the top bits of the hash,
/// which hashbrown also reads (its 7-bit tags), so these are rotated out of the way.
#[inline]
pub fn in_table(h: u64) -> u64 {
    h.rotate_left(super::engine::MAX_PART_BITS)
}
