//! Which keyworker holds a client: set on the client record, read by the caseload's "mine".

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use crate::Store;
use crate::audit::{self, Entry};
use crate::auth::Permission;
use crate::error::{ErrorCode, Result, StoreError};
use crate::model::client_id;

/// A user who can hold clients, as the client record names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Keyworker {
    pub username: String,
    pub display_name: String,
}

impl Store {
    /// The active users a client can be given to (any logged-in user).
    pub fn keyworkers(&mut self) -> Result<Vec<Keyworker>> {
        self.authorize(Permission::ViewClients)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT username, display_name FROM user WHERE active = 1 ORDER BY display_name COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Keyworker {
                username: r.get(0)?,
                display_name: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub(crate) fn keyworker_of(&mut self, reference: &str) -> Result<Option<Keyworker>> {
        Ok(self
            .conn
            .query_row(
                "SELECT u.username, u.display_name FROM client c JOIN user u ON u.id = c.keyworker_id
                 WHERE c.client_ref = ?1",
                [reference],
                |r| {
                    Ok(Keyworker {
                        username: r.get(0)?,
                        display_name: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    /// Gives a client to an active user (None: to nobody); audited.
    pub fn assign_keyworker(&mut self, reference: &str, username: Option<&str>) -> Result<()> {
        let s = self.authorize(Permission::EditClients)?;
        let now = self.now();
        let tx = self.conn.transaction()?;
        let cid = client_id(&tx, reference)?;
        let user: Option<i64> = match username {
            None => None,
            Some(name) => Some(
                tx.query_row(
                    "SELECT id FROM user WHERE username = ?1 AND active = 1",
                    [name],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| {
                    StoreError::invalid(
                        ErrorCode::KeyworkerUnknown,
                        format!("there is no active user called {name}"),
                    )
                })?,
            ),
        };
        let old: Option<String> = tx.query_row(
            "SELECT u.username FROM client c LEFT JOIN user u ON u.id = c.keyworker_id WHERE c.id = ?1",
            [cid],
            |r| r.get(0),
        )?;
        tx.execute(
            "UPDATE client SET keyworker_id = ?1 WHERE id = ?2",
            params![user, cid],
        )?;
        audit::append(
            &tx,
            &self.seal,
            &now,
            &Entry {
                user_id: Some(s.user_id),
                action: "assign",
                entity: "client",
                record_key: reference,
                field: "keyworker",
                old_value: old.as_deref().unwrap_or(""),
                new_value: username.unwrap_or(""),
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}
