//! The compiled plan: the catalogue resolved once per validator (columns, code sets, runs, rules
//! bound to columns, bit masks).

use super::*;

/// Codes valid on a date. Codes of up to seven bytes, nearly all of them, are packed into a
/// `u64` with their length and kept sorted: a lookup compares integers (a short scan for the
/// usual list of a few dozen codes), never hashing or comparing strings.
#[derive(Debug, Default)]
pub(super) struct CodeSet<'c> {
    /// Codes of one ASCII character (flags, most small lists), one bit each.
    pub(super) single: u128,
    pub(super) short: Vec<u64>,
    pub(super) long: FxSet<&'c str>,
}

pub(super) fn pack(b: &[u8]) -> Option<u64> {
    (b.len() <= 7).then(|| {
        b.iter()
            .enumerate()
            .fold((b.len() as u64) << 56, |acc, (i, &x)| {
                acc | u64::from(x) << (8 * i)
            })
    })
}

impl<'c> CodeSet<'c> {
    pub(super) fn new(codes: impl Iterator<Item = &'c str>) -> Self {
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

    pub(super) fn contains(&self, v: &[u8]) -> bool {
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
pub(super) struct ColPlan {
    pub(super) req: crate::model::Requirement,
    pub(super) kind: FieldType,
    pub(super) no_consent: bool,
    pub(super) has_range: bool,
    pub(super) has_pattern: bool,
    pub(super) max_len: u32,
}

/// Neighbouring columns of one section: the unit in which a row's field checks are skipped when
/// its text is the same as the row before's (see [`FileCheck::row_of`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Run {
    pub(super) lo: usize,
    pub(super) hi: usize,
    /// The runs whose values its field checks read, as bits (itself included; besides the
    /// consent, read through conditions and child keys): when all of them are written as on
    /// the row before, so are its findings. None for a run past the 64th or reading one.
    pub(super) reads: Option<u64>,
}

/// A rule resolved against the catalogue: its columns found once, not per record.
#[derive(Debug)]
pub(super) struct Bound {
    pub(super) rule: usize,
    pub(super) cols: Vec<usize>,
    /// For field-level kinds: which columns the rule covers (None: all).
    pub(super) mask: Option<Vec<bool>>,
    pub(super) condition: Option<(usize, Condition)>,
    /// The runs of columns (as bits) holding every value the rule reads on a row, when all
    /// are among the first 64: a rule whose runs repeat the row before, which it passed, passes.
    pub(super) reads: Option<u64>,
    /// For an age-against-dataset rule, its parameters read once: the age from which a client
    /// is an adult, and whether this validator's dataset is wrong for an adult and for a young
    /// person.
    pub(super) age: Option<AgeSplit>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct AgeSplit {
    pub(super) adult_age: u32,
    pub(super) wrong_for_adult: bool,
    pub(super) wrong_for_young: bool,
}

impl Bound {
    pub(super) fn covers(&self, col: usize) -> bool {
        self.mask
            .as_ref()
            .is_none_or(|m| m.get(col).copied().unwrap_or(false))
    }
}

/// The columns' plans as bits, 64 columns a word, so that the field loop visits only the
/// columns with something to check: those holding a value, and the blank ones that ask for one.
#[derive(Debug)]
pub(super) struct ColumnBits {
    pub(super) words: Vec<ColumnWord>,
    /// For each column: the bit of its run, 0 past the 64th.
    pub(super) run_bit: Vec<u64>,
}

/// [`ColumnBits`] of 64 columns.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ColumnWord {
    /// Blank columns that ask for a value (required, required on a condition, or should).
    pub(super) asks: u64,
    /// Columns a no-consent record keeps.
    pub(super) no_consent: u64,
    /// For each of the first eight child keys (see `child_slot`): the columns of its section,
    /// whose requirements apply only to records carrying that child.
    pub(super) child: [u64; 8],
    /// Columns of the dataset, and of those the ones of each type with a check of its own.
    pub(super) in_dataset: u64,
    pub(super) date: u64,
    pub(super) integer: u64,
    pub(super) flag: u64,
    pub(super) code: u64,
    /// Columns with a length limit or a pattern.
    pub(super) shaped: u64,
}

impl ColumnBits {
    pub(super) fn new(plan: &[ColPlan], child_slot: &[Option<u8>], runs: &[Run]) -> Self {
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
pub(super) fn flag_passes(v: &[u8]) -> bool {
    v == b"Y" || v == b"N"
}

/// Of the columns `cols` (bits from column `lo`), those whose value does not pass.
#[inline(always)]
pub(super) fn failing(mut cols: u64, lo: usize, mut passes: impl FnMut(usize) -> bool) -> u64 {
    let mut failed = 0;
    while cols != 0 {
        let b = cols.trailing_zeros();
        cols &= cols - 1;
        failed |= u64::from(!passes(lo + b as usize)) << b;
    }
    failed
}

/// The columns `lo..hi` that fall in the word of columns from `base`, as its bits.
pub(super) fn word_bits(lo: usize, hi: usize, base: usize) -> u64 {
    let a = lo.clamp(base, base + 64) - base;
    let b = hi.clamp(base, base + 64) - base;
    match b - a.min(b) {
        0 => 0,
        64 => u64::MAX,
        n => ((1u64 << n) - 1) << a,
    }
}

/// How many dates a record's cache holds; further date columns are parsed as read.
pub(super) const DATE_SLOTS: usize = 64;

/// A record's dates as read (see [`date_key`]): `u32::MAX` not read yet, 0 not a date. The
/// field checks fill it and the record rules read it, so each date is parsed once a record.
pub(super) type Dates = [std::cell::Cell<u32>; DATE_SLOTS];

pub(super) fn no_dates() -> Dates {
    [const { std::cell::Cell::new(u32::MAX) }; DATE_SLOTS]
}

impl<'c> Validator<'c> {
    /// `as_of` is "today" for the no-future-dates rule and the date code validity is judged on.
    pub fn new(cat: &'c Catalogue, dataset: Dataset, as_of: NaiveDate) -> Self {
        let col = |h: &str| cat.column(h);
        let mut by_kind: Vec<Vec<Bound>> = Vec::new();
        for (i, rule) in cat.rules.iter().enumerate() {
            if !rule.applies_in(dataset) {
                continue;
            }
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
        let timing = by_kind
            .get(RuleKind::Overdue as usize)
            .map(|bs| {
                bs.iter()
                    .map(|b| Timing::new(cat, &cat.rules[b.rule], dataset))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            timing,
            due_on: as_of,
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

    /// The same validator without the rules of `kind`: for a screen that shows what they find
    /// another way (the caseload and client record show what is due from the schedules).
    pub fn leaving_out(mut self, kind: RuleKind) -> Self {
        if let Some(bound) = self.by_kind.get_mut(kind as usize) {
            bound.clear();
        }
        if kind == RuleKind::Overdue {
            self.timing.clear();
        }
        self
    }

    /// Judges what is overdue (the overdue rules) on `day` rather than on the check's date: a
    /// month's file is judged as of the month's end, though checked days later.
    pub fn due_on(mut self, day: NaiveDate) -> Self {
        self.due_on = day;
        self
    }

    pub fn catalogue(&self) -> &Catalogue {
        self.cat
    }

    pub fn dataset(&self) -> Dataset {
        self.dataset
    }

    pub(super) fn bound(&self, kind: RuleKind) -> &[Bound] {
        self.by_kind.get(kind as usize).map_or(&[], Vec::as_slice)
    }

    pub(super) fn rule(&self, b: &Bound) -> &Rule {
        &self.cat.rules[b.rule]
    }

    /// Whether a record is a no-consent record (sent as AGENCY, CONSENT and CLIENTID only).
    pub fn is_no_consent(&self, rec: &(impl Record + ?Sized)) -> bool {
        self.consent
            .as_ref()
            .is_some_and(|(c, v)| rec.field(*c) == v)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn finding(
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

    pub(super) fn child_absent(&self, rec: &(impl Record + ?Sized), col: usize) -> bool {
        self.child_key_of[col].is_some_and(|c| rec.is_blank(c))
    }

    pub(super) fn child_of_section(&self, section: Section) -> Option<usize> {
        self.child_cols
            .iter()
            .copied()
            .find(|&c| self.cat.fields[c].section == section)
    }
}
