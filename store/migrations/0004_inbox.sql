-- Durable updates: every Telegram update is stored before Telegram is told it was received, and marked
-- done when handled (so a crash replays what was not finished); each change made while handling an update
-- is recorded against it, so handling it again does not make the change twice.

CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,       -- the update as JSON, deleted with the row once handled and old
    received_at TEXT NOT NULL,
    done_at     TEXT
);
CREATE INDEX inbox_pending ON inbox (update_id) WHERE done_at IS NULL;

CREATE TABLE update_changes (
    update_id INTEGER NOT NULL,
    step      INTEGER NOT NULL,      -- the nth write transaction made while handling the update
    result    TEXT,                  -- what a repository chose to remember (a new case's ref)
    at        TEXT NOT NULL,
    PRIMARY KEY (update_id, step)
);

-- Failed invitation redemptions per Telegram user, so guessing codes is throttled (ids and times only).
CREATE TABLE invite_failures (
    telegram_id INTEGER NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX invite_failures_by_person ON invite_failures (telegram_id, at);
