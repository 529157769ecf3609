//! Drafts: what is being typed, kept continuously so nothing is lost to a crash or a lock.

use rusqlite::params;

use crate::Store;
use crate::auth::Permission;
use crate::error::Result;
use crate::model::{Draft, Entity, Fields, code, from_json, to_json};

impl Store {
    /// Saves what is being typed; called continuously by the form (at most a second apart).
    pub fn save_draft(
        &mut self,
        entity: Entity,
        record_key: &str,
        fields: &Fields,
        focus: &str,
    ) -> Result<()> {
        self.save_draft_at(entity, record_key, fields, focus, "")
    }

    /// Saves a draft with where its form sits (`place`, JSON), in one statement.
    pub(crate) fn save_draft_at(
        &mut self,
        entity: Entity,
        record_key: &str,
        fields: &Fields,
        focus: &str,
        place: &str,
    ) -> Result<()> {
        let s = self.authorize(Permission::EditClients)?;
        let now = self.now();
        self.conn.prepare_cached(
            "INSERT INTO draft (user_id, entity, record_key, fields, focus, updated_at, place) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (user_id, entity, record_key) DO UPDATE SET fields = excluded.fields, focus = excluded.focus, updated_at = excluded.updated_at, place = excluded.place",
        )?
        .execute(params![s.user_id, code(entity), record_key, to_json(fields), focus, now, place])?;
        Ok(())
    }

    pub fn drafts(&mut self) -> Result<Vec<Draft>> {
        let s = self.authorize(Permission::EditClients)?;
        let mut stmt = self.conn.prepare_cached("SELECT entity, record_key, fields, focus, updated_at FROM draft WHERE user_id = ?1 ORDER BY updated_at DESC")?;
        let rows = stmt.query_map([s.user_id], |r| {
            let entity: String = r.get(0)?;
            Ok(Draft {
                entity: serde_json::from_value(serde_json::Value::String(entity))
                    .unwrap_or(Entity::Client),
                record_key: r.get(1)?,
                fields: from_json(&r.get::<_, String>(2)?),
                focus: r.get(3)?,
                updated_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn discard_draft(&mut self, entity: Entity, record_key: &str) -> Result<()> {
        let s = self.authorize(Permission::EditClients)?;
        self.conn.execute(
            "DELETE FROM draft WHERE user_id = ?1 AND entity = ?2 AND record_key = ?3",
            params![s.user_id, code(entity), record_key],
        )?;
        Ok(())
    }
}
