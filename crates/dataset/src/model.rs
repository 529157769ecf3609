//! The dataset's vocabulary: datasets, sections, field types, requirements, conditions and rules.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The four NDTMS datasets; an agency reports exactly one (seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub enum Dataset {
    AD,
    YP,
    SA,
    SY,
}

impl Dataset {
    pub const ALL: [Dataset; 4] = [Dataset::AD, Dataset::YP, Dataset::SA, Dataset::SY];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn code(self) -> &'static str {
        match self {
            Dataset::AD => "AD",
            Dataset::YP => "YP",
            Dataset::SA => "SA",
            Dataset::SY => "SY",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Dataset::AD => "community adult",
            Dataset::YP => "community young people",
            Dataset::SA => "secure setting adult",
            Dataset::SY => "secure setting young people",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|d| d.code().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The sections the seed divides the data into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Client,
    Episode,
    Intervention,
    Sir,
    Top,
    Ypor,
    Cir,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Client,
        Section::Episode,
        Section::Intervention,
        Section::Sir,
        Section::Top,
        Section::Ypor,
        Section::Cir,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Section::Client => "client",
            Section::Episode => "episode",
            Section::Intervention => "intervention",
            Section::Sir => "sir",
            Section::Top => "top",
            Section::Ypor => "ypor",
            Section::Cir => "cir",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Section::Client => "Client",
            Section::Episode => "Episode",
            Section::Intervention => "Intervention",
            Section::Sir => "Sub-intervention review",
            Section::Top => "Treatment Outcomes Profile (TOP)",
            Section::Ypor => "Young People's Outcome Record (YPOR)",
            Section::Cir => "Client information review",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s.trim())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Code,
    Date,
    Integer,
    Text,
    Flag,
}

impl FieldType {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "code" => Self::Code,
            "date" => Self::Date,
            "integer" => Self::Integer,
            "text" => Self::Text,
            "flag" => Self::Flag,
            _ => return None,
        })
    }
}

/// How strongly a dataset asks for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// `M`: on every record (the seed's verification rule 2).
    Must,
    /// `C`: required when the field's condition holds.
    When,
    /// `S`: should be given as the client progresses through treatment.
    Should,
    /// `O`: may be given.
    Optional,
    /// blank: not part of this dataset.
    Absent,
}

impl Requirement {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "M" => Self::Must,
            "C" => Self::When,
            "S" => Self::Should,
            "O" => Self::Optional,
            "" => Self::Absent,
            _ => return None,
        })
    }

    pub fn in_dataset(self) -> bool {
        self != Self::Absent
    }

    /// Whether a blank can be a finding (required, required on a condition, or should be given).
    pub fn asks_for_value(self) -> bool {
        matches!(self, Self::Must | Self::When | Self::Should)
    }
}

/// Which record key a field holds, so findings can name their record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeyRole {
    /// The agency's NDTMS code: the same on every row, filled from the store's agency.
    Agency,
    Client,
    Episode,
    Child,
    /// The name of the program that made the file: filled by the program, never asked of staff.
    Software,
    /// That program's version: filled by the program, never asked of staff.
    SoftwareVersion,
}

/// The name this program gives in the field keyed [`KeyRole::Software`].
pub const SOFTWARE: &str = "NDTMS Desk";
/// The version this program gives in the field keyed [`KeyRole::SoftwareVersion`].
pub const SOFTWARE_VERSION: &str = env!("CARGO_PKG_VERSION");

impl KeyRole {
    /// What the program itself writes in a field with this role (the software and its
    /// version), or None where the value is the agency's or a record's.
    pub fn filled_by_program(self) -> Option<&'static str> {
        match self {
            Self::Software => Some(SOFTWARE),
            Self::SoftwareVersion => Some(SOFTWARE_VERSION),
            _ => None,
        }
    }
}

/// Where an item comes from and so how far to trust it (see `reference-data/README.md`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub struct Provenance(pub String);

impl Provenance {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let ok = matches!(s, "seed" | "public" | "assumed")
            || s.strip_prefix("vendor-")
                .is_some_and(|l| l.len() == 1 && l.chars().all(|c| c.is_ascii_uppercase()));
        ok.then(|| Self(s.to_owned()))
    }
}

/// A condition on another field of the same record, such as `DISD present` or `SEX = F`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Condition {
    pub field: String,
    pub op: ConditionOp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "op", content = "values")]
pub enum ConditionOp {
    Present,
    Equals(Vec<String>),
    NotEquals(Vec<String>),
}

impl Condition {
    /// Parses `FIELD present`, `FIELD = A`, `FIELD != A` and `FIELD in A|B`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (field, rest) = s.split_once(' ')?;
        let rest = rest.trim();
        let op = if rest == "present" {
            ConditionOp::Present
        } else if let Some(v) = rest.strip_prefix("!=") {
            ConditionOp::NotEquals(split_values(v)?)
        } else if let Some(v) = rest.strip_prefix('=') {
            ConditionOp::Equals(split_values(v)?)
        } else if let Some(v) = rest.strip_prefix("in ") {
            ConditionOp::Equals(split_values(v)?)
        } else {
            return None;
        };
        Some(Self {
            field: field.to_owned(),
            op,
        })
    }

    pub fn holds(&self, value: &str) -> bool {
        let value = value.trim();
        match &self.op {
            ConditionOp::Present => !value.is_empty(),
            ConditionOp::Equals(vs) => vs.iter().any(|v| v == value),
            ConditionOp::NotEquals(vs) => !vs.iter().any(|v| v == value),
        }
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.op {
            ConditionOp::Present => write!(f, "{} is given", self.field),
            ConditionOp::Equals(v) if v.len() == 1 => write!(f, "{} is {}", self.field, v[0]),
            ConditionOp::Equals(v) => write!(f, "{} is one of {}", self.field, v.join(", ")),
            ConditionOp::NotEquals(v) => write!(f, "{} is not {}", self.field, v.join(" or ")),
        }
    }
}

fn split_values(s: &str) -> Option<Vec<String>> {
    let v: Vec<String> = s
        .split('|')
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect();
    (!v.is_empty()).then_some(v)
}

/// A value shape: alternatives separated by `|`, each a mask where `A` is a letter, `9` a digit,
/// `X` a letter or digit, and any other character stands for itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Pattern(pub String);

impl Pattern {
    /// The same shape as an anchored regular expression, for schemas other tools read.
    pub fn to_regex(&self) -> String {
        let alternatives: Vec<String> = self
            .0
            .split('|')
            .map(|mask| {
                mask.chars()
                    .map(|m| match m {
                        'A' => "[A-Z]".to_owned(),
                        '9' => "[0-9]".to_owned(),
                        'X' => "[A-Z0-9]".to_owned(),
                        c if r"\^$.|?*+()[]{}".contains(c) => format!("\\{c}"),
                        c => c.to_string(),
                    })
                    .collect()
            })
            .collect();
        format!("^({})$", alternatives.join("|"))
    }

    pub fn matches(&self, value: &str) -> bool {
        let value = value.as_bytes();
        self.0.as_bytes().split(|&b| b == b'|').any(|mask| {
            mask.len() == value.len()
                && mask.iter().zip(value).all(|(&m, &c)| match m {
                    b'A' => c.is_ascii_uppercase(),
                    b'9' => c.is_ascii_digit(),
                    b'X' => c.is_ascii_uppercase() || c.is_ascii_digit(),
                    other => other == c,
                })
        })
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Field {
    pub header: String,
    pub section: Section,
    pub label: String,
    pub help: String,
    #[serde(rename = "type")]
    #[ts(rename = "type")]
    pub kind: FieldType,
    pub codelist: Option<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub max_length: Option<u32>,
    pub pattern: Option<Pattern>,
    /// The value that stands for "not answered" (as the TOP's NA), accepted in place of a
    /// value of the field's type; `not_answered` in `fields.csv`, optional.
    pub not_answered: Option<String>,
    /// Indexed by [`Dataset::index`].
    pub requirement: [Requirement; 4],
    pub condition: Option<Condition>,
    pub no_consent: bool,
    pub key: Option<KeyRole>,
    pub provenance: Provenance,
    pub note: String,
}

impl Field {
    pub fn requirement(&self, dataset: Dataset) -> Requirement {
        self.requirement[dataset.index()]
    }

    pub fn datasets(&self) -> Vec<Dataset> {
        Dataset::ALL
            .into_iter()
            .filter(|d| self.requirement(*d).in_dataset())
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Code {
    pub code: String,
    pub label: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub provenance: Provenance,
    /// Where the code sits in the list's hierarchy (the optional `group` column).
    pub group: Option<String>,
}

impl Code {
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date <= t)
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CodeList {
    pub name: String,
    pub codes: Vec<Code>,
}

impl CodeList {
    pub fn get(&self, code: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.code == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Mismatch,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "error" => Self::Error,
            "warning" => Self::Warning,
            "mismatch" => Self::Mismatch,
            _ => return None,
        })
    }
}

/// The checks the engine knows how to run; `rules.csv` says which, on which fields, how severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    HeaderMissing,
    HeaderExtra,
    HeaderDuplicate,
    RowWidth,
    Type,
    Code,
    Range,
    Length,
    Pattern,
    Required,
    RequiredWhen,
    Should,
    OtherDataset,
    NoConsent,
    DateOrder,
    PresentIff,
    AgeDataset,
    NotFuture,
    Differs,
    OnlyWhen,
    BlankWhen,
    DuplicateKey,
    Attributors,
    AttributorChange,
    EpisodeOverlap,
    Consistent,
    /// Every consenting client has at least one record carrying the second field (an outcome
    /// record): `fields: CLIENTID,TOPID`.
    ClientHas,
    /// The schedules of `due.csv` named by `params: due=A|B` are kept: an episode whose record
    /// was due by the check's date and is not in the file is reported. `fields: CLIENTID,EPISODID`.
    Overdue,
}

impl RuleKind {
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.trim().to_owned())).ok()
    }

    /// How many fields the rule must name (None: any number, including none).
    pub fn field_count(self) -> Option<usize> {
        match self {
            RuleKind::DateOrder
            | RuleKind::PresentIff
            | RuleKind::AgeDataset
            | RuleKind::Differs => Some(2),
            RuleKind::NoConsent | RuleKind::OnlyWhen | RuleKind::BlankWhen => Some(1),
            RuleKind::EpisodeOverlap => Some(4),
            RuleKind::ClientHas | RuleKind::Overdue => Some(2),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub kind: RuleKind,
    pub fields: Vec<String>,
    pub params: BTreeMap<String, String>,
    pub message: String,
    pub fix: String,
    pub provenance: Provenance,
    pub note: String,
}

impl Rule {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.get(key).map(String::as_str)
    }

    /// Whether the rule applies in `dataset`: every dataset, unless `params` name some
    /// (`datasets=AD|SA`).
    pub fn applies_in(&self, dataset: Dataset) -> bool {
        !self.params.contains_key("datasets")
            || self.param_list("datasets").contains(&dataset.code())
    }

    /// A `|`-separated list parameter.
    pub fn param_list(&self, key: &str) -> Vec<&str> {
        self.param(key)
            .map(|v| {
                v.split('|')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Calendar dates throughout the dataset.
pub type Date = NaiveDate;

/// Today's date on this machine's clock.
pub fn today() -> Date {
    chrono::Local::now().date_naive()
}
