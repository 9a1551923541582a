-- Each case's milestones as compute_timeline dates them, stored so that questions across cases are queries
-- (issue 8). Written in the same transaction as every change to the case (store/derived.py); the rows of
-- cases that existed before this migration are filled by its follow-up in Python (store/deadlines.py),
-- because SQL can't run the rules. Rows of a closed case are kept (case_open = 0); lists skip them.

CREATE TABLE case_deadlines (
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    key        TEXT NOT NULL,                 -- the milestone key of the case's kind
    position   INTEGER NOT NULL,              -- its place in compute_timeline's order
    actor      TEXT NOT NULL,                 -- workflows.rules.Actor value
    due        TEXT NOT NULL,                 -- ISO date
    due_until  TEXT,                          -- the end of a window, else NULL
    last_day   TEXT NOT NULL,                 -- due_until, else due
    time       TEXT,                          -- Europe/London time of day, else NULL (end of day)
    due_at     TEXT NOT NULL,                 -- 'YYYY-MM-DD HH:MM' of last_day (23:59 without a time): sorts
    opens      TEXT,                          -- the first day it may already be done
    recorded   TEXT,                          -- the day it actually happened, else NULL
    recordable INTEGER NOT NULL CHECK (recordable IN (0, 1)),
    internal   INTEGER NOT NULL CHECK (internal IN (0, 1)),
    basis      TEXT NOT NULL CHECK (basis IN ('planned', 'recorded')),
    case_open  INTEGER NOT NULL CHECK (case_open IN (0, 1)),
    PRIMARY KEY (case_id, key)
);
-- "What is overdue / due this week / next for each case": the pending deadlines of open cases by due date,
-- covering what the lists filter on, so counting them reads the index alone.
CREATE INDEX case_deadlines_pending ON case_deadlines (due_at, recordable, last_day, internal, key, case_id)
    WHERE case_open = 1 AND recorded IS NULL;

-- What the stored dates were worked out with: the operator's closures, and a fingerprint of the rules
-- (workflows.kinds). When INSPECTBOT_CLOSURES or the rules change (a new version), the open cases' rows
-- are worked out again at open.
CREATE TABLE deadline_calendar (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    closures TEXT NOT NULL,
    rules    TEXT NOT NULL
);
INSERT INTO deadline_calendar (id, closures, rules) VALUES (1, '', '');

-- Lists of open cases filter by status; their pickers and name lookups by setting.
CREATE INDEX cases_status ON cases (status, ref);
