-- Schema 2: the hash-chained audit trail, drafts and the submission history.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    record_key TEXT NOT NULL,
    field TEXT NOT NULL DEFAULT '',
    old_value TEXT NOT NULL DEFAULT '',
    new_value TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE draft (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,
    entity TEXT NOT NULL,
    record_key TEXT NOT NULL,
    fields TEXT NOT NULL,
    focus TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, entity, record_key)
);

CREATE TABLE submission (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('extract', 'transfer')),
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    created_at TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES user (id),
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows INTEGER NOT NULL,
    clients INTEGER NOT NULL,
    receipt TEXT NOT NULL DEFAULT '',
    locks_period INTEGER NOT NULL DEFAULT 0
);
