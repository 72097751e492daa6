-- ingest: the audit trail. Every accepted revision stays exactly as it was entered, by whom.

-- The audit trail names the holder of each token, so a name must say something.
ALTER TABLE tokens ADD CONSTRAINT tokens_name_given CHECK (btrim(name) <> '');

-- A stored submission is an official record: it is never deleted, and nothing about it changes
-- except the outbox relay marking it published. A correction is a new revision.
CREATE FUNCTION submissions_keep_as_entered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'submission % revision % is part of the audit trail and cannot be deleted',
            OLD.event_id, OLD.revision;
    END IF;
    IF (NEW.id, NEW.event_id, NEW.revision, NEW.status, NEW.note, NEW.entries, NEW.content_hash,
        NEW.token_id, NEW.accepted_at)
       IS DISTINCT FROM
       (OLD.id, OLD.event_id, OLD.revision, OLD.status, OLD.note, OLD.entries, OLD.content_hash,
        OLD.token_id, OLD.accepted_at) THEN
        RAISE EXCEPTION 'submission % revision % is part of the audit trail: only published_at may change; submit a correction as a new revision',
            OLD.event_id, OLD.revision;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER submissions_keep_as_entered
    BEFORE UPDATE OR DELETE ON submissions
    FOR EACH ROW EXECUTE FUNCTION submissions_keep_as_entered();

