//! Field checks: each value by type, code, range, length and pattern, and the requirements, passing
//! fast and explaining slowly.

use super::*;

/// What is wrong with a value, by one check of its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fault {
    NotDate,
    Future,
    NotNumber,
    OutOfRange,
    NotFlag,
    UnknownCode,
    CodeNotValid,
}

impl<'c> Validator<'c> {
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
    pub(super) fn check_value(
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
    pub(super) fn date_passes(&self, col: usize, v: &[u8], dates: &Dates) -> bool {
        let key = date_key(v);
        if let Some(slot) = self.date_slot[col] {
            dates[slot as usize].set(key.unwrap_or(0));
        }
        self.date_fault(key).is_none()
    }

    /// A whole number, within the field's range.
    #[inline]
    pub(super) fn integer_passes(&self, col: usize, v: &[u8]) -> bool {
        self.integer_fault(col, v).is_none()
    }

    /// A code of the field's list valid on `as_of`.
    #[inline]
    pub(super) fn code_passes(&self, col: usize, v: &[u8]) -> bool {
        self.code_fault(col, v).is_none()
    }

    /// Not longer than the field allows, and of its pattern if it has one.
    #[inline]
    pub(super) fn shape_passes(&self, col: usize, rec: &(impl Record + ?Sized), v: &[u8]) -> bool {
        let (too_long, off_pattern) = self.shape_faults(col, v, || rec.field(col));
        too_long.is_none() && !off_pattern
    }

    // Each check below is defined once: the fast pass/fail above and the explanation in
    // `value_findings` both read it, so what passes and what is explained cannot drift apart.

    /// What is wrong with a date (given as its key, `None` when it is not a real date).
    #[inline]
    pub(super) fn date_fault(&self, key: Option<u32>) -> Option<Fault> {
        match key {
            None => Some(Fault::NotDate),
            Some(d) if d > self.as_of_key => Some(Fault::Future),
            Some(_) => None,
        }
    }

    /// What is wrong with a whole number of column `col`.
    #[inline]
    pub(super) fn integer_fault(&self, col: usize, v: &[u8]) -> Option<Fault> {
        let Some(n) = parse_int(v) else {
            return Some(Fault::NotNumber);
        };
        let f = &self.cat.fields[col];
        let inside = f.min.is_none_or(|m| n >= m) && f.max.is_none_or(|m| n <= m);
        (self.plan[col].has_range && !inside).then_some(Fault::OutOfRange)
    }

    /// What is wrong with a code of column `col`: the packed set of codes valid on `as_of`
    /// answers nearly every value; only a value it does not hold is looked up in the list.
    #[inline]
    pub(super) fn code_fault(&self, col: usize, v: &[u8]) -> Option<Fault> {
        if self.valid_codes[col]
            .as_ref()
            .is_some_and(|set| set.contains(v))
        {
            return None;
        }
        self.code_fault_in_list(col, v)
    }

    #[cold]
    #[inline(never)]
    fn code_fault_in_list(&self, col: usize, v: &[u8]) -> Option<Fault> {
        let list = self.codelists[col]?;
        match std::str::from_utf8(v).ok().and_then(|v| list.get(v)) {
            Some(code) if code.valid_on(self.as_of) => None,
            Some(_) => Some(Fault::CodeNotValid),
            None => Some(Fault::UnknownCode),
        }
    }

    /// The length of a value longer than its field allows (in characters), and whether it is
    /// off the field's pattern. Bytes are at least characters: only a long byte string needs
    /// counting. `text` gives the value as text, asked for only when there is a pattern.
    #[inline]
    pub(super) fn shape_faults<'v>(
        &self,
        col: usize,
        v: &[u8],
        text: impl FnOnce() -> &'v str,
    ) -> (Option<usize>, bool) {
        let p = self.plan[col];
        let too_long = (v.len() > p.max_len as usize)
            .then(|| String::from_utf8_lossy(v).chars().count())
            .filter(|len| *len > p.max_len as usize);
        let off_pattern = p.has_pattern
            && self.cat.fields[col]
                .pattern
                .as_ref()
                .is_some_and(|pattern| !pattern.matches(text()));
        (too_long, off_pattern)
    }

    /// Why a value failed [`Validator::check_value`]: every finding on it.
    #[cold]
    #[inline(never)]
    pub(super) fn value_findings(
        &self,
        rec: &(impl Record + ?Sized),
        line: Option<u64>,
        col: usize,
        v: &str,
        out: &mut Vec<Finding>,
    ) {
        // "Not answered", where the field allows it, is a value: the fast checks fail it
        // (it is not a number or a code), so it is let through here, off the hot path.
        if self.cat.fields[col].not_answered.as_deref() == Some(v) {
            return;
        }
        let p = self.plan[col];
        let fail = |kind: RuleKind, detail: &str, other: &str, out: &mut Vec<Finding>| {
            for b in self.bound(kind).iter().filter(|b| b.covers(col)) {
                out.push(self.finding(self.rule(b), rec, line, Some(col), v, detail, other));
            }
        };
        let b = v.as_bytes();
        let fault = match p.kind {
            FieldType::Date => self.date_fault(date_key(b)),
            FieldType::Integer => self.integer_fault(col, b),
            FieldType::Flag => (!flag_passes(b)).then_some(Fault::NotFlag),
            FieldType::Code => self.code_fault(col, b),
            FieldType::Text => None,
        };
        match fault {
            None => {}
            Some(Fault::NotDate) => fail(
                RuleKind::Type,
                "not a real date in the form dd/mm/yyyy",
                "",
                out,
            ),
            Some(Fault::Future) => fail(RuleKind::NotFuture, "", "", out),
            Some(Fault::NotNumber) => fail(RuleKind::Type, "not a whole number", "", out),
            Some(Fault::OutOfRange) => {
                let f = &self.cat.fields[col];
                let detail = match (f.min, f.max) {
                    (Some(a), Some(b)) => format!("between {a} and {b}"),
                    (Some(a), None) => format!("at least {a}"),
                    (None, Some(b)) => format!("at most {b}"),
                    (None, None) => String::new(),
                };
                fail(RuleKind::Range, &detail, "", out);
            }
            Some(Fault::NotFlag) => fail(RuleKind::Type, "a flag is Y or N", "", out),
            Some(Fault::CodeNotValid) => {
                let name = self.codelists[col].map_or("", |l| l.name.as_str());
                let on = self.as_of.format("%d/%m/%Y");
                fail(
                    RuleKind::Code,
                    &format!("{name} (not valid on {on})"),
                    "",
                    out,
                );
            }
            Some(Fault::UnknownCode) => {
                let name = self.codelists[col].map_or("", |l| l.name.as_str());
                fail(RuleKind::Code, name, "", out);
            }
        }
        let (too_long, off_pattern) = self.shape_faults(col, b, || v);
        if let Some(len) = too_long {
            fail(
                RuleKind::Length,
                &len.to_string(),
                &p.max_len.to_string(),
                out,
            );
        }
        if off_pattern && let Some(pattern) = &self.cat.fields[col].pattern {
            fail(RuleKind::Pattern, &pattern.0, "", out);
        }
    }

    pub(super) fn other_dataset(
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
    pub(super) fn check_fields(
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
    pub(super) fn required(
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
}
