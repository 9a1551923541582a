-- Issue 22's remaining gaps. `inspected_case_id`: the setting's latest case that was an inspection (judged,
-- its visit's end recorded, or closed as completed; store/setting_windows.py), kept with the window, so the
-- programme's "last inspection" and "last inspected by" never come from a case only planned.
-- `provider_contact`: how to reach the provider, from the settings register (one line: a name, an email or
-- a phone number; never a child's name), shown to managers on /setting only.

ALTER TABLE settings ADD COLUMN inspected_case_id INTEGER REFERENCES cases(id);
ALTER TABLE settings ADD COLUMN provider_contact TEXT;
-- Every window (and now its inspected case) is worked out again at the next open.
UPDATE settings SET window_stale = 1;
