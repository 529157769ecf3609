-- The month's file's freshness: a counter moved by every change to anything an extract is built
-- or checked from (the records, consent, the agency, users' names, settings such as the reference
-- folder, and the transfers whose attributors the mismatch check compares), so a file built and
-- checked a moment ago can be shown again at once when nothing it was made from has moved.
CREATE TABLE extract_stamp (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO extract_stamp (id, n) VALUES (1, 0);
CREATE TRIGGER extract_agency_insert AFTER INSERT ON agency BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_agency_update AFTER UPDATE ON agency BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_agency_delete AFTER DELETE ON agency BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_client_insert AFTER INSERT ON client BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_client_update AFTER UPDATE ON client BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_client_delete AFTER DELETE ON client BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_episode_insert AFTER INSERT ON episode BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_episode_update AFTER UPDATE ON episode BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_episode_delete AFTER DELETE ON episode BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_intervention_insert AFTER INSERT ON intervention BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_intervention_update AFTER UPDATE ON intervention BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_intervention_delete AFTER DELETE ON intervention BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_sub_intervention_review_insert AFTER INSERT ON sub_intervention_review BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_sub_intervention_review_update AFTER UPDATE ON sub_intervention_review BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_sub_intervention_review_delete AFTER DELETE ON sub_intervention_review BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_outcome_record_insert AFTER INSERT ON outcome_record BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_outcome_record_update AFTER UPDATE ON outcome_record BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_outcome_record_delete AFTER DELETE ON outcome_record BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_client_information_review_insert AFTER INSERT ON client_information_review BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_client_information_review_update AFTER UPDATE ON client_information_review BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_client_information_review_delete AFTER DELETE ON client_information_review BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_consent_event_insert AFTER INSERT ON consent_event BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_consent_event_update AFTER UPDATE ON consent_event BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_consent_event_delete AFTER DELETE ON consent_event BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_setting_insert AFTER INSERT ON setting BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_setting_update AFTER UPDATE ON setting BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_setting_delete AFTER DELETE ON setting BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_submission_insert AFTER INSERT ON submission BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_submission_update AFTER UPDATE ON submission BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_submission_delete AFTER DELETE ON submission BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_sent_attributors_insert AFTER INSERT ON sent_attributors BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_sent_attributors_update AFTER UPDATE ON sent_attributors BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_sent_attributors_delete AFTER DELETE ON sent_attributors BEGIN UPDATE extract_stamp SET n = n + 1; END;
CREATE TRIGGER extract_user_name AFTER UPDATE OF username ON user BEGIN UPDATE extract_stamp SET n = n + 1; END;
