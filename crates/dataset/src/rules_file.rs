//! Reads `rules.csv`, the verification rules: each rule's kind, fields and parameters checked
//! against the catalogue and the schedules, every problem named by line, column and value.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::load::{Problems, Table, provenance};
use crate::model::{Condition, Dataset, Rule, RuleKind, Severity};

/// Reads `rules.csv`; `known` are the catalogue's headers and `due` the schedule ids of
/// `due.csv`, which rules may name.
pub(crate) fn load_rules(
    file: &str,
    bytes: &[u8],
    known: &HashSet<&str>,
    due: &HashSet<&str>,
    p: &mut Problems,
) -> Vec<Rule> {
    let cols = [
        "id",
        "severity",
        "kind",
        "fields",
        "params",
        "message",
        "fix",
        "provenance",
        "note",
    ];
    let Some(t) = Table::read(file, bytes, &cols, p) else {
        return Vec::new();
    };
    let mut rules = Vec::new();
    let mut ids: HashMap<String, u64> = HashMap::new();
    for (line, row) in &t.rows {
        let line = *line;
        let id = t.get(row, "id");
        if id.is_empty() {
            p.add(file, line, "id", "", "every rule needs an id");
        }
        if let Some(first) = ids.insert(id.to_owned(), line) {
            p.add(
                file,
                line,
                "id",
                id,
                format!("duplicate rule id: already used on line {first}"),
            );
        }
        let sev_raw = t.get(row, "severity");
        let severity = Severity::parse(sev_raw).unwrap_or_else(|| {
            p.add(
                file,
                line,
                "severity",
                sev_raw,
                "severity is error, warning or mismatch",
            );
            Severity::Error
        });
        let kind_raw = t.get(row, "kind");
        let Some(kind) = RuleKind::parse(kind_raw) else {
            p.add(
                file,
                line,
                "kind",
                kind_raw,
                "unknown rule kind: the validation engine has no such check",
            );
            continue;
        };
        let fields: Vec<String> = t
            .get(row, "fields")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        for f in &fields {
            if !known.contains(f.as_str()) {
                p.add(file, line, "fields", f, "the rule names an unknown field");
            }
        }
        if let Some(n) = kind.field_count()
            && fields.len() != n
        {
            p.add(
                file,
                line,
                "fields",
                t.get(row, "fields"),
                format!("a {kind_raw} rule names exactly {n} field(s)"),
            );
        }
        let mut params = BTreeMap::new();
        for part in t
            .get(row, "params")
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match part.split_once('=') {
                Some((k, v)) => {
                    params.insert(k.trim().to_owned(), v.trim().to_owned());
                }
                None => p.add(
                    file,
                    line,
                    "params",
                    part,
                    "parameters read key=value;key=value",
                ),
            }
        }
        if matches!(kind, RuleKind::OnlyWhen | RuleKind::BlankWhen) {
            match params.get("when").map(|w| (w, Condition::parse(w))) {
                Some((_, Some(c))) if !known.contains(c.field.as_str()) => {
                    p.add(
                        file,
                        line,
                        "params",
                        &c.field,
                        "the condition names an unknown field",
                    );
                }
                Some((_, Some(_))) => {}
                Some((w, None)) => p.add(file, line, "params", w, "cannot read the condition"),
                None => p.add(file, line, "params", "", "this rule needs when=<condition>"),
            }
        }
        // Any rule may apply in some datasets only.
        if let Some(list) = params.get("datasets") {
            for d in list.split('|').map(str::trim) {
                if Dataset::parse(d).is_none() {
                    p.add(file, line, "params", d, "datasets= names AD, YP, SA or SY");
                }
            }
        }
        if kind == RuleKind::Overdue {
            match params.get("due") {
                None => p.add(
                    file,
                    line,
                    "params",
                    "",
                    "this rule needs due=<schedule ids of due.csv>",
                ),
                Some(list) => {
                    for id in list.split('|').map(str::trim) {
                        if !due.contains(id) {
                            p.add(
                                file,
                                line,
                                "params",
                                id,
                                "no schedule of due.csv has this id",
                            );
                        }
                    }
                }
            }
        }
        let message = t.get(row, "message");
        if message.is_empty() {
            p.add(file, line, "message", "", "every rule needs a message");
        }
        rules.push(Rule {
            id: id.to_owned(),
            severity,
            kind,
            fields,
            params,
            message: message.to_owned(),
            fix: t.get(row, "fix").to_owned(),
            provenance: provenance(&t, line, t.get(row, "provenance"), p),
            note: t.get(row, "note").to_owned(),
        });
    }
    rules
}
