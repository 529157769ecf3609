//! Cross-record keys and state: the hasher, the arena of first-row values, the key table, and
//! first-row comparisons.

use super::*;

/// FxHash (rustc's hasher): the cross-record maps hash a few short keys per row, and SipHash's
/// protection against crafted collisions buys nothing for a file the provider produced.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(pub(super) u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        // hashbrown takes the bucket from the low bits, where Fx's multiply leaves little
        // entropy; keys that differ in a few digits then collide. Mix (murmur3's fmix64).
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

pub(super) type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

pub(super) type FxMap<K, V> = HashMap<K, V, FxBuild>;

pub(super) type FxSet<K> = HashSet<K, FxBuild>;

/// Values kept from first rows (of a client, an episode) and ids kept for messages, all in one
/// growing buffer: remembering a value costs no allocation of its own, and nothing is freed
/// value by value when the check ends.
#[derive(Debug, Default)]
pub(super) struct Arena {
    pub(super) text: String,
    pub(super) ends: Vec<u32>,
}

impl Arena {
    /// Stores values; returns the index of the first.
    pub(super) fn put<'a>(&mut self, values: impl Iterator<Item = &'a str>) -> u32 {
        let first = self.ends.len() as u32;
        for v in values {
            self.text.push_str(v);
            self.ends.push(self.text.len() as u32);
        }
        first
    }

    pub(super) fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

/// Where a first row's values were kept: its line and the arena index of what was kept.
#[derive(Debug, Clone, Copy)]
pub(super) struct Kept {
    pub(super) line: u64,
    pub(super) first: u32,
    /// The arena holds the row's text across the compared columns as written (one entry),
    /// rather than one entry per value.
    pub(super) raw: bool,
}

/// First rows by key, for every rule keyed by the same columns (a slot each): one probe of the
/// map serves them all, and a new key costs one insert (a cache miss on a big file) however
/// many rules keep its first row. The last key looked up is remembered: rows of a client or
/// episode come together, so most rows ask for the same key as the row before.
#[derive(Debug, Default, Clone)]
pub(super) struct KeptMap {
    /// Each key's first slot in `kept`.
    pub(super) map: KeyTable,
    pub(super) kept: Vec<Option<Kept>>,
    pub(super) slots: usize,
    pub(super) last: Option<(Key, u32)>,
}

impl KeptMap {
    pub(super) fn new(slots: usize) -> Self {
        Self {
            slots,
            ..Self::default()
        }
    }

    /// What was kept in `slot` for `key`; or, the first time, keeps what `keep` gives there
    /// and returns None.
    pub(super) fn get_or_keep(
        &mut self,
        key: Key,
        slot: usize,
        keep: impl FnOnce() -> Kept,
    ) -> Option<Kept> {
        let base = match self.last {
            Some((k, base)) if k == key => base,
            _ => {
                let next = self.kept.len() as u32;
                let base = self.map.get_or_insert(key, next);
                if base == next {
                    self.kept.resize(self.kept.len() + self.slots, None);
                }
                self.last = Some((key, base));
                base
            }
        };
        let cell = &mut self.kept[base as usize + slot];
        match cell {
            Some(kept) => Some(*kept),
            None => {
                *cell = Some(keep());
                None
            }
        }
    }
}

/// Keys to numbers, in one array of slots holding the key and its number side by side (open
/// addressing, linear probing, at most half full): looking up a key not seen before, which is
/// most lookups on a big file, costs one cache miss where a table keeping its control bytes
/// apart from its entries costs two or three.
#[derive(Debug, Clone)]
pub(super) struct KeyTable {
    /// A slot is empty when its number is `EMPTY`.
    pub(super) slots: Vec<(Key, u32)>,
    pub(super) len: usize,
}

pub(super) const EMPTY: u32 = u32::MAX;

impl Default for KeyTable {
    fn default() -> Self {
        Self {
            slots: vec![(Key::default(), EMPTY); 1 << 10],
            len: 0,
        }
    }
}

impl KeyTable {
    /// The number kept for `key`; or, the first time, keeps `next` (never `EMPTY`) for it.
    pub(super) fn get_or_insert(&mut self, key: Key, next: u32) -> u32 {
        debug_assert_ne!(next, EMPTY);
        if 2 * (self.len + 1) > self.slots.len() {
            let bigger = vec![(Key::default(), EMPTY); 2 * self.slots.len()];
            for (k, n) in std::mem::replace(&mut self.slots, bigger) {
                if n != EMPTY {
                    let i = self.place(k);
                    self.slots[i] = (k, n);
                }
            }
        }
        let i = self.place(key);
        let slot = &mut self.slots[i];
        if slot.1 == EMPTY {
            *slot = (key, next);
            self.len += 1;
        }
        slot.1
    }

    /// Reads the slot `key` would start from, to bring it into the cache: the caller reads
    /// the slots of many keys in a row, and as the reads do not wait on one another their
    /// misses overlap, where a lookup at a time would take them one after the other.
    pub(super) fn warm(&self, key: Key) -> u32 {
        self.slots[self.home(key)].1
    }

    /// The slot a key's search starts from. Keys are hashes already: their low bits place them.
    pub(super) fn home(&self, key: Key) -> usize {
        key.0 as usize & (self.slots.len() - 1)
    }

    /// The slot holding `key`, or the empty one it would go in.
    pub(super) fn place(&self, key: Key) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].1 != EMPTY && self.slots[i].0 != key {
            i = (i + 1) & mask;
        }
        i
    }
}

/// A row's keys, by what they are for (see [`Validator::row_keys`]).
pub(super) struct RowKeys<'k> {
    pub(super) duplicate: &'k [Option<Key>],
    pub(super) client: Key,
    pub(super) consistent: &'k [Option<Key>],
    pub(super) episodes: &'k [Option<Key>],
    /// Each overdue rule's client and episode.
    pub(super) overdue: &'k [Option<Key>],
}

/// A record key as two independent 64-bit hashes of its values: nothing to allocate or free per
/// row, and a chance of two different keys colliding of about n²/2¹²⁸ (nil for any real file).
pub(super) type Key = (u64, u64);

pub(super) fn key_of<'a>(values: impl Iterator<Item = &'a [u8]>) -> Key {
    // Two lanes with different multipliers and rotations over the same words, each value read
    // once: its eight-byte words, then its last bytes with its length in one more round (so
    // the boundary between values is part of the key).
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    const L: u64 = 0x9e37_79b9_7f4a_7c15;
    let (mut a, mut b) = (0u64, L);
    let mut mix = |x: u64| {
        a = (a.rotate_left(5) ^ x).wrapping_mul(K);
        b = (b.rotate_left(23) ^ x).wrapping_mul(L);
    };
    for bytes in values {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            mix(u64::from_le_bytes(w.try_into().unwrap_or_default()));
        }
        mix(short_word(words.remainder()) ^ (bytes.len() as u64).rotate_right(8));
    }
    use std::hash::Hasher as _;
    (FxHasher(a).finish(), FxHasher(b).finish())
}

/// Up to seven bytes as a little-endian word, read in at most three loads rather than byte by
/// byte (key values are mostly short).
pub(super) fn short_word(b: &[u8]) -> u64 {
    let n = b.len();
    let four = |i: usize| {
        u64::from(u32::from_le_bytes(
            b[i..i + 4].try_into().unwrap_or_default(),
        ))
    };
    match n {
        0 => 0,
        // Two loads that overlap when n < 8; the overlap holds the same bytes in both.
        4.. => four(0) | four(n - 4) << (8 * (n - 4)),
        _ => {
            u64::from(b[0])
                | u64::from(b[n / 2]) << (8 * (n / 2))
                | u64::from(b[n - 1]) << (8 * (n - 1))
        }
    }
}

/// The keys seen in the current client's rows, with the line of each: a short list searched
/// in order (a client has a few rows), moved into a map only for a client with very many.
#[derive(Debug, Default)]
pub(super) struct BlockKeys {
    pub(super) few: Vec<(Key, u64)>,
    pub(super) many: FxMap<Key, u64>,
}

impl BlockKeys {
    const FEW: usize = 32;

    pub(super) fn clear(&mut self) {
        self.few.clear();
        if !self.many.is_empty() {
            self.many.clear();
        }
    }

    /// The line `key` was first seen on, or None (and `line` is remembered as its first).
    pub(super) fn first_line(&mut self, key: Key, line: u64) -> Option<u64> {
        if self.many.is_empty() {
            if let Some(&(_, first)) = self.few.iter().find(|(k, _)| *k == key) {
                return Some(first);
            }
            if self.few.len() < Self::FEW {
                self.few.push((key, line));
                return None;
            }
            self.many.extend(self.few.drain(..));
        }
        match self.many.get(&key) {
            Some(&first) => Some(first),
            None => {
                self.many.insert(key, line);
                None
            }
        }
    }
}

pub(super) fn key_of_cols(rec: &(impl Record + ?Sized), cols: &[usize]) -> Key {
    key_of(cols.iter().map(|&c| rec.bytes(c)))
}

/// Remembers the values of `cols` the first time `key` is seen; afterwards reports each that
/// differs. `raw` is the row's text from the first to the last of `cols` as written (commas and
/// all), when the row is a plain line in the catalogue's order: then a row equal to the first
/// is known by one comparison of two short slices rather than value by value.
#[allow(clippy::too_many_arguments)]
pub(super) fn compare_or_keep(
    v: &Validator<'_>,
    seen: &mut KeptMap,
    slot: usize,
    arena: &mut Arena,
    key: Key,
    cols: &[usize],
    lowest: usize,
    raw: Option<&str>,
    b: &Bound,
    rec: &(impl Record + ?Sized),
    line: u64,
    out: &mut Vec<Finding>,
) {
    let keep = || {
        let (first, raw) = match raw {
            Some(text) => (arena.put(std::iter::once(text)), true),
            None => (arena.put(cols.iter().map(|&c| rec.value(c))), false),
        };
        Kept { line, first, raw }
    };
    let Some(kept) = seen.get_or_keep(key, slot, keep) else {
        return;
    };
    if kept.raw && raw.is_some_and(|now| now == arena.get(kept.first)) {
        return;
    }
    // Value by value (the rare row that differs, or a row not read as a plain line).
    // A kept run of quoted values reads `a","b"` (from inside the first quote to the last).
    let written: Vec<&str> = match arena.get(kept.first) {
        text if kept.raw && text.ends_with('"') => text
            .split("\",\"")
            .map(|v| v.trim_end_matches('"').trim_ascii())
            .collect(),
        text if kept.raw => text.split(',').map(str::trim_ascii).collect(),
        _ => Vec::new(),
    };
    for (k, &c) in cols.iter().enumerate() {
        // Values come trimmed (see `row_of`).
        let now = rec.value(c);
        let then = if kept.raw {
            written.get(c - lowest).copied().unwrap_or("")
        } else {
            arena.get(kept.first + k as u32)
        };
        if then != now {
            out.push(v.finding(
                v.rule(b),
                rec,
                Some(line),
                Some(c),
                now,
                then,
                &kept.line.to_string(),
            ));
        }
    }
}
