-- People, the inspected places, cases with their members and recorded dates, invitations, the audit trail.
-- All times are UTC ISO-8601 text; all dates are ISO-8601 text (YYYY-MM-DD).

CREATE TABLE settings (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    urn        TEXT,
    created_at TEXT NOT NULL
);
-- One setting per name and URN; names compare without regard to case.
CREATE UNIQUE INDEX settings_name_urn ON settings (name COLLATE NOCASE, COALESCE(urn, ''));

CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    telegram_id  INTEGER NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('manager', 'inspector', 'provider')),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    setting_id   INTEGER REFERENCES settings (id),
    created_at   TEXT NOT NULL
);

CREATE TABLE cases (
    id            INTEGER PRIMARY KEY,
    ref           INTEGER NOT NULL UNIQUE CHECK (ref > 0),
    kind          TEXT NOT NULL,
    setting_id    INTEGER NOT NULL REFERENCES settings (id),
    planned_start TEXT,
    planned_end   TEXT,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    judgement     TEXT,
    concerns      INTEGER NOT NULL DEFAULT 0 CHECK (concerns IN (0, 1)),
    created_at    TEXT NOT NULL,
    closed_at     TEXT
);
CREATE INDEX cases_setting ON cases (setting_id);

CREATE TABLE case_members (
    case_id   INTEGER NOT NULL REFERENCES cases (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    role      TEXT NOT NULL CHECK (role IN ('manager', 'inspector', 'provider')),
    added_at  TEXT NOT NULL,
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX case_members_person ON case_members (person_id);

CREATE TABLE case_events (
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    key         TEXT NOT NULL,
    day         TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (case_id, key)
);

CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    code_hash   TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('manager', 'inspector', 'provider')),
    case_id     INTEGER REFERENCES cases (id),
    setting_id  INTEGER REFERENCES settings (id),
    created_by  INTEGER REFERENCES people (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    redeemed_at TEXT,
    redeemed_by INTEGER REFERENCES people (id),
    CHECK (role <> 'provider' OR (case_id IS NOT NULL AND setting_id IS NOT NULL))
);

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor_id    INTEGER REFERENCES people (id),
    actor_label TEXT NOT NULL,
    action      TEXT NOT NULL,
    case_ref    INTEGER REFERENCES cases (ref),
    before      TEXT,
    after       TEXT
);
CREATE INDEX audit_case ON audit (case_ref);

-- The trail is append-only: nothing, not even a bug in a repository, may rewrite or remove it.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
