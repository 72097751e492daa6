-- Documents are `json`, not `jsonb`: they are only stored and served, and `json` keeps
-- their key order for the people reading them.

-- Tokens of officials, media outlets and admins; only a hash of the secret is kept.
CREATE TABLE tokens (
    id          bigserial PRIMARY KEY,
    token_hash  bytea NOT NULL UNIQUE,
    role        text NOT NULL CHECK (role IN ('official', 'media', 'admin')),
    name        text NOT NULL,
    venues      text[] NOT NULL DEFAULT '{}',  -- empty: every venue
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- Every accepted result revision exactly as submitted. A row here is the promise
-- behind a 2xx answer; published_at IS NULL makes it the outbox the relay drains.
CREATE TABLE submissions (
    id            bigserial PRIMARY KEY,
    event_id      text NOT NULL,
    revision      integer NOT NULL CHECK (revision >= 1),
    status        text NOT NULL CHECK (status IN ('provisional', 'official', 'cancelled')),
    note          text,
    entries       jsonb NOT NULL,
    content_hash  bytea NOT NULL,
    token_id      bigint NOT NULL REFERENCES tokens (id),
    accepted_at   timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz,
    UNIQUE (event_id, revision)
);
CREATE INDEX submissions_outbox ON submissions (id) WHERE published_at IS NULL;

-- scoring: the latest applied revision of each event, entries with their awards.
CREATE TABLE event_results (
    event_id     text PRIMARY KEY,
    revision     integer NOT NULL,
    status       text NOT NULL,
    result       json NOT NULL,   -- the applied revision as ingest published it
    history      json NOT NULL,   -- every applied revision: revision, status, note, when, who
    document     json NOT NULL,   -- the REST shape of GET /v1/events/{id}
    applied_at   timestamptz NOT NULL DEFAULT now()
);

-- scoring: every published table (medals:all, points:youth, ...).
CREATE TABLE standings (
    channel     text PRIMARY KEY,
    document    json NOT NULL,    -- REST shape, version and updated_at included
    seq         bigint NOT NULL    -- feed seq of the message that last changed it
);

-- Single-row counters owned by scoring: the tables' version and the feed's last seq.
-- A row instead of a sequence keeps seq gap-free, so a gap always means a missed message.
CREATE TABLE scoring_state (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version     bigint NOT NULL,
    last_seq    bigint NOT NULL
);
INSERT INTO scoring_state (version, last_seq) VALUES (0, 0);

-- Consumer positions stored in the same transaction as the changes they produced.
CREATE TABLE consumer_offsets (
    consumer     text NOT NULL,
    topic        text NOT NULL,
    partition    integer NOT NULL,
    next_offset  bigint NOT NULL,
    PRIMARY KEY (consumer, topic, partition)
);

-- Every message broadcast sends, numbered once at the source; the durable history
-- that clients resume from (`since`).
CREATE TABLE feed (
    seq           bigint PRIMARY KEY,
    channel       text NOT NULL,
    type          text NOT NULL,
    data          json NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX feed_unpublished ON feed (seq) WHERE published_at IS NULL;
