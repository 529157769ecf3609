//! The period lock: records whose dates fall in a transferred period change only by a data lead,
//! and such a change is audited. The dated fields come from the store's reference data in force.

use std::sync::Arc;

use chrono::NaiveDate;
use ndtms_dataset::values::parse_date;
use ndtms_dataset::{Catalogue, Section};
use rusqlite::{Connection, OptionalExtension, params};

use crate::Store;
use crate::audit::{self, Entry};
use crate::auth::Permission;
use crate::error::{ErrorCode, Result, StoreError};
use crate::model::{Entity, Fields};

/// Per entity, the headers of its dated fields in catalogue order (the first is its anchor),
/// and each field's label, for messages people read.
#[derive(Debug, Clone, Default)]
pub struct DatedFields(
    Vec<(Entity, Vec<String>)>,
    std::collections::HashMap<String, String>,
);

impl DatedFields {
    pub fn from_catalogue(cat: &Catalogue) -> Self {
        let of = |sections: &[Section]| -> Vec<String> {
            cat.fields
                .iter()
                .filter(|f| {
                    sections.contains(&f.section) && f.kind == ndtms_dataset::model::FieldType::Date
                })
                .map(|f| f.header.clone())
                .collect()
        };
        Self(
            [
                (Entity::Client, of(&[Section::Client])),
                (Entity::Episode, of(&[Section::Episode])),
                (Entity::Intervention, of(&[Section::Intervention])),
                (Entity::SubInterventionReview, of(&[Section::Sir])),
                (Entity::OutcomeRecord, of(&[Section::Top, Section::Ypor])),
                (Entity::ClientInformationReview, of(&[Section::Cir])),
            ]
            .into(),
            cat.fields
                .iter()
                .map(|f| (f.header.clone(), f.label.clone()))
                .collect(),
        )
    }

    /// "Referral date (REFLD)": a field as messages name it.
    fn named(&self, header: &str) -> String {
        self.1
            .get(header)
            .map_or_else(|| header.to_owned(), |l| format!("{l} ({header})"))
    }

    fn of(&self, e: Entity) -> &[String] {
        self.0
            .iter()
            .find(|(x, _)| *x == e)
            .map_or(&[], |(_, v)| v.as_slice())
    }
}

/// The transferred periods, for deciding whether a change needs a data lead.
#[derive(Debug, Clone, Default)]
pub(crate) struct Locks {
    ranges: Vec<(NaiveDate, NaiveDate)>,
}

impl Locks {
    pub(crate) fn load(conn: &Connection) -> Result<Self> {
        // Fails closed: a lock that cannot be read is an error, never a period left open.
        let mut stmt = conn.prepare_cached(
            "SELECT id, period_start, period_end FROM submission WHERE locks_period = 1",
        )?;
        let mut rows = stmt.query([])?;
        let mut ranges = Vec::new();
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let dates = (r.get::<_, String>(1), r.get::<_, String>(2));
            let (Ok(a), Ok(b)) = dates else {
                return Err(StoreError::LockUnreadable(id));
            };
            match (parse_iso(&a), parse_iso(&b)) {
                (Some(a), Some(b)) if a <= b => ranges.push((a, b)),
                _ => return Err(StoreError::LockUnreadable(id)),
            }
        }
        Ok(Self { ranges })
    }

    fn holding(&self, d: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        self.ranges
            .iter()
            .copied()
            .find(|(s, e)| *s <= d && d <= *e)
    }

    /// Why changing `old` into `new` needs a data lead, or None when it does not.
    pub(crate) fn reason(
        &self,
        dated: &DatedFields,
        entity: Entity,
        key: &str,
        old: &Fields,
        new: &Fields,
    ) -> Option<String> {
        if self.ranges.is_empty() {
            return None;
        }
        let dates = dated.of(entity);
        let get = |f: &Fields, h: &str| f.get(h).map_or("", |v| v.trim()).to_owned();
        let say = |h: &str, d: NaiveDate, (s, e): (NaiveDate, NaiveDate)| {
            format!(
                "{key}: {} {} lies in the transferred period {} to {}; only a data lead can change it",
                dated.named(h),
                ndtms_dataset::values::format_date(d),
                ndtms_dataset::values::format_date(s),
                ndtms_dataset::values::format_date(e)
            )
        };
        let anchor = dates
            .iter()
            .find_map(|h| parse_date(&get(old, h)).map(|d| (h, d)));
        let headers: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for h in headers {
            let (o, n) = (get(old, h), get(new, h));
            if o == n {
                continue;
            }
            if dates.contains(h) {
                for d in [parse_date(&o), parse_date(&n)].into_iter().flatten() {
                    if let Some(r) = self.holding(d) {
                        return Some(say(h, d, r));
                    }
                }
            } else if !o.is_empty()
                && let Some((ah, ad)) = anchor
                && let Some(r) = self.holding(ad)
            {
                return Some(say(ah, ad, r));
            }
        }
        None
    }
}

fn parse_iso(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

impl Store {
    /// The transferred periods, the dated fields of the reference data in force (loaded only
    /// once a period is locked, so opening a store does not parse the reference data), and
    /// whether this user may change records inside them.
    pub(crate) fn lock_check(&mut self, s: &crate::Session) -> Result<LockCheck> {
        let locks = Locks::load(&self.conn)?;
        let dated = if locks.ranges.is_empty() {
            Arc::default()
        } else {
            self.reference_in_force()?.dated
        };
        Ok(LockCheck {
            locks,
            dated,
            may_edit_locked: s.role.allows(Permission::EditLockedPeriod),
            because: None,
            seal: self.seal.clone(),
        })
    }
}

/// What a change is checked against: the transferred periods, the dated fields, and whether the
/// user may override the lock (a data lead), which is then audited.
#[derive(Debug)]
pub(crate) struct LockCheck {
    pub locks: Locks,
    pub dated: Arc<DatedFields>,
    pub may_edit_locked: bool,
    /// The reason a data lead gave for changing a transferred record, where the caller asks
    /// for one (the app's forms): then a change to such a record without one is refused.
    pub because: Option<String>,
    /// Seals the `edit_locked_period` entry this check may write.
    pub seal: audit::Seal,
}

impl LockCheck {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn check(
        &self,
        tx: &rusqlite::Transaction<'_>,
        now: &str,
        user: i64,
        entity: Entity,
        key: &str,
        old: &Fields,
        new: &Fields,
    ) -> Result<()> {
        let Some(reason) = self.locks.reason(&self.dated, entity, key, old, new) else {
            return Ok(());
        };
        if !self.may_edit_locked {
            return Err(StoreError::PeriodLocked(reason));
        }
        let reason = match self.because.as_deref().map(str::trim) {
            None => reason,
            Some("") => {
                return Err(StoreError::invalid(
                    ErrorCode::LockReasonMissing,
                    format!("{reason}: say why it is being changed"),
                ));
            }
            Some(why) => format!("{reason}. Reason given: {why}"),
        };
        audit::append(
            tx,
            &self.seal,
            now,
            &Entry {
                user_id: Some(user),
                action: "edit_locked_period",
                entity: entity.table(),
                record_key: key,
                field: "",
                old_value: "",
                new_value: &reason,
            },
        )
    }
}

impl Store {
    /// Unlocks the period a transfer locked, for a reason a data lead gives (the regional team
    /// asked for a resubmission): every lock inside that period goes, so records in it can be
    /// changed without a reason each until the next transfer locks it again. The transfers stay
    /// in the history; each unlock and its reason are audited.
    pub fn unlock_period(&mut self, submission: i64, because: &str) -> Result<()> {
        let s = self.authorize(Permission::EditLockedPeriod)?;
        let because = because.trim();
        if because.is_empty() {
            return Err(StoreError::invalid(
                ErrorCode::LockReasonMissing,
                "say why the period is being unlocked",
            ));
        }
        let now = self.now();
        let tx = self.conn.transaction()?;
        let found: Option<(String, String, String, bool)> = tx
            .query_row(
                "SELECT file_name, period_start, period_end, locks_period FROM submission WHERE id = ?1",
                [submission],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((file, start, end, locked)) = found else {
            return Err(StoreError::NoSuchRecord {
                entity: "submission".into(),
                key: submission.to_string(),
            });
        };
        if !locked {
            return Err(StoreError::invalid(
                ErrorCode::PeriodNotLocked,
                format!("{file} ({start} to {end}) does not lock its period"),
            ));
        }
        // Every lock inside the period goes with it (an earlier month's transfer, or an upload
        // confirmed by hand of the same file), so what the data lead is told holds.
        let inside: Vec<(i64, String, String, String)> = {
            let mut stmt = tx.prepare(
                "SELECT id, file_name, period_start, period_end FROM submission
                 WHERE locks_period = 1 AND period_start >= ?1 AND period_end <= ?2",
            )?;
            let rows = stmt.query_map(params![start, end], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        for (id, file, start, end) in &inside {
            tx.execute("UPDATE submission SET locks_period = 0 WHERE id = ?1", [id])?;
            audit::append(
                &tx,
                &self.seal,
                &now,
                &Entry {
                    user_id: Some(s.user_id),
                    action: "unlock_period",
                    entity: "submission",
                    record_key: file,
                    field: "locks_period",
                    old_value: &format!("{start} to {end}"),
                    new_value: because,
                },
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
