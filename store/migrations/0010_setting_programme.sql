-- Issue 22 (the inspection programme): a setting has a kind and, optionally, its registration date, and keeps
-- the window its next inspection is due in (workflows/programme_windows.py), derived from its cases and
-- refreshed in the same transaction as every change to one of them (store/setting_windows.py). A row is
-- marked stale (window_stale = 1) when it must be worked out again: every row after this migration, and
-- after the rules change; the programme refreshes stale rows before it reads.

ALTER TABLE settings ADD COLUMN kind TEXT
    CHECK (kind IS NULL OR kind IN ('childrens_home', 'adoption_support_agency', 'local_authority'));
ALTER TABLE settings ADD COLUMN registered TEXT;       -- ISO date, else NULL (not known)
ALTER TABLE settings ADD COLUMN next_kind TEXT;        -- the inspection kind due (workflows/kinds.py id)
ALTER TABLE settings ADD COLUMN due_from TEXT;         -- ISO date: the window's first day
ALTER TABLE settings ADD COLUMN due_by TEXT;           -- ISO date: its last day; NULL = no window known
ALTER TABLE settings ADD COLUMN due_rule TEXT;         -- workflows.programme_windows.RULES key
ALTER TABLE settings ADD COLUMN window_stale INTEGER NOT NULL DEFAULT 1 CHECK (window_stale IN (0, 1));

-- The programme: settings by the last day of their window, overdue ones first.
CREATE INDEX settings_due ON settings (due_by, due_from) WHERE due_by IS NOT NULL;
CREATE INDEX settings_stale ON settings (id) WHERE window_stale = 1;
CREATE INDEX settings_urn ON settings (urn) WHERE urn IS NOT NULL;
