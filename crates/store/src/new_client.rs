//! A new client: the form the catalogue gives for the agency's dataset, a suggested unique
//! reference, the possible duplicates shown before saving, and the saving itself with the
//! client's NDTMS consent decision. Every check here is the catalogue's, through the validator.

use ndtms_dataset::model::{KeyRole, Requirement, Section};
use ndtms_dataset::{Finding, Form, Severity, Validator};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Store;
use crate::auth::Permission;
use crate::error::{ErrorCode, Result, StoreError};
use crate::model::{ConsentScope, Entity, Fields, RecordKey, from_json};

/// What the new-client page sends: the reference, the client section's values, and the date of
/// the consent decision (the consent answer itself is the catalogue's consent field).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewClient {
    pub reference: String,
    pub fields: Fields,
    pub consent_date: String,
}

/// Why an existing client may be the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    SameReference,
    SameDetails,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PossibleDuplicate {
    pub reference: String,
    pub reason: DuplicateReason,
    /// The existing client's identifying details as shown, "label: value" each.
    pub details: Vec<String>,
}

/// What saving would meet: the reference's problem, possible duplicates, and the findings of
/// the client section (a record with findings can still be saved).
#[derive(Debug, Clone, Serialize, TS)]
pub struct NewClientCheck {
    pub reference_problem: Option<String>,
    pub duplicates: Vec<PossibleDuplicate>,
    pub findings: Vec<Finding>,
    /// The form's fields whose condition does not hold for these values: not asked.
    pub hidden: Vec<String>,
}

/// The attributors every record must carry (required in the agency's dataset, in the client
/// section): those that say two records are the same person.
pub(crate) fn identifying(
    cat: &ndtms_dataset::Catalogue,
    dataset: ndtms_dataset::Dataset,
) -> Vec<usize> {
    cat.attributor_columns()
        .into_iter()
        .filter(|&c| {
            let f = &cat.fields[c];
            f.section == Section::Client && f.requirement(dataset) == Requirement::Must
        })
        .collect()
}

/// The next reference in the style of the latest one ("C00041" after "C00040"), else `C00001`.
fn next_reference(latest: Option<&str>, mut taken: impl FnMut(&str) -> bool) -> String {
    let (prefix, digits) = match latest {
        Some(r) => {
            let cut = r.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            let (p, d) = r.split_at(cut);
            if d.is_empty() {
                (format!("{p}-"), "0".to_owned())
            } else {
                (p.to_owned(), d.to_owned())
            }
        }
        None => ("C".to_owned(), "00000".to_owned()),
    };
    let width = digits.len().max(1);
    let mut n: u64 = digits.parse().unwrap_or(0);
    loop {
        n += 1;
        let candidate = format!("{prefix}{n:0width$}");
        if !taken(&candidate) {
            return candidate;
        }
    }
}

/// The findings of a client's own section, as one row whose other sections are blank (their
/// requirements do not apply to a client who has no episode yet).
pub fn client_section_findings(
    cat: &ndtms_dataset::Catalogue,
    validator: &Validator<'_>,
    agency: &str,
    reference: &str,
    fields: &Fields,
) -> Vec<Finding> {
    let mut row = vec![String::new(); cat.fields.len()];
    for (h, v) in fields {
        if let Some(c) = cat.column(h) {
            row[c] = v.clone();
        }
    }
    for (role, value) in [(KeyRole::Agency, agency), (KeyRole::Client, reference)] {
        if let Some(c) = cat.key_column(role) {
            row[c] = value.to_owned();
        }
    }
    for (c, v) in cat.filled_by_program() {
        row[c] = v.to_owned();
    }
    let mut findings = Vec::new();
    validator.check_record(&row, None, &mut findings);
    findings.retain(|f| {
        cat.field(&f.field)
            .is_some_and(|x| x.section == Section::Client && x.key.is_none())
    });
    findings
}

impl Store {
    /// The findings of a saved client's own details (for a client with no episode to send).
    pub fn client_findings(&mut self, reference: &str, fields: &Fields) -> Result<Vec<Finding>> {
        self.authorize(Permission::ViewClients)?;
        let agency = self.agency()?;
        let used = self.reference_in_force()?;
        let today = ndtms_dataset::model::today();
        let cat = &used.data.version_on(today)?.catalogue;
        let validator = Validator::new(cat, agency.dataset, today);
        Ok(client_section_findings(
            cat,
            &validator,
            &agency.code,
            reference,
            fields,
        ))
    }

    /// The form of one section for the agency's dataset, from the catalogue in force.
    pub fn form(&mut self, section: Section) -> Result<Form> {
        self.authorize(Permission::ViewClients)?;
        let dataset = self.agency()?.dataset;
        let used = self.reference_in_force()?;
        let today = ndtms_dataset::model::today();
        Ok(used
            .data
            .version_on(today)?
            .catalogue
            .form(section, dataset, today))
    }

    /// The findings of one value as it is typed (the same rules and messages as the report).
    pub fn check_field(&mut self, header: &str, value: &str) -> Result<Vec<Finding>> {
        self.authorize(Permission::ViewClients)?;
        let dataset = self.agency()?.dataset;
        let used = self.reference_in_force()?;
        let today = ndtms_dataset::model::today();
        let cat = &used.data.version_on(today)?.catalogue;
        Ok(Validator::new(cat, dataset, today).check_field(header, value))
    }

    /// A reference no client has, in the style of the last one added.
    pub fn suggest_client_reference(&mut self) -> Result<String> {
        self.authorize(Permission::EditClients)?;
        let latest: Option<String> = self
            .conn
            .query_row(
                "SELECT client_ref FROM client ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .ok();
        let mut exists = self
            .conn
            .prepare_cached("SELECT 1 FROM client WHERE client_ref = ?1")?;
        Ok(next_reference(latest.as_deref(), |r| {
            exists.exists([r]).unwrap_or(true)
        }))
    }

    /// What saving this new client would meet, without saving anything.
    pub fn check_new_client(&mut self, client: &NewClient) -> Result<NewClientCheck> {
        self.authorize(Permission::EditClients)?;
        let agency = self.agency()?;
        let used = self.reference_in_force()?;
        let today = ndtms_dataset::model::today();
        let cat = &used.data.version_on(today)?.catalogue;
        let validator = Validator::new(cat, agency.dataset, today);
        let reference = client.reference.trim();
        let reference_problem = validator
            .check_key(KeyRole::Client, reference)
            .into_iter()
            .find(|f| f.severity == Severity::Error)
            .map(|f| format!("{} {}", f.message, f.fix).trim().to_owned());
        let findings =
            client_section_findings(cat, &validator, &agency.code, reference, &client.fields);
        let duplicates =
            self.possible_duplicates(cat, agency.dataset, reference, &client.fields)?;
        Ok(NewClientCheck {
            reference_problem,
            duplicates,
            findings,
            hidden: crate::record_form::hidden_fields(cat, Section::Client, &client.fields),
        })
    }

    /// Clients with this reference, or with the same identifying details.
    fn possible_duplicates(
        &mut self,
        cat: &ndtms_dataset::Catalogue,
        dataset: ndtms_dataset::Dataset,
        reference: &str,
        fields: &Fields,
    ) -> Result<Vec<PossibleDuplicate>> {
        let cols = identifying(cat, dataset);
        let wanted: Vec<(&str, &str)> = cols
            .iter()
            .map(|&c| {
                let h = cat.fields[c].header.as_str();
                (h, fields.get(h).map_or("", |v| v.trim()))
            })
            .collect();
        let complete = !wanted.is_empty() && wanted.iter().all(|(_, v)| !v.is_empty());
        let details = |f: &Fields| {
            cols.iter()
                .map(|&c| {
                    let field = &cat.fields[c];
                    let v = f.get(&field.header).map_or("", String::as_str);
                    format!("{}: {}", field.label, cat.shown(c, v))
                })
                .collect()
        };
        let mut out = Vec::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT client_ref, fields FROM client")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let existing: String = r.get(0)?;
            let same_reference = !reference.is_empty() && existing == reference;
            // Only clients whose stored details could match are decoded.
            let raw: String = r.get(1)?;
            if !same_reference && (!complete || !wanted.iter().all(|(_, v)| raw.contains(v))) {
                continue;
            }
            let f = from_json(&raw);
            let same_details = complete
                && wanted
                    .iter()
                    .all(|(h, v)| f.get(*h).is_some_and(|x| x.trim() == *v));
            if same_reference || same_details {
                out.push(PossibleDuplicate {
                    reference: existing,
                    reason: if same_reference {
                        DuplicateReason::SameReference
                    } else {
                        DuplicateReason::SameDetails
                    },
                    details: details(&f),
                });
            }
        }
        Ok(out)
    }

    /// Saves a new client and records their NDTMS consent decision (the consent field's answer,
    /// on `consent_date`), both in one transaction, both audited.
    pub fn create_client(&mut self, client: &NewClient) -> Result<()> {
        let s = self.authorize(Permission::EditClients)?;
        let check = self.check_new_client(client)?;
        let reference = client.reference.trim();
        if let Some(problem) = check.reference_problem {
            return Err(StoreError::invalid(
                ErrorCode::ClientReferenceInvalid,
                problem,
            ));
        }
        if check
            .duplicates
            .iter()
            .any(|d| d.reason == DuplicateReason::SameReference)
        {
            return Err(StoreError::invalid(
                ErrorCode::ClientReferenceTaken,
                format!("another client already has the reference {reference}: choose another"),
            ));
        }
        let used = self.reference_in_force()?;
        let cat = &used
            .data
            .version_on(ndtms_dataset::model::today())?
            .catalogue;
        let status = crate::caseload::consent_in_record(cat, &client.fields);
        let Some(status) = status else {
            return Err(StoreError::invalid(
                ErrorCode::ConsentMissing,
                "say whether the client agrees to share their data with NDTMS",
            ));
        };
        crate::consent::check_decision_date(&client.consent_date)?;
        let fields: Fields = client
            .fields
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(h, v)| (h.clone(), v.trim().to_owned()))
            .collect();
        let now = self.now();
        let lock = self.lock_check(&s)?;
        let tx = self.conn.transaction()?;
        crate::records::save_in(
            &tx,
            &lock,
            &now,
            s.user_id,
            Entity::Client,
            &RecordKey::client(reference),
            &fields,
        )?;
        tx.execute(
            "UPDATE client SET keyworker_id = ?1 WHERE client_ref = ?2",
            params![s.user_id, reference],
        )?;
        crate::consent::insert_decision(
            &tx,
            &self.seal,
            &now,
            s.user_id,
            reference,
            ConsentScope::Ndtms,
            status,
            client.consent_date.trim(),
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::next_reference;

    #[test]
    fn the_next_reference_follows_the_last_ones_style_and_skips_taken_ones() {
        assert_eq!(next_reference(None, |_| false), "C00001");
        assert_eq!(next_reference(Some("C00040"), |_| false), "C00041");
        assert_eq!(next_reference(Some("AB9"), |_| false), "AB10");
        assert_eq!(next_reference(Some("C00040"), |r| r == "C00041"), "C00042");
        assert_eq!(next_reference(Some("SMITH"), |_| false), "SMITH-1");
    }
}
