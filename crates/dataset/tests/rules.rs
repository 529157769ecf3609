//! Every rule in the shipped `rules.csv` has a record that passes it and one that fails with its id.
//!
//! Cases are built from the rule's kind and fields, so a rule added to the reference data is
//! tested as soon as it is added; a rule of a kind this file cannot build a case for fails.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use ndtms_dataset::model::{FieldType, KeyRole, Rule, RuleKind};
use ndtms_dataset::values::{format_date, parse_date};
use ndtms_dataset::{
    Catalogue, Dataset, FileReport, GenerateOptions, ReferenceData, ReportingPeriod, Validator,
    generate,
};

struct Fixture<'c> {
    cat: &'c Catalogue,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    previous: HashMap<String, Vec<String>>,
}

impl Fixture<'_> {
    fn col(&self, h: &str) -> usize {
        self.headers
            .iter()
            .position(|x| x == h)
            .unwrap_or_else(|| panic!("no header {h}"))
    }
    fn get(&self, row: usize, h: &str) -> String {
        self.rows[row][self.col(h)].clone()
    }
    fn set(&mut self, row: usize, h: &str, v: &str) {
        let c = self.col(h);
        self.rows[row][c] = v.to_owned();
    }
    /// Sets a field on every row (for client- and episode-level values).
    fn set_all(&mut self, h: &str, v: &str) {
        for r in 0..self.rows.len() {
            self.set(r, h, v);
        }
    }
    fn first_of_type(
        &self,
        ds: Dataset,
        kind: FieldType,
        extra: impl Fn(&ndtms_dataset::model::Field) -> bool,
    ) -> String {
        self.cat
            .fields
            .iter()
            .find(|f| {
                f.kind == kind
                    && f.requirement(ds).in_dataset()
                    && f.key.is_none()
                    && !f.no_consent
                    && extra(f)
            })
            .map(|f| f.header.clone())
            .expect("a field of that type")
    }
}

const AS_OF: (i32, u32) = (2025, 10);

fn period() -> ReportingPeriod {
    ReportingPeriod::for_data_month(AS_OF.0, AS_OF.1).expect("valid month")
}

/// Two rows of one client and one episode, clean for `ds`, every child section present.
fn base(cat: &Catalogue, ds: Dataset) -> Fixture<'_> {
    let g = generate(
        cat,
        &GenerateOptions {
            dataset: ds,
            clients: 60,
            seed: 3,
            error_rate: 0.0,
            period: period(),
        },
    );
    let ccol = cat.key_column(KeyRole::Client).expect("client key");
    let ecol = cat.key_column(KeyRole::Episode).expect("episode key");
    let start = (0..g.rows.len() - 1)
        .find(|&i| {
            g.rows[i][ecol] == g.rows[i + 1][ecol]
                && !g.rows[i][ccol].is_empty()
                && (i + 2 >= g.rows.len() || g.rows[i + 2][ccol] != g.rows[i][ccol])
                && (i == 0 || g.rows[i - 1][ccol] != g.rows[i][ccol])
        })
        .expect("a client with one episode of two rows");
    let rows = g.rows[start..start + 2].to_vec();
    let mut f = Fixture {
        cat,
        headers: g.headers.clone(),
        rows,
        previous: HashMap::new(),
    };
    // Make sure each child section is present on row 0, filled the way the generator fills it.
    for (c, field) in cat.fields.iter().enumerate() {
        if field.key == Some(KeyRole::Child)
            && field.requirement(ds).in_dataset()
            && f.rows[0][c].is_empty()
            && let Some(donor) = g
                .rows
                .iter()
                .find(|r| !r[c].is_empty() && r[ecol] != f.rows[0][ecol])
        {
            for (k, other) in cat.fields.iter().enumerate() {
                if other.section == field.section {
                    f.rows[0][k] = donor[k].clone();
                }
            }
            // Keep the donor's child dates inside this episode and its intervention: on or
            // after the intervention start, on or before its end and the discharge.
            let on = |h: &str| parse_date(&f.get(0, h));
            let (start, end) = (
                on("MODST"),
                [on("MODEND"), on("DISD")].into_iter().flatten().min(),
            );
            for (k, other) in cat.fields.iter().enumerate() {
                if other.section == field.section
                    && other.kind == FieldType::Date
                    && let Some(d) = parse_date(&f.rows[0][k])
                {
                    let d = start.map_or(d, |s| d.max(s));
                    let d = end.map_or(d, |e| d.min(e));
                    f.rows[0][k] = format_date(d);
                }
            }
        }
    }
    f
}

fn run(f: &Fixture<'_>, ds: Dataset) -> FileReport {
    let v = Validator::new(f.cat, ds, period().end);
    let mut check = v
        .file(f.headers.iter().map(String::as_str))
        .with_previous_attributors(&f.previous);
    for (i, r) in f.rows.iter().enumerate() {
        let values: Vec<&str> = r.iter().map(String::as_str).collect();
        check.row(&values, i as u64 + 2);
    }
    check.finish()
}

fn dataset_for(cat: &Catalogue, rule: &Rule) -> Dataset {
    Dataset::ALL
        .into_iter()
        .find(|ds| {
            rule.applies_in(*ds)
                && rule.fields.iter().all(|h| {
                    cat.field(h)
                        .is_some_and(|f| f.requirement(*ds).in_dataset())
                })
        })
        .unwrap_or(Dataset::AD)
}

fn date(f: &Fixture<'_>, row: usize, h: &str) -> Option<NaiveDate> {
    parse_date(&f.get(row, h))
}

/// Changes the fixture so that `rule` must fire.
fn break_it(f: &mut Fixture<'_>, rule: &Rule, ds: Dataset) {
    let cat = f.cat;
    let field = |i: usize| rule.fields.get(i).cloned().expect("rule field");
    let as_of = period().end;
    match rule.kind {
        RuleKind::HeaderMissing => {
            let c = f.col("PC");
            f.headers.remove(c);
            f.rows.iter_mut().for_each(|r| drop(r.remove(c)));
        }
        RuleKind::HeaderExtra => {
            f.headers.push("NOTAFIELD".into());
            f.rows.iter_mut().for_each(|r| r.push(String::new()));
        }
        RuleKind::HeaderDuplicate => {
            f.headers.push("PC".into());
            f.rows.iter_mut().for_each(|r| r.push(String::new()));
        }
        RuleKind::RowWidth => drop(f.rows[1].pop()),
        RuleKind::Type => {
            let h = f.first_of_type(ds, FieldType::Date, |_| true);
            f.set(0, &h, "2020-01-31");
        }
        RuleKind::Code => {
            let h = f.first_of_type(ds, FieldType::Code, |x| {
                x.section == ndtms_dataset::Section::Client
            });
            f.set_all(&h, "QQ9");
        }
        RuleKind::Range => {
            let h = f.first_of_type(ds, FieldType::Integer, |x| {
                x.max.is_some() && x.section == ndtms_dataset::Section::Episode
            });
            let max = cat.field(&h).and_then(|x| x.max).expect("max");
            f.set_all(&h, &(max + 1).to_string());
        }
        RuleKind::Length => {
            let h = cat
                .fields
                .iter()
                .find(|x| {
                    x.key == Some(KeyRole::Child)
                        && x.max_length.is_some()
                        && !f.rows[0][f.col(&x.header)].is_empty()
                })
                .map(|x| x.header.clone())
                .expect("child id");
            let len = cat.field(&h).and_then(|x| x.max_length).expect("length") as usize;
            f.set(0, &h, &"X".repeat(len + 1));
        }
        RuleKind::Pattern => {
            let h = f.first_of_type(ds, FieldType::Text, |x| {
                x.pattern.is_some()
                    && x.section == ndtms_dataset::Section::Client
                    && x.requirement(ds) != ndtms_dataset::model::Requirement::When
            });
            f.set_all(&h, "1");
        }
        RuleKind::Required => {
            let h = cat
                .fields
                .iter()
                .find(|x| {
                    x.requirement(ds) == ndtms_dataset::model::Requirement::Must
                        && !x.no_consent
                        && x.key.is_none()
                })
                .map(|x| x.header.clone())
                .expect("must field");
            f.set_all(&h, "");
        }
        RuleKind::RequiredWhen => {
            let x = cat
                .fields
                .iter()
                .find(|x| {
                    x.requirement(ds) == ndtms_dataset::model::Requirement::When
                        && x.section == ndtms_dataset::Section::Intervention
                })
                .expect("conditional field");
            f.set(0, &x.header.clone(), "");
        }
        RuleKind::Should => {
            let h = cat
                .fields
                .iter()
                .find(|x| {
                    x.requirement(ds) == ndtms_dataset::model::Requirement::Should
                        && x.section == ndtms_dataset::Section::Client
                })
                .map(|x| x.header.clone())
                .expect("should field");
            f.set_all(&h, "");
        }
        RuleKind::OtherDataset => {
            let sections = rule.param_list("sections");
            let x = cat
                .fields
                .iter()
                .find(|x| !x.requirement(ds).in_dataset() && sections.contains(&x.section.code()))
                .expect("a field outside the dataset");
            let value = match x.kind {
                FieldType::Date => format_date(as_of - Duration::days(5)),
                FieldType::Integer => "1".into(),
                FieldType::Flag => "Y".into(),
                FieldType::Code => cat.codelists[x.codelist.as_ref().expect("list")].codes[0]
                    .code
                    .clone(),
                FieldType::Text => "A1".into(),
            };
            f.set(0, &x.header.clone(), &value);
        }
        RuleKind::NoConsent => {
            let consent = field(0);
            let no = rule.param("value").unwrap_or("N").to_owned();
            f.rows.truncate(1);
            for (c, x) in cat.fields.iter().enumerate() {
                if !x.no_consent && x.header != "SEX" {
                    f.rows[0][c].clear();
                }
            }
            f.set(0, &consent, &no);
        }
        RuleKind::DateOrder => {
            let (a, b) = (field(0), field(1));
            let da = date(f, 0, &a).unwrap_or(as_of - Duration::days(30));
            f.set(0, &a, &format_date(da));
            f.set(0, &b, &format_date(da - Duration::days(1)));
        }
        RuleKind::PresentIff => {
            let (a, b) = (field(0), field(1));
            f.set_all(&a, &format_date(as_of - Duration::days(1)));
            f.set_all(&b, "");
        }
        RuleKind::AgeDataset => {
            let (dob, at) = (field(0), field(1));
            let seen = date(f, 0, &at).expect("triage date");
            let adult = rule.param_list("adult").contains(&ds.code());
            let years = if adult { 10 } else { 30 };
            f.set_all(&dob, &format_date(seen - Duration::days(365 * years)));
        }
        RuleKind::NotFuture => {
            let h = f.first_of_type(ds, FieldType::Date, |x| {
                x.section == ndtms_dataset::Section::Cir || x.section == ndtms_dataset::Section::Sir
            });
            f.set(0, &h, &format_date(as_of + Duration::days(3)));
        }
        RuleKind::Differs => {
            let (a, b) = (field(0), field(1));
            let v = f.get(0, &a);
            f.set_all(&b, &v);
        }
        RuleKind::OnlyWhen | RuleKind::BlankWhen => {
            let target = field(0);
            let cond = ndtms_dataset::model::Condition::parse(rule.param("when").expect("when"))
                .expect("condition");
            let x = cat.field(&target).expect("field");
            let value = match x.kind {
                FieldType::Code => cat.codelists[x.codelist.as_ref().expect("list")].codes[0]
                    .code
                    .clone(),
                _ => x.pattern.as_ref().map_or("A".into(), |p| {
                    p.0.split('|')
                        .next()
                        .unwrap_or("A")
                        .replace('A', "E")
                        .replace('9', "1")
                }),
            };
            // Make the condition hold for blank_when, fail for only_when.
            let list = cat.field(&cond.field).and_then(|cf| cf.codelist.clone());
            let satisfying = match &cond.op {
                ndtms_dataset::model::ConditionOp::Equals(v) => v[0].clone(),
                _ => "Z00B".into(),
            };
            let other = list
                .and_then(|l| {
                    cat.codelists[&l]
                        .codes
                        .iter()
                        .map(|c| c.code.clone())
                        .find(|c| *c != satisfying)
                })
                .unwrap_or_else(|| "A11A".into());
            let cond_value = if rule.kind == RuleKind::BlankWhen {
                satisfying
            } else {
                other
            };
            f.set_all(&cond.field, &cond_value);
            f.set_all(&target, &value);
        }
        RuleKind::DuplicateKey => {
            let r = f.rows[0].clone();
            f.rows.push(r);
        }
        RuleKind::Attributors => {
            let h = field(2);
            let d = date(f, 1, &h).expect("date of birth");
            f.set(1, &h, &format_date(d - Duration::days(1)));
        }
        RuleKind::AttributorChange => {
            let client = f.get(0, "CLIENTID");
            let mut old: Vec<String> = rule.fields.iter().map(|h| f.get(0, h)).collect();
            old[0] = if old[0] == "Q" {
                "W".into()
            } else {
                "Q".into()
            };
            f.previous.insert(client, old);
        }
        RuleKind::EpisodeOverlap => {
            let (ep, start, end) = (field(1), field(2), field(3));
            f.set_all(&end, "");
            for x in cat.fields.iter().filter(|x| {
                x.requirement(ds) == ndtms_dataset::model::Requirement::When
                    && x.condition.as_ref().is_some_and(|c| c.field == end)
            }) {
                f.set_all(&x.header.clone(), "");
            }
            let mut second = f.rows[0].clone();
            let c = f.col(&ep);
            second[c] = "OVERLAP-2".into();
            let s = date(f, 0, &start).expect("start");
            second[f.col(&start)] = format_date(s + Duration::days(1));
            f.rows.push(second);
        }
        RuleKind::ClientHas => {
            let section = cat.field(&field(1)).expect("field").section;
            clear_section(f, section);
        }
        RuleKind::Overdue => {
            let due = rule.param_list("due");
            let s = cat
                .schedules
                .iter()
                .find(|s| due.contains(&s.id.as_str()) && s.datasets.contains(&ds))
                .expect("a schedule of the rule in this dataset");
            // No record of the section, and its date long passed.
            clear_section(f, s.section);
            let (_, end) = cat.episode_span().expect("episode span");
            let end = cat.fields[end].header.clone();
            match s.when {
                ndtms_dataset::due::DueWhen::Start => {
                    f.set_all(&s.from, &format_date(as_of - Duration::days(60)));
                }
                ndtms_dataset::due::DueWhen::Review => {
                    f.set_all(&end, "");
                    f.set_all(&s.from, &format_date(as_of - Duration::days(400)));
                }
                ndtms_dataset::due::DueWhen::Exit => {
                    f.set_all(&s.from, &format_date(as_of - Duration::days(60)));
                }
            }
        }
        RuleKind::Consistent => {
            let section = rule
                .param("section")
                .and_then(ndtms_dataset::Section::parse)
                .expect("section");
            let except = rule.param_list("except");
            let x = cat
                .fields
                .iter()
                .find(|x| {
                    x.section == section
                        && x.kind == FieldType::Code
                        && !except.contains(&x.header.as_str())
                        && x.requirement(ds).in_dataset()
                        && !f.rows[1][f.col(&x.header)].is_empty()
                })
                .expect("a field of the section");
            let list = &cat.codelists[x.codelist.as_ref().expect("list")];
            let now = f.get(1, &x.header);
            let other = list
                .codes
                .iter()
                .map(|c| c.code.clone())
                .find(|c| *c != now)
                .expect("another code");
            f.set(1, &x.header.clone(), &other);
        }
    }
}

/// Removes every record of a child section from the fixture's rows.
fn clear_section(f: &mut Fixture<'_>, section: ndtms_dataset::Section) {
    for (c, x) in f.cat.fields.iter().enumerate() {
        if x.section == section {
            f.rows.iter_mut().for_each(|r| r[c].clear());
        }
    }
}

#[test]
fn every_rule_passes_a_clean_record_and_fails_a_broken_one() {
    let data = ReferenceData::shipped().expect("shipped reference data");
    let cat = &data.version_on(period().end).expect("version").catalogue;
    assert!(cat.rules.len() > 30);
    let mut failures = Vec::new();
    for rule in &cat.rules {
        let ds = dataset_for(cat, rule);
        let clean = base(cat, ds);
        let before = run(&clean, ds);
        if before.findings.iter().any(|x| x.rule == rule.id) {
            failures.push(format!(
                "{}: fired on the clean record: {:?}",
                rule.id,
                before.findings.iter().find(|x| x.rule == rule.id)
            ));
            continue;
        }
        let mut broken = base(cat, ds);
        break_it(&mut broken, rule, ds);
        let after = run(&broken, ds);
        match after.findings.iter().find(|x| x.rule == rule.id) {
            None => failures.push(format!(
                "{} ({:?}, {ds}): did not fire; found {:?}",
                rule.id,
                rule.kind,
                after
                    .findings
                    .iter()
                    .map(|x| format!("{} {}", x.rule, x.field))
                    .collect::<Vec<_>>()
            )),
            Some(found) => {
                assert!(
                    !found.message.contains('{'),
                    "{}: unfilled placeholder in {:?}",
                    rule.id,
                    found.message
                );
                assert_eq!(found.severity, rule.severity);
                assert!(!found.fix.is_empty(), "{}: no fix", rule.id);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} rule(s) not proven:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_duplicate_in_a_later_block_of_the_same_client_is_found() {
    let data = ReferenceData::shipped().expect("reference data");
    let cat = &data.version_on(period().end).expect("version").catalogue;
    let mut f = base(cat, Dataset::AD);
    // Client A's two rows, another client's row, then A's first row again: not contiguous.
    let mut other = f.rows[1].clone();
    other[f.col("CLIENTID")] = "ZZ-OTHER".into();
    let again = f.rows[0].clone();
    f.rows.push(other);
    f.rows.push(again);
    let report = run(&f, Dataset::AD);
    let dups: Vec<_> = report
        .findings
        .iter()
        .filter(|x| x.rule == "DUP-001")
        .collect();
    assert_eq!(dups.len(), 1, "{:?}", report.findings);
    assert_eq!(dups[0].line, Some(5));
    assert!(dups[0].message.contains("line 2"), "{}", dups[0].message);
    assert!(report.rows_with_errors >= 1);
}

#[test]
fn not_answered_is_a_value_where_the_form_allows_it_and_an_error_elsewhere() {
    let data = ReferenceData::shipped().expect("reference data");
    let cat = &data.version_on(period().end).expect("version").catalogue;
    let ds = Dataset::AD;
    let allows: Vec<&ndtms_dataset::model::Field> = cat
        .fields
        .iter()
        .filter(|x| x.not_answered.is_some() && x.requirement(ds).in_dataset())
        .collect();
    assert!(
        allows.len() >= 20,
        "the TOP's items allow NA: {}",
        allows.len()
    );
    let mut f = base(cat, ds);
    let child = cat
        .fields
        .iter()
        .find(|x| x.section == allows[0].section && x.key == Some(KeyRole::Child))
        .expect("the section's id");
    assert!(
        !f.get(0, &child.header).is_empty(),
        "row 0 carries the record"
    );
    for x in &allows {
        f.set(0, &x.header, x.not_answered.as_deref().expect("na"));
    }
    let report = run(&f, ds);
    let on_them: Vec<_> = report
        .findings
        .iter()
        .filter(|x| allows.iter().any(|a| a.header == x.field))
        .collect();
    assert!(on_them.is_empty(), "{on_them:#?}");
    // Typed one at a time in a form, the same.
    let v = Validator::new(cat, ds, period().end);
    for x in &allows {
        assert!(v.check_field(&x.header, "NA").is_empty(), "{}", x.header);
    }
    // A number field that does not allow it gets the type error.
    let other = cat
        .fields
        .iter()
        .find(|x| {
            x.kind == FieldType::Integer
                && x.not_answered.is_none()
                && x.requirement(ds).in_dataset()
        })
        .expect("an integer without NA");
    let found = v.check_field(&other.header, "NA");
    assert!(found.iter().any(|x| x.rule == "FLD-001"), "{found:?}");
    // A code field offers it among its choices, shown as "Not answered".
    let coded = allows
        .iter()
        .find(|x| x.kind == FieldType::Code)
        .expect("a coded TOP item");
    let form = cat.form(coded.section, ds, period().end);
    let choices = &form
        .fields
        .iter()
        .find(|x| x.header == coded.header)
        .expect("on the form")
        .choices;
    assert!(
        choices
            .iter()
            .any(|c| c.code == "NA" && c.label == ndtms_dataset::catalogue::NOT_ANSWERED),
        "{choices:?}"
    );
    assert_eq!(
        cat.shown(cat.column(&coded.header).expect("column"), "NA"),
        "Not answered"
    );
}

#[test]
fn drug_codes_sit_in_groups_and_the_form_carries_them() {
    let data = ReferenceData::shipped().expect("reference data");
    let cat = &data.version_on(period().end).expect("version").catalogue;
    let grouped: Vec<_> = cat
        .codelists
        .values()
        .filter(|l| l.codes.iter().any(|c| c.group.is_some()))
        .collect();
    assert!(!grouped.is_empty(), "a list with a hierarchy");
    for list in grouped {
        // Every code of a grouped list has its group.
        assert!(
            list.codes.iter().all(|c| c.group.is_some()),
            "{}: a code without a group",
            list.name
        );
        let field = cat
            .fields
            .iter()
            .find(|f| f.codelist.as_deref() == Some(list.name.as_str()))
            .expect("a field of the list");
        let ds = field.datasets()[0];
        let form = cat.form(field.section, ds, period().end);
        let on_form = form
            .fields
            .iter()
            .find(|f| f.header == field.header)
            .expect("on its form");
        assert!(on_form.choices.iter().all(|c| c.group.is_some()));
    }
}
