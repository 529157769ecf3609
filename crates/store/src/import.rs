//! Import of wide CDS-R rows (one per client and episode, at most one of each child) as records,
//! with a preview of what it would do.

use std::collections::HashMap;

use ndtms_dataset::{Catalogue, Section};
use serde::Serialize;
use ts_rs::TS;

use crate::Store;
use crate::auth::Permission;
use crate::error::{ErrorCode, Result, StoreError};
use crate::model::{Entity, Fields, RecordKey, from_json};
use crate::records::locate;

impl Store {
    /// Imports wide CDS-R rows (one per client and episode with at most one of each child) into
    /// records, read by the catalogue in force today for this database, in one transaction:
    /// all or nothing. A record already saved with the same values is left as it is, so a
    /// second import of the same rows changes nothing. Rows with no client ID are passed over
    /// (see [`Store::import_preview`]). Answers with the records the rows hold.
    pub fn import_rows(&mut self, headers: &[String], rows: &[Vec<String>]) -> Result<usize> {
        self.authorize(Permission::EditClients)?;
        let (records, _) = self.records_of_rows(headers, rows)?;
        let n = records.len();
        self.save_all(&records)?;
        Ok(n)
    }

    /// What importing the rows would do, changing nothing: records to create, to change and
    /// already the same; clients new and known; rows passed over (no client ID), by line; and
    /// new clients whose identifying details match a client already here.
    pub fn import_preview(
        &mut self,
        headers: &[String],
        rows: &[Vec<String>],
    ) -> Result<ImportPreview> {
        self.authorize(Permission::EditClients)?;
        let (records, passed_over) = self.records_of_rows(headers, rows)?;
        let reference = self.reference_in_force()?;
        let agency = self.agency()?;
        let cat = &reference
            .data
            .version_on(ndtms_dataset::model::today())?
            .catalogue;
        let cols = crate::new_client::identifying(cat, agency.dataset);
        let tx = self.conn.transaction()?;
        let mut p = ImportPreview {
            passed_over,
            ..ImportPreview::default()
        };
        // The identifying details of every client here, once, for the duplicates.
        let mut known: HashMap<Vec<String>, String> = HashMap::new();
        {
            let mut stmt = tx.prepare("SELECT client_ref, fields FROM client")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let f = from_json(&r.get::<_, String>(1)?);
                if let Some(k) = details_key(cat, &cols, &f) {
                    known.insert(k, r.get(0)?);
                }
            }
        }
        // A client (and an episode) stands on every row of theirs: counted once.
        let mut seen = std::collections::HashSet::new();
        for (entity, key, fields) in &records {
            if !seen.insert((entity.table(), key.display())) {
                continue;
            }
            let found = match locate(&tx, *entity, key) {
                Ok((_, old)) => Some(old),
                Err(StoreError::NoSuchRecord { .. }) => None,
                Err(e) => return Err(e),
            };
            match &found {
                None => p.create += 1,
                Some(old) if old == fields => p.same += 1,
                Some(_) => p.change += 1,
            }
            if *entity != Entity::Client {
                continue;
            }
            if found.is_some() {
                p.clients_known += 1;
                continue;
            }
            p.clients_new += 1;
            if let Some(existing) = details_key(cat, &cols, fields).and_then(|k| known.get(&k)) {
                p.duplicates.push(ImportDuplicate {
                    reference: key.client.clone(),
                    existing: existing.clone(),
                });
            }
        }
        Ok(p)
    }

    /// The rows as records, and the lines of rows passed over for having no client ID.
    fn records_of_rows(
        &mut self,
        headers: &[String],
        rows: &[Vec<String>],
    ) -> Result<(Vec<Record>, Vec<u64>)> {
        let reference = self.reference_in_force()?;
        let cat = &reference
            .data
            .version_on(ndtms_dataset::model::today())?
            .catalogue;
        let mut records = Vec::new();
        let col = |h: &str| headers.iter().position(|x| x == h);
        let key_of = |role| {
            cat.key_column(role)
                .and_then(|c| col(&cat.fields[c].header))
        };
        let (Some(cc), Some(ec)) = (
            key_of(ndtms_dataset::model::KeyRole::Client),
            key_of(ndtms_dataset::model::KeyRole::Episode),
        ) else {
            return Err(StoreError::invalid(
                ErrorCode::ImportNoKeyColumns,
                "the rows have no client or episode ID column",
            ));
        };
        // The software that made the file is the old system's, not the client's: not kept
        // (this program writes its own name there when it sends the client).
        let section_of: Vec<Option<Section>> = headers
            .iter()
            .map(|h| {
                cat.field(h)
                    .filter(|f| f.key.and_then(|k| k.filled_by_program()).is_none())
                    .map(|f| f.section)
            })
            .collect();
        let child_key = |s: Section| {
            cat.fields
                .iter()
                .find(|f| f.section == s && f.key.is_some())
                .and_then(|f| col(&f.header))
        };
        let pick = |row: &Vec<String>, s: Section| -> Fields {
            row.iter()
                .enumerate()
                .filter(|(i, v)| section_of[*i] == Some(s) && !v.is_empty())
                .map(|(i, v)| (headers[i].clone(), v.clone()))
                .collect()
        };
        let mut passed_over = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let client = row[cc].trim().to_owned();
            if client.is_empty() {
                // The header is line 1.
                passed_over.push(i as u64 + 2);
                continue;
            }
            let mut key = RecordKey::client(&client);
            records.push((Entity::Client, key.clone(), pick(row, Section::Client)));
            if row[ec].is_empty() {
                continue;
            }
            key.episode = Some(row[ec].clone());
            records.push((Entity::Episode, key.clone(), pick(row, Section::Episode)));
            let intervention = child_key(Section::Intervention)
                .map(|c| row[c].clone())
                .filter(|v| !v.is_empty());
            if let Some(i) = &intervention {
                records.push((
                    Entity::Intervention,
                    RecordKey {
                        child: Some(i.clone()),
                        ..key.clone()
                    },
                    pick(row, Section::Intervention),
                ));
            }
            for (section, entity) in [
                (Section::Sir, Entity::SubInterventionReview),
                (Section::Top, Entity::OutcomeRecord),
                (Section::Ypor, Entity::OutcomeRecord),
                (Section::Cir, Entity::ClientInformationReview),
            ] {
                if let Some(id) = child_key(section)
                    .map(|c| row[c].clone())
                    .filter(|v| !v.is_empty())
                {
                    if section == Section::Sir && intervention.is_none() {
                        continue;
                    }
                    let k = RecordKey {
                        intervention: if section == Section::Sir {
                            intervention.clone()
                        } else {
                            None
                        },
                        child: Some(format!(
                            "{}{}",
                            if section == Section::Ypor {
                                "ypor:"
                            } else if section == Section::Top {
                                "top:"
                            } else {
                                ""
                            },
                            id
                        )),
                        ..key.clone()
                    };
                    records.push((entity, k, pick(row, section)));
                }
            }
        }
        Ok((records, passed_over))
    }
}

/// One record to save: its kind, key and values.
type Record = (Entity, RecordKey, Fields);

/// What importing a file would do (see [`Store::import_preview`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct ImportPreview {
    #[ts(type = "number")]
    pub create: u64,
    #[ts(type = "number")]
    pub change: u64,
    #[ts(type = "number")]
    pub same: u64,
    #[ts(type = "number")]
    pub clients_new: u64,
    #[ts(type = "number")]
    pub clients_known: u64,
    /// Lines of rows with no client ID: not imported.
    #[ts(type = "number[]")]
    pub passed_over: Vec<u64>,
    pub duplicates: Vec<ImportDuplicate>,
}

/// A client new in the file whose identifying details match one already here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportDuplicate {
    pub reference: String,
    pub existing: String,
}

/// A client's identifying details, when every one is given.
fn details_key(cat: &Catalogue, cols: &[usize], f: &Fields) -> Option<Vec<String>> {
    let values: Vec<String> = cols
        .iter()
        .map(|&c| {
            f.get(&cat.fields[c].header)
                .map_or("", |v| v.trim())
                .to_owned()
        })
        .collect();
    (!cols.is_empty() && values.iter().all(|v| !v.is_empty())).then_some(values)
}
