//! Import of wide CDS-R rows (one per client and episode, at most one of each child) as records.

use ndtms_dataset::Section;

use crate::Store;
use crate::auth::Permission;
use crate::error::{ErrorCode, Result, StoreError};
use crate::model::{Entity, Fields, RecordKey};

impl Store {
    /// Imports wide CDS-R rows (one per client and episode with at most one of each child) into
    /// records, read by the catalogue in force today for this database.
    pub fn import_rows(&mut self, headers: &[String], rows: &[Vec<String>]) -> Result<usize> {
        self.authorize(Permission::EditClients)?;
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
        let section_of: Vec<Option<Section>> = headers
            .iter()
            .map(|h| cat.field(h).map(|f| f.section))
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
        for row in rows {
            let client = row[cc].clone();
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
        let n = records.len();
        self.save_all(&records)?;
        Ok(n)
    }
}
