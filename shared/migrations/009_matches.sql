-- Team sports (docs/tournaments.md): a match's result is a submission of its unit with the
-- two sides and their score; the event's ranking is derived from the matches and submitted by
-- Podium itself. (007's submissions_keep_as_entered keeps every column as entered, this one
-- too.)

ALTER TABLE submissions ADD COLUMN match jsonb;

-- Who enters a ranking the matches decided: a token no secret opens (its hash is of nothing
-- anyone holds, and it is revoked), so the audit trail names Podium, never an official.
INSERT INTO tokens (token_hash, role, name, revoked_at)
VALUES (sha256(convert_to('podium derived ranking ' || gen_random_uuid()::text, 'UTF8')),
        'admin', 'podium (derived from the matches)', now());
