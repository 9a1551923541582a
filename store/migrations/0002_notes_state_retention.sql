-- Free-text notes on a case, the moment a closed case's free text was purged, and a key-value store for
-- the Telegram conversation state.

CREATE TABLE case_notes (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    author_id  INTEGER REFERENCES people (id),
    at         TEXT NOT NULL,
    text       TEXT,            -- NULL once purged
    CHECK (text IS NULL OR length(text) BETWEEN 1 AND 2000)
);
CREATE INDEX case_notes_case ON case_notes (case_id);

ALTER TABLE cases ADD COLUMN purged_at TEXT;

CREATE TABLE kv_state (
    namespace  TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (namespace, key)
);
