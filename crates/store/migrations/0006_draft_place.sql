-- Schema 6: where a draft's record sits (its form's place, as JSON), so the drafts list can
-- reopen each one; blank for drafts kept before.
ALTER TABLE draft ADD COLUMN place TEXT NOT NULL DEFAULT '';
