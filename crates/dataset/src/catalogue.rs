//! The loaded field catalogue of each dataset version, and the summary shown wherever a version is shown.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

use crate::error::ReferenceError;
use crate::model::{CodeList, Field, KeyRole, Rule, RuleKind};
use crate::source::{FileSet, Origin};

/// How a field's "not answered" value is shown and offered.
pub const NOT_ANSWERED: &str = "Not answered";

/// One version's fields (in CSV header order), code lists and rules.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub fields: Vec<Field>,
    pub codelists: BTreeMap<String, CodeList>,
    pub rules: Vec<Rule>,
    /// When outcome records and reviews fall due (`due.csv`; empty without it).
    pub schedules: Vec<crate::due::Schedule>,
    index: HashMap<String, usize>,
}

impl Catalogue {
    pub(crate) fn new(
        fields: Vec<Field>,
        codelists: BTreeMap<String, CodeList>,
        rules: Vec<Rule>,
        schedules: Vec<crate::due::Schedule>,
    ) -> Self {
        let index = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.header.clone(), i))
            .collect();
        Self {
            fields,
            codelists,
            rules,
            schedules,
            index,
        }
    }

    /// The column of a header in the catalogue's order.
    pub fn column(&self, header: &str) -> Option<usize> {
        self.index.get(header).copied()
    }

    pub fn field(&self, header: &str) -> Option<&Field> {
        self.column(header).map(|i| &self.fields[i])
    }

    /// The exact header row of a CDS-R file: every field of every dataset.
    pub fn headers(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.header.as_str())
    }

    pub fn key_column(&self, role: KeyRole) -> Option<usize> {
        self.fields.iter().position(|f| f.key == Some(role))
    }

    /// The columns the program fills itself (its name and version), with what goes there.
    pub fn filled_by_program(&self) -> Vec<(usize, &'static str)> {
        self.fields
            .iter()
            .enumerate()
            .filter_map(|(c, f)| Some((c, f.key?.filled_by_program()?)))
            .collect()
    }

    /// A value as the screens show it: a code by its label, anything else as it is.
    pub fn shown(&self, column: usize, value: &str) -> String {
        if self.fields[column].not_answered.as_deref() == Some(value) {
            return NOT_ANSWERED.to_owned();
        }
        self.fields[column]
            .codelist
            .as_ref()
            .and_then(|l| self.codelists.get(l))
            .and_then(|l| l.get(value))
            .map_or_else(|| value.to_owned(), |code| code.label.clone())
    }

    pub fn rules_of(&self, kind: RuleKind) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.kind == kind)
    }

    /// The columns of an episode's start and end: the third and fourth fields of the
    /// episode-overlap rule (client, episode, start, end).
    pub fn episode_span(&self) -> Option<(usize, usize)> {
        let r = self.rules_of(RuleKind::EpisodeOverlap).next()?;
        Some((
            self.column(r.fields.get(2)?)?,
            self.column(r.fields.get(3)?)?,
        ))
    }

    /// The intervention (modality) start date the treatment-journey rule reads: the
    /// `modality_start` parameter of the episode-overlap rule.
    pub fn modality_start(&self) -> Option<usize> {
        let r = self.rules_of(RuleKind::EpisodeOverlap).next()?;
        self.column(r.param("modality_start")?)
    }

    /// Each consenting client's attributor values (the [`Catalogue::attributor_columns`]), taken
    /// from the client's first row: what is kept after a transfer for the next file's mismatch
    /// check. `rows` gives each row's value by catalogue column, a client's rows together.
    pub fn attributors_of<'r, V: Fn(usize) -> &'r str>(
        &self,
        rows: impl Iterator<Item = V>,
    ) -> Vec<(String, Vec<String>)> {
        let cols = self.attributor_columns();
        let (Some(cc), consent) = (self.key_column(KeyRole::Client), self.consent_codes()) else {
            return Vec::new();
        };
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for v in rows {
            if consent.as_ref().is_some_and(|c| v(c.column) == c.refused) {
                continue;
            }
            if out.last().is_some_and(|(id, _)| id == v(cc)) {
                continue;
            }
            out.push((
                v(cc).to_owned(),
                cols.iter().map(|&c| v(c).to_owned()).collect(),
            ));
        }
        out
    }

    /// A CDS-R CSV's rows as values by catalogue column (a column the file lacks is blank), or
    /// the line and reason it cannot be read.
    pub fn rows_of_csv(
        &self,
        input: impl std::io::Read,
    ) -> Result<Vec<Vec<String>>, (u64, String)> {
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
        let headers = reader.headers().map_err(|e| (1, e.to_string()))?.clone();
        let place: Vec<Option<usize>> = self
            .fields
            .iter()
            .map(|f| headers.iter().position(|h| h == f.header))
            .collect();
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| (i as u64 + 2, e.to_string()))?;
            rows.push(
                place
                    .iter()
                    .map(|p| p.and_then(|p| record.get(p)).unwrap_or("").to_owned())
                    .collect(),
            );
        }
        Ok(rows)
    }

    /// The attributor columns compared with the last transfer (the attributor-change rule's fields).
    pub fn attributor_columns(&self) -> Vec<usize> {
        self.rules_of(RuleKind::AttributorChange)
            .next()
            .map(|r| r.fields.iter().filter_map(|f| self.column(f)).collect())
            .unwrap_or_default()
    }

    /// The consent field and its codes. The no-consent code is the no-consent rule's `value`
    /// (default `N`); consent given is the first other code of the field's list.
    pub fn consent_codes(&self) -> Option<ConsentCodes> {
        let rule = self.rules_of(RuleKind::NoConsent).next()?;
        let column = self.column(rule.fields.first()?)?;
        let refused = rule.param("value").unwrap_or("N").to_owned();
        let given = self.fields[column]
            .codelist
            .as_ref()
            .and_then(|n| self.codelists.get(n))
            .and_then(|l| {
                l.codes
                    .iter()
                    .map(|k| k.code.clone())
                    .find(|k| *k != refused)
            });
        Some(ConsentCodes {
            column,
            given,
            refused,
        })
    }
}

/// Where consent is recorded in a row and the codes that say it was given or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentCodes {
    pub column: usize,
    /// None when the field has no code list to take a "given" code from.
    pub given: Option<String>,
    pub refused: String,
}

/// A dataset letter (R now) with the date it is in force from.
#[derive(Debug, Clone)]
pub struct DatasetVersion {
    pub letter: String,
    pub name: String,
    pub release: String,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub folder: String,
    pub provenance: crate::model::Provenance,
    pub catalogue: Catalogue,
}

impl DatasetVersion {
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && self.effective_to.is_none_or(|to| date <= to)
    }
}

/// Every dataset version of one reference-data folder, with where it came from and its checksum.
#[derive(Debug, Clone)]
pub struct ReferenceData {
    pub origin: Origin,
    pub sha256: String,
    pub versions: Vec<DatasetVersion>,
}

impl ReferenceData {
    pub fn shipped() -> Result<Self, ReferenceError> {
        crate::load::load(&FileSet::shipped())
    }

    pub fn from_dir(dir: &Path) -> Result<Self, ReferenceError> {
        crate::load::load(&FileSet::from_dir(dir)?)
    }

    /// The provider's folder when one is set, otherwise the shipped copy.
    pub fn from_setting(dir: Option<&Path>) -> Result<Self, ReferenceError> {
        match dir {
            Some(d) => Self::from_dir(d),
            None => Self::shipped(),
        }
    }

    /// The dataset version in force on `date`.
    pub fn version_on(&self, date: NaiveDate) -> Result<&DatasetVersion, ReferenceError> {
        self.versions
            .iter()
            .find(|v| v.in_force_on(date))
            .ok_or(ReferenceError::NoVersionInForce(date))
    }

    pub fn info_on(&self, date: NaiveDate) -> Result<ReferenceInfo, ReferenceError> {
        Ok(ReferenceInfo::new(self, self.version_on(date)?))
    }
}

/// How many catalogue items carry one provenance tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ProvenanceCount {
    pub tag: String,
    pub fields: u32,
    pub codes: u32,
    pub rules: u32,
}

/// What is shown wherever the reference-data version is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReferenceInfo {
    pub letter: String,
    pub name: String,
    pub release: String,
    pub effective_from: String,
    pub source: String,
    pub shipped: bool,
    pub sha256: String,
    pub field_count: u32,
    pub codelist_count: u32,
    pub code_count: u32,
    pub rule_count: u32,
    pub provenance: Vec<ProvenanceCount>,
}

impl ReferenceInfo {
    pub fn new(data: &ReferenceData, version: &DatasetVersion) -> Self {
        let c = &version.catalogue;
        let mut counts: BTreeMap<String, ProvenanceCount> = BTreeMap::new();
        let mut bump = |tag: &str, which: fn(&mut ProvenanceCount) -> &mut u32| {
            let key = tag_key(tag).to_owned();
            let entry = counts
                .entry(key.clone())
                .or_insert_with(|| ProvenanceCount {
                    tag: key,
                    fields: 0,
                    codes: 0,
                    rules: 0,
                });
            *which(entry) += 1;
        };
        for f in &c.fields {
            bump(&f.provenance.0, |p| &mut p.fields);
        }
        for code in c.codelists.values().flat_map(|l| &l.codes) {
            bump(&code.provenance.0, |p| &mut p.codes);
        }
        for r in &c.rules {
            bump(&r.provenance.0, |p| &mut p.rules);
        }
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            letter: version.letter.clone(),
            name: version.name.clone(),
            release: version.release.clone(),
            effective_from: version.effective_from.format("%d/%m/%Y").to_string(),
            source: data.origin.to_string(),
            shipped: data.origin == Origin::Shipped,
            sha256: data.sha256.clone(),
            field_count: count(c.fields.len()),
            codelist_count: count(c.codelists.len()),
            code_count: count(c.codelists.values().map(|l| l.codes.len()).sum()),
            rule_count: count(c.rules.len()),
            provenance: counts.into_values().collect(),
        }
    }
}

/// Groups every `vendor-X` tag under one heading for the summary, keeping the others as they are.
fn tag_key(tag: &str) -> &str {
    match tag {
        "seed" | "public" | "assumed" => tag,
        t if t.starts_with("vendor-") => t,
        _ => "assumed",
    }
}
