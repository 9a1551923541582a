-- Issue 20, item 11: a provider may be on several settings (an organisation with several homes). The
-- setting a provider first joined stays in people.setting_id; each further setting an invitation adds is a
-- row here. Access (workflows/access.py) lets a provider see the cases of all of them, and no others.

CREATE TABLE provider_settings (
    person_id INTEGER NOT NULL REFERENCES people(id),
    setting_id INTEGER NOT NULL REFERENCES settings(id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (person_id, setting_id)
);
CREATE INDEX provider_settings_by_setting ON provider_settings (setting_id);
