//! A record's form: any section of a client's records, new or saved, with the catalogue's form
//! for the agency's dataset, the values saved, this user's draft of it, and the id a new record
//! will have. Saving files it where its section and place say, and lets go of the draft.

use ndtms_dataset::{Catalogue, Form, Section};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use crate::Store;
use crate::auth::Permission;
use crate::error::{ErrorCode, Result, StoreError};
use crate::model::{Draft, Entity, Fields, RecordKey, from_json};
use crate::records::read_client;

/// The kind of record a section's values are kept as.
pub fn entity_of(section: Section) -> Entity {
    match section {
        Section::Client => Entity::Client,
        Section::Episode => Entity::Episode,
        Section::Intervention => Entity::Intervention,
        Section::Sir => Entity::SubInterventionReview,
        Section::Top | Section::Ypor => Entity::OutcomeRecord,
        Section::Cir => Entity::ClientInformationReview,
    }
}

/// Outcome records of both kinds share a table; their ids are kept as "top:ID" or "ypor:ID".
fn stored_child(section: Section, id: &str) -> String {
    match section {
        Section::Top => format!("top:{id}"),
        Section::Ypor => format!("ypor:{id}"),
        _ => id.to_owned(),
    }
}

/// What a new record's id starts with, before its number.
fn id_prefix(section: Section) -> &'static str {
    match section {
        Section::Client => "C",
        Section::Episode => "E",
        Section::Intervention => "I",
        Section::Sir => "R",
        Section::Top => "TOP",
        Section::Ypor => "YPOR",
        Section::Cir => "CIR",
    }
}

/// The record a form is for. `id` is the record's own id (the episode's, or the child's); blank
/// for a new one.
#[derive(Debug, Clone, serde::Deserialize, Serialize, TS)]
pub struct RecordPlace {
    pub section: Section,
    pub client: String,
    pub episode: Option<String>,
    pub intervention: Option<String>,
    pub id: Option<String>,
}

impl RecordPlace {
    /// The store's key of the record, with `id` as its own id.
    fn key(&self, id: &str) -> RecordKey {
        let mut key = RecordKey::client(&self.client);
        match self.section {
            Section::Client => {}
            Section::Episode => key.episode = Some(id.to_owned()),
            _ => {
                key.episode.clone_from(&self.episode);
                key.intervention.clone_from(&self.intervention);
                key.child = Some(stored_child(self.section, id));
            }
        }
        key
    }

    /// The key a draft of this record is kept under: the record's key, or where a new one goes.
    fn draft_key(&self) -> String {
        let id = self
            .id
            .clone()
            .unwrap_or_else(|| format!("+{}", self.section.code()));
        let mut parts = vec![self.client.clone()];
        parts.extend(
            self.episode
                .clone()
                .filter(|_| self.section != Section::Episode),
        );
        parts.extend(self.intervention.clone());
        if self.section != Section::Client {
            parts.push(id);
        }
        parts.join("/")
    }
}

/// A draft as the drafts list shows it: what it is, when it was last typed in, and where its
/// form is (None for a draft kept before places were).
#[derive(Debug, Clone, Serialize, TS)]
pub struct DraftItem {
    pub what: String,
    pub updated_at: String,
    pub place: Option<RecordPlace>,
}

impl RecordPlace {
    /// "Episode (new), client C1", "Intervention I1, episode E1, client C1".
    pub fn describe(&self) -> String {
        let name = self.section.label();
        let what = match &self.id {
            Some(_) if self.section == Section::Client => "The client's details".to_owned(),
            Some(id) => format!("{name} {id}"),
            None => format!("{name} (new)"),
        };
        let mut at = Vec::new();
        if self.section != Section::Episode {
            at.extend(self.episode.as_ref().map(|e| format!("episode {e}")));
        }
        at.extend(
            self.intervention
                .as_ref()
                .map(|i| format!("intervention {i}")),
        );
        at.push(format!("client {}", self.client));
        format!("{what}, {}", at.join(", "))
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RecordForm {
    pub place: RecordPlace,
    pub form: Form,
    /// The values saved (empty for a new record).
    pub fields: Fields,
    pub exists: bool,
    /// The record's id, or the one a new record will be given.
    pub id: String,
    /// This user's unsaved changes to it, if any.
    pub draft: Option<Draft>,
    /// Why the saved record is locked (its dates lie in a transferred period): a keyworker
    /// cannot change it; a data lead can, giving a reason.
    pub locked: Option<String>,
}

/// The fields of `section` whose condition on another field does not hold for `fields`. A
/// condition on a record key (such as "TOPID present") holds: a record in a form has its ids,
/// which the app fills rather than the form.
pub fn hidden_fields(cat: &Catalogue, section: Section, fields: &Fields) -> Vec<String> {
    let value = |h: &str| -> &str {
        if cat.field(h).is_some_and(|f| f.key.is_some()) {
            return "present";
        }
        fields.get(h).map_or("", String::as_str)
    };
    cat.fields
        .iter()
        .filter(|f| f.section == section)
        .filter(|f| {
            f.condition
                .as_ref()
                .is_some_and(|c| !c.holds(value(&c.field)))
        })
        .map(|f| f.header.clone())
        .collect()
}

impl Store {
    /// A record's form: the catalogue's, the values saved, this user's draft, and its id.
    pub fn record_form(&mut self, place: &RecordPlace) -> Result<RecordForm> {
        let s = self.authorize(Permission::ViewClients)?;
        let form = self.form(place.section)?;
        let tx = self.conn.transaction()?;
        let client = read_client(&tx, &place.client)?;
        let episode = place
            .episode
            .as_ref()
            .map(|e| {
                client
                    .episodes
                    .iter()
                    .find(|x| &x.reference == e)
                    .ok_or_else(|| StoreError::NoSuchRecord {
                        entity: "episode".into(),
                        key: format!("{}/{e}", place.client),
                    })
            })
            .transpose()?;
        // The saved values and the ids already used where a new record would go.
        let (saved, taken): (Option<Fields>, Vec<String>) = match place.section {
            Section::Client => (Some(client.fields.clone()), vec![]),
            Section::Episode => {
                let ids = client
                    .episodes
                    .iter()
                    .map(|e| e.reference.clone())
                    .collect();
                let saved = place.id.as_ref().and_then(|id| {
                    client
                        .episodes
                        .iter()
                        .find(|e| &e.reference == id)
                        .map(|e| e.fields.clone())
                });
                (saved, ids)
            }
            section => {
                let ep = episode.ok_or_else(|| {
                    StoreError::invalid(ErrorCode::RecordKeyMissing, "the episode is missing")
                })?;
                let children = match section {
                    Section::Intervention => ep.interventions.clone(),
                    Section::Sir => ep
                        .interventions
                        .iter()
                        .find(|i| Some(&i.reference) == place.intervention.as_ref())
                        .map(|i| i.reviews.clone())
                        .ok_or_else(|| {
                            StoreError::invalid(
                                ErrorCode::RecordKeyMissing,
                                "the intervention is missing",
                            )
                        })?,
                    Section::Top | Section::Ypor => ep.outcomes.clone(),
                    _ => ep.reviews.clone(),
                };
                let ids = children
                    .iter()
                    .map(|c| {
                        c.reference
                            .split_once(':')
                            .map_or(c.reference.clone(), |(_, id)| id.to_owned())
                    })
                    .collect();
                let saved = place.id.as_ref().and_then(|id| {
                    let stored = stored_child(section, id);
                    children
                        .iter()
                        .find(|c| c.reference == stored)
                        .map(|c| c.fields.clone())
                });
                (saved, ids)
            }
        };
        let exists = saved.is_some();
        if place.id.is_some() && !exists {
            return Err(StoreError::NoSuchRecord {
                entity: place.section.code().into(),
                key: place.draft_key(),
            });
        }
        let id = match &place.id {
            Some(id) => id.clone(),
            None => (1..)
                .map(|n| format!("{}{n}", id_prefix(place.section)))
                .find(|c| !taken.contains(c))
                .unwrap_or_default(),
        };
        let draft = tx
            .query_row(
                "SELECT fields, focus, updated_at FROM draft WHERE user_id = ?1 AND entity = ?2 AND record_key = ?3",
                params![s.user_id, crate::model::code(entity_of(place.section)), place.draft_key()],
                |r| {
                    Ok(Draft {
                        entity: entity_of(place.section),
                        record_key: place.draft_key(),
                        fields: from_json(&r.get::<_, String>(0)?),
                        focus: r.get(1)?,
                        updated_at: r.get(2)?,
                    })
                },
            )
            .optional()?;
        tx.commit()?;
        let saved = saved.unwrap_or_default();
        let locked = if exists {
            let lock = self.lock_check(&s)?;
            let key = place.key(&id);
            lock.locks.reason(
                &lock.dated,
                entity_of(place.section),
                &key.display(),
                &saved,
                &Fields::new(),
            )
        } else {
            None
        };
        Ok(RecordForm {
            place: place.clone(),
            form,
            fields: saved,
            exists,
            id,
            draft,
            locked,
        })
    }

    /// The fields of a record's form not asked for these values (their condition does not
    /// hold). A condition on another section's field (pregnancy on the client's sex) reads the
    /// client's saved record, and for a child record its episode's.
    pub fn hidden_fields(&mut self, place: &RecordPlace, fields: &Fields) -> Result<Vec<String>> {
        self.authorize(Permission::ViewClients)?;
        let used = self.reference_in_force()?;
        let cat = &used
            .data
            .version_on(ndtms_dataset::model::today())?
            .catalogue;
        let tx = self.conn.transaction()?;
        let client = read_client(&tx, &place.client)?;
        tx.commit()?;
        let mut all = client.fields.clone();
        if place.section != Section::Episode
            && let Some(ep) = client
                .episodes
                .iter()
                .find(|e| Some(&e.reference) == place.episode.as_ref())
        {
            all.extend(ep.fields.clone());
        }
        all.extend(fields.iter().map(|(h, v)| (h.clone(), v.clone())));
        Ok(hidden_fields(cat, place.section, &all))
    }

    /// Keeps what is being typed into a record's form (at most a second behind the typing).
    pub fn keep_draft(&mut self, place: &RecordPlace, fields: &Fields, focus: &str) -> Result<()> {
        let at = serde_json::to_string(place).unwrap_or_default();
        self.save_draft_at(
            entity_of(place.section),
            &place.draft_key(),
            fields,
            focus,
            &at,
        )
    }

    /// This user's drafts, newest first, each with where its form is.
    pub fn draft_list(&mut self) -> Result<Vec<DraftItem>> {
        let s = self.authorize(Permission::EditClients)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT record_key, updated_at, place FROM draft WHERE user_id = ?1 ORDER BY updated_at DESC",
        )?;
        let rows = stmt.query_map([s.user_id], |r| {
            let key: String = r.get(0)?;
            let place: Option<RecordPlace> = serde_json::from_str(&r.get::<_, String>(2)?).ok();
            Ok(DraftItem {
                what: place.as_ref().map_or(key, RecordPlace::describe),
                updated_at: r.get(1)?,
                place,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Throws away this user's unsaved changes to a record.
    pub fn drop_draft(&mut self, place: &RecordPlace) -> Result<()> {
        self.discard_draft(entity_of(place.section), &place.draft_key())
    }

    /// Saves a record's values where its place says (a new one under the id given), and lets go
    /// of this user's draft of it. Blank values and fields whose condition no longer holds are
    /// not kept. `because` is a data lead's reason for changing a record in a transferred period
    /// (needed then; ignored otherwise). Answers with the record's id.
    pub fn save_record(
        &mut self,
        place: &RecordPlace,
        id: &str,
        fields: &Fields,
        because: &str,
    ) -> Result<String> {
        self.authorize(Permission::EditClients)?;
        let id = id.trim();
        if place.section != Section::Client && id.is_empty() {
            return Err(StoreError::invalid(
                ErrorCode::RecordKeyMissing,
                "give the record an ID",
            ));
        }
        if place.id.is_none() && place.section != Section::Client {
            // Only whether a record is already there: the form itself is not needed.
            let tx = self.conn.transaction()?;
            let taken =
                crate::records::locate(&tx, entity_of(place.section), &place.key(id)).is_ok();
            tx.commit()?;
            if taken {
                return Err(StoreError::invalid(
                    ErrorCode::RecordIdTaken,
                    format!("another record here already has the ID {id}: choose another"),
                ));
            }
        }
        let hidden = self.hidden_fields(place, fields)?;
        let kept: Fields = fields
            .iter()
            .filter(|(h, v)| !v.trim().is_empty() && !hidden.contains(h))
            .map(|(h, v)| (h.clone(), v.trim().to_owned()))
            .collect();
        let key = place.key(id);
        self.save_because(entity_of(place.section), &key, &kept, Some(because))?;
        self.drop_draft(place)?;
        if place.id.is_none() {
            // A new record's draft was kept under "+section"; the saved one is under its id.
            let saved = RecordPlace {
                id: Some(id.to_owned()),
                ..place.clone()
            };
            self.drop_draft(&saved)?;
        }
        Ok(id.to_owned())
    }
}

/// Where a finding can be put right: the form of the record its field belongs to.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FindingPlace {
    pub place: RecordPlace,
    /// The field to put the cursor in (blank when the form opened is not the field's own).
    pub field: String,
    /// The client's keyworker, whom a data lead may ask.
    pub keyworker: Option<crate::assignment::Keyworker>,
}

impl Store {
    /// The form a finding of the pre-transfer report is fixed in, found from the ids it carries
    /// and its field's section in the catalogue (any logged-in user). None when the finding is
    /// about no one record (a file's header) or the client is not in this database. A child
    /// record that cannot be found opens its episode instead.
    pub fn finding_place(
        &mut self,
        client: &str,
        episode: &str,
        child: &str,
        field: &str,
    ) -> Result<Option<FindingPlace>> {
        self.authorize(Permission::ViewClients)?;
        if client.is_empty() {
            return Ok(None);
        }
        let reference = self.reference_in_force()?;
        let cat = &reference
            .data
            .version_on(ndtms_dataset::model::today())?
            .catalogue;
        let section = cat.field(field).map_or(Section::Client, |f| f.section);
        let tx = self.conn.transaction()?;
        let Ok(record) = read_client(&tx, client) else {
            return Ok(None);
        };
        drop(tx);
        let keyworker = self.keyworker_of(client)?;
        let client_place = RecordPlace {
            section: Section::Client,
            client: client.to_owned(),
            episode: None,
            intervention: None,
            id: Some(client.to_owned()),
        };
        let episode_place = |e: &str| RecordPlace {
            section: Section::Episode,
            id: Some(e.to_owned()),
            ..client_place.clone()
        };
        let ep = record.episodes.iter().find(|e| e.reference == episode);
        let has = |list: &[crate::model::ChildRecord]| {
            let stored = stored_child(section, child);
            list.iter().any(|c| c.reference == stored)
        };
        let place = match (section, ep) {
            (Section::Client, _) | (_, None) => client_place,
            (Section::Episode, Some(e)) => episode_place(&e.reference),
            (_, Some(e)) => {
                let intervention = match section {
                    Section::Sir => e
                        .interventions
                        .iter()
                        .find(|i| has(&i.reviews))
                        .map(|i| i.reference.clone()),
                    _ => None,
                };
                let found = match section {
                    Section::Intervention => has(&e.interventions),
                    Section::Sir => intervention.is_some(),
                    Section::Top | Section::Ypor => has(&e.outcomes),
                    _ => has(&e.reviews),
                };
                if found && !child.is_empty() {
                    RecordPlace {
                        section,
                        episode: Some(e.reference.clone()),
                        intervention,
                        id: Some(child.to_owned()),
                        ..client_place
                    }
                } else {
                    episode_place(&e.reference)
                }
            }
        };
        let field = if place.section == section {
            field.to_owned()
        } else {
            String::new()
        };
        Ok(Some(FindingPlace {
            place,
            field,
            keyworker,
        }))
    }
}
