-- Schema 4: a user an administrator adds (or whose password is reset) must choose their own
-- password at their next log-in; until then the store allows nothing else.
ALTER TABLE user ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
