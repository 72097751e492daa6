-- Team sports (docs/tournaments.md): a match's result is a submission of its unit with the
-- two sides and their score; the event's ranking is derived from the matches and submitted by
-- Podium itself.

ALTER TABLE submissions ADD COLUMN match jsonb;

-- The match is part of the submission as entered (006's rule, with the new column).
CREATE OR REPLACE FUNCTION submissions_keep_as_entered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'submission % revision % is part of the audit trail and cannot be deleted',
            OLD.event_id, OLD.revision;
    END IF;
    IF (NEW.id, NEW.event_id, NEW.phase, NEW.revision, NEW.status, NEW.note, NEW.entries,
        NEW.content_hash, NEW.token_id, NEW.accepted_at, NEW.match)
       IS DISTINCT FROM
       (OLD.id, OLD.event_id, OLD.phase, OLD.revision, OLD.status, OLD.note, OLD.entries,
        OLD.content_hash, OLD.token_id, OLD.accepted_at, OLD.match) THEN
        RAISE EXCEPTION 'submission % revision % is part of the audit trail: only published_at may change; submit a correction as a new revision',
            OLD.event_id, OLD.revision;
    END IF;
    RETURN NEW;
END
$$;

-- Who enters a ranking the matches decided: a token no secret opens (its hash is of nothing
-- anyone holds, and it is revoked), so the audit trail names Podium, never an official.
INSERT INTO tokens (token_hash, role, name, revoked_at)
VALUES (sha256(convert_to('podium derived ranking ' || gen_random_uuid()::text, 'UTF8')),
        'admin', 'podium (derived from the matches)', now());
