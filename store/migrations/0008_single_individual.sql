-- Issue 18, items 4a and 4b (adoption support agencies). A case records whether the provider is a single
-- individual: an adoption support agency run by one person gets 20 working days' notice, not 10 (003 L433,
-- L501). A stored deadline may be extended with no fixed day: the final report waits for the answer to a
-- formal complaint (003 L509, L1190-1191). The rules' fingerprint changes with this version, so the open
-- cases' deadline rows are worked out again when the bot opens the database (store/deadlines.py).

ALTER TABLE cases ADD COLUMN single_individual INTEGER NOT NULL DEFAULT 0 CHECK (single_individual IN (0, 1));
ALTER TABLE case_deadlines ADD COLUMN extended INTEGER NOT NULL DEFAULT 0 CHECK (extended IN (0, 1));
