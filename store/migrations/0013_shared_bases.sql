-- Issue 24: the deadlines each case's reminders were last planned from (`reminder_basis`, a JSON text of
-- ~3.6 KB a case) are shared: at 100,000 cases 5,317 distinct texts stood in 457 MB, and a closure added
-- at start rewrote ~256 MB of them. Each distinct text is kept once, under its digest
-- (store/reminder_bases.py); a case names the one it was planned from. The follow-up moves the rows.

CREATE TABLE reminder_bases (
    digest    TEXT PRIMARY KEY,        -- store.reminder_bases.digest_of(deadlines)
    deadlines TEXT NOT NULL            -- JSON list of a timeline's deadlines
);

CREATE TABLE case_bases (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id),
    digest  TEXT NOT NULL REFERENCES reminder_bases (digest)
);
