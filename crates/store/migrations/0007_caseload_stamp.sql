-- The caseload's cache key: a counter moved by every change to what the caseload shows and by
-- nothing else (audit entries, log-ins, extracts and views leave it alone), so a search after
-- such a write filters the list kept in memory instead of rebuilding it.
CREATE TABLE caseload_stamp (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO caseload_stamp (id, n) VALUES (1, 0);
CREATE TRIGGER caseload_client_insert AFTER INSERT ON client BEGIN UPDATE caseload_stamp SET n = n + 1; END;
CREATE TRIGGER caseload_client_update AFTER UPDATE ON client BEGIN UPDATE caseload_stamp SET n = n + 1; END;
CREATE TRIGGER caseload_client_delete AFTER DELETE ON client BEGIN UPDATE caseload_stamp SET n = n + 1; END;
CREATE TRIGGER caseload_episode_insert AFTER INSERT ON episode BEGIN UPDATE caseload_stamp SET n = n + 1; END;
CREATE TRIGGER caseload_episode_update AFTER UPDATE ON episode BEGIN UPDATE caseload_stamp SET n = n + 1; END;
CREATE TRIGGER caseload_episode_delete AFTER DELETE ON episode BEGIN UPDATE caseload_stamp SET n = n + 1; END;
CREATE TRIGGER caseload_consent_event_insert AFTER INSERT ON consent_event BEGIN UPDATE caseload_stamp SET n = n + 1; END;
CREATE TRIGGER caseload_consent_event_update AFTER UPDATE ON consent_event BEGIN UPDATE caseload_stamp SET n = n + 1; END;
CREATE TRIGGER caseload_consent_event_delete AFTER DELETE ON consent_event BEGIN UPDATE caseload_stamp SET n = n + 1; END;
CREATE TRIGGER caseload_draft_insert AFTER INSERT ON draft BEGIN UPDATE caseload_stamp SET n = n + 1; END;
CREATE TRIGGER caseload_draft_update AFTER UPDATE ON draft BEGIN UPDATE caseload_stamp SET n = n + 1; END;
CREATE TRIGGER caseload_draft_delete AFTER DELETE ON draft BEGIN UPDATE caseload_stamp SET n = n + 1; END;
CREATE TRIGGER caseload_user_name AFTER UPDATE OF display_name ON user BEGIN UPDATE caseload_stamp SET n = n + 1; END;
