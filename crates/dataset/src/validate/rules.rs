//! Record rules: the rules of `rules.csv` that read more than one field of a record (dates in
//! order, conditions, ages).

use super::*;

impl<'c> Validator<'c> {
    pub(super) fn date(&self, rec: &(impl Record + ?Sized), col: usize) -> Option<NaiveDate> {
        parse_date(rec.field(col))
    }

    pub(super) fn record_rules(
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
    pub(super) fn record_rule(
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
}

pub(super) fn render(template: &str, subs: &[(&str, &str)]) -> String {
    let mut s = template.to_owned();
    for (k, v) in subs {
        if s.contains(k) {
            s = s.replace(k, v);
        }
    }
    s
}
