-- Schema 9: each send to the portal is recorded before the upload starts and ended after it, so
-- a transfer cut short (the app closed, the machine off, the network gone mid-upload) is known
-- afterwards and the data lead is told to check the portal before sending again.
CREATE TABLE transfer_attempt (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    started_at TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES user (id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    ended_at TEXT,
    outcome TEXT NOT NULL DEFAULT ''
);
