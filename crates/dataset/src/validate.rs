//! The validation engine: runs the rules of `rules.csv` over fields, records and whole files.
//!
//! A run reports every finding, never just the first. The engine knows kinds of check; which
//! fields they apply to, how severe they are and what they say all come from the reference data.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

use crate::catalogue::Catalogue;
use crate::error::ValidationError;
use crate::model::{
    Condition, Dataset, Field, FieldType, KeyRole, Rule, RuleKind, Section, Severity,
};
use crate::rows::{Block, LineBlocks, Row, RowReader};
use crate::values::{date_key, date_of_key, key_of_date, parse_date, parse_int};

/// One problem found by a rule, naming its record and field, with a plain-English message and a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    /// 1-based line in the file, when the record came from a file.
    pub line: Option<u64>,
    pub client_id: String,
    pub episode_id: String,
    pub child_id: String,
    pub field: String,
    pub value: String,
    pub message: String,
    pub fix: String,
}

/// Read access to one record's values by catalogue column.
pub trait Record {
    fn value(&self, column: usize) -> &str;

    /// The value without surrounding white space (which the rules ignore).
    fn field(&self, column: usize) -> &str {
        self.value(column).trim_ascii()
    }

    /// Whether the field is blank (white space only, or absent).
    fn is_blank(&self, column: usize) -> bool {
        self.field(column).is_empty()
    }

    /// The field's bytes: for checks that pass or fail on bytes alone (a slice of bytes is
    /// cut without the character-boundary checks of a slice of text).
    fn bytes(&self, column: usize) -> &[u8] {
        self.field(column).as_bytes()
    }

    /// Which of the columns `lo..hi` (at most 64 of them) hold a value, as bits from `lo`.
    fn filled(&self, lo: usize, hi: usize) -> u64 {
        (lo..hi)
            .filter(|&c| !self.is_blank(c))
            .fold(0, |bits, c| bits | 1 << (c - lo))
    }
}

impl Record for [String] {
    fn value(&self, column: usize) -> &str {
        self.get(column).map_or("", String::as_str)
    }
}

impl Record for Vec<String> {
    fn value(&self, column: usize) -> &str {
        self.as_slice().value(column)
    }
}

impl Record for [&str] {
    fn value(&self, column: usize) -> &str {
        self.get(column).copied().unwrap_or("")
    }
}

/// A row of a file: each value as its place in the row's text, found and trimmed once (the
/// rules read many values more than once) into a buffer reused from row to row.
struct RowValues<'a> {
    text: &'a str,
    spans: &'a [(u32, u32)],
    /// Which values are filled, 64 a word.
    filled: &'a [u64],
}

impl<'a> RowValues<'a> {
    fn of(row: &Row<'a>, values: &'a Values) -> Self {
        Self {
            text: row.text,
            spans: &values.spans,
            filled: &values.filled,
        }
    }
}

/// A row's values as places in its text, trimmed, and which are filled: worked out once a row
/// into buffers reused from row to row.
#[derive(Debug, Default)]
struct Values {
    spans: Vec<(u32, u32)>,
    filled: Vec<u64>,
}

impl Record for RowValues<'_> {
    fn value(&self, column: usize) -> &str {
        self.spans
            .get(column)
            .and_then(|&(s, e)| self.text.get(s as usize..e as usize))
            .unwrap_or("")
    }

    /// Values are trimmed as the row is read.
    fn field(&self, column: usize) -> &str {
        self.value(column)
    }

    /// Known from the value's place alone, without slicing the text.
    fn is_blank(&self, column: usize) -> bool {
        self.spans.get(column).is_none_or(|&(s, e)| s == e)
    }

    fn bytes(&self, column: usize) -> &[u8] {
        self.spans
            .get(column)
            .and_then(|&(s, e)| self.text.as_bytes().get(s as usize..e as usize))
            .unwrap_or_default()
    }

    /// Read off the bits worked out with the row's places.
    fn filled(&self, lo: usize, hi: usize) -> u64 {
        let word = |i: usize| self.filled.get(i).copied().unwrap_or(0);
        let (w, shift) = (lo / 64, lo % 64);
        let bits = match shift {
            0 => word(w),
            s => word(w) >> s | word(w + 1) << (64 - s),
        };
        match hi - lo {
            64.. => bits,
            n => bits & ((1 << n) - 1),
        }
    }
}

/// A row of a file read value by value where asked, trimmed: for checks that read a few
/// values of a row, which need not find them all first.
struct RowAsRead<'a> {
    row: &'a Row<'a>,
    /// For each catalogue column its place in the row, unless the row is in catalogue order.
    map: Option<&'a [Option<usize>]>,
}

impl Record for RowAsRead<'_> {
    fn value(&self, column: usize) -> &str {
        let i = match self.map {
            None => Some(column),
            Some(map) => map.get(column).copied().flatten(),
        };
        let v = i.and_then(|i| self.row.get(i)).unwrap_or("");
        if self.row.trimmed { v } else { v.trim_ascii() }
    }

    /// Values are trimmed as they are read.
    fn field(&self, column: usize) -> &str {
        self.value(column)
    }
}

/// The place of `text[start..end]` without surrounding ASCII white space.
fn trimmed(text: &[u8], mut start: usize, mut end: usize) -> (u32, u32) {
    while start < end && text[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && text[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    (start as u32, end as u32)
}

/// A record of one value, for checking a field as it is typed without building a whole row.
struct OneValue<'a> {
    column: usize,
    value: &'a str,
}

impl Record for OneValue<'_> {
    fn value(&self, column: usize) -> &str {
        if column == self.column {
            self.value
        } else {
            ""
        }
    }
}

/// FxHash (rustc's hasher): the cross-record maps hash a few short keys per row, and SipHash's
/// protection against crafted collisions buys nothing for a file the provider produced.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

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

type FxBuild = std::hash::BuildHasherDefault<FxHasher>;
type FxMap<K, V> = HashMap<K, V, FxBuild>;
type FxSet<K> = HashSet<K, FxBuild>;

/// Values kept from first rows (of a client, an episode) and ids kept for messages, all in one
/// growing buffer: remembering a value costs no allocation of its own, and nothing is freed
/// value by value when the check ends.
#[derive(Debug, Default)]
struct Arena {
    text: String,
    ends: Vec<u32>,
}

impl Arena {
    /// Stores values; returns the index of the first.
    fn put<'a>(&mut self, values: impl Iterator<Item = &'a str>) -> u32 {
        let first = self.ends.len() as u32;
        for v in values {
            self.text.push_str(v);
            self.ends.push(self.text.len() as u32);
        }
        first
    }

    fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

/// Where a first row's values were kept: its line and the arena index of what was kept.
#[derive(Debug, Clone, Copy)]
struct Kept {
    line: u64,
    first: u32,
    /// The arena holds the row's text across the compared columns as written (one entry),
    /// rather than one entry per value.
    raw: bool,
}

/// First rows by key, for every rule keyed by the same columns (a slot each): one probe of the
/// map serves them all, and a new key costs one insert (a cache miss on a big file) however
/// many rules keep its first row. The last key looked up is remembered: rows of a client or
/// episode come together, so most rows ask for the same key as the row before.
#[derive(Debug, Default, Clone)]
struct KeptMap {
    /// Each key's first slot in `kept`.
    map: KeyTable,
    kept: Vec<Option<Kept>>,
    slots: usize,
    last: Option<(Key, u32)>,
}

impl KeptMap {
    fn new(slots: usize) -> Self {
        Self {
            slots,
            ..Self::default()
        }
    }

    /// What was kept in `slot` for `key`; or, the first time, keeps what `keep` gives there
    /// and returns None.
    fn get_or_keep(&mut self, key: Key, slot: usize, keep: impl FnOnce() -> Kept) -> Option<Kept> {
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
struct KeyTable {
    /// A slot is empty when its number is `EMPTY`.
    slots: Vec<(Key, u32)>,
    len: usize,
}

const EMPTY: u32 = u32::MAX;

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
    fn get_or_insert(&mut self, key: Key, next: u32) -> u32 {
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
    fn warm(&self, key: Key) -> u32 {
        self.slots[self.home(key)].1
    }

    /// The slot a key's search starts from. Keys are hashes already: their low bits place them.
    fn home(&self, key: Key) -> usize {
        key.0 as usize & (self.slots.len() - 1)
    }

    /// The slot holding `key`, or the empty one it would go in.
    fn place(&self, key: Key) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].1 != EMPTY && self.slots[i].0 != key {
            i = (i + 1) & mask;
        }
        i
    }
}

/// Codes valid on a date. Codes of up to seven bytes, nearly all of them, are packed into a
/// `u64` with their length and kept sorted: a lookup compares integers (a short scan for the
/// usual list of a few dozen codes), never hashing or comparing strings.
#[derive(Debug, Default)]
struct CodeSet<'c> {
    /// Codes of one ASCII character (flags, most small lists), one bit each.
    single: u128,
    short: Vec<u64>,
    long: FxSet<&'c str>,
}

fn pack(b: &[u8]) -> Option<u64> {
    (b.len() <= 7).then(|| {
        b.iter()
            .enumerate()
            .fold((b.len() as u64) << 56, |acc, (i, &x)| {
                acc | u64::from(x) << (8 * i)
            })
    })
}

impl<'c> CodeSet<'c> {
    fn new(codes: impl Iterator<Item = &'c str>) -> Self {
        let mut set = Self::default();
        for c in codes {
            if let [b] = c.as_bytes()
                && *b < 128
            {
                set.single |= 1 << b;
            }
            match pack(c.as_bytes()) {
                Some(p) => set.short.push(p),
                None => {
                    set.long.insert(c);
                }
            }
        }
        set.short.sort_unstable();
        set.short.dedup();
        set
    }

    fn contains(&self, v: &[u8]) -> bool {
        if let [b] = v
            && *b < 128
        {
            return self.single >> b & 1 == 1;
        }
        match pack(v) {
            Some(p) if self.short.len() <= 32 => self.short.contains(&p),
            Some(p) => self.short.binary_search(&p).is_ok(),
            None => self.long.iter().any(|code| code.as_bytes() == v),
        }
    }
}

/// What a column needs for this validator's dataset, packed small: the per-field loop reads
/// these (140 of them fit in a few cache lines) instead of the catalogue's large `Field`s.
#[derive(Debug, Clone, Copy)]
struct ColPlan {
    req: crate::model::Requirement,
    kind: FieldType,
    no_consent: bool,
    has_range: bool,
    has_pattern: bool,
    max_len: u32,
}

/// Neighbouring columns of one section: the unit in which a row's field checks are skipped when
/// its text is the same as the row before's (see [`FileCheck::row_of`]).
#[derive(Debug, Clone, Copy)]
struct Run {
    lo: usize,
    hi: usize,
    /// The runs whose values its field checks read, as bits (itself included; besides the
    /// consent, read through conditions and child keys): when all of them are written as on
    /// the row before, so are its findings. None for a run past the 64th or reading one.
    reads: Option<u64>,
}

/// A rule resolved against the catalogue: its columns found once, not per record.
#[derive(Debug)]
struct Bound {
    rule: usize,
    cols: Vec<usize>,
    /// For field-level kinds: which columns the rule covers (None: all).
    mask: Option<Vec<bool>>,
    condition: Option<(usize, Condition)>,
    /// The runs of columns (as bits) holding every value the rule reads on a row, when all
    /// are among the first 64: a rule whose runs repeat the row before, which it passed, passes.
    reads: Option<u64>,
    /// For an age-against-dataset rule, its parameters read once: the age from which a client
    /// is an adult, and whether this validator's dataset is wrong for an adult and for a young
    /// person.
    age: Option<AgeSplit>,
}

#[derive(Debug, Clone, Copy)]
struct AgeSplit {
    adult_age: u32,
    wrong_for_adult: bool,
    wrong_for_young: bool,
}

impl Bound {
    fn covers(&self, col: usize) -> bool {
        self.mask
            .as_ref()
            .is_none_or(|m| m.get(col).copied().unwrap_or(false))
    }
}

/// Validates records of one dataset against one catalogue, as of one date.
#[derive(Debug)]
pub struct Validator<'c> {
    cat: &'c Catalogue,
    dataset: Dataset,
    as_of: NaiveDate,
    as_of_key: u32,
    /// Bound rules indexed by `RuleKind as usize`: a hashed lookup per field was the hot spot.
    by_kind: Vec<Vec<Bound>>,
    conditions: Vec<Option<(usize, Condition)>>,
    codelists: Vec<Option<&'c crate::model::CodeList>>,
    /// For each column with a code list: the codes valid on `as_of`, for a hashed lookup.
    valid_codes: Vec<Option<CodeSet<'c>>>,
    /// For each column of a child section (other than the child's own key): that key's column.
    child_key_of: Vec<Option<usize>>,
    /// For each consistency rule: the columns it compares.
    consistent_cols: Vec<Vec<usize>>,
    /// The lowest and highest column each attributor and consistency rule compares.
    attributor_spans: Vec<(usize, usize)>,
    consistent_spans: Vec<(usize, usize)>,
    client_col: Option<usize>,
    episode_col: Option<usize>,
    child_cols: Vec<usize>,
    consent: Option<(usize, String)>,
    /// For each column of a child section: the place of that child's key in `child_cols`.
    child_slot: Vec<Option<u8>>,
    plan: Vec<ColPlan>,
    runs: Vec<Run>,
    /// The bit of the run holding the client's id.
    client_run: Option<u64>,
    /// For each date column its place among them (the per-record date cache).
    date_slot: Vec<Option<u8>>,
    bits: ColumnBits,
}

/// The columns' plans as bits, 64 columns a word, so that the field loop visits only the
/// columns with something to check: those holding a value, and the blank ones that ask for one.
#[derive(Debug)]
struct ColumnBits {
    words: Vec<ColumnWord>,
    /// For each column: the bit of its run, 0 past the 64th.
    run_bit: Vec<u64>,
}

/// [`ColumnBits`] of 64 columns.
#[derive(Debug, Clone, Copy, Default)]
struct ColumnWord {
    /// Blank columns that ask for a value (required, required on a condition, or should).
    asks: u64,
    /// Columns a no-consent record keeps.
    no_consent: u64,
    /// For each of the first eight child keys (see `child_slot`): the columns of its section,
    /// whose requirements apply only to records carrying that child.
    child: [u64; 8],
    /// Columns of the dataset, and of those the ones of each type with a check of its own.
    in_dataset: u64,
    date: u64,
    integer: u64,
    flag: u64,
    code: u64,
    /// Columns with a length limit or a pattern.
    shaped: u64,
}

impl ColumnBits {
    fn new(plan: &[ColPlan], child_slot: &[Option<u8>], runs: &[Run]) -> Self {
        let mut words = vec![ColumnWord::default(); plan.len().div_ceil(64)];
        for (c, p) in plan.iter().enumerate() {
            let (w, bit) = (&mut words[c / 64], 1u64 << (c % 64));
            if p.req.asks_for_value() {
                w.asks |= bit;
            }
            if p.no_consent {
                w.no_consent |= bit;
            }
            if let Some(i) = child_slot[c] {
                w.child[usize::from(i)] |= bit;
            }
            if p.req.in_dataset() {
                w.in_dataset |= bit;
            }
            match p.kind {
                FieldType::Date => w.date |= bit,
                FieldType::Integer => w.integer |= bit,
                FieldType::Flag => w.flag |= bit,
                FieldType::Code => w.code |= bit,
                FieldType::Text => {}
            }
            if p.max_len != u32::MAX || p.has_pattern {
                w.shaped |= bit;
            }
        }
        let mut run_bit = vec![0; plan.len()];
        for (r, run) in runs.iter().enumerate().take(64) {
            run_bit[run.lo..run.hi].fill(1u64 << r);
        }
        Self { words, run_bit }
    }
}

/// A flag is Y or N.
fn flag_passes(v: &[u8]) -> bool {
    v == b"Y" || v == b"N"
}

/// Of the columns `cols` (bits from column `lo`), those whose value does not pass.
#[inline(always)]
fn failing(mut cols: u64, lo: usize, mut passes: impl FnMut(usize) -> bool) -> u64 {
    let mut failed = 0;
    while cols != 0 {
        let b = cols.trailing_zeros();
        cols &= cols - 1;
        failed |= u64::from(!passes(lo + b as usize)) << b;
    }
    failed
}

/// The columns `lo..hi` that fall in the word of columns from `base`, as its bits.
fn word_bits(lo: usize, hi: usize, base: usize) -> u64 {
    let a = lo.clamp(base, base + 64) - base;
    let b = hi.clamp(base, base + 64) - base;
    match b - a.min(b) {
        0 => 0,
        64 => u64::MAX,
        n => ((1u64 << n) - 1) << a,
    }
}

/// How many dates a record's cache holds; further date columns are parsed as read.
const DATE_SLOTS: usize = 64;

/// A record's dates as read (see [`date_key`]): `u32::MAX` not read yet, 0 not a date. The
/// field checks fill it and the record rules read it, so each date is parsed once a record.
type Dates = [std::cell::Cell<u32>; DATE_SLOTS];

fn no_dates() -> Dates {
    [const { std::cell::Cell::new(u32::MAX) }; DATE_SLOTS]
}

impl<'c> Validator<'c> {
    /// `as_of` is "today" for the no-future-dates rule and the date code validity is judged on.
    pub fn new(cat: &'c Catalogue, dataset: Dataset, as_of: NaiveDate) -> Self {
        let col = |h: &str| cat.column(h);
        let mut by_kind: Vec<Vec<Bound>> = Vec::new();
        for (i, rule) in cat.rules.iter().enumerate() {
            let cols: Vec<usize> = rule.fields.iter().filter_map(|f| col(f)).collect();
            let mask = (!rule.fields.is_empty()).then(|| {
                let mut m = vec![false; cat.fields.len()];
                cols.iter().for_each(|&c| m[c] = true);
                m
            });
            let condition = rule
                .param("when")
                .and_then(Condition::parse)
                .and_then(|c| col(&c.field).map(|cc| (cc, c)));
            let k = rule.kind as usize;
            if by_kind.len() <= k {
                by_kind.resize_with(k + 1, Vec::new);
            }
            let age = (rule.kind == RuleKind::AgeDataset).then(|| AgeSplit {
                adult_age: rule
                    .param("adult_age")
                    .and_then(|a| a.parse().ok())
                    .unwrap_or(18),
                wrong_for_adult: rule.param_list("young").contains(&dataset.code()),
                wrong_for_young: rule.param_list("adult").contains(&dataset.code()),
            });
            by_kind[k].push(Bound {
                rule: i,
                cols,
                mask,
                condition,
                reads: None,
                age,
            });
        }
        let conditions: Vec<Option<(usize, Condition)>> = cat
            .fields
            .iter()
            .map(|f| {
                f.condition
                    .as_ref()
                    .and_then(|c| col(&c.field).map(|cc| (cc, c.clone())))
            })
            .collect();
        let consent = cat.consent_codes().map(|c| (c.column, c.refused));
        let codelists = cat
            .fields
            .iter()
            .map(|f| f.codelist.as_ref().and_then(|n| cat.codelists.get(n)))
            .collect();
        let valid_codes = cat
            .fields
            .iter()
            .map(|f| {
                let list = f.codelist.as_ref().and_then(|n| cat.codelists.get(n))?;
                Some(CodeSet::new(
                    list.codes
                        .iter()
                        .filter(|c| c.valid_on(as_of))
                        .map(|c| c.code.as_str()),
                ))
            })
            .collect();
        let child_cols_all: Vec<usize> = cat
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.key == Some(KeyRole::Child))
            .map(|(i, _)| i)
            .collect();
        let child_key_of: Vec<Option<usize>> = cat
            .fields
            .iter()
            .map(|f| {
                if f.key.is_some() {
                    return None;
                }
                child_cols_all
                    .iter()
                    .copied()
                    .find(|&c| cat.fields[c].section == f.section)
            })
            .collect();
        let consistent_cols: Vec<Vec<usize>> = by_kind
            .get(RuleKind::Consistent as usize)
            .map(|bs| {
                bs.iter()
                    .map(|b| {
                        let rule = &cat.rules[b.rule];
                        let section = rule.param("section").and_then(Section::parse);
                        let except = rule.param_list("except");
                        cat.fields
                            .iter()
                            .enumerate()
                            // Only the dataset's own fields: a value in another dataset's
                            // field is reported on every row by the other-dataset rule.
                            .filter(|(_, f)| {
                                section.is_none_or(|s| f.section == s)
                                    && !except.contains(&f.header.as_str())
                                    && f.requirement(dataset).in_dataset()
                            })
                            .map(|(c, _)| c)
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let date_cols: Vec<usize> = cat
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind == FieldType::Date)
            .map(|(i, _)| i)
            .collect();
        let span = |cols: &[usize]| {
            let lo = cols.iter().copied().min().unwrap_or(0);
            (lo, cols.iter().copied().max().unwrap_or(lo))
        };
        let attributor_spans = by_kind
            .get(RuleKind::Attributors as usize)
            .map(|bs| bs.iter().map(|b| span(&b.cols)).collect())
            .unwrap_or_default();
        let consistent_spans = consistent_cols.iter().map(|c| span(c)).collect();
        let mut runs: Vec<Run> = Vec::new();
        for (c, f) in cat.fields.iter().enumerate() {
            match runs.last_mut() {
                Some(r) if cat.fields[r.lo].section == f.section => r.hi = c + 1,
                _ => runs.push(Run {
                    lo: c,
                    hi: c + 1,
                    reads: None,
                }),
            }
        }
        let bit_of = |runs: &[Run], c: usize| {
            let i = runs.iter().position(|r| (r.lo..r.hi).contains(&c))?;
            (i < 64).then_some(1u64 << i)
        };
        // The runs holding a set of columns, as bits; None when one lies past the 64th run.
        let bits = |runs: &[Run], cols: &mut dyn Iterator<Item = usize>| {
            let mut bits = 0u64;
            for c in cols {
                bits |= bit_of(runs, c)?;
            }
            Some(bits)
        };
        let run_reads: Vec<Option<u64>> = runs
            .iter()
            .map(|r| {
                let read = |c: usize| {
                    let condition = conditions[c].as_ref().map(|(cc, _)| *cc);
                    [Some(c), condition, child_key_of[c]]
                };
                bits(&runs, &mut (r.lo..r.hi).flat_map(read).flatten())
            })
            .collect();
        for (r, reads) in runs.iter_mut().zip(run_reads) {
            r.reads = reads;
        }
        for (k, bounds) in by_kind.iter_mut().enumerate() {
            for (i, b) in bounds.iter_mut().enumerate() {
                let extra: &[usize] = if k == RuleKind::Consistent as usize {
                    &consistent_cols[i]
                } else {
                    &[]
                };
                let condition = b.condition.as_ref().map(|(c, _)| *c);
                b.reads = bits(
                    &runs,
                    &mut b
                        .cols
                        .iter()
                        .copied()
                        .chain(extra.iter().copied())
                        .chain(condition),
                );
            }
        }
        let plan: Vec<ColPlan> = cat
            .fields
            .iter()
            .map(|f| ColPlan {
                req: f.requirement(dataset),
                kind: f.kind,
                no_consent: f.no_consent,
                has_range: f.min.is_some() || f.max.is_some(),
                has_pattern: f.pattern.is_some(),
                max_len: f.max_length.unwrap_or(u32::MAX),
            })
            .collect();
        let child_slot: Vec<Option<u8>> = cat
            .fields
            .iter()
            .enumerate()
            .map(|(c, f)| {
                if f.key.is_some() {
                    return None;
                }
                child_cols_all
                    .iter()
                    .position(|&k| cat.fields[k].section == f.section && k != c)
                    .filter(|&i| i < 8)
                    .map(|i| i as u8)
            })
            .collect();
        let bits = ColumnBits::new(&plan, &child_slot, &runs);
        Self {
            cat,
            dataset,
            as_of,
            bits,
            as_of_key: key_of_date(as_of),
            attributor_spans,
            consistent_spans,
            client_run: cat
                .key_column(KeyRole::Client)
                .and_then(|c| bit_of(&runs, c)),
            runs,
            by_kind,
            conditions,
            codelists,
            valid_codes,
            child_key_of,
            consistent_cols,
            client_col: cat.key_column(KeyRole::Client),
            episode_col: cat.key_column(KeyRole::Episode),
            child_cols: cat
                .fields
                .iter()
                .enumerate()
                .filter(|(_, f)| f.key == Some(KeyRole::Child))
                .map(|(i, _)| i)
                .collect(),
            consent,
            plan,
            child_slot,
            date_slot: {
                let mut slots = vec![None; cat.fields.len()];
                for (i, &c) in date_cols.iter().enumerate().take(DATE_SLOTS) {
                    slots[c] = Some(i as u8);
                }
                slots
            },
        }
    }

    pub fn catalogue(&self) -> &Catalogue {
        self.cat
    }

    pub fn dataset(&self) -> Dataset {
        self.dataset
    }

    fn bound(&self, kind: RuleKind) -> &[Bound] {
        self.by_kind.get(kind as usize).map_or(&[], Vec::as_slice)
    }

    fn rule(&self, b: &Bound) -> &Rule {
        &self.cat.rules[b.rule]
    }

    /// Whether a record is a no-consent record (sent as AGENCY, CONSENT and CLIENTID only).
    pub fn is_no_consent(&self, rec: &(impl Record + ?Sized)) -> bool {
        self.consent
            .as_ref()
            .is_some_and(|(c, v)| rec.field(*c) == v)
    }

    #[allow(clippy::too_many_arguments)]
    fn finding(
        &self,
        rule: &Rule,
        rec: &(impl Record + ?Sized),
        line: Option<u64>,
        col: Option<usize>,
        value: &str,
        detail: &str,
        other: &str,
    ) -> Finding {
        let field = col.map(|c| &self.cat.fields[c]);
        let header = field.map_or("", |f| f.header.as_str());
        let label = field.map_or(header, |f| f.label.as_str());
        let subs = [
            ("{field}", header),
            ("{label}", label),
            ("{value}", value),
            ("{detail}", detail),
            ("{other}", other),
        ];
        let key = |c: Option<usize>| c.map_or(String::new(), |c| rec.field(c).to_owned());
        let child_id = field
            .and_then(|f| self.child_of_section(f.section))
            .map(|c| rec.field(c))
            .filter(|v| !v.is_empty())
            .or_else(|| {
                self.child_cols
                    .iter()
                    .map(|&c| rec.field(c))
                    .find(|v| !v.is_empty())
            })
            .unwrap_or("")
            .to_owned();
        Finding {
            rule: rule.id.clone(),
            severity: rule.severity,
            line,
            client_id: key(self.client_col),
            episode_id: key(self.episode_col),
            child_id,
            field: header.to_owned(),
            value: value.to_owned(),
            message: render(&rule.message, &subs),
            fix: render(&rule.fix, &subs),
        }
    }

    fn child_absent(&self, rec: &(impl Record + ?Sized), col: usize) -> bool {
        self.child_key_of[col].is_some_and(|c| rec.is_blank(c))
    }

    fn child_of_section(&self, section: Section) -> Option<usize> {
        self.child_cols
            .iter()
            .copied()
            .find(|&c| self.cat.fields[c].section == section)
    }

    /// Checks one value of one field on its own, as the keyworker types it: type, format, code,
    /// range, length, whether the field belongs to the dataset, and no future dates.
    pub fn check_field(&self, header: &str, value: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        let Some(col) = self.cat.column(header) else {
            return out;
        };
        let rec = OneValue { column: col, value };
        let v = value.trim_ascii();
        if v.is_empty() {
            return out;
        }
        let field = &self.cat.fields[col];
        if !field.requirement(self.dataset).in_dataset() {
            let mut seen = Vec::new();
            self.other_dataset(&rec, None, col, field, &mut seen, &mut out);
            return out;
        }
        self.check_value(&rec, None, col, v.as_bytes(), &no_dates(), &mut out);
        out
    }

    /// The findings a row would get for one key value (the agency code typed at set-up): the
    /// field checks, and the requirement when it is blank, which `check_field` leaves to the
    /// record check. Empty when the catalogue has no field of that key role.
    pub fn check_key(&self, role: KeyRole, value: &str) -> Vec<Finding> {
        let Some(col) = self.cat.key_column(role) else {
            return Vec::new();
        };
        if !value.trim_ascii().is_empty() {
            return self.check_field(&self.cat.fields[col].header, value);
        }
        let mut out = Vec::new();
        self.required(&OneValue { column: col, value }, None, col, &mut out);
        out
    }

    /// Field checks on a non-empty value: type, code, range, length, pattern, not in the future.
    /// The usual value passes them all; only one that does not is looked at again, slowly, to
    /// say why.
    fn check_value(
        &self,
        rec: &(impl Record + ?Sized),
        line: Option<u64>,
        col: usize,
        v: &[u8],
        dates: &Dates,
        out: &mut Vec<Finding>,
    ) {
        let passes = match self.plan[col].kind {
            FieldType::Date => self.date_passes(col, v, dates),
            FieldType::Integer => self.integer_passes(col, v),
            FieldType::Flag => flag_passes(v),
            FieldType::Code => self.code_passes(col, v),
            FieldType::Text => true,
        } && self.shape_passes(col, rec, v);
        if !passes {
            self.value_findings(rec, line, col, rec.field(col), out);
        }
    }

    /// A real date, not after `as_of`; kept in the record's dates for the record rules.
    #[inline]
    fn date_passes(&self, col: usize, v: &[u8], dates: &Dates) -> bool {
        let key = date_key(v);
        if let Some(slot) = self.date_slot[col] {
            dates[slot as usize].set(key.unwrap_or(0));
        }
        key.is_some_and(|d| d <= self.as_of_key)
    }

    /// A whole number, within the field's range.
    #[inline]
    fn integer_passes(&self, col: usize, v: &[u8]) -> bool {
        parse_int(v).is_some_and(|n| {
            let f = &self.cat.fields[col];
            !self.plan[col].has_range
                || (f.min.is_none_or(|m| n >= m) && f.max.is_none_or(|m| n <= m))
        })
    }

    /// A code of the field's list valid on `as_of`.
    #[inline]
    fn code_passes(&self, col: usize, v: &[u8]) -> bool {
        match &self.valid_codes[col] {
            Some(set) => set.contains(v),
            None => self.codelists[col].is_none(),
        }
    }

    /// Not longer than the field allows, and of its pattern if it has one.
    #[inline]
    fn shape_passes(&self, col: usize, rec: &(impl Record + ?Sized), v: &[u8]) -> bool {
        let p = self.plan[col];
        v.len() <= p.max_len as usize
            && (!p.has_pattern
                || self.cat.fields[col]
                    .pattern
                    .as_ref()
                    .is_none_or(|pattern| pattern.matches(rec.field(col))))
    }

    /// Why a value failed [`Validator::check_value`]: every finding on it.
    #[cold]
    #[inline(never)]
    fn value_findings(
        &self,
        rec: &(impl Record + ?Sized),
        line: Option<u64>,
        col: usize,
        v: &str,
        out: &mut Vec<Finding>,
    ) {
        let p = self.plan[col];
        let fail = |kind: RuleKind, detail: &str, other: &str, out: &mut Vec<Finding>| {
            for b in self.bound(kind).iter().filter(|b| b.covers(col)) {
                out.push(self.finding(self.rule(b), rec, line, Some(col), v, detail, other));
            }
        };
        match p.kind {
            FieldType::Date => match date_key(v) {
                None => fail(
                    RuleKind::Type,
                    "not a real date in the form dd/mm/yyyy",
                    "",
                    out,
                ),
                Some(d) if d > self.as_of_key => fail(RuleKind::NotFuture, "", "", out),
                Some(_) => {}
            },
            FieldType::Integer => match parse_int(v) {
                None => fail(RuleKind::Type, "not a whole number", "", out),
                Some(n) if p.has_range => {
                    let f = &self.cat.fields[col];
                    let below = f.min.is_some_and(|m| n < m);
                    let above = f.max.is_some_and(|m| n > m);
                    if below || above {
                        let detail = match (f.min, f.max) {
                            (Some(a), Some(b)) => format!("between {a} and {b}"),
                            (Some(a), None) => format!("at least {a}"),
                            (None, Some(b)) => format!("at most {b}"),
                            (None, None) => String::new(),
                        };
                        fail(RuleKind::Range, &detail, "", out);
                    }
                }
                Some(_) => {}
            },
            FieldType::Flag => {
                if v != "Y" && v != "N" {
                    fail(RuleKind::Type, "a flag is Y or N", "", out);
                }
            }
            FieldType::Code => {
                if self.valid_codes[col]
                    .as_ref()
                    .is_some_and(|set| set.contains(v.as_bytes()))
                {
                    // The common case: a code valid today.
                } else if let Some(list) = self.codelists[col] {
                    match list.get(v) {
                        Some(code) if code.valid_on(self.as_of) => {}
                        Some(_) => fail(
                            RuleKind::Code,
                            &format!(
                                "{} (not valid on {})",
                                list.name,
                                self.as_of.format("%d/%m/%Y")
                            ),
                            "",
                            out,
                        ),
                        None => fail(RuleKind::Code, &list.name, "", out),
                    }
                }
            }
            FieldType::Text => {}
        }
        // Bytes are at least characters: only a long byte string needs counting.
        if v.len() > p.max_len as usize {
            let len = v.chars().count();
            if len > p.max_len as usize {
                fail(
                    RuleKind::Length,
                    &len.to_string(),
                    &p.max_len.to_string(),
                    out,
                );
            }
        }
        if p.has_pattern
            && let Some(pattern) = &self.cat.fields[col].pattern
            && !pattern.matches(v)
        {
            fail(RuleKind::Pattern, &pattern.0, "", out);
        }
    }

    fn other_dataset(
        &self,
        rec: &(impl Record + ?Sized),
        line: Option<u64>,
        col: usize,
        field: &Field,
        seen: &mut Vec<(usize, Section)>,
        out: &mut Vec<Finding>,
    ) {
        for b in self.bound(RuleKind::OtherDataset) {
            let rule = self.rule(b);
            let sections = rule.param_list("sections");
            if !sections.is_empty() && !sections.contains(&field.section.code()) {
                continue;
            }
            // `once=section`: one finding per record and section (a whole outcome record in the
            // wrong dataset), not one per item.
            let once = rule.param("once") == Some("section");
            if once && seen.contains(&(b.rule, field.section)) {
                continue;
            }
            if once {
                seen.push((b.rule, field.section));
            }
            let other = if once { field.section.label() } else { "" };
            out.push(self.finding(
                rule,
                rec,
                line,
                Some(col),
                rec.field(col),
                self.dataset.code(),
                other,
            ));
        }
    }

    /// Checks a whole record: every field, requirements by dataset and conditions, and the
    /// record-level rules (date order, discharge, age against dataset, consent and the rest).
    pub fn check_record(
        &self,
        rec: &(impl Record + ?Sized),
        line: Option<u64>,
        out: &mut Vec<Finding>,
    ) {
        let no_consent = self.is_no_consent(rec);
        let dates = no_dates();
        self.check_fields(rec, line, no_consent, 0, &dates, out);
        if !no_consent {
            self.record_rules(rec, line, None, &dates, out);
        }
    }

    /// The field checks of a record, leaving out the runs of a section's columns whose bit is
    /// set in `skip`. Returns a bit for each run that gave a finding. Columns are taken 64 at
    /// a time as bits, so that only those holding a value and the blank ones that ask for one
    /// are visited (a row of one dataset and section leaves most of the others blank).
    fn check_fields(
        &self,
        rec: &(impl Record + ?Sized),
        line: Option<u64>,
        no_consent: bool,
        skip: u64,
        dates: &Dates,
        out: &mut Vec<Finding>,
    ) -> u64 {
        let mut seen = Vec::new();
        // The child records the row does not carry: their sections' requirements do not apply.
        let mut absent_children = 0u8;
        for (i, &c) in self.child_cols.iter().enumerate().take(8) {
            absent_children |= u8::from(rec.is_blank(c)) << i;
        }
        let bits = &self.bits;
        let mut dirty = 0;
        for (w, word) in bits.words.iter().enumerate() {
            let lo = w * 64;
            let filled = rec.filled(lo, (lo + 64).min(self.plan.len()));
            let mut skipped = 0;
            let mut runs = skip;
            while runs != 0 {
                let run = &self.runs[runs.trailing_zeros() as usize];
                skipped |= word_bits(run.lo, run.hi, lo);
                runs &= runs - 1;
            }
            let mut absent = 0;
            for (i, child) in word.child.iter().enumerate() {
                absent |= child & 0u64.wrapping_sub(u64::from(absent_children >> i & 1));
            }
            let kept = if no_consent {
                word.no_consent
            } else {
                u64::MAX
            };
            let blank_asked = word.asks & !filled & kept & !absent & !skipped;
            // The values, kind by kind (a loop of one kind has branches that go the same way
            // column after column); the columns with a finding are looked at again below.
            let mut live = filled & !skipped;
            let mut slow = blank_asked | (live & !kept) | (live & kept & !word.in_dataset);
            live &= kept & word.in_dataset;
            slow |= failing(live & word.date, lo, |c| {
                self.date_passes(c, rec.bytes(c), dates)
            });
            slow |= failing(live & word.code, lo, |c| self.code_passes(c, rec.bytes(c)));
            slow |= failing(live & word.integer, lo, |c| {
                self.integer_passes(c, rec.bytes(c))
            });
            slow |= failing(live & word.flag, lo, |c| flag_passes(rec.bytes(c)));
            slow |= failing(live & word.shaped, lo, |c| {
                self.shape_passes(c, rec, rec.bytes(c))
            });
            // In column order, so the findings come as a column-by-column pass gives them.
            while slow != 0 {
                let b = slow.trailing_zeros();
                slow &= slow - 1;
                let col = lo + b as usize;
                let before = out.len();
                if filled >> b & 1 == 0 {
                    // A child beyond the first eight is looked up here.
                    if self.child_slot[col].is_some() || !self.child_absent(rec, col) {
                        self.required(rec, line, col, out);
                    }
                } else if no_consent && !self.plan[col].no_consent {
                    let v = rec.field(col);
                    for b in self.bound(RuleKind::NoConsent) {
                        out.push(self.finding(self.rule(b), rec, line, Some(col), v, "", ""));
                    }
                } else if !self.plan[col].req.in_dataset() {
                    let f = &self.cat.fields[col];
                    self.other_dataset(rec, line, col, f, &mut seen, out);
                } else {
                    self.value_findings(rec, line, col, rec.field(col), out);
                }
                if out.len() != before {
                    dirty |= bits.run_bit[col];
                }
            }
        }
        dirty
    }

    /// A blank in a field that asks for a value: required, required when its condition holds,
    /// or should be given.
    fn required(
        &self,
        rec: &(impl Record + ?Sized),
        line: Option<u64>,
        col: usize,
        out: &mut Vec<Finding>,
    ) {
        let kind = match self.plan[col].req {
            crate::model::Requirement::Must => RuleKind::Required,
            crate::model::Requirement::When => {
                let holds = self.conditions[col]
                    .as_ref()
                    .is_some_and(|(cc, c)| c.holds(rec.value(*cc)));
                if !holds {
                    return;
                }
                RuleKind::RequiredWhen
            }
            crate::model::Requirement::Should => RuleKind::Should,
            _ => return,
        };
        let detail = self.conditions[col]
            .as_ref()
            .map(|(_, c)| c.to_string())
            .unwrap_or_default();
        for b in self.bound(kind).iter().filter(|b| b.covers(col)) {
            out.push(self.finding(self.rule(b), rec, line, Some(col), "", &detail, ""));
        }
    }

    fn date(&self, rec: &(impl Record + ?Sized), col: usize) -> Option<NaiveDate> {
        parse_date(rec.field(col))
    }

    fn record_rules(
        &self,
        rec: &(impl Record + ?Sized),
        line: Option<u64>,
        mut repeat: Option<&mut Repeat<'_>>,
        dates: &Dates,
        out: &mut Vec<Finding>,
    ) {
        // Each date is read at most once per record (by its field check, or when a rule first
        // asks for it), as a key that compares as the date does.
        let date = |c: usize| match self.date_slot[c] {
            Some(slot) => {
                let cell = &dates[slot as usize];
                if cell.get() == u32::MAX {
                    cell.set(date_key(rec.field(c)).unwrap_or(0));
                }
                Some(cell.get()).filter(|&k| k != 0)
            }
            None => date_key(rec.field(c)),
        };
        for kind in [
            RuleKind::DateOrder,
            RuleKind::PresentIff,
            RuleKind::AgeDataset,
            RuleKind::Differs,
            RuleKind::OnlyWhen,
            RuleKind::BlankWhen,
        ] {
            for b in self.bound(kind) {
                if repeat.as_ref().is_some_and(|r| r.skips(b)) {
                    continue;
                }
                let before = out.len();
                self.record_rule(kind, b, rec, line, &date, out);
                if out.len() != before
                    && let Some(r) = repeat.as_mut()
                {
                    r.found(b);
                }
            }
        }
    }

    /// One record-level rule on one record.
    fn record_rule(
        &self,
        kind: RuleKind,
        b: &Bound,
        rec: &(impl Record + ?Sized),
        line: Option<u64>,
        date: &impl Fn(usize) -> Option<u32>,
        out: &mut Vec<Finding>,
    ) {
        match kind {
            RuleKind::DateOrder => {
                if let [a, c] = b.cols[..]
                    && let (Some(da), Some(dc)) = (date(a), date(c))
                    && dc < da
                {
                    let (va, vc) = (rec.field(a), rec.field(c));
                    out.push(self.finding(self.rule(b), rec, line, Some(c), va, "", vc));
                }
            }
            RuleKind::PresentIff => {
                if let [a, c] = b.cols[..] {
                    let (va, vc) = (rec.field(a), rec.field(c));
                    if va.is_empty() != vc.is_empty() {
                        let (fa, fc) = (&self.cat.fields[a], &self.cat.fields[c]);
                        let (col, detail) = if va.is_empty() {
                            (a, format!("{} is given but {} is not", fc.label, fa.label))
                        } else {
                            (c, format!("{} is given but {} is not", fa.label, fc.label))
                        };
                        out.push(self.finding(self.rule(b), rec, line, Some(col), "", &detail, ""));
                    }
                }
            }
            RuleKind::AgeDataset => {
                let rule = self.rule(b);
                if let [dob, at] = b.cols[..]
                    && let Some(split) = b.age
                    && (split.wrong_for_adult || split.wrong_for_young)
                    && let (Some(born), Some(seen)) = (
                        date(dob).and_then(date_of_key),
                        date(at).and_then(date_of_key),
                    )
                {
                    let age = seen.years_since(born).unwrap_or(0);
                    let ds = self.dataset.code();
                    let wrong = if age >= split.adult_age {
                        split.wrong_for_adult
                    } else {
                        split.wrong_for_young
                    };
                    if wrong {
                        let detail = format!("{age} years old");
                        out.push(self.finding(
                            rule,
                            rec,
                            line,
                            Some(dob),
                            rec.field(dob),
                            &detail,
                            ds,
                        ));
                    }
                }
            }
            RuleKind::Differs => {
                if let [a, c] = b.cols[..] {
                    let (va, vc) = (rec.field(a), rec.field(c));
                    if !va.is_empty() && va == vc {
                        out.push(self.finding(self.rule(b), rec, line, Some(c), vc, "", ""));
                    }
                }
            }
            RuleKind::OnlyWhen | RuleKind::BlankWhen => {
                let fire_when_holds = kind == RuleKind::BlankWhen;
                let (Some(&col), Some((cc, cond))) = (b.cols.first(), b.condition.as_ref()) else {
                    return;
                };
                let v = rec.field(col);
                if !v.is_empty() && cond.holds(rec.value(*cc)) == fire_when_holds {
                    out.push(self.finding(
                        self.rule(b),
                        rec,
                        line,
                        Some(col),
                        v,
                        &cond.to_string(),
                        "",
                    ));
                }
            }
            _ => {}
        }
    }

    /// The keys a row's cross-record checks look up, worked out from the row alone (on a
    /// worker thread when a file is read in parallel), [`Validator::keys_per_row`] of them in
    /// this order: each duplicate-key rule's record key; the client's; each consistency rule's
    /// (None when one of its key values is blank); each episode-overlap rule's client and
    /// episode (None when either is blank).
    fn row_keys<'s>(&'s self, rec: &(impl Record + ?Sized), keys: &mut Vec<Option<Key>>) {
        // Several rules key by the same columns (the client; the client and episode): each
        // key is worked out once a row.
        let mut made: [(&[usize], Key); 8] = [(&[], Key::default()); 8];
        let mut n = 0;
        let mut key = |cols: &'s [usize]| {
            if let Some(&(_, k)) = made[..n].iter().find(|(c, _)| *c == cols) {
                return k;
            }
            let k = key_of_cols(rec, cols);
            if let Some(slot) = made.get_mut(n) {
                *slot = (cols, k);
                n += 1;
            }
            k
        };
        let dup = self.bound(RuleKind::DuplicateKey);
        keys.extend(dup.iter().map(|b| Some(key(&b.cols))));
        keys.push(Some(key(self.client_col.as_slice())));
        let mut of =
            |cols: &'s [usize]| (!cols.iter().any(|&c| rec.is_blank(c))).then(|| key(cols));
        keys.extend(self.bound(RuleKind::Consistent).iter().map(|b| of(&b.cols)));
        keys.extend(
            self.bound(RuleKind::EpisodeOverlap)
                .iter()
                .map(|b| b.cols.get(..2).and_then(&mut of)),
        );
    }

    fn keys_per_row(&self) -> usize {
        let n = |k: RuleKind| self.bound(k).len();
        n(RuleKind::DuplicateKey) + 1 + n(RuleKind::Consistent) + n(RuleKind::EpisodeOverlap)
    }

    /// A row's keys as laid out by [`Validator::row_keys`], by what they are for.
    fn split_keys<'k>(&self, keys: &'k [Option<Key>]) -> RowKeys<'k> {
        let (duplicate, rest) = keys.split_at(self.bound(RuleKind::DuplicateKey).len());
        let (consistent, episodes) = rest[1..].split_at(self.bound(RuleKind::Consistent).len());
        RowKeys {
            duplicate,
            client: rest[0].unwrap_or_default(),
            consistent,
            episodes,
        }
    }

    /// Starts a check of a whole file whose header row is `headers`.
    pub fn file<'h>(&'c self, headers: impl IntoIterator<Item = &'h str>) -> FileCheck<'c> {
        FileCheck::new(self, headers.into_iter().map(str::to_owned).collect())
    }

    /// Reads and checks a CSV file, streaming in bounded memory: what grows is the per-client
    /// state of the cross-record checks and the findings kept (see [`FileCheck::keep_at_most`]).
    pub fn check_csv(&'c self, reader: impl Read) -> Result<FileReport, ValidationError> {
        self.check_csv_with(reader, |c| c)
    }

    /// As [`Validator::check_csv`], letting the caller set up the check once the header is read
    /// (previous attributors, a finding sink, a limit on findings kept).
    pub fn check_csv_with(
        &'c self,
        reader: impl Read,
        setup: impl FnOnce(FileCheck<'c>) -> FileCheck<'c>,
    ) -> Result<FileReport, ValidationError> {
        let mut rows = RowReader::new(reader);
        let mut check = match rows.next_row()? {
            None => return Err(ValidationError::Empty),
            Some(header) => setup(
                self.file(
                    (0..header.len())
                        .filter_map(|i| header.get(i))
                        .map(str::trim),
                ),
            ),
        };
        let any = if check.threads > 0 {
            // The workers split the lines into rows too: the reading thread only cuts the file
            // into blocks of lines, which keeps it from being the one all others wait on.
            let mut blocks = LineBlocks::after(rows);
            let mut too_long = false;
            let end = check.read_in_parallel(|work, lines| {
                Ok(match blocks.next_block(lines, &mut work.lines)? {
                    Block::Lines(line) => {
                        work.line = line;
                        false
                    }
                    Block::End => true,
                    Block::TooLong => {
                        too_long = true;
                        true
                    }
                })
            })?;
            let (mut unread, line, mut any) = match end {
                ReadEnd::Done(any) if !too_long => return check.finish_read(any),
                ReadEnd::Done(any) => (Vec::new(), None, any),
                ReadEnd::Stopped { unread, line, any } => (unread, Some(line), any),
            };
            // A block a worker could not read, or a line too long to cut: one reader reads on
            // from there, so the error is reported exactly as a one-reader pass reports it.
            let (rest, src, rest_line) = blocks.into_rest();
            unread.extend_from_slice(&rest);
            let mut rows = RowReader::from_line(
                std::io::Cursor::new(unread).chain(src),
                line.unwrap_or(rest_line),
            );
            while let Some(row) = rows.next_row()? {
                any = true;
                check.row_of(&row);
            }
            any
        } else {
            let mut any = false;
            while let Some(row) = rows.next_row()? {
                any = true;
                check.row_of(&row);
            }
            any
        };
        check.finish_read(any)
    }
}

fn render(template: &str, subs: &[(&str, &str)]) -> String {
    let mut s = template.to_owned();
    for (k, v) in subs {
        if s.contains(k) {
            s = s.replace(k, v);
        }
    }
    s
}

/// Totals of a file check, with the portal's percentages as this project computes them.
///
/// The portal's own formulas are not published; these are assumed (DATASET-NOTES section 5):
/// load % = rows without an error / all rows × 100; data quality % = rows with neither an error
/// nor a warning / all rows × 100. A header error (missing or extra column) makes both 0.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FileReport {
    pub rows: u64,
    pub clients: u64,
    pub errors: u64,
    pub warnings: u64,
    pub mismatches: u64,
    pub rows_with_errors: u64,
    pub rows_with_warnings: u64,
    /// Rows with an error or a warning (or both): what data quality % counts against.
    pub rows_with_errors_or_warnings: u64,
    pub load_percent: f64,
    pub data_quality_percent: f64,
    /// Findings counted but not kept in `findings`, because a limit was set.
    pub findings_not_kept: u64,
    pub findings: Vec<Finding>,
}

/// Per-episode facts kept for the overlap check, logged once per run of rows of an episode and
/// sorted at the end (no hashed lookup per episode: each one was a cache miss on a big file).
#[derive(Debug, Clone, Copy)]
struct EpisodeSeen {
    client: Key,
    pair: Key,
    client_text: u32,
    id_text: u32,
    line: u64,
    row: usize,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
}

/// Each episode that starts before an earlier-starting episode of the same client ends, with
/// that earlier episode: each episode taken once (at its first row), client by client,
/// episodes by start. When every client's rows came together (`grouped`), the list already
/// holds each client's episodes side by side, in file order: only each client's few are
/// sorted, and no large sort holds up the end of the check. Clients come in a different order
/// then, which the report never shows: its findings are put in line order, and findings on
/// one line are of one client.
fn overlapping_episodes(
    mut list: Vec<EpisodeSeen>,
    grouped: bool,
) -> Vec<(EpisodeSeen, EpisodeSeen)> {
    let mut found = Vec::new();
    let client = |block: &mut [EpisodeSeen], found: &mut Vec<(EpisodeSeen, EpisodeSeen)>| {
        block.sort_unstable_by_key(|e| (e.pair, e.line));
        let mut seen: Vec<EpisodeSeen> = Vec::new();
        for e in block.iter() {
            if seen.last().is_none_or(|s| s.pair != e.pair) {
                seen.push(*e);
            }
        }
        seen.retain(|e| e.start.is_some());
        seen.sort_unstable_by_key(|e| (e.start, e.line));
        for (k, later) in seen.iter().enumerate() {
            if let Some(earlier) = seen[..k]
                .iter()
                .find(|e| e.end.is_none_or(|end| end > later.start.unwrap_or(end)))
            {
                found.push((*later, *earlier));
            }
        }
    };
    if !grouped {
        list.sort_unstable_by_key(|e| (e.client, e.pair, e.line));
    }
    for block in list.chunk_by_mut(|a, b| a.client == b.client) {
        client(block, &mut found);
    }
    found
}

/// A file being checked row by row; cross-record checks run as rows arrive and at [`FileCheck::finish`].
pub struct FileCheck<'c> {
    v: &'c Validator<'c>,
    own: OwnChecks<'c>,
    findings: Vec<Finding>,
    rows: u64,
    /// Per row: bit 0 an error, bit 1 a warning. One byte a row keeps percentages exact when a
    /// finding about a row arrives late (overlapping episodes are found at the end).
    row_flags: Vec<u8>,
    counts: [u64; 3],
    keep: usize,
    not_kept: u64,
    header_errors: bool,
    /// For each rule, whether it found something on the row before, and on this row: the
    /// cross-record rules' share of [`Repeat`] (the row's own rules keep theirs in `own`).
    cross_found: Vec<bool>,
    cross_found_now: Vec<bool>,
    /// The current row's keys (see [`Validator::row_keys`]; reused from row to row).
    keys: Vec<Option<Key>>,
    /// Threads for the rows' own checks when reading a file (0: all on the reading thread),
    /// and rows handed to a thread at a time.
    threads: usize,
    batch_rows: usize,
    sink: Option<Sink<'c>>,
    /// Duplicate keys: rows of a client come together, so each key is looked for among the
    /// current client's rows (a small map in cache) and every key is also logged, to be sorted
    /// at the end for the rare duplicate across two separate blocks of one client. A big map
    /// probed on every row was the slowest step (a cache miss per row).
    block_keys: BlockKeys,
    /// Each row's key, client block, row index and line.
    all_keys: Vec<(Key, u32, u32, u64)>,
    /// A number for each run of rows of one client.
    block: u32,
    /// For each attributor rule, and each consistency rule: the map in `kept` of its key's
    /// first rows, and its slot there.
    attributors: Vec<(usize, usize)>,
    consistent: Vec<(usize, usize)>,
    /// First rows by key, one map per set of key columns, shared by the rules keyed by them.
    kept: Vec<KeptMap>,
    /// For each overlap rule: the first row of each run of rows of an episode.
    episodes: Vec<Vec<EpisodeSeen>>,
    arena: Arena,
    /// The client's key on the row before, and each overlap rule's last episode.
    last_client: Option<Key>,
    last_episode: Vec<Option<Key>>,
    previous: Option<&'c HashMap<String, Vec<String>>>,
    /// The client of each run of rows, counted (distinct) at the end.
    clients: Vec<Key>,
    scratch: Vec<Finding>,
}

/// What the row before tells about this one: which runs of columns are written as on it, and
/// which rules found something on it. A rule is left out when every run it reads is the same
/// and it found nothing on the row before: its findings are a function of what it reads.
struct Repeat<'a> {
    same: u64,
    found_before: &'a [bool],
    found_now: &'a mut [bool],
}

impl Repeat<'_> {
    fn skips(&self, b: &Bound) -> bool {
        !self.found_before.get(b.rule).copied().unwrap_or(true)
            && b.reads.is_some_and(|r| r & !self.same == 0)
    }

    fn found(&mut self, b: &Bound) {
        if let Some(f) = self.found_now.get_mut(b.rule) {
            *f = true;
        }
    }
}

/// The row before, as written, for leaving out field checks of runs of columns that repeat it.
#[derive(Debug, Default)]
struct RowBefore {
    valid: bool,
    text: String,
    /// Where each run of columns lies in `text`.
    bounds: Vec<(usize, usize)>,
    /// The same for the current row, found by [`FileCheck::unchanged_runs`].
    now: Vec<(usize, usize)>,
    no_consent: bool,
    /// A bit for each run that gave a finding.
    dirty: u64,
    /// For each rule (by its place in the catalogue), whether it found something on the row;
    /// and the same for the current row.
    found: Vec<bool>,
    found_now: Vec<bool>,
}

impl RowBefore {
    fn remember(&mut self, row: Option<&Row<'_>>, no_consent: bool, dirty: u64) {
        self.valid = row.is_some();
        if let Some(row) = row {
            self.text.clear();
            self.text.push_str(row.text);
            std::mem::swap(&mut self.bounds, &mut self.now);
            self.no_consent = no_consent;
            self.dirty = dirty;
        }
    }
}

/// The checks of a row that read no other row (its fields and record rules), with what they
/// keep of the row before to leave out runs written as on it. In a file read in parallel
/// each worker thread has its own.
#[derive(Debug)]
struct OwnChecks<'c> {
    v: &'c Validator<'c>,
    /// For each catalogue column, its place in the file's header.
    map: Vec<Option<usize>>,
    width: usize,
    /// The file's columns are exactly the catalogue's, in order.
    in_order: bool,
    /// The current row's values (reused from row to row).
    values: Values,
    before: RowBefore,
}

impl<'c> OwnChecks<'c> {
    /// The same checks with nothing kept of any row.
    fn fresh(&self) -> Self {
        Self {
            v: self.v,
            map: self.map.clone(),
            width: self.width,
            in_order: self.in_order,
            values: Values::default(),
            before: RowBefore::default(),
        }
    }

    /// The usual file has the catalogue's columns in the catalogue's order.
    fn plain(&self, row: &Row<'_>) -> bool {
        self.in_order && row.len() == self.map.len()
    }

    /// The row when its text can be compared run by run as written (see [`Row::separated`]).
    fn raw<'r, 'a>(&self, row: &'r Row<'a>) -> Option<&'r Row<'a>> {
        (self.plain(row) && row.separated).then_some(row)
    }

    /// Finds each catalogue column's value in the row, trimmed, and which are filled, into
    /// `values`.
    fn read_values(&mut self, row: &Row<'_>) {
        let plain = self.plain(row);
        let Values { spans, filled } = &mut self.values;
        let bytes = row.text.as_bytes();
        if plain && row.trimmed {
            let (gap, quote) = (u32::from(row.separated), u32::from(row.quoted));
            crate::places::plain_places(row.ends, gap, quote, spans, filled);
            return;
        }
        spans.clear();
        if plain {
            spans.extend((0..row.len()).map(|i| trimmed(bytes, row.start(i), row.end(i))));
        } else {
            spans.extend(self.map.iter().map(|m| match m {
                Some(i) if *i < row.len() => trimmed(bytes, row.start(*i), row.end(*i)),
                _ => (0, 0),
            }));
        }
        filled.clear();
        filled.resize(spans.len().div_ceil(64), 0);
        for (i, &(s, e)) in spans.iter().enumerate() {
            filled[i / 64] |= u64::from(s != e) << (i % 64);
        }
    }

    /// Checks the row's fields and record rules into `out`, leaving its values in `values`.
    /// Returns the runs written as on the row before, or None for a row of the wrong width
    /// (which gets that finding only).
    fn check(&mut self, row: &Row<'_>, out: &mut Vec<Finding>) -> Option<u64> {
        let v = self.v;
        let line = row.line;
        self.read_values(row);
        let values = std::mem::take(&mut self.values);
        let rec = RowValues::of(row, &values);
        let raw_row = self.raw(row);
        let same = if row.len() != self.width {
            for b in v.bound(RuleKind::RowWidth) {
                out.push(v.finding(
                    v.rule(b),
                    &rec,
                    Some(line),
                    None,
                    "",
                    &row.len().to_string(),
                    &self.width.to_string(),
                ));
            }
            self.before.valid = false;
            None
        } else {
            let no_consent = v.is_no_consent(&rec);
            let (same, skip) = self.unchanged_runs(raw_row, no_consent);
            let dates = no_dates();
            let dirty = v.check_fields(&rec, Some(line), no_consent, skip, &dates, out);
            let found_before = std::mem::take(&mut self.before.found);
            let mut found_now = std::mem::take(&mut self.before.found_now);
            found_now.clear();
            found_now.resize(v.cat.rules.len(), false);
            let mut repeat = Repeat {
                same,
                found_before: &found_before,
                found_now: &mut found_now,
            };
            if !no_consent {
                v.record_rules(&rec, Some(line), Some(&mut repeat), &dates, out);
            }
            self.before.remember(raw_row, no_consent, dirty);
            self.before.found = found_now;
            self.before.found_now = found_before;
            Some(same)
        };
        self.values = values;
        same
    }

    /// [`OwnChecks::check`], then the row's keys (see [`Validator::row_keys`]) onto `keys`:
    /// always [`Validator::keys_per_row`] of them, all None for a row of the wrong width.
    fn check_keyed(
        &mut self,
        row: &Row<'_>,
        out: &mut Vec<Finding>,
        keys: &mut Vec<Option<Key>>,
    ) -> Option<u64> {
        let same = self.check(row, out);
        let start = keys.len();
        if same.is_some() {
            self.v.row_keys(&RowValues::of(row, &self.values), keys);
        }
        keys.resize(start + self.v.keys_per_row(), None);
        same
    }

    /// The own checks of a batch of rows, the first checked in full (the row before it is in
    /// another batch).
    fn check_batch(&mut self, batch: &Batch) -> Checked {
        self.before.valid = false;
        let mut checked = Checked::default();
        for k in 0..batch.rows.len() {
            self.check_into(&batch.row(k), &mut checked);
        }
        checked
    }

    /// One row of a batch into what the batch's checks found.
    fn check_into(&mut self, row: &Row<'_>, checked: &mut Checked) {
        let before = checked.findings.len();
        // Keys are worked out here, off the thread that looks them up.
        let same = self.check_keyed(row, &mut checked.findings, &mut checked.keys);
        checked.same.push(same);
        checked
            .counts
            .push((checked.findings.len() - before) as u32);
    }

    /// The runs of columns written exactly as on the row before (with the same consent), and
    /// of those the runs whose field checks this row can leave out: the ones that read only
    /// unchanged runs and gave no finding on the row before. Rows of one client or episode
    /// repeat its values, and a section a row does not use is the same run of commas.
    fn unchanged_runs(&mut self, row: Option<&Row<'_>>, no_consent: bool) -> (u64, u64) {
        let v = self.v;
        let before = &mut self.before;
        before.now.clear();
        let Some(row) = row else {
            return (0, 0);
        };
        before.now.extend(
            v.runs
                .iter()
                .map(|r| (row.start(r.lo), row.ends[r.hi - 1] as usize)),
        );
        if !before.valid || before.no_consent != no_consent {
            return (0, 0);
        }
        let mut same = 0;
        for i in 0..v.runs.len().min(64) {
            let (now, then) = (before.now[i], before.bounds[i]);
            if row.text.get(now.0..now.1) == before.text.get(then.0..then.1) {
                same |= 1u64 << i;
            }
        }
        let mut skip = 0;
        for (i, r) in v.runs.iter().enumerate().take(64) {
            let bit = 1u64 << i;
            if before.dirty & bit == 0 && r.reads.is_some_and(|reads| reads & !same == 0) {
                skip |= bit;
            }
        }
        (same, skip)
    }
}

/// Rows read from a file, copied out of the reader's buffers to be checked on another thread.
#[derive(Debug, Default)]
struct Batch {
    text: String,
    ends: Vec<u32>,
    rows: Vec<BatchRow>,
}

/// Where a row of a [`Batch`] ends in its text and ends, and what the reader knew of it.
#[derive(Debug, Clone, Copy)]
struct BatchRow {
    text_end: usize,
    ends_end: usize,
    line: u64,
    separated: bool,
    quoted: bool,
    trimmed: bool,
}

impl Batch {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.rows.clear();
    }

    fn push(&mut self, row: &Row<'_>) {
        self.text.push_str(row.text);
        self.ends.extend_from_slice(row.ends);
        self.rows.push(BatchRow {
            text_end: self.text.len(),
            ends_end: self.ends.len(),
            line: row.line,
            separated: row.separated,
            quoted: row.quoted,
            trimmed: row.trimmed,
        });
    }

    fn row(&self, k: usize) -> Row<'_> {
        let r = self.rows[k];
        let (text_start, ends_start) = match k.checked_sub(1) {
            None => (0, 0),
            Some(p) => (self.rows[p].text_end, self.rows[p].ends_end),
        };
        Row {
            text: &self.text[text_start..r.text_end],
            ends: &self.ends[ends_start..r.ends_end],
            line: r.line,
            separated: r.separated,
            quoted: r.quoted,
            trimmed: r.trimmed,
        }
    }
}

/// Work for a worker thread: rows already split, or lines of a file to read into rows first.
#[derive(Debug, Default)]
struct Work {
    batch: Batch,
    /// Whole lines as written in the file (empty when the batch came split), from line `line`.
    lines: Vec<u8>,
    line: u64,
}

impl Work {
    fn clear(&mut self) {
        self.batch.clear();
        self.lines.clear();
    }

    fn is_empty(&self) -> bool {
        self.batch.rows.is_empty() && self.lines.is_empty()
    }

    /// The own checks of the batch's rows; lines, if any, are read into the batch first (with
    /// `reader`, kept from batch to batch for its buffers), each row checked as it is read,
    /// while it is in the cache. The lines are kept, to be read again should this fail.
    fn check(
        &mut self,
        reader: &mut RowReader<std::io::Empty>,
        own: &mut OwnChecks<'_>,
    ) -> Result<Checked, ValidationError> {
        if self.lines.is_empty() {
            return Ok(own.check_batch(&self.batch));
        }
        own.before.valid = false;
        let mut checked = Checked::default();
        reader.read_in_place(std::mem::take(&mut self.lines), self.line);
        let mut read = Ok(());
        loop {
            match reader.next_row() {
                Ok(Some(row)) => {
                    self.batch.push(&row);
                    own.check_into(&row, &mut checked);
                }
                Ok(None) => break,
                Err(e) => {
                    read = Err(e);
                    break;
                }
            }
        }
        self.lines = reader.give_back();
        read.map(|()| checked)
    }
}

/// How a read on worker threads ended.
#[derive(Debug)]
enum ReadEnd {
    /// Every row was read and checked; whether there was one.
    Done(bool),
    /// A worker could not read the block starting on `line`: the bytes from there on, none of
    /// them checked yet, and whether any row before them was.
    Stopped {
        unread: Vec<u8>,
        line: u64,
        any: bool,
    },
}

/// What a batch's own checks found: each row's findings in order (`counts[k]` of them for
/// row `k`), its runs written as on the row before, and its keys.
#[derive(Debug, Default)]
struct Checked {
    same: Vec<Option<u64>>,
    /// Each row's keys (see [`Validator::row_keys`]), as many per row.
    keys: Vec<Option<Key>>,
    findings: Vec<Finding>,
    counts: Vec<u32>,
}

/// A row's keys, by what they are for (see [`Validator::row_keys`]).
struct RowKeys<'k> {
    duplicate: &'k [Option<Key>],
    client: Key,
    consistent: &'k [Option<Key>],
    episodes: &'k [Option<Key>],
}

/// Where findings go as they are found (a streamed report).
type Sink<'c> = Box<dyn FnMut(&Finding) + 'c>;

/// A record key as two independent 64-bit hashes of its values: nothing to allocate or free per
/// row, and a chance of two different keys colliding of about n²/2¹²⁸ (nil for any real file).
type Key = (u64, u64);

fn key_of<'a>(values: impl Iterator<Item = &'a [u8]>) -> Key {
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
fn short_word(b: &[u8]) -> u64 {
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
struct BlockKeys {
    few: Vec<(Key, u64)>,
    many: FxMap<Key, u64>,
}

impl BlockKeys {
    const FEW: usize = 32;

    fn clear(&mut self) {
        self.few.clear();
        if !self.many.is_empty() {
            self.many.clear();
        }
    }

    /// The line `key` was first seen on, or None (and `line` is remembered as its first).
    fn first_line(&mut self, key: Key, line: u64) -> Option<u64> {
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

fn key_of_cols(rec: &(impl Record + ?Sized), cols: &[usize]) -> Key {
    key_of(cols.iter().map(|&c| rec.bytes(c)))
}

/// Remembers the values of `cols` the first time `key` is seen; afterwards reports each that
/// differs. `raw` is the row's text from the first to the last of `cols` as written (commas and
/// all), when the row is a plain line in the catalogue's order: then a row equal to the first
/// is known by one comparison of two short slices rather than value by value.
#[allow(clippy::too_many_arguments)]
fn compare_or_keep(
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

impl std::fmt::Debug for FileCheck<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileCheck")
            .field("rows", &self.rows)
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

impl<'c> FileCheck<'c> {
    fn new(v: &'c Validator<'c>, headers: Vec<String>) -> Self {
        let mut header_findings = Vec::new();
        let mut map = vec![None; v.cat.fields.len()];
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let empty: [&str; 0] = [];
        for (i, h) in headers.iter().enumerate() {
            if seen.insert(h.as_str(), i).is_some() {
                for b in v.bound(RuleKind::HeaderDuplicate) {
                    let mut f = v.finding(v.rule(b), &empty[..], Some(1), None, h, "", "");
                    f.field.clone_from(h);
                    f.message = render(&v.rule(b).message, &[("{field}", h)]);
                    header_findings.push(f);
                }
                continue;
            }
            match v.cat.column(h) {
                Some(c) => map[c] = Some(i),
                None => {
                    for b in v.bound(RuleKind::HeaderExtra) {
                        let mut f = v.finding(v.rule(b), &empty[..], Some(1), None, h, "", "");
                        f.field.clone_from(h);
                        f.message = render(&v.rule(b).message, &[("{field}", h)]);
                        header_findings.push(f);
                    }
                }
            }
        }
        for (c, _) in map.iter().enumerate().filter(|(_, m)| m.is_none()) {
            for b in v.bound(RuleKind::HeaderMissing) {
                header_findings.push(v.finding(
                    v.rule(b),
                    &empty[..],
                    Some(1),
                    Some(c),
                    "",
                    "",
                    "",
                ));
            }
        }
        let n = |k: RuleKind| v.bound(k).len();
        // Rules keyed by the same columns (the attributors' client id, a consistency rule's
        // key) share a map of first rows, a slot each.
        let mut keyed_by: Vec<(Vec<usize>, usize)> = Vec::new();
        let mut place = |cols: &[usize]| match keyed_by.iter().position(|(c, _)| c == cols) {
            Some(m) => {
                keyed_by[m].1 += 1;
                (m, keyed_by[m].1 - 1)
            }
            None => {
                keyed_by.push((cols.to_vec(), 1));
                (keyed_by.len() - 1, 0)
            }
        };
        let attributors: Vec<(usize, usize)> = v
            .bound(RuleKind::Attributors)
            .iter()
            .map(|_| place(v.client_col.as_slice()))
            .collect();
        let consistent: Vec<(usize, usize)> = v
            .bound(RuleKind::Consistent)
            .iter()
            .map(|b| place(&b.cols))
            .collect();
        let kept: Vec<KeptMap> = keyed_by
            .iter()
            .map(|&(_, slots)| KeptMap::new(slots))
            .collect();
        let in_order = map.iter().enumerate().all(|(c, m)| *m == Some(c));
        let mut check = Self {
            v,
            own: OwnChecks {
                v,
                map,
                width: headers.len(),
                in_order,
                values: Values::default(),
                before: RowBefore::default(),
            },
            findings: Vec::new(),
            rows: 0,
            row_flags: Vec::new(),
            counts: [0; 3],
            keep: usize::MAX,
            not_kept: 0,
            header_errors: false,
            cross_found: Vec::new(),
            cross_found_now: Vec::new(),
            keys: Vec::new(),
            threads: std::thread::available_parallelism()
                .map_or(0, |n| if n.get() > 1 { n.get().min(8) } else { 0 }),
            batch_rows: 256,
            sink: None,
            block_keys: BlockKeys::default(),
            all_keys: Vec::new(),
            block: 0,
            attributors,
            consistent,
            kept,
            episodes: vec![Vec::new(); n(RuleKind::EpisodeOverlap)],
            arena: Arena::default(),
            last_client: None,
            last_episode: vec![None; n(RuleKind::EpisodeOverlap)],
            previous: None,
            clients: Vec::new(),
            scratch: Vec::new(),
        };
        for f in header_findings {
            check.take(f, None);
        }
        check
    }

    /// Attributors last transferred, by client id, in the order of the attributor-change rule's fields.
    pub fn with_previous_attributors(mut self, previous: &'c HashMap<String, Vec<String>>) -> Self {
        self.previous = Some(previous);
        self
    }

    /// Keeps at most `n` findings in the report; the rest are still counted (and still reach
    /// the sink), so memory stays bounded however bad the file is.
    pub fn keep_at_most(mut self, n: usize) -> Self {
        self.keep = n;
        let extra = self.findings.len().saturating_sub(n);
        self.findings.truncate(n);
        self.not_kept += extra as u64;
        self
    }

    /// Hands every finding, as it is found, to `sink` (to stream a report of any size).
    pub fn with_sink(mut self, mut sink: impl FnMut(&Finding) + 'c) -> Self {
        for f in &self.findings {
            sink(f);
        }
        self.sink = Some(Box::new(sink));
        self
    }

    fn take(&mut self, f: Finding, row: Option<usize>) {
        let (slot, bit) = match f.severity {
            Severity::Error => (0, 1),
            Severity::Warning => (1, 2),
            Severity::Mismatch => (2, 0),
        };
        self.counts[slot] += 1;
        self.header_errors |= row.is_none() && f.line == Some(1) && f.severity == Severity::Error;
        if let Some(flag) = row.and_then(|r| self.row_flags.get_mut(r)) {
            *flag |= bit;
        }
        if let Some(sink) = self.sink.as_mut() {
            sink(&f);
        }
        if self.findings.len() < self.keep {
            self.findings.push(f);
        } else {
            self.not_kept += 1;
        }
    }

    /// Checks one row given in the file's own column order.
    pub fn row(&mut self, values: &[&str], line: u64) {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(values.len());
        for v in values {
            text.push_str(v);
            ends.push(text.len() as u32);
        }
        self.row_of(&Row::packed(&text, &ends, line));
    }

    /// Checks every row of `rows` in order, as [`FileCheck::row_of`] would one by one, but on
    /// worker threads when the check has them (see [`FileCheck::threads`]).
    pub fn rows_of<'r>(&mut self, rows: impl IntoIterator<Item = Row<'r>>) {
        if self.threads == 0 {
            rows.into_iter().for_each(|row| self.row_of(&row));
            return;
        }
        let mut rows = rows.into_iter();
        let read = self.read_in_parallel(|work, per_batch| {
            while work.batch.rows.len() < per_batch {
                let Some(row) = rows.next() else {
                    return Ok(true);
                };
                work.batch.push(&row);
            }
            Ok(false)
        });
        // Rows handed over are already read: nothing here can fail to be read.
        debug_assert!(matches!(read, Ok(ReadEnd::Done(_))));
    }

    /// Checks one row as read from a file.
    pub fn row_of(&mut self, row: &Row<'_>) {
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        let mut keys = std::mem::take(&mut self.keys);
        keys.clear();
        let same = self.own.check_keyed(row, &mut out, &mut keys);
        self.cross_row(row, same, true, &keys, &mut out);
        self.keys = keys;
        self.scratch = out;
    }

    /// Splits the rows' own checks (fields and record rules) over `threads` threads besides
    /// the reading one, `batch_rows` rows at a time, when a file is read with
    /// [`Validator::check_csv_with`] or rows are handed over with [`FileCheck::rows_of`]; 0
    /// threads keeps all on the reading thread. The findings
    /// are the same and in the same order either way. The default is one thread per core
    /// when there is more than one core.
    pub fn threads(mut self, threads: usize, batch_rows: usize) -> Self {
        // More threads than this only wait on the reading thread.
        self.threads = threads.min(64);
        self.batch_rows = batch_rows.max(1);
        self
    }

    /// The rest of a row's check once its own checks are done (`out` holds their findings and
    /// `same` their runs written as on the row before; None for a row of the wrong width):
    /// the cross-record checks, then the row's findings are counted and passed on.
    fn cross_row(
        &mut self,
        row: &Row<'_>,
        same: Option<u64>,
        values_ready: bool,
        keys: &[Option<Key>],
        out: &mut Vec<Finding>,
    ) {
        self.rows += 1;
        if let Some(same) = same {
            let raw_row = self.own.raw(row);
            if values_ready {
                let values = std::mem::take(&mut self.own.values);
                let rec = RowValues::of(row, &values);
                self.cross_checks(&rec, raw_row, row.line, same, keys, out);
                self.own.values = values;
            } else {
                // The cross-record checks read a few values: found as read, not all first.
                let plain = self.own.plain(row);
                let map = std::mem::take(&mut self.own.map);
                let rec = RowAsRead {
                    row,
                    map: (!plain).then_some(map.as_slice()),
                };
                self.cross_checks(&rec, raw_row, row.line, same, keys, out);
                self.own.map = map;
            }
        }
        self.row_flags.push(0);
        let row_index = self.row_flags.len() - 1;
        for f in out.drain(..) {
            self.take(f, Some(row_index));
        }
    }

    /// The cross-record checks of a row, with [`Repeat`] kept for its rules from row to row.
    fn cross_checks(
        &mut self,
        rec: &(impl Record + ?Sized),
        raw_row: Option<&Row<'_>>,
        line: u64,
        same: u64,
        keys: &[Option<Key>],
        out: &mut Vec<Finding>,
    ) {
        let mut found_now = std::mem::take(&mut self.cross_found_now);
        found_now.clear();
        found_now.resize(self.v.cat.rules.len(), false);
        let found_before = std::mem::take(&mut self.cross_found);
        let mut repeat = Repeat {
            same,
            found_before: &found_before,
            found_now: &mut found_now,
        };
        self.cross_record(rec, raw_row, line, &mut repeat, keys, out);
        self.cross_found = found_now;
        self.cross_found_now = found_before;
    }

    /// Hands the rows' own checks to worker threads in batches (each call of `fill` fills one
    /// with rows, or with lines for the worker to read into rows, and says whether it was the
    /// last) and runs the cross-record checks here, in file order. Stops at a block of lines a
    /// worker could not read, handing back the bytes from there on.
    fn read_in_parallel(
        &mut self,
        mut fill: impl FnMut(&mut Work, usize) -> Result<bool, ValidationError>,
    ) -> Result<ReadEnd, ValidationError> {
        use std::sync::mpsc;
        type Done = (
            usize,
            Work,
            std::thread::Result<Result<Checked, ValidationError>>,
        );
        let (threads, per_batch) = (self.threads.max(1), self.batch_rows);
        let template = self.own.fresh();
        let per_row = self.v.keys_per_row();
        std::thread::scope(|s| {
            let (done_tx, done_rx) = mpsc::channel::<Done>();
            let mut workers = Vec::with_capacity(threads);
            for _ in 0..threads {
                let (tx, rx) = mpsc::channel::<(usize, Work)>();
                let done = done_tx.clone();
                let mut own = template.fresh();
                let mut reader = RowReader::new(std::io::empty());
                s.spawn(move || {
                    for (i, mut work) in rx {
                        // A panic is handed back to the reading thread, which would otherwise
                        // wait for this batch for ever.
                        let checked =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                work.check(&mut reader, &mut own)
                            }));
                        let failed = checked.is_err();
                        if done.send((i, work, checked)).is_err() || failed {
                            break;
                        }
                    }
                });
                workers.push(tx);
            }
            drop(done_tx);
            // This thread checks batches of its own too, rather than wait for a worker's.
            let mut own = template.fresh();
            let mut reader = RowReader::new(std::io::empty());
            let (mut sent, mut next, mut any, mut last) = (0, 0, false, false);
            // Batches with the workers, and all not yet cross-checked (a bound on memory).
            let (mut with_workers, most) = (0, 8 * threads);
            let mut pending = std::collections::BTreeMap::new();
            let mut spare: Vec<Work> = Vec::new();
            let mut out = Vec::new();
            let unwrap = |(i, work, checked): Done| {
                (
                    i,
                    work,
                    checked.unwrap_or_else(|p| std::panic::resume_unwind(p)),
                )
            };
            // The next batch a worker hands back, put with the others waiting their turn.
            let receive = |pending: &mut std::collections::BTreeMap<_, _>| {
                let Ok(done) = done_rx.recv() else {
                    unreachable!("a worker ended without handing back its batch");
                };
                let (i, work, checked) = unwrap(done);
                pending.insert(i, (work, checked));
            };
            // The file's next block, in a spare batch when there is one; and whether it was
            // the last.
            let mut next_block = |spare: &mut Vec<Work>| -> Result<(Work, bool), ValidationError> {
                let mut work = spare.pop().unwrap_or_default();
                work.clear();
                let last = fill(&mut work, per_batch)?;
                Ok((work, last))
            };
            loop {
                // Each worker kept two batches ahead.
                while !last && with_workers < 2 * threads && sent - next < most {
                    let work;
                    (work, last) = next_block(&mut spare)?;
                    if !work.is_empty() {
                        // A worker gone means it panicked; its panic arrives below.
                        let _ = workers[sent % threads].send((sent, work));
                        sent += 1;
                        with_workers += 1;
                    }
                }
                while let Ok(done) = done_rx.try_recv() {
                    let (i, work, checked) = unwrap(done);
                    pending.insert(i, (work, checked));
                    with_workers -= 1;
                }
                if !pending.contains_key(&next) {
                    if last && next == sent {
                        return Ok(ReadEnd::Done(any));
                    }
                    if !last && sent - next < most {
                        // The next batch in file order is still with a worker: check the
                        // file's next block here meanwhile.
                        let mut work;
                        (work, last) = next_block(&mut spare)?;
                        if !work.is_empty() {
                            let checked = work.check(&mut reader, &mut own);
                            pending.insert(sent, (work, checked));
                            sent += 1;
                        }
                    } else {
                        receive(&mut pending);
                        with_workers -= 1;
                    }
                    continue;
                }
                while let Some((work, checked)) = pending.remove(&next) {
                    let Ok(checked) = checked else {
                        // Everything from this block on goes back unread, in order.
                        let line = work.line;
                        let mut unread = work.lines;
                        for k in next + 1..sent {
                            while !pending.contains_key(&k) {
                                receive(&mut pending);
                            }
                            if let Some((work, _)) = pending.remove(&k) {
                                unread.extend_from_slice(&work.lines);
                            }
                        }
                        return Ok(ReadEnd::Stopped { unread, line, any });
                    };
                    let batch = &work.batch;
                    any |= !batch.rows.is_empty();
                    self.warm(&checked.keys);
                    let mut found = checked.findings.into_iter();
                    for (k, same) in checked.same.into_iter().enumerate() {
                        let row = batch.row(k);
                        out.clear();
                        out.extend(found.by_ref().take(checked.counts[k] as usize));
                        let keys = &checked.keys[k * per_row..(k + 1) * per_row];
                        self.cross_row(&row, same, false, keys, &mut out);
                    }
                    spare.push(work);
                    next += 1;
                }
            }
        })
    }

    /// Brings into the cache the first-row table slots a batch's rows will look up (`keys`
    /// holds [`Validator::keys_per_row`] keys a row): on a big file nearly every new client or
    /// episode is a cache miss, and taken together the misses overlap.
    fn warm(&self, keys: &[Option<Key>]) {
        let v = self.v;
        let mut any = 0;
        for row in keys.chunks_exact(v.keys_per_row()) {
            let keys = v.split_keys(row);
            if let Some(&(m, _)) = self.attributors.first() {
                any ^= self.kept[m].map.warm(keys.client);
            }
            for (&(m, _), key) in self.consistent.iter().zip(keys.consistent) {
                if let Some(key) = key {
                    any ^= self.kept[m].map.warm(*key);
                }
            }
        }
        std::hint::black_box(any);
    }

    fn cross_record(
        &mut self,
        rec: &(impl Record + ?Sized),
        raw_row: Option<&Row<'_>>,
        line: u64,
        repeat: &mut Repeat<'_>,
        keys: &[Option<Key>],
        out: &mut Vec<Finding>,
    ) {
        // A run of columns as written, for the first-row comparisons.
        let raw = |(lo, hi): (usize, usize)| {
            raw_row.and_then(|r| r.text.get(r.start(lo)..*r.ends.get(hi)? as usize))
        };
        let v = self.v;
        let client = v.client_col.map_or("", |c| rec.value(c));
        let keys = v.split_keys(keys);
        let client_key = keys.client;
        // Rows of a client come together, so most rows repeat the last client: no lookup then.
        let new_client = self.last_client != Some(client_key);
        self.last_client = Some(client_key);
        if new_client {
            if !client.is_empty() {
                self.clients.push(client_key);
            }
            self.block += 1;
            self.block_keys.clear();
        }
        for (b, &key) in v.bound(RuleKind::DuplicateKey).iter().zip(keys.duplicate) {
            let key = key.unwrap_or_default();
            if self.all_keys.len() < u32::MAX as usize {
                self.all_keys
                    .push((key, self.block, (self.rows - 1) as u32, line));
            }
            if let Some(first) = self.block_keys.first_line(key, line) {
                out.push(v.finding(
                    v.rule(b),
                    rec,
                    Some(line),
                    b.cols.first().copied(),
                    client,
                    "",
                    &first.to_string(),
                ));
            }
        }
        if v.is_no_consent(rec) {
            return;
        }
        // Attributor rules also read the client's id (their key), which their columns omit.
        let same_client = v.client_run.is_some_and(|bit| bit & !repeat.same == 0);
        if !client.is_empty() {
            for (i, b) in v.bound(RuleKind::Attributors).iter().enumerate() {
                if same_client && repeat.skips(b) {
                    continue;
                }
                let before = out.len();
                let span = v.attributor_spans[i];
                compare_or_keep(
                    v,
                    &mut self.kept[self.attributors[i].0],
                    self.attributors[i].1,
                    &mut self.arena,
                    client_key,
                    &b.cols,
                    span.0,
                    raw(span),
                    b,
                    rec,
                    line,
                    out,
                );
                if out.len() != before {
                    repeat.found(b);
                }
            }
        }
        if let Some(prev) = self.previous {
            for b in v.bound(RuleKind::AttributorChange) {
                if same_client && repeat.skips(b) {
                    continue;
                }
                let before = out.len();
                if let Some(old) = prev.get(client) {
                    for (k, &c) in b.cols.iter().enumerate() {
                        let now = rec.field(c);
                        if old.get(k).is_some_and(|o| o != now) {
                            out.push(v.finding(
                                v.rule(b),
                                rec,
                                Some(line),
                                Some(c),
                                now,
                                &old[k],
                                "",
                            ));
                        }
                    }
                }
                if out.len() != before {
                    repeat.found(b);
                }
            }
        }
        for (i, b) in v.bound(RuleKind::Consistent).iter().enumerate() {
            let Some(key) = keys.consistent[i] else {
                continue;
            };
            if repeat.skips(b) {
                continue;
            }
            let before = out.len();
            let span = v.consistent_spans[i];
            compare_or_keep(
                v,
                &mut self.kept[self.consistent[i].0],
                self.consistent[i].1,
                &mut self.arena,
                key,
                &v.consistent_cols[i],
                span.0,
                raw(span),
                b,
                rec,
                line,
                out,
            );
            if out.len() != before {
                repeat.found(b);
            }
        }
        for (i, b) in v.bound(RuleKind::EpisodeOverlap).iter().enumerate() {
            if let (&[cc, ec, sc, dc], Some(pair)) = (&b.cols[..], keys.episodes[i]) {
                let new = self.last_episode[i] != Some(pair);
                self.last_episode[i] = Some(pair);
                if new {
                    let (client, episode) = (rec.field(cc), rec.field(ec));
                    let client_text = self.arena.put([client, episode].into_iter());
                    self.episodes[i].push(EpisodeSeen {
                        client: client_key,
                        pair,
                        client_text,
                        id_text: client_text + 1,
                        line,
                        row: self.rows as usize - 1,
                        start: v.date(rec, sc),
                        end: v.date(rec, dc),
                    });
                }
            }
        }
    }

    /// The report of a file that had rows (`any`), or the error of one that had none.
    fn finish_read(self, any: bool) -> Result<FileReport, ValidationError> {
        if !any {
            return Err(ValidationError::HeaderOnly);
        }
        Ok(self.finish())
    }

    /// Runs the checks that need every row, and totals the report.
    pub fn finish(mut self) -> FileReport {
        let v = self.v;
        let mut found = Vec::new();
        // One entry per block of rows of a client, so a client seen in two blocks shows as a
        // repeat here.
        let blocks = self.clients.len();
        self.clients.sort_unstable();
        self.clients.dedup();
        let one_block_each = self.clients.len() == blocks && blocks as u64 == u64::from(self.block);
        for (i, b) in v.bound(RuleKind::EpisodeOverlap).iter().enumerate() {
            let rule = v.rule(b);
            let list = std::mem::take(&mut self.episodes[i]);
            for (later, earlier) in overlapping_episodes(list, one_block_each) {
                let arena = &self.arena;
                let mut f = Finding {
                    rule: rule.id.clone(),
                    severity: rule.severity,
                    line: Some(later.line),
                    client_id: arena.get(later.client_text).to_owned(),
                    episode_id: arena.get(later.id_text).to_owned(),
                    child_id: String::new(),
                    field: b
                        .cols
                        .get(2)
                        .map(|&c| v.cat.fields[c].header.clone())
                        .unwrap_or_default(),
                    value: String::new(),
                    message: String::new(),
                    fix: rule.fix.clone(),
                };
                f.message = render(
                    &rule.message,
                    &[
                        ("{detail}", arena.get(earlier.id_text)),
                        ("{other}", &earlier.line.to_string()),
                    ],
                );
                found.push((f, later.row));
            }
        }
        // Duplicates across separate blocks of one client: the key log, sorted. Needless (and
        // the slowest step at the end) when no client came back after another's rows.
        if let Some(b) = v.bound(RuleKind::DuplicateKey).first()
            && !one_block_each
        {
            let mut log = std::mem::take(&mut self.all_keys);
            log.sort_unstable_by_key(|&(k, _, _, line)| (k, line));
            for run in log.chunk_by(|a, b| a.0 == b.0) {
                let (_, first_block, _, first_line) = run[0];
                for &(_, block, row, line) in &run[1..] {
                    if block == first_block {
                        continue; // reported as the row was read
                    }
                    let rule = v.rule(b);
                    let field = b.cols.first().map(|&c| &v.cat.fields[c].header);
                    let subs = [
                        ("{field}", field.map_or("", String::as_str)),
                        ("{other}", &first_line.to_string()),
                    ];
                    let f = Finding {
                        rule: rule.id.clone(),
                        severity: rule.severity,
                        line: Some(line),
                        client_id: String::new(),
                        episode_id: String::new(),
                        child_id: String::new(),
                        field: field.cloned().unwrap_or_default(),
                        value: String::new(),
                        message: render(&rule.message, &subs),
                        fix: render(&rule.fix, &subs),
                    };
                    found.push((f, row as usize));
                }
            }
        }
        found.sort_by_key(|(f, _)| f.line);
        for (f, row) in found {
            self.take(f, Some(row));
        }
        let flagged = |mask: u8| self.row_flags.iter().filter(|&&b| b & mask != 0).count() as u64;
        let (bad, warned, either) = (flagged(1), flagged(2), flagged(3));
        let pct = |n: u64| {
            if self.rows == 0 {
                100.0
            } else {
                100.0 * (self.rows - n.min(self.rows)) as f64 / self.rows as f64
            }
        };
        let header_errors = self.header_errors;
        FileReport {
            rows: self.rows,
            clients: self.clients.len() as u64,
            errors: self.counts[0],
            warnings: self.counts[1],
            mismatches: self.counts[2],
            rows_with_errors: bad,
            rows_with_warnings: warned,
            rows_with_errors_or_warnings: either,
            load_percent: if header_errors { 0.0 } else { pct(bad) },
            data_quality_percent: if header_errors { 0.0 } else { pct(either) },
            findings_not_kept: self.not_kept,
            findings: self.findings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filled_bits_of_any_columns_match_the_blanks() {
        // 150 values, blank where the column number is a multiple of 3 or 7.
        let spans: Vec<(u32, u32)> = (0..150u32)
            .map(|c| {
                if c % 3 == 0 || c % 7 == 0 {
                    (c, c)
                } else {
                    (c, c + 1)
                }
            })
            .collect();
        let mut filled = vec![0u64; 3];
        for (i, &(s, e)) in spans.iter().enumerate() {
            filled[i / 64] |= u64::from(s != e) << (i % 64);
        }
        let rec = RowValues {
            text: "",
            spans: &spans,
            filled: &filled,
        };
        for (lo, hi) in [
            (0, 64),
            (64, 128),
            (128, 150),
            (5, 69),
            (100, 150),
            (70, 71),
        ] {
            let want = (lo..hi).fold(0u64, |b, c| b | u64::from(!rec.is_blank(c)) << (c - lo));
            assert_eq!(rec.filled(lo, hi), want, "columns {lo}..{hi}");
        }
    }

    #[test]
    fn short_values_are_read_into_a_word_byte_for_byte() {
        let bytes: Vec<u8> = (0..7u8)
            .map(|i| i.wrapping_mul(37).wrapping_add(0x81))
            .collect();
        for n in 0..=7 {
            let b = &bytes[..n];
            let by_byte = b.iter().rev().fold(0u64, |acc, &x| acc << 8 | u64::from(x));
            assert_eq!(short_word(b), by_byte, "{n} bytes");
        }
        // Values that differ only in one byte, or only in length, key differently.
        let k = |v: &[&[u8]]| key_of(v.iter().copied());
        assert_ne!(k(&[b"AB12"]), k(&[b"AB13"]));
        assert_ne!(k(&[b"AB1"]), k(&[b"AB1\0"]));
        assert_ne!(k(&[b"A", b"B"]), k(&[b"AB", b""]));
    }

    #[test]
    fn overlapping_episodes_are_the_same_whether_clients_come_together_or_not() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2025, 1, d);
        let mut list = Vec::new();
        let mut line = 2;
        // Clients with their rows together (in file order, not key order); episodes repeated
        // on later rows, overlapping, touching, open, and without a start.
        // Episode id, start day, end day.
        type Episode = (u64, Option<u32>, Option<u32>);
        let episodes: [&[Episode]; 4] = [
            &[
                (1, Some(1), Some(10)),
                (2, Some(5), Some(20)),
                (1, Some(1), Some(10)),
            ],
            &[
                (3, Some(1), Some(5)),
                (4, Some(5), None),
                (5, Some(6), Some(7)),
                (4, Some(5), None),
            ],
            &[(6, None, None), (7, Some(2), Some(3))],
            &[
                (8, Some(9), None),
                (9, Some(3), Some(12)),
                (10, Some(1), Some(2)),
            ],
        ];
        for (c, eps) in episodes.iter().enumerate() {
            let client = (900 - c as u64, c as u64);
            for &(e, start, end) in *eps {
                list.push(EpisodeSeen {
                    client,
                    pair: (e, c as u64),
                    client_text: 0,
                    id_text: 0,
                    line,
                    row: line as usize - 2,
                    start: start.and_then(day),
                    end: end.and_then(day),
                });
                line += 1;
            }
        }
        let lines = |found: Vec<(EpisodeSeen, EpisodeSeen)>| {
            let mut l: Vec<(u64, u64)> = found.iter().map(|(a, b)| (a.line, b.line)).collect();
            l.sort_unstable();
            l
        };
        let grouped = lines(overlapping_episodes(list.clone(), true));
        // Episode 2 (line 3) starts inside episode 1 (line 2); episode 5 (line 7) inside the
        // open episode 4 (line 6; episode 3 ends the day 4 starts: no overlap); episode 8
        // (line 11) inside episode 9 (line 12).
        assert_eq!(grouped, vec![(3, 2), (7, 6), (11, 12)]);
        list.reverse();
        assert_eq!(lines(overlapping_episodes(list, false)), grouped);
    }

    #[test]
    fn key_table_keeps_the_first_number_of_every_key_through_growth_and_collisions() {
        let mut table = KeyTable::default();
        // Keys sharing their low bits land on one slot and probe past each other; others
        // spread out. Enough of both to grow the table several times.
        let key = |i: u64| {
            if i.is_multiple_of(3) {
                (i << 20, i)
            } else {
                (std::hash::Hasher::finish(&FxHasher(i)), i)
            }
        };
        for i in 0..20_000u64 {
            assert_eq!(table.get_or_insert(key(i), i as u32), i as u32);
        }
        for i in 0..20_000u64 {
            assert_eq!(table.get_or_insert(key(i), 99_999), i as u32, "key {i}");
        }
        // Same first half, different second: different keys.
        assert_eq!(table.get_or_insert((3 << 20, 7), 5), 5);
        assert_eq!(table.len, 20_001);
        assert!(table.slots.len() >= 2 * table.len);
    }
}
