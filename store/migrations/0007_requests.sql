-- Requests that pass between people on a case (issue 11): a notification, a deferral, comments on the
-- draft, a complaint, a survey, a case review. Each is a small state machine (workflows/flows.py); a
-- transition is a compare-and-set on (state, version), in one transaction with its audit entry and the
-- change to the case it implies. The payload is JSON; its free text is purged with the case (retention).

CREATE TABLE requests (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL
               CHECK (kind IN ('notification', 'deferral', 'comments', 'complaint', 'survey', 'case_review')),
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    state      TEXT NOT NULL,
    asked_by   INTEGER REFERENCES people (id),      -- NULL: the bot itself (a prompt) or the command line
    decider    TEXT CHECK (decider IS NULL OR decider IN ('manager', 'inspector', 'provider')),
    last_by    INTEGER REFERENCES people (id),      -- who made the last transition (the one who decided)
    last_label TEXT NOT NULL,                       -- "manager:3", "system", "cli" (as in the audit trail)
    payload    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    version    INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    purged_at  TEXT                                 -- when retention removed its free text
);
CREATE INDEX requests_case ON requests (case_id, kind);
