-- Schema 3: what each submission reported, and the attributors last transferred per client
-- (the portal reports a mismatch when a later file sends different ones).
ALTER TABLE submission ADD COLUMN report TEXT NOT NULL DEFAULT '';
ALTER TABLE submission ADD COLUMN agency TEXT NOT NULL DEFAULT '';
ALTER TABLE submission ADD COLUMN dataset TEXT NOT NULL DEFAULT '';

CREATE TABLE sent_attributors (
    client_ref TEXT PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submission (id),
    fields TEXT NOT NULL
);
