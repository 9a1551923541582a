-- The outbox: every message to a person who did not just ask (reminders, "your deadline moved", notices),
-- written in the same transaction as the change that causes it and sent by one scheduler job.
-- Text is never stored: a template key and its parameters, rendered when the message is sent.

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    dedup       TEXT NOT NULL UNIQUE,     -- e.g. remind:<case>:<milestone>:<person>:<due date>:<lead>
    person_id   INTEGER NOT NULL REFERENCES people (id),
    case_id     INTEGER REFERENCES cases (id),
    kind        TEXT NOT NULL CHECK (kind IN ('remind', 'digest', 'notice', 'reply')),
    batch       TEXT NOT NULL,            -- rows of one person and batch due together go as one message
    template    TEXT NOT NULL,
    params      TEXT NOT NULL,            -- JSON
    due_at      TEXT NOT NULL,            -- UTC ISO text
    state       TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'cancelled', 'failed')),
    lease_until TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    message_id  INTEGER,                  -- Telegram's id of the message that carried it
    reason      TEXT                      -- why it was cancelled or failed (an event name, never text)
);
CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'pending';
CREATE INDEX outbox_group ON outbox (person_id, batch) WHERE state = 'pending';
CREATE INDEX outbox_sending ON outbox (lease_until) WHERE state = 'sending';
CREATE INDEX outbox_case ON outbox (case_id, state);
CREATE INDEX outbox_person ON outbox (person_id, state);
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE state = 'sent';

-- The deadlines reminders were last computed from, per case, so a change can say what moved.
CREATE TABLE reminder_basis (
    case_id   INTEGER PRIMARY KEY REFERENCES cases (id),
    deadlines TEXT NOT NULL                -- JSON list of the timeline's deadlines
);

-- /mute REF: no reminders of that case for that person (the managers' overdue digest is not muted).
CREATE TABLE reminder_mutes (
    person_id INTEGER NOT NULL REFERENCES people (id),
    case_id   INTEGER NOT NULL REFERENCES cases (id),
    at        TEXT NOT NULL,
    PRIMARY KEY (person_id, case_id)
);

-- Telegram answered 403 (the person blocked the bot): no more messages until they write again.
ALTER TABLE people ADD COLUMN unreachable_at TEXT;
