//! Loads reference data from a [`FileSet`] and checks it, reporting every problem by file, line and value.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;

use crate::catalogue::{Catalogue, DatasetVersion, ReferenceData};
use crate::error::{ReferenceError, ReferenceProblem};
use crate::model::{
    Code, CodeList, Condition, Field, FieldType, KeyRole, Pattern, Provenance, Requirement, Section,
};
use crate::source::FileSet;

const VERSIONS_FILE: &str = "versions.csv";

/// Collects problems so a load reports all of them, not the first.
#[derive(Default)]
pub(crate) struct Problems(Vec<ReferenceProblem>);

impl Problems {
    pub(crate) fn add(
        &mut self,
        file: &str,
        line: u64,
        column: &str,
        value: &str,
        message: impl Into<String>,
    ) {
        self.0.push(ReferenceProblem {
            file: file.to_owned(),
            line,
            column: column.to_owned(),
            value: value.to_owned(),
            message: message.into(),
        });
    }
}

/// A CSV file read into rows with their line numbers.
pub(crate) struct Table<'a> {
    file: &'a str,
    columns: HashMap<String, usize>,
    pub(crate) rows: Vec<(u64, csv::StringRecord)>,
}

impl<'a> Table<'a> {
    pub(crate) fn read(
        file: &'a str,
        bytes: &[u8],
        required: &[&str],
        problems: &mut Problems,
    ) -> Option<Self> {
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
        let headers = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                problems.add(file, 1, "", "", format!("cannot read the header row: {e}"));
                return None;
            }
        };
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_owned(), i))
            .collect();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !columns.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            for m in missing {
                problems.add(file, 1, m, "", "the header row has no such column");
            }
            return None;
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            match record {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line());
                    if r.iter().all(|v| v.trim().is_empty()) {
                        continue;
                    }
                    rows.push((line, r));
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    problems.add(file, line, "", "", format!("cannot read the row: {e}"));
                }
            }
        }
        Some(Self {
            file,
            columns,
            rows,
        })
    }

    pub(crate) fn get<'r>(&self, row: &'r csv::StringRecord, column: &str) -> &'r str {
        self.columns
            .get(column)
            .and_then(|&i| row.get(i))
            .map_or("", str::trim)
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn opt_date(t: &Table, line: u64, col: &str, v: &str, p: &mut Problems) -> Option<NaiveDate> {
    if v.is_empty() {
        return None;
    }
    let d = parse_date(v);
    if d.is_none() {
        p.add(t.file, line, col, v, "not a date in the form YYYY-MM-DD");
    }
    d
}

pub(crate) fn provenance(t: &Table, line: u64, v: &str, p: &mut Problems) -> Provenance {
    Provenance::parse(v).unwrap_or_else(|| {
        p.add(
            t.file,
            line,
            "provenance",
            v,
            "provenance must be seed, public, vendor-<letter> or assumed",
        );
        Provenance("assumed".into())
    })
}

/// Loads and checks every dataset version in `files`.
pub fn load(files: &FileSet) -> Result<ReferenceData, ReferenceError> {
    let mut p = Problems::default();
    let Some(bytes) = files.files.get(VERSIONS_FILE) else {
        p.add(VERSIONS_FILE, 0, "", "", "the file is missing");
        return Err(ReferenceError::Invalid(p.0));
    };
    let mut versions = Vec::new();
    let cols = [
        "letter",
        "name",
        "release",
        "effective_from",
        "effective_to",
        "folder",
        "provenance",
    ];
    if let Some(t) = Table::read(VERSIONS_FILE, bytes, &cols, &mut p) {
        let mut letters = HashSet::new();
        for (line, row) in &t.rows {
            let line = *line;
            let letter = t.get(row, "letter");
            if letter.len() != 1 || !letter.chars().all(|c| c.is_ascii_uppercase()) {
                p.add(
                    VERSIONS_FILE,
                    line,
                    "letter",
                    letter,
                    "a dataset letter is one capital letter",
                );
            }
            if !letters.insert(letter.to_owned()) {
                p.add(
                    VERSIONS_FILE,
                    line,
                    "letter",
                    letter,
                    "this dataset letter is listed twice",
                );
            }
            let from_raw = t.get(row, "effective_from");
            let from = opt_date(&t, line, "effective_from", from_raw, &mut p);
            if from_raw.is_empty() {
                p.add(
                    VERSIONS_FILE,
                    line,
                    "effective_from",
                    "",
                    "every version needs the date it comes into force",
                );
            }
            let to = opt_date(&t, line, "effective_to", t.get(row, "effective_to"), &mut p);
            if let (Some(f), Some(to)) = (from, to)
                && to < f
            {
                p.add(
                    VERSIONS_FILE,
                    line,
                    "effective_to",
                    &to.to_string(),
                    "ends before it comes into force",
                );
            }
            let prov = provenance(&t, line, t.get(row, "provenance"), &mut p);
            let folder = t.get(row, "folder").trim_end_matches('/').to_owned();
            let catalogue = load_catalogue(files, &folder, &mut p);
            if let (Some(from), Some(catalogue)) = (from, catalogue) {
                versions.push(DatasetVersion {
                    letter: letter.to_owned(),
                    name: t.get(row, "name").to_owned(),
                    release: t.get(row, "release").to_owned(),
                    effective_from: from,
                    effective_to: to,
                    folder,
                    provenance: prov,
                    catalogue,
                });
            }
        }
    }
    versions.sort_by_key(|v| v.effective_from);
    for pair in versions.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.effective_to.is_none_or(|to| to >= b.effective_from) {
            p.add(
                VERSIONS_FILE,
                0,
                "effective_to",
                &a.letter,
                format!(
                    "dataset {} is still in force when dataset {} starts on {}",
                    a.letter, b.letter, b.effective_from
                ),
            );
        }
    }
    if versions.is_empty() && p.0.is_empty() {
        p.add(VERSIONS_FILE, 0, "", "", "no dataset version is listed");
    }
    if !p.0.is_empty() {
        return Err(ReferenceError::Invalid(p.0));
    }
    Ok(ReferenceData {
        origin: files.origin.clone(),
        sha256: files.sha256(),
        versions,
    })
}

fn load_catalogue(files: &FileSet, folder: &str, p: &mut Problems) -> Option<Catalogue> {
    let codelists = load_codelists(files, folder, p);
    let fields_file = format!("{folder}/fields.csv");
    let rules_file = format!("{folder}/rules.csv");
    let fields = match files.files.get(&fields_file) {
        Some(bytes) => load_fields(&fields_file, bytes, &codelists, p),
        None => {
            p.add(&fields_file, 0, "", "", "the file is missing");
            Vec::new()
        }
    };
    let known: HashSet<&str> = fields.iter().map(|f| f.header.as_str()).collect();
    // Optional: a folder without schedules has nothing due.
    let due_file = format!("{folder}/due.csv");
    let schedules = files
        .files
        .get(&due_file)
        .map(|bytes| crate::due::load_schedules(&due_file, bytes, &fields, p))
        .unwrap_or_default();
    let due: HashSet<&str> = schedules.iter().map(|s| s.id.as_str()).collect();
    let rules = match files.files.get(&rules_file) {
        Some(bytes) => crate::rules_file::load_rules(&rules_file, bytes, &known, &due, p),
        None => {
            p.add(&rules_file, 0, "", "", "the file is missing");
            Vec::new()
        }
    };
    if fields.is_empty() {
        return None;
    }
    Some(Catalogue::new(fields, codelists, rules, schedules))
}

fn load_codelists(files: &FileSet, folder: &str, p: &mut Problems) -> BTreeMap<String, CodeList> {
    let prefix = format!("{folder}/codelists/");
    let mut lists = BTreeMap::new();
    for (path, bytes) in files.files.range(prefix.clone()..) {
        let Some(name) = path
            .strip_prefix(&prefix)
            .and_then(|n| n.strip_suffix(".csv"))
        else {
            break;
        };
        let cols = ["code", "label", "valid_from", "valid_to", "provenance"];
        let Some(t) = Table::read(path, bytes, &cols, p) else {
            continue;
        };
        let mut codes: Vec<Code> = Vec::new();
        for (line, row) in &t.rows {
            let line = *line;
            let code = t.get(row, "code");
            if code.is_empty() {
                p.add(path, line, "code", "", "the code is empty");
                continue;
            }
            if codes.iter().any(|c| c.code == code) {
                p.add(path, line, "code", code, "this code is listed twice");
            }
            let from = opt_date(&t, line, "valid_from", t.get(row, "valid_from"), p);
            let to = opt_date(&t, line, "valid_to", t.get(row, "valid_to"), p);
            if let (Some(f), Some(to_d)) = (from, to)
                && to_d < f
            {
                p.add(
                    path,
                    line,
                    "valid_to",
                    &to_d.to_string(),
                    "valid_to is before valid_from",
                );
            }
            let label = t.get(row, "label");
            if label.is_empty() {
                p.add(path, line, "label", "", "every code needs a label");
            }
            codes.push(Code {
                code: code.to_owned(),
                label: label.to_owned(),
                valid_from: from,
                valid_to: to,
                provenance: provenance(&t, line, t.get(row, "provenance"), p),
                group: Some(t.get(row, "group"))
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned),
            });
        }
        if codes.is_empty() {
            p.add(path, 0, "", "", "the code list has no codes");
        }
        lists.insert(
            name.to_owned(),
            CodeList {
                name: name.to_owned(),
                codes,
            },
        );
    }
    lists
}

fn opt_int(t: &Table, line: u64, col: &str, v: &str, p: &mut Problems) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    let n = v.parse().ok();
    if n.is_none() {
        p.add(t.file, line, col, v, "not a whole number");
    }
    n
}

fn load_fields(
    file: &str,
    bytes: &[u8],
    codelists: &BTreeMap<String, CodeList>,
    p: &mut Problems,
) -> Vec<Field> {
    let cols = [
        "header",
        "section",
        "label",
        "help",
        "type",
        "codelist",
        "min",
        "max",
        "length",
        "pattern",
        "AD",
        "YP",
        "SA",
        "SY",
        "condition",
        "no_consent",
        "key",
        "provenance",
        "note",
    ];
    let Some(t) = Table::read(file, bytes, &cols, p) else {
        return Vec::new();
    };
    let mut fields: Vec<Field> = Vec::new();
    let mut lines: HashMap<String, u64> = HashMap::new();
    for (line, row) in &t.rows {
        let line = *line;
        let header = t.get(row, "header");
        if header.is_empty()
            || !header
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            p.add(
                file,
                line,
                "header",
                header,
                "a header is upper-case letters, digits and underscores",
            );
        }
        if let Some(first) = lines.insert(header.to_owned(), line) {
            p.add(
                file,
                line,
                "header",
                header,
                format!("duplicate header: already defined on line {first}"),
            );
        }
        let section_raw = t.get(row, "section");
        let section = Section::parse(section_raw).unwrap_or_else(|| {
            p.add(
                file,
                line,
                "section",
                section_raw,
                "unknown section (client, episode, intervention, sir, top, ypor, cir)",
            );
            Section::Client
        });
        let type_raw = t.get(row, "type");
        let kind = FieldType::parse(type_raw).unwrap_or_else(|| {
            p.add(
                file,
                line,
                "type",
                type_raw,
                "unknown type (code, date, integer, text, flag)",
            );
            FieldType::Text
        });
        let codelist = Some(t.get(row, "codelist"))
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        match (&codelist, kind) {
            (Some(name), _) if !codelists.contains_key(name) => {
                p.add(
                    file,
                    line,
                    "codelist",
                    name,
                    "unknown code list: there is no codelists/<name>.csv",
                );
            }
            (Some(name), k) if k != FieldType::Code => {
                p.add(
                    file,
                    line,
                    "codelist",
                    name,
                    "only a field of type code has a code list",
                );
            }
            (None, FieldType::Code) => p.add(
                file,
                line,
                "codelist",
                "",
                "a field of type code needs a code list",
            ),
            _ => {}
        }
        let min = opt_int(&t, line, "min", t.get(row, "min"), p);
        let max = opt_int(&t, line, "max", t.get(row, "max"), p);
        if let (Some(a), Some(b)) = (min, max)
            && a > b
        {
            p.add(
                file,
                line,
                "max",
                &b.to_string(),
                format!("max is below min ({a})"),
            );
        }
        if (min.is_some() || max.is_some()) && kind != FieldType::Integer {
            p.add(file, line, "min", "", "only an integer field has a range");
        }
        let length = opt_int(&t, line, "length", t.get(row, "length"), p);
        let max_length = length
            .and_then(|l| u32::try_from(l).ok())
            .filter(|l| *l > 0);
        if length.is_some() && max_length.is_none() {
            p.add(
                file,
                line,
                "length",
                t.get(row, "length"),
                "the length must be a positive whole number",
            );
        }
        let pattern = Some(t.get(row, "pattern"))
            .filter(|s| !s.is_empty())
            .map(|s| Pattern(s.to_owned()));
        // Optional column: the value that stands for "not answered" where the form allows it.
        let na_raw = t.get(row, "not_answered");
        let not_answered = (!na_raw.is_empty()).then(|| na_raw.to_owned());
        if let Some(na) = &not_answered {
            let clashes = codelist
                .as_ref()
                .and_then(|l| codelists.get(l))
                .is_some_and(|l| l.get(na).is_some());
            if !na.chars().all(|c| c.is_ascii_uppercase()) || clashes {
                p.add(
                    file,
                    line,
                    "not_answered",
                    na,
                    "not answered is capital letters that are not one of the field's codes",
                );
            }
        }
        let mut requirement = [Requirement::Absent; 4];
        for (i, ds) in ["AD", "YP", "SA", "SY"].iter().enumerate() {
            let raw = t.get(row, ds);
            requirement[i] = Requirement::parse(raw).unwrap_or_else(|| {
                p.add(
                    file,
                    line,
                    ds,
                    raw,
                    "requirement must be M, C, S, O or blank",
                );
                Requirement::Absent
            });
        }
        let cond_raw = t.get(row, "condition");
        let condition = if cond_raw.is_empty() {
            None
        } else {
            let c = Condition::parse(cond_raw);
            if c.is_none() {
                p.add(file, line, "condition", cond_raw, "a condition reads 'FIELD present', 'FIELD = A', 'FIELD != A' or 'FIELD in A|B'");
            }
            c
        };
        let uses_when = requirement.contains(&Requirement::When);
        if uses_when && condition.is_none() && !cond_raw.is_empty() {
            // already reported as unparseable
        } else if uses_when && condition.is_none() {
            p.add(
                file,
                line,
                "condition",
                "",
                "contradictory requirements: C (required when) is given with no condition",
            );
        } else if !uses_when && condition.is_some() {
            p.add(
                file,
                line,
                "condition",
                cond_raw,
                "contradictory requirements: a condition is given but no dataset uses C",
            );
        }
        if requirement.iter().all(|r| *r == Requirement::Absent) {
            p.add(
                file,
                line,
                "AD",
                "",
                "the field is in no dataset: give a requirement for at least one",
            );
        }
        let nc_raw = t.get(row, "no_consent");
        let no_consent = match nc_raw {
            "Y" => true,
            "" | "N" => false,
            other => {
                p.add(file, line, "no_consent", other, "no_consent is Y or blank");
                false
            }
        };
        if no_consent
            && requirement
                .iter()
                .any(|r| !matches!(r, Requirement::Must | Requirement::Absent))
        {
            p.add(file, line, "no_consent", nc_raw, "contradictory requirements: a field kept on no-consent records must be M (on every record)");
        }
        let key_raw = t.get(row, "key");
        let key = match key_raw {
            "" => None,
            "agency" => Some(KeyRole::Agency),
            "client" => Some(KeyRole::Client),
            "episode" => Some(KeyRole::Episode),
            "child" => Some(KeyRole::Child),
            "software" => Some(KeyRole::Software),
            "software_version" => Some(KeyRole::SoftwareVersion),
            other => {
                p.add(
                    file,
                    line,
                    "key",
                    other,
                    "key is agency, client, episode, child, software, software_version or blank",
                );
                None
            }
        };
        fields.push(Field {
            header: header.to_owned(),
            section,
            label: t.get(row, "label").to_owned(),
            help: t.get(row, "help").to_owned(),
            kind,
            codelist,
            min,
            max,
            max_length,
            pattern,
            not_answered,
            requirement,
            condition,
            no_consent,
            key,
            provenance: provenance(&t, line, t.get(row, "provenance"), p),
            note: t.get(row, "note").to_owned(),
        });
    }
    for f in &fields {
        if let Some(c) = &f.condition
            && !lines.contains_key(&c.field)
        {
            let line = lines.get(&f.header).copied().unwrap_or(0);
            p.add(
                file,
                line,
                "condition",
                &c.field,
                "the condition names an unknown field",
            );
        }
    }
    for role in [KeyRole::Agency, KeyRole::Client, KeyRole::Episode] {
        let n = fields.iter().filter(|f| f.key == Some(role)).count();
        if n != 1 {
            p.add(
                file,
                0,
                "key",
                "",
                format!("exactly one field must have key {role:?} (found {n})").to_lowercase(),
            );
        }
    }
    fields
}
