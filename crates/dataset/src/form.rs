//! A section's form as the catalogue describes it for one dataset: which fields it asks, in what
//! order, of what type, with which codes. The app draws its forms from this alone, so a provider's
//! folder with another field or code changes the form without a code change.

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

use crate::catalogue::Catalogue;
use crate::model::{Condition, Dataset, FieldType, Requirement, Section};

/// Where a field sits on the form: consent and the attributors are asked first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FormGroup {
    /// The field the no-consent rule reads.
    Consent,
    /// A field compared between transfers to find the same person (the attributor-change rule).
    Attributor,
    Other,
}

/// A code as the form offers it: the label shown, the code stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Choice {
    pub code: String,
    pub label: String,
    /// The part of the list's hierarchy the code sits under (as DRUG's opiates), if it has one.
    pub group: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FormField {
    pub header: String,
    pub label: String,
    pub help: String,
    #[serde(rename = "type")]
    #[ts(rename = "type")]
    pub kind: FieldType,
    pub requirement: Requirement,
    /// Always asked for on this form: required on every record, or required on a condition that
    /// always holds in a form (one on the record's own id, which the app fills).
    pub required: bool,
    /// The codes valid on the form's date, in the list's order (empty unless a code field).
    pub choices: Vec<Choice>,
    #[ts(type = "number | null")]
    pub min: Option<i64>,
    #[ts(type = "number | null")]
    pub max: Option<i64>,
    pub max_length: Option<u32>,
    /// The value that stands for "not answered", where the field allows one (a code field
    /// offers it among its choices).
    pub not_answered: Option<String>,
    /// Shown (and asked) only while this holds.
    pub condition: Option<Condition>,
    pub group: FormGroup,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Form {
    pub section: Section,
    pub dataset: Dataset,
    pub fields: Vec<FormField>,
}

impl Catalogue {
    /// The form of `section` for `dataset` on `on`: the fields of that dataset, consent first,
    /// then the attributors, then the rest in catalogue order. Key fields are left out (the
    /// agency code and record ids are not typed into a form: the app fills them).
    pub fn form(&self, section: Section, dataset: Dataset, on: NaiveDate) -> Form {
        let consent = self.consent_codes().map(|c| c.column);
        let attributors = self.attributor_columns();
        let mut fields: Vec<FormField> = self
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.section == section && f.key.is_none())
            .filter(|(_, f)| f.requirement(dataset).in_dataset())
            .map(|(i, f)| FormField {
                header: f.header.clone(),
                label: f.label.clone(),
                help: f.help.clone(),
                kind: f.kind,
                requirement: f.requirement(dataset),
                required: match f.requirement(dataset) {
                    Requirement::Must => true,
                    Requirement::When => f.condition.as_ref().is_some_and(|c| {
                        matches!(c.op, crate::model::ConditionOp::Present)
                            && self.field(&c.field).is_some_and(|k| k.key.is_some())
                    }),
                    _ => false,
                },
                choices: f
                    .codelist
                    .as_ref()
                    .and_then(|l| self.codelists.get(l))
                    .map(|l| {
                        l.codes
                            .iter()
                            .filter(|c| c.valid_on(on))
                            .map(|c| Choice {
                                code: c.code.clone(),
                                label: c.label.clone(),
                                group: c.group.clone(),
                            })
                            .chain(f.not_answered.iter().map(|na| Choice {
                                code: na.clone(),
                                label: crate::catalogue::NOT_ANSWERED.to_owned(),
                                group: None,
                            }))
                            .collect()
                    })
                    .unwrap_or_default(),
                min: f.min,
                max: f.max,
                max_length: f.max_length,
                not_answered: f.not_answered.clone(),
                condition: f.condition.clone(),
                group: if consent == Some(i) {
                    FormGroup::Consent
                } else if attributors.contains(&i) {
                    FormGroup::Attributor
                } else {
                    FormGroup::Other
                },
            })
            .collect();
        // Stable: within a group the catalogue's order stays.
        fields.sort_by_key(|f| f.group);
        Form {
            section,
            dataset,
            fields,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReferenceData;

    fn form(section: Section, dataset: Dataset) -> Form {
        let data = ReferenceData::shipped().expect("shipped reference data");
        let today = crate::model::today();
        data.version_on(today)
            .expect("a version in force")
            .catalogue
            .form(section, dataset, today)
    }

    #[test]
    fn the_client_form_asks_consent_then_attributors_and_no_key() {
        let data = ReferenceData::shipped().expect("shipped");
        let cat = &data
            .version_on(crate::model::today())
            .expect("version")
            .catalogue;
        let f = form(Section::Client, Dataset::AD);
        let consent = &cat.fields[cat.consent_codes().expect("consent rule").column];
        assert_eq!(f.fields[0].header, consent.header);
        assert_eq!(f.fields[0].group, FormGroup::Consent);
        let attributors: Vec<&str> = cat
            .attributor_columns()
            .into_iter()
            .map(|c| cat.fields[c].header.as_str())
            .filter(|h| cat.field(h).is_some_and(|f| f.section == Section::Client))
            .collect();
        let asked: Vec<&str> = f.fields[1..=attributors.len()]
            .iter()
            .map(|x| x.header.as_str())
            .collect();
        assert_eq!(asked, attributors);
        assert!(
            f.fields
                .iter()
                .all(|x| cat.field(&x.header).expect("field").key.is_none())
        );
        // The software and its version are the program's to fill, not a keyworker's.
        let software = cat
            .key_column(crate::model::KeyRole::Software)
            .expect("software");
        assert!(
            f.fields
                .iter()
                .all(|x| x.header != cat.fields[software].header)
        );
        assert!(
            f.fields
                .iter()
                .all(|x| x.kind != FieldType::Code || !x.choices.is_empty()),
            "every code field offers its codes"
        );
    }

    #[test]
    fn a_form_holds_only_its_dataset_and_section() {
        let data = ReferenceData::shipped().expect("shipped");
        let cat = &data
            .version_on(crate::model::today())
            .expect("version")
            .catalogue;
        for dataset in Dataset::ALL {
            for section in Section::ALL {
                let f = form(section, dataset);
                for x in &f.fields {
                    let field = cat.field(&x.header).expect("field");
                    assert_eq!(field.section, section);
                    assert!(field.requirement(dataset).in_dataset());
                }
                let expected = cat
                    .fields
                    .iter()
                    .filter(|x| x.section == section && x.key.is_none())
                    .filter(|x| x.requirement(dataset).in_dataset())
                    .count();
                assert_eq!(f.fields.len(), expected, "{section:?} {dataset:?}");
            }
        }
        // A TOP's date is required whenever there is a TOP (its condition is on the TOP's id).
        let top = form(Section::Top, Dataset::AD);
        let date = top
            .fields
            .iter()
            .find(|f| f.kind == FieldType::Date)
            .expect("a date");
        assert!(date.required, "{}", date.header);
        // The adult outcome record is not a young people's form, and the other way round.
        assert!(form(Section::Top, Dataset::YP).fields.is_empty());
        assert!(!form(Section::Ypor, Dataset::YP).fields.is_empty());
    }
}
