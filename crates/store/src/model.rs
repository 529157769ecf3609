//! The record model: kinds of record, their keys, what a client record holds, consent and
//! drafts as the screens see them, and the small conversions every record file uses.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Result, StoreError};

/// A record's dataset values: header -> code, exactly as they go in the extract.
pub type Fields = BTreeMap<String, String>;

/// The kinds of record, each a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Client,
    Episode,
    Intervention,
    SubInterventionReview,
    OutcomeRecord,
    ClientInformationReview,
}

impl Entity {
    pub(crate) fn table(self) -> &'static str {
        match self {
            Entity::Client => "client",
            Entity::Episode => "episode",
            Entity::Intervention => "intervention",
            Entity::SubInterventionReview => "sub_intervention_review",
            Entity::OutcomeRecord => "outcome_record",
            Entity::ClientInformationReview => "client_information_review",
        }
    }
}

/// Where a record sits: client, then episode, then the child and (for reviews) its intervention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RecordKey {
    pub client: String,
    pub episode: Option<String>,
    pub intervention: Option<String>,
    pub child: Option<String>,
}

impl RecordKey {
    pub fn client(c: &str) -> Self {
        Self {
            client: c.to_owned(),
            ..Default::default()
        }
    }

    pub(crate) fn display(&self) -> String {
        [
            Some(&self.client),
            self.episode.as_ref(),
            self.intervention.as_ref(),
            self.child.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("/")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChildRecord {
    pub reference: String,
    pub kind: String,
    pub fields: Fields,
    pub reviews: Vec<ChildRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EpisodeRecord {
    pub reference: String,
    pub fields: Fields,
    pub interventions: Vec<ChildRecord>,
    pub outcomes: Vec<ChildRecord>,
    pub reviews: Vec<ChildRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ClientRecord {
    pub reference: String,
    pub fields: Fields,
    pub episodes: Vec<EpisodeRecord>,
    pub consent: Vec<ConsentEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ClientSummary {
    pub reference: String,
    pub initials: String,
    pub date_of_birth: String,
    pub episodes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsentScope {
    Ndtms,
    Ips,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    Given,
    Refused,
    Withdrawn,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConsentEvent {
    pub scope: ConsentScope,
    pub status: ConsentStatus,
    pub date: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Draft {
    pub entity: Entity,
    pub record_key: String,
    pub fields: Fields,
    /// The field the keyworker was in, so the form reopens where it was.
    pub focus: String,
    pub updated_at: String,
}

pub(crate) fn code<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(crate) fn to_json(f: &Fields) -> String {
    serde_json::to_string(f).unwrap_or_else(|_| "{}".into())
}

pub(crate) fn from_json(s: &str) -> Fields {
    serde_json::from_str(s).unwrap_or_default()
}

pub(crate) fn id_of(
    tx: &Transaction<'_>,
    sql: &str,
    p: impl rusqlite::Params,
    what: &str,
    key: &str,
) -> Result<i64> {
    tx.query_row(sql, p, |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NoSuchRecord {
            entity: what.into(),
            key: key.into(),
        })
}

/// A client's row id by its reference, or `NoSuchRecord` naming it.
pub(crate) fn client_id(tx: &Transaction<'_>, reference: &str) -> Result<i64> {
    id_of(
        tx,
        "SELECT id FROM client WHERE client_ref = ?1",
        [reference],
        "client",
        reference,
    )
}
