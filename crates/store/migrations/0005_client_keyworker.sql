-- Schema 5: a client may be held by one keyworker (the caseload's "mine"). Disabling a user
-- keeps the link (the record says who held the client); deleting users is not offered.
ALTER TABLE client ADD COLUMN keyworker_id INTEGER REFERENCES user (id);
CREATE INDEX client_keyworker ON client (keyworker_id);
