//! Every id kind against a plain reference: the same id gets the same code, codes are
//! dense, the index gives back the ids, and codes depend on the set of ids only.
use std::sync::Arc;

use arrow_array::builder::{FixedSizeBinaryBuilder, StringDictionaryBuilder};
use arrow_array::types::{Int32Type, UInt8Type};
use arrow_array::{
    Array, ArrayRef, BinaryArray, DictionaryArray, FixedSizeBinaryArray, Int32Array, Int64Array, LargeStringArray,
    NullArray, StringArray, StringViewArray, UInt32Array, UInt64Array,
};

use super::*;

fn rng(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Byte labels (not UTF-8) holding `ids` in that order: code `i` is `ids[i]`.
pub(super) fn bytes_labels(ids: &[Vec<u8>]) -> Labels {
    let mut offsets = vec![0i64];
    let mut data = Vec::new();
    for id in ids {
        data.extend_from_slice(id);
        offsets.push(data.len() as i64);
    }
    Labels::Bytes { offsets, data, utf8: false }
}

/// The id of each code, as owned bytes (integers as their decimal text).
fn label(index: &IdIndex, c: u32) -> Vec<u8> {
    match index.labels() {
        Labels::Int(v) => v[c as usize].to_string().into_bytes(),
        Labels::UInt(v) => v[c as usize].to_string().into_bytes(),
        Labels::Bytes { .. } => index.labels().bytes(c as usize).to_vec(),
    }
}

/// Checks a factorisation against the ids it was given (`None` = null), by definition:
/// codes dense over the distinct ids, each code's label is the row's id, equal ids share
/// a code. Returns the labels in code order.
fn check(ids: &Ids, expected: &[Option<Vec<u8>>]) -> Vec<Vec<u8>> {
    assert_eq!(ids.codes.len(), expected.len());
    let mut distinct: Vec<&Vec<u8>> = expected.iter().flatten().collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(ids.index.len(), distinct.len(), "one code per distinct id");
    assert_eq!(ids.n_null, expected.iter().filter(|e| e.is_none()).count());
    for (c, e) in ids.codes.iter().zip(expected) {
        match e {
            None => assert_eq!(*c, NULL),
            Some(e) => assert_eq!(&label(&ids.index, *c), e),
        }
    }
    (0..ids.index.len() as u32).map(|c| label(&ids.index, c)).collect()
}

fn text(v: &[Option<&str>]) -> Vec<Option<Vec<u8>>> {
    v.iter().map(|s| s.map(|s| s.as_bytes().to_vec())).collect()
}

fn arr(a: impl Array + 'static) -> ArrayRef {
    Arc::new(a)
}

#[test]
fn every_text_layout_gives_the_same_codes() {
    let words = [
        Some("C-00000001"),
        None,
        Some(""),
        Some("a"),
        Some("a\0"),
        Some("longer than twelve bytes, in a buffer"),
        Some("0123456789abcdef-X"),
        Some("0123456789abcdef-Y"),
        Some("a"),
        None,
        Some(""),
        Some("é"),
    ];
    let expected = text(&words);
    let layouts = [
        arr(StringArray::from(words.to_vec())),
        arr(LargeStringArray::from(words.to_vec())),
        arr(StringViewArray::from(words.to_vec())),
    ];
    let first = arrow::factorize(&layouts[..1]).unwrap();
    let labels = check(&first, &expected);
    for a in &layouts[1..] {
        let f = arrow::factorize(std::slice::from_ref(a)).unwrap();
        assert_eq!(check(&f, &expected), labels, "{}", a.data_type());
        assert_eq!(f.codes, first.codes);
    }
    assert_eq!(first.index.labels().kind(), IdKind::Text);
}

#[test]
fn ids_differing_after_byte_8_or_in_a_trailing_nul_stay_apart() {
    let words: Vec<String> = (0..5000).map(|i| format!("customer{i:08}")).chain(["x".into(), "x\0".into()]).collect();
    let a = arr(StringArray::from(words.iter().map(|s| Some(s.as_str())).collect::<Vec<_>>()));
    let f = arrow::factorize(&[a]).unwrap();
    check(&f, &words.iter().map(|s| Some(s.as_bytes().to_vec())).collect::<Vec<_>>());
    assert_eq!(f.index.len(), words.len());
}

#[test]
fn codes_depend_on_the_set_of_ids_only() {
    let mut s = 7u64;
    // enough rows for several partitions and blocks
    let ids: Vec<String> = (0..300_000).map(|_| format!("C-{:08}", rng(&mut s) % 40_000)).collect();
    let mut shuffled = ids.clone();
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, (rng(&mut s) % (i as u64 + 1)) as usize);
    }
    let one = arrow::factorize(&[arr(StringArray::from_iter_values(&ids))]).unwrap();
    // shuffled, cut in uneven chunks, as views
    let chunks: Vec<ArrayRef> = [0, 1, 70_000, 70_001, 300_000]
        .windows(2)
        .map(|w| arr(StringViewArray::from_iter_values(&shuffled[w[0]..w[1]])))
        .collect();
    let two = arrow::factorize(&chunks).unwrap();
    assert_eq!(one.index, two.index, "same set of ids, same labels in code order");
    let code = |f: &Ids, id: &str| {
        let Labels::Bytes { .. } = f.index.labels() else { panic!() };
        (0..f.index.len()).find(|&c| f.index.labels().bytes(c) == id.as_bytes()).unwrap() as u32
    };
    for (i, id) in shuffled.iter().enumerate().step_by(997) {
        assert_eq!(two.codes[i], code(&one, id));
    }
    check(&two, &shuffled.iter().map(|s| Some(s.as_bytes().to_vec())).collect::<Vec<_>>());
    // and on one thread
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let single = pool.install(|| arrow::factorize(&chunks).unwrap());
    assert_eq!(single.codes, two.codes);
}

#[test]
fn binary_and_fixed_width_ids() {
    let mut b = FixedSizeBinaryBuilder::new(16);
    let uuids: Vec<[u8; 16]> = (0..50u8).map(|i| [i % 7; 16]).collect();
    for (i, u) in uuids.iter().enumerate() {
        if i % 11 == 3 {
            b.append_null();
        } else {
            b.append_value(u).unwrap();
        }
    }
    let fixed: FixedSizeBinaryArray = b.finish();
    let expected: Vec<Option<Vec<u8>>> =
        uuids.iter().enumerate().map(|(i, u)| (i % 11 != 3).then(|| u.to_vec())).collect();
    let f = arrow::factorize(&[arr(fixed.clone())]).unwrap();
    check(&f, &expected);
    assert_eq!(f.index.labels().kind(), IdKind::Binary);
    // the same bytes as variable-width binary: the same codes
    let var = BinaryArray::from(expected.iter().map(|e| e.as_deref()).collect::<Vec<_>>());
    assert_eq!(arrow::factorize(&[arr(var)]).unwrap().codes, f.codes);
    // a slice of the fixed-width array starts at its own first row
    let sliced = arr(fixed.slice(5, 20));
    check(&arrow::factorize(&[sliced]).unwrap(), &expected[5..25]);
}

#[test]
fn integer_ids_dense_wide_and_unsigned() {
    let mut s = 3u64;
    for spread in [1i64, 3, 1_000_000_007] {
        let ids: Vec<i64> = (0..100_000).map(|_| ((rng(&mut s) % 5000) as i64 - 2500) * spread).collect();
        let f = ints::factorize(&[ints::IntChunk::new(&ids, None)]).unwrap();
        check(&f, &ids.iter().map(|x| Some(x.to_string().into_bytes())).collect::<Vec<_>>());
        // dense ids keep ascending codes; wide ones are numbered by hash
        assert_eq!(f.index.is_ascending(), spread < 1000, "spread {spread}");
        let sorted: Vec<i64> = match f.index.labels() {
            Labels::Int(v) => f.index.sorted_order().iter().map(|&c| v[c as usize]).collect(),
            _ => panic!(),
        };
        assert!(sorted.windows(2).all(|w| w[0] < w[1]));
    }
    let big = [u64::MAX, 5, u64::MAX, 1 << 63];
    let f = arrow::factorize(&[arr(UInt64Array::from(big.to_vec()))]).unwrap();
    check(&f, &big.iter().map(|x| Some(x.to_string().into_bytes())).collect::<Vec<_>>());
    assert!(matches!(f.index.labels(), Labels::UInt(_)));
    // uint64 and int32 ids that fit int64 get the codes of int64 ones
    let small = [7i64, 1 << 40, 7, -3];
    let as_i64 = arrow::factorize(&[arr(Int64Array::from(small.to_vec()))]).unwrap();
    let fits = [7u64, 1 << 40, 7];
    let as_u64 = arrow::factorize(&[arr(UInt64Array::from(fits.to_vec()))]).unwrap();
    assert!(matches!(as_u64.index.labels(), Labels::Int(_)));
    let narrow = arrow::factorize(&[arr(Int32Array::from(vec![Some(7), None, Some(-3)]))]).unwrap();
    check(&narrow, &[Some(b"7".to_vec()), None, Some(b"-3".to_vec())]);
    let extremes = [i64::MAX, i64::MIN, 0, i64::MIN];
    let f = ints::factorize(&[ints::IntChunk::new(&extremes, None)]).unwrap();
    check(&f, &extremes.iter().map(|x| Some(x.to_string().into_bytes())).collect::<Vec<_>>());
    drop(as_i64);
}

#[test]
fn dense_or_hashed_is_decided_by_the_set_of_ids_not_the_row_count() {
    // 100 ids spread over 2^21: sparse, hashed with 100 rows or 100,000
    let ids: Vec<i64> = (0..100).map(|i| i * 21_000).collect();
    let many: Vec<i64> = ids.iter().cycle().take(100_000).copied().collect();
    let a = ints::factorize(&[ints::IntChunk::new(&ids, None)]).unwrap();
    let b = ints::factorize(&[ints::IntChunk::new(&many, None)]).unwrap();
    assert!(!a.index.is_ascending() && !b.index.is_ascending());
    assert_eq!(a.index, b.index);
}

#[test]
fn nulls_in_integer_ids() {
    let a = Int64Array::from(vec![Some(5), None, Some(5), Some(1 << 50), None]);
    let f = arrow::factorize(&[arr(a)]).unwrap();
    check(&f, &[Some(b"5".to_vec()), None, Some(b"5".to_vec()), Some((1i64 << 50).to_string().into_bytes()), None]);
    let all_null = arrow::factorize(&[arr(NullArray::new(3))]).unwrap();
    assert_eq!(all_null.codes, vec![NULL; 3]);
    assert_eq!((all_null.n_null, all_null.index.len()), (3, 0));
}

#[test]
fn dictionaries_hash_their_entries_and_match_the_decoded_column() {
    let words = ["b", "a", "zz", "b", "unused-but-in-dictionary"];
    let keys = Int32Array::from(vec![Some(0), Some(1), None, Some(0), Some(2), Some(1), Some(5)]);
    let values = arr(StringArray::from(vec![Some("b"), Some("a"), Some("zz"), Some("never used"), Some("b"), None]));
    let dict = DictionaryArray::<Int32Type>::try_new(keys, values).unwrap();
    let decoded = [Some("b"), Some("a"), None, Some("b"), Some("zz"), Some("a"), None];
    let f = arrow::factorize(&[arr(dict)]).unwrap();
    let labels = check(&f, &text(&decoded));
    assert!(!labels.contains(&b"never used".to_vec()), "unused entries are dropped");
    let plain = arrow::factorize(&[arr(StringArray::from(decoded.to_vec()))]).unwrap();
    assert_eq!(f.codes, plain.codes);
    assert_eq!(f.index, plain.index);
    // chunks with their own dictionaries, and with a shared one
    let mut b1 = StringDictionaryBuilder::<UInt8Type>::new();
    b1.extend(words[..3].iter().map(|w| Some(*w)));
    let mut b2 = StringDictionaryBuilder::<UInt8Type>::new();
    b2.extend(words[2..4].iter().map(|w| Some(*w)));
    let d2 = arr(b2.finish());
    let f = arrow::factorize(&[arr(b1.finish()), d2.clone(), d2]).unwrap();
    check(&f, &text(&[Some("b"), Some("a"), Some("zz"), Some("zz"), Some("b"), Some("zz"), Some("b")]));
    // a key outside its dictionary is an error, not a crash
    let bad = DictionaryArray::<Int32Type>::new_unchecked_for_test();
    assert!(arrow::factorize(&[arr(bad)]).is_err());
}

trait BadDictionary {
    fn new_unchecked_for_test() -> Self;
}

impl BadDictionary for DictionaryArray<Int32Type> {
    fn new_unchecked_for_test() -> Self {
        // SAFETY (of the test): the kernels must check keys themselves, as imported
        // arrays are not validated
        unsafe { DictionaryArray::new_unchecked(Int32Array::from(vec![0, 9]), arr(StringArray::from(vec!["a"]))) }
    }
}

#[test]
fn lookup_finds_present_ids_and_flags_absent_ones() {
    let log = arrow::factorize(&[arr(StringArray::from(vec!["a", "b", "c", "b"]))]).unwrap();
    let side = arr(StringViewArray::from(vec![Some("c"), Some("zz"), None, Some("a"), Some("a\0")]));
    let codes = arrow::lookup(&log.index, &[side]).unwrap();
    let code_of = |s: &str| (0..3).find(|&c| log.index.labels().bytes(c) == s.as_bytes()).unwrap() as i64;
    assert_eq!(codes, vec![code_of("c"), -1, -1, code_of("a"), -1]);
    // through a dictionary
    let mut b = StringDictionaryBuilder::<Int32Type>::new();
    b.extend([Some("b"), None, Some("q")]);
    assert_eq!(arrow::lookup(&log.index, &[arr(b.finish())]).unwrap(), vec![code_of("b"), -1, -1]);
    // integers: across widths and signedness
    let ints = arrow::factorize(&[arr(Int64Array::from(vec![-1, 7, 1 << 40]))]).unwrap();
    let codes =
        arrow::lookup(&ints.index, &[arr(UInt32Array::from(vec![7, 8])), arr(UInt32Array::from(vec![7]))]).unwrap();
    assert_eq!(codes[0], codes[2]);
    assert_eq!(codes[1], -1);
    let u = arrow::lookup(&ints.index, &[arr(UInt64Array::from(vec![u64::MAX, 1 << 40]))]).unwrap();
    assert_eq!(u[0], -1);
    assert!(u[1] >= 0);
    // the wrong kind is an error that says so
    let err = arrow::lookup(&log.index, &[arr(Int64Array::from(vec![1]))]).unwrap_err();
    assert!(matches!(err, KernelError::WrongType(ref m) if m.contains("integer") && m.contains("text")), "{err}");
    let binary = arr(BinaryArray::from(vec![b"a".as_ref()]));
    assert!(matches!(arrow::lookup(&log.index, &[binary]), Err(KernelError::WrongType(_))));
}

#[test]
fn unsupported_types_and_limits_are_errors() {
    let floats = arr(arrow_array::Float64Array::from(vec![1.0]));
    assert!(matches!(arrow::factorize(&[floats]), Err(KernelError::WrongType(_))));
    let mixed = [arr(Int64Array::from(vec![1])), arr(Int32Array::from(vec![1]))];
    assert!(matches!(arrow::factorize(&mixed), Err(KernelError::WrongType(_))));
    assert!(check_rows(MAX_ROWS).is_ok());
    assert!(matches!(check_rows(MAX_ROWS + 1), Err(KernelError::OutOfRange(_))));
    // offsets outside the data: an error
    let offsets = [0i64, 5];
    let chunk = bytes::ByteChunk::new(bytes::ByteRows::Offsets64 { offsets: &offsets, data: b"abc" }, None).unwrap();
    assert!(bytes::factorize(&[chunk], true).is_err());
}

#[test]
fn legacy_ascending_forms() {
    let f = factorize_i64(&[i64::MAX, i64::MIN, 0, i64::MIN]).unwrap();
    assert_eq!(f.uniques, vec![i64::MIN, 0, i64::MAX]);
    assert_eq!(f.codes, vec![2, 0, 1, 0]);
    let mut s = 11u64;
    let wide: Vec<i64> = (0..20_000).map(|_| (rng(&mut s) % 3000) as i64 * 1_000_000_007).collect();
    let f = factorize_i64(&wide).unwrap();
    let mut u = wide.clone();
    u.sort();
    u.dedup();
    assert_eq!(f.uniques, u);
    assert!(f.codes.iter().zip(&wide).all(|(&c, x)| u[c as usize] == *x));
}

#[test]
fn sorted_order_is_byte_wise() {
    let f = arrow::factorize(&[arr(StringArray::from(vec!["b", "a\0", "a", "", "é", "z"]))]).unwrap();
    let sorted: Vec<&[u8]> = f.index.sorted_order().iter().map(|&c| f.index.labels().bytes(c as usize)).collect();
    assert_eq!(sorted, vec![b"".as_ref(), b"a", b"a\0", b"b", b"z", "é".as_bytes()]);
}

#[test]
fn sorted_order_of_ids_sharing_their_first_16_bytes() {
    // ids that differ only after byte 16, only by trailing NULs, or only in length: the
    // prefix-key sort falls back to their full bytes
    let mut s = 11u64;
    let mut ids: Vec<Vec<u8>> = Vec::new();
    for _ in 0..3000 {
        let stem: &[u8] = [&b"0123456789abcdef"[..], b"0123456789abcde", b"customer-0000000"][rng(&mut s) as usize % 3];
        let mut id = stem.to_vec();
        for _ in 0..rng(&mut s) % 4 {
            id.push([0u8, b'a', b'z', 0xff][rng(&mut s) as usize % 4]);
        }
        ids.push(id);
    }
    let f = arrow::factorize(&[arr(BinaryArray::from_iter_values(ids.iter()))]).unwrap();
    let sorted: Vec<&[u8]> = f.index.sorted_order().iter().map(|&c| f.index.labels().bytes(c as usize)).collect();
    let mut expected: Vec<&[u8]> = ids.iter().map(Vec::as_slice).collect();
    expected.sort();
    expected.dedup();
    assert_eq!(sorted, expected);
}

#[test]
fn ids_sharing_a_hash_are_still_told_apart() {
    // hashes cut to 8 bits: thousands of ids share one; they are still told apart (short
    // ones by their keys, long ones by their bytes)
    for long in [false, true] {
        ids_sharing_a_hash(long);
    }
}

fn ids_sharing_a_hash(long: bool) {
    let words: Vec<String> = (0..3000)
        .map(|i| {
            if long {
                format!("a long customer id, number {:08}", i * 7 % 2000)
            } else {
                format!("C-{:08}", i * 7 % 2000)
            }
        })
        .collect();
    let a = StringArray::from_iter_values(&words);
    let chunk =
        bytes::ByteChunk::new(bytes::ByteRows::Offsets32 { offsets: a.value_offsets(), data: a.value_data() }, None)
            .unwrap();
    let f = bytes::factorize_with(&[chunk], true, 0xF000_0000_0000_000F).unwrap();
    check(&f, &words.iter().map(|s| Some(s.as_bytes().to_vec())).collect::<Vec<_>>());
}

#[test]
fn subset_keeps_the_order_of_the_ids_left() {
    let f = arrow::factorize(&[arr(StringArray::from(vec!["d", "b", "a", "c"]))]).unwrap();
    let keep = [0u32, 2, 3];
    let sub = f.index.subset(&keep).unwrap();
    for (i, &c) in keep.iter().enumerate() {
        assert_eq!(sub.labels().bytes(i), f.index.labels().bytes(c as usize));
    }
    // the same set of ids factorised afresh gets the same codes
    let kept: Vec<&[u8]> = keep.iter().map(|&c| f.index.labels().bytes(c as usize)).collect();
    let again = arrow::factorize(&[arr(BinaryArray::from(kept.clone()))]).unwrap();
    assert_eq!(
        (0..3).map(|c| again.index.labels().bytes(c)).collect::<Vec<_>>(),
        (0..3).map(|c| sub.labels().bytes(c)).collect::<Vec<_>>()
    );
    assert!(f.index.subset(&[2, 1]).is_err());
    assert!(f.index.subset(&[4]).is_err());
}

/// Canonical UUID text: lower case, upper case, both (each text its own id).
fn uuid_texts(n: usize, case: &str) -> Vec<String> {
    let mut s = 17u64;
    (0..n)
        .map(|i| {
            let k = (rng(&mut s) as u128) << 64 | rng(&mut s) as u128;
            let h = format!("{k:032x}");
            let t = format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]);
            match case {
                "upper" => t.to_uppercase(),
                "mixed" if i % 2 == 1 => t.to_uppercase(),
                _ => t,
            }
        })
        .collect()
}

#[test]
fn uuid_text_of_either_case_and_ids_of_every_shape() {
    for case in ["lower", "upper", "mixed"] {
        let distinct = uuid_texts(3000, case);
        let mut s = 5u64;
        let mut rows: Vec<String> = (0..40_000).map(|_| distinct[(rng(&mut s) % 3000) as usize].clone()).collect();
        if case == "mixed" {
            // the same UUID in both cases: two ids
            rows.push(distinct[0].to_uppercase());
        }
        let f = arrow::factorize(&[arr(StringArray::from_iter_values(&rows))]).unwrap();
        check(&f, &rows.iter().map(|s| Some(s.as_bytes().to_vec())).collect::<Vec<_>>());
    }
    // 16 bytes of text, 16 bytes of binary, fixed width or not: the same codes
    let words: Vec<String> = (0..500).map(|i| format!("sixteen-byte-{:03}", i % 97)).collect();
    let text = arrow::factorize(&[arr(StringArray::from_iter_values(&words))]).unwrap();
    let bin = arrow::factorize(&[arr(BinaryArray::from_iter_values(words.iter().map(|w| w.as_bytes())))]).unwrap();
    let fixed =
        arrow::factorize(&[arr(FixedSizeBinaryArray::try_from_iter(words.iter().map(|w| w.as_bytes())).unwrap())])
            .unwrap();
    check(&text, &words.iter().map(|s| Some(s.as_bytes().to_vec())).collect::<Vec<_>>());
    assert_eq!(text.codes, bin.codes);
    assert_eq!(bin.codes, fixed.codes);
}

#[test]
fn codes_follow_the_ids_whichever_way_they_are_told_apart() {
    // the same ids among others that need another way (longer ids, another UUID case):
    // the ids common to both keep their order
    let order = |f: &Ids| -> Vec<Vec<u8>> { (0..f.index.len()).map(|c| f.index.labels().bytes(c).to_vec()).collect() };
    let uuids = uuid_texts(2000, "lower");
    let short: Vec<String> = (0..2000).map(|i| format!("C-{i:08}")).collect();
    for (base, extra) in [
        (&uuids, "not a uuid, longer than the others".to_string()),
        (&uuids, uuids[0].to_uppercase()),
        (&short, "sixteen-bytes-id".to_string()),
        (&short, "a longer id than fifteen bytes".to_string()),
    ] {
        let alone = arrow::factorize(&[arr(StringArray::from_iter_values(base.iter()))]).unwrap();
        let more = arrow::factorize(&[arr(StringArray::from_iter_values(base.iter().chain([&extra])))]).unwrap();
        let kept: Vec<Vec<u8>> = order(&more).into_iter().filter(|b| b != extra.as_bytes()).collect();
        assert_eq!(kept, order(&alone), "with {extra:?}");
    }
}

#[test]
fn take_gathers_labels_over_many_pieces() {
    // ids of 0..40 bytes (empty ones too), codes in random order with repeats, over
    // several pieces of the parallel gather: what a plain per-code copy gives
    let mut s = 17u64;
    let ids: Vec<Vec<u8>> = (0..30_000).map(|i| (0..(i % 41)).map(|_| rng(&mut s) as u8).collect()).collect();
    let labels = bytes_labels(&ids);
    let codes: Vec<u32> = (0..70_000).map(|_| (rng(&mut s) % ids.len() as u64) as u32).collect();
    let t = labels.take(&codes).unwrap();
    assert_eq!(t.len(), codes.len());
    for (k, &c) in codes.iter().enumerate() {
        assert_eq!(t.bytes(k), &ids[c as usize][..]);
    }
    assert_eq!(labels.take(&[]).unwrap().len(), 0);
    assert!(labels.take(&[ids.len() as u32]).is_err());
    let ints = Labels::Int((0..50_000).map(|i| i * 3 - 7).collect());
    let Labels::Int(picked) = ints.take(&codes).unwrap() else { panic!("integer labels stay integers") };
    assert_eq!(picked, codes.iter().map(|&c| c as i64 * 3 - 7).collect::<Vec<_>>());
}
