-- v1.1 units (docs/schedule.md): results per unit, the units' states, registrations.

-- A result is the result of one unit of its event (heat-2, final); v1's results are the
-- final's. Revisions count per unit.
ALTER TABLE submissions ADD COLUMN phase text NOT NULL DEFAULT 'final';
ALTER TABLE submissions DROP CONSTRAINT submissions_event_id_revision_key;
ALTER TABLE submissions ADD CONSTRAINT submissions_unit_revision UNIQUE (event_id, phase, revision);

-- The unit is part of the submission as entered (002's rule, with the new column).
CREATE OR REPLACE FUNCTION submissions_keep_as_entered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'submission % revision % is part of the audit trail and cannot be deleted',
            OLD.event_id, OLD.revision;
    END IF;
    IF (NEW.id, NEW.event_id, NEW.phase, NEW.revision, NEW.status, NEW.note, NEW.entries,
        NEW.content_hash, NEW.token_id, NEW.accepted_at)
       IS DISTINCT FROM
       (OLD.id, OLD.event_id, OLD.phase, OLD.revision, OLD.status, OLD.note, OLD.entries,
        OLD.content_hash, OLD.token_id, OLD.accepted_at) THEN
        RAISE EXCEPTION 'submission % revision % is part of the audit trail: only published_at may change; submit a correction as a new revision',
            OLD.event_id, OLD.revision;
    END IF;
    RETURN NEW;
END
$$;

-- ingest: the delegations' entries per event, as `podium entries import` last stored them
-- (a list of {bib, name, delegation, members}, the event's entries in order).
CREATE TABLE registrations (
    event_id    text PRIMARY KEY,
    entries     jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- ingest: each unit's state once anything happened to it (absent: as the games file plans
-- it). `state` is the whole UnitUpdate message (shared/contract/messages.py) at `version`.
CREATE TABLE unit_states (
    unit_id     text PRIMARY KEY,
    event_id    text NOT NULL,
    version     bigint NOT NULL CHECK (version >= 1),
    state       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- ingest: the outbox of unit states, one row per change, relayed to podium.results (keyed by
-- event) in id order, beside the submissions.
CREATE TABLE unit_changes (
    id            bigserial PRIMARY KEY,
    event_id      text NOT NULL,
    message       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX unit_changes_outbox ON unit_changes (id) WHERE published_at IS NULL;

-- scoring: each unit's latest state and result as readers have them, and its document
-- (the REST shape of GET /v1/units/{unit_id}).
CREATE TABLE unit_documents (
    unit_id     text PRIMARY KEY,
    event_id    text NOT NULL,
    state       json,             -- the latest UnitUpdate applied, null while none
    result      json,             -- a heat's latest result revision as ingest published it
    history     json NOT NULL,    -- a heat's revisions: revision, status, note, when, who
    document    json NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
