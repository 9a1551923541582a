-- A case's whole life: why it was closed (a reason from a short list, and free text for "other", which
-- retention purges like notes).

ALTER TABLE cases ADD COLUMN close_reason TEXT
    CHECK (close_reason IS NULL OR close_reason IN ('completed', 'mistake', 'withdrawn', 'other'));
ALTER TABLE cases ADD COLUMN close_note TEXT CHECK (close_note IS NULL OR length(close_note) BETWEEN 1 AND 200);
