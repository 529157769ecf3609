//! A row's own checks (fields and record rules) with the shortcut for runs of columns written as on
//! the row before.

use super::*;

/// What the row before tells about this one: which runs of columns are written as on it, and
/// which rules found something on it. A rule is left out when every run it reads is the same
/// and it found nothing on the row before: its findings are a function of what it reads.
pub(super) struct Repeat<'a> {
    pub(super) same: u64,
    pub(super) found_before: &'a [bool],
    pub(super) found_now: &'a mut [bool],
}

impl Repeat<'_> {
    pub(super) fn skips(&self, b: &Bound) -> bool {
        !self.found_before.get(b.rule).copied().unwrap_or(true)
            && b.reads.is_some_and(|r| r & !self.same == 0)
    }

    pub(super) fn found(&mut self, b: &Bound) {
        if let Some(f) = self.found_now.get_mut(b.rule) {
            *f = true;
        }
    }
}

/// The row before, as written, for leaving out field checks of runs of columns that repeat it.
#[derive(Debug, Default)]
pub(super) struct RowBefore {
    pub(super) valid: bool,
    pub(super) text: String,
    /// Where each run of columns lies in `text`.
    pub(super) bounds: Vec<(usize, usize)>,
    /// The same for the current row, found by [`FileCheck::unchanged_runs`].
    pub(super) now: Vec<(usize, usize)>,
    pub(super) no_consent: bool,
    /// A bit for each run that gave a finding.
    pub(super) dirty: u64,
    /// For each rule (by its place in the catalogue), whether it found something on the row;
    /// and the same for the current row.
    pub(super) found: Vec<bool>,
    pub(super) found_now: Vec<bool>,
}

impl RowBefore {
    pub(super) fn remember(&mut self, row: Option<&Row<'_>>, no_consent: bool, dirty: u64) {
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
pub(super) struct OwnChecks<'c> {
    pub(super) v: &'c Validator<'c>,
    /// For each catalogue column, its place in the file's header.
    pub(super) map: Vec<Option<usize>>,
    pub(super) width: usize,
    /// The file's columns are exactly the catalogue's, in order.
    pub(super) in_order: bool,
    /// The current row's values (reused from row to row).
    pub(super) values: Values,
    pub(super) before: RowBefore,
}

impl<'c> OwnChecks<'c> {
    /// The same checks with nothing kept of any row.
    pub(super) fn fresh(&self) -> Self {
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
    pub(super) fn plain(&self, row: &Row<'_>) -> bool {
        self.in_order && row.len() == self.map.len()
    }

    /// The row when its text can be compared run by run as written (see [`Row::separated`]).
    pub(super) fn raw<'r, 'a>(&self, row: &'r Row<'a>) -> Option<&'r Row<'a>> {
        (self.plain(row) && row.separated).then_some(row)
    }

    /// Finds each catalogue column's value in the row, trimmed, and which are filled, into
    /// `values`.
    pub(super) fn read_values(&mut self, row: &Row<'_>) {
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
    pub(super) fn check(&mut self, row: &Row<'_>, out: &mut Vec<Finding>) -> Option<u64> {
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
    pub(super) fn check_keyed(
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
    pub(super) fn check_batch(&mut self, batch: &Batch) -> Checked {
        self.before.valid = false;
        let mut checked = Checked::default();
        for k in 0..batch.rows.len() {
            self.check_into(&batch.row(k), &mut checked);
        }
        checked
    }

    /// One row of a batch into what the batch's checks found.
    pub(super) fn check_into(&mut self, row: &Row<'_>, checked: &mut Checked) {
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
    pub(super) fn unchanged_runs(&mut self, row: Option<&Row<'_>>, no_consent: bool) -> (u64, u64) {
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
