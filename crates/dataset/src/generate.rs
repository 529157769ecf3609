//! Synthetic data: realistic, reproducible CDS-R rows for tests and benchmarks, with optional injected errors.
//!
//! The generator reads the catalogue and rules like the validator does: values come from each
//! field's type, code list, range and pattern; dates follow the date-order rules; ages follow
//! the age rule; conditional fields follow their conditions. It knows no header by name.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use rand::seq::IndexedRandom as _;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use ts_rs::TS;

use crate::catalogue::Catalogue;
use crate::model::{Dataset, FieldType, KeyRole, Requirement, RuleKind, Section};
use crate::period::ReportingPeriod;
use crate::values::{format_date, parse_date};

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub dataset: Dataset,
    pub clients: usize,
    pub seed: u64,
    /// Share of rows (0 to 1) given one injected error each.
    pub error_rate: f64,
    pub period: ReportingPeriod,
}

/// An error put into the data on purpose, and the rule ids that must find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Injected {
    pub line: u64,
    pub kind: String,
    pub rules: Vec<String>,
    pub field: String,
}

#[derive(Debug, Clone)]
pub struct Generated {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub injected: Vec<Injected>,
}

impl Generated {
    /// The first line of a row in the CSV (the header is line 1).
    pub fn line_of(row: usize) -> u64 {
        row as u64 + 2
    }

    pub fn write_csv(&self, out: impl std::io::Write) -> Result<(), csv::Error> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        w.write_record(&self.headers)?;
        for r in &self.rows {
            w.write_record(r)?;
        }
        w.flush()?;
        Ok(())
    }
}

/// What the generator derives once from the catalogue.
struct Plan<'c> {
    cat: &'c Catalogue,
    ds: Dataset,
    /// Date fields of the dataset in an order where every date-order predecessor comes first.
    date_order: Vec<usize>,
    preds: HashMap<usize, Vec<usize>>,
    succs: HashMap<usize, Vec<usize>>,
    age: Option<(usize, usize, u32, bool)>,
    consent: Option<(usize, String)>,
    child_sections: Vec<Section>,
}

impl<'c> Plan<'c> {
    fn new(cat: &'c Catalogue, ds: Dataset) -> Self {
        let in_ds = |c: usize| cat.fields[c].requirement(ds).in_dataset();
        let mut preds: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut succs: HashMap<usize, Vec<usize>> = HashMap::new();
        for r in cat.rules_of(RuleKind::DateOrder) {
            if let (Some(a), Some(b)) = (
                r.fields.first().and_then(|f| cat.column(f)),
                r.fields.get(1).and_then(|f| cat.column(f)),
            ) && in_ds(a)
                && in_ds(b)
            {
                preds.entry(b).or_default().push(a);
                succs.entry(a).or_default().push(b);
            }
        }
        let dates: Vec<usize> = (0..cat.fields.len())
            .filter(|&c| in_ds(c) && cat.fields[c].kind == FieldType::Date)
            .collect();
        let mut order = Vec::new();
        let mut placed = vec![false; cat.fields.len()];
        while order.len() < dates.len() {
            let before = order.len();
            for &c in &dates {
                if !placed[c] && preds.get(&c).is_none_or(|p| p.iter().all(|&a| placed[a])) {
                    placed[c] = true;
                    order.push(c);
                }
            }
            if order.len() == before {
                // A cycle in the date-order rules: place the rest as they come.
                order.extend(dates.iter().copied().filter(|&c| !placed[c]));
                break;
            }
        }
        let age = cat.rules_of(RuleKind::AgeDataset).next().and_then(|r| {
            let dob = cat.column(r.fields.first()?)?;
            let at = cat.column(r.fields.get(1)?)?;
            let adult_age = r
                .param("adult_age")
                .and_then(|a| a.parse().ok())
                .unwrap_or(18);
            Some((
                dob,
                at,
                adult_age,
                r.param_list("adult").contains(&ds.code()),
            ))
        });
        let consent = cat.consent_codes().map(|c| (c.column, c.refused));
        let mut child_sections: Vec<Section> = cat
            .fields
            .iter()
            .filter(|f| f.key == Some(KeyRole::Child) && f.requirement(ds).in_dataset())
            .map(|f| f.section)
            .collect();
        child_sections.dedup();
        Self {
            cat,
            ds,
            date_order: order,
            preds,
            succs,
            age,
            consent,
            child_sections,
        }
    }

    fn in_ds(&self, c: usize) -> bool {
        self.cat.fields[c].requirement(self.ds).in_dataset()
    }
}

fn random_from_mask(rng: &mut ChaCha8Rng, pattern: &str) -> String {
    let masks: Vec<&str> = pattern.split('|').collect();
    let mask = masks.choose(rng).copied().unwrap_or("");
    mask.chars()
        .map(|m| match m {
            'A' => char::from(b'A' + rng.random_range(0..26u8)),
            '9' => char::from(b'0' + rng.random_range(0..10u8)),
            'X' => char::from(b'A' + rng.random_range(0..26u8)),
            other => other,
        })
        .collect()
}

struct Gen<'p, 'c> {
    p: &'p Plan<'c>,
    rng: ChaCha8Rng,
    as_of: NaiveDate,
}

impl Gen<'_, '_> {
    fn value(&mut self, c: usize) -> String {
        let f = &self.p.cat.fields[c];
        // Now and then a question is not answered, where the field allows it.
        if let Some(na) = &f.not_answered
            && self.rng.random_bool(0.05)
        {
            return na.clone();
        }
        match f.kind {
            FieldType::Code => {
                let list = f
                    .codelist
                    .as_ref()
                    .and_then(|n| self.p.cat.codelists.get(n));
                let codes: Vec<&str> = list
                    .map(|l| {
                        l.codes
                            .iter()
                            .filter(|k| k.valid_on(self.as_of))
                            .map(|k| k.code.as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                codes
                    .choose(&mut self.rng)
                    .map_or_else(String::new, |c| (*c).to_owned())
            }
            FieldType::Integer => {
                let lo = f.min.unwrap_or(0);
                let hi = f.max.unwrap_or(lo + 10).max(lo);
                self.rng.random_range(lo..=hi).to_string()
            }
            FieldType::Flag => if self.rng.random_bool(0.5) { "Y" } else { "N" }.to_owned(),
            FieldType::Text => match &f.pattern {
                Some(p) => random_from_mask(&mut self.rng, &p.0),
                None => {
                    let len = f.max_length.unwrap_or(8).min(8) as usize;
                    (0..len)
                        .map(|_| char::from(b'A' + self.rng.random_range(0..26u8)))
                        .collect()
                }
            },
            FieldType::Date => String::new(),
        }
    }

    /// The dates column `c` may take on `row` by the date-order rules: on or after the latest of
    /// the dates set that must come before it (if any), on or before the earliest that must
    /// come after it and the generator's date.
    fn room(&self, c: usize, row: &[String]) -> (Option<NaiveDate>, NaiveDate) {
        let set = |cols: &HashMap<usize, Vec<usize>>| -> Vec<NaiveDate> {
            cols.get(&c)
                .into_iter()
                .flatten()
                .filter_map(|&x| parse_date(&row[x]))
                .collect()
        };
        let lo = set(&self.p.preds).into_iter().max();
        let hi = set(&self.p.succs)
            .into_iter()
            .min()
            .unwrap_or(self.as_of)
            .min(self.as_of);
        (lo, hi)
    }

    /// Fills the non-date, non-key fields of `sections`: pass 0 the unconditional ones, pass 1
    /// those whose condition reads fields (dates included) that earlier passes set.
    fn fill(&mut self, row: &mut [String], sections: &[Section], passes: std::ops::Range<u8>) {
        let cat = self.p.cat;
        for pass in passes {
            for (c, f) in cat.fields.iter().enumerate() {
                if !sections.contains(&f.section) || f.kind == FieldType::Date || f.key.is_some() {
                    continue;
                }
                if self.p.consent.as_ref().is_some_and(|(cc, _)| *cc == c) {
                    continue;
                }
                let wanted = match (f.requirement(self.p.ds), pass) {
                    (Requirement::Must | Requirement::Should, 0) => true,
                    (Requirement::Optional, 0) => self.rng.random_bool(0.6),
                    (Requirement::When, 1) => {
                        let cond = f.condition.as_ref();
                        cond.is_some_and(|k| {
                            cat.column(&k.field).is_some_and(|cc| k.holds(&row[cc]))
                        })
                    }
                    _ => continue,
                };
                if wanted {
                    row[c] = self.value(c);
                }
            }
        }
    }

    /// Sets the dates of the given sections, respecting every date-order rule.
    fn dates(&mut self, row: &mut [String], sections: &[Section], base: NaiveDate) {
        let cat = self.p.cat;
        for &c in &self.p.date_order {
            let f = &cat.fields[c];
            if !sections.contains(&f.section) || !row[c].is_empty() {
                continue;
            }
            let wanted = match f.requirement(self.p.ds) {
                Requirement::Must | Requirement::Should => true,
                Requirement::Optional => self.rng.random_bool(0.6),
                Requirement::When => f
                    .condition
                    .as_ref()
                    .is_some_and(|k| cat.column(&k.field).is_some_and(|cc| k.holds(&row[cc]))),
                Requirement::Absent => false,
            };
            if !wanted {
                continue;
            }
            // Nothing of an episode happens before its base date (the referral).
            let floor = (f.section != Section::Client).then_some(base);
            let (lo, hi) = self.room(c, row);
            let lo = lo.into_iter().chain(floor).max();
            let ends_something = f.requirement(self.p.ds) == Requirement::Optional;
            // An optional date with no room between what must come before and after it (an
            // intervention starting after a discharge close to the month's end) is left out.
            if ends_something && lo.is_some_and(|lo| lo > hi) {
                continue;
            }
            let has_preds = self.p.preds.get(&c).is_some_and(|p| !p.is_empty());
            let date = match lo.filter(|_| has_preds || f.section != Section::Client) {
                Some(lo) => {
                    let room = (hi - lo).num_days().max(0);
                    let step = if ends_something {
                        self.rng.random_range(30..=180)
                    } else {
                        self.rng.random_range(0..=14)
                    };
                    lo + Duration::days(step.min(room))
                }
                None => base.min(hi),
            };
            row[c] = format_date(date);
        }
    }

    /// Adds the outcome records an episode (`rows[from..]`) should have by now and lacks, by
    /// `schedules`, each dated when it fell due (kept inside its row's date-order rules), on a
    /// row of the episode without one or on a copy of its last row.
    fn on_time(
        &mut self,
        schedules: &[crate::due::Schedule],
        rows: &mut Vec<Vec<String>>,
        from: usize,
        base: NaiveDate,
        tag: &str,
    ) {
        let cat = self.p.cat;
        for added in 0..24 {
            let due = {
                let ep = &rows[from..];
                let date = |r: usize, c: usize| parse_date(&ep[r][c]);
                crate::due::due_on_rows(cat, schedules, self.p.ds, ep.len(), &date, self.as_of)
            };
            let Some(item) = due.into_iter().find(|d| d.overdue) else {
                return;
            };
            let within = schedules
                .iter()
                .find(|s| s.id == item.schedule)
                .map_or(0, |s| s.within);
            let Some(by) = parse_date(&item.by) else {
                return;
            };
            let (Some(key), Some(dc)) = (
                cat.fields
                    .iter()
                    .position(|f| f.section == item.section && f.key == Some(KeyRole::Child)),
                crate::due::date_field(cat, item.section).and_then(|h| cat.column(h)),
            ) else {
                return;
            };
            let r = match (from..rows.len()).find(|&r| rows[r][key].is_empty()) {
                Some(r) => r,
                None => {
                    let mut copy = rows[rows.len() - 1].clone();
                    clear_section(cat, &mut copy, item.section);
                    rows.push(copy);
                    rows.len() - 1
                }
            };
            let (lo, hi) = self.room(dc, &rows[r]);
            let row = &mut rows[r];
            let mut when = (by - Duration::days(i64::from(within))).min(hi);
            if let Some(lo) = lo {
                when = when.max(lo);
            }
            if when > hi {
                return; // no date keeps both the schedule and the row's order
            }
            row[key] = format!(
                "{}{tag}-d{added}",
                &cat.fields[key].header[..1.min(cat.fields[key].header.len())]
            );
            row[dc] = format_date(when);
            self.fill(row, &[item.section], 0..1);
            self.dates(row, &[item.section], base);
            self.fill(row, &[item.section], 1..2);
            tidy(cat, row);
        }
    }
}

/// Generates clients with episodes and child records, then injects errors if asked.
pub fn generate(cat: &Catalogue, opts: &GenerateOptions) -> Generated {
    let plan = Plan::new(cat, opts.dataset);
    let as_of = opts.period.end;
    let mut g = Gen {
        p: &plan,
        rng: ChaCha8Rng::seed_from_u64(opts.seed),
        as_of,
    };
    let width = cat.fields.len();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut first_rows: Vec<(usize, usize)> = Vec::new();
    // Fields kept on no-consent rows that are not keys: constant for the file (the agency).
    let mut constants = vec![String::new(); width];
    for (c, f) in cat.fields.iter().enumerate() {
        if f.no_consent
            && f.key.is_none_or(|k| k == KeyRole::Agency)
            && plan.consent.as_ref().is_none_or(|(cc, _)| *cc != c)
            && plan.in_ds(c)
        {
            constants[c] = g.value(c);
        }
    }
    let consent_yes = cat.consent_codes().and_then(|c| c.given);
    let key = |role: KeyRole| cat.key_column(role);
    let span = (as_of - opts.period.start).num_days().max(120);
    // Sections every consenting client must have a record of (client-has rules), and the
    // schedules the overdue rules keep: each client's first row carries the one, each
    // episode gets the records the other asks for.
    let every_client: Vec<Section> = cat
        .rules_of(RuleKind::ClientHas)
        .filter(|r| r.applies_in(opts.dataset))
        .filter_map(|r| cat.field(r.fields.get(1)?).map(|f| f.section))
        .collect();
    let schedules = crate::due::kept_schedules(cat, opts.dataset);
    for n in 0..opts.clients {
        let start_row = rows.len();
        let mut client = constants.clone();
        if let Some(c) = key(KeyRole::Client) {
            client[c] = format!("C{n:06}");
        }
        if let (Some((cc, no)), true) = (&plan.consent, g.rng.random_bool(0.04)) {
            client[*cc] = no.clone();
            rows.push(client);
            first_rows.push((start_row, 1));
            continue;
        }
        if let (Some((cc, _)), Some(yes)) = (&plan.consent, &consent_yes) {
            client[*cc] = yes.clone();
        }
        for (c, v) in cat.filled_by_program() {
            client[c] = v.to_owned();
        }
        g.fill(&mut client, &[Section::Client], 0..2);
        let mut base = opts.period.start + Duration::days(g.rng.random_range(0..span - 90));
        if let Some((dob, _, adult_age, adult)) = plan.age {
            let years = if adult {
                g.rng.random_range(adult_age + 2..=65)
            } else {
                g.rng.random_range(11..adult_age - 1)
            };
            let born = base - Duration::days(i64::from(years) * 366 + g.rng.random_range(0..300));
            client[dob] = format_date(born);
        }
        let episodes = if g.rng.random_bool(0.3) { 2 } else { 1 };
        for e in 0..episodes {
            let episode_start = rows.len();
            let mut episode = client.clone();
            if let Some(c) = key(KeyRole::Episode) {
                episode[c] = format!("E{n:06}-{e}");
            }
            g.fill(&mut episode, &[Section::Episode], 0..1);
            g.dates(&mut episode, &[Section::Client, Section::Episode], base);
            g.fill(&mut episode, &[Section::Episode], 1..2);
            let children = g.rng.random_range(1..=3);
            for k in 0..children {
                let mut row = episode.clone();
                let mut present: Vec<Section> = Vec::new();
                for (i, &s) in plan.child_sections.iter().enumerate() {
                    // The first child section (interventions) is on every row: the others hang off it.
                    let must = e == 0 && k == 0 && every_client.contains(&s);
                    if i == 0 || must || g.rng.random_bool(0.35) {
                        present.push(s);
                    }
                }
                for &s in &present {
                    if let Some(c) = cat
                        .fields
                        .iter()
                        .position(|f| f.section == s && f.key == Some(KeyRole::Child))
                    {
                        row[c] = format!("{}{n:06}-{e}-{k}", &cat.fields[c].header[..1]);
                    }
                }
                g.fill(&mut row, &present, 0..1);
                g.dates(&mut row, &present, base);
                g.fill(&mut row, &present, 1..2);
                tidy(cat, &mut row);
                rows.push(row);
            }
            g.on_time(
                &schedules,
                &mut rows,
                episode_start,
                base,
                &format!("{n:06}-{e}"),
            );
            // The next episode starts well after this one ends, so episodes never overlap.
            let end = plan
                .date_order
                .iter()
                .filter(|&&c| cat.fields[c].section == Section::Episode)
                .filter_map(|&c| parse_date(&episode[c]))
                .max();
            let discharged = cat
                .rules_of(RuleKind::PresentIff)
                .next()
                .and_then(|r| cat.column(r.fields.first()?));
            let open = discharged.is_some_and(|c| episode[c].is_empty());
            match end {
                Some(end) if !open && end + Duration::days(60) < as_of - Duration::days(30) => {
                    base = end + Duration::days(g.rng.random_range(30..=60));
                }
                _ => break,
            }
        }
        first_rows.push((start_row, rows.len() - start_row));
    }
    let headers = cat.fields.iter().map(|f| f.header.clone()).collect();
    let mut out = Generated {
        headers,
        rows,
        injected: Vec::new(),
    };
    if opts.error_rate > 0.0 {
        inject(
            cat,
            &plan,
            &mut g.rng,
            opts.error_rate,
            as_of,
            &first_rows,
            &mut out,
        );
    }
    out
}

/// Takes a section's record (every field of it) off a row.
fn clear_section(cat: &Catalogue, row: &mut [String], section: Section) {
    for (c, f) in cat.fields.iter().enumerate() {
        if f.section == section {
            row[c].clear();
        }
    }
}

/// Applies the rules that blank a field (only-when, blank-when, present-iff) to a generated row.
fn tidy(cat: &Catalogue, row: &mut [String]) {
    for r in cat.rules.iter() {
        let col = |i: usize| r.fields.get(i).and_then(|f| cat.column(f));
        match r.kind {
            RuleKind::OnlyWhen | RuleKind::BlankWhen => {
                let Some(c) = col(0) else { continue };
                let Some(cond) = r.param("when").and_then(crate::model::Condition::parse) else {
                    continue;
                };
                let Some(cc) = cat.column(&cond.field) else {
                    continue;
                };
                if cond.holds(&row[cc]) == (r.kind == RuleKind::BlankWhen) {
                    row[c].clear();
                }
            }
            RuleKind::PresentIff => {
                if let (Some(a), Some(b)) = (col(0), col(1))
                    && row[a].is_empty() != row[b].is_empty()
                {
                    row[a].clear();
                    row[b].clear();
                }
            }
            RuleKind::Differs => {
                if let (Some(a), Some(b)) = (col(0), col(1))
                    && !row[a].is_empty()
                    && row[a] == row[b]
                {
                    // Pick the first other code of the list for the second field.
                    let other = cat.fields[b]
                        .codelist
                        .as_ref()
                        .and_then(|n| cat.codelists.get(n))
                        .and_then(|l| {
                            l.codes
                                .iter()
                                .map(|k| k.code.clone())
                                .find(|k| *k != row[a] && !row.contains(k))
                        });
                    row[b] = other.unwrap_or_default();
                }
            }
            _ => {}
        }
    }
}

fn ids(cat: &Catalogue, kind: RuleKind) -> Vec<String> {
    cat.rules_of(kind).map(|r| r.id.clone()).collect()
}

#[allow(clippy::too_many_arguments)]
fn inject(
    cat: &Catalogue,
    plan: &Plan<'_>,
    rng: &mut ChaCha8Rng,
    rate: f64,
    as_of: NaiveDate,
    clients: &[(usize, usize)],
    out: &mut Generated,
) {
    let n = out.rows.len();
    let targets: Vec<usize> = (0..n)
        .filter(|_| rng.random_bool(rate.clamp(0.0, 1.0)))
        .collect();
    let no_consent = |row: &[String]| plan.consent.as_ref().is_some_and(|(c, v)| row[*c] == *v);
    let cols_where = |row: &[String], pred: &dyn Fn(usize) -> bool| -> Vec<usize> {
        (0..cat.fields.len())
            .filter(|&c| plan.in_ds(c) && pred(c) && !row[c].is_empty())
            .collect()
    };
    let client_of: BTreeMap<usize, (usize, usize)> = clients
        .iter()
        .flat_map(|&(s, len)| (s..s + len).map(move |r| (r, (s, len))))
        .collect();
    let mut duplicates = Vec::new();
    for r in targets {
        let row = out.rows[r].clone();
        let line = Generated::line_of(r);
        let record = |kind: RuleKind, field: usize, out: &mut Generated| {
            out.injected.push(Injected {
                line,
                kind: format!("{kind:?}"),
                rules: ids(cat, kind),
                field: cat.fields[field].header.clone(),
            });
        };
        if no_consent(&row) {
            if let Some(c) = (0..cat.fields.len()).find(|&c| {
                plan.in_ds(c) && !cat.fields[c].no_consent && cat.fields[c].kind == FieldType::Code
            }) {
                let mut g = Gen {
                    p: plan,
                    rng: rng.clone(),
                    as_of,
                };
                out.rows[r][c] = g.value(c);
                *rng = g.rng;
                record(RuleKind::NoConsent, c, out);
            }
            continue;
        }
        let choice = rng.random_range(0..10);
        match choice {
            // A client without the record every client must have: only from a client's
            // first row, so no error put into its later rows is wiped out.
            9 => {
                let (start, len) = client_of.get(&r).copied().unwrap_or((r, 1));
                let rule = cat
                    .rules_of(RuleKind::ClientHas)
                    .find(|x| x.applies_in(plan.ds))
                    .and_then(|x| cat.field(x.fields.get(1)?));
                if let Some(f) = rule
                    && start == r
                {
                    for row in &mut out.rows[start..start + len] {
                        clear_section(cat, row, f.section);
                    }
                    out.injected.push(Injected {
                        line,
                        kind: format!("{:?}", RuleKind::ClientHas),
                        rules: ids(cat, RuleKind::ClientHas),
                        field: f.header.clone(),
                    });
                }
            }
            0 => {
                let cs = cols_where(&row, &|c| cat.fields[c].kind == FieldType::Code);
                if let Some(&c) = cs.choose(rng) {
                    out.rows[r][c] = "QQ7".into();
                    record(RuleKind::Code, c, out);
                }
            }
            1 => {
                let cs = cols_where(&row, &|c| cat.fields[c].kind == FieldType::Date);
                if let Some(&c) = cs.choose(rng) {
                    out.rows[r][c] = "31/02/2024".into();
                    record(RuleKind::Type, c, out);
                }
            }
            2 => {
                let cs = cols_where(&row, &|c| {
                    cat.fields[c].kind == FieldType::Integer && cat.fields[c].max.is_some()
                });
                if let Some(&c) = cs.choose(rng) {
                    out.rows[r][c] = (cat.fields[c].max.unwrap_or(0) + 1).to_string();
                    record(RuleKind::Range, c, out);
                }
            }
            3 => {
                let cs = cols_where(&row, &|c| {
                    let f = &cat.fields[c];
                    f.requirement(plan.ds) == Requirement::Must && f.key.is_none() && !f.no_consent
                });
                if let Some(&c) = cs.choose(rng) {
                    out.rows[r][c].clear();
                    record(RuleKind::Required, c, out);
                }
            }
            4 => {
                let pairs: Vec<(usize, usize)> = cat
                    .rules_of(RuleKind::DateOrder)
                    .filter_map(|x| {
                        Some((
                            cat.column(x.fields.first()?)?,
                            cat.column(x.fields.get(1)?)?,
                        ))
                    })
                    .filter(|&(a, b)| {
                        !row[a].is_empty()
                            && !row[b].is_empty()
                            && cat.fields[a].section == cat.fields[b].section
                    })
                    .collect();
                if let Some(&(a, b)) = pairs.choose(rng)
                    && let Some(da) = parse_date(&row[a])
                {
                    out.rows[r][b] = format_date(da - Duration::days(1));
                    record(RuleKind::DateOrder, b, out);
                }
            }
            5 => {
                let cs = cols_where(&row, &|c| {
                    cat.fields[c].kind == FieldType::Date
                        && cat.fields[c].section != Section::Client
                });
                if let Some(&c) = cs.choose(rng) {
                    out.rows[r][c] = format_date(as_of + Duration::days(10));
                    record(RuleKind::NotFuture, c, out);
                }
            }
            6 => duplicates.push(r),
            7 => {
                let (start, len) = client_of.get(&r).copied().unwrap_or((r, 1));
                let attr = cat
                    .rules_of(RuleKind::Attributors)
                    .next()
                    .and_then(|x| cat.column(x.fields.first()?));
                if len > 1
                    && r > start
                    && let Some(c) = attr
                    && !row[c].is_empty()
                {
                    let new = if row[c] == "Q" { "W" } else { "Q" };
                    out.rows[r][c] = new.into();
                    record(RuleKind::Attributors, c, out);
                }
            }
            _ => {
                let pair = cat.rules_of(RuleKind::PresentIff).next().and_then(|x| {
                    Some((
                        cat.column(x.fields.first()?)?,
                        cat.column(x.fields.get(1)?)?,
                    ))
                });
                if let Some((a, b)) = pair
                    && !row[a].is_empty()
                    && !row[b].is_empty()
                {
                    out.rows[r][b].clear();
                    record(RuleKind::PresentIff, b, out);
                }
            }
        }
    }
    // Duplicates go at the end so earlier line numbers stay true.
    for r in duplicates {
        let row = out.rows[r].clone();
        let key = cat.key_column(KeyRole::Client).unwrap_or(0);
        out.rows.push(row);
        out.injected.push(Injected {
            line: Generated::line_of(out.rows.len() - 1),
            kind: format!("{:?}", RuleKind::DuplicateKey),
            rules: ids(cat, RuleKind::DuplicateKey),
            field: cat.fields[key].header.clone(),
        });
    }
}
