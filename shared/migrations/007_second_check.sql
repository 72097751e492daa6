-- v1.1 a second check before a result counts (docs/officials.md "Roles and the second check"):
-- the roles that enter and confirm, tokens that expire, the checks of each revision.

-- recorder: enters (waits for a referee); referee: enters and confirms; official: v1's role.
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check
    CHECK (role IN ('official', 'recorder', 'referee', 'media', 'admin'));
-- Refused from this instant on (null: until revoked).
ALTER TABLE tokens ADD COLUMN expires_at timestamptz;
-- Who made and who revoked a token over HTTP (the results desk); null: `podium token`.
ALTER TABLE tokens ADD COLUMN created_by bigint REFERENCES tokens (id);
ALTER TABLE tokens ADD COLUMN revoked_by bigint REFERENCES tokens (id);

-- Set as entered: this official revision counts only once a second token confirms it.
ALTER TABLE submissions ADD COLUMN awaits_confirmation boolean NOT NULL DEFAULT false;

-- The steps after entry, of one revision of a unit's result: `confirm` (a referee or the desk
-- makes a waiting revision count, or ends a review) and `review` (an official result under
-- review: a protest, 申诉, with its note). Relayed to podium.results by the submissions' own relay, in one id order with
-- them (the ids come from their sequence), so scoring sees a revision before its checks.
CREATE TABLE result_checks (
    id            bigint PRIMARY KEY DEFAULT nextval(pg_get_serial_sequence('submissions', 'id')),
    event_id      text NOT NULL,
    phase         text NOT NULL DEFAULT 'final',  -- the unit of the event (006)
    revision      integer NOT NULL,
    action        text NOT NULL CHECK (action IN ('confirm', 'review')),
    note          text,
    token_id      bigint NOT NULL REFERENCES tokens (id),
    checked_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX result_checks_outbox ON result_checks (id) WHERE published_at IS NULL;
CREATE INDEX result_checks_revision ON result_checks (event_id, phase, revision);

-- Entered rows are the audit trail: nothing about one changes but the relay's mark, and none
-- is deleted. Compared as whole rows, so a column added later is kept as entered too.
CREATE OR REPLACE FUNCTION submissions_keep_as_entered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% row % is part of the audit trail and cannot be deleted',
            TG_TABLE_NAME, OLD.id;
    END IF;
    IF to_jsonb(NEW) - 'published_at' IS DISTINCT FROM to_jsonb(OLD) - 'published_at' THEN
        RAISE EXCEPTION '% row % is part of the audit trail: only published_at may change; submit a correction as a new revision',
            TG_TABLE_NAME, OLD.id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER result_checks_keep_as_entered
    BEFORE UPDATE OR DELETE ON result_checks
    FOR EACH ROW EXECUTE FUNCTION submissions_keep_as_entered();

-- scoring: what the checks did to the event's latest revision (confirmed, under review, the
-- last check applied), and while that revision waits, the earlier one the tables still count.
ALTER TABLE event_results ADD COLUMN checks json NOT NULL DEFAULT '{}';
ALTER TABLE event_results ADD COLUMN counted json;
-- The same for a heat's (or semi-final's) latest result, shown on its unit's page.
ALTER TABLE unit_documents ADD COLUMN checks json NOT NULL DEFAULT '{}';

-- The results desk makes and revokes tokens over HTTP. ingest may not write `tokens` itself
-- (shared/privileges.sql): these functions do it for the holder of an active admin token, by
-- the hash of its secret, and record that admin, so a request without one changes nothing
-- however it reaches the database.
CREATE FUNCTION desk_admin(admin_hash bytea) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    admin_id bigint;
BEGIN
    SELECT t.id INTO admin_id FROM tokens t
    WHERE t.token_hash = admin_hash AND t.role = 'admin' AND t.revoked_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > now());
    IF admin_id IS NULL THEN
        RAISE EXCEPTION 'only an active admin token may make or revoke tokens'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN admin_id;
END
$$;

CREATE FUNCTION desk_create_token(
    admin_hash bytea, new_hash bytea, new_role text, new_name text, new_venues text[],
    new_expires_at timestamptz
) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO tokens (token_hash, role, name, venues, expires_at, created_by)
    VALUES (new_hash, new_role, new_name, new_venues, new_expires_at, desk_admin(admin_hash))
    RETURNING id
$$;

CREATE FUNCTION desk_revoke_token(admin_hash bytea, revoked_id bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    admin_id bigint := desk_admin(admin_hash);  -- first: refused whatever the token is
    revoked_name text;
BEGIN
    UPDATE tokens SET revoked_at = now(), revoked_by = admin_id
    WHERE id = revoked_id AND revoked_at IS NULL
    RETURNING name INTO revoked_name;
    RETURN revoked_name;
END
$$;

REVOKE ALL ON FUNCTION desk_admin(bytea), desk_create_token(bytea, bytea, text, text, text[],
    timestamptz), desk_revoke_token(bytea, bigint) FROM PUBLIC;
