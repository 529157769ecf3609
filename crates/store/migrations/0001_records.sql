-- Schema 1: the agency, users, the dataset's records and consent.
-- A record's dataset fields are one JSON object of header -> code in `fields`, so a new dataset
-- letter is a reference-data change, not a schema change (see ARCHITECTURE.md).
CREATE TABLE agency (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    code TEXT NOT NULL,
    dataset TEXT NOT NULL CHECK (dataset IN ('AD', 'YP', 'SA', 'SY')),
    name TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE user (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('keyworker', 'data_lead', 'administrator')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    last_failed_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE client (
    id INTEGER PRIMARY KEY,
    client_ref TEXT NOT NULL UNIQUE,
    fields TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE episode (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES client (id) ON DELETE CASCADE,
    episode_ref TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (client_id, episode_ref)
);

CREATE TABLE intervention (
    id INTEGER PRIMARY KEY,
    episode_id INTEGER NOT NULL REFERENCES episode (id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (episode_id, ref)
);

CREATE TABLE sub_intervention_review (
    id INTEGER PRIMARY KEY,
    intervention_id INTEGER NOT NULL REFERENCES intervention (id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (intervention_id, ref)
);

CREATE TABLE outcome_record (
    id INTEGER PRIMARY KEY,
    episode_id INTEGER NOT NULL REFERENCES episode (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('top', 'ypor')),
    ref TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (episode_id, ref)
);

CREATE TABLE client_information_review (
    id INTEGER PRIMARY KEY,
    episode_id INTEGER NOT NULL REFERENCES episode (id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (episode_id, ref)
);

CREATE INDEX episode_client ON episode (client_id);
CREATE INDEX intervention_episode ON intervention (episode_id);
CREATE INDEX sir_intervention ON sub_intervention_review (intervention_id);
CREATE INDEX outcome_episode ON outcome_record (episode_id);
CREATE INDEX cir_episode ON client_information_review (episode_id);

CREATE TABLE consent_event (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES client (id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('ndtms', 'ips')),
    status TEXT NOT NULL CHECK (status IN ('given', 'refused', 'withdrawn')),
    event_date TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES user (id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX consent_client ON consent_event (client_id, scope, event_date);

CREATE TABLE setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
